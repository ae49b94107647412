#!/usr/bin/env bash
# Runs `bash .ci/run` on a clean machine without Docker: a Debian chroot made with debootstrap,
# holding only what a fresh CI machine of this kind has (the image's Debian packages, a Rust
# toolchain, Python with pip, Node with npm, git), with a fresh clone of HEAD. It catches what a
# developer machine hides: a package installed by hand or pulled in as a recommendation, a pip or
# npm package left over from an earlier run (issue 13).
#
# Usage: scripts/clean-machine.sh [--packages FILE] [--suite bookworm] [--mirror URL] DIR
#
#   DIR             where the chroot lives; DIR/base is made once (debootstrap + the image's
#                   packages) and reused; every run starts from it through an overlay mount, so
#                   each run sees a machine nothing was installed on.
#   --packages FILE the image's package list, one `apt<TAB>NAME<TAB>VERSION` line per package (the
#                   format of the workplace's installed-*.txt lists); other lines are ignored.
#                   Without it: the minimum the project's CI machine is said to have.
#
# Toolchains come from this machine, read-only or copied, never with anything the project
# installs: rustup's toolchains are bind-mounted read-only with an empty CARGO_HOME registry;
# pyenv's Python (when present) is overlaid and every pip package named in .ci/deps/*.pip is
# uninstalled from the overlay first; Node is copied with only npm and corepack as global
# packages. Must run as root (debootstrap, chroot, mount).
set -euo pipefail

bail() { echo "clean-machine: $*" >&2; exit 2; }

packages="" suite="bookworm" mirror="http://deb.debian.org/debian"
while (($#)); do
  case "$1" in
    --packages) packages="${2:?--packages takes a file}"; shift 2 ;;
    --suite) suite="${2:?--suite takes a name}"; shift 2 ;;
    --mirror) mirror="${2:?--mirror takes a URL}"; shift 2 ;;
    -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) bail "unknown option $1 (see --help)" ;;
    *) break ;;
  esac
done
(($# == 1)) || bail "usage: scripts/clean-machine.sh [--packages FILE] DIR"
[[ $(id -u) -eq 0 ]] || bail "must run as root (debootstrap, chroot and mount need it)"
command -v debootstrap >/dev/null || bail "debootstrap is missing: apt-get install debootstrap"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$(mkdir -p "$1" && cd "$1" && pwd)"
base="$dir/base" root="$dir/root" upper="$dir/upper" work="$dir/work"

# --- the base layer: debootstrap and the image's Debian packages, made once ------------------
if [[ ! -e "$base/.complete" ]]; then
  if [[ ! -e "$base/.debootstrapped" ]]; then
    rm -rf "$base"
    echo "clean-machine: debootstrap $suite into $base"
    debootstrap --variant=minbase "$suite" "$base" "$mirror" >/dev/null
    touch "$base/.debootstrapped"
  fi
  if [[ -n "$packages" ]]; then
    # The image's own list: every apt package but the ones from outside Debian (nodejs comes
    # from NodeSource on the image; it is copied from this machine below).
    mapfile -t image < <(awk -F'\t' '$1 == "apt" { sub(/:.*/, "", $2); print $2 }' "$packages" \
      | grep -vx -e nodejs -e 'google-cloud-.*' | sort -u)
  else
    image=(ca-certificates git gcc g++ make libc6-dev python3 python3-pip curl xz-utils)
  fi
  cp /etc/resolv.conf "$base/etc/resolv.conf"
  mount --bind /proc "$base/proc"
  trap 'umount "$base/proc" 2>/dev/null || true' EXIT
  chroot "$base" apt-get update -qq
  # Packages a list names but the mirror no longer has are reported and left out, never silently.
  available=()
  for p in "${image[@]}"; do
    if chroot "$base" apt-cache show "$p" >/dev/null 2>&1; then available+=("$p")
    else echo "clean-machine: not in $suite, left out: $p" >&2; fi
  done
  echo "clean-machine: installing ${#available[@]} image packages"
  DEBIAN_FRONTEND=noninteractive chroot "$base" apt-get install -y -qq --no-install-recommends \
    "${available[@]}" >/dev/null
  umount "$base/proc"
  trap - EXIT
  touch "$base/.complete"
fi

# --- a fresh overlay of the base for this run -------------------------------------------------
cleanup() {
  for m in "$root/dev" "$root/proc" "$root/sys" "$root/tmp" "$root/root/.rustup" \
    "$root/root/.pyenv" "$root"; do
    mountpoint -q "$m" 2>/dev/null && umount -l "$m"
  done
  rm -rf "$upper" "$work"
}
cleanup
trap cleanup EXIT
mkdir -p "$root" "$upper" "$work"
mount -t overlay overlay -o "lowerdir=$base,upperdir=$upper,workdir=$work" "$root"
mount --bind /proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --rbind /dev "$root/dev"
mount -t tmpfs tmpfs "$root/tmp"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# The machine's network settings, which CI has too: its CA store (a proxy's CA, where there is
# one), pip's and npm's machine-wide configuration, and the environment variables that point at
# them. They are settings of the machine, not packages, so they do not hide a missing install.
for f in /etc/ssl/certs/ca-certificates.crt /etc/pip.conf /etc/npmrc /usr/etc/npmrc; do
  [[ -f "$f" ]] && mkdir -p "$root$(dirname "$f")" && cp "$f" "$root$f"
done
[[ -f "$HOME/.npmrc" ]] && cp "$HOME/.npmrc" "$root/root/.npmrc"
mapfile -t netenv < <(env | grep -E '^(SSL_CERT_[A-Z]+|PIP_[A-Z_]+|NODE_EXTRA_CA_CERTS|CURL_CA_BUNDLE|REQUESTS_CA_BUNDLE|GIT_SSL_CAINFO|[a-z]+_proxy|[A-Z]+_PROXY)=' || true)

# Rust: the toolchains read-only, the proxies copied, an empty registry.
rustup_home="${RUSTUP_HOME:-$HOME/.rustup}" cargo_home="${CARGO_HOME:-$HOME/.cargo}"
[[ -d "$rustup_home" ]] || bail "no rustup toolchains at $rustup_home"
mkdir -p "$root/root/.rustup" "$root/root/.cargo/bin"
mount --bind -o ro "$rustup_home" "$root/root/.rustup"
cp -a "$cargo_home/bin/." "$root/root/.cargo/bin/"
path="/root/.cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# Python: pyenv overlaid (writes go to the run's upper layer), less what .ci/deps installs.
if [[ -d "$HOME/.pyenv" ]]; then
  mkdir -p "$root/root/.pyenv" "$dir/py-upper" "$dir/py-work"
  rm -rf "$dir/py-upper" "$dir/py-work"; mkdir -p "$dir/py-upper" "$dir/py-work"
  mount -t overlay overlay \
    -o "lowerdir=$HOME/.pyenv,upperdir=$dir/py-upper,workdir=$dir/py-work" "$root/root/.pyenv"
  path="/root/.pyenv/shims:/root/.pyenv/bin:$path"
  mapfile -t pip < <(sed -e 's/#.*//' -e 's/[=<>~!].*//' -e 's/[[:space:]]*$//' \
    "$repo"/.ci/deps/*.pip 2>/dev/null | awk 'NF' | sort -u)
  if ((${#pip[@]})); then
    chroot "$root" env -i "${netenv[@]}" HOME=/root PATH="$path" PYENV_ROOT=/root/.pyenv \
      python3 -m pip uninstall -y -q "${pip[@]}" >/dev/null 2>&1 || true
  fi
fi

# Node: the binary and npm/corepack only, none of the global packages installed since.
if command -v node >/dev/null; then
  cp -a "$(command -v node)" "$root/usr/bin/node"
  global="$(npm root -g)"
  mkdir -p "$root/usr/lib/node_modules"
  for m in npm corepack; do
    [[ -d "$global/$m" ]] && cp -a "$global/$m" "$root/usr/lib/node_modules/$m"
  done
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/bin/npx"
fi

# The project: a fresh clone of HEAD, as CI makes one.
git clone -q --no-local "$repo" "$root/root/ci-src"
echo "clean-machine: bash .ci/run on a clean $suite chroot ($(git -C "$repo" rev-parse --short HEAD))"
set +e
chroot "$root" env -i "${netenv[@]}" HOME=/root PATH="$path" PYENV_ROOT=/root/.pyenv CI=true \
  TERM=dumb LANG=C.UTF-8 bash -c 'cd /root/ci-src && bash .ci/run' < /dev/null
rc=$?
set -e
echo "clean-machine: .ci/run exited $rc"
exit "$rc"
