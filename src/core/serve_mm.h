/* serve_mm.h — tmem serve's encoder scheduling for images (serve_mm.c),
 * called by serve.c's scheduler. Internal. */
#ifndef TMEM_SERVE_MM_H
#define TMEM_SERVE_MM_H

#include "tmem/serve.h"

/* The encoder's state during one step: its compute budget left (image
 * tokens) and the encoder cache's free slots. */
struct tmem__mm_state {
    uint64_t budget, cache_free;
};

/* Images of q whose placeholders all lie before token c. */
uint64_t tmem__mm_consumed(const struct tmem_serve_opts *so, uint64_t c);

/* The tokens q may compute this step from c (num asked) and, in *k, the
 * images it encodes for them (vLLM's _try_schedule_encoder_inputs). */
uint64_t tmem__mm_cut(const struct tmem_serve_opts *so, const struct tmem_serve_request *q,
                      uint64_t c, uint64_t num, const struct tmem__mm_state *st, uint32_t *k);

/* q was scheduled with k images to encode: they take budget and slots. */
void tmem__mm_commit(const struct tmem_serve_opts *so, struct tmem_serve_request *q, uint32_t k,
                     struct tmem__mm_state *st);

/* q (computed tokens not yet reset) is preempted: its slots come back, and
 * the budget of images it was to encode this step. */
void tmem__mm_release(const struct tmem_serve_opts *so, struct tmem_serve_request *q,
                      struct tmem__mm_state *st);

/* After the step moved q from old_c computed tokens: the images it encoded
 * exist, and those now wholly in KV free their slots. Returns the images
 * encoded this step. */
uint32_t tmem__mm_after_step(const struct tmem_serve_opts *so, struct tmem_serve_request *q,
                             uint64_t old_c, struct tmem__mm_state *st);

#endif /* TMEM_SERVE_MM_H */
