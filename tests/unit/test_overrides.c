/* test_overrides.c — the library's architecture overrides (what the CLI's
 * --layers, --tied, ... flags set) against hand counts, and a model
 * described by overrides alone. */
#include "harness.h"
#include "tmem/read.h"

/* Llama-2-7B (d_model 4096, d_ff 11008, n_vocab 32000) cut to 2 layers, by hand:
 *   one layer   4·4096² + 3·4096·11008 + 2·4096 = 67,108,864 + 135,266,304 + 8,192
 *               = 202,383,360
 *   embedding   32000·4096 = 131,072,000; lm_head the same; final norm 4,096
 *   total       2·202,383,360 + 2·131,072,000 + 4,096 = 666,914,816
 *   tied        666,914,816 − 131,072,000 = 535,842,816 */
static uint64_t params(const struct tmem_model *raw)
{
    struct tmem_model m;
    static struct tmem_inventory inv;
    struct tmem_error err;
    assert_int_equal(tmem_model_resolve(raw, &m, &err), TMEM_OK);
    assert_int_equal(tmem_inventory_build(&m, &inv, &err), TMEM_OK);
    return inv.total_params;
}

static void overrides_cut_a_preset(void **state)
{
    (void)state;
    struct tmem_model raw;
    struct tmem_error err;
    assert_int_equal(tmem_model_load("llama-2-7b", NULL, &raw, &err), TMEM_OK);
    struct tmem_model_overrides o = {.n_layer = {true, 2}, .name = "two layers"};
    assert_int_equal(tmem_model_override(&raw, &o, &err), TMEM_OK);
    assert_string_equal(raw.name, "two layers");
    assert_int_equal(params(&raw), U64(666914816));
    o.tie = TMEM_TIE_TIED;
    assert_int_equal(tmem_model_override(&raw, &o, &err), TMEM_OK);
    assert_int_equal(params(&raw), U64(535842816));
    o.tie = TMEM_TIE_UNTIED;
    assert_int_equal(tmem_model_override(&raw, &o, &err), TMEM_OK);
    assert_int_equal(params(&raw), U64(666914816));
    /* a zeroed struct changes nothing */
    struct tmem_model before = raw;
    const struct tmem_model_overrides none = {0};
    assert_int_equal(tmem_model_override(&raw, &none, &err), TMEM_OK);
    assert_memory_equal(&before, &raw, sizeof raw);
    /* bad arguments */
    o.tie = TMEM_TIE_COUNT;
    assert_int_equal(tmem_model_override(&raw, &o, &err), TMEM_ERR_INVALID_ARG);
    assert_int_equal(tmem_model_override(NULL, &none, &err), TMEM_ERR_INVALID_ARG);
}

static void overrides_alone_describe_a_model(void **state)
{
    (void)state;
    struct tmem_model raw;
    struct tmem_error err;
    assert_int_equal(tmem_model_from_family(NULL, &raw, &err), TMEM_OK);
    assert_string_equal(raw.name, "custom llama");
    const struct tmem_model_overrides o = {
        .d_model = {true, 4096}, .n_layer = {true, 2}, .n_head = {true, 32},
        .d_ff = {true, 11008},   .n_vocab = {true, 32000},
    };
    assert_int_equal(tmem_model_override(&raw, &o, &err), TMEM_OK);
    assert_int_equal(params(&raw), U64(666914816)); /* llama is untied by default */

    assert_int_equal(tmem_model_from_family("lama", &raw, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "family");
    assert_non_null(strstr(err.msg, "unknown family 'lama' (closest: llama"));
    assert_int_equal(tmem_model_from_family("gpt2", NULL, &err), TMEM_ERR_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(overrides_cut_a_preset),
        cmocka_unit_test(overrides_alone_describe_a_model),
    };
    return cmocka_run_group_tests_name("architecture overrides", tests, NULL, NULL);
}
