/* term.c — the formula builder of the core (see term.h): checked
 * arithmetic that writes down what it does. */
#include "term.h"

#include "checked.h"

#include <string.h>

static void init(struct tmem__term *t, bool text, bool round_down)
{
    t->sum = t->neg = t->prod = 0;
    t->fnum = t->fden = 1;
    t->started = t->any = t->minus = t->overflow = false;
    t->round_down = round_down;
    t->text = text;
    if (text) {
        tmem_sb_init(&t->sym, t->sym_buf, sizeof t->sym_buf);
        tmem_sb_init(&t->num, t->num_buf, sizeof t->num_buf);
    }
}

void tmem__term_init(struct tmem__term *t, bool text)
{
    init(t, text, false);
}

void tmem__term_init_int(struct tmem__term *t, bool text)
{
    init(t, text, true);
}

static void both(struct tmem__term *t, const char *s)
{
    tmem_sb_str(&t->sym, s);
    tmem_sb_str(&t->num, s);
}

/* the symbol of a factor, or its number when it has none */
static void factor_text(struct tmem__term *t, const char *sym, uint64_t v)
{
    if (sym != NULL)
        tmem_sb_str(&t->sym, sym);
    else
        tmem_sb_u64(&t->sym, v);
    tmem_sb_u64(&t->num, v);
}

/* a · n / d rounded up (or down) without forming a · n when it would
 * wrap: (a / d) · n + round((a % d) · n / d). false on overflow. */
static bool scale(uint64_t a, uint64_t n, uint64_t d, bool down, uint64_t *r)
{
    if (n == d)
        return *r = a, true;
    uint64_t whole, part;
    if (!tmem_mul_u64(a / d, n, &whole) || !tmem_mul_u64(a % d, n, &part))
        return false;
    part = down ? part / d : tmem_ceil_div_u64(part, d);
    return tmem_add_u64(whole, part, r);
}

/* the open product with its fraction applied */
static bool product(const struct tmem__term *t, uint64_t *r)
{
    return scale(t->prod, t->fnum, t->fden, t->round_down, r);
}

/* ends the open product: into the sum (or what is subtracted from it) */
static void finish(struct tmem__term *t)
{
    if (!t->started)
        return;
    uint64_t p;
    uint64_t *acc = t->minus ? &t->neg : &t->sum;
    if (!product(t, &p) || !tmem_add_u64(*acc, p, acc))
        t->overflow = true;
    t->started = false;
    t->minus = false;
    t->fnum = t->fden = 1;
}

/* × v into the open product, or starts one */
static void times(struct tmem__term *t, uint64_t v)
{
    if (!t->started) {
        t->prod = v;
        t->started = t->any = true;
    } else if (!tmem_mul_u64(t->prod, v, &t->prod)) {
        t->overflow = true;
    }
}

void tmem__term_mul(struct tmem__term *t, const char *sym, uint64_t v)
{
    if (t->text) {
        if (t->started)
            both(t, " × ");
        factor_text(t, sym, v);
    }
    times(t, v);
}

static void divide(struct tmem__term *t, const char *sym, uint64_t v, bool ceil)
{
    if (v == 0) {
        t->overflow = true;
    } else if (t->started) {
        if (t->fnum != t->fden) { /* a fraction first: round, then divide */
            if (!product(t, &t->prod))
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

void tmem__term_div_ceil(struct tmem__term *t, const char *sym, uint64_t v)
{
    divide(t, sym, v, true);
}

void tmem__term_div_floor(struct tmem__term *t, const char *sym, uint64_t v)
{
    divide(t, sym, v, false);
}

void tmem__term_mul_frac(struct tmem__term *t, const char *sym, const char *shown, uint64_t num,
                         uint64_t den)
{
    if (t->text) {
        if (t->started)
            both(t, " × ");
        tmem_sb_str(&t->sym, sym != NULL ? sym : shown);
        tmem_sb_str(&t->num, shown);
    }
    times(t, 1);
    if (den == 0 || !tmem_mul_u64(t->fnum, num, &t->fnum) || !tmem_mul_u64(t->fden, den, &t->fden))
        t->overflow = true;
}

void tmem__term_mul_min(struct tmem__term *t, const char *sym_a, uint64_t a, const char *sym_b,
                        uint64_t b)
{
    if (t->text) {
        if (t->started)
            both(t, " × ");
        both(t, "min(");
        factor_text(t, sym_a, a);
        both(t, ", ");
        factor_text(t, sym_b, b);
        both(t, ")");
    }
    times(t, a < b ? a : b);
}

/* a finished term's text, or its value when it kept none */
static void sub_text(struct tmem__term *t, const struct tmem__term *sub)
{
    if (sub->text) {
        tmem_sb_str(&t->sym, sub->sym.buf);
        tmem_sb_str(&t->num, sub->num.buf);
    } else {
        tmem_sb_u64(&t->sym, tmem__term_value(sub));
        tmem_sb_u64(&t->num, tmem__term_value(sub));
    }
}

void tmem__term_mul_min_terms(struct tmem__term *t, const struct tmem__term *const *subs, size_t n)
{
    uint64_t v = UINT64_MAX;
    for (size_t i = 0; i < n; i++) {
        if (tmem__term_overflow(subs[i]))
            t->overflow = true;
        if (tmem__term_value(subs[i]) < v)
            v = tmem__term_value(subs[i]);
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
    times(t, n > 0 ? v : 0);
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
    times(t, tmem__term_value(sub));
}

void tmem__term_mul_term(struct tmem__term *t, const struct tmem__term *sub)
{
    if (t->text && t->started)
        both(t, " × ");
    parenthesised(t, sub);
}

/* a new product, added or subtracted */
static void next(struct tmem__term *t, bool minus)
{
    finish(t);
    if (t->text && t->any)
        both(t, minus ? " − " : " + ");
    t->minus = minus;
}

void tmem__term_plus(struct tmem__term *t, const char *sym, uint64_t v)
{
    next(t, false);
    tmem__term_mul(t, sym, v);
}

void tmem__term_minus(struct tmem__term *t, const char *sym, uint64_t v)
{
    next(t, true);
    tmem__term_mul(t, sym, v);
    t->minus = true;
}

void tmem__term_plus_term(struct tmem__term *t, const struct tmem__term *sub)
{
    next(t, false);
    parenthesised(t, sub);
}

void tmem__term_note(struct tmem__term *t, const char *sym_text, const char *num_text)
{
    if (!t->text)
        return;
    if (sym_text != NULL)
        tmem_sb_str(&t->sym, sym_text);
    if (num_text != NULL)
        tmem_sb_str(&t->num, num_text);
}

/* the sum so far with the open product; false on overflow */
static bool total(const struct tmem__term *t, uint64_t *r)
{
    uint64_t s = t->sum, n = t->neg, p;
    if (t->overflow)
        return false;
    if (t->started && (!product(t, &p) || !tmem_add_u64(t->minus ? n : s, p, t->minus ? &n : &s)))
        return false;
    if (n > s)
        return false;
    *r = s - n;
    return true;
}

uint64_t tmem__term_value(const struct tmem__term *t)
{
    uint64_t v;
    return total(t, &v) ? v : 0;
}

bool tmem__term_overflow(const struct tmem__term *t)
{
    uint64_t v;
    return !total(t, &v);
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

void tmem__term_render(const struct tmem__term *t, char *out, size_t cap)
{
    struct tmem_sb sb;
    tmem_sb_init(&sb, out, cap);
    if (!t->text || cap == 0)
        return;
    tmem_sb_str(&sb, t->sym.buf);
    if (strcmp(t->sym.buf, t->num.buf) != 0) {
        tmem_sb_str(&sb, " = ");
        tmem_sb_str(&sb, t->num.buf);
    }
    if (sb.truncated || t->sym.truncated || t->num.truncated)
        mark_cut(out, cap, sb.len);
}

void tmem__term_render_sym(const struct tmem__term *t, char *out, size_t cap)
{
    struct tmem_sb sb;
    tmem_sb_init(&sb, out, cap);
    if (!t->text || cap == 0)
        return;
    tmem_sb_str(&sb, t->sym.buf);
    if (sb.truncated || t->sym.truncated)
        mark_cut(out, cap, sb.len);
}
