/* test_qwen3next_train.c — training activations of Qwen3-Next (qwen3_next):
 * the Gated DeltaNet layer's saved tensors (act_inventory.c gdn_mixer: fla's
 * ChunkGatedDeltaRuleFunction, causal-conv1d's CausalConv1dFn and fla's
 * FusedRMSNormGated as HF's Qwen3NextGatedDeltaNet calls them), the gated
 * attention's extra tensors (sigmoid(gate), the gated product) and
 * Qwen3NextRMSNorm's fp32 normalized output, and LoRA on the mixer's
 * in_proj_qkvz, in_proj_ba and out_proj (adapter parameters and saved
 * tensors), each against a hand calculation written beside it (every tensor
 * an explicit product with its shape).
 * tests/validate/qwen3next.py measures the same layer in PyTorch. */
#include "harness.h"

#include "tmem/read.h"
#include "reader.h"
#include "tmem/train.h"

#define SAVED TMEM_ACT_STATE_SAVED
#define ABSENT TMEM_ACT_STATE_ABSENT

struct want {
    const char *name;
    enum tmem_act_state state;
    uint64_t bytes;
};

static uint32_t index_of(const struct tmem_act_inventory *a, const char *name)
{
    for (uint32_t i = 0; i < a->n_tensors; i++)
        if (strcmp(a->tensors[i].name, name) == 0)
            return i;
    fail_msg("no tensor %s", name);
    return 0;
}

/* the n tensors from the first named w[0].name on are w[], in order */
static void expect_run(const struct tmem_act_inventory *a, const struct want *w, size_t n)
{
    uint32_t at = index_of(a, w[0].name);
    assert_true(at + n <= a->n_tensors);
    for (size_t i = 0; i < n; i++) {
        const struct tmem_act_tensor *t = &a->tensors[at + i];
        if (strcmp(t->name, w[i].name) != 0 || t->state != w[i].state || t->bytes != w[i].bytes)
            fail_msg("tensor %u: %s %s %llu B, expected %s %s %llu B", (unsigned)(at + i), t->name,
                     tmem_act_state_name(t->state), (unsigned long long)t->bytes, w[i].name,
                     tmem_act_state_name(w[i].state), (unsigned long long)w[i].bytes);
        assert_int_equal(t->bytes, t->tokens * t->width * t->elem_bytes);
    }
}

static uint64_t run_saved(const struct want *w, size_t n)
{
    uint64_t s = 0;
    for (size_t i = 0; i < n; i++)
        s += w[i].state == SAVED ? w[i].bytes : 0;
    return s;
}

static void plan(struct tmem_train_opts *o, uint64_t seq)
{
    tmem_train_opts_default(o);
    o->precision = TMEM_PRECISION_BF16;
    o->micro_batch = 1;
    o->seq = seq;
    o->attention = TMEM_ATTENTION_FLASH;
    o->recompute = TMEM_RECOMPUTE_NONE;
    o->kernels = TMEM_KERNELS_EAGER;
}

static void parse(const char *text, struct tmem_model *m, struct tmem_inventory *inv)
{
    struct tmem_model raw;
    struct tmem_error err = {0};
    if (tmem_hf_config_parse(text, strlen(text), "config.json", NULL, &raw, &err) != TMEM_OK ||
        tmem_model_resolve(&raw, m, &err) != TMEM_OK || tmem_inventory_build(m, inv, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
}

/* Qwen3-Next-80B-A3B, bf16 (r = c = bf16), b 1, s 4096, HF eager norms,
 * flash attention. A Gated DeltaNet layer: d 2048, n_v 32 value heads of
 * d_v 128, n_k 16 key heads of d_k 128 (q and k repeated to 32 heads), conv
 * channels 2·16·128 + 32·128 = 8192, fla's chunk 64:
 *   norm.x_fp32         4096 × 2048 × 4          = 33,554,432  (x.float())
 *   norm.input          absent (a fused RMSNorm's)
 *   norm.rstd           4096 × 1 × 4             = 16,384
 *   norm.y              4096 × 2048 × 4          = 33,554,432  (fp32: · (1 + w.float()))
 *   gdn.in_proj_input   4096 × 2048 × 2          = 16,777,216  (the cast output)
 *   gdn.conv_input      4096 × 8192 × 2          = 67,108,864  (torch.cat((q, k, v)))
 *   gdn.q_l2norm        4096 × 32·128 × 2        = 33,554,432
 *   gdn.q_rstd          4096 × 32 × 4            = 524,288
 *   gdn.k_l2norm        4096 × 32·128 × 2        = 33,554,432
 *   gdn.k_rstd          4096 × 32 × 4            = 524,288
 *   gdn.v               4096 × 32·128 × 2        = 33,554,432  (the contiguous copy)
 *   gdn.softplus_input  4096 × 32 × 4            = 524,288
 *   gdn.softplus_out    4096 × 32 × 4            = 524,288
 *   gdn.g_cumsum        4096 × 32 × 4            = 524,288
 *   gdn.beta            4096 × 32 × 2            = 262,144
 *   gdn.A               4096 × 32·64 × 2         = 16,777,216
 *   gdn.core_out        4096 × 32·128 × 2        = 33,554,432
 *   gdn.z               4096 × 32·128 × 2        = 33,554,432
 *   gdn.norm_rstd       4096 × 32 × 4            = 524,288
 *   gdn.out_proj_input  4096 × 32·128 × 2        = 33,554,432
 * saved 372,523,008 = 4096 × 90,948 B per token. The gated attention layer
 * (16 heads of 256) adds to the flash tensors sigmoid(gate) and the gated
 * product, 4096 × 16·256 × 2 = 33,554,432 each, and keeps the attention
 * output for the multiply (33,554,432). */
static const struct want gdn_80b[] = {
    {"norm.x_fp32", SAVED, U64(33554432)},
    {"norm.input", ABSENT, U64(16777216)},
    {"norm.rstd", SAVED, U64(16384)},
    {"norm.y", SAVED, U64(33554432)},
    {"gdn.in_proj_input", SAVED, U64(16777216)},
    {"gdn.conv_input", SAVED, U64(67108864)},
    {"gdn.q_l2norm", SAVED, U64(33554432)},
    {"gdn.q_rstd", SAVED, U64(524288)},
    {"gdn.k_l2norm", SAVED, U64(33554432)},
    {"gdn.k_rstd", SAVED, U64(524288)},
    {"gdn.v", SAVED, U64(33554432)},
    {"gdn.softplus_input", SAVED, U64(524288)},
    {"gdn.softplus_out", SAVED, U64(524288)},
    {"gdn.g_cumsum", SAVED, U64(524288)},
    {"gdn.beta", SAVED, U64(262144)},
    {"gdn.A", SAVED, U64(16777216)},
    {"gdn.core_out", SAVED, U64(33554432)},
    {"gdn.z", SAVED, U64(33554432)},
    {"gdn.norm_rstd", SAVED, U64(524288)},
    {"gdn.out_proj_input", SAVED, U64(33554432)},
};

static void qwen3_next_80b_gdn_layer_by_hand(void **state)
{
    (void)state;
    static struct tmem_model m;
    static struct tmem_inventory inv;
    static struct tmem_act_inventory a;
    tmem_test_load("qwen3-next-80b-a3b", &m, &inv);
    struct tmem_train_opts o;
    plan(&o, 4096);
    struct tmem_error err = {0};
    if (tmem_train_activations(&m, &inv, &o, UINT64_MAX, &a, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    size_t n = sizeof gdn_80b / sizeof gdn_80b[0];
    expect_run(&a, gdn_80b, n);
    assert_int_equal(run_saved(gdn_80b, n), U64(4096) * 90948);
    /* the gated attention layer */
    const uint64_t q = U64(4096) * 16 * 256 * 2; /* 33,554,432 */
    assert_int_equal(a.tensors[index_of(&a, "attn.core_out")].bytes, q);
    assert_int_equal(a.tensors[index_of(&a, "attn.gate_sigmoid")].bytes, q);
    assert_int_equal(a.tensors[index_of(&a, "attn.o_proj_input")].bytes, q);
    /* the attention layer's mixer part, flash, 16 heads of 256, 2 KV heads:
     *   attn_norm x_fp32, y (fp32) 2 × 4096 × 2048 × 4 = 67,108,864; rstd 4096 × 4 = 16,384
     *   attn.qkv_input   4096 × 2048 × 2                = 16,777,216
     *   q_norm x_fp32, y 2 × 4096 × 16·256 × 4          = 134,217,728; rstd 4096 × 16 × 4 = 262,144
     *   k_norm x_fp32, y 2 × 4096 × 2·256 × 4           = 16,777,216;  rstd 4096 × 2 × 4 = 32,768
     *   attn.q           4096 × 16·256 × 2              = 33,554,432
     *   attn.k, attn.v   2 × 4096 × 2·256 × 2           = 8,388,608
     *   core_out, gate_sigmoid, o_proj_input 3 × 33,554,432 = 100,663,296
     *   attn.lse         4096 × 16 × 4                  = 262,144
     * = 378,060,800; the mixers item 12 × 378,060,800 + 36 × 372,523,008
     * = 4,536,729,600 + 13,410,828,288 = 17,947,557,888 */
    assert_int_equal(a.layer.attn, U64(378060800));
    struct tmem_train_result r;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], 12 * U64(378060800) + 36 * U64(372523008));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], U64(17947557888));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_SCORES], 0); /* flash */
    /* the shared expert's gate: sigmoid(shared_expert_gate(x)) · shared_expert(x) keeps
     * the sigmoid 4096 × 1 × 2 = 8,192 and the shared output 4096 × 2048 × 2 = 16,777,216 */
    assert_int_equal(a.tensors[index_of(&a, "moe.shared_gate_sigmoid")].bytes, U64(4096) * 1 * 2);
    assert_int_equal(a.tensors[index_of(&a, "moe.shared_out")].bytes, U64(4096) * 2048 * 2);
    /* Qwen3NextRMSNorm keeps y in fp32 there too: 4096 × 2048 × 4 */
    assert_int_equal(a.tensors[index_of(&a, "attn_norm.y")].bytes, U64(4096) * 2048 * 4);
    assert_string_equal(a.tensors[index_of(&a, "attn_norm.y")].dtype_name, "fp32");
}

/* A small Qwen3-Next (tests/validate/qwen3next.py's CFG, measured there in
 * PyTorch): d 128, 4 layers (layer 3 attends), n_v 4 value heads of 32, n_k 2
 * key heads of 32, conv channels 2·2·32 + 4·32 = 256; bf16, b 1, s 256:
 *   norm.x_fp32, norm.y  256 × 128 × 4     = 131,072 each
 *   norm.rstd            256 × 1 × 4       = 1,024
 *   gdn.in_proj_input    256 × 128 × 2     = 65,536
 *   gdn.conv_input       256 × 256 × 2     = 131,072
 *   gdn.q_l2norm, k      256 × 4·32 × 2    = 65,536 each
 *   gdn.q_rstd, k_rstd   256 × 4 × 4       = 4,096 each
 *   gdn.v                256 × 4·32 × 2    = 65,536
 *   softplus in / out, g_cumsum 256 × 4 × 4 = 4,096 each
 *   gdn.beta             256 × 4 × 2       = 2,048
 *   gdn.A                256 × 4·64 × 2    = 131,072
 *   gdn.core_out, gdn.z  256 × 4·32 × 2    = 65,536 each
 *   gdn.norm_rstd        256 × 4 × 4       = 4,096
 *   gdn.out_proj_input   256 × 4·32 × 2    = 65,536
 * saved 1,010,688 = 256 × 3,948 (PyTorch: 1,011,304, the 616 B more being
 * per-layer: -exp(A_log), 1 + weight, the repeat index). */
static const char small_config[] =
    "{\"model_type\": \"qwen3_next\", \"vocab_size\": 512, \"hidden_size\": 128, "
    "\"intermediate_size\": 256, \"num_hidden_layers\": 4, \"num_attention_heads\": 4, "
    "\"num_key_value_heads\": 2, \"head_dim\": 32, \"full_attention_interval\": 4, "
    "\"linear_conv_kernel_dim\": 4, \"linear_key_head_dim\": 32, \"linear_num_key_heads\": 2, "
    "\"linear_num_value_heads\": 4, \"linear_value_head_dim\": 32, \"num_experts\": 4, "
    "\"num_experts_per_tok\": 2, \"moe_intermediate_size\": 64, \"shared_expert_intermediate_size\": 64, "
    "\"decoder_sparse_step\": 1, \"mlp_only_layers\": [], \"attention_bias\": false, "
    "\"tie_word_embeddings\": false, \"torch_dtype\": \"bfloat16\"}";

static const struct want gdn_small[] = {
    {"norm.x_fp32", SAVED, U64(256) * 128 * 4},
    {"norm.input", ABSENT, U64(256) * 128 * 2},
    {"norm.rstd", SAVED, U64(256) * 1 * 4},
    {"norm.y", SAVED, U64(256) * 128 * 4},
    {"gdn.in_proj_input", SAVED, U64(256) * 128 * 2},
    {"gdn.conv_input", SAVED, U64(256) * (2 * 2 * 32 + 4 * 32) * 2},
    {"gdn.q_l2norm", SAVED, U64(256) * 4 * 32 * 2},
    {"gdn.q_rstd", SAVED, U64(256) * 4 * 4},
    {"gdn.k_l2norm", SAVED, U64(256) * 4 * 32 * 2},
    {"gdn.k_rstd", SAVED, U64(256) * 4 * 4},
    {"gdn.v", SAVED, U64(256) * 4 * 32 * 2},
    {"gdn.softplus_input", SAVED, U64(256) * 4 * 4},
    {"gdn.softplus_out", SAVED, U64(256) * 4 * 4},
    {"gdn.g_cumsum", SAVED, U64(256) * 4 * 4},
    {"gdn.beta", SAVED, U64(256) * 4 * 2},
    {"gdn.A", SAVED, U64(256) * 4 * 64 * 2},
    {"gdn.core_out", SAVED, U64(256) * 4 * 32 * 2},
    {"gdn.z", SAVED, U64(256) * 4 * 32 * 2},
    {"gdn.norm_rstd", SAVED, U64(256) * 4 * 4},
    {"gdn.out_proj_input", SAVED, U64(256) * 4 * 32 * 2},
};

static void qwen3_next_small_by_hand(void **state)
{
    (void)state;
    static struct tmem_model m;
    static struct tmem_inventory inv;
    static struct tmem_act_inventory a;
    parse(small_config, &m, &inv);
    struct tmem_train_opts o;
    plan(&o, 256);
    struct tmem_error err = {0};
    if (tmem_train_activations(&m, &inv, &o, UINT64_MAX, &a, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    size_t n = sizeof gdn_small / sizeof gdn_small[0];
    expect_run(&a, gdn_small, n);
    assert_int_equal(run_saved(gdn_small, n), U64(1010688));
    assert_int_equal(a.tensors[index_of(&a, "gdn.A")].dtype_name[0], 'b'); /* bf16: k's dtype */
    /* the attention layer (4 heads of 32, 2 KV heads), flash:
     *   attn_norm x_fp32, y 2 × 256 × 128 × 4 = 262,144; rstd 256 × 4 = 1,024
     *   attn.qkv_input 256 × 128 × 2 = 65,536
     *   q_norm x_fp32, y 2 × 256 × 4·32 × 4 = 262,144; rstd 256 × 4 × 4 = 4,096
     *   k_norm x_fp32, y 2 × 256 × 2·32 × 4 = 131,072; rstd 256 × 2 × 4 = 2,048
     *   q 256 × 4·32 × 2 = 65,536; k, v 2 × 256 × 2·32 × 2 = 65,536
     *   core_out, gate_sigmoid, o_proj_input 3 × 65,536 = 196,608
     *   lse 256 × 4 × 4 = 4,096
     * = 1,059,840; 3 Gated DeltaNet layers and 1 attention layer:
     * 1,059,840 + 3 × 1,010,688 = 4,091,904 */
    assert_int_equal(a.layer.attn, U64(1059840));
    struct tmem_train_result r;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], U64(1059840) + 3 * U64(1010688));
    /* tensor parallel is refused for the mixer */
    o.tp = 2;
    assert_int_equal(tmem_train_validate(&m, &o, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "--tp");
}

/* the inventory tensor of kind k */
static const struct tmem_tensor *tensor_of(const struct tmem_inventory *inv, enum tmem_tensor_kind k)
{
    for (uint32_t i = 0; i < inv->n_tensors; i++)
        if (inv->tensors[i].kind == k)
            return &inv->tensors[i];
    fail_msg("no tensor of kind %d", (int)k);
    return NULL;
}

/* LoRA on Qwen3-Next-80B-A3B (PEFT: lora_A [r, d_in], lora_B [d_out, r] on
 * every targeted nn.Linear; all-linear is every linear but lm_head). The
 * Gated DeltaNet holds two input linears (modeling_qwen3_next.py
 * Qwen3NextGatedDeltaNet): in_proj_qkvz (2048, 2·16·128 + 2·32·128 = 12288)
 * and in_proj_ba (2048, 2·32 = 64), and out_proj (32·128 = 4096, 2048).
 * r 16, r · (d_in + d_out) per linear:
 *   attention, 12 layers: q_proj 16 · (2048 + 2·16·256) = 163,840; k_proj,
 *     v_proj 16 · (2048 + 512) = 40,960 each; o_proj 16 · (4096 + 2048) =
 *     98,304; = 344,064 a layer                             =     4,128,768
 *   Gated DeltaNet, 36 layers: in_proj_qkvz 16 · (2048 + 12288) = 229,376;
 *     in_proj_ba 16 · (2048 + 64) = 33,792; out_proj 16 · (4096 + 2048) =
 *     98,304; = 361,472 a layer                             =    13,012,992
 *   MoE, 48 layers: router 16 · (2048 + 512) = 40,960; shared_expert_gate
 *     16 · (2048 + 1) = 32,784; 512 experts and the shared expert (d_ff 512)
 *     of gate, up 16 · (2048 + 512) and down 16 · (512 + 2048): 513 ·
 *     122,880 = 63,037,440; = 63,111,184 a layer             = 3,029,336,832
 *   total                                                    = 3,046,478,592
 * on 12 · 4 + 36 · 3 + 48 · (2 + 513 · 3) = 74,124 linears. */
static void qwen3_next_lora_adapters(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    tmem_test_load("qwen3-next-80b-a3b", &m, &inv);
    /* the two input linears, their sum in_proj's old width 2048 · 12352 */
    const struct tmem_tensor *qkvz = tensor_of(&inv, TMEM_TENSOR_KIND_SSM_IN_PROJ_QKVZ);
    const struct tmem_tensor *ba = tensor_of(&inv, TMEM_TENSOR_KIND_SSM_IN_PROJ_BA);
    assert_int_equal(qkvz->rows, 2048);
    assert_int_equal(qkvz->cols, 2 * 16 * 128 + 2 * 32 * 128);
    assert_int_equal(ba->rows, 2048);
    assert_int_equal(ba->cols, 2 * 32);
    assert_int_equal(qkvz->count, 36);
    assert_int_equal(qkvz->params + ba->params, U64(36) * 2048 * (12288 + 64));
    struct tmem_train_opts o;
    plan(&o, 4096);
    o.lora_rank = 16;
    o.lora_targets = tmem_lora_target_kinds("all-linear");
    struct tmem_error err = {0};
    struct tmem_lora_params p;
    if (tmem_lora_count(&m, &inv, &o, &p, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    const uint64_t r = 16;
    const uint64_t attn = r * (2048 + 2 * 16 * 256) + 2 * r * (2048 + 512) + r * (4096 + 2048);
    assert_int_equal(attn, U64(344064));
    const uint64_t gdn = r * (2048 + 12288) + r * (2048 + 64) + r * (4096 + 2048);
    assert_int_equal(gdn, U64(361472));
    const uint64_t moe = r * (2048 + 512) + r * (2048 + 1) + 513 * (2 * r * (2048 + 512) + r * (512 + 2048));
    assert_int_equal(moe, U64(63111184));
    assert_int_equal(p.adapter_params, 12 * attn + 36 * gdn + 48 * moe);
    assert_int_equal(p.adapter_params, U64(3046478592));
    assert_int_equal(p.targeted_linears, 12 * 4 + 36 * 3 + 48 * (2 + 513 * 3));
    /* the mixer's three by their PEFT names: 36 · 361,472 */
    o.lora_targets = tmem_kind_set_or(tmem_kind_set_or(tmem_lora_target_kinds("in_proj_qkvz"),
                                                       tmem_lora_target_kinds("in_proj_ba")),
                                      tmem_lora_target_kinds("out_proj"));
    assert_int_equal(tmem_lora_count(&m, &inv, &o, &p, &err), TMEM_OK);
    assert_int_equal(p.adapter_params, 36 * gdn);
    assert_int_equal(p.targeted_linears, 36 * 3);
    /* "in_proj" (Mamba's) ends no module name of the Gated DeltaNet */
    struct tmem_kind_set in = tmem_lora_target_kinds("in_proj");
    assert_false(tmem_kind_set_has(&in, TMEM_TENSOR_KIND_SSM_IN_PROJ_QKVZ));
    assert_false(tmem_kind_set_has(&in, TMEM_TENSOR_KIND_SSM_IN_PROJ_BA));
    /* the adapters' activations on a Gated DeltaNet layer (dropout 0): each
     * A output 4096 × 16 × 2 = 131,072 */
    o.lora_targets = tmem_lora_target_kinds("all-linear");
    static struct tmem_act_inventory a;
    if (tmem_train_activations(&m, &inv, &o, UINT64_MAX, &a, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    assert_int_equal(a.tensors[index_of(&a, "lora.in_proj_qkvz.a_out")].bytes, U64(4096) * 16 * 2);
    assert_int_equal(a.tensors[index_of(&a, "lora.in_proj_ba.a_out")].bytes, U64(4096) * 16 * 2);
    assert_int_equal(a.tensors[index_of(&a, "lora.out_proj.a_out")].bytes, U64(4096) * 16 * 2);
}

/* The small Qwen3-Next's Gated DeltaNet layer under LoRA r 16, dropout 0
 * (tests/validate/qwen3next.py measures both cases in PyTorch), bf16, b 1,
 * s 256. all-linear: the frozen input_layernorm drops y (its weight's
 * multiply), the frozen A_log drops the softplus output (-exp(A_log) ·
 * softplus(…) keeps it for A_log's gradient); in_proj_qkvz, in_proj_ba and
 * out_proj keep their inputs for lora_A and add A's outputs:
 *   lora.in_proj_qkvz.a_out, lora.in_proj_ba.a_out, lora.out_proj.a_out
 *                       256 × 16 × 2 = 8,192 each
 *   1,010,688 − 131,072 (norm.y) − 4,096 (softplus_out) + 3 · 8,192 = 900,096
 * q_proj, v_proj only (the mixer untouched): neither input linear nor
 * out_proj trains, their inputs go too:
 *   1,010,688 − 131,072 − 4,096 − 65,536 (in_proj input) − 65,536 (out_proj
 *   input) = 744,448 */
static const struct want gdn_small_lora[] = {
    {"norm.x_fp32", SAVED, U64(256) * 128 * 4},
    {"norm.input", ABSENT, U64(256) * 128 * 2},
    {"norm.rstd", SAVED, U64(256) * 1 * 4},
    {"norm.y", ABSENT, U64(256) * 128 * 4},
    {"gdn.in_proj_input", SAVED, U64(256) * 128 * 2},
    {"gdn.conv_input", SAVED, U64(256) * (2 * 2 * 32 + 4 * 32) * 2},
    {"gdn.q_l2norm", SAVED, U64(256) * 4 * 32 * 2},
    {"gdn.q_rstd", SAVED, U64(256) * 4 * 4},
    {"gdn.k_l2norm", SAVED, U64(256) * 4 * 32 * 2},
    {"gdn.k_rstd", SAVED, U64(256) * 4 * 4},
    {"gdn.v", SAVED, U64(256) * 4 * 32 * 2},
    {"gdn.softplus_input", SAVED, U64(256) * 4 * 4},
    {"gdn.softplus_out", ABSENT, U64(256) * 4 * 4},
    {"gdn.g_cumsum", SAVED, U64(256) * 4 * 4},
    {"gdn.beta", SAVED, U64(256) * 4 * 2},
    {"gdn.A", SAVED, U64(256) * 4 * 64 * 2},
    {"gdn.core_out", SAVED, U64(256) * 4 * 32 * 2},
    {"gdn.z", SAVED, U64(256) * 4 * 32 * 2},
    {"gdn.norm_rstd", SAVED, U64(256) * 4 * 4},
    {"gdn.out_proj_input", SAVED, U64(256) * 4 * 32 * 2},
    {"lora.in_proj_qkvz.a_out", SAVED, U64(256) * 16 * 2},
    {"lora.in_proj_ba.a_out", SAVED, U64(256) * 16 * 2},
    {"lora.out_proj.a_out", SAVED, U64(256) * 16 * 2},
};

static void qwen3_next_small_lora_by_hand(void **state)
{
    (void)state;
    static struct tmem_model m;
    static struct tmem_inventory inv;
    static struct tmem_act_inventory a;
    parse(small_config, &m, &inv);
    struct tmem_train_opts o;
    plan(&o, 256);
    o.lora_rank = 16;
    o.lora_targets = tmem_lora_target_kinds("all-linear");
    struct tmem_error err = {0};
    if (tmem_train_activations(&m, &inv, &o, UINT64_MAX, &a, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    size_t n = sizeof gdn_small_lora / sizeof gdn_small_lora[0];
    expect_run(&a, gdn_small_lora, n);
    assert_int_equal(run_saved(gdn_small_lora, n), U64(1010688) - 131072 - 4096 + 3 * 8192);
    assert_int_equal(run_saved(gdn_small_lora, n), U64(900096));
    /* the attention's targets only */
    o.lora_targets = tmem_kind_set_or(tmem_lora_target_kinds("q_proj"), tmem_lora_target_kinds("v_proj"));
    if (tmem_train_activations(&m, &inv, &o, UINT64_MAX, &a, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    uint64_t saved = 0;
    for (uint32_t i = index_of(&a, "norm.x_fp32"); i < a.n_tensors && a.tensors[i].layer_kind == TMEM_ACT_LAYER_SSM; i++)
        saved += a.tensors[i].state == SAVED ? a.tensors[i].bytes : 0;
    assert_int_equal(saved, U64(1010688) - 131072 - 4096 - 65536 - 65536);
    assert_int_equal(saved, U64(744448));
    assert_int_equal(a.tensors[index_of(&a, "gdn.in_proj_input")].state, ABSENT);
    assert_int_equal(a.tensors[index_of(&a, "gdn.out_proj_input")].state, ABSENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(qwen3_next_80b_gdn_layer_by_hand),
        cmocka_unit_test(qwen3_next_small_by_hand),
        cmocka_unit_test(qwen3_next_lora_adapters),
        cmocka_unit_test(qwen3_next_small_lora_by_hand),
    };
    return cmocka_run_group_tests_name("qwen3next_train", tests, NULL, NULL);
}
