/* family.c — the family table: one row of layout rules per architecture,
 * as each family's reference implementation (HF transformers modeling_*.py)
 * lays out its weights. A new family is a new row here plus, at most, the
 * config keys its reader needs; the counting code is shared by all. */
#include "tmem/tmem.h"

#include <string.h>

#define LN TMEM_NORM_LAYERNORM
#define RMS TMEM_NORM_RMSNORM
#define NOPARAM TMEM_NORM_NONPARAM
#define PLAIN TMEM_MLP_PLAIN
#define GATED TMEM_MLP_GATED

static const struct tmem_family_info families[] = {
    [TMEM_FAMILY_GPT2] = {.name = "gpt2",
        .description = "learned positions, fused QKV with bias, LayerNorm with bias, 4·d MLP, tied",
        .norm = LN, .n_norm_per_layer = 2, .mlp = PLAIN, .qkv_bias = true, .o_bias = true,
        .mlp_bias = true, .learned_pos = true, .tied = true, .d_ff_mult = 4},
    [TMEM_FAMILY_GPT_NEOX] = {.name = "gpt_neox",
        .description = "parallel residual, biases everywhere, untied embed_out",
        .norm = LN, .n_norm_per_layer = 2, .mlp = PLAIN, .qkv_bias = true, .o_bias = true,
        .mlp_bias = true, .tied = false, .d_ff_mult = 4},
    [TMEM_FAMILY_OPT] = {.name = "opt",
        .description = "learned positions with 2 extra rows, separate q/k/v with bias, tied",
        .norm = LN, .n_norm_per_layer = 2, .mlp = PLAIN, .qkv_bias = true, .o_bias = true,
        .mlp_bias = true, .learned_pos = true, .pos_extra_rows = 2, .tied = true, .d_ff_mult = 4},
    [TMEM_FAMILY_BLOOM] = {.name = "bloom",
        .description = "ALiBi (no position table), LayerNorm after the embedding, tied",
        .norm = LN, .n_norm_per_layer = 2, .mlp = PLAIN, .qkv_bias = true, .o_bias = true,
        .mlp_bias = true, .embed_norm = true, .tied = true, .d_ff_mult = 4},
    [TMEM_FAMILY_PHI] = {.name = "phi",
        .description = "parallel block with one LayerNorm per layer, lm_head with bias",
        .norm = LN, .n_norm_per_layer = 1, .mlp = PLAIN, .qkv_bias = true, .o_bias = true,
        .mlp_bias = true, .lm_head_bias = true, .tied = false, .d_ff_mult = 4},
    [TMEM_FAMILY_FALCON] = {.name = "falcon",
        .description = "multi-query/GQA fused QKV, parallel attention, no biases, tied",
        .norm = LN, .n_norm_per_layer = 1, .mlp = PLAIN, .tied = true, .d_ff_mult = 4},
    [TMEM_FAMILY_LLAMA] = {.name = "llama",
        .description = "RMSNorm, SwiGLU (gate, up, down), GQA, no biases",
        .norm = RMS, .n_norm_per_layer = 2, .mlp = GATED, .tied = false},
    [TMEM_FAMILY_MISTRAL] = {.name = "mistral",
        .description = "Llama layout with sliding-window attention",
        .norm = RMS, .n_norm_per_layer = 2, .mlp = GATED, .tied = false},
    [TMEM_FAMILY_QWEN2] = {.name = "qwen2",
        .description = "Llama layout with q/k/v biases (not o)",
        .norm = RMS, .n_norm_per_layer = 2, .mlp = GATED, .qkv_bias = true, .tied = false},
    [TMEM_FAMILY_QWEN3] = {.name = "qwen3",
        .description = "Llama layout with per-head q/k RMSNorm, explicit head_dim",
        .norm = RMS, .n_norm_per_layer = 2, .mlp = GATED, .qk_norm = true, .tied = false},
    [TMEM_FAMILY_GEMMA] = {.name = "gemma",
        .description = "GeGLU, head_dim decoupled from hidden, tied by default",
        .norm = RMS, .n_norm_per_layer = 2, .mlp = GATED, .tied = true},
    [TMEM_FAMILY_GEMMA2] = {.name = "gemma2",
        .description = "Gemma with four RMSNorms per layer, alternating sliding window",
        .norm = RMS, .n_norm_per_layer = 4, .mlp = GATED, .tied = true, .swa_layer_step = 2},
    [TMEM_FAMILY_PHI3] = {.name = "phi3",
        .description = "Llama layout with fused qkv_proj and gate_up_proj",
        .norm = RMS, .n_norm_per_layer = 2, .mlp = GATED, .tied = false},
    [TMEM_FAMILY_OLMO] = {.name = "olmo",
        .description = "SwiGLU with non-parametric LayerNorm (no norm weights)",
        .norm = NOPARAM, .n_norm_per_layer = 2, .mlp = GATED, .tied = false},
    [TMEM_FAMILY_MIXTRAL] = {.name = "mixtral",
        .description = "Mistral with a sparse MoE of SwiGLU experts in every layer",
        .norm = RMS, .n_norm_per_layer = 2, .mlp = GATED, .tied = false, .moe = true},
    [TMEM_FAMILY_QWEN2_MOE] = {.name = "qwen2_moe",
        .description = "Qwen2 with routed experts plus a gated shared expert",
        .norm = RMS, .n_norm_per_layer = 2, .mlp = GATED, .qkv_bias = true, .tied = false,
        .moe = true, .moe_layer_phase = 1},
    [TMEM_FAMILY_QWEN3_MOE] = {.name = "qwen3_moe",
        .description = "Qwen3 with routed experts, no shared expert",
        .norm = RMS, .n_norm_per_layer = 2, .mlp = GATED, .qk_norm = true, .tied = false,
        .moe = true, .moe_layer_phase = 1},
    [TMEM_FAMILY_DEEPSEEK_V2] = {.name = "deepseek_v2",
        .description = "multi-head latent attention, dense first layers, shared + routed experts",
        .norm = RMS, .n_norm_per_layer = 2, .mlp = GATED, .attn = TMEM_ATTN_MLA, .tied = false,
        .moe = true},
    [TMEM_FAMILY_DEEPSEEK_V3] = {.name = "deepseek_v3",
        .description = "DeepSeek-V2 layout with a router bias (e_score_correction_bias)",
        .norm = RMS, .n_norm_per_layer = 2, .mlp = GATED, .attn = TMEM_ATTN_MLA, .tied = false,
        .moe = true, .router_bias = true},
};
_Static_assert(sizeof families / sizeof families[0] == TMEM_FAMILY_COUNT, "one row per family");

/* Other model_type spellings in the wild. */
static const struct {
    const char *alias;
    enum tmem_family family;
} family_aliases[] = {
    {"RefinedWeb", TMEM_FAMILY_FALCON},      /* tiiuae's original remote code */
    {"RefinedWebModel", TMEM_FAMILY_FALCON},
    {"gptneox", TMEM_FAMILY_GPT_NEOX},
    {"gpt-neox", TMEM_FAMILY_GPT_NEOX},
    {"deepseek-v2", TMEM_FAMILY_DEEPSEEK_V2},
    {"deepseek-v3", TMEM_FAMILY_DEEPSEEK_V3},
};

const struct tmem_family_info *tmem_family_info(enum tmem_family f)
{
    return (unsigned)f < TMEM_FAMILY_COUNT ? &families[f] : NULL;
}

enum tmem_family tmem_family_from_name(const char *model_type)
{
    if (model_type == NULL)
        return TMEM_FAMILY_COUNT;
    for (int f = 0; f < TMEM_FAMILY_COUNT; f++)
        if (strcmp(families[f].name, model_type) == 0)
            return (enum tmem_family)f;
    for (size_t i = 0; i < sizeof family_aliases / sizeof family_aliases[0]; i++)
        if (strcmp(family_aliases[i].alias, model_type) == 0)
            return family_aliases[i].family;
    return TMEM_FAMILY_COUNT;
}
