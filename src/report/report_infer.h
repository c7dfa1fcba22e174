/* report_infer.h — formatting a finished inference ledger (text, JSON). */
#ifndef TMEM_REPORT_INFER_H
#define TMEM_REPORT_INFER_H

#include "report.h"
#include "tmem/infer.h"

struct tmem_infer_view {
    const struct tmem_model *model;
    const struct tmem_infer_opts *opts;
    const struct tmem_infer_result *r;
    bool have_limits;           /* max_batch / max_context were solved (it does not fit) */
    uint64_t max_batch, max_context;
    const char *weights_source; /* "--weights", "default", or where opts->stored was read */
    const char *const *notes;   /* what the reader assumed (the JSON "notes"); n_notes of them */
    size_t n_notes;
};

void tmem__report_infer_text(FILE *out, const struct tmem_infer_view *v,
                            const struct tmem_report_opts *o);
int tmem__report_infer_json(FILE *out, const struct tmem_infer_view *v);

#endif /* TMEM_REPORT_INFER_H */
