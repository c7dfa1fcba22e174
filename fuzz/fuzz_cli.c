/* fuzz_cli.c — fuzz target for the command line: bytes split at NUL into at
 * most 15 arguments after "tmem", run in-process. Output goes wherever
 * stdout/stderr point (libFuzzer: run with -close_fd_mask=3). */
#include "fuzz.h"
#include "cli.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    static char buf[4097];
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *argv[17] = {"tmem"};
    int argc = 1;
    char *p = buf, *end = buf + size;
    while (p < end && argc < 16) {
        argv[argc++] = p;
        p += strlen(p) + 1;
    }
    argv[argc] = NULL;
    tmem_cli_main(argc, argv);
    return 0;
}
