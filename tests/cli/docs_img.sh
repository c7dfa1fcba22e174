#!/bin/sh
# docs_img.sh — the README's charts (docs/img/*.svg) are what tmem draws now
# (tools/docs_img.sh; regenerate with make docs-img). Usage: docs_img.sh path/to/tmem
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/common.sh"
ROOT=$(cd "$HERE/../.." && pwd)
if sh "$ROOT/tools/docs_img.sh" "$TMEM" "$TMP"; then ok; else bad "tools/docs_img.sh failed"; fi
for f in ledger.svg sweep.svg; do
  if cmp -s "$TMP/$f" "$ROOT/docs/img/$f"; then ok; else
    bad "docs/img/$f differs from what tmem draws now (make docs-img rewrites it)"
  fi
  if grep -q "docs/img/$f" "$ROOT/README.md"; then ok; else bad "README.md does not show docs/img/$f"; fi
done
summary docs_img
