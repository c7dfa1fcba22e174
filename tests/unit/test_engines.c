/* test_engines.c — the engines tmem serve simulates besides vLLM, by hand:
 * SGLang's and TensorRT-LLM's KV pools (their memory fractions written out
 * here), TensorRT-LLM's GUARANTEED_NO_EVICT admission (never preempts where
 * vLLM does) and its unchunked prompts, SGLang's prefill-first steps, and
 * the prefix cache (prefill tokens saved, blocks shared). Each figure is the
 * step formula (test_serve.c checks it against the roofline by hand) applied
 * to the batches the engine's rules form, written out below. */
#include "harness.h"
#include "timing.h"
#include "tmem/infer.h"
#include "tmem/serve.h"

#include <math.h>

static struct tmem_infer_result IR; /* large: off the stack */

/* Llama-3.1-8B bf16 on one H100 SXM with engine e and its defaults */
static void engine(enum tmem_engine e, struct tmem_infer_opts *o)
{
    struct tmem_model m;
    struct tmem_inventory inv;
    tmem_test_load("llama-3.1-8b", &m, &inv);
    tmem_infer_defaults(o);
    o->engine = e;
    tmem_infer_engine_defaults(o);
    o->gpu = tmem_gpu_find("h100-sxm");
    struct tmem_error err = {0};
    if (tmem_infer_build(&m, &inv, o, &IR, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
}

static double rel(double a, double b)
{
    return fabs(a - b) / fabs(b);
}

/* SGLang: weights and KV within mem_fraction_static × memory (0.88 at tp 1,
 * server_args.py), a token-level pool (page_size 1) of 131,072 B a token:
 *   tokens = (0.88 × M − 16,060,522,496 B of weights − 256 MiB non-torch) / 131,072.
 * TensorRT-LLM: kv_cache_free_gpu_memory_fraction 0.9 of what weights,
 * activations (one forward of max_num_tokens 8192: 838,860,800 B) and the
 * non-torch memory leave, in blocks of 32 tokens (4 MiB):
 *   blocks = 0.9 × (M − 16,060,522,496 − 838,860,800 − 268,435,456) / 4 MiB. */
static void pools_by_hand(void **state)
{
    (void)state;
    struct tmem_infer_opts o;
    engine(TMEM_ENGINE_SGLANG, &o);
    const double M = (double)o.gpu->cuda_memory_bytes, W = 16060522496.0, nt = 268435456.0;
    assert_true(o.gpu_memory_utilization == 0.88 && o.block_size == 1);
    assert_int_equal(IR.weight_bytes, 16060522496);
    double sg = floor((floor(0.88 * M) - W - nt) / 131072);
    print_message("sglang pool: %llu tokens, by hand %.0f\n", (unsigned long long)IR.kv_blocks, sg);
    assert_true((double)IR.kv_blocks == sg);
    engine(TMEM_ENGINE_TRTLLM, &o);
    assert_true(o.gpu_memory_utilization == 0.9 && o.block_size == 32 && o.max_num_seqs == 2048 &&
                o.max_num_batched_tokens == 8192);
    /* the forward of 8192 tokens: its MLP stage, residual + normed + gate|up + act
     * = 8192 × (4096 + 4096 + 2·14336 + 14336) × 2 B (vLLM's LlamaMLP also holds
     * down_proj's output; that term is vLLM's alone) */
    const double act = 8192.0 * (4096 + 4096 + 2 * 14336 + 14336) * 2;
    assert_true(act == 838860800.0);
    double tr = floor(floor(0.9 * (M - W - act - nt)) / (32 * 131072.0));
    print_message("trtllm pool: %llu blocks, by hand %.0f\n", (unsigned long long)IR.kv_blocks, tr);
    assert_true((double)IR.kv_blocks == tr);
}

struct run {
    struct tmem_serve_request q[64];
    void *work;
    struct tmem_serve_result r;
};

static void run(const struct tmem_serve_opts *so, struct run *x, uint64_t n)
{
    uint64_t wb = tmem_serve_work_bytes(n, so->max_num_seqs);
    x->work = malloc(wb);
    assert_non_null(x->work);
    struct tmem_error err = {0};
    if (tmem_serve_run(&IR.roofline, so, x->q, n, x->work, wb, &x->r, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    free(x->work);
}

static void same_requests(struct run *x, uint64_t n, uint32_t prompt, uint32_t out)
{
    for (uint64_t i = 0; i < n; i++)
        x->q[i] = (struct tmem_serve_request){.prompt_tokens = prompt, .output_tokens = out};
}

/* 16 requests of 200 + 200 tokens at t = 0, a pool of 100 blocks of 16:
 * vLLM admits by the prompt's blocks and preempts as outputs grow;
 * TensorRT-LLM reserves ceil(399 / 16) = 25 blocks a request at admission,
 * so 100 / 25 = 4 run at once, the pool's peak is exactly 100 blocks and
 * nothing is ever preempted. */
static void trtllm_reserves_and_never_preempts(void **state)
{
    (void)state;
    struct tmem_infer_opts o;
    engine(TMEM_ENGINE_VLLM, &o);
    struct tmem_serve_opts so;
    tmem_serve_defaults(&o, &IR, &so);
    so.kv_blocks = 100, so.concurrency = 16;
    struct run *x = calloc(1, sizeof *x);
    same_requests(x, 16, 200, 200);
    run(&so, x, 16);
    assert_true(x->r.preemptions > 0);
    o.engine = TMEM_ENGINE_TRTLLM;
    tmem_serve_defaults(&o, &IR, &so);
    assert_true(so.reserve_output && !so.chunked_prefill);
    so.kv_blocks = 100, so.concurrency = 16;
    same_requests(x, 16, 200, 200);
    run(&so, x, 16);
    assert_int_equal(x->r.preemptions, 0);
    assert_int_equal(x->r.peak_running, 4);
    assert_int_equal(x->r.peak_kv_blocks, 100);
    assert_int_equal(x->r.bottleneck, TMEM_SERVE_BOTTLENECK_KV_CAPACITY);
    free(x);
}

static double step(const struct tmem_step_batch *b)
{
    struct tmem_step_time st;
    tmem__roofline_step(&IR.roofline, b, &st);
    return st.t_s;
}

/* Two 200-token prompts at t = 0 (output 2), a budget of 300 tokens.
 * Chunked (vLLM): step 1 = the first prompt + 100 tokens of the second,
 * step 2 = the first's decode at 201 + the second's last 100 after 100:
 * the second's TTFT is step 1 + step 2. Unchunked (TRT-LLM): step 1 = the
 * first prompt alone (the second does not fit the 100 left), step 2 = the
 * first's decode + the second's whole prompt. A 400-token prompt can never
 * run unchunked under a 300-token budget: an error naming the request. */
static void unchunked_prompts_wait_for_the_whole_budget(void **state)
{
    (void)state;
    struct tmem_infer_opts o;
    engine(TMEM_ENGINE_VLLM, &o);
    struct tmem_serve_opts so;
    tmem_serve_defaults(&o, &IR, &so);
    so.max_num_batched_tokens = 300, so.concurrency = 2;
    struct run *x = calloc(1, sizeof *x);
    struct tmem_step_batch b1 = {0}, b2 = {0};
    tmem__step_add_chunk(&IR.roofline, &b1, 0, 200, 1);
    tmem__step_add_chunk(&IR.roofline, &b1, 0, 100, 1);
    tmem__step_add_decode(&IR.roofline, &b2, 201);
    tmem__step_add_chunk(&IR.roofline, &b2, 100, 100, 1);
    same_requests(x, 2, 200, 2);
    run(&so, x, 2);
    assert_true(rel(x->q[1].first_token_s, step(&b1) + step(&b2)) < 1e-12);
    so.chunked_prefill = false;
    b1 = b2 = (struct tmem_step_batch){0};
    tmem__step_add_chunk(&IR.roofline, &b1, 0, 200, 1);
    tmem__step_add_decode(&IR.roofline, &b2, 201);
    tmem__step_add_chunk(&IR.roofline, &b2, 0, 200, 1);
    same_requests(x, 2, 200, 2);
    run(&so, x, 2);
    assert_true(rel(x->q[1].first_token_s, step(&b1) + step(&b2)) < 1e-12);
    same_requests(x, 2, 400, 2);
    uint64_t wb = tmem_serve_work_bytes(2, so.max_num_seqs);
    void *work = malloc(wb);
    struct tmem_error err = {0};
    assert_int_equal(tmem_serve_run(&IR.roofline, &so, x->q, 2, work, wb, &x->r, &err), TMEM_ERR_LIMIT);
    assert_string_equal(err.where, "request 1");
    assert_non_null(strstr(err.msg, "does not chunk"));
    free(work);
    free(x);
}

/* A long request A (prompt 100, output 200) at t = 0 and a short B (prompt
 * 100, output 5) arriving while A decodes. Decode-first: B's prompt rides in
 * one of A's decode steps, B's decodes in later ones: 1 + 199 = 200 steps.
 * Prefill-first: B's prompt takes a step of its own, A waits: 201 steps,
 * and B's first token is that lone step's end, its TTFT the step of a
 * 100-token chunk alone (it arrives at a step boundary). */
static void prefill_first_runs_prompts_alone(void **state)
{
    (void)state;
    struct tmem_infer_opts o;
    engine(TMEM_ENGINE_VLLM, &o);
    struct tmem_serve_opts so;
    tmem_serve_defaults(&o, &IR, &so);
    struct tmem_step_batch pa = {0};
    tmem__step_add_chunk(&IR.roofline, &pa, 0, 100, 1);
    struct run *x = calloc(1, sizeof *x);
    /* B arrives exactly at the end of A's prefill + 10 decode steps (A alone) */
    double t_b = step(&pa);
    for (int k = 1; k <= 10; k++) {
        struct tmem_step_batch d = {0};
        tmem__step_add_decode(&IR.roofline, &d, 100 + k);
        t_b += step(&d);
    }
    for (int pass = 0; pass < 2; pass++) {
        so.schedule = pass == 0 ? TMEM_SERVE_SCHEDULE_DECODE_FIRST : TMEM_SERVE_SCHEDULE_PREFILL_FIRST;
        x->q[0] = (struct tmem_serve_request){.arrival_s = 0, .prompt_tokens = 100, .output_tokens = 200};
        x->q[1] = (struct tmem_serve_request){.arrival_s = t_b, .prompt_tokens = 100, .output_tokens = 5};
        run(&so, x, 2);
        assert_int_equal(x->r.steps, pass == 0 ? 200 : 201);
        if (pass == 1)
            assert_true(rel(x->q[1].first_token_s - x->q[1].arrival_s, step(&pa)) < 1e-9);
    }
    o.engine = TMEM_ENGINE_SGLANG;
    tmem_serve_defaults(&o, &IR, &so);
    assert_int_equal(so.schedule, TMEM_SERVE_SCHEDULE_PREFILL_FIRST);
    free(x);
}

/* --prefix-cache-hit 0.5 on 1000-token prompts: floor(500 / 16) × 16 = 496
 * tokens cached, 31 blocks. One request alone: its TTFT is the step of a
 * 504-token chunk after 496 cached. Two at t = 0 (output 10): the 31 prefix
 * blocks are held once, each request its own ceil(1009 / 16) − 31 = 33:
 * a peak of 31 + 2 × 33 = 97 blocks, against 2 × 64 = 128 without hits. */
static void prefix_hits_save_prefill_and_share_blocks(void **state)
{
    (void)state;
    struct tmem_infer_opts o;
    engine(TMEM_ENGINE_VLLM, &o);
    struct tmem_serve_opts so;
    tmem_serve_defaults(&o, &IR, &so);
    so.prefix_hit = 0.5;
    struct run *x = calloc(1, sizeof *x);
    same_requests(x, 1, 1000, 1);
    run(&so, x, 1);
    struct tmem_step_batch b = {0};
    tmem__step_add_chunk(&IR.roofline, &b, 496, 504, 1);
    assert_true(rel(x->r.ttft.p50, step(&b)) < 1e-12);
    so.concurrency = 2;
    same_requests(x, 2, 1000, 10);
    run(&so, x, 2);
    assert_int_equal(x->r.peak_kv_blocks, 97);
    so.prefix_hit = 0;
    same_requests(x, 2, 1000, 10);
    run(&so, x, 2);
    assert_int_equal(x->r.peak_kv_blocks, 128);
    so.prefix_hit = 1;
    uint64_t wb = tmem_serve_work_bytes(2, so.max_num_seqs);
    void *work = malloc(wb);
    struct tmem_error err = {0};
    assert_int_equal(tmem_serve_run(&IR.roofline, &so, x->q, 2, work, wb, &x->r, &err), TMEM_ERR_LIMIT);
    assert_string_equal(err.where, "--prefix-cache-hit");
    free(work);
    free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pools_by_hand),
        cmocka_unit_test(trtllm_reserves_and_never_preempts),
        cmocka_unit_test(unchunked_prompts_wait_for_the_whole_budget),
        cmocka_unit_test(prefill_first_runs_prompts_alone),
        cmocka_unit_test(prefix_hits_save_prefill_and_share_blocks),
    };
    return cmocka_run_group_tests_name("engines: sglang, trtllm, schedules, prefix cache", tests, NULL, NULL);
}
