/* args.c — strict command-line parsing from an option table. Numbers are
 * digits only (no sign, no spaces, no overflow); every mistake is one line
 * naming the flag, and exit status 2. */
#include "args.h"

#include "errtext.h"
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
            cli_error(name, "unknown option", "see this command's --help for its options");
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
        case OPT_U64: {
            struct u64_opt *u = o->target;
            if (!parse_u64(val, &u->v)) {
                snprintf(msg, sizeof msg, "%s is not a non-negative integer", tmem__quote(q, val));
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

void args_help(FILE *out, const struct opt *opts, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        char left[48];
        snprintf(left, sizeof left, "%s%s%s", opts[k].name, opts[k].metavar ? " " : "",
                 opts[k].metavar ? opts[k].metavar : "");
        fprintf(out, "  %-26s %s\n", left, opts[k].help);
    }
}
