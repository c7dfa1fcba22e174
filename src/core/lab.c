/* lab.c — lab mode: the original lab script (memory_accounting.py) the
 * project grew from, reproduced exactly, as a ledger. Its per-layer count
 * 4·d² + m·d² ignores GQA, gating, norms, biases and the lm_head on
 * purpose; the CLI prints it beside the exact inventory to show the gap. */
#include "checked.h"
#include "error.h"
#include "sb.h"

#include <string.h>

void tmem_lab_defaults(struct tmem_lab_input *in)
{
    *in = (struct tmem_lab_input){.n_vocab = 32000, .d_model = 4096, .n_layer = 32,
                                  .n_head = 32, .ffn_multiplier = 8, .precision_bytes = 2,
                                  .adam_bytes = 8, .batch_size = 1, .seq_len = 4096};
}

static enum tmem_status positive(struct tmem_error *err, const char *flag, uint64_t v)
{
    return v > 0 ? TMEM_OK : tmem_fail_value(err, TMEM_ERR_LIMIT, flag, v, "at least 1");
}

static enum tmem_status overflow(struct tmem_error *err, const char *what)
{
    return tmem_fail(err, TMEM_ERR_OVERFLOW, what, "the product does not fit in 64 bits");
}

/* "<syms> = a × b × ..." into buf */
static void formula(char *buf, size_t cap, const char *syms, const uint64_t *f, size_t n)
{
    struct tmem_sb sb;
    tmem_sb_init(&sb, buf, cap);
    tmem_sb_str(&sb, syms);
    tmem_sb_str(&sb, " = ");
    tmem_sb_product(&sb, f, n);
}

enum tmem_status tmem_lab_compute(const struct tmem_lab_input *in, struct tmem_lab_result *out,
                                  struct tmem_error *err)
{
    if (in == NULL || out == NULL)
        return tmem_fail(err, TMEM_ERR_INVALID_ARG, "lab", "no input given");
    TRY(positive(err, "--vocab-size", in->n_vocab));
    TRY(positive(err, "--d-model", in->d_model));
    TRY(positive(err, "--layers", in->n_layer));
    TRY(positive(err, "--heads", in->n_head));
    TRY(positive(err, "--precision-bytes", in->precision_bytes));
    TRY(positive(err, "--batch-size", in->batch_size));
    TRY(positive(err, "--seq-len", in->seq_len));
    TRY(tmem_check_divides(err, "--heads", in->n_head, "--d-model", in->d_model));

    struct tmem_lab_result r;
    r.d_head = in->d_model / in->n_head;
    uint64_t d2, per_layer, layers, kv_a, kv_b;
    if (!tmem_mul_u64(in->d_model, in->d_model, &d2) ||
        !tmem_mul_u64(4, d2, &r.attention_params_per_layer) ||
        !tmem_mul_u64(in->ffn_multiplier, d2, &r.ffn_params_per_layer) ||
        !tmem_add_u64(r.attention_params_per_layer, r.ffn_params_per_layer, &per_layer) ||
        !tmem_mul_u64(in->n_layer, per_layer, &layers) ||
        !tmem_mul_u64(in->n_vocab, in->d_model, &r.embedding_params) ||
        !tmem_add_u64(layers, r.embedding_params, &r.total_params))
        return overflow(err, "total_params");
    if (!tmem_mul_u64(r.total_params, in->precision_bytes, &r.param_bytes) ||
        !tmem_mul_u64(r.total_params, in->adam_bytes, &r.adam_bytes))
        return overflow(err, "param_memory");
    r.grad_bytes = r.param_bytes;
    if (!tmem_mul3_u64(in->batch_size, in->seq_len, in->n_layer, &kv_a) ||
        !tmem_mul3_u64(in->n_head, r.d_head, 2, &kv_b) ||
        !tmem_mul3_u64(kv_a, kv_b, in->precision_bytes, &r.kv_cache_bytes))
        return overflow(err, "kv_cache_bytes");

    char f[TMEM_FORMULA_LEN];
    tmem_ledger_init(&r.ledger);
    const uint64_t fw[] = {r.total_params, in->precision_bytes};
    formula(f, sizeof f, "total_params × precision_bytes", fw, 2);
    TRY(tmem_ledger_add(&r.ledger, TMEM_BUCKET_WEIGHTS, "parameters", r.param_bytes, f, err));
    TRY(tmem_ledger_add(&r.ledger, TMEM_BUCKET_GRADIENTS, "gradients", r.grad_bytes, f, err));
    const uint64_t fa[] = {r.total_params, in->adam_bytes};
    formula(f, sizeof f, "total_params × adam_bytes", fa, 2);
    TRY(tmem_ledger_add(&r.ledger, TMEM_BUCKET_OPTIMIZER_STATES, "Adam states", r.adam_bytes, f,
                        err));
    const uint64_t fk[] = {in->batch_size, in->seq_len,  in->n_layer, in->n_head,
                           r.d_head,       2,            in->precision_bytes};
    formula(f, sizeof f, "b × s × n_layer × n_head × d_head × 2 × precision_bytes", fk, 7);
    TRY(tmem_ledger_add(&r.ledger, TMEM_BUCKET_KV_CACHE, "KV cache (serving)", r.kv_cache_bytes,
                        f, err));
    *out = r;
    return TMEM_OK;
}

double tmem_relative_error(uint64_t approx, uint64_t exact)
{
    if (exact == 0)
        return 0.0;
    return ((double)approx - (double)exact) / (double)exact;
}
