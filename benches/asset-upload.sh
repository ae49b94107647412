#!/usr/bin/env bash
# Benchmark of asset-upload against the test GitHub Releases server on 127.0.0.1: 8 files of
# 256 MiB and one of 1.5 GiB (the issue's sizes), throughput and peak RSS, with `curl -T` (a
# plain streaming upload of the same file to the same endpoint) as the peer for raw loopback
# speed.
#
#   benches/asset-upload.sh              # full size (about 3.5 GiB of sparse files)
#   benches/asset-upload.sh --scale 4    # every file a quarter of the size
#   RUNS=3 benches/asset-upload.sh
#
# Targets (issue 6): peak RSS under 64 MiB whatever the size; at least 500 MB/s on loopback;
# 8 files with --concurrency 4 in no more than ~1.3x the time of the largest file alone.
set -euo pipefail

scale=${SCALE:-1}
runs=${RUNS:-3}
while [[ $# -gt 0 ]]; do
  case $1 in
    --scale) scale=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) echo "usage: $0 [--scale N] [--runs N]" >&2; exit 2 ;;
  esac
done

cd "$(dirname "$0")/.."
root=$PWD
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
cargo build --release --bin asset-upload
cargo build --release --example github-test-server
bin=$CARGO_TARGET_DIR/release/asset-upload
server_bin=$CARGO_TARGET_DIR/release/examples/github-test-server

work=$root/benches/work/asset-upload
rm -rf "$work"
mkdir -p "$work/small" "$work/big"
small_mib=$((256 / scale))
big_mib=$((1536 / scale))
# Sparse files: generated instantly, read at page-cache speed, so the benchmark measures the
# upload path rather than the disk.
for i in 1 2 3 4 5 6 7 8; do
  truncate -s "${small_mib}M" "$work/small/part-$i.bin"
done
truncate -s "${big_mib}M" "$work/big/installer.bin"
small_bytes=$((8 * small_mib * 1024 * 1024))
big_bytes=$((big_mib * 1024 * 1024))

export GITHUB_TEST_SERVER_TOKEN=bench-token-not-secret
export GITHUB_TOKEN=$GITHUB_TEST_SERVER_TOKEN
"$server_bin" --port 0 --discard >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  [[ -s $work/server.out ]] && break
  sleep 0.1
done
api=$(head -n1 "$work/server.out")
echo "test server: $api (pid $server_pid)"
common=(--api-url "$api" --repo octo-org/tool --concurrency 4)

# One release for the curl peer to upload into.
echo seed >"$work/seed.txt"
"$bin" "${common[@]}" --tag curl-peer --json "$work/seed.txt" >"$work/seed.json"
upload_url=$(jq -r '.release.upload_url' "$work/seed.json" | sed 's/{.*//')

cat >"$work/curl-peer.sh" <<EOF
#!/usr/bin/env bash
set -euo pipefail
curl -sS -o /dev/null -w '' -X POST -T "\$1" \\
  -H "Authorization: Bearer \$GITHUB_TOKEN" -H 'Accept: application/vnd.github+json' \\
  -H 'Content-Type: application/octet-stream' \\
  "$upload_url?name=peer-\$(date +%s%N).bin"
EOF
chmod +x "$work/curl-peer.sh"

# Every run uploads under a fresh tag, so nothing is skipped as already uploaded.
up="$bin ${common[*]} --tag run-\$(date +%s%N)"
hyperfine --shell bash --runs "$runs" --warmup 1 --export-json "$work/hyperfine.json" \
  -n "big alone (${big_mib} MiB)" "$up $work/big/installer.bin" \
  -n "8 x ${small_mib} MiB, --concurrency 4" "$up $work/small" \
  -n "all 9 files, --concurrency 4" "$up $work/small $work/big" \
  -n "curl -T big (peer)" "$work/curl-peer.sh $work/big/installer.bin"

rss() {
  /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ {print $2}'
}
tag() { echo "rss-$(date +%s%N)"; }
rss_big=$(rss "$bin" "${common[@]}" --tag "$(tag)" "$work/big/installer.bin")
rss_small=$(rss "$bin" "${common[@]}" --tag "$(tag)" "$work/small")
rss_all=$(rss "$bin" "${common[@]}" --tag "$(tag)" "$work/small" "$work/big")
rss_curl=$(rss "$work/curl-peer.sh" "$work/big/installer.bin")

mean() { jq -r ".results[$1].mean" "$work/hyperfine.json"; }
t_big=$(mean 0)
t_small=$(mean 1)
t_all=$(mean 2)
t_curl=$(mean 3)
mbps() { awk -v b="$1" -v t="$2" 'BEGIN { printf "%.0f", b / t / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

echo
echo "| run | mean time | throughput | peak RSS |"
echo "| --- | ---: | ---: | ---: |"
printf '| asset-upload, 1 x %s MiB | %.2f s | %s MB/s | %s MiB |\n' "$big_mib" "$t_big" "$(mbps "$big_bytes" "$t_big")" "$(mib "$rss_big")"
printf '| asset-upload, 8 x %s MiB, --concurrency 4 | %.2f s | %s MB/s | %s MiB |\n' "$small_mib" "$t_small" "$(mbps "$small_bytes" "$t_small")" "$(mib "$rss_small")"
printf '| asset-upload, all 9 files, --concurrency 4 | %.2f s | %s MB/s | %s MiB |\n' "$t_all" "$(mbps $((small_bytes + big_bytes)) "$t_all")" "$(mib "$rss_all")"
printf '| curl -T, 1 x %s MiB (peer) | %.2f s | %s MB/s | %s MiB |\n' "$big_mib" "$t_curl" "$(mbps "$big_bytes" "$t_curl")" "$(mib "$rss_curl")"
echo
echo "8 files / largest alone: $(ratio "$t_small" "$t_big")x (target <= 1.3x)"
echo "asset-upload / curl on the big file: $(ratio "$t_big" "$t_curl")x time"
