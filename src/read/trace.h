/* trace.h — a serving trace for tmem serve --trace: one request a line,
 * arrival time in seconds, prompt tokens, output tokens, as CSV
 * (`0.25,512,128`, an optional header line first) or JSON Lines
 * (`{"arrival_s": 0.25, "prompt_tokens": 512, "output_tokens": 128}`; also
 * "timestamp", "input_len"/"prompt_len" and "output_len"). Blank lines and
 * lines starting with '#' are skipped. */
#ifndef TMEM_TRACE_H
#define TMEM_TRACE_H

#include "tmem/serve.h"

#define TMEM_MAX_TRACE_BYTES (UINT64_C(1) << 30) /* a trace larger than 1 GiB is refused */

/* Parses text[len] into reqs[cap]; *n requests. `where` names the input in
 * errors ("trace.csv:line 7: ..."): a field that is not a number, a count
 * outside [1, 2^24], an arrival before the line before it, more than cap
 * requests, no request at all. */
enum tmem_status tmem__trace_parse(const char *text, size_t len, const char *where,
                                  struct tmem_serve_request *reqs, uint64_t cap, uint64_t *n,
                                  struct tmem_error *err);

/* Lines in text[len]: an upper bound on its requests. */
uint64_t tmem__trace_lines(const char *text, size_t len);

/* Reads path and parses it into an array the caller frees with tmem__dealloc(). */
enum tmem_status tmem__trace_load(const char *path, struct tmem_serve_request **reqs, uint64_t *n,
                                 struct tmem_error *err);

#endif /* TMEM_TRACE_H */
