#!/bin/sh
# serve_pool.sh — tmem serve ENCODER: vLLM's pooling runner end to end (the
# core's figures by hand in tests/unit/test_serve_pool.c), the JSON keys an
# encoder run adds or nulls, and every refusal in the error contract.
# Usage: serve_pool.sh path/to/tmem
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/common.sh"

# bert-base-uncased, 4 × 128 tokens at t = 0 on h100-sxm: the largest step's
# forward 8192 × (3·768 + 2·3072) × 2 B = 138,412,032; 256 pooled rows ×
# 768 × 2 B = 393,216; one step runs all four
B="bert-base-uncased --gpu h100-sxm --requests 4 --prompt-len 128"
expect_json "encoder serve: the largest step's forward" activations 138412032 serve $B
expect_json "encoder serve: pooled rows" temporary_buffers 393216 serve $B
expect_json "encoder serve: no KV cache" kv_cache 0 serve $B
expect_json "encoder serve: one step" steps 1 serve $B
expect_json "encoder serve: output values" output_values_per_request 768 serve $B
expect_json "encoder serve: cls:3 outputs" output_values_per_request 3 serve $B --head cls:3
"$TMEM" serve $B --json >"$TMP/p.json" 2>"$TMP/p.err"
if grep -q '"tpot_ms": null' "$TMP/p.json" && grep -q '"itl_ms": null' "$TMP/p.json"; then ok; else bad "encoder serve: tpot_ms and itl_ms are not null"; fi
"$TMEM" serve $B >"$TMP/p.txt" 2>&1
if grep -q "^  TTFT = E2E " "$TMP/p.txt" && grep -q "^headroom: " "$TMP/p.txt" &&
   grep -q "no KV cache (encoder-only attention), prompts whole (no chunked prefill)" "$TMP/p.txt"; then ok
else bad "encoder serve text: $(cat "$TMP/p.txt")"; fi
# the other supported families run; a trace works as for decoders
for m in roberta-base xlm-roberta-base modernbert-base; do
  if "$TMEM" serve $m --requests 20 --rate 50 --prompt-len uniform:16:256 >/dev/null 2>"$TMP/e"; then ok; else bad "serve $m: $(cat "$TMP/e")"; fi
done
printf '0,100,1\n0.001,200,1\n' >"$TMP/t.csv"
expect_json "encoder serve: a trace" steps 2 serve bert-base-uncased --trace "$TMP/t.csv"

# refusals, as vLLM refuses
expect_error "budget under max_model_len" "^tmem: error: --max-num-batched-tokens: --max-num-batched-tokens is 256 but must be at least max_model_len (512)" serve bert-base-uncased --max-num-batched-tokens 256
expect_error "budget under max_num_seqs" "^tmem: error: --max-num-batched-tokens: .*at least --max-num-seqs (1024)" serve bert-base-uncased --max-num-batched-tokens 512 --max-num-seqs 1024
expect_error "a prompt past max_model_len" "^tmem: error: request 1: has a prompt longer than max_model_len" serve bert-base-uncased --prompt-len 600 --requests 2 --allow-long-context
expect_error "--prompt past max_position_embeddings" "^tmem: error: --prompt: " serve bert-base-uncased --prompt 600
expect_error "DeBERTa is not served by vLLM" "^tmem: error: model: vLLM does not serve DeBERTa-v2/v3: its supported pooling models" serve deberta-v3-base
expect_error "an MLM head is no pooling task" "^tmem: error: --head: vLLM's pooling runner returns pooled embeddings or class logits" serve roberta-base --head mlm
expect_error "--output-len" "^tmem: error: --output-len: an encoder generates nothing" serve bert-base-uncased --output-len 8
expect_error "--gen" "^tmem: error: --gen: an encoder generates nothing" serve bert-base-uncased --gen 8
expect_error "--slo-tpot-ms" "^tmem: error: --slo-tpot-ms: an encoder generates nothing" serve bert-base-uncased --slo-tpot-ms 5
expect_error "--prefix-cache-hit" "^tmem: error: --prefix-cache-hit: vLLM turns prefix caching off" serve bert-base-uncased --prefix-cache-hit 0.5
expect_error "--sweep-rate" "^tmem: error: --sweep-rate: not built for an encoder yet" serve bert-base-uncased --sweep-rate 1:10:3
expect_error "--engine sglang" "^tmem: error: --engine: an encoder is modeled as one forward.*sglang, trtllm, llama.cpp: not modeled" serve bert-base-uncased --engine sglang
expect_error "--attention naive" "^tmem: error: --attention: vLLM runs encoder-only attention in its flash backend" serve bert-base-uncased --attention naive
summary serve_pool
