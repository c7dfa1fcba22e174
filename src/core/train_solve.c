/* train_solve.c — answers built on the training ledger: the largest
 * micro-batch and the longest sequence that fit (exact bisection over the
 * peak, which never falls as either grows), the single changes that bring
 * a plan under a GPU's memory (every lever, each with its peak and its cost
 * in words, ordered by a stated rule), and the notes a plan needs beyond
 * its ledger. Every number comes from tmem_train_compute; nothing here
 * computes bytes itself. Pure: no I/O, no allocation, no globals. */
#include "checked.h"
#include "error.h"
#include "sb.h"
#include "tmem/train.h"

#include <string.h>

/* ------------------------------------------------------------ solvers */

/* What a solver varies: value = k · step for k in [1, limit_k]. */
struct axis {
    bool seq;         /* the sequence length, else the micro-batch */
    uint64_t step;    /* cp for the sequence (it must divide it), 1 for the micro-batch */
    uint64_t limit_k;
};

/* The peak at candidate k; UINT64_MAX when its bytes overflow 64 bits
 * (more than any capacity). Other errors are the plan's and returned. */
static enum tmem_status peak_at(const struct tmem_model *m, const struct tmem_inventory *inv,
                                const struct tmem_train_opts *o, const struct axis *ax, uint64_t k,
                                struct tmem_train_solution *s, uint64_t *peak, struct tmem_error *err)
{
    struct tmem_train_opts t = *o;
    if (ax->seq)
        t.seq = k * ax->step; /* k ≤ limit_k = limit / step: no overflow */
    else
        t.micro_batch = k * ax->step; /* k ≤ limit_k = TMEM_MAX_MICRO_BATCH / step */
    struct tmem_train_result r;
    struct tmem_error e = {0};
    s->evaluations++;
    enum tmem_status st = tmem_train_compute(m, inv, &t, UINT64_MAX, &r, &e);
    if (st == TMEM_ERR_OVERFLOW) {
        *peak = UINT64_MAX;
        return TMEM_OK;
    }
    if (st != TMEM_OK) {
        if (err)
            *err = e;
        return st;
    }
    *peak = r.peak_bytes;
    return TMEM_OK;
}

/* The largest k whose peak ≤ cap: doubling from 1 to the first k that does
 * not fit, then bisection between the last that fits and it. */
static enum tmem_status solve(const struct tmem_model *m, const struct tmem_inventory *inv,
                              const struct tmem_train_opts *o, const struct axis *ax, uint64_t cap,
                              struct tmem_train_solution *out, struct tmem_error *err)
{
    if (out == NULL)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "train", "no solution given");
    struct tmem_train_solution s;
    memset(&s, 0, sizeof s);
    s.limit = ax->limit_k * ax->step;
    uint64_t lo_peak, hi_peak = 0, p;
    TRY(peak_at(m, inv, o, ax, 1, &s, &lo_peak, err));
    if (lo_peak > cap) {
        s.peak_bytes = lo_peak;
        *out = s;
        return TMEM_OK;
    }
    uint64_t lo = 1, hi = 0; /* lo fits; hi (when > 0) does not */
    while (lo < ax->limit_k) {
        uint64_t k = lo > ax->limit_k / 2 ? ax->limit_k : 2 * lo;
        TRY(peak_at(m, inv, o, ax, k, &s, &p, err));
        if (p > cap) {
            hi = k;
            hi_peak = p;
            break;
        }
        lo = k;
        lo_peak = p;
    }
    while (hi != 0 && hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        TRY(peak_at(m, inv, o, ax, mid, &s, &p, err));
        if (p <= cap) {
            lo = mid;
            lo_peak = p;
        } else {
            hi = mid;
            hi_peak = p;
        }
    }
    s.value = lo * ax->step;
    s.peak_bytes = lo_peak;
    s.next_value = hi * ax->step;
    s.next_peak_bytes = hi != 0 ? hi_peak : 0;
    *out = s;
    return TMEM_OK;
}

uint64_t tmem_train_micro_batch_step(const struct tmem_train_opts *o)
{
    /* GRPO: the completions of a step, micro-batch × grad-accum × dp, hold
     * whole groups (TRL GRPOConfig: the effective batch "must be evenly
     * divisible by" num_generations): the micro-batch steps by
     * G / gcd(G, grad-accum × dp) */
    if (o == NULL || o->rl != TMEM_RL_GRPO)
        return 1;
    uint64_t g = o->group_size != 0 ? o->group_size : TMEM_RL_GROUP_SIZE;
    uint64_t mp = o->tp * o->pp * o->cp;
    uint64_t dp = o->gpus != 0 && mp != 0 ? o->gpus / mp : (o->dp != 0 ? o->dp : 1);
    uint64_t ga = o->grad_accum != 0 ? o->grad_accum : 1, rest = 0;
    if (g == 0 || !tmem_mul_u64(ga, dp != 0 ? dp : 1, &rest))
        return 1;
    uint64_t a = g, b = rest % g; /* gcd(g, rest) */
    while (b != 0) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return g / a;
}

enum tmem_status tmem_train_max_micro_batch(const struct tmem_model *m, const struct tmem_inventory *inv,
                                            const struct tmem_train_opts *o, uint64_t capacity_bytes,
                                            struct tmem_train_solution *out, struct tmem_error *err)
{
    if (o == NULL)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "train", "no plan given");
    const uint64_t step = tmem_train_micro_batch_step(o);
    struct axis ax = {false, step, TMEM_MAX_MICRO_BATCH / step};
    if (ax.limit_k == 0)
        ax.limit_k = 1; /* a group larger than any micro-batch: the plan's own error */
    return solve(m, inv, o, &ax, capacity_bytes, out, err);
}

enum tmem_status tmem_train_max_seq(const struct tmem_model *m, const struct tmem_inventory *inv,
                                    const struct tmem_train_opts *o, uint64_t capacity_bytes,
                                    struct tmem_train_solution *out, struct tmem_error *err)
{
    if (m == NULL || o == NULL)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "train", "no model or plan given");
    uint64_t limit = TMEM_MAX_SEQ;
    if (m->learned_pos && m->n_pos < limit)
        limit = m->n_pos;
    uint64_t step = o->cp != 0 ? o->cp : 1;
    struct axis ax = {true, step, limit / step};
    if (ax.limit_k == 0)
        ax.limit_k = 1; /* cp beyond the limit: the plan's own error at seq = cp */
    return solve(m, inv, o, &ax, capacity_bytes, out, err);
}

/* ------------------------------------------------------------ fixes */

static const struct {
    const char *name, *cost;
} levers[] = {
    [TMEM_TRAIN_LEVER_FUSED_CE] = {"fused_ce",
        "a fused loss kernel (Liger-Kernel, Cut Cross-Entropy): the same loss from the hidden "
        "states in chunks, the whole logits never exist; about the same speed"},
    [TMEM_TRAIN_LEVER_SEQUENCE_PARALLEL] = {"sequence_parallel",
        "none: each block's all-reduce becomes a reduce-scatter + all-gather of the same volume "
        "(Korthikanti et al. 2022)"},
    [TMEM_TRAIN_LEVER_ZERO] = {"zero",
        "none in step time: ZeRO-1 and -2 move as many bytes as data parallel's all-reduce "
        "(Rajbhandari et al. 2020, section 7)"},
    [TMEM_TRAIN_LEVER_RECOMPUTE_SELECTIVE] = {"recompute_selective",
        "the attention core (scores, softmax, dropout) runs again in backward: a few % more "
        "compute (Korthikanti et al. 2022)"},
    [TMEM_TRAIN_LEVER_ADAM8BIT] = {"adam8bit",
        "bitsandbytes blockwise 8-bit moments: a new dependency, quantized optimizer states "
        "(Dettmers et al. 2022)"},
    [TMEM_TRAIN_LEVER_ZERO3] = {"zero3",
        "1.5x data parallel's communication: the weights are all-gathered in forward and again "
        "in backward (Rajbhandari et al. 2020)"},
    [TMEM_TRAIN_LEVER_FSDP] = {"fsdp",
        "PyTorch FSDP full sharding: 1.5x data parallel's communication, as ZeRO-3"},
    [TMEM_TRAIN_LEVER_MICRO_BATCH] = {"micro_batch",
        "fewer sequences per GPU per step: raise --grad-accum to keep the global batch; lower "
        "GPU efficiency"},
    [TMEM_TRAIN_LEVER_RECOMPUTE_FULL] = {"recompute_full",
        "every layer's forward runs again in backward: about a third more compute per step"},
    [TMEM_TRAIN_LEVER_TENSOR_PARALLEL] = {"tensor_parallel",
        "all-reduces inside every layer (keep tp within a node's NVLink) and fewer "
        "data-parallel replicas on the same GPUs"},
    [TMEM_TRAIN_LEVER_OFFLOAD_OPTIMIZER] = {"offload_optimizer",
        "the optimizer step runs on the CPU: states, master weights and fp32 gradients cross "
        "PCIe every step (ZeRO-Offload)"},
    [TMEM_TRAIN_LEVER_OFFLOAD_PARAMS] = {"offload_params",
        "the weights live on the host too and cross PCIe layer by layer in forward and "
        "backward (ZeRO-Infinity): much slower steps"},
    [TMEM_TRAIN_LEVER_MORE_GPUS] = {"more_gpus",
        "more hardware: the model states shard over more data-parallel ranks (activations "
        "do not shrink)"},
    [TMEM_TRAIN_LEVER_LORA] = {"lora",
        "a different job: the base is frozen and rank-16 adapters on every linear layer are "
        "trained (PEFT LoRA, Hu et al. 2021); quality can differ from a full fine-tune"},
    [TMEM_TRAIN_LEVER_QLORA] = {"qlora",
        "a different job: adapters over a frozen 4-bit NF4 base (bitsandbytes, Dettmers et al. "
        "2023); each matmul dequantizes its weight, slower steps"},
};
_Static_assert(sizeof levers / sizeof levers[0] == TMEM_TRAIN_LEVER_COUNT, "one row per lever");

const char *tmem_train_lever_name(enum tmem_train_lever l)
{
    return (unsigned)l < TMEM_TRAIN_LEVER_COUNT ? levers[l].name : "unknown";
}

const char *tmem_train_lever_cost(enum tmem_train_lever l)
{
    return (unsigned)l < TMEM_TRAIN_LEVER_COUNT ? levers[l].cost : "unknown";
}

const char *tmem_train_fix_order_rule(void)
{
    return TMEM_TRAIN_FIX_ORDER_RULE;
}

struct fixes {
    const struct tmem_model *m;
    const struct tmem_inventory *inv;
    uint64_t cap, base_peak;
    struct tmem_train_fix list[TMEM_TRAIN_LEVER_COUNT];
    size_t n;
};

/* The peak of plan t, false when t is not a valid plan (or overflows). */
static bool peak_of(const struct fixes *f, const struct tmem_train_opts *t, uint64_t *peak)
{
    struct tmem_train_result r;
    if (tmem_train_compute(f->m, f->inv, t, UINT64_MAX, &r, NULL) != TMEM_OK)
        return false;
    *peak = r.peak_bytes;
    return true;
}

/* "--tp " 4 "" → "--tp 4"; v == UINT64_MAX: no number */
static void fix_what(char *buf, size_t cap, const char *a, uint64_t v, const char *b)
{
    struct tmem_sb sb;
    tmem__sb_init(&sb, buf, cap);
    tmem__sb_str(&sb, a);
    if (v != UINT64_MAX)
        tmem__sb_u64(&sb, v);
    tmem__sb_str(&sb, b);
}

/* Records plan t for lever l unless it lowers nothing. */
static void add(struct fixes *f, enum tmem_train_lever l, const struct tmem_train_opts *t, uint64_t peak,
                const char *a, uint64_t v, const char *b)
{
    if (peak >= f->base_peak || f->n >= TMEM_TRAIN_LEVER_COUNT)
        return;
    struct tmem_train_fix *x = &f->list[f->n++];
    memset(x, 0, sizeof *x);
    fix_what(x->what, sizeof x->what, a, v, b);
    x->lever = l;
    x->peak_bytes = peak;
    x->fits = peak <= f->cap;
    x->opts = *t;
}

/* A one-setting lever: plan t as given. */
static void try_plan(struct fixes *f, enum tmem_train_lever l, const struct tmem_train_opts *t,
                     const char *what)
{
    uint64_t p;
    if (peak_of(f, t, &p))
        add(f, l, t, p, what, UINT64_MAX, "");
}

static bool plan_shards(const struct tmem_train_opts *o)
{
    return o->zero != 0 || o->distributed_optimizer ||
           (o->fsdp != TMEM_FSDP_OFF && o->fsdp != TMEM_FSDP_NO_SHARD);
}

/* ZeRO-1/2 (the first stage that fits, else 2) and ZeRO-3, as two levers */
static void try_zero(struct fixes *f, const struct tmem_train_opts *o, uint64_t dp)
{
    if (o->fsdp != TMEM_FSDP_OFF || o->distributed_optimizer || dp * o->cp < 2)
        return;
    struct tmem_train_opts t = *o;
    uint64_t p = 0;
    bool have = false;
    for (uint32_t z = o->zero + 1; z <= 2; z++) {
        t.zero = z;
        if (!peak_of(f, &t, &p))
            continue;
        have = true;
        if (p <= f->cap)
            break;
    }
    if (have)
        add(f, TMEM_TRAIN_LEVER_ZERO, &t, p, "--zero ", t.zero, "");
    if (o->zero < 3) {
        t = *o;
        t.zero = 3;
        try_plan(f, TMEM_TRAIN_LEVER_ZERO3, &t, "--zero 3");
    }
}

/* more tensor parallel on the same GPUs: tp·k with dp/k, k = 2, 4, 8 */
static void try_tp(struct fixes *f, const struct tmem_train_opts *o, uint64_t dp)
{
    struct tmem_train_opts best;
    uint64_t best_p = 0;
    bool have = false;
    for (uint64_t k = 2; k <= 8 && k <= dp; k *= 2) {
        if (dp % k != 0)
            continue;
        struct tmem_train_opts t = *o;
        t.tp = o->tp * k;
        t.dp = 0;
        t.gpus = dp * o->tp * o->pp * o->cp;
        uint64_t p;
        if (!peak_of(f, &t, &p))
            continue;
        best = t;
        best_p = p;
        have = true;
        if (p <= f->cap)
            break;
    }
    if (have)
        add(f, TMEM_TRAIN_LEVER_TENSOR_PARALLEL, &best, best_p, "--tp ", best.tp, "");
}

/* more data-parallel GPUs: the fewest k·gpus that fit (the peak never rises
 * with dp: sharded states shrink, the rest stays), with ZeRO-3 (or FSDP
 * full) named when the plan shards nothing */
static void try_more_gpus(struct fixes *f, const struct tmem_train_opts *o, uint64_t dp)
{
    uint64_t gpus = dp * o->tp * o->pp * o->cp;
    uint64_t kmax = TMEM_TRAIN_FIX_MAX_GPUS / gpus;
    if (kmax < 2)
        return;
    struct tmem_train_opts t = *o;
    const char *with = "";
    if (!plan_shards(o)) {
        if (o->fsdp == TMEM_FSDP_NO_SHARD) {
            t.fsdp = TMEM_FSDP_FULL;
            with = " --fsdp full";
        } else if (o->fsdp == TMEM_FSDP_OFF) {
            t.zero = 3;
            with = " --zero 3";
        } else {
            return;
        }
    }
    t.dp = 0;
    uint64_t p_hi;
    t.gpus = kmax * gpus;
    if (!peak_of(f, &t, &p_hi))
        return;
    if (p_hi > f->cap) {
        add(f, TMEM_TRAIN_LEVER_MORE_GPUS, &t, p_hi, "--gpus ", t.gpus, with);
        return;
    }
    uint64_t lo = 1, hi = kmax, p; /* k = lo does not fit (the plan itself), hi does */
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        t.gpus = mid * gpus;
        if (peak_of(f, &t, &p) && p <= f->cap) {
            hi = mid;
            p_hi = p;
        } else {
            lo = mid;
        }
    }
    t.gpus = hi * gpus;
    add(f, TMEM_TRAIN_LEVER_MORE_GPUS, &t, p_hi, "--gpus ", t.gpus, with);
}

/* CPU offload, with the sharding it needs named when the plan lacks it */
static void try_offload(struct fixes *f, const struct tmem_train_opts *o)
{
    bool plain = o->zero == 0 && o->fsdp == TMEM_FSDP_OFF && !o->distributed_optimizer;
    struct tmem_train_opts t = *o;
    if (o->offload == TMEM_OFFLOAD_NONE) {
        t.offload = TMEM_OFFLOAD_OPTIMIZER;
        if (plain) {
            t.zero = 2;
            try_plan(f, TMEM_TRAIN_LEVER_OFFLOAD_OPTIMIZER, &t, "--zero 2 --offload optimizer");
        } else {
            try_plan(f, TMEM_TRAIN_LEVER_OFFLOAD_OPTIMIZER, &t, "--offload optimizer");
        }
    }
    if (o->offload != TMEM_OFFLOAD_PARAMS) {
        t = *o;
        t.offload = TMEM_OFFLOAD_PARAMS;
        bool gathers = o->zero == 3 || o->fsdp == TMEM_FSDP_FULL || o->fsdp == TMEM_FSDP_HYBRID;
        if (gathers) {
            try_plan(f, TMEM_TRAIN_LEVER_OFFLOAD_PARAMS, &t, "--offload params");
        } else if (o->fsdp == TMEM_FSDP_OFF && !o->distributed_optimizer) {
            t.zero = 3;
            try_plan(f, TMEM_TRAIN_LEVER_OFFLOAD_PARAMS, &t, "--zero 3 --offload params");
        }
    }
}

/* the largest micro-batch below the plan's that fits (solved), else 1 */
static void try_micro_batch(struct fixes *f, const struct tmem_train_opts *o)
{
    if (o->micro_batch < 2)
        return;
    struct tmem_train_solution s;
    if (tmem_train_max_micro_batch(f->m, f->inv, o, f->cap, &s, NULL) != TMEM_OK)
        return;
    struct tmem_train_opts t = *o;
    t.micro_batch = s.value != 0 ? s.value : 1;
    if (t.micro_batch >= o->micro_batch)
        return; /* the plan fits as it is */
    add(f, TMEM_TRAIN_LEVER_MICRO_BATCH, &t, s.peak_bytes, "--micro-batch ", t.micro_batch, "");
}

/* fits first by lever; then the rest by peak */
/* LoRA on every linear layer instead of a full fine-tune, and QLoRA (the
 * same over an NF4 base; or only the NF4 base for a LoRA plan) */
static void try_adapters(struct fixes *f, const struct tmem_train_opts *o)
{
    struct tmem_train_opts t = *o;
    if (o->lora_rank == 0) {
        t.lora_rank = TMEM_TRAIN_FIX_LORA_RANK;
        t.lora_targets = tmem_lora_target_kinds("all-linear");
        char what[64];
        fix_what(what, sizeof what, "--lora-rank ", t.lora_rank, " --lora-targets all-linear");
        uint64_t p;
        if (peak_of(f, &t, &p))
            add(f, TMEM_TRAIN_LEVER_LORA, &t, p, what, UINT64_MAX, "");
        t.base_quant = TMEM_BASE_QUANT_NF4;
        fix_what(what, sizeof what, "--lora-rank ", t.lora_rank, " --lora-targets all-linear --base-quant nf4");
        if (peak_of(f, &t, &p))
            add(f, TMEM_TRAIN_LEVER_QLORA, &t, p, what, UINT64_MAX, "");
        return;
    }
    if (o->base_quant == TMEM_BASE_QUANT_NONE) {
        t.base_quant = TMEM_BASE_QUANT_NF4;
        try_plan(f, TMEM_TRAIN_LEVER_QLORA, &t, "--base-quant nf4");
    }
}

static bool before(const struct tmem_train_fix *a, const struct tmem_train_fix *b)
{
    if (a->fits != b->fits)
        return a->fits;
    if (a->fits)
        return a->lever < b->lever;
    return a->peak_bytes < b->peak_bytes || (a->peak_bytes == b->peak_bytes && a->lever < b->lever);
}

size_t tmem_train_suggest(const struct tmem_model *m, const struct tmem_inventory *inv,
                          const struct tmem_train_opts *o, uint64_t cap,
                          struct tmem_train_fix *out, size_t max)
{
    if (o == NULL || out == NULL || o->deepspeed_estimator)
        return 0;
    struct fixes f;
    memset(&f, 0, sizeof f);
    f.m = m;
    f.inv = inv;
    f.cap = cap;
    struct tmem_train_result r;
    if (tmem_train_compute(m, inv, o, UINT64_MAX, &r, NULL) != TMEM_OK)
        return 0;
    f.base_peak = r.peak_bytes;
    uint64_t dp = r.layout.dp;
    struct tmem_train_opts t;

    if (!o->fused_ce && o->kernels != TMEM_KERNELS_LIGER) {
        t = *o;
        t.fused_ce = true;
        try_plan(&f, TMEM_TRAIN_LEVER_FUSED_CE, &t, "--fused-ce");
    }
    if (o->tp > 1 && !o->sequence_parallel) {
        t = *o;
        t.sequence_parallel = true;
        try_plan(&f, TMEM_TRAIN_LEVER_SEQUENCE_PARALLEL, &t, "--sequence-parallel");
    }
    try_zero(&f, o, dp);
    /* with flash attention selective recompute drops nothing (tmem_train_notes) */
    if (o->recompute == TMEM_RECOMPUTE_NONE && o->attention == TMEM_ATTENTION_NAIVE) {
        t = *o;
        t.recompute = TMEM_RECOMPUTE_SELECTIVE;
        try_plan(&f, TMEM_TRAIN_LEVER_RECOMPUTE_SELECTIVE, &t, "--recompute selective");
    }
    if (o->optimizer == TMEM_OPTIMIZER_ADAM || o->optimizer == TMEM_OPTIMIZER_ADAMW) {
        t = *o;
        t.optimizer = TMEM_OPTIMIZER_ADAM8BIT;
        try_plan(&f, TMEM_TRAIN_LEVER_ADAM8BIT, &t, "--optimizer adam8bit");
    }
    if (o->zero == 0 && !o->distributed_optimizer && o->fsdp != TMEM_FSDP_FULL && dp * o->cp > 1) {
        t = *o;
        t.fsdp = TMEM_FSDP_FULL;
        try_plan(&f, TMEM_TRAIN_LEVER_FSDP, &t, "--fsdp full");
    }
    try_micro_batch(&f, o);
    if (o->recompute != TMEM_RECOMPUTE_FULL) {
        t = *o;
        t.recompute = TMEM_RECOMPUTE_FULL;
        try_plan(&f, TMEM_TRAIN_LEVER_RECOMPUTE_FULL, &t, "--recompute full");
    }
    try_tp(&f, o, dp);
    try_offload(&f, o);
    try_more_gpus(&f, o, dp);
    try_adapters(&f, o);

    /* insertion sort: at most TMEM_TRAIN_LEVER_COUNT entries */
    for (size_t i = 1; i < f.n; i++) {
        struct tmem_train_fix x = f.list[i];
        size_t j = i;
        while (j > 0 && before(&x, &f.list[j - 1])) {
            f.list[j] = f.list[j - 1];
            j--;
        }
        f.list[j] = x;
    }
    size_t n = f.n < max ? f.n : max;
    for (size_t i = 0; i < n; i++)
        out[i] = f.list[i];
    return n;
}

/* ------------------------------------------------------------ notes */

size_t tmem_train_notes(const struct tmem_model *m, const struct tmem_train_opts *o,
                        const char **out, size_t max)
{
    size_t n = 0;
    if (o == NULL || out == NULL)
        return 0;
    bool ssm = m != NULL && m->ssm != TMEM_SSM_NONE && !m->hybrid; /* a hybrid's attention layers have scores */
    if (o->recompute == TMEM_RECOMPUTE_SELECTIVE && ssm && n < max)
        out[n++] = "--recompute selective drops nothing for a state-space (Mamba) model: it "
                   "recomputes attention scores, and a Mamba layer has none; the ledger is the "
                   "same as --recompute none";
    else if (o->recompute == TMEM_RECOMPUTE_SELECTIVE && o->attention == TMEM_ATTENTION_FLASH && n < max)
        out[n++] = "--recompute selective drops nothing with flash attention: it recomputes the "
                   "attention core to avoid keeping the b·heads·s² scores, which FlashAttention "
                   "never keeps (it saves the softmax statistics, linear in s); the ledger is the "
                   "same as --recompute none (Korthikanti et al. 2022, section 4.2; Dao 2023)";
    if (m != NULL && !m->learned_pos && m->n_ctx != 0 && o->seq > m->n_ctx && n < max)
        out[n++] = "the sequence is longer than the model's n_ctx: positions past it need RoPE "
                   "scaling or further pre-training";
    bool paged = o->optimizer == TMEM_OPTIMIZER_PAGED_ADAMW || o->optimizer == TMEM_OPTIMIZER_PAGED_ADAMW8BIT;
    if (paged && n < max)
        out[n++] = "paged optimizer (bitsandbytes): its states live in CUDA unified memory and the "
                   "driver evicts their pages to host memory only when the GPU runs out; weights, "
                   "gradients, activations and buffers stay on the GPU. With --gpu the states are "
                   "counted on the GPU when everything fits, else on the host (host/pageable line), "
                   "and each optimizer step then pages them back over PCIe (not in the step time)";
    if (o->dpo && n < max)
        out[n++] = "DPO (TRL DPOTrainer): each pair's chosen and rejected sequences run through the "
                   "policy together (2 × micro-batch sequences); the frozen reference is a copy of the "
                   "policy in its dtype, or, with LoRA, the same base with the adapters disabled (no "
                   "copy); its no-grad forward keeps only per-sequence log-probabilities (its logits are "
                   "freed before the policy's forward); the step time counts that forward (2·P per token, "
                   "none with --ref-model none: precomputed log-probabilities)";
    if (o->images > 0 && n < max)
        out[n++] = o->train_vision
            ? "images (--images): --seq is the whole sequence, the text tokens plus each image's "
              "tokens (the processor expands <image>; TRL max_length truncates the total); the vision "
              "tower trains (--train-vision): its weights get gradients and optimizer states, its "
              "layers' saved tensors count per image (SDPA unless --attention naive; LLaVA keeps "
              "vision_feature_layer -2: the last tower layer's graph is dropped)"
            : "images (--images): --seq is the whole sequence, the text tokens plus each image's "
              "tokens (the processor expands <image>; TRL max_length truncates the total); the vision "
              "tower is frozen (requires_grad False: no gradient, no state, nothing saved; its "
              "forward is a transient before the first layer, below the peak); the projector trains "
              "(adapters: only with --modules-to-save multi_modal_projector); Llama 3.2 Vision's "
              "cross-attention layers run on the image states. The step time leaves out the tower, the projector and the cross-attention layers";
    if (o->rl != TMEM_RL_NONE && n < max)
        out[n++] = "GRPO / PPO: --micro-batch counts completions (prompt + response tokens = --seq). "
                   "Frozen reference: a copy of the policy (verl, OpenRLHF init_kl_coef 0.01; TRL "
                   "GRPOConfig beta defaults to 0.0 and then loads none: --ref-model none), with LoRA "
                   "the base with its adapters disabled (TRL GRPOTrainer, verl ref_in_actor). The "
                   "critic (PPO) trains in its own pass: its weights, gradients and states are "
                   "counted, its activations are the policy's less the logits and not live at once. "
                   "The engine (--rollout-memory-utilization): vLLM's weights copy and KV cache take "
                   "F × GPU memory (defaults: TRL vllm_gpu_memory_utilization 0.3, verl rollout "
                   "gpu_memory_utilization 0.5, OpenRLHF --vllm.gpu_memory_utilization 0.95); "
                   "without --rollout-sleep it stays through training (TRL vllm_enable_sleep_mode "
                   "False, OpenRLHF --vllm.enable_sleep off; verl free_cache_engine True sleeps); "
                   "without the flag TRL's default, HF generate on the training GPU: its KV cache and "
                   "fp32 last-token logits in the rollout phase, under ZeRO-3 the policy gathered "
                   "whole (ds3_gather_for_generation True; --gen-gather-per-layer: False). The "
                   "step time adds the rollout (infer's TTFT + completion × TPOT: vLLM with the flag, "
                   "else HF generate) and the scoring forwards (reference, reward, critic)";
    return n;
}
