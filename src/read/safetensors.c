/* safetensors.c — safetensors headers (jansson) and sharded indexes.
 *
 * Validation follows the format's reference implementation
 * (huggingface/safetensors, safetensors/src/tensor.rs, read_metadata and
 * Metadata::validate): the 8-byte little-endian header length is at most
 * 100,000,000 and fits in the file; the header is UTF-8 JSON; every tensor
 * has a known dtype, a shape and two data_offsets; shape × dtype size equals
 * the offsets' span; sorted by offset, the spans start at 0, touch without
 * gaps or overlaps, and the last ends at the end of the file. Names are
 * unique. A sharded checkpoint's index (weight_map, metadata.total_size)
 * must agree with the shards' headers exactly. Tensor data is never read. */
#define _POSIX_C_SOURCE 200809L
#include "checked.h"
#include "ckpt_internal.h"
#include "reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include "errtext.h"
#include "utf8.h"
#include "jsonutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Byte offset of the JSON key "name" in text, searching from `from`, or
 * `dflt`: a quoted string followed by a colon. It only points errors at the
 * right place, so names needing JSON escapes fall back to dflt. */
static uint64_t key_offset_from(const char *text, size_t len, size_t from, const char *name,
                                uint64_t dflt)
{
    size_t k = strlen(name);
    for (const char *p = text + from, *end = text + len;
         k + 2 <= (size_t)(end - p) && (p = memchr(p, '"', (size_t)(end - p) - k - 1)) != NULL;
         p++) {
        if ((k > 0 && p[1] != name[0]) || memcmp(p + 1, name, k) != 0 || p[k + 1] != '"')
            continue;
        const char *q = p + k + 2;
        while (q < end && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r'))
            q++;
        if (q < end && *q == ':')
            return (uint64_t)(p - text);
    }
    return dflt;
}

static uint64_t key_offset(const char *text, size_t len, const char *name, uint64_t dflt)
{
    return key_offset_from(text, len, 0, name, dflt);
}

static uint64_t json_syntax_offset(const json_error_t *je)
{
    return je->position > 0 ? (uint64_t)je->position - 1 : 0;
}

struct st_parse {
    struct tmem_ckpt *c;
    uint32_t file;
    const char *path;
    const char *hdr;
    size_t hdr_len;
    size_t scan;             /* keys come in text order: where the last one was */
    struct tmem_error *err;
};

/* "<name>.<what>" as the error's field; the offset is the name's key */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 5, 6)))
#endif
static enum tmem_status tensor_fail(struct st_parse *p, enum tmem_status code, const char *name,
                                    const char *what, const char *fmt, ...)
{
    char field[TMEM_ERROR_WHERE_LEN], msg[TMEM_ERROR_MSG_LEN];
    int n = snprintf(field, sizeof field, "%s%s%s", name, what ? "." : "", what ? what : "");
    if (n > 0 && (size_t)n >= sizeof field)
        tmem__cut_mark(field, sizeof field);
    va_list ap;
    va_start(ap, fmt);
    n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n >= sizeof msg)
        tmem__cut_mark(msg, sizeof msg);
    uint64_t off = 8 + key_offset(p->hdr, p->hdr_len, name, 0);
    return tmem__ckpt_fail(p->err, code, p->path, field, off, "%s", msg);
}

static enum tmem_status parse_metadata(struct st_parse *p, json_t *meta)
{
    uint64_t off = 8 + key_offset(p->hdr, p->hdr_len, "__metadata__", 0);
    if (!json_is_object(meta))
        return tmem__ckpt_fail(p->err, TMEM_ERR_SCHEMA, p->path, "__metadata__", off,
                              "expected an object of strings, got %s", tmem__json_kind(meta));
    const char *k;
    json_t *v;
    json_object_foreach(meta, k, v)
    {
        char q[TMEM_QUOTE_CAP];
        if (!json_is_string(v))
            return tmem__ckpt_fail(p->err, TMEM_ERR_SCHEMA, p->path, "__metadata__", off,
                                  "value of %s is %s but must be a string", tmem__quote(q, k),
                                  tmem__json_kind(v));
        if (p->file != 0)
            continue; /* shards repeat it; the first one's is kept */
        struct tmem_ckpt_kv *kv = tmem__ckpt_push_kv(p->c, p->path, p->err);
        if (kv == NULL)
            return p->err ? p->err->code : TMEM_ERR_NOMEM;
        size_t sl = json_string_length(v);
        kv->key = tmem__arena_strndup(p->c, k, strlen(k));
        kv->str = tmem__arena_strndup(p->c, json_string_value(v), sl);
        if (kv->key == NULL || kv->str == NULL)
            return tmem__ckpt_fail(p->err, TMEM_ERR_NOMEM, p->path, NULL, 0, "out of memory");
        kv->type = TMEM_GGUF_STRING;
        kv->str_len = sl;
        kv->offset = off;
    }
    return TMEM_OK;
}

/* a JSON integer ≥ 0 */
static bool json_u64(const json_t *v, uint64_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return false;
    *out = (uint64_t)json_integer_value(v);
    return true;
}

static enum tmem_status parse_tensor(struct st_parse *p, const char *name, json_t *info)
{
    if (!json_is_object(info))
        return tensor_fail(p, TMEM_ERR_SCHEMA, name, NULL,
                           "expected an object {dtype, shape, data_offsets}, got %s",
                           tmem__json_kind(info));
    json_t *dtype = json_object_get(info, "dtype");
    json_t *shape = json_object_get(info, "shape");
    json_t *offs = json_object_get(info, "data_offsets");
    if (!json_is_string(dtype))
        return tensor_fail(p, dtype ? TMEM_ERR_SCHEMA : TMEM_ERR_MISSING_KEY, name, "dtype",
                           "expected a dtype string, got %s", dtype ? tmem__json_kind(dtype) : "nothing");
    enum tmem_st_dtype dt = tmem_st_dtype_from_name(json_string_value(dtype));
    char q[TMEM_QUOTE_CAP];
    if (dt == TMEM_ST_DTYPE_COUNT)
        return tensor_fail(p, TMEM_ERR_UNSUPPORTED, name, "dtype",
                           "unknown dtype %s (known: F64, F32, F16, BF16, F8_E4M3, F8_E5M2, "
                           "I64, I32, I16, I8, U64, U32, U16, U8, BOOL)",
                           tmem__quote(q, json_string_value(dtype)));
    if (!json_is_array(shape))
        return tensor_fail(p, shape ? TMEM_ERR_SCHEMA : TMEM_ERR_MISSING_KEY, name, "shape",
                           "expected an array of sizes, got %s", shape ? tmem__json_kind(shape) : "nothing");
    size_t nd = json_array_size(shape);
    if (nd > TMEM_MAX_CKPT_DIMS)
        return tensor_fail(p, TMEM_ERR_LIMIT, name, "shape",
                           "%zu dimensions but at most %u are read", nd, TMEM_MAX_CKPT_DIMS);
    if (!json_is_array(offs) || json_array_size(offs) != 2)
        return tensor_fail(p, offs ? TMEM_ERR_SCHEMA : TMEM_ERR_MISSING_KEY, name,
                           "data_offsets", "expected [begin, end], got %s",
                           offs ? tmem__json_kind(offs) : "nothing");
    uint64_t begin, end;
    if (!json_u64(json_array_get(offs, 0), &begin) || !json_u64(json_array_get(offs, 1), &end))
        return tensor_fail(p, TMEM_ERR_SCHEMA, name, "data_offsets",
                           "offsets must be non-negative integers");
    if (end < begin)
        return tensor_fail(p, TMEM_ERR_INCONSISTENT, name, "data_offsets",
                           "end %llu is before begin %llu", (unsigned long long)end,
                           (unsigned long long)begin);

    struct tmem_ckpt_tensor *t = tmem__ckpt_push_tensor(p->c, p->path, p->err);
    if (t == NULL)
        return p->err ? p->err->code : TMEM_ERR_NOMEM;
    t->name = tmem__arena_strndup(p->c, name, strlen(name));
    if (t->name == NULL)
        return tmem__ckpt_fail(p->err, TMEM_ERR_NOMEM, p->path, NULL, 0, "out of memory");
    t->file = p->file;
    t->type = (uint32_t)dt;
    t->n_dims = (uint8_t)nd;
    uint64_t elems = 1;
    for (size_t i = 0; i < nd; i++) {
        if (!json_u64(json_array_get(shape, i), &t->dims[i]))
            return tensor_fail(p, TMEM_ERR_SCHEMA, name, "shape",
                               "sizes must be non-negative integers (dimension %zu)", i);
        if (!tmem_mul_u64(elems, t->dims[i], &elems))
            return tensor_fail(p, TMEM_ERR_OVERFLOW, name, "shape",
                               "the product of the sizes does not fit in 64 bits");
    }
    const struct tmem_block_type *ti = tmem_ckpt_type_info(TMEM_CKPT_SAFETENSORS, t->type);
    if (!tmem_mul_u64(elems, ti->block_bytes, &t->n_bytes))
        return tensor_fail(p, TMEM_ERR_OVERFLOW, name, "shape",
                           "shape × %s size does not fit in 64 bits", ti->name);
    t->n_elems = elems;
    if (end - begin != t->n_bytes)
        return tensor_fail(p, TMEM_ERR_INCONSISTENT, name, "data_offsets",
                           "data_offsets span %llu bytes but shape × %s size is %llu bytes",
                           (unsigned long long)(end - begin), ti->name,
                           (unsigned long long)t->n_bytes);
    t->offset = begin; /* relative until the layout is validated */
    uint64_t at = key_offset_from(p->hdr, p->hdr_len, p->scan, name, UINT64_MAX);
    if (at == UINT64_MAX)
        at = key_offset(p->hdr, p->hdr_len, name, 0);
    else
        p->scan = (size_t)at + 1;
    t->info_offset = 8 + at;
    return TMEM_OK;
}

static int cmp_span(const void *a, const void *b)
{
    const struct tmem_ckpt_tensor *x = a, *y = b;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    return (x->n_bytes > y->n_bytes) - (x->n_bytes < y->n_bytes);
}

/* a name made only of what JSON puts between two strings (whitespace,
 * ",:{}[]", digits): the text between a string's closing quote and the next
 * string's opening quote can read as such a key */
static bool between_strings_only(const char *s)
{
    for (; *s; s++)
        if (strchr(" \t\n\r,:{}[]0123456789", *s) == NULL)
            return false;
    return true;
}

/* The scanner's tensors from `first` on (text order, as jansson's
 * iteration gives them) get the info_offset parse_tensor gives: the first
 * "<name>" followed by a colon at or after the last one found. The scanner
 * says where each tensor's own key is (P); the search is needed only where
 * something else could come first. Everything between the previous key
 * and P is that tensor's object, whose only keys are dtype, shape and
 * data_offsets, and every quote in the text opens or closes a plain
 * string (the scanner took no other). So a "<name>": before P is one of
 * those keys, a key of __metadata__ (when it lies between), or the text
 * between two strings (between_strings_only): otherwise P is the answer,
 * without searching the ~100 bytes before it for each of 90,000 tensors.
 * The metadata rows get the offset parse_metadata gives, by the same
 * search. */
static void scanned_offsets(struct st_parse *p, uint32_t first, uint32_t first_kv,
                            const size_t meta[2])
{
    size_t from_prev = 0; /* where the search starts when the previous key was found at its own place */
    for (uint32_t i = first; i < p->c->n_tensors; i++) {
        struct tmem_ckpt_tensor *t = &p->c->tensors[i];
        const size_t own = (size_t)t->info_offset;
        uint64_t at;
        const char *nm = t->name;
        bool like_key = (nm[0] == 'd' || nm[0] == 's') &&
                        (strcmp(nm, "dtype") == 0 || strcmp(nm, "shape") == 0 ||
                         strcmp(nm, "data_offsets") == 0);
        if (p->scan == from_prev && !(meta[0] < own && meta[1] > p->scan) && !like_key &&
            !between_strings_only(nm)) {
            at = own;
            p->scan = own + 1;
        } else {
            at = key_offset_from(p->hdr, p->hdr_len, p->scan, t->name, UINT64_MAX);
            if (at == UINT64_MAX)
                at = key_offset(p->hdr, p->hdr_len, t->name, 0);
            else
                p->scan = (size_t)at + 1;
        }
        from_prev = own + 1;
        t->info_offset = 8 + at;
    }
    if (p->c->n_kv > first_kv) {
        uint64_t off = 8 + key_offset(p->hdr, p->hdr_len, "__metadata__", 0);
        for (uint32_t i = first_kv; i < p->c->n_kv; i++)
            p->c->kv[i].offset = off;
    }
}

enum tmem_status tmem__safetensors_parse_header(struct tmem_ckpt *c, uint32_t file,
                                               const char *hdr, size_t hdr_len,
                                               struct tmem_error *err)
{
    struct st_parse p = {.c = c, .file = file, .path = c->files[file].path, .hdr = hdr,
                         .hdr_len = hdr_len, .err = err};
    const uint64_t data_start = 8 + (uint64_t)hdr_len;
    const uint64_t file_bytes = c->files[file].file_bytes;
    size_t bad = tmem__utf8_invalid_at((const unsigned char *)hdr, hdr_len);
    if (bad < hdr_len)
        return tmem__ckpt_fail(err, TMEM_ERR_SYNTAX, p.path, "header", 8 + bad,
                              "the header is not valid UTF-8 (byte 0x%02x)",
                              (unsigned)(unsigned char)hdr[bad]);
    enum tmem_status st = TMEM_OK;
    uint32_t first = c->n_tensors;
    json_t *root = NULL;
    if (!c->jansson_only) {
        uint32_t first_kv = c->n_kv;
        size_t meta[2];
        if (tmem__st_scan_header(c, file, hdr, hdr_len, meta)) {
            scanned_offsets(&p, first, first_kv, meta);
            goto layout;
        }
    }
    json_error_t je;
    root = tmem__json_loadb(hdr, hdr_len, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL) {
        bool dup = strstr(je.text, "duplicate") != NULL;
        uint64_t at = json_syntax_offset(&je);
        if (dup) /* jansson stops after the key: point at its opening quote */
            while (at > 0 && at <= hdr_len && hdr[at - 1] != '"')
                at--;
        if (dup && at > 0)
            at = at >= 2 ? at - 1 : 0;
        return tmem__ckpt_fail(err, dup ? TMEM_ERR_INCONSISTENT : tmem__json_load_status(&je), p.path,
                              "header", 8 + at, "%s%s",
                              dup ? "a tensor name appears twice: " : "the header is not JSON: ",
                              je.text);
    }
    if (!json_is_object(root)) {
        st = tmem__ckpt_fail(err, TMEM_ERR_SCHEMA, p.path, "header", 8,
                            "expected a JSON object of tensors, got %s", tmem__json_kind(root));
        goto done;
    }
    st = tmem__ckpt_reserve(c, json_object_size(root), 0, p.path, err);
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val)
    {
        if (st != TMEM_OK)
            break;
        if (strcmp(key, "__metadata__") == 0)
            st = parse_metadata(&p, val);
        else
            st = parse_tensor(&p, key, val);
    }
    if (st != TMEM_OK)
        goto done;

layout:;
    /* Metadata::validate: sorted by offsets, contiguous from 0. A header
     * of no tensors ({} or only __metadata__) is legal: c->tensors may
     * still be NULL then, and neither pointer arithmetic nor qsort may
     * touch it. */
    uint32_t n = c->n_tensors - first;
    struct tmem_ckpt_tensor *t = n > 0 ? c->tensors + first : NULL;
    bool sorted = true; /* writers store tensors in offset order: no sort then */
    for (uint32_t i = 1; i < n && sorted; i++)
        sorted = cmp_span(&t[i - 1], &t[i]) <= 0;
    if (!sorted)
        qsort(t, n, sizeof *t, cmp_span);
    uint64_t at = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (t[i].offset != at) {
            char msg[200], q[TMEM_QUOTE_CAP];
            if (t[i].offset > at)
                snprintf(msg, sizeof msg,
                         "data_offsets begin at %llu, leaving a gap after the previous tensor "
                         "(which ends at %llu)",
                         (unsigned long long)t[i].offset, (unsigned long long)at);
            else
                snprintf(msg, sizeof msg,
                         "data_offsets begin at %llu, overlapping %s (which ends at %llu)",
                         (unsigned long long)t[i].offset, tmem__quote(q, i ? t[i - 1].name : "?"),
                         (unsigned long long)at);
            st = tensor_fail(&p, TMEM_ERR_INCONSISTENT, t[i].name, "data_offsets", "%s", msg);
            goto done;
        }
        at += t[i].n_bytes; /* cannot wrap: it equals the declared end */
    }
    uint64_t end_abs = UINT64_MAX;
    if (!tmem_add_u64(data_start, at, &end_abs) || end_abs != file_bytes) {
        if (end_abs > file_bytes)
            st = tmem__ckpt_fail(err, TMEM_ERR_TRUNCATED, p.path, "data_offsets", file_bytes,
                                "the tensors' data ends at byte %llu but the file ends here "
                                "(truncated?)",
                                (unsigned long long)end_abs);
        else
            st = tmem__ckpt_fail(err, TMEM_ERR_INCONSISTENT, p.path, "data_offsets", end_abs,
                                "the last tensor's data ends here but the file goes on to byte "
                                "%llu (bytes no tensor covers)",
                                (unsigned long long)file_bytes);
        goto done;
    }
    for (uint32_t i = 0; i < n; i++)
        t[i].offset += data_start;
    c->files[file].n_tensors = n;
done:
    json_decref(root);
    return st;
}

/* The header length N from a safetensors file's first 8 bytes (len8; NULL
 * when the file is shorter than that, file_bytes long in all): checked
 * against the reader's limit and the file's size. */
static enum tmem_status header_len(const char *path, uint64_t file_bytes, const unsigned char *len8,
                                   uint64_t *n_out, struct tmem_error *err)
{
    if (file_bytes < 8 || len8 == NULL)
        return tmem__ckpt_fail(err, TMEM_ERR_TRUNCATED, path, "header length", 0,
                              "the file is %llu bytes but a safetensors file starts with an "
                              "8-byte header length",
                              (unsigned long long)file_bytes);
    uint64_t n = tmem_le64(len8);
    if (n > TMEM_MAX_SAFETENSORS_HEADER)
        return tmem__ckpt_fail(err, TMEM_ERR_LIMIT, path, "header length", 0,
                              "header length is %llu but must be at most %u",
                              (unsigned long long)n, TMEM_MAX_SAFETENSORS_HEADER);
    if (n > file_bytes - 8)
        return tmem__ckpt_fail(err, TMEM_ERR_TRUNCATED, path, "header length", 0,
                              "header length %llu runs past the end of the file (%llu bytes)",
                              (unsigned long long)n, (unsigned long long)file_bytes);
    *n_out = n;
    return TMEM_OK;
}

enum tmem_status tmem__safetensors_read_fd(struct tmem_ckpt *c, uint32_t file, int fd,
                                          struct tmem_error *err)
{
    const char *path = c->files[file].path;
    const uint64_t file_bytes = c->files[file].file_bytes;
    unsigned char len8[8];
    enum tmem_status st = TMEM_OK;
    if (file_bytes >= 8)
        st = tmem__pread_exact(fd, len8, 8, 0, path, "header length", err);
    uint64_t n = 0;
    if (st == TMEM_OK)
        st = header_len(path, file_bytes, file_bytes >= 8 ? len8 : NULL, &n, err);
    if (st != TMEM_OK)
        return st;
    char *hdr = tmem__alloc((size_t)n + 1);
    if (hdr == NULL)
        return tmem__ckpt_fail(err, TMEM_ERR_NOMEM, path, NULL, 0, "out of memory");
    st = tmem__pread_exact(fd, hdr, (size_t)n, 8, path, "header", err);
    if (st == TMEM_OK) {
        hdr[n] = '\0';
        c->files[file].header_bytes = 8 + n;
        st = tmem__safetensors_parse_header(c, file, hdr, (size_t)n, err);
    }
    tmem__dealloc(hdr);
    return st;
}

enum tmem_status tmem__safetensors_read_mem(struct tmem_ckpt *c, uint32_t file, const void *buf,
                                           struct tmem_error *err)
{
    const uint64_t file_bytes = c->files[file].file_bytes;
    uint64_t n = 0;
    enum tmem_status st =
        header_len(c->files[file].path, file_bytes, file_bytes >= 8 ? buf : NULL, &n, err);
    if (st != TMEM_OK)
        return st;
    c->files[file].header_bytes = 8 + n;
    return tmem__safetensors_parse_header(c, file, (const char *)buf + 8, (size_t)n, err);
}

/* ------------------------------------------------------------------ index */

static enum tmem_status read_shard(struct tmem_ckpt *c, const char *path, struct tmem_error *err)
{
    int fd;
    uint32_t file;
    enum tmem_status st = tmem__ckpt_open_file(c, path, &fd, &file, err);
    if (st != TMEM_OK) {
        if (err && err->code == TMEM_ERR_IO) { /* say who named it */
            char why[sizeof err->msg];
            memcpy(why, err->msg, sizeof why);
            tmem__ckpt_fail(err, TMEM_ERR_IO, path, NULL, 0, "%s (a shard the index names)", why);
        }
        return st;
    }
    st = tmem__safetensors_read_fd(c, file, fd, err);
    close(fd);
    return st;
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* shard file name → file index, by binary search over the sorted names */
static int64_t shard_of(const char *const *sorted, size_t n, const char *name)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = strcmp(sorted[mid], name);
        if (r == 0)
            return (int64_t)mid;
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static bool plain_file_name(const char *s)
{
    return s[0] != '\0' && s[0] != '/' && strstr(s, "..") == NULL;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* The index's weight_map entries and metadata.total_size from jansson (the
 * scanner did not take the text): the same checks and errors as ever. The
 * entries point into *root, which the caller frees. */
static enum tmem_status index_by_jansson(const char *ip, const char *text,
                                         size_t len, json_t **root_out,
                                         struct tmem__st_index *x, struct tmem_error *err)
{
    json_error_t je;
    json_t *root = *root_out = tmem__json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL)
        return tmem__ckpt_fail(err, tmem__json_load_status(&je), ip, "index", json_syntax_offset(&je),
                               "the index is not JSON: %s", je.text);
    json_t *wm = json_is_object(root) ? json_object_get(root, "weight_map") : NULL;
    if (!json_is_object(wm))
        return tmem__ckpt_fail(err, wm ? TMEM_ERR_SCHEMA : TMEM_ERR_MISSING_KEY, ip, "weight_map",
                               key_offset(text, len, "weight_map", 0),
                               "expected an object of tensor name → shard file, got %s",
                               wm ? tmem__json_kind(wm) : "nothing");
    json_t *meta = json_object_get(root, "metadata");
    json_t *total = json_is_object(meta) ? json_object_get(meta, "total_size") : NULL;
    if (total != NULL && !json_is_null(total)) {
        if (!json_u64(total, &x->total_bytes))
            return tmem__ckpt_fail(err, TMEM_ERR_SCHEMA, ip, "metadata.total_size",
                                   key_offset(text, len, "total_size", 0),
                                   "expected a non-negative integer, got %s", tmem__json_kind(total));
        x->has_total = true;
    }
    size_t n_map = json_object_size(wm);
    if (n_map > TMEM_MAX_CKPT_TENSORS)
        return tmem__ckpt_fail(err, TMEM_ERR_LIMIT, ip, "weight_map", 0,
                               "%zu tensors but at most %u are read", n_map, TMEM_MAX_CKPT_TENSORS);
    x->entries = tmem__alloc((n_map ? n_map : 1) * sizeof *x->entries);
    if (x->entries == NULL)
        return tmem__ckpt_fail(err, TMEM_ERR_NOMEM, ip, NULL, 0, "out of memory");
    const char *key;
    json_t *val;
    json_object_foreach(wm, key, val)
    {
        if (!json_is_string(val) || !plain_file_name(json_string_value(val)))
            return tmem__ckpt_fail(err, TMEM_ERR_SCHEMA, ip, key, key_offset(text, len, key, 0),
                                   "weight_map value must be a shard file name in the index's "
                                   "folder, got %s",
                                   json_is_string(val) ? "a path" : tmem__json_kind(val));
        x->entries[x->n++] = (struct tmem__st_index_entry){key, json_string_value(val), strlen(key)};
    }
    return TMEM_OK;
}

/* weight_map entry e's key as a C string, for an error: jansson's is one;
 * the scanner's is a part of the index's text, copied into *copy (the
 * caller frees it); NULL when out of memory */
static const char *entry_key(const struct tmem__st_index_entry *e, char **copy)
{
    if (e->key[e->key_len] == '\0')
        return e->key;
    tmem__dealloc(*copy);
    if ((*copy = tmem__alloc(e->key_len + 1)) == NULL)
        return NULL;
    memcpy(*copy, e->key, e->key_len);
    (*copy)[e->key_len] = '\0';
    return *copy;
}

enum tmem_status tmem__safetensors_read_index(struct tmem_ckpt *c, const char *index_path,
                                             struct tmem_error *err)
{
    c->index_path = tmem__arena_strndup(c, index_path, strlen(index_path));
    if (c->index_path == NULL)
        return tmem__ckpt_fail(err, TMEM_ERR_NOMEM, index_path, NULL, 0, "out of memory");
    const char *ip = c->index_path;
    char *text = NULL;
    size_t len = 0;
    enum tmem_status st = tmem__read_file(ip, TMEM_MAX_SAFETENSORS_INDEX, &text, &len, err);
    if (st != TMEM_OK)
        return st;
    json_t *root = NULL;
    const char **names = NULL;
    char *key_copy = NULL;
    bool *listed = NULL;
    size_t n_names = 0;
    struct tmem__st_index x;
    if (c->jansson_only || !tmem__st_scan_index(text, len, &x)) {
        memset(&x, 0, sizeof x);
        st = index_by_jansson(ip, text, len, &root, &x, err);
        if (st != TMEM_OK)
            goto done;
    }
    if (x.n > TMEM_MAX_CKPT_TENSORS) {
        st = tmem__ckpt_fail(err, TMEM_ERR_LIMIT, ip, "weight_map", 0,
                            "%zu tensors but at most %u are read", x.n, TMEM_MAX_CKPT_TENSORS);
        goto done;
    }
    c->index_total_bytes = x.total_bytes;
    c->has_index_total = x.has_total;

    /* the distinct shard names, sorted (runs of one shard collapsed first:
     * an index lists a shard's tensors together) */
    size_t n_map = x.n;
    names = tmem__alloc((n_map ? n_map : 1) * sizeof *names);
    if (names == NULL) {
        st = tmem__ckpt_fail(err, TMEM_ERR_NOMEM, ip, NULL, 0, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n_map; i++) {
        const char *key, *val = x.entries[i].val;
        if (!plain_file_name(val)) {
            if ((key = entry_key(&x.entries[i], &key_copy)) == NULL)
                goto nomem;
            st = tmem__ckpt_fail(err, TMEM_ERR_SCHEMA, ip, key, key_offset(text, len, key, 0),
                                "weight_map value must be a shard file name in the index's "
                                "folder, got a path");
            goto done;
        }
        if (n_names == 0 || (names[n_names - 1] != val && strcmp(names[n_names - 1], val) != 0))
            names[n_names++] = val;
    }
    qsort(names, n_names, sizeof *names, cmp_cstr);
    size_t n_shards = 0;
    for (size_t i = 0; i < n_names; i++)
        if (n_shards == 0 || strcmp(names[n_shards - 1], names[i]) != 0)
            names[n_shards++] = names[i];
    if (n_shards > TMEM_MAX_SHARDS) {
        st = tmem__ckpt_fail(err, TMEM_ERR_LIMIT, ip, "weight_map", 0,
                            "%zu shards but at most %u are read", n_shards, TMEM_MAX_SHARDS);
        goto done;
    }

    /* the shards hold as many tensors as the index names, or the index is
     * refused below: room for them at once, not by doubling */
    st = tmem__ckpt_reserve(c, n_map, 0, ip, err);
    /* every shard's header, in name order: file i is names[i] */
    for (size_t i = 0; i < n_shards && st == TMEM_OK; i++) {
        char path[4096];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", c->dir, names[i]) >= sizeof path) {
            st = tmem__ckpt_fail(err, TMEM_ERR_LIMIT, ip, names[i], 0, "path is too long");
            break;
        }
        st = read_shard(c, path, err);
        /* the last call says "done", also when a shard failed */
        tmem__progress(st == TMEM_OK ? i + 1 : n_shards, n_shards, names[i]);
    }
    if (st != TMEM_OK)
        goto done;
    st = tmem__ckpt_index_names(c, err);
    if (st != TMEM_OK)
        goto done;

    char q[TMEM_QUOTE_CAP], q2[TMEM_QUOTE_CAP];
    /* the index agrees with the shards: same names, same files */
    listed = tmem__calloc(c->n_tensors ? c->n_tensors : 1, sizeof *listed);
    if (listed == NULL) {
        st = tmem__ckpt_fail(err, TMEM_ERR_NOMEM, ip, NULL, 0, "out of memory");
        goto done;
    }
    int64_t want = -1;
    const char *want_name = NULL;
    uint32_t next = 0;
    for (size_t i = 0; i < n_map; i++) {
        const char *key = x.entries[i].key, *shard = x.entries[i].val;
        const size_t key_len = x.entries[i].key_len;
        if (want_name == NULL || (want_name != shard && strcmp(want_name, shard) != 0)) {
            want = shard_of(names, n_shards, shard);
            want_name = shard;
        }
        /* the index usually lists the tensors in the shards' order: the one
         * after the last found is tried first (one compare, no hashing) */
        int64_t t = next < c->n_tensors && tmem__name_is(c->tensors[next].name, key, key_len)
                        ? (int64_t)next
                        : tmem__ckpt_find_n(c, key, key_len);
        next = t >= 0 ? (uint32_t)t + 1 : 0;
        if ((t < 0 || (int64_t)c->tensors[t].file != want || listed[t]) &&
            (key = entry_key(&x.entries[i], &key_copy)) == NULL)
            goto nomem;
        if (t < 0) {
            st = tmem__ckpt_fail(err, TMEM_ERR_INCONSISTENT, ip, key,
                                key_offset(text, len, key, 0),
                                "weight_map puts this tensor in %s, which has no tensor of "
                                "that name",
                                tmem__quote(q, shard));
            goto done;
        }
        if ((int64_t)c->tensors[t].file != want) {
            st = tmem__ckpt_fail(err, TMEM_ERR_INCONSISTENT, ip, key,
                                key_offset(text, len, key, 0),
                                "weight_map puts this tensor in %s but it is in %s",
                                tmem__quote(q, shard),
                                tmem__quote(q2, base_name(c->files[c->tensors[t].file].path)));
            goto done;
        }
        if (listed[t]) { /* a key twice: jansson refuses it (tmem__ckpt_open reads again) */
            st = tmem__ckpt_fail(err, TMEM_ERR_INCONSISTENT, ip, key, key_offset(text, len, key, 0),
                                 "weight_map names this tensor twice");
            goto done;
        }
        listed[t] = true;
    }
    /* the keys each name a tensor of their own: any tensor left out
     * makes the counts differ; the first of them in file order is named */
    if (n_map != c->n_tensors) {
        for (uint32_t i = 0; i < c->n_tensors; i++)
            if (!listed[i]) {
                st = tmem__ckpt_fail(err, TMEM_ERR_INCONSISTENT,
                                    c->files[c->tensors[i].file].path, c->tensors[i].name,
                                    c->tensors[i].info_offset,
                                    "this shard holds the tensor but the index's weight_map "
                                    "does not list it");
                goto done;
            }
    }
    if (c->has_index_total) {
        uint64_t sum = 0;
        for (uint32_t i = 0; i < c->n_tensors; i++)
            if (!tmem_add_u64(sum, c->tensors[i].n_bytes, &sum))
                break;
        if (sum != c->index_total_bytes) {
            st = tmem__ckpt_fail(err, TMEM_ERR_INCONSISTENT, ip, "metadata.total_size",
                                key_offset(text, len, "total_size", 0),
                                "total_size is %llu but the shards' tensors hold %llu bytes",
                                (unsigned long long)c->index_total_bytes,
                                (unsigned long long)sum);
            goto done;
        }
    }
    goto done;
nomem:
    st = tmem__ckpt_fail(err, TMEM_ERR_NOMEM, ip, NULL, 0, "out of memory");
done:
    tmem__dealloc(key_copy);
    tmem__dealloc(listed);
    tmem__dealloc(names);
    tmem__st_index_free(&x);
    json_decref(root);
    tmem__dealloc(text);
    return st;
}
