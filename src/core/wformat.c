/* wformat.c — serving weight formats: which tensors each quantizes, and the
 * exact bytes of a tensor in it, scales and zero points included.
 *   fp8        e4m3: n B + one fp32 scale per tensor
 *   fp8-channel       n B + one fp32 scale per output channel
 *   fp8-block         n B + one fp32 scale per 128 × 128 block
 *   int8       per-channel: n B + fp32 scale per output channel (bnb SCB)
 *   int4 (AWQ) n/2 B + per group of g inputs per output an fp16 scale (2 B)
 *              and a 4-bit zero point (0.5 B)
 *   gptq       int4 + g_idx: one int32 per input channel
 *   nf4        n/2 B + fp32 absmax per block of 64 + a 16-entry fp32 code
 *   nf4-dq     n/2 B + int8 absmax per block of 64 + fp32 absmax2 per 256
 *              blocks + fp32 offset + 16- and 256-entry fp32 codes
 *   GGUF       n / block_elems × block_bytes (ggml_type.c)
 * REF: AutoAWQ / AutoGPTQ qweight, qzeros, scales, g_idx layouts;
 *      bitsandbytes functional.quantize_4bit QuantState; llama-quant.cpp. */
#include "checked.h"
#include "dtype_size.h"
#include "error.h"
#include "quant.h"
#include "sb.h"
#include "tensor_kind.h"

#include <string.h>

static const struct tmem_wformat_info formats[] = {
    [TMEM_WF_FP32] = {"fp32", "32-bit floats"},
    [TMEM_WF_BF16] = {"bf16", "bfloat16"},
    [TMEM_WF_FP16] = {"fp16", "float16"},
    [TMEM_WF_FP8] = {"fp8", "fp8 e4m3, one fp32 scale per tensor"},
    [TMEM_WF_FP8_CHANNEL] = {"fp8-channel", "fp8 e4m3, one fp32 scale per output channel"},
    [TMEM_WF_INT8] = {"int8", "int8, one fp32 scale per output channel"},
    [TMEM_WF_INT4] = {"int4", "4-bit AWQ-style: fp16 scale + 4-bit zero per group"},
    [TMEM_WF_GPTQ] = {"gptq", "4-bit GPTQ: fp16 scale + 4-bit zero per group, int32 g_idx"},
    [TMEM_WF_NF4] = {"nf4", "bitsandbytes NF4, fp32 absmax per 64 weights"},
    [TMEM_WF_NF4_DQ] = {"nf4-dq", "bitsandbytes NF4 with double-quantized absmax"},
    [TMEM_WF_GGUF] = {"gguf", "one ggml type for every matrix"},
    [TMEM_WF_GGUF_Q4_K_M] = {"q4_k_m", "llama.cpp Q4_K_M: Q4_K, Q6_K for the output and half the attn_v/ffn_down"},
    [TMEM_WF_GGUF_Q5_K_M] = {"q5_k_m", "llama.cpp Q5_K_M: Q5_K, Q6_K for the output and half the attn_v/ffn_down"},
    [TMEM_WF_GGUF_Q4_K_S] = {"q4_k_s", "llama.cpp Q4_K_S: Q4_K, Q5_K for the first attn_v/ffn_down"},
    [TMEM_WF_FP8_BLOCK] = {"fp8-block", "fp8 e4m3, one fp32 scale per 128 x 128 block"},
};
_Static_assert(sizeof formats / sizeof formats[0] == TMEM_WF_COUNT, "one row per format");

/* the payload's element type per format (GGUF: ggml's blocks instead) */
static const enum tmem_dtype payloads[] = {
    [TMEM_WF_FP32] = TMEM_DTYPE_F32,        [TMEM_WF_BF16] = TMEM_DTYPE_BF16,
    [TMEM_WF_FP16] = TMEM_DTYPE_F16,        [TMEM_WF_FP8] = TMEM_DTYPE_FP8,
    [TMEM_WF_FP8_CHANNEL] = TMEM_DTYPE_FP8, [TMEM_WF_INT8] = TMEM_DTYPE_INT8,
    [TMEM_WF_INT4] = TMEM_DTYPE_INT4,       [TMEM_WF_GPTQ] = TMEM_DTYPE_INT4,
    [TMEM_WF_NF4] = TMEM_DTYPE_INT4,        [TMEM_WF_NF4_DQ] = TMEM_DTYPE_INT4,
    [TMEM_WF_GGUF] = TMEM_DTYPE_COUNT,      [TMEM_WF_GGUF_Q4_K_M] = TMEM_DTYPE_COUNT,
    [TMEM_WF_GGUF_Q5_K_M] = TMEM_DTYPE_COUNT, [TMEM_WF_GGUF_Q4_K_S] = TMEM_DTYPE_COUNT,
    [TMEM_WF_FP8_BLOCK] = TMEM_DTYPE_FP8,
};
_Static_assert(sizeof payloads / sizeof payloads[0] == TMEM_WF_COUNT, "one payload per format");

enum tmem_dtype tmem__wf_payload_dtype(enum tmem_wformat f)
{
    return (unsigned)f < TMEM_WF_COUNT ? payloads[f] : TMEM_DTYPE_COUNT;
}

const char *tmem__wf_scales_rule(enum tmem_wformat f, uint64_t group, char *buf, size_t cap)
{
    const struct tmem_wstore s = {.format = f};
    return tmem__wstore_scales_rule(&s, group, buf, cap);
}

const char *tmem__wstore_scales_rule(const struct tmem_wstore *st, uint64_t group, char *buf,
                                     size_t cap)
{
    const enum tmem_wformat f = st->format;
    struct tmem_sb sb;
    tmem__sb_init(&sb, buf, cap);
    uint64_t f32 = tmem__dtype_size(TMEM_DTYPE_F32);
    tmem__sb_str(&sb, "Σ matrices: ");
    switch (f) {
    case TMEM_WF_FP8: tmem__sb_str(&sb, "one fp32 scale each ("); tmem__sb_u64(&sb, f32); tmem__sb_str(&sb, " B)"); break;
    case TMEM_WF_FP8_BLOCK:
        tmem__sb_str(&sb, "ceil(in/128) × ceil(out/128) × ");
        tmem__sb_u64(&sb, f32);
        tmem__sb_str(&sb, " B");
        break;
    case TMEM_WF_FP8_CHANNEL:
    case TMEM_WF_INT8:
        tmem__sb_str(&sb, "out_channels × ");
        tmem__sb_u64(&sb, f32);
        tmem__sb_str(&sb, " B (fp32 scale per output channel)");
        break;
    case TMEM_WF_INT4:
    case TMEM_WF_GPTQ: {
        uint64_t bits = st->bits ? st->bits : 4;
        if (st->per_channel) {
            tmem__sb_str(&sb, "out");
        } else {
            tmem__sb_str(&sb, st->act_order ? "in (whole) / " : "in / ");
            tmem__sb_u64(&sb, st->group_size ? st->group_size : group);
            tmem__sb_str(&sb, " × out");
        }
        tmem__sb_str(&sb, " × (2 B fp16 scale");
        if (!st->no_zeros) {
            tmem__sb_str(&sb, bits == 4 ? " + 0.5" : " + ");
            if (bits != 4) {
                tmem__sb_u64(&sb, bits);
                tmem__sb_str(&sb, "/8");
            }
            tmem__sb_str(&sb, " B ");
            tmem__sb_u64(&sb, bits);
            tmem__sb_str(&sb, "-bit zero");
        }
        tmem__sb_str(&sb, ")");
        if (f == TMEM_WF_GPTQ)
            tmem__sb_str(&sb, " + in × 4 B g_idx");
        break;
    }
    case TMEM_WF_NF4: tmem__sb_str(&sb, "elements / 64 × 4 B fp32 absmax + 64 B code"); break;
    case TMEM_WF_NF4_DQ:
        tmem__sb_str(&sb, "elements / 64 × 1 B absmax + / 16384 × 4 B absmax2 + 1092 B codes");
        break;
    case TMEM_WF_FP32:
    case TMEM_WF_BF16:
    case TMEM_WF_FP16:
    case TMEM_WF_GGUF:
    case TMEM_WF_GGUF_Q4_K_M:
    case TMEM_WF_GGUF_Q5_K_M:
    case TMEM_WF_GGUF_Q4_K_S:
    case TMEM_WF_COUNT: tmem__sb_str(&sb, "none"); break;
    }
    return buf;
}

const struct tmem_wformat_info *tmem_wformat_info(enum tmem_wformat f)
{
    return (unsigned)f < TMEM_WF_COUNT ? &formats[f] : NULL;
}

enum tmem_wformat tmem_wformat_from_name(const char *name, uint32_t *ggml_type)
{
    if (name == NULL)
        return TMEM_WF_COUNT;
    for (int f = 0; f < TMEM_WF_COUNT; f++)
        if (f != TMEM_WF_GGUF && tmem__str_eq_ci(formats[f].name, name))
            return (enum tmem_wformat)f;
    uint32_t g = tmem_ggml_type_from_name(name);
    if (g != TMEM_GGML_TYPE_COUNT && g != TMEM_GGML_F32 && g != TMEM_GGML_F16 &&
        g != TMEM_GGML_BF16) {
        if (ggml_type)
            *ggml_type = g;
        return TMEM_WF_GGUF;
    }
    return TMEM_WF_COUNT;
}

bool tmem__wf_is_gguf(enum tmem_wformat f)
{
    return f >= TMEM_WF_GGUF && f <= TMEM_WF_GGUF_Q4_K_S;
}

bool tmem__wf_quantizes(const struct tmem_tensor *t, enum tmem_wformat f)
{
    if (f <= TMEM_WF_FP16 || t->cols == 1 || t->rows == 1)
        return false; /* plain formats; vectors (norms, biases) stay as they are */
    const enum tmem_group g = tmem__kind(t)->group;
    if (g == TMEM_GROUP_ROUTER || g == TMEM_GROUP_NORM)
        return false; /* llama.cpp keeps ffn_gate_inp; HF formats skip the gate */
    if (tmem__wf_is_gguf(f))
        return true; /* token_embd and output are quantized too */
    return g != TMEM_GROUP_EMBEDDING && g != TMEM_GROUP_LM_HEAD;
}

/* llama-quant.cpp use_more_bits: first and last eighth, every third between */
static bool use_more_bits(uint64_t i, uint64_t n)
{
    return i < n / 8 || i >= 7 * n / 8 || (i >= n / 8 && (i - n / 8) % 3 == 2);
}

uint32_t tmem__gguf_type_for(const struct tmem_tensor *t, enum tmem_wformat f, uint32_t base,
                            uint64_t layer, uint64_t n_layer, bool tied)
{
    if (f == TMEM_WF_GGUF_Q4_K_M || f == TMEM_WF_GGUF_Q4_K_S)
        base = TMEM_GGML_Q4_K;
    else if (f == TMEM_WF_GGUF_Q5_K_M)
        base = TMEM_GGML_Q5_K;
    bool iq = base == TMEM_GGML_IQ2_XXS || base == TMEM_GGML_IQ2_XS || base == TMEM_GGML_IQ2_S ||
              base == TMEM_GGML_IQ1_S || base == TMEM_GGML_IQ1_M || base == TMEM_GGML_IQ3_XXS;
    const enum tmem_role role = tmem__kind(t)->role;
    /* the output (or, tied, the embedding standing in for it) */
    if (role == TMEM_ROLE_OUTPUT || (tied && role == TMEM_ROLE_TOKEN_EMBD)) {
        if (iq)
            return TMEM_GGML_Q5_K;
        return base == TMEM_GGML_Q8_0 ? TMEM_GGML_Q8_0 : TMEM_GGML_Q6_K;
    }
    if (role == TMEM_ROLE_ATTN_V) {
        if ((f == TMEM_WF_GGUF_Q4_K_M || f == TMEM_WF_GGUF_Q5_K_M) && use_more_bits(layer, n_layer))
            return TMEM_GGML_Q6_K;
        if (f == TMEM_WF_GGUF_Q4_K_S && layer < 4)
            return TMEM_GGML_Q5_K;
    }
    if (role == TMEM_ROLE_FFN_DOWN) {
        if ((f == TMEM_WF_GGUF_Q4_K_M || f == TMEM_WF_GGUF_Q5_K_M) && use_more_bits(layer, n_layer))
            return TMEM_GGML_Q6_K;
        if (f == TMEM_WF_GGUF_Q4_K_S && layer < n_layer / 8)
            return TMEM_GGML_Q5_K;
    }
    return base;
}

/* llama-quant.cpp: a row length that is not a whole number of blocks falls
 * back to a 32-element type, else to f16. */
static uint32_t gguf_fallback(uint32_t type, uint64_t row)
{
    const struct tmem_block_type *ti = tmem_ggml_type_info(type);
    if (ti == NULL || row % ti->block_elems == 0)
        return type;
    uint32_t fb;
    switch (type) {
    case TMEM_GGML_Q4_K: fb = TMEM_GGML_Q5_0; break;
    case TMEM_GGML_Q5_K: fb = TMEM_GGML_Q5_1; break;
    case TMEM_GGML_Q6_K: fb = TMEM_GGML_Q8_0; break;
    case TMEM_GGML_TQ1_0:
    case TMEM_GGML_TQ2_0: fb = TMEM_GGML_Q4_0; break;
    default: fb = TMEM_GGML_IQ4_NL; break;
    }
    return row % tmem_ggml_type_info(fb)->block_elems == 0 ? fb : TMEM_GGML_F16;
}

static enum tmem_status overflow(struct tmem_error *err, const char *name)
{
    return tmem__fail(err, TMEM_ERR_OVERFLOW, name, "weight bytes do not fit in 64 bits");
}

/* GPTQ / AWQ packing of one in × out share (in: this rank's input width)
 * at b bits, g inputs per group:
 *   payload  in × out × b / 8                 (qweight, int32 words)
 *   scales   groups × out × 2 B (fp16)        groups = in / g, 1 per channel,
 *   zeros    groups × out × b / 8  (qzeros)     the whole input's / g under
 *                                               gptq act order (row-parallel)
 *   g_idx    in × 4 B (int32, gptq only)
 * REF: AutoGPTQ QuantLinear buffers; vLLM gptq.py create_weights. */
static enum tmem_status grouped_int_bytes(const struct tmem_tensor *t, const struct tmem_wstore *s,
                                          uint64_t group, uint64_t in, uint64_t outc, uint64_t n,
                                          struct tmem_instance_bytes *out, struct tmem_error *err)
{
    uint64_t bits = s->bits ? s->bits : tmem_dtype_info(payloads[s->format])->bits, groups, a, b, c;
    uint64_t f32 = tmem__dtype_size(TMEM_DTYPE_F32), f16 = tmem__dtype_size(TMEM_DTYPE_F16);
    if (s->per_channel) {
        groups = 1;
    } else {
        if (group == 0 || in % group != 0) {
            char msg[160];
            struct tmem_sb sb;
            tmem__sb_init(&sb, msg, sizeof msg);
            tmem__sb_str(&sb, "--group-size ");
            tmem__sb_u64(&sb, group);
            tmem__sb_str(&sb, " does not divide the input width ");
            tmem__sb_u64(&sb, in);
            tmem__sb_str(&sb, " of ");
            tmem__sb_str(&sb, t->name);
            if (in != t->rows) { /* a row-parallel share: vLLM refuses it too */
                tmem__sb_str(&sb, " (");
                tmem__sb_u64(&sb, t->rows);
                tmem__sb_str(&sb, " split by tensor parallel)");
            }
            return tmem__fail(err, TMEM_ERR_INCONSISTENT, "--group-size", msg);
        }
        /* act order on a row-parallel share: every group's scales stay */
        groups = (s->act_order && s->format == TMEM_WF_GPTQ ? t->rows : in) / group;
    }
    if (!tmem_mul_u64(n, bits, &a))
        return overflow(err, t->name);
    out->payload = tmem_ceil_div_u64(a, 8);
    /* per group and output: an fp16 scale and a packed b-bit zero */
    if (!tmem_mul_u64(groups, outc, &a) || !tmem_mul_u64(a, f16, &b) || !tmem_mul_u64(a, bits, &c))
        return overflow(err, t->name);
    out->scales = b;
    if (!s->no_zeros && !tmem_add_u64(out->scales, tmem_ceil_div_u64(c, 8), &out->scales))
        return overflow(err, t->name);
    /* g_idx: one int32 per input channel */
    if (s->format == TMEM_WF_GPTQ && !tmem_add_u64(out->scales, in * f32, &out->scales))
        return overflow(err, t->name);
    return TMEM_OK;
}

/* a tensor stored as given: a plain dtype or a ggml type, whole blocks */
static enum tmem_status stored_plain_bytes(const struct tmem_tensor *t, const struct tmem_wstore *s,
                                           uint64_t n, struct tmem_instance_bytes *out,
                                           struct tmem_error *err)
{
    if (s->format != TMEM_WF_GGUF)
        return tmem_dtype_bytes(payloads[s->format], n, &out->payload) == TMEM_OK
                   ? TMEM_OK
                   : overflow(err, t->name);
    out->ggml_type = s->ggml_type;
    out->quantized = s->ggml_type != TMEM_GGML_F32 && s->ggml_type != TMEM_GGML_F16 &&
                     s->ggml_type != TMEM_GGML_BF16;
    enum tmem_status st = tmem_ggml_bytes(s->ggml_type, n, &out->payload);
    if (st == TMEM_ERR_OVERFLOW)
        return overflow(err, t->name);
    if (st != TMEM_OK)
        return tmem__fail(err, TMEM_ERR_INCONSISTENT, t->name,
                         "this share of the tensor is not a whole number of its ggml blocks "
                         "(--tp splits a block)");
    return TMEM_OK;
}

enum tmem_status tmem__wf_instance_bytes(const struct tmem_tensor *t, const struct tmem_wstore *s,
                                        bool as_stored, uint64_t group, enum tmem_dtype keep,
                                        uint64_t rows, uint64_t cols,
                                        struct tmem_instance_bytes *out, struct tmem_error *err)
{
    const enum tmem_wformat f = s->format;
    uint64_t n;
    if (!tmem_mul_u64(rows, cols, &n))
        return overflow(err, t->name);
    *out = (struct tmem_instance_bytes){.ggml_type = TMEM_GGML_TYPE_COUNT};
    if (as_stored && (f <= TMEM_WF_FP16 || f == TMEM_WF_GGUF))
        return stored_plain_bytes(t, s, n, out, err);
    if (!as_stored && !tmem__wf_quantizes(t, f)) {
        /* GGUF keeps vectors and the router in f32; HF formats in `keep` */
        enum tmem_dtype d = tmem__wf_is_gguf(f) ? TMEM_DTYPE_F32 : f <= TMEM_WF_FP16 ? payloads[f] : keep;
        if (tmem__wf_is_gguf(f))
            out->ggml_type = TMEM_GGML_F32;
        return tmem_dtype_bytes(d, n, &out->payload) == TMEM_OK ? TMEM_OK : overflow(err, t->name);
    }
    out->quantized = true;
    /* the row a block runs along, in the whole tensor (the file's type is
     * chosen before any tensor-parallel split): the input width of a
     * matrix, d of an embedding */
    const enum tmem_group g = tmem__kind(t)->group;
    uint64_t row = (g == TMEM_GROUP_EMBEDDING || g == TMEM_GROUP_LM_HEAD) ? t->cols : t->rows;
    uint64_t in = rows, outc = cols, a;
    uint64_t f32 = tmem__dtype_size(TMEM_DTYPE_F32);
    if (payloads[f] != TMEM_DTYPE_COUNT && tmem_dtype_bytes(payloads[f], n, &out->payload) != TMEM_OK)
        return overflow(err, t->name);
    switch (f) {
    case TMEM_WF_FP8:
        out->scales = f32;
        return TMEM_OK;
    case TMEM_WF_FP8_CHANNEL:
    case TMEM_WF_INT8:
        return tmem_mul_u64(f32, outc, &out->scales) ? TMEM_OK : overflow(err, t->name);
    case TMEM_WF_FP8_BLOCK:
        if (!tmem_mul3_u64(tmem_ceil_div_u64(in, 128), tmem_ceil_div_u64(outc, 128), f32,
                           &out->scales))
            return overflow(err, t->name);
        return TMEM_OK;
    case TMEM_WF_INT4:
    case TMEM_WF_GPTQ:
        return grouped_int_bytes(t, s, s->group_size ? s->group_size : group, in, outc, n, out, err);
    case TMEM_WF_NF4: {
        uint64_t blocks = tmem_ceil_div_u64(n, 64);
        if (!tmem_mul_u64(blocks, f32, &a))
            return overflow(err, t->name);
        out->scales = a + 16 * f32;
        return TMEM_OK;
    }
    case TMEM_WF_NF4_DQ: {
        uint64_t blocks = tmem_ceil_div_u64(n, 64);
        out->scales = blocks + tmem_ceil_div_u64(blocks, 256) * f32 + f32 + 16 * f32 + 256 * f32;
        return TMEM_OK;
    }
    default: {
        uint32_t ty = gguf_fallback(s->ggml_type, row);
        out->ggml_type = ty;
        enum tmem_status st = tmem_ggml_bytes(ty, n, &out->payload);
        if (st == TMEM_ERR_OVERFLOW)
            return overflow(err, t->name);
        if (st != TMEM_OK)
            return tmem__fail(err, TMEM_ERR_INCONSISTENT, t->name,
                             "tensor is not a whole number of ggml blocks");
        return TMEM_OK;
    }
    }
}
