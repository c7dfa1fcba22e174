/* train.c — the training ledger: the precision and optimizer tables, plan
 * validation, how a plan lays a model over GPUs (data / tensor / pipeline /
 * expert / context parallel, ZeRO and FSDP sharding, offload), the model
 * states, communication buckets and overheads of one GPU, and the phase
 * analysis that picks the peak. Activations live in train_act.c, DeepSpeed's
 * own estimator in train_ds.c.
 *
 * Every item of the ledger is computed by exactly one function, item(),
 * which writes its formula only when given a string builder: the fast path
 * (tmem_train_compute) and the explaining path (tmem_train_ledger) run the
 * same arithmetic. Pure: no I/O, no allocation, no globals. */
#include "dtype_size.h"
#include "error.h"
#include "tensor_kind.h"
#include "peak.h"
#include "train_internal.h"
#include "tmem/infer.h"

#include <stddef.h>
#include <string.h>

#define F32 TMEM_DTYPE_F32
#define BF16 TMEM_DTYPE_BF16
#define F16 TMEM_DTYPE_F16
#define NONE TMEM_DTYPE_COUNT

/* name, description, weights, grads, master, states, residual, compute, autocast, persistent grads */
static const struct tmem_precision_info precisions[] = {
    [TMEM_PRECISION_FP32] = {"fp32", "fp32 weights, gradients, optimizer states and activations",
                             F32, F32, NONE, F32, F32, F32, false, false},
    [TMEM_PRECISION_AMP_BF16] = {"amp-bf16",
                                 "torch.autocast(bfloat16): fp32 weights, gradients and states, bf16 matmuls",
                                 F32, F32, NONE, F32, F32, BF16, true, false},
    [TMEM_PRECISION_AMP_FP16] = {"amp-fp16",
                                 "torch.autocast(float16) + GradScaler: fp32 weights, gradients and states",
                                 F32, F32, NONE, F32, F32, F16, true, false},
    [TMEM_PRECISION_BF16_MIXED] = {"bf16-mixed",
                                   "Megatron / DeepSpeed: bf16 weights and gradients, fp32 master weights and states",
                                   BF16, BF16, F32, F32, BF16, BF16, false, true},
    [TMEM_PRECISION_FP16_MIXED] = {"fp16-mixed",
                                   "Megatron / DeepSpeed: fp16 weights and gradients, fp32 master weights and states",
                                   F16, F16, F32, F32, F16, F16, false, true},
    [TMEM_PRECISION_BF16] = {"bf16", "pure bf16: weights, gradients and optimizer states all bf16",
                             BF16, BF16, NONE, BF16, BF16, BF16, false, false},
    /* Megatron-LM (accumulate_allreduce_grads_in_fp32): the bf16 weights'
     * gradients accumulate straight into fp32 main_grad buffers; 2 + 4 B per
     * parameter unsharded, + 12 B / dp with the distributed optimizer */
    [TMEM_PRECISION_BF16_FP32_GRADS] = {"bf16-fp32-grads",
                                        "Megatron: bf16 weights, fp32 main gradients only, fp32 master weights and states",
                                        BF16, F32, F32, F32, BF16, BF16, false, true},
};
_Static_assert(sizeof precisions / sizeof precisions[0] == TMEM_PRECISION_COUNT, "one row per policy");

static const struct tmem_optimizer_info optimizers[] = {
    [TMEM_OPTIMIZER_SGD] = {"sgd", "SGD: no state", 0, {{NULL, TMEM_STATE_FULL}}},
    [TMEM_OPTIMIZER_SGD_MOMENTUM] = {"sgd-momentum", "SGD with momentum: one buffer per parameter",
                                     1, {{"momentum_buffer", TMEM_STATE_FULL}}},
    [TMEM_OPTIMIZER_ADAM] = {"adam", "Adam: first and second moments",
                             2, {{"exp_avg (m)", TMEM_STATE_FULL}, {"exp_avg_sq (v)", TMEM_STATE_FULL}}},
    [TMEM_OPTIMIZER_ADAMW] = {"adamw", "AdamW: first and second moments",
                              2, {{"exp_avg (m)", TMEM_STATE_FULL}, {"exp_avg_sq (v)", TMEM_STATE_FULL}}},
    [TMEM_OPTIMIZER_ADAM8BIT] = {"adam8bit",
                                 "bitsandbytes 8-bit Adam: blockwise int8 moments, fp32 absmax per 256 elements",
                                 3, {{"exp_avg (m, int8)", TMEM_STATE_Q8},
                                     {"exp_avg_sq (v, int8)", TMEM_STATE_Q8},
                                     {"block absmax (fp32)", TMEM_STATE_Q8_SCALES}}},
    [TMEM_OPTIMIZER_ADAFACTOR] = {"adafactor",
                                  "Adafactor: factored second moment (row + column per matrix), no first moment",
                                  3, {{"exp_avg_sq_row", TMEM_STATE_ROW},
                                      {"exp_avg_sq_col", TMEM_STATE_COL},
                                      {"exp_avg_sq (vectors)", TMEM_STATE_VECTOR}}},
    [TMEM_OPTIMIZER_LION] = {"lion", "Lion: one momentum buffer", 1, {{"exp_avg (m)", TMEM_STATE_FULL}}},
    /* bitsandbytes paged optimizers (bnb.optim.PagedAdamW, PagedAdamW8bit):
     * the same states, allocated with cudaMallocManaged so that the driver
     * evicts their pages to host memory when the GPU runs out and pages
     * them back for the step; weights, gradients and activations stay */
    [TMEM_OPTIMIZER_PAGED_ADAMW] = {"paged-adamw",
                                    "bitsandbytes PagedAdamW: AdamW moments in paged (unified) memory",
                                    2, {{"exp_avg (m, paged)", TMEM_STATE_FULL},
                                        {"exp_avg_sq (v, paged)", TMEM_STATE_FULL}}},
    [TMEM_OPTIMIZER_PAGED_ADAMW8BIT] = {"paged-adamw8bit",
                                        "bitsandbytes PagedAdamW8bit: 8-bit moments in paged (unified) memory",
                                        3, {{"exp_avg (m, int8, paged)", TMEM_STATE_Q8},
                                            {"exp_avg_sq (v, int8, paged)", TMEM_STATE_Q8},
                                            {"block absmax (fp32, paged)", TMEM_STATE_Q8_SCALES}}},
};
_Static_assert(sizeof optimizers / sizeof optimizers[0] == TMEM_OPTIMIZER_COUNT, "one row per optimizer");

static const char *const recompute_names[] = {"none", "selective", "full"};
static const char *const attention_names[] = {"naive", "flash"};

enum tmem_attention tmem_train_family_attention(const struct tmem_model *m, const char **source)
{
    bool encdec = m != NULL && m->encdec;
    bool deberta = m != NULL && m->encoder && m->rel_attn; /* DeBERTa-v2/v3's disentangled attention */
    if (source != NULL)
        *source = encdec ? "the family's default: encoder-decoders train with HF's eager attention "
                           "(modeling_t5.py adds the position bias to the scores; no flash path)"
                  : deberta ? "the family's default: DeBERTa's disentangled attention (c2p, p2c) is "
                              "eager in HF (modeling_deberta_v2.py: no SDPA / flash path)"
                            : NULL;
    return encdec || deberta ? TMEM_ATTENTION_NAIVE : TMEM_ATTENTION_FLASH;
}
static const char *const kernels_names[] = {"eager", "fused", "liger", "te", "local"};
static const char *const fsdp_names[] = {"off", "full", "grad-op", "hybrid", "no-shard"};
static const char *const offload_names[] = {"none", "optimizer", "params"};
static const char *const phase_names[] = {"forward", "backward", "backward_end", "optimizer", "rollout"};
static const char *const phase_titles[] = {"end of forward", "start of backward", "end of backward",
                                           "optimizer step", "rollout (generation)"};
static const char *const rl_names[] = {"none", "grpo", "ppo"};
static const char *const ref_model_names[] = {"same", "none", "offload"};
_Static_assert(sizeof rl_names / sizeof rl_names[0] == TMEM_RL_COUNT, "names");
_Static_assert(sizeof ref_model_names / sizeof ref_model_names[0] == TMEM_REF_MODEL_COUNT, "names");
_Static_assert(sizeof recompute_names / sizeof recompute_names[0] == TMEM_RECOMPUTE_COUNT, "names");
_Static_assert(sizeof attention_names / sizeof attention_names[0] == TMEM_ATTENTION_COUNT, "names");
_Static_assert(sizeof fsdp_names / sizeof fsdp_names[0] == TMEM_FSDP_COUNT, "names");
_Static_assert(sizeof kernels_names / sizeof kernels_names[0] == TMEM_KERNELS_COUNT, "names");
_Static_assert(sizeof offload_names / sizeof offload_names[0] == TMEM_OFFLOAD_COUNT, "names");
_Static_assert(sizeof phase_names / sizeof phase_names[0] == TMEM_PHASE_COUNT, "names");
_Static_assert(sizeof phase_titles / sizeof phase_titles[0] == TMEM_PHASE_COUNT, "names");

const struct tmem_precision_info *tmem_precision_info(enum tmem_precision p)
{
    return (unsigned)p < TMEM_PRECISION_COUNT ? &precisions[p] : NULL;
}

const struct tmem_optimizer_info *tmem_optimizer_info(enum tmem_optimizer o)
{
    return (unsigned)o < TMEM_OPTIMIZER_COUNT ? &optimizers[o] : NULL;
}

#define NAME_FN(fn, type, table, count)                                                        \
    const char *fn(type v) { return (unsigned)v < (count) ? table[v] : "unknown"; }
NAME_FN(tmem_recompute_name, enum tmem_recompute, recompute_names, TMEM_RECOMPUTE_COUNT)
NAME_FN(tmem_attention_name, enum tmem_attention, attention_names, TMEM_ATTENTION_COUNT)
NAME_FN(tmem_fsdp_name, enum tmem_fsdp, fsdp_names, TMEM_FSDP_COUNT)
NAME_FN(tmem_kernels_name, enum tmem_kernels, kernels_names, TMEM_KERNELS_COUNT)
NAME_FN(tmem_offload_name, enum tmem_offload, offload_names, TMEM_OFFLOAD_COUNT)
NAME_FN(tmem_phase_name, enum tmem_phase, phase_names, TMEM_PHASE_COUNT)
NAME_FN(tmem_phase_title, enum tmem_phase, phase_titles, TMEM_PHASE_COUNT)
NAME_FN(tmem_rl_name, enum tmem_rl, rl_names, TMEM_RL_COUNT)
NAME_FN(tmem_ref_model_name, enum tmem_ref_model, ref_model_names, TMEM_REF_MODEL_COUNT)

const char *tmem_precision_name(enum tmem_precision p)
{
    return (unsigned)p < TMEM_PRECISION_COUNT ? precisions[p].name : "unknown";
}

const char *tmem_optimizer_name(enum tmem_optimizer o)
{
    return (unsigned)o < TMEM_OPTIMIZER_COUNT ? optimizers[o].name : "unknown";
}

static int find_name(const char *s, const char *const *names, int n)
{
    if (s == NULL)
        return n;
    for (int i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return n;
}

enum tmem_precision tmem_precision_from_name(const char *s)
{
    for (int i = 0; s != NULL && i < TMEM_PRECISION_COUNT; i++)
        if (strcmp(s, precisions[i].name) == 0)
            return (enum tmem_precision)i;
    return TMEM_PRECISION_COUNT;
}

enum tmem_optimizer tmem_optimizer_from_name(const char *s)
{
    for (int i = 0; s != NULL && i < TMEM_OPTIMIZER_COUNT; i++)
        if (strcmp(s, optimizers[i].name) == 0)
            return (enum tmem_optimizer)i;
    return TMEM_OPTIMIZER_COUNT;
}

enum tmem_recompute tmem_recompute_from_name(const char *s)
{
    return (enum tmem_recompute)find_name(s, recompute_names, TMEM_RECOMPUTE_COUNT);
}

enum tmem_attention tmem_attention_from_name(const char *s)
{
    return (enum tmem_attention)find_name(s, attention_names, TMEM_ATTENTION_COUNT);
}

enum tmem_kernels tmem_kernels_from_name(const char *s)
{
    return (enum tmem_kernels)find_name(s, kernels_names, TMEM_KERNELS_COUNT);
}

enum tmem_fsdp tmem_fsdp_from_name(const char *s)
{
    return (enum tmem_fsdp)find_name(s, fsdp_names, TMEM_FSDP_COUNT);
}

enum tmem_offload tmem_offload_from_name(const char *s)
{
    return (enum tmem_offload)find_name(s, offload_names, TMEM_OFFLOAD_COUNT);
}

enum tmem_rl tmem_rl_from_name(const char *s)
{
    return (enum tmem_rl)find_name(s, rl_names, TMEM_RL_COUNT);
}

enum tmem_ref_model tmem_ref_model_from_name(const char *s)
{
    return (enum tmem_ref_model)find_name(s, ref_model_names, TMEM_REF_MODEL_COUNT);
}

bool tmem_train_phase_used(const struct tmem_train_opts *o, enum tmem_phase p)
{
    return (unsigned)p < TMEM_PHASE_COUNT && (p != TMEM_PHASE_ROLLOUT || (o != NULL && o->rl != TMEM_RL_NONE));
}

void tmem_train_opts_default(struct tmem_train_opts *o)
{
    memset(o, 0, sizeof *o);
    o->micro_batch = 1;
    o->seq = 0; /* the model's n_ctx, at most 4096 */
    o->tp = o->pp = o->cp = o->ep = 1;
    o->gpus_per_node = 8;
    o->virtual_stages = 1;
    o->grad_accum = 1;
    o->precision = TMEM_PRECISION_BF16_MIXED;
    o->optimizer = TMEM_OPTIMIZER_ADAMW;
    o->recompute = TMEM_RECOMPUTE_NONE;
    o->attention = TMEM_ATTENTION_FLASH;
    o->dropout = TMEM_DEFAULT;
    o->ce_chunk_tokens = TMEM_TRAIN_CE_CHUNK_TOKENS;
    o->ddp_bucket_bytes = TMEM_TRAIN_DDP_BUCKET_BYTES;
    o->ds_reduce_bucket = TMEM_TRAIN_DS_REDUCE_BUCKET;
    o->ds_allgather_bucket = TMEM_TRAIN_DS_ALLGATHER_BUCKET;
    o->ds_prefetch_bucket = TMEM_TRAIN_DS_PREFETCH_BUCKET;
    o->ds_max_live = TMEM_TRAIN_DS_MAX_LIVE;
    o->cuda_overhead_bytes = TMEM_TRAIN_CUDA_OVERHEAD_BYTES;
    o->fragmentation_ppm = TMEM_TRAIN_FRAGMENTATION_PPM;
    o->ds_zero_init = true;
    o->rollout_tp = 1;
}

uint64_t tmem_train_completion_len(const struct tmem_train_opts *o, uint64_t seq)
{
    if (o->completion_len != 0)
        return o->completion_len;
    return seq / 2 < TMEM_RL_COMPLETION_LEN ? seq / 2 : TMEM_RL_COMPLETION_LEN;
}

/* ------------------------------------------------------------ validation */

static uint64_t plan_seq(const struct tmem_model *m, const struct tmem_train_opts *o)
{
    if (o->seq != 0)
        return o->seq;
    return m->n_ctx != 0 && m->n_ctx < 4096 ? m->n_ctx : 4096;
}

/* the data-parallel degree the plan implies (validated first) */
static uint64_t plan_dp(const struct tmem_train_opts *o)
{
    uint64_t mp = o->tp * o->pp * o->cp;
    if (o->gpus != 0)
        return o->gpus / mp;
    return o->dp != 0 ? o->dp : 1;
}

/* DPO / GRPO / PPO: the post-training options */
static enum tmem_status validate_post(const struct tmem_model *m, const struct tmem_train_opts *o,
                                      struct tmem_error *err)
{
    if ((unsigned)o->rl >= TMEM_RL_COUNT || (unsigned)o->ref_model >= TMEM_REF_MODEL_COUNT)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "train", "an option is out of range");
    bool rl = o->rl != TMEM_RL_NONE;
    if (rl && o->dpo)
        return tmem__fail(err, TMEM_ERR_INCONSISTENT, "--rl",
                         "DPO learns from fixed pairs, GRPO / PPO from their own rollouts: give one");
    if (o->ref_model != TMEM_REF_MODEL_SAME && !rl && !o->dpo)
        return tmem__fail(err, TMEM_ERR_INCONSISTENT, "--ref-model", "a reference model needs --dpo or --rl");
    const char *rl_flag = o->reward_params != 0 ? "--reward-model"
                          : o->rollout_util_ppm != 0 ? "--rollout-memory-utilization"
                          : o->rollout_sleep ? "--rollout-sleep"
                          : o->rollout_tp != 1 ? "--rollout-tp"
                          : o->critic ? "--critic"
                          : o->group_size != 0 ? "--group-size"
                          : o->completion_len != 0 ? "--completion-len"
                          : o->gen_gather_per_layer ? "--gen-gather-per-layer" : NULL;
    if (!rl && rl_flag != NULL)
        return tmem__fail(err, TMEM_ERR_INCONSISTENT, rl_flag, "a post-training option needs --rl grpo|ppo");
    if (!rl)
        return TMEM_OK;
    if (o->deepspeed_estimator)
        return tmem__fail(err, TMEM_ERR_INCONSISTENT, "--rl", "DeepSpeed's estimator counts one model's states");
    if (o->group_size != 0 && o->rl != TMEM_RL_GRPO)
        return tmem__fail(err, TMEM_ERR_INCONSISTENT, "--group-size", "completions per prompt are GRPO's (--rl grpo)");
    if (o->rl == TMEM_RL_GRPO) {
        /* OpenRLHF train_ppo_ray.py: a group estimator "requires
         * n_samples_per_prompt > 1". (TRL's divisibility of the generation
         * batch by num_generations is the CLI's check of the plan given:
         * the solvers try every micro-batch.) */
        uint64_t g = o->group_size != 0 ? o->group_size : TMEM_RL_GROUP_SIZE;
        TRY(tmem__check_range(err, "--group-size", g, 2, UINT64_C(1) << 20));
        if (o->critic)
            return tmem__fail(err, TMEM_ERR_INCONSISTENT, "--critic",
                             "GRPO's baseline is its group's mean reward: the critic is PPO's (--rl ppo)");
    }
    if (o->critic) {
        for (uint32_t k = 0; k < optimizers[o->optimizer].n_states; k++)
            if (optimizers[o->optimizer].states[k].kind != TMEM_STATE_FULL)
                return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "--critic",
                                 "the critic's states are counted for full-state optimizers (adamw, adam, sgd, lion)");
        if (o->offload != TMEM_OFFLOAD_NONE || o->optimizer == TMEM_OPTIMIZER_PAGED_ADAMW)
            return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "--critic",
                             "an offloaded or paged critic is not modelled");
    }
    if (o->gen_gather_per_layer && o->zero != 3)
        return tmem__fail(err, TMEM_ERR_INCONSISTENT, "--gen-gather-per-layer",
                         "ZeRO-3's gather for generation: give --zero 3");
    if (o->gen_gather_per_layer && o->rollout_util_ppm != 0)
        return tmem__fail(err, TMEM_ERR_INCONSISTENT, "--gen-gather-per-layer",
                         "HF generate's gather (TRL: not compatible with vLLM generation)");
    if (o->rollout_util_ppm == 0) { /* HF generate on the training GPU: its KV cache */
        struct tmem_kv_layout kv;
        TRY(tmem_kv_layout(m, TMEM_KV_BF16, 1, 0, m->n_layer, &kv, err));
        uint64_t n;
        if (!tmem_mul_u64(o->micro_batch, o->grad_accum ? o->grad_accum : 1, &n))
            return tmem__fail(err, TMEM_ERR_OVERFLOW, "--micro-batch", "the generation batch does not fit in 64 bits");
        (void)n;
    }
    if (o->completion_len != 0 && o->completion_len >= plan_seq(m, o))
        return tmem__fail(err, TMEM_ERR_INCONSISTENT, "--completion-len",
                         "the completion is part of --seq (prompt + completion): give less than --seq");
    TRY(tmem__check_range(err, "--rollout-memory-utilization", o->rollout_util_ppm, 0, 999999));
    TRY(tmem__check_range(err, "--rollout-tp", o->rollout_tp, 1, TMEM_MAX_TRAIN_GPUS));
    TRY(tmem__check_divides(err, "--rollout-tp", o->rollout_tp, "n_head", m->n_head));
    TRY(tmem__check_divides(err, "--rollout-tp", o->rollout_tp, "n_kv_head", m->n_kv_head));
    if (o->rollout_util_ppm != 0 && o->rollout_capacity_bytes == 0)
        return tmem__fail(err, TMEM_ERR_INCONSISTENT, "--rollout-memory-utilization",
                         "a fraction of the GPU's memory: give --gpu");
    if (o->rollout_util_ppm == 0 && (o->rollout_sleep || o->rollout_tp != 1))
        return tmem__fail(err, TMEM_ERR_INCONSISTENT, o->rollout_sleep ? "--rollout-sleep" : "--rollout-tp",
                         "an engine option needs --rollout-memory-utilization F");
    return TMEM_OK;
}

/* Every check (all), or only those that read a field a search's inner
 * loops change (micro-batch, micro-batch counts, ZeRO / FSDP, offload,
 * recompute; fused cross-entropy: an encoder's refusal), in the same order: for a plan
 * whose other fields equal those of a plan that passed every check (the
 * VALID memo of a prepared context), the others pass again, so the first
 * of these that fails is the first every check would report. */
static enum tmem_status validate(const struct tmem_model *m, const struct tmem_train_opts *o, bool all,
                                 struct tmem_error *err)
{
    if (m == NULL || o == NULL)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "train", "no model or plan given");
    /* pure Mamba / Mamba-2, the hybrids whose layers run one mixer each
     * of attention and a Mamba or Gated DeltaNet kind (jamba,
     * granitemoehybrid, qwen3_next) and those running attention and a
     * Mamba-2 mixer side by side (falcon_h1) train (act_inventory.c
     * mixer()); the others are refused rather than counted with another
     * kind's tensors */
    if (all && m->ssm != TMEM_SSM_NONE && tmem__ssm_mixer(m) == TMEM__MIXER_COUNT)
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "train",
                          "training activations of this state-space mixer are not modelled yet; "
                          "params, infer and serve count it");
    if (m->ssm != TMEM_SSM_NONE && (o->tp > 1 || o->cp > 1)) /* act_inventory.c mamba1_mixer */
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, o->tp > 1 ? "--tp" : "--cp",
                          "a state-space (Mamba) model trains with tensor and context parallel 1 "
                          "(HF MambaMixer has no parallel split)");
    /* Llama 3.2 Vision trains on text-only samples (no pixel_values): HF
     * MllamaTextModel skips each cross-attention layer whose
     * cross_attention_states is None, so those layers save nothing and the
     * tower does not run (setup_layout); one stage, as infer */
    if (all && m->n_cross_layer > 0 && o->pp > 1)
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "--pp",
                          "Llama 3.2 Vision (cross-attention layers) trains on one pipeline stage: "
                          "the split of its self and cross layers over stages is not modeled");
    if (all && m->encoder) { /* fine-tuning: bidirectional, post-LN, a head with a loss */
        if (!m->post_norm && (o->dropout == TMEM_ON ||
                              (o->dropout != TMEM_OFF && (m->dropout[TMEM_DROPOUT_ATTN] > 0.0 ||
                                                          m->dropout[TMEM_DROPOUT_RESID] > 0.0 ||
                                                          m->dropout[TMEM_DROPOUT_EMBD] > 0.0))))
            return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "--dropout",
                              "ModernBERT trains with dropout 0, its config class's default (HF's "
                              "attention, MLP and embedding dropouts inside the layer are not modelled: "
                              "--dropout off)");
        if (m->rel_attn && o->attention != TMEM_ATTENTION_NAIVE)
            return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "--attention",
                              "DeBERTa's disentangled attention is eager in HF (no SDPA or flash path): "
                              "--attention naive");
        if (m->head != TMEM_HEAD_MLM && m->head != TMEM_HEAD_CLS)
            return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "--head",
                              "fine-tuning an encoder needs a head with a loss: --head mlm or --head cls:N");
        if (o->kernels != TMEM_KERNELS_EAGER || o->dpo || o->rl != TMEM_RL_NONE || o->cp > 1)
            return tmem__fail(err, TMEM_ERR_UNSUPPORTED,
                              o->kernels != TMEM_KERNELS_EAGER ? "--kernels" : o->dpo ? "--dpo"
                              : o->rl != TMEM_RL_NONE ? "--rl" : "--cp",
                              "not modeled for encoders (HF's BERT modules: --kernels eager)");
    }
    /* a search's inner loops change --fused-ce: checked in both modes */
    if (m->encoder && o->fused_ce)
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "--fused-ce",
                          "not modeled for encoders (HF's BERT modules: --kernels eager)");
    if (m->encdec) /* reads recompute (an inner-loop field) beside fields the search keeps */
        TRY(tmem__encdec_train_check(m, o, err));
    if (all && (unsigned)o->precision >= TMEM_PRECISION_COUNT)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "--precision", "unknown precision policy");
    if (all && (unsigned)o->optimizer >= TMEM_OPTIMIZER_COUNT)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "--optimizer", "unknown optimizer");
    if ((unsigned)o->recompute >= TMEM_RECOMPUTE_COUNT || (unsigned)o->attention >= TMEM_ATTENTION_COUNT ||
        (unsigned)o->fsdp >= TMEM_FSDP_COUNT || (unsigned)o->offload >= TMEM_OFFLOAD_COUNT ||
        (unsigned)o->kernels >= TMEM_KERNELS_COUNT)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "train", "an option is out of range");
    TRY(tmem__check_range(err, "--micro-batch", o->micro_batch, 1, TMEM_MAX_MICRO_BATCH));
    uint64_t seq = plan_seq(m, o);
    if (all) {
        TRY(tmem__check_range(err, "--seq", seq, 1, TMEM_MAX_SEQ));
        if (m->learned_pos && seq > m->n_pos)
            return tmem__fail_value(err, TMEM_ERR_INCONSISTENT, "--seq", seq,
                                   "at most the learned position table (n_ctx)");
        TRY(tmem__check_range(err, "--tp", o->tp, 1, TMEM_MAX_TRAIN_GPUS));
        TRY(tmem__check_range(err, "--pp", o->pp, 1, TMEM_MAX_PP_STAGES));
        TRY(tmem__check_range(err, "--cp", o->cp, 1, TMEM_MAX_TRAIN_GPUS));
        TRY(tmem__check_range(err, "--ep", o->ep, 1, TMEM_MAX_N_EXPERT));
    }
    TRY(tmem__vision_train_check(m, o, seq, err)); /* --images (train_vision.c) */
    TRY(tmem__check_range(err, "--zero", o->zero, 0, 3));
    if (all) {
        TRY(tmem__check_range(err, "--gpus", o->gpus, 0, TMEM_MAX_TRAIN_GPUS));
        TRY(tmem__check_range(err, "--dp", o->dp, 0, TMEM_MAX_TRAIN_GPUS));
        TRY(tmem__check_range(err, "--gpus-per-node", o->gpus_per_node, 1, 1024));
    }
    TRY(tmem__check_range(err, "--grad-accum", o->grad_accum, 1, UINT64_C(1) << 24));
    TRY(tmem__check_range(err, "--micro-batches", o->n_microbatches, 0, UINT64_C(1) << 24));
    uint64_t mp = o->tp * o->pp * o->cp; /* each ≤ 2^20, pp ≤ 1024: fits */
    if (all) {
        TRY(tmem__check_range(err, "--virtual-stages", o->virtual_stages, 1, 256));
        TRY(tmem__check_range(err, "--fragmentation", o->fragmentation_ppm, 0, 1000000));
        TRY(tmem__check_range(err, "--ce-chunk", o->ce_chunk_tokens, 1, TMEM_MAX_SEQ));
        TRY(tmem__check_divides(err, "--tp", o->tp, "n_head", m->n_head));
        TRY(tmem__check_divides(err, "--tp", o->tp, "n_kv_head", m->n_kv_head));
        if (o->pp > m->n_layer)
            return tmem__fail_value(err, TMEM_ERR_INCONSISTENT, "--pp", o->pp,
                                   "at most n_layer (one layer per stage or more)");
        if (o->ep > 1 && m->n_expert == 0)
            return tmem__fail(err, TMEM_ERR_INCONSISTENT, "--ep",
                             "expert parallel needs a mixture-of-experts model");
        if (m->n_expert > 0)
            TRY(tmem__check_divides(err, "--ep", o->ep, "n_expert", m->n_expert));
        TRY(tmem__check_divides(err, "--cp", o->cp, "the sequence length", seq));
        if (mp > TMEM_MAX_TRAIN_GPUS)
            return tmem__fail_value(err, TMEM_ERR_LIMIT, "--tp", mp, "tp·pp·cp at most 1048576");
        if (o->gpus != 0) {
            uint64_t dp = o->dp != 0 ? o->dp : o->gpus / mp;
            if (o->gpus % mp != 0 || dp * mp != o->gpus) {
                char rule[128];
                struct tmem_sb sb;
                tmem__sb_init(&sb, rule, sizeof rule);
                tmem__sb_str(&sb, "dp·tp·pp·cp (");
                if (o->dp != 0) {
                    tmem__sb_u64(&sb, o->dp);
                    tmem__sb_str(&sb, "·");
                } else {
                    tmem__sb_str(&sb, "dp·");
                }
                tmem__sb_u64(&sb, o->tp);
                tmem__sb_str(&sb, "·");
                tmem__sb_u64(&sb, o->pp);
                tmem__sb_str(&sb, "·");
                tmem__sb_u64(&sb, o->cp);
                tmem__sb_str(&sb, o->dp != 0 ? ")" : " for a whole dp)");
                return tmem__fail_value(err, TMEM_ERR_INCONSISTENT, "--gpus", o->gpus, rule);
            }
    }
    uint64_t dp = plan_dp(o);
    if (dp == 0)
        return tmem__fail(err, TMEM_ERR_INCONSISTENT, "--dp", "the data-parallel degree is 0");
    if (dp * mp > TMEM_MAX_TRAIN_GPUS)
        return tmem__fail_value(err, TMEM_ERR_LIMIT, "--gpus", dp * mp, "at most 1048576 GPUs");
    if (m->n_expert > 0 && o->ep > 1)
        TRY(tmem__check_divides(err, "--ep", o->ep, "the data-parallel degree", dp));
    }
    if (o->zero != 0 && o->fsdp != TMEM_FSDP_OFF)
        return tmem__fail(err, TMEM_ERR_INCONSISTENT, "--fsdp",
                         "--zero and --fsdp are two ways to shard: give one");
    if (o->distributed_optimizer && (o->zero != 0 || o->fsdp != TMEM_FSDP_OFF))
        return tmem__fail(err, TMEM_ERR_INCONSISTENT, "--distributed-optimizer",
                         "Megatron's distributed optimizer replaces ZeRO / FSDP sharding");
    bool sharding = o->zero != 0 || (o->fsdp != TMEM_FSDP_OFF && o->fsdp != TMEM_FSDP_NO_SHARD);
    if (o->offload != TMEM_OFFLOAD_NONE && !sharding && !o->deepspeed_estimator)
        return tmem__fail(err, TMEM_ERR_INCONSISTENT, "--offload",
                         "offload needs ZeRO (--zero 1..3) or FSDP sharding");
    if (o->offload == TMEM_OFFLOAD_PARAMS && o->zero != 3 && o->fsdp != TMEM_FSDP_FULL &&
        o->fsdp != TMEM_FSDP_HYBRID)
        return tmem__fail(err, TMEM_ERR_INCONSISTENT, "--offload",
                         "offloading parameters needs ZeRO-3 or FSDP full / hybrid sharding");
    if (all && o->virtual_stages > 1 && (o->pp < 2 || m->n_layer % (o->pp * o->virtual_stages) != 0))
        return tmem__fail_value(err, TMEM_ERR_INCONSISTENT, "--virtual-stages", o->virtual_stages,
                               "used with --pp > 1, and pp·virtual_stages must divide n_layer");
    if (o->fsdp == TMEM_FSDP_HYBRID)
        TRY(tmem__check_divides(err, "--gpus-per-node", o->tp * o->cp, "gpus per node", o->gpus_per_node));
    if (o->optimizer_in_backward && (o->grad_accum > 1 || o->pp > 1 || o->zero != 0 || o->deepspeed_estimator))
        return tmem__fail(err, TMEM_ERR_INCONSISTENT, "--optimizer-in-backward",
                         "each gradient is stepped as it is made: no --grad-accum, --pp or --zero with it");
    if (all) {
        TRY(tmem__check_range(err, "--lora-rank", o->lora_rank, 0, TMEM_MAX_LORA_RANK));
        if ((unsigned)o->base_quant >= TMEM_BASE_QUANT_COUNT)
            return tmem__fail(err, TMEM_ERR_INVALID_ARG, "--base-quant", "unknown base quantization");
        TRY(tmem__check_range(err, "--lora-dropout", o->lora_dropout_ppm, 0, 999999));
        uint64_t past = 0; /* bits of the kind sets past TMEM_TENSOR_KIND_COUNT */
        const unsigned n_kinds = TMEM_TENSOR_KIND_COUNT;
        for (unsigned i = 0; i < TMEM_KIND_SET_WORDS; i++) {
            unsigned lo = 64 * i;
            uint64_t valid = lo >= n_kinds ? 0 : n_kinds - lo >= 64 ? UINT64_MAX : (UINT64_C(1) << (n_kinds - lo)) - 1;
            past |= (o->lora_targets.w[i] | o->modules_to_save.w[i]) & ~valid;
        }
        if (past != 0)
            return tmem__fail(err, TMEM_ERR_INVALID_ARG, "--lora-targets", "a tensor kind out of range");
        if (o->lora_rank == 0) {
            const char *flag = o->base_quant != TMEM_BASE_QUANT_NONE ? "--base-quant"
                               : o->dora                             ? "--dora"
                               : tmem_kind_set_any(o->lora_targets) ? "--lora-targets"
                               : o->lora_dropout_ppm != 0            ? "--lora-dropout"
                               : tmem_kind_set_any(o->modules_to_save) ? "--modules-to-save"
                               : o->lora_alpha != 0                  ? "--lora-alpha"
                                                                     : NULL;
            if (flag != NULL)
                return tmem__fail(err, TMEM_ERR_INCONSISTENT, flag,
                                 "an adapter option needs --lora-rank R (R > 0)");
        } else {
            struct tmem_kind_set linear = {{0}};
            for (int k = 0; k < TMEM_TENSOR_KIND_COUNT; k++)
                if (tmem__kind_lora_linear(k))
                    tmem_kind_set_add(&linear, k);
            if (!tmem_kind_set_any(tmem_kind_set_and(o->lora_targets, linear)))
                return tmem__fail(err, TMEM_ERR_INCONSISTENT, "--lora-targets",
                                 "no linear layer targeted (q,k,v,o,gate,up,down, HF names or all-linear)");
            if (tmem_kind_set_any(tmem_kind_set_minus(o->lora_targets, linear)))
                return tmem__fail(err, TMEM_ERR_INCONSISTENT, "--lora-targets",
                                 "adapters go on linear layers only");
            if (o->deepspeed_estimator)
                return tmem__fail(err, TMEM_ERR_INCONSISTENT, "--lora-rank",
                                 "DeepSpeed's estimator counts full fine-tuning only");
    }
    }
    if (o->deepspeed_estimator && o->zero != 2 && o->zero != 3)
        return tmem__fail_value(err, TMEM_ERR_INCONSISTENT, "--zero", o->zero,
                               "2 or 3 with --deepspeed-estimator (DeepSpeed estimates those stages)");
    return validate_post(m, o, err);
}

enum tmem_status tmem_train_validate(const struct tmem_model *m, const struct tmem_train_opts *o,
                                     struct tmem_error *err)
{
    return validate(m, o, true, err);
}

/* ------------------------------------------------------------ layout */

enum cat { CAT_LAYER, CAT_DENSE, CAT_MOE, CAT_EXPERT, CAT_FIRST, CAT_LAST, CAT_COUNT };

/* Where a tensor of the inventory lives: its kind's pipeline placement,
 * with the routed experts apart (expert parallel divides them). */
static enum cat category(const struct tmem_tensor_kind_info *k)
{
    switch (k->scope) {
    case TMEM_SCOPE_INPUT: return CAT_FIRST;
    case TMEM_SCOPE_OUTPUT: return CAT_LAST;
    case TMEM_SCOPE_LAYER:
    case TMEM_SCOPE_ATTN_LAYER: /* every layer of a transformer (state-space models are refused) */
    case TMEM_SCOPE_SSM_LAYER: return CAT_LAYER;
    case TMEM_SCOPE_DENSE_LAYER: return CAT_DENSE;
    case TMEM_SCOPE_MOE_LAYER: return k->group == TMEM_GROUP_EXPERTS ? CAT_EXPERT : CAT_MOE;
    case TMEM_SCOPE_ENC_LAYER: return CAT_FIRST; /* the whole encoder on the first stage */
    case TMEM_SCOPE_COUNT: break;
    }
    return CAT_LAYER; /* not reached: the inventory check accepted the kind */
}

/* MoE layers with index < n (the model's own rule, applied to a prefix) */
static uint64_t moe_before(const struct tmem_model *m, uint64_t n)
{
    if (m->n_expert == 0 || n == 0)
        return 0;
    if (n >= m->n_layer)
        return tmem_model_moe_layers(m);
    struct tmem_model p = *m;
    p.n_layer = n;
    return tmem_model_moe_layers(&p);
}

/* instances of a tensor of category k on this stage */
static uint64_t stage_count(const struct tmem_train_ctx *c, enum cat k, uint64_t count,
                            uint64_t n_moe, uint64_t n_dense)
{
    const struct tmem_train_layout *l = &c->lay;
    switch (k) {
    case CAT_LAYER: return count / c->m->n_layer * l->layers;
    case CAT_DENSE: return n_dense ? count / n_dense * l->dense_layers : 0;
    case CAT_MOE: return n_moe ? count / n_moe * l->moe_layers : 0;
    case CAT_EXPERT:
        return n_moe ? count / n_moe / c->m->n_expert * l->moe_layers * (c->m->n_expert / c->ep) : 0;
    case CAT_FIRST: return l->first ? count : 0;
    default: return l->last ? count : 0;
    }
}

uint64_t tmem__stage_instances(const struct tmem_train_ctx *c, const struct tmem_tensor *t, bool *expert)
{
    const struct tmem_model *m = c->m;
    uint64_t n_moe = tmem_model_moe_layers(m), n_dense = m->n_layer - n_moe;
    enum cat k = category(tmem__kind(t));
    uint64_t count = stage_count(c, k, t->count, n_moe, n_dense);
    if (t->kind == TMEM_TENSOR_KIND_TOKEN_EMBD && c->lay.last && m->tied && c->pp > 1)
        count += 1; /* the last stage's copy of a tied embedding */
    *expert = k == CAT_EXPERT;
    return count;
}

/* The inventory's parameters by pipeline placement, split by tensor
 * parallel or replicated, and of them the matmul weights; the token
 * embedding's (fixed for a model: tmem_train_prepare keeps them). */
static void place_sums(const struct tmem_inventory *inv, uint64_t sum[CAT_COUNT][2], uint64_t mm[CAT_COUNT][2],
                       uint64_t *embed_split)
{
    memset(sum, 0, sizeof(uint64_t[CAT_COUNT][2]));
    memset(mm, 0, sizeof(uint64_t[CAT_COUNT][2]));
    *embed_split = 0;
    for (uint32_t i = 0; i < inv->n_tensors; i++) {
        const struct tmem_tensor *t = &inv->tensors[i];
        const struct tmem_tensor_kind_info *ki = tmem__kind(t);
        enum cat k = category(ki);
        bool split = ki->tp != TMEM_TP_SPLIT_REPLICATED;
        sum[k][split] += t->params; /* sums of an inventory that was built without overflow */
        if (ki->matmul)
            mm[k][split] += t->params;
        if (t->kind == TMEM_TENSOR_KIND_TOKEN_EMBD)
            *embed_split += t->params;
    }
}
_Static_assert(CAT_COUNT == TMEM_TRAIN_PREP_PLACES, "one prepared sum per placement");

/* micro-batches in flight (1F1B): stage i holds min(pp − i, m); the
 * interleaved schedule holds (pp − i − 1)·2 + (v − 1)·pp + 1 model chunks
 * of layers/v layers: stage 0 then holds L·(1 + (p−1)/(p·v)). */
static void setup_inflight(struct tmem_train_ctx *c)
{
    const struct tmem_train_opts *o = c->o;
    struct tmem_train_layout *l = &c->lay;
    uint64_t stage = l->stage;
    uint64_t mb = o->n_microbatches ? o->n_microbatches : c->pp;
    if (c->pp == 1) {
        l->inflight_num = l->inflight_den = 1;
    } else if (o->virtual_stages <= 1) {
        uint64_t n = c->pp - stage;
        l->inflight_num = n < mb ? n : mb;
        l->inflight_den = 1;
    } else {
        uint64_t v = o->virtual_stages;
        uint64_t chunks = (c->pp - stage - 1) * 2 + (v - 1) * c->pp + 1;
        l->inflight_num = chunks < mb * v ? chunks : mb * v;
        l->inflight_den = v;
    }
}

/* this stage's layers and parameters from the placement sums */
static void setup_layout(struct tmem_train_ctx *c, uint64_t stage, uint64_t sum[CAT_COUNT][2],
                         uint64_t mm[CAT_COUNT][2], uint64_t embed_split)
{
    const struct tmem_model *m = c->m;
    const struct tmem_train_opts *o = c->o;
    struct tmem_train_layout *l = &c->lay;
    memset(l, 0, sizeof *l);
    l->dp = c->dp;
    l->stage = stage;
    l->first = stage == 0;
    l->last = stage == c->pp - 1;
    uint64_t base = m->n_layer / c->pp, rem = m->n_layer % c->pp;
    uint64_t lo = stage * base + (stage < rem ? stage : rem);
    l->layers = base + (stage < rem);
    l->moe_layers = moe_before(m, lo + l->layers) - moe_before(m, lo);
    l->dense_layers = l->layers - l->moe_layers;
    l->attn_layers = tmem_model_attn_layers_in(m, lo, lo + l->layers);
    l->ssm_layers = tmem_model_ssm_layers_in(m, lo, lo + l->layers);

    /* sharding degree: dp·cp ranks hold the same weights; HSDP shards
     * only within a node */
    uint64_t group = c->dp * c->cp;
    bool sharding = o->zero != 0 || o->distributed_optimizer ||
                    (o->fsdp != TMEM_FSDP_OFF && o->fsdp != TMEM_FSDP_NO_SHARD);
    l->shard = 1;
    if (sharding) {
        l->shard = group;
        if (o->fsdp == TMEM_FSDP_HYBRID) {
            uint64_t node = o->gpus_per_node / (c->tp * c->cp) * c->cp;
            l->shard = node < group ? node : group;
        }
    }
    l->expert_shard = l->shard / c->ep ? l->shard / c->ep : 1;

    /* parameters: full-model sums per category, then this stage's share */
    uint64_t n_moe = tmem_model_moe_layers(m), n_dense = m->n_layer - n_moe;
    /* tied weights with pp > 1: the last stage keeps its own copy of the
     * embedding for the lm_head (Megatron) */
    bool tied_copy = m->tied && c->pp > 1;
    uint64_t split = 0, repl = 0, esplit = 0, erepl = 0, msplit = 0, mrepl = 0;
    for (int k = 0; k < CAT_COUNT; k++) {
        uint64_t base_count = k == CAT_LAYER ? m->n_layer
                              : k == CAT_DENSE ? n_dense
                              : k == CAT_MOE ? n_moe
                              : k == CAT_EXPERT ? n_moe * m->n_expert
                                                : 1;
        uint64_t local = stage_count(c, (enum cat)k, base_count, n_moe, n_dense);
        for (int s = 0; s < 2; s++) {
            if (sum[k][s] == 0)
                continue;
            uint64_t v = base_count ? tc_scale(c, sum[k][s], local, base_count) : 0;
            uint64_t w = base_count ? tc_scale(c, mm[k][s], local, base_count) : 0;
            if (k == CAT_EXPERT) {
                if (s)
                    esplit = tc_add(c, esplit, v);
                else
                    erepl = tc_add(c, erepl, v);
            } else if (s) {
                split = tc_add(c, split, v);
            } else {
                repl = tc_add(c, repl, v);
            }
            if (s)
                msplit = tc_add(c, msplit, w);
            else
                mrepl = tc_add(c, mrepl, w);
        }
    }
    if (tied_copy && l->last) {
        split = tc_add(c, split, embed_split);
        msplit = tc_add(c, msplit, embed_split);
    } else if (m->tied && l->last) {
        msplit = tc_add(c, msplit, embed_split); /* the lm_head matmul uses the embedding */
    }
    l->dense_params = tc_add(c, tmem_ceil_div_u64(split, c->tp), repl);
    l->expert_params = tc_add(c, tmem_ceil_div_u64(esplit, c->tp), erepl);
    l->params = tc_add(c, l->dense_params, l->expert_params);
    l->matmul_params = tc_add(c, tmem_ceil_div_u64(msplit, c->tp), mrepl);

    /* the largest unit ZeRO-3 / FSDP gathers: one layer, the embedding or
     * the lm_head, after tensor parallel */
    uint64_t layer = tmem_ceil_div_u64(sum[CAT_LAYER][1] / m->n_layer, c->tp) +
                     sum[CAT_LAYER][0] / m->n_layer;
    uint64_t dense_mlp = n_dense ? tmem_ceil_div_u64(sum[CAT_DENSE][1] / n_dense, c->tp) +
                                       sum[CAT_DENSE][0] / n_dense
                                 : 0;
    uint64_t moe_mlp = 0;
    if (n_moe) {
        moe_mlp = tmem_ceil_div_u64(sum[CAT_MOE][1] / n_moe, c->tp) + sum[CAT_MOE][0] / n_moe;
        uint64_t per_expert = sum[CAT_EXPERT][1] / (n_moe * m->n_expert);
        moe_mlp += tmem_ceil_div_u64(per_expert * (m->n_expert / c->ep), c->tp) +
                   sum[CAT_EXPERT][0] / n_moe;
    }
    layer += dense_mlp > moe_mlp ? dense_mlp : moe_mlp;
    uint64_t embed = tmem_ceil_div_u64(sum[CAT_FIRST][1], c->tp) + sum[CAT_FIRST][0];
    uint64_t head = tmem_ceil_div_u64(sum[CAT_LAST][1], c->tp) + sum[CAT_LAST][0];
    l->largest_unit_params = layer;
    if (embed > l->largest_unit_params)
        l->largest_unit_params = embed;
    if (head > l->largest_unit_params)
        l->largest_unit_params = head;
}

/* a gradient buffer that lives the whole step: the policy's, or one that
 * accumulates over micro-batches (gradient accumulation, a pipeline) */
static bool grads_persistent(const struct tmem_train_opts *o)
{
    return precisions[o->precision].persistent_grads || o->grad_accum > 1 || o->pp > 1;
}

/* the resolved lengths; encoder–decoders: seq (the tokens of the logits and
 * the loss) is the decoder's, seq_enc the encoder's (--seq) */
static void set_seqs(struct tmem_train_ctx *c, const struct tmem_model *m, const struct tmem_train_opts *o)
{
    c->seq_enc = plan_seq(m, o);
    c->seq = m->encdec && o->target_seq != 0 ? o->target_seq : c->seq_enc;
}

/* the plan's scalars: dtypes, degrees, tokens, sharding, kernel profile */
static void setup_scalars(struct tmem_train_ctx *c, const struct tmem_model *m,
                          const struct tmem_inventory *inv, const struct tmem_train_opts *o)
{
    /* lay (setup_layout or the memo), la and act: written before they are read */
    memset(&c->overflow, 0, offsetof(struct tmem_train_ctx, la) - offsetof(struct tmem_train_ctx, overflow));
    c->m = m;
    c->inv = inv;
    c->o = o;
    c->pi = &precisions[o->precision];
    c->oi = &optimizers[o->optimizer];
    c->wb = tmem__dtype_size(c->pi->weights);
    c->gb = tmem__dtype_size(c->pi->grads);
    c->stb = tmem__dtype_size(c->pi->states);
    c->rb = tmem__dtype_size(c->pi->residual);
    c->cb = tmem__dtype_size(c->pi->compute);
    c->fb = tmem__dtype_size(F32);
    c->tp = o->tp;
    c->pp = o->pp;
    c->cp = o->cp;
    c->ep = o->ep;
    c->dp = plan_dp(o);
    set_seqs(c, m, o);
    c->s_local = c->seq / c->cp;
    c->seqs = o->dpo ? tc_mul(c, 2, o->micro_batch) : o->micro_batch; /* DPO: chosen + rejected */
    c->tokens = tc_mul(c, c->seqs, c->s_local);
    c->tokens_repl = o->sequence_parallel && c->tp > 1 ? tmem_ceil_div_u64(c->tokens, c->tp) : c->tokens;
    c->shard_o = o->zero >= 1 || o->distributed_optimizer ||
                 (o->fsdp != TMEM_FSDP_OFF && o->fsdp != TMEM_FSDP_NO_SHARD);
    c->shard_g = o->zero >= 2 || o->fsdp == TMEM_FSDP_FULL || o->fsdp == TMEM_FSDP_GRAD_OP ||
                 o->fsdp == TMEM_FSDP_HYBRID;
    c->shard_w = o->zero == 3 || o->fsdp == TMEM_FSDP_FULL || o->fsdp == TMEM_FSDP_GRAD_OP ||
                 o->fsdp == TMEM_FSDP_HYBRID;
    c->grads_persistent = grads_persistent(o);
    c->fused_ce = o->fused_ce || o->kernels == TMEM_KERNELS_LIGER; /* Liger's fused linear cross-entropy */
    tmem__train_act_family(c);
}

void tmem__train_setup(struct tmem_train_ctx *c, const struct tmem_model *m,
                       const struct tmem_inventory *inv, const struct tmem_train_opts *o, uint64_t stage)
{
    uint64_t sum[CAT_COUNT][2], mm[CAT_COUNT][2], embed_split;
    place_sums(inv, sum, mm, &embed_split);
    setup_scalars(c, m, inv, o);
    setup_layout(c, stage, sum, mm, embed_split);
    setup_inflight(c);
    tmem__lora_setup(c);
    tmem__train_layer_act(c, &c->la);
}

/* ------------------------------------------------------------ items */

#define PH(p) (1u << (p))
#define ALL_PHASES (PH(TMEM_PHASE_FORWARD) | PH(TMEM_PHASE_BACKWARD) | PH(TMEM_PHASE_BACKWARD_END) | PH(TMEM_PHASE_OPTIMIZER))
#define FWD_BWD (PH(TMEM_PHASE_FORWARD) | PH(TMEM_PHASE_BACKWARD))
#define COMPUTE_PHASES (PH(TMEM_PHASE_FORWARD) | PH(TMEM_PHASE_BACKWARD) | PH(TMEM_PHASE_BACKWARD_END))
#define BWD_PHASES (PH(TMEM_PHASE_BACKWARD) | PH(TMEM_PHASE_BACKWARD_END))

static const struct {
    enum tmem_bucket bucket;
    uint32_t phases; /* default liveness; item_phases() refines */
    bool act;        /* computed by train_act.c (activations, logits, loss, recompute) */
} item_table[] = {
    [TMEM_TI_WEIGHTS] = {TMEM_BUCKET_WEIGHTS, ALL_PHASES, false},
    [TMEM_TI_REF_WEIGHTS] = {TMEM_BUCKET_WEIGHTS, ALL_PHASES, false},
    [TMEM_TI_REWARD_WEIGHTS] = {TMEM_BUCKET_WEIGHTS, ALL_PHASES, false},
    [TMEM_TI_CRITIC_WEIGHTS] = {TMEM_BUCKET_WEIGHTS, ALL_PHASES, false},
    [TMEM_TI_CRITIC_GRADS] = {TMEM_BUCKET_GRADIENTS, ALL_PHASES, false},
    [TMEM_TI_CRITIC_STATES] = {TMEM_BUCKET_OPTIMIZER_STATES, ALL_PHASES, false},
    [TMEM_TI_ROLLOUT_WEIGHTS] = {TMEM_BUCKET_WEIGHTS, ALL_PHASES, false},
    [TMEM_TI_ROLLOUT_KV] = {TMEM_BUCKET_KV_CACHE, ALL_PHASES, false},
    [TMEM_TI_GEN_KV] = {TMEM_BUCKET_KV_CACHE, PH(TMEM_PHASE_ROLLOUT), false},
    [TMEM_TI_GEN_GATHER] = {TMEM_BUCKET_COMMUNICATION_BUCKETS, PH(TMEM_PHASE_ROLLOUT), false},
    [TMEM_TI_GRADS] = {TMEM_BUCKET_GRADIENTS, ALL_PHASES, false},
    [TMEM_TI_GRADS_FP32] = {TMEM_BUCKET_GRADIENTS, ALL_PHASES, false},
    [TMEM_TI_MASTER] = {TMEM_BUCKET_OPTIMIZER_STATES, ALL_PHASES, false},
    [TMEM_TI_STATE0] = {TMEM_BUCKET_OPTIMIZER_STATES, ALL_PHASES, false},
    [TMEM_TI_STATE1] = {TMEM_BUCKET_OPTIMIZER_STATES, ALL_PHASES, false},
    [TMEM_TI_STATE2] = {TMEM_BUCKET_OPTIMIZER_STATES, ALL_PHASES, false},
    [TMEM_TI_ACT_ENC_LAYERS] = {TMEM_BUCKET_ACTIVATIONS, FWD_BWD, true},
    [TMEM_TI_ACT_DEC_LAYERS] = {TMEM_BUCKET_ACTIVATIONS, FWD_BWD, true},
    [TMEM_TI_ACT_ATTN] = {TMEM_BUCKET_ACTIVATIONS, FWD_BWD, true},
    [TMEM_TI_ACT_SCORES] = {TMEM_BUCKET_ACTIVATIONS, FWD_BWD, true},
    [TMEM_TI_ACT_MLP] = {TMEM_BUCKET_ACTIVATIONS, FWD_BWD, true},
    [TMEM_TI_ACT_MOE] = {TMEM_BUCKET_ACTIVATIONS, FWD_BWD, true},
    [TMEM_TI_ACT_MASKS] = {TMEM_BUCKET_ACTIVATIONS, FWD_BWD, true},
    [TMEM_TI_ACT_CKPT] = {TMEM_BUCKET_ACTIVATIONS, FWD_BWD, true},
    [TMEM_TI_ACT_VISION] = {TMEM_BUCKET_ACTIVATIONS, FWD_BWD, true},
    [TMEM_TI_ACT_ENDS] = {TMEM_BUCKET_ACTIVATIONS, FWD_BWD, true},
    [TMEM_TI_ACT_AUTOCAST] = {TMEM_BUCKET_ACTIVATIONS, FWD_BWD, true},
    [TMEM_TI_LOGITS] = {TMEM_BUCKET_TEMPORARY_BUFFERS, FWD_BWD, true},
    [TMEM_TI_LOSS] = {TMEM_BUCKET_TEMPORARY_BUFFERS, FWD_BWD, true},
    [TMEM_TI_LOGITS_GRAD] = {TMEM_BUCKET_TEMPORARY_BUFFERS, PH(TMEM_PHASE_BACKWARD), true},
    [TMEM_TI_RECOMPUTE] = {TMEM_BUCKET_TEMPORARY_BUFFERS, PH(TMEM_PHASE_BACKWARD), true},
    [TMEM_TI_WEIGHT_TEMP] = {TMEM_BUCKET_TEMPORARY_BUFFERS, PH(TMEM_PHASE_BACKWARD), false},
    [TMEM_TI_STEP_SCRATCH] = {TMEM_BUCKET_TEMPORARY_BUFFERS, PH(TMEM_PHASE_OPTIMIZER), false},
    [TMEM_TI_DDP_BUCKETS] = {TMEM_BUCKET_COMMUNICATION_BUCKETS, ALL_PHASES, false},
    [TMEM_TI_ZERO_REDUCE] = {TMEM_BUCKET_COMMUNICATION_BUCKETS, BWD_PHASES, false},
    [TMEM_TI_ZERO_ALLGATHER] = {TMEM_BUCKET_COMMUNICATION_BUCKETS, PH(TMEM_PHASE_OPTIMIZER), false},
    [TMEM_TI_GATHERED] = {TMEM_BUCKET_COMMUNICATION_BUCKETS, COMPUTE_PHASES, false},
    [TMEM_TI_UNSHARDED_GRADS] = {TMEM_BUCKET_COMMUNICATION_BUCKETS, BWD_PHASES, false},
    [TMEM_TI_CUDA] = {TMEM_BUCKET_FRAMEWORK_OVERHEAD, ALL_PHASES, false},
    [TMEM_TI_FRAGMENTATION] = {TMEM_BUCKET_FRAMEWORK_OVERHEAD, ALL_PHASES, false},
    [TMEM_TI_DS_LARGEST] = {TMEM_BUCKET_COMMUNICATION_BUCKETS, ALL_PHASES, false},
    [TMEM_TI_DS_STATES] = {TMEM_BUCKET_OPTIMIZER_STATES, ALL_PHASES, false},
};
_Static_assert(sizeof item_table / sizeof item_table[0] == TMEM_TI_COUNT, "one row per item");

static uint32_t item_phases(const struct tmem_train_ctx *c, enum tmem_train_item it)
{
    bool grads = it == TMEM_TI_GRADS || it == TMEM_TI_GRADS_FP32;
    uint32_t ph = grads && !c->grads_persistent ? PH(TMEM_PHASE_BACKWARD_END) | PH(TMEM_PHASE_OPTIMIZER)
                                                : item_table[it].phases;
    if (c->o->rl == TMEM_RL_NONE)
        return ph;
    /* the rollout phase: what stays between two training steps, beside the
     * generation engine. The critic's gradients stay too: verl's dp_critic
     * calls zero_grad() at the start of each update, not after its step. */
    if (it == TMEM_TI_ROLLOUT_WEIGHTS || it == TMEM_TI_ROLLOUT_KV) /* asleep during training: vLLM sleep level 1 */
        return c->o->rollout_sleep ? PH(TMEM_PHASE_ROLLOUT) : ph | PH(TMEM_PHASE_ROLLOUT);
    if (grads)
        return c->grads_persistent ? ph | PH(TMEM_PHASE_ROLLOUT) : ph;
    /* HF generate under ZeRO-3 with ds3_gather_for_generation False: the
     * layer-by-layer gathers of the forward run the generation too */
    if (it == TMEM_TI_GATHERED && c->o->zero == 3 && c->o->rollout_util_ppm == 0 && c->o->gen_gather_per_layer)
        return ph | PH(TMEM_PHASE_ROLLOUT);
#define TI(x) (UINT64_C(1) << TMEM_TI_##x)
    _Static_assert(TMEM_TI_COUNT <= 64, "the items fit a 64-bit mask");
    const uint64_t resident = TI(WEIGHTS) | TI(REF_WEIGHTS) | TI(REWARD_WEIGHTS) | TI(CRITIC_WEIGHTS) |
                              TI(CRITIC_GRADS) | TI(CRITIC_STATES) | TI(MASTER) | TI(STATE0) | TI(STATE1) |
                              TI(STATE2) | TI(DDP_BUCKETS) | TI(CUDA) | TI(FRAGMENTATION);
#undef TI
    return (resident >> it) & 1 ? ph | PH(TMEM_PHASE_ROLLOUT) : ph;
}

/* + (or − when minus) ceil(dense · bytes / shard) + ceil(experts · bytes /
 * expert_shard): "P_gpu × bytes / shard = …" */
static void sharded_n(const struct tmem_train_ctx *c, struct tmem__term *t, uint64_t dense,
                      uint64_t experts, bool train, uint64_t bytes, bool on, const char *what, bool minus)
{
    const struct tmem_train_layout *l = &c->lay;
    uint64_t sd = on ? l->shard : 1, se = on ? l->expert_shard : 1;
    tmem__term_next(t, minus);
    tmem__term_mul(t, experts ? (train ? "P_train_dense" : "P_dense") : (train ? "P_train" : "P_gpu"),
                   dense);
    tmem__term_mul(t, what, bytes);
    if (sd > 1)
        tmem__term_div_ceil(t, "shard", sd);
    if (experts) {
        tmem__term_next(t, minus);
        tmem__term_mul(t, train ? "P_train_experts" : "P_experts", experts);
        tmem__term_mul(t, "bytes", bytes);
        if (se > 1)
            tmem__term_div_ceil(t, "(shard/ep)", se);
    }
}

/* "5 %", "30 %", "12.5 %": parts per million as a percentage, written exactly */
static void ppm_text(uint64_t ppm, char *buf, size_t cap)
{
    struct tmem_sb sb;
    tmem__sb_init(&sb, buf, cap);
    tmem__sb_u64(&sb, ppm / 10000);
    uint64_t frac = ppm % 10000;
    if (frac != 0) {
        char d[6] = {'.', (char)('0' + frac / 1000), (char)('0' + frac / 100 % 10),
                     (char)('0' + frac / 10 % 10), (char)('0' + frac % 10), '\0'};
        for (int i = 4; i > 2 && d[i] == '0'; i--)
            d[i] = '\0';
        tmem__sb_str(&sb, d);
    }
    tmem__sb_str(&sb, " %");
}

/* every weight of this GPU */
static void sharded(const struct tmem_train_ctx *c, struct tmem__term *t, uint64_t bytes, bool on,
                    const char *what, bool minus)
{
    sharded_n(c, t, c->lay.dense_params, c->lay.expert_params, false, bytes, on, what, minus);
}

/* the trainable ones (all of them without adapters): gradients, master
 * weights, optimizer states */
static void trained(const struct tmem_train_ctx *c, struct tmem__term *t, uint64_t bytes, bool on,
                    const char *what)
{
    sharded_n(c, t, c->tr_dense, c->tr_expert, c->lora, bytes, on, what, false);
}

/* Bytes of one optimizer state of a per-tensor kind (8-bit, factored),
 * summed over this GPU's tensors, dense and expert parts apart. */
static void per_tensor_state(struct tmem_train_ctx *c, enum tmem_state_kind kind, uint64_t *dense,
                             uint64_t *expert)
{
    *dense = *expert = 0;
    for (uint32_t i = 0; i < c->inv->n_tensors; i++) {
        const struct tmem_tensor *t = &c->inv->tensors[i];
        bool is_expert;
        uint64_t count = tmem__stage_instances(c, t, &is_expert);
        if (count == 0)
            continue;
        /* the trainable matrices of one instance: itself, or its adapters */
        uint64_t pr[TMEM__LORA_MAX_PIECES], pc[TMEM__LORA_MAX_PIECES];
        uint32_t np = tmem__trainable_pieces(c, t, pr, pc);
        for (uint32_t j = 0; j < np; j++) {
        uint64_t r = pr[j], cl = pc[j];
        uint64_t n = tc_mul(c, r, cl), b = 0;
        switch (kind) {
        case TMEM_STATE_Q8: /* int8, or fp32 below bitsandbytes' min_8bit_size */
            b = n < TMEM_TRAIN_ADAM8BIT_MIN_SIZE ? tc_mul(c, n, c->fb) : n;
            break;
        case TMEM_STATE_Q8_SCALES: /* both moments: an fp32 absmax per block */
            b = n < TMEM_TRAIN_ADAM8BIT_MIN_SIZE ? 0
                                                 : 2 * c->fb * tmem_ceil_div_u64(n, TMEM_TRAIN_ADAM8BIT_BLOCK);
            break;
        case TMEM_STATE_ROW: b = cl > 1 ? tc_mul(c, r, c->stb) : 0; break;
        case TMEM_STATE_COL: b = cl > 1 ? tc_mul(c, cl, c->stb) : 0; break;
        case TMEM_STATE_VECTOR: b = cl == 1 ? tc_mul(c, n, c->stb) : 0; break;
        default: b = tc_mul(c, n, c->stb); break;
        }
        if (is_expert)
            *expert = tc_add(c, *expert, tc_mul(c, b, count));
        else
            *dense = tc_add(c, *dense, tc_mul(c, b, count));
        }
    }
}

static bool paged_optimizer(const struct tmem_train_opts *o)
{
    return o->optimizer == TMEM_OPTIMIZER_PAGED_ADAMW || o->optimizer == TMEM_OPTIMIZER_PAGED_ADAMW8BIT;
}

static bool offloaded_states(const struct tmem_train_ctx *c)
{
    return c->o->offload != TMEM_OFFLOAD_NONE;
}

static void master_bytes(struct tmem_train_ctx *c, struct tmem__term *t)
{
    if (c->pi->master != NONE)
        trained(c, t, c->fb, c->shard_o, "4 B");
}

static void grads_fp32_bytes(struct tmem_train_ctx *c, struct tmem__term *t)
{
    if (c->o->fp32_grads && c->pi->master != NONE && c->pi->grads != F32)
        trained(c, t, c->fb, c->shard_g || offloaded_states(c), "4 B");
}

static void state_bytes(struct tmem_train_ctx *c, uint32_t k, struct tmem__term *t)
{
    if (k >= c->oi->n_states)
        return;
    enum tmem_state_kind kind = c->oi->states[k].kind;
    if (kind == TMEM_STATE_FULL) {
        trained(c, t, c->stb, c->shard_o, "state bytes");
        return;
    }
    /* Σ over this GPU's tensors of the kind's own bytes, dense and expert
     * parts apart: per_tensor_state() */
    static const char *const how[] = {
        [TMEM_STATE_FULL] = "P_gpu × state bytes",
        [TMEM_STATE_Q8] = "Σ tensors: n (int8), 4·n below 4096 elements",
        [TMEM_STATE_Q8_SCALES] = "Σ tensors ≥ 4096: 2 moments × 4 B × ceil(n / 256)",
        [TMEM_STATE_ROW] = "Σ matrices: rows × state bytes",
        [TMEM_STATE_COL] = "Σ matrices: cols × state bytes",
        [TMEM_STATE_VECTOR] = "Σ vectors: n × state bytes",
    };
    _Static_assert(sizeof how / sizeof how[0] == TMEM_STATE_KIND_COUNT, "one rule per state kind");
    uint64_t dense, expert;
    per_tensor_state(c, kind, &dense, &expert);
    const struct tmem_train_layout *l = &c->lay;
    uint64_t sd = c->shard_o ? l->shard : 1, se = c->shard_o ? l->expert_shard : 1;
    tmem__term_plus(t, how[kind], dense);
    if (sd > 1)
        tmem__term_div_ceil(t, "shard", sd);
    if (expert) {
        tmem__term_plus(t, "the experts' part", expert);
        if (se > 1)
            tmem__term_div_ceil(t, "(shard/ep)", se);
    }
}

/* The critic's dense parameters on this GPU (PPO): the policy's, less an
 * untied lm_head's share, plus the value head on the last stage
 * (tmem_train_value_model_params for the whole model). */
static uint64_t critic_dense(struct tmem_train_ctx *c)
{
    uint64_t head = 0;
    for (uint32_t i = 0; i < c->inv->n_tensors; i++) {
        const struct tmem_tensor *t = &c->inv->tensors[i];
        if (t->kind != TMEM_TENSOR_KIND_LM_HEAD && t->kind != TMEM_TENSOR_KIND_LM_HEAD_BIAS)
            continue;
        bool is_expert;
        uint64_t n = tmem__stage_instances(c, t, &is_expert);
        head = tc_add(c, head, tmem_ceil_div_u64(tc_mul3(c, n, t->rows, t->cols), c->tp));
    }
    uint64_t dense = c->lay.dense_params >= head ? c->lay.dense_params - head : 0;
    return c->lay.last ? tc_add(c, dense, c->m->d_model) : dense;
}

/* the critic's trained parameters × bytes ("P_critic × grad bytes / shard") */
static void critic_term(struct tmem_train_ctx *c, struct tmem__term *t, uint64_t bytes, bool on, const char *what)
{
    const struct tmem_train_layout *l = &c->lay;
    uint64_t experts = l->expert_params, sd = on ? l->shard : 1, se = on ? l->expert_shard : 1;
    tmem__term_next(t, false);
    tmem__term_mul(t, experts ? "P_critic_dense" : "P_critic", critic_dense(c));
    tmem__term_mul(t, what, bytes);
    if (sd > 1)
        tmem__term_div_ceil(t, "shard", sd);
    if (experts) {
        tmem__term_next(t, false);
        tmem__term_mul(t, "P_experts", experts);
        tmem__term_mul(t, "bytes", bytes);
        if (se > 1)
            tmem__term_div_ceil(t, "(shard/ep)", se);
    }
}

uint64_t tmem_train_value_model_params(const struct tmem_model *m, const struct tmem_inventory *inv)
{
    if (m == NULL || inv == NULL)
        return 0;
    uint64_t head = 0;
    for (uint32_t i = 0; i < inv->n_tensors; i++)
        if (inv->tensors[i].kind == TMEM_TENSOR_KIND_LM_HEAD || inv->tensors[i].kind == TMEM_TENSOR_KIND_LM_HEAD_BIAS)
            head += inv->tensors[i].params; /* a part of total_params: no overflow */
    uint64_t p = inv->total_params - head, r;
    return tmem_add_u64(p, m->d_model, &r) ? r : 0;
}

/* The one function that computes each item's bytes and its formula: the
 * term t (text or numbers only) of every item but the activations. */
static void item_term(struct tmem_train_ctx *c, enum tmem_train_item it, struct tmem__term *t)
{
    /* each case an item; the activations' cases are train_act.c's */
    const struct tmem_train_opts *o = c->o;
    const struct tmem_train_layout *l = &c->lay;
    switch (it) {
    case TMEM_TI_WEIGHTS:
        if (o->offload == TMEM_OFFLOAD_PARAMS)
            return;
        if (c->lora) { /* the frozen base, then the adapters (and modules to save) */
            tmem__lora_base_term(c, t);
            trained(c, t, c->wb, c->shard_w, "weight bytes");
            return;
        }
        sharded(c, t, c->wb, c->shard_w, "weight bytes", false);
        return;
    case TMEM_TI_REF_WEIGHTS:
        /* TRL DPOTrainer: ref_model = create_reference_model(model), a frozen
         * copy in the policy's dtype (prepared like the policy, so ZeRO-3
         * shards it too); with a PEFT model the reference is the same base
         * with its adapters disabled: no copy */
        if ((!o->dpo && o->rl == TMEM_RL_NONE) || c->lora || o->offload == TMEM_OFFLOAD_PARAMS ||
            o->ref_model != TMEM_REF_MODEL_SAME)
            return;
        sharded(c, t, c->wb, c->shard_w, "weight bytes", false);
        tmem__term_note(t, " (frozen reference copy)", NULL);
        return;
    case TMEM_TI_REWARD_WEIGHTS:
        /* frozen, forward only: loaded and sharded as the reference is */
        if (o->reward_params == 0)
            return;
        tmem__term_mul(t, "P_reward", o->reward_params);
        tmem__term_mul(t, "weight bytes", c->wb);
        if (c->tp > 1)
            tmem__term_div_ceil(t, "tp", c->tp);
        if (c->shard_w && l->shard > 1)
            tmem__term_div_ceil(t, "shard", l->shard);
        return;
    case TMEM_TI_CRITIC_WEIGHTS:
        if (o->critic)
            critic_term(c, t, c->wb, c->shard_w, "weight bytes");
        return;
    case TMEM_TI_CRITIC_GRADS:
        if (o->critic)
            critic_term(c, t, c->gb, c->shard_g, "grad bytes");
        return;
    case TMEM_TI_CRITIC_STATES: {
        /* the policy's precision and optimizer (full states: validated) */
        if (!o->critic)
            return;
        uint64_t per = c->pi->master != NONE ? c->fb : 0;
        for (uint32_t k = 0; k < c->oi->n_states; k++)
            per += c->stb;
        critic_term(c, t, per, c->shard_o, c->pi->master != NONE ? "(4 B master + state bytes)" : "state bytes");
        return;
    }
    case TMEM_TI_ROLLOUT_WEIGHTS:
        /* the engine's own copy: vLLM loads the whole model, split over its
         * tensor parallel ranks */
        if (o->rollout_util_ppm == 0)
            return;
        tmem__term_mul(t, "P", c->inv->total_params);
        tmem__term_mul(t, "2 B (bf16)", TMEM_RL_ROLLOUT_WEIGHT_BYTES);
        if (o->rollout_tp > 1)
            tmem__term_div_ceil(t, "rollout tp", o->rollout_tp);
        return;
    case TMEM_TI_ROLLOUT_KV: {
        /* vLLM takes gpu_memory_utilization × the GPU's memory for itself
         * and gives the KV cache what its weights leave (the profiled
         * activation peak and CUDA graphs are taken from it too: counted
         * as KV here) */
        if (o->rollout_util_ppm == 0)
            return;
        char pct[32];
        pct[0] = '\0';
        if (t->text)
            ppm_text(o->rollout_util_ppm, pct, sizeof pct);
        tmem__term_mul_frac(t, "F", pct, o->rollout_util_ppm, 1000000);
        tmem__term_mul(t, "GPU memory", o->rollout_capacity_bytes);
        tmem__term_minus(t, "P", c->inv->total_params);
        tmem__term_mul(t, "2 B", TMEM_RL_ROLLOUT_WEIGHT_BYTES);
        if (o->rollout_tp > 1)
            tmem__term_div_ceil(t, "rollout tp", o->rollout_tp);
        return;
    }
    case TMEM_TI_GEN_KV: {
        /* TRL's default (use_vllm False): HF generate on the training GPU
         * over the local generation batch, per_device_train_batch_size ×
         * steps_per_generation (= grad-accum) completions at once; its
         * DynamicCache holds prompt + completion = s tokens of every layer
         * in the compute dtype (bf16: unpaged, no TP), and each step's
         * last-position logits in fp32 (generate's next_token_logits) */
        if (o->rl == TMEM_RL_NONE || o->rollout_util_ppm != 0)
            return;
        struct tmem_kv_layout kv;
        if (tmem_kv_layout(c->m, TMEM_KV_BF16, 1, 0, c->m->n_layer, &kv, NULL) != TMEM_OK)
            return; /* validated: validate_post */
        uint64_t n = o->micro_batch * (o->grad_accum ? o->grad_accum : 1); /* checked in validate_post */
        tmem__term_mul(t, "b × grad-accum", n);
        tmem__term_mul(t, "s", c->seq);
        tmem__term_mul(t, "KV B/token", kv.bytes_per_token);
        if (kv.state_bytes_per_seq != 0) {
            tmem__term_plus(t, "b × grad-accum", n);
            tmem__term_mul(t, "SSM state B", kv.state_bytes_per_seq);
        }
        tmem__term_plus(t, "b × grad-accum", n);
        tmem__term_mul(t, "V", c->m->n_vocab);
        tmem__term_mul(t, "4 B (fp32 logits)", 4);
        return;
    }
    case TMEM_TI_GEN_GATHER:
        /* TRL GRPOConfig ds3_gather_for_generation True (default): ZeRO-3's
         * parameters are gathered whole on each GPU for generation (the
         * whole less the shard at rest); False: layer by layer, ZeRO-3's
         * live parameters (TMEM_TI_GATHERED) stay through the rollout */
        if (o->rl == TMEM_RL_NONE || o->rollout_util_ppm != 0 || o->zero != 3 || l->shard < 2 ||
            o->gen_gather_per_layer)
            return;
        sharded(c, t, c->wb, false, "weight bytes", false);
        sharded(c, t, c->wb, true, "weight bytes", true);
        return;
    case TMEM_TI_GRADS:
        if (o->optimizer_in_backward) { /* one gradient at a time: stepped, then freed */
            tmem__term_mul(t, "largest trainable tensor", c->tr_largest);
            tmem__term_mul(t, "grad bytes", c->gb);
            tmem__term_note(t, " (optimizer in backward)", NULL);
            return;
        }
        trained(c, t, c->gb, c->shard_g, "grad bytes");
        return;
    case TMEM_TI_WEIGHT_TEMP:
        tmem__lora_temp_term(c, t);
        return;
    case TMEM_TI_GRADS_FP32:
        if (!offloaded_states(c))
            grads_fp32_bytes(c, t);
        return;
    case TMEM_TI_MASTER:
        if (!offloaded_states(c))
            master_bytes(c, t);
        return;
    case TMEM_TI_STATE0:
    case TMEM_TI_STATE1:
    case TMEM_TI_STATE2:
        if (!offloaded_states(c) && !c->paged_out)
            state_bytes(c, (uint32_t)(it - TMEM_TI_STATE0), t);
        return;
    case TMEM_TI_STEP_SCRATCH: {
        /* torch's foreach Adam/AdamW/Lion allocate one temporary per
         * parameter (sqrt(v), the Lion update); Megatron/DeepSpeed fused
         * Adam and bitsandbytes work in place; HF Adafactor loops tensor by
         * tensor (two fp32 temporaries of the largest one). */
        if (offloaded_states(c))
            return;
        enum tmem_optimizer op = o->optimizer;
        if (o->optimizer_in_backward) /* a step per tensor: its own temporary only */
            return;
        if (op == TMEM_OPTIMIZER_ADAFACTOR) {
            uint64_t big = 0;
            for (uint32_t i = 0; i < c->inv->n_tensors; i++)
                if (c->inv->tensors[i].rows * c->inv->tensors[i].cols > big)
                    big = c->inv->tensors[i].rows * c->inv->tensors[i].cols;
            tmem__term_mul(t, NULL, 2);
            tmem__term_mul(t, "largest tensor", tmem_ceil_div_u64(big, c->tp));
            tmem__term_mul(t, "4 B", c->fb);
            tmem__term_note(t, " (per-tensor update temporaries)", NULL);
            return;
        }
        if (c->pi->persistent_grads ||
            (op != TMEM_OPTIMIZER_ADAM && op != TMEM_OPTIMIZER_ADAMW && op != TMEM_OPTIMIZER_LION))
            return;
        tmem__term_note(t, "torch foreach step, one temporary per parameter: ", NULL);
        trained(c, t, c->stb, c->shard_o, "state bytes");
        return;
    }
    case TMEM_TI_DDP_BUCKETS: {
        /* torch DDP (gradient_as_bucket_view=False) copies every gradient
         * into its flat buckets of bucket_cap_mb; Megatron / DeepSpeed
         * reduce from their contiguous gradient buffer */
        if (c->dp * c->cp < 2 || o->zero != 0 || o->fsdp != TMEM_FSDP_OFF || o->distributed_optimizer ||
            c->pi->persistent_grads || o->ddp_bucket_view)
            return;
        if (t->text) {
            char note[96];
            struct tmem_sb sb;
            tmem__sb_init(&sb, note, sizeof note);
            tmem__sb_str(&sb, "DDP buckets of bucket_cap_mb ");
            tmem__sb_u64(&sb, o->ddp_bucket_bytes >> 20);
            tmem__sb_str(&sb, " hold a copy of every gradient: ");
            tmem__term_note(t, note, NULL);
        }
        trained(c, t, c->gb, false, "grad bytes");
        return;
    }
    case TMEM_TI_ZERO_REDUCE:
        if (o->zero == 0)
            return;
        tmem__term_mul_min(t, "reduce_bucket_size", o->ds_reduce_bucket, c->lora ? "P_train" : "P_gpu",
                           l->trainable_params);
        tmem__term_mul(t, "grad bytes", c->gb);
        return;
    case TMEM_TI_ZERO_ALLGATHER:
        if (o->zero != 1 && o->zero != 2)
            return;
        tmem__term_mul_min(t, "allgather_bucket_size", o->ds_allgather_bucket, "P_gpu", l->params);
        tmem__term_mul(t, "weight bytes", c->wb);
        return;
    case TMEM_TI_GATHERED:
        if (o->zero == 3) {
            struct tmem__term live, max_live, all;
            tmem__term_init(&live, t->text);
            tmem__term_mul(&live, "largest unit", l->largest_unit_params);
            tmem__term_plus(&live, "stage3_prefetch_bucket_size", o->ds_prefetch_bucket);
            tmem__term_init(&max_live, t->text);
            tmem__term_mul(&max_live, "stage3_max_live_parameters", o->ds_max_live);
            tmem__term_init(&all, t->text);
            tmem__term_mul(&all, "P_gpu", l->params);
            const struct tmem__term *const subs[] = {&live, &max_live, &all};
            tmem__term_mul_min_terms(t, subs, 3);
            tmem__term_mul(t, "weight bytes", c->wb);
            return;
        }
        if (l->shard < 2)
            return;
        if (o->fsdp == TMEM_FSDP_FULL || o->fsdp == TMEM_FSDP_HYBRID) {
            tmem__term_mul(t, "2 units (current + BACKWARD_PRE prefetch)", 2);
            tmem__term_mul(t, "largest unit", l->largest_unit_params);
            tmem__term_mul(t, "weight bytes", c->wb);
        } else if (o->fsdp == TMEM_FSDP_GRAD_OP) {
            /* SHARD_GRAD_OP keeps the parameters unsharded from forward
             * to backward: the whole, less the sharded copy at rest */
            sharded(c, t, c->wb, false, "weight bytes", false);
            sharded(c, t, c->wb, true, "weight bytes", true);
        }
        return;
    case TMEM_TI_UNSHARDED_GRADS:
        if ((o->fsdp != TMEM_FSDP_FULL && o->fsdp != TMEM_FSDP_HYBRID && o->fsdp != TMEM_FSDP_GRAD_OP) ||
            l->shard < 2)
            return;
        if (c->pp > 1) {
            /* FSDP under pipeline parallelism (torch.distributed.pipelining,
             * stage.py backward_maybe_with_nosync): every micro-batch's
             * backward runs with set_requires_gradient_sync(False) and
             * set_reshard_after_backward(False); only after the last one does
             * the stage call post_backward, which reduce-scatters. Until then
             * FSDP2 holds each parameter's unsharded gradient, upcast to the
             * reduce dtype (FSDPParam.to_accumulated_grad_if_needed:
             * unsharded_accumulated_grad = grad.to(reduce_dtype)): the whole
             * stage's gradients, unsharded, in the precision's grad bytes
             * (bf16-fp32-grads: torchtitan's mixed_precision_reduce float32).
             * The ledger holds them beside all in-flight micro-batches, as in
             * 1F1B's steady state; with m = pp, stage 0 runs its first
             * backward before any gradient exists, so there the sum is one
             * micro-batch's activations above the real peak. */
            trained(c, t, c->gb, false, "grad bytes");
            tmem__term_note(t, " (the stage's, accumulated over the micro-batches until the last one's reduce-scatter)",
                            NULL);
            return;
        }
        tmem__term_mul(t, "largest unit", l->largest_unit_params);
        tmem__term_mul(t, "grad bytes", c->gb);
        tmem__term_note(t, " (before its reduce-scatter)", NULL);
        return;
    case TMEM_TI_CUDA:
        tmem__term_mul(t, "cuda_overhead", o->cuda_overhead_bytes);
        tmem__term_note(t, NULL, o->cuda_overhead_bytes != TMEM_TRAIN_CUDA_OVERHEAD_BYTES
                                     ? " (--cuda-overhead-mib)"
                                     : " (named default: CUDA context 512 MiB + cuBLAS / NCCL "
                                       "workspaces 256 MiB, --cuda-overhead-mib)");
        return;
    case TMEM_TI_ACT_ENC_LAYERS:
    case TMEM_TI_ACT_DEC_LAYERS:
    case TMEM_TI_ACT_ATTN:
    case TMEM_TI_ACT_SCORES:
    case TMEM_TI_ACT_MLP:
    case TMEM_TI_ACT_MOE:
    case TMEM_TI_ACT_MASKS:
    case TMEM_TI_ACT_CKPT:
    case TMEM_TI_ACT_VISION:
    case TMEM_TI_ACT_ENDS:
    case TMEM_TI_ACT_AUTOCAST:
    case TMEM_TI_LOGITS:
    case TMEM_TI_LOSS:
    case TMEM_TI_LOGITS_GRAD:
    case TMEM_TI_RECOMPUTE: /* train_act.c: see item() */
    case TMEM_TI_FRAGMENTATION: /* frag(): a share of the others */
    case TMEM_TI_DS_LARGEST:
    case TMEM_TI_DS_STATES:
    case TMEM_TI_COUNT:
        return;
    }
}

/* An item's bytes, and its formula into formula[cap] when formula is not
 * NULL. The activations (train_act.c) write their own. */
static uint64_t item(struct tmem_train_ctx *c, enum tmem_train_item it, char *formula, size_t cap)
{
    if (c->o->deepspeed_estimator && it != TMEM_TI_DS_LARGEST && it != TMEM_TI_DS_STATES)
        return 0; /* DeepSpeed's estimate: model states only */
    if (item_table[it].act && !c->o->deepspeed_estimator) {
        struct tmem_sb sb;
        if (formula != NULL)
            tmem__sb_init(&sb, formula, cap);
        return tmem__train_act_item(c, it, formula != NULL ? &sb : NULL);
    }
    struct tmem__term t;
    tmem__term_init(&t, formula != NULL);
    if (c->o->deepspeed_estimator)
        tmem__train_ds_item(c, it, &t);
    else
        item_term(c, it, &t);
    if (formula != NULL)
        tmem__term_render(&t, formula, cap);
    return tc_term(c, &t);
}

static uint64_t host_item(struct tmem_train_ctx *c, enum tmem_host_item hi, char *formula, size_t cap)
{
    struct tmem__term t;
    tmem__term_init(&t, formula != NULL);
    if (hi == TMEM_HI_REF_WEIGHTS) {
        /* --ref-model offload: the reference's shard on the host (verl
         * ref.fsdp_config.param_offload), brought in for its forward */
        const struct tmem_train_opts *o = c->o;
        if ((o->dpo || o->rl != TMEM_RL_NONE) && !c->lora && o->ref_model == TMEM_REF_MODEL_OFFLOAD &&
            !o->deepspeed_estimator)
            sharded(c, &t, c->wb, c->shard_w, "weight bytes", false);
    } else if (c->o->deepspeed_estimator) {
        if (hi == TMEM_HI_DS_CPU)
            tmem__train_ds_host(c, &t);
    } else if (offloaded_states(c)) {
        switch (hi) {
        case TMEM_HI_WEIGHTS:
            if (c->o->offload == TMEM_OFFLOAD_PARAMS)
                sharded(c, &t, c->wb, c->shard_w, "weight bytes", false);
            break;
        case TMEM_HI_MASTER: master_bytes(c, &t); break;
        case TMEM_HI_GRADS_FP32:
            /* the optimizer on the host steps on fp32 gradients */
            if (c->pi->master != NONE)
                sharded(c, &t, c->fb, true, "4 B", false);
            break;
        case TMEM_HI_STATES:
            for (uint32_t k = 0; k < c->oi->n_states; k++)
                state_bytes(c, k, &t);
            break;
        case TMEM_HI_DS_CPU:
        case TMEM_HI_PAGED:
        case TMEM_HI_REF_WEIGHTS:
        case TMEM_HI_COUNT: break;
        }
    } else if (hi == TMEM_HI_PAGED && c->paged_out) {
        /* the paged states, evicted: host (pageable) memory; the driver
         * brings their pages back for each optimizer step */
        for (uint32_t k = 0; k < c->oi->n_states; k++)
            state_bytes(c, k, &t);
        tmem__term_note(&t, " (paged out: they would not fit beside the rest)", NULL);
    }
    if (formula != NULL)
        tmem__term_render(&t, formula, cap);
    return tc_term(c, &t);
}

/* fragmentation: F × the rest, rounded up: "F × everything above = 5 % ×
 * …", the percentage written exactly (ppm / 10^4, two decimals or more) */
static inline __attribute__((always_inline)) uint64_t frag(struct tmem_train_ctx *c, uint64_t rest,
                                                            char *formula, size_t cap)
{
    if (c->o->deepspeed_estimator) /* DeepSpeed's estimate has no such line */
        return 0;
    uint64_t ppm = c->o->fragmentation_ppm;
    struct tmem__term t;
    tmem__term_init(&t, formula != NULL);
    char pct[32];
    pct[0] = '\0';
    if (formula != NULL)
        ppm_text(ppm, pct, sizeof pct);
    tmem__term_mul_frac(&t, "F", pct, ppm, 1000000);
    tmem__term_mul(&t, "everything above", rest);
    tmem__term_note(&t, NULL, " (--fragmentation)");
    if (formula != NULL)
        tmem__term_render(&t, formula, cap);
    return tc_term(c, &t);
}

/* frag() with the text off, inlined: the same formula, its fraction
 * F = ppm / 10^6 a constant divisor the compiler turns into a multiply
 * (the evaluation applies it to every phase of every stage) */
static uint64_t frag_bytes(struct tmem_train_ctx *c, uint64_t rest)
{
    return frag(c, rest, NULL, 0);
}

/* the activation items' run in enum tmem_train_item */
#define TI_ACT_FIRST TMEM_TI_ACT_ENC_LAYERS
#define TI_ACT_LAST TMEM_TI_RECOMPUTE

/* item_table's activation items are exactly TI_ACT_FIRST .. TI_ACT_LAST
 * (tmem__train_memo_keys_covered checks it for test_prep) */
static bool act_items_contiguous(void)
{
    for (int it = 0; it < TMEM_TI_COUNT; it++)
        if (item_table[it].act != (it >= TI_ACT_FIRST && it <= TI_ACT_LAST))
            return false;
    return true;
}

/* an item train_act.c computes (per micro-batch) */
static bool act_item(const struct tmem_train_ctx *c, enum tmem_train_item it)
{
    return item_table[it].act && !c->o->deepspeed_estimator;
}

/* The items of one part (act: the activation items, else the others)
 * into vals[] (the other part's entries 0), and their sums per phase. */
static void part_items(struct tmem_train_ctx *c, bool act, uint64_t vals[TMEM_TI_COUNT],
                       uint64_t rest[TMEM_PHASE_COUNT])
{
    for (int p = 0; p < TMEM_PHASE_COUNT; p++)
        rest[p] = 0;
    for (int it = 0; it < TMEM_TI_COUNT; it++) {
        enum tmem_train_item ti = (enum tmem_train_item)it;
        vals[it] = 0;
        if (act_item(c, ti) != act)
            continue;
        uint64_t v = item(c, ti, NULL, 0);
        vals[it] = v;
        if (v == 0)
            continue;
        uint32_t ph = item_phases(c, ti);
        for (int p = 0; p < TMEM_PHASE_COUNT; p++)
            if (ph & PH(p))
                rest[p] = tc_add(c, rest[p], v);
    }
}

/* One stage's evaluation before anything is copied out: where its items
 * are (the memos', or its own for a pass without a memo), their sums per
 * phase, the peak and its phase, the host items and their sum. */
struct stage_eval {
    struct tmem_train_state_memo *memo; /* the state memo the items came from (NULL: own_s) */
    bool hit;
    bool light; /* both memos hit: the context's scalars a full result reads are not set yet */
    const struct tmem_train_items_memo *im;
    const uint64_t *sv, *av, *hv; /* model-state items, activation items, host items */
    uint64_t rest[TMEM_PHASE_COUNT];
    uint64_t peak_bytes, host_bytes;
    int peak_phase;
    uint64_t own_s[TMEM_TI_COUNT], own_a[TMEM_TI_COUNT], own_h[TMEM_HI_COUNT];
    uint64_t own_sr[TMEM_PHASE_COUNT], own_ar[TMEM_PHASE_COUNT];
};

/* Every item, every phase's sum, the peak, the host items and their sum
 * (every checked addition a full ledger makes but those that cannot
 * overflow once the peak did not: the other phases' totals, smaller, and
 * the peak's split, whose parts add up to it). memo: the model-state items
 * (every item not an activation), their sums per phase, the host items and
 * their sum, when its key matched (hit) or to be filled (miss); im the same
 * for the activation items. Only the peak phase's fragmentation is
 * computed: a phase's bytes rest + F × rest rise strictly with its rest
 * (F ≥ 0, rounded up), so the first phase of the largest rest is the first
 * phase of the largest total. */
static void evaluate(struct tmem_train_ctx *c, struct stage_eval *se, struct tmem_train_state_memo *memo,
                     bool hit, struct tmem_train_items_memo *im, bool items_hit)
{
    uint64_t *sv = memo != NULL ? memo->item_bytes : se->own_s, *sr = memo != NULL ? memo->rest : se->own_sr;
    uint64_t *av = im != NULL ? im->item_bytes : se->own_a, *ar = im != NULL ? im->rest : se->own_ar;
    uint64_t *hv = memo != NULL ? memo->host_item_bytes : se->own_h;
    if (!hit)
        part_items(c, false, sv, sr);
    if (!items_hit)
        part_items(c, true, av, ar);
    se->memo = memo;
    se->hit = hit;
    se->im = im;
    se->sv = sv;
    se->av = av;
    se->hv = hv;
    int pk = 0;
    for (int p = 0; p < TMEM_PHASE_COUNT; p++) {
        se->rest[p] = tc_add(c, sr[p], ar[p]);
        if (se->rest[p] > se->rest[pk])
            pk = p;
    }
    se->peak_phase = pk;
    se->peak_bytes = tc_add(c, se->rest[pk], frag_bytes(c, se->rest[pk]));
    if (!hit) {
        uint64_t host = 0;
        for (int h = 0; h < TMEM_HI_COUNT; h++) {
            hv[h] = host_item(c, (enum tmem_host_item)h, NULL, 0);
            host = tc_add(c, host, hv[h]);
        }
        se->host_bytes = host;
        if (memo != NULL)
            memo->host_bytes = host;
    } else {
        se->host_bytes = memo->host_bytes;
    }
}

/* tmem_train_eval_peak's part of the result */
static void peak_out(const struct tmem_train_ctx *c, const struct stage_eval *se, struct tmem_train_result *r)
{
    r->layout = c->lay;
    r->seq = c->seq_enc;
    r->target_seq = c->m->encdec ? c->seq : 0;
    r->peak_phase = (enum tmem_phase)se->peak_phase;
    r->peak_bytes = se->peak_bytes;
    r->paged_out = c->paged_out;
}

/* The whole result of one evaluated stage: every item, every phase, the
 * host items (the phases kept by the state memo's first full copy) */
static void full_out(struct tmem_train_ctx *c, const struct stage_eval *se, struct tmem_train_result *r)
{
    peak_out(c, se, r);
    r->n_stages_evaluated = 1;
    if (se->light) { /* the gradients' phases, the flags of the result */
        c->grads_persistent = grads_persistent(c->o);
        tmem__train_act_family(c);
    }
    /* the activation items are the run TI_ACT_FIRST .. TI_ACT_LAST
     * (act_items_contiguous), 0 in the state items, which are 0 in them */
    memcpy(r->item_bytes, se->sv, sizeof r->item_bytes);
    if (!c->o->deepspeed_estimator)
        memcpy(&r->item_bytes[TI_ACT_FIRST], &se->av[TI_ACT_FIRST],
               (TI_ACT_LAST + 1 - TI_ACT_FIRST) * sizeof r->item_bytes[0]);
    /* the phases read what the state memo's key holds (grads_persistent):
     * kept by the first full evaluation of its key */
    struct tmem_train_state_memo *memo = se->memo;
    if (memo != NULL && se->hit && memo->phases_set) {
        memcpy(r->item_phases, memo->item_phases, sizeof r->item_phases);
    } else {
        for (int it = 0; it < TMEM_TI_COUNT; it++)
            r->item_phases[it] = item_phases(c, (enum tmem_train_item)it);
        if (memo != NULL) {
            memcpy(memo->item_phases, r->item_phases, sizeof r->item_phases);
            memo->phases_set = true;
        }
    }
    int pk = se->peak_phase;
    for (int p = 0; p < TMEM_PHASE_COUNT; p++) /* none above the peak: none overflows */
        r->phase_bytes[p] = p == pk ? se->peak_bytes : tc_add(c, se->rest[p], frag_bytes(c, se->rest[p]));
    r->item_bytes[TMEM_TI_FRAGMENTATION] = se->peak_bytes - se->rest[pk];
    /* torch's view: the CUDA context and workspaces sit outside the caching
     * allocator, the fragmentation share inside its reserved pool */
    uint64_t outside = (r->item_phases[TMEM_TI_CUDA] & PH(pk)) ? r->item_bytes[TMEM_TI_CUDA] : 0;
    if (!tmem__peak_split(se->rest[pk] - outside, r->item_bytes[TMEM_TI_FRAGMENTATION], outside, &r->peak))
        c->overflow = true;
    memcpy(r->host_item_bytes, se->hv, sizeof r->host_item_bytes);
    r->host_bytes = se->host_bytes;
    r->layer_act = c->la;
    r->dropout = c->dropout_attn || c->dropout_resid || c->dropout_embd;
    r->rope = c->rope;
    r->softmax_fp32 = c->softmax_fp32;
}

/* The memo keys: the plan with the fields a part does not read zeroed
 * (state_key and items_key define what the generation and the inner-loop
 * fields beside a memo must cover: tmem__train_memo_keys_covered; act_key
 * and valid_key are compared under their masks). The layout and model-state items do not read the micro-batch, the
 * sequence, the micro-batch counts (grad_accum only as > 1, through
 * grads_persistent, and n_microbatches only through the in-flight counts,
 * recomputed each time), recompute, attention, dropout, sequence
 * parallel, fused cross-entropy or fragmentation (applied each time). */
static void state_key(const struct tmem_train_opts *o, struct tmem_train_opts *k)
{
    *k = *o;
    k->micro_batch = k->seq = k->n_microbatches = k->ce_chunk_tokens = 0;
    k->grad_accum = 0; /* kept as grad_accum > 1 beside the key (grads_persistent) */
    k->recompute = (enum tmem_recompute)0;
    k->attention = (enum tmem_attention)0;
    k->dropout = (enum tmem_tristate)0;
    k->sequence_parallel = k->fused_ce = false;
    k->fragmentation_ppm = 0;
}

/* One layer's activation sums per token (act_inventory.c) read the model,
 * tp, the resolved sequence (kept beside the key), precision, recompute,
 * attention, dropout and the adapters: not the batch, the other degrees,
 * sharding, offload, the optimizer, buckets or overheads. */
static void act_key(const struct tmem_train_opts *o, struct tmem_train_opts *k)
{
    *k = *o;
    k->micro_batch = k->seq = k->gpus = k->dp = k->n_microbatches = k->grad_accum = 0;
    k->pp = k->cp = k->ep = k->gpus_per_node = k->virtual_stages = 0;
    k->zero = 0;
    k->fsdp = TMEM_FSDP_OFF;
    k->distributed_optimizer = k->sequence_parallel = k->fp32_grads = k->fused_ce = false;
    k->ddp_bucket_view = k->optimizer_in_backward = false;
    k->offload = TMEM_OFFLOAD_NONE;
    k->optimizer = (enum tmem_optimizer)0;
    k->ce_chunk_tokens = k->ddp_bucket_bytes = k->ds_reduce_bucket = k->ds_allgather_bucket = 0;
    k->ds_prefetch_bucket = k->ds_max_live = k->cuda_overhead_bytes = 0;
    k->fragmentation_ppm = 0;
}

/* The activation items (train_act.c) read what act_key keeps and the
 * batch shape (micro-batch, sequence, cp, sequence parallel, fused
 * cross-entropy and its chunk), the stage's layers and in-flight counts
 * (pp, virtual stages, n_microbatches) and its matmul weights (tp, pp, the
 * adapters): not sharding, offload, the optimizer, buckets, overheads or
 * fragmentation. */
static void items_key(const struct tmem_train_opts *o, struct tmem_train_opts *k)
{
    *k = *o;
    k->gpus = k->dp = k->grad_accum = 0;
    k->zero = 0;
    k->fsdp = TMEM_FSDP_OFF;
    k->distributed_optimizer = k->fp32_grads = k->ddp_bucket_view = k->optimizer_in_backward = false;
    k->offload = TMEM_OFFLOAD_NONE;
    k->optimizer = (enum tmem_optimizer)0;
    k->ddp_bucket_bytes = k->ds_reduce_bucket = k->ds_allgather_bucket = 0;
    k->ds_prefetch_bucket = k->ds_max_live = k->cuda_overhead_bytes = 0;
    k->fragmentation_ppm = 0;
}

/* The validation's memo: every field but those validate_inner checks
 * each time (a search's inner loops change them). */
static void valid_key(const struct tmem_train_opts *o, struct tmem_train_opts *k)
{
    *k = *o;
    k->micro_batch = k->n_microbatches = k->grad_accum = 0;
    k->zero = 0;
    k->fsdp = TMEM_FSDP_OFF;
    k->offload = TMEM_OFFLOAD_NONE;
    k->recompute = (enum tmem_recompute)0;
    k->fused_ce = false;
}

/* The keys are compared without building them: a memo keeps its key
 * masked (key = plan & mask, word by word) and a plan matches when its
 * words under the mask equal the key's. Each mask is its key function
 * applied once to a plan of all-ones bytes (tmem_train_prepare), so a
 * field is compared exactly when the function keeps it. */
_Static_assert(sizeof(struct tmem_train_opts) % sizeof(uint64_t) == 0, "the plan is whole words");
static void key_mask(void (*key)(const struct tmem_train_opts *, struct tmem_train_opts *), uint64_t *mask)
{
    struct tmem_train_opts ones, k;
    memset(&ones, 0xFF, sizeof ones);
    key(&ones, &k);
    memcpy(mask, &k, sizeof k);
}

static inline uint64_t opts_word(const struct tmem_train_opts *o, size_t i)
{
    uint64_t w;
    memcpy(&w, (const unsigned char *)o + i * sizeof w, sizeof w);
    return w;
}

static inline bool key_match(const struct tmem_train_opts *o, const uint64_t *mask, const struct tmem_train_opts *key)
{
    uint64_t d0 = 0, d1 = 0, d2 = 0, d3 = 0; /* four at a time: no loop-carried chain */
    for (size_t i = 0; i < TMEM_TRAIN_OPTS_WORDS / 4 * 4; i += 4) {
        d0 |= (opts_word(o, i) & mask[i]) ^ opts_word(key, i);
        d1 |= (opts_word(o, i + 1) & mask[i + 1]) ^ opts_word(key, i + 1);
        d2 |= (opts_word(o, i + 2) & mask[i + 2]) ^ opts_word(key, i + 2);
        d3 |= (opts_word(o, i + 3) & mask[i + 3]) ^ opts_word(key, i + 3);
    }
    for (size_t i = TMEM_TRAIN_OPTS_WORDS / 4 * 4; i < TMEM_TRAIN_OPTS_WORDS; i++)
        d0 |= (opts_word(o, i) & mask[i]) ^ opts_word(key, i);
    return (d0 | d1 | d2 | d3) == 0;
}

static inline void key_store(const struct tmem_train_opts *o, const uint64_t *mask, struct tmem_train_opts *key)
{
    unsigned char *d = (unsigned char *)key;
    for (size_t i = 0; i < TMEM_TRAIN_OPTS_WORDS; i++) {
        uint64_t w = opts_word(o, i) & mask[i];
        memcpy(d + i * sizeof w, &w, sizeof w);
    }
}

/* The fields a search's inner loops change that the state memo keeps
 * beside its generation (sharding, offload), and those the items memo keeps
 * (micro-batch, its count, recompute, fused cross-entropy): each key
 * function applied to all-ones but for them. */
/* a field's bytes copied (all-ones is no valid bool or enum to load) */
#define KEEP(f) memcpy(&k->f, &o->f, sizeof k->f)
static void state_inner(const struct tmem_train_opts *o, struct tmem_train_opts *k)
{
    memset(k, 0, sizeof *k);
    KEEP(zero);
    KEEP(fsdp);
    KEEP(offload);
}

static void items_inner(const struct tmem_train_opts *o, struct tmem_train_opts *k)
{
    memset(k, 0, sizeof *k);
    KEEP(micro_batch);
    KEEP(n_microbatches);
    KEEP(recompute);
    KEEP(fused_ce);
}
#undef KEEP

bool tmem__train_memo_keys_covered(void)
{
    uint64_t valid[TMEM_TRAIN_OPTS_WORDS], key[TMEM_TRAIN_OPTS_WORDS], inner[TMEM_TRAIN_OPTS_WORDS];
    key_mask(valid_key, valid);
    for (int part = 0; part < 2; part++) {
        key_mask(part == 0 ? state_key : items_key, key);
        key_mask(part == 0 ? state_inner : items_inner, inner);
        for (size_t i = 0; i < TMEM_TRAIN_OPTS_WORDS; i++)
            if (key[i] & ~(valid[i] | inner[i]))
                return false;
    }
    return act_items_contiguous(); /* and full_out's copy of the activation items covers them */
}

/* the slot: by the planner's innermost choices (micro-batch, recompute,
 * fused cross-entropy) and the stage (the first or the last looked at), so
 * that one block of its search shares the table (Fibonacci hashing spreads
 * the micro-batches, powers of 2 mostly) */
static size_t items_slot(const struct tmem_train_opts *o, uint64_t stage, size_t n)
{
    uint64_t h = ((o->micro_batch * 3 + (uint64_t)o->recompute) * 2 + (uint64_t)o->fused_ce) * 2 + (stage != 0);
    uint64_t x = h * UINT64_C(0x9E3779B97F4A7C15) >> 32;
    return (size_t)((n & (n - 1)) == 0 ? x & (n - 1) : x % n); /* a power of 2: no division */
}

/* the state memo's entry among its stage's: by the sharding, offload and
 * accumulation a search alternates under one set of degrees (distinct for
 * the offloads and accumulations of one sharding) */
static uint32_t state_slot(const struct tmem_train_opts *o, bool accum)
{
    uint64_t h = (((uint64_t)o->zero * TMEM_FSDP_COUNT + (uint64_t)o->fsdp) * TMEM_OFFLOAD_COUNT +
                  (uint64_t)o->offload) * 2 + accum + (o->distributed_optimizer ? 3 : 0);
    return (uint32_t)(h & (TMEM_TRAIN_PREP_STATES - 1));
}
_Static_assert((TMEM_TRAIN_PREP_STATES & (TMEM_TRAIN_PREP_STATES - 1)) == 0, "a power of 2");

/* the layout and adapters of a state memo into the context */
static void state_apply(struct tmem_train_ctx *c, const struct tmem_train_state_memo *sm)
{
    c->lay = sm->lay;
    c->lora = sm->lora;
    c->tr_dense = sm->tr_dense;
    c->tr_expert = sm->tr_expert;
    c->tr_matmul = sm->tr_matmul;
    c->tr_largest = sm->tr_largest;
    c->base_bytes = sm->base_bytes;
}

/* One stage: the memos looked up, then the scalars, the layout and
 * adapters (or the memo's), one layer's activation sums (or the memo's),
 * the items. A peak-only evaluation whose memos both hit reads no scalar
 * but the sequence and the degrees (the items are the memos'): the rest of
 * the setup is made only if a paged optimizer needs its second pass.
 * Memos are written only by an evaluation without overflow. */
static void prepared_stage(struct tmem_train_prep *p, int slot, const struct tmem_train_opts *o,
                           uint64_t stage, struct tmem_train_ctx *c, struct stage_eval *se)
{
    bool accum = o->grad_accum > 1;
    uint32_t si = p->keyed ? state_slot(o, accum) : 0;
    struct tmem_train_state_memo *sm = &p->state[slot][si];
    p->state_last[slot] = si;
    struct tmem_train_act_memo *am = &p->act[o->recompute];
    /* the state key: the plan's other fields (the generation), sharding and
     * offload; the items key: the other fields, the micro-batch, its count,
     * recompute and fused cross-entropy (state_key, items_key) */
    bool hit = p->keyed && sm->valid && sm->gen == p->gen && sm->stage == stage && sm->accum == accum &&
               sm->zero == o->zero && sm->fsdp == o->fsdp && sm->offload == o->offload;
    struct tmem_train_items_memo *im = NULL;
    bool items_hit = false, act_hit = true;
    if (p->n_items > 0) {
        im = &p->items[items_slot(o, stage, p->n_items)];
        items_hit = im->valid && im->gen == p->gen && im->stage == stage &&
                    im->micro_batch == o->micro_batch && im->n_microbatches == o->n_microbatches &&
                    im->recompute == o->recompute && im->fused_ce == o->fused_ce;
    }
    bool light = hit && items_hit;
    if (light) { /* what evaluate() reads when both memos hit */
        c->overflow = false;
        c->m = p->m;
        c->inv = p->inv;
        c->o = o;
        c->pp = o->pp;
        set_seqs(c, p->m, o); /* what a full result reads more: full_out */
    } else {
        setup_scalars(c, p->m, p->inv, o);
    }
    if (hit) {
        state_apply(c, sm);
    } else {
        sm->valid = false;
        sm->phases_set = false;
        setup_layout(c, stage, p->place_params, p->place_matmul, p->embed_params);
        tmem__lora_setup(c);
    }
    setup_inflight(c);
    if (items_hit) {
        c->la = im->la;
    } else {
        if (im != NULL)
            im->valid = false;
        /* unkeyed, a valid act memo is this call's other stage: the same plan */
        act_hit = am->valid && am->seq == c->seq && (!p->keyed || key_match(o, p->key_mask[TMEM_TRAIN_KEY_ACT], &am->key));
        if (act_hit) {
            c->act = am->act;
        } else {
            am->valid = false;
            tmem__act_layer(c, &c->act, NULL);
            am->act = c->act;
            if (p->keyed)
                key_store(o, p->key_mask[TMEM_TRAIN_KEY_ACT], &am->key);
        }
        tmem__train_layer_bytes(c, &c->la);
    }
    evaluate(c, se, sm, hit, im, items_hit);
    /* a paged optimizer's states leave the GPU only when the GPU runs out:
     * counted on the host when the peak with them passes the capacity they
     * are paged against (the model-state items again, outside the memo; the
     * activation items as the first pass left them) */
    c->paged_out = false;
    if (!c->overflow && paged_optimizer(o) && o->page_capacity_bytes != 0 && se->peak_bytes > o->page_capacity_bytes) {
        if (light) { /* the whole setup, then the memos' layout and layer again */
            setup_scalars(c, p->m, p->inv, o);
            state_apply(c, sm);
            setup_inflight(c);
            c->la = im->la;
        }
        c->paged_out = true;
        evaluate(c, se, NULL, false, im, im != NULL);
        light = false;
    }
    se->light = light;
    if (c->overflow)
        return;
    if (!act_hit) {
        am->seq = c->seq;
        am->valid = true;
    }
    if (!p->keyed) /* tmem_train_compute's prep: only the act memo, for its other stage */
        return;
    if (im != NULL && !items_hit) {
        im->gen = p->gen;
        im->micro_batch = o->micro_batch;
        im->n_microbatches = o->n_microbatches;
        im->recompute = o->recompute;
        im->fused_ce = o->fused_ce;
        im->stage = stage;
        im->la = c->la;
        im->valid = true;
    }
    if (!hit) {
        sm->gen = p->gen;
        sm->zero = o->zero;
        sm->fsdp = o->fsdp;
        sm->offload = o->offload;
        sm->accum = accum;
        sm->stage = stage;
        sm->lay = c->lay;
        sm->lora = c->lora;
        sm->tr_dense = c->tr_dense;
        sm->tr_expert = c->tr_expert;
        sm->tr_matmul = c->tr_matmul;
        sm->tr_largest = c->tr_largest;
        sm->base_bytes = c->base_bytes;
        sm->valid = true;
    }
}

/* keyed false: a prep for one evaluation (tmem_train_compute), whose
 * memos are never matched, so neither masks nor keys are made */
static enum tmem_status prepare(const struct tmem_model *m, const struct tmem_inventory *inv,
                                struct tmem_train_items_memo *items, size_t n_items, bool keyed,
                                struct tmem_train_prep *p, struct tmem_error *err)
{
    if (m == NULL || inv == NULL || p == NULL || (items == NULL && n_items > 0))
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "train", "no model, inventory or prepared context given");
    TRY(tmem__inventory_check(inv, err));
    p->m = m;
    p->inv = inv;
    p->keyed = keyed;
    place_sums(inv, p->place_params, p->place_matmul, &p->embed_params);
    if (keyed) {
        key_mask(act_key, p->key_mask[TMEM_TRAIN_KEY_ACT]);
        key_mask(valid_key, p->key_mask[TMEM_TRAIN_KEY_VALID]);
    }
    p->valid_ok = false;
    p->gen = 0;
    for (int i = 0; i < 2; i++) {
        p->state_last[i] = 0;
        for (int j = 0; j < (keyed ? TMEM_TRAIN_PREP_STATES : 1); j++)
            p->state[i][j].valid = false;
    }
    for (int i = 0; i < TMEM_RECOMPUTE_COUNT; i++)
        p->act[i].valid = false;
    p->items = items;
    p->n_items = n_items;
    for (size_t i = 0; i < n_items; i++)
        items[i].valid = false;
    return TMEM_OK;
}

enum tmem_status tmem_train_prepare(const struct tmem_model *m, const struct tmem_inventory *inv,
                                    struct tmem_train_items_memo *items, size_t n_items,
                                    struct tmem_train_prep *p, struct tmem_error *err)
{
    return prepare(m, inv, items, n_items, true, p, err);
}

/* vLLM refuses an engine whose weights leave no KV cache ("No available
 * memory for the cache blocks"): F × GPU memory must exceed them */
static enum tmem_status check_rollout(const struct tmem_inventory *inv, const struct tmem_train_opts *o,
                                      struct tmem_error *err)
{
    if (o->rollout_util_ppm == 0)
        return TMEM_OK;
    uint64_t w, budget;
    if (!tmem_mul_u64(inv->total_params, TMEM_RL_ROLLOUT_WEIGHT_BYTES, &w) ||
        !tmem_scale_u64(o->rollout_capacity_bytes, o->rollout_util_ppm, 1000000, true, &budget))
        return tmem__fail(err, TMEM_ERR_OVERFLOW, "--rollout-memory-utilization", "does not fit in 64 bits");
    w = tmem_ceil_div_u64(w, o->rollout_tp);
    if (budget <= w)
        return tmem__fail(err, TMEM_ERR_INCONSISTENT, "--rollout-memory-utilization",
                          "the engine's share of the GPU does not hold its bf16 weights: no room for a KV cache");
    return TMEM_OK;
}

/* tmem_train_eval (full) or tmem_train_eval_peak */
static enum tmem_status eval_stages(struct tmem_train_prep *p, const struct tmem_train_opts *o, uint64_t stage,
                                    struct tmem_train_result *r, bool full, struct tmem_error *err)
{
    if (p == NULL || p->inv == NULL || r == NULL)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "train", "no prepared context or result given");
    /* the checks of the fields a search changes, when the others are those
     * of the last plan that passed (the same first refusal either way);
     * else every check, and a new generation of the memos' keys */
    if (p->keyed && o != NULL && p->valid_ok && key_match(o, p->key_mask[TMEM_TRAIN_KEY_VALID], &p->valid_key)) {
        TRY(validate(p->m, o, false, err));
    } else {
        TRY(tmem_train_validate(p->m, o, err));
        if (p->keyed) {
            key_store(o, p->key_mask[TMEM_TRAIN_KEY_VALID], &p->valid_key);
            p->valid_ok = true;
            p->gen++;
        }
    }
    if (stage != UINT64_MAX && stage >= o->pp)
        return tmem__fail_value(err, TMEM_ERR_INVALID_ARG, "stage", stage, "below --pp");

    TRY(check_rollout(p->inv, o, err));
    /* the worst GPU: stage 0 holds the most layers and micro-batches in
     * flight and the embedding, the last stage the lm_head and the logits;
     * every middle stage holds no more than stage 0 */
    uint64_t cand[2] = {stage == UINT64_MAX ? 0 : stage, o->pp - 1};
    int n = stage == UINT64_MAX && o->pp > 1 ? 2 : 1;
    struct tmem_train_ctx c[2];
    struct stage_eval se[2];
    for (int i = 0; i < n; i++) {
        prepared_stage(p, i, o, cand[i], &c[i], &se[i]);
        if (c[i].overflow)
            return tmem__fail(err, TMEM_ERR_OVERFLOW, "train", "a byte count does not fit in 64 bits");
        /* the other stage's items in the same entry of the items table:
         * this stage's kept aside, since they are read after it */
        if (i == 0 && n == 2 && se[0].im != NULL && se[0].im == &p->items[items_slot(o, cand[1], p->n_items)]) {
            memcpy(se[0].own_a, se[0].av, sizeof se[0].own_a);
            se[0].av = se[0].own_a;
        }
    }
    /* the worse stage (the first on a tie): only its result is copied out,
     * the other's checked sums having refused any overflow */
    int w = n == 2 && se[1].peak_bytes > se[0].peak_bytes ? 1 : 0;
    if (!full) {
        peak_out(&c[w], &se[w], r);
    } else if (p->keyed || n == 1) {
        full_out(&c[w], &se[w], r);
    } else { /* tmem_train_compute: both stages' results, the worse kept */
        struct tmem_train_result tmp;
        full_out(&c[0], &se[0], r);
        full_out(&c[1], &se[1], &tmp);
        if (tmp.peak_bytes > r->peak_bytes)
            *r = tmp;
    }
    if (c[0].overflow || c[n - 1].overflow)
        return tmem__fail(err, TMEM_ERR_OVERFLOW, "train", "a byte count does not fit in 64 bits");
    r->n_stages_evaluated = (uint64_t)n;
    return TMEM_OK;
}

enum tmem_status tmem_train_eval(struct tmem_train_prep *p, const struct tmem_train_opts *o, uint64_t stage,
                                 struct tmem_train_result *r, struct tmem_error *err)
{
    return eval_stages(p, o, stage, r, true, err);
}

enum tmem_status tmem_train_eval_peak(struct tmem_train_prep *p, const struct tmem_train_opts *o, uint64_t stage,
                                      struct tmem_train_result *r, struct tmem_error *err)
{
    return eval_stages(p, o, stage, r, false, err);
}

enum tmem_status tmem_train_compute(const struct tmem_model *m, const struct tmem_inventory *inv,
                                    const struct tmem_train_opts *o, uint64_t stage,
                                    struct tmem_train_result *r, struct tmem_error *err)
{
    if (inv == NULL || r == NULL)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "train", "no inventory or result given");
    TRY(tmem_train_validate(m, o, err));
    struct tmem_train_prep p;
    TRY(prepare(m, inv, NULL, 0, false, &p, err));
    return tmem_train_eval(&p, o, stage, r, err);
}

/* ------------------------------------------------------------ rendering */

static void item_label(const struct tmem_train_ctx *c, enum tmem_train_item it, char *buf, size_t cap)
{
    struct tmem_sb sb;
    tmem__sb_init(&sb, buf, cap);
    const char *w = tmem_dtype_info(c->pi->weights)->name, *g = tmem_dtype_info(c->pi->grads)->name;
    const char *st = tmem_dtype_info(c->pi->states)->name, *cd = tmem_dtype_info(c->pi->compute)->name;
    switch (it) {
    case TMEM_TI_WEIGHTS:
        if (c->lora) { /* "weights (nf4 base + fp32 adapters)" */
            tmem__sb_str(&sb, "weights (");
            tmem__sb_str(&sb, c->o->base_quant != TMEM_BASE_QUANT_NONE ? tmem_base_quant_name(c->o->base_quant) : cd);
            tmem__sb_str(&sb, " + ");
            tmem__sb_str(&sb, w);
            tmem__sb_str(&sb, c->o->dora ? " DoRA)" : " LoRA)");
            break;
        }
        tmem__sb_str(&sb, "weights ("); tmem__sb_str(&sb, w); tmem__sb_str(&sb, ")"); break;
    case TMEM_TI_GRADS: tmem__sb_str(&sb, "gradients ("); tmem__sb_str(&sb, g); tmem__sb_str(&sb, ")"); break;
    case TMEM_TI_GRADS_FP32: tmem__sb_str(&sb, "grad accumulation (fp32)"); break;
    case TMEM_TI_MASTER: tmem__sb_str(&sb, "master weights (fp32)"); break;
    case TMEM_TI_STATE0:
    case TMEM_TI_STATE1:
    case TMEM_TI_STATE2: {
        uint32_t k = (uint32_t)(it - TMEM_TI_STATE0);
        tmem__sb_str(&sb, c->oi->states[k].label);
        enum tmem_state_kind kind = c->oi->states[k].kind;
        if (kind != TMEM_STATE_Q8 && kind != TMEM_STATE_Q8_SCALES) {
            tmem__sb_str(&sb, " (");
            tmem__sb_str(&sb, st);
            tmem__sb_str(&sb, ")");
        }
        break;
    }
    case TMEM_TI_ACT_ENC_LAYERS: tmem__sb_str(&sb, "encoder layers (saved)"); break;
    case TMEM_TI_ACT_DEC_LAYERS: tmem__sb_str(&sb, "decoder layers (saved)"); break;
    case TMEM_TI_ACT_ATTN:
        tmem__sb_str(&sb, c->m->hybrid                ? "attention and SSM mixers (saved)"
                          : c->m->ssm != TMEM_SSM_NONE ? "SSM mixer (saved)"
                                                       : "attention (saved)");
        break;
    case TMEM_TI_ACT_SCORES: tmem__sb_str(&sb, "attention scores (s²)"); break;
    case TMEM_TI_ACT_MLP: tmem__sb_str(&sb, "MLP (saved)"); break;
    case TMEM_TI_ACT_MOE: tmem__sb_str(&sb, "MoE layers (saved)"); break;
    case TMEM_TI_ACT_MASKS: tmem__sb_str(&sb, "residual dropout masks"); break;
    case TMEM_TI_ACT_CKPT: tmem__sb_str(&sb, "layer inputs (checkpoints)"); break;
    case TMEM_TI_ACT_VISION:
        tmem__sb_str(&sb, c->m->n_cross_layer > 0 ? "images: projector + cross-attention layers"
                          : c->o->train_vision   ? "images: vision tower + projector (saved)"
                                                 : "images: projector (saved)");
        break;
    case TMEM_TI_ACT_ENDS: tmem__sb_str(&sb, "embedding + head inputs"); break;
    case TMEM_TI_ACT_AUTOCAST: tmem__sb_str(&sb, "autocast weight copies ("); tmem__sb_str(&sb, cd); tmem__sb_str(&sb, ")"); break;
    case TMEM_TI_LOGITS:
        tmem__sb_str(&sb, c->fused_ce ? "logits chunk (" : "logits (");
        tmem__sb_str(&sb, cd);
        tmem__sb_str(&sb, ")");
        break;
    case TMEM_TI_LOSS:
        if (c->m->encdec) { /* train_encdec.c: no upcast */
            tmem__sb_str(&sb, "loss log-softmax (");
            tmem__sb_str(&sb, cd);
            tmem__sb_str(&sb, ")");
            break;
        }
        tmem__sb_str(&sb, tmem__encoder_loss_as_is(c->m) && !c->pi->autocast ? "loss log-softmax ("
                          : !c->fused_ce                           ? "loss log-softmax (fp32)"
                          : c->o->kernels == TMEM_KERNELS_LIGER ? "lm_head grad (Liger)"
                                                                 : "loss softmax chunk (fp32)");
        if (tmem__encoder_loss_as_is(c->m) && !c->pi->autocast) {
            tmem__sb_str(&sb, cd);
            tmem__sb_str(&sb, ")");
        }
        break;
    case TMEM_TI_LOGITS_GRAD: tmem__sb_str(&sb, c->fused_ce ? "hidden-state grad (fused CE)" : "logits gradient"); break;
    case TMEM_TI_RECOMPUTE: tmem__sb_str(&sb, "recomputed layer"); break;
    case TMEM_TI_WEIGHT_TEMP:
        tmem__sb_str(&sb, c->o->base_quant != TMEM_BASE_QUANT_NONE ? "dequantized weight (" : "DoRA weight temporaries (");
        tmem__sb_str(&sb, cd);
        tmem__sb_str(&sb, ")");
        break;
    case TMEM_TI_STEP_SCRATCH: tmem__sb_str(&sb, "optimizer step scratch"); break;
    case TMEM_TI_DDP_BUCKETS: tmem__sb_str(&sb, "DDP gradient buckets"); break;
    case TMEM_TI_ZERO_REDUCE: tmem__sb_str(&sb, "ZeRO reduce bucket"); break;
    case TMEM_TI_ZERO_ALLGATHER: tmem__sb_str(&sb, "ZeRO allgather bucket"); break;
    case TMEM_TI_GATHERED:
        tmem__sb_str(&sb, c->o->zero == 3 ? "ZeRO-3 live parameters"
                         : c->o->fsdp == TMEM_FSDP_GRAD_OP ? "FSDP unsharded parameters"
                                                           : "FSDP unsharded units");
        break;
    case TMEM_TI_UNSHARDED_GRADS: tmem__sb_str(&sb, "FSDP unsharded gradients"); break;
    case TMEM_TI_CUDA: tmem__sb_str(&sb, "CUDA context + workspaces"); break;
    case TMEM_TI_FRAGMENTATION: tmem__sb_str(&sb, "allocator fragmentation"); break;
    case TMEM_TI_DS_LARGEST: tmem__sb_str(&sb, "largest layer (DeepSpeed)"); break;
    case TMEM_TI_DS_STATES: tmem__sb_str(&sb, "model states (DeepSpeed)"); break;
    case TMEM_TI_REF_WEIGHTS: tmem__sb_str(&sb, "reference model ("); tmem__sb_str(&sb, w); tmem__sb_str(&sb, ")"); break;
    case TMEM_TI_REWARD_WEIGHTS: tmem__sb_str(&sb, "reward model ("); tmem__sb_str(&sb, w); tmem__sb_str(&sb, ")"); break;
    case TMEM_TI_CRITIC_WEIGHTS: tmem__sb_str(&sb, "critic weights ("); tmem__sb_str(&sb, w); tmem__sb_str(&sb, ")"); break;
    case TMEM_TI_CRITIC_GRADS: tmem__sb_str(&sb, "critic gradients ("); tmem__sb_str(&sb, g); tmem__sb_str(&sb, ")"); break;
    case TMEM_TI_CRITIC_STATES: tmem__sb_str(&sb, "critic master + optimizer states"); break;
    case TMEM_TI_ROLLOUT_WEIGHTS: tmem__sb_str(&sb, "rollout engine weights (bf16)"); break;
    case TMEM_TI_ROLLOUT_KV: tmem__sb_str(&sb, "rollout engine KV cache"); break;
    case TMEM_TI_GEN_KV: tmem__sb_str(&sb, "generation KV cache + logits (HF generate)"); break;
    case TMEM_TI_GEN_GATHER: tmem__sb_str(&sb, "ZeRO-3 policy gathered for generation"); break;
    default: tmem__sb_str(&sb, "?"); break;
    }
}

static const char *const host_labels[] = {
    [TMEM_HI_WEIGHTS] = "weights (host)",
    [TMEM_HI_MASTER] = "master weights (host)",
    [TMEM_HI_STATES] = "optimizer states (host)",
    [TMEM_HI_GRADS_FP32] = "fp32 gradients (host)",
    [TMEM_HI_DS_CPU] = "per CPU (DeepSpeed)",
    [TMEM_HI_PAGED] = "optimizer states (host/pageable)",
    [TMEM_HI_REF_WEIGHTS] = "reference model (host)",
};
static const enum tmem_bucket host_buckets[] = {
    [TMEM_HI_WEIGHTS] = TMEM_BUCKET_WEIGHTS,
    [TMEM_HI_MASTER] = TMEM_BUCKET_OPTIMIZER_STATES,
    [TMEM_HI_STATES] = TMEM_BUCKET_OPTIMIZER_STATES,
    [TMEM_HI_GRADS_FP32] = TMEM_BUCKET_GRADIENTS,
    [TMEM_HI_DS_CPU] = TMEM_BUCKET_OPTIMIZER_STATES,
    [TMEM_HI_PAGED] = TMEM_BUCKET_OPTIMIZER_STATES,
    [TMEM_HI_REF_WEIGHTS] = TMEM_BUCKET_WEIGHTS,
};
_Static_assert(sizeof host_labels / sizeof host_labels[0] == TMEM_HI_COUNT, "one label per host item");

enum tmem_status tmem_train_ledger(const struct tmem_model *m, const struct tmem_inventory *inv,
                                   const struct tmem_train_opts *o,
                                   const struct tmem_train_result *r, enum tmem_phase phase,
                                   bool host, struct tmem_ledger *out, struct tmem_error *err)
{
    if (out == NULL || r == NULL || (unsigned)phase >= TMEM_PHASE_COUNT)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "train", "bad ledger request");
    TRY(tmem_train_validate(m, o, err));
    TRY(tmem__inventory_check(inv, err));
    tmem_ledger_init(out);
    struct tmem_train_ctx c;
    tmem__train_setup(&c, m, inv, o, r->layout.stage);
    c.paged_out = r->paged_out;
    char label[TMEM_LABEL_LEN], formula[TMEM_FORMULA_LEN];
    if (host) {
        for (int h = 0; h < TMEM_HI_COUNT; h++) {
            uint64_t v = host_item(&c, (enum tmem_host_item)h, formula, sizeof formula);
            if (v == 0)
                continue;
            TRY(tmem_ledger_add(out, host_buckets[h], host_labels[h], v, formula, err));
        }
        return c.overflow ? tmem__fail(err, TMEM_ERR_OVERFLOW, "train", "overflow") : TMEM_OK;
    }
    uint64_t rest = 0;
    for (int it = 0; it < TMEM_TI_COUNT; it++) {
        enum tmem_train_item ti = (enum tmem_train_item)it;
        if (ti == TMEM_TI_FRAGMENTATION || !(item_phases(&c, ti) & PH(phase)))
            continue;
        uint64_t v = item(&c, ti, formula, sizeof formula);
        if (v == 0)
            continue;
        item_label(&c, ti, label, sizeof label);
        TRY(tmem_ledger_add(out, item_table[ti].bucket, label, v, formula, err));
        rest += v;
    }
    uint64_t fr = frag(&c, rest, formula, sizeof formula);
    if (fr > 0) {
        item_label(&c, TMEM_TI_FRAGMENTATION, label, sizeof label);
        TRY(tmem_ledger_add(out, TMEM_BUCKET_FRAMEWORK_OVERHEAD, label, fr, formula, err));
    }
    if (c.overflow)
        return tmem__fail(err, TMEM_ERR_OVERFLOW, "train", "a byte count does not fit in 64 bits");
    return TMEM_OK;
}
