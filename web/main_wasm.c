/* main_wasm.c — tmem's entry point in the browser build (make web): the same
 * command line (tmem_cli_main) as src/cli/main.c, called once per request by
 * the page through Module.callMain. Unlike main.c it must not close stdout:
 * the module stays alive between calls, so it only flushes stdout and stderr
 * (Module.print / printErr receive each line) and returns the exit status. */
#include "cli.h"

#include <stdio.h>

int main(int argc, char **argv)
{
    int rc = tmem_cli_main(argc, argv);
    fflush(stdout);
    fflush(stderr);
    return rc;
}
