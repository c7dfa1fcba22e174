/* inspect_text.c — `tmem inspect` as text: the files read and how much of
 * them, the tensors by group and by element type with exact counts and
 * bytes, bits per weight, and the comparison with the formula, one line per
 * finding. */
#define _POSIX_C_SOURCE 200809L
#include "inspect.h"

#include <string.h>

const char *tmem__fmt_shape(char *buf, size_t cap, const struct tmem_ckpt_tensor *t)
{
    size_t o = (size_t)snprintf(buf, cap, "[");
    for (unsigned i = 0; i < t->n_dims && o < cap; i++)
        o += (size_t)snprintf(buf + o, cap - o, "%s%llu", i ? ", " : "",
                              (unsigned long long)t->dims[i]);
    if (o < cap)
        snprintf(buf + o, cap - o, "]");
    return buf;
}

static double pct(uint64_t part, uint64_t total)
{
    return total ? 100.0 * (double)part / (double)total : 0.0;
}

static const char *base(const char *p)
{
    const char *s = strrchr(p, '/');
    return s && s[1] ? s + 1 : p;
}

static void print_files(FILE *out, const struct tmem_inspect_view *v,
                        const struct tmem_report_opts *o)
{
    const struct tmem_ckpt *c = v->ckpt;
    const struct tmem_ckpt_summary *s = v->sum;
    char a[32], b[32];
    if (c->format == TMEM_CKPT_GGUF)
        fprintf(out, "%s: GGUF v%u, %u tensors, %u metadata keys, alignment %llu\n", c->path,
                c->gguf_version, c->n_tensors, c->n_kv, (unsigned long long)c->gguf_alignment);
    else if (c->index_path)
        fprintf(out, "%s: safetensors, %u shards (index %s), %u tensors\n", c->path, c->n_files,
                base(c->index_path), c->n_tensors);
    else
        fprintf(out, "%s: safetensors, %u file%s, %u tensors\n", c->path, c->n_files,
                c->n_files == 1 ? "" : "s", c->n_tensors);
    fprintf(out, "headers: %s bytes of %s on disk; only they are read, never the tensor data\n",
            tmem__fmt_count(a, sizeof a, s->header_bytes),
            tmem__fmt_bytes(b, sizeof b, s->file_bytes, o->si));
    if (c->format == TMEM_CKPT_GGUF) {
        const struct tmem_ckpt_kv *arch = tmem_ckpt_kv_find(c, "general.architecture");
        const struct tmem_ckpt_kv *name = tmem_ckpt_kv_find(c, "general.name");
        if (arch && arch->type == TMEM_GGUF_STRING)
            fprintf(out, "architecture: %s%s%s%s\n", arch->str,
                    name && name->type == TMEM_GGUF_STRING ? " (" : "",
                    name && name->type == TMEM_GGUF_STRING ? name->str : "",
                    name && name->type == TMEM_GGUF_STRING ? ")" : "");
    }
}

static void print_groups(FILE *out, const struct tmem_inspect_view *v,
                         const struct tmem_report_opts *o)
{
    const struct tmem_ckpt_summary *s = v->sum;
    char a[32], b[32], c[32];
    fprintf(out, "\n%-16s %17s %8s %12s %8s\n", "group", "params", "share", "bytes", "tensors");
    for (unsigned g = 0; g < TMEM_CKPT_GROUP_COUNT; g++) {
        if (s->group_tensors[g] == 0 && g >= (unsigned)TMEM_GROUP_ROUTER)
            continue;
        fprintf(out, "%-16s %17s %7.2f%% %12s %8u\n", tmem_ckpt_group_name(g),
                tmem__fmt_count(a, sizeof a, s->group_params[g]),
                pct(s->group_params[g], s->total_params),
                tmem__fmt_bytes(b, sizeof b, s->group_bytes[g], o->si), s->group_tensors[g]);
    }
    fprintf(out, "%-16s %17s %7.2f%% %12s %8u\n", "total",
            tmem__fmt_count(a, sizeof a, s->total_params), 100.0,
            tmem__fmt_bytes(b, sizeof b, s->total_bytes, o->si), v->ckpt->n_tensors);
    fprintf(out, "(%s params, %s bytes: %.2f bits per weight)\n",
            tmem__fmt_short(c, sizeof c, s->total_params),
            tmem__fmt_count(a, sizeof a, s->total_bytes), s->bits_per_weight);
    if (s->quant_tensors)
        fprintf(out, "quantization overhead: %s in %u tensors (scales, zero points, g_idx, absmax), "
                     "not parameters; packed weights count as the weights they hold\n",
                tmem__fmt_bytes(b, sizeof b, s->quant_bytes, o->si), s->quant_tensors);

    fprintf(out, "\n%-16s %17s %8s %12s %8s\n", v->ckpt->format == TMEM_CKPT_GGUF ? "ggml type" : "dtype",
            "params", "bits/w", "bytes", "tensors");
    for (uint32_t i = 0; i < s->n_dtypes; i++) {
        const struct tmem_ckpt_dtype_sum *d = &s->dtypes[i];
        const struct tmem_block_type *ti = tmem_ckpt_type_info(v->ckpt->format, d->type);
        fprintf(out, "%-16s %17s %8.3f %12s %8u\n", ti ? ti->name : "?",
                tmem__fmt_count(a, sizeof a, d->params),
                d->params ? 8.0 * (double)d->bytes / (double)d->params : 0.0,
                tmem__fmt_bytes(b, sizeof b, d->bytes, o->si), d->n_tensors);
    }
}

static void print_tensors(FILE *out, const struct tmem_inspect_view *v)
{
    const struct tmem_ckpt *c = v->ckpt;
    char a[32], b[32], sh[128];
    fprintf(out, "\n%-52s %-14s %-8s %-22s %15s %15s\n", "tensor", "group", "type", "shape",
            "params", "bytes");
    for (uint32_t i = 0; i < c->n_tensors; i++) {
        const struct tmem_ckpt_tensor *t = &c->tensors[i];
        const struct tmem_block_type *ti = tmem_ckpt_type_info(c->format, t->type);
        fprintf(out, "%-52s %-14s %-8s %-22s %15s %15s\n", t->name, tmem_ckpt_group_name(t->group),
                ti ? ti->name : "?", tmem__fmt_shape(sh, sizeof sh, t),
                tmem__fmt_count(a, sizeof a, t->n_params), tmem__fmt_count(b, sizeof b, t->n_bytes));
    }
}

static void print_check(FILE *out, const struct tmem_inspect_view *v)
{
    const struct tmem_ckpt_check *k = v->check;
    char a[32];
    if (k == NULL) {
        fprintf(out, "\nno check against a formula: %s\n",
                v->no_check ? v->no_check : "no model description found");
        return;
    }
    fprintf(out, "\ncheck against %s (%s: %s params by formula):\n", k->against,
            tmem_family_info(k->model.family)->name, tmem__fmt_count(a, sizeof a, k->formula_params));
    static const char *const tag[] = {"ok", "DIFFERS", "note"};
    uint32_t n_diff = 0;
    for (uint32_t i = 0; i < k->n_lines; i++) {
        fprintf(out, "  %-8s %s\n", tag[k->lines[i].status], k->lines[i].text);
        n_diff += k->lines[i].status == TMEM_CHECK_DIFF;
    }
    if (v->notes && v->notes[0])
        fprintf(out, "  %-8s %s\n", "note", v->notes);
    if (k->matches)
        fprintf(out, "verdict: the headers agree with the formula\n");
    else
        fprintf(out, "verdict: the headers and the formula differ (%u finding%s above)\n", n_diff,
                n_diff == 1 ? "" : "s");
}

void tmem__report_inspect_text(FILE *out, const struct tmem_inspect_view *v,
                              const struct tmem_report_opts *o)
{
    print_files(out, v, o);
    print_groups(out, v, o);
    if (v->tensors)
        print_tensors(out, v);
    print_check(out, v);
}
