/* test_lora.c — adapter fine-tuning against published and hand figures:
 * PEFT's print_trainable_parameters counts (r 8 on q,v of Llama-2-7B:
 * 4,194,304 of 6,742,609,920, derived by hand in DESIGN.md; r 16 on all
 * linear layers of Llama-3-8B: 41,943,040 by hand), GQA's narrow k/v and MoE experts by hand,
 * bitsandbytes' NF4 storage of Llama-2-7B's linear layers by hand, a QLoRA
 * ledger item by item, the plans refused, the adapter fixes, and
 * Megatron's 6 + 12/dp bytes per parameter. */
#include "harness.h"

#include "reader.h"
#include "tmem/train.h"

#include <string.h>

static void load(const char *name, struct tmem_model *m, struct tmem_inventory *inv)
{
    assert_int_equal(tmem_model_load(name, NULL, m, NULL), TMEM_OK);
    assert_int_equal(tmem_model_resolve(m, m, NULL), TMEM_OK);
    assert_int_equal(tmem_inventory_build(m, inv, NULL), TMEM_OK);
}

static struct tmem_kind_set targets(const char *list)
{
    char buf[128];
    strcpy(buf, list);
    struct tmem_kind_set k = {{0}};
    for (char *p = strtok(buf, ","); p != NULL; p = strtok(NULL, ","))
        k = tmem_kind_set_or(k, tmem_lora_target_kinds(p));
    return k;
}

static void peft_counts(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    struct tmem_train_opts o;
    struct tmem_lora_params p;
    load("llama-2-7b", &m, &inv);
    tmem_train_opts_default(&o);
    o.lora_rank = 8;
    o.lora_targets = targets("q_proj,v_proj");
    assert_int_equal(tmem_lora_count(&m, &inv, &o, &p, NULL), TMEM_OK);
    /* "trainable params: 4,194,304 || all params: 6,742,609,920": 32 layers ×
     * 2 targets × 8 × (4096 + 4096), all = the base's 6,738,415,616 + those */
    assert_int_equal(p.adapter_params, U64(4194304));
    assert_int_equal(p.trainable_params, U64(4194304));
    assert_int_equal(p.all_params, U64(6742609920));
    assert_int_equal(p.targeted_linears, 64);
    /* the short names are the same layers */
    o.lora_targets = targets("q,v");
    assert_int_equal(tmem_lora_count(&m, &inv, &o, &p, NULL), TMEM_OK);
    assert_int_equal(p.adapter_params, U64(4194304));
    /* DoRA adds a magnitude of d_out per target: + 32 × 2 × 4096 */
    o.dora = true;
    assert_int_equal(tmem_lora_count(&m, &inv, &o, &p, NULL), TMEM_OK);
    assert_int_equal(p.adapter_params, U64(4194304) + 262144);
    o.dora = false;
    /* modules_to_save lm_head: a trainable copy of 32000 × 4096, counted in
     * all params too (PEFT's ModulesToSaveWrapper keeps the original) */
    o.modules_to_save = tmem_lora_module_kinds("lm_head");
    assert_int_equal(tmem_lora_count(&m, &inv, &o, &p, NULL), TMEM_OK);
    assert_int_equal(p.trainable_params, U64(4194304) + U64(131072000));
    assert_int_equal(p.all_params, U64(6742609920) + U64(131072000));

    /* Llama-3-8B, r 16, all-linear, GQA k/v 4096 → 1024, d_ff 14336:
     * per layer 16·(2·8192 + 2·5120 + 3·18432) = 1,310,720; × 32 */
    load("llama-3-8b", &m, &inv);
    tmem_train_opts_default(&o);
    o.lora_rank = 16;
    o.lora_targets = tmem_lora_target_kinds("all-linear");
    assert_int_equal(tmem_lora_count(&m, &inv, &o, &p, NULL), TMEM_OK);
    assert_int_equal(p.adapter_params, U64(41943040));
    assert_int_equal(p.all_params, U64(8030261248) + U64(41943040));
    assert_int_equal(p.targeted_linears, 32 * 7);
}

/* MoE: every routed expert carries its own adapters; all-linear includes
 * the router (an nn.Linear). By hand from the model's dimensions. */
/* Encoder-decoders: PEFT matches "q" / "q_proj" as the suffix of a module
 * path, so one name stands for the encoder's self-attention, the decoder's
 * self-attention and its cross-attention (EncDecAttention / encoder_attn),
 * kinds past the first 64 (the kind set's later words). The train ledger
 * still refuses adapters on these families (their activations are not
 * modelled yet), so the count here is PEFT's rule written out over the
 * inventory: r · (d_in + d_out) per targeted matrix (+ d_out for DoRA). */
static uint64_t peft_rule(const struct tmem_inventory *inv, struct tmem_kind_set set, uint64_t r, bool dora,
                          uint64_t *linears)
{
    uint64_t n = 0;
    *linears = 0;
    for (uint32_t i = 0; i < inv->n_tensors; i++) {
        const struct tmem_tensor *t = &inv->tensors[i];
        if (!tmem_kind_set_has(&set, (int)t->kind))
            continue;
        n += t->count * (r * (t->rows + t->cols) + (dora ? t->cols : 0));
        *linears += t->count;
    }
    return n;
}

static void encdec_targets(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    uint64_t lin;
    assert_true(TMEM_TENSOR_KIND_XATTN_V >= 64 && TMEM_TENSOR_KIND_ENC_ATTN_V >= 64);
    /* t5-small by hand: d_model 512, 8 heads × d_kv 64 = 512, 6 + 6 layers;
     * q and v in the encoder's SelfAttention (6 × 2), the decoder's
     * SelfAttention (6 × 2) and EncDecAttention (6 × 2): 36 linears of
     * 512 × 512, each lora_A [8, 512] + lora_B [512, 8] = 8 × (512 + 512) =
     * 8,192; 36 × 8,192 = 294,912 */
    load("t5-small", &m, &inv);
    assert_int_equal(peft_rule(&inv, targets("q,v"), 8, false, &lin), 294912);
    assert_int_equal(lin, 36);
    /* all-linear by hand: per encoder layer q, k, v, o (512 × 512) + wi
     * (512 × 2048) + wo (2048 × 512) = 4 × 8 × 1024 + 2 × 8 × 2560 = 73,728;
     * per decoder layer 8 attention linears + wi + wo = 8 × 8,192 + 40,960 =
     * 106,496; 6 × (73,728 + 106,496) = 1,081,344 (the lm_head excluded) */
    assert_int_equal(peft_rule(&inv, tmem_lora_target_kinds("all-linear"), 8, false, &lin), 1081344);
    assert_int_equal(lin, 6 * (6 + 10));
    /* T5 module names: wi, wo are the feed-forward of both stacks: 12 × 2 ×
     * 8 × (512 + 2048) = 491,520; k, o the other attention linears */
    assert_int_equal(peft_rule(&inv, targets("wi,wo"), 8, false, &lin), 491520);
    assert_int_equal(peft_rule(&inv, targets("k,o"), 8, false, &lin), 294912);
    /* DoRA: + d_out per target, 36 × 512 = 18,432 */
    assert_int_equal(peft_rule(&inv, targets("q,v"), 8, true, &lin), 294912 + 18432);

    /* PEFT's LoRA example for google/flan-t5-base (r 8, its default T5
     * targets q, v: peft/utils/constants.py
     * TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING "t5": ["q", "v"]):
     * "trainable params: 884,736 || all params: 248,462,592 || trainable%:
     * 0.3560841867092814" = 12 layers × 6 linears × 8 × (768 + 768), and the
     * base's 247,577,856 */
    load("flan-t5-base", &m, &inv);
    assert_int_equal(peft_rule(&inv, targets("q,v"), 8, false, &lin), U64(884736));
    assert_int_equal(inv.total_params + U64(884736), U64(248462592));
    /* gated v1.1: wi_0 and wi_1 (768 × 2048 each) in 24 layers:
     * 24 × 2 × 8 × (768 + 2048) = 1,081,344 */
    assert_int_equal(peft_rule(&inv, targets("wi_0,wi_1"), 8, false, &lin), 1081344);

    /* bart-base by hand (PEFT's default for bart: q_proj, v_proj): d_model
     * 768, 6 + 6 layers, self_attn q/v in both stacks and encoder_attn q/v
     * in the decoder: 36 × 8 × (768 + 768) = 442,368; o, fc1, fc2:
     * 12 self + 6 cross out_proj of 768 × 768 and 12 × (fc1 768 × 3072 +
     * fc2 3072 × 768) = 18 × 12,288 + 24 × 30,720 = 958,464. PEFT's
     * "out_proj" matches all 18: tmem_lora_targets_for_model adds the
     * decoder self-attention's (the decoder-only o_proj kind, which the
     * bare name must not reach on Jamba) on a model without Mamba mixers */
    load("bart-base", &m, &inv);
    assert_int_equal(peft_rule(&inv, targets("q_proj,v_proj"), 8, false, &lin), 442368);
    assert_int_equal(lin, 36);
    assert_int_equal(peft_rule(&inv, targets("o,fc1,fc2"), 8, false, &lin), 958464);
    assert_int_equal(lin, 18 + 24);
    assert_int_equal(peft_rule(&inv, tmem_lora_targets_for_model(&m, targets("out_proj,fc1,fc2")), 8, false, &lin),
                     958464);
    assert_int_equal(lin, 18 + 24);
    /* without the model the bare name holds the 6 encoder self and 6 cross
     * out_proj: 12 × 12,288 + 24 × 30,720 = 884,736 */
    assert_int_equal(peft_rule(&inv, targets("out_proj,fc1,fc2"), 8, false, &lin), 884736);
    assert_int_equal(lin, 12 + 24);
    /* on Jamba (Mamba mixers) out_proj stays the mixer's: no attention o_proj added */
    struct tmem_model jm = {0};
    jm.ssm = TMEM_SSM_MAMBA;
    struct tmem_kind_set js = tmem_lora_targets_for_model(&jm, targets("out_proj"));
    assert_false(tmem_kind_set_has(&js, TMEM_TENSOR_KIND_ATTN_O));
    assert_true(tmem_kind_set_has(&js, TMEM_TENSOR_KIND_SSM_OUT_PROJ));
}

static void moe_counts(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    struct tmem_train_opts o;
    struct tmem_lora_params p;
    load("mixtral-8x7b", &m, &inv);
    tmem_train_opts_default(&o);
    o.lora_rank = 8;
    o.lora_targets = targets("gate,up,down");
    assert_int_equal(tmem_lora_count(&m, &inv, &o, &p, NULL), TMEM_OK);
    uint64_t h = m.d_model, f = m.d_ff_expert, r = 8;
    assert_int_equal(p.adapter_params, m.n_layer * m.n_expert * 3 * r * (h + f));
    o.lora_targets = tmem_lora_target_kinds("all-linear");
    assert_int_equal(tmem_lora_count(&m, &inv, &o, &p, NULL), TMEM_OK);
    uint64_t kv = m.n_kv_head * m.d_head, q = m.n_head * m.d_head;
    uint64_t per_layer = r * (h + q) * 2 + r * (h + kv) * 2 + r * (h + m.n_expert) +
                         m.n_expert * 3 * r * (h + f);
    assert_int_equal(p.adapter_params, m.n_layer * per_layer);
}

/* bitsandbytes NF4 of Llama-2-7B's linear layers, by hand: a 4096² matrix
 * is 8,388,608 B of packed 4-bit + 262,144 fp32 absmax (blocks of 64) =
 * 9,437,184 B; a 4096 × 11008 one 22,544,384 + 4 × 704,512 = 25,362,432 B.
 * Per layer 4 × 9,437,184 + 3 × 25,362,432 = 113,836,032; × 32 =
 * 3,642,753,024. The rest stays bf16: embedding and lm_head 2 × 131,072,000
 * × 2 B, 65 norms of 4096 × 2 B: 524,820,480. Double quantization: the
 * absmax as 1 B, an fp32 scale per 256 of them and the fp32 offset:
 * 8,388,608 + 262,144 + 4 × 1024 + 4 = 8,654,852 and 22,544,384 + 704,512 +
 * 4 × 2752 + 4 = 23,259,908 B; per layer 104,399,132. */
static void nf4_storage(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    struct tmem_train_opts o;
    struct tmem_train_result r;
    load("llama-2-7b", &m, &inv);
    tmem_train_opts_default(&o);
    o.seq = 512;
    o.lora_rank = 8;
    o.lora_targets = targets("q,v");
    o.precision = TMEM_PRECISION_AMP_BF16; /* HF: adapters fp32, 4 B weights / grads / states */
    o.base_quant = TMEM_BASE_QUANT_NF4;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    uint64_t base = U64(3642753024) + U64(524820480), adapters = U64(4194304);
    assert_int_equal(r.item_bytes[TMEM_TI_WEIGHTS], base + adapters * 4);
    o.base_quant = TMEM_BASE_QUANT_NF4_DQ;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_WEIGHTS], U64(104399132) * 32 + U64(524820480) + adapters * 4);
    /* int8: n + 4 B per output row: 4 × (16,777,216 + 16,384) + 2 ×
     * (45,088,768 + 44,032) + (45,088,768 + 16,384) per layer */
    o.base_quant = TMEM_BASE_QUANT_INT8;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    uint64_t int8_layer = 4 * (U64(16777216) + 16384) + 2 * (U64(45088768) + 44032) + U64(45088768) + 16384;
    assert_int_equal(r.item_bytes[TMEM_TI_WEIGHTS], int8_layer * 32 + U64(524820480) + adapters * 4);
}

/* A QLoRA ledger by hand: Llama-2-7B, NF4, r 8 on q,v, amp-bf16 (fp32
 * adapters, fp32 gradients and Adam states, no master copy), b 1, s 512. */
static void qlora_ledger_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    struct tmem_train_opts o, full;
    struct tmem_train_result r, f;
    load("llama-2-7b", &m, &inv);
    tmem_train_opts_default(&o);
    o.seq = 512;
    o.precision = TMEM_PRECISION_AMP_BF16;
    full = o;
    o.lora_rank = 8;
    o.lora_targets = targets("q,v");
    o.base_quant = TMEM_BASE_QUANT_NF4;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(tmem_train_compute(&m, &inv, &full, UINT64_MAX, &f, NULL), TMEM_OK);
    uint64_t P = U64(4194304);
    assert_int_equal(r.layout.trainable_params, P);
    assert_int_equal(r.item_bytes[TMEM_TI_GRADS], P * 4);
    assert_int_equal(r.item_bytes[TMEM_TI_MASTER], 0);
    assert_int_equal(r.item_bytes[TMEM_TI_STATE0], P * 4);
    assert_int_equal(r.item_bytes[TMEM_TI_STATE1], P * 4);
    /* autocast casts only the fp32 adapters (the base is bf16 / NF4) */
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_AUTOCAST], P * 2);
    /* the saved A·x: 512 tokens × 2 targets × r 8 × 2 B per layer, × 32;
     * the frozen norm weight keeps no normalized output (y: 4096 × 4 B, the
     * residual stream is fp32 under autocast) */
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN],
                     f.item_bytes[TMEM_TI_ACT_ATTN] + U64(512) * 2 * 8 * 2 * 32 - U64(512) * 4096 * 4 * 32);
    /* MLP untargeted and frozen: no norm y, no gate/up input (4096 × 2 B),
     * no down input (11008 × 2 B) */
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_MLP],
                     f.item_bytes[TMEM_TI_ACT_MLP] - U64(512) * (4096 * 4 + 4096 * 2 + 11008 * 2) * 32);
    /* the frozen embedding keeps no token ids (8 B), the frozen lm_head no
     * input (4096 × 2 B), the final norm no y (4096 × 4 B) */
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ENDS],
                     f.item_bytes[TMEM_TI_ACT_ENDS] - U64(512) * (8 + 4096 * 2 + 4096 * 4));
    /* the largest NF4 linear, 4096 × 11008, dequantized to bf16 */
    assert_int_equal(r.item_bytes[TMEM_TI_WEIGHT_TEMP], U64(45088768) * 2);
    assert_int_equal(f.item_bytes[TMEM_TI_WEIGHT_TEMP], 0);
    /* lora_dropout 0.1: per target the dropped input (bf16) and its mask,
     * 4096 wide: 512 × 2 × 4096 × 3 B per layer */
    o.lora_dropout_ppm = 100000;
    struct tmem_train_result d;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &d, NULL), TMEM_OK);
    assert_int_equal(d.item_bytes[TMEM_TI_ACT_ATTN], r.item_bytes[TMEM_TI_ACT_ATTN] + U64(512) * 2 * 4096 * 3 * 32);
    /* DoRA: its magnitude (4096 per target, trainable), two d_out outputs
     * saved per target, and B·A and W + s·B·A of a 4096² target */
    o.lora_dropout_ppm = 0;
    o.dora = true;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &d, NULL), TMEM_OK);
    assert_int_equal(d.layout.trainable_params, P + 32 * 2 * 4096);
    assert_int_equal(d.item_bytes[TMEM_TI_ACT_ATTN], r.item_bytes[TMEM_TI_ACT_ATTN] + U64(512) * 2 * 2 * 4096 * 2 * 32);
    assert_int_equal(d.item_bytes[TMEM_TI_WEIGHT_TEMP], U64(45088768) * 2 + 2 * U64(16777216) * 2);
    /* the ledger's entries add up to the peak phase */
    static struct tmem_ledger led;
    assert_int_equal(tmem_train_ledger(&m, &inv, &o, &d, d.peak_phase, false, &led, NULL), TMEM_OK);
    assert_int_equal(led.total_bytes, d.peak_bytes);
    /* under bf16-mixed the adapters have bf16 weights and gradients and an
     * fp32 master copy: 2 + 2 + 4 + 8 bytes per trainable parameter */
    o.dora = false;
    o.precision = TMEM_PRECISION_BF16_MIXED;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &d, NULL), TMEM_OK);
    assert_int_equal(d.item_bytes[TMEM_TI_GRADS], P * 2);
    assert_int_equal(d.item_bytes[TMEM_TI_MASTER], P * 4);
    assert_int_equal(d.item_bytes[TMEM_TI_WEIGHTS], U64(3642753024) + U64(524820480) + P * 2);
}

/* Tensor parallel: a column-parallel target keeps lora_A whole and splits
 * lora_B; a row-parallel one splits lora_A. q,o on Llama-2-7B at tp 2:
 * per layer q: 8·4096 + 8·2048, o: 8·2048 + 8·4096. */
static void tensor_parallel_adapters(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    struct tmem_train_opts o;
    struct tmem_train_result r;
    load("llama-2-7b", &m, &inv);
    tmem_train_opts_default(&o);
    o.seq = 512;
    o.tp = 2;
    o.gpus = 2;
    o.lora_rank = 8;
    o.lora_targets = targets("q,o");
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.layout.trainable_params, U64(32) * 2 * 8 * (4096 + 2048));
}

static void bad_plans(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    struct tmem_train_opts o;
    struct tmem_error err;
    load("llama-2-7b", &m, &inv);
    tmem_train_opts_default(&o);
    o.base_quant = TMEM_BASE_QUANT_NF4; /* quantized base, nothing to train */
    memset(&err, 0, sizeof err);
    assert_int_equal(tmem_train_validate(&m, &o, &err), TMEM_ERR_INCONSISTENT);
    assert_string_equal(err.where, "--base-quant");
    tmem_train_opts_default(&o);
    o.lora_rank = 8; /* no targets */
    assert_int_equal(tmem_train_validate(&m, &o, &err), TMEM_ERR_INCONSISTENT);
    assert_string_equal(err.where, "--lora-targets");
    o.lora_targets = tmem_kind_set_of(TMEM_TENSOR_KIND_LAYER_NORM); /* not a linear */
    assert_int_equal(tmem_train_validate(&m, &o, &err), TMEM_ERR_INCONSISTENT);
    /* a bit past the last kind (the set has room for 256): out of range, as is
     * one in the last word */
    o.lora_targets = tmem_lora_target_kinds("q");
    o.lora_targets.w[TMEM_TENSOR_KIND_COUNT / 64] |= UINT64_C(1) << (TMEM_TENSOR_KIND_COUNT % 64);
    assert_int_equal(tmem_train_validate(&m, &o, &err), TMEM_ERR_INVALID_ARG);
    assert_string_equal(err.where, "--lora-targets");
    o.lora_targets = tmem_lora_target_kinds("q");
    o.modules_to_save.w[TMEM_KIND_SET_WORDS - 1] = UINT64_C(1) << 63;
    assert_int_equal(tmem_train_validate(&m, &o, &err), TMEM_ERR_INVALID_ARG);
    o.modules_to_save = (struct tmem_kind_set){{0}};
    /* the kind set keeps the plan whole words, as the prepared plan's key masks read it */
    assert_int_equal(sizeof(struct tmem_train_opts) % sizeof(uint64_t), 0);
    assert_true(TMEM_KIND_SET_WORDS * 64 >= TMEM_TENSOR_KIND_COUNT);
    o.lora_targets = tmem_lora_target_kinds("q");
    o.base_quant = TMEM_BASE_QUANT_COUNT;
    assert_int_equal(tmem_train_validate(&m, &o, &err), TMEM_ERR_INVALID_ARG);
    o.base_quant = TMEM_BASE_QUANT_NONE;
    o.lora_rank = TMEM_MAX_LORA_RANK + 1;
    assert_int_equal(tmem_train_validate(&m, &o, &err), TMEM_ERR_LIMIT);
    assert_false(tmem_kind_set_any(tmem_lora_target_kinds("qq")));
    assert_false(tmem_kind_set_any(tmem_lora_target_kinds(NULL)));
    assert_false(tmem_kind_set_any(tmem_lora_module_kinds("norm")));
    assert_int_equal(tmem_base_quant_from_name("nf5"), TMEM_BASE_QUANT_COUNT);
    assert_string_equal(tmem_base_quant_name(TMEM_BASE_QUANT_NF4_DQ), "nf4-dq");
}

/* A full fine-tune of Llama-3-8B does not fit an RTX 4090 (24 GiB): the
 * fixes offer LoRA and QLoRA (r 16, all-linear), each with the peak of the
 * plan it names; a LoRA plan is offered only the NF4 base. */
static void adapter_fixes(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    struct tmem_train_opts o;
    struct tmem_train_fix fixes[TMEM_TRAIN_LEVER_COUNT];
    load("llama-3-8b", &m, &inv);
    tmem_train_opts_default(&o);
    o.seq = 2048;
    uint64_t cap = U64(25757220864); /* the RTX 4090 as the device reports it */
    size_t n = tmem_train_suggest(&m, &inv, &o, cap, fixes, TMEM_TRAIN_LEVER_COUNT);
    int seen = 0;
    for (size_t i = 0; i < n; i++) {
        if (fixes[i].lever != TMEM_TRAIN_LEVER_LORA && fixes[i].lever != TMEM_TRAIN_LEVER_QLORA)
            continue;
        seen++;
        assert_int_equal(fixes[i].opts.lora_rank, 16);
        assert_true(tmem_kind_set_equal(fixes[i].opts.lora_targets, tmem_lora_target_kinds("all-linear")));
        struct tmem_train_result r;
        assert_int_equal(tmem_train_compute(&m, &inv, &fixes[i].opts, UINT64_MAX, &r, NULL), TMEM_OK);
        assert_int_equal(r.peak_bytes, fixes[i].peak_bytes);
        assert_int_equal(fixes[i].fits, r.peak_bytes <= cap);
        if (fixes[i].lever == TMEM_TRAIN_LEVER_QLORA) {
            assert_int_equal(fixes[i].opts.base_quant, TMEM_BASE_QUANT_NF4);
            assert_true(fixes[i].fits);
        }
    }
    assert_int_equal(seen, 2);
    o.lora_rank = 16;
    o.lora_targets = tmem_lora_target_kinds("all-linear");
    o.micro_batch = 4;
    n = tmem_train_suggest(&m, &inv, &o, cap, fixes, TMEM_TRAIN_LEVER_COUNT);
    seen = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(fixes[i].lever != TMEM_TRAIN_LEVER_LORA);
        if (fixes[i].lever == TMEM_TRAIN_LEVER_QLORA) {
            seen++;
            assert_string_equal(fixes[i].what, "--base-quant nf4");
        }
    }
    assert_int_equal(seen, 1);
}

/* Megatron-LM with the distributed optimizer: bf16 params (2 B), fp32
 * main grads (4 B), fp32 master + Adam m, v (12 B) over dp: 6 + 12/dp B
 * per parameter. Llama-2-7B over dp 8: 6 × P + 12 × P / 8. */
static void megatron_bytes_per_param(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    struct tmem_train_opts o;
    struct tmem_train_result r;
    load("llama-2-7b", &m, &inv);
    tmem_train_opts_default(&o);
    o.seq = 2048;
    o.gpus = 8;
    o.distributed_optimizer = true;
    o.precision = tmem_precision_from_name("bf16-fp32-grads");
    assert_int_equal(o.precision, TMEM_PRECISION_BF16_FP32_GRADS);
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    uint64_t P = U64(6738415616);
    uint64_t states = r.item_bytes[TMEM_TI_WEIGHTS] + r.item_bytes[TMEM_TI_GRADS] + r.item_bytes[TMEM_TI_GRADS_FP32] +
                      r.item_bytes[TMEM_TI_MASTER] + r.item_bytes[TMEM_TI_STATE0] + r.item_bytes[TMEM_TI_STATE1];
    assert_int_equal(states, 6 * P + 12 * P / 8);
    /* --fp32-grad-accum adds nothing: the gradients are the fp32 buffer */
    o.fp32_grads = true;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_GRADS_FP32], 0);
    assert_int_equal(r.item_bytes[TMEM_TI_GRADS], 4 * P);
}

/* torchtune's optimizer in backward: each gradient is stepped and freed as
 * it is made, so one lives at a time: the largest, the 32000 × 4096
 * embedding of Llama-2-7B (2 B each under pure bf16); no foreach scratch. */
static void optimizer_in_backward(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    struct tmem_train_opts o;
    struct tmem_train_result r;
    struct tmem_error err;
    load("llama-2-7b", &m, &inv);
    tmem_train_opts_default(&o);
    o.seq = 2048;
    o.precision = TMEM_PRECISION_BF16;
    o.optimizer_in_backward = true;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_GRADS], U64(131072000) * 2);
    assert_int_equal(r.item_bytes[TMEM_TI_STEP_SCRATCH], 0);
    /* with adapters: the largest adapter, lora_B of gate/up (11008 × 16) or
     * lora_A of down (16 × 11008): 176,128 elements */
    o.lora_rank = 16;
    o.lora_targets = tmem_lora_target_kinds("all-linear");
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_GRADS], U64(176128) * 2);
    o.grad_accum = 4;
    memset(&err, 0, sizeof err);
    assert_int_equal(tmem_train_validate(&m, &o, &err), TMEM_ERR_INCONSISTENT);
    assert_string_equal(err.where, "--optimizer-in-backward");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(peft_counts),
        cmocka_unit_test(encdec_targets),
        cmocka_unit_test(moe_counts),
        cmocka_unit_test(nf4_storage),
        cmocka_unit_test(qlora_ledger_by_hand),
        cmocka_unit_test(tensor_parallel_adapters),
        cmocka_unit_test(bad_plans),
        cmocka_unit_test(adapter_fixes),
        cmocka_unit_test(megatron_bytes_per_param),
        cmocka_unit_test(optimizer_in_backward),
    };
    return cmocka_run_group_tests_name("lora", tests, NULL, NULL);
}
