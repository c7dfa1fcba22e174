/* ckpt_names.c — which group a checkpoint tensor belongs to, from its name
 * alone, for HuggingFace names (model.layers.0.self_attn.q_proj.weight,
 * h.0.attn.c_attn.weight, ...) and llama.cpp GGUF names
 * (blk.0.attn_q.weight, token_embd.weight, ...); and which layer it is in.
 * The groups are `tmem params`' plus "other" for what the formula does not
 * count: buffers, vision towers, quantization scales, unknown names.
 * T5's names (shared, block.N.layer.M.SelfAttention / EncDecAttention,
 * DenseReluDense, relative_attention_bias: an embedding table in tmem's
 * inventory) and BART's (shared, encoder_attn, fc1/fc2) included.
 * The rules are ordered: the first that matches decides. */
#include "checked.h"
#include "ckpt_internal.h"

#include <stdio.h>

#include <string.h>

static const char *const reason_text[TMEM_CKPT_REASON_COUNT] = {
    [TMEM_CKPT_REASON_NONE] = "a parameter",
    [TMEM_CKPT_REASON_ROTARY] = "rotary-embedding buffer (inv_freq / rope factors), not a parameter",
    [TMEM_CKPT_REASON_MASK] = "causal-mask buffer (attn.bias), not a parameter",
    [TMEM_CKPT_REASON_VISION] = "vision or audio tower, outside the language model's formula",
    [TMEM_CKPT_REASON_QUANT] = "quantization scales or zero points",
    [TMEM_CKPT_REASON_UNKNOWN] = "a name no rule knows",
};

const char *tmem_ckpt_reason_text(enum tmem_ckpt_reason r)
{
    return (unsigned)r < TMEM_CKPT_REASON_COUNT ? reason_text[r] : "?";
}

const char *tmem_ckpt_group_name(unsigned g)
{
    return g < (unsigned)TMEM_GROUP_COUNT ? tmem_group_name((enum tmem_group)g) : "other";
}

/* Which byte pairs occur in a name, as a 1024-bit set: a pattern with a
 * pair the name lacks cannot occur in it, which spares most of the
 * strstr calls tmem_ckpt_classify makes (bench/bench_inspect.c). */
struct pairs {
    uint64_t bits[16];
};

static unsigned pair_bit(const char *s) { return ((unsigned char)s[0] * 31u + (unsigned char)s[1]) & 1023u; }

static void pairs_of(const char *s, struct pairs *p)
{
    memset(p, 0, sizeof *p);
    for (; s[0] && s[1]; s++)
        p->bits[pair_bit(s) >> 6] |= UINT64_C(1) << (pair_bit(s) & 63);
}

static bool may_have(const struct pairs *p, const char *part)
{
    for (; part[0] && part[1]; part++)
        if (!(p->bits[pair_bit(part) >> 6] >> (pair_bit(part) & 63) & 1))
            return false;
    return true;
}

static bool has(const struct pairs *p, const char *s, const char *part)
{
    return may_have(p, part) && strstr(s, part) != NULL;
}

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool ends_n(const char *s, size_t n, const char *suffix, size_t k)
{
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

static bool ends(const char *s, const char *suffix) { return ends_n(s, strlen(s), suffix, strlen(suffix)); }

/* name (len bytes) ends with the string literal lit */
#define ENDS(lit) ends_n(name, len, lit, sizeof lit - 1)

/* a dot-separated segment of s equal to seg, or starting with it when
 * prefix is set */
static bool segment(const struct pairs *pr, const char *s, const char *seg, bool prefix)
{
    if (!may_have(pr, seg))
        return false;
    size_t k = strlen(seg);
    for (const char *p = s; (p = strstr(p, seg)) != NULL; p++) {
        if (p != s && p[-1] != '.')
            continue;
        if (prefix || p[k] == '\0' || p[k] == '.')
            return true;
    }
    return false;
}

/* the name ends "<seg>.<last>" where the segment before `last` is exactly seg */
static bool ends_segment(const char *s, const char *seg_dot_last)
{
    size_t n = strlen(s), k = strlen(seg_dot_last);
    return n >= k && strcmp(s + n - k, seg_dot_last) == 0 && (n == k || s[n - k - 1] == '.');
}

unsigned tmem_ckpt_classify(const char *name, enum tmem_ckpt_reason *reason)
{
    enum tmem_ckpt_reason r = TMEM_CKPT_REASON_NONE;
    const size_t len = strlen(name);
    struct pairs pr;
    pairs_of(name, &pr);
    unsigned g;
    if (has(&pr, name, "vision_tower") || has(&pr, name, "vision_model") || segment(&pr, name, "visual", false) ||
        has(&pr, name, "multi_modal_projector") || has(&pr, name, "mm_projector") ||
        has(&pr, name, "vision_encoder") || has(&pr, name, "audio_tower") || has(&pr, name, "image_newline") ||
        starts(name, "v.blk.") || starts(name, "mm.")) {
        r = TMEM_CKPT_REASON_VISION;
        g = TMEM_CKPT_GROUP_OTHER;
    } else if (has(&pr, name, "inv_freq") || starts(name, "rope_freqs") || has(&pr, name, "rope_factors") ||
               has(&pr, name, "rotary_emb")) {
        r = TMEM_CKPT_REASON_ROTARY;
        g = TMEM_CKPT_GROUP_OTHER;
    } else if (ends_segment(name, "attn.bias") || ends_segment(name, "attn.masked_bias") ||
               ends_segment(name, "attention.bias") ||
               ends_segment(name, "attention.masked_bias")) {
        r = TMEM_CKPT_REASON_MASK;
        g = TMEM_CKPT_GROUP_OTHER;
    } else if (ENDS("_scale_inv") || ENDS(".weight_scale") ||
               ENDS(".input_scale") || ENDS(".qzeros") || ENDS(".scales") ||
               ENDS(".g_idx") || ENDS(".absmax") || ENDS(".quant_map") ||
               has(&pr, name, ".quant_state") || ENDS(".nested_absmax") ||
               ENDS(".nested_quant_map") || ENDS(".SCB") ||
               ENDS(".weight_format") || ENDS(".weight_shape") ||
               ENDS(".weight_zero_point") || ENDS(".weight_scale_2") ||
               ENDS(".weight_global_scale") || ENDS(".input_global_scale") ||
               ENDS("_proj_scales")) {
        r = TMEM_CKPT_REASON_QUANT;
        g = TMEM_CKPT_GROUP_OTHER;
    } else if (starts(name, "lm_head") || has(&pr, name, ".lm_head.") || segment(&pr, name, "embed_out", false) ||
               starts(name, "output.")) {
        g = TMEM_GROUP_LM_HEAD;
    } else if (has(&pr, name, "shared_expert_gate") || has(&pr, name, "mlp.gate.") ||
               has(&pr, name, "block_sparse_moe.gate.") || has(&pr, name, "moe.gate.") ||
               has(&pr, name, "e_score_correction_bias") || has(&pr, name, "ffn_gate_inp") ||
               has(&pr, name, "exp_probs_b") || segment(&pr, name, "router", false)) {
        g = TMEM_GROUP_ROUTER;
    } else if (has(&pr, name, "shared_expert") || has(&pr, name, "_shexp")) {
        g = TMEM_GROUP_SHARED_EXPERTS;
    } else if (has(&pr, name, ".experts.") || has(&pr, name, "_exps")) {
        g = TMEM_GROUP_EXPERTS;
    } else if (segment(&pr, name, "mixer", false) || segment(&pr, name, "ssm_", true)) {
        /* Mamba's mixer (HF backbone.layers.N.mixer.*, llama.cpp blk.N.ssm_in,
         * ssm_conv1d, ssm_x, ssm_dt, ssm_a, ssm_d, ssm_norm, ssm_out), its
         * gated norm included */
        g = TMEM_GROUP_SSM;
    } else if (has(&pr, name, "norm") || segment(&pr, name, "ln_", true) || segment(&pr, name, "ln", false)) {
        g = TMEM_GROUP_NORM;
    } else if (has(&pr, name, "relative_attention_bias") || segment(&pr, name, "shared", false) ||
               has(&pr, name, "embed") || has(&pr, name, "embd") || segment(&pr, name, "wte", false) || segment(&pr, name, "wpe", false) ||
               segment(&pr, name, "token_types", false) || /* llama.cpp BERT's token-type table */
               has(&pr, name, "word_embeddings") || segment(&pr, name, "project_in", false) ||
               segment(&pr, name, "project_out", false)) {
        g = TMEM_GROUP_EMBEDDING;
    } else if (has(&pr, name, "attn") || has(&pr, name, "attention") || segment(&pr, name, "q_proj", false) ||
               segment(&pr, name, "k_proj", false) || segment(&pr, name, "v_proj", false) ||
               segment(&pr, name, "o_proj", false) || segment(&pr, name, "query_key_value", false) ||
               has(&pr, name, "Attention")) { /* T5 SelfAttention, EncDecAttention */
        g = TMEM_GROUP_ATTENTION;
    } else if (has(&pr, name, "mlp") || has(&pr, name, "ffn") || has(&pr, name, "feed_forward") ||
               has(&pr, name, "DenseReluDense") ||
               segment(&pr, name, "fc1", false) || segment(&pr, name, "fc2", false) ||
               has(&pr, name, "dense_h_to_4h") || has(&pr, name, "dense_4h_to_h")) {
        g = TMEM_GROUP_MLP;
    } else {
        r = TMEM_CKPT_REASON_UNKNOWN;
        g = TMEM_CKPT_GROUP_OTHER;
    }
    if (reason)
        *reason = r;
    return g;
}

const char *tmem__ckpt_layer_at(const char *name, int32_t *layer)
{
    /* (T5's encoder.block.N.layer.M: the block is the layer, M its sub-layer) */
    static const char *const keys[] = {"layers.", "h.", "blk.", "block.", "layer.", "blocks."};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        size_t kl = strlen(keys[k]);
        for (const char *p = name; (p = strstr(p, keys[k])) != NULL; p++) {
            if (p != name && p[-1] != '.')
                continue;
            const char *d = p + kl;
            if (*d < '0' || *d > '9')
                continue;
            int64_t v = 0;
            while (*d >= '0' && *d <= '9' && v < INT32_MAX / 10)
                v = v * 10 + (*d++ - '0');
            if (*d == '.' || *d == '\0') {
                *layer = (int32_t)v;
                return d;
            }
        }
    }
    return NULL;
}

int32_t tmem_ckpt_layer_of(const char *name)
{
    int32_t l;
    return tmem__ckpt_layer_at(name, &l) ? l : -1;
}

/* the tensor <module><suffix> beside `name` (which ends in `own`), or NULL */
static const struct tmem_ckpt_tensor *sibling(struct tmem_ckpt *c, const char *name,
                                              const char *own, const char *suffix)
{
    char buf[1024];
    size_t n = strlen(name), k = strlen(own);
    if (n < k || n - k + strlen(suffix) >= sizeof buf)
        return NULL;
    memcpy(buf, name, n - k);
    snprintf(buf + (n - k), sizeof buf - (n - k), "%s", suffix);
    int64_t i = tmem_ckpt_find(c, buf);
    return i >= 0 ? &c->tensors[i] : NULL;
}

/* Logical parameters of a packed safetensors weight (else n_elems):
 *   X.qweight I32   GPTQ [in·b/32, out] (rows ≠ in): in from X.g_idx [in];
 *                   AWQ [in, out·b/32]: in = rows; out from X.scales [groups, out]
 *   X.weight_packed compressed-tensors int32 words of 4-bit weights: × 8
 *   X.weight U8     beside X.weight.absmax (bitsandbytes 4-bit) or an fp8
 *                   X.weight_scale (nvfp4): two 4-bit weights per byte
 *   *_blocks U8     mxfp4: two 4-bit weights per byte
 * REF: AutoGPTQ / AutoAWQ QuantLinear; compressed-tensors pack_to_int32;
 *      bitsandbytes Params4bit; gpt-oss mxfp4 blocks. */
static uint64_t logical_params(struct tmem_ckpt *c, const struct tmem_ckpt_tensor *t)
{
    if (c->format != TMEM_CKPT_SAFETENSORS)
        return t->n_elems;
    const char *nm = t->name;
    uint64_t p;
    if (ends(nm, ".qweight") && t->n_dims == 2 && t->type == TMEM_ST_I32) {
        const struct tmem_ckpt_tensor *sc = sibling(c, nm, ".qweight", ".scales");
        const struct tmem_ckpt_tensor *gi = sibling(c, nm, ".qweight", ".g_idx");
        if (sc == NULL || sc->n_dims != 2)
            return t->n_elems;
        uint64_t out = sc->dims[1];
        uint64_t in = t->dims[1] == out ? (gi && gi->n_dims == 1 ? gi->dims[0] : t->dims[0] * 8)
                                        : t->dims[0];
        return tmem_mul_u64(in, out, &p) ? p : t->n_elems;
    }
    if (ends(nm, ".weight_packed") && t->type == TMEM_ST_I32)
        return tmem_mul_u64(t->n_elems, 8, &p) ? p : t->n_elems;
    bool u8 = t->type == TMEM_ST_U8;
    if (u8 && ends(nm, "_blocks"))
        return tmem_mul_u64(t->n_elems, 2, &p) ? p : t->n_elems;
    if (u8 && ends(nm, ".weight")) {
        const struct tmem_ckpt_tensor *ws = sibling(c, nm, ".weight", ".weight_scale");
        if (sibling(c, nm, ".weight", ".weight.absmax") != NULL ||
            (ws != NULL && ws->type == TMEM_ST_F8_E4M3))
            return tmem_mul_u64(t->n_elems, 2, &p) ? p : t->n_elems;
    }
    return t->n_elems;
}

/* name with every all-digit dot-separated segment written "#"
 * ("model.layers.12.mlp.experts.7.up_proj.weight" → "model.layers.#.mlp.
 * experts.#.up_proj.weight") into buf[cap]: its length, or SIZE_MAX when it
 * does not fit. tmem_ckpt_classify gives such a name the group of the
 * original: no pattern it looks for contains '#' or a digit next to a '.',
 * and its segment tests compare whole segments, none all digits. */
static size_t digits_as_hash(const char *name, char *buf, size_t cap)
{
    size_t o = 0;
    bool seg_start = true;
    for (const char *p = name;;) {
        char ch = *p;
        if (seg_start && ch >= '0' && ch <= '9') {
            const char *e = p + 1;
            while (*e >= '0' && *e <= '9')
                e++;
            if (*e == '.' || *e == '\0') {
                if (o + 1 >= cap)
                    return SIZE_MAX;
                buf[o++] = '#';
                p = e;
                seg_start = false;
                continue;
            }
        }
        if (ch == '\0')
            break;
        if (o + 1 >= cap)
            return SIZE_MAX;
        buf[o++] = ch;
        seg_start = ch == '.';
        p++;
    }
    buf[o] = '\0';
    return o;
}

/* The groups of the name patterns seen so far (digits_as_hash keys), by
 * open addressing: a 90,000-tensor checkpoint repeats a few hundred
 * patterns (layer and expert numbers aside), so each is classified once.
 * The table is an optional buffer: without it (out of memory), or once it
 * is full, names are classified one by one, with the same result. */
struct pattern {
    uint64_t hash;
    uint32_t key_at; /* in the pool; UINT32_MAX: an empty slot */
    uint16_t key_len;
    uint8_t group, reason;
};

struct patterns {
    struct pattern *slots;
    char *pool;
    size_t mask, n, max, pool_used, pool_cap;
};

enum { PATTERNS_MAX = 4096, PATTERN_KEY_CAP = 192 };

static void patterns_init(struct patterns *p, uint32_t n_tensors)
{
    memset(p, 0, sizeof *p);
    p->max = n_tensors < PATTERNS_MAX ? n_tensors : PATTERNS_MAX;
    size_t slots = 16;
    while (slots < 2 * p->max)
        slots *= 2;
    p->pool_cap = p->max * 64; /* keys average well under 64 bytes; a full pool stops inserting */
    p->slots = tmem__alloc(slots * sizeof *p->slots + p->pool_cap);
    if (p->slots == NULL)
        return;
    p->pool = (char *)(p->slots + slots);
    p->mask = slots - 1;
    for (size_t i = 0; i < slots; i++)
        p->slots[i].key_at = UINT32_MAX;
}

/* the slot of key (hash h): its own, or the empty one where it would go */
static struct pattern *patterns_slot(struct patterns *p, const char *key, size_t len, uint64_t h)
{
    for (size_t i = (size_t)h & p->mask;; i = (i + 1) & p->mask) {
        struct pattern *s = &p->slots[i];
        if (s->key_at == UINT32_MAX ||
            (s->hash == h && s->key_len == len && memcmp(p->pool + s->key_at, key, len) == 0))
            return s;
    }
}

/* A GGUF integer key's value (false when absent or not a non-negative integer). */
static bool kv_int(const struct tmem_ckpt *c, const char *key, uint64_t *out)
{
    return tmem_ckpt_kv_u64(tmem_ckpt_kv_find(c, key), out);
}

/* llama.cpp's hybrids say by metadata which layers are recurrent: those
 * whose entry of the per-layer <arch>.attention.head_count_kv is 0 (Jamba,
 * Granite-4.0-H: llama-model.cpp recurrent_layer_arr[i] = n_head_kv(i) ==
 * 0) or, with <arch>.full_attention_interval k, those with (i + 1) % k != 0
 * (Qwen3-Next). A recurrent layer has no attention, so its attn_* tensors
 * (Qwen3-Next's linear attention: attn_qkv, attn_gate) are its SSM mixer's. */
static void regroup_recurrent(struct tmem_ckpt *c)
{
    const struct tmem_ckpt_kv *ak = tmem_ckpt_kv_find(c, "general.architecture");
    if (ak == NULL || ak->type != TMEM_GGUF_STRING)
        return;
    char key[160];
    snprintf(key, sizeof key, "%s.attention.head_count_kv", ak->str);
    const struct tmem_ckpt_kv *hk = tmem_ckpt_kv_find(c, key);
    const bool per_layer = hk && hk->type == TMEM_GGUF_ARRAY && hk->elems != NULL;
    uint64_t interval = 0;
    snprintf(key, sizeof key, "%s.full_attention_interval", ak->str);
    if (!per_layer && (!kv_int(c, key, &interval) || interval == 0))
        return;
    for (uint32_t i = 0; i < c->n_tensors; i++) {
        struct tmem_ckpt_tensor *t = &c->tensors[i];
        if (t->group != TMEM_GROUP_ATTENTION || t->layer < 0)
            continue;
        uint64_t l = (uint64_t)t->layer, kv_heads = 1;
        bool recurrent = per_layer ? tmem_ckpt_kv_elem_u64(hk, l, &kv_heads) && kv_heads == 0
                                   : (l + 1) % interval != 0;
        if (recurrent)
            t->group = TMEM_GROUP_SSM;
    }
}

void tmem__ckpt_classify_all(struct tmem_ckpt *c)
{
    struct patterns pat;
    patterns_init(&pat, c->n_tensors);
    for (uint32_t i = 0; i < c->n_tensors; i++) {
        struct tmem_ckpt_tensor *t = &c->tensors[i];
        char key[PATTERN_KEY_CAP];
        size_t len = pat.slots ? digits_as_hash(t->name, key, sizeof key) : SIZE_MAX;
        struct pattern *s = NULL;
        if (len != SIZE_MAX) {
            uint64_t h = tmem__name_hash(key, len);
            s = patterns_slot(&pat, key, len, h);
            if (s->key_at != UINT32_MAX) {
                t->group = s->group;
                t->reason = s->reason;
            } else if (pat.n < pat.max && pat.pool_cap - pat.pool_used >= len) {
                memcpy(pat.pool + pat.pool_used, key, len);
                s->hash = h;
                s->key_at = (uint32_t)pat.pool_used;
                s->key_len = (uint16_t)len;
                pat.pool_used += len;
                pat.n++;
                enum tmem_ckpt_reason r;
                s->group = t->group = (uint8_t)tmem_ckpt_classify(t->name, &r);
                s->reason = t->reason = (uint8_t)r;
            } else {
                s = NULL; /* the table is full */
            }
        }
        if (s == NULL) {
            enum tmem_ckpt_reason r;
            t->group = (uint8_t)tmem_ckpt_classify(t->name, &r);
            t->reason = (uint8_t)r;
        }
        t->layer = tmem_ckpt_layer_of(t->name);
    }
    tmem__dealloc(pat.slots);
    if (c->format == TMEM_CKPT_GGUF)
        regroup_recurrent(c);
    for (uint32_t i = 0; i < c->n_tensors; i++) {
        struct tmem_ckpt_tensor *t = &c->tensors[i];
        t->n_params = t->reason == TMEM_CKPT_REASON_QUANT ? 0 : logical_params(c, t);
    }
}
