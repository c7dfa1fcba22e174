/* ckpt_model.c — a model description from a checkpoint alone.
 *
 * GGUF: general.architecture picks the family (llama.cpp's names mapped to
 * tmem's), the <arch>.* keys give the sizes, and which tensors exist gives
 * the layout switches (biases, norms, a separate output matrix).
 * safetensors without config.json: the HF tensor names tell the family and
 * the shapes give every size; only how q's width splits into heads × head
 * size is not in the weights (it changes no count), and is guessed.
 * The result is raw, like tmem_hf_config_parse's: tmem_model_resolve()
 * derives and validates the rest. */
#define _POSIX_C_SOURCE 200809L
#include "checked.h"
#include "ckpt_internal.h"
#include "error.h"
#include "errtext.h"
#include "utf8.h"
#include "model_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct derive {
    struct tmem_ckpt *c;
    const char *path;           /* the GGUF file, for errors */
    const char *arch;
    struct tmem_error *err;
    enum tmem_status st;
    char *notes;
    size_t notes_cap;
};

/* A norm with a weight and no bias in the file: the family's weight-only
 * LayerNorm (Cohere) where its descriptor names one, else RMSNorm. */
static enum tmem_norm_kind weight_only_norm(const struct tmem_model *m)
{
    return m->norm == TMEM_NORM_LAYERNORM_NOBIAS ? m->norm : TMEM_NORM_RMSNORM;
}

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 2, 3)))
#endif

static void note(struct derive *d, const char *fmt, ...)
{
    if (d->notes == NULL || d->notes_cap == 0)
        return;
    size_t o = strlen(d->notes);
    if (o + 3 >= d->notes_cap)
        return;
    if (o)
        o += (size_t)snprintf(d->notes + o, d->notes_cap - o, "; ");
    va_list ap;
    va_start(ap, fmt);
    if (o < d->notes_cap)
        vsnprintf(d->notes + o, d->notes_cap - o, fmt, ap);
    va_end(ap);
}

static bool has_tensor(struct derive *d, const char *name)
{
    return tmem_ckpt_find(d->c, name) >= 0;
}

static const struct tmem_ckpt_tensor *tensor(struct derive *d, const char *name)
{
    int64_t i = tmem_ckpt_find(d->c, name);
    return i >= 0 ? &d->c->tensors[i] : NULL;
}

/* ------------------------------------------------------------------- GGUF */

/* <arch>.<suffix> as a non-negative integer; false when absent. */
static bool kv_u64(struct derive *d, const char *suffix, bool required, uint64_t *out)
{
    if (d->st != TMEM_OK)
        return false;
    char key[160];
    snprintf(key, sizeof key, "%s.%s", d->arch, suffix);
    const struct tmem_ckpt_kv *kv = tmem_ckpt_kv_find(d->c, key);
    if (kv == NULL) {
        if (required)
            d->st = tmem__ckpt_fail(d->err, TMEM_ERR_MISSING_KEY, d->path, key, 0,
                                   "missing key (the model's %s)", suffix);
        return false;
    }
    if (tmem_ckpt_kv_u64(kv, out))
        return true;
    switch (kv->type) {
    case TMEM_GGUF_INT8:
    case TMEM_GGUF_INT16:
    case TMEM_GGUF_INT32:
    case TMEM_GGUF_INT64: /* the helper refused it: negative */
        d->st = tmem__ckpt_fail(d->err, TMEM_ERR_LIMIT, d->path, key, kv->offset,
                               "is %lld but must be a non-negative integer", (long long)kv->v.i);
        return false;
    case TMEM_GGUF_ARRAY:
        d->st = tmem__ckpt_fail(d->err, TMEM_ERR_UNSUPPORTED, d->path, key, kv->offset,
                               "per-layer values (an array of %llu) are not supported",
                               (unsigned long long)kv->n_elems);
        return false;
    default:
        d->st = tmem__ckpt_fail(d->err, TMEM_ERR_SCHEMA, d->path, key, kv->offset,
                               "has type %s but must be an integer", tmem_gguf_type_name(kv->type));
        return false;
    }
}

static bool blk_has(struct derive *d, uint64_t layer, const char *what)
{
    char name[96];
    snprintf(name, sizeof name, "blk.%llu.%s", (unsigned long long)layer, what);
    return has_tensor(d, name);
}

static bool blk0(struct derive *d, const char *what) { return blk_has(d, 0, what); }

static const struct tmem_ckpt_tensor *blk_tensor(struct derive *d, uint64_t layer, const char *what)
{
    char name[96];
    snprintf(name, sizeof name, "blk.%llu.%s", (unsigned long long)layer, what);
    return tensor(d, name);
}

/* A hybrid's per-layer <arch>.attention.head_count_kv (convert_hf_to_gguf.py
 * JambaModel, GraniteHybridModel: the KV heads at an attention layer, 0 at a
 * recurrent one; llama-model.cpp recurrent_layer_arr[i] = n_head_kv(i) == 0):
 * the layers that attend, as a period (attn_layer_step / offset) where one
 * fits, else as the list attn_layers, and their one KV-head count. */
static void kv_heads_per_layer(struct derive *d, const struct tmem_ckpt_kv *kv, struct tmem_model *m)
{
    char key[160];
    snprintf(key, sizeof key, "%s.attention.head_count_kv", d->arch);
    if (kv->elems == NULL || !m->hybrid || m->hybrid_parallel) {
        d->st = tmem__ckpt_fail(d->err, TMEM_ERR_UNSUPPORTED, d->path, key, kv->offset,
                               "per-layer values (an array of %llu) are not supported",
                               (unsigned long long)kv->n_elems);
        return;
    }
    if (kv->n_elems != m->n_layer) {
        d->st = tmem__ckpt_fail(d->err, TMEM_ERR_INCONSISTENT, d->path, key, kv->offset,
                               "has %llu per-layer values but block_count is %llu",
                               (unsigned long long)kv->n_elems, (unsigned long long)m->n_layer);
        return;
    }
    uint64_t heads = 0, first = 0, n_attn = 0, step = 0;
    uint32_t list[TMEM_MAX_ATTN_LAYERS];
    for (uint64_t l = 0; l < m->n_layer; l++) {
        uint64_t v;
        if (!tmem_ckpt_kv_elem_u64(kv, l, &v)) {
            d->st = tmem__ckpt_fail(d->err, TMEM_ERR_SCHEMA, d->path, key, kv->offset,
                                   "entry %llu is not a non-negative integer (%s array)",
                                   (unsigned long long)l, tmem_gguf_type_name(kv->elem_type));
            return;
        }
        if (v == 0)
            continue;
        if (heads && v != heads) {
            d->st = tmem__ckpt_fail(d->err, TMEM_ERR_UNSUPPORTED, d->path, key, kv->offset,
                                   "layer %llu has %llu KV heads but layer %llu has %llu: "
                                   "attention layers of different KV heads are not supported",
                                   (unsigned long long)l, (unsigned long long)v,
                                   (unsigned long long)first, (unsigned long long)heads);
            return;
        }
        if (n_attn == 0) {
            first = l;
            heads = v;
        } else if (n_attn == 1) {
            step = l - first;
        }
        if (n_attn < TMEM_MAX_ATTN_LAYERS)
            list[n_attn] = (uint32_t)l; /* l < n_layer ≤ 2^32 */
        n_attn++;
    }
    m->n_kv_head = heads;
    bool periodic = n_attn >= 2 && first < step;
    for (uint64_t l = 0; periodic && l < m->n_layer; l++) {
        uint64_t v = 0;
        tmem_ckpt_kv_elem_u64(kv, l, &v);
        periodic = (v > 0) == (l % step == first);
    }
    m->n_attn_layers_listed = 0;
    m->attn_layer_step = m->attn_layer_offset = 0;
    if (periodic) {
        m->attn_layer_step = step;
        m->attn_layer_offset = first;
    } else if (n_attn <= TMEM_MAX_ATTN_LAYERS) {
        memcpy(m->attn_layers, list, (size_t)n_attn * sizeof list[0]);
        m->n_attn_layers_listed = (uint32_t)n_attn;
    } else {
        d->st = tmem__ckpt_fail(d->err, TMEM_ERR_UNSUPPORTED, d->path, key, kv->offset,
                               "%llu attention layers in no period: at most %u can be listed",
                               (unsigned long long)n_attn, TMEM_MAX_ATTN_LAYERS);
    }
}

/* A hybrid's MoE layers by their router tensor (blk.N.ffn_gate_inp; llama.cpp
 * writes no key for Jamba's expert_layer_period / offset): layer i is MoE iff
 * (i + phase) % step == 0, with step and phase from the first two. */
static void moe_layers_from_tensors(struct derive *d, struct tmem_model *m)
{
    uint64_t first = 0, step = 0, n = 0;
    for (uint64_t l = 0; l < m->n_layer; l++) {
        if (!blk_has(d, l, "ffn_gate_inp.weight"))
            continue;
        if (n == 0)
            first = l;
        else if (n == 1)
            step = l - first;
        n++;
    }
    if (n == 0)
        return; /* the expert keys without experts: resolve's rules apply */
    if (n == 1)
        step = m->n_layer;
    bool ok = first < step;
    for (uint64_t l = 0; ok && l < m->n_layer; l++)
        ok = blk_has(d, l, "ffn_gate_inp.weight") == (l % step == first);
    if (!ok) {
        d->st = tmem__ckpt_fail(d->err, TMEM_ERR_UNSUPPORTED, d->path, "blk.*.ffn_gate_inp.weight",
                               0, "the layers with experts (%llu of %llu, the first %llu) follow "
                                  "no period",
                               (unsigned long long)n, (unsigned long long)m->n_layer,
                               (unsigned long long)first);
        return;
    }
    m->moe_layer_step = step;
    m->moe_layer_offset = first;
    m->moe_offset_given = true; /* resolve: phase = (step − offset) mod step */
    m->moe_first_layer = 0;
}

static enum tmem_status gguf_model(struct derive *d, struct tmem_model *m)
{
    struct tmem_ckpt *c = d->c;
    const struct tmem_ckpt_kv *ak = tmem_ckpt_kv_find(c, "general.architecture");
    if (ak == NULL)
        return tmem__ckpt_fail(d->err, TMEM_ERR_MISSING_KEY, d->path, "general.architecture", 0,
                              "missing key (it names the architecture)");
    if (ak->type != TMEM_GGUF_STRING)
        return tmem__ckpt_fail(d->err, TMEM_ERR_SCHEMA, d->path, "general.architecture",
                              ak->offset, "has type %s but must be a string",
                              tmem_gguf_type_name(ak->type));
    d->arch = ak->str;
    uint64_t n_expert = 0, first_moe = 0;
    kv_u64(d, "expert_count", false, &n_expert);
    kv_u64(d, "leading_dense_block_count", false, &first_moe);
    char name[64];
    snprintf(name, sizeof name, "blk.%llu.exp_probs_b.bias", (unsigned long long)first_moe);
    bool router_bias = has_tensor(d, name); /* the router's e_score_correction_bias */
    snprintf(name, sizeof name, "blk.%llu.ffn_gate_inp.bias", (unsigned long long)first_moe);
    router_bias |= has_tensor(d, name);     /* or its Linear's bias (gpt-oss) */
    /* the family whose descriptor names this architecture; where several do
     * (llama.cpp stores Mixtral as llama with experts, DeepSeek-V3 as
     * deepseek2 with a router bias), the one whose MoE and router-bias
     * rules match the file */
    enum tmem_family fam = TMEM_FAMILY_COUNT;
    int best = -1;
    for (int f = 0; f < TMEM_FAMILY_COUNT; f++) {
        const struct tmem_family_info *fi = tmem_family_info((enum tmem_family)f);
        if (fi->gguf_arch == NULL || strcmp(fi->gguf_arch, d->arch) != 0)
            continue;
        int score = (fi->moe == (n_expert > 0)) + (fi->router_bias == router_bias);
        if (score > best) {
            best = score;
            fam = (enum tmem_family)f;
        }
    }
    if (fam == TMEM_FAMILY_COUNT) {
        char known[320], q[TMEM_QUOTE_CAP];
        size_t o = 0;
        for (int f = 0; f < TMEM_FAMILY_COUNT && o < sizeof known; f++) {
            const char *arch = tmem_family_info((enum tmem_family)f)->gguf_arch;
            bool seen = arch == NULL;
            for (int g = 0; g < f && !seen; g++) {
                const char *before = tmem_family_info((enum tmem_family)g)->gguf_arch;
                seen = before != NULL && strcmp(before, arch) == 0;
            }
            if (!seen)
                o += (size_t)snprintf(known + o, sizeof known - o, "%s%s", o ? ", " : "", arch);
        }
        return tmem__ckpt_fail(d->err, TMEM_ERR_UNSUPPORTED, d->path, "general.architecture",
                              ak->offset, "architecture %s has no tmem family (known: %s)",
                              tmem__quote(q, d->arch), known);
    }
    tmem_model_init(m, fam, NULL);
    const struct tmem_ckpt_kv *nk = tmem_ckpt_kv_find(c, "general.name");
    if (nk && nk->type == TMEM_GGUF_STRING)
        tmem__copy_marked(m->name, sizeof m->name, nk->str); /* cut on a character, with … */

    const bool ssm = m->ssm != TMEM_SSM_NONE;
    kv_u64(d, "embedding_length", true, &m->d_model);
    kv_u64(d, "block_count", true, &m->n_layer);
    /* llama.cpp writes head_count 0 for the state-space models */
    kv_u64(d, "attention.head_count", !ssm || m->hybrid, &m->n_head);
    char hkv[160];
    snprintf(hkv, sizeof hkv, "%s.attention.head_count_kv", d->arch);
    const struct tmem_ckpt_kv *hk = tmem_ckpt_kv_find(c, hkv);
    if (d->st == TMEM_OK && hk && hk->type == TMEM_GGUF_ARRAY)
        kv_heads_per_layer(d, hk, m);
    else
        kv_u64(d, "attention.head_count_kv", false, &m->n_kv_head);
    uint64_t interval = 0;
    if (m->hybrid && kv_u64(d, "full_attention_interval", false, &interval)) {
        /* convert_hf_to_gguf.py Qwen3NextModel; llama-model.cpp: layer i is
         * recurrent iff (i + 1) % interval != 0 */
        if (interval == 0 || interval > m->n_layer)
            return tmem__ckpt_fail(d->err, TMEM_ERR_LIMIT, d->path, "full_attention_interval", 0,
                                  "is %llu but must be in [1, block_count %llu]",
                                  (unsigned long long)interval, (unsigned long long)m->n_layer);
        m->attn_layer_step = interval;
        m->attn_layer_offset = interval - 1;
        m->n_attn_layers_listed = 0;
    }
    kv_u64(d, "context_length", false, &m->n_ctx);
    kv_u64(d, "attention.sliding_window", false, &m->sliding_window);
    kv_u64(d, "feed_forward_length", false, &m->d_ff);
    uint64_t key_len = 0, value_len = 0;
    kv_u64(d, "attention.key_length", false, &key_len);
    kv_u64(d, "attention.value_length", false, &value_len);
    if (ssm) {
        /* REF llama.cpp convert_hf_to_gguf.py MambaModel / Mamba2Model
         * set_gguf_parameters and llama-model.cpp LLM_ARCH_MAMBA(2): ssm.*
         * sizes; Mamba-2's time_step_rank is its number of heads */
        if (!m->hybrid)
            m->d_ff = 0;
        kv_u64(d, "ssm.conv_kernel", true, &m->ssm_d_conv);
        kv_u64(d, "ssm.inner_size", true, &m->ssm_d_inner);
        kv_u64(d, "ssm.state_size", true, &m->ssm_d_state);
        /* Qwen3-Next's Gated DeltaNet (Qwen3NextModel.set_gguf_parameters):
         * state_size the key head size, group_count the key heads,
         * time_step_rank the value heads, inner_size their width */
        if (m->ssm == TMEM_SSM_MAMBA2 || m->ssm == TMEM_SSM_GDN) {
            kv_u64(d, "ssm.time_step_rank", true, &m->ssm_n_head);
            kv_u64(d, "ssm.group_count", true, &m->ssm_n_group);
            if (d->st == TMEM_OK && m->ssm_n_head && m->ssm_d_inner % m->ssm_n_head == 0)
                m->ssm_d_head = m->ssm_d_inner / m->ssm_n_head; /* else resolve refuses */
        } else {
            kv_u64(d, "ssm.time_step_rank", true, &m->ssm_dt_rank);
        }
    }
    if (d->st != TMEM_OK)
        return d->st;

    /* vocabulary: <arch>.vocab_size, else the tokenizer's token count; the
     * embedding matrix's rows win when they differ (they are the weights) */
    uint64_t vocab = 0;
    if (!kv_u64(d, "vocab_size", false, &vocab)) {
        const struct tmem_ckpt_kv *tk = tmem_ckpt_kv_find(c, "tokenizer.ggml.tokens");
        if (tk && tk->type == TMEM_GGUF_ARRAY)
            vocab = tk->n_elems;
    }
    const struct tmem_ckpt_tensor *embd = tensor(d, "token_embd.weight");
    if (embd && embd->n_dims == 2) {
        if (vocab && vocab != embd->dims[1])
            note(d, "token_embd has %llu rows but the metadata says %llu tokens; %llu counted",
                 (unsigned long long)embd->dims[1], (unsigned long long)vocab,
                 (unsigned long long)embd->dims[1]);
        vocab = embd->dims[1];
    }
    m->n_vocab = vocab;
    if (d->st != TMEM_OK)
        return d->st;

    /* layout switches from the tensors present (when there are any): the
     * attention's from the first layer that attends, the SSM mixer's from
     * the first that does not (a hybrid's layer 0 may be either) */
    uint64_t at = 0, sl = 0;
    if (m->hybrid && !m->hybrid_parallel) {
        while (at < m->n_layer && tmem_model_attn_layers_in(m, at, at + 1) == 0)
            at++;
        while (sl < m->n_layer && tmem_model_attn_layers_in(m, sl, sl + 1) == 1)
            sl++;
    }
    if (c->n_tensors > 0) {
        m->qkv_bias = blk_has(d, at, "attn_q.bias") || blk_has(d, at, "attn_qkv.bias");
        m->o_bias = blk_has(d, at, "attn_output.bias");
        m->mlp_bias = blk0(d, "ffn_up.bias") || blk0(d, "ffn_down.bias");
        m->qk_norm = blk_has(d, at, "attn_q_norm.weight");
        /* BERT (llama.cpp "bert"): attn_output_norm after attention,
         * layer_output_norm after the MLP (post-LN) */
        static const char *const norms[] = {"attn_norm.weight", "attn_norm_2.weight",
                                            "ffn_norm.weight", "post_attention_norm.weight",
                                            "post_ffw_norm.weight", "attn_output_norm.weight",
                                            "layer_output_norm.weight"};
        uint32_t n_norm = 0;
        for (size_t i = 0; i < sizeof norms / sizeof norms[0]; i++)
            n_norm += blk0(d, norms[i]);
        if (n_norm == 0) {
            m->norm = TMEM_NORM_NONPARAM;
        } else {
            m->n_norm_per_layer = n_norm;
            m->norm = blk0(d, "attn_norm.bias") || blk0(d, "attn_output_norm.bias")
                          ? TMEM_NORM_LAYERNORM
                          : weight_only_norm(m);
        }
        m->final_norm = has_tensor(d, "output_norm.weight");
        m->embed_norm = has_tensor(d, "token_embd_norm.weight");
        m->tied = !has_tensor(d, "output.weight");
        m->lm_head_bias = has_tensor(d, "output.bias");
        const struct tmem_ckpt_tensor *pos = tensor(d, "position_embd.weight");
        m->learned_pos = pos != NULL;
        if (pos && pos->n_dims == 2)
            m->n_ctx = pos->dims[1];
        if (ssm) {
            m->ssm_proj_bias = blk_has(d, sl, "ssm_in.bias");
            m->ssm_conv_bias = blk_has(d, sl, "ssm_conv1d.bias");
            /* Jamba's dt/B/C RMSNorms (llama.cpp ssm_dt_norm, ssm_b_norm,
             * ssm_c_norm); a Mamba-2 mixer without its gated RMSNorm
             * (Falcon-H1 mamba_rms_norm false: no ssm_norm) */
            if (m->ssm == TMEM_SSM_MAMBA)
                m->ssm_xbc_norms = blk_has(d, sl, "ssm_dt_norm.weight");
            if (m->ssm == TMEM_SSM_MAMBA2)
                m->ssm_no_norm = !blk_has(d, sl, "ssm_norm.weight");
        }
        if (m->hybrid) {
            /* the dense MLP's width from its tensor {d, d_ff} in the first
             * layer that has one: Granite-4.0-H without experts writes
             * feed_forward_length = intermediate_size but its MLP is the
             * shared_mlp of shared_intermediate_size */
            for (uint64_t l = 0; l < m->n_layer; l++) {
                const struct tmem_ckpt_tensor *up = blk_tensor(d, l, "ffn_up.weight");
                if (up && up->n_dims == 2) {
                    m->d_ff = up->dims[1];
                    break;
                }
            }
        }
        if (m->encoder) {
            /* BERT's token_types (n_embd, n_token_types); convert_hf_to_gguf.py
             * BertModel drops the pooler (embeddings only): no head */
            const struct tmem_ckpt_tensor *tt = tensor(d, "token_types.weight");
            m->n_type_vocab = tt && tt->n_dims == 2 ? tt->dims[1] : 0;
            m->head = TMEM_HEAD_NONE;
            if (has_tensor(d, "cls.weight") || has_tensor(d, "cls.output.weight"))
                note(d, "the classifier tensors (cls.*) are not counted (no head is read from "
                        "a GGUF)");
        }
    }

    if (m->attn == TMEM_ATTN_MLA) {
        kv_u64(d, "attention.q_lora_rank", false, &m->q_lora_rank);
        kv_u64(d, "attention.kv_lora_rank", true, &m->kv_lora_rank);
        kv_u64(d, "rope.dimension_count", true, &m->qk_rope_dim);
        kv_u64(d, "attention.key_length_mla", false, &key_len);
        kv_u64(d, "attention.value_length_mla", false, &value_len);
        if (d->st == TMEM_OK && key_len <= m->qk_rope_dim)
            return tmem__ckpt_fail(d->err, TMEM_ERR_INCONSISTENT, d->path,
                                  "attention.key_length", 0,
                                  "key_length %llu must exceed rope.dimension_count %llu (MLA)",
                                  (unsigned long long)key_len,
                                  (unsigned long long)m->qk_rope_dim);
        m->qk_nope_dim = key_len - m->qk_rope_dim;
        m->v_head_dim = value_len;
        m->n_kv_head = 0; /* the latent is shared by all heads */
    } else if (key_len) {
        m->d_head = key_len;
    }

    if (n_expert > 0) {
        m->n_expert = n_expert;
        kv_u64(d, "expert_used_count", true, &m->n_expert_used);
        kv_u64(d, "expert_feed_forward_length", false, &m->d_ff_expert);
        uint64_t shared_ff = 0, n_shared = 0;
        if (kv_u64(d, "expert_shared_feed_forward_length", false, &shared_ff))
            m->d_ff_shared = shared_ff;
        if (kv_u64(d, "expert_shared_count", false, &n_shared))
            m->n_shared_expert = n_shared; /* resolve: d_ff_shared = n_shared · d_ff_expert */
        m->moe_first_layer = first_moe;
        if (m->hybrid && c->n_tensors > 0)
            moe_layers_from_tensors(d, m);
        if (c->n_tensors > 0) {
            snprintf(name, sizeof name, "blk.%llu.ffn_gate_inp_shexp.weight",
                     (unsigned long long)first_moe);
            m->shared_expert_gate = has_tensor(d, name);
            m->router_bias = router_bias;
            if (m->d_ff_shared == 0) { /* a shared expert's width from its tensor */
                snprintf(name, sizeof name, "blk.%llu.ffn_up_shexp.weight",
                         (unsigned long long)first_moe);
                const struct tmem_ckpt_tensor *sh = tensor(d, name);
                if (sh && sh->n_dims == 2)
                    m->d_ff_shared = sh->dims[1];
            }
        }
    }
    return d->st;
}

/* ------------------------------------------------ safetensors, by names */

/* rows and cols of a 2-D tensor (HF layout: out × in), or false */
static bool shape2(struct derive *d, const char *name, uint64_t *rows, uint64_t *cols)
{
    const struct tmem_ckpt_tensor *t = tensor(d, name);
    if (t == NULL || t->n_dims != 2)
        return false;
    *rows = t->dims[0];
    *cols = t->dims[1];
    return true;
}

static bool shape1(struct derive *d, const char *name, uint64_t *n)
{
    const struct tmem_ckpt_tensor *t = tensor(d, name);
    if (t == NULL || t->n_dims != 1)
        return false;
    *n = t->dims[0];
    return true;
}

/* <prefix>layers.<layer>.<what> exists */
static bool layer_has(struct derive *d, const char *prefix, uint64_t layer, const char *what)
{
    char name[256];
    snprintf(name, sizeof name, "%slayers.%llu.%s", prefix, (unsigned long long)layer, what);
    return has_tensor(d, name);
}

static void expert_name(char *buf, size_t cap, bool sparse_moe, const char *p, uint64_t layer,
                        uint64_t e)
{
    if (sparse_moe) /* Mixtral: w1 gate, w3 up, w2 down */
        snprintf(buf, cap, "%slayers.%llu.block_sparse_moe.experts.%llu.w3.weight", p,
                 (unsigned long long)layer, (unsigned long long)e);
    else
        snprintf(buf, cap, "%slayers.%llu.mlp.experts.%llu.up_proj.weight", p,
                 (unsigned long long)layer, (unsigned long long)e);
}

/* the head size no weight states: the usual one that divides both widths */
static uint64_t guess_d_head(struct derive *d, uint64_t q, uint64_t kv)
{
    static const uint64_t usual[] = {128, 64, 256, 96, 80, 112, 160, 192, 32};
    for (size_t i = 0; i < sizeof usual / sizeof usual[0]; i++)
        if (q % usual[i] == 0 && kv % usual[i] == 0) {
            note(d, "d_head %llu is a guess (the weights hold only n_head·d_head = %llu and "
                    "n_kv_head·d_head = %llu; counts do not depend on the split)",
                 (unsigned long long)usual[i], (unsigned long long)q, (unsigned long long)kv);
            return usual[i];
        }
    uint64_t a = q, b = kv; /* else the largest size that divides both */
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    note(d, "d_head %llu is a guess (the largest divisor of n_head·d_head = %llu and "
            "n_kv_head·d_head = %llu; counts do not depend on the split)",
         (unsigned long long)a, (unsigned long long)q, (unsigned long long)kv);
    return a;
}

static enum tmem_status fail_names(struct derive *d, const char *what)
{
    return tmem__ckpt_fail(d->err, TMEM_ERR_UNSUPPORTED, d->c->path, "tensor names", 0,
                          "%s; put the model's config.json beside the weights", what);
}

/* max layer index + 1 among tensors starting with `prefix``seg`; a name
 * whose index reaches TMEM_MAX_N_LAYER is refused here, before any loop
 * runs over the layers (TMEM_ERR_LIMIT naming that tensor). */
static enum tmem_status count_layers(struct derive *d, const char *prefix, const char *seg,
                                     uint64_t *n_layer)
{
    size_t pl = strlen(prefix), sl = strlen(seg);
    int64_t max = -1;
    for (uint32_t i = 0; i < d->c->n_tensors; i++) {
        const struct tmem_ckpt_tensor *t = &d->c->tensors[i];
        if (strncmp(t->name, prefix, pl) != 0 || strncmp(t->name + pl, seg, sl) != 0)
            continue;
        if ((uint64_t)(t->layer + 1) > TMEM_MAX_N_LAYER)
            return tmem__ckpt_fail(d->err, TMEM_ERR_LIMIT, d->c->files[t->file].path, t->name,
                                  t->info_offset,
                                  "layer index %lld but a model has at most %llu layers",
                                  (long long)t->layer, (unsigned long long)TMEM_MAX_N_LAYER);
        if (t->layer > max)
            max = t->layer;
    }
    *n_layer = (uint64_t)(max + 1);
    return TMEM_OK;
}

/* any of the "|"-separated layer-tensor suffixes in layer 0 or the first MoE
 * layer (all when `all`) */
static bool markers(struct derive *d, const char *p, uint64_t first_moe, const char *list, bool all)
{
    char suffix[128];
    for (const char *s = list; s != NULL && *s;) {
        const char *bar = strchr(s, '|');
        int len = bar ? (int)(bar - s) : (int)strlen(s);
        snprintf(suffix, sizeof suffix, "%.*s", len, s);
        bool has = layer_has(d, p, 0, suffix) || layer_has(d, p, first_moe, suffix);
        if (has != all)
            return has;
        s = bar ? bar + 1 : NULL;
    }
    return all;
}

/* The Llama-layout family whose descriptor's markers (st_require, all
 * present; st_forbid, none present) fit best: the most required markers;
 * a family without experts never takes a checkpoint with them; a family
 * without markers is the fallback. TMEM_FAMILY_COUNT if none fits. */
static enum tmem_family guess_family(struct derive *d, const char *p, uint64_t first_moe,
                                     bool experts)
{
    enum tmem_family best = TMEM_FAMILY_COUNT;
    int best_score = -1;
    for (int f = 0; f < TMEM_FAMILY_COUNT; f++) {
        const struct tmem_family_info *fi = tmem_family_info((enum tmem_family)f);
        if (fi->st_layout != TMEM_ST_LAYOUT_LLAMA || (experts && !fi->moe))
            continue;
        if (!markers(d, p, first_moe, fi->st_require, true) ||
            (fi->st_forbid && markers(d, p, first_moe, fi->st_forbid, false)))
            continue;
        int score = 0;
        for (const char *s = fi->st_require; s != NULL && *s; s = strchr(s, '|') ? strchr(s, '|') + 1 : NULL)
            score++;
        if (score > best_score) {
            best_score = score;
            best = (enum tmem_family)f;
        }
    }
    return best;
}

/* Llama-style: <p>embed_tokens, <p>layers.N.self_attn.*, <p>layers.N.mlp.*,
 * <p>norm, lm_head — llama, mistral, qwen2/3 (+MoE), gemma/2, phi3, olmo,
 * mixtral, deepseek v2/v3. */
static enum tmem_status llama_style(struct derive *d, const char *p, struct tmem_model *m)
{
    char name[256];
    uint64_t V, D;
    snprintf(name, sizeof name, "%sembed_tokens.weight", p);
    if (!shape2(d, name, &V, &D))
        return fail_names(d, "embed_tokens is not a 2-D tensor");
    uint64_t L;
    TRY(count_layers(d, p, "layers.", &L));
    if (L == 0)
        return fail_names(d, "no layers found");
    bool mla = layer_has(d, p, 0, "self_attn.kv_a_proj_with_mqa.weight");
    bool fused_qkv = layer_has(d, p, 0, "self_attn.qkv_proj.weight");
    bool qk_norm = layer_has(d, p, 0, "self_attn.q_norm.weight");
    bool q_bias = layer_has(d, p, 0, "self_attn.q_proj.bias") ||
                  layer_has(d, p, 0, "self_attn.qkv_proj.bias");
    bool o_bias = layer_has(d, p, 0, "self_attn.o_proj.bias");
    bool sparse_moe = false, experts = false, router_bias = false;
    uint64_t first_moe = L;
    for (uint64_t l = 0; l < L; l++) {
        bool e = layer_has(d, p, l, "mlp.experts.0.up_proj.weight") ||
                 layer_has(d, p, l, "block_sparse_moe.experts.0.w3.weight");
        if (e && first_moe == L)
            first_moe = l;
        experts |= e;
    }
    if (experts) {
        sparse_moe = layer_has(d, p, first_moe, "block_sparse_moe.gate.weight");
        router_bias = layer_has(d, p, first_moe, "mlp.gate.e_score_correction_bias");
    }
    enum tmem_family fam = guess_family(d, p, first_moe, experts);
    if (fam == TMEM_FAMILY_COUNT)
        return fail_names(d, "the layer tensors match no family's names");
    const struct tmem_family_info *fi = tmem_family_info(fam);
    tmem_model_init(m, fam, NULL);
    m->d_model = D;
    m->n_vocab = V;
    m->n_layer = L;
    m->qkv_bias = q_bias;
    m->o_bias = o_bias;
    m->qk_norm = qk_norm;
    m->tied = !has_tensor(d, "lm_head.weight");
    snprintf(name, sizeof name, "%snorm.weight", p);
    m->final_norm = has_tensor(d, name);

    /* norms per layer: every *norm.weight of layer 0 outside the attention */
    uint32_t n_norm = 0;
    bool ln_bias = false;
    snprintf(name, sizeof name, "%slayers.0.", p);
    size_t nl = strlen(name);
    for (uint32_t i = 0; i < d->c->n_tensors; i++) {
        const char *n = d->c->tensors[i].name;
        if (strncmp(n, name, nl) != 0 || strstr(n, "self_attn.") != NULL)
            continue;
        size_t k = strlen(n);
        if (k >= 11 && strcmp(n + k - 11, "norm.weight") == 0)
            n_norm++;
        else if (k >= 9 && strcmp(n + k - 9, "norm.bias") == 0)
            ln_bias = true;
    }
    if (n_norm == 0) {
        m->norm = TMEM_NORM_NONPARAM;
    } else {
        m->n_norm_per_layer = n_norm;
        m->norm = ln_bias ? TMEM_NORM_LAYERNORM : weight_only_norm(m);
    }

    /* attention widths */
    uint64_t qr, kvr, c2;
    if (mla) {
        uint64_t kv_a, kv_b, o_in, q_out, rank, dummy;
        snprintf(name, sizeof name, "%slayers.0.self_attn.kv_a_layernorm.weight", p);
        bool ok = shape1(d, name, &m->kv_lora_rank);
        snprintf(name, sizeof name, "%slayers.0.self_attn.kv_a_proj_with_mqa.weight", p);
        ok = ok && shape2(d, name, &kv_a, &dummy);
        snprintf(name, sizeof name, "%slayers.0.self_attn.kv_b_proj.weight", p);
        ok = ok && shape2(d, name, &kv_b, &dummy);
        snprintf(name, sizeof name, "%slayers.0.self_attn.o_proj.weight", p);
        ok = ok && shape2(d, name, &dummy, &o_in);
        snprintf(name, sizeof name, "%slayers.0.self_attn.q_b_proj.weight", p);
        if (shape2(d, name, &q_out, &rank)) {
            m->q_lora_rank = rank;
        } else {
            snprintf(name, sizeof name, "%slayers.0.self_attn.q_proj.weight", p);
            ok = ok && shape2(d, name, &q_out, &dummy);
        }
        if (!ok || kv_a <= m->kv_lora_rank)
            return fail_names(d, "the MLA attention tensors are incomplete");
        /* q = n_head·(nope+rope), kv_b = n_head·(nope+v), o = n_head·v */
        m->qk_rope_dim = kv_a - m->kv_lora_rank;
        uint64_t q_o; /* sizes from the file: a sum may not wrap */
        if (!tmem_add_u64(q_out, o_in, &q_o) || q_o < kv_b || kv_b < o_in)
            return fail_names(d, "the MLA attention widths do not factor into heads");
        uint64_t nh_rope = q_o - kv_b; /* n_head · rope */
        if (nh_rope % m->qk_rope_dim != 0)
            return fail_names(d, "the MLA attention widths do not factor into heads");
        m->n_head = nh_rope / m->qk_rope_dim;
        if (m->n_head == 0 || (kv_b - o_in) % m->n_head != 0 || o_in % m->n_head != 0)
            return fail_names(d, "the MLA attention widths do not factor into heads");
        m->qk_nope_dim = (kv_b - o_in) / m->n_head;
        m->v_head_dim = o_in / m->n_head;
    } else {
        if (fused_qkv) {
            snprintf(name, sizeof name, "%slayers.0.self_attn.qkv_proj.weight", p);
            if (!shape2(d, name, &qr, &c2) || qr % 3 != 0)
                return fail_names(d, "qkv_proj does not split into q, k, v");
            qr /= 3;
            kvr = qr;
            note(d, "qkv_proj is split as 3 equal parts (no grouped-query attention)");
        } else {
            snprintf(name, sizeof name, "%slayers.0.self_attn.q_proj.weight", p);
            bool ok = shape2(d, name, &qr, &c2);
            snprintf(name, sizeof name, "%slayers.0.self_attn.k_proj.weight", p);
            if (!ok || !shape2(d, name, &kvr, &c2))
                return fail_names(d, "layer 0 has no q_proj/k_proj");
        }
        uint64_t dh = 0;
        snprintf(name, sizeof name, "%slayers.0.self_attn.q_norm.weight", p);
        if (m->qk_norm_full || !shape1(d, name, &dh)) /* a full-width q_norm is not one head */
            dh = guess_d_head(d, qr, kvr);
        if (dh == 0 || qr % dh || kvr % dh)
            return fail_names(d, "the attention widths do not factor into heads");
        m->d_head = dh;
        m->n_head = qr / dh;
        m->n_kv_head = kvr / dh;
    }

    /* dense MLP width (first dense layer) from the family's MLP up tensor,
     * experts' widths */
    const char *up = fi->st_mlp_up ? fi->st_mlp_up : "mlp.up_proj";
    uint64_t f, dummy;
    for (uint64_t l = 0; l < L; l++) {
        snprintf(name, sizeof name, "%slayers.%llu.%s.weight", p, (unsigned long long)l, up);
        if (shape2(d, name, &f, &dummy) && (!fi->st_mlp_fused || f % 2 == 0)) {
            m->d_ff = fi->st_mlp_fused ? f / 2 : f;
            snprintf(name, sizeof name, "%slayers.%llu.%s.bias", p, (unsigned long long)l, up);
            m->mlp_bias = has_tensor(d, name);
            break;
        }
    }
    if (experts) {
        expert_name(name, sizeof name, sparse_moe, p, first_moe, 0);
        if (!shape2(d, name, &m->d_ff_expert, &dummy))
            return fail_names(d, "expert 0's up projection is not a 2-D tensor");
        uint64_t E = 1;
        for (;; E++) {
            expert_name(name, sizeof name, sparse_moe, p, first_moe, E);
            if (!has_tensor(d, name))
                break;
        }
        m->n_expert = E;
        m->moe_first_layer = first_moe;
        m->router_bias = router_bias;
        /* Qwen2-MoE: mlp.shared_expert, DeepSeek: mlp.shared_experts */
        m->d_ff_shared = 0;
        static const char *const shared_names[] = {"shared_expert", "shared_experts"};
        for (size_t i = 0; i < 2 && m->d_ff_shared == 0; i++) {
            snprintf(name, sizeof name, "%slayers.%llu.mlp.%s.up_proj.weight", p,
                     (unsigned long long)first_moe, shared_names[i]);
            shape2(d, name, &m->d_ff_shared, &dummy);
        }
        snprintf(name, sizeof name, "%slayers.%llu.mlp.shared_expert_gate.weight", p,
                 (unsigned long long)first_moe);
        m->shared_expert_gate = has_tensor(d, name);
        note(d, "experts per token (n_expert_used) is not in the weights: give "
                "--experts-per-token");
    }
    return TMEM_OK;
}

/* the family whose descriptor claims a layout of its own (GPT-2, NeoX) */
static enum tmem_family family_of_layout(enum tmem_st_layout layout)
{
    for (int f = 0; f < TMEM_FAMILY_COUNT; f++)
        if (tmem_family_info((enum tmem_family)f)->st_layout == layout)
            return (enum tmem_family)f;
    return TMEM_FAMILY_COUNT;
}

/* GPT-2: [transformer.]wte, wpe, h.N.attn.c_attn (Conv1D: in × out), mlp.c_fc */
static enum tmem_status gpt2_style(struct derive *d, const char *p, struct tmem_model *m)
{
    char name[256];
    uint64_t V, D, P, c_in, c_out, f_in, f;
    snprintf(name, sizeof name, "%swte.weight", p);
    bool ok = shape2(d, name, &V, &D);
    snprintf(name, sizeof name, "%swpe.weight", p);
    ok = ok && shape2(d, name, &P, &D);
    snprintf(name, sizeof name, "%sh.0.attn.c_attn.weight", p);
    ok = ok && shape2(d, name, &c_in, &c_out);
    snprintf(name, sizeof name, "%sh.0.mlp.c_fc.weight", p);
    ok = ok && shape2(d, name, &f_in, &f);
    if (!ok || c_out % 3 != 0 || c_out / 3 != D) /* c_out = 3·D, without a wrap */
        return fail_names(d, "the GPT-2 tensors are incomplete");
    tmem_model_init(m, family_of_layout(TMEM_ST_LAYOUT_GPT2), NULL);
    m->d_model = D;
    m->n_vocab = V;
    m->n_ctx = P;
    TRY(count_layers(d, p, "h.", &m->n_layer));
    m->d_ff = f;
    m->d_head = D % 64 == 0 ? 64 : 0;
    m->n_head = m->d_head ? D / 64 : 1;
    note(d, "n_head %llu assumes GPT-2's head size 64 (counts do not depend on it)",
         (unsigned long long)m->n_head);
    m->tied = !has_tensor(d, "lm_head.weight");
    return TMEM_OK;
}

/* GPT-NeoX: gpt_neox.embed_in, layers.N.attention.query_key_value, embed_out */
static enum tmem_status neox_style(struct derive *d, struct tmem_model *m)
{
    uint64_t V, D, qkv, f, dummy;
    bool ok = shape2(d, "gpt_neox.embed_in.weight", &V, &D) &&
              shape2(d, "gpt_neox.layers.0.attention.query_key_value.weight", &qkv, &dummy) &&
              shape2(d, "gpt_neox.layers.0.mlp.dense_h_to_4h.weight", &f, &dummy);
    if (!ok || qkv % 3 != 0 || qkv / 3 != D) /* qkv = 3·D, without a wrap */
        return fail_names(d, "the GPT-NeoX tensors are incomplete");
    tmem_model_init(m, family_of_layout(TMEM_ST_LAYOUT_NEOX), NULL);
    m->d_model = D;
    m->n_vocab = V;
    TRY(count_layers(d, "gpt_neox.", "layers.", &m->n_layer));
    m->d_ff = f;
    m->d_head = D % 128 == 0 ? 128 : D % 64 == 0 ? 64 : 0;
    m->n_head = m->d_head ? D / m->d_head : 1;
    note(d, "n_head %llu is a guess (counts do not depend on it)", (unsigned long long)m->n_head);
    m->qkv_bias = m->o_bias = has_tensor(d, "gpt_neox.layers.0.attention.dense.bias");
    m->tied = !has_tensor(d, "embed_out.weight");
    return TMEM_OK;
}

static enum tmem_status names_model(struct derive *d, struct tmem_model *m)
{
    static const char *const prefixes[] = {"model.", "model.language_model.",
                                           "language_model.model.", ""};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        char name[128];
        snprintf(name, sizeof name, "%sembed_tokens.weight", prefixes[i]);
        if (has_tensor(d, name))
            return llama_style(d, prefixes[i], m);
    }
    if (has_tensor(d, "wte.weight"))
        return gpt2_style(d, "", m);
    if (has_tensor(d, "transformer.wte.weight"))
        return gpt2_style(d, "transformer.", m);
    if (has_tensor(d, "gpt_neox.embed_in.weight"))
        return neox_style(d, m);
    return fail_names(d, "the tensor names match no layout tmem knows without a config "
                         "(Llama-style, GPT-2, GPT-NeoX)");
}

enum tmem_status tmem__ckpt_model(struct tmem_ckpt *c, struct tmem_model *out, char *notes,
                                  size_t notes_cap, struct tmem_error *err)
{
    if (notes && notes_cap)
        notes[0] = '\0';
    struct derive d = {.c = c, .path = c->n_files ? c->files[0].path : c->path, .err = err,
                       .st = TMEM_OK, .notes = notes, .notes_cap = notes_cap};
    struct tmem_model m;
    memset(&m, 0, sizeof m);
    enum tmem_status st = c->format == TMEM_CKPT_GGUF ? gguf_model(&d, &m) : names_model(&d, &m);
    if (st != TMEM_OK)
        return st;
    if (m.name[0] == '\0') {
        const char *base = strrchr(c->path, '/');
        base = base && base[1] ? base + 1 : c->path;
        tmem__copy_marked(m.name, sizeof m.name, base);
    }
    *out = m;
    return TMEM_OK;
}
