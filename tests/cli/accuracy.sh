#!/bin/sh
# accuracy.sh — docs/accuracy.md's generated comparison tables are what the
# row files (tests/accuracy/*.tsv) give with this tmem, every row within its
# bound, and every test name the prose cites still exists
# (tests/accuracy/gen.py --check; `make accuracy` rewrites the tables).
# Usage: accuracy.sh path/to/tmem
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/common.sh"
ROOT=$(cd "$HERE/../.." && pwd)
if command -v python3 >/dev/null 2>&1; then
  python3 "$ROOT/tests/accuracy/gen.py" "$TMEM" "$ROOT/docs/accuracy.md" "$ROOT/tests/accuracy" "$ROOT" --check >"$TMP/log" 2>&1
  rc=$?
  cat "$TMP/log"
  p=$(sed -n 's/^accuracy: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$TMP/log")
  f=$(sed -n 's/^accuracy: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$TMP/log")
  if [ -z "$p" ]; then
    bad "tests/accuracy/gen.py exited $rc without its summary"
  else
    pass=$((pass + p))
    fail=$((fail + f))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then bad "tests/accuracy/gen.py exited $rc"; fi
  fi
else
  skip "accuracy tables" "no python3 on PATH"
fi
summary accuracy
