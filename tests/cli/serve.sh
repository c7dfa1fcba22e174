#!/bin/sh
# serve.sh — `tmem serve` end to end: the contract's JSON keys, the pool it
# shares with tmem infer, a throughput written out by hand, determinism for
# a seed, the sweep's knee, and the error contract for bad options.
# Usage: serve.sh path/to/tmem
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/common.sh"

# json_real FILE KEY: the first number value of "KEY"
json_real() { sed -n "s/^ *\"$2\": \(-\{0,1\}[0-9][0-9.e+-]*\),\{0,1\}\$/\1/p" "$1" | head -n 1; }

"$TMEM" serve llama-3-8b --rate 10 --requests 300 --json >"$TMP/s.json"
for k in schema_version tmem_version latency ttft_ms tpot_ms itl_ms e2e_ms mean p50 p90 p99 \
         throughput req_per_s output_tok_per_s total_tok_per_s goodput_req_per_s scheduler \
         preemptions peak_running peak_kv_blocks bottleneck per_gpu_bytes gpu fits timeline interval_s waiting running kv_blocks; do
  if grep -q "\"$k\":" "$TMP/s.json"; then ok; else bad "serve --json lacks \"$k\""; fi
done

# the pool is tmem infer's: 28,037 blocks (tests/cli/infer.sh and test_infer check infer's by hand)
"$TMEM" infer llama-3-8b --json >"$TMP/i.json"
want=$(json_num "$TMP/i.json" blocks)
got=$(json_num "$TMP/s.json" kv_blocks)
if [ -n "$want" ] && [ "$got" = "$want" ]; then ok; else bad "serve's pool $got blocks, infer's $want"; fi

# 64 requests at t = 0, prompt 64, output 128 (Llama-3-8B bf16, H100 SXM, mfu 0.5, mbu 0.8):
# one compute-bound prefill step of 4096 tokens, then 127 memory-bound decode steps reading
# W + 64·(64 + k)·131,072 B; W = 8,030,261,248 × 2 B (the hand figure of test_serve.c)
hand=$(awk 'BEGIN {
  W = 8030261248 * 2; KV = 131072; B = 3.35e12 * 0.8; F = 989.4e12 * 0.5
  mm = 7504924672; hd = 525336576
  pf = (2 * (mm - hd) * 4096 + 2 * hd * 64 + 4 * 32 * 128 * 32 * 64 * 4096 / 2) / F
  pm = (W + 4096 * KV) / B; t = pf > pm ? pf : pm
  for (k = 1; k <= 127; k++) t += (W + 64 * (64 + k) * KV) / B
  printf "%.1f", 64 * 128 / t }')
"$TMEM" serve llama-3-8b --requests 64 --prompt-len 64 --output-len 128 --json >"$TMP/z.json"
got=$(awk -v x="$(json_real "$TMP/z.json" output_tok_per_s)" 'BEGIN { printf "%.1f", x }')
if [ "$got" = "$hand" ]; then ok; else bad "all at t=0: $got output tok/s, by hand $hand"; fi

# deterministic for a seed, different for another
a=$("$TMEM" serve llama-3-8b --rate 20 --requests 200 --prompt-len uniform:100:900 --seed 5)
b=$("$TMEM" serve llama-3-8b --rate 20 --requests 200 --prompt-len uniform:100:900 --seed 5)
c=$("$TMEM" serve llama-3-8b --rate 20 --requests 200 --prompt-len uniform:100:900 --seed 6)
if [ "$a" = "$b" ]; then ok; else bad "the same seed gave two answers"; fi
if [ "$a" != "$c" ]; then ok; else bad "another seed gave the same answer"; fi

# the knee: the highest swept rate whose p99 TPOT is within the SLO, checked against the table
"$TMEM" serve llama-3-8b --sweep-rate 10:40:4 --requests 500 --slo-tpot-ms 12 --json >"$TMP/k.json"
knee=$(json_real "$TMP/k.json" knee_req_per_s)
best=$(awk '/"rate_req_per_s"/ {gsub(/[,]/, ""); r = $2} /"tpot_ms"/ {t = 1} t && /"p99"/ {gsub(/[,]/, ""); if ($2 <= 12) k = r; t = 0} END {print k}' "$TMP/k.json")
if [ -n "$knee" ] && [ "$knee" = "$best" ]; then ok; else bad "knee $knee, the table says $best"; fi
"$TMEM" serve llama-3-8b --sweep-rate 10:40:4 --requests 500 --slo-tpot-ms 12 >"$TMP/k.txt"
if grep -q '← knee' "$TMP/k.txt"; then ok; else bad "the sweep's text marks no knee"; fi

# a small pool (939 blocks of 2 MiB left under 0.9 × 20,400 MiB) preempts and names KV capacity
"$TMEM" serve llama-3-8b --gpu-memory-mib 20400 --rate 50 --requests 200 --prompt-len 1000 --output-len 1000 >"$TMP/p.txt"
if grep -q 'bottleneck: KV capacity' "$TMP/p.txt" && ! grep -q 'preemptions 0$' "$TMP/p.txt"; then ok
else bad "a small pool: KV capacity and preemptions ($(grep -E 'bottleneck|preempt' "$TMP/p.txt"))"; fi

# a trace runs as given: two requests 10 s apart, each alone on the engine, so each one's
# E2E is the same (an empty engine both times) and the run lasts 10 s + that E2E
printf 'arrival_s,prompt,output\n0,512,128\n10,512,128\n' >"$TMP/t.csv"
"$TMEM" serve llama-3-8b --trace "$TMP/t.csv" --json >"$TMP/t.json"
e2e=$(awk '/"e2e_ms"/ {on = 1} on && /"p50"/ {gsub(/,/, ""); print $2; exit}' "$TMP/t.json")
dur=$(json_real "$TMP/t.json" duration_s)
if awk -v e="$e2e" -v d="$dur" 'BEGIN { exit !(e > 0 && (d - 10 - e / 1000) ^ 2 < 1e-18) }'; then ok
else bad "trace: duration $dur s, want 10 s + E2E $e2e ms"; fi
printf '{"arrival_s": 0, "prompt_tokens": 100, "output_tokens": 10}\n' >"$TMP/t.jsonl"
expect_json "JSON Lines trace" requests 1 serve llama-3-8b --trace "$TMP/t.jsonl"
printf '0,1,2\n0.5,x,3\n' >"$TMP/bad.csv"
expect_error "bad trace line" "bad.csv:line 2: expected ARRIVAL_S" serve llama-3-8b --trace "$TMP/bad.csv"
expect_error "missing trace" "No such file" serve llama-3-8b --trace "$TMP/none.csv"
expect_error "trace and rate" "contradicts --rate" serve llama-3-8b --trace "$TMP/t.csv" --rate 2

# no length given (no --prompt-len, --output-len, --prompt, --gen): the ShareGPT-like pair, its
# published means and their sources printed (tests/unit/test_serve.c checks the draws against them)
"$TMEM" serve llama-3-8b --rate 10 --requests 200 >"$TMP/sg.txt"
if grep -q 'prompt sharegpt, output sharegpt tokens' "$TMP/sg.txt" &&
   grep -q 'prompt 215.2, output 204.6 tokens' "$TMP/sg.txt" &&
   grep -q 'ShareGPT_V3_unfiltered_cleaned_split as vllm bench serve samples it' "$TMP/sg.txt" &&
   grep -q 'prompt: 215,196 tokens / 1,000 requests (vLLM PR #15720, #17004)' "$TMP/sg.txt" &&
   grep -q 'output: 61,393 tokens / 300 requests (SGLang issue #1268)' "$TMP/sg.txt"; then ok
else bad "serve's default lengths: no sharegpt line with its sources ($(grep -A6 '^workload' "$TMP/sg.txt"))"; fi
"$TMEM" serve llama-3-8b --rate 10 --requests 200 --json >"$TMP/sg.json"
if grep -q '"prompt_len": "sharegpt"' "$TMP/sg.json" && grep -q '"length_source": ".*SGLang issue #1268' "$TMP/sg.json"
then ok; else bad "serve --json: no sharegpt prompt_len / length_source"; fi
# the drawn lengths in the JSON are the requests': 200 of them, within the filter's bounds
p99=$(awk '/"prompt_tokens"/ {on = 1} on && /"p99"/ {gsub(/,/, ""); print $2; exit}' "$TMP/sg.json")
if awk -v x="$p99" 'BEGIN { exit !(x >= 4 && x <= 1024) }'; then ok; else bad "sharegpt prompt p99 $p99 outside 4..1024"; fi
# any length given keeps the old default: --prompt / --gen fixed, no sharegpt line
"$TMEM" serve llama-3-8b --rate 10 --requests 50 --prompt 300 >"$TMP/fx.txt"
if grep -q 'prompt 300, output 128 tokens' "$TMP/fx.txt" && ! grep -q sharegpt "$TMP/fx.txt"; then ok
else bad "--prompt 300: $(grep '^workload' "$TMP/fx.txt")"; fi
"$TMEM" serve llama-3-8b --rate 10 --requests 50 --prompt-len 100 --output-len sharegpt >"$TMP/so.txt"
if grep -q 'prompt 100, output sharegpt tokens' "$TMP/so.txt" && grep -q 'means,$' "$TMP/so.txt" &&
   grep -q '^          output 204.6 tokens, of$' "$TMP/so.txt"; then ok
else bad "--output-len sharegpt alone: $(grep -A3 '^workload' "$TMP/so.txt")"; fi
expect_error "sharegpt with a colon" "or sharegpt" serve llama-3-8b --prompt-len sharegpt:1:2

# the engines: each names its scheduler; trtllm reserves and never preempts where vllm does
for e in sglang trtllm llamacpp; do
  "$TMEM" serve llama-3-8b --engine $e --rate 5 --requests 50 --json >"$TMP/e.json"
  if grep -q "\"engine\": \"$e\"" "$TMP/e.json"; then ok; else bad "serve --engine $e: no engine in the JSON"; fi
done
"$TMEM" serve llama-3-8b --engine trtllm --gpu-memory-mib 20400 --rate 50 --requests 200 --prompt-len 1000 --output-len 1000 >"$TMP/p2.txt"
if grep -q 'preemptions 0$' "$TMP/p2.txt" && grep -q 'reserved at admission' "$TMP/p2.txt"; then ok
else bad "trtllm on a small pool: $(grep -E 'preempt|steps,' "$TMP/p2.txt")"; fi
"$TMEM" serve llama-3-8b --engine sglang --rate 5 --requests 50 >"$TMP/sg.txt"
if grep -q 'prefill-first steps' "$TMP/sg.txt"; then ok; else bad "sglang: not prefill-first"; fi
"$TMEM" serve llama-3-8b --rate 5 --requests 50 --schedule prefill-first --prefix-cache-hit 0.5 --json >"$TMP/pf.json"
if grep -q '"schedule": "prefill-first"' "$TMP/pf.json" && grep -q '"prefix_cache_hit": 0.5' "$TMP/pf.json"; then ok
else bad "--schedule / --prefix-cache-hit not in the JSON settings"; fi
# --compare replays a vllm bench serve --save-result file: rate inf with --max-concurrency 1 and
# 20 requests of 1024 + 128 tokens (the means of its totals) are the same workload as
# --concurrency 1 --requests 20 --prompt-len 1024 --output-len 128, so the predicted TPOT is that run's
cat >"$TMP/r.json" <<'EOF2'
{"date": "20250901-120000", "backend": "vllm", "model_id": "meta-llama/Llama-3.1-8B-Instruct",
 "num_prompts": 20, "request_rate": "inf", "burstiness": 1.0, "max_concurrency": 1, "duration": 34.2,
 "completed": 20, "total_input_tokens": 20480, "total_output_tokens": 2560, "request_throughput": 0.58,
 "output_throughput": 74.8, "total_token_throughput": 673.7, "mean_ttft_ms": 70.1, "median_ttft_ms": 69.8,
 "p99_ttft_ms": 75.0, "mean_tpot_ms": 13.33, "median_tpot_ms": 13.3, "p99_tpot_ms": 13.9,
 "mean_itl_ms": 13.3, "median_itl_ms": 13.2, "p99_itl_ms": 14.8}
EOF2
"$TMEM" serve llama-3.1-8b --gpu a100-40gb --compare "$TMP/r.json" --json >"$TMP/c.json"
"$TMEM" serve llama-3.1-8b --gpu a100-40gb --concurrency 1 --requests 20 --prompt-len 1024 --output-len 128 --json >"$TMP/d.json"
a=$(awk '/"tpot_ms"/ {on = 1} on && /"mean"/ {print; exit}' "$TMP/c.json")
b=$(awk '/"tpot_ms"/ {on = 1} on && /"mean"/ {print; exit}' "$TMP/d.json")
if [ -n "$a" ] && [ "$a" = "$b" ]; then ok; else bad "--compare's replay: $a, the same workload by flags: $b"; fi
if grep -q '"compare":' "$TMP/c.json" && grep -q '"measured": 13.33' "$TMP/c.json"; then ok
else bad "--compare: no compare block with the measured TPOT"; fi
"$TMEM" serve llama-3.1-8b --gpu a100-40gb --compare "$TMP/r.json" --calibrate >"$TMP/cal.txt"
if grep -q '^calibrated: --mfu' "$TMP/cal.txt" && grep -q 'rms log error' "$TMP/cal.txt"; then ok
else bad "--calibrate: no fit printed"; fi
"$TMEM" serve llama-3.1-8b --gpu a100-40gb --trace "$TMP/r.json" >"$TMP/tr.txt"
if grep -q 'replayed from' "$TMP/tr.txt" && ! grep -q 'compared with' "$TMP/tr.txt"; then ok
else bad "--trace of a result file: not replayed as a workload"; fi
printf '{"request_rate": "soon", "completed": 3, "total_input_tokens": 3, "total_output_tokens": 3}\n' >"$TMP/bad.json"
expect_error "bad result file" "bad.json:request_rate" serve llama-3-8b --compare "$TMP/bad.json"
expect_error "calibrate alone" "needs --compare" serve llama-3-8b --calibrate
expect_error "compare and rate" "contradicts --trace, --rate" serve llama-3-8b --compare "$TMP/r.json" --rate 3
expect_error "bad schedule" "--schedule" serve llama-3-8b --schedule sideways
expect_error "prefix hit 1" "--prefix-cache-hit" serve llama-3-8b --prefix-cache-hit 1
expect_error "trtllm long prompt" "does not chunk" serve llama-3-8b --engine trtllm --prompt-len 9000 --output-len 10 --requests 2
expect_error "bad length" "expected N, uniform:A:B" serve llama-3-8b --prompt-len uniform:5
expect_error "unknown distribution" "expected N, uniform:A:B" serve llama-3-8b --output-len poisson:3:4
expect_error "uniform backwards" "must be N, uniform:A:B" serve llama-3-8b --prompt-len uniform:9:3
expect_error "rate and concurrency" "contradicts --rate" serve llama-3-8b --rate 3 --concurrency 4
expect_error "rate 0" "--rate" serve llama-3-8b --rate 0
expect_error "burstiness 0" "--burstiness" serve llama-3-8b --rate 1 --burstiness 0
expect_error "hf engine" "hf has none to simulate" serve llama-3-8b --engine hf
expect_error "bad sweep" "expected A:B:N" serve llama-3-8b --sweep-rate 5:1:3
expect_error "request longer than the pool" "request 1: needs more KV blocks" \
  serve llama-3-8b --gpu-memory-mib 20400 --prompt-len 100000 --output-len 10
expect_error "negative SLO" "--slo-ttft-ms" serve llama-3-8b --slo-ttft-ms -1
expect_error "no KV pool" "the KV pool has no blocks" serve llama-3-70b
if grep -q "^tmem: hint: 'tmem infer'" "$TMP/err"; then ok; else bad "no KV pool: no hint line"; fi
expect_error "zero requests" "--requests" serve llama-3-8b --requests 0
expect_error "a run past 2^28 tokens" "at most 2^28" serve gpt2 --gpu h200 --requests 100000 --prompt-len 2000 --output-len 1000
expect_error "a sweep past 2^30 tokens" "above 2^30" serve llama-3-8b --requests 400000 --sweep-rate 1:64:64

summary serve
