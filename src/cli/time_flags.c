/* time_flags.c — the step-time flags tmem train and tmem plan share
 * (--efficiency, --fp8-efficiency, --attn-efficiency, --inter-node-gbps,
 * --float8): checked, then set over the core's named defaults. */
#include "cli.h"
#include "tmem/train.h"

#include <stdio.h>

/* a fraction flag over *dst: 0, or 2 after its error line */
static int fraction(const struct real_opt *v, const char *name, double *dst)
{
    if (!v->set)
        return 0;
    if (!(v->v > 0.0 && v->v <= 1.0)) {
        cli_error(name, "must be a fraction in (0, 1] (0.4 is 40 % of the peak)", NULL);
        return 2;
    }
    *dst = v->v;
    return 0;
}

int tmem__time_flags(const struct tmem__time_flag_vals *f, struct tmem_train_time_opts *to)
{
    const struct real_opt *inter_gbps = &f->inter_gbps;
    bool float8 = f->float8;
    if (fraction(&f->efficiency, "--efficiency", &to->efficiency) != 0 ||
        fraction(&f->fp8_efficiency, "--fp8-efficiency", &to->fp8_efficiency) != 0 ||
        fraction(&f->attn_efficiency, "--attn-efficiency", &to->attn_efficiency) != 0)
        return 2;
    if (inter_gbps->set) {
        if (!(inter_gbps->v > 0.0 && inter_gbps->v <= 1e6)) {
            cli_error("--inter-node-gbps", "must be in (0, 1000000] Gb/s", NULL);
            return 2;
        }
        to->inter_node_bytes_per_s = inter_gbps->v * 1e9 / 8.0;
    }
    if (float8 && !(to->gpu->fp8_flops > 0)) {
        char msg[128];
        snprintf(msg, sizeof msg, "%s has no fp8 tensor rate", to->gpu->name);
        cli_error("--float8", msg, NULL);
        return 2;
    }
    to->float8 = float8;
    to->tp_overlap = f->tp_overlap;
    return 0;
}
