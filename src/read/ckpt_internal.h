/* ckpt_internal.h — what the checkpoint readers (checkpoint.c,
 * safetensors.c, gguf.c) share and nobody else needs: the string arena,
 * growable tables with caps, the error helper, and file reads at an offset.
 * Internal to src/read. */
#ifndef TMEM_CKPT_INTERNAL_H
#define TMEM_CKPT_INTERNAL_H

#include "alloc.h"
#include "tmem/checkpoint.h"

#include <stdarg.h>
#include <string.h>

/* realloc through the allocation seam: a new block, the old bytes copied */
static inline void *tmem_ckpt_realloc(void *p, size_t old_bytes, size_t new_bytes)
{
    void *q = tmem__alloc(new_bytes);
    if (q == NULL)
        return NULL;
    if (p != NULL && old_bytes)
        memcpy(q, p, old_bytes < new_bytes ? old_bytes : new_bytes);
    tmem__dealloc(p);
    return q;
}

/* The hash of a tensor name s[0..n) (the name map's, the scanner's
 * duplicate check): eight bytes a step, a 90,000-name checkpoint's names
 * hash several times faster than byte by byte. */
static inline uint64_t tmem__name_hash(const char *s, size_t n)
{
    uint64_t h = UINT64_C(0x9E3779B97F4A7C15) ^ n, w;
    for (; n >= 8; s += 8, n -= 8) {
        memcpy(&w, s, 8);
        h = (h ^ w) * UINT64_C(0xff51afd7ed558ccd);
        h ^= h >> 32;
    }
    w = 0;
    memcpy(&w, s, n);
    h = (h ^ w) * UINT64_C(0xc4ceb9fe1a85ec53);
    return h ^ (h >> 29);
}

/* The NUL-terminated name is s[0..n) (s need not end there). */
static inline bool tmem__name_is(const char *name, const char *s, size_t n)
{
    return strncmp(name, s, n) == 0 && name[n] == '\0';
}

/* Copies s[0..len) plus a NUL into the arena; NULL when out of memory. */
char *tmem__arena_strndup(struct tmem_ckpt *c, const char *s, size_t len);

/* A new zeroed tensor / file / kv row at the end of its table, or NULL
 * (TMEM_ERR_NOMEM or the cap, reported in *err). */
struct tmem_ckpt_tensor *tmem__ckpt_push_tensor(struct tmem_ckpt *c, const char *where,
                                               struct tmem_error *err);
struct tmem_ckpt_file *tmem__ckpt_push_file(struct tmem_ckpt *c, const char *path,
                                           struct tmem_error *err);
struct tmem_ckpt_kv *tmem__ckpt_push_kv(struct tmem_ckpt *c, const char *where,
                                       struct tmem_error *err);
/* Makes room for `n` more tensors / kvs at once (n already validated). */
enum tmem_status tmem__ckpt_reserve(struct tmem_ckpt *c, uint64_t n_tensors, uint64_t n_kv,
                                   const char *where, struct tmem_error *err);

/* Fills *err: where = "<file>:<field>" (whole; cut with "…" only past
 * struct tmem_error.where), offset, msg = "at byte <offset>: <fmt...>"
 * (without the "at byte" part when field is NULL: a file-level error).
 * Returns code. */
enum tmem_status tmem__ckpt_fail(struct tmem_error *err, enum tmem_status code, const char *file,
                                const char *field, uint64_t offset, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/* Reads exactly n bytes at offset off of fd into buf; TMEM_ERR_IO or
 * TMEM_ERR_TRUNCATED (naming file and field) otherwise. */
enum tmem_status tmem__pread_exact(int fd, void *buf, size_t n, uint64_t off, const char *file,
                                  const char *field, struct tmem_error *err);

static inline uint32_t tmem_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t tmem_le64(const unsigned char *p)
{
    return (uint64_t)tmem_le32(p) | (uint64_t)tmem_le32(p + 4) << 32;
}

/* One safetensors file's header, held in memory (hdr = the N JSON bytes):
 * appends its tensors to c with file index `file`. The scanner
 * (st_scan.c) reads it when it can, jansson otherwise; c->jansson_only
 * skips the scanner (the differential test's reference). */
enum tmem_status tmem__safetensors_parse_header(struct tmem_ckpt *c, uint32_t file,
                                               const char *hdr, size_t hdr_len,
                                               struct tmem_error *err);

/* The scanner of st_scan.c, jansson's fast path: true when hdr has the
 * common fixed shape and every tensor in it is valid (its tensors, in text
 * order, appended to c as the jansson path appends them, except that
 * info_offset holds where the tensor's key (its opening quote) is in hdr
 * and the metadata rows have no offset: the caller sets both; names not
 * checked for repeats: the name map does that); false, with c's tables as
 * they were, for anything else: then jansson decides. meta_span (NULL: not
 * wanted) gets where "__metadata__" and its object begin and end in hdr,
 * SIZE_MAX twice when the header has none. */
bool tmem__st_scan_header(struct tmem_ckpt *c, uint32_t file, const char *hdr, size_t len,
                          size_t meta_span[2]);

/* An index's weight_map entries in text order and metadata.total_size,
 * from the same scanner: true when the index has the fixed shape
 * ({"metadata": {...}, "weight_map": {...}}, plain strings, integers;
 * weight_map's keys not checked for repeats: the caller finds a key naming
 * a tensor another key named); false otherwise (nothing kept: jansson
 * decides). A key is key_len bytes of the index's text (no NUL after it:
 * not copied, 90,000 keys are most of the text), a value a NUL-terminated
 * copy (kept once for a run of one shard's tensors). */
struct tmem__st_index_entry {
    const char *key, *val;
    size_t key_len;
};
struct tmem__st_index {
    struct tmem__st_index_entry *entries;
    size_t n;
    char *strings;
    uint64_t total_bytes;
    bool has_total;
};
bool tmem__st_scan_index(const char *text, size_t len, struct tmem__st_index *out);
void tmem__st_index_free(struct tmem__st_index *x);

/* Opens path as a regular file (tmem__open_regular, never blocking) and
 * appends its file row: *fd and *file on TMEM_OK. */
enum tmem_status tmem__ckpt_open_file(struct tmem_ckpt *c, const char *path, int *fd,
                                      uint32_t *file, struct tmem_error *err);

/* The same from memory: buf holds the whole file (files[file].file_bytes). */
enum tmem_status tmem__safetensors_read_mem(struct tmem_ckpt *c, uint32_t file, const void *buf,
                                           struct tmem_error *err);
/* Reads a safetensors file's header from fd (file_bytes long) and parses it. */
enum tmem_status tmem__safetensors_read_fd(struct tmem_ckpt *c, uint32_t file, int fd,
                                          struct tmem_error *err);

/* Reads a sharded checkpoint: the index json, then every shard it names. */
enum tmem_status tmem__safetensors_read_index(struct tmem_ckpt *c, const char *index_path,
                                             struct tmem_error *err);

/* Reads a GGUF header from fd, or from mem when fd < 0. */
enum tmem_status tmem__gguf_read(struct tmem_ckpt *c, uint32_t file, int fd, const void *mem,
                                struct tmem_error *err);

/* Where the layer index of a name ends (at the '.' after it, or its end),
 * its value in *layer; NULL when the name has none (tmem_ckpt_layer_of). */
const char *tmem__ckpt_layer_at(const char *name, int32_t *layer);

/* Classifies every tensor (group, reason, layer, logical params). */
void tmem__ckpt_classify_all(struct tmem_ckpt *c);

/* Name map: built from all tensors; duplicate names are reported. */
enum tmem_status tmem__ckpt_index_names(struct tmem_ckpt *c, struct tmem_error *err);

/* The readers behind the public entry points of tmem/checkpoint.h (api.c
 * makes the allocator current, then calls these). Same contracts. */
enum tmem_status tmem__ckpt_open(const char *path, struct tmem_ckpt *out, struct tmem_error *err);
/* tmem__ckpt_open reads with the scanner and, when that ends in an error
 * (out of memory aside), again with jansson alone, whose error it returns;
 * tmem__ckpt_open_with(jansson_only = true) is that second reading alone
 * (the reference of the differential test), false the first alone. */
enum tmem_status tmem__ckpt_open_with(const char *path, bool jansson_only, struct tmem_ckpt *out,
                                      struct tmem_error *err);
enum tmem_status tmem__safetensors_parse_buffer(const void *buf, size_t len, const char *where,
                                                bool jansson_only, struct tmem_ckpt *out,
                                                struct tmem_error *err);
enum tmem_status tmem__gguf_parse_buffer(const void *buf, size_t len, const char *where,
                                         struct tmem_ckpt *out, struct tmem_error *err);
void tmem__ckpt_free(struct tmem_ckpt *c);
int64_t tmem__ckpt_find(struct tmem_ckpt *c, const char *name);
/* the same for the name s[0..len), which need not be NUL-terminated */
int64_t tmem__ckpt_find_n(struct tmem_ckpt *c, const char *s, size_t len);
enum tmem_status tmem__ckpt_model(struct tmem_ckpt *c, struct tmem_model *out, char *notes,
                                  size_t notes_cap, struct tmem_error *err);
enum tmem_status tmem__ckpt_check(const struct tmem_ckpt *c, const struct tmem_ckpt_summary *s,
                                  const struct tmem_model *m, const char *against,
                                  struct tmem_ckpt_check *out, struct tmem_error *err);


/* ckpt_weights.c, run with the current allocator (api.c wraps them) */
enum tmem_status tmem__ckpt_weights(struct tmem_ckpt *c, const char *config_path,
                                    const struct tmem_model *m, struct tmem_ckpt_weights *out,
                                    struct tmem_error *err);
enum tmem_status tmem__config_weights(const char *config_path, const struct tmem_model *m,
                                      struct tmem_ckpt_weights *out, struct tmem_error *err);
enum tmem_status tmem__weights_for_model(const char *arg, const struct tmem_model *m,
                                         struct tmem_ckpt_weights *out, struct tmem_error *err);
void tmem__ckpt_weights_free(struct tmem_ckpt_weights *w);

#endif /* TMEM_CKPT_INTERNAL_H */
