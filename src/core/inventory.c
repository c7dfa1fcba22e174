/* inventory.c — the exact parameter inventory: every kind of tensor a
 * resolved model holds, with its shape, how many times it repeats and how
 * many of those a token passes through. One shared walk serves all
 * families; the family rules (biases, norms, gating, MLA, experts) arrive as
 * fields of struct tmem_model. Counts are checked 64-bit products.
 *
 * REF: HF transformers modeling_<family>.py for each family's layout. */
#include "checked.h"
#include "error.h"

#include <string.h>

struct walk {
    const struct tmem_model *m;
    struct tmem_inventory *inv;
    struct tmem_error *err;
    enum tmem_status st;
};

/* Adds `count` copies of a rows × cols tensor (cols 1: a vector). Zero-sized
 * or zero-count tensors are skipped, so an absent bias adds no line. */
#if defined(__GNUC__) || defined(__clang__)
#define HOT_INLINE inline __attribute__((always_inline))
#else
#define HOT_INLINE inline
#endif

static HOT_INLINE void add(struct walk *w, enum tmem_group g, const char *name, const char *shape_sym,
                const char *count_sym, uint64_t rows, uint64_t cols, uint64_t count,
                uint64_t count_active)
{
    if (w->st != TMEM_OK || rows == 0 || cols == 0 || count == 0)
        return;
    struct tmem_inventory *inv = w->inv;
    if (inv->n_tensors == TMEM_MAX_TENSORS) {
        w->st = tmem_fail(w->err, TMEM_ERR_CAPACITY, name, "too many tensor kinds");
        return;
    }
    uint64_t params, active, sum_g, sum_t, sum_a;
    if (!tmem_mul3_u64(rows, cols, count, &params) ||
        (count_active == count ? (active = params, false)
                               : !tmem_mul3_u64(rows, cols, count_active, &active)) ||
        !tmem_add_u64(inv->group_params[g], params, &sum_g) ||
        !tmem_add_u64(inv->total_params, params, &sum_t) ||
        !tmem_add_u64(inv->active_params, active, &sum_a)) {
        w->st = tmem_fail(w->err, TMEM_ERR_OVERFLOW, name,
                          "parameter count does not fit in 64 bits");
        return;
    }
    inv->tensors[inv->n_tensors++] = (struct tmem_tensor){
        .group = g, .name = name, .shape_sym = shape_sym, .count_sym = count_sym,
        .rows = rows, .cols = cols, .count = count, .count_active = count_active,
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
        w->st = tmem_fail(w->err, TMEM_ERR_OVERFLOW, "shape", "tensor shape overflows 64 bits");
    return r;
}

/* A norm of `width` repeated `count` times: weight (RMSNorm, LayerNorm) and
 * bias (LayerNorm only); a non-parametric norm adds nothing. */
static void add_norm(struct walk *w, const char *name_w, const char *name_b, const char *sym,
                     const char *count_sym, uint64_t width, uint64_t count)
{
    if (w->m->norm == TMEM_NORM_NONPARAM)
        return;
    add(w, TMEM_GROUP_NORM, name_w, sym, count_sym, width, 1, count, count);
    if (w->m->norm == TMEM_NORM_LAYERNORM)
        add(w, TMEM_GROUP_NORM, name_b, sym, count_sym, width, 1, count, count);
}

static void walk_embedding(struct walk *w)
{
    const struct tmem_model *m = w->m;
    add(w, TMEM_GROUP_EMBEDDING, "embed_tokens", "n_vocab × d_embed", "1", m->n_vocab,
        m->d_embed, 1, 1);                                           /* (V, d_embed) */
    if (m->learned_pos)
        add(w, TMEM_GROUP_EMBEDDING, "embed_positions", "n_pos × d_model", "1", m->n_pos,
            m->d_model, 1, 1);                                       /* (n_ctx + extra, d) */
    if (m->d_embed != m->d_model) { /* OPT-350m: word_embed_proj_dim != hidden */
        add(w, TMEM_GROUP_EMBEDDING, "project_in", "d_embed × d_model", "1", m->d_embed,
            m->d_model, 1, 1);
        add(w, TMEM_GROUP_EMBEDDING, "project_out", "d_model × d_embed", "1", m->d_model,
            m->d_embed, 1, 1);
    }
    if (m->embed_norm)
        add_norm(w, "embed_norm.weight", "embed_norm.bias", "d_model", "1", m->d_model, 1);
}

static void walk_attention_gqa(struct walk *w)
{
    const struct tmem_model *m = w->m;
    uint64_t L = m->n_layer;
    uint64_t q = mul(w, m->n_head, m->d_head), kv = mul(w, m->n_kv_head, m->d_head);
    const enum tmem_group A = TMEM_GROUP_ATTENTION;
    add(w, A, "attn.q_proj", "d_model × n_head·d_head", "n_layer", m->d_model, q, L, L);
    add(w, A, "attn.k_proj", "d_model × n_kv_head·d_head", "n_layer", m->d_model, kv, L, L);
    add(w, A, "attn.v_proj", "d_model × n_kv_head·d_head", "n_layer", m->d_model, kv, L, L);
    add(w, A, "attn.o_proj", "n_head·d_head × d_model", "n_layer", q, m->d_model, L, L);
    if (m->qkv_bias) {
        add(w, A, "attn.q_proj.bias", "n_head·d_head", "n_layer", q, 1, L, L);
        add(w, A, "attn.k_proj.bias", "n_kv_head·d_head", "n_layer", kv, 1, L, L);
        add(w, A, "attn.v_proj.bias", "n_kv_head·d_head", "n_layer", kv, 1, L, L);
    }
    if (m->o_bias)
        add(w, A, "attn.o_proj.bias", "d_model", "n_layer", m->d_model, 1, L, L);
    if (m->qk_norm) { /* Qwen3 q_norm/k_norm, phi's qk_layernorm: width d_head */
        add_norm(w, "attn.q_norm.weight", "attn.q_norm.bias", "d_head", "n_layer", m->d_head, L);
        add_norm(w, "attn.k_norm.weight", "attn.k_norm.bias", "d_head", "n_layer", m->d_head, L);
    }
}

/* DeepSeek-V2/V3 multi-head latent attention.
 * REF: modeling_deepseek.py DeepseekV2Attention */
static void walk_attention_mla(struct walk *w)
{
    const struct tmem_model *m = w->m;
    uint64_t L = m->n_layer;
    const enum tmem_group A = TMEM_GROUP_ATTENTION;
    uint64_t qk = mul(w, m->n_head, m->qk_nope_dim + m->qk_rope_dim);
    if (m->q_lora_rank > 0) {
        add(w, A, "attn.q_a_proj", "d_model × q_lora_rank", "n_layer", m->d_model,
            m->q_lora_rank, L, L);
        add(w, TMEM_GROUP_NORM, "attn.q_a_layernorm", "q_lora_rank", "n_layer", m->q_lora_rank,
            1, L, L);
        add(w, A, "attn.q_b_proj", "q_lora_rank × n_head·(qk_nope+qk_rope)", "n_layer",
            m->q_lora_rank, qk, L, L);
    } else {
        add(w, A, "attn.q_proj", "d_model × n_head·(qk_nope+qk_rope)", "n_layer", m->d_model,
            qk, L, L);
    }
    add(w, A, "attn.kv_a_proj_with_mqa", "d_model × (kv_lora_rank+qk_rope)", "n_layer",
        m->d_model, m->kv_lora_rank + m->qk_rope_dim, L, L);
    add(w, TMEM_GROUP_NORM, "attn.kv_a_layernorm", "kv_lora_rank", "n_layer", m->kv_lora_rank,
        1, L, L);
    add(w, A, "attn.kv_b_proj", "kv_lora_rank × n_head·(qk_nope+v_head)", "n_layer",
        m->kv_lora_rank, mul(w, m->n_head, m->qk_nope_dim + m->v_head_dim), L, L);
    add(w, A, "attn.o_proj", "n_head·v_head × d_model", "n_layer",
        mul(w, m->n_head, m->v_head_dim), m->d_model, L, L);
}

/* A dense MLP of width f, `count` times. */
static void walk_mlp(struct walk *w, enum tmem_group g, const char *const names[6],
                     const char *shape_in, const char *shape_out, const char *bias_sym,
                     const char *count_sym, uint64_t f, uint64_t count, uint64_t count_active,
                     bool bias)
{
    const struct tmem_model *m = w->m;
    if (m->mlp == TMEM_MLP_GATED)
        add(w, g, names[0], shape_in, count_sym, m->d_model, f, count, count_active);
    add(w, g, names[1], shape_in, count_sym, m->d_model, f, count, count_active);
    add(w, g, names[2], shape_out, count_sym, f, m->d_model, count, count_active);
    if (bias) {
        if (m->mlp == TMEM_MLP_GATED)
            add(w, g, names[3], bias_sym, count_sym, f, 1, count, count_active);
        add(w, g, names[4], bias_sym, count_sym, f, 1, count, count_active);
        add(w, g, names[5], "d_model", count_sym, m->d_model, 1, count, count_active);
    }
}

static void walk_layers(struct walk *w)
{
    const struct tmem_model *m = w->m;
    uint64_t L = m->n_layer;
    uint64_t n_moe = tmem_model_moe_layers(m), n_dense = L - n_moe;

    if (m->attn == TMEM_ATTN_MLA)
        walk_attention_mla(w);
    else
        walk_attention_gqa(w);
    add_norm(w, "layer_norms.weight", "layer_norms.bias", "d_model", "n_layer·n_norm_per_layer",
             m->d_model, mul(w, L, m->n_norm_per_layer));

    static const char *const dense_names[6] = {"mlp.gate_proj",      "mlp.up_proj",
                                               "mlp.down_proj",      "mlp.gate_proj.bias",
                                               "mlp.up_proj.bias",   "mlp.down_proj.bias"};
    walk_mlp(w, TMEM_GROUP_MLP, dense_names, "d_model × d_ff", "d_ff × d_model", "d_ff",
             n_moe ? "n_dense_layer" : "n_layer", m->d_ff, n_dense, n_dense, m->mlp_bias);
    if (n_moe == 0)
        return;

    const enum tmem_group R = TMEM_GROUP_ROUTER;
    add(w, R, "moe.router", "d_model × n_expert", "n_moe_layer", m->d_model, m->n_expert, n_moe,
        n_moe);
    if (m->router_bias)
        add(w, R, "moe.router.bias", "n_expert", "n_moe_layer", m->n_expert, 1, n_moe, n_moe);
    if (m->shared_expert_gate)
        add(w, R, "moe.shared_expert_gate", "d_model × 1", "n_moe_layer", m->d_model, 1, n_moe,
            n_moe);
    static const char *const expert_names[6] = {
        "experts.gate_proj",      "experts.up_proj",      "experts.down_proj",
        "experts.gate_proj.bias", "experts.up_proj.bias", "experts.down_proj.bias"};
    walk_mlp(w, TMEM_GROUP_EXPERTS, expert_names, "d_model × d_ff_expert",
             "d_ff_expert × d_model", "d_ff_expert", "n_moe_layer·n_expert", m->d_ff_expert,
             mul(w, n_moe, m->n_expert), mul(w, n_moe, m->n_expert_used), false);
    static const char *const shared_names[6] = {
        "shared_experts.gate_proj",      "shared_experts.up_proj",
        "shared_experts.down_proj",      "shared_experts.gate_proj.bias",
        "shared_experts.up_proj.bias",   "shared_experts.down_proj.bias"};
    walk_mlp(w, TMEM_GROUP_SHARED_EXPERTS, shared_names, "d_model × d_ff_shared",
             "d_ff_shared × d_model", "d_ff_shared", "n_moe_layer", m->d_ff_shared, n_moe,
             n_moe, false);
}

static void walk_head(struct walk *w)
{
    const struct tmem_model *m = w->m;
    if (m->final_norm)
        add_norm(w, "final_norm.weight", "final_norm.bias", "d_model", "1", m->d_model, 1);
    if (!m->tied) /* a tied lm_head is the embedding: counted once, there */
        add(w, TMEM_GROUP_LM_HEAD, "lm_head", "n_vocab × d_embed", "1", m->n_vocab, m->d_embed,
            1, 1);
    if (m->lm_head_bias)
        add(w, TMEM_GROUP_LM_HEAD, "lm_head.bias", "n_vocab", "1", m->n_vocab, 1, 1, 1);
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
        return tmem_fail(err, TMEM_ERR_INVALID_ARG, "inventory", "no inventory given");
    clear(inv);
    if (m == NULL)
        return tmem_fail(err, TMEM_ERR_INVALID_ARG, "inventory", "no model given");
    if (m->d_model == 0 || m->n_layer == 0 || m->n_head == 0 || m->n_kv_head == 0 ||
        m->d_head == 0 || m->d_embed == 0 || m->n_vocab == 0 ||
        tmem_family_info(m->family) == NULL)
        return tmem_fail(err, TMEM_ERR_INVALID_ARG, "inventory",
                         "model is not resolved (call tmem_model_resolve first)");
    struct walk w = {.m = m, .inv = inv, .err = err, .st = TMEM_OK};
    walk_embedding(&w);
    walk_layers(&w);
    walk_head(&w);
    if (w.st != TMEM_OK)
        clear(inv);
    return w.st;
}
