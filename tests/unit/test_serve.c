/* test_serve.c — tmem serve's simulator against closed forms and hand
 * figures: the Pollaczek–Khinchine M/D/1 mean wait with one sequence at a
 * time (service time written out here from the step formula), Little's law
 * for every run, the batched-decode roofline when every request arrives at
 * t = 0 (and its agreement with tmem infer's prefill and decode), vLLM's
 * preemption when the pool runs out, the workload's distributions against
 * their moments, determinism for a seed, and the errors. */
#include "harness.h"
#include "reader.h"
#include "tmem/infer.h"
#include "timing.h"
#include "tmem/serve.h"
#include "trace.h"

#include <math.h>

static struct tmem_infer_result IR; /* large: kept off the stack */

static void preset(const char *name, struct tmem_model *m, struct tmem_inventory *inv)
{
    struct tmem_model raw;
    struct tmem_error err = {0};
    if (tmem_model_load(name, NULL, &raw, &err) != TMEM_OK || tmem_model_resolve(&raw, m, &err) != TMEM_OK ||
        tmem_inventory_build(m, inv, &err) != TMEM_OK)
        fail_msg("%s: %s: %s", name, err.where, err.msg);
}

/* A preset, bf16, on H100 SXMs at tensor parallel tp, infer's defaults
 * (mfu 0.5, mbu 0.8) otherwise: its capacity and step model into IR. */
static void engine(const char *model, uint64_t tp, struct tmem_infer_opts *o, uint64_t batch,
                   uint64_t prompt, uint64_t gen)
{
    struct tmem_model m;
    struct tmem_inventory inv;
    preset(model, &m, &inv);
    tmem_infer_defaults(o);
    o->gpu = tmem_gpu_find("h100-sxm");
    o->tp = tp, o->batch = batch, o->prompt_tokens = prompt, o->gen_tokens = gen;
    struct tmem_error err = {0};
    if (tmem_infer_build(&m, &inv, o, &IR, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
}

/* Llama-3-8B on one H100 SXM */
static void llama3_8b_h100(struct tmem_infer_opts *o, uint64_t batch, uint64_t prompt, uint64_t gen)
{
    engine("llama-3-8b", 1, o, batch, prompt, gen);
}

struct run {
    struct tmem_serve_request *reqs;
    void *work;
    struct tmem_serve_result r;
};

static void run_workload(const struct tmem_roofline *rf, const struct tmem_serve_opts *so,
                         const struct tmem_serve_workload *w, struct run *out)
{
    struct tmem_error err = {0};
    out->reqs = calloc(w->n_requests, sizeof *out->reqs);
    uint64_t wb = tmem_serve_work_bytes(w->n_requests, so->max_num_seqs);
    out->work = malloc(wb);
    assert_non_null(out->reqs);
    assert_non_null(out->work);
    if (tmem_serve_workload_fill(w, out->reqs, w->n_requests, &err) != TMEM_OK ||
        tmem_serve_run(rf, so, out->reqs, w->n_requests, out->work, wb, &out->r, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
}

static void run_free(struct run *r)
{
    free(r->reqs);
    free(r->work);
}

/* Little's law over the whole run: the time-average number in the system
 * (integrated step by step, arrivals at their own times) equals
 * throughput × mean E2E. */
static void check_series(const struct tmem_serve_result *r);

static void check_little(const struct tmem_serve_result *r)
{
    double lambda_w = r->req_per_s * r->e2e.mean;
    assert_true(fabs(r->mean_in_system - lambda_w) <= 1e-9 * lambda_w);
    check_series(r);
}

static double rel(double a, double b)
{
    return fabs(a - b) / fabs(b);
}

/* The timeline against the run's own time averages: each interval's mean ×
 * its width (the last one partial) sums to the time average × the
 * duration, for the queue, the batch and the pool; the intervals are 1 ms
 * doubled until 128 of them cover the run, and more than 64 are used once
 * the run outlasts 128 ms. */
static void check_series(const struct tmem_serve_result *r)
{
    const struct tmem_serve_series *s = &r->series;
    double q = 0, b = 0, k = 0, d = r->duration_s;
    for (uint32_t i = 0; i < s->n; i++) {
        double w = fmin((i + 1) * s->interval_s, d) - i * s->interval_s;
        q += s->waiting[i] * w, b += s->running[i] * w, k += s->kv_blocks[i] * w;
    }
    assert_true(fabs(q - r->mean_waiting * d) <= 1e-9 * (1 + r->mean_waiting * d));
    assert_true(fabs(b - r->mean_running * d) <= 1e-9 * r->mean_running * d);
    assert_true(fabs(k - r->mean_kv_blocks * d) <= 1e-9 * r->mean_kv_blocks * d);
    double want = 1e-3;
    while (128 * want < d)
        want *= 2;
    assert_true(s->interval_s == want);
    assert_true(d <= 0.128 || s->n > 64);
    assert_true(s->waiting[s->peak_waiting] <= (double)r->peak_waiting);
    assert_true(s->running[s->peak_running] <= (double)r->peak_running);
}

/* One step's time by hand, the formula of timing.c's header written out
 * for one sequence of a dense model without sliding windows: a prefill
 * chunk of n tokens after p cached ones (n·p + n²/2 query–key pairs, p + n
 * KV tokens), or a decode token after p (p + 1 pairs and KV tokens). */
static double step_by_hand(const struct tmem_roofline *rf, double n, double p)
{
    bool decode = n == 1 && p > 0;
    double flops = rf->body_flops_per_token * n + rf->head_flops_per_row +
                   (decode ? rf->attn_flops_per_decode_pair * (p + 1)
                           : rf->attn_flops_per_pair * (n * p + n * n / 2));
    double bytes = rf->dense_weight_bytes + (p + n) * rf->kv_bytes_per_token;
    double tc = flops / rf->flops_per_s, tm = bytes / rf->bytes_per_s;
    return tc > tm ? tc : tm;
}

/* max_num_seqs 1, fixed lengths (prompt 128, output 32), Poisson arrivals:
 * an M/D/1 queue. Service S = the prefill step + 31 decode steps, each at
 * its own context; W = ρS / (2(1 − ρ)) at ρ = 0.3, over 10^5 requests, for
 * three seeds, within 2 % (the standard error of a 10^5-request mean is
 * about 1.1 % here; 1.6·10^6 requests land at −0.01 %). */
static void md1_mean_wait_is_pollaczek_khinchine(void **state)
{
    (void)state;
    struct tmem_infer_opts o;
    llama3_8b_h100(&o, 1, 128, 32);
    const struct tmem_roofline *rf = &IR.roofline;
    assert_true(rf->experts_used_share == 0 && rf->comm_s_per_token == 0 && rf->comm_alpha_s == 0 &&
                rf->window_kv_bytes_per_token == 0);
    double S = step_by_hand(rf, 128, 0);
    for (double k = 1; k <= 31; k++) /* decode k: 1 token after 128 + k − 1 */
        S += step_by_hand(rf, 1, 128 + k - 1);
    /* Llama-3-8B: ~6 ms per decode step (16 GB of weights at 2.68 TB/s) */
    assert_true(S > 31 * 16.06e9 / 2.68e12 && S < 0.2);
    struct tmem_serve_opts so;
    tmem_serve_defaults(&o, &IR, &so);
    so.max_num_seqs = 1;
    const double rho = 0.3, W = rho * S / (2 * (1 - rho));
    for (uint64_t seed = 1; seed <= 3; seed++) {
        struct tmem_serve_workload w = {
            .rate_per_s = rho / S, .burstiness_cv = 1, .n_requests = 100000, .seed = seed,
            .prompt = {TMEM_SERVE_DIST_FIXED, 128, 0}, .output = {TMEM_SERVE_DIST_FIXED, 32, 0}};
        struct run run;
        run_workload(rf, &so, &w, &run);
        /* every request's service is S exactly: E2E − wait */
        const struct tmem_serve_request *q = &run.reqs[777];
        assert_true(rel(q->finish_s - q->first_scheduled_s, S) < 1e-9);
        print_message("M/D/1 seed %d: W %.6f s, simulated %.6f s (%+.2f %%)\n", (int)seed, W,
                      run.r.wait.mean, 100 * (run.r.wait.mean / W - 1));
        assert_true(rel(run.r.wait.mean, W) < 0.02);
        assert_int_equal(run.r.peak_running, 1);
        assert_int_equal(run.r.preemptions, 0);
        check_little(&run.r);
        run_free(&run);
    }
}

/* 64 requests at t = 0 (closed loop, concurrency 64), prompt 64, output
 * 128, pool and budget room for all: one prefill step of 4096 tokens, then
 * 127 decode steps of 64 sequences, all memory-bound (64 < the ridge):
 *   decode k reads W + 64·(64 + k)·KV bytes, W = 8,030,261,248 × 2 B,
 *   KV = 2·32·8·128·2 = 131,072 B/token, at 3.35e12 × 0.8 B/s;
 *   prefill: 2·(N_mm − N_head)·4096 + 2·N_head·64 + 4·32·128·32·64·64²/2
 *   FLOPs at 989.4e12 × 0.5 (N_mm = 7,504,924,672, N_head = 525,336,576).
 * The mean decode context is 64 + 64 = s + g/2: the decode steps sum to
 * 127 × tmem infer's tpot at batch 64, the prefill step is infer's TTFT. */
static void all_at_zero_is_the_batched_decode_roofline(void **state)
{
    (void)state;
    struct tmem_infer_opts o;
    llama3_8b_h100(&o, 64, 64, 128);
    const double W = 8030261248.0 * 2, KV = 131072, B = 3.35e12 * 0.8, F = 989.4e12 * 0.5;
    const double n_mm = 7504924672.0, head = 525336576.0;
    double prefill_flops = 2 * (n_mm - head) * 4096 + 2 * head * 64 + 4.0 * 32 * 128 * 32 * 64 * 4096 / 2;
    double prefill = fmax(prefill_flops / F, (W + 4096 * KV) / B), decode = 0;
    for (double k = 1; k <= 127; k++)
        decode += (W + 64 * (64 + k) * KV) / B;
    double hand = 64.0 * 128 / (prefill + decode);
    struct tmem_serve_opts so;
    tmem_serve_defaults(&o, &IR, &so);
    so.concurrency = 64;
    struct tmem_serve_workload w = {.concurrency = 64, .burstiness_cv = 1, .n_requests = 64,
                                    .prompt = {TMEM_SERVE_DIST_FIXED, 64, 0},
                                    .output = {TMEM_SERVE_DIST_FIXED, 128, 0}};
    struct run run;
    run_workload(&IR.roofline, &so, &w, &run);
    print_message("all at t=0: %.1f tok/s by hand, %.1f simulated\n", hand, run.r.output_tok_per_s);
    assert_true(rel(run.r.output_tok_per_s, hand) < 1e-9);
    assert_int_equal(run.r.steps, 128);
    assert_int_equal(run.r.peak_running, 64);
    assert_true(rel(prefill + decode, IR.timing.ttft_s + 127 * IR.timing.tpot_s) < 1e-9);
    /* each request: TTFT = the prefill step, TPOT = the decode steps / 127 */
    assert_true(rel(run.r.ttft.p99, prefill) < 1e-9);
    assert_true(rel(run.r.tpot.mean, decode / 127) < 1e-9);
    assert_true(rel(run.r.itl.mean, decode / 127) < 1e-9);
    assert_int_equal(run.r.bottleneck, TMEM_SERVE_BOTTLENECK_MEMORY);
    check_little(&run.r);
    /* 64 run from t = 0 to the end and nothing waits: every interval's mean */
    for (uint32_t i = 0; i < run.r.series.n; i++)
        assert_true(rel(run.r.series.running[i], 64) < 1e-9 && run.r.series.waiting[i] == 0);
    run_free(&run);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* numpy.percentile's linear rule, written out: rank p/100·(n − 1) */
static double np_percentile(const double *sorted, size_t n, double p)
{
    double rank = p / 100 * (double)(n - 1);
    size_t lo = (size_t)rank, hi = lo + 1 < n ? lo + 1 : lo;
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - (double)lo);
}

/* Five requests 10 s apart, each alone on the engine: prompt 100, outputs
 * 2..6 tokens. Every latency by hand from the step formula: TTFT = the
 * prefill step, E2E = prefill + its decode steps (decode k after 100 + k − 1
 * tokens), TPOT = the decode steps / (output − 1), ITL = each decode step;
 * percentiles by numpy's rule over those values (ITL's from bins 0.5 % wide). */
static void percentiles_by_hand(void **state)
{
    (void)state;
    struct tmem_infer_opts o;
    llama3_8b_h100(&o, 1, 100, 6);
    const struct tmem_roofline *rf = &IR.roofline;
    struct tmem_serve_request q[5];
    double e2e[5], tpot[5], itl[20], prefill = step_by_hand(rf, 100, 0);
    size_t n_itl = 0;
    for (int i = 0; i < 5; i++) {
        q[i] = (struct tmem_serve_request){.arrival_s = 10.0 * i, .prompt_tokens = 100,
                                           .output_tokens = (uint32_t)(2 + i)};
        double d = 0;
        for (int k = 1; k <= 1 + i; k++) {
            itl[n_itl++] = step_by_hand(rf, 1, 100 + k - 1);
            d += itl[n_itl - 1];
        }
        e2e[i] = prefill + d;
        tpot[i] = d / (1 + i);
    }
    qsort(e2e, 5, sizeof e2e[0], cmp_double);
    qsort(tpot, 5, sizeof tpot[0], cmp_double);
    qsort(itl, n_itl, sizeof itl[0], cmp_double);
    struct tmem_serve_opts so;
    tmem_serve_defaults(&o, &IR, &so);
    uint64_t wb = tmem_serve_work_bytes(5, so.max_num_seqs);
    void *work = malloc(wb);
    struct tmem_serve_result *r = malloc(sizeof *r);
    assert_int_equal(tmem_serve_run(rf, &so, q, 5, work, wb, r, NULL), TMEM_OK);
    const double p[3] = {50, 90, 99};
    const double got_e2e[3] = {r->e2e.p50, r->e2e.p90, r->e2e.p99};
    const double got_tpot[3] = {r->tpot.p50, r->tpot.p90, r->tpot.p99};
    const double got_itl[3] = {r->itl.p50, r->itl.p90, r->itl.p99};
    for (int k = 0; k < 3; k++) {
        assert_true(rel(got_e2e[k], np_percentile(e2e, 5, p[k])) < 1e-9);
        assert_true(rel(got_tpot[k], np_percentile(tpot, 5, p[k])) < 1e-9);
        assert_true(rel(got_itl[k], np_percentile(itl, n_itl, p[k])) < 0.005);
    }
    assert_true(rel(r->ttft.p99, prefill) < 1e-9 && rel(r->ttft.p50, prefill) < 1e-9);
    assert_true(r->wait.p99 == 0);
    assert_true(rel(r->duration_s, 40 + e2e[4]) < 1e-12); /* the last (longest) request ends it */
    free(work);
    free(r);
}

/* Mistral-7B: all 32 layers slide over a window of 4096, 131,072 B of KV a
 * token. A chunk of 100 tokens after 5000 reads the union of its tokens'
 * windows, 4095 + 100 tokens; a decode token at 16,000 reads 4096; with
 * nothing cached a chunk writes its own 100. Weights: 7,241,732,096 × 2 B. */
static void a_step_reads_sliding_layers_for_the_window(void **state)
{
    (void)state;
    struct tmem_infer_opts o;
    engine("mistral-7b", 1, &o, 1, 512, 128);
    const struct tmem_roofline *rf = &IR.roofline;
    const double W = 7241732096.0 * 2, KV = 131072;
    assert_true(rf->window_tokens == 4096 && rf->window_kv_bytes_per_token == KV && rf->kv_bytes_per_token == 0);
    struct tmem_step_batch b = {0};
    struct tmem_step_time st;
    tmem__step_add_chunk(rf, &b, 5000, 100, 1);
    tmem__roofline_step(rf, &b, &st);
    assert_true(rel(st.bytes, W + (4095 + 100) * KV) < 1e-12);
    b = (struct tmem_step_batch){0};
    tmem__step_add_decode(rf, &b, 16000);
    tmem__roofline_step(rf, &b, &st);
    assert_true(rel(st.bytes, W + 4096 * KV) < 1e-12);
    b = (struct tmem_step_batch){0};
    tmem__step_add_chunk(rf, &b, 0, 100, 1);
    tmem__roofline_step(rf, &b, &st);
    assert_true(rel(st.bytes, W + 100 * KV) < 1e-12);
}

/* Mistral-7B's sliding window (4096) in vLLM's pool: two 6000-token
 * prompts at t = 0, a pool of 700 blocks, budget 8192. Step 1: the first
 * prompt whole (375 blocks), 2192 tokens of the second (137); step 2: the
 * first decodes and holds only its last window, ceil(4096 / 16) + 1 = 257,
 * while the second finishes its prompt (375): 632 blocks, no preemption,
 * where full-length blocks (375 + 375 = 750) would not fit. */
static void a_sliding_window_lets_blocks_go(void **state)
{
    (void)state;
    struct tmem_infer_opts o;
    engine("mistral-7b", 1, &o, 1, 512, 128);
    struct tmem_serve_opts so;
    tmem_serve_defaults(&o, &IR, &so);
    assert_true(so.kv_full_groups == 0 && so.kv_window_groups == 1 && so.window_tokens == 4096);
    so.kv_blocks = 700;
    struct tmem_serve_workload w = {.concurrency = 2, .burstiness_cv = 1, .n_requests = 2,
                                    .prompt = {TMEM_SERVE_DIST_FIXED, 6000, 0},
                                    .output = {TMEM_SERVE_DIST_FIXED, 50, 0}};
    so.concurrency = 2;
    struct run run;
    run_workload(&IR.roofline, &so, &w, &run);
    assert_int_equal(run.r.preemptions, 0);
    assert_int_equal(run.r.peak_kv_blocks, 632);
    check_little(&run.r);
    run_free(&run);
}

/* Llama-3-8B at tp 2 on H100 SXM: a step of 64 decode tokens pays 2 all-
 * reduces per layer, each 10 µs (the default --allreduce-us) plus
 * 64 × 4096 × 2 B × ring 2·(2−1)/2 over 450 GB/s NVLink:
 *   2·32·10e-6 + 2·32·64·4096·2·1/450e9 = 640 µs + 74.6 µs. */
static void tensor_parallel_steps_pay_the_all_reduces(void **state)
{
    (void)state;
    struct tmem_infer_opts o;
    engine("llama-3-8b", 2, &o, 1, 512, 128);
    struct tmem_step_batch b = {0};
    for (int i = 0; i < 64; i++)
        tmem__step_add_decode(&IR.roofline, &b, 1000);
    struct tmem_step_time st;
    tmem__roofline_step(&IR.roofline, &b, &st);
    double hand = 2 * 32 * 10e-6 + 2.0 * 32 * 64 * 4096 * 2 * 1 / 450e9;
    assert_true(rel(st.comm_s, hand) < 1e-12);
    assert_true(rel(st.t_s, fmax(st.compute_s, st.memory_s) + hand) < 1e-12);
}

/* A pool of 100 blocks (1600 tokens), 16 requests of 200 + 200 tokens each
 * at t = 0: at most 1600 / 399 → 4 fit at full length, so the scheduler
 * preempts the newest; every request still completes, the pool's peak is
 * at most its size, and KV capacity is named. */
static void a_small_pool_preempts_the_newest(void **state)
{
    (void)state;
    struct tmem_infer_opts o;
    llama3_8b_h100(&o, 1, 200, 200);
    struct tmem_serve_opts so;
    tmem_serve_defaults(&o, &IR, &so);
    so.kv_blocks = 100;
    struct tmem_serve_workload w = {.rate_per_s = 1000, .burstiness_cv = 1, .n_requests = 16, .seed = 7,
                                    .prompt = {TMEM_SERVE_DIST_FIXED, 200, 0},
                                    .output = {TMEM_SERVE_DIST_FIXED, 200, 0}};
    struct run run;
    run_workload(&IR.roofline, &so, &w, &run);
    assert_true(run.r.preemptions > 0);
    assert_true(run.r.peak_kv_blocks <= 100 && run.r.peak_kv_blocks > 90);
    assert_int_equal(run.r.bottleneck, TMEM_SERVE_BOTTLENECK_KV_CAPACITY);
    uint64_t preempted = 0;
    for (int i = 0; i < 16; i++) {
        assert_true(run.reqs[i].finish_s > run.reqs[i].first_token_s);
        assert_int_equal(run.reqs[i].generated_tokens, 200);
        preempted += run.reqs[i].preemptions;
    }
    assert_int_equal(preempted, run.r.preemptions);
    assert_true(run.reqs[0].preemptions == 0); /* the oldest is never the newest */
    check_little(&run.r);
    run_free(&run);
}

/* max_num_seqs 4 at a rate far above service: the queue waits on a running
 * slot, the cap is named; with a token budget of 64 and 512-token prompts
 * it waits on the budget. */
static void scheduler_caps_are_named(void **state)
{
    (void)state;
    struct tmem_infer_opts o;
    llama3_8b_h100(&o, 1, 512, 64);
    struct tmem_serve_opts so;
    tmem_serve_defaults(&o, &IR, &so);
    so.max_num_seqs = 4;
    struct tmem_serve_workload w = {.rate_per_s = 200, .burstiness_cv = 1, .n_requests = 400, .seed = 3,
                                    .prompt = {TMEM_SERVE_DIST_UNIFORM, 256, 768},
                                    .output = {TMEM_SERVE_DIST_LOGNORMAL, 4, 0.5}};
    struct run run;
    run_workload(&IR.roofline, &so, &w, &run);
    assert_int_equal(run.r.peak_running, 4);
    assert_int_equal(run.r.bottleneck, TMEM_SERVE_BOTTLENECK_MAX_NUM_SEQS);
    check_little(&run.r);
    run_free(&run);
    so.max_num_seqs = 256, so.max_num_batched_tokens = 64;
    run_workload(&IR.roofline, &so, &w, &run);
    assert_int_equal(run.r.bottleneck, TMEM_SERVE_BOTTLENECK_TOKEN_BUDGET);
    check_little(&run.r);
    /* chunked: a 512-token prompt takes ceil(512/64) = 8 steps at least */
    assert_true(run.r.ttft.p50 > 8 * IR.timing.tpot_s);
    run_free(&run);
}

/* Goodput counts the requests within both SLOs. */
static void goodput_counts_requests_within_the_slos(void **state)
{
    (void)state;
    struct tmem_infer_opts o;
    llama3_8b_h100(&o, 1, 512, 64);
    struct tmem_serve_opts so;
    tmem_serve_defaults(&o, &IR, &so);
    struct tmem_serve_workload w = {.rate_per_s = 20, .burstiness_cv = 0.5, .n_requests = 2000, .seed = 9,
                                    .prompt = {TMEM_SERVE_DIST_NORMAL, 512, 100},
                                    .output = {TMEM_SERVE_DIST_UNIFORM, 16, 128}};
    struct run run;
    run_workload(&IR.roofline, &so, &w, &run);
    assert_int_equal(run.r.good_requests, 2000);
    double ttft_p50 = run.r.ttft.p50;
    run_free(&run);
    so.slo_ttft_s = ttft_p50;
    run_workload(&IR.roofline, &so, &w, &run);
    uint64_t good = 0;
    for (int i = 0; i < 2000; i++)
        good += run.reqs[i].first_token_s - run.reqs[i].arrival_s <= ttft_p50;
    assert_int_equal(run.r.good_requests, good);
    assert_true(good >= 1000 && good < 1100);
    assert_true(rel(run.r.goodput_req_per_s, (double)good / run.r.duration_s) < 1e-12);
    check_little(&run.r);
    run_free(&run);
}

/* The workload's draws against their moments over 10^5 requests: Poisson
 * gaps of mean 1/rate (CV 1), gamma gaps of CV 2 (shape 0.25), uniform
 * integers on [A, B] (mean (A+B)/2), normal lengths (mean M). */
static void workload_moments(void **state)
{
    (void)state;
    const uint64_t n = 100000;
    struct tmem_serve_request *q = calloc(n, sizeof *q);
    assert_non_null(q);
    struct tmem_serve_workload w = {.rate_per_s = 4, .burstiness_cv = 1, .n_requests = n, .seed = 11,
                                    .prompt = {TMEM_SERVE_DIST_UNIFORM, 100, 300},
                                    .output = {TMEM_SERVE_DIST_NORMAL, 200, 20}};
    for (int pass = 0; pass < 2; pass++) {
        w.burstiness_cv = pass == 0 ? 1 : 2;
        assert_int_equal(tmem_serve_workload_fill(&w, q, n, NULL), TMEM_OK);
        assert_true(q[0].arrival_s == 0);
        double s = 0, s2 = 0, p = 0, out = 0;
        uint32_t lo = UINT32_MAX, hi = 0;
        for (uint64_t i = 1; i < n; i++) {
            double g = q[i].arrival_s - q[i - 1].arrival_s;
            s += g, s2 += g * g;
        }
        for (uint64_t i = 0; i < n; i++) {
            p += q[i].prompt_tokens, out += q[i].output_tokens;
            lo = q[i].prompt_tokens < lo ? q[i].prompt_tokens : lo;
            hi = q[i].prompt_tokens > hi ? q[i].prompt_tokens : hi;
        }
        double mean = s / (double)(n - 1), cv = sqrt(s2 / (double)(n - 1) - mean * mean) / mean;
        assert_true(rel(mean, 0.25) < 0.02);
        assert_true(rel(cv, pass == 0 ? 1.0 : 2.0) < 0.03);
        assert_int_equal(lo, 100);
        assert_int_equal(hi, 300);
        assert_true(rel(p / (double)n, 200) < 0.005);
        assert_true(rel(out / (double)n, 200) < 0.005);
    }
    /* the same seed gives the same workload; another seed another */
    struct tmem_serve_request *q2 = calloc(n, sizeof *q2);
    assert_non_null(q2);
    assert_int_equal(tmem_serve_workload_fill(&w, q2, n, NULL), TMEM_OK);
    assert_memory_equal(q, q2, n * sizeof *q);
    w.seed = 12;
    assert_int_equal(tmem_serve_workload_fill(&w, q2, n, NULL), TMEM_OK);
    assert_true(q2[5].arrival_s != q[5].arrival_s);
    /* another rate, the same seed: the same lengths (two streams), other arrivals */
    w.seed = 11, w.rate_per_s = 9;
    assert_int_equal(tmem_serve_workload_fill(&w, q2, n, NULL), TMEM_OK);
    for (uint64_t i = 0; i < n; i++)
        if (q2[i].prompt_tokens != q[i].prompt_tokens || q2[i].output_tokens != q[i].output_tokens)
            fail_msg("request %llu: lengths changed with the rate", (unsigned long long)i);
    assert_true(q2[5].arrival_s != q[5].arrival_s);
    free(q);
    free(q2);
}

/* --prompt-len / --output-len sharegpt against the published figures. The
 * published means of ShareGPT_V3_unfiltered_cleaned_split as vllm bench
 * serve samples it (first human turn, gpt reply; prompt or output < 4,
 * prompt > 1024, prompt + output > 2048 dropped):
 *   prompt 215,196 tokens / 1,000 requests = 215.196 (vllm-project/vllm
 *     PR #15720 and PR #17004: benchmark_serving.py --dataset-name sharegpt,
 *     seed 0, Llama-3.1-8B-Instruct, "Total input tokens: 215196"),
 *   output 61,393 tokens / 300 requests = 204.643 (sgl-project/sglang issue
 *     #1268: sglang.bench_serving --dataset-name sharegpt, EOS ignored,
 *     "total_output_tokens": 61393).
 * No median or SD is published. The model (serve.h): independent
 * 4 + geometric lengths restricted to the filter's region; its means and
 * the prompt's median are summed here from the geometric's law with the
 * core's θ (q = e^(−1/θ)):
 *   w(p, o) = q_p^(p−4) q_o^(o−4) on 4 <= p <= 1024, 4 <= o <= 2048 − p,
 * which must give the published means (the fit), and 10^5 draws must give
 * them too: each sample mean within 1 % (the SD of either length is about
 * 200 tokens, so a mean of 10^5 has an SE of about 0.63 tokens, 0.3 %), the
 * sample median within 3 tokens of the summed one (155: SE about 0.6). */
static void sharegpt_lengths_match_the_published_means(void **state)
{
    (void)state;
    const double published_prompt = 215196.0 / 1000, published_output = 61393.0 / 300;
    struct tmem_serve_dist dp = tmem_serve_sharegpt(false), dq = tmem_serve_sharegpt(true);
    assert_int_equal(dp.kind, TMEM_SERVE_DIST_SHAREGPT);
    assert_int_equal(dq.kind, TMEM_SERVE_DIST_SHAREGPT);
    /* the law summed: Z, E[p], E[o], and the prompt's marginal for its median */
    double qp = exp(-1 / dp.a), qo = exp(-1 / dq.a), z = 0, ep = 0, eo = 0;
    static double marg[1025];
    for (int p = 4; p <= 1024; p++) {
        marg[p] = 0;
        for (int o = 4; o <= 2048 - p; o++) {
            double x = pow(qp, p - 4) * pow(qo, o - 4);
            z += x, ep += x * p, eo += x * o, marg[p] += x;
        }
    }
    ep /= z, eo /= z;
    double c = 0;
    int median = 0;
    for (int p = 4; p <= 1024 && median == 0; p++)
        if ((c += marg[p] / z) >= 0.5)
            median = p;
    print_message("sharegpt: the law's means %.3f, %.3f (published %.3f, %.3f), prompt median %d\n", ep, eo,
                  published_prompt, published_output, median);
    assert_true(fabs(ep - published_prompt) < 0.01);
    assert_true(fabs(eo - published_output) < 0.01);
    assert_true(fabs(TMEM_SERVE_SHAREGPT_PROMPT_MEAN - published_prompt) < 1e-9);
    assert_true(fabs(TMEM_SERVE_SHAREGPT_OUTPUT_MEAN - published_output) < 5e-4);

    const uint64_t n = 100000;
    struct tmem_serve_request *q = calloc(n, sizeof *q), *q2 = calloc(n, sizeof *q2);
    double *v = calloc(n, sizeof *v);
    assert_true(q != NULL && q2 != NULL && v != NULL);
    struct tmem_serve_workload w = {.burstiness_cv = 1, .concurrency = n, .n_requests = n, .seed = 3,
                                    .prompt = dp, .output = dq};
    assert_int_equal(tmem_serve_workload_fill(&w, q, n, NULL), TMEM_OK);
    double sp = 0, so = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint32_t p = q[i].prompt_tokens, o = q[i].output_tokens;
        if (p < 4 || p > 1024 || o < 4 || p + o > 2048)
            fail_msg("request %llu: prompt %u, output %u outside the filter", (unsigned long long)i, p, o);
        sp += p, so += o;
        v[i] = p;
    }
    uint64_t below = 0, at_or_below = 0;
    for (uint64_t i = 0; i < n; i++) {
        below += v[i] < median;
        at_or_below += v[i] <= median;
    }
    print_message("sharegpt: 10^5 draws, means %.2f, %.2f; %.4f of prompts below %d, %.4f at or below\n",
                  sp / (double)n, so / (double)n, (double)below / (double)n, median,
                  (double)at_or_below / (double)n);
    assert_true(rel(sp / (double)n, published_prompt) < 0.01);
    assert_true(rel(so / (double)n, published_output) < 0.01);
    /* the sample median within 3 tokens of the law's: fewer than half the
     * draws at or below median − 3, more than half at or below median + 3 */
    uint64_t lo = 0, hi = 0;
    for (uint64_t i = 0; i < n; i++) {
        lo += v[i] <= median - 3;
        hi += v[i] <= median + 3;
    }
    assert_true(lo < n / 2 && hi > n / 2);
    /* deterministic for a seed, another seed other lengths */
    assert_int_equal(tmem_serve_workload_fill(&w, q2, n, NULL), TMEM_OK);
    assert_memory_equal(q, q2, n * sizeof *q);
    w.seed = 4;
    assert_int_equal(tmem_serve_workload_fill(&w, q2, n, NULL), TMEM_OK);
    uint64_t same = 0;
    for (uint64_t i = 0; i < n; i++)
        same += q[i].prompt_tokens == q2[i].prompt_tokens;
    assert_true(same < n / 10);
    /* one side sharegpt: its own bound only; a fixed 1500 prompt beside a
     * sharegpt output is not dropped (the pair bound needs both) */
    w.prompt = (struct tmem_serve_dist){TMEM_SERVE_DIST_FIXED, 1500, 0};
    assert_int_equal(tmem_serve_workload_fill(&w, q2, n, NULL), TMEM_OK);
    assert_int_equal(q2[0].prompt_tokens, 1500);
    free(q);
    free(q2);
    free(v);
}

/* --burstiness is the gaps' coefficient of variation (CONTRACT, issue 12):
 * gamma gaps of shape k = 1/CV² and scale 1/(rate·k) have mean 1/rate and
 * SD √k/(rate·k) = CV/rate. Over 10^5 arrivals the sample CV (SD / mean of
 * the 99,999 gaps) is within 2 % of the CV asked for, at CV 0.5 (shape 4),
 * 1 (Poisson), 2 (shape 1/4) and 3 (shape 1/9), and the mean gap within
 * 2 % of 1/rate; the shape printed is 1/CV². */
static void burstiness_is_the_gaps_cv(void **state)
{
    (void)state;
    const uint64_t n = 100000;
    struct tmem_serve_request *q = calloc(n, sizeof *q);
    assert_non_null(q);
    const double cvs[] = {0.5, 1, 2, 3};
    for (size_t c = 0; c < sizeof cvs / sizeof cvs[0]; c++) {
        struct tmem_serve_workload w = {.rate_per_s = 8, .burstiness_cv = cvs[c], .n_requests = n,
                                        .seed = 21, .prompt = {TMEM_SERVE_DIST_FIXED, 10, 0},
                                        .output = {TMEM_SERVE_DIST_FIXED, 10, 0}};
        assert_int_equal(tmem_serve_workload_fill(&w, q, n, NULL), TMEM_OK);
        double s = 0, s2 = 0;
        for (uint64_t i = 1; i < n; i++) {
            double g = q[i].arrival_s - q[i - 1].arrival_s;
            s += g, s2 += g * g;
        }
        double m = (double)(n - 1), mean = s / m;
        double sd = sqrt((s2 - s * s / m) / (m - 1));
        print_message("--burstiness %g: mean gap %.5f s (1/rate 0.125), CV %.4f\n", cvs[c], mean,
                      sd / mean);
        assert_true(rel(mean, 1.0 / 8) < 0.02);
        assert_true(rel(sd / mean, cvs[c]) < 0.02);
        assert_true(rel(tmem_serve_gamma_shape(cvs[c]), 1 / (cvs[c] * cvs[c])) < 1e-15);
    }
    struct tmem_error err = {0};
    struct tmem_serve_workload w = {.rate_per_s = 8, .burstiness_cv = 0.05, .n_requests = 2,
                                    .prompt = {TMEM_SERVE_DIST_FIXED, 10, 0},
                                    .output = {TMEM_SERVE_DIST_FIXED, 10, 0}};
    assert_int_equal(tmem_serve_workload_fill(&w, q, 2, &err), TMEM_ERR_LIMIT);
    assert_string_equal(err.where, "--burstiness");
    free(q);
}

static void errors_name_the_option(void **state)
{
    (void)state;
    struct tmem_infer_opts o;
    llama3_8b_h100(&o, 1, 512, 64);
    struct tmem_serve_opts so;
    tmem_serve_defaults(&o, &IR, &so);
    struct tmem_error err = {0};
    struct tmem_serve_request q[2];
    struct tmem_serve_workload w = {.rate_per_s = 0, .burstiness_cv = 1, .n_requests = 2,
                                    .prompt = {TMEM_SERVE_DIST_FIXED, 10, 0},
                                    .output = {TMEM_SERVE_DIST_FIXED, 10, 0}};
    assert_int_equal(tmem_serve_workload_fill(&w, q, 2, &err), TMEM_ERR_LIMIT);
    assert_string_equal(err.where, "--rate");
    w.rate_per_s = 1, w.prompt = (struct tmem_serve_dist){TMEM_SERVE_DIST_UNIFORM, 9, 3};
    assert_int_equal(tmem_serve_workload_fill(&w, q, 2, &err), TMEM_ERR_LIMIT);
    assert_string_equal(err.where, "--prompt-len");
    w.prompt = (struct tmem_serve_dist){TMEM_SERVE_DIST_FIXED, 1000, 0};
    assert_int_equal(tmem_serve_workload_fill(&w, q, 2, &err), TMEM_OK);
    /* 1000 + 1000 − 1 tokens need 125 blocks of 16; a pool of 124 never runs it */
    so.kv_blocks = 124;
    w.output = w.prompt;
    assert_int_equal(tmem_serve_workload_fill(&w, q, 2, &err), TMEM_OK);
    uint64_t wb = tmem_serve_work_bytes(2, so.max_num_seqs);
    void *work = malloc(wb);
    struct tmem_serve_result *r = malloc(sizeof *r);
    assert_int_equal(tmem_serve_run(&IR.roofline, &so, q, 2, work, wb, r, &err), TMEM_ERR_LIMIT);
    assert_string_equal(err.where, "request 1");
    so.kv_blocks = 125;
    assert_int_equal(tmem_serve_run(&IR.roofline, &so, q, 2, work, wb, r, &err), TMEM_OK);
    assert_int_equal(tmem_serve_run(&IR.roofline, &so, q, 2, work, wb - 1, r, &err), TMEM_ERR_INVALID_ARG);
    free(work);
    /* a run's tokens are bounded: 20 × (2^23 + 2^23) = 20 × 2^24 > 2^28 */
    struct tmem_serve_request big[20];
    w.n_requests = 20;
    w.prompt = w.output = (struct tmem_serve_dist){TMEM_SERVE_DIST_FIXED, 8388608, 0};
    assert_int_equal(tmem_serve_workload_fill(&w, big, 20, &err), TMEM_OK);
    so.kv_blocks = UINT64_C(1) << 24;
    wb = tmem_serve_work_bytes(20, so.max_num_seqs);
    work = malloc(wb);
    assert_int_equal(tmem_serve_run(&IR.roofline, &so, big, 20, work, wb, r, &err), TMEM_ERR_LIMIT);
    assert_non_null(strstr(err.msg, "2^28"));
    free(work);
    free(r);
}

/* A trace: CSV with a header, comments and blank lines, JSON Lines with
 * either key spelling; each bad line named by its number. The requests
 * then run as given: the second arrives at 0.25 s. */
static void traces_parse_and_name_their_bad_lines(void **state)
{
    (void)state;
    struct tmem_serve_request q[8];
    uint64_t n = 0;
    struct tmem_error err = {0};
    const char *csv = "arrival,prompt,output\n0, 512 ,128\r\n# note\n\n0.25,100,20";
    assert_int_equal(tmem__trace_lines(csv, strlen(csv)), 5);
    assert_int_equal(tmem__trace_parse(csv, strlen(csv), "t.csv", q, 8, &n, &err), TMEM_OK);
    assert_int_equal(n, 2);
    assert_true(q[1].arrival_s == 0.25);
    assert_int_equal(q[0].prompt_tokens, 512);
    assert_int_equal(q[1].output_tokens, 20);
    const char *jl = "{\"arrival_s\": 0, \"prompt_tokens\": 7, \"output_tokens\": 3}\n"
                     "{\"timestamp\": 1.5, \"input_len\": 9, \"output_len\": 4}\n";
    assert_int_equal(tmem__trace_parse(jl, strlen(jl), "t.jsonl", q, 8, &n, &err), TMEM_OK);
    assert_int_equal(n, 2);
    assert_true(q[1].arrival_s == 1.5 && q[1].prompt_tokens == 9 && q[1].output_tokens == 4);
    static const struct {
        const char *text, *where, *msg;
    } bad[] = {
        {"0,1,2\n0.5,x,3\n", "t:line 2", "expected ARRIVAL_S"},
        {"1,1,2\n0.5,3,3\n", "t:line 2", "arrives before"},
        {"0,0,2\n", "t:line 1", "whole numbers in [1, 2^24]"},
        {"0,1.5,2\n", "t:line 1", "whole numbers"},
        {"-1,1,2\n", "t:line 1", "at least 0"},
        {"0,1,2,3\n", "t:line 1", "expected ARRIVAL_S"},
        {"{\"arrival_s\": 0, \"prompt_tokens\": 7}\n", "t:line 1", "output_tokens"},
        {"{\"arrival_s\": 0,\n", "t:line 1", "not a JSON object"},
        {"# nothing\n", "t", "no requests"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_not_equal(tmem__trace_parse(bad[i].text, strlen(bad[i].text), "t", q, 8, &n, &err), TMEM_OK);
        assert_string_equal(err.where, bad[i].where);
        if (strstr(err.msg, bad[i].msg) == NULL)
            fail_msg("%s: '%s' lacks '%s'", bad[i].text, err.msg, bad[i].msg);
    }
    const char *three = "0,1,2\n0,1,2\n0,1,2\n";
    assert_int_equal(tmem__trace_parse(three, strlen(three), "t", q, 2, &n, &err), TMEM_ERR_LIMIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(md1_mean_wait_is_pollaczek_khinchine),
        cmocka_unit_test(all_at_zero_is_the_batched_decode_roofline),
        cmocka_unit_test(percentiles_by_hand),
        cmocka_unit_test(a_step_reads_sliding_layers_for_the_window),
        cmocka_unit_test(tensor_parallel_steps_pay_the_all_reduces),
        cmocka_unit_test(a_sliding_window_lets_blocks_go),
        cmocka_unit_test(a_small_pool_preempts_the_newest),
        cmocka_unit_test(scheduler_caps_are_named),
        cmocka_unit_test(goodput_counts_requests_within_the_slos),
        cmocka_unit_test(workload_moments),
        cmocka_unit_test(sharegpt_lengths_match_the_published_means),
        cmocka_unit_test(burstiness_is_the_gaps_cv),
        cmocka_unit_test(errors_name_the_option),
        cmocka_unit_test(traces_parse_and_name_their_bad_lines),
    };
    return cmocka_run_group_tests_name("serve: queueing, roofline, scheduler", tests, NULL, NULL);
}
