/* vllm_mm.c — vLLM V1's multimodal budget (tmem_vllm_mm_budget): the largest
 * image its profile run encodes, the encoder's compute budget and cache size,
 * and how many images the profile encodes at once. tmem infer's vLLM profile
 * peak (infer.c) and tmem serve's encoder scheduling (serve_mm.c) read it.
 *
 * REF: vllm/v1/core/encoder_cache_manager.py compute_mm_encoder_budget
 *      (max_num_batched_encoder_embeds and encoder_cache_size default to
 *      max_num_batched_tokens, each raised to max_tokens_per_mm_item),
 *      vllm/multimodal/encoder_budget.py MultiModalBudget._get_max_items
 *      (encoder_budget // max_tokens, max_num_seqs × max items per prompt),
 *      vllm/model_executor/models/qwen2_vl.py
 *      get_image_size_with_most_features (smart_resize of a huge image under
 *      max_pixels: floor(√max_pixels / 28) · 28 a side). */
#include "checked.h"
#include "error.h"
#include "model_internal.h"
#include "tmem/infer.h"

/* floor(√x) for x < 2^52 (max_pixels): by Newton from above */
static uint64_t isqrt(uint64_t x)
{
    if (x < 2)
        return x;
    uint64_t r = x, y = (r + 1) / 2;
    while (y < r) {
        r = y;
        y = (r + x / r) / 2;
    }
    return r;
}

enum tmem_status tmem_vllm_mm_budget(const struct tmem_model *m, const struct tmem_infer_opts *o,
                                     struct tmem_mm_budget *b, struct tmem_error *err)
{
    *b = (struct tmem_mm_budget){0, 0, 0, 0};
    const struct tmem_vision *v = &m->vision;
    if (v->kind == TMEM_VISION_NONE || v->kind == TMEM_VISION_MLLAMA)
        return TMEM_OK;
    uint64_t side = 0;
    if (v->kind == TMEM_VISION_QWEN25_VL) { /* the image of max_pixels: 3584 × 3584 */
        uint64_t unit = v->patch * v->merge;
        side = isqrt(TMEM_QWEN2VL_MAX_PIXELS) / unit * unit;
    }
    TRY(tmem_vision_image(v, side, side, &b->max_tokens_per_item, &b->max_patches_per_item, err));
    uint64_t T = b->max_tokens_per_item; /* >= 1 */
    b->encoder_budget_tokens = o->max_num_batched_tokens > T ? o->max_num_batched_tokens : T;
    uint64_t len = o->max_model_len ? o->max_model_len : m->n_ctx;
    uint64_t per_prompt = len / T < TMEM_VLLM_MM_LIMIT_PER_PROMPT ? len / T : TMEM_VLLM_MM_LIMIT_PER_PROMPT;
    if (per_prompt == 0)
        per_prompt = 1;
    uint64_t by_seqs, by_budget = b->encoder_budget_tokens / T;
    if (!tmem_mul_u64(o->max_num_seqs, per_prompt, &by_seqs))
        by_seqs = UINT64_MAX;
    b->profile_items = by_budget < by_seqs ? by_budget : by_seqs;
    if (b->profile_items == 0)
        b->profile_items = 1;
    return TMEM_OK;
}
