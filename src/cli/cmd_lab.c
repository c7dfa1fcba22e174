/* cmd_lab.c — `tmem lab`: the original lab script's numbers, exactly, and
 * how far its approximation is from the exact count of a matching model. */
#include "cli.h"
#include "presets.h"
#include "reader.h"
#include "report.h"

#include <string.h>

static void usage(FILE *out, const struct opt *opts, size_t n)
{
    fprintf(out, "usage: tmem lab [options]\n\n"
                 "Reproduces the lab script memory_accounting.py exactly:\n"
                 "  attention = 4·d²   ffn = m·d²   embedding = V·d\n"
                 "  total = L·(attention + ffn) + embedding\n"
                 "  param = grad = total·precision_bytes   Adam = total·adam_bytes\n"
                 "  KV = b·s·L·heads·head_dim·2·precision_bytes\n"
                 "When the flags match a built-in model (d_model, layers, heads, vocab, full\n"
                 "multi-head attention) or --compare names one, the exact count and the\n"
                 "approximation's relative error are shown too.\n\n"
                 "options:\n");
    args_help(out, opts, n);
}

/* The first preset with the lab's shape: same d_model, layers, heads, vocab
 * and plain multi-head attention (the lab's KV formula assumes it). */
static const struct tmem_preset *find_match(const struct tmem_lab_input *in, struct tmem_model *out)
{
    for (size_t i = 0; i < tmem_preset_count(); i++) {
        struct tmem_model raw, m;
        if (tmem_model_load(tmem_preset_at(i)->name, &raw, NULL) != TMEM_OK ||
            tmem_model_resolve(&raw, &m, NULL) != TMEM_OK)
            continue;
        if (m.d_model == in->d_model && m.n_layer == in->n_layer && m.n_head == in->n_head &&
            m.n_vocab == in->n_vocab && m.n_kv_head == m.n_head && m.n_expert == 0) {
            *out = m;
            return tmem_preset_at(i);
        }
    }
    return NULL;
}

int cmd_lab(int argc, char **argv)
{
    struct tmem_lab_input in;
    tmem_lab_defaults(&in);
    struct u64_opt v[9] = {0};
    const char *compare = NULL;
    bool json = false, explain = false, si = false, help = false;
    struct opt opts[] = {
        {"--vocab-size", OPT_U64, "V", "vocabulary size (32000)", &v[0]},
        {"--d-model", OPT_U64, "D", "hidden size (4096)", &v[1]},
        {"--layers", OPT_U64, "L", "layers (32)", &v[2]},
        {"--heads", OPT_U64, "H", "attention heads (32)", &v[3]},
        {"--ffn-multiplier", OPT_U64, "M", "ffn = M·d² per layer (8)", &v[4]},
        {"--precision-bytes", OPT_U64, "B", "bytes per weight and gradient (2)", &v[5]},
        {"--adam-bytes", OPT_U64, "B", "bytes of Adam state per parameter (8)", &v[6]},
        {"--batch-size", OPT_U64, "B", "batch size for the KV cache (1)", &v[7]},
        {"--seq-len", OPT_U64, "S", "sequence length for the KV cache (4096)", &v[8]},
        {"--compare", OPT_STR, "MODEL", "compare with this model's exact count", &compare},
        {"--json", OPT_FLAG, NULL, "print a JSON document", &json},
        {"--explain", OPT_FLAG, NULL, "show each formula with its numbers", &explain},
        {"--si", OPT_FLAG, NULL, "decimal units (GB) instead of binary (GiB)", &si},
    };
    const size_t n_opts = sizeof opts / sizeof opts[0];
    const char *pos[1];
    size_t n_pos = 0;
    if (args_parse(argc, argv, 2, opts, n_opts, pos, 0, &n_pos, &help) != 0)
        return 2;
    if (help) {
        usage(stdout, opts, n_opts);
        return 0;
    }
    uint64_t *fields[9] = {&in.n_vocab,         &in.d_model,    &in.n_layer,
                           &in.n_head,          &in.ffn_multiplier, &in.precision_bytes,
                           &in.adam_bytes,      &in.batch_size, &in.seq_len};
    for (int i = 0; i < 9; i++)
        if (v[i].set)
            *fields[i] = v[i].v;

    struct tmem_lab_result r;
    struct tmem_error err = {0};
    if (tmem_lab_compute(&in, &r, &err) != TMEM_OK)
        return report_error(&err);

    struct tmem_model cm;
    struct tmem_inventory inv;
    struct tmem_lab_view view = {.in = &in, .r = &r};
    if (compare != NULL) {
        struct model_flags none = {0};
        if (model_from_args(compare, &none, &cm) != 0)
            return 2;
        view.compare_name = cm.name[0] ? cm.name : compare;
    } else {
        const struct tmem_preset *p = find_match(&in, &cm);
        if (p != NULL)
            view.compare_name = p->name;
    }
    if (view.compare_name != NULL) {
        if (tmem_inventory_build(&cm, &inv, &err) != TMEM_OK)
            return report_error(&err);
        view.compare_model = &cm;
        view.compare_inv = &inv;
        view.relative_error = tmem_relative_error(r.total_params, inv.total_params);
    }
    if (json) {
        if (tmem_report_lab_json(stdout, &view) != 0) {
            cli_error("lab", TMEM_JSON_FAILED, NULL);
            return 2;
        }
        return 0;
    }
    struct tmem_report_opts ro = {.si = si, .explain = explain};
    tmem_report_lab_text(stdout, &view, &ro);
    return 0;
}
