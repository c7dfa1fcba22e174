/* serve_workload.c — tmem serve's synthetic workload: a seeded PRNG
 * (xoshiro256** seeded through splitmix64, Blackman & Vigna), request
 * lengths from a fixed, uniform, normal or lognormal distribution, and open-
 * loop arrivals as vllm bench serve draws them: the first request at t = 0,
 * then gaps from a gamma distribution of shape k and scale 1 / (rate · k)
 * (mean 1/rate). --burstiness is the gaps' coefficient of variation CV: a
 * gamma of shape k has mean kθ and SD √k·θ, so CV = 1/√k and k = 1/CV²
 * (CV 1: exponential gaps, a Poisson process; CV > 1 burstier). vllm bench
 * serve's --burstiness B is k itself (gamma(shape=B, scale=1/(rate·B))).
 * REF: vllm/benchmarks/serve.py get_request. */
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
                                         [TMEM_SERVE_DIST_LOGNORMAL] = "lognormal"};
_Static_assert(sizeof dist_names / sizeof dist_names[0] == TMEM_SERVE_DIST_COUNT,
               "one name per distribution");

const char *tmem_serve_dist_name(enum tmem_serve_dist_kind k)
{
    return (unsigned)k < TMEM_SERVE_DIST_COUNT ? dist_names[k] : "unknown";
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
    case TMEM_SERVE_DIST_COUNT: ok = false; break;
    }
    if (!ok)
        return tmem__fail(err, TMEM_ERR_LIMIT, where,
                         "must be N, uniform:A:B (1 <= A <= B), normal:MEAN:SD (MEAN >= 1) or "
                         "lognormal:MU:SIGMA (0 <= MU <= ln 2^24, SIGMA <= 4), tokens up to 2^24");
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
    case TMEM_SERVE_DIST_COUNT: break;
    }
    if (!(v >= 1.0))
        v = 1.0;
    if (v > max_tokens)
        v = max_tokens;
    return (uint32_t)v;
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
        reqs[i].prompt_tokens = draw(&len, &w->prompt);
        reqs[i].output_tokens = draw(&len, &w->output);
    }
    return TMEM_OK;
}
