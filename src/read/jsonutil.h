/* jsonutil.h — what every JSON-reading reader shares: the name of a JSON
 * value's type for error text, and the one way an error names its place
 * ("<file>:<key>"). */
#ifndef TMEM_JSONUTIL_H
#define TMEM_JSONUTIL_H

#include "tmem/tmem.h"

#include <jansson.h>

/* "an integer", "a string", ... for "expected X, got <kind>" */
const char *tmem_json_kind(const json_t *v);

/* Fills *err (when not NULL): where = "<where>:<key>" (just <where> when key
 * is NULL), offset 0, msg. */
void tmem_fail_at(struct tmem_error *err, enum tmem_status code, const char *where,
                  const char *key, const char *msg);

#endif /* TMEM_JSONUTIL_H */
