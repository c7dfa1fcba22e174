/* text.c — human-readable reports: aligned columns, labelled units, and with
 * --explain every formula under its line plus a closing paragraph that
 * names the largest part first ("how to say it out loud"). */
#define _POSIX_C_SOURCE 200809L
#include "report.h"

#include <string.h>

static const char *legend_line(char *buf, size_t cap, const struct tmem_model *m)
{
    char shared[96] = "";
    if (m->n_expert > 0)
        snprintf(shared, sizeof shared, " · n_expert %llu · n_expert_used %llu · d_ff_expert %llu",
                 (unsigned long long)m->n_expert, (unsigned long long)m->n_expert_used,
                 (unsigned long long)m->d_ff_expert);
    if (m->ssm != TMEM_SSM_NONE) { /* no attention: the mixer's sizes instead */
        char heads[96] = "";
        if (m->ssm == TMEM_SSM_GDN)
            snprintf(heads, sizeof heads, " · n_v_head %llu · d_v %llu · n_k_head %llu",
                     (unsigned long long)m->ssm_n_head, (unsigned long long)m->ssm_d_head,
                     (unsigned long long)m->ssm_n_group);
        else if (m->ssm == TMEM_SSM_MAMBA2)
            snprintf(heads, sizeof heads, " · n_ssm_head %llu · ssm_d_head %llu · n_group %llu",
                     (unsigned long long)m->ssm_n_head, (unsigned long long)m->ssm_d_head,
                     (unsigned long long)m->ssm_n_group);
        else
            snprintf(heads, sizeof heads, " · dt_rank %llu", (unsigned long long)m->ssm_dt_rank);
        snprintf(buf, cap,
                 "d_model %llu · n_layer %llu · d_inner %llu · d_state %llu · d_conv %llu%s · "
                 "n_vocab %llu · %s",
                 (unsigned long long)m->d_model, (unsigned long long)m->n_layer,
                 (unsigned long long)m->ssm_d_inner, (unsigned long long)m->ssm_d_state,
                 (unsigned long long)m->ssm_d_conv, heads, (unsigned long long)m->n_vocab,
                 m->tied ? "tied embeddings" : "untied lm_head");
        return buf;
    }
    snprintf(buf, cap,
             "d_model %llu · n_layer %llu · n_head %llu · n_kv_head %llu · d_head %llu · d_ff %llu"
             " · n_vocab %llu%s · %s",
             (unsigned long long)m->d_model, (unsigned long long)m->n_layer,
             (unsigned long long)m->n_head, (unsigned long long)m->n_kv_head,
             (unsigned long long)m->d_head, (unsigned long long)m->d_ff,
             (unsigned long long)m->n_vocab, shared,
             m->tied ? "tied embeddings" : "untied lm_head");
    if (m->encdec) { /* n_layer, n_head and d_ff above are the decoder's */
        size_t used = strlen(buf);
        snprintf(buf + used, cap - used,
                 " · encoder n_enc_layer %llu · n_enc_head %llu · d_ff_enc %llu (n_layer, n_head, d_ff: the decoder's)",
                 (unsigned long long)m->n_enc_layer, (unsigned long long)m->n_enc_head,
                 (unsigned long long)m->d_ff_enc);
    }
    return buf;
}

static double share(uint64_t part, uint64_t total)
{
    return total ? 100.0 * (double)part / (double)total : 0.0;
}

/* "n_layer × d_model × n_head·d_head = 32 × 4096 × 4096" */
static void tensor_formula(FILE *out, const struct tmem_tensor *t)
{
    const char *cs = t->count_sym;
    bool one = strcmp(cs, "1") == 0;
    if (one)
        fprintf(out, "%s", t->shape_sym);
    else
        fprintf(out, "%s × %s", cs, t->shape_sym);
    fprintf(out, " = ");
    if (!one)
        fprintf(out, "%llu × ", (unsigned long long)t->count);
    if (t->cols == 1)
        fprintf(out, "%llu", (unsigned long long)t->rows);
    else
        fprintf(out, "%llu × %llu", (unsigned long long)t->rows, (unsigned long long)t->cols);
}

static bool group_shown(const struct tmem_params_view *v, enum tmem_group g)
{
    if (g == TMEM_GROUP_VISION)
        return v->inv->group_params[g] > 0;
    if (g >= TMEM_GROUP_ROUTER)
        return v->inv->group_params[g] > 0 ||
               (v->n_moe_layer > 0 && g != TMEM_GROUP_SHARED_EXPERTS && g != TMEM_GROUP_SSM);
    return true;
}

/* Prints text word-wrapped to `width` columns, each line indented. */
static void print_wrapped(FILE *out, const char *text, int indent, int width)
{
    const char *p = text;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *line = p, *brk = NULL;
        int cols = 0;
        while (*p && cols < width - indent) {
            if (*p == ' ')
                brk = p;
            if ((*p & 0xC0) != 0x80) /* count UTF-8 characters, not bytes */
                cols++;
            p++;
        }
        if (*p && brk != NULL)
            p = brk;
        fprintf(out, "%*s%.*s\n", indent, "", (int)(p - line), line);
    }
}

static void params_narrative(FILE *real_out, const struct tmem_params_view *v,
                             const struct tmem_report_opts *o)
{
    char text[2048];
    FILE *out = fmemopen(text, sizeof text, "w");
    if (out == NULL)
        return;
    const struct tmem_inventory *inv = v->inv;
    char a[32], b[32];
    enum tmem_group order[TMEM_GROUP_COUNT];
    for (int g = 0; g < TMEM_GROUP_COUNT; g++)
        order[g] = (enum tmem_group)g;
    for (int i = 1; i < TMEM_GROUP_COUNT; i++) /* largest first */
        for (int j = i; j > 0 && inv->group_params[order[j]] > inv->group_params[order[j - 1]]; j--) {
            enum tmem_group t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    fprintf(out, "%s has %s parameters (%s).",
            v->model->name[0] ? v->model->name : "This model", tmem__fmt_short(a, sizeof a, inv->total_params),
            tmem__fmt_count(b, sizeof b, inv->total_params));
    fprintf(out, " The largest part is %s at %.1f%%", tmem_group_name(order[0]),
            share(inv->group_params[order[0]], inv->total_params));
    if (inv->group_params[order[1]] > 0)
        fprintf(out, ", then %s at %.1f%%", tmem_group_name(order[1]),
                share(inv->group_params[order[1]], inv->total_params));
    fprintf(out, ".");
    if (v->model->tied)
        fprintf(out, " The lm_head is tied to the embedding, so that matrix is counted once.");
    else
        fprintf(out, " The lm_head is its own %s-parameter matrix.",
                tmem__fmt_short(a, sizeof a, inv->group_params[TMEM_GROUP_LM_HEAD]));
    if (inv->active_params != inv->total_params)
        fprintf(out, " A token passes through %s of them (%.1f%%): %llu of %llu experts per MoE layer.",
                tmem__fmt_short(a, sizeof a, inv->active_params),
                share(inv->active_params, inv->total_params),
                (unsigned long long)v->model->n_expert_used, (unsigned long long)v->model->n_expert);
    fprintf(out, " Stored in bf16 the weights alone take %s.",
            tmem__fmt_bytes(a, sizeof a, v->dtype_bytes[TMEM_DTYPE_BF16], o->si));
    fputc('\0', out);
    fclose(out);
    text[sizeof text - 1] = '\0';
    fprintf(real_out, "\nHow to say it out loud:\n");
    print_wrapped(real_out, text, 2, 88);
}

void tmem__report_params_text(FILE *out, const struct tmem_params_view *v,
                             const struct tmem_report_opts *o)
{
    const struct tmem_model *m = v->model;
    const struct tmem_inventory *inv = v->inv;
    const struct tmem_family_info *fi = tmem_family_info(m->family);
    char line[512], a[32], b[32];

    fprintf(out, "%s  (%s: %s)\n", m->name[0] ? m->name : "model", fi->name, fi->description);
    fprintf(out, "%s\n", legend_line(line, sizeof line, m));
    if (m->encoder) {
        fprintf(out, "encoder: bidirectional attention · head %s", tmem_head_name(m->head));
        if (m->head == TMEM_HEAD_CLS)
            fprintf(out, " (%llu labels)", (unsigned long long)m->n_labels);
        fprintf(out, "\n");
    }
    if (m->attn == TMEM_ATTN_MLA)
        fprintf(out, "MLA: q_lora_rank %llu · kv_lora_rank %llu · qk_nope %llu · qk_rope %llu · v_head %llu\n",
                (unsigned long long)m->q_lora_rank, (unsigned long long)m->kv_lora_rank,
                (unsigned long long)m->qk_nope_dim, (unsigned long long)m->qk_rope_dim,
                (unsigned long long)m->v_head_dim);
    if (m->hybrid && m->hybrid_parallel)
        fprintf(out, "hybrid: attention (n_head %llu · n_kv_head %llu · d_head %llu) and Mamba-2 side by "
                "side in every layer · d_ff %llu\n",
                (unsigned long long)m->n_head, (unsigned long long)m->n_kv_head,
                (unsigned long long)m->d_head, (unsigned long long)m->d_ff);
    else if (m->hybrid) {
        uint64_t na = tmem_model_attn_layers_in(m, 0, m->n_layer);
        fprintf(out, "hybrid: attention in %llu of %llu layers (n_head %llu · n_kv_head %llu · d_head "
                "%llu), the others %s · d_ff %llu\n",
                (unsigned long long)na, (unsigned long long)m->n_layer,
                (unsigned long long)m->n_head, (unsigned long long)m->n_kv_head,
                (unsigned long long)m->d_head, m->ssm == TMEM_SSM_GDN ? "Gated DeltaNet"
                                                : m->ssm == TMEM_SSM_MAMBA2 ? "Mamba-2" : "Mamba",
                (unsigned long long)m->d_ff);
    }
    if (v->n_moe_layer > 0)
        fprintf(out, "MoE: %llu of %llu layers (the others dense)%s%s\n",
                (unsigned long long)v->n_moe_layer, (unsigned long long)m->n_layer,
                m->d_ff_shared ? " · shared experts' d_ff " : "",
                m->d_ff_shared ? tmem__fmt_count(a, sizeof a, m->d_ff_shared) : "");

    if (m->vision.kind != TMEM_VISION_NONE) {
        static const char *const tower[] = {
            [TMEM_VISION_NONE] = "", [TMEM_VISION_CLIP] = "CLIP ViT",
            [TMEM_VISION_SIGLIP] = "SigLIP ViT", [TMEM_VISION_QWEN25_VL] = "Qwen2.5-VL ViT",
            [TMEM_VISION_MLLAMA] = "Mllama tiled ViT"};
        _Static_assert(sizeof tower / sizeof tower[0] == TMEM_VISION_COUNT, "one name per tower");
        static const char *const proj[] = {
            [TMEM_PROJECTOR_NONE] = "none", [TMEM_PROJECTOR_MLP2] = "2-layer MLP (GELU)",
            [TMEM_PROJECTOR_GEMMA3] = "RMSNorm + linear",
            [TMEM_PROJECTOR_QWEN25_MERGER] = "2×2 patch merger MLP",
            [TMEM_PROJECTOR_LINEAR] = "linear (into cross-attention)"};
        _Static_assert(sizeof proj / sizeof proj[0] == TMEM_PROJECTOR_COUNT, "one name per projector");
        const struct tmem_vision *vt = &m->vision;
        fprintf(out, "vision: %s · d_model %llu · n_layer %llu · n_head %llu · d_ff %llu · patch %llu",
                tower[vt->kind], (unsigned long long)vt->d_model, (unsigned long long)vt->n_layer,
                (unsigned long long)vt->n_head, (unsigned long long)vt->d_ff,
                (unsigned long long)vt->patch);
        if (vt->image_size)
            fprintf(out, " · image %llu", (unsigned long long)vt->image_size);
        fprintf(out, " · projector %s\n", proj[vt->projector]);
    }

    fprintf(out, "\n%-16s %17s %8s\n", "group", "params", "share");
    for (int g = 0; g < TMEM_GROUP_COUNT; g++) {
        if (!group_shown(v, (enum tmem_group)g))
            continue;
        fprintf(out, "%-16s %17s %7.2f%%\n", tmem_group_name((enum tmem_group)g),
                tmem__fmt_count(a, sizeof a, inv->group_params[g]),
                share(inv->group_params[g], inv->total_params));
        if (!o->explain && !o->tensors)
            continue;
        for (uint32_t i = 0; i < inv->n_tensors; i++) {
            const struct tmem_tensor *t = &inv->tensors[i];
            if (t->group != (enum tmem_group)g)
                continue;
            fprintf(out, "    %-26s %15s   ", t->name, tmem__fmt_count(a, sizeof a, t->params));
            tensor_formula(out, t);
            fprintf(out, "\n");
        }
        if (g == TMEM_GROUP_LM_HEAD && m->tied && (o->explain || o->tensors))
            fprintf(out, "    %-26s %15s   tied to embed_tokens: counted once\n", "lm_head", "0");
    }
    fprintf(out, "%-16s %17s %7.2f%%  (%s)\n", "total", tmem__fmt_count(a, sizeof a, inv->total_params),
            100.0, tmem__fmt_short(b, sizeof b, inv->total_params));
    if (inv->active_params != inv->total_params)
        fprintf(out, "%-16s %17s %7.2f%%  (%s)  %s\n",
                "active/token", tmem__fmt_count(a, sizeof a, inv->active_params),
                share(inv->active_params, inv->total_params),
                tmem__fmt_short(b, sizeof b, inv->active_params),
                v->n_moe_layer > 0 && m->vision.kind != TMEM_VISION_NONE
                    ? "routed experts: n_expert_used of n_expert; the vision tower runs per image"
                : v->n_moe_layer > 0 ? "routed experts: n_expert_used of n_expert"
                                     : "a text token skips the vision tower (it runs per image)");

    fprintf(out, "\nweights");
    for (int t = 0; t < TMEM_DTYPE_COUNT; t++) {
        if (t == TMEM_DTYPE_F16 || t == TMEM_DTYPE_FP8)
            continue; /* same widths as bf16 and int8 */
        fprintf(out, "   %s %s", tmem_dtype_info((enum tmem_dtype)t)->name,
                tmem__fmt_bytes(a, sizeof a, v->dtype_bytes[t], o->si));
    }
    fprintf(out, "\n        (elements × bits / 8; quantization scales not included)\n");
    if (o->explain)
        params_narrative(out, v, o);
}

void tmem__report_ledger_text(FILE *out, const struct tmem_ledger *l,
                             const struct tmem_report_opts *o)
{
    char a[32], b[32];
    for (int bk = 0; bk < TMEM_BUCKET_COUNT; bk++) {
        for (uint32_t i = 0; i < l->n_entries; i++) {
            const struct tmem_entry *e = &l->entries[i];
            if (e->bucket != (enum tmem_bucket)bk)
                continue;
            fprintf(out, "  %-21s %-30s %12s  %19s B\n", tmem_bucket_title(e->bucket), e->label,
                    tmem__fmt_bytes(a, sizeof a, e->bytes, o->si),
                    tmem__fmt_count(b, sizeof b, e->bytes));
            if (o->explain && e->formula[0])
                fprintf(out, "  %-21s   = %s\n", "", e->formula);
        }
    }
}

void tmem__report_lab_text(FILE *out, const struct tmem_lab_view *v,
                          const struct tmem_report_opts *o)
{
    const struct tmem_lab_input *in = v->in;
    const struct tmem_lab_result *r = v->r;
    char a[32], b[32];
    fprintf(out, "tmem lab: the original lab script (memory_accounting.py), exactly\n");
    fprintf(out,
            "inputs: vocab_size %llu · d_model %llu · layers %llu · heads %llu · ffn_multiplier %s"
            " · precision_bytes %llu · adam_bytes %llu · batch_size %llu · seq_len %llu\n\n",
            (unsigned long long)in->n_vocab, (unsigned long long)in->d_model,
            (unsigned long long)in->n_layer, (unsigned long long)in->n_head,
            r->ffn_multiplier_text, (unsigned long long)in->precision_bytes,
            (unsigned long long)in->adam_bytes, (unsigned long long)in->batch_size,
            (unsigned long long)in->seq_len);
    fprintf(out, "  %-22s %-38s %17s\n", "attention per layer", r->attention_formula,
            tmem__fmt_count(a, sizeof a, r->attention_params_per_layer));
    fprintf(out, "  %-22s %-38s %17s\n", "ffn per layer", r->ffn_formula,
            tmem__fmt_count(a, sizeof a, r->ffn_params_per_layer));
    fprintf(out, "  %-22s %-38s %17s\n", "embedding", r->embedding_formula,
            tmem__fmt_count(a, sizeof a, r->embedding_params));
    fprintf(out, "  %-22s %-38s %17s  (%s)\n\n", "total params", r->total_formula,
            tmem__fmt_count(a, sizeof a, r->total_params), tmem__fmt_short(b, sizeof b, r->total_params));
    tmem__report_ledger_text(out, &r->ledger, o);

    if (v->compare_name != NULL) {
        const struct tmem_inventory *inv = v->compare_inv;
        fprintf(out, "\nexact count for %s (%s): %s params; the approximation is %+.2f%% off\n",
                v->compare_name, tmem_family_info(v->compare_model->family)->name,
                tmem__fmt_count(a, sizeof a, inv->total_params), 100.0 * v->relative_error);
        fprintf(out, "  what 4·d² + m·d² leaves out or gets wrong here:\n");
        const struct tmem_model *m = v->compare_model;
        if (m->mlp == TMEM_MLP_GATED && m->n_expert == 0)
            fprintf(out, "  - the MLP is gated: 3 · d_model · d_ff = %s per layer, not m · d_model² = %s\n",
                    tmem__fmt_count(a, sizeof a, inv->group_params[TMEM_GROUP_MLP] / m->n_layer),
                    tmem__fmt_count(b, sizeof b, r->ffn_params_per_layer));
        if (!m->tied)
            fprintf(out, "  - the lm_head is untied: another %s params\n",
                    tmem__fmt_count(a, sizeof a, inv->group_params[TMEM_GROUP_LM_HEAD]));
        fprintf(out, "  - norms and biases: %s params\n",
                tmem__fmt_count(a, sizeof a, inv->group_params[TMEM_GROUP_NORM]));
        if (m->n_kv_head != m->n_head)
            fprintf(out, "  - grouped-query attention: k and v use %llu of %llu heads\n",
                    (unsigned long long)m->n_kv_head, (unsigned long long)m->n_head);
    }
    if (o->explain)
        tmem__report_ledger_narrative(out, "The lab script's ledger comes to", &r->ledger, o);
    fprintf(out, "\nnotes (the lab's own):\n"
                 "  - training needs more than the weights: gradients and Adam states are shown,\n"
                 "    and activations are not (see `tmem train`)\n"
                 "  - the KV cache is a serving concern, not a training one\n"
                 "  - activations and allocator fragmentation are excluded\n");
}

void tmem__report_models_text(FILE *out, const struct tmem_model_row *rows, size_t n)
{
    char a[32], b[32];
    fprintf(out, "%-22s %-12s %10s %10s  %s\n", "name", "family", "params", "active", "hf id");
    for (size_t i = 0; i < n; i++) {
        const struct tmem_model_row *r = &rows[i];
        fprintf(out, "%-22s %-12s %10s %10s  %s\n", r->name, tmem_family_info(r->model->family)->name,
                tmem__fmt_short(a, sizeof a, r->total_params),
                r->active_params != r->total_params ? tmem__fmt_short(b, sizeof b, r->active_params) : "=",
                r->hf_id);
    }
    fprintf(out, "(%zu presets; names and hf ids are case-insensitive)\n", n);
}

void tmem__report_gpus_text(FILE *out, bool si)
{
    char a[32], b[32];
    fprintf(out, "%-11s %-32s %11s %12s %10s %10s %10s  %s\n", "name", "device", "nvidia-smi",
            "CUDA total", "HBM GB/s", "bf16 TF/s", "fp8 TF/s", "interconnect (GB/s, one way)");
    for (size_t i = 0; i < tmem_gpu_count(); i++) {
        const struct tmem_gpu *g = tmem_gpu_at(i);
        tmem__fmt_bytes(b, sizeof b - 1, g->cuda_memory_bytes, si);
        if (g->cuda_memory_derived)
            strcat(b, "*");
        fprintf(out, "%-11s %-32s %11s %12s %10.0f %10.1f ", g->name, g->full_name,
                tmem__fmt_bytes(a, sizeof a, g->memory_bytes, si), b, g->hbm_bytes_per_s / 1e9,
                g->bf16_flops / 1e12);
        if (g->fp8_flops > 0)
            fprintf(out, "%10.1f", g->fp8_flops / 1e12);
        else
            fprintf(out, "%10s", "-");
        fprintf(out, "  %s %.0f\n", g->interconnect, g->interconnect_bytes_per_s / 1e9);
    }
    fprintf(out, "(nvidia-smi: the driver's total; CUDA total: what cudaMemGetInfo reports to a process,\n"
                 " which vLLM sizes its pool from and tmem infer uses; * derived as nvidia-smi − 542 MiB,\n"
                 " no published figure; dense tensor-core rates, no sparsity)\n");
}

void tmem__report_verdict_text(FILE *out, const struct tmem_ledger *l, const struct tmem_gpu *gpu,
                              const struct tmem_fit *fit, const struct tmem_report_opts *o)
{
    tmem__report_verdict_text_at(out, l, gpu, gpu ? gpu->memory_bytes : 0, "as the device reports it",
                                fit, o);
}

void tmem__report_verdict_text_at(FILE *out, const struct tmem_ledger *l, const struct tmem_gpu *gpu,
                                 uint64_t memory_bytes, const char *which,
                                 const struct tmem_fit *fit, const struct tmem_report_opts *o)
{
    char a[32], b[32];
    fprintf(out, "  %-52s %12s  %19s B\n", "total per GPU", tmem__fmt_bytes(a, sizeof a, l->total_bytes, o->si),
            tmem__fmt_count(b, sizeof b, l->total_bytes));
    if (gpu == NULL || fit == NULL)
        return;
    fprintf(out, "  %-52s %12s  (%s, %s)\n", gpu->name,
            tmem__fmt_bytes(a, sizeof a, memory_bytes, o->si), gpu->full_name, which);
    enum tmem_bucket big = tmem_ledger_largest_bucket(l);
    if (fit->fits)
        fprintf(out, "\nverdict: fits, %s free; the largest bucket is %s (%s)\n",
                tmem__fmt_bytes(a, sizeof a, fit->margin_bytes, o->si), tmem_bucket_title(big),
                tmem__fmt_bytes(b, sizeof b, l->bucket_bytes[big], o->si));
    else
        fprintf(out, "\nverdict: does NOT fit: %s over; the bottleneck is %s (%s)\n",
                tmem__fmt_bytes(a, sizeof a, fit->margin_bytes, o->si), tmem_bucket_title(big),
                tmem__fmt_bytes(b, sizeof b, l->bucket_bytes[big], o->si));
}

void tmem__report_ledger_narrative(FILE *real_out, const char *subject, const struct tmem_ledger *l,
                                  const struct tmem_report_opts *o)
{
    char text[2048], a[32];
    FILE *out = fmemopen(text, sizeof text, "w");
    if (out == NULL)
        return;
    enum tmem_bucket order[TMEM_BUCKET_COUNT];
    for (int b = 0; b < TMEM_BUCKET_COUNT; b++)
        order[b] = (enum tmem_bucket)b;
    for (int i = 1; i < TMEM_BUCKET_COUNT; i++) /* largest first, stable */
        for (int j = i; j > 0 && l->bucket_bytes[order[j]] > l->bucket_bytes[order[j - 1]]; j--) {
            enum tmem_bucket t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    fprintf(out, "%s %s in all.", subject, tmem__fmt_bytes(a, sizeof a, l->total_bytes, o->si));
    for (int i = 0; i < TMEM_BUCKET_COUNT && l->bucket_bytes[order[i]] > 0; i++)
        fprintf(out, "%s %s %s (%.0f%%)", i == 0 ? " The largest part is" : (i == 1 ? ", then" : ","),
                tmem_bucket_title(order[i]), tmem__fmt_bytes(a, sizeof a, l->bucket_bytes[order[i]], o->si),
                share(l->bucket_bytes[order[i]], l->total_bytes));
    fprintf(out, ".");
    fputc('\0', out);
    fclose(out);
    text[sizeof text - 1] = '\0';
    fprintf(real_out, "\nHow to say it out loud:\n");
    print_wrapped(real_out, text, 2, 88);
}
