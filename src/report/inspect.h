/* inspect.h — `tmem inspect` reports: what a checkpoint's headers say
 * (groups, element types, totals, bits per weight) and how they compare
 * with the formula, as text or as a JSON document. They print what they are
 * handed and compute only shares and unit conversions. */
#ifndef TMEM_REPORT_INSPECT_H
#define TMEM_REPORT_INSPECT_H

#include "tmem/checkpoint.h"
#include "report.h"

#include <stdio.h>

struct tmem_inspect_view {
    const struct tmem_ckpt *ckpt;
    const struct tmem_ckpt_summary *sum;
    const struct tmem_ckpt_check *check; /* NULL: nothing to compare with */
    const char *no_check;                /* why there is no check, or NULL */
    const char *notes;                   /* guesses made deriving the model, or "" / NULL */
    bool tensors;                        /* one line (one object) per tensor */
};

void tmem__report_inspect_text(FILE *out, const struct tmem_inspect_view *v,
                              const struct tmem_report_opts *o);
/* Returns 0, or -1 when a value does not fit JSON (nothing printed) or
 * memory or the output fails (see inspect_json.c: a document over 4 MiB is
 * streamed and may then stop part-way). */
int tmem__report_inspect_json(FILE *out, const struct tmem_inspect_view *v);

/* "[4096, 11008]" (dims as the file stores them) */
const char *tmem__fmt_shape(char *buf, size_t cap, const struct tmem_ckpt_tensor *t);

#endif /* TMEM_REPORT_INSPECT_H */
