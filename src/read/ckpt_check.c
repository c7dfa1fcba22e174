/* ckpt_check.c — a checkpoint's totals (by group and by element type) and
 * its comparison with the formula inventory of a model description: totals,
 * each group, tied embeddings, layer coverage, and the tensors the formula
 * does not count, one line each. Counting is the core's (tmem_inventory_build);
 * this file only adds up what the headers say and compares. */
#define _POSIX_C_SOURCE 200809L
#include "checked.h"
#include "ckpt_internal.h"
#include "utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum tmem_status tmem_ckpt_summarize(const struct tmem_ckpt *c, struct tmem_ckpt_summary *s,
                                     struct tmem_error *err)
{
    memset(s, 0, sizeof *s);
    for (uint32_t f = 0; f < c->n_files; f++) {
        s->file_bytes += c->files[f].file_bytes; /* both below 2^63 each, few files */
        s->header_bytes += c->files[f].header_bytes;
    }
    for (uint32_t i = 0; i < c->n_tensors; i++) {
        const struct tmem_ckpt_tensor *t = &c->tensors[i];
        unsigned g = t->group < TMEM_CKPT_GROUP_COUNT ? t->group : TMEM_CKPT_GROUP_OTHER;
        if (!tmem_add_u64(s->total_params, t->n_params, &s->total_params) ||
            !tmem_add_u64(s->total_bytes, t->n_bytes, &s->total_bytes) ||
            !tmem_add_u64(s->group_params[g], t->n_params, &s->group_params[g]) ||
            !tmem_add_u64(s->group_bytes[g], t->n_bytes, &s->group_bytes[g]))
            return tmem__ckpt_fail(err, TMEM_ERR_OVERFLOW, c->path, t->name, t->info_offset,
                                  "the checkpoint's totals do not fit in 64 bits");
        s->group_tensors[g]++;
        if (t->reason == TMEM_CKPT_REASON_QUANT) { /* bounded by total_bytes, checked above */
            s->quant_bytes += t->n_bytes;
            s->quant_tensors++;
        }
        uint32_t k = 0;
        while (k < s->n_dtypes && s->dtypes[k].type != t->type)
            k++;
        if (k == s->n_dtypes) {
            if (k == TMEM_MAX_CKPT_DTYPES)
                return tmem__ckpt_fail(err, TMEM_ERR_CAPACITY, c->path, t->name, t->info_offset,
                                      "more than %u element types", TMEM_MAX_CKPT_DTYPES);
            s->dtypes[s->n_dtypes++] = (struct tmem_ckpt_dtype_sum){.type = t->type};
        }
        s->dtypes[k].n_tensors++;
        s->dtypes[k].params += t->n_params; /* bounded by total_params, checked above */
        s->dtypes[k].bytes += t->n_bytes;
    }
    for (uint32_t i = 1; i < s->n_dtypes; i++) /* largest first, stable */
        for (uint32_t j = i; j > 0 && s->dtypes[j].bytes > s->dtypes[j - 1].bytes; j--) {
            struct tmem_ckpt_dtype_sum x = s->dtypes[j];
            s->dtypes[j] = s->dtypes[j - 1];
            s->dtypes[j - 1] = x;
        }
    s->bits_per_weight =
        s->total_params ? 8.0 * (double)s->total_bytes / (double)s->total_params : 0.0;
    return TMEM_OK;
}

/* ------------------------------------------------------------------ check */

static const char *commas(char *buf, size_t cap, uint64_t v)
{
    char d[24];
    int n = snprintf(d, sizeof d, "%llu", (unsigned long long)v);
    size_t o = 0;
    for (int i = 0; i < n && o + 2 < cap; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = d[i];
    }
    buf[o] = '\0';
    return buf;
}

static const char *signed_diff(char *buf, size_t cap, uint64_t have, uint64_t want)
{
    char n[32];
    if (have >= want)
        snprintf(buf, cap, "+%s", commas(n, sizeof n, have - want));
    else
        snprintf(buf, cap, "-%s", commas(n, sizeof n, want - have));
    return buf;
}

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 3, 4)))
#endif
static void line(struct tmem_ckpt_check *k, enum tmem_check_status st, const char *fmt, ...)
{
    if (st == TMEM_CHECK_DIFF)
        k->matches = false;
    if (k->n_lines == TMEM_CHECK_MAX_LINES)
        return;
    struct tmem_check_line *l = &k->lines[k->n_lines++];
    l->status = st;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(l->text, sizeof l->text, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n >= sizeof l->text)
        tmem__cut_mark(l->text, sizeof l->text);
}

/* "3, 7, 12" from up to 8 layer indices, then "and N more" */
static void list_layers(char *buf, size_t cap, const uint32_t *idx, uint32_t n)
{
    size_t o = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < n && i < 8 && o < cap; i++)
        o += (size_t)snprintf(buf + o, cap - o, "%s%u", i ? ", " : "", idx[i]);
    if (n > 8 && o < cap)
        snprintf(buf + o, cap - o, " and %u more", n - 8);
}

/* Layers whose params in group g differ from the most common value; with
 * a hybrid model m, among the layers of one kind only (attends: the
 * attention layers, else the SSM layers). */
static void check_layer_group_of(struct tmem_ckpt_check *k, const uint64_t *per_layer, uint64_t L,
                                 enum tmem_group g, uint32_t *scratch,
                                 const struct tmem_model *m, bool attends)
{
#define OF_KIND(i) (m == NULL || (tmem_model_attn_layers_in(m, (i), (i) + 1) == 1) == attends)
    uint64_t mode = 0, best = 0, n_kind = 0;
    for (uint64_t i = 0; i < L; i++) { /* majority vote, Boyer-Moore */
        if (!OF_KIND(i))
            continue;
        n_kind++;
        if (best == 0) {
            mode = per_layer[i];
            best = 1;
        } else if (per_layer[i] == mode) {
            best++;
        } else {
            best--;
        }
    }
    uint32_t n = 0;
    for (uint64_t i = 0; i < L; i++)
        if (OF_KIND(i) && per_layer[i] != mode)
            scratch[n++] = (uint32_t)i;
#undef OF_KIND
    if (n == 0 || n == n_kind)
        return;
    char list[96], a[32];
    list_layers(list, sizeof list, scratch, n);
    line(k, TMEM_CHECK_DIFF, "%s differs in layer%s %s from the %s params most %slayers hold",
         tmem_group_name(g), n > 1 ? "s" : "", list, commas(a, sizeof a, mode),
         m == NULL ? "" : attends ? "attention " : "SSM ");
}

static void check_layer_group(struct tmem_ckpt_check *k, const uint64_t *per_layer, uint64_t L,
                              enum tmem_group g, uint32_t *scratch)
{
    check_layer_group_of(k, per_layer, L, g, scratch, NULL, false);
}

enum tmem_status tmem__ckpt_check(const struct tmem_ckpt *c, const struct tmem_ckpt_summary *s,
                                  const struct tmem_model *m, const char *against,
                                  struct tmem_ckpt_check *out, struct tmem_error *err)
{
    memset(out, 0, sizeof *out);
    out->matches = true;
    tmem__copy_marked(out->against, sizeof out->against, against ? against : "the model");
    out->model = *m;
    enum tmem_status st = tmem_inventory_build(m, &out->inv, err);
    if (st != TMEM_OK)
        return st;
    out->formula_params = out->inv.total_params;
    (void)s;

    const uint64_t L = m->n_layer;
    uint64_t group[TMEM_GROUP_COUNT] = {0}, extra_params = 0, reason_params[TMEM_CKPT_REASON_COUNT] = {0};
    uint32_t extra_tensors = 0, reason_tensors[TMEM_CKPT_REASON_COUNT] = {0};
    const char *reason_example[TMEM_CKPT_REASON_COUNT] = {0};
    uint64_t *per_layer = tmem__calloc((size_t)L * 3 + 1, sizeof *per_layer); /* attention, norm, all */
    uint32_t *scratch = tmem__calloc((size_t)L + 1, sizeof *scratch);
    if (per_layer == NULL || scratch == NULL) {
        tmem__dealloc(per_layer);
        tmem__dealloc(scratch);
        return tmem__ckpt_fail(err, TMEM_ERR_NOMEM, c->path, NULL, 0, "out of memory");
    }
    for (uint32_t i = 0; i < c->n_tensors; i++) {
        const struct tmem_ckpt_tensor *t = &c->tensors[i];
        if (t->group >= TMEM_GROUP_COUNT) {
            enum tmem_ckpt_reason r = (enum tmem_ckpt_reason)t->reason;
            reason_params[r] += t->n_elems; /* sums below the checked total */
            if (reason_tensors[r]++ == 0)
                reason_example[r] = t->name;
            continue;
        }
        if (t->layer >= 0 && (uint64_t)t->layer >= L) {
            extra_params += t->n_params;
            extra_tensors++;
            continue;
        }
        group[t->group] += t->n_params;
        if (t->layer >= 0) {
            per_layer[2 * L + (uint64_t)t->layer] += 1;
            if (t->group == TMEM_GROUP_ATTENTION)
                per_layer[t->layer] += t->n_params;
            else if (t->group == TMEM_GROUP_NORM)
                per_layer[L + (uint64_t)t->layer] += t->n_params;
        }
    }
    uint64_t compared = 0;
    for (int g = 0; g < TMEM_GROUP_COUNT; g++)
        compared += group[g];
    out->compared_params = compared;

    char a[32], b[32], d[32];
    if (compared == out->formula_params)
        line(out, TMEM_CHECK_OK, "total: %s params in the headers = %s by formula",
             commas(a, sizeof a, compared), commas(b, sizeof b, out->formula_params));
    else
        line(out, TMEM_CHECK_DIFF, "total: %s params in the headers but %s by formula (%s)",
             commas(a, sizeof a, compared), commas(b, sizeof b, out->formula_params),
             signed_diff(d, sizeof d, compared, out->formula_params));

    char same[160] = "";
    size_t so = 0;
    for (int g = 0; g < TMEM_GROUP_COUNT; g++) {
        uint64_t want = out->inv.group_params[g];
        if (group[g] == want) {
            if (want > 0 && so < sizeof same)
                so += (size_t)snprintf(same + so, sizeof same - so, "%s%s", so ? ", " : "",
                                       tmem_group_name((enum tmem_group)g));
            continue;
        }
        line(out, TMEM_CHECK_DIFF, "%s: %s params in the headers but %s by formula (%s)",
             tmem_group_name((enum tmem_group)g), commas(a, sizeof a, group[g]),
             commas(b, sizeof b, want), signed_diff(d, sizeof d, group[g], want));
    }
    if (same[0])
        line(out, TMEM_CHECK_OK, "groups that match exactly: %s", same);

    bool has_head = group[TMEM_GROUP_LM_HEAD] > 0;
    out->tied = !has_head;
    if (m->encoder && m->head == TMEM_HEAD_NONE && !has_head)
        line(out, TMEM_CHECK_OK, "no head: the encoder's last hidden states, as in %s",
             out->against);
    else if (m->tied && !has_head)
        line(out, TMEM_CHECK_OK,
             "tied embeddings: no lm_head tensor, the embedding serves as the head, as in %s",
             out->against);
    else if (!m->tied && has_head)
        line(out, TMEM_CHECK_OK, "lm_head: its own tensor, untied, as in %s", out->against);
    else if (m->tied)
        line(out, TMEM_CHECK_DIFF,
             "%s ties the embeddings but the checkpoint also stores an lm_head (%s params)",
             out->against, commas(a, sizeof a, group[TMEM_GROUP_LM_HEAD]));
    else
        line(out, TMEM_CHECK_DIFF,
             "%s says the lm_head is untied but the checkpoint has no lm_head tensor: it ties "
             "them",
             out->against);

    uint32_t n_missing = 0;
    for (uint64_t i = 0; i < L; i++)
        if (per_layer[2 * L + i] == 0)
            scratch[n_missing++] = (uint32_t)i;
    if (n_missing) {
        char list[96];
        list_layers(list, sizeof list, scratch, n_missing);
        line(out, TMEM_CHECK_DIFF, "missing layers: no tensors for layer%s %s (n_layer is %llu)",
             n_missing > 1 ? "s" : "", list, (unsigned long long)L);
    } else if (m->hybrid && !m->hybrid_parallel) {
        /* a hybrid's attention sits in its attention layers only: each of
         * those holds the same, the others none */
        uint32_t n_wrong = 0;
        uint64_t want = 0;
        for (uint64_t i = 0; i < L; i++) {
            bool attends = tmem_model_attn_layers_in(m, i, i + 1) == 1;
            if (attends && want == 0)
                want = per_layer[i];
            if (attends ? per_layer[i] != want || want == 0 : per_layer[i] != 0)
                scratch[n_wrong++] = (uint32_t)i;
        }
        if (n_wrong) {
            char list[96];
            list_layers(list, sizeof list, scratch, n_wrong);
            line(out, TMEM_CHECK_DIFF,
                 "attention differs in layer%s %s from the model's pattern (%s params in each "
                 "attention layer, none in the others)",
                 n_wrong > 1 ? "s" : "", list, commas(a, sizeof a, want));
        }
        /* Qwen3-Next's attention layers add q/k norms the others lack */
        check_layer_group_of(out, per_layer + L, L, TMEM_GROUP_NORM, scratch, m, true);
        check_layer_group_of(out, per_layer + L, L, TMEM_GROUP_NORM, scratch, m, false);
    } else {
        check_layer_group(out, per_layer, L, TMEM_GROUP_ATTENTION, scratch);
        check_layer_group(out, per_layer + L, L, TMEM_GROUP_NORM, scratch);
    }
    if (extra_tensors)
        line(out, TMEM_CHECK_NOTE,
             "%u tensors (%s params) sit in layers at or past n_layer %llu: not in the formula "
             "(DeepSeek-V3's multi-token-prediction layer is one such)",
             extra_tensors, commas(a, sizeof a, extra_params), (unsigned long long)L);
    for (int r = 1; r < TMEM_CKPT_REASON_COUNT; r++) {
        if (reason_tensors[r] == 0)
            continue;
        if (r == TMEM_CKPT_REASON_UNKNOWN) {
            uint32_t shown = 0;
            for (uint32_t i = 0; i < c->n_tensors && shown < 8; i++) {
                const struct tmem_ckpt_tensor *t = &c->tensors[i];
                if (t->group < TMEM_GROUP_COUNT || t->reason != TMEM_CKPT_REASON_UNKNOWN)
                    continue;
                shown++;
                char nm[120 + TMEM_CUT_MARK_BYTES + 1];
                tmem__copy_marked(nm, sizeof nm, t->name);
                line(out, TMEM_CHECK_NOTE, "not in the formula: %s (%s params)", nm,
                     commas(a, sizeof a, t->n_elems));
            }
            if (reason_tensors[r] > shown)
                line(out, TMEM_CHECK_NOTE, "not in the formula: %u more tensors (%s params in all)",
                     reason_tensors[r] - shown, commas(a, sizeof a, reason_params[r]));
            continue;
        }
        char ex[80 + TMEM_CUT_MARK_BYTES + 1];
        tmem__copy_marked(ex, sizeof ex, reason_example[r]);
        line(out, TMEM_CHECK_NOTE, "%u tensor%s (%s elements): %s, e.g. %s", reason_tensors[r],
             reason_tensors[r] > 1 ? "s" : "", commas(a, sizeof a, reason_params[r]),
             tmem_ckpt_reason_text((enum tmem_ckpt_reason)r), ex);
    }
    tmem__dealloc(per_layer);
    tmem__dealloc(scratch);
    return TMEM_OK;
}
