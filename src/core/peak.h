/* peak.h — what a measurement of a peak shows (torch.cuda.max_memory_allocated,
 * max_memory_reserved, nvidia-smi), split from a ledger's buckets in one
 * place for training and inference (peak.c). Internal to src/core. */
#ifndef TMEM_PEAK_H
#define TMEM_PEAK_H

#include "tmem/tmem.h"

/* allocated: the tensors the caching allocator handed out at the peak;
 * pool_extra: what it holds beyond them (fragmentation, CUDA-graph pools);
 * outside: memory it never sees (CUDA context, cuBLAS/NCCL workspaces).
 * reserved = allocated + pool_extra; device = reserved + outside.
 * false when a sum passes 64 bits (*out untouched). */
bool tmem__peak_split(uint64_t allocated, uint64_t pool_extra, uint64_t outside, struct tmem_peak *out);

#endif /* TMEM_PEAK_H */
