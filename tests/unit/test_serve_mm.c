/* test_serve_mm.c — tmem serve --images against hand figures: vLLM V1's
 * multimodal budget (max(max_num_batched_tokens, the largest image) and the
 * profile's images: vllm/v1/core/encoder_cache_manager.py,
 * vllm/multimodal/encoder_budget.py), the KV pool after the profile's
 * encoder cache (explicit products), and a four-request workload whose
 * steps, encoder runs and TTFTs are worked out by hand below. */
#include "harness.h"
#include "timing.h"
#include "tmem/infer.h"
#include "tmem/serve.h"

#include <math.h>
#include <string.h>

static struct tmem_infer_result IR; /* large: kept off the stack */
static struct tmem_inventory INV;

static void build(const char *model, uint64_t mnbt, uint64_t images, uint64_t h, uint64_t w,
                  struct tmem_infer_opts *o)
{
    struct tmem_model m;
    tmem_test_load(model, &m, &INV);
    tmem_infer_defaults(o);
    o->gpu = tmem_gpu_find("h100-sxm");
    o->engine = TMEM_ENGINE_VLLM;
    if (mnbt)
        o->max_num_batched_tokens = mnbt;
    o->images = images, o->image_h = h, o->image_w = w;
    struct tmem_error err = {0};
    if (tmem_infer_build(&m, &INV, o, &IR, &err) != TMEM_OK)
        fail_msg("%s: %s: %s", model, err.where, err.msg);
}

/* The budget: LLaVA-1.5's image is 576 tokens ((336/14)²), 577 patches with
 * the class token; budget max(8192, 576) = 8192; the profile encodes
 * min(8192 // 576, 256 seqs × min(999, 4096 // 576)) = min(14, 1792) = 14.
 * Gemma-3: 256 tokens, (896/14)² = 4096 patches, 8192 // 256 = 32.
 * Qwen2.5-VL: max_pixels 12845056 = 3584², a side of 3584 / 28 = 128 merged
 * units: 128² = 16384 tokens, 256² = 65536 patches; budget max(8192, 16384)
 * = 16384, one profile image (the log's "Encoder cache will be initialized
 * with a budget of 16384 tokens, and profiled with 1 image items"). */
static void budgets_by_hand(void **state)
{
    (void)state;
    struct tmem_infer_opts o;
    build("llava-1.5-7b", 0, 0, 0, 0, &o);
    assert_int_equal(IR.mm.max_tokens_per_item, 576);
    assert_int_equal(IR.mm.max_patches_per_item, 577);
    assert_int_equal(IR.mm.encoder_budget_tokens, 8192);
    assert_int_equal(IR.mm.profile_items, 14);
    build("llava-1.5-7b", 512, 0, 0, 0, &o); /* a budget below one image: raised to it */
    assert_int_equal(IR.mm.encoder_budget_tokens, 576);
    assert_int_equal(IR.mm.profile_items, 1);
    build("gemma-3-4b-it", 0, 0, 0, 0, &o);
    assert_int_equal(IR.mm.max_tokens_per_item, 256);
    assert_int_equal(IR.mm.max_patches_per_item, 4096);
    assert_int_equal(IR.mm.encoder_budget_tokens, 8192);
    assert_int_equal(IR.mm.profile_items, 32);
    build("qwen2.5-vl-7b", 0, 0, 0, 0, &o);
    assert_int_equal(IR.mm.max_tokens_per_item, 16384);
    assert_int_equal(IR.mm.max_patches_per_item, 65536);
    assert_int_equal(IR.mm.encoder_budget_tokens, 16384);
    assert_int_equal(IR.mm.profile_items, 1);
    /* a text model: no budget, no profile images */
    build("llama-3-8b", 0, 0, 0, 0, &o);
    assert_int_equal(IR.mm.encoder_budget_tokens, 0);
    assert_int_equal(IR.encoder_cache_bytes, 0);
}

/* The KV pool after the encoder cache: llava-1.5-7b, vllm on one H100 SXM.
 *   weights          7,063,427,072 params (published) × 2 B = 14,126,854,144
 *   profile peak     the text forward, 8192 tokens × (3·4096 + 3·11008) × 2 B
 *                    = 742,391,808, plus the encoder cache held with it: 14
 *                    images' 576 × 4096 embeddings, each copied into zeros of
 *                    the 8192-token budget (vllm#25810's profile_run), 14 ×
 *                    8192 × 4096 d_text × 2 B = 939,524,096 (the tower's
 *                    forward, 14 × 577 × (1024 + 4096) × 2 B = 82,713,600,
 *                    is smaller)
 *   non-torch        256 MiB = 268,435,456
 *   blocks           (usable − all of them) / (16 × 2 × 32 × 32 × 128 × 2 B) */
static void kv_pool_after_the_encoder_cache(void **state)
{
    (void)state;
    struct tmem_infer_opts o;
    build("llava-1.5-7b", 0, 1, 0, 0, &o);
    uint64_t cache = U64(14) * 8192 * 4096 * 2;
    assert_int_equal(IR.encoder_cache_bytes, cache);
    assert_int_equal(IR.encoder_cache_bytes, 939524096);
    uint64_t peak = U64(8192) * (3 * 4096 + 3 * 11008) * 2 + cache;
    assert_int_equal(IR.ledger.bucket_bytes[TMEM_BUCKET_ACTIVATIONS], peak);
    assert_int_equal(IR.vision_activation_bytes, U64(14) * 577 * (1024 + 4096) * 2);
    uint64_t weights = U64(7063427072) * 2, non_torch = U64(256) << 20;
    uint64_t block = U64(16) * 2 * 32 * 32 * 128 * 2;
    assert_int_equal(IR.kv_blocks, (IR.usable_bytes - weights - peak - non_torch) / block);
    /* and the image's tokens join the request: 512 + 576 + 128 */
    assert_int_equal(IR.tokens_per_seq, 512 + 576 + 128);
}

struct sim {
    struct tmem_serve_request reqs[4];
    struct tmem_serve_result r;
};

/* Four requests at t = 0, each `images` llava images and 8 text tokens,
 * 2 output tokens, under max_num_batched_tokens 1024: budget and cache
 * max(1024, 576) = 1024 image tokens. */
static void run4(uint64_t images, struct tmem_serve_opts *so, struct sim *s)
{
    struct tmem_infer_opts o;
    build("llava-1.5-7b", 1024, images, 0, 0, &o);
    tmem_serve_defaults(&o, &IR, so);
    so->images = images;
    so->image_tokens = 576;
    so->encoder_budget_tokens = so->encoder_cache_tokens = IR.mm.encoder_budget_tokens;
    assert_int_equal(so->encoder_budget_tokens, 1024);
    so->concurrency = 4;
    struct tmem_serve_workload w = {.concurrency = 4, .burstiness_cv = 1, .n_requests = 4,
                                    .prompt = {TMEM_SERVE_DIST_FIXED, 8, 0},
                                    .output = {TMEM_SERVE_DIST_FIXED, 2, 0}};
    struct tmem_error err = {0};
    uint64_t wb = tmem_serve_work_bytes(4, so->max_num_seqs);
    void *work = malloc(wb);
    assert_non_null(work);
    if (tmem_serve_workload_fill(&w, s->reqs, 4, &err) != TMEM_OK ||
        tmem_serve_add_images(so, s->reqs, 4, &err) != TMEM_OK ||
        tmem_serve_run(&IR.roofline, so, s->reqs, 4, work, wb, &s->r, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    free(work);
}

/* one step's time: the text batch's roofline plus k images' encoder run */
static double step(const struct tmem_step_batch *b, double k)
{
    struct tmem_step_time st;
    tmem__roofline_step(&IR.roofline, b, &st);
    return st.t_s + (k > 0 ? tmem__vision_step_s(&IR.roofline, k * IR.roofline.vision_flops_per_image, NULL)
                           : 0.0);
}

/* One image a request (prompts 576 + 8 = 584). Step by step:
 *   1  R0 is admitted: 584 tokens, its image (576 of the 1024 budget);
 *      R1 would get the 440 tokens left, but its image at token 0 needs
 *      576 > 448 budget left: cut at its start, 0 tokens, the queue stops
 *   2  R0 decodes (its image's 576 slots were freed when its prompt was
 *      done); R1 584 tokens + its image; R2 stopped as R1 was
 *   3  R0 finished (2 outputs); R1 decodes, R2 584 + image
 *   4  R1 finished; R2 decodes, R3 584 + image
 *   5  R3 decodes (R2 finished at 4)
 * TTFT: R0 t1, R1 t1 + t2, R2 t1 + t2 + t3, R3 t1 + … + t4. The vision
 * run of one image: 2 · 302,592,000 tower weights × 577 patches + 4 · 24
 * layers · 577² · 1024 + 2 · 20,971,520 projector weights × 576 tokens =
 * 406,078,611,456 FLOPs, compute-bound at 0.5 × 989.4 TFLOP/s. */
static void one_image_a_step_by_hand(void **state)
{
    (void)state;
    struct tmem_serve_opts so;
    struct sim s;
    run4(1, &so, &s);
    assert_true(IR.roofline.vision_flops_per_image == 406078611456.0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(s.reqs[i].prompt_tokens, 584);
    const struct tmem_roofline *rf = &IR.roofline;
    struct tmem_step_batch b1 = {0}, b2 = {0}, b5 = {0};
    tmem__step_add_chunk(rf, &b1, 0, 584, 1);
    tmem__step_add_decode(rf, &b2, 585); /* the decoding one's KV then holds 585 */
    tmem__step_add_chunk(rf, &b2, 0, 584, 1);
    tmem__step_add_decode(rf, &b5, 585);
    double t1 = step(&b1, 1), t2 = step(&b2, 1), t5 = step(&b5, 0);
    assert_true(tmem__vision_step_s(rf, 406078611456.0, NULL) == 406078611456.0 / rf->flops_per_s);
    assert_true(fabs(rf->flops_per_s - 0.5 * 989.4e12) < 1e6);
    assert_int_equal(s.r.steps, 5);
    assert_int_equal(s.r.encoder_runs, 4);
    assert_true(fabs(s.reqs[0].first_token_s - t1) < 1e-12);
    assert_true(fabs(s.reqs[1].first_token_s - (t1 + t2)) < 1e-12);
    assert_true(fabs(s.reqs[2].first_token_s - (t1 + 2 * t2)) < 1e-12);
    assert_true(fabs(s.reqs[3].first_token_s - (t1 + 3 * t2)) < 1e-12);
    assert_true(fabs(s.r.duration_s - (t1 + 3 * t2 + t5)) < 1e-12);
    assert_true(fabs(s.r.vision_s - 4 * 406078611456.0 / rf->flops_per_s) < 1e-12);
}

/* Two images a request (prompts 1152 + 8 = 1160): the chunk is cut before
 * an image the budget cannot take.
 *   1  R0: 1024 tokens asked; image 0 (576) fits, image 1 at token 576 does
 *      not (448 left): cut at 576; R1: 448 tokens asked, its image 0 does
 *      not fit: 0, the queue stops
 *   2  R0: the 584 left, image 1 (576 of the budget); prompt done; R1: 440
 *      asked, image 0 needs 576 > 448: stopped
 *   3  R0 decodes; R1 576 (image 0; image 1 cut)      4  R0 done … */
static void an_image_the_budget_cannot_take_cuts_the_chunk(void **state)
{
    (void)state;
    struct tmem_serve_opts so;
    struct sim s;
    run4(2, &so, &s);
    const struct tmem_roofline *rf = &IR.roofline;
    struct tmem_step_batch b1 = {0}, b2 = {0};
    tmem__step_add_chunk(rf, &b1, 0, 576, 1);
    tmem__step_add_chunk(rf, &b2, 576, 584, 1);
    double t1 = step(&b1, 1), t2 = step(&b2, 1);
    assert_true(fabs(s.reqs[0].first_token_s - (t1 + t2)) < 1e-12);
    assert_int_equal(s.r.encoder_runs, 8); /* every image once: no preemption */
    assert_int_equal(s.r.preemptions, 0);
    /* each later request takes two steps of prompt (576, then 584) after
     * the one before it: 2 + 2 + 2 + 2 prefill steps and the last decode */
    assert_int_equal(s.r.steps, 9);
}

/* Errors: a text model has no tower; Qwen2.5-VL's image above max_pixels is
 * larger than vLLM's encoder budget (round(4000 / 28)² = 143² = 20449 >
 * 16384 tokens); a Qwen2.5-VL image needs its size. */
static void errors_name_the_option(void **state)
{
    (void)state;
    struct tmem_model m;
    struct tmem_infer_opts o;
    struct tmem_error err = {0};
    tmem_test_load("llama-3-8b", &m, &INV);
    tmem_infer_defaults(&o);
    o.gpu = tmem_gpu_find("h100-sxm");
    o.images = 1;
    assert_int_not_equal(tmem_infer_build(&m, &INV, &o, &IR, &err), TMEM_OK);
    assert_string_equal(err.where, "--images");
    tmem_test_load("qwen2.5-vl-7b", &m, &INV);
    o.image_h = o.image_w = 4000;
    err = (struct tmem_error){0};
    assert_int_equal(tmem_infer_build(&m, &INV, &o, &IR, &err), TMEM_ERR_LIMIT);
    assert_string_equal(err.where, "--image-size");
    assert_non_null(strstr(err.msg, "20449 tokens"));
    assert_non_null(strstr(err.msg, "16384 tokens"));
    o.image_h = o.image_w = 3584; /* the largest: accepted */
    err = (struct tmem_error){0};
    assert_int_equal(tmem_infer_build(&m, &INV, &o, &IR, &err), TMEM_OK);
    assert_int_equal(IR.image_tokens, 16384);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(budgets_by_hand),
        cmocka_unit_test(kv_pool_after_the_encoder_cache),
        cmocka_unit_test(one_image_a_step_by_hand),
        cmocka_unit_test(an_image_the_budget_cannot_take_cuts_the_chunk),
        cmocka_unit_test(errors_name_the_option),
    };
    return cmocka_run_group_tests_name("serve --images", tests, NULL, NULL);
}
