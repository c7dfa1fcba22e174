/* output.h — --format and --svg, wired the same way for every command: the
 * option rows (choices from the report's format name table), and the output
 * streams a command prints into. A command that is asked for csv, markdown
 * or a chart prints its JSON document into a buffer; cli_out_end renders it
 * (src/report) and writes the SVG atomically before anything reaches stdout,
 * so an error leaves neither stdout nor the file half-written. */
#ifndef TMEM_CLI_OUTPUT_H
#define TMEM_CLI_OUTPUT_H

#include "args.h"
#include "report_out.h"

#include <stdio.h>

struct cli_out_flags {
    const char *format; /* --format NAME */
    const char *svg;    /* --svg FILE */
};

/* The rows: --format, and --svg when the command draws a chart. Returns
 * how many were written to rows[] (1 or 2). */
#define CLI_OUT_MAX_ROWS 2
size_t cli_out_rows(struct cli_out_flags *f, struct opt *rows, bool svg);

struct cli_out {
    enum tmem_format format;
    const char *svg;
    bool si, captured;
    FILE *doc;  /* print the JSON document here, when not NULL */
    FILE *text; /* print the text report here, when not NULL */
    char *doc_buf, *text_buf;
    size_t doc_len, text_len;
};

/* The streams for flags f (json: the command's --json was given). 0, or 2
 * after an error line (an unknown format, --json against another format). */
int cli_out_begin(struct cli_out *o, const struct cli_out_flags *f, bool json, bool si);
/* Renders and writes what the command printed; rc the command's status so
 * far (not 0: everything is dropped). Returns the exit status. */
int cli_out_end(struct cli_out *o, int rc);

/* tmem sweep: while capture is set, every command prints only its JSON
 * document, into capture (NULL: back to normal). */
void cli_out_capture(FILE *capture);

/* path written whole or not at all: the bytes go to a temporary file in the
 * same folder, renamed over path. 0, or 2 after an error line naming flag. */
int cli_write_atomic(const char *flag, const char *path, const char *data, size_t len);

#endif /* TMEM_CLI_OUTPUT_H */
