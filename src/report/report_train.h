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
    const char *const *notes;           /* tmem_train_notes() */
    size_t n_notes;
    const struct tmem_act_inventory *acts; /* one layer's saved tensors, or NULL */
};

void tmem__report_train_text(FILE *out, const struct tmem_train_view *v,
                            const struct tmem_report_opts *o);

/* The train document's keys beyond tmem__report_ledger_json's: plan,
 * params_per_gpu, peak_phase, phases {name: {total, buckets}}, host, defaults,
 * fixes {change: {lever, fits, peak_bytes, cost}} in their order, solved,
 * headroom, notes [..], stages, activation_tensors (with acts). NULL when
 * out of memory. */
struct tmem_json *tmem__report_train_json_extra(const struct tmem_train_view *v);

#endif /* TMEM_REPORT_TRAIN_H */
