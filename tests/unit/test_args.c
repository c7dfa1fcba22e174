/* test_args.c — the option table's printers: a row's help line carries its
 * named values and its default in the documented form, long lines wrap at
 * 80 columns under the help column, and roff escaping turns hyphens,
 * backslashes, leading dots and the ledger's UTF-8 signs into roff. */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include "harness.h"
#include "cli.h"

static const char *three(size_t i)
{
    static const char *const names[] = {"alpha", "beta", "gamma"};
    return i < 3 ? names[i] : NULL;
}

/* what fn printed to a FILE, as a string (caller frees) */
static char *capture(void (*fn)(FILE *, const void *), const void *arg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    fn(f, arg);
    fclose(f);
    return buf;
}

static void print_help(FILE *f, const void *arg)
{
    const struct opt *o = arg;
    args_help(f, o, 1);
}

static void print_roff(FILE *f, const void *arg)
{
    tmem__args_roff(f, arg);
}

static void a_row_prints_its_choices_and_default(void **state)
{
    (void)state;
    const char *target = NULL;
    const struct opt o = {OPT_ROW("--greek", OPT_STR, "L", "a letter", &target), .choice = three,
                          .def = OPT_DEFAULT_TEXT("beta")};
    char *s = capture(print_help, &o);
    /* 29 columns of flag, then 52 of text: one over 80, so "(default:" wraps */
    assert_string_equal(s, "  --greek L                  a letter; one of: alpha | beta | gamma\n"
                           "                             (default: beta)\n");
    free(s);
    struct u64_opt n = {0};
    const struct opt u = {OPT_ROW("--n", OPT_U64, "N", "a count", &n), .def = OPT_DEFAULT_U64(8192)};
    s = capture(print_help, &u);
    assert_string_equal(s, "  --n N                      a count (default: 8192)\n");
    free(s);
    char list[64];
    tmem__args_choices(&o, ", ", list, sizeof list);
    assert_string_equal(list, "alpha, beta, gamma");
    tmem__args_choices(&o, ", ", list, 8); /* cut, never overrun */
    assert_string_equal(list, "alpha, ");
}

static void long_help_wraps_under_the_help_column(void **state)
{
    (void)state;
    const char *target = NULL;
    const struct opt o = {OPT_ROW("--gpu", OPT_STR, "NAME", "GPU preset", &target),
                          .choice = tmem__choice_gpu};
    char *s = capture(print_help, &o);
    size_t lines = 0;
    for (char *line = s; *line; lines++) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        assert_true(nl - line <= 80);
        if (lines > 0) /* continuation: 29 spaces, then text */
            assert_true(strncmp(line, "                             ", 29) == 0 && line[29] != ' ');
        line = nl + 1;
    }
    assert_true(lines >= 3);
    /* every GPU preset is on it, in tmem_gpu_at's order */
    const char *at = s;
    for (size_t i = 0; i < tmem_gpu_count(); i++) {
        const char *p = strstr(at, tmem_gpu_at(i)->name);
        assert_non_null(p);
        at = p;
    }
    free(s);
}

static void roff_escapes(void **state)
{
    (void)state;
    char *s = capture(print_roff, "--a-b \\ x·y × 2\n.dot 'quote");
    assert_string_equal(s, "\\-\\-a\\-b \\e x\\(pcy \\(mu 2\n\\&.dot 'quote");
    free(s);
    s = capture(print_roff, "'lead");
    assert_string_equal(s, "\\&'lead");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_row_prints_its_choices_and_default),
        cmocka_unit_test(long_help_wraps_under_the_help_column),
        cmocka_unit_test(roff_escapes),
    };
    return cmocka_run_group_tests_name("args: help and man printers", tests, NULL, NULL);
}
