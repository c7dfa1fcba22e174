/* fuzz_safetensors.c — fuzz target: bytes as a .safetensors file → header
 * (the scanner of st_scan.c, else jansson), layout → summary → model from
 * its tensor names → resolve → inventory → check → both inspect reports.
 * Any input must end in TMEM_OK or a clean error, never a read outside the
 * input. And differential: the same bytes read by jansson alone must give
 * the same status, error and tables, else the target aborts. */
#include "alloc.h"
#include "ckpt_internal.h"
#include "fuzz.h"
#include "inspect.h"

#include <stdlib.h>
#include <string.h>

static bool same_str(const char *a, const char *b) { return (a == NULL) == (b == NULL) && (!a || strcmp(a, b) == 0); }

/* the scanner's reading (a, e1) equals jansson's (b, e2) in every field */
static bool same(enum tmem_status s1, const struct tmem_ckpt *a, const struct tmem_error *e1,
                 enum tmem_status s2, const struct tmem_ckpt *b, const struct tmem_error *e2)
{
    if (s1 != s2)
        return false;
    if (s1 != TMEM_OK)
        return e1->code == e2->code && e1->offset == e2->offset && strcmp(e1->where, e2->where) == 0 &&
               strcmp(e1->msg, e2->msg) == 0;
    if (a->n_tensors != b->n_tensors || a->n_kv != b->n_kv || a->n_files != b->n_files)
        return false;
    for (uint32_t i = 0; i < a->n_files; i++)
        if (a->files[i].header_bytes != b->files[i].header_bytes ||
            a->files[i].n_tensors != b->files[i].n_tensors)
            return false;
    for (uint32_t i = 0; i < a->n_tensors; i++) {
        const struct tmem_ckpt_tensor *x = &a->tensors[i], *y = &b->tensors[i];
        if (!same_str(x->name, y->name) || memcmp(x->dims, y->dims, sizeof x->dims) != 0 ||
            x->n_elems != y->n_elems || x->n_params != y->n_params || x->n_bytes != y->n_bytes ||
            x->offset != y->offset || x->info_offset != y->info_offset || x->file != y->file ||
            x->type != y->type || x->layer != y->layer || x->n_dims != y->n_dims ||
            x->group != y->group || x->reason != y->reason)
            return false;
    }
    for (uint32_t i = 0; i < a->n_kv; i++) {
        const struct tmem_ckpt_kv *x = &a->kv[i], *y = &b->kv[i];
        if (!same_str(x->key, y->key) || x->type != y->type || x->offset != y->offset ||
            x->str_len != y->str_len || memcmp(x->str, y->str, (size_t)x->str_len) != 0)
            return false;
    }
    return true;
}

static void differential(const uint8_t *data, size_t size)
{
    struct tmem_ckpt a, b;
    struct tmem_error e1 = {0}, e2 = {0};
    enum tmem_status s1 = tmem__safetensors_parse_buffer(data, size, "fuzz.safetensors", false, &a, &e1);
    enum tmem_status s2 = tmem__safetensors_parse_buffer(data, size, "fuzz.safetensors", true, &b, &e2);
    bool ok = same(s1, &a, &e1, s2, &b, &e2);
    tmem_ckpt_free(&a);
    tmem_ckpt_free(&b);
    if (!ok) {
        fprintf(stderr, "fuzz_safetensors: the scanner and jansson disagree (%s: %s | %s: %s)\n",
                e1.where, e1.msg, e2.where, e2.msg);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    differential(data, size);
    struct tmem_ckpt c;
    struct tmem_ckpt_summary s;
    struct tmem_ckpt_check *k = tmem__alloc(sizeof *k);
    struct tmem_error err;
    if (k != NULL &&
        tmem_safetensors_parse_buffer(data, size, "fuzz.safetensors", NULL, &c, &err) == TMEM_OK &&
        tmem_ckpt_summarize(&c, &s, &err) == TMEM_OK) {
        struct tmem_model raw, m;
        char notes[256];
        bool checked = tmem_ckpt_model(&c, &raw, notes, sizeof notes, &err) == TMEM_OK &&
                       tmem_model_resolve(&raw, &m, &err) == TMEM_OK &&
                       tmem_ckpt_check(&c, &s, &m, "the tensor names", k, &err) == TMEM_OK;
        struct tmem_inspect_view v = {.ckpt = &c, .sum = &s, .check = checked ? k : NULL,
                                      .no_check = "fuzz", .notes = notes, .tensors = true};
        struct tmem_report_opts o = {0};
        tmem__report_inspect_text(fuzz_sink(), &v, &o);
        tmem__report_inspect_json(fuzz_sink(), &v);
    }
    tmem_ckpt_free(&c);
    tmem__dealloc(k);
    return 0;
}
