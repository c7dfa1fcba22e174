/* sb.c — the core's bounded string builder and small string helpers (see sb.h). No stdio: numbers are
 * rendered by hand, so output does not depend on the C locale. */
#include "sb.h"

#include <string.h>

void tmem__sb_init(struct tmem_sb *sb, char *buf, size_t cap)
{
    sb->buf = buf;
    sb->cap = cap;
    sb->len = 0;
    sb->truncated = false;
    if (cap > 0)
        buf[0] = '\0';
}

void tmem__sb_str(struct tmem_sb *sb, const char *s)
{
    if (sb->cap == 0)
        return;
    size_t n = strlen(s);
    size_t room = sb->cap - 1 - sb->len;
    if (n > room) {
        n = room;
        sb->truncated = true;
    }
    memcpy(sb->buf + sb->len, s, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

void tmem__sb_u64(struct tmem_sb *sb, uint64_t v)
{
    char tmp[21];
    size_t i = sizeof tmp - 1;
    tmp[i] = '\0';
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    tmem__sb_str(sb, tmp + i);
}

void tmem__copy_str(char *dst, size_t cap, const char *src)
{
    if (cap == 0)
        return;
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

bool tmem__str_eq_ci(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a - 'A' + 'a') : *a;
        char y = (*b >= 'A' && *b <= 'Z') ? (char)(*b - 'A' + 'a') : *b;
        if (x != y)
            return false;
    }
    return *a == *b;
}
