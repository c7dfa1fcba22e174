/* train_vision.c — training a vision-language model on samples with
 * images (--images N, --image-size HxW, --train-vision): what the plan
 * refuses, which vision weights are frozen, the image part of one sample
 * (tmem_train_images), and the activation item TMEM_TI_ACT_VISION: the
 * projector's saved tensors, a trained tower's layers (CLIP, SigLIP), and
 * Llama 3.2 Vision's cross-attention layers over the image states.
 *
 * The decoder side: LLaVA, Gemma-3 and Qwen2.5-VL put each image's tokens
 * into the text sequence (the processor expands one <image> into
 * tokens_per_image placeholders, masked_scatter writes the projected
 * features there), so --seq counts them: seq = text tokens + N × tokens per
 * image, what TRL's SFTTrainer max_length truncates. The layers, logits and
 * loss are the text model's over seq, as without images (train_act.c).
 * Mllama's prompt holds one <|image|> token per image.
 *
 * The tower, frozen (the default; TRL's VLM SFT recipe, LLaVA-1.5 stage 2,
 * PEFT's LoRA): requires_grad False, its inputs need no grad, so autograd
 * records nothing in it; its forward is a transient before the first text
 * layer (no saved tensor is alive yet), below the step's peak. Trained
 * (--train-vision): its weights get gradients and optimizer states, and
 * each kept layer's saved tensors count per image.
 *
 * REF: HF transformers modeling_clip.py CLIPEncoderLayer / CLIPAttention /
 *      CLIPMLP (quick_gelu: x · sigmoid(1.702 x)), modeling_siglip.py
 *      (gelu_pytorch_tanh, post_layernorm over every position),
 *      modeling_llava.py get_image_features (hidden_states[-2], the
 *      "default" strategy's [:, 1:] slice, a view), LlavaMultiModalProjector,
 *      modeling_gemma3.py Gemma3MultiModalProjector (AvgPool2d 4×4,
 *      Gemma3RMSNorm x·rsqrt(mean x²)·(1 + w) in fp32, matmul),
 *      modeling_qwen2_5_vl.py Qwen2_5_VLPatchMerger (Qwen2RMSNorm ln_q, Linear,
 *      GELU, Linear), modeling_mllama.py MllamaCrossAttentionDecoderLayer
 *      (input_layernorm, q_proj, q_norm, k_proj, k_norm, v_proj on
 *      cross_attention_states, attention, o_proj, tanh(attn_gate) ·,
 *      post_attention_layernorm, MLP, full_text_row_masked_out_mask ·,
 *      tanh(mlp_gate) ·), _prepare_cross_attention_mask (b × 1 × s ×
 *      images·tiles·1601 in the model dtype), integrations/sdpa_attention.py
 *      (repeat_kv when a mask is given); torch derivatives.yaml
 *      (masked_scatter saves its mask, avg_pool2d its input). */
#include "error.h"
#include "model_internal.h"
#include "tensor_kind.h"
#include "train_internal.h"

/* a tensor of the tower (not of the projector) */
static bool tower_tensor(const struct tmem_tensor *t)
{
    enum tmem_tensor_kind k = t->kind;
    bool projector = k == TMEM_TENSOR_KIND_PROJ_NORM || k == TMEM_TENSOR_KIND_PROJ_1 ||
                     k == TMEM_TENSOR_KIND_PROJ_1_BIAS || k == TMEM_TENSOR_KIND_PROJ_2 ||
                     k == TMEM_TENSOR_KIND_PROJ_2_BIAS || k == TMEM_TENSOR_KIND_IMAGE_NEWLINE;
    return !projector && tmem__kind(t)->group == TMEM_GROUP_VISION;
}

bool tmem__vision_frozen(const struct tmem_train_opts *o, const struct tmem_tensor *t)
{
    return o->images > 0 && !o->train_vision && tower_tensor(t);
}

/* is the projector trained: full fine-tuning, or --modules-to-save
 * multi_modal_projector under adapters (PEFT) */
static bool projector_trained(const struct tmem_train_opts *o)
{
    return o->lora_rank == 0 || tmem_kind_set_has(&o->modules_to_save, (int)TMEM_TENSOR_KIND_PROJ_2);
}

enum tmem_status tmem__vision_train_check(const struct tmem_model *m, const struct tmem_train_opts *o,
                                          uint64_t seq, struct tmem_error *err)
{
    if (o->images == 0) {
        if (o->train_vision)
            return tmem__fail(err, TMEM_ERR_INCONSISTENT, "--train-vision",
                              "the tower runs on images: give --images N");
        if (o->image_h != 0 || o->image_w != 0)
            return tmem__fail(err, TMEM_ERR_INCONSISTENT, "--image-size", "image pixels need --images N");
        return TMEM_OK;
    }
    TRY(tmem__check_range(err, "--images", o->images, 1, 4096));
    const struct tmem_vision *v = &m->vision;
    uint64_t tok, patches;
    TRY(tmem_vision_image(v, o->image_h, o->image_w, &tok, &patches, err)); /* no tower: refused */
    if (v->image_newline)
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "--images",
                          "LLaVA-NeXT's anyres views (a base image and its tiles) are not modelled for "
                          "training; infer counts them");
    if (o->pp > 1 || o->tp > 1 || o->cp > 1 || o->sequence_parallel)
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED,
                          o->pp > 1 ? "--pp" : o->tp > 1 ? "--tp" : o->cp > 1 ? "--cp" : "--sequence-parallel",
                          "training with images is modelled on one GPU's whole model (data parallel and "
                          "ZeRO / FSDP only): the split of the tower, projector and image tokens over "
                          "pipeline, tensor or context parallel ranks is not");
    if (o->dpo || o->rl != TMEM_RL_NONE)
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, o->dpo ? "--dpo" : "--rl",
                          "preference and RL training with images are not modelled");
    if (o->train_vision && (v->kind == TMEM_VISION_QWEN25_VL || v->kind == TMEM_VISION_MLLAMA))
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "--train-vision",
                          "a trained tower's saved tensors are modelled for CLIP and SigLIP (LLaVA, "
                          "Gemma-3); Qwen2.5-VL's and Mllama's towers train frozen");
    if (o->train_vision && o->lora_rank > 0)
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "--train-vision",
                          "adapters freeze the tower (PEFT): a trained tower is modelled in full fine-tuning");
    if (o->train_vision && o->recompute != TMEM_RECOMPUTE_NONE)
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "--recompute",
                          "recompute inside a trained vision tower is not modelled: --recompute none");
    if (m->n_cross_layer > 0) {
        if (o->lora_rank > 0)
            return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "--lora-rank",
                              "Llama 3.2 Vision with images under adapters is not modelled (its "
                              "cross-attention layers' frozen gates change what they save): full "
                              "fine-tuning, or text-only samples");
        if (o->recompute != TMEM_RECOMPUTE_NONE)
            return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "--recompute",
                              "Llama 3.2 Vision with images: recompute of its cross-attention layers is "
                              "not modelled: --recompute none");
    }
    uint64_t img;
    if (!tmem_mul_u64(tok, o->images, &img) || img >= seq)
        return tmem__fail(err, TMEM_ERR_INCONSISTENT, "--seq",
                          "--seq counts the image tokens too (text + images × tokens per image): it "
                          "leaves no text token");
    return TMEM_OK;
}

/* the tower layers whose saved tensors a trained tower keeps: LLaVA reads
 * hidden_states[-2] (vision_feature_layer −2, llava-1.5's and the config
 * class's default), so the last layer's graph (and post_layernorm's) is
 * dropped with the tower's output; Gemma-3 reads last_hidden_state */
static uint64_t kept_layers(const struct tmem_vision *v)
{
    return v->kind == TMEM_VISION_CLIP && v->n_layer > 1 ? v->n_layer - 1 : v->n_layer;
}

enum tmem_status tmem_train_images(const struct tmem_model *m, const struct tmem_train_opts *o, uint64_t seq,
                                   struct tmem_train_images *out, struct tmem_error *err)
{
    if (m == NULL || o == NULL || out == NULL)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "train", "no model, plan or result given");
    *out = (struct tmem_train_images){0};
    if (o->images == 0)
        return TMEM_OK;
    TRY(tmem__vision_train_check(m, o, seq, err));
    TRY(tmem_vision_image(&m->vision, o->image_h, o->image_w, &out->tokens_per_image,
                          &out->patches_per_image, err));
    out->image_tokens = out->tokens_per_image * o->images; /* < seq, checked */
    out->text_tokens = seq - out->image_tokens;
    out->tower_trained = o->train_vision;
    out->tower_layers = o->train_vision ? kept_layers(&m->vision) : 0;
    out->projector_trained = projector_trained(o);
    return TMEM_OK;
}

/* ------------------------------------------------------------ the item */

/* RMSNorm of width w with k rows per position: eager (x_fp32, rstd, y in
 * r: act_inventory.c norm), or a fused kernel's input and rstd */
static uint64_t rms_bytes(struct tmem_train_ctx *c, uint64_t w, uint64_t k)
{
    uint64_t rows = tc_mul(c, k, 4);
    if (c->o->kernels == TMEM_KERNELS_EAGER)
        return tc_add(c, tc_add(c, tc_mul(c, w, 4), rows), tc_mul(c, w, c->rb));
    return tc_add(c, tc_mul(c, w, c->rb), rows);
}

/* one trained CLIP / SigLIP layer, per position (P positions an image):
 * layer_norm1's input (r) and fp32 mean + rstd, its output (q/k/v's input),
 * q, k, v (the attention keeps the projections' views), SDPA's output and
 * fp32 log-sum-exp (eager: per image n_head·P² softmax in fp32 and its c
 * cast, added by the caller), out_proj's input (the transposed copy),
 * layer_norm2's input and stats, fc1's input, the activation (quick_gelu:
 * fc1's output and the sigmoid; gelu tanh: fc1's output), fc2's input */
static uint64_t tower_layer_per_pos(struct tmem_train_ctx *c, const struct tmem_vision *v, bool sdpa)
{
    uint64_t d = v->d_model, f = v->d_ff, cb = c->cb;
    uint64_t b = 0;
    b = tc_add(c, b, tc_mul(c, d, c->rb) + 8);             /* layer_norm1 input, mean, rstd */
    b = tc_add(c, b, tc_mul3(c, 4, d, cb));                /* its output; q, k, v */
    if (sdpa)
        b = tc_add(c, b, tc_add(c, tc_mul(c, d, cb), tc_mul(c, v->n_head, 4))); /* out, lse */
    b = tc_add(c, b, tc_mul(c, d, cb));                    /* out_proj input */
    b = tc_add(c, b, tc_mul(c, d, c->rb) + 8);             /* layer_norm2 input, mean, rstd */
    b = tc_add(c, b, tc_mul(c, d, cb));                    /* fc1 input */
    b = tc_add(c, b, tc_mul3(c, v->kind == TMEM_VISION_CLIP ? 2 : 1, f, cb)); /* activation */
    return tc_add(c, b, tc_mul(c, f, cb));                 /* fc2 input */
}

static uint64_t vision_item(struct tmem_train_ctx *c, struct tmem_sb *f)
{
    const struct tmem_model *m = c->m;
    const struct tmem_train_opts *o = c->o;
    const struct tmem_vision *v = &m->vision;
    uint64_t tok = 0, pos = 0;
    struct tmem_error e = {0};
    if (tmem_vision_image(v, o->image_h, o->image_w, &tok, &pos, &e) != TMEM_OK)
        return 0; /* validated before */
    uint64_t n_img = tc_mul(c, c->seqs, o->images); /* images of the micro-batch */
    uint64_t cb = c->cb, dv = v->d_model, dt = v->d_text;
    bool proj = projector_trained(o);
    bool sdpa = o->attention != TMEM_ATTENTION_NAIVE;
    struct tmem__term t;
    tmem__term_init(&t, f != NULL);
    if (o->train_vision) {
        /* the tower: patch conv input (pixels in c), CLIP's pre_layrnorm,
         * the kept layers, SigLIP's post_layernorm (position ids are a buffer) */
        uint64_t px = tc_mul3(c, v->n_channel, v->image_size, v->image_size);
        tmem__term_plus(&t, "images", n_img);
        tmem__term_mul(&t, "c·H·W pixels", px);
        tmem__term_mul(&t, "c", cb);
        if (v->kind == TMEM_VISION_CLIP || v->kind == TMEM_VISION_SIGLIP) {
            tmem__term_plus(&t, "images", n_img);
            tmem__term_mul(&t, "P", pos);
            tmem__term_mul(&t, "(d_v·r + 8) pre/post LN", tc_mul(c, dv, c->rb) + 8);
        }
        tmem__term_plus(&t, "tower layers kept", kept_layers(v));
        tmem__term_mul(&t, "images", n_img);
        tmem__term_mul(&t, "P", pos);
        tmem__term_mul(&t, "B_vit_layer/pos", tower_layer_per_pos(c, v, sdpa));
        if (!sdpa) { /* eager: fp32 softmax and its c cast (matmul with v) */
            tmem__term_plus(&t, "tower layers kept", kept_layers(v));
            tmem__term_mul(&t, "images", n_img);
            tmem__term_mul(&t, "n_head_v", v->n_head);
            tmem__term_mul(&t, "P", pos);
            tmem__term_mul(&t, "P", pos);
            tmem__term_mul(&t, "(4 + c)", 4 + cb);
        }
    }
    if (proj) {
        switch (v->projector) {
        case TMEM_PROJECTOR_MLP2:
            /* linear_1's input: the [:, 1:] slice of the (images, P, d_v)
             * hidden state; matmul folds it to 2-D, a view of the P-row
             * storage for one image, a copy of the tokens' rows for more
             * (the batch stride breaks the fold); GELU's input, linear_2's
             * input (tokens × d_text each) */
            tmem__term_plus(&t, "images", n_img);
            if (n_img == 1 || tok == pos)
                tmem__term_mul(&t, "P", pos);
            else
                tmem__term_mul(&t, "tokens/image", tok);
            tmem__term_mul(&t, "d_v", dv);
            tmem__term_mul(&t, "c", cb);
            tmem__term_plus(&t, "images", n_img);
            tmem__term_mul(&t, "tokens/image", tok);
            tmem__term_mul(&t, "2·d_text", tc_mul(c, 2, dt));
            tmem__term_mul(&t, "c", cb);
            break;
        case TMEM_PROJECTOR_GEMMA3:
            /* (1 + w) multiply keeps the fp32 normalized x, the matmul its c
             * cast; a trained tower: also AvgPool2d's input (P rows) and the
             * RMSNorm's fp32 x and rstd */
            tmem__term_plus(&t, "images", n_img);
            tmem__term_mul(&t, "tokens/image", tok);
            tmem__term_mul(&t, "d_v", dv);
            tmem__term_mul(&t, "(4 + c)", 4 + cb);
            if (o->train_vision) {
                tmem__term_plus(&t, "images", n_img);
                tmem__term_mul(&t, "P", pos);
                tmem__term_mul(&t, "d_v", dv);
                tmem__term_mul(&t, "c", cb);
                tmem__term_plus(&t, "images", n_img);
                tmem__term_mul(&t, "tokens/image", tok);
                tmem__term_mul(&t, "(4·d_v + 4)", tc_mul(c, 4, dv) + 4);
            }
            break;
        case TMEM_PROJECTOR_QWEN25_MERGER:
            /* ln_q's cast x (weight · x keeps it) and that product (mlp.0's
             * input), per patch; GELU's and mlp.2's inputs per token
             * (m²·d_v wide) */
            tmem__term_plus(&t, "images", n_img);
            tmem__term_mul(&t, "patches", pos);
            tmem__term_mul(&t, "2·d_v", tc_mul(c, 2, dv));
            tmem__term_mul(&t, "c", cb);
            tmem__term_plus(&t, "images", n_img);
            tmem__term_mul(&t, "tokens/image", tok);
            tmem__term_mul(&t, "2·m²·d_v", tc_mul3(c, 2, tc_mul(c, v->merge, v->merge), dv));
            tmem__term_mul(&t, "c", cb);
            break;
        case TMEM_PROJECTOR_LINEAR: /* its input, the tower's 7680-wide states */
            tmem__term_plus(&t, "images", n_img);
            tmem__term_mul(&t, "S_img", pos);
            tmem__term_mul(&t, "d_in", v->d_proj_in);
            tmem__term_mul(&t, "c", cb);
            break;
        case TMEM_PROJECTOR_NONE:
        case TMEM_PROJECTOR_COUNT:
            break;
        }
    }
    bool embd = !c->lora || tmem_kind_set_has(&o->modules_to_save, (int)TMEM_TENSOR_KIND_TOKEN_EMBD);
    if (m->n_cross_layer == 0 && (proj || embd)) {
        /* masked_scatter's mask: (input_ids == image_token_id) expanded, b·s bools */
        tmem__term_plus(&t, "b·s mask", c->tokens);
    }
    if (m->n_cross_layer > 0) {
        /* Mllama (S: the micro-batch's image states, S_seq a sequence's,
         * L_x the cross layers): the image states (the projector's output, every cross
         * layer's k/v input: held once) and the 4-D cross-attention mask (one
         * tensor in c, every layer's attention keeps it); per cross layer
         * the text side, the image side and the MLP block (la.mlp) */
        uint64_t s_seq = tc_mul(c, o->images, pos); /* image states per sequence */
        uint64_t states = tc_mul(c, c->seqs, s_seq);
        uint64_t q = tc_mul(c, m->n_head, m->d_head), kvw = tc_mul(c, m->n_kv_head, m->d_head);
        tmem__term_plus(&t, "S", states);
        tmem__term_mul(&t, "d_model", m->d_model);
        tmem__term_mul(&t, "c", cb);
        tmem__term_plus(&t, "b·s", c->tokens);
        tmem__term_mul(&t, "S_seq (mask)", s_seq);
        tmem__term_mul(&t, "c", cb);
        /* per text token: input_layernorm, q_proj's input, the attn gate's,
         * the row mask's and the mlp gate's inputs (4·d·c), q_norm, q and the
         * o_proj input (2·q·c), SDPA's output and lse */
        uint64_t text = tc_add(c, c->act.end_norm, tc_mul3(c, 4, m->d_model, cb));
        text = tc_add(c, text, rms_bytes(c, q, m->n_head));
        text = tc_add(c, text, tc_mul3(c, 2, q, cb));
        if (sdpa)
            text = tc_add(c, text, tc_add(c, tc_mul(c, q, cb), tc_mul(c, m->n_head, 4)));
        /* per image state: k_norm of k_proj's output, k and v repeated to n_head */
        uint64_t img = tc_add(c, rms_bytes(c, kvw, m->n_kv_head), tc_mul3(c, 2, q, cb));
        tmem__term_plus(&t, "L_x", m->n_cross_layer);
        tmem__term_mul(&t, "b·s", c->tokens);
        tmem__term_mul(&t, "B_x_text", text);
        tmem__term_plus(&t, "L_x", m->n_cross_layer);
        tmem__term_mul(&t, "S", states);
        tmem__term_mul(&t, "B_x_state", img);
        tmem__term_plus(&t, "L_x", m->n_cross_layer);
        tmem__term_mul(&t, "B_mlp", c->la.mlp);
        if (!sdpa) { /* eager: the fp32 softmax and its c cast */
            tmem__term_plus(&t, "L_x", m->n_cross_layer);
            tmem__term_mul(&t, "b·s", c->tokens);
            tmem__term_mul(&t, "n_head", m->n_head);
            tmem__term_mul(&t, "S_seq", s_seq);
            tmem__term_mul(&t, "(4 + c)", 4 + cb);
        }
    }
    if (f != NULL) {
        char text[TMEM_FORMULA_LEN];
        tmem__term_render(&t, text, sizeof text);
        tmem__sb_str(f, text);
    }
    return tc_term(c, &t);
}

uint64_t tmem__vision_act_item(struct tmem_train_ctx *c, struct tmem_sb *f)
{
    if (c->o->images == 0 || !c->lay.first || c->m->vision.kind == TMEM_VISION_NONE)
        return 0;
    return vision_item(c, f);
}
