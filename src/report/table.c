/* table.c — a JSON document as one table of text cells, for CSV, markdown
 * and aligned text: the rows of the document's main array (named per
 * command below), each row's scalar leaves flattened to dotted column names
 * ("per_gpu_bytes.total"), arrays of scalars joined with ';', arrays of
 * objects left out; a document without a main array gives (key, value)
 * rows of its scalar leaves. Values are written as the JSON writes them, so
 * a CSV's bytes are the JSON's bytes. */
#include "alloc.h"
#include "report_out.h"

#include <string.h>

/* the array a command's table is made of */
static const struct {
    const char *command, *array;
} main_arrays[] = {
    {"params", "tensors"}, {"train", "entries"}, {"infer", "entries"}, {"serve", "entries"},
    {"lab", "entries"},    {"plan", "layouts"},  {"inspect", "tensors"}, {"models", "models"},
    {"gpus", "gpus"},      {"sweep", "rows"},
};

static char *dup_text(const char *s, size_t n)
{
    char *d = tmem__alloc(n + 1);
    if (d != NULL) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* a scalar as the JSON writer writes it (a string: its text) */
static char *scalar_text(const json_t *v)
{
    if (json_is_string(v))
        return dup_text(json_string_value(v), json_string_length(v));
    if (json_is_null(v))
        return dup_text("", 0);
    char *s = json_dumps(v, JSON_ENCODE_ANY);
    if (s == NULL)
        return NULL;
    char *d = dup_text(s, strlen(s));
    tmem__dealloc(s);
    return d;
}

/* an array of scalars joined with ';'; NULL when it holds an object or array */
static char *joined_text(const json_t *a, bool *skip)
{
    size_t i, len = 0;
    const json_t *v;
    char *out = dup_text("", 0);
    json_array_foreach(a, i, v) {
        if (json_is_object(v) || json_is_array(v)) {
            *skip = true;
            tmem__dealloc(out);
            return NULL;
        }
        char *s = scalar_text(v);
        if (s == NULL || out == NULL) {
            tmem__dealloc(s);
            tmem__dealloc(out);
            return NULL;
        }
        size_t n = strlen(s);
        char *grown = tmem__alloc(len + n + 2);
        if (grown != NULL) {
            memcpy(grown, out, len);
            if (i > 0)
                grown[len++] = ';';
            memcpy(grown + len, s, n + 1);
            len += n;
        }
        tmem__dealloc(s);
        tmem__dealloc(out);
        if (grown == NULL)
            return NULL;
        out = grown;
    }
    return out;
}

/* A growing list of (column name, cell text) pairs: one flattened row. */
struct pairs {
    char **key, **val;
    size_t n, cap;
    int rc;
};

static void pairs_add(struct pairs *p, const char *key, char *val)
{
    if (val == NULL)
        p->rc = -1;
    if (p->rc != 0) {
        tmem__dealloc(val);
        return;
    }
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 32;
        char **k = tmem__calloc(cap, sizeof *k), **v = tmem__calloc(cap, sizeof *v);
        if (k == NULL || v == NULL) {
            tmem__dealloc(k);
            tmem__dealloc(v);
            tmem__dealloc(val);
            p->rc = -1;
            return;
        }
        if (p->n > 0) {
            memcpy(k, p->key, p->n * sizeof *k);
            memcpy(v, p->val, p->n * sizeof *v);
        }
        tmem__dealloc(p->key);
        tmem__dealloc(p->val);
        p->key = k;
        p->val = v;
        p->cap = cap;
    }
    p->key[p->n] = dup_text(key, strlen(key));
    p->val[p->n] = val;
    if (p->key[p->n] == NULL)
        p->rc = -1;
    p->n++;
}

static void pairs_free(struct pairs *p)
{
    for (size_t i = 0; i < p->n; i++) {
        tmem__dealloc(p->key[i]);
        tmem__dealloc(p->val[i]);
    }
    tmem__dealloc(p->key);
    tmem__dealloc(p->val);
    *p = (struct pairs){0};
}

/* v's scalar leaves under prefix into p */
static void flatten(const json_t *v, const char *prefix, struct pairs *p)
{
    if (json_is_object(v)) {
        const char *k;
        const json_t *c;
        json_object_foreach((json_t *)v, k, c) {
            char key[512];
            snprintf(key, sizeof key, "%s%s%s", prefix, *prefix ? "." : "", k);
            flatten(c, key, p);
        }
    } else if (json_is_array(v)) {
        bool skip = false;
        char *s = joined_text(v, &skip);
        if (!skip)
            pairs_add(p, prefix, s);
    } else {
        pairs_add(p, prefix, scalar_text(v));
    }
}

static const json_t *main_array(const json_t *doc)
{
    const char *command = json_string_value(json_object_get(doc, "command"));
    for (size_t i = 0; command != NULL && i < sizeof main_arrays / sizeof main_arrays[0]; i++)
        if (strcmp(main_arrays[i].command, command) == 0) {
            const json_t *a = json_object_get(doc, main_arrays[i].array);
            return json_is_array(a) ? a : NULL;
        }
    return NULL;
}

static int table_alloc(struct tmem__table *t, size_t n_rows, size_t n_cols)
{
    *t = (struct tmem__table){.n_cols = n_cols, .n_rows = n_rows};
    t->cells = tmem__calloc(n_rows * n_cols > 0 ? n_rows * n_cols : 1, sizeof *t->cells);
    return t->cells ? 0 : -1;
}

static int cell(struct tmem__table *t, size_t r, size_t c, const char *s)
{
    t->cells[r * t->n_cols + c] = dup_text(s, strlen(s));
    return t->cells[r * t->n_cols + c] ? 0 : -1;
}

/* (key, value) rows of doc's scalar leaves */
static int key_value_table(const json_t *doc, struct tmem__table *t)
{
    struct pairs p = {0};
    flatten(doc, "", &p);
    int rc = p.rc != 0 || table_alloc(t, p.n + 1, 2) != 0 ? -1 : 0;
    if (rc == 0)
        rc = cell(t, 0, 0, "key") | cell(t, 0, 1, "value");
    for (size_t i = 0; rc == 0 && i < p.n; i++) {
        t->cells[(i + 1) * 2] = p.key[i];
        t->cells[(i + 1) * 2 + 1] = p.val[i];
        p.key[i] = p.val[i] = NULL;
    }
    pairs_free(&p);
    return rc;
}

int tmem__table_from_doc(const json_t *doc, struct tmem__table *t)
{
    *t = (struct tmem__table){0};
    const json_t *rows = main_array(doc);
    if (rows == NULL)
        return key_value_table(doc, t) == 0 ? 0 : (tmem__table_free(t), -1);
    size_t n = json_array_size(rows);
    struct pairs *flat = tmem__calloc(n ? n : 1, sizeof *flat);
    struct pairs cols = {0}; /* the union of the columns, in first-seen order */
    int rc = flat ? 0 : -1;
    for (size_t r = 0; rc == 0 && r < n; r++) {
        flatten(json_array_get(rows, r), "", &flat[r]);
        rc = flat[r].rc;
        for (size_t i = 0; rc == 0 && i < flat[r].n; i++) {
            size_t c = 0;
            while (c < cols.n && strcmp(cols.key[c], flat[r].key[i]) != 0)
                c++;
            if (c == cols.n)
                pairs_add(&cols, flat[r].key[i], dup_text("", 0));
            rc = cols.rc;
        }
    }
    if (rc == 0)
        rc = table_alloc(t, n + 1, cols.n);
    for (size_t c = 0; rc == 0 && c < cols.n; c++)
        rc = cell(t, 0, c, cols.key[c]);
    for (size_t r = 0; rc == 0 && r < n; r++)
        for (size_t c = 0; rc == 0 && c < cols.n; c++) {
            const char *s = "";
            for (size_t i = 0; i < flat[r].n; i++)
                if (strcmp(flat[r].key[i], cols.key[c]) == 0)
                    s = flat[r].val[i];
            rc = cell(t, r + 1, c, s);
        }
    for (size_t r = 0; flat != NULL && r < n; r++)
        pairs_free(&flat[r]);
    tmem__dealloc(flat);
    pairs_free(&cols);
    if (rc != 0)
        tmem__table_free(t);
    return rc;
}

void tmem__table_free(struct tmem__table *t)
{
    for (size_t i = 0; t->cells != NULL && i < t->n_rows * t->n_cols; i++)
        tmem__dealloc(t->cells[i]);
    tmem__dealloc(t->cells);
    *t = (struct tmem__table){0};
}
