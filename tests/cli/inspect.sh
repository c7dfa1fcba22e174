#!/bin/sh
# inspect.sh — end-to-end tests of `tmem inspect` and of checkpoints as
# MODEL: files written by build/tests/test_ckpt_fixtures (from the format
# specs, sparse), read back exactly; their totals equal `tmem params` on the
# matching config.json; a GGUF or a folder of bare safetensors works as
# MODEL; each malformed file is one "tmem: error: <file>:<field>: at byte N:"
# line, exit 2, nothing on stdout. Where node and tests/npm's
# @huggingface/gguf are installed, the GGUF reader is cross-checked against
# that independent parser. Usage: inspect.sh path/to/tmem
HERE=$(cd "$(dirname "$0")" && pwd)
EXPECT_FIXED=1 # this suite's error patterns are literal text
. "$HERE/lib/common.sh"
ROOT=$(cd "$HERE/../.." && pwd)
# the fixture writer sits beside the tmem under test (a valgrind wrapper names it)
GEN="$(dirname "${TMEM_UNDER_VALGRIND:-$TMEM}")/tests/test_ckpt_fixtures"

json_bool() { sed -n "s/^ *\"$2\": \(true\|false\),\{0,1\}\$/\1/p" "$1" | head -n 1; }

# run_json OUT CMD...: tmem CMD --json into OUT, exit 0 expected
run_json() {
  out=$1
  shift
  if ! "$TMEM" "$@" --json >"$out" 2>"$TMP/err"; then
    bad "$*: exit $? ($(cat "$TMP/err"))"
    return 1
  fi
}

expect_eq() { if [ "$2" = "$3" ]; then ok; else bad "$1: '$2', want '$3'"; fi; }


if [ ! -x "$GEN" ]; then
  echo "FAIL: $GEN is missing (make test builds it)"
  echo "inspect: 0 passed, 1 failed"
  exit 1
fi
FX="$TMP/fx"
"$GEN" --write "$FX" || { echo "FAIL: fixture writer"; echo "inspect: 0 passed, 1 failed"; exit 1; }

# --- what was written is what is read --------------------------------------------------
while read -r name params bytes; do
  run_json "$TMP/i.json" inspect "$FX/$name" || continue
  expect_eq "$name total_params" "$(json_num "$TMP/i.json" total_params)" "$params"
  expect_eq "$name total_bytes" "$(json_num "$TMP/i.json" total_bytes)" "$bytes"
  expect_eq "$name agrees with its formula" "$(json_bool "$TMP/i.json" matches)" true
done <"$FX/expect.txt"

# --- the headers' count equals `tmem params` on the matching config ----------------------
same_as_config() { # CHECKPOINT CONFIG
  run_json "$TMP/i.json" inspect "$FX/$1" || return
  run_json "$TMP/p.json" params "$FX/$2" || return
  expect_eq "$1 = params $2" "$(json_num "$TMP/i.json" compared_params)" \
    "$(json_num "$TMP/p.json" total_params)"
}
same_as_config llama config-llama.json
same_as_config llama-sharded config-llama.json
same_as_config llama-nocfg config-llama.json
same_as_config llama.gguf config-llama.json
same_as_config llama-v2.gguf config-llama.json
same_as_config qwen2.gguf config-qwen2.json
# llama.cpp's mamba and bert GGUFs at the published checkpoints' shapes = the
# presets (the HF configs): mamba-130m 129,135,360; bert-base-uncased without
# the pooler convert_hf_to_gguf.py drops, 109,482,240 - 590,592 = 108,891,648
same_as_preset() { # CHECKPOINT PRESET [FLAGS]
  f=$1
  shift
  run_json "$TMP/i.json" inspect "$FX/$f" || return
  run_json "$TMP/p.json" params "$@" || return
  expect_eq "$f = params $*" "$(json_num "$TMP/i.json" compared_params)" \
    "$(json_num "$TMP/p.json" total_params)"
}
same_as_preset mamba-130m.gguf mamba-130m
expect_eq "mamba-130m.gguf is the published 129,135,360" "$(json_num "$TMP/i.json" compared_params)" 129135360
same_as_preset bert-base.gguf bert-base-uncased --head none
expect_eq "bert-base.gguf is 109,482,240 less the pooler" "$(json_num "$TMP/i.json" compared_params)" 108891648
# llama.cpp's hybrids = the presets: granite-4.0-h-tiny 6,939,037,248 (HF
# safetensors metadata), Qwen3-Coder-Next 79,674,391,296 (HF total)
same_as_preset granite-4.0-h-tiny.gguf granite-4.0-h-tiny
expect_eq "granite-4.0-h-tiny.gguf is the published 6,939,037,248" "$(json_num "$TMP/i.json" compared_params)" 6939037248
same_as_preset qwen3-next.gguf qwen3-coder-next
expect_eq "qwen3-next.gguf is the published 79,674,391,296" "$(json_num "$TMP/i.json" compared_params)" 79674391296
same_as_config dsv3.gguf config-dsv3.json
same_as_config dsv3-nocfg config-dsv3.json

# the sharded checkpoint: 3 files, the index's total_size
run_json "$TMP/i.json" inspect "$FX/llama-sharded" &&
  expect_eq "index total_size" "$(json_num "$TMP/i.json" total_size)" \
    "$(json_num "$TMP/i.json" total_bytes)"
expect_eq "three shards" "$(grep -c '"tensor_count"' "$TMP/i.json")" 4
# dtypes: bytes by dtype (llama: BF16 matrices, F32 inv_freq buffers 3 × 8 × 4)
expect_eq "dtypes F32 bytes" "$(json_num "$TMP/i.json" F32)" 96
# GPT-2's mask buffers are "other": 2 layers × 64 × 64
run_json "$TMP/i.json" inspect "$FX/gpt2" && expect_eq "gpt2 other" "$(json_num "$TMP/i.json" other)" 8192

# --- checkpoints as MODEL -----------------------------------------------------------------
run_json "$TMP/a.json" params "$FX/llama.gguf" && run_json "$TMP/b.json" params "$FX/config-llama.json" &&
  expect_eq "params on a .gguf" "$(json_num "$TMP/a.json" total_params)" "$(json_num "$TMP/b.json" total_params)"
run_json "$TMP/a.json" params "$FX/llama-nocfg" &&
  expect_eq "params on a folder of bare safetensors" "$(json_num "$TMP/a.json" total_params)" \
    "$(json_num "$TMP/b.json" total_params)"
run_json "$TMP/b.json" params "$FX/config-dsv3.json"
run_json "$TMP/a.json" params "$FX/dsv3.gguf" &&
  expect_eq "params on a DeepSeek .gguf: active" "$(json_num "$TMP/a.json" active_params)" \
    "$(json_num "$TMP/b.json" active_params)"
run_json "$TMP/a.json" params "$FX/dsv3-nocfg" --experts-per-token 2 &&
  expect_eq "bare DeepSeek safetensors + --experts-per-token" "$(json_num "$TMP/a.json" active_params)" \
    "$(json_num "$TMP/b.json" active_params)"
expect_error "bare MoE safetensors need the top-k" "n_expert_used" params "$FX/dsv3-nocfg"

# --- weights as stored: infer on quantized checkpoints (Llama-3-8B, hand figures) ------------
# GPTQ 4-bit g128: 6,979,321,856 matrix weights / 2 = 3,489,660,928 qweight
# + 32 layers × (1,703,936 groups·out × 2.5 B + 38,912 inputs × 4 B g_idx) = 141,295,616
# + (2 × 525,336,576 embed/lm_head + 266,240 norms) × 2 B fp16 = 2,101,878,784
expect_json "GPTQ checkpoint as stored" weights 5732835328 infer "$FX/llama3-8b-gptq"
# FP8 block 128x128: 6,979,321,856 × 1 B + 32 × 13,312 blocks × 4 B + the same bf16 rest
expect_json "FP8 checkpoint as stored" weights 9082904576 infer "$FX/llama3-8b-fp8"
# Q4_K_M, tensor by tensor: Q4_K 6,498,025,472 / 256 × 144 B + Q6_K (output, 16 layers' attn_v and
# ffn_down) 1,531,969,536 / 256 × 210 B + F32 266,240 × 4 B (= infer.sh's --weights q4_k_m figure)
expect_json "Q4_K_M GGUF as stored (llama.cpp's per-tensor types)" weights 4912898048 infer "$FX/llama3-8b-q4km.gguf"
expect_json "AWQ as stored (GPTQ less 32 × 155,648 B g_idx)" weights 5727854592 infer "$FX/llama3-8b-awq"
expect_json "--weights overrides: 8,030,261,248 × 2 B" weights 16060522496 infer "$FX/llama3-8b-gptq" --weights bf16
# the config alone: its quantization_config over the matrices transformers converts, the rest
# in torch_dtype float16 — the same hand figure, without reading a tensor
expect_json "a config.json's quantization_config alone" weights 5732835328 infer "$FX/llama3-8b-gptq/config.json"
if "$TMEM" infer "$FX/llama3-8b-q4km.gguf" >"$TMP/t.txt" 2>&1 &&
  grep -q '^weights Q4_K_M as stored (GGUF tensor types) · KV bf16' "$TMP/t.txt" &&
  grep -q 'Q6_K tensors  *1.17 GiB  *1,256,693,760 B' "$TMP/t.txt"; then ok; else bad "infer text names the stored format: $(cat "$TMP/t.txt")"; fi
run_json "$TMP/w.json" infer "$FX/llama3-8b-gptq" &&
  expect_eq "weights_source" "$(sed -n 's/^ *"weights_source": "\(.*\)",\{0,1\}$/\1/p' "$TMP/w.json")" \
    "config.json quantization_config, safetensors dtypes"
run_json "$TMP/w.json" infer "$FX/llama3-8b-gptq" --weights int4 &&
  expect_eq "weights_source with --weights" "$(sed -n 's/^ *"weights_source": "\(.*\)",\{0,1\}$/\1/p' "$TMP/w.json")" "--weights"
expect_error "unknown quant_method" "quantization_config.quant_method: 'hqq' is not a method tmem reads" infer "$FX/q-unknown"
expect_error "bnb 4 and 8 bit" "load_in_4bit: and load_in_8bit are both true" infer "$FX/q-bnb-both"
expect_error "gptq bits" "quantization_config.bits: is 5 but gptq packs 2, 3, 4 or 8 bits" infer "$FX/q-gptq-bits"
expect_error "gptq config, fp8 tensors" "q_proj.weight: at byte 128: is stored as F8_E4M3, which contradicts" infer "$FX/q-gptq-on-fp8"
expect_error "fp8 blocks of 64" "weight_block_size: is [64, 64]" infer "$FX/q-fp8-block"
expect_error "qweight without a config" "no quantization_config in a config.json beside it" infer "$FX/q-none-gptq"

# inspect: logical parameters, the overhead its own line
run_json "$TMP/i.json" inspect "$FX/llama3-8b-gptq" &&
  expect_eq "GPTQ logical params = Meta's 8,030,261,248" "$(json_num "$TMP/i.json" total_params)" 8030261248 &&
  expect_eq "GPTQ scales, zeros, g_idx" "$(json_num "$TMP/i.json" quant_overhead_bytes)" 141295616 &&
  expect_eq "GPTQ agrees with the formula" "$(json_bool "$TMP/i.json" matches)" true
run_json "$TMP/i.json" inspect "$FX/llama3-8b-fp8" &&
  expect_eq "FP8 params without its scales" "$(json_num "$TMP/i.json" total_params)" 8030261248 &&
  expect_eq "FP8 weight_scale_inv bytes (32 × 13,312 × 4)" "$(json_num "$TMP/i.json" quant_overhead_bytes)" 1703936
for q in awq nf4 w4a16; do
  run_json "$TMP/i.json" inspect "$FX/llama3-8b-$q" &&
    expect_eq "$q logical params" "$(json_num "$TMP/i.json" total_params)" 8030261248
done

# a .safetensors file as MODEL reads the config.json beside it: Llama-3.2-1B's 32 × 64 heads,
# so at tp 8 one KV head of 64 per GPU: 2 × 16 layers × 1 × 64 × 2 B = 4,096 B per token
expect_json "sibling config.json: 8 KV heads of 64" bytes_per_token 4096 infer "$FX/llama32-1b/model.safetensors" --tp 8
# without it the split is guessed (8 × ... of 128: one replicated head of 128 at tp 8 = 8,192 B),
# and the guess is a note on stderr
if "$TMEM" infer "$FX/llama32-1b-nocfg/model.safetensors" --tp 8 --json >"$TMP/g.json" 2>"$TMP/g.err" &&
  [ "$(json_num "$TMP/g.json" bytes_per_token)" = 8192 ] &&
  grep -q '^tmem: note: d_head 128 is a guess' "$TMP/g.err"; then ok
else bad "a guessed head split is a note: $(cat "$TMP/g.err")"; fi
# flags that answer the guess: the config's figure again, and no note
if "$TMEM" infer "$FX/llama32-1b-nocfg/model.safetensors" --tp 8 --head-dim 64 --heads 32 --kv-heads 8 --json >"$TMP/g.json" 2>"$TMP/g.err" &&
  [ "$(json_num "$TMP/g.json" bytes_per_token)" = 4096 ] && [ ! -s "$TMP/g.err" ]; then ok
else bad "--head-dim answers the guess: $(cat "$TMP/g.err")"; fi

# --- text reports and the check's lines ----------------------------------------------------
if "$TMEM" inspect "$FX/llama" >"$TMP/t.txt" 2>&1 &&
  grep -q 'only they are read, never the tensor data' "$TMP/t.txt" &&
  grep -q 'ok       total: 275,904 params in the headers = 275,904 by formula' "$TMP/t.txt" &&
  grep -q 'rotary-embedding buffer' "$TMP/t.txt" &&
  grep -q 'verdict: the headers agree with the formula' "$TMP/t.txt"; then ok; else bad "inspect text: $(cat "$TMP/t.txt")"; fi
if "$TMEM" inspect "$FX/llama" --config "$FX/config-llama-tied.json" >"$TMP/t.txt" 2>&1 &&
  grep -q 'DIFFERS  .*ties the embeddings but the checkpoint also stores an lm_head (64,000 params)' "$TMP/t.txt" &&
  grep -q 'verdict: the headers and the formula differ' "$TMP/t.txt"; then ok; else bad "inspect --config differs: $(cat "$TMP/t.txt")"; fi
if "$TMEM" inspect "$FX/qwen2.gguf" --tensors >"$TMP/t.txt" 2>&1 &&
  grep -q '^blk.0.attn_q.bias  *attention  *F32  *\[256\]' "$TMP/t.txt" &&
  grep -q 'tied embeddings: no lm_head tensor' "$TMP/t.txt"; then ok; else bad "inspect --tensors: $(cat "$TMP/t.txt")"; fi
"$TMEM" inspect --help >"$TMP/h.txt" 2>&1 && grep -q '^usage: tmem inspect PATH' "$TMP/h.txt" && ok || bad "inspect --help"

# --- the error contract --------------------------------------------------------------------
while read -r file pattern; do
  expect_error "malformed $file" "$FX/bad/$pattern" inspect "$FX/bad/$file"
done <"$FX/bad/cases.txt"
expect_error "malformed file as MODEL" "overlap.safetensors:b.data_offsets: at byte 61:" params "$FX/bad/overlap.safetensors"
expect_error "no PATH" "no checkpoint given" inspect
expect_error "missing PATH" "No such file" inspect "$TMP/nothing-here"
mkdir -p "$TMP/empty"
expect_error "empty folder" "no config.json, no *.safetensors and no .gguf" inspect "$TMP/empty"
expect_error "unknown option" "--nope: unknown option" inspect "$FX/llama" --nope

# --- cross-check against @huggingface/gguf, an independent parser ---------------------------
NPM="$ROOT/tests/npm"
if command -v node >/dev/null 2>&1 && [ -d "$NPM/node_modules/@huggingface/gguf" ]; then
  for f in llama.gguf llama-v2.gguf qwen2.gguf dsv3.gguf mamba-130m.gguf mamba2.gguf bert-base.gguf \
    granite-4.0-h-tiny.gguf qwen3-next.gguf; do
    if "$TMEM" inspect "$FX/$f" --json --tensors >"$TMP/x.json" 2>"$TMP/err" &&
      node "$NPM/crosscheck.mjs" "$FX/$f" "$TMP/x.json" >"$TMP/x.txt" 2>&1; then
      ok
      echo "  @huggingface/gguf and tmem on $f: $(cat "$TMP/x.txt")"
    else
      bad "cross-check $f: $(cat "$TMP/err" "$TMP/x.txt")"
    fi
  done
else
  skip "@huggingface/gguf cross-check" "needs node and 'npm ci' in tests/npm"
fi

summary inspect
