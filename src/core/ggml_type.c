/* ggml_type.c — ggml's tensor types as data: name, elements per block and
 * bytes per block, indexed by ggml's own numeric ids (ggml.h). Shared by
 * the GGUF reader and the inference ledger's GGUF weight formats.
 * REF: ggml/src/ggml.c type_traits[], ggml-common.h block_* structs. */
#include "checked.h"
#include "sb.h"
#include "tmem/infer.h"

#include <string.h>

static const struct tmem_block_type types[TMEM_GGML_TYPE_COUNT] = {
    [TMEM_GGML_F32] = {"F32", 1, 4},
    [TMEM_GGML_F16] = {"F16", 1, 2},
    [TMEM_GGML_Q4_0] = {"Q4_0", 32, 18},      /* fp16 d + 16 B of nibbles */
    [TMEM_GGML_Q4_1] = {"Q4_1", 32, 20},      /* fp16 d, m + 16 B */
    [TMEM_GGML_Q5_0] = {"Q5_0", 32, 22},      /* fp16 d + 4 B high bits + 16 B */
    [TMEM_GGML_Q5_1] = {"Q5_1", 32, 24},
    [TMEM_GGML_Q8_0] = {"Q8_0", 32, 34},      /* fp16 d + 32 int8 */
    [TMEM_GGML_Q8_1] = {"Q8_1", 32, 36},      /* fp16 d, s + 32 int8 */
    [TMEM_GGML_Q2_K] = {"Q2_K", 256, 84},     /* 16 scales + 64 qs + fp16 d, dmin */
    [TMEM_GGML_Q3_K] = {"Q3_K", 256, 110},    /* 32 hmask + 64 qs + 12 scales + fp16 d */
    [TMEM_GGML_Q4_K] = {"Q4_K", 256, 144},    /* fp16 d, dmin + 12 scales + 128 qs */
    [TMEM_GGML_Q5_K] = {"Q5_K", 256, 176},    /* + 32 B high bits */
    [TMEM_GGML_Q6_K] = {"Q6_K", 256, 210},    /* 128 ql + 64 qh + 16 scales + fp16 d */
    [TMEM_GGML_Q8_K] = {"Q8_K", 256, 292},    /* fp32 d + 256 int8 + 16 int16 bsums */
    [TMEM_GGML_IQ2_XXS] = {"IQ2_XXS", 256, 66},
    [TMEM_GGML_IQ2_XS] = {"IQ2_XS", 256, 74},
    [TMEM_GGML_IQ3_XXS] = {"IQ3_XXS", 256, 98},
    [TMEM_GGML_IQ1_S] = {"IQ1_S", 256, 50},
    [TMEM_GGML_IQ4_NL] = {"IQ4_NL", 32, 18},
    [TMEM_GGML_IQ3_S] = {"IQ3_S", 256, 110},
    [TMEM_GGML_IQ2_S] = {"IQ2_S", 256, 82},
    [TMEM_GGML_IQ4_XS] = {"IQ4_XS", 256, 136},
    [TMEM_GGML_I8] = {"I8", 1, 1},
    [TMEM_GGML_I16] = {"I16", 1, 2},
    [TMEM_GGML_I32] = {"I32", 1, 4},
    [TMEM_GGML_I64] = {"I64", 1, 8},
    [TMEM_GGML_F64] = {"F64", 1, 8},
    [TMEM_GGML_IQ1_M] = {"IQ1_M", 256, 56},
    [TMEM_GGML_BF16] = {"BF16", 1, 2},
    [TMEM_GGML_TQ1_0] = {"TQ1_0", 256, 54},
    [TMEM_GGML_TQ2_0] = {"TQ2_0", 256, 66},
    [TMEM_GGML_MXFP4] = {"MXFP4", 32, 17},    /* e8m0 scale + 16 B of fp4 */
    [TMEM_GGML_NVFP4] = {"NVFP4", 64, 36},    /* 4 e4m3 scales + 32 B of fp4 */
    [TMEM_GGML_Q1_0] = {"Q1_0", 128, 18},     /* fp16 d + 16 B of bits */
    [TMEM_GGML_Q2_0] = {"Q2_0", 64, 18},      /* fp16 d + 16 B */
};

const struct tmem_block_type *tmem_ggml_type_info(uint32_t id)
{
    if (id >= TMEM_GGML_TYPE_COUNT || types[id].name == NULL)
        return NULL;
    return &types[id];
}

uint32_t tmem_ggml_type_from_name(const char *name)
{
    if (name == NULL)
        return TMEM_GGML_TYPE_COUNT;
    for (uint32_t id = 0; id < TMEM_GGML_TYPE_COUNT; id++)
        if (types[id].name != NULL && tmem__str_eq_ci(types[id].name, name))
            return id;
    return TMEM_GGML_TYPE_COUNT;
}

enum tmem_status tmem_ggml_bytes(uint32_t id, uint64_t n, uint64_t *bytes)
{
    const struct tmem_block_type *t = tmem_ggml_type_info(id);
    if (t == NULL || bytes == NULL)
        return TMEM_ERR_INVALID_ARG;
    if (n % t->block_elems != 0)
        return TMEM_ERR_INCONSISTENT;
    return tmem_mul_u64(n / t->block_elems, t->block_bytes, bytes) ? TMEM_OK : TMEM_ERR_OVERFLOW;
}
