/* ckpt_names.c — which group a checkpoint tensor belongs to, from its name
 * alone, for HuggingFace names (model.layers.0.self_attn.q_proj.weight,
 * h.0.attn.c_attn.weight, ...) and llama.cpp GGUF names
 * (blk.0.attn_q.weight, token_embd.weight, ...); and which layer it is in.
 * The groups are `tmem params`' plus "other" for what the formula does not
 * count: buffers, vision towers, quantization scales, unknown names.
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

static bool has(const char *s, const char *part) { return strstr(s, part) != NULL; }

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool ends(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* a dot-separated segment of s equal to seg, or starting with it when
 * prefix is set */
static bool segment(const char *s, const char *seg, bool prefix)
{
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
    unsigned g;
    if (has(name, "vision_tower") || has(name, "vision_model") || segment(name, "visual", false) ||
        has(name, "multi_modal_projector") || has(name, "mm_projector") ||
        has(name, "vision_encoder") || has(name, "audio_tower") || has(name, "image_newline") ||
        starts(name, "v.blk.") || starts(name, "mm.")) {
        r = TMEM_CKPT_REASON_VISION;
        g = TMEM_CKPT_GROUP_OTHER;
    } else if (has(name, "inv_freq") || starts(name, "rope_freqs") || has(name, "rope_factors") ||
               has(name, "rotary_emb")) {
        r = TMEM_CKPT_REASON_ROTARY;
        g = TMEM_CKPT_GROUP_OTHER;
    } else if (ends_segment(name, "attn.bias") || ends_segment(name, "attn.masked_bias") ||
               ends_segment(name, "attention.bias") ||
               ends_segment(name, "attention.masked_bias")) {
        r = TMEM_CKPT_REASON_MASK;
        g = TMEM_CKPT_GROUP_OTHER;
    } else if (ends(name, "_scale_inv") || ends(name, ".weight_scale") ||
               ends(name, ".input_scale") || ends(name, ".qzeros") || ends(name, ".scales") ||
               ends(name, ".g_idx") || ends(name, ".absmax") || ends(name, ".quant_map") ||
               has(name, ".quant_state") || ends(name, ".nested_absmax") ||
               ends(name, ".nested_quant_map") || ends(name, ".SCB") ||
               ends(name, ".weight_format") || ends(name, ".weight_shape") ||
               ends(name, ".weight_zero_point") || ends(name, ".weight_scale_2") ||
               ends(name, ".weight_global_scale") || ends(name, ".input_global_scale") ||
               ends(name, "_proj_scales")) {
        r = TMEM_CKPT_REASON_QUANT;
        g = TMEM_CKPT_GROUP_OTHER;
    } else if (starts(name, "lm_head") || has(name, ".lm_head.") || segment(name, "embed_out", false) ||
               starts(name, "output.")) {
        g = TMEM_GROUP_LM_HEAD;
    } else if (has(name, "shared_expert_gate") || has(name, "mlp.gate.") ||
               has(name, "block_sparse_moe.gate.") || has(name, "moe.gate.") ||
               has(name, "e_score_correction_bias") || has(name, "ffn_gate_inp") ||
               has(name, "exp_probs_b") || segment(name, "router", false)) {
        g = TMEM_GROUP_ROUTER;
    } else if (has(name, "shared_expert") || has(name, "_shexp")) {
        g = TMEM_GROUP_SHARED_EXPERTS;
    } else if (has(name, ".experts.") || has(name, "_exps")) {
        g = TMEM_GROUP_EXPERTS;
    } else if (has(name, "norm") || segment(name, "ln_", true) || segment(name, "ln", false)) {
        g = TMEM_GROUP_NORM;
    } else if (has(name, "embed") || has(name, "embd") || segment(name, "wte", false) || segment(name, "wpe", false) ||
               has(name, "word_embeddings") || segment(name, "project_in", false) ||
               segment(name, "project_out", false)) {
        g = TMEM_GROUP_EMBEDDING;
    } else if (has(name, "attn") || has(name, "attention") || segment(name, "q_proj", false) ||
               segment(name, "k_proj", false) || segment(name, "v_proj", false) ||
               segment(name, "o_proj", false) || segment(name, "query_key_value", false)) {
        g = TMEM_GROUP_ATTENTION;
    } else if (has(name, "mlp") || has(name, "ffn") || has(name, "feed_forward") ||
               segment(name, "fc1", false) || segment(name, "fc2", false) ||
               has(name, "dense_h_to_4h") || has(name, "dense_4h_to_h")) {
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
    static const char *const keys[] = {"layers.", "h.", "blk.", "layer.", "blocks."};
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

void tmem__ckpt_classify_all(struct tmem_ckpt *c)
{
    for (uint32_t i = 0; i < c->n_tensors; i++) {
        struct tmem_ckpt_tensor *t = &c->tensors[i];
        enum tmem_ckpt_reason r;
        t->group = (uint8_t)tmem_ckpt_classify(t->name, &r);
        t->reason = (uint8_t)r;
        t->layer = tmem_ckpt_layer_of(t->name);
    }
    for (uint32_t i = 0; i < c->n_tensors; i++) {
        struct tmem_ckpt_tensor *t = &c->tensors[i];
        t->n_params = t->reason == TMEM_CKPT_REASON_QUANT ? 0 : logical_params(c, t);
    }
}
