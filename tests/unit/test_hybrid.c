/* test_hybrid.c — hybrid attention / state-space models: which layers
 * attend (the layer-scope mechanism: attn_layer_period / offset, a
 * per-layer list), Jamba counted tensor by tensor against its published
 * total, the KV of its attention layers beside the fixed state of its
 * Mamba layers, vLLM's hybrid allocator (one page size for attention and
 * mamba groups), serve's blocks per request, and training: jamba and
 * granitemoehybrid by hand per layer kind; falcon_h1 and qwen3_next train
 * (test_falconh1_train.c, test_qwen3next_train.c).
 *
 * REF HF transformers modeling_jamba.py (JambaAttentionDecoderLayer,
 * JambaMambaDecoderLayer, JambaMambaMixer, JambaSparseMoeBlock),
 * configuration_jamba.py (layers_block_type: i % attn_layer_period ==
 * attn_layer_offset; layers_num_experts: i % expert_layer_period ==
 * expert_layer_offset); vLLM platforms/interface.py (the hybrid attention
 * block size: align · cdiv(mamba_page, align · attention page of one
 * token), mamba page padded to the attention page), v1/core/
 * kv_cache_utils.py (_get_kv_cache_groups_uniform_page_size: group_size =
 * the smaller kind's layer count unless the larger is under 1.5 × it). */
#include "harness.h"

#include "tmem/infer.h"
#include "tmem/read.h"
#include "tmem/serve.h"
#include "tmem/train.h"

/* ai21labs/Jamba-v0.1 config.json (the architecture keys, as published) */
static const char jamba_config[] =
    "{\"architectures\": [\"JambaForCausalLM\"], \"attention_dropout\": 0.0, "
    "\"attn_layer_offset\": 4, \"attn_layer_period\": 8, \"bos_token_id\": 1, "
    "\"eos_token_id\": 2, \"expert_layer_offset\": 1, \"expert_layer_period\": 2, "
    "\"hidden_act\": \"silu\", \"hidden_size\": 4096, \"initializer_range\": 0.02, "
    "\"intermediate_size\": 14336, \"mamba_conv_bias\": true, \"mamba_d_conv\": 4, "
    "\"mamba_d_state\": 16, \"mamba_dt_rank\": 256, \"mamba_expand\": 2, "
    "\"mamba_proj_bias\": false, \"max_position_embeddings\": 262144, \"model_type\": \"jamba\", "
    "\"num_attention_heads\": 32, \"num_experts\": 16, \"num_experts_per_tok\": 2, "
    "\"num_hidden_layers\": 32, \"num_key_value_heads\": 8, \"pad_token_id\": 0, "
    "\"rms_norm_eps\": 1e-06, \"sliding_window\": null, \"tie_word_embeddings\": false, "
    "\"torch_dtype\": \"bfloat16\", \"use_cache\": true, \"use_mamba_kernels\": true, "
    "\"vocab_size\": 65536}";

static void parse(const char *text, struct tmem_model *m, struct tmem_inventory *inv)
{
    struct tmem_model raw;
    struct tmem_error err = {0};
    if (tmem_hf_config_parse(text, strlen(text), "config.json", NULL, &raw, &err) != TMEM_OK ||
        tmem_model_resolve(&raw, m, &err) != TMEM_OK || tmem_inventory_build(m, inv, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    check_group_sum(inv);
}

/* Which layers attend: Jamba's i % 8 == 4 gives layers 4, 12, 20, 28 of
 * 32; its MoE layers i % 2 == 1 are the 16 odd ones (all of them Mamba
 * layers); a stage of layers [8, 24) holds 2 attention layers (12, 20). */
static void jamba_layer_pattern(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    parse(jamba_config, &m, &inv);
    assert_string_equal(tmem_family_info(m.family)->name, "jamba");
    assert_true(m.hybrid);
    assert_int_equal(tmem_model_attn_layers_in(&m, 0, 32), 4);
    assert_int_equal(tmem_model_ssm_layers_in(&m, 0, 32), 28);
    static const uint64_t attends[] = {4, 12, 20, 28};
    for (uint64_t l = 0, k = 0; l < 32; l++) {
        bool a = k < 4 && attends[k] == l;
        assert_int_equal(tmem_model_attn_layers_in(&m, l, l + 1), a ? 1 : 0);
        assert_int_equal(tmem_model_ssm_layers_in(&m, l, l + 1), a ? 0 : 1);
        assert_int_equal(tmem_model_moe_layers_in(&m, l, l + 1), l % 2 == 1 ? 1 : 0);
        k += a;
    }
    assert_int_equal(tmem_model_attn_layers_in(&m, 8, 24), 2);
    assert_int_equal(tmem_model_moe_layers(&m), 16);
    /* another period and offset (Jamba-tiny-random: i % 4 == 2 over 8 layers;
     * MoE offset 0: the even layers) */
    struct tmem_model raw = m, r;
    raw.n_layer = 8;
    raw.attn_layer_step = 4;
    raw.attn_layer_offset = 2;
    raw.moe_layer_offset = 0;
    raw.moe_offset_given = true;
    assert_int_equal(tmem_model_resolve(&raw, &r, NULL), TMEM_OK);
    assert_int_equal(tmem_model_attn_layers_in(&r, 0, 8), 2);  /* 2, 6 */
    assert_int_equal(tmem_model_attn_layers_in(&r, 3, 7), 1);  /* 6 */
    assert_int_equal(tmem_model_moe_layers_in(&r, 0, 1), 1);   /* 0 */
    assert_int_equal(tmem_model_moe_layers_in(&r, 1, 2), 0);
    /* an offset outside the period is refused */
    raw.attn_layer_offset = 4;
    struct tmem_error err = {0};
    assert_int_equal(tmem_model_resolve(&raw, &r, &err), TMEM_ERR_LIMIT);
    assert_string_equal(err.where, "attn_layer_offset");
}

/* Jamba-v0.1, d 4096, V 65536, untied; E = d_inner 8192, r 256, N 16:
 *   embeddings + lm_head   2 · 65536 · 4096                   =    536,870,912
 *   final norm                                                 =          4,096
 *   2 RMSNorms per layer   32 · 2 · 4096                       =        262,144
 *   attention (4 layers)   4 · (4096·4096 + 2·4096·1024 + 4096·4096)
 *                          = 4 · 41,943,040                    =    167,772,160
 *   Mamba (28 layers), per layer:
 *     in_proj   4096 · 16384 = 67,108,864   conv1d 8192 · 4 + 8192 = 40,960
 *     x_proj    8192 · 288   =  2,359,296   dt/B/C norms 256 + 16 + 16 = 288
 *     dt_proj   256 · 8192 + 8192 = 2,105,344
 *     A_log     8192 · 16 = 131,072        D 8192
 *     out_proj  8192 · 4096 = 33,554,432
 *     per layer 105,308,448; 28 layers                         =  2,948,636,544
 *   dense MLP (16 even layers) 16 · 3 · 4096 · 14336           =  2,818,572,288
 *   MoE (16 odd layers) 16 · (4096 · 16 router + 16 · 3 · 4096 · 14336)
 *                       = 16 · 2,818,637,824                    = 45,098,205,184
 *   total                                                       = 51,570,323,328
 * EVIDENCE: the safetensors index total_size of this layout (the
 * AI21-Jamba-1.5-Mini checkpoint, bf16) 103,140,646,656 B / 2 =
 * 51,570,323,328; the Jamba model card: "12B active parameters and a total
 * of 52B". Active: the same less 14 of 16 experts in the 16 MoE layers:
 * 51,570,323,328 − 16 · 14 · 176,160,768 = 12,110,311,296. */
static void jamba_counts_its_published_total(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    parse(jamba_config, &m, &inv);
    const uint64_t d = 4096, V = 65536, E = 8192, r = 256, N = 16, f = 14336;
    const uint64_t attn = d * d + 2 * d * 1024 + d * d;
    const uint64_t mamba = d * 2 * E + (E * 4 + E) + E * (r + 2 * N) + (r + 2 * N) +
                           (r * E + E) + E * N + E + E * d;
    assert_int_equal(mamba, U64(105308448));
    const uint64_t mlp = 3 * d * f;
    const uint64_t total = 2 * V * d + d + 32 * 2 * d + 4 * attn + 28 * mamba + 16 * mlp +
                           16 * (d * 16 + 16 * mlp);
    assert_int_equal(total, U64(103140646656) / 2);
    assert_int_equal(inv.total_params, total);
    assert_int_equal(inv.group_params[TMEM_GROUP_ATTENTION], 4 * attn);
    assert_int_equal(inv.group_params[TMEM_GROUP_SSM], 28 * mamba);
    assert_int_equal(inv.group_params[TMEM_GROUP_EXPERTS], 16 * 16 * mlp);
    assert_int_equal(inv.group_params[TMEM_GROUP_MLP], 16 * mlp);
    assert_int_equal(inv.active_params, total - 16 * 14 * mlp);
    assert_int_equal(inv.active_params, U64(12110311296));
    /* the preset is the same config */
    struct tmem_model pm;
    static struct tmem_inventory pinv;
    tmem_test_load("jamba-v0.1", &pm, &pinv);
    assert_int_equal(pinv.total_params, total);
}

/* KV and state on one GPU, bf16:
 *   KV per token   2 · 4 attention layers · 8 KV heads · 128 · 2 B = 16,384
 *   state per Mamba layer  (3 · 8192 conv + 8192 · 16 ssm) · 2 B   = 311,296
 *   state per sequence     28 · 311,296                            = 8,716,288
 * vLLM (block size 16): the attention page of one token and layer is
 * 2 · 8 · 128 · 2 = 4,096 B; block = 16 · cdiv(311,296, 16 · 4,096) = 16 ·
 * 5 = 80 tokens, page 80 · 4,096 = 327,680 B (the state padded to it);
 * groups of 4 layers (28 ≥ 1.5 · 4): 1 attention group, 7 mamba groups;
 * block 4 · 327,680 = 1,310,720 B. A request of 512 + 128 = 640 tokens
 * holds ceil(640 / 80) = 8 attention blocks + 7 state blocks = 15, batch
 * 8: 120 blocks = 157,286,400 B. Capacity tokens: blocks / 8 groups · 80.
 * HF (no pool): 8 · (640 · 16,384 + 8,716,288) = 153,616,384 B. */
static void jamba_kv_beside_state(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    parse(jamba_config, &m, &inv);
    struct tmem_kv_layout kv;
    struct tmem_error err = {0};
    assert_int_equal(tmem_kv_layout(&m, TMEM_KV_BF16, 1, 0, 32, &kv, &err), TMEM_OK);
    assert_int_equal(kv.bytes_per_token, 2 * 4 * 8 * 128 * 2);
    assert_int_equal(kv.bytes_per_token_layer, 2 * 8 * 128 * 2);
    assert_int_equal(kv.n_layer_full, 4);
    assert_int_equal(kv.n_layer_window, 0);
    assert_int_equal(kv.ssm_layers, 28);
    assert_int_equal(kv.state_bytes_per_layer, (3 * 8192 + 8192 * 16) * 2);
    assert_int_equal(kv.state_bytes_per_seq, U64(8716288));
    /* tp 2: 4 KV heads and half the channels per rank */
    assert_int_equal(tmem_kv_layout(&m, TMEM_KV_BF16, 2, 0, 32, &kv, &err), TMEM_OK);
    assert_int_equal(kv.bytes_per_token, 2 * 4 * 4 * 128 * 2);
    assert_int_equal(kv.state_bytes_per_seq, U64(28) * (3 * 4096 + 4096 * 16) * 2);
    /* the stage of layers [8, 24): 2 attention, 14 Mamba layers */
    assert_int_equal(tmem_kv_layout(&m, TMEM_KV_BF16, 1, 8, 16, &kv, &err), TMEM_OK);
    assert_int_equal(kv.n_layer_full, 2);
    assert_int_equal(kv.ssm_layers, 14);

    struct tmem_infer_opts o;
    tmem_infer_defaults(&o);
    o.gpu = tmem_gpu_find("h200");
    assert_non_null(o.gpu);
    o.batch = 8;
    struct tmem_infer_result r;
    assert_int_equal(tmem_infer_build(&m, &inv, &o, &r, &err), TMEM_OK);
    assert_int_equal(o.block_size, 16);
    assert_int_equal(r.attn_block_tokens, 80);
    assert_int_equal(r.group_layers, 4);
    assert_int_equal(r.kv_attn_groups, 1);
    assert_int_equal(r.kv_state_groups, 7);
    assert_int_equal(r.kv_groups, 8);
    assert_int_equal(r.block_bytes, U64(1310720));
    assert_int_equal(r.blocks_per_seq, 15);
    assert_int_equal(r.kv_request_bytes, 8 * 15 * U64(1310720));
    assert_int_equal(r.ledger.bucket_bytes[TMEM_BUCKET_KV_CACHE], U64(157286400));
    assert_int_equal(r.kv_blocks, r.kv_budget_bytes / U64(1310720));
    assert_int_equal(r.capacity_tokens, r.kv_blocks / 8 * 80);
    assert_int_equal(r.max_concurrent_sequences,
                     r.kv_blocks / 15 < o.max_num_seqs ? r.kv_blocks / 15 : o.max_num_seqs);

    /* serve: blocks of 80 tokens, 1 attention group, 7 state blocks per request */
    struct tmem_serve_opts so;
    tmem_serve_defaults(&o, &r, &so);
    assert_int_equal(so.block_size, 80);
    assert_int_equal(so.kv_full_groups, 1);
    assert_int_equal(so.kv_window_groups, 0);
    assert_int_equal(so.kv_state_groups, 7);
    assert_int_equal(so.kv_blocks, r.kv_blocks);

    /* --block-size 128: the alignment is 128, cdiv(311,296, 128 · 4,096) = 1:
     * block 128, page 524,288 B, block 2,097,152 B; 640 tokens: 5 + 7 */
    o.block_size = 128;
    assert_int_equal(tmem_infer_build(&m, &inv, &o, &r, &err), TMEM_OK);
    assert_int_equal(r.attn_block_tokens, 128);
    assert_int_equal(r.block_bytes, 4 * 128 * U64(4096));
    assert_int_equal(r.blocks_per_seq, 5 + 7);

    /* HF: the static KV of the attention layers plus the state */
    o = (struct tmem_infer_opts){0};
    tmem_infer_defaults(&o);
    o.gpu = tmem_gpu_find("h200");
    o.engine = TMEM_ENGINE_HF;
    o.batch = 8;
    assert_int_equal(tmem_infer_build(&m, &inv, &o, &r, &err), TMEM_OK);
    assert_int_equal(r.ledger.bucket_bytes[TMEM_BUCKET_KV_CACHE],
                     8 * (640 * U64(16384) + U64(8716288)));
    assert_int_equal(r.ledger.bucket_bytes[TMEM_BUCKET_KV_CACHE], U64(153616384));
}

/* Training, by hand: a small Jamba of 4 layers (d 64, 4 heads of 16, 2 KV
 * heads, d_ff 128, 4 experts top 2, Mamba d_state 16, expand 2: d_inner
 * 128, dt_rank 8), attention in layer 1 (period 4, offset 1), MoE in layers
 * 0 and 2 (period 2, offset 0): L0 mamba+MoE, L1 attention+MLP, L2
 * mamba+MoE, L3 mamba+MLP. bf16-mixed (r = c = 2), b 1, s 2048, flash,
 * eager RMSNorm (x fp32, rstd fp32, y bf16), no dropout. Bytes per token:
 *   attention layer's mixer (flash, no rotary):
 *     attn_norm x 64·4 + rstd 4 + y 64·2                     = 388
 *     qkv_input 64·2, q 4·16·2, k 2·16·2, v 2·16·2, o_proj input 4·16·2
 *                                                            = 128 + 128 + 64 + 64 + 128
 *     lse 4 heads · 4                                        = 16       → 916
 *   Mamba layer's mixer (JambaMambaMixer, kernel by kernel):
 *     norm 388, in_proj input 64·2 = 128
 *     in_proj output [b, 2·128, s] kept by causal_conv1d's view 256·2 = 512
 *     conv out (x_proj input, scan u) 128·2                  = 256
 *     dt_norm 8·4 + 4 + 8·2 = 52; b_norm, c_norm 16·4 + 4 + 16·2 = 100 each
 *     dt_proj input 8·2 = 16; delta 128·2 = 256; B, C copies 16·2 = 32 each
 *     z copy 256; scan out 256; chunk states 128 · 2·16 · ceil(2048/2048)
 *       fp32 / 2048 tokens = 2 elements · 4 = 8; out_proj input 256
 *                                                            → 2648
 *   MLP: mlp_norm 388, mlp.input 128, gate, silu, up, down input 4 · 128·2
 *                                                            → 1540
 *   MoE (Mixtral-style JambaSparseMoeBlock): norm 388, input 128, router
 *     softmax 4 · 4 = 16, top-2 indices 2 · 8 = 16, expert in / out
 *     2 · 2 · 64·2 = 512, the expert loop's torch.where indices (top_x,
 *     idx) 2 · 2 · 8 = 32, the selected routing weights 2 · 2 = 4, the
 *     weighted products index_add_ keeps 2 · 64·2 = 256, experts' inner
 *     2 · 4 · 128·2 = 2048 → 3400
 * × 2048 tokens: attention 1,875,968; mamba 5,423,104; MLP 3,153,920; MoE
 * 6,963,200. One stage: mixers 1 · 1,875,968 + 3 · 5,423,104 = 18,145,280,
 * MLP 2 · 3,153,920 = 6,307,840, MoE 2 · 6,963,200 = 13,926,400. */
static const char jamba_small[] =
    "{\"model_type\": \"jamba\", \"vocab_size\": 256, \"hidden_size\": 64, \"intermediate_size\": 128, "
    "\"num_hidden_layers\": 4, \"num_attention_heads\": 4, \"num_key_value_heads\": 2, "
    "\"attn_layer_period\": 4, \"attn_layer_offset\": 1, \"expert_layer_period\": 2, "
    "\"expert_layer_offset\": 0, \"num_experts\": 4, \"num_experts_per_tok\": 2, "
    "\"mamba_d_state\": 16, \"mamba_d_conv\": 4, \"mamba_expand\": 2, \"mamba_dt_rank\": 8, "
    "\"attention_dropout\": 0.0}";

static void train_plan(struct tmem_train_opts *o)
{
    tmem_train_opts_default(o);
    o->precision = TMEM_PRECISION_BF16_MIXED;
    o->micro_batch = 1;
    o->seq = 2048;
    o->attention = TMEM_ATTENTION_FLASH;
    o->recompute = TMEM_RECOMPUTE_NONE;
    o->kernels = TMEM_KERNELS_EAGER;
}

static void jamba_trains_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    parse(jamba_small, &m, &inv);
    struct tmem_train_opts o;
    train_plan(&o);
    struct tmem_error err = {0};
    static struct tmem_train_result r;
    if (tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], U64(1875968) + 3 * U64(5423104));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], U64(18145280));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_SCORES], 0);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_MLP], 2 * U64(3153920));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_MOE], 2 * U64(6963200));
    assert_int_equal(r.layer_act.attn, U64(1875968)); /* the attention layer's */
    /* pipeline 2 (mb 2): stage 0 holds L0, L1 (2 micro-batches in flight),
     * stage 1 L2, L3 (1): 2 · (1,875,968 + 5,423,104) = 14,598,144 and
     * 2 · 5,423,104 = 10,846,208 */
    o.pp = 2;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, 0, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], 2 * (U64(1875968) + U64(5423104)));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_MOE], 2 * U64(6963200));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_MLP], 2 * U64(3153920));
    assert_int_equal(tmem_train_compute(&m, &inv, &o, 1, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], 2 * U64(5423104));
    o.pp = 1;
    /* full recompute: 4 bf16 layer inputs 4 · 2048 · 64 · 2 = 1,048,576, and
     * one layer rebuilt: the larger mixer (mamba 5,423,104) + the larger MLP
     * kind (MoE 6,963,200) = 12,386,304 */
    o.recompute = TMEM_RECOMPUTE_FULL;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_CKPT], U64(1048576));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], 0);
    assert_int_equal(r.item_bytes[TMEM_TI_RECOMPUTE], U64(5423104) + U64(6963200));
    /* LoRA r 8 on q, v, in_proj, out_proj (dropout 0): a Mamba layer drops
     * the frozen norms' y (128 + 16 + 32 + 32) and dt_proj's input (16),
     * adds in_proj's and out_proj's A outputs (8·2 each): 2648 − 224 + 32 =
     * 2456 → 5,029,888; the attention layer drops attn_norm y (128), keeps
     * qkv_input (q, v targeted) and the o_proj input (flash saves its output
     * for its own backward), adds q's and v's A outputs 16 + 16: 916 − 128 +
     * 32 = 820 → 1,679,360. Mixers: 1,679,360 + 3 · 5,029,888 = 16,769,024 */
    o.recompute = TMEM_RECOMPUTE_NONE;
    o.lora_rank = 8;
    o.lora_targets = tmem_kind_set_or(tmem_kind_set_or(tmem_lora_target_kinds("q_proj"), tmem_lora_target_kinds("v_proj")),
                                      tmem_kind_set_or(tmem_lora_target_kinds("in_proj"),
                                                       tmem_lora_target_kinds("out_proj")));
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], U64(1679360) + 3 * U64(5029888));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], U64(16769024));
    /* ZeRO-3 and the micro-batch search run on it */
    o.lora_rank = 0;
    o.lora_targets = (struct tmem_kind_set){{0}};
    o.zero = 3;
    o.dp = 2;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], U64(18145280));
    /* tensor parallel stays refused for the Mamba layers */
    o.zero = 0;
    o.dp = 1;
    o.tp = 2;
    assert_int_equal(tmem_train_validate(&m, &o, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "--tp");
}

/* A small Granite-4.0-H (granitemoehybrid): 4 layers by layer_types
 * (mamba, attention, mamba, mamba), d 64, 4 heads of 16, 2 KV heads, 4
 * experts top 2 of 32, shared MLP 64, Mamba-2 4 heads of 32 (d_inner 128),
 * 1 group, d_state 16. bf16-mixed, b 1, s 2048, flash, eager. Per token:
 *   attention layer's mixer                                 = 916 (as Jamba's)
 *   Mamba-2 layer's mixer (BambaMixer in training: mamba_split_conv1d_scan_
 *     combined with the gated RMSNorm and out_proj inside):
 *     norm 388, in_proj input 128, zxbcdt (2·128 + 2·1·16 + 4) · 2 = 584,
 *     out_x 128·2 = 256, gated-norm rstd 1 · 4 = 4           = 1360
 *   MoE (GraniteMoeHybridMoE + shared_mlp): norm 388, input 128, top-2
 *     indices 2·8 = 16, softmax of the 2 in fp32 2·4 = 8, sorted indices and
 *     batch_index 2 · 2·8 = 32, batch_gates 2·2 = 4, expert in / out
 *     2 · 2·64·2 = 512, the gated expert output kept by index_add (its
 *     source) 2·64·2 = 256, experts' inner (input_linear 2·32, silu,
 *     product) 2 · 4·32·2 = 512, shared inner 4 · 64·2 = 512   = 2368
 * × 2048: attention 1,875,968; mamba 2,785,280; MoE 4,849,664. Mixers
 * 1,875,968 + 3 · 2,785,280 = 10,231,808; MoE 4 · 4,849,664 = 19,398,656;
 * no dense MLP layer. */
static const char granite_small[] =
    "{\"model_type\": \"granitemoehybrid\", \"vocab_size\": 256, \"hidden_size\": 64, "
    "\"num_hidden_layers\": 4, \"num_attention_heads\": 4, \"num_key_value_heads\": 2, "
    "\"num_local_experts\": 4, \"num_experts_per_tok\": 2, \"intermediate_size\": 32, "
    "\"shared_intermediate_size\": 64, \"mamba_n_heads\": 4, \"mamba_d_head\": 32, "
    "\"mamba_n_groups\": 1, \"mamba_d_state\": 16, \"mamba_expand\": 2, "
    "\"attention_dropout\": 0.0, "
    "\"layer_types\": [\"mamba\", \"attention\", \"mamba\", \"mamba\"]}";

static void granite_trains_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    parse(granite_small, &m, &inv);
    struct tmem_train_opts o;
    train_plan(&o);
    struct tmem_error err = {0};
    static struct tmem_train_result r;
    if (tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], U64(1875968) + 3 * U64(2785280));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], U64(10231808));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_MOE], 4 * U64(4849664));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_MLP], 0);
    /* LoRA r 8 on in_proj (dropout 0): the frozen norm drops y (128), in_proj
     * keeps its input, its adapter adds A's output 8·2: 1360 − 128 + 16 =
     * 1248 → 2,555,904; out_proj's adapter is never called (the combined
     * Function reads .weight). The attention layer, nothing targeted: drops
     * attn_norm y and qkv_input (2 · 128): 916 − 256 = 660 → 1,351,680 */
    o.lora_rank = 8;
    o.lora_targets = tmem_kind_set_or(tmem_lora_target_kinds("in_proj"), tmem_lora_target_kinds("out_proj"));
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], U64(1351680) + 3 * U64(2555904));
}

/* falcon_h1 (attention and Mamba-2 side by side) and qwen3_next (Gated
 * DeltaNet beside attention) pass train's checks (their tensors by hand:
 * test_falconh1_train.c, test_qwen3next_train.c) */
static void parallel_and_gdn_hybrids_train(void **state)
{
    (void)state;
    struct tmem_model raw, m;
    struct tmem_error err = {0};
    static const char *const cfgs[] = {
        "{\"model_type\": \"falcon_h1\", \"vocab_size\": 64, \"hidden_size\": 64, \"num_hidden_layers\": 2, "
        "\"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"intermediate_size\": 128, "
        "\"mamba_d_ssm\": 128, \"mamba_n_heads\": 4, \"mamba_d_head\": 32}",
        "{\"model_type\": \"qwen3_next\", \"vocab_size\": 64, \"hidden_size\": 64, \"num_hidden_layers\": 4, "
        "\"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"head_dim\": 16, \"intermediate_size\": 128, "
        "\"num_experts\": 4, \"num_experts_per_tok\": 2, \"moe_intermediate_size\": 32, "
        "\"shared_expert_intermediate_size\": 32}",
    };
    for (size_t i = 0; i < sizeof cfgs / sizeof cfgs[0]; i++) {
        if (tmem_hf_config_parse(cfgs[i], strlen(cfgs[i]), "config.json", NULL, &raw, &err) != TMEM_OK ||
            tmem_model_resolve(&raw, &m, &err) != TMEM_OK)
            fail_msg("config %zu: %s: %s", i, err.where, err.msg);
        struct tmem_train_opts o;
        tmem_train_opts_default(&o);
        assert_int_equal(tmem_train_validate(&m, &o, &err), TMEM_OK);
    }
}

/* Granite-4.0-H (granitemoehybrid), V 100352, tied, 40 layers, attention in
 * layers 5, 15, 25, 35 (layer_types), the 36 others Mamba-2 (d_inner 2·d,
 * H heads of 64, 1 group, N 128, d_conv 4: conv channels d_inner + 256),
 * E experts of f (gate, up, down) plus a shared MLP of fs in every layer, or
 * the shared MLP alone without experts. Per Mamba layer:
 *   in_proj d · (d_inner + conv + H) + conv1d 4 · conv + conv + 3 · H + norm
 *   d_inner + out_proj d_inner · d.
 * h-small: d 4096, 32 heads (d_head 128), 8 KV heads, E 72 top 10, f 768,
 * fs 1536, H 128:
 *   embeddings 100352 · 4096                              =    411,041,792
 *   norms 80 · 4096 + final 4096                          =        331,776
 *   attention 4 · (2 · 4096² + 2 · 4096 · 1024)           =    167,772,160
 *   Mamba 36 · (4096 · 16512 + 5 · 8448 + 384 + 8192 + 8192 · 4096)
 *         = 36 · 102,286,976                              =  3,682,331,136
 *   MoE 40 · (4096 · 72 + 72 · 3 · 4096 · 768 + 3 · 4096 · 1536)
 *       = 40 · 698,646,528                                = 27,945,861,120
 *   total                                                 = 32,207,337,984
 * EVIDENCE: GGUF general.parameter_count of granite-4.0-h-small
 * 32,207,337,984 (quoted in public code); h-tiny (d 1536, 12 / 4 heads, E 64
 * top 6, f 512, fs 1024, H 48): HF safetensors metadata 6,939,037,248;
 * h-micro (d 2048, 32 / 8 heads, no experts, fs 8192, H 64): GGUF
 * general.parameter_count 3,191,396,096. */
static uint64_t granite_total(uint64_t d, uint64_t n_head, uint64_t n_kv, uint64_t E, uint64_t f,
                              uint64_t fs, uint64_t H)
{
    const uint64_t V = 100352, di = 2 * d, conv = di + 2 * 128, dh = d / n_head;
    const uint64_t attn = 2 * d * n_head * dh + 2 * d * n_kv * dh;
    const uint64_t mamba = d * (di + conv + H) + 4 * conv + conv + 3 * H + di + di * d;
    const uint64_t ffn = E ? d * E + E * 3 * d * f + 3 * d * fs : 3 * d * fs;
    return V * d + 80 * d + d + 4 * attn + 36 * mamba + 40 * ffn;
}

static void granite_4_h_counts_its_published_totals(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        uint64_t d, n_head, n_kv, E, k, f, fs, H, published;
    } rows[] = {
        {"granite-4.0-h-small", 4096, 32, 8, 72, 10, 768, 1536, 128, U64(32207337984)},
        {"granite-4.0-h-tiny", 1536, 12, 4, 64, 6, 512, 1024, 48, U64(6939037248)},
        {"granite-4.0-h-micro", 2048, 32, 8, 0, 0, 0, 8192, 64, U64(3191396096)},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct tmem_model m;
        static struct tmem_inventory inv;
        tmem_test_load(rows[i].name, &m, &inv);
        check_group_sum(&inv);
        assert_string_equal(tmem_family_info(m.family)->name, "granitemoehybrid");
        uint64_t hand = granite_total(rows[i].d, rows[i].n_head, rows[i].n_kv, rows[i].E, rows[i].f,
                                      rows[i].fs, rows[i].H);
        assert_int_equal(hand, rows[i].published);
        assert_int_equal(inv.total_params, hand);
        assert_int_equal(tmem_model_attn_layers_in(&m, 0, 40), 4);
        assert_int_equal(tmem_model_attn_layers_in(&m, 5, 6), 1);
        assert_int_equal(tmem_model_attn_layers_in(&m, 6, 15), 0);
        assert_int_equal(tmem_model_attn_layers_in(&m, 35, 36), 1);
        assert_int_equal(m.ssm_n_head, rows[i].H);
        assert_int_equal(m.ssm_d_head, 64);
        assert_int_equal(inv.group_params[TMEM_GROUP_LM_HEAD], 0); /* tied */
        /* active: the routed experts a token does not use are idle */
        const uint64_t expert = 3 * rows[i].d * rows[i].f;
        assert_int_equal(inv.active_params, hand - 40 * (rows[i].E - rows[i].k) * expert);
        if (rows[i].E == 0) { /* the shared MLP is the dense MLP */
            assert_int_equal(inv.group_params[TMEM_GROUP_MLP], 40 * 3 * rows[i].d * rows[i].fs);
            assert_int_equal(inv.group_params[TMEM_GROUP_SHARED_EXPERTS], 0);
        } else {
            assert_int_equal(inv.group_params[TMEM_GROUP_MLP], 0);
            assert_int_equal(inv.group_params[TMEM_GROUP_SHARED_EXPERTS], 40 * 3 * rows[i].d * rows[i].fs);
        }
    }
}

/* granite-4.0-h-small's cache, bf16: KV 2 · 4 layers · 8 · 128 · 2 B =
 * 16,384 B per token; a Mamba-2 layer's state (3 · (8192 + 256) conv +
 * 128 · 64 · 128 ssm) · 2 B = 2,147,840 B, 36 layers 77,322,240 B. vLLM:
 * block 16 · cdiv(2,147,840, 16 · 4,096) = 16 · 33 = 528 tokens, page
 * 2,162,688 B; groups of 4: 1 attention + 9 mamba; a block 8,650,752 B; a
 * request of 640 tokens: ceil(640 / 528) = 2 + 9 = 11 blocks. */
static void granite_small_kv_beside_state(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    tmem_test_load("granite-4.0-h-small", &m, &inv);
    struct tmem_kv_layout kv;
    struct tmem_error err = {0};
    assert_int_equal(tmem_kv_layout(&m, TMEM_KV_BF16, 1, 0, 40, &kv, &err), TMEM_OK);
    assert_int_equal(kv.bytes_per_token, 16384);
    assert_int_equal(kv.state_bytes_per_layer, (3 * (8192 + 256) + 128 * 64 * 128) * 2);
    assert_int_equal(kv.state_bytes_per_seq, 36 * U64(2147840));
    struct tmem_infer_opts o;
    tmem_infer_defaults(&o);
    o.gpu = tmem_gpu_find("h200");
    assert_non_null(o.gpu);
    struct tmem_infer_result r;
    assert_int_equal(tmem_infer_build(&m, &inv, &o, &r, &err), TMEM_OK);
    assert_int_equal(r.attn_block_tokens, 528);
    assert_int_equal(r.group_layers, 4);
    assert_int_equal(r.kv_attn_groups, 1);
    assert_int_equal(r.kv_state_groups, 9);
    assert_int_equal(r.block_bytes, 4 * 528 * U64(4096));
    assert_int_equal(r.blocks_per_seq, 2 + 9);
    assert_int_equal(r.capacity_tokens, r.kv_blocks / 10 * 528);
}

/* The state stays in the model dtype under an fp8 KV cache. REF: vLLM
 * model_executor/layers/mamba/mamba_utils.py
 * MambaStateDtypeCalculator._mamba_state_dtype: conv state
 * get_kv_cache_torch_dtype(mamba_cache_dtype "auto", model_dtype) = bf16,
 * temporal state mamba_ssm_cache_dtype "auto" = the conv state's; the
 * attention's page is KVCacheSpec's block · 2 · KV heads · d_head · 1 B.
 * granite-4.0-h-small, --kv-dtype fp8:
 *   KV per token 2 · 4 layers · 8 · 128 · 1 B = 8,192 (one layer 2,048)
 *   state per layer (3 · (8192 + 256) + 8192 · 128) · 2 B = 2,147,840 (not
 *   halved); block 16 · cdiv(2,147,840, 16 · 2,048) = 16 · 66 = 1,056
 *   tokens, page 1,056 · 2,048 = 2,162,688 B
 * --mamba-ssm-cache-dtype float32: 3 · 8448 · 2 + 8192 · 128 · 4 =
 *   50,688 + 4,194,304 = 4,244,992 B; block 16 · cdiv(4,244,992, 32,768) =
 *   16 · 130 = 2,080 tokens, page 4,259,840 B.
 * Flags beyond vLLM's MambaDType, or for another engine, are refused. */
static void hybrid_state_keeps_the_model_dtype_under_fp8_kv(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    tmem_test_load("granite-4.0-h-small", &m, &inv);
    struct tmem_infer_opts o;
    tmem_infer_defaults(&o);
    o.gpu = tmem_gpu_find("h200");
    assert_non_null(o.gpu);
    o.kv_dtype = TMEM_KV_FP8;
    struct tmem_infer_result r;
    struct tmem_error err = {0};
    assert_int_equal(tmem_infer_build(&m, &inv, &o, &r, &err), TMEM_OK);
    assert_int_equal(r.kv.bytes_per_token, 2 * 4 * 8 * 128);
    assert_int_equal(r.kv.state_bytes_per_layer, (3 * (8192 + 256) + 8192 * 128) * 2);
    assert_int_equal(r.kv.state_bytes_per_layer, U64(2147840));
    assert_int_equal(r.kv.state_bytes_per_seq, 36 * U64(2147840));
    assert_int_equal(r.attn_block_tokens, 16 * 66);
    assert_int_equal(r.block_bytes, 4 * U64(1056) * 2048);
    assert_non_null(strstr(r.kv.state_formula, "bf16"));

    o.mamba_ssm_cache_dtype = TMEM_DTYPE_F32;
    assert_int_equal(tmem_infer_build(&m, &inv, &o, &r, &err), TMEM_OK);
    assert_int_equal(r.kv.state_bytes_per_layer, 3 * 8448 * 2 + 8192 * 128 * 4);
    assert_int_equal(r.kv.state_bytes_per_layer, U64(4244992));
    assert_int_equal(r.attn_block_tokens, 16 * 130);
    assert_int_equal(r.block_bytes, 4 * U64(2080) * 2048);
    assert_non_null(strstr(r.kv.state_formula, "fp32"));

    /* --mamba-cache-dtype float32 moves the conv state and, under auto, the SSM state */
    o.mamba_ssm_cache_dtype = TMEM_STATE_DTYPE_AUTO;
    o.mamba_cache_dtype = TMEM_DTYPE_F32;
    assert_int_equal(tmem_infer_build(&m, &inv, &o, &r, &err), TMEM_OK);
    assert_int_equal(r.kv.state_bytes_per_layer, U64(2147840) * 2);

    o.mamba_cache_dtype = TMEM_DTYPE_FP8;
    assert_int_equal(tmem_infer_build(&m, &inv, &o, &r, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "--mamba-cache-dtype");
    o.mamba_cache_dtype = TMEM_DTYPE_F16;
    o.engine = TMEM_ENGINE_SGLANG;
    tmem_infer_engine_defaults(&o);
    assert_int_equal(tmem_infer_build(&m, &inv, &o, &r, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "--mamba-cache-dtype");
}

/* layer_types is read as the list of attention layers: its length must be
 * n_layer and its names those of the config class */
static void layer_types_are_checked(void **state)
{
    (void)state;
#define GRANITE_CFG                                                                                \
    "{\"model_type\": \"granitemoehybrid\", \"vocab_size\": 64, \"hidden_size\": 64, "              \
    "\"num_hidden_layers\": 3, \"num_attention_heads\": 4, \"num_local_experts\": 0, "               \
    "\"shared_intermediate_size\": 128, \"mamba_n_heads\": 2, \"layer_types\": %s}"
    char text[512];
    struct tmem_model raw, m;
    struct tmem_error err = {0};
    snprintf(text, sizeof text, GRANITE_CFG, "[\"mamba\", \"attention\", \"mamba\"]");
    assert_int_equal(tmem_hf_config_parse(text, strlen(text), "config.json", NULL, &raw, &err), TMEM_OK);
    assert_int_equal(tmem_model_resolve(&raw, &m, &err), TMEM_OK);
    assert_int_equal(tmem_model_attn_layers_in(&m, 0, 3), 1);
    assert_int_equal(tmem_model_attn_layers_in(&m, 1, 2), 1);
    assert_int_equal(m.ssm_d_head, 64); /* "auto": d_inner 128 / 2 heads */
    snprintf(text, sizeof text, GRANITE_CFG, "[\"mamba\", \"attention\"]");
    assert_int_equal(tmem_hf_config_parse(text, strlen(text), "config.json", NULL, &raw, &err),
                     TMEM_ERR_INCONSISTENT);
    assert_non_null(strstr(err.where, "layer_types"));
    assert_non_null(strstr(err.msg, "lists 2 layers but the model has 3"));
    snprintf(text, sizeof text, GRANITE_CFG, "[\"mamba\", \"moe\", \"mamba\"]");
    assert_int_equal(tmem_hf_config_parse(text, strlen(text), "config.json", NULL, &raw, &err),
                     TMEM_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "layer 1 is"));
}

/* Qwen3-Next-80B-A3B (qwen3_next): d 2048, V 151936 untied, 48 layers;
 * layer i attends iff (i + 1) % 4 == 0 (12 layers), the 36 others are Gated
 * DeltaNet (32 value heads of 128, 16 key heads of 128, conv 4); every layer
 * MoE (512 experts of 512, top 10, a shared expert of 512 with its gate):
 *   embeddings + lm_head 2 · 151936 · 2048                    =    622,329,856
 *   norms 96 · 2048 + final 2048                              =        198,656
 *   attention, per layer: q_proj 2048 · 2 · 16 · 256 = 16,777,216,
 *     k, v 2 · 2048 · 512, o_proj 4096 · 2048, q/k norms 2 · 256
 *     = 27,263,488; 12 layers                                 =    327,161,856
 *   Gated DeltaNet, per layer: in_proj_qkvz 2048 · (2·2048 + 2·4096) +
 *     in_proj_ba 2048 · 64 = 25,296,896; conv1d 8192 · 4 = 32,768; dt_bias,
 *     A_log 2 · 32; norm 128; out_proj 4096 · 2048 = 8,388,608
 *     = 33,718,464; 36 layers                                 =  1,213,864,704
 *   MoE, per layer: router 2048 · 512 + shared gate 2048 + 512 · 3 · 2048 ·
 *     512 + 3 · 2048 · 512 = 1,614,809,088; 48 layers          = 77,510,836,224
 *   total                                                      = 79,674,391,296
 * EVIDENCE: the HF total of Qwen/Qwen3-Coder-Next (this layout, no MTP
 * layer) 79,674,391,296, quoted in public code. The Qwen3-Next-80B-A3B
 * checkpoint adds its MTP layer (not loaded by Qwen3NextForCausalLM): one
 * attention decoder layer with MoE (27,263,488 + 1,614,809,088 + 2 norms
 * 4,096), fc 2 · 2048 · 2048 = 8,388,608, and norm, pre_fc_norm_hidden,
 * pre_fc_norm_embedding 3 · 2048 = 1,650,471,424: 81,324,862,720, its
 * published total. Active: 48 · 502 idle experts · 3,145,728 fewer =
 * 3,874,929,408. */
static void qwen3_next_counts_its_published_totals(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    tmem_test_load("qwen3-next-80b-a3b", &m, &inv);
    check_group_sum(&inv);
    assert_string_equal(tmem_family_info(m.family)->name, "qwen3_next");
    const uint64_t d = 2048, V = 151936;
    const uint64_t attn = d * 2 * 16 * 256 + 2 * d * 512 + 4096 * d + 2 * 256;
    assert_int_equal(attn, U64(27263488));
    const uint64_t gdn = d * (2 * 2048 + 2 * 4096) + d * 64 + 8192 * 4 + 2 * 32 + 128 + 4096 * d;
    assert_int_equal(gdn, U64(33718464));
    const uint64_t expert = 3 * d * 512;
    const uint64_t moe = d * 512 + d + 512 * expert + expert;
    assert_int_equal(moe, U64(1614809088));
    const uint64_t total = 2 * V * d + 96 * d + d + 12 * attn + 36 * gdn + 48 * moe;
    assert_int_equal(total, U64(79674391296));
    assert_int_equal(inv.total_params, total);
    assert_int_equal(inv.active_params, total - 48 * 502 * expert);
    assert_int_equal(inv.active_params, U64(3874929408));
    const uint64_t mtp = attn + moe + 2 * d + 2 * d * d + 3 * d;
    assert_int_equal(inv.total_params + mtp, U64(81324862720));
    /* the Coder-Next preset is the same layout with its published figure */
    struct tmem_model cm;
    static struct tmem_inventory cinv;
    tmem_test_load("qwen3-coder-next", &cm, &cinv);
    assert_int_equal(cinv.total_params, total);
    /* layers 3, 7, ..., 47 attend */
    assert_int_equal(tmem_model_attn_layers_in(&m, 0, 48), 12);
    for (uint64_t l = 0; l < 48; l++)
        assert_int_equal(tmem_model_attn_layers_in(&m, l, l + 1), (l + 1) % 4 == 0 ? 1 : 0);
    assert_int_equal(inv.group_params[TMEM_GROUP_SSM], 36 * gdn);
}

/* Qwen3-Next's cache, bf16, tp 1: KV 2 · 12 · 2 · 256 · 2 B = 24,576 B per
 * token; a Gated DeltaNet layer's state: conv 3 · (2 · 16 · 128 + 32 · 128)
 * = 24,576, temporal 32 · 128 · 128 = 524,288, (24,576 + 524,288) · 2 B =
 * 1,097,728 B; 36 layers 39,518,208 B. vLLM: one token of one attention
 * layer 2 · 2 · 256 · 2 = 2,048 B; block 16 · cdiv(1,097,728, 16 · 2,048) =
 * 16 · 34 = 544 tokens, page 1,114,112 B; 12 attention and 36 linear layers:
 * groups of 12 (36 ≥ 1.5 · 12), 1 + 3; block 12 · 1,114,112 = 13,369,344 B;
 * 640 tokens: ceil(640 / 544) = 2 + 3 = 5 blocks. */
static void qwen3_next_kv_beside_state(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    tmem_test_load("qwen3-next-80b-a3b", &m, &inv);
    struct tmem_kv_layout kv;
    struct tmem_error err = {0};
    assert_int_equal(tmem_kv_layout(&m, TMEM_KV_BF16, 1, 0, 48, &kv, &err), TMEM_OK);
    assert_int_equal(kv.bytes_per_token, 2 * 12 * 2 * 256 * 2);
    assert_int_equal(kv.state_bytes_per_layer, (3 * (2 * 16 * 128 + 32 * 128) + 32 * 128 * 128) * 2);
    assert_int_equal(kv.state_bytes_per_seq, 36 * U64(1097728));
    /* tp 2: 1 KV head per rank, half the channels and value heads */
    assert_int_equal(tmem_kv_layout(&m, TMEM_KV_BF16, 2, 0, 48, &kv, &err), TMEM_OK);
    assert_int_equal(kv.bytes_per_token, 2 * 12 * 1 * 256 * 2);
    assert_int_equal(kv.state_bytes_per_layer, (3 * 4096 + 16 * 128 * 128) * 2);
    struct tmem_infer_opts o;
    tmem_infer_defaults(&o);
    o.gpu = tmem_gpu_find("h200");
    assert_non_null(o.gpu);
    o.weights = TMEM_WF_FP8;
    struct tmem_infer_result r;
    assert_int_equal(tmem_infer_build(&m, &inv, &o, &r, &err), TMEM_OK);
    assert_int_equal(r.attn_block_tokens, 544);
    assert_int_equal(r.group_layers, 12);
    assert_int_equal(r.kv_attn_groups, 1);
    assert_int_equal(r.kv_state_groups, 3);
    assert_int_equal(r.block_bytes, 12 * 544 * U64(2048));
    assert_int_equal(r.blocks_per_seq, 2 + 3);
    assert_int_equal(r.capacity_tokens, r.kv_blocks / 4 * 544);
}

/* Falcon-H1-1.5B (falcon_h1): d 2048, 24 layers, each with attention (8
 * heads of 128, 2 KV heads) and a Mamba-2 mixer (d_ssm 3072 = 48 heads of
 * 64, 1 group, N 256, d_conv 4, gated norm) side by side, a SwiGLU MLP of
 * 4608, 2 RMSNorms; V 65537 untied. Per layer:
 *   attention 2048·1024 + 2·2048·256 + 1024·2048               =  5,242,880
 *   Mamba-2 in_proj 2048 · (3072 + 3584 + 48) = 13,729,792; conv1d 3584 · 4
 *     + 3584; dt_bias, A_log, D 3 · 48; norm 3072; out_proj 3072 · 2048
 *                                                               = 20,042,384
 *   MLP 3 · 2048 · 4608 = 28,311,552; norms 2 · 2048
 *   per layer 53,600,912; 24 layers 1,286,421,888; embeddings and lm_head
 *   2 · 65537 · 2048 = 268,439,552; final norm 2048 → 1,554,863,488.
 * EVIDENCE: sum(p.numel() for p in model.parameters()) == 1554863488 for
 * FalconH1ForCausalLM of Falcon-H1-1.5B (411 tensors), quoted in public
 * code. Cache, bf16: KV 2 · 24 · 2 · 128 · 2 = 24,576 B per token; state per
 * layer (3 · 3584 + 3072 · 256) · 2 = 1,594,368 B. vLLM: one token of one
 * attention layer 1,024 B; block 16 · cdiv(1,594,368, 16 · 1,024) = 16 · 98
 * = 1,568 tokens; 24 attention and 24 mamba layers: one group of each (24 <
 * 1.5 · 24); block 24 · 1,568 · 1,024 B; 640 tokens: 1 + 1 blocks. */
static void falcon_h1_counts_its_published_total(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    tmem_test_load("falcon-h1-1.5b", &m, &inv);
    check_group_sum(&inv);
    assert_string_equal(tmem_family_info(m.family)->name, "falcon_h1");
    const uint64_t d = 2048;
    const uint64_t attn = d * 1024 + 2 * d * 256 + 1024 * d;
    const uint64_t mamba = d * (3072 + 3584 + 48) + 3584 * 4 + 3584 + 3 * 48 + 3072 + 3072 * d;
    assert_int_equal(mamba, U64(20042384));
    const uint64_t layer = attn + mamba + 3 * d * 4608 + 2 * d;
    assert_int_equal(layer, U64(53600912));
    const uint64_t total = 24 * layer + 2 * U64(65537) * d + d;
    assert_int_equal(total, U64(1554863488));
    assert_int_equal(inv.total_params, total);
    assert_int_equal(tmem_model_attn_layers_in(&m, 0, 24), 24);
    assert_int_equal(tmem_model_ssm_layers_in(&m, 0, 24), 24);
    assert_int_equal(tmem_model_ssm_layers_in(&m, 3, 4), 1);
    struct tmem_kv_layout kv;
    struct tmem_error err = {0};
    assert_int_equal(tmem_kv_layout(&m, TMEM_KV_BF16, 1, 0, 24, &kv, &err), TMEM_OK);
    assert_int_equal(kv.bytes_per_token, 2 * 24 * 2 * 128 * 2);
    assert_int_equal(kv.state_bytes_per_layer, (3 * 3584 + 3072 * 256) * 2);
    assert_int_equal(kv.state_bytes_per_seq, 24 * U64(1594368));
    struct tmem_infer_opts o;
    tmem_infer_defaults(&o);
    o.gpu = tmem_gpu_find("h200");
    assert_non_null(o.gpu);
    struct tmem_infer_result r;
    assert_int_equal(tmem_infer_build(&m, &inv, &o, &r, &err), TMEM_OK);
    assert_int_equal(r.attn_block_tokens, 1568);
    assert_int_equal(r.group_layers, 24);
    assert_int_equal(r.kv_attn_groups, 1);
    assert_int_equal(r.kv_state_groups, 1);
    assert_int_equal(r.block_bytes, 24 * 1568 * U64(1024));
    assert_int_equal(r.blocks_per_seq, 2);
    /* no gated norm without mamba_rms_norm (FalconH1Config's default) */
    struct tmem_model raw = m, nn;
    raw.ssm_no_norm = true;
    static struct tmem_inventory ninv;
    assert_int_equal(tmem_model_resolve(&raw, &nn, NULL), TMEM_OK);
    assert_int_equal(tmem_inventory_build(&nn, &ninv, NULL), TMEM_OK);
    assert_int_equal(ninv.total_params, total - 24 * 3072);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(jamba_layer_pattern),
        cmocka_unit_test(jamba_counts_its_published_total),
        cmocka_unit_test(jamba_kv_beside_state),
        cmocka_unit_test(jamba_trains_by_hand),
        cmocka_unit_test(granite_trains_by_hand),
        cmocka_unit_test(parallel_and_gdn_hybrids_train),
        cmocka_unit_test(granite_4_h_counts_its_published_totals),
        cmocka_unit_test(granite_small_kv_beside_state),
        cmocka_unit_test(layer_types_are_checked),
        cmocka_unit_test(hybrid_state_keeps_the_model_dtype_under_fp8_kv),
        cmocka_unit_test(qwen3_next_counts_its_published_totals),
        cmocka_unit_test(qwen3_next_kv_beside_state),
        cmocka_unit_test(falcon_h1_counts_its_published_total),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
