/* train_ds.c — --deepspeed-estimator: DeepSpeed's own model-states estimate,
 * rule for rule, so its documented tables can be reproduced and compared
 * with tmem's full ledger. Model states only: no activations, buffers or
 * overheads, exactly as DeepSpeed prints it.
 *
 * REF: deepspeed/runtime/zero/stage3.py estimate_zero3_model_states_mem_needs
 *   largest_layer_memory = 4 · largest_layer_params      (16-bit param + grad)
 *   offload param + opt:  gpu = largest_layer_memory
 *                         cpu = P·18/nodes·1.5 (zero_init) or P·max(4·gpn, 18/nodes)·1.5
 *   offload opt:          gpu = largest_layer_memory + int(2·P/G)
 *                         cpu = P·16/nodes·1.5 (zero_init) or P·max(4·gpn, 16/nodes)·1.5
 *   no offload:           gpu = largest_layer_memory + int(18·P/G)
 *                         cpu = largest_layer·4·gpn·1.5 (zero_init) or P·4·gpn·1.5
 * REF: deepspeed/runtime/zero/stage_1_and_2.py estimate_zero2_model_states_mem_needs
 *   (after PR #5099): offload gpu = 2·P, cpu = P·max(4·G, 16)·1.5;
 *   no offload gpu = 2·P + int(18·P/G), cpu = P·4·gpn·1.5
 * P total parameters, G = gpus, gpn gpus per node, additional_buffer_factor 1.5. */
#include "train_internal.h"

struct ds_in {
    uint64_t p, ll, g, gpn, nodes;
};

static void ds_inputs(const struct tmem_train_ctx *c, struct ds_in *d)
{
    const struct tmem_train_opts *o = c->o;
    d->p = o->ds_total_params ? o->ds_total_params : c->inv->total_params;
    d->ll = o->ds_largest_layer_params;
    if (d->ll == 0) /* DeepSpeed: the module with the most direct parameters */
        for (uint32_t i = 0; i < c->inv->n_tensors; i++) {
            const struct tmem_tensor *t = &c->inv->tensors[i];
            if (t->rows * t->cols > d->ll)
                d->ll = t->rows * t->cols;
        }
    d->g = c->dp * c->tp * c->pp * c->cp;
    d->gpn = o->gpus_per_node < d->g ? o->gpus_per_node : d->g;
    d->nodes = tmem_ceil_div_u64(d->g, d->gpn);
}

/* int(p × factors × 1.5 [/ nodes]): DeepSpeed's int(cpu_mem), the buffer
 * factor 1.5 exact: floor(p · factors · 1.5 / nodes), the factors and the
 * nodes one fraction applied to p that divides before it multiplies
 * (tmem_scale_u64), so only a result past 64 bits overflows */
static void buffered(const struct tmem_train_ctx *c, struct tmem__term *t, const char *p_sym,
                     uint64_t p, const char *const *f_sym, const uint64_t *f, int n_f, uint64_t nodes)
{
    (void)c;
    struct tmem__term sub;
    tmem__term_init_int(&sub, t->text);
    tmem__term_mul(&sub, p_sym, p);
    for (int i = 0; i < n_f; i++) {
        char num[24] = "";
        if (t->text) {
            struct tmem_sb sb;
            tmem__sb_init(&sb, num, sizeof num);
            tmem__sb_u64(&sb, f[i]);
        }
        tmem__term_mul_frac(&sub, f_sym[i], num, f[i], 1);
    }
    char shown[24] = "";
    if (t->text) { /* 150 → "1.5" */
        struct tmem_sb sb;
        uint64_t pct = TMEM_TRAIN_DS_BUFFER_FACTOR_PCT;
        tmem__sb_init(&sb, shown, sizeof shown);
        tmem__sb_u64(&sb, pct / 100);
        if (pct % 100 != 0) {
            char d[4] = {'.', (char)('0' + pct % 100 / 10), (char)('0' + pct % 10), '\0'};
            if (d[2] == '0')
                d[2] = '\0';
            tmem__sb_str(&sb, d);
        }
    }
    tmem__term_mul_frac(&sub, NULL, shown, TMEM_TRAIN_DS_BUFFER_FACTOR_PCT, 100);
    if (nodes != 0)
        tmem__term_div_frac(&sub, "nodes", nodes);
    tmem__term_mul_term(t, &sub);
}

void tmem__train_ds_item(struct tmem_train_ctx *c, enum tmem_train_item it, struct tmem__term *t)
{
    struct ds_in d;
    ds_inputs(c, &d);
    bool z3 = c->o->zero == 3;
    if (it == TMEM_TI_DS_LARGEST) {
        if (!z3)
            return;
        tmem__term_mul(t, NULL, 4);
        tmem__term_mul(t, "largest_layer_params", d.ll);
        tmem__term_note(t, " (16-bit param + grad)", NULL);
        return;
    }
    if (it != TMEM_TI_DS_STATES || (c->o->offload == TMEM_OFFLOAD_PARAMS && z3))
        return;
    uint64_t k = c->o->offload == TMEM_OFFLOAD_NONE ? 18 : 2;
    if (!z3) { /* ZeRO-2 keeps the 16-bit parameters whole: 2 × total_params */
        tmem__term_mul(t, NULL, 2);
        tmem__term_mul(t, "total_params", d.p);
        if (k == 2)
            return;
    }
    struct tmem__term share; /* int(k × total_params / gpus) */
    tmem__term_init_int(&share, t->text);
    tmem__term_mul(&share, NULL, k);
    tmem__term_mul(&share, "total_params", d.p);
    tmem__term_div_floor(&share, "gpus", d.g);
    if (z3)
        tmem__term_mul_term(t, &share);
    else
        tmem__term_plus_term(t, &share);
}

void tmem__train_ds_host(struct tmem_train_ctx *c, struct tmem__term *t)
{
    struct ds_in d;
    ds_inputs(c, &d);
    bool zi = c->o->ds_zero_init;
    enum tmem_offload off = c->o->offload;
    static const char *const per_gpu[] = {NULL, "gpus_per_node"};
    const uint64_t gpn[] = {4, d.gpn};
    if (c->o->zero == 2) {
        if (off == TMEM_OFFLOAD_NONE) {
            buffered(c, t, "total_params", d.p, per_gpu, gpn, 2, 0);
            return;
        }
        static const char *const max_sym[] = {"max(4 × gpus, 16)"};
        const uint64_t k[] = {4 * d.g > 16 ? 4 * d.g : 16};
        buffered(c, t, "total_params", d.p, max_sym, k, 1, 0);
        return;
    }
    if (off == TMEM_OFFLOAD_NONE) {
        if (zi)
            buffered(c, t, "largest_layer_params", d.ll, per_gpu, gpn, 2, 0);
        else
            buffered(c, t, "total_params", d.p, per_gpu, gpn, 2, 0);
        return;
    }
    const uint64_t k[] = {off == TMEM_OFFLOAD_PARAMS ? 18 : 16};
    /* max(4·gpn, k/nodes): compare 4·gpn·nodes with k */
    if (!zi && 4 * d.gpn * d.nodes >= k[0]) {
        buffered(c, t, "total_params", d.p, per_gpu, gpn, 2, 0);
        return;
    }
    static const char *const no_sym[] = {NULL};
    buffered(c, t, "total_params", d.p, no_sym, k, 1, d.nodes);
}
