/* infer_text.c — the inference ledger as text and JSON: the ledger by
 * bucket, the verdict, the KV cache and vLLM capacity, and the roofline
 * timing with its assumptions. Formats only: every number comes from the
 * core's tmem_infer_result. */
#include "report_infer.h"

static const char *engine_name(enum tmem_engine e)
{
    switch (e) {
    case TMEM_ENGINE_VLLM: return "vllm (paged KV)";
    case TMEM_ENGINE_HF: return "hf (static cache)";
    case TMEM_ENGINE_LLAMACPP: return "llamacpp (static cache, graph launches per step)";
    case TMEM_ENGINE_SGLANG: return "sglang (token-level pool in mem_fraction_static)";
    case TMEM_ENGINE_TRTLLM: return "trtllm (paged KV, fraction of free memory)";
    case TMEM_ENGINE_COUNT: break;
    }
    return "unknown";
}

static void header(FILE *out, const struct tmem_infer_view *v)
{
    const struct tmem_infer_opts *o = v->opts;
    const struct tmem_infer_result *r = v->r;
    if (v->model->encoder) {
        fprintf(out, "%s on %s: encoder, one forward (hf, no KV cache), batch %llu × %llu tokens, head %s",
                v->model->name[0] ? v->model->name : "model", o->gpu->name,
                (unsigned long long)o->batch, (unsigned long long)o->prompt_tokens, tmem_head_name(v->model->head));
        if (v->model->head == TMEM_HEAD_CLS)
            fprintf(out, " (%llu labels)", (unsigned long long)v->model->n_labels);
        fprintf(out, "\n");
        if (o->stored != NULL)
            fprintf(out, "weights %s as stored (%s) · tp %llu\n\n", o->stored->name, o->stored->source,
                    (unsigned long long)o->tp);
        else
            fprintf(out, "weights %s · tp %llu\n\n", tmem_wformat_info(o->weights)->name,
                    (unsigned long long)o->tp);
        return;
    }
    char gpu[96];
    if (o->custom_memory)
        snprintf(gpu, sizeof gpu, "a custom %llu MiB GPU timed as %s",
                 (unsigned long long)(o->gpu->cuda_memory_bytes >> 20), o->gpu->name);
    else
        snprintf(gpu, sizeof gpu, "%s", o->gpu->name);
    char img[96] = "";
    if (o->images > 0)
        snprintf(img, sizeof img, " + %llu image", (unsigned long long)r->image_tokens);
    fprintf(out, "%s on %s: %s, batch %llu × (prompt %llu%s + gen %llu) tokens\n",
            v->model->name[0] ? v->model->name : "model", gpu, engine_name(o->engine),
            (unsigned long long)o->batch, (unsigned long long)o->prompt_tokens, img,
            (unsigned long long)o->gen_tokens);
    if (o->images > 0 && v->model->n_cross_layer > 0)
        fprintf(out, "images: %llu per request = %llu <|image|> tokens in the prompt; %llu image states "
                     "(cross-attention KV); vision tower forward %.3e FLOPs for the batch (%.2f ms of the "
                     "TTFT), peak %llu B\n",
                (unsigned long long)o->images, (unsigned long long)r->image_tokens,
                (unsigned long long)r->vision_patches, r->vision_flops, r->timing.vision_s * 1e3,
                (unsigned long long)r->vision_activation_bytes);
    else if (o->images > 0)
        fprintf(out, "images: %llu per request = %llu tokens in the prompt (KV and prefill); "
                     "vision tower %llu patches, forward %.3e FLOPs for the batch (%.2f ms of the "
                     "TTFT), peak %llu B\n",
                (unsigned long long)o->images, (unsigned long long)r->image_tokens,
                (unsigned long long)r->vision_patches, r->vision_flops, r->timing.vision_s * 1e3,
                (unsigned long long)r->vision_activation_bytes);
    if (o->stored != NULL)
        fprintf(out, "weights %s as stored (%s) · KV %s · tp %llu · pp %llu", o->stored->name,
                o->stored->source, tmem_kv_dtype_name(o->kv_dtype), (unsigned long long)o->tp,
                (unsigned long long)o->pp);
    else
        fprintf(out, "weights %s · KV %s · tp %llu · pp %llu", tmem_wformat_info(o->weights)->name,
                tmem_kv_dtype_name(o->kv_dtype), (unsigned long long)o->tp, (unsigned long long)o->pp);
    if (o->stored == NULL && o->weights == TMEM_WF_GGUF)
        fprintf(out, " (%s)", tmem_ggml_type_info(o->ggml_type)->name);
    if (o->stored == NULL && (o->weights == TMEM_WF_INT4 || o->weights == TMEM_WF_GPTQ))
        fprintf(out, " · group %llu", (unsigned long long)o->group_size);
    if (o->pp > 1)
        fprintf(out, " · worst GPU: stage %u of %llu (%llu layers)", r->worst_stage + 1,
                (unsigned long long)o->pp, (unsigned long long)r->stage_layers);
    fprintf(out, "\n\n");
}

void tmem__report_infer_text(FILE *out, const struct tmem_infer_view *v,
                            const struct tmem_report_opts *o)
{
    const struct tmem_infer_opts *io = v->opts;
    const struct tmem_infer_result *r = v->r;
    char a[32], b[32], c[32], d[32], e[32];
    const struct tmem_timing *t = &r->timing;
    header(out, v);
    tmem__report_ledger_text(out, &r->ledger, o);
    const char *which = io->custom_memory ? "custom capacity, --gpu-memory-mib"
                        : io->n_stage_memory ? "--stage-memory-mib"
                        : io->gpu->cuda_memory_derived
                            ? "CUDA-visible total, derived: nvidia-smi − 542 MiB"
                            : "CUDA-visible total";
    tmem__report_verdict_text_at(out, &r->ledger, io->gpu, r->memory_bytes, which, &r->fit, o);
    if (io->engine == TMEM_ENGINE_SGLANG)
        fprintf(out, "         (weights and KV within mem_fraction_static %.2f × %s; activations outside)\n",
                io->gpu_memory_utilization, tmem__fmt_bytes(a, sizeof a, r->memory_bytes, o->si));
    if (io->engine == TMEM_ENGINE_TRTLLM)
        fprintf(out, "         (KV: kv_cache_free_gpu_memory_fraction %.2f of the memory left free)\n",
                io->gpu_memory_utilization);
    if (io->engine == TMEM_ENGINE_VLLM)
        fprintf(out, "         (usable: --gpu-memory-utilization %.2f × %s = %s)\n",
                io->gpu_memory_utilization, tmem__fmt_bytes(a, sizeof a, r->memory_bytes, o->si),
                tmem__fmt_bytes(b, sizeof b, r->usable_bytes, o->si));
    if (r->batch_over_max_num_seqs)
        fprintf(out, "         note: --batch %llu exceeds --max-num-seqs %llu: vLLM runs %llu at once, the rest wait\n",
                (unsigned long long)io->batch, (unsigned long long)io->max_num_seqs,
                (unsigned long long)io->max_num_seqs);
    if (v->have_limits && v->max_batch > 0)
        fprintf(out, "         what fits instead: batch %llu at this length, or one sequence of %llu tokens\n",
                (unsigned long long)v->max_batch, (unsigned long long)v->max_context);
    else if (v->have_limits && v->max_context > 0)
        fprintf(out, "         what fits instead: one sequence of %llu tokens\n",
                (unsigned long long)v->max_context);
    else if (v->have_limits)
        fprintf(out, "         not even one short sequence fits: the weights alone take %s; add GPUs (--tp, --pp) or quantize (--weights)\n",
                tmem__fmt_bytes(a, sizeof a, r->weight_bytes, o->si));

    if (v->model->encoder) {
        fprintf(out, "\ntiming (roofline: mfu %.2f of %.0f TFLOP/s %s, mbu %.2f of %.0f GB/s)\n",
                io->mfu, t->compute_flops / 1e12, t->fp8_rate ? "fp8" : "bf16", io->mbu,
                io->gpu->hbm_bytes_per_s / 1e9);
        fprintf(out, "  forward %.2f ms (%s-bound) · %.1f sequences/s · %.0f tokens/s\n", t->ttft_s * 1e3,
                t->prefill_bound, t->sequences_per_s, t->tokens_per_s);
        fprintf(out, "  (assumes: every token attends to all %llu (bidirectional); weights read once per forward;%s the bf16 rate%s)\n",
                (unsigned long long)io->prompt_tokens,
                io->tp > 1 ? " 2 all-reduces per layer of α + ring bytes;" : "",
                io->weights > TMEM_WF_FP16 && !t->fp8_rate ? ", weights dequantized" : "");
        if (o->explain) {
            fprintf(out, "  forward %.3g FLOP, %.3g B\n", t->prefill_flops, t->prefill_bytes);
            tmem__report_ledger_narrative(out, "This GPU holds", &r->ledger, o);
        }
        return;
    }
    const struct tmem_kv_layout *kv = &r->kv;
    fprintf(out, "\nKV cache\n  %s B per token on this GPU = %s\n",
            tmem__fmt_count(a, sizeof a, kv->bytes_per_token), kv->formula);
    if (kv->fixed_bytes)
        fprintf(out, "  + %s B of per-layer scales = %s\n", tmem__fmt_count(a, sizeof a, kv->fixed_bytes),
                kv->fixed_formula);
    if (kv->ssm_layers)
        fprintf(out, "  + %s B of SSM state per sequence, whatever its length = %s\n",
                tmem__fmt_count(a, sizeof a, kv->state_bytes_per_seq), kv->state_formula);
    if (kv->cross_bytes_per_token && v->model->n_cross_layer > 0)
        fprintf(out, "  over the %llu self-attention layers; the %llu cross-attention layers keep the keys and\n"
                     "  values of the %llu image states (tiles × (patches + 1)) instead, fixed per request:\n"
                     "  %s B per image state = %s\n",
                (unsigned long long)(v->model->n_layer - v->model->n_cross_layer),
                (unsigned long long)v->model->n_cross_layer, (unsigned long long)r->vision_patches,
                tmem__fmt_count(a, sizeof a, kv->cross_bytes_per_token), kv->cross_formula);
    else if (kv->cross_bytes_per_token)
        fprintf(out, "  the decoder's self-attention, over its %llu generated tokens; cross-attention over the\n"
                     "  encoder's %llu tokens, fixed: %s B per encoder token = %s\n",
                (unsigned long long)r->tokens_per_seq, (unsigned long long)io->prompt_tokens,
                tmem__fmt_count(a, sizeof a, kv->cross_bytes_per_token), kv->cross_formula);
    if (kv->n_layer_window)
        fprintf(out, "  %llu sliding-window layers keep at most %llu tokens\n",
                (unsigned long long)kv->n_layer_window, (unsigned long long)kv->window_tokens);
    if (tmem_engine_paged(io->engine)) {
        if (r->attn_block_tokens)
            fprintf(out, "  paged (vLLM hybrid: one page size): attention blocks of %llu tokens, each page holding "
                         "one layer's SSM state (%s B, padded to %s B);\n"
                         "    %llu attention + %llu mamba groups of %llu layers: %llu blocks per sequence\n",
                    (unsigned long long)r->attn_block_tokens,
                    tmem__fmt_count(a, sizeof a, kv->state_bytes_per_layer),
                    tmem__fmt_count(b, sizeof b, r->attn_block_tokens * kv->bytes_per_token_layer),
                    (unsigned long long)r->kv_attn_groups, (unsigned long long)r->kv_state_groups,
                    (unsigned long long)r->group_layers, (unsigned long long)r->blocks_per_seq);
        else if (kv->ssm_layers)
            fprintf(out, "  paged (vLLM MambaSpec): one block of %llu layers' state per sequence\n",
                    (unsigned long long)r->group_layers);
        else if (r->kv_groups > 1 || kv->n_layer_window)
            fprintf(out, "  paged (hybrid allocator, %llu groups of %llu layers): %llu blocks of %llu tokens per sequence,\n"
                         "    %s beyond the exact KV (rounding; a sliding group holds window − 1 + batched tokens + 1 block)\n",
                    (unsigned long long)r->kv_groups, (unsigned long long)r->group_layers,
                    (unsigned long long)r->blocks_per_seq, (unsigned long long)io->block_size,
                    tmem__fmt_bytes(a, sizeof a, r->kv_waste_bytes, o->si));
        else
            fprintf(out, "  paged: %llu blocks of %llu tokens per sequence, %s lost to rounding\n",
                    (unsigned long long)r->blocks_per_seq, (unsigned long long)io->block_size,
                    tmem__fmt_bytes(a, sizeof a, r->kv_waste_bytes, o->si));
        fprintf(out, "  %s pool: %s budget → %s blocks of %s → %s tokens → %s concurrent sequences of %llu tokens\n",
                io->engine == TMEM_ENGINE_VLLM ? "vLLM" : tmem_engine_name(io->engine),
                tmem__fmt_bytes(a, sizeof a, r->kv_budget_bytes, o->si),
                tmem__fmt_count(b, sizeof b, r->kv_blocks),
                tmem__fmt_bytes(c, sizeof c, r->block_bytes, o->si),
                tmem__fmt_count(d, sizeof d, r->capacity_tokens),
                tmem__fmt_count(e, sizeof e, r->max_concurrent_sequences),
                (unsigned long long)r->tokens_per_seq);
        if (r->max_concurrent_sequences == io->max_num_seqs)
            fprintf(out, "  (concurrency capped by --max-num-seqs %llu)\n",
                    (unsigned long long)io->max_num_seqs);
    }

    if (r->n_stages > 1) {
        fprintf(out, "\npipeline stages\n  %-6s %-9s %12s %12s %12s %12s %12s\n", "stage", "layers",
                "weights", "total", "usable", "KV budget", "KV tokens");
        for (uint32_t s = 0; s < r->n_stages; s++) {
            const struct tmem_stage_summary *st = &r->stages[s];
            char l[24];
            snprintf(l, sizeof l, "%llu-%llu", (unsigned long long)st->first_layer,
                     (unsigned long long)(st->first_layer + st->layers - 1));
            fprintf(out, "  %-6u %-9s %12s %12s %12s %12s %12s\n", s + 1, l,
                    tmem__fmt_bytes(a, sizeof a, st->weight_bytes, o->si),
                    tmem__fmt_bytes(b, sizeof b, st->total_bytes, o->si),
                    tmem__fmt_bytes(c, sizeof c, st->usable_bytes, o->si),
                    tmem__fmt_bytes(d, sizeof d, st->kv_budget_bytes, o->si),
                    tmem__fmt_count(e, sizeof e, st->capacity_tokens));
        }
    }

    if (r->timing_unmodelled) {
        fprintf(out, "\ntiming: not modelled for an encoder-decoder (the roofline's steps are one stack's)\n");
        if (o->explain)
            tmem__report_ledger_narrative(out, "This GPU holds", &r->ledger, o);
        return;
    }
    fprintf(out, "\ntiming (roofline: mfu %.2f of %.0f TFLOP/s %s, mbu %.2f of %.0f GB/s)\n",
            io->mfu, t->compute_flops / 1e12, t->fp8_rate ? "fp8" : "bf16", io->mbu,
            io->gpu->hbm_bytes_per_s / 1e9);
    fprintf(out, "  TTFT %.3f s (%s-bound) · TPOT %.2f ms (%s-bound) · %.1f tokens/s per request, %.0f in all\n",
            t->ttft_s, t->prefill_bound, t->tpot_s * 1e3, t->decode_bound,
            t->decode_tokens_per_s_per_request, t->decode_tokens_per_s);
    if (t->ridge_batch > 0)
        fprintf(out, "  end to end %.2f s · decode turns compute-bound at batch ≈ %.0f\n", t->e2e_s,
                t->ridge_batch);
    else
        fprintf(out, "  end to end %.2f s · decode stays memory-bound at every batch (KV reads grow as fast as FLOPs)\n",
                t->e2e_s);
    fprintf(out, "  (assumes: decode at context prompt + gen/2; weights read once per step%s; KV read per sequence;%s %s rate%s)\n",
            v->model->n_expert ? ", experts E·(1 − (1 − k/E)^b) of E" : "",
            io->tp > 1 ? " 2 all-reduces per layer of α + ring bytes;" : "",
            t->fp8_rate ? "fp8 weights at the fp8" : "the bf16",
            io->weights > TMEM_WF_FP16 && !t->fp8_rate ? ", weights dequantized" : "");
    if (r->roofline.launch_s > 0)
        fprintf(out, "  + %.2f ms a step of llama.cpp graph launches: %llu layers × %d nodes × %.1f µs\n",
                r->roofline.launch_s * 1e3, (unsigned long long)v->model->n_layer,
                TMEM_LLAMACPP_NODES_PER_LAYER, TMEM_LLAMACPP_NODE_S * 1e6);
    if (o->explain) {
        fprintf(out, "  prefill %.3g FLOP, %.3g B · decode step %.3g FLOP, %.3g B", t->prefill_flops,
                t->prefill_bytes, t->decode_flops, t->decode_bytes);
        if (io->tp > 1)
            fprintf(out, " · all-reduce %.3g s per step", t->comm_s_per_token);
        fprintf(out, "\n");
        if (io->images > 0)
            fprintf(out, "  vision step before the prefill: max(FLOPs / tp / (peak·mfu), %llu B of "
                         "tower weights / (HBM·mbu)) = %.3g s; FLOPs %s\n",
                    (unsigned long long)r->vision_weight_bytes, t->vision_s,
                    r->vision_flops_formula);
        tmem__report_ledger_narrative(out, "This GPU holds", &r->ledger, o);
    }
}

int tmem__report_infer_json(FILE *out, const struct tmem_infer_view *v)
{
    const struct tmem_infer_opts *io = v->opts;
    const struct tmem_infer_result *r = v->r;
    struct tmem_json *x = tmem__json_object();
    if (x == NULL)
        return -1;
    struct tmem_json *s = tmem__json_object();
    tmem__json_set_str(s, "engine", tmem_engine_name(io->engine));
    tmem__json_set_u64(s, "batch", io->batch);
    tmem__json_set_u64(s, "prompt_tokens", io->prompt_tokens);
    tmem__json_set_u64(s, "gen_tokens", io->gen_tokens);
    tmem__json_set_str(s, "weights", io->stored != NULL          ? io->stored->name
                                    : io->weights == TMEM_WF_GGUF ? tmem_ggml_type_info(io->ggml_type)->name
                                                                  : tmem_wformat_info(io->weights)->name);
    tmem__json_set_str(s, "weights_source", io->stored != NULL ? io->stored->source
                                           : v->weights_source ? v->weights_source : "default");
    tmem__json_set_str(s, "kv_dtype", tmem_kv_dtype_name(io->kv_dtype));
    tmem__json_set_u64(s, "tp", io->tp);
    tmem__json_set_u64(s, "pp", io->pp);
    tmem__json_set_real(s, "gpu_memory_utilization", io->gpu_memory_utilization);
    tmem__json_set_u64(s, "block_size", io->block_size);
    tmem__json_set_u64(s, "max_num_batched_tokens", io->max_num_batched_tokens);
    tmem__json_set_u64(s, "max_num_seqs", io->max_num_seqs);
    tmem__json_set_u64(s, "cuda_context_bytes", r->non_torch_bytes);
    tmem__json_set_real(s, "allreduce_latency_s", io->allreduce_latency_s);
    tmem__json_set_u64(s, "cuda_graph_bytes", io->cuda_graph_bytes);
    tmem__json_set_str(s, "attention", io->flash ? "flash" : "naive");
    tmem__json_set_real(s, "mfu", io->mfu);
    tmem__json_set_real(s, "mbu", io->mbu);
    tmem__json_set_obj(x, "settings", s);
    tmem__json_set_u64(x, "worst_stage", r->worst_stage);
    tmem__json_set_u64(x, "usable_bytes", r->usable_bytes);
    tmem__json_set_u64(x, "capacity_memory_bytes", r->memory_bytes);
    tmem__json_set_str(x, "capacity_memory", io->custom_memory ? "custom" : io->n_stage_memory ? "stage"
                                            : io->gpu->cuda_memory_derived ? "cuda_derived" : "cuda");
    tmem__json_set_bool(x, "batch_over_max_num_seqs", r->batch_over_max_num_seqs);

    struct tmem_json *k = tmem__json_object();
    tmem__json_set_u64(k, "bytes_per_token", r->kv.bytes_per_token);
    tmem__json_set_u64(k, "bytes_per_token_layer", r->kv.bytes_per_token_layer);
    tmem__json_set_u64(k, "kv_heads_per_gpu", r->kv.kv_heads_per_gpu);
    tmem__json_set_u64(k, "sliding_window_layers", r->kv.n_layer_window);
    if (r->kv.cross_bytes_per_token) /* encoder–decoders: over the encoder's tokens */
        tmem__json_set_u64(k, "cross_bytes_per_token", r->kv.cross_bytes_per_token);
    if (r->kv.ssm_layers) {
        tmem__json_set_u64(k, "ssm_layers", r->kv.ssm_layers);
        tmem__json_set_u64(k, "ssm_state_bytes_per_sequence", r->kv.state_bytes_per_seq);
        tmem__json_set_u64(k, "ssm_state_bytes_per_layer", r->kv.state_bytes_per_layer);
    }
    if (r->attn_block_tokens) {
        tmem__json_set_u64(k, "attention_block_tokens", r->attn_block_tokens);
        tmem__json_set_u64(k, "attention_groups", r->kv_attn_groups);
        tmem__json_set_u64(k, "state_groups", r->kv_state_groups);
    }
    tmem__json_set_u64(k, "tokens_per_sequence", r->tokens_per_seq);
    tmem__json_set_u64(k, "request_bytes", r->kv_request_bytes);
    tmem__json_set_u64(k, "blocks_per_sequence", r->blocks_per_seq);
    tmem__json_set_u64(k, "block_bytes", r->block_bytes);
    tmem__json_set_u64(k, "budget_bytes", r->kv_budget_bytes);
    tmem__json_set_u64(k, "blocks", r->kv_blocks);
    tmem__json_set_u64(k, "pool_bytes", r->kv_pool_bytes);
    tmem__json_set_u64(k, "capacity_tokens", r->capacity_tokens);
    tmem__json_set_u64(k, "max_concurrent_sequences", r->max_concurrent_sequences);
    tmem__json_set_u64(k, "groups", r->kv_groups);
    tmem__json_set_u64(k, "group_layers", r->group_layers);
    tmem__json_set_obj(x, "kv_cache", k);
    tmem__json_set_obj(x, "peak", tmem__report_peak_json(&r->peak));
    if (io->images > 0) {
        struct tmem_json *im = tmem__json_object();
        tmem__json_set_u64(im, "per_request", io->images);
        tmem__json_set_u64(im, "image_height", io->image_h);
        tmem__json_set_u64(im, "image_width", io->image_w);
        tmem__json_set_u64(im, "tokens_per_sequence", r->image_tokens);
        tmem__json_set_u64(im, "vision_patches_per_sequence", r->vision_patches);
        tmem__json_set_u64(im, "vision_activation_bytes", r->vision_activation_bytes);
        tmem__json_set_real(im, "vision_flops", r->vision_flops);
        tmem__json_set_str(im, "vision_flops_formula", r->vision_flops_formula);
        tmem__json_set_u64(im, "vision_weight_bytes", r->vision_weight_bytes);
        tmem__json_set_real(im, "vision_s", r->timing.vision_s);
        tmem__json_set_obj(x, "images", im);
    }
    tmem__json_set_str_list(x, "notes", v->notes, v->n_notes);

    const struct tmem_timing *t = &r->timing;
    if (r->timing_unmodelled) { /* encoder–decoders */
        tmem__json_set_null(x, "timing");
        if (v->have_limits) {
            tmem__json_set_u64(x, "max_batch", v->max_batch);
            tmem__json_set_u64(x, "max_context", v->max_context);
        }
        return tmem__report_ledger_json(out, "infer", v->model, &r->ledger, io->gpu, &r->fit, x);
    }
    struct tmem_json *tj = tmem__json_object();
    tmem__json_set_real(tj, "ttft_s", t->ttft_s);
    tmem__json_set_real(tj, "tpot_s", t->tpot_s);
    tmem__json_set_real(tj, "decode_tokens_per_s", t->decode_tokens_per_s);
    tmem__json_set_real(tj, "decode_tokens_per_s_per_request", t->decode_tokens_per_s_per_request);
    tmem__json_set_real(tj, "e2e_s", t->e2e_s);
    tmem__json_set_real(tj, "ridge_batch", t->ridge_batch);
    if (v->model->encoder) {
        tmem__json_set_real(tj, "sequences_per_s", t->sequences_per_s);
        tmem__json_set_real(tj, "tokens_per_s", t->tokens_per_s);
    }
    tmem__json_set_real(tj, "prefill_flops", t->prefill_flops);
    tmem__json_set_real(tj, "decode_flops", t->decode_flops);
    tmem__json_set_real(tj, "decode_bytes", t->decode_bytes);
    tmem__json_set_str(tj, "prefill_bound", t->prefill_bound);
    tmem__json_set_str(tj, "decode_bound", t->decode_bound);
    tmem__json_set_real(tj, "compute_flops", t->compute_flops);
    tmem__json_set_real(tj, "comm_s_per_step", t->comm_s_per_token);
    tmem__json_set_obj(x, "timing", tj);
    if (v->have_limits) {
        tmem__json_set_u64(x, "max_batch", v->max_batch);
        tmem__json_set_u64(x, "max_context", v->max_context);
    }
    return tmem__report_ledger_json(out, "infer", v->model, &r->ledger, io->gpu, &r->fit, x);
}
