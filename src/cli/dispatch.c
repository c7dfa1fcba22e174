/* dispatch.c — the command line as a function: dispatches a subcommand.
 * Exit status: 0 ok (a model that does not fit is not an error), 2 bad input
 * or usage. */
#include "cli.h"

#include <string.h>

static const struct {
    const char *name;
    int (*run)(int, char **);
    const char *help;
} commands[] = {
    {"params", cmd_params, "exact parameter inventory of a model"},
    {"train", cmd_train, "per-GPU training memory ledger"},
    {"infer", cmd_infer, "per-GPU inference memory ledger, KV capacity, timing"},
    {"inspect", cmd_inspect, "what a checkpoint's headers say"},
    {"lab", cmd_lab, "the original lab script's numbers, and their error"},
    {"models", cmd_models, "list the built-in model presets"},
    {"gpus", cmd_gpus, "list the built-in GPU presets"},
};

static void usage(FILE *out)
{
    fprintf(out, "tmem %s: where every byte of GPU memory goes when a transformer is trained or "
                 "served\n\nusage: tmem COMMAND [options]\n\ncommands:\n",
            tmem_version());
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].help);
    fprintf(out, "\n'tmem COMMAND --help' shows a command's options. Every command takes --json.\n");
}

int tmem_cli_main(int argc, char **argv)
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
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(c, commands[i].name) == 0)
            return commands[i].run(argc, argv);
    cli_error(c, "unknown command", "try 'tmem --help' for more information");
    return 2;
}
