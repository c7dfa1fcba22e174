/* test_encoder_train.c — tmem train for BERT-layout encoders (fine-tuning
 * with the masked-LM or a classification head) against hand arithmetic:
 * every saved tensor of a post-LN layer, the embeddings' and the head's
 * tensors, the logits and loss as HF's heads make them (no upcast), LoRA
 * on query / value, DeBERTa-v3 and ModernBERT, and the refusals.
 * tests/validate/validate.py measures the same tensors in PyTorch (a BERT
 * built as modeling_bert.py's modules), tests/validate/encoders.py DeBERTa's
 * and ModernBERT's.
 *
 * bert-base-uncased: d 768, 12 layers, 12 heads of 64, d_ff 3072, V 30522,
 * 2 token types; micro-batch 8 × 128 = 1,024 tokens, bf16-mixed (c = r =
 * 2 B), flash attention, dropout 0.1 (the config's), no recompute.
 * REF HF transformers modeling_bert.py BertEmbeddings, BertSelfAttention,
 * BertSelfOutput, BertIntermediate, BertOutput, BertPredictionHeadTransform,
 * BertPooler, BertForSequenceClassification. */
#include "harness.h"

#include "tmem/read.h"
#include "tmem/train.h"

static void load_named(const char *name, enum tmem_head head, uint64_t n_labels, struct tmem_model *m,
                       struct tmem_inventory *inv)
{
    struct tmem_model raw;
    struct tmem_error err = {0};
    struct tmem_model_overrides ov = {.head = head, .n_labels = {n_labels > 0, n_labels}};
    if (tmem_model_load(name, NULL, &raw, &err) != TMEM_OK ||
        tmem_model_override(&raw, &ov, &err) != TMEM_OK || tmem_model_resolve(&raw, m, &err) != TMEM_OK ||
        tmem_inventory_build(m, inv, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
}

static void load_head(enum tmem_head head, uint64_t n_labels, struct tmem_model *m, struct tmem_inventory *inv)
{
    load_named("bert-base-uncased", head, n_labels, m, inv);
}

static struct tmem_train_opts opts(void)
{
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.micro_batch = 8;
    o.seq = 128;
    return o;
}

static void run(const struct tmem_model *m, const struct tmem_inventory *inv, const struct tmem_train_opts *o,
                struct tmem_train_result *r)
{
    struct tmem_error err = {0};
    if (tmem_train_compute(m, inv, o, 0, r, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
}

/* One post-LN layer, per token:
 *   attention, sequence-wide (B_seq): qkv_input (the layer input) 768·2 +
 *     attn_out_norm.input (the residual sum) 768·2 + its fp32 mean, rstd 8
 *     = 3,080
 *   attention, per head (B_heads): q, k, v, o_proj_input 4·768·2 + flash's
 *     fp32 lse 12·4 = 6,192
 *   MLP: mlp.input 768·2 + mlp_out_norm.input 768·2 + 8 = 3,080 (B_seq);
 *     fc_out (GELU input) + act_out (output.dense input) 2·3072·2 = 12,288
 *   residual dropout masks 2·768·1 B = 1,536
 *   one layer: 1,024 × (3,080 + 6,192 + 3,080 + 12,288 + 1,536) = 26,804,224
 * Embeddings and the MLM head, once: input_ids 8·1,024 + position ids 8·128
 *   + token_type_ids 8·1,024 + embedding dropout mask 1,024·768 +
 *   embeddings.LayerNorm (input 768·2 + 8) 1,024·1,544 + the head (dense
 *   input, GELU input, LayerNorm input + 8, decoder input) 1,024 ×
 *   (768 × (3·2 + 2) + 8) = 8,192 + 1,024 + 8,192 + 786,432 + 1,581,056 +
 *   6,299,648 = 8,684,544
 * Logits 1,024 × 30,522 × 2 = 62,509,056; loss (log-softmax in bf16, int64
 *   labels, nll_loss's total_weight) 1,024 × (30,522·2 + 8) + 2 = 62,517,250;
 *   logits gradient (bf16, no fp32 copy) 62,509,056. */
static void bert_base_mlm_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    struct tmem_inventory inv;
    load_head(TMEM_HEAD_MLM, 0, &m, &inv);
    struct tmem_train_opts o = opts();
    struct tmem_train_result r;
    run(&m, &inv, &o, &r);
    assert_int_equal(r.layer_act.total, 1024 * (3080 + 6192 + 3080 + 12288 + 1536));
    assert_int_equal(r.layer_act.total, 26804224);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], 12 * 1024 * (3080 + 6192));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_MLP], 12 * 1024 * (3080 + 12288));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_MASKS], 12 * 1024 * 768 * 2);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_SCORES], 0); /* flash */
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENDS],
                     8 * 1024 + 8 * 128 + 8 * 1024 + 1024 * 768 + 1024 * (768 * 2 + 8) + 1024 * (768 * 8 + 8));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENDS], 8684544);
    assert_int_equal(r.item_bytes[TMEM_TI_LOGITS], 1024 * 30522 * 2);
    assert_int_equal(r.item_bytes[TMEM_TI_LOSS], 1024 * (30522 * 2 + 8) + 2);
    assert_int_equal(r.item_bytes[TMEM_TI_LOGITS_GRAD], 1024 * 30522 * 2);
    /* BertForMaskedLM: BertModel 109,482,240 − pooler 590,592 + transform
     * 590,592 + LayerNorm 1,536 + decoder bias 30,522 = 109,514,298 (the
     * published 109,514,298 of google-bert/bert-base-uncased's checkpoint:
     * its preset note gives the head as 32,058 = 1,536 + 30,522) */
    assert_int_equal(r.item_bytes[TMEM_TI_WEIGHTS], UINT64_C(109514298) * 2);

    /* eager attention: + per layer 8 × 12 heads × 128 × 128 × (softmax 2 +
     * dropout mask 1 + dropout output 2) = 7,864,320; lse absent (48 per token) */
    o.attention = TMEM_ATTENTION_NAIVE;
    run(&m, &inv, &o, &r);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_SCORES], 12 * 8 * 12 * 128 * 128 * 5);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], 12 * 1024 * (3080 + 6144));
}

/* BertForSequenceClassification with 3 labels: the pooler reads hidden[:, 0],
 * a view that keeps the whole last hidden state (1,024 × 768 × 2) alive; tanh's
 * output and the dropout's mask and output: 8 × 768 × (2 + 1 + 2).
 *   ends = 8,192 + 1,024 + 8,192 + 786,432 + 1,581,056 + 1,572,864 + 30,720 = 3,988,480
 *   logits 8 × 3 × 2 = 48; loss 8 × (3·2 + 8) + 2 = 114; gradient 48 */
static void bert_base_classifier_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    struct tmem_inventory inv;
    load_head(TMEM_HEAD_CLS, 3, &m, &inv);
    struct tmem_train_opts o = opts();
    struct tmem_train_result r;
    run(&m, &inv, &o, &r);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENDS],
                     8 * 1024 + 8 * 128 + 8 * 1024 + 1024 * 768 + 1024 * 1544 + 1024 * 768 * 2 + 8 * 768 * 5);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENDS], 3988480);
    assert_int_equal(r.item_bytes[TMEM_TI_LOGITS], 8 * 3 * 2);
    assert_int_equal(r.item_bytes[TMEM_TI_LOSS], 8 * (3 * 2 + 8) + 2);
    assert_int_equal(r.item_bytes[TMEM_TI_LOGITS_GRAD], 8 * 3 * 2);
    /* BertModel + classifier 768·3 + 3 = 109,484,547 */
    assert_int_equal(r.item_bytes[TMEM_TI_WEIGHTS], UINT64_C(109484547) * 2);
    /* fp32 under autocast: the pooler saves its cast copy, 8 × 768 × 2; the
     * log-softmax is fp32: 8 × (3·4 + 8) + 4 = 164 */
    o.precision = TMEM_PRECISION_AMP_BF16;
    run(&m, &inv, &o, &r);
    assert_int_equal(r.item_bytes[TMEM_TI_LOSS], 8 * (3 * 4 + 8) + 4);
}

/* LoRA r 8 on query and value (PEFT's BERT default): the base frozen, so
 * mlp.input (intermediate.dense's input) and act_out (output.dense's) are
 * not kept, nor the embeddings' ids; each adapter keeps A's output,
 * 1,024 × 8 × 2 per layer.
 *   attention 1,024 × (3,080 + 6,192 + 2·8·2) = 1,024 × 9,304
 *   MLP       1,024 × (3,080 − 1,536 + 12,288 − 6,144) = 1,024 × 7,688 */
static void bert_base_lora_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    struct tmem_inventory inv;
    load_head(TMEM_HEAD_CLS, 3, &m, &inv);
    struct tmem_train_opts o = opts();
    o.lora_rank = 8;
    o.lora_targets = tmem_kind_set_or(tmem_lora_target_kinds("query"), tmem_lora_target_kinds("value"));
    assert_true(tmem_kind_set_equal(tmem_lora_target_kinds("query"), tmem_kind_set_of(TMEM_TENSOR_KIND_ATTN_Q)));
    assert_true(tmem_kind_set_equal(
        tmem_lora_target_kinds("dense"),
        tmem_kind_set_or(tmem_kind_set_or(tmem_kind_set_of(TMEM_TENSOR_KIND_ATTN_O), tmem_kind_set_of(TMEM_TENSOR_KIND_MLP_UP)),
                         tmem_kind_set_of(TMEM_TENSOR_KIND_MLP_DOWN))));
    struct tmem_train_result r;
    run(&m, &inv, &o, &r);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], 12 * 1024 * (3080 + 6192 + 2 * 8 * 2));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_MLP], 12 * 1024 * (1544 + 6144));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENDS], 1024 * 768 + 1024 * 1544 + 1024 * 768 * 2 + 8 * 768 * 5);
}

/* deberta-v3-base (d 768, 12 layers, 12 heads of 64, d_ff 3072, V 128,100,
 * position_buckets 256: 2k = 512 relative rows, share_att_key, pos_att_type
 * p2c|c2p, norm_rel_ebd layer_norm, no token types, no position table),
 * masked LM, micro-batch 8 × 128 = 1,024 tokens, bf16-mixed (c = r = 2 B),
 * eager attention (HF's only path), dropout 0.1 (the config's). One layer:
 *   attention, sequence-wide (B_seq): qkv_input 768·2 + attn_out_norm.input
 *     768·2 + its fp32 mean, rstd 8 = 3,080 per token
 *   attention, per token and head (B_heads), in bytes per token:
 *     q, k / scale, k (p2c), v, dense input: 5 tensors [b·12, 128, 64]
 *       = 5 · 768 · 2                                            =  7,680
 *     ~attention_mask [8, 1, 128, 128] bool: 128 per token         =    128
 *     pos_key, pos_query (repeat(b): [8·12, 512, 64] each):
 *       2 · 12·512·64/128 · 2                                      = 12,288
 *     c2p_att, p2c_att (the gathers' inputs, [8·12, 128, 512]):
 *       2 · 12·512 · 2                                             = 24,576
 *     c2p_pos, p2c_pos ([128, 128] int64 each): 2 · 128·128/1,024 · 8 = 256
 *     pos_dropout mask and output on rel_embeddings [512, 768]:
 *       512·768/1,024 · (1 + 2)                                    =  1,152
 *     sum                                                           = 46,080
 *   one layer's attention 1,024 × (3,080 + 46,080) = 50,339,840
 *   scores 8 × 12 × 128 × 128 × (softmax 2 + mask 1 + dropout 2) = 7,864,320
 *   MLP and residual masks as BERT's: 1,024 × (3,080 + 12,288), 1,024 × 1,536
 * The ends: input_ids 8 × 128 × 8 + the embedding dropout mask 1,024 × 768
 *   + embeddings.LayerNorm 1,024 × (768·2 + 8) + the attention-mask
 *   multiply's mask 1,024 × 2 + the rel_embeddings LayerNorm's fp32 mean,
 *   rstd 512 × 8 + the MLM head 1,024 × (768 × (3·2 + 2) + 8)
 *   = 8,192 + 786,432 + 1,581,056 + 2,048 + 4,096 + 6,299,648 = 8,681,472
 * Logits 1,024 × 128,100 × 2 = 262,348,800.
 * tests/validate/encoders.py measures the same tensors in PyTorch. */
static void deberta_v3_base_mlm_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    struct tmem_inventory inv;
    load_named("deberta-v3-base", TMEM_HEAD_MLM, 0, &m, &inv);
    assert_int_equal(m.n_rel_pos, 512);
    struct tmem_train_opts o = opts();
    o.attention = TMEM_ATTENTION_NAIVE;
    struct tmem_train_result r;
    run(&m, &inv, &o, &r);
    uint64_t heads = 5 * 768 * 2 + 128 + 2 * (12 * 512 * 64 / 128) * 2 + 2 * 12 * 512 * 2 +
                     2 * (128 * 128 / 1024) * 8 + (512 * 768 / 1024) * 3;
    assert_int_equal(heads, 46080);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], 12 * 1024 * (3080 + heads));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], 604078080);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_SCORES], 12 * 8 * 12 * 128 * 128 * 5);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_MLP], 12 * 1024 * (3080 + 12288));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_MASKS], 12 * 1024 * 768 * 2);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENDS],
                     8 * 1024 + 1024 * 768 + 1024 * (768 * 2 + 8) + 1024 * 2 + 512 * 8 + 1024 * (768 * 8 + 8));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENDS], 8681472);
    assert_int_equal(r.item_bytes[TMEM_TI_LOGITS], 1024 * 128100 * 2);
    assert_int_equal(r.layer_act.total, 1024 * (3080 + heads + 3080 + 12288 + 1536) + 8 * 12 * 128 * 128 * 5);

    /* dropout off: no pos_dropout (− 1,152 per token), no masks; the
     * rel_embeddings LayerNorm output [512, 768] × 2 is the saved linear
     * input once, in the ends (in place of the embedding dropout mask,
     * 1,024 × 768 × 1: the same 786,432 B); scores 8 × 12 × 128 × 128 × 2 */
    o.dropout = TMEM_OFF;
    run(&m, &inv, &o, &r);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], 12 * 1024 * (3080 + heads - 1152));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_SCORES], 12 * 8 * 12 * 128 * 128 * 2);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENDS],
                     8 * 1024 + 512 * 768 * 2 + 1024 * (768 * 2 + 8) + 1024 * 2 + 512 * 8 + 1024 * (768 * 8 + 8));
}

/* DebertaV2ForSequenceClassification, 3 labels, dropout off: ContextPooler
 * reads hidden[:, 0] (the whole last hidden state 1,024 × 768 × 2 kept by
 * the view), GELU saves the dense output and the classifier GELU's output:
 * 8 × 768 × 2 · 2; ends = 8,192 + 512 × 768 × 2 (the rel LayerNorm output)
 * + 1,581,056 + 2,048 + 4,096 + 1,572,864 + 24,576 = 3,979,264 */
static void deberta_v3_base_classifier_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    struct tmem_inventory inv;
    load_named("deberta-v3-base", TMEM_HEAD_CLS, 3, &m, &inv);
    struct tmem_train_opts o = opts();
    o.attention = TMEM_ATTENTION_NAIVE;
    o.dropout = TMEM_OFF;
    struct tmem_train_result r;
    run(&m, &inv, &o, &r);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENDS], 8 * 1024 + 512 * 768 * 2 + 1024 * 1544 + 1024 * 2 + 512 * 8 +
                                                         1024 * 768 * 2 + 8 * 768 * 2 * 2);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENDS], 3979264);
    assert_int_equal(r.item_bytes[TMEM_TI_LOGITS], 8 * 3 * 2);
}

/* modernbert-base (d 768, 22 layers, 12 heads of 64, d_ff 1152 GeGLU, V
 * 50,368, LayerNorm without bias, dropouts 0), masked LM, b 8 × 128 = 1,024
 * tokens, bf16-mixed, --attention flash: HF's default flash_attention_2
 * (unpadded, the local layers' window inside the kernel: the same tensors
 * as the global layers'). REF modeling_modernbert.py ModernBertEncoderLayer,
 * flash_attention_forward, ModernBertMLP, ModernBertPredictionHead,
 * ModernBertForMaskedLM; transformers loss_utils.py ForMaskedLMLoss. Per
 * token and layer:
 *   attention, B_seq: attn_norm input 768·2 + fp32 mean, rstd 8 + Wqkv's
 *     input 768·2 = 3,080
 *   attention, B_heads: the rotated qkv flash saves 3·768·2 = 4,608 + its
 *     output (Wo's input) 768·2 = 1,536 + the fp32 lse 12·4 = 48 + the
 *     layer's rotary cos / sin caches [128, 32] × 2 × 2 B / 1,024 tokens =
 *     16: 6,208
 *   MLP: mlp_norm input 1,544 + Wi's input 1,536 = 3,080; Wi's output
 *     [b·s, 2·1152] (GELU's input and the gate) 2·1152·2 + GELU's output
 *     1152·2 + the product (Wo's input) 1152·2 = 9,216
 *   one layer 1,024 × (3,080 + 6,208 + 3,080 + 9,216) = 22,102,016
 * (layer 0's attn_norm is an identity: counted as a norm, 1,024 × 1,544 B
 * over, 0.33 % of the 22 layers' 486,244,352 B).
 * Ends: input_ids 1,024 × 8 + embeddings.norm 1,024 × 1,544 + the repad's
 *   int64 indices 1,024 × 8 + final_norm 1,024 × 1,544 + the MLM head
 *   1,024 × (768 × (3·2 + 2) + 8) = 9,478,144
 * Logits 1,024 × 50,368 × 2; the loss upcasts: fp32 log-softmax and int64
 *   labels 1,024 × (50,368·4 + 8); the gradient fp32 then bf16: × (4 + 2). */
static void modernbert_base_mlm_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    struct tmem_inventory inv;
    load_named("modernbert-base", TMEM_HEAD_MLM, 0, &m, &inv);
    struct tmem_train_opts o = opts();
    struct tmem_train_result r;
    run(&m, &inv, &o, &r);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], 22 * 1024 * (3080 + 4608 + 1536 + 48 + 16));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], 209240064);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_MLP], 22 * 1024 * (3080 + 2 * 1152 * 2 + 1152 * 2 + 1152 * 2));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_SCORES], 0);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_MASKS], 0);
    assert_int_equal(r.layer_act.total, 1024 * (3080 + 6208 + 3080 + 9216));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENDS],
                     1024 * 8 + 1024 * 1544 + 1024 * 8 + 1024 * 1544 + 1024 * (768 * 8 + 8));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENDS], 9478144);
    assert_int_equal(r.item_bytes[TMEM_TI_LOGITS], 1024 * 50368 * 2);
    assert_int_equal(r.item_bytes[TMEM_TI_LOSS], 1024 * (50368 * 4 + 8));
    assert_int_equal(r.item_bytes[TMEM_TI_LOGITS_GRAD], 1024 * 50368 * (4 + 2));
}

/* modernbert-base, classifier with 3 labels, --attention naive (HF's eager
 * fallback without flash_attn), b 8 × 128, bf16-mixed. Per token and layer:
 *   attention B_heads: the rotated q and k, value's contiguous copy (bmm's
 *     fold of [8, 12, 128, 64]), Wo's input: 4·768·2 = 6,144 + this layer's
 *     cos, sin [1, 128, 64] × 2 B: 2·128·64·2 / 1,024 = 32: 6,176
 *   scores per layer, local layers too (the window is a mask over the
 *     full scores): 8 × 12 × 128 × 128 × (fp32 softmax 4 + its bf16 cast 2)
 * Ends: 8,192 + 1,581,056 + final_norm 1,581,056 + the view of the last
 *   hidden state 1,024 × 768 × 2 + ModernBertPredictionHead on the first
 *   tokens 8 × (768 × (2 + 2 + 2) + 8) = 4,780,096 (no repad: eager pads
 *   nothing). Loss as it is: 8 × (3·2 + 8) + 2. */
static void modernbert_base_classifier_eager_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    struct tmem_inventory inv;
    load_named("modernbert-base", TMEM_HEAD_CLS, 3, &m, &inv);
    struct tmem_train_opts o = opts();
    o.attention = TMEM_ATTENTION_NAIVE;
    struct tmem_train_result r;
    run(&m, &inv, &o, &r);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], 22 * 1024 * (3080 + 6144 + 32));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_SCORES], UINT64_C(22) * 8 * 12 * 128 * 128 * 6);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_SCORES], 207618048);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENDS],
                     8 * 1024 + 1024 * 1544 + 1024 * 1544 + 1024 * 768 * 2 + 8 * (768 * 6 + 8));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENDS], 4780096);
    assert_int_equal(r.item_bytes[TMEM_TI_LOSS], 8 * (3 * 2 + 8) + 2);
    assert_int_equal(r.item_bytes[TMEM_TI_LOGITS_GRAD], 8 * 3 * 2);
}

/* What train refuses for encoders: no loss without a head that has one,
 * flash for DeBERTa (HF has no such path), ModernBERT with dropout, kernels
 * other than HF's. */
static void refusals(void **state)
{
    (void)state;
    struct tmem_model m;
    struct tmem_inventory inv;
    struct tmem_error err = {0};
    struct tmem_train_result r;
    load_head(TMEM_HEAD_POOLER, 0, &m, &inv);
    struct tmem_train_opts o = opts();
    assert_int_equal(tmem_train_compute(&m, &inv, &o, 0, &r, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "--head");
    load_head(TMEM_HEAD_MLM, 0, &m, &inv);
    o.kernels = TMEM_KERNELS_LIGER;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, 0, &r, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "--kernels");
    load_named("deberta-v3-base", TMEM_HEAD_MLM, 0, &m, &inv);
    o = opts(); /* flash, the default */
    assert_int_equal(tmem_train_compute(&m, &inv, &o, 0, &r, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "--attention");
    load_named("modernbert-base", TMEM_HEAD_MLM, 0, &m, &inv);
    o.dropout = TMEM_ON; /* its dropouts sit inside the MLP and after Wo: not modelled */
    assert_int_equal(tmem_train_compute(&m, &inv, &o, 0, &r, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "--dropout");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bert_base_mlm_by_hand),
        cmocka_unit_test(bert_base_classifier_by_hand),
        cmocka_unit_test(bert_base_lora_by_hand),
        cmocka_unit_test(deberta_v3_base_mlm_by_hand),
        cmocka_unit_test(deberta_v3_base_classifier_by_hand),
        cmocka_unit_test(modernbert_base_mlm_by_hand),
        cmocka_unit_test(modernbert_base_classifier_eager_by_hand),
        cmocka_unit_test(refusals),
    };
    return cmocka_run_group_tests_name("encoder_train", tests, NULL, NULL);
}
