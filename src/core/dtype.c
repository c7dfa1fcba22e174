/* dtype.c — element types and their exact bit widths, and the one formula
 * for the bytes a tensor of n elements occupies: ceil(n · bits / 8).
 * Quantized formats with per-group scales are the inference ledger's job. */
#include "checked.h"
#include "tmem/tmem.h"

#include <string.h>

static const struct tmem_dtype_info dtypes[] = {
    [TMEM_DTYPE_F32] = {"fp32", 32}, [TMEM_DTYPE_BF16] = {"bf16", 16},
    [TMEM_DTYPE_F16] = {"fp16", 16}, [TMEM_DTYPE_FP8] = {"fp8", 8},
    [TMEM_DTYPE_INT8] = {"int8", 8}, [TMEM_DTYPE_INT4] = {"int4", 4},
};
_Static_assert(sizeof dtypes / sizeof dtypes[0] == TMEM_DTYPE_COUNT, "one row per dtype");

const struct tmem_dtype_info *tmem_dtype_info(enum tmem_dtype t)
{
    return (unsigned)t < TMEM_DTYPE_COUNT ? &dtypes[t] : NULL;
}

enum tmem_dtype tmem_dtype_from_name(const char *name)
{
    if (name == NULL)
        return TMEM_DTYPE_COUNT;
    for (int t = 0; t < TMEM_DTYPE_COUNT; t++)
        if (strcmp(dtypes[t].name, name) == 0)
            return (enum tmem_dtype)t;
    return TMEM_DTYPE_COUNT;
}

enum tmem_status tmem_dtype_bytes(enum tmem_dtype t, uint64_t params, uint64_t *bytes)
{
    if ((unsigned)t >= TMEM_DTYPE_COUNT || bytes == NULL)
        return TMEM_ERR_INVALID_ARG;
    uint64_t bits = dtypes[t].bits;
    /* ceil(params · bits / 8) without forming params · bits when it would wrap */
    uint64_t whole, rem;
    if (!tmem_mul_u64(params / 8, bits, &whole))
        return TMEM_ERR_OVERFLOW;
    rem = tmem_ceil_div_u64((params % 8) * bits, 8);
    if (!tmem_add_u64(whole, rem, bytes))
        return TMEM_ERR_OVERFLOW;
    return TMEM_OK;
}
