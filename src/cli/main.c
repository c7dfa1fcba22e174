/* main.c — tmem's entry point: the allocation seam first, then the command
 * line (dispatch.c). */
#include "alloc.h"
#include "cli.h"

int main(int argc, char **argv)
{
    tmem_alloc_install();
    return tmem_cli_main(argc, argv);
}
