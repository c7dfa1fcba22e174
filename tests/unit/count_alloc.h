/* count_alloc.h — a counting struct tmem_allocator for the allocation-
 * failure tests: it counts every allocation of a CLI run (the CLI's, the
 * library's and jansson's, all made through the allocator the run is given)
 * and can fail the N-th one. */
#ifndef TMEM_TEST_COUNT_ALLOC_H
#define TMEM_TEST_COUNT_ALLOC_H

#include "tmem/read.h"

#include <stdint.h>
#include <stdlib.h>

struct count_alloc {
    struct tmem_allocator a;
    uint64_t n_calls;   /* allocations so far */
    uint64_t fail_call; /* the call number that fails, 0: none */
};

static void *count_malloc(void *ctx, size_t n)
{
    struct count_alloc *c = ctx;
    c->n_calls++;
    if (c->fail_call != 0 && c->n_calls == c->fail_call)
        return NULL;
    return malloc(n);
}

static void count_free(void *ctx, void *p)
{
    (void)ctx;
    free(p);
}

static struct count_alloc counting = {{count_malloc, count_free, &counting}, 0, 0};

/* From now on, the n-th allocation fails (1: the next one; 0: none fail).
 * Returns the number of allocations made so far. */
static inline uint64_t count_alloc_fail_at(uint64_t n)
{
    counting.fail_call = n ? counting.n_calls + n : 0;
    return counting.n_calls;
}

#endif /* TMEM_TEST_COUNT_ALLOC_H */
