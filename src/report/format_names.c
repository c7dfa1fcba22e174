/* format_names.c — the name table of --format: the one list the parser,
 * --help, the man page and completion read. */
#include "report_out.h"

#include <string.h>

static const char *const names[] = {
    [TMEM_FORMAT_TEXT] = "text",
    [TMEM_FORMAT_JSON] = "json",
    [TMEM_FORMAT_CSV] = "csv",
    [TMEM_FORMAT_MARKDOWN] = "markdown",
};
_Static_assert(sizeof names / sizeof names[0] == TMEM_FORMAT_COUNT, "a name for every format");

const char *tmem__format_name(enum tmem_format f)
{
    return (unsigned)f < TMEM_FORMAT_COUNT ? names[f] : NULL;
}

enum tmem_format tmem__format_from_name(const char *s)
{
    for (int f = 0; f < TMEM_FORMAT_COUNT; f++)
        if (strcmp(names[f], s) == 0)
            return (enum tmem_format)f;
    return TMEM_FORMAT_COUNT;
}
