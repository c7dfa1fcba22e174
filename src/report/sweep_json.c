/* sweep_json.c — the document of `tmem sweep`: one row per knob value, each
 * row's figures copied from the JSON document of the command run at that
 * value (memory per GPU, fits, and its time figures), never recomputed.
 * Which figures a command contributes is the table below. */
#include "alloc.h"
#include "json_put.h"
#include "report_out.h"

#include <string.h>

/* a row's column, found in the run's document at path (dot-separated) */
struct sweep_col {
    const char *key, *path, *label; /* label: the chart panel's title, NULL: no panel */
};

static const struct sweep_col train_cols[] = {
    {"step_s", "timing.step_s", "step time, s"},
    {"tokens_per_s", "timing.tokens_per_s", "tokens/s (all GPUs)"},
};
static const struct sweep_col infer_cols[] = {
    {"max_concurrent_sequences", "kv_cache.max_concurrent_sequences", NULL},
    {"ttft_s", "timing.ttft_s", NULL},
    {"decode_tokens_per_s", "timing.decode_tokens_per_s", "decode tokens/s"},
};
static const struct sweep_col serve_cols[] = {
    {"ttft_ms_p50", "latency.ttft_ms.p50", "TTFT p50, ms"},
    {"tpot_ms_p50", "latency.tpot_ms.p50", "TPOT p50, ms"},
    {"output_tok_per_s", "throughput.output_tok_per_s", NULL},
};

static const struct sweep_col *cols_of(const char *command, size_t *n)
{
    if (strcmp(command, "train") == 0)
        return *n = sizeof train_cols / sizeof train_cols[0], train_cols;
    if (strcmp(command, "infer") == 0)
        return *n = sizeof infer_cols / sizeof infer_cols[0], infer_cols;
    return *n = sizeof serve_cols / sizeof serve_cols[0], serve_cols;
}

static const json_t *at_path(const json_t *doc, const char *path)
{
    char key[64];
    while (doc != NULL && *path) {
        size_t n = strcspn(path, ".");
        snprintf(key, sizeof key, "%.*s", (int)n, path);
        doc = json_object_get(doc, key);
        path += n + (path[n] == '.');
    }
    return doc;
}

json_t *tmem__sweep_doc_new(const char *knob, const char *command, const json_t *first_run)
{
    int rc = 0;
    json_t *d = json_object();
    tmem__jansson_put(d, "schema_version", json_deep_copy(json_object_get(first_run, "schema_version")), &rc);
    tmem__jansson_put(d, "tmem_version", json_deep_copy(json_object_get(first_run, "tmem_version")), &rc);
    tmem__jansson_put(d, "command", json_string("sweep"), &rc);
    tmem__jansson_put(d, "knob", json_string(knob), &rc);
    tmem__jansson_put(d, "swept", json_string(command), &rc);
    tmem__jansson_put(d, "model", json_deep_copy(json_object_get(first_run, "model")), &rc);
    tmem__jansson_put(d, "gpu", json_deep_copy(json_object_get(first_run, "gpu")), &rc);
    json_t *series = json_array();
    size_t n;
    const struct sweep_col *c = cols_of(command, &n);
    for (size_t i = 0; i < n; i++)
        if (c[i].label != NULL) {
            json_t *s = json_object();
            tmem__jansson_put(s, "key", json_string(c[i].key), &rc);
            tmem__jansson_put(s, "label", json_string(c[i].label), &rc);
            tmem__jansson_push(series, s, &rc);
        }
    tmem__jansson_put(d, "series", series, &rc);
    tmem__jansson_put(d, "first_unfit", json_null(), &rc);
    tmem__jansson_put(d, "rows", json_array(), &rc);
    if (rc != 0) {
        json_decref(d);
        return NULL;
    }
    return d;
}

int tmem__sweep_doc_add(json_t *doc, json_t *value, const json_t *run)
{
    int rc = 0;
    const char *command = json_string_value(json_object_get(doc, "swept"));
    json_t *rows = json_object_get(doc, "rows"), *row = json_object();
    tmem__jansson_put(row, "value", value, &rc);
    tmem__jansson_put(row, "per_gpu_bytes", json_deep_copy(at_path(run, "per_gpu_bytes.total")), &rc);
    const json_t *fits = json_object_get(run, "fits");
    tmem__jansson_put(row, "fits", fits ? json_deep_copy(fits) : json_null(), &rc);
    size_t n;
    const struct sweep_col *c = cols_of(command ? command : "", &n);
    for (size_t i = 0; i < n; i++) {
        const json_t *v = at_path(run, c[i].path);
        tmem__jansson_put(row, c[i].key, v ? json_deep_copy(v) : json_null(), &rc);
    }
    if (json_is_false(fits) && json_is_null(json_object_get(doc, "first_unfit")))
        tmem__jansson_put(doc, "first_unfit", json_integer((json_int_t)json_array_size(rows)), &rc);
    tmem__jansson_push(rows, row, &rc);
    return rc;
}

int tmem__sweep_doc_dump(FILE *out, const json_t *doc)
{
    char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (s == NULL)
        return -1;
    fputs(s, out);
    fputc('\n', out);
    tmem__dealloc(s);
    return 0;
}

void tmem__sweep_text(FILE *out, const json_t *doc, const struct tmem__table *t, bool si)
{
    const json_t *first = json_object_get(doc, "first_unfit");
    struct tmem__table shown = *t;
    shown.mark_row = json_is_integer(first) ? (size_t)json_integer_value(first) + 1 : 0;
    const char *gpu = json_string_value(json_object_get(json_object_get(doc, "gpu"), "name"));
    fprintf(out, "tmem sweep %s: %s %s%s%s\n\n", json_string_value(json_object_get(doc, "knob")),
            json_string_value(json_object_get(doc, "swept")),
            json_string_value(json_object_get(json_object_get(doc, "model"), "name")), gpu ? " on " : "",
            gpu ? gpu : "");
    tmem__table_text(out, &shown, si);
}
