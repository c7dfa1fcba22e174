/* args.c — strict command-line parsing from an option table, and the two
 * printers of that table: --help text and the man page's roff. Numbers are
 * digits only (no sign, no spaces, no overflow); every mistake is one line
 * naming the flag, and exit status 2. Choice lists and defaults are printed
 * from the table's functions and values, never from typed strings. */
#include "args.h"

#include "errtext.h"
#include "reader.h"
#include "utf8.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Writes s with every byte that could break or forge the line escaped:
 * \n \r \t, other C0 controls, DEL, C1 controls (U+0080..U+009F, which
 * some terminals obey), bidirectional overrides and line/paragraph
 * separators as \xNN per byte, and bytes that are not well-formed UTF-8 as
 * \xNN. Printable ASCII and other well-formed UTF-8 pass as they are. */
static void put_escaped(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        uint32_t cp = 0;
        size_t k = tmem__utf8_seq(p + i, n - i, &cp);
        bool unsafe = k == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
                      (cp >= 0x200e && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
                      (cp >= 0x2066 && cp <= 0x2069);
        if (!unsafe) {
            fwrite(p + i, 1, k, out);
            i += k;
            continue;
        }
        if (k == 0)
            k = 1;
        for (size_t j = 0; j < k; j++, i++) {
            unsigned char b = p[i];
            if (b == '\n')
                fputs("\\n", out);
            else if (b == '\r')
                fputs("\\r", out);
            else if (b == '\t')
                fputs("\\t", out);
            else
                fprintf(out, "\\x%02x", b);
        }
    }
}

/* The one printer of error and hint lines: every text from a file, a flag
 * or the OS passes through put_escaped, so a line can be neither split nor
 * forged. */
void cli_error(const char *where, const char *msg, const char *hint)
{
    fputs("tmem: error: ", stderr);
    if (where && where[0]) {
        put_escaped(stderr, where);
        fputs(": ", stderr);
    }
    put_escaped(stderr, msg ? msg : "");
    fputc('\n', stderr);
    if (hint) {
        fputs("tmem: hint: ", stderr);
        put_escaped(stderr, hint);
        fputc('\n', stderr);
    }
}

/* A note on stderr: what the answer assumes (a guessed head split), one
 * escaped line, never on stdout. */
void cli_note(const char *msg)
{
    fputs("tmem: note: ", stderr);
    put_escaped(stderr, msg ? msg : "");
    fputc('\n', stderr);
}

const char *tmem__did_you_mean(const char *query, const char *const *names, size_t n, char *buf,
                               size_t cap)
{
    char close[96];
    if (cap == 0 || tmem__close_names(query, names, n, 1, close, sizeof close) == 0)
        return NULL;
    snprintf(buf, cap, "did you mean %s?", close);
    return buf;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    if (s == NULL || *s == '\0')
        return false;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        uint64_t d = (uint64_t)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (v > (uint64_t)INT64_MAX)
        return false;
    *out = v;
    return true;
}

static bool parse_real(const char *s, double *out)
{
    if (s == NULL || *s == '\0')
        return false;
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !isfinite(v))
        return false;
    *out = v;
    return true;
}

int args_parse(int argc, char **argv, int first, const struct opt *opts, size_t n,
               const char **pos, size_t max_pos, size_t *n_pos, bool *help)
{
    *n_pos = 0;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            *help = true;
            continue;
        }
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            if (*n_pos == max_pos) {
                cli_error(a, "unexpected argument", "try 'tmem --help' for more information");
                return 2;
            }
            pos[(*n_pos)++] = a;
            continue;
        }
        const char *eq = strchr(a, '=');
        size_t name_len = eq ? (size_t)(eq - a) : strlen(a);
        const struct opt *o = NULL;
        for (size_t k = 0; k < n; k++)
            if (strlen(opts[k].name) == name_len && strncmp(opts[k].name, a, name_len) == 0)
                o = &opts[k];
        if (o == NULL) {
            char name[TMEM_QUOTE_MAX + TMEM_CUT_MARK_BYTES + 1];
            size_t keep = tmem__utf8_cut(a, name_len, name_len > TMEM_QUOTE_MAX ? TMEM_QUOTE_MAX
                                                                                 : name_len);
            snprintf(name, sizeof name, "%.*s%s", (int)keep, a, keep < name_len ? TMEM_CUT_MARK : "");
            const char *names[256], *hint = NULL;
            char dym[128], flag[TMEM_QUOTE_MAX + 1];
            size_t n_names = n < 256 ? n : 256;
            for (size_t k = 0; k < n_names; k++)
                names[k] = opts[k].name;
            if (name_len <= TMEM_QUOTE_MAX) {
                snprintf(flag, sizeof flag, "%.*s", (int)name_len, a);
                hint = tmem__did_you_mean(flag, names, n_names, dym, sizeof dym);
            }
            cli_error(name, "unknown option", hint ? hint : "see this command's --help for its options");
            return 2;
        }
        const char *val = NULL;
        if (o->kind != OPT_FLAG) {
            if (eq)
                val = eq + 1;
            else if (i + 1 < argc)
                val = argv[++i];
            else {
                cli_error(o->name, "needs a value", NULL);
                return 2;
            }
        } else if (eq) {
            cli_error(o->name, "takes no value", NULL);
            return 2;
        }
        char msg[160], q[TMEM_QUOTE_CAP];
        switch (o->kind) {
        case OPT_FLAG: *(bool *)o->target = true; break;
        case OPT_STR: *(const char **)o->target = val; break;
        case OPT_U64:
        case OPT_U64_MAX: {
            struct u64_opt *u = o->target;
            bool can_max = o->kind == OPT_U64_MAX;
            u->max = can_max && strcmp(val, "max") == 0;
            u->v = 0;
            if (!u->max && !parse_u64(val, &u->v)) {
                snprintf(msg, sizeof msg, can_max ? "%s is neither a non-negative integer nor max"
                                                  : "%s is not a non-negative integer", tmem__quote(q, val));
                cli_error(o->name, msg, NULL);
                return 2;
            }
            u->set = true;
            break;
        }
        case OPT_REAL: {
            struct real_opt *r = o->target;
            if (!parse_real(val, &r->v)) {
                snprintf(msg, sizeof msg, "%s is not a number", tmem__quote(q, val));
                cli_error(o->name, msg, NULL);
                return 2;
            }
            r->set = true;
            break;
        }
        }
    }
    return 0;
}

int tmem__args_parse_doc(const struct cmd_doc *d, int argc, char **argv, const char **pos,
                         size_t max_pos, size_t *n_pos)
{
    size_t n = d->n_opts;
    if (d->shared != NULL) {
        if (d->shared != d->opts + d->n_opts) {
            cli_error(d->name, "internal error: shared options do not follow the command's own", NULL);
            return 2;
        }
        n += d->n_shared;
    }
    bool help = false;
    if (args_parse(argc, argv, 2, d->opts, n, pos, max_pos, n_pos, &help) != 0)
        return 2;
    if (help) {
        tmem__args_usage(stdout, d);
        return 1;
    }
    return 0;
}

const struct opt *tmem__args_find(const struct opt *opts, size_t n, const char *name)
{
    for (size_t k = 0; k < n; k++)
        if (strcmp(opts[k].name, name) == 0)
            return &opts[k];
    return NULL;
}

/* a growing string in a caller's buffer; cut (never overrun) when full */
struct text {
    char *buf;
    size_t cap, len;
};

static void put(struct text *t, const char *s)
{
    for (; *s && t->len + 1 < t->cap; s++)
        t->buf[t->len++] = *s;
    t->buf[t->len] = '\0';
}

static void put_list(struct text *t, opt_choice_fn fn, const char *sep)
{
    const char *c;
    for (size_t i = 0; fn && (c = fn(i)) != NULL; i++) {
        if (i)
            put(t, sep);
        put(t, c);
    }
}

void tmem__args_choices(const struct opt *o, const char *sep, char *buf, size_t cap)
{
    struct text t = {buf, cap, 0};
    if (cap)
        buf[0] = '\0';
    if (o)
        put_list(&t, o->choice, sep);
}

#define NBSP "\x01" /* a space the wrapper does not break at */

/* "help; one of: a | b | c; or a ggml type: x | y (default: d)" */
static void describe(const struct opt *o, char *buf, size_t cap)
{
    struct text t = {buf, cap, 0};
    buf[0] = '\0';
    put(&t, o->help);
    if (o->choice) {
        put(&t, "; one of: ");
        put_list(&t, o->choice, " | ");
    }
    if (o->also) {
        put(&t, "; ");
        put(&t, o->also);
        if (o->also_choice) {
            put(&t, ": ");
            put_list(&t, o->also_choice, " | ");
        }
    }
    /* NBSP keeps "(default: x)" on one line (wrap prints it as a space) */
    char num[48];
    switch (o->def.kind) {
    case OPT_DEF_NONE: break;
    case OPT_DEF_TEXT: put(&t, " (default:" NBSP); put(&t, o->def.text); put(&t, ")"); break;
    case OPT_DEF_U64:
        snprintf(num, sizeof num, " (default:" NBSP "%llu)", (unsigned long long)o->def.u64);
        put(&t, num);
        break;
    case OPT_DEF_REAL:
        snprintf(num, sizeof num, " (default:" NBSP "%g)", o->def.real);
        put(&t, num);
        break;
    }
}

enum { HELP_COL = 29, HELP_WIDTH = 80 };

/* display columns of a UTF-8 string (each code point is one) */
static size_t cols(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            c++;
    return c;
}

/* text from column HELP_COL, broken at spaces before HELP_WIDTH */
static void wrap(FILE *out, const char *s)
{
    size_t col = HELP_COL;
    bool first = true;
    while (*s) {
        size_t w = strcspn(s, " ");
        size_t wc = cols(s, w);
        if (!first && col + 1 + wc > HELP_WIDTH) {
            fprintf(out, "\n%*s", HELP_COL, "");
            col = HELP_COL;
            first = true;
        }
        if (!first) {
            fputc(' ', out);
            col++;
        }
        for (size_t i = 0; i < w; i++)
            fputc(s[i] == NBSP[0] ? ' ' : s[i], out);
        col += wc;
        first = false;
        s += w;
        while (*s == ' ')
            s++;
    }
    fputc('\n', out);
}

void args_help(FILE *out, const struct opt *opts, size_t n)
{
    char text[2048];
    for (size_t k = 0; k < n; k++) {
        char left[48];
        snprintf(left, sizeof left, "%s%s%s", opts[k].name, opts[k].metavar ? " " : "",
                 opts[k].metavar ? opts[k].metavar : "");
        fprintf(out, "  %-26s ", left);
        if (strlen(left) > 26)
            fprintf(out, "\n%*s", HELP_COL, "");
        describe(&opts[k], text, sizeof text);
        wrap(out, text);
    }
}

void tmem__args_usage(FILE *out, const struct cmd_doc *d)
{
    const char *s = d->synopsis;
    for (bool first = true; *s; first = false) {
        size_t w = strcspn(s, "\n");
        fprintf(out, "%s tmem %s %.*s\n", first ? "usage:" : "      ", d->name, (int)w, s);
        s += w;
        if (*s == '\n')
            s++;
    }
    fprintf(out, "\n%s\n\noptions:\n", d->about);
    args_help(out, d->opts, d->n_opts);
    if (d->shared) {
        fprintf(out, "\narchitecture flags (describe MODEL, or override its fields):\n");
        args_help(out, d->shared, d->n_shared);
    }
}

/* ----------------------------------------------------------------- roff */

/* the roff of the n bytes at s (a paragraph is written in place: no
 * buffer to cut it short) */
static void roff_n(FILE *out, const char *s, size_t n)
{
    const char *end = s + n;
    static const struct {
        const char *utf8, *roff;
    } glyphs[] = {
        {"·", "\\(pc"}, {"×", "\\(mu"}, {"²", "\\(S2"}, {"−", "\\-"}, {"→", "\\(->"},
        {"≈", "\\(~~"}, {"≤", "\\(<="}, {"≥", "\\(>="}, {"–", "\\(en"}, {"—", "\\(em"},
    };
    bool line_start = true;
    while (s < end) {
        bool done = false;
        for (size_t g = 0; g < sizeof glyphs / sizeof glyphs[0] && !done; g++) {
            size_t len = strlen(glyphs[g].utf8);
            if ((size_t)(end - s) >= len && strncmp(s, glyphs[g].utf8, len) == 0) {
                fputs(glyphs[g].roff, out);
                s += len;
                done = true;
            }
        }
        if (done) {
            line_start = false;
            continue;
        }
        if (line_start && (*s == '.' || *s == '\''))
            fputs("\\&", out);
        if (*s == NBSP[0])
            fputc(' ', out);
        else if (*s == '-')
            fputs("\\-", out);
        else if (*s == '\\')
            fputs("\\e", out);
        else
            fputc(*s, out);
        line_start = *s == '\n';
        s++;
    }
}

void tmem__args_roff(FILE *out, const char *s)
{
    roff_n(out, s, strlen(s));
}

void tmem__args_man_opts(FILE *out, const struct opt *opts, size_t n)
{
    char text[2048];
    for (size_t k = 0; k < n; k++) {
        if (opts[k].metavar) {
            fputs(".TP\n.BI \"", out);
            tmem__args_roff(out, opts[k].name);
            fputs(" \" \"", out);
            tmem__args_roff(out, opts[k].metavar);
            fputs("\"\n", out);
        } else {
            fputs(".TP\n.B ", out);
            tmem__args_roff(out, opts[k].name);
            fputc('\n', out);
        }
        describe(&opts[k], text, sizeof text);
        tmem__args_roff(out, text);
        fputc('\n', out);
    }
}

/* "\n\n" starts a paragraph; single '\n' are kept as line breaks of the source only */
static void roff_paragraphs(FILE *out, const char *s)
{
    while (*s) {
        const char *end = strstr(s, "\n\n");
        size_t n = end ? (size_t)(end - s) : strlen(s);
        fputs(".PP\n", out);
        roff_n(out, s, n);
        fputc('\n', out);
        s += n;
        while (*s == '\n')
            s++;
    }
}

void tmem__args_man(FILE *out, const struct cmd_doc *d)
{
    fputs(".SS tmem ", out);
    tmem__args_roff(out, d->name);
    fputc('\n', out);
    roff_paragraphs(out, d->about);
    fputs(".PP\nOptions:\n", out);
    tmem__args_man_opts(out, d->opts, d->n_opts);
    if (d->shared)
        fputs(".TP\n.I \"architecture flags\"\nas listed under MODEL above\n", out);
}
