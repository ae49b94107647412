#!/usr/bin/env bash
# Builds the backend into one self-contained executable with PyInstaller:
#   dist/backend-<os>-<arch>[.exe]   (os: linux, macos, windows; arch: x64, arm64)
# The names differ per platform so that every runner's build can be a release asset of its own.
# package.yml sets RELKIT_OS, RELKIT_ARCH and RELKIT_EXE; run by hand, they are guessed.
# Usage: bash build.sh        (needs Python 3.9+; installs requirements.txt into .venv)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

os=${RELKIT_OS:-}
if [[ -z $os ]]; then
  case $(uname -s) in
    Linux) os=linux ;;
    Darwin) os=macos ;;
    MINGW* | MSYS* | CYGWIN*) os=windows ;;
    *) echo "build.sh: unknown OS $(uname -s); set RELKIT_OS" >&2; exit 2 ;;
  esac
fi
arch=${RELKIT_ARCH:-}
if [[ -z $arch ]]; then
  case $(uname -m) in
    x86_64 | amd64 | AMD64) arch=x64 ;;
    aarch64 | arm64 | ARM64) arch=arm64 ;;
    *) echo "build.sh: unknown architecture $(uname -m); set RELKIT_ARCH" >&2; exit 2 ;;
  esac
fi

python=${PYTHON:-}
if [[ -z $python ]]; then
  if command -v python3 >/dev/null 2>&1; then python=python3; else python=python; fi
fi
"$python" -m venv .venv
if [[ $os == windows ]]; then venv_python=.venv/Scripts/python.exe; else venv_python=.venv/bin/python; fi
"$venv_python" -m pip install --quiet --disable-pip-version-check -r requirements.txt

name="backend-$os-$arch"
"$venv_python" -m PyInstaller --noconfirm --clean --onefile --name "$name" \
  --distpath dist --workpath build/pyinstaller --specpath build app/main.py
echo "built dist/$name${RELKIT_EXE:-}"
