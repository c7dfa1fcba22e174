/* test_serve_pool.c — tmem serve for an encoder (vLLM's pooling runner,
 * src/core/serve_pool.c) against hand arithmetic: the ledger of the largest
 * step, the batch the scheduler forms, each step's roofline time written
 * out as FLOPs / peak and bytes / bandwidth, each request's TTFT = E2E,
 * the token budget and max_num_seqs, and the refusals vLLM makes.
 *
 * bert-base-uncased (d 768, 12 layers, 12 heads × d_head 64, d_ff 3072,
 * V 30522, 512 positions, 2 token types, BertModel's pooler), by hand:
 *   all parameters 109,482,240 (published; test_encoders.c), bf16:
 *     218,964,480 B
 *   embedding group: word 30522·768 + positions 512·768 + types 2·768
 *     = 23,835,648 (not matrix multiplies)
 *   head (lm_head group): pooler dense 768·768 + bias 768 = 590,592
 *   body matmul params a token passes: 109,482,240 − 23,835,648 − 590,592
 *     = 85,056,000
 * h100-sxm: 989.4e12 bf16 FLOP/s, 3.35e12 B/s; mfu 0.5, mbu 0.8.
 * REF vLLM v1/engine/core.py _initialize_kv_caches (no KV spec: no profile
 * run), v1/core/sched/scheduler.py (no chunked prefill: a prompt over the
 * budget left stops the queue), config/scheduler.py verify_max_model_len. */
#include "harness.h"

#include "tmem/infer.h"
#include "tmem/read.h"
#include "tmem/serve.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static struct tmem_infer_result R; /* large: kept off the stack */
static struct tmem_serve_result S;

static void load(const char *name, struct tmem_model *m, struct tmem_inventory *inv)
{
    struct tmem_model raw;
    struct tmem_error err = {0};
    if (tmem_model_load(name, NULL, &raw, &err) != TMEM_OK || tmem_model_resolve(&raw, m, &err) != TMEM_OK ||
        tmem_inventory_build(m, inv, &err) != TMEM_OK)
        fail_msg("%s: %s: %s", name, err.where, err.msg);
}

static struct tmem_infer_opts vllm_opts(void)
{
    struct tmem_infer_opts o;
    tmem_infer_defaults(&o); /* vllm, 8192 batched tokens, 256 seqs, utilization 0.9 */
    o.gpu = tmem_gpu_find("h100-sxm");
    assert_non_null(o.gpu);
    return o;
}

static uint64_t entry(const char *prefix)
{
    for (uint32_t i = 0; i < R.ledger.n_entries; i++)
        if (strncmp(R.ledger.entries[i].label, prefix, strlen(prefix)) == 0)
            return R.ledger.entries[i].bytes;
    fail_msg("no ledger entry %s", prefix);
    return 0;
}

static void build(const struct tmem_model *m, const struct tmem_inventory *inv, const struct tmem_infer_opts *o)
{
    struct tmem_error err = {0};
    if (tmem_infer_build(m, inv, o, &R, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
}

static void simulate(const struct tmem_model *m, const struct tmem_infer_opts *o, struct tmem_serve_opts *so,
                     struct tmem_serve_request *reqs, uint64_t n)
{
    struct tmem_error err = {0};
    uint64_t wb = tmem_serve_work_bytes(n, so->max_num_seqs);
    void *work = malloc((size_t)wb);
    assert_non_null(work);
    enum tmem_status st = tmem_serve_pool_run(m, o, &R.roofline, so, reqs, n, work, wb, &S, &err);
    free(work);
    if (st != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
}

/* The ledger of vLLM's pooling runner at its largest step, T = 8192 tokens:
 *   weights      109,482,240 × 2 B                                = 218,964,480
 *   MLP stage    T × (3·768: residual, normed, down_proj's output
 *                + 2·3072: up and GELU) × 2 B = 8192 × 8448 × 2    = 138,412,032
 *   attention    8192 × (2·768 + q,k,v,out 4·768) × 2 = 75,497,472 (smaller)
 *   pooled rows  min(max_num_seqs 256, T) × 768 × 2 B             =     393,216
 *   non-torch    vLLM at tp 1: 256 MiB                            = 268,435,456
 *   total                                                          = 626,205,184
 * no KV line; headroom = 0.9 × the CUDA-visible total − the total. */
static void bert_pooling_ledger_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    struct tmem_inventory inv;
    load("bert-base-uncased", &m, &inv);
    struct tmem_infer_opts o = vllm_opts();
    build(&m, &inv, &o);
    assert_int_equal(entry("all parameters"), 109482240 * UINT64_C(2));
    assert_int_equal(entry("forward of the largest step"), UINT64_C(8192) * (3 * 768 + 2 * 3072) * 2);
    assert_int_equal(entry("pooler output"), UINT64_C(256) * 768 * 2);
    assert_int_equal(entry("non-torch memory"), UINT64_C(256) << 20);
    assert_int_equal(R.ledger.bucket_bytes[TMEM_BUCKET_KV_CACHE], 0);
    assert_int_equal(R.ledger.total_bytes, UINT64_C(218964480) + 138412032 + 393216 + 268435456);
    assert_int_equal(R.ledger.total_bytes, 626205184);
    assert_int_equal(R.kv_blocks, 0);
    uint64_t usable = (uint64_t)((double)o.gpu->cuda_memory_bytes * 0.9);
    assert_true(R.fit.fits);
    assert_int_equal(R.fit.margin_bytes, usable - UINT64_C(626205184));
}

/* 4 requests of 128 tokens at t = 0: one step runs all four (4 ≤ 256 seqs,
 * 512 ≤ 8192 tokens). Its roofline:
 *   FLOPs  body 2 × 85,056,000 × 512 tokens        = 87,097,344,000
 *        + head 2 × 590,592 × 4 rows               =      4,724,736
 *        + attention 4·12 layers·64·12 heads = 36,864 per pair
 *          × 4 × 128² pairs (bidirectional)        =  2,415,919,104
 *        = 89,517,987,840
 *   compute 89,517,987,840 / (989.4e12 × 0.5)      = 180.95 µs
 *   memory  218,964,480 B / (3.35e12 × 0.8)         =  81.70 µs
 * compute-bound: TTFT = E2E = 180.95 µs for each; 4 / that req/s. */
static void bert_four_requests_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    struct tmem_inventory inv;
    load("bert-base-uncased", &m, &inv);
    struct tmem_infer_opts o = vllm_opts();
    build(&m, &inv, &o);
    struct tmem_serve_opts so;
    tmem_serve_defaults(&o, &R, &so);
    so.chunked_prefill = false;
    struct tmem_serve_request reqs[4];
    memset(reqs, 0, sizeof reqs);
    for (int i = 0; i < 4; i++)
        reqs[i].prompt_tokens = 128;
    simulate(&m, &o, &so, reqs, 4);
    double flops = 2.0 * 85056000.0 * 512 + 2.0 * 590592.0 * 4 + 4.0 * 12 * 64 * 12 * (4.0 * 128 * 128);
    assert_true(fabs(flops - 89517987840.0) < 1.0);
    double compute_s = flops / (989.4e12 * 0.5), memory_s = 218964480.0 / (3.35e12 * 0.8);
    assert_true(compute_s > memory_s);
    assert_int_equal(S.steps, 1);
    assert_int_equal(S.peak_running, 4);
    for (int i = 0; i < 4; i++) {
        assert_true(fabs(reqs[i].first_scheduled_s - 0.0) < 1e-15);
        assert_true(fabs(reqs[i].finish_s - compute_s) < 1e-12);
        assert_true(fabs(reqs[i].first_token_s - reqs[i].finish_s) < 1e-15);
    }
    assert_true(fabs(S.ttft.p50 - compute_s) < 1e-12);
    assert_true(fabs(S.e2e.p99 - compute_s) < 1e-12);
    assert_true(fabs(S.req_per_s - 4.0 / compute_s) < 1e-6 * S.req_per_s);
    assert_true(fabs(S.total_tok_per_s - 512.0 / compute_s) < 1e-6 * S.total_tok_per_s);
    assert_int_equal(S.output_tokens, 0);
    assert_int_equal(S.bottleneck, TMEM_SERVE_BOTTLENECK_COMPUTE);
}

/* The caps: max_num_seqs 2 splits four requests into steps of 2 and 2;
 * a budget of 512 tokens with prompts 300, 300, 200: the second does not
 * fit beside the first (600 > 512) and, without chunked prefill, stops the
 * queue: steps {300}, {300, 200}. The second step's FLOPs: body
 * 2·85,056,000·500 + head 2·590,592·2 + 36,864·(300² + 200²). */
static void caps_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    struct tmem_inventory inv;
    load("bert-base-uncased", &m, &inv);
    struct tmem_infer_opts o = vllm_opts();
    o.max_num_seqs = 2;
    build(&m, &inv, &o);
    struct tmem_serve_opts so;
    tmem_serve_defaults(&o, &R, &so);
    struct tmem_serve_request reqs[4];
    memset(reqs, 0, sizeof reqs);
    for (int i = 0; i < 4; i++)
        reqs[i].prompt_tokens = 128;
    simulate(&m, &o, &so, reqs, 4);
    assert_int_equal(S.steps, 2);
    assert_true(reqs[2].first_scheduled_s > 0 && fabs(reqs[2].first_scheduled_s - reqs[1].finish_s) < 1e-15);
    assert_true(S.blocked_s[TMEM_SERVE_BLOCK_SEQS] > 0);

    o = vllm_opts();
    o.max_num_batched_tokens = 512;
    build(&m, &inv, &o);
    tmem_serve_defaults(&o, &R, &so);
    struct tmem_serve_request three[3];
    memset(three, 0, sizeof three);
    three[0].prompt_tokens = 300;
    three[1].prompt_tokens = 300;
    three[2].prompt_tokens = 200;
    simulate(&m, &o, &so, three, 3);
    assert_int_equal(S.steps, 2);
    double f1 = 2.0 * 85056000.0 * 300 + 2.0 * 590592.0 + 36864.0 * 300 * 300;
    double f2 = 2.0 * 85056000.0 * 500 + 2.0 * 590592.0 * 2 + 36864.0 * (300.0 * 300 + 200.0 * 200);
    double t1 = f1 / (989.4e12 * 0.5), t2 = f2 / (989.4e12 * 0.5);
    assert_true(218964480.0 / (3.35e12 * 0.8) < t1);
    assert_true(fabs(three[0].finish_s - t1) < 1e-12);
    assert_true(fabs(three[1].finish_s - (t1 + t2)) < 1e-12);
    assert_true(fabs(three[2].finish_s - (t1 + t2)) < 1e-12);
    assert_true(fabs(S.wait.mean - (0 + t1 + t1) / 3) < 1e-12);
    assert_true(S.blocked_s[TMEM_SERVE_BLOCK_BUDGET] > 0);
}

/* What vLLM refuses: a budget under max_model_len (512) or under
 * max_num_seqs (SchedulerConfig.verify_max_model_len), DeBERTa (not in
 * the registry), an MLM head (no pooling task), a prompt past 512. */
static void refusals(void **state)
{
    (void)state;
    struct tmem_model m;
    struct tmem_inventory inv;
    load("bert-base-uncased", &m, &inv);
    struct tmem_error err = {0};
    struct tmem_infer_opts o = vllm_opts();
    o.max_num_batched_tokens = 511;
    assert_int_equal(tmem_infer_build(&m, &inv, &o, &R, &err), TMEM_ERR_LIMIT);
    assert_string_equal(err.where, "--max-num-batched-tokens");
    o.max_model_len = 256; /* a smaller max_model_len makes room */
    o.max_num_seqs = 128;
    o.prompt_tokens = 128;
    assert_int_equal(tmem_infer_build(&m, &inv, &o, &R, &err), TMEM_OK);
    o = vllm_opts();
    o.max_num_batched_tokens = 512;
    o.max_num_seqs = 1024;
    assert_int_equal(tmem_infer_build(&m, &inv, &o, &R, &err), TMEM_ERR_LIMIT);
    assert_string_equal(err.where, "--max-num-batched-tokens");

    o = vllm_opts();
    build(&m, &inv, &o);
    struct tmem_serve_opts so;
    tmem_serve_defaults(&o, &R, &so);
    struct tmem_serve_request q[1];
    memset(q, 0, sizeof q);
    q[0].prompt_tokens = 513;
    uint64_t wb = tmem_serve_work_bytes(1, so.max_num_seqs);
    void *work = malloc((size_t)wb);
    assert_non_null(work);
    assert_int_equal(tmem_serve_pool_run(&m, &o, &R.roofline, &so, q, 1, work, wb, &S, &err), TMEM_ERR_LIMIT);
    assert_string_equal(err.where, "request 1");
    free(work);

    load("deberta-v3-base", &m, &inv);
    o = vllm_opts();
    assert_int_equal(tmem_infer_build(&m, &inv, &o, &R, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "model");
    assert_non_null(strstr(err.msg, "DeBERTa"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bert_pooling_ledger_by_hand),
        cmocka_unit_test(bert_four_requests_by_hand),
        cmocka_unit_test(caps_by_hand),
        cmocka_unit_test(refusals),
    };
    return cmocka_run_group_tests_name("serve_pool", tests, NULL, NULL);
}
