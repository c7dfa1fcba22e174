/* plan.h — the planner: every layout of a training job on N GPUs (data,
 * tensor, pipeline, context and expert parallel degrees, virtual stages,
 * ZeRO stage or FSDP, recompute, micro-batch with gradient accumulation,
 * offload, fused cross-entropy), pruned by the exact memory ledger and
 * ranked by step time (tmem_train_time). Pure core: no I/O, no
 * allocation; the caller owns the result.
 *
 * Every layout trains the same global batch (sequences per optimizer
 * step): dp · micro_batch · micro-batches = global_batch, so their step
 * times compare directly. What does not change between layouts (the
 * inventory's FLOP sums) is computed once. */
#ifndef TMEM_PLAN_H
#define TMEM_PLAN_H

#include "tmem/train.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TMEM_PLAN_MAX_TOP 64

struct tmem_plan_opts {
    uint64_t gpus;            /* the job's GPUs (required) */
    uint64_t global_batch;    /* sequences per optimizer step (required) */
    uint64_t tp_max, pp_max, cp_max; /* 0: tp within a node, pp up to n_layer, cp 1 */
    bool no_offload;          /* never move states or weights to the host */
    uint32_t headroom_ppm;    /* memory kept free, parts per million of the GPU's */
    size_t top;               /* layouts to keep (1 .. TMEM_PLAN_MAX_TOP) */
    struct tmem_train_opts base;      /* precision, optimizer, attention, seq, gpus_per_node, ... */
    struct tmem_train_time_opts time; /* the GPU and its rates */
};

/* Defaults: top 5, no headroom, base from tmem_train_opts_default, time
 * from tmem_train_time_defaults(gpu). */
void tmem_plan_defaults(struct tmem_plan_opts *p, const struct tmem_gpu *gpu);

struct tmem_plan_layout {
    struct tmem_train_opts opts;  /* the whole plan: tmem train with it gives the same answer */
    uint64_t peak_bytes;
    enum tmem_phase peak_phase;
    struct tmem_train_time time;
};

struct tmem_plan_result {
    uint64_t evaluated;      /* layouts whose ledger was computed */
    uint64_t fitting;        /* of those, the ones that fit */
    uint64_t capacity_bytes; /* the GPU's memory less the headroom */
    size_t n_layouts;
    struct tmem_plan_layout layouts[TMEM_PLAN_MAX_TOP]; /* fastest first (ties: lower peak) */
};

/* Searches every layout (errors: the options' own, on the model). A job
 * with no layout that fits returns TMEM_OK with n_layouts 0. */
enum tmem_status tmem_plan(const struct tmem_model *m, const struct tmem_inventory *inv,
                           const struct tmem_plan_opts *p, struct tmem_plan_result *out,
                           struct tmem_error *err);

/* The time item that separates two layouts most (a's exposed seconds
 * minus b's, the most negative: where a saves the most). */
enum tmem_time_item tmem_plan_biggest_saving(const struct tmem_train_time *a, const struct tmem_train_time *b);

#ifdef __cplusplus
}
#endif

#endif /* TMEM_PLAN_H */
