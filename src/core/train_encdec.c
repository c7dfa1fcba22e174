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
 *   logits at once (2·E·n_vocab). */
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
    if (o->recompute != TMEM_RECOMPUTE_NONE)
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "--recompute", why);
    if (o->kernels != TMEM_KERNELS_EAGER || o->fused_ce)
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, o->fused_ce ? "--fused-ce" : "--kernels", why);
    if (o->lora_rank > 0)
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "--lora-rank", why);
    if (o->dpo || o->rl != TMEM_RL_NONE) /* RL: a rollout engine, refused for them by infer */
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, o->dpo ? "--dpo" : "--rl", why);
    uint64_t ts = o->target_seq;
    TRY(tmem__check_range(err, "--target-seq", ts, 0, TMEM_MAX_SEQ));
    if (m->learned_pos && ts > m->n_pos)
        return tmem__fail_value(err, TMEM_ERR_INCONSISTENT, "--target-seq", ts,
                                "at most the learned position table (n_ctx)");
    return TMEM_OK;
}

/* Bytes per token (or per score element) of one layer of each stack. */
struct ed_sums {
    uint64_t enc_tok;     /* per encoder token, one encoder layer */
    uint64_t enc_score;   /* per element of [b, n_enc_head, s_enc, s_enc] */
    uint64_t dec_tok;     /* per decoder token, one decoder layer */
    uint64_t score;       /* per element of [b, n_head, s_dec, s_dec] and of [b, n_head, s_dec, s_enc] */
    uint64_t dec_kv;      /* per encoder token, one decoder layer: cross-attention k and v */
    uint64_t enc_ends;    /* per encoder token, once */
    uint64_t dec_ends;    /* per decoder token, once */
};

/* the T5 line (t5, mt5, umt5): relative position buckets, T5LayerNorm,
 * T5DenseActDense / T5DenseGatedActDense */
static bool is_t5(const struct tmem_model *m)
{
    return m->n_rel_bucket > 0;
}

/* one norm of d_model per token */
static uint64_t norm_bytes(struct tmem_train_ctx *c)
{
    uint64_t d = c->m->d_model, e = c->cb;
    if (!is_t5(c->m))
        return tc_add(c, tc_mul(c, e, d), 8); /* input, fp32 mean and rstd */
    uint64_t b = tc_add(c, tc_mul(c, 2 * e, d), 4); /* x, y; the fp32 rsqrt */
    return e == 4 ? b : tc_add(c, b, tc_mul(c, 4, d)); /* x.to(fp32), saved by pow */
}

/* self-attention of one layer per token, heads·d_head = inner: the norm,
 * the q/k/v input, q, k, v, the o input, the residual dropout mask */
static uint64_t self_attn_bytes(struct tmem_train_ctx *c, uint64_t inner)
{
    uint64_t d = c->m->d_model, e = c->cb;
    uint64_t b = tc_add(c, norm_bytes(c), tc_mul(c, e, d));
    b = tc_add(c, b, tc_mul(c, 4 * e, inner));
    return c->dropout_resid ? tc_add(c, b, d) : b;
}

/* the FFN of one layer per token, width f */
static uint64_t ffn_bytes(struct tmem_train_ctx *c, uint64_t f)
{
    uint64_t d = c->m->d_model, e = c->cb;
    uint64_t b = tc_add(c, norm_bytes(c), tc_mul(c, e, d)); /* the norm, the first linear's input */
    bool drop = c->dropout_resid; /* T5's inner dropout is dropout_rate too */
    if (!is_t5(c->m)) { /* GELU: its input and fc2's; ReLU saves its output, fc2's input */
        b = tc_add(c, b, tc_mul(c, c->m->relu_mlp ? e : 2 * e, f));
    } else if (c->m->mlp == TMEM_MLP_GATED) {
        b = tc_add(c, b, tc_mul(c, 7 * e, f)); /* gelu_new's 4, its output, wi_1's, the product / dropout out */
        if (drop)
            b = tc_add(c, b, f);
    } else {
        b = tc_add(c, b, tc_mul(c, e, f)); /* the ReLU output */
        if (drop)
            b = tc_add(c, b, tc_mul(c, e + 1, f)); /* dropout's mask and output */
    }
    return drop ? tc_add(c, b, d) : b; /* the residual dropout mask */
}

static void sums(struct tmem_train_ctx *c, struct ed_sums *s)
{
    const struct tmem_model *m = c->m;
    uint64_t d = m->d_model, e = c->cb;
    uint64_t h_enc = m->n_enc_head ? m->n_enc_head : m->n_head;
    uint64_t f_enc = m->d_ff_enc ? m->d_ff_enc : m->d_ff;
    uint64_t inner_enc = tc_mul(c, h_enc, m->d_head_enc ? m->d_head_enc : m->d_head);
    uint64_t inner = tc_mul(c, m->n_head, m->d_head);
    s->enc_tok = tc_add(c, self_attn_bytes(c, inner_enc), ffn_bytes(c, f_enc));
    /* the cross-attention per decoder token: its norm, the q input, q, the o input, the mask */
    uint64_t cross = tc_add(c, norm_bytes(c), tc_mul(c, e, d));
    cross = tc_add(c, cross, tc_mul(c, 2 * e, inner));
    if (c->dropout_resid)
        cross = tc_add(c, cross, d);
    s->dec_tok = tc_add(c, tc_add(c, self_attn_bytes(c, inner), cross), ffn_bytes(c, m->d_ff));
    s->dec_kv = tc_mul(c, 2 * e, inner);
    if (is_t5(m))
        s->score = c->dropout_attn ? 4 + 1 + e : (e == 4 ? 4 : 4 + e);
    else
        s->score = c->dropout_attn ? e + 1 + e : e;
    s->enc_score = s->score;
    /* the ends: ids, the embedding's dropout mask and norm, the final norm
     * (T5: and its dropout mask), the encoder output / the lm_head input */
    uint64_t ends = 8;
    if (c->dropout_embd)
        ends = tc_add(c, ends, d);
    if (m->embed_norm)
        ends = tc_add(c, ends, norm_bytes(c));
    if (m->final_norm)
        ends = tc_add(c, ends, norm_bytes(c));
    if (is_t5(m) && c->dropout_resid)
        ends = tc_add(c, ends, d);
    ends = tc_add(c, ends, tc_mul(c, e, d));
    s->enc_ends = s->dec_ends = ends;
}

static uint64_t done(struct tmem_train_ctx *c, const struct tmem__term *t, struct tmem_sb *f)
{
    if (f != NULL) {
        char text[TMEM_FORMULA_LEN];
        tmem__term_render(t, text, sizeof text);
        tmem__sb_str(f, text);
    }
    return tc_term(c, t);
}

uint64_t tmem__encdec_act_item(struct tmem_train_ctx *c, enum tmem_train_item it, struct tmem_sb *f)
{
    const struct tmem_model *m = c->m;
    struct ed_sums s;
    sums(c, &s);
    uint64_t b = c->seqs, se = c->seq_enc, sd = c->seq;
    uint64_t h_enc = m->n_enc_head ? m->n_enc_head : m->n_head;
    uint64_t n_enc = m->n_enc_layer ? m->n_enc_layer : m->n_layer;
    struct tmem__term t, sub;
    tmem__term_init(&t, f != NULL);
    tmem__term_init(&sub, f != NULL);
    switch (it) {
    case TMEM_TI_ACT_ENC_LAYERS:
        /* n_enc_layer × (b·s_enc × B_enc + b × n_enc_head × s_enc × s_enc × B_score) */
        tmem__term_mul(&t, "n_enc_layer", n_enc);
        tmem__term_mul(&sub, "b·s_enc", tc_mul(c, b, se));
        tmem__term_mul(&sub, "B_enc_layer", s.enc_tok);
        tmem__term_plus(&sub, "b", b);
        tmem__term_mul(&sub, "n_enc_head", h_enc);
        tmem__term_mul(&sub, "s_enc", se);
        tmem__term_mul(&sub, "s_enc", se);
        tmem__term_mul(&sub, "B_score", s.enc_score);
        tmem__term_mul_term(&t, &sub);
        return done(c, &t, f);
    case TMEM_TI_ACT_DEC_LAYERS:
        /* n_layer × (b·s_dec × B_dec + b × n_head × s_dec × s_dec × B_score
         *            + b × n_head × s_dec × s_enc × B_score + b·s_enc × B_cross_kv) */
        tmem__term_mul(&t, "n_layer", m->n_layer);
        tmem__term_mul(&sub, "b·s_dec", tc_mul(c, b, sd));
        tmem__term_mul(&sub, "B_dec_layer", s.dec_tok);
        tmem__term_plus(&sub, "b", b);
        tmem__term_mul(&sub, "n_head", m->n_head);
        tmem__term_mul(&sub, "s_dec", sd);
        tmem__term_mul(&sub, "s_dec", sd);
        tmem__term_mul(&sub, "B_score", s.score);
        tmem__term_plus(&sub, "b", b);
        tmem__term_mul(&sub, "n_head", m->n_head);
        tmem__term_mul(&sub, "s_dec", sd);
        tmem__term_mul(&sub, "s_enc", se);
        tmem__term_mul(&sub, "B_score", s.score);
        tmem__term_plus(&sub, "b·s_enc", tc_mul(c, b, se));
        tmem__term_mul(&sub, "B_cross_kv", s.dec_kv);
        tmem__term_mul_term(&t, &sub);
        return done(c, &t, f);
    case TMEM_TI_ACT_ENDS:
        /* b·s_enc × B_enc_ends + b·s_dec × B_dec_ends + position ids / buckets (int64) */
        tmem__term_mul(&t, "b·s_enc", tc_mul(c, b, se));
        tmem__term_mul(&t, "B_enc_ends", s.enc_ends);
        tmem__term_plus(&t, "b·s_dec", tc_mul(c, b, sd));
        tmem__term_mul(&t, "B_dec_ends", s.dec_ends);
        if (m->n_rel_bucket > 0) { /* T5: the bucket of each (query, key) pair, per stack */
            tmem__term_plus(&t, NULL, 8);
            tmem__term_mul(&t, "s_enc", se);
            tmem__term_mul(&t, "s_enc", se);
            tmem__term_plus(&t, NULL, 8);
            tmem__term_mul(&t, "s_dec", sd);
            tmem__term_mul(&t, "s_dec", sd);
            tmem__term_note(&t, " (T5 relative position buckets, int64)", NULL);
        }
        if (m->learned_pos && !m->sinusoidal_pos) { /* BART: arange position ids per stack
                                                       * (Pegasus's frozen table saves none) */
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
    default:
        return 0;
    }
}
