/* test_formulas.c — every formula the ledgers print evaluates to its own
 * bytes. A small evaluator reads the numbers side of each entry's formula
 * (the text after the last " = ") and must arrive at the entry's bytes,
 * for training (several presets, plans, optimizers, sharding, offload,
 * DeepSpeed's estimator) and inference (every weight format, KV dtypes,
 * sliding windows, MLA, naive attention, pipeline stages) and the lab.
 *
 * The forms, each handled (none skipped):
 *   a × b / c + d − e   products left to right, "/" rounds up (as the core's
 *                       ceil division), products summed
 *   (…)                 a parenthesised sum
 *   int(…)              DeepSpeed's int(): inside, "/" and fractions round down
 *   min(a, b, …)        the smallest
 *   1.5, 5 %, 5.123 %   exact fractions; their product is rounded when it
 *                       ends (up, or down inside int())
 *   (words …)           a note: a parenthesis that opens on a letter or "-"
 *                       (not min( / int() is skipped
 * The KV-per-token phrase of --kv-dtype int8 and fp8 is checked against a
 * hand figure. */
#include "harness.h"
#include "reader.h"

#include "tmem/infer.h"
#include "tmem/train.h"

/* ------------------------------------------------------------ evaluator */

__extension__ typedef unsigned __int128 u128;

struct ev {
    const char *p;
    bool bad;
};

struct rat {
    u128 n, d;
};

static void skip_space(struct ev *e)
{
    while (*e->p == ' ')
        e->p++;
}

static bool eat(struct ev *e, const char *tok)
{
    skip_space(e);
    size_t k = strlen(tok);
    if (strncmp(e->p, tok, k) != 0)
        return false;
    e->p += k;
    return true;
}

static u128 round_q(u128 n, u128 d, bool down)
{
    return down ? n / d : (n + d - 1) / d;
}

/* a note "(word …)": skipped, with its nested parentheses */
static bool skip_note(struct ev *e)
{
    skip_space(e);
    const char *q = e->p;
    if (q[0] != '(' || strncmp(q + 1, "min(", 4) == 0 || strncmp(q + 1, "int(", 4) == 0)
        return false;
    char c = q[1];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-'))
        return false;
    int depth = 0;
    for (; *q; q++) {
        if (*q == '(')
            depth++;
        else if (*q == ')' && --depth == 0) {
            e->p = q + 1;
            return true;
        }
    }
    e->bad = true;
    return false;
}

static u128 sum(struct ev *e, bool down);

/* a factor: a number (maybe with decimals, maybe a percent) or a group */
static struct rat factor(struct ev *e, bool down)
{
    skip_space(e);
    struct rat r = {0, 1};
    if (eat(e, "min(")) {
        u128 best = sum(e, down);
        while (eat(e, ",")) {
            u128 v = sum(e, down);
            if (v < best)
                best = v;
        }
        if (!eat(e, ")"))
            e->bad = true;
        r.n = best;
        return r;
    }
    if (eat(e, "int(")) {
        r.n = sum(e, true);
        if (!eat(e, ")"))
            e->bad = true;
        return r;
    }
    if (eat(e, "(")) {
        r.n = sum(e, down);
        if (!eat(e, ")"))
            e->bad = true;
        return r;
    }
    if (*e->p < '0' || *e->p > '9') {
        e->bad = true;
        return r;
    }
    while (*e->p >= '0' && *e->p <= '9')
        r.n = r.n * 10 + (u128)(unsigned)(*e->p++ - '0');
    if (*e->p == '.') {
        e->p++;
        while (*e->p >= '0' && *e->p <= '9') {
            r.n = r.n * 10 + (u128)(unsigned)(*e->p++ - '0');
            r.d *= 10;
        }
    }
    if (eat(e, "%"))
        r.d *= 100;
    return r;
}

/* a product, rounded when it ends */
static u128 product(struct ev *e, bool down)
{
    struct rat r = factor(e, down);
    for (;;) {
        skip_note(e);
        if (eat(e, "×")) {
            struct rat f = factor(e, down);
            r.n *= f.n;
            r.d *= f.d;
        } else if (eat(e, "/")) {
            struct rat f = factor(e, down);
            if (f.d != 1 || f.n == 0) {
                e->bad = true;
                return 0;
            }
            r.n = round_q(round_q(r.n, r.d, down), f.n, down); /* a fraction first rounds */
            r.d = 1;
        } else {
            return round_q(r.n, r.d, down);
        }
    }
}

static u128 sum(struct ev *e, bool down)
{
    u128 v = product(e, down);
    for (;;) {
        if (eat(e, "+")) {
            v += product(e, down);
        } else if (eat(e, "−")) {
            u128 s = product(e, down);
            if (s > v)
                e->bad = true;
            v -= s;
        } else {
            return v;
        }
    }
}

/* the value of a formula's numbers side; fails the test on a form it
 * cannot read */
static uint64_t eval_formula(const char *formula)
{
    const char *numbers = formula, *q;
    while ((q = strstr(numbers, " = ")) != NULL)
        numbers = q + 3;
    struct ev e = {numbers, false};
    u128 v = sum(&e, false);
    skip_note(&e);
    skip_space(&e);
    if (e.bad || *e.p != '\0' || v > UINT64_MAX)
        fail_msg("cannot evaluate '%s' (stopped at '%s')", formula, e.p);
    return (uint64_t)v;
}

/* the evaluator itself on hand-worked texts */
static void evaluator_reads_each_form(void **state)
{
    (void)state;
    assert_int_equal(eval_formula("P × b / shard = 6738415616 × 2 / 8"), U64(1684603904));
    assert_int_equal(eval_formula("7 / 2"), 4); /* rounds up, as the core */
    assert_int_equal(eval_formula("int(7 / 2)"), 3);
    assert_int_equal(eval_formula("10 × 2 / 3 + 1"), 8);
    assert_int_equal(eval_formula("min(5 + 1, 4, 9) × 2"), 8);
    assert_int_equal(eval_formula("2 × (3 + 4) − 5"), 9);
    /* 5 % of 41,941,617,408 = 2,097,080,870.4 → 2,097,080,871 (up) */
    assert_int_equal(eval_formula("F = 5 % × 41941617408 (--fragmentation)"), U64(2097080871));
    assert_int_equal(eval_formula("5.123 % × 1000"), 52); /* 51.23 → 52 */
    /* int(7 × 4 × 1.5) = 42; int(7 × 16 × 1.5 / 4) = int(168 / 4) = 42 */
    assert_int_equal(eval_formula("int(7 × 4 × 1.5)"), 42);
    assert_int_equal(eval_formula("int(7 × 16 × 1.5 / 5)"), 33); /* 168 / 5 = 33.6 */
    assert_int_equal(eval_formula("cuda = 805306368 (named default: CUDA 512 MiB + 256 MiB, --x)"),
                     U64(805306368));
    assert_int_equal(eval_formula("x = 262144000 × 2 (kept in bf16)"), U64(524288000));
    assert_int_equal(eval_formula("min(1, 2) × 3 (before its reduce-scatter)"), 3);
    /* the old ZeRO-3 text for pythia-70m on 8 GPUs left out P_gpu: it gives
     * (25,756,672 + 50,000,000) × 2 = 151,513,344, not the entry's
     * min(…, 70,426,624) × 2 = 140,853,248 B (checked below) */
    assert_int_equal(eval_formula("min(25756672 + 50000000, 1000000000) × 2"), U64(151513344));
    assert_int_equal(eval_formula("min(25756672 + 50000000, 1000000000, 70426624) × 2"), U64(140853248));
}

/* ------------------------------------------------------------ ledgers */

/* every entry's formula evaluates to its bytes; returns the entries seen */
static uint32_t check_ledger(const char *what, const struct tmem_ledger *l)
{
    for (uint32_t i = 0; i < l->n_entries; i++) {
        const struct tmem_entry *e = &l->entries[i];
        if (e->formula[0] == '\0')
            fail_msg("%s: %s has no formula", what, e->label);
        uint64_t v = eval_formula(e->formula);
        if (v != e->bytes)
            fail_msg("%s: %s: %llu B, but its formula '%s' gives %llu", what, e->label,
                     (unsigned long long)e->bytes, e->formula, (unsigned long long)v);
    }
    return l->n_entries;
}

static struct tmem_inventory INV; /* large: off the stack */
static struct tmem_train_result TR;
static struct tmem_ledger L;

/* one plan: every phase's ledger and the host's */
static uint32_t check_train(const char *name, const struct tmem_train_opts *o)
{
    struct tmem_model m;
    struct tmem_error err = {0};
    tmem_test_load(name, &m, &INV);
    if (tmem_train_compute(&m, &INV, o, UINT64_MAX, &TR, &err) != TMEM_OK)
        fail_msg("%s: %s: %s", name, err.where, err.msg);
    uint32_t n = 0;
    for (int p = 0; p < TMEM_PHASE_COUNT; p++) {
        assert_int_equal(tmem_train_ledger(&m, &INV, o, &TR, (enum tmem_phase)p, false, &L, NULL), TMEM_OK);
        assert_int_equal(L.total_bytes, TR.phase_bytes[p]);
        n += check_ledger(name, &L);
    }
    assert_int_equal(tmem_train_ledger(&m, &INV, o, &TR, TR.peak_phase, true, &L, NULL), TMEM_OK);
    assert_int_equal(L.total_bytes, TR.host_bytes);
    return n + check_ledger(name, &L);
}

static struct tmem_train_opts plan(uint64_t gpus)
{
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.seq = 4096;
    o.gpus = gpus;
    return o;
}

static void training_formulas_evaluate_to_their_bytes(void **state)
{
    (void)state;
    uint32_t n = 0;
    struct tmem_train_opts o = plan(8);
    o.zero = 3; /* the golden plan */
    n += check_train("llama-2-7b", &o);
    /* pythia-70m: one unit + the prefetch bucket (25.8M + 50M) exceeds the
     * 70.4M parameters, so ZeRO-3's live parameters are min(…, P_gpu) */
    n += check_train("pythia-70m", &o);
    assert_int_equal(TR.item_bytes[TMEM_TI_GATHERED], U64(70426624) * 2);
    o = plan(8); /* torch DDP, fp32 AdamW: DDP buckets, foreach scratch */
    o.precision = TMEM_PRECISION_FP32;
    n += check_train("llama-3.2-1b", &o);
    o.precision = TMEM_PRECISION_AMP_BF16;
    o.optimizer = TMEM_OPTIMIZER_ADAFACTOR;
    n += check_train("qwen2.5-0.5b", &o);
    o = plan(64); /* MoE: experts over ep, 8-bit states, selective recompute */
    o.tp = 2;
    o.pp = 4;
    o.ep = 8;
    o.zero = 1;
    o.sequence_parallel = true;
    o.recompute = TMEM_RECOMPUTE_SELECTIVE;
    o.optimizer = TMEM_OPTIMIZER_ADAM8BIT;
    n += check_train("mixtral-8x7b", &o);
    o.optimizer = TMEM_OPTIMIZER_ADAFACTOR;
    n += check_train("mixtral-8x7b", &o);
    o = plan(16); /* FSDP: full, grad-op (whole less the sharded copy), hybrid */
    o.fsdp = TMEM_FSDP_FULL;
    n += check_train("llama-3-8b", &o);
    o.fsdp = TMEM_FSDP_GRAD_OP;
    n += check_train("llama-3-8b", &o);
    o.fsdp = TMEM_FSDP_HYBRID;
    o.fragmentation_ppm = 51230; /* 5.123 % */
    n += check_train("llama-3-8b", &o);
    o = plan(16); /* FSDP under PP: the stage's unsharded gradients */
    o.pp = 4;
    o.fsdp = TMEM_FSDP_GRAD_OP;
    o.precision = TMEM_PRECISION_BF16_FP32_GRADS;
    n += check_train("llama-3-8b", &o);
    o = plan(8); /* offload: the host ledger */
    o.zero = 2;
    o.offload = TMEM_OFFLOAD_OPTIMIZER;
    o.fp32_grads = true;
    n += check_train("llama-2-7b", &o);
    o.zero = 3;
    o.offload = TMEM_OFFLOAD_PARAMS;
    n += check_train("llama-2-7b", &o);
    /* DeepSpeed's estimator, ZeRO-2 and -3, each offload, zero_init or not */
    for (uint32_t z = 2; z <= 3; z++)
        for (int off = 0; off < TMEM_OFFLOAD_COUNT; off++)
            for (int zi = 0; zi < 2; zi++) {
                o = plan(16);
                o.deepspeed_estimator = true;
                o.zero = z;
                o.offload = (enum tmem_offload)off;
                o.ds_zero_init = zi != 0;
                if (off == TMEM_OFFLOAD_PARAMS && z != 3)
                    continue;
                n += check_train("llama-2-13b", &o);
            }
    print_message("  %u training entries evaluate to their bytes\n", n);
    assert_true(n > 150);
}

static struct tmem_infer_result IR;

static uint32_t check_infer(const char *name, const struct tmem_infer_opts *o)
{
    struct tmem_model m;
    struct tmem_error err = {0};
    tmem_test_load(name, &m, &INV);
    if (tmem_infer_build(&m, &INV, o, &IR, &err) != TMEM_OK)
        fail_msg("%s: %s: %s", name, err.where, err.msg);
    return check_ledger(name, &IR.ledger);
}

static struct tmem_infer_opts serving(void)
{
    struct tmem_infer_opts o;
    tmem_infer_defaults(&o);
    o.gpu = tmem_gpu_find("h100-sxm");
    assert_non_null(o.gpu);
    return o;
}

static void inference_formulas_evaluate_to_their_bytes(void **state)
{
    (void)state;
    uint32_t n = 0;
    for (int f = 0; f < TMEM_WF_COUNT; f++) {
        struct tmem_infer_opts o = serving();
        o.weights = (enum tmem_wformat)f;
        n += check_infer("llama-2-7b", &o);
        o.engine = TMEM_ENGINE_HF;
        o.flash = false; /* naive attention: the s² scores */
        n += check_infer("qwen2.5-0.5b", &o);
    }
    struct tmem_infer_opts o = serving();
    for (int k = 0; k < TMEM_KV_COUNT; k++) {
        o.kv_dtype = (enum tmem_kv_dtype)k;
        o.max_model_len = 8192; /* past both 4096-token windows, within Gemma-2's context */
        n += check_infer("mistral-7b", &o);
        n += check_infer("gemma-2-9b", &o); /* every other layer sliding */
        o.max_model_len = 0;
        n += check_infer("deepseek-v2-lite", &o); /* MLA */
    }
    o = serving();
    o.pp = 2;
    o.tp = 2;
    o.all_logits = true;
    o.cuda_graph_bytes = UINT64_C(1) << 29;
    n += check_infer("llama-3-8b", &o);
    o.weights = TMEM_WF_GGUF_Q4_K_M;
    n += check_infer("mixtral-8x7b", &o);
    o = serving(); /* vLLM's fused-MoE caches, the dummy sampler, tp >= 2 non-torch memory */
    o.max_num_seqs = 1;
    n += check_infer("qwen3-30b-a3b", &o);
    o.max_num_seqs = 1024;
    n += check_infer("qwen2.5-7b", &o);
    o = serving();
    o.tp = 8;
    n += check_infer("deepseek-v3", &o);
    print_message("  %u inference entries evaluate to their bytes\n", n);
    assert_true(n > 100);

    struct tmem_lab_input in;
    struct tmem_lab_result lr;
    tmem_lab_defaults(&in);
    assert_int_equal(tmem_lab_compute(&in, &lr, NULL), TMEM_OK);
    assert_int_equal(check_ledger("lab", &lr.ledger), 4);
}

/* Llama-2-7B's KV cache per token, by hand:
 *   bf16  2 (K, V) × 32 layers × 32 KV heads × 128 d_head × 2 B = 524,288
 *   int8  per token, layer, head and K / V: 128 B of int8 + one 2 B fp16
 *         scale: 2 × 32 × 32 × (128 + 2) = 266,240 (the old text showed
 *         "× 128 d_head × int8" beside it: 262,144)
 *   fp8   2 × 32 × 32 × 128 × 1 = 262,144 per token, plus k_scale and
 *         v_scale of fp32 per layer: 2 × 32 × 4 = 256 B once */
static void kv_text_shows_the_scales(void **state)
{
    (void)state;
    struct tmem_model m;
    struct tmem_kv_layout kv;
    tmem_test_load("llama-2-7b", &m, &INV);
    assert_int_equal(tmem_kv_layout(&m, TMEM_KV_BF16, 1, 0, 32, &kv, NULL), TMEM_OK);
    assert_int_equal(kv.bytes_per_token, 524288);
    assert_string_equal(kv.formula, "2 × 32 layers × 32 KV heads × 128 d_head × bf16");
    assert_string_equal(kv.fixed_formula, "");
    assert_int_equal(tmem_kv_layout(&m, TMEM_KV_INT8, 1, 0, 32, &kv, NULL), TMEM_OK);
    assert_int_equal(kv.bytes_per_token, 266240);
    assert_int_equal(kv.bytes_per_token_layer, 266240 / 32);
    assert_string_equal(kv.formula, "2 × 32 layers × 32 KV heads × (128 d_head × int8 + fp16 scale)");
    assert_int_equal(kv.fixed_bytes, 0);
    assert_int_equal(tmem_kv_layout(&m, TMEM_KV_FP8, 1, 0, 32, &kv, NULL), TMEM_OK);
    assert_int_equal(kv.bytes_per_token, 262144);
    assert_string_equal(kv.formula, "2 × 32 layers × 32 KV heads × 128 d_head × fp8");
    assert_int_equal(kv.fixed_bytes, 256);
    assert_string_equal(kv.fixed_formula, "2 × 32 layers × fp32 scale");
    /* tp 4 over 32 heads: 8 heads per GPU, int8: 2 × 32 × 8 × 130 = 66,560 */
    assert_int_equal(tmem_kv_layout(&m, TMEM_KV_INT8, 4, 0, 32, &kv, NULL), TMEM_OK);
    assert_int_equal(kv.bytes_per_token, 66560);
    assert_string_equal(kv.formula, "2 × 32 layers × 8 KV heads × (128 d_head × int8 + fp16 scale)");
    /* DeepSeek-V2-Lite, MLA: 27 layers × (512 + 64) × 2 B = 31,104 */
    tmem_test_load("deepseek-v2-lite", &m, &INV);
    assert_int_equal(tmem_kv_layout(&m, TMEM_KV_BF16, 2, 0, 27, &kv, NULL), TMEM_OK);
    assert_int_equal(kv.bytes_per_token, 31104);
    assert_string_equal(kv.formula,
                        "27 layers × (kv_lora_rank 512 + qk_rope 64) × bf16 (latent, replicated over tp)");
}

/* One size per dtype: ggml's unquantized block types (one element per
 * block) and the KV dtypes agree with the dtype table: fp32 4 B, fp16 and
 * bf16 2 B, fp8 and int8 1 B (llama-2-7b: 2 · 32 · 32 · 128 · size). */
static void dtype_sizes_agree(void **state)
{
    (void)state;
    const struct {
        uint32_t ggml;
        enum tmem_dtype dt;
    } g[] = {{TMEM_GGML_F32, TMEM_DTYPE_F32}, {TMEM_GGML_F16, TMEM_DTYPE_F16}, {TMEM_GGML_BF16, TMEM_DTYPE_BF16}};
    for (size_t i = 0; i < sizeof g / sizeof g[0]; i++) {
        assert_int_equal(tmem_ggml_type_info(g[i].ggml)->block_elems, 1);
        assert_int_equal(tmem_ggml_type_info(g[i].ggml)->block_bytes * 8, tmem_dtype_info(g[i].dt)->bits);
    }
    static const uint64_t size[TMEM_KV_COUNT] = {
        [TMEM_KV_BF16] = 2, [TMEM_KV_FP16] = 2, [TMEM_KV_FP8] = 1, [TMEM_KV_INT8] = 1, [TMEM_KV_FP32] = 4};
    struct tmem_model m;
    struct tmem_kv_layout kv;
    tmem_test_load("llama-2-7b", &m, &INV);
    for (int k = 0; k < TMEM_KV_COUNT; k++) {
        assert_int_equal(tmem_kv_layout(&m, (enum tmem_kv_dtype)k, 1, 0, 32, &kv, NULL), TMEM_OK);
        uint64_t scales = k == TMEM_KV_INT8 ? 2 * 32 * 32 * 2 : 0; /* one fp16 per token, head, K / V */
        assert_int_equal(kv.bytes_per_token, 2 * 32 * 32 * 128 * size[k] + scales);
        assert_string_equal(tmem_kv_dtype_name((enum tmem_kv_dtype)k),
                            k == TMEM_KV_BF16 ? "bf16" : k == TMEM_KV_FP16 ? "fp16" : k == TMEM_KV_FP8 ? "fp8"
                                                : k == TMEM_KV_INT8 ? "int8" : "fp32");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(evaluator_reads_each_form),
        cmocka_unit_test(training_formulas_evaluate_to_their_bytes),
        cmocka_unit_test(inference_formulas_evaluate_to_their_bytes),
        cmocka_unit_test(kv_text_shows_the_scales),
        cmocka_unit_test(dtype_sizes_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
