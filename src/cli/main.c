/* main.c — tmem's entry point: the command line (dispatch.c) with the C
 * library's allocator, then stdout: output that could not be written (a full
 * disk, /dev/full, a closed stdout) is an error, exit 2, one line. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* A closed fd 1 is taken by /dev/null opened read-only, so no file tmem
 * opens becomes stdout and every write to it fails (EBADF) and is reported. */
static void hold_stdout(void)
{
    if (fcntl(STDOUT_FILENO, F_GETFD) == -1 && errno == EBADF) {
        int fd = open("/dev/null", O_RDONLY);
        if (fd >= 0 && fd != STDOUT_FILENO)
            close(fd); /* fd 1 was taken meanwhile; nothing to hold */
    }
}

/* Flushes and closes stdout; 0, or 2 after one error line (none when the
 * command already reported one: rc != 0). */
static int finish_stdout(int rc)
{
    errno = 0;
    int bad = fflush(stdout) != 0 || ferror(stdout);
    int e = errno;
    if (fclose(stdout) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (!bad || rc != 0)
        return rc;
    cli_error("stdout", e ? strerror(e) : "write error", NULL);
    return 2;
}

int main(int argc, char **argv)
{
    hold_stdout();
    int rc = tmem_cli_main(argc, argv);
    return finish_stdout(rc);
}
