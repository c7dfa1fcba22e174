/* bench_serve.c — tmem serve's simulator on one core: 10^5 requests of
 * Llama-3-8B on an H100 SXM (prompt 512, output 128, Poisson at 10, 30 and
 * 60 req/s, and all at t = 0), simulated requests per second and the
 * median wall time of 5 runs each (target: 10^5 requests under 1 s). A
 * benchmark, not a test: it fails only on an error. `make bench` runs it as
 * `build/bench_serve build/tmem`. */
#define _POSIX_C_SOURCE 200809L
#include "reader.h"
#include "tmem/serve.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define REPEATS 5
#define N_REQUESTS 100000
#define TARGET_S 1.0

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static struct tmem_infer_result IR;

int main(void)
{
    struct tmem_model raw, m;
    struct tmem_inventory inv;
    struct tmem_infer_opts o;
    struct tmem_error err = {0};
    tmem_infer_defaults(&o);
    o.gpu = tmem_gpu_find("h100-sxm");
    if (tmem_model_load("llama-3-8b", NULL, &raw, &err) != TMEM_OK || tmem_model_resolve(&raw, &m, &err) != TMEM_OK ||
        tmem_inventory_build(&m, &inv, &err) != TMEM_OK || tmem_infer_build(&m, &inv, &o, &IR, &err) != TMEM_OK) {
        fprintf(stderr, "bench_serve: %s: %s\n", err.where, err.msg);
        return 1;
    }
    struct tmem_serve_opts so;
    tmem_serve_defaults(&o, &IR, &so);
    struct tmem_serve_request *reqs = calloc(N_REQUESTS, sizeof *reqs);
    uint64_t wb = tmem_serve_work_bytes(N_REQUESTS, so.max_num_seqs);
    void *work = malloc(wb);
    static struct tmem_serve_result r;
    if (reqs == NULL || work == NULL)
        return 1;
    const double rates[] = {10, 30, 60, 0}; /* 0: all at t = 0 */
    bool all_fast = true;
    for (size_t k = 0; k < sizeof rates / sizeof rates[0]; k++) {
        struct tmem_serve_workload w = {.rate_per_s = rates[k], .burstiness_cv = 1, .n_requests = N_REQUESTS,
                                        .concurrency = rates[k] > 0 ? 0 : N_REQUESTS,
                                        .prompt = {TMEM_SERVE_DIST_FIXED, 512, 0},
                                        .output = {TMEM_SERVE_DIST_FIXED, 128, 0}};
        so.concurrency = w.concurrency;
        double t[REPEATS];
        for (int i = 0; i < REPEATS; i++) {
            double t0 = now_s();
            if (tmem_serve_workload_fill(&w, reqs, N_REQUESTS, &err) != TMEM_OK ||
                tmem_serve_run(&IR.roofline, &so, reqs, N_REQUESTS, work, wb, &r, &err) != TMEM_OK) {
                fprintf(stderr, "bench_serve: %s: %s\n", err.where, err.msg);
                return 1;
            }
            t[i] = now_s() - t0;
        }
        qsort(t, REPEATS, sizeof t[0], cmp);
        double med = t[REPEATS / 2];
        all_fast = all_fast && med < TARGET_S;
        if (rates[k] > 0)
            printf("serve  %3.0f req/s   ", rates[k]);
        else
            printf("serve  all at t=0  ");
        printf("%7.0f requests/s simulated, median %.3f s for 10^5 (%llu steps, mean batch %.1f)\n",
               N_REQUESTS / med, med, (unsigned long long)r.steps, r.mean_running);
    }
    printf("serve  10^5 requests under %.0f s on one core: %s\n", TARGET_S, all_fast ? "yes" : "NO");
    free(reqs);
    free(work);
    return 0;
}
