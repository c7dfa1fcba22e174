/* timing.c — a roofline for serving, every assumption a named input:
 *   prefill FLOPs  2·(N_mm − N_head)·P + 2·N_head·b + 2·L·s²·d_head·n_head·b
 *                  (P = b·s prompt tokens; logits for last tokens only;
 *                  causal attention as QKᵀ and PV over half the s² scores)
 *   decode FLOPs   b·(2·N_mm + 4·L·c·d_head·n_head) at context c = s + g/2
 *   decode bytes   dense weights + expert weights × (1 − (1 − k/E)^b)
 *                  (E·(1 − (1 − k/E)^b) distinct experts expected among the
 *                  b tokens' top-k picks, of E) + b·KV of c tokens (sliding
 *                  layers: at most the window)
 *   a phase takes max(FLOPs / (peak·mfu), bytes / (HBM·mbu)), plus tensor
 *   parallel's 2 all-reduces per layer, each α + tokens·d_model·2 B ×
 *   2·(tp−1)/tp over the interconnect (α: --allreduce-us). The peak is the
 *   fp8 rate for fp8 weights (W8A8: vLLM runs fp8 GEMMs) where the GPU has
 *   one, else bf16 (int8/int4/NF4/GGUF dequantize to bf16). N_mm: active
 *   parameters that are matrix multiplies (the embedding lookup is not),
 *   per TP rank: / tp. Attention's d_head: MLA prefill runs the expanded
 *   heads, (qk_nope + qk_rope + v_head) / 2 per QKᵀ and PV; MLA decode runs
 *   absorbed over the latent, (2·kv_lora_rank + qk_rope) / 2 (vLLM's MLA
 *   backends).
 *   The ridge batch is the smallest b whose decode step the same test calls
 *   compute-bound (FLOP time ≥ byte time), found by bisection: b·(FLOP time
 *   per token − KV time per token) grows linearly while the expert term is
 *   concave in b, so the test flips once.
 * Doubles: FLOP counts pass 2^64. */
#include "dtype_size.h"
#include "timing.h"

#include <math.h>

static bool fp8_weights(enum tmem_wformat w)
{
    return w == TMEM_WF_FP8 || w == TMEM_WF_FP8_CHANNEL || w == TMEM_WF_FP8_BLOCK;
}

/* The inputs of one decode step that do not depend on the batch. */
struct decode_model {
    double per_token_flops;     /* 2·N_mm + 4·L·c·d_head·n_head, / tp */
    double dense_bytes, expert_bytes, kv_bytes_per_seq;
    double k_over_e;            /* 0: dense */
    double peak, hbm;           /* effective FLOP/s and B/s */
    double comm_alpha_s, comm_bytes_per_token_s;
};

struct step {
    double flops, bytes, tc, tm, comm, t;
    const char *bound;
};

/* One decode step of batch b: the only place a step's bound is decided. */
static struct step decode_step(const struct decode_model *d, double b)
{
    struct step st;
    double touched = d->k_over_e > 0 ? 1.0 - pow(1.0 - d->k_over_e, b) : 1.0;
    st.flops = b * d->per_token_flops;
    st.bytes = d->dense_bytes + d->expert_bytes * touched + b * d->kv_bytes_per_seq;
    st.tc = st.flops / d->peak;
    st.tm = st.bytes / d->hbm;
    st.comm = d->comm_alpha_s + b * d->comm_bytes_per_token_s;
    double t = st.tc > st.tm ? st.tc : st.tm;
    st.bound = st.comm > t ? "interconnect" : st.tc >= st.tm ? "compute" : "memory";
    st.t = t + st.comm;
    return st;
}

static bool compute_bound(const struct decode_model *d, double b)
{
    struct step st = decode_step(d, b);
    return st.tc >= st.tm;
}

/* The smallest b in [1, 2^24] with compute_bound(b); 0 when none. */
static double ridge(const struct decode_model *d)
{
    double lo = 0, hi = 16777216.0; /* compute_bound(lo) false (b = 0: no FLOPs), hi tested */
    if (!compute_bound(d, hi))
        return 0;
    while (hi - lo > 1) {
        double mid = floor((lo + hi) / 2);
        if (compute_bound(d, mid))
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}

enum tmem_status tmem__infer_timing(const struct tmem_model *m, const struct tmem_inventory *inv,
                                   const struct tmem_infer_opts *o, uint64_t all_weight_bytes,
                                   uint64_t all_expert_bytes, uint64_t kv_bytes_per_token,
                                   uint64_t window_bytes_per_token, uint64_t window_tokens,
                                   struct tmem_timing *t)
{
    const struct tmem_gpu *g = o->gpu;
    const double tp = (double)o->tp, b = (double)o->batch, s = (double)o->prompt_tokens;
    const double L = (double)m->n_layer, heads = (double)m->n_head;
    const bool mla = m->attn == TMEM_ATTN_MLA;
    const double dh = mla ? (double)(m->qk_nope_dim + m->qk_rope_dim + m->v_head_dim) / 2.0
                          : (double)m->d_head;
    const double dh_decode = mla ? (double)(2 * m->kv_lora_rank + m->qk_rope_dim) / 2.0 : dh;
    const double head = (double)m->n_vocab * (double)m->d_embed;
    /* matrix-multiply parameters a token passes through */
    double n_mm = (double)inv->active_params - (double)inv->group_params[TMEM_GROUP_EMBEDDING] +
                  (m->tied ? head : 0.0);
    double link = g->interconnect_bytes_per_s > 0 ? g->interconnect_bytes_per_s : 1.0;
    double ring = o->tp > 1 ? 2.0 * (tp - 1.0) / tp : 0.0;
    double alpha = o->tp > 1 ? 2.0 * L * o->allreduce_latency_s : 0.0;
    double act_bytes = (double)tmem__dtype_size(o->compute);
    t->fp8_rate = fp8_weights(o->weights) && g->fp8_flops > 0;
    t->compute_flops = t->fp8_rate ? g->fp8_flops : g->bf16_flops;
    double peak = t->compute_flops * o->mfu, hbm = g->hbm_bytes_per_s * o->mbu;

    /* prefill of the whole batch */
    double P = b * s;
    double logit_rows = o->all_logits ? P : b;
    t->prefill_flops = (2.0 * (n_mm - head) * P + 2.0 * head * logit_rows +
                        2.0 * L * s * s * dh * heads * b) / tp;
    t->prefill_bytes = (double)all_weight_bytes + P * (double)kv_bytes_per_token;
    double comm_prefill = alpha + 2.0 * L * ring * P * (double)m->d_model * act_bytes / link;
    double tc = t->prefill_flops / peak, tm = t->prefill_bytes / hbm;
    double tpf = tc > tm ? tc : tm;
    t->prefill_bound = comm_prefill > tpf ? "interconnect" : tc >= tm ? "compute" : "memory";
    t->ttft_s = tpf + comm_prefill;

    /* one decode step in the middle of generation */
    double c = s + (double)o->gen_tokens / 2.0;
    struct decode_model d = {
        .per_token_flops = (2.0 * n_mm + 4.0 * L * c * dh_decode * heads) / tp,
        .dense_bytes = (double)(all_weight_bytes - all_expert_bytes),
        .expert_bytes = (double)all_expert_bytes,
        .kv_bytes_per_seq = c * (double)(kv_bytes_per_token - window_bytes_per_token) +
                            (c < (double)window_tokens ? c : (double)window_tokens) *
                                (double)window_bytes_per_token,
        .k_over_e = m->n_expert > 0 ? (double)m->n_expert_used / (double)m->n_expert : 0.0,
        .peak = peak, .hbm = hbm,
        .comm_alpha_s = alpha,
        .comm_bytes_per_token_s = 2.0 * L * ring * (double)m->d_model * act_bytes / link};
    struct step st = decode_step(&d, b);
    t->decode_flops = st.flops;
    t->decode_bytes = st.bytes;
    t->comm_s_per_token = st.comm;
    t->decode_bound = st.bound;
    t->tpot_s = st.t;
    t->decode_tokens_per_s_per_request = 1.0 / t->tpot_s;
    t->decode_tokens_per_s = b / t->tpot_s;
    t->e2e_s = t->ttft_s + (double)o->gen_tokens * t->tpot_s;
    t->ridge_batch = ridge(&d);
    return TMEM_OK;
}
