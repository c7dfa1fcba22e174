/* term.h — one expression per formula. A term is a sum of products of
 * checked u64 factors; each factor is given with its symbol, and the term
 * records the symbols and the values as it computes, so the text that
 * `--explain` prints ("P_gpu × weight bytes / shard = 6738415616 × 2 / 8")
 * and the number come from the same operations and cannot disagree.
 *
 *   struct tmem__term t;
 *   tmem__term_init(&t, want_text);            (false: numbers only, fast)
 *   tmem__term_mul(&t, "P_gpu", params);       first factor of the first product
 *   tmem__term_mul(&t, "weight bytes", 2);
 *   if (shard > 1) tmem__term_div_ceil(&t, "shard", shard);
 *   tmem__term_plus(&t, "P_experts", experts); a new product: " + P_experts"
 *   bytes = tmem__term_value(&t);              overflow: tmem__term_overflow(&t)
 *   tmem__term_render(&t, entry->formula, sizeof entry->formula);
 *
 * Symbols may be NULL: the factor then prints as its number on both sides
 * ("2 × n_layer = 2 × 32"). Arithmetic is left to right within a product
 * (a division applies to the product so far, rounding up or down as
 * named), products are summed (or subtracted: tmem__term_minus). A
 * fraction factor (tmem__term_mul_frac: "5 %", "1.5") is exact: the
 * product it belongs to is rounded when it ends, up in a term made by
 * tmem__term_init, down in one made by tmem__term_init_int (DeepSpeed's
 * int(...), which prints as "int(…)" when multiplied into another term).
 * Overflow sets a flag and the value becomes 0; it never wraps. A term's
 * text builders point into the term itself: build a term where it is used
 * and never copy one (struct assignment leaves the copy pointing into the
 * original). Internal to the core (tmem__ prefix). */
#ifndef TMEM_TERM_H
#define TMEM_TERM_H

#include "checked.h"
#include "sb.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TMEM__TERM_TEXT 256 /* = TMEM_FORMULA_LEN: each half fits an entry */

struct tmem__term {
    uint64_t sum;        /* the products finished so far, added */
    uint64_t neg;        /* the products finished so far, subtracted */
    uint64_t prod;       /* the product being built */
    uint64_t fnum, fden; /* its pending exact fraction (1 / 1: none) */
    bool started;        /* a product is open */
    bool any;            /* a product was begun (" + " goes before the next) */
    bool minus;          /* the open product is subtracted */
    bool round_down;     /* fractions round down (tmem__term_init_int) */
    bool overflow;
    bool text;           /* record symbols and numbers */
    struct tmem_sb sym, num;
    char sym_buf[TMEM__TERM_TEXT], num_buf[TMEM__TERM_TEXT];
};

/* The numbers-only path is inline (ledgers compute a million times a
 * second); the text half and the rarer forms live in term.c. */
void tmem__term_text_init(struct tmem__term *t);
void tmem__term_text_factor(struct tmem__term *t, const char *sep, const char *sym, uint64_t v);
void tmem__term_text_sep(struct tmem__term *t, const char *sep);

static inline void tmem__term_start(struct tmem__term *t, bool text, bool round_down)
{
    t->sum = t->neg = t->prod = 0;
    t->fnum = t->fden = 1;
    t->started = t->any = t->minus = t->overflow = false;
    t->round_down = round_down;
    t->text = text;
    if (text)
        tmem__term_text_init(t);
}

static inline void tmem__term_init(struct tmem__term *t, bool text)
{
    tmem__term_start(t, text, false);
}

/* A term whose fractions round down, printed "int(…)" inside another. */
static inline void tmem__term_init_int(struct tmem__term *t, bool text)
{
    tmem__term_start(t, text, true);
}

/* × v into the open product, or starts one */
static inline void tmem__term_times(struct tmem__term *t, uint64_t v)
{
    if (!t->started) {
        t->prod = v;
        t->started = t->any = true;
    } else if (!tmem_mul_u64(t->prod, v, &t->prod)) {
        t->overflow = true;
    }
}

/* × factor (the first factor of a product just sets it). */
static inline void tmem__term_mul(struct tmem__term *t, const char *sym, uint64_t v)
{
    if (t->text)
        tmem__term_text_factor(t, t->started ? " × " : "", sym, v);
    tmem__term_times(t, v);
}

/* the open product with its fraction applied; false on overflow */
static inline bool tmem__term_product(const struct tmem__term *t, uint64_t *r)
{
    if (t->fnum == t->fden) {
        *r = t->prod;
        return true;
    }
    /* a · n / d rounded, without forming a · n when it would wrap */
    return tmem_scale_u64(t->prod, t->fnum, t->fden, !t->round_down, r);
}

/* ends the open product: into the sum (or what is subtracted from it) */
static inline void tmem__term_finish(struct tmem__term *t)
{
    if (!t->started)
        return;
    uint64_t p;
    uint64_t *acc = t->minus ? &t->neg : &t->sum;
    if (!tmem__term_product(t, &p) || !tmem_add_u64(*acc, p, acc))
        t->overflow = true;
    t->started = false;
    t->minus = false;
    t->fnum = t->fden = 1;
}

/* ÷ v rounding up (ceil) or down (floor); v == 0 counts as overflow. */
void tmem__term_divide(struct tmem__term *t, const char *sym, uint64_t v, bool ceil);
static inline void tmem__term_div_ceil(struct tmem__term *t, const char *sym, uint64_t v)
{
    if (!t->text && v != 0 && t->fnum == t->fden) {
        if (t->started)
            t->prod = t->prod / v + (t->prod % v != 0);
        return;
    }
    tmem__term_divide(t, sym, v, true);
}
static inline void tmem__term_div_floor(struct tmem__term *t, const char *sym, uint64_t v)
{
    tmem__term_divide(t, sym, v, false);
}

/* × num/den exactly, printed sym = shown ("F" = "5 %", NULL = "1.5");
 * the product is rounded when it ends (see above). den > 0, num, den ≤ 2^32. */
void tmem__term_text_frac(struct tmem__term *t, const char *sym, const char *shown);
static inline void tmem__term_mul_frac(struct tmem__term *t, const char *sym, const char *shown,
                                       uint64_t num, uint64_t den)
{
    if (t->text)
        tmem__term_text_frac(t, sym, shown);
    tmem__term_times(t, 1);
    if (den == 0 || !tmem_mul_u64(t->fnum, num, &t->fnum) || !tmem_mul_u64(t->fden, den, &t->fden))
        t->overflow = true;
}
/* ÷ v exactly, into the pending fraction (rounded with it when the
 * product ends), printed " / sym" = " / v". 0 < v ≤ 2^32. */
void tmem__term_div_frac(struct tmem__term *t, const char *sym, uint64_t v);
/* × min(a, b), printed "min(sym_a, sym_b)" = "min(a, b)". */
void tmem__term_text_min(struct tmem__term *t, const char *sym_a, uint64_t a, const char *sym_b,
                         uint64_t b);
static inline void tmem__term_mul_min(struct tmem__term *t, const char *sym_a, uint64_t a,
                                      const char *sym_b, uint64_t b)
{
    if (t->text)
        tmem__term_text_min(t, sym_a, a, sym_b, b);
    tmem__term_times(t, a < b ? a : b);
}
/* × min(subs[0], …, subs[n-1]) of finished terms, printed "min(a, b, c)". */
void tmem__term_mul_min_terms(struct tmem__term *t, const struct tmem__term *const *subs, size_t n);
/* × (sub), a finished term in parentheses: "(2·qk + v)" = "(2 × 192 + 128)";
 * a term made by tmem__term_init_int prints as "int(…)". */
void tmem__term_mul_term(struct tmem__term *t, const struct tmem__term *sub);

/* a new product, added or subtracted */
static inline void tmem__term_next(struct tmem__term *t, bool minus)
{
    tmem__term_finish(t);
    if (t->text && t->any)
        tmem__term_text_sep(t, minus ? " − " : " + ");
    t->minus = minus;
}

/* + a new product starting with this factor. */
static inline void tmem__term_plus(struct tmem__term *t, const char *sym, uint64_t v)
{
    tmem__term_next(t, false);
    tmem__term_mul(t, sym, v);
}

/* − a new product starting with this factor (the sum may not go below 0:
 * that counts as overflow). */
static inline void tmem__term_minus(struct tmem__term *t, const char *sym, uint64_t v)
{
    tmem__term_next(t, true);
    tmem__term_mul(t, sym, v);
}

/* + a new product starting with (sub). */
void tmem__term_plus_term(struct tmem__term *t, const struct tmem__term *sub);
/* Free text on both sides (a unit such as " B", a note in parentheses). */
void tmem__term_text_note(struct tmem__term *t, const char *sym_text, const char *num_text);
static inline void tmem__term_note(struct tmem__term *t, const char *sym_text, const char *num_text)
{
    if (t->text)
        tmem__term_text_note(t, sym_text, num_text);
}

/* The sum of the products into *v; false (and *v 0) after an overflow. */
static inline bool tmem__term_get(const struct tmem__term *t, uint64_t *v)
{
    uint64_t s = t->sum, n = t->neg, p;
    *v = 0;
    if (t->overflow)
        return false;
    if (t->started && (!tmem__term_product(t, &p) ||
                       !tmem_add_u64(t->minus ? n : s, p, t->minus ? &n : &s)))
        return false;
    if (n > s)
        return false;
    *v = s - n;
    return true;
}

/* The sum of the products; 0 after an overflow. */
static inline uint64_t tmem__term_value(const struct tmem__term *t)
{
    uint64_t v;
    tmem__term_get(t, &v);
    return v;
}

static inline bool tmem__term_overflow(const struct tmem__term *t)
{
    uint64_t v;
    return !tmem__term_get(t, &v);
}

/* "symbols = numbers" into out[cap]; when the two halves are the same text
 * (every factor a bare number) only one is written. A cut text ends in "…". */
void tmem__term_render(const struct tmem__term *t, char *out, size_t cap);
/* The symbols alone: for a phrase whose symbols carry their numbers
 * ("2 × 32 layers × 8 KV heads × 128 d_head × bf16"). */
void tmem__term_render_sym(const struct tmem__term *t, char *out, size_t cap);

#endif /* TMEM_TERM_H */
