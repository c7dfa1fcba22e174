/* peak.c — the one definition of peak.{allocated, reserved, device}: what
 * torch.cuda.max_memory_allocated(), max_memory_reserved() and nvidia-smi
 * would show at a ledger's peak (see peak.h; the train and infer ledgers
 * pass their buckets in). */
#include "peak.h"

#include "checked.h"

bool tmem__peak_split(uint64_t allocated, uint64_t pool_extra, uint64_t outside, struct tmem_peak *out)
{
    uint64_t reserved, device;
    if (!tmem_add_u64(allocated, pool_extra, &reserved) || !tmem_add_u64(reserved, outside, &device))
        return false;
    *out = (struct tmem_peak){.allocated_bytes = allocated, .reserved_bytes = reserved, .device_bytes = device};
    return true;
}
