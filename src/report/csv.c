/* csv.c — a table as CSV (RFC 4180): a header row, CRLF line ends, a field
 * quoted when it holds a comma, a quote, CR or LF, its quotes doubled. */
#include "report_out.h"

#include <string.h>

static void field(FILE *out, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

void tmem__table_csv(FILE *out, const struct tmem__table *t)
{
    for (size_t r = 0; r < t->n_rows; r++) {
        for (size_t c = 0; c < t->n_cols; c++) {
            if (c > 0)
                fputc(',', out);
            field(out, t->cells[r * t->n_cols + c]);
        }
        fputs("\r\n", out);
    }
}
