#!/bin/sh
# serve_mm.sh — `tmem serve --images` end to end: the encoder budget and
# cache in the JSON settings (hand figures of test_serve_mm.c), every image
# encoded once, and the error contract: --images on a text-only model, an
# image larger than vLLM's encoder budget, Llama 3.2 Vision (vLLM V1 has no
# encoder-decoder runner), engines whose encoder scheduling is not modelled.
# Usage: serve_mm.sh path/to/tmem
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/common.sh"

# llava-1.5-7b, 1 image of 576 tokens: budget = cache = max(8192, 576); the
# profile encodes 8192 // 576 = 14 images, each padded to the budget's rows:
# 14 × 8192 × 4096 × 2 B held
"$TMEM" serve llava-1.5-7b --images 1 --requests 20 --prompt-len 64 --output-len 16 --json \
  >"$TMP/l.json" 2>/dev/null
for kv in images:1 image_tokens:576 encoder_budget_tokens:8192 encoder_cache_tokens:8192 \
          encoder_profile_images:14 encoder_cache_bytes:939524096 encoder_runs:20; do
  k=${kv%%:*} want=${kv#*:}
  got=$(json_num "$TMP/l.json" "$k")
  if [ "$got" = "$want" ]; then ok; else bad "llava serve --images: $k $got, want $want"; fi
done
# Qwen2.5-VL 448x644: round(448/28) · round(644/28) = 16 · 23 = 368 tokens an
# image; its largest image (max_pixels) is 16384 tokens: budget 16384
"$TMEM" serve qwen2.5-vl-7b --images 2 --image-size 448x644 --requests 10 --prompt-len 32 \
  --output-len 8 --json >"$TMP/q.json"
for kv in image_tokens:368 encoder_budget_tokens:16384 encoder_profile_images:1 encoder_runs:20; do
  k=${kv%%:*} want=${kv#*:}
  got=$(json_num "$TMP/q.json" "$k")
  if [ "$got" = "$want" ]; then ok; else bad "qwen2.5-vl serve --images: $k $got, want $want"; fi
done

# a vision-language preset's reader note ("tmem: note: model_type ...") comes
# first on stderr; then the one error line
expect_error_noted() {
  desc=$1 pat=$2
  shift 2
  "$TMEM" "$@" >"$TMP/out" 2>"$TMP/err"
  rc=$?
  n=$(grep -c '^tmem: error: ' "$TMP/err")
  others=$(grep -v -e '^tmem: error: ' -e '^tmem: hint: ' -e '^tmem: note: ' "$TMP/err" | wc -l)
  if [ $rc -eq 2 ] && [ ! -s "$TMP/out" ] && [ "$n" -eq 1 ] && [ "$others" -eq 0 ] &&
     grep -qF "tmem: error: $pat" "$TMP/err"; then ok; else bad "$desc: exit $rc: $(cat "$TMP/err")"; fi
}

expect_error "images on a text model" "--images: the model has no vision tower" \
  serve llama-3-8b --images 1
expect_error "image above the encoder budget" \
  "--image-size: an image of 20449 tokens is larger than vLLM's encoder budget" \
  serve qwen2.5-vl-7b --images 1 --image-size 4000x4000
expect_error "qwen2.5-vl without a size" "--image-size" serve qwen2.5-vl-7b --images 1
expect_error_noted "mllama" "model: Llama 3.2 Vision (cross-attention layers): no engine tmem serve simulates runs it: vLLM V1 does not (vllm-project/vllm#24907" serve llama-3.2-11b-vision --images 1
expect_error "images under sglang" "--images: serve schedules images' encoder runs as vLLM V1" \
  serve llava-1.5-7b --images 1 --engine sglang
expect_error "image size alone" "--image-size: needs --images" serve qwen2.5-vl-7b --image-size 448x448
expect_error_noted "images with prefix hits" "--images: images need chunked prefill, no prefix-cache hits" \
  serve llava-1.5-7b --images 1 --prefix-cache-hit 0.5

summary serve_mm
