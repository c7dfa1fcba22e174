/* test_prep.c — the prepared evaluation (tmem_train_prepare +
 * tmem_train_eval, whose memos a search reuses between layouts) gives the
 * same result as a cold tmem_train_compute, field for field, over every
 * preset and a walk of layouts that changes one or two options at a time
 * (so that the memos are hit with every option changed under them), and
 * the same refusals. The numbers themselves are tested against independent
 * figures elsewhere (test_train.c, test_formulas.c, test_lora.c); this
 * proves the cache changes none of them. */
#include "harness.h"
#include "reader.h"
#include "tmem/read.h"
#include "tmem/train.h"
#include "train_internal.h"

#include <string.h>

static uint64_t rng = 88172645463325252u;

static uint64_t next(uint64_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng % n;
}

#define PICK(arr) ((arr)[next(sizeof(arr) / sizeof((arr)[0]))])

/* one option of the plan, changed at random */
static void mutate(struct tmem_train_opts *o, const struct tmem_model *m)
{
    static const uint64_t deg[] = {1, 1, 2, 4, 8};
        static const uint64_t mbs[] = {1, 2, 3, 4, 9, 10};
    static const uint64_t seqs[] = {0, 512, 1024, 2048};
    static const uint64_t gpus[] = {0, 8, 16, 64};
    switch (next(20)) {
    case 0: o->tp = PICK(deg); break;
    case 1: o->pp = PICK(deg); break;
    case 2: o->cp = PICK(deg) > 2 ? 1 : PICK(deg); break;
    case 3: o->ep = m->n_expert ? PICK(deg) : 1; break;
    case 4: o->gpus = PICK(gpus); break;
    case 5:
        o->zero = (uint32_t)next(4);
        o->fsdp = TMEM_FSDP_OFF;
        o->distributed_optimizer = false;
        if (next(3) == 0) {
            o->zero = 0;
            o->fsdp = (enum tmem_fsdp)next(TMEM_FSDP_COUNT);
        } else if (next(4) == 0) {
            o->zero = 0;
            o->distributed_optimizer = true;
        }
        break;
    case 6: o->recompute = (enum tmem_recompute)next(TMEM_RECOMPUTE_COUNT); break;
    case 7: o->attention = (enum tmem_attention)next(TMEM_ATTENTION_COUNT); break;
    case 8: o->micro_batch = PICK(mbs); break;
    case 9: o->seq = seqs[next(4)]; break;
    case 10: o->fused_ce = !o->fused_ce; break;
    case 11: o->grad_accum = next(2) ? 1 : 4; break;
    case 12: o->n_microbatches = next(2) ? 0 : next(2) ? 2 : 8; break;
    case 13: o->virtual_stages = next(2) ? 1 : 2; break;
    case 14: o->precision = (enum tmem_precision)next(TMEM_PRECISION_COUNT); break;
    case 15: o->optimizer = (enum tmem_optimizer)next(TMEM_OPTIMIZER_COUNT); break;
    case 16: o->offload = (enum tmem_offload)next(TMEM_OFFLOAD_COUNT); break;
    case 17:
        if (o->lora_rank == 0) {
            o->lora_rank = next(2) ? 8 : 16;
            o->lora_targets = tmem_kind_set_or(tmem_lora_target_kinds(next(2) ? "q" : "all-linear"),
                                               tmem_lora_target_kinds("v"));
            o->base_quant = (enum tmem_base_quant)next(TMEM_BASE_QUANT_COUNT);
            o->dora = next(3) == 0;
            o->lora_dropout_ppm = next(2) ? 0 : 50000;
        } else {
            o->lora_rank = 0;
            o->lora_targets = (struct tmem_kind_set){{0}};
            o->base_quant = TMEM_BASE_QUANT_NONE;
            o->dora = false;
            o->lora_dropout_ppm = 0;
        }
        break;
    case 18:
        if (o->lora_rank > 0) { /* one adapter option alone */
            switch (next(5)) {
            case 0: {
                struct tmem_kind_set ko = tmem_lora_target_kinds("o");
                for (int i = 0; i < TMEM_KIND_SET_WORDS; i++)
                    o->lora_targets.w[i] ^= ko.w[i];
                break;
            }
            case 1: o->lora_rank = o->lora_rank == 8 ? 16 : 8; break;
            case 2: o->dora = !o->dora; break;
            case 3: o->base_quant = (enum tmem_base_quant)next(TMEM_BASE_QUANT_COUNT); break;
            default: o->lora_dropout_ppm = o->lora_dropout_ppm ? 0 : 50000; break;
            }
        } else
            o->sequence_parallel = !o->sequence_parallel;
        break;
    default:
        o->dropout = (enum tmem_tristate)next(3);
        o->fp32_grads = next(2);
        o->fragmentation_ppm = next(2) ? TMEM_TRAIN_FRAGMENTATION_PPM : 100000;
        o->ce_chunk_tokens = next(2) ? TMEM_TRAIN_CE_CHUNK_TOKENS : 256;
        /* a paged optimizer's second pass: a capacity the peak passes or not */
        o->page_capacity_bytes = next(3) == 0 ? (UINT64_C(1) << 30) * (1 + next(48)) : 0;
        break;
    }
}

static bool same_layout(const struct tmem_train_layout *x, const struct tmem_train_layout *y)
{
    return x->dp == y->dp && x->shard == y->shard && x->expert_shard == y->expert_shard &&
           x->stage == y->stage && x->layers == y->layers && x->dense_layers == y->dense_layers &&
           x->moe_layers == y->moe_layers && x->first == y->first && x->last == y->last &&
           x->dense_params == y->dense_params && x->expert_params == y->expert_params &&
           x->params == y->params && x->matmul_params == y->matmul_params &&
           x->largest_unit_params == y->largest_unit_params && x->trainable_params == y->trainable_params &&
           x->trainable_matmul_params == y->trainable_matmul_params && x->inflight_num == y->inflight_num &&
           x->inflight_den == y->inflight_den;
}

/* tmem_train_eval_peak writes the peak, its phase, the layout, the
 * sequence and the stage count: each equal to the full evaluation's */
static void same_peak(const struct tmem_train_result *a, const struct tmem_train_result *b, const char *model,
                      uint64_t step)
{
    if (!(a->peak_bytes == b->peak_bytes && a->peak_phase == b->peak_phase && same_layout(&a->layout, &b->layout) &&
          a->seq == b->seq && a->n_stages_evaluated == b->n_stages_evaluated))
        fail_msg("%s, step %llu: the peak-only result differs from tmem_train_compute's (peak %llu vs %llu)",
                 model, (unsigned long long)step, (unsigned long long)a->peak_bytes,
                 (unsigned long long)b->peak_bytes);
}

static void same_result(const struct tmem_train_result *a, const struct tmem_train_result *b, const char *model,
                        uint64_t step)
{
    bool same = memcmp(a->item_bytes, b->item_bytes, sizeof a->item_bytes) == 0 &&
                memcmp(a->item_phases, b->item_phases, sizeof a->item_phases) == 0 &&
                memcmp(a->phase_bytes, b->phase_bytes, sizeof a->phase_bytes) == 0 &&
                a->peak_phase == b->peak_phase && a->peak_bytes == b->peak_bytes &&
                memcmp(a->host_item_bytes, b->host_item_bytes, sizeof a->host_item_bytes) == 0 &&
                a->host_bytes == b->host_bytes && same_layout(&a->layout, &b->layout) &&
                memcmp(&a->layer_act, &b->layer_act, sizeof a->layer_act) == 0 &&
                a->n_stages_evaluated == b->n_stages_evaluated && a->seq == b->seq &&
                a->dropout == b->dropout && a->rope == b->rope && a->softmax_fp32 == b->softmax_fp32;
    if (!same)
        fail_msg("%s, step %llu: the prepared result differs from tmem_train_compute's (peak %llu vs %llu)",
                 model, (unsigned long long)step, (unsigned long long)a->peak_bytes,
                 (unsigned long long)b->peak_bytes);
}

static void prepared_equals_cold_on_every_preset(void **state)
{
    (void)state;
    uint64_t ok = 0, refused = 0, memo_kept = 0, peaks = 0;
    static struct tmem_train_prep p; /* one prep reused for a whole walk */
    static struct tmem_train_items_memo items[4]; /* small: slots are shared and replaced */
    /* a second prep, evaluated peak-only two steps in three and in full the
     * third, so that memos filled by the one are read by the other */
    static struct tmem_train_prep q;
    static struct tmem_train_items_memo q_items[4];
    for (size_t i = 0; i < tmem_preset_count(); i++) {
        static struct tmem_model m;
        static struct tmem_inventory inv;
        const char *name = tmem_preset_at(i)->name;
        tmem_test_load(name, &m, &inv);
        struct tmem_error err = {0};
        if (tmem_train_prepare(&m, &inv, items, 4, &p, &err) != TMEM_OK ||
            tmem_train_prepare(&m, &inv, q_items, 4, &q, &err) != TMEM_OK)
            fail_msg("%s: %s", name, err.msg);
        struct tmem_train_opts o;
        tmem_train_opts_default(&o);
        o.seq = 1024;
        for (uint64_t step = 0; step < 1500; step++) {
            mutate(&o, &m);
            if (next(3) == 0)
                mutate(&o, &m);
            struct tmem_train_result a, b;
            memset(&a, 0, sizeof a);
            memset(&b, 0, sizeof b);
            struct tmem_error ea = {0}, eb = {0};
            uint64_t stage = next(8) == 0 ? o.pp - 1 : UINT64_MAX;
            enum tmem_status sa = tmem_train_eval(&p, &o, stage, &a, &ea);
            enum tmem_status sb = tmem_train_compute(&m, &inv, &o, stage, &b, &eb);
            assert_int_equal(sa, sb);
            struct tmem_train_result c;
            memset(&c, 0, sizeof c);
            struct tmem_error ec = {0};
            bool peak_only = step % 3 != 0;
            enum tmem_status sc = peak_only ? tmem_train_eval_peak(&q, &o, stage, &c, &ec)
                                            : tmem_train_eval(&q, &o, stage, &c, &ec);
            assert_int_equal(sc, sb);
            if (sc == TMEM_OK && peak_only) {
                same_peak(&c, &b, name, step);
                peaks++;
            } else if (sc == TMEM_OK) {
                same_result(&c, &b, name, step);
            } else {
                assert_string_equal(ec.where, eb.where);
                assert_string_equal(ec.msg, eb.msg);
            }
            if (sa != TMEM_OK) {
                assert_string_equal(ea.where, eb.where);
                assert_string_equal(ea.msg, eb.msg);
                refused++;
                continue;
            }
            same_result(&a, &b, name, step);
            ok++;
            memo_kept += p.state[0][p.state_last[0]].valid;
            /* and the explained ledger of the peak (the formulas path) adds
             * up to the same bytes */
            if (step % 50 == 0) {
                static struct tmem_ledger l;
                if (tmem_train_ledger(&m, &inv, &o, &b, b.peak_phase, false, &l, &eb) != TMEM_OK)
                    fail_msg("%s: ledger: %s", name, eb.msg);
                assert_int_equal(l.total_bytes, a.peak_bytes);
            }
        }
    }
    /* the walk must have exercised both the results and the refusals */
    assert_true(ok > 1000);
    assert_true(refused > 100);
    assert_true(memo_kept == ok); /* every successful evaluation left its memo */
    assert_true(peaks > 600);
    print_message("prepared == cold: %llu layouts equal (%llu peak-only), %llu refused alike\n",
                  (unsigned long long)ok, (unsigned long long)peaks, (unsigned long long)refused);
}

/* the state and items memos are matched by the validation key's generation
 * and the inner-loop fields they keep: that is their whole key only if the
 * fields each reads (state_key, items_key) are among those */
static void memo_keys_are_covered(void **state)
{
    (void)state;
    assert_true(tmem__train_memo_keys_covered());
}

/* the planner's inner loops over one set of degrees (micro-batch and its
 * count, sharding, offload, recompute, fused cross-entropy): every memo hit
 * within one generation of the validation key, equal to the cold path */
static void inner_loops_equal_cold(void **state)
{
    (void)state;
    static const char *const models[] = {"llama-2-7b", "mixtral-8x7b", "deepseek-v3", "gpt2"};
    uint64_t n = 0, paged = 0;
    for (size_t k = 0; k < sizeof models / sizeof models[0]; k++) {
        static struct tmem_model m;
        static struct tmem_inventory inv;
        tmem_test_load(models[k], &m, &inv);
        static struct tmem_train_prep p;
        static struct tmem_train_items_memo items[TMEM_TRAIN_PREP_ITEMS];
        struct tmem_error err = {0};
        assert_int_equal(tmem_train_prepare(&m, &inv, items, TMEM_TRAIN_PREP_ITEMS, &p, &err), TMEM_OK);
        struct tmem_train_opts o;
        tmem_train_opts_default(&o);
        o.seq = 1024;
        o.gpus = 16;
        o.pp = k % 2 ? 2 : 1;
        o.ep = m.n_expert ? 2 : 1;
        o.optimizer = k == 3 ? TMEM_OPTIMIZER_PAGED_ADAMW : TMEM_OPTIMIZER_ADAMW;
        o.page_capacity_bytes = k == 3 ? (UINT64_C(3) << 29) : 0; /* 1.5 GiB */
        for (int sh = 0; sh < 5; sh++)
            for (int rc = 0; rc < TMEM_RECOMPUTE_COUNT; rc++)
                for (int off = 0; off < TMEM_OFFLOAD_COUNT; off++)
                    for (int ce = 0; ce < 2; ce++)
                        for (uint64_t mb = 1; mb <= 4; mb++) {
                            o.zero = sh < 4 ? (uint32_t)sh : 0;
                            o.fsdp = sh == 4 ? TMEM_FSDP_FULL : TMEM_FSDP_OFF;
                            o.recompute = (enum tmem_recompute)rc;
                            o.offload = (enum tmem_offload)off;
                            o.fused_ce = ce == 1;
                            o.micro_batch = mb;
                            o.grad_accum = o.pp > 1 ? 1 : 8 / mb;
                            o.n_microbatches = o.pp > 1 ? 8 / mb : 0;
                            for (int full = 0; full < 2; full++) {
                                struct tmem_train_result a, b;
                                memset(&a, 0, sizeof a);
                                memset(&b, 0, sizeof b);
                                struct tmem_error ea = {0}, eb = {0};
                                enum tmem_status sa = full ? tmem_train_eval(&p, &o, UINT64_MAX, &a, &ea)
                                                           : tmem_train_eval_peak(&p, &o, UINT64_MAX, &a, &ea);
                                enum tmem_status sb = tmem_train_compute(&m, &inv, &o, UINT64_MAX, &b, &eb);
                                assert_int_equal(sa, sb);
                                if (sa != TMEM_OK) {
                                    assert_string_equal(ea.where, eb.where);
                                    assert_string_equal(ea.msg, eb.msg);
                                    continue;
                                }
                                if (full)
                                    same_result(&a, &b, models[k], n);
                                else
                                    same_peak(&a, &b, models[k], n);
                                paged += b.paged_out;
                                n++;
                            }
                        }
    }
    assert_true(n > 500);
    assert_true(paged > 0); /* the second pass was taken after memo hits */
    print_message("inner loops: %llu evaluations equal (%llu paged)\n", (unsigned long long)n,
                  (unsigned long long)paged);
}

/* a plan that passed, then one inner-loop field made invalid (the checks
 * that run for a plan of the current generation): refused as the cold
 * path refuses it, message for message */
static void inner_refusals_equal_cold(void **state)
{
    (void)state;
    static struct tmem_model m;
    static struct tmem_inventory inv;
    tmem_test_load("mixtral-8x7b", &m, &inv);
    static struct tmem_train_prep p;
    static struct tmem_train_items_memo items[TMEM_TRAIN_PREP_ITEMS];
    struct tmem_error err = {0};
    assert_int_equal(tmem_train_prepare(&m, &inv, items, TMEM_TRAIN_PREP_ITEMS, &p, &err), TMEM_OK);
    uint64_t refused = 0;
    for (int base = 0; base < 4; base++) {
        struct tmem_train_opts o;
        tmem_train_opts_default(&o);
        o.seq = 1024;
        o.gpus = 16;
        o.tp = 2;
        o.ep = 2;
        o.distributed_optimizer = base == 1;
        o.optimizer_in_backward = base == 2;
        o.deepspeed_estimator = base == 3;
        o.zero = base == 3 ? 2 : 0;
        for (int bad = 0; bad < 12; bad++) {
            struct tmem_train_result a, b;
            struct tmem_error ea = {0}, eb = {0};
            assert_int_equal(tmem_train_eval_peak(&p, &o, UINT64_MAX, &a, &ea), TMEM_OK);
            struct tmem_train_opts x = o;
            switch (bad) {
            case 0: x.zero = 1, x.fsdp = TMEM_FSDP_FULL; break;
            case 1: x.micro_batch = 0; break;
            case 2: x.zero = 4; break;
            case 3: x.grad_accum = 0; break;
            case 4: x.n_microbatches = UINT64_C(1) << 25; break;
            case 5: x.recompute = TMEM_RECOMPUTE_COUNT; break;
            case 6: x.zero = 0, x.fsdp = TMEM_FSDP_OFF, x.offload = TMEM_OFFLOAD_OPTIMIZER; break;
            case 7: x.zero = 1, x.offload = TMEM_OFFLOAD_PARAMS; break;
            case 8: x.zero = 0, x.fsdp = TMEM_FSDP_HYBRID, x.gpus_per_node = 1; break;
            case 9: x.zero = 1; break;
            case 10: x.grad_accum = 4; break;
            default: x.fsdp = TMEM_FSDP_COUNT; break;
            }
            enum tmem_status sa = tmem_train_eval_peak(&p, &x, UINT64_MAX, &a, &ea);
            enum tmem_status sb = tmem_train_compute(&m, &inv, &x, UINT64_MAX, &b, &eb);
            assert_int_equal(sa, sb);
            if (sa != TMEM_OK) {
                assert_string_equal(ea.where, eb.where);
                assert_string_equal(ea.msg, eb.msg);
                refused++;
            } else {
                same_peak(&a, &b, "mixtral-8x7b", (uint64_t)bad);
            }
        }
    }
    assert_true(refused >= 30);
}

/* byte counts near 2^64: parameter counts scaled up (every tensor, or
 * one in three) under a two-stage pipeline, with and without offload, so
 * that some plans overflow on the GPU, some only in the host items'
 * sum (their GPU ledger fits without offload): the prepared evaluation,
 * full and peak-only, refuses exactly where the cold path refuses and
 * equals it elsewhere (each stage's sums are checked, though only the
 * worse stage's items are copied out) */
static void overflow_refusals_equal_cold(void **state)
{
    (void)state;
    static struct tmem_model m;
    static struct tmem_inventory base, inv;
    tmem_test_load("llama-2-7b", &m, &base);
    static struct tmem_train_prep p, q;
    static struct tmem_train_items_memo items[TMEM_TRAIN_PREP_ITEMS], q_items[TMEM_TRAIN_PREP_ITEMS];
    uint64_t refused = 0, host_only = 0, ok = 0;
    for (int sub = 0; sub < 4; sub++)
        for (int sh = 22; sh <= 31; sh++) {
            inv = base;
            for (uint32_t i = 0; i < inv.n_tensors; i++)
                if (sub == 0 || i % 3 == (uint32_t)(sub - 1)) {
                    inv.tensors[i].params <<= sh; /* 2^33 parameters at most: fits */
                    inv.tensors[i].rows <<= sh;
                }
            struct tmem_error err = {0};
            assert_int_equal(tmem_train_prepare(&m, &inv, items, TMEM_TRAIN_PREP_ITEMS, &p, &err), TMEM_OK);
            assert_int_equal(tmem_train_prepare(&m, &inv, q_items, TMEM_TRAIN_PREP_ITEMS, &q, &err), TMEM_OK);
            enum tmem_status fits_on_gpu[2] = {TMEM_OK, TMEM_OK};
            for (int off = 0; off < TMEM_OFFLOAD_COUNT; off++)
                for (int z = 2; z <= 3; z++) {
                    if (off == TMEM_OFFLOAD_PARAMS && z != 3)
                        continue;
                    struct tmem_train_opts o;
                    tmem_train_opts_default(&o);
                    o.seq = 1024;
                    o.gpus = 4;
                    o.pp = 2;
                    o.zero = (uint32_t)z;
                    o.offload = (enum tmem_offload)off;
                    o.n_microbatches = 4;
                    struct tmem_train_result a, b, c;
                    memset(&a, 0, sizeof a);
                    memset(&b, 0, sizeof b);
                    memset(&c, 0, sizeof c);
                    struct tmem_error ea = {0}, eb = {0}, ec = {0};
                    enum tmem_status sa = tmem_train_eval(&p, &o, UINT64_MAX, &a, &ea);
                    enum tmem_status sc = tmem_train_eval_peak(&q, &o, UINT64_MAX, &c, &ec);
                    enum tmem_status sb = tmem_train_compute(&m, &inv, &o, UINT64_MAX, &b, &eb);
                    assert_int_equal(sa, sb);
                    assert_int_equal(sc, sb);
                    if (off == TMEM_OFFLOAD_NONE)
                        fits_on_gpu[z - 2] = sb;
                    if (sb != TMEM_OK) {
                        assert_int_equal(sb, TMEM_ERR_OVERFLOW);
                        assert_string_equal(ea.msg, eb.msg);
                        assert_string_equal(ec.msg, eb.msg);
                        refused++;
                        host_only += off != TMEM_OFFLOAD_NONE && fits_on_gpu[z - 2] == TMEM_OK;
                        continue;
                    }
                    same_result(&a, &b, "llama-2-7b x 2^k", (uint64_t)sh);
                    same_peak(&c, &b, "llama-2-7b x 2^k", (uint64_t)sh);
                    ok++;
                }
        }
    print_message("near 2^64: %llu equal, %llu refused alike (%llu only with offload)\n", (unsigned long long)ok,
                  (unsigned long long)refused, (unsigned long long)host_only);
    assert_true(ok > 20);
    assert_true(refused > 20);
    assert_true(host_only > 0);
}

static void prepare_refuses_bad_arguments(void **state)
{
    (void)state;
    static struct tmem_model m;
    static struct tmem_inventory inv;
    tmem_test_load("llama-2-7b", &m, &inv);
    static struct tmem_train_prep p;
    struct tmem_error err = {0};
    assert_int_equal(tmem_train_prepare(NULL, &inv, NULL, 0, &p, &err), TMEM_ERR_INVALID_ARG);
    assert_int_equal(tmem_train_prepare(&m, NULL, NULL, 0, &p, &err), TMEM_ERR_INVALID_ARG);
    assert_int_equal(tmem_train_prepare(&m, &inv, NULL, 3, &p, &err), TMEM_ERR_INVALID_ARG);
    assert_int_equal(tmem_train_prepare(&m, &inv, NULL, 0, &p, &err), TMEM_OK);
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    assert_int_equal(tmem_train_eval(&p, &o, UINT64_MAX, NULL, &err), TMEM_ERR_INVALID_ARG);
    struct tmem_train_result r;
    assert_int_equal(tmem_train_eval(&p, &o, 5, &r, &err), TMEM_ERR_INVALID_ARG); /* stage ≥ pp */
    o.tp = 3; /* does not divide 32 heads */
    assert_int_equal(tmem_train_eval(&p, &o, UINT64_MAX, &r, &err), TMEM_ERR_INCONSISTENT);
    assert_string_equal(err.where, "--tp");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(prepared_equals_cold_on_every_preset),
        cmocka_unit_test(memo_keys_are_covered),
        cmocka_unit_test(inner_loops_equal_cold),
        cmocka_unit_test(inner_refusals_equal_cold),
        cmocka_unit_test(overflow_refusals_equal_cold),
        cmocka_unit_test(prepare_refuses_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
