#!/usr/bin/env bash
# Installs the relkit binaries for the rest of the job and puts them on PATH.
#
# Run by actions/setup/action.yml and, as their first step, by every actions/<tool>/action.yml
# and the root action.yml. They run this file directly instead of `uses: ./actions/setup`
# because inside a composite action `uses: ./…` resolves against the caller's repository.
#
# The first strategy that applies wins, and the log says which one was taken:
#   a. RELKIT_BIN_DIR names a directory with an executable relkit: use it (tests, local use).
#   b. this version is already in the tool cache ($RUNNER_TOOL_CACHE/relkit/KEY/ARCH with an
#      ARCH.complete marker next to it, the @actions/tool-cache layout): reuse it.
#   c. the version (input `version`, else the ref the action is used at, GITHUB_ACTION_REF) is
#      a release tag vX.Y.Z: download the release archive and SHA256SUMS, verify the archive
#      against the checksums committed in this repository (actions/setup/checksums/TAG.sha256,
#      if present) and against SHA256SUMS *before* extracting it.
#   d. otherwise (branch or SHA ref, fork, no release asset, offline `act`): build this action's
#      own source with cargo.
#
# Environment: INPUT_VERSION, INPUT_REPOSITORY (setup action inputs), GITHUB_ACTION_REF,
# GITHUB_ACTION_REPOSITORY, RUNNER_OS, RUNNER_ARCH, RUNNER_TOOL_CACHE, RUNNER_TEMP, GITHUB_PATH,
# GITHUB_OUTPUT (outputs `path` and `version`), RELKIT_BIN_DIR, RELKIT_VERSION (a release to
# install when INPUT_VERSION is empty, for workflows that run the actions from a local checkout
# where GITHUB_ACTION_REF is empty), RELKIT_PROFILE (release|dev, for d), CARGO_TARGET_DIR,
# RELKIT_DOWNLOAD_BASE (default https://github.com; plain http is accepted only on the loopback
# interface, for tests).
set -euo pipefail

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# The repository root of this action's own checkout, never the caller's workspace.
src=$(cd -- "$script_dir/../.." && pwd -P)

# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$script_dir/../lib.sh"

bail() {
  printf '::error::relkit setup: %s\n' "$(relkit_escape "$*")"
  exit 1
}
warn() {
  printf '::warning::relkit setup: %s\n' "$(relkit_escape "$*")"
}
info() {
  printf 'relkit setup: %s\n' "$*"
}

random_token() {
  od -An -N16 -tx1 /dev/urandom | tr -d ' \n'
}

# The SHA-256 command of this system: sha256sum (Linux, Git Bash) or shasum -a 256 (macOS).
sha256=()
if command -v sha256sum >/dev/null 2>&1; then
  sha256=(sha256sum)
elif command -v shasum >/dev/null 2>&1; then
  sha256=(shasum -a 256)
fi

# Bails unless a SHA-256 command was found. Called before any use of it, outside the subshells
# those uses run in, so that the error reaches the log instead of a captured variable or file.
require_sha256() {
  [[ ${#sha256[@]} -gt 0 ]] || bail "neither sha256sum nor shasum is installed; $1"
}

sha256_stdin() {
  "${sha256[@]}" | cut -d' ' -f1
}

# ---------------------------------------------------------------------------------------------
# Platform
# ---------------------------------------------------------------------------------------------
os=${RUNNER_OS:-$(uname -s)}
arch=${RUNNER_ARCH:-$(uname -m)}
case $os in
  Linux | linux) os=linux ;;
  macOS | Darwin) os=macos ;;
  Windows | MINGW* | MSYS* | CYGWIN*) os=windows ;;
  *) bail "unsupported operating system '$os'" ;;
esac
case $arch in
  X64 | x86_64 | amd64 | AMD64) arch=x64 ;;
  ARM64 | arm64 | aarch64) arch=arm64 ;;
  *) bail "unsupported architecture '$arch'" ;;
esac
case $os-$arch in
  linux-x64) target=x86_64-unknown-linux-musl ;;
  linux-arm64) target=aarch64-unknown-linux-musl ;;
  macos-x64) target=x86_64-apple-darwin ;;
  macos-arm64) target=aarch64-apple-darwin ;;
  windows-x64) target=x86_64-pc-windows-msvc ;;
  *) target='' ;; # no prebuilt binary: build from source
esac
exe=''
archive_ext=tar.gz
if [[ $os == windows ]]; then
  exe=.exe
  archive_ext=zip
fi

# Installs dir $1 for the rest of the job: GITHUB_PATH, outputs, or the export line locally.
finish() {
  local dir=$1 version delimiter
  if ! version=$("$dir/relkit$exe" --version 2>&1); then
    bail "$dir/relkit$exe was installed but does not run: $version"
  fi
  info "installed: $version"
  if [[ $os == windows && -n ${GITHUB_PATH:-} ]] && command -v cygpath >/dev/null 2>&1; then
    # The runner prepends GITHUB_PATH lines to the Windows PATH: C:\..., not /c/...
    dir=$(cygpath -w "$dir")
  fi
  if [[ -n ${GITHUB_PATH:-} ]]; then
    printf '%s\n' "$dir" >>"$GITHUB_PATH"
    info "added $dir to PATH"
  else
    info "not running in GitHub Actions; put relkit on PATH with:"
    # shellcheck disable=SC2016 # "$PATH" is for the user's shell to expand
    printf 'export PATH=%q:"$PATH"\n' "$dir"
  fi
  if [[ -n ${GITHUB_OUTPUT:-} ]]; then
    delimiter="relkit_$(random_token)"
    {
      printf 'path<<%s\n%s\n%s\n' "$delimiter" "$dir" "$delimiter"
      printf 'version<<%s\n%s\n%s\n' "$delimiter" "$version" "$delimiter"
    } >>"$GITHUB_OUTPUT"
  fi
  exit 0
}

# ---------------------------------------------------------------------------------------------
# a. binaries given by the caller
# ---------------------------------------------------------------------------------------------
if [[ -n ${RELKIT_BIN_DIR:-} ]]; then
  if [[ -f "$RELKIT_BIN_DIR/relkit$exe" && -x "$RELKIT_BIN_DIR/relkit$exe" ]]; then
    info "strategy: local binaries from RELKIT_BIN_DIR=$RELKIT_BIN_DIR"
    finish "$(cd -- "$RELKIT_BIN_DIR" && pwd -P)"
  fi
  warn "RELKIT_BIN_DIR=$RELKIT_BIN_DIR has no executable relkit$exe; ignoring it"
fi

# ---------------------------------------------------------------------------------------------
# Which version
# ---------------------------------------------------------------------------------------------
tag_pattern='^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$'

# The version in the action source's own Cargo.toml ([package] version), or nothing.
crate_version() {
  sed -n 's/^version = "\([^"]*\)"$/\1/p' "$src/Cargo.toml" 2>/dev/null | head -n 1 | grep .
}
tag=''
if [[ -n ${INPUT_VERSION:-} ]]; then
  tag=$INPUT_VERSION
  [[ $tag == v* ]] || tag=v$tag
  if ! [[ $tag =~ $tag_pattern ]]; then
    bail "input version '$INPUT_VERSION' is not a release version (vX.Y.Z); leave it empty to use the ref this action is used at"
  fi
  why="input version $tag"
elif [[ -n ${RELKIT_VERSION:-} ]]; then
  # Set by workflows (job-level env) that call several relkit actions from a local checkout,
  # where GITHUB_ACTION_REF is empty.
  tag=$RELKIT_VERSION
  [[ $tag == v* ]] || tag=v$tag
  [[ $tag =~ $tag_pattern ]] || bail "RELKIT_VERSION '$RELKIT_VERSION' is not a release version (vX.Y.Z)"
  why="RELKIT_VERSION $tag"
elif [[ ${GITHUB_ACTION_REF:-} =~ $tag_pattern ]]; then
  tag=$GITHUB_ACTION_REF
  why="action ref $tag"
elif [[ ${GITHUB_ACTION_REF:-} =~ ^v([0-9]+)(\.[0-9]+)?$ ]] && source_version=$(crate_version) \
  && [[ v$source_version == "$GITHUB_ACTION_REF".* && v$source_version =~ $tag_pattern ]]; then
  # A moving major/minor tag (`@v1`, `@v1.2`) points at a release commit; the action's own
  # Cargo.toml says which release that is.
  tag=v$source_version
  why="action ref $GITHUB_ACTION_REF is release $tag (version in the action's Cargo.toml)"
else
  why="action ref '${GITHUB_ACTION_REF:-}' is not a release tag vX.Y.Z"
fi

repo=${GITHUB_ACTION_REPOSITORY:-}
[[ -n $repo ]] || repo=${INPUT_REPOSITORY:-}
[[ -n $repo ]] || repo=relkit/relkit
[[ $repo =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] || bail "invalid repository '$repo' (expected OWNER/NAME)"

profile=${RELKIT_PROFILE:-release}
case $profile in
  release) profile_dir=release ;;
  dev) profile_dir=debug ;;
  *) bail "RELKIT_PROFILE must be 'release' or 'dev', not '$profile'" ;;
esac

tool_cache=${RUNNER_TOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/relkit/tool-cache}

# Sets the tool-cache key, and with it cache_dir and marker.
use_key() {
  key=$1
  cache_dir="$tool_cache/relkit/$key/$arch"
  marker="$cache_dir.complete"
}

# ---------------------------------------------------------------------------------------------
# b. already installed in this job (or on this self-hosted runner)
# ---------------------------------------------------------------------------------------------
reuse_cache=true
try_cache() {
  if [[ $reuse_cache == true && -f $marker && -x "$cache_dir/bin/relkit$exe" ]]; then
    info "strategy: already installed in the tool cache ($key)"
    finish "$cache_dir/bin"
  fi
}

# Copies the relkit binaries found in $1 into the tool cache and marks it complete.
populate_cache() {
  local from=$1 staging="$cache_dir.partial.$$" tool count=0
  rm -rf -- "$staging" "$marker"
  mkdir -p -- "$staging/bin"
  for tool in relkit "${RELKIT_TOOLS[@]}"; do
    if [[ -f "$from/$tool$exe" ]]; then
      cp -- "$from/$tool$exe" "$staging/bin/"
      chmod +x -- "$staging/bin/$tool$exe"
      count=$((count + 1))
    fi
  done
  [[ -f "$staging/bin/relkit$exe" ]] || bail "no relkit$exe in $from"
  rm -rf -- "$cache_dir"
  mv -- "$staging" "$cache_dir"
  : >"$marker"
  info "copied $count binaries into $cache_dir/bin"
}

# ---------------------------------------------------------------------------------------------
# c. prebuilt release archive, verified before it is extracted
# ---------------------------------------------------------------------------------------------
work=''
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  if [[ -n $work ]]; then
    rm -rf -- "$work"
  fi
}
trap cleanup EXIT

download() {
  curl --proto "$proto" --tlsv1.2 -fsSL --retry 3 --retry-connrefused --max-time 300 \
    -o "$2" "$1"
}

sha256_check() {
  "${sha256[@]}" -c "$1"
}

# Verifies $work/$asset against the entry for it in the SHA256SUMS-format file $1.
verify_against() {
  local sums=$1 label=$2 entry="$work/entry.sha256"
  require_sha256 "cannot verify $asset"
  if ! awk -v name="$asset" '
    { sub(/\r$/, ""); n = $2; sub(/^\*/, "", n) }
    NF == 2 && n == name { print; found++ }
    END { exit found == 1 ? 0 : 1 }' "$sums" >"$entry"; then
    bail "checksum verification failed: $label has no single entry for $asset; refusing to install it"
  fi
  if ! (cd -- "$work" && sha256_check "$entry") >"$work/check.log" 2>&1; then
    cat -- "$work/check.log"
    bail "checksum mismatch for $asset against $label; refusing to install it"
  fi
  info "checksum of $asset matches $label"
}

# Installs release $tag and finishes, or returns to fall back to a source build when the
# release cannot be downloaded. Bails when it can be downloaded but fails verification.
install_release() {
  local base ver asset_url sums_url committed root candidate
  if [[ -z $target ]]; then
    warn "no prebuilt relkit for $os-$arch; building from source"
    return 0
  fi
  base=${RELKIT_DOWNLOAD_BASE:-https://github.com}
  base=${base%/}
  proto='=https'
  case $base in
    https://*) ;;
    http://127.0.0.1:* | http://127.0.0.1 | http://localhost:* | http://localhost | http://\[::1\]:*)
      proto='=http,https'
      ;;
    *) bail "RELKIT_DOWNLOAD_BASE must be an https URL (plain http only on loopback), not '$base'" ;;
  esac
  ver=${tag#v}
  asset="relkit-$ver-$target.$archive_ext"
  asset_url="$base/$repo/releases/download/$tag/$asset"
  sums_url="$base/$repo/releases/download/$tag/SHA256SUMS"
  work=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/relkit-setup.XXXXXX")
  info "strategy: prebuilt release $tag ($why): $asset_url"
  if ! download "$asset_url" "$work/$asset"; then
    warn "could not download $asset_url; building from source instead"
    return 0
  fi
  if ! download "$sums_url" "$work/SHA256SUMS"; then
    warn "could not download $sums_url, so $asset cannot be verified; building from source instead"
    return 0
  fi
  committed="$script_dir/checksums/$tag.sha256"
  if [[ -f $committed ]]; then
    verify_against "$committed" "the checksums committed in $repo (actions/setup/checksums/$tag.sha256)"
  else
    info "no checksums committed for $tag in this checkout; verifying against the release's SHA256SUMS only"
  fi
  verify_against "$work/SHA256SUMS" "the release's SHA256SUMS"

  root="$work/extracted"
  mkdir -p -- "$root"
  case $asset in
    *.tar.gz) tar -xzf "$work/$asset" -C "$root" ;;
    *.zip)
      if command -v unzip >/dev/null 2>&1; then
        unzip -q "$work/$asset" -d "$root"
      else
        tar -xf "$work/$asset" -C "$root"
      fi
      ;;
  esac
  # The binaries sit at the archive's root or in its single top-level directory.
  for candidate in "$root" "$root"/*; do
    if [[ -f "$candidate/relkit$exe" ]]; then
      populate_cache "$candidate"
      finish "$cache_dir/bin"
    fi
  done
  bail "$asset contains no relkit$exe"
}

# ---------------------------------------------------------------------------------------------
# d. build this action's own source
# ---------------------------------------------------------------------------------------------

# The key of the source in $src: its commit when $src is its own git checkout, else a hash of
# every Cargo manifest and Rust file in it. The runner downloads actions as tarballs, without
# .git, and a self-hosted runner's tool cache outlives the job, so a hash of Cargo.lock alone
# would reuse binaries built from older sources of the same branch.
use_source_key() {
  local top rev
  if top=$(git -C "$src" rev-parse --show-toplevel 2>/dev/null) &&
    [[ $(cd -- "$top" && pwd -P) == "$src" ]] &&
    rev=$(git -C "$src" rev-parse HEAD 2>/dev/null); then
    if [[ -n $(git -C "$src" status --porcelain) ]]; then
      # Uncommitted or untracked files: the commit does not identify the build; rebuild.
      reuse_cache=false
      use_key "source-$rev-dirty-$profile"
    else
      use_key "source-$rev-$profile"
    fi
    return 0
  fi
  require_sha256 "cannot tell which source is being built"
  rev=$(
    cd -- "$src"
    find . -name target -prune -o -name .git -prune -o -type f \
      \( -name '*.rs' -o -name Cargo.toml -o -name Cargo.lock \) -print |
      LC_ALL=C sort |
      while IFS= read -r file; do
        printf '%s %s\n' "$(sha256_stdin <"$file")" "$file"
      done | sha256_stdin
  )
  use_key "source-${rev:0:16}-$profile"
}

build_from_source() {
  local target_dir
  info "strategy: build from source in $src ($why)"
  if ! command -v cargo >/dev/null 2>&1; then
    bail "cargo is not installed, and relkit has to be built from source here ($why). Install Rust before this step (uses: actions-rust-lang/setup-rust-toolchain@v1, or rustup from https://rustup.rs), or use relkit at a release tag (@vX.Y.Z) to get prebuilt binaries."
  fi
  target_dir=${CARGO_TARGET_DIR:-$src/target}
  case $target_dir in
    /*) ;;
    *) target_dir="$PWD/$target_dir" ;;
  esac
  info "cargo build --profile $profile --locked (target dir $target_dir)"
  if ! CARGO_TARGET_DIR=$target_dir cargo build --profile "$profile" --locked --bins \
    --manifest-path "$src/Cargo.toml"; then
    bail "cargo build of $src failed (see the log above)"
  fi
  populate_cache "$target_dir/$profile_dir"
  finish "$cache_dir/bin"
}

# ---------------------------------------------------------------------------------------------
# b, c, d in order
# ---------------------------------------------------------------------------------------------
if [[ -n $tag ]]; then
  # Releases of a fork are not relkit's releases: keep them apart in the cache.
  if [[ $repo == relkit/relkit ]]; then
    use_key "$tag"
  else
    use_key "$tag-${repo//\//-}"
  fi
  try_cache
  install_release
fi
use_source_key
try_cache
build_from_source
