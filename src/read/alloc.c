/* alloc.c — the allocation seam (see alloc.h). Its counters are the one
 * piece of process-wide state outside the core, kept for failure injection
 * in tests; jansson's own hooks are process-wide too. */
#include "alloc.h"

#include <jansson.h>
#include <stdlib.h>

static uint64_t n_calls;   /* allocations so far */
static uint64_t fail_call; /* the call number that fails, 0: none */

void *tmem_alloc(size_t n)
{
    n_calls++;
    if (fail_call != 0 && n_calls == fail_call)
        return NULL;
    return malloc(n ? n : 1);
}

void *tmem_calloc(size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size)
        return NULL;
    n_calls++;
    if (fail_call != 0 && n_calls == fail_call)
        return NULL;
    return calloc(n ? n : 1, size ? size : 1);
}

void tmem_dealloc(void *p) { free(p); }

void tmem_alloc_install(void) { json_set_alloc_funcs(tmem_alloc, tmem_dealloc); }

uint64_t tmem_alloc_fail_at(uint64_t n)
{
    fail_call = n ? n_calls + n : 0;
    return n_calls;
}
