/* alloc.h — the one allocation seam of everything outside the pure core
 * (readers, reports, CLI) and of jansson: every heap allocation passes
 * through tmem_alloc, so tests can fail the N-th one and require a clean
 * error. The core allocates nothing. */
#ifndef TMEM_ALLOC_H
#define TMEM_ALLOC_H

#include <stddef.h>
#include <stdint.h>

void *tmem_alloc(size_t n);               /* NULL when out of memory (or failed on purpose) */
void *tmem_calloc(size_t n, size_t size); /* zeroed; NULL on overflow of n · size too */
void tmem_dealloc(void *p);               /* NULL is a no-op */

/* Routes jansson's allocations through the seam. Call once before any JSON
 * work (the CLI does it first thing); calling it again is harmless. */
void tmem_alloc_install(void);

/* Testing: from now on, the n-th allocation fails (1: the next one; 0: none
 * fail). Returns the number of allocations made so far. */
uint64_t tmem_alloc_fail_at(uint64_t n);

#endif /* TMEM_ALLOC_H */
