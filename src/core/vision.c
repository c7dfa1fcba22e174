/* vision.c — the vision tower's sizes (resolve and validate struct
 * tmem_vision) and how many text-sequence tokens one image becomes. The
 * tower's tensors are listed by the inventory (inventory.c walk_vision).
 *
 * REF: HF transformers modeling_llava.py (image features: the patches of
 *      vision_feature_layer, "default" strategy drops the class token: 576
 *      at 336/14), modeling_llava_next.py (anyres: base image plus up to
 *      image_grid_pinpoints tiles, with an image_newline per row),
 *      modeling_gemma3.py (mm_tokens_per_image 256 after 4×4 average
 *      pooling of 64×64 patches), modeling_qwen2_5_vl.py /
 *      image_processing_qwen2_vl.py (the grid (h/14)·(w/14), merged 2×2:
 *      (h/28)·(w/28) tokens), modeling_mllama.py (num_patches = (image_size /
 *      patch_size)² + 1 per tile, max_num_tiles tiles). */
#include "checked.h"
#include "error.h"
#include "model_internal.h"

/* vision sizes are at most the text model's limits */
enum tmem_status tmem__vision_resolve(struct tmem_vision *v, uint64_t d_text,
                                      struct tmem_error *err)
{
    if ((unsigned)v->kind >= TMEM_VISION_COUNT || (unsigned)v->projector >= TMEM_PROJECTOR_COUNT)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "vision", "unknown vision tower kind");
    if (v->kind == TMEM_VISION_NONE)
        return TMEM_OK;
    if (v->n_channel == 0)
        v->n_channel = 3;
    if (v->temporal_patch == 0)
        v->temporal_patch = 1;
    if (v->merge == 0)
        v->merge = 1;
    if (v->d_text == 0)
        v->d_text = d_text;
    TRY(tmem__check_range(err, "vision_config.hidden_size", v->d_model, 1, TMEM_MAX_D_MODEL));
    TRY(tmem__check_range(err, "vision_config.num_hidden_layers", v->n_layer, 1, TMEM_MAX_N_LAYER));
    TRY(tmem__check_range(err, "vision_config.num_attention_heads", v->n_head, 1, TMEM_MAX_N_HEAD));
    TRY(tmem__check_range(err, "vision_config.intermediate_size", v->d_ff, 1, TMEM_MAX_D_FF));
    TRY(tmem__check_range(err, "vision_config.patch_size", v->patch, 1, 1024));
    TRY(tmem__check_range(err, "vision_config.num_channels", v->n_channel, 1, 64));
    TRY(tmem__check_range(err, "vision_config.temporal_patch_size", v->temporal_patch, 1, 64));
    TRY(tmem__check_range(err, "vision_config.spatial_merge_size", v->merge, 1, 64));
    TRY(tmem__check_range(err, "vision d_text", v->d_text, 1, TMEM_MAX_D_MODEL));
    TRY(tmem__check_range(err, "vision_config.image_size", v->image_size,
                          v->kind == TMEM_VISION_QWEN25_VL ? 0 : v->patch, 1u << 16));
    if (v->d_model % v->n_head != 0)
        return tmem__fail(err, TMEM_ERR_INCONSISTENT, "vision_config.num_attention_heads",
                          "the vision hidden_size is not a multiple of its heads");
    if (v->kind != TMEM_VISION_QWEN25_VL && v->image_size % v->patch != 0)
        return tmem__fail(err, TMEM_ERR_INCONSISTENT, "vision_config.image_size",
                          "image_size is not a multiple of patch_size");
    TRY(tmem__check_range(err, "mm_tokens_per_image", v->tokens_per_image, 0, UINT64_C(1) << 24));
    if (v->kind == TMEM_VISION_MLLAMA) {
        TRY(tmem__check_range(err, "vision_config.num_global_layers", v->n_global_layer, 0,
                              TMEM_MAX_N_LAYER));
        TRY(tmem__check_range(err, "vision_config.max_num_tiles", v->n_tile, 1, 64));
        TRY(tmem__check_range(err, "vision_config.supported_aspect_ratios", v->n_aspect_ratio, 1, 1024));
        TRY(tmem__check_range(err, "vision_config.vision_output_dim", v->d_proj_in, 1, TMEM_MAX_D_FF));
    }
    return TMEM_OK;
}

/* nearest multiple of unit, at least one (Qwen2-VL smart_resize's
 * round(h / factor) · factor; its min/max_pixels clamps are not applied) */
static uint64_t round_units(uint64_t x, uint64_t unit)
{
    uint64_t n = (x + unit / 2) / unit;
    return n ? n : 1;
}

enum tmem_status tmem_vision_image(const struct tmem_vision *v, uint64_t h, uint64_t w,
                                   uint64_t *tokens, uint64_t *patches, struct tmem_error *err)
{
    *tokens = *patches = 0;
    if (v == NULL || v->kind == TMEM_VISION_NONE)
        return tmem__fail(err, TMEM_ERR_INCONSISTENT, "--images",
                          "the model has no vision tower (a vision_config)");
    if (v->patch == 0)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "vision", "vision tower is not resolved");
    if (v->kind == TMEM_VISION_QWEN25_VL) {
        if (h == 0 || w == 0)
            return tmem__fail(err, TMEM_ERR_MISSING_KEY, "--image-size",
                              "Qwen2.5-VL's image tokens follow the image size: give --image-size HxW");
        TRY(tmem__check_range(err, "--image-size", h, 1, 1u << 16));
        TRY(tmem__check_range(err, "--image-size", w, 1, 1u << 16));
        uint64_t unit = v->patch * v->merge;                 /* 28 */
        uint64_t gh = round_units(h, unit), gw = round_units(w, unit);
        *tokens = gh * gw;                                   /* (h/28)·(w/28) */
        *patches = gh * v->merge * gw * v->merge;            /* the 14-pixel grid */
        return TMEM_OK;
    }
    uint64_t side = v->image_size / v->patch;
    uint64_t one = side * side + (v->kind == TMEM_VISION_CLIP ? 1 : 0); /* + class token */
    if (v->kind == TMEM_VISION_MLLAMA) {
        /* every tile's patches and class token: (560/14)² + 1 = 1601, × 4 tiles
         * (the image processor pads every image to max_num_tiles); they reach
         * the text model as cross-attention states, and the prompt holds one
         * <|image|> token per image (MllamaProcessor does not expand it) */
        *patches = v->n_tile * (side * side + 1);
        *tokens = 1;
        return TMEM_OK;
    }
    if (v->image_newline) {
        /* LLaVA-NeXT anyres, its worst case on the default grid pinpoints: a
         * 672 × 672 image = the base 336 view (side²) plus 2 × 2 tiles unpadded
         * to a 2·side × 2·side grid with one image_newline per row */
        *tokens = side * side + 4 * side * side + 2 * side;
        *patches = 5 * one;
        return TMEM_OK;
    }
    *tokens = v->tokens_per_image ? v->tokens_per_image : side * side;
    *patches = one;
    return TMEM_OK;
}

uint64_t tmem__vision_tower_patches(const struct tmem_vision *v, uint64_t patches)
{
    if (v->kind != TMEM_VISION_MLLAMA || v->n_tile == 0)
        return patches;
    /* MllamaVisionModel pads each tile's 1601 positions to a multiple of 8
     * (num_padding_patches = (8 − 1601 % 8) % 8 = 7) for both encoders and
     * slices the padding off their outputs: 4 × 1608 = 6432 positions */
    uint64_t per_tile = patches / v->n_tile;
    return v->n_tile * ((per_tile + 7) / 8 * 8);
}
