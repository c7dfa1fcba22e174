/* report.h — a ledger written the way the tmem command writes it: as text
 * (one line per entry, grouped by bucket, formulas under each line when
 * explaining, then the total and a fit verdict) or as the JSON document of
 * `tmem train --json` / `tmem infer --json` without their command-specific
 * keys (schema: CONTRACT.md; keys schema_version, tmem_version, command,
 * model, gpu, fits, per_gpu_bytes, entries). */
#ifndef TMEM_REPORT_H_PUBLIC
#define TMEM_REPORT_H_PUBLIC

#include "tmem/read.h"
#include "tmem/tmem.h"

#include <stdbool.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Writes l to out as text: binary units (KiB, MiB, GiB) unless si (kB, MB,
 * GB); formulas when explain. gpu may be NULL (no verdict line). Allocates
 * nothing. out or l NULL: nothing written. */
void tmem_ledger_write_text(FILE *out, const struct tmem_ledger *l, const struct tmem_gpu *gpu,
                            bool si, bool explain);

/* Writes l to out as one JSON document. command names it ("train"), m is
 * the resolved model it is for, gpu may be NULL ("gpu" and "fits" are null
 * then). Builds the document with alc (NULL: malloc/free). Returns TMEM_OK;
 * TMEM_ERR_NOMEM, with nothing written, when the document could not be
 * built (out of memory, or a value of 2^63 or more, which tmem's JSON
 * integers do not hold); TMEM_ERR_INVALID_ARG when out, command, m or l is
 * NULL. */
enum tmem_status tmem_ledger_write_json(FILE *out, const char *command, const struct tmem_model *m,
                                        const struct tmem_ledger *l, const struct tmem_gpu *gpu,
                                        const struct tmem_allocator *alc,
                                        struct tmem_error *err);

#ifdef __cplusplus
}
#endif

#endif /* TMEM_REPORT_H_PUBLIC */
