/* gguf.c — GGUF v2/v3 headers: magic, version, counts, every metadata
 * key/value (all 13 value types, arrays and arrays of arrays), every tensor
 * info, and the data layout. Never reads tensor data.
 *
 * The file is read through a window (pread, 64 KiB at a time) so a header
 * with a tokenizer of 150,000 strings costs a few dozen reads and no more
 * memory than its longest string; the last window may reach up to 64 KiB
 * into the tensor data, which is never looked at. Every declared count and length is checked
 * against the bytes that remain and a TMEM_MAX_* cap before it is used,
 * and every size product is overflow-checked.
 *
 * REF: ggml-org/ggml docs/gguf.md (the spec); ggml/src/gguf.cpp
 * gguf_init_from_file_impl (the reference reader: duplicate keys and names
 * are refused, general.alignment is a uint32 power of two, ne[0] is a
 * multiple of the type's block, tensor data is laid out in info order with
 * each tensor padded to the alignment). */
#define _POSIX_C_SOURCE 200809L
#include "checked.h"
#include "ckpt_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GGUF_WINDOW_BYTES (64u << 10) /* at most this much past the header is ever read */
#define GGUF_HEADER_BYTES 24u          /* magic, version, tensor_count, kv_count */
#define GGUF_MIN_KV_BYTES 13u          /* key length, value type, a 1-byte value */
#define GGUF_MIN_TENSOR_INFO_BYTES 24u /* name length, n_dims, type, offset */

struct gguf {
    struct tmem_ckpt *c;
    uint32_t file;
    const char *path;
    struct tmem_error *err;
    int fd;                       /* -1: the file is `mem` */
    const unsigned char *mem;
    uint64_t file_bytes;
    uint64_t pos;                 /* next byte to parse */
    unsigned char *buf;           /* window: bytes [win_off, win_off + win_len) */
    size_t buf_cap, win_len;
    uint64_t win_off;
};

/* Bytes [off, off + n) of the file, or TRUNCATED naming `field`. */
static enum tmem_status get(struct gguf *g, uint64_t off, size_t n, const char *field,
                            const unsigned char **out)
{
    if (off > g->file_bytes || n > g->file_bytes - off)
        return tmem__ckpt_fail(g->err, TMEM_ERR_TRUNCATED, g->path, field, off,
                              "truncated GGUF file: %s needs %zu bytes but the file ends at "
                              "byte %llu",
                              field, n, (unsigned long long)g->file_bytes);
    if (g->fd < 0) {
        *out = g->mem + off;
        return TMEM_OK;
    }
    if (off >= g->win_off && off - g->win_off + n <= g->win_len) {
        *out = g->buf + (off - g->win_off);
        return TMEM_OK;
    }
    uint64_t want = n > GGUF_WINDOW_BYTES ? n : GGUF_WINDOW_BYTES;
    if (want > g->file_bytes - off)
        want = g->file_bytes - off;
    if (want > g->buf_cap) {
        unsigned char *b = tmem_ckpt_realloc(g->buf, 0, (size_t)want); /* window refilled below */
        if (b == NULL)
            return tmem__ckpt_fail(g->err, TMEM_ERR_NOMEM, g->path, field, off, "out of memory");
        g->buf = b;
        g->buf_cap = (size_t)want;
    }
    g->win_len = 0;
    enum tmem_status st = tmem__pread_exact(g->fd, g->buf, (size_t)want, off, g->path, field, g->err);
    if (st != TMEM_OK)
        return st;
    g->win_off = off;
    g->win_len = (size_t)want;
    *out = g->buf;
    return TMEM_OK;
}

static enum tmem_status rd_u32(struct gguf *g, const char *field, uint32_t *v)
{
    const unsigned char *p;
    enum tmem_status st = get(g, g->pos, 4, field, &p);
    if (st == TMEM_OK) {
        *v = tmem_le32(p);
        g->pos += 4;
    }
    return st;
}

static enum tmem_status rd_u64(struct gguf *g, const char *field, uint64_t *v)
{
    const unsigned char *p;
    enum tmem_status st = get(g, g->pos, 8, field, &p);
    if (st == TMEM_OK) {
        *v = tmem_le64(p);
        g->pos += 8;
    }
    return st;
}

static uint64_t remaining(const struct gguf *g)
{
    return g->pos <= g->file_bytes ? g->file_bytes - g->pos : 0;
}

/* A string: its u64 length (at most `max`, and no longer than what remains)
 * and, when `copy` is not NULL, its bytes copied into the arena. */
static enum tmem_status rd_string(struct gguf *g, const char *field, uint64_t max,
                                  const char **copy, uint64_t *len_out)
{
    uint64_t at = g->pos, len;
    enum tmem_status st = rd_u64(g, field, &len);
    if (st != TMEM_OK)
        return st;
    if (len > max)
        return tmem__ckpt_fail(g->err, TMEM_ERR_LIMIT, g->path, field, at,
                              "string length is %llu but must be at most %llu",
                              (unsigned long long)len, (unsigned long long)max);
    if (len > remaining(g))
        return tmem__ckpt_fail(g->err, TMEM_ERR_TRUNCATED, g->path, field, at,
                              "string length %llu runs past the end of the file (%llu bytes "
                              "remain)",
                              (unsigned long long)len, (unsigned long long)remaining(g));
    if (copy) {
        const unsigned char *p;
        st = get(g, g->pos, (size_t)len, field, &p);
        if (st != TMEM_OK)
            return st;
        *copy = tmem__arena_strndup(g->c, (const char *)p, (size_t)len);
        if (*copy == NULL)
            return tmem__ckpt_fail(g->err, TMEM_ERR_NOMEM, g->path, field, at, "out of memory");
    }
    g->pos += len;
    if (len_out)
        *len_out = len;
    return TMEM_OK;
}

/* bytes of one value of a fixed-size type; 0 for strings and arrays */
static unsigned fixed_size(uint32_t t)
{
    switch (t) {
    case TMEM_GGUF_UINT8:
    case TMEM_GGUF_INT8:
    case TMEM_GGUF_BOOL: return 1;
    case TMEM_GGUF_UINT16:
    case TMEM_GGUF_INT16: return 2;
    case TMEM_GGUF_UINT32:
    case TMEM_GGUF_INT32:
    case TMEM_GGUF_FLOAT32: return 4;
    case TMEM_GGUF_UINT64:
    case TMEM_GGUF_INT64:
    case TMEM_GGUF_FLOAT64: return 8;
    default: return 0;
    }
}

static enum tmem_status bad_type(struct gguf *g, const char *field, uint64_t at, uint32_t t)
{
    return tmem__ckpt_fail(g->err, TMEM_ERR_UNSUPPORTED, g->path, field, at,
                          "value type %u is unknown (GGUF defines 0 to 12)", t);
}

/* One value of type t at g->pos; fills kv (may be NULL: skipped). */
static enum tmem_status rd_value(struct gguf *g, uint32_t t, struct tmem_ckpt_kv *kv,
                                 unsigned depth, const char *field)
{
    uint64_t at = g->pos;
    enum tmem_status st;
    unsigned size = fixed_size(t);
    if (size > 0) {
        const unsigned char *p;
        if ((st = get(g, at, size, field, &p)) != TMEM_OK)
            return st;
        g->pos += size;
        if (kv == NULL)
            return TMEM_OK;
        uint64_t raw = size == 1 ? p[0] : size == 2 ? (uint64_t)p[0] | (uint64_t)p[1] << 8
                                    : size == 4 ? tmem_le32(p) : tmem_le64(p);
        switch (t) {
        case TMEM_GGUF_BOOL:
            if (raw > 1)
                return tmem__ckpt_fail(g->err, TMEM_ERR_SCHEMA, g->path, field, at,
                                      "bool is %u but must be 0 or 1", (unsigned)raw);
            kv->v.b = raw == 1;
            break;
        case TMEM_GGUF_INT8: kv->v.i = (int8_t)(uint8_t)raw; break;
        case TMEM_GGUF_INT16: kv->v.i = (int16_t)(uint16_t)raw; break;
        case TMEM_GGUF_INT32: kv->v.i = (int32_t)(uint32_t)raw; break;
        case TMEM_GGUF_INT64: kv->v.i = (int64_t)raw; break;
        case TMEM_GGUF_FLOAT32: {
            uint32_t w = (uint32_t)raw;
            float f;
            memcpy(&f, &w, sizeof f);
            kv->v.f = f;
            break;
        }
        case TMEM_GGUF_FLOAT64: memcpy(&kv->v.f, &raw, sizeof kv->v.f); break;
        default: kv->v.u = raw; break;
        }
        return TMEM_OK;
    }
    if (t == TMEM_GGUF_STRING) {
        const char *s = NULL;
        uint64_t len = 0;
        st = rd_string(g, field, TMEM_MAX_GGUF_STRING, kv ? &s : NULL, &len);
        if (st == TMEM_OK && kv) {
            kv->str = s;
            kv->str_len = len;
        }
        return st;
    }
    if (t != TMEM_GGUF_ARRAY)
        return bad_type(g, field, at, t);

    if (depth >= TMEM_MAX_GGUF_ARRAY_DEPTH)
        return tmem__ckpt_fail(g->err, TMEM_ERR_LIMIT, g->path, field, at,
                              "arrays nest deeper than %u levels", TMEM_MAX_GGUF_ARRAY_DEPTH);
    uint32_t et;
    uint64_t n;
    if ((st = rd_u32(g, field, &et)) != TMEM_OK || (st = rd_u64(g, field, &n)) != TMEM_OK)
        return st;
    if (et >= TMEM_GGUF_TYPE_COUNT)
        return bad_type(g, field, at, et);
    /* a string element is at least its 8-byte length, an array its 12-byte head */
    uint64_t min = fixed_size(et) ? fixed_size(et) : et == TMEM_GGUF_STRING ? 8 : 12, need;
    if (!tmem_mul_u64(n, min, &need) || need > remaining(g))
        return tmem__ckpt_fail(g->err, TMEM_ERR_TRUNCATED, g->path, field, at,
                              "array of %llu %s values needs at least %llu bytes per value but "
                              "only %llu bytes remain",
                              (unsigned long long)n, tmem_gguf_type_name(et),
                              (unsigned long long)min, (unsigned long long)remaining(g));
    if (kv) {
        kv->elem_type = et;
        kv->n_elems = n;
    }
    if (fixed_size(et)) {
        if (kv && depth == 0 && n <= TMEM_MAX_GGUF_ARRAY_KEPT) { /* per-layer values: kept */
            const unsigned char *p;
            if ((st = get(g, g->pos, (size_t)need, field, &p)) != TMEM_OK)
                return st;
            kv->elems = (const unsigned char *)tmem__arena_strndup(g->c, (const char *)p,
                                                                   (size_t)need);
            if (kv->elems == NULL)
                return tmem__ckpt_fail(g->err, TMEM_ERR_NOMEM, g->path, field, at,
                                      "out of memory");
        }
        g->pos += need; /* other fixed-size elements are skipped unread */
        return TMEM_OK;
    }
    for (uint64_t i = 0; i < n; i++)
        if ((st = rd_value(g, et, NULL, depth + 1, field)) != TMEM_OK)
            return st;
    return TMEM_OK;
}

bool tmem_ckpt_kv_u64(const struct tmem_ckpt_kv *kv, uint64_t *out)
{
    if (kv == NULL)
        return false;
    switch (kv->type) {
    case TMEM_GGUF_UINT8:
    case TMEM_GGUF_UINT16:
    case TMEM_GGUF_UINT32:
    case TMEM_GGUF_UINT64: *out = kv->v.u; return true;
    case TMEM_GGUF_INT8:
    case TMEM_GGUF_INT16:
    case TMEM_GGUF_INT32:
    case TMEM_GGUF_INT64: *out = (uint64_t)kv->v.i; return kv->v.i >= 0;
    default: return false;
    }
}

bool tmem_ckpt_kv_elem_u64(const struct tmem_ckpt_kv *kv, uint64_t i, uint64_t *out)
{
    if (kv == NULL || kv->type != TMEM_GGUF_ARRAY || kv->elems == NULL || i >= kv->n_elems)
        return false;
    const unsigned char *p = kv->elems + i * fixed_size(kv->elem_type);
    switch (kv->elem_type) {
    case TMEM_GGUF_UINT8:
    case TMEM_GGUF_BOOL: *out = p[0]; return true;
    case TMEM_GGUF_UINT16: *out = (uint64_t)p[0] | (uint64_t)p[1] << 8; return true;
    case TMEM_GGUF_UINT32: *out = tmem_le32(p); return true;
    case TMEM_GGUF_UINT64: *out = tmem_le64(p); return true;
    case TMEM_GGUF_INT8: *out = (uint64_t)(int8_t)p[0]; return (int8_t)p[0] >= 0;
    case TMEM_GGUF_INT16: {
        int16_t v = (int16_t)(uint16_t)((unsigned)p[0] | (unsigned)p[1] << 8);
        *out = (uint64_t)v;
        return v >= 0;
    }
    case TMEM_GGUF_INT32: {
        int32_t v = (int32_t)tmem_le32(p);
        *out = (uint64_t)v;
        return v >= 0;
    }
    case TMEM_GGUF_INT64: {
        int64_t v = (int64_t)tmem_le64(p);
        *out = (uint64_t)v;
        return v >= 0;
    }
    default: return false; /* floats */
    }
}

/* ---------------------------------------------------------------- keys set */

struct key_set {
    uint64_t mask;
    uint32_t *slots; /* kv index + 1 */
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = UINT64_C(1469598103934665603);
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= UINT64_C(1099511628211);
    }
    return h;
}

/* Inserts kv i; returns the index + 1 of an earlier equal key, or 0. */
static uint32_t key_set_add(struct key_set *ks, const struct tmem_ckpt_kv *kvs, uint32_t i)
{
    uint64_t h = hash_str(kvs[i].key) & ks->mask;
    while (ks->slots[h]) {
        if (strcmp(kvs[ks->slots[h] - 1].key, kvs[i].key) == 0)
            return ks->slots[h];
        h = (h + 1) & ks->mask;
    }
    ks->slots[h] = i + 1;
    return 0;
}

/* ------------------------------------------------------------------ header */

static enum tmem_status read_kvs(struct gguf *g, uint64_t n_kv)
{
    struct tmem_ckpt *c = g->c;
    uint64_t slots = 16;
    while (slots < 2 * n_kv)
        slots *= 2;
    struct key_set ks = {.mask = slots - 1, .slots = tmem__calloc((size_t)slots, sizeof(uint32_t))};
    if (ks.slots == NULL)
        return tmem__ckpt_fail(g->err, TMEM_ERR_NOMEM, g->path, NULL, 0, "out of memory");
    enum tmem_status st = TMEM_OK;
    uint32_t first = c->n_kv;
    for (uint64_t i = 0; i < n_kv && st == TMEM_OK; i++) {
        char field[48];
        snprintf(field, sizeof field, "kv[%llu].key", (unsigned long long)i);
        uint64_t at = g->pos;
        struct tmem_ckpt_kv *kv = tmem__ckpt_push_kv(c, g->path, g->err);
        if (kv == NULL) {
            st = g->err ? g->err->code : TMEM_ERR_NOMEM;
            break;
        }
        kv->offset = at;
        uint64_t klen;
        if ((st = rd_string(g, field, TMEM_MAX_GGUF_KEY, &kv->key, &klen)) != TMEM_OK)
            break;
        if (klen == 0) {
            st = tmem__ckpt_fail(g->err, TMEM_ERR_SCHEMA, g->path, field, at, "empty key");
            break;
        }
        uint32_t dup = key_set_add(&ks, c->kv + first, (uint32_t)(c->n_kv - 1 - first));
        if (dup) {
            st = tmem__ckpt_fail(g->err, TMEM_ERR_INCONSISTENT, g->path, kv->key, at,
                                "duplicate key (first at byte %llu)",
                                (unsigned long long)c->kv[first + dup - 1].offset);
            break;
        }
        if ((st = rd_u32(g, kv->key, &kv->type)) != TMEM_OK)
            break;
        st = rd_value(g, kv->type, kv, 0, kv->key);
    }
    tmem__dealloc(ks.slots);
    return st;
}

static enum tmem_status read_tensor_infos(struct gguf *g, uint64_t n_tensors)
{
    struct tmem_ckpt *c = g->c;
    enum tmem_status st = TMEM_OK;
    for (uint64_t i = 0; i < n_tensors; i++) {
        char field[TMEM_MAX_GGUF_NAME + 32];
        snprintf(field, sizeof field, "tensor[%llu].name", (unsigned long long)i);
        uint64_t at = g->pos;
        struct tmem_ckpt_tensor *t = tmem__ckpt_push_tensor(c, g->path, g->err);
        if (t == NULL)
            return g->err ? g->err->code : TMEM_ERR_NOMEM;
        t->file = g->file;
        t->info_offset = at;
        if ((st = rd_string(g, field, TMEM_MAX_GGUF_NAME, &t->name, NULL)) != TMEM_OK)
            return st;
        snprintf(field, sizeof field, "%s.n_dims", t->name);
        uint64_t at_dims = g->pos;
        uint32_t nd;
        if ((st = rd_u32(g, field, &nd)) != TMEM_OK)
            return st;
        if (nd > TMEM_MAX_GGUF_DIMS)
            return tmem__ckpt_fail(g->err, TMEM_ERR_LIMIT, g->path, field, at_dims,
                                  "n_dims is %u but must be in [0, %u]", nd, TMEM_MAX_GGUF_DIMS);
        t->n_dims = (uint8_t)nd;
        snprintf(field, sizeof field, "%s.dims", t->name);
        uint64_t elems = 1;
        for (uint32_t d = 0; d < nd; d++) {
            uint64_t at_d = g->pos;
            if ((st = rd_u64(g, field, &t->dims[d])) != TMEM_OK)
                return st;
            if (t->dims[d] > (uint64_t)INT64_MAX)
                return tmem__ckpt_fail(g->err, TMEM_ERR_LIMIT, g->path, field, at_d,
                                      "ne[%u] is %llu but must be at most 2^63 - 1", d,
                                      (unsigned long long)t->dims[d]);
            if (!tmem_mul_u64(elems, t->dims[d], &elems) || elems > (uint64_t)INT64_MAX)
                return tmem__ckpt_fail(g->err, TMEM_ERR_OVERFLOW, g->path, field, at_d,
                                      "the product of the dimensions overflows 63 bits");
        }
        t->n_elems = elems;
        snprintf(field, sizeof field, "%s.type", t->name);
        uint64_t at_type = g->pos;
        if ((st = rd_u32(g, field, &t->type)) != TMEM_OK)
            return st;
        const struct tmem_block_type *ti = tmem_ckpt_type_info(TMEM_CKPT_GGUF, t->type);
        if (ti == NULL)
            return tmem__ckpt_fail(g->err, TMEM_ERR_UNSUPPORTED, g->path, field, at_type,
                                  "ggml type %u is %s", t->type, tmem_ggml_type_problem(t->type));
        uint64_t row = nd ? t->dims[0] : 1;
        if (row % ti->block_elems != 0)
            return tmem__ckpt_fail(g->err, TMEM_ERR_INCONSISTENT, g->path, field, at_type,
                                  "ne[0] is %llu but %s stores rows in blocks of %u elements",
                                  (unsigned long long)row, ti->name, ti->block_elems);
        if (!tmem_mul_u64(elems / ti->block_elems, ti->block_bytes, &t->n_bytes))
            return tmem__ckpt_fail(g->err, TMEM_ERR_OVERFLOW, g->path, field, at_type,
                                  "the tensor's bytes do not fit in 64 bits");
        snprintf(field, sizeof field, "%s.offset", t->name);
        if ((st = rd_u64(g, field, &t->offset)) != TMEM_OK)
            return st;
    }
    return st;
}

/* general.alignment: absent → 32; else a uint32 power of two */
static enum tmem_status read_alignment(struct gguf *g)
{
    const struct tmem_ckpt_kv *kv = tmem_ckpt_kv_find(g->c, "general.alignment");
    g->c->gguf_alignment = TMEM_GGUF_DEFAULT_ALIGNMENT;
    if (kv == NULL)
        return TMEM_OK;
    if (kv->type != TMEM_GGUF_UINT32)
        return tmem__ckpt_fail(g->err, TMEM_ERR_SCHEMA, g->path, "general.alignment", kv->offset,
                              "has type %s but must be uint32", tmem_gguf_type_name(kv->type));
    uint64_t a = kv->v.u;
    if (a == 0 || (a & (a - 1)) != 0)
        return tmem__ckpt_fail(g->err, TMEM_ERR_INCONSISTENT, g->path, "general.alignment",
                              kv->offset, "is %llu but must be a power of two",
                              (unsigned long long)a);
    g->c->gguf_alignment = a;
    return TMEM_OK;
}

/* Tensor data laid out as the reference reader requires: in info order,
 * each tensor at the running offset, padded to the alignment; every tensor
 * inside the file. */
static enum tmem_status check_layout(struct gguf *g, uint32_t first)
{
    struct tmem_ckpt *c = g->c;
    const uint64_t a = c->gguf_alignment;
    uint64_t data_off;
    if (!tmem_add_u64(g->pos, (a - g->pos % a) % a, &data_off))
        return tmem__ckpt_fail(g->err, TMEM_ERR_OVERFLOW, g->path, "tensor_data", g->pos,
                              "data offset overflows");
    c->gguf_data_offset = data_off;
    c->files[g->file].header_bytes = data_off < g->file_bytes ? data_off : g->file_bytes;
    uint64_t expect = 0;
    for (uint32_t i = first; i < c->n_tensors; i++) {
        struct tmem_ckpt_tensor *t = &c->tensors[i];
        char field[TMEM_MAX_GGUF_NAME + 16];
        snprintf(field, sizeof field, "%s.offset", t->name);
        if (t->offset != expect)
            return tmem__ckpt_fail(
                g->err, TMEM_ERR_INCONSISTENT, g->path, field, t->info_offset,
                "data offset is %llu but the tensors before it end at %llu (%s): tensors are "
                "laid out in order, each padded to general.alignment %llu",
                (unsigned long long)t->offset, (unsigned long long)expect,
                t->offset > expect ? "a gap" : "an overlap", (unsigned long long)a);
        uint64_t abs, end, padded;
        if (!tmem_add_u64(data_off, t->offset, &abs) || !tmem_add_u64(abs, t->n_bytes, &end) ||
            !tmem_add_u64(t->n_bytes, (a - t->n_bytes % a) % a, &padded) ||
            !tmem_add_u64(expect, padded, &expect))
            return tmem__ckpt_fail(g->err, TMEM_ERR_OVERFLOW, g->path, field, t->info_offset,
                                  "data offsets overflow 64 bits");
        if (end > g->file_bytes)
            return tmem__ckpt_fail(g->err, TMEM_ERR_TRUNCATED, g->path, field, t->info_offset,
                                  "the tensor's data ends at byte %llu but the file is %llu "
                                  "bytes (truncated?)",
                                  (unsigned long long)end, (unsigned long long)g->file_bytes);
        t->offset = abs;
    }
    return TMEM_OK;
}

enum tmem_status tmem__gguf_read(struct tmem_ckpt *c, uint32_t file, int fd, const void *mem,
                                struct tmem_error *err)
{
    struct gguf g = {.c = c, .file = file, .path = c->files[file].path, .err = err, .fd = fd,
                     .mem = mem, .file_bytes = c->files[file].file_bytes};
    c->format = TMEM_CKPT_GGUF;
    const unsigned char *p;
    enum tmem_status st = get(&g, 0, 4, "magic", &p);
    if (st != TMEM_OK)
        goto done;
    if (memcmp(p, "GGUF", 4) != 0) {
        char shown[5];
        for (int i = 0; i < 4; i++)
            shown[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.';
        shown[4] = '\0';
        st = tmem__ckpt_fail(err, TMEM_ERR_BAD_MAGIC, g.path, "magic", 0,
                            "magic is %02x %02x %02x %02x '%s' but a GGUF file starts with "
                            "'GGUF'",
                            p[0], p[1], p[2], p[3], shown);
        goto done;
    }
    g.pos = 4;
    uint32_t version;
    uint64_t n_tensors, n_kv;
    if ((st = rd_u32(&g, "version", &version)) != TMEM_OK)
        goto done;
    if (version != 2 && version != 3) {
        st = tmem__ckpt_fail(err, TMEM_ERR_UNSUPPORTED, g.path, "version", 4,
                            "GGUF version %u is not supported (only 2 and 3%s)", version,
                            version == 1 ? "; version 1 had 32-bit counts"
                            : (version & 0xFFFFu) == 0 ? "; a big-endian file?"
                                                       : "");
        goto done;
    }
    c->gguf_version = version;
    if ((st = rd_u64(&g, "tensor_count", &n_tensors)) != TMEM_OK ||
        (st = rd_u64(&g, "kv_count", &n_kv)) != TMEM_OK)
        goto done;
    if (n_tensors > TMEM_MAX_GGUF_TENSORS) {
        st = tmem__ckpt_fail(err, TMEM_ERR_LIMIT, g.path, "tensor_count", 8,
                            "tensor_count is %llu but must be in [0, %u]",
                            (unsigned long long)n_tensors, TMEM_MAX_GGUF_TENSORS);
        goto done;
    }
    if (n_kv > TMEM_MAX_GGUF_KV) {
        st = tmem__ckpt_fail(err, TMEM_ERR_LIMIT, g.path, "kv_count", 16,
                            "kv_count is %llu but must be in [0, %u]", (unsigned long long)n_kv,
                            TMEM_MAX_GGUF_KV);
        goto done;
    }
    /* within the caps these products cannot overflow */
    uint64_t rest = remaining(&g);
    if (n_tensors * GGUF_MIN_TENSOR_INFO_BYTES > rest) {
        st = tmem__ckpt_fail(err, TMEM_ERR_TRUNCATED, g.path, "tensor_count", 8,
                            "tensor_count %llu needs at least %llu bytes of tensor infos but "
                            "only %llu bytes follow the header",
                            (unsigned long long)n_tensors,
                            (unsigned long long)(n_tensors * GGUF_MIN_TENSOR_INFO_BYTES),
                            (unsigned long long)rest);
        goto done;
    }
    if (n_kv * GGUF_MIN_KV_BYTES + n_tensors * GGUF_MIN_TENSOR_INFO_BYTES > rest) {
        st = tmem__ckpt_fail(err, TMEM_ERR_TRUNCATED, g.path, "kv_count", 16,
                            "kv_count %llu needs at least %llu bytes of key/values but only "
                            "%llu bytes follow the header and tensor infos' minimum",
                            (unsigned long long)n_kv,
                            (unsigned long long)(n_kv * GGUF_MIN_KV_BYTES),
                            (unsigned long long)(rest - n_tensors * GGUF_MIN_TENSOR_INFO_BYTES));
        goto done;
    }
    if ((st = tmem__ckpt_reserve(c, n_tensors, n_kv, g.path, err)) != TMEM_OK)
        goto done;
    uint32_t first = c->n_tensors;
    if ((st = read_kvs(&g, n_kv)) != TMEM_OK || (st = read_alignment(&g)) != TMEM_OK ||
        (st = read_tensor_infos(&g, n_tensors)) != TMEM_OK)
        goto done;
    if ((st = check_layout(&g, first)) != TMEM_OK)
        goto done;
    c->files[file].n_tensors = c->n_tensors - first;
done:
    tmem__dealloc(g.buf);
    return st;
}
