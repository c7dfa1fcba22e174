/* json_text.c — bytes as JSON text: invalid UTF-8 replaced by U+FFFD and
 * counted (see json_text.h). */
#include "json_text.h"

#include "alloc.h"
#include "utf8.h"

#include <string.h>

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD, 3 bytes */

/* s[0..len) as well-formed UTF-8 in a new buffer (NUL-terminated, length
 * in *out_len); *replaced set when a byte was replaced. NULL: no memory. */
static char *repair(const char *s, size_t len, size_t *out_len, bool *replaced)
{
    const unsigned char *p = (const unsigned char *)s;
    *replaced = false;
    if (len > (SIZE_MAX - 1) / 3)
        return NULL;
    char *out = tmem__alloc(len * 3 + 1); /* a bad byte grows to 3 */
    if (out == NULL)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t k = tmem__utf8_seq(p + i, len - i, NULL);
        if (k == 0) {
            memcpy(out + o, REPLACEMENT, 3);
            o += 3;
            i++;
            *replaced = true;
        } else {
            memcpy(out + o, p + i, k);
            o += k;
            i += k;
        }
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

json_t *tmem__json_text(const char *s, size_t len, uint32_t *n_replaced)
{
    if (tmem__utf8_invalid_at((const unsigned char *)s, len) == len)
        return json_stringn(s, len);
    size_t n;
    bool replaced;
    char *t = repair(s, len, &n, &replaced);
    if (t == NULL)
        return NULL;
    if (replaced && n_replaced)
        (*n_replaced)++;
    json_t *j = json_stringn(t, n);
    tmem__dealloc(t);
    return j;
}

int tmem__json_set_text_key(json_t *obj, const char *key, json_t *val, uint32_t *n_replaced)
{
    size_t len = strlen(key);
    if (tmem__utf8_invalid_at((const unsigned char *)key, len) == len)
        return json_object_set_new(obj, key, val);
    size_t n;
    bool replaced;
    char *t = repair(key, len, &n, &replaced);
    if (t == NULL) {
        json_decref(val);
        return -1;
    }
    if (replaced && n_replaced)
        (*n_replaced)++;
    int rc = json_object_set_new(obj, t, val);
    tmem__dealloc(t);
    return rc;
}
