/* file.c — the readers' only contact with the OS for files: opening a path
 * that must be a regular file without ever blocking on it (a FIFO, a
 * device, a socket or a folder is refused by name before a byte is read),
 * and whole-file reads with a size cap, decided before anything is
 * allocated. */
#define _POSIX_C_SOURCE 200809L
#include "alloc.h"
#include "errtext.h"
#include "reader.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "is a FIFO (named pipe), not a regular file", ...; NULL for a regular file */
static const char *not_regular(mode_t mode)
{
    if (S_ISREG(mode))
        return NULL;
    if (S_ISDIR(mode))
        return "is a folder, not a regular file";
    if (S_ISFIFO(mode))
        return "is a FIFO (named pipe), not a regular file";
    if (S_ISCHR(mode))
        return "is a character device, not a regular file";
    if (S_ISBLK(mode))
        return "is a block device, not a regular file";
    if (S_ISSOCK(mode))
        return "is a socket, not a regular file";
    return "is not a regular file";
}

enum tmem_status tmem__open_regular(const char *path, int *fd, uint64_t *size,
                                    struct tmem_error *err)
{
    /* stat first: a device is never opened (opening some has effects) */
    struct stat sb;
    if (stat(path, &sb) != 0)
        return tmem__err_set(err, TMEM_ERR_IO, path, NULL, 0, "%s", strerror(errno));
    const char *why = not_regular(sb.st_mode);
    if (why)
        return tmem__err_set(err, TMEM_ERR_IO, path, NULL, 0, "%s", why);
    /* O_NONBLOCK: if the path was swapped for a FIFO since, open returns at once */
    int f = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (f < 0)
        return tmem__err_set(err, TMEM_ERR_IO, path, NULL, 0, "%s", strerror(errno));
    int flags = fcntl(f, F_GETFL);
    if (fstat(f, &sb) != 0 || (why = not_regular(sb.st_mode)) != NULL || flags < 0 ||
        fcntl(f, F_SETFL, flags & ~O_NONBLOCK) != 0) {
        int e = errno;
        close(f);
        return tmem__err_set(err, TMEM_ERR_IO, path, NULL, 0, "%s", why ? why : strerror(e));
    }
    *fd = f;
    *size = (uint64_t)sb.st_size;
    return TMEM_OK;
}

enum tmem_status tmem__read_file(const char *path, size_t max_bytes, char **buf, size_t *len,
                                struct tmem_error *err)
{
    int fd;
    uint64_t size;
    enum tmem_status st = tmem__open_regular(path, &fd, &size, err);
    if (st != TMEM_OK)
        return st;
    if (size > max_bytes) {
        close(fd);
        return tmem__err_set(err, TMEM_ERR_LIMIT, path, NULL, 0,
                             "file is %llu bytes but must be at most %zu",
                             (unsigned long long)size, max_bytes);
    }
    size_t n = (size_t)size;
    char *p = tmem__alloc(n + 1);
    if (p == NULL) {
        close(fd);
        return tmem__err_set(err, TMEM_ERR_NOMEM, path, NULL, 0, "out of memory");
    }
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            const char *why = r < 0 ? strerror(errno) : "short read (the file shrank)";
            close(fd);
            tmem__dealloc(p);
            return tmem__err_set(err, TMEM_ERR_IO, path, NULL, 0, "%s", why);
        }
        got += (size_t)r;
    }
    close(fd);
    p[n] = '\0';
    *buf = p;
    *len = n;
    return TMEM_OK;
}
