/* gen_fuzz_corpus.c — writes the generated seeds of the checkpoint fuzz
 * targets (make fuzz-corpus): for every family tmem knows, a tiny
 * safetensors file with the names HF transformers saves and a GGUF with
 * llama.cpp's architecture keys and names, plus model folders for
 * fuzz_folder (config + weights, an index and its shards, bare shards, a
 * GGUF, and broken ones: a missing shard, a folder where a file belongs, a
 * link). Sizes are tiny (d_model 16, one or two layers) so that each file,
 * tensor data included (the targets check the layout against the bytes),
 * stays a few KB; the corpora's layouts come from tests/unit/ckpt_writer.h.
 *
 * Usage: gen_fuzz_corpus CORPUS_DIR   (writes CORPUS_DIR/{safetensors,gguf,folder}/gen_*) */
#define _XOPEN_SOURCE 700
#include "ckpt_writer.h"

static char out_dir[512];

/* ------------------------------------------------------------ sizes */

static const struct ckw_model dense = {.family = "llama", .V = 32, .d = 16, .L = 1, .n_head = 2,
                                       .n_kv = 1, .f = 32, .n_ctx = 16};
static const struct ckw_model moe = {.family = "mixtral", .V = 32, .d = 16, .L = 2, .n_head = 2,
                                     .n_kv = 1, .f = 32, .n_ctx = 16, .E = 4, .E_used = 2,
                                     .f_e = 16, .sparse_moe = true};
static const struct ckw_model qwen_moe = {.family = "qwen2_moe", .V = 32, .d = 16, .L = 2,
                                          .n_head = 2, .n_kv = 1, .f = 32, .n_ctx = 16, .E = 4,
                                          .E_used = 2, .f_e = 16, .f_sh = 16,
                                          .shared_gate = true, .qkv_bias = true};
static const struct ckw_model deepseek = {.family = "deepseek_v3", .V = 32, .d = 16, .L = 2,
                                          .n_head = 2, .n_kv = 2, .f = 32, .n_ctx = 16, .E = 4,
                                          .E_used = 2, .f_e = 16, .f_sh = 16, .first_dense = 1,
                                          .router_bias = true, .q_lora = 16, .kv_lora = 16,
                                          .nope = 8, .rope = 8, .v_head = 8};

/* ------------------------------------------------------------ safetensors */

static void st_file(struct ckw_st *st, const char *name)
{
    char p[700];
    snprintf(p, sizeof p, "%s/safetensors/gen_%s.safetensors", out_dir, name);
    ckw_st_write(st, p);
}

/* the layouts ckpt_writer.h knows: Llama-style names and GPT-2's */
static void st_llama_like(const char *file, const struct ckw_model *m, const char *dtype,
                          bool inv_freq)
{
    struct ckw_st st;
    ckw_st_begin(&st);
    ckw_hf_llama(m, dtype, inv_freq, ckw_st_sink, &st);
    st_file(&st, file);
}

static void st_gpt2(void)
{
    struct ckw_model m = dense;
    m.tied = true;
    struct ckw_st st;
    ckw_st_begin(&st);
    ckw_hf_gpt2(&m, "F32", true, ckw_st_sink, &st);
    st_file(&st, "gpt2");
}

/* The families ckpt_writer.h has no layout for: one layer of the names HF
 * transformers saves (modeling_<family>.py's modules), PyTorch (out, in)
 * shapes; cols 0: a vector. d_model 16, d_ff 64 (32 gated), n_vocab 32,
 * n_ctx 16, d_head 8. */
struct st_row {
    const char *name;
    uint64_t rows, cols;
};

#define D 16
#define V 32
static const struct st_row gpt_neox_rows[] = {
    {"gpt_neox.embed_in.weight", V, D},
    {"gpt_neox.layers.0.input_layernorm.weight", D, 0},
    {"gpt_neox.layers.0.input_layernorm.bias", D, 0},
    {"gpt_neox.layers.0.post_attention_layernorm.weight", D, 0},
    {"gpt_neox.layers.0.post_attention_layernorm.bias", D, 0},
    {"gpt_neox.layers.0.attention.bias", 16, 16}, /* the causal-mask buffer */
    {"gpt_neox.layers.0.attention.rotary_emb.inv_freq", 4, 0},
    {"gpt_neox.layers.0.attention.query_key_value.weight", 3 * D, D},
    {"gpt_neox.layers.0.attention.query_key_value.bias", 3 * D, 0},
    {"gpt_neox.layers.0.attention.dense.weight", D, D},
    {"gpt_neox.layers.0.attention.dense.bias", D, 0},
    {"gpt_neox.layers.0.mlp.dense_h_to_4h.weight", 4 * D, D},
    {"gpt_neox.layers.0.mlp.dense_h_to_4h.bias", 4 * D, 0},
    {"gpt_neox.layers.0.mlp.dense_4h_to_h.weight", D, 4 * D},
    {"gpt_neox.layers.0.mlp.dense_4h_to_h.bias", D, 0},
    {"gpt_neox.final_layer_norm.weight", D, 0},
    {"gpt_neox.final_layer_norm.bias", D, 0},
    {"embed_out.weight", V, D},
};
static const struct st_row opt_rows[] = {
    {"model.decoder.embed_tokens.weight", V, D},
    {"model.decoder.embed_positions.weight", 16 + 2, D},
    {"model.decoder.layers.0.self_attn.k_proj.weight", D, D},
    {"model.decoder.layers.0.self_attn.k_proj.bias", D, 0},
    {"model.decoder.layers.0.self_attn.v_proj.weight", D, D},
    {"model.decoder.layers.0.self_attn.v_proj.bias", D, 0},
    {"model.decoder.layers.0.self_attn.q_proj.weight", D, D},
    {"model.decoder.layers.0.self_attn.q_proj.bias", D, 0},
    {"model.decoder.layers.0.self_attn.out_proj.weight", D, D},
    {"model.decoder.layers.0.self_attn.out_proj.bias", D, 0},
    {"model.decoder.layers.0.self_attn_layer_norm.weight", D, 0},
    {"model.decoder.layers.0.self_attn_layer_norm.bias", D, 0},
    {"model.decoder.layers.0.fc1.weight", 4 * D, D},
    {"model.decoder.layers.0.fc1.bias", 4 * D, 0},
    {"model.decoder.layers.0.fc2.weight", D, 4 * D},
    {"model.decoder.layers.0.fc2.bias", D, 0},
    {"model.decoder.layers.0.final_layer_norm.weight", D, 0},
    {"model.decoder.layers.0.final_layer_norm.bias", D, 0},
    {"model.decoder.final_layer_norm.weight", D, 0},
    {"model.decoder.final_layer_norm.bias", D, 0},
};
static const struct st_row bloom_rows[] = {
    {"transformer.word_embeddings.weight", V, D},
    {"transformer.word_embeddings_layernorm.weight", D, 0},
    {"transformer.word_embeddings_layernorm.bias", D, 0},
    {"transformer.h.0.input_layernorm.weight", D, 0},
    {"transformer.h.0.input_layernorm.bias", D, 0},
    {"transformer.h.0.self_attention.query_key_value.weight", 3 * D, D},
    {"transformer.h.0.self_attention.query_key_value.bias", 3 * D, 0},
    {"transformer.h.0.self_attention.dense.weight", D, D},
    {"transformer.h.0.self_attention.dense.bias", D, 0},
    {"transformer.h.0.post_attention_layernorm.weight", D, 0},
    {"transformer.h.0.post_attention_layernorm.bias", D, 0},
    {"transformer.h.0.mlp.dense_h_to_4h.weight", 4 * D, D},
    {"transformer.h.0.mlp.dense_h_to_4h.bias", 4 * D, 0},
    {"transformer.h.0.mlp.dense_4h_to_h.weight", D, 4 * D},
    {"transformer.h.0.mlp.dense_4h_to_h.bias", D, 0},
    {"transformer.ln_f.weight", D, 0},
    {"transformer.ln_f.bias", D, 0},
};
static const struct st_row phi_rows[] = {
    {"model.embed_tokens.weight", V, D},
    {"model.layers.0.self_attn.q_proj.weight", D, D},
    {"model.layers.0.self_attn.q_proj.bias", D, 0},
    {"model.layers.0.self_attn.k_proj.weight", D, D},
    {"model.layers.0.self_attn.k_proj.bias", D, 0},
    {"model.layers.0.self_attn.v_proj.weight", D, D},
    {"model.layers.0.self_attn.v_proj.bias", D, 0},
    {"model.layers.0.self_attn.dense.weight", D, D},
    {"model.layers.0.self_attn.dense.bias", D, 0},
    {"model.layers.0.input_layernorm.weight", D, 0},
    {"model.layers.0.input_layernorm.bias", D, 0},
    {"model.layers.0.mlp.fc1.weight", 4 * D, D},
    {"model.layers.0.mlp.fc1.bias", 4 * D, 0},
    {"model.layers.0.mlp.fc2.weight", D, 4 * D},
    {"model.layers.0.mlp.fc2.bias", D, 0},
    {"model.final_layernorm.weight", D, 0},
    {"model.final_layernorm.bias", D, 0},
    {"lm_head.weight", V, D},
    {"lm_head.bias", V, 0},
};
/* new-architecture Falcon: n_head 2, n_kv_head 1, one fused query_key_value */
static const struct st_row falcon_rows[] = {
    {"transformer.word_embeddings.weight", V, D},
    {"transformer.h.0.input_layernorm.weight", D, 0},
    {"transformer.h.0.input_layernorm.bias", D, 0},
    {"transformer.h.0.self_attention.query_key_value.weight", (2 + 2 * 1) * 8, D},
    {"transformer.h.0.self_attention.dense.weight", D, D},
    {"transformer.h.0.mlp.dense_h_to_4h.weight", 4 * D, D},
    {"transformer.h.0.mlp.dense_4h_to_h.weight", D, 4 * D},
    {"transformer.ln_f.weight", D, 0},
    {"transformer.ln_f.bias", D, 0},
    {"lm_head.weight", V, D},
};
/* Gemma 2: four norms per layer, tied embeddings */
static const struct st_row gemma2_rows[] = {
    {"model.embed_tokens.weight", V, D},
    {"model.layers.0.self_attn.q_proj.weight", 16, D},
    {"model.layers.0.self_attn.k_proj.weight", 8, D},
    {"model.layers.0.self_attn.v_proj.weight", 8, D},
    {"model.layers.0.self_attn.o_proj.weight", D, 16},
    {"model.layers.0.mlp.gate_proj.weight", 32, D},
    {"model.layers.0.mlp.up_proj.weight", 32, D},
    {"model.layers.0.mlp.down_proj.weight", D, 32},
    {"model.layers.0.input_layernorm.weight", D, 0},
    {"model.layers.0.post_attention_layernorm.weight", D, 0},
    {"model.layers.0.pre_feedforward_layernorm.weight", D, 0},
    {"model.layers.0.post_feedforward_layernorm.weight", D, 0},
    {"model.norm.weight", D, 0},
};
/* Phi-3: fused qkv_proj and gate_up_proj */
static const struct st_row phi3_rows[] = {
    {"model.embed_tokens.weight", V, D},
    {"model.layers.0.self_attn.qkv_proj.weight", 32, D},
    {"model.layers.0.self_attn.o_proj.weight", D, D},
    {"model.layers.0.mlp.gate_up_proj.weight", 64, D},
    {"model.layers.0.mlp.down_proj.weight", D, 32},
    {"model.layers.0.input_layernorm.weight", D, 0},
    {"model.layers.0.post_attention_layernorm.weight", D, 0},
    {"model.norm.weight", D, 0},
    {"lm_head.weight", V, D},
};
/* OLMo's layer norms have no parameters: no norm tensors at all */
static const struct st_row olmo_rows[] = {
    {"model.embed_tokens.weight", V, D},
    {"model.layers.0.self_attn.q_proj.weight", D, D},
    {"model.layers.0.self_attn.k_proj.weight", D, D},
    {"model.layers.0.self_attn.v_proj.weight", D, D},
    {"model.layers.0.self_attn.o_proj.weight", D, D},
    {"model.layers.0.mlp.gate_proj.weight", 32, D},
    {"model.layers.0.mlp.up_proj.weight", 32, D},
    {"model.layers.0.mlp.down_proj.weight", D, 32},
    {"lm_head.weight", V, D},
};
#undef D
#undef V

static void st_rows(const char *file, const char *dtype, const struct st_row *rows, size_t n)
{
    struct ckw_st st;
    ckw_st_begin(&st);
    for (size_t i = 0; i < n; i++)
        ckw_st_add2(&st, rows[i].name, dtype, rows[i].rows, rows[i].cols);
    st_file(&st, file);
}

#define ST_ROWS(file, dtype, rows) st_rows(file, dtype, rows, sizeof rows / sizeof rows[0])

/* DeepSeek-V3's own release: F8_E4M3 matrices with their F32
 * weight_scale_inv blocks, and a __metadata__ of several pairs */
static void st_fp8_scales(void)
{
    const uint64_t d = 16, f = 32, V = 32;
    struct ckw_st s;
    memset(&s, 0, sizeof s);
    ckw_text(&s.json, "{\"__metadata__\":{\"format\":\"pt\",\"quant_method\":\"fp8\",\"note\":\"\\u00e9\\n\"}");
    ckw_st_add2(&s, "model.embed_tokens.weight", "BF16", V, d);
    ckw_st_add2(&s, "model.layers.0.mlp.gate_proj.weight", "F8_E4M3", f, d);
    ckw_st_add2(&s, "model.layers.0.mlp.gate_proj.weight_scale_inv", "F32", 1, 1);
    ckw_st_add2(&s, "model.layers.0.mlp.down_proj.weight", "F8_E5M2", d, f);
    ckw_st_add2(&s, "model.layers.0.mlp.down_proj.weight_scale_inv", "F32", 1, 1);
    ckw_st_add2(&s, "model.layers.0.self_attn.q_proj.qzeros", "I32", 2, 0);
    ckw_st_add2(&s, "model.layers.0.self_attn.q_proj.g_idx", "I64", 2, 0);
    ckw_st_add2(&s, "model.layers.0.self_attn.q_proj.scales", "F16", 2, 0);
    ckw_st_add2(&s, "vision_tower.patch_embed.weight", "U8", 4, 0);
    ckw_st_add2(&s, "model.norm.weight", "F64", d, 0);
    uint64_t none[1] = {0};
    ckw_st_add(&s, "scalar", "I8", 0, none);
    ckw_st_add2(&s, "empty", "U16", 0, 0);
    ckw_st_add2(&s, "flags", "BOOL", 3, 0);
    ckw_st_add2(&s, "ints", "U32", 1, 0);
    ckw_st_add2(&s, "more", "U64", 1, 0);
    ckw_st_add2(&s, "shorts", "I16", 1, 0);
    st_file(&s, "dtypes_fp8");
}

static void safetensors_seeds(void)
{
    struct ckw_model m = dense;
    st_llama_like("llama", &m, "BF16", true);
    m.family = "mistral";
    st_llama_like("mistral", &m, "F16", false);
    m.qkv_bias = true;
    st_llama_like("qwen2", &m, "BF16", false);
    m.qkv_bias = false;
    m.qk_norm = true;
    st_llama_like("qwen3", &m, "BF16", false);
    m.qk_norm = false;
    m.tied = true;
    st_llama_like("gemma", &m, "F32", false);
    st_llama_like("mixtral", &moe, "BF16", false);
    st_llama_like("qwen2_moe", &qwen_moe, "BF16", false);
    struct ckw_model q3 = qwen_moe;
    q3.f_sh = 0;
    q3.shared_gate = false;
    q3.qkv_bias = false;
    q3.qk_norm = true;
    st_llama_like("qwen3_moe", &q3, "BF16", false);
    st_llama_like("deepseek_v3", &deepseek, "BF16", false);
    struct ckw_model v2 = deepseek;
    v2.router_bias = false;
    v2.q_lora = 0;
    st_llama_like("deepseek_v2", &v2, "BF16", false);
    st_gpt2();
    ST_ROWS("gpt_neox", "F16", gpt_neox_rows);
    ST_ROWS("opt", "F16", opt_rows);
    ST_ROWS("bloom", "BF16", bloom_rows);
    ST_ROWS("phi", "F16", phi_rows);
    ST_ROWS("falcon", "BF16", falcon_rows);
    ST_ROWS("gemma2", "BF16", gemma2_rows);
    ST_ROWS("phi3", "BF16", phi3_rows);
    ST_ROWS("olmo", "F32", olmo_rows);
    st_fp8_scales();
}

/* ------------------------------------------------------------------- GGUF */

static void gguf_file(const char *file, const char *arch, const struct ckw_model *m,
                      uint32_t wtype, uint32_t version, uint32_t alignment)
{
    struct ckw_gguf g;
    ckw_gguf_begin(&g, version, alignment);
    ckw_gguf_model(&g, arch, m, wtype);
    char p[700];
    snprintf(p, sizeof p, "%s/gguf/gen_%s.gguf", out_dir, file);
    ckw_gguf_write(&g, p);
}

/* every architecture the GGUF reader maps to a family, with the sizes of
 * its family's sizes */
static void gguf_seeds(void)
{
    struct ckw_model m = dense;
    static const char *const llama_like[] = {"llama", "mistral", "qwen2", "qwen3", "gemma",
                                             "gemma2", "phi3", "olmo"};
    for (size_t i = 0; i < sizeof llama_like / sizeof llama_like[0]; i++)
        gguf_file(llama_like[i], llama_like[i], &m, CKW_F16, 3, 0);
    m.tied = true;
    gguf_file("gpt2", "gpt2", &m, CKW_F16, 3, 0);
    /* llama.cpp stores these with fused attn_qkv tensors; the seeds carry
     * their architecture keys over llama-style names, and mutation does
     * the rest */
    static const char *const fused[] = {"gptneox", "bloom", "falcon", "phi2"};
    for (size_t i = 0; i < sizeof fused / sizeof fused[0]; i++)
        gguf_file(fused[i], fused[i], &m, CKW_F16, 3, 0);
    gguf_file("mixtral", "llama", &moe, CKW_F16, 3, 0);
    gguf_file("qwen2moe", "qwen2moe", &qwen_moe, CKW_F16, 3, 0);
    gguf_file("qwen3moe", "qwen3moe", &moe, CKW_F16, 3, 0);
    gguf_file("deepseek2", "deepseek2", &deepseek, CKW_F16, 3, 0);
    /* other element types and header versions */
    struct ckw_model wide = dense;
    wide.d = 32;
    wide.f = 64;
    wide.n_head = 4;
    wide.n_kv = 2;
    gguf_file("llama_q8_0_v2_align64", "llama", &wide, CKW_Q8_0, 2, 64);
    gguf_file("llama_bf16", "llama", &dense, CKW_BF16, 3, 0);
    gguf_file("llama_q4_0", "llama", &wide, CKW_Q4_0, 3, 0);
    gguf_file("llama_f32_align8", "llama", &dense, CKW_F32, 3, 8);

    /* every metadata value type, arrays of each and nested arrays */
    struct ckw_gguf g;
    ckw_gguf_begin(&g, 3, 0);
    ckw_kv_str(&g, "general.architecture", "llama");
    ckw_key(&g, "t.u8", 0);
    ckw_u8(&g.kv, 7);
    ckw_key(&g, "t.i8", 1);
    ckw_u8(&g.kv, 0xff);
    ckw_key(&g, "t.u16", 2);
    ckw_u8(&g.kv, 1);
    ckw_u8(&g.kv, 2);
    ckw_key(&g, "t.i16", 3);
    ckw_u8(&g.kv, 0xfe);
    ckw_u8(&g.kv, 0xff);
    ckw_kv_u32(&g, "t.u32", 4000000000u);
    ckw_kv_i32(&g, "t.i32", -5);
    ckw_kv_f32(&g, "t.f32", 0.5f);
    ckw_kv_bool(&g, "t.bool", true);
    ckw_kv_str(&g, "t.str", "caf\xc3\xa9");
    ckw_kv_u64(&g, "t.u64", UINT64_MAX);
    ckw_key(&g, "t.i64", 11);
    ckw_u64(&g.kv, (uint64_t)-3);
    ckw_key(&g, "t.f64", 12);
    ckw_u64(&g.kv, 0x3ff0000000000000ull);
    ckw_kv_tokens(&g, "tokenizer.ggml.tokens", 4);
    ckw_kv_f32s(&g, "tokenizer.ggml.scores", 4);
    ckw_kv_i32s(&g, "tokenizer.ggml.token_type", 4);
    ckw_kv_nested(&g, "t.nested");
    ckw_tensor(&g, "token_embd.weight", CKW_F32, 2, 4, 4, 0, 0);
    ckw_tensor(&g, "blk.0.ffn_gate_exps.weight", CKW_F16, 3, 4, 4, 2, 0);
    ckw_tensor(&g, "rope_freqs.weight", CKW_F32, 1, 2, 0, 0, 0);
    ckw_tensor(&g, "v.blk.0.attn_q.weight", CKW_F32, 4, 2, 1, 1, 1);
    char p[700];
    snprintf(p, sizeof p, "%s/gguf/gen_value_types.gguf", out_dir);
    ckw_gguf_write(&g, p);
}

/* ------------------------------------------------------------ folders */

/* fuzz_folder's input: a knob byte, then "%%file NAME\n" + bytes, ... */
struct folder {
    struct ckw_buf b;
};

static void fold_begin(struct folder *f, uint8_t knob)
{
    memset(f, 0, sizeof *f);
    ckw_u8(&f->b, knob);
}

static void fold_entry(struct folder *f, const char *kind, const char *name, const void *bytes,
                       size_t n)
{
    char line[256];
    snprintf(line, sizeof line, "%%%%%s %s\n", kind, name);
    ckw_text(&f->b, line);
    ckw_put(&f->b, bytes, n);
}

/* a file written by ckpt_writer.h, read back into the folder input */
static void fold_file(struct folder *f, const char *name, const char *path)
{
    FILE *in = fopen(path, "rb");
    if (in == NULL)
        abort();
    struct ckw_buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, in)) > 0)
        ckw_put(&b, chunk, n);
    fclose(in);
    fold_entry(f, "file", name, b.p, b.len);
    ckw_free(&b);
}

static void fold_write(struct folder *f, const char *name)
{
    char p[700];
    snprintf(p, sizeof p, "%s/folder/gen_%s", out_dir, name);
    ckw_write_file(p, f->b.p, f->b.len, f->b.len);
    ckw_free(&f->b);
}

/* every file of an HF folder ckpt_writer.h wrote under tmp/src, in order */
static void fold_hf(struct folder *f, const char *src, unsigned k, bool config)
{
    char p[700], name[64];
    if (config) {
        snprintf(p, sizeof p, "%s/config.json", src);
        fold_file(f, "config.json", p);
    }
    if (k == 1) {
        snprintf(p, sizeof p, "%s/model.safetensors", src);
        fold_file(f, "model.safetensors", p);
        return;
    }
    snprintf(p, sizeof p, "%s/model.safetensors.index.json", src);
    fold_file(f, "model.safetensors.index.json", p);
    for (unsigned i = 0; i < k; i++) {
        snprintf(name, sizeof name, "model-%05u-of-%05u.safetensors", i + 1, k);
        snprintf(p, sizeof p, "%s/%s", src, name);
        fold_file(f, name, p);
    }
}

static void folder_seeds(const char *tmp)
{
    char src[600], p[700];
    uint64_t params, bytes;
    struct folder f;
    const struct {
        const char *name;
        const struct ckw_model *m;
        bool gpt2;
        unsigned k;
        bool config;
        uint8_t knob;
    } hf[] = {
        {"llama_config_one_file", &dense, false, 1, true, 1 | 2},
        {"llama_index_3_shards", &dense, false, 3, true, 1 | 8},
        {"gpt2_config", &dense, true, 1, true, 2 | 8},
        {"deepseek_bare_2_shards", &deepseek, false, 2, false, 1 | 2},
        {"mixtral_index_2_shards", &moe, false, 2, true, 0},
        {"qwen2_moe_index_via_path", &qwen_moe, false, 2, true, 1 | 4},
    };
    for (size_t i = 0; i < sizeof hf / sizeof hf[0]; i++) {
        snprintf(src, sizeof src, "%s/%s", tmp, hf[i].name);
        struct ckw_model m = *hf[i].m;
        if (hf[i].gpt2) {
            m.family = "gpt2";
            m.tied = true;
        }
        ckw_hf_folder(src, &m, hf[i].gpt2, "BF16", false, hf[i].k, !hf[i].config, &params,
                      &bytes);
        fold_begin(&f, hf[i].knob);
        if (hf[i].knob & 4) { /* the index first: PATH is the index json */
            snprintf(p, sizeof p, "%s/model.safetensors.index.json", src);
            fold_file(&f, "model.safetensors.index.json", p);
            fold_hf(&f, src, hf[i].k, hf[i].config);
        } else {
            fold_hf(&f, src, hf[i].k, hf[i].config);
        }
        fold_write(&f, hf[i].name);
    }

    /* a .gguf alone in its folder, as MODEL and as PATH */
    snprintf(p, sizeof p, "%s/gen_llama.gguf", tmp);
    struct ckw_gguf g;
    ckw_gguf_begin(&g, 3, 0);
    ckw_gguf_model(&g, "llama", &dense, CKW_F16);
    ckw_gguf_write(&g, p);
    fold_begin(&f, 1 | 8);
    fold_file(&f, "model.gguf", p);
    fold_write(&f, "gguf_alone");

    /* broken folders: the index names a shard that is missing, a folder
     * stands where a shard belongs, a shard is a link to another or a FIFO,
     * the config is a folder, an index with no weight_map */
    snprintf(src, sizeof src, "%s/llama_index_3_shards", tmp);
    static const char *const shard[] = {"model-00001-of-00003.safetensors",
                                        "model-00002-of-00003.safetensors",
                                        "model-00003-of-00003.safetensors"};
    char sp[700];
    for (int variant = 0; variant < 4; variant++) {
        fold_begin(&f, 1 | 2);
        snprintf(p, sizeof p, "%s/model.safetensors.index.json", src);
        fold_file(&f, "model.safetensors.index.json", p);
        snprintf(sp, sizeof sp, "%s/%s", src, shard[0]);
        fold_file(&f, shard[0], sp);
        snprintf(sp, sizeof sp, "%s/%s", src, shard[1]);
        if (variant == 0) {
            fold_file(&f, shard[1], sp); /* shard 3 missing */
        } else if (variant == 1) {
            fold_entry(&f, "dir", shard[1], "", 0);
            snprintf(sp, sizeof sp, "%s/%s", src, shard[2]);
            fold_file(&f, shard[2], sp);
        } else if (variant == 3) {
            fold_entry(&f, "fifo", shard[1], "", 0);
            snprintf(sp, sizeof sp, "%s/%s", src, shard[2]);
            fold_file(&f, shard[2], sp);
        } else {
            char link[200];
            snprintf(link, sizeof link, "%s %s", shard[1], shard[0]);
            fold_entry(&f, "link", link, "", 0);
            snprintf(sp, sizeof sp, "%s/%s", src, shard[2]);
            fold_file(&f, shard[2], sp);
        }
        static const char *const names[] = {"shard_missing", "shard_is_a_folder", "shard_is_a_link",
                                            "shard_is_a_fifo"};
        fold_write(&f, names[variant]);
    }
    fold_begin(&f, 1 | 8);
    fold_entry(&f, "dir", "config.json", "", 0);
    snprintf(sp, sizeof sp, "%s/llama_config_one_file/model.safetensors", tmp);
    fold_file(&f, "model.safetensors", sp);
    fold_write(&f, "config_is_a_folder");
    /* FIFOs where the config, the only weights file or a .gguf belongs:
     * refused by name, never waited on */
    fold_begin(&f, 1 | 8);
    fold_entry(&f, "fifo", "config.json", "", 0);
    fold_file(&f, "model.safetensors", sp);
    fold_write(&f, "config_is_a_fifo");
    fold_begin(&f, 2 | 8);
    fold_entry(&f, "fifo", "model.safetensors", "", 0);
    fold_write(&f, "weights_are_a_fifo");
    fold_begin(&f, 1 | 4 | 8);
    fold_entry(&f, "fifo", "model.gguf", "", 0);
    fold_write(&f, "gguf_is_a_fifo");
    fold_begin(&f, 1);
    const char *ix = "{\"metadata\":{\"total_size\":4},\"weight_map\":{}}";
    fold_entry(&f, "file", "model.safetensors.index.json", ix, strlen(ix));
    fold_write(&f, "index_empty_map");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    snprintf(out_dir, sizeof out_dir, "%s", argv[1]);
    char p[600];
    static const char *const sub[] = {"safetensors", "gguf", "folder"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", out_dir, sub[i]);
        mkdir(p, 0755);
    }
    char tmp[64];
    if (ckw_scratch_dir(tmp, sizeof tmp, "tmem-gen-corpus") != 0)
        return 1;
    safetensors_seeds();
    gguf_seeds();
    folder_seeds(tmp);
    ckw_remove_tree(tmp);
    return 0;
}
