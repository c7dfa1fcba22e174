/* model_flags.c — the architecture flags every model-taking command shares,
 * and how they are laid over a loaded model before it is resolved. */
#include "cli.h"

#include <string.h>

#define MODEL_FLAG_FAMILY "llama" /* the family of a model that flags alone describe */

void model_flag_opts(struct model_flags *f, struct opt *o)
{
    const struct opt t[MODEL_FLAG_COUNT] = {
        {OPT_ROW("--family", OPT_STR, "NAME", "family: of a model flags alone describe, or the layout to count a config by", &f->family),
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
        {OPT_ROW("--head", OPT_STR, "HEAD", "encoders: none, pooler, mlm or cls:N (N labels); default from the config's architectures", &f->head)},
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

/* Drops from notes ("a; b (x; y); c": "; " outside parentheses parts
 * them) the guesses a flag has answered: the head split (--head-dim)
 * and experts per token. */
static void drop_answered(char *notes, size_t cap, const struct model_flags *f)
{
    char out[sizeof f->notes] = "";
    size_t o = 0;
    const char *seg = notes;
    while (*seg) {
        size_t n = 0;
        int depth = 0;
        while (seg[n] && !(depth == 0 && seg[n] == ';' && seg[n + 1] == ' ')) {
            depth += seg[n] == '(' ? 1 : seg[n] == ')' && depth > 0 ? -1 : 0;
            n++;
        }
        char one[sizeof f->notes];
        snprintf(one, sizeof one, "%.*s", (int)n, seg);
        bool answered = (f->head_dim.set && (strstr(one, "d_head") || strstr(one, "n_head"))) ||
                        (f->experts_per_token.set && strstr(one, "experts per token"));
        if (!answered && o + n + 3 < sizeof out)
            o += (size_t)snprintf(out + o, sizeof out - o, "%s%s", o ? "; " : "", one);
        seg += n;
        if (*seg)
            seg += 2;
    }
    snprintf(notes, cap, "%s", out);
}


size_t model_notes_list(const struct model_flags *f, char *buf, size_t cap, const char **list,
                        size_t max)
{
    snprintf(buf, cap, "%s", f->notes);
    size_t n = 0;
    for (char *p = buf; *p && n < max;) {
        list[n++] = p;
        char *nl = strchr(p, '\n');
        if (nl == NULL)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    return n;
}

static void print_notes(const char *notes)
{
    for (const char *p = notes; *p;) {
        const char *nl = strchr(p, '\n');
        int len = nl ? (int)(nl - p) : (int)strlen(p);
        char line[sizeof ((struct model_flags *)0)->notes];
        snprintf(line, sizeof line, "%.*s", len, p);
        cli_note(line);
        p = nl ? nl + 1 : p + len;
    }
}

/* --head none|pooler|mlm|cls:N → *head, *labels (set when cls:N); false: bad text */
static bool parse_head(const char *t, enum tmem_head *head, struct tmem_override *labels)
{
    static const struct {
        const char *name;
        enum tmem_head head;
    } names[] = {{"none", TMEM_HEAD_NONE}, {"pooler", TMEM_HEAD_POOLER}, {"mlm", TMEM_HEAD_MLM},
                 {"cls", TMEM_HEAD_CLS}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(t, names[i].name) == 0) {
            *head = names[i].head;
            return true;
        }
    if (strncmp(t, "cls:", 4) != 0 || t[4] < '1' || t[4] > '9' || strlen(t + 4) > 9)
        return false;
    uint64_t n = 0;
    for (const char *p = t + 4; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        n = n * 10 + (uint64_t)(*p - '0');
    }
    *head = TMEM_HEAD_CLS;
    *labels = (struct tmem_override){true, n};
    return true;
}

int model_from_args(const char *arg, struct model_flags *f, struct tmem_model *out)
{
    struct tmem_error err = {0};
    struct tmem_model m;
    bool from_flags = arg == NULL;
    f->notes[0] = '\0';
    if (from_flags) {
        if (!any_size_flag(f)) {
            cli_error("MODEL", "no model given",
                      "name a preset (tmem models), a config.json or a folder, or describe one "
                      "with --hidden --layers --heads --vocab [--ffn]");
            return 2;
        }
        if (tmem_model_from_family(f->family ? f->family : MODEL_FLAG_FAMILY, &m, &err) != TMEM_OK) {
            cli_error("--family", err.msg, NULL);
            return 2;
        }
    } else {
        struct tmem_load_opts lo = {.family = f->family, .notes = f->notes,
                                    .notes_cap = sizeof f->notes};
        if (f->family && tmem_model_from_family(f->family, &m, &err) != TMEM_OK) {
            cli_error("--family", err.msg, NULL); /* a name no family has */
            return 2;
        }
        if (tmem_model_load_opts(arg, &lo, cli_allocator(), &m, &err) != TMEM_OK) {
            if (strcmp(err.where, "family") == 0) { /* the option, as the user wrote it */
                cli_error("--family", err.msg, NULL);
                return 2;
            }
            return report_error(&err);
        }
    }
    if (f->tied && f->untied) {
        cli_error("--tied", "contradicts --untied", NULL);
        return 2;
    }
    enum tmem_head head = TMEM_HEAD_LM;
    struct tmem_override labels = {0};
    if (f->head && !parse_head(f->head, &head, &labels)) {
        cli_error("--head", "expected none, pooler, mlm or cls:N (N from 1)", NULL);
        return 2;
    }
    const struct tmem_model_overrides o = {
        .name = f->name,
        .d_model = {f->hidden.set, f->hidden.v},
        .n_layer = {f->layers.set, f->layers.v},
        .n_head = {f->heads.set, f->heads.v},
        .n_kv_head = {f->kv_heads.set, f->kv_heads.v},
        .d_head = {f->head_dim.set, f->head_dim.v},
        .d_ff = {f->ffn.set, f->ffn.v},
        .n_vocab = {f->vocab.set, f->vocab.v},
        .n_ctx = {f->max_pos.set, f->max_pos.v},
        .n_expert = {f->experts.set, f->experts.v},
        .n_expert_used = {f->experts_per_token.set, f->experts_per_token.v},
        .d_ff_expert = {f->expert_ffn.set, f->expert_ffn.v},
        .d_ff_shared = {f->shared_ffn.set, f->shared_ffn.v},
        .moe_first_layer = {f->moe_first.set, f->moe_first.v},
        .moe_layer_step = {f->moe_step.set, f->moe_step.v},
        .q_lora_rank = {f->q_lora.set, f->q_lora.v},
        .kv_lora_rank = {f->kv_lora.set, f->kv_lora.v},
        .qk_nope_dim = {f->qk_nope.set, f->qk_nope.v},
        .qk_rope_dim = {f->qk_rope.set, f->qk_rope.v},
        .v_head_dim = {f->v_head.set, f->v_head.v},
        .tie = f->tied ? TMEM_TIE_TIED : f->untied ? TMEM_TIE_UNTIED : TMEM_TIE_KEEP,
        .head = head,
        .n_labels = labels,
    };
    if (tmem_model_override(&m, &o, &err) != TMEM_OK)
        return report_error(&err);

    if (tmem_model_resolve(&m, out, &err) != TMEM_OK) {
        const char *flag = flag_for(err.where);
        const char *where = from_flags ? (flag ? flag : "model") : arg; /* the whole path */
        cli_error(where, err.msg,
                  from_flags && err.code == TMEM_ERR_MISSING_KEY
                      ? "flags alone need --hidden --layers --heads --vocab (and --ffn for gated MLPs)"
                      : NULL);
        return 2;
    }
    drop_answered(f->notes, sizeof f->notes, f);
    print_notes(f->notes);
    return 0;
}

int tmem__model_inventory_from_args(const char *arg, struct model_flags *f,
                                    struct tmem_model *m, struct tmem_inventory *inv)
{
    if (model_from_args(arg, f, m) != 0)
        return 2;
    struct tmem_error err = {0};
    if (tmem_inventory_build(m, inv, &err) != TMEM_OK)
        return report_error(&err);
    return 0;
}
