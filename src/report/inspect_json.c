/* inspect_json.c — `tmem inspect --json` (jansson): schema_version,
 * tmem_version, command, then the contract's total_params, total_bytes,
 * tensor_count, groups and dtypes, then the files, the GGUF metadata or
 * safetensors __metadata__, the check against the formula and, with
 * --tensors, every tensor. Keys keep this order; counts and bytes are exact
 * JSON integers. */
#include "alloc.h"
#include "inspect.h"
#include "json_put.h"
#include "json_text.h"

#include <jansson.h>
#include <string.h>

/* a string that may not be UTF-8 (GGUF strings, file names are bytes):
 * bad bytes become U+FFFD, counted in *bad for "invalid_utf8_replaced" */
static json_t *jstr(const char *s, size_t len, uint32_t *bad)
{
    return tmem__json_text(s, len, bad);
}

static json_t *kv_value(const struct tmem_ckpt_kv *kv, int *rc, uint32_t *bad)
{
    switch (kv->type) {
    case TMEM_GGUF_UINT8:
    case TMEM_GGUF_UINT16:
    case TMEM_GGUF_UINT32:
    case TMEM_GGUF_UINT64:
        return kv->v.u <= (uint64_t)INT64_MAX ? json_integer((json_int_t)kv->v.u)
                                              : json_real((double)kv->v.u);
    case TMEM_GGUF_INT8:
    case TMEM_GGUF_INT16:
    case TMEM_GGUF_INT32:
    case TMEM_GGUF_INT64: return json_integer((json_int_t)kv->v.i);
    case TMEM_GGUF_FLOAT32:
    case TMEM_GGUF_FLOAT64: {
        json_t *r = json_real(kv->v.f);
        return r ? r : json_null(); /* NaN and infinities are not JSON */
    }
    case TMEM_GGUF_BOOL: return json_boolean(kv->v.b);
    case TMEM_GGUF_STRING: return jstr(kv->str, (size_t)kv->str_len, bad);
    case TMEM_GGUF_ARRAY: {
        json_t *a = json_object();
        tmem__jansson_put(a, "type", json_string("array"), rc);
        tmem__jansson_put(a, "elem_type", json_string(tmem_gguf_type_name(kv->elem_type)), rc);
        *rc |= tmem__jansson_set_u64(a, "length", kv->n_elems);
        return a;
    }
    default: return json_null();
    }
}

static json_t *groups_obj(const uint64_t *v, const struct tmem_ckpt_summary *s, int *rc)
{
    json_t *g = json_object();
    for (unsigned i = 0; i < TMEM_CKPT_GROUP_COUNT; i++) {
        if (i >= (unsigned)TMEM_GROUP_ROUTER && i < TMEM_CKPT_GROUP_OTHER &&
            s->group_tensors[i] == 0)
            continue;
        *rc |= tmem__jansson_set_u64(g, tmem_ckpt_group_name(i), v[i]);
    }
    return g;
}

static json_t *check_obj(const struct tmem_inspect_view *v, int *rc, uint32_t *bad)
{
    const struct tmem_ckpt_check *k = v->check;
    json_t *o = json_object();
    tmem__jansson_put(o, "against", jstr(k->against, strlen(k->against), bad), rc);
    tmem__jansson_put(o, "family", json_string(tmem_family_info(k->model.family)->name), rc);
    *rc |= tmem__jansson_set_u64(o, "formula_params", k->formula_params);
    *rc |= tmem__jansson_set_u64(o, "compared_params", k->compared_params);
    tmem__jansson_put(o, "matches", json_boolean(k->matches), rc);
    tmem__jansson_put(o, "tied_embeddings", json_boolean(k->tied), rc);
    static const char *const tag[] = {"ok", "differs", "note"};
    json_t *lines = json_array(), *diffs = json_array();
    for (uint32_t i = 0; i < k->n_lines; i++) {
        json_t *l = json_object();
        tmem__jansson_put(l, "status", json_string(tag[k->lines[i].status]), rc);
        tmem__jansson_put(l, "text", jstr(k->lines[i].text, strlen(k->lines[i].text), bad), rc);
        tmem__jansson_push(lines, l, rc);
        if (k->lines[i].status == TMEM_CHECK_DIFF)
            tmem__jansson_push(diffs, jstr(k->lines[i].text, strlen(k->lines[i].text), bad), rc);
    }
    tmem__jansson_put(o, "lines", lines, rc);
    tmem__jansson_put(o, "differences", diffs, rc);
    tmem__jansson_put(o, "notes", jstr(v->notes ? v->notes : "", v->notes ? strlen(v->notes) : 0, bad), rc);
    return o;
}

/* ------------------------------------------------------------ streaming
 * With --tensors the document holds about 250 bytes per tensor (2^24
 * tensors at most: ~4 GB), so it is never built whole. The document without
 * "tensors" (and without "invalid_utf8_replaced", which follows it and
 * counts the tensor names too) is built and dumped as before; then each tensor
 * is built, dumped and freed in turn, re-indented to its depth, into a
 * buffer that is written out each time it passes INSPECT_JSON_BUFFER_BYTES.
 * The text is the same as one json_dumps of the whole document; one that
 * fits the buffer is printed whole or not at all, a larger one may stop
 * part-way when memory or the output fails (-1 then). */

#define INSPECT_JSON_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII)
#define INSPECT_JSON_BUFFER_BYTES ((size_t)4 << 20)

struct sink {
    FILE *out;
    char *buf;
    size_t len, cap;
    size_t indent; /* spaces after each newline: a nested dump's depth */
};

static int sink_put(struct sink *k, const char *p, size_t n)
{
    if (n > SIZE_MAX / 2 - k->len)
        return -1;
    if (k->len + n > k->cap) {
        size_t cap = k->cap ? k->cap : 4096;
        while (cap < k->len + n)
            cap *= 2;
        char *b = tmem__alloc(cap);
        if (b == NULL)
            return -1;
        if (k->len)
            memcpy(b, k->buf, k->len);
        tmem__dealloc(k->buf);
        k->buf = b;
        k->cap = cap;
    }
    memcpy(k->buf + k->len, p, n);
    k->len += n;
    return 0;
}

static int sink_str(struct sink *k, const char *s) { return sink_put(k, s, strlen(s)); }

static int sink_flush(struct sink *k)
{
    if (k->len && fwrite(k->buf, 1, k->len, k->out) != k->len)
        return -1;
    k->len = 0;
    return 0;
}

/* json_dump_callback's sink: jansson escapes newlines inside strings, so
 * every raw '\n' is layout, and k->indent spaces after it move the dump to
 * its depth in the document. */
static int sink_dump(const char *p, size_t n, void *data)
{
    static const char spaces[] = "        ";
    struct sink *k = data;
    const char *nl;
    while (n > 0 && (nl = memchr(p, '\n', n)) != NULL) {
        size_t seg = (size_t)(nl - p) + 1;
        if (sink_put(k, p, seg) != 0 || sink_put(k, spaces, k->indent) != 0)
            return -1;
        p += seg;
        n -= seg;
    }
    return n ? sink_put(k, p, n) : 0;
}

/* the document so far, without its closing "\n}" */
static int dump_head(struct sink *k, const json_t *d)
{
    if (json_dump_callback(d, sink_dump, k, INSPECT_JSON_FLAGS) != 0 || k->len < 2 ||
        memcmp(k->buf + k->len - 2, "\n}", 2) != 0)
        return -1;
    k->len -= 2;
    return 0;
}

/* every value a tensor object holds is a JSON integer (checked before
 * anything is printed) */
static int tensors_fit_json(const struct tmem_ckpt *c)
{
    for (uint32_t i = 0; i < c->n_tensors; i++) {
        const struct tmem_ckpt_tensor *t = &c->tensors[i];
        uint64_t big = t->n_elems | t->n_bytes | t->offset;
        for (unsigned k = 0; k < t->n_dims; k++)
            big |= t->dims[k];
        if (big > (uint64_t)INT64_MAX)
            return -1;
    }
    return 0;
}

static json_t *tensor_obj(const struct tmem_ckpt *c, const struct tmem_ckpt_tensor *t, int *rc,
                          uint32_t *bad)
{
    const struct tmem_block_type *ti = tmem_ckpt_type_info(c->format, t->type);
    json_t *o = json_object();
    tmem__jansson_put(o, "name", jstr(t->name, strlen(t->name), bad), rc);
    tmem__jansson_put(o, "group", json_string(tmem_ckpt_group_name(t->group)), rc);
    tmem__jansson_put(o, "type", json_string(ti ? ti->name : "?"), rc);
    if (c->format == TMEM_CKPT_GGUF)
        tmem__jansson_put(o, "ggml_type", json_integer(t->type), rc);
    json_t *shape = json_array();
    for (unsigned k = 0; k < t->n_dims; k++)
        tmem__jansson_push(shape, json_integer((json_int_t)t->dims[k]), rc);
    tmem__jansson_put(o, "shape", shape, rc);
    *rc |= tmem__jansson_set_u64(o, "params", t->n_params);
    *rc |= tmem__jansson_set_u64(o, "elements", t->n_elems);
    *rc |= tmem__jansson_set_u64(o, "bytes", t->n_bytes);
    *rc |= tmem__jansson_set_u64(o, "offset", t->offset);
    *rc |= tmem__jansson_set_u64(o, "file", t->file);
    return o;
}

/* ,"key": n at depth 1, as jansson writes an integer member */
static int sink_count(struct sink *k, const char *key, uint32_t n)
{
    char member[96];
    snprintf(member, sizeof member, ",\n  \"%s\": %lu", key, (unsigned long)n);
    return sink_str(k, member);
}

/* ,"tensors": [ one object per tensor ], at depth 1 */
static int stream_tensors(struct sink *k, const struct tmem_ckpt *c, uint32_t *bad)
{
    int rc = sink_str(k, ",\n  \"tensors\": [");
    for (uint32_t i = 0; rc == 0 && i < c->n_tensors; i++) {
        json_t *o = tensor_obj(c, &c->tensors[i], &rc, bad);
        rc |= sink_str(k, i ? ",\n    " : "\n    ");
        k->indent = 4;
        if (rc == 0 && json_dump_callback(o, sink_dump, k, INSPECT_JSON_FLAGS) != 0)
            rc = -1;
        k->indent = 0;
        json_decref(o);
        if (rc == 0 && k->len >= INSPECT_JSON_BUFFER_BYTES)
            rc = sink_flush(k);
    }
    if (rc == 0)
        rc = sink_str(k, c->n_tensors ? "\n  ]" : "]");
    return rc;
}

int tmem__report_inspect_json(FILE *out, const struct tmem_inspect_view *v)
{
    const struct tmem_ckpt *c = v->ckpt;
    const struct tmem_ckpt_summary *s = v->sum;
    struct sink sink = {.out = out};
    int rc = v->tensors ? tensors_fit_json(c) : 0;
    uint32_t bad = 0; /* strings whose bytes were not all UTF-8 */
    json_t *d = json_object();
    tmem__jansson_put(d, "schema_version", json_integer(TMEM_SCHEMA_VERSION), &rc);
    tmem__jansson_put(d, "tmem_version", json_string(TMEM_VERSION), &rc);
    tmem__jansson_put(d, "command", json_string("inspect"), &rc);
    tmem__jansson_put(d, "path", jstr(c->path, strlen(c->path), &bad), &rc);
    tmem__jansson_put(d, "format",
                        json_string(c->format == TMEM_CKPT_GGUF ? "gguf" : "safetensors"), &rc);
    rc |= tmem__jansson_set_u64(d, "total_params", s->total_params);
    rc |= tmem__jansson_set_u64(d, "total_bytes", s->total_bytes);
    rc |= tmem__jansson_set_u64(d, "quant_overhead_bytes", s->quant_bytes);
    rc |= tmem__jansson_set_u64(d, "quant_overhead_tensors", s->quant_tensors);
    rc |= tmem__jansson_set_u64(d, "tensor_count", c->n_tensors);
    tmem__jansson_put(d, "groups", groups_obj(s->group_params, s, &rc), &rc);
    json_t *dt = json_object(), *dp = json_object();
    for (uint32_t i = 0; i < s->n_dtypes; i++) {
        const struct tmem_block_type *ti = tmem_ckpt_type_info(c->format, s->dtypes[i].type);
        const char *name = ti ? ti->name : "?";
        rc |= tmem__jansson_set_u64(dt, name, s->dtypes[i].bytes);
        rc |= tmem__jansson_set_u64(dp, name, s->dtypes[i].params);
    }
    tmem__jansson_put(d, "dtypes", dt, &rc);
    tmem__jansson_put(d, "dtype_params", dp, &rc);
    tmem__jansson_put(d, "group_bytes", groups_obj(s->group_bytes, s, &rc), &rc);
    tmem__jansson_put(d, "bits_per_weight", json_real(s->bits_per_weight), &rc);
    rc |= tmem__jansson_set_u64(d, "header_bytes", s->header_bytes);
    rc |= tmem__jansson_set_u64(d, "file_bytes", s->file_bytes);

    json_t *files = json_array();
    for (uint32_t i = 0; i < c->n_files; i++) {
        json_t *f = json_object();
        tmem__jansson_put(f, "path", jstr(c->files[i].path, strlen(c->files[i].path), &bad), &rc);
        rc |= tmem__jansson_set_u64(f, "file_bytes", c->files[i].file_bytes);
        rc |= tmem__jansson_set_u64(f, "header_bytes", c->files[i].header_bytes);
        rc |= tmem__jansson_set_u64(f, "tensor_count", c->files[i].n_tensors);
        tmem__jansson_push(files, f, &rc);
    }
    tmem__jansson_put(d, "files", files, &rc);
    if (c->index_path) {
        json_t *ix = json_object();
        tmem__jansson_put(ix, "path", jstr(c->index_path, strlen(c->index_path), &bad), &rc);
        if (c->has_index_total)
            rc |= tmem__jansson_set_u64(ix, "total_size", c->index_total_bytes);
        tmem__jansson_put(d, "index", ix, &rc);
    } else {
        tmem__jansson_put(d, "index", json_null(), &rc);
    }

    json_t *meta = json_object();
    for (uint32_t i = 0; i < c->n_kv; i++) {
        json_t *val = kv_value(&c->kv[i], &rc, &bad);
        if (meta == NULL || val == NULL) {
            json_decref(val);
            rc = -1;
        } else if (tmem__json_set_text_key(meta, c->kv[i].key, val, &bad) != 0) {
            rc = -1;
        }
    }
    if (c->format == TMEM_CKPT_GGUF) {
        json_t *g = json_object();
        tmem__jansson_put(g, "version", json_integer(c->gguf_version), &rc);
        rc |= tmem__jansson_set_u64(g, "alignment", c->gguf_alignment);
        rc |= tmem__jansson_set_u64(g, "data_offset", c->gguf_data_offset);
        rc |= tmem__jansson_set_u64(g, "kv_count", c->n_kv);
        tmem__jansson_put(g, "metadata", meta, &rc);
        tmem__jansson_put(d, "gguf", g, &rc);
    } else {
        tmem__jansson_put(d, "metadata", meta, &rc);
    }

    tmem__jansson_put(d, "check", v->check ? check_obj(v, &rc, &bad) : json_null(), &rc);
    if (v->check == NULL)
        tmem__jansson_put(d, "no_check", jstr(v->no_check ? v->no_check : "", v->no_check ? strlen(v->no_check) : 0, &bad), &rc);

    if (rc == 0) {
        rc = dump_head(&sink, d);
        json_decref(d);
        d = NULL;
    }
    if (rc == 0 && v->tensors)
        rc = stream_tensors(&sink, c, &bad);
    if (rc == 0 && bad > 0) /* only then: documents of UTF-8 text stay as they were */
        rc = sink_count(&sink, "invalid_utf8_replaced", bad);
    if (rc == 0)
        rc = sink_str(&sink, "\n}\n");
    if (rc == 0)
        rc = sink_flush(&sink);
    json_decref(d);
    tmem__dealloc(sink.buf);
    return rc;
}
