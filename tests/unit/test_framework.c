/* test_framework.c — --framework profiles (tmem_train_framework_apply) and
 * the bitsandbytes paged optimizers: Megatron's 6 + 12/dp bytes per
 * parameter by hand, explicit flags winning over a profile, rows that apply
 * only to full fine-tunes or to several GPUs, every row sourced; paged
 * AdamW's states on the GPU while everything fits and on the host (by hand:
 * 2 × 4 B × P) when they would not; peak.{allocated, reserved, device} of
 * the train and infer results split by hand from their buckets; DPO's pair
 * and reference model by hand. */
#include "harness.h"

#include "tmem/infer.h"
#include "tmem/train.h"

#include <string.h>

static struct tmem_model llama;
static struct tmem_inventory llama_inv;
#define P7B U64(6738415616) /* Llama-2-7B, test_presets.c's published total */

/* Megatron-LM with the distributed optimizer, bf16 params and fp32 main
 * grads: 2 + 4 B per parameter unsharded, fp32 master + Adam m + v
 * 4 + 4 + 4 = 12 B per parameter over dp. Llama-2-7B, 8 GPUs (dp 8):
 *   weights 2 × 6,738,415,616 = 13,476,831,232
 *   grads   4 × 6,738,415,616 = 26,953,662,464
 *   master + m + v 12 × 6,738,415,616 / 8 = 10,107,623,424
 * and dp 4: 12 × P / 4 = 20,215,246,848. */
static void megatron_profile_is_6_plus_12_over_dp(void **state)
{
    (void)state;
    static const uint64_t dps[] = {8, 4};
    for (size_t i = 0; i < 2; i++) {
        struct tmem_train_opts o;
        tmem_train_opts_default(&o);
        o.seq = 2048;
        o.gpus = dps[i];
        struct tmem_assumption rows[TMEM_MAX_ASSUMPTIONS];
        size_t n = tmem_train_framework_apply(TMEM_FRAMEWORK_MEGATRON, 0, &o, rows, TMEM_MAX_ASSUMPTIONS);
        assert_int_equal(n, 5);
        assert_int_equal(o.precision, TMEM_PRECISION_BF16_FP32_GRADS);
        assert_true(o.distributed_optimizer);
        assert_int_equal(o.kernels, TMEM_KERNELS_TE);
        assert_int_equal(o.attention, TMEM_ATTENTION_FLASH);
        struct tmem_train_result r;
        assert_int_equal(tmem_train_compute(&llama, &llama_inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
        assert_int_equal(r.item_bytes[TMEM_TI_WEIGHTS], 2 * P7B);
        assert_int_equal(r.item_bytes[TMEM_TI_GRADS] + r.item_bytes[TMEM_TI_GRADS_FP32], 4 * P7B);
        assert_int_equal(r.item_bytes[TMEM_TI_MASTER] + r.item_bytes[TMEM_TI_STATE0] + r.item_bytes[TMEM_TI_STATE1],
                         12 * P7B / dps[i]);
    }
}

/* torchtitan (9dec370): FSDP2 with MixedPrecisionPolicy(bf16 params, fp32
 * reduce) over every GPU; under PP reshard_after_forward=False (grad-op).
 * Llama-2-7B on 8 GPUs, FSDP over 8: bf16 shard 2 B + fp32 gradients 4 B +
 * fp32 master, m, v 12 B = 18 B per parameter / 8:
 *   18 × 6,738,415,616 / 8 = 121,291,481,088 / 8 = 15,161,435,136 B.
 * One GPU: no FSDP row; pp 2: grad-op. */
static void torchtitan_profile(void **state)
{
    (void)state;
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.seq = 2048;
    o.gpus = 8;
    struct tmem_assumption rows[TMEM_MAX_ASSUMPTIONS];
    size_t n = tmem_train_framework_apply(TMEM_FRAMEWORK_TORCHTITAN, 0, &o, rows, TMEM_MAX_ASSUMPTIONS);
    assert_int_equal(n, 2);
    assert_int_equal(o.precision, TMEM_PRECISION_BF16_FP32_GRADS);
    assert_int_equal(o.fsdp, TMEM_FSDP_FULL);
    struct tmem_train_result r;
    assert_int_equal(tmem_train_compute(&llama, &llama_inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_WEIGHTS] + r.item_bytes[TMEM_TI_GRADS] + r.item_bytes[TMEM_TI_GRADS_FP32] +
                         r.item_bytes[TMEM_TI_MASTER] + r.item_bytes[TMEM_TI_STATE0] + r.item_bytes[TMEM_TI_STATE1],
                     U64(15161435136));
    tmem_train_opts_default(&o);
    o.gpus = 1;
    assert_int_equal(tmem_train_framework_apply(TMEM_FRAMEWORK_TORCHTITAN, 0, &o, rows, TMEM_MAX_ASSUMPTIONS), 1);
    assert_int_equal(o.fsdp, TMEM_FSDP_OFF);
    tmem_train_opts_default(&o);
    o.gpus = 8;
    o.pp = 2;
    assert_int_equal(tmem_train_framework_apply(TMEM_FRAMEWORK_TORCHTITAN, 0, &o, rows, TMEM_MAX_ASSUMPTIONS), 2);
    assert_int_equal(o.fsdp, TMEM_FSDP_GRAD_OP);
    assert_true(strstr(rows[1].source, "reshard_after_forward=False") != NULL);
}

/* an explicit flag wins; its row stays, marked overridden */
static void explicit_flags_win(void **state)
{
    (void)state;
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.precision = TMEM_PRECISION_BF16_MIXED;
    o.recompute = TMEM_RECOMPUTE_SELECTIVE;
    uint32_t mine = 1u << TMEM_TRAIN_FIELD_PRECISION | 1u << TMEM_TRAIN_FIELD_RECOMPUTE;
    struct tmem_assumption rows[TMEM_MAX_ASSUMPTIONS];
    size_t n = tmem_train_framework_apply(TMEM_FRAMEWORK_MEGATRON, mine, &o, rows, TMEM_MAX_ASSUMPTIONS);
    assert_int_equal(n, 5);
    assert_int_equal(o.precision, TMEM_PRECISION_BF16_MIXED);
    assert_int_equal(o.recompute, TMEM_RECOMPUTE_SELECTIVE);
    assert_true(o.distributed_optimizer);
    size_t over = 0;
    for (size_t i = 0; i < n; i++)
        over += rows[i].overridden;
    assert_int_equal(over, 2);
    assert_int_equal(rows[0].field, TMEM_TRAIN_FIELD_PRECISION);
    assert_true(rows[0].overridden);
    assert_string_equal(rows[0].value, "bf16-fp32-grads"); /* what Megatron would have used */
}

/* torchtune: PagedAdamW8bit and the optimizer in backward belong to the
 * full fine-tune recipe (8B_full_single_device.yaml), not to LoRA; and the
 * optimizer in backward is not set under gradient accumulation (the recipe
 * requires gradient_accumulation_steps: 1) */
static void rows_by_plan(void **state)
{
    (void)state;
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    assert_int_equal(tmem_train_framework_apply(TMEM_FRAMEWORK_TORCHTUNE, 0, &o, NULL, 0), 5);
    assert_int_equal(o.optimizer, TMEM_OPTIMIZER_PAGED_ADAMW8BIT);
    assert_true(o.optimizer_in_backward);
    assert_int_equal(o.precision, TMEM_PRECISION_BF16);
    assert_int_equal(o.recompute, TMEM_RECOMPUTE_FULL);
    assert_true(o.fused_ce);
    tmem_train_opts_default(&o);
    o.lora_rank = 16;
    assert_int_equal(tmem_train_framework_apply(TMEM_FRAMEWORK_TORCHTUNE, 0, &o, NULL, 0), 3);
    assert_int_equal(o.optimizer, TMEM_OPTIMIZER_ADAMW);
    assert_false(o.optimizer_in_backward);
    tmem_train_opts_default(&o);
    o.grad_accum = 4;
    assert_int_equal(tmem_train_framework_apply(TMEM_FRAMEWORK_TORCHTUNE, 0, &o, NULL, 0), 4);
    assert_false(o.optimizer_in_backward);
    /* LitGPT shards with FSDP only on more than one device */
    tmem_train_opts_default(&o);
    assert_int_equal(tmem_train_framework_apply(TMEM_FRAMEWORK_LITGPT, 0, &o, NULL, 0), 1);
    assert_int_equal(o.fsdp, TMEM_FSDP_OFF);
    o.gpus = 4;
    assert_int_equal(tmem_train_framework_apply(TMEM_FRAMEWORK_LITGPT, 0, &o, NULL, 0), 2);
    assert_int_equal(o.fsdp, TMEM_FSDP_FULL);
    assert_int_equal(o.precision, TMEM_PRECISION_AMP_BF16);
    /* every profile's plan validates on Llama-2-7B, 8 GPUs, and every row
     * says where it comes from (the post-training ones under --rl grpo on
     * an H100) */
    for (int f = 0; f < TMEM_FRAMEWORK_COUNT; f++) {
        tmem_train_opts_default(&o);
        o.gpus = 8;
        o.seq = 2048;
        if (f == TMEM_FRAMEWORK_TRL || f == TMEM_FRAMEWORK_VERL || f == TMEM_FRAMEWORK_OPENRLHF) {
            o.rl = TMEM_RL_GRPO;
            o.rollout_capacity_bytes = U64(85520809984);
        }
        struct tmem_assumption rows[TMEM_MAX_ASSUMPTIONS];
        size_t n = tmem_train_framework_apply((enum tmem_framework)f, 0, &o, rows, TMEM_MAX_ASSUMPTIONS);
        assert_true(n <= TMEM_MAX_ASSUMPTIONS);
        assert_true(f == TMEM_FRAMEWORK_NONE ? n == 0 : n > 0);
        for (size_t i = 0; i < n; i++) {
            assert_true(strlen(rows[i].source) > 10);
            assert_true(strlen(rows[i].value) > 0);
        }
        assert_int_equal(tmem_train_validate(&llama, &o, NULL), TMEM_OK);
        assert_int_equal(tmem_framework_from_name(tmem_framework_name((enum tmem_framework)f)), f);
    }
    assert_int_equal(tmem_framework_from_name("keras"), TMEM_FRAMEWORK_COUNT);
}

/* bitsandbytes PagedAdamW over bf16-mixed Llama-2-7B, one GPU, b 1, s 2048,
 * no fragmentation: the AdamW moments are fp32, 2 × 4 B × 6,738,415,616 =
 * 53,907,324,928 B. Against an H200 (143,771 MiB) everything fits: the
 * states stay on the GPU, nothing on the host. Against an 80 GB part
 * (81,559 MiB) the plan with them does not fit: they are counted on the host
 * (host/pageable) and the peak falls by exactly their bytes (the start of
 * the backward is the peak in both, the states live in every phase, and
 * nothing else changes). */
static void paged_adamw_states_leave_only_when_they_must(void **state)
{
    (void)state;
    const uint64_t states = 2 * 4 * P7B;
    assert_int_equal(states, U64(53907324928));
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.seq = 2048;
    o.fragmentation_ppm = 0;
    o.optimizer = tmem_optimizer_from_name("paged-adamw");
    assert_int_equal(o.optimizer, TMEM_OPTIMIZER_PAGED_ADAMW);
    struct tmem_train_result kept, paged;
    o.page_capacity_bytes = U64(143771) << 20;
    assert_int_equal(tmem_train_compute(&llama, &llama_inv, &o, UINT64_MAX, &kept, NULL), TMEM_OK);
    assert_false(kept.paged_out);
    assert_int_equal(kept.item_bytes[TMEM_TI_STATE0] + kept.item_bytes[TMEM_TI_STATE1], states);
    assert_int_equal(kept.host_item_bytes[TMEM_HI_PAGED], 0);
    assert_true(kept.peak_bytes <= o.page_capacity_bytes);
    o.page_capacity_bytes = U64(81559) << 20;
    assert_true(kept.peak_bytes > o.page_capacity_bytes);
    assert_int_equal(tmem_train_compute(&llama, &llama_inv, &o, UINT64_MAX, &paged, NULL), TMEM_OK);
    assert_true(paged.paged_out);
    assert_int_equal(paged.item_bytes[TMEM_TI_STATE0] + paged.item_bytes[TMEM_TI_STATE1], 0);
    assert_int_equal(paged.host_item_bytes[TMEM_HI_PAGED], states);
    assert_int_equal(paged.item_bytes[TMEM_TI_MASTER], kept.item_bytes[TMEM_TI_MASTER]); /* stays */
    assert_int_equal(paged.item_bytes[TMEM_TI_WEIGHTS], 2 * P7B);                          /* stays */
    assert_int_equal(kept.peak_phase, TMEM_PHASE_BACKWARD);
    assert_int_equal(paged.peak_phase, TMEM_PHASE_BACKWARD);
    assert_int_equal(kept.peak_bytes - paged.peak_bytes, states);
    /* no capacity: they stay on the GPU whatever the peak */
    o.page_capacity_bytes = 0;
    assert_int_equal(tmem_train_compute(&llama, &llama_inv, &o, UINT64_MAX, &paged, NULL), TMEM_OK);
    assert_false(paged.paged_out);
    /* the ledger's host side names them */
    o.page_capacity_bytes = U64(81559) << 20;
    assert_int_equal(tmem_train_compute(&llama, &llama_inv, &o, UINT64_MAX, &paged, NULL), TMEM_OK);
    static struct tmem_ledger host;
    assert_int_equal(tmem_train_ledger(&llama, &llama_inv, &o, &paged, TMEM_PHASE_FORWARD, true, &host, NULL),
                     TMEM_OK);
    assert_int_equal(host.n_entries, 1);
    assert_string_equal(host.entries[0].label, "optimizer states (host/pageable)");
    assert_int_equal(host.entries[0].bytes, states);
    /* 8-bit paged: the int8 moments (1 B each) and the fp32 absmax per 256,
     * as adam8bit counts them */
    o.optimizer = TMEM_OPTIMIZER_PAGED_ADAMW8BIT;
    struct tmem_train_result p8, a8;
    o.page_capacity_bytes = 0;
    assert_int_equal(tmem_train_compute(&llama, &llama_inv, &o, UINT64_MAX, &p8, NULL), TMEM_OK);
    o.optimizer = TMEM_OPTIMIZER_ADAM8BIT;
    assert_int_equal(tmem_train_compute(&llama, &llama_inv, &o, UINT64_MAX, &a8, NULL), TMEM_OK);
    assert_memory_equal(&p8.item_bytes[TMEM_TI_STATE0], &a8.item_bytes[TMEM_TI_STATE0], 3 * sizeof(uint64_t));
}

/* peak: what torch.cuda.max_memory_allocated / max_memory_reserved and
 * nvidia-smi would show. Training (Llama-2-7B, bf16-mixed, b 1, s 2048):
 * device = the ledger's peak; device − reserved = the CUDA context and
 * workspaces, 768 MiB = 805,306,368 B; reserved − allocated = the
 * fragmentation line (5 % of the rest); allocated = every tensor (the peak
 * phase's items but those two). Inference (vLLM, Llama-2-7B on an H100 SXM):
 * the whole KV pool is allocated up front, so allocated = weights +
 * activations + pool; reserved adds the CUDA-graph reserve (0 by default);
 * device adds the non-torch memory (vLLM at tp 1: 256 MiB = 268,435,456 B). */
static void peak_as_torch_shows_it(void **state)
{
    (void)state;
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.seq = 2048;
    struct tmem_train_result r;
    assert_int_equal(tmem_train_compute(&llama, &llama_inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.peak.device_bytes, r.peak_bytes);
    assert_int_equal(r.peak.device_bytes - r.peak.reserved_bytes, U64(805306368));
    assert_int_equal(r.peak.reserved_bytes - r.peak.allocated_bytes, r.item_bytes[TMEM_TI_FRAGMENTATION]);
    uint64_t tensors = 0;
    for (int it = 0; it < TMEM_TI_COUNT; it++)
        if (it != TMEM_TI_CUDA && it != TMEM_TI_FRAGMENTATION && (r.item_phases[it] >> r.peak_phase & 1u))
            tensors += r.item_bytes[it];
    assert_int_equal(r.peak.allocated_bytes, tensors);
    /* fragmentation 5 % of everything but itself: allocated + context */
    assert_int_equal(r.item_bytes[TMEM_TI_FRAGMENTATION], (tensors + U64(805306368)) / 20 +
                                                              ((tensors + U64(805306368)) % 20 != 0));

    struct tmem_infer_opts io;
    tmem_infer_defaults(&io);
    io.gpu = tmem_gpu_find("h100-sxm");
    assert_non_null(io.gpu);
    static struct tmem_infer_result ir;
    assert_int_equal(tmem_infer_build(&llama, &llama_inv, &io, &ir, NULL), TMEM_OK);
    uint64_t non_kv = ir.ledger.total_bytes - ir.ledger.bucket_bytes[TMEM_BUCKET_KV_CACHE] -
                      ir.ledger.bucket_bytes[TMEM_BUCKET_FRAMEWORK_OVERHEAD];
    assert_int_equal(ir.peak.allocated_bytes, non_kv + ir.kv_pool_bytes);
    assert_int_equal(ir.peak.reserved_bytes, ir.peak.allocated_bytes);
    assert_int_equal(ir.peak.device_bytes - ir.peak.reserved_bytes, U64(268435456));
    assert_true(ir.peak.device_bytes <= ir.usable_bytes); /* vLLM sizes the pool to fill the utilization */
}

/* DPO (TRL DPOTrainer), Llama-2-7B, bf16-mixed, b 1, s 2048, flash, one GPU:
 *   the pair's chosen and rejected sequences: 2 × 2048 = 4096 tokens per
 *   layer, test_act.c's hand figure for a 4096-token layer: 763,920,384 B
 *   the logits 2 × 2048 × 32000 × 2 = 262,144,000 B
 *   the frozen reference: a bf16 copy, 2 × 6,738,415,616 = 13,476,831,232 B
 * With LoRA the reference is the base with its adapters disabled: 0 B. */
static void dpo_by_hand(void **state)
{
    (void)state;
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.seq = 2048;
    o.dpo = true;
    struct tmem_train_result r;
    assert_int_equal(tmem_train_compute(&llama, &llama_inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.layer_act.total, U64(763920384));
    assert_int_equal(r.item_bytes[TMEM_TI_ACT_ATTN] + r.item_bytes[TMEM_TI_ACT_MLP], 32 * U64(763920384));
    assert_int_equal(r.item_bytes[TMEM_TI_LOGITS], U64(262144000));
    assert_int_equal(r.item_bytes[TMEM_TI_REF_WEIGHTS], 2 * P7B);
    assert_int_equal(r.item_bytes[TMEM_TI_WEIGHTS], 2 * P7B);
    static struct tmem_ledger l;
    assert_int_equal(tmem_train_ledger(&llama, &llama_inv, &o, &r, r.peak_phase, false, &l, NULL), TMEM_OK);
    bool named = false;
    for (uint32_t i = 0; i < l.n_entries; i++)
        named |= strcmp(l.entries[i].label, "reference model (bf16)") == 0 && l.entries[i].bytes == 2 * P7B;
    assert_true(named);
    o.lora_rank = 16;
    o.lora_targets = tmem_lora_target_kinds("all-linear");
    assert_int_equal(tmem_train_compute(&llama, &llama_inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_REF_WEIGHTS], 0);
    /* ZeRO-3 shards the reference as it shards the policy: 2 × P / 8 */
    o.lora_rank = 0;
    o.lora_targets = (struct tmem_kind_set){{0}};
    o.gpus = 8;
    o.zero = 3;
    assert_int_equal(tmem_train_compute(&llama, &llama_inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_REF_WEIGHTS], 2 * P7B / 8);
}

/* The post-training profiles (--rl): each row the default its tool ships,
 *   TRL GRPOConfig: beta 0.0 (no reference), vllm_gpu_memory_utilization 0.3
 *     (colocated), vllm_enable_sleep_mode False, vllm_tensor_parallel_size 1
 *   verl rollout.yaml: gpu_memory_utilization 0.5, free_cache_engine True,
 *     tensor_model_parallel_size 2 (several GPUs), the actor under FSDP
 *   OpenRLHF train_ppo_ray.py: init_kl_coef 0.01 (a reference),
 *     --vllm.gpu_memory_utilization 0.95, --vllm.enable_sleep False, tp 1
 * The engine rows need --rl and a GPU (the share is of its memory); a flag
 * the user gave wins. */
static void rl_profiles(void **state)
{
    (void)state;
    struct tmem_train_opts o;
    struct tmem_assumption rows[TMEM_MAX_ASSUMPTIONS];
    tmem_train_opts_default(&o);
    assert_int_equal(tmem_train_framework_apply(TMEM_FRAMEWORK_TRL, 0, &o, rows, TMEM_MAX_ASSUMPTIONS), 0);
    o.rl = TMEM_RL_GRPO;
    assert_int_equal(tmem_train_framework_apply(TMEM_FRAMEWORK_TRL, 0, &o, rows, TMEM_MAX_ASSUMPTIONS), 1);
    assert_int_equal(o.ref_model, TMEM_REF_MODEL_NONE);
    assert_int_equal(o.rollout_util_ppm, 0); /* no GPU: no engine */
    tmem_train_opts_default(&o);
    o.rl = TMEM_RL_GRPO;
    o.rollout_capacity_bytes = U64(85520809984);
    assert_int_equal(tmem_train_framework_apply(TMEM_FRAMEWORK_TRL, 1u << TMEM_TRAIN_FIELD_REF_MODEL, &o, rows,
                                                TMEM_MAX_ASSUMPTIONS), 4);
    assert_true(rows[0].overridden);
    assert_int_equal(o.ref_model, TMEM_REF_MODEL_SAME);
    assert_int_equal(o.rollout_util_ppm, 300000);
    assert_false(o.rollout_sleep);
    tmem_train_opts_default(&o);
    o.rl = TMEM_RL_PPO;
    o.gpus = 8;
    o.rollout_capacity_bytes = U64(85520809984);
    assert_int_equal(tmem_train_framework_apply(TMEM_FRAMEWORK_VERL, 0, &o, rows, TMEM_MAX_ASSUMPTIONS), 4);
    assert_int_equal(o.rollout_util_ppm, 500000);
    assert_true(o.rollout_sleep);
    assert_int_equal(o.rollout_tp, 2);
    assert_int_equal(o.fsdp, TMEM_FSDP_FULL);
    for (size_t i = 0; i < 4; i++)
        assert_non_null(strstr(rows[i].source, i < 3 ? "rollout.yaml" : "fsdp"));
    tmem_train_opts_default(&o);
    o.rl = TMEM_RL_PPO;
    o.rollout_capacity_bytes = U64(85520809984);
    assert_int_equal(tmem_train_framework_apply(TMEM_FRAMEWORK_OPENRLHF, 0, &o, rows, TMEM_MAX_ASSUMPTIONS), 4);
    assert_int_equal(o.rollout_util_ppm, 950000);
    assert_int_equal(o.ref_model, TMEM_REF_MODEL_SAME);
    /* 0.95 of an H100 for the engine: 81,244,769,485 B (bf16 weights of
     * Llama-2-7B, 13,476,831,232 B, and a 67,767,938,253 B KV pool) */
    o.critic = true;
    o.seq = 2048;
    struct tmem_train_result r;
    assert_int_equal(tmem_train_compute(&llama, &llama_inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_ROLLOUT_WEIGHTS] + r.item_bytes[TMEM_TI_ROLLOUT_KV], U64(81244769485));
    assert_int_equal(r.item_bytes[TMEM_TI_ROLLOUT_KV], U64(67767938253));
}

int main(void)
{
    tmem_test_load("llama-2-7b", &llama, &llama_inv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(megatron_profile_is_6_plus_12_over_dp),
        cmocka_unit_test(torchtitan_profile),
        cmocka_unit_test(explicit_flags_win),
        cmocka_unit_test(rows_by_plan),
        cmocka_unit_test(paged_adamw_states_leave_only_when_they_must),
        cmocka_unit_test(peak_as_torch_shows_it),
        cmocka_unit_test(dpo_by_hand),
        cmocka_unit_test(rl_profiles),
    };
    return cmocka_run_group_tests_name("framework", tests, NULL, NULL);
}
