/* test_st_scan.c — the differential test of the safetensors scanner
 * (src/read/st_scan.c) against jansson: every safetensors file and index
 * the tests have (the fuzz corpus and regressions, every file
 * test_ckpt_fixtures writes for tests/cli/inspect.sh, index folders from
 * ckpt_writer.h, hand-written edge cases of JSON) and thousands of
 * deterministic mutations of them are read twice, by the reader as it runs
 * (scanner first) and by jansson alone, and the two results must be the
 * same in every field: status, error (code, where, offset, message), every
 * tensor, every metadata row, every file. The scanner must also have taken
 * the common inputs (else the test would compare jansson with itself). */
#define _XOPEN_SOURCE 700
#include "ckpt_writer.h"
#include "harness.h"

#include "ckpt_internal.h"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char self_dir[1024];
static unsigned n_compared, n_scanned;

static void same_ckpt(const char *what, enum tmem_status s1, const struct tmem_ckpt *a,
                      const struct tmem_error *e1, enum tmem_status s2, const struct tmem_ckpt *b,
                      const struct tmem_error *e2)
{
    n_compared++;
    if (s1 != s2)
        fail_msg("%s: status %d (scanner) vs %d (jansson): %s: %s | %s: %s", what, s1, s2, e1->where,
                 e1->msg, e2->where, e2->msg);
    if (s1 != TMEM_OK) {
        if (e1->code != e2->code || e1->offset != e2->offset || strcmp(e1->where, e2->where) != 0 ||
            strcmp(e1->msg, e2->msg) != 0)
            fail_msg("%s: errors differ:\n  %s: %s (%llu)\n  %s: %s (%llu)", what, e1->where, e1->msg,
                     (unsigned long long)e1->offset, e2->where, e2->msg,
                     (unsigned long long)e2->offset);
        return;
    }
    assert_int_equal(a->format, b->format);
    assert_int_equal(a->index_total_bytes, b->index_total_bytes);
    assert_int_equal(a->has_index_total, b->has_index_total);
    assert_int_equal(a->n_files, b->n_files);
    for (uint32_t i = 0; i < a->n_files; i++) {
        assert_string_equal(a->files[i].path, b->files[i].path);
        assert_int_equal(a->files[i].file_bytes, b->files[i].file_bytes);
        assert_int_equal(a->files[i].header_bytes, b->files[i].header_bytes);
        assert_int_equal(a->files[i].n_tensors, b->files[i].n_tensors);
    }
    assert_int_equal(a->n_tensors, b->n_tensors);
    for (uint32_t i = 0; i < a->n_tensors; i++) {
        const struct tmem_ckpt_tensor *x = &a->tensors[i], *y = &b->tensors[i];
        assert_string_equal(x->name, y->name);
        assert_memory_equal(x->dims, y->dims, sizeof x->dims);
        assert_int_equal(x->n_elems, y->n_elems);
        assert_int_equal(x->n_params, y->n_params);
        assert_int_equal(x->n_bytes, y->n_bytes);
        assert_int_equal(x->offset, y->offset);
        assert_int_equal(x->info_offset, y->info_offset);
        assert_int_equal(x->file, y->file);
        assert_int_equal(x->type, y->type);
        assert_int_equal(x->layer, y->layer);
        assert_int_equal(x->n_dims, y->n_dims);
        assert_int_equal(x->group, y->group);
        assert_int_equal(x->reason, y->reason);
    }
    assert_int_equal(a->n_kv, b->n_kv);
    for (uint32_t i = 0; i < a->n_kv; i++) {
        assert_string_equal(a->kv[i].key, b->kv[i].key);
        assert_int_equal(a->kv[i].type, b->kv[i].type);
        assert_int_equal(a->kv[i].offset, b->kv[i].offset);
        assert_int_equal(a->kv[i].str_len, b->kv[i].str_len);
        assert_memory_equal(a->kv[i].str, b->kv[i].str, a->kv[i].str_len);
    }
}

/* a whole .safetensors image, read both ways */
static void diff_buffer(const char *what, const unsigned char *buf, size_t len)
{
    struct tmem_ckpt a, b;
    struct tmem_error e1 = {0}, e2 = {0};
    enum tmem_status s1 = tmem__safetensors_parse_buffer(buf, len, "x.safetensors", false, &a, &e1);
    enum tmem_status s2 = tmem__safetensors_parse_buffer(buf, len, "x.safetensors", true, &b, &e2);
    same_ckpt(what, s1, &a, &e1, s2, &b, &e2);
    tmem_ckpt_free(&a);
    tmem_ckpt_free(&b);
    /* did the scanner take it? (its own verdict on the header alone) */
    if (len >= 8) {
        uint64_t n = tmem_le64(buf);
        if (n <= len - 8) {
            struct tmem_ckpt c;
            memset(&c, 0, sizeof c);
            if (tmem__st_scan_header(&c, 0, (const char *)buf + 8, (size_t)n, NULL))
                n_scanned++;
            tmem_ckpt_free(&c);
        }
    }
}

/* a path (folder, index or file) opened both ways */
static void diff_path(const char *path)
{
    struct tmem_ckpt a, b;
    struct tmem_error e1 = {0}, e2 = {0};
    enum tmem_status s1 = tmem__ckpt_open(path, &a, &e1);
    enum tmem_status s2 = tmem__ckpt_open_with(path, true, &b, &e2);
    same_ckpt(path, s1, &a, &e1, s2, &b, &e2);
    tmem_ckpt_free(&a);
    tmem_ckpt_free(&b);
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || sb.st_size > (64 << 20)) {
        fclose(f);
        return NULL;
    }
    unsigned char *p = malloc((size_t)sb.st_size + 1);
    *len = p ? fread(p, 1, (size_t)sb.st_size, f) : 0;
    fclose(f);
    return p;
}

/* deterministic mutations of a file's header: each byte position of a
 * sample replaced by characters that matter to JSON, a cut, a doubling */
static void mutate(const char *what, const unsigned char *buf, size_t len)
{
    static const char repl[] = "\"\\{}[],:0 9-.eE\x01\xc3";
    if (len < 8)
        return;
    uint64_t n = tmem_le64(buf);
    if (n > len - 8 || n == 0)
        return;
    unsigned char *m = malloc(len);
    assert_non_null(m);
    size_t step = n / 41 + 1;
    for (size_t at = 8; at < 8 + n; at += step) {
        for (size_t r = 0; r + 1 < sizeof repl; r++) {
            memcpy(m, buf, len);
            m[at] = (unsigned char)repl[r];
            diff_buffer(what, m, len);
        }
    }
    free(m);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* every .safetensors under dir (recursively): read and mutated; every
 * index and folder: opened */
static void walk(const char *dir, bool with_mutations)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char p[2048];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (lstat(p, &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode)) {
            diff_path(p);
            walk(p, with_mutations);
            continue;
        }
        if (!S_ISREG(sb.st_mode))
            continue;
        if (ends_with(p, ".json")) {
            diff_path(p);
        } else if (sb.st_size < (64 << 20)) {
            size_t len = 0;
            unsigned char *buf = slurp(p, &len);
            if (buf == NULL)
                continue; /* a large sparse fixture: read through its path instead */
            diff_buffer(p, buf, len);
            if (with_mutations)
                mutate(p, buf, len);
            free(buf);
        }
        if (ends_with(p, ".safetensors"))
            diff_path(p);
    }
    closedir(d);
}

static void corpus_and_regressions(void **state)
{
    (void)state;
    unsigned before = n_compared, scanned = n_scanned;
    walk("fuzz/corpus/safetensors", true);
    walk("fuzz/regress/safetensors", true);
    print_message("corpus: %u comparisons, the scanner took %u headers\n", n_compared - before,
                  n_scanned - scanned);
    assert_true(n_compared - before > 10000);
    assert_true(n_scanned - scanned > 20); /* the corpus's valid files */
}

/* the files tests/cli/inspect.sh reads, as test_ckpt_fixtures writes them */
static void inspect_fixtures(void **state)
{
    (void)state;
    char root[128], gen[1200];
    assert_int_equal(ckw_scratch_dir(root, sizeof root, "tmem-stscan"), 0);
    snprintf(gen, sizeof gen, "%s/test_ckpt_fixtures", self_dir);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        execl(gen, gen, "--write", root, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    unsigned before = n_compared, scanned = n_scanned;
    walk(root, false);
    print_message("fixtures: %u comparisons, the scanner took %u headers\n", n_compared - before,
                  n_scanned - scanned);
    assert_true(n_compared - before > 50);
    assert_true(n_scanned - scanned > 10);
    ckw_remove_tree(root);
}

/* header text → a file image with `data` bytes of tensor data after it */
static void diff_header(const char *hdr, uint64_t data)
{
    size_t n = strlen(hdr);
    size_t len = 8 + n + (size_t)data;
    unsigned char *buf = calloc(1, len);
    assert_non_null(buf);
    for (int i = 0; i < 8; i++)
        buf[i] = (unsigned char)((uint64_t)n >> (8 * i));
    memcpy(buf + 8, hdr, n);
    diff_buffer(hdr, buf, len);
    free(buf);
}

static void edge_cases(void **state)
{
    (void)state;
#define T(name, rest) "\"" name "\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":" rest "}"
    static const char *const hdrs[] = {
        "{" T("a", "[0,8]") "}",
        " {" T("a", "[0,8]") "} \n\t\r",
        "{" T("a", "[0,8]") "}\x00",
        "{" T("a", "[0,8]") "}x",
        "{" T("a", "[0,8]") "," T("a", "[8,16]") "}",
        "{" T("a\\u0041", "[0,8]") "}",
        "{" T("a\\\"b", "[0,8]") "}",
        "{" T("tab\there", "[0,8]") "}",
        "{" T("a", "[0,8.0]") "}",
        "{" T("a", "[0,8e0]") "}",
        "{" T("a", "[0,08]") "}",
        "{" T("a", "[-0,8]") "}",
        "{" T("a", "[0,8,9]") "}",
        "{" T("a", "[0]") "}",
        "{" T("a", "[8,0]") "}",
        "{" T("a", "[0,99999999999999999999]") "}",
        "{" T("a", "[0,9223372036854775807]") "}",
        "{" T("a", "[0,999999999999999999]") "}",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"extra\":1}}",
        "{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
        "{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}",
        "{\"a\":{\"dtype\":\"F33\",\"shape\":[2],\"data_offsets\":[0,8]}}",
        "{\"a\":{\"dtype\":\"f32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,2],\"data_offsets\":[0,8]}}",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}",
        /* the compact form's own path (st_scan.c compact_object) and its edges */
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,2],\"data_offsets\":[0,8]}}",
        "{\"a\":{\"dtype\":\"F32x\",\"shape\":[2],\"data_offsets\":[0,8]}}",
        "{\"a\":{\"dtype\":\"\",\"shape\":[2],\"data_offsets\":[0,8]}}",
        "{\"a\":{\"dtype\":\"F8_E4M3_AND_MORE_TO_16\",\"shape\":[2],\"data_offsets\":[0,8]}}",
        "{\"a\":{\"dtype\":\"BOOL\",\"shape\":[8],\"data_offsets\":[0,8]}}",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,],\"data_offsets\":[0,8]}}",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[02],\"data_offsets\":[0,8]}}",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],}}",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8] }}",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,16]}}",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2] ,\"data_offsets\":[0,8]}}",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}" ,
        "{\"a\":{\"dtype\":\"U8\",\"shape\":[999999999999999999],\"data_offsets\":[0,999999999999999999]}}",
        "{\"a\":{\"dtype\":\"U8\",\"shape\":[9999999999999999999],\"data_offsets\":[0,9999999999999999999]}}",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"shape\":[2],\"dtype\":\"F32\",\"data_offsets\":[8,16]}}",
        "{\"a\":[]}",
        "{\"a\":null}",
        "{}",
        "[]",
        "",
        "{\"__metadata__\":{\"format\":\"pt\"}}",
        "{\"__metadata__\":{\"format\":\"pt\"}," T("a", "[0,8]") "}",
        "{" T("a", "[0,8]") ",\"__metadata__\":{\"format\":\"pt\",\"k\":\"v\"}}",
        "{\"__metadata__\":{\"format\":\"pt\",\"format\":\"np\"}," T("a", "[0,8]") "}",
        "{\"__metadata__\":{\"n\":1}," T("a", "[0,8]") "}",
        "{\"__metadata__\":[]," T("a", "[0,8]") "}",
        "{\"__metadata__\":{}," T("a", "[0,8]") ",\"__metadata__\":{}}",
        "{" T("dtype", "[0,8]") "," T("shape", "[8,16]") "}",
        /* info_offset: the first "<name>": after the previous key, which
         * can be inside the previous tensor's object or __metadata__ */
        "{" T("a", "[0,8]") "," T("dtype", "[8,16]") "," T("shape", "[16,24]") "}",
        "{" T("a", "[0,8]") "," T("data_offsets", "[8,16]") "}",
        "{\"__metadata__\":{\"w\":\"x\"}," T("w", "[0,8]") "}",
        "{" T("a", "[0,8]") ",\"__metadata__\":{\"b\":\"x\"}," T("b", "[8,16]") "}",
        "{\"__metadata__\":{\"format\":\"pt\",\":q\":\"v\"}," T(", ", "[0,8]") "}",
        "{" T(":", "[0,8]") "," T(", ", "[8,16]") "," T("8", "[16,24]") "," T("", "[24,32]") "}",
        "{" T("b", "[8,16]") "," T("a", "[0,8]") "}",
        "{" T("a", "[0,8]") "," T("b", "[16,24]") "}",
        "{" T("a", "[0,8]") "," T("b", "[4,12]") "}",
        "{" T("a", "[0,8]") ",}",
        "{" T("a", "[0,8]") " " T("b", "[8,16]") "}",
        "{" T("\xc3\xa9", "[0,8]") "}",
        "{\"a\" : { \"dtype\" : \"F32\" , \"shape\" : [ 2 ] , \"data_offsets\" : [ 0 , 8 ] } }",
    };
    for (size_t i = 0; i < sizeof hdrs / sizeof hdrs[0]; i++)
        for (uint64_t data = 0; data <= 24; data += 4)
            diff_header(hdrs[i], data);
#undef T
}

/* sharded folders: the index read by the scanner and by jansson, and
 * indexes with the quirks jansson must decide */
static void nth(uint64_t i, char *name, size_t cap, const char **dtype, uint64_t *rows, uint64_t *cols)
{
    snprintf(name, cap, "model.layers.%llu.mlp.experts.%llu.up_proj.weight",
             (unsigned long long)(i / 7), (unsigned long long)(i % 7));
    *dtype = i % 3 ? "BF16" : "F8_E4M3";
    *rows = 16 + i % 5;
    *cols = 8;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void indexes(void **state)
{
    (void)state;
    char root[128], dir[256], ip[320];
    assert_int_equal(ckw_scratch_dir(root, sizeof root, "tmem-stscan"), 0);
    snprintf(dir, sizeof dir, "%s/ix", root);
    ckw_index_folder(dir, 5, 200, nth);
    snprintf(ip, sizeof ip, "%s/model.safetensors.index.json", dir);
    diff_path(dir);
    diff_path(ip);
    size_t len = 0;
    char *orig = (char *)slurp(ip, &len);
    assert_non_null(orig);
    orig[len] = '\0';
    /* variants of the real index text */
    const char *find[] = {"\"metadata\"", "\"total_size\":", "\"weight_map\"", "model-00002", ",\"model.layers.3"};
    const char *with[] = {"\"metadatb\"", "\"total_size\":-", "\"weight_maq\"", "../del-00002", ",\"model.layers.0"};
    for (size_t v = 0; v < sizeof find / sizeof find[0]; v++) {
        char *at = strstr(orig, find[v]);
        assert_non_null(at);
        char *m = malloc(len + 64);
        assert_non_null(m);
        snprintf(m, len + 64, "%.*s%s%s", (int)(at - orig), orig, with[v], at + strlen(find[v]));
        write_text(ip, m);
        diff_path(ip);
        free(m);
    }
    /* every 50th byte replaced by a JSON metacharacter */
    static const char repl[] = "\"\\{}[],:0 .";
    for (size_t at = 0; at < len; at += 50)
        for (size_t r = 0; r + 1 < sizeof repl; r++) {
            char saved = orig[at];
            orig[at] = repl[r];
            write_text(ip, orig);
            diff_path(ip);
            orig[at] = saved;
        }
    static const char *const texts[] = {
        "{\"weight_map\":{}}",
        "{\"metadata\":{},\"weight_map\":{}}",
        "{\"metadata\":{\"total_size\":null},\"weight_map\":{}}",
        "{\"metadata\":{\"total_size\":\"1\"},\"weight_map\":{}}",
        "{\"metadata\":{\"total_size\":1.5},\"weight_map\":{}}",
        "{\"metadata\":{\"total_size\":0,\"total_size\":0},\"weight_map\":{}}",
        "{\"weight_map\":{},\"weight_map\":{}}",
        "{\"weight_map\":[]}",
        "{\"weight_map\":{\"a\":\"x.safetensors\",\"a\":\"x.safetensors\"}}",
        "{\"weight_map\":{\"a\":1}}",
        "{\"weight_map\":{\"a\":\"\"}}",
        "{\"weight_map\":{\"a\":\"/abs.safetensors\"}}",
        "{\"weight_map\":{\"a\":\"x.safetensors\"},\"extra\":true}",
        "{}",
        "[]",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        write_text(ip, texts[i]);
        diff_path(ip);
    }
    free(orig);
    ckw_remove_tree(root);
}

int main(int argc, char **argv)
{
    (void)argc;
    snprintf(self_dir, sizeof self_dir, "%s", argv[0]);
    char *slash = strrchr(self_dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(self_dir, sizeof self_dir, ".");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(corpus_and_regressions),
        cmocka_unit_test(inspect_fixtures),
        cmocka_unit_test(edge_cases),
        cmocka_unit_test(indexes),
    };
    return cmocka_run_group_tests_name("safetensors scanner = jansson", tests, NULL, NULL);
}
