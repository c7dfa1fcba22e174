/* bench_inspect.c — how fast checkpoint headers are read (a benchmark, not
 * a test): a generated DeepSeek-V3-sized sharded checkpoint (163 shards,
 * 90,000 tensors, an index; ~1.3 TB apparent, sparse) and a GGUF with 1,000
 * tensors, each read in-process (tmem_ckpt_open + summary) and as the whole
 * `tmem inspect` command. Prints one aligned table: wall time, and CPU time
 * (on a shared machine the wall time also counts the waits for a CPU; the
 * CPU time is what tmem itself costs); fails only on an error (exit 1) or
 * bad usage (exit 2), never on a missed target. */
#define _XOPEN_SOURCE 700
#include "../tests/unit/ckpt_writer.h"

#include "tmem/checkpoint.h"
#include "tmem/tmem.h"

#include <errno.h>
#include <stdlib.h>
#include <ftw.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

#define N_SHARDS 163
#define N_TENSORS 90000
#define N_GGUF_TENSORS 1000
#define N_REPEATS 7            /* in-process reads, median */
#define N_SPAWNS 9             /* command runs, median */
#define TARGET_INDEX_MS 100.0
#define TARGET_GGUF_MS 10.0

static char root[64];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* the 1-minute load average (/proc/loadavg), or -1 */
static double load_average(void)
{
    double l = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &l) != 1)
            l = -1;
        fclose(f);
    }
    return l;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return v[n / 2];
}

/* DeepSeek-V3's names: 61 layers of 256 experts × 3 projections, plus
 * attention and norms, until N_TENSORS; F8_E4M3 matrices of its shapes. */
static void deepseek_nth(uint64_t i, char *name, size_t cap, const char **dtype, uint64_t *rows,
                         uint64_t *cols)
{
    unsigned t = (unsigned)i, layer = t / 1475, k = t % 1475;
    if (k < 768)
        snprintf(name, cap, "model.layers.%u.mlp.experts.%u.%s.weight", layer, k / 3 % 256,
                 k % 3 == 0 ? "gate_proj" : k % 3 == 1 ? "up_proj" : "down_proj");
    else
        snprintf(name, cap, "model.layers.%u.self_attn.part%u.weight", layer, k);
    *dtype = "F8_E4M3";
    *rows = k % 3 == 2 ? 7168 : 2048;
    *cols = k % 3 == 2 ? 2048 : 7168;
}

static void write_index(const char *dir) { ckw_index_folder(dir, N_SHARDS, N_TENSORS, deepseek_nth); }

/* A Llama-3-70B-like GGUF cut to 1,000 tensors, with a 128,256-token
 * vocabulary in its metadata. */
static void write_gguf(const char *path)
{
    struct ckw_model m = {.family = "llama", .V = 128256, .d = 8192, .L = 111, .n_head = 64,
                          .n_kv = 8, .f = 28672, .n_ctx = 8192};
    struct ckw_gguf g;
    ckw_gguf_begin(&g, 3, 0);
    ckw_gguf_model(&g, "llama", &m, CKW_Q4_K); /* 2 + 111 × 9 + 1 = 1,002 tensors */
    ckw_gguf_write(&g, path);
}

static double read_ms(const char *path, uint32_t *n_tensors, uint64_t *header_bytes, double *cpu_ms)
{
    double ms[N_REPEATS], cpu[N_REPEATS];
    for (int r = 0; r < N_REPEATS; r++) {
        struct tmem_ckpt c;
        struct tmem_ckpt_summary s;
        struct tmem_error err = {0};
        double t0 = now_s(), c0 = cpu_s();
        if (tmem_ckpt_open(path, NULL, &c, &err) != TMEM_OK ||
            tmem_ckpt_summarize(&c, &s, &err) != TMEM_OK) {
            fprintf(stderr, "bench: %s: %s\n", err.where, err.msg);
            exit(1);
        }
        ms[r] = (now_s() - t0) * 1e3;
        cpu[r] = (cpu_s() - c0) * 1e3;
        *n_tensors = c.n_tensors;
        *header_bytes = s.header_bytes;
        tmem_ckpt_free(&c);
    }
    *cpu_ms = median(cpu, N_REPEATS);
    return median(ms, N_REPEATS);
}

static double command_ms(const char *tmem, const char *path, double *cpu_ms)
{
    double ms[N_SPAWNS], cpu[N_SPAWNS], children_before = 0;
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0 ||
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0) != 0)
        exit(1);
    char cmd[] = "inspect";
    char *argv[] = {(char *)tmem, cmd, (char *)path, NULL};
    for (int i = -1; i < N_SPAWNS; i++) {
        double t0 = now_s();
        pid_t pid;
        int rc = posix_spawn(&pid, tmem, &fa, NULL, argv, environ), status;
        if (rc != 0) {
            fprintf(stderr, "bench: cannot run %s: %s\n", tmem, strerror(rc));
            exit(1);
        }
        while (waitpid(pid, &status, 0) < 0)
            if (errno != EINTR)
                exit(1);
        /* the children's CPU time so far: this run's is the increase */
        struct rusage ru;
        getrusage(RUSAGE_CHILDREN, &ru);
        double children_ms = ((double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec) * 1e3 +
                             ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) * 1e-3;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "bench: tmem inspect %s failed\n", path);
            exit(1);
        }
        if (i >= 0) {
            ms[i] = (now_s() - t0) * 1e3;
            cpu[i] = children_ms - children_before;
        }
        children_before = children_ms;
    }
    posix_spawn_file_actions_destroy(&fa);
    *cpu_ms = median(cpu, N_SPAWNS);
    return median(ms, N_SPAWNS);
}

static void row(const char *what, const char *input, double ms, double cpu, double target)
{
    printf("%-30s %-29s %8.2f ms %8.2f ms   <= %3.0f ms   %s\n", what, input, ms, cpu, target,
           ms <= target ? "ok" : cpu <= target ? "ok in CPU time" : "above target");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PATH-TO-TMEM\n", argv[0]);
        return 2;
    }
    if (ckw_scratch_dir(root, sizeof root, "tmem-bench") != 0)
        return 1;
    char dir[128], gguf[128];
    snprintf(dir, sizeof dir, "%s/index", root);
    snprintf(gguf, sizeof gguf, "%s/model.gguf", root);
    double t0 = now_s();
    write_index(dir);
    write_gguf(gguf);
    double gen_s = now_s() - t0;

    uint32_t n_index, n_gguf;
    uint64_t hdr_index, hdr_gguf;
    double c_in_index, c_in_gguf, c_cmd_index, c_cmd_gguf;
    double in_index = read_ms(dir, &n_index, &hdr_index, &c_in_index);
    double in_gguf = read_ms(gguf, &n_gguf, &hdr_gguf, &c_in_gguf);
    double cmd_index = command_ms(argv[1], dir, &c_cmd_index);
    double cmd_gguf = command_ms(argv[1], gguf, &c_cmd_gguf);

    printf("\ntmem %s bench_inspect: %ld online CPUs, 1 thread; fixtures written in %.1f s\n",
           tmem_version(), sysconf(_SC_NPROCESSORS_ONLN), gen_s);
    printf("index: %u shards, %u tensors, %.1f MB of headers; gguf: %u tensors, %.1f MB header\n",
           N_SHARDS, n_index, (double)hdr_index / 1e6, n_gguf, (double)hdr_gguf / 1e6);
    printf("reads: median of %d; commands: median of %d runs, stdout to /dev/null; load average %.1f\n\n",
           N_REPEATS, N_SPAWNS, load_average());
    printf("%-30s %-29s %11s %11s   %9s   %s\n", "measure", "input", "wall", "CPU", "target",
           "verdict");
    row("open + summary (in-process)", "163-shard index, 90k tensors", in_index, c_in_index,
        TARGET_INDEX_MS);
    row("tmem inspect (whole command)", "163-shard index, 90k tensors", cmd_index, c_cmd_index,
        TARGET_INDEX_MS);
    row("open + summary (in-process)", "GGUF, 1,002 tensors", in_gguf, c_in_gguf, TARGET_GGUF_MS);
    row("tmem inspect (whole command)", "GGUF, 1,002 tensors", cmd_gguf, c_cmd_gguf, TARGET_GGUF_MS);
    if (getenv("TMEM_BENCH_KEEP"))
        printf("kept %s\n", root);
    else
        ckw_remove_tree(root);
    return 0;
}
