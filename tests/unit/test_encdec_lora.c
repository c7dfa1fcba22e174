/* test_encdec_lora.c — LoRA / DoRA on the encoder–decoders (t5 line, bart
 * line) in the training ledger: the adapters' parameters as PEFT counts
 * them and the activations a frozen base saves, by hand, tensor by tensor.
 *
 * REF PEFT tuners/lora/layer.py (Linear: base(x) + B(A(dropout(x)))·s),
 * tuners/lora/dora.py; HF modeling_t5.py (T5LayerNorm, T5Attention,
 * T5DenseGatedActDense), modeling_bart.py. A frozen weight's gradient is
 * not computed, so autograd keeps no tensor for it: no linear input (lora_A
 * keeps its own), no T5LayerNorm y, no ids; the embeddings' output requires
 * no grad, so each stack's first layer saves nothing before its first
 * adapter. Measured against real PyTorch in tests/validate/encdec.py. */
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

static void plan(struct tmem_train_opts *o, const char *targets)
{
    tmem_train_opts_default(o);
    o->attention = TMEM_ATTENTION_NAIVE;
    o->micro_batch = 1;
    o->seq = 128;
    o->target_seq = 128;
    o->lora_rank = 8;
    o->lora_targets = tmem_lora_target_kinds(targets);
}

/* flan-t5-base (d 768, 12 heads × d_kv 64 = H 768, d_ff 2048 gated-GELU,
 * 12 + 12 layers, V 32128, untied, dropout_rate 0.1), LoRA r 8 on q, v
 * (PEFT's T5 default), bf16-mixed (E = 2), b 1, s_enc = s_dec = 128.
 * Adapters: q, v of the encoder's SelfAttention, the decoder's
 * SelfAttention and EncDecAttention: 12 × 6 linears × 8 × (768 + 768)
 *   = 72 × 12,288 = 884,736 (PEFT prints "trainable params: 884,736 ||
 *   all params: 248,462,592": tests/accuracy/train_published.tsv).
 * Per token, a later layer (its input requires grad):
 *   T5LayerNorm   x.to(fp32) 4·768 + x 2·768 + rsqrt 4 (no y: frozen) = 4,612
 *   self-attn     norm 4,612 + q/k/v input 2·768 (kept by q's and v's
 *                 lora_A) + A outputs 2·(2·8) + q, k, v 3·2·768 (no o
 *                 input: o is frozen) + residual mask 768          = 11,556
 *   FFN           norm 4,612 + gelu_new's 4 and wi_1's output 5·2·2048
 *                 + the GELU output 2·2048 + dropout mask 2048 (no wi / wo
 *                 input) + residual mask 768                      = 32,004
 *   scores        fp32 softmax 4 + mask 1 + dropout output 2       = 7
 * The first layer (its input, the frozen embedding's, requires no grad):
 *   self-attn     no norm; q/k/v input 1,536 + A outputs 32; k 1,536 (for
 *                 q's gradient), v 1,536; no q (k needs no gradient);
 *                 residual mask 768                                = 5,408
 * Encoder: layer 0 5,408 + 32,004 = 37,412; later 11,556 + 32,004 = 43,560
 *   128 × 37,412 + 12·128·128 × 7 + 11 × (128 × 43,560 + 12·128·128 × 7)
 *   = 4,788,736 + 1,376,256 + 11 × (5,575,680 + 1,376,256)        = 82,636,288
 * Decoder: cross-attention per decoder token: norm 4,612 + q input 1,536
 *   + q's A output 16 + q 1,536 + residual mask 768 = 8,468; per encoder
 *   token: v's A output 16 + k 1,536 + v 1,536 = 3,088; layer 0 5,408 +
 *   8,468 + 32,004 = 45,880, later 11,556 + 8,468 + 32,004 = 52,028:
 *   128 × 45,880 + 2 × 12·128·128 × 7 + 128 × 3,088
 *   + 11 × (128 × 52,028 + 2 × 12·128·128 × 7 + 128 × 3,088)
 *   = 9,020,416 + 11 × 9,807,360                                  = 116,901,376
 * Ends: no ids, no embedding masks, no buckets (frozen tables); per stack
 *   the final norm 4,612 and its dropout mask 768; the encoder output 1,536
 *   (kept by the cross v's lora_A); no lm_head input (frozen):
 *   128 × (4,612 + 768 + 1,536) + 128 × (4,612 + 768)             = 1,573,888
 * Weights 247,577,856 × 2 + 884,736 × 2 = 496,925,184; gradients 884,736
 * × 2 = 1,769,472 (bf16-mixed: the adapters' in bf16). */
static void flan_t5_base_lora_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    parse(tmem_preset_find("flan-t5-base")->config_json, &m);
    struct tmem_train_opts o;
    plan(&o, "q");
    o.lora_targets = tmem_kind_set_or(tmem_lora_target_kinds("q"), tmem_lora_target_kinds("v"));
    struct tmem_lora_params lp;
    struct tmem_error err = {0};
    assert_int_equal(tmem_lora_count(&m, &inv, &o, &lp, &err), TMEM_OK);
    assert_int_equal(lp.adapter_params, UINT64_C(72) * 8 * (768 + 768));
    assert_int_equal(lp.targeted_linears, 72);
    assert_int_equal(lp.all_params, UINT64_C(248462592));
    static struct tmem_train_result r;
    train_ok(&m, &o, &r);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENC_LAYERS], UINT64_C(82636288));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_DEC_LAYERS], UINT64_C(116901376));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENDS], UINT64_C(1573888));
    assert_int_equal(r.item_bytes[TMEM_TI_WEIGHTS], UINT64_C(247577856) * 2 + UINT64_C(884736) * 2);
    assert_int_equal(r.item_bytes[TMEM_TI_GRADS], UINT64_C(884736) * 2);

    /* DoRA adds a magnitude of d_out per target (72 × 768 = 55,296
     * parameters) and saves the base and the adapter outputs (2·2·768 =
     * 3,072 B per token) per target: encoder self q (per token) and v (its
     * k / v side, per token): 2 × 3,072 = 6,144 more per encoder token and
     * layer: 12 × 128 × 6,144 = 9,437,184 */
    o.dora = true;
    assert_int_equal(tmem_lora_count(&m, &inv, &o, &lp, &err), TMEM_OK);
    assert_int_equal(lp.adapter_params, UINT64_C(884736) + 72 * 768);
    train_ok(&m, &o, &r);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENC_LAYERS], UINT64_C(82636288) + UINT64_C(9437184));
}

/* bart-base (d 768, 12 heads of 64, ffn 3072 GELU, 6 + 6 layers, post-LN,
 * dropout 0.1, attention_dropout 0.1), LoRA r 8 on out_proj: PEFT's
 * suffix match reaches all 18 (encoder self, decoder self and cross):
 * 18 × 8 × (768 + 768) = 221,184 adapter parameters. */
static void bart_out_proj_reaches_the_decoder_self_attention(void **state)
{
    (void)state;
    struct tmem_model m;
    parse(tmem_preset_find("bart-base")->config_json, &m);
    struct tmem_train_opts o;
    plan(&o, "out_proj");
    o.lora_targets = tmem_lora_targets_for_model(&m, o.lora_targets);
    struct tmem_lora_params lp;
    struct tmem_error err = {0};
    assert_int_equal(tmem_lora_count(&m, &inv, &o, &lp, &err), TMEM_OK);
    assert_int_equal(lp.targeted_linears, 18);
    assert_int_equal(lp.adapter_params, UINT64_C(18) * 8 * (768 + 768));
    static struct tmem_train_result r;
    train_ok(&m, &o, &r);
    /* the tensor-parallel, pipeline and context-parallel refusals stay */
    o.pp = 2;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, 0, &r, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "--pp");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flan_t5_base_lora_by_hand),
        cmocka_unit_test(bart_out_proj_reaches_the_decoder_self_attention),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
