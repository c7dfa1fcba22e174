/* cmd_sweep.c — `tmem sweep KNOB A:B[:STEP] [train|infer|serve] MODEL
 * [options]`: runs the command once per value of one knob (in process, its
 * JSON document captured) and tabulates memory per GPU, whether it fits, and
 * the command's time figures. Wiring only: every figure is the command's
 * own (sweep_json.c copies them). */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include "alloc.h"
#include "jsonutil.h"
#include "cli.h"
#include "errtext.h"
#include "output.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* the knobs: the name, the flag it sets, the commands it applies to */
static const struct knob {
    const char *name, *flag;
    const char *commands[2];
    bool real;
} knobs[] = {
    {"micro-batch", "--micro-batch", {"train"}, false},
    {"seq", "--seq", {"train"}, false},
    {"gpus", "--gpus", {"train"}, false},
    {"zero", "--zero", {"train"}, false},
    {"tp", "--tp", {"train", "infer"}, false},
    {"batch", "--batch", {"infer"}, false},
    {"prompt", "--prompt", {"infer", "serve"}, false},
    {"context", "--max-model-len", {"infer"}, false},
    {"rate", "--rate", {"serve"}, true},
};

enum { SWEEP_MAX_VALUES = 64 };

struct sweep_flags {
    bool json, si;
    struct cli_out_flags out;
};

enum { N_SWEEP_ROWS = 2, N_SWEEP_OPTS = N_SWEEP_ROWS + CLI_OUT_MAX_ROWS };

static void sweep_doc(struct sweep_flags *f, struct opt *opts, struct cmd_doc *d)
{
    const struct opt own[] = {
        {OPT_ROW("--json", OPT_FLAG, NULL, "print a JSON document", &f->json)},
        {OPT_ROW("--si", OPT_FLAG, NULL, "decimal units (GB) instead of binary (GiB)", &f->si)},
    };
    _Static_assert(sizeof own / sizeof own[0] == N_SWEEP_ROWS, "N_SWEEP_ROWS counts the rows");
    memcpy(opts, own, sizeof own);
    cli_out_rows(&f->out, opts + N_SWEEP_ROWS, true);
    *d = (struct cmd_doc){
        .name = "sweep",
        .synopsis = "KNOB A:B[:STEP] [train|infer|serve] MODEL [options of that command]",
        .summary = "memory and time over one knob, as a table, CSV, markdown or SVG",
        .about = "Runs train, infer or serve once per value of KNOB, from A to B: STEP N adds N\n"
                 "(default 1), STEP xN multiplies by N (1:16:x2 is 1 2 4 8 16); at most 64 values.\n"
                 "Knobs: micro-batch, seq, gpus, zero (train); tp (train, infer); batch, context\n"
                 "(--max-model-len) (infer); prompt (infer, serve); rate (serve). The command may be\n"
                 "left out when the knob has one. Each row is what the command prints for that\n"
                 "value: memory per GPU, whether it fits --gpu (the first row that does not is\n"
                 "marked), and step time and tokens/s (train), TTFT and decode tokens/s (infer),\n"
                 "TTFT and TPOT p50 (serve). --svg draws the curves against the GPU's memory.\n\n"
                 "Example: tmem sweep micro-batch 1:16:x2 train llama-2-7b --gpu a100-80gb --zero 3 --gpus 8",
        .opts = opts, .n_opts = N_SWEEP_OPTS};
}

void tmem__sweep_doc(cmd_doc_sink sink, void *ctx)
{
    struct sweep_flags f = {0};
    struct opt opts[N_SWEEP_OPTS];
    struct cmd_doc d;
    sweep_doc(&f, opts, &d);
    sink(&d, ctx);
}

static int bad(const char *where, const char *msg)
{
    cli_error(where, msg, NULL);
    return 2;
}

/* A:B[:STEP] into values[]: 0, or 2 after an error line */
static int parse_range(const struct knob *k, const char *s, double *values, size_t *n)
{
    char *end;
    double a = strtod(s, &end), b = 0, step = 1;
    bool times = false;
    int ok = end != s && *end == ':';
    if (ok) {
        const char *p = end + 1;
        b = strtod(p, &end);
        ok = end != p && (*end == '\0' || *end == ':');
        if (ok && *end == ':') {
            p = end + 1;
            times = *p == 'x';
            p += times;
            step = strtod(p, &end);
            ok = end != p && *end == '\0';
        }
    }
    if (!ok || !isfinite(a) || !isfinite(b) || !isfinite(step))
        return bad("RANGE", "must be A:B, A:B:N (add N) or A:B:xN (times N)");
    if (a < 0 || b < a || (!k->real && (a != floor(a) || b != floor(b) || (!times && step != floor(step)))))
        return bad("RANGE", k->real ? "must have 0 <= A <= B" : "must be whole numbers with 0 <= A <= B");
    if (times ? !(step > 1) || a <= 0 : !(step > 0))
        return bad("RANGE", times ? "xN needs N > 1 and A > 0" : "the step must be above 0");
    *n = 0;
    for (double v = a; v <= b * (1 + 1e-12); v = times ? v * step : v + step) {
        if (*n == SWEEP_MAX_VALUES)
            return bad("RANGE", "more than 64 values: a larger step");
        values[(*n)++] = k->real ? v : floor(v + 0.5);
    }
    return 0;
}

static const struct knob *find_knob(const char *name)
{
    for (size_t i = 0; i < sizeof knobs / sizeof knobs[0]; i++)
        if (strcmp(knobs[i].name, name) == 0)
            return &knobs[i];
    return NULL;
}

/* the command run at each value: the word given, else the knob's one */
static const struct tmem__cli_command *pick_command(const struct knob *k, const char *word)
{
    const char *name = word ? word : k->commands[0];
    if (word == NULL && k->commands[1] != NULL) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s is a knob of %s and %s: name the command", k->name, k->commands[0],
                 k->commands[1]);
        cli_error("sweep", msg, NULL);
        return NULL;
    }
    if (!(strcmp(name, k->commands[0]) == 0 || (k->commands[1] && strcmp(name, k->commands[1]) == 0))) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s is not a knob of %s", k->name, name);
        cli_error("KNOB", msg, "tmem sweep --help lists the knobs");
        return NULL;
    }
    size_t n;
    const struct tmem__cli_command *c = tmem__cli_commands(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(c[i].name, name) == 0)
            return &c[i];
    return NULL;
}

/* one run of c with argv, its JSON document parsed into *doc: 0, or the
 * command's status (its error line printed) */
static int run_captured(const struct tmem__cli_command *c, int argc, char **argv, json_t **doc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL)
        return bad("sweep", "out of memory");
    cli_out_capture(f);
    int rc = c->run(argc, argv);
    cli_out_capture(NULL);
    fclose(f);
    if (rc == 0) {
        json_error_t jerr;
        *doc = tmem__json_loadb(buf, len, 0, &jerr);
        if (*doc == NULL)
            rc = bad("sweep", "out of memory");
    }
    free(buf);
    return rc;
}

static bool is_command_word(const char *w)
{
    return strcmp(w, "train") == 0 || strcmp(w, "infer") == 0 || strcmp(w, "serve") == 0;
}

int cmd_sweep(int argc, char **argv)
{
    struct sweep_flags f = {0};
    struct opt opts[N_SWEEP_OPTS];
    struct cmd_doc doc;
    sweep_doc(&f, opts, &doc);
    /* sweep's own words: the leading positionals and its own options; the
     * rest goes to the command */
    char **own = tmem__calloc((size_t)argc + 1, sizeof *own), **fwd = tmem__calloc((size_t)argc + 8, sizeof *fwd);
    if (own == NULL || fwd == NULL) {
        tmem__dealloc(own);
        tmem__dealloc(fwd);
        return bad("sweep", "out of memory");
    }
    int n_own = 0, n_fwd = 0, i = 2;
    own[n_own++] = argv[0];
    own[n_own++] = argv[1];
    for (; i < argc && strncmp(argv[i], "--", 2) != 0 && strcmp(argv[i], "-h") != 0; i++)
        own[n_own++] = argv[i];
    for (; i < argc; i++) {
        const struct opt *o = tmem__args_find(opts, N_SWEEP_OPTS, argv[i]);
        if (o != NULL || strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            own[n_own++] = argv[i];
            if (o != NULL && o->kind != OPT_FLAG && i + 1 < argc)
                own[n_own++] = argv[++i];
        } else {
            fwd[n_fwd++] = argv[i];
        }
    }
    const char *pos[4];
    size_t n_pos = 0;
    int rc = tmem__args_parse_doc(&doc, n_own, own, pos, 4, &n_pos);
    const struct knob *k = NULL;
    const struct tmem__cli_command *c = NULL;
    double values[SWEEP_MAX_VALUES];
    size_t n_values = 0;
    if (rc == 0 && n_pos < 2)
        rc = bad("sweep", "needs KNOB and A:B[:STEP] (tmem sweep --help)");
    if (rc == 0 && (k = find_knob(pos[0])) == NULL) {
        char msg[300], q[TMEM_QUOTE_CAP], names[160];
        size_t at = 0;
        for (size_t j = 0; j < sizeof knobs / sizeof knobs[0]; j++)
            at += (size_t)snprintf(names + at, sizeof names - at, "%s%s", j ? ", " : "", knobs[j].name);
        snprintf(msg, sizeof msg, "unknown knob %s (one of: %s)", tmem__quote(q, pos[0]), names);
        rc = bad("KNOB", msg);
    }
    if (rc == 0)
        rc = parse_range(k, pos[1], values, &n_values);
    const char *word = rc == 0 && n_pos > 2 && is_command_word(pos[2]) ? pos[2] : NULL;
    size_t model_at = word ? 3 : 2;
    if (rc == 0 && n_pos > model_at + 1)
        rc = bad("sweep", "one MODEL");
    if (rc == 0 && (c = pick_command(k, word)) == NULL)
        rc = 2;
    for (int j = 0; rc == 0 && j < n_fwd; j++)
        if (strcmp(fwd[j], k->flag) == 0 || strcmp(fwd[j], "--json") == 0) {
            char msg[120];
            snprintf(msg, sizeof msg, "is set by tmem sweep %s: leave it out", k->name);
            rc = bad(fwd[j], msg);
        }
    /* the command's argv: tmem CMD [MODEL] options --FLAG value */
    char **sub = rc == 0 ? tmem__calloc((size_t)n_fwd + 8, sizeof *sub) : NULL;
    if (rc == 0 && sub == NULL)
        rc = bad("sweep", "out of memory");
    json_t *sdoc = NULL;
    char value_text[40];
    for (size_t v = 0; rc == 0 && v < n_values; v++) {
        int n_sub = 0;
        sub[n_sub++] = argv[0];
        sub[n_sub++] = (char *)c->name;
        if (n_pos > model_at)
            sub[n_sub++] = (char *)pos[model_at];
        for (int j = 0; j < n_fwd; j++)
            sub[n_sub++] = fwd[j];
        if (k->real)
            snprintf(value_text, sizeof value_text, "%.17g", values[v]);
        else
            snprintf(value_text, sizeof value_text, "%.0f", values[v]);
        sub[n_sub++] = (char *)k->flag;
        sub[n_sub++] = value_text;
        sub[n_sub] = NULL;
        json_t *run = NULL;
        rc = run_captured(c, n_sub, sub, &run);
        if (rc != 0)
            break;
        if (sdoc == NULL && (sdoc = tmem__sweep_doc_new(k->name, c->name, run)) == NULL)
            rc = bad("sweep", "out of memory");
        json_t *jv = k->real ? json_real(values[v]) : json_integer((json_int_t)values[v]);
        if (rc == 0 && tmem__sweep_doc_add(sdoc, jv, run) != 0)
            rc = bad("sweep", TMEM_JSON_FAILED);
        json_decref(run);
    }
    struct cli_out out;
    if (rc == 0 && (rc = cli_out_begin(&out, &f.out, f.json, f.si)) == 0) {
        if (out.doc != NULL && tmem__sweep_doc_dump(out.doc, sdoc) != 0)
            rc = bad("sweep", TMEM_JSON_FAILED);
        struct tmem__table t = {0};
        if (rc == 0 && out.text != NULL) {
            if (tmem__table_from_doc(sdoc, &t) != 0)
                rc = bad("sweep", "out of memory");
            else
                tmem__sweep_text(out.text, sdoc, &t, f.si);
        }
        tmem__table_free(&t);
        rc = cli_out_end(&out, rc);
    }
    json_decref(sdoc);
    tmem__dealloc(sub);
    tmem__dealloc(own);
    tmem__dealloc(fwd);
    return rc == 1 ? 0 : rc;
}
