#!/bin/sh
# web/build.sh — make web: the command line (src/cli + report + read + core)
# compiled to WebAssembly with Debian's emscripten, and the page around it,
# into web/dist/ (index.html and tmem.js; no server, no network at run time).
#   sh web/build.sh BUILD_DIR
# jansson: Debian ships it as binaries only, so its source package is fetched
# (apt-get source, the one network step of the build, cached in BUILD_DIR) and
# its .c files are compiled with emcc; it is never vendored into git.
#
# Why tmem.js embeds the .wasm (-sSINGLE_FILE) and the worker is a blob:
# Chromium refuses, from a file:// page, both fetch()/XHR of a sibling file
# ("Failed to fetch") and new Worker('file.js') ("cannot be accessed from
# origin 'null'"), checked with Chromium 156. A Worker made from a blob: URL
# is allowed, so the page loads tmem.js with a <script> tag and starts the
# worker from the module factory's own source text (app.js); the worker reads
# dropped files through WORKERFS (lazy File.slice reads, headers only).
set -eu
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W="$BUILD/web"
DIST="$ROOT/web/dist"
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# emcc's JS optimizer needs Debian's node-acorn, in /usr/share/nodejs, which a
# node not built by Debian does not search
export NODE_PATH="${NODE_PATH:+$NODE_PATH:}/usr/share/nodejs"

if ! command -v emcc >/dev/null 2>&1; then
  echo "tmem: installing: emscripten"
  $SUDO apt-get update -q >/dev/null
  $SUDO apt-get install -y -q emscripten >/dev/null
fi

# --- jansson's source, once per build dir
JSRC="$W/jansson"
if [ ! -f "$JSRC/src/jansson.h" ]; then
  if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ /etc/apt/sources.list 2>/dev/null &&
     ! grep -qs '^deb-src ' /etc/apt/sources.list 2>/dev/null; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "tmem: error: make web: no deb-src entry in apt's sources (run as root to add one)" >&2
      exit 2
    fi
    # shellcheck disable=SC1091
    . /etc/os-release
    printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "${VERSION_CODENAME:-bookworm}" >/etc/apt/sources.list.d/src.sources
    apt-get update -q >/dev/null
  fi
  rm -rf "$W/jansson-dl" && mkdir -p "$W/jansson-dl"
  (cd "$W/jansson-dl" && apt-get source --download-only jansson >/dev/null 2>&1) || {
    apt-get update -q >/dev/null 2>&1 || true
    (cd "$W/jansson-dl" && apt-get source --download-only jansson >/dev/null)
  }
  tarball=$(find "$W/jansson-dl" -name "jansson_*.orig.tar.*" | head -n 1)
  rm -rf "$JSRC" && mkdir -p "$JSRC"
  tar xf "$tarball" -C "$JSRC" --strip-components=1
fi
# jansson_config.h without its configure: what emscripten's libc has
sed -e 's/@json_inline@/inline/' -e 's/@json_have_long_long@/1/' \
    -e 's/@json_have_localeconv@/1/' -e 's/@json_have_atomic_builtins@/1/' \
    -e 's/@json_have_sync_builtins@/1/' "$JSRC/src/jansson_config.h.in" >"$W/jansson_config.h.tmp"
cmp -s "$W/jansson_config.h.tmp" "$JSRC/src/jansson_config.h" 2>/dev/null ||
  mv "$W/jansson_config.h.tmp" "$JSRC/src/jansson_config.h"
rm -f "$W/jansson_config.h.tmp"
# what jansson's configure would find in emscripten's libc
[ -f "$JSRC/src/jansson_private_config.h" ] || for d in STDINT_H UNISTD_H SYS_TYPES_H SYS_STAT_H FCNTL_H \
    SYS_TIME_H GETTIMEOFDAY LOCALE_H SETLOCALE OPEN CLOSE READ ATOMIC_BUILTINS SYNC_BUILTINS; do
  echo "#define HAVE_$d 1"
done >"$JSRC/src/jansson_private_config.h"

# --- compile: one object per .c, rebuilt when the source or a header is newer
OBJ="$W/obj"
mkdir -p "$OBJ"
HDRS=$(ls "$ROOT"/include/tmem/*.h "$ROOT"/src/*/*.h)
JDEFS="-DHAVE_CONFIG_H=1 -DUSE_URANDOM=1"
# the project's warnings (Makefile WARN), errors with WERROR=1 as in CI
WARN="-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wformat=2 -Wvla -Wimplicit-fallthrough -Wstrict-prototypes -Wmissing-prototypes"
[ "${WERROR:-}" = 1 ] && WARN="$WARN -Werror"
TFLAGS="-std=c11 -O2 $WARN -I$ROOT/include -I$ROOT/src/core -I$ROOT/src/read -I$ROOT/src/report -I$ROOT/src/cli -I$JSRC/src"
objs=""
compile() { # SRC OBJ FLAGS...
  src=$1 o=$2
  shift 2
  objs="$objs $o"
  # shellcheck disable=SC2086 # HDRS: a list of paths
  if [ -f "$o" ] && [ -z "$(find "$src" $HDRS -newer "$o" 2>/dev/null | head -n 1)" ]; then return; fi
  mkdir -p "$(dirname "$o")"
  echo "  emcc $src"
  emcc "$@" -c "$src" -o "$o"
}
# shellcheck disable=SC2086 # JDEFS, TFLAGS: lists of flags
for c in "$JSRC"/src/*.c; do
  compile "$c" "$OBJ/jansson/$(basename "$c" .c).o" -O2 -w $JDEFS -I"$JSRC/src"
done
for c in "$ROOT"/src/core/*.c "$ROOT"/src/read/*.c "$ROOT"/src/report/*.c "$ROOT"/src/cli/*.c "$ROOT"/web/main_wasm.c; do
  case $c in */src/cli/main.c) continue ;; esac
  rel=${c#"$ROOT"/}
  # shellcheck disable=SC2086
  compile "$c" "$OBJ/${rel%.c}.o" $TFLAGS
done

# --- link: a module factory (createTmem) whose main the page calls per request
# shellcheck disable=SC2086
emcc -O2 $objs -o "$W/tmem.js" \
  -sMODULARIZE=1 -sEXPORT_NAME=createTmem -sINVOKE_RUN=0 -sEXIT_RUNTIME=0 \
  -sALLOW_MEMORY_GROWTH=1 -sSINGLE_FILE=1 -sENVIRONMENT=web,worker \
  -sEXPORTED_RUNTIME_METHODS=callMain,FS -lworkerfs.js -sFORCE_FILESYSTEM=1

# --- the static folder
mkdir -p "$DIST"
cp "$W/tmem.js" "$DIST/tmem.js"
# index.html with style.css and app.js inlined (one page file, one .js)
awk -v css="$ROOT/web/style.css" -v js="$ROOT/web/app.js" '
  /<!-- @style -->/ { print "<style>"; while ((getline l < css) > 0) print l; print "</style>"; next }
  /<!-- @app -->/ { print "<script>"; while ((getline l < js) > 0) print l; print "</script>"; next }
  { print }' "$ROOT/web/index.html" >"$DIST/index.html"
echo "make web: $DIST/index.html ($(wc -c <"$DIST/tmem.js") bytes of tmem.js)"
