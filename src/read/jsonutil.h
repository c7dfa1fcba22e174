/* jsonutil.h — what every JSON-reading reader shares: the name of a JSON
 * value's type for error text, and the one way an error names its place
 * ("<file>:<key>"). */
#ifndef TMEM_JSONUTIL_H
#define TMEM_JSONUTIL_H

#include "tmem/tmem.h"

#include <jansson.h>

/* "an integer", "a string", ... for "expected X, got <kind>" */
const char *tmem__json_kind(const json_t *v);

/* The status of a failed json_loadb: TMEM_ERR_NOMEM when jansson ran out of
 * memory (the caller's allocator refused), TMEM_ERR_SYNTAX otherwise. When
 * jansson fails before its lexer exists it leaves no text; "out of memory"
 * is written into e->text then. */
enum tmem_status tmem__json_load_status(json_error_t *e);

/* Fills *err (when not NULL): where = "<where>:<key>" (just <where> when key
 * is NULL), offset 0, msg. */
void tmem__fail_at(struct tmem_error *err, enum tmem_status code, const char *where,
                  const char *key, const char *msg);

#endif /* TMEM_JSONUTIL_H */
