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
# nothing close: the general hint, no guess
expect_hint "far-off flag" "see this command's --help for its options" train llama-2-7b --quux 1
expect_hint "far-off GPU" "tmem gpus lists them" train llama-2-7b --gpu zz
summary conventions
