#!/bin/sh
# plan_head.sh — the command `tmem plan` prints for its best layout runs as
# printed: for an encoder it carries the planned --head (cls:N, mlm), which
# tmem train needs (a bare encoder has no loss).
# Usage: plan_head.sh path/to/tmem
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/common.sh"

for c in "bert-base-uncased --head cls:2" "roberta-base --head mlm" "modernbert-base --head cls:5" \
         "llama-3-8b"; do
  # shellcheck disable=SC2086
  if ! "$TMEM" plan $c --gpu h100 --gpus 8 --seq 512 --global-batch 64 >"$TMP/plan" 2>"$TMP/err"; then
    bad "plan $c: $(cat "$TMP/err")"; continue
  fi
  cmd=$(sed -n 's/^#1 as a command: tmem //p' "$TMP/plan")
  if [ -z "$cmd" ]; then bad "plan $c: no '#1 as a command' line"; continue; fi
  case $c in
    *--head*) h=${c#*--head }; case " $cmd " in *" --head $h "*) ok ;; *) bad "plan $c: '$cmd' lacks --head $h" ;; esac ;;
  esac
  # shellcheck disable=SC2086
  if "$TMEM" $cmd >/dev/null 2>"$TMP/err"; then ok; else bad "plan $c: the printed '$cmd' fails: $(cat "$TMP/err")"; fi
done
summary plan_head
