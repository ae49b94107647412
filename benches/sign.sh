#!/usr/bin/env bash
# Benchmark of `sign` against `openssl dgst -sha256` (the hashing floor), `gpg` and `minisign`,
# side by side in one hyperfine run per case (issue 14):
#   (a) OpenPGP detached signature of a large file   sign | openssl dgst | gpg --detach-sign
#   (b) OpenPGP verification of it                    sign --verify | openssl dgst | gpg --verify | gpgv
#   (c) minisign signature of the same file           sign | minisign -S
#   (d) minisign verification                         sign --verify | minisign -V
# The OpenPGP key is an Ed25519 key made by `gpg --quick-gen-key` (no passphrase), gpg signing
# with SHA-256 as relkit does. The file is read from the page cache (warm-up runs), so the
# numbers measure hashing and signing, not the disk. Goal: (a) and (b) within 1.2x of openssl
# and faster than gpg.
#
# Usage: benches/sign.sh [--mib N] [--runs N]
#   --mib N   size of the file in MiB (default 1024, the issue's 1 GiB)
# Needs: hyperfine, gpg, gpgv, minisign, openssl (Debian packages), python3.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

bail() { echo "sign bench: $*" >&2; exit 1; }

mib=1024
runs=5
while [[ $# -gt 0 ]]; do
    case "$1" in
        --mib) mib=${2:?--mib needs a number}; shift ;;
        --runs) runs=${2:?--runs needs a number}; shift ;;
        -h|--help) sed -n '2,/^[^#]/{/^#/p}' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) bail "unknown argument $1 (see --help)" ;;
    esac
    shift
done

for tool in hyperfine gpg gpgv minisign openssl python3; do
    command -v "$tool" >/dev/null || bail "$tool is missing (apt-get install hyperfine gnupg gpgv minisign openssl python3)"
done

echo "== building the release binary"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
cargo build --release --bin sign
bin="$CARGO_TARGET_DIR/release/sign"
[[ -x $bin ]] || bail "no binary at $bin"

work="$root/benches/work/sign"
mkdir -p "$work"
cd "$work"
bytes=$((mib * 1024 * 1024))
if [[ ! -f big.bin || $(stat -c %s big.bin) != "$bytes" ]]; then
    echo "== generating a $mib MiB file under $work"
    head -c "$bytes" /dev/urandom >big.bin
fi

# Throwaway keys, made fresh each run: gpg's home is short-lived and outside the tree (gpg-agent's
# socket path must stay short).
GNUPGHOME=$(mktemp -d /tmp/relkit-sign-bench.XXXXXX)
export GNUPGHOME
results=$(mktemp -d)
trap 'gpgconf --kill gpg-agent 2>/dev/null || true; rm -rf "$GNUPGHOME" "$results"' EXIT
gpg --batch --quiet --passphrase '' --quick-gen-key 'Bench <bench@example.invalid>' ed25519 sign never
gpg --batch --armor --export bench@example.invalid >pgp.pub.asc
gpg --batch --export bench@example.invalid >pgp.pub.gpg
RELKIT_BENCH_PGP=$(gpg --batch --armor --export-secret-keys bench@example.invalid)
export RELKIT_BENCH_PGP
rm -f mini.key mini.pub
minisign -G -W -f -p mini.pub -s mini.key >/dev/null
RELKIT_BENCH_MINISIGN=$(cat mini.key)
export RELKIT_BENCH_MINISIGN

# The signatures the verification cases check, made once.
"$bin" --key-env RELKIT_BENCH_PGP big.bin -o relkit.asc >/dev/null
gpg --batch --yes --digest-algo SHA256 --armor --detach-sign -o gpg.asc big.bin
"$bin" --key-env RELKIT_BENCH_MINISIGN big.bin -o relkit.minisig >/dev/null
minisign -S -s mini.key -m big.bin -x minisign.minisig >/dev/null
# Cross-checks: each tool accepts the other's signature, so the timed work is the same work.
gpgv --keyring "$PWD/pgp.pub.gpg" relkit.asc big.bin 2>/dev/null || bail "gpgv rejects relkit's signature"
"$bin" --verify big.bin --signature gpg.asc --key pgp.pub.asc >/dev/null || bail "sign rejects gpg's signature"
minisign -V -q -p mini.pub -m big.bin -x relkit.minisig || bail "minisign rejects relkit's signature"
"$bin" --verify big.bin --signature minisign.minisig --key mini.pub >/dev/null || bail "sign rejects minisign's signature"

echo "== machine"
echo "cpus: $(nproc); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
grep -qw sha_ni /proc/cpuinfo && echo "CPU has SHA extensions (sha_ni)" || echo "CPU has NO SHA extensions"
"$bin" --version
gpg --version | sed -n 1p
minisign -v
openssl version

bench() { # name description commands (as hyperfine -n NAME CMD pairs)
    local name=$1 what=$2
    shift 2
    echo
    echo "== ($name) $what"
    hyperfine --style basic --warmup 1 --runs "$runs" --export-json "$results/$name.json" "$@"
}
bench a "OpenPGP signature of $mib MiB" \
    -n sign "$bin --key-env RELKIT_BENCH_PGP big.bin -o out.asc" \
    -n "openssl dgst" "openssl dgst -sha256 big.bin" \
    -n "gpg --detach-sign" "gpg --batch --yes --digest-algo SHA256 --armor --detach-sign -o out-gpg.asc big.bin"
bench b "OpenPGP verification of $mib MiB" \
    -n sign "$bin --verify big.bin --signature gpg.asc --key pgp.pub.asc" \
    -n "openssl dgst" "openssl dgst -sha256 big.bin" \
    -n "gpg --verify" "gpg --batch --verify gpg.asc big.bin" \
    -n gpgv "gpgv --keyring $PWD/pgp.pub.gpg gpg.asc big.bin"
bench c "minisign signature of $mib MiB" \
    -n sign "$bin --key-env RELKIT_BENCH_MINISIGN big.bin -o out.minisig" \
    -n "minisign -S" "minisign -S -s mini.key -m big.bin -x out-m.minisig"
bench d "minisign verification of $mib MiB" \
    -n sign "$bin --verify big.bin --signature minisign.minisig --key mini.pub" \
    -n "minisign -V" "minisign -V -q -p mini.pub -m big.bin -x minisign.minisig"

echo
echo "== results (mean ± stddev; ratio = peer time / sign time, >1 means sign is faster)"
python3 - "$results" "$mib" <<'EOF'
import json, sys
results, mib = sys.argv[1], sys.argv[2]
labels = {
    "a": f"(a) OpenPGP sign, {mib} MiB",
    "b": f"(b) OpenPGP verify, {mib} MiB",
    "c": f"(c) minisign sign, {mib} MiB",
    "d": f"(d) minisign verify, {mib} MiB",
}
print("| case | sign | peer | peer time | ratio |")
print("| --- | ---: | --- | ---: | ---: |")
for case, label in labels.items():
    with open(f"{results}/{case}.json") as f:
        runs = [(r["command"], r) for r in json.load(f)["results"]]
    fmt = lambda r: f'{r["mean"] * 1000:.0f} ± {r["stddev"] * 1000:.0f} ms'
    ours = dict(runs)["sign"]
    for name, r in runs:
        if name != "sign":
            print(f'| {label} | {fmt(ours)} | {name} | {fmt(r)} | {r["mean"] / ours["mean"]:.2f}x |')
EOF
