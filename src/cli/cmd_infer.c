/* cmd_infer.c — `tmem infer`: the inference ledger. Not built yet: it answers with
 * the error contract until its issue lands. */
#include "cli.h"

int cmd_infer(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("infer", "not implemented in this version", "see 'tmem --help' for what is");
    return 2;
}
