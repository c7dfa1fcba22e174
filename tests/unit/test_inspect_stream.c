/* test_inspect_stream.c — `tmem inspect --json --tensors` streams its
 * tensors array: the text equals jansson's dump of the whole document, a
 * small document is printed whole or not at all when an allocation fails,
 * and a checkpoint of 10^5 tensors is listed by the real binary in bounded
 * memory (its peak resident size, from wait4, under a stated bound; the old
 * in-memory document took about 2.2 KB per tensor, 220 MB here).
 *
 * Also writes the large inputs the README's "Limits" figures were measured
 * on (nothing in `make test` uses these modes):
 *   test_inspect_stream --gguf PATH N            N tensors, 32 f32 each
 *   test_inspect_stream --safetensors PATH N     one header of N tensors
 *   test_inspect_stream --shards DIR K N         N tensors over K shards + index */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE /* wait4 */
#include "ckpt_writer.h"
#include "harness.h"

#include "alloc.h"
#include "cli.h"

#include <jansson.h>
#include <sys/resource.h>
#include <sys/wait.h>

/* a sanitizer build: ASan's shadow and quarantine raise the peak */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static char tmp_root[64];
static char tmem_path[4096]; /* the tmem beside this test's folder: build/tmem */

/* ------------------------------------------------------------ inputs */

static void big_gguf(const char *path, uint64_t n)
{
    struct ckw_gguf g;
    ckw_gguf_begin(&g, 3, 0);
    char name[32];
    for (uint64_t i = 0; i < n; i++) {
        snprintf(name, sizeof name, "t%07llu", (unsigned long long)i);
        ckw_tensor(&g, name, CKW_F32, 1, 32, 0, 0, 0);
    }
    ckw_gguf_write(&g, path);
}

static void big_safetensors(const char *path, uint64_t n)
{
    struct ckw_st s;
    ckw_st_begin(&s);
    char name[32];
    for (uint64_t i = 0; i < n; i++) {
        snprintf(name, sizeof name, "t%07llu", (unsigned long long)i);
        ckw_st_add2(&s, name, "F32", 32, 0);
    }
    ckw_st_write(&s, path);
}

/* n tensors over k shards model-0000i-of-0000k.safetensors, in order, and
 * the model.safetensors.index.json naming them */
static void big_shards(const char *dir, unsigned k, uint64_t n)
{
    mkdir(dir, 0755);
    struct ckw_buf map = {0};
    char p[4200], name[32], entry[128];
    uint64_t total = 0, next = 0;
    for (unsigned f = 0; f < k; f++) {
        struct ckw_st s;
        ckw_st_begin(&s);
        uint64_t end = n * (f + 1) / k;
        for (; next < end; next++) {
            snprintf(name, sizeof name, "t%07llu", (unsigned long long)next);
            ckw_st_add2(&s, name, "F32", 32, 0);
            snprintf(entry, sizeof entry, "%s\"%s\":\"model-%05u-of-%05u.safetensors\"",
                     map.len ? "," : "", name, f + 1, k);
            ckw_text(&map, entry);
        }
        total += s.data_bytes;
        snprintf(p, sizeof p, "%s/model-%05u-of-%05u.safetensors", dir, f + 1, k);
        ckw_st_write(&s, p);
    }
    struct ckw_buf ix = {0};
    snprintf(entry, sizeof entry, "{\"metadata\":{\"total_size\":%llu},\"weight_map\":{",
             (unsigned long long)total);
    ckw_text(&ix, entry);
    ckw_put(&ix, map.p, map.len);
    ckw_text(&ix, "}}");
    snprintf(p, sizeof p, "%s/model.safetensors.index.json", dir);
    ckw_write_file(p, ix.p, ix.len, ix.len);
    ckw_free(&ix);
    ckw_free(&map);
}

/* the small real layouts of test_ckpt_fixtures: a Llama GGUF, a DeepSeek-V3
 * GGUF (MLA, experts), a GPT-2 folder and a Llama folder in 3 shards */
static const struct ckw_model llama = {.family = "llama", .V = 1000, .d = 64, .L = 3,
                                       .n_head = 4, .n_kv = 2, .f = 192, .n_ctx = 2048};
static const struct ckw_model gpt2 = {.family = "gpt2", .V = 257, .d = 128, .L = 2,
                                      .n_head = 2, .n_kv = 2, .f = 512, .n_ctx = 64,
                                      .tied = true};
static const struct ckw_model dsv3 = {.family = "deepseek_v3", .V = 800, .d = 256, .L = 3,
                                      .n_head = 4, .n_kv = 4, .f = 512, .n_ctx = 4096, .E = 8,
                                      .E_used = 2, .f_e = 256, .f_sh = 256, .first_dense = 1,
                                      .router_bias = true, .q_lora = 256, .kv_lora = 256,
                                      .nope = 64, .rope = 32, .v_head = 64};

static void small_inputs(void)
{
    char p[200];
    uint64_t params, bytes;
    struct ckw_gguf g;
    ckw_gguf_begin(&g, 3, 0);
    ckw_gguf_model(&g, "llama", &llama, CKW_Q8_0);
    snprintf(p, sizeof p, "%s/llama.gguf", tmp_root);
    ckw_gguf_write(&g, p);
    ckw_gguf_begin(&g, 3, 0);
    ckw_gguf_model(&g, "deepseek2", &dsv3, CKW_Q4_K);
    snprintf(p, sizeof p, "%s/dsv3.gguf", tmp_root);
    ckw_gguf_write(&g, p);
    snprintf(p, sizeof p, "%s/gpt2", tmp_root);
    ckw_hf_folder(p, &gpt2, true, "F32", true, 1, false, &params, &bytes);
    snprintf(p, sizeof p, "%s/llama-sharded", tmp_root);
    ckw_hf_folder(p, &llama, false, "BF16", true, 3, false, &params, &bytes);
}

/* ------------------------------------------------------------ running */

/* build/tmem ARGS > out (stderr > err), its exit status; *maxrss_kib: the
 * child's peak resident size */
static int spawn_tmem(const char *const *args, const char *out, const char *err, long *maxrss_kib)
{
    char *argv[16];
    int argc = 0;
    argv[argc++] = tmem_path;
    for (; args[argc - 1] != NULL && argc < 15; argc++)
        argv[argc] = (char *)args[argc - 1];
    argv[argc] = NULL;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fo < 0 || fe < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
            _exit(126);
        execv(tmem_path, argv);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    assert_int_equal(wait4(pid, &status, 0, &ru), pid);
    *maxrss_kib = ru.ru_maxrss;
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

/* tmem_cli_main in this process, stdout and stderr to files; their sizes */
static int run_in_process(const char *const *args, long *out_bytes, long *err_bytes)
{
    int argc = 0;
    char *argv[16];
    while (args[argc] != NULL) {
        argv[argc] = (char *)args[argc];
        argc++;
    }
    argv[argc] = NULL;
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(1), saved_err = dup(2);
    char po[128], pe[128];
    snprintf(po, sizeof po, "%s/run.out", tmp_root);
    snprintf(pe, sizeof pe, "%s/run.err", tmp_root);
    assert_non_null(freopen(po, "w", stdout));
    assert_non_null(freopen(pe, "w", stderr));
    int rc = tmem_cli_main(argc, argv);
    fflush(stdout);
    fflush(stderr);
    *out_bytes = ftell(stdout);
    *err_bytes = ftell(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(saved_out);
    close(saved_err);
    clearerr(stdout);
    clearerr(stderr);
    return rc;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* The document in `path`, parsed back by jansson and dumped whole with the
 * report's flags, must be the same bytes; returns the tensors array's
 * length and checks it against tensor_count. */
static size_t same_as_whole_dump(const char *path)
{
    size_t len;
    char *text = slurp(path, &len);
    json_error_t je;
    json_t *d = json_loadb(text, len, 0, &je);
    if (d == NULL)
        fail_msg("%s: not JSON: %d:%d: %s", path, je.line, je.column, je.text);
    char *whole = json_dumps(d, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    assert_non_null(whole);
    size_t wl = strlen(whole);
    if (wl + 1 != len || memcmp(whole, text, wl) != 0 || text[wl] != '\n')
        fail_msg("%s: the streamed text is not jansson's whole-document dump", path);
    json_t *tensors = json_object_get(d, "tensors");
    assert_true(json_is_array(tensors));
    size_t n = json_array_size(tensors);
    assert_int_equal(n, (size_t)json_integer_value(json_object_get(d, "tensor_count")));
    tmem_dealloc(whole);
    json_decref(d);
    free(text);
    return n;
}

/* ------------------------------------------------------------ tests */

static void small_documents_are_jansson_whole_dumps(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        size_t tensors; /* counted from the layouts ckpt_writer.h writes */
    } cases[] = {
        /* embed + 3 × (4 attn + 2 norms + 3 ffn) + norm + output */
        {"llama.gguf", 1 + 3 * 9 + 2},
        /* embed + dense layer (7 MLA + 2 norms + 3 ffn) + 2 MoE layers
         * (7 MLA + 2 norms + router, bias, 3 expert stacks, 3 shared) + norm + output */
        {"dsv3.gguf", 1 + 12 + 2 * 17 + 2},
        /* wte, wpe + 2 × (ln_1 w,b, attn.bias, c_attn w,b, c_proj w,b, ln_2 w,b,
         * mlp.c_fc w,b, mlp.c_proj w,b) + ln_f w,b */
        {"gpt2", 2 + 2 * 13 + 2},
        /* embed + 3 × (4 attn + inv_freq + 2 norms + 3 mlp) + norm + lm_head */
        {"llama-sharded", 1 + 3 * 10 + 2},
    };
    char in[200], out[200], err[200];
    snprintf(out, sizeof out, "%s/doc.json", tmp_root);
    snprintf(err, sizeof err, "%s/doc.err", tmp_root);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(in, sizeof in, "%s/%s", tmp_root, cases[i].name);
        long rss;
        const char *with[] = {"inspect", in, "--json", "--tensors", NULL};
        assert_int_equal(spawn_tmem(with, out, err, &rss), 0);
        assert_int_equal(same_as_whole_dump(out), cases[i].tensors);
        const char *without[] = {"inspect", in, "--json", "--tensors", "--no-check", NULL};
        assert_int_equal(spawn_tmem(without, out, err, &rss), 0);
        assert_int_equal(same_as_whole_dump(out), cases[i].tensors);
    }
}

/* Below the 4 MiB buffer nothing is written before the whole document is
 * built: every failed allocation ends in exit 2, one error line, no stdout. */
static void a_small_document_is_printed_whole_or_not_at_all(void **state)
{
    (void)state;
    char in[200];
    snprintf(in, sizeof in, "%s/dsv3.gguf", tmp_root);
    const char *args[] = {"tmem", "inspect", in, "--json", "--tensors", NULL};
    long out, err;
    uint64_t before = tmem_alloc_fail_at(0);
    assert_int_equal(run_in_process(args, &out, &err), 0);
    uint64_t needed = tmem_alloc_fail_at(0) - before;
    assert_true(out > 10000);
    unsigned failed = 0;
    for (uint64_t n = 1; n <= needed; n++) {
        tmem_alloc_fail_at(n);
        int rc = run_in_process(args, &out, &err);
        tmem_alloc_fail_at(0);
        if (rc == 0)
            continue;
        failed++;
        if (rc != 2 || out != 0 || err == 0)
            fail_msg("allocation %llu of %llu failed: exit %d, %ld B out, %ld B err",
                     (unsigned long long)n, (unsigned long long)needed, rc, out, err);
    }
    print_message("  --json --tensors: %llu allocations, each failed once: %u clean errors\n",
                  (unsigned long long)needed, failed);
    assert_true(failed > 0);
}

/* 10^5 tensors: ~24 MB of JSON, parsed back whole; the binary's peak
 * resident size stays under 64 MiB (the checkpoint's own tables are ~15 MB,
 * the output buffer 4 MiB; the whole document in memory was ~220 MB). Under
 * a sanitizer build the bound is 256 MiB (ASan's shadow and quarantine). */
static void a_hundred_thousand_tensors_stream_in_bounded_memory(void **state)
{
    (void)state;
    const uint64_t n = 100000;
    char in[200], out[200], err[200];
    snprintf(in, sizeof in, "%s/big.gguf", tmp_root);
    snprintf(out, sizeof out, "%s/big.json", tmp_root);
    snprintf(err, sizeof err, "%s/big.err", tmp_root);
    big_gguf(in, n);
    const char *args[] = {"inspect", in, "--json", "--tensors", NULL};
    long rss_kib;
    assert_int_equal(spawn_tmem(args, out, err, &rss_kib), 0);
    long bound_kib = (SANITIZED ? 256L : 64L) << 10;
    struct stat sb;
    assert_int_equal(stat(out, &sb), 0);
    print_message("  10^5 tensors: %lld B of JSON, tmem peak resident %ld MiB (bound %ld MiB)\n",
                  (long long)sb.st_size, rss_kib >> 10, bound_kib >> 10);
    assert_true(rss_kib < bound_kib);
    assert_int_equal(same_as_whole_dump(out), n);
    remove(in);
    remove(out);
}

static int setup(void **state)
{
    (void)state;
    if (ckw_scratch_dir(tmp_root, sizeof tmp_root, "tmem-stream") != 0)
        return -1;
    small_inputs();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return getenv("KEEP") ? 0 : ckw_remove_tree(tmp_root);
}

int main(int argc, char **argv)
{
    if (argc == 3 || argc == 4 || argc == 5) {
        uint64_t n = strtoull(argv[argc - 1], NULL, 10);
        if (argc == 4 && strcmp(argv[1], "--gguf") == 0)
            big_gguf(argv[2], n);
        else if (argc == 4 && strcmp(argv[1], "--safetensors") == 0)
            big_safetensors(argv[2], n);
        else if (argc == 5 && strcmp(argv[1], "--shards") == 0)
            big_shards(argv[2], (unsigned)strtoul(argv[3], NULL, 10), n);
        else {
            fprintf(stderr, "usage: %s [--gguf PATH N | --safetensors PATH N | --shards DIR K N]\n",
                    argv[0]);
            return 2;
        }
        return 0;
    }
    /* build/tests/test_inspect_stream → build/tmem */
    const char *slash = strrchr(argv[0], '/');
    int dir_len = slash ? (int)(slash - argv[0]) : 1;
    snprintf(tmem_path, sizeof tmem_path, "%.*s/../tmem", dir_len, slash ? argv[0] : ".");
    tmem_alloc_install();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(small_documents_are_jansson_whole_dumps),
        cmocka_unit_test(a_small_document_is_printed_whole_or_not_at_all),
        cmocka_unit_test(a_hundred_thousand_tensors_stream_in_bounded_memory),
    };
    return cmocka_run_group_tests_name("inspect --json --tensors streams", tests, setup, teardown);
}
