/* cmd_lab.c — `tmem lab`: the original lab script's numbers, exactly, and
 * how far its approximation is from the exact count of a matching model. */
#include "cli.h"
#include "output.h"
#include "errtext.h"
#include "tmem/read.h"
#include "reader.h"
#include "report.h"

#include <string.h>

/* The first preset with the lab's shape: same d_model, layers, heads, vocab
 * and plain multi-head attention (the lab's KV formula assumes it). */
static const struct tmem_preset *find_match(const struct tmem_lab_input *in, struct tmem_model *out)
{
    for (size_t i = 0; i < tmem_preset_count(); i++) {
        struct tmem_model raw, m;
        if (tmem_model_load(tmem_preset_at(i)->name, cli_allocator(), &raw, NULL) != TMEM_OK ||
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

struct lab_flags {
    struct u64_opt v[9]; /* in the order of fields[] in cmd_lab; v[4] unused (ffn below) */
    const char *ffn, *compare;
    bool json, explain, si;
    struct cli_out_flags out;
};

enum { N_LAB_ROWS = 13, N_LAB_OPTS = N_LAB_ROWS + 1 /* and --format */ };

/* the option table (targets in f, defaults from tmem_lab_defaults) and the doc over it */
static void lab_doc(struct lab_flags *f, struct opt *opts, struct cmd_doc *d)
{
    struct tmem_lab_input in;
    tmem_lab_defaults(&in);
    const struct opt own[] = {
        {OPT_ROW("--vocab-size", OPT_U64, "V", "vocabulary size", &f->v[0]), .def = OPT_DEFAULT_U64(in.n_vocab)},
        {OPT_ROW("--d-model", OPT_U64, "D", "hidden size", &f->v[1]), .def = OPT_DEFAULT_U64(in.d_model)},
        {OPT_ROW("--layers", OPT_U64, "L", "layers", &f->v[2]), .def = OPT_DEFAULT_U64(in.n_layer)},
        {OPT_ROW("--heads", OPT_U64, "H", "attention heads", &f->v[3]), .def = OPT_DEFAULT_U64(in.n_head)},
        {OPT_ROW("--ffn-multiplier", OPT_STR, "M", "ffn = M·d² per layer; a decimal (10.5) is exact", &f->ffn),
         .def = OPT_DEFAULT_U64(in.ffn_multiplier)},
        {OPT_ROW("--precision-bytes", OPT_U64, "B", "bytes per weight and gradient", &f->v[5]),
         .def = OPT_DEFAULT_U64(in.precision_bytes)},
        {OPT_ROW("--adam-bytes", OPT_U64, "B", "bytes of Adam state per parameter", &f->v[6]),
         .def = OPT_DEFAULT_U64(in.adam_bytes)},
        {OPT_ROW("--batch-size", OPT_U64, "B", "batch size for the KV cache", &f->v[7]),
         .def = OPT_DEFAULT_U64(in.batch_size)},
        {OPT_ROW("--seq-len", OPT_U64, "S", "sequence length for the KV cache", &f->v[8]),
         .def = OPT_DEFAULT_U64(in.seq_len)},
        {OPT_ROW("--compare", OPT_STR, "MODEL", "compare with this model's exact count", &f->compare)},
        {OPT_ROW("--json", OPT_FLAG, NULL, "print a JSON document", &f->json)},
        {OPT_ROW("--explain", OPT_FLAG, NULL, "show each formula with its numbers", &f->explain)},
        {OPT_ROW("--si", OPT_FLAG, NULL, "decimal units (GB) instead of binary (GiB)", &f->si)},
    };
    _Static_assert(sizeof own / sizeof own[0] == N_LAB_ROWS, "N_LAB_ROWS counts the rows");
    memcpy(opts, own, sizeof own);
    cli_out_rows(&f->out, opts + N_LAB_ROWS, false);
    *d = (struct cmd_doc){
        .name = "lab",
        .synopsis = "[options]",
        .summary = "the original lab script's numbers, and their error",
        .about = "Reproduces the lab script memory_accounting.py exactly:\n"
                 "  attention = 4·d²   ffn = m·d²   embedding = V·d\n"
                 "  total = L·(attention + ffn) + embedding\n"
                 "  param = grad = total·precision_bytes   Adam = total·adam_bytes\n"
                 "  KV = b·s·L·heads·head_dim·2·precision_bytes\n\n"
                 "When the flags match a built-in model (d_model, layers, heads, vocab, full\n"
                 "multi-head attention) or --compare names one, the exact count and the\n"
                 "approximation's relative error are shown too.",
        .opts = opts, .n_opts = N_LAB_OPTS};
}

/* --ffn-multiplier: digits with an optional decimal point and at most 9
 * decimals → num / 10^k. false: not such a number, or too large. */
static bool parse_multiplier(const char *s, uint64_t *num, uint64_t *den)
{
    uint64_t n = 0, d = 1;
    bool digits = false, point = false;
    for (const char *p = s; *p; p++) {
        if (*p == '.' && !point) {
            point = true;
            continue;
        }
        if (*p < '0' || *p > '9' || (point && d == UINT64_C(1000000000)))
            return false;
        if (n > (UINT64_MAX - 9) / 10)
            return false;
        n = n * 10 + (uint64_t)(*p - '0');
        if (point)
            d *= 10;
        digits = true;
    }
    *num = n;
    *den = d;
    return digits;
}

void tmem__lab_doc(cmd_doc_sink sink, void *ctx)
{
    struct lab_flags f = {0};
    struct opt opts[N_LAB_OPTS];
    struct cmd_doc d;
    lab_doc(&f, opts, &d);
    sink(&d, ctx);
}

int cmd_lab(int argc, char **argv)
{
    struct tmem_lab_input in;
    tmem_lab_defaults(&in);
    struct lab_flags f = {0};
    struct opt opts[N_LAB_OPTS];
    struct cmd_doc doc;
    lab_doc(&f, opts, &doc);
    const char *pos[1];
    size_t n_pos = 0;
    int go = tmem__args_parse_doc(&doc, argc, argv, pos, 0, &n_pos);
    if (go != 0)
        return go == 1 ? 0 : 2;
    const struct u64_opt *v = f.v;
    const char *compare = f.compare;
    bool json = f.json, explain = f.explain, si = f.si;
    uint64_t *fields[9] = {&in.n_vocab,         &in.d_model,    &in.n_layer,
                           &in.n_head,          &in.ffn_multiplier, &in.precision_bytes,
                           &in.adam_bytes,      &in.batch_size, &in.seq_len};
    for (int i = 0; i < 9; i++)
        if (v[i].set)
            *fields[i] = v[i].v;
    if (f.ffn != NULL &&
        !parse_multiplier(f.ffn, &in.ffn_multiplier, &in.ffn_multiplier_den)) {
        char msg[TMEM_QUOTE_CAP + 64], q[TMEM_QUOTE_CAP];
        snprintf(msg, sizeof msg, "expected a number such as 8 or 10.5, got %s", tmem__quote(q, f.ffn));
        cli_error("--ffn-multiplier", msg, NULL);
        return 2;
    }

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
    struct cli_out out;
    if (cli_out_begin(&out, &f.out, json, si) != 0)
        return 2;
    int rc = 0;
    if (out.doc != NULL && tmem__report_lab_json(out.doc, &view) != 0) {
        cli_error("lab", TMEM_JSON_FAILED, NULL);
        rc = 2;
    }
    struct tmem_report_opts ro = {.si = si, .explain = explain};
    if (out.text != NULL)
        tmem__report_lab_text(out.text, &view, &ro);
    return cli_out_end(&out, rc);
}
