/* trace.c — reads a serving trace (trace.h): CSV or JSON Lines, one request
 * a line, every bad line named by its number. */
#include "alloc.h"
#include "jsonutil.h"
#include "errtext.h"
#include "reader.h"
#include "trace.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

uint64_t tmem__trace_lines(const char *text, size_t len)
{
    uint64_t n = 1;
    for (size_t i = 0; i < len; i++)
        n += text[i] == '\n';
    return n;
}

static enum tmem_status bad_line(struct tmem_error *err, const char *where, uint64_t line,
                                 const char *what)
{
    char field[32];
    snprintf(field, sizeof field, "line %llu", (unsigned long long)line);
    return tmem__err_set(err, TMEM_ERR_SCHEMA, where, field, 0, "%s", what);
}

static bool tokens_ok(double v)
{
    return v >= 1 && v <= (double)TMEM_SERVE_MAX_TOKENS && v == floor(v);
}

/* "a,b,c": three numbers; false when the line is not that */
static bool csv_fields(const char *s, const char *end, double v[3])
{
    for (int k = 0; k < 3; k++) {
        while (s < end && (*s == ' ' || *s == '\t'))
            s++;
        char buf[64];
        size_t w = 0;
        while (s < end && *s != ',' && w + 1 < sizeof buf)
            buf[w++] = *s++;
        while (w > 0 && (buf[w - 1] == ' ' || buf[w - 1] == '\t' || buf[w - 1] == '\r'))
            w--;
        buf[w] = '\0';
        char *e = NULL;
        if (w == 0)
            return false;
        v[k] = strtod(buf, &e);
        if (*e != '\0' || !isfinite(v[k]))
            return false;
        if (k < 2) {
            if (s >= end || *s != ',')
                return false;
            s++;
        }
    }
    return s == end;
}

static bool json_number(json_t *o, const char *const *keys, double *v)
{
    for (size_t i = 0; keys[i] != NULL; i++) {
        json_t *x = json_object_get(o, keys[i]);
        if (x != NULL && json_is_number(x)) {
            *v = json_number_value(x);
            return isfinite(*v);
        }
    }
    return false;
}

static const char *const arrival_keys[] = {"arrival_s", "timestamp", NULL};
static const char *const prompt_keys[] = {"prompt_tokens", "input_len", "prompt_len", NULL};
static const char *const output_keys[] = {"output_tokens", "output_len", NULL};

enum tmem_status tmem__trace_parse(const char *text, size_t len, const char *where,
                                  struct tmem_serve_request *reqs, uint64_t cap, uint64_t *n,
                                  struct tmem_error *err)
{
    uint64_t count = 0, line = 0;
    const char *p = text, *stop = text + len;
    while (p < stop) {
        const char *eol = memchr(p, '\n', (size_t)(stop - p));
        const char *end = eol ? eol : stop;
        line++;
        const char *s = p;
        p = eol ? eol + 1 : stop;
        while (s < end && (*s == ' ' || *s == '\t' || *s == '\r'))
            s++;
        if (s == end || *s == '#')
            continue;
        double v[3];
        if (*s == '{') {
            json_error_t je;
            json_t *o = tmem__json_loadb(s, (size_t)(end - s), JSON_REJECT_DUPLICATES, &je);
            bool ok = o != NULL && json_is_object(o);
            const char *what = NULL;
            if (!ok)
                what = "not a JSON object";
            else if (!json_number(o, arrival_keys, &v[0]))
                what = "no number \"arrival_s\" (or \"timestamp\")";
            else if (!json_number(o, prompt_keys, &v[1]))
                what = "no number \"prompt_tokens\" (or \"input_len\", \"prompt_len\")";
            else if (!json_number(o, output_keys, &v[2]))
                what = "no number \"output_tokens\" (or \"output_len\")";
            json_decref(o);
            if (what != NULL)
                return bad_line(err, where, line, what);
        } else if (!csv_fields(s, end, v)) {
            if (count == 0 && (*s < '0' || *s > '9') && *s != '.' && *s != '-' && *s != '+')
                continue; /* a header line */
            return bad_line(err, where, line,
                            "expected ARRIVAL_S,PROMPT_TOKENS,OUTPUT_TOKENS (three numbers)");
        }
        if (!(v[0] >= 0))
            return bad_line(err, where, line, "the arrival time must be at least 0 seconds");
        if (!tokens_ok(v[1]) || !tokens_ok(v[2]))
            return bad_line(err, where, line, "token counts must be whole numbers in [1, 2^24]");
        if (count > 0 && v[0] < reqs[count - 1].arrival_s)
            return bad_line(err, where, line, "arrives before the request on the line before it");
        if (count == cap)
            return tmem__err_set(err, TMEM_ERR_LIMIT, where, NULL, 0,
                                 "more than %llu requests", (unsigned long long)cap);
        reqs[count] = (struct tmem_serve_request){.arrival_s = v[0]};
        reqs[count].prompt_tokens = (uint32_t)v[1];
        reqs[count].output_tokens = (uint32_t)v[2];
        count++;
    }
    if (count == 0)
        return tmem__err_set(err, TMEM_ERR_SCHEMA, where, NULL, 0, "no requests in the trace");
    *n = count;
    return TMEM_OK;
}

enum tmem_status tmem__trace_load(const char *path, struct tmem_serve_request **reqs, uint64_t *n,
                                 struct tmem_error *err)
{
    char *text;
    size_t len;
    enum tmem_status st = tmem__read_file(path, (size_t)TMEM_MAX_TRACE_BYTES, &text, &len, err);
    if (st != TMEM_OK)
        return st;
    uint64_t cap = tmem__trace_lines(text, len);
    if (cap > TMEM_SERVE_MAX_REQUESTS)
        cap = TMEM_SERVE_MAX_REQUESTS;
    struct tmem_serve_request *r = tmem__alloc((size_t)cap * sizeof *r);
    if (r == NULL) {
        tmem__dealloc(text);
        return tmem__err_set(err, TMEM_ERR_NOMEM, path, NULL, 0, "out of memory");
    }
    st = tmem__trace_parse(text, len, path, r, cap, n, err);
    tmem__dealloc(text);
    if (st != TMEM_OK) {
        tmem__dealloc(r);
        return st;
    }
    *reqs = r;
    return TMEM_OK;
}
