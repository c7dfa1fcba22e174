#!/bin/sh
# valgrind.sh — runs a program under valgrind so that any memory error or
# leak fails the run (exit 99, which no tmem command returns).
# Usage: valgrind.sh PROGRAM [ARGS...]
exec valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
  --errors-for-leak-kinds=definite,indirect "$@"
