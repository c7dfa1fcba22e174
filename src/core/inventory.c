/* inventory.c — the exact parameter inventory: every kind of tensor a
 * resolved model holds, with its shape, how many times it repeats and how
 * many of those a token passes through. One shared walk serves all
 * families; the family rules (biases, norms, gating, MLA, experts) arrive as
 * fields of struct tmem_model. Each tensor is added by its kind
 * (tensor_kind.c), which gives its name, group, scope and every rule the
 * ledgers apply to it. Counts are checked 64-bit products.
 *
 * REF: HF transformers modeling_<family>.py for each family's layout. */
#include "checked.h"
#include "error.h"
#include "model_internal.h"

#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define HOT_INLINE inline __attribute__((always_inline))
#else
#define HOT_INLINE inline
#endif

struct walk {
    const struct tmem_model *m;
    struct tmem_inventory *inv;
    struct tmem_error *err;
    enum tmem_status st;
    uint64_t layers[TMEM_SCOPE_COUNT]; /* layers of each scope: 1, 1, n_layer, dense, MoE,
                                          encoder, attention, SSM */
    const char *attn_sym, *ssm_sym;    /* "n_layer", or a hybrid's "n_attn_layer" / "n_ssm_layer" */
};

/* Adds a rows × cols tensor of kind k (cols 1: a vector), per_layer times
 * in each layer of the kind's scope (once for the input/output scopes).
 * Zero-sized or zero-count tensors are skipped, so an absent bias adds no
 * line. */
static HOT_INLINE void add(struct walk *w, enum tmem_tensor_kind k, const char *shape_sym,
                           const char *count_sym, uint64_t rows, uint64_t cols,
                           uint64_t per_layer, uint64_t per_layer_active)
{
    const struct tmem_tensor_kind_info *ki = tmem_tensor_kind_info(k);
    const enum tmem_group g = ki->group;
    const char *name = ki->name;
    uint64_t layers = w->layers[ki->scope];
    if (w->st != TMEM_OK || rows == 0 || cols == 0 || per_layer == 0 || layers == 0)
        return;
    struct tmem_inventory *inv = w->inv;
    if (inv->n_tensors == TMEM_MAX_TENSORS) {
        w->st = tmem__fail(w->err, TMEM_ERR_CAPACITY, name, "too many tensor kinds");
        return;
    }
    uint64_t count, count_active, rc, params, active, sum_g, sum_t, sum_a;
    if (!tmem_mul_u64(per_layer, layers, &count) ||
        !tmem_mul_u64(per_layer_active, layers, &count_active) ||
        !tmem_mul_u64(rows, cols, &rc) || !tmem_mul_u64(rc, count, &params) ||
        (count_active == count ? (active = params, false) : !tmem_mul_u64(rc, count_active, &active)) ||
        !tmem_add_u64(inv->group_params[g], params, &sum_g) ||
        !tmem_add_u64(inv->total_params, params, &sum_t) ||
        !tmem_add_u64(inv->active_params, active, &sum_a)) {
        w->st = tmem__fail(w->err, TMEM_ERR_OVERFLOW, name,
                          "parameter count does not fit in 64 bits");
        return;
    }
    inv->tensors[inv->n_tensors++] = (struct tmem_tensor){
        .kind = k, .group = g, .name = name, .shape_sym = shape_sym,
        .count_sym = count_sym, .rows = rows, .cols = cols, .per_layer = per_layer,
        .per_layer_active = per_layer_active, .count = count, .count_active = count_active,
        .params = params};
    inv->group_params[g] = sum_g;
    inv->total_params = sum_t;
    inv->active_params = sum_a;
}

/* a · b, or 0 with w->st set on overflow */
static uint64_t mul(struct walk *w, uint64_t a, uint64_t b)
{
    uint64_t r = 0;
    if (w->st == TMEM_OK && !tmem_mul_u64(a, b, &r))
        w->st = tmem__fail(w->err, TMEM_ERR_OVERFLOW, "shape", "tensor shape overflows 64 bits");
    return r;
}

/* A norm of `width` repeated per_layer times in each layer of its scope:
 * weight (RMSNorm, LayerNorm with or without bias) and bias (LayerNorm
 * only); a non-parametric norm adds nothing. */
static void add_norm(struct walk *w, enum tmem_tensor_kind weight, enum tmem_tensor_kind bias,
                     const char *sym, const char *count_sym, uint64_t width, uint64_t per_layer)
{
    if (w->m->norm == TMEM_NORM_NONPARAM)
        return;
    add(w, weight, sym, count_sym, width, 1, per_layer, per_layer);
    if (w->m->norm == TMEM_NORM_LAYERNORM)
        add(w, bias, sym, count_sym, width, 1, per_layer, per_layer);
}

#define K(x) TMEM_TENSOR_KIND_##x

static void walk_embedding(struct walk *w)
{
    const struct tmem_model *m = w->m;
    if (m->embed_extra_rows) /* MllamaTextModel: vocab_size + 8 rows, the lm_head vocab_size */
        add(w, K(TOKEN_EMBD), "(n_vocab + 8) × d_embed", "1", m->n_vocab + m->embed_extra_rows,
            m->d_embed, 1, 1);
    else
        add(w, K(TOKEN_EMBD), "n_vocab × d_embed", "1", m->n_vocab, m->d_embed, 1, 1); /* (V, d_embed) */
    if (m->learned_pos)
        add(w, K(POS_EMBD), "n_pos × d_model", "1", m->n_pos, m->d_model, 1,
            1);                                                   /* (n_ctx + extra, d) */
    if (m->d_embed != m->d_model) { /* OPT-350m: word_embed_proj_dim != hidden */
        add(w, K(PROJECT_IN), "d_embed × d_model", "1", m->d_embed, m->d_model, 1, 1);
        add(w, K(PROJECT_OUT), "d_model × d_embed", "1", m->d_model, m->d_embed, 1, 1);
    }
    if (m->n_type_vocab > 0) /* BERT token_type_embeddings */
        add(w, K(TOKEN_TYPE_EMBD), "n_type_vocab × d_model", "1", m->n_type_vocab, m->d_model, 1,
            1);                                                   /* (type_vocab, d) */
    if (m->embed_norm)
        add_norm(w, K(EMBED_NORM), K(EMBED_NORM_BIAS), "d_model", "1", m->d_model, 1);
    if (m->n_rel_pos > 0) /* DeBERTa encoder.rel_embeddings, shared by every layer */
        add(w, K(REL_POS_EMBD), "n_rel_pos × d_model", "1", m->n_rel_pos, m->d_model, 1,
            1);                                                   /* (2·buckets, d) */
    if (m->rel_norm) /* DeBERTa encoder.LayerNorm (norm_rel_ebd "layer_norm") */
        add_norm(w, K(REL_POS_NORM), K(REL_POS_NORM_BIAS), "d_model", "1", m->d_model, 1);
    if (m->encdec) { /* T5 decoder.block[0] relative_attention_bias; UMT5: every block's */
        uint64_t n = m->rel_bias_per_layer ? m->n_layer : 1;
        add(w, K(REL_ATTN_BIAS), "n_rel_bucket × n_head", m->rel_bias_per_layer ? "n_layer" : "1",
            m->n_rel_bucket, m->n_head, n, n);                    /* (buckets, a) */
    }
}

/* The encoder stack of an encoder–decoder, before the decoder's layers: the
 * shared embedding is the decoder's (walk_embedding); BART's encoder has its
 * own positions and embedding LayerNorm, T5's a relative bias table in block
 * 0; each layer self-attention + MLP with 2 norms; T5 and mBART a final norm.
 * REF: modeling_t5.py T5Stack, T5Block; modeling_bart.py BartEncoder,
 * BartEncoderLayer; modeling_mbart.py MBartEncoder.layer_norm. */
static void walk_encoder(struct walk *w)
{
    const struct tmem_model *m = w->m;
    if (!m->encdec)
        return;
    const uint64_t d = m->d_model, f = m->d_ff_enc;
    uint64_t q = mul(w, m->n_enc_head, m->d_head_enc);
    if (m->learned_pos)
        add(w, K(ENC_POS_EMBD), "n_pos × d_model", "1", m->n_pos, d, 1, 1); /* (n_ctx + 2, d) */
    if (m->embed_norm)
        add_norm(w, K(ENC_EMBED_NORM), K(ENC_EMBED_NORM_BIAS), "d_model", "1", d, 1);
    uint64_t nb = m->rel_bias_per_layer ? m->n_enc_layer : 1; /* UMT5: one table per layer */
    add(w, K(ENC_REL_ATTN_BIAS), "n_rel_bucket × n_enc_head", m->rel_bias_per_layer ? "n_enc_layer" : "1",
        m->n_rel_bucket, m->n_enc_head, nb, nb);                  /* (buckets, a_enc) */
    add(w, K(ENC_ATTN_Q), "d_model × n_enc_head·d_head", "n_enc_layer", d, q, 1, 1); /* (d, a·d_h) */
    add(w, K(ENC_ATTN_K), "d_model × n_enc_head·d_head", "n_enc_layer", d, q, 1, 1);
    add(w, K(ENC_ATTN_V), "d_model × n_enc_head·d_head", "n_enc_layer", d, q, 1, 1);
    add(w, K(ENC_ATTN_O), "n_enc_head·d_head × d_model", "n_enc_layer", q, d, 1, 1); /* (a·d_h, d) */
    if (m->qkv_bias) {
        add(w, K(ENC_ATTN_Q_BIAS), "n_enc_head·d_head", "n_enc_layer", q, 1, 1, 1);
        add(w, K(ENC_ATTN_K_BIAS), "n_enc_head·d_head", "n_enc_layer", q, 1, 1, 1);
        add(w, K(ENC_ATTN_V_BIAS), "n_enc_head·d_head", "n_enc_layer", q, 1, 1, 1);
    }
    if (m->o_bias)
        add(w, K(ENC_ATTN_O_BIAS), "d_model", "n_enc_layer", d, 1, 1, 1);
    /* self-attention and MLP norms: one fewer than a decoder layer's */
    add_norm(w, K(ENC_LAYER_NORM), K(ENC_LAYER_NORM_BIAS), "d_model", "n_enc_layer·2", d, 2);
    if (m->mlp == TMEM_MLP_GATED)
        add(w, K(ENC_MLP_GATE), "d_model × d_ff_enc", "n_enc_layer", d, f, 1, 1); /* (d, f) wi_0 */
    add(w, K(ENC_MLP_UP), "d_model × d_ff_enc", "n_enc_layer", d, f, 1, 1);       /* (d, f) */
    add(w, K(ENC_MLP_DOWN), "d_ff_enc × d_model", "n_enc_layer", f, d, 1, 1);     /* (f, d) */
    if (m->mlp_bias) {
        add(w, K(ENC_MLP_UP_BIAS), "d_ff_enc", "n_enc_layer", f, 1, 1, 1);
        add(w, K(ENC_MLP_DOWN_BIAS), "d_model", "n_enc_layer", d, 1, 1, 1);
    }
    if (m->final_norm)
        add_norm(w, K(ENC_FINAL_NORM), K(ENC_FINAL_NORM_BIAS), "d_model", "1", d, 1);
}

/* A decoder layer's cross-attention over the encoder's output (T5
 * EncDecAttention, BART encoder_attn): n_head heads of d_head, the biases of
 * self-attention; its norm is the third of n_norm_per_layer. */
static void walk_cross_attention(struct walk *w)
{
    const struct tmem_model *m = w->m;
    if (!m->encdec)
        return;
    uint64_t q = mul(w, m->n_head, m->d_head);
    add(w, K(XATTN_Q), "d_model × n_head·d_head", "n_layer", m->d_model, q, 1, 1); /* (d, a·d_h) */
    add(w, K(XATTN_K), "d_model × n_head·d_head", "n_layer", m->d_model, q, 1, 1);
    add(w, K(XATTN_V), "d_model × n_head·d_head", "n_layer", m->d_model, q, 1, 1);
    add(w, K(XATTN_O), "n_head·d_head × d_model", "n_layer", q, m->d_model, 1, 1); /* (a·d_h, d) */
    if (m->qkv_bias) {
        add(w, K(XATTN_Q_BIAS), "n_head·d_head", "n_layer", q, 1, 1, 1);
        add(w, K(XATTN_K_BIAS), "n_head·d_head", "n_layer", q, 1, 1, 1);
        add(w, K(XATTN_V_BIAS), "n_head·d_head", "n_layer", q, 1, 1, 1);
    }
    if (m->o_bias)
        add(w, K(XATTN_O_BIAS), "d_model", "n_layer", m->d_model, 1, 1, 1);
}

static void walk_attention_gqa(struct walk *w)
{
    const struct tmem_model *m = w->m;
    uint64_t q = mul(w, m->n_head, m->d_head), kv = mul(w, m->n_kv_head, m->d_head);
    if (m->attn_out_gate) /* Qwen3-Next: query and its output gate, (d, 2·a·d_h) */
        add(w, K(ATTN_Q), "d_model × 2·n_head·d_head", w->attn_sym, m->d_model, 2 * q, 1, 1);
    else
        add(w, K(ATTN_Q), "d_model × n_head·d_head", w->attn_sym, m->d_model, q, 1,
            1);                                                   /* (d, a·d_h) */
    add(w, K(ATTN_K), "d_model × n_kv_head·d_head", w->attn_sym, m->d_model, kv, 1,
        1);                                                       /* (d, n_kv·d_h) */
    add(w, K(ATTN_V), "d_model × n_kv_head·d_head", w->attn_sym, m->d_model, kv, 1,
        1);                                                       /* (d, n_kv·d_h) */
    add(w, K(ATTN_O), "n_head·d_head × d_model", w->attn_sym, q, m->d_model, 1,
        1);                                                       /* (a·d_h, d) */
    if (m->qkv_bias) {
        add(w, K(ATTN_Q_BIAS), "n_head·d_head", w->attn_sym, q, 1, 1, 1);
        add(w, K(ATTN_K_BIAS), "n_kv_head·d_head", w->attn_sym, kv, 1, 1, 1);
        add(w, K(ATTN_V_BIAS), "n_kv_head·d_head", w->attn_sym, kv, 1, 1, 1);
    }
    if (m->o_bias)
        add(w, K(ATTN_O_BIAS), "d_model", w->attn_sym, m->d_model, 1, 1, 1);
    if (m->n_rel_pos > 0 && !m->share_att_key) { /* DeBERTa: positions' own projections */
        if (m->att_c2p) {
            add(w, K(POS_KEY_PROJ), "d_model × n_head·d_head", w->attn_sym, m->d_model, q, 1, 1);
            add(w, K(POS_KEY_PROJ_BIAS), "n_head·d_head", w->attn_sym, q, 1, 1, 1);
        }
        if (m->att_p2c) {
            add(w, K(POS_QUERY_PROJ), "d_model × n_head·d_head", w->attn_sym, m->d_model, q, 1, 1);
            add(w, K(POS_QUERY_PROJ_BIAS), "n_head·d_head", w->attn_sym, q, 1, 1, 1);
        }
    }
    if (m->attn_sinks) /* gpt-oss: one sink logit per head */
        add(w, K(ATTN_SINKS), "n_head", w->attn_sym, m->n_head, 1, 1, 1);
    if (m->qk_norm && m->qk_norm_full) { /* OLMo2, Cohere: the whole projection widths */
        add_norm(w, K(ATTN_Q_NORM), K(ATTN_Q_NORM_BIAS), "n_head·d_head", w->attn_sym, q, 1);
        add_norm(w, K(ATTN_K_NORM), K(ATTN_K_NORM_BIAS), "n_kv_head·d_head", w->attn_sym, kv, 1);
    } else if (m->qk_norm) { /* Qwen3 q_norm/k_norm, phi's qk_layernorm: width d_head */
        add_norm(w, K(ATTN_Q_NORM), K(ATTN_Q_NORM_BIAS), "d_head", w->attn_sym, m->d_head, 1);
        add_norm(w, K(ATTN_K_NORM), K(ATTN_K_NORM_BIAS), "d_head", w->attn_sym, m->d_head, 1);
    }
}

/* DeepSeek-V2/V3 multi-head latent attention.
 * REF: modeling_deepseek.py DeepseekV2Attention */
static void walk_attention_mla(struct walk *w)
{
    const struct tmem_model *m = w->m;
    uint64_t qk = mul(w, m->n_head, m->qk_nope_dim + m->qk_rope_dim);
    if (m->q_lora_rank > 0) {
        add(w, K(MLA_Q_A), "d_model × q_lora_rank", w->attn_sym, m->d_model, m->q_lora_rank, 1,
            1);                                                   /* (d, q_lora) */
        add(w, K(MLA_Q_A_NORM), "q_lora_rank", w->attn_sym, m->q_lora_rank, 1, 1, 1);
        add(w, K(MLA_Q_B), "q_lora_rank × n_head·(qk_nope+qk_rope)", w->attn_sym, m->q_lora_rank,
            qk, 1, 1);                                            /* (q_lora, a·(nope+rope)) */
    } else {
        add(w, K(ATTN_Q), "d_model × n_head·(qk_nope+qk_rope)", w->attn_sym, m->d_model, qk, 1,
            1);                                                   /* (d, a·(nope+rope)) */
    }
    add(w, K(MLA_KV_A), "d_model × (kv_lora_rank+qk_rope)", w->attn_sym, m->d_model,
        m->kv_lora_rank + m->qk_rope_dim, 1, 1);                  /* (d, kv_lora+rope) */
    add(w, K(MLA_KV_A_NORM), "kv_lora_rank", w->attn_sym, m->kv_lora_rank, 1, 1, 1);
    add(w, K(MLA_KV_B), "kv_lora_rank × n_head·(qk_nope+v_head)", w->attn_sym, m->kv_lora_rank,
        mul(w, m->n_head, m->qk_nope_dim + m->v_head_dim), 1, 1); /* (kv_lora, a·(nope+v)) */
    add(w, K(ATTN_O), "n_head·v_head × d_model", w->attn_sym, mul(w, m->n_head, m->v_head_dim),
        m->d_model, 1, 1);                                        /* (a·v, d) */
}

/* The three matrices of one MLP kind: gate (gated families), up, down. */
struct mlp_kinds {
    enum tmem_tensor_kind gate, up, down;
};

/* An MLP of width f in every layer of its kinds' scope, per_layer copies
 * of which a token uses per_layer_active. */
static void walk_mlp(struct walk *w, const struct mlp_kinds *k, const char *shape_in,
                     const char *shape_out, const char *count_sym, uint64_t f,
                     uint64_t per_layer, uint64_t per_layer_active)
{
    const struct tmem_model *m = w->m;
    const uint64_t n = per_layer, a = per_layer_active;
    if (m->mlp == TMEM_MLP_GATED)
        add(w, k->gate, shape_in, count_sym, m->d_model, f, n, a); /* (d, f) */
    add(w, k->up, shape_in, count_sym, m->d_model, f, n, a);       /* (d, f) */
    add(w, k->down, shape_out, count_sym, f, m->d_model, n, a);    /* (f, d) */
}

/* One state-space mixer per layer.
 * REF: modeling_mamba.py MambaMixer (in_proj (d, 2·d_inner), conv1d
 *      (d_inner, 1, d_conv) depthwise, x_proj (d_inner, dt_rank + 2·N),
 *      dt_proj (dt_rank, d_inner) with bias, A_log (d_inner, N), D
 *      (d_inner), out_proj (d_inner, d)); modeling_mamba2.py Mamba2Mixer
 *      (in_proj (d, 2·d_inner + 2·G·N + H) for z, x, B, C, dt; conv1d over
 *      x, B, C: d_inner + 2·G·N channels; dt_bias, A_log, D (H); norm
 *      MambaRMSNormGated (d_inner); out_proj (d_inner, d));
 *      modeling_qwen3_next.py Qwen3NextGatedDeltaNet (in_proj_qkvz (d,
 *      2·key_dim + 2·value_dim), in_proj_ba (d, 2·n_v), conv1d over q, k, v:
 *      2·key_dim + value_dim channels, no bias; dt_bias, A_log (n_v); norm
 *      (d_v); out_proj (value_dim, d)). */
static void walk_ssm(struct walk *w)
{
    const struct tmem_model *m = w->m;
    const uint64_t di = m->ssm_d_inner, N = m->ssm_d_state;
    uint64_t in_cols, conv;
    tmem__ssm_widths(m, &in_cols, &conv);
    const bool gdn = m->ssm == TMEM_SSM_GDN;
    const char *in_sym = m->ssm == TMEM_SSM_MAMBA2 ? "d_model × (2·d_inner + 2·n_group·d_state + n_ssm_head)"
                                                   : "d_model × 2·d_inner";
    const char *conv_sym = gdn ? "d_conv × (2·n_k·d_k + n_v·d_v)"
                           : m->ssm == TMEM_SSM_MAMBA2 ? "d_conv × (d_inner + 2·n_group·d_state)"
                                                       : "d_conv × d_inner";
    if (gdn) { /* two linears: in_cols = (2·n_k·d_k + 2·n_v·d_v) + 2·n_v */
        const uint64_t ba = 2 * m->ssm_n_head; /* resolve bounds n_v ≤ TMEM_MAX_N_HEAD */
        add(w, K(SSM_IN_PROJ_QKVZ), "d_model × (2·n_k·d_k + 2·n_v·d_v)", w->ssm_sym, m->d_model, in_cols - ba, 1,
            1);                                                                /* (d, 2·key_dim + 2·value_dim) */
        add(w, K(SSM_IN_PROJ_BA), "d_model × 2·n_v", w->ssm_sym, m->d_model, ba, 1, 1); /* (d, 2·n_v) */
    } else {
        add(w, K(SSM_IN_PROJ), in_sym, w->ssm_sym, m->d_model, in_cols, 1, 1);
    }
    if (m->ssm_proj_bias)
        add(w, K(SSM_IN_PROJ_BIAS), "in_proj width", w->ssm_sym, in_cols, 1, 1, 1);
    add(w, K(SSM_CONV1D), conv_sym, w->ssm_sym, m->ssm_d_conv, conv, 1, 1);     /* (d_conv, channels) */
    if (m->ssm_conv_bias)
        add(w, K(SSM_CONV1D_BIAS), "conv channels", w->ssm_sym, conv, 1, 1, 1);
    if (m->ssm == TMEM_SSM_MAMBA) {
        add(w, K(SSM_X_PROJ), "d_inner × (dt_rank + 2·d_state)", w->ssm_sym, di,
            m->ssm_dt_rank + 2 * N, 1, 1);                     /* (d_inner, r + 2N) */
        add(w, K(SSM_DT_PROJ), "dt_rank × d_inner", w->ssm_sym, m->ssm_dt_rank, di, 1, 1);
        add(w, K(SSM_DT_BIAS), "d_inner", w->ssm_sym, di, 1, 1, 1);
        add(w, K(SSM_A_LOG), "d_state × d_inner", w->ssm_sym, N, di, 1, 1);    /* (N, d_inner) */
        add(w, K(SSM_D), "d_inner", w->ssm_sym, di, 1, 1, 1);
    } else if (gdn) { /* per value head dt_bias and A_log; the gated norm of one head */
        add(w, K(SSM_DT_BIAS), "n_v", w->ssm_sym, m->ssm_n_head, 1, 1, 1);
        add(w, K(SSM_A_LOG_HEAD), "n_v", w->ssm_sym, m->ssm_n_head, 1, 1, 1);
        add(w, K(SSM_NORM), "d_v", w->ssm_sym, m->ssm_d_head, 1, 1, 1);
    } else {
        add(w, K(SSM_DT_BIAS), "n_ssm_head", w->ssm_sym, m->ssm_n_head, 1, 1, 1);
        add(w, K(SSM_A_LOG_HEAD), "n_ssm_head", w->ssm_sym, m->ssm_n_head, 1, 1, 1);
        add(w, K(SSM_D), "n_ssm_head", w->ssm_sym, m->ssm_n_head, 1, 1, 1);
        if (!m->ssm_no_norm)
            add(w, K(SSM_NORM), "d_inner", w->ssm_sym, di, 1, 1, 1);
    }
    if (m->ssm_xbc_norms) /* Jamba: RMSNorm weights on dt (dt_rank), B and C (d_state each) */
        add(w, K(SSM_XBC_NORM), "dt_rank + 2·d_state", w->ssm_sym, m->ssm_dt_rank + 2 * N, 1, 1, 1);
    add(w, K(SSM_OUT_PROJ), "d_inner × d_model", w->ssm_sym, di, m->d_model, 1, 1);
    if (m->ssm_proj_bias)
        add(w, K(SSM_OUT_PROJ_BIAS), "d_model", w->ssm_sym, m->d_model, 1, 1, 1);
}

static void walk_layers(struct walk *w)
{
    const struct tmem_model *m = w->m;
    /* each layer's mixer: attention, an SSM, or (hybrids) either by layer;
     * a kind's scope gives the layers it repeats in */
    if (m->ssm != TMEM_SSM_NONE)
        walk_ssm(w);
    if (m->attn == TMEM_ATTN_MLA)
        walk_attention_mla(w);
    else
        walk_attention_gqa(w);
    walk_cross_attention(w);
    if (m->first_attn_norm_absent && m->n_norm_per_layer > 0) {
        /* ModernBERT: layer 0's attn_norm is nn.Identity; the other n_layer − 1
         * are one kind counted once (placed with the input) */
        add_norm(w, K(LAYER_NORM), K(LAYER_NORM_BIAS), "d_model", "n_layer·(n_norm_per_layer−1)",
                 m->d_model, m->n_norm_per_layer - 1);
        add_norm(w, K(ATTN_NORM_AFTER_FIRST), K(ATTN_NORM_AFTER_FIRST_BIAS), "d_model", "n_layer−1",
                 m->d_model, m->n_layer - 1);
    } else {
        add_norm(w, K(LAYER_NORM), K(LAYER_NORM_BIAS), "d_model", "n_layer·n_norm_per_layer",
                 m->d_model, m->n_norm_per_layer);
    }

    if (m->n_cross_layer > 0) {
        /* MllamaCrossAttentionDecoderLayer: q/k/v/o, norms and MLP as above, plus
         * MllamaTextCrossAttention q_norm, k_norm (RMSNorm(d_head)) and the scalar
         * cross_attn_attn_gate, cross_attn_mlp_gate */
        const uint64_t n2 = mul(w, 2, m->n_cross_layer);
        add(w, K(CROSS_QK_NORM), "d_head", "2·n_cross_layer", m->d_head, 1, n2, n2);
        add(w, K(CROSS_GATE), "1", "2·n_cross_layer", 1, 1, n2, n2);
    }
    bool moe = w->layers[TMEM_SCOPE_MOE_LAYER] > 0;
    const char *dense = moe ? "n_dense_layer" : "n_layer";
    static const struct mlp_kinds dense_mlp = {K(MLP_GATE), K(MLP_UP), K(MLP_DOWN)};
    walk_mlp(w, &dense_mlp, "d_model × d_ff", "d_ff × d_model", dense, m->d_ff, 1, 1);
    if (m->mlp_bias) {
        if (m->mlp == TMEM_MLP_GATED)
            add(w, K(MLP_GATE_BIAS), "d_ff", dense, m->d_ff, 1, 1, 1);
        add(w, K(MLP_UP_BIAS), "d_ff", dense, m->d_ff, 1, 1, 1);
        add(w, K(MLP_DOWN_BIAS), "d_model", dense, m->d_model, 1, 1, 1);
    }
    if (!moe)
        return;

    add(w, K(ROUTER), "d_model × n_expert", "n_moe_layer", m->d_model, m->n_expert, 1,
        1);                                                       /* (d, E) */
    if (m->router_bias)
        add(w, K(ROUTER_BIAS), "n_expert", "n_moe_layer", m->n_expert, 1, 1, 1);
    if (m->shared_expert_gate)
        add(w, K(SHARED_EXPERT_GATE), "d_model × 1", "n_moe_layer", m->d_model, 1, 1,
            1);                                                   /* (d, 1) */
    static const struct mlp_kinds experts = {K(EXPERT_GATE), K(EXPERT_UP), K(EXPERT_DOWN)};
    walk_mlp(w, &experts, "d_model × d_ff_expert", "d_ff_expert × d_model",
             "n_moe_layer·n_expert", m->d_ff_expert, m->n_expert, m->n_expert_used);
    if (m->expert_bias) { /* gpt-oss gate_up_proj_bias (E, 2·f), down_proj_bias (E, d) */
        const uint64_t n = m->n_expert, a = m->n_expert_used;
        if (m->mlp == TMEM_MLP_GATED)
            add(w, K(EXPERT_GATE_BIAS), "d_ff_expert", "n_moe_layer·n_expert", m->d_ff_expert, 1, n, a);
        add(w, K(EXPERT_UP_BIAS), "d_ff_expert", "n_moe_layer·n_expert", m->d_ff_expert, 1, n, a);
        add(w, K(EXPERT_DOWN_BIAS), "d_model", "n_moe_layer·n_expert", m->d_model, 1, n, a);
    }
    static const struct mlp_kinds shared = {K(SHARED_GATE), K(SHARED_UP), K(SHARED_DOWN)};
    walk_mlp(w, &shared, "d_model × d_ff_shared", "d_ff_shared × d_model", "n_moe_layer",
             m->d_ff_shared, 1, 1);
}

/* An encoder's head. REF: modeling_bert.py BertPooler, BertPredictionHeadTransform,
 * BertLMPredictionHead (decoder tied, its own bias), BertForSequenceClassification
 * (pooler + classifier); modeling_roberta.py RobertaLMHead, RobertaClassificationHead
 * (dense + out_proj: the same shapes); modeling_deberta_v2.py ContextPooler;
 * modeling_modernbert.py ModernBertPredictionHead (dense with classifier_bias, norm),
 * ModernBertForMaskedLM decoder (decoder_bias), ModernBertForSequenceClassification. */
static void walk_encoder_head(struct walk *w)
{
    const struct tmem_model *m = w->m;
    const uint64_t d = m->d_model;
    switch (m->head) {
    case TMEM_HEAD_LM:
    case TMEM_HEAD_NONE:
    case TMEM_HEAD_COUNT: return;
    case TMEM_HEAD_POOLER:
    case TMEM_HEAD_MLM:
    case TMEM_HEAD_CLS: break;
    }
    add(w, K(HEAD_DENSE), "d_model × d_model", "1", d, d, 1, 1); /* (d, d) */
    if (m->head_bias)
        add(w, K(HEAD_DENSE_BIAS), "d_model", "1", d, 1, 1, 1);
    if (m->head == TMEM_HEAD_MLM || (m->head == TMEM_HEAD_CLS && m->cls_norm))
        add_norm(w, K(HEAD_NORM), K(HEAD_NORM_BIAS), "d_model", "1", d, 1);
    if (m->head == TMEM_HEAD_MLM) {
        if (!m->tied) /* a tied decoder is the word embedding */
            add(w, K(LM_HEAD), "n_vocab × d_embed", "1", m->n_vocab, m->d_embed, 1, 1);
        if (m->lm_head_bias)
            add(w, K(LM_HEAD_BIAS), "n_vocab", "1", m->n_vocab, 1, 1, 1);
    } else if (m->head == TMEM_HEAD_CLS) {
        add(w, K(CLASSIFIER), "d_model × n_labels", "1", d, m->n_labels, 1, 1); /* (d, N) */
        add(w, K(CLASSIFIER_BIAS), "n_labels", "1", m->n_labels, 1, 1, 1);
    }
}

static void walk_head(struct walk *w)
{
    const struct tmem_model *m = w->m;
    if (m->final_norm)
        add_norm(w, K(FINAL_NORM), K(FINAL_NORM_BIAS), "d_model", "1", m->d_model, 1);
    if (m->encoder) {
        walk_encoder_head(w);
        return;
    }
    if (!m->tied) /* a tied lm_head is the embedding: counted once, there */
        add(w, K(LM_HEAD), "n_vocab × d_embed", "1", m->n_vocab, m->d_embed, 1,
            1);                                                   /* (V, d_embed) */
    if (m->lm_head_bias)
        add(w, K(LM_HEAD_BIAS), "n_vocab", "1", m->n_vocab, 1, 1, 1);
}

/* The vision tower and projector (struct tmem_vision), once before the
 * layers; a text token passes through none of them (active 0: the text
 * FLOPs per token are unchanged). Every vision_config layer is stored and
 * counted, also the last one LLaVA's vision_feature_layer −2 leaves unused.
 * REF: modeling_clip.py CLIPVisionEmbeddings (patch_embedding Conv2d
 *      bias=False, class_embedding, position_embedding num_patches + 1),
 *      CLIPVisionTransformer (pre_layrnorm, post_layernorm), CLIPEncoderLayer
 *      (layer_norm1/2, q/k/v/out_proj with bias, fc1/fc2 with bias);
 *      modeling_siglip.py SiglipVisionEmbeddings (Conv2d with bias, num_patches
 *      positions), SiglipVisionTransformer (post_layernorm, head only when
 *      vision_use_head); modeling_qwen2_5_vl.py Qwen2_5_VisionPatchEmbed
 *      (Conv3d bias=False), Qwen2_5_VLVisionBlock (norm1/norm2 RMSNorm,
 *      qkv Linear(d, 3d, bias), proj with bias, gate/up/down with bias),
 *      Qwen2_5_VLPatchMerger; modeling_llava.py LlavaMultiModalProjector;
 *      modeling_llava_next.py image_newline; modeling_gemma3.py
 *      Gemma3MultiModalProjector. */
/* MllamaVisionModel + multi_modal_projector. REF: modeling_mllama.py
 * MllamaVisionModel (patch_embedding Conv2d without bias, class_embedding,
 * gated_positional_embedding: gate, embedding (n_patch + 1, d_v),
 * tile_embedding Embedding(max_aspect_ratio_id + 1, n_tile·(n_patch + 1)·d_v);
 * pre_/post_tile_positional_embedding: Embedding(max_aspect_ratio_id + 1,
 * n_tile·d_v) and a gate each; layernorm_pre, layernorm_post; transformer of
 * n_layer and global_transformer of n_global_layer MllamaVisionEncoderLayer:
 * q/k/v/o_proj without bias, fc1/fc2 with bias, input_layernorm and
 * post_attention_layernorm, gate_attn and gate_ffn in the global ones);
 * MllamaForConditionalGeneration.multi_modal_projector Linear(vision_output_dim,
 * text hidden_size) with bias. max_aspect_ratio_id = len(supported_aspect_ratios). */
static void walk_vision_mllama(struct walk *w)
{
    const struct tmem_vision *v = &w->m->vision;
    const uint64_t d = v->d_model, f = v->d_ff;
    const uint64_t L = v->n_layer + v->n_global_layer; /* every encoder layer */
    uint64_t side = v->patch ? v->image_size / v->patch : 0;
    uint64_t n_pos = mul(w, side, side) + 1;          /* patches + class token */
    uint64_t rows = v->n_aspect_ratio + 1;
    add(w, K(VISION_PATCH), "c·p² × d_v", "1", mul(w, v->n_channel, mul(w, v->patch, v->patch)), d, 1, 0);
    add(w, K(VISION_CLASS), "d_v", "1", d, 1, 1, 0);
    add(w, K(VISION_POS), "((image/p)² + 1) × d_v", "1", n_pos, d, 1, 0);
    add(w, K(VISION_TILE_POS), "(n_aspect + 1) × n_tile·((image/p)² + 1)·d_v", "1", rows,
        mul(w, mul(w, v->n_tile, n_pos), d), 1, 0);
    add(w, K(VISION_ASPECT_EMBD), "(n_aspect + 1) × n_tile·d_v", "2", rows, mul(w, v->n_tile, d), 2, 0);
    add(w, K(VISION_GATE), "1", "3 + 2·n_global_layer_v", 1, 1, 3 + mul(w, 2, v->n_global_layer), 0);
    uint64_t n_norm = mul(w, 2, L) + 2; /* each layer's two, layernorm_pre and _post */
    add(w, K(VISION_NORM), "d_v", "2·(n_layer_v + n_global_v) + 2", d, 1, n_norm, 0);
    add(w, K(VISION_NORM_BIAS), "d_v", "2·(n_layer_v + n_global_v) + 2", d, 1, n_norm, 0);
    add(w, K(VISION_QKV), "d_v × d_v", "3·(n_layer_v + n_global_v)", d, d, mul(w, 3, L), 0);
    add(w, K(VISION_O), "d_v × d_v", "n_layer_v + n_global_v", d, d, L, 0);
    add(w, K(VISION_MLP_UP), "d_v × d_ff_v", "n_layer_v + n_global_v", d, f, L, 0);
    add(w, K(VISION_MLP_UP_BIAS), "d_ff_v", "n_layer_v + n_global_v", f, 1, L, 0);
    add(w, K(VISION_MLP_DOWN), "d_ff_v × d_v", "n_layer_v + n_global_v", f, d, L, 0);
    add(w, K(VISION_MLP_DOWN_BIAS), "d_v", "n_layer_v + n_global_v", d, 1, L, 0);
    add(w, K(PROJ_2), "d_proj_in × d_text", "1", v->d_proj_in, v->d_text, 1, 0);
    add(w, K(PROJ_2_BIAS), "d_text", "1", v->d_text, 1, 1, 0);
}

static void walk_vision(struct walk *w)
{
    const struct tmem_vision *v = &w->m->vision;
    if (v->kind == TMEM_VISION_NONE)
        return;
    if (v->kind == TMEM_VISION_MLLAMA) {
        walk_vision_mllama(w);
        return;
    }
    const uint64_t d = v->d_model, L = v->n_layer, f = v->d_ff;
    const bool clip = v->kind == TMEM_VISION_CLIP, siglip = v->kind == TMEM_VISION_SIGLIP;
    const bool qwen = v->kind == TMEM_VISION_QWEN25_VL;
    uint64_t side = v->patch ? v->image_size / v->patch : 0;
    uint64_t n_patch = mul(w, side, side);
    uint64_t patch_in = mul(w, mul(w, v->n_channel, v->temporal_patch), mul(w, v->patch, v->patch));
    add(w, K(VISION_PATCH), "c·t·p² × d_v", "1", patch_in, d, 1, 0); /* (c·t·p·p, d_v) */
    if (siglip)
        add(w, K(VISION_PATCH_BIAS), "d_v", "1", d, 1, 1, 0);
    if (clip)
        add(w, K(VISION_CLASS), "d_v", "1", d, 1, 1, 0);
    if (clip || siglip) /* Qwen2.5-VL: 2D rotary, no learned positions */
        add(w, K(VISION_POS), "(image/p)²(+1) × d_v", "1", n_patch + (clip ? 1 : 0), d, 1, 0);
    /* per layer 2 norms; CLIP adds pre_layrnorm and post_layernorm, SigLIP post_layernorm */
    uint64_t n_norm = mul(w, 2, L) + (clip ? 2 : siglip ? 1 : 0);
    add(w, K(VISION_NORM), "d_v", "2·n_layer_v(+pre/post)", d, 1, n_norm, 0);
    if (!qwen) /* LayerNorm; Qwen2.5-VL's RMSNorm has no bias */
        add(w, K(VISION_NORM_BIAS), "d_v", "2·n_layer_v(+pre/post)", d, 1, n_norm, 0);
    add(w, K(VISION_QKV), "d_v × d_v", "3·n_layer_v", d, d, mul(w, 3, L), 0); /* (d_v, d_v) */
    add(w, K(VISION_QKV_BIAS), "d_v", "3·n_layer_v", d, 1, mul(w, 3, L), 0);
    add(w, K(VISION_O), "d_v × d_v", "n_layer_v", d, d, L, 0);                /* (d_v, d_v) */
    add(w, K(VISION_O_BIAS), "d_v", "n_layer_v", d, 1, L, 0);
    uint64_t n_up = qwen ? mul(w, 2, L) : L; /* gate_proj and up_proj */
    add(w, K(VISION_MLP_UP), "d_v × d_ff_v", qwen ? "2·n_layer_v" : "n_layer_v", d, f, n_up, 0);
    add(w, K(VISION_MLP_UP_BIAS), "d_ff_v", qwen ? "2·n_layer_v" : "n_layer_v", f, 1, n_up, 0);
    add(w, K(VISION_MLP_DOWN), "d_ff_v × d_v", "n_layer_v", f, d, L, 0);      /* (d_ff_v, d_v) */
    add(w, K(VISION_MLP_DOWN_BIAS), "d_v", "n_layer_v", d, 1, L, 0);

    const uint64_t t = v->d_text;
    switch (v->projector) {
    case TMEM_PROJECTOR_NONE:
        break;
    case TMEM_PROJECTOR_MLP2:
        add(w, K(PROJ_1), "d_v × d_text", "1", d, t, 1, 0);       /* (d_v, d_text) */
        add(w, K(PROJ_1_BIAS), "d_text", "1", t, 1, 1, 0);
        add(w, K(PROJ_2), "d_text × d_text", "1", t, t, 1, 0);    /* (d_text, d_text) */
        add(w, K(PROJ_2_BIAS), "d_text", "1", t, 1, 1, 0);
        break;
    case TMEM_PROJECTOR_GEMMA3:
        add(w, K(PROJ_NORM), "d_v", "1", d, 1, 1, 0);              /* mm_soft_emb_norm */
        add(w, K(PROJ_2), "d_v × d_text", "1", d, t, 1, 0);       /* mm_input_projection_weight */
        break;
    case TMEM_PROJECTOR_QWEN25_MERGER: {
        uint64_t h = mul(w, mul(w, v->merge, v->merge), d);       /* m²·d_v */
        add(w, K(PROJ_NORM), "d_v", "1", d, 1, 1, 0);              /* ln_q */
        add(w, K(PROJ_1), "m²·d_v × m²·d_v", "1", h, h, 1, 0);    /* mlp.0 */
        add(w, K(PROJ_1_BIAS), "m²·d_v", "1", h, 1, 1, 0);
        add(w, K(PROJ_2), "m²·d_v × d_text", "1", h, t, 1, 0);    /* mlp.2 */
        add(w, K(PROJ_2_BIAS), "d_text", "1", t, 1, 1, 0);
        break;
    }
    case TMEM_PROJECTOR_LINEAR: /* Mllama: walk_vision_mllama */
    case TMEM_PROJECTOR_COUNT:
        break;
    }
    if (v->image_newline)
        add(w, K(IMAGE_NEWLINE), "d_text", "1", t, 1, 1, 0);
}

static void clear(struct tmem_inventory *inv)
{
    inv->n_tensors = 0;
    memset(inv->group_params, 0, sizeof inv->group_params);
    inv->total_params = inv->active_params = 0;
}

enum tmem_status tmem_inventory_build(const struct tmem_model *m, struct tmem_inventory *inv,
                                      struct tmem_error *err)
{
    /* Built in place (this runs 10^7 times a second in `make bench`): only
     * the sums and the rows in use are written. On any error the inventory
     * is left empty rather than half-filled. */
    if (inv == NULL)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "inventory", "no inventory given");
    clear(inv);
    if (m == NULL)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "inventory", "no model given");
    if (m->d_model == 0 || m->n_layer == 0 || m->n_head == 0 || m->n_kv_head == 0 ||
        m->d_head == 0 || m->d_embed == 0 || m->n_vocab == 0 ||
        tmem_family_info(m->family) == NULL)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "inventory",
                         "model is not resolved (call tmem_model_resolve first)");
    uint64_t n_moe = tmem_model_moe_layers(m);
    uint64_t n_attn = tmem_model_attn_layers_in(m, 0, m->n_layer);
    struct walk w = {.m = m, .inv = inv, .err = err, .st = TMEM_OK,
                     .layers = {[TMEM_SCOPE_INPUT] = 1, [TMEM_SCOPE_OUTPUT] = 1,
                                [TMEM_SCOPE_LAYER] = m->n_layer,
                                [TMEM_SCOPE_DENSE_LAYER] = m->n_layer - n_moe,
                                [TMEM_SCOPE_MOE_LAYER] = n_moe,
                                [TMEM_SCOPE_ENC_LAYER] = m->encdec ? m->n_enc_layer : 0,
                                [TMEM_SCOPE_ATTN_LAYER] = n_attn,
                                [TMEM_SCOPE_SSM_LAYER] = tmem_model_ssm_layers_in(m, 0, m->n_layer)},
                     .attn_sym = m->hybrid ? "n_attn_layer" : "n_layer",
                     .ssm_sym = m->hybrid ? "n_ssm_layer" : "n_layer"};
    walk_embedding(&w);
    walk_encoder(&w);
    walk_layers(&w);
    walk_head(&w);
    walk_vision(&w);
    if (w.st != TMEM_OK)
        clear(inv);
    return w.st;
}
