/* bench_result.c — reads a serving benchmark's result file (bench_result.h):
 * vLLM's JSON or SGLang's JSON Lines, every bad field named. */
#include "alloc.h"
#include "jsonutil.h"
#include "bench_result.h"
#include "error.h"
#include "errtext.h"
#include "reader.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

/* the file's key of each metric: vLLM's name, then SGLang's where it differs */
static const char *const metric_keys[TMEM_SERVE_METRIC_COUNT][2] = {
    [TMEM_SERVE_METRIC_TTFT_MEAN] = {"mean_ttft_ms", NULL},
    [TMEM_SERVE_METRIC_TTFT_P50] = {"median_ttft_ms", NULL},
    [TMEM_SERVE_METRIC_TTFT_P99] = {"p99_ttft_ms", NULL},
    [TMEM_SERVE_METRIC_TPOT_MEAN] = {"mean_tpot_ms", NULL},
    [TMEM_SERVE_METRIC_TPOT_P50] = {"median_tpot_ms", NULL},
    [TMEM_SERVE_METRIC_TPOT_P99] = {"p99_tpot_ms", NULL},
    [TMEM_SERVE_METRIC_ITL_MEAN] = {"mean_itl_ms", NULL},
    [TMEM_SERVE_METRIC_ITL_P50] = {"median_itl_ms", NULL},
    [TMEM_SERVE_METRIC_ITL_P99] = {"p99_itl_ms", NULL},
    [TMEM_SERVE_METRIC_E2E_MEAN] = {"mean_e2el_ms", "mean_e2e_latency_ms"},
    [TMEM_SERVE_METRIC_E2E_P50] = {"median_e2el_ms", "median_e2e_latency_ms"},
    [TMEM_SERVE_METRIC_E2E_P99] = {"p99_e2el_ms", "p99_e2e_latency_ms"},
    [TMEM_SERVE_METRIC_REQ_PER_S] = {"request_throughput", NULL},
    [TMEM_SERVE_METRIC_OUTPUT_TOK_PER_S] = {"output_throughput", NULL},
    [TMEM_SERVE_METRIC_TOTAL_TOK_PER_S] = {"total_token_throughput", NULL},
};

static enum tmem_status bad(struct tmem_error *err, enum tmem_status code, const char *where,
                            const char *field, const char *what)
{
    return tmem__err_set(err, code, where, field, 0, "%s", what);
}

/* a non-negative finite number at key, or NaN when absent or null */
static enum tmem_status number(json_t *o, const char *key, const char *where, double *v,
                               struct tmem_error *err)
{
    json_t *x = json_object_get(o, key);
    *v = NAN;
    if (x == NULL || json_is_null(x))
        return TMEM_OK;
    if (!json_is_number(x) || !isfinite(json_number_value(x)) || json_number_value(x) < 0)
        return bad(err, TMEM_ERR_SCHEMA, where, key, "must be a number, at least 0");
    *v = json_number_value(x);
    return TMEM_OK;
}

static enum tmem_status count(json_t *o, const char *key, const char *where, bool required,
                              uint64_t *v, struct tmem_error *err)
{
    json_t *x = json_object_get(o, key);
    *v = 0;
    if (x == NULL || json_is_null(x)) {
        if (required)
            return bad(err, TMEM_ERR_MISSING_KEY, where, key,
                       "missing: is this a vllm bench serve --save-result or SGLang bench_serving file?");
        return TMEM_OK;
    }
    if (!json_is_integer(x) || json_integer_value(x) < 0 ||
        (uint64_t)json_integer_value(x) > TMEM_SERVE_MAX_REQUESTS * (uint64_t)TMEM_SERVE_MAX_TOKENS)
        return bad(err, TMEM_ERR_SCHEMA, where, key, "must be a whole number, at least 0");
    *v = (uint64_t)json_integer_value(x);
    return TMEM_OK;
}

/* input_lens / output_lens: per-request lengths; failed requests (an output
 * of 0) are left out, as the benchmark's own metrics leave them out */
static enum tmem_status lengths(json_t *o, const char *where, struct tmem__bench_run *out,
                                struct tmem_error *err)
{
    json_t *in = json_object_get(o, "input_lens"), *op = json_object_get(o, "output_lens");
    if (in == NULL && op == NULL)
        return TMEM_OK;
    if (!json_is_array(in) || !json_is_array(op) || json_array_size(in) != json_array_size(op))
        return bad(err, TMEM_ERR_SCHEMA, where, "input_lens",
                   "input_lens and output_lens must be arrays of the same length");
    size_t n = json_array_size(in);
    if (n == 0)
        return TMEM_OK;
    if (n > TMEM_SERVE_MAX_REQUESTS)
        return bad(err, TMEM_ERR_LIMIT, where, "input_lens", "more than 2^22 requests");
    struct tmem_serve_request *r = tmem__alloc(n * sizeof *r);
    if (r == NULL)
        return bad(err, TMEM_ERR_NOMEM, where, NULL, "out of memory");
    uint64_t k = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *a = json_array_get(in, i), *b = json_array_get(op, i);
        if (!json_is_integer(a) || !json_is_integer(b) || json_integer_value(a) < 1 ||
            json_integer_value(b) < 0 || json_integer_value(a) > (json_int_t)TMEM_SERVE_MAX_TOKENS ||
            json_integer_value(b) > (json_int_t)TMEM_SERVE_MAX_TOKENS) {
            tmem__dealloc(r);
            char field[48];
            snprintf(field, sizeof field, "input_lens[%zu]", i);
            return bad(err, TMEM_ERR_SCHEMA, where, field,
                       "lengths must be whole numbers of tokens, prompts in [1, 2^24], outputs in [0, 2^24]");
        }
        if (json_integer_value(b) == 0)
            continue;
        r[k] = (struct tmem_serve_request){.prompt_tokens = (uint32_t)json_integer_value(a),
                                           .output_tokens = (uint32_t)json_integer_value(b)};
        k++;
    }
    if (k == 0) {
        tmem__dealloc(r);
        return bad(err, TMEM_ERR_SCHEMA, where, "output_lens", "no request produced a token");
    }
    out->reqs = r;
    out->n_reqs = k;
    return TMEM_OK;
}

static enum tmem_status from_object(json_t *o, const char *where, struct tmem__bench_run *out,
                                    struct tmem_error *err)
{
    bool sglang = json_object_get(o, "mean_e2e_latency_ms") != NULL ||
                  json_object_get(o, "total_output_tokens_retokenized") != NULL;
    out->format = sglang ? "SGLang bench_serving" : "vllm bench serve";
    json_t *model = json_object_get(o, "model_id");
    if (json_is_string(model))
        snprintf(out->model_id, sizeof out->model_id, "%s", json_string_value(model));
    for (int k = 0; k < TMEM_SERVE_METRIC_COUNT; k++) {
        const char *key = metric_keys[k][0];
        if (metric_keys[k][1] != NULL && json_object_get(o, key) == NULL)
            key = metric_keys[k][1];
        TRY(number(o, key, where, &out->measured.v[k], err));
    }
    double in_tp;
    TRY(number(o, "input_throughput", where, &in_tp, err));
    double *total = &out->measured.v[TMEM_SERVE_METRIC_TOTAL_TOK_PER_S];
    if (isnan(*total) && !isnan(in_tp) && !isnan(out->measured.v[TMEM_SERVE_METRIC_OUTPUT_TOK_PER_S]))
        *total = in_tp + out->measured.v[TMEM_SERVE_METRIC_OUTPUT_TOK_PER_S]; /* SGLang's */
    TRY(count(o, "completed", where, true, &out->completed, err));
    if (out->completed == 0)
        return bad(err, TMEM_ERR_SCHEMA, where, "completed", "no request completed: nothing to compare");
    TRY(count(o, "total_input_tokens", where, true, &out->total_input_tokens, err));
    TRY(count(o, "total_output_tokens", where, true, &out->total_output_tokens, err));
    json_t *rate = json_object_get(o, "request_rate");
    if (rate == NULL)
        return bad(err, TMEM_ERR_MISSING_KEY, where, "request_rate", "missing: the arrival rate to replay");
    if (json_is_string(rate) && strcmp(json_string_value(rate), "inf") == 0)
        out->request_rate = 0;
    else if (json_is_number(rate) && isinf(json_number_value(rate)))
        out->request_rate = 0;
    else if (json_is_number(rate) && json_number_value(rate) > 0 && json_number_value(rate) <= 1e9)
        out->request_rate = json_number_value(rate);
    else
        return bad(err, TMEM_ERR_SCHEMA, where, "request_rate", "must be \"inf\" or a rate in (0, 1e9]");
    TRY(number(o, "burstiness", where, &out->burstiness, err));
    if (isnan(out->burstiness))
        out->burstiness = 1;
    if (!(out->burstiness >= 0.01 && out->burstiness <= 100))
        return bad(err, TMEM_ERR_SCHEMA, where, "burstiness", "must be a gamma shape in [0.01, 100]");
    TRY(count(o, "max_concurrency", where, false, &out->max_concurrency, err));
    if (out->max_concurrency > TMEM_SERVE_MAX_REQUESTS)
        return bad(err, TMEM_ERR_LIMIT, where, "max_concurrency", "more than 2^22");
    return lengths(o, where, out, err);
}

enum tmem_status tmem__bench_result_parse(const char *text, size_t len, const char *where,
                                         struct tmem__bench_run *out, struct tmem_error *err)
{
    memset(out, 0, sizeof *out);
    json_error_t je;
    json_t *o = tmem__json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (o == NULL) { /* JSON Lines (SGLang appends a line a run): the last line */
        size_t end = len;
        while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == '\r' || text[end - 1] == ' '))
            end--;
        size_t start = end;
        while (start > 0 && text[start - 1] != '\n')
            start--;
        if (start > 0)
            o = tmem__json_loadb(text + start, end - start, JSON_REJECT_DUPLICATES, &je);
    }
    if (o == NULL)
        return tmem__err_set(err, TMEM_ERR_SYNTAX, where, NULL, 0,
                             "not JSON (or JSON Lines): %s at line %d", je.text, je.line);
    if (!json_is_object(o)) {
        json_decref(o);
        return bad(err, TMEM_ERR_SCHEMA, where, NULL,
                   "not a JSON object (vllm bench serve --save-result or SGLang bench_serving output)");
    }
    enum tmem_status st = from_object(o, where, out, err);
    json_decref(o);
    return st;
}

enum tmem_status tmem__bench_result_load(const char *path, struct tmem__bench_run *out,
                                        struct tmem_error *err)
{
    char *text;
    size_t len;
    enum tmem_status st = tmem__read_file(path, (size_t)TMEM_MAX_BENCH_RESULT_BYTES, &text, &len, err);
    if (st != TMEM_OK)
        return st;
    st = tmem__bench_result_parse(text, len, path, out, err);
    tmem__dealloc(text);
    return st;
}
