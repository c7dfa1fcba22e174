/* test_vision.c — vision-language models: the vision tower and projector
 * of LLaVA-1.5 (CLIP ViT-L/14-336), Gemma-3 (SigLIP so400m at 896) and
 * Qwen2.5-VL (its windowed ViT with a 2×2 patch merger), each written out
 * tensor by tensor here, the text model beside them, and each model's
 * published total; image patches per image; LoRA leaves the tower frozen.
 *
 * REF HF transformers modeling_clip.py, modeling_siglip.py,
 *     modeling_llava.py, modeling_llava_next.py, modeling_gemma3.py,
 *     modeling_qwen2_5_vl.py (the layouts in inventory.c walk_vision). */
#include "harness.h"

#include <math.h>
#include <string.h>

#include "tmem/read.h"
#include "tmem/train.h"
#include "tmem/infer.h"

static struct tmem_inventory inv;

static uint64_t group(enum tmem_group g) { return inv.group_params[g]; }

/* CLIP ViT-L/14-336 (llava-hf/llava-1.5-7b-hf vision_config): d 1024, 24
 * layers, d_ff 4096, patch 14, image 336 → 24² = 576 patches + class token. */
static uint64_t clip_l14_336(void)
{
    const uint64_t d = 1024, f = 4096, L = 24;
    uint64_t patch = 3 * 14 * 14 * d;             /* Conv2d(3, d, 14, bias=False) 602,112 */
    uint64_t cls = d;                             /* class_embedding */
    uint64_t pos = (24 * 24 + 1) * d;             /* position_embedding 577 × 1024 */
    uint64_t pre_post = 2 * (2 * d);              /* pre_layrnorm, post_layernorm (w + b) */
    uint64_t layer = 2 * (2 * d)                  /* layer_norm1/2 (w + b) */
                     + 4 * (d * d + d)            /* q, k, v, out_proj with biases */
                     + (d * f + f) + (f * d + d); /* fc1, fc2 with biases */
    assert_int_equal(layer, U64(12596224));
    return patch + cls + pos + pre_post + L * layer; /* 303,507,456 */
}

static void llava_1_5_7b_counts_its_clip_tower_and_projector(void **state)
{
    (void)state;
    struct tmem_model m;
    tmem_test_load("llava-1.5-7b", &m, &inv);
    assert_int_equal(m.vision.kind, TMEM_VISION_CLIP);
    uint64_t tower = clip_l14_336();
    assert_int_equal(tower, U64(303507456));
    /* LlavaMultiModalProjector: linear_1 1024 → 4096 + bias, GELU, linear_2 4096 → 4096 + bias */
    uint64_t proj = (1024 * 4096 + 4096) + (4096 * 4096 + 4096);
    assert_int_equal(proj, U64(20979712));
    assert_int_equal(group(TMEM_GROUP_VISION), tower + proj);
    /* the text model: Llama-2-7B (6,738,415,616 at vocab 32000) with 64 more rows
     * in embed_tokens and lm_head (vocab 32064) */
    uint64_t text = U64(6738415616) + 2 * 64 * 4096;
    assert_int_equal(inv.active_params, text);
    /* published: sum(p.numel()) of LlavaForConditionalGeneration for
     * llava-hf/llava-1.5-7b-hf = 7063427072 (quoted in public code:
     * `assert count_parameters(model) == (7063427072, 7063427072)`) */
    assert_int_equal(inv.total_params, U64(7063427072));
    assert_int_equal(text + tower + proj, U64(7063427072));
    /* the last CLIP layer is stored though vision_feature_layer −2 leaves it unused */
    assert_int_equal(m.vision.n_layer, 24);
    /* 576 image tokens ("default" drops the class token); the tower sees 577 */
    assert_int_equal(m.vision.tokens_per_image, 576);
    uint64_t tok, pat;
    assert_int_equal(tmem_vision_image(&m.vision, 1000, 700, &tok, &pat, NULL), TMEM_OK);
    assert_int_equal(tok, 576);
    assert_int_equal(pat, 577);
    /* LLaVA-NeXT (image_newline): the 672 × 672 anyres worst case, 576 base +
     * (2·24)² tile features + 48 newlines = 2928 tokens; 5 views of 577 patches */
    m.vision.image_newline = true;
    assert_int_equal(tmem_vision_image(&m.vision, 672, 672, &tok, &pat, NULL), TMEM_OK);
    assert_int_equal(tok, 576 + 48 * 48 + 48);
    assert_int_equal(pat, 5 * 577);
    check_group_sum(&inv);
}

static void gemma_3_4b_counts_siglip_and_its_projector(void **state)
{
    (void)state;
    struct tmem_model m;
    tmem_test_load("gemma-3-4b-it", &m, &inv);
    assert_int_equal(m.vision.kind, TMEM_VISION_SIGLIP);
    /* SigLIP so400m/14 at 896: d 1152, d_ff 4304, 27 layers, (896/14)² = 4096 positions */
    const uint64_t d = 1152, f = 4304, L = 27;
    uint64_t patch = 3 * 14 * 14 * d + d;  /* Conv2d with bias: 678,528 */
    uint64_t pos = 4096 * d;               /* no class token: 4,718,592 */
    uint64_t layer = 2 * (2 * d) + 4 * (d * d + d) + (d * f + f) + (f * d + d);
    assert_int_equal(layer, U64(15239504));
    uint64_t post = 2 * d;                 /* post_layernorm; no head (vision_use_head false) */
    uint64_t tower = patch + pos + L * layer + post;
    assert_int_equal(tower, U64(416866032));
    /* Gemma3MultiModalProjector: mm_soft_emb_norm RMSNorm(1152), mm_input_projection 1152 × 2560 */
    uint64_t proj = d + d * 2560;
    assert_int_equal(group(TMEM_GROUP_VISION), tower + proj);
    /* gemma3_text 4B: tied 262208 × 2560 embedding; per layer q 2560×2048, k and v
     * 2560×1024, o 2048×2560, q/k norms 256 each, gated MLP 3 × 2560 × 10240,
     * four RMSNorms of 2560; final norm */
    uint64_t tl = (2560 * 2048 + 2 * 2560 * 1024 + 2048 * 2560) + 2 * 256 + 3 * 2560 * 10240 + 4 * 2560;
    uint64_t text = U64(262208) * 2560 + 34 * tl + 2560;
    assert_int_equal(text, U64(3880263168));
    assert_int_equal(inv.active_params, text);
    /* published: keras-hub gemma3 preset metadata "params": 4300079472
     * (medgemma_4b, the same architecture); sum(p.numel()) == 4300079472 for
     * Gemma3ForConditionalGeneration of google/gemma-3-4b-it in public code */
    assert_int_equal(inv.total_params, U64(4300079472));
    assert_int_equal(text + tower + proj, U64(4300079472));
    assert_int_equal(m.vision.tokens_per_image, 256); /* mm_tokens_per_image */
    uint64_t tok, pat;
    assert_int_equal(tmem_vision_image(&m.vision, 500, 500, &tok, &pat, NULL), TMEM_OK);
    assert_int_equal(tok, 256);
    assert_int_equal(pat, 4096);
}

static void qwen2_5_vl_7b_counts_its_vit_and_merger(void **state)
{
    (void)state;
    struct tmem_model m;
    tmem_test_load("qwen2.5-vl-7b", &m, &inv);
    assert_int_equal(m.vision.kind, TMEM_VISION_QWEN25_VL);
    /* Qwen2_5_VisionTransformer: d 1280, d_ff 3420, 32 blocks */
    const uint64_t d = 1280, f = 3420, L = 32;
    uint64_t patch = 3 * 2 * 14 * 14 * d;     /* Conv3d(3, d, (2, 14, 14), bias=False) */
    uint64_t layer = 2 * d                    /* norm1, norm2 RMSNorm */
                     + (d * 3 * d + 3 * d)    /* qkv with bias */
                     + (d * d + d)            /* proj with bias */
                     + 2 * (d * f + f)        /* gate_proj, up_proj with biases */
                     + (f * d + d);           /* down_proj with bias */
    assert_int_equal(layer, U64(19702200));
    /* Qwen2_5_VLPatchMerger: ln_q RMSNorm(1280), Linear(5120, 5120) + b, GELU, Linear(5120, 3584) + b */
    uint64_t merger = d + (5120 * 5120 + 5120) + (5120 * 3584 + 3584);
    uint64_t vision = patch + L * layer + merger;
    /* printed by a public fine-tuning script: "visual" 676550144 */
    assert_int_equal(vision, U64(676550144));
    assert_int_equal(group(TMEM_GROUP_VISION), vision);
    /* the text model is Qwen2.5-7B's (7,615,616,512: its preset's HF total) */
    assert_int_equal(inv.active_params, U64(7615616512));
    /* published: HF Hub numParameters of Qwen/Qwen2.5-VL-7B-Instruct 8292166656 */
    assert_int_equal(inv.total_params, U64(8292166656));
    /* the grid of a 448 × 644 image: (448/14)·(644/14) = 32 · 46 patches,
     * (448/28)·(644/28) = 16 · 23 = 368 tokens after the 2×2 merge */
    uint64_t tok, pat;
    assert_int_equal(tmem_vision_image(&m.vision, 448, 644, &tok, &pat, NULL), TMEM_OK);
    assert_int_equal(tok, 16 * 23);
    assert_int_equal(pat, 32 * 46);
    struct tmem_error err = {0};
    assert_int_equal(tmem_vision_image(&m.vision, 0, 0, &tok, &pat, &err), TMEM_ERR_MISSING_KEY);
    assert_string_equal(err.where, "--image-size");
}

/* meta-llama/Llama-3.2-11B-Vision (MllamaForConditionalGeneration), tensor by
 * tensor (REF modeling_mllama.py; the config in presets.c):
 *   text (MllamaTextModel, d 4096, 40 layers, 32 heads, 8 KV heads of 128,
 *   d_ff 14336, V 128256)
 *     embed_tokens (128256 + 8) · 4096                         =   525,369,344
 *     self-attention layer: q 4096·4096 + k, v 4096·1024 each + o 4096·4096
 *       (41,943,040) + MLP 3 · 4096 · 14336 (176,160,768) + 2 norms 8,192
 *                                                              =   218,112,000
 *     cross-attention layer: the same + q_norm, k_norm 2 · 128 + 2 gates
 *                                                              =   218,112,258
 *     32 · 218,112,000 + 8 · 218,112,258                       = 8,724,482,064
 *     norm 4096 + lm_head 128256 · 4096 (525,336,576)
 *     text                                                     = 9,775,192,080
 *   vision (MllamaVisionModel, d 1280, d_ff 5120, 560/14 = 40: 1601 positions)
 *     patch_embedding 3 · 14 · 14 · 1280                       =       752,640
 *     class_embedding                                          =         1,280
 *     gated_positional_embedding: gate 1 + 1601 · 1280 (2,049,280) +
 *       tile_embedding (8 + 1) · 4 · 1601 · 1280 (73,774,080)  =    75,823,361
 *     pre/post_tile_positional_embedding 2 · (9 · 4 · 1280 + 1 gate)
 *                                                              =        92,162
 *     layernorm_pre, layernorm_post 2 · 2 · 1280               =         5,120
 *     encoder layer: q/k/v/o 4 · 1280² (6,553,600) + fc1 1280 · 5120 + 5120 +
 *       fc2 5120 · 1280 + 1280 (13,113,600) + 2 LayerNorms 5,120
 *                                                              =    19,672,320
 *     32 local layers 629,514,240 + 8 global (+ gate_attn, gate_ffn)
 *       8 · 19,672,322 = 157,378,576
 *     vision                                                   =   863,567,379
 *   multi_modal_projector 7680 · 4096 + 4096                   =    31,461,376
 *   total                                                      = 10,670,220,835
 * the published HF safetensors parameter_count of
 * meta-llama/Llama-3.2-11B-Vision-Instruct (params_vision.tsv). */
static void llama_3_2_11b_vision_counts_cross_attention_and_tiles(void **state)
{
    (void)state;
    struct tmem_model m;
    tmem_test_load("llama-3.2-11b-vision", &m, &inv);
    assert_string_equal(tmem_family_info(m.family)->name, "mllama_text_model");
    assert_int_equal(m.n_cross_layer, 8);
    assert_int_equal(m.vision.kind, TMEM_VISION_MLLAMA);
    const uint64_t d = 4096, kv = 8 * 128, f = 14336;
    const uint64_t self = (d * d + 2 * d * kv + d * d) + 3 * d * f + 2 * d;
    assert_int_equal(self, U64(218112000));
    const uint64_t cross = self + 2 * 128 + 2;
    const uint64_t text = U64(128264) * d + 32 * self + 8 * cross + d + U64(128256) * d;
    assert_int_equal(text, U64(9775192080));
    assert_int_equal(inv.active_params, text);
    const uint64_t dv = 1280, fv = 5120;
    const uint64_t vlayer = 4 * dv * dv + (dv * fv + fv) + (fv * dv + dv) + 2 * 2 * dv;
    assert_int_equal(vlayer, U64(19672320));
    const uint64_t vision = 3 * 14 * 14 * dv + dv + (1 + 1601 * dv + U64(9) * 4 * 1601 * dv) +
                            2 * (9 * 4 * dv + 1) + 2 * 2 * dv + 32 * vlayer + 8 * (vlayer + 2);
    assert_int_equal(vision, U64(863567379));
    const uint64_t proj = 7680 * d + d;
    assert_int_equal(group(TMEM_GROUP_VISION), vision + proj);
    assert_int_equal(inv.total_params, text + vision + proj);
    assert_int_equal(inv.total_params, U64(10670220835));
    /* one image: 4 tiles × (40² + 1) = 6404 patch states */
    uint64_t tok, pat;
    assert_int_equal(tmem_vision_image(&m.vision, 0, 0, &tok, &pat, NULL), TMEM_OK);
    assert_int_equal(pat, 4 * 1601);
    /* one image is one <|image|> prompt token */
    assert_int_equal(tok, 1);
}

/* tmem infer llama-3.2-11b-vision --engine hf --images N (prompt 512, gen
 * 128), by hand (REF HF transformers modeling_mllama.py):
 *   MllamaVisionModel: 4 tiles × (40² patches + 1 class token) = 6404 states,
 *     each tile padded to a multiple of 8 (1601 → 1608) through both
 *     encoders, the padding sliced off the output; the local encoder runs
 *     with output_hidden_states=True and all 33 hidden states are held.
 *   multi_modal_projector: (…, 6404, 7680) → (b, images·6404, 4096): the
 *     cross_attention_states.
 *   MllamaTextCrossAttention: k_proj / v_proj of those states into 8 KV heads
 *     of 128, kept in the cache at the layer's index; the 8 cross layers keep
 *     no self-attention KV, the other 32 do. */
static void llama_3_2_11b_vision_infers_cross_attention_kv(void **state)
{
    (void)state;
    struct tmem_model m;
    tmem_test_load("llama-3.2-11b-vision", &m, &inv);
    struct tmem_infer_opts o;
    tmem_infer_defaults(&o);
    o.gpu = tmem_gpu_find("h100-sxm");
    static struct tmem_infer_result r;
    struct tmem_error err = {0};
    /* vLLM V1 does not run it; one pipeline stage only */
    o.images = 1;
    assert_int_equal(tmem_infer_build(&m, &inv, &o, &r, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "--engine");
    assert_non_null(strstr(err.msg, "vllm-project/vllm#24907"));
    o.engine = TMEM_ENGINE_HF;
    o.pp = 2;
    err = (struct tmem_error){0};
    assert_int_equal(tmem_infer_build(&m, &inv, &o, &r, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "--pp");
    o.pp = 1;
    if (tmem_infer_build(&m, &inv, &o, &r, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    const uint64_t self_kv = 2 * 32 * 8 * 128 * 2; /* K, V × 32 self layers × 8 heads × 128 × bf16 */
    const uint64_t cross_kv = 2 * 8 * 8 * 128 * 2; /* K, V × 8 cross layers × 8 heads × 128 × bf16 */
    assert_int_equal(r.kv.bytes_per_token, self_kv);
    assert_int_equal(r.kv.bytes_per_token, 131072);
    assert_int_equal(r.kv.cross_bytes_per_token, cross_kv);
    assert_int_equal(r.image_tokens, 1);
    assert_int_equal(r.tokens_per_seq, 512 + 1 + 128);
    assert_int_equal(r.vision_patches, 4 * (40 * 40 + 1));
    /* 641 · 131,072 = 84,017,152 self + 6404 · 32,768 = 209,846,272 cross */
    assert_int_equal(r.kv_request_bytes, U64(641) * self_kv + U64(6404) * cross_kv);
    assert_int_equal(r.kv_request_bytes, U64(84017152) + U64(209846272));
    assert_int_equal(r.ledger.bucket_bytes[TMEM_BUCKET_KV_CACHE], r.kv_request_bytes);
    /* the tower's peak: 4 · 1608 padded positions × (33 held hidden states
     * of 1280 + the layer's input 1280 + fc1 5120) × bf16 */
    const uint64_t vpeak = U64(4) * 1608 * (33 * 1280 + 1280 + 5120) * 2;
    assert_int_equal(r.vision_activation_bytes, vpeak);
    assert_int_equal(r.vision_activation_bytes, U64(625704960));
    /* FLOPs: 2 · P_tower · 6432 + 4 · (32 + 8) layers · 6432² · 1280 +
     * 2 · P_proj · 6404 + 2 · 6404 · 8 cross layers · 2 · 4096 · 1024 (k, v)
     *   P_tower = patch conv 3·14·14·1280 + 40 · (q, k, v, o 4 · 1280² +
     *             fc1, fc2 2 · 1280 · 5120) = 752,640 + 786,432,000
     *   P_proj  = 7680 · 4096 */
    const double p_tower = 752640.0 + 40.0 * (4.0 * 1280 * 1280 + 2.0 * 1280 * 5120);
    const double flops = 2.0 * p_tower * 6432 + 4.0 * 40 * 6432.0 * 6432 * 1280 +
                         2.0 * 7680 * 4096 * 6404 + 2.0 * 6404 * 8 * 2 * 4096 * 1024;
    assert_true(r.vision_flops == flops);
    assert_true(r.timing.vision_s > 0.0);
    /* the text steps: 32 self-attention layers; the 8 cross layers' q·kᵀ and
     * ·v over the 6404 states (4 · 8 · 128 · 32 FLOPs a pair), their k/v
     * projections of text tokens taken out (the states' are in the vision
     * FLOPs above); decode reads the 6404 states' KV each step
     *   prefill 513 tokens: 2 · (N_mm − N_head) − 2 · 8 · 2 · 4096 · 1024 each,
     *     N_mm = text 9,775,192,080 − embedding 128264 · 4096, N_head 128256 · 4096;
     *     + 2 · N_head (one row) + 4 · 32 · 128 · 32 · 513²/2 + 4 · 8 · 128 · 32 · 513 · 6404
     *   decode bytes: text weights 2 · 9,775,192,080 + KV 577 · 131,072
     *     (c = 513 + 128/2) + cross KV 6404 · 32,768 */
    {
        const double n_head = 128256.0 * 4096, n_mm = 9775192080.0 - 128264.0 * 4096;
        const double body = 2.0 * (n_mm - n_head) - 2.0 * 8 * 2 * 4096 * 1024;
        const double pre = body * 513 + 2.0 * n_head + 4.0 * 32 * 128 * 32 * 513.0 * 513 / 2 +
                           4.0 * 8 * 128 * 32 * 513.0 * 6404;
        assert_true(fabs(r.timing.prefill_flops - pre) <= 1e-12 * pre);
        const double dec = 2.0 * 9775192080.0 + 577.0 * 131072 + 6404.0 * 32768;
        assert_true(fabs(r.timing.decode_bytes - dec) <= 1e-12 * dec);
    }
    /* two images: twice the image states' KV; none: no cross-attention at all */
    o.images = 2;
    if (tmem_infer_build(&m, &inv, &o, &r, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    assert_int_equal(r.kv_request_bytes, U64(642) * self_kv + U64(2) * 6404 * cross_kv);
    o.images = 0;
    if (tmem_infer_build(&m, &inv, &o, &r, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    assert_int_equal(r.kv_request_bytes, U64(640) * self_kv);
    assert_true(r.vision_activation_bytes == 0 && r.vision_flops == 0.0);
}

/* tmem infer llava-1.5-7b --images 2 --hf (prompt 512, gen 128): the image
 * tokens in the static KV cache, the tower's FLOPs, its step in the TTFT and
 * its peak, by hand */
static void llava_images_join_the_prompt(void **state)
{
    (void)state;
    struct tmem_model m;
    tmem_test_load("llava-1.5-7b", &m, &inv);
    struct tmem_infer_opts o;
    tmem_infer_defaults(&o);
    o.gpu = tmem_gpu_find("h100-sxm");
    o.engine = TMEM_ENGINE_HF;
    o.images = 2;
    static struct tmem_infer_result r;
    struct tmem_error err = {0};
    if (tmem_infer_build(&m, &inv, &o, &r, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    assert_int_equal(r.image_tokens, 2 * 576);
    assert_int_equal(r.vision_patches, 2 * 577);
    /* KV: (512 + 1152 + 128) tokens × 2 × 32 layers × 32 KV heads × 128 × 2 B */
    assert_int_equal(r.tokens_per_seq, 1792);
    assert_int_equal(r.kv_request_bytes, U64(1792) * 2 * 32 * 32 * 128 * 2);
    /* tower matmuls: patch 602,112 + q/k/v 75,497,472 + out 25,165,824 + fc1 and
     * fc2 100,663,296 each = 302,592,000 weights, 2 FLOPs each per patch;
     * attention 4 · 24 layers · 577² · 1024 per image; projector 20,971,520
     * weights, 2 FLOPs each per image token */
    double tower = 2.0 * 302592000.0 * 1154.0;
    double attn = 4.0 * 24 * 577.0 * 577.0 * 1024 * 2;
    double proj = 2.0 * 20971520.0 * 1152.0;
    assert_true(r.vision_flops == tower + attn + proj); /* 812,157,222,912 */
    assert_true(r.vision_flops == 812157222912.0);
    /* peak: 2 images × 577 patches × (1024 + fc1's 4096) × bf16 */
    assert_int_equal(r.vision_activation_bytes, U64(2) * 577 * (1024 + 4096) * 2);
    /* The vision step in the TTFT (timing.c): on h100-sxm (989.4e12 bf16
     * FLOP/s, 3.35e12 B/s HBM) at the defaults mfu 0.5, mbu 0.8, tp 1:
     *   compute 812,157,222,912 / (989.4e12 · 0.5) = 1.6417 ms
     *   bytes   tower + projector (303,507,456 + 20,979,712) · 2 B =
     *           648,974,336 B / (3.35e12 · 0.8) = 0.2422 ms
     *   vision_s = max = 1.6417 ms (compute-bound).
     * The text prefill of 512 + 1152 = 1664 tokens: N_mm = 6,738,939,904 active
     * − 131,334,144 embedding = 6,607,605,760, lm_head 32064 · 4096 =
     * 131,334,144; FLOPs 2 · (6,607,605,760 − 131,334,144) · 1664 + 2 ·
     * 131,334,144 (one logit row) + 4 · 32 layers · 128 · 32 heads · 1664²/2
     * pairs = 22,279,144,079,360 → 45.0357 ms, compute-bound (its 13.5 GB of
     * weights take 5 ms); TTFT = 45.0357 + 1.6417 = 46.6774 ms. A decode
     * step reads the text weights only, 6,738,939,904 · 2 B, plus the KV of
     * c = 1664 + 128/2 = 1728 tokens · 524,288 B = 14,383,849,472 B. */
    const double vision_s = 812157222912.0 / (989.4e12 * 0.5);
    assert_true(648974336.0 / (3.35e12 * 0.8) < vision_s);
    assert_int_equal(r.vision_weight_bytes, U64(303507456 + 20979712) * 2);
    assert_true(fabs(r.timing.vision_s - vision_s) < 1e-12);
    const double text_flops = 2.0 * (6607605760.0 - 131334144.0) * 1664 + 2.0 * 131334144.0 +
                              4.0 * 32 * 128 * 32 * (1664.0 * 1664.0 / 2.0);
    assert_true(r.timing.prefill_flops == text_flops);
    assert_true(text_flops == 22279144079360.0);
    assert_true(fabs(r.timing.ttft_s - (text_flops / (989.4e12 * 0.5) + vision_s)) < 1e-12);
    assert_true(fabs(r.timing.ttft_s - 0.0466773829) < 1e-9);
    assert_true(r.timing.decode_bytes == 6738939904.0 * 2 + 1728.0 * 524288);
    assert_true(r.timing.decode_bytes == 14383849472.0);
    assert_non_null(strstr(r.vision_flops_formula,
                           "2 × 1 × 2 × 302592000 × 577 + 4 × 1 × 2 × 24 × 577 × 577 × 1024 + "
                           "2 × 1 × 2 × 20971520 × 576"));
    /* without images: no vision step */
    o.images = 0;
    if (tmem_infer_build(&m, &inv, &o, &r, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    assert_true(r.timing.vision_s == 0.0);
    o.images = 2;
    /* a text model refuses --images */
    struct tmem_model t;
    static struct tmem_inventory tinv;
    tmem_test_load("llama-2-7b", &t, &tinv);
    assert_int_equal(tmem_infer_build(&t, &tinv, &o, &r, &err), TMEM_ERR_INCONSISTENT);
    assert_string_equal(err.where, "--images");
}

/* tmem train llama-3.2-11b-vision, text-only samples (no pixel_values):
 * HF MllamaTextModel.forward skips each cross-attention layer whose
 * cross_attention_states is None (modeling_mllama.py), so the 8 cross layers
 * save nothing and the tower does not run; the activations are those of
 * the 32 self-attention layers. By hand at b 1, s 512 (512 tokens), bf16,
 * flash, HF eager RMSNorm / SwiGLU, d 4096, n_kv_head·d_head 8·128, d_ff 14336:
 *   attention per layer: x_fp32 512 × 4096 × 4 = 8,388,608; rstd 512 × 1 × 4
 *     = 2,048; norm y, qkv input, q, o_proj input 4 × 512 × 4096 × 2 =
 *     16,777,216; k, v 2 × 512 × 1024 × 2 = 2,097,152; lse 512 × 32 × 4 =
 *     65,536: 27,330,560
 *   MLP per layer: x_fp32 8,388,608 + rstd 2,048 + norm y and input
 *     2 × 4,194,304 + gate, silu, up, down input 4 × 512 × 14336 × 2 =
 *     58,720,256: 75,499,520
 * × 32 self layers (not 40): 874,577,920 and 2,415,984,640. The weights
 * hold all 40 layers and the tower: 10,670,220,835 × 2 B. */
static void llama_3_2_11b_vision_trains_text_only_over_32_layers(void **state)
{
    (void)state;
    struct tmem_model m;
    tmem_test_load("llama-3.2-11b-vision", &m, &inv);
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.precision = TMEM_PRECISION_BF16_MIXED;
    o.micro_batch = 1;
    o.seq = 512;
    o.attention = TMEM_ATTENTION_FLASH;
    static struct tmem_train_result r;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    const uint64_t attn = U64(512) * 4096 * 4 + U64(512) * 4 + 4 * (U64(512) * 4096 * 2) +
                          2 * (U64(512) * 1024 * 2) + U64(512) * 32 * 4;
    const uint64_t mlp = U64(512) * 4096 * 4 + U64(512) * 4 + 2 * (U64(512) * 4096 * 2) +
                         4 * (U64(512) * 14336 * 2);
    assert_int_equal(attn, U64(27330560));
    assert_int_equal(mlp, U64(75499520));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN], 32 * attn);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_MLP], 32 * mlp);
    assert_int_equal(r.item_bytes[TMEM_TI_WEIGHTS], U64(10670220835) * 2);
    static struct tmem_act_inventory a;
    assert_int_equal(tmem_train_activations(&m, &inv, &o, UINT64_MAX, &a, NULL), TMEM_OK);
    assert_int_equal(a.dense_layers, 32);
    assert_int_equal(a.layer.attn, attn);
    assert_int_equal(a.layer.mlp, mlp);
    /* model FLOPs of the step, 3 × forward: the 32 self layers' matmuls
     * (q, o 4096², k, v 4096 × 1024, SwiGLU 3 × 4096 × 14336: 218,103,808 a
     * layer) 2 × 512 × 32 × 218,103,808 = 7,146,825,580,544, the lm_head 2 ×
     * 512 × 128256 × 4096 = 537,944,653,824, causal flash attention 2 × 512 ×
     * 512 × 32·(128 + 128) × 32 layers × ½ = 68,719,476,736 */
    const uint64_t lay_mm = 2 * U64(4096) * 4096 + 2 * U64(4096) * 1024 + 3 * U64(4096) * 14336;
    assert_int_equal(lay_mm, U64(218103808));
    const uint64_t fwd = 2 * U64(512) * 32 * lay_mm + 2 * U64(512) * 128256 * 4096 +
                         2 * U64(512) * 512 * (32 * 256) * 32 / 2;
    struct tmem_train_time_opts to;
    struct tmem_train_time tt;
    tmem_train_time_defaults(&to, tmem_gpu_find("h100-sxm"));
    assert_int_equal(tmem_train_time(&m, &inv, &o, &r, &to, NULL, &tt, NULL, NULL), TMEM_OK);
    assert_int_equal(tt.model_flops, 3 * fwd);
    assert_int_equal(tt.model_flops, U64(23260469133312));
    /* full recompute keeps one layer input per self layer: 32 × 512 × 4096 × 2 */
    o.recompute = TMEM_RECOMPUTE_FULL;
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_CKPT], 32 * (U64(512) * 4096 * 2));
    /* LoRA on the text layers (PEFT q_proj / v_proj match the self and the
     * cross layers' alike), the base and the tower frozen: adapters on 40
     * layers' q_proj (4096 → 4096) and v_proj (4096 → 1024): 40 × 16 ×
     * ((4096 + 4096) + (4096 + 1024)) = 8,519,680 params, bf16; the frozen
     * base all 10,670,220,835 weights */
    o.recompute = TMEM_RECOMPUTE_NONE;
    o.lora_rank = 16;
    o.lora_targets = tmem_kind_set_or(tmem_lora_target_kinds("q"), tmem_lora_target_kinds("v"));
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    const uint64_t adapters = U64(40) * 16 * ((4096 + 4096) + (4096 + 1024));
    assert_int_equal(adapters, U64(8519680));
    assert_int_equal(r.item_bytes[TMEM_TI_GRADS], adapters * 2);
    assert_int_equal(r.item_bytes[TMEM_TI_WEIGHTS], U64(10670220835) * 2 + adapters * 2);
    /* one pipeline stage */
    o.lora_rank = 0;
    o.pp = 2;
    struct tmem_error err = {0};
    assert_int_equal(tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "--pp");
}

static void lora_all_linear_leaves_the_tower_frozen(void **state)
{
    (void)state;
    struct tmem_kind_set all = tmem_lora_target_kinds("all-linear");
    for (int k = 0; k < TMEM_TENSOR_KIND_COUNT; k++)
        if (tmem_tensor_kind_info((enum tmem_tensor_kind)k)->group == TMEM_GROUP_VISION)
            assert_false(tmem_kind_set_has(&all, k));
}

static void vision_config_errors_name_the_key(void **state)
{
    (void)state;
    struct tmem_model m;
    struct tmem_error err = {0};
    const char *bad = "{\"model_type\": \"llava\", \"text_config\": {\"model_type\": \"llama\", "
                      "\"hidden_size\": 64, \"num_hidden_layers\": 2, \"num_attention_heads\": 4, "
                      "\"intermediate_size\": 128, \"vocab_size\": 100}, "
                      "\"vision_config\": {\"hidden_size\": \"big\"}}";
    assert_int_equal(tmem_hf_config_parse(bad, strlen(bad), "c.json", NULL, &m, &err), TMEM_ERR_SCHEMA);
    assert_string_equal(err.where, "c.json:vision_config:hidden_size");
    const char *head = "{\"model_type\": \"gemma3\", \"text_config\": {\"model_type\": \"gemma3_text\", "
                       "\"hidden_size\": 64, \"num_hidden_layers\": 2, \"num_attention_heads\": 4, "
                       "\"intermediate_size\": 128, \"vocab_size\": 100}, "
                       "\"vision_config\": {\"model_type\": \"siglip_vision_model\"}}";
    assert_int_equal(tmem_hf_config_parse(head, strlen(head), "c.json", NULL, &m, &err),
                     TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "c.json:vision_config:vision_use_head");
    const char *odd = "{\"model_type\": \"llava\", \"text_config\": {\"model_type\": \"llama\", "
                      "\"hidden_size\": 64, \"num_hidden_layers\": 2, \"num_attention_heads\": 4, "
                      "\"intermediate_size\": 128, \"vocab_size\": 100}, "
                      "\"vision_config\": {\"image_size\": 300, \"patch_size\": 14}}";
    struct tmem_model raw;
    assert_int_equal(tmem_hf_config_parse(odd, strlen(odd), "c.json", NULL, &raw, &err), TMEM_OK);
    assert_int_equal(tmem_model_resolve(&raw, &m, &err), TMEM_ERR_INCONSISTENT);
    assert_string_equal(err.where, "vision_config.image_size");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(llava_1_5_7b_counts_its_clip_tower_and_projector),
        cmocka_unit_test(gemma_3_4b_counts_siglip_and_its_projector),
        cmocka_unit_test(qwen2_5_vl_7b_counts_its_vit_and_merger),
        cmocka_unit_test(llava_images_join_the_prompt),
        cmocka_unit_test(llama_3_2_11b_vision_counts_cross_attention_and_tiles),
        cmocka_unit_test(llama_3_2_11b_vision_infers_cross_attention_kv),
        cmocka_unit_test(llama_3_2_11b_vision_trains_text_only_over_32_layers),
        cmocka_unit_test(lora_all_linear_leaves_the_tower_frozen),
        cmocka_unit_test(vision_config_errors_name_the_key),
    };
    return cmocka_run_group_tests_name("vision-language models", tests, NULL, NULL);
}
