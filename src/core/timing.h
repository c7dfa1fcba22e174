/* timing.h — the roofline timing model of the inference ledger and of
 * tmem serve's engine steps. Internal. */
#ifndef TMEM_TIMING_H
#define TMEM_TIMING_H

#include "tmem/infer.h"

struct tmem__term;

/* The vision tower and projector forward for b requests of `images` images
 * each (p patches and t tokens per image) into *flops (a term: --explain
 * text and value from the same products):
 *   b · images · (2 · P_tower · p + 4 · L_v · p² · d_v + 2 · P_proj · t)
 * P_tower, P_proj: the tower's and the projector's matrix-multiply weights
 * (the inventory's vision group); 4 · p² · d_v per layer and image is
 * attention's q·kᵀ and ·v over the image's own patches (every layer as full
 * attention: an upper bound for Qwen2.5-VL's windowed layers). Mllama: p is
 * an image's states (tiles × 1601), the encoders run the padded p_pad (tiles
 * × 1608) over L_v + L_global layers, the projector maps all p states, and
 * + 2 · b · images · p · L_cross · 2 · d_model · n_kv · d_head for the
 * cross-attention layers' k_proj / v_proj of them (in the prefill).
 * TMEM_ERR_OVERFLOW past 2^64 FLOPs. */
enum tmem_status tmem__vision_flops(const struct tmem_model *m, const struct tmem_inventory *inv,
                                    uint64_t b, uint64_t images, uint64_t p, uint64_t t,
                                    struct tmem__term *flops, struct tmem_error *err);

/* The vision encoder's run within a step: `flops` on one tensor-parallel
 * rank (tmem__vision_flops / tp) against the tower and projector weights
 * read once, max(flops / (peak·mfu), rf->vision_weight_bytes / (HBM·mbu));
 * *bound (if not NULL) says which. tmem infer's vision step (b · images
 * images before the prefill) and tmem serve's steps that encode images. */
double tmem__vision_step_s(const struct tmem_roofline *rf, double flops, enum tmem_step_bound *bound);

/* Fills *rf (the step model) and *t for model m under opts: all_weight_bytes
 * and all_expert_bytes are what one tensor-parallel rank holds summed over
 * the pipeline stages, kv_bytes_per_token likewise, and
 * window_bytes_per_token the part of it in sliding-window layers, which a
 * step reads for at most window_tokens tokens. cross_states: the image
 * states of one sequence (Mllama; 0 otherwise), cross_bytes_per_state their
 * cross-attention KV bytes (kv.c). */
enum tmem_status tmem__infer_timing(const struct tmem_model *m, const struct tmem_inventory *inv,
                                   const struct tmem_infer_opts *o, uint64_t all_weight_bytes,
                                   uint64_t all_expert_bytes, uint64_t kv_bytes_per_token,
                                   uint64_t window_bytes_per_token, uint64_t window_tokens,
                                   double vision_flops, uint64_t vision_weight_bytes,
                                   uint64_t cross_states, uint64_t cross_bytes_per_state,
                                   struct tmem_roofline *rf, struct tmem_timing *t);

/* An encoder–decoder under HF generate() (tp 1, one stage): enc_weight_bytes
 * the encoder stack's weights, dec_weight_bytes the rest (shared embedding,
 * decoder, cross-attention, lm_head); self/cross KV bytes per token from
 * tmem_kv_layout. *rf is the decoder's step model (timing.c says the
 * formula). */
enum tmem_status tmem__encdec_timing(const struct tmem_model *m, const struct tmem_inventory *inv,
                                    const struct tmem_infer_opts *o, uint64_t enc_weight_bytes,
                                    uint64_t dec_weight_bytes, uint64_t self_kv_bytes_per_token,
                                    uint64_t cross_kv_bytes_per_token, struct tmem_roofline *rf,
                                    struct tmem_timing *t);

/* The step model alone (inputs as above). */
void tmem__roofline_init(const struct tmem_model *m, const struct tmem_inventory *inv,
                         const struct tmem_infer_opts *o, uint64_t all_weight_bytes,
                         uint64_t all_expert_bytes, uint64_t kv_bytes_per_token,
                         uint64_t window_bytes_per_token, uint64_t window_tokens,
                         struct tmem_roofline *rf);

/* Adds to *b a prefill chunk of n tokens after `cached` ones with `rows`
 * logit rows, or one decode token of a sequence whose KV then holds c
 * (timing.c's header says the terms; inline: tmem serve adds one per
 * running request per step). */
static inline void tmem__step_add_chunk(const struct tmem_roofline *rf, struct tmem_step_batch *b,
                                        double cached, double n, double rows)
{
    b->tokens += n;
    b->rows += rows;
    b->attn_pairs += n * cached + n * n / 2.0;
    b->kv_tokens += cached + n;
    b->cross_pairs += n * rf->cross_states;
    b->cross_seqs += rf->cross_states > 0 ? 1 : 0;
    if (rf->window_kv_bytes_per_token > 0) /* the union of the chunk's windows */
        b->window_kv_tokens += (cached < rf->window_tokens ? cached : rf->window_tokens - 1) + n;
}

static inline void tmem__step_add_decode(const struct tmem_roofline *rf, struct tmem_step_batch *b,
                                         double c)
{
    b->tokens += 1;
    b->rows += 1;
    b->decode_pairs += c;
    b->kv_tokens += c;
    b->cross_pairs += rf->cross_states;
    b->cross_seqs += rf->cross_states > 0 ? 1 : 0;
    if (rf->window_kv_bytes_per_token > 0)
        b->window_kv_tokens += c < rf->window_tokens ? c : rf->window_tokens;
}

/* Adds to *b n_seq encoder sequences of s tokens each, one bidirectional
 * forward: n_seq·s tokens, every token attends to all s (n_seq·s² pairs),
 * head rows n_seq (pooler, cls, none) or n_seq·s (mlm). ModernBERT under
 * flash attention (HF's flash_attention_2, vLLM's FlashAttention): its
 * local layers (i % global_attn_every_n_layers != 0) run window_size
 * (w, w), w = local_attention / 2: a query sees the keys within w either
 * side, s² − (s − w − 1)(s − w) pairs when s > w (the pairs farther apart
 * than w dropped); eager and SDPA add the window as a mask to the full
 * s × s scores. tmem infer's encoder forward (n_seq = b) and each step of
 * tmem serve's pooling simulation (one call per request) use it. */
void tmem__step_add_encoder(const struct tmem_model *m, bool flash, struct tmem_step_batch *b,
                            double n_seq, double s);

/* The time of one engine step of batch b: the one place a step is costed. */
void tmem__roofline_step(const struct tmem_roofline *rf, const struct tmem_step_batch *b,
                         struct tmem_step_time *st);

#endif /* TMEM_TIMING_H */
