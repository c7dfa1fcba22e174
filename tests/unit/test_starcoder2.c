/* test_starcoder2.c — StarCoder2, the family added by its descriptor alone
 * (one row in include/tmem/families.h): its real config.json against a
 * hand calculation and the published size, its dropouts read from that
 * config, and the same model recognised from safetensors names and from a
 * GGUF with no config at all.
 *
 * REF HF transformers models/starcoder2 (modular_starcoder2.py,
 * configuration_starcoder2.py): Starcoder2Attention = LlamaAttention with
 * q/k/v/o biases (use_bias), Starcoder2MLP = c_fc (d → d_ff, bias), GELU,
 * c_proj (d_ff → d, bias); nn.LayerNorm (weight + bias) as input_layernorm,
 * post_attention_layernorm and the final norm; tie_word_embeddings true. */
#define _XOPEN_SOURCE 700 /* nftw, for ckpt_writer.h */
#include "ckpt_writer.h"
#include "harness.h"

#include "ckpt_load.h"
#include "tmem/read.h"
#include "reader.h"
#include "tmem/train.h"

/* bigcode/starcoder2-3b config.json (architecture keys as published) */
static const char starcoder2_3b[] =
    "{\"architectures\": [\"Starcoder2ForCausalLM\"], \"attention_dropout\": 0.1, "
    "\"residual_dropout\": 0.1, \"embedding_dropout\": 0.1, \"bos_token_id\": 0, "
    "\"eos_token_id\": 0, \"hidden_act\": \"gelu_pytorch_tanh\", \"hidden_size\": 3072, "
    "\"initializer_range\": 0.018042, \"intermediate_size\": 12288, "
    "\"layer_norm_epsilon\": 1e-05, \"max_position_embeddings\": 16384, \"mlp_type\": \"default\", "
    "\"model_type\": \"starcoder2\", \"norm_type\": \"layer_norm\", \"num_attention_heads\": 24, "
    "\"num_hidden_layers\": 30, \"num_key_value_heads\": 2, \"rope_theta\": 999999.4420358813, "
    "\"sliding_window\": 4096, \"torch_dtype\": \"bfloat16\", \"use_bias\": true, "
    "\"use_cache\": true, \"vocab_size\": 49152}";

static void parse(const char *text, struct tmem_model *m, struct tmem_inventory *inv)
{
    struct tmem_model raw;
    struct tmem_error err = {0};
    if (tmem_hf_config_parse(text, strlen(text), "config.json", NULL, &raw, &err) != TMEM_OK ||
        tmem_model_resolve(&raw, m, &err) != TMEM_OK || tmem_inventory_build(m, inv, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
}

/* EVIDENCE: the StarCoder2-3B model card lists 3.03B parameters (HF
 * safetensors metadata; promptlayer.com/models/starcoder2-3b quotes
 * "Parameter Count 3.03B"). Hand calculation from the config, d 3072,
 * L 30, a 24, n_kv 2, d_head 128, d_ff 12288, V 49152, tied:
 *   embed_tokens  49152 · 3072                         =   150,994,944
 *   q, o          2 · (3072 · 3072 + 3072)             =    18,880,512
 *   k, v          2 · (3072 · 256 + 256)               =     1,573,376
 *   c_fc, c_proj  3072 · 12288 + 12288 + 12288 · 3072 + 3072 = 75,512,832
 *   2 LayerNorms  2 · 2 · 3072                         =        12,288
 *   per layer                                           =    95,979,008
 *   30 layers                                           = 2,879,370,240
 *   final norm    2 · 3072                              =         6,144
 *   total                                               = 3,030,371,328 */
static void starcoder2_3b_counts_its_published_total(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    parse(starcoder2_3b, &m, &inv);
    check_group_sum(&inv);
    assert_string_equal(tmem_family_info(m.family)->name, "starcoder2");
    const uint64_t d = 3072, L = 30, kv = 2 * 128, f = 12288, V = 49152;
    const uint64_t layer = 2 * (d * d + d) + 2 * (d * kv + kv) + (d * f + f + f * d + d) + 2 * 2 * d;
    assert_int_equal(layer, UINT64_C(95979008));
    assert_int_equal(inv.group_params[TMEM_GROUP_EMBEDDING], V * d);
    assert_int_equal(inv.group_params[TMEM_GROUP_LM_HEAD], 0); /* tied */
    assert_int_equal(inv.group_params[TMEM_GROUP_MLP], L * (d * f + f + f * d + d));
    assert_int_equal(inv.group_params[TMEM_GROUP_NORM], L * 4 * d + 2 * d);
    assert_int_equal(inv.total_params, UINT64_C(3030371328));
    assert_int_equal(inv.total_params, V * d + L * layer + 2 * d);
    /* the published 3.03B, to its 3 significant figures */
    assert_int_equal((inv.total_params + 5000000) / 10000000, 303);
    assert_int_equal(m.sliding_window, 4096);
    assert_int_equal(m.n_kv_head, 2);
    assert_int_equal(m.d_head, 128);
}

/* The built-in preset is the same config: the same hand-calculated total. */
static void the_preset_counts_the_same(void **state)
{
    (void)state;
    const struct tmem_preset *p = tmem_preset_find("bigcode/starcoder2-3b");
    assert_non_null(p);
    struct tmem_model m;
    static struct tmem_inventory inv;
    parse(p->config_json, &m, &inv);
    assert_int_equal(inv.total_params, UINT64_C(3030371328));
}

/* use_bias false drops every linear bias (LayerNorm biases stay):
 * 30 · (3072 + 256 + 256 + 3072 + 12288 + 3072) = 30 · 22,016 = 660,480. */
static void use_bias_false_drops_the_linear_biases(void **state)
{
    (void)state;
    char text[sizeof starcoder2_3b + 16];
    snprintf(text, sizeof text, "%s", starcoder2_3b);
    char *b = strstr(text, "\"use_bias\": true");
    assert_non_null(b);
    memcpy(b, "\"use_bias\":false", 16);
    struct tmem_model m;
    static struct tmem_inventory inv;
    parse(text, &m, &inv);
    assert_int_equal(inv.total_params, UINT64_C(3030371328) - UINT64_C(660480));
}

/* The 3B config sets all three dropouts to 0.1: eager attention keeps the
 * dropout mask and output of the fp32-upcast softmax. Per score element
 * under fp16-mixed (c = 2): softmax 4 + mask 1 + output 4 + copy 2 = 11
 * bytes; residual masks 2 × b·s × d_model per layer; the embedding mask
 * b·s × d_model. b 1, s 64: scores 30·24·64·64·11 = 32,440,320; masks
 * 30 · 2 · 64 · 3072 = 11,796,480. */
static void starcoder2_dropouts_come_from_its_config(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    parse(starcoder2_3b, &m, &inv);
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.precision = TMEM_PRECISION_FP16_MIXED;
    o.attention = TMEM_ATTENTION_NAIVE;
    o.seq = 64;
    o.micro_batch = 1;
    struct tmem_train_result r;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, 0, &r, NULL), TMEM_OK);
    assert_true(r.dropout && r.rope && r.softmax_fp32);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_SCORES], UINT64_C(32440320));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_MASKS], UINT64_C(11796480));
}

/* A small StarCoder2 (d 64, L 2, a 4, n_kv 2, d_ff 256, V 100, tied):
 *   embed 100·64 = 6,400; per layer q, o 2·(64·64+64) = 8,320,
 *   k, v 2·(64·32+32) = 4,160, c_fc + c_proj 64·256+256+256·64+64 = 33,088,
 *   norms 4·64 = 256: 45,824; 2 layers 91,648; final norm 128.
 *   total 98,176. */
#define SMALL_TOTAL UINT64_C(98176)

static void small_from_safetensors_names(void **state)
{
    (void)state;
    char dir[64], path[128], name[128];
    assert_int_equal(ckw_scratch_dir(dir, sizeof dir, "tmem-starcoder2"), 0);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    struct ckw_st s;
    ckw_st_begin(&s);
    ckw_st_add2(&s, "model.embed_tokens.weight", "BF16", 100, 64);
    for (int l = 0; l < 2; l++) {
        static const struct {
            const char *what;
            uint64_t rows, cols;
        } t[] = {
            {"input_layernorm.weight", 64, 0}, {"input_layernorm.bias", 64, 0},
            {"self_attn.q_proj.weight", 64, 64}, {"self_attn.q_proj.bias", 64, 0},
            {"self_attn.k_proj.weight", 32, 64}, {"self_attn.k_proj.bias", 32, 0},
            {"self_attn.v_proj.weight", 32, 64}, {"self_attn.v_proj.bias", 32, 0},
            {"self_attn.o_proj.weight", 64, 64}, {"self_attn.o_proj.bias", 64, 0},
            {"post_attention_layernorm.weight", 64, 0}, {"post_attention_layernorm.bias", 64, 0},
            {"mlp.c_fc.weight", 256, 64}, {"mlp.c_fc.bias", 256, 0},
            {"mlp.c_proj.weight", 64, 256}, {"mlp.c_proj.bias", 64, 0},
        };
        for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
            snprintf(name, sizeof name, "model.layers.%d.%s", l, t[i].what);
            ckw_st_add2(&s, name, "BF16", t[i].rows, t[i].cols);
        }
    }
    ckw_st_add2(&s, "model.norm.weight", "BF16", 64, 0);
    ckw_st_add2(&s, "model.norm.bias", "BF16", 64, 0);
    assert_int_equal(s.params, SMALL_TOTAL);
    ckw_st_write(&s, path);

    struct tmem_model m;
    static struct tmem_inventory inv;
    ckl_load_model(path, &m, &inv);
    assert_string_equal(tmem_family_info(m.family)->name, "starcoder2");
    assert_int_equal(m.norm, TMEM_NORM_LAYERNORM);
    assert_int_equal(m.mlp, TMEM_MLP_PLAIN);
    assert_int_equal(m.d_ff, 256);
    assert_true(m.qkv_bias && m.o_bias && m.mlp_bias && m.tied);
    assert_int_equal(inv.total_params, SMALL_TOTAL);
    assert_int_equal(ckw_remove_tree(dir), 0);
}

/* llama.cpp writes StarCoder2 as general.architecture "starcoder2" with
 * tensors attn_norm(.bias), attn_q/k/v/output(.bias), ffn_norm(.bias),
 * ffn_up/down(.bias), output_norm(.bias), no output.weight when tied. */
static void small_from_gguf(void **state)
{
    (void)state;
    char dir[64], path[128], name[128];
    assert_int_equal(ckw_scratch_dir(dir, sizeof dir, "tmem-starcoder2"), 0);
    snprintf(path, sizeof path, "%s/sc2.gguf", dir);
    struct ckw_gguf g;
    ckw_gguf_begin(&g, 3, 0);
    ckw_kv_str(&g, "general.architecture", "starcoder2");
    ckw_kv_u32(&g, "starcoder2.embedding_length", 64);
    ckw_kv_u32(&g, "starcoder2.block_count", 2);
    ckw_kv_u32(&g, "starcoder2.attention.head_count", 4);
    ckw_kv_u32(&g, "starcoder2.attention.head_count_kv", 2);
    ckw_kv_u32(&g, "starcoder2.context_length", 128);
    ckw_kv_u32(&g, "starcoder2.feed_forward_length", 256);
    ckw_tensor(&g, "token_embd.weight", 0, 2, 64, 100, 1, 1);
    for (int l = 0; l < 2; l++) {
        static const struct {
            const char *what;
            uint64_t ne0, ne1;
            unsigned n;
        } t[] = {
            {"attn_norm.weight", 64, 1, 1}, {"attn_norm.bias", 64, 1, 1},
            {"attn_q.weight", 64, 64, 2}, {"attn_q.bias", 64, 1, 1},
            {"attn_k.weight", 64, 32, 2}, {"attn_k.bias", 32, 1, 1},
            {"attn_v.weight", 64, 32, 2}, {"attn_v.bias", 32, 1, 1},
            {"attn_output.weight", 64, 64, 2}, {"attn_output.bias", 64, 1, 1},
            {"ffn_norm.weight", 64, 1, 1}, {"ffn_norm.bias", 64, 1, 1},
            {"ffn_up.weight", 64, 256, 2}, {"ffn_up.bias", 256, 1, 1},
            {"ffn_down.weight", 256, 64, 2}, {"ffn_down.bias", 64, 1, 1},
        };
        for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
            snprintf(name, sizeof name, "blk.%d.%s", l, t[i].what);
            ckw_tensor(&g, name, 0, t[i].n, t[i].ne0, t[i].ne1, 1, 1);
        }
    }
    ckw_tensor(&g, "output_norm.weight", 0, 1, 64, 1, 1, 1);
    ckw_tensor(&g, "output_norm.bias", 0, 1, 64, 1, 1, 1);
    assert_int_equal(g.params, SMALL_TOTAL);
    ckw_gguf_write(&g, path);

    struct tmem_model m;
    static struct tmem_inventory inv;
    ckl_load_model(path, &m, &inv);
    assert_string_equal(tmem_family_info(m.family)->name, "starcoder2");
    assert_int_equal(m.norm, TMEM_NORM_LAYERNORM);
    assert_int_equal(inv.total_params, SMALL_TOTAL);
    assert_int_equal(ckw_remove_tree(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(starcoder2_3b_counts_its_published_total),
        cmocka_unit_test(the_preset_counts_the_same),
        cmocka_unit_test(use_bias_false_drops_the_linear_biases),
        cmocka_unit_test(starcoder2_dropouts_come_from_its_config),
        cmocka_unit_test(small_from_safetensors_names),
        cmocka_unit_test(small_from_gguf),
    };
    return cmocka_run_group_tests_name("starcoder2", tests, NULL, NULL);
}
