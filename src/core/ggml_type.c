/* ggml_type.c — ggml's tensor types as data: name, elements per block and
 * bytes per block, indexed by ggml's own numeric ids (ggml.h). Shared by
 * the GGUF reader and the inference ledger's GGUF weight formats.
 * REF: ggml/src/ggml.c type_traits[], ggml-common.h block_* structs. */
#include "checked.h"
#include "tmem/infer.h"

#include <string.h>

static const struct tmem_ggml_type_info types[TMEM_GGML_TYPE_COUNT] = {
    [TMEM_GGML_F32] = {"f32", 1, 4},
    [TMEM_GGML_F16] = {"f16", 1, 2},
    [TMEM_GGML_Q4_0] = {"q4_0", 32, 18},      /* fp16 d + 16 B of nibbles */
    [TMEM_GGML_Q4_1] = {"q4_1", 32, 20},      /* fp16 d, m + 16 B */
    [TMEM_GGML_Q5_0] = {"q5_0", 32, 22},      /* fp16 d + 4 B high bits + 16 B */
    [TMEM_GGML_Q5_1] = {"q5_1", 32, 24},
    [TMEM_GGML_Q8_0] = {"q8_0", 32, 34},      /* fp16 d + 32 int8 */
    [TMEM_GGML_Q8_1] = {"q8_1", 32, 36},      /* fp16 d, s + 32 int8 */
    [TMEM_GGML_Q2_K] = {"q2_K", 256, 84},     /* 16 scales + 64 qs + fp16 d, dmin */
    [TMEM_GGML_Q3_K] = {"q3_K", 256, 110},    /* 32 hmask + 64 qs + 12 scales + fp16 d */
    [TMEM_GGML_Q4_K] = {"q4_K", 256, 144},    /* fp16 d, dmin + 12 scales + 128 qs */
    [TMEM_GGML_Q5_K] = {"q5_K", 256, 176},    /* + 32 B high bits */
    [TMEM_GGML_Q6_K] = {"q6_K", 256, 210},    /* 128 ql + 64 qh + 16 scales + fp16 d */
    [TMEM_GGML_Q8_K] = {"q8_K", 256, 292},    /* fp32 d + 256 int8 + 16 int16 bsums */
    [TMEM_GGML_IQ2_XXS] = {"iq2_xxs", 256, 66},
    [TMEM_GGML_IQ2_XS] = {"iq2_xs", 256, 74},
    [TMEM_GGML_IQ3_XXS] = {"iq3_xxs", 256, 98},
    [TMEM_GGML_IQ1_S] = {"iq1_s", 256, 50},
    [TMEM_GGML_IQ4_NL] = {"iq4_nl", 32, 18},
    [TMEM_GGML_IQ3_S] = {"iq3_s", 256, 110},
    [TMEM_GGML_IQ2_S] = {"iq2_s", 256, 82},
    [TMEM_GGML_IQ4_XS] = {"iq4_xs", 256, 136},
    [TMEM_GGML_I8] = {"i8", 1, 1},
    [TMEM_GGML_I16] = {"i16", 1, 2},
    [TMEM_GGML_I32] = {"i32", 1, 4},
    [TMEM_GGML_I64] = {"i64", 1, 8},
    [TMEM_GGML_F64] = {"f64", 1, 8},
    [TMEM_GGML_IQ1_M] = {"iq1_m", 256, 56},
    [TMEM_GGML_BF16] = {"bf16", 1, 2},
    [TMEM_GGML_TQ1_0] = {"tq1_0", 256, 54},
    [TMEM_GGML_TQ2_0] = {"tq2_0", 256, 66},
    [TMEM_GGML_MXFP4] = {"mxfp4", 32, 17},    /* e8m0 scale + 16 B of fp4 */
};

const struct tmem_ggml_type_info *tmem_ggml_type_info(uint32_t id)
{
    if (id >= TMEM_GGML_TYPE_COUNT || types[id].name == NULL)
        return NULL;
    return &types[id];
}

static bool same_ci(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a - 'A' + 'a') : *a;
        char y = (*b >= 'A' && *b <= 'Z') ? (char)(*b - 'A' + 'a') : *b;
        if (x != y)
            return false;
    }
    return *a == *b;
}

uint32_t tmem_ggml_type_from_name(const char *name)
{
    if (name == NULL)
        return TMEM_GGML_TYPE_COUNT;
    for (uint32_t id = 0; id < TMEM_GGML_TYPE_COUNT; id++)
        if (types[id].name != NULL && same_ci(types[id].name, name))
            return id;
    return TMEM_GGML_TYPE_COUNT;
}

enum tmem_status tmem_ggml_bytes(uint32_t id, uint64_t n, uint64_t *bytes)
{
    const struct tmem_ggml_type_info *t = tmem_ggml_type_info(id);
    if (t == NULL || bytes == NULL)
        return TMEM_ERR_INVALID_ARG;
    if (n % t->block_elems != 0)
        return TMEM_ERR_INCONSISTENT;
    return tmem_mul_u64(n / t->block_elems, t->block_bytes, bytes) ? TMEM_OK : TMEM_ERR_OVERFLOW;
}
