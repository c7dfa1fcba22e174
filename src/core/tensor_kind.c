/* tensor_kind.c — the tensor-kind table: for every kind of tensor the
 * inventory emits, its stable name, group, pipeline placement, how tensor
 * parallel splits it, its quantization role and whether a matmul reads it.
 * Training, inference, pipeline stages and quantization mixes read these
 * columns; none of them reads a tensor's name.
 *
 * REF: Megatron-LM core/tensor_parallel/layers.py (VocabParallelEmbedding,
 *      ColumnParallelLinear, RowParallelLinear), core/transformer/
 *      multi_latent_attention.py (linear_q_down_proj, linear_kv_down_proj:
 *      parallel_mode "duplicated"); vLLM layers/linear.py QKVParallelLinear
 *      (KV heads replicated once tp > n_kv_head; AWQ/GPTQ refuse a group
 *      size that does not divide a row-parallel share, vllm#1816, #5675),
 *      model_executor/models/llama.py,
 *      deepseek_v2.py (q_a_proj, kv_a_proj_with_mqa: ReplicatedLinear),
 *      qwen2_moe.py (gate, shared_expert_gate: replicated), opt.py
 *      (project_in/out: ReplicatedLinear), gpt2.py (wpe: nn.Embedding);
 *      llama.cpp llama-quant.cpp (attn_v, ffn_down, output). */
#include "tensor_kind.h"

#include "checked.h"
#include "error.h"

#define REPL TMEM_TP_SPLIT_REPLICATED
#define COL TMEM_TP_SPLIT_COLUMN
#define KVH TMEM_TP_SPLIT_KV_HEADS
#define ROWP TMEM_TP_SPLIT_ROW
#define VOCAB TMEM_TP_SPLIT_VOCAB
#define OTHER TMEM_ROLE_OTHER

/* a matmul weight: a matrix some matmul multiplies by */
#define MAT(nm, g, sc, tp_, role_) \
    {.name = nm, .group = g, .scope = sc, .tp = tp_, .role = role_, .matmul = true}
/* a matrix read by lookup, not by a matmul (embedding tables) */
#define TABLE(nm, g, sc, tp_, role_) \
    {.name = nm, .group = g, .scope = sc, .tp = tp_, .role = role_}
/* a bias or a norm's weight or bias */
#define VEC(nm, g, sc, tp_) \
    {.name = nm, .group = g, .scope = sc, .tp = tp_, .role = OTHER, .vector = true}
/* the same, in an encoder–decoder's encoder stack */
#define MAT_E(nm, g, sc, tp_, role_) \
    {.name = nm, .group = g, .scope = sc, .tp = tp_, .role = role_, .matmul = true, .encoder_stack = true}
#define TABLE_E(nm, g, sc, tp_, role_) \
    {.name = nm, .group = g, .scope = sc, .tp = tp_, .role = role_, .encoder_stack = true}
#define VEC_E(nm, g, sc, tp_) \
    {.name = nm, .group = g, .scope = sc, .tp = tp_, .role = OTHER, .vector = true, .encoder_stack = true}

#define A TMEM_GROUP_ATTENTION
#define N TMEM_GROUP_NORM
#define MLP TMEM_GROUP_MLP
#define R TMEM_GROUP_ROUTER
#define X TMEM_GROUP_EXPERTS
#define SX TMEM_GROUP_SHARED_EXPERTS
#define S TMEM_GROUP_SSM
#define E TMEM_GROUP_EMBEDDING
#define H TMEM_GROUP_LM_HEAD
#define V TMEM_GROUP_VISION
#define IN TMEM_SCOPE_INPUT
#define OUT TMEM_SCOPE_OUTPUT
#define LAYER TMEM_SCOPE_LAYER
#define DENSE TMEM_SCOPE_DENSE_LAYER
#define MOE TMEM_SCOPE_MOE_LAYER
#define ENC TMEM_SCOPE_ENC_LAYER
#define ATT TMEM_SCOPE_ATTN_LAYER
#define SSM TMEM_SCOPE_SSM_LAYER

static const struct tmem_tensor_kind_info kinds[] = {
    [TMEM_TENSOR_KIND_ATTN_Q] = MAT("attn.q_proj", A, ATT, COL, OTHER),
    [TMEM_TENSOR_KIND_ATTN_K] = MAT("attn.k_proj", A, ATT, KVH, OTHER),
    [TMEM_TENSOR_KIND_ATTN_V] = MAT("attn.v_proj", A, ATT, KVH, TMEM_ROLE_ATTN_V),
    [TMEM_TENSOR_KIND_ATTN_O] = MAT("attn.o_proj", A, ATT, ROWP, OTHER),
    [TMEM_TENSOR_KIND_ATTN_Q_BIAS] = VEC("attn.q_proj.bias", A, ATT, COL),
    [TMEM_TENSOR_KIND_ATTN_K_BIAS] = VEC("attn.k_proj.bias", A, ATT, KVH),
    [TMEM_TENSOR_KIND_ATTN_V_BIAS] = VEC("attn.v_proj.bias", A, ATT, KVH),
    /* a row-parallel layer adds its bias once, after the all-reduce */
    [TMEM_TENSOR_KIND_ATTN_O_BIAS] = VEC("attn.o_proj.bias", A, ATT, REPL),
    [TMEM_TENSOR_KIND_ATTN_Q_NORM] = VEC("attn.q_norm.weight", N, ATT, REPL),
    [TMEM_TENSOR_KIND_ATTN_Q_NORM_BIAS] = VEC("attn.q_norm.bias", N, ATT, REPL),
    [TMEM_TENSOR_KIND_ATTN_K_NORM] = VEC("attn.k_norm.weight", N, ATT, REPL),
    [TMEM_TENSOR_KIND_ATTN_K_NORM_BIAS] = VEC("attn.k_norm.bias", N, ATT, REPL),
    /* MLA: the down-projections are replicated, the up-projections split heads */
    [TMEM_TENSOR_KIND_MLA_Q_A] = MAT("attn.q_a_proj", A, ATT, REPL, OTHER),
    [TMEM_TENSOR_KIND_MLA_Q_A_NORM] = VEC("attn.q_a_layernorm", N, ATT, REPL),
    [TMEM_TENSOR_KIND_MLA_Q_B] = MAT("attn.q_b_proj", A, ATT, COL, OTHER),
    [TMEM_TENSOR_KIND_MLA_KV_A] = MAT("attn.kv_a_proj_with_mqa", A, ATT, REPL, OTHER),
    [TMEM_TENSOR_KIND_MLA_KV_A_NORM] = VEC("attn.kv_a_layernorm", N, ATT, REPL),
    [TMEM_TENSOR_KIND_MLA_KV_B] = MAT("attn.kv_b_proj", A, ATT, COL, TMEM_ROLE_ATTN_V),
    [TMEM_TENSOR_KIND_LAYER_NORM] = VEC("layer_norms.weight", N, LAYER, REPL),
    [TMEM_TENSOR_KIND_LAYER_NORM_BIAS] = VEC("layer_norms.bias", N, LAYER, REPL),
    [TMEM_TENSOR_KIND_MLP_GATE] = MAT("mlp.gate_proj", MLP, DENSE, COL, OTHER),
    [TMEM_TENSOR_KIND_MLP_UP] = MAT("mlp.up_proj", MLP, DENSE, COL, OTHER),
    [TMEM_TENSOR_KIND_MLP_DOWN] = MAT("mlp.down_proj", MLP, DENSE, ROWP, TMEM_ROLE_FFN_DOWN),
    [TMEM_TENSOR_KIND_MLP_GATE_BIAS] = VEC("mlp.gate_proj.bias", MLP, DENSE, COL),
    [TMEM_TENSOR_KIND_MLP_UP_BIAS] = VEC("mlp.up_proj.bias", MLP, DENSE, COL),
    [TMEM_TENSOR_KIND_MLP_DOWN_BIAS] = VEC("mlp.down_proj.bias", MLP, DENSE, REPL),
    [TMEM_TENSOR_KIND_ROUTER] = MAT("moe.router", R, MOE, REPL, OTHER),
    [TMEM_TENSOR_KIND_ROUTER_BIAS] = VEC("moe.router.bias", R, MOE, REPL),
    /* nn.Linear(d_model, 1): a matmul weight of one output column */
    [TMEM_TENSOR_KIND_SHARED_EXPERT_GATE] = MAT("moe.shared_expert_gate", R, MOE, REPL, OTHER),
    [TMEM_TENSOR_KIND_EXPERT_GATE] = MAT("experts.gate_proj", X, MOE, COL, OTHER),
    [TMEM_TENSOR_KIND_EXPERT_UP] = MAT("experts.up_proj", X, MOE, COL, OTHER),
    [TMEM_TENSOR_KIND_EXPERT_DOWN] = MAT("experts.down_proj", X, MOE, ROWP, TMEM_ROLE_FFN_DOWN),
    [TMEM_TENSOR_KIND_SHARED_GATE] = MAT("shared_experts.gate_proj", SX, MOE, COL, OTHER),
    [TMEM_TENSOR_KIND_SHARED_UP] = MAT("shared_experts.up_proj", SX, MOE, COL, OTHER),
    [TMEM_TENSOR_KIND_SHARED_DOWN] =
        MAT("shared_experts.down_proj", SX, MOE, ROWP, TMEM_ROLE_FFN_DOWN),
    [TMEM_TENSOR_KIND_TOKEN_EMBD] = TABLE("embed_tokens", E, IN, VOCAB, TMEM_ROLE_TOKEN_EMBD),
    [TMEM_TENSOR_KIND_POS_EMBD] = TABLE("embed_positions", E, IN, REPL, OTHER),
    [TMEM_TENSOR_KIND_PROJECT_IN] = MAT("project_in", E, IN, REPL, OTHER),
    /* applied after the last layer: it lives on the last pipeline stage */
    [TMEM_TENSOR_KIND_PROJECT_OUT] = MAT("project_out", E, OUT, REPL, OTHER),
    [TMEM_TENSOR_KIND_EMBED_NORM] = VEC("embed_norm.weight", N, IN, REPL),
    [TMEM_TENSOR_KIND_EMBED_NORM_BIAS] = VEC("embed_norm.bias", N, IN, REPL),
    [TMEM_TENSOR_KIND_FINAL_NORM] = VEC("final_norm.weight", N, OUT, REPL),
    [TMEM_TENSOR_KIND_FINAL_NORM_BIAS] = VEC("final_norm.bias", N, OUT, REPL),
    [TMEM_TENSOR_KIND_LM_HEAD] = MAT("lm_head", H, OUT, VOCAB, TMEM_ROLE_OUTPUT),
    [TMEM_TENSOR_KIND_LM_HEAD_BIAS] = VEC("lm_head.bias", H, OUT, VOCAB),
    /* gpt-oss: the sinks split with the heads; expert biases with their
     * matrices' outputs (down's once, after the reduction, like o's) */
    [TMEM_TENSOR_KIND_ATTN_SINKS] = VEC("attn.sinks", A, ATT, COL),
    [TMEM_TENSOR_KIND_EXPERT_GATE_BIAS] = VEC("experts.gate_proj.bias", X, MOE, COL),
    [TMEM_TENSOR_KIND_EXPERT_UP_BIAS] = VEC("experts.up_proj.bias", X, MOE, COL),
    [TMEM_TENSOR_KIND_EXPERT_DOWN_BIAS] = VEC("experts.down_proj.bias", X, MOE, REPL),
    /* state-space mixers: vLLM MambaMixer / MambaMixer2 split in_proj by
     * output columns, out_proj by rows, the per-channel (per-head) vectors
     * with their channels (heads) */
    [TMEM_TENSOR_KIND_SSM_IN_PROJ] = MAT("ssm.in_proj", S, SSM, COL, OTHER),
    [TMEM_TENSOR_KIND_SSM_IN_PROJ_BIAS] = VEC("ssm.in_proj.bias", S, SSM, COL),
    /* depthwise, d_conv × channels: read by a convolution, not a matmul */
    [TMEM_TENSOR_KIND_SSM_CONV1D] = TABLE("ssm.conv1d.weight", S, SSM, COL, OTHER),
    [TMEM_TENSOR_KIND_SSM_CONV1D_BIAS] = VEC("ssm.conv1d.bias", S, SSM, COL),
    [TMEM_TENSOR_KIND_SSM_X_PROJ] = MAT("ssm.x_proj", S, SSM, ROWP, OTHER),
    [TMEM_TENSOR_KIND_SSM_DT_PROJ] = MAT("ssm.dt_proj", S, SSM, COL, OTHER),
    [TMEM_TENSOR_KIND_SSM_DT_BIAS] = VEC("ssm.dt_bias", S, SSM, COL),
    /* Mamba-1: d_state × d_inner, read elementwise */
    [TMEM_TENSOR_KIND_SSM_A_LOG] = TABLE("ssm.A_log", S, SSM, COL, OTHER),
    [TMEM_TENSOR_KIND_SSM_D] = VEC("ssm.D", S, SSM, COL),
    /* split with d_inner (vLLM Mixer2RMSNormGated): an SSM tensor, not a replicated norm */
    [TMEM_TENSOR_KIND_SSM_NORM] = VEC("ssm.norm.weight", S, SSM, COL),
    [TMEM_TENSOR_KIND_SSM_OUT_PROJ] = MAT("ssm.out_proj", S, SSM, ROWP, OTHER),
    [TMEM_TENSOR_KIND_SSM_OUT_PROJ_BIAS] = VEC("ssm.out_proj.bias", S, SSM, REPL),
    [TMEM_TENSOR_KIND_SSM_A_LOG_HEAD] = VEC("ssm.A_log.heads", S, SSM, COL),
    /* the vision tower and projector run once per image before the first
     * layer: first pipeline stage; vLLM's CLIP/SigLIP/Qwen2.5-VL encoders
     * split q/k/v and fc1 by columns, out_proj and fc2 by rows */
    [TMEM_TENSOR_KIND_VISION_PATCH] = MAT("vision.patch_embed", V, IN, REPL, OTHER),
    [TMEM_TENSOR_KIND_VISION_PATCH_BIAS] = VEC("vision.patch_embed.bias", V, IN, REPL),
    [TMEM_TENSOR_KIND_VISION_CLASS] = VEC("vision.class_embedding", V, IN, REPL),
    [TMEM_TENSOR_KIND_VISION_POS] = TABLE("vision.position_embedding", V, IN, REPL, OTHER),
    [TMEM_TENSOR_KIND_VISION_NORM] = VEC("vision.norms.weight", V, IN, REPL),
    [TMEM_TENSOR_KIND_VISION_NORM_BIAS] = VEC("vision.norms.bias", V, IN, REPL),
    [TMEM_TENSOR_KIND_VISION_QKV] = MAT("vision.attn.qkv", V, IN, COL, OTHER),
    [TMEM_TENSOR_KIND_VISION_QKV_BIAS] = VEC("vision.attn.qkv.bias", V, IN, COL),
    [TMEM_TENSOR_KIND_VISION_O] = MAT("vision.attn.out_proj", V, IN, ROWP, OTHER),
    [TMEM_TENSOR_KIND_VISION_O_BIAS] = VEC("vision.attn.out_proj.bias", V, IN, REPL),
    [TMEM_TENSOR_KIND_VISION_MLP_UP] = MAT("vision.mlp.fc1", V, IN, COL, OTHER),
    [TMEM_TENSOR_KIND_VISION_MLP_UP_BIAS] = VEC("vision.mlp.fc1.bias", V, IN, COL),
    [TMEM_TENSOR_KIND_VISION_MLP_DOWN] = MAT("vision.mlp.fc2", V, IN, ROWP, OTHER),
    [TMEM_TENSOR_KIND_VISION_MLP_DOWN_BIAS] = VEC("vision.mlp.fc2.bias", V, IN, REPL),
    [TMEM_TENSOR_KIND_PROJ_NORM] = VEC("projector.norm", V, IN, REPL),
    [TMEM_TENSOR_KIND_PROJ_1] = MAT("projector.linear_1", V, IN, COL, OTHER),
    [TMEM_TENSOR_KIND_PROJ_1_BIAS] = VEC("projector.linear_1.bias", V, IN, COL),
    [TMEM_TENSOR_KIND_PROJ_2] = MAT("projector.linear_2", V, IN, ROWP, OTHER),
    [TMEM_TENSOR_KIND_PROJ_2_BIAS] = VEC("projector.linear_2.bias", V, IN, REPL),
    [TMEM_TENSOR_KIND_IMAGE_NEWLINE] = VEC("image_newline", V, IN, REPL),
    [TMEM_TENSOR_KIND_TOKEN_TYPE_EMBD] = TABLE("token_type_embeddings", E, IN, REPL, OTHER),
    [TMEM_TENSOR_KIND_REL_POS_EMBD] = TABLE("rel_embeddings", E, IN, REPL, OTHER),
    [TMEM_TENSOR_KIND_REL_POS_NORM] = VEC("rel_embeddings_norm.weight", N, IN, REPL),
    [TMEM_TENSOR_KIND_REL_POS_NORM_BIAS] = VEC("rel_embeddings_norm.bias", N, IN, REPL),
    [TMEM_TENSOR_KIND_POS_KEY_PROJ] = MAT("attn.pos_key_proj", A, ATT, COL, OTHER),
    [TMEM_TENSOR_KIND_POS_KEY_PROJ_BIAS] = VEC("attn.pos_key_proj.bias", A, ATT, COL),
    [TMEM_TENSOR_KIND_POS_QUERY_PROJ] = MAT("attn.pos_query_proj", A, ATT, COL, OTHER),
    [TMEM_TENSOR_KIND_POS_QUERY_PROJ_BIAS] = VEC("attn.pos_query_proj.bias", A, ATT, COL),
    /* n_layer − 1 copies in one count: placed with the input (a pipeline's first
     * stage holds all of them, n_layer − 1 vectors of d_model) */
    [TMEM_TENSOR_KIND_ATTN_NORM_AFTER_FIRST] = VEC("attn_norm (layers 1..)", N, IN, REPL),
    [TMEM_TENSOR_KIND_ATTN_NORM_AFTER_FIRST_BIAS] = VEC("attn_norm.bias (layers 1..)", N, IN, REPL),
    [TMEM_TENSOR_KIND_HEAD_DENSE] = MAT("head.dense", H, OUT, REPL, OTHER),
    [TMEM_TENSOR_KIND_HEAD_DENSE_BIAS] = VEC("head.dense.bias", H, OUT, REPL),
    [TMEM_TENSOR_KIND_HEAD_NORM] = VEC("head.norm.weight", N, OUT, REPL),
    [TMEM_TENSOR_KIND_HEAD_NORM_BIAS] = VEC("head.norm.bias", N, OUT, REPL),
    [TMEM_TENSOR_KIND_CLASSIFIER] = MAT("classifier", H, OUT, REPL, OTHER),
    [TMEM_TENSOR_KIND_CLASSIFIER_BIAS] = VEC("classifier.bias", H, OUT, REPL),
    /* encoder–decoders. Cross-attention: the decoder layers' queries, the
     * encoder output's keys and values, all n_head heads (Megatron's T5 and
     * vLLM's BART split them by heads as self-attention's q). */
    [TMEM_TENSOR_KIND_XATTN_Q] = MAT("xattn.q_proj", A, LAYER, COL, OTHER),
    [TMEM_TENSOR_KIND_XATTN_K] = MAT("xattn.k_proj", A, LAYER, COL, OTHER),
    [TMEM_TENSOR_KIND_XATTN_V] = MAT("xattn.v_proj", A, LAYER, COL, OTHER),
    [TMEM_TENSOR_KIND_XATTN_O] = MAT("xattn.o_proj", A, LAYER, ROWP, OTHER),
    [TMEM_TENSOR_KIND_XATTN_Q_BIAS] = VEC("xattn.q_proj.bias", A, LAYER, COL),
    [TMEM_TENSOR_KIND_XATTN_K_BIAS] = VEC("xattn.k_proj.bias", A, LAYER, COL),
    [TMEM_TENSOR_KIND_XATTN_V_BIAS] = VEC("xattn.v_proj.bias", A, LAYER, COL),
    [TMEM_TENSOR_KIND_XATTN_O_BIAS] = VEC("xattn.o_proj.bias", A, LAYER, REPL),
    /* T5's relative_attention_bias: an nn.Embedding(num_buckets, n_heads) in
     * the first layer of each stack, looked up (no matmul); placed with the input */
    [TMEM_TENSOR_KIND_REL_ATTN_BIAS] = TABLE("relative_attention_bias", E, IN, REPL, OTHER),
    /* the encoder stack: its embeddings' extras and final norm with the input
     * (the first pipeline stage holds the whole encoder), its layers by ENC */
    [TMEM_TENSOR_KIND_ENC_POS_EMBD] = TABLE_E("encoder.pos_embd", E, IN, REPL, OTHER),
    [TMEM_TENSOR_KIND_ENC_EMBED_NORM] = VEC_E("encoder.embed_norm.weight", N, IN, REPL),
    [TMEM_TENSOR_KIND_ENC_EMBED_NORM_BIAS] = VEC_E("encoder.embed_norm.bias", N, IN, REPL),
    [TMEM_TENSOR_KIND_ENC_REL_ATTN_BIAS] = TABLE_E("encoder.relative_attention_bias", E, IN, REPL, OTHER),
    [TMEM_TENSOR_KIND_ENC_ATTN_Q] = MAT_E("encoder.attn.q_proj", A, ENC, COL, OTHER),
    [TMEM_TENSOR_KIND_ENC_ATTN_K] = MAT_E("encoder.attn.k_proj", A, ENC, COL, OTHER),
    [TMEM_TENSOR_KIND_ENC_ATTN_V] = MAT_E("encoder.attn.v_proj", A, ENC, COL, OTHER),
    [TMEM_TENSOR_KIND_ENC_ATTN_O] = MAT_E("encoder.attn.o_proj", A, ENC, ROWP, OTHER),
    [TMEM_TENSOR_KIND_ENC_ATTN_Q_BIAS] = VEC_E("encoder.attn.q_proj.bias", A, ENC, COL),
    [TMEM_TENSOR_KIND_ENC_ATTN_K_BIAS] = VEC_E("encoder.attn.k_proj.bias", A, ENC, COL),
    [TMEM_TENSOR_KIND_ENC_ATTN_V_BIAS] = VEC_E("encoder.attn.v_proj.bias", A, ENC, COL),
    [TMEM_TENSOR_KIND_ENC_ATTN_O_BIAS] = VEC_E("encoder.attn.o_proj.bias", A, ENC, REPL),
    [TMEM_TENSOR_KIND_ENC_LAYER_NORM] = VEC_E("encoder.layer_norms.weight", N, ENC, REPL),
    [TMEM_TENSOR_KIND_ENC_LAYER_NORM_BIAS] = VEC_E("encoder.layer_norms.bias", N, ENC, REPL),
    [TMEM_TENSOR_KIND_ENC_MLP_GATE] = MAT_E("encoder.mlp.gate_proj", MLP, ENC, COL, OTHER),
    [TMEM_TENSOR_KIND_ENC_MLP_UP] = MAT_E("encoder.mlp.up_proj", MLP, ENC, COL, OTHER),
    [TMEM_TENSOR_KIND_ENC_MLP_DOWN] = MAT_E("encoder.mlp.down_proj", MLP, ENC, ROWP, OTHER),
    [TMEM_TENSOR_KIND_ENC_MLP_UP_BIAS] = VEC_E("encoder.mlp.up_proj.bias", MLP, ENC, COL),
    [TMEM_TENSOR_KIND_ENC_MLP_DOWN_BIAS] = VEC_E("encoder.mlp.down_proj.bias", MLP, ENC, REPL),
    [TMEM_TENSOR_KIND_ENC_FINAL_NORM] = VEC_E("encoder.final_norm.weight", N, IN, REPL),
    [TMEM_TENSOR_KIND_ENC_FINAL_NORM_BIAS] = VEC_E("encoder.final_norm.bias", N, IN, REPL),
    /* Jamba's dt/b/c_layernorm: on x_proj's output, which x_proj's row split
     * all-reduces (vLLM JambaMambaMixer: replicated) */
    [TMEM_TENSOR_KIND_SSM_XBC_NORM] = VEC("ssm.dt_b_c_norms.weight", S, SSM, REPL),
    /* Mllama's cross-attention layers' extras: 2 · n_cross_layer vectors each,
     * counted once and placed with the input (a few thousand elements); the
     * scalar gates are counted with the norms (replicated vectors like them) */
    [TMEM_TENSOR_KIND_CROSS_QK_NORM] = VEC("cross_attn.q_norm/k_norm", N, IN, REPL),
    [TMEM_TENSOR_KIND_CROSS_GATE] = VEC("cross_attn_attn_gate/mlp_gate", N, IN, REPL),
    [TMEM_TENSOR_KIND_VISION_TILE_POS] = TABLE("vision.tile_embedding", V, IN, REPL, OTHER),
    [TMEM_TENSOR_KIND_VISION_ASPECT_EMBD] = TABLE("vision.pre/post_tile_positional_embedding", V, IN, REPL, OTHER),
    [TMEM_TENSOR_KIND_VISION_GATE] = VEC("vision.gates", V, IN, REPL),
    /* Qwen3-Next's two input projections: vLLM Qwen3NextGatedDeltaNet holds
     * both as ColumnParallelLinear (split by output columns) */
    [TMEM_TENSOR_KIND_SSM_IN_PROJ_QKVZ] = MAT("ssm.in_proj_qkvz", S, SSM, COL, OTHER),
    [TMEM_TENSOR_KIND_SSM_IN_PROJ_BA] = MAT("ssm.in_proj_ba", S, SSM, COL, OTHER),
};
_Static_assert(sizeof kinds / sizeof kinds[0] == TMEM_TENSOR_KIND_COUNT,
               "one row per tensor kind");

const struct tmem_tensor_kind_info *tmem_tensor_kind_info(enum tmem_tensor_kind k)
{
    /* a designated initialiser leaves a forgotten row zeroed: no name */
    return (unsigned)k < TMEM_TENSOR_KIND_COUNT && kinds[k].name != NULL ? &kinds[k] : NULL;
}

const struct tmem_tensor_kind_info *tmem__kind(const struct tmem_tensor *t)
{
    return &kinds[t->kind];
}

void tmem__tp_local_shape(const struct tmem_tensor *t, uint64_t tp, uint64_t n_kv_head,
                          uint64_t *rows, uint64_t *cols)
{
    const struct tmem_tensor_kind_info *k = tmem__kind(t);
    *rows = t->rows;
    *cols = t->cols;
    uint64_t *out = t->cols == 1 ? rows : cols; /* a vector's one dimension is its output width */
    switch (k->tp) {
    case TMEM_TP_SPLIT_REPLICATED: return;
    case TMEM_TP_SPLIT_KV_HEADS:
        if (n_kv_head > 0 && tp > n_kv_head) { /* each rank keeps one head */
            *out /= n_kv_head;
            return;
        }
        *out = tmem_ceil_div_u64(*out, tp);
        return;
    case TMEM_TP_SPLIT_COLUMN: *out = tmem_ceil_div_u64(*out, tp); return;
    case TMEM_TP_SPLIT_ROW:
    case TMEM_TP_SPLIT_VOCAB: *rows = tmem_ceil_div_u64(t->rows, tp); return;
    case TMEM_TP_SPLIT_COUNT: return;
    }
}

enum tmem_status tmem__inventory_check(const struct tmem_inventory *inv, struct tmem_error *err)
{
    if (inv == NULL)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "inventory", "no inventory given");
    if (inv->n_tensors > TMEM_MAX_TENSORS)
        return tmem__fail(err, TMEM_ERR_INVALID_ARG, "inventory", "more tensors than TMEM_MAX_TENSORS");
    for (uint32_t i = 0; i < inv->n_tensors; i++)
        if (tmem_tensor_kind_info(inv->tensors[i].kind) == NULL)
            return tmem__fail(err, TMEM_ERR_INVALID_ARG, "inventory", "a tensor of unknown kind");
    return TMEM_OK;
}

bool tmem__kind_lora_linear(int k)
{
    if (k < 0 || k >= TMEM_TENSOR_KIND_COUNT)
        return false;
    const struct tmem_tensor_kind_info *ki = &kinds[k];
    /* past the first 64 kinds only an encoder-decoder's stacks and the Gated
     * DeltaNet's two input projections (Qwen3-Next): the encoder heads'
     * dense / classifier and DeBERTa's position projections stay outside
     * the adapters, as they were when the sets were one word */
    bool stack = k < 64 || ki->encoder_stack || k == TMEM_TENSOR_KIND_XATTN_Q || k == TMEM_TENSOR_KIND_XATTN_K ||
                 k == TMEM_TENSOR_KIND_XATTN_V || k == TMEM_TENSOR_KIND_XATTN_O ||
                 k == TMEM_TENSOR_KIND_SSM_IN_PROJ_QKVZ || k == TMEM_TENSOR_KIND_SSM_IN_PROJ_BA;
    return stack && ki->matmul && k != TMEM_TENSOR_KIND_LM_HEAD && ki->group != TMEM_GROUP_VISION;
}
