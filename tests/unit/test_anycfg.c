/* test_anycfg.c — any config a user has (issue 10): a config without
 * model_type whose `architectures` names the class, a model_type no
 * descriptor names (counted best-effort from the standard HF keys, with a
 * note), --family forcing a layout, kinds tmem does not count, and
 * suggestions only when close. Every count is a hand calculation written
 * here, beside the published figure where one exists. */
#include "harness.h"

#include "reader.h"
#include "tmem/read.h"

static enum tmem_status parse_opts(const char *text, const struct tmem_load_opts *o,
                                   struct tmem_model *m, struct tmem_inventory *inv,
                                   struct tmem_error *err)
{
    struct tmem_model raw;
    enum tmem_status st = tmem_hf_config_parse_opts(text, strlen(text), "cfg.json", o, NULL, &raw, err);
    if (st == TMEM_OK)
        st = tmem_model_resolve(&raw, m, err);
    if (st == TMEM_OK)
        st = tmem_inventory_build(m, inv, err);
    return st;
}

static uint64_t count(const char *text, const struct tmem_load_opts *o, struct tmem_model *m)
{
    static struct tmem_inventory inv;
    struct tmem_error err = {0};
    if (parse_opts(text, o, m, &inv, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
    return inv.total_params;
}

/* openai-community/gpt2 config.json as its first revisions shipped it:
 * no model_type, the class in architectures */
static const char gpt2_old[] =
    "{\"activation_function\": \"gelu_new\", \"architectures\": [\"GPT2LMHeadModel\"], "
    "\"attn_pdrop\": 0.1, \"bos_token_id\": 50256, \"embd_pdrop\": 0.1, \"eos_token_id\": 50256, "
    "\"initializer_range\": 0.02, \"layer_norm_epsilon\": 1e-05, \"n_ctx\": 1024, \"n_embd\": 768, "
    "\"n_head\": 12, \"n_layer\": 12, \"n_positions\": 1024, \"resid_pdrop\": 0.1, "
    "\"summary_activation\": null, \"summary_first_dropout\": 0.1, \"summary_proj_to_labels\": true, "
    "\"summary_type\": \"cls_index\", \"summary_use_proj\": true, \"vocab_size\": 50257}";

/* EVIDENCE: GPT-2 small has 124,439,808 parameters (HF safetensors
 * metadata of openai-community/gpt2). By hand, d 768, L 12, V 50257, n_pos 1024:
 *   wte 50257 · 768 = 38,597,376; wpe 1024 · 768 = 786,432
 *   per layer: c_attn 768 · 2304 + 2304 = 1,771,776; attn c_proj 768 · 768 + 768 = 590,592;
 *   c_fc 768 · 3072 + 3072 = 2,362,368; mlp c_proj 3072 · 768 + 768 = 2,360,064;
 *   ln_1, ln_2 2 · 2 · 768 = 3,072 → 7,087,872; × 12 = 85,054,464
 *   ln_f 2 · 768 = 1,536; total 124,439,808 (tied) */
static void gpt2_without_model_type_is_read_from_architectures(void **state)
{
    (void)state;
    struct tmem_model m;
    char notes[512];
    struct tmem_load_opts o = {.notes = notes, .notes_cap = sizeof notes};
    assert_int_equal(count(gpt2_old, &o, &m), U64(124439808));
    assert_string_equal(tmem_family_info(m.family)->name, "gpt2");
    assert_string_equal(notes, ""); /* as transformers does it: nothing assumed */
    /* its dropouts come from the gpt2 descriptor's keys */
    assert_true(m.dropout[TMEM_DROPOUT_ATTN] == 0.1);
}

/* transformers' auto-model mappings pair a model_type with classes named
 * <stem><head>; every descriptor names its stem */
static void architectures_map_as_transformers_does(void **state)
{
    (void)state;
    static const char *const pairs[][2] = {
        {"LlamaForCausalLM", "llama"},       {"MistralForCausalLM", "mistral"},
        {"Qwen2ForCausalLM", "qwen2"},       {"GPT2LMHeadModel", "gpt2"},
        {"GPT2DoubleHeadsModel", "gpt2"},    {"GPTNeoXForCausalLM", "gpt_neox"},
        {"OPTForCausalLM", "opt"},           {"BloomForCausalLM", "bloom"},
        {"FalconForCausalLM", "falcon"},     {"RWForCausalLM", "falcon"},
        {"PhiForCausalLM", "phi"},           {"Phi3ForCausalLM", "phi3"},
        {"GemmaForCausalLM", "gemma"},       {"Gemma2ForCausalLM", "gemma2"},
        {"Qwen3ForCausalLM", "qwen3"},       {"Qwen2MoeForCausalLM", "qwen2_moe"},
        {"Qwen3MoeForCausalLM", "qwen3_moe"}, {"MixtralForCausalLM", "mixtral"},
        {"OlmoForCausalLM", "olmo"},         {"DeepseekV2ForCausalLM", "deepseek_v2"},
        {"DeepseekV3ForCausalLM", "deepseek_v3"}, {"Starcoder2ForCausalLM", "starcoder2"},
        {"Olmo2ForCausalLM", "olmo2"},       {"CohereForCausalLM", "cohere"},
        {"Gemma3ForCausalLM", "gemma3_text"}, {"GptOssForCausalLM", "gpt_oss"},
        {"PhimoeForCausalLM", "phimoe"},
        {"LlamaModel", "llama"},             {"LlamaForSequenceClassification", "llama"},
        {"BertForMaskedLM", "bert"},         {"XLMRobertaForSequenceClassification", "xlm-roberta"},
        {"RobertaModel", "roberta"},         {"DebertaV2ForMaskedLM", "deberta-v2"},
        {"ModernBertForMaskedLM", "modernbert"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        enum tmem_family f = tmem_family_from_class(pairs[i][0]);
        if (f == TMEM_FAMILY_COUNT)
            fail_msg("%s maps to nothing", pairs[i][0]);
        assert_string_equal(tmem_family_info(f)->name, pairs[i][1]);
    }
    static const char *const none[] = {"AlbertForMaskedLM", "ForCausalLM", "Llama", "LlamaForCausalLMX",
                                       "llamaForCausalLM", "CohereForCausalLMX", ""};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
        assert_int_equal(tmem_family_from_class(none[i]), TMEM_FAMILY_COUNT);
    assert_int_equal(tmem_family_from_class(NULL), TMEM_FAMILY_COUNT);
    /* every family names a stem, and its own <stem>ForCausalLM comes back to it */
    for (int f = 0; f < TMEM_FAMILY_COUNT; f++) {
        const char *stems = tmem_family_info((enum tmem_family)f)->hf_class;
        assert_non_null(stems);
        char cls[96];
        size_t len = strcspn(stems, "|");
        snprintf(cls, sizeof cls, "%.*sForCausalLM", (int)len, stems);
        assert_int_equal(tmem_family_from_class(cls), f);
    }
}

/* ibm-granite/granite-3.0-2b-base config.json (model_type granite: no
 * descriptor names it). GraniteForCausalLM is the Llama layout with
 * scalar multipliers (modeling_granite.py), so the best effort is exact.
 * EVIDENCE: the model card's table gives "Number of Parameters 2.5B". By
 * hand, d 2048, L 40, a 32, n_kv 8, d_head 64, d_ff 8192, V 49155, tied:
 *   embed_tokens 49155 · 2048                 =   100,669,440
 *   q, o 2 · 2048 · 2048 = 8,388,608; k, v 2 · 2048 · 512 = 2,097,152
 *   gate, up, down 3 · 2048 · 8192            =    50,331,648
 *   2 RMSNorms 2 · 2048 = 4,096; per layer     =    60,821,504
 *   40 layers                                 = 2,432,860,160
 *   final norm 2,048; total                   = 2,533,531,648 */
static const char granite_2b[] =
    "{\"architectures\": [\"GraniteForCausalLM\"], \"attention_bias\": false, "
    "\"attention_dropout\": 0.1, \"attention_multiplier\": 0.015625, \"bos_token_id\": 0, "
    "\"embedding_multiplier\": 12.0, \"eos_token_id\": 0, \"hidden_act\": \"silu\", "
    "\"hidden_size\": 2048, \"initializer_range\": 0.02, \"intermediate_size\": 8192, "
    "\"logits_scaling\": 8.0, \"max_position_embeddings\": 4096, \"mlp_bias\": false, "
    "\"model_type\": \"granite\", \"num_attention_heads\": 32, \"num_hidden_layers\": 40, "
    "\"num_key_value_heads\": 8, \"pad_token_id\": 0, \"residual_multiplier\": 0.22, "
    "\"rms_norm_eps\": 1e-05, \"rope_scaling\": null, \"rope_theta\": 10000.0, "
    "\"tie_word_embeddings\": true, \"torch_dtype\": \"bfloat16\", "
    "\"transformers_version\": \"4.46.0.dev0\", \"use_cache\": true, \"vocab_size\": 49155}";

static void granite_is_counted_best_effort_with_a_note(void **state)
{
    (void)state;
    struct tmem_model m;
    char notes[1024];
    struct tmem_load_opts o = {.notes = notes, .notes_cap = sizeof notes};
    uint64_t n = count(granite_2b, &o, &m);
    assert_int_equal(n, U64(100669440) + 40 * (U64(8388608) + U64(2097152) + U64(50331648) + 4096) + 2048);
    assert_int_equal(n, U64(2533531648));
    /* the card's 2.5B, rounded: within 1.4 % */
    assert_true(tmem_relative_error(U64(2500000000), n) > -0.014);
    assert_int_equal(m.norm, TMEM_NORM_RMSNORM);
    assert_int_equal(m.mlp, TMEM_MLP_GATED);
    assert_true(m.tied);
    assert_non_null(strstr(notes, "unknown model_type 'granite': counted as a llama-style decoder "
                                  "(RMSNorm from rms_norm_eps, gated MLP from hidden_act 'silu', no biases"));
    assert_non_null(strstr(notes, "may be off"));
    assert_non_null(strstr(notes, "pass --family NAME to choose the layout"));
}

/* stabilityai/stablelm-2-1_6b config.json (model_type stablelm). Its real
 * layout (modeling_stablelm.py): LayerNorm with bias, SwiGLU, q/k/v biases
 * (use_qkv_bias, a key the best effort does not read), untied.
 * EVIDENCE: the model card's table gives 1,644,417,024 parameters. By hand,
 * d 2048, L 24, a 32 = n_kv, d_ff 5632, V 100352:
 *   embed_tokens, lm_head 2 · 100352 · 2048    =   411,041,792
 *   q, k, v, o 4 · 2048 · 2048 = 16,777,216; gate, up, down 3 · 2048 · 5632 = 34,603,008
 *   2 LayerNorms 2 · 2 · 2048 = 8,192; per layer (without q/k/v biases) 51,388,416
 *   24 layers 1,233,321,984; final LayerNorm 4,096
 *   best effort (no q/k/v biases)              = 1,644,367,872
 *   the real layout adds 24 · 3 · 2048 = 147,456 = 1,644,515,328
 * The best effort is 49,152 (0.003 %) under the card's figure, 147,456
 * under the real layout's count (the card's figure is 98,304 = 48 · 2048
 * under that, as if its LayerNorms had no bias). */
static const char stablelm_2_1_6b[] =
    "{\"architectures\": [\"StableLmForCausalLM\"], \"bos_token_id\": 100257, "
    "\"eos_token_id\": 100257, \"hidden_act\": \"silu\", \"hidden_dropout\": 0.0, "
    "\"hidden_size\": 2048, \"initializer_range\": 0.02, \"intermediate_size\": 5632, "
    "\"layer_norm_eps\": 1e-05, \"max_position_embeddings\": 4096, \"model_type\": \"stablelm\", "
    "\"num_attention_heads\": 32, \"num_hidden_layers\": 24, \"num_key_value_heads\": 32, "
    "\"partial_rotary_factor\": 0.25, \"qk_layernorm\": false, \"rope_scaling\": null, "
    "\"rope_theta\": 10000, \"tie_word_embeddings\": false, \"torch_dtype\": \"bfloat16\", "
    "\"transformers_version\": \"4.38.0\", \"use_cache\": true, \"use_parallel_residual\": false, "
    "\"use_qkv_bias\": true, \"vocab_size\": 100352}";

static void stablelm_best_effort_and_its_error(void **state)
{
    (void)state;
    struct tmem_model m;
    char notes[1024];
    struct tmem_load_opts o = {.notes = notes, .notes_cap = sizeof notes};
    uint64_t n = count(stablelm_2_1_6b, &o, &m);
    uint64_t layer = 4 * U64(2048) * 2048 + 3 * U64(2048) * 5632 + 2 * 2 * 2048;
    assert_int_equal(n, 2 * U64(100352) * 2048 + 24 * layer + 2 * 2048);
    assert_int_equal(n, U64(1644367872));
    assert_int_equal(U64(1644417024) - n, U64(49152));           /* the card */
    assert_int_equal(U64(1644515328) - n, U64(24) * 3 * 2048);   /* the real layout */
    assert_int_equal(m.norm, TMEM_NORM_LAYERNORM);
    assert_false(m.tied);
    assert_non_null(strstr(notes, "unknown model_type 'stablelm': counted as a llama-style decoder "
                                  "(LayerNorm with bias from layer_norm_eps, gated MLP from hidden_act 'silu'"));

    /* --family llama forces Llama's layout: RMSNorm (one weight per norm),
     * no biases: 1,644,515,328 − 147,456 − (2 · 24 + 1) · 2048 */
    o.family = "llama";
    assert_int_equal(count(stablelm_2_1_6b, &o, &m), U64(1644515328) - 147456 - 49 * 2048);
    assert_non_null(strstr(notes, "--family llama: counted with llama's layout and keys, not by the "
                                  "config's model_type 'stablelm'"));
    /* forcing a config's own family changes nothing, and says nothing */
    o.family = "gpt2";
    assert_int_equal(count(gpt2_old, &o, &m), U64(124439808));
    assert_string_equal(notes, "--family gpt2: counted with gpt2's layout and keys");
}

/* ibm-granite/granite-3.0-1b-a400m-base (model_type granitemoe): a
 * mixture of experts the best effort counts from num_local_experts; its
 * experts (input_linear d → 2·d_ff, output_linear) and router (d → 32, no
 * bias) are the Mixtral layout's counts. EVIDENCE: the model card gives
 * 1.3B parameters, 400M active. By hand, d 1024, L 24, a 16, n_kv 8,
 * d_head 64, d_ff_expert 512, 32 experts, top 8, V 49155, tied:
 *   embed_tokens 49155 · 1024 = 50,334,720
 *   attention 2 · 1024² + 2 · 1024 · 512 = 3,145,728; router 1024 · 32 = 32,768
 *   one expert 3 · 1024 · 512 = 1,572,864; 32 of them 50,331,648; 2 norms 2,048
 *   per layer 53,512,192; 24 layers 1,284,292,608; final norm 1,024
 *   total 1,334,628,352; active: 8 experts → 15,763,456 per layer,
 *   24 · 15,763,456 + 50,334,720 + 1,024 = 428,658,688 */
static void granitemoe_best_effort_counts_experts(void **state)
{
    (void)state;
    static const char cfg[] =
        "{\"architectures\": [\"GraniteMoeForCausalLM\"], \"attention_bias\": false, "
        "\"hidden_act\": \"silu\", \"hidden_size\": 1024, \"intermediate_size\": 512, "
        "\"model_type\": \"granitemoe\", \"num_attention_heads\": 16, \"num_experts_per_tok\": 8, "
        "\"num_hidden_layers\": 24, \"num_key_value_heads\": 8, \"num_local_experts\": 32, "
        "\"rms_norm_eps\": 1e-06, \"tie_word_embeddings\": true, \"vocab_size\": 49155}";
    struct tmem_model m;
    static struct tmem_inventory inv;
    char notes[1024];
    struct tmem_load_opts o = {.notes = notes, .notes_cap = sizeof notes};
    struct tmem_error err = {0};
    assert_int_equal(parse_opts(cfg, &o, &m, &inv, &err), TMEM_OK);
    assert_int_equal(inv.total_params, U64(1334628352));
    assert_int_equal(inv.active_params, U64(428658688));
    assert_non_null(strstr(notes, "counted as a mixtral-style decoder"));
    assert_non_null(strstr(notes, "routed experts from num_local_experts"));
}

static void expect_refusal(const char *text, enum tmem_status code, const char *where,
                           const char *needle)
{
    struct tmem_model m;
    static struct tmem_inventory inv;
    struct tmem_error err = {0};
    assert_int_equal(parse_opts(text, NULL, &m, &inv, &err), code);
    assert_string_equal(err.where, where);
    if (strstr(err.msg, needle) == NULL)
        fail_msg("'%s' lacks '%s'", err.msg, needle);
}

static void kinds_tmem_does_not_count_are_named(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"{\"model_type\": \"albert\", \"hidden_size\": 768}", "'albert' is an encoder model"},
        {"{\"model_type\": \"marian\"}", "'marian' is an encoder-decoder model"},
        {"{\"model_type\": \"whisper\"}", "'whisper' is an encoder-decoder model"},
        {"{\"model_type\": \"zamba2\"}", "'zamba2' is a hybrid or recurrent model"},
        {"{\"model_type\": \"paligemma\"}", "'paligemma' is a vision or multimodal model"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_refusal(cases[i][0], TMEM_ERR_UNSUPPORTED, "cfg.json:model_type", cases[i][1]);
    expect_refusal("{\"model_type\": \"electra\"}", TMEM_ERR_UNSUPPORTED, "cfg.json:model_type",
                   "other encoders, encoder-decoder, hybrid attention/state-space, recurrent and "
                   "vision models are not supported yet");
    /* nothing names the family: refused, and the message says what would */
    expect_refusal("{\"hidden_size\": 64}", TMEM_ERR_MISSING_KEY, "cfg.json:model_type",
                   "model_type, or architectures, picks the family");
    /* an unknown type without the sizes a best effort needs */
    expect_refusal("{\"model_type\": \"exaone\", \"num_layers\": 30}", TMEM_ERR_UNSUPPORTED,
                   "cfg.json:model_type",
                   "unknown model_type 'exaone' (closest known: none); a best-effort count needs "
                   "hidden_size, missing here");
}

static void suggestions_only_when_close(void **state)
{
    (void)state;
    const char *names[TMEM_FAMILY_COUNT];
    for (int i = 0; i < TMEM_FAMILY_COUNT; i++)
        names[i] = tmem_family_info((enum tmem_family)i)->name;
    char buf[128];
    /* xlnet is 3+ edits from every family name: noise, not a suggestion */
    assert_int_equal(tmem__close_names("xlnet", names, TMEM_FAMILY_COUNT, 3, buf, sizeof buf), 0);
    assert_string_equal(buf, "");
    assert_int_equal(tmem__close_names("lama", names, TMEM_FAMILY_COUNT, 3, buf, sizeof buf), 1);
    assert_string_equal(buf, "llama");
    /* mistral 1 edit, mixtral 2 (of 7): both close, the closer first */
    assert_int_equal(tmem__close_names("mistrel", names, TMEM_FAMILY_COUNT, 3, buf, sizeof buf), 2);
    assert_string_equal(buf, "mistral, mixtral");
    /* qwen2.5 → qwen2 (2 edits of 7); qwen3 is 3 away */
    assert_int_equal(tmem__close_names("qwen2.5", names, TMEM_FAMILY_COUNT, 3, buf, sizeof buf), 1);
    assert_string_equal(buf, "qwen2");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gpt2_without_model_type_is_read_from_architectures),
        cmocka_unit_test(architectures_map_as_transformers_does),
        cmocka_unit_test(granite_is_counted_best_effort_with_a_note),
        cmocka_unit_test(stablelm_best_effort_and_its_error),
        cmocka_unit_test(granitemoe_best_effort_counts_experts),
        cmocka_unit_test(kinds_tmem_does_not_count_are_named),
        cmocka_unit_test(suggestions_only_when_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
