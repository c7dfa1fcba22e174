/* alloc.h — the one allocation seam of everything outside the pure core
 * (readers, reports, CLI) and of jansson. Internal code allocates with
 * tmem__alloc(), which uses the calling thread's current allocator: the
 * struct tmem_allocator a public entry point was given, made current for
 * the duration of that call with tmem__alloc_push() / tmem__alloc_pop().
 * The core allocates nothing. */
#ifndef TMEM_ALLOC_H
#define TMEM_ALLOC_H

#include "tmem/read.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *tmem__alloc(size_t n);               /* NULL when out of memory (or failed on purpose) */
void *tmem__calloc(size_t n, size_t size); /* zeroed; NULL on overflow of n · size too */
void tmem__dealloc(void *p);               /* NULL is a no-op */

/* Makes a (NULL: malloc/free) the calling thread's current allocator and
 * returns the previous one, which the caller hands back to tmem__alloc_pop()
 * before it returns. a must outlive the pop. The first push also routes
 * jansson's allocations through the current allocator (once per process). */
const struct tmem_allocator *tmem__alloc_push(const struct tmem_allocator *a);
void tmem__alloc_pop(const struct tmem_allocator *prev);

/* The current allocator (NULL: malloc/free), for results that outlive the
 * call (a checkpoint keeps a copy to free itself with). */
const struct tmem_allocator *tmem__alloc_current(void);

/* Brackets one jansson parse (tmem__json_loadb in jsonutil.c uses them):
 * inside, the first failed jansson allocation makes every later one fail,
 * and _end says whether any failed. */
void tmem__json_parse_begin(void);
bool tmem__json_parse_end(void);

#endif /* TMEM_ALLOC_H */
