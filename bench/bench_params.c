/* bench.c — tmem's speed figures (a benchmark, not a test): exact parameter
 * inventories per second on one thread, the same with model resolution and
 * with config.json parsing in front, and the wall time of the whole
 * `tmem params` command. Prints one aligned table; `make bench` runs it as
 * `build/bench build/tmem`. It never fails on a missed target, only on an
 * error (exit 1) or bad usage (exit 2). */
#define _POSIX_C_SOURCE 200809L
#include "tmem/read.h"
#include "reader.h"
#include "tmem/tmem.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define N_REPEATS 5
#define REPEAT_S 0.1           /* 5 repeats × 0.1 s ≈ 0.5 s per model and measure */
#define BATCH 256              /* iterations between clock reads */
#define N_SPAWNS 200
#define N_WARMUP_SPAWNS 5
#define TARGET_INV_PER_S 1e7
#define TARGET_CMD_MS 2.0

#ifndef __VERSION__
#define __VERSION__ "unknown"
#endif

static const char *const bench_models[] = {"llama-2-7b", "mixtral-8x7b", "deepseek-v3"};
#define N_MODELS (sizeof bench_models / sizeof bench_models[0])

struct bench_case {
    const char *name;
    struct tmem_model raw;      /* as tmem_model_load returns it */
    struct tmem_model resolved;
};

/* One unit of work; returns the model's total_params so the caller can sink it. */
typedef uint64_t (*bench_op)(const struct bench_case *c);

static volatile uint64_t sink;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die_status(const char *what, const char *model, enum tmem_status st,
                       const struct tmem_error *err)
{
    fprintf(stderr, "bench: %s %s: %s: %s%s%s\n", what, model, tmem_status_name(st),
            err->where, err->where[0] ? ": " : "", err->msg);
    exit(1);
}

static uint64_t op_inventory(const struct bench_case *c)
{
    struct tmem_inventory inv;
    struct tmem_error err;
    enum tmem_status st = tmem_inventory_build(&c->resolved, &inv, &err);
    if (st != TMEM_OK)
        die_status("inventory", c->name, st, &err);
    return inv.total_params;
}

static uint64_t op_resolve_inventory(const struct bench_case *c)
{
    struct tmem_model m;
    struct tmem_inventory inv;
    struct tmem_error err;
    enum tmem_status st = tmem_model_resolve(&c->raw, &m, &err);
    if (st != TMEM_OK)
        die_status("resolve", c->name, st, &err);
    st = tmem_inventory_build(&m, &inv, &err);
    if (st != TMEM_OK)
        die_status("inventory", c->name, st, &err);
    return inv.total_params;
}

static uint64_t op_parse_resolve_inventory(const struct bench_case *c)
{
    struct tmem_model m;
    struct tmem_inventory inv;
    struct tmem_error err;
    enum tmem_status st = tmem_model_load(c->name, NULL, &m, &err);
    if (st != TMEM_OK)
        die_status("load", c->name, st, &err);
    st = tmem_model_resolve(&m, &m, &err);
    if (st != TMEM_OK)
        die_status("resolve", c->name, st, &err);
    st = tmem_inventory_build(&m, &inv, &err);
    if (st != TMEM_OK)
        die_status("inventory", c->name, st, &err);
    return inv.total_params;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts v[n] and returns its p-th quantile (nearest rank, 0 < p ≤ 1). */
static double quantile(double *v, size_t n, double p)
{
    qsort(v, n, sizeof *v, cmp_double);
    size_t rank = (size_t)(p * (double)n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return v[rank - 1];
}

/* Median over N_REPEATS of op's rate in calls per second. */
static double median_rate(bench_op op, const struct bench_case *c)
{
    double rates[N_REPEATS];
    uint64_t acc = 0;
    for (int i = 0; i < BATCH; i++) /* warm caches and branch predictors */
        acc += op(c);
    for (size_t r = 0; r < N_REPEATS; r++) {
        uint64_t iters = 0;
        double t0 = now_s(), t;
        do {
            for (int i = 0; i < BATCH; i++)
                acc += op(c);
            iters += BATCH;
            t = now_s();
        } while (t - t0 < REPEAT_S);
        rates[r] = (double)iters / (t - t0);
    }
    sink += acc;
    return quantile(rates, N_REPEATS, 0.5);
}

/* Runs argv N_SPAWNS times with stdout on /dev/null; median and p90 in ms. */
static void time_command(char *const argv[], double *median_ms, double *p90_ms)
{
    static double ms[N_SPAWNS];
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0 ||
        posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0) != 0) {
        fprintf(stderr, "bench: posix_spawn_file_actions setup failed\n");
        exit(1);
    }
    for (int i = -N_WARMUP_SPAWNS; i < N_SPAWNS; i++) {
        double t0 = now_s();
        pid_t pid;
        int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
        if (rc != 0) {
            fprintf(stderr, "bench: cannot run %s: %s\n", argv[0], strerror(rc));
            exit(1);
        }
        int status;
        while (waitpid(pid, &status, 0) < 0) {
            if (errno != EINTR) {
                fprintf(stderr, "bench: waitpid: %s\n", strerror(errno));
                exit(1);
            }
        }
        double t = now_s();
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "bench: %s %s %s exited with status %d\n", argv[0], argv[1],
                    argv[2], WIFEXITED(status) ? WEXITSTATUS(status) : -1);
            exit(1);
        }
        if (i >= 0)
            ms[i] = (t - t0) * 1e3;
    }
    posix_spawn_file_actions_destroy(&fa);
    *p90_ms = quantile(ms, N_SPAWNS, 0.9);
    *median_ms = quantile(ms, N_SPAWNS, 0.5);
}

static void print_rate_row(const char *what, const char *model, double rate, bool targeted)
{
    char target[24] = "-", verdict[16] = "-";
    if (targeted) {
        snprintf(target, sizeof target, ">= 10^7/s");
        snprintf(verdict, sizeof verdict, "%s",
                 rate >= TARGET_INV_PER_S ? "ok" : "below target");
    }
    printf("%-28s %-13s %12.0f/s   %9s  %-11s %s\n", what, model, rate, "", target,
           verdict);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PATH-TO-TMEM\n", argv[0]);
        return 2;
    }

    struct bench_case cases[N_MODELS];
    for (size_t i = 0; i < N_MODELS; i++) {
        struct tmem_error err;
        cases[i].name = bench_models[i];
        enum tmem_status st = tmem_model_load(cases[i].name, NULL, &cases[i].raw, &err);
        if (st != TMEM_OK)
            die_status("load", cases[i].name, st, &err);
        st = tmem_model_resolve(&cases[i].raw, &cases[i].resolved, &err);
        if (st != TMEM_OK)
            die_status("resolve", cases[i].name, st, &err);
    }

    printf("tmem %s bench: %ld online CPUs, 1 thread; compiler %s\n", tmem_version(),
           sysconf(_SC_NPROCESSORS_ONLN), __VERSION__);
    printf("rates: median of %d repeats x %.1f s; commands: %d runs, stdout to /dev/null\n\n",
           N_REPEATS, REPEAT_S, N_SPAWNS);
    printf("%-28s %-13s %17s %9s  %-11s %s\n", "measure", "model", "median", "p90", "target",
           "verdict");

    static const struct {
        const char *what;
        bench_op op;
        bool targeted;
    } measures[] = {
        {"inventory", op_inventory, true},
        {"resolve + inventory", op_resolve_inventory, false},
        {"parse + resolve + inventory", op_parse_resolve_inventory, false},
    };
    for (size_t k = 0; k < sizeof measures / sizeof measures[0]; k++) {
        for (size_t i = 0; i < N_MODELS; i++) {
            double rate = median_rate(measures[k].op, &cases[i]);
            print_rate_row(measures[k].what, cases[i].name, rate, measures[k].targeted);
        }
    }

    char params[] = "params", model[] = "llama-2-7b", json[] = "--json";
    char *cmd_text[] = {argv[1], params, model, NULL};
    char *cmd_json[] = {argv[1], params, model, json, NULL};
    char *const *cmds[] = {cmd_text, cmd_json};
    const char *labels[] = {"tmem params", "tmem params --json"};
    for (size_t k = 0; k < 2; k++) {
        double median_ms, p90_ms;
        time_command(cmds[k], &median_ms, &p90_ms);
        char target[24];
        snprintf(target, sizeof target, "<= %.0f ms", TARGET_CMD_MS);
        printf("%-28s %-13s %9.3f ms      %6.3f ms  %-11s %s\n", labels[k], model, median_ms,
               p90_ms, target, median_ms <= TARGET_CMD_MS ? "ok" : "above target");
    }

    return sink == 0 ? 1 : 0; /* reading the sink keeps every op observable */
}
