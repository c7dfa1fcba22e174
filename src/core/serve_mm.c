/* serve_mm.c — tmem serve's images: each prompt begins with so->images
 * images of so->image_tokens placeholder tokens (image i at tokens
 * [i·T, (i+1)·T)), then its text, and the scheduler runs an image's encoder
 * as vLLM V1 does (vllm/v1/core/sched/scheduler.py
 * _try_schedule_encoder_inputs, vllm/v1/core/encoder_cache_manager.py):
 *   - an image is needed in the step whose chunk [c, c + n) reaches its
 *     first token and it has no encoder output yet; its T tokens are
 *     encoded at once (bidirectional attention), in that step;
 *   - it must fit in the step's encoder budget left (encoder_budget_tokens
 *     a step) and in the encoder cache's free slots (encoder_cache_tokens);
 *     when it does not, the chunk is cut at the image's first token (no
 *     token at all when the chunk starts there: a running request is
 *     skipped, the waiting queue stops);
 *   - a chunk may end inside an image (chunked mm input, vLLM's default):
 *     the output stays in the cache until the step that computes the image's
 *     last token; then its slots are free (freeable slots count as free);
 *   - a preempted request gives its slots back and encodes again when it
 *     is recomputed (vLLM may still find a freeable entry of the same
 *     image; not modelled: distinct images assumed throughout).
 * The step's time adds the encoder run of the images it encodes
 * (tmem__vision_step_s, serve.c). */
#include "error.h"
#include "serve_mm.h"

uint64_t tmem__mm_consumed(const struct tmem_serve_opts *so, uint64_t c)
{
    uint64_t done = c / so->image_tokens;
    return done < so->images ? done : so->images;
}

uint64_t tmem__mm_cut(const struct tmem_serve_opts *so, const struct tmem_serve_request *q,
                      uint64_t c, uint64_t num, const struct tmem__mm_state *st, uint32_t *k)
{
    const uint64_t T = so->image_tokens;
    uint64_t budget = st->budget, cache = st->cache_free;
    *k = 0;
    for (uint64_t i = tmem__mm_consumed(so, c); i < so->images; i++) {
        uint64_t start = i * T;
        if (start >= c + num)
            break; /* not reached this step */
        if (i < q->images_encoded)
            continue; /* its output is in the cache */
        if (T > budget || T > cache) /* cut before it */
            return start > c ? start - c : 0;
        budget -= T;
        cache -= T;
        (*k)++;
    }
    return num;
}

void tmem__mm_commit(const struct tmem_serve_opts *so, struct tmem_serve_request *q, uint32_t k,
                     struct tmem__mm_state *st)
{
    q->images_step = k;
    st->budget -= k * so->image_tokens;
    st->cache_free -= k * so->image_tokens;
}

void tmem__mm_release(const struct tmem_serve_opts *so, struct tmem_serve_request *q,
                      struct tmem__mm_state *st)
{
    uint64_t held = q->images_encoded + q->images_step - tmem__mm_consumed(so, q->computed_tokens);
    st->cache_free += held * so->image_tokens;
    st->budget += (uint64_t)q->images_step * so->image_tokens;
    q->images_encoded = q->images_step = 0;
}

uint32_t tmem__mm_after_step(const struct tmem_serve_opts *so, struct tmem_serve_request *q,
                             uint64_t old_c, struct tmem__mm_state *st)
{
    uint32_t k = q->images_step;
    q->images_encoded += k;
    q->images_step = 0;
    uint64_t freed = tmem__mm_consumed(so, q->computed_tokens) - tmem__mm_consumed(so, old_c);
    st->cache_free += freed * so->image_tokens;
    return k;
}

enum tmem_status tmem_serve_add_images(const struct tmem_serve_opts *so, struct tmem_serve_request *reqs,
                                       uint64_t n, struct tmem_error *err)
{
    if (so->images == 0)
        return TMEM_OK;
    if (so->images > 4096 || so->image_tokens == 0 || so->image_tokens > TMEM_SERVE_MAX_TOKENS)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "--images", "images: 1 to 4096 of 1 to 2^24 tokens");
    uint64_t add = so->images * so->image_tokens;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t p = (uint64_t)reqs[i].prompt_tokens + add;
        if (p > TMEM_SERVE_MAX_TOKENS)
            return tmem__fail_value(err, TMEM_ERR_LIMIT, "prompt + image tokens", p, "at most 2^24");
        reqs[i].prompt_tokens = (uint32_t)p;
    }
    return TMEM_OK;
}
