/* utf8.c — well-formed UTF-8 and cutting text on character boundaries with
 * a visible mark (see utf8.h). Pure: no I/O, no allocation. */
#include "utf8.h"

#include <string.h>

size_t tmem__utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
    if (n == 0)
        return 0;
    unsigned char b = s[0];
    size_t k;
    uint32_t c;
    if (b < 0x80) {
        k = 1;
        c = b;
    } else if (b >= 0xC2 && b <= 0xDF) {
        k = 2;
        c = b & 0x1Fu;
    } else if (b >= 0xE0 && b <= 0xEF) {
        k = 3;
        c = b & 0x0Fu;
    } else if (b >= 0xF0 && b <= 0xF4) {
        k = 4;
        c = b & 0x07u;
    } else {
        return 0; /* a continuation byte, C0/C1 (overlong 2-byte) or F5..FF */
    }
    if (k > n)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3Fu);
    }
    if ((k == 3 && c < 0x800) || (k == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
        (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    if (cp)
        *cp = c;
    return k;
}

size_t tmem__utf8_invalid_at(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        /* ASCII, eight bytes at a time (headers are mostly ASCII) */
        uint64_t w;
        while (n - i >= 8 && (memcpy(&w, s + i, 8), (w & UINT64_C(0x8080808080808080)) == 0))
            i += 8;
        if (i < n && s[i] < 0x80) {
            i++;
            continue;
        }
        if (i == n)
            break;
        size_t k = tmem__utf8_seq(s + i, n - i, NULL);
        if (k == 0)
            return i;
        i += k;
    }
    return n;
}

size_t tmem__utf8_cut(const char *s, size_t n, size_t max)
{
    if (max >= n)
        return n;
    size_t k = max;
    /* back over continuation bytes to the start of the character at max */
    while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80 && max - k < 3)
        k--;
    if (k == max)
        return max;
    /* s[k] starts the character that straddles max, if it is well-formed */
    size_t len = tmem__utf8_seq((const unsigned char *)s + k, n - k, NULL);
    return len > 0 && k + len > max ? k : max;
}

void tmem__cut_mark(char *buf, size_t cap)
{
    if (cap < TMEM_CUT_MARK_BYTES + 1)
        return;
    size_t n = strlen(buf);
    size_t keep = n + TMEM_CUT_MARK_BYTES < cap ? n : cap - 1 - TMEM_CUT_MARK_BYTES;
    keep = tmem__utf8_cut(buf, n, keep);
    memcpy(buf + keep, TMEM_CUT_MARK, TMEM_CUT_MARK_BYTES + 1);
}

bool tmem__copy_marked(char *dst, size_t cap, const char *src)
{
    if (cap == 0)
        return false;
    size_t n = strlen(src);
    if (n < cap) {
        memcpy(dst, src, n + 1);
        return true;
    }
    memcpy(dst, src, cap - 1);
    dst[cap - 1] = '\0';
    if (cap >= TMEM_CUT_MARK_BYTES + 1) {
        size_t keep = tmem__utf8_cut(src, n, cap - 1 - TMEM_CUT_MARK_BYTES);
        memcpy(dst + keep, TMEM_CUT_MARK, TMEM_CUT_MARK_BYTES + 1);
    }
    return false;
}
