/* test_compare.c — tmem serve --compare / --calibrate: the result files of
 * vllm bench serve (--save-result, with and without --save-detailed) and of
 * SGLang's bench_serving read field by field (the key names of
 * vllm/benchmarks/serve.py's result dict and sglang/bench_serving.py's),
 * their bad inputs named, and the calibration recovering the efficiencies
 * and the step overhead that generated a run. */
#include "bench_result.h"
#include "harness.h"
#include "timing.h"
#include "tmem/infer.h"
#include "tmem/serve.h"

#include <math.h>

static struct tmem_infer_result IR; /* large: off the stack */

static double rel(double a, double b)
{
    return fabs(a - b) / fabs(b);
}

/* vllm bench serve --save-result --save-detailed, the keys its
 * save_to_pytorch / result_json code writes: the traffic ("request_rate":
 * "inf", "burstiness", "max_concurrency"), the totals, the metrics
 * (mean_/median_/p99_ ttft, tpot, itl, e2el in ms; request_throughput,
 * output_throughput, total_token_throughput) and the per-request lengths;
 * a failed request has output_len 0 and is left out. */
static void reads_vllm_results(void **state)
{
    (void)state;
    const char *text =
        "{\"date\": \"20250901-120000\", \"backend\": \"vllm\", \"model_id\": \"meta-llama/Llama-3.1-8B\","
        " \"num_prompts\": 3, \"request_rate\": \"inf\", \"burstiness\": 0.25, \"max_concurrency\": 4,"
        " \"duration\": 2.5, \"completed\": 2, \"failed\": 1, \"total_input_tokens\": 300,"
        " \"total_output_tokens\": 50, \"request_throughput\": 0.8, \"output_throughput\": 20.0,"
        " \"total_token_throughput\": 140.0, \"mean_ttft_ms\": 30.5, \"median_ttft_ms\": 30.0,"
        " \"std_ttft_ms\": 1.0, \"p99_ttft_ms\": 33.0, \"mean_tpot_ms\": 7.5, \"median_tpot_ms\": 7.4,"
        " \"p99_tpot_ms\": 8.1, \"mean_itl_ms\": 7.4, \"median_itl_ms\": 7.2, \"p99_itl_ms\": 9.0,"
        " \"mean_e2el_ms\": 200.0, \"median_e2el_ms\": 199.0, \"p99_e2el_ms\": 230.0,"
        " \"input_lens\": [100, 200, 50], \"output_lens\": [20, 30, 0],"
        " \"ttfts\": [0.03, 0.031, 0], \"itls\": [[], [], []], \"errors\": [\"\", \"\", \"timeout\"]}";
    struct tmem__bench_run b;
    struct tmem_error err = {0};
    assert_int_equal(tmem__bench_result_parse(text, strlen(text), "r.json", &b, &err), TMEM_OK);
    assert_string_equal(b.format, "vllm bench serve");
    assert_string_equal(b.model_id, "meta-llama/Llama-3.1-8B");
    assert_true(b.request_rate == 0 && b.burstiness == 0.25 && b.max_concurrency == 4);
    assert_int_equal(b.completed, 2);
    assert_int_equal(b.n_reqs, 2);
    assert_true(b.reqs[0].prompt_tokens == 100 && b.reqs[0].output_tokens == 20);
    assert_true(b.reqs[1].prompt_tokens == 200 && b.reqs[1].output_tokens == 30);
    const struct tmem_serve_measured *m = &b.measured;
    assert_true(m->v[TMEM_SERVE_METRIC_TTFT_MEAN] == 30.5 && m->v[TMEM_SERVE_METRIC_TTFT_P50] == 30.0 &&
                m->v[TMEM_SERVE_METRIC_TTFT_P99] == 33.0);
    assert_true(m->v[TMEM_SERVE_METRIC_TPOT_P50] == 7.4 && m->v[TMEM_SERVE_METRIC_ITL_P99] == 9.0);
    assert_true(m->v[TMEM_SERVE_METRIC_E2E_MEAN] == 200.0 && m->v[TMEM_SERVE_METRIC_E2E_P99] == 230.0);
    assert_true(m->v[TMEM_SERVE_METRIC_REQ_PER_S] == 0.8 && m->v[TMEM_SERVE_METRIC_TOTAL_TOK_PER_S] == 140.0);
    free(b.reqs);
    /* without --save-detailed: no lengths, a numeric rate, no concurrency, no e2el */
    const char *plain = "{\"request_rate\": 8.0, \"burstiness\": 1.0, \"max_concurrency\": null,"
                        " \"completed\": 200, \"total_input_tokens\": 102400, \"total_output_tokens\": 25600,"
                        " \"mean_ttft_ms\": 45.2}";
    assert_int_equal(tmem__bench_result_parse(plain, strlen(plain), "r.json", &b, &err), TMEM_OK);
    assert_null(b.reqs);
    assert_true(b.request_rate == 8.0 && b.max_concurrency == 0);
    assert_true(isnan(b.measured.v[TMEM_SERVE_METRIC_E2E_MEAN]) && b.measured.v[TMEM_SERVE_METRIC_TTFT_MEAN] == 45.2);
}

/* SGLang's bench_serving appends one JSON line per run (the last is read):
 * its E2E keys are mean_/median_/p99_e2e_latency_ms and it reports input and
 * output throughput, whose sum is the total. */
static void reads_sglang_lines(void **state)
{
    (void)state;
    const char *text =
        "{\"backend\": \"sglang\", \"request_rate\": 4.0, \"completed\": 10, \"total_input_tokens\": 1,"
        " \"total_output_tokens\": 1}\n"
        "{\"backend\": \"sglang\", \"dataset_name\": \"random\", \"request_rate\": 16.0,"
        " \"max_concurrency\": null, \"duration\": 148.44, \"completed\": 1000,"
        " \"total_input_tokens\": 224442, \"total_output_tokens\": 190594,"
        " \"total_output_tokens_retokenized\": 188521, \"request_throughput\": 6.74,"
        " \"input_throughput\": 1512.00, \"output_throughput\": 1283.98,"
        " \"mean_e2e_latency_ms\": 39661.89, \"median_e2e_latency_ms\": 36512.17,"
        " \"mean_ttft_ms\": 3623.75, \"median_ttft_ms\": 913.59, \"p99_ttft_ms\": 20027.42,"
        " \"mean_tpot_ms\": 276.89}\n";
    struct tmem__bench_run b;
    struct tmem_error err = {0};
    assert_int_equal(tmem__bench_result_parse(text, strlen(text), "s.jsonl", &b, &err), TMEM_OK);
    assert_string_equal(b.format, "SGLang bench_serving");
    assert_int_equal(b.completed, 1000);
    assert_true(b.request_rate == 16.0 && b.burstiness == 1);
    assert_true(b.measured.v[TMEM_SERVE_METRIC_E2E_MEAN] == 39661.89);
    assert_true(b.measured.v[TMEM_SERVE_METRIC_E2E_P50] == 36512.17);
    assert_true(rel(b.measured.v[TMEM_SERVE_METRIC_TOTAL_TOK_PER_S], 1512.00 + 1283.98) < 1e-15);
}

static void bad_files_are_named(void **state)
{
    (void)state;
    static const struct {
        const char *text, *where, *msg;
    } bad[] = {
        {"not json", "r.json", "not JSON"},
        {"[1, 2]", "r.json", "not a JSON object"},
        {"{\"request_rate\": 1}", "r.json:completed", "missing"},
        {"{\"request_rate\": 1, \"completed\": 0, \"total_input_tokens\": 1, \"total_output_tokens\": 1}",
         "r.json:completed", "no request completed"},
        {"{\"request_rate\": \"fast\", \"completed\": 1, \"total_input_tokens\": 1, \"total_output_tokens\": 1}",
         "r.json:request_rate", "\"inf\" or a rate"},
        {"{\"completed\": 1, \"total_input_tokens\": 1, \"total_output_tokens\": 1}", "r.json:request_rate",
         "missing"},
        {"{\"request_rate\": 1, \"completed\": 1, \"total_input_tokens\": 1, \"total_output_tokens\": 1,"
         " \"input_lens\": [1, 2], \"output_lens\": [1]}",
         "r.json:input_lens", "same length"},
        {"{\"request_rate\": 1, \"completed\": 1, \"total_input_tokens\": 1, \"total_output_tokens\": 1,"
         " \"mean_ttft_ms\": -3}",
         "r.json:mean_ttft_ms", "at least 0"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct tmem__bench_run b;
        struct tmem_error err = {0};
        assert_int_not_equal(tmem__bench_result_parse(bad[i].text, strlen(bad[i].text), "r.json", &b, &err),
                             TMEM_OK);
        if (strcmp(err.where, bad[i].where) != 0 || strstr(err.msg, bad[i].msg) == NULL)
            fail_msg("%s: '%s: %s', want '%s: ...%s...'", bad[i].text, err.where, err.msg, bad[i].where,
                     bad[i].msg);
    }
}

/* A run made with known parameters (--mfu 0.3, --mbu 0.6, a step overhead
 * of 1.5 ms; Llama-3-8B on an H100 SXM, 400 Poisson requests at 6 req/s,
 * prompts uniform 200..2000, outputs 50..300) is the "measurement"; the
 * calibration starts from the defaults (0.5, 0.8, 0) and must land on what
 * the run determines: mfu within 3 %, a lone decode step (HBM time plus
 * overhead) within 1 %, and the fitted run within 1 % rms of the measured
 * metrics. */
static void calibration_recovers_the_generating_parameters(void **state)
{
    (void)state;
    struct tmem_model m;
    struct tmem_inventory inv;
    tmem_test_load("llama-3-8b", &m, &inv);
    struct tmem_infer_opts o;
    tmem_infer_defaults(&o);
    o.gpu = tmem_gpu_find("h100-sxm");
    struct tmem_error err = {0};
    assert_int_equal(tmem_infer_build(&m, &inv, &o, &IR, &err), TMEM_OK);
    struct tmem_serve_opts so;
    tmem_serve_defaults(&o, &IR, &so);
    const uint64_t n = 400;
    struct tmem_serve_workload w = {.rate_per_s = 6, .burstiness_cv = 1, .n_requests = n, .seed = 4,
                                    .prompt = {TMEM_SERVE_DIST_UNIFORM, 200, 2000},
                                    .output = {TMEM_SERVE_DIST_UNIFORM, 50, 300}};
    struct tmem_serve_request *q = calloc(n, sizeof *q);
    uint64_t wb = tmem_serve_work_bytes(n, so.max_num_seqs);
    void *work = malloc(wb);
    struct tmem_serve_result *r = malloc(sizeof *r);
    struct tmem_serve_fit *fit = malloc(sizeof *fit);
    assert_true(q && work && r && fit);
    assert_int_equal(tmem_serve_workload_fill(&w, q, n, &err), TMEM_OK);
    struct tmem_roofline truth = IR.roofline;
    truth.flops_per_s = truth.compute_flops * 0.3;
    truth.bytes_per_s = o.gpu->hbm_bytes_per_s * 0.6;
    struct tmem_serve_opts so_truth = so;
    so_truth.step_overhead_s = 1.5e-3;
    assert_int_equal(tmem_serve_run(&truth, &so_truth, q, n, work, wb, r, &err), TMEM_OK);
    struct tmem_serve_measured meas;
    for (int k = 0; k < TMEM_SERVE_METRIC_COUNT; k++)
        meas.v[k] = tmem_serve_metric_of(r, (enum tmem_serve_metric)k);
    /* the metrics read off the run in the benchmark's units, by hand */
    assert_true(meas.v[TMEM_SERVE_METRIC_TPOT_P50] == r->tpot.p50 * 1e3);
    assert_true(meas.v[TMEM_SERVE_METRIC_OUTPUT_TOK_PER_S] == r->output_tok_per_s);
    assert_int_equal(tmem_serve_calibrate(&IR.roofline, o.mfu, o.mbu, &so, q, n, work, wb, &meas, fit, &err),
                     TMEM_OK);
    print_message("calibrated: mfu %.4f (0.3), mbu %.4f (0.6), overhead %.4f ms (1.5), rms log error "
                  "%.4f → %.5f over %u metrics, %u runs\n",
                  fit->mfu, fit->mbu, fit->step_overhead_s * 1e3, fit->rms_log_error_before,
                  fit->rms_log_error, fit->n_metrics, fit->evaluations);
    assert_int_equal(fit->n_metrics, TMEM_SERVE_METRIC_COUNT);
    assert_true(rel(fit->mfu, 0.3) < 0.03);
    /* mbu and the overhead trade off in a decode step, weights / (HBM × mbu)
     * + overhead, nearly the same at every batch of this run: the data pins
     * their sum, the step of one sequence, 16.06 GB / (3.35 TB/s × 0.6) +
     * 1.5 ms = 9.49 ms, not each */
    double W = IR.roofline.dense_weight_bytes, hbm = o.gpu->hbm_bytes_per_s;
    double step_truth = W / (hbm * 0.6) + 1.5e-3, step_fit = W / (hbm * fit->mbu) + fit->step_overhead_s;
    print_message("a lone decode step: %.4f ms generated, %.4f ms fitted\n", step_truth * 1e3, step_fit * 1e3);
    assert_true(rel(step_fit, step_truth) < 0.01);
    assert_true(fit->rms_log_error < 0.01 && fit->rms_log_error_before > 0.2);
    /* nothing to fit: an error naming the option */
    for (int k = 0; k < TMEM_SERVE_METRIC_COUNT; k++)
        meas.v[k] = NAN;
    assert_int_equal(tmem_serve_calibrate(&IR.roofline, o.mfu, o.mbu, &so, q, n, work, wb, &meas, fit, &err),
                     TMEM_ERR_INVALID_ARG);
    assert_string_equal(err.where, "--calibrate");
    free(q);
    free(work);
    free(r);
    free(fit);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_vllm_results),
        cmocka_unit_test(reads_sglang_lines),
        cmocka_unit_test(bad_files_are_named),
        cmocka_unit_test(calibration_recovers_the_generating_parameters),
    };
    return cmocka_run_group_tests_name("compare: result files, calibration", tests, NULL, NULL);
}
