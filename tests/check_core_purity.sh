#!/bin/sh
# check_core_purity.sh — the core does no I/O, keeps no mutable globals and
# never exits: fail if src/core mentions stdio, printing, exit or getenv, or
# defines a file-scope variable that is not const.
cd "$(dirname "$0")/.." || exit 1
bad=$(grep -nE '#include <(stdio|stdlib)\.h>|\b(printf|fprintf|puts|fopen|exit|abort|getenv|malloc|free)\(' src/core/*.c src/core/*.h include/tmem/*.h)
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
echo "core purity: ok (no stdio, allocation, exit or mutable globals in src/core)"
