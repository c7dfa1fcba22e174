/* test_term.c — the formula builder: each value is a hand calculation, each
 * text the expression written out by hand. */
#include "harness.h"

#include "term.h"

static void render(const struct tmem__term *t, char *buf, size_t cap)
{
    tmem__term_render(t, buf, cap);
}

/* KV bytes per token of Llama-2-7B at int8: 2 × 32 × 32 × 128 × 1 = 262,144
 * (the example: the old text printed 266,240 beside this product). */
static void kv_product_text_and_value(void **state)
{
    (void)state;
    struct tmem__term t;
    char buf[256];
    tmem__term_init(&t, true);
    tmem__term_mul(&t, NULL, 2);
    tmem__term_mul(&t, "n_layer", 32);
    tmem__term_mul(&t, "n_kv_head", 32);
    tmem__term_mul(&t, "d_head", 128);
    tmem__term_mul(&t, "kv bytes", 1);
    assert_int_equal(tmem__term_value(&t), U64(262144));
    render(&t, buf, sizeof buf);
    assert_string_equal(buf, "2 × n_layer × n_kv_head × d_head × kv bytes = 2 × 32 × 32 × 128 × 1");
}

/* ZeRO-3 weights of Llama-2-7B over 8 GPUs: 6,738,415,616 × 2 / 8 =
 * 1,684,603,904 (exact); an expert part adds ceil(10 × 2 / 3) = 7. */
static void sharded_sum_of_products(void **state)
{
    (void)state;
    struct tmem__term t;
    char buf[256];
    tmem__term_init(&t, true);
    tmem__term_mul(&t, "P_gpu", U64(6738415616));
    tmem__term_mul(&t, "weight bytes", 2);
    tmem__term_div_ceil(&t, "shard", 8);
    assert_int_equal(tmem__term_value(&t), U64(1684603904));
    render(&t, buf, sizeof buf);
    assert_string_equal(buf, "P_gpu × weight bytes / shard = 6738415616 × 2 / 8");
    tmem__term_plus(&t, "P_experts", 10);
    tmem__term_mul(&t, "bytes", 2);
    tmem__term_div_ceil(&t, "(shard/ep)", 3);
    assert_int_equal(tmem__term_value(&t), U64(1684603904) + 7);
    render(&t, buf, sizeof buf);
    assert_string_equal(buf, "P_gpu × weight bytes / shard + P_experts × bytes / (shard/ep) = "
                             "6738415616 × 2 / 8 + 10 × 2 / 3");
}

/* min() factors, floor division and a parenthesised sub-term:
 *   min(500000000, 1234) × 2 = 2,468;  7 / 2 (floor) = 3;
 *   8192 × (2 × 4096 + 3 × 11008) × 2 = 8192 × 41,216 × 2 = 675,282,944 */
static void min_floor_and_sub_terms(void **state)
{
    (void)state;
    struct tmem__term t, sub;
    char buf[256];
    tmem__term_init(&t, true);
    tmem__term_mul_min(&t, "reduce_bucket_size", 500000000, "P_gpu", 1234);
    tmem__term_mul(&t, "grad bytes", 2);
    assert_int_equal(tmem__term_value(&t), 2468);
    render(&t, buf, sizeof buf);
    assert_string_equal(buf, "min(reduce_bucket_size, P_gpu) × grad bytes = min(500000000, 1234) × 2");

    tmem__term_init(&t, false);
    tmem__term_mul(&t, "a", 7);
    tmem__term_div_floor(&t, "b", 2);
    assert_int_equal(tmem__term_value(&t), 3);

    tmem__term_init(&sub, true);
    tmem__term_mul(&sub, NULL, 2);
    tmem__term_mul(&sub, "d_model", 4096);
    tmem__term_plus(&sub, NULL, 3);
    tmem__term_mul(&sub, "d_ff'", 11008);
    tmem__term_init(&t, true);
    tmem__term_mul(&t, "T", 8192);
    tmem__term_mul_term(&t, &sub);
    tmem__term_mul(&t, "bytes", 2);
    assert_int_equal(tmem__term_value(&t), U64(675282944));
    render(&t, buf, sizeof buf);
    assert_string_equal(buf, "T × (2 × d_model + 3 × d_ff') × bytes = 8192 × (2 × 4096 + 3 × 11008) × 2");
}

/* Overflow never wraps: 2^40 × 2^40 flags and reads 0; so does ÷ 0. A term
 * of bare numbers prints once. Text that does not fit ends in "…". */
static void overflow_bare_numbers_and_cuts(void **state)
{
    (void)state;
    struct tmem__term t;
    char buf[256];
    tmem__term_init(&t, false);
    tmem__term_mul(&t, "x", U64(1) << 40);
    tmem__term_mul(&t, "y", U64(1) << 40);
    assert_true(tmem__term_overflow(&t));
    assert_int_equal(tmem__term_value(&t), 0);
    tmem__term_init(&t, false);
    tmem__term_mul(&t, "x", 5);
    tmem__term_div_ceil(&t, "zero", 0);
    assert_true(tmem__term_overflow(&t));
    /* a sum that overflows only when the last product is added */
    tmem__term_init(&t, false);
    tmem__term_mul(&t, "a", UINT64_MAX);
    tmem__term_plus(&t, "b", 1);
    assert_true(tmem__term_overflow(&t));
    assert_int_equal(tmem__term_value(&t), 0);

    tmem__term_init(&t, true);
    tmem__term_mul(&t, NULL, 3);
    tmem__term_mul(&t, NULL, 4);
    render(&t, buf, sizeof buf);
    assert_string_equal(buf, "3 × 4");
    assert_int_equal(tmem__term_value(&t), 12);

    tmem__term_init(&t, true);
    for (int i = 0; i < 60; i++)
        tmem__term_mul(&t, "factor", 1);
    char small[40];
    render(&t, small, sizeof small);
    assert_true(strlen(small) <= sizeof small - 1);
    assert_memory_equal(small + strlen(small) - 3, "\xE2\x80\xA6", 3);
}

/* The forms the ledgers added: subtraction, exact fractions rounded at the
 * end of their product, int() terms, min over terms, a sub-term opening a
 * product, the symbols alone.
 *   FSDP grad-op: 1000 × 2 − 1000 × 2 / 8 = 2000 − 250 = 1,750
 *   fragmentation 5 % of 41,941,617,408 = 2,097,080,870.4 → 2,097,080,871
 *   DeepSpeed: 2 × 1000 + int(18 × 1000 / 7) = 2000 + 2571 = 4,571
 *   int(1001 × 4 × 1.5) = int(6006) ; int(1001 × 16 × 1.5 / 5) = int(4804.8) = 4,804
 *   min(100 + 50, 120, 1000) × 2 = 240 */
static void minus_fractions_int_and_min_of_terms(void **state)
{
    (void)state;
    struct tmem__term t, sub, a, b, c;
    char buf[256];
    tmem__term_init(&t, true);
    tmem__term_plus(&t, "P", 1000);
    tmem__term_mul(&t, "bytes", 2);
    tmem__term_minus(&t, "P", 1000);
    tmem__term_mul(&t, "bytes", 2);
    tmem__term_div_ceil(&t, "shard", 8);
    assert_int_equal(tmem__term_value(&t), 1750);
    render(&t, buf, sizeof buf);
    assert_string_equal(buf, "P × bytes − P × bytes / shard = 1000 × 2 − 1000 × 2 / 8");
    tmem__term_minus(&t, NULL, 2000); /* below 0: overflow, never a wrap */
    assert_true(tmem__term_overflow(&t));
    assert_int_equal(tmem__term_value(&t), 0);

    tmem__term_init(&t, true);
    tmem__term_mul_frac(&t, "F", "5 %", 50000, 1000000);
    tmem__term_mul(&t, "everything above", U64(41941617408));
    tmem__term_note(&t, NULL, " (--fragmentation)");
    assert_int_equal(tmem__term_value(&t), U64(2097080871));
    render(&t, buf, sizeof buf);
    assert_string_equal(buf, "F × everything above = 5 % × 41941617408 (--fragmentation)");

    tmem__term_init_int(&sub, true);
    tmem__term_mul(&sub, NULL, 18);
    tmem__term_mul(&sub, "total_params", 1000);
    tmem__term_div_floor(&sub, "gpus", 7);
    tmem__term_init(&t, true);
    tmem__term_mul(&t, NULL, 2);
    tmem__term_mul(&t, "total_params", 1000);
    tmem__term_plus_term(&t, &sub);
    assert_int_equal(tmem__term_value(&t), 4571);
    render(&t, buf, sizeof buf);
    assert_string_equal(buf, "2 × total_params + int(18 × total_params / gpus) = 2 × 1000 + int(18 × 1000 / 7)");

    tmem__term_init_int(&sub, false);
    tmem__term_mul(&sub, "p", 1001);
    tmem__term_mul(&sub, NULL, 4);
    tmem__term_mul_frac(&sub, NULL, "1.5", 150, 100);
    assert_int_equal(tmem__term_value(&sub), 6006);
    tmem__term_init_int(&sub, false);
    tmem__term_mul(&sub, "p", 1001);
    tmem__term_mul(&sub, NULL, 16);
    tmem__term_mul_frac(&sub, NULL, "1.5", 150, 100);
    tmem__term_div_floor(&sub, "nodes", 5);
    assert_int_equal(tmem__term_value(&sub), 4804);

    tmem__term_init(&a, true);
    tmem__term_mul(&a, "unit", 100);
    tmem__term_plus(&a, "prefetch", 50);
    tmem__term_init(&b, true);
    tmem__term_mul(&b, "max_live", 120);
    tmem__term_init(&c, true);
    tmem__term_mul(&c, "P", 1000);
    const struct tmem__term *const subs[] = {&a, &b, &c};
    tmem__term_init(&t, true);
    tmem__term_mul_min_terms(&t, subs, 3);
    tmem__term_mul(&t, "bytes", 2);
    assert_int_equal(tmem__term_value(&t), 240);
    render(&t, buf, sizeof buf);
    assert_string_equal(buf, "min(unit + prefetch, max_live, P) × bytes = min(100 + 50, 120, 1000) × 2");

    /* a phrase: symbols that carry their numbers, printed alone */
    tmem__term_init(&t, true);
    tmem__term_mul(&t, NULL, 2);
    tmem__term_mul(&t, "32 layers", 32);
    tmem__term_mul(&t, "fp32 scale", 4);
    assert_int_equal(tmem__term_value(&t), 256);
    tmem__term_render_sym(&t, buf, sizeof buf);
    assert_string_equal(buf, "2 × 32 layers × fp32 scale");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kv_product_text_and_value),
        cmocka_unit_test(sharded_sum_of_products),
        cmocka_unit_test(min_floor_and_sub_terms),
        cmocka_unit_test(overflow_bare_numbers_and_cuts),
        cmocka_unit_test(minus_fractions_int_and_min_of_terms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
