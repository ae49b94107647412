#!/usr/bin/env bash
# Builds and checks the hello-health Debian package on this machine, as build-packages.yml does
# in a clean container: dpkg-buildpackage (binary only, unsigned), then lintian with errors failing.
# Needs: build-essential debhelper fakeroot lintian. The .deb lands in dist/.
# Usage: bash build.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/src"
cp -a debian src Makefile "$work/src/"
(cd "$work/src" && dpkg-buildpackage -us -uc -b)
lintian --fail-on error --display-info "$work"/*.deb
mkdir -p dist
cp "$work"/*.deb dist/
ls dist/*.deb
