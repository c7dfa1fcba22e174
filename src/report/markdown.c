/* markdown.c — a table as a GitHub-flavoured markdown table: '|' in a cell
 * escaped as "\|", a line break as <br>, numbers right-aligned. */
#include "report_out.h"

#include <stdlib.h>
#include <string.h>

static void cell(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", out);
        else if (*s == '\n')
            fputs("<br>", out);
        else if (*s != '\r')
            fputc(*s, out);
    }
}

/* every cell below the header is a number (or empty) */
static bool numeric_column(const struct tmem__table *t, size_t c)
{
    for (size_t r = 1; r < t->n_rows; r++) {
        const char *s = t->cells[r * t->n_cols + c];
        char *end;
        if (*s == '\0')
            continue;
        (void)strtod(s, &end);
        if (*end != '\0')
            return false;
    }
    return t->n_rows > 1;
}

void tmem__table_markdown(FILE *out, const struct tmem__table *t)
{
    for (size_t r = 0; r < t->n_rows; r++) {
        fputc('|', out);
        for (size_t c = 0; c < t->n_cols; c++) {
            fputc(' ', out);
            cell(out, t->cells[r * t->n_cols + c]);
            fputs(" |", out);
        }
        fputc('\n', out);
        if (r == 0) {
            fputc('|', out);
            for (size_t c = 0; c < t->n_cols; c++)
                fputs(numeric_column(t, c) ? "---:|" : "---|", out);
            fputc('\n', out);
        }
    }
}
