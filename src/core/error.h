/* error.h — filling a struct tmem_error from inside the library. Internal. */
#ifndef TMEM_ERROR_H
#define TMEM_ERROR_H

#include "tmem/tmem.h"

/* Sets *err (when not NULL) to code, where and msg (NULL: the status
 * text), offset 0; returns code so callers can `return tmem__fail(...)`. */
enum tmem_status tmem__fail(struct tmem_error *err, enum tmem_status code, const char *where,
                           const char *msg);
/* "<field> is <value> but must be <rule>" */
enum tmem_status tmem__fail_value(struct tmem_error *err, enum tmem_status code,
                                 const char *where, uint64_t value, const char *rule);
/* The same with a rule that quotes a number: "<before><n><after>"
 * ("a divisor of n_head (" 32 ")"). */
enum tmem_status tmem__fail_value_n(struct tmem_error *err, enum tmem_status code,
                                   const char *where, uint64_t value, const char *before,
                                   uint64_t n, const char *after);

/* The refusals of the two checks below (out of line: the checks pass on
 * the fast path, which a search runs millions of times a second). */
enum tmem_status tmem__range_fail(struct tmem_error *err, const char *field, uint64_t v, uint64_t lo,
                                  uint64_t hi);
enum tmem_status tmem__divides_fail(struct tmem_error *err, const char *field, uint64_t v, const char *what,
                                    uint64_t n);

/* v in [lo, hi], else TMEM_ERR_LIMIT: "<field> is V but must be in [lo, hi]" */
static inline enum tmem_status tmem__check_range(struct tmem_error *err, const char *field, uint64_t v,
                                                 uint64_t lo, uint64_t hi)
{
    return v >= lo && v <= hi ? TMEM_OK : tmem__range_fail(err, field, v, lo, hi);
}

/* v (> 0) divides n, else TMEM_ERR_INCONSISTENT:
 * "<field> is V but must be a divisor of <what> (N)" */
static inline enum tmem_status tmem__check_divides(struct tmem_error *err, const char *field, uint64_t v,
                                                   const char *what, uint64_t n)
{
    return v == 1 || (v != 0 && n % v == 0) ? TMEM_OK : tmem__divides_fail(err, field, v, what, n);
}

/* Return early with any status but TMEM_OK. */
#define TRY(x)                                                                                 \
    do {                                                                                       \
        enum tmem_status st_ = (x);                                                            \
        if (st_ != TMEM_OK)                                                                    \
            return st_;                                                                        \
    } while (0)

#endif /* TMEM_ERROR_H */
