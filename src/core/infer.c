/* infer.c — the per-GPU inference ledger: weights in the serving format,
 * the peak activation of one forward, the logits, the KV cache this
 * workload needs, the non-torch overhead, and vLLM's paged KV capacity
 * (utilization × memory − weights − peak activation − non-torch = KV pool),
 * as the vLLM V1 engine (TMEM_VLLM_MODELED) profiles and allocates it.
 * Pipeline stages follow vLLM's layer partition; the ledger is the worst
 * stage's GPU. An encoder (embedding / classification serving) is one HF
 * forward of batch × prompt tokens: weights, that forward's peak, the
 * head's output and the non-torch memory, no KV. Timing is in timing.c.
 * REF: vLLM gpu_worker.py determine_available_memory, kv_cache_utils.py;
 *      vLLM distributed/utils.py get_pp_indices. */
#include "checked.h"
#include "dtype_size.h"
#include "error.h"
#include "kv.h"
#include "model_internal.h"
#include "peak.h"
#include "quant.h"
#include "sb.h"
#include "serve_internal.h"
#include "tensor_kind.h"
#include "term.h"
#include "timing.h"
#include "tmem/infer.h"

#include <string.h>

static const char *const engine_names[] = {
    [TMEM_ENGINE_VLLM] = "vllm", [TMEM_ENGINE_HF] = "hf", [TMEM_ENGINE_LLAMACPP] = "llamacpp",
    [TMEM_ENGINE_SGLANG] = "sglang", [TMEM_ENGINE_TRTLLM] = "trtllm"};
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
    o->mamba_cache_dtype = o->mamba_ssm_cache_dtype = TMEM_STATE_DTYPE_AUTO;
    o->tp = o->pp = 1;
    o->engine = TMEM_ENGINE_VLLM;
    o->gpu_memory_utilization = 0.9;
    o->block_size = 16;
    o->max_num_batched_tokens = 8192;
    o->max_num_seqs = 256;
    o->cuda_context_bytes = TMEM_INFER_AUTO;
    o->flash = true;
    o->mfu = 0.5;
    o->mbu = 0.8;
    o->allreduce_latency_s = TMEM_ALLREDUCE_LATENCY_S;
}

bool tmem_engine_paged(enum tmem_engine e)
{
    return e == TMEM_ENGINE_VLLM || e == TMEM_ENGINE_SGLANG || e == TMEM_ENGINE_TRTLLM;
}

void tmem_infer_engine_defaults(struct tmem_infer_opts *o)
{
    switch (o->engine) {
    case TMEM_ENGINE_SGLANG:
        o->gpu_memory_utilization = o->tp >= 8 ? 0.81 : o->tp >= 4 ? 0.85 : o->tp >= 2 ? 0.87 : 0.88;
        o->block_size = 1;                /* page_size: token-level radix cache */
        o->max_num_batched_tokens = 8192; /* chunked_prefill_size */
        o->max_num_seqs = 2048;           /* max_running_requests: its rule's floor */
        break;
    case TMEM_ENGINE_TRTLLM:
        o->gpu_memory_utilization = 0.9; /* kv_cache_free_gpu_memory_fraction */
        o->block_size = 32;              /* tokens_per_block */
        o->max_num_batched_tokens = 8192; /* max_num_tokens */
        o->max_num_seqs = 2048;           /* max_batch_size */
        break;
    case TMEM_ENGINE_LLAMACPP:
        o->mbu = TMEM_LLAMACPP_MBU;
        o->max_num_seqs = 1;              /* llama-server --parallel 1: one slot */
        o->max_num_batched_tokens = 2048; /* its --batch-size: prompt tokens a step */
        break;
    case TMEM_ENGINE_VLLM:
    case TMEM_ENGINE_HF:
    case TMEM_ENGINE_COUNT: break;
    }
}

#define TMEM_MAX_BATCH (UINT64_C(1) << 24)
#define TMEM_MAX_TOKENS (UINT64_C(1) << 32)

static enum tmem_status validate(const struct tmem_model *m, const struct tmem_infer_opts *o,
                                 struct tmem_error *err)
{
    if (m->n_cross_layer > 0 && (o->engine != TMEM_ENGINE_HF || o->pp != 1))
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, o->engine != TMEM_ENGINE_HF ? "--engine" : "--pp",
                          "cross-attention layers (Llama 3.2 Vision): modeled for HF generate() only (--engine hf "
                          "--pp 1); vLLM V1 does not run Mllama (vllm-project/vllm#24907 removed its V0 "
                          "runner); sglang, trtllm, llama.cpp not modeled");
    if (m->encoder) { /* one forward of the batch, no KV cache, no decode */
        /* HF: one forward of the whole batch. vLLM: its pooling runner (tmem
         * serve), as serve_pool.c's header says: no KV cache (the
         * encoder-only attention layer asks for none), so no profile run
         * sizes a pool; the ledger is the largest step's forward,
         * max_num_batched_tokens tokens */
        if (o->engine != TMEM_ENGINE_HF && o->engine != TMEM_ENGINE_VLLM)
            return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "--engine",
                              "an encoder is modeled as one forward of the whole batch (HF AutoModel, "
                              "sentence-transformers: --engine hf) or under vLLM's pooling runner "
                              "(tmem serve); sglang, trtllm, llama.cpp: not modeled");
        if (o->engine == TMEM_ENGINE_VLLM)
            TRY(tmem__pool_validate(m, o, err));
        if (o->pp != 1)
            return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "--pp",
                              "an encoder's pipeline stages are not modeled: --pp 1");
        if ((o->max_model_len != 0 && o->engine == TMEM_ENGINE_HF) || o->all_logits || o->images != 0)
            return tmem__fail(err, TMEM_ERR_UNSUPPORTED,
                              o->max_model_len ? "--max-model-len" : o->all_logits ? "--all-logits" : "--images",
                              "not for an encoder: --prompt is the sequence length; the head "
                              "(--head none, pooler, mlm, cls:N) decides the output");
        /* learned (or bucketed) positions end at max_position_embeddings */
        if (!o->allow_long_context && m->n_ctx > 0 && o->prompt_tokens > m->n_ctx)
            return tmem__fail_value_n(err, TMEM_ERR_LIMIT, "--prompt", o->prompt_tokens,
                                     "at most the model's context, ", m->n_ctx,
                                     " tokens (max_position_embeddings)");
    }
    /* transformers shards a model by its tp_plan (perf_infer_gpu_multi.md
     * lists the models that have one): T5, mT5, BART and mBART have none */
    if (m->encdec && o->tp != 1)
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "--tp",
                          "an encoder-decoder under HF generate() runs on one GPU: transformers' "
                          "tensor parallelism (tp_plan) covers no encoder-decoder, and the paged "
                          "engines are not modelled for them: --tp 1");
    /* REF vllm/model_executor/models/registry.py (v0.12): the only
     * encoder-decoder left is WhisperForConditionalGeneration;
     * _PREVIOUSLY_SUPPORTED_MODELS lists BartModel, BartForConditionalGeneration
     * and MBartForConditionalGeneration as last served by 0.10.2 ("encoder-
     * decoder models except whisper have been removed for V0 deprecation");
     * no T5, mT5, umT5 or Pegasus class was ever registered */
    if (m->encdec && o->engine == TMEM_ENGINE_VLLM)
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "model",
                          "vLLM V1 serves no encoder-decoder but Whisper: BART and mBART were last "
                          "served by vLLM 0.10.2 (removed with V0), T5, mT5, umT5 and Pegasus never; "
                          "--engine hf models HF generate()");
    if (m->encdec && (o->engine != TMEM_ENGINE_HF || o->pp != 1 || o->images > 0))
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED,
                          o->engine != TMEM_ENGINE_HF ? "--engine" : o->pp != 1 ? "--pp" : "--images",
                          "an encoder-decoder (t5, mt5, umt5, bart, mbart, pegasus) is modeled under HF "
                          "generate() only (--engine hf, one pipeline stage): sglang, trtllm and "
                          "llama.cpp are not modeled for it");
    TRY(tmem__check_range(err, "--batch", o->batch, 1, TMEM_MAX_BATCH));
    TRY(tmem__check_range(err, "--prompt", o->prompt_tokens, 1, TMEM_MAX_TOKENS));
    TRY(tmem__check_range(err, "--gen", o->gen_tokens, 0, TMEM_MAX_TOKENS));
    TRY(tmem__check_range(err, "--tp", o->tp, 1, 1024));
    TRY(tmem__check_range(err, "--pp", o->pp, 1, m->n_layer < 64 ? m->n_layer : 64));
    TRY(tmem__check_range(err, "--block-size", o->block_size, 1, 1u << 16));
    TRY(tmem__check_range(err, "--max-num-batched-tokens", o->max_num_batched_tokens, 1, TMEM_MAX_TOKENS));
    TRY(tmem__check_range(err, "--max-num-seqs", o->max_num_seqs, 1, TMEM_MAX_BATCH));
    TRY(tmem__check_range(err, "--max-model-len", o->max_model_len, 0, TMEM_MAX_TOKENS));
    if ((unsigned)o->weights >= TMEM_WF_COUNT)
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "--weights", "unknown weight format");
    if (o->weights == TMEM_WF_GGUF && tmem_ggml_type_info(o->ggml_type) == NULL)
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "--weights", "unknown ggml type");
    if (o->stored != NULL) {
        const struct tmem_weights_stored *ws = o->stored;
        if (ws->store_of == NULL || ws->n_layer != m->n_layer || ws->n_stores == 0 ||
            ws->n_stores > TMEM_MAX_WSTORES)
            return tmem__fail(err, TMEM_ERR_INVALID_ARG, "weights as stored",
                             "the table does not cover the model's layers");
        for (uint32_t i = 0; i < ws->n_stores; i++)
            if ((unsigned)ws->stores[i].format >= TMEM_WF_COUNT || tmem__wf_is_gguf(ws->stores[i].format) !=
                    (ws->stores[i].format == TMEM_WF_GGUF) ||
                (ws->stores[i].format == TMEM_WF_GGUF &&
                 tmem_ggml_type_info(ws->stores[i].ggml_type) == NULL) ||
                ws->stores[i].bits > 8)
                return tmem__fail(err, TMEM_ERR_INVALID_ARG, "weights as stored", "an unknown format");
        uint64_t cells = (uint64_t)TMEM_TENSOR_KIND_COUNT * ws->n_layer;
        for (uint64_t i = 0; i < cells; i++)
            if (ws->store_of[i] >= ws->n_stores)
                return tmem__fail(err, TMEM_ERR_INVALID_ARG, "weights as stored",
                                 "a tensor names a store the table lacks");
    }
    if ((unsigned)o->kv_dtype >= TMEM_KV_COUNT)
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "--kv-dtype", "unknown KV cache dtype");
    if ((unsigned)o->engine >= TMEM_ENGINE_COUNT)
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "--engine", "unknown engine");
    static const char *const state_flags[2] = {"--mamba-cache-dtype", "--mamba-ssm-cache-dtype"};
    const enum tmem_dtype state_given[2] = {o->mamba_cache_dtype, o->mamba_ssm_cache_dtype};
    for (int i = 0; i < 2; i++) {
        if (state_given[i] == TMEM_STATE_DTYPE_AUTO)
            continue;
        if (state_given[i] != TMEM_DTYPE_F32 && state_given[i] != TMEM_DTYPE_BF16 &&
            state_given[i] != TMEM_DTYPE_F16)
            return tmem__fail(err, TMEM_ERR_UNSUPPORTED, state_flags[i],
                             "the state is auto, float32, bfloat16 or float16 (vLLM MambaDType)");
        if (o->engine != TMEM_ENGINE_VLLM)
            return tmem__fail(err, TMEM_ERR_UNSUPPORTED, state_flags[i],
                             "is vLLM's; the other engines keep the state in the model dtype");
    }
    if (!(o->gpu_memory_utilization > 0.0 && o->gpu_memory_utilization <= 1.0))
        return tmem__fail(err, TMEM_ERR_LIMIT, "--gpu-memory-utilization",
                         "must be in (0, 1]");
    if (!(o->mfu > 0.0 && o->mfu <= 1.0))
        return tmem__fail(err, TMEM_ERR_LIMIT, "--mfu", "must be in (0, 1]");
    if (!(o->mbu > 0.0 && o->mbu <= 1.0))
        return tmem__fail(err, TMEM_ERR_LIMIT, "--mbu", "must be in (0, 1]");
    if (m->n_head % o->tp != 0)
        return tmem__fail_value_n(err, TMEM_ERR_INCONSISTENT, "--tp", o->tp, "a divisor of n_head (",
                                 m->n_head, ")");
    if (o->n_pp_layers > 0) {
        if (o->n_pp_layers != o->pp)
            return tmem__fail(err, TMEM_ERR_INCONSISTENT, "--pp-layers",
                             "needs one layer count per pipeline stage (--pp)");
        uint64_t sum = 0;
        for (uint32_t i = 0; i < o->n_pp_layers; i++) {
            TRY(tmem__check_range(err, "--pp-layers", o->pp_layers[i], 1, m->n_layer));
            sum += o->pp_layers[i];
        }
        if (sum != m->n_layer)
            return tmem__fail_value(err, TMEM_ERR_INCONSISTENT, "--pp-layers", sum,
                                   "the model's n_layer in total");
    }
    if (o->gpu == NULL)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "--gpu", "no GPU given");
    if (!(o->allreduce_latency_s >= 0.0 && o->allreduce_latency_s <= 1.0))
        return tmem__fail(err, TMEM_ERR_LIMIT, "--allreduce-us", "must be in [0, 1e6] µs");
    /* vLLM refuses a max_model_len past the model's max_position_embeddings
     * (unless VLLM_ALLOW_LONG_MAX_MODEL_LEN): an impossible plan, not one
     * that does not fit. The HF engine runs past it (rope extrapolates). */
    uint64_t len = o->max_model_len ? o->max_model_len : o->prompt_tokens + o->gen_tokens;
    if (o->engine == TMEM_ENGINE_VLLM && !o->allow_long_context && m->n_ctx > 0 && len > m->n_ctx)
        return tmem__fail_value_n(err, TMEM_ERR_LIMIT,
                                 o->max_model_len ? "--max-model-len" : "--prompt + --gen", len,
                                 "at most the model's context, ", m->n_ctx,
                                 " tokens (max_position_embeddings)");
    if (o->n_stage_memory > 0 && o->n_stage_memory != o->pp)
        return tmem__fail(err, TMEM_ERR_INCONSISTENT, "--stage-memory-mib",
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
    uint64_t vision_bytes;                        /* tower + projector (the vision step reads them) */
    uint64_t encoder_bytes;                       /* an encoder–decoder's encoder stack (its step reads them) */
    /* weights as stored (opts.stored): per store */
    uint64_t st_elems[TMEM_MAX_WSTORES], st_payload[TMEM_MAX_WSTORES], st_scales[TMEM_MAX_WSTORES];
    bool st_quantized[TMEM_MAX_WSTORES];
};

static bool add_to(uint64_t *acc, uint64_t v)
{
    return tmem_add_u64(*acc, v, acc);
}

/* instances of t stored as s into b; store: its index in opts.stored, or
 * -1 for a --weights format */
static enum tmem_status bin_instances(struct weight_bins *b, const struct tmem_model *m,
                                      const struct tmem_tensor *t,
                                      const struct tmem_infer_opts *o, const struct tmem_wstore *s,
                                      int store, uint64_t instances, struct tmem_error *err)
{
    if (instances == 0)
        return TMEM_OK;
    uint64_t rows, cols; /* one rank's share: the kind's tensor-parallel split */
    tmem__tp_local_shape(t, o->tp, m->n_kv_head, &rows, &cols);
    struct tmem_instance_bytes ib;
    TRY(tmem__wf_instance_bytes(t, s, store >= 0, o->group_size, o->compute, rows, cols, &ib, err));
    uint64_t elems, payload, scales, bytes;
    if (!tmem_mul3_u64(rows, cols, instances, &elems) ||
        !tmem_mul_u64(ib.payload, instances, &payload) ||
        !tmem_mul_u64(ib.scales, instances, &scales) || !tmem_add_u64(payload, scales, &bytes) ||
        !add_to(&b->total, bytes))
        return tmem__fail(err, TMEM_ERR_OVERFLOW, t->name, "weight bytes do not fit in 64 bits");
    const enum tmem_group g = tmem__kind(t)->group;
    if (g == TMEM_GROUP_EXPERTS)
        b->expert_bytes += bytes;
    if (g == TMEM_GROUP_VISION)
        b->vision_bytes += bytes;
    if (store >= 0) { /* sums below the checked total */
        b->st_elems[store] += elems;
        b->st_payload[store] += payload;
        b->st_scales[store] += scales;
        b->st_quantized[store] = ib.quantized;
    } else if (ib.ggml_type != TMEM_GGML_TYPE_COUNT) {
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

/* --weights: format o->weights, a llama.cpp mix's type for GGUF */
static enum tmem_status bin_flag(struct weight_bins *b, const struct tmem_model *m,
                                 const struct tmem_tensor *t, const struct tmem_infer_opts *o,
                                 uint64_t layer, uint64_t instances, struct tmem_error *err)
{
    struct tmem_wstore s = {.format = o->weights, .ggml_type = TMEM_GGML_TYPE_COUNT};
    if (tmem__wf_is_gguf(o->weights))
        s.ggml_type = tmem__gguf_type_for(t, o->weights, o->ggml_type, layer, m->n_layer, m->tied);
    return bin_instances(b, m, t, o, &s, -1, instances, err);
}

/* vLLM's dtype "auto" serves a float32 checkpoint in 16 bits (bf16 since
 * v0.10.1, fp16 before: 2 B either way); HF keeps what it loads.
 * REF: vLLM config _get_and_verify_dtype. */
static bool vllm_halves(const struct tmem_infer_opts *o, const struct tmem_wstore *s)
{
    return o->engine == TMEM_ENGINE_VLLM && s->format == TMEM_WF_FP32;
}

/* weights as stored: the store the checkpoint gives kind k in layer l */
static enum tmem_status bin_stored(struct weight_bins *b, const struct tmem_model *m,
                                   const struct tmem_tensor *t, const struct tmem_infer_opts *o,
                                   uint64_t layer, uint64_t instances, struct tmem_error *err)
{
    const struct tmem_weights_stored *ws = o->stored;
    uint8_t k = ws->store_of[(uint64_t)t->kind * ws->n_layer + layer];
    if (vllm_halves(o, &ws->stores[k])) {
        const struct tmem_wstore half = {.format = TMEM_WF_BF16};
        return bin_instances(b, m, t, o, &half, k, instances, err);
    }
    return bin_instances(b, m, t, o, &ws->stores[k], k, instances, err);
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
        [TMEM_SCOPE_MOE_LAYER] = moe,  [TMEM_SCOPE_ENC_LAYER] = is_first ? m->n_enc_layer : 0,
        [TMEM_SCOPE_ATTN_LAYER] = tmem_model_attn_layers_in(m, first, first + n),
        [TMEM_SCOPE_SSM_LAYER] = tmem_model_ssm_layers_in(m, first, first + n)};
    const bool stored = o->stored != NULL;
    for (uint32_t i = 0; i < inv->n_tensors; i++) {
        const struct tmem_tensor *t = &inv->tensors[i];
        const struct tmem_tensor_kind_info *ki = tmem__kind(t);
        /* (the encoder's layers go whole to the first stage) */
        bool in_layers = ki->scope == TMEM_SCOPE_LAYER || ki->scope == TMEM_SCOPE_DENSE_LAYER ||
                         ki->scope == TMEM_SCOPE_MOE_LAYER || ki->scope == TMEM_SCOPE_ATTN_LAYER ||
                         ki->scope == TMEM_SCOPE_SSM_LAYER;
        /* a checkpoint's types, and llama.cpp's mixes, go layer by layer */
        bool per_layer_rule = in_layers &&
                              (stored || (tmem__wf_is_gguf(o->weights) &&
                                          (ki->role == TMEM_ROLE_ATTN_V ||
                                           ki->role == TMEM_ROLE_FFN_DOWN)));
        if (!per_layer_rule) {
            uint64_t k = t->per_layer * layers_of[ki->scope], before = b->total;
            TRY(stored ? bin_stored(b, m, t, o, 0, k, err) : bin_flag(b, m, t, o, 0, k, err));
            if (ki->encoder_stack) /* a sum of parts of the checked total */
                b->encoder_bytes += b->total - before;
            continue;
        }
        for (uint64_t l = first; l < first + n; l++) {
            bool is_moe = tmem_model_moe_layers_in(m, l, l + 1) == 1;
            bool is_attn = tmem_model_attn_layers_in(m, l, l + 1) == 1;
            if ((ki->scope == TMEM_SCOPE_DENSE_LAYER && is_moe) ||
                (ki->scope == TMEM_SCOPE_MOE_LAYER && !is_moe) ||
                (ki->scope == TMEM_SCOPE_ATTN_LAYER && !is_attn) ||
                (ki->scope == TMEM_SCOPE_SSM_LAYER && is_attn))
                continue;
            TRY(stored ? bin_stored(b, m, t, o, l, t->per_layer, err)
                       : bin_flag(b, m, t, o, l, t->per_layer, err));
        }
    }
    /* a tied lm_head on a later pipeline stage needs its own copy of the
     * embedding (vLLM loads it on the last stage) */
    if (m->tied && is_last && !is_first)
        for (uint32_t i = 0; i < inv->n_tensors; i++)
            if (inv->tensors[i].kind == TMEM_TENSOR_KIND_TOKEN_EMBD) {
                const struct tmem_tensor *t = &inv->tensors[i];
                TRY(stored ? bin_stored(b, m, t, o, 0, 1, err) : bin_flag(b, m, t, o, 0, 1, err));
            }
    return TMEM_OK;
}

/* ------------------------------------------------------------ formulas */

static enum tmem_status line(struct tmem_ledger *l, enum tmem_bucket bk, const char *label,
                             uint64_t bytes, const char *formula, struct tmem_error *err)
{
    return bytes ? tmem_ledger_add(l, bk, label, bytes, formula, err) : TMEM_OK;
}

/* a ledger line whose bytes and formula are term t's */
static enum tmem_status term_line(struct tmem_ledger *l, enum tmem_bucket bk, const char *label,
                                  const struct tmem__term *t, const char *what, struct tmem_error *err)
{
    char f[TMEM_FORMULA_LEN];
    if (tmem__term_overflow(t))
        return tmem__fail(err, TMEM_ERR_OVERFLOW, what, "does not fit in 64 bits");
    tmem__term_render(t, f, sizeof f);
    return line(l, bk, label, tmem__term_value(t), f, err);
}

/* a label "<what> (<name>)" */
static void label_of(char *lab, size_t cap, const char *what, const char *name)
{
    struct tmem_sb sb;
    tmem__sb_init(&sb, lab, cap);
    tmem__sb_str(&sb, what);
    tmem__sb_str(&sb, " (");
    tmem__sb_str(&sb, name);
    tmem__sb_str(&sb, ")");
}

/* the bins' sum of per-instance bytes, when it exceeds the term's one
 * rounding (tensors of an odd number of 4-bit elements): "+ rounding" */
static void rounding(struct tmem__term *t, uint64_t exact)
{
    uint64_t v = tmem__term_value(t);
    if (exact > v)
        tmem__term_plus(t, "per-tensor rounding up", exact - v);
}

/* Weights as stored: one line per store (its elements at its bits, or its
 * ggml blocks), one for each quantized store's scales and zero points. */
static enum tmem_status stored_lines(struct tmem_ledger *l, const struct weight_bins *b,
                                     const struct tmem_infer_opts *o, struct tmem_error *err)
{
    const struct tmem_weights_stored *ws = o->stored;
    char lab[TMEM_LABEL_LEN], unit[TMEM_WSTORE_NAME_LEN + 24];
    struct tmem_sb sb;
    struct tmem__term t;
    for (uint32_t i = 0; i < ws->n_stores; i++) {
        const struct tmem_wstore *s = &ws->stores[i];
        tmem__sb_init(&sb, lab, sizeof lab);
        tmem__sb_str(&sb, ws->store_names[i]);
        tmem__sb_str(&sb, b->st_quantized[i] && s->format != TMEM_WF_GGUF ? " matrices" : " tensors");
        const bool halved = vllm_halves(o, s);
        if (halved)
            tmem__sb_str(&sb, " as 16-bit (vLLM)");
        tmem__term_init(&t, true);
        tmem__term_mul(&t, "elements", b->st_elems[i]);
        const struct tmem_block_type *ti =
            s->format == TMEM_WF_GGUF ? tmem_ggml_type_info(s->ggml_type) : NULL;
        if (ti != NULL) {
            tmem__sb_init(&sb, unit, sizeof unit);
            tmem__sb_u64(&sb, ti->block_bytes);
            tmem__sb_str(&sb, " B");
            tmem__term_div_ceil(&t, NULL, ti->block_elems);
            tmem__term_mul(&t, unit, ti->block_bytes);
        } else {
            bool grouped = (s->format == TMEM_WF_INT4 || s->format == TMEM_WF_GPTQ) && s->bits;
            tmem__term_mul(&t, "bits", grouped ? s->bits
                                       : tmem_dtype_info(tmem__wf_payload_dtype(
                                             halved ? TMEM_WF_BF16 : s->format))->bits);
            tmem__term_div_ceil(&t, NULL, 8);
        }
        rounding(&t, b->st_payload[i]);
        TRY(term_line(l, TMEM_BUCKET_WEIGHTS, lab, &t, lab, err));
        /* each matrix's scales by its format's rule (wformat.c), summed */
        char rule[TMEM_FORMULA_LEN];
        tmem__wstore_scales_rule(s, 0, rule, sizeof rule);
        tmem__term_init(&t, true);
        tmem__term_mul(&t, rule, b->st_scales[i]);
        TRY(term_line(l, TMEM_BUCKET_WEIGHTS, "scales and zero points", &t, "scales", err));
    }
    return TMEM_OK;
}

static enum tmem_status weight_lines(struct tmem_ledger *l, const struct weight_bins *b,
                                     const struct tmem_infer_opts *o, struct tmem_error *err)
{
    if (o->stored != NULL)
        return stored_lines(l, b, o, err);
    char lab[TMEM_LABEL_LEN];
    struct tmem__term t;
    const char *wf = tmem_wformat_info(o->weights)->name;
    enum tmem_dtype payload = tmem__wf_payload_dtype(o->weights);
    if (b->plain_bytes) {
        tmem__term_init(&t, true);
        tmem__term_mul(&t, "params", b->plain_elems);
        tmem__term_mul(&t, "bytes", tmem__dtype_size(payload));
        label_of(lab, sizeof lab, "all parameters", wf);
        TRY(term_line(l, TMEM_BUCKET_WEIGHTS, lab, &t, lab, err));
    }
    if (b->q_bytes) {
        tmem__term_init(&t, true);
        tmem__term_mul(&t, "quantized elements", b->q_elems);
        tmem__term_mul(&t, "bits", tmem_dtype_info(payload)->bits);
        tmem__term_div_ceil(&t, NULL, 8);
        rounding(&t, b->q_bytes);
        label_of(lab, sizeof lab, "matrices", wf);
        TRY(term_line(l, TMEM_BUCKET_WEIGHTS, lab, &t, lab, err));
        /* each matrix's scales by its format's rule (wformat.c), summed */
        char rule[TMEM_FORMULA_LEN];
        tmem__term_init(&t, true);
        tmem__term_mul(&t, tmem__wf_scales_rule(o->weights, o->group_size, rule, sizeof rule), b->q_scales);
        TRY(term_line(l, TMEM_BUCKET_WEIGHTS, "scales and zero points", &t, "scales", err));
    }
    if (b->keep_embed_bytes) {
        tmem__term_init(&t, true);
        tmem__term_mul(&t, "params", b->keep_embed_elems);
        tmem__term_mul(&t, NULL, tmem__dtype_size(o->compute));
        struct tmem_sb sb;
        tmem__sb_init(&sb, lab, sizeof lab);
        tmem__sb_str(&sb, " (kept in ");
        tmem__sb_str(&sb, tmem_dtype_info(o->compute)->name);
        tmem__sb_str(&sb, ")");
        tmem__term_note(&t, NULL, lab);
        rounding(&t, b->keep_embed_bytes);
        TRY(term_line(l, TMEM_BUCKET_WEIGHTS, "embeddings and lm_head", &t, "weights", err));
    }
    if (b->keep_small_bytes) {
        tmem__term_init(&t, true);
        tmem__term_mul(&t, "params", b->keep_small_elems);
        tmem__term_mul(&t, NULL, tmem__dtype_size(o->compute));
        rounding(&t, b->keep_small_bytes);
        TRY(term_line(l, TMEM_BUCKET_WEIGHTS, "norms, biases, router", &t, "weights", err));
    }
    for (uint32_t g = 0; g < TMEM_GGML_TYPE_COUNT; g++) {
        if (b->gguf_bytes[g] == 0)
            continue;
        const struct tmem_block_type *ti = tmem_ggml_type_info(g);
        char unit[24];
        struct tmem_sb sb;
        tmem__sb_init(&sb, unit, sizeof unit);
        tmem__sb_u64(&sb, ti->block_bytes);
        tmem__sb_str(&sb, " B");
        tmem__term_init(&t, true);
        tmem__term_mul(&t, "elements", b->gguf_elems[g]);
        tmem__term_div_ceil(&t, NULL, ti->block_elems); /* whole blocks: exact */
        tmem__term_mul(&t, unit, ti->block_bytes);
        tmem__sb_init(&sb, lab, sizeof lab);
        tmem__sb_str(&sb, ti->name);
        tmem__sb_str(&sb, " tensors");
        TRY(term_line(l, TMEM_BUCKET_WEIGHTS, lab, &t, lab, err));
    }
    return TMEM_OK;
}

/* ------------------------------------------------------- activations */

/* Peak bytes live during one forward of T tokens (n_seq sequences) on one
 * GPU, in the compute dtype:
 *   MLP stage:  residual T·d + normed T·d + gate|up T·2·f' + act T·f'
 *               (vLLM: + down_proj's output T·d, made while gate|up is held:
 *               LlamaMLP.forward keeps gate_up referenced)
 *               f' = d_ff/tp dense, k·d_ff_expert/tp routed (+ shared), gated
 *   fused MoE:  vLLM's MoE layers (fused_moe.py fused_experts_impl) in chunks
 *               of M = min(T, 16384): residual, normed input and output
 *               T·3·d, plus intermediate_cache13 M·k·max(2·N, d) (w13's output
 *               and w2's share it) and intermediate_cache2 M·k·N, N =
 *               d_ff_expert/tp; the MLP stage then covers only the dense
 *               layers and the shared experts (run apart from the routed)
 *   attention:  residual T·d + normed T·d + q,k,v T·(a + 2·n_kv)·d_h/tp
 *               + output T·a·d_h/tp; naive: + n_seq·a/tp·s²·(2 + 4) B scores
 *               and fp32 softmax
 * The largest stage is the peak. One stage into t. */
enum act_stage { ACT_STAGE_MLP = 0, ACT_STAGE_ATTENTION, ACT_STAGE_FUSED_MOE, ACT_STAGE_COUNT };

static void activation_stage(const struct tmem_model *m, const struct tmem_infer_opts *o, uint64_t T,
                             uint64_t n_seq, uint64_t seq_len, enum act_stage stage,
                             struct tmem__term *t)
{
    uint64_t eb = tmem__dtype_size(o->compute), tp = o->tp;
    bool vllm = o->engine == TMEM_ENGINE_VLLM;
    struct tmem__term w;
    tmem__term_init(&w, t->text);
    switch (stage) {
    case ACT_STAGE_FUSED_MOE: {
        uint64_t N = tmem_ceil_div_u64(m->d_ff_expert, tp);
        uint64_t M = T < TMEM_VLLM_FUSED_MOE_CHUNK ? T : TMEM_VLLM_FUSED_MOE_CHUNK;
        tmem__term_mul(&w, "max(2·N, d_model)", 2 * N > m->d_model ? 2 * N : m->d_model);
        tmem__term_plus(&w, "N", N);
        tmem__term_mul(t, "T", T);
        tmem__term_mul(t, "3·d_model", 3 * m->d_model);
        tmem__term_mul(t, "bytes", eb);
        tmem__term_plus(t, "M", M);
        tmem__term_mul(t, "k", m->n_expert_used);
        tmem__term_mul_term(t, &w);
        tmem__term_mul(t, "bytes", eb);
        return;
    }
    case ACT_STAGE_MLP: {
        uint64_t gate = m->mlp == TMEM_MLP_GATED ? 3 : 2; /* gate|up (2) + act (1), or up + act */
        uint64_t f;
        if (m->n_expert && vllm) { /* the dense layers and the shared experts */
            uint64_t dense_ff = tmem_model_moe_layers_in(m, 0, m->n_layer) < m->n_layer ? m->d_ff : 0;
            f = tmem_ceil_div_u64(dense_ff > m->d_ff_shared ? dense_ff : m->d_ff_shared, tp);
        } else {
            uint64_t f_dense = tmem_ceil_div_u64(m->d_ff, tp);
            uint64_t f_moe = m->n_expert ? tmem_ceil_div_u64(m->n_expert_used * m->d_ff_expert + m->d_ff_shared, tp) : 0;
            f = f_dense > f_moe ? f_dense : f_moe;
        }
        tmem__term_mul(&w, NULL, vllm ? 3 : 2);
        tmem__term_mul(&w, "d_model", m->d_model);
        tmem__term_plus(&w, NULL, gate);
        tmem__term_mul(&w, "d_ff'", f);
        break;
    }
    case ACT_STAGE_ATTENTION:
        if (m->ssm != TMEM_SSM_NONE) {
            /* the mixer instead of attention. ASSUMPTION (no measurement
             * yet): the layer's input and output hidden states, in_proj's
             * output, the conv output and the scan output are live together */
            uint64_t in_cols, conv;
            tmem__ssm_widths(m, &in_cols, &conv);
            tmem__term_mul(&w, NULL, 2);
            tmem__term_mul(&w, "d_model", m->d_model);
            tmem__term_plus(&w, "(in_proj + conv + scan widths)/tp",
                            tmem_ceil_div_u64(in_cols + conv + m->ssm_d_inner, tp));
            break;
        }
        {
        uint64_t q_width = m->attn == TMEM_ATTN_MLA ? m->n_head * (m->qk_nope_dim + m->qk_rope_dim)
                                                    : m->n_head * m->d_head * (m->attn_out_gate ? 2 : 1);
        uint64_t kv_width = m->attn == TMEM_ATTN_MLA ? m->n_head * (m->qk_nope_dim + m->v_head_dim)
                                                     : 2 * m->n_kv_head * m->d_head;
        tmem__term_mul(&w, NULL, 2);
        tmem__term_mul(&w, "d_model", m->d_model);
        tmem__term_plus(&w, "q,k,v,out widths/tp", tmem_ceil_div_u64(2 * q_width + kv_width, tp));
        break;
        }
    case ACT_STAGE_COUNT:
        return;
    }
    tmem__term_mul(t, "T", T);
    tmem__term_mul_term(t, &w);
    tmem__term_mul(t, "bytes", eb);
    /* HF's DebertaV2 attention has no SDPA or flash path: its scores are
     * materialized whatever --attention says */
    bool eager = !o->flash || m->rel_attn;
    if (stage == ACT_STAGE_ATTENTION && eager && m->ssm == TMEM_SSM_NONE) { /* 16-bit scores and their fp32 softmax */
        tmem__term_plus(t, "seqs", n_seq);
        tmem__term_mul(t, "heads/tp", m->n_head / tp);
        tmem__term_mul(t, "s", seq_len);
        tmem__term_mul(t, "s", seq_len);
        tmem__term_mul(t, "6 B", tmem__dtype_size(TMEM_DTYPE_BF16) + tmem__dtype_size(TMEM_DTYPE_F32));
    }
    if (stage == ACT_STAGE_ATTENTION && m->rel_attn) {
        /* DeBERTa's disentangled terms (REF: modeling_deberta_v2.py
         * DisentangledSelfAttention.disentangled_attention_bias, 2k =
         * 2·att_span relative rows): pos_key_proj and pos_query_proj of the
         * rel_embeddings repeated per sequence, [b·h, 2k, d_h] each; c2p =
         * query·pos_keyᵀ and p2c = key·pos_queryᵀ, [b·h, s, 2k] each, and
         * their gathers to [b·h, s, s]. ASSUMPTION (not measured): all live
         * together at the attention's peak. */
        tmem__term_plus(t, "seqs", n_seq);
        tmem__term_mul(t, "heads/tp", m->n_head / tp);
        tmem__term_mul(t, "2·(2k·d_h + s·(2k + s))",
                       2 * (m->n_rel_pos * m->d_head + seq_len * (m->n_rel_pos + seq_len)));
        tmem__term_mul(t, "bytes", eb);
    }
}

/* An encoder's head output for the batch (HF *Model / *For* heads), in the
 * compute dtype, on top of the last hidden states:
 *   none    mean pooling (sentence-transformers):      b × d_model
 *   pooler  first token → dense + tanh:                 b × d_model
 *   cls     pooled (dense) + logits:                    b × (d_model + n_labels)
 *   mlm     every token's transform + logits:           b·s × (d_model + n_vocab) */
static const char *encoder_head_output(const struct tmem_model *m, const struct tmem_infer_opts *o,
                                       struct tmem__term *t)
{
    const uint64_t eb = tmem__dtype_size(o->compute);
    tmem__term_init(t, true);
    tmem__term_mul(t, "b", o->batch);
    const char *what = "pooled embeddings (mean)";
    switch (m->head) {
    case TMEM_HEAD_LM:
    case TMEM_HEAD_NONE:
    case TMEM_HEAD_COUNT: tmem__term_mul(t, "d_model", m->d_model); break;
    case TMEM_HEAD_POOLER:
        tmem__term_mul(t, "d_model", m->d_model);
        what = "pooler output (dense + tanh)";
        break;
    case TMEM_HEAD_CLS:
        tmem__term_mul(t, "(d_model + n_labels)", m->d_model + m->n_labels);
        what = "classifier: pooled + logits";
        break;
    case TMEM_HEAD_MLM:
        tmem__term_mul(t, "s", o->prompt_tokens);
        tmem__term_mul(t, "(d_model + n_vocab)", m->d_model + m->n_vocab);
        what = "MLM head: transform + logits";
        break;
    }
    tmem__term_mul(t, "bytes", eb);
    return what;
}

/* the largest stage, into t (a term is built in place: never copied) */
static void activation_peak(const struct tmem_model *m, const struct tmem_infer_opts *o, uint64_t T,
                            uint64_t n_seq, uint64_t seq_len, struct tmem__term *t)
{
    enum act_stage best = ACT_STAGE_MLP;
    uint64_t best_v = 0;
    bool over = false;
    enum act_stage last = m->n_expert && o->engine == TMEM_ENGINE_VLLM ? ACT_STAGE_FUSED_MOE
                                                                        : ACT_STAGE_ATTENTION;
    for (int k = ACT_STAGE_MLP; k <= (int)last; k++) {
        struct tmem__term c;
        tmem__term_init(&c, false);
        activation_stage(m, o, T, n_seq, seq_len, (enum act_stage)k, &c);
        over |= tmem__term_overflow(&c);
        if (tmem__term_value(&c) > best_v || k == ACT_STAGE_MLP) {
            best_v = tmem__term_value(&c);
            best = (enum act_stage)k;
        }
    }
    activation_stage(m, o, T, n_seq, seq_len, best, t);
    if (over)
        t->overflow = true;
}

/* ------------------------------------------------------------ the build */

static enum tmem_status overflow(struct tmem_error *err, const char *what)
{
    return tmem__fail(err, TMEM_ERR_OVERFLOW, what, "does not fit in 64 bits");
}

/* vLLM's hybrid KV allocator (v1/core/kv_cache_utils.py): layers of one
 * kind (full attention, sliding window) form groups of g layers, g the
 * layer count of the smaller kind; one pool block holds block_size tokens
 * of one layer of every group, block_size × bytes/token/layer × g bytes.
 * A request needs, per full group, ceil(len / block) blocks and, per
 * sliding group, ceil(min(window − 1 + max_num_batched_tokens, len) /
 * block) + 1 (SlidingWindowSpec.max_memory_usage_bytes). Sets kv_groups,
 * group_layers, block_bytes and blocks_per_seq; t gets the request's
 * blocks as a formula. */
static enum tmem_status paged_layout(struct tmem_infer_result *r, const struct tmem_infer_opts *o,
                                     uint64_t tokens, struct tmem__term *t, struct tmem_error *err)
{
    const struct tmem_kv_layout *kv = &r->kv;
    r->attn_block_tokens = r->kv_attn_groups = r->kv_state_groups = 0;
    if (kv->ssm_layers > 0 && kv->n_layer_full > 0) {
        /* a hybrid. vLLM (platforms/interface.py, the hybrid block-size
         * alignment without prefix caching): the attention block grows to
         * align · ceil(mamba page / (align · attention bytes/token/layer)),
         * align = max(16, --block-size) (FlashAttention's kernel block
         * sizes are multiples of 16), and the mamba page is padded to that
         * attention page; kv_cache_utils groups the layers of each kind in
         * groups of g (the smaller kind's count, or the larger's when it is
         * under 1.5 × the smaller); a block is one page of each of g layers;
         * a request needs ceil(len / block) blocks per attention group and
         * one per mamba group (its whole state) */
        uint64_t a1 = kv->bytes_per_token_layer, page_state = kv->state_bytes_per_layer;
        uint64_t align = o->block_size > TMEM_VLLM_ATTN_BLOCK_ALIGN ? o->block_size
                                                                   : TMEM_VLLM_ATTN_BLOCK_ALIGN;
        uint64_t unit;
        if (!tmem_mul_u64(align, a1, &unit))
            return overflow(err, "block bytes");
        uint64_t blk = align * tmem_ceil_div_u64(page_state, unit); /* ≤ page_state / a1 + align */
        if (blk < o->block_size)
            blk = o->block_size;
        uint64_t na = kv->n_layer_full, ns = kv->ssm_layers;
        uint64_t lo = na < ns ? na : ns, hi = na < ns ? ns : na;
        uint64_t g = 2 * hi < 3 * lo ? hi : lo;
        uint64_t ga = tmem_ceil_div_u64(na, g), gs = tmem_ceil_div_u64(ns, g);
        r->attn_block_tokens = blk;
        r->kv_attn_groups = ga;
        r->kv_state_groups = gs;
        r->kv_groups = ga + gs;
        r->group_layers = g;
        tmem__term_mul(t, "attention groups", ga);
        tmem__term_mul(t, "ceil(len / attention block)", tmem_ceil_div_u64(tokens, blk));
        tmem__term_plus(t, "mamba groups", gs);
        tmem__term_mul(t, "state blocks", 1);
        if (tmem__term_overflow(t))
            return overflow(err, "kv blocks");
        r->blocks_per_seq = tmem__term_value(t);
        if (!tmem_mul3_u64(blk, a1, g, &r->block_bytes))
            return overflow(err, "block bytes");
        return TMEM_OK;
    }
    if (kv->ssm_layers > 0) {
        /* vLLM MambaSpec: one page per layer holds a sequence's whole state
         * (page_size_bytes = conv + temporal state), the mamba layers form
         * one group, and a request needs one block of it whatever its length
         * (max_memory_usage_bytes = page size; mamba_block_size =
         * max_model_len) */
        r->kv_groups = 1;
        r->group_layers = kv->ssm_layers;
        tmem__term_mul(t, "state blocks", 1);
        r->blocks_per_seq = 1;
        r->block_bytes = kv->state_bytes_per_seq;
        return TMEM_OK;
    }
    uint64_t nf = kv->n_layer_full, nw = kv->n_layer_window;
    uint64_t g = nf == 0 ? nw : nw == 0 ? nf : (nf < nw ? nf : nw);
    if (g == 0)
        g = 1;
    uint64_t groups_full = tmem_ceil_div_u64(nf, g), groups_win = tmem_ceil_div_u64(nw, g);
    r->kv_groups = groups_full + groups_win > 0 ? groups_full + groups_win : 1;
    r->group_layers = g;
    uint64_t blk = o->block_size;
    uint64_t win_tokens = kv->window_tokens ? kv->window_tokens - 1 + o->max_num_batched_tokens : 0;
    if (win_tokens > tokens)
        win_tokens = tokens;
    if (groups_full == 1 && groups_win == 0) {
        tmem__term_mul(t, "ceil(len / block)", tmem_ceil_div_u64(tokens, blk));
    } else if (groups_full) {
        tmem__term_mul(t, "full groups", groups_full);
        tmem__term_mul(t, "ceil(len / block)", tmem_ceil_div_u64(tokens, blk));
    }
    if (groups_win) {
        tmem__term_plus(t, "sliding groups", groups_win);
        tmem__term_mul(t, "(ceil(min(window − 1 + batched, len) / block) + 1)",
                       tmem_ceil_div_u64(win_tokens, blk) + 1);
    }
    if (tmem__term_overflow(t))
        return overflow(err, "kv blocks");
    r->blocks_per_seq = tmem__term_value(t);
    if (!tmem_mul3_u64(blk, kv->bytes_per_token_layer, g, &r->block_bytes))
        return overflow(err, "block bytes");
    return TMEM_OK;
}

/* One stage's ledger and capacity into r. */
/* The vision tower's forward over n images of `patches` patches each (flash
 * attention): each patch's hidden state plus the widest intermediate of a
 * layer (q, k, v together, or fc1 — gate and up for Qwen2.5-VL's gated
 * MLP), in the compute dtype. n is b · images (hf) or the profile's images
 * (vllm: profile_items of the largest image). */
static enum tmem_status vision_activation(const struct tmem_model *m, const struct tmem_infer_opts *o,
                                          bool vllm, uint64_t items, uint64_t patches,
                                          struct tmem__term *t, struct tmem_error *err)
{
    const struct tmem_vision *v = &m->vision;
    uint64_t ff = (v->kind == TMEM_VISION_QWEN25_VL ? 2 : 1) * v->d_ff, qkv = 3 * v->d_model;
    tmem__term_init(t, true);
    if (vllm) {
        tmem__term_mul(t, "profile images", items);
    } else {
        tmem__term_mul(t, "b", o->batch);
        tmem__term_mul(t, "images", o->images);
    }
    if (v->kind == TMEM_VISION_MLLAMA) {
        /* MllamaVisionModel runs its local encoder with output_hidden_states=True
         * and keeps all n_layer + 1 of them (5 become intermediate features)
         * through the global encoder, over the padded positions (1608 a tile) */
        tmem__term_mul(t, "padded patches", tmem__vision_tower_patches(v, patches));
        tmem__term_mul(t, "((L_v + 1)·d_v + d_v + max(3·d_v, d_ff_v))",
                       (v->n_layer + 2) * v->d_model + (ff > qkv ? ff : qkv));
    } else {
        tmem__term_mul(t, vllm ? "patches (largest image)" : "patches", patches);
        tmem__term_mul(t, "(d_v + max(3·d_v, d_ff_v))", v->d_model + (ff > qkv ? ff : qkv));
    }
    tmem__term_mul(t, "bytes", tmem__dtype_size(o->compute));
    return tmem__term_value(t) == UINT64_MAX ? overflow(err, "vision activations") : TMEM_OK;
}

/* The forward's peak, the logits and the KV of a decoder-only model on one
 * stage (build_stage's lines before the overheads). */
static enum tmem_status forward_and_kv_lines(const struct tmem_model *m,
                                             const struct tmem_infer_opts *o, bool is_first,
                                             bool is_last, bool vllm, uint64_t tokens,
                                             struct tmem_infer_result *r, struct tmem_ledger *l,
                                             struct tmem_error *err)
{
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
    uint64_t attn_len = vllm ? (T < tokens ? T : tokens) : o->prompt_tokens;
    struct tmem__term t;
    tmem__term_init(&t, true);
    activation_peak(m, o, T, vllm ? 1 : n_seq, attn_len, &t);
    if (m->n_cross_layer > 0 && o->images > 0) {
        /* Mllama: the projector's cross_attention_states (b, images·tiles·1601,
         * d_model) are held through the text prefill forward */
        uint64_t tok, per_image;
        TRY(tmem_vision_image(&m->vision, o->image_h, o->image_w, &tok, &per_image, err));
        tmem__term_plus(&t, "b", o->batch);
        tmem__term_mul(&t, "images", o->images);
        tmem__term_mul(&t, "image states", per_image);
        tmem__term_mul(&t, "d_model", m->d_model);
        tmem__term_mul(&t, "bytes", tmem__dtype_size(o->compute));
    }
    /* the vision tower runs before the first layer and its buffers are
     * freed before the text forward: the peak is the larger of the two */
    bool vision_peak = false;
    struct tmem__term vt, *peak = &t; /* the larger (terms are never copied) */
    /* vLLM V1's profile_run encodes profile_items dummy images of the
     * largest size whatever the requests send (tmem_vllm_mm_budget), then
     * holds their embeddings through the text forward and the sampler, each
     * zero-padded to the encoder budget's rows (vllm-project/vllm#25810,
     * "Optimize memory profiling for scattered multimodal embeddings", in
     * gpu_model_runner.py profile_run since v0.11: an output shorter than
     * encoder_budget is copied into new_zeros((encoder_budget, hidden))):
     * profile_items × encoder_budget × d_text; a model without a tower
     * profiles none */
    bool vllm_mm = vllm && is_first && r->mm.profile_items > 0;
    if (vllm_mm) {
        TRY(vision_activation(m, o, true, r->mm.profile_items, r->mm.max_patches_per_item, &vt, err));
        struct tmem__term ec;
        tmem__term_init(&ec, true);
        tmem__term_mul(&ec, "profile images", r->mm.profile_items);
        tmem__term_mul(&ec, "encoder budget", r->mm.encoder_budget_tokens);
        tmem__term_mul(&ec, "d_text", m->vision.d_text);
        tmem__term_mul(&ec, "bytes", tmem__dtype_size(o->compute));
        if (tmem__term_overflow(&ec))
            return overflow(err, "encoder cache");
        r->encoder_cache_bytes = tmem__term_value(&ec);
        tmem__term_plus(&t, "profile images", r->mm.profile_items);
        tmem__term_mul(&t, "encoder budget", r->mm.encoder_budget_tokens);
        tmem__term_mul(&t, "d_text", m->vision.d_text);
        tmem__term_mul(&t, "bytes", tmem__dtype_size(o->compute));
    } else if (is_first && o->images > 0) {
        uint64_t tok, patches;
        TRY(tmem_vision_image(&m->vision, o->image_h, o->image_w, &tok, &patches, err));
        TRY(vision_activation(m, o, false, 0, patches, &vt, err));
    }
    if (vllm_mm || (is_first && o->images > 0)) {
        r->vision_activation_bytes = tmem__term_value(&vt);
        if (tmem__term_value(&vt) > tmem__term_value(&t)) {
            peak = &vt;
            vision_peak = true;
        }
    }
    if (vllm) {
        /* profile_run: the forward's peak, then on the last stage the dummy
         * sampler (top-k/top-p) over the last token of each of n_seq dummy
         * requests while the forward's hidden states (T × d_model) are held */
        struct tmem__term sm;
        tmem__term_init(&sm, true);
        if (is_last && o->engine == TMEM_ENGINE_VLLM) { /* vLLM's dummy sampler run */
            tmem__term_mul(&sm, "seqs", n_seq);
            tmem__term_mul(&sm, "n_vocab", m->n_vocab);
            tmem__term_mul(&sm, "27 B", TMEM_VLLM_SAMPLER_BYTES_PER_LOGIT);
            tmem__term_plus(&sm, "T", T);
            tmem__term_mul(&sm, "d_model", m->d_model);
            tmem__term_mul(&sm, "bytes", tmem__dtype_size(o->compute));
            if (vllm_mm) { /* the encoder cache is still held */
                tmem__term_plus(&sm, "encoder cache", r->encoder_cache_bytes);
            }
        }
        if (is_last && o->engine == TMEM_ENGINE_VLLM && tmem__term_value(&sm) > tmem__term_value(peak))
            TRY(term_line(l, TMEM_BUCKET_ACTIVATIONS, "profile peak: dummy sampler", &sm, "sampler",
                          err));
        else
            TRY(term_line(l, TMEM_BUCKET_ACTIVATIONS,
                          vision_peak ? "profile peak: vision tower forward" : "profile peak: forward",
                          peak, "activations", err));
    } else {
        TRY(term_line(l, TMEM_BUCKET_ACTIVATIONS,
                      vision_peak ? "peak of the vision tower forward" : "peak of the prefill forward",
                      peak, "activations", err));
        /* logits: the last token of each sequence (all prompt tokens with
         * --all-logits), 16-bit, then an fp32 copy for sampling */
        uint64_t logit_rows = o->all_logits ? T : n_seq;
        if (is_last) {
            tmem__term_init(&t, true);
            tmem__term_mul(&t, "rows", logit_rows);
            tmem__term_mul(&t, "n_vocab", m->n_vocab);
            tmem__term_mul(&t, "(2 + 4 B fp32)",
                           tmem__dtype_size(TMEM_DTYPE_BF16) + tmem__dtype_size(TMEM_DTYPE_F32));
            TRY(term_line(l, TMEM_BUCKET_TEMPORARY_BUFFERS,
                          o->all_logits ? "logits of every token" : "logits of last tokens", &t,
                          "logits", err));
        }
    }

    /* the KV this workload needs: paged (vLLM, its hybrid allocator's
     * blocks) or exact (HF) */
    uint64_t exact_kv;
    if (tmem_kv_seq_bytes(&r->kv, tokens, 1, &exact_kv) != TMEM_OK)
        return overflow(err, "kv_cache");
    exact_kv += r->kv.state_bytes_per_seq; /* SSM layers: a fixed state (no KV: exact_kv was 0) */
    tmem__term_init(&t, true);
    if (vllm) {
        struct tmem__term blocks;
        tmem__term_init(&blocks, true);
        TRY(paged_layout(r, o, tokens, &blocks, err));
        tmem__term_mul(&t, "b", o->batch);
        if (r->kv_groups == 1 && r->kv.n_layer_window == 0 && r->kv_state_groups == 0) /* one product */
            tmem__term_mul(&t, "ceil(len / block)", r->blocks_per_seq);
        else
            tmem__term_mul_term(&t, &blocks);
        tmem__term_mul(&t, "block bytes", r->block_bytes);
        if (r->kv.fixed_bytes)
            tmem__term_plus(&t, "per-layer scales", r->kv.fixed_bytes);
    } else if (r->kv.ssm_layers > 0 && r->kv.n_layer_full > 0) { /* a hybrid: KV and state */
        tmem__kv_request_term(&r->kv, o->batch, tokens, 1, &t);
        tmem__term_plus(&t, "b", o->batch);
        tmem__term_mul(&t, "state bytes/seq", r->kv.state_bytes_per_seq);
        r->blocks_per_seq = tokens;
    } else if (r->kv.ssm_layers > 0) {
        tmem__kv_state_term(&r->kv, o->batch, &t);
        r->blocks_per_seq = tokens;
    } else {
        tmem__kv_request_term(&r->kv, o->batch, tokens, 1, &t);
        r->blocks_per_seq = tokens;
    }
    if (tmem__term_overflow(&t))
        return overflow(err, "kv_cache");
    r->kv_request_bytes = tmem__term_value(&t);
    r->kv_waste_bytes = r->kv_request_bytes - r->kv.fixed_bytes - exact_kv * o->batch;
    TRY(term_line(l, TMEM_BUCKET_KV_CACHE,
                  r->kv.ssm_layers && r->kv.n_layer_full
                      ? (vllm ? "KV and SSM state for these requests (paged, hybrid)"
                              : "KV cache (static) and SSM state (fixed per sequence)")
                  : r->kv.ssm_layers ? (vllm ? "SSM state for these requests (one block each)"
                                           : "SSM state (conv + recurrent, fixed per sequence)")
                  : vllm ? "KV for these requests (paged)" : "KV cache (static)",
                  &t, "kv_cache", err));
    if (r->kv.cross_bytes_per_token > 0 && o->images > 0) {
        /* Mllama: each cross-attention layer's k_proj / v_proj of the image
         * states, computed at the prefill and kept in the cache (HF
         * DynamicCache at the layer's index) for the whole generation; no
         * images, no cross-attention (the layers are skipped) */
        uint64_t tok, per_image;
        TRY(tmem_vision_image(&m->vision, o->image_h, o->image_w, &tok, &per_image, err));
        tmem__term_init(&t, true);
        tmem__term_mul(&t, "b", o->batch);
        tmem__term_mul(&t, "images", o->images);
        tmem__term_mul(&t, "image states", per_image);
        tmem__term_mul(&t, "cross bytes/state", r->kv.cross_bytes_per_token);
        if (tmem__term_overflow(&t) || !tmem_add_u64(r->kv_request_bytes, tmem__term_value(&t),
                                                     &r->kv_request_bytes))
            return overflow(err, "cross-attention KV");
        TRY(term_line(l, TMEM_BUCKET_KV_CACHE, "cross-attention KV (images)", &t,
                      "cross_kv", err));
    }
    return TMEM_OK;
}

/* An encoder–decoder under HF generate() (one stage, --engine hf): the
 * encoder runs once over the prompt, its output is held through generation,
 * each decoder layer computes its cross-attention keys and values from that
 * output once and keeps them (fixed by the encoder's length), and the
 * self-attention KV grows with the generated tokens.
 * REF: HF transformers generation/utils.py
 *      _prepare_encoder_decoder_kwargs_for_generation (encoder_outputs kept in
 *      model_kwargs); cache_utils.py EncoderDecoderCache (self_attention_cache,
 *      cross_attention_cache); modeling_t5.py T5Attention and modeling_bart.py
 *      BartAttention (cross keys/values from key_value_states, once).
 *   activations  the encoder's prefill forward, T = b·s_enc tokens, with the
 *                encoder's heads and d_ff (the decoder's one-token steps are
 *                narrower whenever s_enc ≥ 1 and the stacks' widths agree)
 *   temporary    encoder output b·s_enc·d_model·bytes; logits of the last
 *                tokens b·n_vocab·(2 + 4 B)
 *   KV           self  b · gen · 2·L_dec·n_kv/tp·d_head·bytes
 *                cross b · s_enc · 2·L_dec·n_head/tp·d_head·bytes */
static enum tmem_status encdec_lines(const struct tmem_model *m, const struct tmem_infer_opts *o,
                                     struct tmem_infer_result *r, struct tmem_ledger *l,
                                     struct tmem_error *err)
{
    struct tmem_model enc = *m; /* the encoder's widths */
    enc.n_head = enc.n_kv_head = m->n_enc_head;
    enc.d_head = m->d_head_enc;
    enc.d_ff = m->d_ff_enc;
    uint64_t T, eb = tmem__dtype_size(o->compute);
    if (!tmem_mul_u64(o->batch, o->prompt_tokens, &T))
        return overflow(err, "--batch × --prompt");
    struct tmem__term t;
    tmem__term_init(&t, true);
    activation_peak(&enc, o, T, o->batch, o->prompt_tokens, &t);
    TRY(term_line(l, TMEM_BUCKET_ACTIVATIONS, "peak of the encoder forward", &t, "activations", err));
    tmem__term_init(&t, true);
    tmem__term_mul(&t, "b", o->batch);
    tmem__term_mul(&t, "s_enc", o->prompt_tokens);
    tmem__term_mul(&t, "d_model", m->d_model);
    tmem__term_mul(&t, "bytes", eb);
    TRY(term_line(l, TMEM_BUCKET_TEMPORARY_BUFFERS, "encoder output, kept", &t,
                  "encoder output", err));
    tmem__term_init(&t, true);
    tmem__term_mul(&t, "rows", o->batch);
    tmem__term_mul(&t, "n_vocab", m->n_vocab);
    tmem__term_mul(&t, "(2 + 4 B fp32)", tmem__dtype_size(TMEM_DTYPE_BF16) + tmem__dtype_size(TMEM_DTYPE_F32));
    TRY(term_line(l, TMEM_BUCKET_TEMPORARY_BUFFERS, "logits of last tokens", &t, "logits", err));
    uint64_t gen = r->tokens_per_seq;
    tmem__term_init(&t, true);
    tmem__kv_request_term(&r->kv, o->batch, gen, 1, &t);
    if (tmem__term_overflow(&t))
        return overflow(err, "kv_cache");
    r->kv_request_bytes = tmem__term_value(&t);
    TRY(term_line(l, TMEM_BUCKET_KV_CACHE, "self-attention KV", &t,
                  "kv_cache", err));
    tmem__term_init(&t, true);
    tmem__term_mul(&t, "b", o->batch);
    tmem__term_mul(&t, "s_enc", o->prompt_tokens);
    tmem__term_mul(&t, "cross bytes/token", r->kv.cross_bytes_per_token);
    if (tmem__term_overflow(&t) || !tmem_add_u64(r->kv_request_bytes, tmem__term_value(&t),
                                                 &r->kv_request_bytes))
        return overflow(err, "cross-attention KV");
    TRY(term_line(l, TMEM_BUCKET_KV_CACHE, "cross-attention KV", &t,
                  "cross_kv", err));
    r->blocks_per_seq = gen;
    return TMEM_OK;
}

/* An encoder's forward (HF AutoModel, sentence-transformers): the batch's
 * b × s tokens in one forward, no KV cache. The peak of a layer is the
 * decoders' HF prefill rule (activation_peak: bidirectional attention needs
 * the same buffers, flash or not), then the head's output. */
static enum tmem_status encoder_lines(const struct tmem_model *m, const struct tmem_infer_opts *o,
                                      struct tmem_ledger *l, struct tmem_error *err)
{
    /* vLLM's pooling runner (serve_pool.c): the largest step, max_num_batched_tokens
     * tokens in the flash backend, and the pooled rows of up to max_num_seqs requests */
    const bool vllm = o->engine == TMEM_ENGINE_VLLM;
    uint64_t T, mml = tmem_serve_pool_max_model_len(m, o);
    if (vllm)
        T = o->max_num_batched_tokens;
    else if (!tmem_mul_u64(o->batch, o->prompt_tokens, &T))
        return overflow(err, "--batch × --prompt");
    struct tmem__term t;
    tmem__term_init(&t, true);
    activation_peak(m, o, T, vllm ? 1 : o->batch, vllm ? (T < mml ? T : mml) : o->prompt_tokens, &t);
    TRY(term_line(l, TMEM_BUCKET_ACTIVATIONS,
                  vllm ? "forward of the largest step" : "peak of the encoder forward",
                  &t, "activations", err));
    struct tmem_infer_opts ho = *o;
    if (vllm)
        ho.batch = o->max_num_seqs < T ? o->max_num_seqs : T;
    const char *what = encoder_head_output(m, &ho, &t);
    return term_line(l, TMEM_BUCKET_TEMPORARY_BUFFERS, what, &t, "head output", err);
}


/* A state-space layer's state dtypes, the one place they are resolved.
 * REF: vLLM model_executor/layers/mamba/mamba_utils.py
 * MambaStateDtypeCalculator._mamba_state_dtype: conv state
 * get_kv_cache_torch_dtype(mamba_cache_dtype, model_dtype) ("auto": the
 * model dtype, --dtype, here the compute dtype), temporal state
 * mamba_ssm_cache_dtype ("auto": the conv state's); --kv-cache-dtype plays
 * no part. */
static enum tmem_dtype state_dtype(const struct tmem_infer_opts *o, bool temporal)
{
    enum tmem_dtype conv = o->mamba_cache_dtype == TMEM_STATE_DTYPE_AUTO ? o->compute
                                                                         : o->mamba_cache_dtype;
    if (!temporal || o->mamba_ssm_cache_dtype == TMEM_STATE_DTYPE_AUTO)
        return conv;
    return o->mamba_ssm_cache_dtype;
}

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
    if (!m->encoder) /* an encoder keeps no KV: r->kv stays zero */
        TRY(tmem_kv_layout_states(m, o->kv_dtype, state_dtype(o, false), state_dtype(o, true),
                                  o->tp, first, n, &r->kv, err));

    struct tmem_ledger *l = &r->ledger;
    tmem_ledger_init(l);
    TRY(weight_lines(l, bins, o, err));

    bool vllm = tmem_engine_paged(o->engine); /* vLLM's profile and paged pool */
    uint64_t tokens = o->max_model_len ? o->max_model_len : o->prompt_tokens + o->gen_tokens;
    if (m->encdec) /* the decoder's tokens: its self-attention KV */
        tokens = o->max_model_len ? o->max_model_len : o->gen_tokens;
    r->tokens_per_seq = tokens;
    if (o->engine == TMEM_ENGINE_VLLM && !m->encoder && !m->encdec) /* its multimodal profile */
        TRY(tmem_vllm_mm_budget(m, o, &r->mm, err));
    TRY(m->encdec    ? encdec_lines(m, o, r, l, err)
        : m->encoder ? encoder_lines(m, o, l, err)
                     : forward_and_kv_lines(m, o, is_first, is_last, vllm, tokens, r, l, err));
    struct tmem__term t;


    r->non_torch_bytes = o->cuda_context_bytes != TMEM_INFER_AUTO ? o->cuda_context_bytes
                         : !vllm                                ? TMEM_HF_NON_TORCH_BYTES
                         : o->tp > 1                            ? TMEM_VLLM_NON_TORCH_TPN_BYTES
                                                                : TMEM_VLLM_NON_TORCH_TP1_BYTES;
    tmem__term_init(&t, true);
    tmem__term_mul(&t, "non_torch", r->non_torch_bytes);
    tmem__term_note(&t, NULL,
                    o->cuda_context_bytes != TMEM_INFER_AUTO ? " (--cuda-context-mib)"
                    : !vllm ? " (CUDA context, cuBLAS workspace: default 1 GiB, --cuda-context-mib)"
                    : o->tp > 1
                        ? " (vLLM at tp >= 2: cuBLAS, NCCL, custom all-reduce buffers: default 2 GiB, --cuda-context-mib)"
                        : " (vLLM at tp 1: cuBLAS workspace grown after its baseline: default 256 MiB, --cuda-context-mib)");
    TRY(term_line(l, TMEM_BUCKET_FRAMEWORK_OVERHEAD, "non-torch memory", &t, "--cuda-context-mib", err));
    tmem__term_init(&t, true);
    tmem__term_mul(&t, "cuda_graphs", o->cuda_graph_bytes);
    tmem__term_note(&t, NULL, " (--cuda-graphs-mib)");
    TRY(term_line(l, TMEM_BUCKET_FRAMEWORK_OVERHEAD, "CUDA graphs reserve", &t, "--cuda-graphs-mib", err));

    /* capacity: vLLM hands everything left under the utilization cap of
     * the CUDA-visible total to KV */
    uint64_t memory = o->n_stage_memory > 0 && o->stage_memory_bytes[s] > 0
                          ? o->stage_memory_bytes[s]
                          : o->gpu->cuda_memory_bytes;
    r->memory_bytes = memory;
    double usable = (double)memory * (o->engine == TMEM_ENGINE_VLLM ? o->gpu_memory_utilization : 1.0);
    r->usable_bytes = (uint64_t)usable;
    uint64_t non_kv = l->total_bytes - l->bucket_bytes[TMEM_BUCKET_KV_CACHE];
    r->kv_budget_bytes = r->usable_bytes > non_kv ? r->usable_bytes - non_kv : 0;
    switch (o->engine) {
    case TMEM_ENGINE_TRTLLM: /* kv_cache_free_gpu_memory_fraction of what is free */
        r->kv_budget_bytes = (uint64_t)((double)r->kv_budget_bytes * o->gpu_memory_utilization);
        break;
    case TMEM_ENGINE_SGLANG: { /* mem_fraction_static × memory holds weights and KV;
                                * activations live in the rest */
        uint64_t act = l->bucket_bytes[TMEM_BUCKET_ACTIVATIONS] + l->bucket_bytes[TMEM_BUCKET_TEMPORARY_BUFFERS];
        uint64_t fixed = non_kv - act, in = (uint64_t)((double)memory * o->gpu_memory_utilization);
        r->kv_budget_bytes = in > fixed ? in - fixed : 0;
        break;
    }
    case TMEM_ENGINE_VLLM:
    case TMEM_ENGINE_HF:
    case TMEM_ENGINE_LLAMACPP:
    case TMEM_ENGINE_COUNT: break;
    }
    if (m->encoder) /* no KV: nothing left to budget */
        r->kv_budget_bytes = 0;
    uint64_t hf_tokens = r->blocks_per_seq;
    if (!vllm && !m->encdec && !m->encoder) { /* what a paged pool of the same memory would hold */
        struct tmem__term unused;
        tmem__term_init(&unused, false);
        TRY(paged_layout(r, o, tokens, &unused, err));
    }
    if (r->block_bytes > 0) {
        /* kv_cache_utils: num_blocks = memory / (page_size × group layers);
         * "GPU KV cache size" = num_blocks / groups × block_size tokens;
         * concurrency = num_blocks / blocks one request needs */
        r->kv_blocks = r->kv_budget_bytes / r->block_bytes;
        r->kv_pool_bytes = r->kv_blocks * r->block_bytes;
        /* a mamba block holds a whole sequence: max_model_len tokens */
        r->capacity_tokens = r->attn_block_tokens ? r->kv_blocks / r->kv_groups * r->attn_block_tokens
                             : r->kv.ssm_layers ? r->kv_blocks * tokens
                                                : r->kv_blocks / r->kv_groups * o->block_size;
        uint64_t conc = r->blocks_per_seq ? r->kv_blocks / r->blocks_per_seq : 0;
        r->max_concurrent_sequences = vllm && conc > o->max_num_seqs ? o->max_num_seqs : conc;
    }
    if ((m->encdec || (r->kv.cross_bytes_per_token > 0 && o->images > 0)) &&
        r->kv_request_bytes > 0) /* no pool: whole sequences of this length (and images) */
        r->max_concurrent_sequences = r->kv_budget_bytes / (r->kv_request_bytes / o->batch);
    r->batch_over_max_num_seqs = vllm && o->batch > o->max_num_seqs;
    if (!vllm)
        r->blocks_per_seq = hf_tokens;
    tmem_ledger_fit(l, r->usable_bytes, &r->fit);
    /* torch's view: vLLM allocates its whole KV pool up front (the request's
     * KV lives inside it); CUDA graphs' private pools are reserved memory;
     * the non-torch memory is outside the allocator */
    uint64_t overhead = l->bucket_bytes[TMEM_BUCKET_FRAMEWORK_OVERHEAD];
    uint64_t allocated = l->total_bytes - overhead;
    if (vllm)
        allocated = allocated - r->kv_request_bytes + r->kv_pool_bytes;
    if (!tmem__peak_split(allocated, o->cuda_graph_bytes, r->non_torch_bytes, &r->peak))
        return overflow(err, "peak");
    return TMEM_OK;
}



enum tmem_status tmem_infer_build(const struct tmem_model *m, const struct tmem_inventory *inv,
                                  const struct tmem_infer_opts *o, struct tmem_infer_result *r,
                                  struct tmem_error *err)
{
    if (m == NULL || inv == NULL || o == NULL || r == NULL)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "infer", "missing argument");
    TRY(tmem__inventory_check(inv, err));
    /* images: their tokens join every prompt (KV cache and prefill) */
    struct tmem_infer_opts eo = *o;
    uint64_t img_tokens = 0, img_patches = 0, tokens_per_image = 0, patches_per_image = 0;
    if (o->images > 0) {
        TRY(tmem__check_range(err, "--images", o->images, 1, 4096));
        TRY(tmem_vision_image(&m->vision, o->image_h, o->image_w, &tokens_per_image,
                              &patches_per_image, err));
        img_tokens = tokens_per_image * o->images;   /* tokens < 2^24 per image, checked */
        img_patches = patches_per_image * o->images;
        if (!tmem_add_u64(eo.prompt_tokens, img_tokens, &eo.prompt_tokens))
            return overflow(err, "--prompt + image tokens");
        /* vLLM: an image is encoded at once, within the encoder budget and
         * cache its profile sized for the largest image (its processor
         * resizes a larger Qwen2.5-VL image down to max_pixels) */
        struct tmem_mm_budget mb;
        if (o->engine == TMEM_ENGINE_VLLM) {
            TRY(tmem_vllm_mm_budget(m, o, &mb, err));
            if (mb.max_tokens_per_item > 0 && tokens_per_image > mb.max_tokens_per_item) {
                char msg[sizeof err->msg];
                struct tmem_sb sb;
                tmem__sb_init(&sb, msg, sizeof msg);
                tmem__sb_str(&sb, "an image of ");
                tmem__sb_u64(&sb, tokens_per_image);
                tmem__sb_str(&sb, " tokens is larger than vLLM's encoder budget and cache for its largest "
                                  "image (");
                tmem__sb_u64(&sb, mb.max_tokens_per_item);
                tmem__sb_str(&sb, " tokens at max_pixels 12845056; its processor resizes larger images)");
                return tmem__fail(err, TMEM_ERR_LIMIT, "--image-size", msg);
            }
        }
    }
    if (m->encoder) /* one forward: nothing is generated */
        eo.gen_tokens = 0;
    o = &eo;
    TRY(validate(m, o, err));
    static const struct tmem_infer_result zero;
    struct tmem_infer_result cur = zero;
    struct tmem_stage_summary stages[64];
    struct weight_bins bins;
    uint64_t first = 0, all_weights = 0, all_experts = 0, all_vision = 0, all_kv = 0,
             all_kv_window = 0;
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
        all_vision += bins.vision_bytes;
        all_kv += cur.kv.bytes_per_token;
        all_kv_window += cur.kv.bytes_per_token_layer * cur.kv.n_layer_window;
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
    memcpy(r->stages, stages, (size_t)o->pp * sizeof stages[0]); /* pp <= 64, checked */
    r->image_tokens = img_tokens;
    r->vision_patches = img_patches;
    r->vision_flops = 0.0;
    r->vision_flops_formula[0] = '\0';
    if (o->images > 0) {
        struct tmem__term vf;
        TRY(tmem__vision_flops(m, inv, o->batch, o->images, patches_per_image, tokens_per_image,
                               &vf, err));
        r->vision_flops = (double)tmem__term_value(&vf);
        tmem__term_render(&vf, r->vision_flops_formula, sizeof r->vision_flops_formula);
    }
    r->vision_weight_bytes = all_vision;
    if (m->encdec) /* two stacks, one stage (pp 1): the encoder's step, then the decoder's */
        return tmem__encdec_timing(m, inv, o, bins.encoder_bytes, all_weights - bins.encoder_bytes,
                                   cur.kv.bytes_per_token, cur.kv.cross_bytes_per_token,
                                   &r->roofline, &r->timing);
    /* the text steps read every weight but the tower's; the vision step reads those */
    TRY(tmem__infer_timing(m, inv, o, all_weights - all_vision, all_experts, all_kv,
                           all_kv_window, m->sliding_window, r->vision_flops, all_vision,
                           m->n_cross_layer > 0 ? img_patches : 0, r->kv.cross_bytes_per_token,
                           &r->roofline, &r->timing));
    if (o->images > 0) { /* one image's encoder run on one rank: tmem serve's steps */
        struct tmem__term vf;
        TRY(tmem__vision_flops(m, inv, 1, 1, patches_per_image, tokens_per_image, &vf, err));
        r->roofline.vision_flops_per_image = (double)tmem__term_value(&vf) / (double)o->tp;
    }
    return TMEM_OK;
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
