/* cmd_infer.c — `tmem infer MODEL`: the per-GPU inference ledger, the KV
 * cache and vLLM's paged capacity, and roofline timing. Parses and wires;
 * every number comes from the core (tmem_infer_build). */
#include "cli.h"
#include "alloc.h"
#include "report_infer.h"

#include <stdlib.h>
#include <string.h>

static void usage(FILE *out, const struct opt *opts, size_t n)
{
    fprintf(out,
            "usage: tmem infer MODEL [options]\n\n"
            "How much memory serving MODEL takes on one GPU, bucket by bucket, how many\n"
            "concurrent sequences the KV cache holds (vLLM's paged pool: utilization ×\n"
            "memory − weights − peak activation − non-torch memory), and how fast it runs\n"
            "(a roofline: prefill is compute-bound, decode reads weights and KV).\n\n"
            "--weights: fp32 bf16 fp16 fp8 fp8-channel int8 int4 gptq nf4 nf4-dq, a llama.cpp\n"
            "mix (q4_k_m q5_k_m q4_k_s) or any ggml type (q4_0 q8_0 q6_k iq4_xs ...).\n\n"
            "options:\n");
    args_help(out, opts, n);
}

static int bad(const char *flag, const char *msg)
{
    cli_error(flag, msg, NULL);
    return 2;
}

/* "16,32" → one number per pipeline stage (at most 64, each < 2^40) */
static int parse_list(const char *flag, const char *s, uint64_t *out, uint32_t *n)
{
    *n = 0;
    const char *p = s;
    while (*p) {
        if (*n == 64)
            return bad(flag, "more than 64 stages");
        char *end = NULL;
        if (*p < '0' || *p > '9')
            return bad(flag, "expected numbers separated by commas, as 16,32");
        unsigned long long v = strtoull(p, &end, 10);
        if (v >= (1ull << 40))
            return bad(flag, "a value is absurdly large");
        out[(*n)++] = (uint64_t)v;
        if (*end == ',' && end[1] != '\0')
            end++;
        else if (*end != '\0')
            return bad(flag, "expected numbers separated by commas, as 16,32");
        p = end;
    }
    return 0;
}

int cmd_infer(int argc, char **argv)
{
    struct model_flags mf = {0};
    struct u64_opt batch = {0}, prompt = {0}, gen = {0}, tp = {0}, pp = {0}, block = {0},
                   group = {0}, mnbt = {0}, mns = {0}, mml = {0}, ctx_mib = {0}, graphs_mib = {0},
                   mem_mib = {0};
    struct real_opt util = {0}, mfu = {0}, mbu = {0};
    const char *weights = NULL, *kv = NULL, *gpu_name = NULL, *engine = NULL, *attention = NULL,
               *pp_layers = NULL, *stage_mem = NULL;
    bool json = false, explain = false, si = false, help = false, all_logits = false;
    enum { N_OWN = 29 };
    struct opt opts[N_OWN + MODEL_FLAG_COUNT] = {
        {"--batch", OPT_U64, "B", "concurrent sequences (1)", &batch},
        {"--prompt", OPT_U64, "P", "prompt tokens per sequence (512)", &prompt},
        {"--gen", OPT_U64, "G", "generated tokens per sequence (128)", &gen},
        {"--weights", OPT_STR, "FMT", "serving weight format (bf16)", &weights},
        {"--group-size", OPT_U64, "N", "int4/gptq quantization group (128)", &group},
        {"--kv-dtype", OPT_STR, "T", "bf16 fp16 fp8 int8 fp32 (bf16)", &kv},
        {"--tp", OPT_U64, "N", "tensor parallel degree (1)", &tp},
        {"--pp", OPT_U64, "N", "pipeline parallel degree (1)", &pp},
        {"--pp-layers", OPT_STR, "A,B,..", "layers per stage (vLLM's split by default)", &pp_layers},
        {"--gpu", OPT_STR, "NAME", "GPU preset, see tmem gpus (h100-sxm)", &gpu_name},
        {"--gpu-memory-mib", OPT_U64, "MIB", "override the GPU's reported memory", &mem_mib},
        {"--stage-memory-mib", OPT_STR, "A,B,..", "memory per pipeline stage (GPUs of different sizes)", &stage_mem},
        {"--engine", OPT_STR, "E", "vllm (paged pool) or hf (static cache) (vllm)", &engine},
        {"--gpu-memory-utilization", OPT_REAL, "F", "vLLM's share of GPU memory (0.9)", &util},
        {"--block-size", OPT_U64, "N", "tokens per KV block (16)", &block},
        {"--max-num-batched-tokens", OPT_U64, "N", "vLLM profiling chunk (8192)", &mnbt},
        {"--max-num-seqs", OPT_U64, "N", "vLLM sequences per step (256)", &mns},
        {"--max-model-len", OPT_U64, "N", "tokens per sequence to plan for (prompt + gen)", &mml},
        {"--cuda-context-mib", OPT_U64, "MIB", "CUDA context + cuBLAS + NCCL (1024)", &ctx_mib},
        {"--cuda-graphs-mib", OPT_U64, "MIB", "reserve for CUDA graphs (0)", &graphs_mib},
        {"--attention", OPT_STR, "K", "flash or naive (flash)", &attention},
        {"--all-logits", OPT_FLAG, NULL, "logits for every prompt token", &all_logits},
        {"--mfu", OPT_REAL, "F", "fraction of peak FLOP/s reached (0.5)", &mfu},
        {"--mbu", OPT_REAL, "F", "fraction of peak HBM bandwidth reached (0.8)", &mbu},
        {"--json", OPT_FLAG, NULL, "print a JSON document", &json},
        {"--explain", OPT_FLAG, NULL, "formulas under each line and a summary", &explain},
        {"--si", OPT_FLAG, NULL, "decimal units (GB) instead of binary (GiB)", &si},
        {"--hf", OPT_FLAG, NULL, "same as --engine hf", &help}, /* replaced below */
        {"--vllm", OPT_FLAG, NULL, "same as --engine vllm", &help},
    };
    bool hf_flag = false, vllm_flag = false;
    opts[N_OWN - 2].target = &hf_flag;
    opts[N_OWN - 1].target = &vllm_flag;
    model_flag_opts(&mf, opts + N_OWN);
    const size_t n_opts = sizeof opts / sizeof opts[0];
    const char *pos[1];
    size_t n_pos = 0;
    if (args_parse(argc, argv, 2, opts, n_opts, pos, 1, &n_pos, &help) != 0)
        return 2;
    if (help) {
        usage(stdout, opts, n_opts);
        return 0;
    }

    struct tmem_infer_opts io;
    tmem_infer_defaults(&io);
    if (batch.set) io.batch = batch.v;
    if (prompt.set) io.prompt_tokens = prompt.v;
    if (gen.set) io.gen_tokens = gen.v;
    if (group.set) io.group_size = group.v;
    if (tp.set) io.tp = tp.v;
    if (pp.set) io.pp = pp.v;
    if (block.set) io.block_size = block.v;
    if (mnbt.set) io.max_num_batched_tokens = mnbt.v;
    if (mns.set) io.max_num_seqs = mns.v;
    if (mml.set) io.max_model_len = mml.v;
    if (ctx_mib.set) io.cuda_context_bytes = ctx_mib.v << 20;
    if (graphs_mib.set) io.cuda_graph_bytes = graphs_mib.v << 20;
    if (util.set) io.gpu_memory_utilization = util.v;
    if (mfu.set) io.mfu = mfu.v;
    if (mbu.set) io.mbu = mbu.v;
    io.all_logits = all_logits;
    if (ctx_mib.v > (UINT64_C(1) << 30) || graphs_mib.v > (UINT64_C(1) << 30) ||
        mem_mib.v > (UINT64_C(1) << 30))
        return bad(ctx_mib.v > (UINT64_C(1) << 30) ? "--cuda-context-mib"
                   : graphs_mib.v > (UINT64_C(1) << 30) ? "--cuda-graphs-mib" : "--gpu-memory-mib",
                   "is absurdly large");
    if (weights) {
        io.weights = tmem_wformat_from_name(weights, &io.ggml_type);
        if (io.weights == TMEM_WF_COUNT)
            return bad("--weights", "unknown weight format (see tmem infer --help)");
    }
    if (kv) {
        io.kv_dtype = tmem_kv_dtype_from_name(kv);
        if (io.kv_dtype == TMEM_KV_COUNT)
            return bad("--kv-dtype", "unknown KV cache dtype (bf16 fp16 fp8 int8 fp32)");
    }
    if (engine) {
        if (strcmp(engine, "vllm") == 0)
            io.engine = TMEM_ENGINE_VLLM;
        else if (strcmp(engine, "hf") == 0)
            io.engine = TMEM_ENGINE_HF;
        else
            return bad("--engine", "must be vllm or hf");
    }
    if (hf_flag && vllm_flag)
        return bad("--hf", "contradicts --vllm");
    if (hf_flag)
        io.engine = TMEM_ENGINE_HF;
    if (attention) {
        if (strcmp(attention, "flash") == 0)
            io.flash = true;
        else if (strcmp(attention, "naive") == 0)
            io.flash = false;
        else
            return bad("--attention", "must be flash or naive");
    }
    if (pp_layers && parse_list("--pp-layers", pp_layers, io.pp_layers, &io.n_pp_layers) != 0)
        return 2;
    if (stage_mem) {
        if (parse_list("--stage-memory-mib", stage_mem, io.stage_memory_bytes, &io.n_stage_memory) != 0)
            return 2;
        for (uint32_t i = 0; i < io.n_stage_memory; i++) {
            if (io.stage_memory_bytes[i] == 0)
                return bad("--stage-memory-mib", "a stage has 0 MiB");
            io.stage_memory_bytes[i] <<= 20;
        }
    }
    const struct tmem_gpu *g = tmem_gpu_find(gpu_name ? gpu_name : "h100-sxm");
    if (g == NULL)
        return bad("--gpu", "unknown GPU (see tmem gpus)");
    struct tmem_gpu custom = *g;
    if (mem_mib.set) {
        if (mem_mib.v == 0)
            return bad("--gpu-memory-mib", "must be at least 1");
        custom.memory_bytes = mem_mib.v << 20;
        g = &custom;
    }
    io.gpu = g;

    struct tmem_model m;
    if (model_from_args(n_pos ? pos[0] : NULL, &mf, &m) != 0)
        return 2;
    struct tmem_inventory inv;
    struct tmem_error err = {0};
    if (tmem_inventory_build(&m, &inv, &err) != TMEM_OK)
        return report_error(&err);
    struct tmem_infer_result *r = tmem_alloc(sizeof *r);
    if (r == NULL)
        return bad("infer", "out of memory");
    int rc = 0;
    struct tmem_infer_view v = {.model = &m, .opts = &io, .r = r};
    if (tmem_infer_build(&m, &inv, &io, r, &err) != TMEM_OK) {
        rc = report_error(&err);
    } else if (!r->fit.fits &&
               (tmem_infer_max_batch(&m, &inv, &io, &v.max_batch, &err) != TMEM_OK ||
                tmem_infer_max_context(&m, &inv, &io, &v.max_context, &err) != TMEM_OK)) {
        rc = report_error(&err);
    } else {
        v.have_limits = !r->fit.fits;
        if (json) {
            if (tmem_report_infer_json(stdout, &v) != 0)
                rc = bad("infer", TMEM_JSON_FAILED);
        } else {
            struct tmem_report_opts ro = {.si = si, .explain = explain};
            tmem_report_infer_text(stdout, &v, &ro);
        }
    }
    tmem_dealloc(r);
    return rc;
}
