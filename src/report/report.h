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
const char *tmem__fmt_count(char *buf, size_t cap, uint64_t v);
/* "12.55 GiB" / "13.48 GB" */
const char *tmem__fmt_bytes(char *buf, size_t cap, uint64_t bytes, bool si);
/* "6.74 B", "124.4 M" */
const char *tmem__fmt_short(char *buf, size_t cap, uint64_t v);
/* seconds as "1.23 s", "45.6 ms", "789 µs" */
const char *tmem__fmt_seconds(char *buf, size_t cap, double s);

/* What `tmem params` shows: a resolved model, its inventory and the weight
 * bytes at each plain dtype (computed by the core's tmem_dtype_bytes). */
struct tmem_params_view {
    const struct tmem_model *model;
    const struct tmem_inventory *inv;
    uint64_t n_moe_layer;
    uint64_t dtype_bytes[TMEM_DTYPE_COUNT];
    const char *const *notes;   /* what the reader assumed (the JSON "notes"); n_notes of them */
    size_t n_notes;
};

void tmem__report_params_text(FILE *out, const struct tmem_params_view *v,
                             const struct tmem_report_opts *o);
int tmem__report_params_json(FILE *out, const struct tmem_params_view *v);

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

void tmem__report_lab_text(FILE *out, const struct tmem_lab_view *v,
                          const struct tmem_report_opts *o);
int tmem__report_lab_json(FILE *out, const struct tmem_lab_view *v);

/* A ledger grouped by bucket, with formulas under each line when explaining. */
void tmem__report_ledger_text(FILE *out, const struct tmem_ledger *l,
                             const struct tmem_report_opts *o);

/* The closing lines of a train/infer ledger: the total, the GPU and the
 * verdict ("fits, 12.3 GiB free" / "does not fit: 4.1 GiB over"), the largest
 * bucket named first. gpu may be NULL (no verdict then). */
void tmem__report_verdict_text(FILE *out, const struct tmem_ledger *l, const struct tmem_gpu *gpu,
                              const struct tmem_fit *fit, const struct tmem_report_opts *o);
/* The same with the GPU's memory figure given and named ("CUDA-visible
 * total"): infer prints the total it sized the pool from. */
void tmem__report_verdict_text_at(FILE *out, const struct tmem_ledger *l, const struct tmem_gpu *gpu,
                                 uint64_t memory_bytes, const char *which,
                                 const struct tmem_fit *fit, const struct tmem_report_opts *o);

/* "How to say it out loud": the buckets from the largest down, with their
 * share of the total, word-wrapped. `subject` opens the sentence. */
void tmem__report_ledger_narrative(FILE *out, const char *subject, const struct tmem_ledger *l,
                                  const struct tmem_report_opts *o);

/* A train/infer JSON document (CONTRACT.md): schema_version, tmem_version,
 * command, model, gpu {name, memory_bytes}, fits, per_gpu_bytes (every bucket
 * and total), entries [{bucket, label, bytes, formula}], then the keys of
 * `extra` (an object built by the caller with tmem_json_* below; consumed;
 * may be NULL). gpu and fit may be NULL: "gpu" and "fits" are null then.
 * Returns 0, or -1 (nothing printed) when a value does not fit JSON. */
struct tmem_json;
int tmem__report_ledger_json(FILE *out, const char *command, const struct tmem_model *m,
                            const struct tmem_ledger *l, const struct tmem_gpu *gpu,
                            const struct tmem_fit *fit, struct tmem_json *extra);

/* A document of schema_version, tmem_version, command, model (when m is
 * not NULL), then extra's keys (consumed). 0, or -1 (nothing printed). */
int tmem__report_doc_json(FILE *out, const char *command, const struct tmem_model *m, struct tmem_json *extra);

/* A small builder for the extra keys, so callers need not include jansson.
 * Objects keep insertion order. Failures are sticky and reported by
 * tmem__report_ledger_json. */
struct tmem_json *tmem__json_object(void);
void tmem__json_set_u64(struct tmem_json *o, const char *key, uint64_t v);
void tmem__json_set_real(struct tmem_json *o, const char *key, double v);
void tmem__json_set_str(struct tmem_json *o, const char *key, const char *v);
void tmem__json_set_bool(struct tmem_json *o, const char *key, bool v);
void tmem__json_set_obj(struct tmem_json *o, const char *key, struct tmem_json *child); /* consumes child */
void tmem__json_set_str_list(struct tmem_json *o, const char *key, const char *const *v, size_t n); /* an array */
/* An array: set it with tmem__json_set_obj like an object. */
struct tmem_json *tmem__json_array(void);
void tmem__json_push(struct tmem_json *array, struct tmem_json *child); /* consumes child */
void tmem__json_push_real(struct tmem_json *array, double v);
void tmem__json_set_null(struct tmem_json *o, const char *key);
void tmem__json_free(struct tmem_json *o);
/* {allocated, reserved, device} of a peak (json.c) */
struct tmem_json *tmem__report_peak_json(const struct tmem_peak *p);

/* `tmem models` and `tmem gpus`. */
struct tmem_model_row {
    const char *name, *hf_id;
    const struct tmem_model *model; /* resolved */
    uint64_t total_params, active_params;
};
void tmem__report_models_text(FILE *out, const struct tmem_model_row *rows, size_t n);
int tmem__report_models_json(FILE *out, const struct tmem_model_row *rows, size_t n);
void tmem__report_gpus_text(FILE *out, bool si);
int tmem__report_gpus_json(FILE *out);

#endif /* TMEM_REPORT_H */
