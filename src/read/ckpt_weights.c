/* ckpt_weights.c — how a checkpoint stores its weights, for `infer`'s
 * default serving format: the ggml type of every GGUF tensor, the dtype of
 * every safetensors tensor, and config.json's quantization_config (gptq,
 * awq, fp8 with its block size, bitsandbytes 4/8-bit, compressed-tensors
 * W8A8 / W4A16 / FP8, mxfp4, modelopt nvfp4). Each tensor of the file is
 * mapped to its tmem tensor kind and layer, and the core gets one store
 * per (kind, layer): struct tmem_weights_stored. The byte formulas of each
 * store are the core's (wformat.c); this file only reads what the file
 * says, and refuses a quantization_config it cannot read or that
 * contradicts the tensors.
 * REF: transformers utils/quantization_config.py (GPTQConfig, AwqConfig,
 *      FineGrainedFP8Config, BitsAndBytesConfig, CompressedTensorsConfig,
 *      Mxfp4Config); AutoGPTQ / AutoAWQ qweight, qzeros, scales, g_idx;
 *      compressed-tensors QuantizationScheme (num_bits, type, strategy,
 *      group_size, symmetric); llama.cpp llama_ftype names. */
#define _POSIX_C_SOURCE 200809L
#include "ckpt_internal.h"
#include "error.h"
#include "errtext.h"
#include "jsonutil.h"
#include "reader.h"
#include "utf8.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define K(x) TMEM_TENSOR_KIND_##x
#define NONE TMEM_TENSOR_KIND_COUNT

/* ------------------------------------------------------- names → kinds */

/* A module (the name without its last part) and the kinds its weight and
 * its bias are; fused modules are several kinds at once. */
struct module_kinds {
    const char *module;
    enum tmem_tensor_kind w[3], b[3];
};

/* inside a layer, after "layers.N." / "h.N." / "blk.N."; "experts.N."
 * reads as "experts." */
static const struct module_kinds layer_modules[] = {
    {"self_attn.q_proj", {K(ATTN_Q), NONE, NONE}, {K(ATTN_Q_BIAS), NONE, NONE}},
    {"self_attn.k_proj", {K(ATTN_K), NONE, NONE}, {K(ATTN_K_BIAS), NONE, NONE}},
    {"self_attn.v_proj", {K(ATTN_V), NONE, NONE}, {K(ATTN_V_BIAS), NONE, NONE}},
    {"self_attn.o_proj", {K(ATTN_O), NONE, NONE}, {K(ATTN_O_BIAS), NONE, NONE}},
    {"self_attn.dense", {K(ATTN_O), NONE, NONE}, {K(ATTN_O_BIAS), NONE, NONE}},
    {"self_attn.qkv_proj", {K(ATTN_Q), K(ATTN_K), K(ATTN_V)}, {K(ATTN_Q_BIAS), K(ATTN_K_BIAS), K(ATTN_V_BIAS)}},
    {"self_attn.q_norm", {K(ATTN_Q_NORM), NONE, NONE}, {K(ATTN_Q_NORM_BIAS), NONE, NONE}},
    {"self_attn.k_norm", {K(ATTN_K_NORM), NONE, NONE}, {K(ATTN_K_NORM_BIAS), NONE, NONE}},
    {"self_attn.q_a_proj", {K(MLA_Q_A), NONE, NONE}, {NONE, NONE, NONE}},
    {"self_attn.q_a_layernorm", {K(MLA_Q_A_NORM), NONE, NONE}, {NONE, NONE, NONE}},
    {"self_attn.q_b_proj", {K(MLA_Q_B), NONE, NONE}, {NONE, NONE, NONE}},
    {"self_attn.kv_a_proj_with_mqa", {K(MLA_KV_A), NONE, NONE}, {NONE, NONE, NONE}},
    {"self_attn.kv_a_layernorm", {K(MLA_KV_A_NORM), NONE, NONE}, {NONE, NONE, NONE}},
    {"self_attn.kv_b_proj", {K(MLA_KV_B), NONE, NONE}, {NONE, NONE, NONE}},
    {"input_layernorm", {K(LAYER_NORM), NONE, NONE}, {K(LAYER_NORM_BIAS), NONE, NONE}},
    {"post_attention_layernorm", {K(LAYER_NORM), NONE, NONE}, {K(LAYER_NORM_BIAS), NONE, NONE}},
    {"pre_feedforward_layernorm", {K(LAYER_NORM), NONE, NONE}, {K(LAYER_NORM_BIAS), NONE, NONE}},
    {"post_feedforward_layernorm", {K(LAYER_NORM), NONE, NONE}, {K(LAYER_NORM_BIAS), NONE, NONE}},
    {"mlp.gate_proj", {K(MLP_GATE), NONE, NONE}, {K(MLP_GATE_BIAS), NONE, NONE}},
    {"mlp.up_proj", {K(MLP_UP), NONE, NONE}, {K(MLP_UP_BIAS), NONE, NONE}},
    {"mlp.down_proj", {K(MLP_DOWN), NONE, NONE}, {K(MLP_DOWN_BIAS), NONE, NONE}},
    {"mlp.gate_up_proj", {K(MLP_GATE), K(MLP_UP), NONE}, {K(MLP_GATE_BIAS), K(MLP_UP_BIAS), NONE}},
    {"mlp.gate", {K(ROUTER), NONE, NONE}, {K(ROUTER_BIAS), NONE, NONE}},
    {"block_sparse_moe.gate", {K(ROUTER), NONE, NONE}, {K(ROUTER_BIAS), NONE, NONE}},
    {"mlp.shared_expert_gate", {K(SHARED_EXPERT_GATE), NONE, NONE}, {NONE, NONE, NONE}},
    {"mlp.experts.gate_proj", {K(EXPERT_GATE), NONE, NONE}, {NONE, NONE, NONE}},
    {"mlp.experts.up_proj", {K(EXPERT_UP), NONE, NONE}, {NONE, NONE, NONE}},
    {"mlp.experts.down_proj", {K(EXPERT_DOWN), NONE, NONE}, {NONE, NONE, NONE}},
    {"block_sparse_moe.experts.w1", {K(EXPERT_GATE), NONE, NONE}, {NONE, NONE, NONE}},
    {"block_sparse_moe.experts.w3", {K(EXPERT_UP), NONE, NONE}, {NONE, NONE, NONE}},
    {"block_sparse_moe.experts.w2", {K(EXPERT_DOWN), NONE, NONE}, {NONE, NONE, NONE}},
    {"mlp.shared_expert.gate_proj", {K(SHARED_GATE), NONE, NONE}, {NONE, NONE, NONE}},
    {"mlp.shared_expert.up_proj", {K(SHARED_UP), NONE, NONE}, {NONE, NONE, NONE}},
    {"mlp.shared_expert.down_proj", {K(SHARED_DOWN), NONE, NONE}, {NONE, NONE, NONE}},
    {"mlp.shared_experts.gate_proj", {K(SHARED_GATE), NONE, NONE}, {NONE, NONE, NONE}},
    {"mlp.shared_experts.up_proj", {K(SHARED_UP), NONE, NONE}, {NONE, NONE, NONE}},
    {"mlp.shared_experts.down_proj", {K(SHARED_DOWN), NONE, NONE}, {NONE, NONE, NONE}},
    /* GPT-2 */
    {"attn.c_attn", {K(ATTN_Q), K(ATTN_K), K(ATTN_V)}, {K(ATTN_Q_BIAS), K(ATTN_K_BIAS), K(ATTN_V_BIAS)}},
    {"attn.c_proj", {K(ATTN_O), NONE, NONE}, {K(ATTN_O_BIAS), NONE, NONE}},
    {"mlp.c_fc", {K(MLP_UP), NONE, NONE}, {K(MLP_UP_BIAS), NONE, NONE}},
    {"mlp.c_proj", {K(MLP_DOWN), NONE, NONE}, {K(MLP_DOWN_BIAS), NONE, NONE}},
    {"ln_1", {K(LAYER_NORM), NONE, NONE}, {K(LAYER_NORM_BIAS), NONE, NONE}},
    {"ln_2", {K(LAYER_NORM), NONE, NONE}, {K(LAYER_NORM_BIAS), NONE, NONE}},
    /* llama.cpp (GGUF) */
    {"attn_q", {K(ATTN_Q), NONE, NONE}, {K(ATTN_Q_BIAS), NONE, NONE}},
    {"attn_k", {K(ATTN_K), NONE, NONE}, {K(ATTN_K_BIAS), NONE, NONE}},
    {"attn_v", {K(ATTN_V), NONE, NONE}, {K(ATTN_V_BIAS), NONE, NONE}},
    {"attn_output", {K(ATTN_O), NONE, NONE}, {K(ATTN_O_BIAS), NONE, NONE}},
    {"attn_qkv", {K(ATTN_Q), K(ATTN_K), K(ATTN_V)}, {K(ATTN_Q_BIAS), K(ATTN_K_BIAS), K(ATTN_V_BIAS)}},
    {"attn_q_norm", {K(ATTN_Q_NORM), NONE, NONE}, {K(ATTN_Q_NORM_BIAS), NONE, NONE}},
    {"attn_k_norm", {K(ATTN_K_NORM), NONE, NONE}, {K(ATTN_K_NORM_BIAS), NONE, NONE}},
    {"attn_norm", {K(LAYER_NORM), NONE, NONE}, {K(LAYER_NORM_BIAS), NONE, NONE}},
    {"attn_norm_2", {K(LAYER_NORM), NONE, NONE}, {K(LAYER_NORM_BIAS), NONE, NONE}},
    {"ffn_norm", {K(LAYER_NORM), NONE, NONE}, {K(LAYER_NORM_BIAS), NONE, NONE}},
    {"post_attention_norm", {K(LAYER_NORM), NONE, NONE}, {NONE, NONE, NONE}},
    {"post_ffw_norm", {K(LAYER_NORM), NONE, NONE}, {NONE, NONE, NONE}},
    {"ffn_gate", {K(MLP_GATE), NONE, NONE}, {K(MLP_GATE_BIAS), NONE, NONE}},
    {"ffn_up", {K(MLP_UP), NONE, NONE}, {K(MLP_UP_BIAS), NONE, NONE}},
    {"ffn_down", {K(MLP_DOWN), NONE, NONE}, {K(MLP_DOWN_BIAS), NONE, NONE}},
    {"ffn_gate_inp", {K(ROUTER), NONE, NONE}, {NONE, NONE, NONE}},
    {"exp_probs_b", {NONE, NONE, NONE}, {K(ROUTER_BIAS), NONE, NONE}},
    {"ffn_gate_inp_shexp", {K(SHARED_EXPERT_GATE), NONE, NONE}, {NONE, NONE, NONE}},
    {"ffn_gate_exps", {K(EXPERT_GATE), NONE, NONE}, {NONE, NONE, NONE}},
    {"ffn_up_exps", {K(EXPERT_UP), NONE, NONE}, {NONE, NONE, NONE}},
    {"ffn_down_exps", {K(EXPERT_DOWN), NONE, NONE}, {NONE, NONE, NONE}},
    {"ffn_gate_shexp", {K(SHARED_GATE), NONE, NONE}, {NONE, NONE, NONE}},
    {"ffn_up_shexp", {K(SHARED_UP), NONE, NONE}, {NONE, NONE, NONE}},
    {"ffn_down_shexp", {K(SHARED_DOWN), NONE, NONE}, {NONE, NONE, NONE}},
    {"attn_q_a", {K(MLA_Q_A), NONE, NONE}, {NONE, NONE, NONE}},
    {"attn_q_a_norm", {K(MLA_Q_A_NORM), NONE, NONE}, {NONE, NONE, NONE}},
    {"attn_q_b", {K(MLA_Q_B), NONE, NONE}, {NONE, NONE, NONE}},
    {"attn_kv_a_mqa", {K(MLA_KV_A), NONE, NONE}, {NONE, NONE, NONE}},
    {"attn_kv_a_norm", {K(MLA_KV_A_NORM), NONE, NONE}, {NONE, NONE, NONE}},
    {"attn_kv_b", {K(MLA_KV_B), NONE, NONE}, {NONE, NONE, NONE}},
};

/* outside the layers: the last part of the module's name */
static const struct module_kinds outer_modules[] = {
    {"embed_tokens", {K(TOKEN_EMBD), NONE, NONE}, {NONE, NONE, NONE}},
    {"wte", {K(TOKEN_EMBD), NONE, NONE}, {NONE, NONE, NONE}},
    {"embed_in", {K(TOKEN_EMBD), NONE, NONE}, {NONE, NONE, NONE}},
    {"token_embd", {K(TOKEN_EMBD), NONE, NONE}, {NONE, NONE, NONE}},
    {"wpe", {K(POS_EMBD), NONE, NONE}, {NONE, NONE, NONE}},
    {"position_embd", {K(POS_EMBD), NONE, NONE}, {NONE, NONE, NONE}},
    {"lm_head", {K(LM_HEAD), NONE, NONE}, {K(LM_HEAD_BIAS), NONE, NONE}},
    {"embed_out", {K(LM_HEAD), NONE, NONE}, {K(LM_HEAD_BIAS), NONE, NONE}},
    {"output", {K(LM_HEAD), NONE, NONE}, {K(LM_HEAD_BIAS), NONE, NONE}},
    {"norm", {K(FINAL_NORM), NONE, NONE}, {K(FINAL_NORM_BIAS), NONE, NONE}},
    {"ln_f", {K(FINAL_NORM), NONE, NONE}, {K(FINAL_NORM_BIAS), NONE, NONE}},
    {"final_layernorm", {K(FINAL_NORM), NONE, NONE}, {K(FINAL_NORM_BIAS), NONE, NONE}},
    {"output_norm", {K(FINAL_NORM), NONE, NONE}, {K(FINAL_NORM_BIAS), NONE, NONE}},
    {"token_embd_norm", {K(EMBED_NORM), NONE, NONE}, {K(EMBED_NORM_BIAS), NONE, NONE}},
    {"word_embeddings_layernorm", {K(EMBED_NORM), NONE, NONE}, {K(EMBED_NORM_BIAS), NONE, NONE}},
};

/* What part of a module a tensor is, by the end of its name. */
enum part {
    PART_WEIGHT = 0,  /* .weight: a plain or fp8 / int8 / bnb-4bit weight */
    PART_BIAS,
    PART_QWEIGHT,     /* GPTQ / AWQ packed int32 */
    PART_PACKED,      /* compressed-tensors pack-quantized int32 */
    PART_BLOCKS,      /* mxfp4: *_blocks */
    PART_OVERHEAD,    /* scales, zeros, g_idx, absmax, ...: inside the format's formula */
    PART_COUNT
};

static const struct {
    const char *suffix;
    enum part part;
} parts[] = {
    {".weight", PART_WEIGHT},        {".bias", PART_BIAS},
    {".e_score_correction_bias", PART_BIAS}, /* DeepSeek-V3's router bias */
    {".qweight", PART_QWEIGHT},      {".weight_packed", PART_PACKED},
    {"_blocks", PART_BLOCKS},        {".qzeros", PART_OVERHEAD},
    {".scales", PART_OVERHEAD},      {".g_idx", PART_OVERHEAD},
    {"_scales", PART_OVERHEAD},      {".weight_scale_inv", PART_OVERHEAD},
    {".weight_scale", PART_OVERHEAD}, {".weight_scale_2", PART_OVERHEAD},
    {".input_scale", PART_OVERHEAD}, {".weight_zero_point", PART_OVERHEAD},
    {".weight_shape", PART_OVERHEAD}, {".weight_global_scale", PART_OVERHEAD},
    {".input_global_scale", PART_OVERHEAD}, {".SCB", PART_OVERHEAD},
    {".weight_format", PART_OVERHEAD}, {".absmax", PART_OVERHEAD},
    {".quant_map", PART_OVERHEAD},   {".nested_absmax", PART_OVERHEAD},
    {".nested_quant_map", PART_OVERHEAD}, {".k_scale", PART_OVERHEAD},
    {".v_scale", PART_OVERHEAD},
};

static bool ends_with(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* The part a name ends in and the module before it (in mod[cap]); a bnb
 * quant_state blob is overhead. false: not a tensor of a module. */
static bool split_name(const char *name, enum part *part, char *mod, size_t cap)
{
    size_t n = strlen(name);
    if (strstr(name, ".quant_state.") != NULL || strstr(name, ".weight.") != NULL) {
        *part = PART_OVERHEAD; /* weight.absmax, weight.quant_state.bitsandbytes__nf4 */
        return true;
    }
    size_t best = 0;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (ends_with(name, n, parts[i].suffix) && strlen(parts[i].suffix) > best) {
            best = strlen(parts[i].suffix);
            *part = parts[i].part;
        }
    if (best == 0 || n - best >= cap)
        return false;
    memcpy(mod, name, n - best);
    mod[n - best] = '\0';
    return true;
}

/* "model.layers.3.mlp.experts.7.up_proj" → "mlp.experts.up_proj" in buf;
 * NULL outside the layers */
static const char *layer_tail(const char *mod, char *buf, size_t cap)
{
    int32_t layer;
    const char *d = tmem__ckpt_layer_at(mod, &layer);
    if (d == NULL || *d != '.')
        return NULL;
    d++;
    size_t o = 0; /* "experts.<N>." reads as "experts." */
    while (*d && o + 1 < cap) {
        if (strncmp(d, "experts.", 8) == 0 && d[8] >= '0' && d[8] <= '9') {
            memcpy(buf + o, "experts.", 8);
            o += 8;
            d += 8;
            while (*d >= '0' && *d <= '9')
                d++;
            if (*d == '.')
                d++;
            continue;
        }
        buf[o++] = *d++;
    }
    buf[o] = '\0';
    return buf;
}

static const struct module_kinds *find_module(const char *mod)
{
    char tail[256];
    if (layer_tail(mod, tail, sizeof tail) != NULL) {
        for (size_t i = 0; i < sizeof layer_modules / sizeof layer_modules[0]; i++)
            if (strcmp(tail, layer_modules[i].module) == 0)
                return &layer_modules[i];
        return NULL;
    }
    const char *last = strrchr(mod, '.');
    last = last ? last + 1 : mod;
    for (size_t i = 0; i < sizeof outer_modules / sizeof outer_modules[0]; i++)
        if (strcmp(last, outer_modules[i].module) == 0)
            return &outer_modules[i];
    return NULL;
}

/* --------------------------------------------------- quantization_config */

enum qmethod {
    Q_NONE = 0, Q_GPTQ, Q_AWQ, Q_FP8, Q_BNB4, Q_BNB8, Q_CT, Q_MXFP4, Q_NVFP4, Q_COUNT
};

struct qcfg {
    enum qmethod method;
    struct tmem_wstore store;      /* the quantized matrices */
    char name[TMEM_WSTORE_NAME_LEN];
    char ignore[16][96];           /* modules_to_not_convert / ignore (lm_head, ...) */
    uint32_t n_ignore;
    bool quantize_lm_head;         /* gptq lm_head: true */
    enum tmem_wformat plain;       /* torch_dtype: the unquantized tensors (config only) */
};

struct qparse {
    const char *where;             /* the config's path */
    struct tmem_error *err;
};

static enum tmem_status qfail(struct qparse *q, enum tmem_status code, const char *key,
                              const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static enum tmem_status qfail(struct qparse *q, enum tmem_status code, const char *key,
                              const char *fmt, ...)
{
    char msg[TMEM_ERROR_MSG_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char k[128];
    snprintf(k, sizeof k, "quantization_config.%s", key);
    tmem__fail_at(q->err, code, q->where, k, msg);
    return code;
}

/* an integer key (absent: dflt); -1 allowed where `neg_ok` */
static enum tmem_status q_int(struct qparse *q, json_t *o, const char *key, long long dflt,
                              bool neg_ok, long long *out)
{
    json_t *v = json_object_get(o, key);
    if (v == NULL || json_is_null(v)) {
        *out = dflt;
        return TMEM_OK;
    }
    if (!json_is_integer(v))
        return qfail(q, TMEM_ERR_SCHEMA, key, "expected an integer, got %s", tmem__json_kind(v));
    *out = (long long)json_integer_value(v);
    if (*out < 0 && !(neg_ok && *out == -1))
        return qfail(q, TMEM_ERR_LIMIT, key, "is %lld but must be a positive integer%s", *out,
                     neg_ok ? " or -1" : "");
    return TMEM_OK;
}

static enum tmem_status q_bool(struct qparse *q, json_t *o, const char *key, bool dflt, bool *out)
{
    json_t *v = json_object_get(o, key);
    if (v == NULL || json_is_null(v)) {
        *out = dflt;
        return TMEM_OK;
    }
    if (!json_is_boolean(v))
        return qfail(q, TMEM_ERR_SCHEMA, key, "expected true or false, got %s", tmem__json_kind(v));
    *out = json_is_true(v);
    return TMEM_OK;
}

static const char *q_str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static enum tmem_status q_ignore(struct qparse *q, json_t *o, const char *key, struct qcfg *c)
{
    json_t *a = json_object_get(o, key);
    if (a == NULL || json_is_null(a))
        return TMEM_OK;
    if (!json_is_array(a))
        return qfail(q, TMEM_ERR_SCHEMA, key, "expected a list of module names, got %s",
                     tmem__json_kind(a));
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) {
        if (!json_is_string(v))
            return qfail(q, TMEM_ERR_SCHEMA, key, "expected module names, got %s",
                         tmem__json_kind(v));
        if (c->n_ignore < sizeof c->ignore / sizeof c->ignore[0])
            snprintf(c->ignore[c->n_ignore++], sizeof c->ignore[0], "%s", json_string_value(v));
    }
    return TMEM_OK;
}

/* gptq / awq: bits, group_size (-1: one group per output channel) */
static enum tmem_status q_grouped(struct qparse *q, json_t *o, struct qcfg *c, bool awq)
{
    long long bits, group;
    TRY(q_int(q, o, awq && json_object_get(o, "w_bit") ? "w_bit" : "bits", 4, false, &bits));
    TRY(q_int(q, o, awq && json_object_get(o, "q_group_size") ? "q_group_size" : "group_size",
              128, true, &group));
    if (bits != 2 && bits != 3 && bits != 4 && bits != 8)
        return qfail(q, TMEM_ERR_UNSUPPORTED, "bits", "is %lld but %s packs 2, 3, 4 or 8 bits",
                     bits, awq ? "awq" : "gptq");
    if (awq && bits != 4)
        return qfail(q, TMEM_ERR_UNSUPPORTED, "bits", "is %lld but awq packs 4 bits", bits);
    if (group == 0)
        return qfail(q, TMEM_ERR_LIMIT, "group_size", "is 0 but must be a positive integer or -1");
    c->store.format = awq ? TMEM_WF_INT4 : TMEM_WF_GPTQ;
    c->store.bits = (uint32_t)bits;
    c->store.per_channel = group < 0;
    c->store.group_size = group < 0 ? 0 : (uint64_t)group;
    bool desc_act = false, zero_point = true;
    if (!awq) {
        TRY(q_bool(q, o, "desc_act", false, &desc_act));
        TRY(q_bool(q, o, "lm_head", false, &c->quantize_lm_head));
    } else {
        TRY(q_bool(q, o, "zero_point", true, &zero_point));
    }
    c->store.act_order = desc_act;
    c->store.no_zeros = !zero_point;
    char g[24]; /* "g" and up to 20 digits */
    if (group < 0)
        snprintf(g, sizeof g, "channel");
    else
        snprintf(g, sizeof g, "g%lld", group);
    snprintf(c->name, sizeof c->name, "%s %lld-bit %s%s", awq ? "awq" : "gptq", bits, g,
             desc_act ? " act-order" : "");
    return TMEM_OK;
}

/* fp8: weight_block_size [128, 128] (DeepSeek / Qwen), else one scale per tensor */
static enum tmem_status q_fp8(struct qparse *q, json_t *o, struct qcfg *c)
{
    json_t *b = json_object_get(o, "weight_block_size");
    if (b == NULL || json_is_null(b)) {
        c->store.format = TMEM_WF_FP8;
        snprintf(c->name, sizeof c->name, "fp8 per tensor");
        return TMEM_OK;
    }
    if (!json_is_array(b) || json_array_size(b) != 2 || !json_is_integer(json_array_get(b, 0)) ||
        !json_is_integer(json_array_get(b, 1)))
        return qfail(q, TMEM_ERR_SCHEMA, "weight_block_size", "expected [rows, cols], got %s",
                     tmem__json_kind(b));
    long long r = (long long)json_integer_value(json_array_get(b, 0));
    long long k = (long long)json_integer_value(json_array_get(b, 1));
    if (r != 128 || k != 128)
        return qfail(q, TMEM_ERR_UNSUPPORTED, "weight_block_size",
                     "is [%lld, %lld]; tmem models fp8 blocks of [128, 128] (DeepSeek-V3, Qwen3 FP8)",
                     r, k);
    c->store.format = TMEM_WF_FP8_BLOCK;
    snprintf(c->name, sizeof c->name, "fp8 block 128x128");
    return TMEM_OK;
}

static enum tmem_status q_bnb(struct qparse *q, json_t *o, struct qcfg *c)
{
    bool b4, b8, dq;
    TRY(q_bool(q, o, "load_in_4bit", false, &b4));
    TRY(q_bool(q, o, "load_in_8bit", false, &b8));
    if (b4 && b8)
        return qfail(q, TMEM_ERR_INCONSISTENT, "load_in_4bit",
                     "and load_in_8bit are both true: a bitsandbytes checkpoint is one or the other");
    if (!b4 && !b8)
        return qfail(q, TMEM_ERR_INCONSISTENT, "load_in_4bit",
                     "and load_in_8bit are both false: a bitsandbytes config loads one of them");
    if (b8) {
        c->method = Q_BNB8;
        c->store.format = TMEM_WF_INT8;
        snprintf(c->name, sizeof c->name, "bnb int8");
        return TMEM_OK;
    }
    const char *t = q_str(o, "bnb_4bit_quant_type");
    if (t == NULL)
        t = "fp4"; /* BitsAndBytesConfig's default */
    if (strcmp(t, "nf4") != 0 && strcmp(t, "fp4") != 0)
        return qfail(q, TMEM_ERR_UNSUPPORTED, "bnb_4bit_quant_type", "is %s but must be nf4 or fp4", t);
    TRY(q_bool(q, o, "bnb_4bit_use_double_quant", false, &dq));
    c->method = Q_BNB4;
    c->store.format = dq ? TMEM_WF_NF4_DQ : TMEM_WF_NF4; /* fp4 packs the same bytes */
    snprintf(c->name, sizeof c->name, "bnb %s%s", t, dq ? " double-quant" : "");
    return TMEM_OK;
}

/* compressed-tensors: config_groups.<g>.weights {num_bits, type, strategy,
 * group_size, symmetric}; every group must agree */
static enum tmem_status q_ct(struct qparse *q, json_t *o, struct qcfg *c)
{
    json_t *groups = json_object_get(o, "config_groups");
    if (!json_is_object(groups) || json_object_size(groups) == 0)
        return qfail(q, TMEM_ERR_MISSING_KEY, "config_groups",
                     "compressed-tensors needs config_groups (the weights' scheme)");
    const char *fmt = q_str(o, "format");
    const char *gk;
    json_t *g;
    bool first = true;
    json_object_foreach(groups, gk, g) {
        json_t *w = json_is_object(g) ? json_object_get(g, "weights") : NULL;
        if (!json_is_object(w))
            return qfail(q, TMEM_ERR_SCHEMA, "config_groups",
                         "a group has no weights object (num_bits, type, strategy)");
        long long bits, group;
        bool sym;
        TRY(q_int(q, w, "num_bits", 8, false, &bits));
        TRY(q_int(q, w, "group_size", 0, true, &group));
        TRY(q_bool(q, w, "symmetric", true, &sym));
        const char *type = q_str(w, "type"), *strat = q_str(w, "strategy");
        if (type == NULL)
            type = "int";
        if (strat == NULL)
            strat = "tensor";
        struct tmem_wstore s = {.format = TMEM_WF_COUNT};
        char name[TMEM_WSTORE_NAME_LEN] = "";
        bool fp = strcmp(type, "float") == 0;
        if (fmt && strcmp(fmt, "nvfp4-pack-quantized") == 0 && fp && bits == 4) {
            s = (struct tmem_wstore){.format = TMEM_WF_GGUF, .ggml_type = TMEM_GGML_NVFP4};
            snprintf(name, sizeof name, "nvfp4");
        } else if (fp && bits == 8 && strcmp(strat, "tensor") == 0) {
            s.format = TMEM_WF_FP8;
            snprintf(name, sizeof name, "FP8 per tensor");
        } else if (fp && bits == 8 && strcmp(strat, "channel") == 0) {
            s.format = TMEM_WF_FP8_CHANNEL;
            snprintf(name, sizeof name, "FP8 per channel");
        } else if (fp && bits == 8 && strcmp(strat, "block") == 0) {
            s.format = TMEM_WF_FP8_BLOCK;
            snprintf(name, sizeof name, "FP8 block 128x128");
        } else if (!fp && bits == 8 && strcmp(strat, "channel") == 0 && sym) {
            s.format = TMEM_WF_INT8;
            snprintf(name, sizeof name, "W8A8 int8");
        } else if (!fp && (bits == 4 || bits == 8) &&
                   (strcmp(strat, "group") == 0 || strcmp(strat, "channel") == 0)) {
            bool per_channel = strcmp(strat, "channel") == 0;
            if (!per_channel && group <= 0)
                return qfail(q, TMEM_ERR_INCONSISTENT, "config_groups",
                             "strategy group needs a positive group_size");
            s = (struct tmem_wstore){.format = TMEM_WF_INT4, .bits = (uint32_t)bits,
                                     .group_size = per_channel ? 0 : (uint64_t)group,
                                     .per_channel = per_channel, .no_zeros = sym};
            if (per_channel)
                snprintf(name, sizeof name, "W%lldA16 per channel", bits);
            else
                snprintf(name, sizeof name, "W%lldA16 g%lld", bits, group);
        } else {
            return qfail(q, TMEM_ERR_UNSUPPORTED, "config_groups",
                         "weights of %lld-bit %s, strategy %s, are not a scheme tmem knows "
                         "(W8A8 int8 per channel, W4A16 / W8A16 per group or channel, FP8 per "
                         "tensor, channel or block, nvfp4)",
                         bits, type, strat);
        }
        if (!first && (s.format != c->store.format || s.bits != c->store.bits ||
                       s.group_size != c->store.group_size))
            return qfail(q, TMEM_ERR_UNSUPPORTED, "config_groups",
                         "groups with different weight schemes (%s, %s) are not supported",
                         c->name, name);
        c->store = s;
        snprintf(c->name, sizeof c->name, "%s", name);
        first = false;
    }
    return q_ignore(q, o, "ignore", c);
}

static const char *const methods[] = {"gptq", "awq", "fp8", "bitsandbytes", "compressed-tensors",
                                      "mxfp4", "modelopt"};

/* quantization_config of config text[len] (no key: method Q_NONE) */
static enum tmem_status parse_qcfg(const char *text, size_t len, const char *where,
                                   struct qcfg *c, struct tmem_error *err)
{
    memset(c, 0, sizeof *c);
    c->plain = TMEM_WF_BF16;
    struct qparse q = {.where = where, .err = err};
    json_error_t je;
    json_t *root = tmem__json_loadb(text, len, 0, &je);
    if (root == NULL || !json_is_object(root)) {
        json_decref(root);
        return TMEM_OK; /* the config reader reports a malformed config */
    }
    enum tmem_status st = TMEM_OK;
    const char *td = q_str(root, "torch_dtype");
    if (td == NULL)
        td = q_str(root, "dtype");
    if (td && strcmp(td, "float16") == 0)
        c->plain = TMEM_WF_FP16;
    else if (td && strcmp(td, "float32") == 0)
        c->plain = TMEM_WF_FP32;
    json_t *o = json_object_get(root, "quantization_config");
    if (o == NULL || json_is_null(o))
        goto done;
    if (!json_is_object(o)) {
        tmem__fail_at(err, TMEM_ERR_SCHEMA, where, "quantization_config",
                     "expected an object (quant_method, bits, ...)");
        st = TMEM_ERR_SCHEMA;
        goto done;
    }
    json_t *mv = json_object_get(o, "quant_method");
    const char *m = q_str(o, "quant_method");
    if (m == NULL) {
        st = mv == NULL || json_is_null(mv)
                 ? qfail(&q, TMEM_ERR_MISSING_KEY, "quant_method", "missing: it names the quantization")
                 : qfail(&q, TMEM_ERR_SCHEMA, "quant_method", "expected a string, got %s",
                         tmem__json_kind(mv));
        goto done;
    }
    if (strcmp(m, "gptq") == 0) {
        c->method = Q_GPTQ;
        st = q_grouped(&q, o, c, false);
    } else if (strcmp(m, "awq") == 0) {
        c->method = Q_AWQ;
        st = q_grouped(&q, o, c, true);
        if (st == TMEM_OK)
            st = q_ignore(&q, o, "modules_to_not_convert", c);
    } else if (strcmp(m, "fp8") == 0) {
        c->method = Q_FP8;
        st = q_fp8(&q, o, c);
        if (st == TMEM_OK)
            st = q_ignore(&q, o, "modules_to_not_convert", c);
    } else if (strcmp(m, "bitsandbytes") == 0) {
        st = q_bnb(&q, o, c);
        if (st == TMEM_OK)
            st = q_ignore(&q, o, "llm_int8_skip_modules", c);
    } else if (strcmp(m, "compressed-tensors") == 0) {
        c->method = Q_CT;
        st = q_ct(&q, o, c);
    } else if (strcmp(m, "mxfp4") == 0) {
        /* gpt-oss: the experts in 4-bit e2m1, an e8m0 scale per 32: ggml's MXFP4 bytes */
        c->method = Q_MXFP4;
        c->store = (struct tmem_wstore){.format = TMEM_WF_GGUF, .ggml_type = TMEM_GGML_MXFP4};
        snprintf(c->name, sizeof c->name, "mxfp4");
        st = q_ignore(&q, o, "modules_to_not_convert", c);
    } else if (strcmp(m, "modelopt") == 0) {
        const char *a = q_str(o, "quant_algo");
        if (a && strcmp(a, "NVFP4") == 0) {
            /* e2m1 with an fp8 scale per 16: ggml's NVFP4 bytes */
            c->method = Q_NVFP4;
            c->store = (struct tmem_wstore){.format = TMEM_WF_GGUF, .ggml_type = TMEM_GGML_NVFP4};
            snprintf(c->name, sizeof c->name, "nvfp4");
        } else if (a && strcmp(a, "FP8") == 0) {
            c->method = Q_FP8;
            c->store.format = TMEM_WF_FP8;
            snprintf(c->name, sizeof c->name, "fp8 per tensor");
        } else {
            st = qfail(&q, TMEM_ERR_UNSUPPORTED, "quant_algo", "is %s; tmem reads modelopt's NVFP4 and FP8",
                       a ? a : "missing");
        }
        if (st == TMEM_OK)
            st = q_ignore(&q, o, "exclude_modules", c);
    } else {
        char list[200];
        size_t n = 0;
        for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
            n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "", methods[i]);
        char qm[TMEM_QUOTE_CAP];
        st = qfail(&q, TMEM_ERR_UNSUPPORTED, "quant_method", "%s is not a method tmem reads (%s)",
                   tmem__quote(qm, m), list);
    }
done:
    json_decref(root);
    return st;
}

/* ---------------------------------------------------------------- stores */

struct build {
    struct tmem_ckpt_weights *out;
    const struct qcfg *q;
    const char *file;          /* for errors */
    struct tmem_error *err;
    uint64_t L;
    uint8_t *cell_set;         /* 1 where a file tensor gave the cell its store */
    bool quantized_seen;       /* a tensor stored as the quantization_config says */
};

static bool same_store(const struct tmem_wstore *a, const struct tmem_wstore *b)
{
    return a->format == b->format && a->ggml_type == b->ggml_type && a->bits == b->bits &&
           a->group_size == b->group_size && a->per_channel == b->per_channel &&
           a->no_zeros == b->no_zeros && a->act_order == b->act_order;
}

/* the index of store s named `name`, added if new; -1 when the table is full */
static int store_index(struct build *b, const struct tmem_wstore *s, const char *name)
{
    struct tmem_weights_stored *w = &b->out->w;
    for (uint32_t i = 0; i < w->n_stores; i++)
        if (same_store(&w->stores[i], s))
            return (int)i;
    if (w->n_stores == TMEM_MAX_WSTORES)
        return -1;
    w->stores[w->n_stores] = *s;
    snprintf(w->store_names[w->n_stores], TMEM_WSTORE_NAME_LEN, "%s", name);
    return (int)w->n_stores++;
}

static void set_cells(struct build *b, const enum tmem_tensor_kind *kinds, int32_t layer, int idx)
{
    uint64_t l = layer < 0 ? 0 : (uint64_t)layer;
    if (l >= b->L)
        return; /* past n_layer (DeepSeek's MTP layer): not served */
    for (int i = 0; i < 3 && kinds[i] != NONE; i++) {
        b->out->table[(uint64_t)kinds[i] * b->L + l] = (uint8_t)idx;
        b->cell_set[(uint64_t)kinds[i] * b->L + l] = 1;
    }
}

static bool ignored(const struct qcfg *q, const char *mod)
{
    const char *last = strrchr(mod, '.');
    last = last ? last + 1 : mod;
    for (uint32_t i = 0; i < q->n_ignore; i++) {
        const char *p = q->ignore[i];
        if (strncmp(p, "re:", 3) == 0)
            p += 3;
        if (strcmp(p, mod) == 0 || strcmp(p, last) == 0 || strstr(mod, p) != NULL)
            return true;
    }
    return false;
}

static enum tmem_status plain_of(struct build *b, const struct tmem_ckpt_tensor *t,
                                 struct tmem_wstore *s, const char **name)
{
    switch ((enum tmem_st_dtype)t->type) {
    case TMEM_ST_F32: s->format = TMEM_WF_FP32; *name = "F32"; return TMEM_OK;
    case TMEM_ST_F16: s->format = TMEM_WF_FP16; *name = "F16"; return TMEM_OK;
    case TMEM_ST_BF16: s->format = TMEM_WF_BF16; *name = "BF16"; return TMEM_OK;
    case TMEM_ST_F64: case TMEM_ST_F8_E4M3: case TMEM_ST_F8_E5M2: case TMEM_ST_I64: case TMEM_ST_I32:
    case TMEM_ST_I16: case TMEM_ST_I8: case TMEM_ST_U64: case TMEM_ST_U32: case TMEM_ST_U16:
    case TMEM_ST_U8: case TMEM_ST_BOOL: case TMEM_ST_DTYPE_COUNT: break;
    }
    const struct tmem_block_type *ti = tmem_ckpt_type_info(TMEM_CKPT_SAFETENSORS, t->type);
    return tmem__ckpt_fail(b->err, TMEM_ERR_INCONSISTENT, b->file, t->name, t->info_offset,
                          "a %s weight, but config.json declares no quantization_config that "
                          "stores weights as %s",
                          ti ? ti->name : "?", ti ? ti->name : "?");
}

/* one safetensors tensor: its store from its dtype and the config */
static enum tmem_status st_tensor(struct build *b, const struct tmem_ckpt_tensor *t,
                                  enum part part, const char *mod, const struct module_kinds *mk)
{
    const struct qcfg *q = b->q;
    struct tmem_wstore s = {.format = TMEM_WF_COUNT};
    const char *name = NULL;
    const enum tmem_tensor_kind *kinds = part == PART_BIAS ? mk->b : mk->w;
    const struct tmem_block_type *ti = tmem_ckpt_type_info(TMEM_CKPT_SAFETENSORS, t->type);
    bool packed = part == PART_QWEIGHT || part == PART_PACKED || part == PART_BLOCKS;
    bool quant_dtype = t->type == TMEM_ST_F8_E4M3 || t->type == TMEM_ST_U8 || t->type == TMEM_ST_I8;
    if (part == PART_BIAS || (!packed && !quant_dtype)) {
        TRY(plain_of(b, t, &s, &name));
    } else {
        /* a quantized weight: the config must say how */
        bool fits = false;
        switch (q->method) {
        case Q_GPTQ:
        case Q_AWQ: fits = part == PART_QWEIGHT; break;
        case Q_FP8: fits = part == PART_WEIGHT && t->type == TMEM_ST_F8_E4M3; break;
        case Q_BNB4: fits = part == PART_WEIGHT && t->type == TMEM_ST_U8; break;
        case Q_BNB8: fits = part == PART_WEIGHT && t->type == TMEM_ST_I8; break;
        case Q_CT:
            fits = q->store.format == TMEM_WF_INT4 ? part == PART_PACKED
                   : q->store.format == TMEM_WF_INT8 ? t->type == TMEM_ST_I8
                   : q->store.format == TMEM_WF_GGUF ? (part == PART_PACKED || t->type == TMEM_ST_U8)
                                                      : t->type == TMEM_ST_F8_E4M3;
            break;
        case Q_MXFP4: fits = part == PART_BLOCKS; break;
        case Q_NVFP4: fits = part == PART_WEIGHT && t->type == TMEM_ST_U8; break;
        case Q_NONE:
        case Q_COUNT: fits = false; break;
        }
        if (!fits) {
            if (q->method == Q_NONE)
                return tmem__ckpt_fail(b->err, TMEM_ERR_INCONSISTENT, b->file, t->name,
                                      t->info_offset,
                                      "is a quantized %s tensor, but no quantization_config in "
                                      "a config.json beside it says how it is packed",
                                      ti ? ti->name : "?");
            return tmem__ckpt_fail(b->err, TMEM_ERR_INCONSISTENT, b->file, t->name, t->info_offset,
                                  "is stored as %s, which contradicts config.json's "
                                  "quantization_config (%s)",
                                  ti ? ti->name : "?", q->name);
        }
        if (ignored(q, mod) && !(q->method == Q_GPTQ && q->quantize_lm_head))
            return tmem__ckpt_fail(b->err, TMEM_ERR_INCONSISTENT, b->file, t->name, t->info_offset,
                                  "is quantized but config.json's quantization_config lists "
                                  "its module as not converted");
        s = q->store;
        name = q->name;
        b->quantized_seen = true;
    }
    int idx = store_index(b, &s, name);
    if (idx < 0)
        return tmem__ckpt_fail(b->err, TMEM_ERR_CAPACITY, b->file, t->name, t->info_offset,
                              "more than %u ways of storing tensors", TMEM_MAX_WSTORES);
    set_cells(b, kinds, t->layer, idx);
    return TMEM_OK;
}

/* llama.cpp's general.file_type (enum llama_ftype) names */
static const char *ftype_name(uint64_t ft)
{
    static const char *const names[] = {
        [0] = "F32",      [1] = "F16",      [2] = "Q4_0",     [3] = "Q4_1",     [7] = "Q8_0",
        [8] = "Q5_0",     [9] = "Q5_1",     [10] = "Q2_K",    [11] = "Q3_K_S",  [12] = "Q3_K_M",
        [13] = "Q3_K_L",  [14] = "Q4_K_S",  [15] = "Q4_K_M",  [16] = "Q5_K_S",  [17] = "Q5_K_M",
        [18] = "Q6_K",    [19] = "IQ2_XXS", [20] = "IQ2_XS",  [21] = "Q2_K_S",  [22] = "IQ3_XS",
        [23] = "IQ3_XXS", [24] = "IQ1_S",   [25] = "IQ4_NL",  [26] = "IQ3_S",   [27] = "IQ3_M",
        [28] = "IQ2_S",   [29] = "IQ2_M",   [30] = "IQ4_XS",  [31] = "IQ1_M",   [32] = "BF16",
        [36] = "TQ1_0",   [37] = "TQ2_0",   [38] = "MXFP4_MOE",
    };
    return ft < sizeof names / sizeof names[0] ? names[ft] : NULL;
}

/* cells no tensor set: a kind seen in other layers keeps its most common
 * store; an unseen kind takes its group's, else the table's first */
static void fill_gaps(struct build *b)
{
    struct tmem_weights_stored *w = &b->out->w;
    uint8_t kind_store[TMEM_TENSOR_KIND_COUNT];
    bool kind_seen[TMEM_TENSOR_KIND_COUNT] = {0};
    for (uint32_t k = 0; k < TMEM_TENSOR_KIND_COUNT; k++) {
        uint32_t votes[TMEM_MAX_WSTORES] = {0};
        for (uint64_t l = 0; l < b->L; l++)
            if (b->cell_set[k * b->L + l]) {
                votes[b->out->table[k * b->L + l]]++;
                kind_seen[k] = true;
            }
        uint32_t best = 0;
        for (uint32_t i = 1; i < w->n_stores; i++)
            if (votes[i] > votes[best])
                best = i;
        kind_store[k] = (uint8_t)best;
    }
    for (uint32_t k = 0; k < TMEM_TENSOR_KIND_COUNT; k++) {
        if (!kind_seen[k]) {
            /* a kind of the same group and shape, else any plain one of the same shape */
            const struct tmem_tensor_kind_info *ki = tmem_tensor_kind_info((enum tmem_tensor_kind)k);
            int same_group = -1, plain = -1;
            for (uint32_t j = 0; j < TMEM_TENSOR_KIND_COUNT; j++) {
                const struct tmem_tensor_kind_info *kj = tmem_tensor_kind_info((enum tmem_tensor_kind)j);
                if (!kind_seen[j] || kj->vector != ki->vector)
                    continue;
                const struct tmem_wstore *sj = &w->stores[kind_store[j]];
                bool is_plain = sj->format <= TMEM_WF_FP16 ||
                                (sj->format == TMEM_WF_GGUF &&
                                 (sj->ggml_type == TMEM_GGML_F32 || sj->ggml_type == TMEM_GGML_F16 ||
                                  sj->ggml_type == TMEM_GGML_BF16));
                if (same_group < 0 && kj->group == ki->group)
                    same_group = (int)j;
                if (plain < 0 && is_plain)
                    plain = (int)j;
            }
            if (same_group >= 0)
                kind_store[k] = kind_store[same_group];
            else if (plain >= 0)
                kind_store[k] = kind_store[plain];
        }
        for (uint64_t l = 0; l < b->L; l++)
            if (!b->cell_set[k * b->L + l])
                b->out->table[k * b->L + l] = kind_store[k];
    }
}

static void name_whole(struct build *b, const struct tmem_ckpt *c, const uint64_t *bytes_of)
{
    struct tmem_weights_stored *w = &b->out->w;
    uint32_t top = 0;
    for (uint32_t i = 1; i < w->n_stores; i++)
        if (bytes_of[i] > bytes_of[top])
            top = i;
    if (c->format == TMEM_CKPT_GGUF) {
        const struct tmem_ckpt_kv *ft = tmem_ckpt_kv_find(c, "general.file_type");
        const char *n = ft && ft->type <= TMEM_GGUF_INT64 && ft->type != TMEM_GGUF_FLOAT32 &&
                                ft->type != TMEM_GGUF_BOOL && ft->type != TMEM_GGUF_STRING &&
                                ft->type != TMEM_GGUF_ARRAY
                            ? ftype_name(ft->v.u)
                            : NULL;
        if (n != NULL)
            snprintf(w->name, sizeof w->name, "%s", n);
        else
            snprintf(w->name, sizeof w->name, "%s%s", w->store_names[top],
                     w->n_stores > 2 ? " mix" : "");
        snprintf(w->source, sizeof w->source, "GGUF tensor types");
        return;
    }
    if (b->q->method != Q_NONE) {
        snprintf(w->name, sizeof w->name, "%s", b->q->name);
        snprintf(w->source, sizeof w->source, "config.json quantization_config, safetensors dtypes");
    } else {
        snprintf(w->name, sizeof w->name, "%s", w->store_names[top]);
        snprintf(w->source, sizeof w->source, "safetensors dtypes");
    }
}

static enum tmem_status alloc_table(struct tmem_ckpt_weights *out, struct build *b,
                                    const struct tmem_model *m, const char *where,
                                    struct tmem_error *err)
{
    memset(out, 0, sizeof *out);
    b->L = m->n_layer;
    size_t cells = (size_t)TMEM_TENSOR_KIND_COUNT * (size_t)m->n_layer; /* n_layer ≤ 2^16 */
    out->table = tmem__calloc(cells, 1);
    b->cell_set = tmem__calloc(cells, 1);
    if (out->table == NULL || b->cell_set == NULL) {
        tmem__dealloc(b->cell_set);
        tmem__ckpt_weights_free(out);
        return tmem__ckpt_fail(err, TMEM_ERR_NOMEM, where, NULL, 0, "out of memory");
    }
    out->w.n_layer = m->n_layer;
    out->w.store_of = out->table;
    return TMEM_OK;
}

void tmem__ckpt_weights_free(struct tmem_ckpt_weights *w)
{
    if (w == NULL)
        return;
    tmem__dealloc(w->table);
    memset(w, 0, sizeof *w);
}

/* the config text at path into a qcfg (path NULL: none) */
static enum tmem_status read_qcfg(const char *path, struct qcfg *q, struct tmem_error *err)
{
    memset(q, 0, sizeof *q);
    q->plain = TMEM_WF_BF16;
    if (path == NULL)
        return TMEM_OK;
    char *text = NULL;
    size_t len = 0;
    enum tmem_status st = tmem__read_file(path, TMEM_MAX_CONFIG_BYTES, &text, &len, err);
    if (st == TMEM_OK)
        st = parse_qcfg(text, len, path, q, err);
    tmem__dealloc(text);
    return st;
}

enum tmem_status tmem__ckpt_weights(struct tmem_ckpt *c, const char *config_path,
                                   const struct tmem_model *m, struct tmem_ckpt_weights *out,
                                   struct tmem_error *err)
{
    struct qcfg *q = tmem__calloc(1, sizeof *q);
    if (q == NULL)
        return tmem__ckpt_fail(err, TMEM_ERR_NOMEM, c->path, NULL, 0, "out of memory");
    struct build b = {.out = out, .q = q, .file = c->path, .err = err};
    enum tmem_status st = read_qcfg(c->format == TMEM_CKPT_GGUF ? NULL : config_path, q, err);
    if (st == TMEM_OK)
        st = alloc_table(out, &b, m, c->path, err);
    if (st != TMEM_OK) {
        tmem__dealloc(q);
        return st;
    }
    uint64_t bytes_of[TMEM_MAX_WSTORES] = {0};
    for (uint32_t i = 0; i < c->n_tensors && st == TMEM_OK; i++) {
        const struct tmem_ckpt_tensor *t = &c->tensors[i];
        b.file = c->files[t->file].path;
        enum part part = PART_OVERHEAD;
        char mod[512];
        if (!split_name(t->name, &part, mod, sizeof mod) || part == PART_OVERHEAD)
            continue;
        const struct module_kinds *mk = find_module(mod);
        if (mk == NULL || (part != PART_BIAS && mk->w[0] == NONE) ||
            (part == PART_BIAS && mk->b[0] == NONE))
            continue; /* not a tensor the formula serves (buffers, vision towers) */
        if (c->format == TMEM_CKPT_GGUF) {
            const struct tmem_block_type *ti = tmem_ckpt_type_info(TMEM_CKPT_GGUF, t->type);
            struct tmem_wstore s = {.format = TMEM_WF_GGUF, .ggml_type = t->type};
            int idx = ti ? store_index(&b, &s, ti->name) : -1;
            if (idx < 0) {
                st = tmem__ckpt_fail(err, TMEM_ERR_CAPACITY, b.file, t->name, t->info_offset,
                                    "more than %u ggml types", TMEM_MAX_WSTORES);
                break;
            }
            set_cells(&b, part == PART_BIAS ? mk->b : mk->w, t->layer, idx);
        } else {
            st = st_tensor(&b, t, part, mod, mk);
        }
        if (st == TMEM_OK && out->w.n_stores > 0) {
            uint64_t l = t->layer < 0 ? 0 : (uint64_t)t->layer;
            const enum tmem_tensor_kind *ks = part == PART_BIAS ? mk->b : mk->w;
            if (l < b.L)
                bytes_of[out->table[(uint64_t)ks[0] * b.L + l]] += t->n_bytes;
        }
    }
    if (st == TMEM_OK && q->method != Q_NONE && !b.quantized_seen) {
        char msg[TMEM_ERROR_MSG_LEN];
        snprintf(msg, sizeof msg, "declares %s but no tensor of the checkpoint is stored that way",
                 q->name);
        tmem__fail_at(err, TMEM_ERR_INCONSISTENT, config_path, "quantization_config", msg);
        st = TMEM_ERR_INCONSISTENT;
    }
    if (st == TMEM_OK && out->w.n_stores == 0)
        st = tmem__ckpt_fail(err, TMEM_ERR_INCONSISTENT, c->path, NULL, 0,
                            "no tensor of the model's layout was found to tell how the "
                            "weights are stored");
    if (st == TMEM_OK) {
        fill_gaps(&b);
        name_whole(&b, c, bytes_of);
    }
    tmem__dealloc(b.cell_set);
    tmem__dealloc(q);
    if (st != TMEM_OK)
        tmem__ckpt_weights_free(out);
    return st;
}

/* --------------------------------------------------------- config only */

enum tmem_status tmem__config_weights(const char *config_path, const struct tmem_model *m,
                                     struct tmem_ckpt_weights *out, struct tmem_error *err)
{
    memset(out, 0, sizeof *out);
    struct qcfg *q = tmem__calloc(1, sizeof *q);
    if (q == NULL)
        return tmem__ckpt_fail(err, TMEM_ERR_NOMEM, config_path, NULL, 0, "out of memory");
    struct build b = {.out = out, .q = q, .file = config_path, .err = err};
    enum tmem_status st = read_qcfg(config_path, q, err);
    if (st != TMEM_OK || q->method == Q_NONE) { /* nothing declared: the default */
        tmem__dealloc(q);
        return st;
    }
    st = alloc_table(out, &b, m, config_path, err);
    if (st != TMEM_OK) {
        tmem__dealloc(q);
        return st;
    }
    /* what the method quantizes: the matmul weights of attention, MLP and
     * experts (transformers' quantizers replace nn.Linear layers; lm_head
     * and the router are kept), the rest in torch_dtype */
    static const char *const plain_names[] = {[TMEM_WF_FP32] = "F32", [TMEM_WF_BF16] = "BF16",
                                              [TMEM_WF_FP16] = "F16"};
    struct tmem_wstore plain = {.format = q->plain};
    int pi = store_index(&b, &plain, plain_names[q->plain]);
    int qi = store_index(&b, &q->store, q->name);
    for (uint32_t k = 0; k < TMEM_TENSOR_KIND_COUNT; k++) {
        const struct tmem_tensor_kind_info *ki = tmem_tensor_kind_info((enum tmem_tensor_kind)k);
        bool quantized = ki->matmul && (ki->group == TMEM_GROUP_ATTENTION ||
                                        ki->group == TMEM_GROUP_MLP ||
                                        ki->group == TMEM_GROUP_EXPERTS ||
                                        ki->group == TMEM_GROUP_SHARED_EXPERTS);
        if (q->method == Q_MXFP4) /* gpt-oss quantizes the routed experts only */
            quantized = ki->group == TMEM_GROUP_EXPERTS && ki->matmul;
        if (k == TMEM_TENSOR_KIND_LM_HEAD && q->method == Q_GPTQ && q->quantize_lm_head)
            quantized = true;
        for (uint64_t l = 0; l < b.L; l++)
            out->table[k * b.L + l] = (uint8_t)(quantized ? qi : pi);
    }
    snprintf(out->w.name, sizeof out->w.name, "%s", q->name);
    snprintf(out->w.source, sizeof out->w.source, "config.json quantization_config");
    tmem__dealloc(b.cell_set);
    tmem__dealloc(q);
    return TMEM_OK;
}

/* ------------------------------------------------------ MODEL → weights */

static bool has_weight_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return false;
    bool found = false;
    struct dirent *e;
    while (!found && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        found = ends_with(e->d_name, n, ".safetensors") || ends_with(e->d_name, n, ".gguf");
    }
    closedir(d);
    return found;
}

static bool ends_with_s(const char *s, const char *suffix)
{
    return ends_with(s, strlen(s), suffix);
}

enum tmem_status tmem__weights_for_model(const char *arg, const struct tmem_model *m,
                                        struct tmem_ckpt_weights *out, struct tmem_error *err)
{
    memset(out, 0, sizeof *out);
    struct stat sb;
    char snap[4096];
    if (arg != NULL && stat(arg, &sb) != 0 && tmem__hf_cache_snapshot(arg, snap, sizeof snap))
        arg = snap; /* a repo id in the local hub cache, as tmem__model_load_opts reads it */
    if (arg == NULL || stat(arg, &sb) != 0)
        return TMEM_OK; /* a preset: nothing stored */
    char cfg[4096];
    const char *config = NULL, *ckpt = NULL;
    if (S_ISDIR(sb.st_mode)) {
        snprintf(cfg, sizeof cfg, "%s/config.json", arg);
        config = stat(cfg, &sb) == 0 ? cfg : NULL;
        if (has_weight_files(arg))
            ckpt = arg;
    } else if (ends_with_s(arg, ".gguf") || ends_with_s(arg, ".safetensors") ||
               ends_with_s(arg, ".safetensors.index.json")) {
        ckpt = arg;
        const char *slash = strrchr(arg, '/');
        int dl = slash ? (int)(slash - arg) : 1;
        snprintf(cfg, sizeof cfg, "%.*s/config.json", dl, slash ? arg : ".");
        config = !ends_with_s(arg, ".gguf") && stat(cfg, &sb) == 0 ? cfg : NULL;
    } else {
        config = arg; /* a config.json: what it declares */
    }
    if (ckpt == NULL)
        return config ? tmem__config_weights(config, m, out, err) : TMEM_OK;
    struct tmem_ckpt c;
    enum tmem_status st = tmem_ckpt_open(ckpt, tmem__alloc_current(), &c, err);
    if (st == TMEM_OK)
        st = tmem__ckpt_weights(&c, config, m, out, err);
    tmem_ckpt_free(&c);
    return st;
}
