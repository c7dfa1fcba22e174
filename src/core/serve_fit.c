/* serve_fit.c — tmem serve against a measured run: the metrics a serving
 * benchmark reports (vllm bench serve, SGLang bench_serving) read off a
 * simulated run in the benchmark's units, and --calibrate's fit of the
 * roofline's two efficiencies and the per-step overhead to them. The fit
 * minimises Σ ln²(predicted / measured) over the metrics measured (a log
 * error weighs 10 % high and 10 % low alike, and milliseconds and tokens
 * per second alike) by Nelder–Mead over (ln mfu, ln mbu, overhead in ms),
 * each clamped to its range, until the simplex spans under 0.1 % of its
 * first steps (at most 400 trials). Each trial is one simulation
 * (tmem_serve_run). */
#include "error.h"
#include "tmem/serve.h"

#include <math.h>

static const char *const metric_names[] = {
    [TMEM_SERVE_METRIC_TTFT_MEAN] = "ttft_ms.mean", [TMEM_SERVE_METRIC_TTFT_P50] = "ttft_ms.p50",
    [TMEM_SERVE_METRIC_TTFT_P99] = "ttft_ms.p99", [TMEM_SERVE_METRIC_TPOT_MEAN] = "tpot_ms.mean",
    [TMEM_SERVE_METRIC_TPOT_P50] = "tpot_ms.p50", [TMEM_SERVE_METRIC_TPOT_P99] = "tpot_ms.p99",
    [TMEM_SERVE_METRIC_ITL_MEAN] = "itl_ms.mean", [TMEM_SERVE_METRIC_ITL_P50] = "itl_ms.p50",
    [TMEM_SERVE_METRIC_ITL_P99] = "itl_ms.p99", [TMEM_SERVE_METRIC_E2E_MEAN] = "e2e_ms.mean",
    [TMEM_SERVE_METRIC_E2E_P50] = "e2e_ms.p50", [TMEM_SERVE_METRIC_E2E_P99] = "e2e_ms.p99",
    [TMEM_SERVE_METRIC_REQ_PER_S] = "throughput.req_per_s",
    [TMEM_SERVE_METRIC_OUTPUT_TOK_PER_S] = "throughput.output_tok_per_s",
    [TMEM_SERVE_METRIC_TOTAL_TOK_PER_S] = "throughput.total_tok_per_s"};
_Static_assert(sizeof metric_names / sizeof metric_names[0] == TMEM_SERVE_METRIC_COUNT,
               "one name per metric");

const char *tmem_serve_metric_name(enum tmem_serve_metric m)
{
    return (unsigned)m < TMEM_SERVE_METRIC_COUNT ? metric_names[m] : "unknown";
}

double tmem_serve_metric_of(const struct tmem_serve_result *r, enum tmem_serve_metric m)
{
    switch (m) {
    case TMEM_SERVE_METRIC_TTFT_MEAN: return r->ttft.mean * 1e3;
    case TMEM_SERVE_METRIC_TTFT_P50: return r->ttft.p50 * 1e3;
    case TMEM_SERVE_METRIC_TTFT_P99: return r->ttft.p99 * 1e3;
    case TMEM_SERVE_METRIC_TPOT_MEAN: return r->tpot.mean * 1e3;
    case TMEM_SERVE_METRIC_TPOT_P50: return r->tpot.p50 * 1e3;
    case TMEM_SERVE_METRIC_TPOT_P99: return r->tpot.p99 * 1e3;
    case TMEM_SERVE_METRIC_ITL_MEAN: return r->itl.mean * 1e3;
    case TMEM_SERVE_METRIC_ITL_P50: return r->itl.p50 * 1e3;
    case TMEM_SERVE_METRIC_ITL_P99: return r->itl.p99 * 1e3;
    case TMEM_SERVE_METRIC_E2E_MEAN: return r->e2e.mean * 1e3;
    case TMEM_SERVE_METRIC_E2E_P50: return r->e2e.p50 * 1e3;
    case TMEM_SERVE_METRIC_E2E_P99: return r->e2e.p99 * 1e3;
    case TMEM_SERVE_METRIC_REQ_PER_S: return r->req_per_s;
    case TMEM_SERVE_METRIC_OUTPUT_TOK_PER_S: return r->output_tok_per_s;
    case TMEM_SERVE_METRIC_TOTAL_TOK_PER_S: return r->total_tok_per_s;
    case TMEM_SERVE_METRIC_COUNT: break;
    }
    return NAN;
}

/* Σ ln²(predicted / measured) over the measured metrics; n counts them */
static double loss(const struct tmem_serve_result *r, const struct tmem_serve_measured *m, uint32_t *n)
{
    double s = 0;
    *n = 0;
    for (int k = 0; k < TMEM_SERVE_METRIC_COUNT; k++) {
        double meas = m->v[k], pred = tmem_serve_metric_of(r, (enum tmem_serve_metric)k);
        if (!(isfinite(meas) && meas > 0))
            continue;
        double e = pred > 0 ? log(pred / meas) : 10.0; /* a metric the run lacks: far off */
        s += e * e;
        (*n)++;
    }
    return s;
}

struct trial {
    struct tmem_roofline rf;
    struct tmem_serve_opts so;
    double flops_at_1, bytes_at_1; /* the rates at efficiency 1 */
};

static enum tmem_status evaluate(struct trial *t, const double p[3], struct tmem_serve_request *reqs,
                                 uint64_t n, void *work, uint64_t wb, const struct tmem_serve_measured *m,
                                 struct tmem_serve_result *r, double *out, struct tmem_error *err)
{
    t->rf.flops_per_s = t->flops_at_1 * p[0];
    t->rf.bytes_per_s = t->bytes_at_1 * p[1];
    t->so.step_overhead_s = p[2];
    TRY(tmem_serve_run(&t->rf, &t->so, reqs, n, work, wb, r, err));
    uint32_t k;
    *out = loss(r, m, &k);
    return TMEM_OK;
}

/* x = (ln mfu, ln mbu, overhead ms) within [lo, hi] → (mfu, mbu, overhead s) */
static void clamp(const double x[3], const double lo[3], const double hi[3], double p[3])
{
    double y[3];
    for (int k = 0; k < 3; k++)
        y[k] = x[k] < lo[k] ? lo[k] : x[k] > hi[k] ? hi[k] : x[k];
    p[0] = exp(y[0]), p[1] = exp(y[1]), p[2] = y[2] * 1e-3;
}

static enum tmem_status point(struct trial *t, const double x[3], const double lo[3], const double hi[3],
                              struct tmem_serve_request *reqs, uint64_t n, void *work, uint64_t wb,
                              const struct tmem_serve_measured *m, struct tmem_serve_result *r, double *out,
                              struct tmem_error *err)
{
    double p[3];
    clamp(x, lo, hi, p);
    return evaluate(t, p, reqs, n, work, wb, m, r, out, err);
}

enum tmem_status tmem_serve_calibrate(const struct tmem_roofline *rf, double mfu0, double mbu0,
                                      const struct tmem_serve_opts *so,
                                      struct tmem_serve_request *reqs, uint64_t n, void *work,
                                      uint64_t work_bytes, const struct tmem_serve_measured *m,
                                      struct tmem_serve_fit *fit, struct tmem_error *err)
{
    if (rf == NULL || so == NULL || m == NULL || fit == NULL || !(mfu0 > 0 && mfu0 <= 1) ||
        !(mbu0 > 0 && mbu0 <= 1))
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "--calibrate", "missing argument");
    struct trial t = {.rf = *rf, .so = *so, .flops_at_1 = rf->flops_per_s / mfu0,
                      .bytes_at_1 = rf->bytes_per_s / mbu0};
    struct tmem_serve_result *r = &fit->r;
    fit->evaluations = 0;
    {
        const double p0[3] = {mfu0, mbu0, so->step_overhead_s};
        double f0;
        TRY(evaluate(&t, p0, reqs, n, work, work_bytes, m, r, &f0, err));
        loss(r, m, &fit->n_metrics);
        if (fit->n_metrics == 0)
            return tmem__fail(err, TMEM_ERR_INVALID_ARG, "--calibrate",
                             "the measured run has no metric tmem predicts");
    }
    /* Nelder–Mead over x = (ln mfu, ln mbu, overhead in ms), clamped to the
     * bounds: a simplex follows the valley where a slower HBM and a larger
     * overhead trade off, which steps along one axis at a time do not */
    const double lo[3] = {log(0.05), log(0.05), 0}, hi[3] = {0, 0, 20};
    double x[4][3], f[4];
    const double start[3] = {log(mfu0), log(mbu0), so->step_overhead_s * 1e3};
    const double step[3] = {0.3, 0.3, 1.0};
    for (int i = 0; i < 4; i++) {
        for (int k = 0; k < 3; k++)
            x[i][k] = start[k] + (i == k + 1 ? (start[k] + step[k] <= hi[k] ? step[k] : -step[k]) : 0);
        TRY(point(&t, x[i], lo, hi, reqs, n, work, work_bytes, m, r, &f[i], err));
        fit->evaluations++;
    }
    fit->rms_log_error_before = sqrt(f[0] / fit->n_metrics);
    while (fit->evaluations < 400) {
        /* order: x[0] best, x[3] worst */
        for (int i = 1; i < 4; i++)
            for (int j = i; j > 0 && f[j] < f[j - 1]; j--) {
                double tf = f[j];
                f[j] = f[j - 1], f[j - 1] = tf;
                for (int k = 0; k < 3; k++) {
                    double tx = x[j][k];
                    x[j][k] = x[j - 1][k], x[j - 1][k] = tx;
                }
            }
        double size = 0;
        for (int i = 1; i < 4; i++)
            for (int k = 0; k < 3; k++)
                size = fmax(size, fabs(x[i][k] - x[0][k]) / step[k]);
        if (size < 1e-3 || f[3] - f[0] < 1e-12 * (1 + f[0]))
            break;
        double c[3], xr[3], xe[3], xc[3], fr, fe, fc;
        for (int k = 0; k < 3; k++)
            c[k] = (x[0][k] + x[1][k] + x[2][k]) / 3;
        for (int k = 0; k < 3; k++)
            xr[k] = c[k] + (c[k] - x[3][k]);
        TRY(point(&t, xr, lo, hi, reqs, n, work, work_bytes, m, r, &fr, err));
        fit->evaluations++;
        if (fr < f[0]) {
            for (int k = 0; k < 3; k++)
                xe[k] = c[k] + 2 * (c[k] - x[3][k]);
            TRY(point(&t, xe, lo, hi, reqs, n, work, work_bytes, m, r, &fe, err));
            fit->evaluations++;
            bool e = fe < fr;
            for (int k = 0; k < 3; k++)
                x[3][k] = e ? xe[k] : xr[k];
            f[3] = e ? fe : fr;
            continue;
        }
        if (fr < f[2]) {
            for (int k = 0; k < 3; k++)
                x[3][k] = xr[k];
            f[3] = fr;
            continue;
        }
        for (int k = 0; k < 3; k++)
            xc[k] = c[k] + 0.5 * (x[3][k] - c[k]);
        TRY(point(&t, xc, lo, hi, reqs, n, work, work_bytes, m, r, &fc, err));
        fit->evaluations++;
        if (fc < f[3]) {
            for (int k = 0; k < 3; k++)
                x[3][k] = xc[k];
            f[3] = fc;
            continue;
        }
        for (int i = 1; i < 4; i++) { /* shrink towards the best */
            for (int k = 0; k < 3; k++)
                x[i][k] = x[0][k] + 0.5 * (x[i][k] - x[0][k]);
            TRY(point(&t, x[i], lo, hi, reqs, n, work, work_bytes, m, r, &f[i], err));
            fit->evaluations++;
        }
    }
    int bi = 0;
    for (int i = 1; i < 4; i++)
        bi = f[i] < f[bi] ? i : bi;
    double p[3];
    clamp(x[bi], lo, hi, p);
    double best;
    TRY(evaluate(&t, p, reqs, n, work, work_bytes, m, r, &best, err)); /* the fitted run in fit->r */
    fit->evaluations++;
    fit->mfu = p[0], fit->mbu = p[1], fit->step_overhead_s = p[2];
    fit->rms_log_error = sqrt(best / fit->n_metrics);
    return TMEM_OK;
}
