/* cmd_train.c — `tmem train MODEL [options]`: the per-GPU training ledger.
 * Parses the plan (flags over an optional DeepSpeed config), asks the core
 * for the result, every phase's ledger and the fixes, and hands them to the
 * reports. No formulas here. */
#include "alloc.h"
#include "cli.h"
#include "errtext.h"
#include "output.h"
#include "reader.h"
#include "report_train.h"

#include <stdio.h>
#include <string.h>

struct train_flags {
    bool json, explain, si, per_stage;
    struct u64_opt gpus, dp, tp, pp, cp, ep, gpus_per_node, zero, micro_batch, seq, target_seq, microbatches,
        vstages, grad_accum, ce_chunk, ddp_bucket_mb, reduce_bucket, allgather_bucket,
        prefetch_bucket, max_live, cuda_mib, zero_init, total_params, largest_layer, lora_rank,
        lora_alpha;
    struct real_opt fragmentation, gpu_hour_usd, lora_dropout;
    struct tmem__time_flag_vals time;
    struct u64_opt nodes, tokens;
    const char *fsdp, *offload, *precision, *optimizer, *recompute, *attention, *kernels, *framework, *dropout, *gpu,
        *deepspeed, *lora_targets, *base_quant, *modules_to_save, *rl, *ref_model, *critic, *reward_model;
    struct u64_opt group_size, rollout_tp, completion_len;
    struct real_opt rollout_util;
    bool dist_opt, seq_parallel, fp32_grads, fused_ce, ddp_view, estimator, dora, opt_in_bwd, dpo, rollout_sleep, gen_gather_per_layer;
    struct cli_out_flags out;
    struct u64_opt images;    /* --images (train_vision.c) */
    const char *image_size;
    bool train_vision;
};

#define N_TRAIN_ROWS 77
#define N_TRAIN_OPTS (N_TRAIN_ROWS + CLI_OUT_MAX_ROWS)

/* the option table (targets in t, defaults from tmem_train_opts_default) */
static void train_opts(struct train_flags *t, struct opt *o)
{
    struct tmem_train_opts d;
    tmem_train_opts_default(&d);
    const struct opt tab[] = {
        {OPT_ROW("--json", OPT_FLAG, NULL, "print a JSON document", &t->json)},
        {OPT_ROW("--explain", OPT_FLAG, NULL, "every formula with its numbers, and a summary in words", &t->explain)},
        {OPT_ROW("--si", OPT_FLAG, NULL, "decimal units (GB) instead of binary (GiB)", &t->si)},
        {OPT_ROW("--gpu", OPT_STR, "NAME", "GPU to check the plan against (tmem gpus), none unless set", &t->gpu),
         .choice = tmem__choice_gpu},
        {OPT_ROW("--gpus", OPT_U64, "N", "GPUs in all (default dp·tp·pp·cp)", &t->gpus)},
        {OPT_ROW("--dp", OPT_U64, "N", "data-parallel degree (default gpus / (tp·pp·cp))", &t->dp)},
        {OPT_ROW("--tp", OPT_U64, "N", "tensor parallel", &t->tp), .def = OPT_DEFAULT_U64(d.tp)},
        {OPT_ROW("--pp", OPT_U64, "N", "pipeline parallel", &t->pp), .def = OPT_DEFAULT_U64(d.pp)},
        {OPT_ROW("--cp", OPT_U64, "N", "context parallel", &t->cp), .def = OPT_DEFAULT_U64(d.cp)},
        {OPT_ROW("--ep", OPT_U64, "N", "expert parallel, carved from dp", &t->ep), .def = OPT_DEFAULT_U64(d.ep)},
        {OPT_ROW("--gpus-per-node", OPT_U64, "N", "GPUs per node: HSDP group, DeepSpeed nodes", &t->gpus_per_node),
         .def = OPT_DEFAULT_U64(d.gpus_per_node)},
        {OPT_ROW("--zero", OPT_U64, "0|1|2|3", "DeepSpeed ZeRO stage", &t->zero), .def = OPT_DEFAULT_U64(d.zero)},
        {OPT_ROW("--fsdp", OPT_STR, "S", "FSDP sharding strategy", &t->fsdp), .choice = tmem__choice_fsdp,
         .def = OPT_DEFAULT_TEXT(tmem_fsdp_name(d.fsdp))},
        {OPT_ROW("--distributed-optimizer", OPT_FLAG, NULL, "Megatron: shard master weights and states over dp", &t->dist_opt)},
        {OPT_ROW("--sequence-parallel", OPT_FLAG, NULL, "split sequence-dim activations over tp", &t->seq_parallel)},
        {OPT_ROW("--offload", OPT_STR, "S", "what moves to host memory", &t->offload), .choice = tmem__choice_offload,
         .def = OPT_DEFAULT_TEXT(tmem_offload_name(d.offload))},
        {OPT_ROW("--micro-batch", OPT_U64_MAX, "B|max", "sequences per micro-batch per GPU", &t->micro_batch),
         .also = "or max: the largest that fits --gpu, solved", .def = OPT_DEFAULT_U64(d.micro_batch)},
        {OPT_ROW("--seq", OPT_U64_MAX, "S|max", "sequence length (the model's n_ctx, at most 4096)", &t->seq),
         .also = "or max: the longest that fits --gpu, solved"},
        {OPT_ROW("--target-seq", OPT_U64, "S", "encoder-decoders: the decoder's length (default --seq, the encoder's)", &t->target_seq)},
        {OPT_ROW("--micro-batches", OPT_U64, "M", "micro-batches per step through the pipeline (pp)", &t->microbatches)},
        {OPT_ROW("--virtual-stages", OPT_U64, "V", "interleaved 1F1B model chunks per stage", &t->vstages),
         .def = OPT_DEFAULT_U64(d.virtual_stages)},
        {OPT_ROW("--grad-accum", OPT_U64, "N", "gradient accumulation steps", &t->grad_accum),
         .def = OPT_DEFAULT_U64(d.grad_accum)},
        {OPT_ROW("--precision", OPT_STR, "P", "precision policy", &t->precision), .choice = tmem__choice_precision,
         .def = OPT_DEFAULT_TEXT(tmem_precision_name(d.precision))},
        {OPT_ROW("--optimizer", OPT_STR, "O", "optimizer", &t->optimizer), .choice = tmem__choice_optimizer,
         .def = OPT_DEFAULT_TEXT(tmem_optimizer_name(d.optimizer))},
        {OPT_ROW("--recompute", OPT_STR, "R", "activation recomputation", &t->recompute),
         .choice = tmem__choice_recompute, .def = OPT_DEFAULT_TEXT(tmem_recompute_name(d.recompute))},
        {OPT_ROW("--attention", OPT_STR, "A", "attention kernel", &t->attention), .choice = tmem__choice_attention,
         .def = OPT_DEFAULT_TEXT(tmem_attention_name(d.attention))},
        {OPT_ROW("--framework", OPT_STR, "F", "the defaults a training tool runs with, printed as named assumptions (flags override them)", &t->framework),
         .choice = tmem__choice_framework, .def = OPT_DEFAULT_TEXT("none")},
        {OPT_ROW("--kernels", OPT_STR, "K", "kernel stack the activations are saved by (fused: RMSNorm input + rstd; liger, te: also a fused SwiGLU; liger: fused linear CE; local: Megatron-LM --transformer-impl local)", &t->kernels),
         .choice = tmem__choice_kernels, .def = OPT_DEFAULT_TEXT(tmem_kernels_name(d.kernels))},
        {OPT_ROW("--dropout", OPT_STR, "S", "dropout layers, as the family's config has them unless set", &t->dropout),
         .choice = tmem__choice_on_off},
        {OPT_ROW("--lora-rank", OPT_U64, "R", "LoRA adapters of rank R on --lora-targets; the base is frozen (0: full fine-tune)", &t->lora_rank),
         .def = OPT_DEFAULT_U64(d.lora_rank)},
        {OPT_ROW("--lora-alpha", OPT_U64, "A", "LoRA alpha (shown; scaling alpha/r changes no memory)", &t->lora_alpha)},
        {OPT_ROW("--lora-targets", OPT_STR, "LIST", "comma list: q,k,v,o,gate,up,down, HF module names (q_proj, ...; T5: wi_0, wi_1, wo; BART: out_proj, fc1, fc2; BERT: query, key, value, dense) or all-linear", &t->lora_targets),
         .def = OPT_DEFAULT_TEXT("q,v")},
        {OPT_ROW("--lora-dropout", OPT_REAL, "P", "LoRA dropout (> 0 saves the dropped input and its mask per target)", &t->lora_dropout),
         .def = OPT_DEFAULT_REAL(0.0)},
        {OPT_ROW("--dora", OPT_FLAG, NULL, "DoRA: a magnitude vector per target and its saved outputs", &t->dora)},
        {OPT_ROW("--base-quant", OPT_STR, "Q", "frozen base's linear layers (nf4: QLoRA)", &t->base_quant), .choice = tmem__choice_base_quant,
         .def = OPT_DEFAULT_TEXT(tmem_base_quant_name(d.base_quant))},
        {OPT_ROW("--modules-to-save", OPT_STR, "LIST", "comma list trained in full beside the adapters: embed_tokens, lm_head, multi_modal_projector", &t->modules_to_save)},
        {OPT_ROW("--images", OPT_U64, "N", "images per sample (vision-language models): their tokens are part of --seq; the tower runs frozen, the projector trains (Llama 3.2 Vision: its cross-attention layers run)", &t->images)},
        {OPT_ROW("--image-size", OPT_STR, "HxW", "image pixels (Qwen2.5-VL's image tokens follow them)", &t->image_size)},
        {OPT_ROW("--train-vision", OPT_FLAG, NULL, "train the vision tower too (CLIP, SigLIP): its gradients, optimizer states and saved activations", &t->train_vision)},
        {OPT_ROW("--optimizer-in-backward", OPT_FLAG, NULL, "torchtune: step and free each gradient as it is made (one gradient lives)", &t->opt_in_bwd)},
        {OPT_ROW("--dpo", OPT_FLAG, NULL, "DPO: chosen + rejected sequences per pair (2 × micro-batch) and a frozen reference model (none with LoRA)", &t->dpo)},
        {OPT_ROW("--rl", OPT_STR, "A", "post-training from rollouts: grpo (groups of completions, no critic) or ppo (a trained critic); --micro-batch counts completions", &t->rl),
         .choice = tmem__choice_rl, .def = OPT_DEFAULT_TEXT(tmem_rl_name(d.rl))},
        {OPT_ROW("--group-size", OPT_U64, "G", "GRPO: completions per prompt (TRL num_generations; must divide micro-batch × grad-accum × dp)", &t->group_size),
         .def = OPT_DEFAULT_U64(TMEM_RL_GROUP_SIZE)},
        {OPT_ROW("--completion-len", OPT_U64, "N", "--rl: tokens generated per completion, part of --seq (TRL max_completion_length; default 256, at most half of --seq)", &t->completion_len)},
        {OPT_ROW("--ref-model", OPT_STR, "S", "DPO / --rl frozen reference: a copy on the GPU, none (TRL GRPO beta 0.0), or offload (host); none with LoRA", &t->ref_model),
         .choice = tmem__choice_ref_model, .def = OPT_DEFAULT_TEXT(tmem_ref_model_name(d.ref_model))},
        {OPT_ROW("--critic", OPT_STR, "S", "PPO value model: same (the policy's architecture, a d_model × 1 value head, trained) or none; default same with --rl ppo", &t->critic),
         .choice = tmem__choice_same_none},
        {OPT_ROW("--reward-model", OPT_STR, "MODEL", "--rl: a frozen reward model (a config, folder or preset, or same: the policy's), forward only; none: a rule-based reward", &t->reward_model),
         .def = OPT_DEFAULT_TEXT("none")},
        {OPT_ROW("--rollout-memory-utilization", OPT_REAL, "F", "--rl: a colocated vLLM engine takes F × the --gpu's memory (weights copy + KV cache); TRL 0.3, verl 0.5, OpenRLHF 0.95", &t->rollout_util)},
        {OPT_ROW("--rollout-tp", OPT_U64, "N", "the colocated engine's tensor parallel degree (verl 2, TRL and OpenRLHF 1)", &t->rollout_tp),
         .def = OPT_DEFAULT_U64(d.rollout_tp)},
        {OPT_ROW("--gen-gather-per-layer", OPT_FLAG, NULL, "--rl with HF generate under ZeRO-3: gather one layer at a time for generation (TRL ds3_gather_for_generation False; default: the whole policy)", &t->gen_gather_per_layer)},
        {OPT_ROW("--rollout-sleep", OPT_FLAG, NULL, "the engine sleeps while the policy trains (verl free_cache_engine True; TRL vllm_enable_sleep_mode, OpenRLHF --vllm.enable_sleep)", &t->rollout_sleep)},
        {OPT_ROW("--fp32-grad-accum", OPT_FLAG, NULL, "keep an fp32 gradient buffer (16-bit mixed policies)", &t->fp32_grads)},
        {OPT_ROW("--fused-ce", OPT_FLAG, NULL, "chunked logits + loss (fused linear cross-entropy)", &t->fused_ce)},
        {OPT_ROW("--ce-chunk", OPT_U64, "N", "tokens per chunk with --fused-ce", &t->ce_chunk),
         .def = OPT_DEFAULT_U64(d.ce_chunk_tokens)},
        {OPT_ROW("--ddp-bucket-view", OPT_FLAG, NULL, "torch DDP gradient_as_bucket_view=True", &t->ddp_view)},
        {OPT_ROW("--ddp-bucket-mb", OPT_U64, "N", "torch DDP bucket_cap_mb", &t->ddp_bucket_mb),
         .def = OPT_DEFAULT_U64(d.ddp_bucket_bytes >> 20)},
        {OPT_ROW("--reduce-bucket", OPT_U64, "N", "DeepSpeed reduce_bucket_size, elements", &t->reduce_bucket),
         .def = OPT_DEFAULT_U64(d.ds_reduce_bucket)},
        {OPT_ROW("--allgather-bucket", OPT_U64, "N", "DeepSpeed allgather_bucket_size, elements", &t->allgather_bucket),
         .def = OPT_DEFAULT_U64(d.ds_allgather_bucket)},
        {OPT_ROW("--prefetch-bucket", OPT_U64, "N", "DeepSpeed stage3_prefetch_bucket_size, elements", &t->prefetch_bucket),
         .def = OPT_DEFAULT_U64(d.ds_prefetch_bucket)},
        {OPT_ROW("--max-live-params", OPT_U64, "N", "DeepSpeed stage3_max_live_parameters", &t->max_live),
         .def = OPT_DEFAULT_U64(d.ds_max_live)},
        {OPT_ROW("--cuda-overhead-mib", OPT_U64, "N", "CUDA context + cuBLAS/NCCL workspaces per GPU, MiB", &t->cuda_mib),
         .def = OPT_DEFAULT_U64(d.cuda_overhead_bytes >> 20)},
        {OPT_ROW("--fragmentation", OPT_REAL, "F", "allocator fragmentation, a fraction of the rest", &t->fragmentation),
         .def = OPT_DEFAULT_REAL((double)d.fragmentation_ppm / 1e6)},
        TMEM__TIME_OPT_ROWS("step time: ", &t->time),
        {OPT_ROW("--nodes", OPT_U64, "N", "nodes the GPUs are spread over (sets --gpus-per-node)", &t->nodes)},
        {OPT_ROW("--inter-node-gbps", OPT_REAL, "F", "network between nodes per GPU, one direction, Gb/s", &t->time.inter_gbps),
         .def = OPT_DEFAULT_REAL(TMEM_TRAIN_INTER_NODE_GBPS)},
        {OPT_ROW("--tokens", OPT_U64, "N", "tokens to train: the time it takes", &t->tokens)},
        {OPT_ROW("--gpu-hour-usd", OPT_REAL, "F", "price of one GPU-hour: the cost of --tokens", &t->gpu_hour_usd)},
        {OPT_ROW("--per-stage", OPT_FLAG, NULL, "the peak of every pipeline stage", &t->per_stage)},
        {OPT_ROW("--deepspeed", OPT_STR, "FILE", "read ZeRO stage, offload, buckets, precision from a ds_config.json", &t->deepspeed)},
        {OPT_ROW("--deepspeed-estimator", OPT_FLAG, NULL, "DeepSpeed's own model-states estimate instead", &t->estimator)},
        {OPT_ROW("--zero-init", OPT_U64, "0|1", "estimator: zero_init", &t->zero_init),
         .def = OPT_DEFAULT_U64(d.ds_zero_init ? 1 : 0)},
        {OPT_ROW("--total-params", OPT_U64, "N", "estimator: total_params (the model's)", &t->total_params)},
        {OPT_ROW("--largest-layer-params", OPT_U64, "N", "estimator: largest_layer_params (largest tensor)", &t->largest_layer)},
    };
    _Static_assert(sizeof tab / sizeof tab[0] == N_TRAIN_ROWS, "N_TRAIN_ROWS counts the rows");
    memcpy(o, tab, sizeof tab);
    cli_out_rows(&t->out, o + N_TRAIN_ROWS, true);
}

/* the whole table: train's options, then the architecture flags, and the doc over it */
static void train_doc(struct model_flags *mf, struct train_flags *t, struct opt *opts, struct cmd_doc *d)
{
    train_opts(t, opts);
    model_flag_opts(mf, opts + N_TRAIN_OPTS);
    *d = (struct cmd_doc){
        .name = "train",
        .synopsis = "MODEL [options]",
        .summary = "per-GPU training memory ledger",
        .about = "What one GPU holds while MODEL is trained: weights, gradients, optimizer states,\n"
                 "activations saved for backward, temporaries, communication buckets and overheads,\n"
                 "phase by phase (end of forward, start and end of backward, optimizer step); the\n"
                 "peak phase is the answer. With --gpu, whether it fits; if it fits, the largest\n"
                 "micro-batch that still does (headroom); if not, every single change that lowers\n"
                 "the peak, with its peak and its cost in words. --micro-batch max and --seq max\n"
                 "solve for the largest value that fits --gpu (exactly: the peak never falls as\n"
                 "they grow) and print it as 'solved'.\n\n"
                 "Order of the fixes: " TMEM_TRAIN_FIX_ORDER_RULE ".\n\n"
                 "MODEL is a config.json, a model folder holding one, or a preset (tmem models);\n"
                 "architecture flags describe or override it.",
        .opts = opts, .n_opts = N_TRAIN_OPTS,
        .shared = opts + N_TRAIN_OPTS, .n_shared = MODEL_FLAG_COUNT};
}

void tmem__train_doc(cmd_doc_sink sink, void *ctx)
{
    struct model_flags mf = {0};
    struct train_flags t = {0};
    struct opt opts[N_TRAIN_OPTS + MODEL_FLAG_COUNT];
    struct cmd_doc d;
    train_doc(&mf, &t, opts, &d);
    sink(&d, ctx);
}

/* a comma list of names into kinds; 0 after an error line */
static int kind_list(const char *flag, const char *list, struct tmem_kind_set (*lookup)(const char *),
                     const char *names, struct tmem_kind_set *out)
{
    char buf[512], msg[700], q[TMEM_QUOTE_CAP];
    *out = (struct tmem_kind_set){{0}};
    if (strlen(list) >= sizeof buf) {
        cli_error(flag, "the list is too long", NULL);
        return 2;
    }
    memcpy(buf, list, strlen(list) + 1);
    char *p = buf;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma != NULL)
            *comma = '\0';
        struct tmem_kind_set k = lookup(p);
        if (!tmem_kind_set_any(k)) {
            snprintf(msg, sizeof msg, "unknown module %s (one of: %s)", tmem__quote(q, p), names);
            cli_error(flag, msg, NULL);
            return 2;
        }
        *out = tmem_kind_set_or(*out, k);
        if (comma == NULL)
            return 0;
        p = comma + 1;
    }
}

/* --lora-*, --dora, --base-quant, --modules-to-save */
static int lora_opts(const struct train_flags *t, const struct opt *opts, size_t n_opts, struct tmem_train_opts *o)
{
    if (t->lora_rank.set)
        o->lora_rank = t->lora_rank.v;
    if (t->lora_alpha.set)
        o->lora_alpha = t->lora_alpha.v;
    if (o->lora_rank > 0 || t->lora_targets)
        if (kind_list("--lora-targets", t->lora_targets ? t->lora_targets : "q,v", tmem_lora_target_kinds,
                      "q, k, v, o, gate, up, down, q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, "
                      "down_proj, q_a_proj, q_b_proj, kv_a_proj_with_mqa, kv_b_proj, wi, wi_0, wi_1, wo, "
                      "fc1, fc2, out_proj, query, key, value, dense, in_proj, x_proj, dt_proj, in_proj_qkvz, "
                      "in_proj_ba, all-linear",
                      &o->lora_targets) != 0)
            return 2;
    if (t->modules_to_save &&
        kind_list("--modules-to-save", t->modules_to_save, tmem_lora_module_kinds, "embed_tokens, lm_head, multi_modal_projector",
                  &o->modules_to_save) != 0)
        return 2;
    if (t->lora_dropout.set) {
        if (!(t->lora_dropout.v >= 0 && t->lora_dropout.v < 1)) {
            cli_error("--lora-dropout", "a probability from 0 up to (not including) 1", NULL);
            return 2;
        }
        o->lora_dropout_ppm = (uint32_t)(t->lora_dropout.v * 1e6 + 0.5);
        if (o->lora_dropout_ppm > 999999)
            o->lora_dropout_ppm = 999999;
    }
    o->dora = t->dora;
    if (t->images.set)
        o->images = t->images.v;
    o->train_vision = t->train_vision;
    if (t->image_size) {
        unsigned long long h = 0, w = 0;
        char tail = 0;
        if (sscanf(t->image_size, "%llux%llu%c", &h, &w, &tail) != 2 || h == 0 || w == 0 || h > 65536 ||
            w > 65536) {
            cli_error("--image-size", "expected HxW in pixels, e.g. 448x644 (each 1..65536)", NULL);
            return 2;
        }
        o->image_h = h;
        o->image_w = w;
    }
    o->optimizer_in_backward = t->opt_in_bwd;
    o->dpo = t->dpo;
    int k;
    if (t->rl) {
        if ((k = tmem__pick(opts, n_opts, "--rl", t->rl, "algorithm", (int)tmem_rl_from_name(t->rl), TMEM_RL_COUNT)) < 0)
            return 2;
        o->rl = (enum tmem_rl)k;
    }
    if (t->ref_model) {
        if ((k = tmem__pick(opts, n_opts, "--ref-model", t->ref_model, "reference model",
                            (int)tmem_ref_model_from_name(t->ref_model), TMEM_REF_MODEL_COUNT)) < 0)
            return 2;
        o->ref_model = (enum tmem_ref_model)k;
    }
    o->critic = o->rl == TMEM_RL_PPO;
    if (t->critic) {
        if ((k = tmem__choice_index(tmem__choice_same_none, t->critic)) < 0) {
            cli_error("--critic", "must be same or none", NULL);
            return 2;
        }
        o->critic = k == 0;
    }
    if (t->group_size.set) {
        if (t->group_size.v == 0) {
            cli_error("--group-size", "must be at least 2 (a group's rewards are compared)", NULL);
            return 2;
        }
        o->group_size = t->group_size.v;
    }
    if (t->rollout_util.set) {
        if (!(t->rollout_util.v > 0.0 && t->rollout_util.v < 1.0)) {
            cli_error("--rollout-memory-utilization", "must be a fraction in (0, 1) (0.3 is 30 %)", NULL);
            return 2;
        }
        o->rollout_util_ppm = (uint32_t)(t->rollout_util.v * 1e6 + 0.5);
        if (o->rollout_util_ppm > 999999)
            o->rollout_util_ppm = 999999;
    }
    if (t->completion_len.set) {
        if (t->completion_len.v == 0) {
            cli_error("--completion-len", "must be at least 1 token", NULL);
            return 2;
        }
        o->completion_len = t->completion_len.v;
    }
    if (t->rollout_tp.set)
        o->rollout_tp = t->rollout_tp.v;
    o->rollout_sleep = t->rollout_sleep;
    o->gen_gather_per_layer = t->gen_gather_per_layer;
    if (t->base_quant) {
        if ((k = tmem__pick(opts, n_opts, "--base-quant", t->base_quant, "base quantization",
                      (int)tmem_base_quant_from_name(t->base_quant), TMEM_BASE_QUANT_COUNT)) < 0)
            return 2;
        o->base_quant = (enum tmem_base_quant)k;
    }
    return 0;
}

static int build_opts(const struct train_flags *t, const struct opt *opts, size_t n_opts,
                      struct tmem_train_opts *o)
{
    tmem_train_opts_default(o);
    if (t->deepspeed) {
        struct tmem_ds_config ds;
        struct tmem_error err = {0};
        if (tmem_ds_config_load(t->deepspeed, cli_allocator(), &ds, &err) != TMEM_OK)
            return report_error(&err);
        if (ds.has_zero)
            o->zero = ds.zero_stage;
        if (ds.has_offload)
            o->offload = ds.offload;
        if (ds.has_precision)
            o->precision = ds.precision;
        if (ds.has_micro_batch)
            o->micro_batch = ds.micro_batch;
        if (ds.has_grad_accum)
            o->grad_accum = ds.grad_accum;
        if (ds.has_optimizer)
            o->optimizer = ds.optimizer;
        if (ds.has_fp32_grads)
            o->fp32_grads = ds.fp32_grads;
        if (ds.reduce_bucket)
            o->ds_reduce_bucket = ds.reduce_bucket;
        if (ds.allgather_bucket)
            o->ds_allgather_bucket = ds.allgather_bucket;
        if (ds.prefetch_bucket)
            o->ds_prefetch_bucket = ds.prefetch_bucket;
        if (ds.max_live)
            o->ds_max_live = ds.max_live;
    }
#define SET(flag, field)                                                                       \
    do {                                                                                       \
        if ((flag).set)                                                                        \
            o->field = (flag).v;                                                               \
    } while (0)
    SET(t->gpus, gpus);
    SET(t->dp, dp);
    SET(t->tp, tp);
    SET(t->pp, pp);
    SET(t->cp, cp);
    SET(t->ep, ep);
    SET(t->gpus_per_node, gpus_per_node);
    if (!t->micro_batch.max)
        SET(t->micro_batch, micro_batch);
    if (!t->seq.max)
        SET(t->seq, seq);
    SET(t->target_seq, target_seq);
    SET(t->microbatches, n_microbatches);
    SET(t->vstages, virtual_stages);
    SET(t->grad_accum, grad_accum);
    SET(t->ce_chunk, ce_chunk_tokens);
    SET(t->reduce_bucket, ds_reduce_bucket);
    SET(t->allgather_bucket, ds_allgather_bucket);
    SET(t->prefetch_bucket, ds_prefetch_bucket);
    SET(t->max_live, ds_max_live);
    SET(t->total_params, ds_total_params);
    SET(t->largest_layer, ds_largest_layer_params);
#undef SET
    if (t->seq.set && !t->seq.max && t->seq.v == 0) {
        cli_error("--seq", "is 0 but must be in [1, 16777216]", NULL);
        return 2;
    }
    if (t->target_seq.set && t->target_seq.v == 0) {
        cli_error("--target-seq", "is 0 but must be in [1, 16777216]", NULL);
        return 2;
    }
    if (t->zero.set) {
        if (t->zero.v > 3) {
            char msg[96];
            snprintf(msg, sizeof msg, "unknown ZeRO stage %llu (0, 1, 2 or 3)", (unsigned long long)t->zero.v);
            cli_error("--zero", msg, NULL);
            return 2;
        }
        o->zero = (uint32_t)t->zero.v;
    }
    if (t->ddp_bucket_mb.set) {
        if (t->ddp_bucket_mb.v == 0 || t->ddp_bucket_mb.v > (UINT64_C(1) << 20)) {
            cli_error("--ddp-bucket-mb", "must be in [1, 1048576]", NULL);
            return 2;
        }
        o->ddp_bucket_bytes = t->ddp_bucket_mb.v << 20;
    }
    if (t->cuda_mib.set) {
        if (t->cuda_mib.v > (UINT64_C(1) << 24)) {
            cli_error("--cuda-overhead-mib", "must be at most 16777216", NULL);
            return 2;
        }
        o->cuda_overhead_bytes = t->cuda_mib.v << 20;
    }
    if (t->fragmentation.set) {
        if (!(t->fragmentation.v >= 0.0 && t->fragmentation.v <= 1.0)) {
            cli_error("--fragmentation", "must be a fraction in [0, 1] (0.05 is 5 %)", NULL);
            return 2;
        }
        o->fragmentation_ppm = (uint32_t)(t->fragmentation.v * 1e6 + 0.5);
    }
    if (t->zero_init.set) {
        if (t->zero_init.v > 1) {
            cli_error("--zero-init", "must be 0 or 1", NULL);
            return 2;
        }
        o->ds_zero_init = t->zero_init.v == 1;
    }
    int k;
    if (t->fsdp) {
        if ((k = tmem__pick(opts, n_opts, "--fsdp", t->fsdp, "FSDP strategy",
                      (int)tmem_fsdp_from_name(t->fsdp), TMEM_FSDP_COUNT)) < 0)
            return 2;
        o->fsdp = (enum tmem_fsdp)k;
    }
    if (t->offload) {
        if ((k = tmem__pick(opts, n_opts, "--offload", t->offload, "offload",
                      (int)tmem_offload_from_name(t->offload), TMEM_OFFLOAD_COUNT)) < 0)
            return 2;
        o->offload = (enum tmem_offload)k;
    }
    if (t->precision) {
        if ((k = tmem__pick(opts, n_opts, "--precision", t->precision, "precision policy",
                      (int)tmem_precision_from_name(t->precision), TMEM_PRECISION_COUNT)) < 0)
            return 2;
        o->precision = (enum tmem_precision)k;
    }
    if (t->optimizer) {
        if ((k = tmem__pick(opts, n_opts, "--optimizer", t->optimizer, "optimizer",
                      (int)tmem_optimizer_from_name(t->optimizer), TMEM_OPTIMIZER_COUNT)) < 0)
            return 2;
        o->optimizer = (enum tmem_optimizer)k;
    }
    if (t->recompute) {
        if ((k = tmem__pick(opts, n_opts, "--recompute", t->recompute, "recompute mode",
                      (int)tmem_recompute_from_name(t->recompute), TMEM_RECOMPUTE_COUNT)) < 0)
            return 2;
        o->recompute = (enum tmem_recompute)k;
    }
    if (t->attention) {
        if ((k = tmem__pick(opts, n_opts, "--attention", t->attention, "attention kernel",
                      (int)tmem_attention_from_name(t->attention), TMEM_ATTENTION_COUNT)) < 0)
            return 2;
        o->attention = (enum tmem_attention)k;
    }
    if (t->kernels) {
        if ((k = tmem__pick(opts, n_opts, "--kernels", t->kernels, "kernel stack",
                      (int)tmem_kernels_from_name(t->kernels), TMEM_KERNELS_COUNT)) < 0)
            return 2;
        o->kernels = (enum tmem_kernels)k;
    }
    if (t->dropout) {
        int on = tmem__choice_index(tmem__choice_on_off, t->dropout);
        if (on < 0) {
            char names[40], msg[60];
            tmem__args_choices(tmem__args_find(opts, n_opts, "--dropout"), " or ", names, sizeof names);
            snprintf(msg, sizeof msg, "must be %s", names);
            cli_error("--dropout", msg, NULL);
            return 2;
        }
        o->dropout = on == 0 ? TMEM_ON : TMEM_OFF;
    }
    if (lora_opts(t, opts, n_opts, o) != 0)
        return 2;
    o->distributed_optimizer = t->dist_opt;
    o->sequence_parallel = t->seq_parallel;
    if (t->fp32_grads)
        o->fp32_grads = true;
    o->fused_ce = t->fused_ce;
    o->ddp_bucket_view = t->ddp_view;
    o->deepspeed_estimator = t->estimator;
    if (t->estimator && !t->zero.set && !(t->deepspeed))
        o->zero = 3; /* what DeepSpeed's stage-3 estimator assumes */
    return 0;
}

/* the plan fields the user gave (flags or the --deepspeed file): a framework leaves them */
static uint32_t explicit_fields(const struct train_flags *t)
{
    uint32_t b = 0;
#define MARK(cond, f) \
    if (cond)         \
        b |= 1u << TMEM_TRAIN_FIELD_##f
    MARK(t->precision != NULL, PRECISION);
    MARK(t->optimizer != NULL, OPTIMIZER);
    MARK(t->kernels != NULL, KERNELS);
    MARK(t->recompute != NULL, RECOMPUTE);
    MARK(t->attention != NULL, ATTENTION);
    MARK(t->fused_ce, FUSED_CE);
    MARK(t->opt_in_bwd, OPTIMIZER_IN_BACKWARD);
    MARK(t->dist_opt, DISTRIBUTED_OPTIMIZER);
    MARK(t->fsdp != NULL, FSDP);
    MARK(t->ref_model != NULL, REF_MODEL);
    MARK(t->rollout_util.set, ROLLOUT_UTIL);
    MARK(t->rollout_sleep, ROLLOUT_SLEEP);
    MARK(t->rollout_tp.set, ROLLOUT_TP);
    MARK(t->deepspeed != NULL, PRECISION); /* the ds_config speaks for its precision and optimizer */
    MARK(t->deepspeed != NULL, OPTIMIZER);
#undef MARK
    return b;
}

/* --framework over the plan: *n rows written to rows (0 without one) */
static int framework_opts(const struct train_flags *t, const struct opt *opts, size_t n_opts,
                          struct tmem_train_opts *o, enum tmem_framework *fw, struct tmem_assumption *rows,
                          size_t *n)
{
    *fw = TMEM_FRAMEWORK_NONE;
    *n = 0;
    if (t->framework == NULL)
        return 0;
    int k = tmem__pick(opts, n_opts, "--framework", t->framework, "framework",
                       (int)tmem_framework_from_name(t->framework), TMEM_FRAMEWORK_COUNT);
    if (k < 0)
        return 2;
    *fw = (enum tmem_framework)k;
    size_t all = tmem_train_framework_apply(*fw, explicit_fields(t), o, rows, TMEM_MAX_ASSUMPTIONS);
    *n = all < TMEM_MAX_ASSUMPTIONS ? all : TMEM_MAX_ASSUMPTIONS;
    return 0;
}

/* no --attention and no framework row for it: the family's kernel, a
 * named assumption when it is not the plain default */
static void family_attention(const struct train_flags *t, const struct tmem_model *m, struct tmem_train_opts *o,
                             struct tmem_assumption *rows, size_t *n)
{
    if (t->attention != NULL)
        return;
    for (size_t i = 0; i < *n; i++)
        if (rows[i].field == TMEM_TRAIN_FIELD_ATTENTION)
            return;
    const char *why;
    o->attention = tmem_train_family_attention(m, &why);
    if (why != NULL && *n < TMEM_MAX_ASSUMPTIONS)
        rows[(*n)++] = (struct tmem_assumption){TMEM_TRAIN_FIELD_ATTENTION, tmem_attention_name(o->attention), why,
                                                false};
}

/* the step-time flags over the defaults; 2 after an error line */
static int time_flags(const struct train_flags *t, struct tmem_train_time_opts *to)
{
    if (tmem__time_flags(&t->time, to) != 0)
        return 2;
    if (t->gpu_hour_usd.set && !(t->gpu_hour_usd.v >= 0.0 && t->gpu_hour_usd.v <= 1e9)) {
        cli_error("--gpu-hour-usd", "must be a price in [0, 1e9]", NULL);
        return 2;
    }
    if (t->gpu_hour_usd.set && !t->tokens.set) {
        cli_error("--gpu-hour-usd", "prices a run: give --tokens too", NULL);
        return 2;
    }
    if (t->tokens.set && t->tokens.v == 0) {
        cli_error("--tokens", "must be at least 1", NULL);
        return 2;
    }
    return 0;
}

int cmd_train(int argc, char **argv)
{
    struct model_flags mf = {0};
    struct train_flags t = {0};
    struct opt opts[N_TRAIN_OPTS + MODEL_FLAG_COUNT];
    struct cmd_doc doc;
    train_doc(&mf, &t, opts, &doc);
    const size_t n_opts = sizeof opts / sizeof opts[0];
    const char *pos[1];
    size_t n_pos = 0;
    int go = tmem__args_parse_doc(&doc, argc, argv, pos, 1, &n_pos);
    if (go != 0)
        return go == 1 ? 0 : 2;
    struct tmem_train_opts o;
    if (build_opts(&t, opts, n_opts, &o) != 0)
        return 2;
    enum tmem_framework framework;
    struct tmem_assumption assumptions[TMEM_MAX_ASSUMPTIONS];
    size_t n_assumptions;
    const struct tmem_gpu *gpu = NULL;
    if (t.gpu && tmem__gpu_arg(t.gpu, &gpu) != 0)
        return 2;
    if (gpu != NULL)
        o.page_capacity_bytes = gpu->memory_bytes; /* paged optimizer states leave the GPU beyond it */
    if (gpu != NULL && o.rl != TMEM_RL_NONE)
        o.rollout_capacity_bytes = gpu->memory_bytes; /* a colocated engine's share is of it (a profile's too) */
    if (framework_opts(&t, opts, n_opts, &o, &framework, assumptions, &n_assumptions) != 0)
        return 2;
    struct tmem_model m;
    if (model_from_args(n_pos ? pos[0] : NULL, &mf, &m) != 0)
        return 2;
    family_attention(&t, &m, &o, assumptions, &n_assumptions);
    o.lora_targets = tmem_lora_targets_for_model(&m, o.lora_targets); /* BART's decoder out_proj */
    if (t.micro_batch.max || t.seq.max) {
        const char *flag = t.micro_batch.max ? "--micro-batch" : "--seq";
        if (t.micro_batch.max && t.seq.max) {
            cli_error("--seq", "max with --micro-batch max: solve for one, give the other a number", NULL);
            return 2;
        }
        if (gpu == NULL) {
            cli_error(flag, "max needs --gpu (the memory to fit in)", "tmem gpus lists them");
            return 2;
        }
        if (o.deepspeed_estimator) {
            cli_error(flag, "max is not solved with --deepspeed-estimator (its estimate has no activations)", NULL);
            return 2;
        }
    }
    if (t.per_stage && o.pp > TMEM_MAX_PP_STAGES) {
        cli_error("--per-stage", "too many stages", NULL);
        return 2;
    }

    static struct tmem_inventory inv;
    static struct tmem_train_result r;
    static struct tmem_ledger phases[TMEM_PHASE_COUNT], host;
    struct tmem_error err = {0};
    if (tmem_inventory_build(&m, &inv, &err) != TMEM_OK)
        return report_error(&err);
    if (t.reward_model != NULL && strcmp(t.reward_model, "none") != 0) {
        if (strcmp(t.reward_model, "same") == 0) {
            o.reward_params = tmem_train_value_model_params(&m, &inv);
        } else {
            static struct tmem_model rm;
            static struct tmem_inventory rinv;
            struct model_flags rf = {0};
            if (tmem__model_inventory_from_args(t.reward_model, &rf, &rm, &rinv) != 0)
                return 2;
            o.reward_params = tmem_train_value_model_params(&rm, &rinv);
        }
    }
    /* --micro-batch max / --seq max: the ledger below is at the solved value
     * (at the smallest when nothing fits) */
    struct tmem_train_solution solution;
    const char *solved_for = NULL;
    if (t.micro_batch.max) {
        o.micro_batch = 1;
        if (tmem_train_max_micro_batch(&m, &inv, &o, gpu->memory_bytes, &solution, &err) != TMEM_OK)
            return report_error(&err);
        o.micro_batch = solution.value != 0 ? solution.value : tmem_train_micro_batch_step(&o);
        solved_for = "micro_batch";
    } else if (t.seq.max) {
        o.seq = o.cp;
        if (tmem_train_max_seq(&m, &inv, &o, gpu->memory_bytes, &solution, &err) != TMEM_OK)
            return report_error(&err);
        o.seq = solution.value != 0 ? solution.value : o.cp;
        solved_for = "seq";
    }
    if (tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, &err) != TMEM_OK)
        return report_error(&err);
    if (t.nodes.set) {
        uint64_t total = r.layout.dp * o.tp * o.pp * o.cp;
        if (t.nodes.v == 0 || total % t.nodes.v != 0) {
            char msg[96];
            snprintf(msg, sizeof msg, "must divide the %llu GPUs", (unsigned long long)total);
            cli_error("--nodes", msg, NULL);
            return 2;
        }
        o.gpus_per_node = total / t.nodes.v;
        if (tmem_train_compute(&m, &inv, &o, UINT64_MAX, &r, &err) != TMEM_OK)
            return report_error(&err);
    }
    if (o.rl == TMEM_RL_GRPO) {
        /* TRL GRPOConfig: "The effective batch size (num_processes *
         * per_device_batch_size * gradient_accumulation_steps) must be evenly
         * divisible by" num_generations */
        uint64_t g = o.group_size != 0 ? o.group_size : TMEM_RL_GROUP_SIZE;
        uint64_t per_step = o.micro_batch * o.grad_accum * r.layout.dp; /* each ≤ 2^24 or 2^20: fits */
        if (per_step % g != 0) {
            char msg[160];
            snprintf(msg, sizeof msg, "%llu must divide the %llu completions per step (micro-batch × grad-accum × dp)",
                     (unsigned long long)g, (unsigned long long)per_step);
            cli_error("--group-size", msg, NULL);
            return 2;
        }
    }
    for (int p = 0; p < TMEM_PHASE_COUNT; p++)
        if (tmem_train_ledger(&m, &inv, &o, &r, (enum tmem_phase)p, false, &phases[p], &err) != TMEM_OK)
            return report_error(&err);
    if (tmem_train_ledger(&m, &inv, &o, &r, TMEM_PHASE_FORWARD, true, &host, &err) != TMEM_OK)
        return report_error(&err);

    struct tmem_fit fit;
    static struct tmem_train_fix fixes[TMEM_TRAIN_LEVER_COUNT];
    size_t n_fixes = 0;
    struct tmem_train_solution headroom;
    bool has_headroom = false;
    if (gpu) {
        tmem_ledger_fit(&phases[r.peak_phase], gpu->memory_bytes, &fit);
        if (!fit.fits)
            n_fixes = tmem_train_suggest(&m, &inv, &o, gpu->memory_bytes, fixes, TMEM_TRAIN_LEVER_COUNT);
        else if (solved_for == NULL && !o.deepspeed_estimator) {
            if (tmem_train_max_micro_batch(&m, &inv, &o, gpu->memory_bytes, &headroom, &err) != TMEM_OK)
                return report_error(&err);
            has_headroom = true;
        }
    }
    /* the step time, at --gpu's rates (or the named default GPU's), and
     * each fix's */
    struct tmem_train_time_opts to;
    tmem_train_time_defaults(&to, gpu ? gpu : tmem_gpu_find(TMEM_TRAIN_TIME_GPU));
    if (time_flags(&t, &to) != 0)
        return 2;
    static struct tmem_train_time tt;
    static struct tmem_train_time_text ttext;
    bool has_time = true;
    if (tmem_train_time(&m, &inv, &o, &r, &to, NULL, &tt, t.explain ? &ttext : NULL, &err) != TMEM_OK) {
        if (err.code != TMEM_ERR_OVERFLOW)
            return report_error(&err);
        has_time = false; /* the ledger stands; its time is said not to be known */
    }
    double fix_step_s[TMEM_TRAIN_LEVER_COUNT]; /* the plan's tokens per step, at the fix's speed */
    for (size_t i = 0; has_time && i < n_fixes; i++) {
        static struct tmem_train_result fr;
        static struct tmem_train_time ft;
        fix_step_s[i] = -1.0; /* not known */
        if (tmem_train_compute(&m, &inv, &fixes[i].opts, UINT64_MAX, &fr, NULL) == TMEM_OK &&
            tmem_train_time(&m, &inv, &fixes[i].opts, &fr, &to, NULL, &ft, NULL, NULL) == TMEM_OK)
            fix_step_s[i] = tmem_train_time_for_tokens(&ft, tt.tokens_per_step);
    }
    /* the reader's notes (what it assumed about the model), then the core's */
    char nbuf[sizeof mf.notes];
    const char *notes[TMEM_TRAIN_MAX_NOTES + 8];
    size_t n_notes = model_notes_list(&mf, nbuf, sizeof nbuf, notes, 8);
    n_notes += tmem_train_notes(&m, &o, notes + n_notes, TMEM_TRAIN_MAX_NOTES);
    struct tmem_train_result *stages = NULL;
    if (t.per_stage) {
        stages = tmem__calloc((size_t)o.pp, sizeof *stages);
        if (stages == NULL) {
            cli_error("train", "out of memory", NULL);
            return 2;
        }
        for (uint64_t s = 0; s < o.pp; s++)
            if (tmem_train_compute(&m, &inv, &o, s, &stages[s], &err) != TMEM_OK) {
                tmem__dealloc(stages);
                return report_error(&err);
            }
    }
    /* one layer's saved tensors, for --explain and the JSON document */
    static struct tmem_act_inventory acts;
    bool want_acts = (t.json || t.out.format != NULL || t.out.svg != NULL || t.explain) && !o.deepspeed_estimator &&
                     !m.encdec; /* train_encdec.c: items, no per-tensor list yet */
    if (want_acts && tmem_train_activations(&m, &inv, &o, r.layout.stage, &acts, &err) != TMEM_OK) {
        tmem__dealloc(stages);
        return report_error(&err);
    }
    struct tmem_lora_params lora;
    if (o.lora_rank > 0 && tmem_lora_count(&m, &inv, &o, &lora, &err) != TMEM_OK) {
        tmem__dealloc(stages);
        return report_error(&err);
    }
    struct tmem_train_view v = {
        .lora = o.lora_rank > 0 ? &lora : NULL,
        .model = &m, .inv = &inv, .opts = &o, .r = &r, .phases = phases, .host = &host,
        .gpu = gpu, .fit = gpu ? &fit : NULL, .fixes = fixes, .n_fixes = n_fixes,
        .stages = stages, .n_stages = stages ? (size_t)o.pp : 0, .ds_config = t.deepspeed,
        .solved_for = solved_for, .solution = solved_for ? &solution : NULL,
        .headroom = has_headroom ? &headroom : NULL, .notes = notes, .n_notes = n_notes,
        .framework = framework, .assumptions = assumptions, .n_assumptions = n_assumptions,
        .acts = want_acts ? &acts : NULL,
        .time = has_time ? &tt : NULL, .time_text = t.explain ? &ttext : NULL, .time_opts = &to, .fix_step_s = has_time ? fix_step_s : NULL,
        .tokens = t.tokens.set ? t.tokens.v : 0, .gpu_hour_usd = t.gpu_hour_usd.set ? t.gpu_hour_usd.v : -1.0};
    int rc = 0;
    struct cli_out out;
    if (cli_out_begin(&out, &t.out, t.json, t.si) != 0) {
        tmem__dealloc(stages);
        return 2;
    }
    if (out.doc != NULL) {
        struct tmem_json *extra = tmem__report_train_json_extra(&v);
        if (extra == NULL ||
            tmem__report_ledger_json(out.doc, "train", &m, &phases[r.peak_phase], gpu, v.fit, extra) != 0) {
            cli_error("train", "a value does not fit a JSON integer", NULL);
            rc = 2;
        }
    }
    if (out.text != NULL) {
        struct tmem_report_opts ro = {.si = t.si, .explain = t.explain};
        tmem__report_train_text(out.text, &v, &ro);
    }
    tmem__dealloc(stages);
    return cli_out_end(&out, rc);
}
