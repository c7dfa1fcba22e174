#!/bin/sh
# published.sh — the issue's goals over the published training tables:
# the median |error| of tmem's tokens/s/GPU over every row of
# tests/accuracy/train_published.tsv within 15 %, and peak.reserved within
# 10 % on every memory row of tests/accuracy/train_memory.tsv that tmem can
# express (bound 10 %). The rows themselves (each a check against its own
# bound, with its source quoted in the row file) run in tests/cli/accuracy.sh
# (tests/accuracy/gen.py); this suite recomputes the two medians from the
# same rows with this tmem, so neither goal rests on a written-down number.
# Usage: published.sh path/to/tmem
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/common.sh"
ROOT=$(cd "$HERE/../.." && pwd)

# the first number of KEY inside the top-level object SECTION ("timing", "peak")
sec_num() { sed -n "/^  \"$2\": {/,/^  }/s/^ *\"$3\": \([-0-9.e+]*\),\{0,1\}\$/\1/p" "$1" | head -n 1; }

# errs ROWS OUT: |error| % of every row (path timing.* or peak.*), and its bound, into OUT
errs() {
  : >"$2"
  grep -v '^#' "$1" | tail -n +2 >"$TMP/rows"
  while IFS="$(printf '\t')" read -r _src setting pub _unit cmd path scale _digits bound; do
    # shellcheck disable=SC2086
    if ! "$TMEM" $cmd --json >"$TMP/out" 2>"$TMP/err"; then
      bad "$setting: tmem $cmd: $(cat "$TMP/err")"
      continue
    fi
    v=$(sec_num "$TMP/out" "${path%%.*}" "${path#*.}")
    if [ -z "$v" ]; then bad "$setting: no $path in tmem's JSON"; continue; fi
    awk -v v="$v" -v s="$scale" -v p="$pub" -v b="$bound" \
      'BEGIN { e = (v * s / p - 1) * 100; if (e < 0) e = -e; printf "%.3f %s\n", e, b }' >>"$2"
  done <"$TMP/rows"
}
med() { sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

errs "$ROOT/tests/accuracy/train_published.tsv" "$TMP/tok"
n=$(wc -l <"$TMP/tok")
m=$(awk '{ print $1 }' "$TMP/tok" >"$TMP/tok1"; med "$TMP/tok1")
x=$(sort -n "$TMP/tok1" | tail -n 1)
echo "  tokens/s/GPU: $n rows, median |error| $m %, max $x %"
if [ "$n" -ge 40 ]; then ok; else bad "train_published.tsv has $n rows, want at least 40"; fi
if awk -v m="$m" 'BEGIN { exit !(m <= 15) }'; then ok; else bad "median tokens/s/GPU error $m % > 15 %"; fi

errs "$ROOT/tests/accuracy/train_memory.tsv" "$TMP/mem"
awk '$2 != "-" && $2 <= 10 { print $1 }' "$TMP/mem" >"$TMP/mem1"
k=$(wc -l <"$TMP/mem1")
echo "  peak.reserved: $(wc -l <"$TMP/mem") rows, $k that tmem expresses: median |error| $(med "$TMP/mem1") %, max $(sort -n "$TMP/mem1" | tail -n 1) %"
if [ "$k" -ge 4 ]; then ok; else bad "only $k expressible memory rows"; fi
if awk '$1 > 10 { exit 1 }' "$TMP/mem1"; then ok; else bad "an expressible memory row is over 10 %"; fi
summary published
