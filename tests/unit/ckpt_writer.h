/* ckpt_writer.h — writers of small checkpoint files for the tests, written
 * from the published format descriptions and independent of src/read: their
 * own dtype sizes, their own ggml block table (the numbers of ggml.c's
 * type_traits), their own JSON text. Files are sparse: the header is written
 * and the file is then extended with ftruncate to its full size, so a
 * 13 GB checkpoint costs a few kilobytes of disk.
 *
 * Also: tensor lists per family, named the way HF transformers and
 * llama.cpp's convert script name them, from a small set of sizes.
 *
 * REF: huggingface/safetensors README "Format" and safetensors/src/tensor.rs;
 * ggml-org/ggml docs/gguf.md; ggml/src/ggml.c type_traits[]. */
#ifndef TMEM_TEST_CKPT_WRITER_H
#define TMEM_TEST_CKPT_WRITER_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scratch.h" /* ckw_scratch_dir, ckw_remove_tree */

/* ------------------------------------------------------------------ bytes */

struct ckw_buf {
    unsigned char *p;
    size_t len, cap;
};

static inline void ckw_put(struct ckw_buf *b, const void *src, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        unsigned char *q = realloc(b->p, cap);
        if (q == NULL)
            abort();
        b->p = q;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, src, n);
    b->len += n;
    b->p[b->len] = 0;
}

static inline void ckw_text(struct ckw_buf *b, const char *s) { ckw_put(b, s, strlen(s)); }

static inline void ckw_u8(struct ckw_buf *b, uint8_t v) { ckw_put(b, &v, 1); }

static inline void ckw_u32(struct ckw_buf *b, uint32_t v)
{
    unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    ckw_put(b, x, 4);
}

static inline void ckw_u64(struct ckw_buf *b, uint64_t v)
{
    ckw_u32(b, (uint32_t)v);
    ckw_u32(b, (uint32_t)(v >> 32));
}

/* GGUF string: u64 length, bytes, no NUL */
static inline void ckw_str(struct ckw_buf *b, const char *s)
{
    ckw_u64(b, strlen(s));
    ckw_put(b, s, strlen(s));
}

static inline void ckw_free(struct ckw_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* Writes bytes[n] to path, then extends (or cuts) the file to file_bytes. */
static inline void ckw_write_file(const char *path, const void *bytes, size_t n,
                                  uint64_t file_bytes)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        perror(path);
        abort();
    }
    if (n && write(fd, bytes, n) != (ssize_t)n)
        abort();
    if (ftruncate(fd, (off_t)file_bytes) != 0)
        abort();
    close(fd);
}

/* ------------------------------------------------------------ safetensors */

/* element sizes, from the safetensors Dtype list */
static inline uint64_t ckw_dtype_bytes(const char *dtype)
{
    static const struct {
        const char *name;
        uint64_t bytes;
    } t[] = {{"F64", 8},    {"F32", 4},   {"F16", 2},  {"BF16", 2}, {"F8_E4M3", 1},
             {"F8_E5M2", 1}, {"I64", 8},  {"I32", 4},  {"I16", 2},  {"I8", 1},
             {"U64", 8},    {"U32", 4},   {"U16", 2},  {"U8", 1},   {"BOOL", 1}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(t[i].name, dtype) == 0)
            return t[i].bytes;
    return 0;
}

struct ckw_st {
    struct ckw_buf json;
    uint64_t data_bytes; /* offsets so far */
    uint64_t params;     /* elements so far */
    unsigned n;
};

static inline void ckw_st_begin(struct ckw_st *s)
{
    memset(s, 0, sizeof *s);
    ckw_text(&s->json, "{\"__metadata__\":{\"format\":\"pt\"}");
}

/* One tensor, data right after the previous one's. dims: n values. */
static inline void ckw_st_add(struct ckw_st *s, const char *name, const char *dtype, unsigned n,
                              const uint64_t *dims)
{
    char tmp[512];
    uint64_t elems = 1;
    snprintf(tmp, sizeof tmp, ",\"%s\":{\"dtype\":\"%s\",\"shape\":[", name, dtype);
    ckw_text(&s->json, tmp);
    for (unsigned i = 0; i < n; i++) {
        snprintf(tmp, sizeof tmp, "%s%llu", i ? "," : "", (unsigned long long)dims[i]);
        ckw_text(&s->json, tmp);
        elems *= dims[i];
    }
    uint64_t bytes = elems * ckw_dtype_bytes(dtype);
    snprintf(tmp, sizeof tmp, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)s->data_bytes,
             (unsigned long long)(s->data_bytes + bytes));
    ckw_text(&s->json, tmp);
    s->data_bytes += bytes;
    s->params += elems;
    s->n++;
}

static inline void ckw_st_add2(struct ckw_st *s, const char *name, const char *dtype,
                               uint64_t rows, uint64_t cols)
{
    uint64_t d[2] = {rows, cols};
    ckw_st_add(s, name, dtype, cols ? 2 : 1, d);
}

/* Closes the JSON, pads it with spaces to a multiple of 8 (as the reference
 * writer does), writes the file sparse. Returns the file's size. */
static inline uint64_t ckw_st_write(struct ckw_st *s, const char *path)
{
    ckw_text(&s->json, "}");
    while (s->json.len % 8)
        ckw_text(&s->json, " ");
    struct ckw_buf f = {0};
    ckw_u64(&f, s->json.len);
    ckw_put(&f, s->json.p, s->json.len);
    uint64_t size = 8 + s->json.len + s->data_bytes;
    ckw_write_file(path, f.p, f.len, size);
    ckw_free(&f);
    ckw_free(&s->json);
    return size;
}

/* A file of an 8-byte length field `declared`, then `header` verbatim, then
 * extended to file_bytes (0: no extension). */
static inline void ckw_st_raw(const char *path, uint64_t declared, const char *header,
                              size_t header_len, uint64_t file_bytes)
{
    struct ckw_buf f = {0};
    ckw_u64(&f, declared);
    ckw_put(&f, header, header_len);
    ckw_write_file(path, f.p, f.len, file_bytes ? file_bytes : f.len);
    ckw_free(&f);
}

/* ------------------------------------------------------------------- GGUF */

/* ggml.c type_traits[]: elements per block, bytes per block */
static inline bool ckw_ggml_block(uint32_t type, uint64_t *elems, uint64_t *bytes)
{
    static const uint16_t t[][3] = {
        {0, 1, 4},     {1, 1, 2},     {2, 32, 18},   {3, 32, 20},   {6, 32, 22},
        {7, 32, 24},   {8, 32, 34},   {9, 32, 36},   {10, 256, 84}, {11, 256, 110},
        {12, 256, 144}, {13, 256, 176}, {14, 256, 210}, {15, 256, 292}, {16, 256, 66},
        {17, 256, 74}, {18, 256, 98}, {19, 256, 50}, {20, 32, 18},  {21, 256, 110},
        {22, 256, 82}, {23, 256, 136}, {24, 1, 1},   {25, 1, 2},    {26, 1, 4},
        {27, 1, 8},    {28, 1, 8},    {29, 256, 56}, {30, 1, 2},    {34, 256, 54},
        {35, 256, 66}, {39, 32, 17},  {40, 64, 36},  {41, 128, 18}, {42, 64, 18},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i][0] == type) {
            *elems = t[i][1];
            *bytes = t[i][2];
            return true;
        }
    return false;
}

enum { CKW_F32 = 0, CKW_F16 = 1, CKW_Q4_0 = 2, CKW_Q8_0 = 8, CKW_Q4_K = 12, CKW_Q6_K = 14,
       CKW_BF16 = 30 };

struct ckw_gguf {
    struct ckw_buf kv, ti;
    uint32_t version;
    uint64_t n_kv, n_tensors;
    uint64_t alignment;  /* for the layout; written as a key only when set */
    uint64_t data_bytes; /* running, padded */
    uint64_t params, bytes;
};

static inline void ckw_key(struct ckw_gguf *g, const char *key, uint32_t type)
{
    ckw_str(&g->kv, key);
    ckw_u32(&g->kv, type);
    g->n_kv++;
}

static inline void ckw_kv_u32(struct ckw_gguf *g, const char *k, uint32_t v)
{
    ckw_key(g, k, 4);
    ckw_u32(&g->kv, v);
}
static inline void ckw_kv_i32(struct ckw_gguf *g, const char *k, int32_t v)
{
    ckw_key(g, k, 5);
    ckw_u32(&g->kv, (uint32_t)v);
}
static inline void ckw_kv_u64(struct ckw_gguf *g, const char *k, uint64_t v)
{
    ckw_key(g, k, 10);
    ckw_u64(&g->kv, v);
}
static inline void ckw_kv_f32(struct ckw_gguf *g, const char *k, float v)
{
    uint32_t w;
    memcpy(&w, &v, 4);
    ckw_key(g, k, 6);
    ckw_u32(&g->kv, w);
}
static inline void ckw_kv_bool(struct ckw_gguf *g, const char *k, bool v)
{
    ckw_key(g, k, 7);
    ckw_u8(&g->kv, v ? 1 : 0);
}
static inline void ckw_kv_str(struct ckw_gguf *g, const char *k, const char *v)
{
    ckw_key(g, k, 8);
    ckw_str(&g->kv, v);
}
/* an array of n strings "tok0", "tok1", ... */
static inline void ckw_kv_tokens(struct ckw_gguf *g, const char *k, uint64_t n)
{
    ckw_key(g, k, 9);
    ckw_u32(&g->kv, 8);
    ckw_u64(&g->kv, n);
    for (uint64_t i = 0; i < n; i++) {
        char s[32];
        snprintf(s, sizeof s, "tok%llu", (unsigned long long)i);
        ckw_str(&g->kv, s);
    }
}
/* an array of n float32 zeros / int32 ones */
static inline void ckw_kv_f32s(struct ckw_gguf *g, const char *k, uint64_t n)
{
    ckw_key(g, k, 9);
    ckw_u32(&g->kv, 6);
    ckw_u64(&g->kv, n);
    for (uint64_t i = 0; i < n; i++)
        ckw_u32(&g->kv, 0);
}
static inline void ckw_kv_i32s(struct ckw_gguf *g, const char *k, uint64_t n)
{
    ckw_key(g, k, 9);
    ckw_u32(&g->kv, 5);
    ckw_u64(&g->kv, n);
    for (uint64_t i = 0; i < n; i++)
        ckw_u32(&g->kv, 1);
}
/* an array of 2 arrays of uint8: [[1, 2], [3]] */
static inline void ckw_kv_nested(struct ckw_gguf *g, const char *k)
{
    ckw_key(g, k, 9);
    ckw_u32(&g->kv, 9);
    ckw_u64(&g->kv, 2);
    ckw_u32(&g->kv, 0);
    ckw_u64(&g->kv, 2);
    ckw_u8(&g->kv, 1);
    ckw_u8(&g->kv, 2);
    ckw_u32(&g->kv, 0);
    ckw_u64(&g->kv, 1);
    ckw_u8(&g->kv, 3);
}

/* alignment 0: the key is not written and the default 32 applies */
static inline void ckw_gguf_begin(struct ckw_gguf *g, uint32_t version, uint32_t alignment)
{
    memset(g, 0, sizeof *g);
    g->version = version;
    g->alignment = alignment ? alignment : 32;
    if (alignment)
        ckw_kv_u32(g, "general.alignment", alignment);
}

/* A tensor of ggml `type` with ne[0..n) (ne[0] innermost); returns its bytes. */
static inline uint64_t ckw_tensor(struct ckw_gguf *g, const char *name, uint32_t type, unsigned n,
                                  uint64_t ne0, uint64_t ne1, uint64_t ne2, uint64_t ne3)
{
    uint64_t ne[4] = {ne0, ne1, ne2, ne3}, elems = 1, be, bb;
    if (!ckw_ggml_block(type, &be, &bb))
        abort();
    ckw_str(&g->ti, name);
    ckw_u32(&g->ti, n);
    for (unsigned i = 0; i < n; i++) {
        ckw_u64(&g->ti, ne[i]);
        elems *= ne[i];
    }
    ckw_u32(&g->ti, type);
    ckw_u64(&g->ti, g->data_bytes);
    uint64_t bytes = elems / be * bb;
    g->data_bytes += (bytes + g->alignment - 1) / g->alignment * g->alignment;
    g->n_tensors++;
    g->params += elems;
    g->bytes += bytes;
    return bytes;
}

/* The whole header as bytes in *out (caller frees); returns the file size
 * the tensors need (data start + padded data). */
static inline uint64_t ckw_gguf_bytes(struct ckw_gguf *g, struct ckw_buf *out)
{
    memset(out, 0, sizeof *out);
    ckw_put(out, "GGUF", 4);
    ckw_u32(out, g->version);
    ckw_u64(out, g->n_tensors);
    ckw_u64(out, g->n_kv);
    ckw_put(out, g->kv.p, g->kv.len);
    ckw_put(out, g->ti.p, g->ti.len);
    while (out->len % g->alignment)
        ckw_u8(out, 0);
    return out->len + g->data_bytes;
}

static inline uint64_t ckw_gguf_write(struct ckw_gguf *g, const char *path)
{
    struct ckw_buf f;
    uint64_t size = ckw_gguf_bytes(g, &f);
    ckw_write_file(path, f.p, f.len, size);
    ckw_free(&f);
    ckw_free(&g->kv);
    ckw_free(&g->ti);
    return size;
}

/* --------------------------------------------------------- family layouts */

/* Sizes of a small model, in the legend's names. */
struct ckw_model {
    const char *family;          /* HF model_type */
    uint64_t V, d, L, n_head, n_kv, d_head, f, n_ctx;
    bool tied, qkv_bias, qk_norm;
    uint64_t E, E_used, f_e, f_sh, first_dense; /* MoE */
    bool shared_gate, router_bias, sparse_moe;  /* qwen2_moe, deepseek_v3, mixtral */
    uint64_t q_lora, kv_lora, nope, rope, v_head; /* MLA */
    uint64_t extra_layers;       /* MTP-like layers past n_layer */
};

/* config.json text for m (caller frees) */
static inline char *ckw_config_json(const struct ckw_model *m)
{
    char *s = malloc(2048);
    if (s == NULL)
        abort();
    int o = snprintf(s, 2048,
                     "{\"model_type\":\"%s\",\"hidden_size\":%llu,\"num_hidden_layers\":%llu,"
                     "\"num_attention_heads\":%llu,\"num_key_value_heads\":%llu,"
                     "\"intermediate_size\":%llu,\"vocab_size\":%llu,"
                     "\"max_position_embeddings\":%llu,\"tie_word_embeddings\":%s",
                     m->family, (unsigned long long)m->d, (unsigned long long)m->L,
                     (unsigned long long)m->n_head, (unsigned long long)m->n_kv,
                     (unsigned long long)m->f, (unsigned long long)m->V,
                     (unsigned long long)m->n_ctx, m->tied ? "true" : "false");
    if (m->d_head)
        o += snprintf(s + o, 2048 - (size_t)o, ",\"head_dim\":%llu", (unsigned long long)m->d_head);
    if (strcmp(m->family, "gpt2") == 0)
        o = snprintf(s, 2048,
                     "{\"model_type\":\"gpt2\",\"n_embd\":%llu,\"n_layer\":%llu,\"n_head\":%llu,"
                     "\"n_positions\":%llu,\"n_inner\":%llu,\"vocab_size\":%llu",
                     (unsigned long long)m->d, (unsigned long long)m->L,
                     (unsigned long long)m->n_head, (unsigned long long)m->n_ctx,
                     (unsigned long long)m->f, (unsigned long long)m->V);
    if (m->E)
        o += snprintf(s + o, 2048 - (size_t)o,
                      ",\"num_experts\":%llu,\"num_local_experts\":%llu,\"n_routed_experts\":%llu,"
                      "\"num_experts_per_tok\":%llu,\"moe_intermediate_size\":%llu,"
                      "\"first_k_dense_replace\":%llu,\"n_shared_experts\":%llu,"
                      "\"shared_expert_intermediate_size\":%llu,\"topk_method\":\"%s\"",
                      (unsigned long long)m->E, (unsigned long long)m->E, (unsigned long long)m->E,
                      (unsigned long long)m->E_used, (unsigned long long)m->f_e,
                      (unsigned long long)m->first_dense,
                      (unsigned long long)(m->f_e ? m->f_sh / m->f_e : 0),
                      (unsigned long long)m->f_sh, m->router_bias ? "noaux_tc" : "greedy");
    if (m->kv_lora)
        o += snprintf(s + o, 2048 - (size_t)o,
                      ",\"q_lora_rank\":%llu,\"kv_lora_rank\":%llu,\"qk_nope_head_dim\":%llu,"
                      "\"qk_rope_head_dim\":%llu,\"v_head_dim\":%llu",
                      (unsigned long long)m->q_lora, (unsigned long long)m->kv_lora,
                      (unsigned long long)m->nope, (unsigned long long)m->rope,
                      (unsigned long long)m->v_head);
    snprintf(s + o, 2048 - (size_t)o, "}");
    return s;
}

static inline uint64_t ckw_dh(const struct ckw_model *m)
{
    return m->d_head ? m->d_head : m->d / m->n_head;
}

/* Appends tensor `name` (formatted with the layer) to whichever of the
 * writers `add` points at. */
typedef void (*ckw_add_fn)(void *ctx, const char *name, const char *dtype, unsigned n,
                           const uint64_t *dims);

static inline void ckw_add(ckw_add_fn add, void *ctx, const char *dtype, uint64_t r, uint64_t c,
                           const char *fmt_name)
{
    uint64_t d[2] = {r, c};
    add(ctx, fmt_name, dtype, c ? 2 : 1, d);
}

/* HF transformers names of a Llama-style model (llama, qwen2, qwen3,
 * mixtral, qwen2_moe, qwen3_moe, deepseek_v3), in dtype. Every layer also
 * holds a rotary inv_freq buffer (older checkpoints saved them). Shapes are
 * PyTorch's (out_features, in_features). */
static inline void ckw_hf_llama(const struct ckw_model *m, const char *dtype, bool inv_freq,
                                ckw_add_fn add, void *ctx)
{
    char n[256];
    const uint64_t d = m->d, dh = ckw_dh(m), q = m->n_head * dh, kv = m->n_kv * dh;
#define NAME(...) (snprintf(n, sizeof n, __VA_ARGS__), n)
    ckw_add(add, ctx, dtype, m->V, d, "model.embed_tokens.weight");
    for (uint64_t l = 0; l < m->L + m->extra_layers; l++) {
        unsigned long long L = (unsigned long long)l;
        if (m->kv_lora) { /* DeepSeek MLA */
            uint64_t qk = m->n_head * (m->nope + m->rope);
            ckw_add(add, ctx, dtype, m->q_lora, d, NAME("model.layers.%llu.self_attn.q_a_proj.weight", L));
            ckw_add(add, ctx, dtype, m->q_lora, 0, NAME("model.layers.%llu.self_attn.q_a_layernorm.weight", L));
            ckw_add(add, ctx, dtype, qk, m->q_lora, NAME("model.layers.%llu.self_attn.q_b_proj.weight", L));
            ckw_add(add, ctx, dtype, m->kv_lora + m->rope, d,
                    NAME("model.layers.%llu.self_attn.kv_a_proj_with_mqa.weight", L));
            ckw_add(add, ctx, dtype, m->kv_lora, 0, NAME("model.layers.%llu.self_attn.kv_a_layernorm.weight", L));
            ckw_add(add, ctx, dtype, m->n_head * (m->nope + m->v_head), m->kv_lora,
                    NAME("model.layers.%llu.self_attn.kv_b_proj.weight", L));
            ckw_add(add, ctx, dtype, d, m->n_head * m->v_head, NAME("model.layers.%llu.self_attn.o_proj.weight", L));
        } else {
            ckw_add(add, ctx, dtype, q, d, NAME("model.layers.%llu.self_attn.q_proj.weight", L));
            ckw_add(add, ctx, dtype, kv, d, NAME("model.layers.%llu.self_attn.k_proj.weight", L));
            ckw_add(add, ctx, dtype, kv, d, NAME("model.layers.%llu.self_attn.v_proj.weight", L));
            ckw_add(add, ctx, dtype, d, q, NAME("model.layers.%llu.self_attn.o_proj.weight", L));
            if (m->qkv_bias) {
                ckw_add(add, ctx, dtype, q, 0, NAME("model.layers.%llu.self_attn.q_proj.bias", L));
                ckw_add(add, ctx, dtype, kv, 0, NAME("model.layers.%llu.self_attn.k_proj.bias", L));
                ckw_add(add, ctx, dtype, kv, 0, NAME("model.layers.%llu.self_attn.v_proj.bias", L));
            }
            if (m->qk_norm) {
                ckw_add(add, ctx, dtype, dh, 0, NAME("model.layers.%llu.self_attn.q_norm.weight", L));
                ckw_add(add, ctx, dtype, dh, 0, NAME("model.layers.%llu.self_attn.k_norm.weight", L));
            }
        }
        if (inv_freq)
            ckw_add(add, ctx, "F32", dh / 2, 0, NAME("model.layers.%llu.self_attn.rotary_emb.inv_freq", L));
        ckw_add(add, ctx, dtype, d, 0, NAME("model.layers.%llu.input_layernorm.weight", L));
        ckw_add(add, ctx, dtype, d, 0, NAME("model.layers.%llu.post_attention_layernorm.weight", L));
        bool moe = m->E && l >= m->first_dense;
        if (!moe) {
            ckw_add(add, ctx, dtype, m->f, d, NAME("model.layers.%llu.mlp.gate_proj.weight", L));
            ckw_add(add, ctx, dtype, m->f, d, NAME("model.layers.%llu.mlp.up_proj.weight", L));
            ckw_add(add, ctx, dtype, d, m->f, NAME("model.layers.%llu.mlp.down_proj.weight", L));
            continue;
        }
        const char *blk = m->sparse_moe ? "block_sparse_moe" : "mlp";
        ckw_add(add, ctx, dtype, m->E, d, NAME("model.layers.%llu.%s.gate.weight", L, blk));
        if (m->router_bias)
            ckw_add(add, ctx, "F32", m->E, 0, NAME("model.layers.%llu.mlp.gate.e_score_correction_bias", L));
        for (uint64_t e = 0; e < m->E; e++) {
            unsigned long long E = (unsigned long long)e;
            if (m->sparse_moe) {
                ckw_add(add, ctx, dtype, m->f_e, d, NAME("model.layers.%llu.block_sparse_moe.experts.%llu.w1.weight", L, E));
                ckw_add(add, ctx, dtype, d, m->f_e, NAME("model.layers.%llu.block_sparse_moe.experts.%llu.w2.weight", L, E));
                ckw_add(add, ctx, dtype, m->f_e, d, NAME("model.layers.%llu.block_sparse_moe.experts.%llu.w3.weight", L, E));
            } else {
                ckw_add(add, ctx, dtype, m->f_e, d, NAME("model.layers.%llu.mlp.experts.%llu.gate_proj.weight", L, E));
                ckw_add(add, ctx, dtype, m->f_e, d, NAME("model.layers.%llu.mlp.experts.%llu.up_proj.weight", L, E));
                ckw_add(add, ctx, dtype, d, m->f_e, NAME("model.layers.%llu.mlp.experts.%llu.down_proj.weight", L, E));
            }
        }
        if (m->f_sh) {
            const char *sh = m->shared_gate ? "shared_expert" : "shared_experts";
            ckw_add(add, ctx, dtype, m->f_sh, d, NAME("model.layers.%llu.mlp.%s.gate_proj.weight", L, sh));
            ckw_add(add, ctx, dtype, m->f_sh, d, NAME("model.layers.%llu.mlp.%s.up_proj.weight", L, sh));
            ckw_add(add, ctx, dtype, d, m->f_sh, NAME("model.layers.%llu.mlp.%s.down_proj.weight", L, sh));
            if (m->shared_gate)
                ckw_add(add, ctx, dtype, 1, d, NAME("model.layers.%llu.mlp.shared_expert_gate.weight", L));
        }
    }
    ckw_add(add, ctx, dtype, d, 0, "model.norm.weight");
    if (!m->tied)
        ckw_add(add, ctx, dtype, m->V, d, "lm_head.weight");
#undef NAME
}

/* Quantized HF checkpoints of a Llama-style model, tensor by tensor as the
 * quantizers save them (shapes PyTorch's, out × in for plain weights):
 *   GPTQ (AutoGPTQ, bits b, group g)  q.qweight I32 [in·b/32, out], q.qzeros I32
 *        [in/g, out·b/32], q.scales F16 [in/g, out], q.g_idx I32 [in]
 *   AWQ (AutoAWQ GEMM, 4-bit)        q.qweight I32 [in, out/8], q.qzeros I32
 *        [in/g, out/8], q.scales F16 [in/g, out]
 *   FP8 block (128 × 128)            q.weight F8_E4M3 [out, in], q.weight_scale_inv
 *        F32 [ceil(out/128), ceil(in/128)]
 *   bnb nf4, double quant            q.weight U8 [out·in/2, 1], weight.absmax U8
 *        [n/64], weight.nested_absmax F32 [n/64/256], weight.nested_quant_map F32
 *        [256], weight.quant_map F32 [16], weight.quant_state.bitsandbytes__nf4 U8
 *   W4A16 (compressed-tensors, symmetric, group g)  q.weight_packed I32
 *        [out, in/8], q.weight_scale BF16 [out, in/g], q.weight_shape I64 [2]
 * The embeddings, norms and lm_head stay in `dtype`. */
enum ckw_quant { CKW_GPTQ = 0, CKW_AWQ, CKW_FP8_BLOCK, CKW_NF4_DQ, CKW_W4A16 };

static inline void ckw_linear_q(ckw_add_fn add, void *ctx, enum ckw_quant qz, uint64_t bits,
                                uint64_t g, uint64_t out, uint64_t in, const char *mod)
{
    char n[300];
    uint64_t d[2];
#define ADD(suffix, dt, r, c)                                                                  \
    do {                                                                                       \
        snprintf(n, sizeof n, "%s.%s", mod, suffix);                                           \
        d[0] = (r);                                                                            \
        d[1] = (c);                                                                            \
        add(ctx, n, dt, (c) ? 2 : 1, d);                                                       \
    } while (0)
    switch (qz) {
    case CKW_GPTQ:
        ADD("qweight", "I32", in * bits / 32, out);
        ADD("qzeros", "I32", in / g, out * bits / 32);
        ADD("scales", "F16", in / g, out);
        ADD("g_idx", "I32", in, 0);
        break;
    case CKW_AWQ:
        ADD("qweight", "I32", in, out / 8);
        ADD("qzeros", "I32", in / g, out / 8);
        ADD("scales", "F16", in / g, out);
        break;
    case CKW_FP8_BLOCK:
        ADD("weight", "F8_E4M3", out, in);
        ADD("weight_scale_inv", "F32", (out + 127) / 128, (in + 127) / 128);
        break;
    case CKW_NF4_DQ: {
        uint64_t blocks = out * in / 64;
        ADD("weight", "U8", out * in / 2, 1);
        ADD("weight.absmax", "U8", blocks, 0);
        ADD("weight.nested_absmax", "F32", (blocks + 255) / 256, 0);
        ADD("weight.nested_quant_map", "F32", 256, 0);
        ADD("weight.quant_map", "F32", 16, 0);
        ADD("weight.quant_state.bitsandbytes__nf4", "U8", 133, 0); /* the JSON blob */
        break;
    }
    case CKW_W4A16:
        ADD("weight_packed", "I32", out, in / 8);
        ADD("weight_scale", "BF16", out, in / g);
        ADD("weight_shape", "I64", 2, 0);
        break;
    }
#undef ADD
}

static inline void ckw_hf_llama_quant(const struct ckw_model *m, const char *dtype,
                                      enum ckw_quant qz, uint64_t bits, uint64_t g,
                                      ckw_add_fn add, void *ctx)
{
    char n[256];
    const uint64_t d = m->d, dh = ckw_dh(m), q = m->n_head * dh, kv = m->n_kv * dh;
#define NAME(...) (snprintf(n, sizeof n, __VA_ARGS__), n)
    ckw_add(add, ctx, dtype, m->V, d, "model.embed_tokens.weight");
    for (uint64_t l = 0; l < m->L; l++) {
        unsigned long long L = (unsigned long long)l;
        ckw_linear_q(add, ctx, qz, bits, g, q, d, NAME("model.layers.%llu.self_attn.q_proj", L));
        ckw_linear_q(add, ctx, qz, bits, g, kv, d, NAME("model.layers.%llu.self_attn.k_proj", L));
        ckw_linear_q(add, ctx, qz, bits, g, kv, d, NAME("model.layers.%llu.self_attn.v_proj", L));
        ckw_linear_q(add, ctx, qz, bits, g, d, q, NAME("model.layers.%llu.self_attn.o_proj", L));
        ckw_add(add, ctx, dtype, d, 0, NAME("model.layers.%llu.input_layernorm.weight", L));
        ckw_add(add, ctx, dtype, d, 0, NAME("model.layers.%llu.post_attention_layernorm.weight", L));
        ckw_linear_q(add, ctx, qz, bits, g, m->f, d, NAME("model.layers.%llu.mlp.gate_proj", L));
        ckw_linear_q(add, ctx, qz, bits, g, m->f, d, NAME("model.layers.%llu.mlp.up_proj", L));
        ckw_linear_q(add, ctx, qz, bits, g, d, m->f, NAME("model.layers.%llu.mlp.down_proj", L));
    }
    ckw_add(add, ctx, dtype, d, 0, "model.norm.weight");
    if (!m->tied)
        ckw_add(add, ctx, dtype, m->V, d, "lm_head.weight");
#undef NAME
}

/* HF GPT-2 (GPT2LMHeadModel as the original checkpoints store it: no
 * "transformer." prefix, Conv1D weights in × out, and every layer's causal
 * mask buffer attn.bias (1, 1, n_ctx, n_ctx)). Tied: no lm_head. */
static inline void ckw_hf_gpt2(const struct ckw_model *m, const char *dtype, bool masks,
                               ckw_add_fn add, void *ctx)
{
    char n[256];
    const uint64_t d = m->d;
#define NAME(...) (snprintf(n, sizeof n, __VA_ARGS__), n)
    ckw_add(add, ctx, dtype, m->V, d, "wte.weight");
    ckw_add(add, ctx, dtype, m->n_ctx, d, "wpe.weight");
    for (uint64_t l = 0; l < m->L; l++) {
        unsigned long long L = (unsigned long long)l;
        ckw_add(add, ctx, dtype, d, 0, NAME("h.%llu.ln_1.weight", L));
        ckw_add(add, ctx, dtype, d, 0, NAME("h.%llu.ln_1.bias", L));
        if (masks) {
            uint64_t dims[4] = {1, 1, m->n_ctx, m->n_ctx};
            add(ctx, NAME("h.%llu.attn.bias", L), dtype, 4, dims);
        }
        ckw_add(add, ctx, dtype, d, 3 * d, NAME("h.%llu.attn.c_attn.weight", L));
        ckw_add(add, ctx, dtype, 3 * d, 0, NAME("h.%llu.attn.c_attn.bias", L));
        ckw_add(add, ctx, dtype, d, d, NAME("h.%llu.attn.c_proj.weight", L));
        ckw_add(add, ctx, dtype, d, 0, NAME("h.%llu.attn.c_proj.bias", L));
        ckw_add(add, ctx, dtype, d, 0, NAME("h.%llu.ln_2.weight", L));
        ckw_add(add, ctx, dtype, d, 0, NAME("h.%llu.ln_2.bias", L));
        ckw_add(add, ctx, dtype, d, m->f, NAME("h.%llu.mlp.c_fc.weight", L));
        ckw_add(add, ctx, dtype, m->f, 0, NAME("h.%llu.mlp.c_fc.bias", L));
        ckw_add(add, ctx, dtype, m->f, d, NAME("h.%llu.mlp.c_proj.weight", L));
        ckw_add(add, ctx, dtype, d, 0, NAME("h.%llu.mlp.c_proj.bias", L));
    }
    ckw_add(add, ctx, dtype, d, 0, "ln_f.weight");
    ckw_add(add, ctx, dtype, d, 0, "ln_f.bias");
#undef NAME
}

/* safetensors sink for the layouts */
static inline void ckw_st_sink(void *ctx, const char *name, const char *dtype, unsigned n,
                               const uint64_t *dims)
{
    ckw_st_add(ctx, name, dtype, n, dims);
}

/* llama.cpp GGUF names and ne[] order (innermost first) of a model, the
 * matrices in `wtype`, vectors in F32, plus the metadata llama.cpp's
 * convert writes: architecture, sizes, tokenizer arrays. arch: "llama",
 * "qwen2", "gemma", "deepseek2", "gpt2". */
/* The ggml type of each tensor a writer gives it: per layer for attn_v and
 * ffn_down (llama.cpp's k-quant mixes pick those layer by layer). */
#define CKW_MAX_TYPED_LAYERS 128
struct ckw_types {
    uint32_t matrix, embd, output;
    uint32_t attn_v[CKW_MAX_TYPED_LAYERS], ffn_down[CKW_MAX_TYPED_LAYERS];
};

static inline void ckw_gguf_model_t(struct ckw_gguf *g, const char *arch, const struct ckw_model *m,
                                    const struct ckw_types *ty, uint32_t file_type)
{
    char k[160], n[160];
    const uint64_t d = m->d, dh = ckw_dh(m), q = m->n_head * dh, kv = m->n_kv * dh;
    bool gpt2 = strcmp(arch, "gpt2") == 0, mla = m->kv_lora > 0;
#define KEY(s) (snprintf(k, sizeof k, "%s.%s", arch, s), k)
#define NAME(...) (snprintf(n, sizeof n, __VA_ARGS__), n)
    ckw_kv_str(g, "general.architecture", arch);
    ckw_kv_str(g, "general.name", "tiny test model");
    ckw_kv_u32(g, "general.file_type", file_type);
    ckw_kv_u32(g, "general.quantization_version", 2);
    ckw_kv_u32(g, KEY("block_count"), (uint32_t)m->L);
    ckw_kv_u32(g, KEY("context_length"), (uint32_t)m->n_ctx);
    ckw_kv_u32(g, KEY("embedding_length"), (uint32_t)d);
    ckw_kv_u32(g, KEY("feed_forward_length"), (uint32_t)m->f);
    ckw_kv_u32(g, KEY("attention.head_count"), (uint32_t)m->n_head);
    ckw_kv_u32(g, KEY("attention.head_count_kv"), (uint32_t)(mla ? m->n_head : m->n_kv));
    ckw_kv_f32(g, KEY("attention.layer_norm_rms_epsilon"), 1e-5f);
    if (m->d_head && !mla) {
        ckw_kv_u32(g, KEY("attention.key_length"), (uint32_t)m->d_head);
        ckw_kv_u32(g, KEY("attention.value_length"), (uint32_t)m->d_head);
    }
    ckw_kv_u32(g, KEY("rope.dimension_count"), (uint32_t)(mla ? m->rope : dh));
    if (m->E) {
        ckw_kv_u32(g, KEY("expert_count"), (uint32_t)m->E);
        ckw_kv_u32(g, KEY("expert_used_count"), (uint32_t)m->E_used);
        if (mla) {
            ckw_kv_u32(g, KEY("expert_feed_forward_length"), (uint32_t)m->f_e);
            ckw_kv_u32(g, KEY("expert_shared_count"), (uint32_t)(m->f_sh / m->f_e));
            ckw_kv_u32(g, KEY("leading_dense_block_count"), (uint32_t)m->first_dense);
        }
    }
    if (mla) {
        ckw_kv_u32(g, KEY("attention.q_lora_rank"), (uint32_t)m->q_lora);
        ckw_kv_u32(g, KEY("attention.kv_lora_rank"), (uint32_t)m->kv_lora);
        ckw_kv_u32(g, KEY("attention.key_length"), (uint32_t)(m->nope + m->rope));
        ckw_kv_u32(g, KEY("attention.value_length"), (uint32_t)m->v_head);
    }
    ckw_kv_str(g, "tokenizer.ggml.model", gpt2 ? "gpt2" : "llama");
    ckw_kv_tokens(g, "tokenizer.ggml.tokens", m->V);
    ckw_kv_f32s(g, "tokenizer.ggml.scores", m->V);
    ckw_kv_i32s(g, "tokenizer.ggml.token_type", m->V);
    ckw_kv_bool(g, "tokenizer.ggml.add_bos_token", true);
    ckw_kv_nested(g, "test.nested_array");

    ckw_tensor(g, "token_embd.weight", ty->embd, 2, d, m->V, 0, 0);
    if (gpt2)
        ckw_tensor(g, "position_embd.weight", CKW_F32, 2, d, m->n_ctx, 0, 0);
    for (uint64_t l = 0; l < m->L; l++) {
        unsigned long long L = (unsigned long long)l;
        ckw_tensor(g, NAME("blk.%llu.attn_norm.weight", L), CKW_F32, 1, d, 0, 0, 0);
        if (gpt2) {
            ckw_tensor(g, NAME("blk.%llu.attn_norm.bias", L), CKW_F32, 1, d, 0, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.attn_qkv.weight", L), ty->matrix, 2, d, 3 * d, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.attn_qkv.bias", L), CKW_F32, 1, 3 * d, 0, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.attn_output.weight", L), ty->matrix, 2, d, d, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.attn_output.bias", L), CKW_F32, 1, d, 0, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.ffn_norm.weight", L), CKW_F32, 1, d, 0, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.ffn_norm.bias", L), CKW_F32, 1, d, 0, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.ffn_up.weight", L), ty->matrix, 2, d, m->f, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.ffn_up.bias", L), CKW_F32, 1, m->f, 0, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.ffn_down.weight", L), ty->ffn_down[l < CKW_MAX_TYPED_LAYERS ? l : 0], 2, m->f, d, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.ffn_down.bias", L), CKW_F32, 1, d, 0, 0, 0);
            continue;
        }
        if (mla) {
            uint64_t qk = m->n_head * (m->nope + m->rope);
            ckw_tensor(g, NAME("blk.%llu.attn_q_a.weight", L), ty->matrix, 2, d, m->q_lora, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.attn_q_a_norm.weight", L), CKW_F32, 1, m->q_lora, 0, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.attn_q_b.weight", L), ty->matrix, 2, m->q_lora, qk, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.attn_kv_a_mqa.weight", L), ty->matrix, 2, d, m->kv_lora + m->rope, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.attn_kv_a_norm.weight", L), CKW_F32, 1, m->kv_lora, 0, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.attn_kv_b.weight", L), ty->matrix, 2, m->kv_lora,
                       m->n_head * (m->nope + m->v_head), 0, 0);
            ckw_tensor(g, NAME("blk.%llu.attn_output.weight", L), ty->matrix, 2, m->n_head * m->v_head, d, 0, 0);
        } else {
            ckw_tensor(g, NAME("blk.%llu.attn_q.weight", L), ty->matrix, 2, d, q, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.attn_k.weight", L), ty->matrix, 2, d, kv, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.attn_v.weight", L), ty->attn_v[l < CKW_MAX_TYPED_LAYERS ? l : 0], 2, d, kv, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.attn_output.weight", L), ty->matrix, 2, q, d, 0, 0);
            if (m->qkv_bias) {
                ckw_tensor(g, NAME("blk.%llu.attn_q.bias", L), CKW_F32, 1, q, 0, 0, 0);
                ckw_tensor(g, NAME("blk.%llu.attn_k.bias", L), CKW_F32, 1, kv, 0, 0, 0);
                ckw_tensor(g, NAME("blk.%llu.attn_v.bias", L), CKW_F32, 1, kv, 0, 0, 0);
            }
        }
        ckw_tensor(g, NAME("blk.%llu.ffn_norm.weight", L), CKW_F32, 1, d, 0, 0, 0);
        if (m->E && l >= m->first_dense) {
            ckw_tensor(g, NAME("blk.%llu.ffn_gate_inp.weight", L), CKW_F32, 2, d, m->E, 0, 0);
            if (m->router_bias)
                ckw_tensor(g, NAME("blk.%llu.exp_probs_b.bias", L), CKW_F32, 1, m->E, 0, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.ffn_gate_exps.weight", L), ty->matrix, 3, d, m->f_e, m->E, 0);
            ckw_tensor(g, NAME("blk.%llu.ffn_up_exps.weight", L), ty->matrix, 3, d, m->f_e, m->E, 0);
            ckw_tensor(g, NAME("blk.%llu.ffn_down_exps.weight", L), ty->matrix, 3, m->f_e, d, m->E, 0);
            if (m->f_sh) {
                ckw_tensor(g, NAME("blk.%llu.ffn_gate_shexp.weight", L), ty->matrix, 2, d, m->f_sh, 0, 0);
                ckw_tensor(g, NAME("blk.%llu.ffn_up_shexp.weight", L), ty->matrix, 2, d, m->f_sh, 0, 0);
                ckw_tensor(g, NAME("blk.%llu.ffn_down_shexp.weight", L), ty->matrix, 2, m->f_sh, d, 0, 0);
            }
        } else {
            ckw_tensor(g, NAME("blk.%llu.ffn_gate.weight", L), ty->matrix, 2, d, m->f, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.ffn_up.weight", L), ty->matrix, 2, d, m->f, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.ffn_down.weight", L), ty->ffn_down[l < CKW_MAX_TYPED_LAYERS ? l : 0], 2, m->f, d, 0, 0);
        }
    }
    ckw_tensor(g, "output_norm.weight", CKW_F32, 1, d, 0, 0, 0);
    if (gpt2)
        ckw_tensor(g, "output_norm.bias", CKW_F32, 1, d, 0, 0, 0);
    if (!m->tied)
        ckw_tensor(g, "output.weight", ty->output, 2, d, m->V, 0, 0);
#undef KEY
#undef NAME
}

static inline void ckw_gguf_model(struct ckw_gguf *g, const char *arch, const struct ckw_model *m,
                                  uint32_t wtype)
{
    struct ckw_types ty = {.matrix = wtype, .embd = wtype, .output = wtype};
    for (int i = 0; i < CKW_MAX_TYPED_LAYERS; i++)
        ty.attn_v[i] = ty.ffn_down[i] = wtype;
    /* llama_ftype of a file all of one type (llama.h: MOSTLY_F16 1, Q4_0 2,
     * Q8_0 7, Q6_K 18, BF16 32; all-Q4_K is no named mix: Q4_K_S's 14 is
     * the closest) */
    uint32_t ft = wtype == CKW_F32 ? 0 : wtype == CKW_F16 ? 1 : wtype == CKW_Q4_0 ? 2
                : wtype == CKW_Q8_0 ? 7 : wtype == CKW_Q6_K ? 18 : wtype == CKW_BF16 ? 32 : 14;
    ckw_gguf_model_t(g, arch, m, &ty, ft);
}

/* llama.cpp's Mamba-1 / Mamba-2 GGUF (mamba2 when n_ssm_head > 0), as
 * convert_hf_to_gguf.py MambaModel / Mamba2Model write it and llama-model.cpp
 * LLM_ARCH_MAMBA / LLM_ARCH_MAMBA2 load it (ne[0] first): head_count 0,
 * ssm.* sizes (Mamba-2: time_step_rank = heads, group_count); per layer
 * attn_norm {d}, ssm_in {d, in}, ssm_conv1d {d_conv, conv} + bias, Mamba-1
 * ssm_x {d_inner, r + 2N}, ssm_dt {r, d_inner} + bias {d_inner}, ssm_a
 * {N, d_inner}, ssm_d {d_inner}; Mamba-2 ssm_dt.bias {heads}, ssm_a {1,
 * heads}, ssm_d {1, heads}, ssm_norm {d_inner / groups, groups}; ssm_out
 * {d_inner, d}; output_norm; no output (tied) unless untied. Matrices F16. */
struct ckw_ssm {
    uint64_t V, d, L, d_inner, d_state, d_conv, dt_rank; /* Mamba-1 */
    uint64_t n_ssm_head, n_group;                        /* Mamba-2 */
    bool tied;
};

static inline void ckw_gguf_ssm(struct ckw_gguf *g, const struct ckw_ssm *m)
{
    char k[160], n[160];
    const bool m2 = m->n_ssm_head > 0;
    const char *arch = m2 ? "mamba2" : "mamba";
    const uint64_t d = m->d, di = m->d_inner, N = m->d_state;
    const uint64_t conv = m2 ? di + 2 * m->n_group * N : di;
    const uint64_t in = m2 ? di + conv + m->n_ssm_head : 2 * di;
#define KEY(s) (snprintf(k, sizeof k, "%s.%s", arch, s), k)
#define NAME(...) (snprintf(n, sizeof n, __VA_ARGS__), n)
    ckw_kv_str(g, "general.architecture", arch);
    ckw_kv_str(g, "general.name", "tiny ssm");
    ckw_kv_u32(g, "general.file_type", 1);
    ckw_kv_u32(g, KEY("context_length"), 1u << 20);
    ckw_kv_u32(g, KEY("embedding_length"), (uint32_t)d);
    ckw_kv_u32(g, KEY("feed_forward_length"), 0);
    ckw_kv_u32(g, KEY("attention.head_count"), 0);
    ckw_kv_u32(g, KEY("block_count"), (uint32_t)m->L);
    ckw_kv_u32(g, KEY("ssm.conv_kernel"), (uint32_t)m->d_conv);
    ckw_kv_u32(g, KEY("ssm.inner_size"), (uint32_t)di);
    ckw_kv_u32(g, KEY("ssm.state_size"), (uint32_t)N);
    ckw_kv_u32(g, KEY("ssm.time_step_rank"), (uint32_t)(m2 ? m->n_ssm_head : m->dt_rank));
    if (m2)
        ckw_kv_u32(g, KEY("ssm.group_count"), (uint32_t)m->n_group);
    ckw_kv_f32(g, KEY("attention.layer_norm_rms_epsilon"), 1e-5f);
    ckw_kv_bool(g, KEY("ssm.dt_b_c_rms"), false);
    ckw_kv_str(g, "tokenizer.ggml.model", "gpt2");
    ckw_kv_tokens(g, "tokenizer.ggml.tokens", m->V);
    ckw_tensor(g, "token_embd.weight", CKW_F16, 2, d, m->V, 0, 0);
    for (uint64_t l = 0; l < m->L; l++) {
        unsigned long long L = (unsigned long long)l;
        ckw_tensor(g, NAME("blk.%llu.attn_norm.weight", L), CKW_F32, 1, d, 0, 0, 0);
        ckw_tensor(g, NAME("blk.%llu.ssm_in.weight", L), CKW_F16, 2, d, in, 0, 0);
        ckw_tensor(g, NAME("blk.%llu.ssm_conv1d.weight", L), CKW_F32, 2, m->d_conv, conv, 0, 0);
        ckw_tensor(g, NAME("blk.%llu.ssm_conv1d.bias", L), CKW_F32, 1, conv, 0, 0, 0);
        if (m2) {
            ckw_tensor(g, NAME("blk.%llu.ssm_dt.bias", L), CKW_F32, 1, m->n_ssm_head, 0, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.ssm_a", L), CKW_F32, 2, 1, m->n_ssm_head, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.ssm_d", L), CKW_F32, 2, 1, m->n_ssm_head, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.ssm_norm.weight", L), CKW_F32, 2, di / m->n_group, m->n_group, 0, 0);
        } else {
            ckw_tensor(g, NAME("blk.%llu.ssm_x.weight", L), CKW_F16, 2, di, m->dt_rank + 2 * N, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.ssm_dt.weight", L), CKW_F16, 2, m->dt_rank, di, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.ssm_dt.bias", L), CKW_F32, 1, di, 0, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.ssm_a", L), CKW_F32, 2, N, di, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.ssm_d", L), CKW_F32, 1, di, 0, 0, 0);
        }
        ckw_tensor(g, NAME("blk.%llu.ssm_out.weight", L), CKW_F16, 2, di, d, 0, 0);
    }
    ckw_tensor(g, "output_norm.weight", CKW_F32, 1, d, 0, 0, 0);
    if (!m->tied)
        ckw_tensor(g, "output.weight", CKW_F16, 2, d, m->V, 0, 0);
#undef KEY
#undef NAME
}

/* an array of n int32 values, as GGUFWriter.add_array writes a list of ints */
static inline void ckw_kv_i32_list(struct ckw_gguf *g, const char *k, const uint64_t *v, uint64_t n)
{
    ckw_key(g, k, 9);
    ckw_u32(&g->kv, 5);
    ckw_u64(&g->kv, n);
    for (uint64_t i = 0; i < n; i++)
        ckw_u32(&g->kv, (uint32_t)v[i]);
}

/* llama.cpp's hybrids as convert_hf_to_gguf.py writes them (conversion/
 * jamba.py JambaModel, granite.py GraniteHybridModel, falcon_h1.py
 * FalconH1Model, qwen.py Qwen3NextModel) and llama-model.cpp loads them:
 * keys <arch>.ssm.{conv_kernel, inner_size, state_size, time_step_rank,
 * group_count}, attention.head_count_kv per layer (0 at a recurrent layer;
 * Jamba, Granite) or one value, full_attention_interval (Qwen3-Next).
 * Per layer: attn_norm {d}; an attention layer attn_q {d, q} (q = n_head·dh,
 * twice that with Qwen3-Next's output gate), attn_k / attn_v {d, n_kv·dh},
 * attn_output {n_head·dh, d}, attn_q_norm / attn_k_norm {dh}; a recurrent
 * layer's mixer: Mamba-1 ssm_in {d, 2·di}, ssm_conv1d {d_conv, di} + bias,
 * ssm_x {di, r + 2N}, ssm_dt {r, di} + bias, ssm_a {N, di}, ssm_d {di},
 * ssm_dt_norm {r}, ssm_b_norm / ssm_c_norm {N}; Mamba-2 ssm_in {d, di +
 * conv + H} (conv = di + 2·G·N), ssm_conv1d {d_conv, conv} + bias,
 * ssm_dt.bias {H}, ssm_a / ssm_d {1, H}, ssm_norm {di / G, G}; Gated
 * DeltaNet attn_qkv {d, 2·G·N + di}, attn_gate {d, di}, ssm_ba {d, 2·H},
 * ssm_conv1d {d_conv, 2·G·N + di}, ssm_dt.bias {H}, ssm_a {H}, ssm_norm
 * {di / H}; all three ssm_out {di, d}; then the second norm (ffn_norm, or
 * post_attention_norm for Qwen3-Next) and the MLP: a MoE layer
 * ffn_gate_inp {d, E}, ffn_{gate,up}_exps {d, fe, E}, ffn_down_exps {fe,
 * d, E}, ffn_{gate,up}_shexp {d, fs}, ffn_down_shexp {fs, d},
 * ffn_gate_inp_shexp {d}; else ffn_gate / ffn_up {d, f}, ffn_down {f, d}.
 * Matrices F16, vectors F32. */
enum ckw_mixer { CKW_MAMBA1 = 1, CKW_MAMBA2, CKW_GDN };
struct ckw_hybrid {
    const char *arch, *norm2;
    uint64_t V, d, L, n_head, n_kv, dh, key_length; /* key_length 0: not written */
    uint64_t attn_step, attn_offset;                /* attends iff l % step == offset */
    bool parallel, kv_per_layer, interval_key, out_gate, qk_norm;
    enum ckw_mixer mixer;
    uint64_t di, N, d_conv, dt_rank, H, G;
    bool ssm_norm;
    uint64_t ff_key, f;                             /* feed_forward_length; dense MLP width */
    uint64_t E, E_used, fe, fs, moe_step, moe_offset;
    bool fe_key, fs_key, shexp_gate, tied;
};

static inline void ckw_gguf_hybrid(struct ckw_gguf *g, const struct ckw_hybrid *m)
{
    char k[160], n[160];
    const uint64_t d = m->d, di = m->di, N = m->N, H = m->H, G = m->G;
#define KEY(s) (snprintf(k, sizeof k, "%s.%s", m->arch, s), k)
#define NAME(...) (snprintf(n, sizeof n, __VA_ARGS__), n)
#define ATTENDS(l) (m->parallel || (l) % m->attn_step == m->attn_offset)
    ckw_kv_str(g, "general.architecture", m->arch);
    ckw_kv_str(g, "general.name", "tiny hybrid");
    ckw_kv_u32(g, "general.file_type", 1);
    ckw_kv_u32(g, KEY("context_length"), 1u << 20);
    ckw_kv_u32(g, KEY("embedding_length"), (uint32_t)d);
    ckw_kv_u32(g, KEY("block_count"), (uint32_t)m->L);
    ckw_kv_u32(g, KEY("feed_forward_length"), (uint32_t)m->ff_key);
    ckw_kv_u32(g, KEY("attention.head_count"), (uint32_t)m->n_head);
    if (m->kv_per_layer) {
        uint64_t kv[256];
        for (uint64_t l = 0; l < m->L; l++)
            kv[l] = ATTENDS(l) ? m->n_kv : 0;
        ckw_kv_i32_list(g, KEY("attention.head_count_kv"), kv, m->L);
    } else {
        ckw_kv_u32(g, KEY("attention.head_count_kv"), (uint32_t)m->n_kv);
    }
    if (m->key_length) {
        ckw_kv_u32(g, KEY("attention.key_length"), (uint32_t)m->key_length);
        ckw_kv_u32(g, KEY("attention.value_length"), (uint32_t)m->key_length);
    }
    if (m->interval_key)
        ckw_kv_u32(g, KEY("full_attention_interval"), (uint32_t)m->attn_step);
    ckw_kv_u32(g, KEY("ssm.conv_kernel"), (uint32_t)m->d_conv);
    ckw_kv_u32(g, KEY("ssm.inner_size"), (uint32_t)di);
    ckw_kv_u32(g, KEY("ssm.state_size"), (uint32_t)N);
    ckw_kv_u32(g, KEY("ssm.time_step_rank"), (uint32_t)(m->mixer == CKW_MAMBA1 ? m->dt_rank : H));
    if (m->mixer != CKW_MAMBA1)
        ckw_kv_u32(g, KEY("ssm.group_count"), (uint32_t)G);
    if (m->E) {
        ckw_kv_u32(g, KEY("expert_count"), (uint32_t)m->E);
        ckw_kv_u32(g, KEY("expert_used_count"), (uint32_t)m->E_used);
        if (m->fe_key)
            ckw_kv_u32(g, KEY("expert_feed_forward_length"), (uint32_t)m->fe);
        if (m->fs_key)
            ckw_kv_u32(g, KEY("expert_shared_feed_forward_length"), (uint32_t)m->fs);
    }
    ckw_kv_f32(g, KEY("attention.layer_norm_rms_epsilon"), 1e-6f);
    ckw_kv_str(g, "tokenizer.ggml.model", "gpt2");
    ckw_kv_tokens(g, "tokenizer.ggml.tokens", m->V);
    ckw_tensor(g, "token_embd.weight", CKW_F16, 2, d, m->V, 0, 0);
    const uint64_t q = m->n_head * m->dh, kvw = m->n_kv * m->dh;
    for (uint64_t l = 0; l < m->L; l++) {
        unsigned long long b = (unsigned long long)l;
        ckw_tensor(g, NAME("blk.%llu.attn_norm.weight", b), CKW_F32, 1, d, 0, 0, 0);
        if (ATTENDS(l)) {
            ckw_tensor(g, NAME("blk.%llu.attn_q.weight", b), CKW_F16, 2, d, m->out_gate ? 2 * q : q, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.attn_k.weight", b), CKW_F16, 2, d, kvw, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.attn_v.weight", b), CKW_F16, 2, d, kvw, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.attn_output.weight", b), CKW_F16, 2, q, d, 0, 0);
            if (m->qk_norm) {
                ckw_tensor(g, NAME("blk.%llu.attn_q_norm.weight", b), CKW_F32, 1, m->dh, 0, 0, 0);
                ckw_tensor(g, NAME("blk.%llu.attn_k_norm.weight", b), CKW_F32, 1, m->dh, 0, 0, 0);
            }
        }
        if (m->parallel || !ATTENDS(l)) {
            if (m->mixer == CKW_MAMBA1) {
                ckw_tensor(g, NAME("blk.%llu.ssm_in.weight", b), CKW_F16, 2, d, 2 * di, 0, 0);
                ckw_tensor(g, NAME("blk.%llu.ssm_conv1d.weight", b), CKW_F32, 2, m->d_conv, di, 0, 0);
                ckw_tensor(g, NAME("blk.%llu.ssm_conv1d.bias", b), CKW_F32, 1, di, 0, 0, 0);
                ckw_tensor(g, NAME("blk.%llu.ssm_x.weight", b), CKW_F16, 2, di, m->dt_rank + 2 * N, 0, 0);
                ckw_tensor(g, NAME("blk.%llu.ssm_dt.weight", b), CKW_F16, 2, m->dt_rank, di, 0, 0);
                ckw_tensor(g, NAME("blk.%llu.ssm_dt.bias", b), CKW_F32, 1, di, 0, 0, 0);
                ckw_tensor(g, NAME("blk.%llu.ssm_a", b), CKW_F32, 2, N, di, 0, 0);
                ckw_tensor(g, NAME("blk.%llu.ssm_d", b), CKW_F32, 1, di, 0, 0, 0);
                ckw_tensor(g, NAME("blk.%llu.ssm_dt_norm.weight", b), CKW_F32, 1, m->dt_rank, 0, 0, 0);
                ckw_tensor(g, NAME("blk.%llu.ssm_b_norm.weight", b), CKW_F32, 1, N, 0, 0, 0);
                ckw_tensor(g, NAME("blk.%llu.ssm_c_norm.weight", b), CKW_F32, 1, N, 0, 0, 0);
            } else if (m->mixer == CKW_MAMBA2) {
                const uint64_t conv = di + 2 * G * N;
                ckw_tensor(g, NAME("blk.%llu.ssm_in.weight", b), CKW_F16, 2, d, di + conv + H, 0, 0);
                ckw_tensor(g, NAME("blk.%llu.ssm_conv1d.weight", b), CKW_F32, 2, m->d_conv, conv, 0, 0);
                ckw_tensor(g, NAME("blk.%llu.ssm_conv1d.bias", b), CKW_F32, 1, conv, 0, 0, 0);
                ckw_tensor(g, NAME("blk.%llu.ssm_dt.bias", b), CKW_F32, 1, H, 0, 0, 0);
                ckw_tensor(g, NAME("blk.%llu.ssm_a", b), CKW_F32, 2, 1, H, 0, 0);
                ckw_tensor(g, NAME("blk.%llu.ssm_d", b), CKW_F32, 2, 1, H, 0, 0);
                if (m->ssm_norm)
                    ckw_tensor(g, NAME("blk.%llu.ssm_norm.weight", b), CKW_F32, 2, di / G, G, 0, 0);
            } else {
                const uint64_t conv = 2 * G * N + di;
                ckw_tensor(g, NAME("blk.%llu.attn_qkv.weight", b), CKW_F16, 2, d, conv, 0, 0);
                ckw_tensor(g, NAME("blk.%llu.attn_gate.weight", b), CKW_F16, 2, d, di, 0, 0);
                ckw_tensor(g, NAME("blk.%llu.ssm_ba.weight", b), CKW_F16, 2, d, 2 * H, 0, 0);
                ckw_tensor(g, NAME("blk.%llu.ssm_conv1d.weight", b), CKW_F32, 2, m->d_conv, conv, 0, 0);
                ckw_tensor(g, NAME("blk.%llu.ssm_dt.bias", b), CKW_F32, 1, H, 0, 0, 0);
                ckw_tensor(g, NAME("blk.%llu.ssm_a", b), CKW_F32, 1, H, 0, 0, 0);
                ckw_tensor(g, NAME("blk.%llu.ssm_norm.weight", b), CKW_F32, 1, di / H, 0, 0, 0);
            }
            ckw_tensor(g, NAME("blk.%llu.ssm_out.weight", b), CKW_F16, 2, di, d, 0, 0);
        }
        ckw_tensor(g, NAME("blk.%llu.%s.weight", b, m->norm2), CKW_F32, 1, d, 0, 0, 0);
        if (m->E && l % m->moe_step == m->moe_offset) {
            ckw_tensor(g, NAME("blk.%llu.ffn_gate_inp.weight", b), CKW_F32, 2, d, m->E, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.ffn_gate_exps.weight", b), CKW_F16, 3, d, m->fe, m->E, 0);
            ckw_tensor(g, NAME("blk.%llu.ffn_up_exps.weight", b), CKW_F16, 3, d, m->fe, m->E, 0);
            ckw_tensor(g, NAME("blk.%llu.ffn_down_exps.weight", b), CKW_F16, 3, m->fe, d, m->E, 0);
            if (m->fs) {
                ckw_tensor(g, NAME("blk.%llu.ffn_gate_shexp.weight", b), CKW_F16, 2, d, m->fs, 0, 0);
                ckw_tensor(g, NAME("blk.%llu.ffn_up_shexp.weight", b), CKW_F16, 2, d, m->fs, 0, 0);
                ckw_tensor(g, NAME("blk.%llu.ffn_down_shexp.weight", b), CKW_F16, 2, m->fs, d, 0, 0);
            }
            if (m->shexp_gate)
                ckw_tensor(g, NAME("blk.%llu.ffn_gate_inp_shexp.weight", b), CKW_F32, 1, d, 0, 0, 0);
        } else {
            ckw_tensor(g, NAME("blk.%llu.ffn_gate.weight", b), CKW_F16, 2, d, m->f, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.ffn_up.weight", b), CKW_F16, 2, d, m->f, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.ffn_down.weight", b), CKW_F16, 2, m->f, d, 0, 0);
        }
    }
    ckw_tensor(g, "output_norm.weight", CKW_F32, 1, d, 0, 0, 0);
    if (!m->tied)
        ckw_tensor(g, "output.weight", CKW_F16, 2, d, m->V, 0, 0);
#undef ATTENDS
#undef KEY
#undef NAME
}

/* ibm-granite/granite-4.0-h-tiny and Qwen/Qwen3-Coder-Next as llama.cpp
 * GGUFs (test_gguf.c counts them; the fixtures write them for inspect) */
static const struct ckw_hybrid ckw_granite_h_tiny = {
    .arch = "granitehybrid", .norm2 = "ffn_norm", .V = 100352, .d = 1536, .L = 40, .n_head = 12,
    .n_kv = 4, .dh = 128, .attn_step = 10, .attn_offset = 5, .kv_per_layer = true,
    .mixer = CKW_MAMBA2, .di = 3072, .N = 128, .d_conv = 4, .H = 48, .G = 1, .ssm_norm = true,
    /* feed_forward_length is intermediate_size: the experts' width */
    .ff_key = 512, .f = 1024, .E = 64, .E_used = 6, .fe = 512, .fs = 1024, .fs_key = true,
    .moe_step = 1, .tied = true};
static const struct ckw_hybrid ckw_qwen3_next = {
    .arch = "qwen3next", .norm2 = "post_attention_norm", .V = 151936, .d = 2048, .L = 48,
    .n_head = 16, .n_kv = 2, .dh = 256, .key_length = 256, .attn_step = 4, .attn_offset = 3,
    .interval_key = true, .out_gate = true, .qk_norm = true, .mixer = CKW_GDN, .di = 4096,
    .N = 128, .d_conv = 4, .H = 32, .G = 16, .ff_key = 5120, .f = 5120, .E = 512,
    .E_used = 10, .fe = 512, .fs = 512, .fe_key = true, .fs_key = true, .moe_step = 1,
    .shexp_gate = true};

/* llama.cpp's "bert" GGUF, as convert_hf_to_gguf.py BertModel writes it
 * (the pooler dropped) and llama-model.cpp LLM_ARCH_BERT loads it:
 * token_embd {d, V}, token_types {d, n_types}, position_embd {d, n_ctx},
 * token_embd_norm weight + bias; per layer attn_q/k/v {d, d} + bias,
 * attn_output {d, d} + bias, attn_output_norm weight + bias, ffn_up {d, f}
 * + bias, ffn_down {f, d} + bias, layer_output_norm weight + bias;
 * bert.attention.causal false. */
static inline void ckw_gguf_bert(struct ckw_gguf *g, uint64_t V, uint64_t d, uint64_t L,
                                 uint64_t n_head, uint64_t f, uint64_t n_ctx, uint64_t n_types)
{
    char n[160];
#define NAME(...) (snprintf(n, sizeof n, __VA_ARGS__), n)
    ckw_kv_str(g, "general.architecture", "bert");
    ckw_kv_str(g, "general.name", "tiny bert");
    ckw_kv_u32(g, "general.file_type", 1);
    ckw_kv_u32(g, "bert.context_length", (uint32_t)n_ctx);
    ckw_kv_u32(g, "bert.embedding_length", (uint32_t)d);
    ckw_kv_u32(g, "bert.feed_forward_length", (uint32_t)f);
    ckw_kv_u32(g, "bert.attention.head_count", (uint32_t)n_head);
    ckw_kv_u32(g, "bert.block_count", (uint32_t)L);
    ckw_kv_f32(g, "bert.attention.layer_norm_epsilon", 1e-12f);
    ckw_kv_bool(g, "bert.attention.causal", false);
    ckw_kv_u32(g, "bert.pooling_type", 2);
    ckw_kv_str(g, "tokenizer.ggml.model", "bert");
    ckw_kv_tokens(g, "tokenizer.ggml.tokens", V);
    ckw_kv_u32(g, "tokenizer.ggml.token_type_count", (uint32_t)n_types);
    ckw_tensor(g, "token_embd.weight", CKW_F16, 2, d, V, 0, 0);
    ckw_tensor(g, "token_types.weight", CKW_F32, 2, d, n_types, 0, 0);
    ckw_tensor(g, "position_embd.weight", CKW_F16, 2, d, n_ctx, 0, 0);
    ckw_tensor(g, "token_embd_norm.weight", CKW_F32, 1, d, 0, 0, 0);
    ckw_tensor(g, "token_embd_norm.bias", CKW_F32, 1, d, 0, 0, 0);
    static const char *const qkvo[] = {"attn_q", "attn_k", "attn_v", "attn_output"};
    for (uint64_t l = 0; l < L; l++) {
        unsigned long long b = (unsigned long long)l;
        for (int i = 0; i < 4; i++) {
            ckw_tensor(g, NAME("blk.%llu.%s.weight", b, qkvo[i]), CKW_F16, 2, d, d, 0, 0);
            ckw_tensor(g, NAME("blk.%llu.%s.bias", b, qkvo[i]), CKW_F32, 1, d, 0, 0, 0);
        }
        ckw_tensor(g, NAME("blk.%llu.attn_output_norm.weight", b), CKW_F32, 1, d, 0, 0, 0);
        ckw_tensor(g, NAME("blk.%llu.attn_output_norm.bias", b), CKW_F32, 1, d, 0, 0, 0);
        ckw_tensor(g, NAME("blk.%llu.ffn_up.weight", b), CKW_F16, 2, d, f, 0, 0);
        ckw_tensor(g, NAME("blk.%llu.ffn_up.bias", b), CKW_F32, 1, f, 0, 0, 0);
        ckw_tensor(g, NAME("blk.%llu.ffn_down.weight", b), CKW_F16, 2, f, d, 0, 0);
        ckw_tensor(g, NAME("blk.%llu.ffn_down.bias", b), CKW_F32, 1, d, 0, 0, 0);
        ckw_tensor(g, NAME("blk.%llu.layer_output_norm.weight", b), CKW_F32, 1, d, 0, 0, 0);
        ckw_tensor(g, NAME("blk.%llu.layer_output_norm.bias", b), CKW_F32, 1, d, 0, 0, 0);
    }
#undef NAME
}

/* ------------------------------------------------------ HF model folders */

/* Spreads a layout's tensors over k shards in order, as save_pretrained
 * does, and writes model.safetensors.index.json (k > 1) or
 * model.safetensors (k == 1). */
struct ckw_shards {
    unsigned k, total, seen;
    struct ckw_st st[8];
    struct ckw_buf map;
    uint64_t params, bytes;
};

static inline void ckw_count_sink(void *ctx, const char *name, const char *dtype, unsigned n,
                                  const uint64_t *dims)
{
    (void)name;
    (void)dtype;
    (void)n;
    (void)dims;
    ((struct ckw_shards *)ctx)->total++;
}

static inline void ckw_shard_sink(void *ctx, const char *name, const char *dtype, unsigned n,
                                  const uint64_t *dims)
{
    struct ckw_shards *s = ctx;
    unsigned i = s->seen++ * s->k / s->total;
    uint64_t before = s->st[i].data_bytes, p0 = s->st[i].params;
    ckw_st_add(&s->st[i], name, dtype, n, dims);
    s->bytes += s->st[i].data_bytes - before;
    s->params += s->st[i].params - p0;
    char entry[400];
    snprintf(entry, sizeof entry, "%s\"%s\":\"model-%05u-of-%05u.safetensors\"",
             s->map.len ? "," : "", name, i + 1, s->k);
    ckw_text(&s->map, entry);
}

/* The HF layout of m (GPT-2's when gpt2, else Llama-style; extra: inv_freq
 * or mask buffers) in k files under dir (created), with config.json unless
 * no_config. *params and *bytes: what was written. */
static inline void ckw_hf_folder(const char *dir, const struct ckw_model *m, bool gpt2,
                                 const char *dtype, bool extra, unsigned k, bool no_config,
                                 uint64_t *params, uint64_t *bytes)
{
    char p[1024];
    mkdir(dir, 0755);
    struct ckw_shards s;
    memset(&s, 0, sizeof s);
    s.k = k;
    if (gpt2)
        ckw_hf_gpt2(m, dtype, extra, ckw_count_sink, &s);
    else
        ckw_hf_llama(m, dtype, extra, ckw_count_sink, &s);
    for (unsigned i = 0; i < k; i++)
        ckw_st_begin(&s.st[i]);
    if (gpt2)
        ckw_hf_gpt2(m, dtype, extra, ckw_shard_sink, &s);
    else
        ckw_hf_llama(m, dtype, extra, ckw_shard_sink, &s);
    for (unsigned i = 0; i < k; i++) {
        if (k == 1)
            snprintf(p, sizeof p, "%s/model.safetensors", dir);
        else
            snprintf(p, sizeof p, "%s/model-%05u-of-%05u.safetensors", dir, i + 1, k);
        ckw_st_write(&s.st[i], p);
    }
    if (k > 1) {
        struct ckw_buf ix = {0};
        char head[128];
        snprintf(head, sizeof head, "{\"metadata\":{\"total_size\":%llu},\"weight_map\":{",
                 (unsigned long long)s.bytes);
        ckw_text(&ix, head);
        ckw_put(&ix, s.map.p, s.map.len);
        ckw_text(&ix, "}}");
        snprintf(p, sizeof p, "%s/model.safetensors.index.json", dir);
        ckw_write_file(p, ix.p, ix.len, ix.len);
        ckw_free(&ix);
    }
    ckw_free(&s.map);
    if (!no_config) {
        char *cfg = ckw_config_json(m);
        snprintf(p, sizeof p, "%s/config.json", dir);
        ckw_write_file(p, cfg, strlen(cfg), strlen(cfg));
        free(cfg);
    }
    *params = s.params;
    *bytes = s.bytes;
}

/* The i-th tensor of a generated layout: its name, dtype and (rows, cols;
 * cols 0: a vector). */
typedef void (*ckw_nth_fn)(uint64_t i, char *name, size_t cap, const char **dtype,
                           uint64_t *rows, uint64_t *cols);

/* n tensors from nth, spread in order over k shards
 * model-0000i-of-0000k.safetensors under dir (created), and the
 * model.safetensors.index.json naming them (total_size: their data bytes). */
static inline void ckw_index_folder(const char *dir, unsigned k, uint64_t n, ckw_nth_fn nth)
{
    mkdir(dir, 0755);
    struct ckw_buf map = {0};
    char name[256], entry[384], path[1200];
    uint64_t t = 0, total = 0;
    for (unsigned s = 0; s < k; s++) {
        struct ckw_st st;
        ckw_st_begin(&st);
        uint64_t end = n * (s + 1) / k;
        for (; t < end; t++) {
            const char *dtype = "F32";
            uint64_t rows = 1, cols = 0;
            nth(t, name, sizeof name, &dtype, &rows, &cols);
            ckw_st_add2(&st, name, dtype, rows, cols);
            snprintf(entry, sizeof entry, "%s\"%s\":\"model-%05u-of-%05u.safetensors\"",
                     map.len ? "," : "", name, s + 1, k);
            ckw_text(&map, entry);
        }
        total += st.data_bytes;
        snprintf(path, sizeof path, "%s/model-%05u-of-%05u.safetensors", dir, s + 1, k);
        ckw_st_write(&st, path);
    }
    struct ckw_buf ix = {0};
    snprintf(entry, sizeof entry, "{\"metadata\":{\"total_size\":%llu},\"weight_map\":{",
             (unsigned long long)total);
    ckw_text(&ix, entry);
    ckw_put(&ix, map.p, map.len);
    ckw_text(&ix, "}}");
    snprintf(path, sizeof path, "%s/model.safetensors.index.json", dir);
    ckw_write_file(path, ix.p, ix.len, ix.len);
    ckw_free(&ix);
    ckw_free(&map);
}

/* ------------------------------------------------- quantized checkpoints */

/* A folder: model.safetensors of m quantized as qz, and a config.json with
 * `qcfg` as its quantization_config (NULL: none) and torch_dtype. Returns
 * the bytes of the tensors written. */
static inline uint64_t ckw_quant_folder(const char *root, const char *name, const struct ckw_model *m,
                             const char *dtype, enum ckw_quant qz, uint64_t bits, uint64_t g,
                             const char *torch_dtype, const char *qcfg)
{
    char dir[600], p[700];
    snprintf(dir, sizeof dir, "%s/%s", root, name);
    mkdir(dir, 0755);
    struct ckw_st st;
    ckw_st_begin(&st);
    ckw_hf_llama_quant(m, dtype, qz, bits, g, ckw_st_sink, &st);
    uint64_t bytes = st.data_bytes;
    snprintf(p, sizeof p, "%s/model.safetensors", dir);
    ckw_st_write(&st, p);
    char *cfg = ckw_config_json(m);
    size_t n = strlen(cfg);
    char *full = malloc(n + 1024);
    if (full == NULL)
        abort();
    snprintf(full, n + 1024, "%.*s,\"torch_dtype\":\"%s\"%s%s}", (int)(n - 1), cfg, torch_dtype,
             qcfg ? ",\"quantization_config\":" : "", qcfg ? qcfg : "");
    snprintf(p, sizeof p, "%s/config.json", dir);
    ckw_write_file(p, full, strlen(full), strlen(full));
    free(full);
    free(cfg);
    return bytes;
}

/* llama.cpp's Q4_K_M types for Llama (llama-quant.cpp llama_tensor_get_type,
 * restated here): Q4_K everywhere, Q6_K for the output, and for attn_v and
 * ffn_down of layer i of n when use_more_bits(i, n): i < n/8, i >= 7n/8, or
 * (i - n/8) % 3 == 2; norms F32. */
static inline void ckw_q4km_types(uint64_t n, struct ckw_types *ty)
{
    ty->matrix = ty->embd = CKW_Q4_K;
    ty->output = CKW_Q6_K;
    for (uint64_t i = 0; i < n && i < CKW_MAX_TYPED_LAYERS; i++) {
        bool more = i < n / 8 || i >= 7 * n / 8 || (i >= n / 8 && (i - n / 8) % 3 == 2);
        ty->attn_v[i] = ty->ffn_down[i] = more ? CKW_Q6_K : CKW_Q4_K;
    }
}

/* quantization_config objects as the quantizers write them */
#define CKW_GPTQ_CFG \
    "{\"quant_method\":\"gptq\",\"bits\":4,\"group_size\":128,\"desc_act\":false,\"sym\":true," \
    "\"damp_percent\":0.1,\"true_sequential\":true}"
#define CKW_AWQ_CFG \
    "{\"quant_method\":\"awq\",\"bits\":4,\"group_size\":128,\"zero_point\":true,\"version\":\"gemm\"}"
#define CKW_FP8_CFG \
    "{\"quant_method\":\"fp8\",\"activation_scheme\":\"dynamic\",\"weight_block_size\":[128,128]}"
#define CKW_NF4_CFG \
    "{\"quant_method\":\"bitsandbytes\",\"load_in_4bit\":true,\"load_in_8bit\":false," \
    "\"bnb_4bit_quant_type\":\"nf4\",\"bnb_4bit_use_double_quant\":true," \
    "\"bnb_4bit_compute_dtype\":\"bfloat16\",\"llm_int8_skip_modules\":null}"
#define CKW_W4A16_CFG \
    "{\"quant_method\":\"compressed-tensors\",\"format\":\"pack-quantized\",\"config_groups\":" \
    "{\"group_0\":{\"targets\":[\"Linear\"],\"weights\":{\"num_bits\":4,\"type\":\"int\"," \
    "\"strategy\":\"group\",\"group_size\":128,\"symmetric\":true}}},\"ignore\":[\"lm_head\"]}"


#endif /* TMEM_TEST_CKPT_WRITER_H */
