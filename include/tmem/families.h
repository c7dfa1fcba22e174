/* families.h — every model family tmem knows, one descriptor each: the
 * whole of what tmem knows about a family is its row here (see
 * docs/CONTRIBUTING.md, "Add a model family").
 *
 * An X-macro list: the includer defines TMEM_FAMILY(id, ...) first.
 * tmem.h expands only the ids (enum tmem_family, so it still compiles as
 * C++); src/core/family.c defines TMEM_FAMILY_DESCRIPTORS and expands the
 * rows into the table of struct tmem_family_info (tmem.h documents every
 * field). Included with no TMEM_FAMILY defined, it expands to nothing.
 *
 * The vocabulary of a row (defined only for family.c):
 *   KEY(k, F)            config key(s) k ("a|b": the first present) → field TMEM_FIELD_F
 *   KEY_REQ(k, F)        the same, and the key must be there
 *   KEY_DEF(k, F, d)     the same, d when absent (the config class's default)
 *   KEY_MAX(k, F, max)   the same, and a value above max is refused (before any
 *                        product is formed from it)
 *   FLAG(k, F)           a boolean key → a bool field
 *   IF_TRUE(k, F, v)     a boolean key; when true, the field becomes v
 *   IF_FALSE(k, F, v)    a boolean key; when false, the field becomes v
 *   ..._DEF(k, F, v, d)  the same with d (0 / 1) when the key is absent
 *   DROPOUT(a, pa, r, pr, e, pe)  the config keys of the attention, residual
 *                        and embedding dropout rates (NULL: the code has none)
 *                        with the config class's default rates
 *   LAYER_TYPES(k)       an array of per-layer attention types → the sliding-window
 *                        pattern (TMEM_FIELD_SWA_LAYER_STEP)
 *   MIXER_TYPES(k)       a hybrid's array of per-layer mixer types → the list of its
 *                        attention layers (TMEM_FIELD_ATTN_LAYERS)
 *   CONFIG(rule, ...)    the family's own keys, read after the shared ones
 *                        (TMEM_FAMILY_KEYS below: every family's, then every
 *                        MoE family's) */

#ifndef TMEM_FAMILY
#define TMEM_FAMILY(id, ...)
#define TMEM__FAMILY_EMPTY
#endif
#ifndef TMEM_FAMILY_KEYS
#define TMEM_FAMILY_KEYS(name, ...)
#define TMEM__FAMILY_KEYS_EMPTY
#endif

#ifdef TMEM_FAMILY_DESCRIPTORS
#define CONFIG(...) .config = (const struct tmem_config_key[]){__VA_ARGS__, {.keys = NULL}}
#define RULE_(k, f, o) .keys = (k), .field = TMEM_FIELD_##f, .op = TMEM_CONFIG_OP_##o
#define KEY(k, f) {RULE_(k, f, U64)}
#define KEY_REQ(k, f) {RULE_(k, f, U64), .required = true}
#define KEY_DEF(k, f, d) {RULE_(k, f, U64), .has_default = true, .dflt = (d)}
#define KEY_MAX(k, f, m) {RULE_(k, f, U64), .max = (m)}
#define FLAG(k, f) {RULE_(k, f, BOOL)}
#define IF_TRUE(k, f, v) {RULE_(k, f, SET_IF_TRUE), .value = (v)}
#define IF_FALSE(k, f, v) {RULE_(k, f, SET_IF_FALSE), .value = (v)}
#define IF_TRUE_DEF(k, f, v, d) {RULE_(k, f, SET_IF_TRUE), .value = (v), .has_default = true, .dflt = (d)}
#define IF_FALSE_DEF(k, f, v, d) {RULE_(k, f, SET_IF_FALSE), .value = (v), .has_default = true, .dflt = (d)}
#define ATTN_BIAS(k) FLAG(k, QKV_BIAS), FLAG(k, O_BIAS)
#define LAYER_TYPES(k) {RULE_(k, SWA_LAYER_STEP, LAYER_TYPES)}
#define MIXER_TYPES(k) {RULE_(k, ATTN_LAYERS, MIXER_TYPES)}
#define ALL_BIAS(k) FLAG(k, QKV_BIAS), FLAG(k, O_BIAS), FLAG(k, MLP_BIAS)
#define DROPOUT(a, pa, r, pr, e, pe) .dropout = {{(a), (pa)}, {(r), (pr)}, {(e), (pe)}}
/* attention_dropout only (the Llama line of HF models) */
#define ATTN_DROPOUT DROPOUT("attention_dropout", 0.0, NULL, 0.0, NULL, 0.0)
/* DeepseekV2Config / DeepseekV3Config: MLA widths, shared experts, router */
#define DEEPSEEK_KEYS                                                                              \
    ATTN_BIAS("attention_bias"), KEY("q_lora_rank", Q_LORA_RANK),                                  \
        KEY_REQ("kv_lora_rank", KV_LORA_RANK), KEY_REQ("qk_nope_head_dim", QK_NOPE_DIM),           \
        KEY_REQ("qk_rope_head_dim", QK_ROPE_DIM), KEY_REQ("v_head_dim", V_HEAD_DIM),               \
        KEY_MAX("n_shared_experts", N_SHARED_EXPERT, TMEM_MAX_N_EXPERT),                                                  \
        {RULE_("topk_method", ROUTER_BIAS, STR_IS), .str = "noaux_tc"}
#define LN .norm = TMEM_NORM_LAYERNORM
#define RMS .norm = TMEM_NORM_RMSNORM
#define NOPARAM .norm = TMEM_NORM_NONPARAM
#define PLAIN .mlp = TMEM_MLP_PLAIN
#define GATED .mlp = TMEM_MLP_GATED
#define MLA .attn = TMEM_ATTN_MLA
/* the BERT line's layout (BertLayer: q/k/v/o, intermediate and output dense with
 * biases, two LayerNorms with bias, GELU; learned positions, embedding LayerNorm,
 * decoder tied with its own bias; hidden and attention-probs dropout 0.1) */
#define BERT_LAYOUT                                                                                \
    LN, .n_norm_per_layer = 2, PLAIN, .qkv_bias = true, .o_bias = true, .mlp_bias = true,          \
        .lm_head_bias = true, .learned_pos = true, .embed_norm = true, .tied = true,               \
        .d_ff_mult = 4, .mlp_act = "GELU",                                                         \
        DROPOUT("attention_probs_dropout_prob", 0.1, "hidden_dropout_prob", 0.1,                   \
                "hidden_dropout_prob", 0.1)
/* a post-LN encoder without a final norm whose bare *Model has head h */
#define BERT_ENCODER(h)                                                                            \
    .encoder = true, .enc_head = (h), .no_final_norm = true, .head_bias = true, .post_norm = true
/* encoders' classification labels: id2label's size, num_labels when given */
#define ENC_KEYS {RULE_("id2label", N_LABELS, SIZE)}, KEY("num_labels", N_LABELS)
/* the kernel profile of the Llama line: rotary, softmax upcast to fp32 */
#define HF_EAGER .rope = true, .softmax_fp32 = true
#endif

/* ------------------------------------------ keys every family shares */

/* The names the families' configuration classes use for the shared sizes;
 * applied before a family's own keys (which may override them). */
TMEM_FAMILY_KEYS(common,
    KEY_REQ("hidden_size|n_embd|d_model|model_dim", D_MODEL),
    KEY_REQ("num_hidden_layers|n_layer|num_layers|n_layers", N_LAYER),
    KEY_REQ("num_attention_heads|n_head|num_heads|encoder_attention_heads", N_HEAD),
    KEY_REQ("vocab_size|padded_vocab_size", N_VOCAB),
    KEY("num_key_value_heads", N_KV_HEAD), KEY("head_dim", D_HEAD),
    KEY("intermediate_size|n_inner|ffn_dim|ffn_hidden_size", D_FF),
    KEY("max_position_embeddings|n_positions|n_ctx|seq_length", N_CTX),
    FLAG("tie_word_embeddings", TIED), KEY("sliding_window", SLIDING_WINDOW),
    /* Qwen2 writes a window but does not use it */
    IF_FALSE("use_sliding_window", SLIDING_WINDOW, 0))

/* A config whose model_type no descriptor names (and whose architectures
 * no .hf_class names): the standard HF keys a best-effort layout reads
 * after the shared ones (hf_config.c names the layout in a note) */
TMEM_FAMILY_KEYS(generic, ATTN_BIAS("attention_bias"), FLAG("mlp_bias", MLP_BIAS))

/* Every family with .moe: the routed experts */
TMEM_FAMILY_KEYS(moe,
    KEY("num_local_experts|num_experts|n_routed_experts", N_EXPERT),
    KEY("num_experts_per_tok|num_experts_per_token", N_EXPERT_USED),
    KEY("moe_intermediate_size", D_FF_EXPERT),
    KEY("decoder_sparse_step|moe_layer_freq", MOE_LAYER_STEP),
    KEY("first_k_dense_replace", MOE_FIRST_LAYER),
    {RULE_("mlp_only_layers", DENSE_LAYERS, LIST)})

/* ------------------------------------------------ LayerNorm, plain MLP */

TMEM_FAMILY(TMEM_FAMILY_GPT2, .name = "gpt2", .hf_class = "GPT2",
    .description = "learned positions, fused QKV with bias, LayerNorm with bias, 4·d MLP, tied",
    LN, .n_norm_per_layer = 2, PLAIN, .qkv_bias = true, .o_bias = true, .mlp_bias = true,
    .learned_pos = true, .tied = true, .d_ff_mult = 4,
    .mlp_act = "GELU", DROPOUT("attn_pdrop", 0.1, "resid_pdrop", 0.1, "embd_pdrop", 0.1),
    .gguf_arch = "gpt2", .st_layout = TMEM_ST_LAYOUT_GPT2)

TMEM_FAMILY(TMEM_FAMILY_GPT_NEOX, .name = "gpt_neox", .aliases = "gptneox|gpt-neox", .hf_class = "GPTNeoX",
    .description = "parallel residual, biases everywhere, untied embed_out",
    LN, .n_norm_per_layer = 2, PLAIN, .qkv_bias = true, .o_bias = true, .mlp_bias = true,
    .tied = false, .d_ff_mult = 4,
    .rope = true, .mlp_act = "GELU",
    /* GPTNeoXModel.emb_dropout and both post_*_dropout use hidden_dropout */
    DROPOUT("attention_dropout", 0.0, "hidden_dropout", 0.0, "hidden_dropout", 0.0),
    CONFIG(ATTN_BIAS("attention_bias")),
    .gguf_arch = "gptneox", .st_layout = TMEM_ST_LAYOUT_NEOX)

TMEM_FAMILY(TMEM_FAMILY_OPT, .name = "opt", .hf_class = "OPT",
    .description = "learned positions with 2 extra rows, separate q/k/v with bias, tied",
    LN, .n_norm_per_layer = 2, PLAIN, .qkv_bias = true, .o_bias = true, .mlp_bias = true,
    .learned_pos = true, .pos_extra_rows = 2, .tied = true, .d_ff_mult = 4,
    .mlp_act = "ReLU", DROPOUT("attention_dropout", 0.0, "dropout", 0.1, "dropout", 0.1),
    /* modeling_opt.py OPTDecoder: final_layer_norm iff do_layer_norm_before
     * and not _remove_final_layer_norm; OPT-350m projects word_embed_proj_dim */
    CONFIG(ALL_BIAS("enable_bias"), KEY("word_embed_proj_dim", D_EMBED),
           IF_FALSE("do_layer_norm_before", FINAL_NORM, 0),
           IF_TRUE("_remove_final_layer_norm", FINAL_NORM, 0),
           IF_FALSE("layer_norm_elementwise_affine", NORM, TMEM_NORM_NONPARAM)))

TMEM_FAMILY(TMEM_FAMILY_BLOOM, .name = "bloom", .hf_class = "Bloom",
    .description = "ALiBi (no position table), LayerNorm after the embedding, tied",
    LN, .n_norm_per_layer = 2, PLAIN, .qkv_bias = true, .o_bias = true, .mlp_bias = true,
    .embed_norm = true, .tied = true, .d_ff_mult = 4,
    .mlp_act = "GELU", DROPOUT("attention_dropout", 0.0, "hidden_dropout", 0.0, NULL, 0.0),
    .gguf_arch = "bloom")

TMEM_FAMILY(TMEM_FAMILY_PHI, .name = "phi", .hf_class = "Phi",
    .description = "parallel block with one LayerNorm per layer, lm_head with bias",
    LN, .n_norm_per_layer = 1, PLAIN, .qkv_bias = true, .o_bias = true, .mlp_bias = true,
    .lm_head_bias = true, .tied = false, .d_ff_mult = 4,
    .rope = true, .mlp_act = "GELU",
    DROPOUT("attention_dropout", 0.0, "resid_pdrop", 0.0, "embd_pdrop", 0.0),
    CONFIG(FLAG("qk_layernorm", QK_NORM)),
    .gguf_arch = "phi2")

TMEM_FAMILY(TMEM_FAMILY_FALCON, .name = "falcon", .aliases = "RefinedWeb|RefinedWebModel", .hf_class = "Falcon|RW",
    .description = "multi-query/GQA fused QKV, parallel attention, no biases, tied",
    LN, .n_norm_per_layer = 1, PLAIN, .tied = true, .d_ff_mult = 4,
    .rope = true, .mlp_act = "GELU",
    DROPOUT("attention_dropout", 0.0, "hidden_dropout", 0.0, NULL, 0.0),
    /* FalconConfig defaults multi_query true, parallel_attn true, bias false;
     * FalconAttention: n_kv = num_kv_heads unless multi_query on the old
     * architecture (then 1); FalconDecoderLayer: 2 norms when sequential,
     * else ln_attn + ln_mlp on the new architecture (num_ln_in_parallel_attn
     * 2 by default there), else input_layernorm alone */
    CONFIG(ALL_BIAS("bias"), KEY("num_kv_heads|n_head_kv", N_KV_HEAD),
           {RULE_("multi_query", N_KV_HEAD, SET_IF_TRUE), .value = 1, .has_default = true,
            .dflt = 1, .unless = "new_decoder_architecture"},
           IF_TRUE("new_decoder_architecture", N_NORM_PER_LAYER, 2),
           KEY("num_ln_in_parallel_attn", N_NORM_PER_LAYER),
           IF_FALSE_DEF("parallel_attn", N_NORM_PER_LAYER, 2, 1)),
    .gguf_arch = "falcon")

/* -------------------------------------------- RMSNorm, gated MLP (Llama) */

TMEM_FAMILY(TMEM_FAMILY_LLAMA, .name = "llama", .hf_class = "Llama",
    .description = "RMSNorm, SwiGLU (gate, up, down), GQA, no biases",
    RMS, .n_norm_per_layer = 2, GATED, .tied = false,
    HF_EAGER, .mlp_act = "SwiGLU", ATTN_DROPOUT,
    CONFIG(ATTN_BIAS("attention_bias"), FLAG("mlp_bias", MLP_BIAS)),
    .gguf_arch = "llama", .st_layout = TMEM_ST_LAYOUT_LLAMA /* the fallback: no markers */)

TMEM_FAMILY(TMEM_FAMILY_MISTRAL, .name = "mistral", .hf_class = "Mistral",
    .description = "Llama layout with sliding-window attention",
    RMS, .n_norm_per_layer = 2, GATED, .tied = false,
    HF_EAGER, .mlp_act = "SwiGLU", ATTN_DROPOUT,
    CONFIG(ATTN_BIAS("attention_bias"), FLAG("mlp_bias", MLP_BIAS)),
    .gguf_arch = "mistral")

TMEM_FAMILY(TMEM_FAMILY_QWEN2, .name = "qwen2", .hf_class = "Qwen2",
    .description = "Llama layout with q/k/v biases (not o)",
    RMS, .n_norm_per_layer = 2, GATED, .qkv_bias = true, .tied = false,
    HF_EAGER, .mlp_act = "SwiGLU", ATTN_DROPOUT,
    .gguf_arch = "qwen2", .st_layout = TMEM_ST_LAYOUT_LLAMA,
    .st_require = "self_attn.q_proj.bias", .st_forbid = "self_attn.o_proj.bias")

TMEM_FAMILY(TMEM_FAMILY_QWEN3, .name = "qwen3", .hf_class = "Qwen3",
    .description = "Llama layout with per-head q/k RMSNorm, explicit head_dim",
    RMS, .n_norm_per_layer = 2, GATED, .qk_norm = true, .tied = false,
    HF_EAGER, .mlp_act = "SwiGLU", ATTN_DROPOUT,
    CONFIG(ATTN_BIAS("attention_bias"), KEY_DEF("head_dim", D_HEAD, 128)),
    .gguf_arch = "qwen3", .st_layout = TMEM_ST_LAYOUT_LLAMA,
    .st_require = "self_attn.q_norm.weight")

TMEM_FAMILY(TMEM_FAMILY_GEMMA, .name = "gemma", .hf_class = "Gemma",
    .description = "GeGLU, head_dim decoupled from hidden, tied by default",
    RMS, .n_norm_per_layer = 2, GATED, .tied = true,
    HF_EAGER, .mlp_act = "GeGLU", ATTN_DROPOUT,
    CONFIG(ATTN_BIAS("attention_bias"), KEY_DEF("head_dim", D_HEAD, 256)),
    .gguf_arch = "gemma")

TMEM_FAMILY(TMEM_FAMILY_GEMMA2, .name = "gemma2", .hf_class = "Gemma2",
    .description = "Gemma with four RMSNorms per layer, alternating sliding window",
    RMS, .n_norm_per_layer = 4, GATED, .tied = true, .swa_layer_step = 2,
    HF_EAGER, .mlp_act = "GeGLU", ATTN_DROPOUT,
    CONFIG(ATTN_BIAS("attention_bias"), KEY_DEF("head_dim", D_HEAD, 256)),
    .gguf_arch = "gemma2", .st_layout = TMEM_ST_LAYOUT_LLAMA,
    .st_require = "pre_feedforward_layernorm.weight")

TMEM_FAMILY(TMEM_FAMILY_PHI3, .name = "phi3", .hf_class = "Phi3",
    .description = "Llama layout with fused qkv_proj and gate_up_proj",
    RMS, .n_norm_per_layer = 2, GATED, .tied = false,
    HF_EAGER, .mlp_act = "SwiGLU",
    /* Phi3DecoderLayer: resid_attn_dropout and resid_mlp_dropout (resid_pdrop) */
    DROPOUT("attention_dropout", 0.0, "resid_pdrop", 0.0, NULL, 0.0),
    CONFIG(ATTN_BIAS("attention_bias")),
    .gguf_arch = "phi3", .st_layout = TMEM_ST_LAYOUT_LLAMA,
    .st_require = "self_attn.qkv_proj.weight", .st_mlp_up = "mlp.gate_up_proj",
    .st_mlp_fused = true)

TMEM_FAMILY(TMEM_FAMILY_OLMO, .name = "olmo", .hf_class = "Olmo",
    .description = "SwiGLU with non-parametric LayerNorm (no norm weights)",
    NOPARAM, .n_norm_per_layer = 2, GATED, .tied = false,
    HF_EAGER, .mlp_act = "SwiGLU", ATTN_DROPOUT,
    CONFIG(ATTN_BIAS("attention_bias"), FLAG("mlp_bias", MLP_BIAS)),
    .gguf_arch = "olmo")

/* ------------------------------------------------- mixtures of experts */

TMEM_FAMILY(TMEM_FAMILY_MIXTRAL, .name = "mixtral", .hf_class = "Mixtral",
    .description = "Mistral with a sparse MoE of SwiGLU experts in every layer",
    RMS, .n_norm_per_layer = 2, GATED, .tied = false, .moe = true,
    HF_EAGER, .mlp_act = "SwiGLU", ATTN_DROPOUT,
    CONFIG(ATTN_BIAS("attention_bias")),
    /* llama.cpp stores Mixtral as "llama" with experts */
    .gguf_arch = "llama", .st_layout = TMEM_ST_LAYOUT_LLAMA,
    .st_require = "block_sparse_moe.gate.weight")

TMEM_FAMILY(TMEM_FAMILY_QWEN2_MOE, .name = "qwen2_moe", .hf_class = "Qwen2Moe",
    .description = "Qwen2 with routed experts plus a gated shared expert",
    RMS, .n_norm_per_layer = 2, GATED, .qkv_bias = true, .tied = false,
    .moe = true, .moe_layer_phase = 1, .shared_expert_gate = true,
    HF_EAGER, .mlp_act = "SwiGLU", ATTN_DROPOUT,
    CONFIG(KEY("shared_expert_intermediate_size", D_FF_SHARED)),
    .gguf_arch = "qwen2moe", .st_layout = TMEM_ST_LAYOUT_LLAMA,
    .st_require = "mlp.experts.0.up_proj.weight",
    .st_forbid = "self_attn.kv_a_proj_with_mqa.weight")

TMEM_FAMILY(TMEM_FAMILY_QWEN3_MOE, .name = "qwen3_moe", .hf_class = "Qwen3Moe",
    .description = "Qwen3 with routed experts, no shared expert",
    RMS, .n_norm_per_layer = 2, GATED, .qk_norm = true, .tied = false,
    .moe = true, .moe_layer_phase = 1,
    HF_EAGER, .mlp_act = "SwiGLU", ATTN_DROPOUT,
    CONFIG(ATTN_BIAS("attention_bias"), KEY_DEF("head_dim", D_HEAD, 128)),
    .gguf_arch = "qwen3moe", .st_layout = TMEM_ST_LAYOUT_LLAMA,
    .st_require = "mlp.experts.0.up_proj.weight|self_attn.q_norm.weight")

TMEM_FAMILY(TMEM_FAMILY_DEEPSEEK_V2, .name = "deepseek_v2", .aliases = "deepseek-v2", .hf_class = "DeepseekV2",
    .description = "multi-head latent attention, dense first layers, shared + routed experts",
    RMS, .n_norm_per_layer = 2, GATED, MLA, .tied = false, .moe = true,
    HF_EAGER, .mlp_act = "SwiGLU", ATTN_DROPOUT,
    CONFIG(DEEPSEEK_KEYS),
    .gguf_arch = "deepseek2", .st_layout = TMEM_ST_LAYOUT_LLAMA,
    .st_require = "self_attn.kv_a_proj_with_mqa.weight")

TMEM_FAMILY(TMEM_FAMILY_DEEPSEEK_V3, .name = "deepseek_v3", .aliases = "deepseek-v3", .hf_class = "DeepseekV3",
    .description = "DeepSeek-V2 layout with a router bias (e_score_correction_bias)",
    RMS, .n_norm_per_layer = 2, GATED, MLA, .tied = false, .moe = true, .router_bias = true,
    HF_EAGER, .mlp_act = "SwiGLU", ATTN_DROPOUT,
    CONFIG(DEEPSEEK_KEYS),
    /* llama.cpp stores V3 as deepseek2 with the router's exp_probs_b */
    .gguf_arch = "deepseek2", .st_layout = TMEM_ST_LAYOUT_LLAMA,
    .st_require = "self_attn.kv_a_proj_with_mqa.weight|mlp.gate.e_score_correction_bias")

/* ------------------------------------------------- added by descriptor */

TMEM_FAMILY(TMEM_FAMILY_STARCODER2, .name = "starcoder2", .hf_class = "Starcoder2",
    .description = "Llama-style decoder with LayerNorm, biases everywhere, a plain GELU MLP, GQA",
    /* modeling_starcoder2.py: nn.LayerNorm (with bias) before attention and
     * MLP and at the end; q/k/v/o and c_fc/c_proj with bias (use_bias);
     * Starcoder2Config: tie_word_embeddings true, sliding_window per config */
    LN, .n_norm_per_layer = 2, PLAIN, .qkv_bias = true, .o_bias = true, .mlp_bias = true,
    .tied = true,
    /* LlamaAttention line: rotary, eager softmax in fp32 */
    .rope = true, .softmax_fp32 = true, .mlp_act = "GELU",
    /* attention_dropout on the probabilities; residual_dropout after o_proj
     * and after c_proj; embedding_dropout after embed_tokens */
    DROPOUT("attention_dropout", 0.0, "residual_dropout", 0.0, "embedding_dropout", 0.0),
    CONFIG(ALL_BIAS("use_bias")),
    .gguf_arch = "starcoder2", .st_layout = TMEM_ST_LAYOUT_LLAMA,
    .st_require = "mlp.c_fc.weight", .st_mlp_up = "mlp.c_fc")

/* ---------------------------------------------- decoder families of 2025 */

TMEM_FAMILY(TMEM_FAMILY_OLMO2, .name = "olmo2", .hf_class = "Olmo2",
    .description = "post-norm (RMSNorm after attention and after the MLP), q/k RMSNorm over the whole projections",
    /* modeling_olmo2.py: Olmo2Attention q_norm = Olmo2RMSNorm(n_head·d_head),
     * k_norm = Olmo2RMSNorm(n_kv_head·d_head) applied to q_proj / k_proj
     * outputs; Olmo2DecoderLayer: post_attention_layernorm on the attention
     * output and post_feedforward_layernorm on the MLP output (no
     * input_layernorm); Olmo2Config: tie_word_embeddings false,
     * attention_bias false */
    RMS, .n_norm_per_layer = 2, GATED, .qk_norm = true, .qk_norm_full = true, .tied = false,
    HF_EAGER, .mlp_act = "SwiGLU", ATTN_DROPOUT,
    CONFIG(ATTN_BIAS("attention_bias")),
    .gguf_arch = "olmo2", .st_layout = TMEM_ST_LAYOUT_LLAMA,
    .st_require = "post_feedforward_layernorm.weight|self_attn.q_norm.weight",
    .st_forbid = "input_layernorm.weight")

TMEM_FAMILY(TMEM_FAMILY_COHERE, .name = "cohere", .aliases = "command-r", .hf_class = "Cohere",
    .description = "parallel attention and MLP after one LayerNorm without bias, tied, scaled logits",
    /* modeling_cohere.py: CohereDecoderLayer runs self_attn and mlp on the
     * same input_layernorm output (CohereLayerNorm: mean and variance, a
     * weight, no bias); SwiGLU gate/up/down; the lm_head is the embedding
     * (tie_word_embeddings true) times logit_scale, a scalar, no tensor;
     * use_qk_norm: q_norm / k_norm CohereLayerNorm((n_head, d_head)) and
     * ((n_kv_head, d_head)), a weight per head (Command R+) */
    .norm = TMEM_NORM_LAYERNORM_NOBIAS, .n_norm_per_layer = 1, GATED, .qk_norm_full = true,
    .tied = true,
    HF_EAGER, .mlp_act = "SwiGLU", ATTN_DROPOUT,
    CONFIG(ATTN_BIAS("attention_bias"), FLAG("use_qk_norm", QK_NORM)),
    .gguf_arch = "command-r", .st_layout = TMEM_ST_LAYOUT_LLAMA,
    .st_require = "input_layernorm.weight", .st_forbid = "post_attention_layernorm.weight")

TMEM_FAMILY(TMEM_FAMILY_GEMMA3, .name = "gemma3_text", .hf_class = "Gemma3",
    .description = "Gemma-2 layout with per-head q/k RMSNorm, 5 sliding-window layers to 1 global",
    /* modeling_gemma3.py Gemma3DecoderLayer: input, post_attention,
     * pre_feedforward and post_feedforward RMSNorms; Gemma3Attention q_norm,
     * k_norm Gemma3RMSNorm(d_head); layer i slides iff (i + 1) %
     * sliding_window_pattern != 0; Gemma3TextConfig: head_dim 256,
     * sliding_window 4096, sliding_window_pattern 6, tied */
    RMS, .n_norm_per_layer = 4, GATED, .qk_norm = true, .tied = true, .swa_layer_step = 6,
    HF_EAGER, .mlp_act = "GeGLU", ATTN_DROPOUT,
    CONFIG(ATTN_BIAS("attention_bias"), KEY_DEF("head_dim", D_HEAD, 256),
           KEY_DEF("sliding_window", SLIDING_WINDOW, 4096),
           KEY("sliding_window_pattern", SWA_LAYER_STEP), LAYER_TYPES("layer_types")),
    .gguf_arch = "gemma3", .st_layout = TMEM_ST_LAYOUT_LLAMA,
    .st_require = "pre_feedforward_layernorm.weight|self_attn.q_norm.weight")

TMEM_FAMILY(TMEM_FAMILY_GPT_OSS, .name = "gpt_oss", .hf_class = "GptOss",
    .description = "MoE in every layer with biased experts and router, attention sinks, alternating 128-token window",
    /* modeling_gpt_oss.py: GptOssAttention q/k/v/o with bias
     * (attention_bias, default true) and sinks (n_head); GptOssTopKRouter
     * weight (E, d) and bias (E); GptOssExperts gate_up_proj (E, d, 2·f) +
     * gate_up_proj_bias (E, 2·f), down_proj (E, f, d) + down_proj_bias (E, d);
     * input_layernorm, post_attention_layernorm RMSNorm; layer_types
     * alternate sliding / full from layer 0; untied; eager attention's
     * softmax runs in the logits' dtype (no fp32 upcast) */
    RMS, .n_norm_per_layer = 2, GATED, .qkv_bias = true, .o_bias = true, .tied = false,
    .moe = true, .router_bias = true, .expert_bias = true, .attn_sinks = true,
    .swa_layer_step = 2,
    .rope = true, .mlp_act = "SwiGLU (clamped)", ATTN_DROPOUT,
    CONFIG(ATTN_BIAS("attention_bias"), LAYER_TYPES("layer_types")),
    .gguf_arch = "gpt-oss")

TMEM_FAMILY(TMEM_FAMILY_PHIMOE, .name = "phimoe", .hf_class = "Phimoe",
    .description = "Mixtral layout with LayerNorms (with bias) and optional q/k/v/o and lm_head biases",
    /* modeling_phimoe.py: input_layernorm, post_attention_layernorm and the
     * final norm are nn.LayerNorm (weight + bias); PhimoeAttention q/k/v/o
     * with bias = attention_bias; PhimoeSparseMoeBlock router Linear(d, E)
     * without bias, experts w1/w3/w2 without bias; lm_head bias =
     * lm_head_bias; PhimoeConfig defaults: both false, untied */
    LN, .n_norm_per_layer = 2, GATED, .tied = false, .moe = true,
    HF_EAGER, .mlp_act = "SwiGLU", ATTN_DROPOUT,
    CONFIG(ATTN_BIAS("attention_bias"), FLAG("lm_head_bias", LM_HEAD_BIAS)),
    .gguf_arch = "phimoe")

/* ---------------------------------------------- decoder families of 2026 */

TMEM_FAMILY(TMEM_FAMILY_LLAMA4, .name = "llama4_text", .hf_class = "Llama4",
    .description = "MoE every interleave_moe_layer_step-th layer (top-k experts plus a shared expert), 3 chunked-local RoPE layers to 1 global NoPE layer",
    /* modeling_llama4.py Llama4TextDecoderLayer: input_layernorm,
     * post_attention_layernorm RMSNorm; feed_forward is Llama4TextMoe when
     * layer_idx is in moe_layers (Llama4TextConfig: range(step − 1, L, step),
     * so layer i is MoE iff (i + 1) % step == 0), else Llama4TextMLP of
     * intermediate_size_mlp; Llama4TextMoe: router Linear(d, E) without
     * bias, experts gate_up_proj (E, d, 2·f) and down_proj (E, f, d) with f =
     * intermediate_size, shared_expert Llama4TextMLP(intermediate_size), no
     * gate on it; Llama4TextL2Norm q/k norm has no weight (nothing to
     * count); layer i uses RoPE and chunked attention (attention_chunk_size)
     * iff (i + 1) % 4 != 0 (no_rope_layers), the rest attend globally
     * without RoPE; q/k/v/o without bias (attention_bias false); untied.
     * The multimodal checkpoint's config (model_type llama4) holds this
     * stack in text_config (hf_config.c counts it from there). */
    RMS, .n_norm_per_layer = 2, GATED, .tied = false, .moe = true, .moe_layer_phase = 1,
    .swa_layer_step = 4,
    HF_EAGER, .mlp_act = "SwiGLU", ATTN_DROPOUT,
    CONFIG(ATTN_BIAS("attention_bias"), KEY_DEF("head_dim", D_HEAD, 128),
           KEY_DEF("intermediate_size", D_FF_EXPERT, 8192),
           KEY_DEF("intermediate_size", D_FF_SHARED, 8192),
           KEY_DEF("intermediate_size_mlp", D_FF, 16384),
           KEY_DEF("num_local_experts", N_EXPERT, 16), KEY_DEF("num_experts_per_tok", N_EXPERT_USED, 1),
           KEY_DEF("interleave_moe_layer_step", MOE_LAYER_STEP, 1),
           /* the chunked layers keep at most one chunk of keys: counted as a window */
           KEY_DEF("attention_chunk_size", SLIDING_WINDOW, 8192)),
    .gguf_arch = "llama4")

TMEM_FAMILY(TMEM_FAMILY_GLM4_MOE, .name = "glm4_moe", .hf_class = "Glm4Moe",
    .description = "dense first layers, then routed experts with a router bias plus shared experts; q/k/v bias, partial rotary",
    /* modeling_glm4_moe.py Glm4MoeAttention: q/k/v_proj bias =
     * attention_bias, o_proj no bias, q_norm / k_norm RMSNorm(d_head) iff
     * use_qk_norm; rotary on partial_rotary_factor (0.5) of d_head (no
     * weights); Glm4MoeDecoderLayer: MoE iff layer_idx >=
     * first_k_dense_replace, else Glm4MoeMLP(intermediate_size);
     * Glm4MoeMoE: Glm4MoeTopkRouter weight (E, d) + e_score_correction_bias
     * (E), experts of moe_intermediate_size, shared_experts one MLP of
     * moe_intermediate_size · n_shared_experts; untied. The
     * num_nextn_predict_layers MTP layers the checkpoint stores after the
     * last layer are not part of Glm4MoeForCausalLM (HF ignores them on
     * load; vLLM loads them only as the speculative draft Glm4MoeMTP) and
     * are not counted here (tests/unit/test_decoders_2026.c adds them by
     * hand to reach the checkpoint's total) */
    RMS, .n_norm_per_layer = 2, GATED, .tied = false, .moe = true, .router_bias = true,
    HF_EAGER, .mlp_act = "SwiGLU", ATTN_DROPOUT,
    CONFIG(FLAG("attention_bias", QKV_BIAS), FLAG("use_qk_norm", QK_NORM),
           KEY_DEF("head_dim", D_HEAD, 128),
           KEY_MAX("n_shared_experts", N_SHARED_EXPERT, TMEM_MAX_N_EXPERT)),
    .gguf_arch = "glm4moe")

/* ------------------------------------------------- state-space models */

TMEM_FAMILY(TMEM_FAMILY_MAMBA, .name = "mamba", .hf_class = "Mamba",
    .description = "selective state-space (Mamba-1) mixer in every layer, no attention, one RMSNorm per layer, tied",
    /* modeling_mamba.py MambaBlock: norm (MambaRMSNorm, weight) then
     * MambaMixer (see inventory.c walk_ssm); norm_f; lm_head tied to the
     * embeddings (MambaConfig tie_word_embeddings true); MambaConfig:
     * state_size 16, conv_kernel 4, expand 2, time_step_rank "auto" =
     * ceil(hidden_size / 16), use_bias false, use_conv_bias true */
    RMS, .n_norm_per_layer = 1, GATED, .tied = true, .ssm = TMEM_SSM_MAMBA, .ssm_conv_bias = true,
    .mlp_act = "SiLU", DROPOUT(NULL, 0.0, NULL, 0.0, NULL, 0.0),
    /* absent sizes take the config classes' defaults in tmem_model_resolve */
    CONFIG(KEY("state_size", SSM_D_STATE), KEY("conv_kernel", SSM_D_CONV),
           KEY("expand", SSM_EXPAND), KEY("intermediate_size", SSM_D_INNER),
           KEY("time_step_rank", SSM_DT_RANK), FLAG("use_bias", SSM_PROJ_BIAS),
           FLAG("use_conv_bias", SSM_CONV_BIAS)),
    /* llama.cpp's "mamba" (ckpt_model.c reads its ssm.* keys) */
    .gguf_arch = "mamba")

TMEM_FAMILY(TMEM_FAMILY_MAMBA2, .name = "mamba2", .hf_class = "Mamba2",
    .description = "Mamba-2 (SSD) mixer in every layer: heads, B/C groups, gated RMSNorm; no attention",
    /* modeling_mamba2.py Mamba2Block: norm (RMSNorm) then Mamba2Mixer (see
     * inventory.c walk_ssm); norm_f; Mamba2Config: num_heads 128, head_dim
     * 64, state_size 128, n_groups 8, conv_kernel 4, expand 2, use_bias
     * false, use_conv_bias true, tie_word_embeddings false */
    RMS, .n_norm_per_layer = 1, GATED, .tied = false, .ssm = TMEM_SSM_MAMBA2, .ssm_conv_bias = true,
    .mlp_act = "SiLU", DROPOUT(NULL, 0.0, NULL, 0.0, NULL, 0.0),
    CONFIG(KEY("state_size", SSM_D_STATE), KEY("conv_kernel", SSM_D_CONV),
           KEY("expand", SSM_EXPAND), KEY("head_dim", SSM_D_HEAD),
           KEY("num_heads", SSM_N_HEAD), KEY("n_groups", SSM_N_GROUP),
           FLAG("use_bias", SSM_PROJ_BIAS), FLAG("use_conv_bias", SSM_CONV_BIAS)),
    .gguf_arch = "mamba2" /* ssm.* keys; time_step_rank is the heads */)
/* ------------------------------------------------------------- encoders */

/* BertModel and its heads. REF: modeling_bert.py BertEmbeddings (word,
 * position, token_type, LayerNorm with bias), BertSelfAttention (query, key,
 * value with bias), BertSelfOutput (dense with bias, LayerNorm after the
 * residual add), BertIntermediate + BertOutput (dense with bias, GELU,
 * LayerNorm after the add), BertPooler (dense d × d with bias, tanh);
 * configuration_bert.py: type_vocab_size 2, dropouts 0.1. Bidirectional,
 * post-LN, no final norm. */
TMEM_FAMILY(TMEM_FAMILY_BERT, .name = "bert", .hf_class = "Bert",
    .description = "encoder: learned positions + token types, post-LN, GELU MLP, biases, pooler",
    BERT_LAYOUT,
    CONFIG(ENC_KEYS, KEY_DEF("type_vocab_size", N_TYPE_VOCAB, 2)),
    BERT_ENCODER(TMEM_HEAD_POOLER), .n_type_vocab = 2,
    /* llama.cpp "bert" (convert_hf_to_gguf.py writes RoBERTa and XLM-R
     * checkpoints as "bert" too, their position rows past padding_idx) */
    .gguf_arch = "bert")

/* RobertaModel: BERT's layout (position table of max_position_embeddings
 * rows, 514 in the checkpoints' configs: padding_idx + 1 offset already in
 * it); RobertaLMHead dense + layer_norm + decoder (tied) + bias;
 * RobertaClassificationHead dense d × d + out_proj d × N, both with bias.
 * REF: modeling_roberta.py, configuration_roberta.py (type_vocab_size 2). */
TMEM_FAMILY(TMEM_FAMILY_ROBERTA, .name = "roberta", .hf_class = "Roberta",
    .description = "encoder: BERT layout (positions offset by padding_idx + 1), pooler",
    BERT_LAYOUT,
    CONFIG(ENC_KEYS, KEY_DEF("type_vocab_size", N_TYPE_VOCAB, 2)),
    BERT_ENCODER(TMEM_HEAD_POOLER), .n_type_vocab = 2)

/* XLMRobertaModel: RoBERTa's code (modeling_xlm_roberta.py is a copy) with
 * a 250k vocabulary */
TMEM_FAMILY(TMEM_FAMILY_XLM_ROBERTA, .name = "xlm-roberta", .aliases = "xlm_roberta", .hf_class = "XLMRoberta",
    .description = "encoder: RoBERTa layout, multilingual 250k vocabulary, pooler",
    BERT_LAYOUT,
    CONFIG(ENC_KEYS, KEY_DEF("type_vocab_size", N_TYPE_VOCAB, 2)),
    BERT_ENCODER(TMEM_HEAD_POOLER), .n_type_vocab = 2)

/* DebertaV2Model (v2 and v3). REF: modeling_deberta_v2.py DebertaV2Embeddings
 * (word; position table iff position_biased_input; token types iff
 * type_vocab_size > 0; LayerNorm), DisentangledSelfAttention (query_proj,
 * key_proj, value_proj with bias; pos_key_proj / pos_query_proj with bias
 * for c2p / p2c unless share_att_key), DebertaV2Encoder (rel_embeddings of
 * 2 · position_buckets or 2 · max_relative_positions rows, a LayerNorm on
 * them iff norm_rel_ebd has layer_norm; ConvLayer iff conv_kernel_size > 0,
 * refused), BERT's output blocks (post-LN), ContextPooler dense d × d with
 * bias; configuration_deberta_v2.py: type_vocab_size 0, relative_attention
 * false, position_biased_input true, dropouts 0.1. */
TMEM_FAMILY(TMEM_FAMILY_DEBERTA_V2, .name = "deberta-v2", .aliases = "deberta_v2", .hf_class = "DebertaV2",
    .description = "encoder: disentangled attention over shared relative position embeddings, post-LN",
    BERT_LAYOUT,
    CONFIG(ENC_KEYS, KEY_DEF("type_vocab_size", N_TYPE_VOCAB, 0),
           FLAG("position_biased_input", LEARNED_POS), FLAG("relative_attention", REL_ATTN),
           {RULE_("position_buckets", REL_BUCKETS, POS)},
           {RULE_("max_relative_positions", MAX_REL_POS, POS)},
           {RULE_("norm_rel_ebd", REL_NORM, HAS_STR), .str = "layer_norm"},
           FLAG("share_att_key", SHARE_ATT_KEY),
           {RULE_("pos_att_type", ATT_C2P, HAS_STR), .str = "c2p"},
           {RULE_("pos_att_type", ATT_P2C, HAS_STR), .str = "p2c"},
           {RULE_("conv_kernel_size", CONV_KERNEL, POS)}),
    BERT_ENCODER(TMEM_HEAD_NONE))

/* ModernBertModel. REF: modeling_modernbert.py ModernBertEmbeddings
 * (tok_embeddings, norm), ModernBertEncoderLayer (attn_norm: nn.Identity in
 * layer 0; attn.Wqkv d × 3·d, attn.Wo; mlp_norm; mlp.Wi d × 2·d_ff (GeGLU:
 * input and gate), mlp.Wo d_ff × d; biases from attention_bias / mlp_bias,
 * norms' from norm_bias, all false by default), final_norm, rotary;
 * ModernBertPredictionHead (dense with classifier_bias, norm) under the
 * MLM decoder (tied, decoder_bias true) and the classifier (Linear with
 * bias); no pooler layer. Global attention in layers i % global_attn_every_n_layers
 * == 0, a local_attention window in the rest: parameters do not depend on it,
 * and training saves the same tensors in both kinds (act_inventory.c
 * modernbert_attention). */
TMEM_FAMILY(TMEM_FAMILY_MODERNBERT, .name = "modernbert", .hf_class = "ModernBert",
    .description = "encoder: pre-LN without biases, GeGLU, rotary, alternating global/local attention",
    .norm = TMEM_NORM_LAYERNORM_NOBIAS, .n_norm_per_layer = 2, GATED, .embed_norm = true,
    .tied = true, .lm_head_bias = true, .rope = true, .softmax_fp32 = true, .mlp_act = "GeGLU",
    DROPOUT("attention_dropout", 0.0, "mlp_dropout", 0.0, "embedding_dropout", 0.0),
    CONFIG(ENC_KEYS, IF_TRUE("norm_bias", NORM, TMEM_NORM_LAYERNORM), ATTN_BIAS("attention_bias"),
           FLAG("mlp_bias", MLP_BIAS), FLAG("classifier_bias", HEAD_BIAS),
           FLAG("decoder_bias", LM_HEAD_BIAS),
           KEY_DEF("global_attn_every_n_layers", ENC_GLOBAL_EVERY, 3),
           KEY_DEF("local_attention", ENC_LOCAL_WINDOW, 128)),
    .encoder = true, .enc_head = TMEM_HEAD_NONE, .no_pooler = true, .cls_norm = true,
    .first_attn_norm_absent = true)

/* ------------------------------------------- trained by Megatron-LM itself */

TMEM_FAMILY(TMEM_FAMILY_MEGATRON_GPT, .name = "megatron_gpt", .aliases = "megatron-gpt", .hf_class = "MegatronGPT",
    .description = "Megatron-LM GPTModel: learned positions, LayerNorm with bias, SwiGLU with biases, tied",
    /* REF Megatron-LM megatron/model/language_model.py Embedding
     * (word_embeddings (V, d), position_embeddings (max_position_embeddings,
     * d), embedding_dropout = hidden_dropout), megatron/model/transformer.py
     * ParallelTransformerLayer (input_layernorm, post_attention_layernorm:
     * LayerNorm with bias; query_key_value (3·d, d) and dense (d, d);
     * ParallelMLP dense_h_to_4h (2·d_ff, d) under --swiglu (gate and up in
     * one matrix), dense_4h_to_h (d, d_ff); every linear with bias:
     * add_bias_linear default True), final_layernorm; the output layer is
     * the word embedding (untie_embeddings_and_output_weights default
     * False); arguments.py: attention_dropout 0.1, hidden_dropout 0.1.
     * The keys are Megatron's argument names (--num-layers → num_layers);
     * .hf_class is the stem of NeMo's MegatronGPTModel, there is no
     * transformers class. */
    LN, .n_norm_per_layer = 2, GATED, .qkv_bias = true, .o_bias = true, .mlp_bias = true,
    .learned_pos = true, .tied = true,
    .mlp_act = "SwiGLU",
    DROPOUT("attention_dropout", 0.1, "hidden_dropout", 0.1, "hidden_dropout", 0.1),
    CONFIG(ALL_BIAS("add_bias_linear"), IF_TRUE("untie_embeddings_and_output_weights", TIED, 0)))

/* ---------------------------------------------------- encoder–decoders */

/* T5ForConditionalGeneration. REF: modeling_t5.py T5Model (shared embedding,
 * encoder and decoder T5Stack with embed_tokens tied to it), T5Stack
 * (block[i], final_layer_norm), T5Block (T5LayerSelfAttention; decoder:
 * T5LayerCrossAttention; T5LayerFF), T5Attention (q, k, v, o without bias,
 * inner_dim = num_heads · d_kv; relative_attention_bias nn.Embedding(
 * relative_attention_num_buckets, n_heads) iff has_relative_attention_bias,
 * which T5Stack gives block 0 only, never the cross-attention),
 * T5LayerNorm (weight only, no mean: an RMSNorm), T5DenseActDense (wi, wo)
 * / T5DenseGatedActDense (wi_0, wi_1, wo) by feed_forward_proj;
 * lm_head tied to shared iff tie_word_embeddings (then the output is scaled
 * by d_model^-0.5, no parameter). configuration_t5.py: d_kv 64, d_ff 2048,
 * num_decoder_layers = num_layers, relative_attention_num_buckets 32,
 * dropout_rate 0.1, feed_forward_proj "relu", tie_word_embeddings true.
 * Pre-norm, three norms per decoder layer, two per encoder layer. */
#define T5_LAYOUT                                                                                  \
    RMS, .n_norm_per_layer = 3, .encdec = true, .n_rel_bucket = 32,                                \
        DROPOUT("dropout_rate", 0.1, "dropout_rate", 0.1, "dropout_rate", 0.1),                    \
        CONFIG(KEY("d_kv", D_HEAD), KEY("d_ff", D_FF), KEY("num_layers", N_ENC_LAYER),             \
               KEY("num_decoder_layers", N_LAYER),                                                 \
               KEY("relative_attention_num_buckets", N_REL_BUCKET),                                \
               {RULE_("feed_forward_proj", MLP_GATED, STR_PREFIX), .str = "gated-"})
TMEM_FAMILY(TMEM_FAMILY_T5, .name = "t5", .hf_class = "T5",
    .description = "encoder–decoder: relative position buckets, RMS-style LayerNorm, no biases; v1.1/Flan: gated-GELU, untied",
    T5_LAYOUT, PLAIN, .tied = true, .mlp_act = "ReLU")

/* MT5ForConditionalGeneration: T5's code (modeling_mt5.py) with
 * configuration_mt5.py's defaults: vocab 250112, d_ff 1024,
 * feed_forward_proj "gated-gelu", tie_word_embeddings false. */
TMEM_FAMILY(TMEM_FAMILY_MT5, .name = "mt5", .hf_class = "MT5",
    .description = "encoder–decoder: T5 v1.1 layout (gated-GELU, untied), multilingual 250k vocabulary",
    T5_LAYOUT, GATED, .tied = false, .mlp_act = "GeGLU")

/* BartForConditionalGeneration. REF: modeling_bart.py BartModel (shared
 * embedding; BartEncoder and BartDecoder, each with embed_positions
 * BartLearnedPositionalEmbedding(max_position_embeddings + 2 rows: offset 2)
 * and layernorm_embedding), BartEncoderLayer (self_attn q/k/v/out_proj with
 * bias, self_attn_layer_norm, fc1/fc2 with bias, final_layer_norm: post-LN),
 * BartDecoderLayer (+ encoder_attn and encoder_attn_layer_norm);
 * lm_head tied to shared; final_logits_bias is a registered buffer, not a
 * parameter. configuration_bart.py: encoder/decoder_layers 12,
 * *_attention_heads 16, *_ffn_dim 4096, dropout 0.1, attention_dropout 0.0. */
#define BART_LAYOUT                                                                                \
    LN, .n_norm_per_layer = 3, PLAIN, .qkv_bias = true, .o_bias = true, .mlp_bias = true,          \
        .learned_pos = true, .pos_extra_rows = 2, .embed_norm = true, .tied = true,                \
        .mlp_act = "GELU", .encdec = true,                                                         \
        DROPOUT("attention_dropout", 0.0, "dropout", 0.1, "dropout", 0.1),                         \
        CONFIG(KEY("decoder_layers", N_LAYER), KEY("encoder_layers", N_ENC_LAYER),                 \
               KEY("decoder_attention_heads", N_HEAD), KEY("encoder_attention_heads", N_ENC_HEAD), \
               KEY("decoder_ffn_dim", D_FF), KEY("encoder_ffn_dim", D_FF_ENC))
TMEM_FAMILY(TMEM_FAMILY_BART, .name = "bart", .hf_class = "Bart",
    .description = "encoder–decoder: learned positions (offset 2), embedding LayerNorm, post-LN, biases, tied",
    BART_LAYOUT, .no_final_norm = true, .post_norm = true)

/* MBartForConditionalGeneration: BART's layout, pre-LN, with a final
 * LayerNorm on each stack (modeling_mbart.py MBartEncoder.layer_norm,
 * MBartDecoder.layer_norm). */
TMEM_FAMILY(TMEM_FAMILY_MBART, .name = "mbart", .hf_class = "MBart",
    .description = "encoder–decoder: BART layout, pre-LN with a final LayerNorm per stack, 250k vocabulary",
    BART_LAYOUT)
/* ------------------------------------------------------------- hybrids */

TMEM_FAMILY(TMEM_FAMILY_JAMBA, .name = "jamba", .hf_class = "Jamba",
    .description = "hybrid: Mamba-1 mixers (with dt/B/C RMSNorms) and one GQA attention layer in 8, MoE every other layer",
    /* modeling_jamba.py JambaAttentionDecoderLayer / JambaMambaDecoderLayer:
     * input_layernorm, the mixer, pre_ff_layernorm, feed_forward (RMSNorms);
     * layer i attends iff i % attn_layer_period == attn_layer_offset, else
     * JambaMambaMixer (in_proj (d, 2·d_inner) bias mamba_proj_bias, conv1d
     * bias mamba_conv_bias, x_proj (d_inner, dt_rank + 2·N) no bias,
     * dt_layernorm (dt_rank), b_layernorm (N), c_layernorm (N) RMSNorm
     * weights, dt_proj with bias, A_log (d_inner, N), D, out_proj);
     * JambaAttention q/k/v/o without bias, no rotary; feed_forward is
     * JambaSparseMoeBlock (router Linear(d, E) without bias, experts
     * gate/up/down of intermediate_size) iff i % expert_layer_period ==
     * expert_layer_offset, else JambaMLP(intermediate_size); final_layernorm;
     * JambaConfig defaults: periods 8 / 2, offsets 4 / 1, num_experts 16,
     * top 2, mamba_d_state 16, d_conv 4, expand 2, dt_rank "auto" =
     * ceil(d / 16), conv bias true, proj bias false, untied */
    RMS, .n_norm_per_layer = 2, GATED, .tied = false, .moe = true, .moe_layer_phase = 1,
    .ssm = TMEM_SSM_MAMBA, .ssm_conv_bias = true, .hybrid = true, .attn_layer_step = 8,
    .attn_layer_offset = 4, .ssm_xbc_norms = true,
    .softmax_fp32 = true, .mlp_act = "SwiGLU", ATTN_DROPOUT,
    CONFIG(KEY_DEF("attn_layer_period", ATTN_LAYER_STEP, 8),
           KEY_DEF("attn_layer_offset", ATTN_LAYER_OFFSET, 4),
           KEY_DEF("expert_layer_period", MOE_LAYER_STEP, 2),
           KEY_DEF("expert_layer_offset", MOE_LAYER_OFFSET, 1),
           KEY_DEF("num_experts", N_EXPERT, 16), KEY_DEF("num_experts_per_tok", N_EXPERT_USED, 2),
           KEY_DEF("mamba_d_state", SSM_D_STATE, 16), KEY_DEF("mamba_d_conv", SSM_D_CONV, 4),
           KEY_DEF("mamba_expand", SSM_EXPAND, 2), KEY("mamba_dt_rank", SSM_DT_RANK),
           FLAG("mamba_conv_bias", SSM_CONV_BIAS), FLAG("mamba_proj_bias", SSM_PROJ_BIAS)),
    /* llama.cpp "jamba": ssm.* keys, head_count_kv per layer (0: Mamba),
     * the MoE layers by their ffn_gate_inp (ckpt_model.c) */
    .gguf_arch = "jamba")

TMEM_FAMILY(TMEM_FAMILY_GRANITEMOEHYBRID, .name = "granitemoehybrid", .hf_class = "GraniteMoeHybrid",
    .description = "hybrid: Mamba-2 mixers and GQA attention layers by layer_types, routed experts plus a shared MLP in every layer",
    /* modeling_granitemoehybrid.py GraniteMoeHybridDecoderLayer:
     * input_layernorm, the mixer (layers_block_type[i]: "mamba" →
     * GraniteMoeHybridMambaLayer = BambaMixer, a Mamba-2 mixer: in_proj (d,
     * d_inner + conv_dim + H) bias mamba_proj_bias, conv1d over conv_dim =
     * d_inner + 2·G·N with mamba_conv_bias, dt_bias / A_log / D (H), gated
     * RMSNorm (d_inner), out_proj; "attention" → q/k/v/o with
     * attention_bias), post_attention_layernorm, block_sparse_moe iff
     * num_local_experts > 0 (router Linear(d, E) without bias; input_linear
     * (E, 2·intermediate_size, d) = gate and up, output_linear (E, d,
     * intermediate_size)) and always shared_mlp (input_linear d × 2·
     * shared_intermediate_size, output_linear); norm; embedding, attention,
     * residual multipliers and logits_scaling are scalars. No layer_types:
     * every layer is Mamba. GraniteMoeHybridConfig defaults: mamba_n_heads
     * 128, mamba_n_groups 1, mamba_d_state 256, mamba_d_head "auto" =
     * d_inner / heads, d_conv 4, expand 2, conv bias true, proj bias false,
     * 8 experts top 2, shared_intermediate_size 1024, untied */
    RMS, .n_norm_per_layer = 2, GATED, .tied = false, .moe = true,
    .ssm = TMEM_SSM_MAMBA2, .ssm_conv_bias = true, .hybrid = true,
    .softmax_fp32 = true, .mlp_act = "SwiGLU", ATTN_DROPOUT,
    CONFIG(ATTN_BIAS("attention_bias"), KEY_DEF("num_local_experts", N_EXPERT, 8),
           KEY_DEF("num_experts_per_tok", N_EXPERT_USED, 2),
           KEY_DEF("intermediate_size", D_FF_EXPERT, 11008),
           KEY_DEF("shared_intermediate_size", D_FF_SHARED, 1024),
           /* without experts the shared MLP is each layer's dense MLP */
           KEY_DEF("shared_intermediate_size", D_FF, 1024),
           MIXER_TYPES("layer_types|layers_block_type"),
           KEY_DEF("mamba_n_heads", SSM_N_HEAD, 128), KEY_DEF("mamba_n_groups", SSM_N_GROUP, 1),
           KEY_DEF("mamba_d_state", SSM_D_STATE, 256), KEY("mamba_d_head", SSM_D_HEAD),
           KEY_DEF("mamba_d_conv", SSM_D_CONV, 4), KEY_DEF("mamba_expand", SSM_EXPAND, 2),
           FLAG("mamba_conv_bias", SSM_CONV_BIAS), FLAG("mamba_proj_bias", SSM_PROJ_BIAS)),
    /* llama.cpp "granitehybrid": Mamba-2 ssm.* keys, head_count_kv per layer */
    .gguf_arch = "granitehybrid")

TMEM_FAMILY(TMEM_FAMILY_QWEN3_NEXT, .name = "qwen3_next", .hf_class = "Qwen3Next",
    .description = "hybrid: Gated DeltaNet linear attention with gated full attention every 4th layer, routed experts plus a gated shared expert",
    /* modeling_qwen3_next.py Qwen3NextDecoderLayer: input_layernorm, the
     * mixer (layer_types[i] "linear_attention" → Qwen3NextGatedDeltaNet, see
     * inventory.c walk_ssm; "full_attention" → Qwen3NextAttention: q_proj (d,
     * 2·n_head·d_head) = query and a sigmoid output gate, k/v_proj, o_proj,
     * q_norm / k_norm (d_head), attention_bias false), post_attention_layernorm,
     * Qwen3NextSparseMoeBlock (router Linear(d, E), experts of
     * moe_intermediate_size, shared_expert of shared_expert_intermediate_size,
     * shared_expert_gate Linear(d, 1)) iff i not in mlp_only_layers and (i +
     * 1) % decoder_sparse_step == 0, else Qwen3NextMLP(intermediate_size);
     * Qwen3NextConfig: full_attention_interval 4 (layer i attends iff (i +
     * 1) % 4 == 0), head_dim 256, linear heads 32 value / 16 key of 128,
     * conv 4, 512 experts top 10, untied. The checkpoint's mtp.* layer
     * (mtp_num_hidden_layers) is not part of Qwen3NextForCausalLM (HF drops
     * it on load; vLLM loads it only as the speculative draft) and is not
     * counted. */
    RMS, .n_norm_per_layer = 2, GATED, .qk_norm = true, .tied = false, .moe = true,
    .moe_layer_phase = 1, .shared_expert_gate = true, .attn_out_gate = true,
    .norm_scale_fp32 = true, /* Qwen3NextRMSNorm: output·(1.0 + weight.float()), then .type_as(x) */
    .ssm = TMEM_SSM_GDN, .hybrid = true, .attn_layer_step = 4, .attn_layer_offset = 3,
    HF_EAGER, .mlp_act = "SwiGLU", ATTN_DROPOUT,
    CONFIG(ATTN_BIAS("attention_bias"), KEY_DEF("head_dim", D_HEAD, 256),
           KEY("shared_expert_intermediate_size", D_FF_SHARED),
           KEY("full_attention_interval", ATTN_LAYER_INTERVAL),
           MIXER_TYPES("layer_types"),
           KEY_DEF("linear_num_value_heads", SSM_N_HEAD, 32),
           KEY_DEF("linear_num_key_heads", SSM_N_GROUP, 16),
           KEY_DEF("linear_value_head_dim", SSM_D_HEAD, 128),
           KEY_DEF("linear_key_head_dim", SSM_D_STATE, 128),
           KEY_DEF("linear_conv_kernel_dim", SSM_D_CONV, 4)),
    /* llama.cpp "qwen3next": ssm.* keys (state_size d_k, group_count the key
     * heads, time_step_rank the value heads), full_attention_interval */
    .gguf_arch = "qwen3next")

TMEM_FAMILY(TMEM_FAMILY_FALCON_H1, .name = "falcon_h1", .hf_class = "FalconH1",
    .description = "hybrid: GQA attention and a Mamba-2 mixer side by side in every layer, SwiGLU MLP",
    /* modeling_falcon_h1.py FalconH1DecoderLayer: input_layernorm, then
     * self_attn (q/k/v/o with attention_bias) and mamba (FalconH1Mixer, a
     * Mamba-2 mixer of d_ssm = mamba_d_ssm or mamba_expand · d channels:
     * in_proj (d, d_ssm + conv_dim + H), conv1d over conv_dim = d_ssm + 2·G·N
     * with mamba_conv_bias, dt_bias / A_log / D (H), the gated RMSNorm
     * (d_ssm) iff mamba_rms_norm, out_proj) on the same input, summed;
     * pre_ff_layernorm, feed_forward gate/up/down with mlp_bias; final_layernorm;
     * the muP multipliers are scalars or buffers, no parameters.
     * FalconH1Config defaults: mamba_n_heads 128, mamba_d_head "auto" = d_ssm
     * / heads, mamba_n_groups 1, mamba_d_state 256, d_conv 4, expand 2, conv
     * bias true, proj bias false, mamba_rms_norm false, untied. In- and
     * out_proj biases are counted together (mamba_proj_bias; projectors_bias
     * is false in the published configs). */
    RMS, .n_norm_per_layer = 2, GATED, .tied = false,
    .ssm = TMEM_SSM_MAMBA2, .ssm_conv_bias = true, .hybrid = true, .hybrid_parallel = true,
    HF_EAGER, .mlp_act = "SwiGLU", ATTN_DROPOUT,
    CONFIG(ATTN_BIAS("attention_bias"), FLAG("mlp_bias", MLP_BIAS),
           KEY("mamba_d_ssm", SSM_D_INNER), KEY_DEF("mamba_n_heads", SSM_N_HEAD, 128),
           KEY("mamba_d_head", SSM_D_HEAD), KEY_DEF("mamba_n_groups", SSM_N_GROUP, 1),
           KEY_DEF("mamba_d_state", SSM_D_STATE, 256), KEY_DEF("mamba_d_conv", SSM_D_CONV, 4),
           KEY_DEF("mamba_expand", SSM_EXPAND, 2), FLAG("mamba_conv_bias", SSM_CONV_BIAS),
           FLAG("mamba_proj_bias", SSM_PROJ_BIAS),
           IF_FALSE_DEF("mamba_rms_norm", SSM_NO_NORM, 1, 0)),
    /* llama.cpp "falcon-h1": Mamba-2 ssm.* keys; no ssm_norm: mamba_rms_norm false */
    .gguf_arch = "falcon-h1")
/* ------------------------------------------------ cross-attention (Mllama) */

TMEM_FAMILY(TMEM_FAMILY_MLLAMA_TEXT, .name = "mllama_text_model", .hf_class = "Mllama",
    .description = "Llama-3 text stack with gated cross-attention layers into the image states (Llama 3.2 Vision)",
    /* modeling_mllama.py MllamaTextModel: embed_tokens (vocab_size + 8, d);
     * layers i in cross_attention_layers are MllamaCrossAttentionDecoderLayer
     * (cross_attn q/k/v/o_proj without bias, q_norm / k_norm
     * MllamaTextRMSNorm(d_head), cross_attn_attn_gate and cross_attn_mlp_gate
     * (1 each), input_layernorm, post_attention_layernorm, SwiGLU MLP), the
     * others MllamaSelfAttentionDecoderLayer (the Llama layer); norm; lm_head
     * (vocab_size, d), untied. MllamaTextConfig: cross_attention_layers
     * [3, 8, 13, 18, 23, 28, 33, 38] when absent. The multimodal checkpoint
     * (model_type mllama) holds it in text_config beside vision_config
     * (hf_vision.c). */
    RMS, .n_norm_per_layer = 2, GATED, .tied = false, .embed_extra_rows = 8,
    HF_EAGER, .mlp_act = "SwiGLU", ATTN_DROPOUT,
    CONFIG({RULE_("cross_attention_layers", N_CROSS_LAYER, SIZE), .has_default = true, .dflt = 8}))

/* -------------------------------------------- encoder–decoders (appended) */

/* UMT5ForConditionalGeneration. REF: modeling_umt5.py: T5 v1.1's layout
 * (UMT5LayerFF: T5DenseGatedActDense by feed_forward_proj, RMS-style
 * UMT5LayerNorm, no biases) with UMT5Attention(has_relative_attention_bias=
 * True) in every self-attention layer of both stacks (UMT5LayerSelfAttention;
 * the cross-attention UMT5LayerCrossAttention has none): a table of
 * relative_attention_num_buckets × num_heads per layer, not block 0's only.
 * configuration_umt5.py: vocab 250112, d_model 512, d_kv 64, d_ff 1024,
 * num_layers 8, num_heads 6, buckets 32, dropout_rate 0.1, feed_forward_proj
 * "gated-gelu"; the published checkpoints (google/umt5-small/base/xl) say
 * tie_word_embeddings false (their lm_head is its own: 1.23 GB fp32 for
 * umt5-small). llama.cpp converts UMT5ForConditionalGeneration as "t5"
 * (per-layer attn_rel_b); tmem reads no encoder–decoder GGUF, so no
 * .gguf_arch. */
TMEM_FAMILY(TMEM_FAMILY_UMT5, .name = "umt5", .hf_class = "UMT5",
    .description = "encoder–decoder: T5 v1.1 layout (gated-GELU, untied) with a relative-bias table in every self-attention layer",
    T5_LAYOUT, GATED, .tied = false, .mlp_act = "GeGLU", .rel_bias_per_layer = true)

/* PegasusForConditionalGeneration. REF: modeling_pegasus.py: BART's layers
 * (q/k/v/out_proj, fc1/fc2 with biases, self_attn_layer_norm,
 * encoder_attn_layer_norm, final_layer_norm: pre-LN), a final LayerNorm per
 * stack (PegasusEncoder.layer_norm, PegasusDecoder.layer_norm), no
 * layernorm_embedding, and embed_positions PegasusSinusoidalPositionalEmbedding
 * (max_position_embeddings × d_model per stack, no offset): an nn.Embedding
 * whose weight is a fixed sinusoid with requires_grad=False, so it is held,
 * saved and counted by num_parameters() (570,797,056 for pegasus-large) but
 * never trained. lm_head tied to shared; final_logits_bias a buffer.
 * configuration_pegasus.py: vocab 50265, max_position_embeddings 1024,
 * 12 + 12 layers, 16 heads, ffn 4096, d_model 1024, dropout 0.1,
 * attention_dropout 0.0, activation_function "gelu" (the google checkpoints
 * say "relu"). llama.cpp has no Pegasus architecture. */
TMEM_FAMILY(TMEM_FAMILY_PEGASUS, .name = "pegasus", .hf_class = "Pegasus",
    .description = "encoder–decoder: BART-like layers, pre-LN with a final LayerNorm per stack, frozen sinusoidal positions, tied",
    LN, .n_norm_per_layer = 3, PLAIN, .qkv_bias = true, .o_bias = true, .mlp_bias = true,
    .learned_pos = true, .sinusoidal_pos = true, .tied = true, .mlp_act = "ReLU", .encdec = true,
    DROPOUT("attention_dropout", 0.0, "dropout", 0.1, "dropout", 0.1),
    CONFIG(KEY("decoder_layers", N_LAYER), KEY("encoder_layers", N_ENC_LAYER),
           KEY("decoder_attention_heads", N_HEAD), KEY("encoder_attention_heads", N_ENC_HEAD),
           KEY("decoder_ffn_dim", D_FF), KEY("encoder_ffn_dim", D_FF_ENC),
           {RULE_("activation_function", RELU_MLP, STR_IS), .str = "relu"}))

#ifdef TMEM_FAMILY_DESCRIPTORS
#undef CONFIG
#undef RULE_
#undef KEY
#undef KEY_REQ
#undef KEY_DEF
#undef KEY_MAX
#undef FLAG
#undef IF_TRUE
#undef IF_FALSE
#undef IF_TRUE_DEF
#undef IF_FALSE_DEF
#undef ATTN_BIAS
#undef LAYER_TYPES
#undef MIXER_TYPES
#undef ALL_BIAS
#undef DROPOUT
#undef ATTN_DROPOUT
#undef DEEPSEEK_KEYS
#undef LN
#undef RMS
#undef NOPARAM
#undef PLAIN
#undef GATED
#undef MLA
#undef HF_EAGER
#undef ENC_KEYS
#undef BERT_LAYOUT
#undef BERT_ENCODER
#undef T5_LAYOUT
#undef BART_LAYOUT
#endif

#ifdef TMEM__FAMILY_EMPTY
#undef TMEM_FAMILY
#undef TMEM__FAMILY_EMPTY
#endif
#ifdef TMEM__FAMILY_KEYS_EMPTY
#undef TMEM_FAMILY_KEYS
#undef TMEM__FAMILY_KEYS_EMPTY
#endif
