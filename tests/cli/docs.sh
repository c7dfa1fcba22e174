#!/bin/sh
# docs.sh — one source for options and names: the committed man page is what
# the option tables generate (tmem __man), it documents every flag of every
# command in that command's section, and every named value a --help line
# lists is one the parser takes (and an unlisted one is refused with the
# same list). Usage: docs.sh path/to/tmem
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/common.sh"
ROOT=$(cd "$HERE/../.." && pwd)
MAN="$ROOT/docs/tmem.1"

# --- the committed man page is the generated one -----------------------------------------
if "$TMEM" __man >"$TMP/tmem.1" && cmp -s "$TMP/tmem.1" "$MAN"; then ok; else
  bad "docs/tmem.1 differs from 'tmem __man' (run 'make man'): $(diff "$MAN" "$TMP/tmem.1" | head -n 5)"
fi

# --- every flag of every command is in its man section (shared ones under MODEL) ------------
# man_section TITLE: the roff from '.SS TITLE' or '.SH TITLE' to the next heading
man_section() { awk -v t="$1" '/^\.S[HS] /{on = ($0 == ".SS " t || $0 == ".SH " t); next} on' "$MAN"; }
man_section MODEL >"$TMP/shared.roff"
n_flags=0
# in_section FLAGS ROFF WHERE: every flag listed in FLAGS has its .TP tag in ROFF
in_section() {
  while read -r flag; do
    n_flags=$((n_flags + 1))
    roff=$(printf '%s' "$flag" | sed 's/-/\\\\-/g')
    if grep -q "^\.BI\{0,1\} \"\{0,1\}${roff}[ \"]" "$2" || grep -qx "\.B $roff" "$2"; then ok
    else bad "man page: $flag is not in section $3"; fi
  done <"$1"
}
for c in params train plan infer serve inspect lab models gpus sweep; do
  man_section "tmem $c" >"$TMP/sec.roff"
  if [ ! -s "$TMP/sec.roff" ]; then bad "man page has no section 'tmem $c'"; continue; fi
  "$TMEM" $c --help >"$TMP/help.txt"
  # own options come before the 'architecture flags' heading, shared ones after it
  awk '/^architecture flags \(/{exit} /^  --/{print $1}' "$TMP/help.txt" >"$TMP/own"
  awk '/^architecture flags \(/{on=1} on && /^  --/{print $1}' "$TMP/help.txt" >"$TMP/shared"
  in_section "$TMP/own" "$TMP/sec.roff" "tmem $c"
  in_section "$TMP/shared" "$TMP/shared.roff" "MODEL (architecture flags of tmem $c)"
  if [ -s "$TMP/shared" ]; then
    if grep -q 'architecture flags' "$TMP/sec.roff"; then ok; else bad "man page: tmem $c does not point to the architecture flags"; fi
  fi
done
# 57 train + 24 shared, 29 infer + 24, 12 serve + 31 infer + 24, 4 params + 24, 5 inspect, 13 lab,
# 1 models, 2 gpus (and plan), then --format on each and --svg on params, train, infer, serve (13),
# 4 sweep
if [ "$n_flags" -eq 348 ]; then ok; else bad "checked $n_flags flag rows, want 348 (did a command gain an option? update this count)"; fi

# --- a --help line's named values are exactly what the parser takes ------------------------
# check_choices CMD FLAG "ARGS...": each listed value is accepted; a made-up one is refused
# with an error that lists the same values
check_choices() {
  cmd=$1 flag=$2 args=$3
  help_choices "$cmd" "$flag" >"$TMP/choices"
  n=$(wc -l <"$TMP/choices")
  if [ "$n" -lt 2 ]; then bad "$cmd --help: $flag lists $n values"; return; fi
  while read -r v; do
    # shellcheck disable=SC2086
    if "$TMEM" $cmd $args "$flag" "$v" --json >/dev/null 2>"$TMP/err"; then ok
    else bad "$cmd $flag $v is listed in --help but refused: $(cat "$TMP/err")"; fi
  done <"$TMP/choices"
  # shellcheck disable=SC2086
  "$TMEM" $cmd $args "$flag" no-such-value >/dev/null 2>"$TMP/err"
  listed=$(tr '\n' ' ' <"$TMP/choices")
  missing=""
  while read -r v; do grep -qF -- "$v" "$TMP/err" || missing="$missing $v"; done <"$TMP/choices"
  if [ -z "$missing" ]; then ok; else bad "$cmd $flag: the error for an unknown value lacks$missing (help lists: $listed)"; fi
}
check_choices train --precision "llama-2-7b"
check_choices train --optimizer "llama-2-7b"
check_choices train --recompute "llama-2-7b"
check_choices train --attention "llama-2-7b"
check_choices train --fsdp "llama-2-7b --gpus 8"
check_choices train --offload "llama-2-7b --zero 3 --gpus 8"
check_choices train --dropout "llama-2-7b"
check_choices infer --kv-dtype "llama-2-7b"
check_choices infer --mamba-cache-dtype "granite-4.0-h-small"
check_choices infer --mamba-ssm-cache-dtype "granite-4.0-h-small"
check_choices infer --engine "llama-2-7b"
check_choices infer --attention "llama-2-7b"
# the GPU and family lists name every preset (tmem gpus) and family; the parsers take each
help_choices infer --gpu >"$TMP/gpus"
"$TMEM" gpus | awk 'NR > 1 && /^[a-z0-9]/ {print $1}' >"$TMP/gpus.listed"
if cmp -s "$TMP/gpus" "$TMP/gpus.listed"; then ok; else bad "infer --help --gpu list differs from tmem gpus"; fi
while read -r g; do
  if "$TMEM" infer llama-2-7b --gpu "$g" --json >/dev/null 2>&1 &&
     "$TMEM" train llama-2-7b --gpu "$g" --json >/dev/null 2>&1; then ok; else bad "--gpu $g refused"; fi
done <"$TMP/gpus"
help_choices params --family >"$TMP/families"
if [ "$(wc -l <"$TMP/families")" -ge 19 ]; then ok; else bad "params --help lists $(wc -l <"$TMP/families") families"; fi
while read -r fam; do
  if "$TMEM" params --family "$fam" --max-pos 64 --hidden 256 --layers 2 --heads 4 --kv-heads 4 --vocab 100 --ffn 512 \
       --experts 4 --experts-per-token 2 --expert-ffn 128 --kv-lora-rank 64 --qk-nope-dim 32 --qk-rope-dim 16 \
       --v-head-dim 32 --json >/dev/null 2>"$TMP/err"; then ok
  else bad "--family $fam listed but refused: $(cat "$TMP/err")"; fi
done <"$TMP/families"
# --weights: every named format, and the ggml types after it, are taken
help_choices infer --weights >"$TMP/wf"
"$TMEM" infer --help | awk '$1 == "--weights" {on = 1} on' | tr -d '\n' | sed -n 's/.*ggml type[^:]*: //; s/ (default.*//; s/  */ /g; s/ | /\n/gp' >"$TMP/ggml"
if grep -qx fp8-block "$TMP/wf" && grep -qx Q4_K "$TMP/ggml"; then ok; else bad "infer --help --weights lacks fp8-block or Q4_K"; fi
cat "$TMP/wf" "$TMP/ggml" | while read -r w; do
  if "$TMEM" infer llama-2-7b --weights "$w" --json >/dev/null 2>"$TMP/err"; then echo ok; else echo "bad $w: $(cat "$TMP/err")"; fi
done >"$TMP/wres"
if ! grep -q '^bad' "$TMP/wres" && [ "$(wc -l <"$TMP/wres")" -ge 40 ]; then ok; else bad "--weights: $(grep '^bad' "$TMP/wres" | head -n 3) ($(wc -l <"$TMP/wres") values)"; fi

summary docs
