#!/usr/bin/env bash
# Benchmark of `apt-repo` against Debian's own indexers, `apt-ftparchive` and
# `dpkg-scanpackages`, side by side in one hyperfine run per case (issue 15):
#   (a) index 1,000 .deb files from scratch
#         apt-repo                  | apt-ftparchive told to write the same digests (MD5sum, SHA256)
#                                   | dpkg-scanpackages (MD5sum, SHA1, SHA256)
#         apt-repo --hashes (all 4) | apt-ftparchive as it comes (MD5sum, SHA1, SHA256, SHA512)
#   (b) add 10 packages to an indexed 1,000
#         apt-repo | apt-ftparchive --db (its cache, same digests) | dpkg-scanpackages
#   (c) add 10 packages to an indexed 100            apt-repo (compare with (b))
#   (d) add 100 packages to an indexed 1,000         apt-repo (ten times (b)'s new packages)
# The packages are made once by dpkg-deb (sizes log-uniform from 10 KiB to 5 MiB, random
# content, seeded) and laid out in a pool, which every tool indexes in place. Every command
# publishes the same files: Packages, Packages.gz (-9) and Packages.xz (-6), the Release (four
# hash sections) and its signatures, InRelease and Release.gpg (apt-repo in-process; the peers
# with gzip, xz, apt-ftparchive release and gpg); apt-repo also writes its by-hash copies.
# Files come from the page cache (warm-up runs), so this measures reading and hashing.
# Goal: (a) at least 3x faster than apt-ftparchive; (b) ≈ (c), and (d) ≈ 10 x (b) minus the
# fixed part: time follows the packages added, not the repository's size.
#
# Usage: benches/apt-repo.sh [--count N] [--runs N]
# Needs: hyperfine, apt-utils (apt-ftparchive), dpkg-dev (dpkg-scanpackages), gnupg, python3.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

bail() { echo "apt-repo bench: $*" >&2; exit 1; }

count=1000
runs=5
while [[ $# -gt 0 ]]; do
    case "$1" in
        --count) count=${2:?--count needs a number}; shift ;;
        --runs) runs=${2:?--runs needs a number}; shift ;;
        -h|--help) sed -n '2,/^[^#]/{/^#/p}' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) bail "unknown argument $1 (see --help)" ;;
    esac
    shift
done

for tool in hyperfine apt-ftparchive dpkg-scanpackages dpkg-deb gpg python3; do
    command -v "$tool" >/dev/null || bail "$tool is missing (apt-get install hyperfine apt-utils dpkg-dev gnupg python3)"
done

echo "== building the release binary"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
cargo build --release --bin apt-repo
bin="$CARGO_TARGET_DIR/release/apt-repo"
[[ -x $bin ]] || bail "no binary at $bin"

work="$root/benches/work/apt-repo"
mkdir -p "$work"
cd "$work"

# The packages: $count + 100 in one set, made once (names pkgNNNN, version 1.0-1, amd64).
python3 - "$count" <<'EOF'
import math, os, random, subprocess, sys, tempfile
count = int(sys.argv[1]) + 100
random.seed(15)
os.makedirs("debs", exist_ok=True)
made = 0
for i in range(count):
    name = f"pkg{i:04d}"
    out = f"debs/{name}_1.0-1_amd64.deb"
    size = int(math.exp(random.uniform(math.log(10 * 1024), math.log(5 * 1024 * 1024))))
    if os.path.exists(out):
        continue
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(f"{d}/DEBIAN")
        with open(f"{d}/DEBIAN/control", "w") as f:
            f.write(f"Package: {name}\nVersion: 1.0-1\nArchitecture: amd64\n"
                    "Maintainer: Bench <bench@example.invalid>\nSection: utils\nPriority: optional\n"
                    f"Installed-Size: {size // 1024}\nDescription: benchmark package {i}\n padding\n")
        os.makedirs(f"{d}/usr/share/{name}")
        with open(f"{d}/usr/share/{name}/data", "wb") as f:
            f.write(random.randbytes(size))
        subprocess.run(["dpkg-deb", "--build", "--root-owner-group", "-Znone", d, out],
                       check=True, stdout=subprocess.DEVNULL)
        made += 1
print(f"== {count} packages in {os.getcwd()}/debs ({made} made now)")
EOF

# A pool laid out as apt-repo lays it out (pool/main/p/<name>/), hard links to debs/.
lay_out() { # dir first last: packages first..last (inclusive) into dir/pool
    local dir=$1 first=$2 last=$3 i name
    mkdir -p "$dir"
    for ((i = first; i <= last; i++)); do
        printf -v name 'pkg%04d' "$i"
        mkdir -p "$dir/pool/main/p/$name"
        ln -f "debs/${name}_1.0-1_amd64.deb" "$dir/pool/main/p/$name/"
    done
}
rm -rf big small added10 added100
lay_out big 0 $((count - 1))
lay_out small 0 99
mkdir -p added10 added100
for ((i = count; i < count + 100; i++)); do
    printf -v name 'pkg%04d' "$i"
    ((i < count + 10)) && ln -f "debs/${name}_1.0-1_amd64.deb" added10/
    ln -f "debs/${name}_1.0-1_amd64.deb" added100/
done

GNUPGHOME=$(mktemp -d /tmp/relkit-apt-bench.XXXXXX)
export GNUPGHOME
results=$(mktemp -d)
trap 'gpgconf --kill gpg-agent 2>/dev/null || true; rm -rf "$GNUPGHOME" "$results"' EXIT
gpg --batch --quiet --passphrase '' --quick-gen-key 'Bench <bench@example.invalid>' default default never
RELKIT_SIGNING_KEY=$(gpg --batch --armor --export-secret-keys bench@example.invalid)
export RELKIT_SIGNING_KEY

# Indexed states to start (b), (c) and (d) from: the repository after indexing its pool.
"$bin" --repo big big/pool >/dev/null
"$bin" --repo small small/pool >/dev/null
cp -a big big-indexed
cp -a small small-indexed
# apt-ftparchive's cache database, filled by one run over the 1,000, as a re-run would find it.
rm -f ftp.db
(cd big && apt-ftparchive -o APT::FTPArchive::SHA1=false -o APT::FTPArchive::SHA512=false --db ../ftp.db packages pool >/dev/null)
# Cross-check: the same packages and SHA256 digests as apt-ftparchive lists.
(cd big && apt-ftparchive packages pool) | grep '^SHA256:' | sort >theirs.txt
grep '^SHA256:' big/dists/stable/main/binary-amd64/Packages | sort >ours.txt
cmp -s theirs.txt ours.txt || bail "apt-repo and apt-ftparchive disagree on the pool's digests"

# How a peer publishes what apt-repo publishes, after writing Packages: compress, Release, sign.
cat >publish.sh <<'EOF'
set -euo pipefail
cd "$1"
d=dists/stable/main/binary-amd64
gzip -9kf "$d/Packages"
xz -6kf "$d/Packages"
apt-ftparchive -o APT::FTPArchive::Release::Suite=stable -o APT::FTPArchive::Release::Architectures=amd64 \
    -o APT::FTPArchive::Release::Components=main release dists/stable >dists/stable/Release.new
mv dists/stable/Release.new dists/stable/Release
gpg --batch --yes --clearsign -o dists/stable/InRelease dists/stable/Release
gpg --batch --yes -abs -o dists/stable/Release.gpg dists/stable/Release
EOF
peer_dir() { echo "rm -rf $1 && mkdir -p $1/dists/stable/main/binary-amd64 && ln -s ../big/pool $1/pool"; }
ftp_two='-o APT::FTPArchive::SHA1=false -o APT::FTPArchive::SHA512=false'
packages_of() { echo "$1/dists/stable/main/binary-amd64/Packages"; }

# Restores a repository to its indexed state before each timed run (hyperfine --prepare).
restore() { echo "rm -rf $1 && cp -al $1-indexed $1"; }

echo "== machine"
echo "cpus: $(nproc); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
"$bin" --version
apt-ftparchive --version 2>/dev/null | sed -n 1p || true
dpkg-scanpackages --version | sed -n 1p
du -sh debs | sed 's/^/packages: /'

bench() { # name description commands (as hyperfine -n NAME CMD pairs)
    local name=$1 what=$2
    shift 2
    echo
    echo "== ($name) $what"
    hyperfine --style basic --warmup 1 --runs "$runs" --export-json "$results/$name.json" "$@"
}
bench a "index $count packages from scratch" \
    --prepare "rm -rf big/dists big/InRelease; $(peer_dir peer)" \
    -n apt-repo "$bin --repo big big/pool" \
    -n "apt-ftparchive (MD5sum, SHA256)" "cd peer && apt-ftparchive $ftp_two packages pool >$(packages_of .) && bash ../publish.sh ." \
    -n dpkg-scanpackages "cd peer && dpkg-scanpackages pool >$(packages_of .) 2>/dev/null && bash ../publish.sh ." \
    -n "apt-repo --hashes md5,sha1,sha256,sha512" "$bin --repo big --hashes md5,sha1,sha256,sha512 big/pool" \
    -n "apt-ftparchive (four digests)" "cd peer && apt-ftparchive packages pool >$(packages_of .) && bash ../publish.sh ."
bench b "add 10 packages to $count" \
    --prepare "$(restore big); $(peer_dir peer)" \
    -n apt-repo "$bin --repo big added10" \
    -n "apt-ftparchive --db (MD5sum, SHA256)" "cd peer && ln -f ../added10/*.deb pool/main/p/ && apt-ftparchive $ftp_two --db ../ftp.db packages pool >$(packages_of .) && bash ../publish.sh ." \
    -n dpkg-scanpackages "cd peer && ln -f ../added10/*.deb pool/main/p/ && dpkg-scanpackages pool >$(packages_of .) 2>/dev/null && bash ../publish.sh ."
bench c "add 10 packages to 100" \
    --prepare "$(restore small)" \
    -n apt-repo "$bin --repo small added10"
bench d "add 100 packages to $count" \
    --prepare "$(restore big)" \
    -n apt-repo "$bin --repo big added100"

echo
echo "== results (mean ± stddev; ratio = peer time / apt-repo time, >1 means apt-repo is faster)"
python3 - "$results" "$count" <<'EOF'
import json, sys
results, count = sys.argv[1], sys.argv[2]
labels = {
    "a": f"(a) {count} packages from scratch",
    "b": f"(b) add 10 to {count}",
    "c": "(c) add 10 to 100",
    "d": f"(d) add 100 to {count}",
}
print("| case | relkit | time | peer | peer time | ratio |")
print("| --- | --- | ---: | --- | ---: | ---: |")
four = "apt-repo --hashes md5,sha1,sha256,sha512"
for case, label in labels.items():
    with open(f"{results}/{case}.json") as f:
        runs = dict((r["command"], r) for r in json.load(f)["results"])
    fmt = lambda r: f'{r["mean"] * 1000:.0f} ± {r["stddev"] * 1000:.0f} ms'
    for name, r in runs.items():
        if name.startswith("apt-repo"):
            continue
        # Each peer against the apt-repo run writing the same digests.
        ours_name = four if "four" in name else "apt-repo"
        ours = runs[ours_name]
        print(f'| {label} | `{ours_name}` | {fmt(ours)} | {name} | {fmt(r)} | {r["mean"] / ours["mean"]:.2f}x |')
    if len(runs) == 1:
        ours = runs["apt-repo"]
        print(f'| {label} | `apt-repo` | {fmt(ours)} | | | |')
EOF
