/* act_inventory.c — the activation inventory: every tensor one transformer
 * layer saves for backward, named, with its shape in the dimension legend,
 * its dtype (r residual, c compute, fp32, int64, 1-byte mask), the
 * parallelism that splits it and the plan choices that drop it, in the
 * manner of llm.c's ActivationTensors. The kernels these tensors come from
 * (Megatron / nanoGPT for LayerNorm families, HF eager for RMSNorm ones,
 * FlashAttention-2) are described at the top of train_act.c; --kernels
 * fused|liger|te swap the RMSNorm and gated-MLP tensors (enum tmem_kernels).
 *
 * One walk names each tensor once. It always sums the tensors per part
 * (struct tmem_train_act_sums, what the ledger's per-layer items multiply out);
 * given a list it also writes each tensor down. Recompute and kernel
 * choices are filters: a tensor names the choices under which it is never
 * kept (absent) or freed and rebuilt in the backward (recomputed).
 *
 * Tensor parallel divides the tensors inside attention and MLP (heads,
 * d_ff); sequence-dimension tensors (norm inputs, the inputs of the first
 * linear of each block, dropout masks) are replicated unless sequence
 * parallel splits them too. Context parallel splits the sequence. */
#include "error.h"
#include "model_internal.h"
#include "tensor_kind.h"
#include "train_internal.h"

#include <string.h>

#define BIT(ch) (1u << (ch))
#define NONE_RC BIT(TMEM_ACT_CHOICE_RECOMPUTE_NONE)
#define SELECTIVE BIT(TMEM_ACT_CHOICE_RECOMPUTE_SELECTIVE)
#define FULL BIT(TMEM_ACT_CHOICE_RECOMPUTE_FULL)
#define NAIVE BIT(TMEM_ACT_CHOICE_ATTENTION_NAIVE)
#define FLASH BIT(TMEM_ACT_CHOICE_ATTENTION_FLASH)
#define NO_ATTN_DROPOUT BIT(TMEM_ACT_CHOICE_ATTN_DROPOUT_OFF)
#define NO_RESID_DROPOUT BIT(TMEM_ACT_CHOICE_RESID_DROPOUT_OFF)
#define FROZEN BIT(TMEM_ACT_CHOICE_FROZEN)
#define NORM_EAGER BIT(TMEM_ACT_CHOICE_NORM_EAGER)
#define NORM_FUSED BIT(TMEM_ACT_CHOICE_NORM_FUSED)
#define GLU_FUSED BIT(TMEM_ACT_CHOICE_GLU_FUSED)
#define OUT_SHARED BIT(TMEM_ACT_CHOICE_ATTN_OUT_SHARED)
/* a kind's bit in the first word of a kind set: this walk's weights (the
 * decoder-only stack's) all lie there, which the array size checks at
 * compile time */
#define KB(k) (UINT64_C(1) << (TMEM_TENSOR_KIND_##k + 0 * sizeof(char[TMEM_TENSOR_KIND_##k < 64 ? 1 : -1])))
#define RECOMPUTE_CHOICES (NONE_RC | SELECTIVE | FULL)

/* Per part: the recompute choices that free and rebuild its tensors
 * (selective: the attention core's s² tensors; full: everything but the
 * layer input), and the choices under which none of them exists. */
static const struct {
    const char *name;
    uint32_t recomputed_under, absent_under;
    bool dense_layer, moe_layer; /* summed into a dense / an MoE layer's total */
} parts[] = {
    [TMEM_ACT_PART_ATTN] = {"attention", FULL, 0, true, true},
    [TMEM_ACT_PART_SCORES] = {"scores", SELECTIVE | FULL, FLASH, true, true},
    [TMEM_ACT_PART_MLP] = {"mlp", FULL, 0, true, false},
    [TMEM_ACT_PART_MOE] = {"moe", FULL, 0, false, true},
    [TMEM_ACT_PART_MASKS] = {"masks", FULL, NO_RESID_DROPOUT, true, true},
    /* without full recompute the layer input is the attention norm's input,
     * already listed: no copy of its own */
    [TMEM_ACT_PART_CHECKPOINT] = {"checkpoint", 0, NONE_RC | SELECTIVE, true, true},
};
_Static_assert(sizeof parts / sizeof parts[0] == TMEM_ACT_PART_COUNT, "one row per part");

static const char *const dtype_names[] = {
    [TMEM_ACT_DTYPE_RESIDUAL] = "r", [TMEM_ACT_DTYPE_COMPUTE] = "c", [TMEM_ACT_DTYPE_FP32] = "fp32",
    [TMEM_ACT_DTYPE_INT64] = "int64", [TMEM_ACT_DTYPE_MASK] = "mask",
};
_Static_assert(sizeof dtype_names / sizeof dtype_names[0] == TMEM_ACT_DTYPE_COUNT, "one name per dtype");

static const char *const split_names[] = {[TMEM_ACT_SPLIT_SP] = "sp", [TMEM_ACT_SPLIT_TP] = "tp"};
_Static_assert(sizeof split_names / sizeof split_names[0] == TMEM_ACT_SPLIT_COUNT, "one name per split");

static const char *const choice_names[] = {
    [TMEM_ACT_CHOICE_RECOMPUTE_NONE] = "recompute none",
    [TMEM_ACT_CHOICE_RECOMPUTE_SELECTIVE] = "recompute selective",
    [TMEM_ACT_CHOICE_RECOMPUTE_FULL] = "recompute full",
    [TMEM_ACT_CHOICE_ATTENTION_NAIVE] = "naive attention",
    [TMEM_ACT_CHOICE_ATTENTION_FLASH] = "flash attention",
    [TMEM_ACT_CHOICE_ATTN_DROPOUT_OFF] = "attention dropout off",
    [TMEM_ACT_CHOICE_RESID_DROPOUT_OFF] = "residual dropout off",
    [TMEM_ACT_CHOICE_FROZEN] = "frozen weight",
    [TMEM_ACT_CHOICE_NORM_EAGER] = "eager RMSNorm",
    [TMEM_ACT_CHOICE_NORM_FUSED] = "fused RMSNorm",
    [TMEM_ACT_CHOICE_GLU_FUSED] = "fused gated activation",
    [TMEM_ACT_CHOICE_ATTN_OUT_SHARED] = "attention output shared with o_proj",
};
_Static_assert(sizeof choice_names / sizeof choice_names[0] == TMEM_ACT_CHOICE_COUNT, "one name per choice");

static const char *const state_names[] = {
    [TMEM_ACT_STATE_SAVED] = "saved",
    [TMEM_ACT_STATE_RECOMPUTED] = "recomputed",
    [TMEM_ACT_STATE_ABSENT] = "absent",
};
_Static_assert(sizeof state_names / sizeof state_names[0] == TMEM_ACT_STATE_COUNT, "one name per state");

static const char *const layer_kind_names[] = {[TMEM_ACT_LAYER_ATTENTION] = "attention", [TMEM_ACT_LAYER_SSM] = "ssm"};
_Static_assert(sizeof layer_kind_names / sizeof layer_kind_names[0] == TMEM_ACT_LAYER_COUNT,
               "one name per layer kind");

#define NAME_OF(tab, v, count) ((unsigned)(v) < (count) ? tab[v] : "?")
const char *tmem_act_part_name(enum tmem_act_part p)
{
    return (unsigned)p < TMEM_ACT_PART_COUNT ? parts[p].name : "?";
}
const char *tmem_act_dtype_name(enum tmem_act_dtype d) { return NAME_OF(dtype_names, d, TMEM_ACT_DTYPE_COUNT); }
const char *tmem_act_split_name(enum tmem_act_split s) { return NAME_OF(split_names, s, TMEM_ACT_SPLIT_COUNT); }
const char *tmem_act_choice_name(enum tmem_act_choice c) { return NAME_OF(choice_names, c, TMEM_ACT_CHOICE_COUNT); }
const char *tmem_act_state_name(enum tmem_act_state s) { return NAME_OF(state_names, s, TMEM_ACT_STATE_COUNT); }
const char *tmem_act_layer_kind_name(enum tmem_act_layer_kind k)
{
    return NAME_OF(layer_kind_names, k, TMEM_ACT_LAYER_COUNT);
}
#undef NAME_OF

/* bytes per element of each dtype under the plan's precision policy */
static uint64_t elem_bytes(const struct tmem_train_ctx *c, enum tmem_act_dtype d)
{
    switch (d) {
    case TMEM_ACT_DTYPE_RESIDUAL: return c->rb;
    case TMEM_ACT_DTYPE_COMPUTE: return c->cb;
    case TMEM_ACT_DTYPE_FP32: return c->fb;
    case TMEM_ACT_DTYPE_INT64: return 8;
    case TMEM_ACT_DTYPE_MASK: return 1;
    case TMEM_ACT_DTYPE_COUNT: break;
    }
    return 0;
}

static const char *elem_name(const struct tmem_train_ctx *c, enum tmem_act_dtype d)
{
    switch (d) {
    case TMEM_ACT_DTYPE_RESIDUAL: return tmem_dtype_info(c->pi->residual)->name;
    case TMEM_ACT_DTYPE_COMPUTE: return tmem_dtype_info(c->pi->compute)->name;
    case TMEM_ACT_DTYPE_FP32: return tmem_dtype_info(TMEM_DTYPE_F32)->name;
    case TMEM_ACT_DTYPE_INT64: return "int64";
    case TMEM_ACT_DTYPE_MASK: return "bool";
    case TMEM_ACT_DTYPE_COUNT: break;
    }
    return "?";
}

struct walk {
    struct tmem_train_ctx *c;
    uint32_t plan;                   /* bits of the plan's choices */
    uint64_t eb[TMEM_ACT_DTYPE_COUNT]; /* elem_bytes() of each dtype */
    struct tmem_train_act_sums *sums;
    struct tmem_act_inventory *list; /* NULL: sums only */
    enum tmem_act_layer_kind kind;   /* of the layer walked: its list entries' tag */
    bool full;                       /* the list ran out of room */
};

/* One tensor as the walk names it. */
struct act {
    const char *name, *shape_sym;
    enum tmem_act_part part;
    enum tmem_act_dtype dtype;
    enum tmem_act_split split;
    uint32_t absent_under; /* beyond its part's */
    bool stats;
    uint64_t wgrad_of;     /* word 0 of the kind set (KB) of the weights whose gradient alone needs it
                              (a linear's input, a norm's normalized output): absent when all are frozen */
};

/* The list entry of a tensor (explaining only: out of the fast path). */
static void list_add(struct walk *w, const struct act *a, uint64_t width, uint64_t eb, uint32_t absent)
{
    struct tmem_train_ctx *c = w->c;
    if (w->list->n_tensors >= TMEM_MAX_ACT_TENSORS) {
        w->full = true;
        return;
    }
    uint32_t recomputed = parts[a->part].recomputed_under;
    enum tmem_act_state st = (absent & w->plan) ? TMEM_ACT_STATE_ABSENT
                             : (recomputed & w->plan) ? TMEM_ACT_STATE_RECOMPUTED
                                                      : TMEM_ACT_STATE_SAVED;
    uint64_t tokens = a->split == TMEM_ACT_SPLIT_TP ? c->tokens : c->tokens_repl;
    w->list->tensors[w->list->n_tensors++] = (struct tmem_act_tensor){
        .name = a->name, .layer_kind = w->kind, .shape_sym = a->shape_sym, .dtype_name = elem_name(c, a->dtype),
        .part = a->part, .dtype = a->dtype, .split = a->split,
        .absent_under = absent, .recomputed_under = recomputed, .norm_stats = a->stats,
        .state = st, .tokens = tokens, .width = width, .elem_bytes = eb,
        .bytes = tc_mul(c, tokens, tc_mul(c, width, eb))};
}

/* A tensor of `width` elements per token (on this GPU). Its part's sums
 * hold it when this plan's kernel and dropout make it (whatever the
 * recompute setting, which acts per part: see parts[]). A tensor's own
 * absent_under names kernel and dropout choices only. Returns its bytes per
 * token when the plan makes it, else 0. */
static inline uint64_t put(struct walk *w, struct act a, uint64_t width)
{
    struct tmem_train_ctx *c = w->c;
    struct tmem_train_act_sums *s = w->sums;
    uint64_t eb = w->eb[a.dtype], per_token = tc_mul(c, width, eb);
    if (a.wgrad_of != 0 && c->lora && (a.wgrad_of & (c->o->lora_targets.w[0] | c->o->modules_to_save.w[0])) == 0)
        a.absent_under |= FROZEN;
    uint32_t absent = a.absent_under | parts[a.part].absent_under;
    if ((absent & w->plan & ~RECOMPUTE_CHOICES) == 0) {
        uint64_t *p = a.split == TMEM_ACT_SPLIT_TP ? &s->tp[a.part] : &s->sp[a.part];
        *p = tc_add(c, *p, per_token);
        s->elem[a.part] = tc_add(c, s->elem[a.part], eb);
        if (a.stats && (a.part == TMEM_ACT_PART_ATTN || a.part == TMEM_ACT_PART_MLP)) {
            p = a.split == TMEM_ACT_SPLIT_TP ? &s->stats_tp : &s->stats_sp;
            *p = tc_add(c, *p, per_token);
        }
    }
    if (w->list != NULL)
        list_add(w, &a, width, eb, absent);
    return (absent & w->plan & ~RECOMPUTE_CHOICES) == 0 ? per_token : 0; /* what the plan makes */
}

/* ---------------------------------------------------------------- norms */

/* Where a norm sits: the names of its saved tensors and their shapes. */
enum norm_site {
    NORM_ATTN = 0, /* input_layernorm / ln_1 */
    NORM_MLP,      /* post_attention_layernorm / ln_2 */
    NORM_Q_A,      /* MLA q_a_layernorm */
    NORM_KV_A,     /* MLA kv_a_layernorm */
    NORM_Q,        /* per-head q_norm (Qwen3) */
    NORM_K,        /* per-head k_norm */
    NORM_Q_FULL,   /* q_norm over the whole q projection (OLMo2) */
    NORM_K_FULL,   /* k_norm over the whole k projection */
    NORM_MIXER,    /* a state-space layer's norm (MambaBlock.norm) */
    NORM_ATTN_POST, /* post-LN (BERT): attention.output.LayerNorm over the residual sum */
    NORM_MLP_POST,  /* post-LN: output.LayerNorm over the residual sum */
    NORM_SSM_DT,    /* Jamba JambaMambaMixer dt_layernorm (dt_rank) */
    NORM_SSM_B,     /* b_layernorm (d_state) */
    NORM_SSM_C,     /* c_layernorm (d_state) */
    NORM_SITE_COUNT
};
static const struct {
    const char *x_fp32, *rstd, *y;  /* RMSNorm */
    const char *input, *mean_rstd;  /* LayerNorm */
    const char *shape, *stat_shape, *ln_stat_shape;
    uint64_t weight; /* bits 1 << kind of its weight */
} sites[] = {
    [NORM_ATTN] = {"attn_norm.x_fp32", "attn_norm.rstd", "attn_norm.y", "attn_norm.input",
                   "attn_norm.mean_rstd", "b·s × d_model", "b·s", "b·s × 2", KB(LAYER_NORM)},
    [NORM_MLP] = {"mlp_norm.x_fp32", "mlp_norm.rstd", "mlp_norm.y", "mlp_norm.input",
                  "mlp_norm.mean_rstd", "b·s × d_model", "b·s", "b·s × 2", KB(LAYER_NORM)},
    [NORM_Q_A] = {"q_a_norm.x_fp32", "q_a_norm.rstd", "q_a_norm.y", "q_a_norm.input",
                  "q_a_norm.mean_rstd", "b·s × q_lora_rank", "b·s", "b·s × 2", KB(MLA_Q_A_NORM)},
    [NORM_KV_A] = {"kv_a_norm.x_fp32", "kv_a_norm.rstd", "kv_a_norm.y", "kv_a_norm.input",
                   "kv_a_norm.mean_rstd", "b·s × kv_lora_rank", "b·s", "b·s × 2", KB(MLA_KV_A_NORM)},
    [NORM_Q] = {"q_norm.x_fp32", "q_norm.rstd", "q_norm.y", "q_norm.input", "q_norm.mean_rstd",
                "b·s × n_head·d_head", "b·s × n_head", "b·s × 2·n_head", KB(ATTN_Q_NORM)},
    [NORM_K] = {"k_norm.x_fp32", "k_norm.rstd", "k_norm.y", "k_norm.input", "k_norm.mean_rstd",
                "b·s × n_kv_head·d_head", "b·s × n_kv_head", "b·s × 2·n_kv_head", KB(ATTN_K_NORM)},
    [NORM_Q_FULL] = {"q_norm.x_fp32", "q_norm.rstd", "q_norm.y", "q_norm.input", "q_norm.mean_rstd",
                     "b·s × n_head·d_head", "b·s", "b·s × 2", KB(ATTN_Q_NORM)},
    [NORM_K_FULL] = {"k_norm.x_fp32", "k_norm.rstd", "k_norm.y", "k_norm.input", "k_norm.mean_rstd",
                     "b·s × n_kv_head·d_head", "b·s", "b·s × 2", KB(ATTN_K_NORM)},
    [NORM_MIXER] = {"norm.x_fp32", "norm.rstd", "norm.y", "norm.input", "norm.mean_rstd", "b·s × d_model",
                    "b·s", "b·s × 2", KB(LAYER_NORM)},
    [NORM_ATTN_POST] = {"attn_out_norm.x_fp32", "attn_out_norm.rstd", "attn_out_norm.y",
                        "attn_out_norm.input", "attn_out_norm.mean_rstd", "b·s × d_model", "b·s",
                        "b·s × 2", KB(LAYER_NORM)},
    [NORM_MLP_POST] = {"mlp_out_norm.x_fp32", "mlp_out_norm.rstd", "mlp_out_norm.y",
                       "mlp_out_norm.input", "mlp_out_norm.mean_rstd", "b·s × d_model", "b·s",
                       "b·s × 2", KB(LAYER_NORM)},
    [NORM_SSM_DT] = {"ssm.dt_norm.x_fp32", "ssm.dt_norm.rstd", "ssm.dt_norm.y", "ssm.dt_norm.input",
                     "ssm.dt_norm.mean_rstd", "b·s × dt_rank", "b·s", "b·s × 2", 0},
    [NORM_SSM_B] = {"ssm.b_norm.x_fp32", "ssm.b_norm.rstd", "ssm.b_norm.y", "ssm.b_norm.input",
                    "ssm.b_norm.mean_rstd", "b·s × d_state", "b·s", "b·s × 2", 0},
    [NORM_SSM_C] = {"ssm.c_norm.x_fp32", "ssm.c_norm.rstd", "ssm.c_norm.y", "ssm.c_norm.input",
                    "ssm.c_norm.mean_rstd", "b·s × d_state", "b·s", "b·s × 2", 0},
};
_Static_assert(sizeof sites / sizeof sites[0] == NORM_SITE_COUNT, "one row per norm site");

/* A norm of `width` elements per token and `rows` statistics per token
 * (heads for a per-head norm, else 1).
 *   LayerNorm (one op in every stack): its input (r) and the fp32 mean and rstd
 *   RMSNorm, HF eager (x.float(); x·rsqrt(mean(x²) + eps); weight·y.to(r)):
 *     x in fp32 (a copy, or the input itself under fp32), the fp32 rsqrt,
 *     y in r (saved by the weight multiply)
 *   RMSNorm, fused (apex FusedRMSNorm, Liger, Transformer Engine): the input
 *     (r) and the fp32 rstd; y is rebuilt in the backward
 * Returns its bytes per token. */
/* the same, its input (and y) in dtype `in` rather than the residual's
 * (a norm inside a mixer: Jamba's dt / B / C norms take x_proj's output, c).
 * Their weight's kind (TMEM_TENSOR_KIND_SSM_XBC_NORM) lies past the 64 bits
 * of the adapter masks (--lora-targets, --modules-to-save cannot name it):
 * under adapters it is always frozen, and y is not kept (FROZEN). */
static inline uint64_t norm_in(struct walk *w, enum tmem_act_part part, enum norm_site at, bool rms,
                               enum tmem_act_split split, uint64_t width, uint64_t rows, enum tmem_act_dtype in)
{
    struct tmem_train_ctx *c = w->c;
    uint64_t b;
    if (rms) {
        /* y is saved for the weight's gradient only: a frozen norm drops it */
        b = put(w, (struct act){sites[at].x_fp32, sites[at].shape, part, TMEM_ACT_DTYPE_FP32, split,
                                NORM_FUSED, false, 0}, width);
        b = tc_add(c, b, put(w, (struct act){sites[at].input, sites[at].shape, part, in,
                                             split, NORM_EAGER, false, 0}, width));
        b = tc_add(c, b, put(w, (struct act){sites[at].rstd, sites[at].stat_shape, part, TMEM_ACT_DTYPE_FP32,
                                             split, 0, true, 0}, rows));
        return tc_add(c, b, put(w, (struct act){sites[at].y, sites[at].shape, part, in,
                                                split, NORM_FUSED | FROZEN, false, 0}, width));
    }
    b = put(w, (struct act){sites[at].input, sites[at].shape, part, in, split, 0, false, 0}, width);
    return tc_add(c, b, put(w, (struct act){sites[at].mean_rstd, sites[at].ln_stat_shape, part,
                                            TMEM_ACT_DTYPE_FP32, split, 0, true, 0}, tc_mul(c, 2, rows)));
}

static inline uint64_t norm(struct walk *w, enum tmem_act_part part, enum norm_site at, bool rms,
                            enum tmem_act_split split, uint64_t width, uint64_t rows)
{
    struct tmem_train_ctx *c = w->c;
    uint64_t b;
    if (rms) {
        /* y is saved for the weight's gradient only: a frozen norm drops it */
        b = put(w, (struct act){sites[at].x_fp32, sites[at].shape, part, TMEM_ACT_DTYPE_FP32, split,
                                NORM_FUSED, false, 0}, width);
        b = tc_add(c, b, put(w, (struct act){sites[at].input, sites[at].shape, part, TMEM_ACT_DTYPE_RESIDUAL,
                                             split, NORM_EAGER, false, 0}, width));
        b = tc_add(c, b, put(w, (struct act){sites[at].rstd, sites[at].stat_shape, part, TMEM_ACT_DTYPE_FP32,
                                             split, 0, true, 0}, rows));
        /* Qwen3NextRMSNorm multiplies the fp32 normalized x by (1 + weight.float())
         * before the cast: that multiply keeps y in fp32 */
        return tc_add(c, b, put(w, (struct act){sites[at].y, sites[at].shape, part,
                                                c->m->norm_scale_fp32 ? TMEM_ACT_DTYPE_FP32 : TMEM_ACT_DTYPE_RESIDUAL,
                                                split, NORM_FUSED, false, sites[at].weight}, width));
    }
    b = put(w, (struct act){sites[at].input, sites[at].shape, part, TMEM_ACT_DTYPE_RESIDUAL, split, 0, false, 0}, width);
    return tc_add(c, b, put(w, (struct act){sites[at].mean_rstd, sites[at].ln_stat_shape, part,
                                            TMEM_ACT_DTYPE_FP32, split, 0, true, 0}, tc_mul(c, 2, rows)));
}

static bool rms(const struct tmem_train_ctx *c)
{
    return c->m->norm == TMEM_NORM_RMSNORM;
}

/* ------------------------------------------------------------ attention */

#define SP TMEM_ACT_SPLIT_SP
#define TP TMEM_ACT_SPLIT_TP
#define C TMEM_ACT_DTYPE_COMPUTE
#define F32 TMEM_ACT_DTYPE_FP32
#define ATTN TMEM_ACT_PART_ATTN

/* A DeBERTa-v2 / v3 layer's attention (post-LN, eager only), what autograd
 * saves, after HF modeling_deberta_v2.py DisentangledSelfAttention.forward:
 *   query_proj / key_proj / value_proj read the layer input (one tensor);
 *   transpose_for_scores makes contiguous [b·n_head, s, d_head] copies q, k,
 *   v; bmm(q, k.transpose(-1, -2) / scale) saves q and the divided key (a
 *   new [b·n_head, d_head, s] tensor); c2p: bmm(q, pos_key) saves pos_key,
 *   transpose_for_scores(key_proj(rel_embeddings)).repeat(b, 1, 1): a copy
 *   [b·n_head, 2k, d_head]; gather saves its index c2p_pos = clamp(
 *   relative_pos + k, 0, 2k − 1), a new s × s int64 tensor each layer
 *   (expanded, no copy), and its input, the bmm output c2p_att [b·n_head,
 *   s, 2k] (derivatives.yaml: gather_backward(grad, self, dim, index)
 *   names self, so autograd keeps it); p2c: bmm(k, pos_query) saves k and pos_query (the
 *   repeat of query_proj(rel_embeddings)), gather its p2c_pos (s × s
 *   int64) and p2c_att [b·n_head, s, 2k]; masked_fill(~attention_mask.bool(), min) saves the inverted
 *   mask, b × 1 × s × s bool, a new tensor each layer; softmax (no upcast),
 *   dropout and bmm with v: the scores part; context .contiguous() is the
 *   dense input. pos_dropout (hidden_dropout_prob) on the 2k × d_model
 *   rel_embeddings, each layer: its bool mask and its output (the input
 *   query_proj and key_proj save; under autocast each of the two linears
 *   saves its own cast copy instead). Per-sequence and per-layer tensors
 *   are per token rounded up (exact when b·s divides them: 2k·d_model,
 *   s·s; s divides n_head·2k·d_head). */
static void deberta_attention(struct walk *w)
{
    struct tmem_train_ctx *c = w->c;
    const struct tmem_model *m = c->m;
    uint64_t h = m->d_model, a = m->n_head / c->tp, d = m->d_head, k2 = m->n_rel_pos;
    uint64_t hd = tc_mul(c, a, d), s = c->seq, tokens = c->tokens;
    put(w, (struct act){"attn.qkv_input", "b·s × d_model", ATTN, C, SP, 0, false,
                        KB(ATTN_Q) | KB(ATTN_K) | KB(ATTN_V)}, h);
    put(w, (struct act){"attn.q", "b·n_head × s × d_head", ATTN, C, TP, 0, false, 0}, hd);
    put(w, (struct act){"attn.k_scaled", "b·n_head × d_head × s", ATTN, C, TP, 0, false, 0}, hd);
    if (m->att_p2c)
        put(w, (struct act){"attn.k", "b·n_head × s × d_head", ATTN, C, TP, 0, false, 0}, hd);
    put(w, (struct act){"attn.v", "b·n_head × s × d_head", ATTN, C, TP, 0, false, 0}, hd);
    put(w, (struct act){"attn.o_proj_input", "b·s × n_head·d_head", ATTN, C, TP, 0, false, KB(ATTN_O)}, hd);
    put(w, (struct act){"attn.key_mask", "b × 1 × s × s", ATTN, TMEM_ACT_DTYPE_MASK, TP, 0, false, 0}, s);
    uint64_t pos = tmem_ceil_div_u64(tc_mul3(c, a, k2, d), s);  /* b·n_head·2k·d_head / b·s */
    uint64_t idx = tmem_ceil_div_u64(tc_mul(c, s, s), tokens); /* s·s / b·s */
    uint64_t rel = tmem_ceil_div_u64(tc_mul(c, k2, h), tokens); /* 2k·d_model / b·s */
    uint64_t n_proj = (m->att_c2p ? 1u : 0u) + (m->att_p2c ? 1u : 0u);
    if (m->att_c2p) {
        put(w, (struct act){"attn.pos_key", "b·n_head × 2k × d_head", ATTN, C, TP, 0, false, 0}, pos);
        put(w, (struct act){"attn.c2p_att", "b·n_head × s × 2k", ATTN, C, TP, 0, false, 0}, tc_mul(c, a, k2));
        put(w, (struct act){"attn.c2p_index", "s × s", ATTN, TMEM_ACT_DTYPE_INT64, TP, 0, false, 0}, idx);
    }
    if (m->att_p2c) {
        put(w, (struct act){"attn.pos_query", "b·n_head × 2k × d_head", ATTN, C, TP, 0, false, 0}, pos);
        put(w, (struct act){"attn.p2c_att", "b·n_head × s × 2k", ATTN, C, TP, 0, false, 0}, tc_mul(c, a, k2));
        put(w, (struct act){"attn.p2c_index", "s × s", ATTN, TMEM_ACT_DTYPE_INT64, TP, 0, false, 0}, idx);
    }
    if (n_proj > 0 && c->dropout_resid)
        put(w, (struct act){"attn.rel_dropout_mask", "2k × d_model", ATTN, TMEM_ACT_DTYPE_MASK, TP, 0, false, 0},
            rel);
    if (n_proj > 0 && c->pi->autocast) /* each linear's cast copy */
        put(w, (struct act){"attn.rel_input_c", "n_proj × 2k × d_model", ATTN, C, TP, 0, false, 0},
            tmem_ceil_div_u64(tc_mul3(c, n_proj, k2, h), tokens));
    else if (n_proj > 0 && c->dropout_resid)
        put(w, (struct act){"attn.rel_dropout_out", "2k × d_model", ATTN, TMEM_ACT_DTYPE_RESIDUAL, TP, 0, false, 0},
            rel);
    w->sums->end_norm = norm(w, ATTN, NORM_ATTN_POST, false, SP, h, 1);
}

/* A ModernBERT layer's attention (pre-LN, LayerNorm without bias), what
 * autograd saves, after HF modeling_modernbert.py ModernBertAttention:
 * attn_norm (its input and fp32 mean, rstd), Wqkv's input (the norm
 * output) and its output [b·s, 3·n_head·d_head]:
 *   flash_attention_2 (HF's default: ModernBertPreTrainedModel picks it
 *     when flash_attn is installed; --attention flash): the unpadded qkv,
 *     rotated in place by ApplyRotaryEmbUnpad (which saves the layer's own
 *     cos / sin caches, [s, d_head/2] each), is what
 *     flash_attn_varlen_qkvpacked_func saves as q, k, v (views of it), with
 *     its output (Wo's input: attn.view(bs, dim)) and the fp32 lse
 *     [n_head, b·s]; the local layers' window (local_attention 128) only
 *     narrows the kernel's work: the same tensors
 *   eager (--attention naive): qkv.transpose(3, 1).unbind(2) makes views;
 *     torch.matmul folds [b, n_head, s, d_head] to [b·n_head, s, d_head]
 *     for bmm: value's view of the qkv output cannot merge b and n_head,
 *     so bmm saves a contiguous copy (d wide); at b 1 the fold is a view
 *     and keeps the whole qkv output (3·d) alive (measured:
 *     tests/validate/encoders.py); apply_rotary_pos_emb's q·cos +
 *     rotate_half(q)·sin saves cos and sin ([1, s, d_head] each, made by
 *     every layer's rotary_emb) and its outputs q, k are saved by the
 *     score matmul; the fp32 softmax and its cast back: the scores part
 *     (the local layers' sliding window is a mask added to the full s × s
 *     scores); the output transposed .contiguous() is Wo's input.
 * Layer 0's attn_norm is an identity (first_attn_norm_absent): counted
 * as a norm in every layer, an overcount of d_model·r + 8 B per token in
 * one layer (ASSUMPTION: one layer kind per stack). attention_dropout 0
 * (the config class's default; --dropout on is refused). The per-layer
 * rotary tables are per token rounded up (exact when b divides their size). */
static void modernbert_attention(struct walk *w)
{
    struct tmem_train_ctx *c = w->c;
    const struct tmem_model *m = c->m;
    uint64_t h = m->d_model, a = m->n_head / c->tp, d = m->d_head, hd = tc_mul(c, a, d);
    bool flash = c->o->attention == TMEM_ATTENTION_FLASH;
    w->sums->end_norm = norm(w, ATTN, NORM_ATTN, false, SP, h, 1);
    put(w, (struct act){"attn.qkv_input", "b·s × d_model", ATTN, C, SP, 0, false,
                        KB(ATTN_Q) | KB(ATTN_K) | KB(ATTN_V)}, h);
    if (flash || c->seqs == 1) /* flash's q, k, v; eager at b 1: value's view of it */
        put(w, (struct act){"attn.qkv", "b·s × 3·n_head·d_head", ATTN, C, TP, 0, false, 0}, tc_mul(c, 3, hd));
    if (!flash) {
        put(w, (struct act){"attn.q_rotated", "b·n_head × s × d_head", ATTN, C, TP, 0, false, 0}, hd);
        put(w, (struct act){"attn.k_rotated", "b·n_head × s × d_head", ATTN, C, TP, 0, false, 0}, hd);
        if (c->seqs > 1)
            put(w, (struct act){"attn.v", "b·n_head × s × d_head", ATTN, C, TP, 0, false, 0}, hd);
    }
    put(w, (struct act){"attn.o_proj_input", "b·s × n_head·d_head", ATTN, C, TP, 0, false, flash ? 0 : KB(ATTN_O)},
        hd);
    if (flash)
        put(w, (struct act){"attn.lse", "b·s × n_head", ATTN, F32, TP, 0, false, 0}, a);
    /* cos and sin: [1, s, d_head] each (eager), [s, d_head/2] each (flash) */
    uint64_t rot = tc_mul3(c, flash ? 1 : 2, c->seq, d);
    put(w, (struct act){"attn.rotary_cos_sin", flash ? "2 × s × d_head/2" : "2 × s × d_head", ATTN, C, TP, 0,
                        false, 0}, tmem_ceil_div_u64(rot, c->tokens));
}

/* Rotary q·cos + rotate_half(q)·sin saves only cos and sin (tables that do
 * not require grad): counted once per micro-batch with the embedding. */
static void attention(struct walk *w)
{
    struct tmem_train_ctx *c = w->c;
    const struct tmem_model *m = c->m;
    uint64_t h = m->d_model, a = m->n_head / c->tp, g = m->n_kv_head / c->tp;
    /* flash saves its output (the o_proj input) for its own backward; the
     * eager matmul with v does not: there o_proj's weight alone needs it */
    if (m->rel_attn) {
        deberta_attention(w);
        return;
    }
    if (m->encoder && !m->post_norm) {
        modernbert_attention(w);
        return;
    }
    uint64_t o_wgrad = c->o->attention == TMEM_ATTENTION_NAIVE ? KB(ATTN_O) : 0;
    /* the embedding and final norms are d_model-wide norms like this one
     * (items of their own: per token, what it saves) */
    /* post-LN (BERT): no norm before attention; q, k, v read the layer
     * input (the previous layer's norm output), and the norm after the
     * residual add saves the sum (attention_post) */
    if (!m->post_norm)
        w->sums->end_norm = norm(w, ATTN, NORM_ATTN, rms(c), SP, h, 1);
    put(w, (struct act){"attn.qkv_input", "b·s × d_model", ATTN, C, SP, 0, false,
                        KB(ATTN_Q) | KB(ATTN_K) | KB(ATTN_V) | KB(MLA_Q_A) | KB(MLA_KV_A)}, h); /* the norm output */
    if (m->attn == TMEM_ATTN_MLA) {
        uint64_t qk = m->qk_nope_dim + m->qk_rope_dim, v = m->v_head_dim;
        if (m->q_lora_rank > 0) { /* q_a out → q_a_layernorm, its output → q_b */
            norm(w, ATTN, NORM_Q_A, rms(c), SP, m->q_lora_rank, 1);
            put(w, (struct act){"attn.q_b_input", "b·s × q_lora_rank", ATTN, C, SP, 0, false, KB(MLA_Q_B)},
                m->q_lora_rank);
        }
        /* compressed kv → kv_a_layernorm → kv_b; k_pe rotary (one head) */
        norm(w, ATTN, NORM_KV_A, rms(c), SP, m->kv_lora_rank, 1);
        put(w, (struct act){"attn.kv_b_input", "b·s × kv_lora_rank", ATTN, C, SP, 0, false, KB(MLA_KV_B)},
            m->kv_lora_rank);
        put(w, (struct act){"attn.q", "b·s × n_head·(qk_nope_dim + qk_rope_dim)", ATTN, C, TP, 0, false, 0},
            tc_mul(c, a, qk));
        put(w, (struct act){"attn.k", "b·s × n_head·(qk_nope_dim + qk_rope_dim)", ATTN, C, TP, 0, false, 0},
            tc_mul(c, a, qk));
        put(w, (struct act){"attn.v", "b·s × n_head·v_head_dim", ATTN, C, TP, 0, false, 0}, tc_mul(c, a, v));
        /* flash: its output, which is also the o_proj input */
        put(w, (struct act){"attn.o_proj_input", "b·s × n_head·v_head_dim", ATTN, C, TP, 0, false, o_wgrad},
            tc_mul(c, a, v));
        put(w, (struct act){"attn.lse", "b·s × n_head", ATTN, F32, TP, NAIVE, false, 0}, a);
        return;
    }
    uint64_t d = m->d_head;
    if (m->qk_norm && m->qk_norm_full) { /* RMSNorm over all of q and of k (OLMo2) */
        norm(w, ATTN, NORM_Q_FULL, true, TP, tc_mul(c, a, d), 1);
        norm(w, ATTN, NORM_K_FULL, true, TP, tc_mul(c, g, d), 1);
    } else if (m->qk_norm) { /* per-head RMSNorm on q and k (Qwen3) */
        norm(w, ATTN, NORM_Q, true, TP, tc_mul(c, a, d), a);
        norm(w, ATTN, NORM_K, true, TP, tc_mul(c, g, d), g);
    }
    put(w, (struct act){"attn.q", "b·s × n_head·d_head", ATTN, C, TP, 0, false, 0}, tc_mul(c, a, d));
    /* flash saves k and v at n_kv_head width; eager attention saves them
     * repeated to n_head (repeat_kv) for its two matmuls */
    put(w, (struct act){"attn.k", "b·s × n_kv_head·d_head", ATTN, C, TP, NAIVE, false, 0}, tc_mul(c, g, d));
    put(w, (struct act){"attn.v", "b·s × n_kv_head·d_head", ATTN, C, TP, NAIVE, false, 0}, tc_mul(c, g, d));
    put(w, (struct act){"attn.k_repeated", "b·s × n_head·d_head", ATTN, C, TP, FLASH, false, 0}, tc_mul(c, a, d));
    put(w, (struct act){"attn.v_repeated", "b·s × n_head·d_head", ATTN, C, TP, FLASH, false, 0}, tc_mul(c, a, d));
    if (m->attn_out_gate) {
        /* Qwen3NextAttention: query and gate = chunk(q_proj(x).view(…, 2·d_head)),
         * gate.reshape (a copy); attn_output.reshape(…).contiguous() ·
         * torch.sigmoid(gate) → o_proj. sigmoid keeps its output; the
         * multiply keeps both factors (the gate requires grad, so the
         * attention output is kept whatever o_proj's weight), and o_proj
         * keeps the product */
        put(w, (struct act){"attn.core_out", "b·s × n_head·d_head", ATTN, C, TP, 0, false, 0}, tc_mul(c, a, d));
        put(w, (struct act){"attn.gate_sigmoid", "b·s × n_head·d_head", ATTN, C, TP, 0, false, 0},
            tc_mul(c, a, d));
        put(w, (struct act){"attn.o_proj_input", "b·s × n_head·d_head", ATTN, C, TP, 0, false, KB(ATTN_O)},
            tc_mul(c, a, d));
    } else {
        put(w, (struct act){"attn.o_proj_input", "b·s × n_head·d_head", ATTN, C, TP, 0, false, o_wgrad},
            tc_mul(c, a, d));
    }
    /* Megatron's local path (megatron/model/transformer.py
     * ParallelAttention.forward): context_layer = rearrange(
     * core_attention_flash(q, k, v), 'b s h d -> s b (h d)').contiguous() is
     * a copy, which dense saves; flash keeps its own [b, s] output */
    put(w, (struct act){"attn.flash_out", "b·s × n_head·d_head", ATTN, C, TP, NAIVE | OUT_SHARED, false, 0},
        tc_mul(c, a, d));
    put(w, (struct act){"attn.lse", "b·s × n_head", ATTN, F32, TP, NAIVE, false, 0}, a); /* flash's log-sum-exp */
    if (m->post_norm) /* LayerNorm(dropout(dense(context)) + input): the sum */
        w->sums->end_norm = norm(w, ATTN, NORM_ATTN_POST, rms(c), SP, h, 1);
}

/* The b × n_head × s × s tensors of eager attention, n_head/tp · s per
 * local query token: the softmax output (fp32 when the softmax is upcast
 * or autocast runs it), the dropout mask and output, and the copy cast
 * back to c for the matmul with v. GPT-style 16-bit with dropout:
 * 2 + 1 + 2 = Korthikanti's 5 bytes per element. */
static void scores(struct walk *w)
{
    struct tmem_train_ctx *c = w->c;
    uint64_t width = tc_mul(c, c->m->n_head / c->tp, c->seq);
    enum tmem_act_dtype sd = (c->softmax_fp32 || c->pi->autocast) ? F32 : C;
    const char *shape = "b·n_head·s × s";
    put(w, (struct act){"attn.softmax", shape, TMEM_ACT_PART_SCORES, sd, TP, 0, false, 0}, width);
    put(w, (struct act){"attn.dropout_mask", shape, TMEM_ACT_PART_SCORES, TMEM_ACT_DTYPE_MASK, TP,
                        NO_ATTN_DROPOUT, false, 0}, width);
    put(w, (struct act){"attn.dropout_out", shape, TMEM_ACT_PART_SCORES, sd, TP, NO_ATTN_DROPOUT, false, 0},
        width);
    if (w->eb[sd] != c->cb)
        put(w, (struct act){"attn.probs_c", shape, TMEM_ACT_PART_SCORES, C, TP, 0, false, 0}, width);
}

/* ------------------------------------------------------------------ MLP */

enum mlp_site { MLP_DENSE = 0, MLP_EXPERTS, MLP_SHARED, MLP_SITE_COUNT };
static const struct {
    const char *gate_out, *silu_out, *up_out, *down_input; /* gated: down(silu(gate(x)) · up(x)) */
    const char *fc_out, *act_out;                          /* plain: fc2(act(fc1(x))) */
    const char *shape;
} mlps[] = {
    [MLP_DENSE] = {"mlp.gate_out", "mlp.silu_out", "mlp.up_out", "mlp.down_input", "mlp.fc_out",
                   "mlp.act_out", "b·s × d_ff"},
    [MLP_EXPERTS] = {"moe.experts.gate_out", "moe.experts.silu_out", "moe.experts.up_out",
                     "moe.experts.down_input", "moe.experts.fc_out", "moe.experts.act_out",
                     "b·s·n_expert_used × d_ff_expert"},
    [MLP_SHARED] = {"moe.shared.gate_out", "moe.shared.silu_out", "moe.shared.up_out",
                    "moe.shared.down_input", "moe.shared.fc_out", "moe.shared.act_out",
                    "b·s × d_ff_shared"},
};
_Static_assert(sizeof mlps / sizeof mlps[0] == MLP_SITE_COUNT, "one row per MLP site");

/* The MLP's inner tensors, tensor-parallel (tp need not divide d_ff: each
 * GPU holds ceil(f/tp)), `copies` per token (the routed experts):
 *   plain  the activation's input, its output (the down input)
 *   gated  gate out (silu input), silu out, up out (saved by the product),
 *          the product (down input); a fused kernel (Liger's SiLUMul / GELUMul,
 *          TE's LayerNormMLP fc1_out) keeps gate and up and recomputes silu */
static inline void mlp_inner(struct walk *w, enum tmem_act_part part, enum mlp_site at, uint64_t f,
                      uint64_t copies)
{
    struct tmem_train_ctx *c = w->c;
    uint64_t width = tc_mul(c, copies, tmem_ceil_div_u64(f, c->tp));
    const char *shape = mlps[at].shape;
    /* the down projection's input: its weight's gradient alone needs it */
    uint64_t down = at == MLP_DENSE ? KB(MLP_DOWN) : at == MLP_EXPERTS ? KB(EXPERT_DOWN) : KB(SHARED_DOWN);
    if (c->m->mlp == TMEM_MLP_GATED) {
        put(w, (struct act){mlps[at].gate_out, shape, part, C, TP, 0, false, 0}, width);
        put(w, (struct act){mlps[at].silu_out, shape, part, C, TP, GLU_FUSED, false, 0}, width);
        put(w, (struct act){mlps[at].up_out, shape, part, C, TP, 0, false, 0}, width);
        put(w, (struct act){mlps[at].down_input, shape, part, C, TP, 0, false, down}, width);
        return;
    }
    put(w, (struct act){mlps[at].fc_out, shape, part, C, TP, 0, false, 0}, width);
    put(w, (struct act){mlps[at].act_out, shape, part, C, TP, 0, false, down}, width);
}

static void mlp(struct walk *w)
{
    struct tmem_train_ctx *c = w->c;
    uint64_t h = c->m->d_model;
    if (!c->m->post_norm)
        norm(w, TMEM_ACT_PART_MLP, NORM_MLP, rms(c), SP, h, 1);
    put(w, (struct act){"mlp.input", "b·s × d_model", TMEM_ACT_PART_MLP, C, SP, 0, false,
                        KB(MLP_GATE) | KB(MLP_UP)}, h);
    mlp_inner(w, TMEM_ACT_PART_MLP, MLP_DENSE, c->m->d_ff, 1);
    if (c->m->post_norm) /* post-LN: LayerNorm(dropout(down(x)) + attention output) saves the sum */
        norm(w, TMEM_ACT_PART_MLP, NORM_MLP_POST, rms(c), SP, h, 1);
}

/* A mixture-of-experts MLP: the norm and its output (router and
 * shared-expert input), the fp32 router softmax, the top-k indices and the
 * expert loop's token indices, each routed copy of the token (in, and out:
 * the output and the selected routing weight are saved by their multiply,
 * the weighted product by index_add) and the experts' inner tensors (k of
 * them), plus the shared experts'. */
static void moe(struct walk *w)
{
    struct tmem_train_ctx *c = w->c;
    const struct tmem_model *m = c->m;
    uint64_t h = m->d_model, k = m->n_expert_used;
    enum tmem_act_part p = TMEM_ACT_PART_MOE;
    norm(w, p, NORM_MLP, rms(c), SP, h, 1);
    put(w, (struct act){"moe.input", "b·s × d_model", p, C, SP, 0, false,
                        KB(ROUTER) | KB(SHARED_EXPERT_GATE) | KB(SHARED_GATE) | KB(SHARED_UP)}, h);
    if (m->family == TMEM_FAMILY_GRANITEMOEHYBRID) {
        /* GraniteMoeHybridTopKGating: logits.float().topk(k) first, then the
         * softmax of the k (its fp32 output), the flattened indices sorted
         * (index_sorted_experts, int64: batch_gates = gates[sorted]) and
         * batch_index = sorted // k (int64: layer_input[batch_index] and
         * index_add); GraniteMoeHybridMoE multiplies the experts' output
         * (expert_output, c) by batch_gates[:, None] (c), saving both, and
         * zeros.index_add(0, batch_index, product) keeps the product
         * (derivatives.yaml: source's gradient is grad.index_select(dim,
         * index).expand_as(source), which saves source) */
        put(w, (struct act){"moe.topk_index", "b·s × n_expert_used", p, TMEM_ACT_DTYPE_INT64, SP, 0, false, 0}, k);
        put(w, (struct act){"moe.topk_probs", "b·s × n_expert_used", p, F32, SP, 0, false, 0}, k);
        put(w, (struct act){"moe.sorted_index", "b·s·n_expert_used", p, TMEM_ACT_DTYPE_INT64, SP, 0, false, 0}, k);
        put(w, (struct act){"moe.batch_index", "b·s·n_expert_used", p, TMEM_ACT_DTYPE_INT64, SP, 0, false, 0}, k);
        put(w, (struct act){"moe.batch_gates", "b·s·n_expert_used", p, C, SP, 0, false, 0}, k);
    } else {
        /* HF's expert loop (MixtralSparseMoeBlock and the blocks written
         * like it: Jamba, Qwen2-MoE, Qwen3-MoE, Qwen3-Next, OLMoE): per
         * expert idx, top_x = torch.where(expert_mask[e]), two int64 views
         * of one nonzero() result [n_e, 2], kept by hidden_states[None,
         * top_x], by routing_weights[top_x, idx, None] and by index_add_;
         * expert(x) · routing_weights[top_x, idx, None] keeps both factors
         * (the selected weight in c: routing_weights.to(hidden dtype)), and
         * final.index_add_(0, top_x, product) keeps the product
         * (derivatives.yaml: source's gradient expand_as(source)) */
        put(w, (struct act){"moe.router_probs", "b·s × n_expert", p, F32, SP, 0, false, 0}, m->n_expert);
        put(w, (struct act){"moe.topk_index", "b·s × n_expert_used", p, TMEM_ACT_DTYPE_INT64, SP, 0, false, 0}, k);
        put(w, (struct act){"moe.expert_index", "b·s·n_expert_used × 2", p, TMEM_ACT_DTYPE_INT64, SP, 0, false, 0},
            tc_mul(c, 2, k));
    }
    put(w, (struct act){"moe.expert_input", "b·s·n_expert_used × d_model", p, C, SP, 0, false,
                        KB(EXPERT_GATE) | KB(EXPERT_UP)}, tc_mul(c, k, h));
    put(w, (struct act){"moe.expert_output", "b·s·n_expert_used × d_model", p, C, SP, 0, false, 0}, tc_mul(c, k, h));
    if (m->family != TMEM_FAMILY_GRANITEMOEHYBRID) /* Granite's batch_gates are listed above */
        put(w, (struct act){"moe.routing_weight", "b·s·n_expert_used", p, C, SP, 0, false, 0}, k);
    put(w, (struct act){"moe.weighted_output", "b·s·n_expert_used × d_model", p, C, SP, 0, false, 0},
        tc_mul(c, k, h));
    mlp_inner(w, p, MLP_EXPERTS, m->d_ff_expert, k);
    if (m->d_ff_shared)
        mlp_inner(w, p, MLP_SHARED, m->d_ff_shared, 1);
    if (m->shared_expert_gate) {
        /* Qwen2MoeSparseMoeBlock / Qwen3NextSparseMoeBlock: F.sigmoid(shared_expert_gate(x)) ·
         * shared_expert_output; the multiply keeps both factors (sigmoid keeps its output) */
        put(w, (struct act){"moe.shared_gate_sigmoid", "b·s × 1", p, C, SP, 0, false, 0}, 1);
        put(w, (struct act){"moe.shared_out", "b·s × d_model", p, C, SP, 0, false, 0}, h);
    }
}

/* ------------------------------------------------------ state-space mixer */

/* One Mamba-1 mixer layer as it trains, the tensors kept for backward (a
 * function of the layer, in `part`, so that a hybrid's mamba layers can
 * call it). HF transformers' MambaBlock (modeling_mamba.py): norm
 * (MambaRMSNorm, op by op like Llama's: --kernels follows it) →
 * MambaMixer.cuda_kernels_forward, which in training (no cache, mamba_ssm
 * and causal_conv1d installed) is mamba_ssm's mamba_inner_fn
 * (ops/selective_scan_interface.py, MambaInnerFn.forward, checkpoint_lvl 1:
 * conv1d_out and delta are rebuilt in the backward) → residual add. Assumed
 * under every --kernels value: HF's slow_forward (the torch scan, used when
 * mamba_ssm is missing) is not modelled. The in_proj output is transposed
 * to [b, 2·d_inner, s], which is not contiguous: MambaInnerFn saves the
 * .contiguous() copy (xz). It saves x_dbl = x_proj(conv1d_out), B and C as
 * their own contiguous [b, 1, d_state, s] copies, the scan output before
 * the gate (out, [b, d_inner, s]) and selective_scan_cuda's chunk states
 * x [b, d_inner, ceil(s/2048), 2·d_state] in A's dtype (fp32:
 * -exp(A_log.float())); out_z = out·silu(z) is rebuilt by the backward
 * (recompute_out_z) for out_proj's weight gradient. Per layer, not per
 * token, and left out: exp(A_log.float())'s output and A (d_inner × d_state
 * fp32 each), D.float() and dt_proj.bias.float() (d_inner fp32 each, copies
 * unless the weights are fp32): 208,896 B for a mamba-130m layer, 0.65 % of
 * its 32,120,832 at b 1, s 2048. No dropout. */
static void mamba1_mixer(struct walk *w, enum tmem_act_part part)
{
    struct tmem_train_ctx *c = w->c;
    const struct tmem_model *m = c->m;
    uint64_t h = m->d_model, di = tmem_ceil_div_u64(m->ssm_d_inner, c->tp), N = m->ssm_d_state;
    norm(w, part, NORM_MIXER, rms(c), SP, h, 1);
    put(w, (struct act){"ssm.in_proj_input", "b·s × d_model", part, C, SP, 0, false, KB(SSM_IN_PROJ)},
        h); /* the norm output */
    put(w, (struct act){"ssm.xz", "b × 2·d_inner × s", part, C, TP, 0, false, 0}, tc_mul(c, 2, di));
    put(w, (struct act){"ssm.x_dbl", "b·s × (dt_rank + 2·d_state)", part, C, TP, 0, false, 0},
        tc_add(c, m->ssm_dt_rank, tc_mul(c, 2, N)));
    put(w, (struct act){"ssm.B", "b × 1 × d_state × s", part, C, TP, 0, false, 0}, N);
    put(w, (struct act){"ssm.C", "b × 1 × d_state × s", part, C, TP, 0, false, 0}, N);
    put(w, (struct act){"ssm.scan_out", "b × d_inner × s", part, C, TP, 0, false, 0}, di);
    /* b × d_inner × ceil(s/2048) × 2·d_state fp32, per token rounded up
     * (exact when 2048 divides s: d_inner·2·d_state / 2048) */
    uint64_t states = tc_mul(c, tc_mul(c, di, tc_mul(c, 2, N)), tmem_ceil_div_u64(c->s_local, 2048));
    put(w, (struct act){"ssm.scan_chunk_states", "b × d_inner × ceil(s/2048) × 2·d_state", part, F32, TP, 0,
                        false, 0}, tmem_ceil_div_u64(states, c->s_local));
}

/* One Jamba Mamba layer as it trains: JambaMambaMixer.cuda_kernels_forward
 * (modeling_jamba.py; no cache in training). Its dt / B / C RMSNorms keep
 * mamba_inner_fn out, so the mixer runs kernel by kernel:
 *   in_proj(x).transpose(1, 2).chunk(2): x and the gate z, views of the
 *     in_proj output [b, 2·d_inner, s] (not contiguous)
 *   causal_conv1d_fn(x) (CausalConv1dFn: x channel-last, stride(1) == 1:
 *     no copy) saves x, a view that keeps the whole in_proj output alive
 *   x_proj(conv_out.transpose(1, 2)) saves conv_out; its output is split
 *     into dt (dt_rank), B, C (d_state each), each through its JambaRMSNorm
 *     (op by op in fp32: the x_fp32 copy, the rstd, y in c)
 *   dt_proj(dt) (the bias zeroed around the call) saves its input, dt's
 *     norm output (c)
 *   selective_scan_fn(conv_out, delta, A, B.T, C.T, D, z, ...):
 *     SelectiveScanFn makes contiguous copies of the operands whose last
 *     stride is not 1 — delta (dt_proj's output transposed), B and C (the
 *     norm outputs transposed) and z — and saves u (conv_out: no copy),
 *     delta, B, C, z, the chunk states x (fp32, [b, d_inner, ceil(s/2048),
 *     2·d_state]) and out, the scan output before the gate; it returns
 *     out_z = out·silu(z)
 *   out_proj(out_z.transpose(1, 2)) saves out_z.
 * Per layer and left out: -exp(A_log.float()), D.float(), the bias's fp32
 * copy (d_inner × (d_state + 2) fp32). Under adapters the linears are
 * modules here (x_proj, dt_proj, out_proj are called): a frozen one does
 * not keep its input. */
static void mamba1_normed_mixer(struct walk *w, enum tmem_act_part part)
{
    struct tmem_train_ctx *c = w->c;
    const struct tmem_model *m = c->m;
    uint64_t h = m->d_model, di = tmem_ceil_div_u64(m->ssm_d_inner, c->tp), N = m->ssm_d_state;
    uint64_t R = m->ssm_dt_rank;
    bool r = rms(c);
    norm(w, part, NORM_MIXER, r, SP, h, 1);
    put(w, (struct act){"ssm.in_proj_input", "b·s × d_model", part, C, SP, 0, false, KB(SSM_IN_PROJ)},
        h); /* the norm output */
    put(w, (struct act){"ssm.in_proj_out", "b × 2·d_inner × s", part, C, TP, 0, false, 0}, tc_mul(c, 2, di));
    put(w, (struct act){"ssm.conv_out", "b × d_inner × s", part, C, TP, 0, false, 0}, di);
    norm_in(w, part, NORM_SSM_DT, r, TP, R, 1, C);
    norm_in(w, part, NORM_SSM_B, r, TP, N, 1, C);
    norm_in(w, part, NORM_SSM_C, r, TP, N, 1, C);
    put(w, (struct act){"ssm.dt_proj_input", "b·s × dt_rank", part, C, TP, 0, false, KB(SSM_DT_PROJ)}, R);
    put(w, (struct act){"ssm.delta", "b × d_inner × s", part, C, TP, 0, false, 0}, di);
    put(w, (struct act){"ssm.B", "b × 1 × d_state × s", part, C, TP, 0, false, 0}, N);
    put(w, (struct act){"ssm.C", "b × 1 × d_state × s", part, C, TP, 0, false, 0}, N);
    put(w, (struct act){"ssm.z", "b × d_inner × s", part, C, TP, 0, false, 0}, di);
    put(w, (struct act){"ssm.scan_out", "b × d_inner × s", part, C, TP, 0, false, 0}, di);
    uint64_t states = tc_mul(c, tc_mul(c, di, tc_mul(c, 2, N)), tmem_ceil_div_u64(c->s_local, 2048));
    put(w, (struct act){"ssm.scan_chunk_states", "b × d_inner × ceil(s/2048) × 2·d_state", part, F32, TP, 0,
                        false, 0}, tmem_ceil_div_u64(states, c->s_local));
    put(w, (struct act){"ssm.out_proj_input", "b·s × d_inner", part, C, TP, 0, false, KB(SSM_OUT_PROJ)}, di);
}

/* One Mamba-2 mixer layer (a function of the layer, as mamba1_mixer). HF
 * Mamba2Block (modeling_mamba2.py): norm (MambaRMSNorm-style, op by op) →
 * Mamba2Mixer.cuda_kernels_forward, which in training (no cache) calls
 * mamba_ssm's mamba_split_conv1d_scan_combined (ops/triton/ssd_combined.py,
 * MambaSplitConv1dScanCombinedFn.forward) with the gated RMSNorm and
 * out_proj inside → residual add (residual_in_fp32). The Function saves
 *   ctx.save_for_backward(zxbcdt, conv1d_weight, conv1d_bias, out_x, A, D,
 *       dt_bias, initial_states, seq_idx, rmsnorm_weight, rstd,
 *       outproj_weight, outproj_bias)
 * zxbcdt: the in_proj output itself ([b, s, d_in_proj], d_in_proj =
 * 2·d_inner + 2·n_group·d_state + n_ssm_head, contiguous: no copy); out_x:
 * the scan output before the gate, empty_like(x) ([b, s, n_ssm_head,
 * d_head], the compute dtype); rstd: the grouped RMSNorm's fp32 statistic
 * (n_group per token). _mamba_chunk_scan_combined_fwd's dt_out, dA_cumsum
 * and chunk states ([b, ceil(s/256), n_ssm_head, d_head, d_state]) are
 * not saved: the backward recomputes them from zxbcdt, as it does the conv
 * output and the normed, gated out_proj input. initial_states is None in
 * training. Per layer and left out: -exp(A_log.float()) (n_ssm_head fp32).
 * Falcon-H1 (modeling_falcon_h1.py FalconH1Mixer.cuda_kernels_forward, the
 * same Function when training without a cache): in_proj(x ·
 * ssm_in_multiplier) · mup_vector. A multiply by a Python scalar saves
 * nothing; in_proj keeps the scaled copy (its input); the multiply by the
 * mup_vector buffer (no grad; [1, 1, d_in_proj], per layer) keeps only
 * that buffer, and its product is the zxbcdt the Function saves (in_proj's
 * own output is freed): the same tensors. mamba_rms_norm false passes
 * rmsnorm_weight None: the scan gates by z itself and rstd is None (out_x
 * is still empty_like(x)). Its input norm is the layer's input_layernorm,
 * shared with attention (FalconH1DecoderLayer): walked there. */
static void mamba2_mixer(struct walk *w, enum tmem_act_part part)
{
    struct tmem_train_ctx *c = w->c;
    const struct tmem_model *m = c->m;
    uint64_t h = m->d_model, in_cols, conv;
    tmem__ssm_widths(m, &in_cols, &conv);
    /* a parallel hybrid's mixer reads attention's input_layernorm output
     * (walked by attention, once) */
    if (!m->hybrid_parallel)
        norm(w, part, NORM_MIXER, rms(c), SP, h, 1);
    put(w, (struct act){"ssm.in_proj_input", "b·s × d_model", part, C, SP, 0, false, KB(SSM_IN_PROJ)},
        h); /* the norm output (Falcon-H1: its product with ssm_in_multiplier) */
    put(w, (struct act){"ssm.zxbcdt", "b·s × (2·d_inner + 2·n_group·d_state + n_ssm_head)", part, C, TP, 0,
                        false, 0}, in_cols);
    put(w, (struct act){"ssm.out_x", "b·s × n_ssm_head·d_head", part, C, TP, 0, false, 0}, m->ssm_d_inner);
    /* without the gated RMSNorm (Falcon-H1 mamba_rms_norm false:
     * rmsnorm_weight None) the Function's rstd is None */
    if (!m->ssm_no_norm)
        put(w, (struct act){"ssm.norm_rstd", "b·s × n_group", part, F32, TP, 0, true, 0}, m->ssm_n_group);
}

/* One Gated DeltaNet mixer layer (Qwen3-Next's linear attention; a
 * function of the layer, as mamba2_mixer), trained the way HF runs it with
 * flash-linear-attention and causal-conv1d installed. HF
 * modeling_qwen3_next.py Qwen3NextGatedDeltaNet.forward: in_proj_qkvz and
 * in_proj_ba read the input_layernorm output; fix_query_key_value_ordering
 * splits q, k, v, z, b, a out of [b, s, n_k, …] views (v, z, b, a reshape
 * to value heads: copies); torch.cat((q, k, v)) → causal_conv1d_fn (silu
 * inside; CausalConv1dFn saves its input x, the cat output, and the conv
 * weight and bias: the conv output is not kept) → split to q, k, v views →
 * repeat_interleave of q and k to the n_v value heads (copies when n_v >
 * n_k) → beta = b.sigmoid(); g = -A_log.float().exp() ·
 * softplus(a.float() + dt_bias) → fla chunk_gated_delta_rule(…,
 * use_qk_l2norm_in_kernel=True) → self.norm = FusedRMSNormGated(d_v,
 * swish) over (o, z) rows of one head → out_proj.
 *   fla ops/gated_delta_rule/chunk.py ChunkGatedDeltaRuleFunction.forward
 *   (@input_guard makes every input contiguous: v, a slice of the conv
 *   output, becomes its own copy): q, q_rstd = l2norm_fwd(q) (likewise k);
 *   g = chunk_local_cumsum(g, 64) (a new fp32 tensor); A = solve_tril(…,
 *   output_dtype=k.dtype) ([B, T, H, 64]); then
 *     ctx.save_for_backward(q, q_rstd, k, k_rstd, v, g, beta, A,
 *                           initial_state, cu_seqlens)
 *   (initial_state and cu_seqlens are None in training; w, u, h and v_new
 *   are rebuilt by the backward; final_state is not asked for without a cache).
 *   fla modules/fused_norm_gate.py LayerNormGatedFunction.forward:
 *     ctx.save_for_backward(residual_out, g, weight, bias, mean, rstd)
 *   residual_out is x itself (no residual), mean None for RMS; rstd fp32,
 *   one per row (b·s·n_v rows of d_v). The product is out_proj's input.
 * Autograd outside the kernels: sigmoid keeps its output (beta, the same
 * tensor the Function keeps); softplus its fp32 input; the multiply by
 * -exp(A_log.float()) the fp32 softplus output (and the per-layer n_v fp32
 * factor, left out); cat, split and repeat_interleave keep nothing per token.
 * Not modelled: padding masks (apply_mask_to_padding_states multiplies by an
 * attention mask only when one is given) and HF's torch fallbacks
 * (torch_chunk_gated_delta_rule, Qwen3NextRMSNormGated) used when fla is
 * missing. Tensor and context parallel are refused for SSM layers. */
static void gdn_mixer(struct walk *w, enum tmem_act_part part)
{
    struct tmem_train_ctx *c = w->c;
    const struct tmem_model *m = c->m;
    uint64_t h = m->d_model, nv = m->ssm_n_head, dk = m->ssm_d_state, dv = m->ssm_d_head, in_cols, conv;
    tmem__ssm_widths(m, &in_cols, &conv); /* conv = 2·n_k·d_k + n_v·d_v (in_cols: the weights') */
    uint64_t qk = tc_mul(c, nv, dk), vw = tc_mul(c, nv, dv); /* after repeat to the value heads */
    norm(w, part, NORM_MIXER, rms(c), SP, h, 1); /* input_layernorm, named as a mixer norm */
    /* the norm output, read by in_proj_qkvz and in_proj_ba: their weights'
     * gradients, or their adapters' lora_A, need it (kinds past the 64 bits
     * of KB: under adapters it is absent when neither is targeted) */
    uint32_t in_frozen = tmem__lora_targeted(c->o, TMEM_TENSOR_KIND_SSM_IN_PROJ_QKVZ) ||
                                 tmem__lora_targeted(c->o, TMEM_TENSOR_KIND_SSM_IN_PROJ_BA)
                             ? 0
                             : FROZEN;
    put(w, (struct act){"gdn.in_proj_input", "b·s × d_model", part, C, SP, in_frozen, false, 0}, h);
    put(w, (struct act){"gdn.conv_input", "b·s × (2·n_k·d_k + n_v·d_v)", part, C, TP, 0, false, 0}, conv);
    put(w, (struct act){"gdn.q_l2norm", "b·s × n_v·d_k", part, C, TP, 0, false, 0}, qk);
    put(w, (struct act){"gdn.q_rstd", "b·s × n_v", part, F32, TP, 0, true, 0}, nv);
    put(w, (struct act){"gdn.k_l2norm", "b·s × n_v·d_k", part, C, TP, 0, false, 0}, qk);
    put(w, (struct act){"gdn.k_rstd", "b·s × n_v", part, F32, TP, 0, true, 0}, nv);
    put(w, (struct act){"gdn.v", "b·s × n_v·d_v", part, C, TP, 0, false, 0}, vw);
    put(w, (struct act){"gdn.softplus_input", "b·s × n_v", part, F32, TP, 0, false, 0}, nv);
    /* kept by the multiply by -exp(A_log.float()) for A_log's gradient */
    put(w, (struct act){"gdn.softplus_out", "b·s × n_v", part, F32, TP, 0, false, KB(SSM_A_LOG_HEAD)}, nv);
    put(w, (struct act){"gdn.g_cumsum", "b·s × n_v", part, F32, TP, 0, false, 0}, nv);
    put(w, (struct act){"gdn.beta", "b·s × n_v", part, C, TP, 0, false, 0}, nv);
    put(w, (struct act){"gdn.A", "b·s × n_v·64", part, C, TP, 0, false, 0}, tc_mul(c, nv, 64));
    put(w, (struct act){"gdn.core_out", "b·s × n_v·d_v", part, C, TP, 0, false, 0}, vw);
    put(w, (struct act){"gdn.z", "b·s × n_v·d_v", part, C, TP, 0, false, 0}, vw);
    put(w, (struct act){"gdn.norm_rstd", "b·s × n_v", part, F32, TP, 0, true, 0}, nv);
    put(w, (struct act){"gdn.out_proj_input", "b·s × n_v·d_v", part, C, TP, 0, false, KB(SSM_OUT_PROJ)}, vw);
}

/* -------------------------------------------------------------- adapters */

/* The names of the tensors a LoRA target saves beyond the base layer's. */
#define LORA_NAMES(k) {"lora." k ".dropout_out", "lora." k ".dropout_mask", "lora." k ".a_out", \
                       "lora." k ".dora_base_out", "lora." k ".dora_lora_out"}
enum { LORA_DROPOUT_OUT = 0, LORA_DROPOUT_MASK, LORA_A_OUT, LORA_DORA_BASE, LORA_DORA_LORA, LORA_NAME_COUNT };
static const char *const lora_names[TMEM_TENSOR_KIND_COUNT][LORA_NAME_COUNT] = {
    [TMEM_TENSOR_KIND_ATTN_Q] = LORA_NAMES("q_proj"),
    [TMEM_TENSOR_KIND_ATTN_K] = LORA_NAMES("k_proj"),
    [TMEM_TENSOR_KIND_ATTN_V] = LORA_NAMES("v_proj"),
    [TMEM_TENSOR_KIND_ATTN_O] = LORA_NAMES("o_proj"),
    [TMEM_TENSOR_KIND_MLA_Q_A] = LORA_NAMES("q_a_proj"),
    [TMEM_TENSOR_KIND_MLA_Q_B] = LORA_NAMES("q_b_proj"),
    [TMEM_TENSOR_KIND_MLA_KV_A] = LORA_NAMES("kv_a_proj_with_mqa"),
    [TMEM_TENSOR_KIND_MLA_KV_B] = LORA_NAMES("kv_b_proj"),
    [TMEM_TENSOR_KIND_MLP_GATE] = LORA_NAMES("gate_proj"),
    [TMEM_TENSOR_KIND_MLP_UP] = LORA_NAMES("up_proj"),
    [TMEM_TENSOR_KIND_MLP_DOWN] = LORA_NAMES("down_proj"),
    [TMEM_TENSOR_KIND_ROUTER] = LORA_NAMES("router"),
    [TMEM_TENSOR_KIND_SHARED_EXPERT_GATE] = LORA_NAMES("shared_expert_gate"),
    [TMEM_TENSOR_KIND_EXPERT_GATE] = LORA_NAMES("experts.gate_proj"),
    [TMEM_TENSOR_KIND_EXPERT_UP] = LORA_NAMES("experts.up_proj"),
    [TMEM_TENSOR_KIND_EXPERT_DOWN] = LORA_NAMES("experts.down_proj"),
    [TMEM_TENSOR_KIND_SHARED_GATE] = LORA_NAMES("shared_experts.gate_proj"),
    [TMEM_TENSOR_KIND_SHARED_UP] = LORA_NAMES("shared_experts.up_proj"),
    [TMEM_TENSOR_KIND_SHARED_DOWN] = LORA_NAMES("shared_experts.down_proj"),
    [TMEM_TENSOR_KIND_SSM_IN_PROJ] = LORA_NAMES("in_proj"),
    [TMEM_TENSOR_KIND_SSM_OUT_PROJ] = LORA_NAMES("out_proj"),
    [TMEM_TENSOR_KIND_SSM_IN_PROJ_QKVZ] = LORA_NAMES("in_proj_qkvz"),
    [TMEM_TENSOR_KIND_SSM_IN_PROJ_BA] = LORA_NAMES("in_proj_ba"),
};
#undef LORA_NAMES

/* What each targeted linear of a layer adds (PEFT's Linear: result =
 * base(x) + B(A(dropout(x)))·s). The input of A is x itself with dropout
 * 0 (already saved: the base inventory keeps every linear's input), else
 * the dropout output and its mask; A's output (r wide) is saved by B; DoRA
 * saves the base output and the scaled adapter output (d_out wide each)
 * for the magnitude's multiplies. Routed experts: n_expert_used copies
 * per token. All at the tokens of the matmul (gathered under sequence
 * parallel), widths after tensor parallel. Embedding-side linears
 * (project_in/out) sit outside the layers and are not listed. */
static void lora(struct walk *w, uint32_t groups)
{
    struct tmem_train_ctx *c = w->c;
    if (!c->lora)
        return;
    struct tmem_kind_set seen = {{0}};
    for (uint32_t i = 0; i < c->inv->n_tensors; i++) {
        const struct tmem_tensor *t = &c->inv->tensors[i];
        if (!tmem__kind_lora_linear((int)t->kind))
            continue;
        const char *const *nm = lora_names[t->kind];
        if (tmem_kind_set_has(&seen, (int)t->kind) || nm[0] == NULL || !(groups >> t->group & 1u) || !tmem__lora_targeted(c->o, t->kind))
            continue;
        /* out_proj runs as a module in Jamba's mixer and the Gated DeltaNet
         * only (see below) */
        enum tmem__mixer mx = tmem__ssm_mixer(c->m);
        if (t->kind == TMEM_TENSOR_KIND_SSM_OUT_PROJ && mx != TMEM__MIXER_MAMBA1_NORMED && mx != TMEM__MIXER_GDN)
            continue;
        tmem_kind_set_add(&seen, (int)t->kind);
        enum tmem_act_part part;
        switch (t->group) {
        case TMEM_GROUP_ATTENTION: part = ATTN; break;
        case TMEM_GROUP_MLP: part = TMEM_ACT_PART_MLP; break;
        case TMEM_GROUP_ROUTER:
        case TMEM_GROUP_EXPERTS:
        case TMEM_GROUP_SHARED_EXPERTS: part = TMEM_ACT_PART_MOE; break;
        /* the mixer: only in_proj runs as a module (and Jamba's out_proj,
         * whose mixer calls each linear; the Gated DeltaNet calls
         * in_proj_qkvz, in_proj_ba and out_proj); mamba_inner_fn reads
         * x_proj, dt_proj and out_proj's .weight (Mamba-2's combined Function
         * out_proj's), so their adapters are never called and save nothing
         * (state-spaces/mamba#279, peft#2274: their lora_A / lora_B get no
         * gradient). lora_names lists no x_proj or dt_proj. */
        case TMEM_GROUP_SSM: part = ATTN; break;
        case TMEM_GROUP_EMBEDDING:
        case TMEM_GROUP_NORM:
        case TMEM_GROUP_LM_HEAD:
        case TMEM_GROUP_COUNT:
        default: continue;
        }
        bool routed = t->group == TMEM_GROUP_EXPERTS;
        uint64_t copies = routed ? c->m->n_expert_used : 1, r, cl;
        tmem__tp_local_shape(t, c->tp, c->m->n_kv_head, &r, &cl);
        if (c->o->lora_dropout_ppm > 0) {
            const char *sh = routed ? "b·s·n_expert_used × d_in" : "b·s × d_in";
            put(w, (struct act){nm[LORA_DROPOUT_OUT], sh, part, C, TP, 0, false, 0}, tc_mul(c, copies, r));
            put(w, (struct act){nm[LORA_DROPOUT_MASK], sh, part, TMEM_ACT_DTYPE_MASK, TP, 0, false, 0},
                tc_mul(c, copies, r));
        }
        put(w, (struct act){nm[LORA_A_OUT], routed ? "b·s·n_expert_used × r" : "b·s × r", part, C, TP, 0, false, 0},
            tc_mul(c, copies, c->o->lora_rank));
        if (c->o->dora) {
            const char *sh = routed ? "b·s·n_expert_used × d_out" : "b·s × d_out";
            put(w, (struct act){nm[LORA_DORA_BASE], sh, part, C, TP, 0, false, 0}, tc_mul(c, copies, cl));
            put(w, (struct act){nm[LORA_DORA_LORA], sh, part, C, TP, 0, false, 0}, tc_mul(c, copies, cl));
        }
    }
}

/* --------------------------------------------------------------- a layer */

static uint32_t plan_choices(const struct tmem_train_ctx *c)
{
    uint32_t b = 0;
    switch (c->o->recompute) {
    case TMEM_RECOMPUTE_NONE: b |= NONE_RC; break;
    case TMEM_RECOMPUTE_SELECTIVE: b |= SELECTIVE; break;
    case TMEM_RECOMPUTE_FULL: b |= FULL; break;
    case TMEM_RECOMPUTE_COUNT: break;
    }
    switch (c->o->attention) {
    case TMEM_ATTENTION_NAIVE: b |= NAIVE; break;
    case TMEM_ATTENTION_FLASH: b |= FLASH; break;
    case TMEM_ATTENTION_COUNT: break;
    }
    if (!c->dropout_attn)
        b |= NO_ATTN_DROPOUT;
    if (!c->dropout_resid)
        b |= NO_RESID_DROPOUT;
    if (c->lora)
        b |= FROZEN;
    switch (c->o->kernels) {
    case TMEM_KERNELS_EAGER: b |= NORM_EAGER; break;
    case TMEM_KERNELS_FUSED: b |= NORM_FUSED; break;
    case TMEM_KERNELS_LIGER:
    case TMEM_KERNELS_TE: b |= NORM_FUSED | GLU_FUSED; break;
    case TMEM_KERNELS_LOCAL: b |= NORM_FUSED; break;
    case TMEM_KERNELS_COUNT: break;
    }
    if (c->o->kernels != TMEM_KERNELS_LOCAL)
        b |= OUT_SHARED;
    return b;
}

static void walk_init(struct walk *w, struct tmem_train_ctx *c, uint32_t plan,
                      struct tmem_train_act_sums *sums, struct tmem_act_inventory *list)
{
    memset(sums, 0, sizeof *sums);
    for (int d = 0; d < TMEM_ACT_DTYPE_COUNT; d++)
        w->eb[d] = elem_bytes(c, (enum tmem_act_dtype)d);
    w->c = c;
    w->plan = plan;
    w->sums = sums;
    w->list = list;
    w->kind = TMEM_ACT_LAYER_ATTENTION;
    w->full = false;
}

/* The layer's input (kept alone under full recompute) and what a layer
 * saves: the parts its recompute setting keeps (made tensors of a part the
 * plan neither frees nor leaves absent). */
static void layer_tail(struct walk *w, uint32_t plan, enum tmem_act_dtype input)
{
    struct tmem_train_ctx *c = w->c;
    struct tmem_train_act_sums *sums = w->sums;
    put(w, (struct act){"layer_input", "b·s × d_model", TMEM_ACT_PART_CHECKPOINT, input, SP, 0, false, 0},
        c->m->d_model);
    for (int p = 0; p < TMEM_ACT_PART_COUNT; p++) {
        if ((parts[p].recomputed_under | parts[p].absent_under) & plan)
            continue;
        if (parts[p].dense_layer) {
            sums->saved_sp = tc_add(c, sums->saved_sp, sums->sp[p]);
            sums->saved_tp = tc_add(c, sums->saved_tp, sums->tp[p]);
        }
        if (parts[p].moe_layer) {
            sums->moe_saved_sp = tc_add(c, sums->moe_saved_sp, sums->sp[p]);
            sums->moe_saved_tp = tc_add(c, sums->moe_saved_tp, sums->tp[p]);
        }
    }
    if (w->full)
        c->overflow = true; /* cannot happen: TMEM_MAX_ACT_TENSORS bounds the walk (tested) */
}

enum tmem__mixer tmem__ssm_mixer(const struct tmem_model *m)
{
    switch (m->ssm) {
    case TMEM_SSM_MAMBA: return m->ssm_xbc_norms ? TMEM__MIXER_MAMBA1_NORMED : TMEM__MIXER_MAMBA1;
    case TMEM_SSM_MAMBA2: return TMEM__MIXER_MAMBA2;
    case TMEM_SSM_GDN: return TMEM__MIXER_GDN;
    case TMEM_SSM_NONE:
    default: return TMEM__MIXER_COUNT;
    }
}

/* The per-mixer dispatch: what one mixer of a layer saves, its tensors in
 * `part` (a state-space mixer's; attention's are in ATTN and SCORES). Each
 * mixer walks its own input norm (input_layernorm). */
static void mixer(struct walk *w, enum tmem__mixer k, enum tmem_act_part part)
{
    switch (k) {
    case TMEM__MIXER_ATTENTION:
        attention(w);
        /* without a list, a part the plan leaves absent as a whole (the
         * scores under flash) is not walked: its sums are 0 */
        if (w->list != NULL || !(parts[TMEM_ACT_PART_SCORES].absent_under & w->plan))
            scores(w);
        return;
    case TMEM__MIXER_MAMBA1: mamba1_mixer(w, part); return;
    case TMEM__MIXER_MAMBA1_NORMED: mamba1_normed_mixer(w, part); return;
    case TMEM__MIXER_MAMBA2: mamba2_mixer(w, part); return;
    case TMEM__MIXER_GDN: gdn_mixer(w, part); return;
    case TMEM__MIXER_COUNT: return;
    }
}

/* the adapters of each mixer (bits of enum tmem_group): attention's q/k/v/o,
 * a state-space mixer's in_proj; the MLP's and the experts' go with the MLP */
#define G(g) (UINT32_C(1) << (g))
#define LORA_MIXER_ATTN G(TMEM_GROUP_ATTENTION)
#define LORA_MIXER_SSM G(TMEM_GROUP_SSM)
#define LORA_MLP (G(TMEM_GROUP_MLP) | G(TMEM_GROUP_ROUTER) | G(TMEM_GROUP_EXPERTS) | G(TMEM_GROUP_SHARED_EXPERTS))

/* The MLP block of a layer (dense, and the MoE block's tensors: both are
 * walked and the stage's items count each by its layers), the adapters of
 * `groups`, and the residual dropout masks. */
static void layer_mlp(struct walk *w, uint32_t groups)
{
    struct tmem_train_ctx *c = w->c;
    mlp(w);
    if (c->m->n_expert > 0)
        moe(w);
    lora(w, groups);
    uint64_t h = c->m->d_model;
    if (w->list != NULL || !(parts[TMEM_ACT_PART_MASKS].absent_under & w->plan)) {
        put(w, (struct act){"resid_dropout.attn_mask", "b·s × d_model", TMEM_ACT_PART_MASKS,
                            TMEM_ACT_DTYPE_MASK, SP, 0, false, 0}, h);
        put(w, (struct act){"resid_dropout.mlp_mask", "b·s × d_model", TMEM_ACT_PART_MASKS,
                            TMEM_ACT_DTYPE_MASK, SP, 0, false, 0}, h);
    }
}

void tmem__act_layer(struct tmem_train_ctx *c, struct tmem_train_act_sums *sums, struct tmem_act_inventory *list)
{
    struct walk w;
    uint32_t plan = plan_choices(c);
    walk_init(&w, c, plan, sums, list);
    const struct tmem_model *m = c->m;
    enum tmem__mixer ssm = tmem__ssm_mixer(m);
    if (m->ssm != TMEM_SSM_NONE && !m->hybrid) { /* no attention, MLP or dropout: the mixer is the layer */
        w.kind = TMEM_ACT_LAYER_SSM;
        mixer(&w, ssm, ATTN);
        /* norm_f takes the last layer's fp32 residual as it is (Mamba(2)Model:
         * no cast): eager keeps x (that input), the rstd and y in fp32 (y
         * for the weight's gradient: not under adapters), a fused norm its
         * input and the rstd; per token (8 or 4)·d_model + 4 */
        uint64_t x32 = tc_mul(c, m->d_model, 4);
        w.sums->end_norm = tc_add(c, (plan & NORM_EAGER) && !c->lora ? tc_mul(c, 2, x32) : x32, 4);
        lora(&w, LORA_MIXER_SSM);
        /* MambaBlock / Mamba2Block: residual = residual.to(float32)
         * (residual_in_fp32, the config classes' default and True in every
         * state-spaces/mamba-*-hf config):
         * the next layer's input is fp32 whatever the policy */
        layer_tail(&w, plan, F32);
        return;
    }
    /* a transformer layer, or a hybrid's attention layer. A parallel
     * hybrid's layer runs attention and the SSM mixer side by side on one
     * norm's output: HF FalconH1DecoderLayer = input_layernorm → mamba(y) ·
     * ssm_out_multiplier + self_attn(y · attention_in_multiplier) ·
     * attention_out_multiplier → residual add → pre_ff_layernorm →
     * FalconH1MLP: down(up(x) · silu(gate(x) · gate_multiplier)) ·
     * down_multiplier → residual add. Each muP multiplier is a Python
     * scalar (the multiply saves nothing; its product replaces the tensor
     * the Llama layer saves there: attention's q/k/v input, silu's input),
     * the sums save nothing (k_proj's · key_multiplier likewise): the
     * layer saves attention's tensors (with the norm, once) and the
     * Mamba-2 mixer's, both in the attention part and both listed under
     * this layer's kind, then the MLP's. */
    mixer(&w, TMEM__MIXER_ATTENTION, ATTN);
    if (m->hybrid && m->hybrid_parallel)
        mixer(&w, ssm, ATTN);
    /* the adapters in inventory order: a hybrid's attention layer has no
     * in_proj (its state-space layers' adapters are walked below) */
    layer_mlp(&w, LORA_MIXER_ATTN | LORA_MLP | (m->hybrid && !m->hybrid_parallel ? 0 : LORA_MIXER_SSM));
    layer_tail(&w, plan, TMEM_ACT_DTYPE_RESIDUAL);
    if (!m->hybrid || m->hybrid_parallel)
        return;
    /* a hybrid's state-space layers: the same MLP block after the SSM
     * mixer; only the mixer part differs, walked on its own into its sums
     * and listed after the attention layer's tensors, tagged SSM (sums->sp /
     * tp and la describe the attention layer). */
    struct tmem_train_act_sums ssm_sums;
    struct walk ws;
    walk_init(&ws, c, plan, &ssm_sums, list);
    ws.kind = TMEM_ACT_LAYER_SSM;
    mixer(&ws, ssm, ATTN);
    lora(&ws, LORA_MIXER_SSM);
    if (ws.full)
        c->overflow = true;
    sums->ssm_mixer_sp = ssm_sums.sp[ATTN];
    sums->ssm_mixer_tp = ssm_sums.tp[ATTN];
}
#undef G

enum tmem_status tmem_train_activations(const struct tmem_model *m, const struct tmem_inventory *inv,
                                        const struct tmem_train_opts *o, uint64_t stage,
                                        struct tmem_act_inventory *out, struct tmem_error *err)
{
    if (inv == NULL || out == NULL)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "train", "no inventory or output given");
    TRY(tmem_train_validate(m, o, err));
    if (m->encdec)
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "train",
                          "the per-tensor list of an encoder-decoder's two stacks is not built yet "
                          "(the ledger's encoder / decoder items are)");
    if (stage == UINT64_MAX)
        stage = 0;
    else if (stage >= o->pp)
        return tmem__fail_value(err, TMEM_ERR_INVALID_ARG, "stage", stage, "below --pp");
    struct tmem_train_ctx c;
    tmem__train_setup(&c, m, inv, o, stage);
    struct tmem_train_act_sums sums;
    struct tmem_act_inventory list;
    memset(&list, 0, sizeof list);
    tmem__act_layer(&c, &sums, &list);
    if (c.overflow)
        return tmem__fail(err, TMEM_ERR_OVERFLOW, "train", "a byte count does not fit in 64 bits");
    list.layer = c.la;
    list.dense_layers = tmem__act_dense_layers(&c);
    list.moe_layers = c.lay.moe_layers;
    list.tokens = c.tokens;
    list.tokens_sp = c.tokens_repl;
    list.moe_layer_bytes = tmem__act_moe_layer_bytes(&c);
    list.layer_kind = m->ssm != TMEM_SSM_NONE && !m->hybrid ? TMEM_ACT_LAYER_SSM : TMEM_ACT_LAYER_ATTENTION;
    if (m->hybrid && !m->hybrid_parallel) {
        list.ssm_layers = c.lay.ssm_layers;
        list.ssm_mixer = tmem__train_sums_bytes(&c, sums.ssm_mixer_sp, sums.ssm_mixer_tp);
    }
    if (c.overflow)
        return tmem__fail(err, TMEM_ERR_OVERFLOW, "train", "a byte count does not fit in 64 bits");
    *out = list;
    return TMEM_OK;
}
