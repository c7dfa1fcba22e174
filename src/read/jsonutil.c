/* jsonutil.c — shared pieces of the JSON readers (see jsonutil.h). */
#include "jsonutil.h"

#include "alloc.h"
#include "errtext.h"

#include <stdio.h>

json_t *tmem__json_loadb(const char *buf, size_t len, size_t flags, json_error_t *e)
{
    tmem__json_parse_begin();
    json_t *v = json_loadb(buf, len, flags, e);
    bool failed = tmem__json_parse_end();
    if (failed) {
        json_decref(v); /* NULL-safe; a document built around a dropped byte */
        snprintf(e->text, sizeof e->text, "out of memory");
        e->text[JSON_ERROR_TEXT_LENGTH - 1] = (char)json_error_out_of_memory;
        return NULL;
    }
    return v;
}

const char *tmem__json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "a value";
}

void tmem__fail_at(struct tmem_error *err, enum tmem_status code, const char *where,
                  const char *key, const char *msg)
{
    tmem__err_set(err, code, where, key, 0, "%s", msg);
}

enum tmem_status tmem__json_load_status(json_error_t *e)
{
    if (e->text[0] == '\0') /* json_loadb: lex_init's allocation failed, no error set */
        snprintf(e->text, sizeof e->text, "out of memory");
    else if (json_error_code(e) != json_error_out_of_memory)
        return TMEM_ERR_SYNTAX;
    return TMEM_ERR_NOMEM;
}
