/* args.h — a declarative option table (curl style): each option names its
 * flag, its kind, where its value goes, its help line, its named values and
 * its default. One parser, one help printer and one man-page printer serve
 * every subcommand, so --help, tmem.1 and the parsers' "one of:" lists come
 * from the same rows (and the rows' names from the core's name tables). */
#ifndef TMEM_ARGS_H
#define TMEM_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum opt_kind {
    OPT_FLAG, /* --x: sets a bool */
    OPT_U64,  /* --x N: a non-negative integer */
    OPT_STR,  /* --x VALUE */
    OPT_REAL, /* --x F: a finite number */
    OPT_U64_MAX, /* --x N|max: a non-negative integer, or "max" (solve for it) */
};

struct u64_opt {
    bool set;
    bool max; /* OPT_U64_MAX given "max" (v is then 0) */
    uint64_t v;
};

struct real_opt {
    bool set;
    double v;
};

/* The default an option's help shows: a value taken from the core's
 * defaults (tmem_train_opts_default, tmem_infer_defaults, ...), never typed
 * into the help string. */
enum opt_def_kind {
    OPT_DEF_NONE = 0, /* no default shown (or the help says what happens) */
    OPT_DEF_TEXT,     /* a name: "bf16-mixed" */
    OPT_DEF_U64,      /* 8192 */
    OPT_DEF_REAL,     /* 0.9 */
};

struct opt_def {
    enum opt_def_kind kind;
    const char *text;
    uint64_t u64;
    double real;
};

#define OPT_DEFAULT_TEXT(s) ((struct opt_def){.kind = OPT_DEF_TEXT, .text = (s)})
#define OPT_DEFAULT_U64(x) ((struct opt_def){.kind = OPT_DEF_U64, .u64 = (x)})
#define OPT_DEFAULT_REAL(x) ((struct opt_def){.kind = OPT_DEF_REAL, .real = (x)})

/* The i-th name an option takes (i from 0), NULL past the last: an adapter
 * over a core name table (tmem_precision_name, tmem_gpu_at, ...). */
typedef const char *(*opt_choice_fn)(size_t i);

struct opt {
    const char *name;    /* "--layers" */
    enum opt_kind kind;
    const char *metavar; /* "N" */
    const char *help;    /* what it does; choices and default are added from below */
    void *target;        /* bool*, struct u64_opt*, const char**, struct real_opt* */
    opt_choice_fn choice; /* OPT_STR with named values; NULL otherwise */
    const char *also;    /* what else it takes: "or any ggml type" */
    opt_choice_fn also_choice; /* and its names, or NULL */
    struct opt_def def;
};

/* The five fields every row has, as designated initializers: a row is
 * {OPT_ROW(name, kind, metavar, help, target), .choice = ..., .def = ...}. */
#define OPT_ROW(n, k, m, h, t) .name = (n), .kind = (k), .metavar = (m), .help = (h), .target = (t)

/* A command as its --help and the man page describe it. */
struct cmd_doc {
    const char *name;       /* "infer" */
    const char *synopsis;   /* "MODEL [options]"; more forms separated by '\n' */
    const char *summary;    /* one line, for tmem --help and the man page */
    const char *about;      /* paragraphs; '\n' breaks lines, "\n\n" paragraphs */
    const struct opt *opts; /* the command's own options */
    size_t n_opts;
    const struct opt *shared; /* the architecture flags (model_flags.c), or NULL */
    size_t n_shared;
};

/* Parses argv[first..argc) against opts[n]. Words not starting with "--"
 * are positional (at most max_pos, stored in pos[]). "--help"/"-h" sets
 * *help. Returns 0, or 2 after printing one "tmem: error:" line. */
int args_parse(int argc, char **argv, int first, const struct opt *opts, size_t n,
               const char **pos, size_t max_pos, size_t *n_pos, bool *help);

/* A command's whole parse: argv[2..] against d's options (its own rows,
 * then the shared ones, which must follow them in one array), printing
 * d's --help when asked. Returns 0 to go on, 1 after the help was printed
 * (the command exits 0), 2 after an error line (it exits 2). */
int tmem__args_parse_doc(const struct cmd_doc *d, int argc, char **argv, const char **pos,
                         size_t max_pos, size_t *n_pos);

/* Prints "  --name METAVAR   help: a | b | c (default: x)" lines, wrapped. */
void args_help(FILE *out, const struct opt *opts, size_t n);

/* A command's whole --help: usage lines, about, its options and the shared ones. */
void tmem__args_usage(FILE *out, const struct cmd_doc *d);

/* A command's section of the man page (roff): .SS, synopsis, about, .TP per option. */
void tmem__args_man(FILE *out, const struct cmd_doc *d);
/* Text escaped for roff (\- for -, \\ for \, \(pc for ·, ...). */
void tmem__args_roff(FILE *out, const char *text);
/* The option rows as roff .TP entries. */
void tmem__args_man_opts(FILE *out, const struct opt *opts, size_t n);

/* o's named values joined by sep ("a, b, c") into buf; buf is "" when none. */
void tmem__args_choices(const struct opt *o, const char *sep, char *buf, size_t cap);

/* The option named name in opts[n], or NULL. */
const struct opt *tmem__args_find(const struct opt *opts, size_t n, const char *name);

/* "did you mean X?" into buf for the one of names[n] closest to query
 * (tmem__close_names, names.c: within a third of the length in edits);
 * NULL when none is close. */
const char *tmem__did_you_mean(const char *query, const char *const *names, size_t n, char *buf,
                               size_t cap);

/* tmem: error: <where>: <msg> (and an optional hint line) on stderr. */
void cli_error(const char *where, const char *msg, const char *hint);
/* "tmem: note: <msg>" on stderr, escaped: what an answer assumes. */
void cli_note(const char *msg);

#endif /* TMEM_ARGS_H */
