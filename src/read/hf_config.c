/* hf_config.c — HuggingFace config.json → struct tmem_model (jansson).
 *
 * model_type picks the family; each field is looked up under the names the
 * families' configuration classes use (hidden_size / n_embd / d_model, ...),
 * and the config classes' own defaults apply where a key is absent (falcon's
 * multi_query, OPT's enable_bias, Gemma's head_dim 256, ...). Sizes must be
 * non-negative integers; null counts as absent. The result is raw: derived
 * fields stay 0 for tmem_model_resolve(). */
#include "reader.h"

#include "checked.h"
#include "errtext.h"
#include "jsonutil.h"
#include "utf8.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

struct cfg {
    json_t *root;
    const char *where;
    struct tmem_error *err;
    enum tmem_status st;
};

static void fail(struct cfg *c, enum tmem_status code, const char *key, const char *msg)
{
    if (c->st != TMEM_OK)
        return;
    c->st = code;
    tmem_fail_at(c->err, code, c->where, key, msg);
}

/* The first of `keys` present and not null, or NULL; *used names it. */
static json_t *lookup(struct cfg *c, const char *const *keys, const char **used)
{
    for (; *keys; keys++) {
        json_t *v = json_object_get(c->root, *keys);
        if (v != NULL && !json_is_null(v)) {
            *used = *keys;
            return v;
        }
    }
    return NULL;
}

/* A non-negative integer (an integral real such as 4096.0 is accepted). */
static bool as_u64(struct cfg *c, json_t *v, const char *key, uint64_t *out)
{
    char msg[128];
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i < 0) {
            snprintf(msg, sizeof msg, "is %lld but must be a non-negative integer", (long long)i);
            fail(c, TMEM_ERR_LIMIT, key, msg);
            return false;
        }
        *out = (uint64_t)i;
        return true;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d >= 0 && d <= 9007199254740992.0 && d == (double)(uint64_t)d) {
            *out = (uint64_t)d;
            return true;
        }
        snprintf(msg, sizeof msg, "is %g but must be a non-negative integer", d);
        fail(c, TMEM_ERR_SCHEMA, key, msg);
        return false;
    }
    snprintf(msg, sizeof msg, "expected a non-negative integer, got %s", tmem_json_kind(v));
    fail(c, TMEM_ERR_SCHEMA, key, msg);
    return false;
}

/* Sets *out from the first key present; leaves it alone when none is. */
static bool get_u64(struct cfg *c, const char *const *keys, uint64_t *out)
{
    const char *used = NULL;
    json_t *v = lookup(c, keys, &used);
    return v != NULL && as_u64(c, v, used, out);
}

/* get_u64, and the value must be at most max (a TMEM_MAX_* cap) before
 * anything is computed from it, else TMEM_ERR_LIMIT naming the key */
static bool get_u64_capped(struct cfg *c, const char *const *keys, uint64_t max, uint64_t *out)
{
    const char *used = NULL;
    uint64_t v;
    json_t *j = lookup(c, keys, &used);
    if (j == NULL || !as_u64(c, j, used, &v))
        return false;
    if (v > max) {
        char msg[128];
        snprintf(msg, sizeof msg, "is %llu but must be in [0, %llu]", (unsigned long long)v,
                 (unsigned long long)max);
        fail(c, TMEM_ERR_LIMIT, used, msg);
        return false;
    }
    *out = v;
    return true;
}

/* a · b of sizes from the file, checked; 0 and TMEM_ERR_OVERFLOW naming key
 * when it does not fit */
static uint64_t mul_u64(struct cfg *c, const char *key, uint64_t a, uint64_t b)
{
    uint64_t r;
    if (tmem_mul_u64(a, b, &r))
        return r;
    fail(c, TMEM_ERR_OVERFLOW, key, "the product of its sizes does not fit in 64 bits");
    return 0;
}

static bool get_bool(struct cfg *c, const char *key, bool *out)
{
    json_t *v = json_object_get(c->root, key);
    if (v == NULL || json_is_null(v))
        return false;
    if (!json_is_boolean(v)) {
        char msg[128];
        snprintf(msg, sizeof msg, "expected true or false, got %s", tmem_json_kind(v));
        fail(c, TMEM_ERR_SCHEMA, key, msg);
        return false;
    }
    *out = json_is_true(v);
    return true;
}

static const char *get_str(struct cfg *c, const char *key)
{
    json_t *v = json_object_get(c->root, key);
    if (v == NULL || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        char msg[128];
        snprintf(msg, sizeof msg, "expected a string, got %s", tmem_json_kind(v));
        fail(c, TMEM_ERR_SCHEMA, key, msg);
        return NULL;
    }
    return json_string_value(v);
}

#define KEYS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void require_u64(struct cfg *c, const char *const *keys, uint64_t *out)
{
    if (c->st == TMEM_OK && !get_u64(c, keys, out) && c->st == TMEM_OK) {
        char msg[128];
        snprintf(msg, sizeof msg, "missing field (the model's %s)", keys[0]);
        fail(c, TMEM_ERR_MISSING_KEY, keys[0], msg);
    }
}

/* Keys every family shares. */
static void read_common(struct cfg *c, struct tmem_model *m)
{
    require_u64(c, KEYS("hidden_size", "n_embd", "d_model", "model_dim"), &m->d_model);
    require_u64(c, KEYS("num_hidden_layers", "n_layer", "num_layers", "n_layers"), &m->n_layer);
    require_u64(c, KEYS("num_attention_heads", "n_head", "num_heads"), &m->n_head);
    require_u64(c, KEYS("vocab_size", "padded_vocab_size"), &m->n_vocab);
    get_u64(c, KEYS("num_key_value_heads"), &m->n_kv_head);
    get_u64(c, KEYS("head_dim"), &m->d_head);
    get_u64(c, KEYS("intermediate_size", "n_inner", "ffn_dim", "ffn_hidden_size"), &m->d_ff);
    get_u64(c, KEYS("max_position_embeddings", "n_positions", "n_ctx", "seq_length"), &m->n_ctx);
    get_bool(c, "tie_word_embeddings", &m->tied);
    get_u64(c, KEYS("sliding_window"), &m->sliding_window);
    bool use_sw = true;
    if (get_bool(c, "use_sliding_window", &use_sw) && !use_sw)
        m->sliding_window = 0; /* Qwen2 writes a window but does not use it */
}

static void read_attention_bias(struct cfg *c, struct tmem_model *m)
{
    bool b;
    if (get_bool(c, "attention_bias", &b))
        m->qkv_bias = m->o_bias = b;
}

static void read_falcon(struct cfg *c, struct tmem_model *m)
{
    /* FalconConfig defaults: multi_query true, parallel_attn true, bias false */
    bool new_arch = false, multi_query = true, parallel = true, bias = false;
    uint64_t n_ln = 2;
    get_bool(c, "new_decoder_architecture", &new_arch);
    get_bool(c, "multi_query", &multi_query);
    get_bool(c, "parallel_attn", &parallel);
    get_bool(c, "bias", &bias);
    get_u64(c, KEYS("num_ln_in_parallel_attn"), &n_ln);
    m->qkv_bias = m->o_bias = m->mlp_bias = bias;
    if (new_arch)
        get_u64(c, KEYS("num_kv_heads", "n_head_kv"), &m->n_kv_head); /* 0: n_head */
    else if (multi_query)
        m->n_kv_head = 1;
    else
        m->n_kv_head = 0;
    /* modeling_falcon.py FalconDecoderLayer: ln_attn + ln_mlp for the new
     * architecture, input_layernorm (+ post_attention_layernorm when the
     * block is sequential) otherwise */
    if (!parallel)
        m->n_norm_per_layer = 2;
    else if (new_arch)
        m->n_norm_per_layer = n_ln == 1 ? 1 : 2;
    else
        m->n_norm_per_layer = 1;
}

static void read_opt(struct cfg *c, struct tmem_model *m)
{
    bool b = true, pre_ln = true, remove_final = false, affine = true;
    if (get_bool(c, "enable_bias", &b))
        m->qkv_bias = m->o_bias = m->mlp_bias = b;
    get_u64(c, KEYS("word_embed_proj_dim"), &m->d_embed);
    get_bool(c, "do_layer_norm_before", &pre_ln);
    get_bool(c, "_remove_final_layer_norm", &remove_final);
    m->final_norm = pre_ln && !remove_final; /* modeling_opt.py OPTDecoder */
    if (get_bool(c, "layer_norm_elementwise_affine", &affine) && !affine)
        m->norm = TMEM_NORM_NONPARAM;
}

static void read_moe(struct cfg *c, struct tmem_model *m)
{
    get_u64(c, KEYS("num_local_experts", "num_experts", "n_routed_experts"), &m->n_expert);
    get_u64(c, KEYS("num_experts_per_tok", "num_experts_per_token"), &m->n_expert_used);
    get_u64(c, KEYS("moe_intermediate_size"), &m->d_ff_expert);
    get_u64(c, KEYS("decoder_sparse_step", "moe_layer_freq"), &m->moe_layer_step);
    get_u64(c, KEYS("first_k_dense_replace"), &m->moe_first_layer);

    json_t *dense = json_object_get(c->root, "mlp_only_layers");
    if (dense != NULL && !json_is_null(dense)) {
        if (!json_is_array(dense)) {
            fail(c, TMEM_ERR_SCHEMA, "mlp_only_layers", "expected an array of layer indices");
            return;
        }
        if (json_array_size(dense) > TMEM_MAX_DENSE_LAYERS) {
            fail(c, TMEM_ERR_LIMIT, "mlp_only_layers", "more than 32 layers listed");
            return;
        }
        size_t i;
        json_t *v;
        json_array_foreach(dense, i, v)
        {
            if (!as_u64(c, v, "mlp_only_layers", &m->dense_layers[i]))
                return;
        }
        m->n_dense_layers_listed = (uint32_t)json_array_size(dense);
    }

    if (m->family == TMEM_FAMILY_QWEN2_MOE) {
        get_u64(c, KEYS("shared_expert_intermediate_size"), &m->d_ff_shared);
        m->shared_expert_gate = m->d_ff_shared > 0;
    }
    if (m->family == TMEM_FAMILY_DEEPSEEK_V2 || m->family == TMEM_FAMILY_DEEPSEEK_V3) {
        uint64_t n_shared = 0;
        get_u64_capped(c, KEYS("n_shared_experts"), TMEM_MAX_N_EXPERT, &n_shared);
        /* DeepseekV2MoE: one shared MLP of moe_intermediate_size · n_shared */
        m->d_ff_shared = mul_u64(c, "n_shared_experts", n_shared, m->d_ff_expert);
        const char *topk = get_str(c, "topk_method");
        if (topk != NULL)
            m->router_bias = strcmp(topk, "noaux_tc") == 0;
        get_u64(c, KEYS("q_lora_rank"), &m->q_lora_rank);
        require_u64(c, KEYS("kv_lora_rank"), &m->kv_lora_rank);
        require_u64(c, KEYS("qk_nope_head_dim"), &m->qk_nope_dim);
        require_u64(c, KEYS("qk_rope_head_dim"), &m->qk_rope_dim);
        require_u64(c, KEYS("v_head_dim"), &m->v_head_dim);
    }
}

static void read_family(struct cfg *c, struct tmem_model *m)
{
    switch (m->family) {
    case TMEM_FAMILY_GPT_NEOX: read_attention_bias(c, m); break; /* default true */
    case TMEM_FAMILY_OPT: read_opt(c, m); break;
    case TMEM_FAMILY_FALCON: read_falcon(c, m); break;
    case TMEM_FAMILY_PHI: get_bool(c, "qk_layernorm", &m->qk_norm); break;
    case TMEM_FAMILY_LLAMA:
    case TMEM_FAMILY_MISTRAL:
    case TMEM_FAMILY_OLMO:
        read_attention_bias(c, m);
        get_bool(c, "mlp_bias", &m->mlp_bias);
        break;
    case TMEM_FAMILY_GEMMA:
    case TMEM_FAMILY_GEMMA2:
        read_attention_bias(c, m);
        if (m->d_head == 0)
            m->d_head = 256; /* GemmaConfig / Gemma2Config default head_dim */
        break;
    case TMEM_FAMILY_QWEN3:
    case TMEM_FAMILY_QWEN3_MOE:
        read_attention_bias(c, m);
        if (m->d_head == 0)
            m->d_head = 128; /* Qwen3Config default head_dim */
        break;
    case TMEM_FAMILY_DEEPSEEK_V2:
    case TMEM_FAMILY_DEEPSEEK_V3:
    case TMEM_FAMILY_PHI3:
    case TMEM_FAMILY_MIXTRAL: read_attention_bias(c, m); break;
    default: break;
    }
    if (tmem_family_info(m->family)->moe)
        read_moe(c, m);
}

enum tmem_status tmem_hf_config_parse(const char *text, size_t len, const char *where,
                                      struct tmem_model *out, struct tmem_error *err)
{
    struct cfg c = {.where = where ? where : "config.json", .err = err, .st = TMEM_OK};
    json_error_t jerr;
    c.root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (c.root == NULL) {
        char pos[96];
        snprintf(pos, sizeof pos, "%d:%d", jerr.line, jerr.column);
        fail(&c, TMEM_ERR_SYNTAX, pos, jerr.text);
        if (err)
            err->offset = (uint64_t)(jerr.position > 0 ? jerr.position : 0);
        return c.st;
    }
    if (!json_is_object(c.root)) {
        fail(&c, TMEM_ERR_SCHEMA, NULL, "expected a JSON object at the top level");
        json_decref(c.root);
        return c.st;
    }

    const char *type = get_str(&c, "model_type");
    struct tmem_model m;
    if (c.st == TMEM_OK && type == NULL)
        fail(&c, TMEM_ERR_MISSING_KEY, "model_type", "missing field (it picks the family)");
    if (c.st == TMEM_OK) {
        enum tmem_family f = tmem_family_from_name(type);
        if (f == TMEM_FAMILY_COUNT) {
            const char *names[TMEM_FAMILY_COUNT];
            for (int i = 0; i < TMEM_FAMILY_COUNT; i++)
                names[i] = tmem_family_info((enum tmem_family)i)->name;
            char close[128], msg[256], q[TMEM_QUOTE_CAP];
            tmem_close_names(type, names, TMEM_FAMILY_COUNT, 3, close, sizeof close);
            snprintf(msg, sizeof msg, "unknown model_type %s (closest known: %s)",
                     tmem__quote(q, type), close);
            fail(&c, TMEM_ERR_UNSUPPORTED, "model_type", msg);
        } else {
            tmem_model_init(&m, f, NULL);
        }
    }
    if (c.st == TMEM_OK) {
        read_common(&c, &m);
        read_family(&c, &m);
    }
    if (c.st == TMEM_OK) {
        json_t *name = json_object_get(c.root, "_name_or_path");
        if (json_is_string(name))
            tmem__copy_marked(m.name, sizeof m.name, json_string_value(name));
        *out = m;
    }
    json_decref(c.root);
    return c.st;
}
