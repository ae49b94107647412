#!/usr/bin/env bash
# Benchmark: smoke-check against wait-on (npm) on the same local server.
#  1. detection latency: a server starts listening after a random 200-1000 ms; how long after it
#     is ready (listening) and after its first 200 does each tool exit successfully?
#  2. start-up: hyperfine of `--version`, and of one check of an already-ready server;
#  3. peak memory (/usr/bin/time -v) of one check of a ready server.
# Usage: benches/smoke-check.sh            (RUNS=20 detection runs per tool; RUNS=100 for the
#        RUNS=100 benches/smoke-check.sh    fuller sample)
# Needs: cargo, python3, node/npm, hyperfine, GNU time (Debian: hyperfine time).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
RUNS=${RUNS:-20}
WORK=benches/work/smoke-check
mkdir -p "$WORK"

for tool in hyperfine python3 npm node; do
  command -v "$tool" >/dev/null || { echo "smoke-check bench: $tool is needed" >&2; exit 3; }
done
[[ -x /usr/bin/time ]] || { echo "smoke-check bench: GNU time is needed (apt-get install time)" >&2; exit 3; }

echo "== building the release binary"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
cargo build --release --quiet --bin smoke-check
SMOKE=$CARGO_TARGET_DIR/release/smoke-check
ls -l "$SMOKE" | awk '{printf "binary size: %.1f MiB\n", $5/1048576}'

echo "== installing wait-on under $WORK (not globally)"
if [[ ! -x "$WORK/node/node_modules/.bin/wait-on" ]]; then
  mkdir -p "$WORK/node"
  npm install --prefix "$WORK/node" --silent --no-audit --no-fund wait-on >/dev/null
fi
WAITON="$WORK/node/node_modules/.bin/wait-on"
echo "wait-on $(node -p "require('./$WORK/node/node_modules/wait-on/package.json').version"), node $(node --version)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# detect NAME CMD... (@PORT@ in CMD is replaced by the port): RUNS runs, prints median/p90/max.
detect() {
  local name=$1; shift
  local from_ready=() from_first=()
  for ((i = 0; i < RUNS; i++)); do
    local port delay url
    port=$(free_port)
    delay=$(python3 -c 'import random; print(round(random.uniform(0.2, 1.0), 3))')
    rm -f "$WORK/ready" "$WORK/first"
    python3 benches/smoke-check-server.py "$port" "$delay" "$WORK/ready" "$WORK/first" &
    local server=$!
    local cmd=()
    for a in "$@"; do cmd+=("${a//@PORT@/$port}"); done
    "${cmd[@]}" >/dev/null 2>&1 || { echo "$name failed"; kill "$server"; exit 1; }
    local done_ns
    done_ns=$(date +%s%N)
    kill "$server"; wait "$server" 2>/dev/null || true
    from_ready+=($(( (done_ns - $(cat "$WORK/ready")) / 1000000 )))
    # A TCP check sends no request, so the server never answers a 200.
    [[ -s "$WORK/first" ]] && from_first+=($(( (done_ns - $(cat "$WORK/first")) / 1000000 )))
  done
  stats() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "%d | %d | %d", a[int((NR+1)/2)], a[int(NR*0.9+0.5)], a[NR]}'; }
  local first="n/a | n/a | n/a"
  ((${#from_first[@]})) && first=$(stats "${from_first[@]}")
  printf '| %s | %s | %s |\n' "$name" "$(stats "${from_ready[@]}")" "$first"
  printf '%s\n' "${from_ready[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}' >"$WORK/median-${name//[^a-z0-9]/_}"
}

echo
echo "== detection latency, ms ($RUNS runs each; server ready after a random 200-1000 ms)"
echo "| tool | from listening: median | p90 | max | from first 200: median | p90 | max |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
detect "smoke-check http" "$SMOKE" http "http://127.0.0.1:@PORT@/health" --timeout 30s
detect "smoke-check tcp" "$SMOKE" tcp "127.0.0.1:@PORT@" --timeout 30s
detect "wait-on (default 250ms interval)" "$WAITON" -t 30000 "http-get://127.0.0.1:@PORT@/health"
detect "wait-on -i 50" "$WAITON" -t 30000 -i 50 "http-get://127.0.0.1:@PORT@/health"

median() { cat "$WORK/median-$1"; }
awk -v s="$(median smoke_check_http)" -v w="$(median wait_on__default_250ms_interval_)" \
  -v f="$(median wait_on__i_50)" 'BEGIN {
  printf "median detection from listening: wait-on / smoke-check = %.1fx (default interval), %.1fx (-i 50)\n",
    w / (s > 0 ? s : 1), f / (s > 0 ? s : 1) }'

echo
echo "== start-up and one check of a ready server (hyperfine)"
PORT=$(free_port)
python3 benches/smoke-check-server.py "$PORT" 0 "$WORK/ready" "$WORK/first" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
"$SMOKE" http "http://127.0.0.1:$PORT/health" >/dev/null
hyperfine --warmup 3 --runs 50 -N --export-markdown "$WORK/startup.md" \
  -n "smoke-check --version" "$SMOKE --version" \
  -n "wait-on --version" "$WAITON --version" >/dev/null
cat "$WORK/startup.md"
hyperfine --warmup 3 --runs 30 -N --export-markdown "$WORK/ready.md" \
  -n "smoke-check http (ready server)" "$SMOKE http http://127.0.0.1:$PORT/health" \
  -n "wait-on http-get (ready server)" "$WAITON http-get://127.0.0.1:$PORT/health" >/dev/null
cat "$WORK/ready.md"

echo
echo "== peak memory (max RSS of one check of a ready server)"
rss() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F: '/Maximum resident/ {printf "%.1f MiB", $2/1024}'; }
echo "| tool | max RSS |"
echo "| --- | ---: |"
echo "| smoke-check --version | $(rss "$SMOKE" --version) |"
echo "| smoke-check http | $(rss "$SMOKE" http "http://127.0.0.1:$PORT/health") |"
echo "| wait-on http-get | $(rss "$WAITON" "http-get://127.0.0.1:$PORT/health") |"
