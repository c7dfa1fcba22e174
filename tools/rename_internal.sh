#!/bin/sh
# rename_internal.sh — gives every exported symbol of libtmem.a that no
# installed header declares the internal prefix tmem__ (tmem_fail →
# tmem__fail), in src/ tests/ fuzz/ bench/. Run from the repository root;
# builds first. `struct tmem_x` / `enum tmem_x` tags are left alone.
# tests/install/check_install.sh is the check this satisfies.
set -eu
BUILD=${BUILD:-build}
make -s BUILD="$BUILD" "$BUILD/libtmem.a" >/dev/null
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cat include/tmem/*.h | ${CC:-cc} -x c -fpreprocessed -dD -E -P - >"$TMP/decls.h" 2>/dev/null
nm -g --defined-only "$BUILD/libtmem.a" | awk 'NF == 3 { print $3 }' | sort -u |
  grep '^tmem_' | grep -v '^tmem__' >"$TMP/syms"
: >"$TMP/internal"
while read -r s; do
  grep -Eq "(^|[^A-Za-z0-9_])${s}[[:space:]]*\(" "$TMP/decls.h" || echo "$s" >>"$TMP/internal"
done <"$TMP/syms"
n=$(wc -l <"$TMP/internal")
echo "rename_internal: $n internal symbols"
[ "$n" -gt 0 ] || exit 0
# one perl pass: s/\btmem_(a|b|...)\b/tmem__$1/ unless after "struct " or "enum "
alt=$(sed 's/^tmem_//' "$TMP/internal" | paste -sd'|' -)
files=$(git ls-files src tests fuzz bench | grep -E '\.(c|h)$')
# shellcheck disable=SC2086
perl -pi -e "s/(?<!struct )(?<!enum )\\btmem_($alt)\\b/tmem__\$1/g" $files
sed 's/^/  /' "$TMP/internal"
