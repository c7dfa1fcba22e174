#!/bin/sh
# check_core_purity.sh — the core does no I/O, keeps no mutable globals and
# never exits: fail if src/core mentions stdio, printing, exit or getenv, or
# defines a file-scope variable that is not const.
cd "$(dirname "$0")/.." || exit 1
# The core's public headers are those src/core includes (tmem.h, train.h,
# infer.h); the readers' (read.h, checkpoint.h, report.h) may use stdio.
core_headers=$(grep -ho '#include "tmem/[a-z_]*\.h"' src/core/*.c src/core/*.h | sed 's/#include "\(.*\)"/include\/\1/' | sort -u)
[ -n "$core_headers" ] || { echo "core purity: FAILED — no public header included by src/core"; exit 1; }
# shellcheck disable=SC2086
bad=$(grep -nE '#include <(stdio|stdlib)\.h>|#include "tmem/(read|checkpoint|report)\.h"|\b(printf|fprintf|puts|fopen|exit|abort|getenv|malloc|free)\(' src/core/*.c src/core/*.h $core_headers)
if [ -n "$bad" ]; then
  echo "core purity: FAILED — the core must do no I/O, allocation or exit:"
  echo "$bad"
  exit 1
fi
# file-scope variables: lines at column 0 starting with 'static' that are not const and not functions
globals=$(grep -nE '^static [^(]*[;=]' src/core/*.c | grep -v 'static const' | grep -v 'static inline')
if [ -n "$globals" ]; then
  echo "core purity: FAILED — mutable file-scope state in the core:"
  echo "$globals"
  exit 1
fi
# layering: includes point down only (core <- read <- report <- cli; the
# public headers include nothing of src/)
names() { for h in "$@"; do [ -e "$h" ] && printf '%s|' "$(basename "$h")"; done; }
above_core=$(names src/read/*.h src/report/*.h src/cli/*.h)jansson.h
above_read=$(names src/report/*.h src/cli/*.h)
above_report=$(names src/cli/*.h)
up=$( { grep -nE "#include [<\"]($above_core)[>\"]" src/core/*.c src/core/*.h include/tmem/*.h;
        grep -nE "#include \"(${above_read%|})\"" src/read/*.c src/read/*.h;
        [ -n "$above_report" ] && grep -nE "#include \"(${above_report%|})\"" src/report/*.c src/report/*.h; } 2>/dev/null)
if [ -n "$up" ]; then
  echo "core purity: FAILED — an include points up a layer (core <- read <- report <- cli):"
  echo "$up"
  exit 1
fi
echo "core purity: ok (no stdio, allocation, exit or mutable globals in src/core; includes point down)"
