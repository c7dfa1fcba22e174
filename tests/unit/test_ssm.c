/* test_ssm.c — state-space models: Mamba-1 (mamba) and Mamba-2 (mamba2)
 * counted tensor by tensor against the HF safetensors totals, their
 * per-sequence state (conv and recurrent, independent of length) in the
 * inference ledger and vLLM's pool (one MambaSpec block per request), and
 * the training ledger refusing what it does not model.
 *
 * REF HF transformers modeling_mamba.py (MambaMixer), modeling_mamba2.py
 * (Mamba2Mixer), configuration_mamba.py / configuration_mamba2.py; vLLM
 * model_executor/layers/mamba/mamba_utils.py (MambaStateShapeCalculator),
 * v1/kv_cache_interface.py (MambaSpec), model_executor/models/config.py
 * (MambaModelConfig: mamba_block_size = max_model_len). */
#include "harness.h"

#include "tmem/infer.h"
#include "tmem/read.h"
#include "tmem/train.h"

static void load_preset(const char *name, struct tmem_model *m, struct tmem_inventory *inv)
{
    tmem_test_load(name, m, inv); /* the preset's config.json, as a user's file */
    check_group_sum(inv);
}

/* One Mamba-1 layer (MambaBlock), d_inner = 2·d, N = 16, d_conv 4, r =
 * ceil(d / 16), no in/out bias, conv bias:
 *   norm         d
 *   in_proj      d · 2·d_inner
 *   conv1d       d_inner · 4 + d_inner (bias)
 *   x_proj       d_inner · (r + 2·16)
 *   dt_proj      r · d_inner + d_inner (bias)
 *   A_log        d_inner · 16
 *   D            d_inner
 *   out_proj     d_inner · d */
static uint64_t mamba_layer(uint64_t d)
{
    uint64_t di = 2 * d, r = (d + 15) / 16;
    return d + d * 2 * di + di * 4 + di + di * (r + 32) + r * di + di + di * 16 + di + di * d;
}

/* EVIDENCE: HF safetensors metadata totals of state-spaces/mamba-*-hf,
 * as listed in public code: 130m 129,135,360; 370m 371,516,416; 790m
 * 793,204,224; 1.4b 1,372,178,432; 2.8b 2,768,345,600 (the mamba_ssm
 * loader also prints "Number of parameters: 2768345600" for mamba-2.8b).
 * Model = L · layer + embeddings V · d (lm_head tied) + norm_f d, V 50280. */
static void mamba_counts_its_published_totals(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        uint64_t d, L, published;
    } rows[] = {
        {"mamba-130m", 768, 24, 129135360},   {"mamba-370m", 1024, 48, 371516416},
        {"mamba-790m", 1536, 48, 793204224},  {"mamba-1.4b", 2048, 48, 1372178432},
        {"mamba-2.8b", 2560, 64, 2768345600},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct tmem_model m;
        struct tmem_inventory inv;
        load_preset(rows[i].name, &m, &inv);
        assert_string_equal(tmem_family_info(m.family)->name, "mamba");
        uint64_t hand = rows[i].L * mamba_layer(rows[i].d) + U64(50280) * rows[i].d + rows[i].d;
        assert_int_equal(hand, rows[i].published);
        assert_int_equal(inv.total_params, hand);
        assert_int_equal(inv.active_params, hand);
        assert_int_equal(inv.group_params[TMEM_GROUP_ATTENTION], 0);
        assert_int_equal(inv.group_params[TMEM_GROUP_MLP], 0);
        assert_int_equal(inv.group_params[TMEM_GROUP_LM_HEAD], 0); /* tied */
    }
    /* mamba-130m spelled out: per layer 768 + 2,359,296 + 7,680 + 122,880 +
     * 75,264 + 24,576 + 1,536 + 1,179,648 = 3,771,648 */
    assert_int_equal(mamba_layer(768), U64(3771648));
}

/* state-spaces/mamba2-2.7b in Mamba2Config keys: d 2560, L 64, d_inner 5120,
 * 80 heads of 64, N 128, 1 group, d_conv 4, V 50288, tied. Per layer:
 *   norm          2560
 *   in_proj       2560 · (5120 z + 5376 xBC + 80 dt) = 2560 · 10576 = 27,074,560
 *   conv1d        5376 · 4 + 5376 (bias)               =     26,880
 *   dt_bias, A_log, D  3 · 80                          =        240
 *   gated norm    5120
 *   out_proj      5120 · 2560                          = 13,107,200
 *   per layer                                          = 40,216,560
 * 64 layers 2,573,859,840; embeddings 50288 · 2560 = 128,737,280; norm_f
 * 2560: 2,702,599,680. No exact published figure was found: the name's
 * 2.7B is the rounded one. */
static void mamba2_counts_by_hand(void **state)
{
    (void)state;
    struct tmem_model m;
    struct tmem_inventory inv;
    load_preset("mamba2-2.7b", &m, &inv);
    assert_string_equal(tmem_family_info(m.family)->name, "mamba2");
    assert_int_equal(m.ssm_n_head, 80);
    const uint64_t d = 2560, di = 5120, conv = di + 2 * 1 * 128;
    const uint64_t layer = d + d * (di + conv + 80) + conv * 4 + conv + 3 * 80 + di + di * d;
    assert_int_equal(layer, U64(40216560));
    const uint64_t total = 64 * layer + U64(50288) * d + d;
    assert_int_equal(total, U64(2702599680));
    assert_int_equal(inv.total_params, total);
    assert_true(inv.total_params > U64(2650000000) && inv.total_params < U64(2750000000));

    /* heads × head_dim must be d_inner (Mamba2Mixer) */
    struct tmem_model bad = m;
    bad.ssm_n_head = 81;
    struct tmem_model out;
    struct tmem_error err = {0};
    assert_int_equal(tmem_model_resolve(&bad, &out, &err), TMEM_ERR_INCONSISTENT);
    assert_string_equal(err.where, "ssm_n_head");
}

static struct tmem_infer_opts opts(const char *gpu, enum tmem_engine e)
{
    struct tmem_infer_opts o;
    tmem_infer_defaults(&o);
    o.gpu = tmem_gpu_find(gpu);
    assert_non_null(o.gpu);
    o.engine = e;
    return o;
}

/* The state of one sequence (vLLM MambaStateShapeCalculator, bf16):
 *   mamba-2.8b  64 · (3 · 5120 conv + 5120 · 16 ssm) · 2 B = 12,451,840
 *   mamba2-2.7b 64 · (3 · 5376 conv + 80 · 64 · 128 ssm) · 2 B = 85,950,464
 *   mamba2 at tp 2: d_inner 2560 per rank, the 1 group replicated to 2 so
 *   each rank keeps 1: conv 2560 + 2 · 128 = 2816;
 *   64 · (3 · 2816 + 2560 · 128) · 2 B = 43,024,384.
 * No KV per token (no attention layer), whatever the length. */
static void state_is_fixed_per_sequence(void **state)
{
    (void)state;
    struct tmem_model m;
    struct tmem_inventory inv;
    struct tmem_kv_layout kv;
    struct tmem_error err = {0};
    load_preset("mamba-2.8b", &m, &inv);
    assert_int_equal(tmem_kv_layout(&m, TMEM_KV_BF16, 1, 0, m.n_layer, &kv, &err), TMEM_OK);
    assert_int_equal(kv.bytes_per_token, 0);
    assert_int_equal(kv.ssm_layers, 64);
    assert_int_equal(kv.state_bytes_per_seq, U64(64) * (3 * 5120 + 5120 * 16) * 2);
    assert_int_equal(kv.state_bytes_per_seq, U64(12451840));
    assert_non_null(strstr(kv.state_formula, "d_state 16"));

    load_preset("mamba2-2.7b", &m, &inv);
    assert_int_equal(tmem_kv_layout(&m, TMEM_KV_BF16, 1, 0, m.n_layer, &kv, &err), TMEM_OK);
    assert_int_equal(kv.state_bytes_per_seq, U64(64) * (3 * 5376 + 80 * 64 * 128) * 2);
    assert_int_equal(kv.state_bytes_per_seq, U64(85950464));
    assert_int_equal(tmem_kv_layout(&m, TMEM_KV_BF16, 2, 0, m.n_layer, &kv, &err), TMEM_OK);
    assert_int_equal(kv.state_bytes_per_seq, U64(64) * (3 * 2816 + 2560 * 128) * 2);
    /* two pipeline stages of 32 layers: half each */
    assert_int_equal(tmem_kv_layout(&m, TMEM_KV_BF16, 1, 32, 32, &kv, &err), TMEM_OK);
    assert_int_equal(kv.state_bytes_per_seq, U64(85950464) / 2);

    /* HF: the KV bucket is b × state, the same for 640 and 64k tokens */
    load_preset("mamba-2.8b", &m, &inv);
    struct tmem_infer_opts o = opts("h100-sxm", TMEM_ENGINE_HF);
    o.batch = 8;
    struct tmem_infer_result r;
    assert_int_equal(tmem_infer_build(&m, &inv, &o, &r, &err), TMEM_OK);
    assert_int_equal(r.ledger.bucket_bytes[TMEM_BUCKET_KV_CACHE], 8 * U64(12451840));
    o.prompt_tokens = 65536;
    assert_int_equal(tmem_infer_build(&m, &inv, &o, &r, &err), TMEM_OK);
    assert_int_equal(r.ledger.bucket_bytes[TMEM_BUCKET_KV_CACHE], 8 * U64(12451840));

    /* vLLM: one block of the 64 layers' state per request; the pool holds
     * budget / block bytes of them, each a whole sequence */
    o = opts("h100-sxm", TMEM_ENGINE_VLLM);
    o.batch = 8;
    assert_int_equal(tmem_infer_build(&m, &inv, &o, &r, &err), TMEM_OK);
    assert_int_equal(r.blocks_per_seq, 1);
    assert_int_equal(r.block_bytes, U64(12451840));
    assert_int_equal(r.kv_request_bytes, 8 * U64(12451840));
    assert_int_equal(r.kv_blocks, r.kv_budget_bytes / U64(12451840));
    assert_int_equal(r.capacity_tokens, r.kv_blocks * (512 + 128));
    uint64_t conc = r.kv_blocks < o.max_num_seqs ? r.kv_blocks : o.max_num_seqs;
    assert_int_equal(r.max_concurrent_sequences, conc);
}

static void training_is_refused_not_guessed(void **state)
{
    (void)state;
    struct tmem_model m;
    struct tmem_inventory inv;
    struct tmem_train_opts o;
    tmem_train_opts_default(&o);
    struct tmem_error err = {0};
    /* Mamba-1 and Mamba-2 train (test_act.c mamba_130m_by_hand,
     * mamba2_2_7b_by_hand); a parallel split of the mixer is refused */
    load_preset("mamba-130m", &m, &inv);
    assert_int_equal(tmem_train_validate(&m, &o, &err), TMEM_OK);
    load_preset("mamba2-2.7b", &m, &inv);
    assert_int_equal(tmem_train_validate(&m, &o, &err), TMEM_OK);
    o.cp = 2;
    assert_int_equal(tmem_train_validate(&m, &o, &err), TMEM_ERR_UNSUPPORTED);
    assert_string_equal(err.where, "--cp");
    assert_non_null(strstr(err.msg, "state-space"));
}

/* a config with "time_step_rank": "auto" derives ceil(d / 16) and needs
 * no attention keys */
static void mamba_config_reads_auto_and_needs_no_heads(void **state)
{
    (void)state;
    const char *text = "{\"model_type\": \"mamba\", \"vocab_size\": 50280, \"hidden_size\": 768, "
                       "\"num_hidden_layers\": 24, \"time_step_rank\": \"auto\", "
                       "\"intermediate_size\": 1536}";
    struct tmem_model raw, m;
    struct tmem_inventory inv;
    struct tmem_error err = {0};
    assert_int_equal(tmem_hf_config_parse(text, strlen(text), "config.json", NULL, &raw, &err), TMEM_OK);
    assert_int_equal(tmem_model_resolve(&raw, &m, &err), TMEM_OK);
    assert_int_equal(m.ssm_dt_rank, 48);
    assert_int_equal(m.d_ff, 0); /* intermediate_size is the mixer's d_inner, no MLP */
    assert_int_equal(tmem_inventory_build(&m, &inv, &err), TMEM_OK);
    assert_int_equal(inv.total_params, U64(129135360));
    /* use_bias: in_proj.bias (2·d_inner) and out_proj.bias (d) in every layer */
    const char *biased = "{\"model_type\": \"mamba\", \"vocab_size\": 50280, \"hidden_size\": 768, "
                         "\"num_hidden_layers\": 24, \"use_bias\": true}";
    assert_int_equal(tmem_hf_config_parse(biased, strlen(biased), "config.json", NULL, &raw, &err), TMEM_OK);
    assert_int_equal(tmem_model_resolve(&raw, &m, &err), TMEM_OK);
    assert_int_equal(tmem_inventory_build(&m, &inv, &err), TMEM_OK);
    assert_int_equal(inv.total_params, U64(129135360) + 24 * (2 * 1536 + 768));
    /* a string other than "auto" is refused with its key */
    const char *bad = "{\"model_type\": \"mamba\", \"vocab_size\": 10, \"hidden_size\": 16, "
                      "\"num_hidden_layers\": 2, \"time_step_rank\": \"big\"}";
    assert_int_not_equal(tmem_hf_config_parse(bad, strlen(bad), "config.json", NULL, &raw, &err),
                         TMEM_OK);
    assert_non_null(strstr(err.where, "time_step_rank"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mamba_counts_its_published_totals),
        cmocka_unit_test(mamba2_counts_by_hand),
        cmocka_unit_test(state_is_fixed_per_sequence),
        cmocka_unit_test(training_is_refused_not_guessed),
        cmocka_unit_test(mamba_config_reads_auto_and_needs_no_heads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
