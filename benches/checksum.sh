#!/usr/bin/env bash
# Benchmark of `checksum` against GNU `sha256sum` and `openssl dgst -sha256`, side by side in one
# hyperfine run per case (issue 3):
#   (a) one large file        issue size: 1 GiB
#   (b) 64 medium files       issue size: 64 x 16 MiB
#   (c) 10,000 small files    issue size: 10,000 x 4 KiB
# plus peak RSS on (a) with /usr/bin/time. Files are hashed from the page cache (warm-up runs),
# so the numbers measure hashing and syscalls, not the disk.
#
# Usage: benches/checksum.sh [--full] [--runs N]
#   default  scaled-down sizes for a shared machine: (a) 256 MiB, (b) 64 x 4 MiB, (c) full
#   --full   the issue's sizes
# Sizes can also be set one by one: BIG_MIB, MED_COUNT, MED_MIB, SMALL_COUNT, SMALL_KIB.
# Needs: hyperfine, time (Debian packages), openssl, coreutils, python3.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

bail() { echo "checksum bench: $*" >&2; exit 1; }

full=0
runs=10
while [[ $# -gt 0 ]]; do
    case "$1" in
        --full) full=1 ;;
        --runs) runs=${2:?--runs needs a number}; shift ;;
        -h|--help) sed -n '2,/^[^#]/{/^#/p}' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) bail "unknown argument $1 (see --help)" ;;
    esac
    shift
done
if [[ $full == 1 ]]; then
    : "${BIG_MIB:=1024}" "${MED_COUNT:=64}" "${MED_MIB:=16}"
else
    : "${BIG_MIB:=256}" "${MED_COUNT:=64}" "${MED_MIB:=4}"
fi
: "${SMALL_COUNT:=10000}" "${SMALL_KIB:=4}"

for tool in hyperfine /usr/bin/time openssl sha256sum python3; do
    command -v "$tool" >/dev/null || bail "$tool is missing (apt-get install hyperfine time openssl coreutils python3)"
done

echo "== building the release binary"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
cargo build --release --bin checksum
bin="$CARGO_TARGET_DIR/release/checksum"
[[ -x $bin ]] || bail "no binary at $bin"

work="$root/benches/work/checksum"
mkdir -p "$work"
cd "$work"

# Inputs are regenerated only when their size changed; contents are random (incompressible).
make_file() { # path bytes
    if [[ ! -f $1 || $(stat -c %s "$1") != "$2" ]]; then
        head -c "$2" /dev/urandom > "$1"
    fi
}
make_set() { # dir count bytes
    local dir=$1 count=$2 bytes=$3 stamp
    stamp="$count x $bytes"
    if [[ ! -f $dir.stamp || $(cat "$dir.stamp") != "$stamp" ]]; then
        rm -rf "$dir"
        mkdir -p "$dir"
        # One random blob, cut into files: fast even for 10,000 files.
        head -c "$((count * bytes))" /dev/urandom > "$dir.blob"
        (cd "$dir" && split -a 5 -d -b "$bytes" "../$(basename "$dir").blob" f)
        rm -f "$dir.blob"
        echo "$stamp" > "$dir.stamp"
    fi
}
echo "== generating inputs under $work"
make_file big.bin "$((BIG_MIB * 1024 * 1024))"
make_set medium "$MED_COUNT" "$((MED_MIB * 1024 * 1024))"
make_set small "$SMALL_COUNT" "$((SMALL_KIB * 1024))"

echo "== machine"
echo "cpus: $(nproc); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
grep -qw sha_ni /proc/cpuinfo && echo "CPU has SHA extensions (sha_ni)" || echo "CPU has NO SHA extensions"
if command -v objdump >/dev/null; then
    echo "sha256rnds2 instructions in the binary: $(objdump -d "$bin" | grep -c sha256rnds2 || true)"
fi
"$bin" --version
sha256sum --version | sed -n 1p   # sed reads it all: no SIGPIPE under pipefail
openssl version

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

bench() { # name description args [extra hyperfine arguments]
    local name=$1 what=$2 args=$3
    shift 3
    echo
    echo "== ($name) $what"
    hyperfine --style basic --warmup 2 --runs "$runs" --export-json "$results/$name.json" \
        -n checksum "$bin $args" \
        -n sha256sum "sha256sum $args" \
        -n openssl "openssl dgst -sha256 $args" \
        "$@"
}
bench a "1 file of $BIG_MIB MiB" "big.bin"
bench b "$MED_COUNT files of $MED_MIB MiB" "medium/*"
# The shell expands small/* into the same 10,000 arguments for every tool; checksum is also
# timed walking the directory itself, which is how it is used (no per-argument stat calls).
bench c "$SMALL_COUNT files of $SMALL_KIB KiB" "small/*" -n checksum-dir "$bin small"

echo
echo "== peak RSS on (a)"
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
rss_checksum=$(rss "$bin" big.bin)
rss_sha256sum=$(rss sha256sum big.bin)
rss_openssl=$(rss openssl dgst -sha256 big.bin)

echo
echo "== results (mean ± stddev; ratio = peer time / checksum time, >1 means checksum is faster)"
python3 - "$results" "$rss_checksum" "$rss_sha256sum" "$rss_openssl" \
    "1 × $BIG_MIB MiB" "$MED_COUNT × $MED_MIB MiB" "$SMALL_COUNT × $SMALL_KIB KiB" <<'EOF'
import json, sys
results, rss = sys.argv[1], sys.argv[2:5]
labels = dict(zip("abc", sys.argv[5:8]))
print("| case | checksum | sha256sum | openssl dgst | vs sha256sum | vs openssl |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for case in "abc":
    with open(f"{results}/{case}.json") as f:
        runs = {r["command"]: r for r in json.load(f)["results"]}
    fmt = lambda r: f'{r["mean"] * 1000:.0f} ± {r["stddev"] * 1000:.0f} ms'
    ours = runs["checksum"]["mean"]
    print(f'| ({case}) {labels[case]} | {fmt(runs["checksum"])} | {fmt(runs["sha256sum"])} | '
          f'{fmt(runs["openssl"])} | {runs["sha256sum"]["mean"] / ours:.2f}x | {runs["openssl"]["mean"] / ours:.2f}x |')
    if "checksum-dir" in runs:
        walk = runs["checksum-dir"]
        print(f'| ({case}) same files, `checksum small/` walking the directory | {fmt(walk)} | | | '
              f'{runs["sha256sum"]["mean"] / walk["mean"]:.2f}x | {runs["openssl"]["mean"] / walk["mean"]:.2f}x |')
print()
print("| peak RSS on (a) | checksum | sha256sum | openssl dgst |")
print("| --- | ---: | ---: | ---: |")
print("| KiB | " + " | ".join(rss) + " |")
EOF
