/* presets.c — built-in model presets.
 *
 * Owns the table of built-in models. Each preset is the architecture part of
 * the model's real Hugging Face config.json, kept as JSON text and parsed by
 * tmem's config.json reader exactly as a user's file would be. Fields the
 * real file leaves to its config class's defaults are left out here too.
 * Each row also carries an independently published parameter total (0 when
 * no exact figure was found) and where that total comes from, so tests can
 * check tmem's count against it. Lookups match the preset name or the HF id,
 * ASCII case-insensitively. */
#include <stddef.h>
#include <stdint.h>

#include "tmem/read.h"

static const struct tmem_preset presets[] = {
    /* Config: openai-community/gpt2 config.json (copy in
     * /work/shared/data/models/openai-community__gpt2). */
    {"gpt2", "openai-community/gpt2", UINT64_C(124439808),
     "keras-hub gpt2_base_en preset metadata (params); HF safetensors total "
     "137022720 also counts 12 attn.bias causal-mask buffers",
     "{"
     "\"model_type\": \"gpt2\", "
     "\"vocab_size\": 50257, "
     "\"n_embd\": 768, "
     "\"n_layer\": 12, "
     "\"n_head\": 12, "
     "\"n_positions\": 1024, "
     "\"n_ctx\": 1024"
     "}"},

    /* Config: openai-community/gpt2-medium config.json. */
    {"gpt2-medium", "openai-community/gpt2-medium", UINT64_C(354823168),
     "keras-hub gpt2_medium_en preset metadata (params); HF safetensors total also "
     "counts attn.bias causal masks",
     "{"
     "\"model_type\": \"gpt2\", "
     "\"vocab_size\": 50257, "
     "\"n_embd\": 1024, "
     "\"n_layer\": 24, "
     "\"n_head\": 16, "
     "\"n_positions\": 1024, "
     "\"n_ctx\": 1024"
     "}"},

    /* Config: openai-community/gpt2-large config.json. */
    {"gpt2-large", "openai-community/gpt2-large", UINT64_C(774030080),
     "keras-hub gpt2_large_en preset metadata (params)",
     "{"
     "\"model_type\": \"gpt2\", "
     "\"vocab_size\": 50257, "
     "\"n_embd\": 1280, "
     "\"n_layer\": 36, "
     "\"n_head\": 20, "
     "\"n_positions\": 1024, "
     "\"n_ctx\": 1024"
     "}"},

    /* Config: openai-community/gpt2-xl config.json. */
    {"gpt2-xl", "openai-community/gpt2-xl", UINT64_C(1557611200),
     "keras-hub gpt2_extra_large_en preset metadata (params)",
     "{"
     "\"model_type\": \"gpt2\", "
     "\"vocab_size\": 50257, "
     "\"n_embd\": 1600, "
     "\"n_layer\": 48, "
     "\"n_head\": 25, "
     "\"n_positions\": 1024, "
     "\"n_ctx\": 1024"
     "}"},

    /* Config: EleutherAI/pythia-70m config.json. */
    {"pythia-70m", "EleutherAI/pythia-70m", UINT64_C(70426624),
     "Pythia model card, 'Naming convention and parameter count' table (total "
     "params)",
     "{"
     "\"model_type\": \"gpt_neox\", "
     "\"vocab_size\": 50304, "
     "\"hidden_size\": 512, "
     "\"num_hidden_layers\": 6, "
     "\"num_attention_heads\": 8, "
     "\"intermediate_size\": 2048, "
     "\"max_position_embeddings\": 2048, "
     "\"tie_word_embeddings\": false, "
     "\"torch_dtype\": \"float16\""
     "}"},

    /* Config: EleutherAI/pythia-160m config.json. */
    {"pythia-160m", "EleutherAI/pythia-160m", UINT64_C(162322944),
     "Pythia model card, 'Naming convention and parameter count' table (total "
     "params)",
     "{"
     "\"model_type\": \"gpt_neox\", "
     "\"vocab_size\": 50304, "
     "\"hidden_size\": 768, "
     "\"num_hidden_layers\": 12, "
     "\"num_attention_heads\": 12, "
     "\"intermediate_size\": 3072, "
     "\"max_position_embeddings\": 2048, "
     "\"tie_word_embeddings\": false, "
     "\"torch_dtype\": \"float16\""
     "}"},

    /* Config: EleutherAI/pythia-410m config.json (copy in /work/shared/data/models). */
    {"pythia-410m", "EleutherAI/pythia-410m", UINT64_C(405334016),
     "Pythia model card, 'Naming convention and parameter count' table (total "
     "params)",
     "{"
     "\"model_type\": \"gpt_neox\", "
     "\"vocab_size\": 50304, "
     "\"hidden_size\": 1024, "
     "\"num_hidden_layers\": 24, "
     "\"num_attention_heads\": 16, "
     "\"intermediate_size\": 4096, "
     "\"max_position_embeddings\": 2048, "
     "\"tie_word_embeddings\": false, "
     "\"torch_dtype\": \"float16\""
     "}"},

    /* Config: EleutherAI/pythia-1b config.json. */
    {"pythia-1b", "EleutherAI/pythia-1b", UINT64_C(1011781632),
     "Pythia model card, 'Naming convention and parameter count' table (total "
     "params)",
     "{"
     "\"model_type\": \"gpt_neox\", "
     "\"vocab_size\": 50304, "
     "\"hidden_size\": 2048, "
     "\"num_hidden_layers\": 16, "
     "\"num_attention_heads\": 8, "
     "\"intermediate_size\": 8192, "
     "\"max_position_embeddings\": 2048, "
     "\"tie_word_embeddings\": false, "
     "\"torch_dtype\": \"float16\""
     "}"},

    /* Config: EleutherAI/pythia-1.4b config.json. */
    {"pythia-1.4b", "EleutherAI/pythia-1.4b", UINT64_C(1414647808),
     "Pythia model card, 'Naming convention and parameter count' table (total "
     "params)",
     "{"
     "\"model_type\": \"gpt_neox\", "
     "\"vocab_size\": 50304, "
     "\"hidden_size\": 2048, "
     "\"num_hidden_layers\": 24, "
     "\"num_attention_heads\": 16, "
     "\"intermediate_size\": 8192, "
     "\"max_position_embeddings\": 2048, "
     "\"tie_word_embeddings\": false, "
     "\"torch_dtype\": \"float16\""
     "}"},

    /* Config: EleutherAI/pythia-2.8b config.json. */
    {"pythia-2.8b", "EleutherAI/pythia-2.8b", UINT64_C(2775208960),
     "Pythia model card, 'Naming convention and parameter count' table (total "
     "params)",
     "{"
     "\"model_type\": \"gpt_neox\", "
     "\"vocab_size\": 50304, "
     "\"hidden_size\": 2560, "
     "\"num_hidden_layers\": 32, "
     "\"num_attention_heads\": 32, "
     "\"intermediate_size\": 10240, "
     "\"max_position_embeddings\": 2048, "
     "\"tie_word_embeddings\": false, "
     "\"torch_dtype\": \"float16\""
     "}"},

    /* Config: EleutherAI/pythia-6.9b config.json. */
    {"pythia-6.9b", "EleutherAI/pythia-6.9b", UINT64_C(6857302016),
     "Pythia model card, 'Naming convention and parameter count' table (total "
     "params)",
     "{"
     "\"model_type\": \"gpt_neox\", "
     "\"vocab_size\": 50432, "
     "\"hidden_size\": 4096, "
     "\"num_hidden_layers\": 32, "
     "\"num_attention_heads\": 32, "
     "\"intermediate_size\": 16384, "
     "\"max_position_embeddings\": 2048, "
     "\"tie_word_embeddings\": false, "
     "\"torch_dtype\": \"float16\""
     "}"},

    /* Config: EleutherAI/pythia-12b config.json (copy in /work/shared/data/models). */
    {"pythia-12b", "EleutherAI/pythia-12b", UINT64_C(11846072320),
     "Pythia model card, 'Naming convention and parameter count' table (total "
     "params)",
     "{"
     "\"model_type\": \"gpt_neox\", "
     "\"vocab_size\": 50688, "
     "\"hidden_size\": 5120, "
     "\"num_hidden_layers\": 36, "
     "\"num_attention_heads\": 40, "
     "\"intermediate_size\": 20480, "
     "\"max_position_embeddings\": 2048, "
     "\"tie_word_embeddings\": false, "
     "\"torch_dtype\": \"float16\""
     "}"},

    /* Config: facebook/opt-1.3b config.json (fields as in /work/shared copy; matches
     * EasyDeL opt_configs['1.3b']). torch_dtype float16 as in the other OPT checkpoints'
     * config.json files. */
    {"opt-1.3b", "facebook/opt-1.3b", UINT64_C(1315758080),
     "HF Hub safetensors metadata total, as quoted in public code (/work/shared "
     "truth.json)",
     "{"
     "\"model_type\": \"opt\", "
     "\"vocab_size\": 50272, "
     "\"hidden_size\": 2048, "
     "\"num_hidden_layers\": 24, "
     "\"num_attention_heads\": 32, "
     "\"ffn_dim\": 8192, "
     "\"max_position_embeddings\": 2048, "
     "\"word_embed_proj_dim\": 2048, "
     "\"do_layer_norm_before\": true, "
     "\"torch_dtype\": \"float16\""
     "}"},

    /* Config: bigscience/bloom config.json (the real file has no torch_dtype; weights are
     * bf16). The real file has no torch_dtype (the weights are stored as bf16), so none is
     * given here. */
    {"bloom", "bigscience/bloom", UINT64_C(176247271424),
     "HF Hub safetensors metadata total (huggingface.js safetensors metadata test, "
     "/work/shared truth.json)",
     "{"
     "\"model_type\": \"bloom\", "
     "\"vocab_size\": 250880, "
     "\"hidden_size\": 14336, "
     "\"n_layer\": 70, "
     "\"n_head\": 112"
     "}"},

    /* Config: microsoft/phi-2 config.json. */
    {"phi-2", "microsoft/phi-2", UINT64_C(2779683840),
     "HF Hub safetensors metadata total, as quoted in public code (/work/shared "
     "truth.json)",
     "{"
     "\"model_type\": \"phi\", "
     "\"vocab_size\": 51200, "
     "\"hidden_size\": 2560, "
     "\"num_hidden_layers\": 32, "
     "\"num_attention_heads\": 32, "
     "\"num_key_value_heads\": 32, "
     "\"intermediate_size\": 10240, "
     "\"max_position_embeddings\": 2048, "
     "\"tie_word_embeddings\": false, "
     "\"torch_dtype\": \"float16\""
     "}"},

    /* Config: microsoft/Phi-3-mini-4k-instruct config.json (copy in
     * /work/shared/data/models). */
    {"phi-3-mini-4k", "microsoft/Phi-3-mini-4k-instruct", UINT64_C(3821079552),
     "keras-hub phi3 preset metadata (params); equals HF Hub safetensors total",
     "{"
     "\"model_type\": \"phi3\", "
     "\"vocab_size\": 32064, "
     "\"hidden_size\": 3072, "
     "\"num_hidden_layers\": 32, "
     "\"num_attention_heads\": 32, "
     "\"num_key_value_heads\": 32, "
     "\"intermediate_size\": 8192, "
     "\"max_position_embeddings\": 4096, "
     "\"sliding_window\": 2047, "
     "\"tie_word_embeddings\": false, "
     "\"attention_bias\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: meta-llama/Llama-2-7b-hf config.json (copy in /work/shared/data/models). */
    {"llama-2-7b", "meta-llama/Llama-2-7b-hf", UINT64_C(6738415616),
     "keras-hub llama2_7b_en preset metadata (params); HF safetensors total "
     "6738417664 also counts 32 rotary inv_freq buffers",
     "{"
     "\"model_type\": \"llama\", "
     "\"vocab_size\": 32000, "
     "\"hidden_size\": 4096, "
     "\"num_hidden_layers\": 32, "
     "\"num_attention_heads\": 32, "
     "\"num_key_value_heads\": 32, "
     "\"intermediate_size\": 11008, "
     "\"max_position_embeddings\": 4096, "
     "\"tie_word_embeddings\": false, "
     "\"torch_dtype\": \"float16\""
     "}"},

    /* Config: meta-llama/Llama-2-13b-hf config.json. */
    {"llama-2-13b", "meta-llama/Llama-2-13b-hf", UINT64_C(13015864320),
     "parameter count quoted in public code for Llama-2-13b(-chat)-hf; HF "
     "safetensors total 13015866880 also counts 40 rotary inv_freq buffers",
     "{"
     "\"model_type\": \"llama\", "
     "\"vocab_size\": 32000, "
     "\"hidden_size\": 5120, "
     "\"num_hidden_layers\": 40, "
     "\"num_attention_heads\": 40, "
     "\"num_key_value_heads\": 40, "
     "\"intermediate_size\": 13824, "
     "\"max_position_embeddings\": 4096, "
     "\"tie_word_embeddings\": false, "
     "\"torch_dtype\": \"float16\""
     "}"},

    /* Config: meta-llama/Llama-2-70b-hf config.json. */
    {"llama-2-70b", "meta-llama/Llama-2-70b-hf", UINT64_C(68976648192),
     "Together API parameter count for llama-2-70b (public code); HF safetensors "
     "total 68976653312 also counts 80 rotary inv_freq buffers",
     "{"
     "\"model_type\": \"llama\", "
     "\"vocab_size\": 32000, "
     "\"hidden_size\": 8192, "
     "\"num_hidden_layers\": 80, "
     "\"num_attention_heads\": 64, "
     "\"num_key_value_heads\": 8, "
     "\"intermediate_size\": 28672, "
     "\"max_position_embeddings\": 4096, "
     "\"tie_word_embeddings\": false, "
     "\"torch_dtype\": \"float16\""
     "}"},

    /* Config: meta-llama/Meta-Llama-3-8B config.json. */
    {"llama-3-8b", "meta-llama/Meta-Llama-3-8B", UINT64_C(8030261248),
     "keras-hub llama3_8b_en preset metadata (params); equals HF Hub safetensors "
     "total",
     "{"
     "\"model_type\": \"llama\", "
     "\"vocab_size\": 128256, "
     "\"hidden_size\": 4096, "
     "\"num_hidden_layers\": 32, "
     "\"num_attention_heads\": 32, "
     "\"num_key_value_heads\": 8, "
     "\"intermediate_size\": 14336, "
     "\"max_position_embeddings\": 8192, "
     "\"tie_word_embeddings\": false, "
     "\"attention_bias\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: meta-llama/Meta-Llama-3-70B config.json. */
    {"llama-3-70b", "meta-llama/Meta-Llama-3-70B", UINT64_C(70553706496),
     "HF Hub safetensors total (Meta-Llama-3-70B-Instruct, same architecture), as "
     "quoted in public code",
     "{"
     "\"model_type\": \"llama\", "
     "\"vocab_size\": 128256, "
     "\"hidden_size\": 8192, "
     "\"num_hidden_layers\": 80, "
     "\"num_attention_heads\": 64, "
     "\"num_key_value_heads\": 8, "
     "\"intermediate_size\": 28672, "
     "\"max_position_embeddings\": 8192, "
     "\"tie_word_embeddings\": false, "
     "\"attention_bias\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: meta-llama/Llama-3.1-8B config.json. */
    {"llama-3.1-8b", "meta-llama/Llama-3.1-8B", UINT64_C(8030261248),
     "HF Hub safetensors total (api/models/meta-llama/Llama-3.1-8B), as quoted in "
     "public code",
     "{"
     "\"model_type\": \"llama\", "
     "\"vocab_size\": 128256, "
     "\"hidden_size\": 4096, "
     "\"num_hidden_layers\": 32, "
     "\"num_attention_heads\": 32, "
     "\"num_key_value_heads\": 8, "
     "\"intermediate_size\": 14336, "
     "\"max_position_embeddings\": 131072, "
     "\"tie_word_embeddings\": false, "
     "\"attention_bias\": false, "
     "\"mlp_bias\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: meta-llama/Llama-3.1-70B config.json. */
    {"llama-3.1-70b", "meta-llama/Llama-3.1-70B", UINT64_C(70553706496),
     "HF Hub safetensors total (api/models/meta-llama/Llama-3.1-70B), as quoted in "
     "public code",
     "{"
     "\"model_type\": \"llama\", "
     "\"vocab_size\": 128256, "
     "\"hidden_size\": 8192, "
     "\"num_hidden_layers\": 80, "
     "\"num_attention_heads\": 64, "
     "\"num_key_value_heads\": 8, "
     "\"intermediate_size\": 28672, "
     "\"max_position_embeddings\": 131072, "
     "\"tie_word_embeddings\": false, "
     "\"attention_bias\": false, "
     "\"mlp_bias\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: meta-llama/Llama-3.1-405B config.json. */
    {"llama-3.1-405b", "meta-llama/Llama-3.1-405B", UINT64_C(405853388800),
     "HF Hub safetensors total (api/models/meta-llama/Llama-3.1-405B), as quoted in "
     "public code",
     "{"
     "\"model_type\": \"llama\", "
     "\"vocab_size\": 128256, "
     "\"hidden_size\": 16384, "
     "\"num_hidden_layers\": 126, "
     "\"num_attention_heads\": 128, "
     "\"num_key_value_heads\": 8, "
     "\"intermediate_size\": 53248, "
     "\"max_position_embeddings\": 131072, "
     "\"tie_word_embeddings\": false, "
     "\"attention_bias\": false, "
     "\"mlp_bias\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: meta-llama/Llama-3.2-1B config.json. */
    {"llama-3.2-1b", "meta-llama/Llama-3.2-1B", UINT64_C(1235814400),
     "HF Hub safetensors total (Llama-3.2-1B-Instruct, same architecture), as quoted "
     "in public code",
     "{"
     "\"model_type\": \"llama\", "
     "\"vocab_size\": 128256, "
     "\"hidden_size\": 2048, "
     "\"num_hidden_layers\": 16, "
     "\"num_attention_heads\": 32, "
     "\"num_key_value_heads\": 8, "
     "\"head_dim\": 64, "
     "\"intermediate_size\": 8192, "
     "\"max_position_embeddings\": 131072, "
     "\"tie_word_embeddings\": true, "
     "\"attention_bias\": false, "
     "\"mlp_bias\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: meta-llama/Llama-3.2-3B config.json. */
    {"llama-3.2-3b", "meta-llama/Llama-3.2-3B", UINT64_C(3212749824),
     "HF Hub safetensors total (Llama-3.2-3B-Instruct, same architecture), as quoted "
     "in public code",
     "{"
     "\"model_type\": \"llama\", "
     "\"vocab_size\": 128256, "
     "\"hidden_size\": 3072, "
     "\"num_hidden_layers\": 28, "
     "\"num_attention_heads\": 24, "
     "\"num_key_value_heads\": 8, "
     "\"head_dim\": 128, "
     "\"intermediate_size\": 8192, "
     "\"max_position_embeddings\": 131072, "
     "\"tie_word_embeddings\": true, "
     "\"attention_bias\": false, "
     "\"mlp_bias\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: mistralai/Mistral-7B-v0.1 config.json (copy in /work/shared/data/models). */
    {"mistral-7b", "mistralai/Mistral-7B-v0.1", UINT64_C(7241732096),
     "keras-hub mistral_7b_en preset metadata (params); equals HF Hub safetensors "
     "total",
     "{"
     "\"model_type\": \"mistral\", "
     "\"vocab_size\": 32000, "
     "\"hidden_size\": 4096, "
     "\"num_hidden_layers\": 32, "
     "\"num_attention_heads\": 32, "
     "\"num_key_value_heads\": 8, "
     "\"intermediate_size\": 14336, "
     "\"max_position_embeddings\": 32768, "
     "\"sliding_window\": 4096, "
     "\"tie_word_embeddings\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: mistralai/Mixtral-8x7B-v0.1 config.json (copy in /work/shared/data/models). */
    {"mixtral-8x7b", "mistralai/Mixtral-8x7B-v0.1", UINT64_C(46702792704),
     "keras-hub mixtral_8_7b_en preset metadata (params)",
     "{"
     "\"model_type\": \"mixtral\", "
     "\"vocab_size\": 32000, "
     "\"hidden_size\": 4096, "
     "\"num_hidden_layers\": 32, "
     "\"num_attention_heads\": 32, "
     "\"num_key_value_heads\": 8, "
     "\"intermediate_size\": 14336, "
     "\"num_local_experts\": 8, "
     "\"num_experts_per_tok\": 2, "
     "\"max_position_embeddings\": 32768, "
     "\"sliding_window\": null, "
     "\"tie_word_embeddings\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: Qwen/Qwen2.5-0.5B config.json (copy in /work/shared/data/models). */
    {"qwen2.5-0.5b", "Qwen/Qwen2.5-0.5B", UINT64_C(494032768),
     "keras-hub qwen2.5_0.5b_en preset metadata (params); equals HF Hub safetensors "
     "total",
     "{"
     "\"model_type\": \"qwen2\", "
     "\"vocab_size\": 151936, "
     "\"hidden_size\": 896, "
     "\"num_hidden_layers\": 24, "
     "\"num_attention_heads\": 14, "
     "\"num_key_value_heads\": 2, "
     "\"intermediate_size\": 4864, "
     "\"max_position_embeddings\": 32768, "
     "\"sliding_window\": 32768, "
     "\"use_sliding_window\": false, "
     "\"tie_word_embeddings\": true, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: Qwen/Qwen2.5-7B config.json. */
    {"qwen2.5-7b", "Qwen/Qwen2.5-7B", UINT64_C(7615616512),
     "HF Hub safetensors total (api/models/Qwen/Qwen2.5-7B), as quoted in public "
     "code",
     "{"
     "\"model_type\": \"qwen2\", "
     "\"vocab_size\": 152064, "
     "\"hidden_size\": 3584, "
     "\"num_hidden_layers\": 28, "
     "\"num_attention_heads\": 28, "
     "\"num_key_value_heads\": 4, "
     "\"intermediate_size\": 18944, "
     "\"max_position_embeddings\": 131072, "
     "\"sliding_window\": 131072, "
     "\"use_sliding_window\": false, "
     "\"tie_word_embeddings\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: Qwen/Qwen2.5-72B config.json. */
    {"qwen2.5-72b", "Qwen/Qwen2.5-72B", UINT64_C(72706203648),
     "HF Hub safetensors total for Qwen/Qwen2.5-72B as quoted in public code; "
     "keras-hub qwen2.5_instruct_72b_en agrees",
     "{"
     "\"model_type\": \"qwen2\", "
     "\"vocab_size\": 152064, "
     "\"hidden_size\": 8192, "
     "\"num_hidden_layers\": 80, "
     "\"num_attention_heads\": 64, "
     "\"num_key_value_heads\": 8, "
     "\"intermediate_size\": 29568, "
     "\"max_position_embeddings\": 131072, "
     "\"sliding_window\": 131072, "
     "\"use_sliding_window\": false, "
     "\"tie_word_embeddings\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: Qwen/Qwen3-0.6B config.json. */
    {"qwen3-0.6b", "Qwen/Qwen3-0.6B", UINT64_C(596049920),
     "keras-hub qwen3_0.6b_en preset metadata (params); HF safetensors total "
     "751632384 also counts a stored copy of the tied lm_head",
     "{"
     "\"model_type\": \"qwen3\", "
     "\"vocab_size\": 151936, "
     "\"hidden_size\": 1024, "
     "\"num_hidden_layers\": 28, "
     "\"num_attention_heads\": 16, "
     "\"num_key_value_heads\": 8, "
     "\"head_dim\": 128, "
     "\"intermediate_size\": 3072, "
     "\"max_position_embeddings\": 40960, "
     "\"sliding_window\": null, "
     "\"use_sliding_window\": false, "
     "\"tie_word_embeddings\": true, "
     "\"attention_bias\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: Qwen/Qwen3-8B config.json. */
    {"qwen3-8b", "Qwen/Qwen3-8B", UINT64_C(8190735360),
     "keras-hub qwen3_8b_en preset metadata (params); equals HF Hub safetensors "
     "total",
     "{"
     "\"model_type\": \"qwen3\", "
     "\"vocab_size\": 151936, "
     "\"hidden_size\": 4096, "
     "\"num_hidden_layers\": 36, "
     "\"num_attention_heads\": 32, "
     "\"num_key_value_heads\": 8, "
     "\"head_dim\": 128, "
     "\"intermediate_size\": 12288, "
     "\"max_position_embeddings\": 40960, "
     "\"sliding_window\": null, "
     "\"use_sliding_window\": false, "
     "\"tie_word_embeddings\": false, "
     "\"attention_bias\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: Qwen/Qwen3-30B-A3B config.json (fields as in /work/shared copy). */
    {"qwen3-30b-a3b", "Qwen/Qwen3-30B-A3B", UINT64_C(30532122624),
     "keras-hub qwen3_moe preset metadata (params); equals HF Hub safetensors total",
     "{"
     "\"model_type\": \"qwen3_moe\", "
     "\"vocab_size\": 151936, "
     "\"hidden_size\": 2048, "
     "\"num_hidden_layers\": 48, "
     "\"num_attention_heads\": 32, "
     "\"num_key_value_heads\": 4, "
     "\"head_dim\": 128, "
     "\"intermediate_size\": 6144, "
     "\"moe_intermediate_size\": 768, "
     "\"num_experts\": 128, "
     "\"num_experts_per_tok\": 8, "
     "\"decoder_sparse_step\": 1, "
     "\"mlp_only_layers\": [], "
     "\"max_position_embeddings\": 40960, "
     "\"sliding_window\": null, "
     "\"use_sliding_window\": false, "
     "\"tie_word_embeddings\": false, "
     "\"attention_bias\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: Qwen/Qwen1.5-MoE-A2.7B config.json. The -Chat repo's config says
     * max_position_embeddings 32768; the base says 8192. */
    {"qwen1.5-moe-a2.7b", "Qwen/Qwen1.5-MoE-A2.7B", UINT64_C(14315784192),
     "keras-hub qwen1.5_moe_2.7b_en preset metadata (params)",
     "{"
     "\"model_type\": \"qwen2_moe\", "
     "\"vocab_size\": 151936, "
     "\"hidden_size\": 2048, "
     "\"num_hidden_layers\": 24, "
     "\"num_attention_heads\": 16, "
     "\"num_key_value_heads\": 16, "
     "\"intermediate_size\": 5632, "
     "\"moe_intermediate_size\": 1408, "
     "\"shared_expert_intermediate_size\": 5632, "
     "\"num_experts\": 60, "
     "\"num_experts_per_tok\": 4, "
     "\"decoder_sparse_step\": 1, "
     "\"max_position_embeddings\": 8192, "
     "\"sliding_window\": 32768, "
     "\"use_sliding_window\": false, "
     "\"tie_word_embeddings\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: google/gemma-2b config.json (copy in /work/shared/data/models). Gemma ties
     * lm_head to the embedding by class default (the file has no tie_word_embeddings). */
    {"gemma-2b", "google/gemma-2b", UINT64_C(2506172416),
     "keras-hub gemma_2b_en preset metadata (params)",
     "{"
     "\"model_type\": \"gemma\", "
     "\"vocab_size\": 256000, "
     "\"hidden_size\": 2048, "
     "\"num_hidden_layers\": 18, "
     "\"num_attention_heads\": 8, "
     "\"num_key_value_heads\": 1, "
     "\"head_dim\": 256, "
     "\"intermediate_size\": 16384, "
     "\"max_position_embeddings\": 8192, "
     "\"attention_bias\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: google/gemma-7b config.json. Gemma ties lm_head to the embedding by class
     * default (the file has no tie_word_embeddings). */
    {"gemma-7b", "google/gemma-7b", UINT64_C(8537680896),
     "keras-hub gemma_7b_en preset metadata (params)",
     "{"
     "\"model_type\": \"gemma\", "
     "\"vocab_size\": 256000, "
     "\"hidden_size\": 3072, "
     "\"num_hidden_layers\": 28, "
     "\"num_attention_heads\": 16, "
     "\"num_key_value_heads\": 16, "
     "\"head_dim\": 256, "
     "\"intermediate_size\": 24576, "
     "\"max_position_embeddings\": 8192, "
     "\"attention_bias\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: google/gemma-2-2b config.json. Gemma-2 ties lm_head to the embedding by class
     * default (the file has no tie_word_embeddings). */
    {"gemma-2-2b", "google/gemma-2-2b", UINT64_C(2614341888),
     "keras-hub gemma2_2b_en preset metadata (params); equals HF Hub safetensors "
     "total of gemma-2-2b-it",
     "{"
     "\"model_type\": \"gemma2\", "
     "\"vocab_size\": 256000, "
     "\"hidden_size\": 2304, "
     "\"num_hidden_layers\": 26, "
     "\"num_attention_heads\": 8, "
     "\"num_key_value_heads\": 4, "
     "\"head_dim\": 256, "
     "\"intermediate_size\": 9216, "
     "\"max_position_embeddings\": 8192, "
     "\"sliding_window\": 4096, "
     "\"attention_bias\": false, "
     "\"torch_dtype\": \"float32\""
     "}"},

    /* Config: google/gemma-2-9b config.json. Gemma-2 ties lm_head to the embedding by class
     * default (the file has no tie_word_embeddings). */
    {"gemma-2-9b", "google/gemma-2-9b", UINT64_C(9241705984),
     "keras-hub gemma2_9b_en preset metadata (params); equals HF Hub safetensors "
     "total of gemma-2-9b-it",
     "{"
     "\"model_type\": \"gemma2\", "
     "\"vocab_size\": 256000, "
     "\"hidden_size\": 3584, "
     "\"num_hidden_layers\": 42, "
     "\"num_attention_heads\": 16, "
     "\"num_key_value_heads\": 8, "
     "\"head_dim\": 256, "
     "\"intermediate_size\": 14336, "
     "\"max_position_embeddings\": 8192, "
     "\"sliding_window\": 4096, "
     "\"attention_bias\": false, "
     "\"torch_dtype\": \"float32\""
     "}"},

    /* Config: google/gemma-2-27b config.json. Gemma-2 ties lm_head to the embedding by
     * class default (the file has no tie_word_embeddings). */
    {"gemma-2-27b", "google/gemma-2-27b", UINT64_C(27227128320),
     "keras-hub gemma2_27b_en preset metadata (params); equals HF Hub safetensors "
     "total of gemma-2-27b-it",
     "{"
     "\"model_type\": \"gemma2\", "
     "\"vocab_size\": 256000, "
     "\"hidden_size\": 4608, "
     "\"num_hidden_layers\": 46, "
     "\"num_attention_heads\": 32, "
     "\"num_key_value_heads\": 16, "
     "\"head_dim\": 128, "
     "\"intermediate_size\": 36864, "
     "\"max_position_embeddings\": 8192, "
     "\"sliding_window\": 4096, "
     "\"attention_bias\": false, "
     "\"torch_dtype\": \"float32\""
     "}"},

    /* Config: tiiuae/falcon-7b config.json (transformers-native 'falcon' form). multi_query
     * true gives one shared K/V head; the file has no num_kv_heads. No exact published
     * total was found. */
    {"falcon-7b", "tiiuae/falcon-7b", UINT64_C(0),
     "",
     "{"
     "\"model_type\": \"falcon\", "
     "\"vocab_size\": 65024, "
     "\"hidden_size\": 4544, "
     "\"num_hidden_layers\": 32, "
     "\"num_attention_heads\": 71, "
     "\"new_decoder_architecture\": false, "
     "\"multi_query\": true, "
     "\"parallel_attn\": true, "
     "\"bias\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: tiiuae/falcon-40b config.json (transformers-native 'falcon' form; fields as
     * in falcon-40b-instruct dumps). Under new_decoder_architecture, HF ignores multi_query
     * and uses num_kv_heads (8). No exact published total was found. */
    {"falcon-40b", "tiiuae/falcon-40b", UINT64_C(0),
     "",
     "{"
     "\"model_type\": \"falcon\", "
     "\"vocab_size\": 65024, "
     "\"hidden_size\": 8192, "
     "\"num_hidden_layers\": 60, "
     "\"num_attention_heads\": 128, "
     "\"num_kv_heads\": 8, "
     "\"new_decoder_architecture\": true, "
     "\"multi_query\": true, "
     "\"parallel_attn\": true, "
     "\"bias\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: allenai/OLMo-1B-hf config.json. */
    {"olmo-1b", "allenai/OLMo-1B-hf", UINT64_C(1176764416),
     "parameter total of OLMo-1B as counted in public code (sum of p.numel())",
     "{"
     "\"model_type\": \"olmo\", "
     "\"vocab_size\": 50304, "
     "\"hidden_size\": 2048, "
     "\"num_hidden_layers\": 16, "
     "\"num_attention_heads\": 16, "
     "\"num_key_value_heads\": 16, "
     "\"intermediate_size\": 8192, "
     "\"max_position_embeddings\": 2048, "
     "\"tie_word_embeddings\": true, "
     "\"attention_bias\": false, "
     "\"torch_dtype\": \"float32\""
     "}"},

    /* Config: allenai/OLMo-7B-hf config.json. */
    {"olmo-7b", "allenai/OLMo-7B-hf", UINT64_C(6888095744),
     "total_params of allenai/OLMo-7B as recorded in public code (model annotation "
     "DB)",
     "{"
     "\"model_type\": \"olmo\", "
     "\"vocab_size\": 50304, "
     "\"hidden_size\": 4096, "
     "\"num_hidden_layers\": 32, "
     "\"num_attention_heads\": 32, "
     "\"num_key_value_heads\": 32, "
     "\"intermediate_size\": 11008, "
     "\"max_position_embeddings\": 2048, "
     "\"tie_word_embeddings\": false, "
     "\"attention_bias\": false, "
     "\"torch_dtype\": \"float32\""
     "}"},

    /* Config: deepseek-ai/DeepSeek-V2-Lite config.json. */
    {"deepseek-v2-lite", "deepseek-ai/DeepSeek-V2-Lite", UINT64_C(15706484224),
     "HF Hub safetensors metadata total, as quoted in public code (/work/shared "
     "truth.json)",
     "{"
     "\"model_type\": \"deepseek_v2\", "
     "\"vocab_size\": 102400, "
     "\"hidden_size\": 2048, "
     "\"num_hidden_layers\": 27, "
     "\"num_attention_heads\": 16, "
     "\"num_key_value_heads\": 16, "
     "\"intermediate_size\": 10944, "
     "\"moe_intermediate_size\": 1408, "
     "\"n_routed_experts\": 64, "
     "\"n_shared_experts\": 2, "
     "\"num_experts_per_tok\": 6, "
     "\"first_k_dense_replace\": 1, "
     "\"moe_layer_freq\": 1, "
     "\"topk_method\": \"greedy\", "
     "\"q_lora_rank\": null, "
     "\"kv_lora_rank\": 512, "
     "\"qk_nope_head_dim\": 128, "
     "\"qk_rope_head_dim\": 64, "
     "\"v_head_dim\": 128, "
     "\"max_position_embeddings\": 163840, "
     "\"tie_word_embeddings\": false, "
     "\"attention_bias\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: deepseek-ai/DeepSeek-V3 config.json (weights ship as FP8 with
     * quantization_config; num_nextn_predict_layers 1 is the MTP module, not part of the HF
     * model and left out here). published_params is the main model (DeepSeek's "671B"); the
     * Hub's "685B" adds the 14B multi-token-prediction module. */
    {"deepseek-v3", "deepseek-ai/DeepSeek-V3", UINT64_C(671026419200),
     "exact main-model count from a checkpoint-header audit (MTP layer and FP8 scale "
     "tensors excluded), quoted in public code; HF safetensors total 684531386000 "
     "also counts the 14B MTP module",
     "{"
     "\"model_type\": \"deepseek_v3\", "
     "\"vocab_size\": 129280, "
     "\"hidden_size\": 7168, "
     "\"num_hidden_layers\": 61, "
     "\"num_attention_heads\": 128, "
     "\"num_key_value_heads\": 128, "
     "\"intermediate_size\": 18432, "
     "\"moe_intermediate_size\": 2048, "
     "\"n_routed_experts\": 256, "
     "\"n_shared_experts\": 1, "
     "\"num_experts_per_tok\": 8, "
     "\"first_k_dense_replace\": 3, "
     "\"moe_layer_freq\": 1, "
     "\"topk_method\": \"noaux_tc\", "
     "\"q_lora_rank\": 1536, "
     "\"kv_lora_rank\": 512, "
     "\"qk_nope_head_dim\": 128, "
     "\"qk_rope_head_dim\": 64, "
     "\"v_head_dim\": 128, "
     "\"max_position_embeddings\": 163840, "
     "\"tie_word_embeddings\": false, "
     "\"attention_bias\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: bigcode/starcoder2-3b config.json (architecture keys). The model card gives
     * 3.03B (rounded); no exact published total was found. tmem's 3,030,371,328 is checked
     * against the hand calculation in tests/unit/test_starcoder2.c. */
    {"starcoder2-3b", "bigcode/starcoder2-3b", UINT64_C(0),
     "",
     "{"
     "\"model_type\": \"starcoder2\", "
     "\"vocab_size\": 49152, "
     "\"hidden_size\": 3072, "
     "\"intermediate_size\": 12288, "
     "\"num_hidden_layers\": 30, "
     "\"num_attention_heads\": 24, "
     "\"num_key_value_heads\": 2, "
     "\"max_position_embeddings\": 16384, "
     "\"sliding_window\": 4096, "
     "\"use_bias\": true, "
     "\"attention_dropout\": 0.1, "
     "\"residual_dropout\": 0.1, "
     "\"embedding_dropout\": 0.1, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: allenai/OLMo-2-0425-1B config.json (architecture keys). */
    {"olmo-2-0425-1b", "allenai/OLMo-2-0425-1B", UINT64_C(1484916736),
     "HF safetensors metadata total of allenai/OLMo-2-0425-1B(-Instruct): 1,484,916,736 "
     "(non-embedding 1,279,395,840)",
     "{"
     "\"model_type\": \"olmo2\", "
     "\"vocab_size\": 100352, "
     "\"hidden_size\": 2048, "
     "\"intermediate_size\": 8192, "
     "\"num_hidden_layers\": 16, "
     "\"num_attention_heads\": 16, "
     "\"num_key_value_heads\": 16, "
     "\"max_position_embeddings\": 4096, "
     "\"rope_theta\": 500000, "
     "\"rms_norm_eps\": 1e-06, "
     "\"attention_bias\": false, "
     "\"tie_word_embeddings\": false, "
     "\"torch_dtype\": \"float32\""
     "}"},

    /* Config: allenai/OLMo-2-1124-7B config.json (architecture keys). */
    {"olmo-2-1124-7b", "allenai/OLMo-2-1124-7B", UINT64_C(7298617344),
     "HF safetensors metadata total of allenai/OLMo-2-1124-7B: 7,298,617,344 (F32)",
     "{"
     "\"model_type\": \"olmo2\", "
     "\"vocab_size\": 100352, "
     "\"hidden_size\": 4096, "
     "\"intermediate_size\": 11008, "
     "\"num_hidden_layers\": 32, "
     "\"num_attention_heads\": 32, "
     "\"num_key_value_heads\": 32, "
     "\"max_position_embeddings\": 4096, "
     "\"rope_theta\": 500000, "
     "\"rms_norm_eps\": 1e-06, "
     "\"attention_bias\": false, "
     "\"tie_word_embeddings\": false, "
     "\"torch_dtype\": \"float32\""
     "}"},

    /* Config: CohereForAI/aya-expanse-8b config.json (architecture keys; model_type cohere). */
    {"aya-expanse-8b", "CohereForAI/aya-expanse-8b", UINT64_C(8028033024),
     "HF safetensors metadata total of CohereForAI/aya-expanse-8b: 8,028,033,024",
     "{"
     "\"model_type\": \"cohere\", "
     "\"vocab_size\": 256000, "
     "\"hidden_size\": 4096, "
     "\"intermediate_size\": 14336, "
     "\"num_hidden_layers\": 32, "
     "\"num_attention_heads\": 32, "
     "\"num_key_value_heads\": 8, "
     "\"max_position_embeddings\": 8192, "
     "\"layer_norm_eps\": 1e-05, "
     "\"logit_scale\": 0.125, "
     "\"rope_theta\": 10000, "
     "\"use_qk_norm\": false, "
     "\"attention_bias\": false, "
     "\"torch_dtype\": \"float16\""
     "}"},

    /* Config: CohereForAI/c4ai-command-r-v01 config.json (architecture keys). The model
     * card gives "35 billion parameters" (rounded); no exact published total was found.
     * tmem's 34,980,831,232 is checked against the hand calculation in
     * tests/unit/test_decoders_2025.c. */
    {"command-r-v01", "CohereForAI/c4ai-command-r-v01", UINT64_C(0),
     "",
     "{"
     "\"model_type\": \"cohere\", "
     "\"vocab_size\": 256000, "
     "\"hidden_size\": 8192, "
     "\"intermediate_size\": 22528, "
     "\"num_hidden_layers\": 40, "
     "\"num_attention_heads\": 64, "
     "\"num_key_value_heads\": 64, "
     "\"max_position_embeddings\": 8192, "
     "\"layer_norm_eps\": 1e-05, "
     "\"logit_scale\": 0.0625, "
     "\"rope_theta\": 8000000.0, "
     "\"use_qk_norm\": false, "
     "\"attention_bias\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: google/gemma-3-1b-it config.json (architecture keys; Gemma3ForCausalLM). */
    {"gemma-3-1b-it", "google/gemma-3-1b-it", UINT64_C(999885952),
     "keras-hub gemma3_1b preset metadata (params 999885952); HF safetensors metadata "
     "total of google/gemma-3-1b-it: 999,885,952",
     "{"
     "\"model_type\": \"gemma3_text\", "
     "\"vocab_size\": 262144, "
     "\"hidden_size\": 1152, "
     "\"intermediate_size\": 6912, "
     "\"num_hidden_layers\": 26, "
     "\"num_attention_heads\": 4, "
     "\"num_key_value_heads\": 1, "
     "\"head_dim\": 256, "
     "\"max_position_embeddings\": 32768, "
     "\"sliding_window\": 512, "
     "\"sliding_window_pattern\": 6, "
     "\"query_pre_attn_scalar\": 256, "
     "\"rope_theta\": 1000000, "
     "\"rope_local_base_freq\": 10000, "
     "\"rms_norm_eps\": 1e-06, "
     "\"attention_bias\": false, "
     "\"hidden_activation\": \"gelu_pytorch_tanh\", "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: openai/gpt-oss-20b config.json (architecture keys; its quantization_config,
     * MXFP4 experts, is a weight format and is left out). */
    {"gpt-oss-20b", "openai/gpt-oss-20b", UINT64_C(20914757184),
     "llama.cpp / Ollama general.parameter_count of gpt-oss:20b (ggml-org/gpt-oss-20b-GGUF "
     "params): 20,914,757,184",
     "{"
     "\"model_type\": \"gpt_oss\", "
     "\"vocab_size\": 201088, "
     "\"hidden_size\": 2880, "
     "\"intermediate_size\": 2880, "
     "\"num_hidden_layers\": 24, "
     "\"num_attention_heads\": 64, "
     "\"num_key_value_heads\": 8, "
     "\"head_dim\": 64, "
     "\"num_local_experts\": 32, "
     "\"num_experts_per_tok\": 4, "
     "\"experts_per_token\": 4, "
     "\"max_position_embeddings\": 131072, "
     "\"initial_context_length\": 4096, "
     "\"sliding_window\": 128, "
     "\"layer_types\": [\"sliding_attention\", \"full_attention\", \"sliding_attention\", \"full_attention\", \"sliding_attention\", \"full_attention\", \"sliding_attention\", \"full_attention\", \"sliding_attention\", \"full_attention\", \"sliding_attention\", \"full_attention\", \"sliding_attention\", \"full_attention\", \"sliding_attention\", \"full_attention\", \"sliding_attention\", \"full_attention\", \"sliding_attention\", \"full_attention\", \"sliding_attention\", \"full_attention\", \"sliding_attention\", \"full_attention\"], "
     "\"attention_bias\": true, "
     "\"rope_theta\": 150000, "
     "\"rms_norm_eps\": 1e-05, "
     "\"swiglu_limit\": 7.0, "
     "\"tie_word_embeddings\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: openai/gpt-oss-120b config.json (architecture keys, as gpt-oss-20b). */
    {"gpt-oss-120b", "openai/gpt-oss-120b", UINT64_C(116829156672),
     "HF safetensors parameter count of openai/gpt-oss-120b as listed in a public model "
     "table: 116,829,156,672",
     "{"
     "\"model_type\": \"gpt_oss\", "
     "\"vocab_size\": 201088, "
     "\"hidden_size\": 2880, "
     "\"intermediate_size\": 2880, "
     "\"num_hidden_layers\": 36, "
     "\"num_attention_heads\": 64, "
     "\"num_key_value_heads\": 8, "
     "\"head_dim\": 64, "
     "\"num_local_experts\": 128, "
     "\"num_experts_per_tok\": 4, "
     "\"experts_per_token\": 4, "
     "\"max_position_embeddings\": 131072, "
     "\"initial_context_length\": 4096, "
     "\"sliding_window\": 128, "
     "\"layer_types\": [\"sliding_attention\", \"full_attention\", \"sliding_attention\", \"full_attention\", \"sliding_attention\", \"full_attention\", \"sliding_attention\", \"full_attention\", \"sliding_attention\", \"full_attention\", \"sliding_attention\", \"full_attention\", \"sliding_attention\", \"full_attention\", \"sliding_attention\", \"full_attention\", \"sliding_attention\", \"full_attention\", \"sliding_attention\", \"full_attention\", \"sliding_attention\", \"full_attention\", \"sliding_attention\", \"full_attention\", \"sliding_attention\", \"full_attention\", \"sliding_attention\", \"full_attention\", \"sliding_attention\", \"full_attention\", \"sliding_attention\", \"full_attention\", \"sliding_attention\", \"full_attention\", \"sliding_attention\", \"full_attention\"], "
     "\"attention_bias\": true, "
     "\"rope_theta\": 150000, "
     "\"rms_norm_eps\": 1e-05, "
     "\"swiglu_limit\": 7.0, "
     "\"tie_word_embeddings\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: microsoft/Phi-3.5-MoE-instruct config.json (architecture keys). The model
     * card and HF give 41.9B (rounded); no exact published total was found. tmem's
     * 41,873,153,344 is checked against the hand calculation in
     * tests/unit/test_decoders_2025.c. */
    {"phi-3.5-moe", "microsoft/Phi-3.5-MoE-instruct", UINT64_C(0),
     "",
     "{"
     "\"model_type\": \"phimoe\", "
     "\"vocab_size\": 32064, "
     "\"hidden_size\": 4096, "
     "\"intermediate_size\": 6400, "
     "\"num_hidden_layers\": 32, "
     "\"num_attention_heads\": 32, "
     "\"num_key_value_heads\": 8, "
     "\"num_local_experts\": 16, "
     "\"num_experts_per_tok\": 2, "
     "\"max_position_embeddings\": 131072, "
     "\"original_max_position_embeddings\": 4096, "
     "\"sliding_window\": 131072, "
     "\"attention_bias\": true, "
     "\"lm_head_bias\": true, "
     "\"rms_norm_eps\": 1e-05, "
     "\"rope_theta\": 10000.0, "
     "\"tie_word_embeddings\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: meta-llama/Llama-4-Scout-17B-16E(-Instruct) config.json, text_config
     * (architecture keys; the vision_config is left out: tmem counts the text stack). The
     * HF safetensors total 108,641,793,536 also counts the vision tower and projector, so
     * it is not the figure of this count; the card's "109B total, 17B active" is rounded.
     * tmem's 107,769,861,120 (active 17,172,894,720) is checked against the hand
     * calculation in tests/unit/test_decoders_2026.c. */
    {"llama-4-scout-17b-16e", "meta-llama/Llama-4-Scout-17B-16E", UINT64_C(0),
     "",
     "{"
     "\"model_type\": \"llama4\", \"architectures\": [\"Llama4ForConditionalGeneration\"], "
     "\"text_config\": {\"model_type\": \"llama4_text\", \"vocab_size\": 202048, \"hidden_size\": 5120, \"intermediate_size\": 8192, \"intermediate_size_mlp\": 16384, \"num_hidden_layers\": 48, \"num_attention_heads\": 40, \"num_key_value_heads\": 8, \"head_dim\": 128, \"num_local_experts\": 16, \"num_experts_per_tok\": 1, \"interleave_moe_layer_step\": 1, \"attention_chunk_size\": 8192, \"max_position_embeddings\": 10485760, \"use_qk_norm\": true, \"attention_bias\": false, \"rms_norm_eps\": 1e-05, \"tie_word_embeddings\": false, \"torch_dtype\": \"bfloat16\"}, "
     "\"tie_word_embeddings\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: meta-llama/Llama-4-Maverick-17B-128E(-Instruct) config.json, text_config
     * (architecture keys). Card: "400B total, 17B active" (rounded, with the vision tower);
     * tmem's 400,711,848,960 is checked by hand in tests/unit/test_decoders_2026.c. */
    {"llama-4-maverick-17b-128e", "meta-llama/Llama-4-Maverick-17B-128E", UINT64_C(0),
     "",
     "{"
     "\"model_type\": \"llama4\", \"architectures\": [\"Llama4ForConditionalGeneration\"], "
     "\"text_config\": {\"model_type\": \"llama4_text\", \"vocab_size\": 202048, \"hidden_size\": 5120, \"intermediate_size\": 8192, \"intermediate_size_mlp\": 16384, \"num_hidden_layers\": 48, \"num_attention_heads\": 40, \"num_key_value_heads\": 8, \"head_dim\": 128, \"num_local_experts\": 128, \"num_experts_per_tok\": 1, \"interleave_moe_layer_step\": 2, \"attention_chunk_size\": 8192, \"max_position_embeddings\": 1048576, \"use_qk_norm\": true, \"attention_bias\": false, \"rms_norm_eps\": 1e-05, \"tie_word_embeddings\": false, \"torch_dtype\": \"bfloat16\"}, "
     "\"tie_word_embeddings\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: zai-org/GLM-4.5 config.json (architecture keys). The HF safetensors total
     * 358,337,791,296 also counts the MTP layer (num_nextn_predict_layers 1: layer 92
     * with its own embed_tokens and shared_head), which Glm4MoeForCausalLM does not
     * load; tmem counts the model without it, 352,797,829,024, and
     * tests/unit/test_decoders_2026.c adds the MTP layer by hand to reach 358,337,791,296. */
    {"glm-4.5", "zai-org/GLM-4.5", UINT64_C(0),
     "",
     "{"
     "\"model_type\": \"glm4_moe\", "
     "\"vocab_size\": 151552, "
     "\"hidden_size\": 5120, "
     "\"intermediate_size\": 12288, "
     "\"moe_intermediate_size\": 1536, "
     "\"num_hidden_layers\": 92, "
     "\"num_attention_heads\": 96, "
     "\"num_key_value_heads\": 8, "
     "\"head_dim\": 128, "
     "\"partial_rotary_factor\": 0.5, "
     "\"n_routed_experts\": 160, "
     "\"n_shared_experts\": 1, "
     "\"num_experts_per_tok\": 8, "
     "\"first_k_dense_replace\": 3, "
     "\"num_nextn_predict_layers\": 1, "
     "\"attention_bias\": true, "
     "\"use_qk_norm\": true, "
     "\"max_position_embeddings\": 131072, "
     "\"rms_norm_eps\": 1e-05, "
     "\"tie_word_embeddings\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: zai-org/GLM-4.5-Air config.json (architecture keys). HF safetensors total
     * 110,468,824,832 with the MTP layer (layer 46); tmem counts 106,852,251,264 without
     * it (tests/unit/test_decoders_2026.c). */
    {"glm-4.5-air", "zai-org/GLM-4.5-Air", UINT64_C(0),
     "",
     "{"
     "\"model_type\": \"glm4_moe\", "
     "\"vocab_size\": 151552, "
     "\"hidden_size\": 4096, "
     "\"intermediate_size\": 10944, "
     "\"moe_intermediate_size\": 1408, "
     "\"num_hidden_layers\": 46, "
     "\"num_attention_heads\": 96, "
     "\"num_key_value_heads\": 8, "
     "\"head_dim\": 128, "
     "\"partial_rotary_factor\": 0.5, "
     "\"n_routed_experts\": 128, "
     "\"n_shared_experts\": 1, "
     "\"num_experts_per_tok\": 8, "
     "\"first_k_dense_replace\": 1, "
     "\"num_nextn_predict_layers\": 1, "
     "\"attention_bias\": true, "
     "\"use_qk_norm\": false, "
     "\"max_position_embeddings\": 131072, "
     "\"rms_norm_eps\": 1e-05, "
     "\"tie_word_embeddings\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: mistralai/Mistral-Small-3.1-24B-Base-2503 config.json, text_config
     * (architecture keys; vision_config left out). The text stack's count is the GGUF
     * general.parameter_count of its mistral3 conversion and keras-hub's magistral_small
     * preset params (the same text stack); the HF safetensors total 24,011,361,280
     * (Mistral-Small-3.2-24B-Instruct-2506) also counts the Pixtral vision tower. */
    {"mistral-small-3.1-24b", "mistralai/Mistral-Small-3.1-24B-Base-2503", UINT64_C(23572403200),
     "GGUF general.parameter_count of the mistral3 text stack and keras-hub magistral_small_2506_en params: 23572403200 (HF total 24011361280 adds the vision tower)",
     "{"
     "\"model_type\": \"mistral3\", \"architectures\": [\"Mistral3ForConditionalGeneration\"], "
     "\"text_config\": {\"model_type\": \"mistral\", \"vocab_size\": 131072, \"hidden_size\": 5120, \"intermediate_size\": 32768, \"num_hidden_layers\": 40, \"num_attention_heads\": 32, \"num_key_value_heads\": 8, \"head_dim\": 128, \"max_position_embeddings\": 131072, \"sliding_window\": null, \"rms_norm_eps\": 1e-05, \"tie_word_embeddings\": false}, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: moonshotai/Kimi-K2-Instruct config.json (architecture keys): model_type
     * kimi_k2 with architectures DeepseekV3ForCausalLM, counted by deepseek_v3's layout.
     * Weights ship as FP8 blocks; num_nextn_predict_layers 0 (no MTP layer stored). */
    {"kimi-k2", "moonshotai/Kimi-K2-Instruct", UINT64_C(1026408232448),
     "logical parameters from an audit of all 61 checkpoint shard headers of Kimi-K2-Instruct (FP8 scales excluded), quoted in public code; card: 1T total, 32B active",
     "{"
     "\"model_type\": \"kimi_k2\", "
     "\"architectures\": [\"DeepseekV3ForCausalLM\"], "
     "\"vocab_size\": 163840, "
     "\"hidden_size\": 7168, "
     "\"intermediate_size\": 18432, "
     "\"moe_intermediate_size\": 2048, "
     "\"num_hidden_layers\": 61, "
     "\"num_attention_heads\": 64, "
     "\"num_key_value_heads\": 64, "
     "\"n_routed_experts\": 384, "
     "\"n_shared_experts\": 1, "
     "\"num_experts_per_tok\": 8, "
     "\"first_k_dense_replace\": 1, "
     "\"moe_layer_freq\": 1, "
     "\"topk_method\": \"noaux_tc\", "
     "\"q_lora_rank\": 1536, "
     "\"kv_lora_rank\": 512, "
     "\"qk_nope_head_dim\": 128, "
     "\"qk_rope_head_dim\": 64, "
     "\"v_head_dim\": 128, "
     "\"num_nextn_predict_layers\": 0, "
     "\"max_position_embeddings\": 131072, "
     "\"tie_word_embeddings\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: state-spaces/mamba-130m-hf config.json (architecture keys). */
    {"mamba-130m", "state-spaces/mamba-130m-hf", UINT64_C(129135360),
     "HF safetensors metadata total of state-spaces/mamba-130m-hf (as listed in public code): 129135360",
     "{"
     "\"model_type\": \"mamba\", "
     "\"vocab_size\": 50280, "
     "\"hidden_size\": 768, "
     "\"intermediate_size\": 1536, "
     "\"num_hidden_layers\": 24, "
     "\"state_size\": 16, "
     "\"conv_kernel\": 4, "
     "\"expand\": 2, "
     "\"time_step_rank\": 48, "
     "\"use_bias\": false, "
     "\"use_conv_bias\": true, "
     "\"tie_word_embeddings\": true, "
     "\"torch_dtype\": \"float32\""
     "}"},

    /* Config: state-spaces/mamba-370m-hf config.json (architecture keys). */
    {"mamba-370m", "state-spaces/mamba-370m-hf", UINT64_C(371516416),
     "HF safetensors metadata total of state-spaces/mamba-370m-hf (as listed in public code): 371516416",
     "{"
     "\"model_type\": \"mamba\", "
     "\"vocab_size\": 50280, "
     "\"hidden_size\": 1024, "
     "\"intermediate_size\": 2048, "
     "\"num_hidden_layers\": 48, "
     "\"state_size\": 16, "
     "\"conv_kernel\": 4, "
     "\"expand\": 2, "
     "\"time_step_rank\": 64, "
     "\"use_bias\": false, "
     "\"use_conv_bias\": true, "
     "\"tie_word_embeddings\": true, "
     "\"torch_dtype\": \"float32\""
     "}"},

    /* Config: state-spaces/mamba-790m-hf config.json (architecture keys). */
    {"mamba-790m", "state-spaces/mamba-790m-hf", UINT64_C(793204224),
     "HF safetensors metadata total of state-spaces/mamba-790m-hf (as listed in public code): 793204224",
     "{"
     "\"model_type\": \"mamba\", "
     "\"vocab_size\": 50280, "
     "\"hidden_size\": 1536, "
     "\"intermediate_size\": 3072, "
     "\"num_hidden_layers\": 48, "
     "\"state_size\": 16, "
     "\"conv_kernel\": 4, "
     "\"expand\": 2, "
     "\"time_step_rank\": 96, "
     "\"use_bias\": false, "
     "\"use_conv_bias\": true, "
     "\"tie_word_embeddings\": true, "
     "\"torch_dtype\": \"float32\""
     "}"},

    /* Config: state-spaces/mamba-1.4b-hf config.json (architecture keys). */
    {"mamba-1.4b", "state-spaces/mamba-1.4b-hf", UINT64_C(1372178432),
     "HF safetensors metadata total of state-spaces/mamba-1.4b-hf (as listed in public code): 1372178432",
     "{"
     "\"model_type\": \"mamba\", "
     "\"vocab_size\": 50280, "
     "\"hidden_size\": 2048, "
     "\"intermediate_size\": 4096, "
     "\"num_hidden_layers\": 48, "
     "\"state_size\": 16, "
     "\"conv_kernel\": 4, "
     "\"expand\": 2, "
     "\"time_step_rank\": 128, "
     "\"use_bias\": false, "
     "\"use_conv_bias\": true, "
     "\"tie_word_embeddings\": true, "
     "\"torch_dtype\": \"float32\""
     "}"},

    /* Config: state-spaces/mamba-2.8b-hf config.json (architecture keys). */
    {"mamba-2.8b", "state-spaces/mamba-2.8b-hf", UINT64_C(2768345600),
     "HF safetensors metadata total of state-spaces/mamba-2.8b-hf (as listed in public code): 2768345600",
     "{"
     "\"model_type\": \"mamba\", "
     "\"vocab_size\": 50280, "
     "\"hidden_size\": 2560, "
     "\"intermediate_size\": 5120, "
     "\"num_hidden_layers\": 64, "
     "\"state_size\": 16, "
     "\"conv_kernel\": 4, "
     "\"expand\": 2, "
     "\"time_step_rank\": 160, "
     "\"use_bias\": false, "
     "\"use_conv_bias\": true, "
     "\"tie_word_embeddings\": true, "
     "\"torch_dtype\": \"float32\""
     "}"},

    /* Config: state-spaces/mamba2-2.7b (mamba_ssm config: d_model 2560, n_layer 64, vocab
     * 50277 padded to a multiple of 16 = 50288, ssm_cfg layer Mamba2, tie_embeddings) in
     * transformers' Mamba2Config keys: headdim 64, d_state 128, ngroups 1, expand 2, d_conv
     * 4 are mamba_ssm's Mamba2 defaults. No exact published total was found (the name's
     * "2.7b" is rounded); tmem's 2,702,599,680 is checked by hand in
     * tests/unit/test_ssm.c. */
    {"mamba2-2.7b", "state-spaces/mamba2-2.7b", UINT64_C(0),
     "",
     "{"
     "\"model_type\": \"mamba2\", "
     "\"vocab_size\": 50288, "
     "\"hidden_size\": 2560, "
     "\"num_hidden_layers\": 64, "
     "\"num_heads\": 80, "
     "\"head_dim\": 64, "
     "\"state_size\": 128, "
     "\"n_groups\": 1, "
     "\"conv_kernel\": 4, "
     "\"expand\": 2, "
     "\"use_bias\": false, "
     "\"use_conv_bias\": true, "
     "\"tie_word_embeddings\": true, "
     "\"torch_dtype\": \"float16\""
     "}"},

    /* Config: ai21labs/Jamba-v0.1 config.json (architecture keys; AI21-Jamba-1.5-Mini has
     * the same). Published: the safetensors index total_size of the Jamba-1.5-Mini
     * checkpoint, 103,140,646,656 B in bf16 = 51,570,323,328 parameters (quoted in public
     * model documentation); the Jamba-v0.1 model card: "12B active parameters and a total
     * of 52B". tests/unit/test_hybrid.c counts it tensor by tensor. */
    {"jamba-v0.1", "ai21labs/Jamba-v0.1", UINT64_C(51570323328),
     "safetensors index total_size 103140646656 B (bf16) / 2 of the Jamba-v0.1 layout (AI21-Jamba-1.5-Mini): 51570323328",
     "{"
     "\"model_type\": \"jamba\", "
     "\"vocab_size\": 65536, "
     "\"hidden_size\": 4096, "
     "\"intermediate_size\": 14336, "
     "\"num_hidden_layers\": 32, "
     "\"num_attention_heads\": 32, "
     "\"num_key_value_heads\": 8, "
     "\"attn_layer_period\": 8, "
     "\"attn_layer_offset\": 4, "
     "\"expert_layer_period\": 2, "
     "\"expert_layer_offset\": 1, "
     "\"num_experts\": 16, "
     "\"num_experts_per_tok\": 2, "
     "\"mamba_d_state\": 16, "
     "\"mamba_d_conv\": 4, "
     "\"mamba_expand\": 2, "
     "\"mamba_dt_rank\": 256, "
     "\"mamba_conv_bias\": true, "
     "\"mamba_proj_bias\": false, "
     "\"max_position_embeddings\": 262144, "
     "\"sliding_window\": null, "
     "\"tie_word_embeddings\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},
    /* Config: ibm-granite/granite-4.0-h-small config.json (architecture keys; layer_types
     * with attention in layers 5, 15, 25, 35 as the GGUF's per-block
     * attention.head_count_kv has it). Published: GGUF general.parameter_count (n-params)
     * 32,207,337,984, quoted in public code; tests/unit/test_hybrid.c counts it by hand. */
    {"granite-4.0-h-small", "ibm-granite/granite-4.0-h-small", UINT64_C(32207337984),
     "GGUF general.parameter_count of granite-4.0-h-small (unsloth GGUF, quoted in public code): 32207337984",
     "{"
     "\"model_type\": \"granitemoehybrid\", "
     "\"vocab_size\": 100352, "
     "\"hidden_size\": 4096, "
     "\"intermediate_size\": 768, "
     "\"shared_intermediate_size\": 1536, "
     "\"num_hidden_layers\": 40, "
     "\"num_attention_heads\": 32, "
     "\"num_key_value_heads\": 8, "
     "\"num_local_experts\": 72, "
     "\"num_experts_per_tok\": 10, "
     "\"layer_types\": [\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"attention\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"attention\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"attention\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"attention\",\"mamba\",\"mamba\",\"mamba\",\"mamba\"], "
     "\"mamba_n_heads\": 128, "
     "\"mamba_d_head\": 64, "
     "\"mamba_d_state\": 128, "
     "\"mamba_n_groups\": 1, "
     "\"mamba_d_conv\": 4, "
     "\"mamba_expand\": 2, "
     "\"mamba_conv_bias\": true, "
     "\"mamba_proj_bias\": false, "
     "\"attention_bias\": false, "
     "\"position_embedding_type\": \"nope\", "
     "\"max_position_embeddings\": 131072, "
     "\"tie_word_embeddings\": true, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},
    /* Config: ibm-granite/granite-4.0-h-tiny config.json (architecture keys, as quoted in
     * public code). Published: HF safetensors metadata total 6,939,037,248 (quoted for
     * granite-4.0-h-tiny-base, the same layout). */
    {"granite-4.0-h-tiny", "ibm-granite/granite-4.0-h-tiny", UINT64_C(6939037248),
     "HF safetensors metadata total of granite-4.0-h-tiny(-base) (quoted in public code): 6939037248",
     "{"
     "\"model_type\": \"granitemoehybrid\", "
     "\"vocab_size\": 100352, "
     "\"hidden_size\": 1536, "
     "\"intermediate_size\": 512, "
     "\"shared_intermediate_size\": 1024, "
     "\"num_hidden_layers\": 40, "
     "\"num_attention_heads\": 12, "
     "\"num_key_value_heads\": 4, "
     "\"num_local_experts\": 64, "
     "\"num_experts_per_tok\": 6, "
     "\"layer_types\": [\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"attention\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"attention\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"attention\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"attention\",\"mamba\",\"mamba\",\"mamba\",\"mamba\"], "
     "\"mamba_n_heads\": 48, "
     "\"mamba_d_head\": 64, "
     "\"mamba_d_state\": 128, "
     "\"mamba_n_groups\": 1, "
     "\"mamba_d_conv\": 4, "
     "\"mamba_expand\": 2, "
     "\"mamba_conv_bias\": true, "
     "\"mamba_proj_bias\": false, "
     "\"attention_bias\": false, "
     "\"position_embedding_type\": \"nope\", "
     "\"max_position_embeddings\": 131072, "
     "\"tie_word_embeddings\": true, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},
    /* Config: ibm-granite/granite-4.0-h-micro config.json (architecture keys, as quoted in
     * public code): dense (num_local_experts 0), the shared MLP in every layer. Published:
     * GGUF general.parameter_count 3,191,396,096 (quoted in public code). */
    {"granite-4.0-h-micro", "ibm-granite/granite-4.0-h-micro", UINT64_C(3191396096),
     "GGUF general.parameter_count of granite-4.0-h-micro (quoted in public code): 3191396096",
     "{"
     "\"model_type\": \"granitemoehybrid\", "
     "\"vocab_size\": 100352, "
     "\"hidden_size\": 2048, "
     "\"intermediate_size\": 8192, "
     "\"shared_intermediate_size\": 8192, "
     "\"num_hidden_layers\": 40, "
     "\"num_attention_heads\": 32, "
     "\"num_key_value_heads\": 8, "
     "\"num_local_experts\": 0, "
     "\"num_experts_per_tok\": 0, "
     "\"layer_types\": [\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"attention\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"attention\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"attention\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"mamba\",\"attention\",\"mamba\",\"mamba\",\"mamba\",\"mamba\"], "
     "\"mamba_n_heads\": 64, "
     "\"mamba_d_head\": 64, "
     "\"mamba_d_state\": 128, "
     "\"mamba_n_groups\": 1, "
     "\"mamba_d_conv\": 4, "
     "\"mamba_expand\": 2, "
     "\"mamba_conv_bias\": true, "
     "\"mamba_proj_bias\": false, "
     "\"attention_bias\": false, "
     "\"position_embedding_type\": \"nope\", "
     "\"max_position_embeddings\": 131072, "
     "\"tie_word_embeddings\": true, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},
    /* Config: Qwen/Qwen3-Next-80B-A3B-Instruct config.json (architecture keys). HF total
     * 81,324,862,720 with the checkpoint's MTP layer (mtp.*), which Qwen3NextForCausalLM
     * does not load; tmem counts 79,674,391,296 without it (tests/unit/test_hybrid.c adds
     * the MTP layer by hand and reaches the total). */
    {"qwen3-next-80b-a3b", "Qwen/Qwen3-Next-80B-A3B-Instruct", UINT64_C(0),
     "",
     "{"
     "\"model_type\": \"qwen3_next\", "
     "\"vocab_size\": 151936, "
     "\"hidden_size\": 2048, "
     "\"intermediate_size\": 5120, "
     "\"num_hidden_layers\": 48, "
     "\"num_attention_heads\": 16, "
     "\"num_key_value_heads\": 2, "
     "\"head_dim\": 256, "
     "\"full_attention_interval\": 4, "
     "\"linear_conv_kernel_dim\": 4, "
     "\"linear_key_head_dim\": 128, "
     "\"linear_num_key_heads\": 16, "
     "\"linear_num_value_heads\": 32, "
     "\"linear_value_head_dim\": 128, "
     "\"num_experts\": 512, "
     "\"num_experts_per_tok\": 10, "
     "\"moe_intermediate_size\": 512, "
     "\"shared_expert_intermediate_size\": 512, "
     "\"decoder_sparse_step\": 1, "
     "\"mlp_only_layers\": [], "
     "\"attention_bias\": false, "
     "\"max_position_embeddings\": 262144, "
     "\"tie_word_embeddings\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},
    /* Config: Qwen/Qwen3-Coder-Next config.json (architecture keys, as quoted in public
     * code: the Qwen3-Next-80B-A3B layout). Published: the HF total 79,674,391,296 (quoted
     * in public code). */
    {"qwen3-coder-next", "Qwen/Qwen3-Coder-Next", UINT64_C(79674391296),
     "HF total parameters of Qwen/Qwen3-Coder-Next (quoted in public code): 79674391296",
     "{"
     "\"model_type\": \"qwen3_next\", "
     "\"vocab_size\": 151936, "
     "\"hidden_size\": 2048, "
     "\"intermediate_size\": 5120, "
     "\"num_hidden_layers\": 48, "
     "\"num_attention_heads\": 16, "
     "\"num_key_value_heads\": 2, "
     "\"head_dim\": 256, "
     "\"full_attention_interval\": 4, "
     "\"linear_conv_kernel_dim\": 4, "
     "\"linear_key_head_dim\": 128, "
     "\"linear_num_key_heads\": 16, "
     "\"linear_num_value_heads\": 32, "
     "\"linear_value_head_dim\": 128, "
     "\"num_experts\": 512, "
     "\"num_experts_per_tok\": 10, "
     "\"moe_intermediate_size\": 512, "
     "\"shared_expert_intermediate_size\": 512, "
     "\"decoder_sparse_step\": 1, "
     "\"mlp_only_layers\": [], "
     "\"attention_bias\": false, "
     "\"max_position_embeddings\": 262144, "
     "\"tie_word_embeddings\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},
    /* Config: tiiuae/Falcon-H1-1.5B config.json (architecture keys, as quoted in public
     * code; Base and Instruct share the layout). Published: sum(p.numel() for p in
     * model.parameters()) == 1554863488 for FalconH1ForCausalLM of this checkpoint (411
     * tensors), quoted in public code. */
    {"falcon-h1-1.5b", "tiiuae/Falcon-H1-1.5B-Instruct", UINT64_C(1554863488),
     "sum(p.numel()) of FalconH1ForCausalLM for Falcon-H1-1.5B (quoted in public code): 1554863488",
     "{"
     "\"model_type\": \"falcon_h1\", "
     "\"vocab_size\": 65537, "
     "\"hidden_size\": 2048, "
     "\"intermediate_size\": 4608, "
     "\"num_hidden_layers\": 24, "
     "\"num_attention_heads\": 8, "
     "\"num_key_value_heads\": 2, "
     "\"head_dim\": 128, "
     "\"mamba_d_ssm\": 3072, "
     "\"mamba_n_heads\": 48, "
     "\"mamba_d_head\": 64, "
     "\"mamba_n_groups\": 1, "
     "\"mamba_d_state\": 256, "
     "\"mamba_d_conv\": 4, "
     "\"mamba_expand\": 2, "
     "\"mamba_conv_bias\": true, "
     "\"mamba_proj_bias\": false, "
     "\"mamba_rms_norm\": true, "
     "\"projectors_bias\": false, "
     "\"attention_bias\": false, "
     "\"mlp_bias\": false, "
     "\"max_position_embeddings\": 131072, "
     "\"tie_word_embeddings\": false, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},
    /* Config: llava-hf/llava-1.5-7b-hf config.json. Its text_config names only
     * max_position_embeddings, rms_norm_eps, vocab_size 32064 and relies on
     * LlamaConfig's defaults for the sizes (hidden_size 4096, intermediate_size
     * 11008, 32 layers, 32 heads, 32 KV heads): written out here. Vision: CLIP
     * ViT-L/14-336. Published: sum(p.numel() for p in model.parameters())
     * = 7063427072 for LlavaForConditionalGeneration of this id (quoted in public
     * code, e.g. `assert count_parameters(model) == (7063427072, 7063427072)`). */
    {"llava-1.5-7b", "llava-hf/llava-1.5-7b-hf", UINT64_C(7063427072),
     "sum(p.numel()) of LlavaForConditionalGeneration(llava-hf/llava-1.5-7b-hf) "
     "7,063,427,072, as quoted in public code",
     "{"
     "\"model_type\": \"llava\", "
     "\"architectures\": [\"LlavaForConditionalGeneration\"], "
     "\"vision_feature_select_strategy\": \"default\", "
     "\"image_token_index\": 32000, "
     "\"projector_hidden_act\": \"gelu\", "
     "\"vision_feature_layer\": -2, "
     "\"tie_word_embeddings\": false, "
     "\"text_config\": {\"_name_or_path\": \"lmsys/vicuna-7b-v1.5\", \"model_type\": \"llama\", "
     "\"vocab_size\": 32064, \"hidden_size\": 4096, \"intermediate_size\": 11008, "
     "\"num_hidden_layers\": 32, \"num_attention_heads\": 32, \"num_key_value_heads\": 32, "
     "\"max_position_embeddings\": 4096, \"rms_norm_eps\": 1e-05, \"tie_word_embeddings\": false, "
     "\"torch_dtype\": \"float16\"}, "
     "\"vision_config\": {\"model_type\": \"clip_vision_model\", \"hidden_size\": 1024, "
     "\"image_size\": 336, \"intermediate_size\": 4096, \"num_attention_heads\": 16, "
     "\"num_hidden_layers\": 24, \"patch_size\": 14, \"projection_dim\": 768}, "
     "\"torch_dtype\": \"float16\""
     "}"},

    /* Config: meta-llama/Llama-3.2-11B-Vision config.json (MllamaForConditionalGeneration):
     * text_config mllama_text_model (40 layers, 8 of them cross-attention), vision_config
     * mllama_vision_model (32 + 8 global layers, 4 tiles of 560², 8 aspect ratios, output
     * 7680 = 1280 · (5 intermediate layers + 1)). Published: HF safetensors metadata
     * parameter_count (BF16) of meta-llama/Llama-3.2-11B-Vision-Instruct, the same
     * architecture, 10670220835 (quoted in public code: `"meta-llama/llama-3.2-11b-vision-
     * instruct": 10670220835`, from HfApi().get_safetensors_metadata). */
    {"llama-3.2-11b-vision", "meta-llama/Llama-3.2-11B-Vision", UINT64_C(10670220835),
     "HF safetensors parameter_count of meta-llama/Llama-3.2-11B-Vision-Instruct "
     "10,670,220,835, as quoted in public code",
     "{"
     "\"model_type\": \"mllama\", "
     "\"architectures\": [\"MllamaForConditionalGeneration\"], "
     "\"image_token_index\": 128256, "
     "\"text_config\": {\"model_type\": \"mllama_text_model\", "
     "\"cross_attention_layers\": [3, 8, 13, 18, 23, 28, 33, 38], \"hidden_size\": 4096, "
     "\"intermediate_size\": 14336, \"max_position_embeddings\": 131072, "
     "\"num_attention_heads\": 32, \"num_hidden_layers\": 40, \"num_key_value_heads\": 8, "
     "\"rms_norm_eps\": 1e-05, \"rope_theta\": 500000.0, \"tie_word_embeddings\": false, "
     "\"vocab_size\": 128256, \"torch_dtype\": \"bfloat16\"}, "
     "\"vision_config\": {\"model_type\": \"mllama_vision_model\", \"attention_heads\": 16, "
     "\"hidden_size\": 1280, \"image_size\": 560, "
     "\"intermediate_layers_indices\": [3, 7, 15, 23, 30], \"intermediate_size\": 5120, "
     "\"max_num_tiles\": 4, \"num_channels\": 3, \"num_global_layers\": 8, "
     "\"num_hidden_layers\": 32, \"patch_size\": 14, "
     "\"supported_aspect_ratios\": [[1, 1], [1, 2], [1, 3], [1, 4], [2, 1], [2, 2], [3, 1], [4, 1]], "
     "\"vision_output_dim\": 7680, \"torch_dtype\": \"bfloat16\"}, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: google/gemma-3-4b-it config.json (Gemma3ForConditionalGeneration).
     * Its text_config relies on Gemma3TextConfig's defaults for vocab_size
     * 262208, num_attention_heads 8, num_key_value_heads 4, head_dim 256,
     * sliding_window_pattern 6: written out here. Vision: SigLIP so400m at 896
     * (vision_use_head false). Published: keras-hub gemma3 presets metadata
     * "params": 4300079472 (medgemma_4b, the same architecture) and
     * sum(p.numel()) == 4300079472 for Gemma3ForConditionalGeneration of
     * google/gemma-3-4b-it in public code. */
    {"gemma-3-4b-it", "google/gemma-3-4b-it", UINT64_C(4300079472),
     "sum(p.numel()) of Gemma3ForConditionalGeneration(google/gemma-3-4b-it) "
     "4,300,079,472 as quoted in public code; keras-hub medgemma_4b params 4300079472",
     "{"
     "\"model_type\": \"gemma3\", "
     "\"architectures\": [\"Gemma3ForConditionalGeneration\"], "
     "\"boi_token_index\": 255999, \"eoi_token_index\": 256000, \"image_token_index\": 262144, "
     "\"mm_tokens_per_image\": 256, "
     "\"text_config\": {\"model_type\": \"gemma3_text\", \"hidden_size\": 2560, "
     "\"intermediate_size\": 10240, \"num_hidden_layers\": 34, \"vocab_size\": 262208, "
     "\"num_attention_heads\": 8, \"num_key_value_heads\": 4, \"head_dim\": 256, "
     "\"max_position_embeddings\": 131072, \"sliding_window\": 1024, "
     "\"sliding_window_pattern\": 6, \"rope_scaling\": {\"factor\": 8.0, \"rope_type\": \"linear\"}}, "
     "\"vision_config\": {\"model_type\": \"siglip_vision_model\", \"hidden_size\": 1152, "
     "\"image_size\": 896, \"intermediate_size\": 4304, \"num_attention_heads\": 16, "
     "\"num_hidden_layers\": 27, \"patch_size\": 14, \"vision_use_head\": false}, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: Qwen/Qwen2.5-VL-7B-Instruct config.json (the text keys at the top
     * level, vision_config beside them). Published: HF Hub numParameters
     * 8292166656 for Qwen/Qwen2.5-VL-7B-Instruct; a public fine-tuning script
     * prints 8292166656 in all, "visual" 676550144, 7615616512 after freezing it. */
    {"qwen2.5-vl-7b", "Qwen/Qwen2.5-VL-7B-Instruct", UINT64_C(8292166656),
     "HF Hub numParameters of Qwen/Qwen2.5-VL-7B-Instruct 8,292,166,656 (vision tower "
     "676,550,144 printed by public code)",
     "{"
     "\"model_type\": \"qwen2_5_vl\", "
     "\"architectures\": [\"Qwen2_5_VLForConditionalGeneration\"], "
     "\"vocab_size\": 152064, \"hidden_size\": 3584, \"intermediate_size\": 18944, "
     "\"num_hidden_layers\": 28, \"num_attention_heads\": 28, \"num_key_value_heads\": 4, "
     "\"max_position_embeddings\": 128000, \"max_window_layers\": 28, "
     "\"sliding_window\": 32768, \"use_sliding_window\": false, \"rms_norm_eps\": 1e-06, "
     "\"rope_theta\": 1000000.0, \"tie_word_embeddings\": false, "
     "\"image_token_id\": 151655, \"video_token_id\": 151656, "
     "\"rope_scaling\": {\"type\": \"mrope\", \"mrope_section\": [16, 24, 24]}, "
     "\"vision_config\": {\"depth\": 32, \"hidden_act\": \"silu\", \"hidden_size\": 1280, "
     "\"intermediate_size\": 3420, \"num_heads\": 16, \"in_chans\": 3, \"out_hidden_size\": 3584, "
     "\"patch_size\": 14, \"spatial_merge_size\": 2, \"spatial_patch_size\": 14, "
     "\"window_size\": 112, \"fullatt_block_indexes\": [7, 15, 23, 31], "
     "\"tokens_per_second\": 2, \"temporal_patch_size\": 2}, "
     "\"torch_dtype\": \"bfloat16\""
     "}"},

    /* Config: google-bert/bert-base-uncased config.json, without its architectures entry (*ForMaskedLM): the preset
     * is the bare model, as the published figure counts it; --head mlm or
     * cls:N adds a head. */
    {"bert-base-uncased", "google-bert/bert-base-uncased", UINT64_C(109482240),
     "BertModel with pooler: keras/TFBertModel summaries and HF BertModel.from_pretrained parameter count 109482240 (the checkpoint's BertForMaskedLM head adds 32058)",
     "{"
     "\"model_type\": \"bert\", "
     "\"attention_probs_dropout_prob\": 0.1, "
     "\"hidden_dropout_prob\": 0.1, "
     "\"hidden_size\": 768, "
     "\"intermediate_size\": 3072, "
     "\"max_position_embeddings\": 512, "
     "\"num_attention_heads\": 12, "
     "\"num_hidden_layers\": 12, "
     "\"type_vocab_size\": 2, "
     "\"vocab_size\": 30522"
     "}"},

    /* Config: google-bert/bert-large-uncased config.json, without its architectures entry (*ForMaskedLM): the preset
     * is the bare model, as the published figure counts it; --head mlm or
     * cls:N adds a head. */
    {"bert-large-uncased", "google-bert/bert-large-uncased", UINT64_C(335141888),
     "BertModel with pooler: HF from_pretrained parameter count 335141888",
     "{"
     "\"model_type\": \"bert\", "
     "\"attention_probs_dropout_prob\": 0.1, "
     "\"hidden_dropout_prob\": 0.1, "
     "\"hidden_size\": 1024, "
     "\"intermediate_size\": 4096, "
     "\"max_position_embeddings\": 512, "
     "\"num_attention_heads\": 16, "
     "\"num_hidden_layers\": 24, "
     "\"type_vocab_size\": 2, "
     "\"vocab_size\": 30522"
     "}"},

    /* Config: FacebookAI/roberta-base config.json, without its architectures entry (*ForMaskedLM): the preset
     * is the bare model, as the published figure counts it; --head mlm or
     * cls:N adds a head. */
    {"roberta-base", "FacebookAI/roberta-base", UINT64_C(124645632),
     "RobertaModel with pooler: HF from_pretrained parameter count 124645632",
     "{"
     "\"model_type\": \"roberta\", "
     "\"attention_probs_dropout_prob\": 0.1, "
     "\"hidden_dropout_prob\": 0.1, "
     "\"hidden_size\": 768, "
     "\"intermediate_size\": 3072, "
     "\"max_position_embeddings\": 514, "
     "\"num_attention_heads\": 12, "
     "\"num_hidden_layers\": 12, "
     "\"type_vocab_size\": 1, "
     "\"vocab_size\": 50265"
     "}"},

    /* Config: FacebookAI/roberta-large config.json, without its architectures entry (*ForMaskedLM): the preset
     * is the bare model, as the published figure counts it; --head mlm or
     * cls:N adds a head. */
    {"roberta-large", "FacebookAI/roberta-large", UINT64_C(355359744),
     "RobertaModel with pooler: HF from_pretrained parameter count 355359744",
     "{"
     "\"model_type\": \"roberta\", "
     "\"attention_probs_dropout_prob\": 0.1, "
     "\"hidden_dropout_prob\": 0.1, "
     "\"hidden_size\": 1024, "
     "\"intermediate_size\": 4096, "
     "\"max_position_embeddings\": 514, "
     "\"num_attention_heads\": 16, "
     "\"num_hidden_layers\": 24, "
     "\"type_vocab_size\": 1, "
     "\"vocab_size\": 50265"
     "}"},

    /* Config: FacebookAI/xlm-roberta-base config.json, without its architectures entry (*ForMaskedLM): the preset
     * is the bare model, as the published figure counts it; --head mlm or
     * cls:N adds a head. */
    {"xlm-roberta-base", "FacebookAI/xlm-roberta-base", UINT64_C(278043648),
     "XLMRobertaModel with pooler: HF from_pretrained parameter count 278043648",
     "{"
     "\"model_type\": \"xlm-roberta\", "
     "\"attention_probs_dropout_prob\": 0.1, "
     "\"hidden_dropout_prob\": 0.1, "
     "\"hidden_size\": 768, "
     "\"intermediate_size\": 3072, "
     "\"max_position_embeddings\": 514, "
     "\"num_attention_heads\": 12, "
     "\"num_hidden_layers\": 12, "
     "\"type_vocab_size\": 1, "
     "\"vocab_size\": 250002"
     "}"},

    /* Config: FacebookAI/xlm-roberta-large config.json, without its architectures entry (*ForMaskedLM): the preset
     * is the bare model, as the published figure counts it; --head mlm or
     * cls:N adds a head. */
    {"xlm-roberta-large", "FacebookAI/xlm-roberta-large", UINT64_C(559890432),
     "XLMRobertaModel with pooler: HF from_pretrained parameter count 559890432",
     "{"
     "\"model_type\": \"xlm-roberta\", "
     "\"attention_probs_dropout_prob\": 0.1, "
     "\"hidden_dropout_prob\": 0.1, "
     "\"hidden_size\": 1024, "
     "\"intermediate_size\": 4096, "
     "\"max_position_embeddings\": 514, "
     "\"num_attention_heads\": 16, "
     "\"num_hidden_layers\": 24, "
     "\"type_vocab_size\": 1, "
     "\"vocab_size\": 250002"
     "}"},

    /* Config: microsoft/deberta-v3-base config.json, without its architectures entry (*ForMaskedLM): the preset
     * is the bare model, as the published figure counts it; --head mlm or
     * cls:N adds a head. */
    {"deberta-v3-base", "microsoft/deberta-v3-base", UINT64_C(183831552),
     "DebertaV2Model: keras-hub deberta_v3_base_en preset metadata (params 183831552); model card: 86M backbone + 98M embedding",
     "{"
     "\"model_type\": \"deberta-v2\", "
     "\"attention_probs_dropout_prob\": 0.1, "
     "\"hidden_dropout_prob\": 0.1, "
     "\"hidden_size\": 768, "
     "\"intermediate_size\": 3072, "
     "\"max_position_embeddings\": 512, "
     "\"relative_attention\": true, "
     "\"position_buckets\": 256, "
     "\"norm_rel_ebd\": \"layer_norm\", "
     "\"share_att_key\": true, "
     "\"pos_att_type\": \"p2c|c2p\", "
     "\"position_biased_input\": false, "
     "\"num_attention_heads\": 12, "
     "\"num_hidden_layers\": 12, "
     "\"type_vocab_size\": 0, "
     "\"vocab_size\": 128100"
     "}"},

    /* Config: answerdotai/ModernBERT-base config.json, less the bias flags it writes at
     * their ModernBertConfig defaults (attention_bias, classifier_bias, mlp_bias,
     * norm_bias false, decoder_bias true), without its architectures entry (*ForMaskedLM): the preset
     * is the bare model, as the published figure counts it; --head mlm or
     * cls:N adds a head. */
    {"modernbert-base", "answerdotai/ModernBERT-base", UINT64_C(149014272),
     "ModernBertModel: keras-hub modern_bert_base_en preset metadata and MTEB model metadata (n_parameters 149014272)",
     "{"
     "\"model_type\": \"modernbert\", "
     "\"attention_dropout\": 0.0, "
     "\"embedding_dropout\": 0.0, "
     "\"global_attn_every_n_layers\": 3, "
     "\"hidden_size\": 768, "
     "\"intermediate_size\": 1152, "
     "\"local_attention\": 128, "
     "\"max_position_embeddings\": 8192, "
     "\"mlp_dropout\": 0.0, "
     "\"num_attention_heads\": 12, "
     "\"num_hidden_layers\": 22, "
     "\"vocab_size\": 50368"
     "}"},

    /* Config: answerdotai/ModernBERT-large config.json, less the bias flags at their
     * defaults (as for modernbert-base), without its architectures entry (*ForMaskedLM): the preset
     * is the bare model, as the published figure counts it; --head mlm or
     * cls:N adds a head. */
    {"modernbert-large", "answerdotai/ModernBERT-large", UINT64_C(394781696),
     "ModernBertModel: keras-hub modern_bert_large_en preset metadata (params 394781696)",
     "{"
     "\"model_type\": \"modernbert\", "
     "\"attention_dropout\": 0.0, "
     "\"embedding_dropout\": 0.0, "
     "\"global_attn_every_n_layers\": 3, "
     "\"hidden_size\": 1024, "
     "\"intermediate_size\": 2624, "
     "\"local_attention\": 128, "
     "\"max_position_embeddings\": 8192, "
     "\"mlp_dropout\": 0.0, "
     "\"num_attention_heads\": 16, "
     "\"num_hidden_layers\": 28, "
     "\"vocab_size\": 50368"
     "}"},

    /* Megatron-LM PR #482 (tools/get_training_info/README.md,
     * https://github.com/NVIDIA/Megatron-LM/pull/482): the "Llama2 7B" GPTModel it
     * measured on 8 x H800, as Megatron's arguments give it: --num-layers 32
     * --hidden-size 4096 --num-attention-heads 32 --seq-length 2048
     * --max-position-embeddings 2048 --swiglu (ffn_hidden_size =
     * int(4·4096·2/3 / 64)·64 = 10880), GPT-2 BPE vocabulary padded to 50432
     * (make_vocab_size_divisible_by 128). The PR prints 6,642,245,632
     * parameters, which takes query_key_value's bias as (d) and leaves out the
     * final LayerNorm; tmem's exact 6,642,515,968 is checked against the hand
     * calculation in tests/unit/test_megatron_pr482.c. */
    {"megatron-gpt-7b", "megatron-lm/gpt-7b-pr482", UINT64_C(0),
     "",
     "{"
     "\"model_type\": \"megatron_gpt\", "
     "\"num_layers\": 32, "
     "\"hidden_size\": 4096, "
     "\"num_attention_heads\": 32, "
     "\"ffn_hidden_size\": 10880, "
     "\"max_position_embeddings\": 2048, "
     "\"padded_vocab_size\": 50432"
     "}"},

    /* Config: google-t5/t5-small config.json (architectures T5ForConditionalGeneration; task_specific_params and token ids left out). */
    {"t5-small", "google-t5/t5-small", UINT64_C(60506624),
     "keras-nlp t5_small preset metadata (params 60506624); T5ForConditionalGeneration num_parameters() (lm_head tied to shared)",
     "{"
     "\"model_type\": \"t5\", "
     "\"d_ff\": 2048, "
     "\"d_kv\": 64, "
     "\"d_model\": 512, "
     "\"dropout_rate\": 0.1, "
     "\"n_positions\": 512, "
     "\"num_heads\": 8, "
     "\"num_layers\": 6, "
     "\"relative_attention_num_buckets\": 32, "
     "\"vocab_size\": 32128"
     "}"},

    /* Config: google-t5/t5-base config.json (sizes; task_specific_params and token ids left out). */
    {"t5-base", "google-t5/t5-base", UINT64_C(222903552),
     "keras-nlp t5_base preset metadata (params 222903552)",
     "{"
     "\"model_type\": \"t5\", "
     "\"d_ff\": 3072, "
     "\"d_kv\": 64, "
     "\"d_model\": 768, "
     "\"dropout_rate\": 0.1, "
     "\"n_positions\": 512, "
     "\"num_heads\": 12, "
     "\"num_layers\": 12, "
     "\"relative_attention_num_buckets\": 32, "
     "\"vocab_size\": 32128"
     "}"},

    /* Config: google-t5/t5-large config.json (sizes; task_specific_params and token ids left out). */
    {"t5-large", "google-t5/t5-large", UINT64_C(737668096),
     "keras-nlp t5_large preset metadata (params 737668096)",
     "{"
     "\"model_type\": \"t5\", "
     "\"d_ff\": 4096, "
     "\"d_kv\": 64, "
     "\"d_model\": 1024, "
     "\"dropout_rate\": 0.1, "
     "\"n_positions\": 512, "
     "\"num_heads\": 16, "
     "\"num_layers\": 24, "
     "\"relative_attention_num_buckets\": 32, "
     "\"vocab_size\": 32128"
     "}"},

    /* Config: google/flan-t5-base config.json (T5 v1.1: gated-gelu, untied; token ids left out). */
    {"flan-t5-base", "google/flan-t5-base", UINT64_C(247577856),
     "keras-hub t5_1.1_base preset metadata (params 247577856); fusion_bench flan-t5-base model_info all_params 247577856",
     "{"
     "\"model_type\": \"t5\", "
     "\"d_ff\": 2048, "
     "\"d_kv\": 64, "
     "\"d_model\": 768, "
     "\"dropout_rate\": 0.1, "
     "\"feed_forward_proj\": \"gated-gelu\", "
     "\"n_positions\": 512, "
     "\"num_decoder_layers\": 12, "
     "\"num_heads\": 12, "
     "\"num_layers\": 12, "
     "\"relative_attention_num_buckets\": 32, "
     "\"tie_word_embeddings\": false, "
     "\"vocab_size\": 32128"
     "}"},

    /* Config: google/flan-t5-large config.json (T5 v1.1: gated-gelu, untied). */
    {"flan-t5-large", "google/flan-t5-large", UINT64_C(783150080),
     "T5 v1.1 (Flan-T5's architecture) large: 783150080 in a t5x training-time table of parameter counts (small 76961152, base 247577856, large 783150080, xl 2849757184)",
     "{"
     "\"model_type\": \"t5\", "
     "\"d_ff\": 2816, "
     "\"d_kv\": 64, "
     "\"d_model\": 1024, "
     "\"dropout_rate\": 0.1, "
     "\"feed_forward_proj\": \"gated-gelu\", "
     "\"n_positions\": 512, "
     "\"num_decoder_layers\": 24, "
     "\"num_heads\": 16, "
     "\"num_layers\": 24, "
     "\"relative_attention_num_buckets\": 32, "
     "\"tie_word_embeddings\": false, "
     "\"vocab_size\": 32128"
     "}"},

    /* Config: google/flan-t5-xl config.json (T5 v1.1: gated-gelu, untied). */
    {"flan-t5-xl", "google/flan-t5-xl", UINT64_C(2849757184),
     "keras-hub t5_1.1_xl preset metadata (params 2849757184), the same t5x table",
     "{"
     "\"model_type\": \"t5\", "
     "\"d_ff\": 5120, "
     "\"d_kv\": 64, "
     "\"d_model\": 2048, "
     "\"dropout_rate\": 0.1, "
     "\"feed_forward_proj\": \"gated-gelu\", "
     "\"n_positions\": 512, "
     "\"num_decoder_layers\": 24, "
     "\"num_heads\": 32, "
     "\"num_layers\": 24, "
     "\"relative_attention_num_buckets\": 32, "
     "\"tie_word_embeddings\": false, "
     "\"vocab_size\": 32128"
     "}"},

    /* Config: google/mt5-small config.json (MT5ForConditionalGeneration; token ids left out). */
    {"mt5-small", "google/mt5-small", UINT64_C(300176768),
     "lm-vocab-trimmer's mt5-small reference (full 300176768, embedding 256114688 at vocab 250112)",
     "{"
     "\"model_type\": \"mt5\", "
     "\"d_ff\": 1024, "
     "\"d_kv\": 64, "
     "\"d_model\": 512, "
     "\"dropout_rate\": 0.1, "
     "\"feed_forward_proj\": \"gated-gelu\", "
     "\"num_decoder_layers\": 8, "
     "\"num_heads\": 6, "
     "\"num_layers\": 8, "
     "\"relative_attention_num_buckets\": 32, "
     "\"tie_word_embeddings\": false, "
     "\"vocab_size\": 250112"
     "}"},

    /* Config: google/mt5-base config.json (token ids left out). */
    {"mt5-base", "google/mt5-base", UINT64_C(582401280),
     "a public parameter-count script's reference figure (models/mt5-base: 582401280)",
     "{"
     "\"model_type\": \"mt5\", "
     "\"d_ff\": 2048, "
     "\"d_kv\": 64, "
     "\"d_model\": 768, "
     "\"dropout_rate\": 0.1, "
     "\"feed_forward_proj\": \"gated-gelu\", "
     "\"num_decoder_layers\": 12, "
     "\"num_heads\": 12, "
     "\"num_layers\": 12, "
     "\"relative_attention_num_buckets\": 32, "
     "\"tie_word_embeddings\": false, "
     "\"vocab_size\": 250112"
     "}"},

    /* Config: facebook/bart-base config.json (sizes; generation settings and token ids left out). */
    {"bart-base", "facebook/bart-base", UINT64_C(139420416),
     "AutoModel.from_pretrained(\"facebook/bart-base\").num_parameters() printout 139420416 (BartModel; final_logits_bias is a buffer)",
     "{"
     "\"model_type\": \"bart\", "
     "\"attention_dropout\": 0.1, "
     "\"d_model\": 768, "
     "\"decoder_attention_heads\": 12, "
     "\"decoder_ffn_dim\": 3072, "
     "\"decoder_layers\": 6, "
     "\"dropout\": 0.1, "
     "\"encoder_attention_heads\": 12, "
     "\"encoder_ffn_dim\": 3072, "
     "\"encoder_layers\": 6, "
     "\"max_position_embeddings\": 1024, "
     "\"num_hidden_layers\": 6, "
     "\"vocab_size\": 50265"
     "}"},

    /* Config: facebook/bart-large config.json (sizes; generation settings and token ids left out). */
    {"bart-large", "facebook/bart-large", UINT64_C(406291456),
     "AutoModel.from_pretrained(\"facebook/bart-large\").num_parameters() printout 406291456",
     "{"
     "\"model_type\": \"bart\", "
     "\"attention_dropout\": 0.1, "
     "\"d_model\": 1024, "
     "\"decoder_attention_heads\": 16, "
     "\"decoder_ffn_dim\": 4096, "
     "\"decoder_layers\": 12, "
     "\"dropout\": 0.1, "
     "\"encoder_attention_heads\": 16, "
     "\"encoder_ffn_dim\": 4096, "
     "\"encoder_layers\": 12, "
     "\"max_position_embeddings\": 1024, "
     "\"num_hidden_layers\": 12, "
     "\"vocab_size\": 50265"
     "}"},

    /* Config: facebook/mbart-large-50 config.json (sizes; token ids left out). */
    {"mbart-large-50", "facebook/mbart-large-50", UINT64_C(610879488),
     "a fine-tuning run's metrics (parameters == trainable_parameters == 610879488, mBART-50)",
     "{"
     "\"model_type\": \"mbart\", "
     "\"attention_dropout\": 0.0, "
     "\"d_model\": 1024, "
     "\"decoder_attention_heads\": 16, "
     "\"decoder_ffn_dim\": 4096, "
     "\"decoder_layers\": 12, "
     "\"dropout\": 0.1, "
     "\"encoder_attention_heads\": 16, "
     "\"encoder_ffn_dim\": 4096, "
     "\"encoder_layers\": 12, "
     "\"max_position_embeddings\": 1024, "
     "\"num_hidden_layers\": 12, "
     "\"vocab_size\": 250054"
     "}"},

    /* Config: google/umt5-small config.json (architectures UMT5ForConditionalGeneration; token ids left out).
     * No exact published total found: HF's safetensors widget says 307M params (F32), model.safetensors
     * 1.23 GB; by hand 306,601,984 (tests/unit/test_encdec.c). */
    {"umt5-small", "google/umt5-small", 0,
     "none exact (HF safetensors widget: 307M params, F32; model.safetensors 1.23 GB)",
     "{"
     "\"model_type\": \"umt5\", "
     "\"d_ff\": 1024, "
     "\"d_kv\": 64, "
     "\"d_model\": 512, "
     "\"dropout_rate\": 0.1, "
     "\"feed_forward_proj\": \"gated-gelu\", "
     "\"num_decoder_layers\": 8, "
     "\"num_heads\": 6, "
     "\"num_layers\": 8, "
     "\"relative_attention_num_buckets\": 32, "
     "\"tie_word_embeddings\": false, "
     "\"vocab_size\": 256384"
     "}"},

    /* Config: google/umt5-base config.json (sizes; its first upload omitted feed_forward_proj, the
     * weights are gated: wi_0, wi_1). No exact published total found. */
    {"umt5-base", "google/umt5-base", 0, "none exact found",
     "{"
     "\"model_type\": \"umt5\", "
     "\"d_ff\": 2048, "
     "\"d_kv\": 64, "
     "\"d_model\": 768, "
     "\"dropout_rate\": 0.1, "
     "\"feed_forward_proj\": \"gated-gelu\", "
     "\"num_decoder_layers\": 12, "
     "\"num_heads\": 12, "
     "\"num_layers\": 12, "
     "\"relative_attention_num_buckets\": 32, "
     "\"tie_word_embeddings\": false, "
     "\"vocab_size\": 256384"
     "}"},

    /* Config: google/umt5-xl config.json (sizes; token ids left out). No exact published total found. */
    {"umt5-xl", "google/umt5-xl", 0, "none exact found",
     "{"
     "\"model_type\": \"umt5\", "
     "\"d_ff\": 5120, "
     "\"d_kv\": 64, "
     "\"d_model\": 2048, "
     "\"dropout_rate\": 0.1, "
     "\"feed_forward_proj\": \"gated-gelu\", "
     "\"num_decoder_layers\": 24, "
     "\"num_heads\": 32, "
     "\"num_layers\": 24, "
     "\"relative_attention_num_buckets\": 32, "
     "\"tie_word_embeddings\": false, "
     "\"vocab_size\": 256384"
     "}"},

    /* Config: google/pegasus-large config.json (sizes; task_specific_params and token ids left out). */
    {"pegasus-large", "google/pegasus-large", UINT64_C(570797056),
     "a public parameter-count table (pegasus n_params 570,797,056 beside bert 109,482,240 and gpt-2 124,439,808); HF safetensors widget 571M params, F32",
     "{"
     "\"model_type\": \"pegasus\", "
     "\"activation_function\": \"relu\", "
     "\"attention_dropout\": 0.1, "
     "\"d_model\": 1024, "
     "\"decoder_attention_heads\": 16, "
     "\"decoder_ffn_dim\": 4096, "
     "\"decoder_layers\": 16, "
     "\"dropout\": 0.1, "
     "\"encoder_attention_heads\": 16, "
     "\"encoder_ffn_dim\": 4096, "
     "\"encoder_layers\": 16, "
     "\"max_position_embeddings\": 1024, "
     "\"num_hidden_layers\": 16, "
     "\"scale_embedding\": true, "
     "\"vocab_size\": 96103"
     "}"},

    /* Config: google/pegasus-xsum config.json (sizes; token ids left out): pegasus-large's layout
     * with 512 positions. No exact published total found (by hand 569,748,480). */
    {"pegasus-xsum", "google/pegasus-xsum", 0, "none exact found",
     "{"
     "\"model_type\": \"pegasus\", "
     "\"activation_function\": \"relu\", "
     "\"attention_dropout\": 0.1, "
     "\"d_model\": 1024, "
     "\"decoder_attention_heads\": 16, "
     "\"decoder_ffn_dim\": 4096, "
     "\"decoder_layers\": 16, "
     "\"dropout\": 0.1, "
     "\"encoder_attention_heads\": 16, "
     "\"encoder_ffn_dim\": 4096, "
     "\"encoder_layers\": 16, "
     "\"max_position_embeddings\": 512, "
     "\"num_hidden_layers\": 16, "
     "\"scale_embedding\": true, "
     "\"vocab_size\": 96103"
     "}"},
};

#define PRESET_COUNT (sizeof presets / sizeof presets[0])

size_t tmem_preset_count(void)
{
    return PRESET_COUNT;
}

const struct tmem_preset *tmem_preset_at(size_t i)
{
    return i < PRESET_COUNT ? &presets[i] : NULL;
}

/* ASCII-only lowercase; no locale. */
static int ascii_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static int ascii_equal_nocase(const char *a, const char *b)
{
    for (;; a++, b++) {
        int ca = ascii_lower((unsigned char)*a);
        int cb = ascii_lower((unsigned char)*b);
        if (ca != cb)
            return 0;
        if (ca == 0)
            return 1;
    }
}

const struct tmem_preset *tmem_preset_find(const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < PRESET_COUNT; i++) {
        if (ascii_equal_nocase(name, presets[i].name) ||
            ascii_equal_nocase(name, presets[i].hf_id))
            return &presets[i];
    }
    return NULL;
}
