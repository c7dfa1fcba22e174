/* test_encoders.c — the encoder families (bert, roberta, xlm-roberta,
 * deberta-v2, modernbert): each one's real config.json against a hand
 * calculation written tensor by tensor and the published total, the heads
 * (pooler, masked LM, sequence classification) chosen by the config's
 * architectures class, and DeBERTa's relative-position rules.
 *
 * REF HF transformers modeling_bert.py (BertEmbeddings, BertSelfAttention,
 * BertSelfOutput, BertIntermediate, BertOutput, BertPooler,
 * BertPredictionHeadTransform, BertLMPredictionHead,
 * BertForSequenceClassification), modeling_roberta.py (RobertaLMHead,
 * RobertaClassificationHead), modeling_deberta_v2.py (DebertaV2Embeddings,
 * DisentangledSelfAttention, DebertaV2Encoder.rel_embeddings / LayerNorm,
 * ContextPooler), modeling_modernbert.py (ModernBertEmbeddings,
 * ModernBertEncoderLayer: attn_norm Identity in layer 0, Wqkv, Wo, Wi
 * d × 2·d_ff, Wo; ModernBertPredictionHead, ModernBertForMaskedLM). */
#include "harness.h"

#include "tmem/read.h"

static enum tmem_status parse_st(const char *text, struct tmem_model *m, struct tmem_inventory *inv,
                                 struct tmem_error *err)
{
    struct tmem_model raw;
    enum tmem_status st = tmem_hf_config_parse(text, strlen(text), "config.json", NULL, &raw, err);
    if (st == TMEM_OK)
        st = tmem_model_resolve(&raw, m, err);
    if (st == TMEM_OK)
        st = tmem_inventory_build(m, inv, err);
    return st;
}

static void parse(const char *text, struct tmem_model *m, struct tmem_inventory *inv)
{
    struct tmem_error err = {0};
    if (parse_st(text, m, inv, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    check_group_sum(inv);
}

static uint64_t total_of(const char *text)
{
    struct tmem_model m;
    static struct tmem_inventory inv;
    parse(text, &m, &inv);
    return inv.total_params;
}

static uint64_t preset_total(const char *name)
{
    const struct tmem_preset *p = tmem_preset_find(name);
    assert_non_null(p);
    uint64_t t = total_of(p->config_json);
    assert_int_equal(t, p->published_params);
    return t;
}

/* text with its first `from` replaced by `to`, into out */
static void edit(const char *text, const char *from, const char *to, char *out, size_t cap)
{
    const char *at = strstr(text, from);
    assert_non_null(at);
    snprintf(out, cap, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
}

/* google-bert/bert-base-uncased config.json, as published */
static const char bert_base[] =
    "{\"architectures\": [\"BertForMaskedLM\"], \"attention_probs_dropout_prob\": 0.1, "
    "\"gradient_checkpointing\": false, \"hidden_act\": \"gelu\", \"hidden_dropout_prob\": 0.1, "
    "\"hidden_size\": 768, \"initializer_range\": 0.02, \"intermediate_size\": 3072, "
    "\"layer_norm_eps\": 1e-12, \"max_position_embeddings\": 512, \"model_type\": \"bert\", "
    "\"num_attention_heads\": 12, \"num_hidden_layers\": 12, \"pad_token_id\": 0, "
    "\"position_embedding_type\": \"absolute\", \"transformers_version\": \"4.6.0.dev0\", "
    "\"type_vocab_size\": 2, \"use_cache\": true, \"vocab_size\": 30522}";

/* One BERT layer of width d and MLP f (post-LN, biases everywhere):
 *   query, key, value, attention.output.dense  4 · (d·d + d)
 *   attention.output.LayerNorm, output.LayerNorm  2 · 2d
 *   intermediate.dense d·f + f, output.dense f·d + d */
static uint64_t bert_layer(uint64_t d, uint64_t f)
{
    return 4 * (d * d + d) + 2 * 2 * d + (d * f + f) + (f * d + d);
}

/* EVIDENCE: BertModel.from_pretrained("bert-base-uncased") counts 109,482,240
 * parameters (TFBertModel summaries print the same; a test in a public repo:
 * "109482240 match EXACTLY with Huggingface implementation"). By hand, d 768,
 * L 12, f 3072, V 30522, 512 positions, 2 token types:
 *   embeddings  30522·768 + 512·768 + 2·768 + 2·768   =  23,837,184
 *   one layer   bert_layer(768, 3072)                   =   7,087,872
 *   12 layers                                           =  85,054,464
 *   pooler      768·768 + 768                           =     590,592
 *   BertModel                                           = 109,482,240
 * The checkpoint's architectures (BertForMaskedLM) give the MLM head instead
 * of the pooler: transform dense 768·768 + 768, LayerNorm 2·768, decoder
 * tied to the word embeddings, its bias 30522:
 *   109,482,240 − 590,592 + 590,592 + 1,536 + 30,522     = 109,514,298 */
static void bert_base_counts_bertmodel_and_its_mlm_head(void **state)
{
    (void)state;
    const uint64_t d = 768, L = 12, f = 3072, V = 30522;
    assert_int_equal(bert_layer(d, f), UINT64_C(7087872));
    const uint64_t embed = V * d + 512 * d + 2 * d + 2 * d, pooler = d * d + d;
    assert_int_equal(embed + L * bert_layer(d, f) + pooler, UINT64_C(109482240));
    assert_int_equal(preset_total("bert-base-uncased"), UINT64_C(109482240));

    struct tmem_model m;
    static struct tmem_inventory inv;
    parse(bert_base, &m, &inv);
    assert_true(m.encoder);
    assert_int_equal(m.head, TMEM_HEAD_MLM);
    assert_int_equal(m.n_type_vocab, 2);
    assert_int_equal(inv.group_params[TMEM_GROUP_EMBEDDING], V * d + 512 * d + 2 * d);
    assert_int_equal(inv.total_params, embed + L * bert_layer(d, f) + (d * d + d) + 2 * d + V);
    assert_int_equal(inv.total_params, UINT64_C(109514298));
    /* BERT's dropouts, from the config: attention probs 0.1, hidden 0.1 */
    assert_true(m.dropout[TMEM_DROPOUT_ATTN] == 0.1 && m.dropout[TMEM_DROPOUT_RESID] == 0.1);
}

/* --head through the overrides: none, pooler, cls:3 */
static void heads_by_override(void **state)
{
    (void)state;
    const uint64_t d = 768, L = 12, f = 3072, V = 30522;
    const uint64_t bare = V * d + 512 * d + 2 * d + 2 * d + L * bert_layer(d, f);
    const struct {
        enum tmem_head head;
        uint64_t labels, total;
    } cases[] = {
        {TMEM_HEAD_NONE, 0, bare},
        {TMEM_HEAD_POOLER, 0, bare + d * d + d},
        /* BertForSequenceClassification: pooler + classifier Linear(768, 3) */
        {TMEM_HEAD_CLS, 3, bare + d * d + d + d * 3 + 3},
        /* PretrainedConfig's num_labels default: 2 */
        {TMEM_HEAD_CLS, 0, bare + d * d + d + d * 2 + 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tmem_model raw, m;
        static struct tmem_inventory inv;
        struct tmem_error err = {0};
        assert_int_equal(tmem_hf_config_parse(bert_base, strlen(bert_base), "c", NULL, &raw, &err), TMEM_OK);
        struct tmem_model_overrides o = {.head = cases[i].head,
                                         .n_labels = {cases[i].labels > 0, cases[i].labels}};
        assert_int_equal(tmem_model_override(&raw, &o, &err), TMEM_OK);
        assert_int_equal(tmem_model_resolve(&raw, &m, &err), TMEM_OK);
        assert_int_equal(tmem_inventory_build(&m, &inv, &err), TMEM_OK);
        assert_int_equal(inv.total_params, cases[i].total);
    }
    /* a decoder refuses --head */
    struct tmem_model raw;
    struct tmem_error err = {0};
    assert_int_equal(tmem_model_from_family("llama", &raw, &err), TMEM_OK);
    struct tmem_model_overrides o = {.head = TMEM_HEAD_MLM};
    assert_int_equal(tmem_model_override(&raw, &o, &err), TMEM_ERR_INVALID_ARG);
    assert_string_equal(err.where, "--head");
}

/* EVIDENCE: BertModel.from_pretrained("bert-large-uncased"): 335,141,888
 * (a public print_model_summary table lists "bert-large-uncased 335141888").
 * By hand, d 1024, L 24, f 4096:
 *   embeddings  30522·1024 + 512·1024 + 2·1024 + 2·1024 =  31,782,912
 *   24 layers   24 · bert_layer(1024, 4096) = 24 · 12,596,224 = 302,309,376
 *   pooler      1024·1024 + 1024                        =   1,049,600
 *   total                                               = 335,141,888 */
static void bert_large_counts_its_published_total(void **state)
{
    (void)state;
    const uint64_t d = 1024;
    assert_int_equal(bert_layer(d, 4096), UINT64_C(12596224));
    assert_int_equal(30522 * d + 512 * d + 4 * d + 24 * bert_layer(d, 4096) + d * d + d,
                     UINT64_C(335141888));
    assert_int_equal(preset_total("bert-large-uncased"), UINT64_C(335141888));
}

/* FacebookAI/roberta-base config.json, as published */
static const char roberta_base[] =
    "{\"architectures\": [\"RobertaForMaskedLM\"], \"attention_probs_dropout_prob\": 0.1, "
    "\"bos_token_id\": 0, \"eos_token_id\": 2, \"hidden_act\": \"gelu\", "
    "\"hidden_dropout_prob\": 0.1, \"hidden_size\": 768, \"initializer_range\": 0.02, "
    "\"intermediate_size\": 3072, \"layer_norm_eps\": 1e-05, \"max_position_embeddings\": 514, "
    "\"model_type\": \"roberta\", \"num_attention_heads\": 12, \"num_hidden_layers\": 12, "
    "\"pad_token_id\": 1, \"type_vocab_size\": 1, \"vocab_size\": 50265}";

/* EVIDENCE: RobertaModel.from_pretrained: roberta-base 124,645,632,
 * roberta-large 355,359,744 (the same public table). By hand, roberta-base,
 * V 50265, 514 positions, 1 token type:
 *   embeddings  50265·768 + 514·768 + 768 + 2·768       =  39,000,576
 *   12 layers   12 · 7,087,872                          =  85,054,464
 *   pooler      768·768 + 768                           =     590,592
 *   total                                               = 124,645,632
 * roberta-large, d 1024, L 24, f 4096:
 *   50265·1024 + 514·1024 + 1024 + 2048 + 24 · 12,596,224 + 1,049,600 = 355,359,744
 * RobertaForSequenceClassification (no pooler; RobertaClassificationHead
 * dense 768·768 + 768, out_proj 768·N + N) with id2label of 3 entries:
 *   124,645,632 − 590,592 + 590,592 + 3·768 + 3          = 124,647,939 */
static void roberta_counts_its_published_totals(void **state)
{
    (void)state;
    const uint64_t d = 768;
    const uint64_t base = 50265 * d + 514 * d + d + 2 * d + 12 * bert_layer(d, 3072) + d * d + d;
    assert_int_equal(base, UINT64_C(124645632));
    assert_int_equal(preset_total("roberta-base"), base);
    const uint64_t D = 1024;
    assert_int_equal(50265 * D + 514 * D + D + 2 * D + 24 * bert_layer(D, 4096) + D * D + D,
                     UINT64_C(355359744));
    assert_int_equal(preset_total("roberta-large"), UINT64_C(355359744));
    /* the checkpoint's own config: RobertaForMaskedLM, lm_head dense +
     * layer_norm + bias 50265 in place of the pooler */
    assert_int_equal(total_of(roberta_base), base + 2 * d + 50265);

    static char text[1400];
    edit(roberta_base, "RobertaForMaskedLM\"]",
         "RobertaForSequenceClassification\"], \"id2label\": {\"0\": \"a\", \"1\": \"b\", \"2\": \"c\"}",
         text, sizeof text);
    struct tmem_model m;
    static struct tmem_inventory inv;
    parse(text, &m, &inv);
    assert_int_equal(m.head, TMEM_HEAD_CLS);
    assert_int_equal(m.n_labels, 3);
    assert_int_equal(inv.total_params, UINT64_C(124647939));
}

/* EVIDENCE: XLMRobertaModel.from_pretrained: xlm-roberta-base 278,043,648,
 * xlm-roberta-large 559,890,432. By hand, V 250002:
 *   base   250002·768 + 514·768 + 768 + 1536 + 85,054,464 + 590,592   = 278,043,648
 *   large  250002·1024 + 514·1024 + 1024 + 2048 + 302,309,376 + 1,049,600 = 559,890,432 */
static void xlm_roberta_counts_its_published_totals(void **state)
{
    (void)state;
    const uint64_t d = 768, D = 1024, V = 250002;
    assert_int_equal(V * d + 514 * d + 3 * d + 12 * bert_layer(d, 3072) + d * d + d,
                     UINT64_C(278043648));
    assert_int_equal(V * D + 514 * D + 3 * D + 24 * bert_layer(D, 4096) + D * D + D,
                     UINT64_C(559890432));
    assert_int_equal(preset_total("xlm-roberta-base"), UINT64_C(278043648));
    assert_int_equal(preset_total("xlm-roberta-large"), UINT64_C(559890432));
}

/* microsoft/deberta-v3-base config.json, as published (no architectures) */
static const char deberta_v3_base[] =
    "{\"model_type\": \"deberta-v2\", \"attention_probs_dropout_prob\": 0.1, "
    "\"hidden_act\": \"gelu\", \"hidden_dropout_prob\": 0.1, \"hidden_size\": 768, "
    "\"initializer_range\": 0.02, \"intermediate_size\": 3072, \"max_position_embeddings\": 512, "
    "\"relative_attention\": true, \"position_buckets\": 256, \"norm_rel_ebd\": \"layer_norm\", "
    "\"share_att_key\": true, \"pos_att_type\": \"p2c|c2p\", \"layer_norm_eps\": 1e-7, "
    "\"max_relative_positions\": -1, \"position_biased_input\": false, "
    "\"num_attention_heads\": 12, \"num_hidden_layers\": 12, \"type_vocab_size\": 0, "
    "\"vocab_size\": 128100}";

/* EVIDENCE: the microsoft/deberta-v3-base model card: "86M backbone
 * parameters with a vocabulary containing 128K tokens which introduces 98M
 * parameters in the Embedding layer" (184M); keras-hub deberta_v3_base_en
 * preset metadata: params 183,831,552. By hand, DebertaV2Model:
 *   word_embeddings        128100·768                  =  98,380,800
 *   embeddings.LayerNorm   2·768                        =       1,536
 *     (position_biased_input false: no position table; type_vocab_size 0)
 *   12 layers  12 · bert_layer(768, 3072)              =  85,054,464
 *     (share_att_key: no pos_key_proj / pos_query_proj)
 *   rel_embeddings  2·256 (position_buckets) · 768     =     393,216
 *   encoder.LayerNorm (norm_rel_ebd)  2·768            =       1,536
 *   total                                               = 183,831,552
 * backbone 85,054,464 + 393,216 + 2·1,536 = 85.45M ("86M"), embedding 98.4M. */
static void deberta_v3_base_counts_by_hand(void **state)
{
    (void)state;
    const uint64_t d = 768;
    const uint64_t total = 128100 * d + 2 * d + 12 * bert_layer(d, 3072) + 2 * 256 * d + 2 * d;
    assert_int_equal(total, UINT64_C(183831552));
    struct tmem_model m;
    static struct tmem_inventory inv;
    parse(deberta_v3_base, &m, &inv);
    assert_int_equal(m.n_rel_pos, 512);
    assert_true(m.att_c2p && m.att_p2c && m.share_att_key && !m.learned_pos);
    assert_int_equal(m.head, TMEM_HEAD_NONE); /* DebertaV2Model has no pooler */
    assert_int_equal(inv.total_params, total);
    assert_int_equal(preset_total("deberta-v3-base"), total);
}

/* DeBERTa's other settings: no share_att_key adds pos_key_proj (c2p) and
 * pos_query_proj (p2c), d·(a·d_h) + a·d_h each per layer; no position_buckets
 * sizes the table 2 · max_relative_positions, and without that 2 · n_ctx;
 * position_biased_input adds the 512 × 768 table; pos_att_type as a list */
static void deberta_relative_rules(void **state)
{
    (void)state;
    const uint64_t d = 768, L = 12, base = UINT64_C(183831552);
    static char a[1400], b[1400];
    edit(deberta_v3_base, "\"share_att_key\": true", "\"share_att_key\": false", a, sizeof a);
    assert_int_equal(total_of(a), base + L * 2 * (d * d + d));
    edit(a, "\"pos_att_type\": \"p2c|c2p\"", "\"pos_att_type\": [\"c2p\"]", b, sizeof b);
    assert_int_equal(total_of(b), base + L * (d * d + d)); /* pos_key_proj only */
    edit(deberta_v3_base, "\"position_buckets\": 256", "\"position_buckets\": -1", a, sizeof a);
    assert_int_equal(total_of(a), base - 2 * 256 * d + 2 * 512 * d); /* 2 · max_position_embeddings */
    edit(a, "\"max_relative_positions\": -1", "\"max_relative_positions\": 128", b, sizeof b);
    assert_int_equal(total_of(b), base - 2 * 256 * d + 2 * 128 * d);
    edit(deberta_v3_base, "\"position_biased_input\": false", "\"position_biased_input\": true", a, sizeof a);
    assert_int_equal(total_of(a), base + 512 * d);
    edit(deberta_v3_base, "\"relative_attention\": true", "\"relative_attention\": false", a, sizeof a);
    assert_int_equal(total_of(a), base - 2 * 256 * d);
    /* conv_kernel_size (DeBERTa-v2 xlarge's ConvLayer) is refused, not miscounted */
    edit(deberta_v3_base, "{", "{\"conv_kernel_size\": 3, ", a, sizeof a);
    struct tmem_model m;
    static struct tmem_inventory inv;
    struct tmem_error err = {0};
    assert_int_equal(parse_st(a, &m, &inv, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "conv_kernel_size");
}

/* answerdotai/ModernBERT-base config.json (architecture keys as published) */
static const char modernbert_base[] =
    "{\"architectures\": [\"ModernBertForMaskedLM\"], \"attention_bias\": false, "
    "\"attention_dropout\": 0.0, \"bos_token_id\": 50281, \"classifier_activation\": \"gelu\", "
    "\"classifier_bias\": false, \"classifier_dropout\": 0.0, \"classifier_pooling\": \"mean\", "
    "\"cls_token_id\": 50281, \"decoder_bias\": true, \"deterministic_flash_attn\": false, "
    "\"embedding_dropout\": 0.0, \"eos_token_id\": 50282, \"global_attn_every_n_layers\": 3, "
    "\"global_rope_theta\": 160000.0, \"gradient_checkpointing\": false, "
    "\"hidden_activation\": \"gelu\", \"hidden_size\": 768, \"initializer_cutoff_factor\": 2.0, "
    "\"initializer_range\": 0.02, \"intermediate_size\": 1152, \"layer_norm_eps\": 1e-05, "
    "\"local_attention\": 128, \"local_rope_theta\": 10000.0, \"max_position_embeddings\": 8192, "
    "\"mlp_bias\": false, \"mlp_dropout\": 0.0, \"model_type\": \"modernbert\", "
    "\"norm_bias\": false, \"norm_eps\": 1e-05, \"num_attention_heads\": 12, "
    "\"num_hidden_layers\": 22, \"pad_token_id\": 50283, \"position_embedding_type\": \"absolute\", "
    "\"sep_token_id\": 50282, \"torch_dtype\": \"float32\", \"vocab_size\": 50368}";

/* EVIDENCE: ModernBertModel: keras-hub modern_bert_base_en preset metadata
 * "params": 149014272 and MTEB's model metadata for ModernBERT-base
 * embedders (n_parameters 149014272, n_embedding_parameters 38682624);
 * modern_bert_large_en: 394,781,696. By hand, base (d 768, L 22, f 1152,
 * V 50368, no biases, LayerNorm weights only):
 *   tok_embeddings 50368·768 + embeddings.norm 768      =  38,683,392
 *   per layer  Wqkv 768·2304 + Wo 768·768 + Wi 768·2304 + Wo 1152·768
 *              + attn_norm 768 + mlp_norm 768           =   5,015,040
 *   22 layers, less layer 0's attn_norm (Identity)      = 110,330,112
 *   final_norm                                          =         768
 *   ModernBertModel                                     = 149,014,272
 * ModernBertForMaskedLM adds head.dense 768·768 (classifier_bias false),
 * head.norm 768 and the tied decoder's bias 50368:    = 149,655,232
 * large (d 1024, L 28, f 2624):
 *   50368·1024 + 1024 + 28 · (1024·3072 + 1024·1024 + 1024·5248 + 2624·1024
 *   + 2048) − 1024 + 1024                                = 394,781,696 */
static void modernbert_counts_its_published_totals(void **state)
{
    (void)state;
    const uint64_t d = 768, L = 22, f = 1152, V = 50368;
    const uint64_t layer = d * 3 * d + d * d + d * 2 * f + f * d + 2 * d;
    assert_int_equal(layer, UINT64_C(5015040));
    const uint64_t bare = V * d + d + L * layer - d + d;
    assert_int_equal(bare, UINT64_C(149014272));
    assert_int_equal(preset_total("modernbert-base"), bare);
    const uint64_t D = 1024, F = 2624;
    assert_int_equal(50368 * D + D + 28 * (D * 3 * D + D * D + D * 2 * F + F * D + 2 * D) - D + D,
                     UINT64_C(394781696));
    assert_int_equal(preset_total("modernbert-large"), UINT64_C(394781696));

    struct tmem_model m;
    static struct tmem_inventory inv;
    parse(modernbert_base, &m, &inv);
    assert_int_equal(m.head, TMEM_HEAD_MLM);
    assert_int_equal(m.norm, TMEM_NORM_LAYERNORM_NOBIAS);
    assert_int_equal(inv.group_params[TMEM_GROUP_NORM], (2 * L - 1) * d + 2 * d + d);
    assert_int_equal(inv.total_params, bare + d * d + d + V);
    assert_int_equal(inv.total_params, UINT64_C(149655232));

    /* ModernBERT has no pooler layer: --head pooler is refused */
    struct tmem_model raw;
    struct tmem_error err = {0};
    assert_int_equal(tmem_hf_config_parse(modernbert_base, strlen(modernbert_base), "c", NULL, &raw, &err), TMEM_OK);
    struct tmem_model_overrides o = {.head = TMEM_HEAD_POOLER};
    assert_int_equal(tmem_model_override(&raw, &o, &err), TMEM_OK);
    assert_int_equal(tmem_model_resolve(&raw, &m, &err), TMEM_ERR_UNSUPPORTED);
    /* ModernBertForSequenceClassification: head dense + norm + classifier (d·N + N) */
    o = (struct tmem_model_overrides){.head = TMEM_HEAD_CLS, .n_labels = {true, 5}};
    assert_int_equal(tmem_hf_config_parse(modernbert_base, strlen(modernbert_base), "c", NULL, &raw, &err), TMEM_OK);
    assert_int_equal(tmem_model_override(&raw, &o, &err), TMEM_OK);
    assert_int_equal(tmem_model_resolve(&raw, &m, &err), TMEM_OK);
    assert_int_equal(tmem_inventory_build(&m, &inv, &err), TMEM_OK);
    assert_int_equal(inv.total_params, bare + d * d + d + d * 5 + 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bert_base_counts_bertmodel_and_its_mlm_head),
        cmocka_unit_test(heads_by_override),
        cmocka_unit_test(bert_large_counts_its_published_total),
        cmocka_unit_test(roberta_counts_its_published_totals),
        cmocka_unit_test(xlm_roberta_counts_its_published_totals),
        cmocka_unit_test(deberta_v3_base_counts_by_hand),
        cmocka_unit_test(deberta_relative_rules),
        cmocka_unit_test(modernbert_counts_its_published_totals),
    };
    return cmocka_run_group_tests_name("encoders", tests, NULL, NULL);
}
