#!/usr/bin/env bash
# The main job: builds the release binaries and runs relkit on its own repository with no token
# and no network. Every step is real: the checksums are of the binaries just built, the smoke
# checks run one of them and a real HTTP service, the notes come from this repository's git
# history, and the upload plan is computed against the test GitHub Releases API server started
# here on 127.0.0.1 (the same server the tests use), so it shows what a real run would do.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '\n== %s\n' "$*"; }
work=$(mktemp -d)
server_pid=''
cleanup() {
  [[ -z $server_pid ]] || kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

say "cargo build --release (every tool, plus the test GitHub API server)"
cargo build --release --locked --bins --example github-test-server
target_dir=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
rm -rf dist && mkdir -p dist
for bin in relkit checksum smoke-check notes-gen asset-upload coverage-gate sbom artifact-check; do
  cp "$target_dir/release/$bin" dist/
done
ls -l dist
export PATH="$PWD/dist:$PATH"
relkit --help

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)

say "artifact-check: every binary is an ELF of this machine's architecture, 100 KB to 64 MB"
artifact-check --min-size 100KB --max-size 64MB --version "$version" --skip version dist/

say "checksum: dist/SHA256SUMS, then verify it with checksum and with GNU sha256sum"
(cd dist && checksum --output SHA256SUMS relkit checksum smoke-check notes-gen asset-upload \
  coverage-gate sbom artifact-check)
cat dist/SHA256SUMS
checksum --check dist/SHA256SUMS --base dist
(cd dist && sha256sum --check --quiet SHA256SUMS && echo "sha256sum -c: all OK")

say "smoke-check run: the built relkit prints its version"
smoke-check run --expect-exit 0 --expect-stdout "^relkit $version" -- dist/relkit --version

say "smoke-check serve: start the example service on a free port, wait for /health, stop it"
cc -O2 -o "$work/hello-health" examples/deb-service/src/hello-health.c
smoke-check serve --port auto --health /health --grace 2s -- "$work/hello-health" '{port}'

say "notes-gen: release notes for this repository's history, with the checksums table"
notes-gen --repo relkit/relkit --to HEAD --checksums dist/SHA256SUMS --explain -o dist/NOTES.md
cat dist/NOTES.md
echo "next version: $(notes-gen --bump --to HEAD)"

say "asset-upload --dry-run: the upload plan against a local GitHub Releases API server"
GITHUB_TEST_SERVER_TOKEN=demo-token-not-a-secret \
  "$target_dir/release/examples/github-test-server" --owner relkit --repo relkit >"$work/server" &
server_pid=$!
for _ in $(seq 100); do [[ -s $work/server ]] && break; sleep 0.05; done
api_url=$(head -n 1 "$work/server")
GITHUB_TOKEN=demo-token-not-a-secret asset-upload --dry-run --api-url "$api_url" \
  --repo relkit/relkit --tag "v$version" --notes-file dist/NOTES.md dist/relkit dist/checksum \
  dist/SHA256SUMS
