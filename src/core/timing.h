/* timing.h — the roofline timing model of the inference ledger. Internal. */
#ifndef TMEM_TIMING_H
#define TMEM_TIMING_H

#include "tmem/infer.h"

/* Fills *t for model m under opts: all_weight_bytes and all_expert_bytes
 * are what one tensor-parallel rank holds summed over the pipeline stages,
 * kv_bytes_per_token likewise, and window_bytes_per_token the part of it in
 * sliding-window layers, which a decode step reads for at most
 * window_tokens tokens. */
enum tmem_status tmem__infer_timing(const struct tmem_model *m, const struct tmem_inventory *inv,
                                   const struct tmem_infer_opts *o, uint64_t all_weight_bytes,
                                   uint64_t all_expert_bytes, uint64_t kv_bytes_per_token,
                                   uint64_t window_bytes_per_token, uint64_t window_tokens,
                                   struct tmem_timing *t);

#endif /* TMEM_TIMING_H */
