/* kv.c — the KV cache: bytes per token per layer for every attention kind,
 * how tensor parallel splits it, which layers stop at a sliding window,
 * and the bytes of one sequence, paged or not.
 *   MHA/GQA/MQA  2 · n_kv_head/tp · d_head · bytes   (K and V)
 *   MLA          (kv_lora_rank + qk_rope_dim) · bytes, replicated over tp
 *   int8         2 · n_kv_head/tp · (d_head · 1 B + 2 B): one fp16 scale per
 *                token, head and K / V
 *   fp8          + 2 fp32 scales per layer (k_scale, v_scale), fixed
 *   cross        encoder–decoders: 2 · L_dec · n_head/tp · d_head · bytes per
 *                encoder token; Mllama: 2 · n_cross_layer · n_kv_head/tp ·
 *                d_head · bytes per image state (its self-attention KV over
 *                the n_layer − n_cross_layer other layers)
 * Each is one term (token_term, fixed_term) that gives both the bytes and
 * the text the reports print.
 * REF: vLLM kv_cache_interface.py (page_size_bytes), HF Cache classes. */
#include "checked.h"
#include "error.h"
#include "dtype_size.h"
#include "kv.h"
#include "sb.h"
#include "term.h"
#include "tmem/infer.h"

#include <string.h>

/* the element type of each KV cache dtype: its name and bytes come from
 * the dtype table */
static const enum tmem_dtype kv_dtypes[] = {
    [TMEM_KV_BF16] = TMEM_DTYPE_BF16, [TMEM_KV_FP16] = TMEM_DTYPE_F16, [TMEM_KV_FP8] = TMEM_DTYPE_FP8,
    [TMEM_KV_INT8] = TMEM_DTYPE_INT8, [TMEM_KV_FP32] = TMEM_DTYPE_F32,
};
_Static_assert(sizeof kv_dtypes / sizeof kv_dtypes[0] == TMEM_KV_COUNT, "one row per KV dtype");

const char *tmem_kv_dtype_name(enum tmem_kv_dtype t)
{
    return (unsigned)t < TMEM_KV_COUNT ? tmem_dtype_info(kv_dtypes[t])->name : "unknown";
}

enum tmem_kv_dtype tmem_kv_dtype_from_name(const char *name)
{
    if (name == NULL)
        return TMEM_KV_COUNT;
    for (int t = 0; t < TMEM_KV_COUNT; t++)
        if (strcmp(tmem_kv_dtype_name((enum tmem_kv_dtype)t), name) == 0)
            return (enum tmem_kv_dtype)t;
    if (strcmp(name, "fp8_e4m3") == 0 || strcmp(name, "fp8_e5m2") == 0)
        return TMEM_KV_FP8;
    return TMEM_KV_COUNT;
}

/* a factor whose symbol carries its number: "32 layers", "kv_lora_rank 512" */
static void counted(struct tmem__term *t, bool plus, const char *before, uint64_t v, const char *after)
{
    char sym[48] = "";
    if (t->text) {
        struct tmem_sb sb;
        tmem__sb_init(&sb, sym, sizeof sym);
        tmem__sb_str(&sb, before);
        tmem__sb_u64(&sb, v);
        tmem__sb_str(&sb, after);
    }
    if (plus)
        tmem__term_plus(t, sym, v);
    else
        tmem__term_mul(t, sym, v);
}

/* The one expression of the KV bytes of one token: over `layers` layers
 * (0: one layer, the factor left out), written as a phrase whose symbols
 * carry their numbers:
 *   MHA/GQA  2 × L layers × H KV heads × d_head d_head × dtype
 *   int8     2 × L layers × H KV heads × (d_head d_head × int8 + fp16 scale)
 *            (one fp16 scale per token, head and K / V)
 *   MLA      L layers × (kv_lora_rank r + qk_rope q) × dtype (latent, …) */
static void token_term(struct tmem__term *t, const struct tmem_model *m, enum tmem_kv_dtype dt,
                       uint64_t kv_heads, uint64_t layers)
{
    enum tmem_dtype et = kv_dtypes[dt];
    const char *name = tmem_dtype_info(et)->name;
    if (m->attn == TMEM_ATTN_MLA) {
        if (layers)
            counted(t, false, "", layers, " layers");
        struct tmem__term latent;
        tmem__term_init(&latent, t->text);
        counted(&latent, false, "kv_lora_rank ", m->kv_lora_rank, "");
        counted(&latent, true, "qk_rope ", m->qk_rope_dim, "");
        tmem__term_mul_term(t, &latent);
        tmem__term_mul(t, name, tmem__dtype_size(et));
        tmem__term_note(t, " (latent, replicated over tp)", NULL);
        return;
    }
    tmem__term_mul(t, NULL, 2);
    if (layers)
        counted(t, false, "", layers, " layers");
    counted(t, false, "", kv_heads, " KV heads");
    if (dt != TMEM_KV_INT8) {
        counted(t, false, "", m->d_head, " d_head");
        tmem__term_mul(t, name, tmem__dtype_size(et));
        return;
    }
    struct tmem__term head;
    tmem__term_init(&head, t->text);
    counted(&head, false, "", m->d_head, " d_head");
    tmem__term_mul(&head, name, tmem__dtype_size(et));
    tmem__term_plus(&head, "fp16 scale", tmem__dtype_size(TMEM_DTYPE_F16));
    tmem__term_mul_term(t, &head);
}

/* fp8's per-layer k_scale and v_scale: 2 × L layers × fp32 */
static void fixed_term(struct tmem__term *t, enum tmem_kv_dtype dt, uint64_t layers)
{
    if (dt != TMEM_KV_FP8)
        return;
    tmem__term_plus(t, NULL, 2);
    counted(t, false, "", layers, " layers");
    tmem__term_mul(t, "fp32 scale", tmem__dtype_size(TMEM_DTYPE_F32));
}

/* Sliding-window layers among [first, first + n): all of them, or (with a
 * pattern k) all but the global layers i with i % k == k − 1, whose i + 1
 * are the multiples of k in [first + 1, first + n + 1). */
static uint64_t window_layers(const struct tmem_model *m, uint64_t first, uint64_t n)
{
    if (m->sliding_window == 0)
        return 0;
    uint64_t step = m->swa_layer_step;
    if (step == 0)
        return n;
    return n - ((first + n) / step - first / step);
}

/* The state of one sequence over `layers` SSM layers, tp ranks:
 *   L layers × ((d_conv − 1) × conv channels/tp + d_inner/tp × d_state) × dtype
 * REF: vLLM model_executor/layers/mamba/mamba_utils.py
 *      MambaStateShapeCalculator.mamba1_state_shape (conv (d_inner/tp,
 *      d_conv − 1), temporal (d_inner/tp, d_state)) and mamba2_state_shape
 *      (conv (d_inner/tp + 2·n_groups'/tp·d_state, d_conv − 1), temporal
 *      (n_heads/tp, head_dim, d_state)); n_groups' = n_groups, or tp when
 *      tp does not divide it (extra_groups_for_head_shards); the cache in
 *      the KV cache dtype (--mamba-ssm-cache-dtype auto); gated_delta_net_state_shape
 *      (conv (2·n_k·d_k + n_v·d_v)/tp × (d_conv − 1), temporal (n_v/tp, d_k, d_v):
 *      d_inner/tp × d_state with d_inner = n_v·d_v and d_state = d_k). */
static void state_term(struct tmem__term *t, const struct tmem_model *m, enum tmem_kv_dtype dt,
                       uint64_t tp, uint64_t layers)
{
    enum tmem_dtype et = kv_dtypes[dt];
    uint64_t conv, di = tmem_ceil_div_u64(m->ssm_d_inner, tp);
    if (m->ssm == TMEM_SSM_MAMBA2) {
        uint64_t g = m->ssm_n_group % tp == 0 ? m->ssm_n_group : tp;
        conv = di + 2 * tmem_ceil_div_u64(g, tp) * m->ssm_d_state;
    } else if (m->ssm == TMEM_SSM_GDN) { /* q, k, v channels / tp; temporal n_v/tp × d_k × d_v */
        conv = tmem_ceil_div_u64(2 * m->ssm_n_group * m->ssm_d_state + m->ssm_d_inner, tp);
    } else {
        conv = di;
    }
    counted(t, false, "", layers, " SSM layers");
    struct tmem__term per;
    tmem__term_init(&per, t->text);
    counted(&per, false, "(d_conv − 1) ", m->ssm_d_conv - 1, "");
    counted(&per, false, "conv channels ", conv, "");
    counted(&per, true, "d_inner ", di, "");
    counted(&per, false, "d_state ", m->ssm_d_state, "");
    tmem__term_mul_term(t, &per);
    tmem__term_mul(t, tmem_dtype_info(et)->name, tmem__dtype_size(et));
}

enum tmem_status tmem_kv_layout(const struct tmem_model *m, enum tmem_kv_dtype dt, uint64_t tp,
                                uint64_t first_layer, uint64_t stage_layers,
                                struct tmem_kv_layout *out, struct tmem_error *err)
{
    if ((unsigned)dt >= TMEM_KV_COUNT)
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "--kv-dtype", "unknown KV cache dtype");
    if (tp == 0)
        return tmem__fail_value(err, TMEM_ERR_LIMIT, "--tp", tp, "at least 1");
    struct tmem_kv_layout kv = {0};
    if (m->ssm != TMEM_SSM_NONE) { /* a state per sequence; a hybrid's attention layers add KV */
        uint64_t n_ssm = tmem_model_ssm_layers_in(m, first_layer, first_layer + stage_layers);
        struct tmem__term st, one;
        tmem__term_init(&st, true);
        state_term(&st, m, dt, tp, n_ssm);
        tmem__term_init(&one, false);
        state_term(&one, m, dt, tp, 1);
        if (tmem__term_overflow(&st) || tmem__term_overflow(&one))
            return tmem__fail(err, TMEM_ERR_OVERFLOW, "ssm_state", "does not fit in 64 bits");
        kv.ssm_layers = n_ssm;
        kv.state_bytes_per_seq = n_ssm ? tmem__term_value(&st) : 0;
        kv.state_bytes_per_layer = tmem__term_value(&one);
        if (n_ssm)
            tmem__term_render_sym(&st, kv.state_formula, sizeof kv.state_formula);
        uint64_t n_attn = tmem_model_attn_layers_in(m, first_layer, first_layer + stage_layers);
        if (n_attn == 0) {
            memcpy(kv.formula, "0 (no attention layers)", sizeof "0 (no attention layers)");
            *out = kv;
            return TMEM_OK;
        }
        stage_layers = n_attn; /* a hybrid: KV over its attention layers (no window) */
    }
    if (m->attn == TMEM_ATTN_MLA) {
        kv.mla = true;
        kv.kv_heads_per_gpu = 1; /* one latent "head", the same on every TP rank */
    } else {
        /* vLLM: KV heads split over tp when tp <= n_kv_head, else replicated */
        if (tp <= m->n_kv_head) {
            TRY(tmem__check_divides(err, "--tp", tp, "n_kv_head", m->n_kv_head));
            kv.kv_heads_per_gpu = m->n_kv_head / tp;
        } else {
            if (tp % m->n_kv_head != 0)
                return tmem__fail_value_n(err, TMEM_ERR_INCONSISTENT, "--tp", tp,
                                         "a multiple of n_kv_head (", m->n_kv_head, ")");
            kv.kv_heads_per_gpu = 1;
        }
    }
    if (m->n_cross_layer > 0) {
        /* Mllama: the cross-attention layers keep no self-attention KV; their
         * keys and values are the image states' (cross_bytes_per_token). The
         * stage is the whole model (infer refuses --pp > 1 for them). */
        if (first_layer != 0 || stage_layers != m->n_layer || m->n_cross_layer >= m->n_layer)
            return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "--pp",
                              "cross-attention layers: one pipeline stage only");
        stage_layers -= m->n_cross_layer;
    }
    struct tmem__term layer, token, fixed;
    tmem__term_init(&layer, false);
    token_term(&layer, m, dt, kv.kv_heads_per_gpu, 0);
    tmem__term_init(&token, true);
    token_term(&token, m, dt, kv.kv_heads_per_gpu, stage_layers);
    tmem__term_init(&fixed, true);
    fixed_term(&fixed, dt, stage_layers);
    if (tmem__term_overflow(&layer) || tmem__term_overflow(&token) || tmem__term_overflow(&fixed))
        return tmem__fail(err, TMEM_ERR_OVERFLOW, "kv_cache", "does not fit in 64 bits");
    kv.bytes_per_token_layer = tmem__term_value(&layer);
    kv.bytes_per_token = tmem__term_value(&token);
    tmem__term_render_sym(&token, kv.formula, sizeof kv.formula);
    kv.fixed_bytes = tmem__term_value(&fixed);
    tmem__term_render_sym(&fixed, kv.fixed_formula, sizeof kv.fixed_formula);
    kv.n_layer_window = m->ssm == TMEM_SSM_NONE ? window_layers(m, first_layer, stage_layers) : 0;
    kv.n_layer_full = stage_layers - kv.n_layer_window;
    kv.window_tokens = kv.n_layer_window ? m->sliding_window : 0;
    if (m->encdec) { /* cross-attention: n_head heads of d_head per decoder layer, split by tp */
        TRY(tmem__check_divides(err, "--tp", tp, "n_head", m->n_head));
        struct tmem__term cross;
        tmem__term_init(&cross, true);
        token_term(&cross, m, dt, m->n_head / tp, stage_layers);
        if (tmem__term_overflow(&cross))
            return tmem__fail(err, TMEM_ERR_OVERFLOW, "kv_cache", "does not fit in 64 bits");
        kv.cross_bytes_per_token = tmem__term_value(&cross);
        tmem__term_render_sym(&cross, kv.cross_formula, sizeof kv.cross_formula);
    }
    if (m->n_cross_layer > 0) { /* Mllama: k_proj / v_proj of the image states, GQA heads */
        struct tmem__term cross;
        tmem__term_init(&cross, true);
        token_term(&cross, m, dt, kv.kv_heads_per_gpu, m->n_cross_layer);
        if (tmem__term_overflow(&cross))
            return tmem__fail(err, TMEM_ERR_OVERFLOW, "kv_cache", "does not fit in 64 bits");
        kv.cross_bytes_per_token = tmem__term_value(&cross);
        tmem__term_render_sym(&cross, kv.cross_formula, sizeof kv.cross_formula);
    }
    *out = kv;
    return TMEM_OK;
}

/* The KV bytes of one sequence of `tokens` tokens in blocks of `block`:
 *   tokens × bytes/token                      (every layer keeps them all)
 *   tokens × bytes/token/layer × full layers
 *     + window tokens × bytes/token/layer × sliding layers
 * with tokens (and the window's tokens) rounded up to whole blocks. */
static void seq_term(struct tmem__term *t, const struct tmem_kv_layout *kv, uint64_t tokens,
                     uint64_t block)
{
    uint64_t full_tokens = tmem_ceil_div_u64(tokens, block) * block; /* tokens, block ≤ 2^32 */
    if (kv->n_layer_window == 0) {
        tmem__term_mul(t, "tokens", full_tokens);
        tmem__term_mul(t, "bytes/token", kv->bytes_per_token);
        return;
    }
    uint64_t win = tokens < kv->window_tokens ? tokens : kv->window_tokens;
    tmem__term_mul(t, "tokens", full_tokens);
    tmem__term_mul(t, "bytes/token/layer", kv->bytes_per_token_layer);
    tmem__term_mul(t, "full layers", kv->n_layer_full);
    tmem__term_plus(t, "window tokens", tmem_ceil_div_u64(win, block) * block);
    tmem__term_mul(t, "bytes/token/layer", kv->bytes_per_token_layer);
    tmem__term_mul(t, "sliding layers", kv->n_layer_window);
}

void tmem__kv_request_term(const struct tmem_kv_layout *kv, uint64_t batch, uint64_t tokens,
                           uint64_t block, struct tmem__term *t)
{
    tmem__term_mul(t, "b", batch);
    if (kv->n_layer_window == 0) {
        seq_term(t, kv, tokens, block);
    } else {
        struct tmem__term seq;
        tmem__term_init(&seq, t->text);
        seq_term(&seq, kv, tokens, block);
        tmem__term_mul_term(t, &seq);
    }
    if (kv->fixed_bytes)
        tmem__term_plus(t, "per-layer scales", kv->fixed_bytes);
}

void tmem__kv_state_term(const struct tmem_kv_layout *kv, uint64_t batch, struct tmem__term *t)
{
    tmem__term_mul(t, "b", batch);
    tmem__term_mul(t, "state bytes/seq", kv->state_bytes_per_seq);
}

enum tmem_status tmem_kv_seq_bytes(const struct tmem_kv_layout *kv, uint64_t tokens,
                                   uint64_t block, uint64_t *bytes)
{
    if (block == 0)
        return TMEM_ERR_INVALID_ARG;
    struct tmem__term t;
    tmem__term_init(&t, false);
    seq_term(&t, kv, tokens, block);
    if (tmem__term_overflow(&t))
        return TMEM_ERR_OVERFLOW;
    *bytes = tmem__term_value(&t);
    return TMEM_OK;
}
