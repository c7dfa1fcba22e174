#!/bin/sh
# run.sh — make test-web: installs what the browser test needs and this
# machine lacks (Debian's chromium; playwright-core from the lock file), then
# runs test.mjs, whose last line is "test-web: N passed, N failed, N skipped".
#   sh tests/web/run.sh BUILD_DIR
# A check that cannot run is a skip, and with CI=true a failure.
set -u
BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
if [ ! -x /usr/bin/chromium ]; then
  echo "tmem: installing: chromium"
  $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q chromium >/dev/null
fi
if ! command -v node >/dev/null 2>&1; then
  echo "FAIL: node is missing (apt-get install nodejs npm)"
  echo "test-web: 0 passed, 1 failed, 0 skipped"
  exit 1
fi
# npm ci when node_modules is missing or older than the lock file
if [ ! -d "$HERE/node_modules/playwright-core" ] ||
   [ -n "$(find "$HERE/package-lock.json" -newer "$HERE/node_modules" 2>/dev/null)" ]; then
  (cd "$HERE" && npm ci --silent --no-audit --no-fund) || {
    echo "FAIL: npm ci in tests/web"
    echo "test-web: 0 passed, 1 failed, 0 skipped"
    exit 1
  }
fi
exec node "$HERE/test.mjs" "$BUILD"
