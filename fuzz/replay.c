/* replay.c — a plain driver for the fuzz targets, so every corpus and
 * regression file is replayed in `make test` without libFuzzer: each
 * argument is a file or a folder of files, fed to LLVMFuzzerTestOneInput. */
#define _POSIX_C_SOURCE 200809L
#include "fuzz.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static long n_inputs;

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf == NULL || (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n)) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        fclose(f);
        free(buf);
        return 1;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, (size_t)n);
    free(buf);
    n_inputs++;
    return 0;
}

static int replay(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return 0; /* an absent folder holds nothing to replay */
    if (!S_ISDIR(sb.st_mode))
        return replay_file(path);
    DIR *d = opendir(path);
    if (d == NULL)
        return 1;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char child[4096];
        snprintf(child, sizeof child, "%s/%s", path, e->d_name);
        rc |= replay(child);
    }
    closedir(d);
    return rc;
}

int main(int argc, char **argv)
{
    /* the targets' own output (the CLI's error lines) is not kept */
    int saved_err = dup(2);
    if (freopen("/dev/null", "w", stdout) == NULL || freopen("/dev/null", "w", stderr) == NULL)
        return 1;
    int rc = 0;
    for (int i = 1; i < argc; i++)
        rc |= replay(argv[i]);
    FILE *msg = fdopen(saved_err, "w");
    if (msg != NULL) {
        fprintf(msg, "replay %s: %ld inputs, no crash\n", argc > 1 ? argv[1] : "", n_inputs);
        fclose(msg);
    }
    return rc;
}
