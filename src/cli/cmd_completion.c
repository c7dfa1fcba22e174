/* cmd_completion.c — `tmem completion bash|zsh|fish`: a shell completion
 * script generated from the commands' option tables (the rows --help and
 * the man page print): subcommands, each command's options, the named
 * values of an option (GPUs, formats, optimizers, ... from the same name
 * tables), the preset names for MODEL, and files for PATH / FILE values and
 * for MODEL beside the presets. Nothing here is typed twice: a new option
 * row is completed as soon as it exists. */
#include "cli.h"
#include "tmem/read.h"

#include <string.h>

enum shell {
    SHELL_BASH,
    SHELL_ZSH,
    SHELL_FISH,
    SHELL_COUNT,
};

static const char *const shell_names[] = {
    [SHELL_BASH] = "bash",
    [SHELL_ZSH] = "zsh",
    [SHELL_FISH] = "fish",
};
_Static_assert(sizeof shell_names / sizeof shell_names[0] == SHELL_COUNT, "one name per shell");

static const char *choice_shell(size_t i) { return i < SHELL_COUNT ? shell_names[i] : NULL; }

static void completion_doc(struct opt *opts, struct cmd_doc *d)
{
    (void)opts;
    *d = (struct cmd_doc){
        .name = "completion",
        .synopsis = "bash|zsh|fish",
        .summary = "print a shell completion script",
        .about = "Prints a completion script for bash, zsh or fish, generated from the option\n"
                 "tables: subcommands, options, the names an option takes (GPUs, formats, ...),\n"
                 "preset names for MODEL, files otherwise. Install it with, e.g.,\n"
                 "`tmem completion bash > ~/.local/share/bash-completion/completions/tmem`,\n"
                 "`tmem completion zsh > ~/.zfunc/_tmem` (a folder in $fpath) or\n"
                 "`tmem completion fish > ~/.config/fish/completions/tmem.fish`.",
        .opts = NULL, .n_opts = 0};
}

void tmem__completion_doc(cmd_doc_sink sink, void *ctx)
{
    struct cmd_doc d;
    completion_doc(NULL, &d);
    sink(&d, ctx);
}

/* ------------------------------------------------------------ the rows */

/* what an option's value is completed with */
enum value_kind {
    VALUE_NONE,    /* a flag */
    VALUE_ANY,     /* a number or free text: nothing to offer */
    VALUE_NAMES,   /* its named values */
    VALUE_FILE,    /* a path */
    VALUE_MODEL,   /* a MODEL: presets and files */
    VALUE_KIND_COUNT,
};

static enum value_kind value_of(const struct opt *o)
{
    if (o->kind == OPT_FLAG)
        return VALUE_NONE;
    if (o->choice || o->also_choice || (o->metavar && strchr(o->metavar, '|')))
        return VALUE_NAMES;
    if (o->metavar && (strcmp(o->metavar, "PATH") == 0 || strcmp(o->metavar, "FILE") == 0))
        return VALUE_FILE;
    if (o->metavar && strcmp(o->metavar, "MODEL") == 0)
        return VALUE_MODEL;
    return VALUE_ANY;
}

/* the words of a metavar like "0|1|2|3" or "B|max" that are values, not
 * placeholders (all capitals) */
static void metavar_words(FILE *out, const char *m, const char *sep, bool *first)
{
    while (m && *m) {
        size_t w = strcspn(m, "|");
        bool placeholder = true;
        for (size_t i = 0; i < w; i++)
            if (!(m[i] >= 'A' && m[i] <= 'Z'))
                placeholder = false;
        if (!placeholder && w > 0) {
            fprintf(out, "%s%.*s", *first ? "" : sep, (int)w, m);
            *first = false;
        }
        m += w;
        if (*m == '|')
            m++;
    }
}

/* o's named values, sep between them */
static void names(FILE *out, const struct opt *o, const char *sep)
{
    bool first = true;
    opt_choice_fn fns[2] = {o->choice, o->also_choice};
    for (int f = 0; f < 2; f++) {
        const char *c;
        for (size_t i = 0; fns[f] && (c = fns[f](i)) != NULL; i++) {
            fprintf(out, "%s%s", first ? "" : sep, c);
            first = false;
        }
    }
    if (!o->choice && !o->also_choice)
        metavar_words(out, o->metavar, sep, &first);
}

static void presets(FILE *out, const char *sep)
{
    for (size_t i = 0; i < tmem_preset_count(); i++)
        fprintf(out, "%s%s", i ? sep : "", tmem_preset_at(i)->name);
}

/* every option row of a command: its own, then the shared ones */
static size_t all_opts(const struct cmd_doc *d, const struct opt **rows)
{
    *rows = d->opts;
    return d->n_opts + (d->shared ? d->n_shared : 0);
}

/* what the command's first positional word is */
static enum value_kind positional(const struct cmd_doc *d)
{
    if (strncmp(d->synopsis, "MODEL", 5) == 0)
        return VALUE_MODEL;
    if (strncmp(d->synopsis, "PATH", 4) == 0)
        return VALUE_FILE;
    if (strcmp(d->name, "completion") == 0)
        return VALUE_NAMES;
    return VALUE_NONE;
}

/* help text up to its first ';' or '(' (a short description), quotes and
 * backslashes dropped */
static void short_help(FILE *out, const char *h)
{
    for (size_t n = 0; *h && *h != ';' && *h != '(' && n < 60; h++, n++)
        if (*h != '\'' && *h != '\\' && *h != '"' && *h != '`' && *h != '$' && *h != '\n')
            fputc(*h, out);
}

/* ---------------------------------------------------------------- bash */

static void bash_cmd(const struct cmd_doc *d, void *ctx)
{
    FILE *out = ctx;
    const struct opt *o;
    size_t n = all_opts(d, &o);
    fprintf(out, "    %s)\n        case \"$prev\" in\n", d->name);
    for (enum value_kind k = VALUE_ANY; k < VALUE_KIND_COUNT; k++) {
        bool any = false;
        for (size_t i = 0; i < n; i++) {
            if (value_of(&o[i]) != k)
                continue;
            if (k == VALUE_NAMES) {
                fprintf(out, "            %s) COMPREPLY=($(compgen -W '", o[i].name);
                names(out, &o[i], " ");
                fputs("' -- \"$cur\")); return ;;\n", out);
                continue;
            }
            fprintf(out, "%s%s", any ? "|" : "            ", o[i].name);
            any = true;
        }
        if (!any)
            continue;
        switch (k) {
        case VALUE_NONE:
        case VALUE_NAMES: break;
        case VALUE_ANY: fputs(") return ;;\n", out); break;
        case VALUE_FILE: fputs(") COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n", out); break;
        case VALUE_MODEL: fputs(") _tmem_model; return ;;\n", out); break;
        case VALUE_KIND_COUNT: break;
        }
    }
    fputs("        esac\n        if [[ $cur == -* ]]; then\n            COMPREPLY=($(compgen -W '--help",
          out);
    for (size_t i = 0; i < n; i++)
        fprintf(out, " %s", o[i].name);
    fputs("' -- \"$cur\"))\n            return\n        fi\n", out);
    switch (positional(d)) {
    case VALUE_MODEL: fputs("        _tmem_model\n", out); break;
    case VALUE_FILE: fputs("        COMPREPLY=($(compgen -f -- \"$cur\"))\n", out); break;
    case VALUE_NAMES:
        fputs("        COMPREPLY=($(compgen -W 'bash zsh fish' -- \"$cur\"))\n", out);
        break;
    case VALUE_NONE:
    case VALUE_ANY:
    case VALUE_KIND_COUNT: break;
    }
    fputs("        ;;\n", out);
}

static void cmd_names(const struct cmd_doc *d, void *ctx) { fprintf(ctx, " %s", d->name); }

static void each_command(cmd_doc_sink sink, void *ctx)
{
    size_t n;
    const struct tmem__cli_command *c = tmem__cli_commands(&n);
    for (size_t i = 0; i < n; i++)
        c[i].doc(sink, ctx);
}

static void bash(FILE *out)
{
    fprintf(out, "# bash completion for tmem %s, generated by `tmem completion bash` from its option\n"
                 "# tables. Source it, or save it as ~/.local/share/bash-completion/completions/tmem.\n"
                 "_tmem_model() {\n    COMPREPLY=($(compgen -W '",
            tmem_version());
    presets(out, " ");
    fputs("' -- \"$cur\") $(compgen -f -- \"$cur\"))\n}\n\n"
          "_tmem() {\n"
          "    local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
          "    COMPREPLY=()\n"
          "    if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
          "        COMPREPLY=($(compgen -W '",
          out);
    each_command(cmd_names, out);
    fputs(" --help --version' -- \"$cur\"))\n        return\n    fi\n    case \"${COMP_WORDS[1]}\" in\n",
          out);
    each_command(bash_cmd, out);
    fputs("    esac\n}\ncomplete -o filenames -F _tmem tmem\n", out);
}

/* ----------------------------------------------------------------- zsh */

static void zsh_cmd(const struct cmd_doc *d, void *ctx)
{
    FILE *out = ctx;
    const struct opt *o;
    size_t n = all_opts(d, &o);
    fprintf(out, "    %s)\n        case $prev in\n", d->name);
    for (size_t i = 0; i < n; i++) {
        switch (value_of(&o[i])) {
        case VALUE_NONE: break;
        case VALUE_ANY: fprintf(out, "            %s) return ;;\n", o[i].name); break;
        case VALUE_NAMES:
            fprintf(out, "            %s) compadd -- ", o[i].name);
            names(out, &o[i], " ");
            fputs("; return ;;\n", out);
            break;
        case VALUE_FILE: fprintf(out, "            %s) _files; return ;;\n", o[i].name); break;
        case VALUE_MODEL: fprintf(out, "            %s) _tmem_model; return ;;\n", o[i].name); break;
        case VALUE_KIND_COUNT: break;
        }
    }
    fputs("        esac\n        if [[ $cur == -* ]]; then\n            compadd -- --help", out);
    for (size_t i = 0; i < n; i++)
        fprintf(out, " %s", o[i].name);
    fputs("\n            return\n        fi\n", out);
    switch (positional(d)) {
    case VALUE_MODEL: fputs("        _tmem_model\n", out); break;
    case VALUE_FILE: fputs("        _files\n", out); break;
    case VALUE_NAMES: fputs("        compadd -- bash zsh fish\n", out); break;
    case VALUE_NONE:
    case VALUE_ANY:
    case VALUE_KIND_COUNT: break;
    }
    fputs("        ;;\n", out);
}

static void zsh(FILE *out)
{
    fprintf(out, "#compdef tmem\n"
                 "# zsh completion for tmem %s, generated by `tmem completion zsh` from its option\n"
                 "# tables. Save it as _tmem in a folder of $fpath, or source it.\n"
                 "_tmem_model() {\n    compadd -- ",
            tmem_version());
    presets(out, " ");
    fputs("\n    _files\n}\n\n"
          "_tmem() {\n"
          "    local cur=${words[CURRENT]} prev=${words[CURRENT-1]}\n"
          "    if (( CURRENT == 2 )); then\n"
          "        compadd --",
          out);
    each_command(cmd_names, out);
    fputs(" --help --version\n        return\n    fi\n    case ${words[2]} in\n", out);
    each_command(zsh_cmd, out);
    fputs("    esac\n}\n\n"
          "if [[ ${funcstack[1]} == _tmem ]]; then\n"
          "    _tmem \"$@\"\n"
          "elif (( $+functions[compdef] )); then\n"
          "    compdef _tmem tmem\n"
          "fi\n",
          out);
}

/* ---------------------------------------------------------------- fish */

static void fish_cmd(const struct cmd_doc *d, void *ctx)
{
    FILE *out = ctx;
    const struct opt *o;
    size_t n = all_opts(d, &o);
    const char *cond = "__fish_seen_subcommand_from";
    fprintf(out, "\n# %s\ncomplete -c tmem -n '__fish_use_subcommand' -a %s -d '", d->name, d->name);
    short_help(out, d->summary);
    fputs("'\n", out);
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "complete -c tmem -n '%s %s' -l %s", cond, d->name, o[i].name + 2);
        switch (value_of(&o[i])) {
        case VALUE_NONE: break;
        case VALUE_ANY: fputs(" -x", out); break;
        case VALUE_NAMES:
            fputs(" -x -a '", out);
            names(out, &o[i], " ");
            fputs("'", out);
            break;
        case VALUE_FILE: fputs(" -r -F", out); break;
        case VALUE_MODEL: fputs(" -r -F -a '(__tmem_presets)'", out); break;
        case VALUE_KIND_COUNT: break;
        }
        fputs(" -d '", out);
        short_help(out, o[i].help);
        fputs("'\n", out);
    }
    switch (positional(d)) {
    case VALUE_MODEL:
        fprintf(out, "complete -c tmem -n '%s %s' -F -a '(__tmem_presets)'\n", cond, d->name);
        break;
    case VALUE_FILE: fprintf(out, "complete -c tmem -n '%s %s' -F\n", cond, d->name); break;
    case VALUE_NAMES:
        fprintf(out, "complete -c tmem -n '%s %s' -a 'bash zsh fish'\n", cond, d->name);
        break;
    case VALUE_NONE:
    case VALUE_ANY:
    case VALUE_KIND_COUNT: break;
    }
}

static void fish(FILE *out)
{
    fprintf(out, "# fish completion for tmem %s, generated by `tmem completion fish` from its\n"
                 "# option tables. Save it as ~/.config/fish/completions/tmem.fish, or source it.\n"
                 "function __tmem_presets\n    printf '%%s\\n'",
            tmem_version());
    for (size_t i = 0; i < tmem_preset_count(); i++)
        fprintf(out, " %s", tmem_preset_at(i)->name);
    fputs("\nend\ncomplete -c tmem -f\n"
          "complete -c tmem -n '__fish_use_subcommand' -l help -d 'show help'\n"
          "complete -c tmem -n '__fish_use_subcommand' -l version -d 'show the version'\n",
          out);
    each_command(fish_cmd, out);
}

int cmd_completion(int argc, char **argv)
{
    struct cmd_doc doc;
    completion_doc(NULL, &doc);
    const char *pos[1];
    size_t n_pos = 0;
    int go = tmem__args_parse_doc(&doc, argc, argv, pos, 1, &n_pos);
    if (go != 0)
        return go == 1 ? 0 : 2;
    int k = n_pos ? tmem__choice_index(choice_shell, pos[0]) : -1;
    if (k < 0) {
        const char *sh[SHELL_COUNT];
        for (int i = 0; i < SHELL_COUNT; i++)
            sh[i] = shell_names[i];
        char hint[64];
        cli_error(n_pos ? pos[0] : "SHELL", n_pos ? "unknown shell (bash, zsh or fish)" : "no shell given (bash, zsh or fish)",
                  n_pos ? tmem__did_you_mean(pos[0], sh, SHELL_COUNT, hint, sizeof hint) : NULL);
        return 2;
    }
    switch ((enum shell)k) {
    case SHELL_BASH: bash(stdout); break;
    case SHELL_ZSH: zsh(stdout); break;
    case SHELL_FISH: fish(stdout); break;
    case SHELL_COUNT: break;
    }
    return 0;
}
