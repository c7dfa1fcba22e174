/* serve_text.c — tmem serve's runs as text and JSON: the workload and the
 * engine, latency percentiles, throughput and goodput, the scheduler's
 * peaks, where the busy time went, and the bottleneck with its knob; for a
 * sweep, latency against rate and the knee. Formats only: every number comes
 * from the core's tmem_serve_result and tmem_infer_result. */
#include "report_serve.h"

#include <math.h>
#include <string.h>

static void dist_text(char *buf, size_t cap, const struct tmem_serve_dist *d)
{
    switch (d->kind) {
    case TMEM_SERVE_DIST_FIXED: snprintf(buf, cap, "%.0f", d->a); break;
    case TMEM_SERVE_DIST_UNIFORM: snprintf(buf, cap, "uniform %.0f..%.0f", d->a, d->b); break;
    case TMEM_SERVE_DIST_NORMAL: snprintf(buf, cap, "normal(%g, %g)", d->a, d->b); break;
    case TMEM_SERVE_DIST_LOGNORMAL: snprintf(buf, cap, "lognormal(%g, %g)", d->a, d->b); break;
    case TMEM_SERVE_DIST_SHAREGPT: snprintf(buf, cap, "sharegpt"); break;
    case TMEM_SERVE_DIST_COUNT: snprintf(buf, cap, "?"); break;
    }
}

static void arrivals_text(char *buf, size_t cap, const struct tmem_serve_workload *w, double rate)
{
    if (w->concurrency > 0)
        snprintf(buf, cap, "closed loop, %llu in flight", (unsigned long long)w->concurrency);
    else if (w->burstiness_cv == 1)
        snprintf(buf, cap, "Poisson at %g req/s", rate);
    else
        snprintf(buf, cap, "gamma gaps (CV %g, shape %g) at %g req/s", w->burstiness_cv,
                 tmem_serve_gamma_shape(w->burstiness_cv), rate);
}

static const char *engine_text(enum tmem_engine e)
{
    switch (e) {
    case TMEM_ENGINE_VLLM: return "vLLM V1 scheduler";
    case TMEM_ENGINE_SGLANG: return "SGLang scheduler";
    case TMEM_ENGINE_TRTLLM: return "TensorRT-LLM in-flight batching";
    case TMEM_ENGINE_LLAMACPP: return "llama.cpp server (a slot per --max-num-seqs)";
    case TMEM_ENGINE_HF:
    case TMEM_ENGINE_COUNT: break;
    }
    return "?";
}

static void header(FILE *out, const struct tmem_serve_view *v)
{
    const struct tmem_infer_opts *io = v->infer;
    const struct tmem_serve_opts *so = v->so;
    char a[32], b[32], p[64], q[64], arr[96];
    dist_text(p, sizeof p, &v->w->prompt);
    dist_text(q, sizeof q, &v->w->output);
    fprintf(out, "%s on %s: %s, weights %s · KV %s · tp %llu · pp %llu\n",
            v->model->name[0] ? v->model->name : "model", io->gpu->name,
            engine_text(io->engine),
            io->weights == TMEM_WF_GGUF ? tmem_ggml_type_info(io->ggml_type)->name
                                        : tmem_wformat_info(io->weights)->name,
            tmem_kv_dtype_name(io->kv_dtype), (unsigned long long)io->tp,
            (unsigned long long)io->pp);
    if (v->cmp != NULL) {
        const struct tmem__bench_run *c = v->cmp;
        arrivals_text(arr, sizeof arr, v->w, v->w->rate_per_s);
        fprintf(out, "workload: %s requests replayed from %s (%s%s%s): %s,\n"
                     "          %s\n",
                tmem__fmt_count(a, sizeof a, v->w->n_requests), v->compare ? v->compare : v->trace, c->format,
                c->model_id[0] ? ", " : "", c->model_id, arr,
                c->reqs ? "lengths per request (input_lens, output_lens)"
                        : "lengths: the file's means (total tokens / completed; no per-request lengths)");
        if (c->request_rate > 0 && c->max_concurrency > 0)
            fprintf(out, "          (its --max-concurrency %llu with a finite rate is not modelled: open loop)\n",
                    (unsigned long long)c->max_concurrency);
        if (c->request_rate > 0)
            fprintf(out, "          (arrival times are not in the file: drawn at its rate with --seed %llu)\n",
                    (unsigned long long)v->w->seed);
    } else if (v->trace != NULL) {
        fprintf(out, "workload: %s requests from the trace %s\n",
                tmem__fmt_count(a, sizeof a, v->w->n_requests), v->trace);
    } else if (v->rates == NULL) {
        arrivals_text(arr, sizeof arr, v->w, v->w->rate_per_s);
        fprintf(out, "workload: %s requests, %s, prompt %s, output %s tokens, seed %llu\n",
                tmem__fmt_count(a, sizeof a, v->w->n_requests), arr, p, q,
                (unsigned long long)v->w->seed);
    } else {
        fprintf(out, "workload: %s requests per rate, prompt %s, output %s tokens, seed %llu\n",
                tmem__fmt_count(a, sizeof a, v->w->n_requests), p, q, (unsigned long long)v->w->seed);
    }
    if (v->cmp == NULL && v->trace == NULL) {
        bool sp = v->w->prompt.kind == TMEM_SERVE_DIST_SHAREGPT;
        bool sq = v->w->output.kind == TMEM_SERVE_DIST_SHAREGPT;
        if (sp || sq) {
            char m[64];
            if (sp && sq)
                snprintf(m, sizeof m, "prompt %.1f, output %.1f tokens", TMEM_SERVE_SHAREGPT_PROMPT_MEAN,
                         TMEM_SERVE_SHAREGPT_OUTPUT_MEAN);
            else
                snprintf(m, sizeof m, "%s %.1f tokens", sp ? "prompt" : "output",
                         sp ? TMEM_SERVE_SHAREGPT_PROMPT_MEAN : TMEM_SERVE_SHAREGPT_OUTPUT_MEAN);
            fprintf(out, "          sharegpt lengths: 4 + geometric, fitted under vllm bench serve's filter\n"
                         "          (prompt 4..1024, output >= 4, the pair <= 2048) to the published means,\n"
                         "          %s, of\n", m);
            const char *src = tmem_serve_sharegpt_source(), *e;
            while ((e = strstr(src, "; ")) != NULL) { /* a line per part */
                fprintf(out, "            %.*s\n", (int)(e - src), src);
                src = e + 2;
            }
            fprintf(out, "            %s\n", src);
        }
        const struct tmem_serve_result *r = &v->runs[0];
        if (v->w->prompt.kind != TMEM_SERVE_DIST_FIXED || v->w->output.kind != TMEM_SERVE_DIST_FIXED)
            fprintf(out, "          drawn: prompt mean %.1f, p50 %.0f, p99 %.0f; output mean %.1f, p50 %.0f, "
                         "p99 %.0f tokens\n",
                    r->prompt_len.mean, r->prompt_len.p50, r->prompt_len.p99, r->output_len.mean,
                    r->output_len.p50, r->output_len.p99);
    }
    fprintf(out, "engine: max_num_seqs %llu, max_num_batched_tokens %llu, step overhead %g ms,\n"
                 "        KV pool %s blocks of %llu tokens (tmem infer)\n",
            (unsigned long long)so->max_num_seqs, (unsigned long long)so->max_num_batched_tokens,
            so->step_overhead_s * 1e3, tmem__fmt_count(b, sizeof b, so->kv_blocks),
            (unsigned long long)so->block_size);
    fprintf(out, "        %s steps, %s%s%s\n", tmem_serve_schedule_name(so->schedule),
            so->chunked_prefill ? "chunked prefill" : "prompts whole (no chunked prefill)",
            so->reserve_output ? ", blocks for the whole output reserved at admission" : "",
            so->prefix_hit > 0 ? ", prefix-cache hits" : "");
    if (so->prefix_hit > 0)
        fprintf(out, "        prefix cache: %g of each prompt (whole blocks) cached, its blocks shared\n",
                so->prefix_hit);
    if (so->images > 0) {
        const struct tmem_mm_budget *mb = &v->ir->mm;
        fprintf(out, "images: %llu per request × %llu tokens, at the prompt's start; vLLM's encoder budget\n"
                     "        %llu tokens a step = its encoder cache (max(max_num_batched_tokens, the largest\n"
                     "        image's %llu)); its profile encoded %llu images: %s of embeddings, each\n"
                     "        padded to the budget, held through the text forward\n",
                (unsigned long long)so->images, (unsigned long long)so->image_tokens,
                (unsigned long long)so->encoder_budget_tokens,
                (unsigned long long)mb->max_tokens_per_item, (unsigned long long)mb->profile_items,
                tmem__fmt_bytes(b, sizeof b, v->ir->encoder_cache_bytes, false));
        fprintf(out, "        encoder runs %llu, %.3f s of the busy time\n",
                (unsigned long long)v->runs[0].encoder_runs, v->runs[0].vision_s);
    }
    if (v->ir->roofline.launch_s > 0)
        fprintf(out, "        + %.2f ms a step of llama.cpp graph launches (tmem infer --engine llamacpp)\n",
                v->ir->roofline.launch_s * 1e3);
}

static void stat_row(FILE *out, const char *name, const struct tmem_serve_stat *s)
{
    fprintf(out, "  %-11s %9.2f %9.2f %9.2f %9.2f\n", name, s->mean * 1e3, s->p50 * 1e3,
            s->p90 * 1e3, s->p99 * 1e3);
}

static double share(double part, double whole)
{
    return whole > 0 ? 100.0 * part / whole : 0.0;
}

static void one_run(FILE *out, const struct tmem_serve_view *v, const struct tmem_report_opts *o)
{
    const struct tmem_serve_result *r = &v->runs[0];
    const struct tmem_serve_opts *so = v->so;
    char a[32], b[32], c[32];
    fprintf(out, "\nlatency (ms)     mean       p50       p90       p99\n");
    stat_row(out, "TTFT", &r->ttft);
    stat_row(out, "TPOT", &r->tpot);
    stat_row(out, "ITL", &r->itl);
    stat_row(out, "E2E", &r->e2e);
    stat_row(out, "queue wait", &r->wait);
    fprintf(out, "\nthroughput: %.2f req/s, %.1f output tok/s, %.1f total tok/s over %.2f s\n",
            r->req_per_s, r->output_tok_per_s, r->total_tok_per_s, r->duration_s);
    if (so->slo_ttft_s > 0 || so->slo_tpot_s > 0)
        fprintf(out, "goodput: %.2f req/s (%s of %s requests within TTFT ≤ %g ms, TPOT ≤ %g ms)\n",
                r->goodput_req_per_s, tmem__fmt_count(a, sizeof a, r->good_requests),
                tmem__fmt_count(b, sizeof b, r->n_requests), so->slo_ttft_s * 1e3,
                so->slo_tpot_s * 1e3);
    else
        fprintf(out, "goodput: %.2f req/s (no SLO given: --slo-ttft-ms, --slo-tpot-ms)\n",
                r->goodput_req_per_s);
    fprintf(out, "scheduler: %s steps, peak running %llu (mean %.1f), peak waiting %llu (mean %.1f), "
                 "preemptions %llu\n",
            tmem__fmt_count(a, sizeof a, r->steps), (unsigned long long)r->peak_running,
            r->mean_running, (unsigned long long)r->peak_waiting, r->mean_waiting,
            (unsigned long long)r->preemptions);
    fprintf(out, "KV pool: peak %s of %s blocks (%.0f %%), mean %.0f %%\n",
            tmem__fmt_count(b, sizeof b, r->peak_kv_blocks), tmem__fmt_count(c, sizeof c, r->kv_blocks),
            share((double)r->peak_kv_blocks, (double)r->kv_blocks),
            share(r->mean_kv_blocks, (double)r->kv_blocks));
    const struct tmem_serve_series *ts = &r->series;
    fprintf(out, "over time (%u intervals of %.3g s, JSON timeline): the queue averaged at most %.1f\n"
                 "  (from %.3g s), the running batch %.1f (from %.3g s), the KV pool %.0f %% (from %.3g s)\n",
            ts->n, ts->interval_s, ts->waiting[ts->peak_waiting], ts->peak_waiting * ts->interval_s,
            ts->running[ts->peak_running], ts->peak_running * ts->interval_s,
            share(ts->kv_blocks[ts->peak_kv], (double)r->kv_blocks), ts->peak_kv * ts->interval_s);
    if (o->explain)
        return;
    fprintf(out, "\nbottleneck: %s\n  %s\n", tmem_serve_bottleneck_name(r->bottleneck),
            tmem_serve_bottleneck_knob(r->bottleneck));
}

/* --explain: the bottleneck first, then why: where the busy time went and
 * what held the queue back */
static void explain(FILE *out, const struct tmem_serve_view *v)
{
    const struct tmem_serve_result *r = &v->runs[0];
    fprintf(out, "\nbottleneck: %s\n  %s\n", tmem_serve_bottleneck_name(r->bottleneck),
            tmem_serve_bottleneck_knob(r->bottleneck));
    double busy = r->busy_s;
    fprintf(out, "\nwhere the time went: busy %.1f %% of %.2f s; of the busy time:\n",
            share(busy, r->duration_s), r->duration_s);
    for (int i = 0; i < TMEM_STEP_BOUND_COUNT; i++)
        fprintf(out, "  %5.1f %%  %s-bound step time\n", share(r->time_s[i], busy),
                tmem_step_bound_name((enum tmem_step_bound)i));
    fprintf(out, "  %5.1f %%  per-step overhead (--step-overhead-ms, graph launches)\n",
            share(r->time_s[TMEM_SERVE_TIME_OVERHEAD], busy));
    fprintf(out, "  %5.1f %%  compute-bound steps with prefill tokens\n",
            share(r->prefill_compute_s, busy));
    static const char *const why[TMEM_SERVE_BLOCK_COUNT] = {
        [TMEM_SERVE_BLOCK_KV] = "KV blocks", [TMEM_SERVE_BLOCK_SEQS] = "a running slot (max_num_seqs)",
        [TMEM_SERVE_BLOCK_BUDGET] = "the token budget (max_num_batched_tokens)"};
    fprintf(out, "the waiting queue's head was held back, share of the busy time:\n");
    for (int i = 0; i < TMEM_SERVE_BLOCK_COUNT; i++)
        fprintf(out, "  %5.1f %%  waiting for %s\n", share(r->blocked_s[i], busy), why[i]);
    fprintf(out, "rule: a reason that held the queue back over 5 %% of the busy time is the\n"
                 "bottleneck (the largest); else KV capacity if any request was preempted; else\n"
                 "what bounded the most step time. Steps are the infer roofline of each step's\n"
                 "batch (tmem infer --explain) plus the per-step overhead.\n");
}

static void compare_rows(FILE *out, const struct tmem_serve_measured *m, const struct tmem_serve_result *r,
                         const char *what)
{
    fprintf(out, "  %-28s %12s %12s %9s\n", "metric", "measured", what, "error");
    for (int k = 0; k < TMEM_SERVE_METRIC_COUNT; k++) {
        double meas = m->v[k], pred = tmem_serve_metric_of(r, (enum tmem_serve_metric)k);
        if (!isfinite(meas))
            continue;
        if (meas > 0)
            fprintf(out, "  %-28s %12.2f %12.2f %+8.1f %%\n", tmem_serve_metric_name((enum tmem_serve_metric)k),
                    meas, pred, 100 * (pred / meas - 1));
        else
            fprintf(out, "  %-28s %12.2f %12.2f %9s\n", tmem_serve_metric_name((enum tmem_serve_metric)k), meas,
                    pred, "-");
    }
}

static void compare(FILE *out, const struct tmem_serve_view *v)
{
    fprintf(out, "\ncompared with %s (ms, req/s, tok/s):\n", v->compare);
    compare_rows(out, &v->cmp->measured, &v->runs[0], "tmem");
    const struct tmem_serve_fit *f = v->fit;
    if (f == NULL)
        return;
    fprintf(out, "\ncalibrated: --mfu %.3f --mbu %.3f --step-overhead-ms %.3f (%u runs); the rms log error\n"
                 "over %u metrics went from %.3f to %.3f (about %.0f %% to %.0f %% off on average):\n",
            f->mfu, f->mbu, f->step_overhead_s * 1e3, f->evaluations, f->n_metrics,
            f->rms_log_error_before, f->rms_log_error, 100 * (exp(f->rms_log_error_before) - 1),
            100 * (exp(f->rms_log_error) - 1));
    compare_rows(out, &v->cmp->measured, &f->r, "fitted");
}

static void sweep(FILE *out, const struct tmem_serve_view *v)
{
    const struct tmem_serve_opts *so = v->so;
    fprintf(out, "\n  rate   TTFT p50   TTFT p99   TPOT p50   TPOT p99    E2E p50   output    goodput\n"
                 " req/s         ms         ms         ms         ms         ms    tok/s      req/s\n");
    for (size_t i = 0; i < v->n_runs; i++) {
        const struct tmem_serve_result *r = &v->runs[i];
        fprintf(out, "%6g %10.1f %10.1f %10.2f %10.2f %10.1f %8.0f %10.2f%s\n", v->rates[i],
                r->ttft.p50 * 1e3, r->ttft.p99 * 1e3, r->tpot.p50 * 1e3, r->tpot.p99 * 1e3,
                r->e2e.p50 * 1e3, r->output_tok_per_s, r->goodput_req_per_s,
                v->have_knee && i == v->knee ? "  ← knee" : "");
    }
    char lim[96] = "";
    if (so->slo_ttft_s > 0)
        snprintf(lim, sizeof lim, "p99 TTFT ≤ %g ms%s", so->slo_ttft_s * 1e3,
                 so->slo_tpot_s > 0 ? " and " : "");
    if (so->slo_tpot_s > 0)
        snprintf(lim + strlen(lim), sizeof lim - strlen(lim), "p99 TPOT ≤ %g ms", so->slo_tpot_s * 1e3);
    if (lim[0] == '\0')
        fprintf(out, "\nknee: give --slo-ttft-ms and/or --slo-tpot-ms to find the highest rate meeting them\n");
    else if (v->have_knee)
        fprintf(out, "\nknee: %g req/s, the highest rate swept with %s\n", v->rates[v->knee], lim);
    else
        fprintf(out, "\nknee: no rate swept has %s\n", lim);
    fprintf(out, "bottleneck at %g req/s: %s\n  %s\n", v->rates[v->n_runs - 1],
            tmem_serve_bottleneck_name(v->runs[v->n_runs - 1].bottleneck),
            tmem_serve_bottleneck_knob(v->runs[v->n_runs - 1].bottleneck));
}

void tmem__report_serve_text(FILE *out, const struct tmem_serve_view *v,
                            const struct tmem_report_opts *o)
{
    if (v->model->encoder) { /* one forward a request: serve_pool_text.c */
        tmem__report_serve_pool_text(out, v, o);
        return;
    }
    header(out, v);
    if (v->rates == NULL && o->explain)
        explain(out, v);
    if (v->rates == NULL)
        one_run(out, v, o);
    else
        sweep(out, v);
    if (v->cmp != NULL && v->compare != NULL)
        compare(out, v);
}

static struct tmem_json *stat_scaled(const struct tmem_serve_stat *s, double scale)
{
    struct tmem_json *j = tmem__json_object();
    tmem__json_set_real(j, "mean", s->mean * scale);
    tmem__json_set_real(j, "p50", s->p50 * scale);
    tmem__json_set_real(j, "p90", s->p90 * scale);
    tmem__json_set_real(j, "p99", s->p99 * scale);
    return j;
}

static struct tmem_json *stat_ms(const struct tmem_serve_stat *s)
{
    return stat_scaled(s, 1e3);
}

/* one run's CONTRACT keys and the rest */
static void run_keys(struct tmem_json *x, const struct tmem_serve_result *r, bool encoder)
{
    struct tmem_json *lat = tmem__json_object();
    tmem__json_set_obj(lat, "ttft_ms", stat_ms(&r->ttft));
    if (encoder) { /* nothing decoded: no time per output token */
        tmem__json_set_null(lat, "tpot_ms");
        tmem__json_set_null(lat, "itl_ms");
    } else {
        tmem__json_set_obj(lat, "tpot_ms", stat_ms(&r->tpot));
        tmem__json_set_obj(lat, "itl_ms", stat_ms(&r->itl));
    }
    tmem__json_set_obj(lat, "e2e_ms", stat_ms(&r->e2e));
    tmem__json_set_obj(lat, "queue_wait_ms", stat_ms(&r->wait));
    tmem__json_set_obj(x, "latency", lat);
    struct tmem_json *wl = tmem__json_object(); /* the lengths the run served, in tokens */
    tmem__json_set_obj(wl, "prompt_tokens", stat_scaled(&r->prompt_len, 1));
    tmem__json_set_obj(wl, "output_tokens", stat_scaled(&r->output_len, 1));
    tmem__json_set_obj(x, "workload", wl);
    struct tmem_json *t = tmem__json_object();
    tmem__json_set_real(t, "req_per_s", r->req_per_s);
    tmem__json_set_real(t, "output_tok_per_s", r->output_tok_per_s);
    tmem__json_set_real(t, "total_tok_per_s", r->total_tok_per_s);
    tmem__json_set_obj(x, "throughput", t);
    tmem__json_set_real(x, "goodput_req_per_s", r->goodput_req_per_s);
    tmem__json_set_u64(x, "good_requests", r->good_requests);
    tmem__json_set_real(x, "duration_s", r->duration_s);
    tmem__json_set_u64(x, "encoder_runs", r->encoder_runs);
    tmem__json_set_real(x, "vision_s", r->vision_s);
    struct tmem_json *s = tmem__json_object();
    tmem__json_set_u64(s, "preemptions", r->preemptions);
    tmem__json_set_u64(s, "peak_running", r->peak_running);
    tmem__json_set_u64(s, "peak_kv_blocks", r->peak_kv_blocks);
    tmem__json_set_u64(s, "kv_blocks", r->kv_blocks);
    tmem__json_set_u64(s, "peak_waiting", r->peak_waiting);
    tmem__json_set_u64(s, "steps", r->steps);
    tmem__json_set_real(s, "mean_running", r->mean_running);
    tmem__json_set_real(s, "mean_waiting", r->mean_waiting);
    tmem__json_set_real(s, "mean_in_system", r->mean_in_system);
    tmem__json_set_real(s, "mean_kv_blocks", r->mean_kv_blocks);
    tmem__json_set_real(s, "busy_s", r->busy_s);
    tmem__json_set_real(s, "idle_s", r->idle_s);
    tmem__json_set_obj(x, "scheduler", s);
    struct tmem_json *tl = tmem__json_object();
    tmem__json_set_real(tl, "interval_s", r->series.interval_s);
    struct tmem_json *qa = tmem__json_array(), *ra = tmem__json_array(), *ka = tmem__json_array();
    for (uint32_t i = 0; i < r->series.n; i++) {
        tmem__json_push_real(qa, r->series.waiting[i]);
        tmem__json_push_real(ra, r->series.running[i]);
        tmem__json_push_real(ka, r->series.kv_blocks[i]);
    }
    tmem__json_set_obj(tl, "waiting", qa);
    tmem__json_set_obj(tl, "running", ra);
    tmem__json_set_obj(tl, "kv_blocks", ka);
    tmem__json_set_obj(x, "timeline", tl);
    tmem__json_set_str(x, "bottleneck", tmem_serve_bottleneck_name(r->bottleneck));
    tmem__json_set_str(x, "bottleneck_knob", tmem_serve_bottleneck_knob(r->bottleneck));
}

/* each measured metric: measured, predicted, error (null where measured is 0) */
static struct tmem_json *metrics_json(const struct tmem_serve_measured *m, const struct tmem_serve_result *r)
{
    struct tmem_json *o = tmem__json_object();
    for (int k = 0; k < TMEM_SERVE_METRIC_COUNT; k++) {
        double meas = m->v[k], pred = tmem_serve_metric_of(r, (enum tmem_serve_metric)k);
        if (!isfinite(meas))
            continue;
        struct tmem_json *e = tmem__json_object();
        tmem__json_set_real(e, "measured", meas);
        tmem__json_set_real(e, "predicted", pred);
        if (meas > 0)
            tmem__json_set_real(e, "error", pred / meas - 1);
        else
            tmem__json_set_null(e, "error");
        tmem__json_set_obj(o, tmem_serve_metric_name((enum tmem_serve_metric)k), e);
    }
    return o;
}

int tmem__report_serve_json(FILE *out, const struct tmem_serve_view *v)
{
    const struct tmem_serve_workload *w = v->w;
    const struct tmem_serve_opts *so = v->so;
    struct tmem_json *x = tmem__json_object();
    if (x == NULL)
        return -1;
    struct tmem_json *s = tmem__json_object();
    tmem__json_set_u64(s, "requests", w->n_requests);
    if (v->trace != NULL)
        tmem__json_set_str(s, "trace", v->trace);
    else if (w->concurrency > 0)
        tmem__json_set_u64(s, "concurrency", w->concurrency);
    else if (v->rates == NULL)
        tmem__json_set_real(s, "rate_req_per_s", w->rate_per_s);
    if (v->trace == NULL) {
        tmem__json_set_real(s, "burstiness", w->burstiness_cv); /* the CV, as --burstiness */
        tmem__json_set_real(s, "gamma_shape", tmem_serve_gamma_shape(w->burstiness_cv));
        tmem__json_set_u64(s, "seed", w->seed);
        char p[64], q[64];
        dist_text(p, sizeof p, &w->prompt);
        dist_text(q, sizeof q, &w->output);
        tmem__json_set_str(s, "prompt_len", p);
        tmem__json_set_str(s, "output_len", q);
        if (w->prompt.kind == TMEM_SERVE_DIST_SHAREGPT || w->output.kind == TMEM_SERVE_DIST_SHAREGPT)
            tmem__json_set_str(s, "length_source", tmem_serve_sharegpt_source());
    }
    tmem__json_set_u64(s, "max_num_seqs", so->max_num_seqs);
    tmem__json_set_u64(s, "max_num_batched_tokens", so->max_num_batched_tokens);
    tmem__json_set_u64(s, "block_size", so->block_size);
    tmem__json_set_u64(s, "kv_blocks", so->kv_blocks);
    tmem__json_set_real(s, "step_overhead_ms", so->step_overhead_s * 1e3);
    tmem__json_set_str(s, "engine", tmem_engine_name(v->infer->engine));
    tmem__json_set_str(s, "schedule", tmem_serve_schedule_name(so->schedule));
    tmem__json_set_bool(s, "chunked_prefill", so->chunked_prefill);
    tmem__json_set_bool(s, "reserve_output", so->reserve_output);
    tmem__json_set_real(s, "prefix_cache_hit", so->prefix_hit);
    tmem__json_set_u64(s, "images", so->images);
    tmem__json_set_u64(s, "image_tokens", so->image_tokens);
    tmem__json_set_u64(s, "encoder_budget_tokens", so->encoder_budget_tokens);
    tmem__json_set_u64(s, "encoder_cache_tokens", so->encoder_cache_tokens);
    tmem__json_set_u64(s, "encoder_profile_images", v->ir->mm.profile_items);
    tmem__json_set_u64(s, "encoder_cache_bytes", v->ir->encoder_cache_bytes);
    tmem__json_set_real(s, "launch_ms_per_step", v->ir->roofline.launch_s * 1e3);
    tmem__json_set_real(s, "slo_ttft_ms", so->slo_ttft_s * 1e3);
    tmem__json_set_real(s, "slo_tpot_ms", so->slo_tpot_s * 1e3);
    tmem__json_set_obj(x, "settings", s);
    if (v->model->encoder) { /* vLLM's pooling runner (serve_pool.c) */
        struct tmem_json *pj = tmem__json_object();
        tmem__json_set_u64(pj, "max_model_len", tmem_serve_pool_max_model_len(v->model, v->infer));
        tmem__json_set_u64(pj, "output_values_per_request", tmem_serve_pool_output_values(v->model));
        tmem__json_set_str(pj, "head", tmem_head_name(v->model->head));
        tmem__json_set_u64(pj, "step_tokens_in_ledger", so->max_num_batched_tokens);
        if (v->ir->fit.fits)
            tmem__json_set_u64(pj, "headroom_bytes", v->ir->fit.margin_bytes);
        else
            tmem__json_set_null(pj, "headroom_bytes");
        tmem__json_set_obj(x, "pooling", pj);
    }
    if (v->rates == NULL) {
        run_keys(x, &v->runs[0], v->model->encoder);
    } else {
        struct tmem_json *list = tmem__json_array();
        for (size_t i = 0; i < v->n_runs; i++) {
            struct tmem_json *one = tmem__json_object();
            tmem__json_set_real(one, "rate_req_per_s", v->rates[i]);
            run_keys(one, &v->runs[i], v->model->encoder);
            tmem__json_push(list, one);
        }
        tmem__json_set_obj(x, "sweep", list);
        if (v->have_knee)
            tmem__json_set_real(x, "knee_req_per_s", v->rates[v->knee]);
        else
            tmem__json_set_null(x, "knee_req_per_s");
    }
    if (v->cmp != NULL && v->compare != NULL) {
        struct tmem_json *c = tmem__json_object();
        tmem__json_set_str(c, "file", v->compare);
        tmem__json_set_str(c, "format", v->cmp->format);
        tmem__json_set_bool(c, "per_request_lengths", v->cmp->reqs != NULL);
        tmem__json_set_obj(c, "metrics", metrics_json(&v->cmp->measured, &v->runs[0]));
        tmem__json_set_obj(x, "compare", c);
    }
    if (v->fit != NULL) {
        const struct tmem_serve_fit *f = v->fit;
        struct tmem_json *c = tmem__json_object();
        tmem__json_set_real(c, "mfu", f->mfu);
        tmem__json_set_real(c, "mbu", f->mbu);
        tmem__json_set_real(c, "step_overhead_ms", f->step_overhead_s * 1e3);
        tmem__json_set_u64(c, "metrics_fitted", f->n_metrics);
        tmem__json_set_u64(c, "runs", f->evaluations);
        tmem__json_set_real(c, "rms_log_error_before", f->rms_log_error_before);
        tmem__json_set_real(c, "rms_log_error", f->rms_log_error);
        tmem__json_set_obj(c, "metrics", metrics_json(&v->cmp->measured, &f->r));
        tmem__json_set_obj(x, "calibrate", c);
    }
    return tmem__report_ledger_json(out, "serve", v->model, &v->ir->ledger, v->infer->gpu,
                                   &v->ir->fit, x);
}
