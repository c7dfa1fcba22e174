/* test_alloc.c — allocation failure: every run of a command is repeated
 * with its 1st, 2nd, ... allocation failing, until a run needs no more than
 * were allowed. Each failing run must end cleanly — exit status 2 with one
 * error line, never a crash, a 0 with missing output, or a leak (the
 * ASan and valgrind runs of `make test` check the last). */
#define _XOPEN_SOURCE 700
#include "harness.h"
#include "scratch.h"
#include "count_alloc.h"
#include "cli.h"

#include <unistd.h>

static char scratch[512]; /* this run's private folder (scratch.h), removed at exit */

/* Runs tmem_cli_run(args) with the counting allocator and stdout and
 * stderr sent to files; returns the exit status, and the bytes each got. */
static int run(const char *const *args, long *out_bytes, long *err_bytes)
{
    int argc = 0;
    char *argv[32];
    while (args[argc] != NULL) {
        argv[argc] = (char *)args[argc];
        argc++;
    }
    argv[argc] = NULL;
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(1), saved_err = dup(2);
    char po[600], pe[600];
    FILE *o = freopen(ckw_scratch_path(po, sizeof po, scratch, "run.out"), "w", stdout);
    FILE *e = freopen(ckw_scratch_path(pe, sizeof pe, scratch, "run.err"), "w", stderr);
    assert_non_null(o);
    assert_non_null(e);
    int rc = tmem_cli_run(argc, argv, &counting.a);
    fflush(stdout);
    fflush(stderr);
    *out_bytes = ftell(stdout);
    *err_bytes = ftell(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(saved_out);
    close(saved_err);
    return rc;
}

static void fail_every_allocation(const char *const *args)
{
    long out, err;
    count_alloc_fail_at(0);
    uint64_t before = count_alloc_fail_at(0);
    assert_int_equal(run(args, &out, &err), 0); /* the run succeeds untouched */
    uint64_t needed = count_alloc_fail_at(0) - before;
    assert_true(out > 0);
    for (uint64_t n = 1; n <= needed; n++) {
        count_alloc_fail_at(n);
        int rc = run(args, &out, &err);
        count_alloc_fail_at(0);
        if (rc == 0)
            continue; /* that allocation's failure was absorbed (an optional buffer) */
        if (rc != 2 || out != 0 || err == 0)
            fail_msg("%s %s: allocation %llu of %llu failed: exit %d, %ld B out, %ld B err",
                     args[1], args[2] ? args[2] : "", (unsigned long long)n,
                     (unsigned long long)needed, rc, out, err);
    }
    print_message("  %-40s %4llu allocations, each failed once: clean\n", args[1],
                  (unsigned long long)needed);
}

static void params_survives_every_failed_allocation(void **state)
{
    (void)state;
    const char *a[] = {"tmem", "params", "mixtral-8x7b", "--json", NULL};
    fail_every_allocation(a);
    const char *b[] = {"tmem", "params", "deepseek-v3", NULL};
    fail_every_allocation(b);
}

static void infer_survives_every_failed_allocation(void **state)
{
    (void)state;
    const char *a[] = {"tmem", "infer", "llama-3-8b", "--weights", "q4_k_m", "--json", NULL};
    fail_every_allocation(a);
    const char *b[] = {"tmem", "infer", "llama-2-7b", "--gpu", "t4", NULL};
    fail_every_allocation(b);
}

static void serve_survives_every_failed_allocation(void **state)
{
    (void)state;
    const char *a[] = {"tmem", "serve", "llama-3-8b", "--requests", "50", "--rate", "5", "--json", NULL};
    fail_every_allocation(a);
    const char *b[] = {"tmem", "serve", "llama-3-8b", "--requests", "20", "--sweep-rate", "1:9:3",
                       "--slo-tpot-ms", "8", "--json", NULL};
    fail_every_allocation(b);
    const char *c[] = {"tmem", "serve", "llama-3-8b", "--requests", "20", "--explain", NULL};
    fail_every_allocation(c);
}

static void lab_and_lists_survive_every_failed_allocation(void **state)
{
    (void)state;
    const char *a[] = {"tmem", "lab", "--json", NULL};
    fail_every_allocation(a);
    const char *b[] = {"tmem", "models", "--json", NULL};
    fail_every_allocation(b);
    const char *c[] = {"tmem", "gpus", "--json", NULL};
    fail_every_allocation(c);
}

static void a_config_file_survives_every_failed_allocation(void **state)
{
    (void)state;
    char path[600];
    ckw_scratch_path(path, sizeof path, scratch, "config.json");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"model_type\": \"qwen2_moe\", \"hidden_size\": 256, \"num_hidden_layers\": 4,"
          " \"num_attention_heads\": 4, \"intermediate_size\": 512, \"vocab_size\": 1000,"
          " \"num_experts\": 8, \"num_experts_per_tok\": 2, \"moe_intermediate_size\": 64,"
          " \"shared_expert_intermediate_size\": 128, \"mlp_only_layers\": [0]}",
          f);
    fclose(f);
    const char *a[] = {"tmem", "params", path, "--json", NULL};
    fail_every_allocation(a);
    /* jansson's lexer drops a byte when its token buffer cannot grow; for a
     * string whose closing quote is the byte that needs the growth (the
     * 32nd: "Llama4ForConditionalGeneration" after its opening quote, the
     * buffer at 32 bytes) it then read past its buffer (an assert or a heap
     * over-read in load.c). tmem__json_loadb makes that failure an error. */
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"model_type\": \"llama4\", \"architectures\": [\"Llama4ForConditionalGeneration\"],"
          " \"text_config\": {\"model_type\": \"llama\", \"vocab_size\": 1000, \"hidden_size\": 256,"
          " \"intermediate_size\": 512, \"num_hidden_layers\": 2, \"num_attention_heads\": 4,"
          " \"num_key_value_heads\": 2}}", f);
    fclose(f);
    fail_every_allocation(a);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"model_type\": \"llama\", \"vocab_size\": 1000, \"hidden_size\": 256,"
          " \"intermediate_size\": 512, \"num_hidden_layers\": 2, \"num_attention_heads\": 4,"
          " \"attention_bias\": false, \"mlp_bias\": false, \"tie_word_embeddings\": true,"
          " \"num_key_value_heads\": 2}", f);
    fclose(f);
    fail_every_allocation(a);
}

int main(void)
{
    if (ckw_scratch_dir(scratch, sizeof scratch, "tmem-alloc") != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(params_survives_every_failed_allocation),
        cmocka_unit_test(infer_survives_every_failed_allocation),
        cmocka_unit_test(serve_survives_every_failed_allocation),
        cmocka_unit_test(lab_and_lists_survive_every_failed_allocation),
        cmocka_unit_test(a_config_file_survives_every_failed_allocation),
    };
    int rc = cmocka_run_group_tests_name("allocation failure injection", tests, NULL, NULL);
    ckw_remove_tree(scratch);
    return rc;
}
