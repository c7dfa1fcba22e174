/* test_act.c — the activation inventory (tmem_train_activations): the
 * tensors one Llama-2-7B layer saves, each against a hand calculation
 * written beside it, flash and naive; the filters (selective and full
 * recompute, flash attention, dropout) dropping exactly the tensors they
 * should; and, over every built-in model and plan choice, the per-layer
 * sums of the training ledger equal to sums over the list. */
#include "harness.h"

#include "tmem/read.h"
#include "reader.h"
#include "tmem/train.h"

static struct tmem_model llama;
static struct tmem_inventory llama_inv;

static void load(const char *name, struct tmem_model *m, struct tmem_inventory *inv)
{
    assert_int_equal(tmem_model_load(name, NULL, m, NULL), TMEM_OK);
    assert_int_equal(tmem_model_resolve(m, m, NULL), TMEM_OK);
    assert_int_equal(tmem_inventory_build(m, inv, NULL), TMEM_OK);
}

static const struct tmem_act_tensor *find(const struct tmem_act_inventory *a, const char *name)
{
    for (uint32_t i = 0; i < a->n_tensors; i++)
        if (strcmp(a->tensors[i].name, name) == 0)
            return &a->tensors[i];
    fail_msg("no tensor %s", name);
    return NULL;
}

struct want {
    const char *name;
    enum tmem_act_state state;
    uint64_t bytes;
};

/* every tensor of the list is named in want[] (in order) with its state and bytes */
static void expect_list(const struct tmem_act_inventory *a, const struct want *w, size_t n)
{
    for (uint32_t i = 0; i < a->n_tensors; i++) {
        const struct tmem_act_tensor *t = &a->tensors[i];
        if (i >= n)
            fail_msg("tensor %u (%s) not expected", i, t->name);
        if (strcmp(t->name, w[i].name) != 0 || t->state != w[i].state || t->bytes != w[i].bytes)
            fail_msg("tensor %u: %s %s %llu B, expected %s %s %llu B", i, t->name,
                     tmem_act_state_name(t->state), (unsigned long long)t->bytes, w[i].name,
                     tmem_act_state_name(w[i].state), (unsigned long long)w[i].bytes);
        assert_int_equal(t->bytes, t->tokens * t->width * t->elem_bytes);
    }
    assert_int_equal(a->n_tensors, n);
}

#define SAVED TMEM_ACT_STATE_SAVED
#define RECOMP TMEM_ACT_STATE_RECOMPUTED
#define ABSENT TMEM_ACT_STATE_ABSENT

/* Llama-2-7B, bf16-mixed (r = c = bf16), b 1, s 4096 (4096 tokens),
 * d_model 4096, n_head = n_kv_head 32, d_head 128, d_ff 11008, HF eager
 * RMSNorm / SwiGLU, softmax upcast to fp32, no dropout:
 *   d_model-wide fp32   4096 × 4096 × 4          = 67,108,864
 *   d_model-wide bf16   4096 × 4096 × 2          = 33,554,432
 *   rstd                4096 × 1 × 4             = 16,384
 *   q, k, v, out bf16   4096 × 32·128 × 2        = 33,554,432
 *   lse fp32            4096 × 32 × 4            = 524,288
 *   d_ff-wide bf16      4096 × 11008 × 2         = 90,177,536
 *   scores fp32         4096 × 32·4096 × 4       = 2,147,483,648 (bf16: 1,073,741,824)
 *   dropout mask        4096 × 32·4096 × 1       = 536,870,912
 * flash: attention 67,108,864 + 16,384 + 33,554,432 (norm) + 5 × 33,554,432
 * (q/k/v input, q, k, v, out) + 524,288 = 268,976,128 = 4096 × (32,772 + 32,896);
 * MLP 67,108,864 + 16,384 + 2 × 33,554,432 + 4 × 90,177,536 = 494,944,256
 * = 4096 × (32,772 + 88,064); the layer 763,920,384 (test_train.c's figure). */
static const struct want flash_none[] = {
    {"attn_norm.x_fp32", SAVED, 67108864},
    {"attn_norm.input", ABSENT, 33554432}, /* a fused RMSNorm's (--kernels fused) */
    {"attn_norm.rstd", SAVED, 16384},
    {"attn_norm.y", SAVED, 33554432},
    {"attn.qkv_input", SAVED, 33554432},
    {"attn.q", SAVED, 33554432},
    {"attn.k", SAVED, 33554432},
    {"attn.v", SAVED, 33554432},
    {"attn.k_repeated", ABSENT, 33554432},
    {"attn.v_repeated", ABSENT, 33554432},
    {"attn.o_proj_input", SAVED, 33554432},
    {"attn.flash_out", ABSENT, 33554432}, /* --kernels local's: flash's [b, s] output beside dense's copy */
    {"attn.lse", SAVED, 524288},
    {"attn.softmax", ABSENT, 2147483648},
    {"attn.dropout_mask", ABSENT, 536870912},
    {"attn.dropout_out", ABSENT, 2147483648},
    {"attn.probs_c", ABSENT, 1073741824},
    {"mlp_norm.x_fp32", SAVED, 67108864},
    {"mlp_norm.input", ABSENT, 33554432},
    {"mlp_norm.rstd", SAVED, 16384},
    {"mlp_norm.y", SAVED, 33554432},
    {"mlp.input", SAVED, 33554432},
    {"mlp.gate_out", SAVED, 90177536},
    {"mlp.silu_out", SAVED, 90177536},
    {"mlp.up_out", SAVED, 90177536},
    {"mlp.down_input", SAVED, 90177536},
    {"resid_dropout.attn_mask", ABSENT, 16777216}, /* 4096 × 4096 × 1 */
    {"resid_dropout.mlp_mask", ABSENT, 16777216},
    {"layer_input", ABSENT, 33554432},
};

static void plan(struct tmem_train_opts *o, enum tmem_attention att, enum tmem_recompute rc)
{
    tmem_train_opts_default(o);
    o->precision = TMEM_PRECISION_BF16_MIXED;
    o->micro_batch = 1;
    o->seq = 4096;
    o->attention = att;
    o->recompute = rc;
}

static void llama_2_7b_flash_by_hand(void **state)
{
    (void)state;
    struct tmem_train_opts o;
    plan(&o, TMEM_ATTENTION_FLASH, TMEM_RECOMPUTE_NONE);
    static struct tmem_act_inventory a;
    assert_int_equal(tmem_train_activations(&llama, &llama_inv, &o, UINT64_MAX, &a, NULL), TMEM_OK);
    expect_list(&a, flash_none, sizeof flash_none / sizeof flash_none[0]);
    assert_int_equal(a.layer.attn, U64(268976128));
    assert_int_equal(a.layer.mlp, U64(494944256));
    assert_int_equal(a.layer.scores, 0);
    assert_int_equal(a.layer.masks, 0);
    assert_int_equal(a.layer.norm_stats, U64(2) * 16384); /* two rstd */
    assert_int_equal(a.layer.checkpoint, U64(33554432));
    assert_int_equal(a.layer.total, U64(763920384));
    assert_int_equal(a.moe_layer_bytes, 0);
    assert_int_equal(a.dense_layers, 32);
    /* shapes and dtypes in the legend */
    assert_string_equal(find(&a, "attn.k")->shape_sym, "b·s × n_kv_head·d_head");
    assert_string_equal(find(&a, "attn.k_repeated")->shape_sym, "b·s × n_head·d_head");
    assert_string_equal(find(&a, "mlp.gate_out")->shape_sym, "b·s × d_ff");
    assert_string_equal(find(&a, "attn_norm.x_fp32")->dtype_name, "fp32");
    assert_string_equal(find(&a, "attn_norm.y")->dtype_name, "bf16");
    assert_int_equal(find(&a, "attn_norm.y")->dtype, TMEM_ACT_DTYPE_RESIDUAL);
    assert_int_equal(find(&a, "attn.q")->dtype, TMEM_ACT_DTYPE_COMPUTE);
    assert_int_equal(find(&a, "attn.q")->split, TMEM_ACT_SPLIT_TP);
    assert_int_equal(find(&a, "mlp.input")->split, TMEM_ACT_SPLIT_SP);
    assert_true(find(&a, "attn_norm.rstd")->norm_stats);
    /* the same figures as the ledger's */
    struct tmem_train_result r;
    assert_int_equal(tmem_train_compute(&llama, &llama_inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_memory_equal(&r.layer_act, &a.layer, sizeof a.layer);
}

/* naive: k and v repeated to n_head (the same width for MHA), no lse; the
 * scores: fp32 softmax 2,147,483,648 + its bf16 copy 1,073,741,824 =
 * 3,221,225,472 (test_train.c's figure); the layer 268,451,840 (attention:
 * 4096 × (32,772 + 4 · 2 · 4096)) + 3,221,225,472 + 494,944,256 =
 * 3,984,621,568. Selective recompute frees the scores: 763,396,096.
 * Full recompute keeps the layer input only: 4096 × 4096 × 2 = 33,554,432. */
static void llama_2_7b_naive_and_recompute(void **state)
{
    (void)state;
    static struct tmem_act_inventory a;
    struct tmem_train_opts o;
    static const enum tmem_recompute rcs[] = {TMEM_RECOMPUTE_NONE, TMEM_RECOMPUTE_SELECTIVE,
                                              TMEM_RECOMPUTE_FULL};
    static const uint64_t totals[] = {3984621568u, 763396096u, 33554432u};
    for (size_t k = 0; k < 3; k++) {
        plan(&o, TMEM_ATTENTION_NAIVE, rcs[k]);
        assert_int_equal(tmem_train_activations(&llama, &llama_inv, &o, UINT64_MAX, &a, NULL), TMEM_OK);
        struct want w[sizeof flash_none / sizeof flash_none[0]];
        memcpy(w, flash_none, sizeof w);
        for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
            const char *n = w[i].name;
            bool kernel_swap = !strcmp(n, "attn.k") || !strcmp(n, "attn.v") || !strcmp(n, "attn.lse");
            bool repeated = !strcmp(n, "attn.k_repeated") || !strcmp(n, "attn.v_repeated");
            bool scores = !strcmp(n, "attn.softmax") || !strcmp(n, "attn.probs_c");
            if (kernel_swap)
                w[i].state = ABSENT;
            else if (repeated || scores)
                w[i].state = SAVED;
            /* selective frees the s² tensors; full every tensor but the
             * layer input, which it keeps alone */
            if (rcs[k] == TMEM_RECOMPUTE_SELECTIVE && scores)
                w[i].state = RECOMP;
            if (rcs[k] == TMEM_RECOMPUTE_FULL && w[i].state == SAVED)
                w[i].state = RECOMP;
            if (rcs[k] == TMEM_RECOMPUTE_FULL && !strcmp(n, "layer_input"))
                w[i].state = SAVED;
        }
        expect_list(&a, w, sizeof w / sizeof w[0]);
        assert_int_equal(a.layer.scores, U64(3221225472));
        assert_int_equal(a.layer.attn, U64(268451840));
        assert_int_equal(a.layer.total, totals[k]);
        struct tmem_train_result r;
        assert_int_equal(tmem_train_compute(&llama, &llama_inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
        assert_memory_equal(&r.layer_act, &a.layer, sizeof a.layer);
    }
}

/* --dropout on: the attention dropout mask (1 byte) and output (fp32, as
 * the softmax) and both residual masks appear; the scores become
 * 4096 · 32 · 4096 · (4 + 1 + 4 + 2) = 5,905,580,032; masks 2 × 16,777,216. */
static void dropout_adds_exactly_the_masks(void **state)
{
    (void)state;
    static struct tmem_act_inventory off, on;
    struct tmem_train_opts o;
    plan(&o, TMEM_ATTENTION_NAIVE, TMEM_RECOMPUTE_NONE);
    assert_int_equal(tmem_train_activations(&llama, &llama_inv, &o, UINT64_MAX, &off, NULL), TMEM_OK);
    o.dropout = TMEM_ON;
    assert_int_equal(tmem_train_activations(&llama, &llama_inv, &o, UINT64_MAX, &on, NULL), TMEM_OK);
    assert_int_equal(on.n_tensors, off.n_tensors);
    for (uint32_t i = 0; i < on.n_tensors; i++) {
        const char *n = on.tensors[i].name;
        bool mask = !strcmp(n, "attn.dropout_mask") || !strcmp(n, "attn.dropout_out") ||
                    !strcmp(n, "resid_dropout.attn_mask") || !strcmp(n, "resid_dropout.mlp_mask");
        assert_int_equal(off.tensors[i].state, mask ? ABSENT : off.tensors[i].state);
        assert_int_equal(on.tensors[i].state, mask ? SAVED : off.tensors[i].state);
        assert_int_equal(on.tensors[i].bytes, off.tensors[i].bytes);
    }
    assert_int_equal(find(&on, "attn.dropout_out")->bytes, U64(2147483648));
    assert_int_equal(find(&on, "attn.dropout_mask")->dtype, TMEM_ACT_DTYPE_MASK);
    assert_int_equal(on.layer.scores, U64(5905580032));
    assert_int_equal(on.layer.masks, U64(33554432));
    assert_int_equal(on.layer.total, U64(268451840) + U64(5905580032) + U64(494944256) + U64(33554432));
}

/* Filters as data: each tensor names the choices that drop it. */
static void filters_are_named_per_tensor(void **state)
{
    (void)state;
    static struct tmem_act_inventory a;
    struct tmem_train_opts o;
    plan(&o, TMEM_ATTENTION_FLASH, TMEM_RECOMPUTE_NONE);
    assert_int_equal(tmem_train_activations(&llama, &llama_inv, &o, UINT64_MAX, &a, NULL), TMEM_OK);
#define B(ch) (1u << TMEM_ACT_CHOICE_##ch)
    assert_int_equal(find(&a, "attn.softmax")->absent_under, B(ATTENTION_FLASH));
    assert_int_equal(find(&a, "attn.softmax")->recomputed_under, B(RECOMPUTE_SELECTIVE) | B(RECOMPUTE_FULL));
    assert_int_equal(find(&a, "attn.dropout_mask")->absent_under, B(ATTENTION_FLASH) | B(ATTN_DROPOUT_OFF));
    assert_int_equal(find(&a, "attn.lse")->absent_under, B(ATTENTION_NAIVE));
    assert_int_equal(find(&a, "attn.k_repeated")->absent_under, B(ATTENTION_FLASH));
    assert_int_equal(find(&a, "attn.q")->absent_under, 0);
    assert_int_equal(find(&a, "attn.q")->recomputed_under, B(RECOMPUTE_FULL));
    assert_int_equal(find(&a, "resid_dropout.mlp_mask")->absent_under, B(RESID_DROPOUT_OFF));
    assert_int_equal(find(&a, "layer_input")->absent_under, B(RECOMPUTE_NONE) | B(RECOMPUTE_SELECTIVE));
    assert_int_equal(find(&a, "layer_input")->recomputed_under, 0);
#undef B
    assert_string_equal(tmem_act_choice_name(TMEM_ACT_CHOICE_ATTENTION_FLASH), "flash attention");
    assert_string_equal(tmem_act_state_name(TMEM_ACT_STATE_RECOMPUTED), "recomputed");
    assert_string_equal(tmem_act_part_name(TMEM_ACT_PART_SCORES), "scores");
    assert_string_equal(tmem_act_split_name(TMEM_ACT_SPLIT_SP), "sp");
    assert_string_equal(tmem_act_dtype_name(TMEM_ACT_DTYPE_COMPUTE), "c");
    assert_string_equal(tmem_act_part_name(TMEM_ACT_PART_COUNT), "?");
}

/* Mixtral-8x7B (every layer MoE, top-2 of 8, d_ff_expert 14336), b 1,
 * s 4096, flash, bf16: the MoE block per token is the norm 4·4096 + 4 +
 * 2·4096 = 24,580, its output 8,192, router probs 8·4 = 32, top-k indices
 * 2·8 = 16, the two routed copies in and out 2·2·2·4096 = 32,768, the
 * expert loop's torch.where indices (top_x, idx) 2·2·8 = 32, the selected
 * routing weights 2·2 = 4 and the weighted products index_add_ keeps
 * 2·2·4096 = 16,384 (SP: 24,580 + 8,192 + 32 + 16 + 32,768 + 32 + 4 +
 * 16,384 = 82,008), and the experts' SwiGLU 4 · 2 · 2 · 14336 = 229,376
 * (TP). */
static void mixtral_moe_block_by_hand(void **state)
{
    (void)state;
    static struct tmem_model m;
    static struct tmem_inventory inv;
    static struct tmem_act_inventory a;
    load("mixtral-8x7b", &m, &inv);
    struct tmem_train_opts o;
    plan(&o, TMEM_ATTENTION_FLASH, TMEM_RECOMPUTE_NONE);
    assert_int_equal(tmem_train_activations(&m, &inv, &o, UINT64_MAX, &a, NULL), TMEM_OK);
    assert_int_equal(find(&a, "moe.router_probs")->bytes, U64(4096) * 8 * 4);
    assert_int_equal(find(&a, "moe.topk_index")->bytes, U64(4096) * 2 * 8);
    assert_int_equal(find(&a, "moe.expert_input")->bytes, U64(4096) * 2 * 4096 * 2);
    assert_int_equal(find(&a, "moe.experts.gate_out")->bytes, U64(4096) * 2 * 14336 * 2);
    assert_int_equal(find(&a, "moe.expert_index")->bytes, U64(4096) * 2 * 2 * 8);
    assert_int_equal(find(&a, "moe.routing_weight")->bytes, U64(4096) * 2 * 2);
    assert_int_equal(find(&a, "moe.weighted_output")->bytes, U64(4096) * 2 * 4096 * 2);
    const uint64_t sp = U64(24580) + 8192 + 32 + 16 + 32768 + 32 + 4 + 16384;
    assert_int_equal(sp, U64(82008));
    assert_int_equal(a.layer.moe, U64(4096) * (82008 + 229376));
    assert_int_equal(a.moe_layers, 32);
    assert_int_equal(a.dense_layers, 0);
    /* an MoE layer saves attention + its MoE block */
    assert_int_equal(a.moe_layer_bytes, a.layer.attn + a.layer.moe);
    /* tp 2 with sequence parallel: the SP part on 2048 tokens, experts' d_ff halved */
    o.tp = 2;
    o.sequence_parallel = true;
    assert_int_equal(tmem_train_activations(&m, &inv, &o, UINT64_MAX, &a, NULL), TMEM_OK);
    assert_int_equal(find(&a, "moe.expert_input")->tokens, 2048);
    assert_int_equal(find(&a, "moe.experts.gate_out")->width, U64(2) * 7168);
    assert_int_equal(a.layer.moe, U64(2048) * 82008 + U64(4096) * 229376 / 2);
}

#define RECOMPUTE_CHOICES                                                                    \
    ((1u << TMEM_ACT_CHOICE_RECOMPUTE_NONE) | (1u << TMEM_ACT_CHOICE_RECOMPUTE_SELECTIVE) |    \
     (1u << TMEM_ACT_CHOICE_RECOMPUTE_FULL))

/* The bytes of the tensors of `parts` in the layers of one kind: those the
 * plan saves, or those its kernel and dropout make whatever the recompute
 * setting (only the layer input is absent for a recompute reason, and it
 * names nothing else). */
static uint64_t sum_kind_parts(const struct tmem_act_inventory *a, enum tmem_act_layer_kind kind, uint32_t parts,
                               bool saved_only, bool stats)
{
    uint64_t s = 0;
    for (uint32_t i = 0; i < a->n_tensors; i++) {
        const struct tmem_act_tensor *t = &a->tensors[i];
        if (t->layer_kind != kind || !(parts & (1u << t->part)) || (stats && !t->norm_stats))
            continue;
        bool made = t->state != TMEM_ACT_STATE_ABSENT || (t->absent_under & ~RECOMPUTE_CHOICES) == 0;
        if (saved_only ? t->state == TMEM_ACT_STATE_SAVED : made)
            s += t->bytes;
    }
    return s;
}

/* the same over the entries of the kind `layer` sums */
static uint64_t sum_parts(const struct tmem_act_inventory *a, uint32_t parts, bool saved_only, bool stats)
{
    return sum_kind_parts(a, a->layer_kind, parts, saved_only, stats);
}

#define P(x) (1u << TMEM_ACT_PART_##x)

/* Every built-in model × recompute × attention × dropout × (tp, SP, cp):
 * the ledger's per-layer sums are sums over the list, kind by kind: the
 * entries of the inventory's layer_kind (a pure Mamba's SSM layer, any
 * other model's attention layer) sum to `layer`; a hybrid's SSM entries
 * (its state-space layers' mixer, part ATTN only) sum to ssm_mixer; a
 * parallel hybrid (falcon_h1) has one layer kind holding both mixers. */
static void layer_sums_are_sums_over_the_list(void **state)
{
    (void)state;
    static struct tmem_model m;
    static struct tmem_inventory inv;
    static struct tmem_act_inventory a;
    size_t checked = 0, hybrids = 0, parallel = 0;
    for (size_t k = 0; k < tmem_preset_count(); k++) {
        load(tmem_preset_at(k)->name, &m, &inv);
        if (!tmem_test_trainable(&m))
            continue; /* train refuses it (tmem_test_trainable) */
        for (int v = 0; v < 3 * 2 * 3 * 3; v++) {
            struct tmem_train_opts o;
            plan(&o, (enum tmem_attention)(v / 3 % 2), (enum tmem_recompute)(v % 3));
            o.seq = 1024;
            o.dropout = (enum tmem_tristate)(v / 6 % 3);
            o.kernels = (enum tmem_kernels)(((size_t)v + k) % TMEM_KERNELS_COUNT); /* every stack on every model */
            uint64_t tp = m.n_kv_head % 2 == 0 && m.n_head % 2 == 0 ? 2 : 1;
            if (v / 18 >= 1)
                o.tp = tp;
            if (v / 18 == 2) {
                o.sequence_parallel = true;
                o.cp = 2;
            }
            if (tmem_train_validate(&m, &o, NULL) != TMEM_OK)
                continue;
            struct tmem_train_result r;
            assert_int_equal(tmem_train_compute(&m, &inv, &o, 0, &r, NULL), TMEM_OK);
            assert_int_equal(tmem_train_activations(&m, &inv, &o, 0, &a, NULL), TMEM_OK);
            assert_true(a.n_tensors <= TMEM_MAX_ACT_TENSORS);
            assert_memory_equal(&r.layer_act, &a.layer, sizeof a.layer);
            assert_int_equal(a.layer.attn, sum_parts(&a, P(ATTN), false, false));
            assert_int_equal(a.layer.scores, sum_parts(&a, P(SCORES), false, false));
            assert_int_equal(a.layer.mlp, sum_parts(&a, P(MLP), false, false));
            assert_int_equal(a.layer.moe, sum_parts(&a, P(MOE), false, false));
            assert_int_equal(a.layer.masks, sum_parts(&a, P(MASKS), false, false));
            assert_int_equal(a.layer.checkpoint, sum_parts(&a, P(CHECKPOINT), false, false));
            assert_int_equal(a.layer.norm_stats, sum_parts(&a, P(ATTN) | P(MLP), false, true));
            uint32_t common = P(ATTN) | P(SCORES) | P(MASKS) | P(CHECKPOINT);
            assert_int_equal(a.layer.total, sum_parts(&a, common | P(MLP), true, false));
            assert_int_equal(a.moe_layer_bytes, m.n_expert ? sum_parts(&a, common | P(MOE), true, false) : 0);
            bool pure_ssm = m.ssm != TMEM_SSM_NONE && !m.hybrid;
            assert_int_equal(a.layer_kind, pure_ssm ? TMEM_ACT_LAYER_SSM : TMEM_ACT_LAYER_ATTENTION);
            if (m.hybrid && !m.hybrid_parallel) {
                uint32_t all = (1u << TMEM_ACT_PART_COUNT) - 1;
                assert_true(a.ssm_layers > 0 && a.ssm_layers < m.n_layer); /* one stage: all its SSM layers */
                assert_int_equal(a.ssm_mixer, sum_kind_parts(&a, TMEM_ACT_LAYER_SSM, P(ATTN), false, false));
                assert_true(a.ssm_mixer > 0);
                /* an SSM layer lists its mixer alone: nothing of another part */
                assert_int_equal(sum_kind_parts(&a, TMEM_ACT_LAYER_SSM, all & ~P(ATTN), false, false), 0);
                hybrids++;
            } else { /* one layer kind (a parallel hybrid: both mixers in it) */
                assert_int_equal(a.ssm_mixer, 0);
                assert_int_equal(a.ssm_layers, 0);
                for (uint32_t i = 0; i < a.n_tensors; i++)
                    assert_int_equal(a.tensors[i].layer_kind, a.layer_kind);
                if (m.hybrid_parallel) { /* attention's tensors and the mixer's, both in its attention part */
                    bool attn = false, ssm = false;
                    for (uint32_t i = 0; i < a.n_tensors; i++) {
                        attn |= strncmp(a.tensors[i].name, "attn.", 5) == 0;
                        ssm |= strncmp(a.tensors[i].name, "ssm.", 4) == 0 && a.tensors[i].part == TMEM_ACT_PART_ATTN;
                    }
                    assert_true(attn && ssm);
                    parallel++;
                }
            }
            checked++;
        }
    }
    assert_true(checked > 40 * 30);
    assert_true(hybrids > 0); /* jamba, granitemoehybrid, qwen3_next presets */
    assert_true(parallel > 0); /* falcon-h1-1.5b */
}

/* The fused cross-entropy's backward keeps d(hidden) and the fp32 softmax
 * gradient of one chunk; the formula now shows both (it showed the first
 * only): 2048 × 4096 × 2 + 1024 × 32000 × 4 = 16,777,216 + 131,072,000. */
static void fused_ce_gradient_formula_shows_both_parts(void **state)
{
    (void)state;
    struct tmem_train_opts o;
    plan(&o, TMEM_ATTENTION_FLASH, TMEM_RECOMPUTE_NONE);
    o.seq = 2048;
    o.fused_ce = true;
    struct tmem_train_result r;
    static struct tmem_ledger l;
    assert_int_equal(tmem_train_compute(&llama, &llama_inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_LOGITS_GRAD], U64(147849216));
    assert_int_equal(tmem_train_ledger(&llama, &llama_inv, &o, &r, TMEM_PHASE_BACKWARD, false, &l, NULL),
                     TMEM_OK);
    bool seen = false;
    for (uint32_t i = 0; i < l.n_entries; i++)
        if (l.entries[i].bytes == U64(147849216)) {
            seen = true;
            assert_non_null(strstr(l.entries[i].formula, "= 2048 × 4096 × 2 + 1024 × 32000 × 4"));
        }
    assert_true(seen);
}

/* --kernels: the same Llama-2-7B layer (bf16, b 1, s 4096, flash) under
 * each stack, by hand from the kernels' save_for_backward lists:
 *   fused (apex FusedRMSNorm, Liger RMSNorm: input, fp32 rstd) drops each
 *     norm's x_fp32 (67,108,864) and y (33,554,432) and keeps its input
 *     (4096 × 4096 × 2 = 33,554,432): attention 268,976,128 − 67,108,864
 *     = 201,867,264; MLP 494,944,256 − 67,108,864 = 427,835,392
 *   liger, te (SiLUMul saves a and b; TE's fc1_out = gate and up,
 *     gelu_out = down's input) also drop silu_out (90,177,536):
 *     MLP 337,657,856; eager is the list above.
 * With a frozen base (LoRA on q, v) the fused norm keeps its input: its
 * backward needs it for the input's gradient, not only for the weight's. */
static void kernel_stacks_by_hand(void **state)
{
    (void)state;
    static struct tmem_act_inventory a;
    struct tmem_train_opts o;
    static const struct {
        enum tmem_kernels k;
        uint64_t attn, mlp;
        enum tmem_act_state x_fp32, input, y, silu;
    } rows[] = {
        {TMEM_KERNELS_EAGER, 268976128u, 494944256u, SAVED, ABSENT, SAVED, SAVED},
        {TMEM_KERNELS_FUSED, 201867264u, 427835392u, ABSENT, SAVED, ABSENT, SAVED},
        {TMEM_KERNELS_LIGER, 201867264u, 337657856u, ABSENT, SAVED, ABSENT, ABSENT},
        {TMEM_KERNELS_TE, 201867264u, 337657856u, ABSENT, SAVED, ABSENT, ABSENT},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        plan(&o, TMEM_ATTENTION_FLASH, TMEM_RECOMPUTE_NONE);
        o.kernels = rows[i].k;
        assert_int_equal(tmem_train_activations(&llama, &llama_inv, &o, UINT64_MAX, &a, NULL), TMEM_OK);
        assert_int_equal(a.layer.attn, rows[i].attn);
        assert_int_equal(a.layer.mlp, rows[i].mlp);
        assert_int_equal(a.layer.total, rows[i].attn + rows[i].mlp);
        assert_int_equal(find(&a, "attn_norm.x_fp32")->state, rows[i].x_fp32);
        assert_int_equal(find(&a, "mlp_norm.input")->state, rows[i].input);
        assert_int_equal(find(&a, "mlp_norm.input")->bytes, U64(33554432));
        assert_int_equal(find(&a, "attn_norm.y")->state, rows[i].y);
        assert_int_equal(find(&a, "mlp.silu_out")->state, rows[i].silu);
        assert_int_equal(find(&a, "attn_norm.rstd")->state, SAVED);
        struct tmem_train_result r;
        assert_int_equal(tmem_train_compute(&llama, &llama_inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
        assert_memory_equal(&r.layer_act, &a.layer, sizeof a.layer);
    }
    /* a frozen base (LoRA on q, v): the eager norm's y goes (its weight is
     * frozen), the fused norm's input stays (the input's gradient needs it) */
    plan(&o, TMEM_ATTENTION_FLASH, TMEM_RECOMPUTE_NONE);
    o.lora_rank = 8;
    o.lora_targets = tmem_kind_set_or(tmem_lora_target_kinds("q"), tmem_lora_target_kinds("v"));
    assert_int_equal(tmem_train_activations(&llama, &llama_inv, &o, UINT64_MAX, &a, NULL), TMEM_OK);
    assert_int_equal(find(&a, "mlp_norm.y")->state, ABSENT);
    o.kernels = TMEM_KERNELS_FUSED;
    assert_int_equal(tmem_train_activations(&llama, &llama_inv, &o, UINT64_MAX, &a, NULL), TMEM_OK);
    assert_int_equal(find(&a, "mlp_norm.input")->state, SAVED);
    /* GPT-2 (LayerNorm, plain GELU): one op in every stack, the same bytes */
    static struct tmem_model gpt2;
    static struct tmem_inventory gpt2_inv;
    load("gpt2", &gpt2, &gpt2_inv);
    static struct tmem_act_inventory e, l;
    plan(&o, TMEM_ATTENTION_FLASH, TMEM_RECOMPUTE_NONE);
    o.seq = 1024;
    assert_int_equal(tmem_train_activations(&gpt2, &gpt2_inv, &o, UINT64_MAX, &e, NULL), TMEM_OK);
    o.kernels = TMEM_KERNELS_LIGER;
    assert_int_equal(tmem_train_activations(&gpt2, &gpt2_inv, &o, UINT64_MAX, &l, NULL), TMEM_OK);
    assert_int_equal(e.layer.total, l.layer.total);
    /* out of range: refused */
    o.kernels = TMEM_KERNELS_COUNT;
    assert_int_equal(tmem_train_activations(&llama, &llama_inv, &o, UINT64_MAX, &a, NULL), TMEM_ERR_INVALID_ARG);
}

/* Liger's fused linear cross-entropy (--kernels liger), Llama-3-8B shapes
 * (d_model 4096, n_vocab 128,256), b 1, s 2048, bf16:
 *   chunk = next_power_of_2(ceil(2048 / ceil(128,256 / 4096))) =
 *           next_power_of_2(ceil(2048 / 32)) = 64 tokens
 *   logits chunk 64 × 128,256 × 2 = 16,416,768 (the gradient is written into it)
 *   lm_head gradient made in the forward 128,256 × 4096 × 2 = 1,050,673,152
 *   no fp32 softmax copy, no logits gradient of its own: 0
 * and with a frozen lm_head (LoRA) grad_weight is None: 0. */
static void liger_cross_entropy_by_hand(void **state)
{
    (void)state;
    static struct tmem_model m;
    static struct tmem_inventory inv;
    load("llama-3-8b", &m, &inv);
    struct tmem_train_opts o;
    plan(&o, TMEM_ATTENTION_FLASH, TMEM_RECOMPUTE_NONE);
    o.seq = 2048;
    o.kernels = TMEM_KERNELS_LIGER;
    struct tmem_train_result r;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_LOGITS], U64(16416768));
    assert_int_equal(r.item_bytes[TMEM_TI_LOSS], U64(1050673152));
    assert_int_equal(r.item_bytes[TMEM_TI_LOGITS_GRAD], 0);
    o.lora_rank = 16;
    o.lora_targets = tmem_lora_target_kinds("all-linear");
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_LOSS], 0);
    assert_int_equal(r.item_bytes[TMEM_TI_LOGITS], U64(16416768));
}

/* state-spaces/mamba-130m-hf (config.json: d_model 768, intermediate_size
 * 1536, state_size 16, time_step_rank 48, conv_kernel 4, 24 layers,
 * residual_in_fp32 true), bf16-mixed (r = c = bf16), b 1, s 2048 (2048
 * tokens), the mixer as mamba_ssm's MambaInnerFn saves it (checkpoint_lvl 1,
 * selective_scan_interface.py; selective_scan.cpp: x = torch::empty({batch,
 * dim, n_chunks = (seqlen + 2047) / 2048, dstate * 2}, weight_type)):
 *   norm x fp32          2048 × 768 × 4            = 6,291,456
 *   norm rstd            2048 × 1 × 4              = 8,192
 *   norm y, in_proj in   2048 × 768 × 2            = 3,145,728 each
 *   xz                   1 × 2·1536 × 2048 × 2     = 12,582,912
 *   x_dbl                2048 × (48 + 2·16) × 2    = 327,680
 *   B, C                 1 × 1 × 16 × 2048 × 2     = 65,536 each
 *   scan out             1 × 1536 × 2048 × 2       = 6,291,456
 *   chunk states (fp32)  1 × 1536 × 1 × 32 × 4     = 196,608 (= 2048 × 24 × 4)
 * a layer 32,120,832 B = 2048 × 15,684; 24 layers 770,899,968. Full
 * recompute keeps the fp32 layer input: 2048 × 768 × 4 = 6,291,456. */
static const struct want mamba_none[] = {
    {"norm.x_fp32", SAVED, 6291456},
    {"norm.input", ABSENT, 3145728},
    {"norm.rstd", SAVED, 8192},
    {"norm.y", SAVED, 3145728},
    {"ssm.in_proj_input", SAVED, 3145728},
    {"ssm.xz", SAVED, 12582912},
    {"ssm.x_dbl", SAVED, 327680},
    {"ssm.B", SAVED, 65536},
    {"ssm.C", SAVED, 65536},
    {"ssm.scan_out", SAVED, 6291456},
    {"ssm.scan_chunk_states", SAVED, 196608},
    {"layer_input", ABSENT, 6291456},
};

static void mamba_130m_by_hand(void **state)
{
    (void)state;
    static struct tmem_model m;
    static struct tmem_inventory inv;
    static struct tmem_act_inventory a;
    load("mamba-130m", &m, &inv);
    struct tmem_train_opts o;
    plan(&o, TMEM_ATTENTION_FLASH, TMEM_RECOMPUTE_NONE);
    o.seq = 2048;
    assert_int_equal(tmem_train_activations(&m, &inv, &o, UINT64_MAX, &a, NULL), TMEM_OK);
    expect_list(&a, mamba_none, sizeof mamba_none / sizeof mamba_none[0]);
    assert_int_equal(a.layer.attn, U64(32120832));
    assert_int_equal(a.layer.mlp, 0);
    assert_int_equal(a.layer.scores, 0);
    assert_int_equal(a.layer.total, U64(32120832));
    assert_string_equal(find(&a, "ssm.xz")->shape_sym, "b × 2·d_inner × s");
    assert_string_equal(find(&a, "ssm.scan_chunk_states")->dtype_name, "fp32");
    struct tmem_train_result r;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], U64(24) * 32120832); /* 770,899,968 */
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_MLP], 0);
    /* the ends: token ids 8 B, norm_f on the fp32 residual (x and y fp32,
     * rstd) 8·768 + 4, the lm_head input (cast to bf16) 2·768: 2048 ×
     * (8 + 6148 + 1536) = 2048 × 7692 = 15,753,216 */
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENDS], U64(15753216));
    /* full recompute: 24 fp32 layer inputs, 24 × 6,291,456 = 150,994,944 */
    o.recompute = TMEM_RECOMPUTE_FULL;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_CKPT], U64(150994944));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], 0);
    /* s 3000: two chunks, 1536 × 2 × 32 = 98,304 fp32 per sequence, per
     * token ceil(98,304 / 3000) = 33: 3000 × 33 × 4 = 396,000 (exact 393,216) */
    o.recompute = TMEM_RECOMPUTE_NONE;
    o.seq = 3000;
    assert_int_equal(tmem_train_activations(&m, &inv, &o, UINT64_MAX, &a, NULL), TMEM_OK);
    assert_int_equal(find(&a, "ssm.scan_chunk_states")->bytes, U64(396000));
    /* LoRA r 8 on every linear: in_proj's adapter saves A's output, 2048 ×
     * 8 × 2 = 32,768; the frozen norm drops y (3,145,728); x_proj, dt_proj,
     * out_proj's adapters are never called (mamba_inner_fn reads .weight) */
    o.seq = 2048;
    o.lora_rank = 8;
    o.lora_targets = tmem_lora_target_kinds("all-linear");
    assert_true(tmem_kind_set_has(&o.lora_targets, TMEM_TENSOR_KIND_SSM_X_PROJ));
    struct tmem_kind_set mixer = tmem_kind_set_or(
        tmem_kind_set_or(tmem_lora_target_kinds("in_proj"), tmem_lora_target_kinds("x_proj")),
        tmem_kind_set_or(tmem_lora_target_kinds("dt_proj"), tmem_lora_target_kinds("out_proj")));
    assert_true(tmem_kind_set_has(&mixer, TMEM_TENSOR_KIND_SSM_IN_PROJ));
    assert_true(tmem_kind_set_has(&mixer, TMEM_TENSOR_KIND_SSM_X_PROJ));
    assert_true(tmem_kind_set_has(&mixer, TMEM_TENSOR_KIND_SSM_DT_PROJ));
    assert_true(tmem_kind_set_has(&mixer, TMEM_TENSOR_KIND_SSM_OUT_PROJ));
    /* out_proj is also BART's encoder self- and decoder cross-attention output, not the
     * decoder-only o_proj kind (Jamba's attention output is o_proj beside its mamba out_proj) */
    assert_false(tmem_kind_set_has(&mixer, TMEM_TENSOR_KIND_ATTN_O));
    assert_true(tmem_kind_set_has(&mixer, TMEM_TENSOR_KIND_XATTN_O));
    assert_true(tmem_kind_set_has(&mixer, TMEM_TENSOR_KIND_ENC_ATTN_O));
    /* all-linear holds the four */
    assert_true(tmem_kind_set_equal(tmem_kind_set_and(o.lora_targets, mixer), mixer));
    assert_int_equal(tmem_train_activations(&m, &inv, &o, UINT64_MAX, &a, NULL), TMEM_OK);
    assert_int_equal(find(&a, "lora.in_proj.a_out")->bytes, U64(32768));
    assert_int_equal(find(&a, "norm.y")->state, ABSENT);
    assert_int_equal(a.layer.attn, U64(32120832) - 3145728 + 32768);
    /* tensor / context parallel are refused */
    struct tmem_error err;
    o.lora_rank = 0;
    o.tp = 2;
    assert_int_equal(tmem_train_validate(&m, &o, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "--tp");
}

/* state-spaces/mamba2-2.7b in Mamba2Config keys (d_model 2560, 64 layers,
 * 80 heads of 64: d_inner 5120, d_state 128, n_groups 1), bf16-mixed, b 1,
 * s 2048, the mixer as MambaSplitConv1dScanCombinedFn saves it
 * (ops/triton/ssd_combined.py: zxbcdt, out_x, rstd):
 *   norm x fp32          2048 × 2560 × 4                        = 20,971,520
 *   norm rstd            2048 × 1 × 4                           = 8,192
 *   norm y, in_proj in   2048 × 2560 × 2                        = 10,485,760 each
 *   zxbcdt               2048 × (2·5120 + 2·1·128 + 80) × 2     = 2048 × 10,576 × 2 = 43,319,296
 *   out_x                2048 × 80·64 × 2                       = 20,971,520
 *   gated-norm rstd      2048 × 1 × 4                           = 8,192
 * a layer 106,250,240 = 2048 × 51,880; 64 layers 6,800,015,360. */
static void mamba2_2_7b_by_hand(void **state)
{
    (void)state;
    static struct tmem_model m;
    static struct tmem_inventory inv;
    static struct tmem_act_inventory a;
    load("mamba2-2.7b", &m, &inv);
    struct tmem_train_opts o;
    plan(&o, TMEM_ATTENTION_FLASH, TMEM_RECOMPUTE_NONE);
    o.seq = 2048;
    assert_int_equal(tmem_train_activations(&m, &inv, &o, UINT64_MAX, &a, NULL), TMEM_OK);
    static const struct want w[] = {
        {"norm.x_fp32", SAVED, 20971520}, {"norm.input", ABSENT, 10485760},
        {"norm.rstd", SAVED, 8192},       {"norm.y", SAVED, 10485760},
        {"ssm.in_proj_input", SAVED, 10485760}, {"ssm.zxbcdt", SAVED, 43319296},
        {"ssm.out_x", SAVED, 20971520},        {"ssm.norm_rstd", SAVED, 8192},
        {"layer_input", ABSENT, 20971520}, /* fp32: 2048 × 2560 × 4 */
    };
    expect_list(&a, w, sizeof w / sizeof w[0]);
    assert_int_equal(a.layer.total, U64(106250240));
    struct tmem_train_result r;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], U64(64) * 106250240); /* 6,800,015,360 */
    /* LoRA on in_proj and out_proj (peft#2274's targets): in_proj's A output
     * 2048 × 8 × 2 = 32,768; out_proj's adapter is never called (the
     * Function reads out_proj.weight); the frozen norm drops y */
    o.lora_rank = 8;
    o.lora_targets = tmem_kind_set_or(tmem_lora_target_kinds("in_proj"), tmem_lora_target_kinds("out_proj"));
    assert_int_equal(tmem_train_activations(&m, &inv, &o, UINT64_MAX, &a, NULL), TMEM_OK);
    assert_int_equal(a.layer.total, U64(106250240) - 10485760 + 32768);
}

static void bad_requests_are_refused(void **state)
{
    (void)state;
    static struct tmem_act_inventory a;
    struct tmem_train_opts o;
    plan(&o, TMEM_ATTENTION_FLASH, TMEM_RECOMPUTE_NONE);
    struct tmem_error err = {0};
    assert_int_equal(tmem_train_activations(&llama, &llama_inv, &o, UINT64_MAX, NULL, &err),
                     TMEM_ERR_INVALID_ARG);
    assert_int_equal(tmem_train_activations(&llama, NULL, &o, UINT64_MAX, &a, &err), TMEM_ERR_INVALID_ARG);
    assert_int_equal(tmem_train_activations(&llama, &llama_inv, &o, 1, &a, &err), TMEM_ERR_INVALID_ARG);
    assert_string_equal(err.where, "stage");
    o.tp = 3; /* does not divide 32 heads */
    assert_int_not_equal(tmem_train_activations(&llama, &llama_inv, &o, UINT64_MAX, &a, &err), TMEM_OK);
}

static int setup(void **state)
{
    (void)state;
    load("llama-2-7b", &llama, &llama_inv);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(llama_2_7b_flash_by_hand),
        cmocka_unit_test(llama_2_7b_naive_and_recompute),
        cmocka_unit_test(dropout_adds_exactly_the_masks),
        cmocka_unit_test(filters_are_named_per_tensor),
        cmocka_unit_test(mixtral_moe_block_by_hand),
        cmocka_unit_test(layer_sums_are_sums_over_the_list),
        cmocka_unit_test(fused_ce_gradient_formula_shows_both_parts),
        cmocka_unit_test(kernel_stacks_by_hand),
        cmocka_unit_test(liger_cross_entropy_by_hand),
        cmocka_unit_test(mamba_130m_by_hand),
        cmocka_unit_test(mamba2_2_7b_by_hand),
        cmocka_unit_test(bad_requests_are_refused),
    };
    return cmocka_run_group_tests_name("act", tests, setup, NULL);
}
