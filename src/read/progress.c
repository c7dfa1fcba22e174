/* progress.c — progress of a long read (the shards of an index), reported
 * to the calling thread's current sink, as alloc.c keeps the current
 * allocator: the library never prints; the command line installs a sink
 * that draws one line on a terminal (dispatch.c). None by default. */
#include "reader.h"

static _Thread_local struct tmem__progress current;

struct tmem__progress tmem__progress_set(struct tmem__progress p)
{
    struct tmem__progress prev = current;
    current = p;
    return prev;
}

void tmem__progress(uint64_t done, uint64_t total, const char *what)
{
    if (current.fn != NULL)
        current.fn(current.ctx, done, total, what);
}
