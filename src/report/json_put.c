/* json_put.c — the insert plumbing of the JSON documents (see json_put.h). */
#include "json_put.h"

void tmem__jansson_put(json_t *obj, const char *key, json_t *val, int *rc)
{
    if (obj == NULL || val == NULL || json_object_set_new(obj, key, val) != 0) {
        *rc = -1;
        if (obj == NULL)
            json_decref(val);
    }
}

void tmem__jansson_push(json_t *arr, json_t *val, int *rc)
{
    if (arr == NULL || val == NULL || json_array_append_new(arr, val) != 0) {
        *rc = -1;
        if (arr == NULL)
            json_decref(val);
    }
}

int tmem__jansson_set_u64(json_t *obj, const char *key, uint64_t v)
{
    if (v > (uint64_t)INT64_MAX || obj == NULL)
        return -1;
    json_t *i = json_integer((json_int_t)v);
    return i != NULL && json_object_set_new(obj, key, i) == 0 ? 0 : -1;
}
