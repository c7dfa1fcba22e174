/* test_properties.c — properties that must hold for every model, checked
 * over all built-in presets and a sweep of sizes: KV bytes are linear in
 * batch and in context; the inference ledger never shrinks when the batch,
 * the context or the weight width grows, and never grows when tensor
 * parallelism does; an inventory grows with every dimension; the training
 * peak never falls as the micro-batch or the sequence grows, and never rises
 * as sharded data-parallel GPUs are added. */
#include "harness.h"
#include "tmem/read.h"
#include "reader.h"
#include "tmem/infer.h"
#include "tmem/train.h"

static struct tmem_infer_result R;

static uint64_t infer_total(const struct tmem_model *m, const struct tmem_inventory *inv,
                            const struct tmem_infer_opts *o, uint64_t *kv)
{
    struct tmem_error err = {0};
    if (tmem_infer_build(m, inv, o, &R, &err) != TMEM_OK)
        fail_msg("%s: %s: %s", m->name, err.where, err.msg);
    if (kv)
        *kv = R.ledger.bucket_bytes[TMEM_BUCKET_KV_CACHE];
    return R.ledger.total_bytes;
}

static void kv_is_linear_in_batch_and_context(void **state)
{
    (void)state;
    for (size_t i = 0; i < tmem_preset_count(); i++) {
        struct tmem_model m;
        struct tmem_inventory inv;
        tmem_test_load(tmem_preset_at(i)->name, &m, &inv);
        if (!tmem_test_servable(&m))
            continue; /* infer / train refuse encoders */
        struct tmem_infer_opts o;
        tmem_infer_defaults(&o);
        o.gpu = tmem_gpu_find("h200");
        o.engine = TMEM_ENGINE_HF; /* unpaged: exact linearity */
        o.kv_dtype = TMEM_KV_BF16;
        uint64_t kv1, kv3, kv_long;
        o.batch = 1;
        infer_total(&m, &inv, &o, &kv1);
        o.batch = 3;
        infer_total(&m, &inv, &o, &kv3);
        assert_int_equal(kv3, 3 * kv1);
        /* context: without a sliding window, twice the tokens, twice the KV
         * (an SSM model's state does not grow: test_ssm.c) */
        if (m.sliding_window == 0 && m.ssm == TMEM_SSM_NONE) {
            o.batch = 1;
            o.prompt_tokens = 2 * 512 + 128; /* (512 + 128) · 2 tokens in all */
            infer_total(&m, &inv, &o, &kv_long);
            assert_int_equal(kv_long, 2 * kv1);
        }
    }
}

static void the_ledger_grows_with_batch_context_and_weight_width(void **state)
{
    (void)state;
    const enum tmem_wformat widths[] = {TMEM_WF_INT4, TMEM_WF_INT8, TMEM_WF_BF16, TMEM_WF_FP32};
    for (size_t i = 0; i < tmem_preset_count(); i++) {
        struct tmem_model m;
        struct tmem_inventory inv;
        tmem_test_load(tmem_preset_at(i)->name, &m, &inv);
        if (!tmem_test_servable(&m))
            continue; /* infer / train refuse encoders */
        struct tmem_infer_opts o;
        tmem_infer_defaults(&o);
        o.gpu = tmem_gpu_find("b200");
        o.allow_long_context = true; /* the sweep passes small models' n_ctx (refusal: test_infer) */
        uint64_t prev = 0;
        for (uint64_t b = 1; b <= 64; b *= 4) {
            o.batch = b;
            uint64_t t = infer_total(&m, &inv, &o, NULL);
            assert_true(t >= prev);
            prev = t;
        }
        o.batch = 1;
        prev = 0;
        for (uint64_t s = 128; s <= 32768; s *= 4) {
            o.prompt_tokens = s;
            uint64_t t = infer_total(&m, &inv, &o, NULL);
            assert_true(t >= prev);
            prev = t;
        }
        o.prompt_tokens = 512;
        prev = 0;
        for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
            o.weights = widths[w];
            struct tmem_error err = {0};
            if (tmem_infer_build(&m, &inv, &o, &R, &err) != TMEM_OK)
                continue; /* a group size that does not divide: not a width question */
            assert_true(R.weight_bytes >= prev);
            prev = R.weight_bytes;
        }
    }
}

static void tensor_parallel_never_adds_per_gpu_memory(void **state)
{
    (void)state;
    for (size_t i = 0; i < tmem_preset_count(); i++) {
        struct tmem_model m;
        struct tmem_inventory inv;
        tmem_test_load(tmem_preset_at(i)->name, &m, &inv);
        if (!tmem_test_servable(&m))
            continue; /* infer / train refuse encoders */
        struct tmem_infer_opts o;
        tmem_infer_defaults(&o);
        o.gpu = tmem_gpu_find("h100-sxm");
        uint64_t prev = UINT64_MAX, prev_kv = UINT64_MAX;
        for (uint64_t tp = 1; tp <= 8; tp *= 2) {
            if (m.n_head % tp != 0 ||
                (tp <= m.n_kv_head ? m.n_kv_head % tp != 0 : tp % m.n_kv_head != 0))
                break;
            o.tp = tp;
            uint64_t kv;
            infer_total(&m, &inv, &o, &kv);
            assert_true(R.weight_bytes <= prev);
            assert_true(kv <= prev_kv);
            prev = R.weight_bytes;
            prev_kv = kv;
        }
    }
}

/* Every dimension adds parameters: one more layer, a wider model, a bigger
 * vocabulary, a wider MLP never count fewer. */
static void inventories_grow_with_every_dimension(void **state)
{
    (void)state;
    for (size_t i = 0; i < tmem_preset_count(); i++) {
        struct tmem_model raw, m;
        struct tmem_inventory inv;
        assert_int_equal(tmem_model_load(tmem_preset_at(i)->name, NULL, &raw, NULL), TMEM_OK);
        assert_int_equal(tmem_model_resolve(&raw, &m, NULL), TMEM_OK);
        assert_int_equal(tmem_inventory_build(&m, &inv, NULL), TMEM_OK);
        uint64_t base = inv.total_params;
        struct tmem_model g = m;
        g.n_layer += 1;
        assert_int_equal(tmem_inventory_build(&g, &inv, NULL), TMEM_OK);
        assert_true(inv.total_params > base);
        g = m;
        g.n_vocab += 64;
        assert_int_equal(tmem_inventory_build(&g, &inv, NULL), TMEM_OK);
        assert_true(inv.total_params > base);
        g = m;
        g.d_ff += 64;
        if (g.d_ff_expert)
            g.d_ff_expert += 64;
        assert_int_equal(tmem_inventory_build(&g, &inv, NULL), TMEM_OK);
        assert_true(inv.total_params > base || tmem_model_moe_layers(&m) == m.n_layer);
        assert_true(inv.active_params <= inv.total_params);
    }
}

/* Model states on one GPU: weights, gradients (16- and 32-bit), master
 * copy and optimizer states. */
static uint64_t model_states(const struct tmem_train_result *r)
{
    const enum tmem_train_item items[] = {TMEM_TI_WEIGHTS, TMEM_TI_GRADS, TMEM_TI_GRADS_FP32,
                                          TMEM_TI_MASTER,  TMEM_TI_STATE0, TMEM_TI_STATE1,
                                          TMEM_TI_STATE2};
    uint64_t sum = 0;
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++)
        sum += r->item_bytes[items[i]];
    return sum;
}

static uint64_t activations(const struct tmem_train_result *r)
{
    uint64_t sum = 0;
    for (int i = TMEM_TI_ACT_ATTN; i <= TMEM_TI_ACT_ENDS; i++)
        sum += r->item_bytes[i];
    return sum;
}

static void train(const struct tmem_model *m, const struct tmem_inventory *inv,
                  const struct tmem_train_opts *o, struct tmem_train_result *r)
{
    struct tmem_error err = {0};
    if (tmem_train_compute(m, inv, o, UINT64_MAX, r, &err) != TMEM_OK)
        fail_msg("%s: %s: %s", m->name, err.where, err.msg);
}

/* Issue 6's properties: per-GPU model states never grow when the ZeRO stage
 * or the data-parallel degree grows; activations never grow when
 * recomputation is turned up. Every preset, every optimizer and policy. */
static void sharding_and_recompute_never_add_memory(void **state)
{
    (void)state;
    static struct tmem_train_result r;
    const enum tmem_optimizer opts[] = {TMEM_OPTIMIZER_ADAMW, TMEM_OPTIMIZER_SGD_MOMENTUM, TMEM_OPTIMIZER_ADAFACTOR};
    for (size_t i = 0; i < tmem_preset_count(); i++) {
        struct tmem_model m;
        struct tmem_inventory inv;
        tmem_test_load(tmem_preset_at(i)->name, &m, &inv);
        if (!tmem_test_servable(&m))
            continue; /* infer / train refuse encoders */
        if (!tmem_test_trainable(&m))
            continue; /* train refuses it (tmem_test_trainable) */
        for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++) {
            struct tmem_train_opts o;
            tmem_train_opts_default(&o);
            o.optimizer = opts[k];
            o.seq = 1024;
            o.gpus = 8;
            uint64_t prev = UINT64_MAX;
            for (uint32_t z = 0; z <= 3; z++) {
                o.zero = z;
                train(&m, &inv, &o, &r);
                assert_true(model_states(&r) <= prev);
                prev = model_states(&r);
            }
            prev = UINT64_MAX;
            for (uint64_t dp = 1; dp <= 64; dp *= 2) {
                o.zero = 3;
                o.gpus = dp;
                train(&m, &inv, &o, &r);
                assert_true(model_states(&r) <= prev);
                prev = model_states(&r);
            }
            o.gpus = 8;
            o.zero = 1;
            prev = UINT64_MAX;
            const enum tmem_recompute rc[] = {TMEM_RECOMPUTE_NONE, TMEM_RECOMPUTE_SELECTIVE,
                                              TMEM_RECOMPUTE_FULL};
            for (int a = 0; a < 2; a++) {
                o.attention = a ? TMEM_ATTENTION_FLASH : TMEM_ATTENTION_NAIVE;
                prev = UINT64_MAX;
                for (size_t j = 0; j < 3; j++) {
                    o.recompute = rc[j];
                    train(&m, &inv, &o, &r);
                    assert_true(activations(&r) <= prev);
                    prev = activations(&r);
                }
            }
        }
    }
}

/* What the solvers (tmem_train_max_micro_batch, tmem_train_max_seq) rest
 * on: the training peak never falls when the micro-batch or the sequence
 * grows. Every preset, flash and naive attention, each recompute level,
 * fused cross-entropy, and a pipeline with tensor and sequence parallel. */
static void train_peak_grows_with_micro_batch_and_seq(void **state)
{
    (void)state;
    static struct tmem_train_result r;
    for (size_t i = 0; i < tmem_preset_count(); i++) {
        struct tmem_model m;
        struct tmem_inventory inv;
        tmem_test_load(tmem_preset_at(i)->name, &m, &inv);
        if (!tmem_test_servable(&m))
            continue; /* infer / train refuse encoders */
        if (!tmem_test_trainable(&m))
            continue; /* train refuses it (tmem_test_trainable) */
        for (int v = 0; v < 4; v++) {
            struct tmem_train_opts o;
            tmem_train_opts_default(&o);
            o.gpus = 8;
            o.zero = 3;
            o.attention = v & 1 ? TMEM_ATTENTION_NAIVE : TMEM_ATTENTION_FLASH;
            o.recompute = (enum tmem_recompute)(v % 3);
            o.fused_ce = v >= 2;
            if (v == 3 && m.n_layer >= 2 && m.n_head % 2 == 0 && m.n_kv_head % 2 == 0) {
                o.pp = 2;
                o.tp = m.ssm == TMEM_SSM_NONE ? 2 : 1; /* train refuses --tp for Mamba layers */
                o.sequence_parallel = true;
                o.gpus = 16;
            }
            o.seq = 512;
            uint64_t prev = 0;
            for (uint64_t b = 1; b <= 9; b++) {
                o.micro_batch = b;
                train(&m, &inv, &o, &r);
                assert_true(r.peak_bytes >= prev);
                prev = r.peak_bytes;
            }
            o.micro_batch = 2;
            prev = 0;
            uint64_t top = m.learned_pos && m.n_pos < 4096 ? m.n_pos : 4096;
            for (uint64_t s = 1; s <= top; s += s < 64 ? 1 : 61) {
                o.seq = s;
                train(&m, &inv, &o, &r);
                assert_true(r.peak_bytes >= prev);
                prev = r.peak_bytes;
            }
        }
    }
}

/* What the more-GPUs fix bisects on: with sharding, the peak never rises
 * as data-parallel GPUs are added (any count, not only powers of two). */
static void train_peak_never_rises_with_sharded_gpus(void **state)
{
    (void)state;
    static struct tmem_train_result r;
    for (size_t i = 0; i < tmem_preset_count(); i++) {
        struct tmem_model m;
        struct tmem_inventory inv;
        tmem_test_load(tmem_preset_at(i)->name, &m, &inv);
        if (!tmem_test_servable(&m))
            continue; /* infer / train refuse encoders */
        if (!tmem_test_trainable(&m))
            continue; /* train refuses it (tmem_test_trainable) */
        for (int v = 0; v < 3; v++) {
            struct tmem_train_opts o;
            tmem_train_opts_default(&o);
            o.seq = 512;
            o.zero = v == 0 ? 1 : 3;
            o.fsdp = TMEM_FSDP_OFF;
            if (v == 2) {
                o.zero = 0;
                o.fsdp = TMEM_FSDP_FULL;
            }
            uint64_t prev = UINT64_MAX;
            for (uint64_t g = 1; g <= 40; g++) {
                o.gpus = g;
                train(&m, &inv, &o, &r);
                assert_true(r.peak_bytes <= prev);
                prev = r.peak_bytes;
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kv_is_linear_in_batch_and_context),
        cmocka_unit_test(the_ledger_grows_with_batch_context_and_weight_width),
        cmocka_unit_test(tensor_parallel_never_adds_per_gpu_memory),
        cmocka_unit_test(inventories_grow_with_every_dimension),
        cmocka_unit_test(sharding_and_recompute_never_add_memory),
        cmocka_unit_test(train_peak_grows_with_micro_batch_and_seq),
        cmocka_unit_test(train_peak_never_rises_with_sharded_gpus),
    };
    return cmocka_run_group_tests_name("properties over every preset", tests, NULL, NULL);
}
