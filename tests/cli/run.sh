#!/bin/sh
# run.sh — end-to-end tests of the tmem command line: exact numbers in JSON
# (each expected figure is a published count or a hand calculation written
# here), the error contract (one "tmem: error:" line, exit 2, empty stdout)
# and --help for every command. Usage: run.sh path/to/tmem
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/common.sh"

# --- exact counts (published: truth.json / model cards) -------------------------------
expect_json "llama-2-7b total (published 6,738,415,616)" total_params 6738415616 params llama-2-7b
expect_json "HF id works as MODEL" total_params 6738415616 params meta-llama/Llama-2-7b-hf
expect_json "preset names are case-insensitive" total_params 124439808 params GPT2
expect_json "mixtral total (published)" total_params 46702792704 params mixtral-8x7b
# Mixtral active by hand: 32·(2·4096² + 2·4096·1024 + 2·3·4096·14336 + 4096·8 + 2·4096) + 2·32000·4096 + 4096
expect_json "mixtral active top-2" active_params 12879925248 params mixtral-8x7b
# Llama-2-7B groups by hand: attention 32·4·4096² ; mlp 32·3·4096·11008 ; norm 65·4096
expect_json "llama-2-7b attention group" attention 2147483648 params llama-2-7b
expect_json "llama-2-7b mlp group" mlp 4328521728 params llama-2-7b
expect_json "llama-2-7b norm group" norm 266240 params llama-2-7b
expect_json "llama-2-7b lm_head group" lm_head 131072000 params llama-2-7b
# bf16 bytes: 2 · 6,738,415,616
expect_json "llama-2-7b bf16 bytes" bf16 13476831232 params llama-2-7b
expect_json "llama-2-7b int4 bytes" int4 3369207808 params llama-2-7b

# flags alone describe Llama-2-7B
expect_json "flags alone (llama family)" total_params 6738415616 \
  params --hidden 4096 --layers 32 --heads 32 --vocab 32000 --ffn 11008
# override: 8 KV heads remove 32 · 2 · 4096 · (4096 − 1024) = 805,306,368
expect_json "--kv-heads overrides a preset" total_params 5933109248 params llama-2-7b --kv-heads 8
# tying removes the 32000 · 4096 lm_head
expect_json "--tied overrides a preset" total_params 6607343616 params llama-2-7b --tied
# gpt2 family from flags: wte + wpe(1024) + 12 layers + ln_f, as GPT-2 small
expect_json "flags with --family gpt2" total_params 124439808 \
  params --family gpt2 --hidden 768 --layers 12 --heads 12 --vocab 50257 --max-pos 1024

# a config.json path and a model folder
mkdir -p "$TMP/model"
cat >"$TMP/model/config.json" <<'JSON'
{"model_type": "qwen2", "hidden_size": 896, "num_hidden_layers": 24, "num_attention_heads": 14,
 "num_key_value_heads": 2, "intermediate_size": 4864, "vocab_size": 151936, "tie_word_embeddings": true}
JSON
# Qwen2.5-0.5B (published 494,032,768)
expect_json "config.json path" total_params 494032768 params "$TMP/model/config.json"
expect_json "model folder" total_params 494032768 params "$TMP/model"

# lab: the script's defaults by hand
expect_json "lab total" total_params 6573522944 lab
expect_json "lab param_memory" param_memory 13147045888 lab
expect_json "lab grad_memory" grad_memory 13147045888 lab
expect_json "lab adam_memory" adam_memory 52588183552 lab
expect_json "lab kv_cache_bytes" kv_cache_bytes 2147483648 lab
expect_json "lab matches llama-2-7b" exact_total_params 6738415616 lab
expect_json "lab --compare" exact_total_params 7241732096 lab --compare mistral-7b
# GPT-2 small in lab mode: 12·12·768² + 50257·768
expect_json "lab with flags" total_params 123532032 lab --vocab-size 50257 --d-model 768 --layers 12 --heads 12

# JSON documents carry the contract keys
"$TMEM" params mixtral-8x7b --json >"$TMP/p.json"
for k in schema_version tmem_version total_params active_params groups embedding attention mlp norm lm_head router experts; do
  if grep -q "\"$k\":" "$TMP/p.json"; then ok; else bad "params --json lacks \"$k\""; fi
done
"$TMEM" models --json >"$TMP/m.json"
n=$(grep -c '"hf_id":' "$TMP/m.json")
if [ "$n" -ge 30 ]; then ok; else bad "tmem models lists $n presets, want >= 30"; fi
"$TMEM" gpus --json >"$TMP/g.json"
n=$(grep -c '"memory_bytes":' "$TMP/g.json")
if [ "$n" -ge 16 ]; then ok; else bad "tmem gpus lists $n GPUs, want >= 16"; fi
# H100 SXM reports 81,559 MiB = 85,520,809,984 B
if grep -q '"memory_bytes": 85520809984' "$TMP/g.json"; then ok; else bad "h100 memory_bytes"; fi

# text output: units are labelled; --si switches to decimal
"$TMEM" params llama-2-7b >"$TMP/t.txt"
if grep -q 'bf16 12.55 GiB' "$TMP/t.txt"; then ok; else bad "text output lacks 'bf16 12.55 GiB'"; fi
"$TMEM" params llama-2-7b --si >"$TMP/t.txt"
if grep -q 'bf16 13.48 GB' "$TMP/t.txt"; then ok; else bad "--si output lacks 'bf16 13.48 GB'"; fi
"$TMEM" params llama-2-7b --explain >"$TMP/t.txt"
if grep -q 'n_layer × d_model × d_ff = 32 × 4096 × 11008' "$TMP/t.txt" &&
   grep -q 'How to say it out loud' "$TMP/t.txt"; then ok; else bad "--explain lacks formulas or narrative"; fi

# golden text (format regression; the numbers in it are checked above)
for g in "$HERE"/golden/*.cmd; do
  name=$(basename "$g" .cmd)
  # shellcheck disable=SC2046
  "$TMEM" $(cat "$g") >"$TMP/golden.out" 2>&1
  if diff -u "$HERE/golden/$name.txt" "$TMP/golden.out" >"$TMP/golden.diff"; then ok
  else bad "golden $name differs:"; cat "$TMP/golden.diff"; fi
done

# --help everywhere
for c in params lab models gpus; do
  if "$TMEM" $c --help | grep -q "usage: tmem $c"; then ok; else bad "$c --help"; fi
done
if "$TMEM" --help | grep -q "usage: tmem COMMAND"; then ok; else bad "tmem --help"; fi

# --- bad input: one line, exit 2, nothing on stdout ---------------------------------
expect_error "unknown model" "closest presets: llama-2-7b" params llama-2-7
expect_error "unknown command" "unknown command" parms llama-2-7b
expect_error "unknown option" "unknown option" params llama-2-7b --hiden 5
expect_error "bad number" "'4k' is not a non-negative integer" params llama-2-7b --layers 4k
expect_error "negative number" "is not a non-negative integer" params llama-2-7b --layers -3
expect_error "missing value" "needs a value" params llama-2-7b --layers
expect_error "too many arguments" "unexpected argument" params llama-2-7b gpt2
expect_error "no model" "no model given" params
expect_error "heads not dividing hidden" "a divisor of d_model" params --hidden 100 --heads 3 --layers 2 --vocab 10 --ffn 8
expect_error "kv heads not dividing heads" "^tmem: error: llama-2-7b: n_kv_head is 5 but must be a divisor of n_head (32)" params llama-2-7b --kv-heads 5
expect_error "zero layers" "n_layer is 0" params llama-2-7b --layers 0
expect_error "absurd layers" "in \[1, 65536\]" params llama-2-7b --layers 1000000000000
expect_error "64-bit overflow" "does not fit in 64 bits" params mixtral-8x7b --experts 16384 --expert-ffn 16777216 --hidden 1048576 --heads 16 --layers 65536
expect_error "missing d_ff for flags" "d_ff" params --hidden 64 --layers 2 --heads 4 --vocab 10
expect_error "unknown family" "closest: mistral" params --family mistrel --hidden 64 --layers 2 --heads 4 --vocab 10 --ffn 8
expect_error "--tied and --untied" "contradicts" params llama-2-7b --tied --untied
expect_error "missing file" "No such file" params "$TMP/nope/config.json"
printf '{"model_type": "llama",\n "hidden_size": 4096,,\n}' >"$TMP/broken.json"
expect_error "malformed config" "broken.json:2:" params "$TMP/broken.json"
printf '{"model_type": "llama", "hidden_size": "big"}' >"$TMP/typed.json"
expect_error "wrongly typed field" "typed.json:hidden_size: expected a non-negative integer, got a string" params "$TMP/typed.json"
printf '{"model_type": "lama"}' >"$TMP/type.json"
expect_error "unknown model_type" "closest known: llama" params "$TMP/type.json"
mkdir -p "$TMP/empty"
expect_error "folder without config.json" "no config.json" params "$TMP/empty"
printf 'GGUF' >"$TMP/m.gguf"
expect_error "gguf not read yet" "GGUF" params "$TMP/m.gguf"
# --family with a MODEL forces that layout (issue 10): a checkpoint's headers cannot be
expect_error "--family with a checkpoint" "^tmem: error: --family: applies to a config.json" params "$TMP/m.gguf" --family gpt2
expect_error "lab heads zero" "heads is 0" lab --heads 0
expect_error "lab heads indivisible" "a divisor of --d-model" lab --heads 5
expect_error "lab compare unknown" "unknown model" lab --compare nothing-like-it

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
