/* deepspeed.c — a DeepSpeed ds_config.json → the fields of a training plan
 * that decide memory: ZeRO stage, offload, bucket sizes, precision,
 * micro-batch, gradient accumulation, optimizer (jansson).
 *
 * Keys read (all optional; "auto" counts as absent):
 *   zero_optimization.stage, .offload_optimizer.device, .offload_param.device,
 *   .reduce_bucket_size, .allgather_bucket_size, .stage3_prefetch_bucket_size,
 *   .stage3_max_live_parameters; bf16.enabled, fp16.enabled;
 *   train_micro_batch_size_per_gpu; gradient_accumulation_steps;
 *   optimizer.type; data_types.grad_accum_dtype.
 * Numbers may be integers or integral reals (DeepSpeed configs write 5e8). */
#include "alloc.h"
#include "errtext.h"
#include "reader.h"

#include "jsonutil.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

struct dsc {
    const char *where;
    struct tmem_error *err;
    enum tmem_status st;
};

static void fail(struct dsc *c, enum tmem_status code, const char *key, const char *msg)
{
    if (c->st != TMEM_OK)
        return;
    c->st = code;
    tmem__fail_at(c->err, code, c->where, key, msg);
}

static bool is_auto(const json_t *v)
{
    return v == NULL || json_is_null(v) || (json_is_string(v) && strcmp(json_string_value(v), "auto") == 0);
}

/* a non-negative integer in [lo, hi]; *set false when absent or "auto" */
static uint64_t get_u64(struct dsc *c, json_t *obj, const char *key, const char *path, uint64_t lo,
                        uint64_t hi, bool *set)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    *set = false;
    if (c->st != TMEM_OK || is_auto(v))
        return 0;
    char msg[160];
    double d;
    if (json_is_integer(v))
        d = (double)json_integer_value(v);
    else if (json_is_real(v))
        d = json_real_value(v);
    else {
        snprintf(msg, sizeof msg, "expected a non-negative integer, got %s", tmem__json_kind(v));
        fail(c, TMEM_ERR_SCHEMA, path, msg);
        return 0;
    }
    if (!(d >= (double)lo && d <= (double)hi) || d != (double)(uint64_t)d) {
        snprintf(msg, sizeof msg, "is %.17g but must be an integer in [%llu, %llu]", d,
                 (unsigned long long)lo, (unsigned long long)hi);
        fail(c, TMEM_ERR_LIMIT, path, msg);
        return 0;
    }
    *set = true;
    return (uint64_t)d;
}

static json_t *get_obj(struct dsc *c, json_t *obj, const char *key, const char *path)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    if (c->st != TMEM_OK || v == NULL || json_is_null(v))
        return NULL;
    if (!json_is_object(v)) {
        char msg[96];
        snprintf(msg, sizeof msg, "expected an object, got %s", tmem__json_kind(v));
        fail(c, TMEM_ERR_SCHEMA, path, msg);
        return NULL;
    }
    return v;
}

/* a boolean; "auto" and absent read as *set = false */
static bool get_bool(struct dsc *c, json_t *obj, const char *key, const char *path, bool *set)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    *set = false;
    if (c->st != TMEM_OK || is_auto(v))
        return false;
    if (!json_is_boolean(v)) {
        char msg[96];
        snprintf(msg, sizeof msg, "expected true or false, got %s", tmem__json_kind(v));
        fail(c, TMEM_ERR_SCHEMA, path, msg);
        return false;
    }
    *set = true;
    return json_is_true(v);
}

static const char *get_str(struct dsc *c, json_t *obj, const char *key, const char *path)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    if (c->st != TMEM_OK || is_auto(v))
        return NULL;
    if (!json_is_string(v)) {
        char msg[96];
        snprintf(msg, sizeof msg, "expected a string, got %s", tmem__json_kind(v));
        fail(c, TMEM_ERR_SCHEMA, path, msg);
        return NULL;
    }
    return json_string_value(v);
}

/* offload_*: {"device": "cpu" | "nvme" | "none"} → offloaded? */
static bool offload_on(struct dsc *c, json_t *zo, const char *key, const char *path)
{
    char p[96];
    snprintf(p, sizeof p, "%s.device", path);
    json_t *o = get_obj(c, zo, key, path);
    const char *dev = get_str(c, o, "device", p);
    if (dev == NULL || strcmp(dev, "none") == 0)
        return false;
    if (strcmp(dev, "cpu") != 0 && strcmp(dev, "nvme") != 0) {
        char msg[160], q[TMEM_QUOTE_CAP];
        snprintf(msg, sizeof msg, "unknown device %s (cpu, nvme or none)", tmem__quote(q, dev));
        fail(c, TMEM_ERR_SCHEMA, p, msg);
        return false;
    }
    return true;
}

static const struct {
    const char *ds;
    enum tmem_optimizer o;
} ds_optimizers[] = {
    {"Adam", TMEM_OPTIMIZER_ADAM},  {"AdamW", TMEM_OPTIMIZER_ADAMW}, {"OneBitAdam", TMEM_OPTIMIZER_ADAM},
    {"Lamb", TMEM_OPTIMIZER_ADAM},  {"SGD", TMEM_OPTIMIZER_SGD_MOMENTUM}, {"Lion", TMEM_OPTIMIZER_LION},
    {"Adagrad", TMEM_OPTIMIZER_SGD_MOMENTUM},
};

enum tmem_status tmem__ds_config_parse(const char *text, size_t len, const char *where,
                                       struct tmem_ds_config *out, struct tmem_error *err)
{
    struct dsc c = {.where = where ? where : "ds_config.json", .err = err, .st = TMEM_OK};
    json_error_t jerr;
    json_t *root = tmem__json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        char pos[32];
        snprintf(pos, sizeof pos, "%d:%d", jerr.line, jerr.column);
        fail(&c, tmem__json_load_status(&jerr), pos, jerr.text);
        if (err)
            err->offset = (uint64_t)(jerr.position > 0 ? jerr.position : 0);
        return c.st;
    }
    if (!json_is_object(root)) {
        fail(&c, TMEM_ERR_SCHEMA, NULL, "expected a JSON object at the top level");
        json_decref(root);
        return c.st;
    }
    struct tmem_ds_config d;
    memset(&d, 0, sizeof d);
    bool set;
    json_t *zo = get_obj(&c, root, "zero_optimization", "zero_optimization");
    d.zero_stage = (uint32_t)get_u64(&c, zo, "stage", "zero_optimization.stage", 0, 3, &d.has_zero);
    bool off_opt = offload_on(&c, zo, "offload_optimizer", "zero_optimization.offload_optimizer");
    bool off_par = offload_on(&c, zo, "offload_param", "zero_optimization.offload_param");
    if (off_opt || off_par) {
        d.has_offload = true;
        d.offload = off_par ? TMEM_OFFLOAD_PARAMS : TMEM_OFFLOAD_OPTIMIZER;
    }
    const uint64_t big = UINT64_C(1) << 40;
    d.reduce_bucket = get_u64(&c, zo, "reduce_bucket_size", "zero_optimization.reduce_bucket_size", 1, big, &set);
    d.allgather_bucket = get_u64(&c, zo, "allgather_bucket_size", "zero_optimization.allgather_bucket_size", 1, big, &set);
    d.prefetch_bucket = get_u64(&c, zo, "stage3_prefetch_bucket_size", "zero_optimization.stage3_prefetch_bucket_size", 0, big, &set);
    d.max_live = get_u64(&c, zo, "stage3_max_live_parameters", "zero_optimization.stage3_max_live_parameters", 1, big, &set);

    bool bf16 = get_bool(&c, get_obj(&c, root, "bf16", "bf16"), "enabled", "bf16.enabled", &set);
    bool bf16_set = set;
    bool fp16 = get_bool(&c, get_obj(&c, root, "fp16", "fp16"), "enabled", "fp16.enabled", &set);
    if (bf16 && fp16)
        fail(&c, TMEM_ERR_INCONSISTENT, "fp16.enabled", "bf16 and fp16 are both enabled");
    if (bf16 || fp16 || bf16_set || set) {
        d.has_precision = true;
        d.precision = bf16 ? TMEM_PRECISION_BF16_MIXED : fp16 ? TMEM_PRECISION_FP16_MIXED : TMEM_PRECISION_FP32;
    }
    d.micro_batch = get_u64(&c, root, "train_micro_batch_size_per_gpu", "train_micro_batch_size_per_gpu", 1,
                            TMEM_MAX_MICRO_BATCH, &d.has_micro_batch);
    d.grad_accum = get_u64(&c, root, "gradient_accumulation_steps", "gradient_accumulation_steps", 1,
                           UINT64_C(1) << 24, &d.has_grad_accum);
    const char *opt = get_str(&c, get_obj(&c, root, "optimizer", "optimizer"), "type", "optimizer.type");
    if (opt != NULL) {
        for (size_t i = 0; i < sizeof ds_optimizers / sizeof ds_optimizers[0]; i++)
            if (strcmp(opt, ds_optimizers[i].ds) == 0) {
                d.has_optimizer = true;
                d.optimizer = ds_optimizers[i].o;
            }
        if (!d.has_optimizer) {
            char msg[160], q[TMEM_QUOTE_CAP];
            snprintf(msg, sizeof msg, "unknown optimizer type %s", tmem__quote(q, opt));
            fail(&c, TMEM_ERR_UNSUPPORTED, "optimizer.type", msg);
        }
    }
    const char *acc = get_str(&c, get_obj(&c, root, "data_types", "data_types"), "grad_accum_dtype",
                              "data_types.grad_accum_dtype");
    if (acc != NULL) {
        d.has_fp32_grads = true;
        d.fp32_grads = strcmp(acc, "fp32") == 0;
    }
    json_decref(root);
    if (c.st == TMEM_OK)
        *out = d;
    return c.st;
}

enum tmem_status tmem__ds_config_load(const char *path, struct tmem_ds_config *out,
                                      struct tmem_error *err)
{
    char *buf;
    size_t len;
    enum tmem_status st = tmem__read_file(path, TMEM_MAX_CONFIG_BYTES, &buf, &len, err);
    if (st != TMEM_OK)
        return st;
    st = tmem__ds_config_parse(buf, len, path, out, err);
    tmem__dealloc(buf);
    return st;
}
