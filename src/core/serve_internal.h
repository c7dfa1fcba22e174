/* serve_internal.h — the pieces of serve.c's statistics that the pooling
 * simulation (serve_pool.c) shares: percentiles, the time series and the
 * bottleneck rule, one place each. Internal. */
#ifndef TMEM_SERVE_INTERNAL_H
#define TMEM_SERVE_INTERNAL_H

#include "tmem/serve.h"

#include <stddef.h>
#include <stdint.h>

#define TMEM__SERVE_SERIES_FIRST_INTERVAL_S 1e-3

/* mean and numpy-style percentiles of v[n] (sorts v) */
struct tmem_serve_stat tmem__serve_stat_of(double *v, size_t n);
/* adds [t0, t1) at these levels to the series; closes it at the run's end */
void tmem__serve_series_add(struct tmem_serve_series *s, double t0, double t1, double waiting,
                            double running, double kv);
void tmem__serve_series_close(struct tmem_serve_series *s, double duration);
/* serve.c's rule: the queue's largest hold-up over 5 % of the busy time,
 * else KV capacity after a preemption, else what bounded the most step time */
enum tmem_serve_bottleneck tmem__serve_bottleneck(const struct tmem_serve_result *r);
/* every request's run state cleared; a closed loop (--concurrency C)
 * releases the first C at t = 0 and holds the rest back (arrival INFINITY);
 * returns how many have a known arrival */
uint64_t tmem__serve_reset(const struct tmem_serve_opts *so, struct tmem_serve_request *reqs, uint64_t n);

/* infer.c's checks of an encoder under vLLM's pooling runner (serve_pool.c) */
enum tmem_status tmem__pool_validate(const struct tmem_model *m, const struct tmem_infer_opts *o,
                                     struct tmem_error *err);

#endif /* TMEM_SERVE_INTERNAL_H */
