/* report_serve.h — formatting finished tmem serve runs (text, JSON): one
 * run, or a sweep over arrival rates with its knee. */
#ifndef TMEM_REPORT_SERVE_H
#define TMEM_REPORT_SERVE_H

#include "bench_result.h"
#include "report.h"
#include "tmem/serve.h"

struct tmem_serve_view {
    const struct tmem_model *model;
    const struct tmem_infer_opts *infer;
    const struct tmem_infer_result *ir;  /* the pool and the step model */
    const struct tmem_serve_workload *w;  /* its n_requests: the trace's when trace is set */
    const char *trace;                    /* --trace FILE, or NULL */
    const struct tmem_serve_opts *so;
    const struct tmem_serve_result *runs; /* one, or one per swept rate */
    const double *rates;                  /* NULL: one run; else the swept rates */
    size_t n_runs;
    bool have_knee;                       /* a sweep with an SLO: */
    size_t knee;                          /* the highest rate meeting it */
    const struct tmem__bench_run *cmp;    /* --compare: the measured run, or NULL */
    const char *compare;                  /* its path */
    const struct tmem_serve_fit *fit;     /* --calibrate's fit, or NULL */
};

void tmem__report_serve_text(FILE *out, const struct tmem_serve_view *v,
                            const struct tmem_report_opts *o);
int tmem__report_serve_json(FILE *out, const struct tmem_serve_view *v);
/* An encoder's run (vLLM's pooling runner, serve_pool_text.c): the text
 * tmem__report_serve_text prints for it. */
void tmem__report_serve_pool_text(FILE *out, const struct tmem_serve_view *v,
                                 const struct tmem_report_opts *o);

#endif /* TMEM_REPORT_SERVE_H */
