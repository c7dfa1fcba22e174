/* test_falconh1_train.c — training activations of Falcon-H1 (falcon_h1),
 * whose every decoder layer runs attention and a Mamba-2 mixer side by side
 * on one input_layernorm output (act_inventory.c tmem__act_layer's parallel
 * branch, mamba2_mixer): the per-tensor list of one layer, the ledger's
 * items, full recompute, LoRA / QLoRA / DoRA adapters on both mixers'
 * linears (PEFT's counts), and mamba_rms_norm false, each against a hand
 * calculation written beside it (every tensor an explicit product with its
 * shape). tests/validate/hybrid.py measures a small stack in PyTorch.
 *
 * REF HF transformers modeling_falcon_h1.py: FalconH1DecoderLayer
 * (input_layernorm → mamba(y) · ssm_out_multiplier + self_attn(y ·
 * attention_in_multiplier) · attention_out_multiplier → residual →
 * pre_ff_layernorm → FalconH1MLP → residual), FalconH1Mixer.
 * cuda_kernels_forward (training without a cache: in_proj(x ·
 * ssm_in_multiplier) · mup_vector → mamba_ssm mamba_split_conv1d_scan_
 * combined, which saves zxbcdt, out_x and, with the gated RMSNorm, its fp32
 * rstd), FalconH1MLP (down(up(x) · silu(gate(x) · gate_multiplier)) ·
 * down_multiplier). The muP multipliers are Python scalars: their
 * multiplies save nothing. */
#include "harness.h"

#include "tmem/read.h"
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

static bool listed(const struct tmem_act_inventory *a, const char *name)
{
    for (uint32_t i = 0; i < a->n_tensors; i++)
        if (strcmp(a->tensors[i].name, name) == 0)
            return true;
    return false;
}

/* the n tensors from the first named w[0].name on are w[], in order, all
 * tagged as the one layer kind a parallel hybrid's layer is */
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
        assert_int_equal(t->layer_kind, TMEM_ACT_LAYER_ATTENTION);
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
    o->precision = TMEM_PRECISION_BF16_MIXED;
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

/* Falcon-H1-1.5B (preset falcon-h1-1.5b: tiiuae/Falcon-H1-1.5B config):
 * d 2048, 24 layers, attention 8 heads of 128 and 2 KV heads, Mamba-2
 * d_ssm 3072 = 48 heads of 64, 1 group, d_state 256 (conv channels 3072 +
 * 2·256 = 3584; in_proj 3072 + 3584 + 48 = 6704 columns), mamba_rms_norm
 * true, d_ff 4608, no dropout. bf16-mixed (r = c = bf16), b 1, s 2048,
 * flash, HF eager RMSNorm. One layer, 2048 tokens:
 *   input_layernorm, once (attention and the mixer read its output)
 *   attn_norm.x_fp32    2048 × 2048 × 4        = 16,777,216
 *   attn_norm.rstd      2048 × 1 × 4           = 8,192
 *   attn_norm.y         2048 × 2048 × 2        = 8,388,608
 *   attention (flash)
 *   attn.qkv_input      2048 × 2048 × 2        = 8,388,608  (y · attention_in_multiplier)
 *   attn.q              2048 × 8·128 × 2       = 4,194,304
 *   attn.k, attn.v      2048 × 2·128 × 2       = 1,048,576 each
 *   attn.o_proj_input   2048 × 8·128 × 2       = 4,194,304  (flash's output)
 *   attn.lse            2048 × 8 × 4           = 65,536
 *   Mamba-2 mixer
 *   ssm.in_proj_input   2048 × 2048 × 2        = 8,388,608  (y · ssm_in_multiplier)
 *   ssm.zxbcdt          2048 × 6704 × 2        = 27,459,584 (in_proj out · mup_vector)
 *   ssm.out_x           2048 × 48·64 × 2       = 12,582,912
 *   ssm.norm_rstd       2048 × 1 × 4           = 8,192
 *   MLP
 *   mlp_norm            16,777,216 + 8,192 + 8,388,608 = 25,174,016
 *   mlp.input           2048 × 2048 × 2        = 8,388,608
 *   gate_out (gate · gate_multiplier, silu's input), silu_out, up_out,
 *   down_input          4 × 2048 × 4608 × 2    = 75,497,472
 * per token: norm 8192 + 4 + 4096 = 12,292; attention 4096 + 2048 + 512 +
 * 512 + 2048 + 32 = 9,248; mixer 4096 + 13,408 + 6,144 + 4 = 23,652; MLP
 * 12,292 + 4096 + 36,864 = 53,252: the layer 98,444 B per token,
 * 201,613,312 B. Items over 24 layers: mixers 24 × 2048 × (12,292 + 9,248 +
 * 23,652) = 2,221,277,184; MLP 24 × 2048 × 53,252 = 2,617,442,304. */
static const struct want layer_1_5b[] = {
    {"attn_norm.x_fp32", SAVED, U64(2048) * 2048 * 4},
    {"attn_norm.input", ABSENT, U64(2048) * 2048 * 2},
    {"attn_norm.rstd", SAVED, U64(2048) * 1 * 4},
    {"attn_norm.y", SAVED, U64(2048) * 2048 * 2},
    {"attn.qkv_input", SAVED, U64(2048) * 2048 * 2},
    {"attn.q", SAVED, U64(2048) * 8 * 128 * 2},
    {"attn.k", SAVED, U64(2048) * 2 * 128 * 2},
    {"attn.v", SAVED, U64(2048) * 2 * 128 * 2},
    {"attn.k_repeated", ABSENT, U64(2048) * 8 * 128 * 2},
    {"attn.v_repeated", ABSENT, U64(2048) * 8 * 128 * 2},
    {"attn.o_proj_input", SAVED, U64(2048) * 8 * 128 * 2},
    {"attn.flash_out", ABSENT, U64(2048) * 8 * 128 * 2},
    {"attn.lse", SAVED, U64(2048) * 8 * 4},
};
static const struct want mixer_1_5b[] = {
    {"ssm.in_proj_input", SAVED, U64(2048) * 2048 * 2},
    {"ssm.zxbcdt", SAVED, U64(2048) * (3072 + 3584 + 48) * 2},
    {"ssm.out_x", SAVED, U64(2048) * 48 * 64 * 2},
    {"ssm.norm_rstd", SAVED, U64(2048) * 1 * 4},
    {"mlp_norm.x_fp32", SAVED, U64(2048) * 2048 * 4},
    {"mlp_norm.input", ABSENT, U64(2048) * 2048 * 2},
    {"mlp_norm.rstd", SAVED, U64(2048) * 1 * 4},
    {"mlp_norm.y", SAVED, U64(2048) * 2048 * 2},
    {"mlp.input", SAVED, U64(2048) * 2048 * 2},
    {"mlp.gate_out", SAVED, U64(2048) * 4608 * 2},
    {"mlp.silu_out", SAVED, U64(2048) * 4608 * 2},
    {"mlp.up_out", SAVED, U64(2048) * 4608 * 2},
    {"mlp.down_input", SAVED, U64(2048) * 4608 * 2},
};

static void falcon_h1_1_5b_layer_by_hand(void **state)
{
    (void)state;
    static struct tmem_model m;
    static struct tmem_inventory inv;
    static struct tmem_act_inventory a;
    tmem_test_load("falcon-h1-1.5b", &m, &inv);
    assert_true(m.hybrid_parallel);
    struct tmem_train_opts o;
    plan(&o, 2048);
    struct tmem_error err = {0};
    if (tmem_train_activations(&m, &inv, &o, UINT64_MAX, &a, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    size_t na = sizeof layer_1_5b / sizeof layer_1_5b[0], nm = sizeof mixer_1_5b / sizeof mixer_1_5b[0];
    expect_run(&a, layer_1_5b, na);
    expect_run(&a, mixer_1_5b, nm);
    /* the norm is walked once: no mixer norm of its own */
    assert_false(listed(&a, "norm.x_fp32"));
    assert_int_equal(run_saved(layer_1_5b, na) + run_saved(mixer_1_5b, nm), U64(2048) * 98444);
    assert_int_equal(a.layer.total, U64(201613312));
    assert_int_equal(a.layer.attn, U64(2048) * (12292 + 9248 + 23652));
    assert_int_equal(a.layer.mlp, U64(2048) * 53252);
    assert_int_equal(a.dense_layers, 24);
    assert_int_equal(a.ssm_layers, 0); /* one layer kind: both mixers in each */
    static struct tmem_train_result r;
    if (tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], 24 * U64(2048) * (12292 + 9248 + 23652));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], U64(2221277184));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_MLP], 24 * U64(2048) * 53252);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_MLP], U64(2617442304));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_SCORES], 0); /* flash */
    /* full recompute: 24 bf16 layer inputs 24 × 2048 × 2048 × 2 = 201,326,592,
     * and one layer rebuilt whole (both mixers and the MLP) 201,613,312 */
    o.recompute = TMEM_RECOMPUTE_FULL;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_CKPT], 24 * U64(2048) * 2048 * 2);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], 0);
    assert_int_equal(r.item_bytes[TMEM_TI_RECOMPUTE], U64(2048) * 98444);
    /* pipeline 2 (micro-batches per step: pp = 2): stage 0 holds 12
     * layers, 2 micro-batches in flight (1F1B) */
    o.recompute = TMEM_RECOMPUTE_NONE;
    o.pp = 2;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, 0, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], 2 * 12 * U64(2048) * (12292 + 9248 + 23652));
    /* tensor parallel stays refused for the Mamba-2 mixer */
    o.pp = 1;
    o.tp = 2;
    assert_int_equal(tmem_train_validate(&m, &o, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "--tp");
}

/* LoRA r 16 on all-linear (PEFT: every nn.Linear but the output layer):
 * r·(d_in + d_out) per targeted linear, in each of the 24 layers
 *   q_proj   16 · (2048 + 1024) = 49,152    k_proj, v_proj 16 · (2048 + 256) = 36,864 each
 *   o_proj   16 · (1024 + 2048) = 49,152    gate, up, down 16 · (2048 + 4608) = 106,496 each
 *   in_proj  16 · (2048 + 6704) = 140,032   out_proj 16 · (3072 + 2048) = 81,920
 *   per layer 713,472; 24 layers 17,123,328 on 9 · 24 = 216 linears
 * DoRA adds a d_out magnitude per target: (1024 + 2·256 + 2048 + 2·4608 +
 * 2048 + 6704 + 2048) · 24 = 23,600 · 24 = 566,400.
 * Activations (dropout 0, the base frozen): the frozen norms drop y (2048 ·
 * 2 = 4,096 per token each); every linear keeps its input (targeted); each
 * called adapter keeps A's output, 16 · 2 = 32 per token: q, k, v, o,
 * in_proj in the mixer part (out_proj's adapter is never called: the
 * combined Function reads out_proj.weight), gate, up, down in the MLP:
 *   mixers 45,192 − 4,096 + 5 · 32 = 41,256; MLP 53,252 − 4,096 + 3 · 32 = 49,252
 * DoRA keeps the base output and the scaled adapter output, d_out wide
 * each, of the called targets: mixers + 2 · 2 · (1024 + 256 + 256 + 2048 +
 * 6704) = 41,152 → 82,408; MLP + 2 · 2 · (4608 + 4608 + 2048) = 45,056 →
 * 94,308.
 * QLoRA (nf4): every linear of the base (not the lm_head) n/2 bytes + an
 * fp32 absmax per 64: linears per layer 2048·1024 + 2 · 2048·256 +
 * 1024·2048 + 3 · 2048·4608 + 2048·6704 + 3072·2048 = 53,575,680, 24 layers
 * 1,285,816,320 → 642,908,160 + 1,285,816,320 / 64 · 4 = 80,363,520; the
 * other 1,554,863,488 − 1,285,816,320 = 269,047,168 in bf16 538,094,336;
 * the adapters in bf16 17,123,328 · 2 = 34,246,656: weights 1,295,612,672.
 * The dequantized bf16 copy of the largest linear, in_proj: 2048 · 6704 · 2
 * = 27,459,584. */
static void falcon_h1_1_5b_adapters_by_hand(void **state)
{
    (void)state;
    static struct tmem_model m;
    static struct tmem_inventory inv;
    tmem_test_load("falcon-h1-1.5b", &m, &inv);
    struct tmem_train_opts o;
    plan(&o, 2048);
    o.lora_rank = 16;
    o.lora_targets = tmem_lora_target_kinds("all-linear");
    struct tmem_error err = {0};
    struct tmem_lora_params lp;
    if (tmem_lora_count(&m, &inv, &o, &lp, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    const uint64_t per_layer = 16 * (U64(2048) + 1024) + 2 * 16 * (U64(2048) + 256) + 16 * (U64(1024) + 2048) +
                               3 * 16 * (U64(2048) + 4608) + 16 * (U64(2048) + 6704) + 16 * (U64(3072) + 2048);
    assert_int_equal(per_layer, U64(713472));
    assert_int_equal(lp.adapter_params, 24 * per_layer);
    assert_int_equal(lp.adapter_params, U64(17123328));
    assert_int_equal(lp.targeted_linears, 9 * 24);
    assert_int_equal(lp.all_params, U64(1554863488) + U64(17123328));
    static struct tmem_train_result r;
    if (tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], 24 * U64(2048) * (45192 - 4096 + 5 * 32));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_MLP], 24 * U64(2048) * (53252 - 4096 + 3 * 32));
    static struct tmem_act_inventory a;
    assert_int_equal(tmem_train_activations(&m, &inv, &o, UINT64_MAX, &a, &err), TMEM_OK);
    assert_int_equal(a.tensors[index_of(&a, "lora.in_proj.a_out")].bytes, U64(2048) * 16 * 2);
    assert_false(listed(&a, "lora.out_proj.a_out"));
    assert_int_equal(a.tensors[index_of(&a, "ssm.in_proj_input")].state, SAVED); /* lora_A's input */

    /* in_proj and out_proj alone: attention's inputs go (attn_norm.y and
     * qkv_input, 2 · 4,096), flash keeps its output; in_proj's A out 32:
     * 45,192 − 8,192 + 32 = 37,032; 2 · 16 · (2048 + 6704 + 3072 + 2048) per layer */
    o.lora_targets = tmem_kind_set_or(tmem_lora_target_kinds("in_proj"), tmem_lora_target_kinds("out_proj"));
    assert_int_equal(tmem_lora_count(&m, &inv, &o, &lp, &err), TMEM_OK);
    assert_int_equal(lp.adapter_params, 24 * 16 * (U64(2048) + 6704 + 3072 + 2048));
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], 24 * U64(2048) * (45192 - 8192 + 32));

    /* DoRA */
    o.lora_targets = tmem_lora_target_kinds("all-linear");
    o.dora = true;
    assert_int_equal(tmem_lora_count(&m, &inv, &o, &lp, &err), TMEM_OK);
    assert_int_equal(lp.adapter_params,
                     U64(17123328) + 24 * (U64(1024) + 2 * 256 + 2048 + 2 * 4608 + 2048 + 6704 + 2048));
    assert_int_equal(lp.adapter_params, U64(17123328) + U64(566400));
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN],
                     24 * U64(2048) * (41256 + 2 * 2 * (U64(1024) + 256 + 256 + 2048 + 6704)));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_MLP], 24 * U64(2048) * (49252 + 2 * 2 * (U64(4608) + 4608 + 2048)));

    /* QLoRA */
    o.dora = false;
    o.base_quant = TMEM_BASE_QUANT_NF4;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    const uint64_t lin = 24 * (U64(2048) * 1024 + 2 * U64(2048) * 256 + U64(1024) * 2048 + 3 * U64(2048) * 4608 +
                               U64(2048) * 6704 + U64(3072) * 2048);
    assert_int_equal(lin, U64(1285816320));
    assert_int_equal(r.item_bytes[TMEM_TI_WEIGHTS],
                     lin / 2 + lin / 64 * 4 + (U64(1554863488) - lin) * 2 + U64(17123328) * 2);
    assert_int_equal(r.item_bytes[TMEM_TI_WEIGHTS], U64(1295612672));
    assert_int_equal(r.item_bytes[TMEM_TI_WEIGHT_TEMP], U64(2048) * 6704 * 2);
    /* the activations are LoRA's */
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], 24 * U64(2048) * (45192 - 4096 + 5 * 32));
}

/* A small Falcon-H1 (tests/validate/hybrid.py's FALCON, measured there in
 * PyTorch): d 64, 2 layers, attention 4 heads of 16 and 2 KV heads, Mamba-2
 * 4 heads of 32 (d_ssm 128), 1 group, d_state 16 (conv channels 128 + 32 =
 * 160; in_proj 128 + 160 + 4 = 292 columns), d_ff 128; bf16, b 1, s 512,
 * flash. Per token:
 *   input_layernorm x_fp32 64·4 = 256, rstd 4, y 64·2 = 128       = 388
 *   attention qkv_input 64·2, q 4·16·2, k 2·16·2, v 2·16·2,
 *     o_proj input 4·16·2, lse 4·4: 128 + 128 + 64 + 64 + 128 + 16 = 528
 *   mixer in_proj input 64·2, zxbcdt 292·2, out_x 128·2, rstd 1·4
 *     = 128 + 584 + 256 + 4                                       = 972
 *   MLP norm 388, input 128, 4 · 128·2                            = 1540
 * a layer 3,428 B per token: 512 × 3,428 = 1,755,136 B. mamba_rms_norm false
 * (FalconH1Config's default) drops the rstd: 3,424 per token. */
static const char small_config[] =
    "{\"model_type\": \"falcon_h1\", \"vocab_size\": 256, \"hidden_size\": 64, \"intermediate_size\": 128, "
    "\"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"head_dim\": 16, "
    "\"mamba_d_ssm\": 128, \"mamba_n_heads\": 4, \"mamba_d_head\": 32, \"mamba_n_groups\": 1, "
    "\"mamba_d_state\": 16, \"mamba_d_conv\": 4, \"mamba_expand\": 2, \"mamba_conv_bias\": true, "
    "\"mamba_proj_bias\": false, \"mamba_rms_norm\": %s, \"attention_bias\": false, \"mlp_bias\": false, "
    "\"tie_word_embeddings\": false}";

static void falcon_h1_small_by_hand(void **state)
{
    (void)state;
    char text[sizeof small_config + 8];
    static struct tmem_model m;
    static struct tmem_inventory inv;
    static struct tmem_act_inventory a;
    struct tmem_train_opts o;
    plan(&o, 512);
    o.precision = TMEM_PRECISION_BF16;
    struct tmem_error err = {0};
    snprintf(text, sizeof text, small_config, "true");
    parse(text, &m, &inv);
    if (tmem_train_activations(&m, &inv, &o, UINT64_MAX, &a, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    const struct want mixer[] = {
        {"ssm.in_proj_input", SAVED, U64(512) * 64 * 2},
        {"ssm.zxbcdt", SAVED, U64(512) * (128 + 160 + 4) * 2},
        {"ssm.out_x", SAVED, U64(512) * 4 * 32 * 2},
        {"ssm.norm_rstd", SAVED, U64(512) * 1 * 4},
    };
    expect_run(&a, mixer, sizeof mixer / sizeof mixer[0]);
    assert_int_equal(a.layer.attn, U64(512) * (388 + 528 + 972));
    assert_int_equal(a.layer.mlp, U64(512) * 1540);
    assert_int_equal(a.layer.total, U64(512) * 3428);
    assert_int_equal(a.layer.total, U64(1755136));
    /* without the gated norm: no rstd, 4 B per token fewer */
    snprintf(text, sizeof text, small_config, "false");
    parse(text, &m, &inv);
    assert_true(m.ssm_no_norm);
    assert_int_equal(tmem_train_activations(&m, &inv, &o, UINT64_MAX, &a, &err), TMEM_OK);
    assert_false(listed(&a, "ssm.norm_rstd"));
    assert_int_equal(a.tensors[index_of(&a, "ssm.out_x")].bytes, U64(512) * 4 * 32 * 2);
    assert_int_equal(a.layer.total, U64(512) * 3424);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(falcon_h1_1_5b_layer_by_hand),
        cmocka_unit_test(falcon_h1_1_5b_adapters_by_hand),
        cmocka_unit_test(falcon_h1_small_by_hand),
    };
    return cmocka_run_group_tests_name("falconh1_train", tests, NULL, NULL);
}
