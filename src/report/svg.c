/* svg.c — the pieces every tmem chart shares: a standalone document (no
 * external references: inline style, no fonts or images fetched), escaped
 * text, numbers read from the JSON document. */
#include "report_out.h"

void tmem__svg_escaped(FILE *out, const char *s)
{
    for (; *s; s++)
        switch (*s) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        default: fputc(*s, out);
        }
}

void tmem__svg_open(FILE *out, double w, double h, const char *title)
{
    fprintf(out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n"
            "<title>",
            w, h, w, h);
    tmem__svg_escaped(out, title);
    fprintf(out, "</title>\n<style>text{font-family:sans-serif;font-size:12px;fill:#222}"
                 ".title{font-size:15px;font-weight:bold}.small{font-size:11px;fill:#555}"
                 ".axis{stroke:#888;stroke-width:1}.grid{stroke:#ddd;stroke-width:1}"
                 ".gpu-memory{stroke:#c00;stroke-width:2;stroke-dasharray:6 4}"
                 ".over{fill:#c00}</style>\n"
                 "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n");
}

void tmem__svg_close(FILE *out) { fputs("</svg>\n", out); }

void tmem__svg_text(FILE *out, double x, double y, const char *anchor, const char *cls, const char *s)
{
    fprintf(out, "<text x=\"%.3f\" y=\"%.3f\" text-anchor=\"%s\"%s%s%s>", x, y, anchor, cls ? " class=\"" : "",
            cls ? cls : "", cls ? "\"" : "");
    tmem__svg_escaped(out, s);
    fputs("</text>\n", out);
}

double tmem__svg_num(const json_t *v) { return json_is_number(v) ? json_number_value(v) : 0.0; }
