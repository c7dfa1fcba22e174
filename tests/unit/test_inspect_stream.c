/* test_inspect_stream.c — `tmem inspect --json --tensors` streams its
 * tensors array: the text equals jansson's dump of the whole document, and
 * a checkpoint of 10^5 tensors is listed by the real binary in bounded
 * memory (its peak resident size, from wait4, under a stated bound; the old
 * in-memory document took about 2.2 KB per tensor, 215 MiB here). That a
 * small document is still printed whole or not at all when an allocation
 * fails is test_ckpt_fixtures.c's to check.
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
static char fixtures_path[4096]; /* build/tests/test_ckpt_fixtures, the fixture writer */

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

/* tensor i of the generated layouts: "t0000000", 32 f32 */
static void plain_nth(uint64_t i, char *name, size_t cap, const char **dtype, uint64_t *rows,
                      uint64_t *cols)
{
    snprintf(name, cap, "t%07llu", (unsigned long long)i);
    *dtype = "F32";
    *rows = 32;
    *cols = 0;
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
        if (SANITIZED) {
            /* ASan keeps up to 256 MiB of freed blocks in quarantine to
             * catch use after free: resident, but not tmem's memory */
            static char opts[4096];
            const char *old = getenv("ASAN_OPTIONS");
            snprintf(opts, sizeof opts, "%s%squarantine_size_mb=0", old ? old : "",
                     old && *old ? ":" : "");
            setenv("ASAN_OPTIONS", opts, 1);
        }
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
    free(whole); /* jansson's default allocator: this test installs none */
    json_decref(d);
    free(text);
    return n;
}

/* ------------------------------------------------------------ tests */

/* names and a metadata string that are not UTF-8: bytes become U+FFFD and
 * "invalid_utf8_replaced", after the streamed tensors, counts the strings */
static void non_utf8_gguf(const char *path)
{
    struct ckw_gguf g;
    ckw_gguf_begin(&g, 3, 0);
    ckw_kv_str(&g, "general.name", "x\xfey");
    ckw_tensor(&g, "t\xff" "0", CKW_F32, 1, 8, 0, 0, 0);
    ckw_tensor(&g, "ok", CKW_F32, 1, 8, 0, 0, 0);
    ckw_tensor(&g, "\xc3(bad", CKW_F32, 1, 8, 0, 0, 0);
    ckw_gguf_write(&g, path);
}

static void non_utf8_strings_are_counted_after_the_tensors(void **state)
{
    (void)state;
    char in[200], out[200], err[200];
    snprintf(in, sizeof in, "%s/non-utf8.gguf", tmp_root);
    snprintf(out, sizeof out, "%s/doc.json", tmp_root);
    snprintf(err, sizeof err, "%s/doc.err", tmp_root);
    non_utf8_gguf(in);
    long rss;
    const char *args[] = {"inspect", in, "--json", "--tensors", NULL};
    assert_int_equal(spawn_tmem(args, out, err, &rss), 0);
    assert_int_equal(same_as_whole_dump(out), 3);
    size_t len;
    char *text = slurp(out, &len);
    /* the last member, as the whole document had it: 1 metadata value + 2 names */
    assert_non_null(strstr(text, "  ],\n  \"invalid_utf8_replaced\": 3\n}\n"));
    free(text);
}

static void small_documents_are_jansson_whole_dumps(void **state)
{
    (void)state;
    /* test_ckpt_fixtures.c's files; counts from the layouts ckpt_writer.h writes */
    static const struct {
        const char *name;
        size_t tensors;
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
        snprintf(in, sizeof in, "%s/fx/%s", tmp_root, cases[i].name);
        long rss;
        const char *with[] = {"inspect", in, "--json", "--tensors", NULL};
        assert_int_equal(spawn_tmem(with, out, err, &rss), 0);
        assert_int_equal(same_as_whole_dump(out), cases[i].tensors);
        const char *without[] = {"inspect", in, "--json", "--tensors", "--no-check", NULL};
        assert_int_equal(spawn_tmem(without, out, err, &rss), 0);
        assert_int_equal(same_as_whole_dump(out), cases[i].tensors);
    }
}

/* 10^5 tensors: 22 MB of JSON, parsed back whole; the binary's peak
 * resident size stays under 64 MiB (measured 24 MiB: the checkpoint's own
 * tables are ~14 MB, the output buffer 4 MiB; the whole document in memory
 * took 215 MiB). Under AddressSanitizer (its quarantine off for this run)
 * the bound is 128 MiB for its shadow memory and redzones. */
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
    long bound_kib = (SANITIZED ? 128L : 64L) << 10;
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
    /* the small real layouts inspect.sh reads, from their writer */
    char fx[128];
    snprintf(fx, sizeof fx, "%s/fx", tmp_root);
    pid_t pid = fork();
    if (pid == 0) {
        execl(fixtures_path, fixtures_path, "--write", fx, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
                   WEXITSTATUS(status) == 0
               ? 0
               : -1;
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
            ckw_index_folder(argv[2], (unsigned)strtoul(argv[3], NULL, 10), n, plain_nth);
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
    snprintf(fixtures_path, sizeof fixtures_path, "%.*s/test_ckpt_fixtures", dir_len,
             slash ? argv[0] : ".");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(small_documents_are_jansson_whole_dumps),
        cmocka_unit_test(non_utf8_strings_are_counted_after_the_tensors),
        cmocka_unit_test(a_hundred_thousand_tensors_stream_in_bounded_memory),
    };
    return cmocka_run_group_tests_name("inspect --json --tensors streams", tests, setup, teardown);
}
