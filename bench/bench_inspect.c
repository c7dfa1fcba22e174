/* bench_inspect.c — how fast checkpoint headers are read (a benchmark, not
 * a test): a generated DeepSeek-V3-sized sharded checkpoint (163 shards,
 * 90,000 tensors, an index; ~1.3 TB apparent, sparse) and a GGUF with 1,000
 * tensors, each read in-process (tmem_ckpt_open + summary) and as the whole
 * `tmem inspect` command. Prints one aligned table; fails only on an error
 * (exit 1) or bad usage (exit 2), never on a missed target. */
#define _XOPEN_SOURCE 700
#include "../tests/unit/ckpt_writer.h"

#include "tmem/checkpoint.h"
#include "tmem/tmem.h"

#include <errno.h>
#include <stdlib.h>
#include <ftw.h>
#include <spawn.h>
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

static double read_ms(const char *path, uint32_t *n_tensors, uint64_t *header_bytes)
{
    double ms[N_REPEATS];
    for (int r = 0; r < N_REPEATS; r++) {
        struct tmem_ckpt c;
        struct tmem_ckpt_summary s;
        struct tmem_error err = {0};
        double t0 = now_s();
        if (tmem_ckpt_open(path, NULL, &c, &err) != TMEM_OK ||
            tmem_ckpt_summarize(&c, &s, &err) != TMEM_OK) {
            fprintf(stderr, "bench: %s: %s\n", err.where, err.msg);
            exit(1);
        }
        ms[r] = (now_s() - t0) * 1e3;
        *n_tensors = c.n_tensors;
        *header_bytes = s.header_bytes;
        tmem_ckpt_free(&c);
    }
    return median(ms, N_REPEATS);
}

static double command_ms(const char *tmem, const char *path)
{
    double ms[N_SPAWNS];
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
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "bench: tmem inspect %s failed\n", path);
            exit(1);
        }
        if (i >= 0)
            ms[i] = (now_s() - t0) * 1e3;
    }
    posix_spawn_file_actions_destroy(&fa);
    return median(ms, N_SPAWNS);
}

static void row(const char *what, const char *input, double ms, double target)
{
    printf("%-34s %-30s %9.2f ms   <= %3.0f ms   %s\n", what, input, ms, target,
           ms <= target ? "ok" : "above target");
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
    double in_index = read_ms(dir, &n_index, &hdr_index);
    double in_gguf = read_ms(gguf, &n_gguf, &hdr_gguf);
    double cmd_index = command_ms(argv[1], dir);
    double cmd_gguf = command_ms(argv[1], gguf);

    printf("\ntmem %s bench_inspect: %ld online CPUs, 1 thread; fixtures written in %.1f s\n",
           tmem_version(), sysconf(_SC_NPROCESSORS_ONLN), gen_s);
    printf("index: %u shards, %u tensors, %.1f MB of headers; gguf: %u tensors, %.1f MB header\n",
           N_SHARDS, n_index, (double)hdr_index / 1e6, n_gguf, (double)hdr_gguf / 1e6);
    printf("reads: median of %d; commands: median of %d runs, stdout to /dev/null\n\n", N_REPEATS,
           N_SPAWNS);
    printf("%-34s %-30s %12s   %9s   %s\n", "measure", "input", "median", "target", "verdict");
    row("open + summary (in-process)", "163-shard index, 90k tensors", in_index, TARGET_INDEX_MS);
    row("tmem inspect (whole command)", "163-shard index, 90k tensors", cmd_index, TARGET_INDEX_MS);
    row("open + summary (in-process)", "GGUF, 1,002 tensors", in_gguf, TARGET_GGUF_MS);
    row("tmem inspect (whole command)", "GGUF, 1,002 tensors", cmd_gguf, TARGET_GGUF_MS);
    if (getenv("TMEM_BENCH_KEEP"))
        printf("kept %s\n", root);
    else
        ckw_remove_tree(root);
    return 0;
}
