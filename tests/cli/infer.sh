#!/bin/sh
# infer.sh — `tmem infer` end to end: the contract's JSON keys, figures
# written by hand here, and the error contract for bad options.
# Usage: infer.sh path/to/tmem
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/common.sh"

L2="infer llama-2-7b --batch 8 --prompt 2048 --gen 256 --weights fp16 --kv-dtype fp16 --gpu a100-80gb"
# weights 6,738,415,616 × 2; KV 8 × 2304 × 524,288 (hand figures, DESIGN.md / peers.md)
# shellcheck disable=SC2086
expect_json "llama-2-7b weights" weights 13476831232 $L2
# shellcheck disable=SC2086
expect_json "llama-2-7b kv" kv_cache 9663676416 $L2
# shellcheck disable=SC2086
expect_json "kv bytes per token" bytes_per_token 524288 $L2
# shellcheck disable=SC2086
expect_json "vLLM capacity (62,034,403,328 B / 8 MiB blocks × 16)" capacity_tokens 118320 $L2
# shellcheck disable=SC2086
expect_json "max concurrent sequences (7395 / 144)" max_concurrent_sequences 51 $L2
expect_json "Q4_K_M Llama-3-8B weights (llama.cpp rules by hand)" weights 4912898048 \
  infer llama-3-8b --weights q4_k_m --gpu rtx-4090 --engine hf
expect_json "tp 2 halves KV heads" bytes_per_token 65536 infer llama-3-8b --tp 2
expect_json "MLA latent cache" bytes_per_token 31104 infer deepseek-v2-lite

"$TMEM" infer llama-2-7b --json >"$TMP/i.json"
for k in schema_version tmem_version per_gpu_bytes weights gradients optimizer_states activations \
         temporary_buffers communication_buckets kv_cache framework_overhead total gpu memory_bytes fits \
         entries bytes_per_token capacity_tokens max_concurrent_sequences timing ttft_s tpot_s \
         decode_tokens_per_s; do
  if grep -q "\"$k\":" "$TMP/i.json"; then ok; else bad "infer --json lacks \"$k\""; fi
done
# not fitting is not an error: exit 0, fits false, and the limits that do fit
if "$TMEM" infer llama-3.1-405b --gpu rtx-4090 --json >"$TMP/big.json" 2>/dev/null &&
   grep -q '"fits": false' "$TMP/big.json" && grep -q '"max_batch": 0' "$TMP/big.json"; then ok
else bad "a model that does not fit: exit 0 and fits false"; fi
"$TMEM" infer llama-2-7b --gpu a10g --engine hf --batch 64 --prompt 4096 >"$TMP/t.txt"
if grep -q 'does NOT fit' "$TMP/t.txt" && grep -q 'what fits instead: batch' "$TMP/t.txt"; then ok
else bad "text verdict names what fits instead"; fi
"$TMEM" infer llama-2-7b --gpu t4 --batch 64 --prompt 4096 >"$TMP/t.txt"
if grep -q 'not even one short sequence fits: the weights alone take 12.55 GiB' "$TMP/t.txt"; then ok
else bad "text verdict when nothing fits"; fi
# HF on a T4 (15,360 MiB): 16,106,127,360 − 13,476,831,232 weights − 1 GiB context
# − 192,000 logits = 1,555,362,304 B for one sequence of prompt p + 128 generated:
# KV (p + 128) × 524,288 + prefill activation p × 82,432 → p = 2,452, context 2,580
expect_json "longest context on a T4" max_context 2580 infer llama-2-7b --gpu t4 --engine hf --batch 64 --prompt 4096
if "$TMEM" infer --help | grep -q "usage: tmem infer"; then ok; else bad "infer --help"; fi

expect_error "unknown weight format" "unknown weight format" infer llama-2-7b --weights int3
expect_error "unknown kv dtype" "unknown KV cache dtype" infer llama-2-7b --kv-dtype int4
expect_error "group size not dividing" "does not divide the input width 4096" infer llama-2-7b --weights int4 --group-size 100
expect_error "utilization above 1" "must be in (0, 1]" infer llama-2-7b --gpu-memory-utilization 1.5
expect_error "utilization 0" "must be in (0, 1]" infer llama-2-7b --gpu-memory-utilization 0
expect_error "utilization not a number" "is not a number" infer llama-2-7b --gpu-memory-utilization lots
expect_error "tp not dividing heads" "a divisor of n_head (32)" infer llama-2-7b --tp 3
expect_error "tp not dividing kv heads" "a divisor of n_kv_head (12)" infer llama-3-8b --tp 8 --kv-heads 12 --heads 24 --hidden 3072
expect_error "zero batch" "--batch is 0" infer llama-2-7b --batch 0
expect_error "absurd batch" "--batch is 1099511627776" infer llama-2-7b --batch 1099511627776
expect_error "zero prompt" "--prompt is 0" infer llama-2-7b --prompt 0
expect_error "pp larger than layers" "--pp is 40" infer llama-2-7b --pp 40
expect_error "pp layers not summing" "n_layer in total" infer llama-2-7b --pp 2 --pp-layers 10,20
expect_error "unknown gpu" "unknown GPU" infer llama-2-7b --gpu h300
expect_error "unknown engine" "must be vllm or hf" infer llama-2-7b --engine tgi

echo "infer: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
