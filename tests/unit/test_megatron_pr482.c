/* test_megatron_pr482.c — Megatron-LM's GPTModel (family megatron_gpt, one
 * row in include/tmem/families.h) and the 7B configuration of Megatron-LM
 * PR #482 (tools/get_training_info, https://github.com/NVIDIA/Megatron-LM/pull/482):
 * its parameters by hand against the PR's printed count, and what one layer
 * saves under --kernels local (Megatron's --transformer-impl local path the PR
 * measured) by hand. The PR's measured peaks are rows of
 * tests/accuracy/megatron_pr482.tsv: its README takes "the output of
 * torch.cuda.max_memory_allocated() in Megatron's report_memory after training
 * several iterations as the actual value" (69.1, 55.7, 49.8, 28.8 GB, which
 * get_training_info.py's memory_giga_bytes makes GiB: / 1024^3), so the
 * comparison is with peak.allocated.
 *
 * REF Megatron-LM megatron/model/language_model.py (Embedding: word (V, d),
 * position (max_position_embeddings, d)), megatron/model/transformer.py
 * (ParallelTransformerLayer: input_layernorm, query_key_value (3·d, d) + bias,
 * dense (d, d) + bias, post_attention_layernorm, ParallelMLP dense_h_to_4h
 * (2·d_ff, d) + bias under --swiglu, dense_4h_to_h (d, d_ff) + bias;
 * final_layernorm), arguments.py (add_bias_linear True,
 * untie_embeddings_and_output_weights False: the output layer is the word
 * embedding; --swiglu: ffn_hidden_size = int(4·d·2/3 / 64)·64). */
#include "harness.h"

#include "tmem/read.h"
#include "tmem/train.h"

#include <string.h>

static void parse(const char *text, struct tmem_model *m, struct tmem_inventory *inv)
{
    struct tmem_model raw;
    struct tmem_error err = {0};
    if (tmem_hf_config_parse(text, strlen(text), "config.json", NULL, &raw, &err) != TMEM_OK ||
        tmem_model_resolve(&raw, m, &err) != TMEM_OK || tmem_inventory_build(m, inv, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
}

/* The PR's model: d 4096, L 32, a 32, d_ff = int(4·4096·2/3 / 64)·64 =
 * int(170.67)·64 = 10880, V 50432 (GPT-2's 50257 padded to a multiple of
 * 128), 2048 positions, tied. By hand:
 *   word_embeddings      50432 · 4096                       =   206,569,472
 *   position_embeddings  2048 · 4096                        =     8,388,608
 *   per layer:
 *     2 LayerNorms        2 · (4096 + 4096)                 =        16,384
 *     query_key_value     4096 · 12288 + 12288              =    50,343,936
 *     dense               4096 · 4096 + 4096                =    16,781,312
 *     dense_h_to_4h       4096 · 21760 + 21760              =    89,150,720
 *     dense_4h_to_h       10880 · 4096 + 4096               =    44,568,576
 *     layer                                                 =   200,860,928
 *   32 layers                                               = 6,427,549,696
 *   final_layernorm       4096 + 4096                       =         8,192
 *   total                                                   = 6,642,515,968
 * EVIDENCE: the PR's README prints "Amount of Parameters: 6,642,245,632" for
 * this model ("Full Model without Parallel"); get_training_info.py counts
 * v·h + s·h + (7·h + 4·h² + 3·f·h + 2·f)·n: query_key_value's bias as h
 * (its table shows "b=[4096]") instead of 3·h, and no final_layernorm. Its
 * count plus 32 · 2 · 4096 + 2 · 4096 = 270,336 is the exact one. */
static void megatron_gpt_7b_by_hand(void **state)
{
    (void)state;
    const struct tmem_preset *p = tmem_preset_find("megatron-gpt-7b");
    assert_non_null(p);
    struct tmem_model m;
    static struct tmem_inventory inv;
    parse(p->config_json, &m, &inv);
    check_group_sum(&inv);
    assert_string_equal(tmem_family_info(m.family)->name, "megatron_gpt");
    const uint64_t d = 4096, L = 32, f = 10880, V = 50432, pos = 2048;
    assert_int_equal(m.d_ff, (4 * d * 2 / 3) / 64 * 64);
    const uint64_t layer = 2 * 2 * d + (d * 3 * d + 3 * d) + (d * d + d) + (d * 2 * f + 2 * f) + (f * d + d);
    assert_int_equal(layer, U64(200860928));
    assert_int_equal(inv.group_params[TMEM_GROUP_EMBEDDING], V * d + pos * d);
    assert_int_equal(inv.group_params[TMEM_GROUP_LM_HEAD], 0); /* tied */
    assert_int_equal(inv.group_params[TMEM_GROUP_MLP], L * (d * 2 * f + 2 * f + f * d + d));
    assert_int_equal(inv.total_params, V * d + pos * d + L * layer + 2 * d);
    assert_int_equal(inv.total_params, U64(6642515968));
    /* the PR's printed figure, and its formula's two omissions */
    const uint64_t pr482 = U64(6642245632);
    assert_int_equal(V * d + pos * d + (7 * d + 4 * d * d + 3 * f * d + 2 * f) * L, pr482);
    assert_int_equal(inv.total_params - pr482, L * 2 * d + 2 * d);
}

/* add_bias_linear false drops the linear biases (the LayerNorms keep theirs):
 * 32 · (12288 + 4096 + 21760 + 4096) = 32 · 42,240 = 1,351,680;
 * untie_embeddings_and_output_weights true adds an output layer (V, d). */
static void megatron_flags_read_from_the_config(void **state)
{
    (void)state;
    static const char text[] =
        "{\"model_type\": \"megatron_gpt\", \"num_layers\": 32, \"hidden_size\": 4096, "
        "\"num_attention_heads\": 32, \"ffn_hidden_size\": 10880, \"max_position_embeddings\": 2048, "
        "\"padded_vocab_size\": 50432, \"add_bias_linear\": false, "
        "\"untie_embeddings_and_output_weights\": true}";
    struct tmem_model m;
    static struct tmem_inventory inv;
    parse(text, &m, &inv);
    assert_int_equal(inv.total_params, U64(6642515968) - U64(1351680) + U64(50432) * 4096);
}

/* Row 1 of the PR's table: micro-batch 2, seq 2048, dp 8, tp 1, pp 1, bf16
 * with fp32 main grads and the distributed optimizer, flash attention,
 * dropout 0.1 (Megatron's defaults), --kernels local. T = b·s = 4096
 * tokens, d 4096, f 10880, 32 heads, 32 layers. One layer saves, bytes:
 *   attention  input_layernorm input 2·T·d, its fp32 mean + rstd 8·T,
 *              query_key_value input 2·T·d, q, k, v 3 · 2·T·d (the
 *              contiguous [b, s] copies flash saves), flash's output 2·T·d,
 *              its [s, b] contiguous copy (dense's input) 2·T·d, the fp32
 *              lse 4·32·T
 *              = 14·T·d + 136·T = 234,881,024 + 557,056 = 235,438,080
 *   MLP        post_attention_layernorm input 2·T·d + 8·T, dense_h_to_4h
 *              input 2·T·d, its output 2 · 2·T·f (silu's chunk and the
 *              other), silu's output 2·T·f, the product (dense_4h_to_h's
 *              input) 2·T·f
 *              = 4·T·d + 8·T·f + 8·T = 67,108,864 + 356,515,840 + 32,768
 *              = 423,657,472
 *   masks      two 1-byte hidden-dropout masks 2·T·d = 33,554,432
 * EVIDENCE: get_training_info.py (Megatron-LM PR #482), derived from the
 * allocator's cudaMalloc / cudaFree trace, counts per layer
 * 10·s·b·h + 4·s·b·f elements of 2 bytes = 20·T·d + 8·T·f =
 * 335,544,320 + 356,515,840 = 692,060,160 B; the three parts above add
 * the fp32 statistics it leaves out, 16·T + 128·T = 589,824 B. */
static void one_layer_under_the_local_stack(void **state)
{
    (void)state;
    const struct tmem_preset *p = tmem_preset_find("megatron-gpt-7b");
    assert_non_null(p);
    struct tmem_model m;
    static struct tmem_inventory inv;
    parse(p->config_json, &m, &inv);
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.gpus = 8;
    o.micro_batch = 2;
    o.seq = 2048;
    o.grad_accum = 128; /* the PR's global batch 2048 = 2 · 8 · 128 */
    tmem_train_framework_apply(TMEM_FRAMEWORK_MEGATRON, 1u << TMEM_TRAIN_FIELD_KERNELS, &o, NULL, 0);
    o.kernels = TMEM_KERNELS_LOCAL;
    struct tmem_train_result r;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    const uint64_t T = 4096, d = 4096, f = 10880, L = 32;
    const uint64_t attn = 14 * T * d + 136 * T, mlp = 4 * T * d + 8 * T * f + 8 * T, masks = 2 * T * d;
    assert_int_equal(attn, U64(235438080));
    assert_int_equal(mlp, U64(423657472));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], L * attn);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_MLP], L * mlp);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_MASKS], L * masks);
    const uint64_t pr482_layer = 2 * (10 * T * d + 4 * T * f);
    assert_int_equal(pr482_layer, U64(692060160));
    assert_int_equal(attn + mlp + masks - pr482_layer, 16 * T + 128 * T);
    /* the states: 2 + 4 B per parameter, 12 B over dp 8 */
    const uint64_t P = U64(6642515968);
    assert_int_equal(r.item_bytes[TMEM_TI_WEIGHTS], 2 * P);
    assert_int_equal(r.item_bytes[TMEM_TI_GRADS] + r.item_bytes[TMEM_TI_GRADS_FP32], 4 * P);
    assert_int_equal(r.item_bytes[TMEM_TI_MASTER] + r.item_bytes[TMEM_TI_STATE0] + r.item_bytes[TMEM_TI_STATE1],
                     12 * P / 8);
    /* every other stack shares flash's output with dense's input: one
     * 2·T·d tensor less per layer */
    static const enum tmem_kernels others[] = {TMEM_KERNELS_EAGER, TMEM_KERNELS_FUSED, TMEM_KERNELS_TE};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        o.kernels = others[i];
        struct tmem_train_result e;
        assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &e, NULL), TMEM_OK);
        assert_int_equal(e.item_bytes[TMEM_TI_ACT_ATTN], L * (attn - 2 * T * d));
    }
    /* naive attention: the output projection's input is the only copy */
    o.kernels = TMEM_KERNELS_LOCAL;
    o.attention = TMEM_ATTENTION_NAIVE;
    struct tmem_train_result n;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &n, NULL), TMEM_OK);
    o.kernels = TMEM_KERNELS_EAGER;
    struct tmem_train_result ne;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &ne, NULL), TMEM_OK);
    assert_int_equal(n.item_bytes[TMEM_TI_ACT_ATTN], ne.item_bytes[TMEM_TI_ACT_ATTN]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(megatron_gpt_7b_by_hand),
        cmocka_unit_test(megatron_flags_read_from_the_config),
        cmocka_unit_test(one_layer_under_the_local_stack),
    };
    return cmocka_run_group_tests_name("megatron_pr482", tests, NULL, NULL);
}
