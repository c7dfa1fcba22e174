/* train_peak.c — the peak per GPU as PyTorch reports it (tmem_train_peak,
 * declared in train.h): what the caching allocator hands to tensors at the
 * peak (torch.cuda.max_memory_allocated), what it holds from the driver
 * (max_memory_reserved: allocated plus the ledger's named fragmentation
 * entry, --fragmentation), and the whole peak with the CUDA context and
 * workspaces (what nvidia-smi shows). No new formula: a split of the
 * ledger's own items. */
#include "tmem/train.h"

void tmem_train_peak(const struct tmem_train_result *r, struct tmem_train_peak *p)
{
    uint64_t cuda = r->item_bytes[TMEM_TI_CUDA], frag = r->item_bytes[TMEM_TI_FRAGMENTATION];
    uint64_t device = r->peak_bytes;
    /* both items are live in every phase, so the peak holds them */
    uint64_t reserved = device >= cuda ? device - cuda : 0;
    p->device_bytes = device;
    p->reserved_bytes = reserved;
    p->allocated_bytes = reserved >= frag ? reserved - frag : 0;
}
