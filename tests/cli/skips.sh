#!/bin/sh
# skips.sh — make test's last line counts and names every skip, and CI=true
# turns a skip into a failure: tests/suites.sh run on the published-count
# test without its ../shared data and on a small suite that skips one check.
# Usage: skips.sh path/to/tmem
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/common.sh"
ROOT=$(cd "$HERE/../.." && pwd)
TRUTH="$(dirname "${TMEM_UNDER_VALGRIND:-$TMEM}")/tests/test_truth"
if [ ! -x "$TRUTH" ]; then bad "$TRUTH is missing (make test builds it)"; summary skips; exit 1; fi

cat >"$TMP/fake.sh" <<FAKE
HERE="$HERE"
. "$HERE/lib/common.sh"
ok
skip "node cross-check" "node is not installed"
summary fake
FAKE
# run_suites [VAR=VALUE...]: tests/suites.sh on those two; its last line in $TMP/last, status in $rc
run_suites() {
  (cd "$ROOT" && env "$@" UNIT_BIN="$TRUTH" REPLAY="" VALGRIND="" CLI_SUITES="$TMP/fake.sh" \
     TMEM_UNDER_TEST="$TMEM" TMEM_SHARED_DIR="$TMP/no-shared" sh tests/suites.sh) >"$TMP/log" 2>&1
  rc=$?
  tail -n 1 "$TMP/log" >"$TMP/last"
}
# purity 1 + fake 1 passed; test_truth and the fake's node check skipped
run_suites CI=''
want="make test: 2 passed, 0 failed, 2 skipped: test_truth/every_shared_config_counts_to_its_published_total, fake/node cross-check"
if [ "$(cat "$TMP/last")" = "$want" ] && [ "$rc" -eq 0 ]; then ok; else bad "last line '$(cat "$TMP/last")' (exit $rc), want '$want'"; fi
# CI=true: test_truth fails instead of skipping and the fake's skip is a failure (purity and
# the fake's ok still pass)
run_suites CI=true
want="make test: 2 passed, 2 failed, 0 skipped"
if [ "$(cat "$TMP/last")" = "$want" ] && [ "$rc" -ne 0 ]; then ok; else bad "CI=true: '$(cat "$TMP/last")' (exit $rc), want '$want' and a failure"; fi
# with the shared data the published counts run and pass (where it is beside this checkout)
if [ -d "$ROOT/../shared/data/models" ]; then
  (cd "$ROOT" && CI='' UNIT_BIN="$TRUTH" REPLAY="" VALGRIND="" CLI_SUITES="" TMEM_UNDER_TEST="$TMEM" \
     sh tests/suites.sh) >"$TMP/log" 2>&1
  want="make test: 2 passed, 0 failed, 0 skipped"
  if [ "$(tail -n 1 "$TMP/log")" = "$want" ]; then ok; else bad "with ../shared: '$(tail -n 1 "$TMP/log")', want '$want'"; fi
fi
summary skips
