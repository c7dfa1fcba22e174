/* checkpoint.c — opening a checkpoint: which files a PATH names (a file,
 * an index, a folder), the tables and string arena a struct tmem_ckpt owns,
 * the tensor-name map, error formatting and positioned reads. The formats
 * themselves are parsed in safetensors.c and gguf.c; nothing here reads
 * tensor data. */
#define _POSIX_C_SOURCE 200809L
#include "ckpt_internal.h"
#include "errtext.h"
#include "reader.h"
#include "utf8.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------------ arena */

#define ARENA_CHUNK_BYTES (64u << 10)

struct arena_chunk {
    struct arena_chunk *next;
    size_t used, cap;
    char data[];
};

struct tmem_arena {
    struct arena_chunk *head;
};

char *tmem__arena_strndup(struct tmem_ckpt *c, const char *s, size_t len)
{
    if (c->arena == NULL) {
        c->arena = tmem__calloc(1, sizeof *c->arena);
        if (c->arena == NULL)
            return NULL;
    }
    struct arena_chunk *h = c->arena->head;
    if (len >= SIZE_MAX - sizeof *h - ARENA_CHUNK_BYTES)
        return NULL;
    if (h == NULL || h->cap - h->used < len + 1) {
        size_t cap = len + 1 > ARENA_CHUNK_BYTES ? len + 1 : ARENA_CHUNK_BYTES;
        struct arena_chunk *n = tmem__alloc(sizeof *n + cap);
        if (n == NULL)
            return NULL;
        n->used = 0;
        n->cap = cap;
        n->next = h;
        c->arena->head = h = n;
    }
    char *p = h->data + h->used;
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    h->used += len + 1;
    return p;
}

static void arena_free(struct tmem_arena *a)
{
    if (a == NULL)
        return;
    for (struct arena_chunk *h = a->head, *next; h; h = next) {
        next = h->next;
        tmem__dealloc(h);
    }
    tmem__dealloc(a);
}

/* ------------------------------------------------------------------ errors */

enum tmem_status tmem__ckpt_fail(struct tmem_error *err, enum tmem_status code, const char *file,
                                const char *field, uint64_t offset, const char *fmt, ...)
{
    if (err == NULL)
        return code;
    char text[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (n < 0)
        text[0] = '\0';
    else if ((size_t)n >= sizeof text)
        tmem__cut_mark(text, sizeof text);
    /* a field has a place in the file; a file-level error (I/O, a folder) has none */
    if (field)
        return tmem__err_set(err, code, file ? file : "checkpoint", field, offset,
                             "at byte %llu: %s", (unsigned long long)offset, text);
    return tmem__err_set(err, code, file ? file : "checkpoint", NULL, offset, "%s", text);
}

/* ------------------------------------------------------------------ tables */

/* Grows *p (an array of `size`-byte rows holding *cap) to at least `need`
 * rows. */
static bool grow(void **p, uint32_t *cap, uint64_t need, size_t size)
{
    if (need <= *cap)
        return true;
    uint64_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    if (n > UINT32_MAX || n > SIZE_MAX / size)
        return false;
    void *q = tmem_ckpt_realloc(*p, (size_t)*cap * size, (size_t)n * size);
    if (q == NULL)
        return false;
    *p = q;
    *cap = (uint32_t)n;
    return true;
}

enum tmem_status tmem__ckpt_reserve(struct tmem_ckpt *c, uint64_t n_tensors, uint64_t n_kv,
                                   const char *where, struct tmem_error *err)
{
    if ((uint64_t)c->n_tensors + n_tensors > TMEM_MAX_CKPT_TENSORS)
        return tmem__ckpt_fail(err, TMEM_ERR_LIMIT, where, "tensors", 0,
                              "%llu tensors in all but at most %u are read",
                              (unsigned long long)((uint64_t)c->n_tensors + n_tensors),
                              TMEM_MAX_CKPT_TENSORS);
    if (!grow((void **)&c->tensors, &c->cap_tensors, (uint64_t)c->n_tensors + n_tensors,
              sizeof *c->tensors) ||
        !grow((void **)&c->kv, &c->cap_kv, (uint64_t)c->n_kv + n_kv, sizeof *c->kv))
        return tmem__ckpt_fail(err, TMEM_ERR_NOMEM, where, NULL, 0, "out of memory");
    return TMEM_OK;
}

struct tmem_ckpt_tensor *tmem__ckpt_push_tensor(struct tmem_ckpt *c, const char *where,
                                               struct tmem_error *err)
{
    if (c->n_tensors >= c->cap_tensors &&
        tmem__ckpt_reserve(c, 1, 0, where, err) != TMEM_OK)
        return NULL;
    struct tmem_ckpt_tensor *t = &c->tensors[c->n_tensors++];
    memset(t, 0, sizeof *t);
    t->layer = -1;
    return t;
}

struct tmem_ckpt_kv *tmem__ckpt_push_kv(struct tmem_ckpt *c, const char *where,
                                       struct tmem_error *err)
{
    if (c->n_kv >= c->cap_kv && tmem__ckpt_reserve(c, 0, 1, where, err) != TMEM_OK)
        return NULL;
    struct tmem_ckpt_kv *kv = &c->kv[c->n_kv++];
    memset(kv, 0, sizeof *kv);
    return kv;
}

struct tmem_ckpt_file *tmem__ckpt_push_file(struct tmem_ckpt *c, const char *path,
                                           struct tmem_error *err)
{
    if (c->n_files >= TMEM_MAX_SHARDS) {
        tmem__ckpt_fail(err, TMEM_ERR_LIMIT, path, NULL, 0, "more than %u files", TMEM_MAX_SHARDS);
        return NULL;
    }
    char *p = tmem__arena_strndup(c, path, strlen(path));
    if (p == NULL || !grow((void **)&c->files, &c->cap_files, (uint64_t)c->n_files + 1,
                           sizeof *c->files)) {
        tmem__ckpt_fail(err, TMEM_ERR_NOMEM, path, NULL, 0, "out of memory");
        return NULL;
    }
    struct tmem_ckpt_file *f = &c->files[c->n_files++];
    memset(f, 0, sizeof *f);
    f->path = p;
    return f;
}

/* --------------------------------------------------------------- name map */

/* A slot holds tensor index + 1 in its low 25 bits (0: empty) and the top 7
 * bits of the name's hash above them: a probe that meets another name
 * compares the tags, and reads that tensor's row and name only when they
 * agree (1 in 128 otherwise), the cache misses that made most of the
 * build's time for 90,000 names. */
_Static_assert(TMEM_MAX_CKPT_TENSORS < (1u << 25), "a tensor index + 1 fits in 25 bits");
#define SLOT_INDEX_BITS 25u
#define SLOT_INDEX_MASK ((UINT32_C(1) << SLOT_INDEX_BITS) - 1)

struct tmem_name_map {
    uint64_t mask;     /* slots - 1, slots a power of two */
    uint32_t *slots;   /* (tag << 25) | (tensor index + 1); 0 = empty */
};

static uint32_t slot_tag(uint64_t h) { return (uint32_t)(h >> 57) << SLOT_INDEX_BITS; }

static void map_free(struct tmem_name_map *m)
{
    if (m) {
        tmem__dealloc(m->slots);
        tmem__dealloc(m);
    }
}

enum tmem_status tmem__ckpt_index_names(struct tmem_ckpt *c, struct tmem_error *err)
{
    map_free(c->names);
    c->names = NULL;
    uint64_t slots = 16;
    while (slots < 2 * (uint64_t)c->n_tensors)
        slots *= 2;
    struct tmem_name_map *m = tmem__calloc(1, sizeof *m);
    if (m == NULL || (m->slots = tmem__calloc((size_t)slots, sizeof *m->slots)) == NULL) {
        tmem__dealloc(m);
        return tmem__ckpt_fail(err, TMEM_ERR_NOMEM, c->path, NULL, 0, "out of memory");
    }
    m->mask = slots - 1;
    /* the hashes of the next AHEAD names, their slots fetched early: the
     * table is larger than a core's cache, its probes random */
    enum { AHEAD = 8 };
    uint64_t ring[AHEAD];
    for (uint32_t i = 0; i < c->n_tensors && i < AHEAD; i++)
        ring[i] = tmem__name_hash(c->tensors[i].name, strlen(c->tensors[i].name));
    for (uint32_t i = 0; i < c->n_tensors; i++) {
        const char *name = c->tensors[i].name;
        const uint64_t hash = ring[i % AHEAD];
        if (i + AHEAD < c->n_tensors) {
            const char *ahead = c->tensors[i + AHEAD].name;
            uint64_t ha = tmem__name_hash(ahead, strlen(ahead));
            ring[i % AHEAD] = ha;
#if defined(__GNUC__) || defined(__clang__)
            __builtin_prefetch(&m->slots[ha & m->mask], 1);
#endif
        }
        const uint32_t tag = slot_tag(hash);
        uint64_t h = hash & m->mask;
        while (m->slots[h] != 0) {
            const uint32_t sl = m->slots[h];
            const struct tmem_ckpt_tensor *o = &c->tensors[(sl & SLOT_INDEX_MASK) - 1];
            if ((sl & ~SLOT_INDEX_MASK) == tag && strcmp(o->name, name) == 0) {
                const struct tmem_ckpt_tensor *t = &c->tensors[i];
                const char *f1 = c->files[o->file].path, *f2 = c->files[t->file].path;
                const char *b1 = strrchr(f1, '/');
                enum tmem_status st = tmem__ckpt_fail(
                    err, TMEM_ERR_INCONSISTENT, f2, name, t->info_offset,
                    "tensor name appears twice (also in %s at byte %llu)", b1 ? b1 + 1 : f1,
                    (unsigned long long)o->info_offset);
                map_free(m);
                return st;
            }
            h = (h + 1) & m->mask;
        }
        m->slots[h] = tag | (i + 1);
    }
    c->names = m;
    return TMEM_OK;
}

int64_t tmem__ckpt_find_n(struct tmem_ckpt *c, const char *name, size_t len)
{
    if (c->names == NULL && tmem__ckpt_index_names(c, NULL) != TMEM_OK)
        return -1;
    const struct tmem_name_map *m = c->names;
    const uint64_t hash = tmem__name_hash(name, len);
    const uint32_t tag = slot_tag(hash);
    uint64_t h = hash & m->mask;
    while (m->slots[h] != 0) {
        const uint32_t sl = m->slots[h], i = (sl & SLOT_INDEX_MASK) - 1;
        if ((sl & ~SLOT_INDEX_MASK) == tag && tmem__name_is(c->tensors[i].name, name, len))
            return i;
        h = (h + 1) & m->mask;
    }
    return -1;
}

int64_t tmem__ckpt_find(struct tmem_ckpt *c, const char *name)
{
    if (c == NULL || name == NULL)
        return -1;
    return tmem__ckpt_find_n(c, name, strlen(name));
}

const struct tmem_ckpt_kv *tmem_ckpt_kv_find(const struct tmem_ckpt *c, const char *key)
{
    if (c == NULL || key == NULL)
        return NULL;
    for (uint32_t i = 0; i < c->n_kv; i++)
        if (c->kv[i].key != NULL && strcmp(c->kv[i].key, key) == 0)
            return &c->kv[i];
    return NULL;
}

void tmem__ckpt_free(struct tmem_ckpt *c)
{
    if (c == NULL)
        return;
    tmem__dealloc(c->files);
    tmem__dealloc(c->tensors);
    tmem__dealloc(c->kv);
    map_free(c->names);
    arena_free(c->arena);
    memset(c, 0, sizeof *c);
}

/* ------------------------------------------------------------------- reads */

enum tmem_status tmem__pread_exact(int fd, void *buf, size_t n, uint64_t off, const char *file,
                                  const char *field, struct tmem_error *err)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, (char *)buf + got, n - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return tmem__ckpt_fail(err, TMEM_ERR_IO, file, field, off + got, "%s",
                                  strerror(errno));
        if (r == 0)
            return tmem__ckpt_fail(err, TMEM_ERR_TRUNCATED, file, field, off + got,
                                  "the file ends here, %zu bytes short", n - got);
        got += (size_t)r;
    }
    return TMEM_OK;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Opens path read-only as a regular file (never blocking on a FIFO); *fd
 * and the file row on success. */
enum tmem_status tmem__ckpt_open_file(struct tmem_ckpt *c, const char *path, int *fd,
                                      uint32_t *file, struct tmem_error *err)
{
    int f;
    uint64_t size;
    enum tmem_status st = tmem__open_regular(path, &f, &size, err);
    if (st != TMEM_OK)
        return st;
    struct tmem_ckpt_file *row = tmem__ckpt_push_file(c, path, err);
    if (row == NULL) {
        close(f);
        return err ? err->code : TMEM_ERR_NOMEM;
    }
    row->file_bytes = size;
    *fd = f;
    *file = c->n_files - 1;
    return TMEM_OK;
}

/* Reads one file's header as `format`, or, given TMEM_CKPT_FORMAT_COUNT,
 * as what it is: GGUF by its magic (or name), else safetensors. */
static enum tmem_status read_file(struct tmem_ckpt *c, const char *path,
                                  enum tmem_ckpt_format format, struct tmem_error *err)
{
    int fd;
    uint32_t file;
    enum tmem_status st = tmem__ckpt_open_file(c, path, &fd, &file, err);
    if (st != TMEM_OK)
        return st;
    if (format == TMEM_CKPT_FORMAT_COUNT) {
        unsigned char magic[4] = {0};
        if (c->files[file].file_bytes < sizeof magic ||
            pread(fd, magic, sizeof magic, 0) != (ssize_t)sizeof magic)
            memset(magic, 0, sizeof magic);
        format = ends_with(path, ".gguf") || memcmp(magic, "GGUF", 4) == 0 ? TMEM_CKPT_GGUF
                                                                             : TMEM_CKPT_SAFETENSORS;
    }
    switch (format) {
    case TMEM_CKPT_GGUF:
        c->format = TMEM_CKPT_GGUF;
        st = tmem__gguf_read(c, file, fd, NULL, err);
        break;
    case TMEM_CKPT_SAFETENSORS:
    case TMEM_CKPT_FORMAT_COUNT:
        st = tmem__safetensors_read_fd(c, file, fd, err);
        break;
    }
    close(fd);
    return st;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The folder's entries ending in `suffix`, sorted, as "dir/name" strings
 * in the arena; *n of them (at most TMEM_MAX_SHARDS). */
static enum tmem_status list_dir(struct tmem_ckpt *c, const char *dir, const char *suffix,
                                 const char ***out, size_t *n, struct tmem_error *err)
{
    *out = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (d == NULL)
        return tmem__ckpt_fail(err, TMEM_ERR_IO, dir, NULL, 0, "%s", strerror(errno));
    const char **names = NULL;
    size_t cap = 0;
    enum tmem_status st = TMEM_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !ends_with(e->d_name, suffix))
            continue;
        if (*n == TMEM_MAX_SHARDS) {
            st = tmem__ckpt_fail(err, TMEM_ERR_LIMIT, dir, NULL, 0,
                                "more than %u *%s files", TMEM_MAX_SHARDS, suffix);
            break;
        }
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            const char **q = tmem_ckpt_realloc(names, (cap / 2) * sizeof *names, cap * sizeof *names);
            if (q == NULL) {
                st = tmem__ckpt_fail(err, TMEM_ERR_NOMEM, dir, NULL, 0, "out of memory");
                break;
            }
            names = q;
        }
        size_t ld = strlen(dir), le = strlen(e->d_name);
        char *p = tmem__arena_strndup(c, dir, ld + 1 + le);
        if (p == NULL) {
            st = tmem__ckpt_fail(err, TMEM_ERR_NOMEM, dir, NULL, 0, "out of memory");
            break;
        }
        p[ld] = '/';
        memcpy(p + ld + 1, e->d_name, le + 1);
        names[(*n)++] = p;
    }
    closedir(d);
    if (st != TMEM_OK) {
        tmem__dealloc(names);
        *n = 0;
        return st;
    }
    if (*n)
        qsort(names, *n, sizeof *names, cmp_str);
    *out = names;
    return TMEM_OK;
}

static enum tmem_status open_folder(struct tmem_ckpt *c, const char *dir, struct tmem_error *err)
{
    char path[4096];
    struct stat sb;
    if ((size_t)snprintf(path, sizeof path, "%s/model.safetensors.index.json", dir) >= sizeof path)
        return tmem__ckpt_fail(err, TMEM_ERR_LIMIT, dir, NULL, 0, "path is too long");
    if (stat(path, &sb) == 0)
        return tmem__safetensors_read_index(c, path, err);
    const char **names;
    size_t n;
    enum tmem_status st = list_dir(c, dir, ".safetensors.index.json", &names, &n, err);
    if (st != TMEM_OK)
        return st;
    if (n > 0) {
        st = n == 1 ? tmem__safetensors_read_index(c, names[0], err)
                    : tmem__ckpt_fail(err, TMEM_ERR_INCONSISTENT, dir, NULL, 0,
                                     "folder holds %zu *.safetensors.index.json files; name one",
                                     n);
        tmem__dealloc(names);
        return st;
    }
    tmem__dealloc(names);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    if (stat(path, &sb) == 0)
        return read_file(c, path, TMEM_CKPT_SAFETENSORS, err);
    st = list_dir(c, dir, ".safetensors", &names, &n, err);
    if (st != TMEM_OK)
        return st;
    for (size_t i = 0; i < n && st == TMEM_OK; i++)
        st = read_file(c, names[i], TMEM_CKPT_SAFETENSORS, err);
    tmem__dealloc(names);
    if (st != TMEM_OK || n > 0)
        return st;
    st = list_dir(c, dir, ".gguf", &names, &n, err);
    if (st != TMEM_OK)
        return st;
    if (n == 1)
        st = read_file(c, names[0], TMEM_CKPT_GGUF, err);
    else if (n > 1)
        st = tmem__ckpt_fail(err, TMEM_ERR_INCONSISTENT, dir, NULL, 0,
                            "folder holds %zu .gguf files; name one", n);
    else
        st = tmem__ckpt_fail(err, TMEM_ERR_MISSING_KEY, dir, NULL, 0,
                            "folder holds no config.json, no *.safetensors and no .gguf file");
    tmem__dealloc(names);
    return st;
}

static enum tmem_status finish(struct tmem_ckpt *c, struct tmem_error *err)
{
    if (c->names == NULL) {
        enum tmem_status st = tmem__ckpt_index_names(c, err);
        if (st != TMEM_OK)
            return st;
    }
    tmem__ckpt_classify_all(c);
    return TMEM_OK;
}

/* A reading by the scanner that ended in an error (out of memory aside):
 * done again by jansson alone, which words the error as it always has. */
static bool read_again(enum tmem_status st, bool jansson_only)
{
    return st != TMEM_OK && st != TMEM_ERR_NOMEM && !jansson_only;
}

enum tmem_status tmem__ckpt_open(const char *path, struct tmem_ckpt *out, struct tmem_error *err)
{
    enum tmem_status st = tmem__ckpt_open_with(path, false, out, err);
    if (read_again(st, false)) {
        tmem__ckpt_free(out);
        st = tmem__ckpt_open_with(path, true, out, err);
    }
    return st;
}

enum tmem_status tmem__ckpt_open_with(const char *path, bool jansson_only, struct tmem_ckpt *out,
                                      struct tmem_error *err)
{
    memset(out, 0, sizeof *out);
    out->jansson_only = jansson_only;
    if (path == NULL || path[0] == '\0')
        return tmem__ckpt_fail(err, TMEM_ERR_INVALID_ARG, "PATH", NULL, 0, "no path given");
    out->path = tmem__arena_strndup(out, path, strlen(path));
    if (out->path == NULL)
        return tmem__ckpt_fail(err, TMEM_ERR_NOMEM, path, NULL, 0, "out of memory");
    struct stat sb;
    if (stat(path, &sb) != 0)
        return tmem__ckpt_fail(err, TMEM_ERR_IO, path, NULL, 0, "%s", strerror(errno));
    enum tmem_status st;
    if (S_ISDIR(sb.st_mode)) {
        out->dir = out->path;
        st = open_folder(out, path, err);
    } else {
        const char *slash = strrchr(path, '/');
        out->dir = slash ? tmem__arena_strndup(out, path, slash == path ? 1 : (size_t)(slash - path))
                         : ".";
        if (out->dir == NULL)
            return tmem__ckpt_fail(err, TMEM_ERR_NOMEM, path, NULL, 0, "out of memory");
        if (ends_with(path, ".json"))
            st = tmem__safetensors_read_index(out, path, err);
        else
            st = read_file(out, path, TMEM_CKPT_FORMAT_COUNT, err);
    }
    if (st == TMEM_OK)
        st = finish(out, err);
    return st;
}

/* The start of parsing a file held in memory (len bytes, named where): out
 * is emptied and holds that one file, file 0. */
static enum tmem_status buffer_begin(struct tmem_ckpt *out, const char *where, size_t len,
                                     struct tmem_error *err)
{
    memset(out, 0, sizeof *out);
    out->path = tmem__arena_strndup(out, where, strlen(where));
    out->dir = ".";
    struct tmem_ckpt_file *f = out->path ? tmem__ckpt_push_file(out, where, err) : NULL;
    if (f == NULL)
        return tmem__ckpt_fail(err, TMEM_ERR_NOMEM, where, NULL, 0, "out of memory");
    f->file_bytes = len;
    return TMEM_OK;
}

enum tmem_status tmem__safetensors_parse_buffer(const void *buf, size_t len, const char *where,
                                                bool jansson_only, struct tmem_ckpt *out,
                                                struct tmem_error *err)
{
    enum tmem_status st = buffer_begin(out, where ? where : "buffer.safetensors", len, err);
    out->jansson_only = jansson_only;
    if (st == TMEM_OK)
        st = tmem__safetensors_read_mem(out, 0, buf, err);
    if (st == TMEM_OK)
        st = finish(out, err);
    if (read_again(st, jansson_only)) {
        tmem__ckpt_free(out);
        return tmem__safetensors_parse_buffer(buf, len, where, true, out, err);
    }
    return st;
}

enum tmem_status tmem__gguf_parse_buffer(const void *buf, size_t len, const char *where,
                                         struct tmem_ckpt *out, struct tmem_error *err)
{
    enum tmem_status st = buffer_begin(out, where ? where : "buffer.gguf", len, err);
    out->format = TMEM_CKPT_GGUF;
    if (st == TMEM_OK)
        st = tmem__gguf_read(out, 0, -1, buf, err);
    if (st == TMEM_OK)
        st = finish(out, err);
    return st;
}
