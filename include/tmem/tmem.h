/* tmem.h — the public API of libtmem: model descriptions, exact parameter
 * inventories, memory ledgers and the built-in hardware table.
 *
 * The library core is pure C11: it does no I/O, keeps no mutable global
 * state, never prints and never exits. Every fallible function returns an
 * enum tmem_status and fills an optional struct tmem_error (NULL allowed);
 * outputs are written only on TMEM_OK, except where a function says it
 * empties its output on error. Nothing here allocates: results live
 * in fixed-capacity structs that the caller owns.
 *
 * Dimension legend (used everywhere in tmem, code, comments and output):
 *   d_model    hidden size                    n_layer    decoder layers
 *   n_head     query heads                    n_kv_head  key/value heads (GQA/MQA)
 *   d_head     per-head size (may differ from d_model / n_head: Gemma)
 *   d_ff       MLP intermediate size          n_vocab    vocabulary rows
 *   n_pos      rows of a learned position table (0: rotary / ALiBi, none)
 *   n_expert   routed experts per MoE layer   n_expert_used  experts per token
 *
 * Units are in the names: _params (element counts), _bytes, _flops, _s.
 * All counts and byte sizes are exact uint64_t computed with overflow checks.
 */
#ifndef TMEM_H
#define TMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TMEM_VERSION "0.1.0"
#define TMEM_VERSION_NUMBER 100 /* major*10000 + minor*100 + patch */
#define TMEM_SCHEMA_VERSION 1   /* JSON documents' "schema_version" */

/* Returns TMEM_VERSION of the library actually linked. */
const char *tmem_version(void);

/* ---------------------------------------------------------------- errors */

enum tmem_status {
    TMEM_OK = 0,
    TMEM_ERR_INVALID_ARG,  /* caller passed NULL or an out-of-range value */
    TMEM_ERR_NOMEM,        /* an allocation failed (readers only) */
    TMEM_ERR_IO,           /* the OS refused a read (readers only) */
    TMEM_ERR_TRUNCATED,    /* input shorter than a declared length */
    TMEM_ERR_BAD_MAGIC,    /* not the file format it claims to be */
    TMEM_ERR_LIMIT,        /* a size is outside its named TMEM_MAX_* range */
    TMEM_ERR_OVERFLOW,     /* a product or sum would not fit in 64 bits */
    TMEM_ERR_SYNTAX,       /* malformed JSON */
    TMEM_ERR_SCHEMA,       /* valid JSON, wrong type or shape */
    TMEM_ERR_MISSING_KEY,  /* a required field is absent */
    TMEM_ERR_INCONSISTENT, /* fields contradict each other (heads vs hidden) */
    TMEM_ERR_UNSUPPORTED,  /* unknown model, family, dtype or GPU */
    TMEM_ERR_CAPACITY,     /* a fixed-capacity result table is full */
    TMEM_STATUS_COUNT
};

/* One error crosses the library boundary: a code, where it happened
 * ("config.json:num_attention_heads", "--heads"), an input byte offset
 * (0 when none applies) and one line of text without a trailing newline
 * and without the program's prefix. `where` holds a whole path (PATH_MAX)
 * and field; text longer than a field ends in "…" (U+2026) where it was
 * cut. Both may hold bytes from the input as they were (control
 * characters, invalid UTF-8): escape them before printing. */
#define TMEM_ERROR_WHERE_LEN 4096
#define TMEM_ERROR_MSG_LEN 256
struct tmem_error {
    enum tmem_status code;
    uint64_t offset;
    char where[TMEM_ERROR_WHERE_LEN];
    char msg[TMEM_ERROR_MSG_LEN];
};

/* Stable identifier ("TMEM_ERR_LIMIT") and short human text. Never NULL. */
const char *tmem_status_name(enum tmem_status s);
const char *tmem_status_str(enum tmem_status s);

/* ------------------------------------------------------ model description */

/* Architecture families: one descriptor each, all in include/tmem/families.h
 * (an X-macro list; only the IDs expand here, the rows expand in
 * src/core/family.c). Values are stable; add new ones at the end. */
enum tmem_family {
#define TMEM_FAMILY(id, ...) id,
#include "tmem/families.h"
#undef TMEM_FAMILY
    TMEM_FAMILY_COUNT
};

enum tmem_norm_kind {
    TMEM_NORM_LAYERNORM = 0, /* weight + bias: 2 · width params */
    TMEM_NORM_RMSNORM,       /* weight only:   1 · width params */
    TMEM_NORM_NONPARAM,      /* no parameters (OLMo's LayerNorm) */
    TMEM_NORM_LAYERNORM_NOBIAS, /* LayerNorm (mean and variance) with a weight only:
                                   1 · width params (Cohere's CohereLayerNorm) */
    TMEM_NORM_COUNT
};

enum tmem_mlp_kind {
    TMEM_MLP_PLAIN = 0, /* up, down (GELU / ReLU) */
    TMEM_MLP_GATED,     /* gate, up, down (SwiGLU / GeGLU) */
    TMEM_MLP_COUNT
};

enum tmem_attn_kind {
    TMEM_ATTN_GQA = 0, /* multi-head, grouped-query or multi-query */
    TMEM_ATTN_MLA,     /* DeepSeek multi-head latent attention */
    TMEM_ATTN_COUNT
};

/* The mixer of a state-space layer (0: none, an attention layer). */
enum tmem_ssm_kind {
    TMEM_SSM_NONE = 0,
    TMEM_SSM_MAMBA,     /* Mamba-1 (MambaMixer): in_proj, conv1d, x_proj, dt_proj, A_log, D, out_proj */
    TMEM_SSM_MAMBA2,    /* Mamba-2 (Mamba2Mixer): in_proj to z, x, B, C, dt; conv1d over x, B, C;
                           A_log, D, dt_bias per head; gated RMSNorm; out_proj */
    TMEM_SSM_GDN,       /* Gated DeltaNet (Qwen3NextGatedDeltaNet): in_proj_qkvz and in_proj_ba,
                           conv1d over q, k, v; dt_bias, A_log per value head; gated RMSNorm of
                           one value head; out_proj. ssm_n_head value heads of ssm_d_head,
                           ssm_n_group key heads of ssm_d_state */
    TMEM_SSM_COUNT
};

/* Dropouts a family's code applies in training. Each one with a rate > 0
 * saves a mask of 1 byte per element for backward. */
enum tmem_dropout {
    TMEM_DROPOUT_ATTN = 0, /* on the attention probabilities (b × n_head × s × s) */
    TMEM_DROPOUT_RESID,    /* on the attention and MLP outputs (2 × b·s × d_model per layer) */
    TMEM_DROPOUT_EMBD,     /* on the embedding output (b·s × d_model) */
    TMEM_DROPOUT_COUNT
};

/* Where a family's config.json gives one dropout rate. */
struct tmem_dropout_key {
    const char *key;               /* "attn_pdrop"; NULL: the family's code has no such dropout */
    double p;                      /* the config class's default rate */
};

/* The fields of struct tmem_model that a config key can set. */
enum tmem_field {
    TMEM_FIELD_D_MODEL = 0,
    TMEM_FIELD_N_LAYER,
    TMEM_FIELD_N_HEAD,
    TMEM_FIELD_N_KV_HEAD,
    TMEM_FIELD_D_HEAD,
    TMEM_FIELD_D_FF,
    TMEM_FIELD_N_VOCAB,
    TMEM_FIELD_N_CTX,
    TMEM_FIELD_D_EMBED,
    TMEM_FIELD_NORM,               /* an enum tmem_norm_kind value */
    TMEM_FIELD_N_NORM_PER_LAYER,
    TMEM_FIELD_FINAL_NORM,
    TMEM_FIELD_QKV_BIAS,
    TMEM_FIELD_O_BIAS,
    TMEM_FIELD_MLP_BIAS,
    TMEM_FIELD_QK_NORM,
    TMEM_FIELD_TIED,
    TMEM_FIELD_SLIDING_WINDOW,
    TMEM_FIELD_N_EXPERT,
    TMEM_FIELD_N_EXPERT_USED,
    TMEM_FIELD_D_FF_EXPERT,
    TMEM_FIELD_D_FF_SHARED,
    TMEM_FIELD_N_SHARED_EXPERT,
    TMEM_FIELD_ROUTER_BIAS,
    TMEM_FIELD_MOE_FIRST_LAYER,
    TMEM_FIELD_MOE_LAYER_STEP,
    TMEM_FIELD_DENSE_LAYERS,       /* the list dense_layers / n_dense_layers_listed */
    TMEM_FIELD_Q_LORA_RANK,
    TMEM_FIELD_KV_LORA_RANK,
    TMEM_FIELD_QK_NOPE_DIM,
    TMEM_FIELD_QK_ROPE_DIM,
    TMEM_FIELD_V_HEAD_DIM,
    TMEM_FIELD_SWA_LAYER_STEP,     /* the sliding-window layer pattern (sliding_window_pattern) */
    TMEM_FIELD_LM_HEAD_BIAS,
    TMEM_FIELD_SSM_D_STATE,        /* state-space layers (struct tmem_model's ssm block) */
    TMEM_FIELD_SSM_D_CONV,
    TMEM_FIELD_SSM_EXPAND,
    TMEM_FIELD_SSM_D_INNER,
    TMEM_FIELD_SSM_DT_RANK,
    TMEM_FIELD_SSM_N_HEAD,
    TMEM_FIELD_SSM_D_HEAD,
    TMEM_FIELD_SSM_N_GROUP,
    TMEM_FIELD_SSM_PROJ_BIAS,
    TMEM_FIELD_SSM_CONV_BIAS,
    TMEM_FIELD_N_TYPE_VOCAB,       /* encoders: token_type_embeddings rows (type_vocab_size) */
    TMEM_FIELD_LEARNED_POS,        /* a learned absolute position table (DeBERTa position_biased_input) */
    TMEM_FIELD_REL_ATTN,           /* DeBERTa relative_attention */
    TMEM_FIELD_REL_BUCKETS,        /* DeBERTa position_buckets (0: unset) */
    TMEM_FIELD_MAX_REL_POS,        /* DeBERTa max_relative_positions (0: unset) */
    TMEM_FIELD_REL_NORM,           /* DeBERTa norm_rel_ebd holds layer_norm */
    TMEM_FIELD_SHARE_ATT_KEY,      /* DeBERTa share_att_key */
    TMEM_FIELD_ATT_C2P,            /* DeBERTa pos_att_type holds c2p */
    TMEM_FIELD_ATT_P2C,            /* DeBERTa pos_att_type holds p2c */
    TMEM_FIELD_HEAD_BIAS,          /* the encoder heads' dense has a bias (ModernBERT classifier_bias) */
    TMEM_FIELD_N_LABELS,           /* a classification head's outputs (num_labels, id2label) */
    TMEM_FIELD_CONV_KERNEL,        /* DeBERTa-v2 conv_kernel_size (0: none) */
    TMEM_FIELD_N_ENC_LAYER,        /* encoder–decoders: the encoder's layers (T5 num_layers,
                                      BART encoder_layers); N_LAYER holds the decoder's */
    TMEM_FIELD_N_ENC_HEAD,         /* the encoder's attention heads (BART encoder_attention_heads) */
    TMEM_FIELD_D_FF_ENC,           /* the encoder's MLP width (BART encoder_ffn_dim) */
    TMEM_FIELD_N_REL_BUCKET,       /* T5 relative_attention_num_buckets */
    TMEM_FIELD_MLP_GATED,          /* true: a gated MLP (T5 feed_forward_proj "gated-…") */
    TMEM_FIELD_ATTN_LAYER_STEP,    /* hybrids: layer i attends iff i % step == offset (Jamba
                                      attn_layer_period) */
    TMEM_FIELD_ATTN_LAYER_OFFSET,  /* Jamba attn_layer_offset */
    TMEM_FIELD_ATTN_LAYERS,        /* the list attn_layers (TMEM_CONFIG_OP_MIXER_TYPES) */
    TMEM_FIELD_MOE_LAYER_OFFSET,   /* layer i is MoE iff i % moe_layer_step == offset (Jamba
                                      expert_layer_offset): sets moe_layer_phase in resolve */
    TMEM_FIELD_SSM_XBC_NORMS,      /* Jamba: RMSNorms on dt, B and C (dt_rank + 2·d_state) */
    TMEM_FIELD_ATTN_LAYER_INTERVAL,/* layer i attends iff (i + 1) % k == 0 (Qwen3-Next
                                      full_attention_interval): step k, offset k − 1 */
    TMEM_FIELD_SSM_NO_NORM,        /* the Mamba-2 mixer has no gated RMSNorm (Falcon-H1
                                      mamba_rms_norm false) */
    TMEM_FIELD_N_CROSS_LAYER,      /* Mllama cross_attention_layers: how many */
    TMEM_FIELD_ENC_GLOBAL_EVERY,   /* ModernBERT global_attn_every_n_layers: layer i is global
                                      iff i % k == 0, the others local (0: all global) */
    TMEM_FIELD_ENC_LOCAL_WINDOW,   /* ModernBERT local_attention: a local layer's window (keys
                                      within local_attention / 2 either side) */
    TMEM_FIELD_RELU_MLP,           /* the plain MLP's activation is ReLU (BART-line
                                      activation_function "relu": Pegasus) */
    TMEM_FIELD_COUNT
};

/* How a config key's value becomes a field. */
enum tmem_config_op {
    TMEM_CONFIG_OP_U64 = 0,        /* a non-negative integer, stored as is */
    TMEM_CONFIG_OP_BOOL,           /* true / false, stored as 1 / 0 */
    TMEM_CONFIG_OP_SET_IF_TRUE,    /* a boolean; when true the field becomes .value */
    TMEM_CONFIG_OP_SET_IF_FALSE,   /* a boolean; when false the field becomes .value */
    TMEM_CONFIG_OP_STR_IS,         /* a string; the field becomes (string == .str) */
    TMEM_CONFIG_OP_LIST,           /* an array of layer indices (TMEM_FIELD_DENSE_LAYERS) */
    TMEM_CONFIG_OP_LAYER_TYPES,    /* an array of "sliding_attention" / "full_attention", one per
                                      layer, repeating one full layer every k: the field becomes k
                                      (0: none full); any other shape is refused */
    TMEM_CONFIG_OP_POS,            /* an integer; a value <= 0 (HF's -1, "unset") stores 0 */
    TMEM_CONFIG_OP_HAS_STR,        /* a string ("p2c|c2p", |-separated items) or an array of
                                      strings; the field becomes (.str is one of them) */
    TMEM_CONFIG_OP_SIZE,           /* an object or array: the field becomes its size (id2label) */
    TMEM_CONFIG_OP_STR_PREFIX,     /* a string; the field becomes (it starts with .str) */
    TMEM_CONFIG_OP_MIXER_TYPES,    /* an array of one mixer type per layer: the indices of the
                                      attention layers ("attention", "full_attention") become the
                                      list attn_layers, the rest are SSM / linear-attention layers
                                      ("mamba", "linear_attention"); any other name is refused */
    TMEM_CONFIG_OP_COUNT
};

/* One config.json key a family reads: data only; the config reader
 * (src/read/hf_config.c) applies the shared keys, the MoE keys of MoE
 * families, then the family's own, in order, so a later rule wins. */
struct tmem_config_key {
    const char *keys;              /* "hidden_size|n_embd": the first present and not null */
    enum tmem_field field;
    enum tmem_config_op op;
    bool required;                 /* absent: TMEM_ERR_MISSING_KEY */
    bool has_default;              /* absent: as if the key held .dflt (the config class's default) */
    uint64_t dflt;
    uint64_t value;                /* SET_IF_TRUE / SET_IF_FALSE: what the field becomes */
    uint64_t max;                  /* U64: a larger value is TMEM_ERR_LIMIT (0: no cap) */
    const char *str;               /* STR_IS: the string compared with */
    const char *unless;            /* a boolean key (absent: false); the rule is skipped when true */
};

/* What sits on an encoder's last layer (a decoder has its lm_head). */
enum tmem_head {
    TMEM_HEAD_LM = 0,   /* a decoder's lm_head (tied or not) */
    TMEM_HEAD_NONE,     /* the encoder's last hidden states, no head */
    TMEM_HEAD_POOLER,   /* + a pooler: dense d_model × d_model + bias on the first token
                           (BertPooler, DeBERTa's ContextPooler) */
    TMEM_HEAD_MLM,      /* + the masked-LM head: transform dense + norm, a decoder to n_vocab
                           (tied to the embedding unless untied) + its bias */
    TMEM_HEAD_CLS,      /* + a sequence-classification head of n_labels outputs */
    TMEM_HEAD_COUNT
};

/* "lm", "none", "pooler", "mlm", "cls" (the --head names); "unknown" out of range. */
const char *tmem_head_name(enum tmem_head h);

/* How a safetensors checkpoint without config.json names its tensors. */
enum tmem_st_layout {
    TMEM_ST_LAYOUT_NONE = 0,       /* not recognised from names alone */
    TMEM_ST_LAYOUT_LLAMA,          /* [model.]embed_tokens, layers.N.self_attn / mlp, norm, lm_head */
    TMEM_ST_LAYOUT_GPT2,           /* [transformer.]wte, wpe, h.N.attn.c_attn, mlp.c_fc */
    TMEM_ST_LAYOUT_NEOX,           /* gpt_neox.embed_in, layers.N.attention.query_key_value */
    TMEM_ST_LAYOUT_COUNT
};

/* A family's descriptor: the rules its reference implementation (HF
 * transformers modeling_*.py) lays its weights out by, the kernels tmem
 * assumes for its activations, and what the readers look for. The layout
 * rules are defaults that seed struct tmem_model; a config or flags may
 * override any of them. */
struct tmem_family_info {
    const char *name;              /* "llama": the HF model_type */
    const char *description;       /* one line: what sets it apart */
    const char *aliases;           /* other model_type spellings, "|"-separated; NULL: none */
    const char *hf_class;          /* HF class-name stems, "|"-separated: a config.json
                                      `architectures` entry is a stem and a head
                                      (LlamaForCausalLM, GPT2LMHeadModel → "Llama", "GPT2") */

    /* layout */
    enum tmem_norm_kind norm;
    uint32_t n_norm_per_layer;     /* 2 (pre-attn, pre-mlp), 1 (parallel), 4 */
    enum tmem_mlp_kind mlp;
    enum tmem_attn_kind attn;
    bool qkv_bias, o_bias, mlp_bias, lm_head_bias;
    bool qk_norm;                  /* per-head q/k norms of width d_head */
    bool qk_norm_full;             /* the q/k norms span the whole projections: weights of
                                      n_head·d_head and n_kv_head·d_head, one statistic per
                                      token (OLMo2's q_norm / k_norm) */
    bool embed_norm;               /* a norm right after the embedding */
    bool learned_pos;              /* learned position table */
    uint32_t pos_extra_rows;       /* OPT's offset of 2 */
    bool tied;                     /* HF config default of tie_word_embeddings */
    bool moe;                      /* has routed experts */
    bool router_bias;              /* DeepSeek-V3's e_score_correction_bias */
    bool shared_expert_gate;       /* Qwen2-MoE: a sigmoid gate on the shared expert */
    bool expert_bias;              /* routed experts' projections carry biases (gpt-oss) */
    bool attn_sinks;               /* a learned sink logit per head and layer (gpt-oss) */
    uint32_t moe_layer_phase;      /* layer i is MoE iff (i + phase) % step == 0 */
    uint32_t d_ff_mult;            /* d_ff default = mult · d_model (0: required) */
    uint32_t swa_layer_step;       /* with a sliding window: 0 all layers slide; k: layer i is
                                      global iff i % k == k − 1, the rest slide (Gemma-2: 2,
                                      layers 1, 3, … global; Gemma-3: 6, layers 5, 11, …);
                                      the default of struct tmem_model's swa_layer_step */

    /* activation kernels (training activations) */
    bool rope;                     /* rotary embedding: saves cos / sin tables */
    bool softmax_fp32;             /* the eager softmax upcasts to fp32 */
    const char *mlp_act;           /* the MLP's activation as reports name it ("SwiGLU") */
    struct tmem_dropout_key dropout[TMEM_DROPOUT_COUNT];

    /* readers */
    const struct tmem_config_key *config; /* the family's own keys; ends with .keys == NULL */
    const char *gguf_arch;         /* llama.cpp general.architecture; NULL: none */
    enum tmem_st_layout st_layout; /* safetensors names without a config */
    const char *st_require;        /* layer-tensor suffixes that must all exist ("|"-separated) */
    const char *st_forbid;         /* layer-tensor suffixes that must not exist */
    const char *st_mlp_up;         /* the MLP's first projection (NULL: "mlp.up_proj") */
    bool st_mlp_fused;             /* it holds gate and up: d_ff = its rows / 2 */

    /* state-space layers (appended) */
    enum tmem_ssm_kind ssm;        /* every layer's mixer is this SSM (no attention layers) */
    bool ssm_conv_bias;            /* the config class's default of use_conv_bias */
    /* hybrids (appended): ssm is the mixer of the layers that do not attend;
     * which layers attend comes from the config (attn_layer_step / offset or
     * the list attn_layers); the attention, MLP and experts are as above */
    bool hybrid;
    uint32_t attn_layer_step, attn_layer_offset; /* the config class's defaults */
    bool ssm_xbc_norms;            /* Jamba: dt_layernorm, b_layernorm, c_layernorm */
    bool attn_out_gate;            /* q_proj also yields a sigmoid gate on the attention
                                      output: 2·n_head·d_head columns (Qwen3-Next) */
    bool norm_scale_fp32;          /* RMSNorm as output = norm(x.float()) · (1 + weight.float()),
                                      then cast: the normalized tensor its weight's gradient
                                      needs is kept in fp32 (Qwen3NextRMSNorm) */
    bool hybrid_parallel;          /* every layer runs attention and the SSM side by side
                                      (Falcon-H1) */
    /* encoders (bidirectional attention over the whole input, no KV cache, a head
     * instead of an lm_head) */
    bool encoder;
    enum tmem_head enc_head;       /* the bare *Model class's head: POOLER (BertModel's pooler)
                                      or NONE; the config's architectures may choose another */
    bool no_pooler;                /* the family has no pooler layer (ModernBERT pools the
                                      hidden states without parameters) */
    bool no_final_norm;            /* no norm after the last layer (post-LN BERT line) */
    bool head_bias;                /* the heads' dense layers carry a bias */
    bool cls_norm;                 /* the classification head normalises after its dense
                                      (ModernBertPredictionHead) */
    bool first_attn_norm_absent;   /* layer 0's attention norm is an identity (ModernBERT) */
    bool post_norm;                /* the norms follow each residual add (BERT line, post-LN) */
    uint32_t n_type_vocab;         /* the config class's type_vocab_size default */
    /* encoder–decoders (appended): an encoder stack of its own layers (TMEM_SCOPE_ENC_LAYER)
     * before the model's layers, which are the decoder's, each with a cross-attention */
    bool encdec;
    uint32_t n_rel_bucket;         /* T5: relative_attention_num_buckets default (0: none) */
    uint32_t embed_extra_rows;     /* embed_tokens rows past n_vocab the lm_head lacks
                                      (MllamaTextModel: vocab_size + 8) */
    bool rel_bias_per_layer;       /* UMT5: every self-attention layer of both stacks has its own
                                      relative_attention_bias table (T5: block 0 only) */
    bool sinusoidal_pos;           /* the position tables (with .learned_pos) are fixed
                                      sinusoids: nn.Parameter(requires_grad=False), held and
                                      counted, never trained (Pegasus) */
};

/* Family rules; NULL when f is out of range. */
const struct tmem_family_info *tmem_family_info(enum tmem_family f);
/* Family by HF model_type (exact, case-sensitive as HF writes it) or one of
 * its accepted aliases; returns TMEM_FAMILY_COUNT when unknown. */
enum tmem_family tmem_family_from_name(const char *model_type);
/* Family by HF class name, as transformers' auto-model mappings pair them:
 * a descriptor's .hf_class stem followed by a head (ForCausalLM,
 * LMHeadModel, Model, ForSequenceClassification, ForTokenClassification,
 * ForQuestionAnswering, DoubleHeadsModel); TMEM_FAMILY_COUNT when none. */
enum tmem_family tmem_family_from_class(const char *architecture);

#define TMEM_MAX_DENSE_LAYERS 32 /* explicit dense-layer list (mlp_only_layers) */
#define TMEM_MAX_ATTN_LAYERS 64  /* explicit attention-layer list of a hybrid (layer_types) */

/* A model described by numbers. A field left 0 means "derive it" where a
 * rule exists (n_kv_head = n_head, d_head = d_model / n_head, d_ff from the
 * family's multiple, n_kv_head ...); tmem_model_resolve() turns such a
 * struct into a fully resolved one and validates it. */
/* A vision tower and its projector (vision-language models: LLaVA,
 * Gemma-3, Qwen2.5-VL), read from a config's vision_config. kind NONE: a
 * text-only model. Its tensors are the "vision" group of the inventory, on
 * the first pipeline stage; a text token passes through none of them.
 * REF: HF transformers modeling_clip.py, modeling_siglip.py,
 *      modeling_llava.py, modeling_llava_next.py, modeling_gemma3.py,
 *      modeling_qwen2_5_vl.py. */
enum tmem_vision_kind {
    TMEM_VISION_NONE = 0,
    TMEM_VISION_CLIP,        /* CLIPVisionTransformer: conv without bias, class token, learned
                                positions n_patch + 1, pre-LN, LayerNorms with bias, q/k/v/o
                                and fc1/fc2 with biases (quick_gelu), post-LN */
    TMEM_VISION_SIGLIP,      /* SiglipVisionTransformer: conv with bias, learned positions
                                n_patch, no class token, no pre-LN, post-LN, no head
                                (vision_use_head false) */
    TMEM_VISION_QWEN25_VL,   /* Qwen2_5_VisionTransformer: Conv3d without bias (temporal
                                patch), 2D rotary (no learned positions), RMSNorm, fused qkv
                                and proj with biases, gated SiLU MLP with biases */
    TMEM_VISION_MLLAMA,      /* MllamaVisionModel: conv without bias, class token, gated
                                learned positions per patch and per tile and aspect ratio,
                                gated pre/post tile embeddings, LayerNorm pre/post, n_layer
                                local + n_global_layer gated global layers (q/k/v/o without
                                bias, fc1/fc2 with), each image n_tile tiles */
    TMEM_VISION_COUNT
};

enum tmem_projector_kind {
    TMEM_PROJECTOR_NONE = 0,
    TMEM_PROJECTOR_MLP2,          /* LlavaMultiModalProjector: linear_1 d_vision × d_text +
                                     bias, GELU, linear_2 d_text × d_text + bias */
    TMEM_PROJECTOR_GEMMA3,        /* Gemma3MultiModalProjector: mm_soft_emb_norm RMSNorm of
                                     d_vision, mm_input_projection d_vision × d_text (no bias) */
    TMEM_PROJECTOR_QWEN25_MERGER, /* Qwen2_5_VLPatchMerger: ln_q RMSNorm of d_vision, Linear
                                     m²·d_vision → m²·d_vision + bias, GELU, → d_text + bias */
    TMEM_PROJECTOR_LINEAR,        /* Mllama multi_modal_projector: Linear(d_proj_in → d_text)
                                     + bias; d_proj_in = d_vision · (intermediate layers + 1) */
    TMEM_PROJECTOR_COUNT
};

struct tmem_vision {
    enum tmem_vision_kind kind;
    enum tmem_projector_kind projector;
    uint64_t d_model, n_layer, n_head, d_ff; /* the tower's (vision_config) sizes */
    uint64_t patch;                /* patch_size */
    uint64_t image_size;           /* square input side (CLIP/SigLIP learned positions) */
    uint64_t n_channel;            /* num_channels / in_chans (3) */
    uint64_t temporal_patch;       /* Qwen2.5-VL temporal_patch_size (1 otherwise) */
    uint64_t merge;                /* Qwen2.5-VL spatial_merge_size (1 otherwise) */
    uint64_t d_text;               /* projector output: the text model's d_model */
    bool image_newline;            /* LLaVA-NeXT image_newline: one d_text vector */
    uint64_t tokens_per_image;     /* text tokens one image becomes (0: by --image-size) */
    /* Mllama */
    uint64_t n_global_layer;       /* num_global_layers (gated) */
    uint64_t n_tile;               /* max_num_tiles */
    uint64_t n_aspect_ratio;       /* supported_aspect_ratios: tile tables have this + 1 rows */
    uint64_t d_proj_in;            /* vision_output_dim: the projector's input width */
};

struct tmem_model {
    enum tmem_family family;
    char name[64];                 /* display name, may be empty */

    uint64_t d_model, n_layer, n_head, n_kv_head, d_head, d_ff, n_vocab;
    uint64_t n_ctx;                /* max positions the model is trained for */
    uint64_t n_pos;                /* learned position rows (resolved: n_ctx + extra) */
    uint64_t d_embed;              /* OPT word_embed_proj_dim (0: = d_model) */

    enum tmem_norm_kind norm;
    uint32_t n_norm_per_layer;
    bool final_norm;               /* a norm before the lm_head */
    bool embed_norm;
    enum tmem_mlp_kind mlp;
    enum tmem_attn_kind attn;
    bool qkv_bias, o_bias, mlp_bias, lm_head_bias, qk_norm;
    bool qk_norm_full;             /* q/k norms of n_head·d_head / n_kv_head·d_head (OLMo2) */
    bool learned_pos;
    bool tied;                     /* lm_head shares the embedding */

    /* mixture of experts (n_expert == 0: dense) */
    uint64_t n_expert, n_expert_used;
    uint64_t d_ff_expert;          /* each routed expert's intermediate size */
    uint64_t d_ff_shared;          /* shared experts' total intermediate (0: none) */
    uint64_t n_shared_expert;      /* shared experts of d_ff_expert each (DeepSeek); resolve
                                      sets d_ff_shared = n_shared_expert · d_ff_expert when 0 */
    bool shared_expert_gate;       /* Qwen2-MoE: sigmoid gate d_model → 1 */
    bool router_bias;              /* a bias of n_expert on the router (DeepSeek-V3's
                                      e_score_correction_bias, gpt-oss's router Linear bias) */
    bool expert_bias;              /* each routed expert's gate, up and down have biases */
    bool attn_sinks;               /* attention sinks: n_head logits per layer (gpt-oss) */
    uint64_t moe_first_layer;      /* layers below it are dense (first_k_dense_replace) */
    uint64_t moe_layer_step;       /* every step-th layer is MoE (1: all) */
    uint32_t moe_layer_phase;
    uint32_t n_dense_layers_listed;
    uint64_t dense_layers[TMEM_MAX_DENSE_LAYERS]; /* mlp_only_layers */

    /* multi-head latent attention (attn == TMEM_ATTN_MLA) */
    uint64_t q_lora_rank;          /* 0: q is one d_model × n_head·(nope+rope) matrix */
    uint64_t kv_lora_rank, qk_nope_dim, qk_rope_dim, v_head_dim;

    uint64_t sliding_window;       /* 0: full attention */
    uint64_t swa_layer_step;       /* with a window: 0 every layer slides; k: layer i is global
                                      iff i % k == k − 1 (HF sliding_window_pattern: Gemma-3 6) */

    /* training: dropout rates by kind (0: none), seeded with the family's
     * config-class defaults, read from config.json where it has the key */
    double dropout[TMEM_DROPOUT_COUNT];

    /* state-space layers (ssm != TMEM_SSM_NONE: every layer's mixer is an
     * SSM, no attention; n_head = n_kv_head = 1 then, unused). REF HF
     * modeling_mamba.py MambaMixer, modeling_mamba2.py Mamba2Mixer. */
    enum tmem_ssm_kind ssm;
    uint64_t ssm_d_state;          /* N: state per channel (Mamba) or per head dim (Mamba-2) */
    uint64_t ssm_d_conv;           /* causal conv1d kernel width */
    uint64_t ssm_expand;           /* d_inner = expand · d_model when d_inner is 0 */
    uint64_t ssm_d_inner;          /* the mixer's inner width */
    uint64_t ssm_dt_rank;          /* Mamba-1 dt_proj rank (0: ceil(d_model / 16)) */
    uint64_t ssm_n_head;           /* Mamba-2 heads (0: d_inner / ssm_d_head) */
    uint64_t ssm_d_head;           /* Mamba-2 head width */
    uint64_t ssm_n_group;          /* Mamba-2 B/C groups */
    bool ssm_proj_bias;            /* in_proj / out_proj biases (use_bias) */
    bool ssm_conv_bias;            /* conv1d bias (use_conv_bias) */
    /* hybrids (hybrid: some layers attend, the others run the ssm mixer; the
     * MLP / experts follow every mixer). Layer i attends iff attn_layer_step
     * > 0 and i % attn_layer_step == attn_layer_offset, or i is listed in
     * attn_layers. REF: modeling_jamba.py (attn_layer_period / offset),
     * modeling_granitemoehybrid.py (layer_types). */
    bool hybrid;
    uint64_t attn_layer_step, attn_layer_offset;
    uint32_t n_attn_layers_listed;
    uint32_t attn_layers[TMEM_MAX_ATTN_LAYERS];
    uint64_t moe_layer_offset;     /* with moe_offset_given: phase = (step − offset) mod step */
    bool moe_offset_given;
    bool ssm_xbc_norms;            /* Jamba JambaMambaMixer dt/b/c_layernorm (RMSNorm weights) */
    bool attn_out_gate;            /* q_proj of 2·n_head·d_head: query and output gate (Qwen3-Next) */
    bool norm_scale_fp32;          /* eager RMSNorm keeps its normalized output in fp32 (Qwen3-Next) */
    bool hybrid_parallel;          /* every layer has both mixers, side by side (Falcon-H1) */
    bool ssm_no_norm;              /* Mamba-2 without its gated RMSNorm (Falcon-H1 mamba_rms_norm) */
    struct tmem_vision vision;     /* vision tower + projector (kind NONE: text only) */
    /* encoders (family info .encoder): bidirectional, no KV cache */
    bool encoder;
    bool post_norm;                /* LayerNorm after each residual add (BERT, RoBERTa, DeBERTa) */
    enum tmem_head head;           /* encoders: what the last layer feeds (TMEM_HEAD_LM for decoders) */
    uint64_t n_labels;             /* TMEM_HEAD_CLS outputs (0: PretrainedConfig's 2) */
    uint64_t n_type_vocab;         /* token_type_embeddings rows (0: none) */
    bool head_bias, cls_norm, first_attn_norm_absent;
    /* cross-attention decoder layers (Mllama): n_cross_layer of the n_layer
     * layers attend to the image's hidden states instead of the text; each
     * has the self-attention layer's q/k/v/o, norms and MLP plus per-head
     * q_norm / k_norm (d_head) and two scalar tanh gates */
    uint64_t n_cross_layer;
    uint64_t embed_extra_rows;     /* embed_tokens rows past n_vocab (no lm_head row) */
    /* DeBERTa-v2/v3 disentangled attention */
    bool rel_attn;                 /* relative_attention: a shared rel_embeddings table */
    uint64_t rel_buckets;          /* position_buckets (0: unset) */
    uint64_t max_rel_pos;          /* max_relative_positions (0: unset → n_ctx) */
    uint64_t n_rel_pos;            /* resolved rel_embeddings rows: 2 · buckets, else
                                      2 · max_relative_positions (0: no relative attention) */
    bool rel_norm;                 /* a LayerNorm on rel_embeddings (norm_rel_ebd) */
    bool share_att_key;            /* positions go through the content q/k projections */
    bool att_c2p, att_p2c;         /* pos_att_type: content→position, position→content terms */
    uint64_t conv_kernel;          /* DeBERTa-v2 ConvLayer (refused: not counted) */
    uint64_t enc_global_every;     /* ModernBERT global_attn_every_n_layers (0: every layer global) */
    uint64_t enc_local_window;     /* ModernBERT local_attention (window width, both sides) */
    /* encoder–decoders (family info .encdec): n_layer, n_head, d_ff are the decoder's */
    bool encdec;
    uint64_t n_enc_layer;          /* the encoder's layers (0 in a config: n_layer) */
    uint64_t n_enc_head;           /* the encoder's heads (0: n_head) */
    uint64_t d_head_enc;           /* resolved: d_head when the heads agree, else d_model / n_enc_head */
    uint64_t d_ff_enc;             /* the encoder's MLP width (0: d_ff) */
    uint64_t n_rel_bucket;         /* T5 relative_attention_bias rows, one table per stack in its
                                      first layer (0: none) */
    bool rel_bias_per_layer;       /* one relative bias table per self-attention layer (UMT5) */
    bool sinusoidal_pos;           /* the position tables are frozen sinusoids (Pegasus): no
                                      gradient, no optimizer state, no saved position ids */
    bool relu_mlp;                 /* a plain MLP's activation is ReLU, which saves its output
                                      (fc2's input: one tensor); GELU saves its input too */
};

/* Named limits on every size a config or flag can set. */
#define TMEM_MAX_D_MODEL   (UINT64_C(1) << 20)
#define TMEM_MAX_N_LAYER   (UINT64_C(1) << 16)
#define TMEM_MAX_N_HEAD    (UINT64_C(1) << 14)
#define TMEM_MAX_D_HEAD    (UINT64_C(1) << 16)
#define TMEM_MAX_D_FF      (UINT64_C(1) << 24)
#define TMEM_MAX_N_VOCAB   (UINT64_C(1) << 28)
#define TMEM_MAX_N_CTX     (UINT64_C(1) << 32)
#define TMEM_MAX_N_EXPERT  (UINT64_C(1) << 14)

/* Seeds *m with family f's rules and zero sizes. Returns TMEM_ERR_UNSUPPORTED
 * for an unknown family. */
enum tmem_status tmem_model_init(struct tmem_model *m, enum tmem_family f,
                                 struct tmem_error *err);

/* Derives the fields left 0, then validates: every size in its TMEM_MAX_*
 * range and > 0 where required, n_head divisible by n_kv_head, d_model by
 * n_head when d_head is derived, experts-per-token ≤ experts, ... On error
 * err->where names the field as the legend spells it ("n_kv_head"). *out is
 * written only on TMEM_OK; in and out may alias. */
enum tmem_status tmem_model_resolve(const struct tmem_model *in, struct tmem_model *out,
                                    struct tmem_error *err);

/* One image of h × w pixels for a resolved model's vision tower: *tokens,
 * the text-sequence tokens it becomes (KV cache and prefill), and
 * *patches, the positions it runs through the tower.
 *   LLaVA-1.5 (CLIP at 336/14): 576 tokens (576 + class token patches);
 *   LLaVA-NeXT: the anyres worst case of the default grid, 672 × 672:
 *     576 base + 2304 tile + 48 newline = 2928 tokens, 5 × 577 patches;
 *   Gemma-3: mm_tokens_per_image (256) tokens, (896/14)² = 4096 patches;
 *   Qwen2.5-VL: round(h/28)·round(w/28) tokens, 4× that many patches
 *     (h and w required; smart_resize's min/max pixel clamps not applied).
 *   Mllama (Llama 3.2 Vision): 1 token (<|image|>), max_num_tiles ×
 *     ((560/14)² + 1) = 4 × 1601 = 6404 patches, which are also the image
 *     states each cross-attention layer keeps as keys and values.
 * h and w are ignored where the processor resizes to a fixed size.
 * TMEM_ERR_INCONSISTENT ("--images") for a model without a tower. */
enum tmem_status tmem_vision_image(const struct tmem_vision *v, uint64_t h, uint64_t w,
                                   uint64_t *tokens, uint64_t *patches, struct tmem_error *err);

/* Attention layers of a resolved model among layers [first, last): all of
 * them for a transformer, none for a pure state-space model, a hybrid's by
 * its pattern. The rest of a state-space or hybrid model's layers run the
 * SSM mixer (tmem_model_ssm_layers_in). */
uint64_t tmem_model_attn_layers_in(const struct tmem_model *m, uint64_t first, uint64_t last);
uint64_t tmem_model_ssm_layers_in(const struct tmem_model *m, uint64_t first, uint64_t last);

/* Number of MoE layers of a resolved model (0 for a dense one). */
uint64_t tmem_model_moe_layers(const struct tmem_model *m);
/* MoE layers among layers [first, last) (pipeline stages). */
uint64_t tmem_model_moe_layers_in(const struct tmem_model *m, uint64_t first, uint64_t last);

/* ------------------------------------------------------ parameter inventory */

enum tmem_group {
    TMEM_GROUP_EMBEDDING = 0,   /* token (and position) embeddings, projections */
    TMEM_GROUP_ATTENTION,
    TMEM_GROUP_MLP,             /* dense MLPs */
    TMEM_GROUP_NORM,            /* every normalisation weight and bias */
    TMEM_GROUP_LM_HEAD,         /* 0 when tied: a shared weight counts once */
    TMEM_GROUP_ROUTER,          /* MoE gates (and their biases) */
    TMEM_GROUP_EXPERTS,         /* routed experts */
    TMEM_GROUP_SHARED_EXPERTS,  /* always-active experts */
    TMEM_GROUP_SSM,             /* state-space mixers (Mamba in_proj ... out_proj) */
    TMEM_GROUP_VISION,          /* vision tower and projector (0 for a text model) */
    TMEM_GROUP_COUNT
};

/* Stable key ("embedding", "shared_experts"). */
const char *tmem_group_name(enum tmem_group g);

/* Where a tensor lives: once before the layers (embedding side), once after
 * them (head side), or in every layer of a kind. Pipeline stages and
 * per-layer rules (quantization mixes) read it. */
enum tmem_scope {
    TMEM_SCOPE_INPUT = 0,    /* first pipeline stage: embeddings */
    TMEM_SCOPE_OUTPUT,       /* last pipeline stage: final norm, lm_head */
    TMEM_SCOPE_LAYER,        /* every layer */
    TMEM_SCOPE_DENSE_LAYER,  /* every dense-MLP layer */
    TMEM_SCOPE_MOE_LAYER,    /* every MoE layer */
    TMEM_SCOPE_ENC_LAYER,    /* every encoder layer of an encoder–decoder (pipeline: the
                                whole encoder on the first stage) */
    TMEM_SCOPE_ATTN_LAYER,   /* every attention layer (all layers of a transformer) */
    TMEM_SCOPE_SSM_LAYER,    /* every state-space mixer layer */
    TMEM_SCOPE_COUNT
};

/* What a tensor is for, where a rule singles it out (llama.cpp's k-quant
 * mixes give attn_v and ffn_down more bits, the output its own type). */
enum tmem_role {
    TMEM_ROLE_OTHER = 0,
    TMEM_ROLE_TOKEN_EMBD,
    TMEM_ROLE_OUTPUT,      /* lm_head */
    TMEM_ROLE_ATTN_V,
    TMEM_ROLE_FFN_DOWN,
    TMEM_ROLE_COUNT
};

/* How tensor parallel splits a tensor across the tp ranks of a group
 * (Megatron-LM / vLLM linear layers). The inventory's shapes are in × out
 * for a matrix, len × 1 for a vector. */
enum tmem_tp_split {
    TMEM_TP_SPLIT_REPLICATED = 0, /* every rank holds it whole (norms, router, MLA down-projections) */
    TMEM_TP_SPLIT_COLUMN,         /* output width split (q, gate/up); a bias splits with it */
    TMEM_TP_SPLIT_KV_HEADS,       /* column-parallel by whole KV heads (k, v): one head
                                   * replicated on each rank once tp > n_kv_head */
    TMEM_TP_SPLIT_ROW,            /* input width split (o_proj, down_proj); matrices only */
    TMEM_TP_SPLIT_VOCAB,          /* vocabulary rows split (embedding, lm_head and its bias) */
    TMEM_TP_SPLIT_COUNT
};

/* What one inventory tensor is. Every rule that differs between tensors
 * (tensor-parallel split, pipeline stage, quantization role, whether a
 * matmul multiplies by it) is a column of the kind's row in one table,
 * tmem_tensor_kind_info(); no rule reads a tensor's name. The zero value is
 * attn.q_proj (a layer matmul), so a zero-initialised tensor is a plain
 * per-layer matrix. */
enum tmem_tensor_kind {
    TMEM_TENSOR_KIND_ATTN_Q = 0,          /* attn.q_proj: d_model × n_head·d_head */
    TMEM_TENSOR_KIND_ATTN_K,              /* attn.k_proj: d_model × n_kv_head·d_head */
    TMEM_TENSOR_KIND_ATTN_V,              /* attn.v_proj: d_model × n_kv_head·d_head */
    TMEM_TENSOR_KIND_ATTN_O,              /* attn.o_proj: n_head·d_head × d_model */
    TMEM_TENSOR_KIND_ATTN_Q_BIAS,         /* n_head·d_head */
    TMEM_TENSOR_KIND_ATTN_K_BIAS,         /* n_kv_head·d_head */
    TMEM_TENSOR_KIND_ATTN_V_BIAS,         /* n_kv_head·d_head */
    TMEM_TENSOR_KIND_ATTN_O_BIAS,         /* d_model */
    TMEM_TENSOR_KIND_ATTN_Q_NORM,         /* d_head (Qwen3, phi qk_layernorm) */
    TMEM_TENSOR_KIND_ATTN_Q_NORM_BIAS,    /* d_head */
    TMEM_TENSOR_KIND_ATTN_K_NORM,         /* d_head */
    TMEM_TENSOR_KIND_ATTN_K_NORM_BIAS,    /* d_head */
    TMEM_TENSOR_KIND_MLA_Q_A,             /* attn.q_a_proj: d_model × q_lora_rank */
    TMEM_TENSOR_KIND_MLA_Q_A_NORM,        /* q_lora_rank */
    TMEM_TENSOR_KIND_MLA_Q_B,             /* q_lora_rank × n_head·(qk_nope+qk_rope) */
    TMEM_TENSOR_KIND_MLA_KV_A,            /* d_model × (kv_lora_rank+qk_rope) */
    TMEM_TENSOR_KIND_MLA_KV_A_NORM,       /* kv_lora_rank */
    TMEM_TENSOR_KIND_MLA_KV_B,            /* kv_lora_rank × n_head·(qk_nope+v_head) */
    TMEM_TENSOR_KIND_LAYER_NORM,          /* d_model, n_norm_per_layer per layer */
    TMEM_TENSOR_KIND_LAYER_NORM_BIAS,     /* d_model */
    TMEM_TENSOR_KIND_MLP_GATE,            /* mlp.gate_proj: d_model × d_ff */
    TMEM_TENSOR_KIND_MLP_UP,              /* d_model × d_ff */
    TMEM_TENSOR_KIND_MLP_DOWN,            /* d_ff × d_model */
    TMEM_TENSOR_KIND_MLP_GATE_BIAS,       /* d_ff */
    TMEM_TENSOR_KIND_MLP_UP_BIAS,         /* d_ff */
    TMEM_TENSOR_KIND_MLP_DOWN_BIAS,       /* d_model */
    TMEM_TENSOR_KIND_ROUTER,              /* moe.router: d_model × n_expert */
    TMEM_TENSOR_KIND_ROUTER_BIAS,         /* n_expert */
    TMEM_TENSOR_KIND_SHARED_EXPERT_GATE,  /* moe.shared_expert_gate: d_model × 1 (Qwen2-MoE) */
    TMEM_TENSOR_KIND_EXPERT_GATE,         /* d_model × d_ff_expert, n_expert per layer */
    TMEM_TENSOR_KIND_EXPERT_UP,           /* d_model × d_ff_expert */
    TMEM_TENSOR_KIND_EXPERT_DOWN,         /* d_ff_expert × d_model */
    TMEM_TENSOR_KIND_SHARED_GATE,         /* shared_experts.gate_proj: d_model × d_ff_shared */
    TMEM_TENSOR_KIND_SHARED_UP,           /* d_model × d_ff_shared */
    TMEM_TENSOR_KIND_SHARED_DOWN,         /* d_ff_shared × d_model */
    TMEM_TENSOR_KIND_TOKEN_EMBD,          /* embed_tokens: n_vocab × d_embed */
    TMEM_TENSOR_KIND_POS_EMBD,            /* embed_positions: n_pos × d_model */
    TMEM_TENSOR_KIND_PROJECT_IN,          /* d_embed × d_model (OPT-350m) */
    TMEM_TENSOR_KIND_PROJECT_OUT,         /* d_model × d_embed */
    TMEM_TENSOR_KIND_EMBED_NORM,          /* d_model (BLOOM) */
    TMEM_TENSOR_KIND_EMBED_NORM_BIAS,     /* d_model */
    TMEM_TENSOR_KIND_FINAL_NORM,          /* d_model */
    TMEM_TENSOR_KIND_FINAL_NORM_BIAS,     /* d_model */
    TMEM_TENSOR_KIND_LM_HEAD,             /* n_vocab × d_embed */
    TMEM_TENSOR_KIND_LM_HEAD_BIAS,        /* n_vocab */
    TMEM_TENSOR_KIND_ATTN_SINKS,          /* attn.sinks: n_head, one logit per head (gpt-oss) */
    TMEM_TENSOR_KIND_EXPERT_GATE_BIAS,    /* d_ff_expert, n_expert per layer (gpt-oss) */
    TMEM_TENSOR_KIND_EXPERT_UP_BIAS,      /* d_ff_expert */
    TMEM_TENSOR_KIND_EXPERT_DOWN_BIAS,    /* d_model */
    TMEM_TENSOR_KIND_SSM_IN_PROJ,         /* ssm.in_proj: d_model × (Mamba 2·d_inner; Mamba-2
                                             2·d_inner + 2·n_group·d_state + n_ssm_head) */
    TMEM_TENSOR_KIND_SSM_IN_PROJ_BIAS,
    TMEM_TENSOR_KIND_SSM_CONV1D,          /* ssm.conv1d: d_conv × conv channels (depthwise) */
    TMEM_TENSOR_KIND_SSM_CONV1D_BIAS,     /* conv channels */
    TMEM_TENSOR_KIND_SSM_X_PROJ,          /* Mamba: d_inner × (dt_rank + 2·d_state) */
    TMEM_TENSOR_KIND_SSM_DT_PROJ,         /* Mamba: dt_rank × d_inner */
    TMEM_TENSOR_KIND_SSM_DT_BIAS,         /* Mamba: dt_proj.bias d_inner; Mamba-2: dt_bias n_ssm_head */
    TMEM_TENSOR_KIND_SSM_A_LOG,           /* Mamba: d_state × d_inner */
    TMEM_TENSOR_KIND_SSM_D,               /* Mamba: d_inner; Mamba-2: n_ssm_head */
    TMEM_TENSOR_KIND_SSM_NORM,            /* Mamba-2 gated RMSNorm: d_inner */
    TMEM_TENSOR_KIND_SSM_OUT_PROJ,        /* ssm.out_proj: d_inner × d_model */
    TMEM_TENSOR_KIND_SSM_OUT_PROJ_BIAS,
    TMEM_TENSOR_KIND_SSM_A_LOG_HEAD,      /* Mamba-2: A_log, n_ssm_head */
    /* vision tower and projector (struct tmem_vision; v: its d_model) */
    TMEM_TENSOR_KIND_VISION_PATCH,        /* patch conv: n_channel·t·p² × d_v */
    TMEM_TENSOR_KIND_VISION_PATCH_BIAS,   /* d_v (SigLIP) */
    TMEM_TENSOR_KIND_VISION_CLASS,        /* class_embedding: d_v (CLIP) */
    TMEM_TENSOR_KIND_VISION_POS,          /* position_embedding: n_pos × d_v */
    TMEM_TENSOR_KIND_VISION_NORM,         /* pre/post LN and each layer's two norms: d_v */
    TMEM_TENSOR_KIND_VISION_NORM_BIAS,    /* d_v (LayerNorm) */
    TMEM_TENSOR_KIND_VISION_QKV,          /* q, k, v: d_v × d_v each */
    TMEM_TENSOR_KIND_VISION_QKV_BIAS,     /* d_v each */
    TMEM_TENSOR_KIND_VISION_O,            /* out_proj: d_v × d_v */
    TMEM_TENSOR_KIND_VISION_O_BIAS,       /* d_v */
    TMEM_TENSOR_KIND_VISION_MLP_UP,       /* fc1 (gate and up when gated): d_v × d_ff_v */
    TMEM_TENSOR_KIND_VISION_MLP_UP_BIAS,  /* d_ff_v */
    TMEM_TENSOR_KIND_VISION_MLP_DOWN,     /* fc2: d_ff_v × d_v */
    TMEM_TENSOR_KIND_VISION_MLP_DOWN_BIAS,/* d_v */
    TMEM_TENSOR_KIND_PROJ_NORM,           /* projector norm: d_v */
    TMEM_TENSOR_KIND_PROJ_1,              /* projector first matrix */
    TMEM_TENSOR_KIND_PROJ_1_BIAS,
    TMEM_TENSOR_KIND_PROJ_2,              /* projector second matrix: → d_text */
    TMEM_TENSOR_KIND_PROJ_2_BIAS,
    TMEM_TENSOR_KIND_IMAGE_NEWLINE,       /* LLaVA-NeXT image_newline: d_text */
    TMEM_TENSOR_KIND_TOKEN_TYPE_EMBD,     /* token_type_embeddings: n_type_vocab × d_model */
    TMEM_TENSOR_KIND_REL_POS_EMBD,        /* DeBERTa rel_embeddings: n_rel_pos × d_model */
    TMEM_TENSOR_KIND_REL_POS_NORM,        /* d_model (DeBERTa encoder.LayerNorm) */
    TMEM_TENSOR_KIND_REL_POS_NORM_BIAS,   /* d_model */
    TMEM_TENSOR_KIND_POS_KEY_PROJ,        /* DeBERTa pos_key_proj: d_model × n_head·d_head */
    TMEM_TENSOR_KIND_POS_KEY_PROJ_BIAS,   /* n_head·d_head */
    TMEM_TENSOR_KIND_POS_QUERY_PROJ,      /* DeBERTa pos_query_proj: d_model × n_head·d_head */
    TMEM_TENSOR_KIND_POS_QUERY_PROJ_BIAS, /* n_head·d_head */
    TMEM_TENSOR_KIND_ATTN_NORM_AFTER_FIRST, /* ModernBERT attn_norm of layers 1…n_layer−1: d_model */
    TMEM_TENSOR_KIND_ATTN_NORM_AFTER_FIRST_BIAS, /* d_model (norm_bias) */
    TMEM_TENSOR_KIND_HEAD_DENSE,          /* encoder head dense (pooler, MLM transform): d_model × d_model */
    TMEM_TENSOR_KIND_HEAD_DENSE_BIAS,     /* d_model */
    TMEM_TENSOR_KIND_HEAD_NORM,           /* d_model */
    TMEM_TENSOR_KIND_HEAD_NORM_BIAS,      /* d_model */
    TMEM_TENSOR_KIND_CLASSIFIER,          /* d_model × n_labels */
    TMEM_TENSOR_KIND_CLASSIFIER_BIAS,     /* n_labels */
    /* encoder–decoders: the decoder layers' cross-attention (queries from the decoder,
     * keys and values from the encoder's output) */
    TMEM_TENSOR_KIND_XATTN_Q,             /* d_model × n_head·d_head */
    TMEM_TENSOR_KIND_XATTN_K,             /* d_model × n_head·d_head */
    TMEM_TENSOR_KIND_XATTN_V,             /* d_model × n_head·d_head */
    TMEM_TENSOR_KIND_XATTN_O,             /* n_head·d_head × d_model */
    TMEM_TENSOR_KIND_XATTN_Q_BIAS,        /* n_head·d_head */
    TMEM_TENSOR_KIND_XATTN_K_BIAS,        /* n_head·d_head */
    TMEM_TENSOR_KIND_XATTN_V_BIAS,        /* n_head·d_head */
    TMEM_TENSOR_KIND_XATTN_O_BIAS,        /* d_model */
    TMEM_TENSOR_KIND_REL_ATTN_BIAS,       /* T5 decoder layer 0 relative_attention_bias: n_rel_bucket × n_head */
    /* the encoder stack (TMEM_SCOPE_ENC_LAYER, or once for its embeddings / final norm) */
    TMEM_TENSOR_KIND_ENC_POS_EMBD,        /* BART encoder embed_positions: n_pos × d_model */
    TMEM_TENSOR_KIND_ENC_EMBED_NORM,      /* BART encoder layernorm_embedding: d_model */
    TMEM_TENSOR_KIND_ENC_EMBED_NORM_BIAS, /* d_model */
    TMEM_TENSOR_KIND_ENC_REL_ATTN_BIAS,   /* T5 encoder layer 0 relative_attention_bias: n_rel_bucket × n_enc_head */
    TMEM_TENSOR_KIND_ENC_ATTN_Q,          /* d_model × n_enc_head·d_head_enc */
    TMEM_TENSOR_KIND_ENC_ATTN_K,          /* d_model × n_enc_head·d_head_enc */
    TMEM_TENSOR_KIND_ENC_ATTN_V,          /* d_model × n_enc_head·d_head_enc */
    TMEM_TENSOR_KIND_ENC_ATTN_O,          /* n_enc_head·d_head_enc × d_model */
    TMEM_TENSOR_KIND_ENC_ATTN_Q_BIAS,     /* n_enc_head·d_head_enc */
    TMEM_TENSOR_KIND_ENC_ATTN_K_BIAS,
    TMEM_TENSOR_KIND_ENC_ATTN_V_BIAS,
    TMEM_TENSOR_KIND_ENC_ATTN_O_BIAS,     /* d_model */
    TMEM_TENSOR_KIND_ENC_LAYER_NORM,      /* d_model, 2 per encoder layer */
    TMEM_TENSOR_KIND_ENC_LAYER_NORM_BIAS, /* d_model */
    TMEM_TENSOR_KIND_ENC_MLP_GATE,        /* d_model × d_ff_enc (T5 v1.1 wi_0) */
    TMEM_TENSOR_KIND_ENC_MLP_UP,          /* d_model × d_ff_enc (wi / wi_1, fc1) */
    TMEM_TENSOR_KIND_ENC_MLP_DOWN,        /* d_ff_enc × d_model (wo, fc2) */
    TMEM_TENSOR_KIND_ENC_MLP_UP_BIAS,     /* d_ff_enc */
    TMEM_TENSOR_KIND_ENC_MLP_DOWN_BIAS,   /* d_model */
    TMEM_TENSOR_KIND_ENC_FINAL_NORM,      /* d_model (T5 encoder.final_layer_norm, mBART encoder.layer_norm) */
    TMEM_TENSOR_KIND_ENC_FINAL_NORM_BIAS, /* d_model */
    TMEM_TENSOR_KIND_SSM_XBC_NORM,        /* Jamba dt/b/c_layernorm: dt_rank + 2·d_state */
    TMEM_TENSOR_KIND_CROSS_QK_NORM,       /* Mllama cross-attention q_norm, k_norm: d_head */
    TMEM_TENSOR_KIND_CROSS_GATE,          /* cross_attn_attn_gate, cross_attn_mlp_gate: 1 */
    TMEM_TENSOR_KIND_VISION_TILE_POS,     /* Mllama tile_embedding: (n_aspect + 1) ×
                                             n_tile·n_patch·d_v */
    TMEM_TENSOR_KIND_VISION_ASPECT_EMBD,  /* pre/post tile embeddings: (n_aspect + 1) × n_tile·d_v */
    TMEM_TENSOR_KIND_VISION_GATE,         /* Mllama tower gates: 1 each */
    /* Qwen3-Next's Gated DeltaNet reads its input with two linears (two PEFT
     * adapters): in_proj_qkvz and in_proj_ba (n_v value heads of d_v, n_k key
     * heads of d_k) */
    TMEM_TENSOR_KIND_SSM_IN_PROJ_QKVZ,    /* ssm.in_proj_qkvz: d_model × (2·n_k·d_k + 2·n_v·d_v) */
    TMEM_TENSOR_KIND_SSM_IN_PROJ_BA,      /* ssm.in_proj_ba: d_model × 2·n_v (beta and a per value head) */
    TMEM_TENSOR_KIND_COUNT
};

/* A set of tensor kinds: bit k % 64 of word k / 64 for kind k (LoRA
 * targets, modules_to_save). Whole 64-bit words, so a struct holding one
 * stays a run of words; room for 256 kinds. */
#define TMEM_KIND_SET_WORDS 4
struct tmem_kind_set {
    uint64_t w[TMEM_KIND_SET_WORDS];
};
/* a kind set holds every tensor kind (a negative size otherwise: C and C++ alike) */
typedef char tmem__kind_set_covers_every_kind[TMEM_KIND_SET_WORDS * 64 >= TMEM_TENSOR_KIND_COUNT ? 1 : -1];

static inline bool tmem_kind_set_has(const struct tmem_kind_set *s, int k)
{
    return k >= 0 && k < TMEM_TENSOR_KIND_COUNT && (s->w[(unsigned)k / 64] >> ((unsigned)k % 64) & 1u) != 0;
}
static inline void tmem_kind_set_add(struct tmem_kind_set *s, int k)
{
    if (k >= 0 && k < TMEM_TENSOR_KIND_COUNT)
        s->w[(unsigned)k / 64] |= UINT64_C(1) << ((unsigned)k % 64);
}
static inline struct tmem_kind_set tmem_kind_set_of(int k) /* {k} */
{
    struct tmem_kind_set s = {{0}};
    tmem_kind_set_add(&s, k);
    return s;
}
static inline struct tmem_kind_set tmem_kind_set_or(struct tmem_kind_set a, struct tmem_kind_set b)
{
    for (int i = 0; i < TMEM_KIND_SET_WORDS; i++)
        a.w[i] |= b.w[i];
    return a;
}
static inline struct tmem_kind_set tmem_kind_set_and(struct tmem_kind_set a, struct tmem_kind_set b)
{
    for (int i = 0; i < TMEM_KIND_SET_WORDS; i++)
        a.w[i] &= b.w[i];
    return a;
}
static inline struct tmem_kind_set tmem_kind_set_minus(struct tmem_kind_set a, struct tmem_kind_set b) /* a \ b */
{
    for (int i = 0; i < TMEM_KIND_SET_WORDS; i++)
        a.w[i] &= ~b.w[i];
    return a;
}
static inline bool tmem_kind_set_any(struct tmem_kind_set s)
{
    uint64_t any = 0;
    for (int i = 0; i < TMEM_KIND_SET_WORDS; i++)
        any |= s.w[i];
    return any != 0;
}
static inline bool tmem_kind_set_equal(struct tmem_kind_set a, struct tmem_kind_set b)
{
    uint64_t diff = 0;
    for (int i = 0; i < TMEM_KIND_SET_WORDS; i++)
        diff |= a.w[i] ^ b.w[i];
    return diff == 0;
}

struct tmem_tensor_kind_info {
    const char *name;          /* stable key, the inventory's display name ("attn.q_proj") */
    enum tmem_group group;
    enum tmem_scope scope;     /* pipeline placement: first stage, every layer (of a kind), last stage */
    enum tmem_tp_split tp;     /* how tensor parallel splits it */
    enum tmem_role role;       /* what quantization mixes single out */
    bool matmul;               /* a weight some matmul multiplies by (autocast casts it) */
    bool vector;               /* one-dimensional: a bias or a norm's weight or bias */
    bool encoder_stack;        /* in an encoder–decoder's encoder stack ("encoder." kinds);
                                  false: the decoder's, or the one stack of any other model */
};

/* The row of kind k; NULL for a value outside the enum. */
const struct tmem_tensor_kind_info *tmem_tensor_kind_info(enum tmem_tensor_kind k);

/* One kind of tensor, repeated `count` times in the model: per_layer times
 * in each layer of its scope (1 for the scopes outside the layers). Its
 * scope, role, TP split and the rest are its kind's row. */
struct tmem_tensor {
    enum tmem_tensor_kind kind;
    enum tmem_group group;     /* tmem_tensor_kind_info(kind)->group */
    const char *name;          /* tmem_tensor_kind_info(kind)->name (static string) */
    const char *shape_sym;     /* "d_model × n_head·d_head" (static string) */
    const char *count_sym;     /* "n_layer", "n_moe_layer·n_expert", "1" */
    uint64_t rows, cols;       /* shape (in × out for a matrix); cols == 1 for a vector */
    uint64_t per_layer;        /* instances per layer of the scope (n_expert for experts) */
    uint64_t per_layer_active; /* of those, instances a token passes through */
    uint64_t count;            /* instances in the model */
    uint64_t count_active;     /* instances a token passes through */
    uint64_t params;           /* rows · cols · count */
};

#define TMEM_MAX_TENSORS 72

struct tmem_inventory {
    uint32_t n_tensors;
    struct tmem_tensor tensors[TMEM_MAX_TENSORS];
    uint64_t group_params[TMEM_GROUP_COUNT];
    uint64_t total_params;     /* the sum of group_params */
    uint64_t active_params;    /* per token: routed experts count n_expert_used */
};

/* Counts a resolved model tensor by tensor, the way each family's reference
 * implementation lays out its weights. Returns TMEM_ERR_OVERFLOW if any count
 * exceeds 64 bits, TMEM_ERR_INVALID_ARG for a model that is not resolved;
 * on any error *inv is left empty (no tensors, all sums 0), never half-filled. */
enum tmem_status tmem_inventory_build(const struct tmem_model *m, struct tmem_inventory *inv,
                                      struct tmem_error *err);

/* --------------------------------------------------------------- numbers */

/* Element types a tensor can be stored in, with their exact bit widths. */
enum tmem_dtype {
    TMEM_DTYPE_F32 = 0,
    TMEM_DTYPE_BF16,
    TMEM_DTYPE_F16,
    TMEM_DTYPE_FP8,
    TMEM_DTYPE_INT8,
    TMEM_DTYPE_INT4,
    TMEM_DTYPE_COUNT
};

struct tmem_dtype_info {
    const char *name;          /* "bf16" */
    uint32_t bits;             /* 32, 16, 8, 4 */
};

const struct tmem_dtype_info *tmem_dtype_info(enum tmem_dtype t);
enum tmem_dtype tmem_dtype_from_name(const char *name); /* TMEM_DTYPE_COUNT if unknown */

/* ceil(params · bits / 8) into *bytes; TMEM_ERR_OVERFLOW if it does not fit. */
enum tmem_status tmem_dtype_bytes(enum tmem_dtype t, uint64_t params, uint64_t *bytes);

/* ---------------------------------------------------------------- ledger */

enum tmem_bucket {
    TMEM_BUCKET_WEIGHTS = 0,
    TMEM_BUCKET_GRADIENTS,
    TMEM_BUCKET_OPTIMIZER_STATES,
    TMEM_BUCKET_ACTIVATIONS,
    TMEM_BUCKET_TEMPORARY_BUFFERS,
    TMEM_BUCKET_COMMUNICATION_BUCKETS,
    TMEM_BUCKET_KV_CACHE,
    TMEM_BUCKET_FRAMEWORK_OVERHEAD,
    TMEM_BUCKET_COUNT
};

/* Stable key ("optimizer_states") and display title ("optimizer states"). */
const char *tmem_bucket_name(enum tmem_bucket b);
const char *tmem_bucket_title(enum tmem_bucket b);

#define TMEM_MAX_ENTRIES 48
#define TMEM_LABEL_LEN 64
#define TMEM_FORMULA_LEN 256

/* One line of a ledger: the bytes of one named thing and the formula that
 * produced them, symbols first, then the values substituted
 * ("b·s·n_layer·... = 8 × 4096 × 32 × ..."). */
struct tmem_entry {
    enum tmem_bucket bucket;
    char label[TMEM_LABEL_LEN];
    uint64_t bytes;
    char formula[TMEM_FORMULA_LEN];
};

/* An ordered list of entries with per-bucket and total sums. Entries keep
 * the order they were added in; reports group them by bucket. */
struct tmem_ledger {
    uint32_t n_entries;
    struct tmem_entry entries[TMEM_MAX_ENTRIES];
    uint64_t bucket_bytes[TMEM_BUCKET_COUNT];
    uint64_t total_bytes;
};

void tmem_ledger_init(struct tmem_ledger *l);

/* Appends an entry and updates the sums. label and formula are copied
 * (truncated to their fields). TMEM_ERR_CAPACITY when full,
 * TMEM_ERR_OVERFLOW when a sum would wrap; the ledger is unchanged then. */
enum tmem_status tmem_ledger_add(struct tmem_ledger *l, enum tmem_bucket b, const char *label,
                                 uint64_t bytes, const char *formula, struct tmem_error *err);

/* The bucket holding the most bytes (the bottleneck to name first); the
 * first bucket when the ledger is empty. */
enum tmem_bucket tmem_ledger_largest_bucket(const struct tmem_ledger *l);

/* Whether a ledger's total fits in capacity_bytes (a GPU's reported
 * memory). margin_bytes is what is left when it fits, what is missing when
 * it does not. */
struct tmem_fit {
    bool fits;
    uint64_t capacity_bytes, total_bytes, margin_bytes;
};
void tmem_ledger_fit(const struct tmem_ledger *l, uint64_t capacity_bytes, struct tmem_fit *out);

/* What a measurement shows at a ledger's peak (train and infer results carry
 * one): allocated = torch.cuda.max_memory_allocated() (every tensor),
 * reserved = max_memory_reserved() (allocated + the caching allocator's
 * fragmentation, the named --fragmentation share in training, CUDA-graph
 * pools in inference), device = what nvidia-smi shows (reserved + the CUDA
 * context and library workspaces outside the allocator). */
struct tmem_peak {
    uint64_t allocated_bytes, reserved_bytes, device_bytes;
};

/* --------------------------------------------------------------- lab mode */

/* The original lab script (memory_accounting.py), reproduced exactly:
 *   attention  = 4 · d_model²           (q, k, v, o as d × d)
 *   ffn        = m · d_model²           (m = ffn multiplier; a decimal such as
 *                                        10.5 is exact: m = ffn_multiplier /
 *                                        ffn_multiplier_den, and m · d_model²
 *                                        must be whole, as Python's float
 *                                        product is for Llama-3-70B's 10.5)
 *   embedding  = n_vocab · d_model
 *   total      = n_layer · (attention + ffn) + embedding
 *   param      = total · precision_bytes     grad = param
 *   adam       = total · adam_bytes
 *   kv         = b · s · n_layer · n_head · d_head · 2 · precision_bytes,
 *                d_head = d_model / n_head (integer division, as the script) */
struct tmem_lab_input {
    uint64_t n_vocab, d_model, n_layer, n_head, ffn_multiplier;
    uint64_t precision_bytes, adam_bytes, batch_size, seq_len;
    uint64_t ffn_multiplier_den;   /* m = ffn_multiplier / this: 1 (0 reads as 1) or a power
                                      of ten ≤ 10^9 (10.5 = 105 / 10) */
};

struct tmem_lab_result {
    uint64_t attention_params_per_layer, ffn_params_per_layer, embedding_params;
    uint64_t total_params;
    uint64_t param_bytes, grad_bytes, adam_bytes, kv_cache_bytes;
    uint64_t d_head;
    /* the four counts' formulas in the lab script's notation ("4 · d_model²") */
    const char *attention_formula, *ffn_formula, *embedding_formula, *total_formula;
    char ffn_multiplier_text[32];  /* m as the script's input reads: "8", "10.5" */
    struct tmem_ledger ledger;  /* weights, gradients, optimizer states, KV cache */
};

/* The script's defaults: d 4096, L 32, heads 32, V 32000, m 8, precision 2,
 * adam 8, b 1, s 4096. */
void tmem_lab_defaults(struct tmem_lab_input *in);
enum tmem_status tmem_lab_compute(const struct tmem_lab_input *in, struct tmem_lab_result *out,
                                  struct tmem_error *err);

/* (approx − exact) / exact: how far an approximation is from the exact
 * count (negative: it undercounts). 0 when exact is 0. */
double tmem_relative_error(uint64_t approx, uint64_t exact);

/* --------------------------------------------------------------- hardware */

/* One GPU as its datasheet and its driver describe it. memory_bytes is the
 * nvidia-smi total (the ROCm pool size on AMD), not the marketing figure;
 * cuda_memory_bytes is the smaller total CUDA reports to a process
 * (cudaMemGetInfo / torch.cuda.mem_get_info()[1], vLLM's "Total GPU
 * memory"), which is what vLLM sizes its pool from; cuda_memory_derived
 * says it was derived by the rule in gpu.c, not taken from a published
 * figure. Rates are dense (no 2:4 sparsity), in bytes/s and FLOP/s. */
struct tmem_gpu {
    const char *name;              /* preset key, lowercase: "h100-sxm" */
    const char *full_name;         /* "NVIDIA H100 SXM5 80GB" */
    uint64_t memory_bytes;         /* nvidia-smi total */
    uint64_t cuda_memory_bytes;    /* CUDA-visible total (cudaMemGetInfo) */
    bool cuda_memory_derived;      /* cuda_memory_bytes by gpu.c's rule, not a published figure */
    double hbm_bytes_per_s;
    double bf16_flops;             /* dense bf16/fp16 tensor throughput */
    double fp8_flops;              /* dense fp8; 0 when unsupported */
    double interconnect_bytes_per_s; /* per GPU, one direction: NVLink / IF / PCIe */
    const char *interconnect;      /* "NVLink 4", "PCIe 4.0 x16" */
};

size_t tmem_gpu_count(void);
const struct tmem_gpu *tmem_gpu_at(size_t i);          /* NULL past the end */
const struct tmem_gpu *tmem_gpu_find(const char *name); /* case-insensitive; NULL if none */

#ifdef __cplusplus
}
#endif

#endif /* TMEM_H */
