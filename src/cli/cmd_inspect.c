/* cmd_inspect.c — `tmem inspect PATH`: what a checkpoint's headers say (a
 * .safetensors file, an index json, a model folder or a .gguf), tensor by
 * tensor, and how it compares with the formula for its model: the
 * config.json beside the weights, --config, the GGUF's own metadata, or the
 * layout its tensor names describe. Reads headers only. */
#include "alloc.h"
#include "cli.h"
#include "output.h"
#include "inspect.h"
#include "reader.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

struct inspect_flags {
    bool json, tensors, si, no_check;
    const char *config;
    struct cli_out_flags out;
};

enum { N_INSPECT_ROWS = 5, N_INSPECT_OPTS = N_INSPECT_ROWS + 1 /* and --format */ };

/* the option table (targets in f) and the doc over it */
static void inspect_doc(struct inspect_flags *f, struct opt *opts, struct cmd_doc *d)
{
    const struct opt own[] = {
        {OPT_ROW("--json", OPT_FLAG, NULL, "print a JSON document", &f->json)},
        {OPT_ROW("--tensors", OPT_FLAG, NULL, "one line (JSON: one object) per tensor", &f->tensors)},
        {OPT_ROW("--config", OPT_STR, "PATH", "check against this config.json", &f->config)},
        {OPT_ROW("--no-check", OPT_FLAG, NULL, "list only; no comparison with the formula", &f->no_check)},
        {OPT_ROW("--si", OPT_FLAG, NULL, "decimal units (GB) instead of binary (GiB)", &f->si)},
    };
    _Static_assert(sizeof own / sizeof own[0] == N_INSPECT_ROWS, "N_INSPECT_ROWS counts the rows");
    memcpy(opts, own, sizeof own);
    cli_out_rows(&f->out, opts + N_INSPECT_ROWS, false);
    *d = (struct cmd_doc){
        .name = "inspect",
        .synopsis = "PATH [options]",
        .summary = "what a checkpoint's headers say",
        .about = "Reads a checkpoint's headers, never its tensor data, and lists its tensors by\n"
                 "group (as `tmem params` groups them) and by element type: exact element counts,\n"
                 "bytes, and bits per weight. Then it checks them against the formula: matching\n"
                 "totals, tied embeddings, missing layers, and the tensors the formula does not\n"
                 "count (rotary buffers, attention masks, vision towers), one line each.\n\n"
                 "PATH is a .safetensors file, a model.safetensors.index.json, a model folder\n"
                 "(index, shards, or one .gguf) or a .gguf file. The formula's model is --config,\n"
                 "else the config.json beside the weights, else the GGUF's metadata, else the\n"
                 "layout the tensor names describe.",
        .opts = opts, .n_opts = N_INSPECT_OPTS};
}

void tmem__inspect_doc(cmd_doc_sink sink, void *ctx)
{
    struct inspect_flags f = {0};
    struct opt opts[N_INSPECT_OPTS];
    struct cmd_doc d;
    inspect_doc(&f, opts, &d);
    sink(&d, ctx);
}

/* config.json → resolved model; the error is reported by the caller */
static enum tmem_status config_model(const char *path, struct tmem_model *m,
                                     struct tmem_error *err)
{
    struct tmem_model raw;
    enum tmem_status st = tmem_hf_config_load(path, cli_allocator(), &raw, err);
    if (st == TMEM_OK)
        st = tmem_model_resolve(&raw, m, err);
    return st;
}

struct inspect_state {
    struct tmem_ckpt ckpt;
    struct tmem_ckpt_summary sum;
    struct tmem_ckpt_check check;
    char against[TMEM_ERROR_WHERE_LEN], notes[400];
    char no_check[TMEM_ERROR_WHERE_LEN + TMEM_ERROR_MSG_LEN + 64]; /* a whole error */
};

int cmd_inspect(int argc, char **argv)
{
    struct inspect_flags f = {0};
    struct opt opts[N_INSPECT_OPTS];
    struct cmd_doc doc;
    inspect_doc(&f, opts, &doc);
    const char *pos[1];
    size_t n_pos = 0;
    int go = tmem__args_parse_doc(&doc, argc, argv, pos, 1, &n_pos);
    if (go != 0)
        return go == 1 ? 0 : 2;
    bool json = f.json, tensors = f.tensors, si = f.si, no_check = f.no_check;
    const char *config = f.config;
    if (n_pos == 0) {
        cli_error("PATH", "no checkpoint given",
                  "tmem inspect takes a .safetensors file, an index json, a folder or a .gguf");
        return 2;
    }

    /* ~ 40 KB of result structs: on the heap, not the stack */
    struct inspect_state *s = tmem__calloc(1, sizeof *s);
    if (s == NULL) {
        cli_error("inspect", "out of memory", NULL);
        return 2;
    }
    int rc = 0;
    struct tmem_error err = {0};
    /* a Hugging Face repo id: its snapshot in the local hub cache */
    struct stat sb;
    char snap[4096], line[4200];
    const char *path = pos[0];
    if (stat(path, &sb) != 0 && tmem__hf_cache_snapshot(path, snap, sizeof snap)) {
        snprintf(line, sizeof line, "%s: read from the local Hugging Face cache, %s", path, snap);
        cli_note(line);
        path = snap;
    }
    if (tmem_ckpt_open(path, cli_allocator(), &s->ckpt, &err) != TMEM_OK ||
        tmem_ckpt_summarize(&s->ckpt, &s->sum, &err) != TMEM_OK) {
        rc = report_error(&err);
        goto done;
    }

    /* the model to compare with */
    struct tmem_model m;
    bool have_model = false;
    char beside[4096];
    snprintf(beside, sizeof beside, "%s/config.json", s->ckpt.dir);
    if (no_check) {
        snprintf(s->no_check, sizeof s->no_check, "--no-check");
    } else if (config != NULL) {
        if (config_model(config, &m, &err) != TMEM_OK) {
            rc = report_error(&err);
            goto done;
        }
        have_model = true;
        snprintf(s->against, sizeof s->against, "%s", config);
    } else if (s->ckpt.format == TMEM_CKPT_SAFETENSORS && stat(beside, &sb) == 0) {
        if (config_model(beside, &m, &err) == TMEM_OK) {
            have_model = true;
            snprintf(s->against, sizeof s->against, "config.json");
        } else {
            snprintf(s->no_check, sizeof s->no_check, "the config.json beside it: %s: %s",
                     err.where, err.msg);
        }
    } else {
        struct tmem_model raw;
        if (tmem_ckpt_model(&s->ckpt, &raw, s->notes, sizeof s->notes, &err) == TMEM_OK) {
            if (raw.n_expert > 0 && raw.n_expert_used == 0)
                raw.n_expert_used = 1; /* not in safetensors names; totals need no top-k */
            if (tmem_model_resolve(&raw, &m, &err) == TMEM_OK)
                have_model = true;
        }
        if (have_model)
            snprintf(s->against, sizeof s->against, "%s",
                     s->ckpt.format == TMEM_CKPT_GGUF ? "the GGUF metadata"
                                                      : "the layout read from the tensor names");
        else
            snprintf(s->no_check, sizeof s->no_check, "%s: %s", err.where, err.msg);
    }
    if (have_model &&
        tmem_ckpt_check(&s->ckpt, &s->sum, &m, s->against, &s->check, &err) != TMEM_OK) {
        rc = report_error(&err);
        goto done;
    }

    struct tmem_inspect_view v = {.ckpt = &s->ckpt, .sum = &s->sum,
                                  .check = have_model ? &s->check : NULL,
                                  .no_check = s->no_check, .notes = s->notes, .tensors = tensors};
    struct cli_out out;
    if (cli_out_begin(&out, &f.out, json, si) != 0) {
        rc = 2;
        goto done;
    }
    if (out.doc != NULL && tmem__report_inspect_json(out.doc, &v) != 0) {
        cli_error("inspect", TMEM_JSON_FAILED, NULL);
        rc = 2;
    }
    if (out.text != NULL) {
        struct tmem_report_opts ro = {.si = si};
        tmem__report_inspect_text(out.text, &v, &ro);
    }
    rc = cli_out_end(&out, rc);
done:
    tmem_ckpt_free(&s->ckpt);
    tmem__dealloc(s);
    return rc;
}
