/* cmd_train.c — `tmem train`: the training ledger. Not built yet: it answers with
 * the error contract until its issue lands. */
#include "cli.h"

int cmd_train(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("train", "not implemented in this version", "see 'tmem --help' for what is");
    return 2;
}
