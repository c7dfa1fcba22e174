/* train_encdec.c — the training activations of an encoder–decoder (t5, mt5,
 * bart, mbart): what HF transformers' eager modules save for backward in
 * each stack, tensor by tensor, and the ledger items they make (the
 * encoder's layers, the decoder's layers with their cross-attention, the
 * ends of both stacks, the loss over the decoder's tokens).
 *
 * The encoder runs over s_enc = --seq tokens, the decoder over s_dec =
 * --target-seq (default: --seq). Pure precision policies only (no autocast):
 * every saved activation is in the compute dtype c (= the residual dtype),
 * except what is named fp32, int64 or a 1-byte mask (CUDA native_dropout
 * saves a bool mask; the CPU fallback saves a c-wide scaled noise instead).
 *
 * REF modeling_t5.py (T5LayerNorm, T5Attention, T5DenseActDense,
 * T5DenseGatedActDense, T5Stack, T5ForConditionalGeneration), activations.py
 * NewGELUActivation; modeling_bart.py / modeling_mbart.py (BartAttention,
 * Bart{Encoder,Decoder}Layer, Bart{Encoder,Decoder},
 * BartForConditionalGeneration). Per tensor (E = c bytes, d = d_model,
 * H = n_head·d_head, f = d_ff, with the encoder's n_enc_head, d_head_enc,
 * d_ff_enc in its stack):
 *
 * T5LayerNorm: x.to(fp32).pow(2).mean → pow saves x in fp32 (4·d; the input
 *   itself under fp32), x · rsqrt(var + eps) saves x (E·d) and the fp32 rsqrt
 *   (4), weight · y.to(c) saves y (E·d): norm_t5 = [4·d] + 2·E·d + 4.
 * nn.LayerNorm (BART): its input (E·d) and the fp32 mean and rstd (8).
 * Self-attention, per token: the q/k/v input (E·d), q and k (the matmul's
 *   operands, E·H each), v (E·H), the o input (E·H), the residual dropout
 *   mask (d). T5 scales nothing (no 1/sqrt(d_head)) and adds the position
 *   bias in place (no save); BART multiplies q by a scalar (no save).
 * Scores, per element of [b, heads, s_q, s_k]: T5: softmax(scores.float())
 *   saves its fp32 output (4), .type_as(scores) a c copy that dropout takes
 *   (with dropout: its mask (1) and output (E), saved by the matmul with v;
 *   without: the copy (E), none under fp32). BART: softmax in c (E),
 *   attention_dropout > 0: mask (1) and output (E).
 * Cross-attention (decoder): the q input (E·d), q (E·H), the o input (E·H),
 *   the mask (d) per decoder token; k and v (E·H each) per encoder token and
 *   layer; the encoder output they are projected from is saved once, by all
 *   the decoder layers' k / v linears (the ends).
 * T5 FFN: its input (E·d); ReLU (T5DenseActDense): the ReLU output (E·f),
 *   with dropout its mask (f) and output (E·f, wo's input); gated-GELU
 *   (T5DenseGatedActDense, gelu_new = 0.5·x·(1 + tanh(√(2/π)·(x +
 *   0.044715·x³)))): wi_0's output (saved by pow), the tanh output, 0.5·x and
 *   1 + tanh (the last product's operands), the GELU output and wi_1's output
 *   (their product's operands), then dropout's mask and output or, without
 *   dropout, the product: 7·E·f (+ f).
 * BART FFN: fc1's input (E·d), GELU's input (E·f), fc2's input (E·f); the
 *   descriptor does not read activation_dropout (configuration_bart.py
 *   default 0.0: no mask).
 * Ends: T5 per stack: the input ids (int64), the embedding dropout mask, the
 *   final norm, the final dropout mask; the encoder's output (E·d, kept for
 *   the cross-attention), the lm_head's input (E·d; T5 v1.0's tied head
 *   scales it by d_model^-0.5 first: a scalar multiply, nothing more saved);
 *   the relative position buckets (int64 [s_q, s_k], saved by the
 *   relative_attention_bias lookup once per stack: the [b, heads, s_q, s_k]
 *   bias itself is added in place and saved by nothing). BART per stack: the
 *   ids, the learned position ids (int64 [s]), layernorm_embedding, the
 *   embedding dropout mask, mBART's final LayerNorm; the encoder output and
 *   the lm_head input.
 * Loss: CrossEntropyLoss on the c logits (no fp32 upcast in either model):
 *   log_softmax saves its output (E·n_vocab) and nll_loss the int64 labels;
 *   the backward holds the gradients of the log-softmax output and of the
 *   logits at once (2·E·n_vocab).
 * Adapters (LoRA, DoRA, QLoRA: train_lora.c holds their parameters, base
 * storage and weight temporaries): the base is frozen, so a tensor saved
 * only for a frozen weight's gradient is not saved (see struct ed_layer);
 * each targeted linear adds what act_inventory.c's lora() lists (A's output,
 * lora_dropout's output and mask, DoRA's two d_out-wide outputs), at the
 * tokens it reads: cross-attention k / v adapters per encoder token and
 * decoder layer; their lora_A keeps the encoder output, once for all
 * layers (one tensor), when lora_dropout is 0. Measured:
 * tests/validate/encdec.py (t5, t5 gated, bart, mbart; LoRA, DoRA, dropout).
 * --recompute full (HF's gradient checkpointing, full fine-tuning): the
 * blocks' inputs and shared arguments kept, one block re-run in backward
 * (ckpt_item, recompute_item; measured by the same script's recompute
 * case). */
#include "error.h"
#include "term.h"
#include "train_internal.h"

/* the option that makes HF's eager path not what runs; NULL when none */
enum tmem_status tmem__encdec_train_check(const struct tmem_model *m, const struct tmem_train_opts *o,
                                          struct tmem_error *err)
{
    static const char *const why = "not modelled for encoder-decoders yet (t5, mt5, umt5, bart, mbart, pegasus: "
                                   "HF eager, pure precision, one GPU per replica)";
    if (o->precision == TMEM_PRECISION_AMP_BF16 || o->precision == TMEM_PRECISION_AMP_FP16)
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "--precision",
                          "autocast is not modelled for encoder-decoders yet (its fp32 casts of pow, "
                          "softmax and the loss); use bf16-mixed, fp16-mixed, bf16 or fp32");
    if (o->attention != TMEM_ATTENTION_NAIVE)
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "--attention",
                          "encoder-decoder training follows HF's eager attention (T5 adds its position "
                          "bias to the scores: no SDPA / flash path); pass --attention naive");
    if (o->tp > 1 || o->pp > 1 || o->cp > 1 || o->sequence_parallel)
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, o->tp > 1 ? "--tp" : o->pp > 1 ? "--pp"
                                                         : o->cp > 1 ? "--cp" : "--sequence-parallel", why);
    if (o->recompute == TMEM_RECOMPUTE_SELECTIVE)
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "--recompute",
                          "selective recompute (Megatron's attention scores only) has no HF "
                          "encoder-decoder counterpart: HF checkpoints whole blocks (--recompute full)");
    if (o->recompute == TMEM_RECOMPUTE_FULL && o->lora_rank > 0)
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "--recompute",
                          "gradient checkpointing of an encoder-decoder under adapters is not modelled "
                          "yet (PEFT's enable_input_require_grads); full fine-tuning only");
    if (o->kernels != TMEM_KERNELS_EAGER || o->fused_ce)
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, o->fused_ce ? "--fused-ce" : "--kernels", why);
    if (o->dpo || o->rl != TMEM_RL_NONE) /* RL: a rollout engine, refused for them by infer */
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, o->dpo ? "--dpo" : "--rl", why);
    uint64_t ts = o->target_seq;
    TRY(tmem__check_range(err, "--target-seq", ts, 0, TMEM_MAX_SEQ));
    if (m->learned_pos && ts > m->n_pos)
        return tmem__fail_value(err, TMEM_ERR_INCONSISTENT, "--target-seq", ts,
                                "at most the learned position table (n_ctx)");
    return TMEM_OK;
}

/* Bytes per token (or per score element) of one layer of each stack.
 * Under adapters (--lora-rank) the base is frozen and autograd saves a
 * tensor only for a gradient that is computed: a frozen linear keeps no
 * input (an adapter's lora_A keeps it instead), T5LayerNorm's weight
 * multiply keeps no y, the embeddings keep no ids; and nothing needs a
 * gradient until the first adapter's output joins the residual stream (the
 * frozen embeddings' output requires none), so the first layer of each
 * stack saves less than the others (its norm nothing, q or k only where
 * the other side needs a gradient). Each walk below carries that flag, g:
 * does the tensor it starts from require grad. Full fine-tuning: every
 * weight is trained, every flag true, the formulas of the top comment. */
struct ed_layer {
    uint64_t tok;    /* per token of the stack */
    uint64_t score;  /* per element of the self-attention's scores */
    uint64_t xscore; /* decoder: per element of the cross-attention's [b, n_head, s_dec, s_enc] */
    uint64_t kv;     /* decoder: per encoder token (cross-attention k, v and their adapters) */
    bool g_out;      /* the layer's output requires grad */
};

struct ed_sums {
    struct ed_layer enc0, enc;  /* the encoder's first layer, each later one */
    struct ed_layer dec0, dec;  /* the decoder's */
    uint64_t enc_ends, dec_ends; /* per token of each stack, once */
};

/* the T5 line (t5, mt5, umt5): relative position buckets, T5LayerNorm,
 * T5DenseActDense / T5DenseGatedActDense */
static bool is_t5(const struct tmem_model *m)
{
    return m->n_rel_bucket > 0;
}

#define K(k) TMEM_TENSOR_KIND_##k

/* is this weight trained (full fine-tuning: all; adapters: the targets) */
static bool trained(const struct tmem_train_ctx *c, enum tmem_tensor_kind k)
{
    return !c->lora || tmem__lora_targeted(c->o, k);
}

/* is a linear's input saved for its weight's gradient: full fine-tuning;
 * adapters: a target's lora_A keeps x itself when lora_dropout is 0 (one
 * tensor however many of the linears reading x are targeted) */
static bool input_kept(const struct tmem_train_ctx *c, bool any_target)
{
    return !c->lora || (any_target && c->o->lora_dropout_ppm == 0);
}

/* what one targeted linear (d_in → d_out) adds, per token it reads
 * (act_inventory.c lora(): the dropout output and its mask when
 * lora_dropout > 0, A's output (r), DoRA's base and adapter outputs);
 * g: its input requires grad (else the dropout saves no mask) */
static uint64_t adapter_bytes(struct tmem_train_ctx *c, enum tmem_tensor_kind k, uint64_t d_in, uint64_t d_out,
                              bool g)
{
    if (!c->lora || !tmem__lora_targeted(c->o, k))
        return 0;
    uint64_t e = c->cb, b = tc_mul(c, e, c->o->lora_rank);
    if (c->o->lora_dropout_ppm > 0)
        b = tc_add(c, b, tc_mul(c, g ? e + 1 : e, d_in));
    if (c->o->dora)
        b = tc_add(c, b, tc_mul(c, 2 * e, d_out));
    return b;
}

/* one norm of d_model per token whose input requires grad (g) */
static uint64_t norm_bytes(struct tmem_train_ctx *c, bool g)
{
    uint64_t d = c->m->d_model, e = c->cb;
    if (!g)
        return 0;
    if (!is_t5(c->m))
        return tc_add(c, tc_mul(c, e, d), 8); /* input, fp32 mean and rstd */
    uint64_t b = tc_add(c, tc_mul(c, c->lora ? e : 2 * e, d), 4); /* x, y (a frozen weight: no y); the fp32 rsqrt */
    return e == 4 ? b : tc_add(c, b, tc_mul(c, 4, d)); /* x.to(fp32), saved by pow */
}

/* the scores' bytes per element: gs the scores require grad, gv v does */
static uint64_t score_bytes(struct tmem_train_ctx *c, bool gs, bool gv)
{
    uint64_t e = c->cb, b = 0;
    bool drop = c->dropout_attn;
    if (is_t5(c->m)) { /* softmax(scores.float()) saves its fp32 output, .type_as a c copy */
        if (gs)
            b = 4 + (drop ? 1 : 0);
        if (gv) /* the matmul with v keeps the probabilities: dropout's output, the copy, or fp32's own */
            b += drop ? e : e == 4 ? (gs ? 0 : 4) : e;
        return b;
    }
    if (gs) /* softmax in c */
        b = e + (drop ? 1 : 0);
    if (gv)
        b += drop ? e : gs ? 0 : e;
    return b;
}

/* one attention sub-block per query token (self: k and v per query token
 * too; cross: returned in *kv per encoder token). g: its input requires
 * grad; g_kv: the keys' source does (self: g). Kinds q, k, v, o. */
static uint64_t attn_bytes(struct tmem_train_ctx *c, uint64_t inner, bool g, bool g_kv, bool cross,
                           const enum tmem_tensor_kind kd[4], uint64_t *score, uint64_t *kv, bool *g_out)
{
    uint64_t d = c->m->d_model, e = c->cb;
    bool post = c->m->post_norm;
    uint64_t b = post ? 0 : norm_bytes(c, g);
    bool wq = trained(c, kd[0]), wk = trained(c, kd[1]), wv = trained(c, kd[2]), wo = trained(c, kd[3]);
    bool tq = c->lora && wq, tk = c->lora && wk, tv = c->lora && wv;
    uint64_t kvb = 0; /* per key token */
    if (!cross) {
        if (input_kept(c, tq || tk || tv))
            b = tc_add(c, b, tc_mul(c, e, d)); /* the q/k/v input */
    } else {
        if (input_kept(c, tq))
            b = tc_add(c, b, tc_mul(c, e, d)); /* the q input; the encoder output k / v read: the ends */
    }
    b = tc_add(c, b, adapter_bytes(c, kd[0], d, inner, g));
    kvb = tc_add(c, kvb, adapter_bytes(c, kd[1], d, inner, g_kv));
    kvb = tc_add(c, kvb, adapter_bytes(c, kd[2], d, inner, g_kv));
    bool gq = g || wq, gk = g_kv || wk, gv = g_kv || wv, gs = gq || gk;
    if (gk)
        b = tc_add(c, b, tc_mul(c, e, inner)); /* q, for k's gradient */
    if (gq)
        kvb = tc_add(c, kvb, tc_mul(c, e, inner)); /* k, for q's */
    if (gs)
        kvb = tc_add(c, kvb, tc_mul(c, e, inner)); /* v, for the probabilities' */
    *score = score_bytes(c, gs, gv);
    bool ga = gs || gv;
    if (input_kept(c, c->lora && wo))
        b = tc_add(c, b, tc_mul(c, e, inner)); /* the o input */
    b = tc_add(c, b, adapter_bytes(c, kd[3], inner, d, ga));
    bool go = ga || wo;
    if (go && c->dropout_resid)
        b = tc_add(c, b, d); /* the residual dropout mask */
    if (post)
        b = tc_add(c, b, norm_bytes(c, g || go));
    *g_out = g || go;
    if (cross) {
        *kv = kvb;
        return b;
    }
    *kv = 0;
    return tc_add(c, b, kvb);
}

/* the FFN of one layer per token, width f; kinds gate (T5 wi_0), up (wi,
 * wi_1, fc1), down (wo, fc2) */
static uint64_t ffn_bytes(struct tmem_train_ctx *c, uint64_t f, bool g, const enum tmem_tensor_kind kd[3],
                          bool *g_out)
{
    const struct tmem_model *m = c->m;
    uint64_t d = m->d_model, e = c->cb, ef = tc_mul(c, e, f);
    bool post = m->post_norm, gated = is_t5(m) && m->mlp == TMEM_MLP_GATED;
    bool wg = gated && trained(c, kd[0]), wu = trained(c, kd[1]), wd = trained(c, kd[2]);
    uint64_t b = post ? 0 : norm_bytes(c, g);
    if (input_kept(c, c->lora && (wg || wu)))
        b = tc_add(c, b, tc_mul(c, e, d)); /* the first linear's input */
    if (gated)
        b = tc_add(c, b, adapter_bytes(c, kd[0], d, f, g));
    b = tc_add(c, b, adapter_bytes(c, kd[1], d, f, g));
    bool need_out = input_kept(c, c->lora && wd); /* the last linear's input */
    bool drop = c->dropout_resid && is_t5(m); /* T5's inner dropout is dropout_rate too */
    bool gh;
    if (!is_t5(m)) { /* GELU: its input and fc2's; ReLU saves its output, fc2's input */
        gh = g || wu;
        if (gh)
            b = tc_add(c, b, ef);
        if (need_out && (!m->relu_mlp || !gh))
            b = tc_add(c, b, ef);
    } else if (gated) { /* gelu_new's 4 (wi_0 out, tanh out, 0.5·x, 1 + tanh), its output, wi_1's */
        bool g0 = g || wg, g1 = g || wu;
        gh = g0 || g1;
        if (g0)
            b = tc_add(c, b, tc_mul(c, 5, ef)); /* the four, and wi_1's output (for the GELU's gradient) */
        if (g1)
            b = tc_add(c, b, ef); /* the GELU output (for wi_1's) */
        if (gh && drop)
            b = tc_add(c, b, f);
        if (need_out)
            b = tc_add(c, b, ef); /* the product / dropout output */
    } else {
        gh = g || wu;
        if (gh)
            b = tc_add(c, b, ef); /* the ReLU output */
        if (gh && drop)
            b = tc_add(c, b, f);
        if (need_out && (drop || !gh))
            b = tc_add(c, b, ef); /* dropout's output (or the ReLU's, not kept by the ReLU) */
    }
    b = tc_add(c, b, adapter_bytes(c, kd[2], f, d, gh));
    bool gf = gh || wd;
    if (gf && c->dropout_resid)
        b = tc_add(c, b, d); /* the residual dropout mask */
    if (post)
        b = tc_add(c, b, norm_bytes(c, g || gf));
    *g_out = g || gf;
    return b;
}

static void enc_layer(struct tmem_train_ctx *c, bool g, struct ed_layer *l)
{
    const struct tmem_model *m = c->m;
    static const enum tmem_tensor_kind attn[4] = {K(ENC_ATTN_Q), K(ENC_ATTN_K), K(ENC_ATTN_V), K(ENC_ATTN_O)};
    static const enum tmem_tensor_kind mlp[3] = {K(ENC_MLP_GATE), K(ENC_MLP_UP), K(ENC_MLP_DOWN)};
    uint64_t h_enc = m->n_enc_head ? m->n_enc_head : m->n_head;
    uint64_t f_enc = m->d_ff_enc ? m->d_ff_enc : m->d_ff;
    uint64_t inner = tc_mul(c, h_enc, m->d_head_enc ? m->d_head_enc : m->d_head), kv;
    bool ga, gf;
    l->tok = attn_bytes(c, inner, g, g, false, attn, &l->score, &kv, &ga);
    l->tok = tc_add(c, l->tok, ffn_bytes(c, f_enc, ga, mlp, &gf));
    l->xscore = l->kv = 0;
    l->g_out = gf;
}

static void dec_layer(struct tmem_train_ctx *c, bool g, bool g_enc, struct ed_layer *l)
{
    const struct tmem_model *m = c->m;
    static const enum tmem_tensor_kind attn[4] = {K(ATTN_Q), K(ATTN_K), K(ATTN_V), K(ATTN_O)};
    static const enum tmem_tensor_kind xattn[4] = {K(XATTN_Q), K(XATTN_K), K(XATTN_V), K(XATTN_O)};
    static const enum tmem_tensor_kind mlp[3] = {K(MLP_GATE), K(MLP_UP), K(MLP_DOWN)};
    uint64_t inner = tc_mul(c, m->n_head, m->d_head), kv;
    bool ga, gx, gf;
    l->tok = attn_bytes(c, inner, g, g, false, attn, &l->score, &kv, &ga);
    l->tok = tc_add(c, l->tok, attn_bytes(c, inner, ga, g_enc, true, xattn, &l->xscore, &l->kv, &gx));
    l->tok = tc_add(c, l->tok, ffn_bytes(c, m->d_ff, gx, mlp, &gf));
    l->g_out = gf;
}

static void sums(struct tmem_train_ctx *c, struct ed_sums *s)
{
    const struct tmem_model *m = c->m;
    uint64_t d = m->d_model, e = c->cb;
    /* the embeddings' output requires grad iff the table is trained */
    bool emb = !c->lora || tmem_kind_set_has(&c->o->modules_to_save, K(TOKEN_EMBD));
    enc_layer(c, emb, &s->enc0);
    enc_layer(c, s->enc0.g_out, &s->enc);
    bool g_enc = s->enc.g_out; /* the encoder output: a final norm keeps it */
    dec_layer(c, emb, g_enc, &s->dec0);
    dec_layer(c, s->dec0.g_out, g_enc, &s->dec);
    /* the ends: ids, the embedding's dropout mask and norm, the final norm
     * (T5: and its dropout mask), the encoder output / the lm_head input */
    uint64_t ends = 0;
    if (emb)
        ends = 8; /* the ids, for the table's gradient */
    if (emb && c->dropout_embd)
        ends = tc_add(c, ends, d);
    if (m->embed_norm)
        ends = tc_add(c, ends, norm_bytes(c, emb));
    uint64_t enc_ends = ends, dec_ends = ends;
    if (m->final_norm) {
        enc_ends = tc_add(c, enc_ends, norm_bytes(c, g_enc));
        dec_ends = tc_add(c, dec_ends, norm_bytes(c, s->dec.g_out));
    }
    if (is_t5(m) && c->dropout_resid) {
        if (g_enc)
            enc_ends = tc_add(c, enc_ends, d);
        if (s->dec.g_out)
            dec_ends = tc_add(c, dec_ends, d);
    }
    /* the encoder output, read by every cross-attention k / v linear (one
     * tensor); the lm_head's input */
    if (input_kept(c, c->lora && (trained(c, K(XATTN_K)) || trained(c, K(XATTN_V)))))
        enc_ends = tc_add(c, enc_ends, tc_mul(c, e, d));
    bool head = !c->lora || tmem_kind_set_has(&c->o->modules_to_save, K(LM_HEAD)) ||
                (m->tied && tmem_kind_set_has(&c->o->modules_to_save, K(TOKEN_EMBD)));
    if (head)
        dec_ends = tc_add(c, dec_ends, tc_mul(c, e, d));
    s->enc_ends = enc_ends;
    s->dec_ends = dec_ends;
}
#undef K

static uint64_t done(struct tmem_train_ctx *c, const struct tmem__term *t, struct tmem_sb *f)
{
    if (f != NULL) {
        char text[TMEM_FORMULA_LEN];
        tmem__term_render(t, text, sizeof text);
        tmem__sb_str(f, text);
    }
    return tc_term(c, t);
}

/* one layer of a stack: b·s × B_layer + b × heads × s × s × B_score (the
 * decoder: + its cross-attention's scores and the k / v per encoder token) */
static void layer_term(struct tmem_train_ctx *c, struct tmem__term *sub, const struct ed_layer *l, bool dec)
{
    const struct tmem_model *m = c->m;
    uint64_t b = c->seqs, se = c->seq_enc, sd = c->seq;
    if (!dec) {
        uint64_t h_enc = m->n_enc_head ? m->n_enc_head : m->n_head;
        tmem__term_mul(sub, "b·s_enc", tc_mul(c, b, se));
        tmem__term_mul(sub, "B_enc_layer", l->tok);
        tmem__term_plus(sub, "b", b);
        tmem__term_mul(sub, "n_enc_head", h_enc);
        tmem__term_mul(sub, "s_enc", se);
        tmem__term_mul(sub, "s_enc", se);
        tmem__term_mul(sub, "B_score", l->score);
        return;
    }
    tmem__term_mul(sub, "b·s_dec", tc_mul(c, b, sd));
    tmem__term_mul(sub, "B_dec_layer", l->tok);
    tmem__term_plus(sub, "b", b);
    tmem__term_mul(sub, "n_head", m->n_head);
    tmem__term_mul(sub, "s_dec", sd);
    tmem__term_mul(sub, "s_dec", sd);
    tmem__term_mul(sub, "B_score", l->score);
    tmem__term_plus(sub, "b", b);
    tmem__term_mul(sub, "n_head", m->n_head);
    tmem__term_mul(sub, "s_dec", sd);
    tmem__term_mul(sub, "s_enc", se);
    tmem__term_mul(sub, "B_xscore", l->xscore);
    tmem__term_plus(sub, "b·s_enc", tc_mul(c, b, se));
    tmem__term_mul(sub, "B_cross_kv", l->kv);
}

/* n × (one layer), or under adapters, where the first layer saves less:
 * (the first) + (n − 1) × (each later one) */
static void stack_term(struct tmem_train_ctx *c, struct tmem__term *t, const struct ed_layer *first,
                       const struct ed_layer *rest, uint64_t n, const char *n_sym, const char *n1_sym, bool dec)
{
    struct tmem__term a, r;
    tmem__term_init(&a, t->text);
    tmem__term_init(&r, t->text);
    bool same = first->tok == rest->tok && first->score == rest->score && first->xscore == rest->xscore &&
                first->kv == rest->kv;
    if (same || n < 2) {
        tmem__term_mul(t, n_sym, n);
        layer_term(c, &r, same ? rest : first, dec);
        tmem__term_mul_term(t, &r);
        return;
    }
    /* the two layers' sums as numbers (their tensor-by-tensor products
     * would not fit the formula's width twice) */
    tmem__term_init(&a, false);
    tmem__term_init(&r, false);
    layer_term(c, &a, first, dec);
    layer_term(c, &r, rest, dec);
    tmem__term_mul(t, dec ? "dec_layer_0" : "enc_layer_0", tc_term(c, &a));
    tmem__term_note(t, " (no gradient before its first adapter)", NULL);
    tmem__term_plus(t, n1_sym, n - 1);
    tmem__term_mul(t, dec ? "dec_layer" : "enc_layer", tc_term(c, &r));
}

/* --recompute full, as HF's gradient checkpointing runs it (each T5Block /
 * Bart{Encoder,Decoder}Layer a GradientCheckpointingLayer; PreTrainedModel.
 * gradient_checkpointing_enable's default use_reentrant=True: the
 * checkpoint saves the block's tensor arguments, the block's own tensors
 * are saved again only while its backward re-runs it). What the checkpoints
 * keep: each block's input hidden states (b·s × d_model × c, both stacks),
 * and once (one tensor each, passed to every block): the masks (T5:
 * [b, 1, 1, s_enc] for the encoder's self and the decoder's cross
 * attention, [b, 1, s_dec, s_dec] causal; BART's 4-D masks: [b, 1, s_enc,
 * s_enc], [b, 1, s_dec, s_dec], [b, 1, s_dec, s_enc]), T5's position biases
 * the first block returns and every later block takes ([b, n_head, s_q,
 * s_k] in c: the encoder's, the decoder's self and its cross zeros, each
 * with the mask added; UMT5 passes none, each block computes its own)
 * and the encoder output (already an end). T5's relative position buckets
 * are saved only inside a re-run (the first block's; UMT5: each block's).
 * use_cache: HF turns it off under gradient checkpointing. */
static uint64_t ckpt_item(struct tmem_train_ctx *c, struct tmem_sb *f)
{
    const struct tmem_model *m = c->m;
    uint64_t b = c->seqs, se = c->seq_enc, sd = c->seq, e = c->cb, d = m->d_model;
    uint64_t n_enc = m->n_enc_layer ? m->n_enc_layer : m->n_layer;
    uint64_t h_enc = m->n_enc_head ? m->n_enc_head : m->n_head;
    struct tmem__term t;
    tmem__term_init(&t, f != NULL);
    tmem__term_mul(&t, "n_enc_layer", n_enc);
    tmem__term_mul(&t, "b·s_enc", tc_mul(c, b, se));
    tmem__term_mul(&t, "d_model", d);
    tmem__term_mul(&t, "c", e);
    tmem__term_plus(&t, "n_layer", m->n_layer);
    tmem__term_mul(&t, "b·s_dec", tc_mul(c, b, sd));
    tmem__term_mul(&t, "d_model", d);
    tmem__term_mul(&t, "c", e);
    /* the shared ones as two numbers (their products would not fit the
     * formula's width): T5's position biases, the masks */
    struct tmem__term x;
    /* UMT5 (a bias table per layer): each block computes its own bias
     * (UMT5Stack passes none), saved only inside its re-run */
    if (is_t5(m) && !m->rel_bias_per_layer && (n_enc > 1 || m->n_layer > 1)) {
        tmem__term_init(&x, false);
        if (n_enc > 1) /* [b, n_enc_head, s_enc, s_enc] */
            tmem__term_plus(&x, NULL, tc_mul(c, tc_mul3(c, b, h_enc, se), tc_mul(c, se, e)));
        if (m->n_layer > 1) { /* [b, n_head, s_dec, s_dec] and [b, n_head, s_dec, s_enc] */
            tmem__term_plus(&x, NULL, tc_mul(c, tc_mul3(c, b, m->n_head, sd), tc_mul(c, sd, e)));
            tmem__term_plus(&x, NULL, tc_mul(c, tc_mul3(c, b, m->n_head, sd), tc_mul(c, se, e)));
        }
        tmem__term_plus(&t, "position_biases", tc_term(c, &x));
    }
    /* T5: [b, 1, 1, s_enc] twice (self, cross); BART: [b, 1, s_enc, s_enc],
     * [b, 1, s_dec, s_enc]; both: the causal [b, 1, s_dec, s_dec] */
    tmem__term_init(&x, false);
    tmem__term_plus(&x, NULL, tc_mul3(c, b, is_t5(m) ? se : tc_mul(c, se, se), e));
    tmem__term_plus(&x, NULL, tc_mul3(c, b, tc_mul(c, sd, sd), e));
    tmem__term_plus(&x, NULL, tc_mul3(c, b, is_t5(m) ? se : tc_mul(c, sd, se), e));
    tmem__term_plus(&t, "masks", tc_term(c, &x));
    return done(c, &t, f);
}

/* one block re-run during its backward: its saved tensors but its input
 * (the checkpoint's own), T5's first block with its relative position
 * buckets (int64 [s, s]); the larger of an encoder and a decoder block */
static void rerun_term(struct tmem_train_ctx *c, struct tmem__term *t, const struct ed_layer *l, bool dec)
{
    struct ed_layer r = *l;
    uint64_t in = tc_mul(c, c->cb, c->m->d_model); /* the block input: a checkpoint */
    r.tok = r.tok > in ? r.tok - in : 0;
    layer_term(c, t, &r, dec);
    if (is_t5(c->m)) {
        uint64_t s = dec ? c->seq : c->seq_enc;
        tmem__term_plus(t, NULL, 8);
        tmem__term_mul(t, dec ? "s_dec" : "s_enc", s);
        tmem__term_mul(t, dec ? "s_dec" : "s_enc", s);
    }
}

static uint64_t recompute_item(struct tmem_train_ctx *c, const struct ed_sums *s, struct tmem_sb *f)
{
    struct tmem__term a, r, t;
    tmem__term_init(&a, false);
    tmem__term_init(&r, false);
    rerun_term(c, &a, &s->enc0, false);
    rerun_term(c, &r, &s->dec0, true);
    bool dec = tc_term(c, &r) >= tc_term(c, &a);
    tmem__term_init(&t, f != NULL);
    tmem__term_note(&t, dec ? "a decoder block's re-run: " : "an encoder block's re-run: ", NULL);
    rerun_term(c, &t, dec ? &s->dec0 : &s->enc0, dec);
    return done(c, &t, f);
}

uint64_t tmem__encdec_act_item(struct tmem_train_ctx *c, enum tmem_train_item it, struct tmem_sb *f)
{
    bool full = c->o->recompute == TMEM_RECOMPUTE_FULL;
    const struct tmem_model *m = c->m;
    struct ed_sums s;
    sums(c, &s);
    uint64_t b = c->seqs, se = c->seq_enc, sd = c->seq;
    uint64_t n_enc = m->n_enc_layer ? m->n_enc_layer : m->n_layer;
    struct tmem__term t, sub;
    tmem__term_init(&t, f != NULL);
    tmem__term_init(&sub, f != NULL);
    switch (it) {
    case TMEM_TI_ACT_ENC_LAYERS:
        if (full)
            return 0;
        /* n_enc_layer × (b·s_enc × B_enc + b × n_enc_head × s_enc × s_enc × B_score) */
        stack_term(c, &t, &s.enc0, &s.enc, n_enc, "n_enc_layer", "(n_enc_layer − 1)", false);
        return done(c, &t, f);
    case TMEM_TI_ACT_DEC_LAYERS:
        if (full)
            return 0;
        /* n_layer × (b·s_dec × B_dec + b × n_head × s_dec × s_dec × B_score
         *            + b × n_head × s_dec × s_enc × B_xscore + b·s_enc × B_cross_kv) */
        stack_term(c, &t, &s.dec0, &s.dec, m->n_layer, "n_layer", "(n_layer − 1)", true);
        return done(c, &t, f);
    case TMEM_TI_ACT_ENDS:
        /* b·s_enc × B_enc_ends + b·s_dec × B_dec_ends + position ids / buckets (int64) */
        tmem__term_mul(&t, "b·s_enc", tc_mul(c, b, se));
        tmem__term_mul(&t, "B_enc_ends", s.enc_ends);
        tmem__term_plus(&t, "b·s_dec", tc_mul(c, b, sd));
        tmem__term_mul(&t, "B_dec_ends", s.dec_ends);
        if (m->n_rel_bucket > 0 && !c->lora && !full) { /* T5: the bucket of each (query, key) pair, per stack,
                                                  * saved for the (trained) bias table's gradient */
            tmem__term_plus(&t, NULL, 8);
            tmem__term_mul(&t, "s_enc", se);
            tmem__term_mul(&t, "s_enc", se);
            tmem__term_plus(&t, NULL, 8);
            tmem__term_mul(&t, "s_dec", sd);
            tmem__term_mul(&t, "s_dec", sd);
            tmem__term_note(&t, " (T5 relative position buckets, int64)", NULL);
        }
        if (m->learned_pos && !m->sinusoidal_pos && !c->lora) { /* BART: arange position ids per
                                                       * stack (Pegasus's frozen table, or any
                                                       * under adapters, saves none) */
            tmem__term_plus(&t, NULL, 8);
            tmem__term_mul(&t, "s_enc", se);
            tmem__term_plus(&t, NULL, 8);
            tmem__term_mul(&t, "s_dec", sd);
            tmem__term_note(&t, " (position ids, int64)", NULL);
        }
        return done(c, &t, f);
    case TMEM_TI_LOSS: /* the c log-softmax and the int64 labels */
        tmem__term_mul(&t, "b·s_dec", c->tokens);
        tmem__term_mul(&sub, "n_vocab", m->n_vocab);
        tmem__term_mul(&sub, "c", c->cb);
        tmem__term_plus(&sub, NULL, 8);
        tmem__term_mul_term(&t, &sub);
        tmem__term_note(&t, " (log-softmax in c, no fp32 upcast; int64 labels)", NULL);
        return done(c, &t, f);
    case TMEM_TI_LOGITS_GRAD:
        tmem__term_mul(&t, "b·s_dec", c->tokens);
        tmem__term_mul(&t, "n_vocab", m->n_vocab);
        tmem__term_mul(&t, NULL, 2);
        tmem__term_mul(&t, "c", c->cb);
        tmem__term_note(&t, " (the gradients of the log-softmax output and of the logits, both in c)", NULL);
        return done(c, &t, f);
    case TMEM_TI_ACT_CKPT:
        return full ? ckpt_item(c, f) : 0;
    case TMEM_TI_RECOMPUTE:
        return full ? recompute_item(c, &s, f) : 0;
    default:
        return 0;
    }
}
