/* cmd_list.c — `tmem models` and `tmem gpus`: the built-in presets. */
#include "alloc.h"
#include "cli.h"
#include "output.h"
#include "tmem/read.h"
#include "reader.h"
#include "report.h"

#include <stdlib.h>

static void models_doc(bool *json, struct cli_out_flags *out, struct opt *opts, struct cmd_doc *d)
{
    opts[0] = (struct opt){OPT_ROW("--json", OPT_FLAG, NULL, "print a JSON document", json)};
    cli_out_rows(out, opts + 1, false);
    *d = (struct cmd_doc){
        .name = "models",
        .synopsis = "[--json] [--format F]",
        .summary = "list the built-in model presets",
        .about = "Lists the built-in model presets with their exact parameter counts.\n"
                 "Any name or HF id listed works as MODEL.",
        .opts = opts, .n_opts = 2};
}

void tmem__models_doc(cmd_doc_sink sink, void *ctx)
{
    bool json = false;
    struct cli_out_flags out = {0};
    struct opt opts[2];
    struct cmd_doc d;
    models_doc(&json, &out, opts, &d);
    sink(&d, ctx);
}

int cmd_models(int argc, char **argv)
{
    bool json = false;
    struct cli_out_flags of = {0};
    struct opt opts[2];
    struct cmd_doc doc;
    models_doc(&json, &of, opts, &doc);
    const char *pos[1];
    size_t n_pos = 0;
    int go = tmem__args_parse_doc(&doc, argc, argv, pos, 0, &n_pos);
    if (go != 0)
        return go == 1 ? 0 : 2;
    size_t n = tmem_preset_count();
    struct tmem_model *models = tmem__calloc(n ? n : 1, sizeof *models);
    struct tmem_model_row *rows = tmem__calloc(n ? n : 1, sizeof *rows);
    struct tmem_inventory *inv = tmem__alloc(sizeof *inv);
    int rc = 0;
    if (models == NULL || rows == NULL || inv == NULL) {
        cli_error("models", "out of memory", NULL);
        rc = 2;
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const struct tmem_preset *p = tmem_preset_at(i);
        struct tmem_model raw;
        struct tmem_error err = {0};
        if (tmem_model_load(p->name, cli_allocator(), &raw, &err) != TMEM_OK ||
            tmem_model_resolve(&raw, &models[i], &err) != TMEM_OK ||
            tmem_inventory_build(&models[i], inv, &err) != TMEM_OK) {
            rc = report_error(&err);
            break;
        }
        rows[i] = (struct tmem_model_row){.name = p->name, .hf_id = p->hf_id, .model = &models[i],
                                          .total_params = inv->total_params,
                                          .active_params = inv->active_params};
    }
    struct cli_out out;
    if (rc == 0 && (rc = cli_out_begin(&out, &of, json, false)) == 0) {
        if (out.doc != NULL && tmem__report_models_json(out.doc, rows, n) != 0) {
            cli_error("models", TMEM_JSON_FAILED, NULL);
            rc = 2;
        }
        if (out.text != NULL)
            tmem__report_models_text(out.text, rows, n);
        rc = cli_out_end(&out, rc);
    }
    tmem__dealloc(models);
    tmem__dealloc(rows);
    tmem__dealloc(inv);
    return rc;
}

static void gpus_doc(bool *json, bool *si, struct cli_out_flags *out, struct opt *opts, struct cmd_doc *d)
{
    opts[0] = (struct opt){OPT_ROW("--json", OPT_FLAG, NULL, "print a JSON document", json)};
    opts[1] = (struct opt){OPT_ROW("--si", OPT_FLAG, NULL, "decimal units (GB) instead of binary (GiB)", si)};
    cli_out_rows(out, opts + 2, false);
    *d = (struct cmd_doc){
        .name = "gpus",
        .synopsis = "[--json] [--format F] [--si]",
        .summary = "list the built-in GPU presets",
        .about = "Lists the built-in GPU presets: memory as the device reports it, HBM bandwidth,\n"
                 "dense bf16 and fp8 tensor throughput, interconnect. Any name works as --gpu.",
        .opts = opts, .n_opts = 3};
}

void tmem__gpus_doc(cmd_doc_sink sink, void *ctx)
{
    bool json = false, si = false;
    struct cli_out_flags out = {0};
    struct opt opts[3];
    struct cmd_doc d;
    gpus_doc(&json, &si, &out, opts, &d);
    sink(&d, ctx);
}

int cmd_gpus(int argc, char **argv)
{
    bool json = false, si = false;
    struct cli_out_flags of = {0};
    struct opt opts[3];
    struct cmd_doc doc;
    gpus_doc(&json, &si, &of, opts, &doc);
    const char *pos[1];
    size_t n_pos = 0;
    int go = tmem__args_parse_doc(&doc, argc, argv, pos, 0, &n_pos);
    if (go != 0)
        return go == 1 ? 0 : 2;
    struct cli_out out;
    if (cli_out_begin(&out, &of, json, si) != 0)
        return 2;
    int rc = 0;
    if (out.doc != NULL && tmem__report_gpus_json(out.doc) != 0) {
        cli_error("gpus", TMEM_JSON_FAILED, NULL);
        rc = 2;
    }
    if (out.text != NULL)
        tmem__report_gpus_text(out.text, si);
    return cli_out_end(&out, rc);
}
