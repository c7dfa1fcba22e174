/* infer.c — the per-GPU inference ledger: weights in the serving format,
 * the peak activation of one forward, the logits, the KV cache this
 * workload needs, the non-torch overhead, and vLLM's paged KV capacity
 * (utilization × memory − weights − peak activation − non-torch = KV pool).
 * Pipeline stages follow vLLM's layer partition; the ledger is the worst
 * stage's GPU. Timing is in timing.c.
 * REF: vLLM gpu_worker.py determine_available_memory, kv_cache_utils.py;
 *      vLLM distributed/utils.py get_pp_indices. */
#include "checked.h"
#include "error.h"
#include "quant.h"
#include "sb.h"
#include "tensor_kind.h"
#include "timing.h"
#include "tmem/infer.h"

#include <string.h>

static const char *const engine_names[] = {[TMEM_ENGINE_VLLM] = "vllm", [TMEM_ENGINE_HF] = "hf"};
_Static_assert(sizeof engine_names / sizeof engine_names[0] == TMEM_ENGINE_COUNT, "one name per engine");

const char *tmem_engine_name(enum tmem_engine e)
{
    return (unsigned)e < TMEM_ENGINE_COUNT ? engine_names[e] : "unknown";
}

void tmem_infer_defaults(struct tmem_infer_opts *o)
{
    memset(o, 0, sizeof *o);
    o->batch = 1;
    o->prompt_tokens = 512;
    o->gen_tokens = 128;
    o->weights = TMEM_WF_BF16;
    o->ggml_type = TMEM_GGML_Q4_K;
    o->group_size = 128;
    o->compute = TMEM_DTYPE_BF16;
    o->kv_dtype = TMEM_KV_BF16;
    o->tp = o->pp = 1;
    o->engine = TMEM_ENGINE_VLLM;
    o->gpu_memory_utilization = 0.9;
    o->block_size = 16;
    o->max_num_batched_tokens = 8192;
    o->max_num_seqs = 256;
    o->cuda_context_bytes = UINT64_C(1) << 30;
    o->flash = true;
    o->mfu = 0.5;
    o->mbu = 0.8;
}

#define TMEM_MAX_BATCH (UINT64_C(1) << 24)
#define TMEM_MAX_TOKENS (UINT64_C(1) << 32)

static enum tmem_status validate(const struct tmem_model *m, const struct tmem_infer_opts *o,
                                 struct tmem_error *err)
{
    TRY(tmem_check_range(err, "--batch", o->batch, 1, TMEM_MAX_BATCH));
    TRY(tmem_check_range(err, "--prompt", o->prompt_tokens, 1, TMEM_MAX_TOKENS));
    TRY(tmem_check_range(err, "--gen", o->gen_tokens, 0, TMEM_MAX_TOKENS));
    TRY(tmem_check_range(err, "--tp", o->tp, 1, 1024));
    TRY(tmem_check_range(err, "--pp", o->pp, 1, m->n_layer < 64 ? m->n_layer : 64));
    TRY(tmem_check_range(err, "--block-size", o->block_size, 1, 1u << 16));
    TRY(tmem_check_range(err, "--max-num-batched-tokens", o->max_num_batched_tokens, 1, TMEM_MAX_TOKENS));
    TRY(tmem_check_range(err, "--max-num-seqs", o->max_num_seqs, 1, TMEM_MAX_BATCH));
    TRY(tmem_check_range(err, "--max-model-len", o->max_model_len, 0, TMEM_MAX_TOKENS));
    if ((unsigned)o->weights >= TMEM_WF_COUNT)
        return tmem_fail(err, TMEM_ERR_UNSUPPORTED, "--weights", "unknown weight format");
    if (o->weights == TMEM_WF_GGUF && tmem_ggml_type_info(o->ggml_type) == NULL)
        return tmem_fail(err, TMEM_ERR_UNSUPPORTED, "--weights", "unknown ggml type");
    if ((unsigned)o->kv_dtype >= TMEM_KV_COUNT)
        return tmem_fail(err, TMEM_ERR_UNSUPPORTED, "--kv-dtype", "unknown KV cache dtype");
    if ((unsigned)o->engine >= TMEM_ENGINE_COUNT)
        return tmem_fail(err, TMEM_ERR_UNSUPPORTED, "--engine", "unknown engine");
    if (!(o->gpu_memory_utilization > 0.0 && o->gpu_memory_utilization <= 1.0))
        return tmem_fail(err, TMEM_ERR_LIMIT, "--gpu-memory-utilization",
                         "must be in (0, 1]");
    if (!(o->mfu > 0.0 && o->mfu <= 1.0))
        return tmem_fail(err, TMEM_ERR_LIMIT, "--mfu", "must be in (0, 1]");
    if (!(o->mbu > 0.0 && o->mbu <= 1.0))
        return tmem_fail(err, TMEM_ERR_LIMIT, "--mbu", "must be in (0, 1]");
    if (m->n_head % o->tp != 0) {
        char rule[64];
        struct tmem_sb sb;
        tmem_sb_init(&sb, rule, sizeof rule);
        tmem_sb_str(&sb, "a divisor of n_head (");
        tmem_sb_u64(&sb, m->n_head);
        tmem_sb_str(&sb, ")");
        return tmem_fail_value(err, TMEM_ERR_INCONSISTENT, "--tp", o->tp, rule);
    }
    if (o->n_pp_layers > 0) {
        if (o->n_pp_layers != o->pp)
            return tmem_fail(err, TMEM_ERR_INCONSISTENT, "--pp-layers",
                             "needs one layer count per pipeline stage (--pp)");
        uint64_t sum = 0;
        for (uint32_t i = 0; i < o->n_pp_layers; i++) {
            TRY(tmem_check_range(err, "--pp-layers", o->pp_layers[i], 1, m->n_layer));
            sum += o->pp_layers[i];
        }
        if (sum != m->n_layer)
            return tmem_fail_value(err, TMEM_ERR_INCONSISTENT, "--pp-layers", sum,
                                   "the model's n_layer in total");
    }
    if (o->gpu == NULL)
        return tmem_fail(err, TMEM_ERR_INVALID_ARG, "--gpu", "no GPU given");
    if (o->n_stage_memory > 0 && o->n_stage_memory != o->pp)
        return tmem_fail(err, TMEM_ERR_INCONSISTENT, "--stage-memory-mib",
                         "needs one memory size per pipeline stage (--pp)");
    return TMEM_OK;
}

/* Layers of stage s. vLLM get_pp_indices: n_layer / pp each, the remainder
 * one more each from the second-to-last stage backwards. */
static uint64_t stage_layers(const struct tmem_model *m, const struct tmem_infer_opts *o,
                             uint32_t s)
{
    if (o->n_pp_layers > 0)
        return o->pp_layers[s];
    uint64_t base = m->n_layer / o->pp, rem = m->n_layer % o->pp;
    /* partitions[-i] += 1 for i in 2 .. rem + 1: stages pp-2 down to pp-1-rem */
    if (rem > 0 && s + 2 <= o->pp && s + 1 + rem >= o->pp)
        return base + 1;
    return base;
}

/* ------------------------------------------------------------ weights */

/* Per-GPU weight bytes of one stage, in bins for the ledger. */
struct weight_bins {
    uint64_t plain_elems, plain_bytes;            /* plain formats: everything */
    uint64_t q_elems, q_bytes, q_scales;          /* quantized matrices */
    uint64_t keep_embed_elems, keep_embed_bytes;  /* embeddings + lm_head, unquantized */
    uint64_t keep_small_elems, keep_small_bytes;  /* norms, biases, router */
    uint64_t gguf_elems[TMEM_GGML_TYPE_COUNT], gguf_bytes[TMEM_GGML_TYPE_COUNT];
    uint64_t total;
    uint64_t expert_bytes;                        /* routed experts (decode reads a share) */
};

static bool add_to(uint64_t *acc, uint64_t v)
{
    return tmem_add_u64(*acc, v, acc);
}

static enum tmem_status bin_instances(struct weight_bins *b, const struct tmem_model *m,
                                      const struct tmem_tensor *t,
                                      const struct tmem_infer_opts *o, uint32_t gtype,
                                      uint64_t instances, struct tmem_error *err)
{
    if (instances == 0)
        return TMEM_OK;
    uint64_t rows, cols; /* one rank's share: the kind's tensor-parallel split */
    tmem__tp_local_shape(t, o->tp, m->n_kv_head, &rows, &cols);
    struct tmem_instance_bytes ib;
    TRY(tmem_wf_instance_bytes(t, o->weights, gtype, o->group_size, o->compute, rows, cols, &ib,
                               err));
    uint64_t elems, payload, scales, bytes;
    if (!tmem_mul3_u64(rows, cols, instances, &elems) ||
        !tmem_mul_u64(ib.payload, instances, &payload) ||
        !tmem_mul_u64(ib.scales, instances, &scales) || !tmem_add_u64(payload, scales, &bytes) ||
        !add_to(&b->total, bytes))
        return tmem_fail(err, TMEM_ERR_OVERFLOW, t->name, "weight bytes do not fit in 64 bits");
    const enum tmem_group g = tmem__kind(t)->group;
    if (g == TMEM_GROUP_EXPERTS)
        b->expert_bytes += bytes;
    if (ib.ggml_type != TMEM_GGML_TYPE_COUNT) {
        b->gguf_elems[ib.ggml_type] += elems;
        b->gguf_bytes[ib.ggml_type] += payload;
    } else if (o->weights <= TMEM_WF_FP16) {
        b->plain_elems += elems;
        b->plain_bytes += payload;
    } else if (ib.quantized) {
        b->q_elems += elems;
        b->q_bytes += payload;
        b->q_scales += scales;
    } else if (g == TMEM_GROUP_EMBEDDING || g == TMEM_GROUP_LM_HEAD) {
        b->keep_embed_elems += elems;
        b->keep_embed_bytes += payload;
    } else {
        b->keep_small_elems += elems;
        b->keep_small_bytes += payload;
    }
    return TMEM_OK;
}

static enum tmem_status stage_weights(const struct tmem_model *m, const struct tmem_inventory *inv,
                                      const struct tmem_infer_opts *o, uint64_t first,
                                      uint64_t n, bool is_first, bool is_last,
                                      struct weight_bins *b, struct tmem_error *err)
{
    memset(b, 0, sizeof *b);
    uint64_t moe = tmem_model_moe_layers_in(m, first, first + n);
    uint64_t layers_of[TMEM_SCOPE_COUNT] = {
        [TMEM_SCOPE_INPUT] = is_first, [TMEM_SCOPE_OUTPUT] = is_last,
        [TMEM_SCOPE_LAYER] = n,        [TMEM_SCOPE_DENSE_LAYER] = n - moe,
        [TMEM_SCOPE_MOE_LAYER] = moe};
    for (uint32_t i = 0; i < inv->n_tensors; i++) {
        const struct tmem_tensor *t = &inv->tensors[i];
        const struct tmem_tensor_kind_info *ki = tmem__kind(t);
        bool in_layers = ki->scope != TMEM_SCOPE_INPUT && ki->scope != TMEM_SCOPE_OUTPUT;
        bool per_layer_rule = tmem_wf_is_gguf(o->weights) && in_layers &&
                              (ki->role == TMEM_ROLE_ATTN_V || ki->role == TMEM_ROLE_FFN_DOWN);
        if (!per_layer_rule) {
            uint32_t g = tmem_wf_is_gguf(o->weights)
                             ? tmem_gguf_type_for(t, o->weights, o->ggml_type, 0, m->n_layer, m->tied)
                             : TMEM_GGML_TYPE_COUNT;
            TRY(bin_instances(b, m, t, o, g, t->per_layer * layers_of[ki->scope], err));
            continue;
        }
        /* llama.cpp's mixes pick the type layer by layer */
        for (uint64_t l = first; l < first + n; l++) {
            bool is_moe = tmem_model_moe_layers_in(m, l, l + 1) == 1;
            if ((ki->scope == TMEM_SCOPE_DENSE_LAYER && is_moe) ||
                (ki->scope == TMEM_SCOPE_MOE_LAYER && !is_moe))
                continue;
            uint32_t g = tmem_gguf_type_for(t, o->weights, o->ggml_type, l, m->n_layer, m->tied);
            TRY(bin_instances(b, m, t, o, g, t->per_layer, err));
        }
    }
    /* a tied lm_head on a later pipeline stage needs its own copy of the
     * embedding (vLLM loads it on the last stage) */
    if (m->tied && is_last && !is_first)
        for (uint32_t i = 0; i < inv->n_tensors; i++)
            if (inv->tensors[i].kind == TMEM_TENSOR_KIND_TOKEN_EMBD) {
                uint32_t g = tmem_wf_is_gguf(o->weights)
                                 ? tmem_gguf_type_for(&inv->tensors[i], o->weights, o->ggml_type,
                                                      0, m->n_layer, true)
                                 : TMEM_GGML_TYPE_COUNT;
                TRY(bin_instances(b, m, &inv->tensors[i], o, g, 1, err));
            }
    return TMEM_OK;
}

/* ------------------------------------------------------------ formulas */

static void fmt_num(struct tmem_sb *sb, uint64_t v) { tmem_sb_u64(sb, v); }

static enum tmem_status line(struct tmem_ledger *l, enum tmem_bucket bk, const char *label,
                             uint64_t bytes, const char *formula, struct tmem_error *err)
{
    return bytes ? tmem_ledger_add(l, bk, label, bytes, formula, err) : TMEM_OK;
}

static enum tmem_status weight_lines(struct tmem_ledger *l, const struct weight_bins *b,
                                     const struct tmem_infer_opts *o, struct tmem_error *err)
{
    char f[TMEM_FORMULA_LEN], lab[TMEM_LABEL_LEN];
    struct tmem_sb sb;
    const char *wf = tmem_wformat_info(o->weights)->name;
    if (b->plain_bytes) {
        tmem_sb_init(&sb, f, sizeof f);
        tmem_sb_str(&sb, "params × bytes = ");
        fmt_num(&sb, b->plain_elems);
        tmem_sb_str(&sb, " × ");
        fmt_num(&sb, tmem_dtype_info(o->weights == TMEM_WF_FP32 ? TMEM_DTYPE_F32 : TMEM_DTYPE_BF16)->bits / 8);
        tmem_sb_init(&sb, lab, sizeof lab);
        tmem_sb_str(&sb, "all parameters (");
        tmem_sb_str(&sb, wf);
        tmem_sb_str(&sb, ")");
        TRY(line(l, TMEM_BUCKET_WEIGHTS, lab, b->plain_bytes, f, err));
    }
    if (b->q_bytes) {
        tmem_sb_init(&sb, f, sizeof f);
        tmem_sb_str(&sb, "quantized elements × bits / 8 = ");
        fmt_num(&sb, b->q_elems);
        tmem_sb_str(&sb, (o->weights <= TMEM_WF_INT8 || o->weights == TMEM_WF_FP8_BLOCK) ? " × 8 / 8" : " × 4 / 8");
        tmem_sb_init(&sb, lab, sizeof lab);
        tmem_sb_str(&sb, "matrices (");
        tmem_sb_str(&sb, wf);
        tmem_sb_str(&sb, ")");
        TRY(line(l, TMEM_BUCKET_WEIGHTS, lab, b->q_bytes, f, err));
        tmem_sb_init(&sb, f, sizeof f);
        switch (o->weights) {
        case TMEM_WF_FP8: tmem_sb_str(&sb, "one fp32 scale per tensor"); break;
        case TMEM_WF_FP8_BLOCK: tmem_sb_str(&sb, "ceil(in/128) × ceil(out/128) × 4 B per matrix"); break;
        case TMEM_WF_FP8_CHANNEL:
        case TMEM_WF_INT8: tmem_sb_str(&sb, "out_channels × 4 B (fp32 scale per output channel)"); break;
        case TMEM_WF_INT4:
        case TMEM_WF_GPTQ:
            tmem_sb_str(&sb, "in / ");
            fmt_num(&sb, o->group_size);
            tmem_sb_str(&sb, " × out × (2 B fp16 scale + 0.5 B 4-bit zero)");
            if (o->weights == TMEM_WF_GPTQ)
                tmem_sb_str(&sb, " + in × 4 B g_idx");
            break;
        case TMEM_WF_NF4: tmem_sb_str(&sb, "elements / 64 × 4 B fp32 absmax + 64 B code per tensor"); break;
        default:
            tmem_sb_str(&sb, "elements / 64 × 1 B absmax + / 16384 × 4 B absmax2 + 1092 B codes per tensor");
            break;
        }
        TRY(line(l, TMEM_BUCKET_WEIGHTS, "scales and zero points", b->q_scales, f, err));
    }
    if (b->keep_embed_bytes) {
        tmem_sb_init(&sb, f, sizeof f);
        tmem_sb_str(&sb, "params × 2 = ");
        fmt_num(&sb, b->keep_embed_elems);
        tmem_sb_str(&sb, " × 2 (kept in ");
        tmem_sb_str(&sb, tmem_dtype_info(o->compute)->name);
        tmem_sb_str(&sb, ")");
        TRY(line(l, TMEM_BUCKET_WEIGHTS, "embeddings and lm_head", b->keep_embed_bytes, f, err));
    }
    if (b->keep_small_bytes) {
        tmem_sb_init(&sb, f, sizeof f);
        tmem_sb_str(&sb, "params × 2 = ");
        fmt_num(&sb, b->keep_small_elems);
        tmem_sb_str(&sb, " × 2");
        TRY(line(l, TMEM_BUCKET_WEIGHTS, "norms, biases, router", b->keep_small_bytes, f, err));
    }
    for (uint32_t g = 0; g < TMEM_GGML_TYPE_COUNT; g++) {
        if (b->gguf_bytes[g] == 0)
            continue;
        const struct tmem_block_type *ti = tmem_ggml_type_info(g);
        tmem_sb_init(&sb, f, sizeof f);
        tmem_sb_str(&sb, "elements / ");
        fmt_num(&sb, ti->block_elems);
        tmem_sb_str(&sb, " × ");
        fmt_num(&sb, ti->block_bytes);
        tmem_sb_str(&sb, " B = ");
        fmt_num(&sb, b->gguf_elems[g]);
        tmem_sb_str(&sb, " / ");
        fmt_num(&sb, ti->block_elems);
        tmem_sb_str(&sb, " × ");
        fmt_num(&sb, ti->block_bytes);
        tmem_sb_init(&sb, lab, sizeof lab);
        tmem_sb_str(&sb, ti->name);
        tmem_sb_str(&sb, " tensors");
        TRY(line(l, TMEM_BUCKET_WEIGHTS, lab, b->gguf_bytes[g], f, err));
    }
    return TMEM_OK;
}

/* ------------------------------------------------------- activations */

/* Peak bytes live during one forward of T tokens (n_seq sequences) on one
 * GPU, in the compute dtype (2 B):
 *   MLP stage:  residual T·d + normed T·d + gate|up T·2·f' + act T·f'
 *               f' = d_ff/tp dense, k·d_ff_expert/tp routed (+ shared), gated
 *   attention:  residual T·d + normed T·d + q,k,v T·(a + 2·n_kv)·d_h/tp
 *               + output T·a·d_h/tp; naive: + n_seq·a/tp·s²·(2 + 4) B scores
 *               and fp32 softmax
 * The larger stage is the peak. */
static enum tmem_status activation_peak(const struct tmem_model *m, const struct tmem_infer_opts *o,
                                        uint64_t T, uint64_t n_seq, uint64_t seq_len,
                                        uint64_t *bytes, char *formula, size_t cap)
{
    uint64_t eb = tmem_dtype_info(o->compute)->bits / 8, tp = o->tp;
    uint64_t gate = m->mlp == TMEM_MLP_GATED ? 3 : 2; /* gate|up (2) + act (1), or up + act */
    uint64_t f_dense = tmem_ceil_div_u64(m->d_ff, tp);
    uint64_t f_moe = m->n_expert ? tmem_ceil_div_u64(m->n_expert_used * m->d_ff_expert + m->d_ff_shared, tp) : 0;
    uint64_t f = f_dense > f_moe ? f_dense : f_moe;
    uint64_t mlp, attn, qkv, t1, t2;
    if (!tmem_mul_u64(2 * m->d_model + gate * f, T, &t1) || !tmem_mul_u64(t1, eb, &mlp))
        return TMEM_ERR_OVERFLOW;
    uint64_t q_width = m->attn == TMEM_ATTN_MLA ? m->n_head * (m->qk_nope_dim + m->qk_rope_dim)
                                                : m->n_head * m->d_head;
    uint64_t kv_width = m->attn == TMEM_ATTN_MLA ? m->n_head * (m->qk_nope_dim + m->v_head_dim)
                                                 : 2 * m->n_kv_head * m->d_head;
    qkv = tmem_ceil_div_u64(2 * q_width + kv_width, tp);
    if (!tmem_mul_u64(2 * m->d_model + qkv, T, &t1) || !tmem_mul_u64(t1, eb, &attn))
        return TMEM_ERR_OVERFLOW;
    if (!o->flash) {
        uint64_t heads = m->n_head / tp;
        if (!tmem_mul3_u64(n_seq * heads, seq_len, seq_len, &t2) || !tmem_mul_u64(t2, 6, &t2) ||
            !tmem_add_u64(attn, t2, &attn))
            return TMEM_ERR_OVERFLOW;
    }
    *bytes = mlp > attn ? mlp : attn;
    struct tmem_sb sb;
    tmem_sb_init(&sb, formula, cap);
    if (mlp >= attn) {
        tmem_sb_str(&sb, "T × (2·d_model + ");
        tmem_sb_u64(&sb, gate);
        tmem_sb_str(&sb, "·d_ff') × bytes = ");
        tmem_sb_u64(&sb, T);
        tmem_sb_str(&sb, " × (2 × ");
        tmem_sb_u64(&sb, m->d_model);
        tmem_sb_str(&sb, " + ");
        tmem_sb_u64(&sb, gate);
        tmem_sb_str(&sb, " × ");
        tmem_sb_u64(&sb, f);
        tmem_sb_str(&sb, ") × ");
        tmem_sb_u64(&sb, eb);
    } else {
        tmem_sb_str(&sb, o->flash ? "T × (2·d_model + q,k,v,out widths/tp) × bytes = "
                                  : "T × (2·d_model + widths) × bytes + seqs·heads·s²·6 B = ");
        tmem_sb_u64(&sb, T);
        tmem_sb_str(&sb, " × (2 × ");
        tmem_sb_u64(&sb, m->d_model);
        tmem_sb_str(&sb, " + ");
        tmem_sb_u64(&sb, qkv);
        tmem_sb_str(&sb, ") × ");
        tmem_sb_u64(&sb, eb);
    }
    return TMEM_OK;
}

/* ------------------------------------------------------------ the build */

static enum tmem_status overflow(struct tmem_error *err, const char *what)
{
    return tmem_fail(err, TMEM_ERR_OVERFLOW, what, "does not fit in 64 bits");
}

/* One stage's ledger and capacity into r. */
static enum tmem_status build_stage(const struct tmem_model *m, const struct tmem_inventory *inv,
                                    const struct tmem_infer_opts *o, uint32_t s, uint64_t first,
                                    struct tmem_infer_result *r, struct weight_bins *bins,
                                    struct tmem_error *err)
{
    uint64_t n = stage_layers(m, o, s);
    bool is_first = s == 0, is_last = s + 1 == o->pp;
    memset(r, 0, sizeof *r);
    r->worst_stage = s;
    r->stage_layers = n;
    TRY(stage_weights(m, inv, o, first, n, is_first, is_last, bins, err));
    r->weight_bytes = bins->total;
    TRY(tmem_kv_layout(m, o->kv_dtype, o->tp, first, n, &r->kv, err));

    struct tmem_ledger *l = &r->ledger;
    tmem_ledger_init(l);
    TRY(weight_lines(l, bins, o, err));

    char f[TMEM_FORMULA_LEN];
    struct tmem_sb sb;
    bool vllm = o->engine == TMEM_ENGINE_VLLM;
    uint64_t tokens = o->max_model_len ? o->max_model_len : o->prompt_tokens + o->gen_tokens;
    r->tokens_per_seq = tokens;

    /* one forward: vLLM profiles max_num_batched_tokens over up to
     * max_num_seqs sequences; HF runs the batch's whole prompt */
    uint64_t T, n_seq;
    if (vllm) {
        T = o->max_num_batched_tokens;
        n_seq = o->max_num_seqs < T ? o->max_num_seqs : T;
    } else {
        if (!tmem_mul_u64(o->batch, o->prompt_tokens, &T))
            return overflow(err, "--batch × --prompt");
        n_seq = o->batch;
    }
    uint64_t act;
    uint64_t attn_len = vllm ? (T < tokens ? T : tokens) : o->prompt_tokens;
    if (activation_peak(m, o, T, vllm ? 1 : n_seq, attn_len, &act, f, sizeof f) != TMEM_OK)
        return overflow(err, "activations");
    TRY(tmem_ledger_add(l, TMEM_BUCKET_ACTIVATIONS,
                        vllm ? "peak of a profiling forward" : "peak of the prefill forward", act,
                        f, err));

    /* logits: the last token of each sequence (all prompt tokens with
     * --all-logits), compute dtype, then an fp32 copy for sampling */
    uint64_t logit_rows = o->all_logits ? T : n_seq, logits;
    if (!tmem_mul3_u64(logit_rows, m->n_vocab, 2 + 4, &logits))
        return overflow(err, "logits");
    if (is_last) {
        tmem_sb_init(&sb, f, sizeof f);
        tmem_sb_str(&sb, "rows × n_vocab × (2 + 4 B fp32) = ");
        tmem_sb_u64(&sb, logit_rows);
        tmem_sb_str(&sb, " × ");
        tmem_sb_u64(&sb, m->n_vocab);
        tmem_sb_str(&sb, " × 6");
        TRY(tmem_ledger_add(l, TMEM_BUCKET_TEMPORARY_BUFFERS,
                            o->all_logits ? "logits of every token" : "logits of last tokens",
                            logits, f, err));
    }

    /* the KV this workload needs: paged (vLLM) or exact (HF) */
    uint64_t block = vllm ? o->block_size : 1, seq_kv, exact_kv, kv;
    if (tmem_kv_seq_bytes(&r->kv, tokens, block, &seq_kv) != TMEM_OK ||
        tmem_kv_seq_bytes(&r->kv, tokens, 1, &exact_kv) != TMEM_OK ||
        !tmem_mul_u64(seq_kv, o->batch, &kv) || !tmem_add_u64(kv, r->kv.fixed_bytes, &kv))
        return overflow(err, "kv_cache");
    r->kv_request_bytes = kv;
    r->blocks_per_seq = tmem_ceil_div_u64(tokens, block);
    r->kv_waste_bytes = (seq_kv - exact_kv) * o->batch;
    tmem_sb_init(&sb, f, sizeof f);
    tmem_sb_str(&sb, "b × tokens × bytes/token = ");
    tmem_sb_u64(&sb, o->batch);
    tmem_sb_str(&sb, " × ");
    tmem_sb_u64(&sb, r->blocks_per_seq * block);
    tmem_sb_str(&sb, " × ");
    tmem_sb_u64(&sb, r->kv.bytes_per_token);
    if (r->kv.n_layer_window)
        tmem_sb_str(&sb, " (sliding layers stop at the window)");
    TRY(tmem_ledger_add(l, TMEM_BUCKET_KV_CACHE,
                        vllm ? "KV for these requests (paged)" : "KV cache (static)", kv, f, err));

    tmem_sb_init(&sb, f, sizeof f);
    tmem_sb_str(&sb, "CUDA context, cuBLAS workspace, NCCL (--cuda-context-mib)");
    TRY(line(l, TMEM_BUCKET_FRAMEWORK_OVERHEAD, "non-torch memory", o->cuda_context_bytes, f, err));
    TRY(line(l, TMEM_BUCKET_FRAMEWORK_OVERHEAD, "CUDA graphs reserve", o->cuda_graph_bytes,
             "--cuda-graphs-mib", err));

    /* capacity: vLLM hands everything left under the utilization cap to KV */
    uint64_t memory = o->n_stage_memory > 0 && o->stage_memory_bytes[s] > 0
                          ? o->stage_memory_bytes[s]
                          : o->gpu->memory_bytes;
    double usable = (double)memory * (vllm ? o->gpu_memory_utilization : 1.0);
    r->usable_bytes = (uint64_t)usable;
    uint64_t non_kv = l->total_bytes - l->bucket_bytes[TMEM_BUCKET_KV_CACHE];
    r->kv_budget_bytes = r->usable_bytes > non_kv ? r->usable_bytes - non_kv : 0;
    if (!tmem_mul_u64(o->block_size, r->kv.bytes_per_token, &r->block_bytes))
        return overflow(err, "block bytes");
    if (r->block_bytes > 0) {
        r->kv_blocks = r->kv_budget_bytes / r->block_bytes;
        r->kv_pool_bytes = r->kv_blocks * r->block_bytes;
        r->capacity_tokens = r->kv_blocks * o->block_size;
        uint64_t per_seq = tmem_ceil_div_u64(tokens, o->block_size);
        r->max_concurrent_sequences = per_seq ? r->kv_blocks / per_seq : 0;
    }
    tmem_ledger_fit(l, r->usable_bytes, &r->fit);
    return TMEM_OK;
}



enum tmem_status tmem_infer_build(const struct tmem_model *m, const struct tmem_inventory *inv,
                                  const struct tmem_infer_opts *o, struct tmem_infer_result *r,
                                  struct tmem_error *err)
{
    if (m == NULL || inv == NULL || o == NULL || r == NULL)
        return tmem_fail(err, TMEM_ERR_INVALID_ARG, "infer", "missing argument");
    TRY(validate(m, o, err));
    TRY(tmem__inventory_check(inv, err));
    static const struct tmem_infer_result zero;
    struct tmem_infer_result cur = zero;
    struct tmem_stage_summary stages[64];
    struct weight_bins bins;
    uint64_t first = 0, all_weights = 0, all_experts = 0, all_kv = 0;
    bool have = false;
    for (uint32_t s = 0; s < o->pp; s++) {
        TRY(build_stage(m, inv, o, s, first, &cur, &bins, err));
        stages[s] = (struct tmem_stage_summary){
            .first_layer = first, .layers = cur.stage_layers, .weight_bytes = cur.weight_bytes,
            .total_bytes = cur.ledger.total_bytes, .usable_bytes = cur.usable_bytes,
            .kv_budget_bytes = cur.kv_budget_bytes, .kv_blocks = cur.kv_blocks,
            .capacity_tokens = cur.capacity_tokens};
        first += cur.stage_layers;
        all_weights += cur.weight_bytes;
        all_experts += bins.expert_bytes;
        all_kv += cur.kv.bytes_per_token;
        /* the worst GPU: the least memory left (most over) */
        int64_t left = (int64_t)cur.usable_bytes - (int64_t)cur.ledger.total_bytes;
        int64_t best_left = have ? (int64_t)r->usable_bytes - (int64_t)r->ledger.total_bytes : 0;
        if (!have || left < best_left ||
            (o->engine == TMEM_ENGINE_VLLM && left == best_left && cur.kv_blocks < r->kv_blocks)) {
            *r = cur;
            have = true;
        }
    }
    r->n_stages = (uint32_t)o->pp;
    memcpy(r->stages, stages, o->pp * sizeof stages[0]);
    return tmem_infer_timing(m, inv, o, all_weights, all_experts, all_kv, &r->timing);
}

/* Largest value v in [1, hi] for which fits(v) holds, by bisection. */
static enum tmem_status solve(const struct tmem_model *m, const struct tmem_inventory *inv,
                              struct tmem_infer_opts *o, uint64_t *field, uint64_t hi,
                              uint64_t *best, struct tmem_error *err)
{
    struct tmem_infer_result r;
    uint64_t lo = 0; /* largest known to fit */
    uint64_t up = hi + 1; /* smallest known not to fit */
    while (up - lo > 1) {
        uint64_t mid = lo + (up - lo) / 2;
        *field = mid;
        enum tmem_status st = tmem_infer_build(m, inv, o, &r, err);
        if (st != TMEM_OK && st != TMEM_ERR_OVERFLOW && st != TMEM_ERR_LIMIT)
            return st;
        bool ok = st == TMEM_OK && r.fit.fits &&
                  (o->engine != TMEM_ENGINE_VLLM || r.max_concurrent_sequences >= o->batch);
        if (ok)
            lo = mid;
        else
            up = mid;
    }
    *best = lo;
    return TMEM_OK;
}

enum tmem_status tmem_infer_max_batch(const struct tmem_model *m, const struct tmem_inventory *inv,
                                      const struct tmem_infer_opts *o, uint64_t *batch,
                                      struct tmem_error *err)
{
    struct tmem_infer_opts c = *o;
    return solve(m, inv, &c, &c.batch, TMEM_MAX_BATCH, batch, err);
}

enum tmem_status tmem_infer_max_context(const struct tmem_model *m,
                                        const struct tmem_inventory *inv,
                                        const struct tmem_infer_opts *o, uint64_t *tokens,
                                        struct tmem_error *err)
{
    struct tmem_infer_opts c = *o;
    c.max_model_len = 0;
    c.batch = 1;
    uint64_t prompt = 0;
    TRY(solve(m, inv, &c, &c.prompt_tokens, TMEM_MAX_TOKENS - o->gen_tokens, &prompt, err));
    *tokens = prompt ? prompt + o->gen_tokens : 0;
    return TMEM_OK;
}
