/* units.c — number formatting for reports: grouped integers, byte sizes in
 * binary or decimal units (always labelled), short counts. The C locale is
 * never changed by tmem, so "%.2f" always prints a dot. */
#include "report.h"

#include <string.h>

const char *tmem__fmt_count(char *buf, size_t cap, uint64_t v)
{
    char digits[21];
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)v);
    size_t out = 0;
    for (int i = 0; i < n && out + 2 < cap; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[out++] = ',';
        buf[out++] = digits[i];
    }
    buf[out] = '\0';
    return buf;
}

const char *tmem__fmt_bytes(char *buf, size_t cap, uint64_t bytes, bool si)
{
    static const char *const bin[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    static const char *const dec[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
    const double base = si ? 1000.0 : 1024.0;
    double v = (double)bytes;
    int u = 0;
    while (v >= base && u < 6) {
        v /= base;
        u++;
    }
    if (u == 0)
        snprintf(buf, cap, "%llu B", (unsigned long long)bytes);
    else
        snprintf(buf, cap, "%.2f %s", v, si ? dec[u] : bin[u]);
    return buf;
}

const char *tmem__fmt_short(char *buf, size_t cap, uint64_t v)
{
    double d = (double)v;
    if (d >= 1e12)
        snprintf(buf, cap, "%.2f T", d / 1e12);
    else if (d >= 1e9)
        snprintf(buf, cap, "%.2f B", d / 1e9);
    else if (d >= 1e6)
        snprintf(buf, cap, "%.1f M", d / 1e6);
    else if (d >= 1e3)
        snprintf(buf, cap, "%.1f K", d / 1e3);
    else
        snprintf(buf, cap, "%llu", (unsigned long long)v);
    return buf;
}
