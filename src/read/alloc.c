/* alloc.c — the allocation seam (see alloc.h): per-call allocators.
 *
 * Re-entrancy: the library has no process-wide allocator state. A public
 * entry point makes the struct tmem_allocator it was given the calling
 * thread's current one (a _Thread_local pointer) for the duration of the
 * call and restores the previous one on return, so threads may use
 * different allocators at once and nested calls (an allocator that calls
 * tmem, a reader calling another public reader) unwind correctly.
 *
 * jansson has only process-wide hooks (json_set_alloc_funcs). They are set
 * once per process (call_once) to two trampolines that forward to the
 * calling thread's current allocator; with none current they are malloc and
 * free, jansson's defaults, so a jansson value made outside a tmem call and
 * freed inside one (or the reverse) stays consistent for the default
 * allocator. Within tmem every jansson value is made and freed in one call. */
#include "alloc.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

static _Thread_local const struct tmem_allocator *current;

static void *raw_alloc(const struct tmem_allocator *a, size_t n)
{
    if (n == 0)
        n = 1;
    if (a == NULL || a->malloc == NULL)
        return malloc(n);
    return a->malloc(a->ctx, n);
}

void *tmem__alloc(size_t n) { return raw_alloc(current, n); }

void *tmem__calloc(size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size)
        return NULL;
    void *p = raw_alloc(current, n * size);
    if (p != NULL)
        memset(p, 0, n * size);
    return p;
}

void tmem__dealloc(void *p)
{
    if (p == NULL)
        return;
    const struct tmem_allocator *a = current;
    if (a == NULL || a->malloc == NULL)
        free(p);
    else
        a->free(a->ctx, p);
}

/* A JSON parse in progress (tmem__json_parse_begin .. _end) and whether one
 * of its allocations failed. jansson's lexer ignores a failed growth of its
 * token buffer (lex_save drops the byte): a dropped closing quote then walks
 * past the buffer (load.c lex_scan_string's assert(0) on what lies beyond),
 * a dropped digit silently changes a number. So within a parse the first
 * failure is sticky: every later allocation fails too, the lexer's very next
 * allocation (the token's value) fails and jansson reports out of memory. */
static _Thread_local struct {
    int depth;
    bool failed;
} json_parse;

static void *json_malloc_trampoline(size_t n)
{
    if (json_parse.depth > 0 && json_parse.failed)
        return NULL;
    void *p = tmem__alloc(n);
    if (p == NULL && json_parse.depth > 0)
        json_parse.failed = true;
    return p;
}

void tmem__json_parse_begin(void)
{
    if (json_parse.depth++ == 0)
        json_parse.failed = false;
}

bool tmem__json_parse_end(void)
{
    bool failed = json_parse.failed;
    if (--json_parse.depth == 0)
        json_parse.failed = false;
    return failed;
}
static void json_free_trampoline(void *p) { tmem__dealloc(p); }
static void install_json_hooks(void)
{
    json_set_alloc_funcs(json_malloc_trampoline, json_free_trampoline);
}
static once_flag json_hooks_once = ONCE_FLAG_INIT;

const struct tmem_allocator *tmem__alloc_push(const struct tmem_allocator *a)
{
    call_once(&json_hooks_once, install_json_hooks);
    const struct tmem_allocator *prev = current;
    current = a;
    return prev;
}

void tmem__alloc_pop(const struct tmem_allocator *prev) { current = prev; }

const struct tmem_allocator *tmem__alloc_current(void) { return current; }
