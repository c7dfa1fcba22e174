/* cmd_inspect.c — `tmem inspect`: the checkpoint inspection. Not built yet: it answers with
 * the error contract until its issue lands. */
#include "cli.h"

int cmd_inspect(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("inspect", "not implemented in this version", "see 'tmem --help' for what is");
    return 2;
}
