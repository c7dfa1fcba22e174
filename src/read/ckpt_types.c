/* ckpt_types.c — the element-type tables of checkpoint formats: ggml's
 * types as GGUF stores them (indexed by ggml.h's pinned numeric ids) and
 * safetensors' dtypes, each with its block of elements and bytes, plus the
 * names of GGUF metadata value types. Data only.
 *
 * REF: ggml/include/ggml.h enum ggml_type; ggml/src/ggml-common.h block
 * structs (sizes as their static_asserts state); ggml/src/ggml.c
 * type_traits[]; huggingface/safetensors safetensors/src/tensor.rs Dtype. */
#include "checkpoint.h"

#include <string.h>

#define QK_K 256u /* super-block of the k-quants and i-quants */

/* bytes per block, from each block struct's fields (d/dmin are ggml_half) */
static const struct tmem_ckpt_type_info ggml_types[TMEM_GGML_TYPE_COUNT] = {
    [TMEM_GGML_F32] = {"F32", 1, 4},
    [TMEM_GGML_F16] = {"F16", 1, 2},
    [TMEM_GGML_Q4_0] = {"Q4_0", 32, 2 + 16},                  /* d, qs[16] */
    [TMEM_GGML_Q4_1] = {"Q4_1", 32, 2 + 2 + 16},              /* d, m, qs[16] */
    [TMEM_GGML_Q5_0] = {"Q5_0", 32, 2 + 4 + 16},              /* d, qh[4], qs[16] */
    [TMEM_GGML_Q5_1] = {"Q5_1", 32, 2 + 2 + 4 + 16},          /* d, m, qh[4], qs[16] */
    [TMEM_GGML_Q8_0] = {"Q8_0", 32, 2 + 32},                  /* d, qs[32] */
    [TMEM_GGML_Q8_1] = {"Q8_1", 32, 2 + 2 + 32},              /* d, s, qs[32] */
    [TMEM_GGML_Q2_K] = {"Q2_K", QK_K, QK_K / 16 + QK_K / 4 + 2 + 2},          /* 84 */
    [TMEM_GGML_Q3_K] = {"Q3_K", QK_K, QK_K / 8 + QK_K / 4 + 12 + 2},          /* 110 */
    [TMEM_GGML_Q4_K] = {"Q4_K", QK_K, 2 + 2 + 12 + QK_K / 2},                 /* 144 */
    [TMEM_GGML_Q5_K] = {"Q5_K", QK_K, 2 + 2 + 12 + QK_K / 8 + QK_K / 2},      /* 176 */
    [TMEM_GGML_Q6_K] = {"Q6_K", QK_K, QK_K / 2 + QK_K / 4 + QK_K / 16 + 2},   /* 210 */
    [TMEM_GGML_Q8_K] = {"Q8_K", QK_K, 4 + QK_K + QK_K / 16 * 2},              /* 292 */
    [TMEM_GGML_IQ2_XXS] = {"IQ2_XXS", QK_K, 2 + QK_K / 8 * 2},                /* 66 */
    [TMEM_GGML_IQ2_XS] = {"IQ2_XS", QK_K, 2 + QK_K / 8 * 2 + QK_K / 32},      /* 74 */
    [TMEM_GGML_IQ3_XXS] = {"IQ3_XXS", QK_K, 2 + 3 * QK_K / 8},                /* 98 */
    [TMEM_GGML_IQ1_S] = {"IQ1_S", QK_K, 2 + QK_K / 8 + QK_K / 32 * 2},        /* 50 */
    [TMEM_GGML_IQ4_NL] = {"IQ4_NL", 32, 2 + 16},
    [TMEM_GGML_IQ3_S] = {"IQ3_S", QK_K, 2 + QK_K / 4 + QK_K / 32 + QK_K / 8 + QK_K / 64}, /* 110 */
    [TMEM_GGML_IQ2_S] = {"IQ2_S", QK_K, 2 + QK_K / 4 + QK_K / 32 + QK_K / 32}, /* 82 */
    [TMEM_GGML_IQ4_XS] = {"IQ4_XS", QK_K, 2 + 2 + QK_K / 64 + QK_K / 2},      /* 136 */
    [TMEM_GGML_I8] = {"I8", 1, 1},
    [TMEM_GGML_I16] = {"I16", 1, 2},
    [TMEM_GGML_I32] = {"I32", 1, 4},
    [TMEM_GGML_I64] = {"I64", 1, 8},
    [TMEM_GGML_F64] = {"F64", 1, 8},
    [TMEM_GGML_IQ1_M] = {"IQ1_M", QK_K, QK_K / 8 + QK_K / 16 + QK_K / 32},    /* 56 */
    [TMEM_GGML_BF16] = {"BF16", 1, 2},
    [TMEM_GGML_TQ1_0] = {"TQ1_0", QK_K, (QK_K - 4 * QK_K / 64) / 5 + QK_K / 64 + 2}, /* 54 */
    [TMEM_GGML_TQ2_0] = {"TQ2_0", QK_K, QK_K / 4 + 2},                        /* 66 */
    [TMEM_GGML_MXFP4] = {"MXFP4", 32, 1 + 16},                                /* e8m0, qs[16] */
    [TMEM_GGML_NVFP4] = {"NVFP4", 64, 4 + 32},                                /* 4 e4m3 scales */
    [TMEM_GGML_Q1_0] = {"Q1_0", 128, 2 + 16},
    [TMEM_GGML_Q2_0] = {"Q2_0", 64, 2 + 16},
};
_Static_assert(sizeof ggml_types / sizeof ggml_types[0] == TMEM_GGML_TYPE_COUNT,
               "one row per ggml type id");

static const struct tmem_ckpt_type_info st_dtypes[TMEM_ST_DTYPE_COUNT] = {
    [TMEM_ST_F64] = {"F64", 1, 8},         [TMEM_ST_F32] = {"F32", 1, 4},
    [TMEM_ST_F16] = {"F16", 1, 2},         [TMEM_ST_BF16] = {"BF16", 1, 2},
    [TMEM_ST_F8_E4M3] = {"F8_E4M3", 1, 1}, [TMEM_ST_F8_E5M2] = {"F8_E5M2", 1, 1},
    [TMEM_ST_I64] = {"I64", 1, 8},         [TMEM_ST_I32] = {"I32", 1, 4},
    [TMEM_ST_I16] = {"I16", 1, 2},         [TMEM_ST_I8] = {"I8", 1, 1},
    [TMEM_ST_U64] = {"U64", 1, 8},         [TMEM_ST_U32] = {"U32", 1, 4},
    [TMEM_ST_U16] = {"U16", 1, 2},         [TMEM_ST_U8] = {"U8", 1, 1},
    [TMEM_ST_BOOL] = {"BOOL", 1, 1},
};
_Static_assert(sizeof st_dtypes / sizeof st_dtypes[0] == TMEM_ST_DTYPE_COUNT,
               "one row per safetensors dtype");

static const char *const gguf_type_names[TMEM_GGUF_TYPE_COUNT] = {
    [TMEM_GGUF_UINT8] = "uint8",     [TMEM_GGUF_INT8] = "int8",
    [TMEM_GGUF_UINT16] = "uint16",   [TMEM_GGUF_INT16] = "int16",
    [TMEM_GGUF_UINT32] = "uint32",   [TMEM_GGUF_INT32] = "int32",
    [TMEM_GGUF_FLOAT32] = "float32", [TMEM_GGUF_BOOL] = "bool",
    [TMEM_GGUF_STRING] = "string",   [TMEM_GGUF_ARRAY] = "array",
    [TMEM_GGUF_UINT64] = "uint64",   [TMEM_GGUF_INT64] = "int64",
    [TMEM_GGUF_FLOAT64] = "float64",
};
_Static_assert(sizeof gguf_type_names / sizeof gguf_type_names[0] == TMEM_GGUF_TYPE_COUNT,
               "one name per GGUF value type");

const struct tmem_ckpt_type_info *tmem_ckpt_type_info(enum tmem_ckpt_format f, uint32_t id)
{
    if (f == TMEM_CKPT_SAFETENSORS)
        return id < TMEM_ST_DTYPE_COUNT ? &st_dtypes[id] : NULL;
    if (f == TMEM_CKPT_GGUF)
        return id < TMEM_GGML_TYPE_COUNT && ggml_types[id].name ? &ggml_types[id] : NULL;
    return NULL;
}

const char *tmem_ggml_type_problem(uint32_t id)
{
    if (id < TMEM_GGML_TYPE_COUNT && ggml_types[id].name)
        return NULL;
    /* 4, 5: Q4_2, Q4_3; 31-33: Q4_0_4_4/4_8/8_8; 36-38: IQ4_NL_4_4/4_8/8_8 */
    if (id == 4 || id == 5 || (id >= 31 && id <= 33) || (id >= 36 && id <= 38))
        return "removed from GGUF files";
    return "unknown";
}

enum tmem_st_dtype tmem_st_dtype_from_name(const char *name)
{
    for (int i = 0; i < TMEM_ST_DTYPE_COUNT; i++)
        if (strcmp(st_dtypes[i].name, name) == 0)
            return (enum tmem_st_dtype)i;
    return TMEM_ST_DTYPE_COUNT;
}

const char *tmem_gguf_type_name(uint32_t t)
{
    return t < TMEM_GGUF_TYPE_COUNT ? gguf_type_names[t] : "?";
}
