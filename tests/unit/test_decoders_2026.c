/* test_decoders_2026.c — the decoder families of 2025–26 added by
 * descriptor after test_decoders_2025.c's: Llama-4 text stacks (MoE on
 * every interleave_moe_layer_step-th layer with a shared expert, chunked
 * local attention on 3 layers of 4), GLM-4.5 (glm4_moe: dense first layers,
 * router bias, shared experts, q/k/v bias; its MTP layer counted by hand
 * beside tmem's count), Mistral-Small-3.1's text stack (a mistral3 config's
 * text_config) and Kimi-K2 (a DeepSeek-V3 config with its own model_type).
 * Each: its built-in preset's config.json against a hand calculation written
 * tensor by tensor and the published figure, quoted with its source.
 *
 * REF HF transformers modeling_llama4.py / configuration_llama4.py,
 * modeling_glm4_moe.py, modeling_mistral3.py, modeling_deepseek_v3.py;
 * vLLM glm4_moe_mtp.py (the MTP layer: enorm, hnorm, eh_proj, shared_head,
 * a decoder layer); llama.cpp llama-arch.cpp (LLM_ARCH_LLAMA4 "llama4",
 * LLM_ARCH_GLM4_MOE "glm4moe"). */
#include "harness.h"

#include "reader.h"
#include "tmem/infer.h"
#include "tmem/read.h"

/* the preset's config.json, read as a user's file would be (harness.h) */
static const struct tmem_preset *parse_preset(const char *name, struct tmem_model *m,
                                              struct tmem_inventory *inv)
{
    tmem_test_load(name, m, inv);
    check_group_sum(inv);
    return tmem_preset_find(name);
}

/* ---------------------------------------------------------------- Llama-4 */

/* meta-llama/Llama-4-Scout-17B-16E text_config: d 5120, L 48, a 40, n_kv 8,
 * d_head 128, experts of f 8192 (16, 1 used) plus a shared expert of 8192 in
 * every layer (interleave_moe_layer_step 1), V 202048, untied. Per layer:
 *   q, o       2 · 5120 · 5120                   =    52,428,800
 *   k, v       2 · 5120 · 1024                   =    10,485,760
 *   input / post_attention RMSNorm 2 · 5120      =        10,240
 *   router     5120 · 16 (no bias)               =        81,920
 *   experts    16 · 3 · 5120 · 8192 (gate_up, down) = 2,013,265,920
 *   shared     3 · 5120 · 8192                   =   125,829,120
 *   per layer                                    = 2,202,101,760
 * 48 layers 105,700,884,480; embed_tokens, lm_head 2 · 202048 · 5120 =
 * 2,068,971,520; final norm 5120. Total 107,769,861,120. Active: 1 expert
 * of 16: 48 · (2,202,101,760 − 15 · 125,829,120) + 2,068,976,640 =
 * 17,172,894,720.
 * EVIDENCE: the model card: "17B (Activated) 109B (Total)"; the HF
 * safetensors total of Llama-4-Scout-17B-16E-Instruct, 108,641,793,536,
 * also counts the vision tower and projector (871,932,416 more than the text
 * stack), which tmem does not count. */
static void llama4_scout_counts_its_text_stack(void **state)
{
    (void)state;
    struct tmem_model m;
    struct tmem_inventory inv;
    parse_preset("llama-4-scout-17b-16e", &m, &inv);
    assert_string_equal(tmem_family_info(m.family)->name, "llama4_text");
    const uint64_t d = 5120, f = 8192, V = 202048;
    const uint64_t layer = 2 * d * d + 2 * d * 1024 + 2 * d + d * 16 + 16 * 3 * d * f + 3 * d * f;
    assert_int_equal(layer, U64(2202101760));
    const uint64_t total = 48 * layer + 2 * V * d + d;
    assert_int_equal(total, U64(107769861120));
    assert_int_equal(inv.total_params, total);
    assert_int_equal(inv.active_params, 48 * (layer - 15 * 3 * d * f) + 2 * V * d + d);
    assert_int_equal(inv.active_params, U64(17172894720));
    /* within the card's rounding: 109B total with the vision tower, 17B active */
    assert_true(inv.total_params < U64(108641793536));
    assert_true(U64(108641793536) - inv.total_params < U64(1000000000));
    assert_int_equal(tmem_model_moe_layers(&m), 48);

    /* chunked local attention (attention_chunk_size 8192) on layers i with
     * (i + 1) % 4 != 0: 36 layers keep at most one chunk, 12 attend globally.
     * KV per token per layer: 2 · 8 · 128 · 2 B = 4,096 */
    struct tmem_kv_layout kv;
    struct tmem_error err = {0};
    assert_int_equal(tmem_kv_layout(&m, TMEM_KV_BF16, 1, 0, m.n_layer, &kv, &err), TMEM_OK);
    assert_int_equal(kv.bytes_per_token_layer, U64(4096));
    assert_int_equal(kv.n_layer_window, 36);
    assert_int_equal(kv.n_layer_full, 12);
    assert_int_equal(kv.window_tokens, 8192);
    uint64_t seq = 0;
    assert_int_equal(tmem_kv_seq_bytes(&kv, 100000, 16, &seq), TMEM_OK);
    /* 100,000 tokens (whole 16-token blocks: 100,000) in 12 global layers,
     * 8,192 in 36 chunked ones */
    assert_int_equal(seq, U64(100000) * 4096 * 12 + U64(8192) * 4096 * 36);
}

/* Llama-4-Maverick-17B-128E: the same text stack with 128 experts on every
 * second layer (interleave_moe_layer_step 2: layers 1, 3, …, 47 are MoE;
 * the other 24 have a dense MLP of intermediate_size_mlp 16384):
 *   attention + norms per layer 62,924,800, 48 layers 3,020,390,400
 *   MoE layers 24 · (5120 · 128 + 128 · 3 · 5120 · 8192 + 3 · 5120 · 8192)
 *              = 24 · 16,231,546,880 = 389,557,125,120
 *   dense MLPs 24 · 3 · 5120 · 16384 = 6,039,797,760
 *   embed, lm_head, final norm 2,068,976,640
 *   total 400,711,848,960.
 * EVIDENCE: model card "17B (Activated) 400B (Total)" (rounded, with the
 * vision tower). */
static void llama4_maverick_puts_moe_on_odd_layers(void **state)
{
    (void)state;
    struct tmem_model m;
    struct tmem_inventory inv;
    parse_preset("llama-4-maverick-17b-128e", &m, &inv);
    const uint64_t d = 5120, f = 8192, V = 202048;
    const uint64_t attn = 2 * d * d + 2 * d * 1024 + 2 * d;
    const uint64_t moe = d * 128 + 128 * 3 * d * f + 3 * d * f;
    const uint64_t total = 48 * attn + 24 * moe + 24 * 3 * d * 16384 + 2 * V * d + d;
    assert_int_equal(total, U64(400711848960));
    assert_int_equal(inv.total_params, total);
    assert_int_equal(tmem_model_moe_layers(&m), 24);
    assert_int_equal(tmem_model_moe_layers_in(&m, 0, 2), 1); /* layer 1, not 0 */
    /* active: 17B by the card: 48 · attn + 24 · (router + 2 experts' worth:
     * one routed, the shared) + 24 dense + embeddings */
    const uint64_t active = 48 * attn + 24 * (d * 128 + 2 * 3 * d * f) + 24 * 3 * d * 16384 + 2 * V * d + d;
    assert_int_equal(inv.active_params, active);
    assert_true(inv.active_params > U64(16500000000) && inv.active_params < U64(17500000000));
}

/* ---------------------------------------------------------------- GLM-4.5 */

/* zai-org/GLM-4.5: d 5120, L 92 (first_k_dense_replace 3), a 96, n_kv 8,
 * d_head 128, q/k/v bias, q/k RMSNorm of d_head (use_qk_norm), dense d_ff
 * 12288, 160 experts of 1536 (8 used), 1 shared expert of 1536, router with
 * e_score_correction_bias, V 151552, untied. Per layer:
 *   q, o        2 · 5120 · 12288              =   125,829,120
 *   k, v        2 · 5120 · 1024               =    10,485,760
 *   q/k/v bias  12288 + 2 · 1024              =        14,336
 *   q_norm, k_norm 2 · 128                    =           256
 *   two RMSNorms 2 · 5120                     =        10,240
 *   attention + norms                         =   136,339,712
 *   dense MLP   3 · 5120 · 12288              =   188,743,680
 *   MoE         router 5120 · 160 + 160, experts 160 · 3 · 5120 · 1536,
 *               shared 3 · 5120 · 1536        = 3,799,285,920
 * 92 · 136,339,712 + 3 · 188,743,680 + 89 · 3,799,285,920 + embed/lm_head
 * 2 · 151552 · 5120 + final norm 5120 = 352,797,829,024.
 * The MTP layer the checkpoint stores (num_nextn_predict_layers 1, layer
 * 92): a MoE decoder layer 136,339,712 + 3,799,285,920, eh_proj 5120 ·
 * 10240, enorm, hnorm, shared_head.norm 3 · 5120, its own embed_tokens and
 * shared_head.head 2 · 151552 · 5120: 5,539,962,272. HF's
 * Glm4MoeForCausalLM does not load it (_keys_to_ignore_on_load_unexpected);
 * vLLM loads it only as the speculative draft (glm4_moe_mtp.py). tmem counts
 * the model without it.
 * EVIDENCE: HF safetensors total of zai-org/GLM-4.5, 358,337,791,296 (HF
 * "358B params"; card "355B total, 32B active"), = 352,797,829,024 +
 * 5,539,962,272. */
static void glm4_moe_counts_glm45_and_its_mtp_layer(void **state)
{
    (void)state;
    struct tmem_model m;
    struct tmem_inventory inv;
    parse_preset("glm-4.5", &m, &inv);
    assert_string_equal(tmem_family_info(m.family)->name, "glm4_moe");
    assert_true(m.qkv_bias && !m.o_bias && m.qk_norm && m.router_bias);
    const uint64_t d = 5120, V = 151552, E = 160, fe = 1536;
    const uint64_t attn = 2 * d * 12288 + 2 * d * 1024 + 12288 + 2 * 1024 + 2 * 128 + 2 * d;
    assert_int_equal(attn, U64(136339712));
    const uint64_t dense = 3 * d * 12288;
    const uint64_t moe = d * E + E + E * 3 * d * fe + 3 * d * fe;
    assert_int_equal(moe, U64(3799285920));
    const uint64_t total = 92 * attn + 3 * dense + 89 * moe + 2 * V * d + d;
    assert_int_equal(total, U64(352797829024));
    assert_int_equal(inv.total_params, total);
    const uint64_t mtp = attn + moe + d * 2 * d + 3 * d + 2 * V * d;
    assert_int_equal(mtp, U64(5539962272));
    assert_int_equal(inv.total_params + mtp, U64(358337791296));
    /* active: 8 of 160 experts, 33,632,266,144 with the whole embedding and
     * lm_head (the card's "32B active" is rounded and leaves the embedding
     * table out: 33,632,266,144 − 775,946,240 = 32.86B) */
    const uint64_t active = 92 * attn + 3 * dense + 89 * (d * E + E + 8 * 3 * d * fe + 3 * d * fe) +
                            2 * V * d + d;
    assert_int_equal(inv.active_params, active);
    assert_int_equal(inv.active_params, U64(33632266144));
    assert_int_equal(tmem_model_moe_layers(&m), 89);
}

/* zai-org/GLM-4.5-Air: d 4096, L 46 (first_k_dense_replace 1), a 96, n_kv
 * 8, d_head 128, q/k/v bias, no q/k norm, d_ff 10944, 128 experts of 1408, 1
 * shared, V 151552. attention + norms 2 · 4096 · 12288 + 2 · 4096 · 1024 +
 * 12288 + 2048 + 2 · 4096 = 109,074,432; dense 3 · 4096 · 10944; MoE 4096 ·
 * 128 + 128 + 129 · 3 · 4096 · 1408: 46 · attn + dense + 45 · MoE + 2 ·
 * 151552 · 4096 + 4096 = 106,852,251,264; MTP layer attn + MoE + 4096 · 8192
 * + 3 · 4096 + 2 · 151552 · 4096 = 3,616,573,568.
 * EVIDENCE: HF safetensors total of zai-org/GLM-4.5-Air 110,468,824,832 =
 * 106,852,251,264 + 3,616,573,568 (card "106B total, 12B active"). */
static void glm4_moe_counts_glm45_air(void **state)
{
    (void)state;
    struct tmem_model m;
    struct tmem_inventory inv;
    parse_preset("glm-4.5-air", &m, &inv);
    assert_false(m.qk_norm);
    const uint64_t d = 4096, V = 151552;
    const uint64_t attn = 2 * d * 12288 + 2 * d * 1024 + 12288 + 2 * 1024 + 2 * d;
    const uint64_t moe = d * 128 + 128 + 129 * 3 * d * 1408;
    const uint64_t total = 46 * attn + 3 * d * 10944 + 45 * moe + 2 * V * d + d;
    assert_int_equal(total, U64(106852251264));
    assert_int_equal(inv.total_params, total);
    const uint64_t mtp = attn + moe + d * 2 * d + 3 * d + 2 * V * d;
    assert_int_equal(inv.total_params + mtp, U64(110468824832));
}

/* ------------------------------------------------------- Mistral-Small-3.1 */

/* mistralai/Mistral-Small-3.1-24B-Base-2503 (Mistral3ForConditionalGeneration):
 * its text_config is a mistral decoder, d 5120, L 40, a 32, n_kv 8, d_head
 * 128, d_ff 32768, V 131072, untied. Per layer: q, o 2 · 5120 · 4096 =
 * 41,943,040; k, v 2 · 5120 · 1024 = 10,485,760; gate, up, down 3 · 5120 ·
 * 32768 = 503,316,480; norms 2 · 5120: 555,755,520; 40 layers
 * 22,230,220,800; embed, lm_head 2 · 131072 · 5120 = 1,342,177,280; final
 * norm 5120. Total 23,572,403,200.
 * EVIDENCE: the GGUF general.parameter_count of the mistral3 text stack,
 * 23572403200, and keras-hub's magistral_small_2506_en preset params (the
 * same stack); the HF safetensors total 24,011,361,280
 * (Mistral-Small-3.2-24B-Instruct-2506) adds the Pixtral vision tower. */
static void mistral3_counts_its_text_config(void **state)
{
    (void)state;
    struct tmem_model m;
    struct tmem_inventory inv;
    const struct tmem_preset *p = parse_preset("mistral-small-3.1-24b", &m, &inv);
    assert_string_equal(tmem_family_info(m.family)->name, "mistral");
    const uint64_t d = 5120;
    const uint64_t layer = 2 * d * 4096 + 2 * d * 1024 + 3 * d * 32768 + 2 * d;
    const uint64_t total = 40 * layer + 2 * U64(131072) * d + d;
    assert_int_equal(total, U64(23572403200));
    assert_int_equal(inv.total_params, total);
    assert_int_equal(p->published_params, total);
    assert_int_equal(m.sliding_window, 0); /* "sliding_window": null */

    /* the note says what was counted */
    char notes[1024] = "";
    struct tmem_load_opts o = {.notes = notes, .notes_cap = sizeof notes};
    struct tmem_model raw;
    struct tmem_error err = {0};
    assert_int_equal(tmem__hf_config_parse_opts(p->config_json, strlen(p->config_json),
                                                "config.json", &o, &raw, &err),
                     TMEM_OK);
    assert_non_null(strstr(notes, "text_config"));
    assert_non_null(strstr(notes, "vision tower"));
    /* a bad key inside text_config is named there */
    const char *bad = "{\"model_type\": \"mistral3\", \"text_config\": {\"model_type\": \"mistral\", "
                      "\"hidden_size\": -1, \"num_hidden_layers\": 2, \"num_attention_heads\": 2, "
                      "\"vocab_size\": 10, \"intermediate_size\": 8}}";
    assert_int_not_equal(tmem_hf_config_parse(bad, strlen(bad), "config.json", NULL, &raw, &err),
                         TMEM_OK);
    assert_non_null(strstr(err.where, "text_config"));
}

/* ----------------------------------------------------------------- Kimi-K2 */

/* moonshotai/Kimi-K2-Instruct: model_type kimi_k2, architectures
 * DeepseekV3ForCausalLM, so deepseek_v3's layout counts it. d 7168, L 61
 * (first_k_dense_replace 1), a 64, MLA q_lora 1536, kv_lora 512, nope 128,
 * rope 64, v 128, dense d_ff 18432, 384 experts of 2048 (8 used), 1 shared,
 * router bias (noaux_tc), V 163840, untied. Per layer, attention:
 *   q_a 7168 · 1536 + q_a_norm 1536 + q_b 1536 · 64 · 192
 *   kv_a 7168 · 576 + kv_a_norm 512 + kv_b 512 · 64 · 256 + o 64 · 128 · 7168
 *   + two RMSNorms 2 · 7168
 * MoE layer: router 7168 · 384 + 384, experts 384 · 3 · 7168 · 2048, shared
 * 3 · 7168 · 2048; the dense layer 3 · 7168 · 18432.
 * EVIDENCE: 1,026,408,232,448 logical parameters from an audit of all
 * Kimi-K2-Instruct shard headers (quoted in public code); card "1T total,
 * 32B activated". (The Hub's safetensors total, 1,026,408,235,864, is 3,416
 * more.) */
static void kimi_k2_resolves_through_deepseek_v3(void **state)
{
    (void)state;
    struct tmem_model m;
    struct tmem_inventory inv;
    const struct tmem_preset *p = parse_preset("kimi-k2", &m, &inv);
    assert_string_equal(tmem_family_info(m.family)->name, "deepseek_v3");
    const uint64_t d = 7168, V = 163840, E = 384, fe = 2048;
    const uint64_t attn = d * 1536 + 1536 + 1536 * 64 * 192 + d * 576 + 512 + 512 * 64 * 256 +
                          64 * 128 * d + 2 * d;
    const uint64_t moe = d * E + E + E * 3 * d * fe + 3 * d * fe;
    const uint64_t total = 61 * attn + 3 * d * 18432 + 60 * moe + 2 * V * d + d;
    assert_int_equal(total, U64(1026408232448));
    assert_int_equal(inv.total_params, total);
    assert_int_equal(p->published_params, total);
    const uint64_t active = 61 * attn + 3 * d * 18432 + 60 * (d * E + E + 9 * 3 * d * fe) + 2 * V * d + d;
    assert_int_equal(inv.active_params, active);
    assert_int_equal(inv.active_params, U64(32861500928));
    /* MLA KV per token per layer: (512 + 64) · 2 B */
    struct tmem_kv_layout kv;
    struct tmem_error err = {0};
    assert_int_equal(tmem_kv_layout(&m, TMEM_KV_BF16, 1, 0, m.n_layer, &kv, &err), TMEM_OK);
    assert_int_equal(kv.bytes_per_token, U64(61) * 576 * 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(llama4_scout_counts_its_text_stack),
        cmocka_unit_test(llama4_maverick_puts_moe_on_odd_layers),
        cmocka_unit_test(glm4_moe_counts_glm45_and_its_mtp_layer),
        cmocka_unit_test(glm4_moe_counts_glm45_air),
        cmocka_unit_test(mistral3_counts_its_text_config),
        cmocka_unit_test(kimi_k2_resolves_through_deepseek_v3),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
