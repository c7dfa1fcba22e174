/* test_train.c — the training ledger against published figures (ZeRO paper
 * Figure 1, DeepSpeed's documented T0_3B estimator table, Korthikanti et
 * al. 2022 Table 2 for the 22B / 175B / 530B / 1T configurations) and hand
 * calculations written beside each check; plan validation; the DeepSpeed
 * config reader. */
#define _XOPEN_SOURCE 700
#include "harness.h"
#include "scratch.h"

#include "count_alloc.h"
#include "cli.h"
#include "reader.h"

#include <unistd.h>
#include "tmem/train.h"

static char scratch[512]; /* this run's private folder (scratch.h), removed at exit */

/* A resolved model of n_layer 1 whose inventory is one rows × cols matrix
 * (plus an optional vector): the published figures count parameters only. */
static void one_matrix(struct tmem_model *m, struct tmem_inventory *inv, uint64_t rows,
                       uint64_t cols, uint64_t vec)
{
    struct tmem_model raw;
    assert_int_equal(tmem_model_init(&raw, TMEM_FAMILY_LLAMA, NULL), TMEM_OK);
    raw.d_model = 64;
    raw.n_layer = 1;
    raw.n_head = 4;
    raw.d_ff = 128;
    raw.n_vocab = 16;
    assert_int_equal(tmem_model_resolve(&raw, m, NULL), TMEM_OK);
    memset(inv, 0, sizeof *inv);
    inv->n_tensors = vec ? 2 : 1;
    inv->tensors[0] = (struct tmem_tensor){.group = TMEM_GROUP_ATTENTION, .name = "attn.q_proj",
                                           .shape_sym = "", .count_sym = "n_layer", .rows = rows,
                                           .cols = cols, .count = 1, .count_active = 1,
                                           .params = rows * cols};
    if (vec)
        inv->tensors[1] = (struct tmem_tensor){.group = TMEM_GROUP_NORM, .name = "layer_norms.weight",
                                               .shape_sym = "", .count_sym = "n_layer", .rows = vec,
                                               .cols = 1, .count = 1, .count_active = 1, .params = vec};
    inv->total_params = inv->active_params = rows * cols + vec;
    inv->group_params[TMEM_GROUP_ATTENTION] = rows * cols;
    inv->group_params[TMEM_GROUP_NORM] = vec;
}

static uint64_t model_states(const struct tmem_train_result *r)
{
    return r->item_bytes[TMEM_TI_WEIGHTS] + r->item_bytes[TMEM_TI_GRADS] +
           r->item_bytes[TMEM_TI_MASTER] + r->item_bytes[TMEM_TI_STATE0] +
           r->item_bytes[TMEM_TI_STATE1];
}

/* EVIDENCE: Rajbhandari et al. 2020 (ZeRO), Figure 1: Ψ = 7.5B, N_d = 64,
 * K = 12 (fp16 mixed precision Adam): baseline (2 + 2 + K)Ψ = 120 GB;
 * P_os 2Ψ + 2Ψ + KΨ/N_d = 31.4 GB; P_os+g 2Ψ + (2 + K)Ψ/N_d = 16.6 GB;
 * P_os+g+p (2 + 2 + K)Ψ/N_d = 1.9 GB. Exactly: 120e9, 31.40625e9,
 * 16.640625e9, 1.875e9 bytes. */
static void zero_paper_figure_1(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    one_matrix(&m, &inv, 75000, 100000, 0); /* Ψ = 7.5e9 */
    const uint64_t want[4] = {U64(120000000000), U64(31406250000), U64(16640625000), U64(1875000000)};
    for (uint32_t z = 0; z <= 3; z++) {
        struct tmem_train_opts o;
        tmem_train_opts_default(&o);
        o.precision = TMEM_PRECISION_FP16_MIXED;
        o.optimizer = TMEM_OPTIMIZER_ADAM;
        o.gpus = 64;
        o.zero = z;
        o.seq = 16;
        struct tmem_train_result r;
        assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
        assert_int_equal(model_states(&r), want[z]);
    }
}

/* EVIDENCE: DeepSpeed docs (memory.rst, and HF's DeepSpeed guide),
 * estimate_zero3_model_states_mem_needs_all_live(bigscience/T0_3B, 1 GPU):
 * "2783M total params, 65M largest layer params"
 *      70.00GB |   0.25GB | offload_param=cpu , offload_optimizer=cpu , zero_init=1
 *      62.23GB |   5.43GB | offload_param=none, offload_optimizer=cpu , zero_init=1
 *       0.37GB |  46.91GB | offload_param=none, offload_optimizer=none, zero_init=1
 *      15.56GB |  46.91GB | offload_param=none, offload_optimizer=none, zero_init=0
 * (DeepSpeed's "GB" divides by 2^30). T0_3B is T5-v1.1-XL (d_model 2048,
 * d_ff 5120 gated, 24 + 24 layers, 32 heads × 64, vocab 32128); by hand:
 *   shared embedding 32128 × 2048 = 65,798,144 (the largest module)
 *   encoder layer 4·2048² + 3·2048·5120 + 2·2048 = 48,238,592, × 24
 *   decoder layer 8·2048² + 3·2048·5120 + 3·2048 = 65,017,856, × 24
 *   + 2 relative-position tables 32·32 + 2 final norms 2048
 *   total 2,783,959,040 (T5Model: no lm_head).
 * GPU: 4·65,798,144 + int(18·P) = 50,374,455,296 B = 46.91 GiB;
 *      + int(2·P) = 5,831,110,656 = 5.43; alone 263,192,576 = 0.25.
 * CPU: 18·P·1.5 = 75,166,894,080 = 70.00; 16·P·1.5 = 66,815,016,960 = 62.23;
 *      65,798,144·4·1.5 = 394,788,864 = 0.37; 4·P·1.5 = 16,703,754,240 = 15.56. */
static void deepspeed_estimator_t0_3b(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    one_matrix(&m, &inv, 1000, 1000, 0);
    const struct {
        enum tmem_offload off;
        bool zero_init;
        uint64_t gpu, cpu;
        const char *gpu_gib, *cpu_gib;
    } rows[] = {
        {TMEM_OFFLOAD_PARAMS, true, U64(263192576), U64(75166894080), "0.25", "70.00"},
        {TMEM_OFFLOAD_OPTIMIZER, true, U64(5831110656), U64(66815016960), "5.43", "62.23"},
        {TMEM_OFFLOAD_NONE, true, U64(50374455296), U64(394788864), "46.91", "0.37"},
        {TMEM_OFFLOAD_NONE, false, U64(50374455296), U64(16703754240), "46.91", "15.56"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct tmem_train_opts o;
        tmem_train_opts_default(&o);
        o.deepspeed_estimator = true;
        o.zero = 3;
        o.gpus = 1;
        o.offload = rows[i].off;
        o.ds_zero_init = rows[i].zero_init;
        o.ds_total_params = U64(2783959040);
        o.ds_largest_layer_params = U64(65798144);
        o.seq = 16;
        struct tmem_train_result r;
        assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
        assert_int_equal(r.peak_bytes, rows[i].gpu);
        assert_int_equal(r.host_bytes, rows[i].cpu);
        char g[16], c[16];
        snprintf(g, sizeof g, "%.2f", (double)r.peak_bytes / 1073741824.0);
        snprintf(c, sizeof c, "%.2f", (double)r.host_bytes / 1073741824.0);
        assert_string_equal(g, rows[i].gpu_gib);
        assert_string_equal(c, rows[i].cpu_gib);
        /* the ledger of the peak sums to the same figure */
        struct tmem_ledger l;
        assert_int_equal(tmem_train_ledger(&m, &inv, &o, &r, r.peak_phase, false, &l, NULL), TMEM_OK);
        assert_int_equal(l.total_bytes, rows[i].gpu);
    }
}

/* A GPT-style model (learned positions, LayerNorm, 4h GELU MLP, biases). */
static void gpt(struct tmem_model *m, uint64_t h, uint64_t a, uint64_t L)
{
    struct tmem_model raw;
    assert_int_equal(tmem_model_init(&raw, TMEM_FAMILY_GPT2, NULL), TMEM_OK);
    raw.d_model = h;
    raw.n_head = a;
    raw.n_layer = L;
    raw.n_vocab = 51200;
    raw.n_ctx = 2048;
    assert_int_equal(tmem_model_resolve(&raw, m, NULL), TMEM_OK);
}

/* EVIDENCE: Korthikanti et al. 2022, Table 2 (activation bytes per layer,
 * 16-bit activations, 1-byte dropout masks) and Table 3 (configurations,
 * s = 2048, V = 51200, t = 8):
 *   22B: a 64, h 6144, L 48, b 4, p 1   175B: a 96, h 12288, L 96, b 1, p 8
 *   530B: a 128, h 20480, L 105, b 1, p 35  1T: a 160, h 25600, L 128, b 1, p 64
 *   tensor parallel                 sbh(10 + 24/t + 5as/(ht))
 *   + sequence parallel             sbh(34/t + 5as/(ht))
 *   + selective recompute           sbh(34/t)      (TP only: sbh(10 + 24/t))
 *   full recompute                  2sbh           (with SP: 2sbh/t)
 * tmem also counts the two LayerNorms' fp32 mean and rstd (the paper leaves
 * them out): 16 bytes per token per layer, split by t only under SP.
 * The first pipeline stage of 1F1B holds L layers' worth (p micro-batches
 * of L/p layers). */
static void korthikanti_table_2(void **state)
{
    (void)state;
    const struct {
        uint64_t a, h, L, b, p;
    } cfg[] = {{64, 6144, 48, 4, 1}, {96, 12288, 96, 1, 8}, {128, 20480, 105, 1, 35}, {160, 25600, 128, 1, 64}};
    const uint64_t s = 2048, t = 8;
    static struct tmem_inventory inv;
    for (size_t i = 0; i < sizeof cfg / sizeof cfg[0]; i++) {
        struct tmem_model m;
        gpt(&m, cfg[i].h, cfg[i].a, cfg[i].L);
        assert_int_equal(tmem_inventory_build(&m, &inv, NULL), TMEM_OK);
        uint64_t sbh = s * cfg[i].b * cfg[i].h, as2b = cfg[i].a * s * s * cfg[i].b;
        uint64_t stats = 16 * s * cfg[i].b;
        struct tmem_train_opts o;
        tmem_train_opts_default(&o);
        o.precision = TMEM_PRECISION_FP16_MIXED;
        o.attention = TMEM_ATTENTION_NAIVE;
        o.dropout = TMEM_ON;
        o.seq = s;
        o.micro_batch = cfg[i].b;
        o.tp = t;
        o.pp = cfg[i].p;
        o.n_microbatches = 64;
        struct tmem_train_result r;
        /* TP: sbh·(10 + 24/t) + 5as²b/t */
        assert_int_equal(tmem_train_compute(&m, &inv, &o, 0, &r, NULL), TMEM_OK);
        assert_int_equal(r.layer_act.total - r.layer_act.norm_stats, sbh * 10 + sbh * 24 / t + 5 * as2b / t);
        assert_int_equal(r.layer_act.norm_stats, stats);
        /* first stage: p micro-batches × L/p layers = L layers */
        uint64_t layers = r.item_bytes[TMEM_TI_ACT_ATTN] + r.item_bytes[TMEM_TI_ACT_SCORES] +
                          r.item_bytes[TMEM_TI_ACT_MLP] + r.item_bytes[TMEM_TI_ACT_MASKS];
        assert_int_equal(layers, cfg[i].L * r.layer_act.total);
        /* TP + SP: (34 sbh + 5as²b)/t */
        o.sequence_parallel = true;
        assert_int_equal(tmem_train_compute(&m, &inv, &o, 0, &r, NULL), TMEM_OK);
        assert_int_equal(r.layer_act.total - r.layer_act.norm_stats, sbh * 34 / t + 5 * as2b / t);
        assert_int_equal(r.layer_act.norm_stats, stats / t);
        /* TP + SP + selective: 34 sbh / t */
        o.recompute = TMEM_RECOMPUTE_SELECTIVE;
        assert_int_equal(tmem_train_compute(&m, &inv, &o, 0, &r, NULL), TMEM_OK);
        assert_int_equal(r.layer_act.total - r.layer_act.norm_stats, sbh * 34 / t);
        /* TP + selective: sbh(10 + 24/t) */
        o.sequence_parallel = false;
        assert_int_equal(tmem_train_compute(&m, &inv, &o, 0, &r, NULL), TMEM_OK);
        assert_int_equal(r.layer_act.total - r.layer_act.norm_stats, sbh * 10 + sbh * 24 / t);
        /* full recompute: 2sbh, 2sbh/t with SP */
        o.recompute = TMEM_RECOMPUTE_FULL;
        assert_int_equal(tmem_train_compute(&m, &inv, &o, 0, &r, NULL), TMEM_OK);
        assert_int_equal(r.layer_act.total, 2 * sbh);
        o.sequence_parallel = true;
        assert_int_equal(tmem_train_compute(&m, &inv, &o, 0, &r, NULL), TMEM_OK);
        assert_int_equal(r.layer_act.total, 2 * sbh / t);
        /* no parallelism: sbh(34 + 5as/h) */
        o.sequence_parallel = false;
        o.recompute = TMEM_RECOMPUTE_NONE;
        o.tp = 1;
        assert_int_equal(tmem_train_compute(&m, &inv, &o, 0, &r, NULL), TMEM_OK);
        assert_int_equal(r.layer_act.total - r.layer_act.norm_stats, 34 * sbh + 5 * as2b);
    }
}

/* Llama-2-7B, bf16-mixed, flash, b 1, s 4096, per layer per token (HF eager):
 *   attention: RMSNorm 4h + 4 + 2h = 24,580; q/k/v input 2h = 8,192;
 *              flash q, k, v, out 2·(2·32 + 2·32)·128 = 32,768; lse 4·32 = 128
 *   MLP: RMSNorm 24,580 + input 8,192 + SwiGLU 4 · 2 · 11,008 = 88,064
 *   per layer 4096 · (32,772 + 32,896 + 32,772 + 88,064) = 4096 · 186,504 = 763,920,384
 * naive adds 4096² · 32 · (4 fp32 softmax + 2 bf16 copy) = 3,221,225,472
 * and saves q, k, v repeated to 32 heads: same widths here (MHA). */
static void llama_2_7b_layer_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    assert_int_equal(tmem_model_load("llama-2-7b", NULL, &m, NULL), TMEM_OK);
    assert_int_equal(tmem_model_resolve(&m, &m, NULL), TMEM_OK);
    assert_int_equal(tmem_inventory_build(&m, &inv, NULL), TMEM_OK);
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.seq = 4096;
    struct tmem_train_result r;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.layer_act.attn, U64(4096) * (32772 + 32896));
    assert_int_equal(r.layer_act.mlp, U64(4096) * (32772 + 88064));
    assert_int_equal(r.layer_act.total, U64(763920384));
    assert_int_equal(r.layer_act.scores, 0);
    o.attention = TMEM_ATTENTION_NAIVE;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.layer_act.scores, U64(3221225472));
    /* the peak is a phase, not the sum of every item: under a torch policy
     * (set_to_none gradients) the gradients are not there while the
     * activations are */
    o.precision = TMEM_PRECISION_BF16;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_phases[TMEM_TI_GRADS] & (1u << TMEM_PHASE_BACKWARD), 0);
    uint64_t all = 0;
    for (int i = 0; i < TMEM_TI_COUNT; i++)
        all += r.item_bytes[i];
    assert_true(r.peak_bytes < all);
    assert_int_equal(r.peak_phase, TMEM_PHASE_BACKWARD);
    /* with tp 2, norms stay whole: (6,738,415,616 − 65·4096) / 2 + 65·4096 */
    o.tp = 2;
    o.gpus = 2;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.layout.params, U64(3369340928));
}

/* Per-tensor optimizer states on one 1000 × 5000 matrix and a 1000 vector:
 *   adafactor (fp32 states): rows 1000·4, cols 5000·4, vector 1000·4
 *   adam8bit: 5,000,000 int8 per moment + 2·4·ceil(5e6/256) = 156,256 of
 *             absmax; the vector (< 4096) keeps fp32: 4000 per moment */
static void per_tensor_optimizer_states(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    one_matrix(&m, &inv, 1000, 5000, 1000);
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.seq = 16;
    o.optimizer = TMEM_OPTIMIZER_ADAFACTOR;
    struct tmem_train_result r;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_STATE0], 4000);
    assert_int_equal(r.item_bytes[TMEM_TI_STATE1], 20000);
    assert_int_equal(r.item_bytes[TMEM_TI_STATE2], 4000);
    o.optimizer = TMEM_OPTIMIZER_ADAM8BIT;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_STATE0], 5000000 + 4000);
    assert_int_equal(r.item_bytes[TMEM_TI_STATE1], 5000000 + 4000);
    assert_int_equal(r.item_bytes[TMEM_TI_STATE2], 156256);
    o.optimizer = TMEM_OPTIMIZER_SGD_MOMENTUM;
    o.precision = TMEM_PRECISION_BF16; /* pure bf16: the momentum is bf16 too */
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_STATE0], 2 * 5001000);
    assert_int_equal(r.item_bytes[TMEM_TI_MASTER], 0);
}

/* 1F1B: stage i holds min(pp − i, m) micro-batches; interleaved with v
 * chunks stage 0 holds (pp − 1)·2 + (v − 1)·pp + 1 chunks of L/(pp·v)
 * layers = L·(1 + (p − 1)/(p·v)) layers' worth. */
static void pipeline_in_flight(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    assert_int_equal(tmem_model_load("llama-2-7b", NULL, &m, NULL), TMEM_OK);
    assert_int_equal(tmem_model_resolve(&m, &m, NULL), TMEM_OK);
    assert_int_equal(tmem_inventory_build(&m, &inv, NULL), TMEM_OK);
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.seq = 2048;
    o.pp = 4;
    o.n_microbatches = 16;
    struct tmem_train_result r;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, 1, &r, NULL), TMEM_OK);
    assert_int_equal(r.layout.inflight_num, 3);
    assert_int_equal(r.layout.layers, 8);
    assert_false(r.layout.first);
    o.virtual_stages = 2;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, 0, &r, NULL), TMEM_OK);
    assert_int_equal(r.layout.inflight_num, 3 * 2 + 1 * 4 + 1); /* 11 chunks of 4 layers */
    assert_int_equal(r.layout.inflight_den, 2);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], (8 * r.layer_act.attn * 11 + 1) / 2);
    /* the embedding lives on stage 0, the lm_head on the last stage */
    o.virtual_stages = 1;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, 3, &r, NULL), TMEM_OK);
    assert_true(r.layout.last && r.item_bytes[TMEM_TI_LOGITS] > 0);
    assert_int_equal(r.layout.params, U64(8) * 202383360 + 4096 + U64(131072000));
}

static void expect_invalid(const struct tmem_model *m, const struct tmem_train_opts *o,
                           const char *where, const char *msg_part)
{
    struct tmem_error err = {0};
    assert_int_not_equal(tmem_train_validate(m, o, &err), TMEM_OK);
    assert_string_equal(err.where, where);
    if (strstr(err.msg, msg_part) == NULL)
        fail_msg("'%s' lacks '%s'", err.msg, msg_part);
}

static void bad_plans_are_refused(void **state)
{
    (void)state;
    struct tmem_model m, moe;
    assert_int_equal(tmem_model_load("llama-3-8b", NULL, &m, NULL), TMEM_OK); /* 32 heads, 8 KV heads */
    assert_int_equal(tmem_model_resolve(&m, &m, NULL), TMEM_OK);
    assert_int_equal(tmem_model_load("mixtral-8x7b", NULL, &moe, NULL), TMEM_OK);
    assert_int_equal(tmem_model_resolve(&moe, &moe, NULL), TMEM_OK);
    struct tmem_train_opts o, d;
    tmem_train_opts_default(&d);
    o = d, o.tp = 3;
    expect_invalid(&m, &o, "--tp", "a divisor of n_head (32)");
    o = d, o.tp = 16;
    expect_invalid(&m, &o, "--tp", "a divisor of n_kv_head (8)");
    o = d, o.pp = 33;
    expect_invalid(&m, &o, "--pp", "at most n_layer");
    o = d, o.ep = 3, o.gpus = 6;
    expect_invalid(&moe, &o, "--ep", "a divisor of n_expert (8)");
    o = d, o.ep = 2;
    expect_invalid(&m, &o, "--ep", "mixture-of-experts");
    o = d, o.gpus = 8, o.dp = 2, o.tp = 2;
    expect_invalid(&m, &o, "--gpus", "dp·tp·pp·cp (2·2·1·1)");
    o = d, o.gpus = 6, o.tp = 4;
    expect_invalid(&m, &o, "--gpus", "must be dp·tp·pp·cp");
    o = d, o.micro_batch = 0;
    expect_invalid(&m, &o, "--micro-batch", "is 0 but must be in [1, 1048576]");
    o = d, o.micro_batch = U64(1) << 30;
    expect_invalid(&m, &o, "--micro-batch", "in [1, 1048576]");
    o = d, o.seq = U64(1) << 30;
    expect_invalid(&m, &o, "--seq", "in [1, 16777216]");
    o = d, o.zero = 4;
    expect_invalid(&m, &o, "--zero", "in [0, 3]");
    o = d, o.zero = 2, o.fsdp = TMEM_FSDP_FULL;
    expect_invalid(&m, &o, "--fsdp", "give one");
    o = d, o.offload = TMEM_OFFLOAD_OPTIMIZER;
    expect_invalid(&m, &o, "--offload", "needs ZeRO");
    o = d, o.offload = TMEM_OFFLOAD_PARAMS, o.zero = 2;
    expect_invalid(&m, &o, "--offload", "ZeRO-3");
    struct tmem_model g;
    assert_int_equal(tmem_model_load("gpt2", NULL, &g, NULL), TMEM_OK);
    assert_int_equal(tmem_model_resolve(&g, &g, NULL), TMEM_OK);
    o = d, o.seq = 2048;
    expect_invalid(&g, &o, "--seq", "learned position table");
}

/* Sharding divides model states: FSDP full = ZeRO-3, HSDP shards within
 * the node, the distributed optimizer = ZeRO-1; offload moves the fp32
 * states to the host. */
static void sharding_and_offload(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    assert_int_equal(tmem_model_load("llama-2-7b", NULL, &m, NULL), TMEM_OK);
    assert_int_equal(tmem_model_resolve(&m, &m, NULL), TMEM_OK);
    assert_int_equal(tmem_inventory_build(&m, &inv, NULL), TMEM_OK);
    const uint64_t P = U64(6738415616);
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.seq = 1024;
    o.gpus = 16;
    struct tmem_train_result r;
    o.fsdp = TMEM_FSDP_FULL;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(model_states(&r), 16 * P / 16);
    o.fsdp = TMEM_FSDP_HYBRID; /* shard over the 8 GPUs of a node */
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(model_states(&r), 16 * P / 8);
    o.fsdp = TMEM_FSDP_OFF;
    o.distributed_optimizer = true; /* 2 + 2 + 12/16 */
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(model_states(&r), 4 * P + 12 * P / 16);
    o.distributed_optimizer = false;
    o.zero = 3;
    o.offload = TMEM_OFFLOAD_OPTIMIZER;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(model_states(&r), 4 * P / 16);
    /* host: master 4 + m, v 8 + fp32 grads 4, one rank's share */
    assert_int_equal(r.host_bytes, 16 * P / 16);
}

/* FSDP under pipeline parallelism (torch.distributed.pipelining stage.py:
 * set_requires_gradient_sync(False) for every micro-batch's backward, the
 * reduce-scatter after the last one; FSDP2 accumulates the unsharded
 * gradient in the reduce dtype). Llama 2 7B over 16 GPUs = pp 4 × dp 4,
 * stage 0 = 8 layers + the embedding:
 *   P_gpu = 8 × 202,383,360 + 32,000 × 4,096 = 1,619,066,880 + 131,072,000
 *         = 1,750,138,880
 *   unsharded gradients, bf16-mixed (2 B):      3,500,277,760 B
 *   unsharded gradients, bf16-fp32-grads (4 B): 7,000,555,520 B
 * Without PP only the unit in its backward is unsharded: the largest unit
 * (a layer, 202,383,360) × 2 B = 404,766,720 B. */
static void fsdp_under_pipeline_holds_stage_gradients(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    assert_int_equal(tmem_model_load("llama-2-7b", NULL, &m, NULL), TMEM_OK);
    assert_int_equal(tmem_model_resolve(&m, &m, NULL), TMEM_OK);
    assert_int_equal(tmem_inventory_build(&m, &inv, NULL), TMEM_OK);
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.seq = 1024;
    o.gpus = 16;
    o.pp = 4;
    o.n_microbatches = 4;
    o.fsdp = TMEM_FSDP_GRAD_OP;
    o.precision = TMEM_PRECISION_BF16_MIXED;
    struct tmem_train_result r;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, 0, &r, NULL), TMEM_OK);
    assert_int_equal(r.layout.params, U64(1750138880));
    assert_int_equal(r.item_bytes[TMEM_TI_UNSHARDED_GRADS], U64(3500277760));
    o.precision = TMEM_PRECISION_BF16_FP32_GRADS;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, 0, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_UNSHARDED_GRADS], U64(7000555520));
    o.precision = TMEM_PRECISION_BF16_MIXED;
    o.pp = 1;
    o.n_microbatches = 0;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, 0, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_UNSHARDED_GRADS], U64(404766720));
}

/* The ledger of a phase is the phase's total, and every entry has a formula. */
static void ledger_matches_phase_totals(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    assert_int_equal(tmem_model_load("mixtral-8x7b", NULL, &m, NULL), TMEM_OK);
    assert_int_equal(tmem_model_resolve(&m, &m, NULL), TMEM_OK);
    assert_int_equal(tmem_inventory_build(&m, &inv, NULL), TMEM_OK);
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.seq = 4096;
    o.gpus = 64;
    o.tp = 2;
    o.pp = 4;
    o.ep = 8;
    o.zero = 1;
    o.sequence_parallel = true;
    o.recompute = TMEM_RECOMPUTE_SELECTIVE;
    struct tmem_train_result r;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    for (int p = 0; p < TMEM_PHASE_COUNT; p++) {
        struct tmem_ledger l;
        assert_int_equal(tmem_train_ledger(&m, &inv, &o, &r, (enum tmem_phase)p, false, &l, NULL), TMEM_OK);
        assert_int_equal(l.total_bytes, r.phase_bytes[p]);
        for (uint32_t i = 0; i < l.n_entries; i++)
            if (strstr(l.entries[i].formula, " = ") == NULL)
                fail_msg("%s: '%s'", l.entries[i].label, l.entries[i].formula);
    }
    /* experts per GPU: 8 / ep 8 = 1 expert per MoE layer, split by tp 2 */
    assert_true(r.layout.expert_params > 0);
    assert_int_equal(r.layout.expert_params, U64(8) * 3 * 4096 * 14336 / 2);
}

static void suggestions_fit(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    assert_int_equal(tmem_model_load("llama-2-7b", NULL, &m, NULL), TMEM_OK);
    assert_int_equal(tmem_model_resolve(&m, &m, NULL), TMEM_OK);
    assert_int_equal(tmem_inventory_build(&m, &inv, NULL), TMEM_OK);
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.seq = 4096;
    o.gpus = 8;
    o.micro_batch = 4;
    const uint64_t cap = U64(85520809984); /* h100-sxm */
    struct tmem_train_result r;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_true(r.peak_bytes > cap);
    struct tmem_train_fix fx[TMEM_TRAIN_LEVER_COUNT];
    size_t n = tmem_train_suggest(&m, &inv, &o, cap, fx, TMEM_TRAIN_LEVER_COUNT);
    assert_true(n >= 1 && fx[0].fits);
    for (size_t i = 0; i < n; i++) {
        assert_true(fx[i].fits == (fx[i].peak_bytes <= cap)); /* those that fit, then those that do not */
        assert_int_equal(tmem_train_compute(&m, &inv, &fx[i].opts, UINT64_MAX, &r, NULL), TMEM_OK);
        assert_int_equal(r.peak_bytes, fx[i].peak_bytes);
    }
}

static void deepspeed_config_reader(void **state)
{
    (void)state;
    const char *cfg = "{\"train_micro_batch_size_per_gpu\": 2, \"gradient_accumulation_steps\": \"auto\","
                      " \"bf16\": {\"enabled\": true},"
                      " \"zero_optimization\": {\"stage\": 3, \"offload_optimizer\": {\"device\": \"cpu\"},"
                      " \"reduce_bucket_size\": 5e7, \"stage3_prefetch_bucket_size\": \"auto\"},"
                      " \"optimizer\": {\"type\": \"AdamW\"}}";
    struct tmem_ds_config d;
    struct tmem_error err = {0};
    assert_int_equal(tmem_ds_config_parse(cfg, strlen(cfg), "ds.json", NULL, &d, &err), TMEM_OK);
    assert_true(d.has_zero && d.zero_stage == 3);
    assert_true(d.has_offload && d.offload == TMEM_OFFLOAD_OPTIMIZER);
    assert_true(d.has_precision && d.precision == TMEM_PRECISION_BF16_MIXED);
    assert_true(d.has_micro_batch && d.micro_batch == 2);
    assert_false(d.has_grad_accum);
    assert_int_equal(d.reduce_bucket, 50000000);
    assert_int_equal(d.prefetch_bucket, 0);
    assert_true(d.has_optimizer && d.optimizer == TMEM_OPTIMIZER_ADAMW);
    const char *bad1 = "{\"zero_optimization\": {\"stage\": 4}}";
    assert_int_equal(tmem_ds_config_parse(bad1, strlen(bad1), "ds.json", NULL, &d, &err), TMEM_ERR_LIMIT);
    assert_string_equal(err.where, "ds.json:zero_optimization.stage");
    const char *bad2 = "{\"zero_optimization\": {\"stage\": \"three\"}}";
    assert_int_equal(tmem_ds_config_parse(bad2, strlen(bad2), "ds.json", NULL, &d, &err), TMEM_ERR_SCHEMA);
    const char *bad3 = "{\"zero_optimization\": {\"stage\": 3,,}}";
    assert_int_equal(tmem_ds_config_parse(bad3, strlen(bad3), "ds.json", NULL, &d, &err), TMEM_ERR_SYNTAX);
    assert_string_equal(err.where, "ds.json:1:35");
}

/* `tmem train` with its 1st, 2nd, ... allocation failing: each run ends
 * with exit 2, one error line and nothing on stdout, or succeeds (as
 * tests/unit/test_alloc.c does for the other commands). */
static int run_cli(const char *const *args, long *out_bytes, long *err_bytes)
{
    int argc = 0;
    char *argv[32];
    while (args[argc] != NULL) {
        argv[argc] = (char *)args[argc];
        argc++;
    }
    argv[argc] = NULL;
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(1), saved_err = dup(2);
    char po[600], pe[600];
    assert_non_null(freopen(ckw_scratch_path(po, sizeof po, scratch, "run.out"), "w", stdout));
    assert_non_null(freopen(ckw_scratch_path(pe, sizeof pe, scratch, "run.err"), "w", stderr));
    int rc = tmem_cli_run(argc, argv, &counting.a);
    fflush(stdout);
    fflush(stderr);
    *out_bytes = ftell(stdout);
    *err_bytes = ftell(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(saved_out);
    close(saved_err);
    return rc;
}

static void train_survives_every_failed_allocation(void **state)
{
    (void)state;
    char ds[600];
    ckw_scratch_path(ds, sizeof ds, scratch, "ds_config.json");
    FILE *f = fopen(ds, "w");
    assert_non_null(f);
    fputs("{\"zero_optimization\": {\"stage\": 3}, \"bf16\": {\"enabled\": true}}", f);
    fclose(f);
    const char *runs[][16] = {
        {"tmem", "train", "llama-2-7b", "--gpus", "8", "--zero", "3", "--json", NULL},
        {"tmem", "train", "llama-2-7b", "--gpus", "8", "--pp", "2", "--per-stage", "--gpu", "t4", NULL},
        {"tmem", "train", "llama-2-7b", "--gpus", "8", "--deepspeed", ds, "--json", NULL},
    };
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        long out, err;
        count_alloc_fail_at(0);
        uint64_t before = count_alloc_fail_at(0);
        assert_int_equal(run_cli(runs[i], &out, &err), 0);
        uint64_t needed = count_alloc_fail_at(0) - before;
        assert_true(out > 0);
        for (uint64_t n = 1; n <= needed; n++) {
            count_alloc_fail_at(n);
            int rc = run_cli(runs[i], &out, &err);
            count_alloc_fail_at(0);
            if (rc != 0 && (rc != 2 || out != 0 || err == 0))
                fail_msg("run %zu: allocation %llu of %llu: exit %d, %ld B out, %ld B err", i,
                         (unsigned long long)n, (unsigned long long)needed, rc, out, err);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(train_survives_every_failed_allocation),
        cmocka_unit_test(zero_paper_figure_1),
        cmocka_unit_test(deepspeed_estimator_t0_3b),
        cmocka_unit_test(korthikanti_table_2),
        cmocka_unit_test(llama_2_7b_layer_by_hand),
        cmocka_unit_test(per_tensor_optimizer_states),
        cmocka_unit_test(pipeline_in_flight),
        cmocka_unit_test(bad_plans_are_refused),
        cmocka_unit_test(sharding_and_offload),
        cmocka_unit_test(fsdp_under_pipeline_holds_stage_gradients),
        cmocka_unit_test(ledger_matches_phase_totals),
        cmocka_unit_test(suggestions_fit),
        cmocka_unit_test(deepspeed_config_reader),
    };
    if (ckw_scratch_dir(scratch, sizeof scratch, "tmem-train") != 0)
        return 1;
    int rc = cmocka_run_group_tests_name("train", tests, NULL, NULL);
    ckw_remove_tree(scratch);
    return rc;
}
