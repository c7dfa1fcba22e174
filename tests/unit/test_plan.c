/* test_plan.c — the planner: every layout it returns fits (its ledger
 * recomputed here against the capacity), trains the global batch with
 * degrees multiplying to the GPU count, carries the time tmem_train_time
 * gives it, and the list is fastest first; no layout of a grid enumerated
 * here independently is faster than its first; the constraints hold
 * (--tp-max, --no-offload, --headroom); MoE models get expert-parallel
 * layouts; no row is a twin of another (fused CE that changed nothing); a
 * job nothing fits returns none; `evaluated` is the count of ledgers the
 * search computes, counted by hand for a dense and an MoE job. */
#include "harness.h"
#include "tmem/read.h"
#include "reader.h"

#include "tmem/plan.h"

static void check_layouts(const struct tmem_model *m, const struct tmem_inventory *inv,
                          const struct tmem_plan_opts *p, const struct tmem_plan_result *r)
{
    for (size_t i = 0; i < r->n_layouts; i++) {
        const struct tmem_plan_layout *l = &r->layouts[i];
        const struct tmem_train_opts *o = &l->opts;
        struct tmem_train_result tr;
        struct tmem_train_time t;
        assert_int_equal(tmem_train_compute(m, inv, o, UINT64_MAX, &tr, NULL), TMEM_OK);
        assert_int_equal(tr.peak_bytes, l->peak_bytes);
        assert_true(tr.peak_bytes <= r->capacity_bytes);
        uint64_t dp = tr.layout.dp;
        assert_int_equal(dp * o->tp * o->pp * o->cp, p->gpus);
        uint64_t mb = o->pp > 1 ? o->n_microbatches : o->grad_accum;
        assert_int_equal(dp * o->micro_batch * mb, p->global_batch);
        assert_int_equal(tmem_train_time(m, inv, o, &tr, &p->time, NULL, &t, NULL, NULL), TMEM_OK);
        assert_true(t.step_s == l->time.step_s);
        if (i > 0)
            assert_true(r->layouts[i - 1].time.step_s <= l->time.step_s);
        /* no row repeats another but for a fused loss that changed nothing */
        for (size_t j = 0; j < i; j++) {
            const struct tmem_plan_layout *k = &r->layouts[j];
            struct tmem_train_opts a = k->opts;
            a.fused_ce = o->fused_ce;
            bool same = a.tp == o->tp && a.pp == o->pp && a.cp == o->cp && a.ep == o->ep &&
                        a.virtual_stages == o->virtual_stages && a.zero == o->zero && a.fsdp == o->fsdp &&
                        a.recompute == o->recompute && a.offload == o->offload &&
                        a.micro_batch == o->micro_batch && a.grad_accum == o->grad_accum &&
                        a.n_microbatches == o->n_microbatches;
            assert_false(same && k->peak_bytes == l->peak_bytes && k->time.step_s == l->time.step_s);
        }
    }
}

static void llama_layouts_fit_and_are_ranked(void **state)
{
    (void)state;
    static struct tmem_model m;
    static struct tmem_inventory inv;
    tmem_test_load("llama-2-7b", &m, &inv);
    static struct tmem_plan_opts p;
    tmem_plan_defaults(&p, tmem_gpu_find("h100-sxm"));
    p.gpus = 8;
    p.global_batch = 64;
    p.base.seq = 4096;
    p.top = 20;
    static struct tmem_plan_result r;
    assert_int_equal(tmem_plan(&m, &inv, &p, &r, NULL), TMEM_OK);
    assert_int_equal(r.n_layouts, 20);
    assert_true(r.evaluated >= r.fitting && r.fitting >= 20);
    check_layouts(&m, &inv, &p, &r);
    /* an independent grid: dp 8 × every ZeRO stage × micro-batch 1, 2, 4, 8;
     * none that fits is faster than the first */
    for (uint32_t z = 0; z <= 3; z++)
        for (uint64_t b = 1; b <= 8; b *= 2) {
            struct tmem_train_opts o;
            tmem_train_opts_default(&o);
            o.gpus = 8;
            o.seq = 4096;
            o.zero = z;
            o.micro_batch = b;
            o.grad_accum = 8 / b;
            struct tmem_train_result tr;
            struct tmem_train_time t;
            assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &tr, NULL), TMEM_OK);
            if (tr.peak_bytes > r.capacity_bytes)
                continue;
            assert_int_equal(tmem_train_time(&m, &inv, &o, &tr, &p.time, NULL, &t, NULL, NULL), TMEM_OK);
            assert_true(r.layouts[0].time.step_s <= t.step_s);
        }
}

static void constraints_hold(void **state)
{
    (void)state;
    static struct tmem_model m;
    static struct tmem_inventory inv;
    tmem_test_load("llama-2-13b", &m, &inv);
    static struct tmem_plan_opts p;
    tmem_plan_defaults(&p, tmem_gpu_find("a100-40gb"));
    p.gpus = 16;
    p.global_batch = 64;
    p.base.seq = 4096;
    p.top = 64;
    p.tp_max = 2;
    p.no_offload = true;
    p.headroom_ppm = 100000; /* 10 % */
    static struct tmem_plan_result r;
    assert_int_equal(tmem_plan(&m, &inv, &p, &r, NULL), TMEM_OK);
    assert_true(r.n_layouts > 0);
    uint64_t mem = tmem_gpu_find("a100-40gb")->memory_bytes;
    assert_int_equal(r.capacity_bytes, mem - mem / 10);
    check_layouts(&m, &inv, &p, &r);
    for (size_t i = 0; i < r.n_layouts; i++) {
        assert_true(r.layouts[i].opts.tp <= 2);
        assert_int_equal(r.layouts[i].opts.offload, TMEM_OFFLOAD_NONE);
    }
}

static void moe_gets_expert_parallel_layouts(void **state)
{
    (void)state;
    static struct tmem_model m;
    static struct tmem_inventory inv;
    tmem_test_load("mixtral-8x7b", &m, &inv);
    static struct tmem_plan_opts p;
    tmem_plan_defaults(&p, tmem_gpu_find("h100-sxm"));
    p.gpus = 16;
    p.global_batch = 64;
    p.base.seq = 4096;
    p.top = 64;
    static struct tmem_plan_result r;
    assert_int_equal(tmem_plan(&m, &inv, &p, &r, NULL), TMEM_OK);
    assert_true(r.n_layouts > 0);
    check_layouts(&m, &inv, &p, &r);
    bool ep = false;
    for (size_t i = 0; i < r.n_layouts; i++)
        ep |= r.layouts[i].opts.ep > 1;
    assert_true(ep);
}

static void nothing_fits_returns_none(void **state)
{
    (void)state;
    static struct tmem_model m;
    static struct tmem_inventory inv;
    tmem_test_load("deepseek-v3", &m, &inv);
    static struct tmem_plan_opts p;
    tmem_plan_defaults(&p, tmem_gpu_find("h100-sxm"));
    p.gpus = 2;
    p.global_batch = 2;
    p.base.seq = 4096;
    static struct tmem_plan_result r;
    assert_int_equal(tmem_plan(&m, &inv, &p, &r, NULL), TMEM_OK);
    assert_int_equal(r.n_layouts, 0);
    assert_int_equal(r.fitting, 0);
    assert_true(r.evaluated > 0);
    struct tmem_error err = {0};
    p.gpus = 0;
    assert_int_equal(tmem_plan(&m, &inv, &p, &r, &err), TMEM_ERR_LIMIT);
    assert_string_equal(err.where, "--gpus");
}

/* `evaluated` counts every ledger the search computed, by hand:
 * llama-2-7b on 1 GPU, global batch 1: tp = pp = cp = ep = dp = 1 and
 * micro-batch 1 only; no sharding on one replica, so no offload; recompute
 * none / full (selective only drops scores, which flash never keeps) ×
 * fused CE off / on = 4 ledgers; full fine-tuning needs 16 B × 6.74e9 on
 * an 80 GB H100: none fits.
 * mixtral-8x7b on 2 GPUs, global batch 2:
 *   tp 1 pp 1: dp 2, micro-batch 1 only; ep 1 or 2; sharding none, ZeRO
 *     1 (+ optimizer offload), 2 (+ optimizer), 3 (+ optimizer, params),
 *     FSDP = 9; × recompute 2 × CE 2 = 36 per ep: 72
 *   tp 1 pp 2: dp 1, micro-batch 1 (2 micro-batches; 2 would leave one,
 *     fewer than pp), virtual stages 1 or 2, no sharding: 2 × 2 × 2 = 8
 *   tp 2 pp 1: dp 1, micro-batch 1 first: 4 choices, each a full
 *     unsharded replica (16 B × 46.7e9 / 2 > 80 GB) that does not fit, so
 *     micro-batch 2 is never tried: 4
 *   = 84 */
static void evaluated_counts_every_ledger_by_hand(void **state)
{
    (void)state;
    static struct tmem_model m;
    static struct tmem_inventory inv;
    static struct tmem_plan_opts p;
    static struct tmem_plan_result r;
    tmem_test_load("llama-2-7b", &m, &inv);
    tmem_plan_defaults(&p, tmem_gpu_find("h100-sxm"));
    p.gpus = 1;
    p.global_batch = 1;
    p.base.seq = 1024;
    assert_int_equal(tmem_plan(&m, &inv, &p, &r, NULL), TMEM_OK);
    assert_int_equal(r.evaluated, 4);
    assert_int_equal(r.fitting, 0);
    tmem_test_load("mixtral-8x7b", &m, &inv);
    p.gpus = 2;
    p.global_batch = 2;
    assert_int_equal(tmem_plan(&m, &inv, &p, &r, NULL), TMEM_OK);
    assert_int_equal(r.evaluated, 84);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(llama_layouts_fit_and_are_ranked),
        cmocka_unit_test(constraints_hold),
        cmocka_unit_test(moe_gets_expert_parallel_layouts),
        cmocka_unit_test(nothing_fits_returns_none),
        cmocka_unit_test(evaluated_counts_every_ledger_by_hand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
