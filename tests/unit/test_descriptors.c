/* test_descriptors.c — the family descriptors (include/tmem/families.h):
 * every row is complete and its rules are well formed, every family reads a
 * minimal config.json through its own rules, and dropout comes from the
 * config: the dropout-mask and score bytes against hand figures. */
#include "harness.h"

#include "model_internal.h"
#include "reader.h"
#include "tmem/train.h"

/* ------------------------------------------------ descriptor invariants */

static void rules_are_well_formed(const char *family, const struct tmem_config_key *r)
{
    for (; r != NULL && r->keys != NULL; r++) {
        if (r->keys[0] == '\0' || (unsigned)r->field >= TMEM_FIELD_COUNT ||
            (unsigned)r->op >= TMEM_CONFIG_OP_COUNT ||
            (r->op == TMEM_CONFIG_OP_STR_IS || r->op == TMEM_CONFIG_OP_HAS_STR ||
             r->op == TMEM_CONFIG_OP_STR_PREFIX) != (r->str != NULL) ||
            (r->op == TMEM_CONFIG_OP_LIST) != (r->field == TMEM_FIELD_DENSE_LAYERS))
            fail_msg("%s: config rule '%s' is malformed", family, r->keys);
        /* a value rule's target must accept its value */
        struct tmem_model m;
        memset(&m, 0, sizeof m);
        if ((r->op == TMEM_CONFIG_OP_SET_IF_TRUE || r->op == TMEM_CONFIG_OP_SET_IF_FALSE) &&
            !tmem__model_set(&m, r->field, r->value))
            fail_msg("%s: rule '%s' sets a value its field cannot hold", family, r->keys);
    }
}

/* Requirement: every family has a name, a description, an MLP activation
 * for the report, well-formed config rules and dropout defaults in [0, 1];
 * names and aliases are unique; families sharing a GGUF architecture differ
 * in the MoE / router-bias rules that pick between them; exactly one
 * Llama-layout family has no name markers (the fallback). */
static void every_descriptor_is_complete(void **state)
{
    (void)state;
    int fallbacks = 0;
    rules_are_well_formed("common", tmem__config_keys_common());
    rules_are_well_formed("moe", tmem__config_keys_moe());
    for (int f = 0; f < TMEM_FAMILY_COUNT; f++) {
        const struct tmem_family_info *fi = tmem_family_info((enum tmem_family)f);
        assert_non_null(fi);
        if (fi->name == NULL || fi->description == NULL || fi->mlp_act == NULL)
            fail_msg("family %d: name, description and mlp_act are required", f);
        assert_int_equal(tmem_family_from_name(fi->name), f);
        assert_true(fi->n_norm_per_layer >= 1 && fi->n_norm_per_layer <= 8);
        rules_are_well_formed(fi->name, fi->config);
        for (int k = 0; k < TMEM_DROPOUT_COUNT; k++)
            if (fi->dropout[k].key != NULL)
                assert_true(fi->dropout[k].p >= 0.0 && fi->dropout[k].p <= 1.0);
        for (int g = 0; g < f; g++) {
            const struct tmem_family_info *gi = tmem_family_info((enum tmem_family)g);
            assert_string_not_equal(fi->name, gi->name);
            if (fi->gguf_arch && gi->gguf_arch && strcmp(fi->gguf_arch, gi->gguf_arch) == 0 &&
                fi->moe == gi->moe && fi->router_bias == gi->router_bias)
                fail_msg("%s and %s share GGUF '%s' with nothing to tell them apart", gi->name,
                         fi->name, fi->gguf_arch);
        }
        if (fi->aliases) /* every alias leads back here */
            for (const char *p = fi->aliases; p;) {
                const char *bar = strchr(p, '|');
                char alias[64];
                snprintf(alias, sizeof alias, "%.*s", bar ? (int)(bar - p) : 63, p);
                assert_int_equal(tmem_family_from_name(alias), f);
                p = bar ? bar + 1 : NULL;
            }
        if (fi->st_layout == TMEM_ST_LAYOUT_LLAMA && fi->st_require == NULL)
            fallbacks++;
    }
    assert_int_equal(fallbacks, 1);
}

/* Requirement: each family's own rules run on a minimal config.json of its
 * model_type (shared sizes, plus the MoE and MLA keys its rules require)
 * and the result resolves: a rule naming a field wrongly or requiring a key
 * no config of the family has would fail here. */
static void every_family_reads_a_minimal_config(void **state)
{
    (void)state;
    for (int f = 0; f < TMEM_FAMILY_COUNT; f++) {
        const struct tmem_family_info *fi = tmem_family_info((enum tmem_family)f);
        char text[1024];
        int n = snprintf(text, sizeof text,
                         "{\"model_type\": \"%s\", \"hidden_size\": 64, \"num_hidden_layers\": 2, "
                         "\"num_attention_heads\": 4, \"vocab_size\": 100, "
                         "\"intermediate_size\": 128, \"max_position_embeddings\": 64%s%s%s%s}",
                         fi->name, fi->ssm == TMEM_SSM_MAMBA2 ? ", \"n_groups\": 1" : "",
                         /* MllamaTextConfig's default list names layers 3..38 */
                         fi->embed_extra_rows ? ", \"cross_attention_layers\": [1]" : "",
                         fi->moe ? ", \"num_experts\": 4, \"num_experts_per_tok\": 2, "
                                   "\"moe_intermediate_size\": 32"
                                 : "",
                         fi->attn == TMEM_ATTN_MLA ? ", \"kv_lora_rank\": 16, \"qk_nope_head_dim\": 16, "
                                                     "\"qk_rope_head_dim\": 8, \"v_head_dim\": 16"
                                                   : "");
        struct tmem_model raw, m;
        struct tmem_error err = {0};
        if (tmem_hf_config_parse(text, (size_t)n, "config.json", NULL, &raw, &err) != TMEM_OK ||
            tmem_model_resolve(&raw, &m, &err) != TMEM_OK)
            fail_msg("%s: %s: %s", fi->name, err.where, err.msg);
        assert_int_equal(m.family, f);
        assert_int_equal(m.d_model, 64);
    }
}

/* ----------------------------------------------- dropout from the config */

/* Trains a config.json text fp16-mixed (no autocast: the compute dtype is
 * 2 bytes) with eager attention, micro-batch 2, seq 128, one GPU. */
static void train_config(const char *text, enum tmem_tristate dropout, struct tmem_train_result *r)
{
    struct tmem_model raw, m;
    static struct tmem_inventory inv;
    assert_int_equal(tmem_hf_config_parse(text, strlen(text), "config.json", NULL, &raw, NULL), TMEM_OK);
    assert_int_equal(tmem_model_resolve(&raw, &m, NULL), TMEM_OK);
    assert_int_equal(tmem_inventory_build(&m, &inv, NULL), TMEM_OK);
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.precision = TMEM_PRECISION_FP16_MIXED;
    o.attention = TMEM_ATTENTION_NAIVE;
    o.dropout = dropout;
    o.seq = 128;
    o.micro_batch = 2;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, 0, r, NULL), TMEM_OK);
}

/* A small GPT-2 (n_embd 64, 2 layers, 4 heads) plus `extra` keys. */
static void gpt2_train(const char *extra, enum tmem_tristate dropout, struct tmem_train_result *r)
{
    char text[512];
    snprintf(text, sizeof text,
             "{\"model_type\": \"gpt2\", \"n_embd\": 64, \"n_layer\": 2, \"n_head\": 4, "
             "\"vocab_size\": 1000, \"n_positions\": 128%s}",
             extra);
    train_config(text, dropout, r);
}

/* Hand figures, L = 2 layers, b = 2, s = 128, n_head = 4, d_model = 64:
 *   scores, dropout on:  L·b·n_head·s·s × (softmax 2 + mask 1 + output 2)
 *                        = 2·2·4·128·128 × 5 = 1,310,720
 *   scores, attn off:    the same × 2 (softmax only)          =   524,288
 *   residual masks:      L × 2 × b·s × d_model × 1 B = 2·2·256·64 = 65,536
 *   embedding mask:      b·s × d_model × 1 B = 256 · 64        =    16,384
 * GPT2Config's defaults are attn_pdrop = resid_pdrop = embd_pdrop = 0.1. */
static void gpt2_dropout_follows_its_config(void **state)
{
    (void)state;
    struct tmem_train_result def, r;
    gpt2_train("", TMEM_DEFAULT, &def);
    assert_true(def.dropout);
    assert_int_equal(def.item_bytes[TMEM_TI_ACT_SCORES], UINT64_C(1310720));
    assert_int_equal(def.item_bytes[TMEM_TI_ACT_MASKS], UINT64_C(65536));

    /* attn_pdrop 0: no attention-dropout mask nor dropout output */
    gpt2_train(", \"attn_pdrop\": 0.0", TMEM_DEFAULT, &r);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_SCORES], UINT64_C(524288));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_MASKS], UINT64_C(65536));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENDS], def.item_bytes[TMEM_TI_ACT_ENDS]);

    /* resid_pdrop 0 (an integer, as some configs write it): no residual masks */
    gpt2_train(", \"resid_pdrop\": 0", TMEM_DEFAULT, &r);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_MASKS], 0);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_SCORES], UINT64_C(1310720));

    /* embd_pdrop 0: the embedding's mask goes */
    gpt2_train(", \"embd_pdrop\": 0.0", TMEM_DEFAULT, &r);
    assert_int_equal(def.item_bytes[TMEM_TI_ACT_ENDS] - r.item_bytes[TMEM_TI_ACT_ENDS],
                     UINT64_C(16384));

    /* all three 0: dropout off, as the run line says */
    gpt2_train(", \"attn_pdrop\": 0, \"resid_pdrop\": 0, \"embd_pdrop\": 0", TMEM_DEFAULT, &r);
    assert_false(r.dropout);

    /* --dropout on / off still override the config */
    gpt2_train(", \"attn_pdrop\": 0.0, \"resid_pdrop\": 0.0", TMEM_ON, &r);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_SCORES], UINT64_C(1310720));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_MASKS], UINT64_C(65536));
    gpt2_train("", TMEM_OFF, &r);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_SCORES], UINT64_C(524288));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_MASKS], 0);
    assert_false(r.dropout);
}

/* A Llama config with attention_dropout 0.1 (LlamaConfig's default is 0.0):
 * HF eager attention upcasts the softmax to fp32, so per score element
 * (fp16-mixed, c = 2): softmax 4 + 16-bit copy 2 = 6 without dropout, and
 * softmax 4 + mask 1 + dropout output 4 + copy 2 = 11 with it. With
 * L = 2, b = 2, n_head = 4, s = 128: 2·2·4·128·128 = 262,144 elements,
 * × 6 = 1,572,864 and × 11 = 2,883,584. Llama has no residual dropout: no masks either way. */
static void llama_attention_dropout_is_read_from_the_config(void **state)
{
    (void)state;
    const char *base = "{\"model_type\": \"llama\", \"hidden_size\": 64, \"num_hidden_layers\": 2, "
                       "\"num_attention_heads\": 4, \"vocab_size\": 1000, \"intermediate_size\": 128, "
                       "\"max_position_embeddings\": 128";
    uint64_t scores[2];
    for (int with = 0; with < 2; with++) {
        char text[512];
        snprintf(text, sizeof text, "%s%s}", base, with ? ", \"attention_dropout\": 0.1" : "");
        struct tmem_train_result r;
        train_config(text, TMEM_DEFAULT, &r);
        scores[with] = r.item_bytes[TMEM_TI_ACT_SCORES];
        assert_int_equal(r.item_bytes[TMEM_TI_ACT_MASKS], 0);
    }
    assert_int_equal(scores[0], UINT64_C(1572864));
    assert_int_equal(scores[1], UINT64_C(2883584));
}

/* Requirement: a dropout rate outside [0, 1] or not a number is a config
 * error naming the key. */
static void a_bad_dropout_rate_is_an_error(void **state)
{
    (void)state;
    const struct {
        const char *text;
        enum tmem_status code;
    } bad[] = {
        {"{\"model_type\":\"gpt2\",\"n_embd\":64,\"n_layer\":2,\"n_head\":4,\"vocab_size\":10,"
         "\"attn_pdrop\":1.5}",
         TMEM_ERR_LIMIT},
        {"{\"model_type\":\"gpt2\",\"n_embd\":64,\"n_layer\":2,\"n_head\":4,\"vocab_size\":10,"
         "\"attn_pdrop\":\"0.1\"}",
         TMEM_ERR_SCHEMA},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct tmem_model m;
        struct tmem_error err = {0};
        assert_int_equal(tmem_hf_config_parse(bad[i].text, strlen(bad[i].text), "config.json", NULL, &m,
                                              &err),
                         bad[i].code);
        assert_string_equal(err.where, "config.json:attn_pdrop");
    }
}

/* DeepSeek's n_shared_experts is capped by its rule (TMEM_MAX_N_EXPERT)
 * before resolve multiplies it: 2^62 + 1 would wrap to 1 shared expert in
 * 64 bits (× 1408 ≡ 1408). 2 gives d_ff_shared = 2 × 1408 = 2,816. */
static void deepseek_shared_experts_are_capped_then_derived(void **state)
{
    (void)state;
    char text[512];
#define DS_CONFIG_FMT "{\"model_type\": \"deepseek_v2\", \"hidden_size\": 2048, " \
                      "\"num_hidden_layers\": 27, \"num_attention_heads\": 16, " \
                      "\"vocab_size\": 102400, \"intermediate_size\": 10944, " \
                      "\"moe_intermediate_size\": 1408, \"n_routed_experts\": 64, " \
                      "\"num_experts_per_tok\": 6, \"n_shared_experts\": %s, " \
                      "\"kv_lora_rank\": 512, \"qk_nope_head_dim\": 128, " \
                      "\"qk_rope_head_dim\": 64, \"v_head_dim\": 128}"
    struct tmem_model raw, m;
    struct tmem_error err = {0};
    snprintf(text, sizeof text, DS_CONFIG_FMT, "4611686018427387905");
    assert_int_equal(tmem_hf_config_parse(text, strlen(text), "c.json", NULL, &raw, &err), TMEM_ERR_LIMIT);
    assert_string_equal(err.where, "c.json:n_shared_experts");
    assert_non_null(strstr(err.msg, "must be in [0, 16384]"));
    snprintf(text, sizeof text, DS_CONFIG_FMT, "2");
#undef DS_CONFIG_FMT
    assert_int_equal(tmem_hf_config_parse(text, strlen(text), "c.json", NULL, &raw, NULL), TMEM_OK);
    assert_int_equal(raw.n_shared_expert, 2);
    assert_int_equal(tmem_model_resolve(&raw, &m, NULL), TMEM_OK);
    assert_int_equal(m.d_ff_shared, UINT64_C(2816));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_descriptor_is_complete),
        cmocka_unit_test(every_family_reads_a_minimal_config),
        cmocka_unit_test(gpt2_dropout_follows_its_config),
        cmocka_unit_test(llama_attention_dropout_is_read_from_the_config),
        cmocka_unit_test(a_bad_dropout_rate_is_an_error),
        cmocka_unit_test(deepseek_shared_experts_are_capped_then_derived),
    };
    return cmocka_run_group_tests_name("descriptors", tests, NULL, NULL);
}
