/* output.c — the output streams of a command (output.h): --format and --svg
 * parsed once for all, buffers for what is rendered afterwards, the
 * rendering handed to src/report, the chart written atomically. */
#define _POSIX_C_SOURCE 200809L /* open_memstream, mkstemp, fchmod */
#include "output.h"

#include "alloc.h"
#include "cli.h"
#include "errtext.h"
#include "jsonutil.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static FILE *capture; /* tmem sweep's, while it runs a command */

void cli_out_capture(FILE *f) { capture = f; }

size_t cli_out_rows(struct cli_out_flags *f, struct opt *rows, bool svg)
{
    rows[0] = (struct opt){OPT_ROW("--format", OPT_STR, "F", "output format (--json is --format json)", &f->format),
                           .choice = tmem__choice_format, .def = OPT_DEFAULT_TEXT(tmem__format_name(TMEM_FORMAT_TEXT))};
    if (!svg)
        return 1;
    rows[1] = (struct opt){OPT_ROW("--svg", OPT_STR, "FILE", "also write the chart as a standalone SVG to FILE", &f->svg)};
    return 2;
}

int cli_out_begin(struct cli_out *o, const struct cli_out_flags *f, bool json, bool si)
{
    *o = (struct cli_out){.format = json ? TMEM_FORMAT_JSON : TMEM_FORMAT_TEXT, .svg = f->svg, .si = si};
    if (f->format != NULL) {
        enum tmem_format k = tmem__format_from_name(f->format);
        if (k == TMEM_FORMAT_COUNT) {
            char names[80], msg[200], q[TMEM_QUOTE_CAP], hint[64];
            const char *list[TMEM_FORMAT_COUNT];
            size_t at = 0;
            names[0] = '\0';
            for (int i = 0; i < TMEM_FORMAT_COUNT; i++) {
                list[i] = tmem__format_name((enum tmem_format)i);
                at += (size_t)snprintf(names + at, sizeof names - at, "%s%s", i ? ", " : "", list[i]);
            }
            snprintf(msg, sizeof msg, "unknown format %s (one of: %s)", tmem__quote(q, f->format), names);
            cli_error("--format", msg, tmem__did_you_mean(f->format, list, TMEM_FORMAT_COUNT, hint, sizeof hint));
            return 2;
        }
        if (json && k != TMEM_FORMAT_JSON) {
            cli_error("--json", "contradicts --format (--json is --format json)", NULL);
            return 2;
        }
        o->format = k;
    }
    if (f->svg != NULL && f->svg[0] == '\0') {
        cli_error("--svg", "needs a file name", NULL);
        return 2;
    }
    if (capture != NULL) {
        o->captured = true;
        o->doc = capture;
        return 0;
    }
    bool buffered = o->svg != NULL, want_doc = o->format != TMEM_FORMAT_TEXT || buffered;
    if (want_doc)
        o->doc = o->format == TMEM_FORMAT_JSON && !buffered ? stdout : open_memstream(&o->doc_buf, &o->doc_len);
    if (o->format == TMEM_FORMAT_TEXT)
        o->text = buffered ? open_memstream(&o->text_buf, &o->text_len) : stdout;
    if ((want_doc && o->doc == NULL) || (o->format == TMEM_FORMAT_TEXT && o->text == NULL)) {
        cli_error("output", "out of memory", NULL);
        return 2;
    }
    return 0;
}

/* the chart of doc into *buf: 0, or 2 after an error line */
static int render_svg(const json_t *doc, bool si, char **buf, size_t *len)
{
    FILE *f = open_memstream(buf, len);
    if (f == NULL) {
        cli_error("--svg", "out of memory", NULL);
        return 2;
    }
    const char *command = json_string_value(json_object_get(doc, "command"));
    int rc = command != NULL && strcmp(command, "sweep") == 0 ? tmem__svg_sweep(f, doc, si) : tmem__svg_ledger(f, doc, si);
    fclose(f);
    if (rc != 0) {
        cli_error("--svg", "this document has no ledger to draw", NULL);
        return 2;
    }
    return 0;
}

static int render(struct cli_out *o)
{
    json_error_t jerr;
    json_t *doc = tmem__json_loadb(o->doc_buf, o->doc_len, 0, &jerr);
    if (doc == NULL) {
        cli_error("output", "out of memory", NULL);
        return 2;
    }
    int rc = 0;
    if (o->svg != NULL) {
        char *svg = NULL;
        size_t len = 0;
        rc = render_svg(doc, o->si, &svg, &len);
        if (rc == 0)
            rc = cli_write_atomic("--svg", o->svg, svg, len);
        free(svg);
    }
    struct tmem__table t = {0};
    if (rc == 0 && (o->format == TMEM_FORMAT_CSV || o->format == TMEM_FORMAT_MARKDOWN) &&
        tmem__table_from_doc(doc, &t) != 0) {
        cli_error("output", "out of memory", NULL);
        rc = 2;
    }
    if (rc == 0)
        switch (o->format) {
        case TMEM_FORMAT_TEXT: fwrite(o->text_buf, 1, o->text_len, stdout); break;
        case TMEM_FORMAT_JSON: fwrite(o->doc_buf, 1, o->doc_len, stdout); break;
        case TMEM_FORMAT_CSV: tmem__table_csv(stdout, &t); break;
        case TMEM_FORMAT_MARKDOWN: tmem__table_markdown(stdout, &t); break;
        case TMEM_FORMAT_COUNT: break;
        }
    tmem__table_free(&t);
    json_decref(doc);
    return rc;
}

int cli_out_end(struct cli_out *o, int rc)
{
    if (o->captured)
        return rc;
    if (o->doc != NULL && o->doc != stdout)
        fclose(o->doc);
    if (o->text != NULL && o->text != stdout)
        fclose(o->text);
    if (rc == 0 && o->doc_buf != NULL)
        rc = render(o);
    free(o->doc_buf);
    free(o->text_buf);
    return rc;
}

int cli_write_atomic(const char *flag, const char *path, const char *data, size_t len)
{
    char dir[4096], tmp[4200], msg[4400];
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
    if (strlen(path) >= sizeof dir) {
        cli_error(flag, "file name too long", NULL);
        return 2;
    }
    snprintf(tmp, sizeof tmp, "%s/.tmem-XXXXXX", dir);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(msg, sizeof msg, "%s: %s", path, strerror(errno));
        cli_error(flag, msg, NULL);
        return 2;
    }
    mode_t mask = umask(0);
    umask(mask);
    bool ok = fchmod(fd, 0666 & ~mask) == 0;
    for (size_t at = 0; ok && at < len;) {
        ssize_t n = write(fd, data + at, len - at);
        if (n < 0 && errno == EINTR)
            continue;
        ok = n > 0;
        at += ok ? (size_t)n : 0;
    }
    int saved = errno;
    ok = close(fd) == 0 && ok;
    if (ok && rename(tmp, path) == 0)
        return 0;
    saved = ok ? errno : saved;
    unlink(tmp);
    snprintf(msg, sizeof msg, "%s: %s", path, strerror(saved));
    cli_error(flag, msg, NULL);
    return 2;
}
