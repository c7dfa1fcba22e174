/* ledger.c — the memory ledger: an ordered list of {bucket, label, bytes,
 * formula} entries with checked per-bucket and total sums. It holds no
 * formulas of its own; the training, inference and lab modules add lines. */
#include "checked.h"
#include "error.h"
#include "sb.h"

#include <string.h>

static const struct {
    const char *name, *title;
} buckets[] = {
    [TMEM_BUCKET_WEIGHTS] = {"weights", "weights"},
    [TMEM_BUCKET_GRADIENTS] = {"gradients", "gradients"},
    [TMEM_BUCKET_OPTIMIZER_STATES] = {"optimizer_states", "optimizer states"},
    [TMEM_BUCKET_ACTIVATIONS] = {"activations", "activations"},
    [TMEM_BUCKET_TEMPORARY_BUFFERS] = {"temporary_buffers", "temporary buffers"},
    [TMEM_BUCKET_COMMUNICATION_BUCKETS] = {"communication_buckets", "communication buckets"},
    [TMEM_BUCKET_KV_CACHE] = {"kv_cache", "KV cache"},
    [TMEM_BUCKET_FRAMEWORK_OVERHEAD] = {"framework_overhead", "framework overhead"},
};
_Static_assert(sizeof buckets / sizeof buckets[0] == TMEM_BUCKET_COUNT, "one row per bucket");

static const char *const group_names[] = {
    [TMEM_GROUP_EMBEDDING] = "embedding", [TMEM_GROUP_ATTENTION] = "attention",
    [TMEM_GROUP_MLP] = "mlp",             [TMEM_GROUP_NORM] = "norm",
    [TMEM_GROUP_LM_HEAD] = "lm_head",     [TMEM_GROUP_ROUTER] = "router",
    [TMEM_GROUP_EXPERTS] = "experts",     [TMEM_GROUP_SHARED_EXPERTS] = "shared_experts",
    [TMEM_GROUP_SSM] = "ssm",
    [TMEM_GROUP_VISION] = "vision",
};
_Static_assert(sizeof group_names / sizeof group_names[0] == TMEM_GROUP_COUNT,
               "one name per group");

const char *tmem_group_name(enum tmem_group g)
{
    return (unsigned)g < TMEM_GROUP_COUNT ? group_names[g] : "unknown";
}

const char *tmem_bucket_name(enum tmem_bucket b)
{
    return (unsigned)b < TMEM_BUCKET_COUNT ? buckets[b].name : "unknown";
}

const char *tmem_bucket_title(enum tmem_bucket b)
{
    return (unsigned)b < TMEM_BUCKET_COUNT ? buckets[b].title : "unknown";
}

void tmem_ledger_init(struct tmem_ledger *l)
{
    l->n_entries = 0;
    memset(l->bucket_bytes, 0, sizeof l->bucket_bytes);
    l->total_bytes = 0;
}

enum tmem_status tmem_ledger_add(struct tmem_ledger *l, enum tmem_bucket b, const char *label,
                                 uint64_t bytes, const char *formula, struct tmem_error *err)
{
    if (l == NULL || (unsigned)b >= TMEM_BUCKET_COUNT || label == NULL)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "ledger", "bad ledger entry");
    if (l->n_entries == TMEM_MAX_ENTRIES)
        return tmem__fail(err, TMEM_ERR_CAPACITY, label, "the ledger is full");
    uint64_t bucket_sum, total;
    if (!tmem_add_u64(l->bucket_bytes[b], bytes, &bucket_sum) ||
        !tmem_add_u64(l->total_bytes, bytes, &total))
        return tmem__fail(err, TMEM_ERR_OVERFLOW, label, "ledger total does not fit in 64 bits");
    struct tmem_entry *e = &l->entries[l->n_entries++];
    e->bucket = b;
    tmem__copy_str(e->label, sizeof e->label, label);
    e->bytes = bytes;
    tmem__copy_str(e->formula, sizeof e->formula, formula ? formula : "");
    l->bucket_bytes[b] = bucket_sum;
    l->total_bytes = total;
    return TMEM_OK;
}

enum tmem_bucket tmem_ledger_largest_bucket(const struct tmem_ledger *l)
{
    enum tmem_bucket best = TMEM_BUCKET_WEIGHTS;
    for (int b = 1; b < TMEM_BUCKET_COUNT; b++)
        if (l->bucket_bytes[b] > l->bucket_bytes[best])
            best = (enum tmem_bucket)b;
    return best;
}

void tmem_ledger_fit(const struct tmem_ledger *l, uint64_t capacity_bytes, struct tmem_fit *out)
{
    out->capacity_bytes = capacity_bytes;
    out->total_bytes = l->total_bytes;
    out->fits = l->total_bytes <= capacity_bytes;
    out->margin_bytes = out->fits ? capacity_bytes - l->total_bytes : l->total_bytes - capacity_bytes;
}
