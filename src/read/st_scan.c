/* st_scan.c — a dedicated scanner for the fixed shape of a safetensors
 * header and of a sharded checkpoint's index, the fast path in front of
 * jansson (safetensors.c):
 *
 *   header: {"NAME": {"dtype": "F8_E4M3", "shape": [7168, 2048],
 *                     "data_offsets": [0, 14680064]}, ...,
 *            "__metadata__": {"format": "pt"}}
 *   index:  {"metadata": {"total_size": N, ...}, "weight_map": {"NAME": "SHARD", ...}}
 *
 * Why, measured (bench/bench_inspect.c, a DeepSeek-V3-sized checkpoint:
 * 163 shards, 90,000 tensors, 11.3 MB of headers and a 7.1 MB index, on the
 * 2-core shared machine): `tmem inspect` cost 544-668 ms of CPU with
 * jansson, 65 % of it inside jansson building and freeing one json_t per
 * value (perf). Parsing the shards on two threads (all this machine has)
 * would at best halve the part spent in shards, not reach 100 ms; this
 * scanner, which builds no tree and allocates only the names it keeps,
 * brought the command to 60-126 ms of CPU (the rest: the name map, the
 * tensor names' classification, page faults of the tables), one thread.
 * Then (same bench, idle machine, 70 ms CPU before): the names' patterns
 * classified once each (ckpt_names.c), each key's place taken from the
 * scan instead of searched (safetensors.c scanned_offsets), the index's
 * keys left in its text (1,300 fewer page faults), the compact object
 * safetensors' writer emits read by exact matches (compact_object), the
 * name map's slots tagged: about half of that. Still one thread, on
 * purpose: every allocation goes through the caller's struct
 * tmem_allocator, current per thread, which tmem does not require to be
 * thread-safe; allocation-failure tests (test_alloc) count allocations in
 * order; the WebAssembly build has no threads; and the shards' scan is now
 * about a third of the command, so two threads (all this machine has,
 * shared) could save a few ms at most.
 *
 * It accepts only what it is sure of: plain strings (no backslash, no
 * control byte; UTF-8 was checked before), integers of at most 18 digits
 * without sign, fraction or exponent, JSON whitespace, each key of a
 * tensor's object and of a metadata object once, a known
 * dtype, a shape of at most TMEM_MAX_CKPT_DIMS sizes whose product times
 * the dtype size equals the span of data_offsets. For anything else it
 * answers "not mine", leaves the tables as they were, and jansson parses the
 * text. Two names the same (which jansson refuses) are not looked for here:
 * the name map (tmem__ckpt_index_names) and the index's check that each
 * key names a tensor of its own find them, and a reading that ends in any
 * error is done again by jansson alone (tmem__ckpt_open), which words the
 * error. So the scanner never reports an error of its own, and results and
 * messages cannot differ (the differential test test_st_scan.c and the
 * fuzz target fuzz_safetensors.c check it). Every read is bounded by the
 * end of the text. */
#include "checked.h"
#include "ckpt_internal.h"
#include "reader.h"

#include <string.h>

struct scan {
    const char *p, *end;
    const char *last_dt; /* the last dtype string read (a header repeats one or two) */
    size_t last_dt_len;
    enum tmem_st_dtype last_dt_id;
};

static void ws(struct scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

static bool lit(struct scan *s, char ch)
{
    ws(s);
    if (s->p < s->end && *s->p == ch) {
        s->p++;
        return true;
    }
    return false;
}

/* the bytes of a word of 8 that are a '"', a '\\' or below 0x20, as the
 * high bit of each (SWAR: the classic "has a zero byte" test on w ^ '"',
 * w ^ '\\' and "has a byte less than 0x20"; UTF-8 bytes, 0x80 and up,
 * never hit). A borrow can mark a byte after a special one, never before:
 * the lowest mark is the first special byte. */
static uint64_t special8(uint64_t w)
{
    const uint64_t ones = UINT64_C(0x0101010101010101), high = UINT64_C(0x8080808080808080);
    uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
    return (((q - ones) & ~q) | ((b - ones) & ~b) | ((w - ones * 0x20) & ~w)) & high;
}

/* a plain string: *out points at its first byte in the text, *n bytes */
static bool str(struct scan *s, const char **out, size_t *n)
{
    ws(s);
    if (s->p >= s->end || *s->p != '"')
        return false;
    const char *b = ++s->p, *r = b;
    uint64_t w, m = 0;
    while (s->end - r >= 8 && (memcpy(&w, r, 8), (m = special8(w)) == 0))
        r += 8;
#if (defined(__GNUC__) || defined(__clang__)) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (m != 0) /* the first special byte of the word at r: byte 0 is the lowest */
        r += __builtin_ctzll(m) / 8;
#endif
    for (; r < s->end; r++) {
        if (*r == '"') {
            *out = b;
            *n = (size_t)(r - b);
            s->p = r + 1;
            return true;
        }
        if ((unsigned char)*r < 0x20 || *r == '\\')
            return false;
    }
    return false;
}

static bool is_key(const char *k, size_t n, const char *want)
{
    return strlen(want) == n && memcmp(k, want, n) == 0;
}

/* an integer 0 ≤ v < 10^18, as JSON writes it (no leading zero) */
static bool num(struct scan *s, uint64_t *v)
{
    ws(s);
    const char *b = s->p;
    uint64_t x = 0;
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9') {
        if (s->p - b == 18)
            return false;
        x = x * 10 + (uint64_t)(*s->p - '0');
        s->p++;
    }
    if (s->p == b || (s->p - b > 1 && *b == '0'))
        return false;
    if (s->p < s->end && (*s->p == '.' || *s->p == 'e' || *s->p == 'E'))
        return false;
    *v = x;
    return true;
}

/* {"k": "v", ...} of plain strings, keys unique (at most 64 of them);
 * strings become kv rows of c when c is not NULL. With total (an index's
 * metadata) values may also be integers, and total_size's is kept. */
static bool meta_object(struct scan *s, struct tmem_ckpt *c, uint64_t *total, bool *has_total)
{
    enum { MAX_KEYS = 64 };
    const char *keys[MAX_KEYS];
    size_t lens[MAX_KEYS], n = 0;
    if (!lit(s, '{'))
        return false;
    if (lit(s, '}'))
        return true;
    do {
        const char *k, *v;
        size_t kn, vn;
        uint64_t u;
        if (n == MAX_KEYS || !str(s, &k, &kn) || !lit(s, ':'))
            return false;
        for (size_t i = 0; i < n; i++)
            if (lens[i] == kn && memcmp(keys[i], k, kn) == 0)
                return false;
        keys[n] = k;
        lens[n++] = kn;
        ws(s);
        bool is_total = total != NULL && is_key(k, kn, "total_size");
        if (total != NULL && s->p < s->end && *s->p != '"') {
            if (!num(s, &u))
                return false;
            if (is_total) {
                *total = u;
                *has_total = true;
            }
            continue;
        }
        if (is_total || !str(s, &v, &vn))
            return false;
        if (c != NULL) {
            struct tmem_ckpt_kv *kv = tmem__ckpt_push_kv(c, NULL, NULL);
            if (kv == NULL || (kv->key = tmem__arena_strndup(c, k, kn)) == NULL ||
                (kv->str = tmem__arena_strndup(c, v, vn)) == NULL)
                return false;
            kv->type = TMEM_GGUF_STRING;
            kv->str_len = vn;
        }
    } while (lit(s, ','));
    return lit(s, '}');
}

/* [a, b, ...] of at most max integers */
static bool int_array(struct scan *s, uint64_t *v, size_t max, size_t *n)
{
    *n = 0;
    if (!lit(s, '['))
        return false;
    if (lit(s, ']'))
        return true;
    do {
        if (*n == max || !num(s, &v[*n]))
            return false;
        (*n)++;
    } while (lit(s, ','));
    return lit(s, ']');
}

/* the dtype string v[0..vn): its id, TMEM_ST_DTYPE_COUNT when unknown */
static enum tmem_st_dtype dtype_of(struct scan *s, const char *v, size_t vn)
{
    char buf[16];
    if (vn >= sizeof buf)
        return TMEM_ST_DTYPE_COUNT;
    if (s->last_dt != NULL && vn == s->last_dt_len && memcmp(v, s->last_dt, vn) == 0)
        return s->last_dt_id;
    memcpy(buf, v, vn);
    buf[vn] = '\0';
    s->last_dt = v;
    s->last_dt_len = vn;
    return s->last_dt_id = tmem_st_dtype_from_name(buf);
}

/* the text at s->p starts with t[0..n): skipped */
static bool exact(struct scan *s, const char *t, size_t n)
{
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, t, n) != 0)
        return false;
    s->p += n;
    return true;
}
#define EXACT(s, text) exact(s, text, sizeof text - 1)

/* num() without whitespace before it, followed by one of the bytes in
 * `then` (which is skipped and returned in *next) */
static bool num_then(struct scan *s, uint64_t *v, char *next)
{
    const char *p = s->p, *b = p, *lim = s->end - p > 18 ? p + 18 : s->end;
    uint64_t x = 0;
    unsigned d;
    while (p < lim && (d = (unsigned)(unsigned char)*p - '0') < 10) {
        x = x * 10 + d;
        p++;
    }
    if (p == b || (p - b > 1 && *b == '0') || p >= s->end || (*p != ',' && *p != ']'))
        return false;
    *next = *p;
    s->p = p + 1;
    *v = x;
    return true;
}

/* A tensor's object as safetensors' own writer puts it, no whitespace, keys
 * in its order: {"dtype":"F8_E4M3","shape":[2048,7168],"data_offsets":[0,14680064]}.
 * What it takes, tensor()'s general path would read the same; anything
 * else (s->p left as it was) goes to that path. */
static bool compact_object(struct scan *s, enum tmem_st_dtype *dt, uint64_t *dims, size_t *nd,
                           uint64_t *offs)
{
    const char *at = s->p, *v;
    char next;
    if (!EXACT(s, "{\"dtype\":\""))
        goto no;
    v = s->p;
    while (s->p < s->end && s->p - v < 16 &&
           ((*s->p >= 'A' && *s->p <= 'Z') || (*s->p >= '0' && *s->p <= '9') || *s->p == '_'))
        s->p++; /* a dtype's letters; its closing quote must follow */
    if ((*dt = dtype_of(s, v, (size_t)(s->p - v))) == TMEM_ST_DTYPE_COUNT ||
        !EXACT(s, "\",\"shape\":["))
        goto no;
    *nd = 0;
    if (s->p < s->end && *s->p == ']') {
        s->p++;
    } else {
        do {
            if (*nd == TMEM_MAX_CKPT_DIMS || !num_then(s, &dims[(*nd)++], &next))
                goto no;
        } while (next == ',');
    }
    if (!EXACT(s, ",\"data_offsets\":[") || !num_then(s, &offs[0], &next) || next != ',' ||
        !num_then(s, &offs[1], &next) || next != ']' || !EXACT(s, "}"))
        goto no;
    return true;
no:
    s->p = at;
    return false;
}

/* {"dtype": ..., "shape": [...], "data_offsets": [a, b]}, valid, as a new tensor row */
static bool tensor(struct scan *s, struct tmem_ckpt *c, uint32_t file, const char *name,
                   size_t name_len)
{
    uint64_t dims[TMEM_MAX_CKPT_DIMS], offs[2];
    size_t nd = 0, n_offs = 0;
    enum tmem_st_dtype dt = TMEM_ST_DTYPE_COUNT;
    bool have_dt = false, have_shape = false, have_offs = false;
    ws(s);
    if (compact_object(s, &dt, dims, &nd, offs)) {
        have_dt = have_shape = have_offs = true;
        goto check;
    }
    if (!lit(s, '{'))
        return false;
    do {
        const char *k, *v;
        size_t kn, vn;
        if (!str(s, &k, &kn) || !lit(s, ':'))
            return false;
        if (is_key(k, kn, "dtype") && !have_dt) {
            if (!str(s, &v, &vn))
                return false;
            dt = dtype_of(s, v, vn);
            have_dt = dt != TMEM_ST_DTYPE_COUNT;
            if (!have_dt)
                return false;
        } else if (is_key(k, kn, "shape") && !have_shape) {
            if (!int_array(s, dims, TMEM_MAX_CKPT_DIMS, &nd))
                return false;
            have_shape = true;
        } else if (is_key(k, kn, "data_offsets") && !have_offs) {
            if (!int_array(s, offs, 2, &n_offs) || n_offs != 2)
                return false;
            have_offs = true;
        } else {
            return false;
        }
    } while (lit(s, ','));
    if (!lit(s, '}'))
        return false;
check:
    if (!have_dt || !have_shape || !have_offs || offs[1] < offs[0])
        return false;
    uint64_t elems = 1, bytes;
    for (size_t i = 0; i < nd; i++)
        if (!tmem_mul_u64(elems, dims[i], &elems))
            return false;
    const struct tmem_block_type *ti = tmem_ckpt_type_info(TMEM_CKPT_SAFETENSORS, (uint32_t)dt);
    if (!tmem_mul_u64(elems, ti->block_bytes, &bytes) || offs[1] - offs[0] != bytes)
        return false;
    struct tmem_ckpt_tensor *t = tmem__ckpt_push_tensor(c, NULL, NULL);
    if (t == NULL || (t->name = tmem__arena_strndup(c, name, name_len)) == NULL)
        return false;
    t->file = file;
    t->type = (uint32_t)dt;
    t->n_dims = (uint8_t)nd;
    memcpy(t->dims, dims, nd * sizeof dims[0]);
    t->n_elems = elems;
    t->n_bytes = bytes;
    t->offset = offs[0];
    return true;
}

static bool at_end(struct scan *s)
{
    ws(s);
    return s->p == s->end;
}

bool tmem__st_scan_header(struct tmem_ckpt *c, uint32_t file, const char *hdr, size_t len,
                          size_t meta_span[2])
{
    const uint32_t first = c->n_tensors, first_kv = c->n_kv;
    struct scan s = {hdr, hdr + len, NULL, 0, TMEM_ST_DTYPE_COUNT};
    bool meta = false;
    size_t meta_b = SIZE_MAX, meta_e = SIZE_MAX;
    if (!lit(&s, '{'))
        goto no;
    if (!lit(&s, '}')) {
        do {
            const char *k;
            size_t kn;
            if (!str(&s, &k, &kn) || !lit(&s, ':'))
                goto no;
            if (is_key(k, kn, "__metadata__")) {
                if (meta || !meta_object(&s, file == 0 ? c : NULL, NULL, NULL))
                    goto no;
                meta = true;
                meta_b = (size_t)(k - 1 - hdr);
                meta_e = (size_t)(s.p - hdr);
            } else if (!tensor(&s, c, file, k, kn)) {
                goto no;
            } else {
                c->tensors[c->n_tensors - 1].info_offset = (uint64_t)(k - 1 - hdr);
            }
        } while (lit(&s, ','));
        if (!lit(&s, '}'))
            goto no;
    }
    if (at_end(&s)) {
        if (meta_span) {
            meta_span[0] = meta_b;
            meta_span[1] = meta_e;
        }
        return true;
    }
no:
    c->n_tensors = first;
    c->n_kv = first_kv;
    return false;
}

/* s[0..n) with a NUL at *at in buf; the copy */
static const char *keep(char *buf, size_t *at, const char *s, size_t n)
{
    char *d = buf + *at;
    memcpy(d, s, n);
    d[n] = '\0';
    *at += n + 1;
    return d;
}

void tmem__st_index_free(struct tmem__st_index *x)
{
    tmem__dealloc(x->entries);
    tmem__dealloc(x->strings);
    memset(x, 0, sizeof *x);
}

bool tmem__st_scan_index(const char *text, size_t len, struct tmem__st_index *out)
{
    memset(out, 0, sizeof *out);
    struct scan s = {text, text + len, NULL, 0, TMEM_ST_DTYPE_COUNT};
    bool have_meta = false, have_map = false;
    size_t cap = 0, used = 0, prev_len = 0;
    const char *prev_val = NULL; /* the last value kept, prev_len bytes */
    /* every string kept is a part of the text, with its quotes: they fit */
    if ((out->strings = tmem__alloc(len + 1)) == NULL || !lit(&s, '{') || lit(&s, '}'))
        goto no;
    /* an entry is ~80 bytes of text ("model.layers.0....weight":
     * "model-00001-of-00163.safetensors"): room for that many at once (at
     * most 2^20, 24 MB), not by doubling (the table grows on if they are
     * shorter) */
    size_t guess = len / 64 < 1024 ? 1024 : len / 64 > (1u << 20) ? (1u << 20) : len / 64;
    do {
        const char *k;
        size_t kn;
        if (!str(&s, &k, &kn) || !lit(&s, ':'))
            goto no;
        if (is_key(k, kn, "metadata") && !have_meta) {
            have_meta = true;
            if (!meta_object(&s, NULL, &out->total_bytes, &out->has_total))
                goto no;
        } else if (is_key(k, kn, "weight_map") && !have_map) {
            have_map = true;
            if (!lit(&s, '{'))
                goto no;
            if (lit(&s, '}'))
                continue;
            do {
                const char *tk, *tv;
                size_t tkn, tvn;
                if (!str(&s, &tk, &tkn) || !lit(&s, ':') || !str(&s, &tv, &tvn))
                    goto no;
                if (out->n == cap) {
                    size_t nc = cap ? 2 * cap : guess;
                    if (nc > 2 * (size_t)TMEM_MAX_CKPT_TENSORS)
                        goto no; /* jansson's path states the limit */
                    struct tmem__st_index_entry *e =
                        tmem_ckpt_realloc(out->entries, cap * sizeof *e, nc * sizeof *e);
                    if (e == NULL)
                        goto no;
                    out->entries = e;
                    cap = nc;
                }
                struct tmem__st_index_entry *e = &out->entries[out->n++];
                e->key = tk;
                e->key_len = tkn;
                /* a shard's tensors come together: its name is kept once */
                if (prev_val == NULL || tvn != prev_len || memcmp(prev_val, tv, tvn) != 0) {
                    prev_val = keep(out->strings, &used, tv, tvn);
                    prev_len = tvn;
                }
                e->val = prev_val;
            } while (lit(&s, ','));
            if (!lit(&s, '}'))
                goto no;
        } else {
            goto no;
        }
    } while (lit(&s, ','));
    if (!lit(&s, '}') || !at_end(&s) || !have_map)
        goto no;
    return true;
no:
    tmem__st_index_free(out);
    return false;
}
