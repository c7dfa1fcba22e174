/* test_kinds.c — tensor kinds: the kind table is consistent with itself and
 * with every inventory tmem builds; training and inference split the same
 * tensors the same way under tensor parallel, and both equal per-GPU
 * parameter counts worked out here by hand from the published shapes of
 * Llama-2-7B and DeepSeek-V2-Lite; pipeline stages place the same tensors
 * on the same stage; a multi-query model keeps its KV head whole on every
 * rank; autocast copies every matmul weight; a tensor of no known kind is
 * refused. */
#include "harness.h"
#include "tmem/read.h"
#include "reader.h"
#include "tmem/infer.h"
#include "tmem/train.h"

static struct tmem_inventory inv;
static struct tmem_infer_result R;

static void load(const char *name, struct tmem_model *m)
{
    struct tmem_model raw;
    struct tmem_error err = {0};
    if (tmem_model_load(name, NULL, &raw, &err) != TMEM_OK || tmem_model_resolve(&raw, m, &err) != TMEM_OK ||
        tmem_inventory_build(m, &inv, &err) != TMEM_OK)
        fail_msg("%s: %s: %s", name, err.where, err.msg);
}

/* P_gpu of training stage `stage` at tp × pp (dp 1, no sharding) */
static uint64_t train_params(const struct tmem_model *m, uint64_t tp, uint64_t pp, uint64_t stage)
{
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.tp = tp;
    o.pp = pp;
    o.gpus = tp * pp;
    o.seq = 1024;
    struct tmem_train_result r;
    struct tmem_error err = {0};
    if (tmem_train_compute(m, &inv, &o, stage, &r, &err) != TMEM_OK)
        fail_msg("train: %s: %s", err.where, err.msg);
    return r.layout.params;
}

/* weight parameters on the GPU of inference stage `stage` at tp × pp:
 * bf16 stores every tensor at 2 bytes per parameter */
static uint64_t infer_params(const struct tmem_model *m, uint64_t tp, uint64_t pp, uint32_t stage)
{
    struct tmem_infer_opts o;
    tmem_infer_defaults(&o);
    o.gpu = tmem_gpu_find("h200");
    o.weights = TMEM_WF_BF16;
    o.tp = tp;
    o.pp = pp;
    struct tmem_error err = {0};
    if (tmem_infer_build(m, &inv, &o, &R, &err) != TMEM_OK)
        fail_msg("infer: %s: %s", err.where, err.msg);
    assert_int_equal(R.n_stages, pp);
    assert_int_equal(R.stages[stage].weight_bytes % 2, 0);
    return R.stages[stage].weight_bytes / 2;
}

/* ---------------------------------------------------------- by hand */

/* preset `name` counts `total` parameters, and training and inference both
 * put tp2 of them on each GPU at tp 2, tp4 at tp 4 */
static void expect_tp(const char *name, uint64_t total, uint64_t tp2, uint64_t tp4)
{
    struct tmem_model m;
    load(name, &m);
    assert_int_equal(inv.total_params, total);
    assert_int_equal(train_params(&m, 2, 1, 0), tp2);
    assert_int_equal(infer_params(&m, 2, 1, 0), tp2);
    assert_int_equal(train_params(&m, 4, 1, 0), tp4);
    assert_int_equal(infer_params(&m, 4, 1, 0), tp4);
}

/* Llama-2-7B (config.json: hidden 4096, 32 layers, 32 heads and KV heads,
 * intermediate 11008, vocab 32000, RMSNorm, untied lm_head):
 *   split by tp:  embed_tokens 32000·4096 = 131,072,000 (vocab rows)
 *                 lm_head      32000·4096 = 131,072,000 (vocab rows)
 *                 per layer q, k, v, o 4·4096² = 67,108,864
 *                 (q, k, v column-, o row-parallel)
 *                 + gate, up, down 3·4096·11008 = 135,266,304
 *                 = 202,375,168; × 32 = 6,476,005,376
 *                 all split: 262,144,000 + 6,476,005,376 = 6,738,149,376
 *   replicated:   2 RMSNorms per layer 2·4096·32 = 262,144 + final 4,096
 *                 = 266,240
 *   total 6,738,415,616 (the published count)
 *   tp 2: 6,738,149,376 / 2 + 266,240 = 3,369,074,688 + 266,240 = 3,369,340,928
 *   tp 4: 6,738,149,376 / 4 + 266,240 = 1,684,537,344 + 266,240 = 1,684,803,584 */
static void llama_2_7b_tensor_parallel_by_hand(void **state)
{
    (void)state;
    expect_tp("llama-2-7b", U64(6738415616), U64(3369340928), U64(1684803584));
}

/* DeepSeek-V2-Lite (config.json: hidden 2048, 27 layers, 16 heads,
 * q_lora_rank null, kv_lora_rank 512, qk_nope 128, qk_rope 64, v_head 128,
 * first_k_dense_replace 1, intermediate 10944, 64 routed experts of 1408,
 * 2 shared experts (2·1408 = 2816), vocab 102400, RMSNorm, untied):
 *   per layer, split by tp (column: q_proj, kv_b_proj; row: o_proj):
 *     q_proj 2048 × 16·(128+64) = 2048·3072     = 6,291,456
 *     kv_b_proj 512 × 16·(128+128) = 512·4096   = 2,097,152
 *     o_proj 16·128 × 2048                      = 4,194,304
 *     = 12,582,912; × 27 = 339,738,624
 *   per layer, replicated (MLA's down-projection and its norm, as vLLM's
 *   ReplicatedLinear and Megatron's "duplicated" linear_kv_down_proj):
 *     kv_a_proj_with_mqa 2048 × (512+64)        = 1,179,648
 *     kv_a_layernorm 512, 2 RMSNorms 2·2048     = 4,608
 *     = 1,184,256; × 27 = 31,974,912
 *   dense layer 0, split: gate, up, down 3·2048·10944 = 67,239,936
 *   26 MoE layers, split: experts 64·3·2048·1408 = 553,648,128
 *                         shared 3·2048·2816      = 17,301,504
 *                         = 570,949,632; × 26 = 14,844,690,432
 *                 replicated: router 2048·64 = 131,072; × 26 = 3,407,872
 *   embed_tokens + lm_head 2·102400·2048 = 419,430,400 split; final norm 2,048
 *   split 339,738,624 + 67,239,936 + 14,844,690,432 + 419,430,400 = 15,671,099,392
 *   replicated 31,974,912 + 3,407,872 + 2,048 = 35,384,832
 *   total 15,706,484,224 (the published count)
 *   tp 2: 15,671,099,392 / 2 + 35,384,832 = 7,835,549,696 + 35,384,832 = 7,870,934,528
 *   tp 4: 15,671,099,392 / 4 + 35,384,832 = 3,917,774,848 + 35,384,832 = 3,953,159,680
 * Before tensor kinds, inference split kv_a_proj_with_mqa's 576 columns
 * too: 27·1,179,648·(1 − 1/tp) fewer, 15,925,248 at tp 2. */
static void deepseek_v2_lite_tensor_parallel_by_hand(void **state)
{
    (void)state;
    expect_tp("deepseek-v2-lite", U64(15706484224), U64(7870934528), U64(3953159680));
}

/* Llama-2-7B at tp 2 × pp 2, 16 layers a stage (both Megatron and vLLM
 * split 32 evenly): the embedding lives on the first stage, the final norm
 * and lm_head on the last.
 *   stage 0: (131,072,000 + 16·202,375,168) / 2 + 16·8,192
 *          = (131,072,000 + 3,238,002,688) / 2 + 131,072 = 1,684,537,344 + 131,072
 *          = 1,684,668,416
 *   stage 1: the same with lm_head for embed_tokens, + the final norm 4,096
 *          = 1,684,672,512 */
static void llama_2_7b_pipeline_stages_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    load("llama-2-7b", &m);
    assert_int_equal(train_params(&m, 2, 2, 0), U64(1684668416));
    assert_int_equal(train_params(&m, 2, 2, 1), U64(1684672512));
    assert_int_equal(infer_params(&m, 2, 2, 0), U64(1684668416));
    assert_int_equal(infer_params(&m, 2, 2, 1), U64(1684672512));
}

/* Gemma-2B (config.json: hidden 2048, 18 layers, 8 heads, 1 KV head of
 * d_head 256, intermediate 16384, vocab 256000, RMSNorm, tied): multi-query
 * attention, so from tp 2 on every rank keeps the one KV head whole (vLLM
 * QKVParallelLinear replicates it, as the KV cache does); training refuses
 * a tp that does not divide n_kv_head (Megatron asserts it).
 *   split: embed_tokens 256000·2048 = 524,288,000
 *          per layer q 2048·2048 + o 2048·2048 = 8,388,608
 *                    + gate, up, down 3·2048·16384 = 100,663,296
 *                    = 109,051,904; × 18 = 1,962,934,272
 *          = 2,487,222,272
 *   whole: per layer k, v 2·2048·256 = 1,048,576 + 2 RMSNorms 4,096
 *          = 1,052,672; × 18 = 18,948,096; + final norm 2,048 = 18,950,144
 *   total 2,506,172,416 (the published count)
 *   tp 2: 2,487,222,272 / 2 + 18,950,144 = 1,243,611,136 + 18,950,144 = 1,262,561,280
 *   tp 4: 2,487,222,272 / 4 + 18,950,144 =   621,805,568 + 18,950,144 =   640,755,712
 * (splitting k and v's 256 columns would give 9,437,184 fewer at tp 2) */
static void gemma_2b_keeps_its_one_kv_head_on_every_rank(void **state)
{
    (void)state;
    struct tmem_model m;
    load("gemma-2b", &m);
    assert_int_equal(inv.total_params, U64(2506172416));
    assert_int_equal(infer_params(&m, 2, 1, 0), U64(1262561280));
    assert_int_equal(infer_params(&m, 4, 1, 0), U64(640755712));
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.tp = o.gpus = 2;
    struct tmem_train_result r;
    struct tmem_error err = {0};
    assert_int_equal(tmem_train_compute(&m, &inv, &o, 0, &r, &err), TMEM_ERR_INCONSISTENT);
    assert_string_equal(err.where, "--tp");
}

/* OPT-350m (config.json: hidden 1024, word_embed_proj_dim 512, 24 layers,
 * 16 heads, ffn 4096, vocab 50272, 2048 positions + 2, LayerNorm, biases,
 * tied, no final norm: do_layer_norm_before false) at pp 2, 12 layers a
 * stage: project_in runs before the first layer, project_out after the
 * last, so each lives on its own end of the pipeline.
 *   per layer q, k, v, o 4·1024² + 4·1024 = 4,198,400
 *             fc1 1024·4096 + 4096 = 4,198,400; fc2 4096·1024 + 1024 = 4,195,328
 *             2 LayerNorms 2·2·1024 = 4,096
 *             = 12,596,224; × 12 = 151,154,688
 *   stage 0: embed_tokens 50272·512 = 25,739,264 + positions 2050·1024 = 2,099,200
 *            + project_in 512·1024 = 524,288 + 151,154,688 = 179,517,440
 *   stage 1: 151,154,688 + project_out 1024·512 = 524,288
 *            + the tied embedding's copy for the lm_head 25,739,264 = 177,418,240
 *   total 25,739,264 + 2,099,200 + 2·524,288 + 24·12,596,224 = 331,196,416
 *   (the published count) */
static void opt_350m_projections_live_on_their_stages(void **state)
{
    (void)state;
    struct tmem_model raw, m;
    assert_int_equal(tmem_model_init(&raw, TMEM_FAMILY_OPT, NULL), TMEM_OK);
    raw.d_model = 1024;
    raw.d_embed = 512;
    raw.n_layer = 24;
    raw.n_head = 16;
    raw.d_ff = 4096;
    raw.n_vocab = 50272;
    raw.n_ctx = 2048;
    raw.final_norm = false;
    assert_int_equal(tmem_model_resolve(&raw, &m, NULL), TMEM_OK);
    assert_int_equal(tmem_inventory_build(&m, &inv, NULL), TMEM_OK);
    assert_int_equal(inv.total_params, U64(331196416));
    assert_int_equal(train_params(&m, 1, 2, 0), U64(179517440));
    assert_int_equal(train_params(&m, 1, 2, 1), U64(177418240));
    assert_int_equal(infer_params(&m, 1, 2, 0), U64(179517440));
    assert_int_equal(infer_params(&m, 1, 2, 1), U64(177418240));
}

/* Qwen1.5-MoE-A2.7B under torch.autocast(bfloat16): autocast caches a bf16
 * copy of every weight a matmul reads, the shared_expert_gate nn.Linear
 * (2048 → 1) included (config.json: hidden 2048, 24 layers, q/k/v biases,
 * vocab 151936, RMSNorm, untied):
 *   total 14,315,784,192
 *   − embed_tokens 151936·2048 = 311,164,928 (a lookup, not a matmul)
 *   − RMSNorms 24·2·2048 + 2048 = 100,352
 *   − q, k, v biases 24·3·2048 = 147,456
 *   = 14,004,371,456 matmul weights × 2 B = 28,008,742,912
 * (without the gate's 24·2048 = 49,152: 28,008,644,608, the old figure) */
static void autocast_copies_every_matmul_weight(void **state)
{
    (void)state;
    struct tmem_model m;
    load("qwen1.5-moe-a2.7b", &m);
    assert_int_equal(inv.total_params, U64(14315784192));
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.precision = TMEM_PRECISION_AMP_BF16;
    o.seq = 1024;
    struct tmem_train_result r;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, 0, &r, NULL), TMEM_OK);
    assert_int_equal(r.layout.matmul_params, U64(14004371456));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_AUTOCAST], U64(28008742912));
}

/* Every preset at every tp that divides its heads, KV heads and every split
 * width: training's P_gpu and inference's bf16 weights / 2 are the same
 * count (the two read one split rule). */
static void train_and_infer_split_alike_on_every_preset(void **state)
{
    (void)state;
    size_t compared = 0;
    for (size_t i = 0; i < tmem_preset_count(); i++) {
        struct tmem_model m;
        load(tmem_preset_at(i)->name, &m);
        if (!tmem_test_trainable(&m))
            continue; /* train refuses it (tmem_test_trainable) */
        if (m.ssm != TMEM_SSM_NONE)
            continue; /* train refuses --tp for Mamba layers (test_hybrid.c) */
        for (uint64_t tp = 2; tp <= 8; tp *= 2) {
            if (m.n_head % tp != 0 || m.n_kv_head % tp != 0)
                continue; /* training refuses it */
            bool divides = true; /* no per-tensor rounding: both sums are exact */
            for (uint32_t t = 0; t < inv.n_tensors; t++) {
                const struct tmem_tensor *x = &inv.tensors[t];
                enum tmem_tp_split s = tmem_tensor_kind_info(x->kind)->tp;
                bool by_cols = s == TMEM_TP_SPLIT_COLUMN || s == TMEM_TP_SPLIT_KV_HEADS;
                uint64_t dim = by_cols && x->cols > 1 ? x->cols : x->rows;
                if (s != TMEM_TP_SPLIT_REPLICATED && dim % tp != 0)
                    divides = false;
            }
            if (!divides)
                continue;
            uint64_t tr = train_params(&m, tp, 1, 0), in = infer_params(&m, tp, 1, 0);
            if (tr != in)
                fail_msg("%s tp %llu: train %llu, infer %llu", tmem_preset_at(i)->name,
                         (unsigned long long)tp, (unsigned long long)tr, (unsigned long long)in);
            compared++;
        }
    }
    print_message("  train = infer on %zu preset × tp pairs\n", compared);
    assert_true(compared >= 60); /* most presets at tp 2, 4 and 8 */
}

/* ------------------------------------------------------------ the table */

static bool in_layers(enum tmem_scope s)
{
    return s == TMEM_SCOPE_LAYER || s == TMEM_SCOPE_DENSE_LAYER || s == TMEM_SCOPE_MOE_LAYER ||
           s == TMEM_SCOPE_ENC_LAYER || s == TMEM_SCOPE_ATTN_LAYER || s == TMEM_SCOPE_SSM_LAYER;
}

/* Every row: a unique name, values inside their enums, and rules that fit
 * together (vectors are never matmul weights nor row-parallel, norms are
 * replicated, only embedding tables and the head split vocabulary rows,
 * the quantization roles sit on the tensors llama.cpp singles out). */
static void every_kind_has_a_consistent_row(void **state)
{
    (void)state;
    for (int k = 0; k < TMEM_TENSOR_KIND_COUNT; k++) {
        const struct tmem_tensor_kind_info *ki = tmem_tensor_kind_info((enum tmem_tensor_kind)k);
        if (ki == NULL || ki->name == NULL || ki->name[0] == '\0')
            fail_msg("kind %d has no row", k);
        for (int j = 0; j < k; j++)
            if (strcmp(tmem_tensor_kind_info((enum tmem_tensor_kind)j)->name, ki->name) == 0)
                fail_msg("kinds %d and %d are both '%s'", j, k, ki->name);
        assert_true((unsigned)ki->group < TMEM_GROUP_COUNT);
        assert_true((unsigned)ki->scope < TMEM_SCOPE_COUNT);
        assert_true((unsigned)ki->tp < TMEM_TP_SPLIT_COUNT);
        assert_true((unsigned)ki->role < TMEM_ROLE_COUNT);
        if (ki->vector && (ki->matmul || ki->tp == TMEM_TP_SPLIT_ROW))
            fail_msg("%s: a vector that is a matmul weight or row-parallel", ki->name);
        if (ki->tp == TMEM_TP_SPLIT_ROW && !ki->matmul)
            fail_msg("%s: row-parallel but no matmul weight", ki->name);
        if (ki->group == TMEM_GROUP_NORM && !(ki->vector && ki->tp == TMEM_TP_SPLIT_REPLICATED))
            fail_msg("%s: a norm that is split or not a vector", ki->name);
        if (ki->tp == TMEM_TP_SPLIT_KV_HEADS && ki->group != TMEM_GROUP_ATTENTION)
            fail_msg("%s: split by KV heads outside attention", ki->name);
        if (ki->tp == TMEM_TP_SPLIT_VOCAB &&
            ki->group != TMEM_GROUP_EMBEDDING && ki->group != TMEM_GROUP_LM_HEAD)
            fail_msg("%s: vocab-parallel outside the embedding and head", ki->name);
        /* (an encoder–decoder's encoder layers have dense MLPs too) */
        if (ki->group == TMEM_GROUP_MLP && ki->scope != TMEM_SCOPE_DENSE_LAYER &&
            ki->scope != TMEM_SCOPE_ENC_LAYER)
            fail_msg("%s: a dense MLP outside the dense layers", ki->name);
        if ((ki->group == TMEM_GROUP_ROUTER || ki->group == TMEM_GROUP_EXPERTS ||
             ki->group == TMEM_GROUP_SHARED_EXPERTS) && ki->scope != TMEM_SCOPE_MOE_LAYER)
            fail_msg("%s: MoE tensor outside the MoE layers", ki->name);
        if (ki->group == TMEM_GROUP_ROUTER && ki->tp != TMEM_TP_SPLIT_REPLICATED)
            fail_msg("%s: the router is split", ki->name);
        if (ki->group == TMEM_GROUP_ATTENTION &&
            (!in_layers(ki->scope) || ki->scope == TMEM_SCOPE_SSM_LAYER))
            fail_msg("%s: attention outside the layers that attend", ki->name);
        if (ki->group == TMEM_GROUP_SSM && ki->scope != TMEM_SCOPE_SSM_LAYER)
            fail_msg("%s: an SSM tensor outside the SSM layers", ki->name);
        if (ki->scope == TMEM_SCOPE_SSM_LAYER && ki->group != TMEM_GROUP_SSM)
            fail_msg("%s: in the SSM layers but not an SSM tensor", ki->name);
        if ((ki->group == TMEM_GROUP_EMBEDDING || ki->group == TMEM_GROUP_LM_HEAD) &&
            in_layers(ki->scope))
            fail_msg("%s: embedding or head inside the layers", ki->name);
        switch (ki->role) {
        case TMEM_ROLE_OTHER: break;
        case TMEM_ROLE_TOKEN_EMBD: assert_int_equal(k, TMEM_TENSOR_KIND_TOKEN_EMBD); break;
        case TMEM_ROLE_OUTPUT: assert_int_equal(k, TMEM_TENSOR_KIND_LM_HEAD); break;
        case TMEM_ROLE_ATTN_V:
        case TMEM_ROLE_FFN_DOWN:
            if (!ki->matmul || !in_layers(ki->scope))
                fail_msg("%s: a k-quant role on no layer matrix", ki->name);
            break;
        case TMEM_ROLE_COUNT: fail_msg("%s: role COUNT", ki->name); break;
        }
    }
    assert_null(tmem_tensor_kind_info(TMEM_TENSOR_KIND_COUNT));
    assert_null(tmem_tensor_kind_info((enum tmem_tensor_kind)-1));
    /* the MLA down-projections are replicated, the up-projections split */
    assert_int_equal(tmem_tensor_kind_info(TMEM_TENSOR_KIND_MLA_Q_A)->tp, TMEM_TP_SPLIT_REPLICATED);
    assert_int_equal(tmem_tensor_kind_info(TMEM_TENSOR_KIND_MLA_KV_A)->tp, TMEM_TP_SPLIT_REPLICATED);
    assert_int_equal(tmem_tensor_kind_info(TMEM_TENSOR_KIND_MLA_Q_B)->tp, TMEM_TP_SPLIT_COLUMN);
    assert_int_equal(tmem_tensor_kind_info(TMEM_TENSOR_KIND_MLA_KV_B)->tp, TMEM_TP_SPLIT_COLUMN);
}

/* Marks the kinds of the inventory of m and checks each tensor against its
 * row: the inventory's name and group are the row's, a vector kind has one
 * column, and no kind appears twice. */
static void mark_kinds(const struct tmem_model *m, const char *what, bool seen[TMEM_TENSOR_KIND_COUNT])
{
    struct tmem_error err = {0};
    if (tmem_inventory_build(m, &inv, &err) != TMEM_OK)
        fail_msg("%s: %s: %s", what, err.where, err.msg);
    bool here[TMEM_TENSOR_KIND_COUNT] = {false};
    for (uint32_t i = 0; i < inv.n_tensors; i++) {
        const struct tmem_tensor *t = &inv.tensors[i];
        const struct tmem_tensor_kind_info *ki = tmem_tensor_kind_info(t->kind);
        if (ki == NULL)
            fail_msg("%s: tensor %s has no kind row", what, t->name);
        if (strcmp(t->name, ki->name) != 0 || t->group != ki->group)
            fail_msg("%s: tensor %s is not its kind's (%s)", what, t->name, ki->name);
        /* (RoBERTa's token_type_embeddings has one row: type_vocab_size 1) */
        if (ki->vector ? t->cols != 1 : t->rows < 2 && t->kind != TMEM_TENSOR_KIND_TOKEN_TYPE_EMBD)
            fail_msg("%s: %s has the wrong shape for its kind", what, t->name);
        if (here[t->kind])
            fail_msg("%s: kind %s twice", what, ki->name);
        here[t->kind] = seen[t->kind] = true;
    }
}

/* Every preset's inventory (and variants that switch on what no preset
 * has) emits only kinds with rows, and together they emit every kind: the
 * table has no dead rows. */
static void every_emitted_kind_has_a_row_and_every_row_is_emitted(void **state)
{
    (void)state;
    bool seen[TMEM_TENSOR_KIND_COUNT] = {false};
    for (size_t i = 0; i < tmem_preset_count(); i++) {
        struct tmem_model m;
        load(tmem_preset_at(i)->name, &m);
        mark_kinds(&m, tmem_preset_at(i)->name, seen);
    }
    /* a LayerNorm llama with biases everywhere, qk-norms and OPT-350m's
     * projections (d_embed 512 != d_model), untied with an lm_head bias */
    struct tmem_model raw, m;
    assert_int_equal(tmem_model_load("llama-3.2-1b", NULL, &raw, NULL), TMEM_OK);
    raw.norm = TMEM_NORM_LAYERNORM;
    raw.qkv_bias = raw.o_bias = raw.mlp_bias = raw.qk_norm = raw.embed_norm = true;
    raw.lm_head_bias = true;
    raw.learned_pos = true;
    raw.n_pos = 2048;
    raw.tied = false;
    raw.d_embed = 512;
    assert_int_equal(tmem_model_resolve(&raw, &m, NULL), TMEM_OK);
    mark_kinds(&m, "variant", seen);
    /* a Mamba with in_proj / out_proj biases (use_bias) */
    assert_int_equal(tmem_model_load("mamba-130m", NULL, &raw, NULL), TMEM_OK);
    raw.ssm_proj_bias = true;
    assert_int_equal(tmem_model_resolve(&raw, &m, NULL), TMEM_OK);
    mark_kinds(&m, "mamba variant", seen);
    /* LLaVA-NeXT's image_newline: the LLaVA-1.5 preset with it */
    assert_int_equal(tmem_model_load("llava-1.5-7b", NULL, &raw, NULL), TMEM_OK);
    raw.vision.image_newline = true;
    assert_int_equal(tmem_model_resolve(&raw, &m, NULL), TMEM_OK);
    mark_kinds(&m, "llava-next variant", seen);
    /* encoders: DeBERTa without share_att_key (pos_key_proj, pos_query_proj)
     * under a classifier; BERT's MLM head (head norm with bias); ModernBERT
     * with norm_bias (the attention norms' biases) */
    assert_int_equal(tmem_model_load("deberta-v3-base", NULL, &raw, NULL), TMEM_OK);
    raw.share_att_key = false;
    raw.head = TMEM_HEAD_CLS;
    assert_int_equal(tmem_model_resolve(&raw, &m, NULL), TMEM_OK);
    mark_kinds(&m, "deberta variant", seen);
    assert_int_equal(tmem_model_load("bert-base-uncased", NULL, &raw, NULL), TMEM_OK);
    raw.head = TMEM_HEAD_MLM;
    assert_int_equal(tmem_model_resolve(&raw, &m, NULL), TMEM_OK);
    mark_kinds(&m, "bert mlm variant", seen);
    assert_int_equal(tmem_model_load("modernbert-base", NULL, &raw, NULL), TMEM_OK);
    raw.norm = TMEM_NORM_LAYERNORM;
    assert_int_equal(tmem_model_resolve(&raw, &m, NULL), TMEM_OK);
    mark_kinds(&m, "modernbert variant", seen);
    for (int k = 0; k < TMEM_TENSOR_KIND_COUNT; k++)
        if (!seen[k])
            fail_msg("kind %s is emitted by no inventory", tmem_tensor_kind_info((enum tmem_tensor_kind)k)->name);
}

/* A hand-built inventory with a kind outside the table is refused by both
 * ledgers, before any rule reads it. */
static void a_tensor_of_no_kind_is_refused(void **state)
{
    (void)state;
    struct tmem_model m;
    load("llama-2-7b", &m);
    inv.tensors[3].kind = TMEM_TENSOR_KIND_COUNT;
    struct tmem_error err = {0};
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    struct tmem_train_result r;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, 0, &r, &err), TMEM_ERR_INVALID_ARG);
    assert_string_equal(err.where, "inventory");
    struct tmem_infer_opts io;
    tmem_infer_defaults(&io);
    io.gpu = tmem_gpu_find("h200");
    assert_int_equal(tmem_infer_build(&m, &inv, &io, &R, &err), TMEM_ERR_INVALID_ARG);
    assert_string_equal(err.where, "inventory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(llama_2_7b_tensor_parallel_by_hand),
        cmocka_unit_test(deepseek_v2_lite_tensor_parallel_by_hand),
        cmocka_unit_test(llama_2_7b_pipeline_stages_by_hand),
        cmocka_unit_test(gemma_2b_keeps_its_one_kv_head_on_every_rank),
        cmocka_unit_test(opt_350m_projections_live_on_their_stages),
        cmocka_unit_test(autocast_copies_every_matmul_weight),
        cmocka_unit_test(train_and_infer_split_alike_on_every_preset),
        cmocka_unit_test(every_kind_has_a_consistent_row),
        cmocka_unit_test(every_emitted_kind_has_a_row_and_every_row_is_emitted),
        cmocka_unit_test(a_tensor_of_no_kind_is_refused),
    };
    return cmocka_run_group_tests_name("tensor kinds", tests, NULL, NULL);
}
