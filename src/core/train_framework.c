/* train_framework.c — --framework: the defaults the training tools people run
 * use, one table row per default, each with the file or code it comes from.
 * A profile writes a field of the plan only when the caller did not set it;
 * every row it has for the plan is reported (an explicit flag marks its row
 * overridden), so the output names each assumption. */
#include "tmem/train.h"

#include <string.h>

static const char *const framework_names[] = {
    [TMEM_FRAMEWORK_NONE] = "none",           [TMEM_FRAMEWORK_HF] = "hf",
    [TMEM_FRAMEWORK_TORCHTUNE] = "torchtune", [TMEM_FRAMEWORK_LITGPT] = "litgpt",
    [TMEM_FRAMEWORK_UNSLOTH] = "unsloth",     [TMEM_FRAMEWORK_AXOLOTL] = "axolotl",
    [TMEM_FRAMEWORK_DEEPSPEED] = "deepspeed", [TMEM_FRAMEWORK_FSDP] = "fsdp",
    [TMEM_FRAMEWORK_MEGATRON] = "megatron",   [TMEM_FRAMEWORK_TORCHTITAN] = "torchtitan",
    [TMEM_FRAMEWORK_TRL] = "trl",             [TMEM_FRAMEWORK_VERL] = "verl",
    [TMEM_FRAMEWORK_OPENRLHF] = "openrlhf",
};
_Static_assert(sizeof framework_names / sizeof framework_names[0] == TMEM_FRAMEWORK_COUNT, "one name per framework");

static const char *const descriptions[] = {
    [TMEM_FRAMEWORK_NONE] = "tmem's own defaults",
    [TMEM_FRAMEWORK_HF] = "transformers Trainer",
    [TMEM_FRAMEWORK_TORCHTUNE] = "torchtune recipes (full_finetune_single_device, lora_finetune_single_device)",
    [TMEM_FRAMEWORK_LITGPT] = "LitGPT (Lightning Fabric)",
    [TMEM_FRAMEWORK_UNSLOTH] = "Unsloth (its Triton kernels, offloaded checkpointing)",
    [TMEM_FRAMEWORK_AXOLOTL] = "Axolotl (transformers Trainer under a YAML config)",
    [TMEM_FRAMEWORK_DEEPSPEED] = "DeepSpeed (ZeRO mixed precision)",
    [TMEM_FRAMEWORK_FSDP] = "PyTorch FSDP",
    [TMEM_FRAMEWORK_MEGATRON] = "Megatron-LM (Megatron-Core, Transformer Engine)",
    [TMEM_FRAMEWORK_TORCHTITAN] = "PyTorch torchtitan: FSDP2, torch.distributed.pipelining",
    [TMEM_FRAMEWORK_TRL] = "TRL (GRPOTrainer / PPOTrainer, trl/trainer/grpo_config.py)",
    [TMEM_FRAMEWORK_VERL] = "verl (ppo_trainer, verl/trainer/config/rollout/rollout.yaml)",
    [TMEM_FRAMEWORK_OPENRLHF] = "OpenRLHF (openrlhf/cli/train_ppo_ray.py)",
};
_Static_assert(sizeof descriptions / sizeof descriptions[0] == TMEM_FRAMEWORK_COUNT, "one line per framework");

static const char *const field_flags[] = {
    [TMEM_TRAIN_FIELD_PRECISION] = "--precision",
    [TMEM_TRAIN_FIELD_OPTIMIZER] = "--optimizer",
    [TMEM_TRAIN_FIELD_KERNELS] = "--kernels",
    [TMEM_TRAIN_FIELD_RECOMPUTE] = "--recompute",
    [TMEM_TRAIN_FIELD_ATTENTION] = "--attention",
    [TMEM_TRAIN_FIELD_FUSED_CE] = "--fused-ce",
    [TMEM_TRAIN_FIELD_OPTIMIZER_IN_BACKWARD] = "--optimizer-in-backward",
    [TMEM_TRAIN_FIELD_DISTRIBUTED_OPTIMIZER] = "--distributed-optimizer",
    [TMEM_TRAIN_FIELD_FSDP] = "--fsdp",
    [TMEM_TRAIN_FIELD_REF_MODEL] = "--ref-model",
    [TMEM_TRAIN_FIELD_ROLLOUT_UTIL] = "--rollout-memory-utilization",
    [TMEM_TRAIN_FIELD_ROLLOUT_SLEEP] = "--rollout-sleep",
    [TMEM_TRAIN_FIELD_ROLLOUT_TP] = "--rollout-tp",
};
_Static_assert(sizeof field_flags / sizeof field_flags[0] == TMEM_TRAIN_FIELD_COUNT, "one flag per field");

const char *tmem_framework_name(enum tmem_framework f)
{
    return (unsigned)f < TMEM_FRAMEWORK_COUNT ? framework_names[f] : "unknown";
}

const char *tmem_framework_description(enum tmem_framework f)
{
    return (unsigned)f < TMEM_FRAMEWORK_COUNT ? descriptions[f] : "unknown";
}

const char *tmem_train_field_flag(enum tmem_train_field f)
{
    return (unsigned)f < TMEM_TRAIN_FIELD_COUNT ? field_flags[f] : "?";
}

enum tmem_framework tmem_framework_from_name(const char *s)
{
    for (int i = 0; s != NULL && i < TMEM_FRAMEWORK_COUNT; i++)
        if (strcmp(s, framework_names[i]) == 0)
            return (enum tmem_framework)i;
    return TMEM_FRAMEWORK_COUNT;
}

/* when a row applies */
enum when {
    WHEN_ALWAYS = 0,
    WHEN_FULL,  /* a full fine-tune (no adapters) */
    WHEN_MULTI, /* more than one GPU */
    WHEN_MULTI_NO_PP, /* more than one GPU, no pipeline */
    WHEN_MULTI_PP,    /* more than one GPU, with a pipeline */
    WHEN_RL,    /* --rl grpo|ppo */
    WHEN_GRPO,  /* --rl grpo */
    WHEN_RL_GPU, /* --rl with a --gpu (a colocated engine's share is of its memory) */
    WHEN_RL_GPU_MULTI, /* and more than one GPU */
};

struct row {
    enum tmem_framework fw;
    enum tmem_train_field field;
    enum when when;
    int value;         /* the enum value, or 0/1 for a switch */
    const char *text;  /* the value as the flag spells it */
    const char *source;
};

#define P(x) TMEM_PRECISION_##x
#define O(x) TMEM_OPTIMIZER_##x
#define F(x) TMEM_TRAIN_FIELD_##x
static const struct row rows[] = {
    /* transformers: src/transformers/training_args.py, modeling_utils.py */
    {TMEM_FRAMEWORK_HF, F(PRECISION), WHEN_ALWAYS, P(AMP_BF16), "amp-bf16",
     "TrainingArguments(bf16=True): torch.autocast over the weights as loaded (fp32 unless torch_dtype says otherwise)"},
    {TMEM_FRAMEWORK_HF, F(OPTIMIZER), WHEN_ALWAYS, O(ADAMW), "adamw", "TrainingArguments.optim default \"adamw_torch\""},
    {TMEM_FRAMEWORK_HF, F(RECOMPUTE), WHEN_ALWAYS, TMEM_RECOMPUTE_NONE, "none",
     "TrainingArguments.gradient_checkpointing default False"},
    {TMEM_FRAMEWORK_HF, F(KERNELS), WHEN_ALWAYS, TMEM_KERNELS_EAGER, "eager",
     "the model's own modeling_<family>.py modules, no kernel patching"},
    {TMEM_FRAMEWORK_HF, F(ATTENTION), WHEN_ALWAYS, TMEM_ATTENTION_FLASH, "flash",
     "attn_implementation default \"sdpa\": flash / memory-efficient kernels save q, k, v, out, lse"},
    /* torchtune: recipes/configs/llama3_1/8B_full_single_device.yaml */
    {TMEM_FRAMEWORK_TORCHTUNE, F(PRECISION), WHEN_ALWAYS, P(BF16), "bf16",
     "recipe config \"dtype: bf16\": weights, gradients and optimizer states in bf16"},
    {TMEM_FRAMEWORK_TORCHTUNE, F(RECOMPUTE), WHEN_ALWAYS, TMEM_RECOMPUTE_FULL, "full",
     "recipe config \"enable_activation_checkpointing: True\""},
    {TMEM_FRAMEWORK_TORCHTUNE, F(FUSED_CE), WHEN_ALWAYS, 1, "on",
     "recipe config \"loss: torchtune.modules.loss.LinearCrossEntropyLoss\" (output projection and loss in chunks)"},
    {TMEM_FRAMEWORK_TORCHTUNE, F(OPTIMIZER), WHEN_FULL, O(PAGED_ADAMW8BIT), "paged-adamw8bit",
     "8B_full_single_device.yaml \"optimizer: bitsandbytes.optim.PagedAdamW8bit\""},
    {TMEM_FRAMEWORK_TORCHTUNE, F(OPTIMIZER_IN_BACKWARD), WHEN_FULL, 1, "on",
     "8B_full_single_device.yaml \"optimizer_in_bwd: True\" (needs gradient_accumulation_steps: 1)"},
    /* LitGPT: litgpt/utils.py, litgpt/finetune/full.py */
    {TMEM_FRAMEWORK_LITGPT, F(PRECISION), WHEN_ALWAYS, P(AMP_BF16), "amp-bf16",
     "get_default_supported_precision(training=True) = \"bf16-mixed\" (Lightning: torch.autocast over fp32 weights)"},
    {TMEM_FRAMEWORK_LITGPT, F(FSDP), WHEN_MULTI, TMEM_FSDP_FULL, "full",
     "finetune setup(): FSDPStrategy when devices > 1 (FULL_SHARD)"},
    /* Unsloth: unsloth/kernels/rms_layernorm.py, the get_peft_model notebooks */
    {TMEM_FRAMEWORK_UNSLOTH, F(KERNELS), WHEN_ALWAYS, TMEM_KERNELS_FUSED, "fused",
     "unsloth/kernels/rms_layernorm.py Fast_RMS_Layernorm: ctx.save_for_backward(X, W, r)"},
    {TMEM_FRAMEWORK_UNSLOTH, F(RECOMPUTE), WHEN_ALWAYS, TMEM_RECOMPUTE_FULL, "full",
     "get_peft_model(use_gradient_checkpointing = \"unsloth\"): Unsloth moves the checkpoints to host memory, "
     "tmem keeps them on the GPU (an upper bound)"},
    /* Axolotl: examples/llama-3/lora-8b.yml */
    {TMEM_FRAMEWORK_AXOLOTL, F(PRECISION), WHEN_ALWAYS, P(AMP_BF16), "amp-bf16",
     "examples/llama-3/lora-8b.yml \"bf16: auto\" (the transformers Trainer's autocast)"},
    {TMEM_FRAMEWORK_AXOLOTL, F(OPTIMIZER), WHEN_ALWAYS, O(ADAM8BIT), "adam8bit",
     "examples/llama-3/lora-8b.yml \"optimizer: adamw_bnb_8bit\""},
    {TMEM_FRAMEWORK_AXOLOTL, F(RECOMPUTE), WHEN_ALWAYS, TMEM_RECOMPUTE_FULL, "full",
     "examples/llama-3/lora-8b.yml \"gradient_checkpointing: true\""},
    {TMEM_FRAMEWORK_AXOLOTL, F(ATTENTION), WHEN_ALWAYS, TMEM_ATTENTION_FLASH, "flash",
     "examples/llama-3/lora-8b.yml \"flash_attention: true\""},
    /* DeepSpeed: the ZeRO paper's 2 + 2 + K (K = 12) */
    {TMEM_FRAMEWORK_DEEPSPEED, F(PRECISION), WHEN_ALWAYS, P(BF16_MIXED), "bf16-mixed",
     "ds_config \"bf16\": {\"enabled\": true}: 16-bit weights and gradients, fp32 master and Adam states "
     "(Rajbhandari et al. 2020: 2 + 2 + 12 bytes per parameter)"},
    /* PyTorch FSDP: torch/distributed/fsdp */
    {TMEM_FRAMEWORK_FSDP, F(FSDP), WHEN_ALWAYS, TMEM_FSDP_FULL, "full",
     "FullyShardedDataParallel(sharding_strategy=ShardingStrategy.FULL_SHARD), the default"},
    {TMEM_FRAMEWORK_FSDP, F(PRECISION), WHEN_ALWAYS, P(BF16_MIXED), "bf16-mixed",
     "MixedPrecision(param_dtype=torch.bfloat16): bf16 unsharded weights, the fp32 sharded parameters "
     "are the optimizer's master copy"},
    /* Megatron-LM: megatron/training/arguments.py */
    {TMEM_FRAMEWORK_MEGATRON, F(PRECISION), WHEN_ALWAYS, P(BF16_FP32_GRADS), "bf16-fp32-grads",
     "arguments.py: --bf16 sets accumulate_allreduce_grads_in_fp32 (bf16 params, fp32 main grads)"},
    {TMEM_FRAMEWORK_MEGATRON, F(DISTRIBUTED_OPTIMIZER), WHEN_ALWAYS, 1, "on",
     "--use-distributed-optimizer, as Megatron's training scripts run: fp32 master and Adam states over dp"},
    {TMEM_FRAMEWORK_MEGATRON, F(KERNELS), WHEN_ALWAYS, TMEM_KERNELS_TE, "te",
     "--transformer-impl transformer_engine (the default): TE LayerNormLinear / LayerNormMLP"},
    {TMEM_FRAMEWORK_MEGATRON, F(ATTENTION), WHEN_ALWAYS, TMEM_ATTENTION_FLASH, "flash",
     "TE DotProductAttention (flash / fused attention backends)"},
    {TMEM_FRAMEWORK_MEGATRON, F(RECOMPUTE), WHEN_ALWAYS, TMEM_RECOMPUTE_NONE, "none",
     "no --recompute-granularity unless given"},
    /* torchtitan 9dec370 (the H100 performance tables' commit):
     * torchtitan/config_manager.py, torchtitan/parallelisms/parallelize_llama.py */
    {TMEM_FRAMEWORK_TORCHTITAN, F(PRECISION), WHEN_ALWAYS, P(BF16_FP32_GRADS), "bf16-fp32-grads",
     "MixedPrecisionPolicy(param_dtype=mixed_precision_param \"bfloat16\", reduce_dtype=mixed_precision_reduce "
     "\"float32\"): bf16 all-gathers, fp32 sharded parameters and gradients, fp32 reduce-scatter"},
    {TMEM_FRAMEWORK_TORCHTITAN, F(FSDP), WHEN_MULTI_NO_PP, TMEM_FSDP_FULL, "full",
     "data_parallel_shard_degree -1: fully_shard over the remaining GPUs, reshard_after_forward=True"},
    {TMEM_FRAMEWORK_TORCHTITAN, F(FSDP), WHEN_MULTI_PP, TMEM_FSDP_GRAD_OP, "grad-op",
     "apply_fsdp(pp_enabled): \"For PP, do not reshard after forward\" (reshard_after_forward=False)"},
    /* TRL: trl/trainer/grpo_config.py (GRPOConfig), grpo_trainer.py */
    {TMEM_FRAMEWORK_TRL, F(REF_MODEL), WHEN_GRPO, TMEM_REF_MODEL_NONE, "none",
     "GRPOConfig beta default 0.0: \"If 0.0 (default), the reference model is not loaded\""},
    {TMEM_FRAMEWORK_TRL, F(ROLLOUT_UTIL), WHEN_RL_GPU, 300000, "0.3",
     "GRPOConfig(use_vllm=True, vllm_mode=\"colocate\"): vllm_gpu_memory_utilization default 0.3"},
    {TMEM_FRAMEWORK_TRL, F(ROLLOUT_SLEEP), WHEN_RL_GPU, 0, "off", "GRPOConfig vllm_enable_sleep_mode default False"},
    {TMEM_FRAMEWORK_TRL, F(ROLLOUT_TP), WHEN_RL_GPU, 1, "1", "GRPOConfig vllm_tensor_parallel_size default 1"},
    /* verl: verl/trainer/config/rollout/rollout.yaml */
    {TMEM_FRAMEWORK_VERL, F(ROLLOUT_UTIL), WHEN_RL_GPU, 500000, "0.5",
     "rollout.yaml \"gpu_memory_utilization: 0.5\" (actor_rollout_ref.rollout)"},
    {TMEM_FRAMEWORK_VERL, F(ROLLOUT_SLEEP), WHEN_RL_GPU, 1, "on",
     "rollout.yaml \"free_cache_engine: True\": the engine sleeps after generation (vLLM sleep level 1: "
     "weights offloaded, KV cache freed)"},
    {TMEM_FRAMEWORK_VERL, F(ROLLOUT_TP), WHEN_RL_GPU_MULTI, 2, "2", "rollout.yaml \"tensor_model_parallel_size: 2\""},
    {TMEM_FRAMEWORK_VERL, F(FSDP), WHEN_MULTI, TMEM_FSDP_FULL, "full",
     "actor_rollout_ref.actor.strategy: fsdp (FULL_SHARD over the actor's GPUs)"},
    /* OpenRLHF: openrlhf/cli/train_ppo_ray.py */
    {TMEM_FRAMEWORK_OPENRLHF, F(REF_MODEL), WHEN_RL, TMEM_REF_MODEL_SAME, "same",
     "--algo.kl.init_coef default 0.01 > 0: a reference model is loaded"},
    {TMEM_FRAMEWORK_OPENRLHF, F(ROLLOUT_UTIL), WHEN_RL_GPU, 950000, "0.95",
     "--vllm.gpu_memory_utilization default 0.95 (with --train.colocate_all the engines share the GPUs)"},
    {TMEM_FRAMEWORK_OPENRLHF, F(ROLLOUT_SLEEP), WHEN_RL_GPU, 0, "off", "--vllm.enable_sleep default False"},
    {TMEM_FRAMEWORK_OPENRLHF, F(ROLLOUT_TP), WHEN_RL_GPU, 1, "1", "--vllm.tensor_parallel_size default 1"},
};
#undef P
#undef O
#undef F

/* does the row apply to this plan (and can it be set without a conflict
 * tmem_train_validate would refuse: optimizer-in-backward with gradient
 * accumulation, a distributed optimizer or FSDP beside ZeRO) */
static bool applies(const struct row *r, const struct tmem_train_opts *o)
{
    switch (r->when) {
    case WHEN_ALWAYS: break;
    case WHEN_FULL:
        if (o->lora_rank != 0)
            return false;
        break;
    case WHEN_MULTI:
    case WHEN_MULTI_NO_PP:
    case WHEN_MULTI_PP:
        if (!(o->gpus > 1 || o->dp > 1))
            return false;
        if ((r->when == WHEN_MULTI_NO_PP && o->pp > 1) || (r->when == WHEN_MULTI_PP && o->pp <= 1))
            return false;
        break;
    case WHEN_RL:
        if (o->rl == TMEM_RL_NONE)
            return false;
        break;
    case WHEN_GRPO:
        if (o->rl != TMEM_RL_GRPO)
            return false;
        break;
    case WHEN_RL_GPU_MULTI:
        if (!(o->gpus > 1 || o->dp > 1) || o->rl == TMEM_RL_NONE || o->rollout_capacity_bytes == 0)
            return false;
        break;
    case WHEN_RL_GPU:
        if (o->rl == TMEM_RL_NONE || o->rollout_capacity_bytes == 0)
            return false;
        break;
    }
    switch (r->field) {
    case TMEM_TRAIN_FIELD_OPTIMIZER_IN_BACKWARD:
        return o->grad_accum <= 1 && o->pp <= 1 && o->zero == 0 && !o->deepspeed_estimator;
    case TMEM_TRAIN_FIELD_DISTRIBUTED_OPTIMIZER:
    case TMEM_TRAIN_FIELD_FSDP:
        return o->zero == 0;
    case TMEM_TRAIN_FIELD_PRECISION:
    case TMEM_TRAIN_FIELD_OPTIMIZER:
    case TMEM_TRAIN_FIELD_KERNELS:
    case TMEM_TRAIN_FIELD_RECOMPUTE:
    case TMEM_TRAIN_FIELD_ATTENTION:
    case TMEM_TRAIN_FIELD_FUSED_CE:
    case TMEM_TRAIN_FIELD_REF_MODEL:
    case TMEM_TRAIN_FIELD_ROLLOUT_UTIL:
    case TMEM_TRAIN_FIELD_ROLLOUT_SLEEP:
    case TMEM_TRAIN_FIELD_ROLLOUT_TP:
    case TMEM_TRAIN_FIELD_COUNT:
        break;
    }
    return true;
}

static void set_field(struct tmem_train_opts *o, enum tmem_train_field f, int v)
{
    switch (f) {
    case TMEM_TRAIN_FIELD_PRECISION: o->precision = (enum tmem_precision)v; break;
    case TMEM_TRAIN_FIELD_OPTIMIZER: o->optimizer = (enum tmem_optimizer)v; break;
    case TMEM_TRAIN_FIELD_KERNELS: o->kernels = (enum tmem_kernels)v; break;
    case TMEM_TRAIN_FIELD_RECOMPUTE: o->recompute = (enum tmem_recompute)v; break;
    case TMEM_TRAIN_FIELD_ATTENTION: o->attention = (enum tmem_attention)v; break;
    case TMEM_TRAIN_FIELD_FUSED_CE: o->fused_ce = v != 0; break;
    case TMEM_TRAIN_FIELD_OPTIMIZER_IN_BACKWARD: o->optimizer_in_backward = v != 0; break;
    case TMEM_TRAIN_FIELD_DISTRIBUTED_OPTIMIZER: o->distributed_optimizer = v != 0; break;
    case TMEM_TRAIN_FIELD_FSDP: o->fsdp = (enum tmem_fsdp)v; break;
    case TMEM_TRAIN_FIELD_REF_MODEL: o->ref_model = (enum tmem_ref_model)v; break;
    case TMEM_TRAIN_FIELD_ROLLOUT_UTIL: o->rollout_util_ppm = (uint32_t)v; break;
    case TMEM_TRAIN_FIELD_ROLLOUT_SLEEP: o->rollout_sleep = v != 0; break;
    case TMEM_TRAIN_FIELD_ROLLOUT_TP: o->rollout_tp = (uint64_t)v; break;
    case TMEM_TRAIN_FIELD_COUNT: break;
    }
}

size_t tmem_train_framework_apply(enum tmem_framework f, uint32_t explicit_fields, struct tmem_train_opts *o,
                                  struct tmem_assumption *out, size_t max)
{
    size_t n = 0;
    if (o == NULL)
        return 0;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct row *r = &rows[i];
        if (r->fw != f || !applies(r, o))
            continue;
        bool mine = (explicit_fields >> r->field & 1u) != 0;
        if (!mine)
            set_field(o, r->field, r->value);
        if (out != NULL && n < max)
            out[n] = (struct tmem_assumption){r->field, r->text, r->source, mine};
        n++;
    }
    return n;
}
