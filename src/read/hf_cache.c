/* hf_cache.c — a Hugging Face repo id (ORG/NAME) as MODEL: its snapshot in
 * the local hub cache, offline, laid out as huggingface_hub writes it
 * (huggingface_hub/constants.py and file_download.py):
 *
 *   <cache>/models--ORG--NAME/refs/main         the commit "main" names
 *   <cache>/models--ORG--NAME/snapshots/<rev>/  the files, symlinks into ../../blobs/
 *
 * <cache> is $HF_HUB_CACHE, else $HF_HOME/hub, else
 * $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub. The
 * snapshot is the one refs/main names when it exists, else the only one,
 * else the newest (by modification time). Nothing is downloaded. */
#define _POSIX_C_SOURCE 200809L
#include "reader.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ORG/NAME with the characters the Hub allows, no "..", no leading '.' or '-' */
static bool repo_id(const char *s, size_t *slash)
{
    const char *sl = strchr(s, '/');
    if (sl == NULL || sl == s || sl[1] == '\0' || strchr(sl + 1, '/') != NULL || strstr(s, "..") ||
        s[0] == '.' || s[0] == '-' || sl[1] == '.' || sl[1] == '-' || strlen(s) > 200)
        return false;
    for (const char *p = s; *p; p++)
        if (p != sl && !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                         (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
            return false;
    *slash = (size_t)(sl - s);
    return true;
}

static bool is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static bool set(const char *name) { return getenv(name) != NULL && getenv(name)[0] != '\0'; }

size_t tmem__hf_cache_root(char *buf, size_t cap)
{
    int n;
    if (set("HF_HUB_CACHE"))
        n = snprintf(buf, cap, "%s", getenv("HF_HUB_CACHE"));
    else if (set("HF_HOME"))
        n = snprintf(buf, cap, "%s/hub", getenv("HF_HOME"));
    else if (set("XDG_CACHE_HOME"))
        n = snprintf(buf, cap, "%s/huggingface/hub", getenv("XDG_CACHE_HOME"));
    else if (set("HOME"))
        n = snprintf(buf, cap, "%s/.cache/huggingface/hub", getenv("HOME"));
    else
        return 0;
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* the revision refs/main names (a commit hash: hex digits only), into rev */
static bool main_ref(const char *repo, char *rev, size_t cap)
{
    char p[4096];
    if ((size_t)snprintf(p, sizeof p, "%s/refs/main", repo) >= sizeof p)
        return false;
    FILE *f = fopen(p, "r");
    if (f == NULL)
        return false;
    size_t n = fread(rev, 1, cap - 1, f);
    fclose(f);
    rev[n] = '\0';
    while (n > 0 && (rev[n - 1] == '\n' || rev[n - 1] == '\r' || rev[n - 1] == ' '))
        rev[--n] = '\0';
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((rev[i] >= '0' && rev[i] <= '9') || (rev[i] >= 'a' && rev[i] <= 'f')))
            return false;
    return true;
}

bool tmem__hf_cache_snapshot(const char *id, char *buf, size_t cap)
{
    size_t slash;
    char root[2048], repo[3072];
    if (id == NULL || !repo_id(id, &slash) || tmem__hf_cache_root(root, sizeof root) == 0)
        return false;
    if ((size_t)snprintf(repo, sizeof repo, "%s/models--%.*s--%s", root, (int)slash, id,
                         id + slash + 1) >= sizeof repo ||
        !is_dir(repo))
        return false;
    char rev[128];
    if (main_ref(repo, rev, sizeof rev) &&
        (size_t)snprintf(buf, cap, "%s/snapshots/%s", repo, rev) < cap && is_dir(buf))
        return true;
    /* no usable refs/main: the only snapshot, else the newest */
    char snaps[3200];
    snprintf(snaps, sizeof snaps, "%s/snapshots", repo);
    DIR *d = opendir(snaps);
    if (d == NULL)
        return false;
    bool found = false;
    struct timespec best = {0, 0};
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char p[4096];
        struct stat sb;
        if ((size_t)snprintf(p, sizeof p, "%s/%s", snaps, e->d_name) >= sizeof p || stat(p, &sb) != 0 ||
            !S_ISDIR(sb.st_mode))
            continue;
        bool newer = !found || sb.st_mtim.tv_sec > best.tv_sec ||
                     (sb.st_mtim.tv_sec == best.tv_sec && sb.st_mtim.tv_nsec > best.tv_nsec);
        if (newer && (size_t)snprintf(buf, cap, "%s", p) < cap) {
            best = sb.st_mtim;
            found = true;
        }
    }
    closedir(d);
    return found;
}
