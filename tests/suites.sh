#!/bin/sh
# suites.sh — make test's runner: every suite (core purity, the cmocka unit
# tests, the fuzz corpus replays, tests/cli/*.sh), its output shown as it
# comes, and one last line CI tooling can read:
#   make test: 1234 passed, 0 failed, 0 skipped
#   make test: 1230 passed, 0 failed, 2 skipped: test_truth/every_shared_config..., inspect/...
# A skip is counted and named there, never hidden; with CI=true in the
# environment a skip is a failure (CI installs what every check needs).
# Exit status 0 when nothing failed. Environment (the Makefile sets it):
#   UNIT_BIN      the unit test programs
#   REPLAY        "BIN CORPUS REGRESS" triples, separated by ';'
#   TMEM_UNDER_TEST  the tmem the CLI suites run
#   VALGRIND      a wrapper to run unit tests and replays under, or empty
#   CLI_SUITES    the shell suites (default tests/cli/*.sh; tests/cli/skips.sh sets it)
#   INSTALL_CHECK the arguments of tests/install/check_install.sh (BUILD, make
#                 variables), empty: that suite is not run (tests/cli/skips.sh)
#   SAN_FLAGS     -fsanitize=... for the program it links, when the build has it
set -u
passed=0 failed=0 skipped=0 skip_names=""
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

add_skip() { # NAME
  skipped=$((skipped + 1))
  skip_names="${skip_names:+$skip_names, }$1"
}

# cmocka NAME CMD...: a cmocka program; its [ PASSED ]/[ FAILED ]/[ SKIPPED ] summary counts
cmocka() {
  name=$1
  shift
  "$@" >"$OUT/log" 2>&1
  rc=$?
  cat "$OUT/log"
  p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\.$/\1/p' "$OUT/log" | tail -n 1)
  f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:$/\1/p' "$OUT/log" | tail -n 1)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  # the names after "[  SKIPPED ] N test(s), listed below:"
  sed -n '/^\[  SKIPPED \] [0-9]* test(s), listed below:$/,/^$/{s/^\[  SKIPPED \] \([^ ]*\)$/\1/p}' "$OUT/log" >"$OUT/skips"
  while read -r t; do add_skip "$name/$t"; done <"$OUT/skips"
  # a crash or an exit without the summary is one failure
  if [ $rc -ne 0 ] && [ "${f:-0}" -eq 0 ]; then failed=$((failed + 1)); echo "FAIL: $name exited $rc"; fi
}

# suite NAME CMD...: a suite whose last line is "NAME: P passed, F failed[, S skipped: a, b]"
suite() {
  name=$1
  shift
  "$@" >"$OUT/log" 2>&1
  rc=$?
  cat "$OUT/log"
  last=$(tail -n 1 "$OUT/log")
  p=$(printf '%s\n' "$last" | sed -n 's/^[^:]*: \([0-9]*\) passed, [0-9]* failed.*$/\1/p')
  f=$(printf '%s\n' "$last" | sed -n 's/^[^:]*: [0-9]* passed, \([0-9]*\) failed.*$/\1/p')
  if [ -z "$p" ]; then
    # a one-check suite (core purity, a replay): its exit status is the result
    if [ $rc -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $name exited $rc"; fi
    return
  fi
  passed=$((passed + p))
  failed=$((failed + f))
  s=$(printf '%s\n' "$last" | sed -n 's/^.*, [0-9]* skipped: \(.*\)$/\1/p')
  if [ -n "$s" ]; then
    printf '%s\n' "$s" | tr ',' '\n' | sed 's/^ *//' >"$OUT/skips"
    while read -r t; do add_skip "$name/$t"; done <"$OUT/skips"
  fi
  if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then failed=$((failed + 1)); echo "FAIL: $name exited $rc"; fi
}

suite purity sh tests/check_core_purity.sh
for t in $UNIT_BIN; do
  # shellcheck disable=SC2086 # VALGRIND is a command line ("sh tests/valgrind.sh")
  cmocka "$(basename "$t")" ${VALGRIND:-} "$t"
done
old_ifs=$IFS
IFS=';'
for r in $REPLAY; do
  IFS=$old_ifs
  # shellcheck disable=SC2086
  set -- $r
  # shellcheck disable=SC2086
  suite "replay_$(basename "$2")" ${VALGRIND:-} "$@"
done
IFS=$old_ifs
install_check=${INSTALL_CHECK:-}
unset INSTALL_CHECK # not for the suites below: tests/cli/skips.sh runs this runner again
if [ -n "$install_check" ]; then
  # shellcheck disable=SC2086 # a build folder and make variables
  suite install sh tests/install/check_install.sh $install_check
fi
for s in ${CLI_SUITES-tests/cli/*.sh}; do
  suite "$(basename "$s" .sh)" sh "$s" "$TMEM_UNDER_TEST"
done

if [ "${CI:-}" = true ] && [ "$skipped" -gt 0 ]; then
  echo "FAIL: CI=true and $skipped check(s) skipped: $skip_names (CI must run every check)"
  failed=$((failed + skipped))
fi
line="make test: $passed passed, $failed failed, $skipped skipped"
[ "$skipped" -gt 0 ] && line="$line: $skip_names"
echo "$line"
[ "$failed" -eq 0 ]
