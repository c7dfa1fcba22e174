/* serve.c — tmem serve's engine: vLLM V1's scheduler run one step at a
 * time over a request array, each step costed by the infer roofline
 * (tmem__roofline_step) of its batch plus a per-step overhead, and the
 * statistics of the run. The scheduler, as vllm/v1/core/sched/scheduler.py:
 *   1. running requests in order, each its remaining tokens (1 when
 *      decoding; a prompt's rest, chunked) up to the step's token budget;
 *      when the KV pool lacks the blocks a request needs, the newest running
 *      request is preempted (its blocks freed, recomputed later: it returns
 *      to the front of the waiting queue) until the blocks fit, or the
 *      request itself was the newest;
 *   2. then, only if nothing was preempted this step, waiting requests in
 *      order while a running slot (max_num_seqs), budget and blocks last
 *      (FCFS: the first that does not fit stops the queue).
 * KV blocks: ceil(tokens / block_size) per request, from tmem infer's pool.
 * After the step every request whose computed tokens reach its length
 * samples one token; one that has all its output tokens finishes. Arrivals
 * during a step join the queue at its end. */
#include "error.h"
#include "sb.h"
#include "serve_mm.h"
#include "serve_internal.h"
#include "timing.h"
#include "tmem/serve.h"

#include <math.h>
#include <string.h>

static const char *const bottleneck_names[] = {
    [TMEM_SERVE_BOTTLENECK_KV_CAPACITY] = "KV capacity",
    [TMEM_SERVE_BOTTLENECK_MAX_NUM_SEQS] = "scheduler cap: max_num_seqs",
    [TMEM_SERVE_BOTTLENECK_TOKEN_BUDGET] = "scheduler cap: max_num_batched_tokens",
    [TMEM_SERVE_BOTTLENECK_COMPUTE] = "compute-bound steps (prefill)",
    [TMEM_SERVE_BOTTLENECK_MEMORY] = "memory-bandwidth decode",
    [TMEM_SERVE_BOTTLENECK_INTERCONNECT] = "tensor-parallel all-reduces",
    [TMEM_SERVE_BOTTLENECK_OVERHEAD] = "per-step overhead"};
_Static_assert(sizeof bottleneck_names / sizeof bottleneck_names[0] == TMEM_SERVE_BOTTLENECK_COUNT,
               "one name per bottleneck");

static const char *const bottleneck_knobs[] = {
    [TMEM_SERVE_BOTTLENECK_KV_CAPACITY] =
        "requests wait for KV blocks or are preempted: fewer bytes per token (--kv-dtype fp8), "
        "smaller weights (--weights), more memory (--gpu-memory-utilization, --tp)",
    [TMEM_SERVE_BOTTLENECK_MAX_NUM_SEQS] =
        "requests wait for a running slot: raise --max-num-seqs (while KV blocks last)",
    [TMEM_SERVE_BOTTLENECK_TOKEN_BUDGET] =
        "requests wait for the step's token budget: raise --max-num-batched-tokens",
    [TMEM_SERVE_BOTTLENECK_COMPUTE] =
        "steps wait on FLOP/s: --tp, a faster --gpu, fp8 weights, shorter prompts",
    [TMEM_SERVE_BOTTLENECK_MEMORY] =
        "steps wait on HBM reads: smaller --weights (fp8, int4), --kv-dtype fp8, --tp; "
        "a larger batch shares each weight read",
    [TMEM_SERVE_BOTTLENECK_INTERCONNECT] = "steps wait on all-reduces: a lower --tp or a faster link",
    [TMEM_SERVE_BOTTLENECK_OVERHEAD] =
        "steps wait on the fixed per-step cost: --step-overhead-ms (CUDA graphs, async scheduling)"};
_Static_assert(sizeof bottleneck_knobs / sizeof bottleneck_knobs[0] == TMEM_SERVE_BOTTLENECK_COUNT,
               "one knob per bottleneck");

const char *tmem_serve_bottleneck_name(enum tmem_serve_bottleneck b)
{
    return (unsigned)b < TMEM_SERVE_BOTTLENECK_COUNT ? bottleneck_names[b] : "unknown";
}

const char *tmem_serve_bottleneck_knob(enum tmem_serve_bottleneck b)
{
    return (unsigned)b < TMEM_SERVE_BOTTLENECK_COUNT ? bottleneck_knobs[b] : "unknown";
}

void tmem_serve_defaults(const struct tmem_infer_opts *o, const struct tmem_infer_result *r,
                         struct tmem_serve_opts *so)
{
    memset(so, 0, sizeof *so);
    so->max_num_seqs = o->max_num_seqs;
    so->max_num_batched_tokens = o->max_num_batched_tokens;
    so->block_size = o->block_size;
    so->kv_blocks = r->kv_blocks;
    /* the hybrid allocator's groups: g layers each, g the smaller kind's count */
    uint64_t g = r->group_layers ? r->group_layers : 1;
    so->kv_full_groups = (r->kv.n_layer_full + g - 1) / g;
    so->kv_window_groups = (r->kv.n_layer_window + g - 1) / g;
    if (so->kv_full_groups + so->kv_window_groups == 0)
        so->kv_full_groups = 1;
    so->window_tokens = r->kv.window_tokens;
    /* SSM layers: vLLM sets the mamba group's block size to max_model_len,
     * so one block holds a request's whole state; a hybrid's attention
     * groups use the raised attention block, its mamba groups one block each */
    if (r->attn_block_tokens > 0) {
        so->block_size = r->attn_block_tokens;
        so->kv_full_groups = r->kv_attn_groups;
        so->kv_state_groups = r->kv_state_groups;
    } else if (r->kv.ssm_layers > 0 && r->tokens_per_seq > so->block_size) {
        so->block_size = r->tokens_per_seq;
    }
    so->step_overhead_s = TMEM_SERVE_STEP_OVERHEAD_S;
    so->chunked_prefill = true;
    switch (o->engine) {
    case TMEM_ENGINE_SGLANG: so->schedule = TMEM_SERVE_SCHEDULE_PREFILL_FIRST; break;
    case TMEM_ENGINE_TRTLLM:
        so->chunked_prefill = false;
        so->reserve_output = true;
        break;
    case TMEM_ENGINE_VLLM:
    case TMEM_ENGINE_HF:
    case TMEM_ENGINE_LLAMACPP:
    case TMEM_ENGINE_COUNT: break;
    }
}

static const char *const schedule_names[] = {[TMEM_SERVE_SCHEDULE_DECODE_FIRST] = "decode-first",
                                             [TMEM_SERVE_SCHEDULE_PREFILL_FIRST] = "prefill-first"};
_Static_assert(sizeof schedule_names / sizeof schedule_names[0] == TMEM_SERVE_SCHEDULE_COUNT,
               "one name per schedule");

const char *tmem_serve_schedule_name(enum tmem_serve_schedule sch)
{
    return (unsigned)sch < TMEM_SERVE_SCHEDULE_COUNT ? schedule_names[sch] : "unknown";
}

/* ------------------------------------------------------- work buffer */

#define ITL_BIN_LO_S 1e-6  /* the first bin's lower edge */
#define ITL_BIN_RATIO 1.005 /* each bin 0.5 % wider than the last */

struct work {
    double *sorted;          /* n */
    double *itl_sum;         /* TMEM_SERVE_ITL_BINS */
    uint64_t *itl_count;     /* TMEM_SERVE_ITL_BINS */
    uint32_t *running;       /* max_num_seqs, admission order */
    uint32_t *preempted;     /* max_num_seqs, a ring: the front of the waiting queue */
};

uint64_t tmem_serve_work_bytes(uint64_t n, uint64_t max_num_seqs)
{
    return 8 * n + 16 * (uint64_t)TMEM_SERVE_ITL_BINS + 8 * max_num_seqs;
}

static void carve(void *buf, uint64_t n, uint64_t mns, struct work *w)
{
    char *p = buf;
    w->sorted = (double *)(void *)p;
    p += 8 * n;
    w->itl_sum = (double *)(void *)p;
    p += 8 * (size_t)TMEM_SERVE_ITL_BINS;
    w->itl_count = (uint64_t *)(void *)p;
    p += 8 * (size_t)TMEM_SERVE_ITL_BINS;
    w->running = (uint32_t *)(void *)p;
    p += 4 * mns;
    w->preempted = (uint32_t *)(void *)p;
    memset(w->itl_sum, 0, 16 * (size_t)TMEM_SERVE_ITL_BINS);
}

/* ------------------------------------------------------- time series */

#define SERIES_FIRST_INTERVAL_S TMEM__SERVE_SERIES_FIRST_INTERVAL_S

/* Adds [t0, t1) at these levels to s, intervals from time 0 (the first
 * arrival): each interval accumulates level × overlap, divided by the
 * interval at the end (series_close). */
static void series_add(struct tmem_serve_series *s, double t0, double t1, double waiting,
                       double running, double kv)
{
    while (t1 > s->interval_s * TMEM_SERVE_SERIES_POINTS) { /* merge neighbours: double */
        for (uint32_t i = 0; i < TMEM_SERVE_SERIES_POINTS / 2; i++) {
            s->waiting[i] = s->waiting[2 * i] + s->waiting[2 * i + 1];
            s->running[i] = s->running[2 * i] + s->running[2 * i + 1];
            s->kv_blocks[i] = s->kv_blocks[2 * i] + s->kv_blocks[2 * i + 1];
        }
        for (uint32_t i = TMEM_SERVE_SERIES_POINTS / 2; i < TMEM_SERVE_SERIES_POINTS; i++)
            s->waiting[i] = s->running[i] = s->kv_blocks[i] = 0;
        s->interval_s *= 2;
    }
    double t = t0;
    while (t < t1) {
        uint32_t i = (uint32_t)(t / s->interval_s);
        if (i >= TMEM_SERVE_SERIES_POINTS)
            i = TMEM_SERVE_SERIES_POINTS - 1;
        double end = (double)(i + 1) * s->interval_s, e = end < t1 ? end : t1, d = e - t;
        if (!(d > 0)) { /* rounding at a boundary */
            t = end;
            continue;
        }
        s->waiting[i] += waiting * d;
        s->running[i] += running * d;
        s->kv_blocks[i] += kv * d;
        t = e;
    }
}

/* areas → averages over the intervals the run covered */
static void series_close(struct tmem_serve_series *s, double duration)
{
    double n = ceil(duration / s->interval_s);
    s->n = n < 1 ? 1 : n > TMEM_SERVE_SERIES_POINTS ? TMEM_SERVE_SERIES_POINTS : (uint32_t)n;
    for (uint32_t i = 0; i < s->n; i++) {
        double start = (double)i * s->interval_s, end = start + s->interval_s;
        double width = (end < duration ? end : duration) - start; /* the last may be partial */
        if (width > 0) {
            s->waiting[i] /= width;
            s->running[i] /= width;
            s->kv_blocks[i] /= width;
        }
        s->peak_waiting = s->waiting[i] > s->waiting[s->peak_waiting] ? i : s->peak_waiting;
        s->peak_running = s->running[i] > s->running[s->peak_running] ? i : s->peak_running;
        s->peak_kv = s->kv_blocks[i] > s->kv_blocks[s->peak_kv] ? i : s->peak_kv;
    }
}

/* ---------------------------------------------------------- statistics */

static void sift(double *a, size_t root, size_t n)
{
    for (;;) {
        size_t c = 2 * root + 1;
        if (c >= n)
            return;
        if (c + 1 < n && a[c + 1] > a[c])
            c++;
        if (a[root] >= a[c])
            return;
        double t = a[root];
        a[root] = a[c];
        a[c] = t;
        root = c;
    }
}

static void heapsort(double *a, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift(a, i, n);
    for (size_t i = n; i-- > 1;) {
        double t = a[0];
        a[0] = a[i];
        a[i] = t;
        sift(a, 0, i);
    }
}

/* numpy.percentile's default: linear between the two nearest ranks */
static double percentile(const double *sorted, size_t n, double p)
{
    double rank = p / 100.0 * (double)(n - 1);
    size_t lo = (size_t)floor(rank), hi = lo + 1 < n ? lo + 1 : lo;
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - (double)lo);
}

static struct tmem_serve_stat stat_of(double *v, size_t n)
{
    struct tmem_serve_stat s = {0, 0, 0, 0};
    if (n == 0)
        return s;
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    heapsort(v, n);
    s.mean = sum / (double)n;
    s.p50 = percentile(v, n, 50);
    s.p90 = percentile(v, n, 90);
    s.p99 = percentile(v, n, 99);
    return s;
}

static size_t itl_bin(double gap)
{
    double x = gap > ITL_BIN_LO_S ? log(gap / ITL_BIN_LO_S) / log(ITL_BIN_RATIO) : 0.0;
    return x >= TMEM_SERVE_ITL_BINS - 1 ? TMEM_SERVE_ITL_BINS - 1 : (size_t)x;
}

/* the k-th smallest gap (from 0), as the mean of its bin */
static double itl_at(const struct work *w, uint64_t k)
{
    uint64_t seen = 0;
    for (size_t b = 0; b < TMEM_SERVE_ITL_BINS; b++) {
        seen += w->itl_count[b];
        if (seen > k)
            return w->itl_sum[b] / (double)w->itl_count[b];
    }
    return 0;
}

static double itl_percentile(const struct work *w, uint64_t n, double p)
{
    double rank = p / 100.0 * (double)(n - 1);
    uint64_t lo = (uint64_t)floor(rank), hi = lo + 1 < n ? lo + 1 : lo;
    double a = itl_at(w, lo), b = itl_at(w, hi);
    return a + (b - a) * (rank - (double)lo);
}

/* The bottleneck, by a stated rule: when the head of the waiting queue was
 * held back for more than 5 % of the busy time, the largest reason it was
 * (KV blocks, a running slot, the token budget); else KV capacity when any
 * request was preempted; else what bounded the most step time (compute,
 * HBM, all-reduces, or the fixed overhead). */
static enum tmem_serve_bottleneck name_bottleneck(const struct tmem_serve_result *r)
{
    static const enum tmem_serve_bottleneck of_block[TMEM_SERVE_BLOCK_COUNT] = {
        [TMEM_SERVE_BLOCK_KV] = TMEM_SERVE_BOTTLENECK_KV_CAPACITY,
        [TMEM_SERVE_BLOCK_SEQS] = TMEM_SERVE_BOTTLENECK_MAX_NUM_SEQS,
        [TMEM_SERVE_BLOCK_BUDGET] = TMEM_SERVE_BOTTLENECK_TOKEN_BUDGET};
    static const enum tmem_serve_bottleneck of_time[TMEM_SERVE_TIME_COUNT] = {
        [TMEM_STEP_BOUND_COMPUTE] = TMEM_SERVE_BOTTLENECK_COMPUTE,
        [TMEM_STEP_BOUND_MEMORY] = TMEM_SERVE_BOTTLENECK_MEMORY,
        [TMEM_STEP_BOUND_INTERCONNECT] = TMEM_SERVE_BOTTLENECK_INTERCONNECT,
        [TMEM_SERVE_TIME_OVERHEAD] = TMEM_SERVE_BOTTLENECK_OVERHEAD};
    size_t q = 0;
    for (size_t i = 1; i < TMEM_SERVE_BLOCK_COUNT; i++)
        if (r->blocked_s[i] > r->blocked_s[q])
            q = i;
    if (r->blocked_s[q] > 0.05 * r->busy_s)
        return of_block[q];
    if (r->preemptions > 0)
        return TMEM_SERVE_BOTTLENECK_KV_CAPACITY;
    size_t t = 0;
    for (size_t i = 1; i < TMEM_SERVE_TIME_COUNT; i++)
        if (r->time_s[i] > r->time_s[t])
            t = i;
    return of_time[t];
}

/* ------------------------------------------------------------- the run */

static uint64_t ceil_div(uint64_t a, uint64_t b)
{
    return (a + b - 1) / b;
}

/* Blocks a request holds with `tokens` in KV after a step that ran `num` of
 * them, in vLLM's hybrid pool: per full-attention group ceil(tokens / block);
 * per sliding-window group the blocks of the last window − 1 + num tokens
 * (older ones are freed), ceil(that / block) + 1 once the window has slid
 * (SlidingWindowSpec). With num = max_num_batched_tokens it is tmem infer's
 * blocks per request, the most a request can hold. */
static uint64_t blocks_for(const struct tmem_serve_opts *so, uint64_t tokens, uint64_t num)
{
    uint64_t b = so->kv_full_groups * ceil_div(tokens, so->block_size) + so->kv_state_groups;
    if (so->kv_window_groups > 0) {
        uint64_t span = so->window_tokens - 1 + num;
        b += so->kv_window_groups *
             (tokens <= span ? ceil_div(tokens, so->block_size) : ceil_div(span, so->block_size) + 1);
    }
    return b;
}

/* The scheduler's state during one step. */
struct sched {
    struct tmem_serve_request *reqs;
    const struct tmem_serve_opts *so;
    const struct work *w;
    struct tmem_serve_result *r;
    uint64_t n_run, ring_head, ring_n, free_blocks, budget, mns;
    bool one_group;
    struct tmem__mm_state mm; /* images: the encoder's budget and cache (serve_mm.c) */
};

/* Prompt tokens a request finds in the prefix cache: --prefix-cache-hit of
 * its prompt, whole blocks only (vLLM and SGLang cache full blocks; SGLang's
 * page is one token), at least one token left to compute. */
static uint64_t cached_tokens(const struct tmem_serve_opts *so, const struct tmem_serve_request *q)
{
    if (so->prefix_hit <= 0)
        return 0;
    uint64_t c = (uint64_t)(so->prefix_hit * (double)q->prompt_tokens) / so->block_size * so->block_size;
    return c < q->prompt_tokens ? c : q->prompt_tokens - 1;
}

/* The blocks of a cached prefix: shared, held once by the cache, not by
 * the request. */
static uint64_t shared_blocks(const struct tmem_serve_opts *so, uint64_t cached)
{
    return so->kv_full_groups * (cached / so->block_size);
}

/* Whether a running request still has prompt to compute. */
static bool prefilling(const struct tmem_serve_request *q)
{
    return q->computed_tokens < q->prompt_tokens + q->generated_tokens &&
           !(q->generated_tokens > 0 && q->computed_tokens + 1 == q->prompt_tokens + q->generated_tokens);
}

static bool any_prefill(const struct sched *sc)
{
    for (uint64_t k = 0; k < sc->n_run; k++)
        if (prefilling(&sc->reqs[sc->w->running[k]]))
            return true;
    return false;
}

/* Running requests in order, each its remaining tokens up to the budget
 * (prefill_only: decoding ones wait, keeping their blocks); on a short pool
 * the newest running request is preempted until the blocks fit. Returns
 * whether anything was preempted. */
static bool schedule_running(struct sched *sc, bool prefill_only)
{
    const struct tmem_serve_opts *so = sc->so;
    uint32_t *running = sc->w->running, *ring = sc->w->preempted;
    bool preempted = false;
    uint64_t ri = 0;
    for (; ri < sc->n_run && sc->budget > 0; ri++) {
        uint32_t id = running[ri];
        struct tmem_serve_request *q = &sc->reqs[id];
        if (q->scheduled_tokens > 0)
            continue; /* the second pass of a prefill-first step */
        if (prefill_only && !prefilling(q))
            continue;
        uint64_t left = (uint64_t)q->prompt_tokens + q->generated_tokens - q->computed_tokens;
        uint64_t num = left < sc->budget ? left : sc->budget;
        uint32_t k_img = 0;
        if (so->images > 0) { /* an image's encoder first: the chunk may be cut before it */
            num = tmem__mm_cut(so, q, q->computed_tokens, num, &sc->mm, &k_img);
            if (num == 0)
                continue; /* vLLM: skipped this step, the next running request tries */
        }
        uint64_t shared = shared_blocks(so, cached_tokens(so, q)), held = q->blocks + shared;
        /* one full-attention group: held blocks with room left need no division */
        uint64_t nb = so->reserve_output ||
                              (sc->one_group && q->computed_tokens + num <= held * so->block_size)
                          ? held
                          : blocks_for(so, q->computed_tokens + num, num);
        uint64_t add = nb > held ? nb - held : 0;
        if (nb < held) { /* a sliding window let blocks go */
            sc->free_blocks += held - nb;
            q->blocks = (uint32_t)(nb - shared);
        }
        bool self = false;
        while (add > sc->free_blocks) { /* preempt the newest by recomputation */
            uint32_t v = running[--sc->n_run];
            struct tmem_serve_request *pv = &sc->reqs[v];
            sc->free_blocks += pv->blocks;
            if (pv->scheduled_tokens > 0) /* scheduled earlier in this step */
                sc->budget += pv->scheduled_tokens;
            if (so->images > 0)
                tmem__mm_release(so, pv, &sc->mm);
            pv->blocks = pv->computed_tokens = pv->scheduled_tokens = 0;
            pv->preemptions++;
            sc->r->preemptions++;
            sc->ring_head = (sc->ring_head + sc->mns - 1) % sc->mns;
            ring[sc->ring_head] = v;
            sc->ring_n++;
            preempted = true;
            if (v == id) {
                self = true;
                break;
            }
        }
        if (self)
            break;
        q->blocks += (uint32_t)add;
        sc->free_blocks -= add;
        q->scheduled_tokens = (uint32_t)num;
        sc->budget -= num;
        if (k_img > 0)
            tmem__mm_commit(so, q, k_img, &sc->mm);
    }
    return preempted;
}

static enum tmem_status validate(const struct tmem_serve_opts *so,
                                 const struct tmem_serve_request *reqs, uint64_t n,
                                 uint64_t work_bytes, struct tmem_error *err)
{
    TRY(tmem__check_range(err, "--requests", n, 1, TMEM_SERVE_MAX_REQUESTS));
    TRY(tmem__check_range(err, "--max-num-seqs", so->max_num_seqs, 1, TMEM_SERVE_MAX_REQUESTS));
    TRY(tmem__check_range(err, "--max-num-batched-tokens", so->max_num_batched_tokens, 1,
                         UINT64_C(1) << 32));
    TRY(tmem__check_range(err, "--block-size", so->block_size, 1, 1u << 16));
    TRY(tmem__check_range(err, "--concurrency", so->concurrency, 0, TMEM_SERVE_MAX_REQUESTS));
    if (so->kv_full_groups + so->kv_window_groups == 0 || so->kv_full_groups > 1024 ||
        so->kv_window_groups > 1024 || so->kv_state_groups > 1024 ||
        (so->kv_window_groups > 0 && so->window_tokens == 0))
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "serve", "KV groups: 1 to 1024, a window for sliding ones");
    if (so->kv_blocks == 0)
        return tmem__fail(err, TMEM_ERR_LIMIT, "serve",
                         "the KV pool has no blocks: the weights leave no memory for KV (see tmem infer)");
    if (!(isfinite(so->step_overhead_s) && so->step_overhead_s >= 0 && so->step_overhead_s <= 10))
        return tmem__fail(err, TMEM_ERR_LIMIT, "--step-overhead-ms", "must be in [0, 10000]");
    if (!(isfinite(so->slo_ttft_s) && so->slo_ttft_s >= 0) ||
        !(isfinite(so->slo_tpot_s) && so->slo_tpot_s >= 0))
        return tmem__fail(err, TMEM_ERR_LIMIT, so->slo_ttft_s >= 0 ? "--slo-tpot-ms" : "--slo-ttft-ms",
                         "must be a finite number of milliseconds, at least 0");
    if ((unsigned)so->schedule >= TMEM_SERVE_SCHEDULE_COUNT)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "--schedule", "unknown schedule");
    if (!(isfinite(so->prefix_hit) && so->prefix_hit >= 0 && so->prefix_hit < 1))
        return tmem__fail(err, TMEM_ERR_LIMIT, "--prefix-cache-hit", "must be in [0, 1)");
    if (so->prefix_hit > 0 && so->kv_window_groups > 0)
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "--prefix-cache-hit",
                         "not modelled for sliding-window KV groups");
    if (so->prefix_hit > 0 && so->kv_state_groups > 0)
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "--prefix-cache-hit",
                         "not modelled for a hybrid's mamba groups (vLLM's mamba prefix caching)");
    if (so->images > 0 &&
        (so->images > 4096 || so->image_tokens == 0 || so->prefix_hit > 0 || !so->chunked_prefill ||
         so->image_tokens > so->encoder_budget_tokens || so->encoder_cache_tokens < so->encoder_budget_tokens))
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "--images",
                         "images need chunked prefill, no prefix-cache hits, and an encoder budget of at "
                         "least one image within a cache at least the budget (vLLM's rule)");
    if (work_bytes < tmem_serve_work_bytes(n, so->max_num_seqs))
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "serve", "work buffer too small");
    uint64_t tokens = 0;
    for (uint64_t i = 0; i < n; i++) {
        const struct tmem_serve_request *q = &reqs[i];
        const char *what = NULL;
        tokens += (uint64_t)q->prompt_tokens + q->output_tokens;
        /* the last sampled token is never fed back: prompt + output − 1 in KV */
        uint64_t need = blocks_for(so, (uint64_t)q->prompt_tokens + q->output_tokens - 1,
                                   so->max_num_batched_tokens);
        if (q->prompt_tokens == 0 || q->output_tokens == 0)
            what = "has no prompt or no output tokens";
        else if (!isfinite(q->arrival_s) || q->arrival_s < 0 ||
                 (i > 0 && q->arrival_s < reqs[i - 1].arrival_s))
            what = "arrives at no finite time, or before the request before it";
        else if (need > so->kv_blocks)
            what = "needs more KV blocks than the pool holds (it could never run): "
                   "shorter --prompt-len/--output-len, or a larger pool (see tmem infer)";
        else if (!so->chunked_prefill && q->prompt_tokens > so->max_num_batched_tokens)
            what = "has a prompt longer than --max-num-batched-tokens and the engine does not "
                   "chunk prefills (trtllm): it could never run";
        if (what != NULL) {
            char where[48];
            struct tmem_sb sb;
            tmem__sb_init(&sb, where, sizeof where);
            tmem__sb_str(&sb, "request ");
            tmem__sb_u64(&sb, i + 1);
            return tmem__fail(err, TMEM_ERR_LIMIT, where, what);
        }
    }
    if (tokens > TMEM_SERVE_MAX_RUN_TOKENS)
        return tmem__fail_value(err, TMEM_ERR_LIMIT, "--requests × (prompt + output tokens)", tokens,
                               "at most 2^28 (the simulator's bound on a run)");
    return TMEM_OK;
}

enum tmem_status tmem_serve_run(const struct tmem_roofline *rf, const struct tmem_serve_opts *so,
                                struct tmem_serve_request *reqs, uint64_t n, void *work,
                                uint64_t work_bytes, struct tmem_serve_result *r,
                                struct tmem_error *err)
{
    if (rf == NULL || so == NULL || reqs == NULL || work == NULL || r == NULL)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "serve", "missing argument");
    TRY(validate(so, reqs, n, work_bytes, err));
    struct work w;
    carve(work, n, so->max_num_seqs, &w);
    memset(r, 0, sizeof *r);
    r->series.interval_s = SERIES_FIRST_INTERVAL_S;
    const uint64_t mns = so->max_num_seqs;
    const bool one_group = so->kv_full_groups == 1 && so->kv_window_groups == 0 &&
                           so->kv_state_groups == 0;
    uint64_t released = tmem__serve_reset(so, reqs, n); /* requests whose arrival time is known */
    const double t0 = reqs[0].arrival_s;
    double now = t0, area_sys = 0, area_run = 0, area_wait = 0, area_kv = 0, itl_total = 0;
    uint64_t arrived = 0, queued = 0; /* new requests: [queued, arrived) wait */
    uint64_t ring_head = 0, ring_n = 0, n_run = 0, in_system = 0, completed = 0;
    uint64_t free_blocks = so->kv_blocks, itl_n = 0, prefix_blocks = 0;
    uint64_t cache_free = so->encoder_cache_tokens; /* images: the encoder cache's free slots */
    for (uint64_t i = 0; i < n; i++) { /* the cached prefix, resident once */
        uint64_t b = shared_blocks(so, cached_tokens(so, &reqs[i]));
        prefix_blocks = b > prefix_blocks ? b : prefix_blocks;
    }
    free_blocks -= prefix_blocks < free_blocks ? prefix_blocks : free_blocks;
    double last_dt = -1;
    size_t last_bin = 0;

    while (completed < n) {
        while (arrived < released && reqs[arrived].arrival_s <= now) {
            area_sys += now - reqs[arrived].arrival_s; /* arrived during the last step */
            arrived++;
            in_system++;
        }
        uint64_t n_wait = ring_n + (arrived - queued);
        if (n_run == 0 && n_wait == 0) { /* idle until the next arrival */
            r->idle_s += reqs[arrived].arrival_s - now;
            now = reqs[arrived].arrival_s;
            continue;
        }
        const uint64_t sys_at_start = in_system;

        /* prefill-first (SGLang without mixed chunks, vLLM V0): a step with
         * prefill work runs it alone; decodes wait for a step without */
        struct sched sc = {.reqs = reqs, .so = so, .w = &w, .r = r, .n_run = n_run,
                           .ring_head = ring_head, .ring_n = ring_n, .free_blocks = free_blocks,
                           .budget = so->max_num_batched_tokens, .mns = mns, .one_group = one_group,
                           .mm = {so->encoder_budget_tokens, cache_free}};
        bool prefill_only = so->schedule == TMEM_SERVE_SCHEDULE_PREFILL_FIRST &&
                            (any_prefill(&sc) || (n_wait > 0 && n_run < mns));

        /* 1. running requests first */
        bool preempted = schedule_running(&sc, prefill_only);

        /* 2. then waiting ones, FCFS, unless this step preempted */
        n_wait = sc.ring_n + (arrived - queued);
        enum tmem_serve_block held = TMEM_SERVE_BLOCK_COUNT;
        if (preempted && n_wait > 0)
            held = TMEM_SERVE_BLOCK_KV;
        while (!preempted && n_wait > 0) {
            if (sc.budget == 0) {
                held = TMEM_SERVE_BLOCK_BUDGET;
                break;
            }
            if (sc.n_run == mns) {
                held = TMEM_SERVE_BLOCK_SEQS;
                break;
            }
            uint32_t id = sc.ring_n > 0 ? w.preempted[sc.ring_head] : (uint32_t)queued;
            struct tmem_serve_request *q = &reqs[id];
            /* the prefix cache: whole blocks of the prompt already resident */
            uint64_t cached = cached_tokens(so, q);
            uint64_t left = (uint64_t)q->prompt_tokens + q->generated_tokens - cached;
            if (!so->chunked_prefill && left > sc.budget) {
                held = TMEM_SERVE_BLOCK_BUDGET;
                break;
            }
            uint64_t num = left < sc.budget ? left : sc.budget;
            uint32_t k_img = 0;
            if (so->images > 0) { /* its first image's encoder must fit this step */
                num = tmem__mm_cut(so, q, cached, num, &sc.mm, &k_img);
                if (num == 0) {
                    held = TMEM_SERVE_BLOCK_BUDGET; /* the encoder's budget or cache */
                    break;
                }
            }
            uint64_t shared = shared_blocks(so, cached);
            uint64_t nb = (so->reserve_output
                               ? blocks_for(so, (uint64_t)q->prompt_tokens + q->output_tokens - 1,
                                            so->max_num_batched_tokens)
                               : blocks_for(so, cached + num, num)) -
                          shared;
            if (nb > sc.free_blocks) {
                held = TMEM_SERVE_BLOCK_KV;
                break;
            }
            if (sc.ring_n > 0) {
                sc.ring_head = (sc.ring_head + 1) % mns;
                sc.ring_n--;
            } else {
                queued++;
            }
            n_wait--;
            w.running[sc.n_run++] = id;
            q->blocks = (uint32_t)nb;
            q->computed_tokens = (uint32_t)cached;
            sc.free_blocks -= nb;
            q->scheduled_tokens = (uint32_t)num;
            sc.budget -= num;
            if (k_img > 0)
                tmem__mm_commit(so, q, k_img, &sc.mm);
            if (q->first_scheduled_s < 0)
                q->first_scheduled_s = now;
        }
        /* a prefill-first step that found no prefill work after all decodes */
        bool any = false;
        for (uint64_t k = 0; k < sc.n_run && !any; k++)
            any = reqs[w.running[k]].scheduled_tokens > 0;
        if (!any && prefill_only && !preempted)
            preempted = schedule_running(&sc, false);
        n_run = sc.n_run, ring_head = sc.ring_head, ring_n = sc.ring_n, free_blocks = sc.free_blocks;
        cache_free = sc.mm.cache_free;

        /* the step's batch and its time */
        struct tmem_step_batch b = {0};
        double prefill_tokens = 0;
        uint64_t step_images = 0;
        for (uint64_t k = 0; k < n_run; k++) {
            const struct tmem_serve_request *q = &reqs[w.running[k]];
            step_images += q->images_step;
            if (q->scheduled_tokens == 0)
                continue;
            double num = q->scheduled_tokens, cached = q->computed_tokens;
            /* a sampled token fed back: decode; anything else is a prefill chunk */
            if (q->generated_tokens > 0 && q->scheduled_tokens == 1 &&
                q->computed_tokens + 1 == q->prompt_tokens + q->generated_tokens) {
                tmem__step_add_decode(rf, &b, cached + 1);
            } else {
                tmem__step_add_chunk(rf, &b, cached, num, 1);
                prefill_tokens += num;
            }
        }
        if (b.tokens == 0)
            return tmem__fail(err, TMEM_ERR_INCONSISTENT, "serve", "no request could be scheduled");
        struct tmem_step_time st;
        tmem__roofline_step(rf, &b, &st);
        /* the images this step encodes: the encoder runs before the text forward */
        double vision_s = 0;
        if (step_images > 0) {
            enum tmem_step_bound vb;
            vision_s = tmem__vision_step_s(rf, (double)step_images * rf->vision_flops_per_image, &vb);
            r->time_s[vb] += vision_s;
            r->vision_s += vision_s;
            r->encoder_runs += step_images;
        }
        const double dt = st.t_s + vision_s + so->step_overhead_s, t1 = now + dt;
        r->steps++;
        r->busy_s += dt;
        r->time_s[st.bound] += st.t_s - st.launch_s;
        r->time_s[TMEM_SERVE_TIME_OVERHEAD] += so->step_overhead_s + st.launch_s;
        if (st.bound == TMEM_STEP_BOUND_COMPUTE && prefill_tokens > 0)
            r->prefill_compute_s += st.t_s;
        if (held != TMEM_SERVE_BLOCK_COUNT)
            r->blocked_s[held] += dt;
        uint64_t used = so->kv_blocks - free_blocks;
        area_sys += (double)sys_at_start * dt;
        area_run += (double)n_run * dt;
        area_wait += (double)n_wait * dt;
        area_kv += (double)used * dt;
        series_add(&r->series, now - t0, t1 - t0, (double)n_wait, (double)n_run, (double)used);
        if (n_run > r->peak_running)
            r->peak_running = n_run;
        if (n_wait > r->peak_waiting)
            r->peak_waiting = n_wait;
        if (used > r->peak_kv_blocks)
            r->peak_kv_blocks = used;

        /* tokens out, requests done */
        uint64_t kept = 0, steady = 0; /* steady: decoded last step too, gap = dt */
        for (uint64_t k = 0; k < n_run; k++) {
            uint32_t id = w.running[k];
            struct tmem_serve_request *q = &reqs[id];
            if (q->scheduled_tokens > 0) {
                uint64_t old_c = q->computed_tokens;
                q->computed_tokens += q->scheduled_tokens;
                q->scheduled_tokens = 0;
                if (so->images > 0) {
                    struct tmem__mm_state ms = {0, cache_free};
                    (void)tmem__mm_after_step(so, q, old_c, &ms);
                    cache_free = ms.cache_free;
                }
                if (q->computed_tokens == q->prompt_tokens + q->generated_tokens) {
                    q->generated_tokens++;
                    if (q->first_token_s < 0) {
                        q->first_token_s = t1;
                    } else if (q->last_token_s == now) {
                        steady++;
                    } else {
                        double gap = t1 - q->last_token_s;
                        size_t bin = itl_bin(gap);
                        w.itl_sum[bin] += gap;
                        w.itl_count[bin]++;
                        itl_total += gap;
                        itl_n++;
                    }
                    q->last_token_s = t1;
                    if (q->generated_tokens == q->output_tokens) {
                        q->finish_s = t1;
                        free_blocks += q->blocks;
                        q->blocks = 0;
                        completed++;
                        in_system--;
                        if (released < n)
                            reqs[released++].arrival_s = t1; /* closed loop: the next one */
                        continue;
                    }
                }
            }
            w.running[kept++] = id;
        }
        n_run = kept;
        if (steady > 0) {
            if (dt != last_dt) { /* steps of one batch repeat their time: one log() each run */
                last_dt = dt;
                last_bin = itl_bin(dt);
            }
            size_t bin = last_bin;
            w.itl_sum[bin] += dt * (double)steady;
            w.itl_count[bin] += steady;
            itl_total += dt * (double)steady;
            itl_n += steady;
        }
        now = t1;
    }

    /* per-request records → statistics */
    r->n_requests = n;
    r->kv_blocks = so->kv_blocks;
    r->duration_s = now - t0;
    for (uint64_t i = 0; i < n; i++) {
        r->input_tokens += reqs[i].prompt_tokens;
        r->output_tokens += reqs[i].output_tokens;
    }
    /* n <= TMEM_SERVE_MAX_REQUESTS (validate): a size_t on 32-bit targets too */
    size_t m = 0;
    for (uint64_t i = 0; i < n; i++)
        w.sorted[i] = reqs[i].prompt_tokens;
    r->prompt_len = stat_of(w.sorted, (size_t)n);
    for (uint64_t i = 0; i < n; i++)
        w.sorted[i] = reqs[i].output_tokens;
    r->output_len = stat_of(w.sorted, (size_t)n);
    for (uint64_t i = 0; i < n; i++)
        w.sorted[i] = reqs[i].first_token_s - reqs[i].arrival_s;
    r->ttft = stat_of(w.sorted, (size_t)n);
    for (uint64_t i = 0; i < n; i++)
        w.sorted[i] = reqs[i].finish_s - reqs[i].arrival_s;
    r->e2e = stat_of(w.sorted, (size_t)n);
    for (uint64_t i = 0; i < n; i++)
        w.sorted[i] = reqs[i].first_scheduled_s - reqs[i].arrival_s;
    r->wait = stat_of(w.sorted, (size_t)n);
    for (uint64_t i = 0; i < n; i++) {
        const struct tmem_serve_request *q = &reqs[i];
        double tpot = q->output_tokens > 1 ? (q->finish_s - q->first_token_s) /
                                                 (double)(q->output_tokens - 1)
                                           : 0.0;
        bool good = (so->slo_ttft_s == 0 || q->first_token_s - q->arrival_s <= so->slo_ttft_s) &&
                    (so->slo_tpot_s == 0 || tpot <= so->slo_tpot_s);
        r->good_requests += good;
        if (q->output_tokens > 1) /* vllm bench serve: TPOT only for outputs of 2 or more */
            w.sorted[m++] = tpot;
    }
    r->tpot = stat_of(w.sorted, m);
    if (itl_n > 0) {
        r->itl.mean = itl_total / (double)itl_n;
        r->itl.p50 = itl_percentile(&w, itl_n, 50);
        r->itl.p90 = itl_percentile(&w, itl_n, 90);
        r->itl.p99 = itl_percentile(&w, itl_n, 99);
    }
    double d = r->duration_s > 0 ? r->duration_s : 1.0;
    r->req_per_s = (double)n / d;
    r->output_tok_per_s = (double)r->output_tokens / d;
    r->total_tok_per_s = (double)(r->input_tokens + r->output_tokens) / d;
    r->goodput_req_per_s = (double)r->good_requests / d;
    r->mean_in_system = area_sys / d;
    r->mean_running = area_run / d;
    r->mean_waiting = area_wait / d;
    r->mean_kv_blocks = area_kv / d;
    series_close(&r->series, r->duration_s);
    r->bottleneck = name_bottleneck(r);
    return TMEM_OK;
}

bool tmem_serve_meets_slo(const struct tmem_serve_result *r, const struct tmem_serve_opts *so)
{
    return (so->slo_ttft_s == 0 || r->ttft.p99 <= so->slo_ttft_s) &&
           (so->slo_tpot_s == 0 || r->tpot.p99 <= so->slo_tpot_s);
}

/* ------------------------------------- shared with serve_pool.c (serve_internal.h) */

struct tmem_serve_stat tmem__serve_stat_of(double *v, size_t n)
{
    return stat_of(v, n);
}

void tmem__serve_series_add(struct tmem_serve_series *s, double t0, double t1, double waiting,
                            double running, double kv)
{
    series_add(s, t0, t1, waiting, running, kv);
}

void tmem__serve_series_close(struct tmem_serve_series *s, double duration)
{
    series_close(s, duration);
}

enum tmem_serve_bottleneck tmem__serve_bottleneck(const struct tmem_serve_result *r)
{
    return name_bottleneck(r);
}

uint64_t tmem__serve_reset(const struct tmem_serve_opts *so, struct tmem_serve_request *reqs, uint64_t n)
{
    uint64_t released = n;
    if (so->concurrency > 0) {
        released = so->concurrency < n ? so->concurrency : n;
        for (uint64_t i = 0; i < n; i++)
            reqs[i].arrival_s = i < released ? 0.0 : INFINITY;
    }
    for (uint64_t i = 0; i < n; i++) {
        struct tmem_serve_request *q = &reqs[i];
        q->first_scheduled_s = q->first_token_s = q->finish_s = -1;
        q->preemptions = q->computed_tokens = q->generated_tokens = q->blocks = 0;
        q->scheduled_tokens = 0;
        q->last_token_s = 0;
        q->images_encoded = q->images_step = 0;
    }
    return released;
}
