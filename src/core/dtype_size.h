/* dtype_size.h — the one place the core turns a dtype into bytes per
 * element: the dtype table's bits / 8 (dtype.c). Whole-byte dtypes only;
 * int4 and other sub-byte storage go through tmem_dtype_bytes(), which
 * rounds a tensor up. Internal to the core. */
#ifndef TMEM_DTYPE_SIZE_H
#define TMEM_DTYPE_SIZE_H

#include "tmem/tmem.h"

/* bytes of one element of t (fp32 4, bf16 / fp16 2, fp8 / int8 1) */
static inline uint64_t tmem__dtype_size(enum tmem_dtype t)
{
    return tmem_dtype_info(t)->bits / 8;
}

#endif /* TMEM_DTYPE_SIZE_H */
