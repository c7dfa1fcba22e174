/* train_lora.c — adapter fine-tuning in the training ledger: which tensor
 * kinds LoRA targets, the adapters' parameters (PEFT: lora_A [r, d_in],
 * lora_B [d_out, r] per targeted linear; DoRA: a magnitude of d_out), the
 * frozen base's storage (in the compute dtype, or quantized as bitsandbytes
 * stores it), the trainable set the gradients and optimizer states are
 * over, and the weight temporaries of QLoRA and DoRA. The adapters' saved
 * activations are tensors of the activation inventory (act_inventory.c).
 *
 * Storage per base matrix of n weights with d_out outputs:
 *   nf4     ceil(n/2) packed 4-bit + 4 B fp32 absmax per block of 64
 *   nf4-dq  ceil(n/2) + 1 B absmax per block of 64, re-quantized in blocks
 *           of 256 with an fp32 scale each, + the fp32 offset (its mean)
 *   int8    n + 4 B fp32 row scale (SCB) per output row
 *   fp8     n + one fp32 scale
 *
 * REF: PEFT tuners/lora/layer.py (LoraLayer.update_layer, DoRA
 *      lora_magnitude_vector, print_trainable_parameters); bitsandbytes
 *      functional.py quantize_4bit (blocksize 64, compress_statistics:
 *      quantize_blockwise(absmax - offset, blocksize=256)), nn/modules.py
 *      Int8Params (CB int8, SCB fp32 per row); Dettmers et al. 2023 QLoRA
 *      (double quantization: 32/64 → 8/64 + 32/(64·256) bits per weight);
 *      Liu et al. 2024 DoRA. */
#include "dtype_size.h"
#include "error.h"
#include "tensor_kind.h"
#include "train_internal.h"

#include <string.h>

static const char *const quant_names[] = {
    [TMEM_BASE_QUANT_NONE] = "none", [TMEM_BASE_QUANT_NF4] = "nf4", [TMEM_BASE_QUANT_NF4_DQ] = "nf4-dq",
    [TMEM_BASE_QUANT_INT8] = "int8", [TMEM_BASE_QUANT_FP8] = "fp8",
};
_Static_assert(sizeof quant_names / sizeof quant_names[0] == TMEM_BASE_QUANT_COUNT, "one name per quant");

const char *tmem_base_quant_name(enum tmem_base_quant q)
{
    return (unsigned)q < TMEM_BASE_QUANT_COUNT ? quant_names[q] : "unknown";
}

enum tmem_base_quant tmem_base_quant_from_name(const char *s)
{
    for (int i = 0; s != NULL && i < TMEM_BASE_QUANT_COUNT; i++)
        if (strcmp(s, quant_names[i]) == 0)
            return (enum tmem_base_quant)i;
    return TMEM_BASE_QUANT_COUNT;
}

#define K(k) TMEM_TENSOR_KIND_##k
#define TARGET_MAX 8

/* the names --lora-targets takes, each a list of kinds (PEFT matches a
 * name as the suffix of a module's path: an encoder-decoder's name stands
 * for its encoder's, decoder's and cross-attention's linears alike) */
static const struct {
    const char *name;
    int n;
    enum tmem_tensor_kind kinds[TARGET_MAX];
} target_names[] = {
#define T(name, ...) {name, (int)(sizeof((const enum tmem_tensor_kind[]){__VA_ARGS__}) / sizeof(enum tmem_tensor_kind)), {__VA_ARGS__}}
    /* short names; T5 names its attention linears q, k, v, o (SelfAttention,
     * EncDecAttention) */
    T("q", K(ATTN_Q), K(MLA_Q_A), K(MLA_Q_B), K(XATTN_Q), K(ENC_ATTN_Q)),
    T("k", K(ATTN_K), K(MLA_KV_A), K(MLA_KV_B), K(XATTN_K), K(ENC_ATTN_K)),
    T("v", K(ATTN_V), K(MLA_KV_A), K(MLA_KV_B), K(XATTN_V), K(ENC_ATTN_V)),
    T("o", K(ATTN_O), K(XATTN_O), K(ENC_ATTN_O)),
    T("gate", K(MLP_GATE), K(EXPERT_GATE), K(SHARED_GATE), K(ENC_MLP_GATE)),
    T("up", K(MLP_UP), K(EXPERT_UP), K(SHARED_UP), K(ENC_MLP_UP)),
    T("down", K(MLP_DOWN), K(EXPERT_DOWN), K(SHARED_DOWN), K(ENC_MLP_DOWN)),
    /* HF decoder names; BART / mBART / OPT: self_attn and encoder_attn
     * q_proj, k_proj, v_proj, out_proj */
    T("q_proj", K(ATTN_Q), K(XATTN_Q), K(ENC_ATTN_Q)),
    T("k_proj", K(ATTN_K), K(XATTN_K), K(ENC_ATTN_K)),
    T("v_proj", K(ATTN_V), K(XATTN_V), K(ENC_ATTN_V)),
    T("o_proj", K(ATTN_O)),
    T("gate_proj", K(MLP_GATE), K(EXPERT_GATE), K(SHARED_GATE)),
    T("up_proj", K(MLP_UP), K(EXPERT_UP), K(SHARED_UP)),
    T("down_proj", K(MLP_DOWN), K(EXPERT_DOWN), K(SHARED_DOWN)),
    T("q_a_proj", K(MLA_Q_A)),
    T("q_b_proj", K(MLA_Q_B)),
    T("kv_a_proj_with_mqa", K(MLA_KV_A)),
    T("kv_b_proj", K(MLA_KV_B)),
    /* T5 DenseReluDense: wi (v1.0), wi_0 and wi_1 (gated v1.1 / mT5), wo */
    T("wi", K(MLP_UP), K(ENC_MLP_UP)),
    T("wi_0", K(MLP_GATE), K(ENC_MLP_GATE)),
    T("wi_1", K(MLP_UP), K(ENC_MLP_UP)),
    T("wo", K(MLP_DOWN), K(ENC_MLP_DOWN)),
    /* BART / mBART / OPT feed-forward */
    T("fc1", K(MLP_UP), K(ENC_MLP_UP)),
    T("fc2", K(MLP_DOWN), K(ENC_MLP_DOWN)),
    /* HF BERT / RoBERTa module names (PEFT matches by suffix): query, key,
     * value; "dense" ends attention.output.dense, intermediate.dense and
     * output.dense in every layer (the pooler's dense sits outside them) */
    T("query", K(ATTN_Q)),
    T("key", K(ATTN_K)),
    T("value", K(ATTN_V)),
    T("dense", K(ATTN_O), K(MLP_UP), K(MLP_DOWN)),
    /* Mamba (PEFT's names for MambaMixer's linears); out_proj is also the
     * attention output of BART's and mBART's encoder self-attention and of
     * their decoder's cross-attention. Not of the decoder-only attention
     * output kind: Jamba, Granite-H and Falcon-H1 name theirs o_proj beside
     * a mamba out_proj (PEFT matches by name), so "out_proj" on them must
     * not reach it; BART's decoder self-attention (and OPT's) shares that
     * kind: tmem_lora_targets_for_model adds it on a model without SSM
     * mixers */
    T("in_proj", K(SSM_IN_PROJ)),
    T("x_proj", K(SSM_X_PROJ)),
    T("dt_proj", K(SSM_DT_PROJ)),
    T("out_proj", K(SSM_OUT_PROJ), K(XATTN_O), K(ENC_ATTN_O)),
    /* Qwen3-Next's Gated DeltaNet (Qwen3NextGatedDeltaNet): its input
     * linears; "in_proj" ends no module name of it (PEFT matches none), and
     * its out_proj is "out_proj" */
    T("in_proj_qkvz", K(SSM_IN_PROJ_QKVZ)),
    T("in_proj_ba", K(SSM_IN_PROJ_BA)),
#undef T
};

struct tmem_kind_set tmem_lora_target_kinds(const char *name)
{
    struct tmem_kind_set set = {{0}};
    if (name == NULL)
        return set;
    if (strcmp(name, "all-linear") == 0) { /* PEFT: every linear layer but the output layer */
        for (int k = 0; k < TMEM_TENSOR_KIND_COUNT; k++)
            if (tmem__kind_lora_linear(k))
                tmem_kind_set_add(&set, k);
        return set;
    }
    for (size_t i = 0; i < sizeof target_names / sizeof target_names[0]; i++)
        if (strcmp(name, target_names[i].name) == 0) {
            for (int j = 0; j < target_names[i].n; j++)
                tmem_kind_set_add(&set, (int)target_names[i].kinds[j]);
            return set;
        }
    return set;
}

struct tmem_kind_set tmem_lora_targets_for_model(const struct tmem_model *m, struct tmem_kind_set s)
{
    /* out_proj is the only name holding SSM_OUT_PROJ but not ATTN_O; a
     * model with Mamba mixers (Jamba, Granite-H, Falcon-H1) names its
     * attention output o_proj, which out_proj must not reach */
    if (m != NULL && m->ssm == TMEM_SSM_NONE && tmem_kind_set_has(&s, K(SSM_OUT_PROJ)))
        tmem_kind_set_add(&s, K(ATTN_O));
    return s;
}

struct tmem_kind_set tmem_lora_module_kinds(const char *name)
{
    struct tmem_kind_set set = {{0}};
    if (name != NULL && strcmp(name, "embed_tokens") == 0)
        tmem_kind_set_add(&set, K(TOKEN_EMBD));
    if (name != NULL && strcmp(name, "lm_head") == 0)
        tmem_kind_set_add(&set, K(LM_HEAD));
    if (name != NULL && strcmp(name, "multi_modal_projector") == 0) { /* LLaVA, Gemma-3, Mllama; Qwen2.5-VL's merger */
        tmem_kind_set_add(&set, K(PROJ_NORM));
        tmem_kind_set_add(&set, K(PROJ_1));
        tmem_kind_set_add(&set, K(PROJ_1_BIAS));
        tmem_kind_set_add(&set, K(PROJ_2));
        tmem_kind_set_add(&set, K(PROJ_2_BIAS));
    }
    return set;
}

bool tmem__lora_targeted(const struct tmem_train_opts *o, enum tmem_tensor_kind k)
{
    return o->lora_rank > 0 && tmem_kind_set_has(&o->lora_targets, (int)k);
}

static bool saved_module(const struct tmem_train_opts *o, enum tmem_tensor_kind k)
{
    return o->lora_rank > 0 && tmem_kind_set_has(&o->modules_to_save, (int)k);
}

/* is t a base weight bitsandbytes quantizes (every linear but the lm_head) */
static bool quantized(const struct tmem_train_opts *o, const struct tmem_tensor *t)
{
    return o->base_quant != TMEM_BASE_QUANT_NONE && tmem__kind(t)->matmul &&
           t->kind != TMEM_TENSOR_KIND_LM_HEAD;
}

/* a weight HF holds with requires_grad=False: Pegasus's sinusoidal position
 * tables (PegasusSinusoidalPositionalEmbedding) */
static bool frozen(const struct tmem_train_ctx *c, const struct tmem_tensor *t)
{
    const struct tmem_model *m = c->m;
    if (tmem__vision_frozen(c->o, t)) /* --images: the tower (train_vision.c) */
        return true;
    return m->sinusoidal_pos &&
           (t->kind == TMEM_TENSOR_KIND_POS_EMBD || t->kind == TMEM_TENSOR_KIND_ENC_POS_EMBD);
}

uint32_t tmem__trainable_pieces(const struct tmem_train_ctx *c, const struct tmem_tensor *t,
                                uint64_t *rows, uint64_t *cols)
{
    if (frozen(c, t)) /* no gradient, no optimizer state */
        return 0;
    uint64_t r, cl; /* d_in × d_out on this GPU */
    tmem__tp_local_shape(t, c->tp, c->m->n_kv_head, &r, &cl);
    uint32_t n = 0;
    if (!c->lora || saved_module(c->o, t->kind)) {
        rows[n] = r;
        cols[n++] = cl;
    }
    if (c->lora && tmem__lora_targeted(c->o, t->kind)) {
        uint64_t rank = c->o->lora_rank;
        rows[n] = rank; /* lora_A: d_in → r */
        cols[n++] = r;
        rows[n] = cl; /* lora_B: r → d_out */
        cols[n++] = rank;
        if (c->o->dora) { /* lora_magnitude_vector: one per output */
            rows[n] = cl;
            cols[n++] = 1;
        }
    }
    return n;
}

/* the frozen storage bytes of one instance of n = rows · cols weights */
static uint64_t base_instance_bytes(struct tmem_train_ctx *c, const struct tmem_tensor *t, uint64_t n,
                                    uint64_t d_out)
{
    if (!quantized(c->o, t))
        return tc_mul(c, n, c->cb);
    uint64_t blocks = tmem_ceil_div_u64(n, TMEM_LORA_NF4_BLOCK);
    switch (c->o->base_quant) {
    case TMEM_BASE_QUANT_NF4: return tc_add(c, tmem_ceil_div_u64(n, 2), tc_mul(c, blocks, c->fb));
    case TMEM_BASE_QUANT_NF4_DQ:
        return tc_add(c, tc_add(c, tmem_ceil_div_u64(n, 2), blocks),
                      c->fb * (tmem_ceil_div_u64(blocks, TMEM_LORA_NF4_DQ_BLOCK) + 1));
    case TMEM_BASE_QUANT_INT8: return tc_add(c, n, tc_mul(c, d_out, c->fb));
    case TMEM_BASE_QUANT_FP8: return tc_add(c, n, c->fb);
    case TMEM_BASE_QUANT_NONE:
    case TMEM_BASE_QUANT_COUNT: break;
    }
    return tc_mul(c, n, c->cb);
}

void tmem__lora_setup(struct tmem_train_ctx *c)
{
    struct tmem_train_layout *l = &c->lay;
    c->lora = c->o->lora_rank > 0;
    c->tr_dense = l->dense_params;
    c->tr_expert = l->expert_params;
    c->tr_matmul = l->matmul_params;
    c->base_bytes = 0;
    c->tr_largest = 0;
    for (uint32_t i = 0; i < c->inv->n_tensors; i++) {
        const struct tmem_tensor *t = &c->inv->tensors[i];
        bool expert;
        uint64_t count = tmem__stage_instances(c, t, &expert);
        if (count == 0)
            continue;
        if (!c->lora && frozen(c, t)) { /* held (dense_params), not trained */
            uint64_t r, cl;
            tmem__tp_local_shape(t, c->tp, c->m->n_kv_head, &r, &cl);
            c->tr_dense -= tc_mul(c, count, tc_mul(c, r, cl)); /* a part of dense_params */
            if (tmem__kind(t)->matmul) /* and of matmul_params */
                c->tr_matmul -= tc_mul(c, count, tc_mul(c, r, cl));
        }
        uint64_t pr[TMEM__LORA_MAX_PIECES], pc[TMEM__LORA_MAX_PIECES];
        uint32_t np = tmem__trainable_pieces(c, t, pr, pc);
        for (uint32_t j = 0; j < np; j++)
            if (tc_mul(c, pr[j], pc[j]) > c->tr_largest)
                c->tr_largest = tc_mul(c, pr[j], pc[j]);
    }
    if (c->lora) {
        c->tr_dense = c->tr_expert = c->tr_matmul = 0;
        for (uint32_t i = 0; i < c->inv->n_tensors; i++) {
            const struct tmem_tensor *t = &c->inv->tensors[i];
            bool expert;
            uint64_t count = tmem__stage_instances(c, t, &expert);
            if (count == 0)
                continue;
            uint64_t r, cl;
            tmem__tp_local_shape(t, c->tp, c->m->n_kv_head, &r, &cl);
            uint64_t n = tc_mul(c, r, cl);
            c->base_bytes = tc_add(c, c->base_bytes, tc_mul(c, count, base_instance_bytes(c, t, n, cl)));
            uint64_t pr[TMEM__LORA_MAX_PIECES], pc[TMEM__LORA_MAX_PIECES];
            uint32_t np = tmem__trainable_pieces(c, t, pr, pc);
            for (uint32_t j = 0; j < np; j++) {
                uint64_t p = tc_mul(c, count, tc_mul(c, pr[j], pc[j]));
                if (expert)
                    c->tr_expert = tc_add(c, c->tr_expert, p);
                else
                    c->tr_dense = tc_add(c, c->tr_dense, p);
                /* lora_A / lora_B and a saved linear are matmul weights;
                 * DoRA's magnitude and an embedding table are not */
                if (pc[j] > 1 && tmem__kind(t)->matmul)
                    c->tr_matmul = tc_add(c, c->tr_matmul, p);
            }
        }
    }
    l->trainable_params = tc_add(c, c->tr_dense, c->tr_expert);
    l->trainable_matmul_params = c->tr_matmul;
}

void tmem__lora_base_term(struct tmem_train_ctx *c, struct tmem__term *t)
{
    static const char *const how[] = {
        [TMEM_BASE_QUANT_NONE] = "frozen base in c",
        [TMEM_BASE_QUANT_NF4] = "frozen base: NF4 linears (n/2 + 4 B per 64 weights), the rest in c",
        [TMEM_BASE_QUANT_NF4_DQ] =
            "frozen base: NF4 linears (n/2 + 1 B per 64 weights + 4 B per 256 absmax + 4 B), the rest in c",
        [TMEM_BASE_QUANT_INT8] = "frozen base: int8 linears (n + 4 B per output row), the rest in c",
        [TMEM_BASE_QUANT_FP8] = "frozen base: fp8 linears (n + 4 B), the rest in c",
    };
    _Static_assert(sizeof how / sizeof how[0] == TMEM_BASE_QUANT_COUNT, "one rule per quant");
    tmem__term_plus(t, how[c->o->base_quant], c->base_bytes);
    if (c->shard_w && c->lay.shard > 1)
        tmem__term_div_ceil(t, "shard", c->lay.shard);
}

/* QLoRA: the matmul dequantizes one weight at a time to c (the largest
 * quantized layer's temporary); DoRA: B·A and W + s·B·A of the largest
 * targeted layer, for its weight norm. */
void tmem__lora_temp_term(struct tmem_train_ctx *c, struct tmem__term *t)
{
    if (!c->lora || (c->o->base_quant == TMEM_BASE_QUANT_NONE && !c->o->dora))
        return;
    uint64_t big_q = 0, big_t = 0;
    for (uint32_t i = 0; i < c->inv->n_tensors; i++) {
        const struct tmem_tensor *x = &c->inv->tensors[i];
        bool expert;
        if (tmem__stage_instances(c, x, &expert) == 0)
            continue;
        uint64_t r, cl;
        tmem__tp_local_shape(x, c->tp, c->m->n_kv_head, &r, &cl);
        uint64_t n = tc_mul(c, r, cl);
        if (quantized(c->o, x) && n > big_q)
            big_q = n;
        if (tmem__lora_targeted(c->o, x->kind) && n > big_t)
            big_t = n;
    }
    if (c->o->base_quant != TMEM_BASE_QUANT_NONE) {
        tmem__term_plus(t, "largest quantized linear", big_q);
        tmem__term_mul(t, "c", c->cb);
        tmem__term_note(t, " (dequantized for its matmul)", NULL);
    }
    if (c->o->dora) {
        tmem__term_next(t, false);
        tmem__term_mul(t, NULL, 2);
        tmem__term_mul(t, "largest target", big_t);
        tmem__term_mul(t, "c", c->cb);
        tmem__term_note(t, " (DoRA: B·A and W + s·B·A for the weight norm)", NULL);
    }
}

enum tmem_status tmem_lora_count(const struct tmem_model *m, const struct tmem_inventory *inv,
                                 const struct tmem_train_opts *o, struct tmem_lora_params *out,
                                 struct tmem_error *err)
{
    if (out == NULL)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "train", "no output given");
    TRY(tmem_train_validate(m, o, err));
    TRY(tmem__inventory_check(inv, err));
    struct tmem_lora_params p;
    memset(&p, 0, sizeof p);
    bool ok = true;
    uint64_t rank = o->lora_rank;
    for (uint32_t i = 0; i < inv->n_tensors && rank > 0; i++) {
        const struct tmem_tensor *t = &inv->tensors[i];
        uint64_t per = 0, v;
        if (tmem__lora_targeted(o, t->kind)) {
            /* r · (d_in + d_out), + d_out for DoRA's magnitude */
            ok &= tmem_add_u64(t->rows, t->cols, &v) && tmem_mul_u64(v, rank, &per);
            if (o->dora)
                ok &= tmem_add_u64(per, t->cols, &per);
            ok &= tmem_mul_u64(per, t->count, &v) && tmem_add_u64(p.adapter_params, v, &p.adapter_params);
            ok &= tmem_add_u64(p.targeted_linears, t->count, &p.targeted_linears);
        }
        if (saved_module(o, t->kind))
            ok &= tmem_add_u64(p.saved_params, t->params, &p.saved_params);
    }
    ok &= tmem_add_u64(p.adapter_params, p.saved_params, &p.trainable_params);
    ok &= tmem_add_u64(inv->total_params, p.trainable_params, &p.all_params);
    if (rank == 0) {
        p.trainable_params = inv->total_params;
        p.all_params = inv->total_params;
    }
    if (!ok)
        return tmem__fail(err, TMEM_ERR_OVERFLOW, "train", "a parameter count does not fit in 64 bits");
    *out = p;
    return TMEM_OK;
}
