/* test_solve.c — the answers built on the training ledger: the largest
 * micro-batch and the longest sequence that fit (checked by computing the
 * ledger at the answer and one step past it and comparing both with the
 * capacity, against a linear scan, and against hand figures), the fixes
 * (every lever, one change each, in the stated order; fused cross-entropy's
 * saving by hand; the micro-batch solved, not halved) and the notes. */
#include "harness.h"
#include "tmem/read.h"
#include "reader.h"

#include "tmem/train.h"

static const uint64_t H100 = U64(85520809984); /* h100-sxm as the device reports it */

static uint64_t peak(const struct tmem_model *m, const struct tmem_inventory *inv,
                     const struct tmem_train_opts *o)
{
    struct tmem_train_result r;
    struct tmem_error err = {0};
    if (tmem_train_compute(m, inv, o, UINT64_MAX, &r, &err) != TMEM_OK)
        fail_msg("%s: %s: %s", m->name, err.where, err.msg);
    return r.peak_bytes;
}

static uint64_t peak_b(const struct tmem_model *m, const struct tmem_inventory *inv,
                       const struct tmem_train_opts *o, uint64_t b)
{
    struct tmem_train_opts t = *o;
    t.micro_batch = b;
    return peak(m, inv, &t);
}

static uint64_t peak_s(const struct tmem_model *m, const struct tmem_inventory *inv,
                       const struct tmem_train_opts *o, uint64_t s)
{
    struct tmem_train_opts t = *o;
    t.seq = s;
    return peak(m, inv, &t);
}

/* N fits and N+1 does not, both ledgers computed here */
static uint64_t check_micro_batch(const struct tmem_model *m, const struct tmem_inventory *inv,
                                  const struct tmem_train_opts *o, uint64_t cap)
{
    struct tmem_train_solution s;
    assert_int_equal(tmem_train_max_micro_batch(m, inv, o, cap, &s, NULL), TMEM_OK);
    if (s.value == 0) {
        assert_true(peak_b(m, inv, o, 1) > cap);
        assert_int_equal(s.peak_bytes, peak_b(m, inv, o, 1));
        return 0;
    }
    assert_true(peak_b(m, inv, o, s.value) <= cap);
    assert_int_equal(s.peak_bytes, peak_b(m, inv, o, s.value));
    assert_int_equal(s.next_value, s.value + 1);
    assert_true(peak_b(m, inv, o, s.value + 1) > cap);
    assert_int_equal(s.next_peak_bytes, peak_b(m, inv, o, s.value + 1));
    assert_true(s.evaluations <= 2 * 21 + 1); /* doubling then halving over [1, 2^20] */
    return s.value;
}

static void micro_batch_is_the_largest_that_fits(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    struct tmem_train_opts o;

    /* The golden plan (tests/cli/train.sh): Llama-2-7B, ZeRO-3 on 8 GPUs,
     * seq 4096. By hand, at the start of backward (the peak):
     *   per micro-batch: attention 8,607,236,096 + MLP 15,838,216,192
     *     + ids 4096·8 = 32,768 + final norm and lm_head input 134,234,112
     *     + logits 262,144,000 + loss 524,320,768 + logits grad 786,432,000
     *     = 26,152,615,936
     *   constant: weights + grads 2 × 1,684,603,904, master + m + v
     *     3 × 3,369,207,808, cos/sin 2,097,152, reduce bucket 1e9, live
     *     params 504,766,720, CUDA 805,306,368 = 15,789,001,472
     *   peak(b) = rest + ceil(0.05 · rest), rest = 15,789,001,472 + b · 26,152,615,936
     *   b 2: rest 68,094,233,344 → 71,498,945,012 ≤ 85,520,809,984
     *   b 3: rest 94,246,849,280 → 98,959,191,744 > 85,520,809,984 */
    tmem_test_load("llama-2-7b", &m, &inv);
    tmem_train_opts_default(&o);
    o.seq = 4096;
    o.gpus = 8;
    o.zero = 3;
    assert_int_equal(check_micro_batch(&m, &inv, &o, H100), 2);
    assert_int_equal(peak_b(&m, &inv, &o, 2), U64(71498945012));
    assert_int_equal(peak_b(&m, &inv, &o, 3), U64(98959191744));

    /* more plans: full recompute (b large), naive attention (s² terms),
     * pipeline stages, sequence parallel, fused CE, and capacities that
     * land on every kind of boundary */
    o.recompute = TMEM_RECOMPUTE_FULL;
    assert_true(check_micro_batch(&m, &inv, &o, H100) > 8);
    o.recompute = TMEM_RECOMPUTE_NONE;
    o.attention = TMEM_ATTENTION_NAIVE;
    check_micro_batch(&m, &inv, &o, H100);
    o.attention = TMEM_ATTENTION_FLASH;
    o.pp = 4;
    o.gpus = 16;
    check_micro_batch(&m, &inv, &o, H100);
    o.pp = 1;
    o.tp = 2;
    o.sequence_parallel = true;
    o.fused_ce = true;
    for (uint64_t cap = U64(20) << 30; cap <= U64(140) << 30; cap += U64(7) << 30)
        check_micro_batch(&m, &inv, &o, cap);

    /* exactly at a ledger's peak: that micro-batch fits, one more does not */
    tmem_train_opts_default(&o);
    o.seq = 2048;
    o.gpus = 8;
    o.zero = 3;
    o.recompute = TMEM_RECOMPUTE_FULL;
    assert_int_equal(check_micro_batch(&m, &inv, &o, peak_b(&m, &inv, &o, 11)), 11);
    assert_int_equal(check_micro_batch(&m, &inv, &o, peak_b(&m, &inv, &o, 11) - 1), 10);

    /* one GPU, no sharding: not even micro-batch 1 fits 24 GiB */
    tmem_train_opts_default(&o);
    o.seq = 4096;
    assert_int_equal(check_micro_batch(&m, &inv, &o, U64(24) << 30), 0);

    /* a mixture of experts with expert parallel */
    tmem_test_load("mixtral-8x7b", &m, &inv);
    tmem_train_opts_default(&o);
    o.seq = 4096;
    o.gpus = 64;
    o.ep = 8;
    o.tp = 2;
    o.zero = 3;
    check_micro_batch(&m, &inv, &o, H100);
}

/* the solver against a linear scan of every micro-batch (small model) */
static void micro_batch_matches_a_linear_scan(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    tmem_test_load("gpt2", &m, &inv);
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.seq = 1024;
    o.attention = TMEM_ATTENTION_NAIVE;
    for (uint64_t cap = U64(3) << 30; cap <= U64(80) << 30; cap += U64(5) << 30) {
        uint64_t want = 0;
        while (peak_b(&m, &inv, &o, want + 1) <= cap)
            want++;
        struct tmem_train_solution s;
        assert_int_equal(tmem_train_max_micro_batch(&m, &inv, &o, cap, &s, NULL), TMEM_OK);
        assert_int_equal(s.value, want);
    }
}

static void seq_is_the_longest_that_fits(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    struct tmem_train_opts o;
    struct tmem_train_solution s;
    tmem_test_load("llama-2-7b", &m, &inv);
    tmem_train_opts_default(&o);
    o.gpus = 8;
    o.zero = 3;
    assert_int_equal(tmem_train_max_seq(&m, &inv, &o, H100, &s, NULL), TMEM_OK);
    assert_true(s.value > 4096 && s.value < 16384);
    assert_true(peak_s(&m, &inv, &o, s.value) <= H100);
    assert_true(peak_s(&m, &inv, &o, s.value + 1) > H100);
    assert_int_equal(s.next_value, s.value + 1);

    /* context parallel 4: a multiple of cp, and cp more does not fit */
    o.gpus = 16;
    o.cp = 4;
    o.micro_batch = 2;
    assert_int_equal(tmem_train_max_seq(&m, &inv, &o, H100, &s, NULL), TMEM_OK);
    assert_int_equal(s.value % 4, 0);
    assert_true(peak_s(&m, &inv, &o, s.value) <= H100);
    assert_true(peak_s(&m, &inv, &o, s.value + 4) > H100);
    assert_int_equal(s.next_value, s.value + 4);

    /* naive attention: the s² scores make it much shorter */
    o.cp = 1;
    o.gpus = 8;
    o.micro_batch = 1;
    o.attention = TMEM_ATTENTION_NAIVE;
    assert_int_equal(tmem_train_max_seq(&m, &inv, &o, H100, &s, NULL), TMEM_OK);
    assert_true(peak_s(&m, &inv, &o, s.value) <= H100 && peak_s(&m, &inv, &o, s.value + 1) > H100);

    /* learned positions: GPT-2's 1024 rows are the limit on a roomy GPU */
    tmem_test_load("gpt2", &m, &inv);
    tmem_train_opts_default(&o);
    assert_int_equal(tmem_train_max_seq(&m, &inv, &o, H100, &s, NULL), TMEM_OK);
    assert_int_equal(s.value, 1024);
    assert_int_equal(s.limit, 1024);
    assert_int_equal(s.next_value, 0);
    /* and nothing fits 1 GiB (weights + states alone: 16 B × 124M) */
    assert_int_equal(tmem_train_max_seq(&m, &inv, &o, U64(1) << 30, &s, NULL), TMEM_OK);
    assert_int_equal(s.value, 0);
    assert_int_equal(s.peak_bytes, peak_s(&m, &inv, &o, 1));
}

/* Fused cross-entropy, Llama-3-8B at seq 8192 (micro-batch 3, ZeRO-2 on 8
 * GPUs, full recompute): 80.1 → 44.6 GiB. By hand, T = b·s = 24,576 tokens,
 * V = 128,256, chunk C = 1024, d_model 4096, bf16 compute:
 *   unfused: logits 2·T·V = 6,304,038,912; loss (4·V + 8)·T = 12,608,274,432;
 *            logits grad (4 + 2)·T·V = 18,912,116,736
 *   fused:   logits chunk 2·C·V = 262,668,288; softmax chunk 4·C·V = 525,336,576;
 *            hidden grad 2·T·d + 4·C·V = 726,663,168
 *   saving before fragmentation: 37,824,430,080 − 1,514,668,032 = 36,309,762,048,
 *   × 1.05 fragmentation = 38,125,250,150.4 (±1 B: each fragmentation is rounded up) */
static void fused_ce_saving_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    tmem_test_load("llama-3-8b", &m, &inv);
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.seq = 8192;
    o.micro_batch = 3;
    o.gpus = 8;
    o.zero = 2;
    o.recompute = TMEM_RECOMPUTE_FULL;
    const uint64_t T = 3 * 8192, V = 128256, C = 1024, d = 4096;
    struct tmem_train_result a, b;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &a, NULL), TMEM_OK);
    assert_int_equal(a.item_bytes[TMEM_TI_LOGITS], 2 * T * V);
    assert_int_equal(a.item_bytes[TMEM_TI_LOSS], (4 * V + 8) * T);
    assert_int_equal(a.item_bytes[TMEM_TI_LOGITS_GRAD], 6 * T * V);
    struct tmem_train_opts f = o;
    f.fused_ce = true;
    assert_int_equal(tmem_train_compute(&m, &inv, &f, UINT64_MAX, &b, NULL), TMEM_OK);
    assert_int_equal(b.item_bytes[TMEM_TI_LOGITS], 2 * C * V);
    assert_int_equal(b.item_bytes[TMEM_TI_LOSS], 4 * C * V);
    assert_int_equal(b.item_bytes[TMEM_TI_LOGITS_GRAD], 2 * T * d + 4 * C * V);
    assert_int_equal(a.peak_phase, TMEM_PHASE_BACKWARD);
    assert_int_equal(b.peak_phase, TMEM_PHASE_BACKWARD);
    const uint64_t saved = (2 * T * V + (4 * V + 8) * T + 6 * T * V) - (2 * C * V + 4 * C * V + 2 * T * d + 4 * C * V);
    assert_int_equal(saved, U64(36309762048));
    uint64_t drop = a.peak_bytes - b.peak_bytes, want = saved + saved / 20;
    assert_true(drop + 1 >= want && drop <= want + 1);
    /* the 80.1 → 44.6 GiB */
    assert_true(a.peak_bytes >= U64(8005) * (U64(1) << 30) / 100 && a.peak_bytes < U64(8015) * (U64(1) << 30) / 100);
    assert_true(b.peak_bytes >= U64(4455) * (U64(1) << 30) / 100 && b.peak_bytes < U64(4465) * (U64(1) << 30) / 100);

    /* the fixes: --fused-ce is first (it fits and is the cheapest lever), at b's peak */
    struct tmem_train_fix fx[TMEM_TRAIN_LEVER_COUNT];
    size_t n = tmem_train_suggest(&m, &inv, &o, H100, fx, TMEM_TRAIN_LEVER_COUNT);
    assert_true(n >= 2);
    assert_string_equal(fx[0].what, "--fused-ce");
    assert_int_equal(fx[0].lever, TMEM_TRAIN_LEVER_FUSED_CE);
    assert_true(fx[0].fits);
    assert_int_equal(fx[0].peak_bytes, b.peak_bytes);
    /* and of every fix the largest saving */
    for (size_t i = 1; i < n; i++)
        assert_true(fx[i].peak_bytes > fx[0].peak_bytes);
}

/* how many plan fields differ (the levers' fields) */
static int changes(const struct tmem_train_opts *a, const struct tmem_train_opts *b)
{
    return (a->fused_ce != b->fused_ce) + (a->sequence_parallel != b->sequence_parallel) +
           (a->zero != b->zero) + (a->recompute != b->recompute) + (a->optimizer != b->optimizer) +
           (a->fsdp != b->fsdp) + (a->micro_batch != b->micro_batch) + (a->tp != b->tp) +
           (a->offload != b->offload) + (a->gpus != b->gpus) +
           (a->lora_rank != b->lora_rank || !tmem_kind_set_equal(a->lora_targets, b->lora_targets)) + /* adapters: one change */
           (a->base_quant != b->base_quant);
}

static void check_fixes(const struct tmem_model *m, const struct tmem_inventory *inv,
                        const struct tmem_train_opts *o, uint64_t cap, struct tmem_train_fix *fx, size_t *n)
{
    uint64_t base = peak(m, inv, o);
    *n = tmem_train_suggest(m, inv, o, cap, fx, TMEM_TRAIN_LEVER_COUNT);
    bool seen[TMEM_TRAIN_LEVER_COUNT] = {false};
    for (size_t i = 0; i < *n; i++) {
        /* its peak is the ledger of its plan, below the plan's own */
        assert_int_equal(fx[i].peak_bytes, peak(m, inv, &fx[i].opts));
        assert_true(fx[i].peak_bytes < base);
        assert_true(fx[i].fits == (fx[i].peak_bytes <= cap));
        assert_false(seen[fx[i].lever]);
        seen[fx[i].lever] = true;
        /* one change; the offload and more-GPU levers may name the sharding they need, QLoRA its adapters */
        int c = changes(o, &fx[i].opts);
        bool companion = fx[i].lever == TMEM_TRAIN_LEVER_OFFLOAD_OPTIMIZER ||
                         fx[i].lever == TMEM_TRAIN_LEVER_OFFLOAD_PARAMS ||
                         fx[i].lever == TMEM_TRAIN_LEVER_MORE_GPUS || fx[i].lever == TMEM_TRAIN_LEVER_TENSOR_PARALLEL ||
                         fx[i].lever == TMEM_TRAIN_LEVER_QLORA; /* adapters + the NF4 base */
        assert_true(c == 1 || (companion && c == 2));
        assert_non_null(strstr(tmem_train_lever_cost(fx[i].lever), " "));
        /* order: those that fit first by lever, then the rest by peak */
        if (i > 0) {
            if (fx[i].fits)
                assert_true(fx[i - 1].fits && fx[i - 1].lever < fx[i].lever);
            else if (!fx[i - 1].fits)
                assert_true(fx[i - 1].peak_bytes <= fx[i].peak_bytes);
        }
    }
}

static void fixes_are_every_lever_in_order(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    struct tmem_train_opts o;
    struct tmem_train_fix fx[TMEM_TRAIN_LEVER_COUNT];
    size_t n;
    tmem_test_load("llama-2-7b", &m, &inv);

    /* micro-batch 3 where 2 fits: the fix is 2 (halving said 1) */
    tmem_train_opts_default(&o);
    o.seq = 4096;
    o.gpus = 8;
    o.zero = 3;
    o.micro_batch = 3;
    check_fixes(&m, &inv, &o, H100, fx, &n);
    bool found = false;
    for (size_t i = 0; i < n; i++)
        if (fx[i].lever == TMEM_TRAIN_LEVER_MICRO_BATCH) {
            assert_string_equal(fx[i].what, "--micro-batch 2");
            assert_int_equal(fx[i].opts.micro_batch, 2);
            assert_true(fx[i].fits);
            found = true;
        }
    assert_true(found);

    /* micro-batch 12 where 11 fits: the fix is 11 (halving said 6) */
    o.seq = 2048;
    o.recompute = TMEM_RECOMPUTE_FULL;
    o.micro_batch = 12;
    uint64_t cap = peak_b(&m, &inv, &o, 11);
    check_fixes(&m, &inv, &o, cap, fx, &n);
    found = false;
    for (size_t i = 0; i < n; i++)
        if (fx[i].lever == TMEM_TRAIN_LEVER_MICRO_BATCH) {
            assert_string_equal(fx[i].what, "--micro-batch 11");
            found = true;
        }
    assert_true(found);

    /* one GPU, AdamW, naive attention: fused CE, selective recompute,
     * 8-bit Adam, full recompute, ZeRO-Offload, parameter offload and more
     * GPUs with ZeRO-3 are all considered (ZeRO, FSDP and TP need dp > 1) */
    tmem_train_opts_default(&o);
    o.seq = 4096;
    o.attention = TMEM_ATTENTION_NAIVE;
    o.micro_batch = 2;
    check_fixes(&m, &inv, &o, H100, fx, &n);
    bool lv[TMEM_TRAIN_LEVER_COUNT] = {false};
    for (size_t i = 0; i < n; i++)
        lv[fx[i].lever] = true;
    assert_true(lv[TMEM_TRAIN_LEVER_FUSED_CE] && lv[TMEM_TRAIN_LEVER_RECOMPUTE_SELECTIVE] &&
                lv[TMEM_TRAIN_LEVER_ADAM8BIT] && lv[TMEM_TRAIN_LEVER_RECOMPUTE_FULL] &&
                lv[TMEM_TRAIN_LEVER_MICRO_BATCH] && lv[TMEM_TRAIN_LEVER_OFFLOAD_OPTIMIZER] &&
                lv[TMEM_TRAIN_LEVER_OFFLOAD_PARAMS] && lv[TMEM_TRAIN_LEVER_MORE_GPUS]);
    assert_false(lv[TMEM_TRAIN_LEVER_ZERO] || lv[TMEM_TRAIN_LEVER_FSDP] || lv[TMEM_TRAIN_LEVER_TENSOR_PARALLEL]);
    for (size_t i = 0; i < n; i++)
        if (fx[i].lever == TMEM_TRAIN_LEVER_MORE_GPUS && fx[i].fits) {
            /* the fewest GPUs: one fewer does not fit */
            struct tmem_train_opts t = fx[i].opts;
            assert_int_equal(t.zero, 3);
            t.gpus -= 1;
            assert_true(peak(&m, &inv, &t) > H100);
        }

    /* 8 GPUs, tp 2 without sequence parallel: ZeRO, FSDP, TP, SP too */
    tmem_train_opts_default(&o);
    o.seq = 4096;
    o.gpus = 8;
    o.tp = 2;
    o.micro_batch = 4;
    check_fixes(&m, &inv, &o, U64(60) << 30, fx, &n);
    memset(lv, 0, sizeof lv);
    for (size_t i = 0; i < n; i++)
        lv[fx[i].lever] = true;
    assert_true(lv[TMEM_TRAIN_LEVER_SEQUENCE_PARALLEL] && lv[TMEM_TRAIN_LEVER_ZERO] &&
                lv[TMEM_TRAIN_LEVER_ZERO3] && lv[TMEM_TRAIN_LEVER_FSDP] && lv[TMEM_TRAIN_LEVER_TENSOR_PARALLEL]);
    /* flash attention: selective recompute is no lever */
    assert_false(lv[TMEM_TRAIN_LEVER_RECOMPUTE_SELECTIVE]);

    /* every preset, a plan that does not fit a 24 GiB card */
    for (size_t p = 0; p < tmem_preset_count(); p++) {
        tmem_test_load(tmem_preset_at(p)->name, &m, &inv);
        if (!tmem_test_trainable(&m))
            continue; /* train refuses it (tmem_test_trainable) */
        tmem_train_opts_default(&o);
        o.seq = 1024;
        o.gpus = 8;
        o.micro_batch = 4;
        check_fixes(&m, &inv, &o, U64(24) << 30, fx, &n);
    }
}

/* Selective recompute with flash attention: the same ledger as none, and a note that says so */
static void selective_with_flash_is_noted(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    struct tmem_train_opts o;
    const char *notes[TMEM_TRAIN_MAX_NOTES];
    for (size_t p = 0; p < tmem_preset_count(); p++) {
        tmem_test_load(tmem_preset_at(p)->name, &m, &inv);
        if (!tmem_test_trainable(&m))
            continue; /* train refuses it (tmem_test_trainable) */
        tmem_train_opts_default(&o);
        o.seq = 1024;
        o.gpus = 8;
        uint64_t none = peak(&m, &inv, &o);
        assert_int_equal(tmem_train_notes(&m, &o, notes, TMEM_TRAIN_MAX_NOTES), 0);
        o.recompute = TMEM_RECOMPUTE_SELECTIVE;
        assert_int_equal(peak(&m, &inv, &o), none);
        assert_int_equal(tmem_train_notes(&m, &o, notes, TMEM_TRAIN_MAX_NOTES), 1);
        if (m.ssm != TMEM_SSM_NONE && !m.hybrid) { /* no scores to drop, whatever the attention kernel */
            assert_non_null(strstr(notes[0], "--recompute selective drops nothing for a state-space"));
            o.attention = TMEM_ATTENTION_NAIVE;
            assert_int_equal(peak(&m, &inv, &o), none);
            continue;
        }
        assert_non_null(strstr(notes[0], "--recompute selective drops nothing with flash attention"));
        /* with naive attention it drops the scores: no note, a smaller ledger */
        o.attention = TMEM_ATTENTION_NAIVE;
        assert_int_equal(tmem_train_notes(&m, &o, notes, TMEM_TRAIN_MAX_NOTES), 0);
        uint64_t sel = peak(&m, &inv, &o);
        o.recompute = TMEM_RECOMPUTE_NONE;
        assert_true(sel < peak(&m, &inv, &o));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(micro_batch_is_the_largest_that_fits),
        cmocka_unit_test(micro_batch_matches_a_linear_scan),
        cmocka_unit_test(seq_is_the_longest_that_fits),
        cmocka_unit_test(fused_ce_saving_by_hand),
        cmocka_unit_test(fixes_are_every_lever_in_order),
        cmocka_unit_test(selective_with_flash_is_noted),
    };
    return cmocka_run_group_tests_name("training solvers and fixes", tests, NULL, NULL);
}
