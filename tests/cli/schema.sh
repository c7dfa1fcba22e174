#!/bin/sh
# schema.sh — every command's --json against docs/schema/ (tests/cli/schema.py,
# run by /usr/bin/python3 with Debian's python3-jsonschema). Usage: schema.sh path/to/tmem
HERE=$(cd "$(dirname "$0")" && pwd)
TMEM=${1:-build/tmem}
case $TMEM in /*) ;; *) TMEM="$PWD/$TMEM" ;; esac
GEN="$(dirname "${TMEM_UNDER_VALGRIND:-$TMEM}")/tests/test_ckpt_fixtures"
exec /usr/bin/python3 "$HERE/schema.py" "$TMEM" "$GEN"
