#!/usr/bin/env bash
# Sets roughcut up on a fresh Debian/Ubuntu machine: system tools (apt-get when root), npm
# dependencies, the build. `--tests` also installs what the test suite uses: OpenShot (its own
# EDL and FCP7 XML importers check our output) and Chromium (report.html is loaded headless).
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=0
[ "${1:-}" = "--tests" ] && want_tests=1

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "roughcut needs Node.js 20 or newer (found: $(node --version 2>/dev/null || echo none)). Install Node 20, then run this again." >&2
  exit 2
fi

missing=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)
if [ "$want_tests" = 1 ]; then
  /usr/bin/python3 -c 'import openshot' >/dev/null 2>&1 || missing+=(openshot-qt)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${missing[*]} with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: missing system packages: ${missing[*]}." >&2
    echo "       Install them, then run this again:  sudo apt-get install -y ${missing[*]}" >&2
    exit 2
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # Some npm 11 releases write lock files without other platforms' optional packages and then
  # refuse them in `npm ci`; `npm install` installs the same locked versions in that case.
  npm ci --no-audit --no-fund --loglevel=error 2>/dev/null || {
    echo "setup: npm ci refused the lock file; installing the locked versions with npm install" >&2
    npm install --no-audit --no-fund --loglevel=error
  }
fi
npm run --silent build
