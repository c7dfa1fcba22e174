/* term.c — the formula builder of the core (see term.h): checked
 * arithmetic that writes down what it does. */
#include "term.h"

#include "checked.h"

#include <string.h>

void tmem__term_init(struct tmem__term *t, bool text)
{
    t->sum = 0;
    t->prod = 0;
    t->started = false;
    t->overflow = false;
    t->text = text;
    if (text) {
        tmem_sb_init(&t->sym, t->sym_buf, sizeof t->sym_buf);
        tmem_sb_init(&t->num, t->num_buf, sizeof t->num_buf);
    }
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

void tmem__term_mul(struct tmem__term *t, const char *sym, uint64_t v)
{
    if (!t->started) {
        t->prod = v;
        t->started = true;
    } else if (!tmem_mul_u64(t->prod, v, &t->prod)) {
        t->overflow = true;
    }
    if (t->text) {
        if (t->sym.len > 0 && t->sym.buf[t->sym.len - 1] != ' ')
            both(t, " × ");
        factor_text(t, sym, v);
    }
}

static void divide(struct tmem__term *t, const char *sym, uint64_t v, bool ceil)
{
    if (v == 0) {
        t->overflow = true;
    } else if (t->started) {
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

void tmem__term_mul_min(struct tmem__term *t, const char *sym_a, uint64_t a, const char *sym_b,
                        uint64_t b)
{
    bool text = t->text;
    t->text = false;
    tmem__term_mul(t, NULL, a < b ? a : b);
    t->text = text;
    if (!text)
        return;
    if (t->sym.len > 0 && t->sym.buf[t->sym.len - 1] != ' ')
        both(t, " × ");
    both(t, "min(");
    factor_text(t, sym_a, a);
    both(t, ", ");
    factor_text(t, sym_b, b);
    both(t, ")");
}

void tmem__term_mul_term(struct tmem__term *t, const struct tmem__term *sub)
{
    bool text = t->text;
    t->text = false;
    tmem__term_mul(t, NULL, tmem__term_value(sub));
    t->text = text;
    if (sub->overflow)
        t->overflow = true;
    if (!text)
        return;
    if (t->sym.len > 0 && t->sym.buf[t->sym.len - 1] != ' ')
        both(t, " × ");
    both(t, "(");
    if (sub->text) {
        tmem_sb_str(&t->sym, sub->sym.buf);
        tmem_sb_str(&t->num, sub->num.buf);
    } else {
        tmem_sb_u64(&t->sym, tmem__term_value(sub));
        tmem_sb_u64(&t->num, tmem__term_value(sub));
    }
    both(t, ")");
}

void tmem__term_plus(struct tmem__term *t, const char *sym, uint64_t v)
{
    if (t->started && !tmem_add_u64(t->sum, t->prod, &t->sum))
        t->overflow = true;
    t->started = false;
    if (t->text && t->sym.len > 0)
        both(t, " + ");
    bool text = t->text;
    t->text = false;
    tmem__term_mul(t, sym, v);
    t->text = text;
    if (text)
        factor_text(t, sym, v);
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

uint64_t tmem__term_value(const struct tmem__term *t)
{
    uint64_t v = t->sum;
    if (t->overflow || (t->started && !tmem_add_u64(v, t->prod, &v)))
        return 0;
    return v;
}

bool tmem__term_overflow(const struct tmem__term *t)
{
    uint64_t v;
    return t->overflow || (t->started && !tmem_add_u64(t->sum, t->prod, &v));
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
    if (sb.truncated || t->sym.truncated || t->num.truncated) {
        /* mark the cut with "…" (3 bytes of UTF-8) in the last bytes,
         * never splitting a UTF-8 sequence */
        if (cap - 1 < 3)
            return;
        size_t end = sb.len < cap - 1 - 3 ? sb.len : cap - 1 - 3;
        while (end > 0 && ((unsigned char)out[end] & 0xC0) == 0x80)
            end--;
        memcpy(out + end, "\xE2\x80\xA6", 4); /* with its NUL */
    }
}
