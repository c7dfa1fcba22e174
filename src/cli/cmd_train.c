/* cmd_train.c — `tmem train MODEL [options]`: the per-GPU training ledger.
 * Parses the plan (flags over an optional DeepSpeed config), asks the core
 * for the result, every phase's ledger and the fixes, and hands them to the
 * reports. No formulas here. */
#include "alloc.h"
#include "cli.h"
#include "errtext.h"
#include "reader.h"
#include "report_train.h"

#include <string.h>

struct train_flags {
    bool json, explain, si, help, per_stage;
    struct u64_opt gpus, dp, tp, pp, cp, ep, gpus_per_node, zero, micro_batch, seq, microbatches,
        vstages, grad_accum, ce_chunk, ddp_bucket_mb, reduce_bucket, allgather_bucket,
        prefetch_bucket, max_live, cuda_mib, zero_init, total_params, largest_layer;
    struct real_opt fragmentation;
    const char *fsdp, *offload, *precision, *optimizer, *recompute, *attention, *dropout, *gpu,
        *deepspeed;
    bool dist_opt, seq_parallel, fp32_grads, fused_ce, ddp_view, estimator;
};

#define N_TRAIN_OPTS 46

static void train_opts(struct train_flags *t, struct opt *o)
{
    const struct opt tab[N_TRAIN_OPTS] = {
        {"--json", OPT_FLAG, NULL, "print a JSON document", &t->json},
        {"--explain", OPT_FLAG, NULL, "every formula with its numbers, and a summary in words", &t->explain},
        {"--si", OPT_FLAG, NULL, "decimal units (GB) instead of binary (GiB)", &t->si},
        {"--gpu", OPT_STR, "NAME", "GPU to check the plan against (tmem gpus)", &t->gpu},
        {"--gpus", OPT_U64, "N", "GPUs in all (default dp·tp·pp·cp)", &t->gpus},
        {"--dp", OPT_U64, "N", "data-parallel degree (default gpus / (tp·pp·cp))", &t->dp},
        {"--tp", OPT_U64, "N", "tensor parallel (1)", &t->tp},
        {"--pp", OPT_U64, "N", "pipeline parallel (1)", &t->pp},
        {"--cp", OPT_U64, "N", "context parallel (1)", &t->cp},
        {"--ep", OPT_U64, "N", "expert parallel, carved from dp (1)", &t->ep},
        {"--gpus-per-node", OPT_U64, "N", "GPUs per node: HSDP group, DeepSpeed nodes (8)", &t->gpus_per_node},
        {"--zero", OPT_U64, "0|1|2|3", "DeepSpeed ZeRO stage (0)", &t->zero},
        {"--fsdp", OPT_STR, "S", "full | grad-op | hybrid | no-shard (off)", &t->fsdp},
        {"--distributed-optimizer", OPT_FLAG, NULL, "Megatron: shard master weights and states over dp", &t->dist_opt},
        {"--sequence-parallel", OPT_FLAG, NULL, "split sequence-dim activations over tp", &t->seq_parallel},
        {"--offload", OPT_STR, "S", "optimizer | params: move them to host memory (none)", &t->offload},
        {"--micro-batch", OPT_U64, "B", "sequences per micro-batch per GPU (1)", &t->micro_batch},
        {"--seq", OPT_U64, "S", "sequence length (the model's n_ctx, at most 4096)", &t->seq},
        {"--micro-batches", OPT_U64, "M", "micro-batches per step through the pipeline (pp)", &t->microbatches},
        {"--virtual-stages", OPT_U64, "V", "interleaved 1F1B model chunks per stage (1)", &t->vstages},
        {"--grad-accum", OPT_U64, "N", "gradient accumulation steps (1)", &t->grad_accum},
        {"--precision", OPT_STR, "P", "fp32 | amp-bf16 | amp-fp16 | bf16-mixed | fp16-mixed | bf16 (bf16-mixed)", &t->precision},
        {"--optimizer", OPT_STR, "O", "sgd | sgd-momentum | adam | adamw | adam8bit | adafactor | lion (adamw)", &t->optimizer},
        {"--recompute", OPT_STR, "R", "none | selective | full (none)", &t->recompute},
        {"--attention", OPT_STR, "A", "naive | flash (flash)", &t->attention},
        {"--dropout", OPT_STR, "on|off", "dropout (default: the family's config)", &t->dropout},
        {"--fp32-grad-accum", OPT_FLAG, NULL, "keep an fp32 gradient buffer (16-bit mixed policies)", &t->fp32_grads},
        {"--fused-ce", OPT_FLAG, NULL, "chunked logits + loss (fused linear cross-entropy)", &t->fused_ce},
        {"--ce-chunk", OPT_U64, "N", "tokens per chunk with --fused-ce (1024)", &t->ce_chunk},
        {"--ddp-bucket-view", OPT_FLAG, NULL, "torch DDP gradient_as_bucket_view=True", &t->ddp_view},
        {"--ddp-bucket-mb", OPT_U64, "N", "torch DDP bucket_cap_mb (25)", &t->ddp_bucket_mb},
        {"--reduce-bucket", OPT_U64, "N", "DeepSpeed reduce_bucket_size, elements (5e8)", &t->reduce_bucket},
        {"--allgather-bucket", OPT_U64, "N", "DeepSpeed allgather_bucket_size, elements (5e8)", &t->allgather_bucket},
        {"--prefetch-bucket", OPT_U64, "N", "DeepSpeed stage3_prefetch_bucket_size, elements (5e7)", &t->prefetch_bucket},
        {"--max-live-params", OPT_U64, "N", "DeepSpeed stage3_max_live_parameters (1e9)", &t->max_live},
        {"--cuda-overhead-mib", OPT_U64, "N", "CUDA context + cuBLAS/NCCL workspaces per GPU (768)", &t->cuda_mib},
        {"--fragmentation", OPT_REAL, "F", "allocator fragmentation, a fraction of the rest (0.05)", &t->fragmentation},
        {"--per-stage", OPT_FLAG, NULL, "the peak of every pipeline stage", &t->per_stage},
        {"--deepspeed", OPT_STR, "FILE", "read ZeRO stage, offload, buckets, precision from a ds_config.json", &t->deepspeed},
        {"--deepspeed-estimator", OPT_FLAG, NULL, "DeepSpeed's own model-states estimate instead", &t->estimator},
        {"--zero-init", OPT_U64, "0|1", "estimator: zero_init (1)", &t->zero_init},
        {"--total-params", OPT_U64, "N", "estimator: total_params (the model's)", &t->total_params},
        {"--largest-layer-params", OPT_U64, "N", "estimator: largest_layer_params (largest tensor)", &t->largest_layer},
    };
    memcpy(o, tab, sizeof tab);
}

static void usage(FILE *out, const struct opt *opts, size_t n)
{
    fprintf(out,
            "usage: tmem train MODEL [options]\n\n"
            "What one GPU holds while MODEL is trained: weights, gradients, optimizer states,\n"
            "activations saved for backward, temporaries, communication buckets and overheads,\n"
            "phase by phase (end of forward, start and end of backward, optimizer step); the\n"
            "peak phase is the answer. With --gpu, whether it fits and, if not, which single\n"
            "change makes it fit.\n\n"
            "MODEL is a config.json, a model folder holding one, or a preset (tmem models);\n"
            "architecture flags describe or override it.\n\n"
            "options:\n");
    args_help(out, opts, n);
}

/* one of names[n] or an error naming the choices */
static int pick(const char *flag, const char *val, const char *what, int found, int count,
                const char *choices)
{
    if (found < count)
        return found;
    char msg[256], q[TMEM_QUOTE_CAP];
    snprintf(msg, sizeof msg, "unknown %s %s (one of: %s)", what, tmem__quote(q, val), choices);
    cli_error(flag, msg, NULL);
    return -1;
}

static int build_opts(const struct train_flags *t, struct tmem_train_opts *o)
{
    tmem_train_opts_default(o);
    if (t->deepspeed) {
        struct tmem_ds_config ds;
        struct tmem_error err = {0};
        if (tmem_ds_config_load(t->deepspeed, &ds, &err) != TMEM_OK)
            return report_error(&err);
        if (ds.has_zero)
            o->zero = ds.zero_stage;
        if (ds.has_offload)
            o->offload = ds.offload;
        if (ds.has_precision)
            o->precision = ds.precision;
        if (ds.has_micro_batch)
            o->micro_batch = ds.micro_batch;
        if (ds.has_grad_accum)
            o->grad_accum = ds.grad_accum;
        if (ds.has_optimizer)
            o->optimizer = ds.optimizer;
        if (ds.has_fp32_grads)
            o->fp32_grads = ds.fp32_grads;
        if (ds.reduce_bucket)
            o->ds_reduce_bucket = ds.reduce_bucket;
        if (ds.allgather_bucket)
            o->ds_allgather_bucket = ds.allgather_bucket;
        if (ds.prefetch_bucket)
            o->ds_prefetch_bucket = ds.prefetch_bucket;
        if (ds.max_live)
            o->ds_max_live = ds.max_live;
    }
#define SET(flag, field)                                                                       \
    do {                                                                                       \
        if ((flag).set)                                                                        \
            o->field = (flag).v;                                                               \
    } while (0)
    SET(t->gpus, gpus);
    SET(t->dp, dp);
    SET(t->tp, tp);
    SET(t->pp, pp);
    SET(t->cp, cp);
    SET(t->ep, ep);
    SET(t->gpus_per_node, gpus_per_node);
    SET(t->micro_batch, micro_batch);
    SET(t->seq, seq);
    SET(t->microbatches, n_microbatches);
    SET(t->vstages, virtual_stages);
    SET(t->grad_accum, grad_accum);
    SET(t->ce_chunk, ce_chunk_tokens);
    SET(t->reduce_bucket, ds_reduce_bucket);
    SET(t->allgather_bucket, ds_allgather_bucket);
    SET(t->prefetch_bucket, ds_prefetch_bucket);
    SET(t->max_live, ds_max_live);
    SET(t->total_params, ds_total_params);
    SET(t->largest_layer, ds_largest_layer_params);
#undef SET
    if (t->seq.set && t->seq.v == 0) {
        cli_error("--seq", "is 0 but must be in [1, 16777216]", NULL);
        return 2;
    }
    if (t->zero.set) {
        if (t->zero.v > 3) {
            char msg[96];
            snprintf(msg, sizeof msg, "unknown ZeRO stage %llu (0, 1, 2 or 3)", (unsigned long long)t->zero.v);
            cli_error("--zero", msg, NULL);
            return 2;
        }
        o->zero = (uint32_t)t->zero.v;
    }
    if (t->ddp_bucket_mb.set) {
        if (t->ddp_bucket_mb.v == 0 || t->ddp_bucket_mb.v > (UINT64_C(1) << 20)) {
            cli_error("--ddp-bucket-mb", "must be in [1, 1048576]", NULL);
            return 2;
        }
        o->ddp_bucket_bytes = t->ddp_bucket_mb.v << 20;
    }
    if (t->cuda_mib.set) {
        if (t->cuda_mib.v > (UINT64_C(1) << 24)) {
            cli_error("--cuda-overhead-mib", "must be at most 16777216", NULL);
            return 2;
        }
        o->cuda_overhead_bytes = t->cuda_mib.v << 20;
    }
    if (t->fragmentation.set) {
        if (!(t->fragmentation.v >= 0.0 && t->fragmentation.v <= 1.0)) {
            cli_error("--fragmentation", "must be a fraction in [0, 1] (0.05 is 5 %)", NULL);
            return 2;
        }
        o->fragmentation_ppm = (uint32_t)(t->fragmentation.v * 1e6 + 0.5);
    }
    if (t->zero_init.set) {
        if (t->zero_init.v > 1) {
            cli_error("--zero-init", "must be 0 or 1", NULL);
            return 2;
        }
        o->ds_zero_init = t->zero_init.v == 1;
    }
    int k;
    if (t->fsdp) {
        if ((k = pick("--fsdp", t->fsdp, "FSDP strategy", tmem_fsdp_from_name(t->fsdp), TMEM_FSDP_COUNT,
                      "full, grad-op, hybrid, no-shard")) < 0)
            return 2;
        o->fsdp = (enum tmem_fsdp)k;
    }
    if (t->offload) {
        if ((k = pick("--offload", t->offload, "offload", tmem_offload_from_name(t->offload),
                      TMEM_OFFLOAD_COUNT, "none, optimizer, params")) < 0)
            return 2;
        o->offload = (enum tmem_offload)k;
    }
    if (t->precision) {
        if ((k = pick("--precision", t->precision, "precision policy", tmem_precision_from_name(t->precision),
                      TMEM_PRECISION_COUNT, "fp32, amp-bf16, amp-fp16, bf16-mixed, fp16-mixed, bf16")) < 0)
            return 2;
        o->precision = (enum tmem_precision)k;
    }
    if (t->optimizer) {
        if ((k = pick("--optimizer", t->optimizer, "optimizer", tmem_optimizer_from_name(t->optimizer),
                      TMEM_OPTIMIZER_COUNT, "sgd, sgd-momentum, adam, adamw, adam8bit, adafactor, lion")) < 0)
            return 2;
        o->optimizer = (enum tmem_optimizer)k;
    }
    if (t->recompute) {
        if ((k = pick("--recompute", t->recompute, "recompute mode", tmem_recompute_from_name(t->recompute),
                      TMEM_RECOMPUTE_COUNT, "none, selective, full")) < 0)
            return 2;
        o->recompute = (enum tmem_recompute)k;
    }
    if (t->attention) {
        if ((k = pick("--attention", t->attention, "attention kernel", tmem_attention_from_name(t->attention),
                      TMEM_ATTENTION_COUNT, "naive, flash")) < 0)
            return 2;
        o->attention = (enum tmem_attention)k;
    }
    if (t->dropout) {
        if (strcmp(t->dropout, "on") == 0)
            o->dropout = TMEM_ON;
        else if (strcmp(t->dropout, "off") == 0)
            o->dropout = TMEM_OFF;
        else {
            cli_error("--dropout", "must be on or off", NULL);
            return 2;
        }
    }
    o->distributed_optimizer = t->dist_opt;
    o->sequence_parallel = t->seq_parallel;
    if (t->fp32_grads)
        o->fp32_grads = true;
    o->fused_ce = t->fused_ce;
    o->ddp_bucket_view = t->ddp_view;
    o->deepspeed_estimator = t->estimator;
    if (t->estimator && !t->zero.set && !(t->deepspeed))
        o->zero = 3; /* what DeepSpeed's stage-3 estimator assumes */
    return 0;
}

int cmd_train(int argc, char **argv)
{
    struct model_flags mf = {0};
    struct train_flags t = {0};
    struct opt opts[N_TRAIN_OPTS + MODEL_FLAG_COUNT];
    memset(opts, 0, sizeof opts);
    train_opts(&t, opts);
    size_t n_train = 0;
    while (n_train < N_TRAIN_OPTS && opts[n_train].name != NULL)
        n_train++;
    model_flag_opts(&mf, opts + n_train);
    const size_t n_opts = n_train + MODEL_FLAG_COUNT;
    const char *pos[1];
    size_t n_pos = 0;
    if (args_parse(argc, argv, 2, opts, n_opts, pos, 1, &n_pos, &t.help) != 0)
        return 2;
    if (t.help) {
        usage(stdout, opts, n_opts);
        return 0;
    }
    struct tmem_train_opts o;
    if (build_opts(&t, &o) != 0)
        return 2;
    struct tmem_model m;
    if (model_from_args(n_pos ? pos[0] : NULL, &mf, &m) != 0)
        return 2;
    const struct tmem_gpu *gpu = NULL;
    if (t.gpu) {
        gpu = tmem_gpu_find(t.gpu);
        if (gpu == NULL) {
            const char *names[64];
            size_t n = tmem_gpu_count() < 64 ? tmem_gpu_count() : 64;
            for (size_t i = 0; i < n; i++)
                names[i] = tmem_gpu_at(i)->name;
            char close[128], msg[256], q[TMEM_QUOTE_CAP];
            tmem_close_names(t.gpu, names, n, 3, close, sizeof close);
            snprintf(msg, sizeof msg, "unknown GPU %s (closest: %s)", tmem__quote(q, t.gpu), close);
            cli_error("--gpu", msg, "tmem gpus lists them");
            return 2;
        }
    }
    if (t.per_stage && o.pp > TMEM_MAX_PP_STAGES) {
        cli_error("--per-stage", "too many stages", NULL);
        return 2;
    }

    static struct tmem_inventory inv;
    static struct tmem_train_result r;
    static struct tmem_ledger phases[TMEM_PHASE_COUNT], host;
    struct tmem_error err = {0};
    if (tmem_inventory_build(&m, &inv, &err) != TMEM_OK)
        return report_error(&err);
    if (tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, &err) != TMEM_OK)
        return report_error(&err);
    for (int p = 0; p < TMEM_PHASE_COUNT; p++)
        if (tmem_train_ledger(&m, &inv, &o, &r, (enum tmem_phase)p, false, &phases[p], &err) != TMEM_OK)
            return report_error(&err);
    if (tmem_train_ledger(&m, &inv, &o, &r, TMEM_PHASE_FORWARD, true, &host, &err) != TMEM_OK)
        return report_error(&err);

    struct tmem_fit fit;
    struct tmem_train_fix fixes[4];
    size_t n_fixes = 0;
    if (gpu) {
        tmem_ledger_fit(&phases[r.peak_phase], gpu->memory_bytes, &fit);
        if (!fit.fits)
            n_fixes = tmem_train_suggest(&m, &inv, &o, gpu->memory_bytes, fixes, 4);
    }
    struct tmem_train_result *stages = NULL;
    if (t.per_stage) {
        stages = tmem_calloc((size_t)o.pp, sizeof *stages);
        if (stages == NULL) {
            cli_error("train", "out of memory", NULL);
            return 2;
        }
        for (uint64_t s = 0; s < o.pp; s++)
            if (tmem_train_compute(&m, &inv, &o, s, &stages[s], &err) != TMEM_OK) {
                tmem_dealloc(stages);
                return report_error(&err);
            }
    }
    struct tmem_train_view v = {
        .model = &m, .inv = &inv, .opts = &o, .r = &r, .phases = phases, .host = &host,
        .gpu = gpu, .fit = gpu ? &fit : NULL, .fixes = fixes, .n_fixes = n_fixes,
        .stages = stages, .n_stages = stages ? (size_t)o.pp : 0, .ds_config = t.deepspeed};
    int rc = 0;
    if (t.json) {
        struct tmem_json *extra = tmem_report_train_json_extra(&v);
        if (extra == NULL ||
            tmem_report_ledger_json(stdout, "train", &m, &phases[r.peak_phase], gpu, v.fit, extra) != 0) {
            cli_error("train", "a value does not fit a JSON integer", NULL);
            rc = 2;
        }
    } else {
        struct tmem_report_opts ro = {.si = t.si, .explain = t.explain};
        tmem_report_train_text(stdout, &v, &ro);
    }
    tmem_dealloc(stages);
    return rc;
}
