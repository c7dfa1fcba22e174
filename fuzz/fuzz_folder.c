/* fuzz_folder.c — fuzz target for what the in-memory targets never reach:
 * the bytes become a model folder on disk (an index json and its shards, a
 * config.json beside safetensors, a .gguf, subfolders, FIFOs, links), and
 * the real command line reads it: `tmem inspect DIR` (its folder walk,
 * index and shard lookup, file checks) and `tmem params DIR` (the folder as
 * MODEL).
 *
 * Input: one knob byte, then entries, each introduced by a line (which
 * may start anywhere: the files before need not end in a newline)
 *   "%%file NAME\n"   a regular file: the bytes up to the next "%%word "
 *   "%%dir NAME\n"    a subfolder          "%%fifo NAME\n"  a FIFO
 *   "%%link NAME TARGET\n"  a symbolic link to TARGET (a name in the folder)
 * NAME and TARGET keep [A-Za-z0-9._-] only, and never "." or "..": nothing
 * is written or linked outside the private folder. Knob bits: 1: --json;
 * 2: --tensors; 4: the PATH is the first entry, not the folder; 8: also run
 * `tmem params` on it; 16: --no-check. */
#define _XOPEN_SOURCE 700 /* nftw */
#define _DEFAULT_SOURCE   /* mkdtemp, symlink */
#include "fuzz.h"
#include "cli.h"

#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FOLDER_MAX_ENTRIES 32
#define FOLDER_MAX_INPUT (1u << 20)

static char root[64];   /* private, made once per process */
static char folder[96]; /* root/m, made and removed per input */

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static void clear_folder(void) { nftw(folder, rm_entry, 8, FTW_DEPTH | FTW_PHYS); }

static void remove_root(void)
{
    nftw(root, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* a safe name from p[0..n): allowed characters only, at most 64 */
static void safe_name(const char *p, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap && o < 64; i++) {
        char c = p[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '.' || c == '_' || c == '-')
            out[o++] = c;
    }
    out[o] = '\0';
    if (o == 0 || strcmp(out, ".") == 0 || strcmp(out, "..") == 0)
        snprintf(out, cap, "x");
}

/* the next "%%" + lowercase word + ' ' at or after p: an entry's line */
static const char *next_entry(const char *p, const char *end)
{
    for (const char *q = p; q + 3 < end; q++) {
        if (q[0] != '%' || q[1] != '%')
            continue;
        const char *w = q + 2;
        while (w < end && *w >= 'a' && *w <= 'z')
            w++;
        if (w > q + 2 && w < end && *w == ' ')
            return q;
    }
    return end;
}

static void write_entry(const char *kind, size_t kind_len, const char *args, size_t args_len,
                        const char *body, size_t body_len, char *first, size_t first_cap)
{
    char name[80], target[80], path[200];
    const char *sp = memchr(args, ' ', args_len);
    size_t name_len = sp ? (size_t)(sp - args) : args_len;
    safe_name(args, name_len, name, sizeof name);
    snprintf(path, sizeof path, "%s/%s", folder, name);
    if (first[0] == '\0')
        snprintf(first, first_cap, "%s", path);
    if (kind_len == 4 && memcmp(kind, "file", 4) == 0) {
        FILE *f = fopen(path, "wb");
        if (f != NULL) {
            if (body_len)
                fwrite(body, 1, body_len, f);
            fclose(f);
        }
    } else if (kind_len == 3 && memcmp(kind, "dir", 3) == 0) {
        mkdir(path, 0700);
    } else if (kind_len == 4 && memcmp(kind, "fifo", 4) == 0) {
        mkfifo(path, 0600);
    } else if (kind_len == 4 && memcmp(kind, "link", 4) == 0 && sp != NULL) {
        safe_name(sp + 1, args_len - name_len - 1, target, sizeof target);
        if (symlink(target, path) != 0)
            return;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > FOLDER_MAX_INPUT)
        return 0;
    if (root[0] == '\0') {
        const char *tmp = getenv("TMPDIR");
        snprintf(root, sizeof root, "%s/tmem-fuzz-folder-XXXXXX",
                 tmp && strlen(tmp) < 24 ? tmp : "/tmp");
        if (mkdtemp(root) == NULL)
            abort();
        atexit(remove_root);
        snprintf(folder, sizeof folder, "%s/m", root);
    }
    unsigned knob = data[0];
    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    if (mkdir(folder, 0700) != 0)
        abort();
    char first[200] = "";
    p = next_entry(p, end);
    for (unsigned n = 0; p < end && n < FOLDER_MAX_ENTRIES; n++) {
        const char *line = p + 2;
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        if (nl == NULL)
            break;
        const char *sp = memchr(line, ' ', (size_t)(nl - line));
        const char *body = nl + 1;
        p = next_entry(body, end);
        if (sp == NULL)
            continue;
        write_entry(line, (size_t)(sp - line), sp + 1, (size_t)(nl - sp - 1), body,
                    (size_t)(p - body), first, sizeof first);
    }

    const char *path = (knob & 4) && first[0] ? first : folder;
    char *argv[8] = {"tmem", "inspect", (char *)path};
    int argc = 3;
    if (knob & 1)
        argv[argc++] = "--json";
    if (knob & 2)
        argv[argc++] = "--tensors";
    if (knob & 16)
        argv[argc++] = "--no-check";
    argv[argc] = NULL;
    tmem_cli_main(argc, argv);
    if (knob & 8) {
        char *params[] = {"tmem", "params", (char *)path, (knob & 1) ? "--json" : "--explain", NULL};
        tmem_cli_main(4, params);
    }
    clear_folder();
    return 0;
}
