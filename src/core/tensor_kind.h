/* tensor_kind.h — reading a tensor's kind row inside the core. Internal. */
#ifndef TMEM_TENSOR_KIND_H
#define TMEM_TENSOR_KIND_H

#include "tmem/tmem.h"

/* The kind row of t, whose kind an inventory check (below) has accepted. */
const struct tmem_tensor_kind_info *tmem__kind(const struct tmem_tensor *t);

/* The rows × cols of one instance of t on one of tp tensor-parallel ranks
 * of a model with n_kv_head KV heads, by its kind's split (ceil when tp
 * does not divide). */
void tmem__tp_local_shape(const struct tmem_tensor *t, uint64_t tp, uint64_t n_kv_head,
                          uint64_t *rows, uint64_t *cols);

/* TMEM_ERR_INVALID_ARG unless every tensor of inv has a kind of the table
 * and n_tensors is in range: the ledgers call it before reading kinds. */
enum tmem_status tmem__inventory_check(const struct tmem_inventory *inv, struct tmem_error *err);

/* Whether kind k is a linear layer LoRA may adapt (PEFT "all-linear"): a
 * text-model matmul other than the lm_head. The vision tower and projector
 * stay frozen (LLaVA-style recipes tune the language model only), and the
 * kind masks are 64 bits wide: kinds past bit 63 are never targets. */
bool tmem__kind_lora_linear(int k);

#endif /* TMEM_TENSOR_KIND_H */
