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
  for f in llama.gguf llama-v2.gguf qwen2.gguf dsv3.gguf; do
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
