/* train_internal.h — what the training-ledger files of the core share: the
 * evaluation context (a plan laid over a model, one pipeline stage) and
 * checked arithmetic that records overflow instead of returning it, so the
 * item functions read like their formulas. Internal to src/core. */
#ifndef TMEM_TRAIN_INTERNAL_H
#define TMEM_TRAIN_INTERNAL_H

#include "checked.h"
#include "sb.h"
#include "term.h"
#include "tmem/train.h"

struct tmem_train_ctx {
    const struct tmem_model *m;
    const struct tmem_inventory *inv;
    const struct tmem_train_opts *o;
    const struct tmem_precision_info *pi;
    const struct tmem_optimizer_info *oi;
    struct tmem_train_layout lay;
    bool overflow;

    /* bytes per element */
    uint64_t wb, gb, stb, rb, cb; /* weights, grads, states, residual stream, compute */
    uint64_t fb;                  /* fp32 (master weights, fp32 gradients and scales) */
    uint64_t dp, tp, pp, cp, ep;
    uint64_t seq;                 /* the plan's sequence length (resolved; encoder–decoders: the decoder's) */
    uint64_t seq_enc;             /* encoder–decoders: the encoder's length (--seq), else seq */
    uint64_t s_local;             /* seq / cp */
    uint64_t seqs;                /* sequences per micro-batch: b (2·b under DPO: chosen + rejected) */
    uint64_t tokens;              /* seqs · s_local: tokens of one micro-batch on this GPU */
    uint64_t tokens_repl;         /* tokens of replicated (sequence-dim) tensors: /tp with SP */
    bool dropout_attn, dropout_resid, dropout_embd;
    bool rope, softmax_fp32;
    bool shard_w, shard_g, shard_o; /* which model states are sharded over lay.shard */
    bool grads_persistent;
    bool fused_ce;                /* --fused-ce, or Liger's fused linear cross-entropy */
    bool paged_out;               /* a paged optimizer's states are counted on the host */
    /* adapters (train_lora.c): lora is set by a rank > 0; tr_* are the
     * trainable parameters of this GPU (its whole share without adapters) */
    bool lora;
    uint64_t tr_dense, tr_expert; /* after TP, before sharding */
    uint64_t tr_matmul;           /* of which matmul weights (autocast casts them) */
    uint64_t tr_largest;          /* the largest trainable tensor (elements, TP-local) */
    uint64_t base_bytes;          /* the frozen base's storage (quantized or in c), before sharding */
    /* last, and not cleared by the setup: each written before it is read */
    struct tmem_layer_act la;     /* one layer, one micro-batch (computed once) */
    struct tmem_train_act_sums act;    /* its per-token sums (computed once) */
};

/* Does the encoder's loss take the logits as they are (HF's BERT and
 * DeBERTa heads: CrossEntropyLoss of the logits; every classifier)? ModernBERT's
 * masked LM goes through transformers' ForMaskedLMLoss, which upcasts
 * (logits.float()) as the decoders' loss does. */
static inline bool tmem__encoder_loss_as_is(const struct tmem_model *m)
{
    return m->encoder && (m->post_norm || m->head != TMEM_HEAD_MLM);
}

/* checked helpers: on overflow they set c->overflow and return 0 */
static inline uint64_t tc_mul(struct tmem_train_ctx *c, uint64_t a, uint64_t b)
{
    uint64_t r;
    if (!tmem_mul_u64(a, b, &r)) {
        c->overflow = true;
        return 0;
    }
    return r;
}

static inline uint64_t tc_add(struct tmem_train_ctx *c, uint64_t a, uint64_t b)
{
    uint64_t r;
    if (!tmem_add_u64(a, b, &r)) {
        c->overflow = true;
        return 0;
    }
    return r;
}

static inline uint64_t tc_mul3(struct tmem_train_ctx *c, uint64_t a, uint64_t b, uint64_t d)
{
    return tc_mul(c, tc_mul(c, a, b), d);
}

/* ceil(a · num / den), den > 0; overflows only when the result does not
 * fit (tmem_scale_u64: it divides before it multiplies) */
static inline uint64_t tc_scale(struct tmem_train_ctx *c, uint64_t a, uint64_t num, uint64_t den)
{
    uint64_t r;
    if (num == den || a == 0)
        return a;
    if (!tmem_scale_u64(a, num, den, true, &r)) {
        c->overflow = true;
        return 0;
    }
    return r;
}

/* a term's value, its overflow recorded in c->overflow */
static inline uint64_t tc_term(struct tmem_train_ctx *c, const struct tmem__term *t)
{
    uint64_t v;
    if (!tmem__term_get(t, &v))
        c->overflow = true;
    return v;
}

/* train.c: the evaluation context of one stage (validated options) */
void tmem__train_setup(struct tmem_train_ctx *c, const struct tmem_model *m,
                       const struct tmem_inventory *inv, const struct tmem_train_opts *o,
                       uint64_t stage);

/* train.c: the state and items memos' keys (state_key, items_key) keep no
 * field but those of the validation's key (whose generation they store)
 * and the inner-loop fields they keep beside it, and the activation items
 * are one run of enum tmem_train_item (tests/unit/test_prep.c) */
bool tmem__train_memo_keys_covered(void);

/* train.c: instances of t on this stage (the last stage's copy of a tied
 * embedding included); *expert: a routed expert (expert parallel divides it) */
uint64_t tmem__stage_instances(const struct tmem_train_ctx *c, const struct tmem_tensor *t, bool *expert);

/* train_lora.c: adapters. */
#define TMEM__LORA_MAX_PIECES 4
/* is kind k of the plan's --lora-targets / --modules-to-save */
bool tmem__lora_targeted(const struct tmem_train_opts *o, enum tmem_tensor_kind k);
/* fills c->lora, c->tr_*, c->base_bytes and c->lay.trainable_params */
void tmem__lora_setup(struct tmem_train_ctx *c);
/* The trainable matrices one instance of t carries on this GPU, rows ×
 * cols (TP-local): t itself without adapters; else lora_A (r × d_in), lora_B
 * (d_out × r) and DoRA's magnitude (d_out × 1) when targeted, a copy of t
 * when a module to save; none for a frozen tensor. Returns how many. */
uint32_t tmem__trainable_pieces(const struct tmem_train_ctx *c, const struct tmem_tensor *t,
                                uint64_t *rows, uint64_t *cols);
/* the frozen base's weights term; the weight temporaries' term */
void tmem__lora_base_term(struct tmem_train_ctx *c, struct tmem__term *t);
void tmem__lora_temp_term(struct tmem_train_ctx *c, struct tmem__term *t);

/* act_inventory.c: the token mixers a layer can run, one case each in the
 * per-mixer dispatch (act_inventory.c mixer()). A layer runs attention, the
 * model's state-space mixer (tmem__ssm_mixer), or both side by side (a
 * parallel hybrid); its MLP or MoE block follows either way. A new mixer
 * kind is a value here, a case in tmem__ssm_mixer and in mixer(). */
enum tmem__mixer {
    TMEM__MIXER_ATTENTION = 0, /* attention (and its scores) */
    TMEM__MIXER_MAMBA1,        /* mamba1_mixer: mamba_ssm's mamba_inner_fn */
    TMEM__MIXER_MAMBA1_NORMED, /* mamba1_normed_mixer: Jamba's, dt/B/C RMSNorms, kernel by kernel */
    TMEM__MIXER_MAMBA2,        /* mamba2_mixer: mamba_split_conv1d_scan_combined */
    TMEM__MIXER_GDN,           /* gdn_mixer: Gated DeltaNet (fla chunk_gated_delta_rule) */
    TMEM__MIXER_COUNT          /* none: a transformer, or an SSM kind not modelled */
};
/* train_act.c: one micro-batch's bytes on this GPU of per-token sums sp
 * (sequence-parallel tensors) and tp (as part_factors counts a part) */
uint64_t tmem__train_sums_bytes(struct tmem_train_ctx *c, uint64_t sp, uint64_t tp);
/* the mixer of a model's state-space layers (TMEM__MIXER_COUNT: none) */
enum tmem__mixer tmem__ssm_mixer(const struct tmem_model *m);

/* act_inventory.c: the activation inventory of one layer. list NULL: the
 * sums only (the fast path). */
void tmem__act_layer(struct tmem_train_ctx *c, struct tmem_train_act_sums *sums,
                     struct tmem_act_inventory *list);

/* train_vision.c: --images. The plan's refusals (seq: the resolved length);
 * is t a tower weight held frozen; the TMEM_TI_ACT_VISION item */
enum tmem_status tmem__vision_train_check(const struct tmem_model *m, const struct tmem_train_opts *o,
                                          uint64_t seq, struct tmem_error *err);
bool tmem__vision_frozen(const struct tmem_train_opts *o, const struct tmem_tensor *t);
uint64_t tmem__vision_act_item(struct tmem_train_ctx *c, struct tmem_sb *f);

/* train_encdec.c: an encoder–decoder's activation items (both stacks, HF
 * eager; the items it does not own are 0) and the plan options it refuses */
uint64_t tmem__encdec_act_item(struct tmem_train_ctx *c, enum tmem_train_item it, struct tmem_sb *f);
enum tmem_status tmem__encdec_train_check(const struct tmem_model *m, const struct tmem_train_opts *o,
                                          struct tmem_error *err);

/* train_act.c: fills c->act and *out: one layer, one micro-batch; and an
 * MoE layer's saved bytes under the plan (0 without experts) */
void tmem__train_layer_act(struct tmem_train_ctx *c, struct tmem_layer_act *out);
/* the second half of it: *out from the sums already in c->act */
void tmem__train_layer_bytes(struct tmem_train_ctx *c, struct tmem_layer_act *out);
uint64_t tmem__act_moe_layer_bytes(struct tmem_train_ctx *c);

/* train_act.c: activations saved for backward (one formula per item) */
uint64_t tmem__train_act_item(struct tmem_train_ctx *c, enum tmem_train_item it, struct tmem_sb *f);
void tmem__train_act_family(struct tmem_train_ctx *c);

/* train_ds.c: --deepspeed-estimator's two lines, as terms */
void tmem__train_ds_item(struct tmem_train_ctx *c, enum tmem_train_item it, struct tmem__term *t);
void tmem__train_ds_host(struct tmem_train_ctx *c, struct tmem__term *t);

/* The layers of this stage that run and save activations: Llama 3.2 Vision
 * trains on text-only samples (train.c validate: one stage), and HF
 * MllamaTextModel.forward skips each cross-attention layer without
 * cross_attention_states (modeling_mllama.py), so its n_cross_layer layers
 * save nothing; the weights, grads and states still hold them (lay.layers). */
static inline uint64_t tmem__act_cross_skipped(const struct tmem_train_ctx *c)
{
    uint64_t x = c->m->n_cross_layer;
    return x > 0 && x < c->lay.layers && x <= c->lay.dense_layers ? x : 0;
}

static inline uint64_t tmem__act_layers(const struct tmem_train_ctx *c)
{
    return c->lay.layers - tmem__act_cross_skipped(c);
}

static inline uint64_t tmem__act_dense_layers(const struct tmem_train_ctx *c)
{
    return c->lay.dense_layers - tmem__act_cross_skipped(c);
}

#endif /* TMEM_TRAIN_INTERNAL_H */
