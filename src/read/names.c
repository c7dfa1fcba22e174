/* names.c — "did you mean": the names closest to a mistyped one, by
 * case-insensitive Levenshtein distance over short ASCII names, and only
 * those within a third of the name's length (noise otherwise). */
#include "reader.h"

#include <string.h>

static char lower(char ch) { return (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch; }

#define NAME_MAX_LEN 64

static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > NAME_MAX_LEN)
        la = NAME_MAX_LEN;
    if (lb > NAME_MAX_LEN)
        lb = NAME_MAX_LEN;
    size_t row[NAME_MAX_LEN + 1];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
            size_t best = diag + cost;
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

size_t tmem__close_names(const char *query, const char *const *names, size_t n, size_t max,
                        char *buf, size_t cap)
{
    if (cap == 0)
        return 0;
    buf[0] = '\0';
    size_t picked = 0, used = 0;
    /* repeated selection of the next best: n is small (tens of names) */
    bool taken[512] = {false};
    if (n > 512)
        n = 512;
    while (picked < max && picked < n) {
        size_t best = n, best_d = (size_t)-1;
        for (size_t i = 0; i < n; i++) {
            if (taken[i])
                continue;
            size_t d = distance(query, names[i]);
            if (d < best_d) {
                best_d = d;
                best = i;
            }
        }
        /* only close names: at most a third of the longer name's edits
         * (at least 1), so "bert" suggests nothing rather than "opt" */
        size_t lq = strlen(query), ln = best < n ? strlen(names[best]) : 0;
        size_t limit = (lq > ln ? lq : ln) / 3;
        if (best == n || best_d > (limit ? limit : 1))
            break;
        taken[best] = true;
        size_t len = strlen(names[best]);
        if (used + len + 3 >= cap)
            break;
        if (picked > 0) {
            memcpy(buf + used, ", ", 2);
            used += 2;
        }
        memcpy(buf + used, names[best], len);
        used += len;
        buf[used] = '\0';
        picked++;
    }
    return picked;
}

size_t tmem__close_family_names(const char *query, char *buf, size_t cap)
{
    const char *names[TMEM_FAMILY_COUNT];
    for (int i = 0; i < TMEM_FAMILY_COUNT; i++)
        names[i] = tmem_family_info((enum tmem_family)i)->name;
    return tmem__close_names(query, names, TMEM_FAMILY_COUNT, 3, buf, cap);
}
