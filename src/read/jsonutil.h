/* jsonutil.h — what every JSON-reading reader shares: the name of a JSON
 * value's type for error text, and the one way an error names its place
 * ("<file>:<key>"). */
#ifndef TMEM_JSONUTIL_H
#define TMEM_JSONUTIL_H

#include "tmem/tmem.h"

#include <jansson.h>

/* "an integer", "a string", ... for "expected X, got <kind>" */
const char *tmem__json_kind(const json_t *v);

/* json_loadb, safe when an allocation fails: jansson's lexer can drop a
 * byte of a token when its buffer cannot grow (then read past it, or keep a
 * wrong number), so within the parse the first failed allocation fails every
 * later one, and a document parsed despite a failure is thrown away: NULL
 * with e saying out of memory (tmem__json_load_status: TMEM_ERR_NOMEM).
 * Every reader parses JSON with this, never json_loadb. */
json_t *tmem__json_loadb(const char *buf, size_t len, size_t flags, json_error_t *e);

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
