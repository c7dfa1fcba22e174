/* test_decoders_2025.c — the decoder families of 2025 added by descriptor
 * (include/tmem/families.h): OLMo-2, Cohere (Command-R, Aya Expanse),
 * Gemma-3 text, gpt-oss and PhiMoE (Phi-3.5-MoE). Each: its built-in config.json (src/read/presets.c, the
 * architecture keys of the published file) against its published total and
 * a hand calculation written tensor by tensor; its KV bytes per token by
 * hand; Gemma-3's 5 local : 1 global and gpt-oss's alternating window
 * patterns (sliding_window_pattern or layer_types) through the KV layout
 * and vLLM's hybrid allocator; and a small model of each read back from a
 * GGUF alone.
 *
 * REF HF transformers modeling_olmo2.py, modeling_cohere.py,
 * modeling_gemma3.py, modeling_gpt_oss.py and their configuration_*.py;
 * llama.cpp llama-arch.cpp (LLM_ARCH_OLMO2 "olmo2", LLM_ARCH_COMMAND_R
 * "command-r", LLM_ARCH_GEMMA3 "gemma3", LLM_ARCH_OPENAI_MOE "gpt-oss" and
 * their tensor names). */
#define _XOPEN_SOURCE 700 /* nftw, for ckpt_writer.h */
#include "ckpt_writer.h"
#include "harness.h"

#include "ckpt_load.h"
#include "tmem/read.h"
#include "reader.h"
#include "tmem/infer.h"


static void parse_text(const char *text, struct tmem_model *m, struct tmem_inventory *inv)
{
    struct tmem_model raw;
    struct tmem_error err = {0};
    if (tmem_hf_config_parse(text, strlen(text), "config.json", NULL, &raw, &err) != TMEM_OK ||
        tmem_model_resolve(&raw, m, &err) != TMEM_OK || tmem_inventory_build(m, inv, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
}

/* the preset's config.json text, parsed as a user's file would be */
static const struct tmem_preset *parse_preset(const char *name, struct tmem_model *m,
                                              struct tmem_inventory *inv)
{
    const struct tmem_preset *p = tmem_preset_find(name);
    if (p == NULL)
        fail_msg("no preset %s", name);
    parse_text(p->config_json, m, inv);
    check_group_sum(inv);
    return p;
}

/* a config text with one "key": value replaced (the key must be there) */
static void with(char *out, size_t cap, const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    if (at == NULL)
        fail_msg("%s not in the config", from);
    snprintf(out, cap, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
}

static uint64_t kv_token(const struct tmem_model *m, struct tmem_kv_layout *kv)
{
    struct tmem_error err = {0};
    if (tmem_kv_layout(m, TMEM_KV_BF16, 1, 0, m->n_layer, kv, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    return kv->bytes_per_token;
}

/* ---------------------------------------------------------------- OLMo-2 */

/* EVIDENCE: HF safetensors metadata of allenai/OLMo-2-0425-1B(-Instruct),
 * total 1,484,916,736 ("Reported BF16 parameter count: 1484916736";
 * non-embedding 1,279,395,840). Hand calculation, d 2048, L 16, a = n_kv 16,
 * d_head 128, d_ff 8192, V 100352, untied:
 *   embed_tokens, lm_head  2 · 100352 · 2048          =   411,041,792
 *   q, k, v, o             4 · 2048 · 2048            =    16,777,216
 *   q_norm, k_norm         16·128 + 16·128 (whole q, k) =       4,096
 *   post_attention / post_feedforward RMSNorm 2 · 2048 =        4,096
 *   gate, up, down         3 · 2048 · 8192            =    50,331,648
 *   per layer                                         =    67,117,056
 *   16 layers                                         = 1,073,872,896
 *   final norm             2048                       =         2,048
 *   total                                             = 1,484,916,736
 * OLMo-2-1124-7B (HF safetensors total 7,298,617,344): d 4096, L 32,
 * d_ff 11008: 2 · 100352 · 4096 + 32 · (4 · 4096² + 2 · 4096 + 2 · 4096 +
 * 3 · 4096 · 11008) + 4096 = 822,083,584 + 32 · 202,391,552 + 4096. */
static void olmo2_counts_its_published_totals(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    const struct tmem_preset *p = parse_preset("olmo-2-0425-1b", &m, &inv);
    assert_string_equal(tmem_family_info(m.family)->name, "olmo2");
    const uint64_t d = 2048, L = 16, V = 100352, f = 8192, q = 16 * 128;
    const uint64_t layer = 4 * d * d + (q + q) + 2 * d + 3 * d * f;
    assert_int_equal(layer, U64(67117056));
    assert_int_equal(inv.group_params[TMEM_GROUP_NORM], L * (q + q + 2 * d) + d);
    assert_int_equal(inv.total_params, 2 * V * d + L * layer + d);
    assert_int_equal(inv.total_params, U64(1484916736));
    assert_int_equal(inv.total_params, p->published_params);
    assert_int_equal(inv.total_params - V * d, U64(1279395840)); /* the published non-embedding */

    p = parse_preset("olmo-2-1124-7b", &m, &inv);
    const uint64_t d7 = 4096, f7 = 11008;
    assert_int_equal(inv.total_params,
                     2 * V * d7 + 32 * (4 * d7 * d7 + 2 * d7 + 2 * d7 + 3 * d7 * f7) + d7);
    assert_int_equal(inv.total_params, U64(7298617344));
    assert_int_equal(inv.total_params, p->published_params);
}

/* Its q_norm / k_norm are one weight over the whole projection each
 * (n_head·d_head, n_kv_head·d_head), so a GQA config shows which is which:
 * 32 heads and 8 KV heads of 128 give q_norm 4096 and k_norm 1024. KV per
 * token (bf16): 2 (K, V) × 16 layers × 16 KV heads × 128 × 2 B = 131,072. */
static void olmo2_qk_norms_span_the_projections(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    parse_preset("olmo-2-0425-1b", &m, &inv);
    struct tmem_kv_layout kv;
    assert_int_equal(kv_token(&m, &kv), U64(2) * 16 * 16 * 128 * 2);
    assert_int_equal(kv.n_layer_window, 0);

    const char *text = tmem_preset_find("olmo-2-0425-1b")->config_json;
    char gqa[2048];
    with(gqa, sizeof gqa, text, "\"num_key_value_heads\": 16", "\"num_key_value_heads\": 4");
    parse_text(gqa, &m, &inv);
    for (uint32_t i = 0; i < inv.n_tensors; i++) {
        if (inv.tensors[i].kind == TMEM_TENSOR_KIND_ATTN_Q_NORM)
            assert_int_equal(inv.tensors[i].rows, 16 * 128);
        if (inv.tensors[i].kind == TMEM_TENSOR_KIND_ATTN_K_NORM)
            assert_int_equal(inv.tensors[i].rows, 4 * 128);
    }
    /* 12 KV heads fewer: k, v lose 2 · 2048 · 12·128, k_norm 12·128, per layer */
    assert_int_equal(inv.total_params,
                     U64(1484916736) - 16 * (2 * U64(2048) * 12 * 128 + 12 * 128));
}

/* ---------------------------------------------------------------- Cohere */

/* EVIDENCE: HF safetensors metadata of CohereForAI/aya-expanse-8b, total
 * 8,028,033,024 (model_type cohere). Hand calculation, d 4096, L 32, a 32,
 * n_kv 8, d_head 128, d_ff 14336, V 256000, tied (the lm_head is the
 * embedding times logit_scale, a scalar):
 *   embed_tokens          256000 · 4096                =  1,048,576,000
 *   q, o                  2 · 4096 · 4096              =     33,554,432
 *   k, v                  2 · 4096 · 1024              =      8,388,608
 *   gate, up, down        3 · 4096 · 14336             =    176,160,768
 *   input_layernorm       4096 (weight, no bias)       =          4,096
 *   per layer                                          =    218,107,904
 *   32 layers                                          =  6,979,452,928
 *   final norm            4096                         =          4,096
 *   total                                              =  8,028,033,024
 * Command-R v01 (the card: "35 billion parameters"): d 8192, L 40, a =
 * n_kv 64, d_ff 22528: 256000 · 8192 + 40 · (4 · 8192² + 3 · 8192 · 22528 +
 * 8192) + 8192 = 34,980,831,232. */
static void cohere_counts_its_published_totals(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    const struct tmem_preset *p = parse_preset("aya-expanse-8b", &m, &inv);
    assert_string_equal(tmem_family_info(m.family)->name, "cohere");
    assert_int_equal(m.norm, TMEM_NORM_LAYERNORM_NOBIAS);
    assert_int_equal(m.n_norm_per_layer, 1);
    assert_true(m.tied);
    const uint64_t d = 4096, L = 32, V = 256000, f = 14336, kvw = 8 * 128;
    const uint64_t layer = 2 * d * d + 2 * d * kvw + 3 * d * f + d;
    assert_int_equal(layer, U64(218107904));
    assert_int_equal(inv.group_params[TMEM_GROUP_LM_HEAD], 0);
    assert_int_equal(inv.group_params[TMEM_GROUP_NORM], L * d + d);
    assert_int_equal(inv.total_params, V * d + L * layer + d);
    assert_int_equal(inv.total_params, U64(8028033024));
    assert_int_equal(inv.total_params, p->published_params);
    /* KV per token: 2 × 32 layers × 8 KV heads × 128 × bf16 */
    struct tmem_kv_layout kv;
    assert_int_equal(kv_token(&m, &kv), U64(2) * 32 * 8 * 128 * 2);

    p = parse_preset("command-r-v01", &m, &inv);
    const uint64_t d35 = 8192, f35 = 22528;
    assert_int_equal(inv.total_params, V * d35 + 40 * (4 * d35 * d35 + 3 * d35 * f35 + d35) + d35);
    assert_int_equal(inv.total_params, U64(34980831232));
    assert_int_equal((inv.total_params + 500000000) / 1000000000, 35); /* the card's 35 billion */
    assert_int_equal(kv_token(&m, &kv), U64(2) * 40 * 64 * 128 * 2);

    /* use_qk_norm (Command R+): q_norm (n_head, d_head) and k_norm
     * (n_kv_head, d_head), weights only: 40 · (64·128 + 64·128) more */
    char text[2048];
    with(text, sizeof text, p->config_json, "\"use_qk_norm\": false", "\"use_qk_norm\": true");
    parse_text(text, &m, &inv);
    assert_int_equal(inv.total_params, U64(34980831232) + 40 * (U64(64) * 128 + U64(64) * 128));
}

/* --------------------------------------------------------------- Gemma-3 */

/* EVIDENCE: keras-hub's gemma3_1b preset metadata "params": 999885952 and
 * the HF API's safetensors total for google/gemma-3-1b-it, 999,885,952.
 * Hand calculation, d 1152, L 26, a 4, n_kv 1, d_head 256, d_ff 6912,
 * V 262144, tied:
 *   embed_tokens          262144 · 1152                =    301,989,888
 *   q, o                  2 · 1152 · 1024              =      2,359,296
 *   k, v                  2 · 1152 · 256               =        589,824
 *   q_norm, k_norm        2 · 256 (per head, shared)   =            512
 *   4 RMSNorms            4 · 1152                     =          4,608
 *   gate, up, down        3 · 1152 · 6912              =     23,887,872
 *   per layer                                          =     26,842,112
 *   26 layers                                          =    697,894,912
 *   final norm            1152                         =          1,152
 *   total                                              =    999,885,952 */
static void gemma3_counts_its_published_total(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    const struct tmem_preset *p = parse_preset("gemma-3-1b-it", &m, &inv);
    assert_string_equal(tmem_family_info(m.family)->name, "gemma3_text");
    const uint64_t d = 1152, L = 26, V = 262144, f = 6912, q = 4 * 256, kvw = 256;
    const uint64_t layer = 2 * d * q + 2 * d * kvw + 2 * 256 + 4 * d + 3 * d * f;
    assert_int_equal(layer, U64(26842112));
    assert_int_equal(inv.total_params, V * d + L * layer + d);
    assert_int_equal(inv.total_params, U64(999885952));
    assert_int_equal(inv.total_params, p->published_params);
    assert_int_equal(m.sliding_window, 512);
    assert_int_equal(m.swa_layer_step, 6);
}

/* Layer i is global iff (i + 1) % 6 == 0: layers 5, 11, 17, 23 of 26, so 22
 * slide at 512 tokens. KV per token per layer: 2 × 1 KV head × 256 × 2 B =
 * 1,024 B; one sequence of 8,192 tokens (unpaged): 8192 · 1024 · 4 full +
 * 512 · 1024 · 22 sliding = 33,554,432 + 11,534,336 = 45,088,768 B. A
 * pipeline stage of layers [4, 13) holds globals 5 and 11: 7 sliding. With
 * sliding_window_pattern 2 (Gemma-2's rule) 13 of 26 slide. */
static void gemma3_keeps_five_local_to_one_global(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    const struct tmem_preset *p = parse_preset("gemma-3-1b-it", &m, &inv);
    struct tmem_kv_layout kv;
    assert_int_equal(kv_token(&m, &kv), U64(2) * 26 * 1 * 256 * 2);
    assert_int_equal(kv.bytes_per_token_layer, U64(1024));
    assert_int_equal(kv.n_layer_full, 4);
    assert_int_equal(kv.n_layer_window, 22);
    assert_int_equal(kv.window_tokens, 512);
    uint64_t bytes = 0;
    assert_int_equal(tmem_kv_seq_bytes(&kv, 8192, 1, &bytes), TMEM_OK);
    assert_int_equal(bytes, U64(8192) * 1024 * 4 + U64(512) * 1024 * 22);
    assert_int_equal(bytes, U64(45088768));

    struct tmem_error err = {0};
    assert_int_equal(tmem_kv_layout(&m, TMEM_KV_BF16, 1, 4, 9, &kv, &err), TMEM_OK);
    assert_int_equal(kv.n_layer_full, 2);
    assert_int_equal(kv.n_layer_window, 7);

    char text[2048];
    with(text, sizeof text, p->config_json, "\"sliding_window_pattern\": 6",
         "\"sliding_window_pattern\": 2");
    parse_text(text, &m, &inv);
    kv_token(&m, &kv);
    assert_int_equal(kv.n_layer_window, 13);
    assert_int_equal(kv.n_layer_full, 13);
}

/* vLLM's hybrid allocator (the helper in infer.c): 4 full and 22 sliding
 * layers make groups of 4 layers, 1 full group and ceil(22 / 4) = 6 sliding
 * ones; a pool block is 16 tokens × 1024 B × 4 layers = 65,536 B. A request
 * of 512 + 128 = 640 tokens needs ceil(640 / 16) = 40 blocks in the full
 * group and, per sliding group, ceil(min(511 + 8192, 640) / 16) + 1 = 41:
 * 40 + 6 · 41 = 286 blocks. */
static void gemma3_through_the_hybrid_allocator(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    parse_preset("gemma-3-1b-it", &m, &inv);
    struct tmem_infer_opts o;
    tmem_infer_defaults(&o);
    o.gpu = tmem_gpu_find("h100-sxm");
    assert_non_null(o.gpu);
    static struct tmem_infer_result r;
    struct tmem_error err = {0};
    if (tmem_infer_build(&m, &inv, &o, &r, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    assert_int_equal(o.prompt_tokens + o.gen_tokens, 640);
    assert_int_equal(r.kv_groups, 7);
    assert_int_equal(r.group_layers, 4);
    assert_int_equal(r.block_bytes, U64(16) * 1024 * 4);
    assert_int_equal(r.blocks_per_seq, 40 + 6 * 41);
}

/* --------------------------------------------------------------- gpt-oss */

/* EVIDENCE: gpt-oss-20b's general.parameter_count, 20,914,757,184
 * (llama.cpp / Ollama, ggml-org/gpt-oss-20b-GGUF), and gpt-oss-120b's
 * 116,829,156,672 (HF safetensors count in a public model table). Hand
 * calculation, d 2880, a 64, n_kv 8, d_head 64, E 32 / 128 experts of
 * f 2880, V 201088, untied:
 *   embed_tokens, lm_head  2 · 201088 · 2880              =  1,158,266,880
 *   q, o                   2 · 2880 · 4096 + 4096 + 2880   =     23,599,936
 *   k, v                   2 · (2880 · 512 + 512)          =      2,950,144
 *   sinks                  64                              =             64
 *   2 RMSNorms             2 · 2880                        =          5,760
 *   router                 2880 · E + E
 *   experts                E · (2880 · 5760 + 5760 + 2880 · 2880 + 2880)
 *                          = E · 24,891,840
 *   final norm             2880
 * 20b (L 24, E 32): per layer 26,550,144 + 5,760 + 92,192 + 796,538,880 =
 * 823,186,976, × 24 + 1,158,266,880 + 2,880 = 20,914,757,184; 120b (L 36,
 * E 128): per layer 3,213,080,192, total 116,829,156,672. */
static void gpt_oss_counts_its_published_totals(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    const uint64_t d = 2880, V = 201088, f = 2880, q = 64 * 64, kvw = 8 * 64;
    const uint64_t attn = 2 * (d * q) + q + d + 2 * (d * kvw + kvw) + 64;
    const uint64_t expert = d * 2 * f + 2 * f + f * d + d;
    assert_int_equal(attn, U64(26550144));
    assert_int_equal(expert, U64(24891840));
    const struct {
        const char *preset;
        uint64_t L, E, published;
    } cases[] = {{"gpt-oss-20b", 24, 32, U64(20914757184)},
                 {"gpt-oss-120b", 36, 128, U64(116829156672)}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct tmem_preset *p = parse_preset(cases[i].preset, &m, &inv);
        assert_string_equal(tmem_family_info(m.family)->name, "gpt_oss");
        const uint64_t L = cases[i].L, E = cases[i].E;
        const uint64_t layer = attn + 2 * d + (d * E + E) + E * expert;
        assert_int_equal(inv.total_params, 2 * V * d + L * layer + d);
        assert_int_equal(inv.total_params, cases[i].published);
        assert_int_equal(inv.total_params, p->published_params);
        /* a token passes 4 experts */
        assert_int_equal(inv.active_params,
                         2 * V * d + L * (attn + 2 * d + (d * E + E) + 4 * expert) + d);
    }
    assert_int_equal(inv.group_params[TMEM_GROUP_ROUTER], 36 * (d * 128 + 128));
}

/* layer_types alternates sliding_attention / full_attention from layer 0:
 * 12 of 24 layers keep 128 tokens. KV per token per layer 2 × 8 × 64 × 2 B
 * = 2,048 (2 × 24 × 8 × 64 × 2 = 49,152 per token, the KV width
 * ggml-org's listing gives); 8,192 tokens: 8192 · 2048 · 12 + 128 · 2048 ·
 * 12 = 204,472,320 B. A layer_types list that is not one full layer every
 * k, an unknown layer type, or a list of the wrong length is refused. */
static void gpt_oss_alternates_a_128_token_window(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    const struct tmem_preset *p = parse_preset("gpt-oss-20b", &m, &inv);
    assert_int_equal(m.swa_layer_step, 2);
    struct tmem_kv_layout kv;
    assert_int_equal(kv_token(&m, &kv), U64(49152));
    assert_int_equal(kv.n_layer_window, 12);
    assert_int_equal(kv.window_tokens, 128);
    uint64_t bytes = 0;
    assert_int_equal(tmem_kv_seq_bytes(&kv, 8192, 1, &bytes), TMEM_OK);
    assert_int_equal(bytes, U64(8192) * 2048 * 12 + U64(128) * 2048 * 12);

    static char text[8192];
    const char *lt = strstr(p->config_json, "\"layer_types\": [");
    assert_non_null(lt);
    /* layer 1 made sliding: the first full layer is 3, so k = 4 — layer 7
     * is full, layer 5 (full here) breaks it */
    const char *second = strstr(lt, "\"full_attention\"");
    snprintf(text, sizeof text, "%.*s\"sliding_attention\"%s", (int)(second - p->config_json),
             p->config_json, second + strlen("\"full_attention\""));
    struct tmem_model raw;
    struct tmem_error err = {0};
    assert_int_equal(tmem_hf_config_parse(text, strlen(text), "config.json", NULL, &raw, &err),
                     TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "config.json:layer_types");
    assert_non_null(strstr(err.msg, "layer 5 breaks the pattern of one full_attention layer every 4"));

    snprintf(text, sizeof text, "%.*s\"linear_attention\"%s", (int)(second - p->config_json),
             p->config_json, second + strlen("\"full_attention\""));
    assert_int_equal(tmem_hf_config_parse(text, strlen(text), "config.json", NULL, &raw, &err),
                     TMEM_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "layer 1 is 'linear_attention'"));

    with(text, sizeof text, p->config_json, "\"num_hidden_layers\": 24", "\"num_hidden_layers\": 23");
    assert_int_equal(tmem_hf_config_parse(text, strlen(text), "config.json", NULL, &raw, &err),
                     TMEM_ERR_INCONSISTENT);
    assert_non_null(strstr(err.msg, "lists 24 layers but the model has 23"));
}

/* Gemma-3 configs saved by newer transformers give layer_types instead of
 * sliding_window_pattern: 26 layers, full at 5, 11, 17, 23, read as k = 6 —
 * the same 4 full and 22 sliding layers. */
static void gemma3_from_layer_types(void **state)
{
    (void)state;
    char types[1024] = "\"layer_types\": [";
    for (int i = 0; i < 26; i++)
        snprintf(types + strlen(types), sizeof types - strlen(types), "%s\"%s\"", i ? ", " : "",
                 (i + 1) % 6 == 0 ? "full_attention" : "sliding_attention");
    strcat(types, "]");
    static char text[4096];
    with(text, sizeof text, tmem_preset_find("gemma-3-1b-it")->config_json,
         "\"sliding_window_pattern\": 6", types);
    struct tmem_model m;
    static struct tmem_inventory inv;
    parse_text(text, &m, &inv);
    assert_int_equal(m.swa_layer_step, 6);
    struct tmem_kv_layout kv;
    kv_token(&m, &kv);
    assert_int_equal(kv.n_layer_full, 4);
    assert_int_equal(kv.n_layer_window, 22);
}

/* ---------------------------------------------------------------- PhiMoE */

/* EVIDENCE: the Phi-3.5-MoE-instruct model card: "16x3.8B parameters with
 * 6.6B active parameters", 41.9B total on HF (rounded; no exact figure
 * found). Hand calculation, d 4096, L 32, a 32, n_kv 8, d_head 128, 16
 * experts of 6400 (2 used), V 32064, untied, LayerNorms with bias, q/k/v/o
 * biases and an lm_head bias (attention_bias, lm_head_bias true):
 *   embed_tokens, lm_head  2 · 32064 · 4096 + 32064       =    262,700,352
 *   q, o                   2 · (4096 · 4096 + 4096)        =     33,562,624
 *   k, v                   2 · (4096 · 1024 + 1024)        =      8,390,656
 *   2 LayerNorms           2 · 2 · 4096                    =         16,384
 *   router                 4096 · 16                       =         65,536
 *   experts                16 · 3 · 4096 · 6400            =  1,258,291,200
 *   per layer                                              =  1,300,326,400
 *   32 layers                                              = 41,610,444,800
 *   final LayerNorm        2 · 4096                        =          8,192
 *   total                                                  = 41,873,153,344
 * active: 14 experts fewer per layer, 6,640,999,744 (the card's 6.6B). */
static void phimoe_counts_its_card(void **state)
{
    (void)state;
    struct tmem_model m;
    static struct tmem_inventory inv;
    parse_preset("phi-3.5-moe", &m, &inv);
    assert_string_equal(tmem_family_info(m.family)->name, "phimoe");
    assert_true(m.qkv_bias && m.o_bias && m.lm_head_bias);
    assert_int_equal(m.norm, TMEM_NORM_LAYERNORM);
    const uint64_t d = 4096, V = 32064, E = 16, f = 6400, kvw = 1024, L = 32;
    const uint64_t layer = 2 * (d * d + d) + 2 * (d * kvw + kvw) + 4 * d + d * E + E * 3 * d * f;
    assert_int_equal(layer, U64(1300326400));
    assert_int_equal(inv.total_params, 2 * V * d + V + L * layer + 2 * d);
    assert_int_equal(inv.total_params, U64(41873153344));
    assert_int_equal((inv.total_params + 50000000) / 100000000, 419); /* 41.9B */
    assert_int_equal(inv.active_params, inv.total_params - L * 14 * 3 * d * f);
    assert_int_equal((inv.active_params + 50000000) / 100000000, 66); /* 6.6B active */
    struct tmem_kv_layout kv;
    assert_int_equal(kv_token(&m, &kv), U64(2) * 32 * 8 * 128 * 2);
}

/* ------------------------------------------------------- from GGUF alone */

/* One GGUF tensor of a layer: its name after "blk.N.", ne0 (input), ne1,
 * ne2 (experts; 0: a matrix or vector). */
struct gt {
    const char *what;
    uint64_t ne0, ne1, ne2;
};

/* one more u32 key of the architecture */
struct gkv {
    const char *k;
    uint32_t v;
};

/* A small GGUF of architecture `arch`: d 64, n_layer L, 4 heads of 16,
 * n_kv KV heads, d_ff 128, V 100, the keys x; the layer tensors t; an
 * output matrix unless tied; LayerNorm and output biases with head_bias; a
 * sliding window when window > 0. Returns its parameters. */
static uint64_t write_gguf(const char *path, const char *arch, uint64_t L, uint64_t n_kv,
                           const struct gt *t, size_t n_t, bool tied, uint64_t window,
                           const struct gkv *x, size_t n_x, bool head_bias)
{
    char key[96], name[128];
    struct ckw_gguf g;
    ckw_gguf_begin(&g, 3, 0);
    ckw_kv_str(&g, "general.architecture", arch);
    static const struct {
        const char *k;
        uint64_t v;
    } keys[] = {{"embedding_length", 64}, {"attention.head_count", 4},
                {"attention.key_length", 16}, {"context_length", 128},
                {"feed_forward_length", 128}};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        snprintf(key, sizeof key, "%s.%s", arch, keys[i].k);
        ckw_kv_u32(&g, key, (uint32_t)keys[i].v);
    }
    snprintf(key, sizeof key, "%s.block_count", arch);
    ckw_kv_u32(&g, key, (uint32_t)L);
    snprintf(key, sizeof key, "%s.attention.head_count_kv", arch);
    ckw_kv_u32(&g, key, (uint32_t)n_kv);
    if (window) {
        snprintf(key, sizeof key, "%s.attention.sliding_window", arch);
        ckw_kv_u32(&g, key, (uint32_t)window);
    }
    for (size_t i = 0; i < n_x; i++) {
        snprintf(key, sizeof key, "%s.%s", arch, x[i].k);
        ckw_kv_u32(&g, key, x[i].v);
    }
    ckw_tensor(&g, "token_embd.weight", 0, 2, 64, 100, 1, 1);
    for (uint64_t l = 0; l < L; l++)
        for (size_t i = 0; i < n_t; i++) {
            snprintf(name, sizeof name, "blk.%llu.%s", (unsigned long long)l, t[i].what);
            ckw_tensor(&g, name, 0, t[i].ne2 ? 3 : t[i].ne1 > 1 ? 2 : 1, t[i].ne0, t[i].ne1,
                       t[i].ne2 ? t[i].ne2 : 1, 1);
        }
    ckw_tensor(&g, "output_norm.weight", 0, 1, 64, 1, 1, 1);
    if (head_bias)
        ckw_tensor(&g, "output_norm.bias", 0, 1, 64, 1, 1, 1);
    if (!tied)
        ckw_tensor(&g, "output.weight", 0, 2, 64, 100, 1, 1);
    if (head_bias)
        ckw_tensor(&g, "output.bias", 0, 1, 100, 1, 1, 1);
    uint64_t params = g.params;
    ckw_gguf_write(&g, path);
    return params;
}

/* llama.cpp's olmo2: post_attention_norm and post_ffw_norm (no attn_norm),
 * attn_q_norm of 64 = 4·16 and attn_k_norm of 32 = 2·16, an output matrix.
 *   embed + output 2 · 100·64 = 12,800; per layer q, o 2 · 64·64 = 8,192,
 *   k, v 2 · 64·32 = 4,096, q/k norms 96, 2 norms 128, ffn 3 · 64·128 =
 *   24,576: 37,088; 2 layers 74,176; output_norm 64. Total 87,040.
 * llama.cpp's command-r: attn_norm (weight only), attn_q_norm (16 × 4) and
 * attn_k_norm (16 × 2), tied: 6,400 + 2 · (8,192 + 4,096 + 96 + 64 +
 * 24,576) + 64 = 80,512.
 * llama.cpp's gemma3 with 6 layers, 1 KV head, a 32-token window: attn_norm,
 * post_attention_norm, ffn_norm, post_ffw_norm, attn_q_norm and attn_k_norm
 * of 16, tied: 6,400 + 6 · (8,192 + 2 · 64·16 + 32 + 256 + 24,576) + 64 =
 * 217,088; layer 5 global, 5 sliding. */
static void small_models_from_gguf(void **state)
{
    (void)state;
    char dir[64], path[128];
    assert_int_equal(ckw_scratch_dir(dir, sizeof dir, "tmem-dec25"), 0);
    snprintf(path, sizeof path, "%s/m.gguf", dir);
    struct tmem_model m;
    static struct tmem_inventory inv;

    static const struct gt olmo2[] = {
        {"attn_q.weight", 64, 64, 0}, {"attn_k.weight", 64, 32, 0}, {"attn_v.weight", 64, 32, 0},
        {"attn_output.weight", 64, 64, 0}, {"attn_q_norm.weight", 64, 1, 0},
        {"attn_k_norm.weight", 32, 1, 0}, {"post_attention_norm.weight", 64, 1, 0},
        {"ffn_gate.weight", 64, 128, 0}, {"ffn_up.weight", 64, 128, 0}, {"ffn_down.weight", 128, 64, 0},
        {"post_ffw_norm.weight", 64, 1, 0}};
    uint64_t n = write_gguf(path, "olmo2", 2, 2, olmo2, sizeof olmo2 / sizeof olmo2[0], false, 0, NULL, 0, false);
    assert_int_equal(n, U64(87040));
    ckl_load_model(path, &m, &inv);
    assert_string_equal(tmem_family_info(m.family)->name, "olmo2");
    assert_true(m.qk_norm && m.qk_norm_full && !m.tied);
    assert_int_equal(inv.total_params, U64(87040));

    static const struct gt cohere[] = {
        {"attn_norm.weight", 64, 1, 0}, {"attn_q.weight", 64, 64, 0}, {"attn_k.weight", 64, 32, 0},
        {"attn_v.weight", 64, 32, 0}, {"attn_output.weight", 64, 64, 0},
        {"attn_q_norm.weight", 16, 4, 0}, {"attn_k_norm.weight", 16, 2, 0},
        {"ffn_gate.weight", 64, 128, 0}, {"ffn_up.weight", 64, 128, 0}, {"ffn_down.weight", 128, 64, 0}};
    n = write_gguf(path, "command-r", 2, 2, cohere, sizeof cohere / sizeof cohere[0], true, 0, NULL, 0, false);
    assert_int_equal(n, U64(80512));
    ckl_load_model(path, &m, &inv);
    assert_string_equal(tmem_family_info(m.family)->name, "cohere");
    assert_int_equal(m.norm, TMEM_NORM_LAYERNORM_NOBIAS);
    assert_int_equal(m.n_norm_per_layer, 1);
    assert_true(m.qk_norm && m.tied);
    assert_int_equal(inv.total_params, U64(80512));

    static const struct gt gemma3[] = {
        {"attn_norm.weight", 64, 1, 0}, {"attn_q.weight", 64, 64, 0}, {"attn_k.weight", 64, 16, 0},
        {"attn_v.weight", 64, 16, 0}, {"attn_output.weight", 64, 64, 0},
        {"attn_q_norm.weight", 16, 1, 0}, {"attn_k_norm.weight", 16, 1, 0},
        {"post_attention_norm.weight", 64, 1, 0}, {"ffn_norm.weight", 64, 1, 0},
        {"ffn_gate.weight", 64, 128, 0}, {"ffn_up.weight", 64, 128, 0}, {"ffn_down.weight", 128, 64, 0},
        {"post_ffw_norm.weight", 64, 1, 0}};
    n = write_gguf(path, "gemma3", 6, 1, gemma3, sizeof gemma3 / sizeof gemma3[0], true, 32, NULL, 0, false);
    assert_int_equal(n, U64(217088));
    ckl_load_model(path, &m, &inv);
    assert_string_equal(tmem_family_info(m.family)->name, "gemma3_text");
    assert_int_equal(m.n_norm_per_layer, 4);
    assert_int_equal(inv.total_params, U64(217088));
    struct tmem_kv_layout kv;
    kv_token(&m, &kv);
    assert_int_equal(kv.window_tokens, 32);
    assert_int_equal(kv.n_layer_window, 5);
    assert_int_equal(kv.n_layer_full, 1);

    /* llama.cpp's gpt-oss: 4 experts of 32 (2 used), biases on q/k/v/o, the
     * router (ffn_gate_inp.bias) and the experts, attn_sinks of n_head, an
     * 8-token window on even layers. Per layer: norms 2 · 64, q, o 2 ·
     * (64·64 + 64) = 8,320, k, v 2 · (64·32 + 32) = 4,160, sinks 4, router
     * 64·4 + 4 = 260, experts 4 · 3 · 64·32 = 24,576, their biases 4 · (32 +
     * 32 + 64) = 512: 37,960; 2 layers 75,920; embed + output 12,800;
     * output_norm 64. Total 88,784. */
    static const struct gt oss[] = {
        {"attn_norm.weight", 64, 1, 0}, {"attn_q.weight", 64, 64, 0}, {"attn_q.bias", 64, 1, 0},
        {"attn_k.weight", 64, 32, 0}, {"attn_k.bias", 32, 1, 0}, {"attn_v.weight", 64, 32, 0},
        {"attn_v.bias", 32, 1, 0}, {"attn_output.weight", 64, 64, 0},
        {"attn_output.bias", 64, 1, 0}, {"attn_sinks.weight", 4, 1, 0},
        {"post_attention_norm.weight", 64, 1, 0}, {"ffn_gate_inp.weight", 64, 4, 0},
        {"ffn_gate_inp.bias", 4, 1, 0}, {"ffn_gate_exps.weight", 64, 32, 4},
        {"ffn_gate_exps.bias", 32, 4, 0}, {"ffn_up_exps.weight", 64, 32, 4},
        {"ffn_up_exps.bias", 32, 4, 0}, {"ffn_down_exps.weight", 32, 64, 4},
        {"ffn_down_exps.bias", 64, 4, 0}};
    static const struct gkv moe[] = {
        {"expert_count", 4}, {"expert_used_count", 2}, {"expert_feed_forward_length", 32}};
    n = write_gguf(path, "gpt-oss", 2, 2, oss, sizeof oss / sizeof oss[0], false, 8, moe,
                   sizeof moe / sizeof moe[0], false);
    assert_int_equal(n, U64(88784));
    ckl_load_model(path, &m, &inv);
    assert_string_equal(tmem_family_info(m.family)->name, "gpt_oss");
    assert_true(m.router_bias && m.expert_bias && m.attn_sinks && m.qkv_bias && m.o_bias);
    assert_int_equal(inv.total_params, U64(88784));
    kv_token(&m, &kv);
    assert_int_equal(kv.n_layer_window, 1);
    assert_int_equal(kv.window_tokens, 8);

    /* llama.cpp's phimoe: LayerNorms with bias, q/k/v/o biases, an output
     * bias. Per layer: norms 4 · 64, q, o 2 · (64·64 + 64) = 8,320, k, v 2 ·
     * (64·32 + 32) = 4,160, router 64·4 = 256, experts 4 · 3 · 64·32 =
     * 24,576: 37,568; 2 layers 75,136; embed + output + its bias 12,900;
     * output_norm 128. Total 88,164. */
    static const struct gt phimoe[] = {
        {"attn_norm.weight", 64, 1, 0}, {"attn_norm.bias", 64, 1, 0}, {"attn_q.weight", 64, 64, 0},
        {"attn_q.bias", 64, 1, 0}, {"attn_k.weight", 64, 32, 0}, {"attn_k.bias", 32, 1, 0},
        {"attn_v.weight", 64, 32, 0}, {"attn_v.bias", 32, 1, 0}, {"attn_output.weight", 64, 64, 0},
        {"attn_output.bias", 64, 1, 0}, {"ffn_norm.weight", 64, 1, 0}, {"ffn_norm.bias", 64, 1, 0},
        {"ffn_gate_inp.weight", 64, 4, 0}, {"ffn_gate_exps.weight", 64, 32, 4},
        {"ffn_up_exps.weight", 64, 32, 4}, {"ffn_down_exps.weight", 32, 64, 4}};
    n = write_gguf(path, "phimoe", 2, 2, phimoe, sizeof phimoe / sizeof phimoe[0], false, 0, moe,
                   sizeof moe / sizeof moe[0], true);
    assert_int_equal(n, U64(88164));
    ckl_load_model(path, &m, &inv);
    assert_string_equal(tmem_family_info(m.family)->name, "phimoe");
    assert_int_equal(m.norm, TMEM_NORM_LAYERNORM);
    assert_true(m.qkv_bias && m.o_bias && m.lm_head_bias && !m.router_bias);
    assert_int_equal(inv.total_params, U64(88164));
    assert_int_equal(ckw_remove_tree(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(olmo2_counts_its_published_totals),
        cmocka_unit_test(olmo2_qk_norms_span_the_projections),
        cmocka_unit_test(cohere_counts_its_published_totals),
        cmocka_unit_test(gemma3_counts_its_published_total),
        cmocka_unit_test(gemma3_keeps_five_local_to_one_global),
        cmocka_unit_test(gemma3_through_the_hybrid_allocator),
        cmocka_unit_test(gpt_oss_counts_its_published_totals),
        cmocka_unit_test(gpt_oss_alternates_a_128_token_window),
        cmocka_unit_test(gemma3_from_layer_types),
        cmocka_unit_test(phimoe_counts_its_card),
        cmocka_unit_test(small_models_from_gguf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
