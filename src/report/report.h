/* report.h — formatting finished results as text or JSON. Reports compute
 * nothing that the core owns: they print the numbers they are handed, the
 * symbols and factors the core recorded, and shares of a total. */
#ifndef TMEM_REPORT_H
#define TMEM_REPORT_H

#include "tmem/tmem.h"

#include <stdio.h>

/* Units: binary (KiB, MiB, GiB: powers of 1024) unless si (kB, MB, GB). */
struct tmem_report_opts {
    bool si;
    bool explain;   /* formulas under each line, and a closing narrative */
    bool tensors;   /* params: one line per tensor kind */
};

/* "6,738,415,616" */
const char *tmem_fmt_count(char *buf, size_t cap, uint64_t v);
/* "12.55 GiB" / "13.48 GB" */
const char *tmem_fmt_bytes(char *buf, size_t cap, uint64_t bytes, bool si);
/* "6.74 B", "124.4 M" */
const char *tmem_fmt_short(char *buf, size_t cap, uint64_t v);

/* What `tmem params` shows: a resolved model, its inventory and the weight
 * bytes at each plain dtype (computed by the core's tmem_dtype_bytes). */
struct tmem_params_view {
    const struct tmem_model *model;
    const struct tmem_inventory *inv;
    uint64_t n_moe_layer;
    uint64_t dtype_bytes[TMEM_DTYPE_COUNT];
};

void tmem_report_params_text(FILE *out, const struct tmem_params_view *v,
                             const struct tmem_report_opts *o);
int tmem_report_params_json(FILE *out, const struct tmem_params_view *v);

/* What `tmem lab` shows: the script's numbers and, when a real model
 * matches the flags, its exact inventory and the approximation's error. */
struct tmem_lab_view {
    const struct tmem_lab_input *in;
    const struct tmem_lab_result *r;
    const char *compare_name;               /* NULL: no matching model */
    const struct tmem_model *compare_model; /* resolved */
    const struct tmem_inventory *compare_inv;
    double relative_error;                  /* (approx - exact) / exact */
};

void tmem_report_lab_text(FILE *out, const struct tmem_lab_view *v,
                          const struct tmem_report_opts *o);
int tmem_report_lab_json(FILE *out, const struct tmem_lab_view *v);

/* A ledger grouped by bucket, with formulas under each line when explaining. */
void tmem_report_ledger_text(FILE *out, const struct tmem_ledger *l,
                             const struct tmem_report_opts *o);

/* `tmem models` and `tmem gpus`. */
struct tmem_model_row {
    const char *name, *hf_id;
    const struct tmem_model *model; /* resolved */
    uint64_t total_params, active_params;
};
void tmem_report_models_text(FILE *out, const struct tmem_model_row *rows, size_t n);
int tmem_report_models_json(FILE *out, const struct tmem_model_row *rows, size_t n);
void tmem_report_gpus_text(FILE *out, bool si);
int tmem_report_gpus_json(FILE *out);

#endif /* TMEM_REPORT_H */
