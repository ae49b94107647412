#!/usr/bin/env bash
# Licence coverage: `sbom` (offline, then `--licenses online`) against `cargo cyclonedx`
# (cargo-cyclonedx from crates.io) on this repository's own Cargo.lock. Prints per tool the
# number of components, how many have no licence, where sbom's licences came from, and every
# component whose licence the two tools give differently.
#
#   bash benches/sbom-licenses.sh
#
# Everything is made under benches/work/licenses/ (git-ignored):
# - repo/: this repository's committed tree (`git archive HEAD`), so neither tool writes into the
#   working tree (cargo cyclonedx writes relkit.cdx.json beside Cargo.toml);
# - host-home/: a cargo home holding only the crates the host platform builds (`cargo fetch
#   --target HOST`), what the cargo home of a Linux CI machine that built the project holds; each
#   run works on a hard-linked copy, so the pristine one stays host-only.
# cargo downloads the other platforms' crates itself (package registry, its own client) when
# `sbom --licenses online` runs `cargo metadata`; sbom's own registry lookups point at a closed
# port on 127.0.0.1, so sbom talks to no registry directly and any licence cargo metadata misses
# shows up as a failed lookup.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
work=$root/benches/work
lic=$work/licenses
mkdir -p "$lic"

need() { command -v "$1" >/dev/null || { echo "sbom-licenses.sh: $1 is missing ($2)" >&2; exit 3; }; }
need cargo "install Rust"
need python3 "apt-get install python3"
need git "apt-get install git"

echo "== building sbom (release, shared target dir)"
target_dir=${SBOM_BENCH_TARGET_DIR:-${CARGO_TARGET_DIR:-$root/target}}
CARGO_TARGET_DIR=$target_dir cargo build --release --quiet --bin sbom
sbom=$target_dir/release/sbom

if [[ ! -x $work/cargo/bin/cargo-cyclonedx ]]; then
  echo "== installing cargo-cyclonedx (slow: a few minutes)"
  (unset CARGO_TARGET_DIR; cargo install --quiet --locked cargo-cyclonedx --root "$work/cargo")
fi
cyclonedx=$work/cargo/bin/cargo-cyclonedx
echo "== $(grep -o 'cargo-cyclonedx [0-9.]*' "$work/cargo/.crates.toml" 2>/dev/null || echo cargo-cyclonedx)"

repo=$lic/repo
rm -rf "$repo"
mkdir -p "$repo"
git archive HEAD | tar -x -C "$repo"
crates=$(grep -c '^\[\[package\]\]' "$repo/Cargo.lock")
echo "== $crates packages in Cargo.lock (HEAD $(git rev-parse --short HEAD))"

host=$(rustc -vV | awk '/^host:/ {print $2}')
if [[ ! -f $lic/host-home/.fetched ]]; then
  echo "== fetching the $host crates into a fresh cargo home"
  rm -rf "$lic/host-home"
  mkdir -p "$lic/host-home"
  (cd "$repo" && CARGO_HOME=$lic/host-home cargo fetch --locked --quiet --target "$host")
  touch "$lic/host-home/.fetched"
fi
fresh_home() { rm -rf "$1"; cp -al "$lic/host-home" "$1"; }

export SOURCE_DATE_EPOCH=1700000000
out=$lic/out
rm -rf "$out"
mkdir -p "$out"
cd "$repo"

echo "== sbom (offline, the default)"
fresh_home "$lic/home-local"
"$sbom" Cargo.lock --cargo-home "$lic/home-local" -o "$out/local.cdx.json" --json > "$out/local.json"

echo "== sbom --licenses online (cargo metadata; cargo downloads what the cargo home lacks)"
fresh_home "$lic/home-online"
start=$(date +%s.%N)
"$sbom" Cargo.lock --cargo-home "$lic/home-online" --licenses online \
  --crates-io-url http://127.0.0.1:9 --attempts 1 --cache-dir "$out/cache" \
  -o "$out/online.cdx.json" --json > "$out/online.json"
end=$(date +%s.%N)
echo "   took $(python3 -c "print(f'{$end - $start:.1f}')") s (cargo metadata and its downloads included)"

echo "== cargo cyclonedx --target all --all-features (same cargo home, now complete)"
CARGO_HOME=$lic/home-online "$cyclonedx" cyclonedx --format json --spec-version 1.5 \
  --target all --all-features -qq --override-filename theirs
mv theirs.json "$out/theirs.cdx.json"

python3 - "$out" <<'PY'
import json, sys, os
out = sys.argv[1]
def load(name):
    return json.load(open(os.path.join(out, name)))

def lic(c):
    ls = c.get("licenses") or []
    parts = []
    for l in ls:
        if "expression" in l:
            parts.append(l["expression"])
        elif "license" in l:
            parts.append(l["license"].get("id") or l["license"].get("name") or "?")
    return " AND ".join(parts) if len(parts) > 1 else (parts[0] if parts else None)

def components(doc):
    # name@version: cargo cyclonedx's purls carry qualifiers for path crates; versions and names
    # identify crates.io crates the same way in both.
    res = {}
    def walk(cs):
        for c in cs:
            if c.get("type") == "library" and c.get("purl", "").startswith("pkg:cargo/"):
                res[f'{c["name"]}@{c.get("version")}'] = lic(c)
            walk(c.get("components", []))
    walk(doc.get("components", []))
    return res

local = components(load("local.cdx.json"))
online = components(load("online.cdx.json"))
theirs_doc = load("theirs.cdx.json")
theirs = components(theirs_doc)
# cargo cyclonedx lists the project's own crate as metadata.component, sbom too: neither counts it.
root = theirs_doc["metadata"]["component"]
theirs.pop(f'{root["name"]}@{root.get("version")}', None)

def unknown(m):
    return sorted(k for k, v in m.items() if v is None)

print()
print(f'{"tool":<34} {"components":>10} {"no licence":>10}')
for name, m in [("sbom (offline)", local), ("sbom --licenses online", online), ("cargo cyclonedx --target all", theirs)]:
    print(f'{name:<34} {len(m):>10} {len(unknown(m)):>10}')
print()
print("sbom --licenses online, licences by source:",
      json.dumps(load("online.json")["license_sources"], sort_keys=True))
print("sbom (offline), licences by source:",
      json.dumps(load("local.json")["license_sources"], sort_keys=True))
only_ours = sorted(set(online) - set(theirs))
only_theirs = sorted(set(theirs) - set(online))
print(f"components only sbom lists: {len(only_ours)} {' '.join(only_ours)}")
print(f"components only cargo cyclonedx lists: {len(only_theirs)} {' '.join(only_theirs)}")
diff = sorted(k for k in set(online) & set(theirs) if online[k] != theirs[k])
print(f"components whose licences differ (sbom online vs cargo cyclonedx): {len(diff)}")
for k in diff:
    print(f"  {k}: sbom {online[k]!r}, cargo cyclonedx {theirs[k]!r}")
for name, m in [("sbom (offline)", local), ("sbom --licenses online", online), ("cargo cyclonedx", theirs)]:
    u = unknown(m)
    if u:
        print(f"no licence in {name} ({len(u)}): {' '.join(u)}")
PY
