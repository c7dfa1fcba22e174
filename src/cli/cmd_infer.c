/* cmd_infer.c — `tmem infer MODEL`: the per-GPU inference ledger, the KV
 * cache and vLLM's paged capacity, and roofline timing. Parses and wires;
 * every number comes from the core (tmem_infer_build). */
#include "cli.h"
#include "infer_flags.h"
#include "alloc.h"
#include "tmem/checkpoint.h"
#include "report_infer.h"
#include "tmem/train.h"

#include <stdlib.h>
#include <string.h>

static int bad(const char *flag, const char *msg)
{
    cli_error(flag, msg, NULL);
    return 2;
}

/* an unknown named value of opts' flag: msg, and "did you mean" when close */
static int bad_choice(const struct opt *opts, size_t n, const char *flag, const char *val,
                      const char *msg)
{
    char hint[128];
    cli_error(flag, msg, tmem__choice_hint(tmem__args_find(opts, n, flag), val, hint, sizeof hint));
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



/* the option rows (targets in f, defaults from tmem_infer_defaults) */
void tmem__infer_rows(struct infer_flags *f, struct opt *opts)
{
    struct tmem_infer_opts io;
    tmem_infer_defaults(&io);
    const struct opt own[] = {
        {OPT_ROW("--batch", OPT_U64, "B", "concurrent sequences", &f->batch), .def = OPT_DEFAULT_U64(io.batch)},
        {OPT_ROW("--prompt", OPT_U64, "P", "prompt tokens per sequence", &f->prompt),
         .def = OPT_DEFAULT_U64(io.prompt_tokens)},
        {OPT_ROW("--gen", OPT_U64, "G", "generated tokens per sequence", &f->gen),
         .def = OPT_DEFAULT_U64(io.gen_tokens)},
        {OPT_ROW("--weights", OPT_STR, "FMT", "serving weight format (without it: a checkpoint as stored, others the default)", &f->weights),
         .choice = tmem__choice_wformat, .also = "or one ggml type for every matrix (a pure GGUF)",
         .also_choice = tmem__choice_ggml_type,
         .def = OPT_DEFAULT_TEXT(tmem_wformat_info(io.weights)->name)},
        {OPT_ROW("--group-size", OPT_U64, "N", "int4/gptq quantization group", &f->group),
         .def = OPT_DEFAULT_U64(io.group_size)},
        {OPT_ROW("--kv-dtype", OPT_STR, "T", "KV cache dtype", &f->kv), .choice = tmem__choice_kv_dtype,
         .def = OPT_DEFAULT_TEXT(tmem_kv_dtype_name(io.kv_dtype))},
        {OPT_ROW("--mamba-cache-dtype", OPT_STR, "T", "SSM/linear-attention conv state dtype (vLLM; auto: the model dtype)", &f->mamba_cache),
         .choice = tmem__choice_state_dtype, .def = OPT_DEFAULT_TEXT("auto")},
        {OPT_ROW("--mamba-ssm-cache-dtype", OPT_STR, "T", "SSM/linear-attention temporal state dtype (vLLM; auto: the conv state's)", &f->mamba_ssm_cache),
         .choice = tmem__choice_state_dtype, .def = OPT_DEFAULT_TEXT("auto")},
        {OPT_ROW("--tp", OPT_U64, "N", "tensor parallel degree", &f->tp), .def = OPT_DEFAULT_U64(io.tp)},
        {OPT_ROW("--pp", OPT_U64, "N", "pipeline parallel degree", &f->pp), .def = OPT_DEFAULT_U64(io.pp)},
        {OPT_ROW("--pp-layers", OPT_STR, "A,B,..", "layers per stage (vLLM's split by default)", &f->pp_layers)},
        {OPT_ROW("--gpu", OPT_STR, "NAME", "GPU preset (tmem gpus)", &f->gpu_name), .choice = tmem__choice_gpu,
         .def = OPT_DEFAULT_TEXT(INFER_DEFAULT_GPU)},
        {OPT_ROW("--gpu-memory-mib", OPT_U64, "MIB", "a custom capacity (CUDA-visible MiB) for the --gpu's speeds", &f->mem_mib)},
        {OPT_ROW("--stage-memory-mib", OPT_STR, "A,B,..", "memory per pipeline stage (GPUs of different sizes)", &f->stage_mem)},
        {OPT_ROW("--engine", OPT_STR, "E", "serving engine (vllm: a paged KV pool; hf: a static cache per request; llamacpp: a static "
                 "cache, llama.cpp's graph launches per step and its bandwidth; sglang, trtllm: their pools "
                 "and schedulers, see tmem serve --help)", &f->engine),
         .choice = tmem__choice_engine, .def = OPT_DEFAULT_TEXT(tmem_engine_name(io.engine))},
        {OPT_ROW("--gpu-memory-utilization", OPT_REAL, "F", "vLLM's share of GPU memory", &f->util),
         .def = OPT_DEFAULT_REAL(io.gpu_memory_utilization)},
        {OPT_ROW("--block-size", OPT_U64, "N", "tokens per KV block", &f->block), .def = OPT_DEFAULT_U64(io.block_size)},
        {OPT_ROW("--max-num-batched-tokens", OPT_U64, "N", "vLLM profiling chunk", &f->mnbt),
         .def = OPT_DEFAULT_U64(io.max_num_batched_tokens)},
        {OPT_ROW("--max-num-seqs", OPT_U64, "N", "vLLM sequences per step", &f->mns),
         .def = OPT_DEFAULT_U64(io.max_num_seqs)},
        {OPT_ROW("--max-model-len", OPT_U64, "N", "tokens per sequence to plan for (prompt + gen)", &f->mml)},
        {OPT_ROW("--cuda-context-mib", OPT_U64, "MIB", "non-torch memory (cuBLAS, NCCL, all-reduce buffers)", &f->ctx_mib),
         .def = OPT_DEFAULT_TEXT("vllm 256 at tp 1, 2048 at tp >= 2; hf 1024")},
        {OPT_ROW("--allreduce-us", OPT_REAL, "US", "latency of one tensor-parallel all-reduce", &f->ar_us),
         .def = OPT_DEFAULT_REAL(io.allreduce_latency_s * 1e6)},
        {OPT_ROW("--allow-long-context", OPT_FLAG, NULL, "plan past the model's max_position_embeddings (vLLM refuses it)", &f->long_ctx)},
        {OPT_ROW("--cuda-graphs-mib", OPT_U64, "MIB", "reserve for CUDA graphs", &f->graphs_mib),
         .def = OPT_DEFAULT_U64(io.cuda_graph_bytes >> 20)},
        {OPT_ROW("--attention", OPT_STR, "K", "attention kernel", &f->attention), .choice = tmem__choice_attention,
         .def = OPT_DEFAULT_TEXT(tmem_attention_name(io.flash ? TMEM_ATTENTION_FLASH : TMEM_ATTENTION_NAIVE))},
        {OPT_ROW("--all-logits", OPT_FLAG, NULL, "logits for every prompt token", &f->all_logits)},
        {OPT_ROW("--mfu", OPT_REAL, "F", "fraction of peak FLOP/s reached", &f->mfu), .def = OPT_DEFAULT_REAL(io.mfu)},
        {OPT_ROW("--mbu", OPT_REAL, "F", "fraction of peak HBM bandwidth reached (llamacpp: 0.95)", &f->mbu),
         .def = OPT_DEFAULT_REAL(io.mbu)},
        {OPT_ROW("--json", OPT_FLAG, NULL, "print a JSON document", &f->json)},
        {OPT_ROW("--explain", OPT_FLAG, NULL, "formulas under each line and a summary", &f->explain)},
        {OPT_ROW("--si", OPT_FLAG, NULL, "decimal units (GB) instead of binary (GiB)", &f->si)},
        {OPT_ROW("--hf", OPT_FLAG, NULL, "same as --engine hf", &f->hf)},
        {OPT_ROW("--vllm", OPT_FLAG, NULL, "same as --engine vllm", &f->vllm)},
        {OPT_ROW("--images", OPT_U64, "N", "images per request: their tokens join the prompt (vision-language models; Llama 3.2 Vision: their states are its cross-attention KV)", &f->images)},
        {OPT_ROW("--image-size", OPT_STR, "HxW", "image pixels (Qwen2.5-VL's image tokens follow them)", &f->image_size)},
    };
    _Static_assert(sizeof own / sizeof own[0] == N_INFER_ROWS, "N_INFER_ROWS counts the rows");
    memcpy(opts, own, sizeof own);
    cli_out_rows(&f->out, opts + N_INFER_ROWS, true);
}

/* the option table and the doc over it */
static void infer_doc(struct infer_flags *f, struct opt *opts, struct cmd_doc *d)
{
    tmem__infer_rows(f, opts);
    model_flag_opts(&f->mf, opts + N_INFER_OWN);
    *d = (struct cmd_doc){
        .name = "infer",
        .synopsis = "MODEL [options]",
        .summary = "per-GPU inference memory ledger, KV capacity, timing",
        .about = "How much memory serving MODEL takes on one GPU, bucket by bucket, how many\n"
                 "concurrent sequences the KV cache holds (vLLM's paged pool: utilization ×\n"
                 "memory − weights − peak activation − non-torch memory), and how fast it runs\n"
                 "(a roofline: prefill is compute-bound, decode reads weights and KV).\n"
                 "The vLLM engine follows " TMEM_VLLM_MODELED ": the pool is --gpu-memory-utilization\n"
                 "× the CUDA-visible total (tmem gpus); the profile run is a forward of\n"
                 "--max-num-batched-tokens tokens (fused-MoE caches included), then the dummy\n"
                 "sampler's top-k/top-p over min(--max-num-seqs, tokens) rows of logits; sliding\n"
                 "windows follow its hybrid allocator.",
        .opts = opts, .n_opts = N_INFER_OWN,
        .shared = opts + N_INFER_OWN, .n_shared = MODEL_FLAG_COUNT};
}

/* The infer options from the parsed rows (infer_flags.h). */
int tmem__infer_stored_weights(const char *arg, bool weights_given, const struct tmem_model *m,
                               struct tmem_ckpt_weights *stored, struct tmem_infer_opts *io)
{
    if (weights_given || arg == NULL)
        return 0;
    struct tmem_error err = {0};
    if (tmem_weights_for_model(arg, cli_allocator(), m, stored, &err) != TMEM_OK)
        return report_error(&err);
    if (stored->w.n_stores > 0)
        io->stored = &stored->w;
    return 0;
}

int tmem__infer_setup(const struct infer_flags *f, const struct opt *opts, size_t n_opts,
                      struct tmem_infer_opts *out, struct tmem_gpu *custom)
{
    struct u64_opt batch = f->batch, prompt = f->prompt, gen = f->gen, tp = f->tp, pp = f->pp,
                   block = f->block, group = f->group, mnbt = f->mnbt, mns = f->mns, mml = f->mml,
                   ctx_mib = f->ctx_mib, graphs_mib = f->graphs_mib, mem_mib = f->mem_mib;
    struct real_opt util = f->util, mfu = f->mfu, mbu = f->mbu, ar_us = f->ar_us;
    const char *weights = f->weights, *kv = f->kv, *gpu_name = f->gpu_name, *engine = f->engine,
               *attention = f->attention, *pp_layers = f->pp_layers, *stage_mem = f->stage_mem;
    bool all_logits = f->all_logits, hf_flag = f->hf, vllm_flag = f->vllm;
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
    if (ar_us.set) io.allreduce_latency_s = ar_us.v * 1e-6;
    io.allow_long_context = f->long_ctx;
    if (f->images.set) io.images = f->images.v;
    if (f->image_size) {
        unsigned long long h = 0, w = 0;
        char tail = 0;
        if (sscanf(f->image_size, "%llux%llu%c", &h, &w, &tail) != 2 || h == 0 || w == 0 ||
            h > 65536 || w > 65536)
            return bad("--image-size", "expected HxW in pixels, e.g. 448x644 (each 1..65536)");
        io.image_h = h;
        io.image_w = w;
    }
    io.all_logits = all_logits;
    if (ctx_mib.v > (UINT64_C(1) << 30) || graphs_mib.v > (UINT64_C(1) << 30) ||
        mem_mib.v > (UINT64_C(1) << 30))
        return bad(ctx_mib.v > (UINT64_C(1) << 30) ? "--cuda-context-mib"
                   : graphs_mib.v > (UINT64_C(1) << 30) ? "--cuda-graphs-mib" : "--gpu-memory-mib",
                   "is absurdly large");
    if (weights) {
        io.weights = tmem_wformat_from_name(weights, &io.ggml_type);
        if (io.weights == TMEM_WF_COUNT)
            return bad_choice(opts, n_opts, "--weights", weights,
                              "unknown weight format (see tmem infer --help)");
    }
    char msg[400], names[300];
    if (kv) {
        io.kv_dtype = tmem_kv_dtype_from_name(kv);
        if (io.kv_dtype == TMEM_KV_COUNT) {
            tmem__args_choices(tmem__args_find(opts, n_opts, "--kv-dtype"), ", ", names, sizeof names);
            snprintf(msg, sizeof msg, "unknown KV cache dtype (one of: %s)", names);
            return bad_choice(opts, n_opts, "--kv-dtype", kv, msg);
        }
    }
    const char *const state_vals[2] = {f->mamba_cache, f->mamba_ssm_cache};
    static const char *const state_flags[2] = {"--mamba-cache-dtype", "--mamba-ssm-cache-dtype"};
    enum tmem_dtype *const state_out[2] = {&io.mamba_cache_dtype, &io.mamba_ssm_cache_dtype};
    for (int i = 0; i < 2; i++) {
        if (state_vals[i] == NULL)
            continue;
        int k = tmem__choice_index(tmem__choice_state_dtype, state_vals[i]);
        if (k < 0) {
            tmem__args_choices(tmem__args_find(opts, n_opts, state_flags[i]), ", ", names, sizeof names);
            snprintf(msg, sizeof msg, "unknown state dtype (one of: %s)", names);
            return bad_choice(opts, n_opts, state_flags[i], state_vals[i], msg);
        }
        static const enum tmem_dtype by_choice[4] = {TMEM_STATE_DTYPE_AUTO, TMEM_DTYPE_F32,
                                                     TMEM_DTYPE_BF16, TMEM_DTYPE_F16};
        *state_out[i] = by_choice[k];
    }
    if (engine) {
        int k = tmem__choice_index(tmem__choice_engine, engine);
        if (k < 0) {
            tmem__args_choices(tmem__args_find(opts, n_opts, "--engine"), " or ", names, sizeof names);
            snprintf(msg, sizeof msg, "must be %s", names);
            return bad_choice(opts, n_opts, "--engine", engine, msg);
        }
        io.engine = (enum tmem_engine)k;
    }
    if (hf_flag && vllm_flag)
        return bad("--hf", "contradicts --vllm");
    if (hf_flag)
        io.engine = TMEM_ENGINE_HF;
    tmem_infer_engine_defaults(&io); /* then the explicit options win */
    if (mbu.set) io.mbu = mbu.v;
    if (mns.set) io.max_num_seqs = mns.v;
    if (mnbt.set) io.max_num_batched_tokens = mnbt.v;
    if (block.set) io.block_size = block.v;
    if (util.set) io.gpu_memory_utilization = util.v;
    if (attention) {
        enum tmem_attention a = tmem_attention_from_name(attention);
        if (a == TMEM_ATTENTION_COUNT) {
            tmem__args_choices(tmem__args_find(opts, n_opts, "--attention"), " or ", names, sizeof names);
            snprintf(msg, sizeof msg, "must be %s", names);
            return bad_choice(opts, n_opts, "--attention", attention, msg);
        }
        io.flash = a == TMEM_ATTENTION_FLASH;
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
    const struct tmem_gpu *g = tmem_gpu_find(gpu_name ? gpu_name : INFER_DEFAULT_GPU);
    if (g == NULL)
        return bad_choice(opts, n_opts, "--gpu", gpu_name, "unknown GPU (see tmem gpus)");
    *custom = *g;
    if (mem_mib.set) {
        if (mem_mib.v == 0)
            return bad("--gpu-memory-mib", "must be at least 1");
        custom->memory_bytes = custom->cuda_memory_bytes = mem_mib.v << 20;
        custom->cuda_memory_derived = false;
        io.custom_memory = true;
        g = custom;
    }
    io.gpu = g;
    *out = io;
    return 0;
}

void tmem__infer_doc(cmd_doc_sink sink, void *ctx)
{
    struct infer_flags f = {0};
    struct opt opts[N_INFER_OWN + MODEL_FLAG_COUNT];
    struct cmd_doc d;
    infer_doc(&f, opts, &d);
    sink(&d, ctx);
}

int cmd_infer(int argc, char **argv)
{
    struct infer_flags f = {0};
    struct opt opts[N_INFER_OWN + MODEL_FLAG_COUNT];
    struct cmd_doc doc;
    infer_doc(&f, opts, &doc);
    const size_t n_opts = sizeof opts / sizeof opts[0];
    const char *pos[1];
    size_t n_pos = 0;
    int go = tmem__args_parse_doc(&doc, argc, argv, pos, 1, &n_pos);
    if (go != 0)
        return go == 1 ? 0 : 2;
    struct tmem_infer_opts io;
    struct tmem_gpu custom;
    if (tmem__infer_setup(&f, opts, n_opts, &io, &custom) != 0)
        return 2;
    struct model_flags mf = f.mf;
    bool json = f.json, explain = f.explain, si = f.si;
    const char *weights = f.weights;

    struct tmem_model m;
    struct tmem_inventory inv;
    if (tmem__model_inventory_from_args(n_pos ? pos[0] : NULL, &mf, &m, &inv) != 0)
        return 2;
    struct tmem_error err = {0};
    /* an encoder: one forward of the batch under HF (the only engine
     * modeled for it), nothing generated */
    if (m.encoder) {
        if (f.gen.set && f.gen.v > 0)
            return bad("--gen", "an encoder generates nothing: its output is one forward's "
                                "embeddings or logits (--prompt is the sequence length)");
        if (f.engine == NULL && !f.vllm)
            io.engine = TMEM_ENGINE_HF;
        if (io.engine != TMEM_ENGINE_HF)
            return bad("--engine", "infer models an encoder as one forward of the whole batch (HF "
                                   "AutoModel, sentence-transformers): --engine hf; vLLM's pooling "
                                   "runner is tmem serve MODEL (its scheduler and its largest step's "
                                   "ledger); sglang, trtllm, llama.cpp: not modeled");
        io.gen_tokens = 0;
    }
    /* the serving format: --weights, else what the checkpoint stores (or
     * its config declares), else the default */
    struct tmem_ckpt_weights stored = {0};
    if (tmem__infer_stored_weights(n_pos ? pos[0] : NULL, weights, &m, &stored, &io) != 0)
        return 2;
    struct tmem_infer_result *r = tmem__alloc(sizeof *r);
    if (r == NULL) {
        tmem_ckpt_weights_free(&stored);
        return bad("infer", "out of memory");
    }
    int rc = 0;
    char nbuf[sizeof mf.notes];
    const char *notes[8];
    size_t n_notes = model_notes_list(&mf, nbuf, sizeof nbuf, notes, 8);
    struct tmem_infer_view v = {.model = &m, .opts = &io, .r = r,
                                .weights_source = weights ? "--weights" : "default",
                                .notes = notes, .n_notes = n_notes};
    if (tmem_infer_build(&m, &inv, &io, r, &err) != TMEM_OK) {
        if (strstr(err.msg, "max_position_embeddings") != NULL) {
            cli_error(err.where, err.msg,
                      "--allow-long-context plans past it (vLLM needs VLLM_ALLOW_LONG_MAX_MODEL_LEN=1)");
            rc = 2;
        } else {
            rc = report_error(&err);
        }
    } else if (!r->fit.fits &&
               (tmem_infer_max_batch(&m, &inv, &io, &v.max_batch, &err) != TMEM_OK ||
                tmem_infer_max_context(&m, &inv, &io, &v.max_context, &err) != TMEM_OK)) {
        rc = report_error(&err);
    } else {
        v.have_limits = !r->fit.fits;
        struct cli_out out;
        if (cli_out_begin(&out, &f.out, json, si) != 0) {
            rc = 2;
        } else {
            if (out.doc != NULL && tmem__report_infer_json(out.doc, &v) != 0)
                rc = bad("infer", TMEM_JSON_FAILED);
            if (out.text != NULL) {
                struct tmem_report_opts ro = {.si = si, .explain = explain};
                tmem__report_infer_text(out.text, &v, &ro);
            }
            rc = cli_out_end(&out, rc);
        }
    }
    tmem__dealloc(r);
    tmem_ckpt_weights_free(&stored);
    return rc;
}
