#define _XOPEN_SOURCE 700
/* test_pathological.c — inputs built to hurt: deeply nested JSON, a config
 * of millions of keys or array entries, a file over the size cap. Each
 * must end in a clean error or result within a stated time bound. */
#include "harness.h"
#include "scratch.h"
#include "alloc.h"
#include "tmem/checkpoint.h"
#include "reader.h"

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static char scratch[512]; /* this run's private folder (scratch.h), removed at exit */

/* Time bounds hold for a plain build; under valgrind (make test VALGRIND=1)
 * everything runs ~50× slower, and the bounds scale with it. */
static double bound(double seconds)
{
    return getenv("TMEM_UNDER_VALGRIND") ? 50 * seconds : seconds;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* jansson refuses nesting deeper than 2048: 10^6 open brackets end in a
 * syntax error, within 1 s. */
static void deeply_nested_json_is_refused_quickly(void **state)
{
    (void)state;
    size_t n = 1000000;
    char *text = tmem__alloc(2 * n + 1);
    assert_non_null(text);
    memset(text, '[', n);
    memset(text + n, ']', n);
    text[2 * n] = '\0';
    struct tmem_model m;
    struct tmem_error err = {0};
    double t0 = now_s();
    assert_int_equal(tmem_hf_config_parse(text, 2 * n, "deep.json", NULL, &m, &err), TMEM_ERR_SYNTAX);
    double dt = now_s() - t0;
    print_message("  10^6-deep nesting: %s (%.3f s)\n", err.msg, dt);
    assert_true(dt < bound(1.0));
    tmem__dealloc(text);
}

/* mlp_only_layers with 10^6 entries (8 MB of JSON): refused by the 32-entry
 * cap before anything is kept, within 2 s. */
static void a_huge_array_is_refused_by_its_cap(void **state)
{
    (void)state;
    size_t n = 1000000;
    size_t cap = n * 8 + 512;
    char *text = tmem__alloc(cap);
    assert_non_null(text);
    size_t len = (size_t)snprintf(text, cap,
                                  "{\"model_type\":\"qwen2_moe\",\"hidden_size\":64,"
                                  "\"num_hidden_layers\":2,\"num_attention_heads\":4,"
                                  "\"intermediate_size\":8,\"vocab_size\":10,\"num_experts\":4,"
                                  "\"num_experts_per_tok\":2,\"mlp_only_layers\":[");
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, cap - len, "%s%zu", i ? "," : "", i % 2);
    len += (size_t)snprintf(text + len, cap - len, "]}");
    struct tmem_model m;
    struct tmem_error err = {0};
    double t0 = now_s();
    assert_int_equal(tmem_hf_config_parse(text, len, "huge.json", NULL, &m, &err), TMEM_ERR_LIMIT);
    double dt = now_s() - t0;
    print_message("  10^6-entry array: %s (%.3f s)\n", err.msg, dt);
    assert_string_equal(err.where, "huge.json:mlp_only_layers");
    assert_true(dt < bound(2.0));
    tmem__dealloc(text);
}

/* A config with 10^5 unrelated keys still reads, within 2 s. */
static void many_keys_are_read_in_bounded_time(void **state)
{
    (void)state;
    size_t n = 100000, cap = n * 24 + 512;
    char *text = tmem__alloc(cap);
    assert_non_null(text);
    size_t len = (size_t)snprintf(text, cap,
                                  "{\"model_type\":\"llama\",\"hidden_size\":64,"
                                  "\"num_hidden_layers\":2,\"num_attention_heads\":4,"
                                  "\"intermediate_size\":8,\"vocab_size\":10");
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, cap - len, ",\"k%zu\":%zu", i, i);
    len += (size_t)snprintf(text + len, cap - len, "}");
    struct tmem_model m;
    struct tmem_error err = {0};
    double t0 = now_s();
    assert_int_equal(tmem_hf_config_parse(text, len, "keys.json", NULL, &m, &err), TMEM_OK);
    double dt = now_s() - t0;
    print_message("  10^5 keys: read in %.3f s\n", dt);
    assert_true(dt < bound(2.0));
    tmem__dealloc(text);
}

/* A config.json over the 16 MiB cap is refused from its size alone (a
 * sparse file: nothing is read). */
static void a_file_over_the_cap_is_refused_unread(void **state)
{
    (void)state;
    char path[600];
    ckw_scratch_path(path, sizeof path, scratch, "big.json");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{", f);
    fclose(f);
    assert_int_equal(truncate(path, (off_t)TMEM_MAX_CONFIG_BYTES + 1), 0);
    char *buf = NULL;
    size_t len = 0;
    struct tmem_error err = {0};
    assert_int_equal(tmem__read_file(path, TMEM_MAX_CONFIG_BYTES, &buf, &len, &err), TMEM_ERR_LIMIT);
    assert_null(buf);
    assert_non_null(strstr(err.msg, "at most 16777216"));
    remove(path);
}

static void put_u32(FILE *f, uint32_t v) { fwrite(&v, 4, 1, f); } /* GGUF is little-endian, as x86 */
static void put_u64(FILE *f, uint64_t v) { fwrite(&v, 8, 1, f); }

/* A GGUF v3 file of 10^6 tensors (32 f32 each, 128 MB of data, sparse):
 * its 33 MB of tensor infos are read and summarized within 30 s (2.7 s plain, 7.7 s under ASan here), and the
 * whole test process stays under 1 GiB resident (ASan's shadow included). */
static void a_million_tensors_are_read_in_bounded_time(void **state)
{
    (void)state;
    char path[600];
    ckw_scratch_path(path, sizeof path, scratch, "million.gguf");
    const uint64_t n = 1000000;
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite("GGUF", 1, 4, f);
    put_u32(f, 3);
    put_u64(f, n);
    put_u64(f, 0);
    char name[16];
    for (uint64_t i = 0; i < n; i++) {
        snprintf(name, sizeof name, "t%07llu", (unsigned long long)i);
        put_u64(f, 8);
        fwrite(name, 1, 8, f);
        put_u32(f, 1);   /* n_dims */
        put_u64(f, 32);  /* ne[0] */
        put_u32(f, 0);   /* F32 */
        put_u64(f, i * 128);
    }
    long end = ftell(f);
    fclose(f);
    uint64_t data = ((uint64_t)end + 31) / 32 * 32;
    assert_int_equal(truncate(path, (off_t)(data + n * 128)), 0);

    struct tmem_ckpt c;
    static struct tmem_ckpt_summary sum;
    struct tmem_error err = {0};
    double t0 = now_s();
    enum tmem_status st = tmem_ckpt_open(path, NULL, &c, &err);
    if (st != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    assert_int_equal(tmem_ckpt_summarize(&c, &sum, &err), TMEM_OK);
    double dt = now_s() - t0;
    print_message("  10^6 tensors: %llu params read in %.3f s\n",
                  (unsigned long long)sum.total_params, dt);
    assert_int_equal(sum.total_params, 32 * n);
    assert_true(dt < bound(30.0));
    struct rusage ru;
    assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
    print_message("  peak resident %ld MiB\n", ru.ru_maxrss / 1024);
    assert_true(ru.ru_maxrss < 1024L * 1024);
    tmem_ckpt_free(&c);
    remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(deeply_nested_json_is_refused_quickly),
        cmocka_unit_test(a_huge_array_is_refused_by_its_cap),
        cmocka_unit_test(many_keys_are_read_in_bounded_time),
        cmocka_unit_test(a_file_over_the_cap_is_refused_unread),
        cmocka_unit_test(a_million_tensors_are_read_in_bounded_time),
    };
    if (ckw_scratch_dir(scratch, sizeof scratch, "tmem-pathological") != 0)
        return 1;
    int rc = cmocka_run_group_tests_name("pathological inputs", tests, NULL, NULL);
    ckw_remove_tree(scratch);
    return rc;
}
