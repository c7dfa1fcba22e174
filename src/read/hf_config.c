/* hf_config.c — HuggingFace config.json → struct tmem_model (jansson).
 *
 * model_type picks the family; the family's descriptor (include/tmem/
 * families.h) lists the keys to read, under the names the families'
 * configuration classes use (hidden_size / n_embd / d_model, ...), with the
 * config classes' own defaults where a key is absent (falcon's multi_query,
 * Gemma's head_dim 256, ...), and the keys of its dropout rates. This file
 * only interprets those rules: nothing here is specific to a family. Sizes
 * must be non-negative integers; null counts as absent. The result is raw:
 * derived fields stay 0 for tmem_model_resolve(). */
#include "error.h"
#include "reader.h"

#include "checked.h"
#include "errtext.h"
#include "jsonutil.h"
#include "utf8.h"
#include "model_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <strings.h>
#include <string.h>

struct cfg {
    json_t *root;
    const char *where;
    struct tmem_error *err;
    enum tmem_status st;
    char bad_key[128]; /* the key of the first failure */
};

static void fail(struct cfg *c, enum tmem_status code, const char *key, const char *msg)
{
    if (c->st != TMEM_OK)
        return;
    c->st = code;
    snprintf(c->bad_key, sizeof c->bad_key, "%s", key ? key : "");
    tmem__fail_at(c->err, code, c->where, key, msg);
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
    snprintf(msg, sizeof msg, "expected a non-negative integer, got %s", tmem__json_kind(v));
    fail(c, TMEM_ERR_SCHEMA, key, msg);
    return false;
}

/* The first of the "|"-separated keys present and not null, or NULL; the
 * key found is copied into used (jansson needs it NUL-terminated). */
static json_t *lookup(struct cfg *c, const char *keys, char *used, size_t cap)
{
    for (const char *p = keys; p != NULL && *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len < cap) {
            memcpy(used, p, len);
            used[len] = '\0';
            json_t *v = json_object_get(c->root, used);
            if (v != NULL && !json_is_null(v))
                return v;
        }
        p = bar ? bar + 1 : NULL;
    }
    return NULL;
}

static bool as_bool(struct cfg *c, json_t *v, const char *key, bool *out)
{
    if (!json_is_boolean(v)) {
        char msg[128];
        snprintf(msg, sizeof msg, "expected true or false, got %s", tmem__json_kind(v));
        fail(c, TMEM_ERR_SCHEMA, key, msg);
        return false;
    }
    *out = json_is_true(v);
    return true;
}

static const char *as_str(struct cfg *c, json_t *v, const char *key)
{
    if (!json_is_string(v)) {
        char msg[128];
        snprintf(msg, sizeof msg, "expected a string, got %s", tmem__json_kind(v));
        fail(c, TMEM_ERR_SCHEMA, key, msg);
        return NULL;
    }
    return json_string_value(v);
}

static const char *get_str(struct cfg *c, const char *key)
{
    char used[64];
    json_t *v = lookup(c, key, used, sizeof used);
    return v ? as_str(c, v, key) : NULL;
}

/* mlp_only_layers: an array of layer indices */
static void read_list(struct cfg *c, json_t *list, const char *key, struct tmem_model *m)
{
    if (!json_is_array(list)) {
        fail(c, TMEM_ERR_SCHEMA, key, "expected an array of layer indices");
        return;
    }
    if (json_array_size(list) > TMEM_MAX_DENSE_LAYERS) {
        fail(c, TMEM_ERR_LIMIT, key, "more than 32 layers listed");
        return;
    }
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (!as_u64(c, v, key, &m->dense_layers[i]))
            return;
    }
    m->n_dense_layers_listed = (uint32_t)json_array_size(list);
}

/* A hybrid's per-layer mixer types (GraniteMoeHybridConfig layer_types
 * "mamba" / "attention", Qwen3NextConfig layer_types "linear_attention" /
 * "full_attention"): one per layer; the attention layers' indices become
 * the list attn_layers (the period rule is cleared: the list is the whole
 * pattern). */
static void read_mixer_types(struct cfg *c, json_t *list, const char *key, struct tmem_model *m)
{
    if (!json_is_array(list)) {
        fail(c, TMEM_ERR_SCHEMA, key, "expected an array of layer types");
        return;
    }
    size_t n = json_array_size(list), i;
    if (n != m->n_layer) {
        char msg[128];
        snprintf(msg, sizeof msg, "lists %zu layers but the model has %llu", n,
                 (unsigned long long)m->n_layer);
        fail(c, TMEM_ERR_INCONSISTENT, key, msg);
        return;
    }
    uint32_t k = 0;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        const char *t = as_str(c, v, key);
        if (t == NULL)
            return;
        bool attn = strcmp(t, "attention") == 0 || strcmp(t, "full_attention") == 0;
        if (!attn && strcmp(t, "mamba") != 0 && strcmp(t, "linear_attention") != 0) {
            char msg[160], q[TMEM_QUOTE_CAP];
            snprintf(msg, sizeof msg, "layer %zu is %s; tmem counts attention, full_attention, "
                     "mamba and linear_attention layers only", i, tmem__quote(q, t));
            fail(c, TMEM_ERR_UNSUPPORTED, key, msg);
            return;
        }
        if (!attn)
            continue;
        if (k == TMEM_MAX_ATTN_LAYERS) {
            fail(c, TMEM_ERR_LIMIT, key, "more than 64 attention layers listed");
            return;
        }
        m->attn_layers[k++] = (uint32_t)i;
    }
    m->n_attn_layers_listed = k;
    m->attn_layer_step = m->attn_layer_offset = 0;
}

/* layer_types (transformers >= 4.54): the sliding-window pattern as one
 * string per layer. It must repeat one full_attention layer every k
 * (layer i full iff i % k == k − 1; k = 1: all full) or hold none (0: all
 * slide), the rule tmem's KV layout applies; *out becomes k. */
static bool read_layer_types(struct cfg *c, json_t *list, const char *key,
                             const struct tmem_model *m, uint64_t *out)
{
    if (!json_is_array(list)) {
        fail(c, TMEM_ERR_SCHEMA, key, "expected an array of layer types");
        return false;
    }
    size_t n = json_array_size(list), first_full = n, i;
    if (n != m->n_layer) {
        char msg[128];
        snprintf(msg, sizeof msg, "lists %zu layers but the model has %llu", n,
                 (unsigned long long)m->n_layer);
        fail(c, TMEM_ERR_INCONSISTENT, key, msg);
        return false;
    }
    json_t *v;
    json_array_foreach(list, i, v)
    {
        const char *t = as_str(c, v, key);
        if (t == NULL)
            return false;
        bool full = strcmp(t, "full_attention") == 0;
        if (!full && strcmp(t, "sliding_attention") != 0) {
            char msg[160], q[TMEM_QUOTE_CAP];
            snprintf(msg, sizeof msg, "layer %zu is %s; tmem counts sliding_attention and "
                     "full_attention layers only", i, tmem__quote(q, t));
            fail(c, TMEM_ERR_UNSUPPORTED, key, msg);
            return false;
        }
        if (full && first_full == n)
            first_full = i;
    }
    size_t k = first_full == n ? 0 : first_full + 1;
    json_array_foreach(list, i, v)
    {
        bool full = strcmp(json_string_value(v), "full_attention") == 0;
        if (k != 0 && full != (i % k == k - 1)) {
            char msg[160];
            snprintf(msg, sizeof msg, "layer %zu breaks the pattern of one full_attention layer "
                     "every %zu (tmem's sliding-window rule)", i, k);
            fail(c, TMEM_ERR_UNSUPPORTED, key, msg);
            return false;
        }
    }
    *out = k;
    return true;
}

/* Whether want is one of the items of v: a string of "|"-separated items
 * (DeBERTa's "p2c|c2p", case and spaces ignored as HF's split/strip/lower
 * does) or an array of strings. */
static bool has_str(struct cfg *c, json_t *v, const char *key, const char *want, bool *out)
{
    *out = false;
    if (json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
        {
            const char *t = as_str(c, e, key);
            if (t == NULL)
                return false;
            *out |= strcasecmp(t, want) == 0;
        }
        return true;
    }
    const char *t = as_str(c, v, key);
    if (t == NULL)
        return false;
    size_t n = strlen(want);
    for (const char *p = t; *p;) {
        while (*p == ' ')
            p++;
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        while (len > 0 && p[len - 1] == ' ')
            len--;
        if (len == n && strncasecmp(p, want, n) == 0)
            *out = true;
        p = bar ? bar + 1 : p + strlen(p);
    }
    return true;
}

/* The value of a boolean rule's key: present, or the rule's default. false
 * when neither (the rule does not apply). */
static bool rule_bool(struct cfg *c, const struct tmem_config_key *r, json_t *v, const char *key,
                      bool *out)
{
    if (v != NULL)
        return as_bool(c, v, key, out);
    *out = r->dflt != 0;
    return r->has_default;
}

/* Applies one rule of a family descriptor (include/tmem/families.h). */
static void apply(struct cfg *c, const struct tmem_config_key *r, struct tmem_model *m)
{
    char key[64];
    if (r->unless != NULL) {
        bool skip = false;
        json_t *u = lookup(c, r->unless, key, sizeof key);
        if (u != NULL && (!as_bool(c, u, key, &skip) || skip))
            return;
    }
    json_t *v = lookup(c, r->keys, key, sizeof key);
    /* HF's "auto" (MambaConfig time_step_rank) means: derive it */
    if (v != NULL && r->op == TMEM_CONFIG_OP_U64 && json_is_string(v) &&
        strcmp(json_string_value(v), "auto") == 0)
        v = NULL;
    if (v == NULL) {
        const char *bar = strchr(r->keys, '|');
        snprintf(key, sizeof key, "%.*s", bar ? (int)(bar - r->keys) : 60, r->keys);
        /* a state-space model has no attention heads to require */
        if (r->required && !(m->ssm != TMEM_SSM_NONE && !m->hybrid && r->field == TMEM_FIELD_N_HEAD)) {
            char msg[128];
            snprintf(msg, sizeof msg, "missing field (the model's %s)", key);
            fail(c, TMEM_ERR_MISSING_KEY, key, msg);
            return;
        }
    }
    uint64_t x = 0;
    bool b = false;
    switch (r->op) {
    case TMEM_CONFIG_OP_U64:
        if (v == NULL && !r->has_default)
            return;
        if (v == NULL)
            x = r->dflt;
        else if (!as_u64(c, v, key, &x))
            return;
        if (r->max != 0 && x > r->max) {
            char msg[128];
            snprintf(msg, sizeof msg, "is %llu but must be in [0, %llu]", (unsigned long long)x,
                     (unsigned long long)r->max);
            fail(c, TMEM_ERR_LIMIT, key, msg);
            return;
        }
        break;
    case TMEM_CONFIG_OP_BOOL:
        if (!rule_bool(c, r, v, key, &b))
            return;
        x = b;
        break;
    case TMEM_CONFIG_OP_SET_IF_TRUE:
    case TMEM_CONFIG_OP_SET_IF_FALSE:
        if (!rule_bool(c, r, v, key, &b) || b != (r->op == TMEM_CONFIG_OP_SET_IF_TRUE))
            return;
        x = r->value;
        break;
    case TMEM_CONFIG_OP_STR_IS: {
        const char *str = v ? as_str(c, v, key) : NULL;
        if (str == NULL)
            return;
        x = strcmp(str, r->str) == 0;
        break;
    }
    case TMEM_CONFIG_OP_LIST:
        if (v != NULL)
            read_list(c, v, key, m);
        return;
    case TMEM_CONFIG_OP_LAYER_TYPES:
        if (v == NULL || !read_layer_types(c, v, key, m, &x))
            return;
        break;
    case TMEM_CONFIG_OP_MIXER_TYPES:
        if (v != NULL)
            read_mixer_types(c, v, key, m);
        return;
    case TMEM_CONFIG_OP_POS:
        if (v == NULL && !r->has_default)
            return;
        if (v == NULL)
            x = r->dflt;
        else if (json_is_integer(v) && json_integer_value(v) <= 0)
            x = 0; /* HF's -1: unset */
        else if (!as_u64(c, v, key, &x))
            return;
        break;
    case TMEM_CONFIG_OP_HAS_STR:
        if (v == NULL || !has_str(c, v, key, r->str, &b))
            return;
        x = b;
        break;
    case TMEM_CONFIG_OP_SIZE:
        if (v == NULL && !r->has_default)
            return;
        if (v == NULL) {
            x = r->dflt;
            break;
        }
        if (!json_is_object(v) && !json_is_array(v)) {
            char msg[128];
            snprintf(msg, sizeof msg, "expected an object or array, got %s", tmem__json_kind(v));
            fail(c, TMEM_ERR_SCHEMA, key, msg);
            return;
        }
        x = json_is_object(v) ? json_object_size(v) : json_array_size(v);
        break;
    case TMEM_CONFIG_OP_STR_PREFIX: {
        const char *str = v ? as_str(c, v, key) : NULL;
        if (str == NULL)
            return;
        x = strncmp(str, r->str, strlen(r->str)) == 0;
        break;
    }
    case TMEM_CONFIG_OP_COUNT: return;
    }
    if (!tmem__model_set(m, r->field, x)) {
        char msg[128];
        snprintf(msg, sizeof msg, "is %llu, out of range for this field", (unsigned long long)x);
        fail(c, TMEM_ERR_LIMIT, key, msg);
    }
}

static void apply_all(struct cfg *c, const struct tmem_config_key *rules, struct tmem_model *m)
{
    for (; rules != NULL && rules->keys != NULL && c->st == TMEM_OK; rules++)
        apply(c, rules, m);
}

/* A dropout rate: a number in [0, 1] (HF writes 0 or 0.1). */
static void read_dropout(struct cfg *c, const struct tmem_dropout_key *k, double *out)
{
    char key[64];
    json_t *v = k->key ? lookup(c, k->key, key, sizeof key) : NULL;
    if (v == NULL)
        return;
    char msg[128];
    if (!json_is_number(v)) {
        snprintf(msg, sizeof msg, "expected a dropout rate, got %s", tmem__json_kind(v));
        fail(c, TMEM_ERR_SCHEMA, key, msg);
        return;
    }
    double p = json_number_value(v);
    if (!(p >= 0.0 && p <= 1.0)) {
        snprintf(msg, sizeof msg, "is %g but a dropout rate must be in [0, 1]", p);
        fail(c, TMEM_ERR_LIMIT, key, msg);
        return;
    }
    *out = p;
}

/* The keys every family shares, the MoE keys, the family's own keys and its
 * dropout rates, as its descriptor lists them. */
static void read_model(struct cfg *c, struct tmem_model *m)
{
    const struct tmem_family_info *fi = tmem_family_info(m->family);
    apply_all(c, tmem__config_keys_common(), m);
    if (fi->moe)
        apply_all(c, tmem__config_keys_moe(), m);
    apply_all(c, fi->config, m);
    for (int k = 0; k < TMEM_DROPOUT_COUNT && c->st == TMEM_OK; k++)
        read_dropout(c, &fi->dropout[k], &m->dropout[k]);
}

void tmem__load_note(const struct tmem_load_opts *o, const char *line)
{
    if (o == NULL || o->notes == NULL || o->notes_cap == 0)
        return;
    size_t used = strlen(o->notes);
    snprintf(o->notes + used, o->notes_cap - used, "%s%s", used ? "\n" : "", line);
}

/* model_types of kinds tmem does not count (an HF config with one of these
 * is not a decoder-only transformer) */
static const struct {
    const char *kind, *types;
} unsupported[] = {
    {"an encoder", "distilbert|albert|electra|deberta|camembert|mpnet|ernie|nomic_bert|xlm"},
    {"an encoder-decoder", "marian|longt5|switch_transformers|"
                           "prophetnet|led|fsmt|blenderbot|m2m_100|nllb-moe|whisper|"
                           "speech_to_text|seamless_m4t"},
    {"a hybrid or recurrent", "rwkv|rwkv5|rwkv6|falcon_mamba|xlstm|recurrent_gemma|"
                               "nemotron_h|zamba|zamba2|bamba"},
    {"a vision or multimodal", "llava_onevision|clip|siglip|vit|blip|blip-2|"
                               "idefics|idefics2|idefics3|paligemma|qwen2_vl|mllama|"
                               "pixtral|chameleon|fuyu|kosmos-2|git|instructblip|vision-encoder-decoder"},
};

const char *tmem__unsupported_kind(const char *model_type)
{
    for (size_t k = 0; model_type != NULL && k < sizeof unsupported / sizeof unsupported[0]; k++)
        if (tmem__name_in_list(unsupported[k].types, model_type))
            return unsupported[k].kind;
    return NULL;
}

/* The first `architectures` class a descriptor names, or TMEM_FAMILY_COUNT. */
static enum tmem_family family_from_architectures(struct cfg *c, const char **cls)
{
    json_t *a = json_object_get(c->root, "architectures");
    *cls = NULL;
    if (!json_is_array(a))
        return TMEM_FAMILY_COUNT;
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        if (!json_is_string(v))
            continue;
        if (*cls == NULL)
            *cls = json_string_value(v);
        enum tmem_family f = tmem_family_from_class(json_string_value(v));
        if (f != TMEM_FAMILY_COUNT) {
            *cls = json_string_value(v);
            return f;
        }
    }
    return TMEM_FAMILY_COUNT;
}

/* An unknown model_type: a best-effort layout from the standard HF keys.
 * The norm from which *_eps key the config has, the MLP from its
 * activation, experts from num_local_experts / num_experts; the rest of
 * the layout from the family closest to that (tmem__family_like), with
 * every bias, extra norm and tying reset to what the standard keys say. */
static void best_effort(struct cfg *c, const char *type, const char *cls,
                        const struct tmem_load_opts *o, struct tmem_model *m)
{
    char used[64];
    enum tmem_norm_kind norm = TMEM_NORM_RMSNORM;
    const char *norm_why = "RMSNorm (no rms_norm_eps or layer_norm_eps key)";
    if (lookup(c, "rms_norm_eps", used, sizeof used) != NULL) {
        norm_why = "RMSNorm from rms_norm_eps";
    } else if (lookup(c, "layer_norm_eps|layer_norm_epsilon", used, sizeof used) != NULL) {
        norm = TMEM_NORM_LAYERNORM;
        norm_why = "LayerNorm with bias from layer_norm_eps";
    }
    const char *act = get_str(c, "hidden_act|hidden_activation|activation_function");
    if (c->st != TMEM_OK)
        return;
    bool gated = act == NULL ? norm == TMEM_NORM_RMSNORM
                             : strcmp(act, "silu") == 0 || strcmp(act, "swish") == 0 ||
                                   (norm == TMEM_NORM_RMSNORM && strncmp(act, "gelu", 4) == 0);
    uint64_t n_expert = 0;
    json_t *e = lookup(c, "num_local_experts|num_experts|n_routed_experts", used, sizeof used);
    if (e != NULL && !as_u64(c, e, used, &n_expert))
        return;
    enum tmem_family f =
        tmem__family_like(norm, gated ? TMEM_MLP_GATED : TMEM_MLP_PLAIN, n_expert > 0);
    tmem_model_init(m, f, NULL);
    m->norm = norm;
    m->mlp = gated ? TMEM_MLP_GATED : TMEM_MLP_PLAIN;
    m->n_norm_per_layer = 2;
    m->qkv_bias = m->o_bias = m->mlp_bias = m->lm_head_bias = false;
    m->qk_norm = m->embed_norm = m->learned_pos = false;
    m->router_bias = m->shared_expert_gate = false;
    m->moe_layer_phase = 0;
    m->tied = true; /* PretrainedConfig's default: a config.json omits it when true */
    apply_all(c, tmem__config_keys_common(), m);
    if (n_expert > 0)
        apply_all(c, tmem__config_keys_moe(), m);
    apply_all(c, tmem__config_keys_generic(), m);
    if (c->st != TMEM_OK)
        return;

    char what[96], q[TMEM_QUOTE_CAP], line[768];
    if (type != NULL)
        snprintf(what, sizeof what, "unknown model_type %s", tmem__quote(q, type));
    else
        snprintf(what, sizeof what, "no model_type and unknown architectures %s",
                 tmem__quote(q, cls));
    char act_why[96];
    if (act != NULL)
        snprintf(act_why, sizeof act_why, "from hidden_act %s", tmem__quote(q, act));
    else
        snprintf(act_why, sizeof act_why, "(no hidden_act key)");
    const char *bias = m->qkv_bias && m->mlp_bias ? "biases on attention and MLP (attention_bias, mlp_bias)"
                       : m->qkv_bias              ? "attention biases (attention_bias), none on the MLP"
                       : m->mlp_bias              ? "MLP biases (mlp_bias), none on attention"
                                                  : "no biases";
    snprintf(line, sizeof line,
             "%s: counted as a %s-style decoder (%s, %s MLP %s, %s%s, %s embeddings%s); a best "
             "effort that may be off (norms, q/k norms, biases or parallel blocks the standard keys "
             "do not name are missed): pass --family NAME to choose the layout",
             what, tmem_family_info(f)->name, norm_why, gated ? "gated" : "plain", act_why, bias,
             n_expert > 0 ? ", routed experts from num_local_experts" : "",
             m->tied ? "tied" : "untied",
             lookup(c, "tie_word_embeddings", used, sizeof used) ? "" : " (no tie_word_embeddings: PretrainedConfig's default)");
    char close[128];
    if (type != NULL) {
        tmem__close_family_names(type, close, sizeof close);
        if (close[0]) {
            size_t n = strlen(line);
            snprintf(line + n, sizeof line - n, " (closest known model_types: %s)", close);
        }
    }
    tmem__load_note(o, line);
}

enum tmem_status tmem__hf_config_parse(const char *text, size_t len, const char *where,
                                       struct tmem_model *out, struct tmem_error *err)
{
    return tmem__hf_config_parse_opts(text, len, where, NULL, out, err);
}

enum tmem_status tmem__hf_config_parse_opts(const char *text, size_t len, const char *where,
                                            const struct tmem_load_opts *o,
                                            struct tmem_model *out, struct tmem_error *err)
{
    struct cfg c = {.where = where ? where : "config.json", .err = err, .st = TMEM_OK};
    if (o != NULL && o->notes != NULL && o->notes_cap > 0)
        o->notes[0] = '\0';
    json_error_t jerr;
    c.root = tmem__json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (c.root == NULL) {
        char pos[96];
        snprintf(pos, sizeof pos, "%d:%d", jerr.line, jerr.column);
        fail(&c, tmem__json_load_status(&jerr), pos, jerr.text);
        if (err)
            err->offset = (uint64_t)(jerr.position > 0 ? jerr.position : 0);
        return c.st;
    }
    if (!json_is_object(c.root)) {
        fail(&c, TMEM_ERR_SCHEMA, NULL, "expected a JSON object at the top level");
        json_decref(c.root);
        return c.st;
    }

    /* A multimodal wrapper (Mistral3ForConditionalGeneration, Llama4's
     * model_type llama4, LLaVA, Gemma-3) keeps its decoder in text_config:
     * with no family of its own and no --family, the text stack is what is
     * counted; a vision tower hf_vision.c knows is counted beside it */
    json_t *top = c.root;
    const char *top_type = get_str(&c, "model_type");
    json_t *text_config = json_object_get(top, "text_config");
    char text_where[TMEM_ERROR_WHERE_LEN];
    const char *vl_text_type = NULL;
    bool vl = (o == NULL || o->family == NULL) && tmem__hf_vision_type(top_type, &vl_text_type);
    if (c.st == TMEM_OK && json_is_object(text_config) && (o == NULL || o->family == NULL) &&
        (top_type == NULL || vl || tmem_family_from_name(top_type) == TMEM_FAMILY_COUNT)) {
        char tq[TMEM_QUOTE_CAP], tline[512];
        snprintf(text_where, sizeof text_where, "%s:text_config", c.where);
        snprintf(tline, sizeof tline,
                 vl ? "model_type %s: counted the text stack in text_config and the vision tower "
                      "and projector in vision_config"
                    : "model_type %s: counted the text stack in text_config; the vision tower and "
                      "projector are not counted",
                 top_type ? tmem__quote(tq, top_type) : "(none)");
        tmem__load_note(o, tline);
        c.root = text_config;
        c.where = text_where;
        vl_text_type = NULL;
    }

    const char *type = vl_text_type ? vl_text_type : get_str(&c, "model_type");
    struct tmem_model m;
    char q[TMEM_QUOTE_CAP], msg[TMEM_ERROR_MSG_LEN], line[512];
    enum tmem_family f = TMEM_FAMILY_COUNT;
    const char *cls = NULL;
    bool guess = false;
    if (c.st == TMEM_OK && o != NULL && o->family != NULL) {
        f = tmem_family_from_name(o->family);
        if (f == TMEM_FAMILY_COUNT) {
            snprintf(msg, sizeof msg, "unknown family %s", tmem__quote(q, o->family));
            c.st = TMEM_ERR_UNSUPPORTED;
            tmem__fail(err, c.st, "family", msg);
        } else if (type == NULL || tmem_family_from_name(type) != f) {
            snprintf(line, sizeof line, "--family %s: counted with %s's layout and keys%s%s",
                     tmem_family_info(f)->name, tmem_family_info(f)->name,
                     type ? ", not by the config's model_type " : "", type ? tmem__quote(q, type) : "");
            tmem__load_note(o, line);
        }
    }
    if (c.st == TMEM_OK && f == TMEM_FAMILY_COUNT && type != NULL) {
        f = tmem_family_from_name(type);
        const char *kind = f == TMEM_FAMILY_COUNT ? tmem__unsupported_kind(type) : NULL;
        if (kind != NULL) {
            snprintf(msg, sizeof msg, "model_type %s is %s model: %s", tmem__quote(q, type), kind,
                     TMEM_UNSUPPORTED_KINDS);
            fail(&c, TMEM_ERR_UNSUPPORTED, "model_type", msg);
        }
    }
    if (c.st == TMEM_OK && f == TMEM_FAMILY_COUNT) {
        f = family_from_architectures(&c, &cls);
        if (f != TMEM_FAMILY_COUNT && type != NULL) {
            snprintf(line, sizeof line, "unknown model_type %s: counted as %s, from architectures %s",
                     tmem__quote(q, type), tmem_family_info(f)->name, cls);
            tmem__load_note(o, line);
        }
    }
    if (c.st == TMEM_OK && f == TMEM_FAMILY_COUNT) {
        if (type == NULL && cls == NULL) {
            fail(&c, TMEM_ERR_MISSING_KEY, "model_type",
                 "missing field (model_type, or architectures, picks the family; --family NAME "
                 "chooses one)");
        } else {
            guess = true;
            best_effort(&c, type, cls, o, &m);
            if (c.st == TMEM_ERR_MISSING_KEY && type != NULL) {
                /* no best effort without the sizes: say what was unknown */
                char close[128], key[128], full[512];
                tmem__close_family_names(type, close, sizeof close);
                memcpy(key, c.bad_key, sizeof key);
                snprintf(full, sizeof full,
                         "unknown model_type %s (closest known: %s); a best-effort count needs %s, "
                         "missing here",
                         tmem__quote(q, type), close[0] ? close : "none", key);
                c.st = TMEM_OK;
                fail(&c, TMEM_ERR_UNSUPPORTED, "model_type", full);
            }
        }
    } else if (c.st == TMEM_OK) {
        tmem_model_init(&m, f, NULL);
        read_model(&c, &m);
        if (m.encoder) { /* the head the architectures class names (BertForMaskedLM) */
            const char *first = NULL;
            (void)family_from_architectures(&c, &first);
            m.head = tmem__head_from_class(first, m.head);
        }
    }
    if (c.st == TMEM_OK && guess) {
        for (int k = 0; k < TMEM_DROPOUT_COUNT && c.st == TMEM_OK; k++)
            read_dropout(&c, &tmem_family_info(m.family)->dropout[k], &m.dropout[k]);
    }
    if (c.st == TMEM_OK && vl)
        c.st = tmem__hf_vision_read(top, top_type, where ? where : "config.json", &m.vision, err);
    if (c.st == TMEM_OK) {
        json_t *name = json_object_get(top, "_name_or_path");
        if (json_is_string(name))
            tmem__copy_marked(m.name, sizeof m.name, json_string_value(name));
        *out = m;
    }
    json_decref(top);
    return c.st;
}
