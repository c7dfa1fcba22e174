/* cmd_plan.c — `tmem plan MODEL --gpus N --gpu G --seq S --global-batch B`:
 * the layouts that fit, ranked by step time. Parses the search, asks the
 * core's planner, times the search and hands the answer to the report. */
#include "cli.h"
#include "output.h"
#include "report_plan.h"

#include <string.h>
#include <time.h>

struct plan_flags {
    bool json, si, no_offload;
    struct u64_opt gpus, seq, global_batch, gpus_per_node, nodes, tp_max, pp_max, cp_max, top;
    struct real_opt headroom;
    struct tmem__time_flag_vals time;
    const char *gpu, *precision, *optimizer, *attention;
    struct cli_out_flags out;
};

#define N_PLAN_ROWS 23
#define N_PLAN_OPTS (N_PLAN_ROWS + 1) /* and --format */

static void plan_opts(struct plan_flags *f, struct opt *o)
{
    struct tmem_plan_opts d;
    tmem_plan_defaults(&d, NULL);
    const struct opt tab[] = {
        {OPT_ROW("--json", OPT_FLAG, NULL, "print a JSON document", &f->json)},
        {OPT_ROW("--si", OPT_FLAG, NULL, "decimal units (GB) instead of binary (GiB)", &f->si)},
        {OPT_ROW("--gpus", OPT_U64, "N", "GPUs of the job (required)", &f->gpus)},
        {OPT_ROW("--gpu", OPT_STR, "NAME", "the GPU (required; tmem gpus)", &f->gpu), .choice = tmem__choice_gpu},
        {OPT_ROW("--seq", OPT_U64, "S", "sequence length (required)", &f->seq)},
        {OPT_ROW("--global-batch", OPT_U64, "B", "sequences per optimizer step (required)", &f->global_batch)},
        {OPT_ROW("--gpus-per-node", OPT_U64, "N", "GPUs per node", &f->gpus_per_node),
         .def = OPT_DEFAULT_U64(d.base.gpus_per_node)},
        {OPT_ROW("--nodes", OPT_U64, "N", "nodes the GPUs are spread over (sets --gpus-per-node)", &f->nodes)},
        {OPT_ROW("--inter-node-gbps", OPT_REAL, "F", "network between nodes per GPU, one direction, Gb/s", &f->time.inter_gbps),
         .def = OPT_DEFAULT_REAL(TMEM_TRAIN_INTER_NODE_GBPS)},
        TMEM__TIME_OPT_ROWS("", &f->time),
        {OPT_ROW("--precision", OPT_STR, "P", "precision policy", &f->precision), .choice = tmem__choice_precision,
         .def = OPT_DEFAULT_TEXT(tmem_precision_name(d.base.precision))},
        {OPT_ROW("--optimizer", OPT_STR, "O", "optimizer", &f->optimizer), .choice = tmem__choice_optimizer,
         .def = OPT_DEFAULT_TEXT(tmem_optimizer_name(d.base.optimizer))},
        {OPT_ROW("--attention", OPT_STR, "A", "attention kernel", &f->attention), .choice = tmem__choice_attention,
         .def = OPT_DEFAULT_TEXT(tmem_attention_name(d.base.attention))},
        {OPT_ROW("--tp-max", OPT_U64, "N", "largest tensor-parallel degree (default: a node)", &f->tp_max)},
        {OPT_ROW("--pp-max", OPT_U64, "N", "largest pipeline degree (default: n_layer)", &f->pp_max)},
        {OPT_ROW("--cp-max", OPT_U64, "N", "largest context-parallel degree", &f->cp_max), .def = OPT_DEFAULT_U64(1)},
        {OPT_ROW("--no-offload", OPT_FLAG, NULL, "never move states or weights to the host", &f->no_offload)},
        {OPT_ROW("--headroom", OPT_REAL, "F", "fraction of the GPU's memory kept free", &f->headroom),
         .def = OPT_DEFAULT_REAL(0.0)},
        {OPT_ROW("--top", OPT_U64, "K", "layouts to print", &f->top), .def = OPT_DEFAULT_U64(d.top)},
    };
    _Static_assert(sizeof tab / sizeof tab[0] == N_PLAN_ROWS, "N_PLAN_ROWS counts the rows");
    memcpy(o, tab, sizeof tab);
    cli_out_rows(&f->out, o + N_PLAN_ROWS, false);
}

static void plan_doc(struct model_flags *mf, struct plan_flags *f, struct opt *opts, struct cmd_doc *d)
{
    plan_opts(f, opts);
    model_flag_opts(mf, opts + N_PLAN_OPTS);
    *d = (struct cmd_doc){
        .name = "plan",
        .synopsis = "MODEL --gpus N --gpu NAME --seq S --global-batch B [options]",
        .summary = "the training layouts that fit, ranked by step time",
        .about = "Every layout of the job: data, tensor, pipeline, context and expert parallel degrees\n"
                 "multiplying to --gpus, virtual stages, ZeRO stage or FSDP, recompute, the micro-batch\n"
                 "(dividing the replica's share of --global-batch, the rest as gradient accumulation or\n"
                 "pipeline micro-batches), offload and fused cross-entropy. Each is checked against the\n"
                 "exact training ledger (tmem train) and the GPU's memory less --headroom; those that\n"
                 "fit are ranked by step time (tmem train's time model) and the --top fastest printed,\n"
                 "with why the first beats the second and the first as a tmem train command.",
        .opts = opts, .n_opts = N_PLAN_OPTS,
        .shared = opts + N_PLAN_OPTS, .n_shared = MODEL_FLAG_COUNT};
}

void tmem__plan_doc(cmd_doc_sink sink, void *ctx)
{
    struct model_flags mf = {0};
    struct plan_flags f = {0};
    struct opt opts[N_PLAN_OPTS + MODEL_FLAG_COUNT];
    struct cmd_doc d;
    plan_doc(&mf, &f, opts, &d);
    sink(&d, ctx);
}

static int required(const struct u64_opt *v, const char *flag)
{
    if (v->set && v->v > 0)
        return 0;
    cli_error(flag, v->set ? "must be at least 1" : "is required", "tmem plan --help");
    return 2;
}

static int build(const struct plan_flags *f, const struct opt *opts, size_t n, struct tmem_plan_opts *p)
{
    if (f->gpu == NULL) {
        cli_error("--gpu", "is required (the memory to fit in and the rates)", "tmem gpus lists them");
        return 2;
    }
    const struct tmem_gpu *gpu;
    if (tmem__gpu_arg(f->gpu, &gpu) != 0)
        return 2;
    if (required(&f->gpus, "--gpus") || required(&f->seq, "--seq") || required(&f->global_batch, "--global-batch"))
        return 2;
    tmem_plan_defaults(p, gpu);
    p->gpus = f->gpus.v;
    p->global_batch = f->global_batch.v;
    p->base.seq = f->seq.v;
    if (f->gpus_per_node.set)
        p->base.gpus_per_node = f->gpus_per_node.v;
    if (f->nodes.set) {
        if (f->nodes.v == 0 || p->gpus % f->nodes.v != 0) {
            cli_error("--nodes", "must divide --gpus", NULL);
            return 2;
        }
        p->base.gpus_per_node = p->gpus / f->nodes.v;
    }
    if (p->base.gpus_per_node == 0) {
        cli_error("--gpus-per-node", "must be at least 1", NULL);
        return 2;
    }
    if (tmem__time_flags(&f->time, &p->time) != 0)
        return 2;
    if (f->headroom.set) {
        if (!(f->headroom.v >= 0.0 && f->headroom.v < 1.0)) {
            cli_error("--headroom", "must be a fraction in [0, 1) (0.1 keeps 10 % free)", NULL);
            return 2;
        }
        p->headroom_ppm = (uint32_t)(f->headroom.v * 1e6 + 0.5);
    }
    if (f->top.set) {
        if (f->top.v < 1 || f->top.v > TMEM_PLAN_MAX_TOP) {
            cli_error("--top", "must be in [1, 64]", NULL);
            return 2;
        }
        p->top = (size_t)f->top.v;
    }
    p->tp_max = f->tp_max.set ? f->tp_max.v : 0;
    p->pp_max = f->pp_max.set ? f->pp_max.v : 0;
    p->cp_max = f->cp_max.set ? f->cp_max.v : 0;
    if ((f->tp_max.set && f->tp_max.v == 0) || (f->pp_max.set && f->pp_max.v == 0) ||
        (f->cp_max.set && f->cp_max.v == 0)) {
        cli_error(f->tp_max.set && f->tp_max.v == 0 ? "--tp-max" : f->pp_max.set && f->pp_max.v == 0 ? "--pp-max" : "--cp-max",
                  "must be at least 1", NULL);
        return 2;
    }
    p->no_offload = f->no_offload;
    int k;
    if (f->precision) {
        if ((k = tmem__pick(opts, n, "--precision", f->precision, "precision policy",
                            (int)tmem_precision_from_name(f->precision), TMEM_PRECISION_COUNT)) < 0)
            return 2;
        p->base.precision = (enum tmem_precision)k;
    }
    if (f->optimizer) {
        if ((k = tmem__pick(opts, n, "--optimizer", f->optimizer, "optimizer",
                            (int)tmem_optimizer_from_name(f->optimizer), TMEM_OPTIMIZER_COUNT)) < 0)
            return 2;
        p->base.optimizer = (enum tmem_optimizer)k;
    }
    if (f->attention) {
        if ((k = tmem__pick(opts, n, "--attention", f->attention, "attention kernel",
                            (int)tmem_attention_from_name(f->attention), TMEM_ATTENTION_COUNT)) < 0)
            return 2;
        p->base.attention = (enum tmem_attention)k;
    }
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    if (timespec_get(&ts, TIME_UTC) != TIME_UTC)
        return 0.0;
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int cmd_plan(int argc, char **argv)
{
    struct model_flags mf = {0};
    struct plan_flags f = {0};
    struct opt opts[N_PLAN_OPTS + MODEL_FLAG_COUNT];
    struct cmd_doc doc;
    plan_doc(&mf, &f, opts, &doc);
    const char *pos[1];
    size_t n_pos = 0;
    int go = tmem__args_parse_doc(&doc, argc, argv, pos, 1, &n_pos);
    if (go != 0)
        return go == 1 ? 0 : 2;
    static struct tmem_plan_opts p;
    if (build(&f, opts, sizeof opts / sizeof opts[0], &p) != 0)
        return 2;
    struct tmem_model m;
    static struct tmem_inventory inv;
    if (tmem__model_inventory_from_args(n_pos ? pos[0] : NULL, &mf, &m, &inv) != 0)
        return 2;
    if (f.attention == NULL) /* the family's kernel, as train takes it (DeBERTa: eager) */
        p.base.attention = tmem_train_family_attention(&m, NULL);
    static struct tmem_plan_result r;
    struct tmem_error err = {0};
    double t0 = now_s();
    if (tmem_plan(&m, &inv, &p, &r, &err) != TMEM_OK)
        return report_error(&err);
    struct tmem_plan_view v = {.model = &m, .opts = &p, .result = &r, .elapsed_s = now_s() - t0};
    struct cli_out out;
    if (cli_out_begin(&out, &f.out, f.json, f.si) != 0)
        return 2;
    int rc = 0;
    if (out.doc != NULL && tmem__report_plan_json(out.doc, &v) != 0) {
        cli_error("plan", TMEM_JSON_FAILED, NULL);
        rc = 2;
    }
    struct tmem_report_opts ro = {.si = f.si};
    if (out.text != NULL)
        tmem__report_plan_text(out.text, &v, &ro);
    return cli_out_end(&out, rc);
}
