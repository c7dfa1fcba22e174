/* kv.h — what the inference ledger asks of kv.c beyond the public API:
 * the term of the KV bytes a batch of requests needs. Internal. */
#ifndef TMEM_KV_H
#define TMEM_KV_H

#include "term.h"
#include "tmem/infer.h"

/* b × (the bytes of one sequence of `tokens`, in blocks of `block`) + the
 * fixed per-layer scales, into t: "b × tokens × bytes/token = 8 × 2304 ×
 * 524288". block > 0, tokens and block at most 2^32. */
void tmem__kv_request_term(const struct tmem_kv_layout *kv, uint64_t batch, uint64_t tokens,
                           uint64_t block, struct tmem__term *t);

/* b × the SSM state of one sequence (fixed, whatever its length), into t. */
void tmem__kv_state_term(const struct tmem_kv_layout *kv, uint64_t batch, struct tmem__term *t);

#endif /* TMEM_KV_H */
