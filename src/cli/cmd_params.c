/* cmd_params.c — `tmem params MODEL`: the exact parameter inventory. */
#include "cli.h"
#include "report.h"

static void usage(FILE *out, const struct opt *opts, size_t n)
{
    fprintf(out, "usage: tmem params MODEL [options]\n"
                 "       tmem params --hidden N --layers N --heads N --vocab N [--ffn N] [options]\n\n"
                 "Counts a model's parameters tensor by tensor, the way its family's reference\n"
                 "implementation lays them out: groups, total, active per token (MoE), and the\n"
                 "bytes of the weights at fp32 / bf16 / int8 / int4.\n\n"
                 "MODEL is a config.json, a model folder holding one, or a preset (tmem models).\n\n"
                 "options:\n");
    args_help(out, opts, n);
}

int cmd_params(int argc, char **argv)
{
    struct model_flags mf = {0};
    bool json = false, explain = false, tensors = false, si = false, help = false;
    struct opt opts[MODEL_FLAG_COUNT + 4] = {
        {"--json", OPT_FLAG, NULL, "print a JSON document", &json},
        {"--explain", OPT_FLAG, NULL, "show every tensor's formula and a summary in words", &explain},
        {"--tensors", OPT_FLAG, NULL, "one line per tensor kind", &tensors},
        {"--si", OPT_FLAG, NULL, "decimal units (GB) instead of binary (GiB)", &si},
    };
    model_flag_opts(&mf, opts + 4);
    const size_t n_opts = sizeof opts / sizeof opts[0];
    const char *pos[1];
    size_t n_pos = 0;
    if (args_parse(argc, argv, 2, opts, n_opts, pos, 1, &n_pos, &help) != 0)
        return 2;
    if (help) {
        usage(stdout, opts, n_opts);
        return 0;
    }

    struct tmem_model m;
    if (model_from_args(n_pos ? pos[0] : NULL, &mf, &m) != 0)
        return 2;
    struct tmem_inventory inv;
    struct tmem_error err = {0};
    if (tmem_inventory_build(&m, &inv, &err) != TMEM_OK)
        return report_error(&err);
    struct tmem_params_view v = {.model = &m, .inv = &inv, .n_moe_layer = tmem_model_moe_layers(&m)};
    for (int t = 0; t < TMEM_DTYPE_COUNT; t++)
        if (tmem_dtype_bytes((enum tmem_dtype)t, inv.total_params, &v.dtype_bytes[t]) != TMEM_OK) {
            cli_error("params", "weight bytes do not fit in 64 bits", NULL);
            return 2;
        }
    if (json) {
        if (tmem_report_params_json(stdout, &v) != 0) {
            cli_error("params", TMEM_JSON_FAILED, NULL);
            return 2;
        }
        return 0;
    }
    struct tmem_report_opts ro = {.si = si, .explain = explain, .tensors = tensors};
    tmem_report_params_text(stdout, &v, &ro);
    return 0;
}
