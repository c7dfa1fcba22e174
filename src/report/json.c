/* json.c — JSON documents for scripts (jansson). Every document starts with
 * "schema_version" and "tmem_version"; keys keep a fixed order; byte and
 * count values are exact JSON integers. Functions return 0, or -1 when a
 * value does not fit a JSON integer or memory runs out (nothing is printed
 * then). */
#include "report.h"

#include <jansson.h>
#include <stdlib.h>

/* jansson integers are signed 64-bit; tmem's limits keep counts below 2^63,
 * and a value above that is refused rather than printed wrong. */
static int set_u64(json_t *obj, const char *key, uint64_t v)
{
    if (v > (uint64_t)INT64_MAX)
        return -1;
    return json_object_set_new(obj, key, json_integer((json_int_t)v));
}

static json_t *doc_new(const char *command)
{
    json_t *d = json_object();
    json_object_set_new(d, "schema_version", json_integer(TMEM_SCHEMA_VERSION));
    json_object_set_new(d, "tmem_version", json_string(TMEM_VERSION));
    json_object_set_new(d, "command", json_string(command));
    return d;
}

static int doc_dump(FILE *out, json_t *d, int rc)
{
    if (rc == 0 && d != NULL) {
        char *s = json_dumps(d, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (s == NULL)
            rc = -1;
        else {
            fputs(s, out);
            fputc('\n', out);
            free(s);
        }
    }
    json_decref(d);
    return rc;
}

static json_t *model_obj(const struct tmem_model *m, int *rc)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(m->name));
    json_object_set_new(o, "family", json_string(tmem_family_info(m->family)->name));
    *rc |= set_u64(o, "d_model", m->d_model);
    *rc |= set_u64(o, "n_layer", m->n_layer);
    *rc |= set_u64(o, "n_head", m->n_head);
    *rc |= set_u64(o, "n_kv_head", m->n_kv_head);
    *rc |= set_u64(o, "d_head", m->d_head);
    *rc |= set_u64(o, "d_ff", m->d_ff);
    *rc |= set_u64(o, "n_vocab", m->n_vocab);
    *rc |= set_u64(o, "n_ctx", m->n_ctx);
    json_object_set_new(o, "tied_embeddings", json_boolean(m->tied));
    if (m->n_expert > 0) {
        *rc |= set_u64(o, "n_expert", m->n_expert);
        *rc |= set_u64(o, "n_expert_used", m->n_expert_used);
        *rc |= set_u64(o, "d_ff_expert", m->d_ff_expert);
        *rc |= set_u64(o, "d_ff_shared", m->d_ff_shared);
        *rc |= set_u64(o, "n_moe_layer", tmem_model_moe_layers(m));
    }
    if (m->attn == TMEM_ATTN_MLA) {
        *rc |= set_u64(o, "q_lora_rank", m->q_lora_rank);
        *rc |= set_u64(o, "kv_lora_rank", m->kv_lora_rank);
        *rc |= set_u64(o, "qk_nope_head_dim", m->qk_nope_dim);
        *rc |= set_u64(o, "qk_rope_head_dim", m->qk_rope_dim);
        *rc |= set_u64(o, "v_head_dim", m->v_head_dim);
    }
    return o;
}

static json_t *groups_obj(const struct tmem_inventory *inv, bool moe, int *rc)
{
    json_t *g = json_object();
    for (int i = 0; i < TMEM_GROUP_COUNT; i++) {
        if (i >= TMEM_GROUP_ROUTER && !moe)
            continue;
        *rc |= set_u64(g, tmem_group_name((enum tmem_group)i), inv->group_params[i]);
    }
    return g;
}

int tmem_report_params_json(FILE *out, const struct tmem_params_view *v)
{
    int rc = 0;
    json_t *d = doc_new("params");
    json_object_set_new(d, "model", model_obj(v->model, &rc));
    rc |= set_u64(d, "total_params", v->inv->total_params);
    rc |= set_u64(d, "active_params", v->inv->active_params);
    json_object_set_new(d, "groups", groups_obj(v->inv, v->n_moe_layer > 0, &rc));
    json_t *bytes = json_object();
    for (int t = 0; t < TMEM_DTYPE_COUNT; t++)
        rc |= set_u64(bytes, tmem_dtype_info((enum tmem_dtype)t)->name, v->dtype_bytes[t]);
    json_object_set_new(d, "bytes", bytes);
    json_t *tensors = json_array();
    for (uint32_t i = 0; i < v->inv->n_tensors; i++) {
        const struct tmem_tensor *t = &v->inv->tensors[i];
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(t->name));
        json_object_set_new(o, "group", json_string(tmem_group_name(t->group)));
        json_t *shape = json_array();
        json_array_append_new(shape, json_integer((json_int_t)t->rows));
        if (t->cols != 1)
            json_array_append_new(shape, json_integer((json_int_t)t->cols));
        json_object_set_new(o, "shape", shape);
        json_object_set_new(o, "shape_symbols", json_string(t->shape_sym));
        rc |= set_u64(o, "count", t->count);
        rc |= set_u64(o, "count_active", t->count_active);
        rc |= set_u64(o, "params", t->params);
        json_array_append_new(tensors, o);
    }
    json_object_set_new(d, "tensors", tensors);
    return doc_dump(out, d, rc);
}

static json_t *ledger_entries(const struct tmem_ledger *l, int *rc)
{
    json_t *a = json_array();
    for (uint32_t i = 0; i < l->n_entries; i++) {
        const struct tmem_entry *e = &l->entries[i];
        json_t *o = json_object();
        json_object_set_new(o, "bucket", json_string(tmem_bucket_name(e->bucket)));
        json_object_set_new(o, "label", json_string(e->label));
        *rc |= set_u64(o, "bytes", e->bytes);
        json_object_set_new(o, "formula", json_string(e->formula));
        json_array_append_new(a, o);
    }
    return a;
}

int tmem_report_lab_json(FILE *out, const struct tmem_lab_view *v)
{
    int rc = 0;
    const struct tmem_lab_input *in = v->in;
    const struct tmem_lab_result *r = v->r;
    json_t *d = doc_new("lab");
    json_t *inputs = json_object();
    rc |= set_u64(inputs, "vocab_size", in->n_vocab);
    rc |= set_u64(inputs, "d_model", in->d_model);
    rc |= set_u64(inputs, "layers", in->n_layer);
    rc |= set_u64(inputs, "heads", in->n_head);
    rc |= set_u64(inputs, "ffn_multiplier", in->ffn_multiplier);
    rc |= set_u64(inputs, "precision_bytes", in->precision_bytes);
    rc |= set_u64(inputs, "adam_bytes", in->adam_bytes);
    rc |= set_u64(inputs, "batch_size", in->batch_size);
    rc |= set_u64(inputs, "seq_len", in->seq_len);
    json_object_set_new(d, "inputs", inputs);
    rc |= set_u64(d, "attention_params_per_layer", r->attention_params_per_layer);
    rc |= set_u64(d, "ffn_params_per_layer", r->ffn_params_per_layer);
    rc |= set_u64(d, "embedding_params", r->embedding_params);
    rc |= set_u64(d, "total_params", r->total_params);
    rc |= set_u64(d, "param_memory", r->param_bytes);
    rc |= set_u64(d, "grad_memory", r->grad_bytes);
    rc |= set_u64(d, "adam_memory", r->adam_bytes);
    rc |= set_u64(d, "kv_cache_bytes", r->kv_cache_bytes);
    json_object_set_new(d, "entries", ledger_entries(&r->ledger, &rc));
    if (v->compare_name != NULL) {
        json_t *c = json_object();
        json_object_set_new(c, "model", json_string(v->compare_name));
        rc |= set_u64(c, "exact_total_params", v->compare_inv->total_params);
        json_object_set_new(c, "relative_error", json_real(v->relative_error));
        json_object_set_new(d, "compare", c);
    } else {
        json_object_set_new(d, "compare", json_null());
    }
    return doc_dump(out, d, rc);
}

int tmem_report_models_json(FILE *out, const struct tmem_model_row *rows, size_t n)
{
    int rc = 0;
    json_t *d = doc_new("models");
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(rows[i].name));
        json_object_set_new(o, "hf_id", json_string(rows[i].hf_id));
        json_object_set_new(o, "family", json_string(tmem_family_info(rows[i].model->family)->name));
        rc |= set_u64(o, "total_params", rows[i].total_params);
        rc |= set_u64(o, "active_params", rows[i].active_params);
        json_array_append_new(a, o);
    }
    json_object_set_new(d, "models", a);
    return doc_dump(out, d, rc);
}

int tmem_report_gpus_json(FILE *out)
{
    int rc = 0;
    json_t *d = doc_new("gpus");
    json_t *a = json_array();
    for (size_t i = 0; i < tmem_gpu_count(); i++) {
        const struct tmem_gpu *g = tmem_gpu_at(i);
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(g->name));
        json_object_set_new(o, "full_name", json_string(g->full_name));
        rc |= set_u64(o, "memory_bytes", g->memory_bytes);
        json_object_set_new(o, "hbm_bytes_per_s", json_real(g->hbm_bytes_per_s));
        json_object_set_new(o, "bf16_flops", json_real(g->bf16_flops));
        json_object_set_new(o, "fp8_flops", json_real(g->fp8_flops));
        json_object_set_new(o, "interconnect_bytes_per_s", json_real(g->interconnect_bytes_per_s));
        json_object_set_new(o, "interconnect", json_string(g->interconnect));
        json_array_append_new(a, o);
    }
    json_object_set_new(d, "gpus", a);
    return doc_dump(out, d, rc);
}

/* ------------------------------------------------ ledger documents */

/* struct tmem_json is a jansson object plus a sticky failure flag. */
struct tmem_json {
    json_t *obj;
    int rc;
};

struct tmem_json *tmem_json_object(void)
{
    struct tmem_json *o = malloc(sizeof *o);
    if (o == NULL)
        return NULL;
    o->obj = json_object();
    o->rc = o->obj ? 0 : -1;
    return o;
}

void tmem_json_set_u64(struct tmem_json *o, const char *key, uint64_t v)
{
    if (o != NULL && o->obj != NULL)
        o->rc |= set_u64(o->obj, key, v);
}

void tmem_json_set_real(struct tmem_json *o, const char *key, double v)
{
    if (o != NULL && o->obj != NULL)
        o->rc |= json_object_set_new(o->obj, key, json_real(v));
}

void tmem_json_set_str(struct tmem_json *o, const char *key, const char *v)
{
    if (o != NULL && o->obj != NULL)
        o->rc |= json_object_set_new(o->obj, key, v ? json_string(v) : json_null());
}

void tmem_json_set_bool(struct tmem_json *o, const char *key, bool v)
{
    if (o != NULL && o->obj != NULL)
        o->rc |= json_object_set_new(o->obj, key, json_boolean(v));
}

void tmem_json_set_obj(struct tmem_json *o, const char *key, struct tmem_json *child)
{
    if (child == NULL) {
        if (o != NULL)
            o->rc = -1;
        return;
    }
    if (o != NULL && o->obj != NULL) {
        o->rc |= child->rc;
        o->rc |= json_object_set(o->obj, key, child->obj);
    }
    tmem_json_free(child);
}

void tmem_json_free(struct tmem_json *o)
{
    if (o == NULL)
        return;
    json_decref(o->obj);
    free(o);
}

int tmem_report_ledger_json(FILE *out, const char *command, const struct tmem_model *m,
                            const struct tmem_ledger *l, const struct tmem_gpu *gpu,
                            const struct tmem_fit *fit, struct tmem_json *extra)
{
    int rc = 0;
    json_t *d = doc_new(command);
    if (m != NULL)
        json_object_set_new(d, "model", model_obj(m, &rc));
    if (gpu != NULL) {
        json_t *g = json_object();
        json_object_set_new(g, "name", json_string(gpu->name));
        rc |= set_u64(g, "memory_bytes", gpu->memory_bytes);
        json_object_set_new(d, "gpu", g);
    } else {
        json_object_set_new(d, "gpu", json_null());
    }
    json_object_set_new(d, "fits", fit ? json_boolean(fit->fits) : json_null());
    json_t *per = json_object();
    for (int b = 0; b < TMEM_BUCKET_COUNT; b++)
        rc |= set_u64(per, tmem_bucket_name((enum tmem_bucket)b), l->bucket_bytes[b]);
    rc |= set_u64(per, "total", l->total_bytes);
    json_object_set_new(d, "per_gpu_bytes", per);
    json_object_set_new(d, "entries", ledger_entries(l, &rc));
    if (extra != NULL) {
        rc |= extra->rc;
        const char *key;
        json_t *val;
        json_object_foreach(extra->obj, key, val) { json_object_set(d, key, val); }
        tmem_json_free(extra);
    }
    return doc_dump(out, d, rc);
}
