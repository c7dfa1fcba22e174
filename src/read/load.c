/* load.c — the MODEL argument, looked up in the contract's order: a
 * config.json path, a model folder, a .gguf path, then a built-in preset
 * (name or HF repo id, case-insensitive). */
#define _POSIX_C_SOURCE 200809L
#include "alloc.h"
#include "errtext.h"
#include "tmem/checkpoint.h"
#include "tmem/read.h"
#include "reader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static enum tmem_status load_fail(struct tmem_error *err, enum tmem_status code,
                                  const char *where, const char *msg)
{
    return tmem__err_set(err, code, where, NULL, 0, "%s", msg);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static enum tmem_status load_config_file(const char *path, const struct tmem_load_opts *o,
                                         struct tmem_model *out, struct tmem_error *err)
{
    char *text = NULL;
    size_t len = 0;
    enum tmem_status st = tmem__read_file(path, TMEM_MAX_CONFIG_BYTES, &text, &len, err);
    if (st != TMEM_OK)
        return st;
    st = tmem__hf_config_parse_opts(text, len, path, o, out, err);
    tmem__dealloc(text);
    return st;
}

/* A .gguf, a .safetensors, an index or a folder of them without config.json:
 * the model its headers describe (checkpoint.h). */
static enum tmem_status load_checkpoint(const char *path, const struct tmem_load_opts *o,
                                        struct tmem_model *out, struct tmem_error *err)
{
    if (o != NULL && o->family != NULL)
        return load_fail(err, TMEM_ERR_INVALID_ARG, "family",
                         "applies to a config.json (or a folder or preset with one) and to flags, "
                         "not to a checkpoint's headers");
    struct tmem_ckpt c;
    enum tmem_status st = tmem_ckpt_open(path, tmem__alloc_current(), &c, err);
    if (st == TMEM_OK)
        st = tmem_ckpt_model(&c, out, o ? o->notes : NULL, o ? o->notes_cap : 0, err);
    tmem_ckpt_free(&c);
    return st;
}

/* the config.json in the folder of file `path`, into buf; false if none */
static bool sibling_config(const char *path, char *buf, size_t cap)
{
    const char *slash = strrchr(path, '/');
    int n = slash ? (int)(slash - path) : 1;
    struct stat sb;
    return (size_t)snprintf(buf, cap, "%.*s/config.json", n, slash ? path : ".") < cap &&
           stat(buf, &sb) == 0 && S_ISREG(sb.st_mode);
}

enum tmem_status tmem__model_load(const char *arg, struct tmem_model *out, struct tmem_error *err)
{
    return tmem__model_load_opts(arg, NULL, out, err);
}

enum tmem_status tmem__model_load_noted(const char *arg, struct tmem_model *out, char *notes,
                                        size_t notes_cap, struct tmem_error *err)
{
    const struct tmem_load_opts o = {.notes = notes, .notes_cap = notes_cap};
    return tmem__model_load_opts(arg, &o, out, err);
}

enum tmem_status tmem__hf_config_load(const char *path, struct tmem_model *out,
                                      struct tmem_error *err)
{
    return load_config_file(path, NULL, out, err);
}

enum tmem_status tmem__model_load_opts(const char *arg, const struct tmem_load_opts *o,
                                      struct tmem_model *out, struct tmem_error *err)
{
    if (o != NULL && o->notes != NULL && o->notes_cap > 0)
        o->notes[0] = '\0';
    if (arg == NULL || arg[0] == '\0')
        return load_fail(err, TMEM_ERR_INVALID_ARG, "MODEL", "no model given");
    struct stat sb;
    int stat_errno = 0;
    if (stat(arg, &sb) != 0)
        stat_errno = errno;
    if (stat_errno == 0) {
        if (S_ISDIR(sb.st_mode)) {
            char path[4096];
            if ((size_t)snprintf(path, sizeof path, "%s/config.json", arg) >= sizeof path)
                return load_fail(err, TMEM_ERR_LIMIT, arg, "path is too long");
            if (stat(path, &sb) != 0) /* no config: the weights' headers describe it */
                return load_checkpoint(arg, o, out, err);
            return load_config_file(path, o, out, err);
        }
        char cfg[4096];
        /* safetensors: the config.json beside the file, as a folder would */
        if ((ends_with(arg, ".safetensors") || ends_with(arg, ".safetensors.index.json")) &&
            sibling_config(arg, cfg, sizeof cfg))
            return load_config_file(cfg, o, out, err);
        if (ends_with(arg, ".gguf") || ends_with(arg, ".safetensors") ||
            ends_with(arg, ".safetensors.index.json"))
            return load_checkpoint(arg, o, out, err);
        return load_config_file(arg, o, out, err);
    }

    /* A Hugging Face repo id in the local hub cache: the user's own copy
     * is the truth, so it wins over a built-in preset of the same id. */
    const struct tmem_preset *p = tmem_preset_find(arg);
    char snap[4096], line[4300];
    if (stat_errno == ENOENT && tmem__hf_cache_snapshot(arg, snap, sizeof snap)) {
        enum tmem_status st = tmem__model_load_opts(snap, o, out, err);
        if (st == TMEM_OK) {
            snprintf(line, sizeof line, "%s: read from the local Hugging Face cache, %s%s", arg, snap,
                     p ? " (not the built-in preset of that id)" : "");
            tmem__load_note(o, line);
        }
        return st;
    }
    if (p != NULL && strchr(arg, '/') != NULL) {
        char root[2048];
        if (tmem__hf_cache_root(root, sizeof root) == 0)
            snprintf(root, sizeof root, "no HOME");
        snprintf(line, sizeof line, "%s: not in the local Hugging Face cache (%s): the built-in preset %s",
                 arg, root, p->name);
    }
    if (p != NULL) {
        char where[96];
        snprintf(where, sizeof where, "preset %s", p->name);
        enum tmem_status st =
            tmem__hf_config_parse_opts(p->config_json, strlen(p->config_json), where, o, out, err);
        if (st == TMEM_OK)
            snprintf(out->name, sizeof out->name, "%s", p->name);
        if (st == TMEM_OK && strchr(arg, '/') != NULL)
            tmem__load_note(o, line);
        return st;
    }

    /* Not a preset: a name that reads like a path gets the OS's answer. */
    if (stat_errno != ENOENT || arg[0] == '/' || arg[0] == '.' || ends_with(arg, ".json") ||
        ends_with(arg, ".gguf"))
        return load_fail(err, TMEM_ERR_IO, arg, strerror(stat_errno));

    size_t n = tmem_preset_count();
    const char **names = tmem__calloc(n ? n : 1, sizeof *names);
    if (names == NULL)
        return load_fail(err, TMEM_ERR_NOMEM, arg, "out of memory");
    for (size_t i = 0; i < n; i++)
        names[i] = tmem_preset_at(i)->name;
    char close[160], msg[600];
    if (tmem__close_names(arg, names, n, 3, close, sizeof close) == 0)
        snprintf(close, sizeof close, "none; tmem models lists them");
    tmem__dealloc(names);
    char root[2048];
    if (strchr(arg, '/') == NULL || tmem__hf_cache_root(root, sizeof root) == 0)
        root[0] = '\0';
    snprintf(msg, sizeof msg,
             "unknown model: not a file, a folder or a preset (closest presets: %s)%s%.*s", close,
             root[0] ? "; not in the local Hugging Face cache " : "", 160, root);
    return load_fail(err, TMEM_ERR_UNSUPPORTED, arg, msg);
}
