/* test_hostile.c — the library under hostile inputs (issue 16), below the
 * CLI: paths that must not block (a FIFO), a layer index of 2·10⁹, config
 * integers that would wrap, headers of no tensors, GGUF strings that are
 * not UTF-8 in a JSON document, sockets, devices and folders as files, error text that is whole or visibly cut,
 * and scaling that divides before it multiplies, each against a figure
 * written here by hand. Runs that could block are bounded by alarm(). */
#define _XOPEN_SOURCE 700
#include "ckpt_writer.h"
#include "harness.h"

#include "checked.h"
#include "tmem/checkpoint.h"
#include "errtext.h"
#include "inspect.h"
#include "reader.h"
#include "utf8.h"

#include <jansson.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static char root[64]; /* this test's scratch folder */

static int setup(void **state)
{
    (void)state;
    return ckw_scratch_dir(root, sizeof root, "tmem-hostile");
}

static int teardown(void **state)
{
    (void)state;
    return ckw_remove_tree(root);
}

/* ------------------------------------------------------------ UTF-8, cuts */

static void utf8_sequences_are_well_formed_or_rejected(void **state)
{
    (void)state;
    uint32_t cp = 0;
    assert_int_equal(tmem__utf8_seq((const unsigned char *)"A", 1, &cp), 1);
    assert_int_equal(cp, 0x41);
    assert_int_equal(tmem__utf8_seq((const unsigned char *)"\xc3\xa9", 2, &cp), 2); /* é */
    assert_int_equal(cp, 0xe9);
    assert_int_equal(tmem__utf8_seq((const unsigned char *)"\xe2\x80\xa6", 3, &cp), 3); /* … */
    assert_int_equal(cp, 0x2026);
    assert_int_equal(tmem__utf8_seq((const unsigned char *)"\xf0\x9f\x98\x80", 4, &cp), 4);
    assert_int_equal(cp, 0x1f600);
    /* a lone continuation, an overlong '/', a surrogate, past U+10FFFF, cut short, 0xff */
    assert_int_equal(tmem__utf8_seq((const unsigned char *)"\x80", 1, NULL), 0);
    assert_int_equal(tmem__utf8_seq((const unsigned char *)"\xc0\xaf", 2, NULL), 0);
    assert_int_equal(tmem__utf8_seq((const unsigned char *)"\xed\xa0\x80", 3, NULL), 0);
    assert_int_equal(tmem__utf8_seq((const unsigned char *)"\xf4\x90\x80\x80", 4, NULL), 0);
    assert_int_equal(tmem__utf8_seq((const unsigned char *)"\xc3", 1, NULL), 0);
    assert_int_equal(tmem__utf8_seq((const unsigned char *)"\xff", 1, NULL), 0);
    assert_int_equal(tmem__utf8_invalid_at((const unsigned char *)"ab\xc3\xa9\xff", 5), 4);
}

static void cuts_keep_characters_whole_and_are_marked(void **state)
{
    (void)state;
    /* "aé" is 61 c3 a9: a cut at 2 would split é, so it keeps 1 */
    assert_int_equal(tmem__utf8_cut("a\xc3\xa9", 3, 2), 1);
    assert_int_equal(tmem__utf8_cut("a\xc3\xa9", 3, 3), 3);
    assert_int_equal(tmem__utf8_cut("abc", 3, 2), 2);
    char buf[8];
    assert_true(tmem__copy_marked(buf, sizeof buf, "abcdefg")); /* 7 + NUL fits */
    assert_string_equal(buf, "abcdefg");
    assert_false(tmem__copy_marked(buf, sizeof buf, "abcdefgh"));
    assert_string_equal(buf, "abcd\xe2\x80\xa6"); /* 4 bytes, then … (3) and the NUL */
    assert_false(tmem__copy_marked(buf, sizeof buf, "abc\xc3\xa9xyz"));
    assert_string_equal(buf, "abc\xe2\x80\xa6"); /* é would straddle the cut */
    char q[TMEM_QUOTE_CAP];
    assert_string_equal(tmem__quote(q, "F17"), "'F17'");
    char long_value[101];
    memset(long_value, 'g', 100);
    long_value[100] = '\0';
    tmem__quote(q, long_value);
    assert_int_equal(strlen(q), 1 + 64 + 3 + 1); /* ' + 64 g + … + ' */
    assert_memory_equal(q + 65, "\xe2\x80\xa6'", 5);
}

static void error_places_are_whole_up_to_4096_bytes_then_marked(void **state)
{
    (void)state;
    struct tmem_error err;
    char path[3000];
    memset(path, 'p', sizeof path - 1);
    path[sizeof path - 1] = '\0';
    tmem__err_set(&err, TMEM_ERR_IO, path, "stage3_prefetch_bucket_size", 7, "x %d", 1);
    assert_int_equal(strlen(err.where), 2999 + 1 + 27); /* the whole place */
    assert_string_equal(err.where + 3000, "stage3_prefetch_bucket_size");
    assert_string_equal(err.msg, "x 1");
    assert_int_equal(err.offset, 7);
    char huge[6000];
    memset(huge, 'h', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    tmem__err_set(&err, TMEM_ERR_IO, huge, NULL, 0, "%s", huge);
    assert_int_equal(strlen(err.where), sizeof err.where - 1);
    assert_string_equal(err.where + sizeof err.where - 4, "\xe2\x80\xa6");
    assert_string_equal(err.msg + sizeof err.msg - 4, "\xe2\x80\xa6");
}

/* ---------------------------------------------------- scaling (issue item 6) */

static void scaling_divides_before_it_multiplies(void **state)
{
    (void)state;
    uint64_t r = 0;
    /* ceil((2^63 + 5) · 50,000 / 10^6) = ceil(9,223,372,036,854,775,813 / 20)
     * = 461,168,601,842,738,790.65 → 461,168,601,842,738,791; the product
     * itself is about 4.6 · 10^23, far past 2^64 */
    assert_true(tmem_scale_u64((UINT64_C(1) << 63) + 5, 50000, 1000000, true, &r));
    assert_int_equal(r, UINT64_C(461168601842738791));
    assert_true(tmem_scale_u64((UINT64_C(1) << 63) + 5, 50000, 1000000, false, &r));
    assert_int_equal(r, UINT64_C(461168601842738790));
    /* DeepSpeed's 1.5 as 150 / 100: 2^62 · 1.5 = 6,917,529,027,641,081,856 */
    assert_true(tmem_scale_u64(UINT64_C(1) << 62, 150, 100, false, &r));
    assert_int_equal(r, UINT64_C(6917529027641081856));
    /* 428,593,081,548,800 (llama-2-7b, b 16384: the lines before fragmentation)
     * × 5 % = 21,429,654,077,440 */
    assert_true(tmem_scale_u64(UINT64_C(428593081548800), 50000, 1000000, true, &r));
    assert_int_equal(r, UINT64_C(21429654077440));
    /* a result past 2^64 still fails: (2^64 - 1) · 3 / 2 */
    assert_false(tmem_scale_u64(UINT64_MAX, 3, 2, false, &r));
    assert_true(tmem_scale_u64(0, 50000, 1000000, true, &r));
    assert_int_equal(r, 0);
}

/* ------------------------------------------------------ files (issue item 1) */

static void a_fifo_is_refused_without_blocking(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/config.json", root);
    assert_int_equal(mkfifo(path, 0600), 0);
    alarm(10); /* the old reader blocked in open() for ever */
    char *buf = NULL;
    size_t len = 0;
    struct tmem_error err;
    assert_int_equal(tmem__read_file(path, 1 << 20, &buf, &len, &err), TMEM_ERR_IO);
    assert_string_equal(err.where, path);
    assert_string_equal(err.msg, "is a FIFO (named pipe), not a regular file");
    struct tmem_model m;
    assert_int_equal(tmem_model_load(path, NULL, &m, &err), TMEM_ERR_IO);
    assert_string_equal(err.msg, "is a FIFO (named pipe), not a regular file");
    struct tmem_ckpt c;
    char gguf[128];
    snprintf(gguf, sizeof gguf, "%s/m.gguf", root);
    assert_int_equal(mkfifo(gguf, 0600), 0);
    assert_int_equal(tmem_ckpt_open(gguf, NULL, &c, &err), TMEM_ERR_IO);
    assert_string_equal(err.where, gguf);
    tmem_ckpt_free(&c);
    alarm(0);
    unlink(path);
    unlink(gguf);
}

static void sockets_devices_and_folders_are_refused_by_name(void **state)
{
    (void)state;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    char path[sizeof sa.sun_path];
    assert_true((size_t)snprintf(path, sizeof path, "%.64s/ds.json", root) < sizeof path);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(s >= 0);
    memcpy(sa.sun_path, path, sizeof path);
    assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
    struct tmem_ds_config ds;
    struct tmem_error err;
    alarm(10);
    assert_int_equal(tmem_ds_config_load(path, NULL, &ds, &err), TMEM_ERR_IO);
    assert_string_equal(err.where, path);
    assert_string_equal(err.msg, "is a socket, not a regular file");
    char *buf;
    size_t len;
    assert_int_equal(tmem__read_file("/dev/null", 16, &buf, &len, &err), TMEM_ERR_IO);
    assert_string_equal(err.msg, "is a character device, not a regular file");
    assert_int_equal(tmem__read_file(root, 16, &buf, &len, &err), TMEM_ERR_IO);
    assert_string_equal(err.msg, "is a folder, not a regular file");
    alarm(0);
    close(s);
    unlink(path);
}

/* ------------------------------------------------------------- headers */

/* u64 N | N bytes of header | data */
static unsigned char *st_file(const char *hdr, size_t data, size_t *len)
{
    size_t n = strlen(hdr);
    *len = 8 + n + data;
    unsigned char *b = calloc(1, *len);
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)((uint64_t)n >> (8 * i));
    memcpy(b + 8, hdr, n);
    return b;
}

static void a_layer_index_of_2e9_is_refused_before_any_loop(void **state)
{
    (void)state;
    size_t len;
    unsigned char *b = st_file(
        "{\"model.embed_tokens.weight\":{\"dtype\":\"F16\",\"shape\":[4,2],\"data_offsets\":[0,16]},"
        "\"model.layers.2000000000.self_attn.q_proj.weight\":{\"dtype\":\"F16\",\"shape\":[1],"
        "\"data_offsets\":[16,18]}}",
        18, &len);
    struct tmem_ckpt c;
    struct tmem_error err;
    assert_int_equal(tmem_safetensors_parse_buffer(b, len, "x.safetensors", NULL, &c, &err), TMEM_OK);
    alarm(10); /* the old reader looped 2·10⁹ times (minutes) */
    struct tmem_model m;
    assert_int_equal(tmem_ckpt_model(&c, &m, NULL, 0, &err), TMEM_ERR_LIMIT);
    alarm(0);
    assert_string_equal(err.where, "x.safetensors:model.layers.2000000000.self_attn.q_proj.weight");
    assert_string_equal(err.msg,
                        "at byte 89: layer index 2000000000 but a model has at most 65536 layers");
    tmem_ckpt_free(&c);
    free(b);
}

static void headers_of_no_tensors_are_legal(void **state)
{
    (void)state;
    /* {} and only __metadata__: the old reader did NULL + 0 and qsort(NULL, 0),
     * which the sanitizer build aborts on */
    const char *hdrs[] = {"{}", "{\"__metadata__\":{\"format\":\"pt\"}}"};
    for (size_t i = 0; i < 2; i++) {
        size_t len;
        unsigned char *b = st_file(hdrs[i], 0, &len);
        struct tmem_ckpt c;
        struct tmem_ckpt_summary s;
        struct tmem_error err;
        assert_int_equal(tmem_safetensors_parse_buffer(b, len, "e.safetensors", NULL, &c, &err), TMEM_OK);
        assert_int_equal(c.n_tensors, 0);
        assert_int_equal(c.files[0].header_bytes, len);
        assert_int_equal(tmem_ckpt_summarize(&c, &s, &err), TMEM_OK);
        assert_int_equal(s.total_params, 0);
        struct tmem_model m;
        assert_int_equal(tmem_ckpt_model(&c, &m, NULL, 0, &err), TMEM_ERR_UNSUPPORTED);
        tmem_ckpt_free(&c);
        free(b);
    }
}

static void n_shared_experts_that_would_wrap_is_refused(void **state)
{
    (void)state;
#define DSV2(n_shared)                                                                         \
    "{\"model_type\": \"deepseek_v2\", \"hidden_size\": 2048, \"num_hidden_layers\": 27, "          \
    "\"num_attention_heads\": 16, \"vocab_size\": 102400, \"moe_intermediate_size\": 1408, "       \
    "\"intermediate_size\": 10944, \"n_routed_experts\": 64, \"num_experts_per_tok\": 6, "          \
    "\"n_shared_experts\": " n_shared ", \"kv_lora_rank\": 512, \"qk_nope_head_dim\": 128, "        \
    "\"qk_rope_head_dim\": 64, \"v_head_dim\": 128}"
    struct tmem_model m;
    struct tmem_error err;
    /* 2^62 + 1: × 1408 = 2^62 · 1408 + 1408 ≡ 1408 (mod 2^64), as if it were 1 */
    const char *wrap = DSV2("4611686018427387905"), *two = DSV2("2");
    assert_int_equal(tmem_hf_config_parse(wrap, strlen(wrap), "c.json", NULL, &m, &err), TMEM_ERR_LIMIT);
    assert_string_equal(err.where, "c.json:n_shared_experts");
    assert_int_equal(tmem_hf_config_parse(two, strlen(two), "c.json", NULL, &m, &err), TMEM_OK);
    /* the config gives the count; resolve forms n_shared_expert · d_ff_expert */
    assert_int_equal(m.n_shared_expert, 2);
    assert_int_equal(tmem_model_resolve(&m, &m, &err), TMEM_OK);
    assert_int_equal(m.d_ff_shared, 2 * 1408);
}

/* ------------------------------------------- GGUF bytes in JSON (item 5) */

static void gguf_strings_that_are_not_utf8_make_valid_json(void **state)
{
    (void)state;
    struct ckw_buf b = {0};
    ckw_put(&b, "GGUF", 4);
    ckw_u32(&b, 3);
    ckw_u64(&b, 0); /* tensors */
    ckw_u64(&b, 3); /* key/values */
    ckw_str(&b, "general.architecture");
    ckw_u32(&b, 8);
    ckw_str(&b, "llama");
    ckw_str(&b, "bad\xffkey");
    ckw_u32(&b, 4);
    ckw_u32(&b, 1);
    ckw_str(&b, "general.name");
    ckw_u32(&b, 8);
    ckw_str(&b, "\xff\xfeok\xc3");
    struct tmem_ckpt c;
    struct tmem_ckpt_summary s;
    struct tmem_error err;
    assert_int_equal(tmem_gguf_parse_buffer(b.p, b.len, "x.gguf", NULL, &c, &err), TMEM_OK);
    assert_int_equal(tmem_ckpt_summarize(&c, &s, &err), TMEM_OK);
    struct tmem_inspect_view v = {.ckpt = &c, .sum = &s, .no_check = "test", .notes = ""};
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_int_equal(tmem__report_inspect_json(f, &v), 0); /* was: could not build */
    fclose(f);
    json_error_t je;
    json_t *doc = json_loadb(text, len, 0, &je);
    assert_non_null(doc);
    assert_int_equal(json_integer_value(json_object_get(doc, "invalid_utf8_replaced")), 2);
    json_t *meta = json_object_get(json_object_get(doc, "gguf"), "metadata");
    assert_int_equal(json_integer_value(json_object_get(meta, "bad\xef\xbf\xbdkey")), 1);
    assert_string_equal(json_string_value(json_object_get(meta, "general.name")),
                        "\xef\xbf\xbd\xef\xbf\xbdok\xef\xbf\xbd");
    json_decref(doc);
    free(text);
    tmem_ckpt_free(&c);
    ckw_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(utf8_sequences_are_well_formed_or_rejected),
        cmocka_unit_test(cuts_keep_characters_whole_and_are_marked),
        cmocka_unit_test(error_places_are_whole_up_to_4096_bytes_then_marked),
        cmocka_unit_test(scaling_divides_before_it_multiplies),
        cmocka_unit_test(a_fifo_is_refused_without_blocking),
        cmocka_unit_test(sockets_devices_and_folders_are_refused_by_name),
        cmocka_unit_test(a_layer_index_of_2e9_is_refused_before_any_loop),
        cmocka_unit_test(headers_of_no_tensors_are_legal),
        cmocka_unit_test(n_shared_experts_that_would_wrap_is_refused),
        cmocka_unit_test(gguf_strings_that_are_not_utf8_make_valid_json),
    };
    return cmocka_run_group_tests_name("hostile inputs", tests, setup, teardown);
}
