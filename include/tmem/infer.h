/* infer.h — the inference side of libtmem: serving weight formats (plain,
 * fp8, int8, GPTQ/AWQ int4, NF4, GGUF block types and k-quant mixes), the KV
 * cache for every attention kind, vLLM-style paged capacity, the per-GPU
 * inference ledger, and a roofline timing model. Pure core: no I/O, no
 * allocation, no globals. */
#ifndef TMEM_INFER_H
#define TMEM_INFER_H

#include "tmem/tmem.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ ggml types */

/* ggml's tensor types. The values ARE ggml's numeric ids (ggml.h), pinned:
 * gaps are ids ggml retired. */
enum tmem_ggml_type {
    TMEM_GGML_F32 = 0, TMEM_GGML_F16 = 1, TMEM_GGML_Q4_0 = 2, TMEM_GGML_Q4_1 = 3,
    TMEM_GGML_Q5_0 = 6, TMEM_GGML_Q5_1 = 7, TMEM_GGML_Q8_0 = 8, TMEM_GGML_Q8_1 = 9,
    TMEM_GGML_Q2_K = 10, TMEM_GGML_Q3_K = 11, TMEM_GGML_Q4_K = 12, TMEM_GGML_Q5_K = 13,
    TMEM_GGML_Q6_K = 14, TMEM_GGML_Q8_K = 15, TMEM_GGML_IQ2_XXS = 16, TMEM_GGML_IQ2_XS = 17,
    TMEM_GGML_IQ3_XXS = 18, TMEM_GGML_IQ1_S = 19, TMEM_GGML_IQ4_NL = 20, TMEM_GGML_IQ3_S = 21,
    TMEM_GGML_IQ2_S = 22, TMEM_GGML_IQ4_XS = 23, TMEM_GGML_I8 = 24, TMEM_GGML_I16 = 25,
    TMEM_GGML_I32 = 26, TMEM_GGML_I64 = 27, TMEM_GGML_F64 = 28, TMEM_GGML_IQ1_M = 29,
    TMEM_GGML_BF16 = 30, TMEM_GGML_TQ1_0 = 34, TMEM_GGML_TQ2_0 = 35, TMEM_GGML_MXFP4 = 39,
    TMEM_GGML_NVFP4 = 40, TMEM_GGML_Q1_0 = 41, TMEM_GGML_Q2_0 = 42,
    TMEM_GGML_TYPE_COUNT = 43
};

/* A storage type: block_elems elements take block_bytes bytes (1 and the
 * element size for plain types). Used for ggml types and safetensors dtypes. */
struct tmem_block_type {
    const char *name;        /* "Q4_K", "BF16": as GGUF and safetensors tools print them */
    uint32_t block_elems;    /* elements per block: 1, 32, 64, 128 or 256 */
    uint32_t block_bytes;    /* bytes per block */
};

/* NULL for an id ggml does not define (or retired). */
const struct tmem_block_type *tmem_ggml_type_info(uint32_t id);
/* Case-insensitive ("Q4_K", "q4_k"); TMEM_GGML_TYPE_COUNT if unknown. */
uint32_t tmem_ggml_type_from_name(const char *name);
/* Bytes of n elements stored as type id: n / block_elems blocks. Returns
 * TMEM_ERR_INCONSISTENT when n is not a whole number of blocks. */
enum tmem_status tmem_ggml_bytes(uint32_t id, uint64_t n, uint64_t *bytes);

/* -------------------------------------------------------- weight formats */

enum tmem_wformat {
    TMEM_WF_FP32 = 0, TMEM_WF_BF16, TMEM_WF_FP16,
    TMEM_WF_FP8,          /* e4m3, one fp32 scale per tensor */
    TMEM_WF_FP8_CHANNEL,  /* e4m3, one fp32 scale per output channel */
    TMEM_WF_INT8,         /* per-output-channel fp32 scale (bitsandbytes LLM.int8 SCB) */
    TMEM_WF_INT4,         /* AWQ: 4-bit, per group of g inputs an fp16 scale and a 4-bit zero */
    TMEM_WF_GPTQ,         /* as INT4 plus GPTQ's g_idx: one int32 per input channel */
    TMEM_WF_NF4,          /* bitsandbytes NF4: blocks of 64, fp32 absmax */
    TMEM_WF_NF4_DQ,       /* NF4 with double quantization of the absmax */
    TMEM_WF_GGUF,         /* one ggml type for every matrix (pure) */
    TMEM_WF_GGUF_Q4_K_M,  /* llama.cpp mixes: Q4_K with Q6_K for attn_v/ffn_down */
    TMEM_WF_GGUF_Q5_K_M,  /* and the output (llama-quant.cpp rules) */
    TMEM_WF_GGUF_Q4_K_S,
    TMEM_WF_FP8_BLOCK,    /* e4m3, one fp32 scale per 128 × 128 block (DeepSeek/Qwen FP8) */
    TMEM_WF_COUNT
};

struct tmem_wformat_info {
    const char *name;         /* "int4" */
    const char *description;
};

const struct tmem_wformat_info *tmem_wformat_info(enum tmem_wformat f);
/* Format by name; also takes any ggml type name ("q8_0", "iq4_xs"), which
 * yields TMEM_WF_GGUF and sets *ggml_type. TMEM_WF_COUNT if unknown. */
enum tmem_wformat tmem_wformat_from_name(const char *name, uint32_t *ggml_type);

/* ------------------------------------------- weights as a checkpoint stores them */

/* How one tensor is stored. `format` with, for TMEM_WF_GGUF, the ggml type
 * and, for int4 / gptq, the packing's parameters; 0 fields take the
 * format's defaults (4 bits, zero points, --group-size). */
struct tmem_wstore {
    enum tmem_wformat format;
    uint32_t ggml_type;          /* TMEM_WF_GGUF */
    uint32_t bits;               /* int4 / gptq: bits per weight, 2..8 (0: 4) */
    uint64_t group_size;         /* int4 / gptq: inputs per scale group; 0: the opts' */
    bool per_channel;            /* int4 / gptq: one group spans the whole input (group_size -1) */
    bool no_zeros;               /* int4: symmetric, no zero points (compressed-tensors) */
    bool act_order;              /* gptq desc_act: a row-parallel share keeps every group's
                                  * scales and zeros (vLLM gptq.py) */
};

#define TMEM_MAX_WSTORES 16
#define TMEM_WSTORE_NAME_LEN 48

/* A checkpoint's weights as it stores them, kind by kind and layer by
 * layer: what `infer` serves unless --weights names a format. Readers
 * fill it from what the file says (GGUF tensor types, safetensors dtypes,
 * config.json's quantization_config); the core only reads it. */
struct tmem_weights_stored {
    uint32_t n_stores;
    struct tmem_wstore stores[TMEM_MAX_WSTORES];
    char store_names[TMEM_MAX_WSTORES][TMEM_WSTORE_NAME_LEN]; /* "Q6_K", "gptq 4-bit g128" */
    uint64_t n_layer;            /* layers store_of covers: the model's n_layer */
    /* the store of tensor kind k in layer l: store_of[k · n_layer + l]; kinds
     * outside the layers use l = 0. TMEM_TENSOR_KIND_COUNT · n_layer
     * entries, owned by the caller. */
    const uint8_t *store_of;
    char name[TMEM_WSTORE_NAME_LEN];   /* the whole: "Q4_K_M", "gptq 4-bit g128", "BF16" */
    char source[TMEM_LABEL_LEN];       /* where it was read: "GGUF tensor types" */
};

/* ------------------------------------------------------------ KV dtypes */

enum tmem_kv_dtype {
    TMEM_KV_BF16 = 0, TMEM_KV_FP16,
    TMEM_KV_FP8,   /* 1 B, plus fp32 k/v scales per layer (vLLM) */
    TMEM_KV_INT8,  /* 1 B, plus an fp16 scale per token per KV head for K and for V */
    TMEM_KV_FP32,
    TMEM_KV_COUNT
};
const char *tmem_kv_dtype_name(enum tmem_kv_dtype t);
enum tmem_kv_dtype tmem_kv_dtype_from_name(const char *name); /* TMEM_KV_COUNT if unknown */

/* The KV cache of one model on one GPU: bytes per token over its layers,
 * split into full-attention layers and sliding-window layers (which stop
 * at the window). */
struct tmem_kv_layout {
    uint64_t n_layer_full, n_layer_window;  /* on this GPU (pipeline stage) */
    uint64_t window_tokens;                 /* 0: no sliding layers */
    uint64_t kv_heads_per_gpu;              /* after tensor parallel (MHA/GQA) */
    uint64_t bytes_per_token_layer;         /* one layer, one token, this GPU */
    uint64_t bytes_per_token;               /* all layers on this GPU */
    uint64_t fixed_bytes;                   /* per-layer scales (fp8) */
    bool mla;                               /* latent cache, replicated across TP */
    /* bytes_per_token and fixed_bytes as the expressions that computed
     * them, each factor with its number ("2 × 32 layers × 8 KV heads ×
     * 128 d_head × bf16"); "" when fixed_bytes is 0 */
    char formula[TMEM_FORMULA_LEN], fixed_formula[TMEM_FORMULA_LEN];
    /* state-space layers (appended): a fixed state per sequence, whatever
     * its length, on this GPU: conv state (d_conv − 1) × conv channels/tp
     * and SSM state d_inner/tp × d_state per layer (vLLM MambaSpec: the
     * same for Mamba-1 and Mamba-2, whose heads × head_dim = d_inner) */
    uint64_t ssm_layers;                    /* SSM layers on this GPU (0: none) */
    uint64_t state_bytes_per_seq;           /* all of them, one sequence */
    char state_formula[TMEM_FORMULA_LEN];   /* "" when there is none */
    /* encoder–decoders (appended): each decoder layer's cross-attention keys and
     * values, n_head heads over the encoder's tokens, fixed by the encoder's
     * length (bytes_per_token above: the self-attention's, over generated tokens) */
    uint64_t cross_bytes_per_token;         /* one encoder token, every layer on this GPU */
    char cross_formula[TMEM_FORMULA_LEN];   /* "" when there is none */
    /* hybrids (appended): the attention layers above (n_layer_full) beside
     * the SSM layers; one SSM layer's state of one sequence (vLLM's mamba
     * page before padding) */
    uint64_t state_bytes_per_layer;
};

/* ------------------------------------------------------------- inference */

enum tmem_engine {
    TMEM_ENGINE_VLLM = 0, /* paged KV pool sized from leftover memory */
    TMEM_ENGINE_HF,       /* static cache allocated per request */
    TMEM_ENGINE_LLAMACPP, /* llama.cpp (llama-server, llama-bench): memory as hf's static
                           * cache; each step pays the launches of its ggml graph */
    TMEM_ENGINE_SGLANG,   /* SGLang: a token-level pool (page_size 1) inside
                           * mem_fraction_static × memory with the weights (0.88 at tp 1,
                           * 0.87 at 2, 0.85 at 4, 0.81 at 8, server_args.py); activations
                           * outside it (vLLM's profile is used for their size) */
    TMEM_ENGINE_TRTLLM,   /* TensorRT-LLM: kv_cache_free_gpu_memory_fraction (0.9) of the
                           * memory free after weights and activations, blocks of 32
                           * tokens, max_batch_size 2048, max_num_tokens 8192 */
    TMEM_ENGINE_COUNT
};
/* "vllm", "hf", "llamacpp", "sglang", "trtllm" ("unknown" out of range): the
 * names --engine takes. */
const char *tmem_engine_name(enum tmem_engine e);
/* Whether the engine keeps a paged KV pool (vllm, sglang, trtllm). */
bool tmem_engine_paged(enum tmem_engine e);

/* llama.cpp's per-step cost outside the roofline: its CUDA backend runs the
 * ggml graph node by node, one kernel launch (and the scheduler's CPU work)
 * per node. A Llama layer is about 22 nodes (attn_norm: rms_norm, mul; q, k,
 * v mul_mat; rope q, k; k and v copies into the cache; kq mul_mat, soft_max,
 * kqv mul_mat, its permute/cont; o mul_mat; add; ffn_norm: rms_norm, mul;
 * gate and up mul_mat; silu, mul; down mul_mat; add), each about 6.6 µs of
 * launch and CPU time: 145 µs a layer, 4.6 ms a token for 32 layers. The
 * per-node time and the bandwidth fraction below are fitted (least squares
 * on relative error) to 23 published llama-bench tg rows (Llama-3-8B/70B
 * Q4_K_M and F16, Llama-2-7B Q4_0 and F16 on RTX 3090, 4090, A6000, L40S,
 * A100 80GB, H100 PCIe; tests/unit/test_llamacpp.c, docs/accuracy.md):
 * its matrix–vector kernels stream the weights at 0.95 of the datasheet
 * bandwidth, then the launches of every layer are added. */
#define TMEM_LLAMACPP_NODES_PER_LAYER 22
#define TMEM_LLAMACPP_NODE_S 6.6e-6
#define TMEM_LLAMACPP_MBU 0.95


/* vLLM's non-torch memory: what its profiler sees grow outside torch's
 * allocator between its baseline snapshot (taken after the CUDA context
 * exists) and the end of the profile run: the cuBLAS/cuDNN workspaces at
 * tp 1, plus NCCL's buffers and the custom all-reduce's IPC buffers at
 * tp >= 2. Public vLLM V1 startup logs print "non_torch_memory takes" about
 * 0.25 GiB at tp 1 and about 2 GiB at tp >= 2 (issue 10 of this project,
 * docs/accuracy.md). The HF engine holds the whole CUDA context: 1 GiB. */
#define TMEM_VLLM_NON_TORCH_TP1_BYTES (UINT64_C(256) << 20)
#define TMEM_VLLM_NON_TORCH_TPN_BYTES (UINT64_C(2048) << 20)
#define TMEM_HF_NON_TORCH_BYTES (UINT64_C(1) << 30)
/* cuda_context_bytes = TMEM_INFER_AUTO: the default above for the engine and tp. */
#define TMEM_INFER_AUTO UINT64_MAX

/* The vLLM release whose profile run (gpu_model_runner.profile_run:
 * _dummy_run of max_num_batched_tokens, then _dummy_sampler_run over
 * min(max_num_seqs, max_num_batched_tokens) rows with top-k and top-p on)
 * and hybrid KV allocator the vLLM engine follows. */
#define TMEM_VLLM_MODELED "vLLM V1 engine, v0.10-v0.11"

/* fused_moe processes at most VLLM_FUSED_MOE_CHUNK_SIZE tokens at a time
 * (vllm/envs.py default 16 * 1024). */
#define TMEM_VLLM_FUSED_MOE_CHUNK 16384
/* A hybrid's attention block size is a multiple of the attention kernel's
 * block-size granularity (FlashAttentionBackend.get_supported_kernel_block_sizes:
 * MultipleOf(16)), at least --block-size. */
#define TMEM_VLLM_ATTN_BLOCK_ALIGN 16
/* The dummy sampler's peak per logits element: the bf16 logits (2), their
 * fp32 copy (4), sort's values (4) and int64 indices (8), the top-p
 * softmax/cumsum (4) and mask (1), and scatter's output (4), all live at
 * once in v1/sample/ops/topk_topp_sampler.py apply_top_k_top_p. */
#define TMEM_VLLM_SAMPLER_BYTES_PER_LOGIT 27

/* Latency of one tensor-parallel all-reduce of a decode step's few KiB:
 * an assumption (NCCL / vLLM's custom all-reduce take some microseconds
 * for small messages over NVLink), overridable with --allreduce-us. */
#define TMEM_ALLREDUCE_LATENCY_S 10e-6

struct tmem_infer_opts {
    uint64_t batch;              /* concurrent sequences */
    uint64_t prompt_tokens, gen_tokens;
    enum tmem_wformat weights;
    uint32_t ggml_type;          /* for TMEM_WF_GGUF */
    const struct tmem_weights_stored *stored; /* non-NULL: serve the weights as a checkpoint
                                               * stores them (weights, ggml_type ignored) */
    uint64_t group_size;         /* int4/GPTQ group (128) */
    enum tmem_dtype compute;     /* activations and unquantized tensors (bf16) */
    enum tmem_kv_dtype kv_dtype;
    uint64_t tp, pp;
    uint64_t pp_layers[64];      /* explicit layers per stage (VLLM_PP_LAYER_PARTITION); 0: vLLM's rule */
    uint32_t n_pp_layers;
    enum tmem_engine engine;
    double gpu_memory_utilization;   /* vLLM: 0.9 */
    uint64_t block_size;             /* vLLM: 16 tokens */
    uint64_t max_num_batched_tokens; /* vLLM profiling chunk: 8192 */
    uint64_t max_num_seqs;           /* vLLM: 256 */
    uint64_t max_model_len;          /* 0: prompt + gen */
    uint64_t cuda_context_bytes;     /* non-torch memory; TMEM_INFER_AUTO: per engine and tp */
    uint64_t cuda_graph_bytes;       /* reserve for captured CUDA graphs (0: none) */
    bool flash;                      /* flash attention (default) vs naive s² scores */
    bool all_logits;                 /* logits for every prompt token, not just the last */
    double mfu, mbu;                 /* efficiencies of compute and memory bandwidth */
    double allreduce_latency_s;      /* per TP all-reduce (TMEM_ALLREDUCE_LATENCY_S) */
    bool allow_long_context;         /* plan past the model's n_ctx (vLLM refuses it) */
    bool custom_memory;              /* gpu's memory was given (--gpu-memory-mib), not its preset's */
    const struct tmem_gpu *gpu;      /* required for capacity and timing */
    uint64_t stage_memory_bytes[64]; /* per pipeline stage, GPUs of different sizes (0: gpu's) */
    uint32_t n_stage_memory;
    uint64_t images;                 /* images per request (vision-language models; 0: none) */
    uint64_t image_h, image_w;       /* pixels (Qwen2.5-VL's tokens follow them; 0: not given) */
    /* state-space layers' states (appended; vLLM --mamba-cache-dtype, --mamba-ssm-cache-dtype):
     * TMEM_STATE_DTYPE_AUTO: the conv state in the model dtype (compute), the SSM state in the
     * conv state's; else float32, bfloat16 or float16 */
    enum tmem_dtype mamba_cache_dtype, mamba_ssm_cache_dtype;
};
#define TMEM_STATE_DTYPE_AUTO TMEM_DTYPE_COUNT

/* Defaults: batch 1, prompt 512, gen 128, bf16 weights and KV, tp = pp = 1,
 * vLLM with utilization 0.9, block 16, 8192 batched tokens, 256 seqs,
 * non-torch memory per engine and tp (TMEM_INFER_AUTO), no graph reserve,
 * flash attention, mfu 0.5, mbu 0.8, all-reduce latency 10 µs. */
void tmem_infer_defaults(struct tmem_infer_opts *o);

/* Sets the defaults that depend on o->engine (call after choosing it and
 * --tp, before applying explicit --mbu, --max-num-seqs, --max-num-batched-
 * tokens, --block-size, --gpu-memory-utilization): sglang and trtllm take the
 * pool fraction, page size and batch limits named at their enum values
 * (--gpu-memory-utilization is then mem_fraction_static or
 * kv_cache_free_gpu_memory_fraction); llamacpp reads at
 * TMEM_LLAMACPP_MBU, serves one sequence at a time (llama-server's single
 * slot, --parallel 1) and takes prompts 2048 tokens a step (its --batch-size
 * default); vllm and hf keep tmem_infer_defaults' values. */
void tmem_infer_engine_defaults(struct tmem_infer_opts *o);

struct tmem_timing {
    double prefill_flops, prefill_bytes, ttft_s;
    double decode_flops, decode_bytes, tpot_s;          /* one step, mid-generation */
    double comm_s_per_token;                            /* TP all-reduces per decode step */
    double decode_tokens_per_s_per_request, decode_tokens_per_s;
    double e2e_s;
    double vision_s;          /* the vision encoder's step before the prefill, inside ttft_s
                                 (0 without images; timing.c tmem__vision_flops) */
    double encoder_s;         /* encoder–decoders: the encoder's forward, inside ttft_s with the
                                 first decoder step (0 otherwise; timing.c tmem__encdec_timing) */
    double sequences_per_s, tokens_per_s;  /* encoders: b / forward time, b·s / forward time
                                              (0 for decoders) */
    double ridge_batch;       /* the smallest batch whose decode step is compute-bound by the
                                 same test that labels decode_bound; 0: none up to 2^24 */
    double compute_flops;     /* the peak rate used: fp8 for fp8 weights where the GPU has it */
    bool fp8_rate;
    const char *prefill_bound, *decode_bound;           /* "compute" / "memory" / "interconnect" */
};

/* The batch-independent inputs of one engine step's roofline on one tensor-
 * parallel rank, summed over pipeline stages (timing.c says the formula).
 * tmem infer's prefill and decode and every step of tmem serve use it. */
struct tmem_roofline {
    double body_flops_per_token;   /* 2·(N_mm − N_head) / tp */
    double head_flops_per_row;     /* 2·N_head / tp: one row of logits */
    double attn_flops_per_pair;    /* 4·L·d_head·n_head / tp: one query–key pair of a prefill chunk */
    double attn_flops_per_decode_pair; /* the same for decode (MLA: absorbed d_head) */
    double dense_weight_bytes;     /* read once per step */
    double expert_weight_bytes;    /* routed experts: the share a step touches */
    double kv_bytes_per_token;     /* full-attention layers */
    double window_kv_bytes_per_token; /* sliding-window layers */
    double window_tokens;          /* their window W */
    double experts_used_share;     /* k / E; 0 for dense models */
    double compute_flops;          /* the peak: fp8 for fp8 weights where the GPU has it */
    bool fp8_rate;
    double flops_per_s;            /* peak × mfu */
    double bytes_per_s;            /* HBM × mbu */
    double comm_alpha_s;           /* TP all-reduces' latency per step: 2·L·α (tp > 1) */
    double comm_s_per_token;       /* and their bytes: 2·L·ring·d_model·2 B / link */
    double launch_s;               /* per step, outside the roofline: the llamacpp engine's
                                    * L · TMEM_LLAMACPP_NODES_PER_LAYER · TMEM_LLAMACPP_NODE_S;
                                    * 0 for vllm (CUDA graphs) and hf */
    /* cross-attention into image states (Mllama, appended; 0 otherwise): each
     * text token attends to cross_states states in every cross layer, and each
     * sequence's step reads their keys and values */
    double cross_states;              /* image states per sequence */
    double cross_attn_flops_per_pair; /* 4·L_cross·d_head·n_head / tp */
    double cross_kv_bytes_per_seq;    /* cross_states × cross bytes per state */
    /* an encoder–decoder's first decoder step also projects the encoder
     * output to every decoder layer's cross K, V (Mllama charges them to its
     * vision step: 0 there); its cross_states are the s_enc encoder positions */
    double cross_proj_flops_per_token; /* 2·N_cross_kv / tp per encoder position */
    /* (appended) the vision encoder's run of one request image on one
     * tensor-parallel rank (tmem__vision_flops / tp; 0 without --images) and
     * the tower and projector weights it reads: tmem serve's steps that
     * encode k images add max(k·flops / FLOP/s, bytes / HBM) (timing.c) */
    double vision_flops_per_image;
    double vision_weight_bytes;
};

/* One step's batch: tokens run, logit rows, query–key pairs attended by
 * prefill chunks and by decode tokens, KV tokens read or written in
 * full-attention and in sliding-window layers (timing.c adds a chunk or a
 * decode token). */
struct tmem_step_batch {
    double tokens, rows, attn_pairs, decode_pairs, kv_tokens, window_kv_tokens;
    double cross_pairs, cross_seqs; /* (appended) text token–image state pairs; sequences reading
                                       their cross-attention KV */
    double cross_proj_tokens; /* (appended) encoder positions projected to cross K, V */
};

enum tmem_step_bound {
    TMEM_STEP_BOUND_COMPUTE = 0,
    TMEM_STEP_BOUND_MEMORY,
    TMEM_STEP_BOUND_INTERCONNECT,
    TMEM_STEP_BOUND_COUNT
};
/* "compute", "memory", "interconnect" ("unknown" out of range). */
const char *tmem_step_bound_name(enum tmem_step_bound b);

struct tmem_step_time {
    double flops, bytes, weight_bytes;
    double compute_s, memory_s, comm_s, launch_s;
    double t_s;                    /* max(compute, memory) + comm + launch */
    enum tmem_step_bound bound;
};

/* One pipeline stage's GPU at a glance. */
struct tmem_stage_summary {
    uint64_t first_layer, layers;
    uint64_t weight_bytes, total_bytes, usable_bytes;
    uint64_t kv_budget_bytes, kv_blocks, capacity_tokens;
};

/* vLLM V1's multimodal budget for a vision tower (vllm/multimodal/
 * encoder_budget.py MultiModalBudget, vllm/v1/core/encoder_cache_manager.py
 * compute_mm_encoder_budget):
 *   max_tokens_per_item   the image of the maximum feature size the profile
 *                         run uses (LLaVA 576, Gemma-3 256; Qwen2.5-VL: the
 *                         image of max_pixels 12845056, 3584 × 3584 = 16384
 *                         tokens, 65536 patches) and its patches
 *   encoder_budget_tokens max(max_num_batched_tokens, max_tokens_per_item):
 *                         both the encoder's compute budget per step and
 *                         the encoder cache's size, in image tokens
 *   profile_items         images the profile encodes at once:
 *                         max(1, min(budget / max_tokens_per_item,
 *                         max_num_seqs · max(1, min(limit, max_model_len /
 *                         max_tokens_per_item)))), limit 999 (V1's default
 *                         --limit-mm-per-prompt), max_model_len the model's
 *                         n_ctx unless --max-model-len. */
#define TMEM_VLLM_MM_LIMIT_PER_PROMPT 999
#define TMEM_QWEN2VL_MAX_PIXELS UINT64_C(12845056) /* Qwen2VLImageProcessor max_pixels (28·28·16384) */
struct tmem_mm_budget {
    uint64_t max_tokens_per_item, max_patches_per_item;
    uint64_t encoder_budget_tokens;
    uint64_t profile_items;
};
/* The budget of m under o's max_num_batched_tokens, max_num_seqs and
 * max_model_len; all zeros for a model without a vision tower or with
 * Mllama's. */
enum tmem_status tmem_vllm_mm_budget(const struct tmem_model *m, const struct tmem_infer_opts *o,
                                     struct tmem_mm_budget *b, struct tmem_error *err);

struct tmem_infer_result {
    uint32_t n_stages;
    struct tmem_stage_summary stages[64];
    struct tmem_ledger ledger;        /* worst GPU */
    uint32_t worst_stage;             /* pipeline stage of that GPU */
    uint64_t stage_layers;            /* its layers */
    struct tmem_kv_layout kv;
    uint64_t weight_bytes;            /* on the worst GPU */
    uint64_t kv_request_bytes;        /* KV this workload needs on the worst GPU */
    uint64_t tokens_per_seq;          /* prompt + gen (or max_model_len); encoder–decoders: the
                                         decoder's gen (or max_model_len) */
    uint64_t blocks_per_seq;          /* paged */
    uint64_t kv_waste_bytes;          /* rounding to blocks, all sequences */
    /* vLLM capacity on the worst GPU */
    uint64_t usable_bytes;            /* utilization × memory (vLLM) or memory (HF) */
    uint64_t kv_budget_bytes;         /* usable − weights − peak activation − non-torch − graphs */
    uint64_t block_bytes;             /* one block, all layers of this GPU */
    uint64_t kv_blocks, capacity_tokens, max_concurrent_sequences;
    uint64_t kv_pool_bytes;           /* blocks × block bytes */
    uint64_t kv_groups;               /* vLLM KV cache groups (hybrid allocator: full + sliding) */
    uint64_t group_layers;            /* layers per group: one block spans one layer of each */
    uint64_t non_torch_bytes;         /* the non-torch memory used */
    uint64_t memory_bytes;            /* the GPU total capacity was sized from (CUDA-visible) */
    bool batch_over_max_num_seqs;     /* --batch > --max-num-seqs: vLLM runs max_num_seqs at once */
    struct tmem_fit fit;              /* ledger total vs usable */
    struct tmem_peak peak;            /* the worst GPU as torch and nvidia-smi would show it (vLLM: the
                                         preallocated KV pool instead of the request's KV) */
    struct tmem_timing timing;
    struct tmem_roofline roofline;    /* the step model timing came from */
    /* images (opts.images > 0): their tokens are part of every prompt */
    uint64_t image_tokens;            /* per sequence: images × tokens per image */
    uint64_t vision_patches;          /* per sequence: images × patches per image */
    uint64_t vision_activation_bytes; /* peak of the tower's forward over the batch's images */
    double vision_flops;              /* the tower and projector forward for the batch's images
                                         (not in timing.prefill_flops; its step, timing.vision_s,
                                         is in the TTFT) */
    uint64_t vision_weight_bytes;     /* the tower and projector on one GPU: read by the vision
                                         step only, not by the text steps */
    char vision_flops_formula[TMEM_FORMULA_LEN];
    /* hybrids (attention and SSM layers, appended): the attention block
     * size vLLM raises so that one attention page holds one layer's SSM
     * state (0: not a hybrid), and the KV cache groups of each kind */
    uint64_t attn_block_tokens;
    uint64_t kv_attn_groups, kv_state_groups;
    /* (appended) vLLM V1's multimodal budget (engine vllm, a vision tower
     * but Mllama's; zeros otherwise) and the encoder cache its profile run
     * holds through the text forward: profile_items × encoder_budget_tokens
     * × d_text × compute bytes, each image's embeddings padded to the budget
     * (vllm#25810; in the profile peak) */
    struct tmem_mm_budget mm;
    uint64_t encoder_cache_bytes;
};

/* Builds the inference ledger of a resolved model and its inventory under
 * opts (an encoder: one forward of batch × prompt tokens under the HF
 * engine, no KV cache, gen ignored; other engines, --pp, --max-model-len,
 * --all-logits and images refused). Errors: unknown formats, group size not dividing a dimension,
 * utilization outside (0, 1], tp not dividing heads, zero or absurd batch
 * or lengths — each naming the option ("--tp"). */
enum tmem_status tmem_infer_build(const struct tmem_model *m, const struct tmem_inventory *inv,
                                  const struct tmem_infer_opts *o, struct tmem_infer_result *r,
                                  struct tmem_error *err);

/* KV layout of a resolved model on one GPU of a tp × pp deployment holding
 * `stage_layers` layers starting at `first_layer`. */
enum tmem_status tmem_kv_layout(const struct tmem_model *m, enum tmem_kv_dtype dt, uint64_t tp,
                                uint64_t first_layer, uint64_t stage_layers,
                                struct tmem_kv_layout *out, struct tmem_error *err);
/* The same with a state-space layer's conv state in conv_dtype and its SSM
 * (temporal) state in ssm_dtype (float32, bfloat16 or float16: vLLM's
 * --mamba-cache-dtype and --mamba-ssm-cache-dtype, both "auto" = the model
 * dtype, whatever --kv-cache-dtype is). tmem_kv_layout takes both as the
 * KV dtype where it is fp16 / fp32, else bf16. */
enum tmem_status tmem_kv_layout_states(const struct tmem_model *m, enum tmem_kv_dtype dt,
                                       enum tmem_dtype conv_dtype, enum tmem_dtype ssm_dtype,
                                       uint64_t tp, uint64_t first_layer, uint64_t stage_layers,
                                       struct tmem_kv_layout *out, struct tmem_error *err);

/* KV bytes of one sequence of `tokens` tokens on that GPU, tokens rounded up
 * to `block` (1: unpaged); sliding layers hold at most the window. */
enum tmem_status tmem_kv_seq_bytes(const struct tmem_kv_layout *kv, uint64_t tokens,
                                   uint64_t block, uint64_t *bytes);

/* The largest batch (at the given lengths) and the longest context of one
 * sequence (prompt + gen, the prompt grown) with which the ledger still
 * fits; 0 when even 1 does not. */
enum tmem_status tmem_infer_max_batch(const struct tmem_model *m, const struct tmem_inventory *inv,
                                      const struct tmem_infer_opts *o, uint64_t *batch,
                                      struct tmem_error *err);
enum tmem_status tmem_infer_max_context(const struct tmem_model *m,
                                        const struct tmem_inventory *inv,
                                        const struct tmem_infer_opts *o, uint64_t *tokens,
                                        struct tmem_error *err);

#ifdef __cplusplus
}
#endif

#endif /* TMEM_INFER_H */
