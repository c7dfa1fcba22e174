#!/bin/sh
# valgrind-tmem.sh — `tmem` under valgrind, for the CLI suites:
# make test VALGRIND=... passes this script's path instead of build/tmem.
exec "$(dirname "$0")/valgrind.sh" "$TMEM_UNDER_VALGRIND" "$@"
