/* status.c — status names and texts, the library version, and the helpers
 * that fill a struct tmem_error. */
#include "error.h"
#include "sb.h"

#include <string.h>

static const struct {
    const char *name, *text;
} status_table[] = {
    [TMEM_OK] = {"TMEM_OK", "ok"},
    [TMEM_ERR_INVALID_ARG] = {"TMEM_ERR_INVALID_ARG", "invalid argument"},
    [TMEM_ERR_NOMEM] = {"TMEM_ERR_NOMEM", "out of memory"},
    [TMEM_ERR_IO] = {"TMEM_ERR_IO", "input/output error"},
    [TMEM_ERR_TRUNCATED] = {"TMEM_ERR_TRUNCATED", "input is truncated"},
    [TMEM_ERR_BAD_MAGIC] = {"TMEM_ERR_BAD_MAGIC", "not the expected file format"},
    [TMEM_ERR_LIMIT] = {"TMEM_ERR_LIMIT", "value out of range"},
    [TMEM_ERR_OVERFLOW] = {"TMEM_ERR_OVERFLOW", "arithmetic overflow"},
    [TMEM_ERR_SYNTAX] = {"TMEM_ERR_SYNTAX", "malformed JSON"},
    [TMEM_ERR_SCHEMA] = {"TMEM_ERR_SCHEMA", "wrong type"},
    [TMEM_ERR_MISSING_KEY] = {"TMEM_ERR_MISSING_KEY", "missing field"},
    [TMEM_ERR_INCONSISTENT] = {"TMEM_ERR_INCONSISTENT", "inconsistent values"},
    [TMEM_ERR_UNSUPPORTED] = {"TMEM_ERR_UNSUPPORTED", "unsupported"},
    [TMEM_ERR_CAPACITY] = {"TMEM_ERR_CAPACITY", "result table is full"},
};
_Static_assert(sizeof status_table / sizeof status_table[0] == TMEM_STATUS_COUNT,
               "one row per status");

const char *tmem_version(void) { return TMEM_VERSION; }

const char *tmem_status_name(enum tmem_status s)
{
    return (unsigned)s < TMEM_STATUS_COUNT ? status_table[s].name : "TMEM_ERR_UNKNOWN";
}

const char *tmem_status_str(enum tmem_status s)
{
    return (unsigned)s < TMEM_STATUS_COUNT ? status_table[s].text : "unknown status";
}

enum tmem_status tmem__fail(struct tmem_error *err, enum tmem_status code, const char *where,
                           const char *msg)
{
    if (err != NULL) {
        err->code = code;
        err->offset = 0;
        tmem__copy_str(err->where, sizeof err->where, where ? where : "");
        tmem__copy_str(err->msg, sizeof err->msg, msg ? msg : tmem_status_str(code));
    }
    return code;
}

enum tmem_status tmem__fail_value(struct tmem_error *err, enum tmem_status code,
                                 const char *where, uint64_t value, const char *rule)
{
    char msg[sizeof err->msg];
    struct tmem_sb sb;
    tmem__sb_init(&sb, msg, sizeof msg);
    tmem__sb_str(&sb, where);
    tmem__sb_str(&sb, " is ");
    tmem__sb_u64(&sb, value);
    tmem__sb_str(&sb, " but must be ");
    tmem__sb_str(&sb, rule);
    return tmem__fail(err, code, where, msg);
}

enum tmem_status tmem__range_fail(struct tmem_error *err, const char *field, uint64_t v, uint64_t lo,
                                  uint64_t hi)
{
    char rule[64];
    struct tmem_sb sb;
    tmem__sb_init(&sb, rule, sizeof rule);
    tmem__sb_str(&sb, "in [");
    tmem__sb_u64(&sb, lo);
    tmem__sb_str(&sb, ", ");
    tmem__sb_u64(&sb, hi);
    tmem__sb_str(&sb, "]");
    return tmem__fail_value(err, TMEM_ERR_LIMIT, field, v, rule);
}

enum tmem_status tmem__fail_value_n(struct tmem_error *err, enum tmem_status code,
                                   const char *where, uint64_t value, const char *before,
                                   uint64_t n, const char *after)
{
    char rule[96];
    struct tmem_sb sb;
    tmem__sb_init(&sb, rule, sizeof rule);
    tmem__sb_str(&sb, before);
    tmem__sb_u64(&sb, n);
    tmem__sb_str(&sb, after);
    return tmem__fail_value(err, code, where, value, rule);
}

enum tmem_status tmem__divides_fail(struct tmem_error *err, const char *field, uint64_t v, const char *what,
                                    uint64_t n)
{
    char rule[96];
    struct tmem_sb sb;
    tmem__sb_init(&sb, rule, sizeof rule);
    tmem__sb_str(&sb, "a divisor of ");
    tmem__sb_str(&sb, what);
    tmem__sb_str(&sb, " (");
    tmem__sb_u64(&sb, n);
    tmem__sb_str(&sb, ")");
    return tmem__fail_value(err, TMEM_ERR_INCONSISTENT, field, v, rule);
}
