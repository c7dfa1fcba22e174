/* json_text.h — text from files and flags as JSON strings. jansson accepts
 * only well-formed UTF-8 (json_stringn returns NULL otherwise, and a key
 * that is not UTF-8 cannot be set), but GGUF strings, file names and
 * arguments are bytes: each byte that is not part of a well-formed UTF-8
 * sequence is replaced by U+FFFD, and the caller counts the strings that
 * needed it, so the document can say so ("invalid_utf8_replaced"). */
#ifndef TMEM_JSON_TEXT_H
#define TMEM_JSON_TEXT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* A JSON string of s[0..len) (NUL bytes kept, as \u0000); *n_replaced
 * (may be NULL) is incremented when a byte was replaced. NULL only when
 * memory runs out. */
json_t *tmem__json_text(const char *s, size_t len, uint32_t *n_replaced);

/* obj[key] = val (val consumed) with key made UTF-8 the same way; -1 when
 * memory runs out or the insert fails, else 0. */
int tmem__json_set_text_key(json_t *obj, const char *key, json_t *val, uint32_t *n_replaced);

#endif /* TMEM_JSON_TEXT_H */
