/* test_safetensors.c — the safetensors reader against files written here
 * from the format's description (ckpt_writer.h): single files and sharded
 * checkpoints with an index, for Llama, Qwen2, Qwen3, GPT-2, Mixtral,
 * Qwen2-MoE and DeepSeek-V3 layouts. Each inventory is checked exactly
 * against what was written and against `tmem params` on the matching
 * config.json; the model read from tensor names alone must count the same.
 * Then the malformed-file suite: one case per validation rule of the
 * reference implementation, each with its status, field and byte offset. */
#define _XOPEN_SOURCE 700
#include "ckpt_writer.h"
#include "harness.h"

#include "tmem/checkpoint.h"
#include "reader.h"

#include <time.h>

static char root[64]; /* this test's scratch folder */

static int setup(void **state)
{
    (void)state;
    return ckw_scratch_dir(root, sizeof root, "tmem-st");
}

static int teardown(void **state)
{
    (void)state;
    return ckw_remove_tree(root);
}

static const char *path_in(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", root, name);
    return buf;
}

static void write_text(const char *path, const char *text)
{
    ckw_write_file(path, text, strlen(text), strlen(text));
}

typedef void (*layout_fn)(const struct ckw_model *, const char *, bool, ckw_add_fn, void *);

static void hf_llama(const struct ckw_model *m, const char *dt, bool extra, ckw_add_fn f, void *c)
{
    ckw_hf_llama(m, dt, extra, f, c);
}

static void hf_gpt2(const struct ckw_model *m, const char *dt, bool extra, ckw_add_fn f, void *c)
{
    ckw_hf_gpt2(m, dt, extra, f, c);
}

/* Writes folder `name` under root (see ckw_hf_folder). */
static void write_model(const char *name, const struct ckw_model *m, layout_fn layout,
                        const char *dtype, bool extra, unsigned k, bool no_config,
                        uint64_t *params, uint64_t *bytes)
{
    char dir[256];
    ckw_hf_folder(path_in(dir, sizeof dir, name), m, layout == hf_gpt2, dtype, extra, k,
                  no_config, params, bytes);
}

static void config_inventory(const struct ckw_model *m, struct tmem_model *out,
                             struct tmem_inventory *inv)
{
    char *cfg = ckw_config_json(m);
    struct tmem_model raw;
    struct tmem_error err = {0};
    if (tmem_hf_config_parse(cfg, strlen(cfg), "config.json", NULL, &raw, &err) != TMEM_OK ||
        tmem_model_resolve(&raw, out, &err) != TMEM_OK ||
        tmem_inventory_build(out, inv, &err) != TMEM_OK)
        fail_msg("config: %s: %s (%s)", err.where, err.msg, cfg);
    free(cfg);
}

static void open_ok(const char *path, struct tmem_ckpt *c, struct tmem_ckpt_summary *s)
{
    struct tmem_error err = {0};
    if (tmem_ckpt_open(path, NULL, c, &err) != TMEM_OK)
        fail_msg("open %s: %s: %s", path, err.where, err.msg);
    assert_int_equal(tmem_ckpt_summarize(c, s, &err), TMEM_OK);
}

static void print_check(const struct tmem_ckpt_check *k)
{
    for (uint32_t i = 0; i < k->n_lines; i++)
        print_message("    [%d] %s\n", k->lines[i].status, k->lines[i].text);
}

/* The whole round trip for one family: written == read, read == formula
 * (groups exactly), and the layout read from names counts the same. */
static void round_trip(const char *name, const struct ckw_model *m, layout_fn layout, bool extra,
                       unsigned k, uint64_t other_params)
{
    const bool exact_groups = m->extra_layers == 0; /* extra layers: only the check agrees */
    uint64_t params, bytes;
    write_model(name, m, layout, "BF16", extra, k, false, &params, &bytes);
    char dir[256];
    path_in(dir, sizeof dir, name);
    struct tmem_ckpt c;
    struct tmem_ckpt_summary s;
    open_ok(dir, &c, &s);
    assert_int_equal(c.n_files, k);
    assert_int_equal(s.total_params, params);
    assert_int_equal(s.total_bytes, bytes);
    assert_int_equal(s.group_params[TMEM_CKPT_GROUP_OTHER], other_params);
    if (k > 1) {
        assert_non_null(c.index_path);
        assert_true(c.has_index_total);
        assert_int_equal(c.index_total_bytes, bytes);
    }

    struct tmem_model fm;
    struct tmem_inventory inv;
    config_inventory(m, &fm, &inv);
    for (int g = 0; g < TMEM_GROUP_COUNT && exact_groups; g++)
        if (s.group_params[g] != inv.group_params[g])
            fail_msg("%s: group %s: read %llu, formula %llu", name, tmem_group_name((enum tmem_group)g),
                     (unsigned long long)s.group_params[g], (unsigned long long)inv.group_params[g]);

    struct tmem_ckpt_check chk;
    struct tmem_error err = {0};
    assert_int_equal(tmem_ckpt_check(&c, &s, &fm, "config.json", &chk, &err), TMEM_OK);
    if (!chk.matches) {
        print_check(&chk);
        fail_msg("%s: check reports differences", name);
    }
    assert_int_equal(chk.tied, m->tied);

    if (!exact_groups) { /* names alone cannot tell an MTP layer from a layer */
        tmem_ckpt_free(&c);
        return;
    }
    /* the names alone */
    struct tmem_model raw, nm;
    struct tmem_inventory ninv;
    char notes[400];
    if (tmem_ckpt_model(&c, &raw, notes, sizeof notes, &err) != TMEM_OK)
        fail_msg("%s: model from names: %s: %s", name, err.where, err.msg);
    if (raw.n_expert)
        raw.n_expert_used = m->E_used;
    if (tmem_model_resolve(&raw, &nm, &err) != TMEM_OK ||
        tmem_inventory_build(&nm, &ninv, &err) != TMEM_OK)
        fail_msg("%s: names model: %s: %s", name, err.where, err.msg);
    assert_int_equal(nm.family, fm.family);
    assert_int_equal(ninv.total_params, inv.total_params);
    assert_int_equal(ninv.active_params, inv.active_params);
    for (int g = 0; g < TMEM_GROUP_COUNT; g++)
        assert_int_equal(ninv.group_params[g], inv.group_params[g]);
    print_message("  %-14s %u file%s, %u tensors, %llu params = formula (names alone agree)\n",
                  name, c.n_files, c.n_files > 1 ? "s" : "", c.n_tensors,
                  (unsigned long long)s.total_params);
    tmem_ckpt_free(&c);
}

static const struct ckw_model llama = {.family = "llama", .V = 1000, .d = 64, .L = 3,
                                       .n_head = 4, .n_kv = 2, .f = 176, .n_ctx = 2048};

/* EVIDENCE: "the header is a dict like {TENSOR_NAME: {dtype, shape,
 * data_offsets: (X, Y)}}" — safetensors README, Format */
static void llama_single_file_is_read_exactly(void **state)
{
    (void)state;
    /* 3 layers × inv_freq of d_head/2 = 8 F32 elements */
    round_trip("llama", &llama, hf_llama, true, 1, 3 * 8);
}

static void llama_three_shards_with_index(void **state)
{
    (void)state;
    round_trip("llama-sharded", &llama, hf_llama, true, 3, 3 * 8);
}

static void qwen2_biases_sharded(void **state)
{
    (void)state;
    struct ckw_model m = {.family = "qwen2", .V = 500, .d = 96, .L = 2, .n_head = 6, .n_kv = 2,
                          .f = 256, .n_ctx = 4096, .qkv_bias = true, .tied = true};
    round_trip("qwen2", &m, hf_llama, false, 2, 0);
}

static void qwen3_head_dim_and_qk_norm(void **state)
{
    (void)state;
    struct ckw_model m = {.family = "qwen3", .V = 300, .d = 64, .L = 2, .n_head = 4, .n_kv = 2,
                          .d_head = 32, .f = 128, .n_ctx = 4096, .qk_norm = true};
    round_trip("qwen3", &m, hf_llama, false, 1, 0);
}

/* GPT-2's checkpoints keep a causal mask buffer attn.bias (1, 1, n_ctx,
 * n_ctx) per layer: in "other", outside the formula */
static void gpt2_mask_buffers_are_other(void **state)
{
    (void)state;
    struct ckw_model m = {.family = "gpt2", .V = 257, .d = 128, .L = 2, .n_head = 2, .n_kv = 2,
                          .f = 512, .n_ctx = 64, .tied = true};
    round_trip("gpt2", &m, hf_gpt2, true, 1, 2 * 64 * 64);
}

static void mixtral_experts(void **state)
{
    (void)state;
    struct ckw_model m = {.family = "mixtral", .V = 400, .d = 64, .L = 2, .n_head = 4, .n_kv = 1,
                          .f = 96, .n_ctx = 4096, .E = 4, .E_used = 2, .f_e = 96,
                          .sparse_moe = true};
    round_trip("mixtral", &m, hf_llama, false, 2, 0);
}

static void qwen2_moe_shared_expert_gate(void **state)
{
    (void)state;
    struct ckw_model m = {.family = "qwen2_moe", .V = 400, .d = 64, .L = 2, .n_head = 4,
                          .n_kv = 4, .f = 160, .n_ctx = 4096, .qkv_bias = true, .E = 6,
                          .E_used = 2, .f_e = 32, .f_sh = 128, .shared_gate = true};
    round_trip("qwen2moe", &m, hf_llama, false, 1, 0);
}

/* DeepSeek-V3: MLA, a dense first layer, shared experts, the router's
 * correction bias, and an extra (multi-token-prediction) layer past
 * num_hidden_layers that the formula does not count */
static void deepseek_v3_mla_moe_and_mtp_layer(void **state)
{
    (void)state;
    struct ckw_model m = {.family = "deepseek_v3", .V = 800, .d = 128, .L = 3, .n_head = 4,
                          .n_kv = 4, .f = 256, .n_ctx = 4096, .E = 8, .E_used = 2, .f_e = 32,
                          .f_sh = 32, .first_dense = 1, .router_bias = true, .q_lora = 48,
                          .kv_lora = 64, .nope = 32, .rope = 16, .v_head = 32};
    struct ckw_model mtp = m;
    mtp.extra_layers = 1;
    round_trip("dsv3", &m, hf_llama, false, 2, 0);
    round_trip("dsv3-mtp", &mtp, hf_llama, false, 3, 0);
    /* the extra layer is noted, not a difference */
    char dir[256];
    struct tmem_ckpt c;
    struct tmem_ckpt_summary s;
    open_ok(path_in(dir, sizeof dir, "dsv3-mtp"), &c, &s);
    struct tmem_model fm;
    struct tmem_inventory inv;
    config_inventory(&m, &fm, &inv);
    struct tmem_ckpt_check chk;
    assert_int_equal(tmem_ckpt_check(&c, &s, &fm, "config.json", &chk, NULL), TMEM_OK);
    bool noted = false;
    for (uint32_t i = 0; i < chk.n_lines; i++)
        noted |= chk.lines[i].status == TMEM_CHECK_NOTE &&
                 strstr(chk.lines[i].text, "past n_layer 3") != NULL;
    assert_true(noted);
    assert_true(chk.matches);
    tmem_ckpt_free(&c);
}

static bool has_line(const struct tmem_ckpt_check *k, enum tmem_check_status st, const char *part)
{
    for (uint32_t i = 0; i < k->n_lines; i++)
        if (k->lines[i].status == st && strstr(k->lines[i].text, part))
            return true;
    return false;
}

/* Tied embeddings are detected from the missing lm_head; a config that
 * disagrees, and a missing layer, are one clear line each. */
static void tied_and_missing_are_reported(void **state)
{
    (void)state;
    struct ckw_model tied = llama;
    tied.tied = true;
    uint64_t params, bytes;
    write_model("tied", &tied, hf_llama, "F16", false, 1, false, &params, &bytes);
    char dir[256];
    struct tmem_ckpt c;
    struct tmem_ckpt_summary s;
    open_ok(path_in(dir, sizeof dir, "tied"), &c, &s);
    struct tmem_model fm;
    struct tmem_inventory inv;
    struct tmem_ckpt_check chk;
    config_inventory(&tied, &fm, &inv);
    assert_int_equal(tmem_ckpt_check(&c, &s, &fm, "config.json", &chk, NULL), TMEM_OK);
    assert_true(chk.matches);
    assert_true(has_line(&chk, TMEM_CHECK_OK, "tied embeddings"));

    /* the config says untied: the lm_head it counts is not there */
    config_inventory(&llama, &fm, &inv);
    assert_int_equal(tmem_ckpt_check(&c, &s, &fm, "config.json", &chk, NULL), TMEM_OK);
    assert_false(chk.matches);
    assert_true(has_line(&chk, TMEM_CHECK_DIFF, "no lm_head tensor"));
    assert_true(has_line(&chk, TMEM_CHECK_DIFF, "lm_head: 0 params in the headers but 64,000"));

    /* the config has one layer more than the weights */
    struct ckw_model more = tied;
    more.L = 4;
    config_inventory(&more, &fm, &inv);
    assert_int_equal(tmem_ckpt_check(&c, &s, &fm, "config.json", &chk, NULL), TMEM_OK);
    assert_true(has_line(&chk, TMEM_CHECK_DIFF, "missing layers: no tensors for layer 3"));
    tmem_ckpt_free(&c);
}

/* A 13 GB checkpoint is inspected from its header: Llama-2-7B's shapes in
 * bf16, written sparse. Published total 6,738,415,616 (Meta model card). */
static void llama2_7b_sized_file_reads_in_milliseconds(void **state)
{
    (void)state;
    struct ckw_model m = {.family = "llama", .V = 32000, .d = 4096, .L = 32, .n_head = 32,
                          .n_kv = 32, .f = 11008, .n_ctx = 4096};
    uint64_t params, bytes;
    write_model("llama2-7b", &m, hf_llama, "BF16", false, 1, true, &params, &bytes);
    assert_int_equal(params, U64(6738415616));
    char dir[256];
    struct tmem_ckpt c;
    struct tmem_ckpt_summary s;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    open_ok(path_in(dir, sizeof dir, "llama2-7b"), &c, &s);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    assert_int_equal(s.total_params, U64(6738415616));
    assert_int_equal(s.total_bytes, U64(13476831232));
    assert_int_equal(s.file_bytes, s.header_bytes + U64(13476831232));
    print_message("  13.5 GB file (sparse) read in %.2f ms, %llu header bytes\n", ms,
                  (unsigned long long)s.header_bytes);
    tmem_ckpt_free(&c);
}

/* ----------------------------------------------------------- malformed */

struct bad {
    const char *what;            /* the rule */
    enum tmem_status code;
    const char *where_suffix;    /* err.where ends with it */
    uint64_t offset;
};

static void expect_bad(const char *path, const struct bad *b)
{
    struct tmem_ckpt c;
    struct tmem_error err = {0};
    enum tmem_status st = tmem_ckpt_open(path, NULL, &c, &err);
    tmem_ckpt_free(&c);
    if (st != b->code)
        fail_msg("%s: expected %s, got %s (%s: %s)", b->what, tmem_status_name(b->code),
                 tmem_status_name(st), err.where, err.msg);
    size_t lw = strlen(err.where), ls = strlen(b->where_suffix);
    if (lw < ls || strcmp(err.where + lw - ls, b->where_suffix) != 0)
        fail_msg("%s: where is '%s', want '...%s'", b->what, err.where, b->where_suffix);
    if (err.offset != b->offset)
        fail_msg("%s: offset %llu, want %llu (%s)", b->what, (unsigned long long)err.offset,
                 (unsigned long long)b->offset, err.msg);
    char at[48];
    snprintf(at, sizeof at, "at byte %llu: ", (unsigned long long)b->offset);
    if (strncmp(err.msg, at, strlen(at)) != 0)
        fail_msg("%s: message '%s' does not start with '%s'", b->what, err.msg, at);
    assert_null(strchr(err.msg, '\n'));
}

/* header text → file with the right length field and `data` data bytes */
static void st_file(const char *path, const char *hdr, uint64_t data)
{
    ckw_st_raw(path, strlen(hdr), hdr, strlen(hdr), 8 + strlen(hdr) + data);
}

/* EVIDENCE: safetensors/src/tensor.rs read_metadata and Metadata::validate:
 * HeaderTooSmall, HeaderTooLarge, InvalidHeaderLength, InvalidHeader (UTF-8),
 * InvalidHeaderDeserialization, InvalidOffset, TensorInvalidInfo,
 * ValidationOverflow, MetadataIncompleteBuffer */
static void malformed_files_name_field_and_offset(void **state)
{
    (void)state;
    char p[256];
    unsigned n = 0;

    path_in(p, sizeof p, "short.safetensors");
    ckw_write_file(p, "\x10\0\0", 3, 3);
    expect_bad(p, &(struct bad){"file shorter than 8 bytes", TMEM_ERR_TRUNCATED,
                                "short.safetensors:header length", 0});
    n++;

    path_in(p, sizeof p, "huge.safetensors");
    ckw_st_raw(p, 100000001, "{}", 2, 0);
    expect_bad(p, &(struct bad){"header length over 100,000,000", TMEM_ERR_LIMIT,
                                "huge.safetensors:header length", 0});
    n++;

    path_in(p, sizeof p, "past.safetensors");
    ckw_st_raw(p, 4096, "{}", 2, 0);
    expect_bad(p, &(struct bad){"header length past the end", TMEM_ERR_TRUNCATED,
                                "past.safetensors:header length", 0});
    n++;

    path_in(p, sizeof p, "utf8.safetensors");
    st_file(p, "{\"a\xff\":{}}", 0);
    expect_bad(p, &(struct bad){"header not UTF-8", TMEM_ERR_SYNTAX, "utf8.safetensors:header",
                                8 + 3});
    n++;

    path_in(p, sizeof p, "json.safetensors");
    st_file(p, "{\"a\":{\"dtype\":\"F32\",,}}", 0);
    expect_bad(p, &(struct bad){"header not JSON", TMEM_ERR_SYNTAX, "json.safetensors:header",
                                8 + 20});
    n++;

    path_in(p, sizeof p, "array.safetensors");
    st_file(p, "[1, 2]  ", 0);
    expect_bad(p, &(struct bad){"header not an object", TMEM_ERR_SCHEMA,
                                "array.safetensors:header", 8});
    n++;

    path_in(p, sizeof p, "dtype.safetensors");
    st_file(p, "{\"w\":{\"dtype\":\"F12\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4);
    expect_bad(p, &(struct bad){"unknown dtype", TMEM_ERR_UNSUPPORTED, "dtype.safetensors:w.dtype",
                                8 + 1});
    n++;

    path_in(p, sizeof p, "span.safetensors");
    st_file(p, "{\"__metadata__\":{\"format\":\"pt\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],"
               "\"data_offsets\":[0,20]}}",
            20);
    expect_bad(p, &(struct bad){"shape × dtype size != offsets span", TMEM_ERR_INCONSISTENT,
                                "span.safetensors:w.data_offsets", 8 + 32});
    n++;

    path_in(p, sizeof p, "overlap.safetensors");
    st_file(p, "{\"a\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[0,8]},"
               "\"b\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[4,12]}}",
            12);
    expect_bad(p, &(struct bad){"offsets overlap", TMEM_ERR_INCONSISTENT,
                                "overlap.safetensors:b.data_offsets", 8 + 53});
    n++;

    path_in(p, sizeof p, "gap.safetensors");
    st_file(p, "{\"a\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[0,8]},"
               "\"b\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[16,24]}}",
            24);
    expect_bad(p, &(struct bad){"offsets leave a gap", TMEM_ERR_INCONSISTENT,
                                "gap.safetensors:b.data_offsets", 8 + 53});
    n++;

    path_in(p, sizeof p, "start.safetensors");
    st_file(p, "{\"a\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[8,16]}}", 16);
    expect_bad(p, &(struct bad){"first tensor not at offset 0", TMEM_ERR_INCONSISTENT,
                                "start.safetensors:a.data_offsets", 8 + 1});
    n++;

    const char *one = "{\"a\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[0,8]}}";
    path_in(p, sizeof p, "trailing.safetensors");
    st_file(p, one, 8 + 100);
    expect_bad(p, &(struct bad){"bytes after the last tensor", TMEM_ERR_INCONSISTENT,
                                "trailing.safetensors:data_offsets", 8 + strlen(one) + 8});
    n++;

    path_in(p, sizeof p, "truncated.safetensors");
    st_file(p, one, 5);
    expect_bad(p, &(struct bad){"file ends inside the data", TMEM_ERR_TRUNCATED,
                                "truncated.safetensors:data_offsets", 8 + strlen(one) + 5});
    n++;

    path_in(p, sizeof p, "dup.safetensors");
    st_file(p, "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
               "\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}",
            2);
    expect_bad(p, &(struct bad){"duplicate name", TMEM_ERR_INCONSISTENT, "dup.safetensors:header",
                                8 + 53});
    n++;

    path_in(p, sizeof p, "overflow.safetensors");
    st_file(p, "{\"a\":{\"dtype\":\"U8\",\"shape\":[4294967296,4294967296],"
               "\"data_offsets\":[0,0]}}",
            0);
    expect_bad(p, &(struct bad){"shape product overflows", TMEM_ERR_OVERFLOW,
                                "overflow.safetensors:a.shape", 8 + 1});
    n++;

    path_in(p, sizeof p, "overflow2.safetensors");
    st_file(p, "{\"a\":{\"dtype\":\"F64\",\"shape\":[4294967296,536870912],"
               "\"data_offsets\":[0,0]}}",
            0);
    expect_bad(p, &(struct bad){"shape × dtype size overflows", TMEM_ERR_OVERFLOW,
                                "overflow2.safetensors:a.shape", 8 + 1});
    n++;

    path_in(p, sizeof p, "backwards.safetensors");
    st_file(p, "{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[4,0]}}", 4);
    expect_bad(p, &(struct bad){"end before begin", TMEM_ERR_INCONSISTENT,
                                "backwards.safetensors:a.data_offsets", 8 + 1});
    n++;

    path_in(p, sizeof p, "negative.safetensors");
    st_file(p, "{\"a\":{\"dtype\":\"U8\",\"shape\":[-1],\"data_offsets\":[0,0]}}", 0);
    expect_bad(p, &(struct bad){"negative size", TMEM_ERR_SCHEMA, "negative.safetensors:a.shape",
                                8 + 1});
    n++;

    path_in(p, sizeof p, "dims.safetensors");
    st_file(p, "{\"a\":{\"dtype\":\"U8\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,1]}}",
            1);
    expect_bad(p, &(struct bad){"more than 8 dimensions", TMEM_ERR_LIMIT,
                                "dims.safetensors:a.shape", 8 + 1});
    n++;

    path_in(p, sizeof p, "missing.safetensors");
    st_file(p, "{\"a\":{\"dtype\":\"U8\",\"shape\":[1]}}", 1);
    expect_bad(p, &(struct bad){"data_offsets missing", TMEM_ERR_MISSING_KEY,
                                "missing.safetensors:a.data_offsets", 8 + 1});
    n++;

    path_in(p, sizeof p, "meta.safetensors");
    st_file(p, "{\"__metadata__\":{\"format\":1}}", 0);
    expect_bad(p, &(struct bad){"__metadata__ value not a string", TMEM_ERR_SCHEMA,
                                "meta.safetensors:__metadata__", 8 + 1});
    n++;

    /* the index against its shards */
    char dir[256], ip[320], sp[320];
    path_in(dir, sizeof dir, "badindex");
    mkdir(dir, 0755);
    snprintf(sp, sizeof sp, "%s/s1.safetensors", dir);
    st_file(sp, "{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},"
                "\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[2,4]}}",
            4);
    snprintf(ip, sizeof ip, "%s/model.safetensors.index.json", dir);
    static const struct {
        const char *index;
        struct bad b;
    } ix[] = {
        {"{\"metadata\":{}}",
         {"index without weight_map", TMEM_ERR_MISSING_KEY, "index.json:weight_map", 0}},
        {"{\"weight_map\":{\"a\":\"s1.safetensors\",\"b\":\"s1.safetensors\",\"c\":\"s1.safetensors\"}}",
         {"weight_map names a tensor the shard lacks", TMEM_ERR_INCONSISTENT, "index.json:c", 57}},
        {"{\"weight_map\":{\"a\":\"s1.safetensors\"}}",
         {"shard tensor missing from weight_map", TMEM_ERR_INCONSISTENT, "s1.safetensors:b", 8 + 53}},
        {"{\"metadata\":{\"total_size\":5},\"weight_map\":{\"a\":\"s1.safetensors\",\"b\":\"s1.safetensors\"}}",
         {"total_size disagrees", TMEM_ERR_INCONSISTENT, "index.json:metadata.total_size", 13}},
        {"{\"weight_map\":{\"a\":\"../s1.safetensors\"}}",
         {"shard outside the folder", TMEM_ERR_SCHEMA, "index.json:a", 15}},
        {"{\"weight_map\":{\"a\":\"s1.safetensors\",\"b\":\"s1.safetensors\"},}",
         {"index not JSON", TMEM_ERR_SYNTAX, "index.json:index", 58}},
    };
    for (size_t i = 0; i < sizeof ix / sizeof ix[0]; i++) {
        write_text(ip, ix[i].index);
        expect_bad(dir, &ix[i].b);
        n++;
    }
    /* a tensor in the wrong shard, and in two shards */
    snprintf(sp, sizeof sp, "%s/s2.safetensors", dir);
    st_file(sp, "{\"c\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2);
    write_text(ip, "{\"weight_map\":{\"a\":\"s1.safetensors\",\"b\":\"s1.safetensors\","
                   "\"c\":\"s1.safetensors\",\"d\":\"s2.safetensors\"}}");
    expect_bad(dir, &(struct bad){"weight_map puts a tensor in the wrong shard",
                                  TMEM_ERR_INCONSISTENT, "index.json:c", 57});
    n++;
    st_file(sp, "{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2);
    write_text(ip, "{\"weight_map\":{\"a\":\"s1.safetensors\",\"b\":\"s1.safetensors\","
                   "\"z\":\"s2.safetensors\"}}");
    expect_bad(dir, &(struct bad){"a tensor in two shards", TMEM_ERR_INCONSISTENT,
                                  "s2.safetensors:a", 9});
    n++;

    struct tmem_ckpt c;
    struct tmem_error err;
    write_text(ip, "{\"weight_map\":{\"a\":\"gone.safetensors\"}}");
    assert_int_equal(tmem_ckpt_open(dir, NULL, &c, &err), TMEM_ERR_IO);
    assert_non_null(strstr(err.where, "gone.safetensors"));
    tmem_ckpt_free(&c);
    n++;
    print_message("  %u malformed safetensors cases: each refused with its field and byte\n", n);
}

/* The same header parsed from memory: the buffer is exactly the file, so
 * ASan catches any read past it. */
static void buffer_parser_stays_inside_its_buffer(void **state)
{
    (void)state;
    const char *hdr = "{\"a\":{\"dtype\":\"BF16\",\"shape\":[2,3],\"data_offsets\":[0,12]}}";
    size_t hl = strlen(hdr), len = 8 + hl + 12;
    unsigned char *buf = malloc(len);
    for (int i = 0; i < 8; i++)
        buf[i] = (unsigned char)(hl >> (8 * i));
    memcpy(buf + 8, hdr, hl);
    memset(buf + 8 + hl, 0, 12);
    struct tmem_ckpt c;
    struct tmem_error err = {0};
    assert_int_equal(tmem_safetensors_parse_buffer(buf, len, "mem.safetensors", NULL, &c, &err), TMEM_OK);
    assert_int_equal(c.n_tensors, 1);
    assert_int_equal(c.tensors[0].n_elems, 6);
    assert_int_equal(c.tensors[0].offset, 8 + hl);
    tmem_ckpt_free(&c);
    /* every truncation of it is refused, none read past the end */
    for (size_t cut = 0; cut < len; cut++) {
        unsigned char *b = malloc(cut ? cut : 1);
        memcpy(b, buf, cut);
        assert_int_not_equal(tmem_safetensors_parse_buffer(b, cut, "cut", NULL, &c, &err), TMEM_OK);
        tmem_ckpt_free(&c);
        free(b);
    }
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(llama_single_file_is_read_exactly),
        cmocka_unit_test(llama_three_shards_with_index),
        cmocka_unit_test(qwen2_biases_sharded),
        cmocka_unit_test(qwen3_head_dim_and_qk_norm),
        cmocka_unit_test(gpt2_mask_buffers_are_other),
        cmocka_unit_test(mixtral_experts),
        cmocka_unit_test(qwen2_moe_shared_expert_gate),
        cmocka_unit_test(deepseek_v3_mla_moe_and_mtp_layer),
        cmocka_unit_test(tied_and_missing_are_reported),
        cmocka_unit_test(llama2_7b_sized_file_reads_in_milliseconds),
        cmocka_unit_test(malformed_files_name_field_and_offset),
        cmocka_unit_test(buffer_parser_stays_inside_its_buffer),
    };
    return cmocka_run_group_tests_name("reader: safetensors", tests, setup, teardown);
}
