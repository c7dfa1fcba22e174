/* serve_workload.c — tmem serve's synthetic workload: a seeded PRNG
 * (xoshiro256** seeded through splitmix64, Blackman & Vigna), request
 * lengths from a fixed, uniform, normal or lognormal distribution, and open-
 * loop arrivals as vllm bench serve draws them: the first request at t = 0,
 * then gaps from a gamma distribution of shape k and scale 1 / (rate · k)
 * (mean 1/rate). --burstiness is the gaps' coefficient of variation CV: a
 * gamma of shape k has mean kθ and SD √k·θ, so CV = 1/√k and k = 1/CV²
 * (CV 1: exponential gaps, a Poisson process; CV > 1 burstier). vllm bench
 * serve's --burstiness B is k itself (gamma(shape=B, scale=1/(rate·B))).
 * REF: vllm/benchmarks/serve.py get_request.
 * --prompt-len / --output-len sharegpt: the ShareGPT-like pair (serve.h says
 * the model; tmem_serve_sharegpt below the fit). */
#include "error.h"
#include "tmem/serve.h"

#include <math.h>

struct rng {
    uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t next_u64(struct rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

/* uniform in (0, 1]: never 0, so log() is finite */
static double unit(struct rng *r)
{
    return ((double)(next_u64(r) >> 11) + 1.0) * 0x1.0p-53;
}

/* uniform in [0, 1) */
static double unit0(struct rng *r)
{
    return (double)(next_u64(r) >> 11) * 0x1.0p-53;
}

/* standard normal (Box–Muller, one of the pair) */
static double normal(struct rng *r)
{
    double u1 = unit(r), u2 = unit(r);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* gamma of shape k, scale 1 (Marsaglia & Tsang 2000; k < 1 by boosting) */
static double gamma_unit(struct rng *r, double k)
{
    if (k == 1.0)
        return -log(unit(r));
    double boost = 1.0;
    if (k < 1.0) {
        boost = pow(unit(r), 1.0 / k);
        k += 1.0;
    }
    double d = k - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x = normal(r), v = 1.0 + c * x;
        if (v <= 0)
            continue;
        v = v * v * v;
        double u = unit(r);
        if (log(u) < 0.5 * x * x + d - d * v + d * log(v))
            return boost * d * v;
    }
}

static const char *const dist_names[] = {[TMEM_SERVE_DIST_FIXED] = "fixed",
                                         [TMEM_SERVE_DIST_UNIFORM] = "uniform",
                                         [TMEM_SERVE_DIST_NORMAL] = "normal",
                                         [TMEM_SERVE_DIST_LOGNORMAL] = "lognormal",
                                         [TMEM_SERVE_DIST_SHAREGPT] = "sharegpt"};
_Static_assert(sizeof dist_names / sizeof dist_names[0] == TMEM_SERVE_DIST_COUNT,
               "one name per distribution");

const char *tmem_serve_dist_name(enum tmem_serve_dist_kind k)
{
    return (unsigned)k < TMEM_SERVE_DIST_COUNT ? dist_names[k] : "unknown";
}

/* ShareGPT-like lengths. Each is 4 + j with P(j) = (1 − q) q^j, q = e^(−1/θ)
 * (floor(θ · Exp(1)) is that geometric), the pair kept when p <= 1024 and
 * p + o <= 2048. Its means after that filter, with Z the kept mass,
 *   E[p] = Σ_{p=4}^{1024} p · q_p^(p−4) · S0(2045 − p) / Z,
 *   E[o] = Σ_{p=4}^{1024} q_p^(p−4) · (S1(2045 − p) + 4 · S0(2045 − p)) / Z,
 *   S0(n) = Σ_{j<n} q_o^j = (1 − q_o^n) / (1 − q_o),
 *   S1(n) = Σ_{j<n} j q_o^j = (q_o − n q_o^n + (n − 1) q_o^(n+1)) / (1 − q_o)²,
 * solved by fixed-point iteration θ ← θ · (target − 4) / (E − 4) for the
 * targets 215.196 and 204.643: θ_p = 222.19, θ_o = 201.49 (E[p] 215.19,
 * E[o] 204.64 tokens; 99.0 % of the pairs pass the filter). Without the
 * filter the means would be 4 + 1 / (e^(1/θ) − 1) ≈ 4 + θ − 0.5: the filter
 * takes 10.5 tokens off the prompt's mean and 0.35 off the output's.
 * REF: prompt, vllm-project/vllm PR #15720 and PR #17004 (benchmark_serving.py
 * --dataset-name sharegpt, 1,000 requests, seed 0, the Llama-3.1-8B-Instruct
 * tokenizer: "Total input tokens: 215196"); output, sgl-project/sglang
 * issue #1268 (sglang.bench_serving --dataset-name sharegpt, 300 requests,
 * EOS ignored so each output is the reply's length: "total_output_tokens":
 * 61393; tokenizer not stated). */
#define SHAREGPT_THETA_PROMPT 222.19
#define SHAREGPT_THETA_OUTPUT 201.49

struct tmem_serve_dist tmem_serve_sharegpt(bool output)
{
    return (struct tmem_serve_dist){TMEM_SERVE_DIST_SHAREGPT,
                                    output ? SHAREGPT_THETA_OUTPUT : SHAREGPT_THETA_PROMPT, 0};
}

const char *tmem_serve_sharegpt_source(void)
{
    return "ShareGPT_V3_unfiltered_cleaned_split as vllm bench serve samples it; prompt: 215,196 "
           "tokens / 1,000 requests (vLLM PR #15720, #17004); output: 61,393 tokens / 300 requests "
           "(SGLang issue #1268)";
}

double tmem_serve_gamma_shape(double cv)
{
    return 1.0 / (cv * cv);
}

static const double max_tokens = (double)TMEM_SERVE_MAX_TOKENS;

static enum tmem_status check_dist(const struct tmem_serve_dist *d, const char *where,
                                   struct tmem_error *err)
{
    bool ok = isfinite(d->a) && isfinite(d->b);
    switch (d->kind) {
    case TMEM_SERVE_DIST_FIXED:
        ok = ok && d->a >= 1 && d->a <= max_tokens && d->a == floor(d->a);
        break;
    case TMEM_SERVE_DIST_UNIFORM:
        ok = ok && d->a >= 1 && d->a <= d->b && d->b <= max_tokens && d->a == floor(d->a) &&
             d->b == floor(d->b);
        break;
    case TMEM_SERVE_DIST_NORMAL:
        ok = ok && d->a >= 1 && d->a <= max_tokens && d->b >= 0 && d->b <= max_tokens;
        break;
    case TMEM_SERVE_DIST_LOGNORMAL:
        ok = ok && d->a >= 0 && d->a <= log(max_tokens) && d->b >= 0 && d->b <= 4;
        break;
    case TMEM_SERVE_DIST_SHAREGPT: ok = ok && d->a >= 1 && d->a <= 1e4 && d->b == 0; break;
    case TMEM_SERVE_DIST_COUNT: ok = false; break;
    }
    if (!ok)
        return tmem__fail(err, TMEM_ERR_LIMIT, where,
                         "must be N, uniform:A:B (1 <= A <= B), normal:MEAN:SD (MEAN >= 1), "
                         "lognormal:MU:SIGMA (0 <= MU <= ln 2^24, SIGMA <= 4) or sharegpt, tokens up to 2^24");
    return TMEM_OK;
}

static uint32_t draw(struct rng *r, const struct tmem_serve_dist *d)
{
    double v = d->a;
    switch (d->kind) {
    case TMEM_SERVE_DIST_FIXED: break;
    case TMEM_SERVE_DIST_UNIFORM:
        v = d->a + floor(unit0(r) * (d->b - d->a + 1.0));
        break;
    case TMEM_SERVE_DIST_NORMAL: v = nearbyint(d->a + d->b * normal(r)); break;
    case TMEM_SERVE_DIST_LOGNORMAL: v = nearbyint(exp(d->a + d->b * normal(r))); break;
    case TMEM_SERVE_DIST_SHAREGPT:
        v = TMEM_SERVE_SHAREGPT_MIN_TOKENS + floor(d->a * -log(unit(r)));
        break;
    case TMEM_SERVE_DIST_COUNT: break;
    }
    if (!(v >= 1.0))
        v = 1.0;
    if (v > max_tokens)
        v = max_tokens;
    return (uint32_t)v;
}

/* vllm bench serve's ShareGPT filter on a drawn pair: a sharegpt prompt
 * within 4..1024 (an output's 4 holds by construction); with both sharegpt
 * prompt + output <= 2048. A pair outside is drawn again, as the benchmark
 * skips it: at most 1000 times (the fitted pair passes 99.0 % of draws). */
static bool draw_pair(struct rng *r, const struct tmem_serve_workload *w, struct tmem_serve_request *q)
{
    bool sp = w->prompt.kind == TMEM_SERVE_DIST_SHAREGPT, so = w->output.kind == TMEM_SERVE_DIST_SHAREGPT;
    for (int tries = 0; tries < 1000; tries++) {
        q->prompt_tokens = draw(r, &w->prompt);
        q->output_tokens = draw(r, &w->output);
        uint64_t total = (uint64_t)q->prompt_tokens + q->output_tokens;
        if ((!sp || q->prompt_tokens <= TMEM_SERVE_SHAREGPT_MAX_PROMPT) &&
            (!sp || !so || total <= TMEM_SERVE_SHAREGPT_MAX_TOTAL))
            return true;
    }
    return false;
}

enum tmem_status tmem_serve_workload_fill(const struct tmem_serve_workload *w,
                                          struct tmem_serve_request *reqs, uint64_t n,
                                          struct tmem_error *err)
{
    if (w == NULL || reqs == NULL)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "serve", "missing argument");
    TRY(tmem__check_range(err, "--requests", w->n_requests, 1, TMEM_SERVE_MAX_REQUESTS));
    if (n != w->n_requests)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "--requests", "the request array's length differs");
    bool open = w->concurrency == 0;
    if (open && !(isfinite(w->rate_per_s) && w->rate_per_s > 0 && w->rate_per_s <= 1e9))
        return tmem__fail(err, TMEM_ERR_LIMIT, "--rate", "must be in (0, 1e9] requests per second");
    if (!open && w->rate_per_s != 0)
        return tmem__fail(err, TMEM_ERR_INCONSISTENT, "--concurrency", "contradicts --rate");
    TRY(tmem__check_range(err, "--concurrency", w->concurrency, 0, TMEM_SERVE_MAX_REQUESTS));
    if (!(isfinite(w->burstiness_cv) && w->burstiness_cv >= 0.1 && w->burstiness_cv <= 10))
        return tmem__fail(err, TMEM_ERR_LIMIT, "--burstiness",
                         "the gaps' coefficient of variation must be in [0.1, 10] (1: Poisson)");
    TRY(check_dist(&w->prompt, "--prompt-len", err));
    TRY(check_dist(&w->output, "--output-len", err));
    struct rng len, gap; /* two streams: the lengths do not depend on the rate */
    uint64_t x = w->seed;
    for (int i = 0; i < 4; i++)
        len.s[i] = splitmix64(&x);
    for (int i = 0; i < 4; i++)
        gap.s[i] = splitmix64(&x);
    const double k = tmem_serve_gamma_shape(w->burstiness_cv);
    double t = 0, scale = open ? 1.0 / (w->rate_per_s * k) : 0.0;
    for (uint64_t i = 0; i < n; i++) {
        if (open && i > 0)
            t += gamma_unit(&gap, k) * scale;
        reqs[i] = (struct tmem_serve_request){.arrival_s = open ? t : 0.0};
        if (!draw_pair(&len, w, &reqs[i]))
            return tmem__fail(err, TMEM_ERR_LIMIT, "--prompt-len",
                             "the ShareGPT filter (prompt <= 1024, prompt + output <= 2048) "
                             "dropped 1000 draws in a row");
    }
    return TMEM_OK;
}
