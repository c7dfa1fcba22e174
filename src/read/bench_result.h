/* bench_result.h — a serving benchmark's result file for tmem serve
 * --compare / --calibrate: the JSON `vllm bench serve --save-result` (and
 * benchmarks/benchmark_serving.py) writes, or the JSON Lines SGLang's
 * bench_serving appends (its last line is the run). What the run measured
 * (TTFT, TPOT, ITL, E2E mean / median / p99, throughputs) and the workload
 * to replay: the request rate ("inf" or a number), vLLM's --burstiness (the
 * gamma shape), --max-concurrency, and the lengths — per request when the
 * file has input_lens / output_lens (vLLM's --save-detailed, SGLang's
 * detailed output), else the means of total_input_tokens and
 * total_output_tokens over `completed`. Neither format stores arrival
 * times: an open-loop run is redrawn from the rate with tmem's --seed.
 * REF: vllm/benchmarks/serve.py (result dict, save_to_pytorch_benchmark_
 *      format / --save-detailed), sglang/bench_serving.py (result dict). */
#ifndef TMEM_BENCH_RESULT_H
#define TMEM_BENCH_RESULT_H

#include "tmem/serve.h"

#define TMEM_MAX_BENCH_RESULT_BYTES (UINT64_C(1) << 30)

struct tmem__bench_run {
    const char *format;            /* "vllm bench serve" or "SGLang bench_serving" */
    char model_id[128];            /* "" when the file names none */
    struct tmem_serve_measured measured;
    uint64_t completed;
    double request_rate;           /* requests per second; 0: inf (all at once) */
    double burstiness;             /* vLLM's gamma shape (1: Poisson; 1 when absent) */
    uint64_t max_concurrency;      /* 0: none */
    uint64_t total_input_tokens, total_output_tokens;
    struct tmem_serve_request *reqs; /* per-request lengths (arrival 0), or NULL */
    uint64_t n_reqs;
};

/* Parses text[len] (named `where` in errors). Per-request lengths, when
 * present, go into an array the caller frees with tmem__dealloc(). */
enum tmem_status tmem__bench_result_parse(const char *text, size_t len, const char *where,
                                         struct tmem__bench_run *out, struct tmem_error *err);

/* Reads path and parses it. */
enum tmem_status tmem__bench_result_load(const char *path, struct tmem__bench_run *out,
                                        struct tmem_error *err);

#endif /* TMEM_BENCH_RESULT_H */
