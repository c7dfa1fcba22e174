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
 * named), products are summed. Overflow sets a flag and the value becomes
 * 0; it never wraps. Internal to the core (tmem__ prefix). */
#ifndef TMEM_TERM_H
#define TMEM_TERM_H

#include "sb.h"

#include <stdbool.h>
#include <stdint.h>

#define TMEM__TERM_TEXT 256 /* = TMEM_FORMULA_LEN: each half fits an entry */

struct tmem__term {
    uint64_t sum;       /* the products finished so far */
    uint64_t prod;      /* the product being built */
    bool started;       /* a product is open */
    bool overflow;
    bool text;          /* record symbols and numbers */
    struct tmem_sb sym, num;
    char sym_buf[TMEM__TERM_TEXT], num_buf[TMEM__TERM_TEXT];
};

void tmem__term_init(struct tmem__term *t, bool text);

/* × factor (the first factor of a product just sets it). */
void tmem__term_mul(struct tmem__term *t, const char *sym, uint64_t v);
/* ÷ v rounding up (ceil) or down (floor); v == 0 counts as overflow. */
void tmem__term_div_ceil(struct tmem__term *t, const char *sym, uint64_t v);
void tmem__term_div_floor(struct tmem__term *t, const char *sym, uint64_t v);
/* × min(a, b), printed "min(sym_a, sym_b)" = "min(a, b)". */
void tmem__term_mul_min(struct tmem__term *t, const char *sym_a, uint64_t a, const char *sym_b,
                        uint64_t b);
/* × (sub), a finished term in parentheses: "(2·qk + v)" = "(2 × 192 + 128)". */
void tmem__term_mul_term(struct tmem__term *t, const struct tmem__term *sub);
/* + a new product starting with this factor. */
void tmem__term_plus(struct tmem__term *t, const char *sym, uint64_t v);
/* Free text on both sides (a unit such as " B", a note in parentheses). */
void tmem__term_note(struct tmem__term *t, const char *sym_text, const char *num_text);

/* The sum of the products; 0 after an overflow. */
uint64_t tmem__term_value(const struct tmem__term *t);
bool tmem__term_overflow(const struct tmem__term *t);

/* "symbols = numbers" into out[cap]; when the two halves are the same text
 * (every factor a bare number) only one is written. A cut text ends in "…". */
void tmem__term_render(const struct tmem__term *t, char *out, size_t cap);

#endif /* TMEM_TERM_H */
