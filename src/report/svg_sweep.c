/* svg_sweep.c — a sweep as a standalone SVG: memory per GPU over the knob's
 * values against a dashed line at the GPU's memory (points past it in red),
 * then one panel per time series the sweep carries (step time, tokens/s,
 * TTFT, ...). Values sit at even steps along x, labelled with the knob's
 * value; every point carries its figure in data-y. */
#include "report.h"
#include "report_out.h"

#include <string.h>

enum { WIDTH = 720, LEFT = 100, RIGHT = 40, PANEL_H = 200, PANEL_GAP = 70, TOP = 60 };

/* one panel: the rows' key against x, with a line at limit (0: none) */
static void panel(FILE *out, const json_t *rows, const char *key, const char *label, bool bytes, double limit,
                  const char *limit_label, double top_y, bool si)
{
    size_t n = json_array_size(rows);
    double hi = limit;
    for (size_t i = 0; i < n; i++) {
        double v = tmem__svg_num(json_object_get(json_array_get(rows, i), key));
        if (v > hi)
            hi = v;
    }
    if (hi <= 0)
        hi = 1;
    const double scale = PANEL_H / hi, bottom = top_y + PANEL_H, plot_w = WIDTH - LEFT - RIGHT;
    char a[48];
    tmem__svg_text(out, LEFT, top_y - 12, "start", NULL, label);
    for (int i = 0; i <= 4; i++) {
        double v = hi * i / 4.0, y = bottom - v * scale;
        fprintf(out, "<line class=\"grid\" x1=\"%d\" y1=\"%.3f\" x2=\"%d\" y2=\"%.3f\"/>\n", LEFT, y, WIDTH - RIGHT, y);
        if (bytes)
            tmem__fmt_bytes(a, sizeof a, (uint64_t)v, si);
        else
            snprintf(a, sizeof a, "%.4g", v);
        tmem__svg_text(out, LEFT - 6, y + 4, "end", "small", a);
    }
    fprintf(out, "<polyline class=\"series\" data-key=\"%s\" fill=\"none\" stroke=\"#4e79a7\" stroke-width=\"2\" points=\"", key);
    for (size_t i = 0; i < n; i++) {
        double x = LEFT + (n > 1 ? plot_w * (double)i / (double)(n - 1) : plot_w / 2);
        double v = tmem__svg_num(json_object_get(json_array_get(rows, i), key));
        fprintf(out, "%s%.3f,%.3f", i ? " " : "", x, bottom - v * scale);
    }
    fputs("\"/>\n", out);
    for (size_t i = 0; i < n; i++) {
        const json_t *row = json_array_get(rows, i);
        double x = LEFT + (n > 1 ? plot_w * (double)i / (double)(n - 1) : plot_w / 2);
        double v = tmem__svg_num(json_object_get(row, key));
        bool over = json_is_false(json_object_get(row, "fits"));
        fprintf(out, "<circle class=\"point%s\" data-key=\"%s\" data-y=\"%.17g\" cx=\"%.3f\" cy=\"%.3f\" r=\"4\" fill=\"%s\"/>\n",
                over ? " over" : "", key, v, x, bottom - v * scale, over ? "#c00" : "#4e79a7");
        snprintf(a, sizeof a, "%.17g", tmem__svg_num(json_object_get(row, "value")));
        tmem__svg_text(out, x, bottom + 16, "middle", "small", a);
    }
    if (limit > 0) {
        double y = bottom - limit * scale;
        fprintf(out, "<line class=\"gpu-memory\" data-bytes=\"%.0f\" x1=\"%d\" y1=\"%.3f\" x2=\"%d\" y2=\"%.3f\"/>\n",
                limit, LEFT, y, WIDTH - RIGHT, y);
        tmem__svg_text(out, WIDTH - RIGHT, y - 6, "end", "small", limit_label);
    }
}

int tmem__svg_sweep(FILE *out, const json_t *doc, bool si)
{
    const json_t *rows = json_object_get(doc, "rows"), *series = json_object_get(doc, "series");
    if (!json_is_array(rows))
        return -1;
    const char *knob = json_string_value(json_object_get(doc, "knob"));
    const char *swept = json_string_value(json_object_get(doc, "swept"));
    const char *model = json_string_value(json_object_get(json_object_get(doc, "model"), "name"));
    const json_t *gpu = json_object_get(doc, "gpu");
    const char *gpu_name = json_string_value(json_object_get(gpu, "name"));
    double memory = tmem__svg_num(json_object_get(gpu, "memory_bytes"));
    size_t n_panels = 1 + json_array_size(series);
    char title[256], limit[96], a[48];
    snprintf(title, sizeof title, "tmem sweep %s: %s %s, memory per GPU over %s", knob ? knob : "",
             swept ? swept : "", model ? model : "", knob ? knob : "");
    tmem__svg_open(out, WIDTH, TOP + (double)n_panels * (PANEL_H + PANEL_GAP), title);
    tmem__svg_text(out, WIDTH / 2.0, 28, "middle", "title", title);
    snprintf(limit, sizeof limit, "%s: %s", gpu_name ? gpu_name : "GPU", tmem__fmt_bytes(a, sizeof a, (uint64_t)memory, si));
    double y = TOP + 20;
    panel(out, rows, "per_gpu_bytes", "memory per GPU", true, memory, limit, y, si);
    size_t i;
    const json_t *s;
    json_array_foreach(series, i, s) {
        y += PANEL_H + PANEL_GAP;
        const char *key = json_string_value(json_object_get(s, "key"));
        const char *label = json_string_value(json_object_get(s, "label"));
        if (key != NULL)
            panel(out, rows, key, label ? label : key, false, 0, NULL, y, si);
    }
    tmem__svg_text(out, WIDTH / 2.0, y + PANEL_H + 40, "middle", NULL, knob ? knob : "");
    tmem__svg_close(out);
    return 0;
}
