/* errtext.h — the text of every reader and CLI error: where ("<file>" or
 * "<file>:<field>", whole unless it overflows struct tmem_error.where, then
 * cut with a visible "…"), the message (cut the same way), and quoted values
 * ('model_type', a flag's value) capped at TMEM_QUOTE_MAX bytes with "…".
 * Nothing here escapes: the CLI's printer (cli_error) does, for every line. */
#ifndef TMEM_ERRTEXT_H
#define TMEM_ERRTEXT_H

#include "tmem/tmem.h"

#include <stdarg.h>

#define TMEM_QUOTE_MAX 64u                      /* bytes of a quoted value shown */
#define TMEM_QUOTE_CAP (TMEM_QUOTE_MAX + 3u + 3u) /* quotes, the mark, the NUL */

/* err->where = file, or "file:field" when field is not NULL. */
void tmem__err_where(struct tmem_error *err, const char *file, const char *field);

/* err->msg = the formatted text. */
void tmem__err_vmsg(struct tmem_error *err, const char *fmt, va_list ap)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 0)))
#endif
    ;

/* Fills *err (when not NULL): code, offset, where (tmem__err_where) and msg
 * (printf-style); returns code. */
enum tmem_status tmem__err_set(struct tmem_error *err, enum tmem_status code, const char *file,
                               const char *field, uint64_t offset, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/* 's' into buf[TMEM_QUOTE_CAP] (at most TMEM_QUOTE_MAX bytes of s, on a
 * character boundary, then "…"); returns buf. */
const char *tmem__quote(char buf[TMEM_QUOTE_CAP], const char *s);

#endif /* TMEM_ERRTEXT_H */
