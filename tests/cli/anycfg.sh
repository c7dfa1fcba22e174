#!/bin/sh
# anycfg.sh — any config a user has (issue 10), end to end: a GPT-2 config
# without model_type, a model_type no descriptor names (granite) counted
# best-effort with a "tmem: note:" on stderr and the JSON "notes", --family
# forcing a layout, kinds tmem does not count, a decimal lab multiplier, and
# the error contract for each. Figures are hand calculations written here
# (tests/unit/test_anycfg.c has them tensor by tensor).
# Usage: anycfg.sh path/to/tmem
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/common.sh"

# openai-community/gpt2 as first shipped: no model_type
cat >"$TMP/gpt2.json" <<'JSON'
{"activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "attn_pdrop": 0.1,
 "embd_pdrop": 0.1, "layer_norm_epsilon": 1e-05, "n_ctx": 1024, "n_embd": 768, "n_head": 12,
 "n_layer": 12, "n_positions": 1024, "resid_pdrop": 0.1, "vocab_size": 50257}
JSON
# 124,439,808: HF's count for GPT-2 small (by hand in test_anycfg.c)
expect_json "GPT-2 without model_type, from architectures" total_params 124439808 params "$TMP/gpt2.json"

# ibm-granite/granite-3.0-2b-base (architecture keys as published)
cat >"$TMP/granite.json" <<'JSON'
{"architectures": ["GraniteForCausalLM"], "attention_bias": false, "hidden_act": "silu",
 "hidden_size": 2048, "intermediate_size": 8192, "max_position_embeddings": 4096, "mlp_bias": false,
 "model_type": "granite", "num_attention_heads": 32, "num_hidden_layers": 40, "num_key_value_heads": 8,
 "rms_norm_eps": 1e-05, "tie_word_embeddings": true, "vocab_size": 49155}
JSON
# 49155·2048 + 40·(2·2048² + 2·2048·512 + 3·2048·8192 + 2·2048) + 2048 = 2,533,531,648
expect_json "granite best effort" total_params 2533531648 params "$TMP/granite.json"
"$TMEM" params "$TMP/granite.json" --json >"$TMP/g.json" 2>"$TMP/g.err"
rc=$?
if [ $rc -eq 0 ] && grep -q "^tmem: note: unknown model_type 'granite': counted as a llama-style decoder (RMSNorm from rms_norm_eps, gated MLP from hidden_act 'silu', no biases" "$TMP/g.err" &&
   grep -q "pass --family NAME to choose the layout" "$TMP/g.err"; then ok; else bad "granite note on stderr: rc $rc, $(cat "$TMP/g.err")"; fi
if grep -A1 '"notes": \[' "$TMP/g.json" | grep -q "unknown model_type 'granite'"; then ok; else bad "granite note in the JSON notes"; fi
for cmd in train infer; do
  "$TMEM" $cmd "$TMP/granite.json" --json >"$TMP/c.json" 2>"$TMP/c.err"
  if grep -q "^tmem: note: unknown model_type 'granite'" "$TMP/c.err" &&
     grep -A1 '"notes": \[' "$TMP/c.json" | grep -q "unknown model_type 'granite'"; then ok; else bad "$cmd: granite note"; fi
done
# a known family prints no note
"$TMEM" params llama-2-7b >/dev/null 2>"$TMP/n.err"
if [ -s "$TMP/n.err" ]; then bad "a preset printed: $(cat "$TMP/n.err")"; else ok; fi

# --family forces a layout and its keys: granite counted as gpt_neox (LayerNorm
# with bias, a plain up/down MLP with biases; attention_bias false and
# tie_word_embeddings true as the config says), by hand:
#   embed_in 49155·2048 = 100,669,440 (tied)
#   per layer: q, o 2·2048² = 8,388,608; k, v 2·2048·512 = 2,097,152;
#   up, down 2·2048·8192 + 8192 + 2048 = 33,564,672; 2 LayerNorms 4·2048 = 8,192
#   → 44,058,624; × 40 = 1,762,344,960; final LayerNorm 4,096; total 1,863,018,496
expect_json "--family gpt_neox on a granite config" total_params 1863018496 params "$TMP/granite.json" --family gpt_neox
"$TMEM" params "$TMP/granite.json" --family gpt_neox >/dev/null 2>"$TMP/f.err"
if grep -q "^tmem: note: --family gpt_neox: counted with gpt_neox's layout and keys, not by the config's model_type 'granite'" "$TMP/f.err"; then ok; else bad "--family note: $(cat "$TMP/f.err")"; fi
expect_error "--family names an encoder" "^tmem: error: --family: 'albert' is an encoder model: .*not supported yet" params "$TMP/granite.json" --family albert
expect_error "--family far from every name" "^tmem: error: --family: unknown family 'zzzz' (closest: none" params "$TMP/granite.json" --family zzzz
expect_error "--family close to a name" "(closest: llama)" params "$TMP/granite.json" --family lama

# kinds tmem does not count, said plainly
for t in albert:"an encoder" marian:"an encoder-decoder" whisper:"an encoder-decoder" zamba2:"a hybrid or recurrent" paligemma:"a vision or multimodal"; do
  name=${t%%:*} kind=${t#*:}
  printf '{"model_type": "%s", "hidden_size": 768}' "$name" >"$TMP/$name.json"
  expect_error "$name refused" "^tmem: error: $TMP/$name.json:model_type: model_type '$name' is $kind model: tmem counts decoder-only transformers" params "$TMP/$name.json"
done
# encoders: params counts them, infer serves them as one HF forward, train fine-tunes the
# BERT-layout ones, DeBERTa-v2 (--attention naive) and ModernBERT with a head that has a loss;
# the rest is refused in one line
expect_error "infer --engine vllm refuses an encoder" "^tmem: error: --engine: infer models an encoder as one forward of the whole batch.*vLLM.s pooling runner is tmem serve MODEL" infer roberta-base --engine vllm
expect_error "infer --gen refuses an encoder" "^tmem: error: --gen: an encoder generates nothing" infer roberta-base --gen 4
# encoders end to end: bert-base-uncased at b 8 × 128 (test_encoder_infer.c by hand): the MLP
# stage 1024·(2·768 + 2·3072)·2 = 15,728,640; --head mlm's output 1024·(768 + 30522)·2 = 64,081,920
expect_json "encoder infer: forward peak" activations 15728640 infer bert-base-uncased --batch 8 --prompt 128
expect_json "encoder infer: MLM head output" temporary_buffers 64081920 infer bert-base-uncased --batch 8 --prompt 128 --head mlm
expect_error "train needs an encoder head with a loss" "^tmem: error: --head: fine-tuning an encoder needs a head with a loss: --head mlm or --head cls:N" train bert-base-uncased
expect_error "train refuses flash for deberta" "^tmem: error: --attention: DeBERTa's disentangled attention is eager in HF (no SDPA or flash path): --attention naive" train deberta-v3-base --head mlm --attention flash
# without --attention, DeBERTa trains with HF's eager attention, named among the assumptions
if "$TMEM" train deberta-v3-base --head mlm | grep -q "^  --attention naive: the family.s default: DeBERTa"; then ok
else bad "train deberta-v3-base: the family's eager attention is the default, printed as an assumption"; fi
expect_error "train refuses dropout for modernbert" "^tmem: error: --dropout: ModernBERT trains with dropout 0, its config class's default" train modernbert-base --head cls:2 --dropout on
expect_error "plan refuses flash for deberta" "^tmem: error: --attention: DeBERTa's disentangled attention is eager in HF" plan deberta-v3-base --gpus 8 --gpu h100 --seq 512 --global-batch 64 --attention flash
# without --attention, plan takes the family's eager attention as train does
if "$TMEM" plan deberta-v3-base --head mlm --gpus 8 --gpu h100 --seq 512 --global-batch 64 >/dev/null 2>"$TMP/err"; then ok
else bad "plan deberta-v3-base without --attention: $(cat "$TMP/err")"; fi
expect_error "train refuses liger for an encoder" "^tmem: error: --kernels: not modeled for encoders" train bert-base-uncased --head mlm --kernels liger
# encoder-decoders from flags: t5-small's sizes (shared 32128·512 + encoder 6·3,146,752 + 256 + 512
# + decoder 6·4,195,840 + 256 + 512 = 60,506,624), bart-base's (139,420,416; test_encdec.c by hand)
expect_json "t5 from flags" total_params 60506624 params --family t5 --hidden 512 --layers 6 --heads 8 --vocab 32128 --ffn 2048
expect_json "bart from flags" total_params 139420416 params --family bart --hidden 768 --layers 6 --heads 12 --vocab 50265 --ffn 3072 --max-pos 1024
# infer --engine hf: bart-base's cross-attention KV per encoder token 2·6 layers·12 heads·64·2 B = 18,432;
# self + cross at b 2, prompt 1024, gen 256: 2·256·18,432 + 2·1024·18,432 = 47,185,920
expect_json "encoder-decoder cross KV per token" cross_bytes_per_token 18432 infer bart-base --engine hf
expect_json "encoder-decoder self + cross KV" request_bytes 47185920 infer bart-base --engine hf --batch 2 --prompt 1024 --gen 256
# Llama 3.2 Vision under HF generate(), one image: self KV (512 + 1 <|image|> + 128) × 2·32 layers·8·128·2 B
# = 84,017,152, cross KV of 4·(40² + 1) = 6404 image states × 2·8 cross layers·8·128·2 B = 209,846,272
expect_json "mllama cross KV per image state" cross_bytes_per_token 32768 infer llama-3.2-11b-vision --engine hf --images 1
expect_json "mllama self + cross KV" request_bytes 293863424 infer llama-3.2-11b-vision --engine hf --images 1
# train on text-only samples: HF skips the 8 cross layers, the 32 self layers save, at b 1, s 512, flash:
# attention (x_fp32 512·4096·4 + rstd 512·4 + 4·512·4096·2 + k, v 2·512·1024·2 + lse 512·32·4) × 32 = 874,577,920;
# the weights all 10,670,220,835 params × 2 B; model FLOPs 3 × (2·512·32·218,103,808 + 2·512·128256·4096
# + 2·512·512·8192·32·½) = 23,260,469,133,312
expect_json "mllama train attention over 32 self layers" "attention (saved)" 874577920 train llama-3.2-11b-vision --seq 512 --micro-batch 1
expect_json "mllama train weights" weights 21340441670 train llama-3.2-11b-vision --seq 512 --micro-batch 1
expect_json "mllama train model FLOPs" model_flops_per_gpu 23260469133312 train llama-3.2-11b-vision --seq 512 --micro-batch 1
# the refusals (after the reader's one note on mllama's two configs): exit 2, nothing on stdout
for c in "--engine: cross-attention layers (Llama 3.2 Vision): modeled for HF generate() only|infer llama-3.2-11b-vision --images 1" \
         "model: Llama 3.2 Vision (cross-attention layers): no engine tmem serve simulates runs it: vLLM V1 does not (vllm-project/vllm#24907|serve llama-3.2-11b-vision" \
         "--pp: Llama 3.2 Vision (cross-attention layers) trains on one pipeline stage|train llama-3.2-11b-vision --pp 2"; do
  # shellcheck disable=SC2086
  "$TMEM" ${c#*|} >"$TMP/out" 2>"$TMP/err"
  rc=$?
  if [ $rc -eq 2 ] && [ ! -s "$TMP/out" ] && grep -qF "tmem: error: ${c%%|*}" "$TMP/err" &&
     [ "$(grep -vc '^tmem: \(hint\|note\): ' "$TMP/err")" -eq 1 ]; then ok
  else bad "${c#*|}: exit $rc, want 2 and one 'tmem: error: ${c%%|*}' line: $(cat "$TMP/err")"; fi
done
# encoder-decoders train with HF's eager attention: the family's default (a named assumption),
# an explicit --attention flash refused in one line; t5-small at b 1, s 512 both stacks: encoder
# 6 × (512 × 25,608 + 8·512·512 × 7) = 6 × (13,111,296 + 14,680,064) = 166,748,160 (test_encdec.c:
# the tensors by hand), the same with no --attention
expect_error "train refuses flash for an encoder-decoder" "^tmem: error: --attention: encoder-decoder training follows HF's eager attention" train t5-small --attention flash
expect_json "train t5-small encoder layers" "encoder layers (saved)" 166748160 train t5-small --attention naive
expect_json "train t5-small: eager attention by default" "encoder layers (saved)" 166748160 train t5-small
if "$TMEM" train bart-base --json 2>"$TMP/err" | grep -q '"flag": "--attention"' &&
   "$TMEM" train bart-base | grep -q '^  --attention naive: the family.s default' &&
   ! "$TMEM" train gpt2 --json | grep -q '"flag": "--attention"'; then ok
else bad "the family's attention default is printed among the assumptions (text and JSON), only for encoder-decoders"; fi
# the micro-batch solve (its memo-hit path) keeps the decoder's length
expect_json "train solve keeps --target-seq" target_seq 64 train flan-t5-base --attention naive --target-seq 64 --micro-batch max --gpu h100
# HF generate() has no tensor parallelism for them (transformers' tp_plan covers no encoder-decoder)
expect_error "infer refuses tp for an encoder-decoder" "^tmem: error: --tp: an encoder-decoder under HF generate" infer t5-small --engine hf --tp 2
expect_error "train refuses tp for an encoder-decoder" "^tmem: error: --tp: not modelled for encoder-decoders yet" train t5-small --attention naive --tp 2
# --recompute full is HF's gradient checkpointing (test_encdec_recompute.c by hand): t5-small b 8,
# 512 / 128 keeps 6·8·512·512·2 + 6·8·128·512·2 + 8·8·512²·2 + 8·8·128²·2 + 8·8·128·512·2
# + 8·512·2 + 8·128²·2 + 8·512·2 = 75,776,000 B of checkpoints; selective has no HF counterpart
"$TMEM" train t5-small --attention naive --micro-batch 8 --seq 512 --target-seq 128 --recompute full >"$TMP/rc.txt" 2>&1
if grep -q "layer inputs (checkpoints) .* 75,776,000 B" "$TMP/rc.txt"; then ok; else bad "t5-small --recompute full keeps 75,776,000 B of checkpoints"; fi
expect_error "train refuses selective recompute for an encoder-decoder" "^tmem: error: --recompute: selective recompute" \
  train t5-small --attention naive --recompute selective
# the fixes offer it (flan-t5-large at 16 × 1024 on a 24 GB card)
"$TMEM" train flan-t5-large --gpu rtx-4090 --seq 1024 --micro-batch 16 >"$TMP/fx.txt" 2>&1
if grep -q "^  --recompute full  *-> " "$TMP/fx.txt"; then ok; else bad "the fixes of an encoder-decoder list --recompute full"; fi
# serve and vLLM refuse them, citing vLLM's registry; the other paged engines and plan in one line
for c in "infer flan-t5-base" "serve bart-base --requests 2 --rate 1" "serve t5-small"; do
  # shellcheck disable=SC2086
  expect_error "${c%% *} refuses an encoder-decoder" "^tmem: error: model: vLLM V1 serves no encoder-decoder but Whisper: BART and mBART were last served by vLLM 0.10.2" $c
done
expect_error "sglang refuses an encoder-decoder" "^tmem: error: --engine: an encoder-decoder (t5, mt5, umt5, bart, mbart, pegasus) is modeled under HF generate() only" infer bart-base --engine sglang
expect_error "plan refuses an encoder-decoder" "^tmem: error: model: an encoder-decoder (t5, mt5, umt5, bart, mbart, pegasus): tmem params counts it" plan mbart-large-50 --gpus 8 --gpu h100 --seq 512 --global-batch 64
# the whole path in errors, however long (no 50-character cut)
DEEP="$TMP/$(printf '%080d' 0 | tr 0 d)/$(printf '%060d' 0 | tr 0 e)"
mkdir -p "$DEEP"
printf '{"model_type": "llama", "hidden_size": "big"}' >"$DEEP/config.json"
expect_error "a long path is whole" "^tmem: error: $DEEP/config.json:hidden_size: expected a non-negative integer" params "$DEEP"

# lab: Llama-3-70B's 3 · 28,672 / 8,192 = 10.5; 10.5 · 8192² = 704,643,072;
# total 80 · (4 · 8192² + 704,643,072) + 128256 · 8192 = 78,896,955,392
LAB="lab --d-model 8192 --layers 80 --heads 64 --vocab-size 128256 --ffn-multiplier 10.5"
# shellcheck disable=SC2086
expect_json "lab ffn at 10.5" ffn_params_per_layer 704643072 $LAB
# shellcheck disable=SC2086
expect_json "lab total at 10.5" total_params 78896955392 $LAB
# shellcheck disable=SC2086
"$TMEM" $LAB >"$TMP/lab.txt" 2>&1
if grep -q "ffn_multiplier 10.5 ·" "$TMP/lab.txt" && grep -q "704,643,072" "$TMP/lab.txt"; then ok; else bad "lab text at 10.5"; fi
expect_error "lab multiplier not a number" "^tmem: error: --ffn-multiplier: expected a number such as 8 or 10.5, got '1e1'" lab --ffn-multiplier 1e1
expect_error "lab multiplier with two points" "^tmem: error: --ffn-multiplier: expected a number" lab --ffn-multiplier 1.2.3
# 2.667 · 4096² = 44,744,835.072
expect_error "lab fractional count" "^tmem: error: --ffn-multiplier: is 2.667, and 2.667 · d_model² is not a whole number of parameters" lab --ffn-multiplier 2.667

summary anycfg
