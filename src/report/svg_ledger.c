/* svg_ledger.c — a ledger as a standalone SVG: one stacked bar per GPU (the
 * per-GPU ledger: every GPU of the plan holds the same buckets) of the
 * document's per_gpu_bytes buckets, each segment's height proportional to
 * its bytes and labelled with them, against a dashed line at the GPU's
 * memory; params' groups as one bar of parameters. Every rect carries its
 * figure in data-bytes (data-params), so a test can check the scale. With
 * --per-stage (pipeline stages hold different layers) a plain bar per stage
 * of its total follows, on the same scale. */
#include "report.h"
#include "report_out.h"

#include <string.h>

enum { PLOT_TOP = 70, PLOT_H = 400, BAR_X = 110, BAR_W = 150, LABEL_X = 300, STAGE_X = 480, WIDTH = 720, HEIGHT = 520 };

static const char *const palette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                      "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};

/* one segment of the bar: its middle (px), bucket, figure and colour */
struct seg {
    double mid;
    const char *key;
    double v;
    size_t color;
};

/* a figure as the chart labels it: bytes in units, or a parameter count */
static const char *figure(char *buf, size_t cap, double v, bool params, bool si)
{
    if (!params)
        return tmem__fmt_bytes(buf, cap, (uint64_t)v, si);
    char s[32];
    snprintf(buf, cap, "%s params", tmem__fmt_short(s, sizeof s, (uint64_t)v));
    return buf;
}

int tmem__svg_ledger(FILE *out, const json_t *doc, bool si)
{
    const json_t *buckets = json_object_get(doc, "per_gpu_bytes");
    bool params = false;
    if (!json_is_object(buckets)) {
        buckets = json_object_get(doc, "groups");
        params = true;
    }
    if (!json_is_object(buckets))
        return -1;
    const char *command = json_string_value(json_object_get(doc, "command"));
    const json_t *model = json_object_get(doc, "model");
    const char *model_name = json_string_value(json_object_get(model, "name"));
    const json_t *gpu = json_object_get(doc, "gpu");
    const char *gpu_name = json_string_value(json_object_get(gpu, "name"));
    double memory = tmem__svg_num(json_object_get(gpu, "memory_bytes"));
    double total = params ? tmem__svg_num(json_object_get(doc, "total_params"))
                          : tmem__svg_num(json_object_get(buckets, "total"));
    double top = total > memory ? total : memory;
    const json_t *stages = params ? NULL : json_object_get(doc, "stages"), *sv;
    const char *sk;
    json_object_foreach((json_t *)stages, sk, sv)
        if (tmem__svg_num(sv) > top)
            top = tmem__svg_num(sv);
    if (top <= 0)
        top = 1;
    const double scale = PLOT_H / top; /* px per byte (per parameter) */
    const double bottom = PLOT_TOP + PLOT_H;

    char title[256], a[48], b[48];
    const json_t *fits = json_object_get(doc, "fits");
    snprintf(title, sizeof title, "tmem %s %s: %s%s%s", command ? command : "", model_name ? model_name : "",
             figure(a, sizeof a, total, params, si), params ? "" : " per GPU",
             json_is_true(fits) ? " (fits)" : json_is_false(fits) ? " (does not fit)" : "");
    tmem__svg_open(out, WIDTH, HEIGHT, title);
    tmem__svg_text(out, WIDTH / 2.0, 28, "middle", "title", title);
    /* the axis and four grid lines */
    for (int i = 0; i <= 4; i++) {
        double v = top * i / 4.0, y = bottom - v * scale;
        fprintf(out, "<line class=\"grid\" x1=\"%d\" y1=\"%.3f\" x2=\"%d\" y2=\"%.3f\"/>\n", BAR_X - 10, y,
                BAR_X + BAR_W + 10, y);
        tmem__svg_text(out, BAR_X - 14, y + 4, "end", "small", figure(a, sizeof a, v, params, si));
    }
    fprintf(out, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%.3f\"/>\n", BAR_X - 10, PLOT_TOP,
            BAR_X - 10, bottom);
    /* the segments, from the bottom up, and their labels on the right,
     * moved down where they would overlap */
    double y = bottom, label_y = PLOT_TOP - 1e9;
    const char *key;
    const json_t *v;
    size_t k = 0;
    fputs("<g class=\"bar\">\n", out);
    struct seg seg[16];
    size_t n_seg = 0;
    json_object_foreach((json_t *)buckets, key, v) {
        double n = tmem__svg_num(v);
        if (strcmp(key, "total") == 0 || n <= 0 || n_seg == 16) {
            k++;
            continue;
        }
        double h = n * scale;
        y -= h;
        fprintf(out, "<rect class=\"bucket\" data-bucket=\"%s\" data-%s=\"%.0f\" x=\"%d\" y=\"%.3f\" width=\"%d\" "
                     "height=\"%.3f\" fill=\"%s\"/>\n",
                key, params ? "params" : "bytes", n, BAR_X, y, BAR_W, h, palette[k % 10]);
        seg[n_seg++] = (struct seg){y + h / 2, key, n, k % 10};
        k++;
    }
    fputs("</g>\n", out);
    /* labels top-down (the last segment is the top one) */
    for (size_t i = n_seg; i-- > 0;) {
        double ly = seg[i].mid + 4;
        if (ly < label_y + 16)
            ly = label_y + 16;
        label_y = ly;
        char text[128];
        snprintf(text, sizeof text, "%s %s", seg[i].key, figure(a, sizeof a, seg[i].v, params, si));
        fprintf(out, "<polyline fill=\"none\" stroke=\"%s\" points=\"%d,%.3f %d,%.3f\"/>\n", palette[seg[i].color],
                BAR_X + BAR_W, seg[i].mid, LABEL_X - 6, ly - 4);
        tmem__svg_text(out, LABEL_X, ly, "start", NULL, text);
    }
    tmem__svg_text(out, BAR_X + BAR_W / 2.0, bottom + 20, "middle", NULL,
                   params ? "parameters" : json_is_object(stages) ? "per GPU (peak stage)" : "per GPU");
    /* the stages: one narrow bar each, right of the labels */
    size_t n_stages = json_is_object(stages) ? json_object_size(stages) : 0, s_i = 0;
    const double stage_w = n_stages ? (WIDTH - STAGE_X - 20.0) / (double)n_stages : 0;
    json_object_foreach((json_t *)stages, key, v) {
        double n = tmem__svg_num(v), x = STAGE_X + stage_w * (double)s_i++;
        fprintf(out, "<rect class=\"stage\" data-stage=\"%s\" data-bytes=\"%.0f\" x=\"%.3f\" y=\"%.3f\" width=\"%.3f\" "
                     "height=\"%.3f\" fill=\"#9aa5b1\"/>\n",
                key, n, x + 2, bottom - n * scale, stage_w - 4, n * scale);
        char text[32];
        snprintf(text, sizeof text, "stage %s", key);
        tmem__svg_text(out, x + stage_w / 2, bottom + 20, "middle", "small", text);
        tmem__svg_text(out, x + stage_w / 2, bottom - n * scale - 4, "middle", "small", figure(a, sizeof a, n, false, si));
    }
    if (memory > 0) {
        double my = bottom - memory * scale;
        fprintf(out, "<line class=\"gpu-memory\" data-bytes=\"%.0f\" x1=\"%d\" y1=\"%.3f\" x2=\"%d\" y2=\"%.3f\"/>\n",
                memory, BAR_X - 20, my, n_stages ? WIDTH - 20 : BAR_X + BAR_W + 20, my);
        snprintf(title, sizeof title, "%s: %s", gpu_name ? gpu_name : "GPU", figure(b, sizeof b, memory, false, si));
        tmem__svg_text(out, BAR_X + BAR_W + 24, my - 6, "start", "small", title);
    }
    tmem__svg_close(out);
    return 0;
}
