/* time_flags.c — the step-time flags tmem train and tmem plan share
 * (--efficiency, --inter-node-gbps, --float8): checked, then set over the
 * core's named defaults. */
#include "cli.h"
#include "tmem/train.h"

#include <stdio.h>

int tmem__time_flags(const struct real_opt *efficiency, const struct real_opt *inter_gbps, bool float8,
                     struct tmem_train_time_opts *to)
{
    if (efficiency->set) {
        if (!(efficiency->v > 0.0 && efficiency->v <= 1.0)) {
            cli_error("--efficiency", "must be a fraction in (0, 1] (0.4 is 40 % of the peak)", NULL);
            return 2;
        }
        to->efficiency = efficiency->v;
    }
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
    return 0;
}
