/* utf8.h — what is well-formed UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF) and where a string may be cut without
 * splitting a character; the one truncation mark ("…"). Shared by the
 * readers (safetensors headers must be UTF-8), the error printer (escapes
 * what is not) and the JSON reports (replace what is not). Internal. */
#ifndef TMEM_UTF8_H
#define TMEM_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TMEM_CUT_MARK "\xe2\x80\xa6" /* U+2026 HORIZONTAL ELLIPSIS: text was cut here */
#define TMEM_CUT_MARK_BYTES 3u

/* Bytes (1 to 4) of the well-formed UTF-8 sequence that starts s[0..n), or
 * 0 when s[0] does not start one (n == 0 included). *cp receives the code
 * point when not NULL. */
size_t tmem__utf8_seq(const unsigned char *s, size_t n, uint32_t *cp);

/* Offset of the first byte of s[0..n) that is not well-formed UTF-8, or n. */
size_t tmem__utf8_invalid_at(const unsigned char *s, size_t n);

/* The largest k <= max such that s[0..k) does not end inside a multi-byte
 * sequence of s (s has n bytes, max <= n). */
size_t tmem__utf8_cut(const char *s, size_t n, size_t max);

/* buf[cap] holds a NUL-terminated text that had to be cut: ends it with
 * TMEM_CUT_MARK instead, on a character boundary, within cap (cap >= 4;
 * smaller buffers are left as they are). */
void tmem__cut_mark(char *buf, size_t cap);

/* Copies src into dst[cap]; when it does not fit, what fits is kept (on a
 * character boundary) and TMEM_CUT_MARK ends it. Returns false when cut. */
bool tmem__copy_marked(char *dst, size_t cap, const char *src);

#endif /* TMEM_UTF8_H */
