/* report_train.h — formatting a finished training result (tmem train): the
 * plan line, the peak phase's ledger, every phase's total, host memory,
 * named defaults, the verdict and the single changes that make it fit, and
 * the extra keys of the JSON document. Computes nothing the core owns. */
#ifndef TMEM_REPORT_TRAIN_H
#define TMEM_REPORT_TRAIN_H

#include "report.h"
#include "tmem/train.h"

struct tmem_train_view {
    const struct tmem_model *model;
    const struct tmem_inventory *inv;
    const struct tmem_train_opts *opts;
    const struct tmem_train_result *r;
    const struct tmem_ledger *phases;   /* [TMEM_PHASE_COUNT]; phases[r->peak_phase] is shown */
    const struct tmem_ledger *host;     /* host (CPU) memory; may have no entries */
    const struct tmem_gpu *gpu;         /* NULL: no verdict */
    const struct tmem_fit *fit;
    const struct tmem_train_fix *fixes;
    size_t n_fixes;
    const struct tmem_train_result *stages; /* --per-stage: one result per stage, else NULL */
    size_t n_stages;
    const char *ds_config;              /* the --deepspeed file, or NULL */
    const char *solved_for;             /* "micro_batch" or "seq" (--micro-batch max / --seq max), or NULL */
    const struct tmem_train_solution *solution; /* with solved_for */
    const struct tmem_train_solution *headroom; /* the largest micro-batch that fits, when the plan fits; or NULL */
    enum tmem_framework framework;      /* --framework (TMEM_FRAMEWORK_NONE: none given) */
    const struct tmem_assumption *assumptions; /* its rows for this plan */
    size_t n_assumptions;
    const char *const *notes;           /* tmem_train_notes() */
    size_t n_notes;
    const struct tmem_act_inventory *acts; /* one layer's saved tensors, or NULL */
    const struct tmem_train_time *time; /* the step time (tmem_train_time) */
    const struct tmem_train_time_text *time_text; /* its formulas (--explain), or NULL */
    const struct tmem_train_time_opts *time_opts; /* its GPU and rates */
    const double *fix_step_s;           /* [n_fixes]: each fix's step time (< 0: not known) */
    uint64_t tokens;                    /* --tokens (0: none) */
    double gpu_hour_usd;                /* --gpu-hour-usd (< 0: none) */
    const struct tmem_lora_params *lora;   /* adapter counts (tmem_lora_count), or NULL without adapters */
};

void tmem__report_train_text(FILE *out, const struct tmem_train_view *v,
                            const struct tmem_report_opts *o);

/* The train document's keys beyond tmem__report_ledger_json's: plan,
 * params_per_gpu, peak_phase, phases {name: {total, buckets}}, host, defaults,
 * fixes {change: {lever, fits, peak_bytes, cost}} in their order, solved,
 * headroom, notes [..], stages, activation_tensors (with acts). NULL when
 * out of memory. */
struct tmem_json *tmem__report_train_json_extra(const struct tmem_train_view *v);

/* timing {gpu, efficiency, float8, step_s, tokens_per_s, tokens_per_s_per_gpu,
 * mfu, hfu, compute_s, recompute_s, bubble_s, bubble_fraction, offload_s,
 * comm_s {dp, tp, pp, cp, ep}, exposed_comm_s {...}, micro_batches,
 * tokens_per_step, model / hardware FLOPs per GPU, flops_per_token} */
struct tmem_json *tmem__report_timing_json(const struct tmem_train_time *t, const struct tmem_train_time_opts *to);

#endif /* TMEM_REPORT_TRAIN_H */
