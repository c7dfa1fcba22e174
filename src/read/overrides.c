/* overrides.c — architecture overrides (the command line's --hidden,
 * --layers, ... flags) laid over a raw model, and a model described by them
 * alone from a family name. */
#include "error.h"
#include "errtext.h"
#include "reader.h"
#include "utf8.h"

#include <stdio.h>
#include <string.h>

enum tmem_status tmem_model_override(struct tmem_model *m, const struct tmem_model_overrides *o,
                                     struct tmem_error *err)
{
    if (m == NULL || o == NULL || (unsigned)o->tie >= TMEM_TIE_COUNT ||
        (unsigned)o->head >= TMEM_HEAD_COUNT)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "overrides",
                         "no model, no overrides or a bad tie or head value");
    if (o->head != TMEM_HEAD_LM && !m->encoder)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "--head",
                          "applies to encoder families only (bert, roberta, xlm-roberta, "
                          "deberta-v2, modernbert); a decoder has its lm_head");
    if (o->head != TMEM_HEAD_LM)
        m->head = o->head;
#define OVERRIDE(field)                                                                        \
    do {                                                                                       \
        if (o->field.set)                                                                      \
            m->field = o->field.v;                                                             \
    } while (0)
    OVERRIDE(d_model);
    OVERRIDE(n_layer);
    OVERRIDE(n_head);
    OVERRIDE(n_kv_head);
    OVERRIDE(d_head);
    OVERRIDE(d_ff);
    OVERRIDE(n_vocab);
    OVERRIDE(n_ctx);
    OVERRIDE(n_expert);
    OVERRIDE(n_expert_used);
    OVERRIDE(d_ff_expert);
    OVERRIDE(d_ff_shared);
    OVERRIDE(moe_first_layer);
    OVERRIDE(moe_layer_step);
    OVERRIDE(q_lora_rank);
    OVERRIDE(kv_lora_rank);
    OVERRIDE(qk_nope_dim);
    OVERRIDE(qk_rope_dim);
    OVERRIDE(v_head_dim);
    OVERRIDE(n_labels);
#undef OVERRIDE
    switch (o->tie) {
    case TMEM_TIE_KEEP:
        break;
    case TMEM_TIE_TIED:
        m->tied = true;
        break;
    case TMEM_TIE_UNTIED:
        m->tied = false;
        break;
    case TMEM_TIE_COUNT:
        break; /* refused above */
    }
    if (o->name)
        tmem__copy_marked(m->name, sizeof m->name, o->name);
    return TMEM_OK;
}

enum tmem_status tmem_model_from_family(const char *family, struct tmem_model *out,
                                        struct tmem_error *err)
{
    const char *want = family ? family : "llama";
    enum tmem_family fam = tmem_family_from_name(want);
    if (fam == TMEM_FAMILY_COUNT) {
        char close[128], msg[256], q[TMEM_QUOTE_CAP];
        const char *kind = tmem__unsupported_kind(want);
        if (kind != NULL) {
            snprintf(msg, sizeof msg, "%s is %s model: %s", tmem__quote(q, want), kind,
                     TMEM_UNSUPPORTED_KINDS);
            return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "family", msg);
        }
        if (tmem__close_family_names(want, close, sizeof close) == 0)
            snprintf(close, sizeof close, "none; tmem params --help lists them");
        snprintf(msg, sizeof msg, "unknown family %s (closest: %s)", tmem__quote(q, want), close);
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "family", msg);
    }
    enum tmem_status st = tmem_model_init(out, fam, err);
    if (st == TMEM_OK)
        snprintf(out->name, sizeof out->name, "custom %s", tmem_family_info(fam)->name);
    return st;
}
