/* choices.c — the named values options take, read from the core's name
 * tables (one adapter per enum): the help printer, the man page and the
 * parsers' "one of:" messages list them from here, never from typed text. */
#include "cli.h"
#include "errtext.h"
#include "reader.h"
#include "report_out.h"

#include <stdio.h>
#include "tmem/infer.h"
#include "tmem/serve.h"
#include "tmem/train.h"

#include <string.h>

#define CHOICES(fn, count, name_of)                                                        \
    const char *fn(size_t i)                                                               \
    {                                                                                      \
        return i < (size_t)(count) ? (name_of) : NULL;                                     \
    }

CHOICES(tmem__choice_precision, TMEM_PRECISION_COUNT, tmem_precision_name((enum tmem_precision)i))
CHOICES(tmem__choice_optimizer, TMEM_OPTIMIZER_COUNT, tmem_optimizer_name((enum tmem_optimizer)i))
CHOICES(tmem__choice_recompute, TMEM_RECOMPUTE_COUNT, tmem_recompute_name((enum tmem_recompute)i))
CHOICES(tmem__choice_attention, TMEM_ATTENTION_COUNT, tmem_attention_name((enum tmem_attention)i))
CHOICES(tmem__choice_framework, TMEM_FRAMEWORK_COUNT, tmem_framework_name((enum tmem_framework)i))
CHOICES(tmem__choice_kernels, TMEM_KERNELS_COUNT, tmem_kernels_name((enum tmem_kernels)i))
CHOICES(tmem__choice_fsdp, TMEM_FSDP_COUNT, tmem_fsdp_name((enum tmem_fsdp)i))
CHOICES(tmem__choice_offload, TMEM_OFFLOAD_COUNT, tmem_offload_name((enum tmem_offload)i))
CHOICES(tmem__choice_rl, TMEM_RL_COUNT, tmem_rl_name((enum tmem_rl)i))
CHOICES(tmem__choice_ref_model, TMEM_REF_MODEL_COUNT, tmem_ref_model_name((enum tmem_ref_model)i))
CHOICES(tmem__choice_base_quant, TMEM_BASE_QUANT_COUNT, tmem_base_quant_name((enum tmem_base_quant)i))
CHOICES(tmem__choice_kv_dtype, TMEM_KV_COUNT, tmem_kv_dtype_name((enum tmem_kv_dtype)i))
/* vLLM MambaDType (config/cache.py): auto = the model dtype */
static const char *state_dtype_name(size_t i)
{
    static const char *const names[] = {"auto", "float32", "bfloat16", "float16"};
    return names[i];
}
CHOICES(tmem__choice_state_dtype, 4, state_dtype_name(i))
CHOICES(tmem__choice_engine, TMEM_ENGINE_COUNT, tmem_engine_name((enum tmem_engine)i))
CHOICES(tmem__choice_schedule, TMEM_SERVE_SCHEDULE_COUNT,
        tmem_serve_schedule_name((enum tmem_serve_schedule)i))
CHOICES(tmem__choice_family, TMEM_FAMILY_COUNT, tmem_family_info((enum tmem_family)i)->name)
CHOICES(tmem__choice_gpu, tmem_gpu_count(), tmem_gpu_at(i)->name)
CHOICES(tmem__choice_format, TMEM_FORMAT_COUNT, tmem__format_name((enum tmem_format)i))

/* every named format but "gguf", which is reached through a ggml type name */
const char *tmem__choice_wformat(size_t i)
{
    size_t k = 0;
    for (int f = 0; f < TMEM_WF_COUNT; f++) {
        if (f == TMEM_WF_GGUF)
            continue;
        if (k++ == i)
            return tmem_wformat_info((enum tmem_wformat)f)->name;
    }
    return NULL;
}

/* the ggml types --weights takes for a pure GGUF (not F32, F16, BF16: those
 * are the plain formats), in ggml's id order */
const char *tmem__choice_ggml_type(size_t i)
{
    size_t k = 0;
    for (uint32_t id = 0; id < TMEM_GGML_TYPE_COUNT; id++) {
        const struct tmem_block_type *t = tmem_ggml_type_info(id);
        if (t == NULL || tmem_wformat_from_name(t->name, NULL) != TMEM_WF_GGUF)
            continue;
        if (k++ == i)
            return t->name;
    }
    return NULL;
}

const char *tmem__choice_on_off(size_t i)
{
    static const char *const names[] = {"on", "off"};
    return i < 2 ? names[i] : NULL;
}

const char *tmem__choice_same_none(size_t i)
{
    static const char *const names[] = {"same", "none"};
    return i < 2 ? names[i] : NULL;
}

int tmem__choice_index(opt_choice_fn fn, const char *name)
{
    const char *c;
    for (size_t i = 0; (c = fn(i)) != NULL; i++)
        if (strcmp(c, name) == 0)
            return (int)i;
    return -1;
}

const char *tmem__choice_hint(const struct opt *o, const char *val, char *buf, size_t cap)
{
    const char *names[512];
    size_t n = 0;
    opt_choice_fn fns[2] = {o ? o->choice : NULL, o ? o->also_choice : NULL};
    for (int f = 0; f < 2; f++) {
        const char *c;
        for (size_t i = 0; fns[f] && n < 512 && (c = fns[f](i)) != NULL; i++)
            names[n++] = c;
    }
    return tmem__did_you_mean(val, names, n, buf, cap);
}

int tmem__pick(const struct opt *opts, size_t n, const char *flag, const char *val, const char *what,
               int found, int count)
{
    if (found < count)
        return found;
    char msg[400], names[300], q[TMEM_QUOTE_CAP], hint[128];
    const struct opt *o = tmem__args_find(opts, n, flag);
    tmem__args_choices(o, ", ", names, sizeof names);
    snprintf(msg, sizeof msg, "unknown %s %s (one of: %s)", what, tmem__quote(q, val), names);
    cli_error(flag, msg, tmem__choice_hint(o, val, hint, sizeof hint));
    return -1;
}

int tmem__gpu_arg(const char *name, const struct tmem_gpu **out)
{
    *out = tmem_gpu_find(name);
    if (*out != NULL)
        return 0;
    const char *names[64];
    size_t n = tmem_gpu_count() < 64 ? tmem_gpu_count() : 64;
    for (size_t i = 0; i < n; i++)
        names[i] = tmem_gpu_at(i)->name;
    char close[128], msg[256], q[TMEM_QUOTE_CAP], hint[128];
    if (tmem__close_names(name, names, n, 3, close, sizeof close) == 0)
        snprintf(close, sizeof close, "none");
    snprintf(msg, sizeof msg, "unknown GPU %s (closest: %s)", tmem__quote(q, name), close);
    const char *dym = tmem__did_you_mean(name, names, n, hint, sizeof hint);
    cli_error("--gpu", msg, dym ? dym : "tmem gpus lists them");
    return 2;
}
