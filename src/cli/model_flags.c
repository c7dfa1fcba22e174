/* model_flags.c — the architecture flags every model-taking command shares,
 * and how they are laid over a loaded model before it is resolved. */
#include "cli.h"
#include "errtext.h"
#include "utf8.h"
#include "reader.h"

#include <string.h>

#define MODEL_FLAG_FAMILY "llama" /* the family of a model that flags alone describe */

void model_flag_opts(struct model_flags *f, struct opt *o)
{
    const struct opt t[MODEL_FLAG_COUNT] = {
        {OPT_ROW("--family", OPT_STR, "NAME", "family when flags alone describe the model", &f->family),
         .choice = tmem__choice_family, .def = OPT_DEFAULT_TEXT(MODEL_FLAG_FAMILY)},
        {OPT_ROW("--name", OPT_STR, "TEXT", "display name", &f->name)},
        {OPT_ROW("--hidden", OPT_U64, "N", "d_model (hidden size)", &f->hidden)},
        {OPT_ROW("--layers", OPT_U64, "N", "n_layer", &f->layers)},
        {OPT_ROW("--heads", OPT_U64, "N", "n_head (query heads)", &f->heads)},
        {OPT_ROW("--kv-heads", OPT_U64, "N", "n_kv_head (GQA / MQA)", &f->kv_heads)},
        {OPT_ROW("--head-dim", OPT_U64, "N", "d_head (default d_model / n_head)", &f->head_dim)},
        {OPT_ROW("--ffn", OPT_U64, "N", "d_ff (MLP intermediate size)", &f->ffn)},
        {OPT_ROW("--vocab", OPT_U64, "N", "n_vocab", &f->vocab)},
        {OPT_ROW("--max-pos", OPT_U64, "N", "n_ctx (max positions; sizes learned position tables)", &f->max_pos)},
        {OPT_ROW("--experts", OPT_U64, "N", "n_expert (routed experts per MoE layer)", &f->experts)},
        {OPT_ROW("--experts-per-token", OPT_U64, "N", "n_expert_used (top-k)", &f->experts_per_token)},
        {OPT_ROW("--expert-ffn", OPT_U64, "N", "d_ff of each routed expert", &f->expert_ffn)},
        {OPT_ROW("--shared-ffn", OPT_U64, "N", "total d_ff of the shared experts", &f->shared_ffn)},
        {OPT_ROW("--dense-first", OPT_U64, "N", "leading dense layers (first_k_dense_replace)", &f->moe_first)},
        {OPT_ROW("--moe-every", OPT_U64, "N", "every N-th layer is MoE", &f->moe_step)},
        {OPT_ROW("--q-lora-rank", OPT_U64, "N", "MLA q_lora_rank (0: no q compression)", &f->q_lora)},
        {OPT_ROW("--kv-lora-rank", OPT_U64, "N", "MLA kv_lora_rank", &f->kv_lora)},
        {OPT_ROW("--qk-nope-dim", OPT_U64, "N", "MLA qk_nope_head_dim", &f->qk_nope)},
        {OPT_ROW("--qk-rope-dim", OPT_U64, "N", "MLA qk_rope_head_dim", &f->qk_rope)},
        {OPT_ROW("--v-head-dim", OPT_U64, "N", "MLA v_head_dim", &f->v_head)},
        {OPT_ROW("--tied", OPT_FLAG, NULL, "lm_head shares the embedding", &f->tied)},
        {OPT_ROW("--untied", OPT_FLAG, NULL, "lm_head is its own matrix", &f->untied)},
    };
    memcpy(o, t, sizeof t);
}

int report_error(const struct tmem_error *err)
{
    cli_error(err->where, err->msg, NULL);
    return 2;
}

/* Legend field → the flag that sets it, for errors in flag-only models. */
static const char *flag_for(const char *field)
{
    static const char *const map[][2] = {
        {"d_model", "--hidden"},     {"n_layer", "--layers"},       {"n_head", "--heads"},
        {"n_kv_head", "--kv-heads"}, {"d_head", "--head-dim"},      {"d_ff", "--ffn"},
        {"n_vocab", "--vocab"},      {"n_ctx", "--max-pos"},        {"n_expert", "--experts"},
        {"n_expert_used", "--experts-per-token"}, {"d_ff_expert", "--expert-ffn"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i][0], field) == 0)
            return map[i][1];
    return NULL;
}

static bool any_size_flag(const struct model_flags *f)
{
    return f->hidden.set || f->layers.set || f->heads.set || f->vocab.set || f->ffn.set;
}

int model_from_args(const char *arg, const struct model_flags *f, struct tmem_model *out)
{
    struct tmem_error err = {0};
    struct tmem_model m;
    bool from_flags = arg == NULL;
    if (from_flags) {
        if (!any_size_flag(f)) {
            cli_error("MODEL", "no model given",
                      "name a preset (tmem models), a config.json or a folder, or describe one "
                      "with --hidden --layers --heads --vocab [--ffn]");
            return 2;
        }
        enum tmem_family fam = tmem_family_from_name(f->family ? f->family : MODEL_FLAG_FAMILY);
        if (fam == TMEM_FAMILY_COUNT) {
            const char *names[TMEM_FAMILY_COUNT];
            for (int i = 0; i < TMEM_FAMILY_COUNT; i++)
                names[i] = tmem_family_info((enum tmem_family)i)->name;
            char close[128], msg[256], q[TMEM_QUOTE_CAP];
            tmem_close_names(f->family, names, TMEM_FAMILY_COUNT, 3, close, sizeof close);
            snprintf(msg, sizeof msg, "unknown family %s (closest: %s)", tmem__quote(q, f->family),
                     close);
            cli_error("--family", msg, NULL);
            return 2;
        }
        tmem_model_init(&m, fam, NULL);
        snprintf(m.name, sizeof m.name, "custom %s", tmem_family_info(fam)->name);
    } else {
        if (f->family) {
            cli_error("--family", "only applies when flags alone describe the model", NULL);
            return 2;
        }
        if (tmem_model_load(arg, &m, &err) != TMEM_OK)
            return report_error(&err);
    }
    if (f->tied && f->untied) {
        cli_error("--tied", "contradicts --untied", NULL);
        return 2;
    }
#define OVERRIDE(flag, field)                                                                  \
    do {                                                                                       \
        if ((flag).set)                                                                        \
            m.field = (flag).v;                                                                \
    } while (0)
    OVERRIDE(f->hidden, d_model);
    OVERRIDE(f->layers, n_layer);
    OVERRIDE(f->heads, n_head);
    OVERRIDE(f->kv_heads, n_kv_head);
    OVERRIDE(f->head_dim, d_head);
    OVERRIDE(f->ffn, d_ff);
    OVERRIDE(f->vocab, n_vocab);
    OVERRIDE(f->max_pos, n_ctx);
    OVERRIDE(f->experts, n_expert);
    OVERRIDE(f->experts_per_token, n_expert_used);
    OVERRIDE(f->expert_ffn, d_ff_expert);
    OVERRIDE(f->shared_ffn, d_ff_shared);
    OVERRIDE(f->moe_first, moe_first_layer);
    OVERRIDE(f->moe_step, moe_layer_step);
    OVERRIDE(f->q_lora, q_lora_rank);
    OVERRIDE(f->kv_lora, kv_lora_rank);
    OVERRIDE(f->qk_nope, qk_nope_dim);
    OVERRIDE(f->qk_rope, qk_rope_dim);
    OVERRIDE(f->v_head, v_head_dim);
#undef OVERRIDE
    if (f->tied)
        m.tied = true;
    if (f->untied)
        m.tied = false;
    if (f->name)
        tmem__copy_marked(m.name, sizeof m.name, f->name);

    if (tmem_model_resolve(&m, out, &err) != TMEM_OK) {
        const char *flag = flag_for(err.where);
        const char *where = from_flags ? (flag ? flag : "model") : arg; /* the whole path */
        cli_error(where, err.msg,
                  from_flags && err.code == TMEM_ERR_MISSING_KEY
                      ? "flags alone need --hidden --layers --heads --vocab (and --ffn for gated MLPs)"
                      : NULL);
        return 2;
    }
    return 0;
}
