/* public.c — the public ledger writers (tmem/report.h): thin entry points
 * over the reports the command uses, so a library user's output matches
 * tmem's. The JSON writer makes the caller's allocator current for the
 * call (alloc.h). */
#include "tmem/report.h"

#include "alloc.h"
#include "error.h"
#include "report.h"

#include <stdio.h>

void tmem_ledger_write_text(FILE *out, const struct tmem_ledger *l, const struct tmem_gpu *gpu,
                            bool si, bool explain)
{
    if (out == NULL || l == NULL)
        return;
    const struct tmem_report_opts o = {.si = si, .explain = explain};
    struct tmem_fit fit = {0};
    if (gpu != NULL)
        tmem_ledger_fit(l, gpu->memory_bytes, &fit);
    tmem__report_ledger_text(out, l, &o);
    tmem__report_verdict_text(out, l, gpu, gpu ? &fit : NULL, &o);
}

enum tmem_status tmem_ledger_write_json(FILE *out, const char *command, const struct tmem_model *m,
                                        const struct tmem_ledger *l, const struct tmem_gpu *gpu,
                                        const struct tmem_allocator *alc,
                                        struct tmem_error *err)
{
    enum tmem_status st = TMEM_OK;
    const char *msg = NULL;
    if (out == NULL || command == NULL || m == NULL || l == NULL) {
        st = TMEM_ERR_INVALID_ARG;
        msg = "no output, command, model or ledger given";
    } else {
        struct tmem_fit fit = {0};
        if (gpu != NULL)
            tmem_ledger_fit(l, gpu->memory_bytes, &fit);
        const struct tmem_allocator *prev = tmem__alloc_push(alc);
        if (tmem__report_ledger_json(out, command, m, l, gpu, gpu ? &fit : NULL, NULL) != 0) {
            st = TMEM_ERR_NOMEM;
            msg = "could not build the JSON document (out of memory, or a value of 2^63 or more)";
        }
        tmem__alloc_pop(prev);
    }
    return st == TMEM_OK ? TMEM_OK : tmem__fail(err, st, "ledger", msg);
}
