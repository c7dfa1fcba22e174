/* errtext.c — error places, messages and quoted values, whole or visibly
 * cut (see errtext.h). */
#include "errtext.h"

#include "utf8.h"

#include <stdio.h>
#include <string.h>

void tmem__err_where(struct tmem_error *err, const char *file, const char *field)
{
    if (err == NULL)
        return;
    if (file == NULL)
        file = "";
    int n = field ? snprintf(err->where, sizeof err->where, "%s:%s", file, field)
                  : snprintf(err->where, sizeof err->where, "%s", file);
    if (n < 0)
        err->where[0] = '\0';
    else if ((size_t)n >= sizeof err->where)
        tmem__cut_mark(err->where, sizeof err->where);
}

void tmem__err_vmsg(struct tmem_error *err, const char *fmt, va_list ap)
{
    if (err == NULL)
        return;
    int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    if (n < 0)
        err->msg[0] = '\0';
    else if ((size_t)n >= sizeof err->msg)
        tmem__cut_mark(err->msg, sizeof err->msg);
}

enum tmem_status tmem__err_set(struct tmem_error *err, enum tmem_status code, const char *file,
                               const char *field, uint64_t offset, const char *fmt, ...)
{
    if (err == NULL)
        return code;
    err->code = code;
    err->offset = offset;
    tmem__err_where(err, file, field);
    va_list ap;
    va_start(ap, fmt);
    tmem__err_vmsg(err, fmt, ap);
    va_end(ap);
    return code;
}

const char *tmem__quote(char buf[TMEM_QUOTE_CAP], const char *s)
{
    if (s == NULL)
        s = "";
    size_t n = strlen(s);
    size_t keep = tmem__utf8_cut(s, n, n > TMEM_QUOTE_MAX ? TMEM_QUOTE_MAX : n);
    buf[0] = '\'';
    memcpy(buf + 1, s, keep);
    size_t o = 1 + keep;
    if (keep < n) {
        memcpy(buf + o, TMEM_CUT_MARK, TMEM_CUT_MARK_BYTES);
        o += TMEM_CUT_MARK_BYTES;
    }
    buf[o++] = '\'';
    buf[o] = '\0';
    return buf;
}
