/* ckpt_types.c — the element types of checkpoint formats: safetensors'
 * dtypes as a table, ggml's types from the core's table (ggml_type.c), and
 * the names of GGUF metadata value types. Data only.
 *
 * REF: ggml/include/ggml.h enum ggml_type; ggml/src/ggml-common.h block
 * structs (sizes as their static_asserts state); ggml/src/ggml.c
 * type_traits[]; huggingface/safetensors safetensors/src/tensor.rs Dtype. */
#include "tmem/checkpoint.h"

#include <string.h>

static const struct tmem_block_type st_dtypes[TMEM_ST_DTYPE_COUNT] = {
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

const struct tmem_block_type *tmem_ckpt_type_info(enum tmem_ckpt_format f, uint32_t id)
{
    if (f == TMEM_CKPT_SAFETENSORS)
        return id < TMEM_ST_DTYPE_COUNT ? &st_dtypes[id] : NULL;
    if (f == TMEM_CKPT_GGUF)
        return tmem_ggml_type_info(id);
    return NULL;
}

const char *tmem_ggml_type_problem(uint32_t id)
{
    if (tmem_ggml_type_info(id) != NULL)
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
