#!/usr/bin/env bash
# notes-gen vs git-cliff, side by side in one run, on deterministic repositories built with
# `git fast-import` (benches/notes-gen-repo.py): COMMITS commits (default 50,000) with a tag every
# COMMITS/100 commits (100 tags) and a variant with a tag every COMMITS/1000 commits (1,000 tags).
# Two ranges each: the last tag (`notes-gen` / `git-cliff --latest`) and the whole history
# (`notes-gen --tag-prefix none/`, i.e. no previous tag / `git-cliff` rendering every release).
# Prints hyperfine's tables and ratios, then peak RSS (/usr/bin/time -v).
#
#   benches/notes-gen.sh                 # full size (50,000 commits)
#   COMMITS=20000 RUNS=3 benches/notes-gen.sh
#   GIT_CLIFF=/path/to/git-cliff benches/notes-gen.sh
# git-cliff: cargo install git-cliff --locked --root benches/work/cargo
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

COMMITS=${COMMITS:-50000}
RUNS=${RUNS:-5}
WORK=benches/work/notes-gen
CLIFF=${GIT_CLIFF:-benches/work/cargo/bin/git-cliff}
BIN=/work/wt/release-target/release/notes-gen

bail() { echo "notes-gen bench: $*" >&2; exit 1; }
command -v hyperfine >/dev/null || bail "hyperfine is missing (apt-get install hyperfine)"
[[ -x /usr/bin/time ]] || bail "/usr/bin/time is missing (apt-get install time)"
[[ -x $CLIFF ]] || bail "git-cliff not found at $CLIFF (set GIT_CLIFF or cargo install git-cliff --locked --root benches/work/cargo)"

CARGO_TARGET_DIR=/work/wt/release-target cargo build --release --quiet --bin notes-gen
mkdir -p "$WORK"
echo "notes-gen $("$BIN" --version | cut -d' ' -f2) vs $("$CLIFF" --version)"

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

results=()
for variant in "100 tags:$((COMMITS / 100))" "1000 tags:$((COMMITS / 1000))"; do
  label=${variant%%:*}
  every=${variant#*:}
  dir=$(gen "tags${label%% *}" "$every")
  echo
  echo "=== $COMMITS commits, $label ($dir)"
  for range in latest whole; do
    if [[ $range == latest ]]; then
      ours="$BIN -C $dir"
      theirs="$CLIFF -r $dir --latest"
    else
      ours="$BIN -C $dir --tag-prefix none/"
      theirs="$CLIFF -r $dir"
    fi
    json=$WORK/$range-${label%% *}-$COMMITS.json
    hyperfine --style basic --warmup 1 --runs "$RUNS" --export-json "$json" \
      -n "notes-gen ($range)" "$ours" -n "git-cliff ($range)" "$theirs"
    rss_ours=$(/usr/bin/time -f %M $ours 2>&1 >/dev/null | tail -1)
    rss_theirs=$(/usr/bin/time -f %M $theirs 2>&1 >/dev/null | tail -1)
    results+=("$label|$range|$json|$rss_ours|$rss_theirs")
  done
done

echo
echo "| Repository | Range | notes-gen | git-cliff | Speed-up | notes-gen peak RSS | git-cliff peak RSS |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
for r in "${results[@]}"; do
  IFS='|' read -r label range json rss_ours rss_theirs <<<"$r"
  python3 - "$json" "$COMMITS" "$label" "$range" "$rss_ours" "$rss_theirs" <<'EOF'
import json, sys
path, commits, label, rng, rss_ours, rss_theirs = sys.argv[1:]
res = {r["command"].split(" ")[0]: r for r in json.load(open(path))["results"]}
ours, theirs = res["notes-gen"], res["git-cliff"]
fmt = lambda r: f"{r['mean'] * 1000:.0f} ms ± {r['stddev'] * 1000:.0f}"
print(f"| {int(commits):,} commits, {label} | {rng} | {fmt(ours)} | {fmt(theirs)} | "
      f"{theirs['mean'] / ours['mean']:.1f}x | {int(rss_ours) / 1024:.1f} MiB | {int(rss_theirs) / 1024:.1f} MiB |")
EOF
done
