/* args.h — a declarative option table (curl style): each option names its
 * flag, its kind, where its value goes and its help line. One parser and one
 * help printer serve every subcommand. */
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
};

struct u64_opt {
    bool set;
    uint64_t v;
};

struct real_opt {
    bool set;
    double v;
};

struct opt {
    const char *name;    /* "--layers" */
    enum opt_kind kind;
    const char *metavar; /* "N" */
    const char *help;
    void *target;        /* bool*, struct u64_opt*, const char**, struct real_opt* */
};

/* Parses argv[first..argc) against opts[n]. Words not starting with "--"
 * are positional (at most max_pos, stored in pos[]). "--help"/"-h" sets
 * *help. Returns 0, or 2 after printing one "tmem: error:" line. */
int args_parse(int argc, char **argv, int first, const struct opt *opts, size_t n,
               const char **pos, size_t max_pos, size_t *n_pos, bool *help);

/* Prints "  --name METAVAR   help" lines. */
void args_help(FILE *out, const struct opt *opts, size_t n);

/* tmem: error: <where>: <msg> (and an optional hint line) on stderr. */
void cli_error(const char *where, const char *msg, const char *hint);

#endif /* TMEM_ARGS_H */
