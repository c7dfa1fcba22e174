/* plan_text.c — the planner's answer as text and JSON (report_plan.h): the
 * search line, one row per ranked layout (degrees, sharding, recompute,
 * micro-batch × micro-batches, offload, fused CE, peak per GPU, step time,
 * tokens/s/GPU, MFU) and why the first beats the second. Formats only. */
#include "report_plan.h"
#include "report_train.h"

#include <stdio.h>
#include <string.h>

static const char *sharding(const struct tmem_train_opts *o)
{
    if (o->fsdp != TMEM_FSDP_OFF)
        return o->fsdp == TMEM_FSDP_FULL ? "fsdp" : tmem_fsdp_name(o->fsdp);
    static const char *const zero[] = {"ddp", "zero-1", "zero-2", "zero-3"};
    return o->zero <= 3 ? zero[o->zero] : "?";
}

static uint64_t micro_batches(const struct tmem_train_opts *o)
{
    return o->pp > 1 ? o->n_microbatches : o->grad_accum;
}

void tmem__report_plan_text(FILE *out, const struct tmem_plan_view *v, const struct tmem_report_opts *ro)
{
    const struct tmem_plan_opts *p = v->opts;
    const struct tmem_plan_result *r = v->result;
    char a[32], b[32];
    /* (the search's wall time is in --json's elapsed_s: text answers are reproducible) */
    fprintf(out, "%s on %llu × %s, seq %llu, global batch %llu sequences: %llu layouts evaluated, %llu fit "
                 "in %s per GPU\n",
            v->model->name, (unsigned long long)p->gpus, p->time.gpu->name,
            (unsigned long long)p->base.seq, (unsigned long long)p->global_batch,
            (unsigned long long)r->evaluated, (unsigned long long)r->fitting,
            tmem__fmt_bytes(a, sizeof a, r->capacity_bytes, ro->si));
    if (r->n_layouts == 0) {
        fprintf(out, "no layout fits: more GPUs, a smaller global batch or a shorter sequence\n");
        return;
    }
    fprintf(out, "\n  #    dp  tp  pp  cp  ep  v  sharding recompute  mb × m    offload    ce   peak/GPU     step      tok/s/GPU  MFU\n");
    for (size_t i = 0; i < r->n_layouts; i++) {
        const struct tmem_plan_layout *l = &r->layouts[i];
        const struct tmem_train_opts *o = &l->opts;
        char mb[24];
        snprintf(mb, sizeof mb, "%llu × %llu", (unsigned long long)o->micro_batch,
                 (unsigned long long)micro_batches(o));
        tmem__fmt_seconds(b, sizeof b, l->time.step_s);
        fprintf(out, "  %-3zu %4llu %3llu %3llu %3llu %3llu %2llu  %-8s %-10s %-9s %-10s %-3s %11s %9s %10.0f  %4.1f %%\n",
                i + 1, (unsigned long long)(p->gpus / (o->tp * o->pp * o->cp)), (unsigned long long)o->tp,
                (unsigned long long)o->pp, (unsigned long long)o->cp, (unsigned long long)o->ep,
                (unsigned long long)o->virtual_stages, sharding(o), tmem_recompute_name(o->recompute), mb,
                tmem_offload_name(o->offload), o->fused_ce ? "yes" : "no",
                tmem__fmt_bytes(a, sizeof a, l->peak_bytes, ro->si), b, l->time.tokens_per_s_per_gpu,
                l->time.mfu * 100.0);
    }
    if (r->n_layouts >= 2) {
        const struct tmem_plan_layout *x = &r->layouts[0], *y = &r->layouts[1];
        enum tmem_time_item it = tmem_plan_biggest_saving(&x->time, &y->time);
        char c[32], d[32];
        tmem__fmt_seconds(a, sizeof a, x->time.step_s);
        tmem__fmt_seconds(b, sizeof b, y->time.step_s);
        tmem__fmt_seconds(c, sizeof c, x->time.exposed_s[it]);
        tmem__fmt_seconds(d, sizeof d, y->time.exposed_s[it]);
        if (x->time.step_s < y->time.step_s)
            fprintf(out, "\nwhy #1 beats #2: %s against %s per step; the biggest saving is %s, %s against %s (%s)\n",
                    a, b, tmem_time_item_name(it), c, d, tmem_time_item_rule(it));
        else if (x->peak_bytes < y->peak_bytes)
            fprintf(out, "\nwhy #1 beats #2: the same %s per step in less memory: %s against %s per GPU\n", a,
                    tmem__fmt_bytes(c, sizeof c, x->peak_bytes, ro->si), tmem__fmt_bytes(d, sizeof d, y->peak_bytes, ro->si));
        else
            fprintf(out, "\nwhy #1 beats #2: it does not: they tie (%s per step, %s per GPU); #1 is listed first\n", a,
                    tmem__fmt_bytes(c, sizeof c, x->peak_bytes, ro->si));
    }
    const struct tmem_plan_layout *best = &r->layouts[0];
    fprintf(out, "\n#1 as a command: tmem train %s --gpus %llu --tp %llu --pp %llu --cp %llu --ep %llu",
            v->model->name, (unsigned long long)p->gpus, (unsigned long long)best->opts.tp,
            (unsigned long long)best->opts.pp, (unsigned long long)best->opts.cp, (unsigned long long)best->opts.ep);
    if (best->opts.virtual_stages > 1)
        fprintf(out, " --virtual-stages %llu", (unsigned long long)best->opts.virtual_stages);
    if (best->opts.zero)
        fprintf(out, " --zero %u", best->opts.zero);
    if (best->opts.fsdp != TMEM_FSDP_OFF)
        fprintf(out, " --fsdp %s", tmem_fsdp_name(best->opts.fsdp));
    if (best->opts.sequence_parallel)
        fprintf(out, " --sequence-parallel");
    fprintf(out, " --micro-batch %llu", (unsigned long long)best->opts.micro_batch);
    if (best->opts.pp > 1)
        fprintf(out, " --micro-batches %llu", (unsigned long long)best->opts.n_microbatches);
    else if (best->opts.grad_accum > 1)
        fprintf(out, " --grad-accum %llu", (unsigned long long)best->opts.grad_accum);
    if (best->opts.recompute != TMEM_RECOMPUTE_NONE)
        fprintf(out, " --recompute %s", tmem_recompute_name(best->opts.recompute));
    if (best->opts.offload != TMEM_OFFLOAD_NONE)
        fprintf(out, " --offload %s", tmem_offload_name(best->opts.offload));
    if (best->opts.fused_ce)
        fprintf(out, " --fused-ce");
    if (v->model->encoder && v->model->head == TMEM_HEAD_CLS) /* the head train needs, as planned */
        fprintf(out, " --head cls:%llu", (unsigned long long)v->model->n_labels);
    else if (v->model->encoder)
        fprintf(out, " --head %s", tmem_head_name(v->model->head));
    fprintf(out, " --seq %llu --gpu %s\n", (unsigned long long)p->base.seq, p->time.gpu->name);
    fprintf(out, "step times at matmul efficiency %.2f of the dense %s peak (%s), flash attention %.2f of bf16 "
                 "(--attn-efficiency), %llu GPUs per node; every layout trains the same global batch\n",
            p->time.float8 ? p->time.fp8_efficiency : p->time.efficiency, p->time.float8 ? "fp8" : "bf16",
            p->time.float8 ? "--fp8-efficiency" : "--efficiency", p->time.attn_efficiency,
            (unsigned long long)p->base.gpus_per_node);
}

static struct tmem_json *plan_obj(const struct tmem_plan_opts *p, const struct tmem_train_opts *o)
{
    struct tmem_json *j = tmem__json_object();
    tmem__json_set_u64(j, "gpus", p->gpus);
    tmem__json_set_u64(j, "dp", p->gpus / (o->tp * o->pp * o->cp));
    tmem__json_set_u64(j, "tp", o->tp);
    tmem__json_set_u64(j, "pp", o->pp);
    tmem__json_set_u64(j, "cp", o->cp);
    tmem__json_set_u64(j, "ep", o->ep);
    tmem__json_set_u64(j, "virtual_stages", o->virtual_stages);
    tmem__json_set_u64(j, "zero", o->zero);
    tmem__json_set_str(j, "fsdp", tmem_fsdp_name(o->fsdp));
    tmem__json_set_bool(j, "sequence_parallel", o->sequence_parallel);
    tmem__json_set_str(j, "recompute", tmem_recompute_name(o->recompute));
    tmem__json_set_u64(j, "micro_batch", o->micro_batch);
    tmem__json_set_u64(j, "micro_batches", micro_batches(o));
    tmem__json_set_str(j, "offload", tmem_offload_name(o->offload));
    tmem__json_set_bool(j, "fused_ce", o->fused_ce);
    return j;
}

int tmem__report_plan_json(FILE *out, const struct tmem_plan_view *v)
{
    const struct tmem_plan_opts *p = v->opts;
    const struct tmem_plan_result *r = v->result;
    struct tmem_json *x = tmem__json_object();
    if (x == NULL)
        return -1;
    struct tmem_json *g = tmem__json_object();
    tmem__json_set_str(g, "name", p->time.gpu->name);
    tmem__json_set_u64(g, "memory_bytes", p->time.gpu->memory_bytes);
    tmem__json_set_obj(x, "gpu", g);
    tmem__json_set_u64(x, "gpus", p->gpus);
    tmem__json_set_u64(x, "seq", p->base.seq);
    tmem__json_set_u64(x, "global_batch", p->global_batch);
    tmem__json_set_u64(x, "capacity_bytes", r->capacity_bytes);
    tmem__json_set_u64(x, "evaluated", r->evaluated);
    tmem__json_set_u64(x, "fitting", r->fitting);
    tmem__json_set_real(x, "elapsed_s", v->elapsed_s);
    struct tmem_json *ls = tmem__json_array();
    for (size_t i = 0; i < r->n_layouts; i++) {
        const struct tmem_plan_layout *l = &r->layouts[i];
        struct tmem_json *e = tmem__json_object();
        tmem__json_set_u64(e, "rank", (uint64_t)i + 1);
        tmem__json_set_obj(e, "plan", plan_obj(p, &l->opts));
        struct tmem_json *pg = tmem__json_object();
        tmem__json_set_u64(pg, "total", l->peak_bytes);
        tmem__json_set_obj(e, "per_gpu_bytes", pg);
        tmem__json_set_str(e, "peak_phase", tmem_phase_name(l->peak_phase));
        tmem__json_set_obj(e, "timing", tmem__report_timing_json(&l->time, &p->time));
        tmem__json_push(ls, e);
    }
    tmem__json_set_obj(x, "layouts", ls);
    return tmem__report_doc_json(out, "plan", v->model, x);
}
