/* test_families.c — every family's parameter inventory against a hand
 * calculation written out from the family's reference implementation
 * (HF transformers modeling_<family>.py) and, where one exists, the
 * published parameter count of a real checkpoint.
 *
 * Models are built through the core API only (tmem_model_init, fields,
 * tmem_model_resolve, tmem_inventory_build): no config.json reader. The
 * expected figures never come from library helpers: each tensor is written
 * as an explicit product with its shape in a comment.
 *
 * Group conventions checked here (tmem.h enum tmem_group): every norm weight
 * and bias (including Bloom's embedding LayerNorm, Qwen3's q_norm/k_norm and
 * DeepSeek's q_a/kv_a layernorms) is "norm"; OPT's project_in/project_out are
 * "embedding"; Qwen2-MoE's shared_expert_gate and DeepSeek-V3's
 * e_score_correction_bias are "router"; a tied lm_head is 0. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <string.h>

#include "tmem/tmem.h"

/* ----------------------------------------------------------- helpers */

/* The hand-calculated groups of one model. active == 0 means "dense": every
 * parameter is active, so the expected active count is the total. */
struct want {
    uint64_t embedding, attention, mlp, norm, lm_head, router, experts, shared_experts;
    uint64_t active;
};

static uint64_t want_total(const struct want *w)
{
    return w->embedding + w->attention + w->mlp + w->norm + w->lm_head + w->router +
           w->experts + w->shared_experts;
}

static int differs(const char *what, uint64_t actual, uint64_t expected)
{
    if (actual == expected)
        return 0;
    print_error("  %-16s expected %" PRIu64 ", library %" PRIu64 " (diff %+" PRId64 ")\n",
                what, expected, actual, (int64_t)(actual - expected));
    return 1;
}

/* Requirement: the groups always sum to total_params, the tensors to the
 * groups, and each tensor's params is rows · cols · count. */
static void check_sums(const struct tmem_inventory *inv)
{
    uint64_t groups = 0, tensors = 0, active = 0;
    uint64_t per_group[TMEM_GROUP_COUNT] = {0};
    int bad = 0;
    for (int g = 0; g < TMEM_GROUP_COUNT; g++)
        groups += inv->group_params[g];
    for (uint32_t i = 0; i < inv->n_tensors; i++) {
        const struct tmem_tensor *t = &inv->tensors[i];
        bad |= differs(t->name, t->params, t->rows * t->cols * t->count);
        bad |= t->count_active > t->count;
        tensors += t->params;
        active += t->rows * t->cols * t->count_active;
        per_group[t->group] += t->params;
    }
    for (int g = 0; g < TMEM_GROUP_COUNT; g++)
        bad |= differs(tmem_group_name((enum tmem_group)g), per_group[g], inv->group_params[g]);
    bad |= differs("sum of groups", groups, inv->total_params);
    bad |= differs("sum of tensors", tensors, inv->total_params);
    bad |= differs("sum active", active, inv->active_params);
    bad |= inv->active_params > inv->total_params;
    if (bad)
        fail_msg("inventory sums are inconsistent");
}

/* Compares every group, the total and the active count with the hand
 * calculation; `published` (0: none) is the checkpoint's published total,
 * which the hand calculation itself must reach first. */
static void check(const char *model, const struct tmem_inventory *inv, const struct want *w,
                  uint64_t published)
{
    const uint64_t total = want_total(w);
    const uint64_t active = w->active ? w->active : total;
    if (published != 0 && total != published)
        fail_msg("%s: hand calculation %" PRIu64 " does not reach the published %" PRIu64,
                 model, total, published);
    int bad = 0;
    bad |= differs("embedding", inv->group_params[TMEM_GROUP_EMBEDDING], w->embedding);
    bad |= differs("attention", inv->group_params[TMEM_GROUP_ATTENTION], w->attention);
    bad |= differs("mlp", inv->group_params[TMEM_GROUP_MLP], w->mlp);
    bad |= differs("norm", inv->group_params[TMEM_GROUP_NORM], w->norm);
    bad |= differs("lm_head", inv->group_params[TMEM_GROUP_LM_HEAD], w->lm_head);
    bad |= differs("router", inv->group_params[TMEM_GROUP_ROUTER], w->router);
    bad |= differs("experts", inv->group_params[TMEM_GROUP_EXPERTS], w->experts);
    bad |= differs("shared_experts", inv->group_params[TMEM_GROUP_SHARED_EXPERTS],
                   w->shared_experts);
    bad |= differs("total_params", inv->total_params, total);
    bad |= differs("active_params", inv->active_params, active);
    check_sums(inv);
    if (bad)
        fail_msg("%s: inventory differs from the hand calculation", model);
}

/* Resolves m in place and builds its inventory; both must succeed. */
static void build(struct tmem_model *m, struct tmem_inventory *inv)
{
    struct tmem_error err;
    memset(&err, 0, sizeof err);
    enum tmem_status st = tmem_model_resolve(m, m, &err);
    if (st != TMEM_OK)
        fail_msg("resolve: %s at '%s': %s", tmem_status_name(st), err.where, err.msg);
    st = tmem_inventory_build(m, inv, &err);
    if (st != TMEM_OK)
        fail_msg("inventory: %s at '%s': %s", tmem_status_name(st), err.where, err.msg);
}

static void init(struct tmem_model *m, enum tmem_family f)
{
    assert_int_equal(tmem_model_init(m, f, NULL), TMEM_OK);
}

static const struct tmem_tensor *find_tensor(const struct tmem_inventory *inv, const char *name)
{
    for (uint32_t i = 0; i < inv->n_tensors; i++)
        if (strcmp(inv->tensors[i].name, name) == 0)
            return &inv->tensors[i];
    return NULL;
}

static struct tmem_inventory inv; /* large: keep it off the stack */

/* ------------------------------------------------------------- gpt2 */

/* REF modeling_gpt2.py GPT2Model: wte, wpe, h[L] = ln_1, attn.c_attn
 * (Conv1D d → 3d, bias), attn.c_proj (d → d, bias), ln_2, mlp.c_fc (d → f,
 * bias), mlp.c_proj (f → d, bias); ln_f; lm_head tied to wte. */
static void gpt2_small_matches_the_published_124m(void **state)
{
    (void)state;
    const uint64_t d = 768, L = 12, a = 12, V = 50257, n = 1024, f = 4 * d;
    struct tmem_model m;
    init(&m, TMEM_FAMILY_GPT2);
    m.d_model = d, m.n_layer = L, m.n_head = a, m.n_vocab = V, m.n_ctx = n;
    build(&m, &inv);
    const struct want w = {
        /* wte (V, d) + wpe (n_ctx, d) */
        .embedding = V * d + n * d,
        /* c_attn (d, 3d) + bias 3d + c_proj (d, d) + bias d */
        .attention = L * (d * 3 * d + 3 * d + d * d + d),
        /* c_fc (d, f) + bias f + c_proj (f, d) + bias d */
        .mlp = L * (d * f + f + f * d + d),
        /* ln_1, ln_2: weight + bias (d) each; ln_f */
        .norm = L * 2 * (2 * d) + 2 * d,
        .lm_head = 0, /* tied */
    };
    check("gpt2", &inv, &w, UINT64_C(124439808));
}

/* GPT2Config.n_inner overrides 4·d: GPT2MLP(inner_dim = n_inner). */
static void gpt2_with_n_inner_uses_it_as_the_mlp_width(void **state)
{
    (void)state;
    const uint64_t d = 768, L = 12, a = 12, V = 50257, n = 1024, f = 2048;
    struct tmem_model m;
    init(&m, TMEM_FAMILY_GPT2);
    m.d_model = d, m.n_layer = L, m.n_head = a, m.n_vocab = V, m.n_ctx = n, m.d_ff = f;
    build(&m, &inv);
    const struct want w = {
        .embedding = V * d + n * d,                          /* wte + wpe */
        .attention = L * (d * 3 * d + 3 * d + d * d + d),    /* c_attn + c_proj, biased */
        .mlp = L * (d * f + f + f * d + d),                  /* c_fc (d, 2048) + c_proj */
        .norm = L * 2 * (2 * d) + 2 * d,
    };
    check("gpt2 n_inner 2048", &inv, &w, 0);
}

/* ---------------------------------------------------------- gpt_neox */

/* REF modeling_gpt_neox.py GPTNeoXLayer: input_layernorm,
 * post_attention_layernorm, attention.query_key_value (d → 3d, bias),
 * attention.dense (d → d, bias), mlp.dense_h_to_4h (d → f, bias),
 * mlp.dense_4h_to_h (f → d, bias); final_layer_norm; embed_out untied. */
static void gpt_neox_pythia_410m_matches_its_model_card(void **state)
{
    (void)state;
    const uint64_t d = 1024, L = 24, a = 16, f = 4096, V = 50304;
    struct tmem_model m;
    init(&m, TMEM_FAMILY_GPT_NEOX);
    m.d_model = d, m.n_layer = L, m.n_head = a, m.d_ff = f, m.n_vocab = V, m.n_ctx = 2048;
    build(&m, &inv);
    const struct want w = {
        .embedding = V * d,                                  /* embed_in (V, d) */
        .attention = L * (d * 3 * d + 3 * d + d * d + d),    /* query_key_value + dense */
        .mlp = L * (d * f + f + f * d + d),                  /* h_to_4h + 4h_to_h */
        .norm = L * 2 * (2 * d) + 2 * d,                     /* 2 LN per layer + final */
        .lm_head = V * d,                                    /* embed_out (d, V), no bias */
    };
    check("pythia-410m", &inv, &w, UINT64_C(405334016));
}

/* --------------------------------------------------------------- opt */

/* REF modeling_opt.py OPTDecoder: embed_tokens (V, word_embed_proj_dim),
 * OPTLearnedPositionalEmbedding (n_ctx + 2, d), project_out (d → d_embed,
 * no bias) and project_in (d_embed → d, no bias) when they differ,
 * final_layer_norm only if do_layer_norm_before (false for 350m); each
 * layer: q/k/v/out_proj (d, d) with bias, self_attn_layer_norm, fc1, fc2
 * with bias, final_layer_norm; lm_head (d_embed → V) tied. */
static void opt_350m_projects_a_512_wide_embedding(void **state)
{
    (void)state;
    const uint64_t d = 1024, L = 24, a = 16, f = 4096, V = 50272, n = 2048, de = 512;
    struct tmem_model m;
    init(&m, TMEM_FAMILY_OPT);
    m.d_model = d, m.n_layer = L, m.n_head = a, m.d_ff = f, m.n_vocab = V, m.n_ctx = n;
    m.d_embed = de;
    m.final_norm = false;
    build(&m, &inv);
    const struct want w = {
        /* embed_tokens (V, 512) + positions (2048+2, d) + project_in (512, d)
         * + project_out (d, 512) */
        .embedding = V * de + (n + 2) * d + de * d + d * de,
        /* q, k, v, out_proj: (d, d) + bias d, four times */
        .attention = L * 4 * (d * d + d),
        /* fc1 (d, f) + f, fc2 (f, d) + d */
        .mlp = L * (d * f + f + f * d + d),
        /* self_attn_layer_norm + final_layer_norm per layer, no decoder final */
        .norm = L * 2 * (2 * d),
        .lm_head = 0, /* tied to embed_tokens */
    };
    check("opt-350m", &inv, &w, UINT64_C(331196416));
    const struct tmem_tensor *pin = find_tensor(&inv, "project_in");
    assert_non_null(pin);
    assert_int_equal(pin->rows * pin->cols, de * d);
}

/* ------------------------------------------------------------- bloom */

/* REF modeling_bloom.py BloomModel: word_embeddings, word_embeddings_layernorm,
 * h[L] = input_layernorm, self_attention.query_key_value (d → 3d, bias),
 * self_attention.dense (bias), post_attention_layernorm, mlp.dense_h_to_4h,
 * mlp.dense_4h_to_h (bias); ln_f; ALiBi has no parameters; tied. */
static void bloom_560m_has_an_embedding_layernorm_and_no_positions(void **state)
{
    (void)state;
    const uint64_t d = 1024, L = 24, a = 16, V = 250880, f = 4 * d;
    struct tmem_model m;
    init(&m, TMEM_FAMILY_BLOOM);
    m.d_model = d, m.n_layer = L, m.n_head = a, m.n_vocab = V;
    build(&m, &inv);
    const struct want w = {
        .embedding = V * d,                                  /* word_embeddings (V, d) */
        .attention = L * (d * 3 * d + 3 * d + d * d + d),    /* query_key_value + dense */
        .mlp = L * (d * f + f + f * d + d),
        /* word_embeddings_layernorm + 2 LN per layer + ln_f, weight+bias each */
        .norm = 2 * d + L * 2 * (2 * d) + 2 * d,
    };
    check("bloom-560m", &inv, &w, UINT64_C(559214592));
}

/* --------------------------------------------------------------- phi */

/* REF modeling_phi.py PhiDecoderLayer: input_layernorm only (parallel
 * block), self_attn.q/k/v_proj and dense (d, d) with bias, mlp.fc1 / fc2
 * with bias; final_layernorm; lm_head (d → V) with bias, untied. */
static void phi_2_has_one_layernorm_per_layer_and_an_lm_head_bias(void **state)
{
    (void)state;
    const uint64_t d = 2560, L = 32, a = 32, f = 10240, V = 51200;
    struct tmem_model m;
    init(&m, TMEM_FAMILY_PHI);
    m.d_model = d, m.n_layer = L, m.n_head = a, m.d_ff = f, m.n_vocab = V;
    build(&m, &inv);
    const struct want w = {
        .embedding = V * d,
        .attention = L * 4 * (d * d + d),           /* q, k, v, dense: (d, d) + bias */
        .mlp = L * (d * f + f + f * d + d),         /* fc1 + fc2 with bias */
        .norm = L * (2 * d) + 2 * d,                /* input_layernorm + final_layernorm */
        .lm_head = V * d + V,                       /* lm_head (d, V) + bias V */
    };
    check("phi-2", &inv, &w, UINT64_C(2779683840));
}

/* PhiAttention with qk_layernorm: q_layernorm / k_layernorm =
 * nn.LayerNorm(hidden_size // num_heads): weight + bias of width d_head. */
static void phi_with_qk_layernorm_adds_two_head_wide_layernorms(void **state)
{
    (void)state;
    const uint64_t d = 2560, L = 32, a = 32, f = 10240, V = 51200, dh = d / a;
    struct tmem_model m;
    init(&m, TMEM_FAMILY_PHI);
    m.d_model = d, m.n_layer = L, m.n_head = a, m.d_ff = f, m.n_vocab = V;
    m.qk_norm = true;
    build(&m, &inv);
    const struct want w = {
        .embedding = V * d,
        .attention = L * 4 * (d * d + d),
        .mlp = L * (d * f + f + f * d + d),
        /* input_layernorm + q_layernorm, k_layernorm (dh weight + dh bias) + final */
        .norm = L * (2 * d + 2 * (2 * dh)) + 2 * d,
        .lm_head = V * d + V,
    };
    check("phi-2 qk_layernorm", &inv, &w, 0);
}

/* ------------------------------------------------------------ falcon */

/* REF modeling_falcon.py FalconDecoderLayer (new_decoder_architecture false,
 * parallel_attn true): input_layernorm only; FalconAttention
 * query_key_value (d, (a + 2·kv)·dh) with multi_query kv = 1, dense (d, d);
 * FalconMLP dense_h_to_4h (d, 4d), dense_4h_to_h; bias false everywhere;
 * ln_f; lm_head tied. */
static void falcon_7b_multi_query_has_one_norm_per_layer(void **state)
{
    (void)state;
    const uint64_t d = 4544, L = 32, a = 71, kv = 1, V = 65024, dh = d / a, f = 4 * d;
    struct tmem_model m;
    init(&m, TMEM_FAMILY_FALCON);
    m.d_model = d, m.n_layer = L, m.n_head = a, m.n_kv_head = kv, m.n_vocab = V;
    m.n_norm_per_layer = 1;
    build(&m, &inv);
    const struct want w = {
        .embedding = V * d,
        /* query_key_value (d, (71 + 2·1)·64) + dense (a·dh, d), no bias */
        .attention = L * (d * (a + 2 * kv) * dh + a * dh * d),
        .mlp = L * (d * f + f * d),
        .norm = L * (2 * d) + 2 * d, /* input_layernorm + ln_f, weight+bias */
    };
    check("falcon-7b", &inv, &w, UINT64_C(6921720704));
    const struct tmem_tensor *ln = find_tensor(&inv, "layer_norms.weight");
    assert_non_null(ln);
    assert_int_equal(ln->count, L);
}

/* new_decoder_architecture: ln_attn + ln_mlp, query_key_value
 * (d, (a + 2·kv)·dh) with num_kv_heads kv. */
static void falcon_40b_new_decoder_architecture_has_two_norms_and_gqa(void **state)
{
    (void)state;
    const uint64_t d = 8192, L = 60, a = 128, kv = 8, V = 65024, dh = d / a, f = 4 * d;
    struct tmem_model m;
    init(&m, TMEM_FAMILY_FALCON);
    m.d_model = d, m.n_layer = L, m.n_head = a, m.n_kv_head = kv, m.n_vocab = V;
    m.n_norm_per_layer = 2;
    build(&m, &inv);
    const struct want w = {
        .embedding = V * d,
        .attention = L * (d * (a + 2 * kv) * dh + a * dh * d), /* fused qkv + dense */
        .mlp = L * (d * f + f * d),
        .norm = L * 2 * (2 * d) + 2 * d, /* ln_attn, ln_mlp + ln_f */
    };
    check("falcon-40b", &inv, &w, UINT64_C(41303293952));
}

/* ------------------------------------------------------------- llama */

/* REF modeling_llama.py LlamaDecoderLayer: self_attn q_proj (d, a·dh),
 * k_proj / v_proj (d, kv·dh), o_proj (a·dh, d); mlp gate_proj, up_proj
 * (d, f), down_proj (f, d); input_layernorm, post_attention_layernorm
 * (RMSNorm: weight d); norm; lm_head (d, V) untied. */
static void llama_2_7b_matches_the_published_count(void **state)
{
    (void)state;
    const uint64_t d = 4096, L = 32, a = 32, kv = 32, f = 11008, V = 32000, dh = d / a;
    struct tmem_model m;
    init(&m, TMEM_FAMILY_LLAMA);
    m.d_model = d, m.n_layer = L, m.n_head = a, m.d_ff = f, m.n_vocab = V, m.n_ctx = 4096;
    build(&m, &inv);
    const struct want w = {
        .embedding = V * d,
        /* q_proj (d, a·dh) + k,v (d, kv·dh) ×2 + o (a·dh, d) */
        .attention = L * (d * a * dh + 2 * d * kv * dh + a * dh * d),
        .mlp = L * (2 * d * f + f * d), /* gate, up (d, f) + down (f, d) */
        .norm = L * 2 * d + d,          /* 2 RMSNorm per layer + final */
        .lm_head = V * d,
    };
    check("llama-2-7b", &inv, &w, UINT64_C(6738415616));
}

static void llama_3_8b_with_grouped_query_attention(void **state)
{
    (void)state;
    const uint64_t d = 4096, L = 32, a = 32, kv = 8, f = 14336, V = 128256, dh = d / a;
    struct tmem_model m;
    init(&m, TMEM_FAMILY_LLAMA);
    m.d_model = d, m.n_layer = L, m.n_head = a, m.n_kv_head = kv, m.d_ff = f, m.n_vocab = V;
    build(&m, &inv);
    const struct want w = {
        .embedding = V * d,
        .attention = L * (d * a * dh + 2 * d * kv * dh + a * dh * d), /* k, v: (4096, 1024) */
        .mlp = L * (2 * d * f + f * d),
        .norm = L * 2 * d + d,
        .lm_head = V * d,
    };
    check("llama-3-8b", &inv, &w, UINT64_C(8030261248));
}

/* LlamaAttention: q/k/v/o_proj bias=config.attention_bias; LlamaMLP:
 * gate/up/down_proj bias=config.mlp_bias. */
static void llama_with_attention_and_mlp_bias_counts_every_bias(void **state)
{
    (void)state;
    const uint64_t d = 512, L = 4, a = 8, kv = 2, f = 1376, V = 1000, dh = d / a;
    struct tmem_model m;
    init(&m, TMEM_FAMILY_LLAMA);
    m.d_model = d, m.n_layer = L, m.n_head = a, m.n_kv_head = kv, m.d_ff = f, m.n_vocab = V;
    m.qkv_bias = m.o_bias = m.mlp_bias = true;
    build(&m, &inv);
    const struct want w = {
        .embedding = V * d,
        /* weights as llama + q bias a·dh + k, v bias kv·dh + o bias d */
        .attention = L * (d * a * dh + 2 * d * kv * dh + a * dh * d +
                          a * dh + 2 * kv * dh + d),
        /* gate, up (d, f) + bias f each + down (f, d) + bias d */
        .mlp = L * (2 * (d * f + f) + f * d + d),
        .norm = L * 2 * d + d,
        .lm_head = V * d,
    };
    check("llama biased", &inv, &w, 0);
}

/* ------------------------------------------------------------- qwen2 */

/* REF modeling_qwen2.py Qwen2Attention: q/k/v_proj bias=True, o_proj
 * bias=False; otherwise llama. Qwen2-0.5B ties its embeddings. */
static void qwen2_0_5b_has_qkv_bias_but_no_o_bias(void **state)
{
    (void)state;
    const uint64_t d = 896, L = 24, a = 14, kv = 2, f = 4864, V = 151936, dh = d / a;
    struct tmem_model m;
    init(&m, TMEM_FAMILY_QWEN2);
    m.d_model = d, m.n_layer = L, m.n_head = a, m.n_kv_head = kv, m.d_ff = f, m.n_vocab = V;
    m.tied = true;
    build(&m, &inv);
    const struct want w = {
        .embedding = V * d,
        /* q (d, a·dh) + bias, k, v (d, kv·dh) + bias each, o (a·dh, d) no bias */
        .attention = L * (d * a * dh + a * dh + 2 * (d * kv * dh + kv * dh) + a * dh * d),
        .mlp = L * (2 * d * f + f * d),
        .norm = L * 2 * d + d,
        .lm_head = 0,
    };
    check("qwen2-0.5b", &inv, &w, UINT64_C(494032768));
}

/* ------------------------------------------------------------- qwen3 */

/* REF modeling_qwen3.py Qwen3Attention: q_norm, k_norm =
 * Qwen3RMSNorm(head_dim); q_proj (d, a·dh) with head_dim 128 explicit. */
static void qwen3_8b_has_head_wide_q_and_k_norms(void **state)
{
    (void)state;
    const uint64_t d = 4096, L = 36, a = 32, kv = 8, dh = 128, f = 12288, V = 151936;
    struct tmem_model m;
    init(&m, TMEM_FAMILY_QWEN3);
    m.d_model = d, m.n_layer = L, m.n_head = a, m.n_kv_head = kv, m.d_head = dh;
    m.d_ff = f, m.n_vocab = V;
    build(&m, &inv);
    const struct want w = {
        .embedding = V * d,
        .attention = L * (d * a * dh + 2 * d * kv * dh + a * dh * d),
        .mlp = L * (2 * d * f + f * d),
        /* input + post_attention RMSNorm (d) + q_norm, k_norm (dh) + final */
        .norm = L * (2 * d + 2 * dh) + d,
        .lm_head = V * d,
    };
    check("qwen3-8b", &inv, &w, UINT64_C(8190735360));
}

/* ------------------------------------------------------------- gemma */

/* REF modeling_gemma.py: llama layout with head_dim 256 decoupled from
 * d / a (q_proj (3072, 16·256) = (3072, 4096)), GeGLU gate/up/down,
 * GemmaRMSNorm weight d, tied. */
static void gemma_7b_has_a_head_dim_wider_than_hidden_over_heads(void **state)
{
    (void)state;
    const uint64_t d = 3072, L = 28, a = 16, kv = 16, dh = 256, f = 24576, V = 256000;
    struct tmem_model m;
    init(&m, TMEM_FAMILY_GEMMA);
    m.d_model = d, m.n_layer = L, m.n_head = a, m.n_kv_head = kv, m.d_head = dh;
    m.d_ff = f, m.n_vocab = V;
    build(&m, &inv);
    const struct want w = {
        .embedding = V * d,
        .attention = L * (d * a * dh + 2 * d * kv * dh + a * dh * d), /* q (3072, 4096) */
        .mlp = L * (2 * d * f + f * d),
        .norm = L * 2 * d + d,
        .lm_head = 0,
    };
    check("gemma-7b", &inv, &w, UINT64_C(8537680896));
}

/* REF modeling_gemma2.py Gemma2DecoderLayer: input_layernorm,
 * post_attention_layernorm, pre_feedforward_layernorm,
 * post_feedforward_layernorm: four RMSNorms (d) per layer. */
static void gemma2_2b_has_four_norms_per_layer(void **state)
{
    (void)state;
    const uint64_t d = 2304, L = 26, a = 8, kv = 4, dh = 256, f = 9216, V = 256000;
    struct tmem_model m;
    init(&m, TMEM_FAMILY_GEMMA2);
    m.d_model = d, m.n_layer = L, m.n_head = a, m.n_kv_head = kv, m.d_head = dh;
    m.d_ff = f, m.n_vocab = V;
    build(&m, &inv);
    const struct want w = {
        .embedding = V * d,
        .attention = L * (d * a * dh + 2 * d * kv * dh + a * dh * d),
        .mlp = L * (2 * d * f + f * d),
        .norm = L * 4 * d + d, /* 4 RMSNorm per layer + final */
        .lm_head = 0,
    };
    check("gemma2-2b", &inv, &w, UINT64_C(2614341888));
}

/* -------------------------------------------------------------- phi3 */

/* REF modeling_phi3.py: qkv_proj (d, a·dh + 2·kv·dh), o_proj (a·dh, d),
 * gate_up_proj (d, 2f), down_proj (f, d); same counts as llama's split. */
static void phi3_mini_fused_projections_count_like_llama(void **state)
{
    (void)state;
    const uint64_t d = 3072, L = 32, a = 32, f = 8192, V = 32064, kv = a, dh = d / a;
    struct tmem_model m;
    init(&m, TMEM_FAMILY_PHI3);
    m.d_model = d, m.n_layer = L, m.n_head = a, m.d_ff = f, m.n_vocab = V;
    build(&m, &inv);
    const struct want w = {
        .embedding = V * d,
        .attention = L * (d * (a * dh + 2 * kv * dh) + a * dh * d), /* qkv_proj + o_proj */
        .mlp = L * (d * 2 * f + f * d),                              /* gate_up + down */
        .norm = L * 2 * d + d,
        .lm_head = V * d,
    };
    check("phi3-mini", &inv, &w, UINT64_C(3821079552));
}

/* -------------------------------------------------------------- olmo */

/* REF modeling_olmo.py OlmoLayerNorm: F.layer_norm(x, shape, None, None):
 * no weight, no bias anywhere. */
static void olmo_7b_norms_have_no_parameters(void **state)
{
    (void)state;
    const uint64_t d = 4096, L = 32, a = 32, f = 11008, V = 50304, dh = d / a;
    struct tmem_model m;
    init(&m, TMEM_FAMILY_OLMO);
    m.d_model = d, m.n_layer = L, m.n_head = a, m.d_ff = f, m.n_vocab = V;
    build(&m, &inv);
    const struct want w = {
        .embedding = V * d,
        .attention = L * (d * a * dh + 2 * d * a * dh + a * dh * d),
        .mlp = L * (2 * d * f + f * d),
        .norm = 0,
        .lm_head = V * d,
    };
    check("olmo-7b", &inv, &w, UINT64_C(6888095744));
}

/* ----------------------------------------------------------- mixtral */

/* REF modeling_mixtral.py MixtralSparseMoeBlock: gate (d, E) no bias,
 * experts[E] = w1, w3 (d, f), w2 (f, d); every layer; top-2 per token. */
static void mixtral_8x7b_counts_all_experts_and_activates_two(void **state)
{
    (void)state;
    const uint64_t d = 4096, L = 32, a = 32, kv = 8, f = 14336, V = 32000, E = 8, k = 2,
                   dh = d / a;
    struct tmem_model m;
    init(&m, TMEM_FAMILY_MIXTRAL);
    m.d_model = d, m.n_layer = L, m.n_head = a, m.n_kv_head = kv, m.d_ff = f, m.n_vocab = V;
    m.n_expert = E, m.n_expert_used = k;
    build(&m, &inv);
    const uint64_t emb = V * d;
    const uint64_t attn = L * (d * a * dh + 2 * d * kv * dh + a * dh * d);
    const uint64_t norm = L * 2 * d + d;
    const uint64_t head = V * d;
    const uint64_t router = L * d * E;              /* gate (d, E) */
    const uint64_t expert = 2 * d * f + f * d;      /* w1, w3 (d, f) + w2 (f, d) */
    const struct want w = {
        .embedding = emb, .attention = attn, .norm = norm, .lm_head = head,
        .router = router,
        .experts = L * E * expert,
        /* everything but the 6 unused experts of each layer */
        .active = emb + attn + norm + head + router + L * k * expert,
    };
    check("mixtral-8x7b", &inv, &w, UINT64_C(46702792704));
    assert_int_equal(inv.active_params, UINT64_C(12879925248)); /* = the line above */
}

/* --------------------------------------------------------- qwen2_moe */

/* REF modeling_qwen2_moe.py Qwen2MoeSparseMoeBlock: gate (d, E) no bias,
 * experts[E] gate/up (d, moe_f), down (moe_f, d); shared_expert =
 * Qwen2MoeMLP(shared_expert_intermediate_size); shared_expert_gate (d, 1)
 * no bias. Attention as qwen2 (q/k/v bias). */
static void qwen1_5_moe_a2_7b_has_a_gated_shared_expert(void **state)
{
    (void)state;
    const uint64_t d = 2048, L = 24, a = 16, kv = 16, f = 5632, E = 60, k = 4, fe = 1408,
                   fs = 5632, V = 151936, dh = d / a;
    struct tmem_model m;
    init(&m, TMEM_FAMILY_QWEN2_MOE);
    m.d_model = d, m.n_layer = L, m.n_head = a, m.n_kv_head = kv, m.d_ff = f, m.n_vocab = V;
    m.n_expert = E, m.n_expert_used = k, m.d_ff_expert = fe, m.d_ff_shared = fs;
    m.shared_expert_gate = true;
    build(&m, &inv);
    const uint64_t emb = V * d;
    /* q, k, v (d, a·dh) with bias, o no bias */
    const uint64_t attn = L * (d * a * dh + a * dh + 2 * (d * kv * dh + kv * dh) + a * dh * d);
    const uint64_t norm = L * 2 * d + d;
    const uint64_t head = V * d;
    const uint64_t router = L * (d * E + d * 1);     /* gate (d, 60) + shared_expert_gate (d, 1) */
    const uint64_t shared = L * (2 * d * fs + fs * d); /* shared_expert gate/up/down */
    const uint64_t expert = 2 * d * fe + fe * d;
    const struct want w = {
        .embedding = emb, .attention = attn, .norm = norm, .lm_head = head,
        .router = router, .shared_experts = shared,
        .experts = L * E * expert,
        .active = emb + attn + norm + head + router + shared + L * k * expert,
    };
    check("qwen1.5-moe-a2.7b", &inv, &w, UINT64_C(14315784192));
    assert_int_equal(inv.active_params, UINT64_C(2689173504));
}

/* --------------------------------------------------------- qwen3_moe */

/* REF modeling_qwen3_moe.py: Qwen3 attention (q_norm/k_norm, head_dim 128),
 * Qwen3MoeSparseMoeBlock gate (d, 128) + 128 experts of moe_f 768, top-8,
 * no shared expert; decoder_sparse_step 1: every layer is MoE. */
static void qwen3_30b_a3b_activates_8_of_128_experts(void **state)
{
    (void)state;
    const uint64_t d = 2048, L = 48, a = 32, kv = 4, dh = 128, f = 6144, E = 128, k = 8,
                   fe = 768, V = 151936;
    struct tmem_model m;
    init(&m, TMEM_FAMILY_QWEN3_MOE);
    m.d_model = d, m.n_layer = L, m.n_head = a, m.n_kv_head = kv, m.d_head = dh;
    m.d_ff = f, m.n_vocab = V;
    m.n_expert = E, m.n_expert_used = k, m.d_ff_expert = fe;
    build(&m, &inv);
    const uint64_t emb = V * d;
    const uint64_t attn = L * (d * a * dh + 2 * d * kv * dh + a * dh * d);
    const uint64_t norm = L * (2 * d + 2 * dh) + d; /* 2 RMSNorm + q_norm, k_norm + final */
    const uint64_t head = V * d;
    const uint64_t router = L * d * E;
    const uint64_t expert = 2 * d * fe + fe * d;
    const struct want w = {
        .embedding = emb, .attention = attn, .norm = norm, .lm_head = head, .router = router,
        .experts = L * E * expert,
        .active = emb + attn + norm + head + router + L * k * expert,
    };
    check("qwen3-30b-a3b", &inv, &w, UINT64_C(30532122624));
    assert_int_equal(inv.active_params, UINT64_C(3353032704));
}

/* ---------------------------------------------------------- deepseek */

/* REF modeling_deepseek.py DeepseekV2Attention with q_lora_rank None:
 * q_proj (d, a·(nope+rope)); kv_a_proj_with_mqa (d, kv_lora + rope),
 * kv_a_layernorm (kv_lora), kv_b_proj (kv_lora, a·(nope + v)), o_proj
 * (a·v, d). DeepseekV2DecoderLayer: MoE iff layer ≥ first_k_dense_replace
 * (and layer % moe_layer_freq == 0); MoEGate weight (E, d), no bias;
 * shared_experts = DeepseekV2MLP(moe_f · n_shared_experts). */
static void deepseek_v2_lite_uses_latent_attention_without_q_lora(void **state)
{
    (void)state;
    const uint64_t d = 2048, L = 27, a = 16, V = 102400, f = 10944, E = 64, k = 6,
                   fe = 1408, fs = 2 * 1408, first = 1, kvl = 512, nope = 128, rope = 64,
                   v = 128;
    struct tmem_model m;
    init(&m, TMEM_FAMILY_DEEPSEEK_V2);
    m.d_model = d, m.n_layer = L, m.n_head = a, m.d_ff = f, m.n_vocab = V;
    m.n_expert = E, m.n_expert_used = k, m.d_ff_expert = fe, m.d_ff_shared = fs;
    m.moe_first_layer = first;
    m.kv_lora_rank = kvl, m.qk_nope_dim = nope, m.qk_rope_dim = rope, m.v_head_dim = v;
    build(&m, &inv);
    assert_int_equal(tmem_model_moe_layers(&m), L - first);
    const uint64_t Lm = L - first; /* 26 MoE layers */
    const uint64_t emb = V * d;
    const uint64_t attn = L * (d * a * (nope + rope)       /* q_proj */
                               + d * (kvl + rope)          /* kv_a_proj_with_mqa */
                               + kvl * a * (nope + v)      /* kv_b_proj */
                               + a * v * d);               /* o_proj */
    const uint64_t norm = L * (kvl + 2 * d) + d; /* kv_a_layernorm + 2 RMSNorm + final */
    const uint64_t head = V * d;
    const uint64_t mlp = first * (2 * d * f + f * d);      /* layer 0 dense MLP */
    const uint64_t router = Lm * E * d;                     /* MoEGate weight (E, d) */
    const uint64_t shared = Lm * (2 * d * fs + fs * d);
    const uint64_t expert = 2 * d * fe + fe * d;
    const struct want w = {
        .embedding = emb, .attention = attn, .mlp = mlp, .norm = norm, .lm_head = head,
        .router = router, .shared_experts = shared,
        .experts = Lm * E * expert,
        .active = emb + attn + mlp + norm + head + router + shared + Lm * k * expert,
    };
    check("deepseek-v2-lite", &inv, &w, UINT64_C(15706484224));
}

/* DeepSeek-V3: q_a_proj (d, q_lora), q_a_layernorm (q_lora), q_b_proj
 * (q_lora, a·(nope+rope)); MoEGate weight (E, d) + e_score_correction_bias
 * (E); 1 shared expert of moe_f 2048; first 3 layers dense (f 18432). The
 * published 671B excludes the multi-token-prediction layer. */
static void deepseek_v3_has_q_lora_and_a_router_bias(void **state)
{
    (void)state;
    const uint64_t d = 7168, L = 61, a = 128, f = 18432, E = 256, k = 8, fe = 2048,
                   fs = 2048, first = 3, ql = 1536, kvl = 512, nope = 128, rope = 64,
                   v = 128, V = 129280;
    struct tmem_model m;
    init(&m, TMEM_FAMILY_DEEPSEEK_V3);
    m.d_model = d, m.n_layer = L, m.n_head = a, m.d_ff = f, m.n_vocab = V;
    m.n_expert = E, m.n_expert_used = k, m.d_ff_expert = fe, m.d_ff_shared = fs;
    m.moe_first_layer = first, m.router_bias = true, m.q_lora_rank = ql;
    m.kv_lora_rank = kvl, m.qk_nope_dim = nope, m.qk_rope_dim = rope, m.v_head_dim = v;
    build(&m, &inv);
    const uint64_t Lm = L - first; /* 58 MoE layers */
    const uint64_t emb = V * d;
    const uint64_t attn = L * (d * ql                      /* q_a_proj */
                               + ql * a * (nope + rope)    /* q_b_proj */
                               + d * (kvl + rope)          /* kv_a_proj_with_mqa */
                               + kvl * a * (nope + v)      /* kv_b_proj */
                               + a * v * d);               /* o_proj */
    /* q_a_layernorm + kv_a_layernorm + 2 RMSNorm per layer, + final */
    const uint64_t norm = L * (ql + kvl + 2 * d) + d;
    const uint64_t head = V * d;
    const uint64_t mlp = first * (2 * d * f + f * d);
    const uint64_t router = Lm * (E * d + E);               /* gate weight + bias */
    const uint64_t shared = Lm * (2 * d * fs + fs * d);
    const uint64_t expert = 2 * d * fe + fe * d;
    const struct want w = {
        .embedding = emb, .attention = attn, .mlp = mlp, .norm = norm, .lm_head = head,
        .router = router, .shared_experts = shared,
        .experts = Lm * E * expert,
        .active = emb + attn + mlp + norm + head + router + shared + Lm * k * expert,
    };
    check("deepseek-v3", &inv, &w, UINT64_C(671026419200));
    assert_int_equal(inv.active_params, UINT64_C(37552297472));
}

/* ------------------------------------------------ MoE layer placement */

/* A small qwen2_moe: Qwen2MoeDecoderLayer is sparse iff layer not in
 * mlp_only_layers and (layer + 1) % decoder_sparse_step == 0; dense layers
 * use Qwen2MoeMLP(intermediate_size); the shared expert and its gate live
 * only in sparse layers. */
struct small_moe {
    uint64_t d, L, a, f, E, k, fe, fs, V;
};
static const struct small_moe S = {64, 8, 4, 128, 4, 2, 32, 48, 100};

static void small_qwen2_moe(struct tmem_model *m)
{
    init(m, TMEM_FAMILY_QWEN2_MOE);
    m->d_model = S.d, m->n_layer = S.L, m->n_head = S.a, m->d_ff = S.f, m->n_vocab = S.V;
    m->n_expert = S.E, m->n_expert_used = S.k, m->d_ff_expert = S.fe, m->d_ff_shared = S.fs;
    m->shared_expert_gate = true;
    m->moe_layer_step = 2;
}

static void check_small_moe(const char *what, uint64_t n_moe)
{
    const uint64_t d = S.d, L = S.L, f = S.f, E = S.E, k = S.k, fe = S.fe, fs = S.fs, V = S.V;
    const uint64_t dh = d / S.a, a = S.a;
    const uint64_t emb = V * d;
    const uint64_t attn = L * (d * a * dh + a * dh + 2 * (d * a * dh + a * dh) + a * dh * d);
    const uint64_t norm = L * 2 * d + d;
    const uint64_t head = V * d;
    const uint64_t mlp = (L - n_moe) * (2 * d * f + f * d);
    const uint64_t router = n_moe * (d * E + d);
    const uint64_t shared = n_moe * (2 * d * fs + fs * d);
    const uint64_t expert = 2 * d * fe + fe * d;
    const struct want w = {
        .embedding = emb, .attention = attn, .mlp = mlp, .norm = norm, .lm_head = head,
        .router = router, .shared_experts = shared,
        .experts = n_moe * E * expert,
        .active = emb + attn + mlp + norm + head + router + shared + n_moe * k * expert,
    };
    check(what, &inv, &w, 0);
}

static void qwen_sparse_step_2_makes_the_odd_layers_moe(void **state)
{
    (void)state;
    struct tmem_model m;
    small_qwen2_moe(&m);
    build(&m, &inv);
    assert_int_equal(m.moe_layer_phase, 1);
    assert_int_equal(tmem_model_moe_layers(&m), 4); /* layers 1, 3, 5, 7 */
    check_small_moe("step 2", 4);
    /* odd n_layer: 7 layers → 1, 3, 5 */
    small_qwen2_moe(&m);
    m.n_layer = 7;
    assert_int_equal(tmem_model_resolve(&m, &m, NULL), TMEM_OK);
    assert_int_equal(tmem_model_moe_layers(&m), 3);
}

static void a_listed_dense_layer_turns_only_a_moe_layer_dense(void **state)
{
    (void)state;
    struct tmem_model m;
    small_qwen2_moe(&m);
    m.n_dense_layers_listed = 2;
    m.dense_layers[0] = 0; /* already dense (even) */
    m.dense_layers[1] = 5; /* MoE → dense */
    build(&m, &inv);
    assert_int_equal(tmem_model_moe_layers(&m), 3); /* 1, 3, 7 */
    check_small_moe("mlp_only_layers [0, 5]", 3);
}

static void a_duplicated_listed_layer_counts_once(void **state)
{
    (void)state;
    struct tmem_model m;
    small_qwen2_moe(&m);
    m.n_dense_layers_listed = 3;
    m.dense_layers[0] = 5;
    m.dense_layers[1] = 5;
    m.dense_layers[2] = 5;
    build(&m, &inv);
    assert_int_equal(tmem_model_moe_layers(&m), 3);
    check_small_moe("mlp_only_layers [5, 5, 5]", 3);
}

static void a_listed_layer_out_of_range_is_refused(void **state)
{
    (void)state;
    struct tmem_model m;
    struct tmem_error err;
    small_qwen2_moe(&m);
    m.n_dense_layers_listed = 1;
    m.dense_layers[0] = 8; /* n_layer is 8: indices 0..7 */
    assert_int_equal(tmem_model_resolve(&m, &m, &err), TMEM_ERR_LIMIT);
    assert_string_equal(err.where, "mlp_only_layers");
}

/* DeepSeek: MoE iff layer >= first_k_dense_replace and layer %
 * moe_layer_freq == 0 (phase 0): 8 layers, first 3, freq 2 → 4, 6. */
static void deepseek_first_dense_layers_and_frequency_combine(void **state)
{
    (void)state;
    struct tmem_model m;
    init(&m, TMEM_FAMILY_DEEPSEEK_V2);
    m.d_model = 64, m.n_layer = 8, m.n_head = 4, m.d_ff = 128, m.n_vocab = 100;
    m.n_expert = 4, m.n_expert_used = 2, m.d_ff_expert = 32;
    m.kv_lora_rank = 16, m.qk_nope_dim = 8, m.qk_rope_dim = 8, m.v_head_dim = 8;
    m.moe_first_layer = 3;
    struct tmem_model r = m;
    assert_int_equal(tmem_model_resolve(&r, &r, NULL), TMEM_OK);
    assert_int_equal(tmem_model_moe_layers(&r), 5); /* 3..7 */
    m.moe_layer_step = 2;
    r = m;
    assert_int_equal(tmem_model_resolve(&r, &r, NULL), TMEM_OK);
    assert_int_equal(tmem_model_moe_layers(&r), 2); /* 4, 6 */
    m.n_dense_layers_listed = 2;
    m.dense_layers[0] = 2; /* below first_k_dense_replace: no effect */
    m.dense_layers[1] = 6;
    r = m;
    assert_int_equal(tmem_model_resolve(&r, &r, NULL), TMEM_OK);
    assert_int_equal(tmem_model_moe_layers(&r), 1); /* 4 */
    assert_int_equal(tmem_inventory_build(&r, &inv, NULL), TMEM_OK);
    check_sums(&inv);
    /* 7 dense layers of gate/up/down (64, 128) */
    assert_int_equal(inv.group_params[TMEM_GROUP_MLP], 7 * (2 * 64 * 128 + 128 * 64));
    /* 1 MoE layer × 4 experts of (64, 32) ×3 */
    assert_int_equal(inv.group_params[TMEM_GROUP_EXPERTS], 1 * 4 * (3 * 64 * 32));
}

static void a_dense_model_has_no_moe_layers(void **state)
{
    (void)state;
    struct tmem_model m;
    init(&m, TMEM_FAMILY_LLAMA);
    m.d_model = 64, m.n_layer = 4, m.n_head = 4, m.d_ff = 128, m.n_vocab = 100;
    build(&m, &inv);
    assert_int_equal(tmem_model_moe_layers(&m), 0);
    assert_int_equal(inv.active_params, inv.total_params);
    assert_int_equal(inv.group_params[TMEM_GROUP_ROUTER], 0);
    assert_int_equal(inv.group_params[TMEM_GROUP_EXPERTS], 0);
}

/* ------------------------------------------------------ tied / untied */

static void tying_llama_removes_exactly_one_vocab_matrix(void **state)
{
    (void)state;
    const uint64_t d = 4096, V = 32000;
    struct tmem_model m;
    init(&m, TMEM_FAMILY_LLAMA);
    m.d_model = d, m.n_layer = 32, m.n_head = 32, m.d_ff = 11008, m.n_vocab = V;
    struct tmem_model t = m;
    t.tied = true;
    build(&m, &inv);
    const uint64_t untied = inv.total_params, untied_active = inv.active_params;
    assert_int_equal(inv.group_params[TMEM_GROUP_LM_HEAD], V * d);
    build(&t, &inv);
    check_sums(&inv);
    assert_int_equal(inv.group_params[TMEM_GROUP_LM_HEAD], 0);
    assert_null(find_tensor(&inv, "lm_head"));
    assert_int_equal(untied - inv.total_params, V * d);
    assert_int_equal(untied_active - inv.active_params, V * d);
    assert_int_equal(inv.group_params[TMEM_GROUP_EMBEDDING], V * d); /* counted once */
}

/* ---------------------------------------------------------- errors */

static void small_llama(struct tmem_model *m)
{
    init(m, TMEM_FAMILY_LLAMA);
    m->d_model = 4096, m->n_layer = 32, m->n_head = 32, m->d_ff = 11008, m->n_vocab = 32000;
}

static void expect_resolve_error(const struct tmem_model *m, enum tmem_status want,
                                 const char *where)
{
    struct tmem_error err;
    memset(&err, 0, sizeof err);
    struct tmem_model out;
    memset(&out, 0x5a, sizeof out);
    struct tmem_model before;
    memcpy(&before, &out, sizeof before);
    enum tmem_status st = tmem_model_resolve(m, &out, &err);
    if (st != want)
        fail_msg("resolve gave %s, expected %s (%s: %s)", tmem_status_name(st),
                 tmem_status_name(want), err.where, err.msg);
    assert_int_equal(err.code, want);
    if (where != NULL)
        assert_string_equal(err.where, where);
    assert_true(err.msg[0] != '\0');
    assert_memory_equal(&out, &before, sizeof out); /* *out written only on TMEM_OK */
}

static void n_kv_head_not_dividing_n_head_is_inconsistent(void **state)
{
    (void)state;
    struct tmem_model m;
    small_llama(&m);
    m.n_kv_head = 6; /* 32 % 6 != 0 */
    expect_resolve_error(&m, TMEM_ERR_INCONSISTENT, "n_kv_head");
}

static void d_model_not_divisible_by_n_head_is_inconsistent(void **state)
{
    (void)state;
    struct tmem_model m;
    small_llama(&m);
    m.d_model = 4000, m.n_head = 3; /* no d_head given, 4000 % 3 != 0 */
    expect_resolve_error(&m, TMEM_ERR_INCONSISTENT, "n_head");
    m.d_head = 128; /* an explicit d_head needs no divisibility */
    assert_int_equal(tmem_model_resolve(&m, &m, NULL), TMEM_OK);
}

static void zero_layers_is_out_of_range(void **state)
{
    (void)state;
    struct tmem_model m;
    small_llama(&m);
    m.n_layer = 0;
    expect_resolve_error(&m, TMEM_ERR_LIMIT, "n_layer");
}

static void more_experts_per_token_than_experts_is_out_of_range(void **state)
{
    (void)state;
    struct tmem_model m;
    init(&m, TMEM_FAMILY_MIXTRAL);
    m.d_model = 4096, m.n_layer = 32, m.n_head = 32, m.n_kv_head = 8, m.d_ff = 14336;
    m.n_vocab = 32000, m.n_expert = 8, m.n_expert_used = 9;
    expect_resolve_error(&m, TMEM_ERR_LIMIT, "n_expert_used");
}

static void a_gated_family_without_d_ff_is_missing_a_key(void **state)
{
    (void)state;
    struct tmem_model m;
    small_llama(&m);
    m.d_ff = 0; /* llama has no d_ff multiple */
    expect_resolve_error(&m, TMEM_ERR_MISSING_KEY, "d_ff");
}

/* tmem.h, tmem_inventory_build: "on any error *inv is left empty (no
 * tensors, all sums 0), never half-filled". */
static void expect_empty(const struct tmem_inventory *i)
{
    int bad = differs("n_tensors", i->n_tensors, 0);
    for (int g = 0; g < TMEM_GROUP_COUNT; g++)
        bad |= differs(tmem_group_name((enum tmem_group)g), i->group_params[g], 0);
    bad |= differs("total_params", i->total_params, 0);
    bad |= differs("active_params", i->active_params, 0);
    if (bad)
        fail_msg("a failed build must leave the inventory empty");
}

static void overflow_model(struct tmem_model *m)
{
    init(m, TMEM_FAMILY_MIXTRAL);
    m->d_model = UINT64_C(1) << 20, m->n_layer = UINT64_C(1) << 16;
    m->n_head = UINT64_C(1) << 14, m->n_vocab = 32000;
    m->n_expert = UINT64_C(16384), m->n_expert_used = 2, m->d_ff_expert = UINT64_C(1) << 24;
}

static void an_overflowing_count_fails_and_leaves_the_inventory_empty(void **state)
{
    (void)state;
    struct tmem_model m;
    overflow_model(&m);
    /* every size is within its TMEM_MAX_*: resolve accepts it */
    assert_int_equal(tmem_model_resolve(&m, &m, NULL), TMEM_OK);
    /* experts: d (2^20) · d_ff_expert (2^24) · n_layer (2^16) · n_expert (2^14) = 2^74 */
    memset(&inv, 0xa5, sizeof inv);
    struct tmem_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(tmem_inventory_build(&m, &inv, &err), TMEM_ERR_OVERFLOW);
    assert_int_equal(err.code, TMEM_ERR_OVERFLOW);
    assert_true(err.where[0] != '\0');
    expect_empty(&inv); /* not half-filled with the tensors before the overflow */
    /* a good build after a failed one is complete and consistent */
    struct tmem_model ok;
    small_llama(&ok);
    build(&ok, &inv);
    check_sums(&inv);
}

static void building_an_unresolved_model_is_an_invalid_argument(void **state)
{
    (void)state;
    struct tmem_model m;
    small_llama(&m); /* n_kv_head, d_head, d_embed still 0 */
    struct tmem_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(tmem_inventory_build(&m, &inv, &err), TMEM_ERR_INVALID_ARG);
    assert_int_equal(err.code, TMEM_ERR_INVALID_ARG);
    assert_int_equal(tmem_inventory_build(NULL, &inv, NULL), TMEM_ERR_INVALID_ARG);
    assert_int_equal(tmem_model_resolve(&m, &m, NULL), TMEM_OK);
    assert_int_equal(tmem_inventory_build(&m, NULL, NULL), TMEM_ERR_INVALID_ARG);
    assert_int_equal(tmem_model_init(&m, TMEM_FAMILY_COUNT, NULL), TMEM_ERR_UNSUPPORTED);
}

/* The same documented contract on the INVALID_ARG path. */
static void an_unresolved_model_also_leaves_the_inventory_empty(void **state)
{
    (void)state;
    struct tmem_model m;
    small_llama(&m);
    memset(&inv, 0xa5, sizeof inv);
    assert_int_equal(tmem_inventory_build(&m, &inv, NULL), TMEM_ERR_INVALID_ARG);
    expect_empty(&inv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gpt2_small_matches_the_published_124m),
        cmocka_unit_test(gpt2_with_n_inner_uses_it_as_the_mlp_width),
        cmocka_unit_test(gpt_neox_pythia_410m_matches_its_model_card),
        cmocka_unit_test(opt_350m_projects_a_512_wide_embedding),
        cmocka_unit_test(bloom_560m_has_an_embedding_layernorm_and_no_positions),
        cmocka_unit_test(phi_2_has_one_layernorm_per_layer_and_an_lm_head_bias),
        cmocka_unit_test(phi_with_qk_layernorm_adds_two_head_wide_layernorms),
        cmocka_unit_test(falcon_7b_multi_query_has_one_norm_per_layer),
        cmocka_unit_test(falcon_40b_new_decoder_architecture_has_two_norms_and_gqa),
        cmocka_unit_test(llama_2_7b_matches_the_published_count),
        cmocka_unit_test(llama_3_8b_with_grouped_query_attention),
        cmocka_unit_test(llama_with_attention_and_mlp_bias_counts_every_bias),
        cmocka_unit_test(qwen2_0_5b_has_qkv_bias_but_no_o_bias),
        cmocka_unit_test(qwen3_8b_has_head_wide_q_and_k_norms),
        cmocka_unit_test(gemma_7b_has_a_head_dim_wider_than_hidden_over_heads),
        cmocka_unit_test(gemma2_2b_has_four_norms_per_layer),
        cmocka_unit_test(phi3_mini_fused_projections_count_like_llama),
        cmocka_unit_test(olmo_7b_norms_have_no_parameters),
        cmocka_unit_test(mixtral_8x7b_counts_all_experts_and_activates_two),
        cmocka_unit_test(qwen1_5_moe_a2_7b_has_a_gated_shared_expert),
        cmocka_unit_test(qwen3_30b_a3b_activates_8_of_128_experts),
        cmocka_unit_test(deepseek_v2_lite_uses_latent_attention_without_q_lora),
        cmocka_unit_test(deepseek_v3_has_q_lora_and_a_router_bias),
        cmocka_unit_test(qwen_sparse_step_2_makes_the_odd_layers_moe),
        cmocka_unit_test(a_listed_dense_layer_turns_only_a_moe_layer_dense),
        cmocka_unit_test(a_duplicated_listed_layer_counts_once),
        cmocka_unit_test(a_listed_layer_out_of_range_is_refused),
        cmocka_unit_test(deepseek_first_dense_layers_and_frequency_combine),
        cmocka_unit_test(a_dense_model_has_no_moe_layers),
        cmocka_unit_test(tying_llama_removes_exactly_one_vocab_matrix),
        cmocka_unit_test(n_kv_head_not_dividing_n_head_is_inconsistent),
        cmocka_unit_test(d_model_not_divisible_by_n_head_is_inconsistent),
        cmocka_unit_test(zero_layers_is_out_of_range),
        cmocka_unit_test(more_experts_per_token_than_experts_is_out_of_range),
        cmocka_unit_test(a_gated_family_without_d_ff_is_missing_a_key),
        cmocka_unit_test(an_overflowing_count_fails_and_leaves_the_inventory_empty),
        cmocka_unit_test(building_an_unresolved_model_is_an_invalid_argument),
        cmocka_unit_test(an_unresolved_model_also_leaves_the_inventory_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
