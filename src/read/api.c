/* api.c — the public reader entry points (tmem/read.h, tmem/checkpoint.h)
 * that allocate: each checks its arguments, makes the caller's allocator
 * current for the duration of the call (alloc.h) and calls the reader.
 * A checkpoint remembers its allocator, so the later calls on it and its
 * free use the one that made it. */
#include "alloc.h"
#include "ckpt_internal.h"
#include "error.h"
#include "reader.h"

static enum tmem_status invalid(struct tmem_error *err, const char *where, const char *msg)
{
    return tmem__fail(err, TMEM_ERR_INVALID_ARG, where, msg);
}

/* Returns the status of `call`, run with alc current. */
#define RETURN_WITH_ALLOCATOR(alc, call)                                                       \
    do {                                                                                       \
        const struct tmem_allocator *prev_ = tmem__alloc_push(alc);                             \
        enum tmem_status st_ = (call);                                                         \
        tmem__alloc_pop(prev_);                                                                 \
        return st_;                                                                            \
    } while (0)

enum tmem_status tmem_hf_config_parse(const char *text, size_t len, const char *where,
                                      const struct tmem_allocator *alc, struct tmem_model *out,
                                      struct tmem_error *err)
{
    if (text == NULL || out == NULL)
        return invalid(err, where ? where : "config.json", "no text or no output given");
    RETURN_WITH_ALLOCATOR(alc,
                          tmem__hf_config_parse(text, len, where ? where : "config.json", out, err));
}

enum tmem_status tmem_hf_config_load(const char *path, const struct tmem_allocator *alc,
                                     struct tmem_model *out, struct tmem_error *err)
{
    if (path == NULL || out == NULL)
        return invalid(err, "config.json", "no path or no output given");
    RETURN_WITH_ALLOCATOR(alc, tmem__hf_config_load(path, out, err));
}

enum tmem_status tmem_model_load(const char *arg, const struct tmem_allocator *alc,
                                 struct tmem_model *out, struct tmem_error *err)
{
    if (out == NULL)
        return invalid(err, "MODEL", "no output given");
    RETURN_WITH_ALLOCATOR(alc, tmem__model_load(arg, out, err));
}

enum tmem_status tmem_model_load_noted(const char *arg, const struct tmem_allocator *alc,
                                       struct tmem_model *out, char *notes, size_t notes_cap,
                                       struct tmem_error *err)
{
    if (out == NULL)
        return invalid(err, "MODEL", "no output given");
    RETURN_WITH_ALLOCATOR(alc, tmem__model_load_noted(arg, out, notes, notes_cap, err));
}

enum tmem_status tmem_hf_config_parse_opts(const char *text, size_t len, const char *where,
                                           const struct tmem_load_opts *o,
                                           const struct tmem_allocator *alc,
                                           struct tmem_model *out, struct tmem_error *err)
{
    if (text == NULL || out == NULL)
        return invalid(err, where ? where : "config.json", "no text or no output given");
    RETURN_WITH_ALLOCATOR(alc, tmem__hf_config_parse_opts(text, len, where ? where : "config.json",
                                                          o, out, err));
}

enum tmem_status tmem_model_load_opts(const char *arg, const struct tmem_load_opts *o,
                                      const struct tmem_allocator *alc, struct tmem_model *out,
                                      struct tmem_error *err)
{
    if (out == NULL)
        return invalid(err, "MODEL", "no output given");
    RETURN_WITH_ALLOCATOR(alc, tmem__model_load_opts(arg, o, out, err));
}

enum tmem_status tmem_ds_config_parse(const char *text, size_t len, const char *where,
                                      const struct tmem_allocator *alc,
                                      struct tmem_ds_config *out, struct tmem_error *err)
{
    if (text == NULL || out == NULL)
        return invalid(err, where ? where : "ds_config.json", "no text or no output given");
    RETURN_WITH_ALLOCATOR(alc, tmem__ds_config_parse(text, len, where, out, err));
}

enum tmem_status tmem_ds_config_load(const char *path, const struct tmem_allocator *alc,
                                     struct tmem_ds_config *out, struct tmem_error *err)
{
    if (path == NULL || out == NULL)
        return invalid(err, "ds_config.json", "no path or no output given");
    RETURN_WITH_ALLOCATOR(alc, tmem__ds_config_load(path, out, err));
}

/* ------------------------------------------------------------ checkpoints */

/* The checkpoint keeps the allocator it was made with (a zeroed one: libc). */
static enum tmem_status keep_allocator(struct tmem_ckpt *out, const struct tmem_allocator *alc,
                                       enum tmem_status st)
{
    if (alc != NULL)
        out->alc = *alc;
    return st;
}

enum tmem_status tmem_ckpt_open(const char *path, const struct tmem_allocator *alc,
                                struct tmem_ckpt *out, struct tmem_error *err)
{
    if (out == NULL)
        return invalid(err, "PATH", "no output given");
    RETURN_WITH_ALLOCATOR(alc, keep_allocator(out, alc, tmem__ckpt_open(path, out, err)));
}

enum tmem_status tmem_safetensors_parse_buffer(const void *buf, size_t len, const char *where,
                                               const struct tmem_allocator *alc,
                                               struct tmem_ckpt *out, struct tmem_error *err)
{
    if (out == NULL)
        return invalid(err, where ? where : "buffer", "no output given");
    RETURN_WITH_ALLOCATOR(alc, keep_allocator(out, alc,
                                       tmem__safetensors_parse_buffer(buf, len, where, false, out, err)));
}

enum tmem_status tmem_gguf_parse_buffer(const void *buf, size_t len, const char *where,
                                        const struct tmem_allocator *alc, struct tmem_ckpt *out,
                                        struct tmem_error *err)
{
    if (out == NULL)
        return invalid(err, where ? where : "buffer", "no output given");
    RETURN_WITH_ALLOCATOR(alc,
                   keep_allocator(out, alc, tmem__gguf_parse_buffer(buf, len, where, out, err)));
}

void tmem_ckpt_free(struct tmem_ckpt *c)
{
    if (c == NULL)
        return;
    struct tmem_allocator a = c->alc; /* *c is zeroed by the free */
    const struct tmem_allocator *prev = tmem__alloc_push(&a);
    tmem__ckpt_free(c);
    tmem__alloc_pop(prev);
}

int64_t tmem_ckpt_find(struct tmem_ckpt *c, const char *name)
{
    if (c == NULL || name == NULL)
        return -1;
    const struct tmem_allocator *prev = tmem__alloc_push(&c->alc);
    int64_t i = tmem__ckpt_find(c, name);
    tmem__alloc_pop(prev);
    return i;
}

enum tmem_status tmem_ckpt_model(struct tmem_ckpt *c, struct tmem_model *out, char *notes,
                                 size_t notes_cap, struct tmem_error *err)
{
    if (c == NULL || out == NULL)
        return invalid(err, "checkpoint", "no checkpoint or no output given");
    RETURN_WITH_ALLOCATOR(&c->alc, tmem__ckpt_model(c, out, notes, notes_cap, err));
}

enum tmem_status tmem_ckpt_check(const struct tmem_ckpt *c, const struct tmem_ckpt_summary *s,
                                 const struct tmem_model *m, const char *against,
                                 struct tmem_ckpt_check *out, struct tmem_error *err)
{
    if (c == NULL || m == NULL || out == NULL)
        return invalid(err, "checkpoint", "no checkpoint, model or output given");
    RETURN_WITH_ALLOCATOR(&c->alc, tmem__ckpt_check(c, s, m, against, out, err));
}

/* ------------------------------------------------ weights as stored */

static enum tmem_status keep_weights_allocator(struct tmem_ckpt_weights *out,
                                               const struct tmem_allocator *alc,
                                               enum tmem_status st)
{
    memset(&out->alc, 0, sizeof out->alc);
    if (alc != NULL)
        out->alc = *alc;
    return st;
}

enum tmem_status tmem_ckpt_weights(struct tmem_ckpt *c, const char *config_path,
                                   const struct tmem_model *m, struct tmem_ckpt_weights *out,
                                   struct tmem_error *err)
{
    if (c == NULL || m == NULL || out == NULL)
        return invalid(err, "checkpoint", "no checkpoint, model or output given");
    RETURN_WITH_ALLOCATOR(&c->alc, keep_weights_allocator(out, &c->alc,
                                   tmem__ckpt_weights(c, config_path, m, out, err)));
}

enum tmem_status tmem_config_weights(const char *config_path, const struct tmem_allocator *alc,
                                     const struct tmem_model *m, struct tmem_ckpt_weights *out,
                                     struct tmem_error *err)
{
    if (config_path == NULL || m == NULL || out == NULL)
        return invalid(err, "config.json", "no path, model or output given");
    RETURN_WITH_ALLOCATOR(alc, keep_weights_allocator(out, alc,
                               tmem__config_weights(config_path, m, out, err)));
}

enum tmem_status tmem_weights_for_model(const char *arg, const struct tmem_allocator *alc,
                                        const struct tmem_model *m,
                                        struct tmem_ckpt_weights *out, struct tmem_error *err)
{
    if (arg == NULL || m == NULL || out == NULL)
        return invalid(err, "MODEL", "no model, resolved model or output given");
    RETURN_WITH_ALLOCATOR(alc, keep_weights_allocator(out, alc,
                               tmem__weights_for_model(arg, m, out, err)));
}

void tmem_ckpt_weights_free(struct tmem_ckpt_weights *w)
{
    if (w == NULL)
        return;
    struct tmem_allocator a = w->alc;
    const struct tmem_allocator *prev = tmem__alloc_push(&a);
    tmem__ckpt_weights_free(w);
    tmem__alloc_pop(prev);
}
