/* train_act.c — the formulas of the activation items of the training
 * ledger (each layer's parts × the layers and micro-batches in flight, the
 * ends of the model, logits, loss, recomputation), built with the term
 * builder so that each value and its --explain text come from the same
 * operations. The per-layer bytes are "tokens × bytes per token" (or, for
 * the attention scores, "b·heads·s·s × bytes per element"), the bytes per
 * token sums over the activation inventory (act_inventory.c), each tensor
 * in the dtype the policy gives it:
 *   r  residual-stream dtype (fp32 under fp32 and autocast, else 16-bit)
 *   c  compute dtype: matmul inputs and outputs (fp32 only under fp32)
 *
 * Two reference implementations (which one a family follows is in its
 * descriptor, include/tmem/families.h; both were measured with PyTorch,
 * tests/validate/):
 *  - GPT-style (LayerNorm families): the Megatron / nanoGPT kernels: fused
 *    LayerNorm, softmax in c, fused GELU, dropout by the family's config.
 *    Per layer this is Korthikanti et al. 2022's s·b·h·(34 + 5·a·s/h) for
 *    GPT-3-shaped layers (d_ff = 4h, 16-bit, with dropout), plus the fp32
 *    LayerNorm statistics the paper leaves out (2 × 8 bytes per token).
 *  - Llama-style (RMSNorm families): HF transformers' eager modules:
 *    unfused RMSNorm computed in fp32, unfused rotary embedding (which saves
 *    only its cos / sin tables), repeat_kv
 *    for grouped-query attention, softmax upcast to fp32, SwiGLU as
 *    down(silu(gate(x)) · up(x)). --kernels fused|liger|te replace the
 *    RMSNorm (input + fp32 rstd) and, for liger and te, the gated
 *    activation (gate and up kept, silu recomputed): enum tmem_kernels.
 * "flash" is FlashAttention-2 for both: it saves q, k, v (at n_kv_head
 * width), its output (which is also the o_proj input) and the fp32
 * log-sum-exp per head and token; dropout inside the kernel saves no mask.
 *
 * Tensor parallel divides the tensors inside attention and MLP (heads, d_ff,
 * vocab); sequence-dimension tensors (norm inputs, the inputs of the first
 * linear of each block, dropout masks) are replicated unless sequence
 * parallel splits them too. Context parallel splits the sequence. */
#include "term.h"
#include "train_internal.h"

/* The kernel profile of the model's family (its descriptor in
 * include/tmem/families.h: rotary, eager softmax in fp32) and the dropouts
 * the model trains with: those whose rate is > 0 (read from config.json,
 * else the family's config-class default), unless --dropout says on / off. */
void tmem__train_act_family(struct tmem_train_ctx *c)
{
    const struct tmem_family_info *fi = tmem_family_info(c->m->family);
    const double *p = c->m->dropout;
    bool on = c->o->dropout == TMEM_ON, off = c->o->dropout == TMEM_OFF;
    c->dropout_attn = on || (!off && p[TMEM_DROPOUT_ATTN] > 0.0);
    c->dropout_resid = on || (!off && p[TMEM_DROPOUT_RESID] > 0.0);
    c->dropout_embd = on || (!off && p[TMEM_DROPOUT_EMBD] > 0.0);
    c->rope = (fi != NULL && fi->rope) || c->m->attn == TMEM_ATTN_MLA;
    c->softmax_fp32 = fi != NULL && fi->softmax_fp32;
}

/* ------------------------------------------------------------ formulas */

/* The value of a finished term, its overflow recorded in the context and,
 * when explaining, its text ("symbols = numbers") appended to f. */
static uint64_t done(struct tmem_train_ctx *c, const struct tmem__term *t, struct tmem_sb *f)
{
    if (f != NULL) {
        char text[TMEM_FORMULA_LEN];
        tmem__term_render(t, text, sizeof text);
        tmem__sb_str(f, text);
    }
    return tc_term(c, t);
}

static bool seq_parallel(const struct tmem_train_ctx *c)
{
    return c->tokens_repl != c->tokens;
}

/* One part of one layer from its sums per token: SP tensors on b·s (b·s/tp
 * under sequence parallel) tokens, TP tensors on b·s tokens:
 * "b·s × B_seq + b·s × B_heads/tp". */
static void part_factors(const struct tmem_train_ctx *c, struct tmem__term *t, uint64_t sp, uint64_t tp)
{
    bool seqpar = seq_parallel(c);
    tmem__term_plus(t, seqpar ? "b·s/tp" : "b·s", c->tokens_repl);
    tmem__term_mul(t, "B_seq", sp);
    tmem__term_plus(t, "b·s", c->tokens);
    tmem__term_mul(t, seqpar ? "B_heads" : "B_heads/tp", tp);
}

/* One layer's attention scores: each of the part's tensors holds n_head/tp
 * rows of s keys per local query token: "b × n_head/tp × s/cp × s × 6". */
static void scores_factors(const struct tmem_train_ctx *c, struct tmem__term *t)
{
    tmem__term_mul(t, c->o->dpo ? "2b (chosen + rejected)" : "b", c->seqs);
    tmem__term_mul(t, "n_head/tp", c->m->n_head / c->tp);
    tmem__term_mul(t, "s/cp", c->s_local);
    tmem__term_mul(t, "s", c->seq);
    tmem__term_mul(t, NULL, c->act.elem[TMEM_ACT_PART_SCORES]);
}

/* A part made of d_model-wide SP tensors (the residual dropout masks, the
 * layer input): "b·s × d_model × bytes per element (summed)". */
static void width_factors(const struct tmem_train_ctx *c, struct tmem__term *t, enum tmem_act_part p,
                          const char *elem_sym)
{
    tmem__term_mul(t, seq_parallel(c) ? "b·s/tp" : "b·s", c->tokens_repl);
    tmem__term_mul(t, "d_model", c->m->d_model);
    tmem__term_mul(t, elem_sym, c->act.elem[p]);
}

/* the element size of a layer input: r, or fp32 for a pure Mamba's residual_in_fp32 */
static const char *ckpt_sym(const struct tmem_train_ctx *c)
{
    return c->m->ssm != TMEM_SSM_NONE && !c->m->hybrid ? "fp32" : "r";
}

static uint64_t sums_bytes(struct tmem_train_ctx *c, uint64_t sp, uint64_t tp)
{
    struct tmem__term t;
    tmem__term_init(&t, false);
    part_factors(c, &t, sp, tp);
    return done(c, &t, NULL);
}

uint64_t tmem__train_sums_bytes(struct tmem_train_ctx *c, uint64_t sp, uint64_t tp)
{
    return sums_bytes(c, sp, tp);
}

/* a hybrid whose layers run one mixer each (attention, or the state-space
 * one): the mixer part is counted per layer kind */
static bool hybrid_kinds(const struct tmem_train_ctx *c)
{
    return c->m->hybrid && !c->m->hybrid_parallel;
}

/* One layer whole, as full recompute rebuilds it during its backward: its
 * attention, scores, masks and the larger of its MLP kinds on this stage. */
static void full_layer_factors(struct tmem_train_ctx *c, struct tmem__term *t)
{
    const struct tmem_train_act_sums *s = &c->act;
    enum tmem_act_part mlp = c->lay.moe_layers > 0 && c->la.moe > c->la.mlp ? TMEM_ACT_PART_MOE
                                                                            : TMEM_ACT_PART_MLP;
    uint64_t sp = s->sp[TMEM_ACT_PART_ATTN], tp = s->tp[TMEM_ACT_PART_ATTN];
    bool scores = true;
    if (hybrid_kinds(c) && (c->lay.attn_layers == 0 ||
                            sums_bytes(c, s->ssm_mixer_sp, s->ssm_mixer_tp) >
                                tc_add(c, c->la.attn, c->la.scores))) {
        /* the larger mixer of the stage's layer kinds: a state-space layer's */
        sp = s->ssm_mixer_sp;
        tp = s->ssm_mixer_tp;
        scores = false;
    }
    const enum tmem_act_part more[] = {scores ? TMEM_ACT_PART_SCORES : TMEM_ACT_PART_CHECKPOINT, mlp,
                                       TMEM_ACT_PART_MASKS};
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
        if (more[i] == TMEM_ACT_PART_CHECKPOINT)
            continue;
        sp = tc_add(c, sp, s->sp[more[i]]);
        tp = tc_add(c, tp, s->tp[more[i]]);
    }
    part_factors(c, t, sp, tp);
}


void tmem__train_layer_act(struct tmem_train_ctx *c, struct tmem_layer_act *la)
{
    tmem__act_layer(c, &c->act, NULL);
    tmem__train_layer_bytes(c, la);
}

void tmem__train_layer_bytes(struct tmem_train_ctx *c, struct tmem_layer_act *la)
{
    const struct tmem_train_act_sums *s = &c->act;
    la->attn = sums_bytes(c, s->sp[TMEM_ACT_PART_ATTN], s->tp[TMEM_ACT_PART_ATTN]);
    la->mlp = sums_bytes(c, s->sp[TMEM_ACT_PART_MLP], s->tp[TMEM_ACT_PART_MLP]);
    la->moe = c->m->n_expert ? sums_bytes(c, s->sp[TMEM_ACT_PART_MOE], s->tp[TMEM_ACT_PART_MOE]) : 0;
    la->norm_stats = sums_bytes(c, s->stats_sp, s->stats_tp);
    la->total = sums_bytes(c, s->saved_sp, s->saved_tp);
    /* parts this plan's kernel or dropout leaves empty are 0 without a term */
    struct tmem__term t;
    la->scores = 0;
    if (s->elem[TMEM_ACT_PART_SCORES] != 0) {
        tmem__term_init(&t, false);
        scores_factors(c, &t);
        la->scores = done(c, &t, NULL);
    }
    la->masks = 0;
    if (s->elem[TMEM_ACT_PART_MASKS] != 0) {
        tmem__term_init(&t, false);
        width_factors(c, &t, TMEM_ACT_PART_MASKS, NULL);
        la->masks = done(c, &t, NULL);
    }
    tmem__term_init(&t, false);
    width_factors(c, &t, TMEM_ACT_PART_CHECKPOINT, ckpt_sym(c));
    la->checkpoint = done(c, &t, NULL);
    if (c->o->recompute == TMEM_RECOMPUTE_FULL) {
        tmem__term_init(&t, false);
        full_layer_factors(c, &t);
        c->act.full_layer = done(c, &t, NULL);
    }
}

uint64_t tmem__act_moe_layer_bytes(struct tmem_train_ctx *c)
{
    return c->m->n_expert > 0 ? sums_bytes(c, c->act.moe_saved_sp, c->act.moe_saved_tp) : 0;
}

/* × the micro-batches in flight on this stage: "n_layer_stage × in_flight";
 * interleaved 1F1B holds chunks_in_flight model chunks of 1/v of the
 * stage's layers, divided out at the end (in_flight_end) */
static void in_flight(const struct tmem_train_ctx *c, struct tmem__term *t)
{
    tmem__term_mul(t, c->lay.inflight_den == 1 ? "in_flight" : "chunks_in_flight", c->lay.inflight_num);
}

static void in_flight_end(const struct tmem_train_ctx *c, struct tmem__term *t)
{
    if (c->lay.inflight_den != 1)
        tmem__term_div_ceil(t, "v", c->lay.inflight_den);
}

/* "n_layer_stage × in_flight × (b·s × B_seq + b·s × B_heads/tp)
 *  = 32 × 1 × (4096 × 16392 + 4096 × 98436)" */
static uint64_t per_layer_item(struct tmem_train_ctx *c, struct tmem_sb *f, const char *nsym, uint64_t n,
                               enum tmem_act_part p, uint64_t one_layer)
{
    struct tmem__term t;
    tmem__term_init(&t, f != NULL);
    tmem__term_mul(&t, nsym, n);
    in_flight(c, &t);
    if (f != NULL) {
        struct tmem__term sub;
        tmem__term_init(&sub, true);
        part_factors(c, &sub, c->act.sp[p], c->act.tp[p]);
        tmem__term_mul_term(&t, &sub);
    } else {
        tmem__term_mul(&t, NULL, one_layer); /* what part_factors gave in tmem__train_layer_act */
    }
    in_flight_end(c, &t);
    return done(c, &t, f);
}

/* A hybrid's mixers, summed over its layer kinds on this stage:
 * "n_attn_layer_stage × in_flight × (attention layer's) + n_ssm_layer_stage
 *  × in_flight × (state-space layer's)" */
static uint64_t mixers_item(struct tmem_train_ctx *c, struct tmem_sb *f)
{
    struct tmem__term t, sub, mix;
    tmem__term_init(&t, f != NULL);
    const struct {
        const char *nsym;
        uint64_t n, sp, tp;
    } kinds[] = {
        {"n_attn_layer_stage", c->lay.attn_layers, c->act.sp[TMEM_ACT_PART_ATTN], c->act.tp[TMEM_ACT_PART_ATTN]},
        {"n_ssm_layer_stage", c->lay.ssm_layers, c->act.ssm_mixer_sp, c->act.ssm_mixer_tp},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (kinds[i].n == 0)
            continue;
        tmem__term_init(&sub, f != NULL);
        tmem__term_mul(&sub, kinds[i].nsym, kinds[i].n);
        in_flight(c, &sub);
        tmem__term_init(&mix, f != NULL);
        part_factors(c, &mix, kinds[i].sp, kinds[i].tp);
        tmem__term_mul_term(&sub, &mix);
        in_flight_end(c, &sub);
        tmem__term_plus_term(&t, &sub);
    }
    return done(c, &t, f);
}

static uint64_t scores_item(struct tmem_train_ctx *c, struct tmem_sb *f)
{
    static const char *const what[2][2] = {
        {" (softmax)", " (softmax in fp32, its 16-bit copy)"},
        {" (softmax, dropout mask and output)", " (softmax, dropout mask and output in fp32, its 16-bit copy)"},
    };
    bool copy = (c->softmax_fp32 || c->pi->autocast) && c->cb != 4; /* attn.probs_c */
    struct tmem__term t;
    tmem__term_init(&t, f != NULL);
    if (hybrid_kinds(c)) /* the attention layers alone have scores */
        tmem__term_mul(&t, "n_attn_layer_stage", c->lay.attn_layers);
    else
        tmem__term_mul(&t, "n_layer_stage", tmem__act_layers(c));
    in_flight(c, &t);
    if (f != NULL)
        scores_factors(c, &t);
    else
        tmem__term_mul(&t, NULL, c->la.scores); /* what scores_factors gave */
    tmem__term_note(&t, " B", " B");
    in_flight_end(c, &t);
    tmem__term_note(&t, NULL, what[c->dropout_attn][copy]);
    return done(c, &t, f);
}

/* masks and checkpoints: "n_layer_stage × in_flight × b·s × d_model × r" */
static uint64_t width_item(struct tmem_train_ctx *c, struct tmem_sb *f, enum tmem_act_part p,
                           const char *elem_sym, const char *unit, uint64_t one_layer)
{
    struct tmem__term t;
    tmem__term_init(&t, f != NULL);
    tmem__term_mul(&t, "n_layer_stage", tmem__act_layers(c));
    in_flight(c, &t);
    if (f != NULL)
        width_factors(c, &t, p, elem_sym);
    else
        tmem__term_mul(&t, NULL, one_layer); /* what width_factors gave */
    tmem__term_note(&t, unit, unit);
    in_flight_end(c, &t);
    return done(c, &t, f);
}

/* An encoder's head, what it saves (HF modeling_bert.py, nn.Linear,
 * nn.LayerNorm, GELU and tanh as autograd saves them):
 *   mlm  BertPredictionHeadTransform: the dense input (the last hidden
 *        states, c), the GELU input (c), the LayerNorm input (r) and its
 *        fp32 mean and rstd, the decoder input (c): b·s × (3·c·d + r·d + 8)
 *   cls  BertPooler reads hidden[:, 0], a view: without autocast the view
 *        keeps the whole last hidden state alive (b·s × d × r), under
 *        autocast its cast copy (b × d × c); then tanh's output (c) and,
 *        with dropout, its mask (1 B) and output (c, the classifier input):
 *        b × d × (c + [1 + c])
 * DeBERTa-v2 (modeling_deberta_v2.py ContextPooler, rel_attn): the same
 * view, the dense output GELU saves (c) and, with StableDropout, its mask
 * and output; without dropout GELU's output (the classifier input) is a
 * tensor of its own: b × d × 2·c. The MLM head is BERT's (legacy
 * LegacyDebertaV2LMPredictionHead: dense, GELU, LayerNorm, decoder).
 * ASSUMPTION: under LoRA the head's linears keep their inputs (PEFT's
 * SEQ_CLS trains the classifier; a frozen MLM transform would not). */
static void encoder_head_ends(const struct tmem_train_ctx *c, struct tmem__term *sub, bool text)
{
    const struct tmem_model *m = c->m;
    if (m->head == TMEM_HEAD_MLM) { /* b·s × (d_model × (3·c + r) + 8) */
        struct tmem__term w, x;
        tmem__term_init(&w, text);
        tmem__term_init(&x, text);
        tmem__term_mul(&w, "3·c", 3 * c->cb);
        tmem__term_plus(&w, "r", c->rb);
        tmem__term_mul(&x, "d_model", m->d_model);
        tmem__term_mul_term(&x, &w);
        tmem__term_plus(&x, "fp32 mean, rstd", 8);
        tmem__term_plus(sub, "b·s", c->tokens);
        tmem__term_mul_term(sub, &x);
        return;
    }
    /* the classifier's input row: BERT's and ModernBERT's alike (below) */
    if (c->pi->autocast) {
        tmem__term_plus(sub, "b", c->seqs);
        tmem__term_mul(sub, "d_model", m->d_model);
        tmem__term_mul(sub, "c", c->cb);
    } else {
        tmem__term_plus(sub, "b·s", c->tokens);
        tmem__term_mul(sub, "d_model", m->d_model);
        tmem__term_mul(sub, "r", c->rb);
    }
    if (m->cls_norm) {
        /* ModernBertForSequenceClassification (classifier_pooling "cls"):
         * last_hidden_state[:, 0], a view (as BERT's, below), then
         * ModernBertPredictionHead: dense output (GELU's input, c), GELU's
         * output (the LayerNorm input, r) and its fp32 mean and rstd, the
         * LayerNorm output (the classifier input, c); classifier_dropout 0:
         * b × (d_model × (2·c + r) + 8) */
        struct tmem__term w, x;
        tmem__term_init(&w, text);
        tmem__term_init(&x, text);
        tmem__term_mul(&w, "2·c", 2 * c->cb);
        tmem__term_plus(&w, "r", c->rb);
        tmem__term_mul(&x, "d_model", m->d_model);
        tmem__term_mul_term(&x, &w);
        tmem__term_plus(&x, "fp32 mean, rstd", 8);
        tmem__term_plus(sub, "b", c->seqs);
        tmem__term_mul_term(sub, &x);
        return;
    }
    tmem__term_plus(sub, "b", c->seqs);
    tmem__term_mul(sub, "d_model", m->d_model);
    if (c->dropout_resid)
        tmem__term_mul(sub, "(c + 1 + c)", 2 * c->cb + 1);
    else if (m->rel_attn) /* ContextPooler's GELU saves its input, the classifier its output */
        tmem__term_mul(sub, "2·c", 2 * c->cb);
    else
        tmem__term_mul(sub, "c", c->cb);
}

/* The ends of the model, one micro-batch: on the first stage the token ids
 * (int64, saved by the embedding), learned position ids, the rotary cos /
 * sin tables (2 · s · d_rot · r, shared by all layers), the embedding
 * dropout mask and the embedding norm (BLOOM); on the last stage the final
 * norm and the lm_head input. */
static uint64_t ends_item(struct tmem_train_ctx *c, struct tmem_sb *f)
{
    const struct tmem_model *m = c->m;
    const char *tok = seq_parallel(c) ? "b·s/tp" : "b·s";
    struct tmem__term t, sub;
    tmem__term_init(&t, f != NULL);
    tmem__term_init(&sub, f != NULL);
    /* a frozen embedding / lm_head keeps no ids / input for its gradient */
    struct tmem_kind_set trainable = tmem_kind_set_or(c->o->lora_targets, c->o->modules_to_save);
    bool embd = !c->lora || tmem_kind_set_has(&trainable, TMEM_TENSOR_KIND_TOKEN_EMBD);
    bool head = !c->lora ||
                tmem_kind_set_has(&trainable, m->tied ? TMEM_TENSOR_KIND_TOKEN_EMBD : TMEM_TENSOR_KIND_LM_HEAD);
    if (c->lay.first) {
        if (embd) {
            tmem__term_plus(&sub, NULL, 8);
            tmem__term_mul(&sub, "b·s", c->tokens);
        }
        if (m->learned_pos && !c->lora) {
            tmem__term_plus(&sub, NULL, 8);
            tmem__term_mul(&sub, "s", c->s_local);
        }
        if (m->encoder && m->n_type_vocab > 0 && !c->lora) { /* token_type_ids, int64 */
            tmem__term_plus(&sub, NULL, 8);
            tmem__term_mul(&sub, "b·s", c->tokens);
        }
        if (m->encoder && !m->post_norm && c->o->attention == TMEM_ATTENTION_FLASH) {
            /* ModernBertModel under flash_attention_2 pads its output back:
             * _pad_modernbert_output's output[indices] = inputs saves the
             * b·s int64 indices */
            tmem__term_plus(&sub, NULL, 8);
            tmem__term_mul(&sub, "b·s", c->tokens);
        }
        if (c->rope && !m->encoder) { /* ModernBERT's rotary tables are per layer (act_inventory.c) */
            tmem__term_plus(&sub, NULL, 2);
            tmem__term_mul(&sub, "s", c->s_local);
            tmem__term_mul(&sub, "d_rot", m->attn == TMEM_ATTN_MLA ? m->qk_rope_dim : m->d_head);
            tmem__term_mul(&sub, "r", c->rb);
        }
        if (c->dropout_embd) { /* a 1-byte mask */
            tmem__term_plus(&sub, tok, c->tokens_repl);
            tmem__term_mul(&sub, "d_model", m->d_model);
        }
        if (m->embed_norm) {
            tmem__term_plus(&sub, tok, c->tokens_repl);
            tmem__term_mul(&sub, "B_embed_norm", c->act.end_norm);
        }
        if (m->rel_attn) {
            /* DebertaV2Embeddings: embeddings · attention_mask.to(dtype): the
             * mask multiply saves the cast mask (r); DebertaV2Encoder's
             * LayerNorm on rel_embeddings (once for all layers) its fp32 mean
             * and rstd, and its output is the linears' saved input when no
             * pos_dropout or cast comes between (act_inventory.c
             * deberta_attention) */
            tmem__term_plus(&sub, "b·s", c->tokens);
            tmem__term_mul(&sub, "r", c->rb);
            if (m->rel_norm) {
                tmem__term_plus(&sub, "2k", m->n_rel_pos);
                tmem__term_mul(&sub, "fp32 mean, rstd", 8);
                if (!c->dropout_resid && !c->pi->autocast && (m->att_c2p || m->att_p2c)) {
                    tmem__term_plus(&sub, "2k", m->n_rel_pos);
                    tmem__term_mul(&sub, "d_model", m->d_model);
                    tmem__term_mul(&sub, "r", c->rb);
                }
            }
        }
    }
    if (c->lay.last) {
        if (m->final_norm) {
            tmem__term_plus(&sub, tok, c->tokens_repl);
            tmem__term_mul(&sub, "B_final_norm", c->act.end_norm);
        }
        if (m->encoder) {
            encoder_head_ends(c, &sub, f != NULL);
        } else if (head) {
            tmem__term_plus(&sub, tok, c->tokens_repl); /* the lm_head input */
            tmem__term_mul(&sub, "d_model", m->d_model);
            tmem__term_mul(&sub, "c", c->cb);
        }
    }
    in_flight(c, &t);
    tmem__term_mul_term(&t, &sub);
    in_flight_end(c, &t);
    return done(c, &t, f);
}

/* Liger's fused linear cross-entropy picks its own chunk: the next power of
 * two of ceil(b·s / ceil(n_vocab / d_model)) tokens, so that a chunk of
 * logits is about as large as the hidden states (liger_kernel/ops/
 * fused_linear_cross_entropy.py: inc_factor = cdiv(V, H); chunk_size =
 * next_power_of_2(cdiv(BT, inc_factor))) */
static uint64_t liger_chunk_tokens(const struct tmem_train_ctx *c)
{
    uint64_t inc = tmem_ceil_div_u64(tmem_ceil_div_u64(c->m->n_vocab, c->tp), c->m->d_model);
    uint64_t want = tmem_ceil_div_u64(c->tokens, inc == 0 ? 1 : inc), p = 1;
    while (p < want)
        p <<= 1;
    return p;
}

/* logits, a new product: vocab-parallel, all tokens at once or one chunk
 * with --fused-ce (Liger's chunk with --kernels liger) */
static void logits_factors(const struct tmem_train_ctx *c, struct tmem__term *t)
{
    if (c->m->encoder && c->m->head == TMEM_HEAD_CLS) { /* one row of logits per sequence */
        tmem__term_plus(t, "b", c->seqs);
        tmem__term_mul(t, "n_labels", c->m->n_labels);
        return;
    }
    uint64_t tokens = c->tokens;
    if (c->o->kernels == TMEM_KERNELS_LIGER)
        tokens = liger_chunk_tokens(c);
    else if (c->fused_ce && c->o->ce_chunk_tokens < tokens)
        tokens = c->o->ce_chunk_tokens;
    tmem__term_plus(t, c->o->kernels == TMEM_KERNELS_LIGER ? "Liger chunk tokens"
                       : c->fused_ce                         ? "chunk tokens"
                                                             : "b·s", tokens);
    tmem__term_mul(t, "n_vocab/tp", tmem_ceil_div_u64(c->m->n_vocab, c->tp));
}

/* does the lm_head (or the embedding it is tied to) get a gradient */
static bool head_trains(const struct tmem_train_ctx *c)
{
    return !c->lora || tmem_kind_set_has(&c->o->modules_to_save, TMEM_TENSOR_KIND_LM_HEAD) ||
           (c->m->tied && tmem_kind_set_has(&c->o->modules_to_save, TMEM_TENSOR_KIND_TOKEN_EMBD));
}

static uint64_t logits_item(struct tmem_train_ctx *c, enum tmem_train_item it, struct tmem_sb *f)
{
    struct tmem__term t, sub;
    tmem__term_init(&t, f != NULL);
    if (it == TMEM_TI_LOGITS) {
        logits_factors(c, &t);
        tmem__term_mul(&t, "c", c->cb);
    } else if (c->o->kernels == TMEM_KERNELS_LIGER) {
        /* Liger's cross-entropy kernel writes the gradient into the logits
         * chunk in place (no fp32 copy), grad_input = chunk @ W goes into
         * the b·s × d_model buffer it saves (the ends' lm_head-side input),
         * and grad_weight = zeros_like(lm_head.weight) is accumulated chunk
         * by chunk in the forward and kept until the backward returns it;
         * the backward scales them in place: no gradient of its own */
        if (it != TMEM_TI_LOSS || !head_trains(c))
            return 0;
        tmem__term_mul(&t, "n_vocab/tp", tmem_ceil_div_u64(c->m->n_vocab, c->tp));
        tmem__term_mul(&t, "d_model", c->m->d_model);
        tmem__term_mul(&t, "w", c->wb);
        tmem__term_note(&t, " (lm_head gradient made in the forward)", NULL);
    } else if (it == TMEM_TI_LOSS && c->fused_ce) {
        /* the loss upcasts the logits and saves the fp32 softmax */
        logits_factors(c, &t);
        tmem__term_mul(&t, NULL, 4);
        tmem__term_note(&t, " (fp32 softmax of one chunk)", NULL);
    } else if (it == TMEM_TI_LOSS && tmem__encoder_loss_as_is(c->m)) {
        /* HF's encoder heads take the loss of the logits as they are (no
         * .float()): log-softmax in c, fp32 under autocast; int64 labels;
         * and nll_loss's total_weight, one element of the log-softmax's
         * dtype (measured: tests/validate/validate.py) */
        bool cls = c->m->head == TMEM_HEAD_CLS;
        uint64_t e = c->pi->autocast ? 4 : c->cb;
        tmem__term_init(&sub, f != NULL);
        tmem__term_mul(&sub, cls ? "n_labels" : "n_vocab/tp",
                       cls ? c->m->n_labels : tmem_ceil_div_u64(c->m->n_vocab, c->tp));
        tmem__term_mul(&sub, c->pi->autocast ? NULL : "c", e);
        tmem__term_plus(&sub, NULL, 8);
        tmem__term_mul(&t, cls ? "b" : "b·s", cls ? c->seqs : c->tokens);
        tmem__term_mul_term(&t, &sub);
        tmem__term_plus(&t, "total_weight", e);
    } else if (it == TMEM_TI_LOSS) { /* fp32 log-softmax and the int64 targets */
        tmem__term_init(&sub, f != NULL);
        tmem__term_mul(&sub, "n_vocab/tp", tmem_ceil_div_u64(c->m->n_vocab, c->tp));
        tmem__term_mul(&sub, NULL, 4);
        tmem__term_plus(&sub, NULL, 8);
        tmem__term_mul(&t, "b·s", c->tokens);
        tmem__term_mul_term(&t, &sub);
    } else if (c->fused_ce) { /* the fused loss computes d(hidden) in forward and keeps it */
        tmem__term_mul(&t, "b·s", c->tokens);
        tmem__term_mul(&t, "d_model", c->m->d_model);
        tmem__term_mul(&t, "c", c->cb);
        tmem__term_note(&t, " (hidden-state gradient kept from the fused forward)", NULL);
        logits_factors(c, &t); /* + the fp32 softmax gradient of one chunk */
        tmem__term_mul(&t, NULL, 4);
        tmem__term_note(&t, " (fp32 softmax gradient of one chunk)", NULL);
    } else if (tmem__encoder_loss_as_is(c->m) && !c->pi->autocast) { /* the logits' gradient in c, no upcast */
        logits_factors(c, &t);
        tmem__term_mul(&t, "c", c->cb);
        tmem__term_note(&t, " (gradient of the logits)", NULL);
    } else { /* the fp32 gradient of the logits, and its 16-bit cast */
        logits_factors(c, &t);
        if (c->cb != 4) {
            tmem__term_init(&sub, f != NULL);
            tmem__term_mul(&sub, NULL, 4);
            tmem__term_plus(&sub, "c", c->cb);
            tmem__term_mul_term(&t, &sub);
            tmem__term_note(&t, " (fp32 gradient of the logits, then its 16-bit cast)", NULL);
        } else {
            tmem__term_mul(&t, NULL, 4);
            tmem__term_note(&t, " (fp32 gradient of the logits)", NULL);
        }
    }
    return done(c, &t, f);
}

/* One layer recomputed during backward: its scores (selective), or all of
 * it (full). Explaining, the factors; else the values they gave once in
 * tmem__train_layer_act. */
static uint64_t recompute_item(struct tmem_train_ctx *c, struct tmem_sb *f)
{
    struct tmem__term t, sub;
    tmem__term_init(&t, f != NULL);
    if (c->o->recompute == TMEM_RECOMPUTE_SELECTIVE) {
        tmem__term_note(&t, "one layer's attention scores, recomputed: ", NULL);
        if (f != NULL)
            scores_factors(c, &t);
        else
            tmem__term_mul(&t, NULL, c->la.scores);
        tmem__term_note(&t, " B", " B");
        return done(c, &t, f);
    }
    tmem__term_note(&t, "one layer's activations, recomputed during its backward: ", NULL);
    if (f != NULL) {
        tmem__term_init(&sub, true);
        full_layer_factors(c, &sub);
        tmem__term_mul_term(&t, &sub);
    } else {
        tmem__term_mul(&t, NULL, c->act.full_layer);
    }
    return done(c, &t, f);
}

uint64_t tmem__train_act_item(struct tmem_train_ctx *c, enum tmem_train_item it, struct tmem_sb *f)
{
    const struct tmem_train_layout *lay = &c->lay;
    bool full = c->o->recompute == TMEM_RECOMPUTE_FULL;
    const struct tmem_layer_act *la = &c->la;
    if (c->m->encdec && it != TMEM_TI_LOGITS) /* both stacks: train_encdec.c */
        return tmem__encdec_act_item(c, it, f);
    switch (it) {
    case TMEM_TI_ACT_ENC_LAYERS:
    case TMEM_TI_ACT_DEC_LAYERS:
        return 0;
    case TMEM_TI_ACT_ATTN:
        if (full)
            return 0;
        if (hybrid_kinds(c))
            return mixers_item(c, f);
        return per_layer_item(c, f, "n_layer_stage", tmem__act_layers(c), TMEM_ACT_PART_ATTN, la->attn);
    case TMEM_TI_ACT_SCORES:
        if (full || c->o->recompute == TMEM_RECOMPUTE_SELECTIVE || la->scores == 0)
            return 0;
        return scores_item(c, f);
    case TMEM_TI_ACT_MLP:
        if (full || tmem__act_dense_layers(c) == 0)
            return 0;
        return per_layer_item(c, f, "n_dense_layer_stage", tmem__act_dense_layers(c), TMEM_ACT_PART_MLP,
                              la->mlp);
    case TMEM_TI_ACT_MOE:
        if (full || lay->moe_layers == 0)
            return 0;
        return per_layer_item(c, f, "n_moe_layer_stage", lay->moe_layers, TMEM_ACT_PART_MOE, la->moe);
    case TMEM_TI_ACT_MASKS:
        if (full || la->masks == 0)
            return 0;
        return width_item(c, f, TMEM_ACT_PART_MASKS, NULL, " B", la->masks);
    case TMEM_TI_ACT_CKPT:
        return full ? width_item(c, f, TMEM_ACT_PART_CHECKPOINT, ckpt_sym(c), "", la->checkpoint) : 0;
    case TMEM_TI_ACT_VISION:
        return tmem__vision_act_item(c, f);
    case TMEM_TI_ACT_ENDS:
        return ends_item(c, f);
    case TMEM_TI_ACT_AUTOCAST: {
        if (!c->pi->autocast)
            return 0;
        struct tmem__term t;
        tmem__term_init(&t, f != NULL);
        if (c->lora) /* the frozen base is kept in c already: only the adapters are cast */
            tmem__term_mul(&t, "trainable matmul weights of this GPU", c->tr_matmul);
        else
            tmem__term_mul(&t, "matmul weights of this GPU", lay->matmul_params);
        tmem__term_mul(&t, "c", c->cb);
        tmem__term_note(&t, " (autocast caches its casts until backward)", NULL);
        return done(c, &t, f);
    }
    case TMEM_TI_LOGITS:
    case TMEM_TI_LOSS:
    case TMEM_TI_LOGITS_GRAD:
        return lay->last ? logits_item(c, it, f) : 0;
    case TMEM_TI_RECOMPUTE:
        if (c->o->recompute == TMEM_RECOMPUTE_NONE ||
            (c->o->recompute == TMEM_RECOMPUTE_SELECTIVE && la->scores == 0))
            return 0;
        return recompute_item(c, f);
    case TMEM_TI_WEIGHT_TEMP:
    case TMEM_TI_WEIGHTS:
    case TMEM_TI_REF_WEIGHTS:
    case TMEM_TI_REWARD_WEIGHTS:
    case TMEM_TI_CRITIC_WEIGHTS:
    case TMEM_TI_CRITIC_GRADS:
    case TMEM_TI_CRITIC_STATES:
    case TMEM_TI_ROLLOUT_WEIGHTS:
    case TMEM_TI_ROLLOUT_KV:
    case TMEM_TI_GEN_KV:
    case TMEM_TI_GEN_GATHER:
    case TMEM_TI_GRADS:
    case TMEM_TI_GRADS_FP32:
    case TMEM_TI_MASTER:
    case TMEM_TI_STATE0:
    case TMEM_TI_STATE1:
    case TMEM_TI_STATE2:
    case TMEM_TI_STEP_SCRATCH:
    case TMEM_TI_DDP_BUCKETS:
    case TMEM_TI_ZERO_REDUCE:
    case TMEM_TI_ZERO_ALLGATHER:
    case TMEM_TI_GATHERED:
    case TMEM_TI_UNSHARDED_GRADS:
    case TMEM_TI_CUDA:
    case TMEM_TI_FRAGMENTATION:
    case TMEM_TI_DS_LARGEST:
    case TMEM_TI_DS_STATES:
    case TMEM_TI_COUNT:
        break; /* train.c's items */
    }
    return 0;
}
