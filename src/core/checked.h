/* checked.h — overflow-checked 64-bit arithmetic for every count and byte
 * size in tmem. Each helper returns false (and leaves *r untouched) when the
 * exact result does not fit in a uint64_t. Internal to the library. */
#ifndef TMEM_CHECKED_H
#define TMEM_CHECKED_H

#include <stdbool.h>
#include <stdint.h>

/* gcc and clang check in one instruction; the portable fallback divides. */
#if defined(__GNUC__) || defined(__clang__)
static inline bool tmem_add_u64(uint64_t a, uint64_t b, uint64_t *r)
{
    uint64_t t;
    if (__builtin_add_overflow(a, b, &t))
        return false;
    *r = t;
    return true;
}

static inline bool tmem_mul_u64(uint64_t a, uint64_t b, uint64_t *r)
{
    uint64_t t;
    if (__builtin_mul_overflow(a, b, &t))
        return false;
    *r = t;
    return true;
}
#else
static inline bool tmem_add_u64(uint64_t a, uint64_t b, uint64_t *r)
{
    if (a > UINT64_MAX - b)
        return false;
    *r = a + b;
    return true;
}

static inline bool tmem_mul_u64(uint64_t a, uint64_t b, uint64_t *r)
{
    if (a != 0 && b > UINT64_MAX / a)
        return false;
    *r = a * b;
    return true;
}
#endif

/* a · b · c */
static inline bool tmem_mul3_u64(uint64_t a, uint64_t b, uint64_t c, uint64_t *r)
{
    uint64_t t;
    return tmem_mul_u64(a, b, &t) && tmem_mul_u64(t, c, r);
}

/* ceil(a / b), b > 0 */
static inline uint64_t tmem_ceil_div_u64(uint64_t a, uint64_t b)
{
    return a / b + (a % b != 0);
}

/* floor(a · num / den) (ceil when `up`), den > 0: directly when a · num
 * fits (one division), else without forming it: a = q·den + r gives
 * a·num/den = q·num + r·num/den, so only a result that does not fit fails. Exact whenever r·num fits (num and den below 2^32:
 * every ppm, percentage and layer ratio in tmem); false otherwise. */
static inline bool tmem_scale_u64(uint64_t a, uint64_t num, uint64_t den, bool up, uint64_t *r)
{
    uint64_t q, rem, hi, lo;
    if (tmem_mul_u64(a, num, &lo)) { /* a · num fits: one division, the same result */
        *r = up ? lo / den + (lo % den != 0) : lo / den;
        return true;
    }
    q = a / den;
    rem = a % den;
    if (!tmem_mul_u64(q, num, &hi) || !tmem_mul_u64(rem, num, &lo))
        return false;
    lo = up ? tmem_ceil_div_u64(lo, den) : lo / den;
    return tmem_add_u64(hi, lo, r);
}

#endif /* TMEM_CHECKED_H */
