/* test_rl.c — GRPO and PPO (--rl): each model's buckets by hand from the
 * parameter count, the rollout phase beside the training phases, a
 * colocated vLLM engine awake or asleep, the reference model's placements
 * (same, none, offload, none with LoRA / QLoRA) and the refused plans.
 *
 * Qwen2.5-0.5B (config.json: d_model 896, 24 layers, 14 heads, 2 KV heads
 * of 64, d_ff 4864, vocab 151936, tied embeddings, q/k/v biases):
 *   embed 151936 × 896                                   = 136,134,656
 *   a layer: q 896·896 + 896 = 803,712, k and v 896·128 + 128 = 114,816
 *            each, o 896·896 = 802,816, gate/up/down 3 × 896·4864 =
 *            13,074,432, two norms 2 × 896 = 1,792        = 14,912,384
 *   24 layers 357,897,216 + embed + final norm 896       = 494,032,768
 * (the published count of Qwen/Qwen2.5-0.5B's safetensors: 494,032,768). */
#include "harness.h"

#include "tmem/train.h"

#include <math.h>
#include <string.h>

static struct tmem_model qwen;
static struct tmem_inventory qwen_inv;
#define P05 U64(494032768)
#define D05 U64(896)
/* H100 SXM5 80GB as the device reports it (tmem gpus): 85,520,809,984 B */
#define H100 U64(85520809984)

static void grpo_plan(struct tmem_train_opts *o)
{
    tmem_train_opts_default(o);
    o->rl = TMEM_RL_GRPO;
    o->group_size = 8;
    o->micro_batch = 8; /* completions: one prompt's group of 8 */
    o->seq = 1024;
}

/* GRPO (TRL GRPOTrainer with vllm_mode colocate, vllm_gpu_memory_utilization
 * 0.3, sleep mode off, beta > 0 so a reference is loaded), bf16-mixed AdamW
 * on one H100:
 *   policy weights         2 B × 494,032,768               =    988,065,536
 *   policy gradients       2 B × P                         =    988,065,536
 *   master + m + v         (4 + 4 + 4) B × P               =  5,928,393,216
 *   reference (bf16 copy)  2 B × P                         =    988,065,536
 *   engine weights (bf16)  2 B × P                         =    988,065,536
 *   engine KV cache        ceil(0.3 × 85,520,809,984) − 988,065,536
 *                          = 25,656,242,996 − 988,065,536  = 24,668,177,460
 *   (weights + KV = 25,656,242,996 B = 30 % of the GPU)
 * No critic, no reward model (a rule-based reward). The engine stays awake:
 * its bytes are in every phase, and the rollout phase holds the model
 * states but no activation. */
static void grpo_buckets_by_hand(void **state)
{
    (void)state;
    struct tmem_train_opts o;
    grpo_plan(&o);
    o.rollout_util_ppm = 300000;
    o.rollout_capacity_bytes = H100;
    struct tmem_train_result r;
    assert_int_equal(tmem_train_compute(&qwen, &qwen_inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(qwen_inv.total_params, P05);
    assert_int_equal(r.item_bytes[TMEM_TI_WEIGHTS], U64(988065536));
    assert_int_equal(r.item_bytes[TMEM_TI_GRADS], U64(988065536));
    assert_int_equal(r.item_bytes[TMEM_TI_MASTER] + r.item_bytes[TMEM_TI_STATE0] + r.item_bytes[TMEM_TI_STATE1],
                     U64(5928393216));
    assert_int_equal(r.item_bytes[TMEM_TI_REF_WEIGHTS], U64(988065536));
    assert_int_equal(r.item_bytes[TMEM_TI_ROLLOUT_WEIGHTS], U64(988065536));
    assert_int_equal(r.item_bytes[TMEM_TI_ROLLOUT_KV], U64(24668177460));
    assert_int_equal(r.item_bytes[TMEM_TI_CRITIC_WEIGHTS], 0);
    assert_int_equal(r.item_bytes[TMEM_TI_REWARD_WEIGHTS], 0);
    const uint32_t all = (1u << TMEM_PHASE_COUNT) - 1, rollout = 1u << TMEM_PHASE_ROLLOUT;
    assert_int_equal(r.item_phases[TMEM_TI_ROLLOUT_KV], all);
    assert_int_equal(r.item_phases[TMEM_TI_REF_WEIGHTS], all);
    assert_true(r.item_phases[TMEM_TI_MASTER] & rollout);
    assert_false(r.item_phases[TMEM_TI_ACT_MLP] & rollout);
    assert_false(r.item_phases[TMEM_TI_LOGITS] & rollout);
    /* awake, the engine adds to the training peak: the rollout phase is
     * the end of backward less nothing (bf16-mixed keeps its contiguous
     * gradient buffer), below the start of backward's activations */
    assert_int_equal(r.phase_bytes[TMEM_PHASE_ROLLOUT], r.phase_bytes[TMEM_PHASE_BACKWARD_END]);
    assert_int_equal(r.peak_phase, TMEM_PHASE_BACKWARD);
    /* the ledger names each model's buckets */
    static struct tmem_ledger l;
    assert_int_equal(tmem_train_ledger(&qwen, &qwen_inv, &o, &r, TMEM_PHASE_ROLLOUT, false, &l, NULL), TMEM_OK);
    int named = 0;
    for (uint32_t i = 0; i < l.n_entries; i++) {
        named += strcmp(l.entries[i].label, "reference model (bf16)") == 0 && l.entries[i].bytes == U64(988065536);
        named += strcmp(l.entries[i].label, "rollout engine weights (bf16)") == 0 &&
                 l.entries[i].bytes == U64(988065536) && l.entries[i].bucket == TMEM_BUCKET_WEIGHTS;
        named += strcmp(l.entries[i].label, "rollout engine KV cache") == 0 &&
                 l.entries[i].bytes == U64(24668177460) && l.entries[i].bucket == TMEM_BUCKET_KV_CACHE;
        named += strstr(l.entries[i].label, "MLP") != NULL; /* no activation in the rollout phase */
        if (strcmp(l.entries[i].label, "rollout engine KV cache") == 0)
            assert_string_equal(l.entries[i].formula,
                                "F × GPU memory − P × 2 B = 30 % × 85520809984 − 494032768 × 2");
    }
    assert_int_equal(named, 3);
}

/* PPO (verl's defaults: rollout gpu_memory_utilization 0.5,
 * free_cache_engine True: the engine sleeps while the models train), with
 * the critic and a reward model both of the policy's architecture with a
 * d_model × 1 value head (OpenRLHF value_head = nn.Linear(hidden_size, 1,
 * bias=False); Qwen2.5-0.5B's lm_head is the tied embedding, so nothing is
 * taken off): P_critic = P_reward = 494,032,768 + 896 = 494,033,664.
 *   policy weights + grads     2 × 988,065,536           =  1,976,131,072
 *   policy master + m + v      12 B × P                  =  5,928,393,216
 *   reference                  2 B × P                   =    988,065,536
 *   reward model               2 B × 494,033,664         =    988,067,328
 *   critic weights, grads      2 × 2 B × 494,033,664     =  1,976,134,656
 *   critic master + m + v      12 B × 494,033,664        =  5,928,403,968
 *   engine weights             2 B × P                   =    988,065,536
 *   engine KV cache            0.5 × 85,520,809,984 − 988,065,536
 *                              = 42,760,404,992 − 988,065,536 = 41,772,339,456
 *   CUDA context + workspaces                            =    805,306,368
 *   the rollout phase's sum                              = 61,350,907,136
 *   + 5 % fragmentation, rounded up: 3,067,545,357       = 64,418,452,493
 * Asleep the engine is in the rollout phase only, and that phase is the peak. */
static void ppo_asleep_peak_is_the_rollout(void **state)
{
    (void)state;
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.rl = TMEM_RL_PPO;
    o.critic = true;
    o.micro_batch = 8;
    o.seq = 1024;
    o.reward_params = tmem_train_value_model_params(&qwen, &qwen_inv);
    assert_int_equal(o.reward_params, P05 + D05);
    o.rollout_util_ppm = 500000;
    o.rollout_capacity_bytes = H100;
    o.rollout_sleep = true;
    struct tmem_train_result r;
    assert_int_equal(tmem_train_compute(&qwen, &qwen_inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_REWARD_WEIGHTS], U64(988067328));
    assert_int_equal(r.item_bytes[TMEM_TI_CRITIC_WEIGHTS], U64(988067328));
    assert_int_equal(r.item_bytes[TMEM_TI_CRITIC_GRADS], U64(988067328));
    assert_int_equal(r.item_bytes[TMEM_TI_CRITIC_STATES], U64(5928403968));
    assert_int_equal(r.item_bytes[TMEM_TI_ROLLOUT_KV], U64(41772339456));
    assert_int_equal(r.item_phases[TMEM_TI_ROLLOUT_KV], 1u << TMEM_PHASE_ROLLOUT);
    assert_int_equal(r.item_phases[TMEM_TI_ROLLOUT_WEIGHTS], 1u << TMEM_PHASE_ROLLOUT);
    assert_int_equal(r.peak_phase, TMEM_PHASE_ROLLOUT);
    assert_int_equal(r.peak_bytes, U64(64418452493));
    assert_int_equal(r.phase_bytes[TMEM_PHASE_ROLLOUT], U64(64418452493));
    /* training phases: the same less the engine (42,760,404,992 B) plus
     * the activations; end of backward holds no activation:
     *   (61,350,907,136 − 42,760,404,992) × 1.05 = 18,590,502,144 × 1.05
     *   = 19,520,027,251.2 → 19,520,027,252 */
    assert_int_equal(r.phase_bytes[TMEM_PHASE_BACKWARD_END], U64(19520027252));
}

/* The reference's placements: none (TRL GRPOConfig beta = 0.0, its
 * default: "the reference model is not loaded"), offload (verl
 * ref.fsdp_config.param_offload: on the host, 2 B × P), and with LoRA or
 * QLoRA the base with its adapters disabled (TRL GRPOTrainer: "If PEFT is
 * used, the reference model is not needed since the adapter can be
 * disabled"): no reference bytes anywhere. */
static void reference_placements(void **state)
{
    (void)state;
    struct tmem_train_opts o;
    grpo_plan(&o);
    struct tmem_train_result r;
    o.ref_model = TMEM_REF_MODEL_NONE;
    assert_int_equal(tmem_train_compute(&qwen, &qwen_inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_REF_WEIGHTS], 0);
    assert_int_equal(r.host_item_bytes[TMEM_HI_REF_WEIGHTS], 0);
    o.ref_model = TMEM_REF_MODEL_OFFLOAD;
    assert_int_equal(tmem_train_compute(&qwen, &qwen_inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_REF_WEIGHTS], 0);
    assert_int_equal(r.host_item_bytes[TMEM_HI_REF_WEIGHTS], 2 * P05);
    o.ref_model = TMEM_REF_MODEL_SAME;
    o.lora_rank = 16;
    o.lora_targets = tmem_lora_target_kinds("all-linear");
    assert_int_equal(tmem_train_compute(&qwen, &qwen_inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_REF_WEIGHTS], 0);
    o.base_quant = TMEM_BASE_QUANT_NF4;
    assert_int_equal(tmem_train_compute(&qwen, &qwen_inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_REF_WEIGHTS], 0);
    /* the engine still loads bf16 weights: 2 B × P whatever the base's storage */
    o.rollout_util_ppm = 300000;
    o.rollout_capacity_bytes = H100;
    assert_int_equal(tmem_train_compute(&qwen, &qwen_inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_ROLLOUT_WEIGHTS], 2 * P05);
    /* ZeRO-3 over 8 GPUs shards the reference and the reward model as it
     * shards the policy: 2 × P / 8 = 123,508,192 B, 2 × (P + 896) / 8 =
     * 123,508,416 B */
    tmem_train_opts_default(&o);
    o.rl = TMEM_RL_GRPO;
    o.micro_batch = 8;
    o.seq = 1024;
    o.gpus = 8;
    o.zero = 3;
    o.reward_params = P05 + D05;
    assert_int_equal(tmem_train_compute(&qwen, &qwen_inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_REF_WEIGHTS], U64(123508192));
    assert_int_equal(r.item_bytes[TMEM_TI_REWARD_WEIGHTS], U64(123508416));
}

/* Plans refused, each naming its flag. */
static void refused_plans(void **state)
{
    (void)state;
    struct tmem_train_opts o;
    struct tmem_error err;
    struct tmem_train_result r;
    grpo_plan(&o);
    o.dpo = true;
    assert_int_equal(tmem_train_compute(&qwen, &qwen_inv, &o, UINT64_MAX, &r, &err), TMEM_ERR_INCONSISTENT);
    assert_string_equal(err.where, "--rl");
    grpo_plan(&o);
    o.critic = true;
    assert_int_equal(tmem_train_compute(&qwen, &qwen_inv, &o, UINT64_MAX, &r, &err), TMEM_ERR_INCONSISTENT);
    assert_string_equal(err.where, "--critic");
    grpo_plan(&o);
    o.group_size = 1;
    assert_int_equal(tmem_train_compute(&qwen, &qwen_inv, &o, UINT64_MAX, &r, &err), TMEM_ERR_LIMIT);
    assert_string_equal(err.where, "--group-size");
    /* 1 % of an H100 is 855,208,100 B: less than the engine's 988,065,536 B of weights */
    grpo_plan(&o);
    o.rollout_util_ppm = 10000;
    o.rollout_capacity_bytes = H100;
    assert_int_equal(tmem_train_compute(&qwen, &qwen_inv, &o, UINT64_MAX, &r, &err), TMEM_ERR_INCONSISTENT);
    assert_string_equal(err.where, "--rollout-memory-utilization");
    grpo_plan(&o);
    o.rollout_util_ppm = 300000; /* no GPU to take a share of */
    assert_int_equal(tmem_train_compute(&qwen, &qwen_inv, &o, UINT64_MAX, &r, &err), TMEM_ERR_INCONSISTENT);
    assert_string_equal(err.where, "--rollout-memory-utilization");
    tmem_train_opts_default(&o);
    o.reward_params = P05;
    assert_int_equal(tmem_train_compute(&qwen, &qwen_inv, &o, UINT64_MAX, &r, &err), TMEM_ERR_INCONSISTENT);
    assert_string_equal(err.where, "--reward-model");
    tmem_train_opts_default(&o);
    o.rl = TMEM_RL_PPO;
    o.critic = true;
    o.optimizer = TMEM_OPTIMIZER_ADAFACTOR;
    assert_int_equal(tmem_train_compute(&qwen, &qwen_inv, &o, UINT64_MAX, &r, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "--critic");
    /* 14 heads: a rollout tp of 4 does not divide them */
    grpo_plan(&o);
    o.rollout_util_ppm = 300000;
    o.rollout_capacity_bytes = H100;
    o.rollout_tp = 4;
    assert_int_equal(tmem_train_compute(&qwen, &qwen_inv, &o, UINT64_MAX, &r, &err), TMEM_ERR_INCONSISTENT);
    assert_string_equal(err.where, "--rollout-tp");
    /* the completion is part of --seq; it needs --rl */
    grpo_plan(&o);
    o.completion_len = 1024;
    assert_int_equal(tmem_train_compute(&qwen, &qwen_inv, &o, UINT64_MAX, &r, &err), TMEM_ERR_INCONSISTENT);
    assert_string_equal(err.where, "--completion-len");
    tmem_train_opts_default(&o);
    o.completion_len = 256;
    assert_int_equal(tmem_train_compute(&qwen, &qwen_inv, &o, UINT64_MAX, &r, &err), TMEM_ERR_INCONSISTENT);
    assert_string_equal(err.where, "--completion-len");
    /* without --rl there is no rollout phase */
    tmem_train_opts_default(&o);
    assert_false(tmem_train_phase_used(&o, TMEM_PHASE_ROLLOUT));
    assert_true(tmem_train_phase_used(&o, TMEM_PHASE_OPTIMIZER));
    o.rl = TMEM_RL_GRPO;
    assert_true(tmem_train_phase_used(&o, TMEM_PHASE_ROLLOUT));
}

static void near(double got, double want)
{
    if (!(fabs(got - want) <= 1e-9 * fabs(want)))
        fail_msg("got %.12g, want %.12g", got, want);
}

/* The GRPO step time adds the rollout, by infer's roofline (vLLM defaults
 * mfu 0.5, mbu 0.8), and the reference's forward. H100 SXM: 989.4 TFLOP/s
 * bf16, 3.35 TB/s HBM. --seq 1024, completion 256 (TRL
 * max_completion_length's default): prompts of 768; b = 8 completions, one
 * micro-batch, the engine colocated, tp 1.
 *   per token   2 × (P − V·d) = 2 × (494,032,768 − 136,134,656) = 715,796,224
 *   per row     2 × V·d = 272,269,312 (the tied lm_head: one row a prompt)
 *   per pair    4 × 24 layers × 64 d_head × 14 heads = 86,016
 *   weights     2 B × P = 988,065,536; KV 2 × 24 × 2 × 64 × 2 B = 12,288 B a token
 * prefill: 8 × 768 = 6,144 tokens, 8 rows, 8 × 768²/2 = 2,359,296 pairs
 *   FLOPs 715,796,224 × 6,144 + 272,269,312 × 8 + 86,016 × 2,359,296
 *       = 4,397,852,000,256 + 2,178,154,496 + 202,937,204,736 = 4,602,967,359,488
 *   / (989.4e12 × 0.5) = 9.3045 ms (bytes 988,065,536 + 6,144 × 12,288 at
 *   3.35e12 × 0.8: 0.397 ms, below)
 * decode at context 768 + 256/2 = 896: 8 tokens, 8 rows, 8 × 896 pairs
 *   FLOPs 8 × 715,796,224 + 8 × 272,269,312 + 86,016 × 7,168 = 8,521,086,976
 *   (17 µs) against bytes 988,065,536 + 7,168 × 12,288 = 1,076,145,920
 *   / 2.68e12 = 401.55 µs: memory-bound; 256 of them
 * weight sync 2 × 988,065,536 / 3.35e12 = 589.9 µs
 * reference forward: matmuls 2 × 8 × 1024 × (357,826,560 + 136,134,656)
 *   (the layers' 24 × (896·896 + 2·896·128 + 896·896 + 3·896·4864) and the
 *   lm_head) = 8,093,060,562,944 at 989.4e12 × 0.40; attention 2 × 8 × 1024
 *   × 1024 × 14·(64 + 64) × 24 × ½ = 360,777,252,864 at 989.4e12 × 0.35 */
static void grpo_step_time_by_hand(void **state)
{
    (void)state;
    struct tmem_train_opts o;
    grpo_plan(&o);
    o.rollout_util_ppm = 300000;
    o.rollout_capacity_bytes = H100;
    struct tmem_train_result r;
    assert_int_equal(tmem_train_compute(&qwen, &qwen_inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    const struct tmem_gpu *g = tmem_gpu_find("h100-sxm");
    struct tmem_train_time_opts to;
    tmem_train_time_defaults(&to, g);
    struct tmem_train_time t;
    assert_int_equal(tmem_train_time(&qwen, &qwen_inv, &o, &r, &to, NULL, &t, NULL, NULL), TMEM_OK);
    assert_int_equal(tmem_train_completion_len(&o, r.seq), 256);
    assert_int_equal(t.rollout_batch, 8);
    assert_int_equal(t.rollout_prompt, 768);
    assert_int_equal(t.rollout_completion, 256);
    const double prefill = 4602967359488.0 / (989.4e12 * 0.5);
    const double tpot = 1076145920.0 / (3.35e12 * 0.8);
    const double sync = 2.0 * 988065536.0 / 3.35e12;
    near(t.rollout_prefill_s, prefill);
    near(t.rollout_decode_s, 256.0 * tpot);
    near(t.weight_sync_s, sync);
    near(t.rollout_s, prefill + 256.0 * tpot + sync);
    const double ref = 8093060562944.0 / (989.4e12 * 0.40) + 360777252864.0 / (989.4e12 * 0.35);
    near(t.score_s, ref);
    /* the update is what it was without --rl: the step is the sum */
    struct tmem_train_opts sft;
    tmem_train_opts_default(&sft);
    sft.micro_batch = 8;
    sft.seq = 1024;
    struct tmem_train_result rs;
    struct tmem_train_time ts;
    assert_int_equal(tmem_train_compute(&qwen, &qwen_inv, &sft, UINT64_MAX, &rs, NULL), TMEM_OK);
    assert_int_equal(tmem_train_time(&qwen, &qwen_inv, &sft, &rs, &to, NULL, &ts, NULL, NULL), TMEM_OK);
    assert_true(ts.rollout_s == 0.0 && ts.score_s == 0.0 && ts.rollout_batch == 0);
    near(t.step_s, ts.step_s + prefill + 256.0 * tpot + sync + ref);
    /* TRL's default, HF generate on the training GPU (no
     * --rollout-memory-utilization): the same roofline (HF keeps infer's
     * mfu and mbu), the policy's bf16 weights, no sync */
    o.rollout_util_ppm = 0;
    o.rollout_capacity_bytes = 0;
    assert_int_equal(tmem_train_compute(&qwen, &qwen_inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(tmem_train_time(&qwen, &qwen_inv, &o, &r, &to, NULL, &t, NULL, NULL), TMEM_OK);
    near(t.rollout_s, prefill + 256.0 * tpot);
    assert_true(t.weight_sync_s == 0.0);
    /* --ref-model none (TRL beta 0.0): no scoring forward */
    o.ref_model = TMEM_REF_MODEL_NONE;
    assert_int_equal(tmem_train_compute(&qwen, &qwen_inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(tmem_train_time(&qwen, &qwen_inv, &o, &r, &to, NULL, &t, NULL, NULL), TMEM_OK);
    assert_true(t.score_s == 0.0);
    /* --completion-len 512: prompts of 512; prefill 8 × 512 = 4,096 tokens,
     * 8 × 512²/2 = 1,048,576 pairs: 715,796,224 × 4,096 + 272,269,312 × 8 +
     * 86,016 × 1,048,576 = 2,931,901,333,504 + 2,178,154,496 + 90,194,313,216
     * = 3,024,273,801,216 FLOPs; decode at 512 + 256 = 768: bytes
     * 988,065,536 + 8 × 768 × 12,288 = 1,063,563,008 */
    o.completion_len = 512;
    assert_int_equal(tmem_train_compute(&qwen, &qwen_inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(tmem_train_time(&qwen, &qwen_inv, &o, &r, &to, NULL, &t, NULL, NULL), TMEM_OK);
    near(t.rollout_prefill_s, 3024273801216.0 / (989.4e12 * 0.5));
    near(t.rollout_decode_s, 512.0 * 1063563008.0 / (3.35e12 * 0.8));
}

/* PPO's scoring: the reference (as above), the reward model of
 * 494,033,664 parameters, 2 × 8 × 1024 × 494,033,664 = 8,094,247,550,976
 * FLOPs (its whole count: an upper bound), and the critic's value forward
 * and its update, (1 + 3) × 2 × 8 × 1024 × 357,826,560 = 23,450,521,436,160
 * matmul FLOPs; attention 1 + 4 forwards: 5 × 360,777,252,864. */
static void ppo_scoring_by_hand(void **state)
{
    (void)state;
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    o.rl = TMEM_RL_PPO;
    o.critic = true;
    o.micro_batch = 8;
    o.seq = 1024;
    o.reward_params = P05 + D05;
    struct tmem_train_result r;
    assert_int_equal(tmem_train_compute(&qwen, &qwen_inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    struct tmem_train_time_opts to;
    tmem_train_time_defaults(&to, tmem_gpu_find("h100-sxm"));
    struct tmem_train_time t;
    assert_int_equal(tmem_train_time(&qwen, &qwen_inv, &o, &r, &to, NULL, &t, NULL, NULL), TMEM_OK);
    const double mm = 8093060562944.0 + 8094247550976.0 + 23450521436160.0;
    near(t.score_s, mm / (989.4e12 * 0.40) + 5.0 * 360777252864.0 / (989.4e12 * 0.35));
}

/* TRL's default, use_vllm False: HF generate on the training GPU over the
 * local generation batch (b × grad-accum completions), its DynamicCache
 * for s = prompt + completion tokens of every layer, bf16, and fp32
 * last-token logits, in the rollout phase only:
 *   KV a token  2 (k, v) × 24 layers × 2 KV heads × 64 × 2 B = 12,288 B
 *   b = 8, s = 1024: 8 × 1024 × 12,288 + 8 × 151,936 × 4 B
 *              = 100,663,296 + 4,861,952 = 105,525,248 B
 *   grad-accum 4: 32 × 1024 × 12,288 + 32 × 151,936 × 4 = 422,100,992 B
 * ZeRO-3 over 8 GPUs (TRL ds3_gather_for_generation True): the policy
 * gathered whole, less its shard at rest: 2 × P − 2 × P / 8 =
 * 988,065,536 − 123,508,192 = 864,557,344 B; False (--gen-gather-per-
 * layer): none, ZeRO-3's live parameters stay through the rollout. */
static void hf_generate_memory_by_hand(void **state)
{
    (void)state;
    struct tmem_train_opts o;
    grpo_plan(&o);
    struct tmem_train_result r;
    assert_int_equal(tmem_train_compute(&qwen, &qwen_inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_GEN_KV], U64(105525248));
    assert_int_equal(r.item_phases[TMEM_TI_GEN_KV], 1u << TMEM_PHASE_ROLLOUT);
    assert_int_equal(r.item_bytes[TMEM_TI_GEN_GATHER], 0);
    static struct tmem_ledger l;
    assert_int_equal(tmem_train_ledger(&qwen, &qwen_inv, &o, &r, TMEM_PHASE_ROLLOUT, false, &l, NULL), TMEM_OK);
    int named = 0;
    for (uint32_t i = 0; i < l.n_entries; i++)
        if (strcmp(l.entries[i].label, "generation KV cache + logits (HF generate)") == 0) {
            named++;
            assert_int_equal(l.entries[i].bytes, U64(105525248));
            assert_string_equal(l.entries[i].formula,
                                "b × grad-accum × s × KV B/token + b × grad-accum × V × 4 B (fp32 logits) = "
                                "8 × 1024 × 12288 + 8 × 151936 × 4");
        }
    assert_int_equal(named, 1);
    o.grad_accum = 4;
    assert_int_equal(tmem_train_compute(&qwen, &qwen_inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_GEN_KV], U64(422100992));
    /* a colocated engine generates instead: no HF cache */
    grpo_plan(&o);
    o.rollout_util_ppm = 300000;
    o.rollout_capacity_bytes = H100;
    assert_int_equal(tmem_train_compute(&qwen, &qwen_inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_GEN_KV], 0);
    /* ZeRO-3 over 8 GPUs */
    grpo_plan(&o);
    o.gpus = 8;
    o.zero = 3;
    assert_int_equal(tmem_train_compute(&qwen, &qwen_inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_GEN_GATHER], U64(864557344));
    assert_int_equal(r.item_phases[TMEM_TI_GEN_GATHER], 1u << TMEM_PHASE_ROLLOUT);
    assert_false(r.item_phases[TMEM_TI_GATHERED] & (1u << TMEM_PHASE_ROLLOUT));
    o.gen_gather_per_layer = true;
    assert_int_equal(tmem_train_compute(&qwen, &qwen_inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_GEN_GATHER], 0);
    assert_true(r.item_phases[TMEM_TI_GATHERED] & (1u << TMEM_PHASE_ROLLOUT));
    /* the peak is the larger of generation and update: b = 1, s = 4096,
     * one GPU; grad-accum 512 holds 512 × 4096 × 12,288 = 25,769,803,776 B
     * of KV for generation, more than the update's activations and logits;
     * grad-accum 64 (3,221,225,472 B) does not */
    grpo_plan(&o);
    o.micro_batch = 1;
    o.seq = 4096;
    o.grad_accum = 512;
    assert_int_equal(tmem_train_compute(&qwen, &qwen_inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.item_bytes[TMEM_TI_GEN_KV], U64(25769803776) + 512 * U64(151936) * 4);
    assert_int_equal(r.peak_phase, TMEM_PHASE_ROLLOUT);
    o.grad_accum = 64;
    assert_int_equal(tmem_train_compute(&qwen, &qwen_inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
    assert_int_equal(r.peak_phase, TMEM_PHASE_BACKWARD);
    /* refused: per-layer gathering without ZeRO-3, or beside vLLM */
    struct tmem_error err;
    grpo_plan(&o);
    o.gen_gather_per_layer = true;
    assert_int_equal(tmem_train_compute(&qwen, &qwen_inv, &o, UINT64_MAX, &r, &err), TMEM_ERR_INCONSISTENT);
    assert_string_equal(err.where, "--gen-gather-per-layer");
}

/* --micro-batch max with GRPO: a step's completions (micro-batch ×
 * grad-accum × dp) hold whole groups, so the solver steps by G / gcd(G,
 * grad-accum × dp): G 8, grad-accum 2: 4; G 8 over dp 8 with grad-accum
 * 1: 1 (any micro-batch); G 6, grad-accum 4: 3. The value fits, the next
 * multiple does not (each checked with tmem_train_compute). */
static void grpo_micro_batch_max_steps_by_groups(void **state)
{
    (void)state;
    struct tmem_train_opts o;
    grpo_plan(&o);
    o.rollout_util_ppm = 300000;
    o.rollout_capacity_bytes = H100;
    struct tmem_train_solution s;
    struct tmem_train_result r;
    static const struct {
        uint64_t g, ga, gpus, step;
    } cases[] = {{8, 2, 1, 4}, {8, 1, 8, 1}, {6, 4, 1, 3}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        o.group_size = cases[i].g;
        o.grad_accum = cases[i].ga;
        o.gpus = cases[i].gpus;
        o.zero = cases[i].gpus > 1 ? 3 : 0;
        assert_int_equal(tmem_train_micro_batch_step(&o), cases[i].step);
        assert_int_equal(tmem_train_max_micro_batch(&qwen, &qwen_inv, &o, H100, &s, NULL), TMEM_OK);
        assert_true(s.value > 0);
        assert_int_equal(s.value % cases[i].step, 0);
        assert_int_equal(s.next_value, s.value + cases[i].step);
        o.micro_batch = s.value;
        assert_int_equal(tmem_train_compute(&qwen, &qwen_inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
        assert_true(r.peak_bytes <= H100);
        o.micro_batch = s.value + cases[i].step;
        assert_int_equal(tmem_train_compute(&qwen, &qwen_inv, &o, UINT64_MAX, &r, NULL), TMEM_OK);
        assert_true(r.peak_bytes > H100);
    }
}

int main(void)
{
    tmem_test_load("qwen2.5-0.5b", &qwen, &qwen_inv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(grpo_buckets_by_hand),
        cmocka_unit_test(ppo_asleep_peak_is_the_rollout),
        cmocka_unit_test(reference_placements),
        cmocka_unit_test(refused_plans),
        cmocka_unit_test(grpo_step_time_by_hand),
        cmocka_unit_test(ppo_scoring_by_hand),
        cmocka_unit_test(hf_generate_memory_by_hand),
        cmocka_unit_test(grpo_micro_batch_max_steps_by_groups),
    };
    return cmocka_run_group_tests_name("rl", tests, NULL, NULL);
}
