/* serve_pool_text.c — tmem serve of an encoder (vLLM's pooling runner,
 * serve_pool.c) as text: the engine's settings, the ledger with its
 * headroom, TTFT = E2E and queueing percentiles, throughput in requests
 * and tokens per second, the scheduler and the bottleneck. Formats only:
 * every number comes from the core's results. */
#include "report_serve.h"

#include <string.h>

static void stat_row(FILE *out, const char *name, const struct tmem_serve_stat *s)
{
    fprintf(out, "  %-11s %9.2f %9.2f %9.2f %9.2f\n", name, s->mean * 1e3, s->p50 * 1e3,
            s->p90 * 1e3, s->p99 * 1e3);
}

static double share(double part, double whole)
{
    return whole > 0 ? 100.0 * part / whole : 0.0;
}

void tmem__report_serve_pool_text(FILE *out, const struct tmem_serve_view *v,
                                 const struct tmem_report_opts *o)
{
    const struct tmem_model *m = v->model;
    const struct tmem_infer_opts *io = v->infer;
    const struct tmem_infer_result *ir = v->ir;
    const struct tmem_serve_opts *so = v->so;
    const struct tmem_serve_result *r = &v->runs[0];
    char a[32], b[32];
    fprintf(out, "%s on %s: encoder under vLLM's pooling runner, head %s, weights %s · tp %llu\n",
            m->name[0] ? m->name : "model", io->gpu->name, tmem_head_name(m->head),
            io->stored != NULL ? io->stored->name : tmem_wformat_info(io->weights)->name,
            (unsigned long long)io->tp);
    if (v->trace != NULL) {
        fprintf(out, "workload: %s requests from the trace %s\n",
                tmem__fmt_count(a, sizeof a, v->w->n_requests), v->trace);
    } else {
        char arr[64];
        if (v->w->concurrency > 0)
            snprintf(arr, sizeof arr, "closed loop of %llu in flight", (unsigned long long)v->w->concurrency);
        else
            snprintf(arr, sizeof arr, "%g req/s (gamma gaps, CV %g)", v->w->rate_per_s, v->w->burstiness_cv);
        fprintf(out, "workload: %s requests, %s, prompt mean %.1f (p50 %.0f, p99 %.0f) tokens, seed %llu\n",
                tmem__fmt_count(a, sizeof a, v->w->n_requests), arr, r->prompt_len.mean, r->prompt_len.p50,
                r->prompt_len.p99, (unsigned long long)v->w->seed);
    }
    fprintf(out, "engine: max_num_seqs %llu, max_num_batched_tokens %llu, max_model_len %llu, step overhead %g ms;\n"
                 "        no KV cache (encoder-only attention), prompts whole (no chunked prefill), no\n"
                 "        prefix caching; each request one forward, its output %llu values (%s)\n",
            (unsigned long long)so->max_num_seqs, (unsigned long long)so->max_num_batched_tokens,
            (unsigned long long)tmem_serve_pool_max_model_len(m, io), so->step_overhead_s * 1e3,
            (unsigned long long)tmem_serve_pool_output_values(m),
            m->head == TMEM_HEAD_CLS ? "class logits" : "the pooled embedding");

    fprintf(out, "\nmemory (the largest step: %llu tokens; no profile run sizes a KV pool):\n",
            (unsigned long long)so->max_num_batched_tokens);
    tmem__report_ledger_text(out, &ir->ledger, o);
    tmem__report_verdict_text_at(out, &ir->ledger, io->gpu, ir->memory_bytes, "CUDA-visible total", &ir->fit, o);
    if (ir->fit.fits)
        fprintf(out, "headroom: %s under gpu_memory_utilization %g × %s; nothing grows into it\n",
                tmem__fmt_bytes(a, sizeof a, ir->fit.margin_bytes, o->si), io->gpu_memory_utilization,
                tmem__fmt_bytes(b, sizeof b, ir->memory_bytes, o->si));

    fprintf(out, "\nlatency (ms)     mean       p50       p90       p99\n");
    stat_row(out, "TTFT = E2E", &r->ttft);
    stat_row(out, "queue wait", &r->wait);
    fprintf(out, "  (TPOT, ITL: none, nothing is decoded)\n");
    fprintf(out, "\nthroughput: %.2f req/s, %.1f tokens/s over %.3g s\n", r->req_per_s, r->total_tok_per_s,
            r->duration_s);
    if (so->slo_ttft_s > 0)
        fprintf(out, "goodput: %.2f req/s (%s of %s requests within TTFT ≤ %g ms)\n", r->goodput_req_per_s,
                tmem__fmt_count(a, sizeof a, r->good_requests), tmem__fmt_count(b, sizeof b, r->n_requests),
                so->slo_ttft_s * 1e3);
    fprintf(out, "scheduler: %s steps, peak running %llu (mean %.1f), peak waiting %llu (mean %.1f)\n",
            tmem__fmt_count(a, sizeof a, r->steps), (unsigned long long)r->peak_running, r->mean_running,
            (unsigned long long)r->peak_waiting, r->mean_waiting);
    double busy = r->busy_s;
    if (o->explain) {
        fprintf(out, "\nwhere the time went: busy %.1f %% of %.3g s; of the busy time:\n",
                share(busy, r->duration_s), r->duration_s);
        for (int i = 0; i < TMEM_STEP_BOUND_COUNT; i++)
            fprintf(out, "  %5.1f %%  %s-bound step time\n", share(r->time_s[i], busy),
                    tmem_step_bound_name((enum tmem_step_bound)i));
        fprintf(out, "  %5.1f %%  per-step overhead (--step-overhead-ms)\n",
                share(r->time_s[TMEM_SERVE_TIME_OVERHEAD], busy));
        fprintf(out, "the waiting queue's head was held back, share of the busy time:\n"
                     "  %5.1f %%  waiting for a running slot (max_num_seqs)\n"
                     "  %5.1f %%  waiting for the token budget (max_num_batched_tokens)\n",
                share(r->blocked_s[TMEM_SERVE_BLOCK_SEQS], busy), share(r->blocked_s[TMEM_SERVE_BLOCK_BUDGET], busy));
        fprintf(out, "a step: the requests it runs, each n tokens attending to its own n (n² pairs;\n"
                     "ModernBERT's local layers: their window) as tmem infer's encoder forward, costed\n"
                     "by the roofline max(FLOPs / (peak × mfu), bytes / (HBM × mbu)), plus\n"
                     "--step-overhead-ms\n");
    }
    fprintf(out, "\nbottleneck: %s\n  %s\n", tmem_serve_bottleneck_name(r->bottleneck),
            tmem_serve_bottleneck_knob(r->bottleneck));
}
