/* test_stored.c — `infer`'s weights as a checkpoint stores them, against
 * hand calculations written here: Llama-3-8B (d_model 4096, 32 layers, 32
 * heads, 8 KV heads, d_ff 14336, n_vocab 128256, untied) written with the
 * real tensor names, dtypes and shapes of each format (ckpt_writer.h,
 * sparse files in a private folder), read back by the library, its weight
 * bytes compared with the format's bytes tensor by tensor, computed in
 * this file: bits × params + scales and zeros. Also: what the file wrote
 * (the writer's own dtype sizes) where the format stores nothing else,
 * GPTQ act order under tensor parallel (vLLM keeps every group's scales on
 * a row-parallel share), and the error contract for configs tmem cannot
 * read or that contradict the tensors. */
#define _XOPEN_SOURCE 700
#include "ckpt_writer.h"
#include "harness.h"

#include "tmem/checkpoint.h"
#include "reader.h"
#include "tmem/infer.h"

static char root[256];

static const struct ckw_model l3 = {.family = "llama", .V = 128256, .d = 4096, .L = 32,
                                    .n_head = 32, .n_kv = 8, .f = 14336, .n_ctx = 8192};

/* the 7 matrices of a Llama-3-8B layer, in × out (one rank's share: tp
 * splits the outputs of q, k, v, gate, up and the inputs of o, down) */
struct mat {
    uint64_t in, out;
    bool row_parallel;
};
static void layer_mats(uint64_t tp, struct mat m[7])
{
    const uint64_t d = 4096, q = 4096, kv = 1024, f = 14336;
    m[0] = (struct mat){d, q / tp, false};      /* q_proj */
    m[1] = (struct mat){d, kv / tp, false};     /* k_proj (8 KV heads, tp ≤ 8) */
    m[2] = (struct mat){d, kv / tp, false};     /* v_proj */
    m[3] = (struct mat){q / tp, d, true};       /* o_proj */
    m[4] = (struct mat){d, f / tp, false};      /* gate_proj */
    m[5] = (struct mat){d, f / tp, false};      /* up_proj */
    m[6] = (struct mat){f / tp, d, true};       /* down_proj */
}

/* the unquantized rest at 2 B: embed_tokens and lm_head (vocab rows split
 * by tp), 2 norms per layer and the final norm (replicated) */
static uint64_t rest_16bit(uint64_t tp)
{
    return (2 * (128256 / tp) * 4096 + (2 * 32 + 1) * 4096) * 2;
}

/* serves MODEL path with --tp tp; returns the weight bytes */
static uint64_t stored_weights(const char *path, uint64_t tp, const char *want_name)
{
    struct tmem_model raw, m;
    struct tmem_error err = {0};
    assert_int_equal(tmem_model_load(path, NULL, &raw, &err), TMEM_OK);
    assert_int_equal(tmem_model_resolve(&raw, &m, &err), TMEM_OK);
    struct tmem_inventory inv;
    assert_int_equal(tmem_inventory_build(&m, &inv, &err), TMEM_OK);
    assert_int_equal(inv.total_params, U64(8030261248)); /* Meta's published 8.03B */
    struct tmem_ckpt_weights w;
    if (tmem_weights_for_model(path, NULL, &m, &w, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    assert_true(w.w.n_stores > 0);
    assert_string_equal(w.w.name, want_name);
    struct tmem_infer_opts o;
    tmem_infer_defaults(&o);
    o.gpu = tmem_gpu_find("h100-sxm");
    o.tp = tp;
    o.stored = &w.w;
    struct tmem_infer_result *r = malloc(sizeof *r);
    assert_non_null(r);
    if (tmem_infer_build(&m, &inv, &o, r, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    uint64_t bytes = r->weight_bytes;
    free(r);
    tmem_ckpt_weights_free(&w);
    return bytes;
}

static const char *at(char *buf, const char *name)
{
    snprintf(buf, 512, "%s/%s", root, name);
    return buf;
}

/* GPTQ 4-bit, group 128 (AutoGPTQ): per matrix in·out/2 qweight + (in/128)·out
 * × (2 B fp16 scale + 0.5 B zero) + in × 4 B g_idx */
static void gptq_4bit_g128(void **state)
{
    (void)state;
    char p[512];
    uint64_t written = ckw_quant_folder(root, "gptq", &l3, "F16", CKW_GPTQ, 4, 128, "float16",
                                        CKW_GPTQ_CFG);
    struct mat m[7];
    layer_mats(1, m);
    uint64_t hand = 0;
    for (int i = 0; i < 7; i++)
        hand += 32 * (m[i].in * m[i].out / 2 + m[i].in / 128 * m[i].out * 2 +
                      m[i].in / 128 * m[i].out / 2 + m[i].in * 4);
    hand += rest_16bit(1);
    /* 3,489,660,928 qweight + 141,295,616 scales/zeros/g_idx + 2,101,878,784 fp16 */
    assert_int_equal(hand, U64(5732835328));
    assert_int_equal(written, hand); /* GPTQ stores nothing else */
    assert_int_equal(stored_weights(at(p, "gptq"), 1, "gptq 4-bit g128"), hand);
}

/* AWQ (GEMM, 4-bit, group 128): GPTQ's bytes without g_idx */
static void awq_4bit_g128(void **state)
{
    (void)state;
    char p[512];
    uint64_t written =
        ckw_quant_folder(root, "awq", &l3, "F16", CKW_AWQ, 4, 128, "float16", CKW_AWQ_CFG);
    struct mat m[7];
    layer_mats(1, m);
    uint64_t hand = 0;
    for (int i = 0; i < 7; i++)
        hand += 32 * (m[i].in * m[i].out / 2 + m[i].in / 128 * m[i].out * 5 / 2);
    hand += rest_16bit(1);
    assert_int_equal(hand, U64(5727854592));
    assert_int_equal(written, hand);
    assert_int_equal(stored_weights(at(p, "awq"), 1, "awq 4-bit g128"), hand);
}

/* FP8, block 128 × 128 (weight_scale_inv): 1 B per weight + an fp32 per block */
static void fp8_block_128(void **state)
{
    (void)state;
    char p[512];
    uint64_t written = ckw_quant_folder(root, "fp8", &l3, "BF16", CKW_FP8_BLOCK, 8, 128,
                                        "bfloat16", CKW_FP8_CFG);
    struct mat m[7];
    layer_mats(1, m);
    uint64_t hand = 0;
    for (int i = 0; i < 7; i++)
        hand += 32 * (m[i].in * m[i].out + (m[i].in + 127) / 128 * ((m[i].out + 127) / 128) * 4);
    hand += rest_16bit(1);
    assert_int_equal(hand, U64(9082904576));
    assert_int_equal(written, hand);
    assert_int_equal(stored_weights(at(p, "fp8"), 1, "fp8 block 128x128"), hand);
}

/* bitsandbytes NF4 with double quant: n/2 + n/64 int8 absmax + an fp32
 * absmax2 per 256 blocks + fp32 offset + 16- and 256-entry fp32 code tables */
static void bnb_nf4_double_quant(void **state)
{
    (void)state;
    char p[512];
    ckw_quant_folder(root, "nf4", &l3, "BF16", CKW_NF4_DQ, 4, 64, "bfloat16", CKW_NF4_CFG);
    struct mat m[7];
    layer_mats(1, m);
    uint64_t hand = 0;
    for (int i = 0; i < 7; i++) {
        uint64_t n = m[i].in * m[i].out, blocks = n / 64;
        hand += 32 * (n / 2 + blocks + (blocks + 255) / 256 * 4 + 4 + 16 * 4 + 256 * 4);
    }
    hand += rest_16bit(1);
    assert_int_equal(hand, U64(5702540160));
    assert_int_equal(stored_weights(at(p, "nf4"), 1, "bnb nf4 double-quant"), hand);
}

/* compressed-tensors W4A16 (symmetric, group 128): n/2 + a bf16 scale per
 * group, no zero points; lm_head ignored (bf16) */
static void ct_w4a16(void **state)
{
    (void)state;
    char p[512];
    ckw_quant_folder(root, "w4a16", &l3, "BF16", CKW_W4A16, 4, 128, "bfloat16", CKW_W4A16_CFG);
    struct mat m[7];
    layer_mats(1, m);
    uint64_t hand = 0;
    for (int i = 0; i < 7; i++)
        hand += 32 * (m[i].in * m[i].out / 2 + m[i].in / 128 * m[i].out * 2);
    hand += rest_16bit(1);
    assert_int_equal(hand, U64(5700591616));
    assert_int_equal(stored_weights(at(p, "w4a16"), 1, "W4A16 g128"), hand);
}

/* GPTQ with desc_act under tp 2: vLLM keeps every group's scales and zeros
 * on the row-parallel o_proj and down_proj shares (gptq.py create_weights);
 * g_idx follows the share */
static void gptq_act_order_tp2(void **state)
{
    (void)state;
    char p[512];
    const char *cfg = "{\"quant_method\":\"gptq\",\"bits\":4,\"group_size\":128,\"desc_act\":true}";
    ckw_quant_folder(root, "gptq-act", &l3, "F16", CKW_GPTQ, 4, 128, "float16", cfg);
    struct mat m[7];
    layer_mats(2, m);
    uint64_t hand = 0;
    for (int i = 0; i < 7; i++) {
        uint64_t groups = (m[i].row_parallel ? m[i].in * 2 : m[i].in) / 128;
        hand += 32 * (m[i].in * m[i].out / 2 + groups * m[i].out * 5 / 2 + m[i].in * 4);
    }
    hand += rest_16bit(2);
    /* 1,744,830,464 qweight + 95,551,488 scales/zeros/g_idx (row-parallel
     * o_proj 32 × 4096 and down_proj 112 × 4096 groups whole) + 1,051,205,632 fp16 */
    assert_int_equal(hand, U64(2891587584));
    assert_int_equal(stored_weights(at(p, "gptq-act"), 2, "gptq 4-bit g128 act-order"), hand);
}

/* Q4_K_M GGUF with the types llama.cpp writes tensor by tensor: Q4_K (144 B
 * per 256), Q6_K (210 B per 256) for the output and the use_more_bits
 * layers' attn_v and ffn_down, F32 norms */
static void gguf_q4_k_m(void **state)
{
    (void)state;
    char p[512];
    struct ckw_gguf g;
    struct ckw_types ty;
    ckw_q4km_types(32, &ty);
    ckw_gguf_begin(&g, 3, 0);
    ckw_gguf_model_t(&g, "llama", &l3, &ty, 15);
    uint64_t written = g.bytes;
    ckw_gguf_write(&g, at(p, "q4km.gguf"));
    /* use_more_bits over 32 layers: 0..3, 28..31 and 4 + 3k + 2 for k = 0..7
     * (6, 9, ..., 27): 16 layers */
    uint64_t more = 0;
    for (uint64_t i = 0; i < 32; i++)
        more += i < 4 || i >= 28 || (i >= 4 && (i - 4) % 3 == 2);
    assert_int_equal(more, 16);
    const uint64_t d = 4096, kv = 1024, f = 14336, V = 128256;
    uint64_t q4 = 0, q6 = 0, f32 = 0; /* elements */
    q4 += V * d;                                   /* token_embd */
    q6 += V * d;                                   /* output */
    q4 += 32 * (d * d + d * kv + d * d + 2 * d * f); /* q, k, o, gate, up */
    q6 += more * (d * kv + f * d);                 /* attn_v, ffn_down */
    q4 += (32 - more) * (d * kv + f * d);
    f32 += 32 * 2 * d + d;
    uint64_t hand = q4 / 256 * 144 + q6 / 256 * 210 + f32 * 4;
    assert_int_equal(hand, U64(4912898048)); /* = infer.sh's --weights q4_k_m figure */
    assert_int_equal(written, hand);
    assert_int_equal(stored_weights(p, 1, "Q4_K_M"), hand);
}

/* an F32 checkpoint: HF serves the 4 B it loads; vLLM's dtype auto casts a
 * float32 model to 16 bits. A small Llama (V 1000, d 64, 3 layers, 4 heads
 * of 16, 2 KV heads, d_ff 192, untied): 2 × 1000 × 64 embeddings + 3 ×
 * (64·64 + 2·64·32 + 64·64 + 3·64·192 + 2·64 norms) + 64 = 275,904 params */
static void f32_checkpoint_by_engine(void **state)
{
    (void)state;
    static const struct ckw_model small = {.family = "llama", .V = 1000, .d = 64, .L = 3,
                                           .n_head = 4, .n_kv = 2, .f = 192, .n_ctx = 2048};
    char p[512];
    uint64_t params, bytes;
    ckw_hf_folder(at(p, "f32"), &small, false, "F32", false, 1, false, &params, &bytes);
    const uint64_t hand = 2 * 1000 * 64 + 3 * (64 * 64 + 2 * 64 * 32 + 64 * 64 + 3 * 64 * 192 + 2 * 64) + 64;
    assert_int_equal(hand, 275904);
    assert_int_equal(params, hand);
    struct tmem_model raw, m;
    struct tmem_error err = {0};
    assert_int_equal(tmem_model_load(p, NULL, &raw, &err), TMEM_OK);
    assert_int_equal(tmem_model_resolve(&raw, &m, &err), TMEM_OK);
    struct tmem_inventory inv;
    assert_int_equal(tmem_inventory_build(&m, &inv, &err), TMEM_OK);
    struct tmem_ckpt_weights w;
    assert_int_equal(tmem_weights_for_model(p, NULL, &m, &w, &err), TMEM_OK);
    assert_string_equal(w.w.name, "F32");
    struct tmem_infer_opts o;
    tmem_infer_defaults(&o);
    o.gpu = tmem_gpu_find("h100-sxm");
    o.stored = &w.w;
    struct tmem_infer_result *r = malloc(sizeof *r);
    assert_non_null(r);
    o.engine = TMEM_ENGINE_HF;
    assert_int_equal(tmem_infer_build(&m, &inv, &o, r, &err), TMEM_OK);
    assert_int_equal(r->weight_bytes, hand * 4);
    o.engine = TMEM_ENGINE_VLLM;
    assert_int_equal(tmem_infer_build(&m, &inv, &o, r, &err), TMEM_OK);
    assert_int_equal(r->weight_bytes, hand * 2);
    assert_non_null(strstr(r->ledger.entries[0].label, "F32 tensors as 16-bit (vLLM)"));
    free(r);
    tmem_ckpt_weights_free(&w);
}

/* one error line for each config tmem cannot read or that contradicts the file */
static void bad_configs_are_errors(void **state)
{
    (void)state;
    static const struct ckw_model small = {.family = "llama", .V = 1000, .d = 64, .L = 3,
                                           .n_head = 4, .n_kv = 2, .f = 192, .n_ctx = 2048};
    static const struct {
        const char *name, *cfg, *where, *msg;
        enum ckw_quant qz;
        enum tmem_status code;
    } cases[] = {
        {"u", "{\"quant_method\":\"hqq\"}", "quantization_config.quant_method",
         "is not a method tmem reads", CKW_GPTQ, TMEM_ERR_UNSUPPORTED},
        {"b", "{\"quant_method\":\"bitsandbytes\",\"load_in_4bit\":true,\"load_in_8bit\":true}",
         "quantization_config.load_in_4bit", "both true", CKW_NF4_DQ, TMEM_ERR_INCONSISTENT},
        {"g5", "{\"quant_method\":\"gptq\",\"bits\":5}", "quantization_config.bits",
         "packs 2, 3, 4 or 8 bits", CKW_GPTQ, TMEM_ERR_UNSUPPORTED},
        {"gf", "{\"quant_method\":\"gptq\",\"bits\":4,\"group_size\":32}",
         "model.layers.0.self_attn.q_proj.weight", "contradicts", CKW_FP8_BLOCK,
         TMEM_ERR_INCONSISTENT},
        {"f64", "{\"quant_method\":\"fp8\",\"weight_block_size\":[64,64]}",
         "quantization_config.weight_block_size", "[128, 128]", CKW_FP8_BLOCK,
         TMEM_ERR_UNSUPPORTED},
        {"n", NULL, "model.layers.0.self_attn.q_proj.qweight", "no quantization_config",
         CKW_GPTQ, TMEM_ERR_INCONSISTENT},
        {"gs", "{\"quant_method\":\"gptq\",\"bits\":4,\"group_size\":\"128\"}",
         "quantization_config.group_size", "expected an integer", CKW_GPTQ, TMEM_ERR_SCHEMA},
        {"ct", "{\"quant_method\":\"compressed-tensors\",\"config_groups\":{\"g\":{\"weights\":"
               "{\"num_bits\":2,\"type\":\"int\",\"strategy\":\"tensor\"}}}}",
         "quantization_config.config_groups", "not a scheme tmem knows", CKW_W4A16,
         TMEM_ERR_UNSUPPORTED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char p[512];
        ckw_quant_folder(root, cases[i].name, &small, "F16", cases[i].qz, 4, 32, "float16",
                         cases[i].cfg);
        struct tmem_model raw, m;
        struct tmem_error err = {0};
        assert_int_equal(tmem_model_load(at(p, cases[i].name), NULL, &raw, &err), TMEM_OK);
        assert_int_equal(tmem_model_resolve(&raw, &m, &err), TMEM_OK);
        struct tmem_ckpt_weights w;
        enum tmem_status st = tmem_weights_for_model(p, NULL, &m, &w, &err);
        if (st != cases[i].code || strstr(err.where, cases[i].where) == NULL ||
            strstr(err.msg, cases[i].msg) == NULL)
            fail_msg("%s: status %d, %s: %s", cases[i].name, st, err.where, err.msg);
        assert_int_equal(w.w.n_stores, 0);
        assert_null(w.table);
    }
}

int main(void)
{
    if (ckw_scratch_dir(root, sizeof root, "tmem-stored") != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gptq_4bit_g128),       cmocka_unit_test(awq_4bit_g128),
        cmocka_unit_test(fp8_block_128),        cmocka_unit_test(bnb_nf4_double_quant),
        cmocka_unit_test(ct_w4a16),             cmocka_unit_test(gptq_act_order_tp2),
        cmocka_unit_test(gguf_q4_k_m),          cmocka_unit_test(f32_checkpoint_by_engine),
        cmocka_unit_test(bad_configs_are_errors),
    };
    int rc = cmocka_run_group_tests_name("weights as stored", tests, NULL, NULL);
    ckw_remove_tree(root);
    return rc;
}
