/* json.c — JSON documents for scripts (jansson). Every document starts with
 * "schema_version" and "tmem_version"; keys keep a fixed order; byte and
 * count values are exact JSON integers. Functions return 0, or -1 when a
 * value does not fit a JSON integer or memory runs out (nothing is printed
 * then). */
#include "alloc.h"
#include "json_put.h"
#include "json_text.h"
#include "report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static json_t *doc_new(const char *command, int *rc)
{
    json_t *d = json_object();
    tmem__jansson_put(d, "schema_version", json_integer(TMEM_SCHEMA_VERSION), rc);
    tmem__jansson_put(d, "tmem_version", json_string(TMEM_VERSION), rc);
    tmem__jansson_put(d, "command", json_string(command), rc);
    return d;
}

static int doc_dump(FILE *out, json_t *d, int rc)
{
    if (d == NULL)
        rc = -1;
    if (rc == 0) {
        char *s = json_dumps(d, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (s == NULL)
            rc = -1;
        else {
            fputs(s, out);
            fputc('\n', out);
            tmem__dealloc(s);
        }
    }
    json_decref(d);
    return rc;
}

static json_t *model_obj(const struct tmem_model *m, int *rc)
{
    json_t *o = json_object();
    tmem__jansson_put(o, "name", tmem__json_text(m->name, strlen(m->name), NULL), rc); /* bytes as given */
    tmem__jansson_put(o, "family", json_string(tmem_family_info(m->family)->name), rc);
    *rc |= tmem__jansson_set_u64(o, "d_model", m->d_model);
    *rc |= tmem__jansson_set_u64(o, "n_layer", m->n_layer);
    *rc |= tmem__jansson_set_u64(o, "n_head", m->n_head);
    *rc |= tmem__jansson_set_u64(o, "n_kv_head", m->n_kv_head);
    *rc |= tmem__jansson_set_u64(o, "d_head", m->d_head);
    *rc |= tmem__jansson_set_u64(o, "d_ff", m->d_ff);
    *rc |= tmem__jansson_set_u64(o, "n_vocab", m->n_vocab);
    *rc |= tmem__jansson_set_u64(o, "n_ctx", m->n_ctx);
    tmem__jansson_put(o, "tied_embeddings", json_boolean(m->tied), rc);
    if (m->ssm != TMEM_SSM_NONE) {
        tmem__jansson_put(o, "ssm", json_string(m->ssm == TMEM_SSM_GDN      ? "gated_deltanet"
                                                    : m->ssm == TMEM_SSM_MAMBA2 ? "mamba2" : "mamba"), rc);
        *rc |= tmem__jansson_set_u64(o, "ssm_d_inner", m->ssm_d_inner);
        *rc |= tmem__jansson_set_u64(o, "ssm_d_state", m->ssm_d_state);
        *rc |= tmem__jansson_set_u64(o, "ssm_d_conv", m->ssm_d_conv);
        *rc |= tmem__jansson_set_u64(o, "ssm_dt_rank", m->ssm_dt_rank);
        *rc |= tmem__jansson_set_u64(o, "ssm_n_head", m->ssm_n_head);
        *rc |= tmem__jansson_set_u64(o, "ssm_n_group", m->ssm_n_group);
        if (m->hybrid)
            *rc |= tmem__jansson_set_u64(o, "n_attn_layer", tmem_model_attn_layers_in(m, 0, m->n_layer));
    }
    if (m->encdec) { /* n_layer, n_head, d_ff above: the decoder's */
        *rc |= tmem__jansson_set_u64(o, "n_enc_layer", m->n_enc_layer);
        *rc |= tmem__jansson_set_u64(o, "n_enc_head", m->n_enc_head);
        *rc |= tmem__jansson_set_u64(o, "d_ff_enc", m->d_ff_enc);
    }
    if (m->encoder) {
        tmem__jansson_put(o, "head", json_string(tmem_head_name(m->head)), rc);
        if (m->head == TMEM_HEAD_CLS)
            *rc |= tmem__jansson_set_u64(o, "n_labels", m->n_labels);
    }
    if (m->n_expert > 0) {
        *rc |= tmem__jansson_set_u64(o, "n_expert", m->n_expert);
        *rc |= tmem__jansson_set_u64(o, "n_expert_used", m->n_expert_used);
        *rc |= tmem__jansson_set_u64(o, "d_ff_expert", m->d_ff_expert);
        *rc |= tmem__jansson_set_u64(o, "d_ff_shared", m->d_ff_shared);
        *rc |= tmem__jansson_set_u64(o, "n_moe_layer", tmem_model_moe_layers(m));
    }
    if (m->attn == TMEM_ATTN_MLA) {
        *rc |= tmem__jansson_set_u64(o, "q_lora_rank", m->q_lora_rank);
        *rc |= tmem__jansson_set_u64(o, "kv_lora_rank", m->kv_lora_rank);
        *rc |= tmem__jansson_set_u64(o, "qk_nope_head_dim", m->qk_nope_dim);
        *rc |= tmem__jansson_set_u64(o, "qk_rope_head_dim", m->qk_rope_dim);
        *rc |= tmem__jansson_set_u64(o, "v_head_dim", m->v_head_dim);
    }
    return o;
}

static json_t *groups_obj(const struct tmem_inventory *inv, bool moe, int *rc)
{
    json_t *g = json_object();
    for (int i = 0; i < TMEM_GROUP_COUNT; i++) {
        /* the MoE groups for MoE models, the SSM and vision groups for models that have them */
        if (i == TMEM_GROUP_SSM || i == TMEM_GROUP_VISION ? inv->group_params[i] == 0
                                                           : i >= TMEM_GROUP_ROUTER && !moe)
            continue;
        *rc |= tmem__jansson_set_u64(g, tmem_group_name((enum tmem_group)i), inv->group_params[i]);
    }
    return g;
}

int tmem__report_params_json(FILE *out, const struct tmem_params_view *v)
{
    int rc = 0;
    json_t *d = doc_new("params", &rc);
    tmem__jansson_put(d, "model", model_obj(v->model, &rc), &rc);
    rc |= tmem__jansson_set_u64(d, "total_params", v->inv->total_params);
    rc |= tmem__jansson_set_u64(d, "active_params", v->inv->active_params);
    tmem__jansson_put(d, "groups", groups_obj(v->inv, v->n_moe_layer > 0, &rc), &rc);
    json_t *bytes = json_object();
    for (int t = 0; t < TMEM_DTYPE_COUNT; t++)
        rc |= tmem__jansson_set_u64(bytes, tmem_dtype_info((enum tmem_dtype)t)->name, v->dtype_bytes[t]);
    tmem__jansson_put(d, "bytes", bytes, &rc);
    json_t *notes = json_array();
    for (size_t i = 0; i < v->n_notes; i++)
        tmem__jansson_push(notes, json_string(v->notes[i]), &rc);
    tmem__jansson_put(d, "notes", notes, &rc);
    json_t *tensors = json_array();
    for (uint32_t i = 0; i < v->inv->n_tensors; i++) {
        const struct tmem_tensor *t = &v->inv->tensors[i];
        json_t *o = json_object();
        tmem__jansson_put(o, "name", json_string(t->name), &rc);
        tmem__jansson_put(o, "group", json_string(tmem_group_name(t->group)), &rc);
        json_t *shape = json_array();
        tmem__jansson_push(shape, json_integer((json_int_t)t->rows), &rc);
        if (t->cols != 1)
            tmem__jansson_push(shape, json_integer((json_int_t)t->cols), &rc);
        tmem__jansson_put(o, "shape", shape, &rc);
        tmem__jansson_put(o, "shape_symbols", json_string(t->shape_sym), &rc);
        rc |= tmem__jansson_set_u64(o, "count", t->count);
        rc |= tmem__jansson_set_u64(o, "count_active", t->count_active);
        rc |= tmem__jansson_set_u64(o, "params", t->params);
        if (v->model->encdec) /* the embedding table is both stacks' */
            tmem__jansson_put(o, "stack",
                              json_string(t->kind == TMEM_TENSOR_KIND_TOKEN_EMBD ? "shared"
                                          : tmem_tensor_kind_info(t->kind)->encoder_stack ? "encoder"
                                                                                         : "decoder"),
                              &rc);
        tmem__jansson_push(tensors, o, &rc);
    }
    tmem__jansson_put(d, "tensors", tensors, &rc);
    return doc_dump(out, d, rc);
}

static json_t *ledger_entries(const struct tmem_ledger *l, int *rc)
{
    json_t *a = json_array();
    for (uint32_t i = 0; i < l->n_entries; i++) {
        const struct tmem_entry *e = &l->entries[i];
        json_t *o = json_object();
        tmem__jansson_put(o, "bucket", json_string(tmem_bucket_name(e->bucket)), rc);
        tmem__jansson_put(o, "label", json_string(e->label), rc);
        *rc |= tmem__jansson_set_u64(o, "bytes", e->bytes);
        tmem__jansson_put(o, "formula", json_string(e->formula), rc);
        tmem__jansson_push(a, o, rc);
    }
    return a;
}

int tmem__report_lab_json(FILE *out, const struct tmem_lab_view *v)
{
    int rc = 0;
    const struct tmem_lab_input *in = v->in;
    const struct tmem_lab_result *r = v->r;
    json_t *d = doc_new("lab", &rc);
    json_t *inputs = json_object();
    rc |= tmem__jansson_set_u64(inputs, "vocab_size", in->n_vocab);
    rc |= tmem__jansson_set_u64(inputs, "d_model", in->d_model);
    rc |= tmem__jansson_set_u64(inputs, "layers", in->n_layer);
    rc |= tmem__jansson_set_u64(inputs, "heads", in->n_head);
    if (in->ffn_multiplier_den > 1) /* a decimal (10.5): the script's float */
        tmem__jansson_put(inputs, "ffn_multiplier",
            json_real((double)in->ffn_multiplier / (double)in->ffn_multiplier_den), &rc);
    else
        rc |= tmem__jansson_set_u64(inputs, "ffn_multiplier", in->ffn_multiplier);
    rc |= tmem__jansson_set_u64(inputs, "precision_bytes", in->precision_bytes);
    rc |= tmem__jansson_set_u64(inputs, "adam_bytes", in->adam_bytes);
    rc |= tmem__jansson_set_u64(inputs, "batch_size", in->batch_size);
    rc |= tmem__jansson_set_u64(inputs, "seq_len", in->seq_len);
    tmem__jansson_put(d, "inputs", inputs, &rc);
    rc |= tmem__jansson_set_u64(d, "attention_params_per_layer", r->attention_params_per_layer);
    rc |= tmem__jansson_set_u64(d, "ffn_params_per_layer", r->ffn_params_per_layer);
    rc |= tmem__jansson_set_u64(d, "embedding_params", r->embedding_params);
    rc |= tmem__jansson_set_u64(d, "total_params", r->total_params);
    rc |= tmem__jansson_set_u64(d, "param_memory", r->param_bytes);
    rc |= tmem__jansson_set_u64(d, "grad_memory", r->grad_bytes);
    rc |= tmem__jansson_set_u64(d, "adam_memory", r->adam_bytes);
    rc |= tmem__jansson_set_u64(d, "kv_cache_bytes", r->kv_cache_bytes);
    tmem__jansson_put(d, "entries", ledger_entries(&r->ledger, &rc), &rc);
    if (v->compare_name != NULL) {
        json_t *c = json_object();
        tmem__jansson_put(c, "model", json_string(v->compare_name), &rc);
        rc |= tmem__jansson_set_u64(c, "exact_total_params", v->compare_inv->total_params);
        tmem__jansson_put(c, "relative_error", json_real(v->relative_error), &rc);
        tmem__jansson_put(d, "compare", c, &rc);
    } else {
        tmem__jansson_put(d, "compare", json_null(), &rc);
    }
    return doc_dump(out, d, rc);
}

int tmem__report_models_json(FILE *out, const struct tmem_model_row *rows, size_t n)
{
    int rc = 0;
    json_t *d = doc_new("models", &rc);
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        tmem__jansson_put(o, "name", json_string(rows[i].name), &rc);
        tmem__jansson_put(o, "hf_id", json_string(rows[i].hf_id), &rc);
        tmem__jansson_put(o, "family", json_string(tmem_family_info(rows[i].model->family)->name), &rc);
        rc |= tmem__jansson_set_u64(o, "total_params", rows[i].total_params);
        rc |= tmem__jansson_set_u64(o, "active_params", rows[i].active_params);
        tmem__jansson_push(a, o, &rc);
    }
    tmem__jansson_put(d, "models", a, &rc);
    return doc_dump(out, d, rc);
}

int tmem__report_gpus_json(FILE *out)
{
    int rc = 0;
    json_t *d = doc_new("gpus", &rc);
    json_t *a = json_array();
    for (size_t i = 0; i < tmem_gpu_count(); i++) {
        const struct tmem_gpu *g = tmem_gpu_at(i);
        json_t *o = json_object();
        tmem__jansson_put(o, "name", json_string(g->name), &rc);
        tmem__jansson_put(o, "full_name", json_string(g->full_name), &rc);
        rc |= tmem__jansson_set_u64(o, "memory_bytes", g->memory_bytes);
        rc |= tmem__jansson_set_u64(o, "cuda_memory_bytes", g->cuda_memory_bytes);
        tmem__jansson_put(o, "cuda_memory_derived", json_boolean(g->cuda_memory_derived), &rc);
        tmem__jansson_put(o, "hbm_bytes_per_s", json_real(g->hbm_bytes_per_s), &rc);
        tmem__jansson_put(o, "bf16_flops", json_real(g->bf16_flops), &rc);
        tmem__jansson_put(o, "fp8_flops", json_real(g->fp8_flops), &rc);
        tmem__jansson_put(o, "interconnect_bytes_per_s", json_real(g->interconnect_bytes_per_s), &rc);
        tmem__jansson_put(o, "interconnect", json_string(g->interconnect), &rc);
        tmem__jansson_push(a, o, &rc);
    }
    tmem__jansson_put(d, "gpus", a, &rc);
    return doc_dump(out, d, rc);
}

/* ------------------------------------------------ ledger documents */

/* struct tmem_json is a jansson object plus a sticky failure flag. */
struct tmem_json {
    json_t *obj;
    int rc;
};

/* a new handle on j (consumed); j NULL (its allocation failed) marks it
 * failed; NULL only when the handle itself cannot be allocated */
static struct tmem_json *wrap(json_t *j)
{
    struct tmem_json *o = tmem__alloc(sizeof *o);
    if (o == NULL) {
        json_decref(j);
        return NULL;
    }
    o->obj = j;
    o->rc = j ? 0 : -1;
    return o;
}

/* parent[key] = child, or parent += child when key is NULL; child's
 * failures pass to parent, child is freed */
static void adopt(struct tmem_json *parent, const char *key, struct tmem_json *child)
{
    if (child == NULL) {
        if (parent != NULL)
            parent->rc = -1;
        return;
    }
    if (parent != NULL) {
        parent->rc |= child->rc;
        if (parent->obj == NULL || child->obj == NULL ||
            (key ? json_object_set(parent->obj, key, child->obj)
                 : json_array_append(parent->obj, child->obj)) != 0)
            parent->rc = -1;
    }
    tmem__json_free(child);
}

struct tmem_json *tmem__json_object(void)
{
    return wrap(json_object());
}

void tmem__json_set_u64(struct tmem_json *o, const char *key, uint64_t v)
{
    if (o != NULL)
        o->rc |= tmem__jansson_set_u64(o->obj, key, v);
}

void tmem__json_set_real(struct tmem_json *o, const char *key, double v)
{
    if (o != NULL)
        tmem__jansson_put(o->obj, key, json_real(v), &o->rc);
}

void tmem__json_set_str(struct tmem_json *o, const char *key, const char *v)
{
    if (o != NULL)
        tmem__jansson_put(o->obj, key, v ? json_string(v) : json_null(), &o->rc);
}

void tmem__json_set_bool(struct tmem_json *o, const char *key, bool v)
{
    if (o != NULL)
        tmem__jansson_put(o->obj, key, json_boolean(v), &o->rc);
}

void tmem__json_set_obj(struct tmem_json *o, const char *key, struct tmem_json *child)
{
    adopt(o, key, child);
}

void tmem__json_set_str_list(struct tmem_json *o, const char *key, const char *const *v, size_t n)
{
    if (o == NULL)
        return;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        tmem__jansson_push(a, json_string(v[i]), &o->rc);
    tmem__jansson_put(o->obj, key, a, &o->rc);
}

struct tmem_json *tmem__json_array(void)
{
    return wrap(json_array());
}

void tmem__json_push_real(struct tmem_json *array, double v)
{
    if (array != NULL)
        tmem__jansson_push(array->obj, json_real(v), &array->rc);
}

void tmem__json_push(struct tmem_json *array, struct tmem_json *child)
{
    adopt(array, NULL, child);
}

void tmem__json_set_null(struct tmem_json *o, const char *key)
{
    if (o != NULL)
        tmem__jansson_put(o->obj, key, json_null(), &o->rc);
}

void tmem__json_free(struct tmem_json *o)
{
    if (o == NULL)
        return;
    json_decref(o->obj);
    tmem__dealloc(o);
}

/* extra's keys into d (extra consumed; NULL: nothing) */
static void merge(json_t *d, struct tmem_json *extra, int *rc)
{
    if (extra == NULL)
        return;
    *rc |= extra->rc;
    const char *key;
    json_t *val;
    json_object_foreach(extra->obj, key, val)
    {
        if (d == NULL || json_object_set(d, key, val) != 0)
            *rc = -1;
    }
    tmem__json_free(extra);
}

int tmem__report_ledger_json(FILE *out, const char *command, const struct tmem_model *m,
                            const struct tmem_ledger *l, const struct tmem_gpu *gpu,
                            const struct tmem_fit *fit, struct tmem_json *extra)
{
    int rc = 0;
    json_t *d = doc_new(command, &rc);
    if (m != NULL)
        tmem__jansson_put(d, "model", model_obj(m, &rc), &rc);
    if (gpu != NULL) {
        json_t *g = json_object();
        tmem__jansson_put(g, "name", json_string(gpu->name), &rc);
        rc |= tmem__jansson_set_u64(g, "memory_bytes", gpu->memory_bytes);
        tmem__jansson_put(d, "gpu", g, &rc);
    } else {
        tmem__jansson_put(d, "gpu", json_null(), &rc);
    }
    tmem__jansson_put(d, "fits", fit ? json_boolean(fit->fits) : json_null(), &rc);
    json_t *per = json_object();
    for (int b = 0; b < TMEM_BUCKET_COUNT; b++)
        rc |= tmem__jansson_set_u64(per, tmem_bucket_name((enum tmem_bucket)b), l->bucket_bytes[b]);
    rc |= tmem__jansson_set_u64(per, "total", l->total_bytes);
    tmem__jansson_put(d, "per_gpu_bytes", per, &rc);
    tmem__jansson_put(d, "entries", ledger_entries(l, &rc), &rc);
    merge(d, extra, &rc);
    return doc_dump(out, d, rc);
}

int tmem__report_doc_json(FILE *out, const char *command, const struct tmem_model *m, struct tmem_json *extra)
{
    int rc = 0;
    json_t *d = doc_new(command, &rc);
    if (m != NULL)
        tmem__jansson_put(d, "model", model_obj(m, &rc), &rc);
    merge(d, extra, &rc);
    return doc_dump(out, d, rc);
}

struct tmem_json *tmem__report_peak_json(const struct tmem_peak *p)
{
    struct tmem_json *o = tmem__json_object();
    tmem__json_set_u64(o, "allocated", p->allocated_bytes);
    tmem__json_set_u64(o, "reserved", p->reserved_bytes);
    tmem__json_set_u64(o, "device", p->device_bytes);
    return o;
}
