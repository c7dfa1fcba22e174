/* serve_pool.c — tmem serve for an encoder (bert, roberta, xlm-roberta,
 * modernbert): vLLM V1's pooling runner, where a request is one forward
 * and its output one pooled embedding or one row of class logits. What
 * vLLM does (REF: vllm-project/vllm, vllm/v1 at v0.11-v0.12):
 *   KV cache  none: EncoderOnlyAttention.get_kv_cache_spec returns None
 *             (model_executor/layers/attention/encoder_only_attention.py;
 *             EncoderOnlyAttentionSpec.max_memory_usage_bytes is 0 in
 *             v1/kv_cache_interface.py), so EngineCore._initialize_kv_caches
 *             finds no spec, skips the profile run ("Attention free models
 *             don't need memory for kv cache") and builds no KV cache group
 *   memory    weights + what a step's forward holds at its largest, a batch
 *             of max_num_batched_tokens tokens (infer.c's encoder lines with
 *             --engine vllm), + the pooled outputs of max_num_seqs rows +
 *             non-torch memory; no pool grows into the rest, so the
 *             headroom under gpu_memory_utilization stays free
 *   schedule  chunked prefill off: the model's is_chunked_prefill_supported
 *             is False for encoder-only attention (arg_utils.py
 *             _set_default_chunked_prefill_and_prefix_caching_args; core.py
 *             disables it again for a model without KV cache groups), prefix
 *             caching off likewise; Scheduler.schedule admits waiting
 *             requests FCFS while max_num_seqs and the token budget last, and
 *             a request whose prompt exceeds the budget left stops the queue
 *             ("If chunked_prefill is disabled, we can stop the scheduling
 *             here"); each admitted request runs whole in that step and
 *             finishes when it ends: TTFT = E2E = queueing + the step time
 *   limits    SchedulerConfig.verify_max_model_len refuses
 *             max_num_batched_tokens < max_model_len without chunked prefill
 *             and max_num_batched_tokens < max_num_seqs; a prompt over
 *             max_model_len is refused by the input processor
 *   models    the registry's pooling architectures (models/registry.py
 *             _EMBEDDING_MODELS, _CROSS_ENCODER_MODELS): BertModel,
 *             BertForSequenceClassification, RobertaModel,
 *             RobertaForMaskedLM (as an embedding model: its MLM head is not
 *             served), RobertaForSequenceClassification, XLMRobertaModel,
 *             XLMRobertaForSequenceClassification, ModernBertModel,
 *             ModernBertForSequenceClassification; no DeBERTa class
 * Each step is costed by the infer roofline (tmem__roofline_step) of the
 * requests it runs, each added by tmem__step_add_encoder, plus
 * --step-overhead-ms. Pure core: the caller passes the requests and the
 * work buffer. */
#include "error.h"
#include "sb.h"
#include "serve_internal.h"
#include "timing.h"
#include "tmem/serve.h"

#include <math.h>
#include <string.h>

uint64_t tmem_serve_pool_max_model_len(const struct tmem_model *m, const struct tmem_infer_opts *o)
{
    return o->max_model_len ? o->max_model_len : m->n_ctx;
}

uint64_t tmem_serve_pool_output_values(const struct tmem_model *m)
{
    return m->head == TMEM_HEAD_CLS ? (m->n_labels ? m->n_labels : 2) : m->d_model;
}

enum tmem_status tmem__pool_validate(const struct tmem_model *m, const struct tmem_infer_opts *o,
                                     struct tmem_error *err)
{
    if (m->rel_attn)
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "model",
                          "vLLM does not serve DeBERTa-v2/v3: its supported pooling models "
                          "(vllm/model_executor/models/registry.py _EMBEDDING_MODELS, "
                          "_CROSS_ENCODER_MODELS) have no DebertaV2 class; tmem infer MODEL "
                          "(HF) gives its ledger");
    if (m->head == TMEM_HEAD_MLM)
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "--head",
                          "vLLM's pooling runner returns pooled embeddings or class logits: a "
                          "masked-LM head's per-token logits are not a pooling task "
                          "(RobertaForMaskedLM loads as an embedding model): --head none, "
                          "pooler or cls:N");
    if (!o->flash)
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "--attention",
                          "vLLM runs encoder-only attention in its flash backend (varlen, "
                          "non-causal): no materialized scores to model");
    uint64_t mml = tmem_serve_pool_max_model_len(m, o);
    if (m->n_ctx > 0 && mml > m->n_ctx && !o->allow_long_context)
        return tmem__fail_value_n(err, TMEM_ERR_LIMIT, "--max-model-len", mml,
                                 "at most the model's context, ", m->n_ctx,
                                 " tokens (max_position_embeddings)");
    if (o->max_num_batched_tokens < mml)
        return tmem__fail_value_n(err, TMEM_ERR_LIMIT, "--max-num-batched-tokens",
                                 o->max_num_batched_tokens, "at least max_model_len (", mml,
                                 "): vLLM, prompts unchunked, refuses less; or lower "
                                 "--max-model-len");
    if (o->max_num_batched_tokens < o->max_num_seqs)
        return tmem__fail_value_n(err, TMEM_ERR_LIMIT, "--max-num-batched-tokens",
                                 o->max_num_batched_tokens, "at least --max-num-seqs (",
                                 o->max_num_seqs, "): vLLM refuses a smaller budget "
                                 "(verify_max_model_len)");
    if (o->prompt_tokens > mml)
        return tmem__fail_value_n(err, TMEM_ERR_LIMIT, "--prompt", o->prompt_tokens,
                                 "at most max_model_len, ", mml, " tokens");
    return TMEM_OK;
}

static enum tmem_status request_fail(struct tmem_error *err, uint64_t i, const char *what)
{
    char where[48];
    struct tmem_sb sb;
    tmem__sb_init(&sb, where, sizeof where);
    tmem__sb_str(&sb, "request ");
    tmem__sb_u64(&sb, i + 1);
    return tmem__fail(err, TMEM_ERR_LIMIT, where, what);
}

static enum tmem_status validate(const struct tmem_model *m, const struct tmem_infer_opts *o,
                                 const struct tmem_serve_opts *so, const struct tmem_serve_request *reqs,
                                 uint64_t n, uint64_t work_bytes, struct tmem_error *err)
{
    if (!m->encoder)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "model", "not an encoder: tmem_serve_run");
    TRY(tmem__check_range(err, "--requests", n, 1, TMEM_SERVE_MAX_REQUESTS));
    TRY(tmem__check_range(err, "--max-num-seqs", so->max_num_seqs, 1, UINT64_C(1) << 24));
    TRY(tmem__check_range(err, "--max-num-batched-tokens", so->max_num_batched_tokens, 1,
                          UINT64_C(1) << 32));
    if (!(so->step_overhead_s >= 0 && so->step_overhead_s <= 1e4))
        return tmem__fail(err, TMEM_ERR_LIMIT, "--step-overhead-ms", "must be in [0, 1e7] milliseconds");
    if (work_bytes < tmem_serve_work_bytes(n, so->max_num_seqs))
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "serve", "work buffer too small");
    uint64_t mml = tmem_serve_pool_max_model_len(m, o), tokens = 0;
    for (uint64_t i = 0; i < n; i++) {
        const struct tmem_serve_request *q = &reqs[i];
        tokens += q->prompt_tokens;
        if (q->prompt_tokens == 0)
            return request_fail(err, i, "has no prompt tokens");
        if (!isfinite(q->arrival_s) || q->arrival_s < 0 || (i > 0 && q->arrival_s < reqs[i - 1].arrival_s))
            return request_fail(err, i, "arrives at no finite time, or before the request before it");
        if (mml > 0 && q->prompt_tokens > mml)
            return request_fail(err, i, "has a prompt longer than max_model_len (the model's "
                                        "max_position_embeddings, or --max-model-len): vLLM refuses it");
        if (q->prompt_tokens > so->max_num_batched_tokens)
            return request_fail(err, i, "has a prompt longer than --max-num-batched-tokens and an "
                                        "encoder runs without chunked prefill: it could never run");
    }
    if (tokens > TMEM_SERVE_MAX_RUN_TOKENS)
        return tmem__fail_value(err, TMEM_ERR_LIMIT, "--requests × prompt tokens", tokens,
                               "at most 2^28 (the simulator's bound on a run)");
    return TMEM_OK;
}

enum tmem_status tmem_serve_pool_run(const struct tmem_model *m, const struct tmem_infer_opts *o,
                                     const struct tmem_roofline *rf, const struct tmem_serve_opts *so,
                                     struct tmem_serve_request *reqs, uint64_t n, void *work,
                                     uint64_t work_bytes, struct tmem_serve_result *r,
                                     struct tmem_error *err)
{
    if (m == NULL || o == NULL || rf == NULL || so == NULL || reqs == NULL || work == NULL || r == NULL)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "serve", "missing argument");
    TRY(validate(m, o, so, reqs, n, work_bytes, err));
    double *sorted = work; /* n doubles: the statistics */
    memset(r, 0, sizeof *r);
    r->series.interval_s = TMEM__SERVE_SERIES_FIRST_INTERVAL_S;
    uint64_t released = tmem__serve_reset(so, reqs, n); /* requests whose arrival time is known */
    const double t0 = reqs[0].arrival_s;
    double now = t0, area_sys = 0, area_run = 0, area_wait = 0;
    uint64_t arrived = 0, queued = 0, completed = 0; /* waiting: [queued, arrived) */
    while (completed < n) {
        while (arrived < released && reqs[arrived].arrival_s <= now) {
            area_sys += now - reqs[arrived].arrival_s; /* arrived during the last step */
            arrived++;
        }
        if (queued == arrived) { /* idle until the next arrival */
            r->idle_s += reqs[arrived].arrival_s - now;
            now = reqs[arrived].arrival_s;
            continue;
        }
        const uint64_t n_wait0 = arrived - queued, first = queued;
        /* FCFS while a slot and the budget last; no chunking: the first
         * prompt that does not fit stops the queue */
        uint64_t budget = so->max_num_batched_tokens, n_run = 0;
        struct tmem_step_batch b = {0};
        while (queued < arrived && n_run < so->max_num_seqs && reqs[queued].prompt_tokens <= budget) {
            budget -= reqs[queued].prompt_tokens;
            tmem__step_add_encoder(m, o->flash, &b, 1, (double)reqs[queued].prompt_tokens);
            reqs[queued].first_scheduled_s = now;
            queued++;
            n_run++;
        }
        enum tmem_serve_block held = TMEM_SERVE_BLOCK_COUNT;
        if (queued < arrived)
            held = n_run == so->max_num_seqs ? TMEM_SERVE_BLOCK_SEQS : TMEM_SERVE_BLOCK_BUDGET;
        struct tmem_step_time st;
        tmem__roofline_step(rf, &b, &st);
        const double dt = st.t_s + so->step_overhead_s, t1 = now + dt;
        const uint64_t n_wait = arrived - queued;
        r->steps++;
        r->busy_s += dt;
        r->time_s[st.bound] += st.t_s - st.launch_s;
        r->time_s[TMEM_SERVE_TIME_OVERHEAD] += so->step_overhead_s + st.launch_s;
        if (st.bound == TMEM_STEP_BOUND_COMPUTE)
            r->prefill_compute_s += st.t_s;
        if (held != TMEM_SERVE_BLOCK_COUNT)
            r->blocked_s[held] += dt;
        area_sys += (double)n_wait0 * dt; /* all waiting at its start: none runs on */
        area_run += (double)n_run * dt;
        area_wait += (double)n_wait * dt;
        tmem__serve_series_add(&r->series, now - t0, t1 - t0, (double)n_wait, (double)n_run, 0);
        if (n_run > r->peak_running)
            r->peak_running = n_run;
        if (n_wait > r->peak_waiting)
            r->peak_waiting = n_wait;
        for (uint64_t k = first; k < queued; k++) { /* each done: its pooled output */
            reqs[k].first_token_s = reqs[k].finish_s = reqs[k].last_token_s = t1;
            reqs[k].computed_tokens = reqs[k].prompt_tokens;
            completed++;
            if (released < n)
                reqs[released++].arrival_s = t1; /* closed loop: the next one */
        }
        now = t1;
    }

    r->n_requests = n;
    r->duration_s = now - t0;
    for (uint64_t i = 0; i < n; i++)
        r->input_tokens += reqs[i].prompt_tokens;
    for (uint64_t i = 0; i < n; i++) /* n <= 2^22: a size_t everywhere */
        sorted[i] = reqs[i].prompt_tokens;
    r->prompt_len = tmem__serve_stat_of(sorted, (size_t)n);
    for (uint64_t i = 0; i < n; i++)
        sorted[i] = reqs[i].finish_s - reqs[i].arrival_s;
    r->ttft = tmem__serve_stat_of(sorted, (size_t)n);
    r->e2e = r->ttft; /* the first output is the whole output */
    for (uint64_t i = 0; i < n; i++)
        sorted[i] = reqs[i].first_scheduled_s - reqs[i].arrival_s;
    r->wait = tmem__serve_stat_of(sorted, (size_t)n);
    for (uint64_t i = 0; i < n; i++)
        r->good_requests += so->slo_ttft_s == 0 || reqs[i].finish_s - reqs[i].arrival_s <= so->slo_ttft_s;
    double d = r->duration_s > 0 ? r->duration_s : 1.0;
    r->req_per_s = (double)n / d;
    r->total_tok_per_s = (double)r->input_tokens / d;
    r->goodput_req_per_s = (double)r->good_requests / d;
    r->mean_in_system = area_sys / d;
    r->mean_running = area_run / d;
    r->mean_waiting = area_wait / d;
    tmem__serve_series_close(&r->series, r->duration_s);
    r->bottleneck = tmem__serve_bottleneck(r);
    return TMEM_OK;
}
