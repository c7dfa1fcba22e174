/* train_text.c — `tmem train` output: the plan in one line, the ledger of
 * the peak phase (through the shared ledger printer), the totals of every
 * phase, host memory under offload, the named defaults used, the verdict
 * and the single changes that bring a plan under the GPU's memory; under
 * --explain one layer's saved tensors (the activation inventory); and the
 * train-specific keys of the JSON document. Formats only. */
#include "report_train.h"

#include <stdio.h>
#include <string.h>

static const char *sharding(const struct tmem_train_opts *o, char *buf, size_t cap)
{
    if (o->zero)
        snprintf(buf, cap, "ZeRO-%u", o->zero);
    else if (o->fsdp != TMEM_FSDP_OFF)
        snprintf(buf, cap, "FSDP %s", tmem_fsdp_name(o->fsdp));
    else if (o->distributed_optimizer)
        snprintf(buf, cap, "distributed optimizer");
    else
        snprintf(buf, cap, "no sharding");
    return buf;
}

/* the targeted kinds' names, "attn.q_proj, attn.v_proj" */
static void lora_targets(const struct tmem_train_view *v, char *buf, size_t cap)
{
    size_t n = 0;
    struct tmem_kind_set present = {{0}};
    for (uint32_t i = 0; i < v->inv->n_tensors; i++)
        tmem_kind_set_add(&present, (int)v->inv->tensors[i].kind);
    present = tmem_kind_set_and(present, v->opts->lora_targets);
    buf[0] = '\0';
    for (int k = 0; k < TMEM_TENSOR_KIND_COUNT; k++)
        if (tmem_kind_set_has(&present, k)) {
            int w = snprintf(buf + n, cap - n, "%s%s", n ? ", " : "",
                             tmem_tensor_kind_info((enum tmem_tensor_kind)k)->name);
            if (w < 0 || (size_t)w >= cap - n)
                return;
            n += (size_t)w;
        }
}

/* the adapters, and PEFT's print_trainable_parameters line */
static void lora_lines(FILE *out, const struct tmem_train_view *v)
{
    const struct tmem_train_opts *o = v->opts;
    const struct tmem_lora_params *p = v->lora;
    char a[32], b[32], names[1024];
    lora_targets(v, names, sizeof names);
    fprintf(out, "  %s r %llu", o->dora ? "DoRA" : "LoRA", (unsigned long long)o->lora_rank);
    if (o->lora_alpha)
        fprintf(out, " (alpha %llu)", (unsigned long long)o->lora_alpha);
    fprintf(out, " on %llu linear layers (%s)", (unsigned long long)p->targeted_linears, names);
    if (o->lora_dropout_ppm)
        fprintf(out, ", dropout %g", o->lora_dropout_ppm / 1e6);
    fprintf(out, "; frozen base %s", o->base_quant != TMEM_BASE_QUANT_NONE
                                         ? tmem_base_quant_name(o->base_quant)
                                         : tmem_dtype_info(tmem_precision_info(o->precision)->compute)->name);
    fprintf(out, "\n  trainable params: %s || all params: %s || trainable%%: %.4f\n",
            tmem__fmt_count(a, sizeof a, p->trainable_params), tmem__fmt_count(b, sizeof b, p->all_params),
            p->all_params ? 100.0 * (double)p->trainable_params / (double)p->all_params : 0.0);
}

static void plan_lines(FILE *out, const struct tmem_train_view *v)
{
    const struct tmem_train_opts *o = v->opts;
    const struct tmem_train_result *r = v->r;
    const struct tmem_train_layout *l = &r->layout;
    char a[32], b[32], sh[48];
    uint64_t gpus = l->dp * o->tp * o->pp * o->cp;
    fprintf(out, "%s: training with %s · %s · %s\n",
            v->model->name[0] ? v->model->name : "model", tmem_precision_name(o->precision),
            tmem_optimizer_name(o->optimizer), sharding(o, sh, sizeof sh));
    fprintf(out, "  %llu GPU%s = dp %llu × tp %llu × pp %llu × cp %llu", (unsigned long long)gpus,
            gpus == 1 ? "" : "s", (unsigned long long)l->dp, (unsigned long long)o->tp,
            (unsigned long long)o->pp, (unsigned long long)o->cp);
    if (o->ep > 1)
        fprintf(out, " (ep %llu)", (unsigned long long)o->ep);
    fprintf(out, " · micro-batch %llu · seq %llu", (unsigned long long)o->micro_batch,
            (unsigned long long)r->seq);
    if (r->target_seq != 0) /* an encoder–decoder: --seq is the encoder's */
        fprintf(out, " (encoder), %llu (decoder)", (unsigned long long)r->target_seq);
    fprintf(out, " · %s attention · recompute %s · dropout %s%s\n",
            tmem_attention_name(o->attention), tmem_recompute_name(o->recompute),
            r->dropout ? "on" : "off", o->sequence_parallel ? " · sequence parallel" : "");
    if (o->offload != TMEM_OFFLOAD_NONE)
        fprintf(out, "  offload: %s to the host\n", tmem_offload_name(o->offload));
    if (v->ds_config)
        fprintf(out, "  DeepSpeed config: %s\n", v->ds_config);
    fprintf(out, "  parameters on each GPU (P_gpu, before sharding): %s of %s",
            tmem__fmt_count(a, sizeof a, l->params), tmem__fmt_count(b, sizeof b, v->inv->total_params));
    if (o->pp > 1)
    {
        fprintf(out, " (stage %llu of %llu: %llu layers%s%s, ", (unsigned long long)l->stage,
                (unsigned long long)o->pp, (unsigned long long)l->layers,
                l->first ? ", embedding" : "", l->last ? ", lm_head" : "");
        if (l->inflight_den == 1)
            fprintf(out, "%llu micro-batches in flight)", (unsigned long long)l->inflight_num);
        else
            fprintf(out, "%llu model chunks of %llu layers in flight)",
                    (unsigned long long)l->inflight_num,
                    (unsigned long long)(l->layers / l->inflight_den));
    }
    if (l->shard > 1)
        fprintf(out, ", states sharded over %llu", (unsigned long long)l->shard);
    fprintf(out, "\n");
    if (v->lora != NULL)
        lora_lines(out, v);
}

static void defaults_lines(FILE *out, const struct tmem_train_view *v, const struct tmem_report_opts *ro)
{
    const struct tmem_train_opts *o = v->opts;
    char a[32], b[32];
    fprintf(out, "\nassumptions (named defaults; each has a flag):\n");
    if (v->framework != TMEM_FRAMEWORK_NONE) {
        fprintf(out, "  framework: %s (%s)%s\n", tmem_framework_name(v->framework),
                tmem_framework_description(v->framework), v->n_assumptions ? ":" : ", nothing it sets applies");
        for (size_t i = 0; i < v->n_assumptions; i++) {
            const struct tmem_assumption *as = &v->assumptions[i];
            fprintf(out, "    %s %s%s: %s\n", tmem_train_field_flag(as->field), as->value,
                    as->overridden ? " (yours overrides it)" : "", as->source);
        }
    } else {
        for (size_t i = 0; i < v->n_assumptions; i++) /* the family's defaults */
            fprintf(out, "  %s %s: %s\n", tmem_train_field_flag(v->assumptions[i].field), v->assumptions[i].value,
                    v->assumptions[i].source);
    }
    fprintf(out, "  CUDA context + cuBLAS/NCCL workspaces %s (--cuda-overhead-mib); allocator "
                 "fragmentation %.1f %% (--fragmentation)\n",
            tmem__fmt_bytes(a, sizeof a, o->cuda_overhead_bytes, ro->si), o->fragmentation_ppm / 1e4);
    if (o->zero)
        fprintf(out, "  DeepSpeed reduce_bucket_size %s, allgather_bucket_size %s, "
                     "stage3_prefetch_bucket_size %s, stage3_max_live_parameters %s (elements)\n",
                tmem__fmt_count(a, sizeof a, o->ds_reduce_bucket),
                tmem__fmt_count(b, sizeof b, o->ds_allgather_bucket),
                tmem__fmt_count((char[32]){0}, 32, o->ds_prefetch_bucket),
                tmem__fmt_count((char[32]){0}, 32, o->ds_max_live));
    else if (o->fsdp != TMEM_FSDP_OFF)
        fprintf(out, "  FSDP: one transformer layer per unit, backward_prefetch BACKWARD_PRE\n");
    else if (v->r->item_bytes[TMEM_TI_DDP_BUCKETS])
        fprintf(out, "  torch DDP bucket_cap_mb %llu, gradient_as_bucket_view=False (--ddp-bucket-view)\n",
                (unsigned long long)(o->ddp_bucket_bytes >> 20));
    /* the profile the activations were computed with: the model's norm
     * and MLP, the family's activation and rotary, the softmax dtype */
    const struct tmem_family_info *fi = tmem_family_info(v->model->family);
    static const char *const norms[] = {
        [TMEM_KERNELS_EAGER] = "HF eager RMSNorm (x fp32, rstd, y)",
        [TMEM_KERNELS_FUSED] = "fused RMSNorm (input, rstd)",
        [TMEM_KERNELS_LIGER] = "Liger RMSNorm (input, rstd)",
        [TMEM_KERNELS_TE] = "TE RMSNorm (input, rstd)",
        [TMEM_KERNELS_LOCAL] = "apex fused RMSNorm (input, rstd)"};
    _Static_assert(sizeof norms / sizeof norms[0] == TMEM_KERNELS_COUNT, "one name per stack");
    bool glu = v->model->mlp == TMEM_MLP_GATED;
    if (v->model->encdec) { /* train_encdec.c's one profile */
        bool t5 = v->model->norm == TMEM_NORM_RMSNORM;
        fprintf(out, "  kernels: HF eager modules of both stacks: %s, %s, %s; eager attention materialises "
                     "the scores; CUDA dropout masks (1 B)\n",
                t5 ? "T5LayerNorm (x fp32, x, rsqrt, y)" : "LayerNorm (input, fp32 mean and rstd)",
                t5 ? (glu ? "gated gelu_new (7 saved d_ff-wide tensors)" : "ReLU") : "GELU (activation_dropout not read: 0)",
                t5 ? "softmax in fp32 then a compute-dtype copy" : "softmax in the compute dtype");
        return;
    }
    bool fused_glu = glu && (o->kernels == TMEM_KERNELS_LIGER || o->kernels == TMEM_KERNELS_TE);
    if (v->model->ssm == TMEM_SSM_MAMBA2)
        fprintf(out, "  kernels (--kernels %s): %s; HF Mamba2Mixer.cuda_kernels_forward: mamba_ssm\n"
                     "    mamba_split_conv1d_scan_combined saves zxbcdt, the scan output%s;\n"
                     "    HF's torch_forward (no mamba_ssm) is not modelled\n",
                tmem_kernels_name(o->kernels), norms[o->kernels],
                v->model->ssm_no_norm ? " (no gated norm)" : " and the gated norm's fp32 rstd");
    else if (v->model->ssm != TMEM_SSM_NONE && v->model->ssm != TMEM_SSM_GDN)
        fprintf(out, "  kernels (--kernels %s): %s; HF MambaMixer.cuda_kernels_forward: mamba_ssm mamba_inner_fn\n"
                     "    (checkpoint_lvl 1) saves xz, x_dbl, B, C, the scan output and fp32 chunk states (2048 tokens);\n"
                     "    HF's slow_forward (no mamba_ssm) is not modelled\n",
                tmem_kernels_name(o->kernels), norms[o->kernels]);
    else
    fprintf(out, "  kernels (--kernels %s): %s%s / %s%s, softmax in %s; %s\n", tmem_kernels_name(o->kernels),
            v->model->norm == TMEM_NORM_RMSNORM ? norms[o->kernels] : "fused LayerNorm",
            v->r->rope ? " / rotary" : "", fused_glu ? "fused " : "", fi && fi->mlp_act ? fi->mlp_act : "MLP",
            v->r->softmax_fp32 ? "fp32" : "the compute dtype",
            o->attention != TMEM_ATTENTION_FLASH ? "eager attention materialises the scores"
            : o->kernels == TMEM_KERNELS_LOCAL   ? "FlashAttention-2 saves q, k, v, out, lse; dense saves out's [s, b] copy"
                                                 : "FlashAttention-2 saves q, k, v, out, lse");
    if (v->model->encoder && !v->model->post_norm) /* ModernBERT */
        fprintf(out, "  ModernBERT attention: %s; global and local (window) layers save the same tensors\n",
                o->attention == TMEM_ATTENTION_FLASH
                    ? "HF's default flash_attention_2 (picked when flash_attn is installed), unpadded, window-only "
                      "local layers (--attention naive: eager)"
                    : "eager (HF's fallback without flash_attn), the sliding window a mask over the full s × s "
                      "scores (--attention flash: flash_attention_2, HF's default)");
    if (v->model->rel_attn)
        fprintf(out, "  DeBERTa attention: HF's eager DisentangledSelfAttention (c2p / p2c, their gathers and "
                     "s × s int64 indices, the inverted mask)\n");
    if (v->model->ssm == TMEM_SSM_GDN)
        fprintf(out, "  Gated DeltaNet layers: HF Qwen3NextGatedDeltaNet with fla chunk_gated_delta_rule (saves the\n"
                     "    l2-normed q, k and their rstd, v, g, beta, A), causal_conv1d_fn (its input) and fla\n"
                     "    FusedRMSNormGated (o, z, rstd); HF's torch fallbacks (no fla) are not modelled\n");
    if (o->lora_rank > 0)
        fprintf(out, "  adapters: PEFT Linear (dropout, A, B); a frozen weight's own gradient needs no saved tensor;\n"
                     "    the first layer is counted like the others (it saves less before its first adapter)\n");
    if (o->kernels == TMEM_KERNELS_LIGER)
        fprintf(out, "  Liger fused linear cross-entropy: chunks of next_power_of_2(b·s / ceil(n_vocab / d_model))\n"
                     "    tokens; grad_input and the lm_head's grad_weight are made in the forward\n");
    else if (o->fused_ce)
        fprintf(out, "  fused cross-entropy in chunks of %llu tokens (--ce-chunk)\n",
                (unsigned long long)o->ce_chunk_tokens);
}

static void phases_lines(FILE *out, const struct tmem_train_view *v, const struct tmem_report_opts *ro)
{
    char a[32], b[32];
    fprintf(out, "\nphases (live bytes per GPU; the peak is the ledger above):\n");
    for (int p = 0; p < TMEM_PHASE_COUNT; p++)
        if (tmem_train_phase_used(v->opts, (enum tmem_phase)p))
            fprintf(out, "  %-20s %12s  %19s B%s\n", tmem_phase_title((enum tmem_phase)p),
                tmem__fmt_bytes(a, sizeof a, v->r->phase_bytes[p], ro->si),
                tmem__fmt_count(b, sizeof b, v->r->phase_bytes[p]),
                p == (int)v->r->peak_phase ? "   <- peak" : "");
}

/* "(79.12 GiB = 84,956,000,000 B per GPU; 12 needs 85,600,000,000 B > 85,520,809,984 B)" */
static void boundary(FILE *out, const struct tmem_train_view *v, const struct tmem_train_solution *s,
                     const struct tmem_report_opts *ro)
{
    char a[32], b[32], c[32], d[32];
    fprintf(out, "(%s = %s B per GPU; ", tmem__fmt_bytes(a, sizeof a, s->peak_bytes, ro->si),
            tmem__fmt_count(b, sizeof b, s->peak_bytes));
    if (s->next_value == 0)
        fprintf(out, "%llu is the most the plan allows)\n", (unsigned long long)s->limit);
    else if (s->next_peak_bytes == UINT64_MAX)
        fprintf(out, "%llu overflows 64-bit byte counts)\n", (unsigned long long)s->next_value);
    else
        fprintf(out, "%llu needs %s B > %s B)\n", (unsigned long long)s->next_value,
                tmem__fmt_count(c, sizeof c, s->next_peak_bytes),
                tmem__fmt_count(d, sizeof d, v->fit->capacity_bytes));
}

/* "solved: micro-batch 11, the largest that fits h100-sxm (…)" */
static void solved_lines(FILE *out, const struct tmem_train_view *v, const struct tmem_report_opts *ro)
{
    const struct tmem_train_solution *s = v->solution;
    bool seq = strcmp(v->solved_for, "seq") == 0;
    char a[32];
    if (s->value == 0) {
        unsigned long long least = seq ? (unsigned long long)v->opts->cp
                                       : (unsigned long long)tmem_train_micro_batch_step(v->opts);
        fprintf(out, "solved: no %s fits %s: even %llu needs %s (the ledger above is at %llu)\n",
                seq ? "sequence" : "micro-batch", v->gpu->name, least,
                tmem__fmt_bytes(a, sizeof a, s->peak_bytes, ro->si), least);
        return;
    }
    fprintf(out, "solved: %s %llu, the %s that fits %s ", seq ? "seq" : "micro-batch",
            (unsigned long long)s->value, seq ? "longest" : "largest", v->gpu->name);
    boundary(out, v, s, ro);
}

/* when the plan fits: the largest micro-batch that still does */
static void headroom_line(FILE *out, const struct tmem_train_view *v, const struct tmem_report_opts *ro)
{
    fprintf(out, "headroom: micro-batch up to %llu fits ", (unsigned long long)v->headroom->value);
    boundary(out, v, v->headroom, ro);
}

/* hours as "3.2 h" or "4.1 days" */
static void duration_line(FILE *out, const struct tmem_train_view *v)
{
    const struct tmem_train_time *t = v->time;
    double s = tmem_train_time_for_tokens(t, v->tokens);
    double gpus = (double)(v->r->layout.dp * v->opts->tp * v->opts->pp * v->opts->cp);
    double h = s / 3600.0;
    if (h < 48.0)
        fprintf(out, "  %llu tokens: %.3g h", (unsigned long long)v->tokens, h);
    else
        fprintf(out, "  %llu tokens: %.3g days", (unsigned long long)v->tokens, h / 24.0);
    fprintf(out, " (%.4g GPU-hours)", h * gpus);
    if (v->gpu_hour_usd >= 0.0)
        fprintf(out, ", $%.0f at $%.2f per GPU-hour", h * gpus * v->gpu_hour_usd, v->gpu_hour_usd);
    fprintf(out, "\n");
}

/* the step time: the answer, its parts, and with --explain every formula */
static void time_lines(FILE *out, const struct tmem_train_view *v, const struct tmem_report_opts *ro)
{
    const struct tmem_train_time *t = v->time;
    const struct tmem_train_time_opts *to = v->time_opts;
    char a[32], b[32], c[32];
    uint64_t gpus = v->r->layout.dp * v->opts->tp * v->opts->pp * v->opts->cp;
    uint64_t gpn = v->opts->gpus_per_node ? v->opts->gpus_per_node : 1;
    char att[64];
    if (v->opts->attention == TMEM_ATTENTION_FLASH)
        snprintf(att, sizeof att, "flash attention bf16 × %.2f", to->attn_efficiency);
    else
        snprintf(att, sizeof att, "eager attention bf16 × %.2f + its scores at HBM rate", to->efficiency);
    fprintf(out, "\ntime per step (%s%s: matmuls %.0f TFLOP/s %s × efficiency %.2f, %s; %llu GPUs, %llu per node):\n",
            to->gpu->name, v->gpu ? "" : ", the default GPU: --gpu sets it",
            (to->float8 ? to->gpu->fp8_flops : to->gpu->bf16_flops) / 1e12, to->float8 ? "fp8" : "bf16",
            to->float8 ? to->fp8_efficiency : to->efficiency, att, (unsigned long long)gpus, (unsigned long long)gpn);
    double comm = 0.0;
    for (int i = TMEM_TT_DP; i < TMEM_TT_COUNT; i++)
        comm += t->exposed_s[i];
    char d[32], e[32];
    fprintf(out, "  step %s = compute %s + recompute %s + bubble %s + exposed communication %s\n",
            tmem__fmt_seconds(a, sizeof a, t->step_s), tmem__fmt_seconds(b, sizeof b, t->item_s[TMEM_TT_COMPUTE]),
            tmem__fmt_seconds(c, sizeof c, t->item_s[TMEM_TT_RECOMPUTE]), tmem__fmt_seconds(d, sizeof d, t->item_s[TMEM_TT_BUBBLE]),
            tmem__fmt_seconds(e, sizeof e, comm));
    if (v->opts->rl != TMEM_RL_NONE) {
        char f[32], g[32];
        fprintf(out, "  + rollout %s = prefill %s + decode %s (%llu × %llu tokens after %llu-token prompts) + weight sync %s\n",
                tmem__fmt_seconds(a, sizeof a, t->rollout_s), tmem__fmt_seconds(b, sizeof b, t->rollout_prefill_s),
                tmem__fmt_seconds(c, sizeof c, t->rollout_decode_s), (unsigned long long)t->rollout_batch,
                (unsigned long long)t->rollout_completion, (unsigned long long)t->rollout_prompt,
                tmem__fmt_seconds(d, sizeof d, t->weight_sync_s));
        fprintf(out, "  + scoring %s (reference, reward and critic forwards over the completions%s); update %s\n",
                tmem__fmt_seconds(f, sizeof f, t->score_s), v->opts->critic ? ", the critic's update" : "",
                tmem__fmt_seconds(g, sizeof g, t->step_s - t->rollout_s - t->score_s));
    }
    fprintf(out, "  %.0f tokens/s, %.0f per GPU; MFU %.1f %%, HFU %.1f %%; m = %llu micro-batches per step of %llu × %llu tokens\n",
            t->tokens_per_s, t->tokens_per_s_per_gpu, t->mfu * 100.0, t->hfu * 100.0,
            (unsigned long long)t->micro_batches, (unsigned long long)v->opts->micro_batch,
            (unsigned long long)v->r->seq);
    bool any = false;
    for (int i = TMEM_TT_DP; i < TMEM_TT_COUNT; i++) {
        if (t->item_s[i] <= 0.0)
            continue;
        fprintf(out, "%s %s %s (%s exposed)", any ? "," : "  communication:", tmem_time_item_name((enum tmem_time_item)i),
                tmem__fmt_seconds(a, sizeof a, t->item_s[i]), tmem__fmt_seconds(b, sizeof b, t->exposed_s[i]));
        any = true;
    }
    if (any)
        fprintf(out, "\n");
    if (v->tokens)
        duration_line(out, v);
    const struct tmem_train_time_text *tx = v->time_text;
    if (!ro->explain || tx == NULL)
        return;
    for (int i = 0; i < TMEM_TT_COUNT; i++) {
        if (t->item_s[i] <= 0.0)
            continue;
        fprintf(out, "  %-9s %s\n", tmem_time_item_name((enum tmem_time_item)i), tx->formula[i]);
        if (i == TMEM_TT_COMPUTE)
            fprintf(out, "  %-9s %s\n", "", tx->attn_formula);
        fprintf(out, "  %-9s (%s)\n", "", tmem_time_item_rule((enum tmem_time_item)i));
    }
    if (v->opts->rl != TMEM_RL_NONE) {
        fprintf(out, "  %-9s %s\n", "rollout", tx->rollout_formula);
        if (tx->score_formula[0] != '\0')
            fprintf(out, "  %-9s %s\n", "scoring", tx->score_formula);
    }
    fprintf(out, "  step      %s\n", tx->step_formula);
    fprintf(out, "  FLOPs per token trained: %.4g (%s + attention, forward and backward)\n", t->flops_per_token,
            v->opts->lora_rank > 0 ? "4·N_mm frozen + 6·N_adapters" : "6·N_mm");
}

/* the fixes: those that fit, then those that are not enough, each with its cost */
static void fix_lines(FILE *out, const struct tmem_train_view *v, const struct tmem_report_opts *ro)
{
    char a[32], b[32];
    uint64_t cap = v->fit->capacity_bytes;
    size_t n_fit = 0;
    while (n_fit < v->n_fixes && v->fixes[n_fit].fits)
        n_fit++;
    if (n_fit == 0)
        fprintf(out, "no single change brings it under %s\n", tmem__fmt_bytes(a, sizeof a, cap, ro->si));
    for (size_t i = 0; i < v->n_fixes; i++) {
        const struct tmem_train_fix *f = &v->fixes[i];
        if (i == 0 && n_fit > 0)
            fprintf(out, "single changes that make it fit (cheapest first):\n");
        if (i == n_fit)
            fprintf(out, "single changes that are not enough (lowest peak first):\n");
        uint64_t d = f->fits ? cap - f->peak_bytes : f->peak_bytes - cap;
        fprintf(out, "  %-30s -> %s per GPU (%s %s)\n", f->what,
                tmem__fmt_bytes(a, sizeof a, f->peak_bytes, ro->si), tmem__fmt_bytes(b, sizeof b, d, ro->si),
                f->fits ? "free" : "over");
        fprintf(out, "  %-30s    cost: %s\n", "", tmem_train_lever_cost(f->lever));
        if (v->fix_step_s && v->fix_step_s[i] >= 0.0) {
            double d_s = v->fix_step_s[i] - v->time->step_s;
            fprintf(out, "  %-30s    time: %s for the plan's step of tokens (%s%s)\n", "", tmem__fmt_seconds(a, sizeof a, v->fix_step_s[i]),
                    d_s >= 0 ? "+" : "−", tmem__fmt_seconds(b, sizeof b, d_s >= 0 ? d_s : -d_s));
        }
    }
    if (ro->explain && v->n_fixes > 0)
        fprintf(out, "Order of the fixes: %s.\n", tmem_train_fix_order_rule());
}

/* s, then spaces up to `width` columns (UTF-8 characters, not bytes) */
static void cell(FILE *out, const char *s, int width)
{
    int cols = 0;
    for (const char *p = s; *p; p++)
        if ((*p & 0xC0) != 0x80)
            cols++;
    fprintf(out, "%s%*s", s, cols < width ? width - cols : 1, "");
}

static bool in_layer(enum tmem_act_part p, bool dense, bool mlp_only)
{
    switch (p) {
    case TMEM_ACT_PART_MLP: return dense;
    case TMEM_ACT_PART_MOE: return !dense;
    case TMEM_ACT_PART_ATTN:
    case TMEM_ACT_PART_SCORES:
    case TMEM_ACT_PART_MASKS:
    case TMEM_ACT_PART_CHECKPOINT: return !mlp_only;
    case TMEM_ACT_PART_COUNT: break;
    }
    return false;
}

/* One kind of layer: its tensors the plan makes (saved or recomputed), and
 * what one such layer holds. */
static void layer_rows(FILE *out, const struct tmem_act_inventory *a, enum tmem_act_layer_kind kind, bool dense,
                       bool mlp_only, const char *what, uint64_t saved, const struct tmem_report_opts *ro)
{
    char x[32], y[32];
    for (uint32_t i = 0; i < a->n_tensors; i++) {
        const struct tmem_act_tensor *t = &a->tensors[i];
        if (t->state == TMEM_ACT_STATE_ABSENT || t->layer_kind != kind || !in_layer(t->part, dense, mlp_only))
            continue;
        fprintf(out, "    ");
        cell(out, t->name, 25);
        cell(out, t->shape_sym, 41);
        cell(out, t->dtype_name, 6);
        cell(out, tmem_act_split_name(t->split), 3);
        fprintf(out, "%12s %17s B%s\n", tmem__fmt_bytes(x, sizeof x, t->bytes, ro->si),
                tmem__fmt_count(y, sizeof y, t->bytes),
                t->state == TMEM_ACT_STATE_RECOMPUTED ? "  recomputed" : "");
    }
    fprintf(out, "    ");
    cell(out, what, 76);
    fprintf(out, "%12s %17s B\n", tmem__fmt_bytes(x, sizeof x, saved, ro->si),
            tmem__fmt_count(y, sizeof y, saved));
}

static void activation_lines(FILE *out, const struct tmem_train_view *v, const struct tmem_report_opts *ro)
{
    const struct tmem_act_inventory *a = v->acts;
    char x[32], y[32];
    fprintf(out, "\nactivations saved for backward, one layer and micro-batch on one GPU (b·s = %s tokens",
            tmem__fmt_count(x, sizeof x, a->tokens));
    if (a->tokens_sp != a->tokens)
        fprintf(out, "; sp tensors hold %s under sequence parallel", tmem__fmt_count(y, sizeof y, a->tokens_sp));
    fprintf(out, "):\n    %-25s%-41s%-6s%-3s%12s\n", "tensor", "shape", "dtype", "", "bytes");
    bool dense = a->dense_layers > 0;
    if (a->ssm_layers > 0) /* a hybrid: the layers below run attention, or the state-space mixer listed last */
        fprintf(out, "  (a hybrid: the attention rows are its %llu attention layers'; its %llu state-space layers run "
                     "the mixer listed last instead)\n",
                (unsigned long long)(a->dense_layers + a->moe_layers - a->ssm_layers),
                (unsigned long long)a->ssm_layers);
    if (dense) {
        fprintf(out, "  dense layer (%llu on this stage)\n", (unsigned long long)a->dense_layers);
        layer_rows(out, a, a->layer_kind, true, false, "saved by one dense layer", a->layer.total, ro);
    }
    if (a->moe_layers > 0) {
        fprintf(out, "  MoE layer (%llu on this stage)%s\n", (unsigned long long)a->moe_layers,
                dense ? ": attention, masks and checkpoint as above" : "");
        layer_rows(out, a, a->layer_kind, false, dense, "saved by one MoE layer", a->moe_layer_bytes, ro);
    }
    if (a->ssm_layers > 0) { /* a hybrid: its state-space layers' mixer */
        fprintf(out, "  state-space layer mixer (%llu such layers on this stage; their MLP block, masks and checkpoint "
                     "as above)\n",
                (unsigned long long)a->ssm_layers);
        layer_rows(out, a, TMEM_ACT_LAYER_SSM, true, false, "made by one state-space layer's mixer", a->ssm_mixer,
                   ro);
    }
}

void tmem__report_train_text(FILE *out, const struct tmem_train_view *v,
                            const struct tmem_report_opts *ro)
{
    const struct tmem_train_result *r = v->r;
    const struct tmem_ledger *peak = &v->phases[r->peak_phase];
    char a[32], b[32];
    plan_lines(out, v);
    fprintf(out, "\nper-GPU memory at the peak: %s%s\n", tmem_phase_title(r->peak_phase),
            v->opts->deepspeed_estimator ? " (DeepSpeed's estimator rules: model states only)" : "");
    tmem__report_ledger_text(out, peak, ro);
    tmem__report_verdict_text(out, peak, v->gpu, v->fit, ro);
    if (v->solution)
        solved_lines(out, v, ro);
    if (v->headroom)
        headroom_line(out, v, ro);
    if (v->fit && !v->fit->fits)
        fix_lines(out, v, ro);
    for (size_t i = 0; i < v->n_notes; i++)
        fprintf(out, "note: %s\n", v->notes[i]);
    if (v->time)
        time_lines(out, v, ro);
    else
        fprintf(out, "\ntime per step: not computed (a FLOP or byte count of one step passes 64 bits)\n");
    if (!v->opts->deepspeed_estimator)
        phases_lines(out, v, ro);
    if (v->host->n_entries > 0) {
        fprintf(out, "\nhost (CPU) memory per node%s:\n",
                v->opts->deepspeed_estimator ? "" : " rank (one GPU's share)");
        tmem__report_ledger_text(out, v->host, ro);
        fprintf(out, "  %-49s %12s  %19s B\n", "total on the host",
                tmem__fmt_bytes(a, sizeof a, v->host->total_bytes, ro->si),
                tmem__fmt_count(b, sizeof b, v->host->total_bytes));
    }
    if (v->stages) {
        fprintf(out, "\npipeline stages (peak per GPU):\n");
        for (size_t i = 0; i < v->n_stages; i++) {
            const struct tmem_train_result *s = &v->stages[i];
            fprintf(out, "  stage %-4llu %3llu layers%-10s %12s  (%s)\n",
                    (unsigned long long)s->layout.stage, (unsigned long long)s->layout.layers,
                    s->layout.first ? " +embed" : s->layout.last ? " +lm_head" : "",
                    tmem__fmt_bytes(a, sizeof a, s->peak_bytes, ro->si), tmem_phase_title(s->peak_phase));
        }
    }
    if (!v->opts->deepspeed_estimator)
        defaults_lines(out, v, ro);
    if (ro->explain && v->acts != NULL && !v->opts->deepspeed_estimator)
        activation_lines(out, v, ro);
    if (ro->explain)
        tmem__report_ledger_narrative(out, "At its peak one GPU holds", peak, ro);
}

static struct tmem_json *buckets_obj(const struct tmem_ledger *l)
{
    struct tmem_json *o = tmem__json_object();
    tmem__json_set_u64(o, "total", l->total_bytes);
    for (int b = 0; b < TMEM_BUCKET_COUNT; b++)
        tmem__json_set_u64(o, tmem_bucket_name((enum tmem_bucket)b), l->bucket_bytes[b]);
    struct tmem_json *items = tmem__json_object();
    for (uint32_t i = 0; i < l->n_entries; i++)
        tmem__json_set_u64(items, l->entries[i].label, l->entries[i].bytes);
    tmem__json_set_obj(o, "items", items);
    return o;
}

/* {micro_batch: N, fits, peak_bytes, next_micro_batch, next_peak_bytes, limit};
 * N is 0 when not even the smallest value fits */
static struct tmem_json *solution_obj(const char *what, const struct tmem_train_solution *s)
{
    struct tmem_json *o = tmem__json_object();
    char key[32];
    tmem__json_set_u64(o, what, s->value);
    tmem__json_set_bool(o, "fits", s->value != 0);
    tmem__json_set_u64(o, "peak_bytes", s->peak_bytes);
    snprintf(key, sizeof key, "next_%s", what);
    tmem__json_set_u64(o, key, s->next_value);
    if (s->next_peak_bytes == UINT64_MAX)
        tmem__json_set_str(o, "next_peak_bytes", NULL);
    else
        tmem__json_set_u64(o, "next_peak_bytes", s->next_peak_bytes);
    tmem__json_set_u64(o, "limit", s->limit);
    return o;
}

/* the names of the plan choices in bits, as a list under key */
static void set_choices(struct tmem_json *o, const char *key, uint32_t bits)
{
    const char *names[TMEM_ACT_CHOICE_COUNT];
    size_t n = 0;
    for (int ch = 0; ch < TMEM_ACT_CHOICE_COUNT; ch++)
        if (bits & (1u << ch))
            names[n++] = tmem_act_choice_name((enum tmem_act_choice)ch);
    tmem__json_set_str_list(o, key, names, n);
}

/* every tensor of the inventory, absent ones too (the filters are data) */
static struct tmem_json *activation_array(const struct tmem_act_inventory *a)
{
    struct tmem_json *arr = tmem__json_array();
    for (uint32_t i = 0; i < a->n_tensors; i++) {
        const struct tmem_act_tensor *t = &a->tensors[i];
        struct tmem_json *o = tmem__json_object();
        tmem__json_set_str(o, "name", t->name);
        tmem__json_set_str(o, "layer_kind", tmem_act_layer_kind_name(t->layer_kind));
        tmem__json_set_str(o, "part", tmem_act_part_name(t->part));
        tmem__json_set_str(o, "shape", t->shape_sym);
        tmem__json_set_str(o, "dtype", tmem_act_dtype_name(t->dtype));
        tmem__json_set_str(o, "dtype_name", t->dtype_name);
        tmem__json_set_str(o, "split", tmem_act_split_name(t->split));
        tmem__json_set_bool(o, "norm_stats", t->norm_stats);
        tmem__json_set_u64(o, "tokens", t->tokens);
        tmem__json_set_u64(o, "width", t->width);
        tmem__json_set_u64(o, "elem_bytes", t->elem_bytes);
        tmem__json_set_u64(o, "micro_batch_bytes", t->bytes); /* not "bytes": a ledger entry's key */
        tmem__json_set_str(o, "state", tmem_act_state_name(t->state));
        set_choices(o, "absent_under", t->absent_under);
        set_choices(o, "recomputed_under", t->recomputed_under);
        tmem__json_push(arr, o);
    }
    return arr;
}

/* timing {step_s, tokens_per_s, ..., comm_s {dp..ep}, exposed_s {...}} */
struct tmem_json *tmem__report_timing_json(const struct tmem_train_time *t, const struct tmem_train_time_opts *to)
{
    struct tmem_json *o = tmem__json_object();
    tmem__json_set_str(o, "gpu", to->gpu->name);
    tmem__json_set_real(o, "efficiency", to->efficiency);
    tmem__json_set_real(o, "fp8_efficiency", to->fp8_efficiency);
    tmem__json_set_real(o, "attn_efficiency", to->attn_efficiency);
    tmem__json_set_bool(o, "float8", to->float8);
    tmem__json_set_bool(o, "tp_overlap", to->tp_overlap);
    tmem__json_set_real(o, "step_s", t->step_s);
    tmem__json_set_real(o, "tokens_per_s", t->tokens_per_s);
    tmem__json_set_real(o, "tokens_per_s_per_gpu", t->tokens_per_s_per_gpu);
    tmem__json_set_real(o, "mfu", t->mfu);
    tmem__json_set_real(o, "hfu", t->hfu);
    tmem__json_set_real(o, "compute_s", t->item_s[TMEM_TT_COMPUTE]);
    tmem__json_set_real(o, "recompute_s", t->item_s[TMEM_TT_RECOMPUTE]);
    tmem__json_set_real(o, "bubble_s", t->item_s[TMEM_TT_BUBBLE]);
    tmem__json_set_real(o, "bubble_fraction", t->bubble_fraction);
    tmem__json_set_real(o, "offload_s", t->item_s[TMEM_TT_OFFLOAD]);
    if (t->rollout_batch != 0) { /* --rl */
        tmem__json_set_real(o, "rollout_s", t->rollout_s);
        tmem__json_set_real(o, "rollout_prefill_s", t->rollout_prefill_s);
        tmem__json_set_real(o, "rollout_decode_s", t->rollout_decode_s);
        tmem__json_set_real(o, "weight_sync_s", t->weight_sync_s);
        tmem__json_set_real(o, "score_s", t->score_s);
        tmem__json_set_u64(o, "rollout_batch", t->rollout_batch);
        tmem__json_set_u64(o, "rollout_prompt_tokens", t->rollout_prompt);
        tmem__json_set_u64(o, "rollout_completion_tokens", t->rollout_completion);
    }
    struct tmem_json *c = tmem__json_object(), *e = tmem__json_object();
    static const enum tmem_time_item comm[] = {TMEM_TT_DP, TMEM_TT_TP, TMEM_TT_PP, TMEM_TT_CP, TMEM_TT_EP};
    for (size_t i = 0; i < sizeof comm / sizeof comm[0]; i++) {
        tmem__json_set_real(c, tmem_time_item_name(comm[i]), t->item_s[comm[i]]);
        tmem__json_set_real(e, tmem_time_item_name(comm[i]), t->exposed_s[comm[i]]);
    }
    tmem__json_set_obj(o, "comm_s", c);
    tmem__json_set_obj(o, "exposed_comm_s", e);
    tmem__json_set_u64(o, "micro_batches", t->micro_batches);
    tmem__json_set_u64(o, "tokens_per_step", t->tokens_per_step);
    tmem__json_set_u64(o, "model_flops_per_gpu", t->model_flops);
    tmem__json_set_u64(o, "hardware_flops_per_gpu", t->hardware_flops);
    tmem__json_set_real(o, "flops_per_token", t->flops_per_token);
    return o;
}

/* the train document's timing, with --tokens' time and cost */
static struct tmem_json *timing_obj(const struct tmem_train_view *v)
{
    const struct tmem_train_time *t = v->time;
    struct tmem_json *o = tmem__report_timing_json(t, v->time_opts);
    if (v->tokens) {
        double s = tmem_train_time_for_tokens(t, v->tokens);
        double gpus = (double)(v->r->layout.dp * v->opts->tp * v->opts->pp * v->opts->cp);
        tmem__json_set_u64(o, "tokens", v->tokens);
        tmem__json_set_real(o, "train_s", s);
        tmem__json_set_real(o, "gpu_hours", s / 3600.0 * gpus);
        if (v->gpu_hour_usd >= 0.0)
            tmem__json_set_real(o, "cost_usd", s / 3600.0 * gpus * v->gpu_hour_usd);
    }
    return o;
}

struct tmem_json *tmem__report_train_json_extra(const struct tmem_train_view *v)
{
    const struct tmem_train_opts *o = v->opts;
    const struct tmem_train_result *r = v->r;
    const struct tmem_train_layout *l = &r->layout;
    struct tmem_json *x = tmem__json_object();
    if (x == NULL)
        return NULL;
    struct tmem_json *plan = tmem__json_object();
    tmem__json_set_u64(plan, "gpus", l->dp * o->tp * o->pp * o->cp);
    tmem__json_set_u64(plan, "dp", l->dp);
    tmem__json_set_u64(plan, "tp", o->tp);
    tmem__json_set_u64(plan, "pp", o->pp);
    tmem__json_set_u64(plan, "cp", o->cp);
    tmem__json_set_u64(plan, "ep", o->ep);
    tmem__json_set_u64(plan, "micro_batch", o->micro_batch);
    tmem__json_set_u64(plan, "seq", r->seq);
    if (r->target_seq != 0)
        tmem__json_set_u64(plan, "target_seq", r->target_seq);
    tmem__json_set_str(plan, "precision", tmem_precision_name(o->precision));
    tmem__json_set_str(plan, "optimizer", tmem_optimizer_name(o->optimizer));
    tmem__json_set_u64(plan, "zero", o->zero);
    tmem__json_set_str(plan, "fsdp", tmem_fsdp_name(o->fsdp));
    tmem__json_set_bool(plan, "distributed_optimizer", o->distributed_optimizer);
    tmem__json_set_bool(plan, "sequence_parallel", o->sequence_parallel);
    tmem__json_set_str(plan, "offload", tmem_offload_name(o->offload));
    tmem__json_set_str(plan, "attention", tmem_attention_name(o->attention));
    tmem__json_set_str(plan, "kernels", tmem_kernels_name(o->kernels));
    tmem__json_set_bool(plan, "dpo", o->dpo);
    if (o->dpo || o->rl != TMEM_RL_NONE)
        tmem__json_set_str(plan, "ref_model", tmem_ref_model_name(o->ref_model));
    if (o->rl != TMEM_RL_NONE) {
        struct tmem_json *rl = tmem__json_object();
        tmem__json_set_str(rl, "algorithm", tmem_rl_name(o->rl));
        if (o->rl == TMEM_RL_GRPO)
            tmem__json_set_u64(rl, "group_size", o->group_size != 0 ? o->group_size : TMEM_RL_GROUP_SIZE);
        tmem__json_set_bool(rl, "critic", o->critic);
        tmem__json_set_u64(rl, "reward_params", o->reward_params);
        tmem__json_set_u64(rl, "rollout_memory_utilization_ppm", o->rollout_util_ppm);
        tmem__json_set_u64(rl, "rollout_tp", o->rollout_tp);
        tmem__json_set_bool(rl, "rollout_sleep", o->rollout_sleep);
        tmem__json_set_u64(rl, "completion_len", tmem_train_completion_len(o, r->seq));
        tmem__json_set_obj(plan, "rl", rl);
    }
    if (o->images > 0) { /* train_vision.c: the image part of each sample */
        struct tmem_train_images ti;
        if (tmem_train_images(v->model, o, r->seq, &ti, NULL) == TMEM_OK) {
            struct tmem_json *im = tmem__json_object();
            tmem__json_set_u64(im, "images", o->images);
            tmem__json_set_u64(im, "tokens_per_image", ti.tokens_per_image);
            tmem__json_set_u64(im, "image_tokens", ti.image_tokens);
            tmem__json_set_u64(im, "text_tokens", ti.text_tokens);
            tmem__json_set_u64(im, "patches_per_image", ti.patches_per_image);
            tmem__json_set_bool(im, "tower_trained", ti.tower_trained);
            tmem__json_set_u64(im, "tower_layers_saved", ti.tower_layers);
            tmem__json_set_bool(im, "projector_trained", ti.projector_trained);
            tmem__json_set_obj(plan, "images", im);
        }
    }
    tmem__json_set_str(plan, "recompute", tmem_recompute_name(o->recompute));
    tmem__json_set_bool(plan, "dropout", r->dropout);
    tmem__json_set_bool(plan, "deepspeed_estimator", o->deepspeed_estimator);
    tmem__json_set_obj(x, "plan", plan);
    tmem__json_set_u64(x, "params_per_gpu", l->params);
    if (v->lora != NULL) {
        tmem__json_set_u64(x, "trainable_params_per_gpu", l->trainable_params);
        char names[1024];
        lora_targets(v, names, sizeof names);
        struct tmem_json *lo = tmem__json_object();
        tmem__json_set_u64(lo, "rank", o->lora_rank);
        tmem__json_set_u64(lo, "alpha", o->lora_alpha);
        tmem__json_set_str(lo, "targets", names);
        tmem__json_set_u64(lo, "dropout_ppm", o->lora_dropout_ppm);
        tmem__json_set_bool(lo, "dora", o->dora);
        tmem__json_set_str(lo, "base_quant", tmem_base_quant_name(o->base_quant));
        tmem__json_set_u64(lo, "targeted_linears", v->lora->targeted_linears);
        tmem__json_set_u64(lo, "adapter_params", v->lora->adapter_params);
        tmem__json_set_u64(lo, "saved_params", v->lora->saved_params);
        tmem__json_set_u64(lo, "trainable_params", v->lora->trainable_params);
        tmem__json_set_u64(lo, "all_params", v->lora->all_params);
        tmem__json_set_obj(x, "lora", lo);
    }
    tmem__json_set_u64(x, "pipeline_stage", l->stage);
    tmem__json_set_str(x, "peak_phase", tmem_phase_name(r->peak_phase));
    tmem__json_set_obj(x, "peak", tmem__report_peak_json(&r->peak));
    struct tmem_json *ph = tmem__json_object();
    for (int p = 0; p < TMEM_PHASE_COUNT; p++)
        if (tmem_train_phase_used(o, (enum tmem_phase)p))
            tmem__json_set_obj(ph, tmem_phase_name((enum tmem_phase)p), buckets_obj(&v->phases[p]));
    tmem__json_set_obj(x, "phases", ph);
    tmem__json_set_u64(x, "host_bytes", v->host->total_bytes);
    tmem__json_set_obj(x, "host", buckets_obj(v->host));
    struct tmem_json *d = tmem__json_object();
    tmem__json_set_u64(d, "cuda_overhead_bytes", o->cuda_overhead_bytes);
    tmem__json_set_u64(d, "fragmentation_ppm", o->fragmentation_ppm);
    tmem__json_set_u64(d, "ddp_bucket_bytes", o->ddp_bucket_bytes);
    tmem__json_set_u64(d, "reduce_bucket_size", o->ds_reduce_bucket);
    tmem__json_set_u64(d, "allgather_bucket_size", o->ds_allgather_bucket);
    tmem__json_set_u64(d, "stage3_prefetch_bucket_size", o->ds_prefetch_bucket);
    tmem__json_set_u64(d, "stage3_max_live_parameters", o->ds_max_live);
    tmem__json_set_u64(d, "ce_chunk_tokens", o->ce_chunk_tokens);
    tmem__json_set_obj(x, "defaults", d);
    struct tmem_json *fx = tmem__json_object();
    for (size_t i = 0; i < v->n_fixes; i++) {
        struct tmem_json *f = tmem__json_object();
        tmem__json_set_str(f, "lever", tmem_train_lever_name(v->fixes[i].lever));
        tmem__json_set_bool(f, "fits", v->fixes[i].fits);
        tmem__json_set_u64(f, "peak_bytes", v->fixes[i].peak_bytes);
        tmem__json_set_str(f, "cost", tmem_train_lever_cost(v->fixes[i].lever));
        if (v->fix_step_s && v->fix_step_s[i] >= 0.0) {
            tmem__json_set_real(f, "plan_step_s", v->fix_step_s[i]);
            tmem__json_set_real(f, "plan_step_s_change", v->fix_step_s[i] - v->time->step_s);
        }
        tmem__json_set_obj(fx, v->fixes[i].what, f);
    }
    tmem__json_set_obj(x, "fixes", fx);
    if (v->time)
        tmem__json_set_obj(x, "timing", timing_obj(v));
    else
        tmem__json_set_str(x, "timing", NULL);
    if (v->solution)
        tmem__json_set_obj(x, "solved", solution_obj(v->solved_for, v->solution));
    if (v->headroom)
        tmem__json_set_obj(x, "headroom", solution_obj("micro_batch", v->headroom));
    tmem__json_set_str_list(x, "notes", v->notes, v->n_notes);
    if (v->framework != TMEM_FRAMEWORK_NONE) {
        struct tmem_json *fw = tmem__json_object();
        tmem__json_set_str(fw, "name", tmem_framework_name(v->framework));
        tmem__json_set_str(fw, "description", tmem_framework_description(v->framework));
        tmem__json_set_obj(x, "framework", fw);
    }
    struct tmem_json *as = tmem__json_array();
    for (size_t i = 0; i < v->n_assumptions; i++) {
        const struct tmem_assumption *a = &v->assumptions[i];
        struct tmem_json *e = tmem__json_object();
        tmem__json_set_str(e, "flag", tmem_train_field_flag(a->field));
        tmem__json_set_str(e, "value", a->value);
        tmem__json_set_str(e, "source", a->source);
        tmem__json_set_bool(e, "overridden", a->overridden);
        tmem__json_push(as, e);
    }
    tmem__json_set_obj(x, "assumptions", as);
    if (v->stages) {
        struct tmem_json *st = tmem__json_object();
        for (size_t i = 0; i < v->n_stages; i++) {
            char key[24];
            snprintf(key, sizeof key, "%zu", i);
            tmem__json_set_u64(st, key, v->stages[i].peak_bytes);
        }
        tmem__json_set_obj(x, "stages", st);
    }
    if (v->acts != NULL)
        tmem__json_set_obj(x, "activation_tensors", activation_array(v->acts));
    return x;
}
