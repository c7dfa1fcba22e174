/* cmd_params.c — `tmem params MODEL`: the exact parameter inventory. */
#include "cli.h"
#include "output.h"
#include "report.h"

#include <string.h>

struct params_flags {
    struct model_flags mf;
    bool json, explain, tensors, si;
    struct cli_out_flags out;
};

enum { N_PARAMS_ROWS = 4, N_PARAMS_OWN = N_PARAMS_ROWS + CLI_OUT_MAX_ROWS };

/* the option table (targets in f) and the doc over it */
static void params_doc(struct params_flags *f, struct opt *opts, struct cmd_doc *d)
{
    const struct opt own[N_PARAMS_ROWS] = {
        {OPT_ROW("--json", OPT_FLAG, NULL, "print a JSON document", &f->json)},
        {OPT_ROW("--explain", OPT_FLAG, NULL, "show every tensor's formula and a summary in words", &f->explain)},
        {OPT_ROW("--tensors", OPT_FLAG, NULL, "one line per tensor kind", &f->tensors)},
        {OPT_ROW("--si", OPT_FLAG, NULL, "decimal units (GB) instead of binary (GiB)", &f->si)},
    };
    memcpy(opts, own, sizeof own);
    cli_out_rows(&f->out, opts + N_PARAMS_ROWS, true);
    model_flag_opts(&f->mf, opts + N_PARAMS_OWN);
    *d = (struct cmd_doc){
        .name = "params",
        .synopsis = "MODEL [options]\n--hidden N --layers N --heads N --vocab N [--ffn N] [options]",
        .summary = "exact parameter inventory of a model",
        .about = "Counts a model's parameters tensor by tensor, the way its family's reference\n"
                 "implementation lays them out: groups, total, active per token (MoE), and the\n"
                 "bytes of the weights at fp32 / bf16 / int8 / int4.\n\n"
                 "MODEL is a config.json, a model folder holding one, or a preset (tmem models).",
        .opts = opts, .n_opts = N_PARAMS_OWN,
        .shared = opts + N_PARAMS_OWN, .n_shared = MODEL_FLAG_COUNT};
}

void tmem__params_doc(cmd_doc_sink sink, void *ctx)
{
    struct params_flags f = {0};
    struct opt opts[N_PARAMS_OWN + MODEL_FLAG_COUNT];
    struct cmd_doc d;
    params_doc(&f, opts, &d);
    sink(&d, ctx);
}

int cmd_params(int argc, char **argv)
{
    struct params_flags f = {0};
    struct opt opts[N_PARAMS_OWN + MODEL_FLAG_COUNT];
    struct cmd_doc doc;
    params_doc(&f, opts, &doc);
    const char *pos[1];
    size_t n_pos = 0;
    int go = tmem__args_parse_doc(&doc, argc, argv, pos, 1, &n_pos);
    if (go != 0)
        return go == 1 ? 0 : 2;
    struct model_flags mf = f.mf;
    bool json = f.json, explain = f.explain, tensors = f.tensors, si = f.si;

    struct tmem_model m;
    struct tmem_inventory inv;
    if (tmem__model_inventory_from_args(n_pos ? pos[0] : NULL, &mf, &m, &inv) != 0)
        return 2;
    char nbuf[sizeof mf.notes];
    const char *notes[8];
    size_t n_notes = model_notes_list(&mf, nbuf, sizeof nbuf, notes, 8);
    struct tmem_params_view v = {.model = &m, .inv = &inv, .n_moe_layer = tmem_model_moe_layers(&m),
                                 .notes = notes, .n_notes = n_notes};
    for (int t = 0; t < TMEM_DTYPE_COUNT; t++)
        if (tmem_dtype_bytes((enum tmem_dtype)t, inv.total_params, &v.dtype_bytes[t]) != TMEM_OK) {
            cli_error("params", "weight bytes do not fit in 64 bits", NULL);
            return 2;
        }
    struct tmem_report_opts ro = {.si = si, .explain = explain, .tensors = tensors};
    struct cli_out o;
    if (cli_out_begin(&o, &f.out, json, si) != 0)
        return 2;
    int rc = 0;
    if (o.doc != NULL && tmem__report_params_json(o.doc, &v) != 0) {
        cli_error("params", TMEM_JSON_FAILED, NULL);
        rc = 2;
    }
    if (o.text != NULL)
        tmem__report_params_text(o.text, &v, &ro);
    return cli_out_end(&o, rc);
}
