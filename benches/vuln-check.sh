#!/usr/bin/env bash
# Benchmark: `vuln-check` on a 5,000-component CycloneDX SBOM (PyPI, npm, crates.io) against an
# offline OSV database of those three ecosystems (36,000 generated records, OSV export layout),
# side by side with pip-audit on the PyPI part: osv-scanner is a Go program and the Go module
# proxy is not reachable here, so the issue's fallback peer is used. pip-audit has no offline
# database, so it queries a local OSV API (benches/vuln-check-server.py, on 127.0.0.1) serving
# the same records; vuln-check is timed offline (--db) and online against that same server.
#
#   bash benches/vuln-check.sh                 # everything; inputs removed afterwards
#   VULN_BENCH_KEEP=1 bash benches/vuln-check.sh   # keep benches/work/vuln for another run
#
# Inputs are made under benches/work/ (git-ignored): the database (~30 MB of zip files), the
# SBOMs, and a virtualenv with pip-audit 2.10.1 from PyPI.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
work=$root/benches/work
data=$work/vuln
mkdir -p "$work"

need() { command -v "$1" >/dev/null || { echo "vuln-check.sh: $1 is missing ($2)" >&2; exit 3; }; }
need hyperfine "apt-get install hyperfine"
need python3 "apt-get install python3 python3-venv"
[[ -x /usr/bin/time ]] || { echo "vuln-check.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 3; }

echo "== building vuln-check (release, shared target dir)"
target_dir=${VULN_BENCH_TARGET_DIR:-${CARGO_TARGET_DIR:-$PWD/target}}
CARGO_TARGET_DIR=$target_dir cargo build --release --quiet --bin vuln-check
vc=$target_dir/release/vuln-check

venv=$work/venv-pip-audit
if [[ ! -x $venv/bin/pip-audit ]]; then
  echo "== installing pip-audit 2.10.1 into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet pip-audit==2.10.1
fi

if [[ ! -f $data/sbom.cdx.json ]]; then
  echo "== generating the database and the SBOMs"
  python3 benches/vuln-check-gen.py "$data" 5000
fi
cleanup() {
  [[ -n ${server_pid:-} ]] && kill "$server_pid" 2>/dev/null || true
  if [[ ${VULN_BENCH_KEEP:-0} != 1 ]]; then rm -rf "$data"; fi
}
trap cleanup EXIT

cd "$data"
python3 - <<'PY'
import json, random
# Every size draws from all three ecosystems, so all three exports are read each time and the
# sizes differ only in components.
b = json.load(open("sbom.cdx.json"))
comps = b["components"][:]
random.Random(16).shuffle(comps)
for n in (1250, 2500):
    json.dump(dict(b, components=comps[:n]), open(f"sbom-{n}.cdx.json", "w"))
PY
rm -f port
"$venv/bin/python" "$root/benches/vuln-check-server.py" db port &
server_pid=$!
for _ in $(seq 100); do [[ -s port ]] && break; sleep 0.2; done
[[ -s port ]] || { echo "vuln-check.sh: the local OSV API did not start" >&2; exit 3; }
api=http://127.0.0.1:$(cat port)
py=$(grep -c . requirements.txt)
echo "== $(ls db | tr "\n" " ")exports, $(grep -c '"purl"' sbom.cdx.json) components ($py PyPI), OSV API stand-in at $api"

offline_py=("$vc" --db db --fail-on never --json sbom-pypi.cdx.json)
online_py=("$vc" --api-url "$api" --no-cache --fail-on never --json sbom-pypi.cdx.json)
peer=("$venv/bin/pip-audit" -r requirements.txt --no-deps --disable-pip -s osv --osv-url "$api/v1/query"
  --cache-dir "$data/pip-audit-cache" -f json -o "$data/pip-audit.json")
q() { printf '%q ' "$@"; }

# Same findings first: every (package, id) pip-audit reports, vuln-check reports, and no more.
"${peer[@]}" >/dev/null 2>&1 || true
"${offline_py[@]}" >vuln-check.json
python3 - <<'PY'
import json, sys
pa = {(d["name"], v["id"]) for d in json.load(open("pip-audit.json"))["dependencies"] for v in d.get("vulns", [])}
vc = {(f["package"], f["id"]) for f in json.load(open("vuln-check.json"))["findings"]}
print(f"findings on the PyPI part: pip-audit {len(pa)}, vuln-check {len(vc)}, "
      f"only pip-audit {len(pa - vc)}, only vuln-check {len(vc - pa)}")
sys.exit(0 if pa == vc else 1)
PY

hyperfine --warmup 1 --runs 3 --ignore-failure --export-json "$data/pypi.json" \
  -n "vuln-check --db" "$(q "${offline_py[@]}")" \
  -n "vuln-check (API)" "$(q "${online_py[@]}")" \
  -n "pip-audit (API)" "$(q "${peer[@]}")"
hyperfine --warmup 1 --runs 10 --export-json "$data/scale.json" \
  -n "1250" "$(q "$vc" --db db --fail-on never sbom-1250.cdx.json)" \
  -n "2500" "$(q "$vc" --db db --fail-on never sbom-2500.cdx.json)" \
  -n "5000" "$(q "$vc" --db db --fail-on never sbom.cdx.json)"
python3 - "$data/pypi.json" "$data/scale.json" <<'PY'
import json, sys
r = {x["command"]: x["mean"] for x in json.load(open(sys.argv[1]))["results"]}
peer = r["pip-audit (API)"]
for name in ("vuln-check --db", "vuln-check (API)"):
    print(f"PyPI part: {name} {r[name]*1000:.0f} ms, pip-audit {peer*1000:.0f} ms: {peer/r[name]:.1f}x faster")
s = {x["command"]: x["mean"] for x in json.load(open(sys.argv[2]))["results"]}
print("offline, all ecosystems: " + ", ".join(f"{n} components {s[n]*1000:.0f} ms" for n in ("1250", "2500", "5000")))
PY
rss() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}'; }
echo "peak RSS: vuln-check --db on 5,000 components $(rss "$vc" --db db --fail-on never sbom.cdx.json) KiB," \
  "vuln-check (API) on the PyPI part $(rss "${online_py[@]}") KiB, pip-audit $(rss "${peer[@]}") KiB"
