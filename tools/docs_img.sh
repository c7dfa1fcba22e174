#!/bin/sh
# docs_img.sh — the charts the README shows, drawn by tmem itself:
#   docs_img.sh path/to/tmem DIR   writes DIR/ledger.svg and DIR/sweep.svg
# make docs-img rewrites docs/img/ with it; tests/cli/docs_img.sh fails when
# the committed charts differ from what tmem draws now.
set -eu
TMEM=$1 DIR=$2
"$TMEM" train llama-2-7b --gpu a100-80gb --svg "$DIR/ledger.svg" >/dev/null
"$TMEM" sweep micro-batch 1:16:x2 train llama-2-7b --gpu a100-80gb --zero 3 --gpus 8 --svg "$DIR/sweep.svg" >/dev/null
