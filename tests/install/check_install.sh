#!/bin/sh
# check_install.sh — the installed library used alone. After
# `make install DESTDIR=$tmp PREFIX=/usr`:
#   (a) a program that includes only installed headers and links -ltmem via
#       pkg-config loads Llama-2-7B's config.json and prints its training
#       ledger's peak, checked against the hand figure of tests/cli/train.sh;
#   (b) every installed header compiles alone as strict C11 and as C++11;
#   (c) every symbol libtmem.a exports is declared in an installed header
#       (tmem_*) or is internal (tmem__*).
# Usage: check_install.sh BUILD_DIR [make arguments...]
set -u
BUILD=$1
shift
CC=${CC:-cc}
CXX=${CXX:-c++}
SAN_FLAGS=${SAN_FLAGS:-}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "install: FAIL: $*"; }

make -s -C "$ROOT" BUILD="$BUILD" "$@" install DESTDIR="$TMP/root" PREFIX=/usr >"$TMP/make.log" 2>&1 ||
  { cat "$TMP/make.log"; echo "install: make install failed"; exit 1; }
INC=$TMP/root/usr/include
LIB=$TMP/root/usr/lib/libtmem.a
export PKG_CONFIG_PATH="$TMP/root/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$TMP/root"

# (a) The installed headers, libtmem.a and tmem.pc alone (no -I into the
# source tree). The library is static, so pkg-config --static brings in
# jansson and libm (Requires.private / Libs.private).
FLAGS=$(pkg-config --static --cflags --libs tmem) || { bad "pkg-config tmem"; FLAGS=; }
case " $FLAGS " in *" -I$INC "*) ok ;; *) bad "pkg-config --cflags lacks -I$INC: $FLAGS" ;; esac
case " $FLAGS " in *" -ljansson "*) ok ;; *) bad "pkg-config --static --libs lacks -ljansson: $FLAGS" ;; esac
# shellcheck disable=SC2086
if "$CC" -std=c11 -Wall -Wextra -Werror $SAN_FLAGS -o "$TMP/use_tmem" "$HERE/use_tmem.c" $FLAGS 2>"$TMP/cc.log"; then ok
else cat "$TMP/cc.log"; bad "use_tmem.c does not build against the installed library"; fi
CONFIG="$ROOT/../shared/data/models/meta-llama__Llama-2-7b-hf/config.json"
if [ -x "$TMP/use_tmem" ] && [ -f "$CONFIG" ]; then
  # Llama-2-7B, bf16-mixed AdamW, micro-batch 1, seq 4096, 8 GPUs, ZeRO-3,
  # flash: 44,038,698,279 B at the start of backward, by hand in
  # tests/cli/train.sh (weights 1,684,603,904 + gradients 1,684,603,904 +
  # master and two Adam states 10,107,623,424 + activations 24,581,816,320 +
  # temporaries 1,572,896,768 + buckets 1,504,766,720 + CUDA 805,306,368 +
  # fragmentation 2,097,080,871). The preset is the same config.
  out=$("$TMP/use_tmem" "$CONFIG" llama-2-7b 8 3 4096 "$TMP/ledger") || bad "use_tmem failed: $out"
  # shellcheck disable=SC2086
  set -- $out
  if [ "${1:-}" = 44038698279 ] && [ "${2:-}" = 44038698279 ]; then ok
  else bad "Llama-2-7B ZeRO-3 peak: got '$out', want 44038698279 from the config and the preset"; fi
  if [ "${3:-0}" -gt 0 ]; then ok; else bad "the caller's allocator was not used ($out)"; fi
  # the public writers: 44,038,698,279 B = 41.01 GiB, under the H100 SXM's 79.65 GiB
  if grep -q '"total": 44038698279' "$TMP/ledger.json" && grep -q '"fits": true' "$TMP/ledger.json"; then ok
  else bad "tmem_ledger_write_json: no total 44038698279 / fits true in $(cat "$TMP/ledger.json")"; fi
  if grep -Eq 'total per GPU +41\.01 GiB +44,038,698,279 B' "$TMP/ledger.txt" && grep -q '^verdict: fits' "$TMP/ledger.txt"; then ok
  else bad "tmem_ledger_write_text: no 41.01 GiB / 44,038,698,279 B total or verdict: $(cat "$TMP/ledger.txt")"; fi
elif [ ! -f "$CONFIG" ]; then bad "no $CONFIG"
fi

# (b) each installed header alone, strict C11 and C++11
n_headers=0
for h in "$INC"/tmem/*.h; do
  n_headers=$((n_headers + 1))
  name=tmem/$(basename "$h")
  # (one declaration after it: an X-macro list such as families.h expands to
  # nothing alone, and an empty file is not a C translation unit)
  printf '#include <%s>\ntypedef int header_compiles_alone;\n' "$name" >"$TMP/one.c"
  if "$CC" -std=c11 -pedantic -Wall -Wextra -Werror -I"$INC" -c "$TMP/one.c" -o "$TMP/one.o" 2>"$TMP/h.log"; then ok
  else cat "$TMP/h.log"; bad "$name does not compile alone as C11"; fi
  cp "$TMP/one.c" "$TMP/one.cpp"
  if "$CXX" -std=c++11 -pedantic -Wall -Wextra -Werror -I"$INC" -c "$TMP/one.cpp" -o "$TMP/one.o" 2>"$TMP/h.log"; then ok
  else cat "$TMP/h.log"; bad "$name does not compile alone as C++11"; fi
done
if [ "$n_headers" -ge 5 ]; then ok; else bad "only $n_headers headers installed"; fi

# (c) exported symbols: declared in an installed header, or tmem__*
cat "$INC"/tmem/*.h | "$CC" -x c -fpreprocessed -dD -E -P - 2>/dev/null >"$TMP/decls.h"
nm -g --defined-only "$LIB" | awk 'NF == 3 { print $3 }' | sort -u >"$TMP/syms"
n_syms=0 n_public=0
while read -r s; do
  n_syms=$((n_syms + 1))
  case $s in
    tmem__*) ok ;;
    tmem_*)
      if grep -Eq "(^|[^A-Za-z0-9_])${s}[[:space:]]*\(" "$TMP/decls.h"; then ok; n_public=$((n_public + 1))
      else bad "$s is exported but no installed header declares it (make it static or name it tmem__${s#tmem_})"; fi ;;
    *) bad "$s is exported without the tmem_ prefix" ;;
  esac
done <"$TMP/syms"
if [ "$n_syms" -gt 0 ]; then ok; else bad "no symbols in $LIB"; fi

echo "install: $pass passed, $fail failed ($n_headers headers, $n_syms exported symbols, $n_public public)"
[ "$fail" -eq 0 ]
