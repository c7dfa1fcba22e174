/* scratch.h — a private scratch folder for a test: made with mkdtemp under
 * $TMPDIR (else /tmp), so no two runs share a file name, and removed with
 * everything in it at the end. Tests never write fixed names in the system
 * temporary folder. */
#ifndef TMEM_TEST_SCRATCH_H
#define TMEM_TEST_SCRATCH_H

#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

/* A fresh folder $TMPDIR/<prefix>-XXXXXX (or /tmp/...) in buf; 0 on success. */
static inline int ckw_scratch_dir(char *buf, size_t cap, const char *prefix)
{
    const char *tmp = getenv("TMPDIR");
    int n = snprintf(buf, cap, "%s/%s-XXXXXX", tmp && tmp[0] ? tmp : "/tmp", prefix);
    if (n < 0 || (size_t)n >= cap)
        return -1;
    return mkdtemp(buf) ? 0 : -1;
}

/* buf = dir/name; aborts when it does not fit (a test's own paths are short) */
static inline const char *ckw_scratch_path(char *buf, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(buf, cap, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= cap)
        abort();
    return buf;
}

static int ckw_rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

/* Removes a scratch folder and everything in it; 0 on success. */
static inline int ckw_remove_tree(const char *dir)
{
    return nftw(dir, ckw_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#endif /* TMEM_TEST_SCRATCH_H */
