/* train_time.c — how long one optimizer step of a training plan takes
 * (tmem_train_time, declared in train.h). Owns the step-time model:
 *
 *   compute   exact FLOPs of the slowest pipeline stage's GPU per
 *             micro-batch: forward 2·b·s/cp·N_mm (matmul parameters a
 *             token passes through: MoE counts its active experts) +
 *             2·b·s/cp·s·n_head·(d_qk + d_v)/tp per layer for attention's
 *             QKᵀ and PV (× ½ with a causal mask under flash attention,
 *             whose kernels skip the masked blocks), the lm_head on the
 *             last stage; backward twice the forward. Matmuls at
 *             efficiency × the dense bf16 peak (fp8_efficiency × the fp8
 *             peak with Float8 linears); flash attention at
 *             attn_efficiency × bf16, its backward 5/2 of its forward
 *             (it recomputes QKᵀ); eager attention's products at the
 *             matmul rate plus 4 + 7 passes over its b·n_head·s·s scores
 *             at HBM bandwidth. Encoder–decoders (one GPU per replica,
 *             eager): the encoder's matmuls over b·s_enc, the decoder's
 *             over b·s_dec but its cross k/v over b·s_enc, the lm_head over
 *             b·s_dec; attention encoder s_enc², decoder s_dec² + s_dec·s_enc
 *   recompute full: the layers' forward again; selective: attention's
 *   comm      per collective, bytes / bandwidth + ring steps × latency on
 *             the slowest link its group spans (see train.h for the
 *             placement; a ring across nodes with k members per node
 *             runs over k NICs, at most NVLink); ring all-reduce
 *             2·(n − 1)/n of the buffer, reduce-scatter and all-gather
 *             (n − 1)/n each; TP behind the matmuls with tp_overlap
 *   bubble    (p − 1)/(v·m) of the pipelined time: the fraction
 *             (p − 1)/(v·m + p − 1) of the step's pipeline
 *
 * FLOP and byte counts are exact u64 terms (term.h), so --explain prints
 * the same operations that made the number; seconds are doubles. */
#include "error.h"
#include "tensor_kind.h"
#include "timing.h"
#include "train_internal.h"

#include <string.h>

static const char *const item_names[] = {
    [TMEM_TT_COMPUTE] = "compute", [TMEM_TT_RECOMPUTE] = "recompute", [TMEM_TT_BUBBLE] = "bubble",
    [TMEM_TT_DP] = "dp",           [TMEM_TT_TP] = "tp",               [TMEM_TT_PP] = "pp",
    [TMEM_TT_CP] = "cp",           [TMEM_TT_EP] = "ep",               [TMEM_TT_OFFLOAD] = "offload",
};
_Static_assert(sizeof item_names / sizeof item_names[0] == TMEM_TT_COUNT, "one name per item");

static const char *const item_rules[] = {
    [TMEM_TT_COMPUTE] = "on the critical path",
    [TMEM_TT_RECOMPUTE] = "on the critical path (an extra forward inside backward)",
    [TMEM_TT_BUBBLE] = "idle: the pipeline filling and draining",
    [TMEM_TT_DP] = "gradient reduction overlaps the last micro-batch's backward; ZeRO-3/FSDP "
                   "gathers overlap each micro-batch's compute (prefetch) except the first unit; "
                   "ZeRO-1/2's all-gather after the step and HSDP's cross-node all-reduce are exposed",
    [TMEM_TT_TP] = "on the critical path (between a layer's matmuls)",
    [TMEM_TT_PP] = "on the critical path (no overlap assumed)",
    [TMEM_TT_CP] = "overlaps the attention compute of the same layer",
    [TMEM_TT_EP] = "on the critical path (dispatch before, combine after the experts)",
    [TMEM_TT_OFFLOAD] = "exposed: the copies and the CPU's optimizer step (no overlap assumed)",
};
_Static_assert(sizeof item_rules / sizeof item_rules[0] == TMEM_TT_COUNT, "one rule per item");

const char *tmem_time_item_name(enum tmem_time_item t)
{
    return (unsigned)t < TMEM_TT_COUNT ? item_names[t] : "?";
}

const char *tmem_time_item_rule(enum tmem_time_item t)
{
    return (unsigned)t < TMEM_TT_COUNT ? item_rules[t] : "?";
}

void tmem_train_time_defaults(struct tmem_train_time_opts *t, const struct tmem_gpu *gpu)
{
    t->gpu = gpu;
    /* Narayanan et al. 2021 reach 44-52 % of the A100's peak; Hopper runs
     * its faster tensor cores at a lower fraction (Megatron-LM: up to 47 %
     * MFU at 175B+, torchtitan 33-39 % for Llama 3.1 8B) */
    bool no_fp8 = gpu != NULL && !(gpu->fp8_flops > 0);
    t->efficiency = no_fp8 ? TMEM_TRAIN_EFFICIENCY_NO_FP8 : TMEM_TRAIN_EFFICIENCY;
    t->fp8_efficiency = TMEM_TRAIN_FP8_EFFICIENCY;
    t->attn_efficiency = no_fp8 ? TMEM_TRAIN_ATTN_EFFICIENCY_NO_FP8 : TMEM_TRAIN_ATTN_EFFICIENCY;
    t->float8 = false;
    t->tp_overlap = false;
    t->inter_node_bytes_per_s = TMEM_TRAIN_INTER_NODE_GBPS * 1e9 / 8.0;
    t->latency_intra_s = TMEM_TRAIN_LATENCY_INTRA_S;
    t->latency_inter_s = TMEM_TRAIN_LATENCY_INTER_S;
    t->host_bytes_per_s = TMEM_TRAIN_HOST_BYTES_PER_S;
    t->cpu_opt_params_per_s = TMEM_TRAIN_CPU_OPT_PARAMS_PER_S;
}

static bool is_head(const struct tmem_tensor *t)
{
    return t->kind == TMEM_TENSOR_KIND_LM_HEAD;
}

void tmem_train_flops_sums(const struct tmem_model *m, const struct tmem_inventory *inv,
                           struct tmem_train_flops_sums *out)
{
    uint64_t split = 0, repl = 0, head = 0;
    for (uint32_t i = 0; i < inv->n_tensors; i++) {
        const struct tmem_tensor *t = &inv->tensors[i];
        const struct tmem_tensor_kind_info *ki = tmem__kind(t);
        if (!ki->matmul || ki->vector)
            continue;
        /* an inventory built without overflow: rows·cols·count fits, so
         * its active share does too */
        uint64_t p = t->rows * t->cols * t->count_active;
        if (is_head(t))
            head += p;
        else if (ki->tp != TMEM_TP_SPLIT_REPLICATED)
            split += p;
        else
            repl += p;
    }
    /* the lm_head multiplies by the embedding (an encoder's only under its
     * MLM head; its pooler and classifier are counted per token with the
     * replicated matmuls: an upper bound of 2·d_model² FLOPs a token) */
    if (m->tied && (!m->encoder || m->head == TMEM_HEAD_MLM))
        head += m->n_vocab * m->d_embed;
    out->mm_split_params = split;
    out->mm_repl_params = repl;
    out->head_params = head;
    if (m->ssm != TMEM_SSM_NONE && !m->hybrid) { /* no attention; the scan's ~9·d_inner·d_state per token is not counted */
        out->attn_dim = out->kv_dim = 0;
    } else if (m->attn == TMEM_ATTN_MLA) {
        out->attn_dim = m->n_head * (m->qk_nope_dim + m->qk_rope_dim + m->v_head_dim);
        out->kv_dim = out->attn_dim; /* ring attention passes the up-projected K and V */
    } else {
        out->attn_dim = m->n_head * 2 * m->d_head;
        out->kv_dim = m->n_kv_head * 2 * m->d_head;
    }
}

/* ------------------------------------------------------------ text */

/* v with three significant digits (v >= 0) */
static void sb_sig3(struct tmem_sb *sb, double v)
{
    if (!(v >= 0.0) || v >= 1e18) {
        tmem__sb_str(sb, "?");
        return;
    }
    if (v == 0.0) {
        tmem__sb_str(sb, "0");
        return;
    }
    int decimals = v >= 100.0 ? 0 : v >= 10.0 ? 1 : v >= 1.0 ? 2 : 3;
    double scale = decimals == 0 ? 1.0 : decimals == 1 ? 10.0 : decimals == 2 ? 100.0 : 1000.0;
    uint64_t n = (uint64_t)(v * scale + 0.5);
    uint64_t ip = n / (uint64_t)scale, fp = n % (uint64_t)scale;
    tmem__sb_u64(sb, ip);
    if (decimals > 0) {
        tmem__sb_str(sb, ".");
        for (uint64_t d = (uint64_t)scale / 10; d > 0; d /= 10)
            tmem__sb_u64(sb, fp / d % 10);
    }
}

/* v in SI steps of 1000 with a unit: "989 T" + "FLOP/s", "1.23 m" + "s" */
static void sb_si(struct tmem_sb *sb, double v, const char *unit)
{
    static const char *const up[] = {"", " k", " M", " G", " T", " P", " E"};
    static const char *const down[] = {"", " m", " µ", " n"};
    const char *prefix = "";
    int i = 0;
    if (v >= 1000.0) {
        while (v >= 1000.0 && i < 6) {
            v /= 1000.0;
            i++;
        }
        prefix = up[i];
    } else if (v > 0.0 && v < 1.0) {
        while (v < 1.0 && i < 3) {
            v *= 1000.0;
            i++;
        }
        prefix = down[i];
    }
    sb_sig3(sb, v);
    tmem__sb_str(sb, *prefix ? prefix : " ");
    tmem__sb_str(sb, unit);
}

/* ------------------------------------------------------------ the model */

struct tt {
    const struct tmem_train_time_opts *to;
    bool text;
    uint64_t gpn;
};

/* one link: bandwidth and latency of a group of n ranks at stride `stride`
 * (a block of n·stride consecutive GPUs: inside a node or not) */
struct link {
    double bw, alpha;
    bool inter;
};

static struct link link_of(const struct tt *x, uint64_t n, uint64_t stride)
{
    struct link l;
    l.inter = n * stride > x->gpn;
    if (l.inter) {
        /* NCCL's rings cross each node boundary once per ring; a group with
         * k members per node runs k rings (channels) over the k members'
         * NICs, so the ring moves k × one NIC's bandwidth, up to the NVLink
         * inside the node */
        uint64_t k = stride < x->gpn ? x->gpn / stride : 1;
        if (k > n)
            k = n;
        double nvl = x->to->gpu->interconnect_bytes_per_s > 0 ? x->to->gpu->interconnect_bytes_per_s : 1.0;
        l.bw = (double)k * x->to->inter_node_bytes_per_s;
        if (k > 1 && l.bw > nvl)
            l.bw = nvl;
        l.alpha = x->to->latency_inter_s;
    } else {
        l.bw = x->to->gpu->interconnect_bytes_per_s > 0 ? x->to->gpu->interconnect_bytes_per_s : 1.0;
        l.alpha = x->to->latency_intra_s;
    }
    return l;
}

/* q bytes over link l plus hops ring steps of latency; the formula is the
 * term's text with " / bw + hops × α" and the result added */
static double comm_time(const struct tt *x, struct tmem__term *q, struct link l, uint64_t hops,
                        char *formula)
{
    double s = (double)tmem__term_value(q) / l.bw + (double)hops * l.alpha;
    if (x->text) {
        char sym[80], num[96];
        struct tmem_sb a, b;
        tmem__sb_init(&a, sym, sizeof sym);
        tmem__sb_init(&b, num, sizeof num);
        tmem__sb_str(&a, l.inter ? " / net + hops × α_net" : " / link + hops × α_link");
        tmem__sb_str(&b, " / ");
        sb_si(&b, l.bw, "B/s");
        tmem__sb_str(&b, " + ");
        tmem__sb_u64(&b, hops);
        tmem__sb_str(&b, " × ");
        sb_si(&b, l.alpha, "s");
        tmem__sb_str(&b, " = ");
        sb_si(&b, s, "s");
        tmem__term_note(q, sym, num);
        tmem__term_render(q, formula, TMEM_TIME_FORMULA_LEN);
    }
    return s;
}

/* lead + "989 TFLOP/s × 0.400": a rate and the efficiency it runs at */
static void sb_rate(struct tmem_sb *sb, const char *lead, double peak, double eff)
{
    tmem__sb_str(sb, lead);
    sb_si(sb, peak, "FLOP/s");
    tmem__sb_str(sb, " × ");
    sb_sig3(sb, eff);
}

/* FLOPs f at rate r; formula "sym / (peak × eff) = ..." */
static double flop_time(const struct tt *x, struct tmem__term *f, double peak, double eff, char *formula)
{
    double rate = peak * eff;
    double s = (double)tmem__term_value(f) / rate;
    if (x->text) {
        char num[96];
        struct tmem_sb b;
        tmem__sb_init(&b, num, sizeof num);
        sb_rate(&b, " / (", peak, eff);
        tmem__sb_str(&b, ") = ");
        sb_si(&b, s, "s");
        tmem__term_note(f, " / (peak × eff)", num);
        tmem__term_render(f, formula, TMEM_TIME_FORMULA_LEN);
    }
    return s;
}

/* × num/den exactly, shown as "num/den" */
static void frac(struct tmem__term *t, const char *sym, uint64_t num, uint64_t den)
{
    char shown[48];
    struct tmem_sb sb;
    tmem__sb_init(&sb, shown, sizeof shown);
    if (t->text) {
        tmem__sb_u64(&sb, num);
        tmem__sb_str(&sb, "/");
        tmem__sb_u64(&sb, den);
    }
    tmem__term_mul_frac(t, sym, shown, num, den);
}

#define FORM(i) (tx ? tx->formula[i] : NULL)

static double max_d(double a, double b)
{
    return a > b ? a : b;
}

/* --rl: the rollout's generation on one GPU, by infer's roofline (timing.c
 * owns the step: TTFT for the prefill of the batch's prompts, g × the
 * mid-generation TPOT for its decode). A colocated vLLM engine
 * (--rollout-memory-utilization) generates with bf16 weights over
 * --rollout-tp GPUs, whose tp × n_seq completions it batches together; TRL's
 * default (use_vllm False) is HF generate on the training GPU with the
 * policy's own weights (its weight dtype), tp 1. Every completion's prompt
 * is prefilled (HF generate repeats the prompt per completion; vLLM's
 * prefix cache would share a group's: an upper bound). The weight sync into
 * a colocated engine reads and writes its weights once at HBM rate. */
static enum tmem_status rollout_time(const struct tmem_model *m, const struct tmem_inventory *inv,
                                     const struct tmem_train_opts *o, const struct tmem_gpu *gpu,
                                     uint64_t n_seq, uint64_t prompt, uint64_t gen, uint64_t policy_wb,
                                     struct tmem_train_time *out, char *formula, struct tmem_error *err)
{
    const bool vllm = o->rollout_util_ppm != 0;
    struct tmem_infer_opts io;
    tmem_infer_defaults(&io);
    io.engine = vllm ? TMEM_ENGINE_VLLM : TMEM_ENGINE_HF;
    io.tp = vllm ? o->rollout_tp : 1;
    tmem_infer_engine_defaults(&io);
    io.gpu = gpu;
    io.prompt_tokens = prompt;
    io.gen_tokens = gen;
    const uint64_t wb = vllm ? TMEM_RL_ROLLOUT_WEIGHT_BYTES : policy_wb;
    uint64_t text_params = inv->total_params - inv->group_params[TMEM_GROUP_VISION];
    uint64_t w = 0, e = 0;
    if (!tmem_mul_u64(n_seq, io.tp, &io.batch) || !tmem_mul_u64(text_params, wb, &w) ||
        !tmem_mul_u64(inv->group_params[TMEM_GROUP_EXPERTS], wb, &e))
        return tmem__fail(err, TMEM_ERR_OVERFLOW, "--rl", "the rollout's bytes do not fit in 64 bits");
    w = tmem_ceil_div_u64(w, io.tp);
    e = tmem_ceil_div_u64(e, io.tp);
    struct tmem_kv_layout kv;
    TRY(tmem_kv_layout(m, TMEM_KV_BF16, io.tp, 0, m->n_layer, &kv, err));
    struct tmem_roofline rf;
    struct tmem_timing tm;
    TRY(tmem__infer_timing(m, inv, &io, w, e, kv.bytes_per_token, kv.bytes_per_token_layer * kv.n_layer_window,
                           m->sliding_window, 0.0, 0, 0, 0, &rf, &tm));
    out->rollout_batch = io.batch;
    out->rollout_prompt = prompt;
    out->rollout_completion = gen;
    out->rollout_prefill_s = tm.ttft_s;
    out->rollout_decode_s = tm.e2e_s - tm.ttft_s; /* g × TPOT */
    out->weight_sync_s = vllm ? 2.0 * (double)w / gpu->hbm_bytes_per_s : 0.0;
    out->rollout_s = tm.e2e_s + out->weight_sync_s;
    if (formula != NULL) {
        struct tmem_sb sb;
        tmem__sb_init(&sb, formula, TMEM_TIME_FORMULA_LEN);
        tmem__sb_str(&sb, vllm ? "vLLM colocated, tp " : "HF generate on the training GPU, tp ");
        tmem__sb_u64(&sb, io.tp);
        tmem__sb_str(&sb, ": TTFT(b = ");
        tmem__sb_u64(&sb, io.batch);
        tmem__sb_str(&sb, ", prompt ");
        tmem__sb_u64(&sb, prompt);
        tmem__sb_str(&sb, ") + g × TPOT(context prompt + g/2) = ");
        sb_si(&sb, tm.ttft_s, "s");
        tmem__sb_str(&sb, " + ");
        tmem__sb_u64(&sb, gen);
        tmem__sb_str(&sb, " × ");
        sb_si(&sb, tm.tpot_s, "s");
        if (vllm) {
            tmem__sb_str(&sb, "; weight sync 2 × ");
            tmem__sb_u64(&sb, w);
            tmem__sb_str(&sb, " B / HBM = ");
            sb_si(&sb, out->weight_sync_s, "s");
        }
    }
    return TMEM_OK;
}

enum tmem_status tmem_train_time(const struct tmem_model *m, const struct tmem_inventory *inv,
                                 const struct tmem_train_opts *o, const struct tmem_train_result *r,
                                 const struct tmem_train_time_opts *to,
                                 const struct tmem_train_flops_sums *sums, struct tmem_train_time *t,
                                 struct tmem_train_time_text *tx, struct tmem_error *err)
{
    const bool text = tx != NULL;
    if (m == NULL || inv == NULL || o == NULL || r == NULL || to == NULL || t == NULL)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "train time", "a required argument is NULL");
    if (to->gpu == NULL || !(to->gpu->bf16_flops > 0))
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "--gpu", "the step time needs a GPU's rates");
    if (!(to->efficiency > 0.0 && to->efficiency <= 1.0) || !(to->fp8_efficiency > 0.0 && to->fp8_efficiency <= 1.0) ||
        !(to->attn_efficiency > 0.0 && to->attn_efficiency <= 1.0))
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "--efficiency", "must be in (0, 1]");
    if (!(to->inter_node_bytes_per_s > 0.0) || !(to->host_bytes_per_s > 0.0) ||
        !(to->latency_intra_s >= 0.0) || !(to->latency_inter_s >= 0.0) || !(to->cpu_opt_params_per_s > 0.0))
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "--inter-node-gbps", "bandwidths must be > 0");
    struct tmem_train_flops_sums own;
    if (sums == NULL) {
        TRY(tmem__inventory_check(inv, err));
        tmem_train_flops_sums(m, inv, &own);
        sums = &own;
    }
    struct tt x = {.to = to, .text = text, .gpn = o->gpus_per_node ? o->gpus_per_node : 1};
    const struct tmem_train_layout *lay = &r->layout;
    const uint64_t tp = o->tp, pp = o->pp, cp = o->cp, ep = o->ep, dp = lay->dp;
    /* DPO: the pair's two sequences go through the policy, and through the
     * frozen reference's no-grad forward (below) */
    const uint64_t b = o->dpo ? 2 * o->micro_batch : o->micro_batch, s = r->seq, sl = r->seq / cp, L = m->n_layer;
    const uint64_t gpus = dp * tp * pp * cp;
    const uint64_t mb = pp > 1 ? (o->n_microbatches ? o->n_microbatches : pp) : o->grad_accum;
    const uint64_t v = o->virtual_stages ? o->virtual_stages : 1;
    const struct tmem_precision_info *pi = tmem_precision_info(o->precision);
    const uint64_t cb = tmem_dtype_info(pi->compute)->bits / 8;
    const uint64_t wb = tmem_dtype_info(pi->weights)->bits / 8;
    const uint64_t gb = tmem_dtype_info(pi->grads)->bits / 8;
    bool overflow = false;
    struct tmem_train_time out;
    for (int i = 0; i < TMEM_TT_COUNT; i++) {
        out.item_s[i] = out.exposed_s[i] = 0.0;
        if (text)
            tx->formula[i][0] = '\0';
    }
    if (text)
        tx->attn_formula[0] = tx->step_formula[0] = '\0';

    /* the slowest stage: the first holds ceil(L/pp) layers, the last
     * floor(L/pp) and the lm_head */
    uint64_t base = L / pp, rem = L % pp;
    uint64_t n_mm_tp = tmem_ceil_div_u64(sums->mm_split_params, tp) + sums->mm_repl_params;
    uint64_t head_tp = tmem_ceil_div_u64(sums->head_params, tp);
    uint64_t attn_tp = tmem_ceil_div_u64(sums->attn_dim, tp);
    bool causal_half = o->attention == TMEM_ATTENTION_FLASH && !m->encoder; /* encoders: bidirectional */
    /* per-token forward FLOPs of a stage with `layers` layers (and the head) */
    uint64_t first_layers = base + (rem != 0), last_layers = pp > 1 ? base : L;
    uint64_t f_first = 0, f_last = 0, tmp = 0;
    {
        uint64_t lay_mm = n_mm_tp / L; /* per layer, the model's average */
        uint64_t att = causal_half ? s / 2 : s;
        uint64_t per_layer = 2 * lay_mm;
        if (!tmem_mul3_u64(2 * att, attn_tp, 1, &tmp) || !tmem_add_u64(per_layer, tmp, &per_layer))
            overflow = true;
        if (!tmem_mul_u64(per_layer, first_layers, &f_first) || !tmem_mul_u64(per_layer, last_layers, &f_last) ||
            !tmem_add_u64(f_last, 2 * head_tp, &f_last))
            overflow = true;
    }
    uint64_t L_s = first_layers;
    bool head_on = pp == 1;
    if (pp > 1 && f_last > f_first) {
        L_s = last_layers;
        head_on = true;
    }
    /* Llama 3.2 Vision on text-only samples (one stage: train.c validate):
     * HF skips the cross-attention layers, whose matmuls have the self
     * layers' shapes (q, k, v, o, SwiGLU; the extras are vectors), so
     * L_stage/n_layer = 32/40 of N_mm runs and 32 layers attend */
    if (m->n_cross_layer > 0 && pp == 1 && m->n_cross_layer < L)
        L_s = L - m->n_cross_layer;

    /* encoder–decoders (tp = pp = cp = 1, eager attention: train_encdec.c
     * refuses the rest): the encoder's matmuls run over b·s_enc tokens, the
     * decoder's over b·s_dec except its cross-attention k/v projections,
     * which read the encoder's output (b·s_enc); the lm_head over b·s_dec.
     * Attention: encoder self b·s_enc², decoder self b·s_dec² (eager: the
     * full square, masked), cross b·s_dec·s_enc per layer */
    const uint64_t s_dec = m->encdec && o->target_seq != 0 ? o->target_seq : s;
    const uint64_t L_enc = m->n_enc_layer ? m->n_enc_layer : L;
    uint64_t ed_enc = 0, ed_xkv = 0, ed_dec = 0, ed_attn_enc = 0;
    if (m->encdec) {
        for (uint32_t i = 0; i < inv->n_tensors; i++) {
            const struct tmem_tensor *t0 = &inv->tensors[i];
            const struct tmem_tensor_kind_info *ki = tmem__kind(t0);
            if (!ki->matmul || ki->vector || is_head(t0))
                continue;
            uint64_t p = t0->rows * t0->cols * t0->count_active;
            if (ki->encoder_stack)
                ed_enc += p;
            else if (t0->kind == TMEM_TENSOR_KIND_XATTN_K || t0->kind == TMEM_TENSOR_KIND_XATTN_V)
                ed_xkv += p;
            else
                ed_dec += p;
        }
        uint64_t nh_enc = m->n_enc_head ? m->n_enc_head : m->n_head;
        uint64_t dh_enc = m->d_head_enc ? m->d_head_enc : m->d_head;
        ed_attn_enc = nh_enc * 2 * dh_enc;
        L_s = L;
        head_on = true;
    }

    /* a hybrid attends in its attention layers only (the state-space
     * layers' scan is not counted): the stage's, and the model's */
    const bool hybrid = m->ssm != TMEM_SSM_NONE && m->hybrid;
    const uint64_t stage_lo = pp > 1 && head_on ? L - last_layers : 0;
    const uint64_t L_att_s = hybrid ? tmem_model_attn_layers_in(m, stage_lo, stage_lo + L_s) : L_s;
    const uint64_t L_att = hybrid ? tmem_model_attn_layers_in(m, 0, L) : L;

    /* forward FLOPs per micro-batch on that GPU, as terms: the layers'
     * matmuls (+ the lm_head on its stage), and attention's s² products */
    struct tmem__term mm, att, lay_only;
    for (int pass = 0; pass < 2 && m->encdec; pass++) {
        struct tmem__term *q = pass == 0 ? &mm : &lay_only;
        tmem__term_init(q, pass == 0 && text);
        tmem__term_mul(q, NULL, 2);
        tmem__term_mul(q, "b", b);
        tmem__term_mul(q, "s_enc", s);
        tmem__term_mul(q, "(N_enc + N_cross_kv)", ed_enc + ed_xkv);
        tmem__term_plus(q, NULL, 2);
        tmem__term_mul(q, "b", b);
        tmem__term_mul(q, "s_dec", s_dec);
        tmem__term_mul(q, pass == 0 ? "(N_dec + V·d)" : "N_dec", pass == 0 ? ed_dec + sums->head_params : ed_dec);
    }
    for (int pass = 0; pass < 2 && !m->encdec; pass++) {
        struct tmem__term *q = pass == 0 ? &mm : &lay_only;
        tmem__term_init(q, pass == 0 && text);
        tmem__term_mul(q, NULL, 2);
        tmem__term_mul(q, "b", b);
        tmem__term_mul(q, "s/cp", sl);
        tmem__term_mul(q, "N_mm/tp", n_mm_tp);
        frac(q, "L_stage/n_layer", L_s, L);
        if (pass == 0 && head_on) {
            tmem__term_plus(q, NULL, 2);
            tmem__term_mul(q, "b", b);
            tmem__term_mul(q, "s/cp", sl);
            tmem__term_mul(q, "V·d/tp", head_tp);
        }
    }
    tmem__term_init(&att, text);
    if (m->encdec) {
        tmem__term_mul(&att, NULL, 2);
        tmem__term_mul(&att, "b", b);
        tmem__term_mul(&att, "s_enc", s);
        tmem__term_mul(&att, "s_enc", s);
        tmem__term_mul(&att, "n_enc_head·2·d_head_enc", ed_attn_enc);
        tmem__term_mul(&att, "n_enc_layer", L_enc);
        tmem__term_plus(&att, NULL, 2);
        tmem__term_mul(&att, "b", b);
        tmem__term_mul(&att, "s_dec", s_dec);
        tmem__term_mul(&att, "(s_dec + s_enc)", s_dec + s);
        tmem__term_mul(&att, "n_head·(d_qk+d_v)", sums->attn_dim);
        tmem__term_mul(&att, "n_layer", L);
    } else {
        tmem__term_mul(&att, NULL, 2);
        tmem__term_mul(&att, "b", b);
        tmem__term_mul(&att, "s/cp", sl);
        tmem__term_mul(&att, "s", s);
        tmem__term_mul(&att, "n_head·(d_qk+d_v)/tp", attn_tp);
        tmem__term_mul(&att, hybrid ? "n_attn_layer_stage" : "L_stage", L_att_s);
        if (causal_half)
            tmem__term_mul_frac(&att, NULL, "½ causal", 1, 2);
    }

    uint64_t f_mm_head = tmem__term_value(&mm), f_att = tmem__term_value(&att);
    uint64_t f_mm = tmem__term_value(&lay_only);
    if (tmem__term_overflow(&mm) || tmem__term_overflow(&att))
        overflow = true;
    double peak = to->gpu->bf16_flops;
    const bool fp8_mm = to->float8 && to->gpu->fp8_flops > 0;
    double peak_mm = fp8_mm ? to->gpu->fp8_flops : peak;
    double eff_mm = fp8_mm ? to->fp8_efficiency : to->efficiency;
    /* attention's s² products: flash attention's kernels at their own
     * efficiency, its backward 5/2 of the forward (it recomputes QKᵀ and
     * the softmax: 5 products against the forward's 2, FlashAttention-2
     * §3.1.2); eager attention runs them as ordinary batched GEMMs (2 × the
     * forward backward) and moves the b·n_head·s·s scores through HBM */
    const bool flash = o->attention == TMEM_ATTENTION_FLASH;
    double eff_att = flash ? to->attn_efficiency : to->efficiency;
    const uint64_t att_num = flash ? 7 : 3, att_den = flash ? 2 : 1; /* forward + backward */
    double hbm = to->gpu->hbm_bytes_per_s > 0 ? to->gpu->hbm_bytes_per_s : 1.0;
    /* eager scores per micro-batch and pass: b·(n_head/tp)·(s/cp)·s elements */
    uint64_t score_elems = 0, score_layers = L_att_s;
    if (m->encdec) {
        /* every layer's scores of both stacks, summed: [b, n_enc_head, s_enc, s_enc] per encoder
         * layer, [b, n_head, s_dec, s_dec + s_enc] per decoder layer */
        uint64_t e = 0, d = 0, nh_enc = m->n_enc_head ? m->n_enc_head : m->n_head;
        score_layers = 1;
        if (!tmem_mul3_u64(b * nh_enc, s * s, L_enc, &e) ||
            !tmem_mul3_u64(b * m->n_head, s_dec * (s_dec + s), L, &d) || !tmem_add_u64(e, d, &score_elems))
            overflow = true;
    } else if (!flash && !tmem_mul3_u64(b * tmem_ceil_div_u64(m->n_head, tp), sl, s, &score_elems))
        overflow = true;

    /* compute per step: 3 × forward (backward twice: the input gradient
     * and the weight gradient), m micro-batches, the matmuls at the matmul
     * rate (fp8 with Float8 linears), attention bf16. Adapters: the frozen
     * base needs no weight gradient, 2 × its forward; the trainable matmul
     * weights (lora_A, lora_B, modules to save) 3 × 2·b·s/cp·P_train_mm of
     * their own (a module to save counted beside its frozen original, an
     * expert's adapters as if every local expert were active) */
    const bool frozen = o->lora_rank > 0;
    const uint64_t k_base = frozen ? 2 : 3;
    /* DPO (TRL DPOTrainer.compute_ref_log_probs): the reference runs one
     * no-grad forward over the same chosen + rejected sequences each step,
     * 2·P·tokens of matmuls and attention's forward (with LoRA the base with
     * its adapters disabled runs it); none when the log-probs are
     * precomputed (--ref-model none). Time and hardware FLOPs, not model
     * FLOPs: MFU counts the policy's training only. */
    const uint64_t k_ref = o->dpo && o->ref_model != TMEM_REF_MODEL_NONE ? 1 : 0;
    struct tmem__term ad;
    tmem__term_init(&ad, text);
    if (frozen) {
        tmem__term_mul(&ad, NULL, 2);
        tmem__term_mul(&ad, "b", b);
        tmem__term_mul(&ad, "s/cp", sl);
        tmem__term_mul(&ad, "P_train_mm", lay->trainable_matmul_params);
    }
    uint64_t f_ad = tmem__term_value(&ad), f_ad_all = 0;
    uint64_t f_mm_all = 0, f_att_all = 0;
    if (!tmem_mul3_u64(k_base, mb, f_mm_head, &f_mm_all) || !tmem_mul3_u64(3, mb, f_att, &f_att_all) ||
        !tmem_mul3_u64(3, mb, f_ad, &f_ad_all) || !tmem_add_u64(f_mm_all, f_ad_all, &f_mm_all) ||
        tmem__term_overflow(&ad))
        overflow = true;
    uint64_t f_ref = 0; /* the reference's forward, per step */
    if (k_ref && (!tmem_add_u64(f_mm_head, f_att, &f_ref) || !tmem_mul_u64(f_ref, mb, &f_ref)))
        overflow = true;
    double score_pass_s = 0.0; /* one pass (read or write) over one layer's scores, one micro-batch */
    double mm_s = 0.0;         /* the matmuls' share of compute and recompute, per step */
    {
        struct tmem__term a, c;
        tmem__term_init(&a, text);
        tmem__term_mul(&a, frozen  ? (k_ref ? "(2 (frozen: no weight gradient) + 1 reference forward)"
                                            : "2 (frozen: no weight gradient)")
                           : k_ref ? "(3 + 1 reference forward)"
                                   : NULL,
                       k_base + k_ref);
        tmem__term_mul(&a, "m", mb);
        tmem__term_mul_term(&a, &mm);
        if (frozen) {
            tmem__term_plus(&a, NULL, 3);
            tmem__term_mul(&a, "m", mb);
            tmem__term_mul_term(&a, &ad);
        }
        tmem__term_init(&c, text);
        if (flash)
            tmem__term_mul_frac(&c, k_ref ? "(1 + 5/2 + 1 reference)" : "(1 + 5/2)", k_ref ? "9/2" : "7/2",
                                att_num + k_ref * att_den, att_den);
        else
            tmem__term_mul(&c, k_ref ? "(3 + 1 reference)" : NULL, 3 + k_ref);
        tmem__term_mul(&c, "m", mb);
        tmem__term_mul_term(&c, &att);
        if (tmem__term_overflow(&a) || tmem__term_overflow(&c))
            overflow = true;
        double s_mm = flop_time(&x, &a, peak_mm, eff_mm, FORM(TMEM_TT_COMPUTE));
        char af[TMEM_TIME_FORMULA_LEN];
        double s_att = flop_time(&x, &c, peak, eff_att, text ? af : NULL);
        double s_scores = 0.0;
        char sf[TMEM_TIME_FORMULA_LEN] = "";
        if (!flash) {
            /* forward: QKᵀ writes S, softmax reads S and writes P, PV reads
             * P (4 passes); backward: dP written, read with P, dS written,
             * read by two GEMMs, P read for dV (7 passes); compute dtype */
            struct tmem__term q;
            tmem__term_init(&q, text);
            tmem__term_mul(&q, "m", mb);
            tmem__term_mul(&q, k_ref ? "(4 + 7 + 4 reference) passes" : "(4 + 7) passes", 11 + 4 * k_ref);
            if (m->encdec) {
                tmem__term_mul(&q, "b·(n_enc_head·s_enc²·n_enc_layer + n_head·s_dec·(s_dec+s_enc)·n_layer)",
                               score_elems);
            } else {
                tmem__term_mul(&q, "b·(n_head/tp)·(s/cp)·s", score_elems);
                tmem__term_mul(&q, hybrid ? "n_attn_layer_stage" : "L_stage", L_att_s);
            }
            tmem__term_mul(&q, "act bytes", cb);
            if (tmem__term_overflow(&q))
                overflow = true;
            s_scores = (double)tmem__term_value(&q) / hbm;
            score_pass_s = (double)score_elems * (double)score_layers * (double)cb / hbm;
            if (text) {
                char num[64];
                struct tmem_sb nb;
                tmem__sb_init(&nb, num, sizeof num);
                tmem__sb_str(&nb, " / ");
                sb_si(&nb, hbm, "B/s");
                tmem__sb_str(&nb, " = ");
                sb_si(&nb, s_scores, "s");
                tmem__term_note(&q, " / HBM", num);
                tmem__term_render(&q, sf, sizeof sf);
            }
        }
        if (text) {
            struct tmem_sb ab;
            tmem__sb_init(&ab, tx->attn_formula, TMEM_TIME_FORMULA_LEN);
            tmem__sb_str(&ab, af);
            if (!flash) {
                tmem__sb_str(&ab, "; eager scores ");
                tmem__sb_str(&ab, sf);
            }
        }
        out.item_s[TMEM_TT_COMPUTE] = s_mm + s_att + s_scores;
        mm_s = s_mm;
    }

    /* recompute: full re-runs the layers' forward, selective attention's */
    uint64_t f_re = 0;
    if (o->recompute != TMEM_RECOMPUTE_NONE) {
        struct tmem__term rc;
        tmem__term_init(&rc, text);
        tmem__term_mul(&rc, "m", mb);
        if (o->recompute == TMEM_RECOMPUTE_FULL) {
            tmem__term_mul(&rc, "F_layers", f_mm);
            tmem__term_plus(&rc, "m", mb);
        }
        tmem__term_mul(&rc, "F_attn", f_att);
        f_re = tmem__term_value(&rc);
        if (tmem__term_overflow(&rc))
            overflow = true;
        /* the matmul part at the matmul rate, attention at its own (and
         * eager attention's 4 forward passes over the scores again) */
        double re_mm = o->recompute == TMEM_RECOMPUTE_FULL ? (double)mb * (double)f_mm : 0.0;
        mm_s += re_mm / (peak_mm * eff_mm);
        double re_s = re_mm / (peak_mm * eff_mm) + (double)mb * (double)f_att / (peak * eff_att) +
                      (double)mb * 4.0 * score_pass_s;
        if (text) {
            char num[192];
            struct tmem_sb nb;
            tmem__sb_init(&nb, num, sizeof num);
            sb_rate(&nb, ": F_layers at ", peak_mm, eff_mm);
            sb_rate(&nb, ", F_attn at ", peak, eff_att);
            if (!flash) {
                tmem__sb_str(&nb, " + 4 passes over the scores at ");
                sb_si(&nb, hbm, "B/s");
            }
            tmem__sb_str(&nb, " = ");
            sb_si(&nb, re_s, "s");
            tmem__term_note(&rc, NULL, num);
            tmem__term_render(&rc, FORM(TMEM_TT_RECOMPUTE), TMEM_TIME_FORMULA_LEN);
        }
        out.item_s[TMEM_TT_RECOMPUTE] = re_s;
    }
    double compute_mb = (out.item_s[TMEM_TT_COMPUTE] + out.item_s[TMEM_TT_RECOMPUTE]) / (double)mb;
    double attn_mb = (double)att_num / (double)att_den * (double)f_att / (peak * eff_att);

    /* tensor parallel: 2 all-reduces per layer forward, 2 backward (+2 with
     * full recompute) of b·s/cp·d_model activations; ring 2(t−1)/t */
    double tp_mb = 0.0;
    if (tp > 1) {
        struct link l = link_of(&x, tp, 1);
        uint64_t per_layer = o->recompute == TMEM_RECOMPUTE_FULL ? 6 : 4;
        struct tmem__term q;
        tmem__term_init(&q, text);
        tmem__term_mul(&q, "m", mb);
        tmem__term_mul(&q, o->recompute == TMEM_RECOMPUTE_FULL ? "6 per layer" : "4 per layer", per_layer);
        tmem__term_mul(&q, "L_stage", L_s);
        tmem__term_mul(&q, "b", b);
        tmem__term_mul(&q, "s/cp", sl);
        tmem__term_mul(&q, "d_model", m->d_model);
        tmem__term_mul(&q, "act bytes", cb);
        frac(&q, "2(tp−1)/tp", 2 * (tp - 1), tp);
        if (tmem__term_overflow(&q))
            overflow = true;
        uint64_t hops = mb * per_layer * L_s * 2 * (tp - 1);
        out.item_s[TMEM_TT_TP] = comm_time(&x, &q, l, hops, FORM(TMEM_TT_TP));
        out.exposed_s[TMEM_TT_TP] = out.item_s[TMEM_TT_TP];
        if (to->tp_overlap) {
            /* --tp-overlap (Megatron's --tp-comm-overlap with Transformer
             * Engine's userbuffers, torchtitan's AsyncTP): each collective
             * is split and pipelined with the GEMM beside it, so only what
             * the matmuls cannot cover is exposed */
            out.exposed_s[TMEM_TT_TP] = max_d(0.0, out.item_s[TMEM_TT_TP] - mm_s);
            if (text) {
                struct tmem_sb sb;
                char *f = tx->formula[TMEM_TT_TP];
                size_t used = strlen(f);
                tmem__sb_init(&sb, f + used, TMEM_TIME_FORMULA_LEN - used);
                tmem__sb_str(&sb, "; --tp-overlap: exposed max(0, tp − matmuls ");
                sb_si(&sb, mm_s, "s");
                tmem__sb_str(&sb, ")");
            }
        }
        tp_mb = out.exposed_s[TMEM_TT_TP] / (double)mb;
    }

    /* expert parallel: 4 all-to-alls per MoE layer (dispatch, combine and
     * their gradients; +2 with full recompute) of b·s/cp·k·d_model */
    double ep_mb = 0.0;
    uint64_t n_moe = tmem_model_moe_layers(m);
    if (ep > 1 && n_moe > 0) {
        struct link l = link_of(&x, ep, tp * cp);
        uint64_t per_layer = o->recompute == TMEM_RECOMPUTE_FULL ? 6 : 4;
        uint64_t moe_s = tmem_ceil_div_u64(n_moe * L_s, L);
        struct tmem__term q;
        tmem__term_init(&q, text);
        tmem__term_mul(&q, "m", mb);
        tmem__term_mul(&q, "a2a per layer", per_layer);
        tmem__term_mul(&q, "MoE layers", moe_s);
        tmem__term_mul(&q, "b", b);
        tmem__term_mul(&q, "s/cp", sl);
        tmem__term_mul(&q, "k", m->n_expert_used);
        tmem__term_mul(&q, "d_model", m->d_model);
        tmem__term_mul(&q, "act bytes", cb);
        frac(&q, "(ep−1)/ep", ep - 1, ep);
        if (tmem__term_overflow(&q))
            overflow = true;
        uint64_t hops = mb * per_layer * moe_s * (ep - 1);
        out.item_s[TMEM_TT_EP] = comm_time(&x, &q, l, hops, FORM(TMEM_TT_EP));
        out.exposed_s[TMEM_TT_EP] = out.item_s[TMEM_TT_EP];
        ep_mb = out.item_s[TMEM_TT_EP] / (double)mb;
    }

    /* context parallel: ring attention passes each rank's K, V block
     * (cp − 1) times forward and K, V with their gradients backward:
     * 3·(cp − 1) blocks per layer; overlapped with the attention compute */
    double cp_mb_exposed = 0.0;
    if (cp > 1) {
        struct link l = link_of(&x, cp, tp);
        struct tmem__term q;
        tmem__term_init(&q, text);
        tmem__term_mul(&q, "m", mb);
        tmem__term_mul(&q, "3(cp−1)", 3 * (cp - 1));
        tmem__term_mul(&q, "L_stage", L_s);
        tmem__term_mul(&q, "b", b);
        tmem__term_mul(&q, "s/cp", sl);
        tmem__term_mul(&q, "n_kv·(d_k+d_v)/tp", tmem_ceil_div_u64(sums->kv_dim, tp));
        tmem__term_mul(&q, "act bytes", cb);
        if (tmem__term_overflow(&q))
            overflow = true;
        uint64_t hops = mb * 3 * (cp - 1) * L_s;
        out.item_s[TMEM_TT_CP] = comm_time(&x, &q, l, hops, FORM(TMEM_TT_CP));
        cp_mb_exposed = max_d(0.0, out.item_s[TMEM_TT_CP] / (double)mb - attn_mb);
        out.exposed_s[TMEM_TT_CP] = cp_mb_exposed * (double)mb;
    }

    /* pipeline: each micro-batch's activation out and its gradient back,
     * b·s/cp·d_model each (per TP rank), on the critical path */
    if (pp > 1) {
        struct link l = link_of(&x, pp, dp * tp * cp);
        struct tmem__term q;
        tmem__term_init(&q, text);
        tmem__term_mul(&q, NULL, 2);
        tmem__term_mul(&q, "m", mb);
        tmem__term_mul(&q, "b", b);
        tmem__term_mul(&q, "s/cp", sl);
        tmem__term_mul(&q, "d_model", m->d_model);
        tmem__term_mul(&q, "act bytes", cb);
        if (tmem__term_overflow(&q))
            overflow = true;
        out.item_s[TMEM_TT_PP] = comm_time(&x, &q, l, 2 * mb, FORM(TMEM_TT_PP));
        out.exposed_s[TMEM_TT_PP] = out.item_s[TMEM_TT_PP];
    }

    /* data parallel / sharding */
    double dp_exposed = 0.0;
    uint64_t n = dp * cp; /* ranks that hold the same weights */
    uint64_t shard = lay->shard;
    bool shard_w = o->zero == 3 || o->fsdp == TMEM_FSDP_FULL || o->fsdp == TMEM_FSDP_GRAD_OP ||
                   o->fsdp == TMEM_FSDP_HYBRID;
    bool shard_o = o->zero >= 1 || o->distributed_optimizer ||
                   (o->fsdp != TMEM_FSDP_OFF && o->fsdp != TMEM_FSDP_NO_SHARD);
    double bwd_last = 2.0 / 3.0 * out.item_s[TMEM_TT_COMPUTE] / (double)mb;
    if (n > 1) {
        uint64_t P = lay->params;
        if (!shard_o) {
            /* DDP: ring all-reduce of the gradients, bucket by bucket */
            struct link l = link_of(&x, n, tp);
            struct tmem__term q;
            tmem__term_init(&q, text);
            tmem__term_mul(&q, "P_gpu", P);
            tmem__term_mul(&q, "grad bytes", gb);
            frac(&q, "2(n−1)/n", 2 * (n - 1), n);
            uint64_t gbytes = 0;
            if (!tmem_mul_u64(P, gb, &gbytes))
                overflow = true;
            uint64_t buckets = tmem_ceil_div_u64(gbytes, o->ddp_bucket_bytes ? o->ddp_bucket_bytes : 1);
            double t_dp = comm_time(&x, &q, l, buckets * 2 * (n - 1), FORM(TMEM_TT_DP));
            out.item_s[TMEM_TT_DP] = t_dp;
            dp_exposed = max_d(0.0, t_dp - bwd_last);
        } else if (!shard_w) {
            /* ZeRO-1/2, distributed optimizer: reduce-scatter the gradients
             * (overlaps backward), all-gather the updated weights (exposed) */
            struct link l = link_of(&x, shard, tp);
            struct tmem__term q;
            tmem__term_init(&q, text);
            tmem__term_mul(&q, "P_gpu", P);
            tmem__term_mul(&q, "(grad + weight bytes)", gb + wb);
            frac(&q, "(n−1)/n", shard - 1, shard);
            uint64_t calls = tmem_ceil_div_u64(P, o->ds_reduce_bucket ? o->ds_reduce_bucket : 1) +
                             tmem_ceil_div_u64(P, o->ds_allgather_bucket ? o->ds_allgather_bucket : 1);
            double t_dp = comm_time(&x, &q, l, calls * (shard - 1), FORM(TMEM_TT_DP));
            double t_rs = t_dp * (double)gb / (double)(gb + wb);
            out.item_s[TMEM_TT_DP] = t_dp;
            dp_exposed = max_d(0.0, t_rs - bwd_last) + (t_dp - t_rs);
        } else {
            /* ZeRO-3 / FSDP: per micro-batch an all-gather for forward, one
             * for backward (GRAD_OP keeps them: one) and a reduce-scatter
             * of the gradients; prefetch overlaps them with the compute,
             * except the first unit's gather */
            struct link l = link_of(&x, shard, tp);
            uint64_t gathers = o->fsdp == TMEM_FSDP_GRAD_OP ? 1 : 2;
            struct tmem__term q;
            tmem__term_init(&q, text);
            tmem__term_mul(&q, "m", mb);
            tmem__term_mul(&q, "P_gpu", P);
            tmem__term_mul(&q, gathers == 1 ? "(weight + grad bytes)" : "(2 × weight + grad bytes)",
                           gathers * wb + gb);
            frac(&q, "(n−1)/n", shard - 1, shard);
            uint64_t units = L_s + 2;
            double t_dp = comm_time(&x, &q, l, mb * (gathers + 1) * units * (shard - 1),
                                    FORM(TMEM_TT_DP));
            double first = (double)lay->largest_unit_params * (double)wb * (double)(shard - 1) /
                           (double)shard / l.bw;
            dp_exposed = max_d(0.0, t_dp / (double)mb - compute_mb) * (double)mb + first;
            /* HSDP: the shards' gradients all-reduced across the replicas */
            uint64_t rep = n / shard;
            if (o->fsdp == TMEM_FSDP_HYBRID && rep > 1) {
                struct link ln = link_of(&x, rep, tp * shard);
                double hs = (double)P * (double)gb / (double)shard * 2.0 * (double)(rep - 1) /
                                (double)rep / ln.bw +
                            2.0 * (double)(rep - 1) * ln.alpha;
                t_dp += hs;
                dp_exposed += hs;
            }
            out.item_s[TMEM_TT_DP] = t_dp;
        }
        out.exposed_s[TMEM_TT_DP] = dp_exposed;
    }

    /* offload: gradients down and weights up once a step (optimizer), the
     * weights up for every forward and backward too (params) */
    if (o->offload != TMEM_OFFLOAD_NONE) {
        uint64_t sh = shard_o ? shard : 1;
        struct tmem__term q;
        tmem__term_init(&q, text);
        tmem__term_mul(&q, "P_gpu", lay->params);
        tmem__term_mul(&q, "(grad + weight bytes)", gb + wb);
        tmem__term_div_ceil(&q, "shard", sh);
        if (o->offload == TMEM_OFFLOAD_PARAMS) {
            tmem__term_plus(&q, NULL, 2);
            tmem__term_mul(&q, "m", mb);
            tmem__term_mul(&q, "P_gpu", lay->params);
            tmem__term_mul(&q, "weight bytes", wb);
            tmem__term_div_ceil(&q, "shard", sh);
        }
        if (tmem__term_overflow(&q))
            overflow = true;
        /* the copies, then the CPU's optimizer step over this rank's share */
        double cpu = (double)tmem_ceil_div_u64(lay->params, sh) / to->cpu_opt_params_per_s;
        double hs = (double)tmem__term_value(&q) / to->host_bytes_per_s + cpu;
        if (text) {
            char num[96];
            struct tmem_sb nb;
            tmem__sb_init(&nb, num, sizeof num);
            tmem__sb_str(&nb, " / ");
            sb_si(&nb, to->host_bytes_per_s, "B/s");
            tmem__sb_str(&nb, " + ");
            tmem__sb_u64(&nb, tmem_ceil_div_u64(lay->params, sh));
            tmem__sb_str(&nb, " / ");
            sb_si(&nb, to->cpu_opt_params_per_s, "params/s");
            tmem__sb_str(&nb, " = ");
            sb_si(&nb, hs, "s");
            tmem__term_note(&q, " / host link + P_gpu / shard / CPU optimizer rate", num);
            tmem__term_render(&q, FORM(TMEM_TT_OFFLOAD), TMEM_TIME_FORMULA_LEN);
        }
        out.item_s[TMEM_TT_OFFLOAD] = out.exposed_s[TMEM_TT_OFFLOAD] = hs;
    }
    if (overflow)
        return tmem__fail(err, TMEM_ERR_OVERFLOW, "train time", "a FLOP or byte count does not fit in 64 bits");

    out.exposed_s[TMEM_TT_COMPUTE] = out.item_s[TMEM_TT_COMPUTE];
    out.exposed_s[TMEM_TT_RECOMPUTE] = out.item_s[TMEM_TT_RECOMPUTE];
    /* the pipeline: m micro-batches of compute + TP + EP + exposed CP, and
     * the bubble: (p − 1)/(v·m) of that */
    double t_mb = compute_mb + tp_mb + ep_mb + cp_mb_exposed;
    double pipe = (double)mb * t_mb;
    out.bubble_fraction = 0.0;
    if (pp > 1) {
        double vm = (double)v * (double)mb;
        out.bubble_fraction = (double)(pp - 1) / (vm + (double)(pp - 1));
        out.item_s[TMEM_TT_BUBBLE] = pipe * (double)(pp - 1) / vm;
        out.exposed_s[TMEM_TT_BUBBLE] = out.item_s[TMEM_TT_BUBBLE];
        if (text) {
            struct tmem_sb sb;
            tmem__sb_init(&sb, FORM(TMEM_TT_BUBBLE), TMEM_TIME_FORMULA_LEN);
            tmem__sb_str(&sb, "(pp − 1)/(v·m) × pipeline = (");
            tmem__sb_u64(&sb, pp);
            tmem__sb_str(&sb, " − 1)/(");
            tmem__sb_u64(&sb, v);
            tmem__sb_str(&sb, " × ");
            tmem__sb_u64(&sb, mb);
            tmem__sb_str(&sb, ") × ");
            sb_si(&sb, pipe, "s");
            tmem__sb_str(&sb, "; fraction (pp − 1)/(v·m + pp − 1)");
        }
    }

    /* --rl: the rollout before the update (rollout_time), and the scoring
     * forwards over the same b·s tokens per micro-batch: the frozen
     * reference (the policy's forward, lm_head included; with LoRA the base
     * with its adapters disabled; none with --ref-model none), a reward
     * model 2·b·s/cp·P_reward/(tp·pp) (its whole count, embedding included:
     * an upper bound; no attention term), and PPO's critic: one forward
     * for the values and its update, forward + backward, 1 + 3 forwards of
     * the policy's layers without the lm_head (its value head's d_model × 1
     * is left out). Matmuls at the matmul efficiency, attention at
     * attention's (forward only: 1 × each). */
    out.rollout_s = out.rollout_prefill_s = out.rollout_decode_s = out.weight_sync_s = out.score_s = 0.0;
    out.rollout_batch = out.rollout_prompt = out.rollout_completion = 0;
    if (text)
        tx->rollout_formula[0] = tx->score_formula[0] = '\0';
    if (o->rl != TMEM_RL_NONE && !m->encdec) {
        uint64_t g = tmem_train_completion_len(o, s);
        TRY(rollout_time(m, inv, o, to->gpu, b * mb, s - g, g, wb, &out, text ? tx->rollout_formula : NULL, err));
        const uint64_t k_r = o->ref_model != TMEM_REF_MODEL_NONE ? 1 : 0;
        const uint64_t k_c = o->rl == TMEM_RL_PPO && o->critic ? 4 : 0;
        struct tmem__term sm, sa;
        tmem__term_init(&sm, text);
        if (k_r) {
            tmem__term_mul(&sm, "reference 1", 1);
            tmem__term_mul(&sm, "m", mb);
            tmem__term_mul_term(&sm, &mm);
        }
        if (k_c) {
            tmem__term_plus(&sm, "critic (1 + 3)", k_c);
            tmem__term_mul(&sm, "m", mb);
            tmem__term_mul(&sm, NULL, 2);
            tmem__term_mul(&sm, "b", b);
            tmem__term_mul(&sm, "s/cp", sl);
            tmem__term_mul(&sm, "N_mm/tp", n_mm_tp);
            frac(&sm, "L_stage/n_layer", L_s, L);
        }
        if (o->reward_params != 0) {
            tmem__term_plus(&sm, NULL, 2);
            tmem__term_mul(&sm, "m", mb);
            tmem__term_mul(&sm, "b", b);
            tmem__term_mul(&sm, "s/cp", sl);
            tmem__term_mul(&sm, "P_reward", o->reward_params);
            tmem__term_div_ceil(&sm, "tp·pp", tp * pp);
        }
        tmem__term_init(&sa, text);
        if (k_r + k_c) {
            tmem__term_mul(&sa, "(reference + critic forwards)", k_r + k_c);
            tmem__term_mul(&sa, "m", mb);
            tmem__term_mul_term(&sa, &att);
        }
        if (tmem__term_overflow(&sm) || tmem__term_overflow(&sa))
            return tmem__fail(err, TMEM_ERR_OVERFLOW, "train time", "a FLOP or byte count does not fit in 64 bits");
        char fm[TMEM_TIME_FORMULA_LEN], fa[TMEM_TIME_FORMULA_LEN];
        double sc = 0.0;
        if (tmem__term_value(&sm) > 0)
            sc += flop_time(&x, &sm, peak, to->efficiency, text ? fm : NULL);
        if (tmem__term_value(&sa) > 0)
            sc += flop_time(&x, &sa, peak, eff_att, text ? fa : NULL);
        out.score_s = sc;
        if (text && sc > 0.0) {
            struct tmem_sb sb;
            tmem__sb_init(&sb, tx->score_formula, TMEM_TIME_FORMULA_LEN);
            if (tmem__term_value(&sm) > 0)
                tmem__sb_str(&sb, fm);
            if (tmem__term_value(&sm) > 0 && tmem__term_value(&sa) > 0)
                tmem__sb_str(&sb, "; attention ");
            if (tmem__term_value(&sa) > 0)
                tmem__sb_str(&sb, fa);
        }
    }
    out.step_s = pipe + out.item_s[TMEM_TT_BUBBLE] + out.exposed_s[TMEM_TT_DP] +
                 out.exposed_s[TMEM_TT_PP] + out.exposed_s[TMEM_TT_OFFLOAD] + out.rollout_s + out.score_s;
    if (text) {
        struct tmem_sb sb;
        tmem__sb_init(&sb, tx->step_formula, TMEM_TIME_FORMULA_LEN);
        tmem__sb_str(&sb, "m × (compute + recompute + tp + ep + cp exposed) + bubble + dp exposed + pp + offload = ");
        sb_si(&sb, pipe, "s");
        tmem__sb_str(&sb, " + ");
        sb_si(&sb, out.item_s[TMEM_TT_BUBBLE], "s");
        tmem__sb_str(&sb, " + ");
        sb_si(&sb, out.exposed_s[TMEM_TT_DP], "s");
        tmem__sb_str(&sb, " + ");
        sb_si(&sb, out.exposed_s[TMEM_TT_PP], "s");
        tmem__sb_str(&sb, " + ");
        sb_si(&sb, out.exposed_s[TMEM_TT_OFFLOAD], "s");
        if (o->rl != TMEM_RL_NONE) {
            tmem__sb_str(&sb, " + rollout ");
            sb_si(&sb, out.rollout_s, "s");
            tmem__sb_str(&sb, " + scoring ");
            sb_si(&sb, out.score_s, "s");
        }
    }

    /* throughput and utilisation: the job's model FLOPs over all GPUs */
    out.micro_batches = mb;
    out.tokens_per_step = b * s * mb * dp;
    out.model_flops = f_mm_all + f_att_all;
    out.hardware_flops = out.model_flops + f_re + f_ref;
    out.tokens_per_s = (double)out.tokens_per_step / out.step_s;
    out.tokens_per_s_per_gpu = out.tokens_per_s / (double)gpus;
    double per_token_mm = 2.0 * (double)(sums->mm_split_params + sums->mm_repl_params + sums->head_params);
    double per_token_att = 2.0 * (double)(causal_half ? s / 2 : s) * (double)sums->attn_dim * (double)L_att;
    /* adapters: the whole job's trainable matmul weights, as this GPU's ×
     * tp·pp (one replica; its stage standing for every stage, the other
     * expert-parallel ranks' expert adapters left out) */
    double ad_token = frozen ? 2.0 * (double)lay->trainable_matmul_params * (double)(tp * pp) : 0.0;
    out.flops_per_token = (double)k_base * per_token_mm + 3.0 * per_token_att + 3.0 * ad_token;
    double job = out.flops_per_token * (double)out.tokens_per_step;
    double re_job = 0.0;
    if (m->encdec) {
        /* one GPU per replica (no tp/pp/cp): the job is dp × this GPU's
         * model FLOPs; per token of the encoder's s_enc (tokens_per_step) */
        job = (double)out.model_flops * (double)dp;
        out.flops_per_token = (double)out.model_flops / (double)(b * s * mb);
        re_job = (double)f_re * (double)dp;
        per_token_mm = per_token_att = 0.0;
        if (k_ref)
            per_token_mm = (double)f_ref / (double)(b * s * mb);
    } else if (o->recompute != TMEM_RECOMPUTE_NONE) {
        double att_tok = 2.0 * (double)(causal_half ? s / 2 : s) * (double)sums->attn_dim * (double)L_att;
        re_job = (double)out.tokens_per_step *
                 (o->recompute == TMEM_RECOMPUTE_FULL
                      ? 2.0 * (double)(sums->mm_split_params + sums->mm_repl_params) + att_tok
                      : att_tok);
    }
    out.mfu = job / ((double)gpus * peak * out.step_s);
    double ref_job = k_ref ? (double)out.tokens_per_step * (per_token_mm + per_token_att) : 0.0;
    out.hfu = (job + re_job + ref_job) / ((double)gpus * peak * out.step_s);
    out.crosses_nodes = gpus > x.gpn;
    *t = out;
    return TMEM_OK;
}

double tmem_train_time_for_tokens(const struct tmem_train_time *t, uint64_t tokens)
{
    return t->tokens_per_s > 0.0 ? (double)tokens / t->tokens_per_s : 0.0;
}
