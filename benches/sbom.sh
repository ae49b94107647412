#!/usr/bin/env bash
# Benchmark: `sbom` against `cargo cyclonedx` (cargo-cyclonedx from crates.io) on the same Cargo
# workspace, and optionally against `@cyclonedx/cyclonedx-npm` on a large package-lock.json.
#
#   bash benches/sbom.sh            # Cargo workspace with ~790 locked crates (the issue's 500+)
#   SBOM_BENCH_NPM=1 bash benches/sbom.sh   # also the npm comparison (2,000+ packages)
#
# Inputs are made under benches/work/ (git-ignored): the crates are fetched once from crates.io
# into benches/work/cargo-home, so both tools read the same local registry and neither touches
# the network while timed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
work=$root/benches/work
mkdir -p "$work"
export CARGO_HOME_BENCH=$work/cargo-home

need() { command -v "$1" >/dev/null || { echo "sbom.sh: $1 is missing ($2)" >&2; exit 3; }; }
need hyperfine "apt-get install hyperfine"
[[ -x /usr/bin/time ]] || { echo "sbom.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 3; }

echo "== building sbom (release, shared target dir)"
# The release target directory shared by the workplace's benchmarks; SBOM_BENCH_TARGET_DIR elsewhere.
target_dir=${SBOM_BENCH_TARGET_DIR:-${CARGO_TARGET_DIR:-$PWD/target}}
CARGO_TARGET_DIR=$target_dir cargo build --release --quiet --bin sbom
sbom=$target_dir/release/sbom

if [[ ! -x $work/cargo/bin/cargo-cyclonedx ]]; then
  echo "== installing cargo-cyclonedx (slow: a few minutes)"
  cargo install --quiet --locked cargo-cyclonedx --root "$work/cargo"
fi
cyclonedx=$work/cargo/bin/cargo-cyclonedx

ws=$work/cargo-ws
if [[ ! -f $ws/Cargo.lock ]]; then
  echo "== generating the workspace and fetching its crates"
  mkdir -p "$ws/src"
  echo "//! Benchmark input." > "$ws/src/lib.rs"
  cat > "$ws/Cargo.toml" <<'TOML'
[package]
name = "bench-ws"
version = "0.1.0"
edition = "2021"

[dependencies]
octocrab = "0.49"
axum = "0.8"
tokio = { version = "1", features = ["full"] }
reqwest = { version = "0.12", features = ["json", "blocking"] }
clap = { version = "4", features = ["derive", "env"] }
git2 = "0.20"
gix = "0.73"
sqlx = { version = "0.8", features = ["runtime-tokio", "postgres", "mysql", "sqlite"] }
tonic = "0.14"
actix-web = "4"
aws-sdk-s3 = "1"
wasmtime = "36"
image = "0.25"
polars = { version = "0.50", features = ["lazy"] }
TOML
  (cd "$ws" && CARGO_HOME=$CARGO_HOME_BENCH cargo generate-lockfile --quiet && CARGO_HOME=$CARGO_HOME_BENCH cargo fetch --quiet)
fi
crates=$(grep -c '^\[\[package\]\]' "$ws/Cargo.lock")
echo "== $crates crates in $ws/Cargo.lock"

cd "$ws"
export CARGO_HOME=$CARGO_HOME_BENCH SOURCE_DATE_EPOCH=1700000000
# Same scope for both: every platform and feature the lockfile holds (sbom always reads the
# whole lockfile; cargo cyclonedx defaults to the host target only).
ours_cmd=("$sbom" --cargo-home "$CARGO_HOME_BENCH" -o "$work/ours.cdx.json")
theirs_cmd=("$cyclonedx" cyclonedx --format json --spec-version 1.5 --target all --all-features -qq)
ours=$(printf '%q ' "${ours_cmd[@]}")
theirs=$(printf '%q ' "${theirs_cmd[@]}")
hyperfine --warmup 2 --runs 10 --export-json "$work/cargo-bench.json" \
  -n sbom "$ours" -n "cargo cyclonedx" "$theirs"
python3 - "$work/cargo-bench.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
a, b = r["sbom"]["mean"], r["cargo cyclonedx"]["mean"]
print(f"sbom {a*1000:.1f} ms, cargo cyclonedx {b*1000:.1f} ms: sbom is {b/a:.1f}x faster")
PY
rss() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}'; }
echo "peak RSS: sbom $(rss "${ours_cmd[@]}") KiB, cargo cyclonedx $(rss "${theirs_cmd[@]}") KiB"

if [[ ${SBOM_BENCH_NPM:-0} == 1 ]]; then
  need npm "apt-get install npm"
  npmws=$work/npm-ws
  if [[ ! -f $npmws/package-lock.json ]]; then
    echo "== generating a large package-lock.json"
    mkdir -p "$npmws"
    cat > "$npmws/package.json" <<'JSON'
{ "name": "bench-npm", "version": "1.0.0", "private": true,
  "dependencies": { "react-scripts": "5.0.1", "@angular/cli": "17", "gatsby": "5", "jest": "29", "webpack": "5", "eslint": "8" } }
JSON
    (cd "$npmws" && npm install --package-lock-only --no-audit --no-fund --legacy-peer-deps --quiet)
  fi
  if [[ ! -x $work/npm/node_modules/.bin/cyclonedx-npm ]]; then
    npm install --prefix "$work/npm" --no-audit --no-fund --quiet @cyclonedx/cyclonedx-npm
  fi
  pkgs=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['packages'])-1)" "$npmws/package-lock.json")
  echo "== $pkgs packages in $npmws/package-lock.json"
  cd "$npmws"
  ours_npm=("$sbom" -o "$work/ours-npm.cdx.json" package-lock.json)
  theirs_npm=("$work/npm/node_modules/.bin/cyclonedx-npm" --package-lock-only --ignore-npm-errors
    --output-file "$work/theirs-npm.cdx.json")
  hyperfine --warmup 1 --runs 5 --ignore-failure --export-json "$work/npm-bench.json" \
    -n sbom "$(printf '%q ' "${ours_npm[@]}")" -n cyclonedx-npm "$(printf '%q ' "${theirs_npm[@]}")"
  # --ignore-npm-errors: the lockfile was resolved with --legacy-peer-deps, and `npm ls` (which
  # cyclonedx-npm runs) reports the unmet peer dependencies as errors.
  python3 - "$work/npm-bench.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
a, b = r["sbom"]["mean"], r["cyclonedx-npm"]["mean"]
print(f"sbom {a*1000:.1f} ms, cyclonedx-npm {b*1000:.1f} ms: sbom is {b/a:.1f}x faster")
PY
  echo "peak RSS: sbom $(rss "${ours_npm[@]}") KiB," \
    "cyclonedx-npm $(rss "${theirs_npm[@]}") KiB (node; npm ls runs as a child)"
fi
