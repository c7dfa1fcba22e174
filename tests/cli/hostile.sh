#!/bin/sh
# hostile.sh — inputs a hostile or careless user makes (issue 16): FIFOs,
# devices and folders where a file is expected, a tensor name that names
# layer 2·10⁹, control characters and invalid UTF-8 in names, keys, values
# and flags, integers that would wrap, plans whose bytes overflow only in an
# intermediate product, stdout that cannot be written, long paths and keys,
# and headers with no tensors. For every one: the error contract (one
# "tmem: error:" line, exit 2, nothing on stdout) or a correct result, and
# never a hang (each run that could block is under `timeout`).
# The byte inputs live in fuzz/regress/<target>/ and are replayed by the
# fuzz targets too. Usage: hostile.sh path/to/tmem
HERE=$(cd "$(dirname "$0")" && pwd)
EXPECT_FIXED=1 # this suite's error patterns are literal text
. "$HERE/lib/common.sh"
ROOT=$(cd "$HERE/../.." && pwd)
RG="$ROOT/fuzz/regress"
REAL_TMEM=$TMEM

# Runs that could block go through a wrapper that kills them after 10 s
# (timeout's exit 124 then fails the contract's exit 2).
cat >"$TMP/tmem-timeout" <<EOF
#!/bin/sh
exec timeout 10 "$REAL_TMEM" "\$@"
EOF
chmod +x "$TMP/tmem-timeout"
with_timeout() { TMEM="$TMP/tmem-timeout"; "$@"; TMEM=$REAL_TMEM; }

# expect_clean_stderr DESCRIPTION: the last run's stderr holds no control
# byte but the newline ending each line (no CR, no ESC, no raw tab)
expect_clean_stderr() {
  if LC_ALL=C tr -d '\n' <"$TMP/err" | LC_ALL=C grep -q '[[:cntrl:]]'; then
    bad "$1: raw control bytes on stderr: $(od -c "$TMP/err" | head -n 3)"
  else
    ok
  fi
}

# run_ok OUT CMD...: exit 0 expected, stdout into OUT
run_ok() {
  out=$1
  shift
  if "$TMEM" "$@" >"$out" 2>"$TMP/err"; then ok; else bad "$*: exit $? ($(cat "$TMP/err"))"; return 1; fi
}

expect_eq() { if [ "$2" = "$3" ]; then ok; else bad "$1: '$2', want '$3'"; fi; }

# --- 1. a FIFO (or device, or folder) where a file is expected never blocks ------------
F="$TMP/fifo"
mkdir -p "$F/cfgdir" "$F/idx" "$F/walk" "$F/sub"
mkfifo "$F/config.json" "$F/cfgdir/config.json" "$F/ds.json" "$F/m.gguf" "$F/m.safetensors" \
  "$F/idx/s.safetensors" "$F/walk/a.safetensors"
printf '{"weight_map": {"w": "s.safetensors"}}' >"$F/idx/model.safetensors.index.json"
mkdir "$F/sub/s.safetensors"
printf '{"weight_map": {"w": "s.safetensors"}}' >"$F/sub/model.safetensors.index.json"
FIFO="is a FIFO (named pipe), not a regular file"
with_timeout expect_error "config.json is a FIFO" "$F/config.json: $FIFO" params "$F/config.json"
with_timeout expect_error "a folder's config.json is a FIFO" "$F/cfgdir/config.json: $FIFO" params "$F/cfgdir"
with_timeout expect_error "--deepspeed names a FIFO" "$F/ds.json: $FIFO" train llama-2-7b --deepspeed "$F/ds.json"
with_timeout expect_error "a .gguf that is a FIFO" "$F/m.gguf: $FIFO" inspect "$F/m.gguf"
with_timeout expect_error "a .gguf FIFO as MODEL" "$F/m.gguf: $FIFO" params "$F/m.gguf"
with_timeout expect_error "a .safetensors that is a FIFO" "$F/m.safetensors: $FIFO" inspect "$F/m.safetensors"
with_timeout expect_error "a shard named by the index is a FIFO" \
  "$F/idx/s.safetensors: $FIFO (a shard the index names)" inspect "$F/idx"
with_timeout expect_error "a FIFO among a folder's *.safetensors" "$F/walk/a.safetensors: $FIFO" inspect "$F/walk"
with_timeout expect_error "--config names a FIFO" "$F/config.json: $FIFO" \
  inspect "$RG/safetensors/empty-header.safetensors" --config "$F/config.json"
with_timeout expect_error "a shard that is a folder" "$F/sub/s.safetensors: is a folder, not a regular file" inspect "$F/sub"
with_timeout expect_error "a character device as config" "/dev/null: is a character device, not a regular file" params /dev/null
with_timeout expect_error "a character device as a checkpoint" "/dev/zero: is a character device, not a regular file" inspect /dev/zero

# --- 2. a layer index from a file is capped before any loop over the layers ------------
# 208 bytes: embed_tokens and one tensor of layer 2,000,000,000 (it used to loop 2·10⁹ times)
with_timeout expect_error "a tensor of layer 2e9" \
  "model.layers.2000000000.self_attn.q_proj.weight: at byte 89: layer index 2000000000 but a model has at most 65536 layers" \
  params "$RG/safetensors/layer-index-2e9.safetensors"
# inspect still lists the file, quickly, and says why there is no check
TMEM="$TMP/tmem-timeout"
if run_ok "$TMP/o.json" inspect "$RG/safetensors/layer-index-2e9.safetensors" --json; then
  expect_eq "inspect lists both tensors" "$(json_num "$TMP/o.json" tensor_count)" 2
  if grep -q 'at most 65536 layers' "$TMP/o.json"; then ok; else bad "inspect no_check names the cap"; fi
fi
TMEM=$REAL_TMEM

# --- 3. control characters and invalid UTF-8 are escaped in the one error printer -------
expect_error "newline, CR, ESC in a tensor name" \
  'control-chars-name.safetensors:x\ntmem: error: forged\r\x1b[31mred.dtype: at byte 8: unknown dtype '"'F17'" \
  inspect "$RG/safetensors/control-chars-name.safetensors"
expect_clean_stderr "tensor name"
expect_error "newline, CR, ESC in a GGUF key" \
  'control-chars-key.gguf:a\nb\rtmem: error: forged\x1b[31m: at byte 64: value type 99 is unknown' \
  inspect "$RG/gguf/control-chars-key.gguf"
expect_clean_stderr "GGUF key"
expect_error "newline, CR, ESC in model_type" \
  "unknown model_type 'll\\nama\\rtmem: error: forged\\x1b[2J'" params "$RG/hf_config/model-type-control-chars.json"
expect_clean_stderr "model_type"
expect_error "newline, CR, ESC in a flag value" \
  "--layers: '1\\ntmem: error: forged\\r\\x1b[31m' is not a non-negative integer" \
  params llama-2-7b --layers "$(printf '1\ntmem: error: forged\r\033[31m')"
expect_clean_stderr "flag value"
expect_error "a tab and invalid UTF-8 in a flag value" "--layers: '\\t\\xff\\xc3' is not a non-negative integer" \
  params llama-2-7b --layers "$(printf '\t\377\303')"
expect_clean_stderr "tab and invalid UTF-8"
expect_error "a C1 control (U+009B, a terminal's CSI) in a flag value" "--gpu: unknown GPU 'a\\xc2\\x9b2J'" \
  train llama-2-7b --gpu "$(printf 'a\302\2332J')"
expect_clean_stderr "C1 control"
NL="$TMP/new
line.json"
printf '{"model_type": "llama", "hidden_size": "x"}' >"$NL"
expect_error "a newline in a config's path" "$TMP/new\\nline.json:hidden_size: expected a non-negative integer" params "$NL"
expect_clean_stderr "path"
expect_error "an unknown option with a newline" "--x\\ny: unknown option" params llama-2-7b "$(printf -- '--x\ny')"
expect_clean_stderr "option name"
LONG=$(printf '%0100d' 0 | tr 0 g)
expect_error "a long quoted value is cut with …" \
  "--gpu: unknown GPU '$(printf '%064d' 0 | tr 0 g)…' (closest" train llama-2-7b --gpu "$LONG"
# UTF-8 that is well-formed passes as it is, and a cut never splits a character
E=$(printf '%0100d' 0 | sed 's/0/é/g')
expect_error "a cut on a character boundary" "unknown GPU '$(printf '%032d' 0 | sed 's/0/é/g')…'" train llama-2-7b --gpu "$E"

# --- 4. a config integer that would wrap is refused, not folded ------------------------
# n_shared_experts 2^62 + 1: × moe_intermediate_size 1408 wrapped to 1408 (the total of 1)
expect_error "n_shared_experts 2^62+1" \
  "n-shared-experts-2p62.json:n_shared_experts: is 4611686018427387905 but must be in [0, 16384]" \
  params "$RG/hf_config/n-shared-experts-2p62.json"
sed 's/"n_shared_experts": 4611686018427387905/"n_shared_experts": 16385/' \
  "$RG/hf_config/n-shared-experts-2p62.json" >"$TMP/dsv2-16385.json"
expect_error "n_shared_experts one past the cap" "n_shared_experts: is 16385 but must be in [0, 16384]" \
  params "$TMP/dsv2-16385.json"
# 2 shared experts (DeepSeek-V2-Lite as published): its published 15,706,484,224 params
sed 's/"n_shared_experts": 4611686018427387905/"n_shared_experts": 2/' \
  "$RG/hf_config/n-shared-experts-2p62.json" >"$TMP/dsv2-2.json"
expect_json "DeepSeek-V2-Lite (2 shared experts) total" total_params 15706484224 params "$TMP/dsv2-2.json"

# --- 6. plans whose bytes fit compute, whatever their intermediate products -----------
# frag_check DESC CMD...: the fragmentation line is ceil(5 % × the sum of every other
# entry), the sum and the 5 % figured by bc from the JSON entries (arbitrary precision)
frag_check() {
  desc=$1 frag=""
  shift
  run_ok "$TMP/t.json" "$@" --json || return
  awk '/"label":/ { l = $0 } /"bytes":/ { gsub(/[^0-9]/, "", $0); print (l ~ /allocator fragmentation/ ? "F " : "E ") $0 }' \
    "$TMP/t.json" >"$TMP/entries"
  frag=$(sed -n 's/^F //p' "$TMP/entries")
  rest=$( (sed -n 's/^E //p' "$TMP/entries" | tr '\n' '+'; echo 0) | bc)
  want=$(echo "($rest * 5 + 99) / 100" | bc)
  expect_eq "$desc: fragmentation = ceil(5 % × $rest)" "$frag" "$want"
  total=$(json_num "$TMP/t.json" total)
  expect_eq "$desc: total = rest + fragmentation" "$total" "$(echo "$rest + $frag" | bc)"
}
# By hand for llama-2-7b, b 16384, s 4096, 1 GPU (tokens 67,108,864; per-token figures
# as in train.sh): attention 32 × 67,108,864 × 65,668 = 141,020,956,196,864; MLP
# 32 × 67,108,864 × 120,836 = 259,493,334,089,728; the 12 lines sum to
# 428,593,081,548,800 and 5 % of that is 21,429,654,077,440 exactly (the old code
# formed 428,593,081,548,800 × 50,000 > 2^64 first and failed).
frag_check "llama-2-7b --micro-batch 16384" train llama-2-7b --micro-batch 16384
expect_eq "llama-2-7b b 16384 fragmentation by hand" "$frag" 21429654077440
expect_eq "llama-2-7b b 16384 attention by hand" \
  "$(sed -n '/"label": "attention (saved)"/{n;p;q;}' "$TMP/t.json" | tr -dc 0-9)" "$(echo '32 * 67108864 * 65668' | bc)"
frag_check "deepseek-v3 --seq 16777216" train deepseek-v3 --seq 16777216
frag_check "deepseek-v3 at the micro-batch cap 2^20" train deepseek-v3 --micro-batch 1048576
# both caps at once is 2^44 tokens: its bytes (> 2^65) truly do not fit in 64 bits
expect_error "2^20 × 2^24 tokens" "train: a byte count does not fit in 64 bits" \
  train llama-2-7b --micro-batch 1048576 --seq 16777216
# with a GPU the verdict is given: it does not fit
run_ok "$TMP/v.txt" train llama-2-7b --micro-batch 16384 --gpu h100-sxm
if grep -q '^verdict: does NOT fit' "$TMP/v.txt"; then ok; else bad "b 16384 on an H100: no 'does NOT fit' verdict"; fi

# --- 7. output that cannot be written is an error ---------------------------------------
# stdout_error DESC REDIRECT CMD...: exit 2 and one error line naming stdout
stdout_error() {
  desc=$1 how=$2
  shift 2
  case $how in
    full) "$TMEM" "$@" >/dev/full 2>"$TMP/err" ;;
    closed) "$TMEM" "$@" >&- 2>"$TMP/err" ;;
  esac
  rc=$?
  if [ $rc -ne 2 ]; then bad "$desc: exit $rc, want 2"; return; fi
  if [ "$(wc -l <"$TMP/err")" -ne 1 ]; then bad "$desc: $(wc -l <"$TMP/err") stderr lines"; return; fi
  if grep -q '^tmem: error: stdout: ' "$TMP/err"; then ok; else bad "$desc: $(cat "$TMP/err")"; fi
}
stdout_error "params >/dev/full" full params llama-2-7b
stdout_error "params --json >/dev/full" full params llama-2-7b --json
stdout_error "models (more than a buffer) >/dev/full" full models
stdout_error "--help >/dev/full" full --help
stdout_error "params >&-" closed params llama-2-7b
stdout_error "inspect (opens a file) >&-" closed inspect "$RG/safetensors/empty-header.safetensors"
"$TMEM" params llama-2-7b >/dev/full 2>"$TMP/err"
if grep -qF 'tmem: error: stdout: No space left on device' "$TMP/err"; then ok; else bad "/dev/full message: $(cat "$TMP/err")"; fi
# a bad input still reports its own one line, not a second one about stdout
"$TMEM" params no-such-model >/dev/full 2>"$TMP/err"
expect_eq "a bad input with stdout full: one line" "$(wc -l <"$TMP/err" | tr -d ' ')" 1

# --- 8. whole paths and keys in errors ------------------------------------------------
D="$TMP/$(printf '%080d' 0 | tr 0 d)/$(printf '%080d' 0 | tr 0 e)"
mkdir -p "$D"
printf '{"model_type": "llama", "hidden_size": "x"}' >"$D/config.json"
expect_error "a config error names the whole path (was 50 characters)" \
  "tmem: error: $D/config.json:hidden_size: expected a non-negative integer, got a string" params "$D/config.json"
expect_error "an I/O error names the whole path (was 95 characters)" \
  "tmem: error: $D/absent.json: No such file or directory" params "$D/absent.json"
cp "$RG/safetensors/control-chars-name.safetensors" "$D/bad.safetensors"
expect_error "a checkpoint error names the whole path (was the base name)" \
  "tmem: error: $D/bad.safetensors:x\\n" inspect "$D/bad.safetensors"
expect_error "a DeepSpeed key is whole (was cut to stage3_prefetch_bucket_siz)" \
  "long-key-bad-value.json:zero_optimization.stage3_prefetch_bucket_size: expected a non-negative integer" \
  train llama-2-7b --deepspeed "$RG/ds_config/long-key-bad-value.json"
# past struct tmem_error.where (4096 bytes) the cut is marked
HUGE="/$(printf '%05000d' 0 | tr 0 h)"
expect_error "a path past 4096 bytes ends in …" "…: File name too long" params "$HUGE"

# --- 5. GGUF strings that are not UTF-8 still make a JSON document --------------------
run_ok "$TMP/g.json" inspect "$RG/gguf/non-utf8-metadata.gguf" --json
expect_eq "two strings had bytes replaced" "$(json_num "$TMP/g.json" invalid_utf8_replaced)" 2
if grep -qF '"bad\uFFFDkey": 1' "$TMP/g.json"; then ok; else bad "the key's bad byte is U+FFFD"; fi
if grep -qF '"general.name": "\uFFFD\uFFFDok\uFFFD"' "$TMP/g.json"; then ok; else bad "general.name: $(grep general.name "$TMP/g.json")"; fi
# a document of UTF-8 text has no such key
run_ok "$TMP/e.json" inspect "$RG/safetensors/metadata-only.safetensors" --json
if grep -q invalid_utf8_replaced "$TMP/e.json"; then bad "invalid_utf8_replaced in a UTF-8 document"; else ok; fi

# --- 10. a header of no tensors is legal ----------------------------------------------
run_ok "$TMP/z.json" inspect "$RG/safetensors/empty-header.safetensors" --json
expect_eq "{} has no tensors" "$(json_num "$TMP/z.json" tensor_count)" 0
expect_eq "{} header bytes" "$(json_num "$TMP/z.json" header_bytes)" 10
run_ok "$TMP/z.json" inspect "$RG/safetensors/metadata-only.safetensors" --json
expect_eq "__metadata__ only: no tensors" "$(json_num "$TMP/z.json" tensor_count)" 0
run_ok "$TMP/z.txt" inspect "$RG/safetensors/empty-header.safetensors" --tensors

echo "hostile: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
