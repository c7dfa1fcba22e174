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

uint64_t tmem_train_ds_item(struct tmem_train_ctx *c, enum tmem_train_item it, struct tmem_sb *f);
uint64_t tmem_train_ds_host(struct tmem_train_ctx *c, struct tmem_sb *f);

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

/* floor(p · num / den · 1.5), dividing before multiplying (tmem_scale_u64)
 * so only a result past 64 bits overflows */
static uint64_t buffered(struct tmem_train_ctx *c, uint64_t p, uint64_t num, uint64_t den)
{
    uint64_t r, n = tc_mul(c, num, TMEM_TRAIN_DS_BUFFER_FACTOR_PCT), d = tc_mul(c, den, 100);
    if (d == 0 || !tmem_scale_u64(p, n, d, false, &r)) {
        c->overflow = true;
        return 0;
    }
    return r;
}

uint64_t tmem_train_ds_item(struct tmem_train_ctx *c, enum tmem_train_item it, struct tmem_sb *f)
{
    struct ds_in d;
    ds_inputs(c, &d);
    bool z3 = c->o->zero == 3;
    if (it == TMEM_TI_DS_LARGEST) {
        if (!z3)
            return 0;
        fs(f, "4 × largest_layer_params (16-bit param + grad) = 4 × ");
        fu(f, d.ll);
        return tc_mul(c, 4, d.ll);
    }
    if (c->o->offload == TMEM_OFFLOAD_PARAMS && z3)
        return 0;
    uint64_t k = c->o->offload == TMEM_OFFLOAD_NONE ? 18 : 2;
    uint64_t v = tc_mul(c, d.p, k) / d.g;
    if (z3) {
        fs(f, k == 18 ? "int(18 × total_params / gpus) = int(18 × " : "int(2 × total_params / gpus) = int(2 × ");
    } else if (k == 18) {
        fs(f, "2 × total_params + int(18 × total_params / gpus) = 2 × ");
        fu(f, d.p);
        fs(f, " + int(18 × ");
        v = tc_add(c, tc_mul(c, 2, d.p), v);
    } else {
        fs(f, "2 × total_params = 2 × ");
        fu(f, d.p);
        return tc_mul(c, 2, d.p);
    }
    fu(f, d.p);
    fs(f, " / ");
    fu(f, d.g);
    fs(f, ")");
    return v;
}

uint64_t tmem_train_ds_host(struct tmem_train_ctx *c, struct tmem_sb *f)
{
    struct ds_in d;
    ds_inputs(c, &d);
    bool zi = c->o->ds_zero_init;
    enum tmem_offload off = c->o->offload;
    if (c->o->zero == 2) {
        if (off == TMEM_OFFLOAD_NONE) {
            fs(f, "total_params × 4 × gpus_per_node × 1.5");
            return buffered(c, d.p, 4 * d.gpn, 1);
        }
        uint64_t k = 4 * d.g > 16 ? 4 * d.g : 16;
        fs(f, "total_params × max(4 × gpus, 16) × 1.5 = ");
        fu(f, d.p);
        fs(f, " × ");
        fu(f, k);
        fs(f, " × 1.5");
        return buffered(c, d.p, k, 1);
    }
    if (off == TMEM_OFFLOAD_NONE) {
        if (zi) {
            fs(f, "largest_layer_params × 4 × gpus_per_node × 1.5 = ");
            fu(f, d.ll);
            fs(f, " × 4 × ");
            fu(f, d.gpn);
            fs(f, " × 1.5");
            return buffered(c, d.ll, 4 * d.gpn, 1);
        }
        fs(f, "total_params × 4 × gpus_per_node × 1.5 = ");
        fu(f, d.p);
        fs(f, " × 4 × ");
        fu(f, d.gpn);
        fs(f, " × 1.5");
        return buffered(c, d.p, 4 * d.gpn, 1);
    }
    uint64_t k = off == TMEM_OFFLOAD_PARAMS ? 18 : 16;
    /* max(4·gpn, k/nodes): compare 4·gpn·nodes with k */
    if (!zi && 4 * d.gpn * d.nodes >= k) {
        fs(f, "total_params × 4 × gpus_per_node × 1.5 = ");
        fu(f, d.p);
        fs(f, " × 4 × ");
        fu(f, d.gpn);
        fs(f, " × 1.5");
        return buffered(c, d.p, 4 * d.gpn, 1);
    }
    fs(f, "total_params × ");
    fu(f, k);
    fs(f, " / nodes × 1.5 = ");
    fu(f, d.p);
    fs(f, " × ");
    fu(f, k);
    fs(f, " / ");
    fu(f, d.nodes);
    fs(f, " × 1.5");
    return buffered(c, d.p, k, d.nodes);
}
