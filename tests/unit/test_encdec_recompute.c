/* test_encdec_recompute.c — --recompute full on the encoder-decoders: HF's
 * gradient checkpointing (each T5Block a GradientCheckpointingLayer,
 * torch.utils.checkpoint with use_reentrant=True, PreTrainedModel.
 * gradient_checkpointing_enable's default), against a hand calculation
 * written as products with shapes; the refusals of what is not modelled.
 * Measured: tests/validate/encdec.py (the recompute case). */
#include "harness.h"

#include "tmem/read.h"
#include "tmem/train.h"

static struct tmem_inventory inv;

static void parse(const char *text, struct tmem_model *m)
{
    struct tmem_model raw;
    struct tmem_error err = {0};
    if (tmem_hf_config_parse(text, strlen(text), "config.json", NULL, &raw, &err) != TMEM_OK ||
        tmem_model_resolve(&raw, m, &err) != TMEM_OK || tmem_inventory_build(m, &inv, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
}

static void train_ok(const struct tmem_model *m, const struct tmem_train_opts *o, struct tmem_train_result *r)
{
    struct tmem_error err = {0};
    if (tmem_train_compute(m, &inv, o, 0, r, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
}

static void plan(struct tmem_train_opts *o, uint64_t b, uint64_t s_enc, uint64_t s_dec)
{
    tmem_train_opts_default(o);
    o->attention = TMEM_ATTENTION_NAIVE;
    o->micro_batch = b;
    o->seq = s_enc;
    o->target_seq = s_dec;
    o->recompute = TMEM_RECOMPUTE_FULL;
}

/* t5-small (d_model 512, d_ff 2048 ReLU, 6 + 6 layers, 8 heads of d_kv 64:
 * H 512, vocab 32128, dropout_rate 0.1), b 8, s_enc 512, s_dec 128,
 * bf16-mixed (c = 2 B). What the checkpoints keep (the blocks' tensor
 * arguments, T5Stack passing hidden_states, the mask, position_bias,
 * encoder_hidden_states, the encoder mask, encoder_decoder_position_bias):
 *   encoder inputs  6 × [8, 512, 512] × 2          = 6 × 8·512·512·2 = 25,165,824
 *   decoder inputs  6 × [8, 128, 512] × 2          = 6 × 8·128·512·2 =  6,291,456
 *   encoder bias    [8, 8, 512, 512] × 2 (block 0's output, every later block's input)
 *                                                  = 8·8·512·512·2   = 33,554,432
 *   decoder bias    [8, 8, 128, 128] × 2           = 8·8·128·128·2   =  2,097,152
 *   cross bias      [8, 8, 128, 512] × 2 (zeros + the encoder mask)
 *                                                  = 8·8·128·512·2   =  8,388,608
 *   masks           [8, 1, 1, 512] × 2 + [8, 1, 128, 128] × 2 + [8, 1, 1, 512] × 2
 *                                                  = 8,192 + 262,144 + 8,192 = 278,528
 *                                                  total              = 75,776,000
 * The encoder output, held once for every cross-attention, stays an end
 * (8·512 × 512 × 2 inside B_enc_ends); the relative position buckets
 * (int64 [s, s]) leave the ends: only block 0's re-run saves them:
 *   ends  8·512 × 6,156 + 8·128 × 6,156 = 25,214,976 + 6,303,744 = 31,518,720
 * One block re-run during its backward (test_encdec.c's per-token sums,
 * less the block input, a checkpoint: 2·512 = 1,024 B per token):
 *   encoder block 8·512 × (25,608 − 1,024) + [8, 8, 512, 512] × 7 + buckets 8 × 512·512
 *               = 4,096 × 24,584 + 117,440,512 + 2,097,152
 *               = 100,696,064 + 117,440,512 + 2,097,152     = 220,233,728
 *   decoder block 8·128 × (33,292 − 1,024) + [8, 8, 128, 128] × 7 + [8, 8, 128, 512] × 7
 *                 + 8·512 × 2,048 (cross k, v) + 8 × 128·128
 *               = 33,042,432 + 7,340,032 + 29,360,128 + 8,388,608 + 131,072 = 78,262,272
 *   the larger: the encoder's                                   = 220,233,728 */
static void t5_small_full_recompute_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    parse(tmem_preset_find("t5-small")->config_json, &m);
    struct tmem_train_opts o;
    plan(&o, 8, 512, 128);
    static struct tmem_train_result r;
    train_ok(&m, &o, &r);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_CKPT],
                     UINT64_C(6) * 8 * 512 * 512 * 2 + UINT64_C(6) * 8 * 128 * 512 * 2 +
                         UINT64_C(8) * 8 * 512 * 512 * 2 + UINT64_C(8) * 8 * 128 * 128 * 2 +
                         UINT64_C(8) * 8 * 128 * 512 * 2 + 8 * 512 * 2 + 8 * 128 * 128 * 2 + 8 * 512 * 2);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_CKPT], UINT64_C(75776000));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENC_LAYERS], 0);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_DEC_LAYERS], 0);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENDS], UINT64_C(8) * 512 * 6156 + UINT64_C(8) * 128 * 6156);
    assert_int_equal(r.item_bytes[TMEM_TI_RECOMPUTE],
                     UINT64_C(8) * 512 * (25608 - 1024) + UINT64_C(8) * 8 * 512 * 512 * 7 + UINT64_C(8) * 512 * 512);
    assert_int_equal(r.item_bytes[TMEM_TI_RECOMPUTE], UINT64_C(220233728));

    /* without recompute the same plan keeps 6 × each layer (test_encdec.c):
     * encoder 6 × (8·512 × 25,608 + 8·8·512·512 × 7) = 1,333,985,280 */
    o.recompute = TMEM_RECOMPUTE_NONE;
    static struct tmem_train_result none;
    train_ok(&m, &o, &none);
    assert_int_equal(none.item_bytes[TMEM_TI_ACT_ENC_LAYERS], UINT64_C(1333985280));
    assert_true(r.peak_bytes < none.peak_bytes);

    /* b 8, s_dec 512: the decoder block is the larger re-run:
     * 8·512 × 32,268 + 8·8·512·512 × 7 × 2 + 8·512 × 2,048 + 8 × 512·512
     * = 132,169,728 + 234,881,024 + 8,388,608 + 2,097,152 = 377,536,512 */
    plan(&o, 8, 512, 512);
    train_ok(&m, &o, &r);
    assert_int_equal(r.item_bytes[TMEM_TI_RECOMPUTE],
                     UINT64_C(8) * 512 * 32268 + UINT64_C(8) * 8 * 512 * 512 * 7 * 2 + UINT64_C(8) * 512 * 2048 +
                         UINT64_C(8) * 512 * 512);
}

/* bart-base (d_model 768, 6 + 6 layers, 12 heads of 64): no
 * position bias; the 4-D masks [b, 1, s_q, s_k] in c. b 2, s_enc 64,
 * s_dec 32, bf16-mixed:
 *   inputs 6 × 2·64 × 768 × 2 + 6 × 2·32 × 768 × 2 = 1,179,648 + 589,824
 *   masks  [2, 1, 64, 64] × 2 + [2, 1, 32, 32] × 2 + [2, 1, 32, 64] × 2
 *        = 16,384 + 4,096 + 8,192                  total = 1,798,144 */
static void bart_base_checkpoints_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    parse(tmem_preset_find("bart-base")->config_json, &m);
    assert_int_equal(m.d_model, 768);
    assert_int_equal(m.n_layer, 6);
    struct tmem_train_opts o;
    plan(&o, 2, 64, 32);
    static struct tmem_train_result r;
    train_ok(&m, &o, &r);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_CKPT],
                     UINT64_C(6) * 2 * 64 * 768 * 2 + UINT64_C(6) * 2 * 32 * 768 * 2 + 2 * 64 * 64 * 2 +
                         2 * 32 * 32 * 2 + 2 * 32 * 64 * 2);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_CKPT], UINT64_C(1798144));
    assert_true(r.item_bytes[TMEM_TI_RECOMPUTE] > 0);
}

/* umt5-small (d_model 512, 8 + 8 layers, a relative-bias table in every
 * self-attention): UMT5Stack passes no position bias between blocks, each
 * computes its own inside its re-run. b 2, s_enc 64, s_dec 32, bf16-mixed:
 *   inputs 8 × [2, 64, 512] × 2 + 8 × [2, 32, 512] × 2 = 1,048,576 + 524,288
 *   masks  [2, 1, 1, 64] × 2 + [2, 1, 32, 32] × 2 + [2, 1, 1, 64] × 2
 *        = 256 + 4,096 + 256                     total = 1,577,472 */
static void umt5_passes_no_position_bias(void **state)
{
    (void)state;
    struct tmem_model m;
    parse(tmem_preset_find("umt5-small")->config_json, &m);
    assert_int_equal(m.d_model, 512);
    assert_int_equal(m.n_layer, 8);
    struct tmem_train_opts o;
    plan(&o, 2, 64, 32);
    static struct tmem_train_result r;
    train_ok(&m, &o, &r);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_CKPT], UINT64_C(8) * 2 * 64 * 512 * 2 + UINT64_C(8) * 2 * 32 * 512 * 2 +
                                                         2 * 64 * 2 + 2 * 32 * 32 * 2 + 2 * 64 * 2);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_CKPT], UINT64_C(1577472));
}

static void refusals(void **state)
{
    (void)state;
    struct tmem_model m;
    parse(tmem_preset_find("t5-small")->config_json, &m);
    struct tmem_train_opts o;
    plan(&o, 1, 64, 64);
    static struct tmem_train_result r;
    struct tmem_error err = {0};
    o.recompute = TMEM_RECOMPUTE_SELECTIVE;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, 0, &r, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "--recompute");
    assert_non_null(strstr(err.msg, "HF checkpoints whole blocks"));
    o.recompute = TMEM_RECOMPUTE_FULL;
    o.lora_rank = 8;
    o.lora_targets = tmem_lora_target_kinds("q,v");
    assert_int_equal(tmem_train_compute(&m, &inv, &o, 0, &r, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "--recompute");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t5_small_full_recompute_by_hand),
        cmocka_unit_test(bart_base_checkpoints_by_hand),
        cmocka_unit_test(umt5_passes_no_position_bias),
        cmocka_unit_test(refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
