# common.sh — sourced by every tests/cli/*.sh: strict shell, the tmem under
# test as an absolute path ($1, default build/tmem), a C locale, a scratch
# folder, pass/fail/skip counters (ok, bad, skip, summary), and the checks
# suites share:
# expect_json (an exact integer in the JSON document) and expect_error (the
# error contract: exit 2, nothing on stdout, one "tmem: error:" line).
# The sourcing script sets HERE to its own folder first.
set -u
TMEM=${1:-build/tmem}
case $TMEM in /*) ;; *) TMEM="$PWD/$TMEM" ;; esac
export LC_ALL=C TZ=UTC
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# hermetic: a Hugging Face repo id as MODEL must not find this machine's own
# hub cache (a suite that tests the cache points HF_HUB_CACHE at its own)
export HF_HUB_CACHE="$TMP/no-hf-hub-cache"
pass=0
fail=0

skipped=0
skips=""

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
# skip NAME WHY: a check that could not run here. It is counted and named in
# the suite's last line (see summary) and in make test's; with CI=true in
# the environment it is a failure: CI installs what every check needs.
skip() {
  if [ "${CI:-}" = true ]; then bad "$1 skipped under CI=true: $2"; return; fi
  skipped=$((skipped + 1))
  skips="${skips:+$skips, }$1"
  echo "  skip: $1 ($2)"
}
# summary NAME: the suite's last line, "NAME: P passed, F failed[, S skipped: a, b]",
# and its exit status (0 when nothing failed)
summary() {
  if [ "$skipped" -gt 0 ]; then
    echo "$1: $pass passed, $fail failed, $skipped skipped: $skips"
  else
    echo "$1: $pass passed, $fail failed"
  fi
  [ "$fail" -eq 0 ]
}

# json_num FILE KEY: the first integer value of "KEY" in a pretty-printed document
json_num() { sed -n "s/^ *\"$2\": \(-\{0,1\}[0-9][0-9]*\),\{0,1\}\$/\1/p" "$1" | head -n 1; }

# expect_json DESCRIPTION KEY VALUE CMD...: the integer KEY of `tmem CMD... --json`
expect_json() {
  desc=$1 key=$2 want=$3
  shift 3
  if ! "$TMEM" "$@" --json >"$TMP/out" 2>"$TMP/err"; then
    bad "$desc: exit $? ($(cat "$TMP/err"))"; return
  fi
  got=$(json_num "$TMP/out" "$key")
  if [ "$got" = "$want" ]; then ok; else bad "$desc: $key is '$got', want $want"; fi
}

# expect_error DESCRIPTION PATTERN CMD...: exit 2, nothing on stdout, one
# error line (plus at most one hint line) matching PATTERN
expect_error() {
  desc=$1 pat=$2
  shift 2
  "$TMEM" "$@" >"$TMP/out" 2>"$TMP/err"
  rc=$?
  if [ $rc -ne 2 ]; then bad "$desc: exit $rc, want 2"; return; fi
  if [ -s "$TMP/out" ]; then bad "$desc: stdout not empty"; return; fi
  lines=$(grep -vc '^tmem: hint: ' "$TMP/err")
  first=$(head -n 1 "$TMP/err")
  if [ "$lines" -ne 1 ]; then bad "$desc: $lines error lines: $(cat "$TMP/err")"; return; fi
  case $first in
    "tmem: error: "*) ;;
    *) bad "$desc: stderr is not 'tmem: error: ...': $first"; return ;;
  esac
  # PATTERN is a basic regex; a suite that sets EXPECT_FIXED=1 matches it literally
  if [ "${EXPECT_FIXED:-0}" = 1 ]; then set -- -qF; else set -- -q; fi
  if printf '%s\n' "$first" | grep "$@" -- "$pat"; then ok; else bad "$desc: '$first' lacks '$pat'"; fi
}

# help_choices CMD FLAG: the named values FLAG's line in `tmem CMD --help` lists
# ('...; one of: a | b | c ...', continuation lines joined), one per line
help_choices() {
  "$TMEM" "$1" --help | awk -v f="$2" '
    on && /^                             [^ ]/ { sub(/^ +/, " "); line = line $0; next }
    on { exit }
    $1 == f { on = 1; line = $0 }
    END { print line }' |
    sed -n -e 's/ (default: [^)]*)$//' -e 's/^.*; one of: //' -e 's/;.*$//' -e 's/ | /\n/gp'
}
