#!/usr/bin/env bash
# notes-gen vs git-cliff, side by side in one run, on deterministic repositories built with
# `git fast-import` (benches/notes-gen-repo.py): COMMITS commits (default 50,000) with a tag every
# COMMITS/100 commits (100 tags), and a variant with a tag every COMMITS/1000 commits (1,000
# tags). Two ranges each: the last tag (`notes-gen` / `git-cliff --latest`) and the whole history
# (`notes-gen --tag-prefix none/`, i.e. no previous tag / `git-cliff` rendering every release).
# Prints hyperfine's results and ratios, then a Markdown table with peak RSS (/usr/bin/time).
#
#   benches/notes-gen.sh                          # full size (50,000 commits)
#   COMMITS=20000 RUNS=5 RUNS_WHOLE=2 benches/notes-gen.sh
#   GIT_CLIFF="/path/a/git-cliff /path/b/git-cliff" benches/notes-gen.sh
#
# git-cliff releases (2.12.0 is the last before the 2.13.0 regression, orhun/git-cliff#1519):
#   cargo install git-cliff --version 2.12.0 --locked --root benches/work/cargo-2.12
#   cargo install git-cliff --locked --root benches/work/cargo
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

COMMITS=${COMMITS:-50000}
RUNS=${RUNS:-10}            # runs for the last-tag range
RUNS_WHOLE=${RUNS_WHOLE:-3} # runs for the whole history (slow git-cliff releases take ~30 s)
PROBE_LIMIT=${PROBE_LIMIT:-300} # seconds; a git-cliff slower than this on one run is left out
WORK=benches/work/notes-gen
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
BIN=$CARGO_TARGET_DIR/release/notes-gen
default_cliffs=$(ls benches/work/cargo-2.12/bin/git-cliff benches/work/cargo/bin/git-cliff 2>/dev/null | tr '\n' ' ' || true)
read -r -a CLIFFS <<<"${GIT_CLIFF:-$default_cliffs}"

bail() { echo "notes-gen bench: $*" >&2; exit 1; }
command -v hyperfine >/dev/null || bail "hyperfine is missing (apt-get install hyperfine)"
[[ -x /usr/bin/time ]] || bail "/usr/bin/time is missing (apt-get install time)"
((${#CLIFFS[@]})) || bail "no git-cliff found; set GIT_CLIFF or install it (see the top of this script)"

cargo build --release --quiet --bin notes-gen
mkdir -p "$WORK"
echo "notes-gen $("$BIN" --version | cut -d' ' -f2); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
for c in "${CLIFFS[@]}"; do echo "  vs $("$c" --version) ($c)"; done

# gen NAME TAG_EVERY: the repository, built once per size (deterministic, so reusable).
gen() {
  local dir=$WORK/$1-$COMMITS
  if [[ ! -f $dir/.done ]]; then
    rm -rf "$dir"
    git init -q "$dir"
    python3 benches/notes-gen-repo.py "$COMMITS" "$2" | git -C "$dir" fast-import --quiet
    git -C "$dir" checkout -q main
    touch "$dir/.done"
  fi
  echo "$dir"
}

rows=()
slow=()
for variant in "100 tags:$((COMMITS / 100))" "1000 tags:$((COMMITS / 1000))"; do
  label=${variant%%:*}
  dir=$(gen "tags${label%% *}" "${variant#*:}")
  for range in latest whole; do
    echo
    echo "=== $COMMITS commits, $label, $range ($dir)"
    cmds=()
    if [[ $range == latest ]]; then
      runs=$RUNS
      cmds+=(-n "notes-gen" "$BIN -C $dir")
      cliff_args="--latest"
    else
      runs=$RUNS_WHOLE
      # No previous tag: one set of notes over every commit.
      cmds+=(-n "notes-gen" "$BIN -C $dir --tag-prefix none/")
      cliff_args=""
    fi
    for c in "${CLIFFS[@]}"; do
      # One probe run first (also the warm-up): a release that regressed badly would hold the
      # whole benchmark for hours, so it is timed once, reported, and left out of hyperfine.
      name=$("$c" --version)
      start=$(date +%s.%N)
      # shellcheck disable=SC2086
      if timeout "$PROBE_LIMIT" "$c" -r "$dir" $cliff_args >/dev/null 2>&1; then
        cmds+=(-n "$name" "$c -r $dir $cliff_args")
      else
        echo "$name: no result within ${PROBE_LIMIT}s (probe started $start); left out"
        slow+=("| $COMMITS commits, $label | $range | $name | > ${PROBE_LIMIT} s (timed out) | | | |")
      fi
    done
    json=$WORK/$range-${label%% *}-$COMMITS.json
    hyperfine --style basic --warmup 1 --runs "$runs" --export-json "$json" "${cmds[@]}"
    rss=()
    for ((i = 0; i < ${#cmds[@]}; i += 3)); do
      # The command lines are word-split on purpose (paths without spaces).
      # shellcheck disable=SC2086
      rss+=("$(/usr/bin/time -f %M ${cmds[i + 2]} 2>&1 >/dev/null | tail -1)")
    done
    rows+=("$COMMITS commits, $label|$range|$json|${rss[*]}")
  done
done

echo
echo "| Repository | Range | Tool | Wall time (mean ± σ) | CPU (user + sys) | Wall ÷ notes-gen | Peak RSS |"
echo "| --- | --- | --- | ---: | ---: | ---: | ---: |"
for r in "${rows[@]}"; do
  IFS='|' read -r label range json rss <<<"$r"
  python3 - "$json" "$label" "$range" "$rss" <<'PY'
import json, sys
path, label, rng, rss = sys.argv[1:]
results = json.load(open(path))["results"]
ours = results[0]["mean"]
for r, kb in zip(results, rss.split()):
    ratio = "1.0x" if r is results[0] else f"{r['mean'] / ours:.1f}x"
    sd = r["stddev"] or 0.0  # None for a single run
    cpu = (r["user"] + r["system"]) * 1000
    print(f"| {label} | {rng} | {r['command']} | {r['mean'] * 1000:,.0f} ms ± {sd * 1000:,.0f} "
          f"| {cpu:,.0f} ms | {ratio} | {int(kb) / 1024:.1f} MiB |")
PY
done
for r in "${slow[@]}"; do echo "$r"; done
