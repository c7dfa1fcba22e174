/* bench_plan.c — the planner's speed: step times evaluated per second on
 * one core (tmem_train_time, numbers only, the inventory's FLOP sums
 * cached as the planner does), layouts searched per second by tmem_plan
 * (each a ledger, and a step time when it fits) over a large search, and
 * the CPU time of that search (this thread's: a shared machine's other
 * jobs dilute the wall clock); the target is 10^6 layouts in
 * under 1 s. A benchmark, not a test: it fails only on an error. `make
 * bench` runs it as `build/bench_plan build/tmem`. */
#define _POSIX_C_SOURCE 200809L
#include "reader.h"
#include "tmem/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile double sink;

/* this thread's CPU time: the rates are per second of one core, which a
 * shared machine's other jobs do not dilute as they do the wall clock */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void load(const char *name, struct tmem_model *m, struct tmem_inventory *inv)
{
    struct tmem_model raw;
    struct tmem_error err = {0};
    if (tmem_model_load(name, NULL, &raw, &err) != TMEM_OK || tmem_model_resolve(&raw, m, &err) != TMEM_OK ||
        tmem_inventory_build(m, inv, &err) != TMEM_OK) {
        fprintf(stderr, "bench_plan: %s: %s\n", name, err.msg);
        exit(1);
    }
}

/* the median CPU time of 5 runs of the search */
static double search_s(const struct tmem_model *m, const struct tmem_inventory *inv, const struct tmem_plan_opts *p,
                       struct tmem_plan_result *res)
{
    double runs[5];
    for (int k = 0; k < 5; k++) {
        double t0 = cpu_s();
        if (tmem_plan(m, inv, p, res, NULL) != TMEM_OK) {
            fprintf(stderr, "bench_plan: %s: the search failed\n", m->name);
            exit(1);
        }
        runs[k] = cpu_s() - t0;
    }
    qsort(runs, 5, sizeof runs[0], cmp);
    return runs[2];
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    static struct tmem_model m;
    static struct tmem_inventory inv;
    load("llama-3-70b", &m, &inv);
    const struct tmem_gpu *gpu = tmem_gpu_find("h100-sxm");

    /* step times alone */
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.gpus = 64;
    o.tp = 8;
    o.pp = 2;
    o.zero = 1;
    o.seq = 8192;
    o.n_microbatches = 8;
    struct tmem_train_result r;
    struct tmem_train_time_opts to;
    tmem_train_time_defaults(&to, gpu);
    struct tmem_train_flops_sums sums;
    tmem_train_flops_sums(&m, &inv, &sums);
    if (tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL) != TMEM_OK)
        return 1;
    struct tmem_train_time t;
    uint64_t n = 0;
    double t0 = cpu_s(), el;
    do {
        for (int i = 0; i < 1024; i++) {
            if (tmem_train_time(&m, &inv, &o, &r, &to, &sums, &t, NULL, NULL) != TMEM_OK)
                return 1;
            sink += t.step_s;
        }
        n += 1024;
        el = cpu_s() - t0;
    } while (el < 0.3);
    printf("step times (tmem_train_time, numbers only): %.3g per second on one core\n", (double)n / el);

    /* a large search: 70B on 1024 GPUs, cp up to 8 */
    static struct tmem_plan_opts p;
    tmem_plan_defaults(&p, gpu);
    p.gpus = 1024;
    p.global_batch = 2048;
    p.base.seq = 8192;
    p.cp_max = 8;
    static struct tmem_plan_result res;
    el = search_s(&m, &inv, &p, &res);
    printf("tmem plan llama-3-70b --gpus 1024 --global-batch 2048 --seq 8192 --cp-max 8: %llu layouts "
           "(%llu fit) in %.3f s (median of 5) = %.3g layouts/s: 10^6 in %.2f s (target: under 1 s) %s\n",
           (unsigned long long)res.evaluated, (unsigned long long)res.fitting, el, (double)res.evaluated / el,
           1e6 * el / (double)res.evaluated, el < (double)res.evaluated * 1e-6 ? "ok" : "below target");

    /* an MoE search: expert parallel degrees too */
    static struct tmem_model mx;
    static struct tmem_inventory mxinv;
    load("mixtral-8x7b", &mx, &mxinv);
    tmem_plan_defaults(&p, gpu);
    p.gpus = 256;
    p.global_batch = 1024;
    p.base.seq = 4096;
    p.cp_max = 4;
    el = search_s(&mx, &mxinv, &p, &res);
    printf("tmem plan mixtral-8x7b --gpus 256 --global-batch 1024 --seq 4096 --cp-max 4: %llu layouts "
           "(%llu fit) in %.3f s (median of 5) = %.3g layouts/s\n",
           (unsigned long long)res.evaluated, (unsigned long long)res.fitting, el, (double)res.evaluated / el);
    return 0;
}
