/* jsonutil.c — shared pieces of the JSON readers (see jsonutil.h). */
#include "jsonutil.h"

#include <stdio.h>

const char *tmem_json_kind(const json_t *v)
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

void tmem_fail_at(struct tmem_error *err, enum tmem_status code, const char *where,
                  const char *key, const char *msg)
{
    if (err == NULL)
        return;
    err->code = code;
    err->offset = 0;
    if (key)
        snprintf(err->where, sizeof err->where, "%.50s:%.44s", where, key);
    else
        snprintf(err->where, sizeof err->where, "%.95s", where);
    snprintf(err->msg, sizeof err->msg, "%s", msg);
}
