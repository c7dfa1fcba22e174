/* kv.c — the KV cache: bytes per token per layer for every attention kind,
 * how tensor parallel splits it, which layers stop at a sliding window,
 * and the bytes of one sequence, paged or not.
 *   MHA/GQA/MQA  2 · n_kv_head/tp · d_head · bytes   (K and V)
 *   MLA          (kv_lora_rank + qk_rope_dim) · bytes, replicated over tp
 *   int8         + 2 · n_kv_head/tp · 2 B fp16 scales (one for K, one for V)
 *   fp8          + 2 fp32 scales per layer (k_scale, v_scale), fixed
 * REF: vLLM kv_cache_interface.py (page_size_bytes), HF Cache classes. */
#include "checked.h"
#include "error.h"
#include "sb.h"
#include "tmem/infer.h"

#include <string.h>

static const struct {
    const char *name;
    uint32_t bytes;
} kv_dtypes[] = {
    [TMEM_KV_BF16] = {"bf16", 2}, [TMEM_KV_FP16] = {"fp16", 2}, [TMEM_KV_FP8] = {"fp8", 1},
    [TMEM_KV_INT8] = {"int8", 1}, [TMEM_KV_FP32] = {"fp32", 4},
};
_Static_assert(sizeof kv_dtypes / sizeof kv_dtypes[0] == TMEM_KV_COUNT, "one row per KV dtype");

const char *tmem_kv_dtype_name(enum tmem_kv_dtype t)
{
    return (unsigned)t < TMEM_KV_COUNT ? kv_dtypes[t].name : "unknown";
}

enum tmem_kv_dtype tmem_kv_dtype_from_name(const char *name)
{
    if (name == NULL)
        return TMEM_KV_COUNT;
    for (int t = 0; t < TMEM_KV_COUNT; t++)
        if (strcmp(kv_dtypes[t].name, name) == 0)
            return (enum tmem_kv_dtype)t;
    if (strcmp(name, "fp8_e4m3") == 0 || strcmp(name, "fp8_e5m2") == 0)
        return TMEM_KV_FP8;
    return TMEM_KV_COUNT;
}

/* Sliding-window layers among [first, first + n). */
static uint64_t window_layers(const struct tmem_model *m, uint64_t first, uint64_t n)
{
    if (m->sliding_window == 0)
        return 0;
    uint32_t step = tmem_family_info(m->family)->swa_layer_step;
    if (step == 0)
        return n;
    /* layers i with i % step == 0: multiples of step in [first, first + n) */
    return tmem_ceil_div_u64(first + n, step) - tmem_ceil_div_u64(first, step);
}

enum tmem_status tmem_kv_layout(const struct tmem_model *m, enum tmem_kv_dtype dt, uint64_t tp,
                                uint64_t first_layer, uint64_t stage_layers,
                                struct tmem_kv_layout *out, struct tmem_error *err)
{
    if ((unsigned)dt >= TMEM_KV_COUNT)
        return tmem_fail(err, TMEM_ERR_UNSUPPORTED, "--kv-dtype", "unknown KV cache dtype");
    if (tp == 0)
        return tmem_fail_value(err, TMEM_ERR_LIMIT, "--tp", tp, "at least 1");
    struct tmem_kv_layout kv = {0};
    uint64_t eb = kv_dtypes[dt].bytes, per_layer, t;
    if (m->attn == TMEM_ATTN_MLA) {
        kv.mla = true;
        kv.kv_heads_per_gpu = 1; /* one latent "head", the same on every TP rank */
        if (!tmem_mul_u64(m->kv_lora_rank + m->qk_rope_dim, eb, &per_layer))
            return tmem_fail(err, TMEM_ERR_OVERFLOW, "kv_cache", "does not fit in 64 bits");
    } else {
        /* vLLM: KV heads split over tp when tp <= n_kv_head, else replicated */
        if (tp <= m->n_kv_head) {
            TRY(tmem_check_divides(err, "--tp", tp, "n_kv_head", m->n_kv_head));
            kv.kv_heads_per_gpu = m->n_kv_head / tp;
        } else {
            if (tp % m->n_kv_head != 0) {
                char rule[64];
                struct tmem_sb sb;
                tmem_sb_init(&sb, rule, sizeof rule);
                tmem_sb_str(&sb, "a multiple of n_kv_head (");
                tmem_sb_u64(&sb, m->n_kv_head);
                tmem_sb_str(&sb, ")");
                return tmem_fail_value(err, TMEM_ERR_INCONSISTENT, "--tp", tp, rule);
            }
            kv.kv_heads_per_gpu = 1;
        }
        if (!tmem_mul3_u64(2 * kv.kv_heads_per_gpu, m->d_head, eb, &per_layer))
            return tmem_fail(err, TMEM_ERR_OVERFLOW, "kv_cache", "does not fit in 64 bits");
        if (dt == TMEM_KV_INT8)
            per_layer += 2 * kv.kv_heads_per_gpu * 2;
    }
    kv.bytes_per_token_layer = per_layer;
    kv.n_layer_window = window_layers(m, first_layer, stage_layers);
    kv.n_layer_full = stage_layers - kv.n_layer_window;
    kv.window_tokens = kv.n_layer_window ? m->sliding_window : 0;
    if (!tmem_mul_u64(per_layer, stage_layers, &t))
        return tmem_fail(err, TMEM_ERR_OVERFLOW, "kv_cache", "does not fit in 64 bits");
    kv.bytes_per_token = t;
    kv.fixed_bytes = dt == TMEM_KV_FP8 ? 8 * stage_layers : 0;
    *out = kv;
    return TMEM_OK;
}

enum tmem_status tmem_kv_seq_bytes(const struct tmem_kv_layout *kv, uint64_t tokens,
                                   uint64_t block, uint64_t *bytes)
{
    if (block == 0)
        return TMEM_ERR_INVALID_ARG;
    uint64_t full_tokens = tmem_ceil_div_u64(tokens, block) * block;
    uint64_t win = tokens < kv->window_tokens ? tokens : kv->window_tokens;
    uint64_t win_tokens = tmem_ceil_div_u64(win, block) * block;
    uint64_t a, b, sum;
    if (!tmem_mul3_u64(full_tokens, kv->bytes_per_token_layer, kv->n_layer_full, &a) ||
        !tmem_mul3_u64(win_tokens, kv->bytes_per_token_layer, kv->n_layer_window, &b) ||
        !tmem_add_u64(a, b, &sum))
        return TMEM_ERR_OVERFLOW;
    *bytes = sum;
    return TMEM_OK;
}
