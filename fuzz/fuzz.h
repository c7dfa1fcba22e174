/* fuzz.h — what every fuzz target shares: libFuzzer's entry point, and a
 * sink for report output. The same targets build without libFuzzer against
 * replay.c, which feeds them every corpus and regression file (make test). */
#ifndef TMEM_FUZZ_H
#define TMEM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* /dev/null, opened once: reports are formatted in full but not kept. */
static inline FILE *fuzz_sink(void)
{
    static FILE *sink;
    if (sink == NULL)
        sink = fopen("/dev/null", "w");
    return sink;
}

#endif /* TMEM_FUZZ_H */
