/* hf_vision.c — the vision tower of an HF vision-language config: which
 * model_types carry one (llava, llava_next, gemma3, qwen2_5_vl, mllama), where their
 * text model lives, and vision_config read into struct tmem_vision with the
 * config classes' defaults. hf_config.c reads the text model.
 *
 * REF: HF transformers configuration_clip.py CLIPVisionConfig (hidden_size
 *      768, intermediate_size 3072, num_hidden_layers 12, num_attention_heads
 *      12, num_channels 3, image_size 224, patch_size 32);
 *      configuration_siglip.py SiglipVisionConfig (768, 3072, 12, 12, 3, 224,
 *      16, vision_use_head True); configuration_qwen2_5_vl.py
 *      Qwen2_5_VLVisionConfig (depth 32, hidden_size 3584, intermediate_size
 *      3420, num_heads 16, in_channels 3, patch_size 14, spatial_merge_size 2,
 *      temporal_patch_size 2, out_hidden_size 3584); configuration_llava.py
 *      (vision_feature_select_strategy "default": the class token dropped);
 *      configuration_gemma3.py (mm_tokens_per_image 256);
 *      configuration_mllama.py MllamaVisionConfig. */
#include "jsonutil.h"
#include "reader.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *type;
    enum tmem_projector_kind projector;
    bool newline;
    const char *text_type; /* the text model's keys sit beside vision_config, of this
                              model_type (NULL: in text_config) */
} vl_types[] = {
    {"llava", TMEM_PROJECTOR_MLP2, false, NULL},
    {"llava_next", TMEM_PROJECTOR_MLP2, true, NULL},
    {"gemma3", TMEM_PROJECTOR_GEMMA3, false, NULL},
    {"qwen2_5_vl", TMEM_PROJECTOR_QWEN25_MERGER, false, "qwen2"},
    {"mllama", TMEM_PROJECTOR_LINEAR, false, NULL},
};

/* the size of array key k of obj, or def when absent; -1 when not an array */
static int64_t array_size(json_t *obj, const char *k, int64_t def)
{
    json_t *a = json_object_get(obj, k);
    if (a == NULL)
        return def;
    return json_is_array(a) ? (int64_t)json_array_size(a) : -1;
}

static int vl_index(const char *type)
{
    for (size_t i = 0; type != NULL && i < sizeof vl_types / sizeof vl_types[0]; i++)
        if (strcmp(vl_types[i].type, type) == 0)
            return (int)i;
    return -1;
}

bool tmem__hf_vision_type(const char *model_type, const char **text_type)
{
    int i = vl_index(model_type);
    if (text_type)
        *text_type = i >= 0 ? vl_types[i].text_type : NULL;
    return i >= 0;
}

struct vread {
    json_t *obj;
    const char *where;
    struct tmem_error *err;
    enum tmem_status st;
};

/* the first of "a|b" present: a non-negative integer, or def */
static uint64_t u64(struct vread *r, const char *keys, uint64_t def)
{
    char key[64];
    const char *p = keys;
    while (r->st == TMEM_OK && *p) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        snprintf(key, sizeof key, "%.*s", (int)n, p);
        json_t *v = json_object_get(r->obj, key);
        if (v != NULL) {
            if (!json_is_integer(v) || json_integer_value(v) < 0) {
                char msg[128];
                snprintf(msg, sizeof msg, "expected a non-negative integer, got %s",
                         tmem__json_kind(v));
                r->st = TMEM_ERR_SCHEMA;
                tmem__fail_at(r->err, r->st, r->where, key, msg);
                return 0;
            }
            return (uint64_t)json_integer_value(v);
        }
        p += n + (bar ? 1 : 0);
    }
    return def;
}

enum tmem_status tmem__hf_vision_read(json_t *top, const char *model_type, const char *where,
                                      struct tmem_vision *v, struct tmem_error *err)
{
    int i = vl_index(model_type);
    memset(v, 0, sizeof *v);
    if (i < 0)
        return TMEM_OK;
    char vwhere[TMEM_ERROR_WHERE_LEN];
    snprintf(vwhere, sizeof vwhere, "%s:vision_config", where);
    json_t *vc = json_object_get(top, "vision_config");
    if (vc != NULL && !json_is_object(vc)) {
        tmem__fail_at(err, TMEM_ERR_SCHEMA, where, "vision_config", "expected an object");
        return TMEM_ERR_SCHEMA;
    }
    json_t *empty = json_object();
    if (empty == NULL) {
        tmem__fail_at(err, TMEM_ERR_NOMEM, where, "vision_config", "out of memory");
        return TMEM_ERR_NOMEM;
    }
    struct vread r = {.obj = vc ? vc : empty, .where = vwhere, .err = err, .st = TMEM_OK};
    struct vread t = {.obj = top, .where = where, .err = err, .st = TMEM_OK};
    json_t *vt = json_object_get(r.obj, "model_type");
    const char *vtype = json_is_string(vt) ? json_string_value(vt) : NULL;
    v->projector = vl_types[i].projector;
    v->image_newline = vl_types[i].newline;
    if (vl_types[i].projector == TMEM_PROJECTOR_LINEAR) {
        /* MllamaVisionConfig: hidden_size 1280, num_hidden_layers 32,
         * num_global_layers 8, attention_heads 16, intermediate_size 5120,
         * num_channels 3, image_size 448, patch_size 14, max_num_tiles 4,
         * vision_output_dim 7680, supported_aspect_ratios 8 pairs */
        v->kind = TMEM_VISION_MLLAMA;
        v->d_model = u64(&r, "hidden_size", 1280);
        v->n_layer = u64(&r, "num_hidden_layers", 32);
        v->n_global_layer = u64(&r, "num_global_layers", 8);
        v->n_head = u64(&r, "attention_heads|num_attention_heads", 16);
        v->d_ff = u64(&r, "intermediate_size", 5120);
        v->n_channel = u64(&r, "num_channels", 3);
        v->image_size = u64(&r, "image_size", 448);
        v->patch = u64(&r, "patch_size", 14);
        v->n_tile = u64(&r, "max_num_tiles", 4);
        v->d_proj_in = u64(&r, "vision_output_dim", 7680);
        int64_t n_ar = array_size(r.obj, "supported_aspect_ratios", 8);
        if (r.st == TMEM_OK && n_ar < 0) {
            json_decref(empty);
            tmem__fail_at(err, TMEM_ERR_SCHEMA, vwhere, "supported_aspect_ratios",
                          "expected an array of [tiles high, tiles wide] pairs");
            return TMEM_ERR_SCHEMA;
        }
        v->n_aspect_ratio = (uint64_t)n_ar;
    } else if (vl_types[i].projector == TMEM_PROJECTOR_QWEN25_MERGER) {
        v->kind = TMEM_VISION_QWEN25_VL;
        v->n_layer = u64(&r, "depth", 32);
        v->d_model = u64(&r, "hidden_size|embed_dim", 3584);
        v->d_ff = u64(&r, "intermediate_size", 3420);
        v->n_head = u64(&r, "num_heads", 16);
        v->n_channel = u64(&r, "in_channels|in_chans", 3);
        v->patch = u64(&r, "patch_size|spatial_patch_size", 14);
        v->merge = u64(&r, "spatial_merge_size", 2);
        v->temporal_patch = u64(&r, "temporal_patch_size", 2);
        v->d_text = u64(&r, "out_hidden_size", 3584);
    } else {
        /* LLaVA's config class seeds a CLIP ViT-L/14-336 when vision_config is absent;
         * Gemma-3's seeds SigLIP with its class defaults */
        bool siglip = vtype ? strcmp(vtype, "siglip_vision_model") == 0
                            : vl_types[i].projector == TMEM_PROJECTOR_GEMMA3;
        bool clip = vtype ? strcmp(vtype, "clip_vision_model") == 0 : !siglip;
        if (!siglip && !clip) {
            char msg[160];
            snprintf(msg, sizeof msg, "vision tower %.60s is not counted (clip_vision_model or "
                     "siglip_vision_model)", vtype);
            json_decref(empty);
            tmem__fail_at(err, TMEM_ERR_UNSUPPORTED, vwhere, "model_type", msg);
            return TMEM_ERR_UNSUPPORTED;
        }
        bool llava_default = vc == NULL && clip;
        v->kind = siglip ? TMEM_VISION_SIGLIP : TMEM_VISION_CLIP;
        v->d_model = u64(&r, "hidden_size", llava_default ? 1024 : 768);
        v->d_ff = u64(&r, "intermediate_size", llava_default ? 4096 : 3072);
        v->n_layer = u64(&r, "num_hidden_layers", llava_default ? 24 : 12);
        v->n_head = u64(&r, "num_attention_heads", llava_default ? 16 : 12);
        v->n_channel = u64(&r, "num_channels", 3);
        v->image_size = u64(&r, "image_size", llava_default ? 336 : 224);
        v->patch = u64(&r, "patch_size", llava_default ? 14 : siglip ? 16 : 32);
        json_t *head = json_object_get(r.obj, "vision_use_head");
        if (r.st == TMEM_OK && siglip && !json_is_false(head)) {
            json_decref(empty);
            tmem__fail_at(err, TMEM_ERR_UNSUPPORTED, vwhere, "vision_use_head",
                          "SigLIP's attention-pooling head is not counted (Gemma-3 sets "
                          "vision_use_head false)");
            return TMEM_ERR_UNSUPPORTED;
        }
        if (v->projector == TMEM_PROJECTOR_GEMMA3) {
            v->tokens_per_image = u64(&t, "mm_tokens_per_image", 256);
        } else if (r.st == TMEM_OK && v->patch > 0) {
            /* "default" drops the class token; "full" keeps it */
            json_t *s = json_object_get(top, "vision_feature_select_strategy");
            bool full = json_is_string(s) && strcmp(json_string_value(s), "full") == 0;
            uint64_t side = v->image_size / v->patch;
            v->tokens_per_image = side * side + (full ? 1 : 0);
        }
        json_t *bias = json_object_get(top, "multimodal_projector_bias");
        if (r.st == TMEM_OK && t.st == TMEM_OK && json_is_false(bias)) {
            json_decref(empty);
            tmem__fail_at(err, TMEM_ERR_UNSUPPORTED, where, "multimodal_projector_bias",
                          "a projector without biases is not counted");
            return TMEM_ERR_UNSUPPORTED;
        }
    }
    json_decref(empty);
    return r.st != TMEM_OK ? r.st : t.st;
}
