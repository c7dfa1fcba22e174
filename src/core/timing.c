/* timing.c — a roofline for serving, every assumption a named input:
 *   prefill FLOPs  2·(N_mm − N_head)·P + 2·N_head·b + 2·L·s²·d_head·n_head·b
 *                  (P = b·s prompt tokens; logits for last tokens only;
 *                  causal attention as QKᵀ and PV over half the s² scores)
 *   decode FLOPs   b·(2·N_mm + 4·L·c·d_head·n_head) at context c = s + g/2
 *   decode bytes   dense weights + expert weights × E·(1 − (1 − k/E)^b)/E
 *                  (expected distinct experts a batch touches) + b·c·KV/token
 *   a phase takes max(FLOPs / (peak·mfu), bytes / (HBM·mbu)), plus tensor
 *   parallel's 2 all-reduces per layer of tokens·d_model·2 B, ring factor
 *   2·(tp−1)/tp over the interconnect. N_mm: active parameters that are
 *   matrix multiplies (the embedding lookup is not), per TP rank: / tp.
 * Doubles: FLOP counts pass 2^64. */
#include "dtype_size.h"
#include "timing.h"

#include <math.h>

static double phase(double flops, double bytes, double comm, const struct tmem_gpu *g,
                    const struct tmem_infer_opts *o, const char **bound)
{
    double tc = flops / (g->bf16_flops * o->mfu);
    double tm = bytes / (g->hbm_bytes_per_s * o->mbu);
    double t = tc > tm ? tc : tm;
    *bound = comm > t ? "interconnect" : tc > tm ? "compute" : "memory";
    return t + comm;
}

enum tmem_status tmem_infer_timing(const struct tmem_model *m, const struct tmem_inventory *inv,
                                   const struct tmem_infer_opts *o, uint64_t all_weight_bytes,
                                   uint64_t all_expert_bytes, uint64_t kv_bytes_per_token,
                                   struct tmem_timing *t)
{
    const struct tmem_gpu *g = o->gpu;
    const double tp = (double)o->tp, b = (double)o->batch, s = (double)o->prompt_tokens;
    const double L = (double)m->n_layer, heads = (double)m->n_head, dh = (double)m->d_head;
    const double head = (double)m->n_vocab * (double)m->d_embed;
    /* matrix-multiply parameters a token passes through */
    double n_mm = (double)inv->active_params - (double)inv->group_params[TMEM_GROUP_EMBEDDING] +
                  (m->tied ? head : 0.0);
    double link = g->interconnect_bytes_per_s > 0 ? g->interconnect_bytes_per_s : 1.0;
    double ring = o->tp > 1 ? 2.0 * (tp - 1.0) / tp : 0.0;
    double act_bytes = (double)tmem__dtype_size(o->compute);

    /* prefill of the whole batch */
    double P = b * s;
    double logit_rows = o->all_logits ? P : b;
    t->prefill_flops = (2.0 * (n_mm - head) * P + 2.0 * head * logit_rows +
                        2.0 * L * s * s * dh * heads * b) / tp;
    t->prefill_bytes = (double)all_weight_bytes + P * (double)kv_bytes_per_token;
    double comm_prefill = 2.0 * L * ring * P * (double)m->d_model * act_bytes / link;
    t->ttft_s = phase(t->prefill_flops, t->prefill_bytes, comm_prefill, g, o, &t->prefill_bound);

    /* one decode step in the middle of generation */
    double c = s + (double)o->gen_tokens / 2.0;
    t->decode_flops = b * (2.0 * n_mm + 4.0 * L * c * dh * heads) / tp;
    double touched = 1.0;
    if (m->n_expert > 0)
        touched = 1.0 - pow(1.0 - (double)m->n_expert_used / (double)m->n_expert, b);
    double weights_read = (double)(all_weight_bytes - all_expert_bytes) +
                          (double)all_expert_bytes * touched;
    t->decode_bytes = weights_read + b * c * (double)kv_bytes_per_token;
    t->comm_s_per_token = 2.0 * L * ring * b * (double)m->d_model * act_bytes / link;
    t->tpot_s = phase(t->decode_flops, t->decode_bytes, t->comm_s_per_token, g, o,
                      &t->decode_bound);
    t->decode_tokens_per_s_per_request = 1.0 / t->tpot_s;
    t->decode_tokens_per_s = b / t->tpot_s;
    t->e2e_s = t->ttft_s + (double)o->gen_tokens * t->tpot_s;

    /* ridge: the batch whose matmul time equals the weight-read time */
    double per_token_flops = 2.0 * n_mm / tp;
    t->ridge_batch = (weights_read / (g->hbm_bytes_per_s * o->mbu)) /
                     (per_token_flops / (g->bf16_flops * o->mfu));
    return TMEM_OK;
}
