/* train_act.c — activations saved for backward, derived tensor by tensor,
 * and the temporaries of the loss and of recomputation. Every byte count
 * here is "tokens × bytes per token" (or, for the attention scores,
 * "b·heads·s·s × bytes per element"); the bytes per token are sums of the
 * tensors listed below, each in the dtype the policy gives it:
 *   r  residual-stream dtype (fp32 under fp32 and autocast, else 16-bit)
 *   c  compute dtype: matmul inputs and outputs (fp32 only under fp32)
 *
 * Two reference implementations (which one a family follows is in
 * `profiles` below; both were measured with PyTorch, tests/validate/):
 *  - GPT-style (LayerNorm families): the Megatron / nanoGPT kernels: fused
 *    LayerNorm, softmax in c, fused GELU, dropout by the family's config.
 *    Per layer this is Korthikanti et al. 2022's s·b·h·(34 + 5·a·s/h) for
 *    GPT-3-shaped layers (d_ff = 4h, 16-bit, with dropout), plus the fp32
 *    LayerNorm statistics the paper leaves out (2 × 8 bytes per token).
 *  - Llama-style (RMSNorm families): HF transformers' eager modules:
 *    unfused RMSNorm computed in fp32, unfused rotary embedding (which saves
 *    only its cos / sin tables), repeat_kv
 *    for grouped-query attention, softmax upcast to fp32, SwiGLU as
 *    down(silu(gate(x)) · up(x)).
 * "flash" is FlashAttention-2 for both: it saves q, k, v (at n_kv_head
 * width), its output (which is also the o_proj input) and the fp32
 * log-sum-exp per head and token; dropout inside the kernel saves no mask.
 *
 * Tensor parallel divides the tensors inside attention and MLP (heads, d_ff,
 * vocab); sequence-dimension tensors (norm inputs, the inputs of the first
 * linear of each block, dropout masks) are replicated unless sequence
 * parallel splits them too. Context parallel splits the sequence. */
#include "train_internal.h"

/* Per-family kernel profile: dropout defaults as in the family's HF config
 * (attention / residual / embedding dropout on or off), rotary embedding,
 * and whether the eager softmax runs in fp32. */
static const struct {
    bool attn, resid, embd, rope, softmax_fp32;
} profiles[] = {
    [TMEM_FAMILY_GPT2] = {true, true, true, false, false},    /* attn/resid/embd_pdrop 0.1 */
    [TMEM_FAMILY_GPT_NEOX] = {false, false, false, true, false},
    [TMEM_FAMILY_OPT] = {false, true, true, false, false},    /* dropout 0.1, attention 0.0 */
    [TMEM_FAMILY_BLOOM] = {false, false, false, false, false},
    [TMEM_FAMILY_PHI] = {false, false, false, true, false},
    [TMEM_FAMILY_FALCON] = {false, false, false, true, false},
    [TMEM_FAMILY_LLAMA] = {false, false, false, true, true},
    [TMEM_FAMILY_MISTRAL] = {false, false, false, true, true},
    [TMEM_FAMILY_QWEN2] = {false, false, false, true, true},
    [TMEM_FAMILY_QWEN3] = {false, false, false, true, true},
    [TMEM_FAMILY_GEMMA] = {false, false, false, true, true},
    [TMEM_FAMILY_GEMMA2] = {false, false, false, true, true},
    [TMEM_FAMILY_PHI3] = {false, false, false, true, true},
    [TMEM_FAMILY_OLMO] = {false, false, false, true, true},
    [TMEM_FAMILY_MIXTRAL] = {false, false, false, true, true},
    [TMEM_FAMILY_QWEN2_MOE] = {false, false, false, true, true},
    [TMEM_FAMILY_QWEN3_MOE] = {false, false, false, true, true},
    [TMEM_FAMILY_DEEPSEEK_V2] = {false, false, false, true, true},
    [TMEM_FAMILY_DEEPSEEK_V3] = {false, false, false, true, true},
};
_Static_assert(sizeof profiles / sizeof profiles[0] == TMEM_FAMILY_COUNT, "one profile per family");

void tmem_train_act_family(struct tmem_train_ctx *c)
{
    unsigned f = (unsigned)c->m->family < TMEM_FAMILY_COUNT ? (unsigned)c->m->family : 0;
    bool on = c->o->dropout == TMEM_ON, off = c->o->dropout == TMEM_OFF;
    c->dropout_attn = on || (!off && profiles[f].attn);
    c->dropout_resid = on || (!off && profiles[f].resid);
    c->dropout_embd = on || (!off && profiles[f].embd);
    c->rope = profiles[f].rope || c->m->attn == TMEM_ATTN_MLA;
    c->softmax_fp32 = profiles[f].softmax_fp32;
}

/* Bytes per token a norm of width w saves.
 *   LayerNorm (fused): its input (r·w) + fp32 mean and rstd (4 + 4)
 *   RMSNorm (HF eager: x.float(); x·rsqrt(mean(x²)+eps); weight·y.to(r)):
 *     x in fp32 (4·w: a copy, or the input itself under fp32), rsqrt (4),
 *     y in r (r·w, saved by the weight multiply). */
static uint64_t norm_bytes(const struct tmem_train_ctx *c, uint64_t w, uint64_t *stats)
{
    if (c->m->norm == TMEM_NORM_RMSNORM) {
        *stats += 4;
        return 4 * w + 4 + c->rb * w;
    }
    *stats += 8;
    return c->rb * w + 8;
}

/* d_ff after tensor parallel (tp is required to divide heads, not d_ff) */
static uint64_t local_ff(const struct tmem_train_ctx *c, uint64_t f)
{
    return tmem_ceil_div_u64(f, c->tp);
}

/* MLP inner tensors per token (tensor-parallel part):
 *   plain  act input (c·f), act output = down input (c·f)
 *   gated  gate out = silu input, silu out, up out (saved by the product),
 *          product = down input: 4 · c·f (a fused SwiGLU kernel saves 3) */
static uint64_t mlp_inner(const struct tmem_train_ctx *c, uint64_t f)
{
    uint64_t n = c->m->mlp == TMEM_MLP_GATED ? 4 : 2;
    return n * c->cb * local_ff(c, f);
}

struct terms {
    uint64_t repl, split; /* bytes per token: sequence-dim (replicated) and TP-split parts */
    uint64_t stats;       /* of which fp32 norm statistics */
};

/* Attention block of one layer, bytes per token. */
static void attn_terms(struct tmem_train_ctx *c, struct terms *t)
{
    const struct tmem_model *m = c->m;
    uint64_t h = m->d_model, cb = c->cb;
    uint64_t a = m->n_head / c->tp, g = m->n_kv_head / c->tp;
    bool flash = c->o->attention == TMEM_ATTENTION_FLASH;
    t->repl = norm_bytes(c, h, &t->stats) + cb * h; /* norm, then q/k/v input (the norm output) */
    if (m->attn == TMEM_ATTN_MLA) {
        uint64_t qk = m->qk_nope_dim + m->qk_rope_dim, v = m->v_head_dim;
        if (m->q_lora_rank > 0) /* q_a out → q_a_layernorm, its output → q_b */
            t->repl += norm_bytes(c, m->q_lora_rank, &t->stats) + cb * m->q_lora_rank;
        /* compressed kv → kv_a_layernorm → kv_b; k_pe rotary (one head) */
        t->repl += norm_bytes(c, m->kv_lora_rank, &t->stats) + cb * m->kv_lora_rank;
        t->split = cb * a * (2 * qk + v);              /* q, k (nope ‖ rope), v */
        t->split += flash ? cb * a * v + 4 * a         /* out (= o_proj input), lse */
                          : cb * a * v;                /* o_proj input */
        return;
    }
    uint64_t d = m->d_head;
    t->split = 0;
    if (m->qk_norm) { /* per-head RMSNorm on q and k (Qwen3) */
        uint64_t w = (a + g) * d;
        t->split += 4 * w + 4 * (a + g) + c->rb * w;
        t->stats += 4 * (a + g);
    }
    /* rotary q·cos + rotate_half(q)·sin saves only cos and sin (the tables
     * do not require grad): counted once per micro-batch with the embedding */
    if (flash) /* q, k, v at n_kv_head width; out (also the o_proj input); fp32 lse */
        t->split += cb * (2 * a + 2 * g) * d + 4 * a;
    else       /* q, k and v (repeated to n_head), o_proj input */
        t->split += 4 * cb * a * d;
}

/* Bytes per element of the b × n_head × s × s scores (naive attention):
 * softmax output (fp32 when the softmax is upcast or autocast runs it),
 * dropout mask (1) and output, and the copy cast back to c for the matmul
 * with v. GPT-style 16-bit with dropout: 2 + 1 + 2 = Korthikanti's 5. */
static uint64_t scores_per_elem(const struct tmem_train_ctx *c)
{
    uint64_t sd = (c->softmax_fp32 || c->pi->autocast) ? 4 : c->cb;
    uint64_t n = sd;
    if (c->dropout_attn)
        n += 1 + sd;
    if (sd != c->cb)
        n += c->cb;
    return n;
}

static void mlp_terms(struct tmem_train_ctx *c, struct terms *t, uint64_t f)
{
    uint64_t h = c->m->d_model;
    t->repl = norm_bytes(c, h, &t->stats) + c->cb * h; /* norm, MLP input */
    t->split = mlp_inner(c, f);
}

/* A mixture-of-experts MLP, per token: the norm and its output (router and
 * shared-expert input), the fp32 router softmax (4·n_expert), top-k indices
 * (8·k), each routed copy of the token (c·h, in and out: the output is saved
 * by the routing-weight multiply) and the experts' inner tensors (k of them),
 * plus the shared experts' inner tensors. */
static void moe_terms(struct tmem_train_ctx *c, struct terms *t)
{
    const struct tmem_model *m = c->m;
    uint64_t h = m->d_model, k = m->n_expert_used;
    t->repl = norm_bytes(c, h, &t->stats) + c->cb * h + 4 * m->n_expert + 8 * k + 2 * k * c->cb * h;
    t->split = k * mlp_inner(c, m->d_ff_expert) + (m->d_ff_shared ? mlp_inner(c, m->d_ff_shared) : 0);
}

void tmem_train_layer_act(struct tmem_train_ctx *c, struct tmem_layer_act *la)
{
    struct terms at = {0, 0, 0}, ml = {0, 0, 0}, mo = {0, 0, 0};
    attn_terms(c, &at);
    mlp_terms(c, &ml, c->m->d_ff);
    if (c->m->n_expert > 0)
        moe_terms(c, &mo);
    uint64_t T = c->tokens, R = c->tokens_repl;
    la->attn = tc_add(c, tc_mul(c, R, at.repl), tc_mul(c, T, at.split));
    la->mlp = tc_add(c, tc_mul(c, R, ml.repl), tc_mul(c, T, ml.split));
    la->moe = c->m->n_expert ? tc_add(c, tc_mul(c, R, mo.repl), tc_mul(c, T, mo.split)) : 0;
    la->norm_stats = tc_mul(c, R, at.stats + ml.stats);
    la->masks = c->dropout_resid ? tc_mul3(c, R, 2, c->m->d_model) : 0;
    bool naive = c->o->attention == TMEM_ATTENTION_NAIVE;
    /* b · n_head/tp · (s/cp) · s: local queries against every key */
    uint64_t score_elems = tc_mul(c, tc_mul3(c, c->o->micro_batch, c->m->n_head / c->tp, c->s_local),
                                  c->seq);
    la->scores = naive ? tc_mul(c, score_elems, scores_per_elem(c)) : 0;
    la->checkpoint = tc_mul3(c, R, c->rb, c->m->d_model);
    uint64_t full = tc_add(c, tc_add(c, la->attn, la->scores), tc_add(c, la->mlp, la->masks));
    if (c->o->recompute == TMEM_RECOMPUTE_FULL)
        la->total = la->checkpoint;
    else if (c->o->recompute == TMEM_RECOMPUTE_SELECTIVE)
        la->total = full - la->scores;
    else
        la->total = full;
}

/* × micro-batches in flight on this stage (a ratio for interleaved 1F1B) */
static uint64_t inflight(struct tmem_train_ctx *c, uint64_t bytes)
{
    return tc_scale(c, bytes, c->lay.inflight_num, c->lay.inflight_den);
}

static void f_inflight(struct tmem_train_ctx *c, struct tmem_sb *f)
{
    fu(f, c->lay.inflight_num);
    if (c->lay.inflight_den != 1) {
        fs(f, "/");
        fu(f, c->lay.inflight_den);
    }
}

/* "n × in_flight × (b·s × repl + b·s × split) = 32 × 1 × (4096 × 16392 + 4096 × 98436)" */
static uint64_t per_layer_item(struct tmem_train_ctx *c, struct tmem_sb *f, const char *nsym,
                               uint64_t n, uint64_t per_layer, const struct terms *t)
{
    bool sp = c->tokens_repl != c->tokens;
    fs(f, nsym);
    fs(f, sp ? " × in_flight × (b·s/tp × B_seq + b·s × B_heads) = "
             : " × in_flight × (b·s × B_seq + b·s × B_heads/tp) = ");
    fu(f, n);
    fs(f, " × ");
    f_inflight(c, f);
    fs(f, " × (");
    fu(f, c->tokens_repl);
    fs(f, " × ");
    fu(f, t->repl);
    fs(f, " + ");
    fu(f, c->tokens);
    fs(f, " × ");
    fu(f, t->split);
    fs(f, ")");
    return inflight(c, tc_mul(c, n, per_layer));
}

static uint64_t logits_width(struct tmem_train_ctx *c)
{
    return tmem_ceil_div_u64(c->m->n_vocab, c->tp); /* vocab-parallel */
}

/* tokens whose logits exist at once: all, or one chunk with --fused-ce */
static uint64_t logit_tokens(struct tmem_train_ctx *c)
{
    uint64_t t = c->tokens;
    if (c->o->fused_ce && c->o->ce_chunk_tokens < t)
        t = c->o->ce_chunk_tokens;
    return t;
}

uint64_t tmem_train_act_item(struct tmem_train_ctx *c, enum tmem_train_item it, struct tmem_sb *f)
{
    const struct tmem_model *m = c->m;
    const struct tmem_train_layout *lay = &c->lay;
    bool full = c->o->recompute == TMEM_RECOMPUTE_FULL;
    const struct tmem_layer_act la = c->la;
    struct terms t = {0, 0, 0};
    switch (it) {
    case TMEM_TI_ACT_ATTN:
        if (full)
            return 0;
        if (f)
            attn_terms(c, &t);
        return per_layer_item(c, f, "n_layer_stage", lay->layers, la.attn, &t);
    case TMEM_TI_ACT_SCORES:
        if (full || c->o->recompute == TMEM_RECOMPUTE_SELECTIVE || la.scores == 0)
            return 0;
        fs(f, "n_layer_stage × in_flight × b × n_head/tp × s/cp × s × ");
        fu(f, scores_per_elem(c));
        fs(f, " B = ");
        fu(f, lay->layers);
        fs(f, " × ");
        f_inflight(c, f);
        fs(f, " × ");
        fu(f, c->o->micro_batch);
        fs(f, " × ");
        fu(f, m->n_head / c->tp);
        fs(f, " × ");
        fu(f, c->s_local);
        fs(f, " × ");
        fu(f, c->seq);
        fs(f, " × ");
        fu(f, scores_per_elem(c));
        fs(f, c->dropout_attn ? " B (softmax, dropout mask and output" : " B (softmax");
        fs(f, (c->softmax_fp32 || c->pi->autocast) && c->cb != 4 ? " in fp32, its 16-bit copy)" : ")");
        return inflight(c, tc_mul(c, lay->layers, la.scores));
    case TMEM_TI_ACT_MLP:
        if (full || lay->dense_layers == 0)
            return 0;
        if (f)
            mlp_terms(c, &t, m->d_ff);
        return per_layer_item(c, f, "n_dense_layer_stage", lay->dense_layers, la.mlp, &t);
    case TMEM_TI_ACT_MOE:
        if (full || lay->moe_layers == 0)
            return 0;
        if (f)
            moe_terms(c, &t);
        return per_layer_item(c, f, "n_moe_layer_stage", lay->moe_layers, la.moe, &t);
    case TMEM_TI_ACT_MASKS:
        if (full || la.masks == 0)
            return 0;
        fs(f, "n_layer_stage × in_flight × 2 × b·s × d_model × 1 B = ");
        fu(f, lay->layers);
        fs(f, " × ");
        f_inflight(c, f);
        fs(f, " × 2 × ");
        fu(f, c->tokens_repl);
        fs(f, " × ");
        fu(f, m->d_model);
        return inflight(c, tc_mul(c, lay->layers, la.masks));
    case TMEM_TI_ACT_CKPT:
        if (!full)
            return 0;
        fs(f, "n_layer_stage × in_flight × b·s × d_model × r = ");
        fu(f, lay->layers);
        fs(f, " × ");
        f_inflight(c, f);
        fs(f, " × ");
        fu(f, c->tokens_repl);
        fs(f, " × ");
        fu(f, m->d_model);
        fs(f, " × ");
        fu(f, c->rb);
        return inflight(c, tc_mul(c, lay->layers, la.checkpoint));
    case TMEM_TI_ACT_ENDS: {
        uint64_t first = 0, last = 0, stats = 0;
        if (lay->first) {
            /* token ids (int64, saved by the embedding), learned position ids,
             * rotary cos/sin tables (2 · s · d_rot · r, shared by all layers),
             * embedding dropout mask, embedding norm (BLOOM) */
            uint64_t d_rot = m->attn == TMEM_ATTN_MLA ? m->qk_rope_dim : m->d_head;
            first = tc_mul(c, c->tokens, 8);
            if (m->learned_pos)
                first = tc_add(c, first, tc_mul(c, c->s_local, 8));
            if (c->rope)
                first = tc_add(c, first, tc_mul3(c, 2 * c->s_local, d_rot, c->rb));
            uint64_t per_tok = (c->dropout_embd ? m->d_model : 0) +
                               (m->embed_norm ? norm_bytes(c, m->d_model, &stats) : 0);
            first = tc_add(c, first, tc_mul(c, c->tokens_repl, per_tok));
        }
        if (lay->last) /* final norm and the lm_head input */
            last = tc_mul(c, c->tokens_repl,
                          (m->final_norm ? norm_bytes(c, m->d_model, &stats) : 0) +
                              c->cb * m->d_model);
        fs(f, "in_flight × (ids 8·b·s");
        if (m->learned_pos)
            fs(f, " + positions 8·s");
        if (c->rope)
            fs(f, " + rotary cos/sin 2·s·d_rot·r");
        if (c->dropout_embd)
            fs(f, " + dropout mask b·s·d_model");
        fs(f, " + final norm and lm_head input) = ");
        f_inflight(c, f);
        fs(f, " × (");
        fu(f, first);
        fs(f, " + ");
        fu(f, last);
        fs(f, ")");
        return inflight(c, tc_add(c, first, last));
    }
    case TMEM_TI_ACT_AUTOCAST:
        if (!c->pi->autocast)
            return 0;
        fs(f, "matmul weights of this GPU × c (autocast caches its casts until backward) = ");
        fu(f, lay->matmul_params);
        fs(f, " × ");
        fu(f, c->cb);
        return tc_mul(c, lay->matmul_params, c->cb);
    case TMEM_TI_LOGITS:
        if (!lay->last)
            return 0;
        fs(f, c->o->fused_ce ? "chunk tokens × n_vocab/tp × c = " : "b·s × n_vocab/tp × c = ");
        fu(f, logit_tokens(c));
        fs(f, " × ");
        fu(f, logits_width(c));
        fs(f, " × ");
        fu(f, c->cb);
        return tc_mul3(c, logit_tokens(c), logits_width(c), c->cb);
    case TMEM_TI_LOSS:
        /* the loss upcasts the logits and saves the fp32 log-softmax (and
         * the int64 targets) for its backward */
        if (!lay->last)
            return 0;
        if (c->o->fused_ce) {
            fs(f, "chunk tokens × n_vocab/tp × 4 (fp32 softmax of one chunk) = ");
            fu(f, logit_tokens(c));
            fs(f, " × ");
            fu(f, logits_width(c));
            fs(f, " × 4");
            return tc_mul3(c, logit_tokens(c), logits_width(c), 4);
        }
        fs(f, "b·s × (n_vocab/tp × 4 + 8) = ");
        fu(f, c->tokens);
        fs(f, " × (");
        fu(f, logits_width(c));
        fs(f, " × 4 + 8)");
        return tc_mul(c, c->tokens, tc_add(c, tc_mul(c, logits_width(c), 4), 8));
    case TMEM_TI_LOGITS_GRAD:
        if (!lay->last)
            return 0;
        if (c->o->fused_ce) { /* the fused loss computes d(hidden) in forward and keeps it */
            fs(f, "b·s × d_model × c (hidden-state gradient kept from the fused forward) = ");
            fu(f, c->tokens);
            fs(f, " × ");
            fu(f, m->d_model);
            fs(f, " × ");
            fu(f, c->cb);
            return tc_add(c, tc_mul3(c, c->tokens, m->d_model, c->cb),
                          tc_mul3(c, logit_tokens(c), logits_width(c), 4));
        }
        fs(f, "b·s × n_vocab/tp × (4");
        if (c->cb != 4)
            fs(f, " + c");
        fs(f, ") (fp32 gradient of the logits");
        fs(f, c->cb != 4 ? ", then its 16-bit cast) = " : ") = ");
        fu(f, c->tokens);
        fs(f, " × ");
        fu(f, logits_width(c));
        fs(f, " × ");
        fu(f, 4 + (c->cb != 4 ? c->cb : 0));
        return tc_mul3(c, c->tokens, logits_width(c), 4 + (c->cb != 4 ? c->cb : 0));
    case TMEM_TI_RECOMPUTE: {
        if (c->o->recompute == TMEM_RECOMPUTE_NONE)
            return 0;
        uint64_t one;
        if (c->o->recompute == TMEM_RECOMPUTE_SELECTIVE) {
            if (la.scores == 0)
                return 0;
            one = la.scores;
            fs(f, "one layer's attention scores, recomputed = ");
        } else {
            uint64_t mlp = lay->moe_layers > 0 && la.moe > la.mlp ? la.moe : la.mlp;
            one = tc_add(c, tc_add(c, la.attn, la.scores), tc_add(c, mlp, la.masks));
            fs(f, "one layer's activations, recomputed during its backward = ");
        }
        fu(f, one);
        return one;
    }
    default:
        return 0;
    }
}
