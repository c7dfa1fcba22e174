/* table_text.c — a table as aligned columns for a terminal (the text form
 * of tmem sweep): widths from the longest cell, numbers right-aligned, the
 * marked row flagged "<- stops fitting"; a column named *_bytes in units,
 * other reals to four significant digits (whole above 10^4). */
#include "report.h"
#include "report_out.h"

#include <stdlib.h>
#include <string.h>

/* display width: UTF-8 continuation bytes take no column */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

static bool is_number(const char *s)
{
    char *end;
    if (*s == '\0')
        return false;
    (void)strtod(s, &end);
    return *end == '\0';
}

/* cell (r, c) as shown: an integer under a *_bytes header in units */
static const char *shown(const struct tmem__table *t, size_t r, size_t c, bool si, char *buf, size_t cap)
{
    const char *s = t->cells[r * t->n_cols + c], *h = t->cells[c];
    size_t n = strlen(h);
    char *end;
    if (r == 0 || *s == '\0')
        return s;
    if (n >= 6 && strcmp(h + n - 6, "_bytes") == 0) {
        unsigned long long v = strtoull(s, &end, 10);
        return *end == '\0' ? tmem__fmt_bytes(buf, cap, v, si) : s;
    }
    if (strpbrk(s, ".eE") == NULL)
        return s;
    double d = strtod(s, &end); /* a real: four significant digits */
    if (*end != '\0')
        return s;
    snprintf(buf, cap, d >= 1e4 || d <= -1e4 ? "%.0f" : "%.4g", d);
    return buf;
}

void tmem__table_text(FILE *out, const struct tmem__table *t, bool si)
{
    char buf[32];
    size_t w[64] = {0};
    size_t n_cols = t->n_cols < 64 ? t->n_cols : 64;
    for (size_t r = 0; r < t->n_rows; r++)
        for (size_t c = 0; c < n_cols; c++) {
            size_t n = width(shown(t, r, c, si, buf, sizeof buf));
            if (n > w[c])
                w[c] = n;
        }
    for (size_t r = 0; r < t->n_rows; r++) {
        for (size_t c = 0; c < n_cols; c++) {
            const char *s = shown(t, r, c, si, buf, sizeof buf);
            int pad = (int)(w[c] - width(s));
            if (c > 0)
                fputs("  ", out);
            if (r > 0 && (is_number(s) || s != t->cells[r * t->n_cols + c]))
                fprintf(out, "%*s%s", pad, "", s);
            else
                fprintf(out, "%s%*s", s, c + 1 < n_cols ? pad : 0, "");
        }
        if (t->mark_row != 0 && r == t->mark_row)
            fputs("  <- stops fitting", out);
        fputc('\n', out);
    }
}
