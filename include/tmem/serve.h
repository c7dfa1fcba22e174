/* serve.h — tmem serve: a continuous-batching simulator. A workload of
 * requests (arrival time, prompt and output tokens) runs through vLLM V1's
 * scheduler, one engine step at a time, on the KV pool tmem infer sizes;
 * each step's time is the infer roofline of that step's batch plus a named
 * per-step overhead. Per-request records give TTFT, TPOT, ITL and E2E
 * percentiles, throughput and goodput, and the run names its bottleneck.
 * Pure core: no I/O, no allocation (the caller passes the request array
 * and a work buffer), no globals; deterministic for a seed. */
#ifndef TMEM_SERVE_H
#define TMEM_SERVE_H

#include "tmem/infer.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TMEM_SERVE_MAX_REQUESTS (UINT64_C(1) << 22)
#define TMEM_SERVE_MAX_TOKENS (UINT64_C(1) << 24) /* prompt or output of one request */
/* prompt + output tokens of a whole run (a run's steps grow with them: a
 * bound on its time), and of all the runs of a sweep */
#define TMEM_SERVE_MAX_RUN_TOKENS (UINT64_C(1) << 28)
#define TMEM_SERVE_MAX_SWEEP_TOKENS (UINT64_C(1) << 30)

/* A length distribution: --prompt-len / --output-len. */
enum tmem_serve_dist_kind {
    TMEM_SERVE_DIST_FIXED = 0, /* a */
    TMEM_SERVE_DIST_UNIFORM,   /* integers in [a, b] */
    TMEM_SERVE_DIST_NORMAL,    /* round(N(a, b²)), at least 1 */
    TMEM_SERVE_DIST_LOGNORMAL, /* round(exp(N(a, b²))), at least 1 */
    TMEM_SERVE_DIST_SHAREGPT,  /* ShareGPT-like (tmem_serve_sharegpt): 4 + floor(a · Exp(1)),
                                * a pair outside vllm bench serve's filter drawn again */
    TMEM_SERVE_DIST_COUNT
};
/* "fixed", "uniform", "normal", "lognormal", "sharegpt" ("unknown" out of range). */
const char *tmem_serve_dist_name(enum tmem_serve_dist_kind k);

struct tmem_serve_dist {
    enum tmem_serve_dist_kind kind;
    double a, b;
};

/* ShareGPT as vllm bench serve samples it (--dataset-name sharegpt on
 * ShareGPT_V3_unfiltered_cleaned_split.json: the first human turn is the
 * prompt, the gpt reply the output; a pair with a prompt or output under 4
 * tokens, a prompt over 1024 or prompt + output over 2048 is dropped).
 * The published figures are means only (tmem_serve_sharegpt_source): the
 * prompt's TMEM_SERVE_SHAREGPT_PROMPT_MEAN, the output's
 * TMEM_SERVE_SHAREGPT_OUTPUT_MEAN tokens. Given a mean and nothing else,
 * the least-assuming (maximum-entropy) law on the integers from 4 is the
 * geometric, and for the pair, means given and the filter's region, the
 * product of two geometrics restricted to that region: what drawing each
 * length as 4 + floor(θ · Exp(1)) and drawing a pair outside the filter
 * again gives. θ solves "mean after the filter = the published mean"
 * (serve_workload.c shows the sums); the medians it implies (155 and 143
 * tokens) are not published figures. */
#define TMEM_SERVE_SHAREGPT_MIN_TOKENS 4
#define TMEM_SERVE_SHAREGPT_MAX_PROMPT 1024
#define TMEM_SERVE_SHAREGPT_MAX_TOTAL 2048
#define TMEM_SERVE_SHAREGPT_PROMPT_MEAN 215.196 /* 215,196 input tokens / 1,000 requests */
#define TMEM_SERVE_SHAREGPT_OUTPUT_MEAN 204.643 /* 61,393 output tokens / 300 requests */
/* The prompt's (output false) or the output's distribution. */
struct tmem_serve_dist tmem_serve_sharegpt(bool output);
/* Where the means come from: the data set, then each mean's source, "; " between. */
const char *tmem_serve_sharegpt_source(void);

struct tmem_serve_workload {
    double rate_per_s;         /* open loop: mean arrivals per second (0: closed loop) */
    double burstiness_cv;      /* --burstiness: the coefficient of variation (SD / mean)
                                * of the gaps, gamma of shape 1/CV² (1: Poisson); vllm
                                * bench serve's --burstiness B is that shape, CV = 1/√B */
    uint64_t concurrency;      /* closed loop: requests in flight (0: open loop) */
    uint64_t n_requests;
    struct tmem_serve_dist prompt, output;
    uint64_t seed;
};

/* One request: the workload fills the inputs, the run the outputs. */
struct tmem_serve_request {
    double arrival_s;                 /* open loop: the workload; closed loop: the run */
    uint32_t prompt_tokens, output_tokens;
    double first_scheduled_s, first_token_s, finish_s;
    uint32_t preemptions;
    /* the run's state */
    uint32_t computed_tokens, generated_tokens, blocks, scheduled_tokens; /* blocks: its own,
                                                                           * not a shared prefix */
    double last_token_s;
    uint32_t images_encoded, images_step; /* (appended) images whose encoder output exists;
                                           * those this step encodes */
};

/* The gamma shape of gaps with coefficient of variation cv: 1/cv². */
double tmem_serve_gamma_shape(double cv);

/* Fills reqs[n] (n = w->n_requests) with lengths and, for the open loop,
 * arrival times (the first at 0, then gamma gaps of mean 1/rate and
 * coefficient of variation w->burstiness_cv). Lengths
 * and gaps come from two streams of the seed, so the lengths do not depend
 * on the rate (a sweep runs the same requests at every rate). Errors name
 * the option (--rate, --requests, --prompt-len, ...). */
enum tmem_status tmem_serve_workload_fill(const struct tmem_serve_workload *w,
                                          struct tmem_serve_request *reqs, uint64_t n,
                                          struct tmem_error *err);

/* How a step mixes prefill and decode work. */
enum tmem_serve_schedule {
    TMEM_SERVE_SCHEDULE_DECODE_FIRST = 0, /* running requests first, new prompts fill the rest of
                                           * the budget in the same step (vLLM V1, TRT-LLM's
                                           * in-flight batching, llama-server) */
    TMEM_SERVE_SCHEDULE_PREFILL_FIRST,    /* a step with prompt work runs only that; decodes wait
                                           * for a step without (SGLang's default, no
                                           * --enable-mixed-chunk; vLLM V0) */
    TMEM_SERVE_SCHEDULE_COUNT
};
/* "decode-first", "prefill-first" ("unknown" out of range): --schedule's names. */
const char *tmem_serve_schedule_name(enum tmem_serve_schedule s);

struct tmem_serve_opts {
    uint64_t max_num_seqs;           /* running requests at most */
    uint64_t max_num_batched_tokens; /* tokens per step (the step's budget) */
    uint64_t block_size;             /* tokens per KV block */
    uint64_t kv_blocks;              /* the pool: tmem infer's kv_blocks */
    uint64_t kv_full_groups;         /* vLLM's hybrid allocator: full-attention groups (1) */
    uint64_t kv_window_groups;       /* and sliding-window groups (0), each a block a block */
    uint64_t window_tokens;          /* their window */
    uint64_t concurrency;            /* closed loop (0: open loop, arrivals given) */
    double step_overhead_s;          /* per step: CPU scheduling, launches, sampling */
    double slo_ttft_s, slo_tpot_s;   /* goodput's limits (0: none) */
    enum tmem_serve_schedule schedule;
    bool chunked_prefill;            /* a prompt may span steps; off: it needs the whole budget
                                      * at once (TRT-LLM's default, enable_chunked_prefill off) */
    bool reserve_output;             /* admit only with blocks for prompt + every output token
                                      * (TRT-LLM's GUARANTEED_NO_EVICT): never preempts */
    double prefix_hit;               /* --prefix-cache-hit: share of each prompt already in the
                                      * prefix cache (whole blocks): not computed, its blocks
                                      * shared (held once, not per request); 0: none */
    uint64_t kv_state_groups;        /* (appended) a hybrid's mamba groups: one block each per
                                      * request, whatever its length (vLLM MambaSpec); 0: none */
    /* (appended) images (vLLM V1's encoder scheduling, serve_mm.c): each
     * prompt starts with `images` images of image_tokens placeholder tokens
     * each, then its text; a step encodes an image when its prefill chunk
     * reaches the image's first token, within encoder_budget_tokens per step
     * and encoder_cache_tokens held (tmem_vllm_mm_budget); 0: none */
    uint64_t images, image_tokens;
    uint64_t encoder_budget_tokens, encoder_cache_tokens;
};

/* Defaults of an engine whose infer options are o and capacity r:
 * max_num_seqs, max_num_batched_tokens and block_size from o, kv_blocks and
 * the KV groups from r, the step overhead TMEM_SERVE_STEP_OVERHEAD_S, no SLO,
 * no prefix-cache hits, and the engine's scheduler (o->engine):
 *   vllm      decode-first, chunked prefill, preemption by recomputation
 *   sglang    prefill-first, chunked prefill (chunked_prefill_size), retraction
 *             of the newest on a full pool; its radix cache is --prefix-cache-hit
 *   trtllm    decode-first (in-flight batching), no chunked prefill, admission
 *             only with blocks for the whole output (never preempts)
 *   llamacpp  decode-first, prompts in --batch-size chunks, one slot by default
 *   hf        as vllm (serve refuses it: no scheduler) */
#define TMEM_SERVE_STEP_OVERHEAD_S 0.0
void tmem_serve_defaults(const struct tmem_infer_opts *o, const struct tmem_infer_result *r,
                         struct tmem_serve_opts *so);

/* What limits the run, named first by --explain (serve.c says the rule). */
enum tmem_serve_bottleneck {
    TMEM_SERVE_BOTTLENECK_KV_CAPACITY = 0, /* waiting on KV blocks, preemptions */
    TMEM_SERVE_BOTTLENECK_MAX_NUM_SEQS,    /* waiting on a running slot */
    TMEM_SERVE_BOTTLENECK_TOKEN_BUDGET,    /* waiting on the step's token budget */
    TMEM_SERVE_BOTTLENECK_COMPUTE,         /* compute-bound steps (prefill) */
    TMEM_SERVE_BOTTLENECK_MEMORY,          /* memory-bandwidth-bound steps (decode) */
    TMEM_SERVE_BOTTLENECK_INTERCONNECT,    /* TP all-reduces */
    TMEM_SERVE_BOTTLENECK_OVERHEAD,        /* the per-step overhead */
    TMEM_SERVE_BOTTLENECK_COUNT
};
/* A short name ("KV capacity") and the knob that moves it. */
const char *tmem_serve_bottleneck_name(enum tmem_serve_bottleneck b);
const char *tmem_serve_bottleneck_knob(enum tmem_serve_bottleneck b);

struct tmem_serve_stat {
    double mean, p50, p90, p99; /* seconds (tokens for lengths); percentiles as numpy's (linear) */
};

/* Why the head of the waiting queue stayed there during a step. */
enum tmem_serve_block {
    TMEM_SERVE_BLOCK_KV = 0,
    TMEM_SERVE_BLOCK_SEQS,
    TMEM_SERVE_BLOCK_BUDGET,
    TMEM_SERVE_BLOCK_COUNT
};

/* Step time by what bounded it: the roofline's bounds, then the overhead. */
#define TMEM_SERVE_TIME_OVERHEAD TMEM_STEP_BOUND_COUNT
#define TMEM_SERVE_TIME_COUNT (TMEM_STEP_BOUND_COUNT + 1)

#define TMEM_SERVE_ITL_BINS 4096 /* ITL histogram: bins 0.5 % wide from 1 µs */

/* The run over time: the waiting queue, the running batch and the KV pool
 * in use, each averaged over equal intervals from the first arrival. The
 * intervals start at 1 ms; when the run outgrows them, neighbours merge
 * pairwise and the interval doubles, so a run of any length ends with
 * between TMEM_SERVE_SERIES_POINTS / 2 and TMEM_SERVE_SERIES_POINTS of them
 * (fewer when it is shorter than the first). */
#define TMEM_SERVE_SERIES_POINTS 128
struct tmem_serve_series {
    double interval_s;
    uint32_t n;                               /* intervals used */
    double waiting[TMEM_SERVE_SERIES_POINTS]; /* time-averaged requests waiting */
    double running[TMEM_SERVE_SERIES_POINTS]; /* time-averaged running batch */
    double kv_blocks[TMEM_SERVE_SERIES_POINTS]; /* time-averaged KV blocks in use */
    uint32_t peak_waiting, peak_running, peak_kv; /* the interval where each average peaks */
};

struct tmem_serve_result {
    uint64_t n_requests, steps;
    uint64_t input_tokens, output_tokens;
    struct tmem_serve_stat prompt_len, output_len; /* the requests' lengths, in tokens */
    double duration_s;                  /* first arrival (0) to the last finish */
    struct tmem_serve_stat ttft, tpot, itl, e2e, wait;
    double req_per_s, output_tok_per_s, total_tok_per_s;
    uint64_t good_requests;             /* within both SLOs */
    double goodput_req_per_s;
    uint64_t preemptions, peak_running, peak_waiting, peak_kv_blocks, kv_blocks;
    double mean_running, mean_waiting, mean_in_system, mean_kv_blocks; /* time averages */
    double busy_s, idle_s;
    double time_s[TMEM_SERVE_TIME_COUNT];  /* busy time by bound */
    double prefill_compute_s;              /* compute-bound steps that ran prefill tokens */
    double blocked_s[TMEM_SERVE_BLOCK_COUNT];
    enum tmem_serve_bottleneck bottleneck;
    struct tmem_serve_series series;
    uint64_t encoder_runs;              /* (appended) images encoded (recomputed ones again) */
    double vision_s;                    /* busy time the vision encoder took, inside busy_s */
};

/* With images (so->images > 0): adds so->images × so->image_tokens to
 * every prompt of reqs[n] (a workload's lengths are its text), once per
 * fill. Errors: a prompt past TMEM_SERVE_MAX_TOKENS. */
enum tmem_status tmem_serve_add_images(const struct tmem_serve_opts *so, struct tmem_serve_request *reqs,
                                       uint64_t n, struct tmem_error *err);

/* Bytes of the work buffer a run of n requests needs (8-byte aligned). */
uint64_t tmem_serve_work_bytes(uint64_t n, uint64_t max_num_seqs);

/* Runs reqs[n] through the scheduler with step model rf; fills the
 * requests' outputs and *r. work holds tmem_serve_work_bytes(n, ...)
 * bytes. Errors: a request longer than the KV pool (it could never run),
 * options out of range. */
enum tmem_status tmem_serve_run(const struct tmem_roofline *rf, const struct tmem_serve_opts *so,
                                struct tmem_serve_request *reqs, uint64_t n, void *work,
                                uint64_t work_bytes, struct tmem_serve_result *r,
                                struct tmem_error *err);

/* A run meets the SLOs when its p99 TTFT and p99 TPOT are within them (a
 * limit of 0 is none): the test --sweep-rate's knee applies to each rate. */
bool tmem_serve_meets_slo(const struct tmem_serve_result *r, const struct tmem_serve_opts *so);

/* ------------------------------------------- measured runs: compare, calibrate */

/* The figures a serving benchmark reports and tmem predicts, in the units
 * the benchmark prints them: milliseconds, requests or tokens per second. */
enum tmem_serve_metric {
    TMEM_SERVE_METRIC_TTFT_MEAN = 0, TMEM_SERVE_METRIC_TTFT_P50, TMEM_SERVE_METRIC_TTFT_P99,
    TMEM_SERVE_METRIC_TPOT_MEAN, TMEM_SERVE_METRIC_TPOT_P50, TMEM_SERVE_METRIC_TPOT_P99,
    TMEM_SERVE_METRIC_ITL_MEAN, TMEM_SERVE_METRIC_ITL_P50, TMEM_SERVE_METRIC_ITL_P99,
    TMEM_SERVE_METRIC_E2E_MEAN, TMEM_SERVE_METRIC_E2E_P50, TMEM_SERVE_METRIC_E2E_P99,
    TMEM_SERVE_METRIC_REQ_PER_S, TMEM_SERVE_METRIC_OUTPUT_TOK_PER_S,
    TMEM_SERVE_METRIC_TOTAL_TOK_PER_S,
    TMEM_SERVE_METRIC_COUNT
};
/* "ttft_ms.mean", ..., "throughput.req_per_s", ... ("unknown" out of range):
 * the JSON paths of tmem serve's own keys. */
const char *tmem_serve_metric_name(enum tmem_serve_metric m);
/* The metric of a run, in the benchmark's unit. */
double tmem_serve_metric_of(const struct tmem_serve_result *r, enum tmem_serve_metric m);

/* A measured run: each metric, NaN where the file has none. */
struct tmem_serve_measured {
    double v[TMEM_SERVE_METRIC_COUNT];
};

/* What --calibrate found: the roofline's two efficiencies and the per-step
 * overhead minimising Σ ln²(predicted / measured) over the metrics the
 * measurement has, the root mean square of those logs (0.05: about 5 %
 * off on average) before and after, and the fitted run. */
struct tmem_serve_fit {
    double mfu, mbu, step_overhead_s;
    double rms_log_error_before, rms_log_error;
    uint32_t n_metrics, evaluations;
    struct tmem_serve_result r;
};

/* Fits mfu in [0.05, 1], mbu in [0.05, 1] and the step overhead in
 * [0, 20 ms] to m by Nelder–Mead (serve_fit.c; each trial one simulation of
 * reqs[n]; starting from rf's efficiencies, mfu0 and mbu0, and so's
 * overhead). rf's FLOP and byte rates scale with the efficiencies; nothing
 * else changes. Errors: no metric to fit, the run's errors. */
enum tmem_status tmem_serve_calibrate(const struct tmem_roofline *rf, double mfu0, double mbu0,
                                      const struct tmem_serve_opts *so,
                                      struct tmem_serve_request *reqs, uint64_t n, void *work,
                                      uint64_t work_bytes, const struct tmem_serve_measured *m,
                                      struct tmem_serve_fit *fit, struct tmem_error *err);

/* ------------------------------------------- encoders: vLLM's pooling runner */

/* An encoder (embedding or classification model) under vLLM V1's pooling
 * runner (serve_pool.c says what vLLM does): no KV cache, no chunked
 * prefill, each request one forward whose output is its pooled row. Its
 * ledger is tmem_infer_build with --engine vllm: weights, the forward of
 * the largest step (max_num_batched_tokens tokens), the pooled outputs of
 * max_num_seqs rows and non-torch memory. */

/* max_model_len: --max-model-len, else the model's max_position_embeddings. */
uint64_t tmem_serve_pool_max_model_len(const struct tmem_model *m, const struct tmem_infer_opts *o);
/* Values in one request's output: n_labels for --head cls:N, else d_model. */
uint64_t tmem_serve_pool_output_values(const struct tmem_model *m);

/* Runs reqs[n] through the pooling scheduler (FCFS: waiting requests join a
 * step while a slot of so->max_num_seqs and so->max_num_batched_tokens
 * last, each whole; the first that does not fit stops the queue), each
 * step costed by rf (tmem_infer_build's roofline of m under o) plus
 * so->step_overhead_s; every request finishes at the end of its step
 * (TTFT = E2E; TPOT, ITL, output tokens and KV blocks 0). Fills the
 * requests and *r. work holds tmem_serve_work_bytes(n, ...) bytes. Errors:
 * a prompt over max_model_len or the budget, options out of range. */
enum tmem_status tmem_serve_pool_run(const struct tmem_model *m, const struct tmem_infer_opts *o,
                                     const struct tmem_roofline *rf, const struct tmem_serve_opts *so,
                                     struct tmem_serve_request *reqs, uint64_t n, void *work,
                                     uint64_t work_bytes, struct tmem_serve_result *r,
                                     struct tmem_error *err);

#ifdef __cplusplus
}
#endif

#endif /* TMEM_SERVE_H */
