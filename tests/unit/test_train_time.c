/* test_train_time.c — the step-time model (tmem_train_time) against hand
 * figures written out here: FLOPs per token of Llama-2-7B (6·N_mm +
 * attention) and of Mixtral (active experts only), the compute time at
 * the named efficiency, a ring all-reduce 2(n−1)/n·bytes/bw + latency
 * inside a node and across nodes, ZeRO-3's gathers, the tensor-parallel
 * all-reduces, the 1F1B and interleaved bubbles, Float8 linears, a hybrid's
 * attention in its attention layers only, and that
 * every formula --explain prints is present. */
#include "harness.h"
#include "tmem/read.h"
#include "reader.h"

#include "tmem/train.h"

#include <math.h>
#include <string.h>

static struct tmem_train_time_text text; /* the last timed() call's formulas */
static struct tmem_train_result ledger;  /* and its ledger numbers */

static void timed(const struct tmem_model *m, const struct tmem_inventory *inv,
                  const struct tmem_train_opts *o, const struct tmem_train_time_opts *to,
                  struct tmem_train_time *t)
{
    struct tmem_error err = {0};
    if (tmem_train_compute(m, inv, o, UINT64_MAX, &ledger, &err) != TMEM_OK ||
        tmem_train_time(m, inv, o, &ledger, to, NULL, t, &text, &err) != TMEM_OK)
        fail_msg("%s: %s: %s", m->name, err.where, err.msg);
}

static void near(double got, double want, double rel)
{
    if (!(fabs(got - want) <= rel * fabs(want)))
        fail_msg("got %.9g, want %.9g", got, want);
}

static const struct tmem_gpu *h100(void)
{
    return tmem_gpu_find("h100-sxm");
}

/* N_mm = 32 × (4·4096² + 3·4096·11008) + 32000·4096 = 6,607,077,376;
 * 6·N_mm = 39,642,464,256; attention forward + backward, causal (flash),
 * s 4096: 3 × 2 × 2048 × (32·2·128) × 32 = 3,221,225,472 */
static void llama2_7b_flops_per_token_by_hand(void **state)
{
    (void)state;
    static struct tmem_model m;
    static struct tmem_inventory inv;
    tmem_test_load("llama-2-7b", &m, &inv);
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.seq = 4096;
    o.gpus = 8;
    o.zero = 3;
    struct tmem_train_time_opts to;
    tmem_train_time_defaults(&to, h100());
    struct tmem_train_time t;
    timed(&m, &inv, &o, &to, &t);
    assert_true(t.flops_per_token == 39642464256.0 + 3221225472.0);
    /* per GPU: 4096 tokens of it. Time: the matmuls (3 × 2 × N_mm per
     * token) at 0.40 × 989.4 TFLOP/s; flash attention's forward
     * 2 × 2048 × 8192 × 32 = 1,073,741,824 per token, its backward 5/2 of
     * that (FlashAttention-2 recomputes QKᵀ), at 0.35 × the bf16 peak */
    assert_int_equal(t.model_flops, U64(4096) * U64(42863689728));
    near(t.item_s[TMEM_TT_COMPUTE],
         4096.0 * 39642464256.0 / (989.4e12 * 0.40) + 4096.0 * 3.5 * 1073741824.0 / (989.4e12 * 0.35), 1e-12);
    /* eager attention computes the whole s² square: twice the causal term */
    o.attention = TMEM_ATTENTION_NAIVE;
    timed(&m, &inv, &o, &to, &t);
    assert_true(t.flops_per_token == 39642464256.0 + 2 * 3221225472.0);
    /* and runs the s² products as ordinary GEMMs (0.40, backward 2 × the
     * forward) while it moves the 1 × 32 × 4096 × 4096 bf16 scores through
     * HBM 4 times forward and 7 times backward per layer, at 3.35 TB/s */
    near(t.item_s[TMEM_TT_COMPUTE], 4096.0 * 39642464256.0 / (989.4e12 * 0.40) +
                                        4096.0 * 2 * 3221225472.0 / (989.4e12 * 0.40) +
                                        11.0 * 32 * 4096.0 * 4096 * 32 * 2 / 3350e9,
         1e-12);
    /* MFU: the job's model FLOPs over gpus × peak × step */
    near(t.mfu, t.flops_per_token * (double)t.tokens_per_step / (8 * 989.4e12 * t.step_s), 1e-12);
}

/* LoRA r 16 on q and v of Llama-2-7B, 1 GPU, b 1, s 4096, flash. The
 * frozen base needs the input gradient but no weight gradient: 2 × its
 * forward; the adapters (lora_A, lora_B) forward + both gradients: 3 ×.
 *   adapters: 32 layers × (q: 16·(4096 + 4096) + v: 16·(4096 + 4096))
 *             = 32 × 262,144 = 8,388,608 (PEFT prints 4,194,304 for r 8 on
 *             q_proj, v_proj of Llama-2-7b: half, as r is half)
 *   F_base = 2 × 4096 × 6,607,077,376 (N_mm + lm_head)  = 54,125,177,864,192
 *   F_ad   = 2 × 4096 × 8,388,608                       =     68,719,476,736
 *   F_att  = 2 × 4096 × 4096 × 8192 × 32 × ½            =  4,398,046,511,104
 *   step   = 2 × F_base + 3 × F_ad + 3 × F_att
 *          = 108,250,355,728,384 + 206,158,430,208 + 13,194,139,533,312
 *          = 121,650,653,691,904   (3 × F_base + 3 × F_att, the old
 *            formula: 175,569,673,125,888, 1.44 × as much)
 *   per token: 121,650,653,691,904 / 4096 = 29,699,866,624 */
static void lora_frozen_base_has_no_weight_gradient(void **state)
{
    (void)state;
    static struct tmem_model m;
    static struct tmem_inventory inv;
    tmem_test_load("llama-2-7b", &m, &inv);
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.seq = 4096;
    o.lora_rank = 16;
    o.lora_targets = tmem_kind_set_or(tmem_lora_target_kinds("q"), tmem_lora_target_kinds("v"));
    struct tmem_train_time_opts to;
    tmem_train_time_defaults(&to, h100());
    struct tmem_train_time t;
    timed(&m, &inv, &o, &to, &t);
    assert_int_equal(ledger.layout.trainable_matmul_params, 8388608);
    assert_int_equal(t.model_flops, U64(121650653691904));
    assert_true(t.flops_per_token == 29699866624.0);
    /* time: the matmuls (2 × F_base + 3 × F_ad = 108,456,514,158,592) at
     * 0.40, flash attention's F_att forward and 5/2 backward at 0.35 */
    near(t.item_s[TMEM_TT_COMPUTE],
         108456514158592.0 / (989.4e12 * to.efficiency) + 3.5 * 4398046511104.0 / (989.4e12 * to.attn_efficiency),
         1e-12);
    assert_non_null(strstr(text.formula[TMEM_TT_COMPUTE], "2 (frozen: no weight gradient)"));
    /* full fine-tuning of the same model: 3 × (F_base + F_att) */
    o.lora_rank = 0;
    o.lora_targets = (struct tmem_kind_set){{0}};
    timed(&m, &inv, &o, &to, &t);
    assert_int_equal(t.model_flops, U64(175569673125888));
}

/* DPO (TRL DPOTrainer) on Llama-2-7B, b 1, s 2048, one H100, flash: the
 * pair's chosen and rejected sequences are 2 × 2048 = 4096 tokens, and the
 * frozen reference runs a no-grad forward over the same 4096 each step.
 *   F_mm  = 2 × 4096 × 6,607,077,376 (N_mm + lm_head) = 54,125,177,864,192
 *   F_att = 2 × 4096 × 2048 × 8192 × 32 × ½           =  2,199,023,255,552
 *   time: (3 + 1) × F_mm at 0.40 × 989.4 TFLOP/s, (1 + 5/2 + 1) × F_att at 0.35
 *   model FLOPs (the policy's training): 3 × (F_mm + F_att) = 168,972,603,359,232
 *   hardware FLOPs: + the reference's F_mm + F_att        = 225,296,804,478,976
 * --ref-model none (precomputed log-probs): 3 × F_mm and 7/2 × F_att. */
static void dpo_reference_forward_by_hand(void **state)
{
    (void)state;
    static struct tmem_model m;
    static struct tmem_inventory inv;
    tmem_test_load("llama-2-7b", &m, &inv);
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.seq = 2048;
    o.dpo = true;
    struct tmem_train_time_opts to;
    tmem_train_time_defaults(&to, h100());
    struct tmem_train_time t;
    timed(&m, &inv, &o, &to, &t);
    assert_int_equal(t.tokens_per_step, 4096);
    assert_int_equal(t.model_flops, U64(168972603359232));
    assert_int_equal(t.hardware_flops, U64(225296804478976));
    near(t.item_s[TMEM_TT_COMPUTE],
         4.0 * 54125177864192.0 / (989.4e12 * 0.40) + 4.5 * 2199023255552.0 / (989.4e12 * 0.35), 1e-12);
    assert_non_null(strstr(text.formula[TMEM_TT_COMPUTE], "(3 + 1 reference forward)"));
    assert_non_null(strstr(text.attn_formula, "(1 + 5/2 + 1 reference) × m"));
    o.ref_model = TMEM_REF_MODEL_NONE;
    timed(&m, &inv, &o, &to, &t);
    assert_int_equal(t.hardware_flops, U64(168972603359232));
    near(t.item_s[TMEM_TT_COMPUTE],
         3.0 * 54125177864192.0 / (989.4e12 * 0.40) + 3.5 * 2199023255552.0 / (989.4e12 * 0.35), 1e-12);
    /* LoRA: the base with its adapters disabled still runs the reference's
     * forward: 2 + 1 forwards of the base */
    o.ref_model = TMEM_REF_MODEL_SAME;
    o.lora_rank = 16;
    o.lora_targets = tmem_kind_set_or(tmem_lora_target_kinds("q"), tmem_lora_target_kinds("v"));
    timed(&m, &inv, &o, &to, &t);
    assert_non_null(strstr(text.formula[TMEM_TT_COMPUTE], "(2 (frozen: no weight gradient) + 1 reference forward)"));
}

/* Mixtral-8x7B per token, 2 of 8 experts: per layer q, o 4096² each, k, v
 * 4096·1024 each (41,943,040), 2 experts × 3·4096·14336 (352,321,536),
 * router 4096·8 (32,768): 394,297,344; × 32 + lm_head 32000·4096 =
 * 12,748,587,008; × 6 = 76,491,522,048; attention 3 × 2 × 2048 × 8192 × 32 */
static void mixtral_counts_active_experts(void **state)
{
    (void)state;
    static struct tmem_model m;
    static struct tmem_inventory inv;
    tmem_test_load("mixtral-8x7b", &m, &inv);
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.seq = 4096;
    o.gpus = 8;
    o.ep = 8;
    o.zero = 3;
    struct tmem_train_time_opts to;
    tmem_train_time_defaults(&to, h100());
    struct tmem_train_time t;
    timed(&m, &inv, &o, &to, &t);
    assert_true(t.flops_per_token == 76491522048.0 + 3221225472.0);
    assert_true(t.item_s[TMEM_TT_EP] > 0.0);
    /* 4 all-to-alls per MoE layer of 4096 tokens × k 2 × 4096 × 2 B × 7/8 */
    double a2a = 4.0 * 32 * 4096 * 2 * 4096 * 2 * 7.0 / 8.0;
    near(t.item_s[TMEM_TT_EP], a2a / 450e9 + 4.0 * 32 * 7 * 5e-6, 1e-9);
}

/* DDP over 8 GPUs in a node: ring all-reduce of P·2 bytes, 2·7/8 of them at
 * 450 GB/s, plus 2·7 latency steps per 25 MiB bucket: ceil(13,476,831,232 /
 * 26,214,400) = 515 buckets; across 2 nodes (4 per node) the rings leave
 * each node over its 4 GPUs' NICs: 4 × 400 Gb/s = 4 × 50e9 B/s, 10 µs a
 * step; with one GPU per node, one NIC: 50e9 B/s */
static void ring_all_reduce_by_hand(void **state)
{
    (void)state;
    static struct tmem_model m;
    static struct tmem_inventory inv;
    tmem_test_load("llama-2-7b", &m, &inv);
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.seq = 4096;
    o.gpus = 8;
    struct tmem_train_time_opts to;
    tmem_train_time_defaults(&to, h100());
    struct tmem_train_time t;
    timed(&m, &inv, &o, &to, &t);
    double bytes = 6738415616.0 * 2;
    near(t.item_s[TMEM_TT_DP], 2.0 * 7 / 8 * bytes / 450e9 + 515.0 * 14 * 5e-6, 1e-12);
    /* overlapped with backward (2/3 of the compute): what sticks out */
    double bwd = 2.0 / 3.0 * t.item_s[TMEM_TT_COMPUTE];
    near(t.exposed_s[TMEM_TT_DP], t.item_s[TMEM_TT_DP] > bwd ? t.item_s[TMEM_TT_DP] - bwd : 0.0, 1e-12);
    o.gpus_per_node = 4;
    timed(&m, &inv, &o, &to, &t);
    near(t.item_s[TMEM_TT_DP], 2.0 * 7 / 8 * bytes / (4 * 50e9) + 515.0 * 14 * 10e-6, 1e-12);
    assert_true(t.crosses_nodes);
    near(t.step_s, t.item_s[TMEM_TT_COMPUTE] + t.exposed_s[TMEM_TT_DP], 1e-12);
    o.gpus_per_node = 1;
    timed(&m, &inv, &o, &to, &t);
    near(t.item_s[TMEM_TT_DP], 2.0 * 7 / 8 * bytes / 50e9 + 515.0 * 14 * 10e-6, 1e-12);
    /* 8 per node but a group of 16 at stride 2 (tp 2): 4 per node, 4 NICs;
     * per TP rank the split matrices / 2 + the 65 × 4096 replicated norm
     * weights: (6,738,415,616 − 266,240) / 2 + 266,240 = 3,369,340,928
     * parameters, 258 buckets of 25 MiB */
    o.gpus_per_node = 8;
    o.gpus = 32;
    o.tp = 2;
    timed(&m, &inv, &o, &to, &t);
    near(t.item_s[TMEM_TT_DP], 2.0 * 15 / 16 * 3369340928.0 * 2 / (4 * 50e9) + 258.0 * 30 * 10e-6, 1e-12);
}

/* ZeRO-3 over 8: per micro-batch two all-gathers of P·2 and a
 * reduce-scatter of P·2, 7/8 each; (32 layers + 2) units × 3 passes × 7
 * latency steps */
static void zero3_gathers_by_hand(void **state)
{
    (void)state;
    static struct tmem_model m;
    static struct tmem_inventory inv;
    tmem_test_load("llama-2-7b", &m, &inv);
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.seq = 4096;
    o.gpus = 8;
    o.zero = 3;
    struct tmem_train_time_opts to;
    tmem_train_time_defaults(&to, h100());
    struct tmem_train_time t;
    timed(&m, &inv, &o, &to, &t);
    near(t.item_s[TMEM_TT_DP], 6738415616.0 * 6 * 7 / 8 / 450e9 + 34.0 * 3 * 7 * 5e-6, 1e-12);
    /* prefetch hides it behind compute; the first unit (one layer,
     * 202,383,360 params, or the embedding 131,072,000) is exposed */
    near(t.exposed_s[TMEM_TT_DP], 202383360.0 * 2 * 7 / 8 / 450e9, 1e-9);
}

/* TP 2: 4 all-reduces per layer of b·s·d_model·2 B, ring 2·1/2 = 1:
 * 4 × 32 × 4096 × 4096 × 2 = 4,294,967,296 B at 450 GB/s + 4·32·2 steps */
static void tensor_parallel_all_reduces_by_hand(void **state)
{
    (void)state;
    static struct tmem_model m;
    static struct tmem_inventory inv;
    tmem_test_load("llama-2-7b", &m, &inv);
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.seq = 4096;
    o.tp = 2;
    o.gpus = 2;
    struct tmem_train_time_opts to;
    tmem_train_time_defaults(&to, h100());
    struct tmem_train_time t;
    timed(&m, &inv, &o, &to, &t);
    near(t.item_s[TMEM_TT_TP], 4294967296.0 / 450e9 + 256 * 5e-6, 1e-12);
    assert_true(t.exposed_s[TMEM_TT_TP] == t.item_s[TMEM_TT_TP]);
    /* --tp-overlap: pipelined with the matmuls, which take longer (3 × 2 ×
     * 4096 × N_mm/tp at 0.40 of the peak, N_mm/tp = 6,476,005,376 / 2 +
     * the 131,072,000 head / 2): nothing exposed, the step shorter by it */
    double step = t.step_s, mm = 3.0 * 2 * 4096 * (6476005376.0 / 2 + 131072000.0 / 2) / (989.4e12 * 0.40);
    assert_true(t.item_s[TMEM_TT_TP] < mm);
    to.tp_overlap = true;
    timed(&m, &inv, &o, &to, &t);
    assert_true(t.exposed_s[TMEM_TT_TP] == 0.0);
    near(t.step_s, step - t.item_s[TMEM_TT_TP], 1e-12);
    assert_non_null(strstr(text.formula[TMEM_TT_TP], "--tp-overlap"));
    to.tp_overlap = false;
    /* full recompute adds the forward's two: 6 per layer */
    o.recompute = TMEM_RECOMPUTE_FULL;
    timed(&m, &inv, &o, &to, &t);
    near(t.item_s[TMEM_TT_TP], 1.5 * 4294967296.0 / 450e9 + 384 * 5e-6, 1e-12);
    /* and the layers' forward again: N_mm without the head at 0.40, +
     * flash attention's forward at 0.35 (per TP rank) */
    double fwd_mm = 4096.0 * 2.0 * 6476005376.0 / 2, fwd_att = 4096.0 * 2.0 * 2048 * 8192 * 32 / 2;
    near(t.item_s[TMEM_TT_RECOMPUTE], fwd_mm / (989.4e12 * 0.40) + fwd_att / (989.4e12 * 0.35), 1e-9);
}

/* 1F1B over 4 stages, 8 micro-batches: fraction 3/11, the bubble 3/8 of
 * the pipelined time; interleaved with 2 chunks: 3/19 and 3/16 */
static void pipeline_bubble_by_hand(void **state)
{
    (void)state;
    static struct tmem_model m;
    static struct tmem_inventory inv;
    tmem_test_load("llama-2-7b", &m, &inv);
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.seq = 4096;
    o.pp = 4;
    o.gpus = 4;
    o.n_microbatches = 8;
    struct tmem_train_time_opts to;
    tmem_train_time_defaults(&to, h100());
    struct tmem_train_time t;
    timed(&m, &inv, &o, &to, &t);
    near(t.bubble_fraction, 3.0 / 11.0, 1e-15);
    double pipe = t.item_s[TMEM_TT_COMPUTE];
    near(t.item_s[TMEM_TT_BUBBLE], pipe * 3.0 / 8.0, 1e-12);
    /* p2p: 2 × 8 transfers of 4096 × 4096 × 2 B over NVLink, 5 µs each */
    near(t.item_s[TMEM_TT_PP], 16.0 * 4096 * 4096 * 2 / 450e9 + 16 * 5e-6, 1e-12);
    near(t.step_s, pipe + t.item_s[TMEM_TT_BUBBLE] + t.item_s[TMEM_TT_PP], 1e-12);
    o.virtual_stages = 2;
    timed(&m, &inv, &o, &to, &t);
    near(t.bubble_fraction, 3.0 / 19.0, 1e-15);
    near(t.item_s[TMEM_TT_BUBBLE], t.item_s[TMEM_TT_COMPUTE] * 3.0 / 16.0, 1e-12);
    /* the slowest stage: 8 layers and the lm_head (the last) */
    double last_mm = 8.0 * 2 * 4096.0 * 6476005376.0 / 32 + 2 * 4096.0 * 131072000;
    double last_att = 8.0 * 2.0 * 4096 * 2048 * 8192;
    near(t.item_s[TMEM_TT_COMPUTE], 3.0 * 8 * last_mm / (989.4e12 * 0.40) + 3.5 * 8 * last_att / (989.4e12 * 0.35),
         1e-12);
}

/* Float8 linears: the matmuls at 0.40 × 1978.9 TFLOP/s, attention still
 * bf16 at its own 0.35 */
static void float8_runs_matmuls_at_the_fp8_rate(void **state)
{
    (void)state;
    static struct tmem_model m;
    static struct tmem_inventory inv;
    tmem_test_load("llama-2-7b", &m, &inv);
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.seq = 4096;
    struct tmem_train_time_opts to;
    tmem_train_time_defaults(&to, h100());
    to.float8 = true;
    struct tmem_train_time t;
    timed(&m, &inv, &o, &to, &t);
    double mm = 3.0 * 4096 * 2 * 6607077376.0, att = 3.5 * 4096 * 3221225472.0 / 3;
    near(t.item_s[TMEM_TT_COMPUTE], mm / (1978.9e12 * 0.40) + att / (989.4e12 * 0.35), 1e-12);
    assert_non_null(strstr(text.formula[TMEM_TT_COMPUTE], "1.98 PFLOP/s"));
}

/* every item that costs time has its formula, ending in its seconds */
static void formulas_are_written(void **state)
{
    (void)state;
    static struct tmem_model m;
    static struct tmem_inventory inv;
    tmem_test_load("mixtral-8x7b", &m, &inv);
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.seq = 8192;
    o.tp = 2;
    o.cp = 2;
    o.pp = 2;
    o.ep = 2;
    o.gpus = 16;
    o.zero = 1;
    o.offload = TMEM_OFFLOAD_OPTIMIZER;
    o.recompute = TMEM_RECOMPUTE_SELECTIVE;
    struct tmem_train_time_opts to;
    tmem_train_time_defaults(&to, h100());
    struct tmem_train_time t;
    timed(&m, &inv, &o, &to, &t);
    for (int i = 0; i < TMEM_TT_COUNT; i++) {
        assert_true(t.exposed_s[i] <= t.item_s[i] + 1e-15);
        if (t.item_s[i] > 0.0) {
            assert_true(strlen(text.formula[i]) > 10);
            assert_non_null(strstr(text.formula[i], " = "));
        }
    }
    for (int i = TMEM_TT_RECOMPUTE; i < TMEM_TT_COUNT; i++)
        if (t.item_s[i] <= 0.0)
            fail_msg("%s is 0 in a plan that uses it", tmem_time_item_name((enum tmem_time_item)i));
    /* the hardware did the recompute too: HFU above MFU */
    assert_true(t.hfu > t.mfu);
}

static void bad_time_options_are_refused(void **state)
{
    (void)state;
    static struct tmem_model m;
    static struct tmem_inventory inv;
    tmem_test_load("llama-2-7b", &m, &inv);
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    struct tmem_train_result r;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    struct tmem_train_time_opts to;
    struct tmem_train_time t;
    struct tmem_error err = {0};
    tmem_train_time_defaults(&to, NULL);
    assert_int_equal(tmem_train_time(&m, &inv, &o, &r, &to, NULL, &t, NULL, &err), TMEM_ERR_INVALID_ARG);
    tmem_train_time_defaults(&to, h100());
    to.efficiency = 0.0;
    assert_int_equal(tmem_train_time(&m, &inv, &o, &r, &to, NULL, &t, NULL, &err), TMEM_ERR_INVALID_ARG);
    assert_string_equal(err.where, "--efficiency");
}

/* mamba-130m: the matmuls are the mixer's four linears per layer, in_proj
 * 768 × 3072 = 2,359,296, x_proj 1536 × 80 = 122,880, dt_proj 48 × 1536 =
 * 73,728, out_proj 1536 × 768 = 1,179,648 (3,735,552; × 24 = 89,653,248),
 * and the tied lm_head 50280 × 768 = 38,615,040: 6 × 128,268,288 =
 * 769,609,728 FLOPs per token; no attention term (the scan, ~9 · 1536 · 16
 * per token per layer, is not counted: README). b 1, s 2048 on one H100. */
static void mamba_130m_flops_by_hand(void **state)
{
    (void)state;
    static struct tmem_model m;
    static struct tmem_inventory inv;
    tmem_test_load("mamba-130m", &m, &inv);
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.seq = 2048;
    struct tmem_train_time_opts to;
    tmem_train_time_defaults(&to, h100());
    struct tmem_train_time t;
    timed(&m, &inv, &o, &to, &t);
    assert_true(t.flops_per_token == 769609728.0);
    assert_int_equal(t.model_flops, U64(2048) * U64(769609728));
    near(t.item_s[TMEM_TT_COMPUTE], 2048.0 * 769609728.0 / (989.4e12 * 0.40), 1e-12);
}

/* A hybrid attends in its attention layers only. A small Jamba (the config
 * of test_hybrid.c and tests/validate/hybrid.py): d 64, 4 layers, layer 1
 * attends (4 heads of 16, 2 KV heads), layers 0, 2, 3 are Mamba (d_inner
 * 128, d_state 16, dt_rank 8); layers 0 and 2 MoE (4 experts of 128, top 2),
 * 1 and 3 a SwiGLU of 128; V 256, untied. Matmul weights a token passes:
 *   attention (1 layer): q 64·64 + k 64·32 + v 64·32 + o 64·64  =  12,288
 *   Mamba (3 layers): in_proj 64·256 + x_proj 128·(8 + 2·16) +
 *     dt_proj 8·128 + out_proj 128·64 = 30,720; × 3            =  92,160
 *   MLP (2 layers): 3 · 64·128 = 24,576; × 2                    =  49,152
 *   MoE (2 layers): router 64·4 + 2 active experts · 3 · 64·128
 *     = 49,408; × 2                                             =  98,816
 *   lm_head 256·64                                              =  16,384
 *   N_mm                                                        = 268,800
 * 6 · N_mm = 1,612,800 per token; attention forward + backward, flash
 * (causal), s 2048, in the one attention layer, not in n_layer = 4:
 *   3 × 2 × (2048 / 2) × (4 · 2 · 16) × 1 = 786,432
 * = 2,399,232 FLOPs per token (the scan is not counted: README). */
static const char jamba_small[] =
    "{\"model_type\": \"jamba\", \"vocab_size\": 256, \"hidden_size\": 64, \"intermediate_size\": 128, "
    "\"num_hidden_layers\": 4, \"num_attention_heads\": 4, \"num_key_value_heads\": 2, "
    "\"attn_layer_period\": 4, \"attn_layer_offset\": 1, \"expert_layer_period\": 2, "
    "\"expert_layer_offset\": 0, \"num_experts\": 4, \"num_experts_per_tok\": 2, "
    "\"mamba_d_state\": 16, \"mamba_d_conv\": 4, \"mamba_expand\": 2, \"mamba_dt_rank\": 8, "
    "\"attention_dropout\": 0.0}";

static void hybrid_attends_in_its_attention_layers(void **state)
{
    (void)state;
    static struct tmem_model m;
    static struct tmem_inventory inv;
    struct tmem_model raw;
    struct tmem_error err = {0};
    if (tmem_hf_config_parse(jamba_small, strlen(jamba_small), "config.json", NULL, &raw, &err) != TMEM_OK ||
        tmem_model_resolve(&raw, &m, &err) != TMEM_OK || tmem_inventory_build(&m, &inv, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    const uint64_t attn = 64 * 64 + 64 * 32 + 64 * 32 + 64 * 64;
    const uint64_t mamba = 64 * 256 + 128 * (8 + 2 * 16) + 8 * 128 + 128 * 64;
    const uint64_t mlp = 3 * 64 * 128;
    const uint64_t moe = 64 * 4 + 2 * mlp;
    const uint64_t n_mm = attn + 3 * mamba + 2 * mlp + 2 * moe + 256 * 64;
    assert_int_equal(n_mm, U64(268800));
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.seq = 2048;
    o.attention = TMEM_ATTENTION_FLASH;
    struct tmem_train_time_opts to;
    tmem_train_time_defaults(&to, h100());
    struct tmem_train_time t;
    timed(&m, &inv, &o, &to, &t);
    const double att = 3.0 * 2 * (2048 / 2) * (4 * 2 * 16) * 1;
    assert_true(att == 786432.0);
    assert_true(t.flops_per_token == 6.0 * (double)n_mm + att);
    assert_true(t.flops_per_token == 2399232.0);
    /* the step: 2048 tokens of it */
    assert_int_equal(t.model_flops, U64(2048) * U64(2399232));
    /* eager attention: the whole square, twice the causal term */
    o.attention = TMEM_ATTENTION_NAIVE;
    timed(&m, &inv, &o, &to, &t);
    assert_true(t.flops_per_token == 6.0 * (double)n_mm + 2 * att);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(llama2_7b_flops_per_token_by_hand),
        cmocka_unit_test(mamba_130m_flops_by_hand),
        cmocka_unit_test(hybrid_attends_in_its_attention_layers),
        cmocka_unit_test(lora_frozen_base_has_no_weight_gradient),
        cmocka_unit_test(dpo_reference_forward_by_hand),
        cmocka_unit_test(mixtral_counts_active_experts),
        cmocka_unit_test(ring_all_reduce_by_hand),
        cmocka_unit_test(zero3_gathers_by_hand),
        cmocka_unit_test(tensor_parallel_all_reduces_by_hand),
        cmocka_unit_test(pipeline_bubble_by_hand),
        cmocka_unit_test(float8_runs_matmuls_at_the_fp8_rate),
        cmocka_unit_test(formulas_are_written),
        cmocka_unit_test(bad_time_options_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
