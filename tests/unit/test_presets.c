/* test_presets.c — the built-in presets: each parses, resolves and counts,
 * and each preset that carries a published total (its source is named in
 * the table) matches it exactly. Lookup is case-insensitive and accepts the
 * HF repo id. */
#include "harness.h"
#include "tmem/read.h"
#include "reader.h"

static void count(const char *name, struct tmem_model *m, struct tmem_inventory *inv)
{
    struct tmem_model raw;
    struct tmem_error err = {0};
    enum tmem_status st = tmem_model_load(name, NULL, &raw, &err);
    if (st == TMEM_OK)
        st = tmem_model_resolve(&raw, m, &err);
    if (st == TMEM_OK)
        st = tmem_inventory_build(m, inv, &err);
    if (st != TMEM_OK)
        fail_msg("%s: %s: %s", name, err.where, err.msg);
}

static void every_preset_matches_its_published_total(void **state)
{
    (void)state;
    size_t n = tmem_preset_count(), with_truth = 0;
    assert_true(n >= 30);
    for (size_t i = 0; i < n; i++) {
        const struct tmem_preset *p = tmem_preset_at(i);
        struct tmem_model m;
        struct tmem_inventory inv;
        count(p->name, &m, &inv);
        check_group_sum(&inv);
        if (p->published_params == 0)
            continue;
        with_truth++;
        if (inv.total_params != p->published_params)
            fail_msg("%s: tmem counts %llu, published %llu (%s)", p->name,
                     (unsigned long long)inv.total_params, (unsigned long long)p->published_params,
                     p->source);
    }
    print_message("  %zu presets, %zu with a published total, all equal\n", n, with_truth);
    assert_true(with_truth >= 30);
}

static void lookup_is_case_insensitive_and_takes_hf_ids(void **state)
{
    (void)state;
    const struct tmem_preset *a = tmem_preset_find("LLaMA-2-7B");
    const struct tmem_preset *b = tmem_preset_find("meta-llama/Llama-2-7b-hf");
    assert_non_null(a);
    assert_ptr_equal(a, b);
    assert_null(tmem_preset_find("llama-2-7"));
    assert_null(tmem_preset_find(""));
    assert_null(tmem_preset_at(tmem_preset_count()));
}

static void preset_names_are_unique(void **state)
{
    (void)state;
    size_t n = tmem_preset_count();
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            assert_string_not_equal(tmem_preset_at(i)->name, tmem_preset_at(j)->name);
            assert_ptr_equal(tmem_preset_find(tmem_preset_at(i)->name), tmem_preset_at(i));
        }
}

/* Active parameters per token, by hand. Mixtral-8x7B: per layer attention
 * q,o (4096×4096) + k,v (4096×1024), 2 of 8 SwiGLU experts 3·4096·14336,
 * router 4096·8, 2 RMSNorms; plus embedding, lm_head, final norm. */
static void mixtral_active_params_are_top2_experts(void **state)
{
    (void)state;
    struct tmem_model m;
    struct tmem_inventory inv;
    count("mixtral-8x7b", &m, &inv);
    const uint64_t attn = 2 * U64(4096) * 4096 + 2 * U64(4096) * 1024;
    const uint64_t expert = 3 * U64(4096) * 14336;
    const uint64_t layer = attn + 2 * expert + 4096 * 8 + 2 * 4096;
    const uint64_t want = 32 * layer + 2 * U64(32000) * 4096 + 4096;
    assert_int_equal(inv.active_params, want);
    assert_int_equal(want, U64(12879925248));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_preset_matches_its_published_total),
        cmocka_unit_test(lookup_is_case_insensitive_and_takes_hf_ids),
        cmocka_unit_test(preset_names_are_unique),
        cmocka_unit_test(mixtral_active_params_are_top2_experts),
    };
    return cmocka_run_group_tests_name("presets", tests, NULL, NULL);
}
