/* sb.h — a bounded string builder for formula and label text inside the
 * core, which may not use stdio. Appends never write past cap; a builder
 * that ran out of room keeps what fit and sets `truncated`. Internal. */
#ifndef TMEM_SB_H
#define TMEM_SB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tmem_sb {
    char *buf;      /* always NUL-terminated */
    size_t cap;     /* bytes of buf, including the NUL */
    size_t len;
    bool truncated;
};

void tmem__sb_init(struct tmem_sb *sb, char *buf, size_t cap);
void tmem__sb_str(struct tmem_sb *sb, const char *s);
void tmem__sb_u64(struct tmem_sb *sb, uint64_t v);

/* Copies src into dst[cap] with truncation; always NUL-terminates. */
void tmem__copy_str(char *dst, size_t cap, const char *src);

/* a equals b but for ASCII case (A-Z against a-z); no locale. */
bool tmem__str_eq_ci(const char *a, const char *b);

#endif /* TMEM_SB_H */
