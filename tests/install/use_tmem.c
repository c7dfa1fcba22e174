/* use_tmem.c — a program that knows tmem only by its installed headers and
 * pkg-config: loads a config.json (with a counting allocator of its own,
 * every block of which must come back) and a preset, and prints the
 * training ledger's peak for a plan given on the command line; writes the
 * config's peak ledger with the public writers to OUT.txt and OUT.json
 * (verdict against an H100 SXM).
 * Usage: use_tmem CONFIG.json PRESET GPUS ZERO SEQ OUT
 * Prints: "<peak bytes of CONFIG> <peak bytes of PRESET> <allocations>". */
#include <tmem/checkpoint.h>
#include <tmem/infer.h>
#include <tmem/read.h>
#include <tmem/report.h>
#include <tmem/tmem.h>
#include <tmem/train.h>

#include <stdio.h>
#include <stdlib.h>

struct counter {
    unsigned long live, total;
};

static void *count_malloc(void *ctx, size_t n)
{
    struct counter *c = ctx;
    void *p = malloc(n);
    if (p) {
        c->live++;
        c->total++;
    }
    return p;
}

static void count_free(void *ctx, void *p)
{
    struct counter *c = ctx;
    c->live--;
    free(p);
}

static int fail(const struct tmem_error *err)
{
    fprintf(stderr, "use_tmem: %s: %s (%s)\n", err->where, err->msg, tmem_status_name(err->code));
    return 1;
}

/* raw model → the peak of a ZeRO plan's training ledger, bf16-mixed AdamW,
 * micro-batch 1, flash attention */
static struct tmem_model m;
static struct tmem_ledger l;

static int peak(const struct tmem_model *raw, unsigned long long gpus, unsigned zero,
                unsigned long long seq, unsigned long long *out)
{
    struct tmem_error err = {0};
    static struct tmem_inventory inv;
    static struct tmem_train_result r;
    struct tmem_train_opts o;
    if (tmem_model_resolve(raw, &m, &err) != TMEM_OK || tmem_inventory_build(&m, &inv, &err) != TMEM_OK)
        return fail(&err);
    tmem_train_opts_default(&o);
    o.precision = TMEM_PRECISION_BF16_MIXED;
    o.optimizer = TMEM_OPTIMIZER_ADAMW;
    o.attention = TMEM_ATTENTION_FLASH;
    o.micro_batch = 1;
    o.seq = seq;
    o.gpus = gpus;
    o.zero = zero;
    if (tmem_train_validate(&m, &o, &err) != TMEM_OK ||
        tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, &err) != TMEM_OK ||
        tmem_train_ledger(&m, &inv, &o, &r, r.peak_phase, false, &l, &err) != TMEM_OK)
        return fail(&err);
    if (l.total_bytes != r.peak_bytes) {
        fprintf(stderr, "use_tmem: ledger total %llu != peak %llu\n",
                (unsigned long long)l.total_bytes, (unsigned long long)r.peak_bytes);
        return 1;
    }
    *out = (unsigned long long)l.total_bytes;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: use_tmem CONFIG.json PRESET GPUS ZERO SEQ OUT\n");
        return 2;
    }
    unsigned long long gpus = strtoull(argv[3], NULL, 10), seq = strtoull(argv[5], NULL, 10);
    unsigned zero = (unsigned)strtoul(argv[4], NULL, 10);
    struct counter c = {0, 0};
    struct tmem_allocator alc = {count_malloc, count_free, &c};
    struct tmem_error err = {0};
    struct tmem_model raw;
    if (tmem_hf_config_load(argv[1], &alc, &raw, &err) != TMEM_OK)
        return fail(&err);
    if (c.total == 0 || c.live != 0) {
        fprintf(stderr, "use_tmem: allocator: %lu allocations, %lu not freed\n", c.total, c.live);
        return 1;
    }
    unsigned long long from_config, from_preset;
    if (peak(&raw, gpus, zero, seq, &from_config) != 0)
        return 1;
    char path[4096];
    const struct tmem_gpu *gpu = tmem_gpu_find("h100-sxm");
    snprintf(path, sizeof path, "%s.txt", argv[6]);
    FILE *f = fopen(path, "w");
    if (f == NULL || gpu == NULL)
        return 1;
    tmem_ledger_write_text(f, &l, gpu, false, true);
    fclose(f);
    snprintf(path, sizeof path, "%s.json", argv[6]);
    if ((f = fopen(path, "w")) == NULL)
        return 1;
    enum tmem_status st = tmem_ledger_write_json(f, "train", &m, &l, gpu, &alc, &err);
    fclose(f);
    if (st != TMEM_OK)
        return fail(&err);
    if (c.live != 0) {
        fprintf(stderr, "use_tmem: the JSON writer left %lu blocks\n", c.live);
        return 1;
    }
    if (tmem_preset_find(argv[2]) == NULL) {
        fprintf(stderr, "use_tmem: no preset %s\n", argv[2]);
        return 1;
    }
    if (tmem_model_load(argv[2], NULL, &raw, &err) != TMEM_OK)
        return fail(&err);
    if (peak(&raw, gpus, zero, seq, &from_preset) != 0)
        return 1;
    printf("%llu %llu %lu\n", from_config, from_preset, c.total);
    return 0;
}
