/* dispatch.c — the command line as a function: dispatches a subcommand.
 * Exit status: 0 ok (a model that does not fit is not an error), 2 bad input
 * or usage. */
#include "alloc.h"
#include "cli.h"
#include "reader.h"

#include <string.h>
#include <unistd.h>

static const struct tmem__cli_command commands[] = {
    {"params", cmd_params, tmem__params_doc},
    {"train", cmd_train, tmem__train_doc},
    {"plan", cmd_plan, tmem__plan_doc},
    {"infer", cmd_infer, tmem__infer_doc},
    {"serve", cmd_serve, tmem__serve_doc},
    {"inspect", cmd_inspect, tmem__inspect_doc},
    {"lab", cmd_lab, tmem__lab_doc},
    {"models", cmd_models, tmem__models_doc},
    {"gpus", cmd_gpus, tmem__gpus_doc},
    {"sweep", cmd_sweep, tmem__sweep_doc},
    {"completion", cmd_completion, tmem__completion_doc},
};

const struct tmem__cli_command *tmem__cli_commands(size_t *n)
{
    *n = sizeof commands / sizeof commands[0];
    return commands;
}

static void summary_line(const struct cmd_doc *d, void *ctx)
{
    fprintf(ctx, "  %-8s %s\n", d->name, d->summary);
}

static void usage(FILE *out)
{
    fprintf(out, "tmem %s: where every byte of GPU memory goes when a transformer is trained or "
                 "served\n\nusage: tmem COMMAND [options]\n\ncommands:\n",
            tmem_version());
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        commands[i].doc(summary_line, out);
    fprintf(out, "\n'tmem COMMAND --help' shows a command's options. Every command takes --format text|json|csv|markdown (--json is --format json).\n");
}

/* The CLI's one allocator: the program's state, not the library's (the
 * library takes an allocator per call). Set for the duration of a run. */
static const struct tmem_allocator *run_alc;

const struct tmem_allocator *cli_allocator(void) { return run_alc; }

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *c = argv[1];
    if (strcmp(c, "--help") == 0 || strcmp(c, "-h") == 0 || strcmp(c, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(c, "--version") == 0 || strcmp(c, "version") == 0) {
        printf("tmem %s\n", tmem_version());
        return 0;
    }
    if (strcmp(c, "__man") == 0) /* hidden: make man regenerates docs/tmem.1 with it */
        return tmem__cmd_man(argc, argv);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(c, commands[i].name) == 0)
            return commands[i].run(argc, argv);
    const char *names[sizeof commands / sizeof commands[0]];
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        names[i] = commands[i].name;
    char dym[96];
    const char *hint = tmem__did_you_mean(c, names, sizeof names / sizeof names[0], dym, sizeof dym);
    cli_error(c, "unknown command", hint ? hint : "try 'tmem --help' for more information");
    return 2;
}

/* A checkpoint of at least this many shards shows its progress */
#define PROGRESS_MIN_SHARDS 8

/* "tmem: reading shard 57 of 163 (model-00057-of-00163.safetensors)" on
 * stderr, redrawn in place (a carriage return, padded with spaces: no
 * terminal escapes, no colour) and erased after the last: only on a
 * terminal (tmem_cli_run installs it when stderr is one), so no captured
 * output ever holds it. */
static void progress_line(void *ctx, uint64_t done, uint64_t total, const char *what)
{
    (void)ctx;
    if (total < PROGRESS_MIN_SHARDS)
        return;
    if (done < total)
        fprintf(stderr, "\rtmem: reading shard %llu of %llu (%.40s)%8s", (unsigned long long)done,
                (unsigned long long)total, what ? what : "", "");
    else
        fprintf(stderr, "\r%79s\r", "");
    fflush(stderr);
}

int tmem_cli_run(int argc, char **argv, const struct tmem_allocator *alc)
{
    const struct tmem_allocator *saved = run_alc;
    run_alc = alc;
    /* the CLI's own allocations (tmem__alloc) use it too */
    const struct tmem_allocator *prev = tmem__alloc_push(alc);
    struct tmem__progress before = tmem__progress_set(
        (struct tmem__progress){isatty(STDERR_FILENO) ? progress_line : NULL, NULL});
    int rc = dispatch(argc, argv);
    tmem__progress_set(before);
    tmem__alloc_pop(prev);
    run_alc = saved;
    return rc;
}

int tmem_cli_main(int argc, char **argv) { return tmem_cli_run(argc, argv, NULL); }
