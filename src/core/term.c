/* term.c — the formula builder of the core (see term.h): checked
 * arithmetic that writes down what it does. */
#include "term.h"

#include "checked.h"

#include <string.h>

void tmem__term_text_init(struct tmem__term *t)
{
    tmem__sb_init(&t->sym, t->sym_buf, sizeof t->sym_buf);
    tmem__sb_init(&t->num, t->num_buf, sizeof t->num_buf);
}

static void both(struct tmem__term *t, const char *s)
{
    tmem__sb_str(&t->sym, s);
    tmem__sb_str(&t->num, s);
}

/* the symbol of a factor, or its number when it has none */
static void factor_text(struct tmem__term *t, const char *sym, uint64_t v)
{
    if (sym != NULL)
        tmem__sb_str(&t->sym, sym);
    else
        tmem__sb_u64(&t->sym, v);
    tmem__sb_u64(&t->num, v);
}

void tmem__term_text_factor(struct tmem__term *t, const char *sep, const char *sym, uint64_t v)
{
    both(t, sep);
    factor_text(t, sym, v);
}

void tmem__term_text_sep(struct tmem__term *t, const char *sep)
{
    both(t, sep);
}

void tmem__term_divide(struct tmem__term *t, const char *sym, uint64_t v, bool ceil)
{
    if (v == 0) {
        t->overflow = true;
    } else if (t->started) {
        if (t->fnum != t->fden) { /* a fraction first: round, then divide */
            if (!tmem__term_product(t, &t->prod))
                t->overflow = true;
            t->fnum = t->fden = 1;
        }
        t->prod = ceil ? tmem_ceil_div_u64(t->prod, v) : t->prod / v;
    }
    if (t->text) {
        both(t, " / ");
        factor_text(t, sym, v);
    }
}

void tmem__term_div_frac(struct tmem__term *t, const char *sym, uint64_t v)
{
    if (t->text) {
        both(t, " / ");
        factor_text(t, sym, v);
    }
    if (v == 0 || !tmem_mul_u64(t->fden, v, &t->fden))
        t->overflow = true;
}

void tmem__term_text_frac(struct tmem__term *t, const char *sym, const char *shown)
{
    if (t->started)
        both(t, " × ");
    tmem__sb_str(&t->sym, sym != NULL ? sym : shown);
    tmem__sb_str(&t->num, shown);
}

void tmem__term_text_min(struct tmem__term *t, const char *sym_a, uint64_t a, const char *sym_b,
                         uint64_t b)
{
    if (t->started)
        both(t, " × ");
    both(t, "min(");
    factor_text(t, sym_a, a);
    both(t, ", ");
    factor_text(t, sym_b, b);
    both(t, ")");
}

/* a finished term's text, or its value when it kept none */
static void sub_text(struct tmem__term *t, const struct tmem__term *sub)
{
    if (sub->text) {
        tmem__sb_str(&t->sym, sub->sym.buf);
        tmem__sb_str(&t->num, sub->num.buf);
    } else {
        tmem__sb_u64(&t->sym, tmem__term_value(sub));
        tmem__sb_u64(&t->num, tmem__term_value(sub));
    }
}

void tmem__term_mul_min_terms(struct tmem__term *t, const struct tmem__term *const *subs, size_t n)
{
    uint64_t v = UINT64_MAX, s;
    for (size_t i = 0; i < n; i++) {
        if (!tmem__term_get(subs[i], &s))
            t->overflow = true;
        if (s < v)
            v = s;
    }
    if (t->text) {
        if (t->started)
            both(t, " × ");
        both(t, "min(");
        for (size_t i = 0; i < n; i++) {
            if (i > 0)
                both(t, ", ");
            sub_text(t, subs[i]);
        }
        both(t, ")");
    }
    tmem__term_times(t, n > 0 ? v : 0);
}

static void parenthesised(struct tmem__term *t, const struct tmem__term *sub)
{
    if (tmem__term_overflow(sub))
        t->overflow = true;
    if (t->text) {
        both(t, sub->round_down ? "int(" : "(");
        sub_text(t, sub);
        both(t, ")");
    }
    tmem__term_times(t, tmem__term_value(sub));
}

void tmem__term_mul_term(struct tmem__term *t, const struct tmem__term *sub)
{
    if (t->text && t->started)
        both(t, " × ");
    parenthesised(t, sub);
}

void tmem__term_plus_term(struct tmem__term *t, const struct tmem__term *sub)
{
    tmem__term_next(t, false);
    parenthesised(t, sub);
}

void tmem__term_text_note(struct tmem__term *t, const char *sym_text, const char *num_text)
{
    if (sym_text != NULL)
        tmem__sb_str(&t->sym, sym_text);
    if (num_text != NULL)
        tmem__sb_str(&t->num, num_text);
}

/* out[cap] from sb's start: mark a cut with "…" (3 bytes of UTF-8) in the
 * last bytes, never splitting a UTF-8 sequence */
static void mark_cut(char *out, size_t cap, size_t len)
{
    if (cap - 1 < 3)
        return;
    size_t end = len < cap - 1 - 3 ? len : cap - 1 - 3;
    while (end > 0 && ((unsigned char)out[end] & 0xC0) == 0x80)
        end--;
    memcpy(out + end, "\xE2\x80\xA6", 4); /* with its NUL */
}

/* the symbols, then " = " and the numbers unless sym_only or the same */
static void render(const struct tmem__term *t, char *out, size_t cap, bool sym_only)
{
    struct tmem_sb sb;
    tmem__sb_init(&sb, out, cap);
    if (!t->text || cap == 0)
        return;
    tmem__sb_str(&sb, t->sym.buf);
    bool nums = !sym_only && strcmp(t->sym.buf, t->num.buf) != 0;
    if (nums) {
        tmem__sb_str(&sb, " = ");
        tmem__sb_str(&sb, t->num.buf);
    }
    if (sb.truncated || t->sym.truncated || (nums && t->num.truncated))
        mark_cut(out, cap, sb.len);
}

void tmem__term_render(const struct tmem__term *t, char *out, size_t cap)
{
    render(t, out, cap, false);
}

void tmem__term_render_sym(const struct tmem__term *t, char *out, size_t cap)
{
    render(t, out, cap, true);
}
