/* train.h — the training ledger: what one GPU holds while a transformer is
 * trained, phase by phase (end of forward, start and end of backward,
 * optimizer step), under a precision policy, an optimizer, data / tensor /
 * pipeline / expert / context parallelism, ZeRO or FSDP sharding, CPU
 * offload and activation recomputation.
 *
 * Pure core, like tmem.h: nothing here prints, allocates or keeps state.
 * tmem_train_compute() evaluates the numbers only (it runs millions of
 * times a second); tmem_train_ledger() renders one phase of a finished
 * result as ledger entries whose formulas carry the numbers ("symbols =
 * values"). Both call the same item functions, so a number and its formula
 * cannot disagree.
 *
 * Symbols used in formulas, beyond the model legend of tmem.h:
 *   b micro-batch   s sequence   tp, pp, cp, ep, dp parallel degrees
 *   P_gpu parameters held by one GPU (its pipeline stage, its TP slice, its experts)
 *   shard the ZeRO / FSDP sharding degree (dp·cp, or the node for HSDP)
 *
 * REF: Rajbhandari et al. 2020, "ZeRO" (2 + 2 + K bytes per parameter);
 *      Korthikanti et al. 2022, "Reducing Activation Recomputation in Large
 *      Transformer Models", Table 2 (activations per layer);
 *      DeepSpeed deepspeed/runtime/zero/stage3.py
 *      estimate_zero3_model_states_mem_needs (--deepspeed-estimator). */
#ifndef TMEM_TRAIN_H
#define TMEM_TRAIN_H

#include "tmem/tmem.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Precision policies: which dtype each kind of tensor is kept in. */
enum tmem_precision {
    TMEM_PRECISION_FP32 = 0,   /* everything fp32 */
    TMEM_PRECISION_AMP_BF16,   /* torch.autocast: fp32 weights, grads, states; bf16 matmuls */
    TMEM_PRECISION_AMP_FP16,   /* the same with fp16 and a GradScaler */
    TMEM_PRECISION_BF16_MIXED, /* Megatron / DeepSpeed: bf16 weights + grads, fp32 master */
    TMEM_PRECISION_FP16_MIXED, /* the same in fp16 */
    TMEM_PRECISION_BF16,       /* pure bf16: weights, grads and states all bf16 */
    TMEM_PRECISION_BF16_FP32_GRADS, /* Megatron: bf16 weights, fp32 main grads only, fp32 master + states */
    TMEM_PRECISION_COUNT
};

enum tmem_optimizer {
    TMEM_OPTIMIZER_SGD = 0,
    TMEM_OPTIMIZER_SGD_MOMENTUM,
    TMEM_OPTIMIZER_ADAM,
    TMEM_OPTIMIZER_ADAMW,
    TMEM_OPTIMIZER_ADAM8BIT,  /* bitsandbytes blockwise 8-bit Adam */
    TMEM_OPTIMIZER_ADAFACTOR, /* factored second moment, no first moment */
    TMEM_OPTIMIZER_LION,
    TMEM_OPTIMIZER_PAGED_ADAMW,     /* bitsandbytes PagedAdamW: fp32 states in CUDA unified (pageable) memory */
    TMEM_OPTIMIZER_PAGED_ADAMW8BIT, /* bitsandbytes PagedAdamW8bit: the 8-bit states, paged */
    TMEM_OPTIMIZER_COUNT
};

enum tmem_recompute {
    TMEM_RECOMPUTE_NONE = 0,
    TMEM_RECOMPUTE_SELECTIVE, /* Megatron: recompute the attention core (drops s² terms) */
    TMEM_RECOMPUTE_FULL,      /* checkpoint every layer: keep its input only */
    TMEM_RECOMPUTE_COUNT
};

enum tmem_attention {
    TMEM_ATTENTION_NAIVE = 0, /* eager: the b·n_head·s·s scores are materialised */
    TMEM_ATTENTION_FLASH,     /* FlashAttention-2: saves q, k, v, out and the log-sum-exp */
    TMEM_ATTENTION_COUNT
};

enum tmem_fsdp {
    TMEM_FSDP_OFF = 0,
    TMEM_FSDP_FULL,     /* FULL_SHARD: weights, grads, states over shard */
    TMEM_FSDP_GRAD_OP,  /* SHARD_GRAD_OP: grads and states; weights unsharded forward → backward */
    TMEM_FSDP_HYBRID,   /* HYBRID_SHARD: FULL_SHARD within a node, replicated across nodes */
    TMEM_FSDP_NO_SHARD, /* DDP semantics */
    TMEM_FSDP_COUNT
};

enum tmem_offload {
    TMEM_OFFLOAD_NONE = 0,
    TMEM_OFFLOAD_OPTIMIZER, /* master weights, optimizer states, fp32 grads on the host */
    TMEM_OFFLOAD_PARAMS,    /* also the 16-bit weights (ZeRO-3 offload_param) */
    TMEM_OFFLOAD_COUNT
};

enum tmem_tristate { TMEM_DEFAULT = 0, TMEM_OFF, TMEM_ON };

/* The kernel stack the activations are saved by (act_inventory.c). Only
 * RMSNorm and gated MLPs differ: LayerNorm is one op (input, mean, rstd)
 * in every stack, and so is a plain activation.
 * REF: Liger-Kernel src/liger_kernel/ops/rms_norm.py LigerRMSNormFunction
 *      (save_for_backward(X, W, RSTD), RSTD fp32 in the llama and gemma
 *      casting modes), ops/swiglu.py LigerSiLUMulFunction (save_for_backward(a, b):
 *      silu is recomputed), ops/fused_linear_cross_entropy.py (saves grad_input
 *      and grad_weight, computed chunk by chunk in the forward);
 *      apex normalization/fused_layer_norm.py FusedRMSNormAffineFunction
 *      (save_for_backward(input_, weight_, invvar));
 *      TransformerEngine pytorch/module/layernorm_mlp.py _LayerNormMLP
 *      (save_for_backward(inputmat, ln_weight, mu, rsigma, ln_out, fc1_out, gelu_out, ...)). */
enum tmem_kernels {
    TMEM_KERNELS_EAGER = 0, /* HF transformers' eager modules: RMSNorm op by op in fp32 (x_fp32, rstd, y),
                               SwiGLU as silu(gate)·up (gate, silu, up, product) */
    TMEM_KERNELS_FUSED,     /* fused norms (apex FusedRMSNorm, TE, Liger): the input and the fp32 rstd */
    TMEM_KERNELS_LIGER,     /* Liger: fused norms, fused SwiGLU/GeGLU (gate and up; the product is down's
                               input), fused linear cross-entropy (implies --fused-ce) */
    TMEM_KERNELS_TE,        /* Transformer Engine LayerNormLinear / LayerNormMLP: fused norms, fc1_out
                               (gate and up) and the activation's output */
    TMEM_KERNELS_LOCAL,     /* Megatron-LM --transformer-impl local (megatron/model/transformer.py): apex
                               fused norms, SwiGLU op by op (F.silu on one chunk of dense_h_to_4h's
                               output, times the other), and under flash attention the kernel's saved
                               output [b, s] beside the [s, b] contiguous copy dense saves */
    TMEM_KERNELS_COUNT
};
const char *tmem_kernels_name(enum tmem_kernels k); /* "eager", "fused", "liger", "te", "local" */
enum tmem_kernels tmem_kernels_from_name(const char *s);

/* How the frozen base of an adapter fine-tune stores its linear layers'
 * weights (every matmul weight but the lm_head, as bitsandbytes converts
 * them); everything else stays in the compute dtype. */
enum tmem_base_quant {
    TMEM_BASE_QUANT_NONE = 0, /* the compute dtype (torch_dtype=bfloat16) */
    TMEM_BASE_QUANT_NF4,      /* bnb 4-bit NF4: n/2 bytes + an fp32 absmax per 64 weights */
    TMEM_BASE_QUANT_NF4_DQ,   /* NF4 with double quantization: 8-bit absmax, an fp32 scale per 256 of them */
    TMEM_BASE_QUANT_INT8,     /* bnb LLM.int8: n bytes + an fp32 scale per output row (SCB) */
    TMEM_BASE_QUANT_FP8,      /* fp8 e4m3 weights with one fp32 scale per tensor */
    TMEM_BASE_QUANT_COUNT
};
#define TMEM_LORA_NF4_BLOCK 64u      /* bitsandbytes blocksize for 4-bit weights */
#define TMEM_LORA_NF4_DQ_BLOCK 256u  /* blocksize of the nested (double) quantization of absmax */
#define TMEM_MAX_LORA_RANK (UINT64_C(1) << 20)

/* The phases whose live bytes are compared; the peak is the largest. */
enum tmem_phase {
    TMEM_PHASE_FORWARD = 0,   /* end of forward: every activation saved, logits and loss */
    TMEM_PHASE_BACKWARD,      /* start of backward: activations, logits grad, recompute */
    TMEM_PHASE_BACKWARD_END,  /* end of backward: activations freed, every gradient */
    TMEM_PHASE_OPTIMIZER,     /* optimizer step: gradients, states, step scratch */
    TMEM_PHASE_ROLLOUT,       /* --rl only: generation between training steps: the model states, the
                                 frozen models and a colocated engine, no activations */
    TMEM_PHASE_COUNT
};

/* Post-training with a reward (--rl). GRPO: G completions per prompt scored
 * against each other (no critic); PPO: a trained critic (value model). Both
 * keep a frozen reference and may score with a frozen reward model; the
 * completions come from a generation engine that may share the GPU. */
enum tmem_rl {
    TMEM_RL_NONE = 0,
    TMEM_RL_GRPO,
    TMEM_RL_PPO,
    TMEM_RL_COUNT
};
const char *tmem_rl_name(enum tmem_rl r); /* "none", "grpo", "ppo" */
enum tmem_rl tmem_rl_from_name(const char *s);

/* Where the frozen reference model of DPO / GRPO / PPO lives. */
enum tmem_ref_model {
    TMEM_REF_MODEL_SAME = 0, /* a frozen copy of the policy in its weight dtype, sharded as it is */
    TMEM_REF_MODEL_NONE,     /* none (TRL GRPO beta = 0.0, DPO precompute_ref_log_probs) */
    TMEM_REF_MODEL_OFFLOAD,  /* on the host (verl ref.fsdp_config.param_offload: True) */
    TMEM_REF_MODEL_COUNT
};
const char *tmem_ref_model_name(enum tmem_ref_model r); /* "same", "none", "offload" */
enum tmem_ref_model tmem_ref_model_from_name(const char *s);


#define TMEM_RL_GROUP_SIZE 8u          /* TRL GRPOConfig num_generations default */
#define TMEM_RL_ROLLOUT_WEIGHT_BYTES 2u /* the engine's weights in bf16 (verl rollout.dtype: bfloat16) */
#define TMEM_RL_COMPLETION_LEN 256u    /* TRL GRPOConfig max_completion_length default (at most half of --seq) */

/* Named defaults (printed with every result; each is overridable). */
#define TMEM_TRAIN_CUDA_OVERHEAD_BYTES (UINT64_C(768) << 20) /* CUDA context 512 MiB + cuBLAS/NCCL workspaces 256 MiB */
#define TMEM_TRAIN_FRAGMENTATION_PPM 50000u                /* 5 % of the live bytes */
#define TMEM_TRAIN_DDP_BUCKET_BYTES (UINT64_C(25) << 20)   /* torch DDP bucket_cap_mb 25 */
#define TMEM_TRAIN_DS_REDUCE_BUCKET 500000000u     /* DeepSpeed reduce_bucket_size (elements) */
#define TMEM_TRAIN_DS_ALLGATHER_BUCKET 500000000u  /* allgather_bucket_size (elements) */
#define TMEM_TRAIN_DS_PREFETCH_BUCKET 50000000u    /* stage3_prefetch_bucket_size (elements) */
#define TMEM_TRAIN_DS_MAX_LIVE 1000000000u         /* stage3_max_live_parameters (elements) */
#define TMEM_TRAIN_CE_CHUNK_TOKENS 1024u           /* --fused-ce: tokens per logits chunk */
#define TMEM_TRAIN_ADAM8BIT_BLOCK 256u             /* bitsandbytes blockwise quantization block */
#define TMEM_TRAIN_ADAM8BIT_MIN_SIZE 4096u         /* bnb min_8bit_size: smaller tensors keep fp32 states */
#define TMEM_TRAIN_DS_BUFFER_FACTOR_PCT 150u       /* DeepSpeed additional_buffer_factor 1.5 */

/* Limits on what a plan may ask for. */
#define TMEM_MAX_TRAIN_GPUS (UINT64_C(1) << 20)
#define TMEM_MAX_MICRO_BATCH (UINT64_C(1) << 20)
#define TMEM_MAX_SEQ (UINT64_C(1) << 24)
#define TMEM_MAX_PP_STAGES 1024

/* A training plan. tmem_train_opts_default() fills every field; callers
 * change what they need. Sizes of buckets are in elements where the
 * framework names them in elements (DeepSpeed), in bytes otherwise. */
struct tmem_train_opts {
    uint64_t micro_batch, seq;
    uint64_t target_seq;        /* encoder–decoders: the decoder's length (0: seq, the encoder's) */
    uint64_t gpus;              /* 0: tp·pp·cp·dp with dp 1 (or the given dp) */
    uint64_t dp;                /* 0: gpus / (tp·pp·cp) */
    uint64_t tp, pp, cp, ep;
    uint64_t gpus_per_node;     /* HSDP shard group and DeepSpeed's nodes (default 8) */
    uint64_t n_microbatches;    /* per optimizer step per pipeline (0: pp) */
    uint64_t virtual_stages;    /* interleaved 1F1B model chunks per stage (1: plain 1F1B) */
    uint64_t grad_accum;        /* micro-batches per optimizer step without pipelining */
    uint32_t zero;              /* 0..3 */
    enum tmem_fsdp fsdp;
    bool distributed_optimizer; /* Megatron: shard master + states over dp (like ZeRO-1) */
    bool sequence_parallel;
    enum tmem_offload offload;
    enum tmem_precision precision;
    enum tmem_optimizer optimizer;
    enum tmem_recompute recompute;
    enum tmem_attention attention;
    enum tmem_tristate dropout; /* TMEM_DEFAULT: the family's default */
    enum tmem_kernels kernels;  /* the kernel stack (TMEM_KERNELS_EAGER) */
    bool fp32_grads;            /* keep an fp32 gradient accumulation buffer (mixed policies) */
    bool fused_ce;              /* chunked logits + loss (Liger / fused linear cross-entropy) */
    bool ddp_bucket_view;       /* torch DDP gradient_as_bucket_view=True: no bucket copy */
    uint64_t ce_chunk_tokens;
    uint64_t ddp_bucket_bytes;
    uint64_t ds_reduce_bucket, ds_allgather_bucket, ds_prefetch_bucket, ds_max_live;
    uint64_t cuda_overhead_bytes;
    uint32_t fragmentation_ppm; /* allocator fragmentation, parts per million of the rest */
    uint64_t page_capacity_bytes; /* paged optimizers: the GPU memory the states are paged against
                                     (0: they stay on the GPU) */

    /* adapter fine-tuning (LoRA, QLoRA, DoRA): lora_rank 0 trains every weight */
    uint64_t lora_rank;         /* r */
    uint64_t lora_alpha;        /* shown only: scaling alpha / r has no memory effect (0: not given) */
    struct tmem_kind_set lora_targets; /* the targeted linears' kinds */
    uint32_t lora_dropout_ppm;  /* lora_dropout, parts per million (0: nn.Identity, no extra tensor) */
    bool dora;                  /* weight-decomposed LoRA: a magnitude vector per target */
    enum tmem_base_quant base_quant;
    struct tmem_kind_set modules_to_save; /* kinds of tensors trained in full (a trainable copy) */
    bool optimizer_in_backward; /* torchtune: each gradient stepped and freed as soon as it is made */
    bool dpo;                   /* DPO (TRL DPOTrainer): a chosen and a rejected sequence per pair (2·b
                                   sequences through the policy) and a frozen reference model */
    enum tmem_ref_model ref_model; /* DPO and --rl: the frozen reference (none with LoRA: the base with
                                   its adapters disabled) */
    enum tmem_rl rl;            /* GRPO / PPO: micro_batch counts completions */
    uint64_t group_size;        /* GRPO: completions per prompt (0: TMEM_RL_GROUP_SIZE) */
    uint64_t completion_len;    /* --rl: tokens generated per completion, part of seq (TRL
                                   max_completion_length; 0: tmem_train_completion_len's default) */
    bool critic;                /* PPO: a trained value model, the policy's architecture with a
                                   d_model × 1 value head for the lm_head */
    uint64_t reward_params;     /* a frozen reward model's parameters (0: none, a rule-based reward) */
    uint32_t rollout_util_ppm;  /* colocated engine: gpu_memory_utilization, parts per million (0: none) */
    bool rollout_sleep;         /* the engine sleeps during training (vLLM sleep level 1: its weights
                                   offloaded, its KV cache freed) */
    uint64_t rollout_tp;        /* the engine's tensor parallel degree (1) */
    uint64_t rollout_capacity_bytes; /* the GPU memory the utilization is a fraction of */
    bool gen_gather_per_layer;  /* --rl, HF generate under ZeRO-3: gather one layer at a time
                                   (TRL ds3_gather_for_generation False; default True: the
                                   whole policy is gathered on each GPU for generation) */

    /* --deepspeed-estimator: DeepSpeed's own model-states estimate instead */
    bool deepspeed_estimator;
    bool ds_zero_init;          /* estimator's zero_init (1) */
    uint64_t ds_total_params;   /* 0: the inventory's total */
    uint64_t ds_largest_layer_params; /* 0: the inventory's largest tensor */

    /* (appended) vision-language samples with images (train_vision.c): images
     * per sample (0: text-only samples); their pixels (Qwen2.5-VL's tokens
     * follow them; 0: not given); train_vision: the vision tower trained
     * (default: frozen, requires_grad False, as TRL's and LLaVA's stage-2
     * recipes; the projector is trained in full fine-tuning, under adapters
     * only when --modules-to-save names multi_modal_projector) */
    uint64_t images;
    uint64_t image_h, image_w;
    bool train_vision;
};

void tmem_train_opts_default(struct tmem_train_opts *o);

/* --rl: the tokens a completion generates, of the plan's seq tokens (the
 * rest is its prompt): completion_len, or TMEM_RL_COMPLETION_LEN but at
 * most seq / 2. */
uint64_t tmem_train_completion_len(const struct tmem_train_opts *o, uint64_t seq);

/* The attention kernel a family trains with when none is given: flash
 * (tmem_train_opts_default), but HF's eager attention for an
 * encoder-decoder (T5 adds its position bias to the scores: no SDPA / flash
 * path in modeling_t5.py; BART's eager path the one modelled). `source`
 * (may be NULL) gets the reason, a static string, NULL for flash. */
enum tmem_attention tmem_train_family_attention(const struct tmem_model *m, const char **source);

/* Whether a plan has phase p (the rollout phase only with --rl). */
bool tmem_train_phase_used(const struct tmem_train_opts *o, enum tmem_phase p);

/* Names for the CLI, the reader and the reports ("bf16-mixed", "adamw",
 * "selective", "flash", "grad-op", "optimizer", "backward"). Lookups return
 * the _COUNT value when the name is unknown. */
const char *tmem_precision_name(enum tmem_precision p);
const char *tmem_optimizer_name(enum tmem_optimizer o);
const char *tmem_recompute_name(enum tmem_recompute r);
const char *tmem_attention_name(enum tmem_attention a);
const char *tmem_fsdp_name(enum tmem_fsdp f);
const char *tmem_offload_name(enum tmem_offload o);
const char *tmem_phase_name(enum tmem_phase p);
const char *tmem_phase_title(enum tmem_phase p); /* "start of backward" */
enum tmem_precision tmem_precision_from_name(const char *s);
enum tmem_optimizer tmem_optimizer_from_name(const char *s);
enum tmem_recompute tmem_recompute_from_name(const char *s);
enum tmem_attention tmem_attention_from_name(const char *s);
enum tmem_fsdp tmem_fsdp_from_name(const char *s);
enum tmem_offload tmem_offload_from_name(const char *s);

/* One row of the precision table: the dtype of each kind of tensor. */
struct tmem_precision_info {
    const char *name, *description;
    enum tmem_dtype weights, grads, master; /* master == TMEM_DTYPE_COUNT: none */
    enum tmem_dtype states;                 /* optimizer states' dtype */
    enum tmem_dtype residual, compute;      /* residual stream, matmul inputs */
    bool autocast;          /* matmuls cast fp32 weights to 16-bit (cached copies) */
    bool persistent_grads;  /* a contiguous gradient buffer lives for the whole step */
};
const struct tmem_precision_info *tmem_precision_info(enum tmem_precision p);

/* ------------------------------------------------------------ adapters */

const char *tmem_base_quant_name(enum tmem_base_quant q); /* "nf4-dq" */
enum tmem_base_quant tmem_base_quant_from_name(const char *s);

/* The tensor kinds one name of --lora-targets stands for: a short name (q,
 * k, v, o, gate, up, down: gate/up/down include routed and shared experts),
 * an HF module name (q_proj, ..., down_proj, q_a_proj, q_b_proj,
 * kv_a_proj_with_mqa, kv_b_proj; T5 q, k, v, o, wi, wi_0, wi_1, wo; BART
 * q_proj, k_proj, v_proj, out_proj, fc1, fc2), or all-linear (PEFT: every
 * linear layer but the output layer). PEFT matches a name as the suffix of
 * a module's path, so an encoder-decoder's name covers both stacks and the
 * cross-attention ("q": encoder and decoder self-attention q and the
 * decoder's EncDecAttention.q). The empty set for an unknown name. */
struct tmem_kind_set tmem_lora_target_kinds(const char *name);
/* The same for --modules-to-save (embed_tokens, lm_head). */
struct tmem_kind_set tmem_lora_module_kinds(const char *name);
/* The target set `s` (tmem_lora_target_kinds) as PEFT resolves it on model
 * m: a model without a state-space mixer has no Mamba out_proj, so its
 * out_proj bit names the attention output that model calls out_proj (BART,
 * mBART, Pegasus decoder self-attention, OPT): that kind is added. */
struct tmem_kind_set tmem_lora_targets_for_model(const struct tmem_model *m, struct tmem_kind_set s);

/* ------------------------------------------------------------ frameworks
 *
 * --framework: the defaults a training tool runs with, as named assumptions
 * (src/core/train_framework.c, each row with the config file or code it
 * comes from). A profile sets only what the caller did not set itself:
 * `explicit_fields` has bit 1 << enum tmem_train_field for each field the
 * user gave (an explicit flag wins and its row is reported as overridden). */
enum tmem_framework {
    TMEM_FRAMEWORK_NONE = 0, /* tmem's own defaults */
    TMEM_FRAMEWORK_HF,       /* transformers Trainer */
    TMEM_FRAMEWORK_TORCHTUNE,
    TMEM_FRAMEWORK_LITGPT,
    TMEM_FRAMEWORK_UNSLOTH,
    TMEM_FRAMEWORK_AXOLOTL,
    TMEM_FRAMEWORK_DEEPSPEED,
    TMEM_FRAMEWORK_FSDP,
    TMEM_FRAMEWORK_MEGATRON,
    TMEM_FRAMEWORK_TORCHTITAN, /* torchtitan (FSDP2, torch.distributed.pipelining) */
    TMEM_FRAMEWORK_TRL,      /* TRL GRPOTrainer / PPOTrainer (--rl) */
    TMEM_FRAMEWORK_VERL,     /* verl ppo_trainer (--rl) */
    TMEM_FRAMEWORK_OPENRLHF, /* OpenRLHF train_ppo_ray (--rl) */
    TMEM_FRAMEWORK_COUNT
};
const char *tmem_framework_name(enum tmem_framework f); /* "none", "hf", "torchtune", ... */
enum tmem_framework tmem_framework_from_name(const char *s);

/* The plan fields a profile may set. */
enum tmem_train_field {
    TMEM_TRAIN_FIELD_PRECISION = 0,
    TMEM_TRAIN_FIELD_OPTIMIZER,
    TMEM_TRAIN_FIELD_KERNELS,
    TMEM_TRAIN_FIELD_RECOMPUTE,
    TMEM_TRAIN_FIELD_ATTENTION,
    TMEM_TRAIN_FIELD_FUSED_CE,
    TMEM_TRAIN_FIELD_OPTIMIZER_IN_BACKWARD,
    TMEM_TRAIN_FIELD_DISTRIBUTED_OPTIMIZER,
    TMEM_TRAIN_FIELD_FSDP,
    TMEM_TRAIN_FIELD_REF_MODEL,
    TMEM_TRAIN_FIELD_ROLLOUT_UTIL,  /* parts per million */
    TMEM_TRAIN_FIELD_ROLLOUT_SLEEP,
    TMEM_TRAIN_FIELD_ROLLOUT_TP,
    TMEM_TRAIN_FIELD_COUNT
};
const char *tmem_train_field_flag(enum tmem_train_field f); /* "--precision" */

/* One default a profile applied (or would have: overridden). */
struct tmem_assumption {
    enum tmem_train_field field;
    const char *value;     /* "bf16-fp32-grads" (static) */
    const char *source;    /* where the framework sets it (static) */
    bool overridden;       /* the user's flag won */
};
#define TMEM_MAX_ASSUMPTIONS 12

/* Applies framework f's defaults to o (fields not in explicit_fields),
 * writes up to max rows to out (may be NULL), returns how many rows the
 * profile has for this plan (adapters or not, one GPU or more). */
size_t tmem_train_framework_apply(enum tmem_framework f, uint32_t explicit_fields, struct tmem_train_opts *o,
                                  struct tmem_assumption *out, size_t max);
/* The profile in one line: what the tool is ("Megatron-LM (Megatron-Core, Transformer Engine)"). */
const char *tmem_framework_description(enum tmem_framework f);

/* Whole-model parameter counts of an adapter plan, as PEFT's
 * print_trainable_parameters shows them: adapters r·(d_in + d_out) per
 * targeted linear (GQA's narrow k/v, every expert), DoRA's d_out magnitude,
 * and a trainable copy of each module to save; all = the base's + those. */
struct tmem_lora_params {
    uint64_t adapter_params;  /* lora_A + lora_B (+ DoRA magnitudes) */
    uint64_t saved_params;    /* modules_to_save copies */
    uint64_t trainable_params;
    uint64_t all_params;
    uint64_t targeted_linears; /* linear layers that carry an adapter */
};
/* A value or reward model's parameters, as OpenRLHF builds one from a
 * causal LM (openrlhf/models/model.py: the base model and value_head =
 * nn.Linear(hidden_size, 1, bias=False) in place of the lm_head): the
 * inventory's total, less an untied lm_head (and its bias), plus d_model. */
uint64_t tmem_train_value_model_params(const struct tmem_model *m, const struct tmem_inventory *inv);
enum tmem_status tmem_lora_count(const struct tmem_model *m, const struct tmem_inventory *inv,
                                 const struct tmem_train_opts *o, struct tmem_lora_params *out,
                                 struct tmem_error *err);

/* One optimizer: up to three per-parameter states, each one row. */
enum tmem_state_kind {
    TMEM_STATE_FULL = 0,   /* one element per parameter, in the policy's state dtype */
    TMEM_STATE_Q8,         /* int8 per parameter (fp32 for tensors < min_8bit_size) */
    TMEM_STATE_Q8_SCALES,  /* fp32 absmax per 256-element block of every Q8 state */
    TMEM_STATE_ROW,        /* factored: one element per matrix row (vectors: none) */
    TMEM_STATE_COL,        /* factored: one element per matrix column (vectors: none) */
    TMEM_STATE_VECTOR,     /* full, for vectors only (Adafactor's unfactored case) */
    TMEM_STATE_KIND_COUNT
};
#define TMEM_MAX_OPT_STATES 3
struct tmem_optimizer_info {
    const char *name, *description;
    uint32_t n_states;
    struct {
        const char *label;  /* "exp_avg (m)" */
        enum tmem_state_kind kind;
    } states[TMEM_MAX_OPT_STATES];
};
const struct tmem_optimizer_info *tmem_optimizer_info(enum tmem_optimizer o);

/* The items a training ledger is made of, in display order. */
enum tmem_train_item {
    TMEM_TI_WEIGHTS = 0,
    TMEM_TI_REF_WEIGHTS,    /* --dpo, --rl: the frozen reference model (a copy of the policy; none with LoRA) */
    TMEM_TI_REWARD_WEIGHTS, /* --reward-model: the frozen reward model */
    TMEM_TI_CRITIC_WEIGHTS, /* --rl ppo: the critic (value model), trained */
    TMEM_TI_CRITIC_GRADS,
    TMEM_TI_CRITIC_STATES,  /* its master weights and optimizer states */
    TMEM_TI_ROLLOUT_WEIGHTS,/* --rollout-memory-utilization: the engine's copy of the weights */
    TMEM_TI_ROLLOUT_KV,     /* and its KV cache pool: the rest of utilization × GPU memory */
    TMEM_TI_GEN_KV,         /* --rl without an engine: HF generate's KV cache and logits on the training GPU */
    TMEM_TI_GEN_GATHER,     /* and under ZeRO-3 the policy gathered whole for it (ds3_gather_for_generation) */
    TMEM_TI_GRADS,
    TMEM_TI_GRADS_FP32,
    TMEM_TI_MASTER,
    TMEM_TI_STATE0,
    TMEM_TI_STATE1,
    TMEM_TI_STATE2,
    TMEM_TI_ACT_ENC_LAYERS, /* encoder–decoders: the encoder's layers, whole (train_encdec.c) */
    TMEM_TI_ACT_DEC_LAYERS, /* encoder–decoders: the decoder's layers with their cross-attention */
    TMEM_TI_ACT_ATTN,
    TMEM_TI_ACT_SCORES,
    TMEM_TI_ACT_MLP,
    TMEM_TI_ACT_MOE,
    TMEM_TI_ACT_MASKS,
    TMEM_TI_ACT_CKPT,       /* full recompute: each layer's input */
    TMEM_TI_ACT_VISION,     /* --images: the projector's (and a trained tower's) saved tensors, Mllama's
                               cross-attention layers and image states (train_vision.c) */
    TMEM_TI_ACT_ENDS,       /* embedding, final norm, lm_head input */
    TMEM_TI_ACT_AUTOCAST,   /* autocast's 16-bit weight copies */
    TMEM_TI_LOGITS,
    TMEM_TI_LOSS,           /* fp32 log-softmax saved by the loss */
    TMEM_TI_LOGITS_GRAD,
    TMEM_TI_RECOMPUTE,      /* one layer recomputed during backward */
    TMEM_TI_WEIGHT_TEMP,    /* QLoRA's dequantized weight, DoRA's combined weight */
    TMEM_TI_STEP_SCRATCH,
    TMEM_TI_DDP_BUCKETS,
    TMEM_TI_ZERO_REDUCE,
    TMEM_TI_ZERO_ALLGATHER,
    TMEM_TI_GATHERED,       /* ZeRO-3 live params / FSDP unsharded units */
    TMEM_TI_UNSHARDED_GRADS,/* FSDP unsharded gradient of the current unit */
    TMEM_TI_CUDA,
    TMEM_TI_FRAGMENTATION,
    TMEM_TI_DS_LARGEST,     /* --deepspeed-estimator items */
    TMEM_TI_DS_STATES,
    TMEM_TI_COUNT
};

/* Host (CPU) memory items, with offload or in estimator mode. */
enum tmem_host_item {
    TMEM_HI_WEIGHTS = 0,
    TMEM_HI_MASTER,
    TMEM_HI_STATES,
    TMEM_HI_GRADS_FP32,
    TMEM_HI_DS_CPU,
    TMEM_HI_PAGED,  /* paged optimizer states evicted to host under memory pressure */
    TMEM_HI_REF_WEIGHTS, /* --ref-model offload */
    TMEM_HI_COUNT
};

/* Per-GPU parameter counts of one pipeline stage. */
struct tmem_train_layout {
    uint64_t dp, shard, expert_shard;  /* data parallel, sharding degrees */
    uint64_t stage, layers, dense_layers, moe_layers;
    bool first, last;
    uint64_t dense_params;   /* after TP, before sharding */
    uint64_t expert_params;  /* this GPU's experts, after EP and TP */
    uint64_t params;         /* dense + expert: P_gpu */
    uint64_t matmul_params;  /* of which in matmul weights (autocast casts them) */
    uint64_t largest_unit_params; /* one layer / embedding / lm_head: what ZeRO-3/FSDP gathers */
    uint64_t trainable_params; /* of params, those with gradients and states (adapters: fewer) */
    uint64_t trainable_matmul_params; /* of them, matmul weights: what needs a weight gradient */
    uint64_t inflight_num, inflight_den; /* micro-batches whose activations are held */
    /* (appended) of the layers, those whose mixer attends and those that run
     * the state-space mixer (a parallel hybrid: every layer both) */
    uint64_t attn_layers, ssm_layers;
};

/* Activations of one layer for one micro-batch, per GPU, in bytes. */
struct tmem_layer_act {
    uint64_t attn, scores, mlp, moe, masks; /* no recompute */
    uint64_t norm_stats;   /* part of attn + mlp: fp32 mean/rstd (not in Korthikanti) */
    uint64_t checkpoint;   /* full recompute: the layer input */
    uint64_t total;        /* with the plan's recompute setting */
};

/* ------------------------------------------------- activation inventory */

/* The activation inventory: each tensor one layer saves for backward, named,
 * with its shape in the dimension legend, its dtype, how tensor / sequence
 * parallel split it, and the plan choices that drop it (in the manner of
 * llm.c's ActivationTensors). Recompute and kernel choices are filters over
 * this list, and struct tmem_layer_act's sums are sums over it. The ends of
 * the model (embedding, final norm, lm_head input, logits, loss) are ledger
 * items of their own, not listed here. */

/* Which block of a layer a tensor belongs to (the tmem_layer_act field it
 * is summed into). */
enum tmem_act_part {
    TMEM_ACT_PART_ATTN = 0,   /* attention block: norm, q/k/v input, q, k, v, o_proj input */
    TMEM_ACT_PART_SCORES,     /* naive attention's b·n_head·s·s tensors */
    TMEM_ACT_PART_MLP,        /* a dense layer's MLP block */
    TMEM_ACT_PART_MOE,        /* an MoE layer's MLP block: router, experts, shared experts */
    TMEM_ACT_PART_MASKS,      /* residual dropout masks */
    TMEM_ACT_PART_CHECKPOINT, /* full recompute: the layer input, kept alone */
    TMEM_ACT_PART_COUNT
};

/* The dtype a saved tensor is kept in, as the precision policy names it. */
enum tmem_act_dtype {
    TMEM_ACT_DTYPE_RESIDUAL = 0, /* r: the residual stream (fp32 under fp32 and autocast) */
    TMEM_ACT_DTYPE_COMPUTE,      /* c: matmul inputs and outputs */
    TMEM_ACT_DTYPE_FP32,         /* fp32 whatever the policy (norm statistics, upcast softmax) */
    TMEM_ACT_DTYPE_INT64,        /* indices (router top-k) */
    TMEM_ACT_DTYPE_MASK,         /* a 1-byte dropout mask */
    TMEM_ACT_DTYPE_COUNT
};

/* Which parallelism divides a tensor on one GPU (context parallel divides
 * every tensor's sequence). */
enum tmem_act_split {
    TMEM_ACT_SPLIT_SP = 0, /* sequence-dimension tensor, whole width: replicated over tp
                              unless sequence parallel splits its tokens */
    TMEM_ACT_SPLIT_TP,     /* heads or d_ff: tensor parallel splits its width */
    TMEM_ACT_SPLIT_COUNT
};

/* The plan choices that act as filters; a tensor names those that drop it
 * as bits (1u << choice). */
enum tmem_act_choice {
    TMEM_ACT_CHOICE_RECOMPUTE_NONE = 0,
    TMEM_ACT_CHOICE_RECOMPUTE_SELECTIVE,
    TMEM_ACT_CHOICE_RECOMPUTE_FULL,
    TMEM_ACT_CHOICE_ATTENTION_NAIVE,
    TMEM_ACT_CHOICE_ATTENTION_FLASH,
    TMEM_ACT_CHOICE_ATTN_DROPOUT_OFF,  /* attention dropout off (the family's default or --dropout) */
    TMEM_ACT_CHOICE_RESID_DROPOUT_OFF, /* residual dropout off */
    TMEM_ACT_CHOICE_FROZEN,            /* adapters: the weights that alone need it are frozen */
    TMEM_ACT_CHOICE_NORM_EAGER,        /* --kernels eager: RMSNorm op by op */
    TMEM_ACT_CHOICE_NORM_FUSED,        /* --kernels fused|liger|te: a fused RMSNorm */
    TMEM_ACT_CHOICE_GLU_FUSED,         /* --kernels liger|te: a fused gated activation */
    TMEM_ACT_CHOICE_ATTN_OUT_SHARED,   /* every stack but --kernels local: the attention kernel's
                                          saved output is the output projection's input */
    TMEM_ACT_CHOICE_COUNT
};

/* What the plan does with a tensor. */
enum tmem_act_state {
    TMEM_ACT_STATE_SAVED = 0,  /* held from the forward to the backward */
    TMEM_ACT_STATE_RECOMPUTED, /* made in the forward, freed, made again in the backward */
    TMEM_ACT_STATE_ABSENT,     /* this plan's kernel, dropout or recompute never keeps it */
    TMEM_ACT_STATE_COUNT
};

/* Which kind of layer a listed tensor belongs to. A transformer's layers
 * and a hybrid's attention layers are ATTENTION (with the MLP block, masks
 * and checkpoint every layer of a hybrid shares: listed once, there); a
 * pure Mamba's layers and a hybrid's state-space layers are SSM (a hybrid's:
 * their mixer alone, part ATTN). */
enum tmem_act_layer_kind {
    TMEM_ACT_LAYER_ATTENTION = 0,
    TMEM_ACT_LAYER_SSM,
    TMEM_ACT_LAYER_COUNT
};

struct tmem_act_tensor {
    const char *name;           /* "attn.q" (static string) */
    enum tmem_act_layer_kind layer_kind;
    const char *shape_sym;      /* "b·s × n_head·d_head" (static string; whole, before any split) */
    const char *dtype_name;     /* "bf16", "fp32", "int64", "bool" (static string) */
    enum tmem_act_part part;
    enum tmem_act_dtype dtype;
    enum tmem_act_split split;
    uint32_t absent_under;      /* bits of enum tmem_act_choice under which it is not kept at all */
    uint32_t recomputed_under;  /* bits of the recompute choices that free and rebuild it */
    bool norm_stats;            /* an fp32 norm statistic (mean, rstd) */
    enum tmem_act_state state;  /* under this plan */
    uint64_t tokens;            /* b·s/cp, divided by tp for SP tensors under sequence parallel */
    uint64_t width;             /* elements per token on this GPU (after tensor parallel) */
    uint64_t elem_bytes;
    uint64_t bytes;             /* tokens · width · elem_bytes: one micro-batch, one GPU */
};

#define TMEM_MAX_ACT_TENSORS 160

struct tmem_act_inventory {
    uint32_t n_tensors;
    struct tmem_act_tensor tensors[TMEM_MAX_ACT_TENSORS]; /* by layer kind (layer_kind's first,
                                                             then a hybrid's SSM layer's mixer),
                                                             by part, then in forward order */
    enum tmem_act_layer_kind layer_kind; /* the kind `layer` sums: SSM for a pure Mamba, else ATTENTION */
    struct tmem_layer_act layer;  /* the sums over its entries of layer_kind (= tmem_train_result.layer_act) */
    uint64_t ssm_mixer;           /* a hybrid's state-space layer: its mixer's bytes the plan makes (the
                                     sum over the SSM entries; its MLP block is the attention layer's);
                                     0 for other models */
    uint64_t ssm_layers;          /* a hybrid's state-space layers on the stage (0 for other models) */
    uint64_t moe_layer_bytes;     /* an MoE layer's saved bytes under the plan (0: no MoE) */
    uint64_t dense_layers, moe_layers; /* layers of each kind on the stage */
    uint64_t tokens, tokens_sp;   /* of TP and of SP tensors: b·s/cp, and /tp under SP */
};

/* Lists one layer's saved tensors (a dense layer's, and an MoE layer's MLP
 * block where the model has one) for one micro-batch on one GPU, with the
 * plan's filters applied as each tensor's state. m resolved, inv built from
 * it; stage 0 .. pp-1, or UINT64_MAX for the first stage (the tensors of a
 * layer are the same on every stage; the layer counts are the stage's).
 * inv or out NULL, or stage ≥ pp: TMEM_ERR_INVALID_ARG; a plan
 * tmem_train_validate refuses: its error; TMEM_ERR_OVERFLOW when a byte
 * count does not fit. *out is written only on TMEM_OK. */
enum tmem_status tmem_train_activations(const struct tmem_model *m, const struct tmem_inventory *inv,
                                        const struct tmem_train_opts *o, uint64_t stage,
                                        struct tmem_act_inventory *out, struct tmem_error *err);

/* Names for reports ("attention", "c", "tp", "recompute selective",
 * "saved"); "?" for a value out of range. */
const char *tmem_act_part_name(enum tmem_act_part p);
const char *tmem_act_dtype_name(enum tmem_act_dtype d);
const char *tmem_act_split_name(enum tmem_act_split s);
const char *tmem_act_choice_name(enum tmem_act_choice c);
const char *tmem_act_state_name(enum tmem_act_state s);
const char *tmem_act_layer_kind_name(enum tmem_act_layer_kind k); /* "attention", "ssm" */

struct tmem_train_result {
    uint64_t item_bytes[TMEM_TI_COUNT];
    uint32_t item_phases[TMEM_TI_COUNT];  /* bit p: live in phase p */
    uint64_t phase_bytes[TMEM_PHASE_COUNT];
    enum tmem_phase peak_phase;
    uint64_t peak_bytes;
    uint64_t host_item_bytes[TMEM_HI_COUNT];
    uint64_t host_bytes;
    struct tmem_train_layout layout;      /* the worst stage's */
    struct tmem_layer_act layer_act;      /* one of its layers (dense layers) */
    uint64_t n_stages_evaluated;
    uint64_t seq;                         /* resolved (--seq default: n_ctx, at most 4096) */
    uint64_t target_seq;                  /* encoder–decoders: the decoder's length (else 0) */
    bool dropout;                         /* resolved */
    bool rope, softmax_fp32;              /* the kernel profile the activations assume */
    bool paged_out;                       /* a paged optimizer's states did not fit: counted on the host */
    struct tmem_peak peak;                /* the peak as torch and nvidia-smi would show it */
};

/* --images (train_vision.c): the image part of one sample. --seq counts
 * the image tokens (LLaVA, Gemma-3, Qwen2.5-VL: the processor expands each
 * image into tokens_per_image placeholders; Mllama: one <|image|> token). */
struct tmem_train_images {
    uint64_t tokens_per_image;  /* text-sequence tokens one image becomes */
    uint64_t image_tokens;      /* per sample: images × tokens_per_image (part of seq) */
    uint64_t text_tokens;       /* seq − image_tokens */
    uint64_t patches_per_image; /* the tower's positions per image (Mllama: its cross-attention states) */
    uint64_t tower_layers;      /* tower layers whose saved tensors are kept (0: the tower is frozen) */
    bool tower_trained;         /* --train-vision */
    bool projector_trained;     /* full fine-tuning, or --modules-to-save multi_modal_projector */
};
/* The image part of a plan's samples at sequence length seq (the resolved
 * tmem_train_result.seq); all zero without images. Errors: what
 * tmem_train_validate refuses with images (no tower, a length without text,
 * parallel splits, a trained tower that is not CLIP or SigLIP). */
enum tmem_status tmem_train_images(const struct tmem_model *m, const struct tmem_train_opts *o, uint64_t seq,
                                   struct tmem_train_images *out, struct tmem_error *err);

/* Checks the plan against the model: degrees dividing heads, KV heads,
 * experts and layers, gpus = dp·tp·pp·cp, sizes in range. err->where names
 * the option as the CLI spells it ("--tp"). */
enum tmem_status tmem_train_validate(const struct tmem_model *m, const struct tmem_train_opts *o,
                                     struct tmem_error *err);

/* The worst pipeline stage's ledger numbers (stage = UINT64_MAX), or one
 * stage's (0 .. pp-1). m resolved, inv built from it. *r is written only on
 * TMEM_OK. */
enum tmem_status tmem_train_compute(const struct tmem_model *m, const struct tmem_inventory *inv,
                                    const struct tmem_train_opts *o, uint64_t stage,
                                    struct tmem_train_result *r, struct tmem_error *err);

/* ------------------------------------------- prepared (cached) evaluation
 *
 * A search evaluates many layouts of one model. What does not change
 * between them is computed once and kept in a caller-owned struct
 * tmem_train_prep (the core allocates nothing): the inventory's parameter
 * sums by pipeline placement, and memos of the last evaluation's parts,
 * each keyed by the options that part reads — per stage the layout and
 * the model-state items (weights, gradients, optimizer states, buckets,
 * overheads, host items), which do not depend on the micro-batch, the
 * sequence, recompute, attention kernel, dropout or fused cross-entropy;
 * per recompute setting one layer's activation sums per token, which do not
 * depend on the micro-batch or the sharding; per batch shape (a small
 * direct-mapped table) the activation items, which do not depend on
 * sharding, offload, the optimizer, buckets or overheads. A memo is used only when its
 * key matches. The plan is compared once per evaluation, with the
 * validation's memo: the fields every check but those of a search's inner
 * loops reads (micro-batch and its count, sharding, offload, recompute,
 * fused cross-entropy), each change a new generation; a state or items
 * memo matches when its generation is current and the inner-loop fields its
 * key reads, kept beside it, are equal (tests/unit/test_prep.c proves
 * those keys covered). Otherwise the part is computed by the same functions
 * tmem_train_compute runs (it is tmem_train_prepare + tmem_train_eval on a
 * fresh struct), so the numbers are the same byte for byte
 * (tests/unit/test_prep.c). The fields are the core's: do not touch them. */

/* One layer's activations per token, by part, summed over the tensors of
 * the activation inventory that this plan's kernel and dropout make
 * (whatever the recompute setting; act_inventory.c). */
struct tmem_train_act_sums {
    uint64_t sp[TMEM_ACT_PART_COUNT];   /* bytes per token of SP (sequence-dim) tensors */
    uint64_t tp[TMEM_ACT_PART_COUNT];   /* bytes per token of TP-split tensors */
    uint64_t elem[TMEM_ACT_PART_COUNT]; /* bytes per element, summed over the part's tensors */
    uint64_t stats_sp, stats_tp;        /* of which fp32 norm statistics (attention and MLP) */
    uint64_t saved_sp, saved_tp;        /* of a dense layer, the tensors the plan saves */
    uint64_t moe_saved_sp, moe_saved_tp; /* the same for an MoE layer */
    uint64_t end_norm;                  /* the embedding or final norm (d_model wide) */
    uint64_t full_layer;                /* one layer whole (full recompute rebuilds it) */
    /* hybrids of attention and state-space layers (appended): the mixer
     * part (TMEM_ACT_PART_ATTN) of a state-space layer, sp[] / tp[] above
     * holding an attention layer's (a parallel hybrid runs both in each
     * layer: its sp[] / tp[] hold both, these are 0) */
    uint64_t ssm_mixer_sp, ssm_mixer_tp;
};

#define TMEM_TRAIN_PREP_STATES 8 /* state memos per stage looked at (a power of 2) */
#define TMEM_TRAIN_PREP_PLACES 6 /* pipeline placements: layer, dense, MoE, expert, first, last */

/* one stage's layout and model-state items */
struct tmem_train_state_memo {
    bool valid, overflow;
    uint64_t stage;
    uint64_t gen;                  /* the prep's gen when stored: the plan's other fields */
    uint32_t zero;                 /* the key's fields a search's inner loops change */
    enum tmem_fsdp fsdp;
    enum tmem_offload offload;
    bool accum;                    /* grad_accum > 1 (the gradients' phases) */
    struct tmem_train_layout lay;  /* in-flight counts excepted (recomputed each time) */
    bool lora;
    uint64_t tr_dense, tr_expert, tr_matmul, tr_largest, base_bytes;
    uint64_t item_bytes[TMEM_TI_COUNT];     /* the items that are not activations (the others 0) */
    uint64_t rest[TMEM_PHASE_COUNT];        /* their sums per phase */
    uint64_t host_item_bytes[TMEM_HI_COUNT];
    uint64_t host_bytes;                    /* their sum (checked) */
    uint32_t item_phases[TMEM_TI_COUNT];    /* every item's (a full evaluation's; else not set) */
    bool phases_set;
};

/* one layer's activation sums per token */
struct tmem_train_act_memo {
    bool valid, overflow;
    uint64_t seq;                  /* resolved */
    struct tmem_train_opts key;    /* normalized */
    struct tmem_train_act_sums act;
};

/* one stage's activation items (and its layer's bytes) for one batch
 * shape: what the sharding, offload and optimizer choices do not change */
struct tmem_train_items_memo {
    bool valid;
    uint64_t stage;
    uint64_t gen;                  /* the prep's gen when stored: the plan's other fields */
    uint64_t micro_batch, n_microbatches; /* the key's fields a search's inner loops change */
    enum tmem_recompute recompute;
    bool fused_ce;
    struct tmem_layer_act la;
    uint64_t item_bytes[TMEM_TI_COUNT]; /* the activation items (the others 0) */
    uint64_t rest[TMEM_PHASE_COUNT];    /* their sums per phase */
};

/* the keys compared under their masks of the plan's words: ACT (one
 * layer's activation sums), VALID (the fields the validation reads but for
 * those a search's inner loops change: micro-batch, micro-batch counts,
 * sharding, offload, recompute, fused cross-entropy, whose checks are rerun
 * each time). The state and items memos are matched by VALID's generation
 * and the inner-loop fields their keys read, kept beside them. */
enum tmem_train_key { TMEM_TRAIN_KEY_ACT = 0, TMEM_TRAIN_KEY_VALID, TMEM_TRAIN_KEY_COUNT };
#define TMEM_TRAIN_OPTS_WORDS (sizeof(struct tmem_train_opts) / sizeof(uint64_t))

struct tmem_train_prep {
    const struct tmem_model *m;
    const struct tmem_inventory *inv;
    uint64_t place_params[TMEM_TRAIN_PREP_PLACES][2]; /* [placement][tensor-parallel split] */
    uint64_t place_matmul[TMEM_TRAIN_PREP_PLACES][2]; /* of which matmul weights */
    uint64_t embed_params;                            /* the token embedding */
    uint64_t key_mask[TMEM_TRAIN_KEY_COUNT][TMEM_TRAIN_OPTS_WORDS]; /* all-ones where a key keeps a field */
    bool keyed;                                       /* memos kept (false: one evaluation) */
    /* the last plan that passed every check, but for the fields a search's
     * inner loops change; gen counts its changes. A state or items memo of
     * this generation keeps those fields it reads beside it: equal, it
     * matches (its key is the plan's other fields and those) */
    bool valid_ok;
    struct tmem_train_opts valid_key;                 /* normalized (TMEM_TRAIN_KEY_VALID) */
    uint64_t gen;
    /* per stage looked at (the first, the last) a small table by sharding,
     * offload and accumulation, so that a search alternating them hits */
    struct tmem_train_state_memo state[2][TMEM_TRAIN_PREP_STATES];
    uint32_t state_last[2];                           /* the entry the last evaluation used */
    struct tmem_train_act_memo act[TMEM_RECOMPUTE_COUNT];
    struct tmem_train_items_memo *items; /* the caller's table (direct-mapped by batch shape) */
    size_t n_items;                      /* its entries (0: no such memo) */
};

/* Checks the inventory and fills *p for m and inv, which must outlive it
 * and stay unchanged while it is used; items[n_items] (n_items 0: none) is
 * the caller's table for the activation items, which p then uses
 * (TMEM_TRAIN_PREP_ITEMS entries hold a planner's block of micro-batches,
 * recompute and fused-CE choices). */
#define TMEM_TRAIN_PREP_ITEMS 64
enum tmem_status tmem_train_prepare(const struct tmem_model *m, const struct tmem_inventory *inv,
                                    struct tmem_train_items_memo *items, size_t n_items,
                                    struct tmem_train_prep *p, struct tmem_error *err);

/* tmem_train_compute for the model p was prepared with, reusing and
 * updating p's memos (not thread-safe on one p; one p per thread). */
enum tmem_status tmem_train_eval(struct tmem_train_prep *p, const struct tmem_train_opts *o, uint64_t stage,
                                 struct tmem_train_result *r, struct tmem_error *err);

/* tmem_train_eval for a search: the same evaluation, but of *r only
 * peak_bytes, peak_phase, layout, seq, paged_out and n_stages_evaluated
 * are written (equal to tmem_train_eval's, and the same refusals, an
 * overflow in the host items' sum included: tests/unit/test_prep.c); the
 * per-item and per-phase numbers, the host items and the layer's
 * activations are not copied out, and only the peak phase's fragmentation
 * is computed. tmem_train_eval too copies out only the worse stage's. */
enum tmem_status tmem_train_eval_peak(struct tmem_train_prep *p, const struct tmem_train_opts *o, uint64_t stage,
                                      struct tmem_train_result *r, struct tmem_error *err);

/* Renders the items live in `phase` of a result computed with the same
 * arguments as ledger entries with formulas. host: the host items instead
 * (phase ignored). */
enum tmem_status tmem_train_ledger(const struct tmem_model *m, const struct tmem_inventory *inv,
                                   const struct tmem_train_opts *o,
                                   const struct tmem_train_result *r, enum tmem_phase phase,
                                   bool host, struct tmem_ledger *out, struct tmem_error *err);

/* ------------------------------------------------------------ step time
 *
 * How long one optimizer step takes (src/core/train_time.c). Compute is
 * exact FLOPs at a named efficiency of the GPU's dense peak; each
 * collective costs bytes / bandwidth + steps × latency on the slowest
 * link of its group (NVLink inside a node, the network across nodes);
 * what overlaps with what is stated per item (tmem_train_time_item_rule).
 * Ranks are placed tp innermost, then cp, ep (inside dp), dp, pp outermost
 * (Megatron-LM's order), gpus_per_node GPUs to a node.
 *
 * REF: Narayanan et al. 2021, "Efficient Large-Scale Language Model
 *      Training on GPU Clusters Using Megatron-LM" (the 1F1B bubble
 *      (p − 1)/(m + p − 1), interleaved (p − 1)/(v·m + p − 1), 6·N FLOPs
 *      per token + attention); NCCL's ring algorithms (all-reduce moves
 *      2·(n − 1)/n of the buffer, reduce-scatter and all-gather (n − 1)/n). */
enum tmem_time_item {
    TMEM_TT_COMPUTE = 0, /* forward + backward matmuls and attention (recompute apart) */
    TMEM_TT_RECOMPUTE,   /* the extra forward recompute runs in backward */
    TMEM_TT_BUBBLE,      /* the pipeline's idle time (1F1B / interleaved) */
    TMEM_TT_DP,          /* gradient all-reduce, or ZeRO/FSDP reduce-scatter + all-gather */
    TMEM_TT_TP,          /* tensor parallel all-reduces (reduce-scatter + all-gather with SP) */
    TMEM_TT_PP,          /* pipeline send / recv of activations and their gradients */
    TMEM_TT_CP,          /* context parallel ring attention: K, V passed around the ring */
    TMEM_TT_EP,          /* expert parallel all-to-all: dispatch and combine */
    TMEM_TT_OFFLOAD,     /* host ↔ GPU copies over PCIe */
    TMEM_TT_COUNT
};
const char *tmem_time_item_name(enum tmem_time_item t);  /* "compute", "dp", ... */
const char *tmem_time_item_rule(enum tmem_time_item t);  /* what it overlaps with, in words */

/* Named defaults of the step-time model (each overridable in the opts). */
#define TMEM_TRAIN_EFFICIENCY 0.40          /* matmuls: achieved fraction of the dense bf16 peak, GPUs with fp8 (Hopper, Ada, Blackwell) */
#define TMEM_TRAIN_EFFICIENCY_NO_FP8 0.60   /* the same for GPUs without fp8 (Ampere and older): torchtitan, Llama 2 13B on 64 A100, FSDP, no AC: 61.1 % MFU */
#define TMEM_TRAIN_FP8_EFFICIENCY 0.40      /* Float8 linears: achieved fraction of the fp8 peak */
#define TMEM_TRAIN_ATTN_EFFICIENCY 0.35     /* flash attention: fraction of the bf16 peak, GPUs with fp8 (FA3 paper: FlashAttention-2 reaches 35 % of an H100) */
#define TMEM_TRAIN_ATTN_EFFICIENCY_NO_FP8 0.50 /* the same without fp8 (FA2 paper: 50-73 % of an A100 forward, less backward) */
#define TMEM_TRAIN_INTER_NODE_GBPS 400.0    /* network per GPU, one direction (one 400G NIC per GPU) */
#define TMEM_TRAIN_LATENCY_INTRA_S 5e-6     /* per ring step inside a node (NVLink) */
#define TMEM_TRAIN_LATENCY_INTER_S 10e-6    /* per ring step across nodes */
#define TMEM_TRAIN_HOST_BYTES_PER_S 25e9    /* pinned host copies (PCIe), achieved */
#define TMEM_TRAIN_CPU_OPT_PARAMS_PER_S 1e9 /* CPU optimizer step, parameters/s per GPU's host share (unconfirmed) */
#define TMEM_TRAIN_TIME_GPU "h100-sxm"      /* the rates a step time uses when no GPU is named */

#define TMEM_TIME_FORMULA_LEN 512

struct tmem_train_time_opts {
    const struct tmem_gpu *gpu;     /* rates: bf16 / fp8 FLOP/s, NVLink (required) */
    double efficiency;              /* matmuls (and naive attention's s² matmuls): fraction of the bf16 peak, (0, 1] */
    double fp8_efficiency;          /* Float8 linears: fraction of the fp8 peak, (0, 1] */
    double attn_efficiency;         /* flash attention's kernels: fraction of the bf16 peak, (0, 1] */
    bool float8;                    /* Float8 linears (torchtitan, Transformer Engine): matmuls at the fp8 rate */
    bool tp_overlap;                /* TP collectives pipelined with the GEMMs beside them (Megatron --tp-comm-overlap, AsyncTP) */
    double inter_node_bytes_per_s;  /* the network, per GPU, one direction */
    double latency_intra_s, latency_inter_s;
    double host_bytes_per_s;        /* offload's PCIe copies */
    double cpu_opt_params_per_s;    /* offload's optimizer step on the CPU */
};
/* Fills the named defaults; the efficiency by the GPU's generation
 * (TMEM_TRAIN_EFFICIENCY_NO_FP8 for a GPU without an fp8 rate; gpu may be
 * NULL: TMEM_TRAIN_EFFICIENCY). */
void tmem_train_time_defaults(struct tmem_train_time_opts *t, const struct tmem_gpu *gpu);

/* What does not change between layouts of one model (the planner computes
 * it once): matmul parameters a token passes through, split by whether
 * tensor parallel divides them. */
struct tmem_train_flops_sums {
    uint64_t mm_split_params, mm_repl_params; /* active, per token, the layers of the whole model */
    uint64_t head_params;                     /* the lm_head (the embedding when tied): vocab-split */
    uint64_t attn_dim;                        /* n_head·(d_qk + d_v): the s² term's width */
    uint64_t kv_dim;                          /* n_kv_head·(d_k + d_v): what ring attention passes */
};
void tmem_train_flops_sums(const struct tmem_model *m, const struct tmem_inventory *inv,
                           struct tmem_train_flops_sums *out);

struct tmem_train_time {
    double item_s[TMEM_TT_COUNT];    /* each item's whole time per step */
    double exposed_s[TMEM_TT_COUNT]; /* the part of it on the critical path */
    double step_s, tokens_per_s, tokens_per_s_per_gpu, mfu, hfu;
    double bubble_fraction;          /* of the pipeline's time */
    uint64_t micro_batches;          /* per optimizer step per pipeline (m) */
    uint64_t tokens_per_step;        /* the whole job's, all replicas */
    uint64_t model_flops;            /* per GPU per step, no recompute */
    uint64_t hardware_flops;         /* with recompute and DPO's reference forward */
    double flops_per_token;          /* the job's model FLOPs per token trained (6·N + attention) */
    bool crosses_nodes;              /* some group uses the network */
    /* --rl (0 otherwise), in step_s: the rollout's generation on this GPU
     * (infer's roofline, timing.c: TTFT + g × TPOT), the weight copy into a
     * colocated engine, and the scoring forwards over the completions */
    double rollout_s;                /* rollout_prefill_s + rollout_decode_s + weight_sync_s */
    double rollout_prefill_s;        /* the prompts' prefill (infer's TTFT) */
    double rollout_decode_s;         /* g decode steps at the mid-generation TPOT */
    double weight_sync_s;            /* colocated vLLM: engine weights read and written at HBM rate */
    double score_s;                  /* reference, reward and critic forwards (and the critic's update) */
    uint64_t rollout_batch;          /* sequences one engine generates at once */
    uint64_t rollout_prompt, rollout_completion; /* tokens of each */
};

/* --explain: each item's formula, symbols = values; compute's matmuls in
 * formula[TMEM_TT_COMPUTE], its attention apart. "" for an item that
 * costs nothing. */
struct tmem_train_time_text {
    char formula[TMEM_TT_COUNT][TMEM_TIME_FORMULA_LEN];
    char attn_formula[TMEM_TIME_FORMULA_LEN];
    char step_formula[TMEM_TIME_FORMULA_LEN];
    char rollout_formula[TMEM_TIME_FORMULA_LEN]; /* --rl: the generation's terms */
    char score_formula[TMEM_TIME_FORMULA_LEN];   /* --rl: the scoring forwards' FLOPs */
};

/* Seconds to train `tokens` tokens at t's throughput: how a fix that
 * changes the tokens per step (a smaller micro-batch, fewer replicas) is
 * compared with the plan at the same work. */
double tmem_train_time_for_tokens(const struct tmem_train_time *t, uint64_t tokens);

/* The step time of plan o (r: its tmem_train_compute result; sums: NULL to
 * compute them from inv). text: the formulas too (NULL: numbers only). TMEM_ERR_OVERFLOW when
 * a FLOP or byte count passes 64 bits; TMEM_ERR_INVALID_ARG without a GPU
 * or with an efficiency outside (0, 1]. *t written only on TMEM_OK. */
enum tmem_status tmem_train_time(const struct tmem_model *m, const struct tmem_inventory *inv,
                                 const struct tmem_train_opts *o, const struct tmem_train_result *r,
                                 const struct tmem_train_time_opts *to,
                                 const struct tmem_train_flops_sums *sums, struct tmem_train_time *t,
                                 struct tmem_train_time_text *text, struct tmem_error *err);

/* ------------------------------------------------------------ solvers
 *
 * The peak of tmem_train_compute never falls when the micro-batch or the
 * sequence grows (every item is tokens × bytes, s² × bytes or constant;
 * tests/unit/test_properties.c checks it on every preset), so the largest
 * value that fits is found exactly by a bisection over the peak: a
 * doubling search for the first value that does not fit, then halving
 * between the last that fits and it. A value whose bytes overflow 64 bits
 * counts as not fitting. */
struct tmem_train_solution {
    uint64_t value;           /* the largest value whose peak is <= capacity; 0: not even the smallest */
    uint64_t peak_bytes;      /* the peak at value (at the smallest value when value is 0) */
    uint64_t next_value;      /* the next value the plan allows above value (0: value is the limit) */
    uint64_t next_peak_bytes; /* its peak (UINT64_MAX when its bytes overflow) */
    uint64_t limit;           /* the largest value the plan allows */
    uint32_t evaluations;     /* tmem_train_compute calls made */
};

/* The largest micro-batch in [1, TMEM_MAX_MICRO_BATCH] whose peak (o's
 * other fields as given, o->micro_batch ignored) fits in capacity_bytes;
 * with --rl grpo a multiple of G / gcd(G, grad-accum × dp), so that a
 * step's completions hold whole groups of G.
 * Errors are the plan's own (tmem_train_validate at micro-batch 1). */
/* The micro-batches a plan allows are the multiples of this: 1, or with
 * --rl grpo G / gcd(G, grad-accum × dp). */
uint64_t tmem_train_micro_batch_step(const struct tmem_train_opts *o);
enum tmem_status tmem_train_max_micro_batch(const struct tmem_model *m, const struct tmem_inventory *inv,
                                            const struct tmem_train_opts *o, uint64_t capacity_bytes,
                                            struct tmem_train_solution *out, struct tmem_error *err);

/* The longest sequence that fits, o->seq ignored: a multiple of cp (context
 * parallel splits it), at most TMEM_MAX_SEQ and, for learned positions, the
 * position table; the smallest candidate is cp. */
enum tmem_status tmem_train_max_seq(const struct tmem_model *m, const struct tmem_inventory *inv,
                                    const struct tmem_train_opts *o, uint64_t capacity_bytes,
                                    struct tmem_train_solution *out, struct tmem_error *err);

/* ------------------------------------------------------------ fixes
 *
 * The levers a fix pulls, in the order of what they cost (cheapest first;
 * the rank of a lever is its value). tmem_train_lever_cost() says the cost
 * in words. */
enum tmem_train_lever {
    TMEM_TRAIN_LEVER_FUSED_CE = 0,        /* --fused-ce */
    TMEM_TRAIN_LEVER_SEQUENCE_PARALLEL,   /* --sequence-parallel (tp > 1) */
    TMEM_TRAIN_LEVER_ZERO,                /* --zero 1 | 2 */
    TMEM_TRAIN_LEVER_RECOMPUTE_SELECTIVE, /* --recompute selective (naive attention) */
    TMEM_TRAIN_LEVER_ADAM8BIT,            /* --optimizer adam8bit (from adam / adamw) */
    TMEM_TRAIN_LEVER_ZERO3,               /* --zero 3 */
    TMEM_TRAIN_LEVER_FSDP,                /* --fsdp full */
    TMEM_TRAIN_LEVER_MICRO_BATCH,         /* --micro-batch N: the largest that fits (solved) */
    TMEM_TRAIN_LEVER_RECOMPUTE_FULL,      /* --recompute full */
    TMEM_TRAIN_LEVER_TENSOR_PARALLEL,     /* --tp N on the same GPUs (dp falls) */
    TMEM_TRAIN_LEVER_OFFLOAD_OPTIMIZER,   /* --offload optimizer (with --zero 2 if the plan has no sharding) */
    TMEM_TRAIN_LEVER_OFFLOAD_PARAMS,      /* --offload params (with --zero 3 if the plan needs it) */
    TMEM_TRAIN_LEVER_MORE_GPUS,           /* --gpus N: more data-parallel ranks sharding the states */
    TMEM_TRAIN_LEVER_LORA,                /* --lora-rank 16 --lora-targets all-linear (a full fine-tune) */
    TMEM_TRAIN_LEVER_QLORA,               /* the same over an NF4 base (--base-quant nf4) */
    TMEM_TRAIN_LEVER_COUNT
};

const char *tmem_train_lever_name(enum tmem_train_lever l); /* "fused_ce", "micro_batch", ... */
const char *tmem_train_lever_cost(enum tmem_train_lever l); /* what pulling it costs, in words */

/* The rule the fixes are ordered by, in one sentence (for --help / --explain);
 * tmem_train_fix_order_rule() returns it. Its lines are broken for a line
 * that starts "Order of the fixes: ". */
#define TMEM_TRAIN_FIX_ORDER_RULE \
    "each fix is one change to the plan; those that fit come\n"  \
    "first, cheapest first (fused cross-entropy, sequence parallel, ZeRO-1/2,\n"  \
    "selective recompute, 8-bit Adam, ZeRO-3, FSDP, the largest micro-batch that\n"  \
    "fits, full recompute, more tensor parallel, optimizer offload, parameter\n"  \
    "offload, more GPUs, LoRA adapters instead of a full fine-tune, QLoRA), then\n" \
    "those that do not fit, lowest peak first"
const char *tmem_train_fix_order_rule(void);

/* The adapters the LoRA and QLoRA levers offer (all-linear targets). */
#define TMEM_TRAIN_FIX_LORA_RANK 16u

/* The most GPUs the more-GPUs lever considers. */
#define TMEM_TRAIN_FIX_MAX_GPUS 4096u

/* One change from the user's plan and what it leads to. */
struct tmem_train_fix {
    char what[64];              /* "--recompute full", "--gpus 16 --zero 3" */
    enum tmem_train_lever lever;
    bool fits;                  /* peak_bytes <= the capacity */
    uint64_t peak_bytes;
    struct tmem_train_opts opts;
};

/* Every lever that applies to plan o, one change each (a lever with
 * several settings, such as the ZeRO stage, the tensor-parallel degree or
 * the GPU count, at its least change that fits, or at its strongest when
 * none fits; the micro-batch at the largest that fits), each with its
 * resulting peak against capacity_bytes. Written in order: those that fit
 * first, by lever (cheapest first), then those that do not, lowest peak
 * first. Returns how many were written (at most max; TMEM_TRAIN_LEVER_COUNT
 * is always enough). Nothing for --deepspeed-estimator plans. */
size_t tmem_train_suggest(const struct tmem_model *m, const struct tmem_inventory *inv,
                          const struct tmem_train_opts *o, uint64_t capacity_bytes,
                          struct tmem_train_fix *out, size_t max);

/* ------------------------------------------------------------ notes
 *
 * Things about a plan the ledger alone does not say (a flag that changes
 * nothing, and why). Writes up to max static sentences; returns how many. */
size_t tmem_train_notes(const struct tmem_model *m, const struct tmem_train_opts *o,
                        const char **out, size_t max);
#define TMEM_TRAIN_MAX_NOTES 5

#ifdef __cplusplus
}
#endif

#endif /* TMEM_TRAIN_H */
