/* test_encdec.c — the encoder–decoder families (t5, mt5, bart, mbart): each
 * one's config.json against a hand calculation written tensor by tensor and
 * the published total, which stack each tensor belongs to, and the refusals
 * of the ledgers not built yet.
 *
 * REF HF transformers modeling_t5.py (T5Model: shared; T5Stack: block[i],
 * final_layer_norm, embed_tokens tied to shared; T5Block: T5LayerSelfAttention,
 * T5LayerCrossAttention (decoder), T5LayerFF; T5Attention q, k, v, o
 * without bias of inner_dim num_heads·d_kv, relative_attention_bias
 * nn.Embedding(num_buckets, n_heads) in block 0's self-attention only;
 * T5LayerNorm weight only; T5DenseActDense wi, wo / T5DenseGatedActDense
 * wi_0, wi_1, wo; lm_head tied iff tie_word_embeddings), modeling_mt5.py
 * (T5's layout), modeling_bart.py (BartLearnedPositionalEmbedding
 * num_embeddings + offset 2, BartEncoder / BartDecoder layernorm_embedding,
 * BartEncoderLayer, BartDecoderLayer with encoder_attn, q/k/v/out_proj and
 * fc1/fc2 with bias, LayerNorms with bias; BartForConditionalGeneration
 * final_logits_bias a buffer), modeling_mbart.py (MBartEncoder.layer_norm,
 * MBartDecoder.layer_norm). */
#include "harness.h"

#include <math.h>

#include "tmem/checkpoint.h"
#include "tmem/infer.h"
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
    check_group_sum(&inv);
}

static uint64_t preset_total(const char *name)
{
    const struct tmem_preset *p = tmem_preset_find(name);
    assert_non_null(p);
    struct tmem_model m;
    parse(p->config_json, &m);
    assert_int_equal(inv.total_params, p->published_params);
    return inv.total_params;
}

/* a preset with no exact published figure (published_params 0): its count */
static uint64_t preset_count(const char *name)
{
    const struct tmem_preset *p = tmem_preset_find(name);
    assert_non_null(p);
    assert_int_equal(p->published_params, 0);
    struct tmem_model m;
    parse(p->config_json, &m);
    return inv.total_params;
}

/* the parameters of the inventory's tensors of one stack: the encoder's kinds
 * are the ENC_ ones (scope ENC_LAYER, or named "encoder.") */
static uint64_t encoder_params(void)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < inv.n_tensors; i++)
        if (strncmp(inv.tensors[i].name, "encoder.", 8) == 0)
            n += inv.tensors[i].params;
    return n;
}

static uint64_t kind_params(enum tmem_tensor_kind k)
{
    for (uint32_t i = 0; i < inv.n_tensors; i++)
        if (inv.tensors[i].kind == k)
            return inv.tensors[i].params;
    return 0;
}

/* google-t5/t5-small config.json (task_specific_params left out) */
static const char t5_small[] =
    "{\"architectures\": [\"T5ForConditionalGeneration\"], \"d_ff\": 2048, \"d_kv\": 64, "
    "\"d_model\": 512, \"decoder_start_token_id\": 0, \"dropout_rate\": 0.1, \"eos_token_id\": 1, "
    "\"initializer_factor\": 1.0, \"is_encoder_decoder\": true, \"layer_norm_epsilon\": 1e-06, "
    "\"model_type\": \"t5\", \"n_positions\": 512, \"num_heads\": 8, \"num_layers\": 6, "
    "\"output_past\": true, \"pad_token_id\": 0, \"relative_attention_num_buckets\": 32, "
    "\"vocab_size\": 32128}";

/* A T5 layer of width d, inner width q = num_heads·d_kv, MLP f (g: gated):
 *   encoder  SelfAttention q, k, v, o     4·d·q
 *            DenseReluDense wi, wo        2·d·f   (gated wi_0, wi_1, wo: 3·d·f)
 *            2 T5LayerNorms               2·d
 *   decoder  + EncDecAttention q, k, v, o 4·d·q, a third norm d */
static uint64_t t5_enc_layer(uint64_t d, uint64_t q, uint64_t f, bool g)
{
    return 4 * d * q + (g ? 3 : 2) * d * f + 2 * d;
}

static uint64_t t5_dec_layer(uint64_t d, uint64_t q, uint64_t f, bool g)
{
    return t5_enc_layer(d, q, f, g) + 4 * d * q + d;
}

/* A whole T5: the shared embedding V·d (+ V·d untied lm_head), each stack's
 * layers, 32 buckets × heads in each stack's block 0, each stack's final norm. */
static uint64_t t5_total(uint64_t V, uint64_t d, uint64_t h, uint64_t L, uint64_t f, bool g, bool tied)
{
    uint64_t q = h * 64;
    return V * d * (tied ? 1 : 2) + L * t5_enc_layer(d, q, f, g) + L * t5_dec_layer(d, q, f, g) +
           2 * 32 * h + 2 * d;
}

/* EVIDENCE: keras-nlp's T5 presets metadata (t5_small params 60506624,
 * t5_base 222903552, t5_large 737668096), T5ForConditionalGeneration's
 * num_parameters(). By hand, t5-small (d 512, 8 heads of d_kv 64, d_ff 2048,
 * 6 + 6 layers, V 32128, ReLU, tied):
 *   shared                32128·512                       = 16,449,536
 *   encoder layer         4·512·512 + 2·512·2048 + 2·512   =  3,146,752
 *   encoder               6 · 3,146,752 + 32·8 + 512       = 18,881,280
 *   decoder layer         3,146,752 + 4·512·512 + 512      =  4,195,840
 *   decoder               6 · 4,195,840 + 32·8 + 512       = 25,175,808
 *   total                                                  = 60,506,624
 * t5-base (768, 12 heads, 3072, 12 layers): 222,903,552; t5-large (1024, 16
 * heads, 4096, 24 layers): 737,668,096. */
static void t5_v1_0_counts_its_published_totals(void **state)
{
    (void)state;
    assert_int_equal(t5_enc_layer(512, 512, 2048, false), UINT64_C(3146752));
    assert_int_equal(t5_dec_layer(512, 512, 2048, false), UINT64_C(4195840));
    assert_int_equal(t5_total(32128, 512, 8, 6, 2048, false, true), UINT64_C(60506624));
    assert_int_equal(t5_total(32128, 768, 12, 12, 3072, false, true), UINT64_C(222903552));
    assert_int_equal(t5_total(32128, 1024, 16, 24, 4096, false, true), UINT64_C(737668096));
    assert_int_equal(preset_total("t5-small"), UINT64_C(60506624));
    assert_int_equal(preset_total("t5-base"), UINT64_C(222903552));
    assert_int_equal(preset_total("t5-large"), UINT64_C(737668096));

    struct tmem_model m;
    parse(t5_small, &m);
    assert_int_equal(inv.total_params, UINT64_C(60506624));
    assert_true(m.encdec && !m.encoder && m.tied && m.mlp == TMEM_MLP_PLAIN);
    assert_int_equal(m.n_layer, 6);
    assert_int_equal(m.n_enc_layer, 6);
    assert_int_equal(m.n_rel_bucket, 32);
    /* the stacks apart: the encoder 18,881,280 (its layers, relative table,
     * final norm), the decoder's layers 6 · 4,195,840 = 25,175,040 */
    assert_int_equal(encoder_params(), UINT64_C(18881280));
    assert_int_equal(kind_params(TMEM_TENSOR_KIND_ENC_REL_ATTN_BIAS), 32 * 8);
    assert_int_equal(kind_params(TMEM_TENSOR_KIND_REL_ATTN_BIAS), 32 * 8);
    assert_int_equal(kind_params(TMEM_TENSOR_KIND_XATTN_Q), 6 * 512 * 512);
    assert_int_equal(kind_params(TMEM_TENSOR_KIND_LAYER_NORM), 6 * 3 * 512);
    assert_int_equal(kind_params(TMEM_TENSOR_KIND_ENC_LAYER_NORM), 6 * 2 * 512);
    assert_int_equal(kind_params(TMEM_TENSOR_KIND_LM_HEAD), 0); /* tied to shared */
    assert_int_equal(inv.group_params[TMEM_GROUP_EMBEDDING], 32128 * 512 + 2 * 32 * 8);
    /* every kind: in the encoder stack iff named "encoder.", and every
     * encoder layer's kind is in the encoder stack */
    for (int k = 0; k < TMEM_TENSOR_KIND_COUNT; k++) {
        const struct tmem_tensor_kind_info *ki = tmem_tensor_kind_info((enum tmem_tensor_kind)k);
        bool enc = strncmp(ki->name, "encoder.", 8) == 0;
        if (ki->encoder_stack != enc || (ki->scope == TMEM_SCOPE_ENC_LAYER && !enc))
            fail_msg("%s: its stack disagrees with its name or scope", ki->name);
    }
}

/* google/flan-t5-base config.json (task_specific_params left out) */
static const char flan_t5_base[] =
    "{\"architectures\": [\"T5ForConditionalGeneration\"], \"d_ff\": 2048, \"d_kv\": 64, "
    "\"d_model\": 768, \"decoder_start_token_id\": 0, \"dense_act_fn\": \"gelu_new\", "
    "\"dropout_rate\": 0.1, \"eos_token_id\": 1, \"feed_forward_proj\": \"gated-gelu\", "
    "\"initializer_factor\": 1.0, \"is_encoder_decoder\": true, \"is_gated_act\": true, "
    "\"layer_norm_epsilon\": 1e-06, \"model_type\": \"t5\", \"n_positions\": 512, "
    "\"num_decoder_layers\": 12, \"num_heads\": 12, \"num_layers\": 12, \"output_past\": true, "
    "\"pad_token_id\": 0, \"relative_attention_max_distance\": 128, "
    "\"relative_attention_num_buckets\": 32, \"tie_word_embeddings\": false, "
    "\"torch_dtype\": \"float32\", \"transformers_version\": \"4.23.1\", \"use_cache\": true, "
    "\"vocab_size\": 32128}";

/* EVIDENCE: flan-t5-base 247,577,856 (keras-hub t5_1.1_base preset metadata;
 * fusion_bench's flan-t5-base model_info all_params 247577856), T5 v1.1
 * large 783,150,080 and xl 2,849,757,184 (a t5x training-time table;
 * keras-hub t5_1.1_xl params 2849757184). By hand, flan-t5-base (768, 12
 * heads, d_ff 2048 gated, 12 + 12 layers, untied):
 *   shared + lm_head      2 · 32128·768                    = 49,348,608
 *   encoder layer         4·768·768 + 3·768·2048 + 2·768   =  7,079,424
 *   encoder               12 · 7,079,424 + 32·12 + 768     = 84,954,240
 *   decoder layer         7,079,424 + 4·768·768 + 768      =  9,439,488
 *   decoder               12 · 9,439,488 + 32·12 + 768     = 113,275,008
 *   total                                                  = 247,577,856
 * flan-t5-large (1024, 16 heads, 2816, 24 layers): 783,150,080; flan-t5-xl
 * (2048, 32 heads, 5120, 24 layers): 2,849,757,184. The relu config with
 * "feed_forward_proj": "relu" and a tied head is T5 v1.0's layout: without
 * wi_0 (12 · 768·2048 per stack) and the lm_head. */
static void t5_v1_1_gated_gelu_untied(void **state)
{
    (void)state;
    assert_int_equal(t5_enc_layer(768, 768, 2048, true), UINT64_C(7079424));
    assert_int_equal(t5_dec_layer(768, 768, 2048, true), UINT64_C(9439488));
    assert_int_equal(t5_total(32128, 768, 12, 12, 2048, true, false), UINT64_C(247577856));
    assert_int_equal(t5_total(32128, 1024, 16, 24, 2816, true, false), UINT64_C(783150080));
    assert_int_equal(t5_total(32128, 2048, 32, 24, 5120, true, false), UINT64_C(2849757184));
    assert_int_equal(preset_total("flan-t5-base"), UINT64_C(247577856));
    assert_int_equal(preset_total("flan-t5-large"), UINT64_C(783150080));
    assert_int_equal(preset_total("flan-t5-xl"), UINT64_C(2849757184));

    struct tmem_model m;
    parse(flan_t5_base, &m);
    assert_int_equal(inv.total_params, UINT64_C(247577856));
    assert_true(m.mlp == TMEM_MLP_GATED && !m.tied);
    assert_int_equal(kind_params(TMEM_TENSOR_KIND_LM_HEAD), 32128 * 768);
    assert_int_equal(kind_params(TMEM_TENSOR_KIND_ENC_MLP_GATE), 12 * 768 * 2048);
    assert_int_equal(kind_params(TMEM_TENSOR_KIND_MLP_GATE), 12 * 768 * 2048);
    assert_int_equal(encoder_params(), UINT64_C(84954240));

    char relu[sizeof flan_t5_base + 16];
    const char *at = strstr(flan_t5_base, "\"gated-gelu\"");
    assert_non_null(at);
    snprintf(relu, sizeof relu, "%.*s\"relu\"%s", (int)(at - flan_t5_base), flan_t5_base, at + 12);
    at = strstr(relu, "\"tie_word_embeddings\": false");
    assert_non_null(at);
    memcpy(relu + (at - relu) + 23, "true ", 5); /* "false" → "true " */
    parse(relu, &m);
    assert_true(m.mlp == TMEM_MLP_PLAIN && m.tied);
    assert_int_equal(inv.total_params, UINT64_C(247577856) - 2 * 12 * 768 * 2048 - 32128 * 768);
}

/* EVIDENCE: mt5-small 300,176,768 (lm-vocab-trimmer's reference table:
 * "full": 300176768, "embedding": 256114688 at vocab 250112), mt5-base
 * 582,401,280 (a public parameter-count script's reference). MT5Config's
 * defaults: gated-gelu, untied. By hand, mt5-small (512, 6 heads of d_kv 64:
 * inner 384, d_ff 1024, 8 + 8 layers, V 250112):
 *   shared + lm_head      2 · 250112·512                   = 256,114,688
 *   encoder layer         4·512·384 + 3·512·1024 + 2·512   =   2,360,320
 *   encoder               8 · 2,360,320 + 32·6 + 512       =  18,883,264
 *   decoder layer         2,360,320 + 4·512·384 + 512      =   3,147,264
 *   decoder               8 · 3,147,264 + 32·6 + 512       =  25,178,816
 *   total                                                  = 300,176,768
 * (inner 384 ≠ d_model 512: the projections are d_model × num_heads·d_kv).
 * mt5-base: flan-t5-base with V 250112: 247,577,856 + 2·(250112 − 32128)·768
 *   = 582,401,280 */
static void mt5_counts_its_published_totals(void **state)
{
    (void)state;
    const uint64_t d = 512, q = 6 * 64;
    assert_int_equal(t5_enc_layer(d, q, 1024, true), UINT64_C(2360320));
    assert_int_equal(t5_dec_layer(d, q, 1024, true), UINT64_C(3147264));
    assert_int_equal(2 * 250112 * d + 8 * t5_enc_layer(d, q, 1024, true) +
                         8 * t5_dec_layer(d, q, 1024, true) + 2 * 32 * 6 + 2 * d,
                     UINT64_C(300176768));
    assert_int_equal(t5_total(250112, 768, 12, 12, 2048, true, false), UINT64_C(582401280));
    assert_int_equal(preset_total("mt5-small"), UINT64_C(300176768));
    assert_int_equal(preset_total("mt5-base"), UINT64_C(582401280));
    assert_int_equal(inv.group_params[TMEM_GROUP_EMBEDDING] + inv.group_params[TMEM_GROUP_LM_HEAD] -
                         2 * 32 * 12,
                     UINT64_C(2) * 250112 * 768);
}

/* facebook/bart-base config.json (the architecture keys; generation
 * settings, task_specific_params and token ids left out) */
static const char bart_base[] =
    "{\"activation_dropout\": 0.1, \"activation_function\": \"gelu\", \"add_bias_logits\": false, "
    "\"add_final_layer_norm\": false, \"architectures\": [\"BartModel\"], "
    "\"attention_dropout\": 0.1, \"classif_dropout\": 0.1, \"d_model\": 768, "
    "\"decoder_attention_heads\": 12, \"decoder_ffn_dim\": 3072, \"decoder_layerdrop\": 0.0, "
    "\"decoder_layers\": 6, \"dropout\": 0.1, \"encoder_attention_heads\": 12, "
    "\"encoder_ffn_dim\": 3072, \"encoder_layerdrop\": 0.0, \"encoder_layers\": 6, "
    "\"init_std\": 0.02, \"is_encoder_decoder\": true, \"max_position_embeddings\": 1024, "
    "\"model_type\": \"bart\", \"normalize_before\": false, \"normalize_embedding\": true, "
    "\"num_hidden_layers\": 6, \"scale_embedding\": false, \"vocab_size\": 50265}";

/* One BART layer of width d, MLP f (biases everywhere, LayerNorms with bias):
 *   encoder  self_attn q, k, v, out_proj 4·(d·d + d), fc1 d·f + f, fc2 f·d + d,
 *            self_attn_layer_norm + final_layer_norm 2·2d
 *   decoder  + encoder_attn 4·(d·d + d) + encoder_attn_layer_norm 2d */
static uint64_t bart_enc_layer(uint64_t d, uint64_t f)
{
    return 4 * (d * d + d) + (d * f + f) + (f * d + d) + 2 * 2 * d;
}

static uint64_t bart_dec_layer(uint64_t d, uint64_t f)
{
    return bart_enc_layer(d, f) + 4 * (d * d + d) + 2 * d;
}

/* EVIDENCE: AutoModel.from_pretrained(...).num_parameters() in a public
 * print_model_summary table: facebook/bart-base 139420416, facebook/bart-large
 * 406291456 (BartModel; BartForConditionalGeneration adds only the
 * final_logits_bias buffer and the tied lm_head). By hand, bart-base (768,
 * 12 heads, ffn 3072, 6 + 6 layers, V 50265, 1024 positions):
 *   shared                50265·768                        = 38,603,520
 *   per stack embed_positions (1024 + 2)·768 = 787,968, layernorm_embedding 1,536
 *   encoder layer         4·(768² + 768) + 768·3072 + 3072 + 3072·768 + 768 + 4·768
 *                                                          =  7,087,872
 *   encoder               6 · 7,087,872 + 787,968 + 1,536  = 43,316,736
 *   decoder layer         7,087,872 + 4·(768² + 768) + 2·768 = 9,451,776
 *   decoder               6 · 9,451,776 + 787,968 + 1,536  = 57,500,160
 *   total                                                  = 139,420,416
 * bart-large (1024, 16, 4096, 12 + 12): 406,291,456. */
static void bart_counts_its_published_totals(void **state)
{
    (void)state;
    assert_int_equal(bart_enc_layer(768, 3072), UINT64_C(7087872));
    assert_int_equal(bart_dec_layer(768, 3072), UINT64_C(9451776));
    const uint64_t pos = 1026 * 768, emb_norm = 2 * 768;
    assert_int_equal(50265 * 768 + 6 * bart_enc_layer(768, 3072) + 6 * bart_dec_layer(768, 3072) +
                         2 * (pos + emb_norm),
                     UINT64_C(139420416));
    assert_int_equal(UINT64_C(50265) * 1024 + 12 * bart_enc_layer(1024, 4096) +
                         12 * bart_dec_layer(1024, 4096) + 2 * (1026 * 1024 + 2 * 1024),
                     UINT64_C(406291456));
    assert_int_equal(preset_total("bart-base"), UINT64_C(139420416));
    assert_int_equal(preset_total("bart-large"), UINT64_C(406291456));

    struct tmem_model m;
    parse(bart_base, &m);
    assert_int_equal(inv.total_params, UINT64_C(139420416));
    assert_true(m.encdec && m.post_norm && m.tied && !m.final_norm);
    assert_int_equal(m.n_pos, 1026); /* max_position_embeddings + offset 2 */
    assert_int_equal(encoder_params(), UINT64_C(43316736));
    assert_int_equal(kind_params(TMEM_TENSOR_KIND_POS_EMBD), pos);
    assert_int_equal(kind_params(TMEM_TENSOR_KIND_ENC_POS_EMBD), pos);
    assert_int_equal(kind_params(TMEM_TENSOR_KIND_XATTN_O_BIAS), 6 * 768);
    assert_int_equal(kind_params(TMEM_TENSOR_KIND_REL_ATTN_BIAS), 0); /* no relative table */
    /* the two stacks' sizes apart: a 3-layer encoder of ffn 1024 under the 6 decoder layers */
    char cfg[sizeof bart_base + 8];
    const char *at = strstr(bart_base, "\"encoder_layers\": 6");
    snprintf(cfg, sizeof cfg, "%.*s\"encoder_layers\": 3%s", (int)(at - bart_base), bart_base,
             at + strlen("\"encoder_layers\": 6"));
    char cfg2[sizeof cfg + 8];
    at = strstr(cfg, "\"encoder_ffn_dim\": 3072");
    snprintf(cfg2, sizeof cfg2, "%.*s\"encoder_ffn_dim\": 1024%s", (int)(at - cfg), cfg,
             at + strlen("\"encoder_ffn_dim\": 3072"));
    parse(cfg2, &m);
    assert_int_equal(m.n_enc_layer, 3);
    assert_int_equal(m.n_layer, 6);
    assert_int_equal(encoder_params(), 3 * bart_enc_layer(768, 1024) + pos + emb_norm);
    assert_int_equal(inv.total_params,
                     50265 * 768 + 3 * bart_enc_layer(768, 1024) + 6 * bart_dec_layer(768, 3072) +
                         2 * (pos + emb_norm));
}

/* EVIDENCE: facebook/mbart-large-50, 610,879,488 (a fine-tuning run's
 * metrics: parameters == trainable_parameters == 610879488); mbart-large-cc25
 * counted at a vocabulary of 250,028: 610,852,864 (lm-vocab-trimmer's
 * reference table). mBART is BART-large's layout, pre-LN, with a final
 * LayerNorm (2·1024) on each stack. By hand, V 250054:
 *   bart-large's stacks   406,291,456 − 50265·1024         = 354,820,096
 *   + 2 final LayerNorms  2 · 2·1024                       =       4,096
 *   + shared              250054·1024                      = 256,055,296
 *   total                                                  = 610,879,488
 *   at V 250028: 610,879,488 − 26·1024                     = 610,852,864 */
static void mbart_counts_its_published_totals(void **state)
{
    (void)state;
    const uint64_t stacks = UINT64_C(406291456) - UINT64_C(50265) * 1024;
    assert_int_equal(stacks, UINT64_C(354820096));
    assert_int_equal(stacks + 4 * 1024 + UINT64_C(250054) * 1024, UINT64_C(610879488));
    assert_int_equal(preset_total("mbart-large-50"), UINT64_C(610879488));
    struct tmem_model m;
    const struct tmem_preset *p = tmem_preset_find("mbart-large-50");
    char cfg[2048];
    const char *at = strstr(p->config_json, "\"vocab_size\": 250054");
    assert_non_null(at);
    snprintf(cfg, sizeof cfg, "%.*s\"vocab_size\": 250028%s", (int)(at - p->config_json),
             p->config_json, at + strlen("\"vocab_size\": 250054"));
    parse(cfg, &m);
    assert_int_equal(inv.total_params, UINT64_C(610852864));
    assert_true(m.final_norm && !m.post_norm);
    assert_int_equal(kind_params(TMEM_TENSOR_KIND_ENC_FINAL_NORM) +
                         kind_params(TMEM_TENSOR_KIND_ENC_FINAL_NORM_BIAS),
                     2 * 1024);
}

/* The families are read from their architectures class when model_type
 * is absent; train, and infer under a paged engine (the default vLLM),
 * refuse them in one line until their ledgers exist. */
static void classes_and_refusals(void **state)
{
    (void)state;
    assert_int_equal(tmem_family_from_class("T5ForConditionalGeneration"), TMEM_FAMILY_T5);
    assert_int_equal(tmem_family_from_class("MT5ForConditionalGeneration"), TMEM_FAMILY_MT5);
    assert_int_equal(tmem_family_from_class("BartForConditionalGeneration"), TMEM_FAMILY_BART);
    assert_int_equal(tmem_family_from_class("MBartForConditionalGeneration"), TMEM_FAMILY_MBART);
    assert_int_equal(tmem_family_from_class("BartModel"), TMEM_FAMILY_BART);

    struct tmem_model m;
    parse(t5_small, &m);
    struct tmem_infer_opts io;
    tmem_infer_defaults(&io);
    io.gpu = tmem_gpu_find("h200");
    static struct tmem_infer_result r;
    struct tmem_error err = {0};
    assert_int_equal(tmem_infer_build(&m, &inv, &io, &r, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "model");
    struct tmem_train_opts to;
    tmem_train_opts_default(&to);
    struct tmem_train_result tr;
    err = (struct tmem_error){0};
    /* train: HF's eager attention only (the default flash is refused), and
     * one line for each plan option not modelled for both stacks */
    assert_int_equal(tmem_train_compute(&m, &inv, &to, 0, &tr, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "--attention");
    to.attention = TMEM_ATTENTION_NAIVE;
    assert_int_equal(tmem_train_compute(&m, &inv, &to, 0, &tr, &err), TMEM_OK);
    struct tmem_train_opts bad = to;
    bad.precision = TMEM_PRECISION_AMP_BF16;
    assert_int_equal(tmem_train_compute(&m, &inv, &bad, 0, &tr, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "--precision");
    bad = to;
    bad.tp = 2;
    assert_int_equal(tmem_train_compute(&m, &inv, &bad, 0, &tr, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "--tp");
    bad = to;
    bad.pp = 2;
    assert_int_equal(tmem_train_compute(&m, &inv, &bad, 0, &tr, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "--pp");
    bad = to;
    bad.recompute = TMEM_RECOMPUTE_SELECTIVE; /* full: test_encdec_recompute.c */
    assert_int_equal(tmem_train_compute(&m, &inv, &bad, 0, &tr, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "--recompute");
    /* adapters are modelled (test_encdec_lora.c); tensor parallel still not */
    bad = to;
    bad.lora_rank = 8;
    bad.lora_targets = tmem_lora_target_kinds("q");
    assert_int_equal(tmem_train_compute(&m, &inv, &bad, 0, &tr, &err), TMEM_OK);
    bad.tp = 2;
    assert_int_equal(tmem_train_compute(&m, &inv, &bad, 0, &tr, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "--tp");
    bad = to;
    bad.rl = TMEM_RL_GRPO;
    assert_int_equal(tmem_train_compute(&m, &inv, &bad, 0, &tr, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "--rl");
    bad = to;
    bad.kernels = TMEM_KERNELS_LIGER;
    assert_int_equal(tmem_train_compute(&m, &inv, &bad, 0, &tr, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "--kernels");
    /* the step time is modelled for both stacks (train_t5_small_step_time_by_hand) */
    struct tmem_train_time_opts tto;
    tmem_train_time_defaults(&tto, tmem_gpu_find("h100"));
    struct tmem_train_time tt;
    assert_int_equal(tmem_train_time(&m, &inv, &to, &tr, &tto, NULL, &tt, NULL, &err), TMEM_OK);
    assert_true(tt.step_s > 0.0);
}

/* the train plan every hand calculation below starts from: HF eager
 * attention, b sequences of s_enc encoder and s_dec decoder tokens */
static void train_plan(struct tmem_train_opts *o, uint64_t b, uint64_t s_enc, uint64_t s_dec)
{
    tmem_train_opts_default(o);
    o->attention = TMEM_ATTENTION_NAIVE;
    o->micro_batch = b;
    o->seq = s_enc;
    o->target_seq = s_dec;
}

static void train_ok(const struct tmem_model *m, const struct tmem_train_opts *o, struct tmem_train_result *r)
{
    struct tmem_error err = {0};
    if (tmem_train_compute(m, &inv, o, 0, r, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
}

/* t5-small training (HF eager, bf16-mixed: every activation in bf16, E = 2
 * B, except fp32 / int64 / 1-byte masks), b 8, s_enc 512, s_dec 114 (T5's
 * pretraining lengths: 512 inputs, 114 targets), dropout_rate 0.1 on every
 * dropout (the descriptor's three keys). d 512, 8 heads of d_kv 64 (H 512),
 * d_ff 2048 ReLU, 6 + 6 layers, V 32128, tied. Tensor by tensor, per token:
 *   T5LayerNorm   x.to(fp32) 4·512 + x 2·512 + rsqrt 4 + y 2·512  = 4,100
 *   self-attn     norm 4,100 + q/k/v input 2·512 + q, k, v, o input 4·2·512
 *                 + residual dropout mask 512                    = 9,732
 *   FFN (ReLU)    norm 4,100 + wi input 2·512 + ReLU out 2·2048 + dropout
 *                 mask 2048 + dropout out 2·2048 + residual mask 512 = 15,876
 *   encoder layer 9,732 + 15,876                                 = 25,608
 *   cross-attn    norm 4,100 + q input 1,024 + q 1,024 + o input 1,024
 *                 + mask 512                                     = 7,684
 *   decoder layer 9,732 + 7,684 + 15,876                         = 33,292
 *   cross k, v    per encoder token and decoder layer 2·2·512    = 2,048
 *   scores        per element: fp32 softmax 4 + dropout mask 1 + dropout
 *                 output 2 (saved by the matmul with v)          = 7
 *   ends          per token of each stack: ids 8 + embedding dropout mask
 *                 512 + final norm 4,100 + final dropout mask 512 + the
 *                 encoder output / lm_head input 2·512           = 6,156
 * Items:
 *   encoder layers 6 × (8·512 × 25,608 + 8·8·512·512 × 7)
 *                = 6 × (104,890,368 + 117,440,512)               = 1,333,985,280
 *   decoder layers 6 × (8·114 × 33,292 + 8·8·114·114 × 7 + 8·8·114·512 × 7
 *                       + 8·512 × 2,048)
 *                = 6 × (30,362,304 + 5,822,208 + 26,148,864 + 8,388,608)
 *                = 6 × 70,721,984                                = 424,331,904
 *   ends          4096 × 6,156 + 912 × 6,156 + buckets 8·512² + 8·114²
 *                = 25,214,976 + 5,614,272 + 2,097,152 + 103,968  = 33,030,368
 *   logits        912 × 32128 × 2                                = 58,601,472
 *   loss          912 × (32128 × 2 + 8)                          = 58,608,768
 *   logits grad   912 × 32128 × 2 × 2                            = 117,202,944
 *   weights       60,506,624 × 2                                 = 121,013,248 */
static void train_t5_small_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    parse(tmem_preset_find("t5-small")->config_json, &m);
    struct tmem_train_opts o;
    train_plan(&o, 8, 512, 114);
    static struct tmem_train_result r;
    train_ok(&m, &o, &r);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENC_LAYERS], UINT64_C(1333985280));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_DEC_LAYERS], UINT64_C(424331904));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENDS], UINT64_C(33030368));
    assert_int_equal(r.item_bytes[TMEM_TI_LOGITS], UINT64_C(58601472));
    assert_int_equal(r.item_bytes[TMEM_TI_LOSS], UINT64_C(58608768));
    assert_int_equal(r.item_bytes[TMEM_TI_LOGITS_GRAD], UINT64_C(117202944));
    assert_int_equal(r.item_bytes[TMEM_TI_WEIGHTS], UINT64_C(121013248));
    /* the decoder-only items stay 0: both stacks are in the two above */
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN] + r.item_bytes[TMEM_TI_ACT_SCORES] +
                         r.item_bytes[TMEM_TI_ACT_MLP] + r.item_bytes[TMEM_TI_ACT_MASKS],
                     0);
    assert_int_equal(r.seq, 512);
    assert_int_equal(r.target_seq, 114);

    /* --target-seq unset: the decoder runs --seq tokens too. b 1, s 64:
     * encoder 6 × (64 × 25,608 + 8·64·64 × 7) = 6 × (1,638,912 + 229,376)
     * = 11,209,728 */
    train_plan(&o, 1, 64, 0);
    train_ok(&m, &o, &r);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENC_LAYERS], UINT64_C(11209728));
    assert_int_equal(r.target_seq, 64);
    /* decoder 6 × (64 × 33,292 + 8·64·64 × 7 × 2 + 64 × 2,048)
     * = 6 × (2,130,688 + 458,752 + 131,072) = 16,323,072 */
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_DEC_LAYERS], UINT64_C(16323072));

    /* --dropout off: no masks; T5's scores keep the fp32 softmax (4) and the
     * c copy .type_as makes for the matmul with v (2) = 6 per element; the
     * FFN keeps the ReLU output only. Encoder layer per token: norm 4,100 +
     * 1,024 + 4,096 (attention) + 4,100 + 1,024 + 4,096 (FFN) = 18,440:
     * 6 × (64 × 18,440 + 8·64·64 × 6) = 6 × (1,180,160 + 196,608) = 8,260,608 */
    o.dropout = TMEM_OFF;
    train_ok(&m, &o, &r);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENC_LAYERS], UINT64_C(8260608));

    /* fp32: x.to(fp32) is x itself (one tensor), the type_as copy too: norm
     * 4·512 + 4 + 4·512 = 4,100 again; attention 4,100 + 2,048 + 4·4·512
     * = 14,340; FFN 4,100 + 2,048 + 4·2048 = 14,340; scores 4 per element:
     * 6 × (64 × 28,680 + 8·64·64 × 4) = 6 × (1,835,520 + 131,072) = 11,799,552 */
    o.precision = TMEM_PRECISION_FP32;
    train_ok(&m, &o, &r);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENC_LAYERS], UINT64_C(11799552));
}

/* t5-small's step time on one H100 SXM (989.4 TFLOP/s dense bf16, 3.35
 * TB/s HBM; efficiency 0.40, eager attention at the matmul rate), b 8,
 * s_enc 512, s_dec 114, bf16-mixed, one micro-batch. Matmul parameters from
 * the published shape (d_model 512, d_kv 64 × 8 heads, d_ff 2048, 6 + 6
 * layers, vocab 32128, tied head; embeddings and the relative position
 * bias are lookups, 0 FLOPs):
 *   encoder layer  q, k, v, o 4·512·512 + wi, wo 2·512·2048      = 3,145,728
 *   encoder        6 × 3,145,728                                 = 18,874,368
 *   decoder layer  self 1,048,576 + cross q, o 524,288 + FFN 2,097,152
 *                                                                = 3,670,016
 *   decoder        6 × 3,670,016                                 = 22,020,096
 *   cross k, v     6 × 2·512·512 (over the encoder's tokens)     = 3,145,728
 *   lm_head        32128 · 512 (tied: the embedding)             = 16,449,536
 *   (sum 60,489,728 = the 60,506,624 weights − 16,896 norms and buckets)
 * Forward matmuls 2·8·512·(18,874,368 + 3,145,728)
 *               + 2·8·114·(22,020,096 + 16,449,536)
 *   = 180,388,626,432 + 70,168,608,768                 = 250,557,235,200
 * Forward attention (QKᵀ and PV, 2·(d_qk + d_v)·n_head = 2·1024):
 *   encoder 2·8·512·512·1024·6 (bidirectional)         = 25,769,803,776
 *   decoder 2·8·114·(114 self + 512 cross)·1024·6      = 7,015,366,656
 *                                                      = 32,785,170,432
 * Model FLOPs 3 × (250,557,235,200 + 32,785,170,432)   = 850,027,216,896
 * Eager scores: 11 passes (4 forward, 7 backward) of 2 bytes over
 *   8·8·512²·6 + 8·8·114·626·6 = 100,663,296 + 27,403,776 = 128,067,072
 *   elements: 2,817,475,584 B
 * step = 850,027,216,896 / (989.4e12 × 0.40) + 2,817,475,584 / 3.35e12
 *      = 2.147835 ms + 0.841037 ms = 2.988873 ms; MFU 0.287444 */
static void train_t5_small_step_time_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    parse(tmem_preset_find("t5-small")->config_json, &m);
    struct tmem_train_opts o;
    train_plan(&o, 8, 512, 114);
    static struct tmem_train_result r;
    train_ok(&m, &o, &r);
    struct tmem_train_time_opts to;
    tmem_train_time_defaults(&to, tmem_gpu_find("h100"));
    struct tmem_train_time t;
    struct tmem_error err = {0};
    if (tmem_train_time(&m, &inv, &o, &r, &to, NULL, &t, NULL, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    assert_int_equal(t.model_flops, UINT64_C(850027216896));
    assert_int_equal(t.hardware_flops, UINT64_C(850027216896));
    assert_int_equal(t.tokens_per_step, 8 * 512);
    if (fabs(t.step_s - 2.988873e-3) > 1e-9)
        fail_msg("step_s %.9g, want 2.988873e-3", t.step_s);
    if (fabs(t.item_s[TMEM_TT_COMPUTE] - 2.988873e-3) > 1e-9)
        fail_msg("compute %.9g", t.item_s[TMEM_TT_COMPUTE]);
    if (fabs(t.mfu - 0.287444) > 1e-6)
        fail_msg("mfu %.9g, want 0.287444", t.mfu);
    /* --explain: the same terms */
    static struct tmem_train_time_text tx;
    if (tmem_train_time(&m, &inv, &o, &r, &to, NULL, &t, &tx, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    assert_non_null(strstr(tx.formula[TMEM_TT_COMPUTE], "s_dec"));
    assert_non_null(strstr(tx.attn_formula, "n_enc_layer"));
}

/* flan-t5-base (T5 v1.1: gated-GELU, untied; d 768, 12 heads of 64, d_ff
 * 2048, 12 + 12 layers), bf16-mixed, b 1, s_enc = s_dec = 128, dropout 0.1:
 *   norm          4·768 + 2·768 + 4 + 2·768                      = 6,148
 *   self-attn     6,148 + 1,536 + 4·2·768 + 768                  = 14,596
 *   FFN (gated)   6,148 + wi input 1,536 + gelu_new's pow input, tanh out,
 *                 0.5·x, 1 + tanh, its output, wi_1 out, dropout out 7·2·2048
 *                 + dropout mask 2048 + residual mask 768        = 39,172
 *   encoder layer 14,596 + 39,172                                = 53,768
 *   encoder items 12 × (128 × 53,768 + 12·128·128 × 7)
 *               = 12 × (6,882,304 + 1,376,256)                   = 99,102,720 */
static void train_flan_t5_gated_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    parse(tmem_preset_find("flan-t5-base")->config_json, &m);
    struct tmem_train_opts o;
    train_plan(&o, 1, 128, 128);
    static struct tmem_train_result r;
    train_ok(&m, &o, &r);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENC_LAYERS], UINT64_C(99102720));
}

/* bart-base (d 768, 12 heads of 64, ffn 3072 GELU, 6 + 6 layers, V 50265,
 * post-LN, attention_dropout 0.1 and dropout 0.1 in its config), bf16-mixed,
 * b 8, s_enc 512, s_dec 128. Per token:
 *   LayerNorm     input 2·768 + fp32 mean, rstd 8                = 1,544
 *   self-attn     q/k/v input 1,536 + q, k, v, o input 4·2·768 + residual
 *                 dropout mask 768 + its LayerNorm 1,544         = 9,992
 *   FFN           fc1 input 1,536 + GELU input 2·3072 + fc2 input 2·3072
 *                 + mask 768 + LayerNorm 1,544                   = 16,136
 *   encoder layer 26,128; cross-attn 1,544 + 1,536 + 2·2·768 + 768 = 6,920
 *   decoder layer 9,992 + 6,920 + 16,136                         = 33,048
 *   scores        softmax in c 2 + dropout mask 1 + output 2     = 5
 *   ends          ids 8 + layernorm_embedding 1,544 + embedding dropout mask
 *                 768 + encoder output / lm_head input 1,536     = 3,856
 * Items:
 *   encoder 6 × (4096 × 26,128 + 8·12·512·512 × 5)
 *         = 6 × (107,020,288 + 125,829,120)                      = 1,397,096,448
 *   decoder 6 × (1024 × 33,048 + 8·12·128·128 × 5 + 8·12·128·512 × 5
 *                + 4096 × 3,072)
 *         = 6 × (33,841,152 + 7,864,320 + 31,457,280 + 12,582,912) = 514,473,984
 *   ends    4096 × 3,856 + 1024 × 3,856 + position ids 8·512 + 8·128
 *         = 15,794,176 + 3,948,544 + 4,096 + 1,024               = 19,747,840
 *   loss    1024 × (50265 × 2 + 8)                               = 102,950,912 */
static void train_bart_base_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    parse(tmem_preset_find("bart-base")->config_json, &m);
    struct tmem_train_opts o;
    train_plan(&o, 8, 512, 128);
    static struct tmem_train_result r;
    train_ok(&m, &o, &r);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENC_LAYERS], UINT64_C(1397096448));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_DEC_LAYERS], UINT64_C(514473984));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENDS], UINT64_C(19747840));
    assert_int_equal(r.item_bytes[TMEM_TI_LOSS], UINT64_C(102950912));
    /* the decoder's learned positions bound --target-seq as --seq is bound */
    assert_true(m.n_pos >= 1024);
    o.target_seq = m.n_pos + 1;
    struct tmem_error err = {0};
    assert_int_equal(tmem_train_compute(&m, &inv, &o, 0, &r, &err), TMEM_ERR_INCONSISTENT);
    assert_string_equal(err.where, "--target-seq");
}

/* mbart-large-50 (pre-LN, a final LayerNorm per stack; d 1024): the ends
 * per token add the final norm, 2·1024 + 8: ids 8 + layernorm_embedding
 * 2,056 + embedding dropout mask 1,024 + final norm 2,056 + encoder output
 * / lm_head input 2,048 = 7,192. b 1, s 16 both stacks: 16 × 7,192 · 2
 * stacks + position ids 8·16 · 2 = 230,144 + 256 = 230,400 */
static void train_mbart_ends_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    parse(tmem_preset_find("mbart-large-50")->config_json, &m);
    struct tmem_train_opts o;
    train_plan(&o, 1, 16, 16);
    static struct tmem_train_result r;
    train_ok(&m, &o, &r);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENDS], UINT64_C(230400));
}

/* the ledger line labelled `label` (0 when absent) */
static uint64_t entry(const struct tmem_ledger *l, const char *label)
{
    for (uint32_t i = 0; i < l->n_entries; i++)
        if (strcmp(l->entries[i].label, label) == 0)
            return l->entries[i].bytes;
    return 0;
}

/* tmem infer --engine hf on an encoder–decoder: HF generate() runs the
 * encoder once over the prompt (s_enc tokens), keeps its output, and each
 * decoder layer keeps cross-attention keys and values over those s_enc
 * tokens (fixed) beside its self-attention KV over the generated tokens.
 * By hand, bart-base (d 768, 6 decoder layers, 12 heads of 64, ffn 3072,
 * V 50265), batch 2, prompt 1024, gen 256, bf16:
 *   weights             139,420,416 · 2 B                      = 278,840,832
 *   encoder forward     the MLP stage: T = 2·1024 = 2048 tokens ×
 *                       (2·768 + 2·3072: residual, normed, fc1 out, act) × 2 B
 *                       = 2048 · 7680 · 2                      =  31,457,280
 *   encoder output      2 · 1024 · 768 · 2 B                   =   3,145,728
 *   logits              2 · 50265 · (2 + 4 B)                  =     603,180
 *   KV per token        2 (K, V) · 6 layers · 12 heads · 64 · 2 B = 18,432
 *   self-attention KV   2 · 256 tokens · 18,432                =   9,437,184
 *   cross-attention KV  2 · 1024 encoder tokens · 18,432       =  37,748,736
 * t5-small, batch 1, prompt 512, gen 0: no self-attention KV yet, cross
 * 512 · 2 · 6 · 8 · 64 · 2 = 6,291,456. tp 2 (no tp_plan in transformers for
 * an encoder-decoder), vLLM and pp 2 are refused. */
static void infer_hf_self_and_cross_kv_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    const struct tmem_preset *p = tmem_preset_find("bart-base");
    parse(p->config_json, &m);
    struct tmem_infer_opts o;
    tmem_infer_defaults(&o);
    o.gpu = tmem_gpu_find("h100");
    o.engine = TMEM_ENGINE_HF;
    tmem_infer_engine_defaults(&o);
    o.batch = 2;
    o.prompt_tokens = 1024;
    o.gen_tokens = 256;
    static struct tmem_infer_result r;
    struct tmem_error err = {0};
    if (tmem_infer_build(&m, &inv, &o, &r, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    assert_int_equal(r.weight_bytes, UINT64_C(278840832));
    assert_int_equal(entry(&r.ledger, "peak of the encoder forward"), UINT64_C(31457280));
    assert_int_equal(entry(&r.ledger, "encoder output, kept"), UINT64_C(3145728));
    assert_int_equal(entry(&r.ledger, "logits of last tokens"), UINT64_C(603180));
    assert_int_equal(r.kv.bytes_per_token, 18432);
    assert_int_equal(r.kv.cross_bytes_per_token, 18432);
    assert_int_equal(entry(&r.ledger, "self-attention KV"), UINT64_C(9437184));
    assert_int_equal(entry(&r.ledger, "cross-attention KV"), UINT64_C(37748736));
    assert_int_equal(r.kv_request_bytes, UINT64_C(9437184) + UINT64_C(37748736));
    /* no paged pool: the sequences of this length (self + cross KV
     * 47,185,920 / 2 = 23,592,960 B each) that the memory left holds */
    uint64_t non_kv = r.ledger.total_bytes - r.ledger.bucket_bytes[TMEM_BUCKET_KV_CACHE];
    assert_int_equal(r.max_concurrent_sequences, (r.usable_bytes - non_kv) / UINT64_C(23592960));
    /* the cross-attention KV does not grow with the generated tokens */
    o.gen_tokens = 512;
    assert_int_equal(tmem_infer_build(&m, &inv, &o, &r, &err), TMEM_OK);
    assert_int_equal(entry(&r.ledger, "self-attention KV"), UINT64_C(2) * 9437184);
    assert_int_equal(entry(&r.ledger, "cross-attention KV"), UINT64_C(37748736));

    p = tmem_preset_find("t5-small");
    parse(p->config_json, &m);
    o.batch = 1;
    o.prompt_tokens = 512;
    o.gen_tokens = 0;
    assert_int_equal(tmem_infer_build(&m, &inv, &o, &r, &err), TMEM_OK);
    assert_int_equal(r.kv.cross_bytes_per_token, 2 * 6 * 8 * 64 * 2);
    assert_int_equal(entry(&r.ledger, "self-attention KV"), 0);
    assert_int_equal(entry(&r.ledger, "cross-attention KV"), UINT64_C(6291456));
    /* transformers has no tp_plan for an encoder-decoder: --tp 2 is refused */
    o.tp = 2;
    assert_int_equal(tmem_infer_build(&m, &inv, &o, &r, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "--tp");
    o.tp = 1;
    o.pp = 2;
    assert_int_equal(tmem_infer_build(&m, &inv, &o, &r, &err), TMEM_ERR_UNSUPPORTED);
    o.pp = 1;
    o.engine = TMEM_ENGINE_VLLM;
    assert_int_equal(tmem_infer_build(&m, &inv, &o, &r, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "model");
}

/* |got − want| ≤ tol, both printed when not */
static void near(double got, double want, double tol)
{
    if (fabs(got - want) > tol)
        fail_msg("%.9g, want %.9g (± %g)", got, want, tol);
}

/* HF generate() timing of t5-small (d_model 512, 8 heads of d_kv 64, d_ff
 * 2048, 6 + 6 layers, vocab 32128, tied, ReLU) on h100 (989.4 TFLOP/s bf16,
 * 3.35 TB/s), mfu 0.5, mbu 0.8, bf16, batch 1, prompt 512, gen 128, by hand:
 *   matmul weights  N_enc  6 · (4·512·512 + 2·512·2048)          = 18,874,368
 *                   N_dec  6 · (4·512² + 2·512² (cross q, o) + 2·512·2048)
 *                                                                 = 22,020,096
 *                   N_xkv  6 · 2·512² (cross k, v)                =  3,145,728
 *                   head   32128 · 512                            = 16,449,536
 *   encoder bytes   (18,874,368 + 13·512 norms + 32·8 bias) · 2 B = 37,762,560
 *   decoder bytes   (60,506,624 − 18,881,280) · 2 B               = 83,250,688
 *   KV per token    self = cross = 2 · 6 · 8 · 64 · 2 B           =     12,288
 *   encoder step    FLOPs 2·18,874,368·512 + 4·6·64·8·512²        = 22,548,578,304
 *                   bytes 37,762,560: max(22,548,578,304 / 494.7e12,
 *                   37,762,560 / 2.68e12) = 45.58 µs (compute)
 *   first decoder   FLOPs 2·22,020,096 + 2·16,449,536 + 2·3,145,728·512
 *                         + 4·6·64·8·(1 + 512)                    =  3,304,468,480
 *                   bytes 83,250,688 + 1·12,288 + 512·12,288      =     89,554,432
 *                   → 33.42 µs (memory)
 *   TTFT            45.58 + 33.42 = 79.0 µs, compute-bound (the encoder, longer)
 *   TPOT (c = 1 + 128/2 = 65)
 *                   FLOPs 2·22,020,096 + 2·16,449,536 + 4·6·64·8·(65 + 512)
 *                                                                 =     84,029,440
 *                   bytes 83,250,688 + 65·12,288 + 512·12,288     =     90,340,864
 *                   → 33.71 µs (memory) */
static void infer_t5_small_timing_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    parse(tmem_preset_find("t5-small")->config_json, &m);
    struct tmem_infer_opts o;
    tmem_infer_defaults(&o);
    o.gpu = tmem_gpu_find("h100");
    o.engine = TMEM_ENGINE_HF;
    tmem_infer_engine_defaults(&o);
    o.mfu = 0.5;
    o.mbu = 0.8;
    o.batch = 1;
    o.prompt_tokens = 512;
    o.gen_tokens = 128;
    static struct tmem_infer_result r;
    struct tmem_error err = {0};
    if (tmem_infer_build(&m, &inv, &o, &r, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    assert_int_equal(inv.total_params, UINT64_C(60506624));
    const double flops = 989.4e12 * 0.5, bw = 3.35e12 * 0.8;
    const double enc_flops = 2.0 * 18874368 * 512 + 4.0 * 6 * 64 * 8 * 512 * 512;
    const double first_flops = 2.0 * 22020096 + 2.0 * 16449536 + 2.0 * 3145728 * 512 +
                               4.0 * 6 * 64 * 8 * (1 + 512);
    const double enc_bytes = 37762560, first_bytes = 83250688.0 + 12288 + 512.0 * 12288;
    assert_true(enc_flops == 22548578304.0 && first_flops == 3304468480.0);
    assert_true(first_bytes == 89554432.0);
    near(r.timing.prefill_flops, enc_flops + first_flops, 1.0);
    near(r.timing.prefill_bytes, enc_bytes + first_bytes, 1.0);
    const double enc_s = enc_flops / flops; /* compute-bound: > enc_bytes / bw */
    assert_true(enc_s > enc_bytes / bw);
    near(r.timing.encoder_s, enc_s, 1e-12);
    near(r.timing.ttft_s, enc_s + first_bytes / bw, 1e-12);
    near(r.timing.ttft_s, 79.0e-6, 0.05e-6);
    assert_string_equal(r.timing.prefill_bound, "compute");
    const double dec_flops = 2.0 * 22020096 + 2.0 * 16449536 + 4.0 * 6 * 64 * 8 * (65 + 512);
    const double dec_bytes = 83250688.0 + 65.0 * 12288 + 512.0 * 12288;
    assert_true(dec_flops == 84029440.0 && dec_bytes == 90340864.0);
    near(r.timing.decode_flops, dec_flops, 1.0);
    near(r.timing.decode_bytes, dec_bytes, 1.0);
    near(r.timing.tpot_s, dec_bytes / bw, 1e-12);
    near(r.timing.tpot_s, 33.71e-6, 0.01e-6);
    assert_string_equal(r.timing.decode_bound, "memory");
    near(r.timing.e2e_s, r.timing.ttft_s + 128 * r.timing.tpot_s, 1e-12);
}

/* The tensor of a kind in the last parsed model's inventory (NULL: none). */
static const struct tmem_tensor *tensor_of(enum tmem_tensor_kind k)
{
    for (uint32_t i = 0; i < inv.n_tensors; i++)
        if (inv.tensors[i].kind == k)
            return &inv.tensors[i];
    return NULL;
}

/* UMT5 (modeling_umt5.py): mT5's layout with a relative-bias table in every
 * self-attention layer of both stacks. google/umt5-small's config.json
 * (UMT5ForConditionalGeneration: d_model 512, d_kv 64, d_ff 1024, 6 heads,
 * 8 + 8 layers, vocab 256384, gated-gelu, tie_word_embeddings false), by hand:
 *   shared + lm_head   2 · 256384 · 512                         = 262,537,216
 *   encoder layer      4·512·384 + 3·512·1024 + 2·512 + 32·6    =   2,360,512
 *                      × 8 + final norm 512                     =  18,884,608
 *   decoder layer      2 · 4·512·384 + 3·512·1024 + 3·512 + 32·6 =  3,147,456
 *                      × 8 + 512                                =  25,180,160
 *   total                                                       = 306,601,984
 * T5's single table per stack would give 2 · 7 · 192 = 2,688 fewer.
 * EVIDENCE (no exact figure found): HF's safetensors widget for umT5-small
 * says "307M params", F32, and model.safetensors is 1.23 GB
 * (4 B · 306,601,984 = 1,226,407,936 B; one table per stack or a tied head,
 * 0.70 GB, would not be). umt5-base (768, 12 heads, d_ff 2048, 12 + 12):
 * 2·256384·768 + 12·7,079,808 + 768 + 12·9,439,872 + 768 = 592,043,520;
 * umt5-xl (2048, 32 heads, d_ff 5120, 24 + 24): 2·256384·2048
 * + 24·48,239,616 + 2048 + 24·65,018,880 + 2048 = 3,768,356,864. */
static void umt5_counts_per_layer_bias_tables(void **state)
{
    (void)state;
    static const char umt5_small[] =
        "{\"architectures\": [\"UMT5ForConditionalGeneration\"], \"d_ff\": 1024, \"d_kv\": 64, "
        "\"d_model\": 512, \"dropout_rate\": 0.1, \"feed_forward_proj\": \"gated-gelu\", "
        "\"num_decoder_layers\": 8, \"num_heads\": 6, \"num_layers\": 8, "
        "\"relative_attention_num_buckets\": 32, \"tie_word_embeddings\": false, "
        "\"vocab_size\": 256384}";
    struct tmem_model m;
    parse(umt5_small, &m);
    assert_int_equal(m.family, TMEM_FAMILY_UMT5);
    assert_true(m.rel_bias_per_layer && m.mlp == TMEM_MLP_GATED && !m.tied);
    const uint64_t total = UINT64_C(2) * 256384 * 512 + (UINT64_C(2360512) * 8 + 512) +
                           (UINT64_C(3147456) * 8 + 512);
    assert_int_equal(total, UINT64_C(306601984));
    assert_int_equal(inv.total_params, total);
    const struct tmem_tensor *e = tensor_of(TMEM_TENSOR_KIND_ENC_REL_ATTN_BIAS),
                             *d = tensor_of(TMEM_TENSOR_KIND_REL_ATTN_BIAS);
    assert_non_null(e);
    assert_non_null(d);
    assert_true(e->rows == 32 && e->cols == 6 && e->count == 8);
    assert_true(d->rows == 32 && d->cols == 6 && d->count == 8);
    /* the published rounding and file size */
    assert_true(inv.total_params >= UINT64_C(306500000) && inv.total_params < UINT64_C(307500000));
    assert_true(4 * inv.total_params >= UINT64_C(1225000000) && 4 * inv.total_params < UINT64_C(1235000000));
    assert_int_equal(preset_count("umt5-small"), UINT64_C(306601984));
    assert_int_equal(preset_count("umt5-base"), UINT64_C(592043520));
    assert_int_equal(preset_count("umt5-xl"), UINT64_C(3768356864));
    /* mt5's code on the same config: one table per stack */
    struct tmem_model mt;
    parse("{\"model_type\": \"mt5\", \"d_ff\": 1024, \"d_kv\": 64, \"d_model\": 512, "
          "\"num_decoder_layers\": 8, \"num_heads\": 6, \"num_layers\": 8, \"vocab_size\": 256384}",
          &mt);
    assert_int_equal(inv.total_params, UINT64_C(306601984) - 2 * 7 * 32 * 6);
    assert_int_equal(tmem_family_from_class("UMT5ForConditionalGeneration"), TMEM_FAMILY_UMT5);
}

/* Pegasus (modeling_pegasus.py): BART's layers pre-LN, a final LayerNorm per
 * stack, no layernorm_embedding, sinusoidal position tables. google/
 * pegasus-large (d 1024, 16 heads, ffn 4096, 16 + 16 layers, vocab 96103,
 * 1024 positions, tied), by hand:
 *   shared             96103 · 1024                              =  98,409,472
 *   positions          2 stacks · 1024 · 1024 (frozen sinusoids)  =   2,097,152
 *   encoder layer      4·(1024² + 1024) + 1024·4096 + 4096
 *                      + 4096·1024 + 1024 + 2·2·1024             =  12,596,224
 *                      × 16 + final LayerNorm 2048               = 201,541,632
 *   decoder layer      2·4,198,400 + 8,393,728 + 3·2·1024        =  16,796,672
 *                      × 16 + 2048                               = 268,748,800
 *   total                                                        = 570,797,056
 * EVIDENCE: a public parameter-count table (pegasus 570,797,056 beside
 * bert 109,482,240 and gpt-2 124,439,808, HF's bert-base-uncased and gpt2
 * exactly); HF's safetensors widget for Pegasus checkpoints: 571M params,
 * F32 (2.28 GB files: 4 B · 570,797,056 = 2,283,188,224). The paper's
 * "568M" leaves the sinusoids out (568,699,904). pegasus-xsum (512
 * positions): 570,797,056 − 2·512·1024 = 569,748,480. */
static void pegasus_counts_its_published_total(void **state)
{
    (void)state;
    struct tmem_model m;
    parse(tmem_preset_find("pegasus-large")->config_json, &m);
    assert_int_equal(m.family, TMEM_FAMILY_PEGASUS);
    assert_true(m.sinusoidal_pos && m.relu_mlp && m.tied && m.final_norm && !m.embed_norm);
    const uint64_t total = UINT64_C(98409472) + 2 * 1024 * 1024 + (UINT64_C(12596224) * 16 + 2048) +
                           (UINT64_C(16796672) * 16 + 2048);
    assert_int_equal(total, UINT64_C(570797056));
    assert_int_equal(inv.total_params, total);
    const struct tmem_tensor *pe = tensor_of(TMEM_TENSOR_KIND_ENC_POS_EMBD),
                             *pd = tensor_of(TMEM_TENSOR_KIND_POS_EMBD);
    assert_non_null(pe);
    assert_non_null(pd);
    assert_true(pe->rows == 1024 && pe->cols == 1024 && pd->rows == 1024 && pd->count == 1);
    assert_null(tensor_of(TMEM_TENSOR_KIND_EMBED_NORM));
    assert_null(tensor_of(TMEM_TENSOR_KIND_ENC_EMBED_NORM));
    assert_int_equal(preset_count("pegasus-xsum"), UINT64_C(570797056) - 2 * 512 * 1024);
    assert_int_equal(tmem_family_from_class("PegasusForConditionalGeneration"), TMEM_FAMILY_PEGASUS);
}

/* The training differences, by hand (bf16 pure, AdamW, b 2, s_enc 512,
 * s_dec 128; pegasus-large's config: dropout and attention_dropout 0.1):
 *   gradients   the sinusoids have requires_grad=False: (570,797,056 −
 *               2,097,152) · 2 B = 1,137,399,808 (weights: all, 1,141,594,112)
 *   encoder     per token: self-attention 2,056 (LayerNorm) + 2,048 + 4·2·1024
 *               + 1,024 (mask) = 13,320; FFN 2,056 + 2,048 + 2·4096 (ReLU's
 *               output is fc2's input) + 1,024 = 13,320; scores 2 + 1 + 2 = 5
 *               16 × (1024 · 26,640 + 2·16·512·512 · 5) = 1,107,558,400
 *   ends        per token 8 (ids) + 1,024 (embedding dropout mask) + 2,056
 *               (final LayerNorm) + 2,048 (stack output) = 5,136, no position
 *               ids (a frozen table saves none): (1024 + 256) · 5,136 = 6,574,080
 * umt5-small (b 1, 512 / 114): T5's norms and gated FFN, per encoder token
 * 8,708 + 20,996 = 29,704, scores 7: 8 × (512·29,704 + 6·512²·7) = 209,747,968. */
static void train_pegasus_and_umt5_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    parse(tmem_preset_find("pegasus-large")->config_json, &m);
    struct tmem_train_opts o;
    train_plan(&o, 2, 512, 128);
    static struct tmem_train_result r;
    train_ok(&m, &o, &r);
    assert_int_equal(r.item_bytes[TMEM_TI_WEIGHTS], UINT64_C(570797056) * 2);
    assert_int_equal(r.item_bytes[TMEM_TI_GRADS], (UINT64_C(570797056) - 2097152) * 2);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENC_LAYERS],
                     16 * (UINT64_C(1024) * 26640 + UINT64_C(2) * 16 * 512 * 512 * 5));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENC_LAYERS], UINT64_C(1107558400));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENDS], (UINT64_C(1024) + 256) * 5136);

    parse(tmem_preset_find("umt5-small")->config_json, &m);
    train_plan(&o, 1, 512, 114);
    train_ok(&m, &o, &r);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENC_LAYERS],
                     8 * (UINT64_C(512) * 29704 + UINT64_C(6) * 512 * 512 * 7));
    assert_int_equal(r.item_bytes[TMEM_TI_GRADS], UINT64_C(306601984) * 2);
}

/* infer --engine hf runs both as the other encoder-decoders: umt5-small b 1,
 * prompt 512, gen 64: cross KV 512 · 2 · 8 layers · 6 heads · 64 · 2 B
 * = 6,291,456; self KV 64 · 12,288 = 786,432; TTFT = the encoder's step +
 * the first decoder step (both > 0). pegasus-large: cross 512 · 2 · 16 ·
 * 16 · 64 · 2 B = 33,554,432. */
static void infer_umt5_and_pegasus(void **state)
{
    (void)state;
    struct tmem_model m;
    parse(tmem_preset_find("umt5-small")->config_json, &m);
    struct tmem_infer_opts o;
    tmem_infer_defaults(&o);
    o.gpu = tmem_gpu_find("h100");
    o.engine = TMEM_ENGINE_HF;
    tmem_infer_engine_defaults(&o);
    o.batch = 1;
    o.prompt_tokens = 512;
    o.gen_tokens = 64;
    static struct tmem_infer_result r;
    struct tmem_error err = {0};
    if (tmem_infer_build(&m, &inv, &o, &r, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    assert_int_equal(entry(&r.ledger, "cross-attention KV"), UINT64_C(6291456));
    assert_int_equal(entry(&r.ledger, "self-attention KV"), UINT64_C(786432));
    assert_true(r.timing.encoder_s > 0 && r.timing.ttft_s > r.timing.encoder_s);
    parse(tmem_preset_find("pegasus-large")->config_json, &m);
    if (tmem_infer_build(&m, &inv, &o, &r, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    assert_int_equal(entry(&r.ledger, "cross-attention KV"), UINT64_C(33554432));
    assert_int_equal(r.weight_bytes, UINT64_C(570797056) * 2);
}

/* A checkpoint's T5 and BART tensor names land in the groups of tmem's
 * inventory (shared: the embedding; relative_attention_bias: an embedding
 * table; SelfAttention / EncDecAttention / encoder_attn: attention;
 * DenseReluDense: the MLP), and T5's block number is the layer, not the
 * sub-layer after it (names as in google-t5/t5-small and facebook/bart-base's
 * safetensors). */
static void checkpoint_names_are_classified(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        unsigned group;
        int32_t layer;
    } cases[] = {
        {"shared.weight", TMEM_GROUP_EMBEDDING, -1},
        {"encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", TMEM_GROUP_EMBEDDING, 0},
        {"encoder.block.3.layer.0.SelfAttention.q.weight", TMEM_GROUP_ATTENTION, 3},
        {"decoder.block.5.layer.1.EncDecAttention.o.weight", TMEM_GROUP_ATTENTION, 5},
        {"decoder.block.5.layer.2.DenseReluDense.wi_0.weight", TMEM_GROUP_MLP, 5},
        {"encoder.block.2.layer.1.layer_norm.weight", TMEM_GROUP_NORM, 2},
        {"encoder.final_layer_norm.weight", TMEM_GROUP_NORM, -1},
        {"lm_head.weight", TMEM_GROUP_LM_HEAD, -1},
        {"model.shared.weight", TMEM_GROUP_EMBEDDING, -1},
        {"model.encoder.embed_positions.weight", TMEM_GROUP_EMBEDDING, -1},
        {"model.decoder.layers.4.encoder_attn.k_proj.bias", TMEM_GROUP_ATTENTION, 4},
        {"model.decoder.layers.4.encoder_attn_layer_norm.weight", TMEM_GROUP_NORM, 4},
        {"model.encoder.layers.1.fc2.weight", TMEM_GROUP_MLP, 1},
        {"model.encoder.layernorm_embedding.bias", TMEM_GROUP_NORM, -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        enum tmem_ckpt_reason r;
        unsigned g = tmem_ckpt_classify(cases[i].name, &r);
        if (g != cases[i].group || r != TMEM_CKPT_REASON_NONE)
            fail_msg("%s: group %u, want %u", cases[i].name, g, cases[i].group);
        assert_int_equal(tmem_ckpt_layer_of(cases[i].name), cases[i].layer);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t5_v1_0_counts_its_published_totals),
        cmocka_unit_test(t5_v1_1_gated_gelu_untied),
        cmocka_unit_test(mt5_counts_its_published_totals),
        cmocka_unit_test(bart_counts_its_published_totals),
        cmocka_unit_test(mbart_counts_its_published_totals),
        cmocka_unit_test(classes_and_refusals),
        cmocka_unit_test(checkpoint_names_are_classified),
        cmocka_unit_test(infer_hf_self_and_cross_kv_by_hand),
        cmocka_unit_test(infer_t5_small_timing_by_hand),
        cmocka_unit_test(umt5_counts_per_layer_bias_tables),
        cmocka_unit_test(pegasus_counts_its_published_total),
        cmocka_unit_test(train_pegasus_and_umt5_by_hand),
        cmocka_unit_test(infer_umt5_and_pegasus),
        cmocka_unit_test(train_t5_small_by_hand),
        cmocka_unit_test(train_t5_small_step_time_by_hand),
        cmocka_unit_test(train_flan_t5_gated_by_hand),
        cmocka_unit_test(train_bart_base_by_hand),
        cmocka_unit_test(train_mbart_ends_by_hand),
    };
    return cmocka_run_group_tests_name("encdec", tests, NULL, NULL);
}
