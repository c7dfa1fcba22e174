/* error.h — filling a struct tmem_error from inside the library. Internal. */
#ifndef TMEM_ERROR_H
#define TMEM_ERROR_H

#include "tmem/tmem.h"

/* Sets *err (when not NULL) to code, where and msg (NULL: the status
 * text), offset 0; returns code so callers can `return tmem_fail(...)`. */
enum tmem_status tmem_fail(struct tmem_error *err, enum tmem_status code, const char *where,
                           const char *msg);
/* "<field> is <value> but must be <rule>" */
enum tmem_status tmem_fail_value(struct tmem_error *err, enum tmem_status code,
                                 const char *where, uint64_t value, const char *rule);

#endif /* TMEM_ERROR_H */
