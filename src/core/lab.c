/* lab.c — lab mode: the original lab script (memory_accounting.py) the
 * project grew from, reproduced exactly, as a ledger. Its per-layer count
 * 4·d² + m·d² ignores GQA, gating, norms, biases and the lm_head on
 * purpose; the CLI prints it beside the exact inventory to show the gap. */
#include "checked.h"
#include "error.h"
#include "sb.h"
#include "term.h"

#include <string.h>

void tmem_lab_defaults(struct tmem_lab_input *in)
{
    *in = (struct tmem_lab_input){.n_vocab = 32000, .d_model = 4096, .n_layer = 32,
                                  .n_head = 32, .ffn_multiplier = 8, .ffn_multiplier_den = 1,
                                  .precision_bytes = 2,
                                  .adam_bytes = 8, .batch_size = 1, .seq_len = 4096};
}

static enum tmem_status positive(struct tmem_error *err, const char *flag, uint64_t v)
{
    return v > 0 ? TMEM_OK : tmem__fail_value(err, TMEM_ERR_LIMIT, flag, v, "at least 1");
}

static enum tmem_status overflow(struct tmem_error *err, const char *what)
{
    return tmem__fail(err, TMEM_ERR_OVERFLOW, what, "the product does not fit in 64 bits");
}

/* a ledger line: its bytes and formula from term t */
static enum tmem_status add(struct tmem_ledger *l, enum tmem_bucket bk, const char *label,
                            const struct tmem__term *t, uint64_t *bytes, const char *what,
                            struct tmem_error *err)
{
    char f[TMEM_FORMULA_LEN];
    if (!tmem__term_get(t, bytes))
        return overflow(err, what);
    tmem__term_render(t, f, sizeof f);
    return tmem_ledger_add(l, bk, label, *bytes, f, err);
}

/* m = num / den as the script's input reads it ("10.5"); den is a power
 * of ten (checked by the caller) */
static void multiplier_text(char *buf, size_t cap, uint64_t num, uint64_t den)
{
    struct tmem_sb sb;
    tmem__sb_init(&sb, buf, cap);
    tmem__sb_u64(&sb, num / den);
    if (num % den == 0)
        return;
    char frac[24];
    size_t n = 0;
    uint64_t r = num % den;
    for (uint64_t d = den / 10; d > 0 && r > 0 && n + 1 < sizeof frac; d /= 10) {
        frac[n++] = (char)('0' + r / d);
        r %= d;
    }
    frac[n] = '\0';
    tmem__sb_str(&sb, ".");
    tmem__sb_str(&sb, frac);
}

static bool power_of_ten(uint64_t v)
{
    for (uint64_t p = 1; p <= UINT64_C(1000000000); p *= 10)
        if (v == p)
            return true;
    return false;
}

enum tmem_status tmem_lab_compute(const struct tmem_lab_input *in, struct tmem_lab_result *out,
                                  struct tmem_error *err)
{
    if (in == NULL || out == NULL)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "lab", "no input given");
    TRY(positive(err, "--vocab-size", in->n_vocab));
    TRY(positive(err, "--d-model", in->d_model));
    TRY(positive(err, "--layers", in->n_layer));
    TRY(positive(err, "--heads", in->n_head));
    TRY(positive(err, "--precision-bytes", in->precision_bytes));
    TRY(positive(err, "--batch-size", in->batch_size));
    TRY(positive(err, "--seq-len", in->seq_len));
    TRY(tmem__check_divides(err, "--heads", in->n_head, "--d-model", in->d_model));

    uint64_t den = in->ffn_multiplier_den ? in->ffn_multiplier_den : 1;
    if (!power_of_ten(den))
        return tmem__fail_value(err, TMEM_ERR_INVALID_ARG, "--ffn-multiplier", den,
                               "a power of ten up to 10^9 (the denominator of a decimal)");

    struct tmem_lab_result r;
    r.d_head = in->d_model / in->n_head;
    multiplier_text(r.ffn_multiplier_text, sizeof r.ffn_multiplier_text, in->ffn_multiplier, den);
    /* Python's m * d_model**2 with a float m: a whole number of parameters
     * only when m · d² is whole (10.5 · 8192²); tmem computes it exactly
     * and refuses the fractional case rather than print a fraction */
    uint64_t d2, md2;
    if (!tmem_mul_u64(in->d_model, in->d_model, &d2) || !tmem_mul_u64(d2, in->ffn_multiplier, &md2))
        return overflow(err, "ffn_params_per_layer");
    if (md2 % den != 0) {
        char msg[TMEM_ERROR_MSG_LEN];
        struct tmem_sb sb;
        tmem__sb_init(&sb, msg, sizeof msg);
        tmem__sb_str(&sb, "is ");
        tmem__sb_str(&sb, r.ffn_multiplier_text);
        tmem__sb_str(&sb, ", and ");
        tmem__sb_str(&sb, r.ffn_multiplier_text);
        tmem__sb_str(&sb, " · d_model² is not a whole number of parameters (d_model ");
        tmem__sb_u64(&sb, in->d_model);
        tmem__sb_str(&sb, ")");
        return tmem__fail(err, TMEM_ERR_INCONSISTENT, "--ffn-multiplier", msg);
    }
    /* the script's counts: 4·d² + m·d² per layer, V·d, L·(…) + V·d */
    struct tmem__term attn, ffn, embed, total;
    tmem__term_init(&attn, false);
    tmem__term_mul(&attn, NULL, 4);
    tmem__term_mul(&attn, "d_model", in->d_model);
    tmem__term_mul(&attn, "d_model", in->d_model);
    tmem__term_init(&ffn, false);
    if (den == 1)
        tmem__term_mul(&ffn, "ffn_multiplier", in->ffn_multiplier);
    else /* exact: the product is whole (checked above) */
        tmem__term_mul_frac(&ffn, "ffn_multiplier", r.ffn_multiplier_text, in->ffn_multiplier, den);
    tmem__term_mul(&ffn, "d_model", in->d_model);
    tmem__term_mul(&ffn, "d_model", in->d_model);
    tmem__term_init(&embed, false);
    tmem__term_mul(&embed, "vocab_size", in->n_vocab);
    tmem__term_mul(&embed, "d_model", in->d_model);
    r.attention_formula = "4 · d_model²";
    r.ffn_formula = "ffn_multiplier · d_model²";
    r.embedding_formula = "vocab_size · d_model";
    r.total_formula = "layers · (attention + ffn) + embedding";
    if (!tmem__term_get(&attn, &r.attention_params_per_layer) ||
        !tmem__term_get(&ffn, &r.ffn_params_per_layer) || !tmem__term_get(&embed, &r.embedding_params))
        return overflow(err, "total_params");
    struct tmem__term layer;
    tmem__term_init(&layer, false);
    tmem__term_mul(&layer, "attention", r.attention_params_per_layer);
    tmem__term_plus(&layer, "ffn", r.ffn_params_per_layer);
    tmem__term_init(&total, false);
    tmem__term_mul(&total, "layers", in->n_layer);
    tmem__term_mul_term(&total, &layer);
    tmem__term_plus(&total, "embedding", r.embedding_params);
    if (!tmem__term_get(&total, &r.total_params))
        return overflow(err, "total_params");

    struct tmem__term t;
    tmem_ledger_init(&r.ledger);
    tmem__term_init(&t, true);
    tmem__term_mul(&t, "total_params", r.total_params);
    tmem__term_mul(&t, "precision_bytes", in->precision_bytes);
    TRY(add(&r.ledger, TMEM_BUCKET_WEIGHTS, "parameters", &t, &r.param_bytes, "param_memory", err));
    TRY(add(&r.ledger, TMEM_BUCKET_GRADIENTS, "gradients", &t, &r.grad_bytes, "param_memory", err));
    tmem__term_init(&t, true);
    tmem__term_mul(&t, "total_params", r.total_params);
    tmem__term_mul(&t, "adam_bytes", in->adam_bytes);
    TRY(add(&r.ledger, TMEM_BUCKET_OPTIMIZER_STATES, "Adam states", &t, &r.adam_bytes, "param_memory", err));
    tmem__term_init(&t, true);
    tmem__term_mul(&t, "b", in->batch_size);
    tmem__term_mul(&t, "s", in->seq_len);
    tmem__term_mul(&t, "n_layer", in->n_layer);
    tmem__term_mul(&t, "n_head", in->n_head);
    tmem__term_mul(&t, "d_head", r.d_head);
    tmem__term_mul(&t, NULL, 2);
    tmem__term_mul(&t, "precision_bytes", in->precision_bytes);
    TRY(add(&r.ledger, TMEM_BUCKET_KV_CACHE, "KV cache (serving)", &t, &r.kv_cache_bytes, "kv_cache_bytes",
                err));
    *out = r;
    return TMEM_OK;
}

double tmem_relative_error(uint64_t approx, uint64_t exact)
{
    if (exact == 0)
        return 0.0;
    return ((double)approx - (double)exact) / (double)exact;
}
