/* bench_train.c — training ledgers evaluated per second on one core
 * (tmem_train_compute, cold: every item, every phase, the peak, nothing
 * cached), the same through a prepared context (tmem_train_eval: its memos hit for
 * the same layout, and in a planner-like walk over micro-batch, recompute
 * and sharding; peak-only, tmem_train_eval_peak as the planner runs it, on
 * the same layout and the walk; the issue's ≥ 10^7/s target is a search's,
 * "cache what does not change between layouts", so it is printed against
 * the prepared rows), with the formulas rendered (tmem_train_ledger of the peak
 * phase), and the wall time of `tmem train`. A benchmark, not a test: it
 * fails only on an error. `make bench` runs it as `build/bench_train build/tmem`. */
#define _POSIX_C_SOURCE 200809L
#include "reader.h"
#include "tmem/train.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REPEATS 5
#define REPEAT_S 0.1
#define BATCH 256
#define TARGET_PER_S 1e7

static volatile uint64_t sink;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* this thread's CPU time: the rates are per second of one core, which a
 * shared machine's other jobs do not dilute as they do the wall clock */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct plan {
    const char *model, *what;
    struct tmem_model m;
    struct tmem_inventory inv;
    struct tmem_train_opts o;
};

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

enum how { HOW_COMPUTE, HOW_RENDER, HOW_PREPARED, HOW_WALK, HOW_PEAK, HOW_PEAK_WALK, HOW_COUNT };

/* the i-th layout of the walk: micro-batch 1..4 innermost, then recompute
 * none / full, then ZeRO 1 / 3 (as the planner's loops run) */
static void walk_layout(const struct plan *p, int i, struct tmem_train_opts *o)
{
    *o = p->o;
    o->micro_batch = (uint64_t)(i % 4) + 1;
    o->recompute = (i / 4) % 2 ? TMEM_RECOMPUTE_FULL : TMEM_RECOMPUTE_NONE;
    if (!o->distributed_optimizer)
        o->zero = (i / 8) % 2 ? 3 : 1;
}

static double rate(struct plan *p, enum how how)
{
    double r[REPEATS];
    struct tmem_train_result res;
    static struct tmem_ledger l;
    static struct tmem_train_prep prep;
    static struct tmem_train_items_memo items[TMEM_TRAIN_PREP_ITEMS];
    static struct tmem_train_opts walk[16];
    if (tmem_train_prepare(&p->m, &p->inv, items, TMEM_TRAIN_PREP_ITEMS, &prep, NULL) != TMEM_OK)
        exit(1);
    for (int i = 0; i < 16; i++)
        walk_layout(p, i, &walk[i]);
    for (int k = 0; k < REPEATS; k++) {
        uint64_t n = 0, acc = 0;
        double t0 = cpu_s(), t;
        do {
            for (int i = 0; i < BATCH; i++) {
                enum tmem_status st =
                    how == HOW_PREPARED    ? tmem_train_eval(&prep, &p->o, UINT64_MAX, &res, NULL)
                    : how == HOW_WALK      ? tmem_train_eval(&prep, &walk[i % 16], UINT64_MAX, &res, NULL)
                    : how == HOW_PEAK      ? tmem_train_eval_peak(&prep, &p->o, UINT64_MAX, &res, NULL)
                    : how == HOW_PEAK_WALK ? tmem_train_eval_peak(&prep, &walk[i % 16], UINT64_MAX, &res, NULL)
                                           : tmem_train_compute(&p->m, &p->inv, &p->o, UINT64_MAX, &res, NULL);
                if (st != TMEM_OK) {
                    fprintf(stderr, "bench_train: %s: compute failed\n", p->model);
                    exit(1);
                }
                acc += res.peak_bytes;
                if (how == HOW_RENDER) {
                    tmem_train_ledger(&p->m, &p->inv, &p->o, &res, res.peak_phase, false, &l, NULL);
                    acc += l.total_bytes;
                }
            }
            n += BATCH;
            t = cpu_s();
        } while (t - t0 < REPEAT_S);
        r[k] = (double)n / (t - t0);
        sink += acc;
    }
    qsort(r, REPEATS, sizeof r[0], cmp);
    return r[REPEATS / 2];
}

static double command_ms(const char *tmem)
{
    double best = 1e9;
    for (int i = 0; i < 20; i++) {
        fflush(stdout); /* the child must not inherit buffered output */
        double t0 = now_s();
        pid_t pid = fork();
        if (pid == 0) {
            if (freopen("/dev/null", "w", stdout) == NULL)
                _exit(127);
            execl(tmem, tmem, "train", "llama-2-7b", "--gpus", "8", "--zero", "3", "--seq", "4096",
                  (char *)NULL);
            _exit(127);
        }
        int st;
        if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fprintf(stderr, "bench_train: cannot run %s train\n", tmem);
            exit(1);
        }
        double ms = (now_s() - t0) * 1e3;
        if (ms < best)
            best = ms;
    }
    return best;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PATH-TO-TMEM\n", argv[0]);
        return 2;
    }
    static struct plan plans[3];
    const char *names[3] = {"llama-2-7b", "mixtral-8x7b", "deepseek-v3"};
    const char *whats[3] = {"ZeRO-3 x8, flash", "tp2 pp4 ep8, SP, selective", "tp8 pp16 ep8 x1024, adam8bit"};
    for (int i = 0; i < 3; i++) {
        struct plan *p = &plans[i];
        p->model = names[i];
        p->what = whats[i];
        if (tmem_model_load(names[i], NULL, &p->m, NULL) != TMEM_OK ||
            tmem_model_resolve(&p->m, &p->m, NULL) != TMEM_OK ||
            tmem_inventory_build(&p->m, &p->inv, NULL) != TMEM_OK) {
            fprintf(stderr, "bench_train: cannot load %s\n", names[i]);
            return 1;
        }
        tmem_train_opts_default(&p->o);
        p->o.seq = 4096;
    }
    plans[0].o.gpus = 8;
    plans[0].o.zero = 3;
    plans[1].o.gpus = 64, plans[1].o.tp = 2, plans[1].o.pp = 4, plans[1].o.ep = 8;
    plans[1].o.sequence_parallel = true, plans[1].o.recompute = TMEM_RECOMPUTE_SELECTIVE, plans[1].o.zero = 1;
    plans[2].o.gpus = 1024, plans[2].o.tp = 8, plans[2].o.pp = 16, plans[2].o.ep = 8;
    plans[2].o.optimizer = TMEM_OPTIMIZER_ADAM8BIT, plans[2].o.distributed_optimizer = true;

    printf("tmem %s bench_train: 1 thread; median of %d repeats x %.1f s of its CPU time\n\n", tmem_version(),
           REPEATS, REPEAT_S);
    printf("%-34s %-13s %-30s %14s  %s\n", "measure", "model", "plan", "median", "target");
    static const char *const measures[] = {
        [HOW_COMPUTE] = "training ledger (numbers, peak)",
        [HOW_PREPARED] = "prepared, same layout",
        [HOW_WALK] = "prepared, walk of 16 layouts",
        [HOW_PEAK] = "prepared peak only, same layout",
        [HOW_PEAK_WALK] = "prepared peak only, walk of 16",
        [HOW_RENDER] = "ledger + formulas of the peak",
    };
    _Static_assert(sizeof measures / sizeof measures[0] == HOW_COUNT, "one label per measure");
    const enum how order[] = {HOW_COMPUTE, HOW_PREPARED, HOW_WALK, HOW_PEAK, HOW_PEAK_WALK, HOW_RENDER};
    for (size_t h = 0; h < sizeof order / sizeof order[0]; h++)
        for (int i = 0; i < 3; i++) {
            double r = rate(&plans[i], order[h]);
            printf("%-34s %-13s %-30s %12.0f/s  %s\n", measures[order[h]], plans[i].model, plans[i].what, r,
                   order[h] == HOW_RENDER    ? "-"
                   : order[h] == HOW_COMPUTE ? "- (uncached; the target is the prepared rows')"
                   : r >= TARGET_PER_S ? ">= 10^7/s ok" : ">= 10^7/s below target");
        }
    printf("%-34s %-13s %-30s %11.3f ms  -\n", "tmem train (best of 20 runs)", "llama-2-7b",
           "ZeRO-3 x8", command_ms(argv[1]));
    return sink == 0 ? 1 : 0;
}
