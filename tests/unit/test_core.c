/* test_core.c — the ledger framework, lab mode, dtype bytes and status
 * texts. Expected values are hand calculations written in the tests. */
#include "harness.h"

/* The lab script at its defaults (d 4096, L 32, heads 32, V 32000, m 8,
 * precision 2, adam 8, b 1, s 4096), by hand:
 *   attention 4·4096² = 67,108,864; ffn 8·4096² = 134,217,728
 *   total 32·(67,108,864 + 134,217,728) + 32000·4096 = 6,573,522,944
 *   param = grad = 2·total; adam = 8·total
 *   kv = 1·4096·32·32·128·2·2 = 2 GiB */
static void lab_defaults_reproduce_the_script(void **state)
{
    (void)state;
    struct tmem_lab_input in;
    struct tmem_lab_result r;
    tmem_lab_defaults(&in);
    assert_int_equal(tmem_lab_compute(&in, &r, NULL), TMEM_OK);
    assert_int_equal(r.attention_params_per_layer, U64(67108864));
    assert_int_equal(r.ffn_params_per_layer, U64(134217728));
    assert_int_equal(r.embedding_params, U64(131072000));
    assert_int_equal(r.total_params, U64(6573522944));
    assert_int_equal(r.param_bytes, U64(13147045888));
    assert_int_equal(r.grad_bytes, U64(13147045888));
    assert_int_equal(r.adam_bytes, U64(52588183552));
    assert_int_equal(r.kv_cache_bytes, U64(1) << 31);
    assert_int_equal(r.d_head, 128);
    /* the ledger holds exactly these four lines */
    assert_int_equal(r.ledger.n_entries, 4);
    assert_int_equal(r.ledger.bucket_bytes[TMEM_BUCKET_WEIGHTS], U64(13147045888));
    assert_int_equal(r.ledger.bucket_bytes[TMEM_BUCKET_OPTIMIZER_STATES], U64(52588183552));
    assert_int_equal(r.ledger.bucket_bytes[TMEM_BUCKET_KV_CACHE], U64(1) << 31);
    assert_int_equal(r.ledger.total_bytes, 2 * U64(13147045888) + U64(52588183552) + (U64(1) << 31));
    assert_string_equal(r.ledger.entries[3].formula,
                        "b × s × n_layer × n_head × d_head × 2 × precision_bytes = "
                        "1 × 4096 × 32 × 32 × 128 × 2 × 2");
    assert_string_equal(r.ledger.entries[0].formula,
                        "total_params × precision_bytes = 6573522944 × 2");
}

/* GPT-2 small through the lab: 12·(4+8)·768² + 50257·768 = 123,532,032,
 * against the exact 124,439,808: -0.73 %. */
static void lab_gpt2_and_relative_error(void **state)
{
    (void)state;
    struct tmem_lab_input in;
    struct tmem_lab_result r;
    tmem_lab_defaults(&in);
    in.n_vocab = 50257;
    in.d_model = 768;
    in.n_layer = 12;
    in.n_head = 12;
    in.precision_bytes = 4;
    in.seq_len = 1024;
    in.batch_size = 8;
    assert_int_equal(tmem_lab_compute(&in, &r, NULL), TMEM_OK);
    assert_int_equal(r.total_params, U64(123532032));
    assert_int_equal(r.kv_cache_bytes, U64(8) * 1024 * 12 * 12 * 64 * 2 * 4);
    double e = tmem_relative_error(r.total_params, U64(124439808));
    assert_true(e < -0.00729 && e > -0.00730);
    assert_true(tmem_relative_error(5, 0) == 0.0);
}

static void lab_rejects_zero_and_indivisible_heads_and_overflow(void **state)
{
    (void)state;
    struct tmem_lab_input in;
    struct tmem_lab_result r;
    struct tmem_error err = {0};
    tmem_lab_defaults(&in);
    in.n_head = 0;
    assert_int_equal(tmem_lab_compute(&in, &r, &err), TMEM_ERR_LIMIT);
    assert_string_equal(err.where, "--heads");
    assert_string_equal(err.msg, "--heads is 0 but must be at least 1");
    in.n_head = 3;
    assert_int_equal(tmem_lab_compute(&in, &r, &err), TMEM_ERR_INCONSISTENT);
    assert_string_equal(err.msg, "--heads is 3 but must be a divisor of --d-model (4096)");
    tmem_lab_defaults(&in);
    in.d_model = U64(1) << 33; /* d² alone is 2^66 */
    in.n_head = 1;
    assert_int_equal(tmem_lab_compute(&in, &r, &err), TMEM_ERR_OVERFLOW);
    tmem_lab_defaults(&in);
    in.seq_len = U64(1) << 50; /* kv: 2^50 · 32 · 32 · 128 · 2 · 2 = 2^69 */
    assert_int_equal(tmem_lab_compute(&in, &r, &err), TMEM_ERR_OVERFLOW);
    assert_string_equal(err.where, "kv_cache_bytes");
}

static void ledger_sums_by_bucket_and_refuses_overflow_and_overfill(void **state)
{
    (void)state;
    struct tmem_ledger l;
    struct tmem_error err = {0};
    tmem_ledger_init(&l);
    assert_int_equal(tmem_ledger_add(&l, TMEM_BUCKET_WEIGHTS, "w", 100, "a = 100", &err), TMEM_OK);
    assert_int_equal(tmem_ledger_add(&l, TMEM_BUCKET_KV_CACHE, "kv", 300, NULL, &err), TMEM_OK);
    assert_int_equal(tmem_ledger_add(&l, TMEM_BUCKET_WEIGHTS, "w2", 50, "", &err), TMEM_OK);
    assert_int_equal(l.bucket_bytes[TMEM_BUCKET_WEIGHTS], 150);
    assert_int_equal(l.total_bytes, 450);
    assert_int_equal(tmem_ledger_largest_bucket(&l), TMEM_BUCKET_KV_CACHE);
    assert_int_equal(tmem_ledger_add(&l, TMEM_BUCKET_GRADIENTS, "g", UINT64_MAX, "", &err),
                     TMEM_ERR_OVERFLOW);
    assert_int_equal(l.n_entries, 3); /* unchanged */
    assert_int_equal(l.total_bytes, 450);
    assert_int_equal(tmem_ledger_add(&l, TMEM_BUCKET_COUNT, "x", 1, "", &err), TMEM_ERR_INVALID_ARG);
    while (l.n_entries < TMEM_MAX_ENTRIES)
        assert_int_equal(tmem_ledger_add(&l, TMEM_BUCKET_ACTIVATIONS, "a", 1, "", &err), TMEM_OK);
    assert_int_equal(tmem_ledger_add(&l, TMEM_BUCKET_ACTIVATIONS, "a", 1, "", &err),
                     TMEM_ERR_CAPACITY);
    /* long labels and formulas are truncated, never overrun */
    char big[1000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    tmem_ledger_init(&l);
    assert_int_equal(tmem_ledger_add(&l, TMEM_BUCKET_WEIGHTS, big, 1, big, &err), TMEM_OK);
    assert_int_equal(strlen(l.entries[0].label), TMEM_LABEL_LEN - 1);
    assert_int_equal(strlen(l.entries[0].formula), TMEM_FORMULA_LEN - 1);
}

static void bucket_and_group_names_are_the_contract_keys(void **state)
{
    (void)state;
    const char *want[] = {"weights",           "gradients",  "optimizer_states",
                          "activations",       "temporary_buffers", "communication_buckets",
                          "kv_cache",          "framework_overhead"};
    for (int b = 0; b < TMEM_BUCKET_COUNT; b++)
        assert_string_equal(tmem_bucket_name((enum tmem_bucket)b), want[b]);
    const char *groups[] = {"embedding", "attention", "mlp",     "norm",
                            "lm_head",   "router",    "experts", "shared_experts",
                            "ssm", "vision"};
    for (int g = 0; g < TMEM_GROUP_COUNT; g++)
        assert_string_equal(tmem_group_name((enum tmem_group)g), groups[g]);
    assert_string_equal(tmem_status_name(TMEM_ERR_OVERFLOW), "TMEM_ERR_OVERFLOW");
    assert_string_equal(tmem_status_name(TMEM_STATUS_COUNT), "TMEM_ERR_UNKNOWN");
    assert_string_equal(tmem_version(), TMEM_VERSION);
}

/* bytes = ceil(n · bits / 8): 7 int4 elements take 4 bytes; Llama-2-7B's
 * 6,738,415,616 params are 13,476,831,232 B in bf16 (12.55 GiB). */
static void dtype_bytes_round_up_and_check_overflow(void **state)
{
    (void)state;
    uint64_t b;
    assert_int_equal(tmem_dtype_bytes(TMEM_DTYPE_INT4, 7, &b), TMEM_OK);
    assert_int_equal(b, 4);
    assert_int_equal(tmem_dtype_bytes(TMEM_DTYPE_BF16, U64(6738415616), &b), TMEM_OK);
    assert_int_equal(b, U64(13476831232));
    assert_int_equal(tmem_dtype_bytes(TMEM_DTYPE_F32, U64(6738415616), &b), TMEM_OK);
    assert_int_equal(b, U64(26953662464));
    assert_int_equal(tmem_dtype_bytes(TMEM_DTYPE_INT4, UINT64_MAX, &b), TMEM_OK);
    assert_int_equal(b, UINT64_MAX / 2 + 1);
    assert_int_equal(tmem_dtype_bytes(TMEM_DTYPE_F32, UINT64_MAX / 2, &b), TMEM_ERR_OVERFLOW);
    assert_int_equal(tmem_dtype_from_name("bf16"), TMEM_DTYPE_BF16);
    assert_int_equal(tmem_dtype_from_name("bf17"), TMEM_DTYPE_COUNT);
}

static void gpu_table_holds_the_contract_names_with_reported_memory(void **state)
{
    (void)state;
    const char *names[] = {"v100-16gb", "v100-32gb", "t4",        "a10g",     "l4",
                           "l40s",      "a100-40gb", "a100-80gb", "h100-pcie", "h100-sxm",
                           "h200",      "b200",      "mi300x",    "rtx-3090", "rtx-4090",
                           "rtx-5090"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const struct tmem_gpu *g = tmem_gpu_find(names[i]);
        if (g == NULL)
            fail_msg("no GPU preset %s", names[i]);
        assert_true(g->memory_bytes > (U64(8) << 30));
        assert_true(g->hbm_bytes_per_s > 1e11 && g->bf16_flops > 1e13);
    }
    /* DESIGN.md: an "80 GB" H100 shows 81,559 MiB; an H200 143,771 MiB */
    assert_int_equal(tmem_gpu_find("H100-SXM")->memory_bytes, U64(81559) << 20);
    assert_int_equal(tmem_gpu_find("h200")->memory_bytes, U64(143771) << 20);
    assert_null(tmem_gpu_find("h300"));
    assert_null(tmem_gpu_find(NULL));
    assert_null(tmem_gpu_at(tmem_gpu_count()));
}

static void family_names_round_trip(void **state)
{
    (void)state;
    for (int f = 0; f < TMEM_FAMILY_COUNT; f++)
        assert_int_equal(tmem_family_from_name(tmem_family_info((enum tmem_family)f)->name), f);
    assert_int_equal(tmem_family_from_name("RefinedWebModel"), TMEM_FAMILY_FALCON);
    assert_int_equal(tmem_family_from_name("Llama"), TMEM_FAMILY_COUNT);
    assert_null(tmem_family_info(TMEM_FAMILY_COUNT));
}

/* Llama-3-70B's MLP through the lab: 3 · 28,672 / 8,192 = 10.5, a float
 * in the script (ffn = m * d_model**2). By hand, d 8192, L 80, V 128256:
 *   ffn 10.5 · 8192² = 10.5 · 67,108,864 = 704,643,072 (whole: Python's
 *   float product is exact, 704643072.0); attention 4 · 8192² = 268,435,456
 *   total 80 · (268,435,456 + 704,643,072) + 128256 · 8192
 *       = 77,846,282,240 + 1,050,673,152 = 78,896,955,392 */
static void lab_takes_a_decimal_ffn_multiplier(void **state)
{
    (void)state;
    struct tmem_lab_input in;
    struct tmem_lab_result r;
    tmem_lab_defaults(&in);
    in.d_model = 8192;
    in.n_layer = 80;
    in.n_head = 64;
    in.n_vocab = 128256;
    in.ffn_multiplier = 105;
    in.ffn_multiplier_den = 10;
    assert_int_equal(tmem_lab_compute(&in, &r, NULL), TMEM_OK);
    assert_int_equal(r.ffn_params_per_layer, U64(704643072));
    assert_int_equal(r.attention_params_per_layer, U64(268435456));
    assert_int_equal(r.total_params, U64(78896955392));
    assert_int_equal(r.param_bytes, 2 * U64(78896955392));
    assert_string_equal(r.ffn_multiplier_text, "10.5");
    /* 10.50 is the same number; 8.0 is 8 */
    in.ffn_multiplier = 1050;
    in.ffn_multiplier_den = 100;
    assert_int_equal(tmem_lab_compute(&in, &r, NULL), TMEM_OK);
    assert_int_equal(r.ffn_params_per_layer, U64(704643072));
    assert_string_equal(r.ffn_multiplier_text, "10.5");
    in.ffn_multiplier = 80;
    in.ffn_multiplier_den = 10;
    assert_int_equal(tmem_lab_compute(&in, &r, NULL), TMEM_OK);
    assert_int_equal(r.ffn_params_per_layer, 8 * U64(8192) * 8192);
    assert_string_equal(r.ffn_multiplier_text, "8");
    /* 2.667 · 4096² = 44,744,835.072: not a whole count, refused */
    struct tmem_error err = {0};
    in.d_model = 4096;
    in.n_head = 32;
    in.ffn_multiplier = 2667;
    in.ffn_multiplier_den = 1000;
    assert_int_equal(tmem_lab_compute(&in, &r, &err), TMEM_ERR_INCONSISTENT);
    assert_string_equal(err.where, "--ffn-multiplier");
    assert_non_null(strstr(err.msg, "2.667 · d_model² is not a whole number of parameters"));
    /* 2.625 · 4096² = 44,040,192 is whole */
    in.ffn_multiplier = 2625;
    assert_int_equal(tmem_lab_compute(&in, &r, NULL), TMEM_OK);
    assert_int_equal(r.ffn_params_per_layer, U64(44040192));
    /* a denominator that is no power of ten */
    in.ffn_multiplier_den = 3;
    assert_int_equal(tmem_lab_compute(&in, &r, &err), TMEM_ERR_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lab_defaults_reproduce_the_script),
        cmocka_unit_test(lab_gpt2_and_relative_error),
        cmocka_unit_test(lab_takes_a_decimal_ffn_multiplier),
        cmocka_unit_test(lab_rejects_zero_and_indivisible_heads_and_overflow),
        cmocka_unit_test(ledger_sums_by_bucket_and_refuses_overflow_and_overfill),
        cmocka_unit_test(bucket_and_group_names_are_the_contract_keys),
        cmocka_unit_test(dtype_bytes_round_up_and_check_overflow),
        cmocka_unit_test(gpu_table_holds_the_contract_names_with_reported_memory),
        cmocka_unit_test(family_names_round_trip),
    };
    return cmocka_run_group_tests_name("core: ledger, lab, dtypes, tables", tests, NULL, NULL);
}
