/* test_encoder_infer.c — tmem infer for encoders (one HF forward of
 * batch × prompt tokens, no KV cache) against hand arithmetic: every ledger
 * line as an explicit product with its shape, the roofline's FLOPs, and the
 * refusals (sglang, trtllm, llamacpp; --pp; past max_position_embeddings).
 *
 * Parameter groups of bert-base-uncased (d 768, 12 layers, 12 heads, d_ff
 * 3072, V 30522, 512 positions, 2 token types), by hand:
 *   embedding  word 30522·768 + positions 512·768 + types 2·768 = 23,835,648
 *   lm_head    pooler dense 768·768 + bias 768                   =    590,592
 *   total (BertModel, published: 109,482,240; test_encoders.c)
 * REF HF transformers modeling_bert.py BertModel, BertPooler, BertOnlyMLMHead;
 *     modeling_deberta_v2.py DisentangledSelfAttention. */
#include "harness.h"

#include "tmem/infer.h"
#include "tmem/read.h"

#include <math.h>
#include <string.h>

static struct tmem_infer_result R; /* large: kept off the stack */

static void load_head(const char *name, enum tmem_head head, uint64_t n_labels, struct tmem_model *m,
                      struct tmem_inventory *inv)
{
    struct tmem_model raw;
    struct tmem_error err = {0};
    struct tmem_model_overrides ov = {.head = head, .n_labels = {n_labels > 0, n_labels}};
    if (tmem_model_load(name, NULL, &raw, &err) != TMEM_OK ||
        (head != TMEM_HEAD_LM && tmem_model_override(&raw, &ov, &err) != TMEM_OK) ||
        tmem_model_resolve(&raw, m, &err) != TMEM_OK || tmem_inventory_build(m, inv, &err) != TMEM_OK)
        fail_msg("%s: %s: %s", name, err.where, err.msg);
}

static struct tmem_infer_opts hf_opts(uint64_t batch, uint64_t seq)
{
    struct tmem_infer_opts o;
    tmem_infer_defaults(&o);
    o.engine = TMEM_ENGINE_HF;
    o.batch = batch;
    o.prompt_tokens = seq;
    o.gpu = tmem_gpu_find("h100-sxm");
    assert_non_null(o.gpu);
    return o;
}

static void build(const struct tmem_model *m, const struct tmem_inventory *inv,
                  const struct tmem_infer_opts *o)
{
    struct tmem_error err = {0};
    if (tmem_infer_build(m, inv, o, &R, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
}

/* the bytes of the entry whose label starts with prefix (fails if none) */
static uint64_t entry(const char *prefix)
{
    for (uint32_t i = 0; i < R.ledger.n_entries; i++)
        if (strncmp(R.ledger.entries[i].label, prefix, strlen(prefix)) == 0)
            return R.ledger.entries[i].bytes;
    fail_msg("no ledger entry %s", prefix);
    return 0;
}

static bool has_entry(const char *prefix)
{
    for (uint32_t i = 0; i < R.ledger.n_entries; i++)
        if (strncmp(R.ledger.entries[i].label, prefix, strlen(prefix)) == 0)
            return true;
    return false;
}

/* bert-base-uncased, batch 8 × 128 tokens, bf16, flash (SDPA):
 *   weights     109,482,240 params × 2 B                         = 218,964,480
 *   MLP stage   T 1024 × (2·768 residual + normed  + 2·3072 up, GELU) × 2 B
 *               = 1024 × 7680 × 2                                 =  15,728,640
 *   attention   1024 × (2·768 + q,k,v,out 4·768) × 2 = 1024·4608·2 =   9,437,184
 *   peak = the MLP stage                                          =  15,728,640
 *   pooled      8 × 768 × 2 B                                     =      12,288
 *   non-torch   1 GiB (HF)                                        = 1,073,741,824
 *   no KV line; total 218,964,480 + 15,728,640 + 12,288 + 2^30    = 1,308,447,232 */
static void bert_base_pooler_ledger_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    struct tmem_inventory inv;
    load_head("bert-base-uncased", TMEM_HEAD_LM, 0, &m, &inv);
    struct tmem_infer_opts o = hf_opts(8, 128);
    o.gen_tokens = 1000; /* ignored: an encoder generates nothing */
    build(&m, &inv, &o);
    assert_int_equal(entry("all parameters"), UINT64_C(109482240) * 2);
    assert_int_equal(entry("peak of the encoder forward"), 1024 * (2 * 768 + 2 * 3072) * 2);
    assert_int_equal(entry("pooler output"), 8 * 768 * 2);
    assert_int_equal(entry("non-torch memory"), UINT64_C(1) << 30);
    assert_false(has_entry("KV"));
    assert_int_equal(R.ledger.bucket_bytes[TMEM_BUCKET_KV_CACHE], 0);
    assert_int_equal(R.ledger.total_bytes, UINT64_C(1308447232));
    assert_int_equal(R.kv_budget_bytes, 0);
    assert_int_equal(R.tokens_per_seq, 128);
    assert_true(R.fit.fits);

    /* naive (eager) attention: + 8 seqs × 12 heads × 128 × 128 × (2 + 4 B)
     * = 9,437,184: the attention stage 9,437,184 + 9,437,184 = 18,874,368
     * passes the MLP stage */
    o.flash = false;
    build(&m, &inv, &o);
    assert_int_equal(entry("peak of the encoder forward"),
                     1024 * (2 * 768 + 4 * 768) * 2 + 8 * 12 * 128 * 128 * 6);
    assert_int_equal(entry("peak of the encoder forward"), 18874368);
}

/* The heads' outputs: BertForMaskedLM (transform d + logits V for every
 * token), BertForSequenceClassification with 3 labels (pooled d + 3 logits
 * per sequence), and the bare hidden states mean-pooled (DeBERTa's
 * DebertaV2Model has no pooler). */
static void heads_outputs_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    struct tmem_inventory inv;
    load_head("bert-base-uncased", TMEM_HEAD_MLM, 0, &m, &inv);
    struct tmem_infer_opts o = hf_opts(8, 128);
    build(&m, &inv, &o);
    /* 8·128 tokens × (768 + 30522) × 2 B = 64,081,920 */
    assert_int_equal(entry("MLM head"), 8 * 128 * (768 + 30522) * 2);
    assert_int_equal(entry("MLM head"), 64081920);
    /* weights: BertModel − pooler (590,592) + transform dense 768·768 + 768
     * + LayerNorm 2·768 + decoder bias 30522 (decoder tied) = 109,514,298 */
    assert_int_equal(entry("all parameters"), (UINT64_C(109482240) - 590592 + 590592 + 1536 + 30522) * 2);

    load_head("bert-base-uncased", TMEM_HEAD_CLS, 3, &m, &inv);
    build(&m, &inv, &o);
    assert_int_equal(entry("classifier: pooled"), 8 * (768 + 3) * 2); /* 12,336 */

    load_head("bert-base-uncased", TMEM_HEAD_NONE, 0, &m, &inv);
    build(&m, &inv, &o);
    assert_int_equal(entry("pooled embeddings"), 8 * 768 * 2);
}

/* deberta-v3-base (d 768, 12 heads of 64, d_ff 3072, position_buckets 256:
 * 2k = 512 relative rows), batch 8 × 512, flash asked: HF's DebertaV2 has no
 * SDPA path, so the scores are eager anyway.
 *   T = 4096; hidden 4096 × (2·768 + 4·768) × 2                 =  37,748,736
 *   scores      8 × 12 × 512 × 512 × (2 + 4 B)                   = 150,994,944
 *   relative    8 × 12 × 2·(512·64 + 512·(512 + 512)) × 2 B
 *               (pos_key / pos_query [b·h, 2k, d_h], c2p / p2c [b·h, s, 2k]
 *               and their gathers [b·h, s, s])                     = 213,909,504
 *   attention stage                                               = 402,653,184
 *   MLP stage 4096 × (2·768 + 2·3072) × 2 = 62,914,560 is smaller. */
static void deberta_disentangled_attention_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    struct tmem_inventory inv;
    load_head("deberta-v3-base", TMEM_HEAD_LM, 0, &m, &inv);
    assert_int_equal(m.n_rel_pos, 512);
    struct tmem_infer_opts o = hf_opts(8, 512);
    build(&m, &inv, &o);
    uint64_t hidden = 4096 * (2 * 768 + 4 * 768) * 2;
    uint64_t scores = UINT64_C(8) * 12 * 512 * 512 * 6;
    uint64_t rel = UINT64_C(8) * 12 * 2 * (512 * 64 + 512 * (512 + 512)) * 2;
    assert_int_equal(hidden, 37748736);
    assert_int_equal(scores, 150994944);
    assert_int_equal(rel, 213909504);
    assert_int_equal(entry("peak of the encoder forward"), hidden + scores + rel);
    assert_int_equal(entry("peak of the encoder forward"), 402653184);
}

/* The roofline of bert-base-uncased's forward at batch 8 × 128:
 *   matmul params N_mm = 109,482,240 − embedding 23,835,648 = 85,646,592
 *   head (pooler) 590,592: 2 FLOPs each for 8 rows
 *   body 2 × (85,646,592 − 590,592) × 1024 tokens      = 174,194,688,000
 *   head 2 × 590,592 × 8                               =       9,449,472
 *   attention 4 · 12 layers · 64 · 12 heads = 36,864 FLOPs a pair,
 *             × 8 · 128 · 128 = 131,072 pairs (bidirectional)
 *                                                      =   4,831,838,208
 *   in all                                             = 179,035,975,680
 *   time = FLOPs / (989.4e12 · 0.5) (compute-bound: weights 218,964,480 B
 *   / (3.35e12 · 0.8) is 82 µs); sequences/s = 8 / time, tokens/s = 1024 / time */
static void bert_base_forward_roofline_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    struct tmem_inventory inv;
    load_head("bert-base-uncased", TMEM_HEAD_LM, 0, &m, &inv);
    assert_int_equal(inv.group_params[TMEM_GROUP_EMBEDDING], 30522 * 768 + 512 * 768 + 2 * 768);
    assert_int_equal(inv.group_params[TMEM_GROUP_LM_HEAD], 768 * 768 + 768);
    struct tmem_infer_opts o = hf_opts(8, 128);
    build(&m, &inv, &o);
    double flops = 2.0 * (85646592.0 - 590592.0) * 1024.0 + 2.0 * 590592.0 * 8.0 +
                   4.0 * 12 * 64 * 12 * 8.0 * 128 * 128;
    assert_true(fabs(flops - 179035975680.0) < 1.0);
    assert_true(fabs(R.timing.prefill_flops - flops) < 1.0);
    double t = flops / (o.gpu->bf16_flops * 0.5);
    assert_string_equal(R.timing.prefill_bound, "compute");
    assert_true(fabs(R.timing.ttft_s - t) < 1e-12);
    assert_true(fabs(R.timing.sequences_per_s - 8.0 / t) < 1e-6 * (8.0 / t));
    assert_true(fabs(R.timing.tokens_per_s - 1024.0 / t) < 1e-6 * (1024.0 / t));
    assert_true(R.timing.tpot_s == 0.0 && R.timing.decode_tokens_per_s == 0.0);
}

/* ModernBERT's local layers (modernbert-base: 22 layers, global_attn_every_n_layers
 * 3, local_attention 128): under flash (HF's default flash_attention_2) layers
 * 1, 2, 4, 5, …, 20 (14 of 22; 0, 3, …, 21 are global) run window_size (64, 64):
 * a query sees the keys within 64 either side. At b 8 × 8192 a local layer
 * drops the (8192 − 65)(8192 − 64) = 66,056,256 pairs farther apart than 64 of
 * each sequence's 8192², each pair 4 · 64 · 12 FLOPs (QKᵀ and PV, 12 heads of
 * 64); eager adds the window as a mask to the full scores and computes every
 * pair. So naive − flash = 4 · 64 · 12 · 8 · 14 · 66,056,256
 * = 22,727,579,664,384 FLOPs, the rest of the forward (weights, head) equal.
 * REF modeling_modernbert.py ModernBertAttention (local_attention =
 * (window // 2, window // 2)), flash_attention_forward (window_size). */
static void modernbert_local_layers_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    struct tmem_inventory inv;
    load_head("modernbert-base", TMEM_HEAD_LM, 0, &m, &inv);
    assert_int_equal(m.enc_global_every, 3);
    assert_int_equal(m.enc_local_window, 128);
    struct tmem_infer_opts o = hf_opts(8, 8192);
    build(&m, &inv, &o);
    double flash = R.timing.prefill_flops;
    o.flash = false;
    build(&m, &inv, &o);
    double naive = R.timing.prefill_flops;
    double dropped = 4.0 * 64 * 12 * 8 * 14 * (8192.0 - 65) * (8192.0 - 64);
    assert_true(fabs(dropped - 22727579664384.0) < 1.0);
    assert_true(fabs((naive - flash) - dropped) < 1e-9 * naive);
}

/* The refusals: engines other than hf, pipeline stages, past the 512
 * learned positions; and the largest batch that fits a 2 GiB GPU:
 * 2 GiB − weights 218,964,480 − 2^30 = 855,777,792 B left; a sequence of
 * 128 takes 128 × 7680 × 2 = 1,966,080 (MLP stage) + 1,536 (pooled) =
 * 1,967,616 B, so 434 sequences (434 × 1,967,616 = 853,945,344; 435 ×
 * = 855,912,960 is 135,168 too many). */
static void refusals_and_max_batch(void **state)
{
    (void)state;
    struct tmem_model m;
    struct tmem_inventory inv;
    load_head("bert-base-uncased", TMEM_HEAD_LM, 0, &m, &inv);
    struct tmem_infer_opts o = hf_opts(8, 128);
    struct tmem_error err = {0};
    o.engine = TMEM_ENGINE_SGLANG; /* vllm: the pooling runner, test_serve_pool.c */
    assert_int_equal(tmem_infer_build(&m, &inv, &o, &R, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "--engine");
    o = hf_opts(8, 128);
    o.pp = 2;
    assert_int_equal(tmem_infer_build(&m, &inv, &o, &R, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "--pp");
    o = hf_opts(1, 513);
    assert_int_equal(tmem_infer_build(&m, &inv, &o, &R, &err), TMEM_ERR_LIMIT);
    assert_string_equal(err.where, "--prompt");
    o.allow_long_context = true;
    assert_int_equal(tmem_infer_build(&m, &inv, &o, &R, &err), TMEM_OK);

    o = hf_opts(8, 128);
    struct tmem_gpu g = *o.gpu;
    g.memory_bytes = g.cuda_memory_bytes = UINT64_C(2) << 30;
    o.gpu = &g;
    uint64_t best = 0;
    assert_int_equal(tmem_infer_max_batch(&m, &inv, &o, &best, &err), TMEM_OK);
    assert_int_equal(best, 434);
    assert_true(434 * UINT64_C(1967616) <= (UINT64_C(2) << 30) - 218964480 - (UINT64_C(1) << 30));
    assert_true(435 * UINT64_C(1967616) > (UINT64_C(2) << 30) - 218964480 - (UINT64_C(1) << 30));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bert_base_pooler_ledger_by_hand),
        cmocka_unit_test(heads_outputs_by_hand),
        cmocka_unit_test(deberta_disentangled_attention_by_hand),
        cmocka_unit_test(bert_base_forward_roofline_by_hand),
        cmocka_unit_test(modernbert_local_layers_by_hand),
        cmocka_unit_test(refusals_and_max_batch),
    };
    return cmocka_run_group_tests_name("encoder_infer", tests, NULL, NULL);
}
