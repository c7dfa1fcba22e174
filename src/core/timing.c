/* timing.c — a roofline for serving, every assumption a named input. One
 * engine step runs T tokens: prefill chunks (n tokens after p cached ones)
 * and decode tokens (one token of a sequence whose KV then holds c tokens).
 *   FLOPs  2·(N_mm − N_head)·T + 2·N_head·R (R logit rows: one per
 *          sequence; every prompt token with --all-logits) + attention,
 *          4·L·d_head·n_head per query–key pair (QKᵀ and PV): a chunk has
 *          n·p + n²/2 pairs (causal: half the n² scores), a decode token c;
 *          Mllama's cross layers 4·L_cross·d_head·n_head per (text token,
 *          image state) pair instead, their k/v projections left to the
 *          vision step (tmem__vision_flops); all / tp
 *   bytes  dense weights + expert weights × (1 − (1 − k/E)^T) (E·(1 − (1 −
 *          k/E)^T) distinct experts expected among the T tokens' top-k
 *          picks, of E) + KV: full-attention layers p + n tokens of a chunk,
 *          c of a decode token; sliding-window layers min(p, W − 1) + n and
 *          min(c, W) (the union of the tokens' windows); Mllama: each
 *          sequence's image states' cross-attention KV, every step
 *   time   max(FLOPs / (peak·mfu), bytes / (HBM·mbu)), plus tensor
 *          parallel's 2 all-reduces per layer, each α + T·d_model·2 B ×
 *          2·(tp−1)/tp over the interconnect (α: --allreduce-us), plus, for
 *          the llamacpp engine, the launches of its ggml graph, L · nodes per
 *          layer · time per node (infer.h TMEM_LLAMACPP_*). The peak
 *          is the fp8 rate for fp8 weights (W8A8: vLLM runs fp8 GEMMs) where
 *          the GPU has one, else bf16 (int8/int4/NF4/GGUF dequantize to
 *          bf16). N_mm: active parameters that are matrix multiplies (the
 *          embedding lookup is not), per TP rank: / tp. Attention's d_head:
 *          MLA prefill runs the expanded heads, (qk_nope + qk_rope + v_head)
 *          / 2 per QKᵀ and PV; MLA decode runs absorbed over the latent,
 *          (2·kv_lora_rank + qk_rope) / 2 (vLLM's MLA backends).
 * tmem infer's prefill is one step of the batch's b prompts (chunks of s
 * after 0; an encoder's forward: b·s tokens, b·s² pairs (ModernBERT's local layers under flash: their window), no decode), after the vision encoder's step when there are images (its
 * FLOPs tmem__vision_flops / tp, its bytes the tower and projector weights
 * one GPU holds, read once: max(FLOPs / (peak·mfu), bytes / (HBM·mbu)),
 * added to the TTFT; the text steps do not read the tower); its decode one
 * step of b decode tokens at c = s + g/2. tmem
 * serve costs every engine step of its simulation with the same step.
 *   The ridge batch is the smallest b whose decode step the same test calls
 *   compute-bound (FLOP time ≥ byte time), found by bisection: b·(FLOP time
 *   per token − KV time per token) grows linearly while the expert term is
 *   concave in b, so the test flips once.
 * Doubles: FLOP counts pass 2^64. */
#include "dtype_size.h"
#include "error.h"
#include "model_internal.h"
#include "tensor_kind.h"
#include "term.h"
#include "timing.h"

#include <math.h>

static bool fp8_weights(enum tmem_wformat w)
{
    return w == TMEM_WF_FP8 || w == TMEM_WF_FP8_CHANNEL || w == TMEM_WF_FP8_BLOCK;
}

enum tmem_status tmem__vision_flops(const struct tmem_model *m, const struct tmem_inventory *inv,
                                    uint64_t b, uint64_t images, uint64_t p, uint64_t t,
                                    struct tmem__term *flops, struct tmem_error *err)
{
    uint64_t tower = 0, proj = 0; /* sums of the inventory's checked counts */
    for (uint32_t i = 0; i < inv->n_tensors; i++) {
        const struct tmem_tensor *x = &inv->tensors[i];
        if (x->group != TMEM_GROUP_VISION || !tmem__kind(x)->matmul)
            continue;
        if (x->kind == TMEM_TENSOR_KIND_PROJ_1 || x->kind == TMEM_TENSOR_KIND_PROJ_2)
            proj += x->params;
        else
            tower += x->params;
    }
    const struct tmem_vision *v = &m->vision;
    /* Mllama: the tower runs padded tiles (1608 positions), its global layers
     * attend too, the projector maps every image state (not a prompt token),
     * and each cross-attention layer projects the states to keys and values */
    const bool mllama = v->kind == TMEM_VISION_MLLAMA;
    uint64_t pt = tmem__vision_tower_patches(v, p);
    tmem__term_init(flops, true);
    tmem__term_mul(flops, NULL, 2);
    tmem__term_mul(flops, "b", b);
    tmem__term_mul(flops, "images", images);
    tmem__term_mul(flops, "P_tower", tower);
    tmem__term_mul(flops, mllama ? "p_pad" : "p", pt);
    tmem__term_plus(flops, NULL, 4);
    tmem__term_mul(flops, "b", b);
    tmem__term_mul(flops, "images", images);
    tmem__term_mul(flops, mllama ? "(L_v + L_global)" : "L_v", v->n_layer + v->n_global_layer);
    tmem__term_mul(flops, mllama ? "p_pad" : "p", pt);
    tmem__term_mul(flops, mllama ? "p_pad" : "p", pt);
    tmem__term_mul(flops, "d_v", v->d_model);
    tmem__term_plus(flops, NULL, 2);
    tmem__term_mul(flops, "b", b);
    tmem__term_mul(flops, "images", images);
    tmem__term_mul(flops, "P_proj", proj);
    tmem__term_mul(flops, mllama ? "p" : "t", mllama ? p : t);
    if (m->n_cross_layer > 0) { /* k_proj, v_proj (d_model × n_kv·d_head) of every state */
        tmem__term_plus(flops, NULL, 2);
        tmem__term_mul(flops, "b", b);
        tmem__term_mul(flops, "images", images);
        tmem__term_mul(flops, "p", p);
        tmem__term_mul(flops, "L_cross", m->n_cross_layer);
        tmem__term_mul(flops, "2·d_model·n_kv·d_head", 2 * m->d_model * m->n_kv_head * m->d_head);
    }
    if (tmem__term_overflow(flops))
        return tmem__fail(err, TMEM_ERR_OVERFLOW, "--images",
                          "the vision tower's FLOPs do not fit in 64 bits");
    return TMEM_OK;
}

double tmem__vision_step_s(const struct tmem_roofline *rf, double flops, enum tmem_step_bound *bound)
{
    double vc = flops / rf->flops_per_s, vm = rf->vision_weight_bytes / rf->bytes_per_s;
    if (bound != NULL)
        *bound = vc >= vm ? TMEM_STEP_BOUND_COMPUTE : TMEM_STEP_BOUND_MEMORY;
    return vc > vm ? vc : vm;
}

void tmem__roofline_init(const struct tmem_model *m, const struct tmem_inventory *inv,
                         const struct tmem_infer_opts *o, uint64_t all_weight_bytes,
                         uint64_t all_expert_bytes, uint64_t kv_bytes_per_token,
                         uint64_t window_bytes_per_token, uint64_t window_tokens,
                         struct tmem_roofline *rf)
{
    const struct tmem_gpu *g = o->gpu;
    const double tp = (double)o->tp;
    const double L = (double)m->n_layer, heads = (double)m->n_head;
    /* attention's q·kᵀ and ·v run in the attention layers only (a hybrid's
     * share of them; a state-space model has none) */
    const double L_attn = (double)(tmem_model_attn_layers_in(m, 0, m->n_layer) - m->n_cross_layer);
    const bool mla = m->attn == TMEM_ATTN_MLA;
    const double dh = mla ? (double)(m->qk_nope_dim + m->qk_rope_dim + m->v_head_dim) / 2.0
                          : (double)m->d_head;
    const double dh_decode = mla ? (double)(2 * m->kv_lora_rank + m->qk_rope_dim) / 2.0 : dh;
    /* an encoder's head: its lm_head group (pooler, transform, classifier,
     * an untied decoder) and a tied MLM decoder (the word embedding) */
    const double vocab_head = (double)m->n_vocab * (double)m->d_embed;
    const bool tied_head = m->tied && (!m->encoder || m->head == TMEM_HEAD_MLM);
    const double head = !m->encoder ? vocab_head
                        : (double)inv->group_params[TMEM_GROUP_LM_HEAD] + (tied_head ? vocab_head : 0.0);
    /* matrix-multiply parameters a token passes through */
    double n_mm = (double)inv->active_params - (double)inv->group_params[TMEM_GROUP_EMBEDDING] +
                  (tied_head ? vocab_head : 0.0);
    double link = g->interconnect_bytes_per_s > 0 ? g->interconnect_bytes_per_s : 1.0;
    double ring = o->tp > 1 ? 2.0 * (tp - 1.0) / tp : 0.0;
    double act_bytes = (double)tmem__dtype_size(o->compute);
    rf->fp8_rate = fp8_weights(o->weights) && g->fp8_flops > 0;
    rf->compute_flops = rf->fp8_rate ? g->fp8_flops : g->bf16_flops;
    rf->body_flops_per_token = 2.0 * (n_mm - head) / tp;
    /* Mllama's cross layers project the image states, not the text tokens,
     * to keys and values (tmem__vision_flops counts those) */
    rf->body_flops_per_token -= 2.0 * (double)m->n_cross_layer * 2.0 * (double)m->d_model *
                                (double)m->n_kv_head * (double)m->d_head / tp;
    rf->cross_states = rf->cross_kv_bytes_per_seq = rf->cross_proj_flops_per_token = 0.0;
    rf->cross_attn_flops_per_pair = 4.0 * (double)m->n_cross_layer * dh * heads / tp;
    rf->head_flops_per_row = 2.0 * head / tp;
    rf->attn_flops_per_pair = 4.0 * L_attn * dh * heads / tp;
    rf->attn_flops_per_decode_pair = 4.0 * L_attn * dh_decode * heads / tp;
    rf->dense_weight_bytes = (double)(all_weight_bytes - all_expert_bytes);
    rf->expert_weight_bytes = (double)all_expert_bytes;
    rf->kv_bytes_per_token = (double)(kv_bytes_per_token - window_bytes_per_token);
    rf->window_kv_bytes_per_token = (double)window_bytes_per_token;
    rf->window_tokens = (double)window_tokens;
    rf->experts_used_share =
        m->n_expert > 0 ? (double)m->n_expert_used / (double)m->n_expert : 0.0;
    rf->flops_per_s = rf->compute_flops * o->mfu;
    rf->bytes_per_s = g->hbm_bytes_per_s * o->mbu;
    rf->comm_alpha_s = o->tp > 1 ? 2.0 * L * o->allreduce_latency_s : 0.0;
    rf->comm_s_per_token = 2.0 * L * ring * (double)m->d_model * act_bytes / link;
    rf->launch_s = o->engine == TMEM_ENGINE_LLAMACPP
                       ? L * TMEM_LLAMACPP_NODES_PER_LAYER * TMEM_LLAMACPP_NODE_S
                       : 0.0;
}

void tmem__roofline_step(const struct tmem_roofline *rf, const struct tmem_step_batch *b,
                         struct tmem_step_time *st)
{
    double touched = 1.0;
    if (rf->experts_used_share > 0)
        touched = 1.0 - pow(1.0 - rf->experts_used_share, b->tokens);
    st->weight_bytes = rf->dense_weight_bytes + rf->expert_weight_bytes * touched;
    st->flops = rf->body_flops_per_token * b->tokens + rf->head_flops_per_row * b->rows +
                rf->attn_flops_per_pair * b->attn_pairs +
                rf->attn_flops_per_decode_pair * b->decode_pairs +
                rf->cross_attn_flops_per_pair * b->cross_pairs +
                rf->cross_proj_flops_per_token * b->cross_proj_tokens;
    st->bytes = st->weight_bytes + b->kv_tokens * rf->kv_bytes_per_token +
                b->window_kv_tokens * rf->window_kv_bytes_per_token +
                b->cross_seqs * rf->cross_kv_bytes_per_seq;
    st->compute_s = st->flops / rf->flops_per_s;
    st->memory_s = st->bytes / rf->bytes_per_s;
    st->comm_s = rf->comm_alpha_s + rf->comm_s_per_token * b->tokens;
    st->launch_s = rf->launch_s;
    double t = st->compute_s > st->memory_s ? st->compute_s : st->memory_s;
    st->bound = st->comm_s > t                  ? TMEM_STEP_BOUND_INTERCONNECT
                : st->compute_s >= st->memory_s ? TMEM_STEP_BOUND_COMPUTE
                                                : TMEM_STEP_BOUND_MEMORY;
    st->t_s = t + st->comm_s + st->launch_s;
}

static const char *const bound_names[] = {[TMEM_STEP_BOUND_COMPUTE] = "compute",
                                          [TMEM_STEP_BOUND_MEMORY] = "memory",
                                          [TMEM_STEP_BOUND_INTERCONNECT] = "interconnect"};
_Static_assert(sizeof bound_names / sizeof bound_names[0] == TMEM_STEP_BOUND_COUNT,
               "one name per bound");

const char *tmem_step_bound_name(enum tmem_step_bound b)
{
    return (unsigned)b < TMEM_STEP_BOUND_COUNT ? bound_names[b] : "unknown";
}

/* b decode tokens at context c: one sequence's terms, b times */
static void decode_batch(const struct tmem_roofline *rf, double b, double c,
                         struct tmem_step_batch *out)
{
    struct tmem_step_batch one = {0};
    tmem__step_add_decode(rf, &one, c);
    *out = (struct tmem_step_batch){.tokens = b * one.tokens, .rows = b * one.rows,
                                    .decode_pairs = b * one.decode_pairs,
                                    .kv_tokens = b * one.kv_tokens,
                                    .window_kv_tokens = b * one.window_kv_tokens,
                                    .cross_pairs = b * one.cross_pairs,
                                    .cross_seqs = b * one.cross_seqs};
}

static bool compute_bound(const struct tmem_roofline *rf, double b, double c)
{
    struct tmem_step_batch db;
    struct tmem_step_time st;
    decode_batch(rf, b, c, &db);
    tmem__roofline_step(rf, &db, &st);
    return st.compute_s >= st.memory_s;
}

/* The smallest b in [1, 2^24] with compute_bound(b); 0 when none. */
static double ridge(const struct tmem_roofline *rf, double c)
{
    double lo = 0, hi = 16777216.0; /* compute_bound(lo) false (b = 0: no FLOPs), hi tested */
    if (!compute_bound(rf, hi, c))
        return 0;
    while (hi - lo > 1) {
        double mid = floor((lo + hi) / 2);
        if (compute_bound(rf, mid, c))
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}

/* The decode half of tmem infer's timing: one step of b decode tokens at
 * context c, then the throughputs, the end to end time (TTFT + g·TPOT) and
 * the ridge batch. */
static void decode_timing(const struct tmem_roofline *rf, const struct tmem_infer_opts *o,
                          double c, struct tmem_timing *t)
{
    const double b = (double)o->batch;
    struct tmem_step_batch dec;
    struct tmem_step_time st;
    decode_batch(rf, b, c, &dec);
    tmem__roofline_step(rf, &dec, &st);
    t->decode_flops = st.flops;
    t->decode_bytes = st.bytes;
    t->comm_s_per_token = st.comm_s;
    t->decode_bound = tmem_step_bound_name(st.bound);
    t->tpot_s = st.t_s;
    t->decode_tokens_per_s_per_request = 1.0 / t->tpot_s;
    t->decode_tokens_per_s = b / t->tpot_s;
    t->e2e_s = t->ttft_s + (double)o->gen_tokens * t->tpot_s;
    t->ridge_batch = ridge(rf, c);
}

void tmem__step_add_encoder(const struct tmem_model *m, bool flash, struct tmem_step_batch *b,
                            double n_seq, double s)
{
    double pairs = n_seq * s * s;
    if (flash && m->enc_global_every > 0 && m->enc_local_window > 0 && m->n_layer > 0) {
        double L = (double)m->n_layer, w = (double)(m->enc_local_window / 2);
        double global = (double)((m->n_layer + m->enc_global_every - 1) / m->enc_global_every);
        double local_pairs = s > w ? s * s - (s - w - 1.0) * (s - w) : s * s;
        pairs = n_seq * (global * s * s + (L - global) * local_pairs) / L; /* per layer, on average */
    }
    b->tokens += n_seq * s;
    b->rows += m->head == TMEM_HEAD_MLM ? n_seq * s : n_seq;
    b->attn_pairs += pairs;
}

enum tmem_status tmem__infer_timing(const struct tmem_model *m, const struct tmem_inventory *inv,
                                   const struct tmem_infer_opts *o, uint64_t all_weight_bytes,
                                   uint64_t all_expert_bytes, uint64_t kv_bytes_per_token,
                                   uint64_t window_bytes_per_token, uint64_t window_tokens,
                                   double vision_flops, uint64_t vision_weight_bytes,
                                   uint64_t cross_states, uint64_t cross_bytes_per_state,
                                   struct tmem_roofline *rf, struct tmem_timing *t)
{
    const double b = (double)o->batch, s = (double)o->prompt_tokens;
    tmem__roofline_init(m, inv, o, all_weight_bytes, all_expert_bytes, kv_bytes_per_token,
                        window_bytes_per_token, window_tokens, rf);
    rf->cross_states = (double)cross_states;
    rf->cross_kv_bytes_per_seq = (double)cross_states * (double)cross_bytes_per_state;
    t->fp8_rate = rf->fp8_rate;
    t->compute_flops = rf->compute_flops;
    struct tmem_step_time st;

    if (m->encoder) {
        /* one bidirectional forward of the batch (tmem__step_add_encoder);
         * no KV, no decode */
        struct tmem_step_batch fw = {0};
        tmem__step_add_encoder(m, o->flash, &fw, b, s);
        tmem__roofline_step(rf, &fw, &st);
        t->prefill_flops = st.flops;
        t->prefill_bytes = st.bytes;
        t->prefill_bound = tmem_step_bound_name(st.bound);
        t->decode_bound = "none"; /* nothing decoded */
        t->ttft_s = t->e2e_s = st.t_s;
        t->sequences_per_s = b / st.t_s;
        t->tokens_per_s = b * s / st.t_s;
        return TMEM_OK;
    }

    /* prefill of the whole batch: b chunks of s tokens, nothing cached */
    struct tmem_step_batch pre = {0};
    tmem__step_add_chunk(rf, &pre, 0, s, o->all_logits ? s : 1);
    pre = (struct tmem_step_batch){.tokens = b * pre.tokens, .rows = b * pre.rows,
                                   .attn_pairs = b * pre.attn_pairs, .kv_tokens = b * pre.kv_tokens,
                                   .window_kv_tokens = b * pre.window_kv_tokens,
                                   .cross_pairs = b * pre.cross_pairs, .cross_seqs = b * pre.cross_seqs};
    tmem__roofline_step(rf, &pre, &st);
    t->prefill_flops = st.flops;
    t->prefill_bytes = st.bytes;
    t->prefill_bound = tmem_step_bound_name(st.bound);
    t->ttft_s = st.t_s;
    /* the vision encoder's step before it: its FLOPs on one tensor-parallel
     * rank, its weights read once */
    t->vision_s = 0.0;
    rf->vision_weight_bytes = (double)vision_weight_bytes;
    if (vision_flops > 0.0) {
        t->vision_s = tmem__vision_step_s(rf, vision_flops / (double)o->tp, NULL);
        t->ttft_s += t->vision_s;
    }

    /* one decode step in the middle of generation */
    decode_timing(rf, o, s + (double)o->gen_tokens / 2.0, t);
    return TMEM_OK;
}

/* Encoder–decoders under HF generate() (tp 1; infer refuses more):
 *   encoder   one bidirectional forward of the b·s_enc source tokens:
 *             FLOPs 2·N_enc·b·s_enc + 4·L_enc·d_head_enc·n_enc_head·b·s_enc²,
 *             bytes the encoder stack's weights (no KV)
 *   first decoder step (the start token: c = 1 self position)
 *             FLOPs 2·N_dec·b + 2·V·d·b (logits) + 2·N_cross_kv·b·s_enc (the
 *             cross k/v projections of the encoder output, computed here and
 *             cached) + 4·L·d_head·n_head·b·(1 + s_enc) (self over 1, cross
 *             over s_enc), bytes the decoder's weights + b·1 self KV +
 *             b·s_enc cross KV written
 *   TTFT      encoder + first decoder step
 *   TPOT      one decoder step mid-generation, c = 1 + g/2 self positions:
 *             FLOPs 2·(N_dec + V·d)·b + 4·L·d_head·n_head·b·(c + s_enc),
 *             bytes decoder weights + b·c self KV + b·s_enc cross KV read
 * N_enc: the encoder stack's matmul weights; N_cross_kv: the decoder's
 * cross-attention k, v projections; N_dec: the decoder's other matmul
 * weights (the lm_head as V·d). The shared embedding's bytes count in the
 * decoder's steps (the tied lm_head reads it). */
enum tmem_status tmem__encdec_timing(const struct tmem_model *m, const struct tmem_inventory *inv,
                                    const struct tmem_infer_opts *o, uint64_t enc_weight_bytes,
                                    uint64_t dec_weight_bytes, uint64_t self_kv_bytes_per_token,
                                    uint64_t cross_kv_bytes_per_token, struct tmem_roofline *rf,
                                    struct tmem_timing *t)
{
    const double b = (double)o->batch, s = (double)o->prompt_tokens;
    double n_enc = 0, n_xkv = 0, n_dec = 0;
    for (uint32_t i = 0; i < inv->n_tensors; i++) {
        const struct tmem_tensor *x = &inv->tensors[i];
        const struct tmem_tensor_kind_info *ki = tmem__kind(x);
        if (!ki->matmul || ki->vector || x->kind == TMEM_TENSOR_KIND_LM_HEAD)
            continue;
        double p = (double)x->rows * (double)x->cols * (double)x->count_active;
        if (ki->encoder_stack)
            n_enc += p;
        else if (x->kind == TMEM_TENSOR_KIND_XATTN_K || x->kind == TMEM_TENSOR_KIND_XATTN_V)
            n_xkv += p;
        else
            n_dec += p;
    }
    /* the rates, efficiencies and launches of the decoder-only step model */
    tmem__roofline_init(m, inv, o, dec_weight_bytes, 0, self_kv_bytes_per_token, 0, 0, rf);
    const double tp = (double)o->tp, pair = 4.0 * (double)m->d_head * (double)m->n_head / tp;
    rf->body_flops_per_token = 2.0 * n_dec / tp;
    rf->head_flops_per_row = 2.0 * (double)m->n_vocab * (double)m->d_embed / tp;
    rf->attn_flops_per_pair = rf->attn_flops_per_decode_pair = pair * (double)m->n_layer;
    /* each decoder layer attends to the s_enc encoder positions as to its own */
    rf->cross_states = s;
    rf->cross_attn_flops_per_pair = rf->attn_flops_per_decode_pair;
    rf->cross_kv_bytes_per_seq = s * (double)cross_kv_bytes_per_token;
    rf->cross_proj_flops_per_token = 2.0 * n_xkv / tp;
    struct tmem_roofline enc = *rf;
    enc.body_flops_per_token = 2.0 * n_enc / tp;
    enc.head_flops_per_row = 0;
    enc.attn_flops_per_pair = 4.0 * (double)m->n_enc_layer * (double)m->d_head_enc *
                              (double)m->n_enc_head / tp;
    enc.dense_weight_bytes = (double)enc_weight_bytes;
    enc.kv_bytes_per_token = enc.cross_kv_bytes_per_seq = enc.cross_proj_flops_per_token = 0;
    enc.cross_states = enc.cross_attn_flops_per_pair = 0;
    t->fp8_rate = rf->fp8_rate;
    t->compute_flops = rf->compute_flops;

    struct tmem_step_time es, ds;
    struct tmem_step_batch fw = {.tokens = b * s, .attn_pairs = b * s * s};
    tmem__roofline_step(&enc, &fw, &es);
    struct tmem_step_batch first;
    decode_batch(rf, b, 1.0, &first);
    first.cross_proj_tokens = b * s;
    tmem__roofline_step(rf, &first, &ds);
    t->encoder_s = es.t_s;
    t->prefill_flops = es.flops + ds.flops;
    t->prefill_bytes = es.bytes + ds.bytes;
    t->prefill_bound = tmem_step_bound_name(es.t_s >= ds.t_s ? es.bound : ds.bound);
    t->ttft_s = es.t_s + ds.t_s;
    t->vision_s = 0.0;
    decode_timing(rf, o, 1.0 + (double)o->gen_tokens / 2.0, t);
    return TMEM_OK;
}
