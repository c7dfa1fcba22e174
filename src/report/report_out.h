/* report_out.h — the outputs other than text and JSON, all rendered from the
 * JSON document a command built (so every number in them is the document's):
 * the --format name table, a document's table (its ledger lines, tensors,
 * layouts, ... or its key/value leaves), CSV (RFC 4180), GitHub markdown,
 * aligned text, and SVG charts of a ledger or a sweep. Nothing here computes
 * a figure: charts scale lengths by the bytes they are handed. */
#ifndef TMEM_REPORT_OUT_H
#define TMEM_REPORT_OUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum tmem_format {
    TMEM_FORMAT_TEXT,
    TMEM_FORMAT_JSON,
    TMEM_FORMAT_CSV,
    TMEM_FORMAT_MARKDOWN,
    TMEM_FORMAT_COUNT
};

/* "text", "json", "csv", "markdown"; NULL past the last */
const char *tmem__format_name(enum tmem_format f);
/* the format named s, or TMEM_FORMAT_COUNT */
enum tmem_format tmem__format_from_name(const char *s);

/* A table of text cells: row 0 is the header; cells[r * n_cols + c]. */
struct tmem__table {
    size_t n_cols, n_rows; /* n_rows counts the header */
    char **cells;
    size_t mark_row;       /* a row to mark in text ("stops fitting"), 0: none */
};

/* The table of doc (table.c): the rows of its main array (a ledger's
 * "entries", params' and inspect's "tensors", plan's "layouts", models',
 * gpus' and a sweep's rows), each row's scalar leaves flattened to dotted
 * column names; a document without one gives (key, value) rows of its
 * scalar leaves. 0, or -1 when memory runs out. */
int tmem__table_from_doc(const json_t *doc, struct tmem__table *t);
void tmem__table_free(struct tmem__table *t);

void tmem__table_csv(FILE *out, const struct tmem__table *t);      /* csv.c */
void tmem__table_markdown(FILE *out, const struct tmem__table *t); /* markdown.c */
void tmem__table_text(FILE *out, const struct tmem__table *t, bool si); /* table_text.c */

/* A standalone SVG of doc's ledger (svg_ledger.c): one stacked bar per GPU
 * of its per_gpu_bytes buckets against the GPU's memory line, or params'
 * groups as one bar of parameters. -1 when doc has neither. */
int tmem__svg_ledger(FILE *out, const json_t *doc, bool si);
/* A standalone SVG of a sweep document (svg_sweep.c): memory per GPU over
 * the knob against the GPU's memory line, and a panel per time series. */
int tmem__svg_sweep(FILE *out, const json_t *doc, bool si);

/* The sweep document (sweep_json.c): its header from the first run's
 * document, then a row per value (value consumed) with the run's figures;
 * NULL / -1 when memory runs out. */
json_t *tmem__sweep_doc_new(const char *knob, const char *command, const json_t *first_run);
int tmem__sweep_doc_add(json_t *doc, json_t *value, const json_t *run);
int tmem__sweep_doc_dump(FILE *out, const json_t *doc);
/* its text: a heading and the table t (of doc), the first row that does
 * not fit marked */
void tmem__sweep_text(FILE *out, const json_t *doc, const struct tmem__table *t, bool si);

/* svg.c: the shared pieces */
void tmem__svg_open(FILE *out, double w, double h, const char *title);
void tmem__svg_close(FILE *out);
void tmem__svg_text(FILE *out, double x, double y, const char *anchor, const char *cls, const char *s);
/* s with &, <, >, " escaped */
void tmem__svg_escaped(FILE *out, const char *s);
/* a JSON integer or real as a double; 0 otherwise */
double tmem__svg_num(const json_t *v);

#endif /* TMEM_REPORT_OUT_H */
