/* test_vision_train.c — tmem train of vision-language models on samples
 * with images (--images, --train-vision; src/core/train_vision.c) against
 * hand arithmetic: the frozen tower's parameters taken out of the trained
 * ones, the projector's saved tensors, a trained CLIP tower's layers, LoRA
 * with and without the projector in modules_to_save, Llama 3.2 Vision's
 * cross-attention layers over the image states, and the refusals.
 *
 * llava-1.5-7b (llava-hf/llava-1.5-7b-hf): text Llama d 4096, 32 layers, 32
 * heads, d_ff 11008; tower CLIP ViT-L/14-336: d_v 1024, 24 layers, 16
 * heads, d_ff_v 4096, (336/14)² + 1 = 577 positions, 576 image tokens
 * (vision_feature_select_strategy "default" drops the class token);
 * projector linear_1 1024 → 4096, GELU, linear_2 4096 → 4096.
 * Plans: micro-batch 1 × seq 2048 (the text and the 576 image tokens),
 * bf16 with fp32 master (c = r = 2 B), flash / SDPA, no recompute.
 * REF HF transformers modeling_llava.py, modeling_clip.py,
 *     modeling_mllama.py; PEFT modules_to_save. */
#include "harness.h"

#include <string.h>

#include "tmem/read.h"
#include "tmem/train.h"


static void load(const char *name, struct tmem_model *m, struct tmem_inventory *inv)
{
    struct tmem_model raw;
    struct tmem_error err = {0};
    if (tmem_model_load(name, NULL, &raw, &err) != TMEM_OK || tmem_model_resolve(&raw, m, &err) != TMEM_OK ||
        tmem_inventory_build(m, inv, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
}

static struct tmem_train_opts opts(uint64_t images)
{
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.micro_batch = 1;
    o.seq = 2048;
    o.images = images;
    return o;
}

static void run(const struct tmem_model *m, const struct tmem_inventory *inv, const struct tmem_train_opts *o,
                struct tmem_train_result *r)
{
    struct tmem_error err = {0};
    if (tmem_train_compute(m, inv, o, UINT64_MAX, r, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
}

/* CLIP ViT-L/14-336's parameters: patch conv 3·14·14 × 1024 (no bias),
 * class embedding 1024, positions 577 × 1024, pre_layrnorm 2·1024; per
 * layer q, k, v, o 4·(1024·1024 + 1024), two LayerNorms 4·1024, fc1
 * 1024·4096 + 4096, fc2 4096·1024 + 1024; post_layernorm 2·1024 */
static const uint64_t clip_l_336 =
    U64(3) * 14 * 14 * 1024 + 1024 + U64(577) * 1024 + 2 * 1024 +
    U64(24) * (4 * (U64(1024) * 1024 + 1024) + 4 * 1024 + (U64(1024) * 4096 + 4096) + (U64(4096) * 1024 + 1024)) +
    2 * 1024;

/* the projector's saved tensors, 1 image: linear_1's input, the [:, 1:]
 * view of the 577-row hidden_states[-2] (577 × 1024 × 2 B); GELU's input
 * and linear_2's input (576 × 4096 × 2 B each); masked_scatter's mask
 * (b·s = 2048 bools) */
static const uint64_t llava_projector = U64(577) * 1024 * 2 + 2 * (U64(576) * 4096 * 2) + 2048;

static void llava_frozen_tower_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    static struct tmem_train_result r, text;
    load("llava-1.5-7b", &m, &inv);
    assert_int_equal(clip_l_336, U64(303507456));
    struct tmem_train_opts o = opts(1);
    run(&m, &inv, &o, &r);
    /* the tower frozen: no gradient, no state; the projector and the text
     * model train */
    assert_int_equal(r.layout.trainable_params, inv.total_params - clip_l_336);
    assert_int_equal(r.item_bytes[TMEM_TI_GRADS], (inv.total_params - clip_l_336) * 2);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_VISION], llava_projector);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_VISION], U64(10620928));
    /* the text model's saved tensors are those of a 2048-token sample:
     * --seq counts the 576 image tokens (the same plan without images) */
    struct tmem_train_opts t = opts(0);
    run(&m, &inv, &t, &text);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], text.item_bytes[TMEM_TI_ACT_ATTN]);
    assert_int_equal(r.item_bytes[TMEM_TI_LOGITS], text.item_bytes[TMEM_TI_LOGITS]);
    assert_int_equal(text.item_bytes[TMEM_TI_ACT_VISION], 0);
    assert_int_equal(text.layout.trainable_params, inv.total_params); /* text-only: as before */

    struct tmem_train_images ti;
    struct tmem_error err = {0};
    assert_int_equal(tmem_train_images(&m, &o, r.seq, &ti, &err), TMEM_OK);
    assert_int_equal(ti.tokens_per_image, (336 / 14) * (336 / 14));
    assert_int_equal(ti.image_tokens, 576);
    assert_int_equal(ti.text_tokens, 2048 - 576);
    assert_int_equal(ti.patches_per_image, 577);
    assert_false(ti.tower_trained);
    assert_true(ti.projector_trained);
}

static void llava_lora_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    static struct tmem_train_result r;
    load("llava-1.5-7b", &m, &inv);
    struct tmem_train_opts o = opts(1);
    o.lora_rank = 8;
    o.lora_targets = tmem_kind_set_or(tmem_lora_target_kinds("q"), tmem_lora_target_kinds("v"));
    run(&m, &inv, &o, &r);
    /* PEFT: the projector frozen, so no image tensor is saved (the
     * embedding is frozen too: masked_scatter records nothing); the
     * adapters: 32 layers × (q, v) × (8·4096 + 4096·8) */
    uint64_t adapters = U64(32) * 2 * (8 * 4096 + 4096 * 8);
    assert_int_equal(r.layout.trainable_params, adapters);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_VISION], 0);
    /* --modules-to-save multi_modal_projector: its copy trains
     * (linear_1 1024·4096 + 4096, linear_2 4096·4096 + 4096) and saves
     * what full fine-tuning saves */
    o.modules_to_save = tmem_lora_module_kinds("multi_modal_projector");
    run(&m, &inv, &o, &r);
    assert_int_equal(r.layout.trainable_params,
                     adapters + (U64(1024) * 4096 + 4096) + (U64(4096) * 4096 + 4096));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_VISION], llava_projector);
}

static void llava_trained_tower_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    static struct tmem_train_result r;
    load("llava-1.5-7b", &m, &inv);
    struct tmem_train_opts o = opts(1);
    o.train_vision = true;
    run(&m, &inv, &o, &r);
    assert_int_equal(r.layout.trainable_params, inv.total_params);
    /* one CLIP layer per position (SDPA): layer_norm1 input 1024·2 + mean,
     * rstd 8; its output (q/k/v's input) and q, k, v 4·1024·2; SDPA's out
     * 1024·2 + lse 16·4; out_proj's input 1024·2; layer_norm2 1024·2 + 8;
     * fc1's input 1024·2; quick_gelu: fc1's output and the sigmoid
     * 2·4096·2; fc2's input 4096·2 */
    uint64_t per_pos = (1024 * 2 + 8) + 4 * 1024 * 2 + (1024 * 2 + 16 * 4) + 1024 * 2 + (1024 * 2 + 8) +
                       1024 * 2 + 2 * 4096 * 2 + 4096 * 2;
    assert_int_equal(per_pos, 43088);
    /* 23 layers kept (hidden_states[-2]: the last layer's graph is
     * dropped), the pixels 3·336·336·2 (the conv's input), pre_layrnorm's
     * input and stats 577·(1024·2 + 8), and the projector */
    uint64_t want = U64(23) * 577 * per_pos + U64(3) * 336 * 336 * 2 + U64(577) * (1024 * 2 + 8) + llava_projector;
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_VISION], want);
    /* eager attention adds the fp32 softmax and its bf16 copy per layer,
     * 16 heads × 577 × 577 × (4 + 2) */
    o.attention = TMEM_ATTENTION_NAIVE;
    run(&m, &inv, &o, &r);
    uint64_t eager_pos = per_pos - (1024 * 2 + 16 * 4);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_VISION],
                     U64(23) * 577 * eager_pos + U64(23) * 16 * 577 * 577 * 6 + U64(3) * 336 * 336 * 2 +
                         U64(577) * (1024 * 2 + 8) + llava_projector);
}

/* llama-3.2-11b-vision: text d 4096, 40 layers of which 8 cross-attention,
 * 32 heads, 8 KV heads of 128, d_ff 14336; image states per image 4 tiles ×
 * (560/14)² + 1 = 4 × 1601 = 6404, vision_output_dim 7680. Eager RMSNorm
 * (--kernels eager): x fp32, rstd, y. */
static void mllama_cross_layers_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    static struct tmem_train_result r, text;
    load("llama-3.2-11b-vision", &m, &inv);
    struct tmem_train_opts o = opts(1);
    run(&m, &inv, &o, &r);
    const uint64_t S = U64(4) * 1601, s = 2048;
    /* once: the image states (6404 × 4096 × 2, every cross layer's k/v
     * input), the cross-attention mask (1 × 1 × 2048 × 6404 × 2), the
     * projector's input (6404 × 7680 × 2) */
    uint64_t once = S * 4096 * 2 + s * S * 2 + S * 7680 * 2;
    /* per text token of a cross layer: input_layernorm 4096·4 + 4 + 4096·2;
     * q_proj's, the attn gate's, the row mask's and the mlp gate's inputs
     * 4·4096·2; q_norm (32 rows of 128) 4096·4 + 32·4 + 4096·2; q and
     * o_proj's input 2·4096·2; SDPA's out 4096·2 and lse 32·4 */
    uint64_t text_tok = (4096 * 4 + 4 + 4096 * 2) + 4 * 4096 * 2 + (4096 * 4 + 32 * 4 + 4096 * 2) + 2 * 4096 * 2 +
                        (4096 * 2 + 32 * 4);
    /* per image state: k_norm (8 rows of 128) 1024·4 + 8·4 + 1024·2; k and
     * v repeated to 32 heads (repeat_kv: SDPA with a mask) 2·4096·2 */
    uint64_t state_b = (1024 * 4 + 8 * 4 + 1024 * 2) + 2 * 4096 * 2;
    /* the MLP block, as a self layer's: post_attention_layernorm 4096·4 + 4
     * + 4096·2; gate/up's input 4096·2; gate's output, up's output, SiLU's
     * output, down's input 4·14336·2 */
    uint64_t mlp_tok = (4096 * 4 + 4 + 4096 * 2) + 4096 * 2 + 4 * 14336 * 2;
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_VISION],
                     once + 8 * s * text_tok + 8 * S * state_b + 8 * s * mlp_tok);
    /* the 32 self-attention layers: as the text-only plan (which skips the
     * cross layers) */
    struct tmem_train_opts t = opts(0);
    run(&m, &inv, &t, &text);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], text.item_bytes[TMEM_TI_ACT_ATTN]);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_MLP], text.item_bytes[TMEM_TI_ACT_MLP]);
}

static void refusals(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    static struct tmem_train_result r;
    struct tmem_error err = {0};
    load("llava-1.5-7b", &m, &inv);
    struct tmem_train_opts o = opts(1);
    o.pp = 2;
    o.gpus = 2;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "--pp");
    o = opts(4);
    o.seq = 2048; /* 4 × 576 = 2304 image tokens: no text left */
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, &err), TMEM_ERR_INCONSISTENT);
    assert_string_equal(err.where, "--seq");
    o = opts(0);
    o.train_vision = true;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, &err), TMEM_ERR_INCONSISTENT);
    assert_string_equal(err.where, "--train-vision");
    load("llama-3.2-11b-vision", &m, &inv);
    o = opts(1);
    o.train_vision = true;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "--train-vision");
    o = opts(1);
    o.lora_rank = 8;
    o.lora_targets = tmem_lora_target_kinds("q");
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "--lora-rank");
    load("llama-3.1-8b", &m, &inv);
    o = opts(1);
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, &err), TMEM_ERR_INCONSISTENT);
    assert_string_equal(err.where, "--images");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(llava_frozen_tower_by_hand),
        cmocka_unit_test(llava_lora_by_hand),
        cmocka_unit_test(llava_trained_tower_by_hand),
        cmocka_unit_test(mllama_cross_layers_by_hand),
        cmocka_unit_test(refusals),
    };
    return cmocka_run_group_tests_name("vision_train", tests, NULL, NULL);
}
