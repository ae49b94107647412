#!/usr/bin/env bash
# Benchmark of coverage-gate against lcov --summary (LCOV) and diff-cover (Cobertura + git diff),
# side by side with hyperfine, plus coverage-gate's peak RSS.
#
#   benches/coverage-gate.sh              # 200 MB reports (the issue's size)
#   SIZE_MB=50 benches/coverage-gate.sh   # smaller inputs on a busy machine
#   PEER_RUNS=1 ...                       # fewer runs of the slow peers
#
# Needs: hyperfine, time (/usr/bin/time), lcov (Debian); diff-cover (pip); git, python3.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
size=${SIZE_MB:-200}
peer_runs=${PEER_RUNS:-2}
work=benches/work/coverage-gate
mkdir -p "$work"
work=$(realpath "$work")

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
cargo build --release --bin coverage-gate
bin=$CARGO_TARGET_DIR/release/coverage-gate

for kind in lcov cobertura; do
  ext=$([[ $kind == lcov ]] && echo info || echo xml)
  file="$work/report-$size.$ext"
  if [[ ! -s $file ]]; then
    echo "generating $file ($size MB)"
    python3 benches/coverage-gate-gen.py "$kind" "$size" "$file"
  fi
done
lcov_file=$(realpath "$work/report-$size.info")
xml_file=$(realpath "$work/report-$size.xml")

# A repository holding the first 50 files of the reports; the feature branch changes every
# seventh line of each.
repo="$work/repo"
if [[ ! -d $repo/.git ]]; then
  rm -rf "$repo"
  mkdir -p "$repo/src/mod0"
  for j in $(seq 0 49); do
    seq 1 2000 | sed 's/^/int line_/; s/$/;/' > "$repo/src/mod0/file$j.c"
  done
  git -C "$repo" init -q -b main
  git -C "$repo" add .
  git -C "$repo" -c user.name=b -c user.email=b@e commit -qm base
  git -C "$repo" checkout -qb feature
  for j in $(seq 0 49); do
    sed -i '0~7s/$/ \/\/ changed/' "$repo/src/mod0/file$j.c"
  done
  git -C "$repo" -c user.name=b -c user.email=b@e commit -qam change
fi
repo=$(realpath "$repo")

ls -l "$lcov_file" "$xml_file"
echo
echo "== LCOV $size MB: coverage-gate vs lcov --summary"
hyperfine --style basic --warmup "${WARMUP:-0}" --runs "$peer_runs" --export-markdown "$work/lcov.md" \
  -n coverage-gate "$bin --root $repo $lcov_file --min-lines 1" \
  -n "lcov --summary" "lcov --rc lcov_branch_coverage=1 --summary $lcov_file"

echo
echo "== Cobertura $size MB + diff: coverage-gate --diff-base vs diff-cover"
hyperfine --style basic --warmup "${WARMUP:-0}" --runs "$peer_runs" --export-markdown "$work/diff.md" \
  -n coverage-gate "cd $repo && $bin $xml_file --diff-base main --min-diff 1" \
  -n diff-cover "cd $repo && diff-cover $xml_file --compare-branch=main"

echo
echo "== peak RSS (coverage-gate)"
for args in "--root $repo $lcov_file" "$xml_file --diff-base main"; do
  # A failing run would measure an early exit, not the parse: stop and show why instead.
  if ! (cd "$repo" && /usr/bin/time -v "$bin" $args > /dev/null 2> "$work/time.txt"); then
    echo "coverage-gate $args failed:" >&2
    cat "$work/time.txt" >&2
    exit 1
  fi
  echo "coverage-gate $args: $(grep 'Maximum resident' "$work/time.txt" | awk '{print $6}') KiB, $(grep 'Elapsed' "$work/time.txt" | awk '{print $8}')"
done
echo
cat "$work/lcov.md" "$work/diff.md"
