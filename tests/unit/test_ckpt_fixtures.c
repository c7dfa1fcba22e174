/* test_ckpt_fixtures.c — checkpoint files for the command-line tests, and
 * `tmem inspect` under allocation failure.
 *
 *   test_ckpt_fixtures --write DIR   writes the files tests/cli/inspect.sh
 *                                    reads, plus DIR/expect.txt (what was
 *                                    written) and DIR/bad/cases.txt (one
 *                                    malformed file per line with the
 *                                    "<file>:<field>: at byte N:" its error
 *                                    must carry)
 *   test_ckpt_fixtures               writes them to a temporary folder and
 *                                    runs inspect in-process with its 1st,
 *                                    2nd, ... allocation failing: each run
 *                                    must end with exit 2 and one error
 *                                    line, or succeed. */
#define _XOPEN_SOURCE 700
#include "ckpt_writer.h"
#include "harness.h"

#include "count_alloc.h"
#include "cli.h"


static FILE *expect_file;

static void expect(const char *name, uint64_t params, uint64_t bytes)
{
    if (expect_file)
        fprintf(expect_file, "%s %llu %llu\n", name, (unsigned long long)params,
                (unsigned long long)bytes);
}

static void config_file(const char *dir, const char *name, const struct ckw_model *m)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    char *cfg = ckw_config_json(m);
    ckw_write_file(p, cfg, strlen(cfg), strlen(cfg));
    free(cfg);
}

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
static const struct ckw_model qwen2 = {.family = "qwen2", .V = 300, .d = 256, .L = 2,
                                       .n_head = 8, .n_kv = 2, .f = 768, .n_ctx = 32768,
                                       .qkv_bias = true, .tied = true};

/* Llama-2-7B's shape (config.json of meta-llama/Llama-2-7b-hf), for the
 * README's `tmem inspect Llama-2-7b-hf` sample: 2 shards, sparse files */
static const struct ckw_model llama2_7b = {.family = "llama", .V = 32000, .d = 4096, .L = 32,
                                           .n_head = 32, .n_kv = 32, .f = 11008, .n_ctx = 4096};

static void hf(const char *root, const char *name, const struct ckw_model *m, bool is_gpt2,
               bool extra, unsigned k, bool no_config)
{
    char dir[512];
    uint64_t params, bytes;
    snprintf(dir, sizeof dir, "%s/%s", root, name);
    ckw_hf_folder(dir, m, is_gpt2, "BF16", extra, k, no_config, &params, &bytes);
    expect(name, params, bytes);
}

static void gguf_v(const char *root, const char *name, const char *arch,
                   const struct ckw_model *m, uint32_t wtype, uint32_t version, uint32_t align)
{
    char p[1100];
    struct ckw_gguf g;
    ckw_gguf_begin(&g, version, align);
    ckw_gguf_model(&g, arch, m, wtype);
    uint64_t params = g.params, bytes = g.bytes;
    snprintf(p, sizeof p, "%s/%s", root, name);
    ckw_gguf_write(&g, p);
    expect(name, params, bytes);
}

static void gguf(const char *root, const char *name, const char *arch, const struct ckw_model *m,
                 uint32_t wtype)
{
    gguf_v(root, name, arch, m, wtype, 3, 0);
}

/* ------------------------------------------------- quantized checkpoints */

/* Llama-3-8B's shape (config.json of meta-llama/Meta-Llama-3-8B) */
static const struct ckw_model llama3_8b = {.family = "llama", .V = 128256, .d = 4096, .L = 32,
                                           .n_head = 32, .n_kv = 8, .f = 14336, .n_ctx = 8192};

/* the quantized fixtures: Llama-3-8B in each format (sparse files) */
static void write_quant(const char *root)
{
    ckw_quant_folder(root, "llama3-8b-gptq", &llama3_8b, "F16", CKW_GPTQ, 4, 128, "float16", CKW_GPTQ_CFG);
    ckw_quant_folder(root, "llama3-8b-awq", &llama3_8b, "F16", CKW_AWQ, 4, 128, "float16", CKW_AWQ_CFG);
    ckw_quant_folder(root, "llama3-8b-fp8", &llama3_8b, "BF16", CKW_FP8_BLOCK, 8, 128, "bfloat16", CKW_FP8_CFG);
    ckw_quant_folder(root, "llama3-8b-nf4", &llama3_8b, "BF16", CKW_NF4_DQ, 4, 64, "bfloat16", CKW_NF4_CFG);
    ckw_quant_folder(root, "llama3-8b-w4a16", &llama3_8b, "BF16", CKW_W4A16, 4, 128, "bfloat16", CKW_W4A16_CFG);
    char p[700];
    struct ckw_gguf g;
    struct ckw_types ty;
    ckw_q4km_types(llama3_8b.L, &ty);
    ckw_gguf_begin(&g, 3, 0);
    ckw_gguf_model_t(&g, "llama", &llama3_8b, &ty, 15);
    snprintf(p, sizeof p, "%s/llama3-8b-q4km.gguf", root);
    ckw_gguf_write(&g, p);
    /* a small GPTQ folder (group 32) for the allocation-failure runs */
    ckw_quant_folder(root, "llama-gptq", &llama, "F16", CKW_GPTQ, 4, 32, "float16",
                     "{\"quant_method\":\"gptq\",\"bits\":4,\"group_size\":32}");
    /* contradictory and unknown configs: one error line each */
    static const struct {
        const char *name, *cfg;
        enum ckw_quant qz;
    } badq[] = {
        {"q-unknown", "{\"quant_method\":\"hqq\",\"nbits\":4}", CKW_GPTQ},
        {"q-bnb-both", "{\"quant_method\":\"bitsandbytes\",\"load_in_4bit\":true,\"load_in_8bit\":true}", CKW_NF4_DQ},
        {"q-gptq-bits", "{\"quant_method\":\"gptq\",\"bits\":5,\"group_size\":128}", CKW_GPTQ},
        {"q-gptq-on-fp8", "{\"quant_method\":\"gptq\",\"bits\":4,\"group_size\":128}", CKW_FP8_BLOCK},
        {"q-fp8-block", "{\"quant_method\":\"fp8\",\"weight_block_size\":[64,64]}", CKW_FP8_BLOCK},
        {"q-none-gptq", NULL, CKW_GPTQ},
    };
    for (size_t i = 0; i < sizeof badq / sizeof badq[0]; i++)
        ckw_quant_folder(root, badq[i].name, &llama, "F16", badq[i].qz, 4, 32, "float16", badq[i].cfg);
}

/* Llama-3.2-1B's shape (config.json of meta-llama/Llama-3.2-1B): 32 heads
 * of 64, which its weights alone (q 2048 wide, k 512) cannot tell from 16
 * of 128 */
static const struct ckw_model llama32_1b = {.family = "llama", .V = 128256, .d = 2048, .L = 16,
                                            .n_head = 32, .n_kv = 8, .d_head = 64, .f = 8192,
                                            .n_ctx = 131072, .tied = true};

/* ---------------------------------------------------------- malformed */

static FILE *cases;
static char bad_dir[600];

static void bad_case(const char *file, const char *field, uint64_t offset)
{
    fprintf(cases, "%s %s:%s: at byte %llu:\n", file, file, field, (unsigned long long)offset);
}

static void bad_st(const char *file, const char *hdr, uint64_t declared, uint64_t data,
                   const char *field, uint64_t offset)
{
    char p[1100];
    snprintf(p, sizeof p, "%s/%s", bad_dir, file);
    size_t hl = strlen(hdr);
    ckw_st_raw(p, declared ? declared : hl, hdr, hl, 8 + hl + data);
    bad_case(file, field, offset);
}

static void bad_gguf(const char *file, struct ckw_buf *b, uint64_t file_bytes, const char *field,
                     uint64_t offset)
{
    char p[1100];
    snprintf(p, sizeof p, "%s/%s", bad_dir, file);
    ckw_write_file(p, b->p, b->len, file_bytes ? file_bytes : b->len);
    ckw_free(b);
    bad_case(file, field, offset);
}

static void gguf_head(struct ckw_buf *b, const char *magic, uint32_t version, uint64_t n_t,
                      uint64_t n_kv)
{
    memset(b, 0, sizeof *b);
    ckw_put(b, magic, 4);
    ckw_u32(b, version);
    ckw_u64(b, n_t);
    ckw_u64(b, n_kv);
}

static void write_bad(const char *root)
{
    snprintf(bad_dir, sizeof bad_dir, "%s/bad", root);
    mkdir(bad_dir, 0755);
    char p[1100];
    snprintf(p, sizeof p, "%s/cases.txt", bad_dir);
    cases = fopen(p, "w");
    if (cases == NULL)
        abort();
    /* safetensors */
    bad_st("huge.safetensors", "{}", 200000000, 0, "header length", 0);
    bad_st("past.safetensors", "{}", 4096, 0, "header length", 0);
    bad_st("json.safetensors", "{\"a\":,}", 0, 0, "header", 13);
    bad_st("dtype.safetensors", "{\"w\":{\"dtype\":\"F12\",\"shape\":[2],\"data_offsets\":[0,4]}}",
           0, 4, "w.dtype", 9);
    bad_st("overlap.safetensors",
           "{\"a\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[0,8]},"
           "\"b\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[4,12]}}",
           0, 12, "b.data_offsets", 61);
    bad_st("gap.safetensors",
           "{\"a\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[0,8]},"
           "\"b\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[16,24]}}",
           0, 24, "b.data_offsets", 61);
    bad_st("overflow.safetensors",
           "{\"a\":{\"dtype\":\"U8\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,0]}}", 0,
           0, "a.shape", 9);
    const char *one = "{\"a\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[0,8]}}";
    bad_st("truncated.safetensors", one, 0, 5, "data_offsets", 8 + strlen(one) + 5);

    /* GGUF */
    struct ckw_buf b;
    gguf_head(&b, "GGUX", 3, 0, 0);
    bad_gguf("magic.gguf", &b, 0, "magic", 0);
    gguf_head(&b, "GGUF", 1, 0, 0);
    bad_gguf("version.gguf", &b, 0, "version", 4);
    gguf_head(&b, "GGUF", 3, 100000, 0);
    bad_gguf("count.gguf", &b, 0, "tensor_count", 8);
    gguf_head(&b, "GGUF", 3, 0, 1);
    ckw_str(&b, "general.name");
    ckw_u32(&b, 8);
    ckw_u64(&b, 1u << 20);
    bad_gguf("string.gguf", &b, 0, "general.name", 24 + 20 + 4);
    const uint64_t ne[5] = {32, 1, 1, 1, 1};
    gguf_head(&b, "GGUF", 3, 1, 0);
    ckw_str(&b, "t");
    ckw_u32(&b, 5);
    for (int i = 0; i < 5; i++)
        ckw_u64(&b, ne[i]);
    ckw_u32(&b, 0);
    ckw_u64(&b, 0);
    bad_gguf("dims.gguf", &b, 0, "t.n_dims", 33);
    gguf_head(&b, "GGUF", 3, 1, 0);
    ckw_str(&b, "t");
    ckw_u32(&b, 1);
    ckw_u64(&b, 32);
    ckw_u32(&b, 77);
    ckw_u64(&b, 0);
    bad_gguf("type.gguf", &b, 0, "t.type", 45);
    fclose(cases);
    cases = NULL;
}

/* Every fixture the command-line tests read. */
static void write_all(const char *root)
{
    char p[1100];
    mkdir(root, 0755);
    snprintf(p, sizeof p, "%s/expect.txt", root);
    expect_file = fopen(p, "w");
    if (expect_file == NULL)
        abort();
    hf(root, "llama", &llama, false, true, 1, false);
    hf(root, "llama-sharded", &llama, false, true, 3, false);
    hf(root, "llama-nocfg", &llama, false, false, 1, true);
    hf(root, "gpt2", &gpt2, true, true, 1, false);
    hf(root, "dsv3-nocfg", &dsv3, false, false, 4, true);
    hf(root, "Llama-2-7b-hf", &llama2_7b, false, true, 2, false);
    hf(root, "llama32-1b", &llama32_1b, false, false, 1, false);
    hf(root, "llama32-1b-nocfg", &llama32_1b, false, false, 1, true);
    gguf(root, "llama.gguf", "llama", &llama, CKW_Q8_0);
    gguf(root, "qwen2.gguf", "qwen2", &qwen2, CKW_Q4_K);
    gguf(root, "dsv3.gguf", "deepseek2", &dsv3, CKW_Q4_K);
    gguf_v(root, "llama-v2.gguf", "llama", &llama, CKW_F16, 2, 64);
    {
        /* llama.cpp's mamba / mamba2 / bert layouts (ckpt_writer.h) at
         * state-spaces/mamba-130m-hf's and bert-base-uncased's shapes, and a
         * small Mamba-2 */
        static const struct ckw_ssm m130 = {.V = 50280, .d = 768, .L = 24, .d_inner = 1536,
                                            .d_state = 16, .d_conv = 4, .dt_rank = 48, .tied = true};
        static const struct ckw_ssm m2 = {.V = 512, .d = 256, .L = 2, .d_inner = 512,
                                          .d_state = 64, .d_conv = 4, .n_ssm_head = 8,
                                          .n_group = 2, .tied = false};
        struct ckw_gguf g;
        ckw_gguf_begin(&g, 3, 0);
        ckw_gguf_ssm(&g, &m130);
        uint64_t params = g.params, bytes = g.bytes;
        snprintf(p, sizeof p, "%s/mamba-130m.gguf", root);
        ckw_gguf_write(&g, p);
        expect("mamba-130m.gguf", params, bytes);
        ckw_gguf_begin(&g, 3, 0);
        ckw_gguf_ssm(&g, &m2);
        params = g.params;
        bytes = g.bytes;
        snprintf(p, sizeof p, "%s/mamba2.gguf", root);
        ckw_gguf_write(&g, p);
        expect("mamba2.gguf", params, bytes);
        ckw_gguf_begin(&g, 3, 0);
        ckw_gguf_bert(&g, 30522, 768, 12, 12, 3072, 512, 2);
        params = g.params;
        bytes = g.bytes;
        snprintf(p, sizeof p, "%s/bert-base.gguf", root);
        ckw_gguf_write(&g, p);
        expect("bert-base.gguf", params, bytes);
        /* llama.cpp's hybrids: granite-4.0-h-tiny (head_count_kv per layer)
         * and Qwen3-Coder-Next (full_attention_interval) */
        static const struct {
            const char *file;
            const struct ckw_hybrid *m;
        } hyb[] = {{"granite-4.0-h-tiny.gguf", &ckw_granite_h_tiny},
                   {"qwen3-next.gguf", &ckw_qwen3_next}};
        for (size_t i = 0; i < sizeof hyb / sizeof hyb[0]; i++) {
            ckw_gguf_begin(&g, 3, 0);
            ckw_gguf_hybrid(&g, hyb[i].m);
            params = g.params;
            bytes = g.bytes;
            snprintf(p, sizeof p, "%s/%s", root, hyb[i].file);
            ckw_gguf_write(&g, p);
            expect(hyb[i].file, params, bytes);
        }
    }
    config_file(root, "config-llama.json", &llama);
    config_file(root, "config-dsv3.json", &dsv3);
    config_file(root, "config-qwen2.json", &qwen2);
    struct ckw_model untied = llama;
    untied.tied = true; /* a config that contradicts the llama folder's lm_head */
    config_file(root, "config-llama-tied.json", &untied);
    write_bad(root);
    write_quant(root);
    fclose(expect_file);
    expect_file = NULL;
}

/* ------------------------------------------------------ in-process runs */

static char tmp_root[200]; /* this run's scratch folder (scratch.h) */

static int run(const char *const *args, long *out_bytes, long *err_bytes)
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
    char po[300], pe[300];
    snprintf(po, sizeof po, "%s/run.out", tmp_root);
    snprintf(pe, sizeof pe, "%s/run.err", tmp_root);
    assert_non_null(freopen(po, "w", stdout));
    assert_non_null(freopen(pe, "w", stderr));
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

static void fail_each_allocation(const char *cmd, const char *what, const char *flag,
                                 const char *flag2)
{
    char path[300];
    snprintf(path, sizeof path, "%s/%s", tmp_root, what);
    const char *args[] = {"tmem", cmd, path, flag, flag ? flag2 : NULL, NULL};
    long out, err;
    count_alloc_fail_at(0);
    uint64_t before = count_alloc_fail_at(0);
    assert_int_equal(run(args, &out, &err), 0);
    uint64_t needed = count_alloc_fail_at(0) - before;
    assert_true(out > 0);
    for (uint64_t n = 1; n <= needed; n++) {
        count_alloc_fail_at(n);
        int rc = run(args, &out, &err);
        count_alloc_fail_at(0);
        if (rc == 0)
            continue;
        if (rc != 2 || out != 0 || err == 0)
            fail_msg("%s %s: allocation %llu of %llu failed: exit %d, %ld B out, %ld B err",
                     cmd, what, (unsigned long long)n, (unsigned long long)needed, rc, out, err);
    }
    char flags[40];
    snprintf(flags, sizeof flags, "%s %s", flag ? flag : "", flag && flag2 ? flag2 : "");
    print_message("  %-7s %-16s %-19s %5llu allocations, each failed once: clean\n", cmd, what,
                  flags, (unsigned long long)needed);
}

static void inspect_survives_every_failed_allocation(void **state)
{
    (void)state;
    fail_each_allocation("inspect", "llama-sharded", "--json", NULL);
    fail_each_allocation("inspect", "gpt2", "--tensors", NULL);
    fail_each_allocation("inspect", "llama.gguf", "--json", NULL);
    fail_each_allocation("inspect", "dsv3.gguf", NULL, NULL);
    /* the streamed tensors array: a document under its 4 MiB buffer is
     * still printed whole or not at all */
    fail_each_allocation("inspect", "dsv3.gguf", "--json", "--tensors");
    /* infer reads how the checkpoint stores its weights: that path too */
    fail_each_allocation("infer", "llama-gptq", "--json", NULL);
    fail_each_allocation("infer", "llama.gguf", NULL, NULL);
}

static void malformed_fixtures_fail_cleanly(void **state)
{
    (void)state;
    char p[300], line[512];
    snprintf(p, sizeof p, "%s/bad/cases.txt", tmp_root);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    unsigned n = 0;
    while (fgets(line, sizeof line, f)) {
        char *sp = strchr(line, ' ');
        assert_non_null(sp);
        *sp = '\0';
        char path[800];
        snprintf(path, sizeof path, "%s/bad/%.500s", tmp_root, line);
        const char *args[] = {"tmem", "inspect", path, NULL};
        long out, err;
        assert_int_equal(run(args, &out, &err), 2);
        assert_int_equal(out, 0);
        assert_true(err > 0);
        n++;
    }
    fclose(f);
    assert_true(n >= 14);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write") == 0) {
        write_all(argv[2]);
        return 0;
    }
    if (argc != 1) {
        fprintf(stderr, "usage: %s [--write DIR]\n", argv[0]);
        return 2;
    }
    if (ckw_scratch_dir(tmp_root, sizeof tmp_root, "tmem-fx") != 0)
        return 1;
    write_all(tmp_root);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(malformed_fixtures_fail_cleanly),
        cmocka_unit_test(inspect_survives_every_failed_allocation),
    };
    int rc = cmocka_run_group_tests_name("inspect: fixtures, allocation failure", tests, NULL, NULL);
    ckw_remove_tree(tmp_root);
    return rc;
}
