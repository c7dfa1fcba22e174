#!/bin/sh
# conventions.sh — what users expect of a command line: "did you mean" for
# misspelled flags, commands, GPUs and named values (one error line, one
# hint line naming the closest name); shell completion scripts for bash,
# zsh and fish generated from the option tables and driven here as the
# shells would; a Hugging Face repo id found in a fake local hub cache; the
# progress line that only a terminal sees. Usage: conventions.sh path/to/tmem
HERE=$(cd "$(dirname "$0")" && pwd)
EXPECT_FIXED=1
. "$HERE/lib/common.sh"

# expect_hint DESC HINT CMD...: the error contract, and the hint line is exactly HINT
expect_hint() {
  desc=$1 want=$2
  shift 2
  before=$fail
  expect_error "$desc" "tmem: error: " "$@"
  [ "$fail" -ne "$before" ] && return
  got=$(sed -n 's/^tmem: hint: //p' "$TMP/err")
  if [ "$got" = "$want" ]; then ok; else bad "$desc: hint '$got', want '$want'"; fi
}

# ---------------------------------------------------------------- did you mean
expect_hint "misspelled flag" "did you mean --zero?" train llama-2-7b --zer0 3
expect_hint "misspelled flag with =" "did you mean --zero?" train llama-2-7b --zer0=3
expect_hint "misspelled architecture flag" "did you mean --layers?" params gpt2 --layres 3
expect_hint "misspelled GPU (train)" "did you mean h100-sxm?" train llama-2-7b --gpu h100-sxn
expect_hint "misspelled GPU (infer)" "did you mean h100-sxm?" infer llama-2-7b --gpu H100-SXN
expect_hint "misspelled weight format" "did you mean int4?" infer llama-2-7b --weights in4
expect_hint "misspelled ggml type" "did you mean q4_k_m?" infer llama-2-7b --weights q4_k_n
expect_hint "misspelled KV dtype" "did you mean fp8?" infer llama-2-7b --kv-dtype fp9
expect_hint "misspelled engine" "did you mean vllm?" infer llama-2-7b --engine vlm
expect_hint "misspelled optimizer" "did you mean adamw?" train llama-2-7b --optimizer adamww
expect_hint "misspelled recompute mode" "did you mean full?" train llama-2-7b --recompute ful
expect_hint "misspelled command" "did you mean train?" tran llama-2-7b
expect_hint "misspelled output format" "did you mean json?" train llama-2-7b --format jsn
expect_hint "misspelled --format" "did you mean --format?" params gpt2 --fromat json
# nothing close: the general hint, no guess
expect_hint "far-off flag" "see this command's --help for its options" train llama-2-7b --quux 1
expect_hint "far-off GPU" "tmem gpus lists them" train llama-2-7b --gpu zz

# ------------------------------------------------------ Hugging Face hub cache
# A fake cache laid out as huggingface_hub writes it: snapshot files are
# symlinks into ../../blobs/, refs/main names the revision. The fixture
# writer (build/tests/test_ckpt_fixtures) provides a sharded safetensors
# folder ("llama-sharded": d_model 64, 3 shards) and a single-file one.
GEN="$(dirname "${TMEM_UNDER_VALGRIND:-$TMEM}")/tests/test_ckpt_fixtures"
FX="$TMP/fx"
if ! "$GEN" --write "$FX" >/dev/null 2>&1; then
  bad "fixture writer $GEN"
else
  # snapshot HUB REPO REV FIXTURE: REPO's revision REV holds FIXTURE's files, as symlinks to blobs
  snapshot() {
    repo="$1/models--$(printf '%s' "$2" | sed 's|/|--|')"
    mkdir -p "$repo/blobs" "$repo/snapshots/$3" "$repo/refs"
    for f in "$FX/$4"/*; do
      b=$(basename "$f")
      cp --sparse=always "$f" "$repo/blobs/$3-$b"
      ln -s "../../blobs/$3-$b" "$repo/snapshots/$3/$b"
    done
  }
  HUB="$TMP/hub"
  ID=meta-llama/Llama-2-7b-hf # also the id of the built-in preset llama-2-7b
  snapshot "$HUB" "$ID" 1111aaaa llama
  snapshot "$HUB" "$ID" 2222bbbb llama-sharded
  echo 2222bbbb >"$HUB/models--meta-llama--Llama-2-7b-hf/refs/main"
  # the figure to match: the same snapshot read as a folder (its own tests check the count)
  want=$("$TMEM" params "$FX/llama-sharded" --json | json_num /dev/stdin total_params)
  preset=$("$TMEM" params llama-2-7b --json | json_num /dev/stdin total_params)
  got=$(HF_HUB_CACHE="$HUB" "$TMEM" params "$ID" --json 2>"$TMP/err" | json_num /dev/stdin total_params)
  if [ -n "$want" ] && [ "$got" = "$want" ] && [ "$got" != "$preset" ]; then ok; else bad "hub cache: $got params, want $want (the preset has $preset)"; fi
  if grep -qF "tmem: note: $ID: read from the local Hugging Face cache, $HUB/models--meta-llama--Llama-2-7b-hf/snapshots/2222bbbb (not the built-in preset of that id)" "$TMP/err"; then ok; else bad "hub cache note: $(cat "$TMP/err")"; fi
  # the layout read there: d_model 64, not the preset's 4096
  if HF_HUB_CACHE="$HUB" "$TMEM" params "$ID" 2>/dev/null | grep -q "d_model 64 "; then ok; else bad "hub cache: not the snapshot's config"; fi
  # inspect and infer take the id too; infer costs the weights as stored (bf16: 2 bytes each)
  if HF_HUB_CACHE="$HUB" "$TMEM" inspect "$ID" 2>/dev/null | grep -q "3 shards"; then ok; else bad "hub cache: inspect"; fi
  w=$(HF_HUB_CACHE="$HUB" "$TMEM" infer "$ID" --json 2>/dev/null | json_num /dev/stdin weights)
  if [ "$w" = "$((2 * want))" ]; then ok; else bad "hub cache: infer weights $w, want 2 x $want"; fi
  # no refs/main: the newest snapshot (by modification time)
  rm "$HUB/models--meta-llama--Llama-2-7b-hf/refs/main"
  touch -d '2020-01-01' "$HUB/models--meta-llama--Llama-2-7b-hf/snapshots/2222bbbb"
  one=$("$TMEM" params "$FX/llama" --json | json_num /dev/stdin total_params)
  got=$(HF_HUB_CACHE="$HUB" "$TMEM" params "$ID" --json 2>/dev/null | json_num /dev/stdin total_params)
  if [ -n "$one" ] && [ "$got" = "$one" ]; then ok; else bad "newest snapshot: $got, want $one"; fi
  if HF_HUB_CACHE="$HUB" "$TMEM" params "$ID" 2>&1 >/dev/null | grep -q "snapshots/1111aaaa"; then ok; else bad "newest snapshot: not 1111aaaa"; fi
  # $HF_HOME/hub when HF_HUB_CACHE is not set, then ~/.cache/huggingface/hub
  mkdir -p "$TMP/hfhome" "$TMP/home/.cache/huggingface"
  cp -R "$HUB" "$TMP/hfhome/hub"
  cp -R "$HUB" "$TMP/home/.cache/huggingface/hub"
  if env -u HF_HUB_CACHE HF_HOME="$TMP/hfhome" "$TMEM" params "$ID" 2>&1 >/dev/null | grep -qF "$TMP/hfhome/hub/models--"; then ok; else bad "HF_HOME/hub"; fi
  if env -u HF_HUB_CACHE -u HF_HOME -u XDG_CACHE_HOME HOME="$TMP/home" "$TMEM" params "$ID" 2>&1 >/dev/null | grep -qF "$TMP/home/.cache/huggingface/hub/models--"; then ok; else bad "~/.cache/huggingface/hub"; fi
  # not in the cache: the preset, and a note saying so
  got=$(HF_HUB_CACHE="$TMP/empty" "$TMEM" params "$ID" --json 2>"$TMP/err" | json_num /dev/stdin total_params)
  if [ "$got" = "$preset" ] && grep -qF "tmem: note: $ID: not in the local Hugging Face cache ($TMP/empty): the built-in preset llama-2-7b" "$TMP/err"; then ok; else bad "preset fallback: $got, $(cat "$TMP/err")"; fi
  # neither: an error that says where it looked
  export HF_HUB_CACHE="$HUB"
  expect_error "repo id in neither" "not in the local Hugging Face cache $HUB" params nobody/nothing
  export HF_HUB_CACHE="$TMP/no-hf-hub-cache"
fi

# ------------------------------------------------------------ shell completion
for sh in bash zsh fish; do
  if "$TMEM" completion $sh >"$TMP/complete.$sh" 2>"$TMP/err" && [ -s "$TMP/complete.$sh" ] && [ ! -s "$TMP/err" ]; then ok; else bad "completion $sh: $(cat "$TMP/err")"; fi
done
expect_hint "unknown shell" "did you mean fish?" completion fishh
# the GPU names the scripts offer for --gpu are tmem gpus' list, every one
gpus=$("$TMEM" gpus --json | sed -n 's/^ *"name": "\([^"]*\)",\{0,1\}$/\1/p' | sort | tr '\n' ' ')

# bash: source the script, set COMP_WORDS/COMP_CWORD as readline would, call _tmem
# bash_complete WORDS...: the candidates for the last word
bash_complete() {
  bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _tmem; printf "%s\n" "${COMPREPLY[@]}"' _ "$TMP/complete.bash" "$@"
}
# expect_candidates SHELL DESC WANT... -- WORDS...: each WANT is among the candidates
expect_candidates() {
  shell=$1 desc=$2
  shift 2
  wants=""
  while [ "$1" != "--" ]; do wants="$wants $1"; shift; done
  shift
  "${shell}_complete" "$@" >"$TMP/cands" 2>"$TMP/err"
  for w in $wants; do
    if grep -qxF -- "$w" "$TMP/cands"; then ok; else bad "$shell completion, $desc: '$w' not among: $(tr '\n' ' ' <"$TMP/cands") $(cat "$TMP/err")"; fi
  done
}
expect_candidates bash "subcommand" train -- tmem tr
expect_candidates bash "option" --zero -- tmem train llama-2-7b --ze
expect_candidates bash "architecture flag" --kv-heads -- tmem params gpt2 --kv
expect_candidates bash "GPU" h100-sxm h100-pcie -- tmem train llama-2-7b --gpu h1
expect_candidates bash "weight format" int4 int8 -- tmem infer llama-2-7b --weights in
expect_candidates bash "ggml type" q4_k_m -- tmem infer llama-2-7b --weights q4_k
expect_candidates bash "ZeRO stage" 0 3 -- tmem train llama-2-7b --zero ""
expect_candidates bash "preset" llama-3.1-8b llama-3.1-70b -- tmem params llama-3.1-
expect_candidates bash "file for MODEL" "$FX/llama" -- tmem params "$FX/lla"
expect_candidates bash "file for PATH" "$FX/llama.gguf" -- tmem inspect "$FX/llama.g"
expect_candidates bash "shell" zsh -- tmem completion z
expect_candidates bash "output format" csv markdown -- tmem infer llama-2-7b --format ""
expect_candidates bash "a command added since" sweep -- tmem sw
got=$(bash_complete tmem train x --gpu "" | sort | tr '\n' ' ')
if [ -n "$gpus" ] && [ "$got" = "$gpus" ]; then ok; else bad "bash --gpu offers '$got', tmem gpus lists '$gpus'"; fi
if [ -z "$(bash_complete tmem train x --tp "")" ]; then ok; else bad "bash: a number's value gets candidates"; fi

# zsh: syntax, then _tmem driven with words/CURRENT set and compadd/_files
# stubbed (zsh filters by prefix itself, so every candidate is printed)
zsh_complete() {
  zsh -fc 'compadd() { [[ $1 == -- ]] && shift; print -l -- "$@"; }; _files() { print -- FILES; }
           source "$1"; shift; words=("$@"); CURRENT=$#; _tmem' _ "$TMP/complete.zsh" "$@"
}
if command -v zsh >/dev/null 2>&1; then
  if zsh -n "$TMP/complete.zsh" 2>"$TMP/err"; then ok; else bad "zsh -n: $(cat "$TMP/err")"; fi
  expect_candidates zsh "subcommand" train inspect -- tmem tr
  expect_candidates zsh "option" --zero -- tmem train llama-2-7b --ze
  expect_candidates zsh "GPU" h100-sxm -- tmem train llama-2-7b --gpu h1
  expect_candidates zsh "weight format" int4 q4_k_m -- tmem infer llama-2-7b --weights in
  expect_candidates zsh "preset and files" llama-3.1-8b FILES -- tmem params llama
  expect_candidates zsh "file for PATH" FILES -- tmem inspect x
  got=$(zsh_complete tmem train x --gpu "" | sort | tr '\n' ' ')
  if [ "$got" = "$gpus" ]; then ok; else bad "zsh --gpu offers '$got', tmem gpus lists '$gpus'"; fi
else
  skip "zsh completion" "zsh is not installed (apt-get install zsh)"
fi

# fish: syntax, then fish's own completion engine (complete -C)
fish_complete() {
  line=""
  for w in "$@"; do line="$line${line:+ }$w"; done
  HOME="$TMP" fish --no-config -c 'source $argv[1]; complete -C"$argv[2]"' "$TMP/complete.fish" "$line" | cut -f1
}
if command -v fish >/dev/null 2>&1; then
  if fish --no-config -n "$TMP/complete.fish" 2>"$TMP/err"; then ok; else bad "fish -n: $(cat "$TMP/err")"; fi
  expect_candidates fish "subcommand" train -- tmem tr
  expect_candidates fish "option" --zero -- tmem train llama-2-7b --ze
  expect_candidates fish "GPU" h100-sxm h100-pcie -- tmem train llama-2-7b --gpu h1
  expect_candidates fish "weight format" int4 int8 -- tmem infer llama-2-7b --weights in
  expect_candidates fish "preset" llama-3.1-8b -- tmem params llama-3.1-
  expect_candidates fish "file for PATH" "$FX/llama.gguf" -- tmem inspect "$FX/llama.g"
  got=$(fish_complete tmem train x --gpu "" | sort | tr '\n' ' ')
  if [ "$got" = "$gpus" ]; then ok; else bad "fish --gpu offers '$got', tmem gpus lists '$gpus'"; fi
else
  skip "fish completion" "fish is not installed (apt-get install fish)"
fi

# ------------------------------------------------------------ progress line
# A 9-shard checkpoint (each shard one F32 tensor of 1 element), written
# here byte by byte as the safetensors format lays it out: 8-byte
# little-endian header length, the header, the data.
MANY="$TMP/many"
mkdir -p "$MANY"
map=""
for i in 1 2 3 4 5 6 7 8 9; do
  h="{\"t$i\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"
  n=$(printf '%s' "$h" | wc -c)
  { printf "\\$(printf %03o "$n")\\0\\0\\0\\0\\0\\0\\0"; printf '%s' "$h"; printf '\0\0\0\0'; } >"$MANY/model-0000$i-of-00009.safetensors"
  map="$map${map:+,}\"t$i\":\"model-0000$i-of-00009.safetensors\""
done
printf '{"metadata":{"total_size":36},"weight_map":{%s}}' "$map" >"$MANY/model.safetensors.index.json"
# captured stderr (not a terminal): no progress line, nothing at all
if "$TMEM" inspect "$MANY" >"$TMP/out" 2>"$TMP/err" && [ ! -s "$TMP/err" ] && grep -q "9 shards" "$TMP/out"; then ok; else bad "inspect of 9 shards: $(cat "$TMP/err")"; fi
# on a terminal (script(1) from util-linux gives the command a pty): the line, redrawn, then erased
if command -v script >/dev/null 2>&1; then
  script -qec "'$TMEM' inspect '$MANY' >/dev/null" /dev/null >"$TMP/tty" 2>&1 </dev/null
  if grep -q "tmem: reading shard 1 of 9 (model-00001-of-00009.safetensors)" "$TMP/tty" &&
     grep -q "tmem: reading shard 8 of 9" "$TMP/tty" && ! grep -q "shard 9 of 9" "$TMP/tty"; then ok; else bad "progress on a terminal: $(od -c "$TMP/tty" | head -5)"; fi
  # fewer than 8 shards: no line even on a terminal
  script -qec "'$TMEM' inspect '$FX/llama-sharded' >/dev/null" /dev/null >"$TMP/tty" 2>&1 </dev/null
  if ! grep -q "reading shard" "$TMP/tty"; then ok; else bad "progress for 3 shards"; fi
else
  skip "progress line" "script (util-linux) is not installed"
fi
# tmem prints no colour: no escape sequence anywhere, so NO_COLOR has nothing to turn off
"$TMEM" train llama-2-7b --gpus 8 --zero 3 --gpu h100-sxm >"$TMP/out" 2>&1
if ! grep -q "$(printf '\033')" "$TMP/out"; then ok; else bad "an escape sequence in tmem train's output"; fi

summary conventions
