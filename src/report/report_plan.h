/* report_plan.h — formatting the planner's answer (tmem plan): the search
 * line, the ranked layouts with their ledger totals and step times, why the
 * first beats the second, and the JSON document. Computes nothing. */
#ifndef TMEM_REPORT_PLAN_H
#define TMEM_REPORT_PLAN_H

#include "report.h"
#include "tmem/plan.h"

struct tmem_plan_view {
    const struct tmem_model *model;
    const struct tmem_plan_opts *opts;
    const struct tmem_plan_result *result;
    double elapsed_s; /* the search's wall time, measured by the caller */
};

void tmem__report_plan_text(FILE *out, const struct tmem_plan_view *v, const struct tmem_report_opts *ro);
/* 0, or -1 when the document could not be built */
int tmem__report_plan_json(FILE *out, const struct tmem_plan_view *v);

#endif /* TMEM_REPORT_PLAN_H */
