/* json_put.h — the insert plumbing every JSON document shares: put a value
 * under a key, push one onto an array, set an exact 64-bit count. Failures
 * (allocation, a count above INT64_MAX) are collected, not printed. */
#ifndef TMEM_JSON_PUT_H
#define TMEM_JSON_PUT_H

#include <jansson.h>
#include <stdint.h>

/* obj[key] = val (val consumed); any failure — val NULL from an
 * allocation that failed, or the insert itself — marks *rc = -1. */
void tmem__jansson_put(json_t *obj, const char *key, json_t *val, int *rc);

/* arr += val (val consumed); failures mark *rc = -1 as above. */
void tmem__jansson_push(json_t *arr, json_t *val, int *rc);

/* obj[key] = v as a JSON integer; -1 when v does not fit jansson's signed
 * 64-bit integer (refused rather than printed wrong), obj is NULL or
 * memory runs out, else 0. */
int tmem__jansson_set_u64(json_t *obj, const char *key, uint64_t v);

#endif /* TMEM_JSON_PUT_H */
