/* cmd_serve.c — `tmem serve MODEL`: every infer option sizes the engine
 * (tmem_infer_build: the KV pool and the step roofline), the serve options
 * describe the workload and the scheduler, and the core simulates it
 * (tmem_serve_workload_fill, tmem_serve_run), once or once per swept rate.
 * Parses and wires; every number comes from the core. */
#include "alloc.h"
#include "cli.h"
#include "infer_flags.h"
#include "report_serve.h"
#include "tmem/checkpoint.h"
#include "tmem/serve.h"
#include "bench_result.h"
#include "trace.h"

#include <math.h>

#include <stdlib.h>
#include <string.h>

#define SERVE_DEFAULT_REQUESTS 1000
#define SERVE_MAX_SWEEP 64

static int bad(const char *flag, const char *msg)
{
    cli_error(flag, msg, NULL);
    return 2;
}

struct serve_flags {
    struct infer_flags in;
    struct real_opt rate, burstiness, slo_ttft, slo_tpot, overhead, prefix_hit;
    struct u64_opt concurrency, requests, seed;
    const char *prompt_len, *output_len, *sweep, *trace, *schedule, *compare;
    bool calibrate;
};

enum { N_SERVE_OWN = 16 };

static void serve_doc(struct serve_flags *f, struct opt *opts, struct cmd_doc *d)
{
    const struct opt own[N_SERVE_OWN] = {
        {OPT_ROW("--rate", OPT_REAL, "R", "requests per second, open loop (default: all at t = 0)", &f->rate)},
        {OPT_ROW("--burstiness", OPT_REAL, "CV",
                 "coefficient of variation of the arrival gaps: gamma of shape 1/CV^2 (1: Poisson; "
                 "vllm bench serve's --burstiness B is CV = 1/sqrt(B))",
                 &f->burstiness), .def = OPT_DEFAULT_REAL(1.0)},
        {OPT_ROW("--concurrency", OPT_U64, "C", "closed loop: C requests in flight", &f->concurrency)},
        {OPT_ROW("--requests", OPT_U64, "N", "requests to simulate", &f->requests),
         .def = OPT_DEFAULT_U64(SERVE_DEFAULT_REQUESTS)},
        {OPT_ROW("--prompt-len", OPT_STR, "D",
                 "prompt tokens: N, uniform:MIN:MAX, normal:MEAN:SD, lognormal:MU:SIGMA or sharegpt "
                 "(vllm bench serve's ShareGPT sample: its filter, geometric lengths of the published "
                 "means, 215.2 prompt and 204.6 output tokens); default sharegpt when no --prompt-len, "
                 "--output-len, --prompt or --gen is given, else --prompt",
                 &f->prompt_len)},
        {OPT_ROW("--output-len", OPT_STR, "D",
                 "output tokens, as --prompt-len (default: sharegpt, as for --prompt-len, else --gen)",
                 &f->output_len)},
        {OPT_ROW("--seed", OPT_U64, "S", "workload seed (results are deterministic for a seed)", &f->seed),
         .def = OPT_DEFAULT_U64(0)},
        {OPT_ROW("--slo-ttft-ms", OPT_REAL, "X", "goodput's TTFT limit", &f->slo_ttft)},
        {OPT_ROW("--slo-tpot-ms", OPT_REAL, "Y", "goodput's TPOT limit", &f->slo_tpot)},
        {OPT_ROW("--step-overhead-ms", OPT_REAL, "X", "fixed cost of each engine step (CPU scheduling, launches)",
                 &f->overhead), .def = OPT_DEFAULT_REAL(TMEM_SERVE_STEP_OVERHEAD_S * 1e3)},
        {OPT_ROW("--prefix-cache-hit", OPT_REAL, "R",
                 "share of each prompt already in the prefix cache (whole blocks): not computed, its "
                 "blocks shared (vLLM's prefix caching, SGLang's radix cache)",
                 &f->prefix_hit), .def = OPT_DEFAULT_REAL(0)},
        {OPT_ROW("--schedule", OPT_STR, "S",
                 "decode-first: new prompts fill the budget beside running decodes (vllm, trtllm, "
                 "llamacpp); prefill-first: a step with prompt work runs it alone (sglang)",
                 &f->schedule), .choice = tmem__choice_schedule,
         .def = OPT_DEFAULT_TEXT("the engine's")},
        {OPT_ROW("--compare", OPT_STR, "RESULT.json",
                 "replay a vllm bench serve --save-result file (or SGLang bench_serving output): its "
                 "rate, burstiness, concurrency and lengths; print predicted against measured",
                 &f->compare)},
        {OPT_ROW("--calibrate", OPT_FLAG, NULL,
                 "with --compare: fit --mfu, --mbu and --step-overhead-ms to the measured run "
                 "(least squares of the log errors) and say how well they fit",
                 &f->calibrate)},
        {OPT_ROW("--sweep-rate", OPT_STR, "A:B:N", "N rates from A to B: latency against rate, and the knee",
                 &f->sweep)},
        {OPT_ROW("--trace", OPT_STR, "FILE",
                 "requests from a file, one a line: ARRIVAL_S,PROMPT,OUTPUT (CSV) or JSON Lines "
                 "{\"arrival_s\", \"prompt_tokens\", \"output_tokens\"}",
                 &f->trace)},
    };
    memcpy(opts, own, sizeof own);
    tmem__infer_rows(&f->in, opts + N_SERVE_OWN);
    model_flag_opts(&f->in.mf, opts + N_SERVE_OWN + N_INFER_OWN);
    *d = (struct cmd_doc){
        .name = "serve",
        .synopsis = "MODEL [infer options] [serve options]",
        .summary = "continuous-batching simulation: latency percentiles, throughput, bottleneck",
        .about = "Simulates serving MODEL under load, one engine step at a time, as vLLM V1\n"
                 "schedules it: running requests first, then waiting ones while KV blocks, the\n"
                 "token budget (--max-num-batched-tokens) and --max-num-seqs last; chunked\n"
                 "prefill; the newest request preempted (recomputed later) when the KV pool that\n"
                 "tmem infer sizes runs out. Each step takes the infer roofline of its batch plus\n"
                 "--step-overhead-ms. Prints TTFT, TPOT, ITL and E2E (mean, p50, p90, p99),\n"
                 "throughput, goodput under the SLOs, and the bottleneck with the knob that\n"
                 "moves it.\n"
                 "--images N (vision-language models, --engine vllm; Qwen2.5-VL with\n"
                 "--image-size HxW): N images start every prompt; an image's encoder runs in the\n"
                 "step whose chunk reaches it, within vLLM's encoder budget and cache of\n"
                 "max(max_num_batched_tokens, its largest image) tokens (else the chunk stops at\n"
                 "the image), and adds the tower's roofline to that step; the KV pool is what is\n"
                 "left after vLLM's profile of the encoder and its cache. Llama 3.2 Vision is\n"
                 "refused (vLLM V1 has no encoder-decoder runner).\n"
                 "--engine sglang: a token-level pool in mem_fraction_static (0.88 at tp 1),\n"
                 "chunked_prefill_size 8192, prefill-first steps, the radix cache as\n"
                 "--prefix-cache-hit. --engine trtllm: kv_cache_free_gpu_memory_fraction 0.9 of\n"
                 "the free memory, blocks of 32, max_batch_size 2048, max_num_tokens 8192,\n"
                 "in-flight batching without chunked prefill, GUARANTEED_NO_EVICT admission (the\n"
                 "whole output's blocks reserved: no preemption). --engine llamacpp:\n"
                 "llama-server, one slot (--max-num-seqs 1), prompts 2048 tokens a step, its\n"
                 "graph launches each step.\n"
                 "An encoder (bert, roberta, xlm-roberta, modernbert) runs as vLLM's pooling\n"
                 "runner: no KV cache, no chunked prefill; each request is one forward, admitted\n"
                 "FCFS while --max-num-seqs and the token budget last, its output one pooled\n"
                 "embedding (--head cls:N: class logits); TTFT = E2E, no TPOT. The ledger is\n"
                 "the forward of the largest step (--max-num-batched-tokens tokens, at least\n"
                 "max_model_len) with the headroom left. DeBERTa (not in vLLM's registry) and\n"
                 "--head mlm are refused.",
        .opts = opts, .n_opts = N_SERVE_OWN + N_INFER_OWN,
        .shared = opts + N_SERVE_OWN + N_INFER_OWN, .n_shared = MODEL_FLAG_COUNT};
}

void tmem__serve_doc(cmd_doc_sink sink, void *ctx)
{
    struct serve_flags f;
    memset(&f, 0, sizeof f);
    struct opt opts[N_SERVE_OWN + N_INFER_OWN + MODEL_FLAG_COUNT];
    struct cmd_doc d;
    serve_doc(&f, opts, &d);
    sink(&d, ctx);
}

/* a whole number as a double: strtod with nothing left over */
static bool number(const char *s, const char **end, double *v)
{
    char *e = NULL;
    if (*s == '\0' || *s == ' ')
        return false;
    *v = strtod(s, &e);
    *end = e;
    return e != s;
}

/* "N" or KIND:A:B */
static int parse_dist(const char *flag, const char *s, struct tmem_serve_dist *d)
{
    const char *p = s, *e;
    const char *colon = strchr(s, ':');
    if (strcmp(s, "sharegpt") == 0) { /* the core's ShareGPT-like pair */
        *d = tmem_serve_sharegpt(strcmp(flag, "--output-len") == 0);
        return 0;
    }
    if (colon == NULL) {
        d->kind = TMEM_SERVE_DIST_FIXED;
        d->b = 0;
        if (number(p, &e, &d->a) && *e == '\0')
            return 0;
    } else {
        size_t n = (size_t)(colon - s);
        for (size_t k = 0; k < TMEM_SERVE_DIST_COUNT; k++) {
            const char *name = tmem_serve_dist_name((enum tmem_serve_dist_kind)k);
            if (k == TMEM_SERVE_DIST_FIXED || k == TMEM_SERVE_DIST_SHAREGPT || strlen(name) != n || strncmp(name, s, n) != 0)
                continue;
            d->kind = (enum tmem_serve_dist_kind)k;
            p = colon + 1;
            if (number(p, &e, &d->a) && *e == ':' && number(e + 1, &e, &d->b) && *e == '\0')
                return 0;
        }
    }
    return bad(flag, "expected N, uniform:A:B, normal:MEAN:SD, lognormal:MU:SIGMA or sharegpt");
}

/* "A:B:N" */
static int parse_sweep(const char *s, double *lo, double *hi, uint64_t *n)
{
    const char *e;
    double k;
    if (number(s, &e, lo) && *e == ':' && number(e + 1, &e, hi) && *e == ':' &&
        number(e + 1, &e, &k) && *e == '\0' && k >= 1 && k <= SERVE_MAX_SWEEP && k == (double)(uint64_t)k &&
        *lo > 0 && *hi >= *lo && (k > 1 || *hi == *lo)) {
        *n = (uint64_t)k;
        return 0;
    }
    return bad("--sweep-rate", "expected A:B:N, 0 < A <= B rates in req/s and 1 <= N <= 64 points");
}

struct serve_run_bufs {
    struct tmem_serve_request *reqs;
    void *work;
    uint64_t work_bytes;
};

static int simulate(const struct tmem_model *m, const struct tmem_infer_opts *io,
                    const struct tmem_infer_result *ir, const struct tmem_serve_workload *w,
                    const struct tmem_serve_opts *so, bool from_trace, struct serve_run_bufs *b,
                    struct tmem_serve_result *r)
{
    struct tmem_error err = {0};
    if (!from_trace && (tmem_serve_workload_fill(w, b->reqs, w->n_requests, &err) != TMEM_OK ||
                        tmem_serve_add_images(so, b->reqs, w->n_requests, &err) != TMEM_OK))
        return report_error(&err);
    enum tmem_status st = m->encoder /* vLLM's pooling runner: one forward a request */
                              ? tmem_serve_pool_run(m, io, &ir->roofline, so, b->reqs, w->n_requests, b->work,
                                                    b->work_bytes, r, &err)
                              : tmem_serve_run(&ir->roofline, so, b->reqs, w->n_requests, b->work,
                                               b->work_bytes, r, &err);
    return st != TMEM_OK ? report_error(&err) : 0;
}

static int run_all(const struct serve_flags *f, const struct tmem_model *m,
                   const struct tmem_infer_opts *io, const struct tmem_infer_result *ir,
                   struct tmem_serve_workload *w, struct tmem_serve_opts *so,
                   const struct tmem__bench_run *cmp)
{
    double lo = 0, hi = 0;
    uint64_t n_rates = 1;
    if (f->sweep) {
        if (parse_sweep(f->sweep, &lo, &hi, &n_rates) != 0)
            return 2;
        if (f->rate.set || f->concurrency.set)
            return bad("--sweep-rate", "contradicts --rate and --concurrency");
    }
    struct serve_run_bufs b = {0};
    if (cmp != NULL) { /* the measured run's workload: lengths, then arrivals drawn */
        w->n_requests = cmp->reqs ? cmp->n_reqs : cmp->completed;
        if (w->n_requests > TMEM_SERVE_MAX_REQUESTS)
            return bad("--compare", "more than 4194304 requests");
        b.reqs = tmem__alloc((size_t)w->n_requests * sizeof *b.reqs); /* <= 2^22 requests, checked above */
        struct tmem_error err = {0};
        if (b.reqs != NULL && tmem_serve_workload_fill(w, b.reqs, w->n_requests, &err) != TMEM_OK) {
            tmem__dealloc(b.reqs);
            return report_error(&err);
        }
        for (uint64_t i = 0; b.reqs != NULL && cmp->reqs != NULL && i < w->n_requests; i++) {
            b.reqs[i].prompt_tokens = cmp->reqs[i].prompt_tokens;
            b.reqs[i].output_tokens = cmp->reqs[i].output_tokens;
        }
    } else if (f->trace) {
        struct tmem_error err = {0};
        if (tmem__trace_load(f->trace, &b.reqs, &w->n_requests, &err) != TMEM_OK)
            return report_error(&err);
    } else if (w->n_requests == 0 || w->n_requests > TMEM_SERVE_MAX_REQUESTS) {
        return bad("--requests", "must be in [1, 4194304]");
    } else {
        b.reqs = tmem__alloc((size_t)w->n_requests * sizeof *b.reqs); /* <= 2^22 */
    }
    if (b.reqs != NULL && (cmp != NULL || f->trace)) { /* their lengths are text: the images join once */
        struct tmem_error err = {0};
        if (tmem_serve_add_images(so, b.reqs, w->n_requests, &err) != TMEM_OK) {
            tmem__dealloc(b.reqs);
            return report_error(&err);
        }
    }
    double rates[SERVE_MAX_SWEEP];
    struct tmem_serve_result *runs = tmem__alloc((size_t)n_rates * sizeof *runs); /* <= SERVE_MAX_SWEEP */
    b.work_bytes = tmem_serve_work_bytes(w->n_requests, so->max_num_seqs);
    /* more than a size_t holds (a 32-bit target: the wasm page) is out of memory */
    b.work = b.work_bytes <= SIZE_MAX ? tmem__alloc((size_t)b.work_bytes) : NULL;
    int rc = 0;
    if (runs == NULL || b.reqs == NULL || b.work == NULL)
        rc = bad("serve", "out of memory");
    for (uint64_t i = 0; rc == 0 && i < n_rates; i++) {
        if (f->sweep) {
            rates[i] = n_rates > 1 ? lo + (hi - lo) * (double)i / (double)(n_rates - 1) : lo;
            w->rate_per_s = rates[i];
        }
        rc = simulate(m, io, ir, w, so, f->trace != NULL || cmp != NULL, &b, &runs[i]);
        if (rc == 0 && i == 0 && f->sweep &&
            (double)(runs[0].input_tokens + runs[0].output_tokens) * (double)n_rates >
                (double)TMEM_SERVE_MAX_SWEEP_TOKENS)
            rc = bad("--sweep-rate", "the sweep's rates × tokens per run are above 2^30, the simulator's bound: "
                                     "fewer rates or fewer --requests");
    }
    struct tmem_serve_fit *fit = NULL;
    if (rc == 0 && f->calibrate) {
        struct tmem_error err = {0};
        fit = tmem__alloc(sizeof *fit);
        if (fit == NULL)
            rc = bad("serve", "out of memory");
        else if (tmem_serve_calibrate(&ir->roofline, io->mfu, io->mbu, so, b.reqs, w->n_requests, b.work,
                                      b.work_bytes, &cmp->measured, fit, &err) != TMEM_OK)
            rc = report_error(&err);
    }
    if (rc == 0) {
        struct tmem_serve_view v = {.model = m, .infer = io, .ir = ir, .w = w, .so = so,
                                    .runs = runs, .rates = f->sweep ? rates : NULL, .trace = f->trace,
                                    .n_runs = (size_t)n_rates, .cmp = cmp, .compare = f->compare,
                                    .fit = fit};
        for (size_t i = 0; f->sweep && (so->slo_ttft_s > 0 || so->slo_tpot_s > 0) && i < n_rates; i++)
            if (tmem_serve_meets_slo(&runs[i], so)) {
                v.have_knee = true;
                v.knee = i;
            }
        struct cli_out out;
        if (cli_out_begin(&out, &f->in.out, f->in.json, f->in.si) != 0) {
            rc = 2;
        } else {
            if (out.doc != NULL && tmem__report_serve_json(out.doc, &v) != 0)
                rc = bad("serve", TMEM_JSON_FAILED);
            if (out.text != NULL) {
                struct tmem_report_opts ro = {.si = f->in.si, .explain = f->in.explain};
                tmem__report_serve_text(out.text, &v, &ro);
            }
            rc = cli_out_end(&out, rc);
        }
    }
    tmem__dealloc(fit);
    tmem__dealloc(runs);
    tmem__dealloc(b.reqs);
    tmem__dealloc(b.work);
    return rc;
}

static int ms(const char *flag, const struct real_opt *o, double *s)
{
    if (!o->set)
        return 0;
    if (!(o->v >= 0 && o->v <= 1e7))
        return bad(flag, "must be in [0, 1e7] milliseconds");
    *s = o->v / 1e3;
    return 0;
}

/* An encoder under vLLM's pooling runner (serve_pool.c): one forward a
 * request, nothing decoded; the options about outputs, decoding, KV and
 * measured runs are refused, and the prompt is --prompt-len, else --prompt. */
static int serve_encoder_setup(const struct serve_flags *f, const struct tmem_infer_opts *io,
                               struct tmem_serve_workload *w)
{
    static const char why[] = "an encoder generates nothing: each request is one forward and its "
                              "output one pooled embedding (or class logits)";
    if (f->output_len || (f->in.gen.set && f->in.gen.v > 0))
        return bad(f->output_len ? "--output-len" : "--gen", why);
    if (f->slo_tpot.set)
        return bad("--slo-tpot-ms", why);
    if (f->prefix_hit.set)
        return bad("--prefix-cache-hit", "vLLM turns prefix caching off for encoder-only attention "
                                         "(is_prefix_caching_supported is False)");
    if (f->schedule)
        return bad("--schedule", "an encoder's steps hold no decodes: nothing to order");
    if (f->compare || f->calibrate || f->sweep)
        return bad(f->compare ? "--compare" : f->calibrate ? "--calibrate" : "--sweep-rate",
                   "not built for an encoder yet: one run at a --rate, --concurrency or --trace");
    if (!f->prompt_len)
        w->prompt = (struct tmem_serve_dist){TMEM_SERVE_DIST_FIXED, (double)io->prompt_tokens, 0};
    w->output = (struct tmem_serve_dist){TMEM_SERVE_DIST_FIXED, 1, 0}; /* drawn, not used */
    return 0;
}

int cmd_serve(int argc, char **argv)
{
    struct serve_flags f;
    memset(&f, 0, sizeof f);
    struct opt opts[N_SERVE_OWN + N_INFER_OWN + MODEL_FLAG_COUNT];
    struct cmd_doc doc;
    serve_doc(&f, opts, &doc);
    const char *pos[1];
    size_t n_pos = 0;
    int go = tmem__args_parse_doc(&doc, argc, argv, pos, 1, &n_pos);
    if (go != 0)
        return go == 1 ? 0 : 2;
    struct tmem_infer_opts io;
    struct tmem_gpu custom;
    if (tmem__infer_setup(&f.in, opts, sizeof opts / sizeof opts[0], &io, &custom) != 0)
        return 2;
    if (io.images > 0 && io.engine != TMEM_ENGINE_VLLM)
        return bad("--images", "serve schedules images' encoder runs as vLLM V1 does (--engine vllm); "
                               "sglang's, trtllm's and llama.cpp's are not modelled");
    if (io.image_h > 0 && io.images == 0)
        return bad("--image-size", "needs --images N");
    if (io.engine == TMEM_ENGINE_HF)
        return bad("--engine", "serve simulates an engine's scheduler (vllm, sglang, trtllm, llamacpp); "
                               "hf has none to simulate");

    struct tmem_serve_workload w = {.burstiness_cv = 1, .n_requests = SERVE_DEFAULT_REQUESTS,
                                    .prompt = {TMEM_SERVE_DIST_FIXED, (double)io.prompt_tokens, 0},
                                    .output = {TMEM_SERVE_DIST_FIXED, (double)io.gen_tokens, 0}};
    if (f.requests.set) w.n_requests = f.requests.v;
    if (f.seed.set) w.seed = f.seed.v;
    if (f.burstiness.set) w.burstiness_cv = f.burstiness.v;
    /* no length given at all: the ShareGPT-like pair (the lengths vllm bench
     * serve --dataset-name sharegpt sends), printed with its source */
    if (!f.prompt_len && !f.output_len && !f.in.prompt.set && !f.in.gen.set) {
        w.prompt = tmem_serve_sharegpt(false);
        w.output = tmem_serve_sharegpt(true);
    }
    if (f.prompt_len && parse_dist("--prompt-len", f.prompt_len, &w.prompt) != 0)
        return 2;
    if (f.output_len && parse_dist("--output-len", f.output_len, &w.output) != 0)
        return 2;
    if (f.trace && (f.rate.set || f.concurrency.set || f.sweep || f.requests.set || f.prompt_len ||
                    f.output_len || f.burstiness.set || f.seed.set))
        return bad("--trace", "the trace gives arrivals and lengths: it contradicts --rate, --concurrency, "
                              "--sweep-rate, --requests, --prompt-len, --output-len, --burstiness, --seed");
    if (f.compare && (f.trace || f.rate.set || f.concurrency.set || f.sweep || f.requests.set ||
                      f.prompt_len || f.output_len || f.burstiness.set))
        return bad("--compare", "the measured run gives the workload: it contradicts --trace, --rate, "
                                "--concurrency, --sweep-rate, --requests, --prompt-len, --output-len, --burstiness");
    if (f.calibrate && !f.compare)
        return bad("--calibrate", "needs --compare RESULT.json: the measured run to fit");
    if (f.rate.set && f.concurrency.set)
        return bad("--concurrency", "contradicts --rate");
    if (f.concurrency.set && f.concurrency.v == 0)
        return bad("--concurrency", "must be at least 1");
    if (f.rate.set)
        w.rate_per_s = f.rate.v;
    else if (f.concurrency.set)
        w.concurrency = f.concurrency.v;
    else if (!f.sweep && !f.trace) /* vllm bench serve's default rate, inf: every request at t = 0 */
        w.concurrency = w.n_requests;

    struct tmem_model m;
    if (model_from_args(n_pos ? pos[0] : NULL, &f.in.mf, &m) != 0)
        return 2;
    if (m.encoder && serve_encoder_setup(&f, &io, &w) != 0)
        return 2;
    if (m.n_cross_layer > 0) {
        cli_error("model", "Llama 3.2 Vision (cross-attention layers): no engine tmem serve simulates runs "
                           "it: vLLM V1 does not (vllm-project/vllm#24907 removed the V0 encoder-decoder "
                           "runner that served MllamaForConditionalGeneration); sglang and trtllm are not "
                           "modeled for it",
                  "tmem infer MODEL --engine hf --images N gives its ledger (self KV, the image states' "
                  "cross-attention KV, the vision tower)");
        return 2;
    }
    struct tmem_inventory inv;
    struct tmem_error err = {0};
    if (tmem_inventory_build(&m, &inv, &err) != TMEM_OK)
        return report_error(&err);
    /* the serving format as tmem infer picks it: --weights, else what the
     * checkpoint stores, else the default */
    struct tmem_ckpt_weights stored = {0};
    if (tmem__infer_stored_weights(n_pos ? pos[0] : NULL, f.in.weights, &m, &stored, &io) != 0)
        return 2;
    struct tmem_infer_result *ir = tmem__alloc(sizeof *ir);
    if (ir == NULL) {
        tmem_ckpt_weights_free(&stored);
        return bad("serve", "out of memory");
    }
    int rc = 0;
    struct tmem__bench_run cmp = {0};
    if (tmem_infer_build(&m, &inv, &io, ir, &err) != TMEM_OK) {
        rc = report_error(&err);
    } else if (ir->kv_blocks == 0 && !m.encoder) {
        cli_error("serve", "the KV pool has no blocks: the weights leave no memory for KV on this GPU",
                  "'tmem infer' with the same options shows the ledger; more GPUs (--tp, --pp), "
                  "smaller --weights or a larger --gpu make room");
        rc = 2;
    } else {
        /* --trace also takes a result file of vllm bench serve / SGLang
         * (its requests and rate); anything else is a CSV / JSON Lines trace */
        bool bench = f.compare != NULL;
        if (f.trace) {
            struct tmem_error ignored = {0};
            bench = tmem__bench_result_load(f.trace, &cmp, &ignored) == TMEM_OK;
        }
        if (f.compare) {
            err = (struct tmem_error){0};
            if (tmem__bench_result_load(f.compare, &cmp, &err) != TMEM_OK) {
                rc = report_error(&err);
                goto done;
            }
        }
        if (bench) {
            w.n_requests = cmp.reqs ? cmp.n_reqs : cmp.completed;
            uint64_t n = w.n_requests;
            /* lengths: per request, else the means of the totals */
            double p = cmp.reqs ? 1 : nearbyint((double)cmp.total_input_tokens / (double)cmp.completed);
            double o = cmp.reqs ? 1 : nearbyint((double)cmp.total_output_tokens / (double)cmp.completed);
            w.prompt = (struct tmem_serve_dist){TMEM_SERVE_DIST_FIXED, p < 1 ? 1 : p, 0};
            w.output = (struct tmem_serve_dist){TMEM_SERVE_DIST_FIXED, o < 1 ? 1 : o, 0};
            w.rate_per_s = cmp.request_rate;
            w.burstiness_cv = 1.0 / sqrt(cmp.burstiness);
            w.concurrency = cmp.request_rate > 0 ? 0 : cmp.max_concurrency ? cmp.max_concurrency : n;
            if (w.concurrency > n)
                w.concurrency = n;
        }
        struct tmem_serve_opts so;
        tmem_serve_defaults(&io, ir, &so);
        so.concurrency = w.concurrency;
        if (io.images > 0) { /* vLLM's encoder budget and cache (tmem_vllm_mm_budget) */
            so.images = io.images;
            so.image_tokens = ir->image_tokens / io.images;
            so.encoder_budget_tokens = so.encoder_cache_tokens = ir->mm.encoder_budget_tokens;
        }
        if (m.encoder) /* an encoder's prompts run whole */
            so.chunked_prefill = false;
        if (f.prefix_hit.set)
            so.prefix_hit = f.prefix_hit.v;
        if (f.schedule) {
            int k = tmem__choice_index(tmem__choice_schedule, f.schedule);
            if (k < 0) {
                rc = bad("--schedule", "must be decode-first or prefill-first");
                goto done;
            }
            so.schedule = (enum tmem_serve_schedule)k;
        }
        if (ms("--slo-ttft-ms", &f.slo_ttft, &so.slo_ttft_s) != 0 ||
            ms("--slo-tpot-ms", &f.slo_tpot, &so.slo_tpot_s) != 0 ||
            ms("--step-overhead-ms", &f.overhead, &so.step_overhead_s) != 0)
            rc = 2;
        else
            rc = run_all(&f, &m, &io, ir, &w, &so, bench ? &cmp : NULL);
    }
done:
    tmem__dealloc(cmp.reqs);
    tmem__dealloc(ir);
    tmem_ckpt_weights_free(&stored);
    return rc;
}
