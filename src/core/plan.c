/* plan.c — the planner (tmem_plan, plan.h): enumerates the layouts of a
 * job, keeps those whose exact ledger fits, ranks them by step time.
 *
 * Order of the search, outermost first: tp, pp, cp (degrees dividing the
 * GPUs), dp the rest (it must divide the global batch), ep dividing dp,
 * virtual stages, sharding, recompute, offload, fused cross-entropy, then
 * the micro-batch ascending: the peak never falls as the micro-batch
 * grows (tests/unit/test_properties.c), so the first that does not fit
 * ends that loop. The FLOP sums of the inventory are computed once, and
 * the ledgers are evaluated through one prepared context (tmem_train_eval_peak:
 * the peak and layout only)
 * whose memos carry what the inner loops do not change. */
#include "tmem/plan.h"

#include "error.h"

#include <string.h>

void tmem_plan_defaults(struct tmem_plan_opts *p, const struct tmem_gpu *gpu)
{
    memset(p, 0, sizeof *p);
    p->top = 5;
    tmem_train_opts_default(&p->base);
    tmem_train_time_defaults(&p->time, gpu);
}

enum shard_mode { SH_NONE, SH_ZERO1, SH_ZERO2, SH_ZERO3, SH_FSDP, SH_COUNT };

static void set_shard(struct tmem_train_opts *o, enum shard_mode s)
{
    o->zero = 0;
    o->fsdp = TMEM_FSDP_OFF;
    switch (s) {
    case SH_NONE: break;
    case SH_ZERO1: o->zero = 1; break;
    case SH_ZERO2: o->zero = 2; break;
    case SH_ZERO3: o->zero = 3; break;
    case SH_FSDP: o->fsdp = TMEM_FSDP_FULL; break;
    case SH_COUNT: break;
    }
}

/* a before b: faster, then the lower peak */
static bool better(const struct tmem_plan_layout *a, const struct tmem_plan_layout *b)
{
    if (a->time.step_s != b->time.step_s)
        return a->time.step_s < b->time.step_s;
    return a->peak_bytes < b->peak_bytes;
}

/* the same layout but for fused cross-entropy, with the same peak and
 * time: the chunked loss changed nothing (a pipeline whose worst stage is
 * not the last) and the row would only repeat its twin */
static bool twin(const struct tmem_plan_layout *a, const struct tmem_plan_layout *b)
{
    const struct tmem_train_opts *x = &a->opts, *y = &b->opts;
    return a->peak_bytes == b->peak_bytes && a->time.step_s == b->time.step_s && x->tp == y->tp &&
           x->pp == y->pp && x->cp == y->cp && x->ep == y->ep && x->virtual_stages == y->virtual_stages &&
           x->zero == y->zero && x->fsdp == y->fsdp && x->recompute == y->recompute &&
           x->offload == y->offload && x->micro_batch == y->micro_batch && x->grad_accum == y->grad_accum &&
           x->n_microbatches == y->n_microbatches;
}

static void keep(struct tmem_plan_result *out, size_t top, const struct tmem_plan_layout *l)
{
    size_t n = out->n_layouts;
    for (size_t i = 0; i < n; i++)
        if (twin(&out->layouts[i], l))
            return;
    if (n == top && !better(l, &out->layouts[n - 1]))
        return;
    size_t i = n < top ? n : top - 1;
    while (i > 0 && better(l, &out->layouts[i - 1])) {
        out->layouts[i] = out->layouts[i - 1];
        i--;
    }
    out->layouts[i] = *l;
    if (n < top)
        out->n_layouts = n + 1;
}

struct search {
    const struct tmem_model *m;
    const struct tmem_inventory *inv;
    const struct tmem_plan_opts *p;
    struct tmem_train_flops_sums sums;
    struct tmem_train_prep prep;
    struct tmem_train_items_memo items[TMEM_TRAIN_PREP_ITEMS];
    struct tmem_plan_result *out;
};

/* every micro-batch dividing the replica's share of the batch, ascending,
 * until one does not fit */
static void micro_batches(struct search *s, struct tmem_train_opts *o, uint64_t local)
{
    struct tmem_train_result r;
    struct tmem_plan_layout l;
    for (uint64_t mb = 1; mb <= local; mb++) {
        if (local % mb != 0)
            continue;
        uint64_t m = local / mb;
        o->micro_batch = mb;
        if (o->pp > 1) {
            if (m < o->pp || (o->virtual_stages > 1 && m % o->pp != 0))
                break; /* 1F1B needs pp micro-batches in flight (interleaved: a multiple) */
            o->n_microbatches = m;
            o->grad_accum = 1;
        } else {
            o->n_microbatches = 0;
            o->grad_accum = m;
        }
        if (tmem_train_eval_peak(&s->prep, o, UINT64_MAX, &r, NULL) != TMEM_OK)
            return; /* the layout itself is invalid (a degree not dividing heads, ...) */
        s->out->evaluated++;
        if (r.peak_bytes > s->out->capacity_bytes)
            return;
        s->out->fitting++;
        if (tmem_train_time(s->m, s->inv, o, &r, &s->p->time, &s->sums, &l.time, NULL, NULL) != TMEM_OK)
            continue;
        l.opts = *o;
        l.peak_bytes = r.peak_bytes;
        l.peak_phase = r.peak_phase;
        keep(s->out, s->p->top, &l);
    }
}

static void knobs(struct search *s, struct tmem_train_opts *o, uint64_t dp, uint64_t local)
{
    const struct tmem_plan_opts *p = s->p;
    bool sharded = dp * o->cp > 1;
    for (int sh = SH_NONE; sh < SH_COUNT; sh++) {
        if (!sharded && sh != SH_NONE)
            break;
        set_shard(o, (enum shard_mode)sh);
        for (int rc = 0; rc < TMEM_RECOMPUTE_COUNT; rc++) {
            /* selective recompute drops the s² scores, which flash never keeps */
            if (rc == TMEM_RECOMPUTE_SELECTIVE && o->attention == TMEM_ATTENTION_FLASH)
                continue;
            o->recompute = (enum tmem_recompute)rc;
            for (int off = 0; off < TMEM_OFFLOAD_COUNT; off++) {
                if (off != TMEM_OFFLOAD_NONE && p->no_offload)
                    break;
                /* ZeRO-Offload: the optimizer with ZeRO 1-3, the weights with ZeRO-3 */
                if (off == TMEM_OFFLOAD_OPTIMIZER && (sh == SH_NONE || sh == SH_FSDP))
                    continue;
                if (off == TMEM_OFFLOAD_PARAMS && sh != SH_ZERO3)
                    continue;
                o->offload = (enum tmem_offload)off;
                for (int ce = 0; ce < 2; ce++) {
                    o->fused_ce = ce == 1;
                    micro_batches(s, o, local);
                }
            }
        }
    }
}

enum tmem_status tmem_plan(const struct tmem_model *m, const struct tmem_inventory *inv,
                           const struct tmem_plan_opts *p, struct tmem_plan_result *out,
                           struct tmem_error *err)
{
    if (m == NULL || inv == NULL || p == NULL || out == NULL)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "plan", "a required argument is NULL");
    if (p->time.gpu == NULL)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "--gpu", "the planner needs a GPU");
    TRY(tmem__check_range(err, "--gpus", p->gpus, 1, TMEM_MAX_TRAIN_GPUS));
    TRY(tmem__check_range(err, "--global-batch", p->global_batch, 1, TMEM_MAX_MICRO_BATCH));
    if (p->top < 1 || p->top > TMEM_PLAN_MAX_TOP)
        return tmem__fail_value(err, TMEM_ERR_LIMIT, "--top", p->top, "in [1, 64]");
    if (p->headroom_ppm >= 1000000u)
        return tmem__fail(err, TMEM_ERR_LIMIT, "--headroom", "must be below 1 (all of the memory)");
    if (m->encdec) /* train counts one GPU per replica; the search needs tp / pp and the step time */
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "model",
                          "an encoder-decoder (t5, mt5, umt5, bart, mbart, pegasus): tmem params counts it, tmem "
                          "train its one-GPU ledger; the planner's search (tp, pp, the step time) is "
                          "not built for it yet");
    /* the base plan itself must be sound (precision, sequence, ...) */
    struct tmem_train_opts o = p->base;
    o.gpus = 1;
    o.dp = 0;
    o.tp = o.pp = o.cp = o.ep = 1;
    o.virtual_stages = 1;
    TRY(tmem_train_validate(m, &o, err));

    struct search s = {.m = m, .inv = inv, .p = p, .out = out};
    TRY(tmem_train_prepare(m, inv, s.items, TMEM_TRAIN_PREP_ITEMS, &s.prep, err));
    tmem_train_flops_sums(m, inv, &s.sums);
    out->evaluated = out->fitting = 0;
    out->n_layouts = 0;
    uint64_t mem = p->time.gpu->memory_bytes;
    out->capacity_bytes = mem - (uint64_t)((double)mem * (double)p->headroom_ppm / 1e6);

    const uint64_t N = p->gpus, gpn = o.gpus_per_node ? o.gpus_per_node : 1;
    uint64_t tp_max = p->tp_max ? p->tp_max : gpn;
    uint64_t pp_max = p->pp_max ? p->pp_max : m->n_layer;
    uint64_t cp_max = p->cp_max ? p->cp_max : 1;
    o.gpus = N;
    for (uint64_t tp = 1; tp <= N && tp <= tp_max; tp++) {
        if (N % tp != 0)
            continue;
        for (uint64_t pp = 1; pp <= N / tp && pp <= pp_max; pp++) {
            if ((N / tp) % pp != 0)
                continue;
            for (uint64_t cp = 1; cp <= N / (tp * pp) && cp <= cp_max; cp++) {
                if ((N / (tp * pp)) % cp != 0)
                    continue;
                uint64_t dp = N / (tp * pp * cp);
                if (p->global_batch % dp != 0)
                    continue;
                uint64_t local = p->global_batch / dp;
                uint64_t ep_top = m->n_expert > 0 ? dp : 1;
                for (uint64_t ep = 1; ep <= ep_top; ep++) {
                    if (dp % ep != 0 || (m->n_expert > 0 && m->n_expert % ep != 0))
                        continue;
                    for (uint64_t v = 1; v <= (pp > 1 ? 2 : 1); v++) {
                        if (v > 1 && m->n_layer % (pp * v) != 0)
                            continue;
                        o.tp = tp;
                        o.pp = pp;
                        o.cp = cp;
                        o.ep = ep;
                        o.dp = 0;
                        o.virtual_stages = v;
                        o.sequence_parallel = tp > 1;
                        knobs(&s, &o, dp, local);
                    }
                }
            }
        }
    }
    return TMEM_OK;
}

enum tmem_time_item tmem_plan_biggest_saving(const struct tmem_train_time *a, const struct tmem_train_time *b)
{
    enum tmem_time_item best = TMEM_TT_COMPUTE;
    double most = 0.0;
    for (int i = 0; i < TMEM_TT_COUNT; i++) {
        double d = a->exposed_s[i] - b->exposed_s[i];
        if (d < most) {
            most = d;
            best = (enum tmem_time_item)i;
        }
    }
    return best;
}
