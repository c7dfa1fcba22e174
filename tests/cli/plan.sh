#!/bin/sh
# plan.sh — `tmem plan` end to end: the JSON document's keys, the first
# layout run back through `tmem train` (same peak and step time), the text
# answer's parts, constraints as flags, and the error contract (one
# "tmem: error:" line, exit 2, empty stdout). Usage: plan.sh path/to/tmem
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/common.sh"

P="plan llama-2-7b --gpus 8 --gpu h100-sxm --seq 4096 --global-batch 64"
# shellcheck disable=SC2086
if "$TMEM" $P --json >"$TMP/p.json" 2>"$TMP/err"; then ok; else bad "plan --json: $(cat "$TMP/err")"; fi
for k in schema_version command model gpu gpus global_batch capacity_bytes evaluated fitting elapsed_s layouts \
         rank plan per_gpu_bytes total timing step_s tokens_per_s tokens_per_s_per_gpu mfu hfu compute_s comm_s \
         bubble_fraction recompute_s offload_s; do
  if grep -q "\"$k\":" "$TMP/p.json"; then ok; else bad "plan --json lacks \"$k\""; fi
done
# the first layout, asked of tmem train with the command the text prints
# shellcheck disable=SC2086
"$TMEM" $P >"$TMP/p.txt"
cmd=$(sed -n 's/^#1 as a command: tmem //p' "$TMP/p.txt")
if [ -n "$cmd" ]; then ok; else bad "plan text lacks '#1 as a command'"; fi
# shellcheck disable=SC2086
"$TMEM" $cmd --json >"$TMP/t.json" 2>"$TMP/err" || bad "train $cmd: $(cat "$TMP/err")"
want=$(sed -n 's/^ *"total": \([0-9]*\),*$/\1/p' "$TMP/p.json" | head -n 1)
got=$(sed -n '/"per_gpu_bytes"/,/}/s/^ *"total": \([0-9]*\),*$/\1/p' "$TMP/t.json" | head -n 1)
if [ -n "$want" ] && [ "$want" = "$got" ]; then ok; else bad "plan's first peak $want, train says $got"; fi
ws=$(sed -n 's/^ *"step_s": \([0-9.e+-]*\),*$/\1/p' "$TMP/p.json" | head -n 1)
gs=$(sed -n 's/^ *"step_s": \([0-9.e+-]*\),*$/\1/p' "$TMP/t.json" | head -n 1)
if [ -n "$ws" ] && [ "$ws" = "$gs" ]; then ok; else bad "plan's first step $ws s, train says $gs s"; fi
for s in "layouts evaluated" "why #1 beats #2" "tok/s/GPU"; do
  if grep -q "$s" "$TMP/p.txt"; then ok; else bad "plan text lacks '$s'"; fi
done
# constraints: no layout above --tp-max, none offloaded with --no-offload
# shellcheck disable=SC2086
"$TMEM" plan llama-2-13b --gpus 16 --gpu a100-40gb --seq 4096 --global-batch 64 --tp-max 2 --no-offload --top 64 --json >"$TMP/c.json"
if grep -q '"tp": [3-9]' "$TMP/c.json" || grep -q '"tp": [1-9][0-9]' "$TMP/c.json"; then bad "--tp-max 2 exceeded"; else ok; fi
if grep -q '"offload": "\(optimizer\|params\)"' "$TMP/c.json"; then bad "--no-offload offloaded"; else ok; fi
# MoE: expert parallel among the layouts
"$TMEM" plan mixtral-8x7b --gpus 16 --gpu h100-sxm --seq 4096 --global-batch 64 --top 64 --json >"$TMP/m.json"
if grep -q '"ep": [2-9]' "$TMP/m.json"; then ok; else bad "mixtral plan has no ep > 1 layout"; fi
# nothing fits: a sentence, exit 0
if "$TMEM" plan deepseek-v3 --gpus 2 --gpu h100-sxm --seq 4096 --global-batch 2 | grep -q "no layout fits"; then ok
else bad "deepseek-v3 on 2 GPUs: no 'no layout fits'"; fi

expect_error "plan without --gpus" "--gpus: is required" plan llama-2-7b --gpu h100-sxm --seq 4096 --global-batch 8
expect_error "plan without --gpu" "--gpu: is required" plan llama-2-7b --gpus 8 --seq 4096 --global-batch 8
expect_error "plan without --global-batch" "--global-batch: is required" plan llama-2-7b --gpus 8 --gpu h100-sxm --seq 4096
expect_error "plan bad GPU" "unknown GPU" plan llama-2-7b --gpus 8 --gpu h200x --seq 4096 --global-batch 8
expect_error "plan bad headroom" "--headroom" plan llama-2-7b --gpus 8 --gpu h100-sxm --seq 4096 --global-batch 8 --headroom 1.5
expect_error "plan bad nodes" "--nodes: must divide" plan llama-2-7b --gpus 8 --gpu h100-sxm --seq 4096 --global-batch 8 --nodes 3
expect_error "plan bad top" "--top" plan llama-2-7b --gpus 8 --gpu h100-sxm --seq 4096 --global-batch 8 --top 0
expect_error "plan bad precision" "unknown precision policy" plan llama-2-7b --gpus 8 --gpu h100-sxm --seq 4096 --global-batch 8 --precision fp9
expect_error "train bad efficiency" "--efficiency" train llama-2-7b --efficiency 2
expect_error "train cost without tokens" "--gpu-hour-usd" train llama-2-7b --gpu-hour-usd 2
expect_error "train nodes not dividing" "--nodes: must divide" train llama-2-7b --gpus 8 --nodes 3
expect_error "train float8 on a GPU without fp8" "--float8" train llama-2-7b --gpu a100-80gb --float8
if "$TMEM" plan --help | grep -q "usage: tmem plan"; then ok; else bad "plan --help"; fi

echo "plan: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
