/* family.c — the family table, expanded from the descriptors in
 * include/tmem/families.h (one row per family, nothing else to edit), and
 * the lookups over it: by HF model_type or alias, and the key lists the
 * config reader applies. */
#include "model_internal.h"

#include <string.h>

#define TMEM_FAMILY_DESCRIPTORS
#define TMEM_FAMILY_KEYS(name, ...)                                                                \
    static const struct tmem_config_key name##_keys[] = {__VA_ARGS__, {.keys = NULL}};
#include "tmem/families.h"
#undef TMEM_FAMILY_KEYS

static const struct tmem_family_info families[] = {
#define TMEM_FAMILY(id, ...) [id] = {__VA_ARGS__},
#include "tmem/families.h"
#undef TMEM_FAMILY
};
#undef TMEM_FAMILY_DESCRIPTORS
_Static_assert(sizeof families / sizeof families[0] == TMEM_FAMILY_COUNT, "one row per family");

const struct tmem_family_info *tmem_family_info(enum tmem_family f)
{
    return (unsigned)f < TMEM_FAMILY_COUNT ? &families[f] : NULL;
}

bool tmem__name_in_list(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; p != NULL && *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0)
            return true;
        p = bar ? bar + 1 : NULL;
    }
    return false;
}

enum tmem_family tmem_family_from_name(const char *model_type)
{
    if (model_type == NULL)
        return TMEM_FAMILY_COUNT;
    for (int f = 0; f < TMEM_FAMILY_COUNT; f++)
        if (strcmp(families[f].name, model_type) == 0)
            return (enum tmem_family)f;
    for (int f = 0; f < TMEM_FAMILY_COUNT; f++)
        if (tmem__name_in_list(families[f].aliases, model_type))
            return (enum tmem_family)f;
    return TMEM_FAMILY_COUNT;
}

/* the heads transformers names after a family's class-name stem */
static const char *const class_heads[] = {
    "ForCausalLM", "LMHeadModel", "Model", "ForSequenceClassification", "ForTokenClassification",
    "ForQuestionAnswering", "DoubleHeadsModel", "ForMaskedLM", "ForConditionalGeneration",
};

enum tmem_family tmem_family_from_class(const char *architecture)
{
    if (architecture == NULL)
        return TMEM_FAMILY_COUNT;
    size_t n = strlen(architecture);
    for (size_t h = 0; h < sizeof class_heads / sizeof class_heads[0]; h++) {
        size_t k = strlen(class_heads[h]);
        char stem[64];
        if (n <= k || n - k >= sizeof stem || strcmp(architecture + n - k, class_heads[h]) != 0)
            continue;
        memcpy(stem, architecture, n - k);
        stem[n - k] = '\0';
        for (int f = 0; f < TMEM_FAMILY_COUNT; f++)
            if (tmem__name_in_list(families[f].hf_class, stem))
                return (enum tmem_family)f;
    }
    return TMEM_FAMILY_COUNT;
}

const char *tmem_head_name(enum tmem_head h)
{
    static const char *const names[] = {
        [TMEM_HEAD_LM] = "lm", [TMEM_HEAD_NONE] = "none", [TMEM_HEAD_POOLER] = "pooler",
        [TMEM_HEAD_MLM] = "mlm", [TMEM_HEAD_CLS] = "cls",
    };
    _Static_assert(sizeof names / sizeof names[0] == TMEM_HEAD_COUNT, "one name per head");
    return (unsigned)h < TMEM_HEAD_COUNT ? names[h] : "unknown";
}

enum tmem_head tmem__head_from_class(const char *architecture, enum tmem_head dflt)
{
    static const struct {
        const char *suffix;
        enum tmem_head head;
    } heads[] = {{"ForMaskedLM", TMEM_HEAD_MLM}, {"ForSequenceClassification", TMEM_HEAD_CLS}};
    size_t n = architecture ? strlen(architecture) : 0;
    for (size_t h = 0; h < sizeof heads / sizeof heads[0]; h++) {
        size_t k = strlen(heads[h].suffix);
        if (n > k && strcmp(architecture + n - k, heads[h].suffix) == 0)
            return heads[h].head;
    }
    return dflt; /* *Model and heads tmem does not count: the bare model's */
}

enum tmem_family tmem__family_like(enum tmem_norm_kind norm, enum tmem_mlp_kind mlp, bool moe)
{
    int best = TMEM_FAMILY_COUNT, best_score = -1;
    for (int f = 0; f < TMEM_FAMILY_COUNT; f++) {
        const struct tmem_family_info *fi = &families[f];
        /* a plain decoder: rotary, full attention, nothing before the layers */
        if (fi->attn != TMEM_ATTN_GQA || fi->learned_pos || fi->embed_norm || !fi->rope ||
            fi->encoder)
            continue;
        int score = 4 * (fi->mlp == mlp) + 2 * (fi->moe == moe) + (fi->norm == norm);
        if (score > best_score) {
            best = f;
            best_score = score;
        }
    }
    return (enum tmem_family)best;
}

const struct tmem_config_key *tmem__config_keys_generic(void)
{
    return generic_keys;
}

const struct tmem_config_key *tmem__config_keys_common(void)
{
    return common_keys;
}

const struct tmem_config_key *tmem__config_keys_moe(void)
{
    return moe_keys;
}
