/* file.c — the readers' only contact with the OS: whole-file reads with a
 * size cap, decided before anything is allocated. */
#define _POSIX_C_SOURCE 200809L
#include "alloc.h"
#include "reader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static enum tmem_status io_fail(struct tmem_error *err, enum tmem_status code, const char *path,
                                const char *msg)
{
    if (err) {
        err->code = code;
        err->offset = 0;
        snprintf(err->where, sizeof err->where, "%s", path);
        snprintf(err->msg, sizeof err->msg, "%s", msg);
    }
    return code;
}

enum tmem_status tmem_read_file(const char *path, size_t max_bytes, char **buf, size_t *len,
                                struct tmem_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return io_fail(err, TMEM_ERR_IO, path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(f);
        return io_fail(err, TMEM_ERR_IO, path, "not a regular file");
    }
    if ((uint64_t)sb.st_size > max_bytes) {
        char msg[128];
        snprintf(msg, sizeof msg, "file is %lld bytes but must be at most %zu",
                 (long long)sb.st_size, max_bytes);
        fclose(f);
        return io_fail(err, TMEM_ERR_LIMIT, path, msg);
    }
    size_t n = (size_t)sb.st_size;
    char *p = tmem_alloc(n + 1);
    if (p == NULL) {
        fclose(f);
        return io_fail(err, TMEM_ERR_NOMEM, path, "out of memory");
    }
    size_t got = fread(p, 1, n, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || got != n) {
        tmem_dealloc(p);
        return io_fail(err, TMEM_ERR_IO, path, "short read");
    }
    p[n] = '\0';
    *buf = p;
    *len = n;
    return TMEM_OK;
}
