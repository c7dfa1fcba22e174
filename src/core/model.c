/* model.c — seeding a model description from its family's rules, deriving
 * the fields a config may leave out, and validating every size before any
 * count is made. No counting happens here: see inventory.c. */
#include "checked.h"
#include "error.h"
#include "model_internal.h"
#include "sb.h"

#include <string.h>

enum tmem_status tmem_model_init(struct tmem_model *m, enum tmem_family f,
                                 struct tmem_error *err)
{
    const struct tmem_family_info *fi = tmem_family_info(f);
    if (m == NULL)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "model", "no model given");
    if (fi == NULL)
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "family", "unknown model family");
    memset(m, 0, sizeof *m);
    m->family = f;
    m->norm = fi->norm;
    m->n_norm_per_layer = fi->n_norm_per_layer;
    m->final_norm = !fi->no_final_norm;
    m->embed_norm = fi->embed_norm;
    m->mlp = fi->mlp;
    m->attn = fi->attn;
    m->qkv_bias = fi->qkv_bias;
    m->o_bias = fi->o_bias;
    m->mlp_bias = fi->mlp_bias;
    m->lm_head_bias = fi->lm_head_bias;
    m->qk_norm = fi->qk_norm;
    m->qk_norm_full = fi->qk_norm_full;
    m->swa_layer_step = fi->swa_layer_step;
    m->learned_pos = fi->learned_pos;
    m->tied = fi->tied;
    m->router_bias = fi->router_bias;
    m->shared_expert_gate = fi->shared_expert_gate;
    m->expert_bias = fi->expert_bias;
    m->attn_sinks = fi->attn_sinks;
    m->moe_layer_phase = fi->moe_layer_phase;
    m->moe_layer_step = 1;
    m->ssm = fi->ssm;
    m->ssm_conv_bias = fi->ssm_conv_bias;
    m->hybrid = fi->hybrid;
    m->attn_layer_step = fi->attn_layer_step;
    m->attn_layer_offset = fi->attn_layer_offset;
    m->ssm_xbc_norms = fi->ssm_xbc_norms;
    m->attn_out_gate = fi->attn_out_gate;
    m->norm_scale_fp32 = fi->norm_scale_fp32;
    m->hybrid_parallel = fi->hybrid_parallel;
    for (int k = 0; k < TMEM_DROPOUT_COUNT; k++)
        m->dropout[k] = fi->dropout[k].key ? fi->dropout[k].p : 0.0;
    m->encoder = fi->encoder;
    m->post_norm = fi->post_norm;
    m->head = fi->encoder ? fi->enc_head : TMEM_HEAD_LM;
    m->n_type_vocab = fi->n_type_vocab;
    m->head_bias = fi->head_bias;
    m->cls_norm = fi->cls_norm;
    m->first_attn_norm_absent = fi->first_attn_norm_absent;
    m->encdec = fi->encdec;
    m->n_rel_bucket = fi->n_rel_bucket;
    m->embed_extra_rows = fi->embed_extra_rows;
    m->rel_bias_per_layer = fi->rel_bias_per_layer;
    m->sinusoidal_pos = fi->sinusoidal_pos;
    return TMEM_OK;
}

static bool set_u32(uint32_t *field, uint64_t v)
{
    if (v > UINT32_MAX)
        return false;
    *field = (uint32_t)v;
    return true;
}

bool tmem__model_set(struct tmem_model *m, enum tmem_field f, uint64_t v)
{
    switch (f) {
    case TMEM_FIELD_D_MODEL: m->d_model = v; return true;
    case TMEM_FIELD_N_LAYER: m->n_layer = v; return true;
    case TMEM_FIELD_N_HEAD: m->n_head = v; return true;
    case TMEM_FIELD_N_KV_HEAD: m->n_kv_head = v; return true;
    case TMEM_FIELD_D_HEAD: m->d_head = v; return true;
    case TMEM_FIELD_D_FF: m->d_ff = v; return true;
    case TMEM_FIELD_N_VOCAB: m->n_vocab = v; return true;
    case TMEM_FIELD_N_CTX: m->n_ctx = v; return true;
    case TMEM_FIELD_D_EMBED: m->d_embed = v; return true;
    case TMEM_FIELD_NORM:
        if (v >= TMEM_NORM_COUNT)
            return false;
        m->norm = (enum tmem_norm_kind)v;
        return true;
    case TMEM_FIELD_N_NORM_PER_LAYER: return set_u32(&m->n_norm_per_layer, v);
    case TMEM_FIELD_FINAL_NORM: m->final_norm = v != 0; return true;
    case TMEM_FIELD_QKV_BIAS: m->qkv_bias = v != 0; return true;
    case TMEM_FIELD_O_BIAS: m->o_bias = v != 0; return true;
    case TMEM_FIELD_MLP_BIAS: m->mlp_bias = v != 0; return true;
    case TMEM_FIELD_QK_NORM: m->qk_norm = v != 0; return true;
    case TMEM_FIELD_TIED: m->tied = v != 0; return true;
    case TMEM_FIELD_SLIDING_WINDOW: m->sliding_window = v; return true;
    case TMEM_FIELD_N_EXPERT: m->n_expert = v; return true;
    case TMEM_FIELD_N_EXPERT_USED: m->n_expert_used = v; return true;
    case TMEM_FIELD_D_FF_EXPERT: m->d_ff_expert = v; return true;
    case TMEM_FIELD_D_FF_SHARED: m->d_ff_shared = v; return true;
    case TMEM_FIELD_N_SHARED_EXPERT: m->n_shared_expert = v; return true;
    case TMEM_FIELD_ROUTER_BIAS: m->router_bias = v != 0; return true;
    case TMEM_FIELD_MOE_FIRST_LAYER: m->moe_first_layer = v; return true;
    case TMEM_FIELD_MOE_LAYER_STEP: m->moe_layer_step = v; return true;
    case TMEM_FIELD_DENSE_LAYERS: return false; /* a list: see TMEM_CONFIG_OP_LIST */
    case TMEM_FIELD_Q_LORA_RANK: m->q_lora_rank = v; return true;
    case TMEM_FIELD_KV_LORA_RANK: m->kv_lora_rank = v; return true;
    case TMEM_FIELD_QK_NOPE_DIM: m->qk_nope_dim = v; return true;
    case TMEM_FIELD_QK_ROPE_DIM: m->qk_rope_dim = v; return true;
    case TMEM_FIELD_V_HEAD_DIM: m->v_head_dim = v; return true;
    case TMEM_FIELD_SWA_LAYER_STEP: m->swa_layer_step = v; return true;
    case TMEM_FIELD_LM_HEAD_BIAS: m->lm_head_bias = v != 0; return true;
    case TMEM_FIELD_SSM_D_STATE: m->ssm_d_state = v; return true;
    case TMEM_FIELD_SSM_D_CONV: m->ssm_d_conv = v; return true;
    case TMEM_FIELD_SSM_EXPAND: m->ssm_expand = v; return true;
    case TMEM_FIELD_SSM_D_INNER: m->ssm_d_inner = v; return true;
    case TMEM_FIELD_SSM_DT_RANK: m->ssm_dt_rank = v; return true;
    case TMEM_FIELD_SSM_N_HEAD: m->ssm_n_head = v; return true;
    case TMEM_FIELD_SSM_D_HEAD: m->ssm_d_head = v; return true;
    case TMEM_FIELD_SSM_N_GROUP: m->ssm_n_group = v; return true;
    case TMEM_FIELD_SSM_PROJ_BIAS: m->ssm_proj_bias = v != 0; return true;
    case TMEM_FIELD_SSM_CONV_BIAS: m->ssm_conv_bias = v != 0; return true;
    case TMEM_FIELD_N_TYPE_VOCAB: m->n_type_vocab = v; return true;
    case TMEM_FIELD_LEARNED_POS: m->learned_pos = v != 0; return true;
    case TMEM_FIELD_REL_ATTN: m->rel_attn = v != 0; return true;
    case TMEM_FIELD_REL_BUCKETS: m->rel_buckets = v; return true;
    case TMEM_FIELD_MAX_REL_POS: m->max_rel_pos = v; return true;
    case TMEM_FIELD_REL_NORM: m->rel_norm = v != 0; return true;
    case TMEM_FIELD_SHARE_ATT_KEY: m->share_att_key = v != 0; return true;
    case TMEM_FIELD_ATT_C2P: m->att_c2p = v != 0; return true;
    case TMEM_FIELD_ATT_P2C: m->att_p2c = v != 0; return true;
    case TMEM_FIELD_HEAD_BIAS: m->head_bias = v != 0; return true;
    case TMEM_FIELD_N_LABELS: m->n_labels = v; return true;
    case TMEM_FIELD_CONV_KERNEL: m->conv_kernel = v; return true;
    case TMEM_FIELD_ENC_GLOBAL_EVERY: m->enc_global_every = v; return true;
    case TMEM_FIELD_ENC_LOCAL_WINDOW: m->enc_local_window = v; return true;
    case TMEM_FIELD_N_ENC_LAYER: m->n_enc_layer = v; return true;
    case TMEM_FIELD_N_ENC_HEAD: m->n_enc_head = v; return true;
    case TMEM_FIELD_D_FF_ENC: m->d_ff_enc = v; return true;
    case TMEM_FIELD_N_REL_BUCKET: m->n_rel_bucket = v; return true;
    case TMEM_FIELD_MLP_GATED: m->mlp = v ? TMEM_MLP_GATED : TMEM_MLP_PLAIN; return true;
    case TMEM_FIELD_ATTN_LAYER_STEP: m->attn_layer_step = v; return true;
    case TMEM_FIELD_ATTN_LAYER_OFFSET: m->attn_layer_offset = v; return true;
    case TMEM_FIELD_ATTN_LAYERS: return false; /* a list: see TMEM_CONFIG_OP_MIXER_TYPES */
    case TMEM_FIELD_MOE_LAYER_OFFSET:
        m->moe_layer_offset = v;
        m->moe_offset_given = true;
        return true;
    case TMEM_FIELD_SSM_XBC_NORMS: m->ssm_xbc_norms = v != 0; return true;
    case TMEM_FIELD_SSM_NO_NORM: m->ssm_no_norm = v != 0; return true;
    case TMEM_FIELD_ATTN_LAYER_INTERVAL:
        if (v == 0)
            return false;
        m->attn_layer_step = v;
        m->attn_layer_offset = v - 1;
        return true;
    case TMEM_FIELD_N_CROSS_LAYER: m->n_cross_layer = v; return true;
    case TMEM_FIELD_RELU_MLP: m->relu_mlp = v != 0; return true;
    case TMEM_FIELD_COUNT: return false;
    }
    return false;
}

/* value in [lo, hi], else TMEM_ERR_LIMIT naming the field */
static bool is_listed_dense(const struct tmem_model *m, uint64_t layer, uint32_t before)
{
    for (uint32_t i = 0; i < before; i++)
        if (m->dense_layers[i] == layer)
            return true;
    return false;
}

uint64_t tmem_model_moe_layers_in(const struct tmem_model *m, uint64_t first, uint64_t last)
{
    if (m->n_expert == 0 || m->moe_layer_step == 0)
        return 0;
    if (last > m->n_layer)
        last = m->n_layer;
    if (first < m->moe_first_layer)
        first = m->moe_first_layer;
    if (first >= last)
        return 0;
    /* layer i is MoE iff moe_first_layer <= i < n_layer, (i + phase) % step
     * == 0 and i is not listed dense; multiples of step in [0, h) number
     * ceil(h / step). */
    uint64_t step = m->moe_layer_step, phase = m->moe_layer_phase;
    uint64_t n = tmem_ceil_div_u64(last + phase, step) - tmem_ceil_div_u64(first + phase, step);
    for (uint32_t i = 0; i < m->n_dense_layers_listed; i++) {
        uint64_t l = m->dense_layers[i];
        if (l >= first && l < last && (l + phase) % step == 0 && !is_listed_dense(m, l, i))
            n--;
    }
    return n;
}

/* layers i < x with i % step == offset (offset < step) */
static uint64_t periodic_below(uint64_t x, uint64_t step, uint64_t offset)
{
    return x > offset ? (x - offset - 1) / step + 1 : 0;
}

static bool periodic_attn(const struct tmem_model *m, uint64_t layer)
{
    return m->attn_layer_step > 0 && layer % m->attn_layer_step == m->attn_layer_offset;
}

uint64_t tmem_model_attn_layers_in(const struct tmem_model *m, uint64_t first, uint64_t last)
{
    if (last > m->n_layer)
        last = m->n_layer;
    if (first >= last)
        return 0;
    if (m->ssm == TMEM_SSM_NONE)
        return last - first;
    if (!m->hybrid)
        return 0;
    if (m->hybrid_parallel)
        return last - first;
    uint64_t n = 0;
    if (m->attn_layer_step > 0)
        n = periodic_below(last, m->attn_layer_step, m->attn_layer_offset) -
            periodic_below(first, m->attn_layer_step, m->attn_layer_offset);
    /* listed layers not already attending by the period (resolve refuses repeats) */
    for (uint32_t i = 0; i < m->n_attn_layers_listed; i++) {
        uint64_t l = m->attn_layers[i];
        if (l >= first && l < last && !periodic_attn(m, l))
            n++;
    }
    return n;
}

uint64_t tmem_model_ssm_layers_in(const struct tmem_model *m, uint64_t first, uint64_t last)
{
    if (m->ssm == TMEM_SSM_NONE)
        return 0;
    if (last > m->n_layer)
        last = m->n_layer;
    if (first >= last)
        return 0;
    if (m->hybrid_parallel) /* both mixers in every layer */
        return last - first;
    return last - first - tmem_model_attn_layers_in(m, first, last);
}

uint64_t tmem_model_moe_layers(const struct tmem_model *m)
{
    return tmem_model_moe_layers_in(m, 0, m->n_layer);
}

void tmem__ssm_widths(const struct tmem_model *m, uint64_t *in_cols, uint64_t *conv_channels)
{
    /* resolve bounds d_inner ≤ 2^24, n_group ≤ 2^14, d_state ≤ 2^16: no overflow */
    switch (m->ssm) {
    case TMEM_SSM_MAMBA:
        *conv_channels = m->ssm_d_inner;
        *in_cols = 2 * m->ssm_d_inner;
        return;
    case TMEM_SSM_MAMBA2:
        *conv_channels = m->ssm_d_inner + 2 * m->ssm_n_group * m->ssm_d_state;
        *in_cols = m->ssm_d_inner + *conv_channels + m->ssm_n_head;
        return;
    case TMEM_SSM_GDN: /* conv over q, k (key heads) and v; in_proj_qkvz + in_proj_ba */
        *conv_channels = 2 * m->ssm_n_group * m->ssm_d_state + m->ssm_d_inner;
        *in_cols = *conv_channels + m->ssm_d_inner + 2 * m->ssm_n_head;
        return;
    case TMEM_SSM_NONE:
    case TMEM_SSM_COUNT: break;
    }
    *in_cols = *conv_channels = 0;
}

/* A state-space model: every layer's mixer is an SSM, no attention (n_head,
 * n_kv_head and d_head become 1, unused); d_inner = expand · d_model,
 * Mamba-1's dt_rank = ceil(d_model / 16) (MambaConfig time_step_rank
 * "auto"), Mamba-2's heads = d_inner / head_dim (Mamba2Mixer requires
 * num_heads · head_dim = d_inner). */
static enum tmem_status resolve_ssm(struct tmem_model *m, struct tmem_error *err)
{
    TRY(tmem__check_range(err, "d_model", m->d_model, 1, TMEM_MAX_D_MODEL));
    /* absent sizes: the config classes' defaults (MambaConfig state_size 16;
     * Mamba2Config state_size 128, head_dim 64, n_groups 8; both
     * conv_kernel 4, expand 2) */
    bool m2 = m->ssm == TMEM_SSM_MAMBA2;
    if (m->ssm == TMEM_SSM_GDN) {
        /* Qwen3NextConfig: linear_num_value_heads 32, linear_num_key_heads
         * 16, linear_key_head_dim / linear_value_head_dim 128,
         * linear_conv_kernel_dim 4; d_inner is the value width n_v · d_v */
        if (m->ssm_n_head == 0)
            m->ssm_n_head = 32;
        if (m->ssm_n_group == 0)
            m->ssm_n_group = 16;
        if (m->ssm_d_head == 0)
            m->ssm_d_head = 128;
        if (m->ssm_d_state == 0)
            m->ssm_d_state = 128;
        TRY(tmem__check_range(err, "linear_num_value_heads", m->ssm_n_head, 1, TMEM_MAX_N_HEAD));
        TRY(tmem__check_range(err, "linear_num_key_heads", m->ssm_n_group, 1, m->ssm_n_head));
        TRY(tmem__check_divides(err, "linear_num_key_heads", m->ssm_n_group, "linear_num_value_heads",
                                m->ssm_n_head));
        TRY(tmem__check_range(err, "linear_value_head_dim", m->ssm_d_head, 1, TMEM_MAX_D_HEAD));
        m->ssm_d_inner = m->ssm_n_head * m->ssm_d_head; /* both ≤ 2^16 */
    }
    if (m->ssm_d_state == 0)
        m->ssm_d_state = m2 ? 128 : 16;
    if (m->ssm_d_conv == 0)
        m->ssm_d_conv = 4;
    if (m2 && m->ssm_n_group == 0)
        m->ssm_n_group = 8;
    if (m->hybrid) {
        /* the attention layers keep their heads, every layer its MLP /
         * experts; which layers attend: a period and offset, a list */
        TRY(tmem__check_range(err, "attn_layer_step", m->attn_layer_step, 0, TMEM_MAX_N_LAYER));
        if (m->attn_layer_step > 0)
            TRY(tmem__check_range(err, "attn_layer_offset", m->attn_layer_offset, 0,
                                  m->attn_layer_step - 1));
        TRY(tmem__check_range(err, "n_attn_layers_listed", m->n_attn_layers_listed, 0,
                              TMEM_MAX_ATTN_LAYERS));
        for (uint32_t i = 0; i < m->n_attn_layers_listed; i++) {
            TRY(tmem__check_range(err, "layer_types", m->attn_layers[i], 0, m->n_layer - 1));
            for (uint32_t j = 0; j < i; j++)
                if (m->attn_layers[j] == m->attn_layers[i])
                    return tmem__fail(err, TMEM_ERR_INCONSISTENT, "layer_types",
                                      "an attention layer is listed twice");
        }
        /* the hybrids tmem knows attend over the whole sequence (Jamba's
         * sliding_window is unused by JambaAttention) */
        m->sliding_window = 0;
        m->swa_layer_step = 0;
    } else {
        m->n_head = m->n_kv_head = m->d_head = 1;
        m->d_ff = 0; /* no MLP: intermediate_size is the mixer's d_inner */
        m->n_expert = 0;
        m->attn_layer_step = m->attn_layer_offset = 0;
        m->n_attn_layers_listed = 0;
    }
    if (m->ssm_d_inner == 0)
        m->ssm_d_inner = (m->ssm_expand ? m->ssm_expand : 2) * m->d_model; /* expand ≤ 2^20 checked below */
    TRY(tmem__check_range(err, "ssm_expand", m->ssm_expand, 0, 64));
    TRY(tmem__check_range(err, "d_inner", m->ssm_d_inner, 1, TMEM_MAX_D_FF));
    TRY(tmem__check_range(err, "d_state", m->ssm_d_state, 1, TMEM_MAX_D_HEAD));
    TRY(tmem__check_range(err, "d_conv", m->ssm_d_conv, 1, 1024));
    if (m2 && m->ssm_d_head == 0) {
        /* GraniteMoeHybridConfig mamba_d_head "auto" = d_inner / heads;
         * Mamba2Config head_dim 64 */
        if (m->hybrid && m->ssm_n_head > 0) {
            TRY(tmem__check_range(err, "ssm_n_head", m->ssm_n_head, 1, TMEM_MAX_N_HEAD));
            TRY(tmem__check_divides(err, "ssm_n_head", m->ssm_n_head, "d_inner", m->ssm_d_inner));
            m->ssm_d_head = m->ssm_d_inner / m->ssm_n_head;
        } else {
            m->ssm_d_head = 64;
        }
    }
    switch (m->ssm) {
    case TMEM_SSM_MAMBA:
        if (m->ssm_dt_rank == 0)
            m->ssm_dt_rank = tmem_ceil_div_u64(m->d_model, 16);
        TRY(tmem__check_range(err, "dt_rank", m->ssm_dt_rank, 1, TMEM_MAX_D_MODEL));
        m->ssm_n_head = m->ssm_d_head = m->ssm_n_group = 0;
        break;
    case TMEM_SSM_GDN:
        m->ssm_dt_rank = 0;
        break;
    case TMEM_SSM_MAMBA2:
        TRY(tmem__check_range(err, "ssm_d_head", m->ssm_d_head, 1, TMEM_MAX_D_HEAD));
        if (m->ssm_n_head == 0) {
            TRY(tmem__check_divides(err, "ssm_d_head", m->ssm_d_head, "d_inner", m->ssm_d_inner));
            m->ssm_n_head = m->ssm_d_inner / m->ssm_d_head;
        }
        TRY(tmem__check_range(err, "ssm_n_head", m->ssm_n_head, 1, TMEM_MAX_N_HEAD));
        if (m->ssm_n_head * m->ssm_d_head != m->ssm_d_inner)
            return tmem__fail(err, TMEM_ERR_INCONSISTENT, "ssm_n_head",
                              "num_heads · head_dim must equal expand · hidden_size (Mamba2Mixer)");
        TRY(tmem__check_range(err, "n_groups", m->ssm_n_group, 1, m->ssm_n_head));
        TRY(tmem__check_divides(err, "n_groups", m->ssm_n_group, "ssm_n_head", m->ssm_n_head));
        m->ssm_dt_rank = 0;
        break;
    case TMEM_SSM_NONE:
    case TMEM_SSM_COUNT: break;
    }
    return TMEM_OK;
}

/* The encoder rules: the head (REF: modeling_bert.py BertModel(add_pooling_layer),
 * BertForMaskedLM, *ForSequenceClassification; PretrainedConfig num_labels 2),
 * DeBERTa's relative table (REF: modeling_deberta_v2.py DebertaV2Encoder:
 * pos_ebd_size = 2 · position_buckets if > 0, else 2 · max_relative_positions,
 * which < 1 means max_position_embeddings). */
static enum tmem_status resolve_encoder(struct tmem_model *m, const struct tmem_family_info *fi,
                                        struct tmem_error *err)
{
    if (!m->encoder) {
        m->head = TMEM_HEAD_LM;
        m->n_type_vocab = m->n_labels = m->n_rel_pos = 0;
        m->rel_attn = m->rel_norm = false;
        return TMEM_OK;
    }
    if ((unsigned)m->head >= TMEM_HEAD_COUNT || m->head == TMEM_HEAD_LM)
        m->head = fi->enc_head;
    if (m->head == TMEM_HEAD_POOLER && fi->no_pooler)
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "head",
                          "this family has no pooler layer (it pools without parameters): use "
                          "--head none, mlm or cls:N");
    if (m->head == TMEM_HEAD_CLS && m->n_labels == 0)
        m->n_labels = 2;
    if (m->head != TMEM_HEAD_CLS)
        m->n_labels = 0;
    TRY(tmem__check_range(err, "n_labels", m->n_labels, 0, TMEM_MAX_N_VOCAB));
    TRY(tmem__check_range(err, "type_vocab_size", m->n_type_vocab, 0, TMEM_MAX_N_VOCAB));
    if (m->conv_kernel > 0)
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "conv_kernel_size",
                          "DeBERTa-v2's ConvLayer (conv_kernel_size > 0) is not counted by tmem");
    m->n_rel_pos = 0;
    if (m->rel_attn) {
        uint64_t max_rel = m->max_rel_pos > 0 ? m->max_rel_pos : m->n_ctx;
        uint64_t half = m->rel_buckets > 0 ? m->rel_buckets : max_rel;
        TRY(tmem__check_range(err, "position_buckets", half, 1, TMEM_MAX_N_CTX));
        m->n_rel_pos = 2 * half;
    }
    return TMEM_OK;
}

/* The encoder stack of an encoder–decoder: its sizes default to the
 * decoder's (T5Config num_decoder_layers = num_layers; BART's encoder_* and
 * decoder_* keys). REF: modeling_bart.py BartAttention head_dim =
 * embed_dim / num_heads; modeling_t5.py T5Attention key_value_proj_dim = d_kv
 * in both stacks. */
static enum tmem_status resolve_encdec(struct tmem_model *m, struct tmem_error *err)
{
    if (!m->encdec) {
        m->n_enc_layer = m->n_enc_head = m->d_head_enc = m->d_ff_enc = m->n_rel_bucket = 0;
        return TMEM_OK;
    }
    if (m->n_enc_layer == 0)
        m->n_enc_layer = m->n_layer;
    TRY(tmem__check_range(err, "encoder layers", m->n_enc_layer, 1, TMEM_MAX_N_LAYER));
    if (m->n_enc_head == 0)
        m->n_enc_head = m->n_head;
    TRY(tmem__check_range(err, "encoder heads", m->n_enc_head, 1, TMEM_MAX_N_HEAD));
    if (m->n_enc_head == m->n_head) {
        m->d_head_enc = m->d_head;
    } else {
        TRY(tmem__check_divides(err, "encoder heads", m->n_enc_head, "d_model", m->d_model));
        m->d_head_enc = m->d_model / m->n_enc_head;
    }
    if (m->d_ff_enc == 0)
        m->d_ff_enc = m->d_ff;
    TRY(tmem__check_range(err, "encoder d_ff", m->d_ff_enc, 1, TMEM_MAX_D_FF));
    TRY(tmem__check_range(err, "relative_attention_num_buckets", m->n_rel_bucket, 0,
                          TMEM_MAX_N_CTX));
    return TMEM_OK;
}

enum tmem_status tmem_model_resolve(const struct tmem_model *in, struct tmem_model *out,
                                    struct tmem_error *err)
{
    if (in == NULL || out == NULL)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "model", "no model given");
    const struct tmem_family_info *fi = tmem_family_info(in->family);
    if (fi == NULL)
        return tmem__fail(err, TMEM_ERR_UNSUPPORTED, "family", "unknown model family");
    struct tmem_model m = *in;

    TRY(tmem__check_range(err, "d_model", m.d_model, 1, TMEM_MAX_D_MODEL));
    TRY(tmem__check_range(err, "n_layer", m.n_layer, 1, TMEM_MAX_N_LAYER));
    TRY(tmem__check_range(err, "cross_attention_layers", m.n_cross_layer, 0, m.n_layer));
    if (m.ssm != TMEM_SSM_NONE)
        TRY(resolve_ssm(&m, err));
    TRY(tmem__check_range(err, "n_head", m.n_head, 1, TMEM_MAX_N_HEAD));
    TRY(tmem__check_range(err, "n_vocab", m.n_vocab, 1, TMEM_MAX_N_VOCAB));
    TRY(tmem__check_range(err, "n_ctx", m.n_ctx, 0, TMEM_MAX_N_CTX));
    TRY(tmem__check_range(err, "n_norm_per_layer", m.n_norm_per_layer, 0, 8));

    if (m.n_kv_head == 0)
        m.n_kv_head = m.n_head;
    TRY(tmem__check_range(err, "n_kv_head", m.n_kv_head, 1, m.n_head));
    TRY(tmem__check_divides(err, "n_kv_head", m.n_kv_head, "n_head", m.n_head));

    if (m.attn == TMEM_ATTN_MLA) {
        TRY(tmem__check_range(err, "kv_lora_rank", m.kv_lora_rank, 1, TMEM_MAX_D_MODEL));
        TRY(tmem__check_range(err, "qk_nope_head_dim", m.qk_nope_dim, 1, TMEM_MAX_D_HEAD));
        TRY(tmem__check_range(err, "qk_rope_head_dim", m.qk_rope_dim, 1, TMEM_MAX_D_HEAD));
        TRY(tmem__check_range(err, "v_head_dim", m.v_head_dim, 1, TMEM_MAX_D_HEAD));
        TRY(tmem__check_range(err, "q_lora_rank", m.q_lora_rank, 0, TMEM_MAX_D_MODEL));
        if (m.d_head == 0)
            m.d_head = m.qk_nope_dim + m.qk_rope_dim; /* the query/key width */
    } else if (m.d_head == 0) {
        TRY(tmem__check_divides(err, "n_head", m.n_head, "d_model", m.d_model));
        m.d_head = m.d_model / m.n_head;
    }
    TRY(tmem__check_range(err, "d_head", m.d_head, 1, TMEM_MAX_D_HEAD));

    if (m.d_embed == 0)
        m.d_embed = m.d_model;
    TRY(tmem__check_range(err, "d_embed", m.d_embed, 1, TMEM_MAX_D_MODEL));

    if (m.learned_pos) {
        TRY(tmem__check_range(err, "n_ctx", m.n_ctx, 1, TMEM_MAX_N_CTX));
        m.n_pos = m.n_ctx + fi->pos_extra_rows;
    } else {
        m.n_pos = 0;
    }

    if (m.d_ff == 0)
        m.d_ff = fi->d_ff_mult * m.d_model; /* 0 for families that must give it */
    TRY(tmem__check_range(err, "d_ff", m.d_ff, 0, TMEM_MAX_D_FF));

    /* experts */
    TRY(tmem__check_range(err, "n_expert", m.n_expert, 0, TMEM_MAX_N_EXPERT));
    if (m.n_expert > 0) {
        if (m.n_expert_used == 0)
            return tmem__fail(err, TMEM_ERR_MISSING_KEY, "n_expert_used",
                             "n_expert_used (experts per token) is required for a MoE model");
        TRY(tmem__check_range(err, "n_expert_used", m.n_expert_used, 1, m.n_expert));
        if (m.d_ff_expert == 0)
            m.d_ff_expert = m.d_ff; /* Mixtral: each expert is the full MLP */
        TRY(tmem__check_range(err, "d_ff_expert", m.d_ff_expert, 1, TMEM_MAX_D_FF));
        TRY(tmem__check_range(err, "n_shared_expert", m.n_shared_expert, 0, TMEM_MAX_N_EXPERT));
        if (m.d_ff_shared == 0) /* DeepseekV2MoE: one shared MLP of n_shared · moe_intermediate */
            m.d_ff_shared = m.n_shared_expert * m.d_ff_expert; /* both ranges checked: fits */
        TRY(tmem__check_range(err, "d_ff_shared", m.d_ff_shared, 0, TMEM_MAX_D_FF));
        if (m.d_ff_shared == 0)
            m.shared_expert_gate = false; /* no shared expert to gate */
        if (m.moe_layer_step == 0)
            m.moe_layer_step = 1;
        TRY(tmem__check_range(err, "moe_layer_step", m.moe_layer_step, 1, m.n_layer));
        if (m.moe_offset_given) { /* Jamba: MoE iff i % period == offset */
            TRY(tmem__check_range(err, "expert_layer_offset", m.moe_layer_offset, 0,
                                  m.moe_layer_step - 1));
            m.moe_layer_phase = (uint32_t)((m.moe_layer_step - m.moe_layer_offset) % m.moe_layer_step);
            m.moe_offset_given = false;
        }
        TRY(tmem__check_range(err, "moe_first_layer", m.moe_first_layer, 0, m.n_layer));
        TRY(tmem__check_range(err, "n_dense_layers_listed", m.n_dense_layers_listed, 0,
                        TMEM_MAX_DENSE_LAYERS));
        for (uint32_t i = 0; i < m.n_dense_layers_listed; i++)
            TRY(tmem__check_range(err, "mlp_only_layers", m.dense_layers[i], 0, m.n_layer - 1));
    } else {
        m.n_expert_used = 0;
        m.d_ff_expert = 0;
        m.d_ff_shared = 0;
        m.n_shared_expert = 0;
        m.shared_expert_gate = false;
        m.router_bias = false;
        m.expert_bias = false;
    }
    if ((m.ssm == TMEM_SSM_NONE || m.hybrid) && tmem_model_moe_layers(&m) < m.n_layer && m.d_ff == 0)
        return tmem__fail(err, TMEM_ERR_MISSING_KEY, "d_ff",
                         "d_ff (intermediate size) is required for this family");
    TRY(tmem__check_range(err, "sliding_window", m.sliding_window, 0, TMEM_MAX_N_CTX));
    TRY(tmem__check_range(err, "sliding_window_pattern", m.swa_layer_step, 0, TMEM_MAX_N_LAYER));
    for (int k = 0; k < TMEM_DROPOUT_COUNT; k++)
        if (!(m.dropout[k] >= 0.0 && m.dropout[k] <= 1.0))
            return tmem__fail(err, TMEM_ERR_LIMIT, "dropout", "a dropout rate is outside [0, 1]");
    TRY(tmem__vision_resolve(&m.vision, m.d_model, err));
    TRY(resolve_encoder(&m, fi, err));
    TRY(resolve_encdec(&m, err));

    *out = m;
    return TMEM_OK;
}
