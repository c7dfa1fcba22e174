/* test_reader.c — config.json reading: key aliases, HF config-class
 * defaults, and one test per kind of bad input (malformed JSON with its
 * line and column, missing and wrongly typed fields, unknown model_type
 * with close names, impossible sizes). */
#include "harness.h"
#include "reader.h"

static enum tmem_status parse(const char *text, struct tmem_model *m, struct tmem_error *err)
{
    return tmem_hf_config_parse(text, strlen(text), "cfg.json", NULL, m, err);
}

static uint64_t total(const char *text)
{
    struct tmem_model raw, m;
    struct tmem_inventory inv;
    struct tmem_error err = {0};
    enum tmem_status st = parse(text, &raw, &err);
    if (st == TMEM_OK)
        st = tmem_model_resolve(&raw, &m, &err);
    if (st == TMEM_OK)
        st = tmem_inventory_build(&m, &inv, &err);
    if (st != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    return inv.total_params;
}

static void expect_error(const char *text, enum tmem_status code, const char *where,
                         const char *msg_part)
{
    struct tmem_model raw, m;
    struct tmem_error err = {0};
    enum tmem_status st = parse(text, &raw, &err);
    if (st == TMEM_OK)
        st = tmem_model_resolve(&raw, &m, &err);
    if (st != code)
        fail_msg("expected %s, got %s (%s: %s)", tmem_status_name(code), tmem_status_name(st),
                 err.where, err.msg);
    assert_string_equal(err.where, where);
    if (strstr(err.msg, msg_part) == NULL)
        fail_msg("message '%s' lacks '%s'", err.msg, msg_part);
    assert_null(strchr(err.msg, '\n'));
}

/* GPT-2 small written with GPT2Config's own names (n_embd, n_layer, n_head,
 * n_positions) and n_inner null → 4·d. By hand: wte 50257·768, wpe 1024·768,
 * per layer 2 LayerNorms 4·768 + c_attn 768·2304+2304 + c_proj 768²+768 +
 * c_fc 768·3072+3072 + c_proj 3072·768+768, ln_f 2·768, tied. */
static void gpt2_aliases_and_null_n_inner(void **state)
{
    (void)state;
    const uint64_t d = 768, f = 3072;
    const uint64_t layer = 4 * d + (d * 3 * d + 3 * d) + (d * d + d) + (d * f + f) + (f * d + d);
    const uint64_t want = 50257 * d + 1024 * d + 12 * layer + 2 * d;
    assert_int_equal(want, U64(124439808));
    assert_int_equal(total("{\"model_type\":\"gpt2\",\"n_embd\":768,\"n_layer\":12,\"n_head\":12,"
                           "\"n_positions\":1024,\"n_inner\":null,\"vocab_size\":50257}"),
                     want);
}

/* HF's PretrainedConfig ties by default; LlamaConfig says False. A llama
 * config that omits tie_word_embeddings is untied, one that says true is
 * tied: exactly V·d fewer parameters. */
static void tie_word_embeddings_default_and_override(void **state)
{
    (void)state;
    const char *base = "{\"model_type\":\"llama\",\"hidden_size\":64,\"num_hidden_layers\":2,"
                       "\"num_attention_heads\":4,\"intermediate_size\":128,\"vocab_size\":1000";
    char a[512], b[512];
    snprintf(a, sizeof a, "%s}", base);
    snprintf(b, sizeof b, "%s,\"tie_word_embeddings\":true}", base);
    /* per layer 4·64² attention + 3·64·128 MLP + 2·64 norms; embed 1000·64; final 64 */
    const uint64_t tied = 1000 * 64 + 2 * (4 * 64 * 64 + 3 * 64 * 128 + 2 * 64) + 64;
    assert_int_equal(total(b), tied);
    assert_int_equal(total(a), tied + 1000 * 64);
}

/* GemmaConfig's head_dim defaults to 256 when the key is absent. */
static void gemma_head_dim_defaults_to_256(void **state)
{
    (void)state;
    struct tmem_model raw, m;
    assert_int_equal(parse("{\"model_type\":\"gemma\",\"hidden_size\":2048,\"num_hidden_layers\":1,"
                           "\"num_attention_heads\":8,\"num_key_value_heads\":1,"
                           "\"intermediate_size\":16,\"vocab_size\":10}",
                           &raw, NULL),
                     TMEM_OK);
    assert_int_equal(tmem_model_resolve(&raw, &m, NULL), TMEM_OK);
    assert_int_equal(m.d_head, 256);
    assert_true(m.tied);
}

/* FalconConfig: multi_query defaults to true (one KV head) and parallel_attn
 * to true (one LayerNorm per layer) for the old architecture. */
static void falcon_defaults_are_multi_query_and_parallel(void **state)
{
    (void)state;
    struct tmem_model raw, m;
    assert_int_equal(parse("{\"model_type\":\"falcon\",\"hidden_size\":4544,\"num_hidden_layers\":32,"
                           "\"num_attention_heads\":71,\"vocab_size\":65024}",
                           &raw, NULL),
                     TMEM_OK);
    assert_int_equal(tmem_model_resolve(&raw, &m, NULL), TMEM_OK);
    assert_int_equal(m.n_kv_head, 1);
    assert_int_equal(m.n_norm_per_layer, 1);
    assert_int_equal(m.d_ff, 4 * 4544);
}

static void malformed_json_reports_line_and_column(void **state)
{
    (void)state;
    expect_error("{\n  \"model_type\": \"llama\",\n  \"hidden_size\": 40 96\n}", TMEM_ERR_SYNTAX,
                 "cfg.json:3:22", "");
    expect_error("[1, 2]", TMEM_ERR_SCHEMA, "cfg.json", "JSON object");
    expect_error("", TMEM_ERR_SYNTAX, "cfg.json:1:0", "");
    expect_error("{\"model_type\":\"llama\",\"model_type\":\"gpt2\"}", TMEM_ERR_SYNTAX, "cfg.json:1:34",
                 "duplicate");
}

static void missing_and_wrongly_typed_fields_are_named(void **state)
{
    (void)state;
    expect_error("{\"hidden_size\":4096}", TMEM_ERR_MISSING_KEY, "cfg.json:model_type", "missing");
    expect_error("{\"model_type\":\"llama\",\"num_hidden_layers\":2,\"num_attention_heads\":4,"
                 "\"vocab_size\":10}",
                 TMEM_ERR_MISSING_KEY, "cfg.json:hidden_size", "missing");
    expect_error("{\"model_type\":\"llama\",\"hidden_size\":\"4096\",\"num_hidden_layers\":2,"
                 "\"num_attention_heads\":4,\"vocab_size\":10}",
                 TMEM_ERR_SCHEMA, "cfg.json:hidden_size", "got a string");
    expect_error("{\"model_type\":\"llama\",\"hidden_size\":-64,\"num_hidden_layers\":2,"
                 "\"num_attention_heads\":4,\"vocab_size\":10}",
                 TMEM_ERR_LIMIT, "cfg.json:hidden_size", "non-negative");
    expect_error("{\"model_type\":\"llama\",\"hidden_size\":64.5,\"num_hidden_layers\":2,"
                 "\"num_attention_heads\":4,\"vocab_size\":10}",
                 TMEM_ERR_SCHEMA, "cfg.json:hidden_size", "64.5");
    expect_error("{\"model_type\":\"llama\",\"hidden_size\":64,\"num_hidden_layers\":2,"
                 "\"num_attention_heads\":4,\"vocab_size\":10,\"tie_word_embeddings\":1}",
                 TMEM_ERR_SCHEMA, "cfg.json:tie_word_embeddings", "true or false");
    expect_error("{\"model_type\":7}", TMEM_ERR_SCHEMA, "cfg.json:model_type", "string");
}

static void unknown_model_type_lists_close_names(void **state)
{
    (void)state;
    expect_error("{\"model_type\":\"lama\"}", TMEM_ERR_UNSUPPORTED, "cfg.json:model_type",
                 "closest known: llama");
}

static void impossible_sizes_are_refused(void **state)
{
    (void)state;
    /* heads not dividing hidden, head_dim not given */
    expect_error("{\"model_type\":\"llama\",\"hidden_size\":100,\"num_hidden_layers\":2,"
                 "\"num_attention_heads\":3,\"intermediate_size\":8,\"vocab_size\":10}",
                 TMEM_ERR_INCONSISTENT, "n_head", "a divisor of d_model (100)");
    /* kv heads not dividing heads */
    expect_error("{\"model_type\":\"llama\",\"hidden_size\":96,\"num_hidden_layers\":2,"
                 "\"num_attention_heads\":6,\"num_key_value_heads\":4,\"intermediate_size\":8,"
                 "\"vocab_size\":10}",
                 TMEM_ERR_INCONSISTENT, "n_kv_head", "a divisor of n_head (6)");
    /* absurd sizes */
    expect_error("{\"model_type\":\"llama\",\"hidden_size\":64,\"num_hidden_layers\":1000000000000,"
                 "\"num_attention_heads\":4,\"intermediate_size\":8,\"vocab_size\":10}",
                 TMEM_ERR_LIMIT, "n_layer", "in [1, 65536]");
    expect_error("{\"model_type\":\"llama\",\"hidden_size\":0,\"num_hidden_layers\":1,"
                 "\"num_attention_heads\":4,\"intermediate_size\":8,\"vocab_size\":10}",
                 TMEM_ERR_LIMIT, "d_model", "is 0");
    /* a gated MLP needs its width */
    expect_error("{\"model_type\":\"llama\",\"hidden_size\":64,\"num_hidden_layers\":1,"
                 "\"num_attention_heads\":4,\"vocab_size\":10}",
                 TMEM_ERR_MISSING_KEY, "d_ff", "intermediate size");
    /* more experts per token than experts */
    expect_error("{\"model_type\":\"mixtral\",\"hidden_size\":64,\"num_hidden_layers\":1,"
                 "\"num_attention_heads\":4,\"intermediate_size\":8,\"vocab_size\":10,"
                 "\"num_local_experts\":4,\"num_experts_per_tok\":5}",
                 TMEM_ERR_LIMIT, "n_expert_used", "in [1, 4]");
}

static void model_load_refuses_unknown_names_with_suggestions(void **state)
{
    (void)state;
    struct tmem_model m;
    struct tmem_error err = {0};
    assert_int_equal(tmem_model_load("llama-2-7", NULL, &m, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "llama-2-7");
    assert_non_null(strstr(err.msg, "llama-2-7b"));
    assert_int_equal(tmem_model_load("", NULL, &m, &err), TMEM_ERR_INVALID_ARG);
}

static void close_names_are_ranked_by_edit_distance(void **state)
{
    (void)state;
    const char *names[] = {"gpt2", "llama", "mistral", "mixtral", "qwen2"};
    char buf[64];
    assert_int_equal(tmem__close_names("mixtrel", names, 5, 2, buf, sizeof buf), 2);
    assert_string_equal(buf, "mixtral, mistral");
    assert_int_equal(tmem__close_names("x", names, 5, 0, buf, sizeof buf), 0);
    assert_string_equal(buf, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gpt2_aliases_and_null_n_inner),
        cmocka_unit_test(tie_word_embeddings_default_and_override),
        cmocka_unit_test(gemma_head_dim_defaults_to_256),
        cmocka_unit_test(falcon_defaults_are_multi_query_and_parallel),
        cmocka_unit_test(malformed_json_reports_line_and_column),
        cmocka_unit_test(missing_and_wrongly_typed_fields_are_named),
        cmocka_unit_test(unknown_model_type_lists_close_names),
        cmocka_unit_test(impossible_sizes_are_refused),
        cmocka_unit_test(model_load_refuses_unknown_names_with_suggestions),
        cmocka_unit_test(close_names_are_ranked_by_edit_distance),
    };
    return cmocka_run_group_tests_name("reader: config.json", tests, NULL, NULL);
}
