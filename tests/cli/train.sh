#!/bin/sh
# train.sh — `tmem train` end to end: the golden Llama-2-7B ledger (text,
# --explain and JSON; every figure written by hand below), published figures
# through the CLI, the DeepSpeed config reader, and the error contract (one
# "tmem: error:" line, exit 2, empty stdout). Usage: train.sh path/to/tmem
# UPDATE=1 rewrites the golden files (review the diff).
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/common.sh"

# --- golden: Llama-2-7B, bf16-mixed AdamW, b 1, s 4096, 8 GPUs, ZeRO-3, flash ---------
# By hand (P = 6,738,415,616; h 4096, a = n_kv 32, d_head 128, d_ff 11008, V 32000):
#   weights bf16   2·P/8 = 1,684,603,904      gradients bf16 2·P/8 = 1,684,603,904
#   master fp32    4·P/8 = 3,369,207,808      exp_avg, exp_avg_sq 4·P/8 = 3,369,207,808 each
#   attention      32 layers × 4096 tokens × (32,772 + 32,896) = 8,607,236,096
#                  32,772 = RMSNorm 4h + 4 + 2h (fp32 input, rsqrt, bf16 y) + q/k/v input 2h
#                  32,896 = flash q, k, v, out 2·(2·32 + 2·32)·128 + fp32 lse 4·32
#   MLP            32 × 4096 × (32,772 + 4·2·11008 = 88,064) = 15,838,216,192
#   embedding+head 4096·8 ids + cos/sin 2·4096·128·2 = 2,129,920; final norm + lm_head
#                  input 4096·32,772 = 134,234,112; sum 136,364,032
#   logits         4096·32000·2 = 262,144,000
#   loss           4096·(32000·4 + 8) = 524,320,768 (fp32 log-softmax + int64 targets)
#   logits grad    4096·32000·(4 + 2) = 786,432,000
#   reduce bucket  min(5e8, P)·2 = 1,000,000,000
#   live params    min(202,383,360 + 5e7, 1e9)·2 = 504,766,720 (one layer 4h² + 3h·f + 2h)
#   CUDA           768 MiB = 805,306,368
#   sum (start of backward, every line above live) = 41,941,617,408
#   fragmentation  ceil(0.05 × 41,941,617,408) = 2,097,080,871
#   peak           44,038,698,279 B = 41.01 GiB (fits an H100 SXM's 79.65 GiB)
G="train llama-2-7b --precision bf16-mixed --optimizer adamw --micro-batch 1 --seq 4096 --gpus 8 --zero 3 --attention flash --gpu h100-sxm"
# shellcheck disable=SC2086
{
expect_json "golden weights" weights 1684603904 $G
expect_json "golden gradients" gradients 1684603904 $G
expect_json "golden optimizer states (master + m + v)" optimizer_states 10107623424 $G
expect_json "golden activations" activations 24581816320 $G
expect_json "golden temporary buffers" temporary_buffers 1572896768 $G
expect_json "golden communication buckets" communication_buckets 1504766720 $G
expect_json "golden framework overhead" framework_overhead 2902387239 $G
expect_json "golden total" total 44038698279 $G
expect_json "golden params per GPU" params_per_gpu 6738415616 $G
}
"$TMEM" $G --json >"$TMP/g.json"
for k in schema_version tmem_version per_gpu_bytes weights gradients optimizer_states activations \
         temporary_buffers communication_buckets kv_cache framework_overhead total gpu memory_bytes fits \
         entries bucket label bytes formula phases forward backward backward_end optimizer peak_phase \
         host_bytes plan defaults; do
  if grep -q "\"$k\":" "$TMP/g.json"; then ok; else bad "train --json lacks \"$k\""; fi
done
if grep -q '"peak_phase": "backward"' "$TMP/g.json" && grep -q '"fits": true' "$TMP/g.json"; then ok
else bad "golden: peak phase / fits"; fi

for g in "$HERE"/golden_train/*.cmd; do
  name=$(basename "$g" .cmd)
  # shellcheck disable=SC2046
  "$TMEM" $(cat "$g") >"$TMP/golden.txt" 2>&1
  # shellcheck disable=SC2046
  "$TMEM" $(cat "$g") --json 2>&1 | sed 's/"tmem_version": "[^"]*"/"tmem_version": "X"/' >"$TMP/golden.json"
  for ext in txt json; do
    if [ "${UPDATE:-0}" = 1 ]; then cp "$TMP/golden.$ext" "$HERE/golden_train/$name.$ext"; fi
    if diff -u "$HERE/golden_train/$name.$ext" "$TMP/golden.$ext" >"$TMP/golden.diff"; then ok
    else bad "golden $name.$ext differs:"; cat "$TMP/golden.diff"; fi
  done
done

# --- published figures through the CLI -------------------------------------------------
# DeepSpeed's documented T0_3B table (see tests/unit/test_train.c for the derivation)
DS="train llama-2-7b --deepspeed-estimator --gpus 1 --total-params 2783959040 --largest-layer-params 65798144"
# shellcheck disable=SC2086
{
expect_json "T0_3B no offload: 46.91 GiB" total 50374455296 $DS
expect_json "T0_3B offload optimizer: 5.43 GiB" total 5831110656 $DS --offload optimizer
expect_json "T0_3B offload optimizer+params: 0.25 GiB" total 263192576 $DS --offload params
expect_json "T0_3B zero_init=0 CPU 15.56 GiB" host_bytes 16703754240 $DS --zero-init 0
}
"$TMEM" $DS >"$TMP/ds.txt"
if grep -q '46.91 GiB' "$TMP/ds.txt"; then ok; else bad "estimator text lacks 46.91 GiB"; fi

# --- options change the lines they should ---------------------------------------------
# full recompute keeps each layer's input: 32 × 4096 × 4096 × 2 = 1,073,741,824
expect_json "full recompute checkpoints" "layer inputs (checkpoints)" 1073741824 \
  train llama-2-7b --seq 4096 --gpus 8 --zero 3 --recompute full
# naive attention scores: 32 × 32 heads × 4096² × (4 + 2) = 103,079,215,104
expect_json "naive scores" "attention scores (s²)" 103079215104 train llama-2-7b --seq 4096 --attention naive
# pure bf16 AdamW: states bf16 = 2·P each
expect_json "pure bf16 states" optimizer_states 26953662464 train llama-2-7b --precision bf16 --seq 512
# pp 4: the first stage holds 8 layers and the embedding: 8·202,383,360 + 131,072,000
expect_json "pp 4 first stage params" params_per_gpu 1750138880 train llama-2-7b --pp 4 --seq 1024
"$TMEM" train llama-2-7b --pp 4 --seq 1024 --per-stage >"$TMP/ps.txt"
if [ "$(grep -c '^  stage ' "$TMP/ps.txt")" -eq 4 ]; then ok; else bad "--per-stage: want 4 stage lines"; fi
# offload: host memory is its own total (master + m + v + fp32 grads = 16·P/8)
expect_json "offload host bytes" host_bytes 13476831232 train llama-2-7b --gpus 8 --zero 3 --offload optimizer --seq 1024
# a plan that does not fit says by how much and what fixes it
"$TMEM" train llama-2-7b --gpus 8 --seq 4096 --gpu h100-sxm >"$TMP/fix.txt"
if grep -q 'does NOT fit' "$TMP/fix.txt" && grep -q 'single changes that make it fit' "$TMP/fix.txt" &&
   grep -q -- '--zero ' "$TMP/fix.txt"; then ok; else bad "no-fit text lacks the verdict or the fixes"; fi

# --- solved values, headroom, every lever, notes ---------------------------------------
# block_num FILE OBJECT KEY: KEY's integer inside the top-level "OBJECT": {...}
block_num() { sed -n "/^  \"$2\": {/,/^  }/p" "$1" | sed -n "s/^ *\"$3\": \([0-9][0-9]*\),\{0,1\}\$/\1/p" | head -n 1; }
# The golden plan fits; its headroom by hand (tests/unit/test_solve.c has the items):
#   peak(b) = rest + ceil(0.05·rest), rest = 15,789,001,472 + b × 26,152,615,936
#   b 2: 71,498,945,012 <= 85,520,809,984 (h100-sxm);  b 3: 98,959,191,744 > it
# shellcheck disable=SC2086
"$TMEM" $G --json >"$TMP/h.json"
if [ "$(block_num "$TMP/h.json" headroom micro_batch)" = 2 ] &&
   [ "$(block_num "$TMP/h.json" headroom peak_bytes)" = 71498945012 ] &&
   [ "$(block_num "$TMP/h.json" headroom next_peak_bytes)" = 98959191744 ]; then ok
else bad "golden headroom: want micro-batch 2 (71,498,945,012 B; 3 needs 98,959,191,744 B)"; fi
# --micro-batch max solves the same: the ledger is at b 2, a named result in text and JSON
M="train llama-2-7b --seq 4096 --gpus 8 --zero 3 --gpu h100-sxm --micro-batch max"
# shellcheck disable=SC2086
{
expect_json "micro-batch max: the plan's micro-batch" micro_batch 2 $M
expect_json "micro-batch max: the ledger at b 2 (hand figure above)" total 71498945012 $M
"$TMEM" $M --json >"$TMP/m.json"
"$TMEM" $M >"$TMP/m.txt"
}
if [ "$(block_num "$TMP/m.json" solved micro_batch)" = 2 ] && grep -q '"fits": true' "$TMP/m.json" &&
   grep -q '^solved: micro-batch 2, the largest that fits h100-sxm' "$TMP/m.txt"; then ok
else bad "micro-batch max: no 'solved' micro-batch 2 in text and JSON"; fi
# nothing fits: one GPU, no sharding (131.79 GiB at b 1); exit 0, solved 0, the fixes for b 1
"$TMEM" train llama-2-7b --seq 4096 --gpu h100-sxm --micro-batch max >"$TMP/n.txt"; rc=$?
"$TMEM" train llama-2-7b --seq 4096 --gpu h100-sxm --micro-batch max --json >"$TMP/n.json"
if [ $rc -eq 0 ] && grep -q '^solved: no micro-batch fits h100-sxm: even 1 needs' "$TMP/n.txt" &&
   [ "$(block_num "$TMP/n.json" solved micro_batch)" = 0 ] && grep -q '"fits": false' "$TMP/n.json" &&
   grep -q 'single changes that make it fit' "$TMP/n.txt"; then ok
else bad "micro-batch max with nothing fitting: want 'solved: no micro-batch fits' and the fixes"; fi
# --seq max: the answer fits and one token more does not, each run on its own
"$TMEM" train llama-2-7b --gpus 8 --zero 3 --gpu h100-sxm --seq max --json >"$TMP/s.json"
S=$(block_num "$TMP/s.json" solved seq)
if [ -n "$S" ] && [ "$S" -gt 4096 ] &&
   "$TMEM" train llama-2-7b --gpus 8 --zero 3 --gpu h100-sxm --seq "$S" --json | grep -q '"fits": true' &&
   "$TMEM" train llama-2-7b --gpus 8 --zero 3 --gpu h100-sxm --seq $((S + 1)) --json | grep -q '"fits": false'; then ok
else bad "seq max: $S does not fit or $((S + 1)) does"; fi
# learned positions bound it: GPT-2's 1024
"$TMEM" train gpt2 --gpu h100-sxm --seq max >"$TMP/g2.txt"
if grep -q '^solved: seq 1024, the longest that fits h100-sxm (.*1024 is the most the plan allows)' "$TMP/g2.txt"; then ok
else bad "gpt2 seq max: want 1024, the plan's limit"; fi
# Llama-3-8B at seq 8192 (b 3, ZeRO-2, 8 GPUs, full recompute): 80.1 GiB; --fused-ce, the
# cheapest and the biggest fix, 44.6 GiB. The saving by hand (T = 24,576 tokens, V 128,256,
# chunk 1024, d 4096): logits 2·T·V + loss (4V + 8)·T + logits grad 6·T·V = 37,824,430,080
# minus chunk 2·1024·V + 4·1024·V + hidden grad 2·T·d + 4·1024·V = 1,514,668,032, × 1.05
# fragmentation = 38,125,250,150 (±1 B of rounding)
F="train llama-3-8b --seq 8192 --micro-batch 3 --gpus 8 --zero 2 --recompute full --gpu h100-sxm"
# shellcheck disable=SC2086
{
"$TMEM" $F >"$TMP/f.txt"
"$TMEM" $F --json >"$TMP/f.json"
}
base=$(json_num "$TMP/f.json" total)
fused=$(sed -n '/"--fused-ce": {/,/}/p' "$TMP/f.json" | sed -n 's/^ *"peak_bytes": \([0-9]*\),\{0,1\}$/\1/p')
drop=$((base - fused))
if [ "$drop" -ge 38125250149 ] && [ "$drop" -le 38125250151 ] &&
   grep -A1 'single changes that make it fit' "$TMP/f.txt" | grep -q -- '--fused-ce .*-> 44.61 GiB per GPU' &&
   grep -q 'total per GPU  *80.12 GiB' "$TMP/f.txt"; then ok
else bad "fused CE: want 80.12 -> 44.61 GiB first, a saving of 38,125,250,150 B (got $drop)"; fi
for k in lever fits peak_bytes cost notes; do
  if grep -q "\"$k\":" "$TMP/f.json"; then ok; else bad "fixes JSON lacks \"$k\""; fi
done
if grep -q 'cost: ' "$TMP/f.txt" && grep -q -- '--optimizer adam8bit' "$TMP/f.txt" &&
   grep -q -- '--offload optimizer' "$TMP/f.txt" && grep -q -- '--gpus 16 ' "$TMP/f.txt"; then ok
else bad "fixes: want every lever with its cost (adam8bit, offload, more GPUs)"; fi
# micro-batch 3 where 2 fits: the fix is 2 (halving said 1)
"$TMEM" train llama-2-7b --seq 4096 --gpus 8 --zero 3 --micro-batch 3 --gpu h100-sxm >"$TMP/b3.txt"
if grep -q -- '^  --micro-batch 2 ' "$TMP/b3.txt"; then ok; else bad "micro-batch 3: want the fix --micro-batch 2"; fi
# selective recompute with flash attention: a note, in text and JSON, and the same total
"$TMEM" train llama-2-7b --seq 4096 --gpus 8 --zero 3 --recompute selective >"$TMP/sel.txt"
"$TMEM" train llama-2-7b --seq 4096 --gpus 8 --zero 3 --recompute selective --json >"$TMP/sel.json"
if grep -q '^note: --recompute selective drops nothing with flash attention' "$TMP/sel.txt" &&
   grep -A1 '"notes": \[' "$TMP/sel.json" | grep -q 'drops nothing with flash attention' &&
   [ "$(json_num "$TMP/sel.json" total)" = 44038698279 ]; then ok
else bad "selective + flash: want the note in text and JSON and the golden total 44,038,698,279"; fi
if "$TMEM" train --help | grep -q "Order of the fixes: each fix is one change"; then ok
else bad "train --help does not state the order of the fixes"; fi

# --- DeepSpeed config ------------------------------------------------------------------
cat >"$TMP/ds.json" <<'JSON'
{"train_micro_batch_size_per_gpu": 1, "gradient_accumulation_steps": "auto",
 "bf16": {"enabled": true},
 "zero_optimization": {"stage": 3, "reduce_bucket_size": 1e8, "stage3_prefetch_bucket_size": "auto"}}
JSON
# reduce bucket 1e8 × 2
expect_json "ds_config reduce bucket" "ZeRO reduce bucket" 200000000 train llama-2-7b --gpus 8 --seq 4096 --deepspeed "$TMP/ds.json"
expect_json "ds_config ZeRO-3 weights" weights 1684603904 train llama-2-7b --gpus 8 --seq 4096 --deepspeed "$TMP/ds.json"
printf '{"zero_optimization": {"stage": 3,,}}' >"$TMP/bad.json"
expect_error "malformed ds_config" "bad.json:1:" train llama-2-7b --gpus 8 --deepspeed "$TMP/bad.json"
printf '{"zero_optimization": {"stage": "3"}}' >"$TMP/typed.json"
expect_error "wrongly typed ds_config" "typed.json:zero_optimization.stage: expected a non-negative integer" \
  train llama-2-7b --deepspeed "$TMP/typed.json"
expect_error "missing ds_config" "No such file" train llama-2-7b --deepspeed "$TMP/none.json"

# --- bad input ---------------------------------------------------------------------------
expect_error "unknown ZeRO stage" "unknown ZeRO stage 4" train llama-2-7b --zero 4
expect_error "unknown FSDP strategy" "unknown FSDP strategy 'half'" train llama-2-7b --fsdp half
expect_error "tp not dividing heads" "^tmem: error: --tp: --tp is 3 but must be a divisor of n_head (32)" train llama-2-7b --tp 3 --gpus 3
expect_error "tp not dividing kv heads" "a divisor of n_kv_head (8)" train llama-3-8b --tp 16 --gpus 16
expect_error "pp larger than layers" "at most n_layer" train llama-2-7b --pp 64
expect_error "ep not dividing experts" "a divisor of n_expert (8)" train mixtral-8x7b --ep 3 --gpus 3
expect_error "gpus not dp·tp·pp·cp" "dp·tp·pp·cp (2·2·1·1)" train llama-2-7b --gpus 8 --dp 2 --tp 2
expect_error "micro-batch zero" "micro-batch is 0" train llama-2-7b --micro-batch 0
expect_error "unknown LoRA target" "^tmem: error: --lora-targets: unknown module 'qkv'" train llama-2-7b --lora-rank 8 --lora-targets q,qkv
expect_error "base quant without adapters" "^tmem: error: --base-quant: an adapter option needs --lora-rank" train llama-2-7b --base-quant nf4
expect_error "unknown base quant" "^tmem: error: --base-quant: unknown base quantization 'nf3'" train llama-2-7b --lora-rank 8 --base-quant nf3
expect_error "LoRA dropout of 1" "^tmem: error: --lora-dropout: a probability" train llama-2-7b --lora-rank 8 --lora-dropout 1
expect_error "unknown module to save" "^tmem: error: --modules-to-save: unknown module 'norm'" train llama-2-7b --lora-rank 8 --modules-to-save norm
expect_error "DoRA without a rank" "^tmem: error: --dora: an adapter option needs --lora-rank" train llama-2-7b --dora
expect_error "LoRA rank too large" "^tmem: error: --lora-rank:" train llama-2-7b --lora-rank 2000000
expect_error "micro-batch absurd" "in \[1, 1048576\]" train llama-2-7b --micro-batch 99999999999
expect_error "seq zero" "is 0" train llama-2-7b --seq 0
expect_error "seq absurd" "in \[1, 16777216\]" train llama-2-7b --seq 100000000
expect_error "seq beyond learned positions" "learned position table" train gpt2 --seq 2048
expect_error "unknown precision" "one of: fp32, amp-bf16" train llama-2-7b --precision fp8
expect_error "unknown optimizer" "unknown optimizer 'adan'" train llama-2-7b --optimizer adan
expect_error "unknown GPU" "unknown GPU" train llama-2-7b --gpu h1000
expect_error "fragmentation out of range" "fraction in \[0, 1\]" train llama-2-7b --fragmentation 5
expect_error "zero and fsdp" "give one" train llama-2-7b --gpus 8 --zero 2 --fsdp full
expect_error "estimator needs stage 2 or 3" "2 or 3 with --deepspeed-estimator" train llama-2-7b --deepspeed-estimator --zero 1
expect_error "micro-batch not a number or max" "'maximum' is neither a non-negative integer nor max" \
  train llama-2-7b --micro-batch maximum --gpu h100-sxm
expect_error "seq not a number or max" "^tmem: error: --seq: 'maxx' is neither" train llama-2-7b --seq maxx
expect_error "micro-batch max without a GPU" "^tmem: error: --micro-batch: max needs --gpu" train llama-2-7b --micro-batch max
expect_error "seq max without a GPU" "^tmem: error: --seq: max needs --gpu" train llama-2-7b --seq max
expect_error "both max" "solve for one" train llama-2-7b --micro-batch max --seq max --gpu h100-sxm
expect_error "max with the estimator" "not solved with --deepspeed-estimator" \
  train llama-2-7b --deepspeed-estimator --micro-batch max --gpu h100-sxm
if "$TMEM" train --help | grep -q "usage: tmem train"; then ok; else bad "train --help"; fi

# --- --framework, --kernels, paged optimizers ---------------------------------------
# Megatron: bf16 params 2 B + fp32 main grads 4 B per parameter; master + m + v
# 12 B over dp 8: 12 × 6,738,415,616 / 8 = 10,107,623,424 (Llama-2-7B)
expect_json "megatron weights 2 B/param" weights 13476831232 train llama-2-7b --framework megatron --gpus 8 --seq 2048
expect_json "megatron grads 4 B/param" gradients 26953662464 train llama-2-7b --framework megatron --gpus 8 --seq 2048
expect_json "megatron states 12 B/param / dp" optimizer_states 10107623424 train llama-2-7b --framework megatron --gpus 8 --seq 2048
"$TMEM" train llama-2-7b --framework megatron --gpus 8 --precision bf16-mixed >"$TMP/fw.txt" 2>&1
if grep -q "^  framework: megatron (Megatron-LM" "$TMP/fw.txt" &&
   grep -q -- "--precision bf16-fp32-grads (yours overrides it): arguments.py" "$TMP/fw.txt" &&
   grep -q -- "--distributed-optimizer on: --use-distributed-optimizer" "$TMP/fw.txt" &&
   grep -q "bf16-mixed · adamw" "$TMP/fw.txt"; then ok; else bad "framework: line and an overridden row: $(cat "$TMP/fw.txt")"; fi
"$TMEM" train llama-2-7b --framework axolotl --json >"$TMP/fw.json"
if grep -q '"flag": "--optimizer"' "$TMP/fw.json" && grep -q '"value": "adam8bit"' "$TMP/fw.json" &&
   grep -q '"kernels": "eager"' "$TMP/fw.json" && grep -q '"recompute": "full"' "$TMP/fw.json"; then ok
else bad "axolotl JSON assumptions"; fi
# DPO: the policy's bf16 weights and a frozen bf16 reference copy, 2 × 2 × 6,738,415,616
expect_json "dpo policy + reference weights" weights 26953662464 train llama-2-7b --dpo --seq 2048
# GRPO (TRL GRPOTrainer colocated, vllm_gpu_memory_utilization 0.3), Qwen2.5-0.5B
# (494,032,768 parameters), H100 SXM (85,520,809,984 B as the device reports it):
# the engine's KV pool is ceil(0.3 × 85,520,809,984) − 2 × 494,032,768 =
# 25,656,242,996 − 988,065,536 = 24,668,177,460 B, awake in every phase; weights:
# policy + reference + engine = 3 × 988,065,536 = 2,964,196,608 B
expect_json "grpo engine KV pool" kv_cache 24668177460 \
  train qwen2.5-0.5b --rl grpo --micro-batch 8 --seq 1024 --gpu h100-sxm --rollout-memory-utilization 0.3
expect_json "grpo policy + reference + engine weights" weights 2964196608 \
  train qwen2.5-0.5b --rl grpo --micro-batch 8 --seq 1024 --gpu h100-sxm --rollout-memory-utilization 0.3
# PPO with verl's engine share 0.5 asleep during training, critic and reward model
# of the policy's architecture (494,033,664 = P + 896 for the value head): the
# rollout phase is the peak, 61,350,907,136 B + 5 % = 64,418,452,493 B (test_rl.c
# writes out each bucket)
expect_json "ppo asleep: rollout-phase peak" total 64418452493 \
  train qwen2.5-0.5b --rl ppo --reward-model same --micro-batch 8 --seq 1024 --gpu h100-sxm \
  --rollout-memory-utilization 0.5 --rollout-sleep
"$TMEM" train qwen2.5-0.5b --rl ppo --reward-model same --micro-batch 8 --seq 1024 --gpu h100-sxm \
  --rollout-memory-utilization 0.5 --rollout-sleep >"$TMP/ppo.txt"
if grep -q "^per-GPU memory at the peak: rollout (generation)" "$TMP/ppo.txt" &&
   grep -q "rollout (generation) .*<- peak" "$TMP/ppo.txt" &&
   grep -q "critic master + optimizer states .* 5,928,403,968 B" "$TMP/ppo.txt" &&
   grep -q "reward model (bf16) .* 988,067,328 B" "$TMP/ppo.txt"; then ok; else bad "ppo text: $(cat "$TMP/ppo.txt")"; fi
# a named reward model: Qwen2.5-7B's 7,615,616,512 less its untied lm_head
# (152,064 × 3,584 = 544,997,376) plus a 3,584 value head = 7,070,622,720; bf16 over
# ZeRO-3's 8 shards: 2 × 7,070,622,720 / 8 = 1,767,655,680
"$TMEM" train qwen2.5-0.5b --rl grpo --reward-model qwen2.5-7b --gpus 8 --zero 3 --micro-batch 1 --json >"$TMP/rm.json"
if grep -q '"reward_params": 7070622720' "$TMP/rm.json" &&
   grep -q '"reward model (bf16)": 1767655680' "$TMP/rm.json"; then ok; else bad "named reward model: $(grep -n reward "$TMP/rm.json")"; fi
# verl's profile: the engine at 0.5 of the GPU, asleep during training, tp 2 over the
# GPUs, the actor under FSDP
"$TMEM" train qwen2.5-0.5b --rl ppo --gpus 2 --gpu h100-sxm --framework verl >"$TMP/verl.txt"
if grep -q -- '--rollout-memory-utilization 0.5: rollout.yaml "gpu_memory_utilization: 0.5"' "$TMP/verl.txt" &&
   grep -q -- '--rollout-sleep on: rollout.yaml "free_cache_engine: True"' "$TMP/verl.txt" &&
   grep -q -- '--rollout-tp 2: rollout.yaml' "$TMP/verl.txt" &&
   grep -q "rollout (generation) .*<- peak" "$TMP/verl.txt"; then ok; else bad "verl profile: $(cat "$TMP/verl.txt")"; fi
# a flag wins over TRL's beta 0.0 (no reference)
"$TMEM" train qwen2.5-0.5b --rl grpo --micro-batch 8 --gpu h100-sxm --framework trl --ref-model same >"$TMP/trl.txt"
if grep -q -- '--ref-model none (yours overrides it): GRPOConfig beta default 0.0' "$TMP/trl.txt" &&
   grep -q "reference model (bf16)" "$TMP/trl.txt"; then ok; else bad "trl profile: $(cat "$TMP/trl.txt")"; fi
# no rollout phase without --rl
"$TMEM" train qwen2.5-0.5b --json >"$TMP/norl.json"
if ! grep -q '"rollout"' "$TMP/norl.json"; then ok; else bad "a rollout phase without --rl"; fi
expect_error "rl and dpo" "^tmem: error: --rl: DPO learns from fixed pairs" train qwen2.5-0.5b --rl grpo --dpo
expect_error "group size not dividing" "^tmem: error: --group-size: 8 must divide the 4 completions per step" \
  train qwen2.5-0.5b --rl grpo --micro-batch 4
expect_error "group of one" "^tmem: error: --group-size: --group-size is 1" train qwen2.5-0.5b --rl grpo --group-size 1
expect_error "group size with ppo" "^tmem: error: --group-size: completions per prompt are GRPO's" \
  train qwen2.5-0.5b --rl ppo --group-size 8
expect_error "critic with grpo" "^tmem: error: --critic: GRPO's baseline" train qwen2.5-0.5b --rl grpo --micro-batch 8 --critic same
expect_error "engine share without a gpu" "^tmem: error: --rollout-memory-utilization: a fraction of the GPU's memory: give --gpu" \
  train qwen2.5-0.5b --rl grpo --micro-batch 8 --rollout-memory-utilization 0.3
expect_error "engine share out of range" "^tmem: error: --rollout-memory-utilization: must be a fraction in (0, 1)" \
  train qwen2.5-0.5b --rl grpo --micro-batch 8 --gpu h100-sxm --rollout-memory-utilization 1.5
expect_error "engine share below its weights" "^tmem: error: --rollout-memory-utilization: the engine's share of the GPU does not hold" \
  train qwen2.5-7b --rl grpo --micro-batch 8 --gpu h100-sxm --rollout-memory-utilization 0.1
expect_error "reward model without rl" "^tmem: error: --reward-model: a post-training option needs --rl" \
  train qwen2.5-0.5b --reward-model same
expect_error "sleep without an engine" "^tmem: error: --rollout-sleep: an engine option needs --rollout-memory-utilization" \
  train qwen2.5-0.5b --rl grpo --micro-batch 8 --rollout-sleep
# --micro-batch max with GRPO: group 8, grad-accum 2 (dp 1): the micro-batch steps by
# 8 / gcd(8, 2) = 4; the solved value is a multiple of 4 that fits, and 4 more does not
GR="train qwen2.5-0.5b --rl grpo --group-size 8 --grad-accum 2 --seq 1024 --gpu h100-sxm --rollout-memory-utilization 0.3"
# shellcheck disable=SC2086
"$TMEM" $GR --micro-batch max --json >"$TMP/gr.json"
grb=$(block_num "$TMP/gr.json" solved micro_batch)
# shellcheck disable=SC2086
if [ -n "$grb" ] && [ "$grb" -gt 0 ] && [ $((grb % 4)) -eq 0 ] && grep -q '"fits": true' "$TMP/gr.json" &&
   "$TMEM" $GR --micro-batch $((grb + 4)) --json | grep -q '"fits": false'; then ok
else bad "grpo micro-batch max: '$grb' is not the largest multiple of 4 that fits"; fi
expect_error "unknown rl algorithm" "unknown algorithm 'dapo'" train qwen2.5-0.5b --rl dapo
expect_error "unknown reference placement" "unknown reference model 'cpu'" train qwen2.5-0.5b --rl grpo --ref-model cpu
expect_error "reference without dpo or rl" "^tmem: error: --ref-model: a reference model needs --dpo or --rl" \
  train qwen2.5-0.5b --ref-model none
expect_error "unknown framework" "unknown framework 'keras'" train llama-2-7b --framework keras
expect_error "unknown kernel stack" "unknown kernel stack 'cudnn'" train llama-2-7b --kernels cudnn
# paged AdamW 8-bit (torchtune's full single-device recipe) on an RTX 4090: the
# int8 moments + fp32 absmax would not fit beside the bf16 weights: counted on the
# host; Llama-3-8B's 8,030,261,248 parameters: m, v 1 B each (tensors >= 4096
# elements; the 4096-wide norms are exactly 4096) + 2 × 4 B per 256 (every tensor a
# multiple of 256: P / 256 = 31,368,208 blocks) =
# 2 × 8,030,261,248 + 8 × 31,368,208 = 16,311,468,160 (test_framework.c has the rule)
"$TMEM" train llama-3-8b --framework torchtune --gpu rtx-4090 --seq 2048 >"$TMP/pg.txt" 2>&1
if grep -q "optimizer states (host/pageable) .* 16,311,468,160 B" "$TMP/pg.txt" &&
   grep -q "^verdict: fits" "$TMP/pg.txt"; then ok; else bad "paged states on the host: $(cat "$TMP/pg.txt")"; fi

echo "train: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
