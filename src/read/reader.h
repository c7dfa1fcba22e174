/* reader.h — what the readers share internally beyond the public
 * tmem/read.h: whole-file reads and "did you mean" name lists. Readers own
 * all parsing and every bad-input error; they never print. */
#ifndef TMEM_READER_H
#define TMEM_READER_H

#include "tmem/read.h"

/* Opens path read-only as a regular file: a folder, FIFO, device or socket
 * is refused (TMEM_ERR_IO, "<path>: is a FIFO (named pipe), not a regular
 * file") without blocking and, but for a path swapped under it, without
 * being opened. *fd (blocking again) and its *size on TMEM_OK. */
enum tmem_status tmem__open_regular(const char *path, int *fd, uint64_t *size,
                                    struct tmem_error *err);

/* Reads a whole regular file (tmem__open_regular) of at most max_bytes into
 * a NUL-terminated buffer the caller frees with tmem__dealloc() (the current
 * allocator, alloc.h). */
enum tmem_status tmem__read_file(const char *path, size_t max_bytes, char **buf, size_t *len,
                                struct tmem_error *err);

/* The same, and what had to be guessed (a checkpoint without a config:
 * the head split, experts per token) as one line into notes[cap] ("" when
 * nothing was). A .safetensors file or index takes the config.json
 * beside it, as its folder would. */
enum tmem_status tmem__model_load_noted(const char *arg, struct tmem_model *out, char *notes,
                                        size_t notes_cap, struct tmem_error *err);

/* Progress of a long read (progress.c): fn(ctx, done, total, what) after
 * each of `total` steps (the shards of an index, `what` the one just read),
 * on the calling thread's current sink; tmem__progress_set installs one and
 * returns the one before. */
typedef void (*tmem__progress_fn)(void *ctx, uint64_t done, uint64_t total, const char *what);
struct tmem__progress {
    tmem__progress_fn fn;
    void *ctx;
};
struct tmem__progress tmem__progress_set(struct tmem__progress p);
void tmem__progress(uint64_t done, uint64_t total, const char *what);

/* Adds one line to o's notes (cut to what fits; nothing when o has none). */
void tmem__load_note(const struct tmem_load_opts *o, const char *line);

/* The local Hugging Face hub cache (hf_cache.c): its folder into buf
 * (length, 0 when no variable says where), and the snapshot folder of repo
 * id `id` (ORG/NAME) into buf: true when the cache has one. */
size_t tmem__hf_cache_root(char *buf, size_t cap);
bool tmem__hf_cache_snapshot(const char *id, char *buf, size_t cap);

/* Up to `max` names from `names[n]` closest to `query` by edit distance
 * (case-insensitive), written as "a, b, c" into buf, and only names within
 * max(1, a third of the longer name's length) edits: none (an empty buf)
 * when nothing is close. Returns how many. */
size_t tmem__close_names(const char *query, const char *const *names, size_t n, size_t max,
                        char *buf, size_t cap);

/* Up to 3 family names closest to `query`, as tmem__close_names writes them. */
size_t tmem__close_family_names(const char *query, char *buf, size_t cap);

/* The readers behind the public entry points of tmem/read.h (api.c checks
 * the arguments and makes the caller's allocator current, then calls
 * these). Same contracts. */
enum tmem_status tmem__hf_config_parse(const char *text, size_t len, const char *where,
                                       struct tmem_model *out, struct tmem_error *err);
enum tmem_status tmem__hf_config_load(const char *path, struct tmem_model *out,
                                      struct tmem_error *err);
enum tmem_status tmem__model_load(const char *arg, struct tmem_model *out, struct tmem_error *err);
enum tmem_status tmem__hf_config_parse_opts(const char *text, size_t len, const char *where,
                                            const struct tmem_load_opts *o,
                                            struct tmem_model *out, struct tmem_error *err);
enum tmem_status tmem__model_load_opts(const char *arg, const struct tmem_load_opts *o,
                                       struct tmem_model *out, struct tmem_error *err);

/* "an encoder" for an HF model_type of a kind tmem does not count (albert,
 * t5, whisper, mamba, llava, ...); NULL for any other name. */
const char *tmem__unsupported_kind(const char *model_type);
#define TMEM_UNSUPPORTED_KINDS                                                                     \
    "tmem counts decoder-only transformers, Mamba and 5 encoder families; other encoders, "       \
    "encoder-decoder, hybrid attention/state-space, recurrent and vision models are not "         \
    "supported yet"
enum tmem_status tmem__ds_config_parse(const char *text, size_t len, const char *where,
                                       struct tmem_ds_config *out, struct tmem_error *err);
enum tmem_status tmem__ds_config_load(const char *path, struct tmem_ds_config *out,
                                      struct tmem_error *err);

/* Whether an HF model_type is a vision-language wrapper whose vision tower
 * tmem counts (hf_vision.c); *text_type: the model_type of the text keys
 * beside vision_config (qwen2_5_vl: qwen2), NULL when they are in
 * text_config. */
bool tmem__hf_vision_type(const char *model_type, const char **text_type);

/* Reads vision_config (and the top-level image-token keys) of a config of
 * such a model_type into *v; kind NONE for any other model_type. */
struct json_t;
enum tmem_status tmem__hf_vision_read(struct json_t *top, const char *model_type,
                                      const char *where, struct tmem_vision *v,
                                      struct tmem_error *err);

#endif /* TMEM_READER_H */
