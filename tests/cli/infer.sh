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
# capacity: 0.9 × 79.15 GiB CUDA-visible (84,986,665,369 B) − weights − forward 742,391,808
# − non-torch 256 MiB = 62,000,340,336 B / 8 MiB blocks = 7,391 × 16 (test_infer.c by hand)
# shellcheck disable=SC2086
expect_json "vLLM capacity (62,000,340,336 B / 8 MiB blocks × 16)" capacity_tokens 118256 $L2
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
"$TMEM" infer llama-2-7b --gpu t4 --batch 64 --prompt 3968 >"$TMP/t.txt"
if grep -q 'not even one short sequence fits: the weights alone take 12.55 GiB' "$TMP/t.txt"; then ok
else bad "text verdict when nothing fits"; fi
# HF on a T4 (CUDA-visible 14.75 GiB = 1475 × 2^30 / 100 = 15,837,691,904 B): − 13,476,831,232
# weights − 1 GiB context − 192,000 logits = 1,286,926,848 B for one sequence of prompt p + 128
# generated: KV (p + 128) × 524,288 + prefill activation p × 82,432 → p = 2,010, context 2,138
expect_json "longest context on a T4" max_context 2138 infer llama-2-7b --gpu t4 --engine hf --batch 64 --prompt 4096
if "$TMEM" infer --help | grep -q "usage: tmem infer"; then ok; else bad "infer --help"; fi

# issue 10: vLLM capacity as vLLM computes it, and a roofline that holds
"$TMEM" gpus >"$TMP/g.txt"
# h100-sxm: nvidia-smi 81,559 MiB = 79.65 GiB; CUDA-visible 79.19 GiB (mem_get_info, vLLM logs)
if grep -q '^h100-sxm .* 79.65 GiB  *79.19 GiB ' "$TMP/g.txt" && grep -q 'CUDA total' "$TMP/g.txt" &&
   grep -q '^l40s .* 44.46 GiB\*' "$TMP/g.txt"; then ok  # l40s: 46,068 − 542 MiB = 44.46 GiB, derived
else bad "tmem gpus shows the nvidia-smi and the CUDA-visible totals, derived ones starred"; fi
"$TMEM" gpus --json >"$TMP/g.json"
if grep -q '"cuda_memory_bytes": 85029615042' "$TMP/g.json"; then ok  # 7919 × 2^30 / 100
else bad "gpus --json has cuda_memory_bytes"; fi
if "$TMEM" infer --help | grep -q 'vLLM V1 engine, v0.10-v0.11'; then ok; else bad "infer --help names the vLLM version"; fi
# --max-num-seqs caps concurrency (the pool alone would hold 355 and more)
expect_json "concurrency capped by --max-num-seqs" max_concurrent_sequences 64 infer llama-3-8b --max-num-seqs 64
"$TMEM" infer llama-3-8b --batch 300 >"$TMP/t.txt"
if grep -q 'note: --batch 300 exceeds --max-num-seqs 256: vLLM runs 256 at once' "$TMP/t.txt"; then ok
else bad "a batch above --max-num-seqs is flagged"; fi
expect_error "context past max_position_embeddings" "--prompt + --gen is 100128 but must be at most the model's context, 8192 tokens" \
  infer llama-3-8b --prompt 100000
"$TMEM" infer llama-3-8b --prompt 100000 >"$TMP/o.txt" 2>"$TMP/e.txt"
if [ $? -eq 2 ] && [ ! -s "$TMP/o.txt" ] && [ "$(wc -l <"$TMP/e.txt")" -eq 2 ] &&
   grep -q '^tmem: hint: --allow-long-context plans past it' "$TMP/e.txt"; then ok
else bad "the context refusal: exit 2, nothing on stdout, an error line and a hint"; fi
if "$TMEM" infer llama-3-8b --prompt 100000 --allow-long-context --json >/dev/null; then ok
else bad "--allow-long-context plans past n_ctx"; fi
# a custom capacity says so and keeps the preset's speeds
"$TMEM" infer llama-3-8b --gpu-memory-mib 12288 >"$TMP/t.txt"
if grep -q 'on a custom 12288 MiB GPU timed as h100-sxm' "$TMP/t.txt" &&
   grep -q '12.00 GiB  (NVIDIA H100 SXM5 80GB, custom capacity, --gpu-memory-mib)' "$TMP/t.txt"; then ok
else bad "--gpu-memory-mib is named a custom capacity"; fi
# non-torch memory: 256 MiB at tp 1, 2 GiB at tp 2 (vLLM logs: ~0.25 / ~2 GiB)
expect_json "non-torch at tp 1" cuda_context_bytes 268435456 infer llama-3-8b
expect_json "non-torch at tp 2" cuda_context_bytes 2147483648 infer llama-3-8b --tp 2
# Gemma-2-9B: two KV groups of 21 layers, tokens = blocks × 16 / 2
expect_json "gemma-2 hybrid groups" groups 2 infer gemma-2-9b --max-model-len 8192
expect_json "gemma-2 blocks per sequence (512 full + 513 sliding)" blocks_per_sequence 1025 infer gemma-2-9b --max-model-len 8192

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
