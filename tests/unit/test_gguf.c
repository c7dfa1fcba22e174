/* test_gguf.c — the GGUF reader against files written here from the spec
 * (ckpt_writer.h): v2 and v3, every metadata value type including nested
 * arrays, default and explicit alignment, quantized tensors; for llama,
 * qwen2, gemma, Mixtral (llama with experts), DeepSeek-V3 (deepseek2) and
 * GPT-2 the model read from the metadata must count exactly what
 * `tmem params` counts on the matching config.json, and the headers must
 * agree with it. Then the malformed-file suite, one case per rule, each
 * with its status, field and byte offset — from a file and from a buffer
 * of exactly the file's size (ASan catches any read past it). */
#define _XOPEN_SOURCE 700
#include "ckpt_writer.h"
#include "harness.h"

#include "tmem/checkpoint.h"
#include "reader.h"


static char root[64]; /* this test's scratch folder */

static int setup(void **state)
{
    (void)state;
    return ckw_scratch_dir(root, sizeof root, "tmem-gguf");
}

static int teardown(void **state)
{
    (void)state;
    return ckw_remove_tree(root);
}

static const char *path_in(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", root, name);
    return buf;
}

/* EVIDENCE: ggml.c type_traits[] block sizes: the reader's table (derived
 * from the block structs' fields) equals the writer's literal numbers */
static void ggml_type_table_matches_ggml(void **state)
{
    (void)state;
    unsigned known = 0;
    for (uint32_t t = 0; t < 64; t++) {
        uint64_t be, bb;
        bool w = ckw_ggml_block(t, &be, &bb);
        const struct tmem_block_type *ti = tmem_ckpt_type_info(TMEM_CKPT_GGUF, t);
        assert_int_equal(w, ti != NULL);
        if (!w)
            continue;
        assert_int_equal(ti->block_elems, be);
        assert_int_equal(ti->block_bytes, bb);
        known++;
    }
    assert_int_equal(known, 35);
    assert_string_equal(tmem_ckpt_type_info(TMEM_CKPT_GGUF, 12)->name, "Q4_K");
    assert_string_equal(tmem_ggml_type_problem(31), "removed from GGUF files");
    assert_string_equal(tmem_ggml_type_problem(99), "unknown");
}

static void model_of(struct tmem_ckpt *c, struct tmem_model *m)
{
    struct tmem_model raw;
    struct tmem_error err = {0};
    char notes[256];
    if (tmem_ckpt_model(c, &raw, notes, sizeof notes, &err) != TMEM_OK ||
        tmem_model_resolve(&raw, m, &err) != TMEM_OK)
        fail_msg("model: %s: %s", err.where, err.msg);
}

static void config_inventory(const struct ckw_model *m, struct tmem_model *out,
                             struct tmem_inventory *inv)
{
    char *cfg = ckw_config_json(m);
    struct tmem_model raw;
    struct tmem_error err = {0};
    if (tmem_hf_config_parse(cfg, strlen(cfg), "config.json", NULL, &raw, &err) != TMEM_OK ||
        tmem_model_resolve(&raw, out, &err) != TMEM_OK ||
        tmem_inventory_build(out, inv, &err) != TMEM_OK)
        fail_msg("config: %s: %s (%s)", err.where, err.msg, cfg);
    free(cfg);
}

/* Writes arch's GGUF for m, reads it back, and checks: tensors and bytes as
 * written, the metadata model's inventory = the config's, the check agrees. */
static void round_trip(const char *file, const char *arch, const struct ckw_model *m,
                       uint32_t version, uint32_t alignment, uint32_t wtype)
{
    char p[256];
    struct ckw_gguf g;
    ckw_gguf_begin(&g, version, alignment);
    ckw_gguf_model(&g, arch, m, wtype);
    uint64_t n_tensors = g.n_tensors, n_kv = g.n_kv, params = g.params, bytes = g.bytes;
    uint64_t size = ckw_gguf_write(&g, path_in(p, sizeof p, file));

    struct tmem_ckpt c;
    struct tmem_ckpt_summary s;
    struct tmem_error err = {0};
    if (tmem_ckpt_open(p, NULL, &c, &err) != TMEM_OK)
        fail_msg("%s: %s: %s", file, err.where, err.msg);
    assert_int_equal(tmem_ckpt_summarize(&c, &s, &err), TMEM_OK);
    assert_int_equal(c.format, TMEM_CKPT_GGUF);
    assert_int_equal(c.gguf_version, version);
    assert_int_equal(c.gguf_alignment, alignment ? alignment : 32);
    assert_int_equal(c.gguf_data_offset % c.gguf_alignment, 0);
    assert_int_equal(c.n_tensors, n_tensors);
    assert_int_equal(c.n_kv, n_kv);
    assert_int_equal(s.total_params, params);
    assert_int_equal(s.total_bytes, bytes);
    assert_int_equal(s.file_bytes, size);
    assert_int_equal(s.group_params[TMEM_CKPT_GROUP_OTHER], 0);

    struct tmem_model fm, gm;
    struct tmem_inventory inv, ginv;
    config_inventory(m, &fm, &inv);
    model_of(&c, &gm);
    assert_int_equal(tmem_inventory_build(&gm, &ginv, &err), TMEM_OK);
    assert_int_equal(gm.family, fm.family);
    assert_int_equal(ginv.total_params, inv.total_params);
    assert_int_equal(ginv.active_params, inv.active_params);
    for (int gr = 0; gr < TMEM_GROUP_COUNT; gr++) {
        assert_int_equal(ginv.group_params[gr], inv.group_params[gr]);
        assert_int_equal(s.group_params[gr], inv.group_params[gr]);
    }
    assert_int_equal(params, inv.total_params);
    struct tmem_ckpt_check chk;
    assert_int_equal(tmem_ckpt_check(&c, &s, &gm, "the GGUF metadata", &chk, &err), TMEM_OK);
    if (!chk.matches) {
        for (uint32_t i = 0; i < chk.n_lines; i++)
            print_message("    %s\n", chk.lines[i].text);
        fail_msg("%s: check differs", file);
    }
    print_message("  %-16s v%u, %llu tensors, %llu params, %.3f bits/weight = formula\n", file,
                  version, (unsigned long long)n_tensors, (unsigned long long)params,
                  s.bits_per_weight);
    tmem_ckpt_free(&c);
}

static const struct ckw_model llama = {.family = "llama", .V = 320, .d = 256, .L = 2,
                                       .n_head = 4, .n_kv = 2, .f = 512, .n_ctx = 4096};

/* EVIDENCE: gguf.md "If the alignment is not specified, assume it is 32";
 * the KV and tensor-info layouts of gguf_header_t / gguf_tensor_info_t */
static void llama_q4_k_v3_metadata_and_tensors(void **state)
{
    (void)state;
    round_trip("llama.gguf", "llama", &llama, 3, 0, CKW_Q4_K);
    round_trip("llama-v2-a64.gguf", "llama", &llama, 2, 64, CKW_Q8_0);

    char p[256];
    struct tmem_ckpt c;
    struct tmem_error err = {0};
    assert_int_equal(tmem_ckpt_open(path_in(p, sizeof p, "llama.gguf"), NULL, &c, &err), TMEM_OK);
    const struct tmem_ckpt_kv *kv = tmem_ckpt_kv_find(&c, "general.architecture");
    assert_non_null(kv);
    assert_int_equal(kv->type, TMEM_GGUF_STRING);
    assert_string_equal(kv->str, "llama");
    kv = tmem_ckpt_kv_find(&c, "llama.block_count");
    assert_int_equal(kv->type, TMEM_GGUF_UINT32);
    assert_int_equal(kv->v.u, 2);
    kv = tmem_ckpt_kv_find(&c, "llama.attention.layer_norm_rms_epsilon");
    assert_int_equal(kv->type, TMEM_GGUF_FLOAT32);
    assert_true(kv->v.f > 0.99e-5 && kv->v.f < 1.01e-5);
    kv = tmem_ckpt_kv_find(&c, "tokenizer.ggml.tokens");
    assert_int_equal(kv->type, TMEM_GGUF_ARRAY);
    assert_int_equal(kv->elem_type, TMEM_GGUF_STRING);
    assert_int_equal(kv->n_elems, 320);
    kv = tmem_ckpt_kv_find(&c, "test.nested_array");
    assert_int_equal(kv->elem_type, TMEM_GGUF_ARRAY);
    assert_int_equal(kv->n_elems, 2);
    kv = tmem_ckpt_kv_find(&c, "tokenizer.ggml.add_bos_token");
    assert_int_equal(kv->type, TMEM_GGUF_BOOL);
    assert_true(kv->v.b);
    /* blk.0.ffn_down: ne (512, 256) in Q4_K: 512·256/256 blocks of 144 bytes */
    int64_t i = tmem_ckpt_find(&c, "blk.0.ffn_down.weight");
    assert_true(i >= 0);
    assert_int_equal(c.tensors[i].n_dims, 2);
    assert_int_equal(c.tensors[i].dims[0], 512);
    assert_int_equal(c.tensors[i].dims[1], 256);
    assert_int_equal(c.tensors[i].type, 12);
    assert_int_equal(c.tensors[i].n_bytes, 512 * 256 / 256 * 144);
    assert_int_equal(c.tensors[i].group, TMEM_GROUP_MLP);
    assert_int_equal(c.tensors[i].layer, 0);
    assert_int_equal(c.tensors[i].offset % 32, 0);
    tmem_ckpt_free(&c);
}

static void qwen2_gemma_mixtral_deepseek_gpt2(void **state)
{
    (void)state;
    struct ckw_model qwen2 = {.family = "qwen2", .V = 300, .d = 256, .L = 2, .n_head = 8,
                              .n_kv = 2, .f = 768, .n_ctx = 32768, .qkv_bias = true};
    round_trip("qwen2.gguf", "qwen2", &qwen2, 3, 0, CKW_Q6_K);
    /* Gemma: head_dim 256 with d_model 256·... and tied embeddings */
    struct ckw_model gemma = {.family = "gemma", .V = 256, .d = 256, .L = 2, .n_head = 2,
                              .n_kv = 1, .d_head = 256, .f = 1024, .n_ctx = 8192, .tied = true};
    round_trip("gemma.gguf", "gemma", &gemma, 3, 0, CKW_BF16);
    /* llama.cpp stores Mixtral as llama with expert_count */
    struct ckw_model mixtral = {.family = "mixtral", .V = 300, .d = 256, .L = 2, .n_head = 4,
                                .n_kv = 1, .f = 512, .n_ctx = 32768, .E = 4, .E_used = 2,
                                .f_e = 512, .sparse_moe = true};
    round_trip("mixtral.gguf", "llama", &mixtral, 3, 0, CKW_Q4_0);
    struct ckw_model dsv3 = {.family = "deepseek_v3", .V = 300, .d = 256, .L = 3, .n_head = 4,
                             .n_kv = 4, .f = 512, .n_ctx = 4096, .E = 8, .E_used = 2,
                             .f_e = 256, .f_sh = 256, .first_dense = 1, .router_bias = true,
                             .q_lora = 256, .kv_lora = 256, .nope = 64, .rope = 32,
                             .v_head = 64};
    round_trip("dsv3.gguf", "deepseek2", &dsv3, 3, 0, CKW_Q8_0);
    struct ckw_model gpt2 = {.family = "gpt2", .V = 300, .d = 256, .L = 2, .n_head = 4,
                             .n_kv = 4, .f = 1024, .n_ctx = 1024, .tied = true};
    round_trip("gpt2.gguf", "gpt2", &gpt2, 3, 0, CKW_F16);
}

/* A GGUF is a MODEL on its own: tmem_model_load reads its metadata. */
static void gguf_is_a_model_argument(void **state)
{
    (void)state;
    char p[256];
    struct tmem_model raw, m, fm;
    struct tmem_inventory inv, finv;
    struct tmem_error err = {0};
    assert_int_equal(tmem_model_load(path_in(p, sizeof p, "llama.gguf"), NULL, &raw, &err), TMEM_OK);
    assert_string_equal(raw.name, "tiny test model");
    assert_int_equal(tmem_model_resolve(&raw, &m, &err), TMEM_OK);
    assert_int_equal(tmem_inventory_build(&m, &inv, &err), TMEM_OK);
    config_inventory(&llama, &fm, &finv);
    assert_int_equal(inv.total_params, finv.total_params);
    assert_int_equal(m.n_kv_head, 2);
    assert_int_equal(m.n_ctx, 4096);
    /* an architecture without a family is one clear error */
    struct ckw_gguf g;
    ckw_gguf_begin(&g, 3, 0);
    ckw_kv_str(&g, "general.architecture", "rwkv6");
    ckw_gguf_write(&g, path_in(p, sizeof p, "rwkv6.gguf"));
    assert_int_equal(tmem_model_load(p, NULL, &raw, &err), TMEM_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.where, "rwkv6.gguf:general.architecture"));
    assert_non_null(strstr(err.msg, "'rwkv6' has no tmem family"));
}

/* Reads file back: its header totals, the family the metadata names, the
 * model's inventory and the check against it. */
static void read_back(const char *file, const char *family, uint64_t params, uint64_t want,
                      struct tmem_model *gm, struct tmem_inventory *inv)
{
    char p[256];
    struct tmem_ckpt c;
    struct tmem_ckpt_summary s;
    struct tmem_error err = {0};
    if (tmem_ckpt_open(path_in(p, sizeof p, file), NULL, &c, &err) != TMEM_OK)
        fail_msg("%s: %s: %s", file, err.where, err.msg);
    assert_int_equal(tmem_ckpt_summarize(&c, &s, &err), TMEM_OK);
    assert_int_equal(s.total_params, params);
    assert_int_equal(s.total_params, want);
    assert_int_equal(s.group_params[TMEM_CKPT_GROUP_OTHER], 0);
    model_of(&c, gm);
    assert_string_equal(tmem_family_info(gm->family)->name, family);
    assert_int_equal(tmem_inventory_build(gm, inv, &err), TMEM_OK);
    assert_int_equal(inv->total_params, want);
    for (int gr = 0; gr < TMEM_GROUP_COUNT; gr++)
        assert_int_equal(s.group_params[gr], inv->group_params[gr]);
    struct tmem_ckpt_check chk;
    assert_int_equal(tmem_ckpt_check(&c, &s, gm, "the GGUF metadata", &chk, &err), TMEM_OK);
    bool said_head = false; /* the head line says what the file has */
    for (uint32_t i = 0; i < chk.n_lines; i++)
        said_head |= strstr(chk.lines[i].text, gm->encoder ? "no head: the encoder's last hidden"
                                               : gm->tied  ? "tied embeddings"
                                                           : "lm_head: its own tensor") != NULL;
    assert_true(said_head);
    if (!chk.matches) {
        for (uint32_t i = 0; i < chk.n_lines; i++)
            print_message("    %s\n", chk.lines[i].text);
        fail_msg("%s: check differs", file);
    }
    print_message("  %-16s %llu tensors, %llu params = formula\n", file,
                  (unsigned long long)c.n_tensors, (unsigned long long)s.total_params);
    tmem_ckpt_free(&c);
}

/* llama.cpp's "mamba", "mamba2" and "bert" GGUFs at the published
 * checkpoints' shapes (ckpt_writer.h ckw_gguf_ssm / ckw_gguf_bert: the
 * names and shapes of llama-model.cpp LLM_ARCH_MAMBA, MAMBA2, BERT).
 *
 * EVIDENCE: state-spaces/mamba-130m-hf, HF safetensors total 129,135,360
 * (test_ssm.c): d 768, 24 layers, d_inner 1536, N 16, d_conv 4, dt_rank 48,
 * V 50280, tied. Per layer: attn_norm 768 + ssm_in 768·3072 (2,359,296) +
 * ssm_conv1d 4·1536 + 1536 (7,680) + ssm_x 1536·80 (122,880) + ssm_dt
 * 48·1536 + 1536 (75,264) + ssm_a 16·1536 (24,576) + ssm_d 1536 + ssm_out
 * 1536·768 (1,179,648) = 3,771,648; 24 · 3,771,648 = 90,519,552 +
 * token_embd 50280·768 (38,615,040) + output_norm 768 = 129,135,360.
 *
 * state-spaces/mamba2-2.7b (test_ssm.c's hand count, no exact published
 * figure): d 2560, 64 layers, d_inner 5120, 80 heads, 1 group, N 128, V
 * 50288, tied: per layer 2560 + 2560·(5120 + 5376 + 80) + 5376·4 + 5376 +
 * 3·80 + 5120 + 5120·2560 = 40,216,560; 64 · that + 50288·2560 + 2560 =
 * 2,702,599,680.
 *
 * bert-base-uncased: BertModel 109,482,240 (test_encoders.c: the published
 * count) less the pooler convert_hf_to_gguf.py drops (768·768 + 768 =
 * 590,592) = 108,891,648. By hand: token_embd 30522·768 (23,440,896) +
 * position_embd 512·768 (393,216) + token_types 2·768 + token_embd_norm
 * 2·768 = 23,837,184; per layer attn_q/k/v/output 4·(768·768 + 768)
 * (2,362,368) + ffn_up 768·3072 + 3072 (2,362,368) + ffn_down 3072·768 +
 * 768 (2,360,064) + two LayerNorms 4·768 (3,072) = 7,087,872; 12 layers
 * 85,054,464; total 108,891,648. */
static void mamba_mamba2_bert_ggufs_count_their_checkpoints(void **state)
{
    (void)state;
    char p[256];
    struct tmem_model m;
    struct tmem_inventory inv;
    struct ckw_gguf g;

    const struct ckw_ssm m130 = {.V = 50280, .d = 768, .L = 24, .d_inner = 1536, .d_state = 16,
                                 .d_conv = 4, .dt_rank = 48, .tied = true};
    ckw_gguf_begin(&g, 3, 0);
    ckw_gguf_ssm(&g, &m130);
    uint64_t params = g.params;
    ckw_gguf_write(&g, path_in(p, sizeof p, "mamba-130m.gguf"));
    const uint64_t layer = 768 + 2359296 + 7680 + 122880 + 75264 + 24576 + 1536 + 1179648;
    assert_int_equal(layer, 3771648);
    assert_int_equal(24 * layer + U64(50280) * 768 + 768, U64(129135360));
    read_back("mamba-130m.gguf", "mamba", params, U64(129135360), &m, &inv);
    assert_int_equal(m.ssm_dt_rank, 48);
    assert_int_equal(m.ssm_d_inner, 1536);
    assert_int_equal(m.ssm_d_state, 16);
    assert_int_equal(inv.group_params[TMEM_GROUP_SSM], 24 * (layer - 768));
    assert_int_equal(inv.group_params[TMEM_GROUP_ATTENTION], 0);
    assert_int_equal(inv.group_params[TMEM_GROUP_LM_HEAD], 0); /* tied */

    const struct ckw_ssm m2 = {.V = 50288, .d = 2560, .L = 64, .d_inner = 5120, .d_state = 128,
                               .d_conv = 4, .n_ssm_head = 80, .n_group = 1, .tied = true};
    ckw_gguf_begin(&g, 3, 0);
    ckw_gguf_ssm(&g, &m2);
    params = g.params;
    ckw_gguf_write(&g, path_in(p, sizeof p, "mamba2-2.7b.gguf"));
    const uint64_t layer2 = 2560 + U64(2560) * (5120 + 5376 + 80) + 5376 * 4 + 5376 + 3 * 80 +
                            5120 + U64(5120) * 2560;
    assert_int_equal(layer2, U64(40216560));
    read_back("mamba2-2.7b.gguf", "mamba2", params, U64(2702599680), &m, &inv);
    assert_int_equal(m.ssm_n_head, 80);
    assert_int_equal(m.ssm_d_head, 64);
    assert_int_equal(m.ssm_n_group, 1);

    ckw_gguf_begin(&g, 3, 0);
    ckw_gguf_bert(&g, 30522, 768, 12, 12, 3072, 512, 2);
    params = g.params;
    ckw_gguf_write(&g, path_in(p, sizeof p, "bert-base.gguf"));
    const uint64_t embed = U64(30522) * 768 + 512 * 768 + 2 * 768 + 2 * 768;
    const uint64_t blayer = 4 * (768 * 768 + 768) + (768 * 3072 + 3072) + (3072 * 768 + 768) + 4 * 768;
    assert_int_equal(embed, 23837184);
    assert_int_equal(blayer, 7087872);
    assert_int_equal(embed + 12 * blayer, U64(109482240) - (768 * 768 + 768));
    read_back("bert-base.gguf", "bert", params, U64(108891648), &m, &inv);
    assert_int_equal(m.n_type_vocab, 2);
    assert_int_equal(m.n_ctx, 512);
    assert_int_equal(m.head, TMEM_HEAD_NONE);
    assert_int_equal(m.norm, TMEM_NORM_LAYERNORM);
    assert_int_equal(m.n_norm_per_layer, 2);
}

/* llama.cpp's hybrids at the published checkpoints' shapes (ckpt_writer.h
 * ckw_gguf_hybrid: the keys and tensors convert_hf_to_gguf.py writes and
 * llama-model.cpp LLM_ARCH_JAMBA, GRANITE_HYBRID, FALCON_H1, QWEN3NEXT
 * loads). Each file's header total is the published figure, and the model
 * read from its metadata and tensor names counts it exactly.
 *
 * EVIDENCE (test_hybrid.c has each figure and its source):
 * Jamba-v0.1 51,570,323,328 (safetensors index total_size 103,140,646,656
 * B / 2): d 4096, 32 layers, attention (32 heads, 8 KV of 128) at i % 8 ==
 * 4, Mamba-1 (d_inner 8192, r 256, N 16, conv 4 + bias, dt/B/C norms)
 * elsewhere, MoE (16 experts of 14336) at odd layers, dense MLP 14336 at
 * even, V 65536 untied. By hand: 2·65536·4096 + 4096 + 32·2·4096 +
 * 4·(4096·4096 + 2·4096·1024 + 4096·4096) + 28·(4096·16384 + 8192·4 + 8192
 * + 8192·288 + 256·8192 + 8192 + 8192·16 + 8192 + 256 + 16 + 16 +
 * 8192·4096) + 16·3·4096·14336 + 16·(4096·16 + 16·3·4096·14336).
 *
 * granite-4.0-h-tiny 6,939,037,248 (HF safetensors metadata): d 1536, 40
 * layers, attention (12 heads, 4 KV of 128) at 5, 15, 25, 35, Mamba-2
 * (d_inner 3072 = 48 heads of 64, 1 group, N 128) elsewhere, every layer
 * 64 experts of 512 + a shared MLP of 1024, V 100352 tied: 100352·1536 +
 * 80·1536 + 1536 + 4·(2·1536·1536 + 2·1536·512) + 36·(1536·(3072 + 3328 +
 * 48) + 4·3328 + 3328 + 3·48 + 3072 + 3072·1536) + 40·(1536·64 +
 * 64·3·1536·512 + 3·1536·1024). granite-4.0-h-micro 3,191,396,096 (GGUF
 * general.parameter_count): d 2048, 32 / 8 heads, 64 SSM heads, no experts,
 * dense MLP 8192.
 *
 * Falcon-H1-1.5B 1,554,863,488 (sum of FalconH1ForCausalLM's numel): d
 * 2048, 24 layers each with attention (8 heads, 2 KV of 128) beside a
 * Mamba-2 mixer (d_ssm 3072 = 48 heads, 1 group, N 256, gated norm), MLP
 * 4608, V 65537 untied: 24·(2048·1024 + 2·2048·256 + 1024·2048 +
 * 2048·(3072 + 3584 + 48) + 3584·4 + 3584 + 3·48 + 3072 + 3072·2048 +
 * 3·2048·4608 + 2·2048) + 2·65537·2048 + 2048.
 *
 * Qwen3-Next (Qwen3-Coder-Next) 79,674,391,296 (HF total): d 2048, 48
 * layers, gated attention (16 heads of 256, 2 KV, q/k norms) at (i + 1) %
 * 4 == 0, Gated DeltaNet (32 value heads of 128, 16 key heads of 128,
 * conv 4) elsewhere, every layer 512 experts of 512 + a gated shared
 * expert of 512, V 151936 untied: 2·151936·2048 + 96·2048 + 2048 +
 * 12·(2048·8192 + 2·2048·512 + 4096·2048 + 2·256) + 36·(2048·8192 +
 * 2048·4096 + 2048·64 + 8192·4 + 2·32 + 128 + 4096·2048) + 48·(2048·512 +
 * 2048 + 512·3·2048·512 + 3·2048·512). */
static void hybrid_ggufs_count_their_checkpoints(void **state)
{
    (void)state;
    char p[256];
    struct tmem_model m;
    static struct tmem_inventory inv;
    struct ckw_gguf g;

    const struct ckw_hybrid jamba = {
        .arch = "jamba", .norm2 = "ffn_norm", .V = 65536, .d = 4096, .L = 32, .n_head = 32,
        .n_kv = 8, .dh = 128, .attn_step = 8, .attn_offset = 4, .kv_per_layer = true,
        .mixer = CKW_MAMBA1, .di = 8192, .N = 16, .d_conv = 4, .dt_rank = 256,
        .ff_key = 14336, .f = 14336, .E = 16, .E_used = 2, .fe = 14336, .moe_step = 2,
        .moe_offset = 1};
    ckw_gguf_begin(&g, 3, 0);
    ckw_gguf_hybrid(&g, &jamba);
    uint64_t params = g.params;
    ckw_gguf_write(&g, path_in(p, sizeof p, "jamba-v0.1.gguf"));
    const uint64_t jattn = U64(4096) * 4096 + 2 * 4096 * 1024 + U64(4096) * 4096;
    const uint64_t jmamba = U64(4096) * 16384 + 8192 * 4 + 8192 + 8192 * 288 + 256 * 8192 + 8192 +
                            8192 * 16 + 8192 + 256 + 16 + 16 + U64(8192) * 4096;
    const uint64_t jmlp = 3 * U64(4096) * 14336;
    assert_int_equal(2 * U64(65536) * 4096 + 4096 + 32 * 2 * 4096 + 4 * jattn + 28 * jmamba +
                         16 * jmlp + 16 * (4096 * 16 + 16 * jmlp),
                     U64(103140646656) / 2);
    read_back("jamba-v0.1.gguf", "jamba", params, U64(51570323328), &m, &inv);
    assert_int_equal(m.attn_layer_step, 8); /* the period from head_count_kv */
    assert_int_equal(m.attn_layer_offset, 4);
    assert_int_equal(m.n_kv_head, 8);
    assert_int_equal(m.d_head, 128);
    assert_true(m.ssm_xbc_norms);
    assert_int_equal(tmem_model_moe_layers(&m), 16);
    assert_int_equal(tmem_model_moe_layers_in(&m, 1, 2), 1);
    assert_int_equal(tmem_model_moe_layers_in(&m, 2, 3), 0);
    assert_int_equal(inv.group_params[TMEM_GROUP_ATTENTION], 4 * jattn);
    assert_int_equal(inv.group_params[TMEM_GROUP_SSM], 28 * jmamba);
    assert_int_equal(inv.group_params[TMEM_GROUP_MLP], 16 * jmlp);

    static const struct {
        const char *file;
        uint64_t d, n_head, n_kv, E, k, f, fs, H, published;
    } granites[] = {
        {"granite-4.0-h-tiny.gguf", 1536, 12, 4, 64, 6, 512, 1024, 48, U64(6939037248)},
        {"granite-4.0-h-micro.gguf", 2048, 32, 8, 0, 0, 8192, 8192, 64, U64(3191396096)},
    };
    for (size_t i = 0; i < sizeof granites / sizeof granites[0]; i++) {
        const uint64_t d = granites[i].d, H = granites[i].H, E = granites[i].E;
        const struct ckw_hybrid gr = {
            .arch = "granitehybrid", .norm2 = "ffn_norm", .V = 100352, .d = d, .L = 40,
            .n_head = granites[i].n_head, .n_kv = granites[i].n_kv, .dh = d / granites[i].n_head,
            .attn_step = 10, .attn_offset = 5, .kv_per_layer = true, .mixer = CKW_MAMBA2,
            .di = 2 * d, .N = 128, .d_conv = 4, .H = H, .G = 1, .ssm_norm = true,
            /* feed_forward_length is intermediate_size: the experts' width */
            .ff_key = granites[i].f, .f = granites[i].fs, .E = E, .E_used = granites[i].k,
            .fe = granites[i].f, .fs = E ? granites[i].fs : 0, .fs_key = E > 0, .moe_step = 1,
            .tied = true};
        ckw_gguf_begin(&g, 3, 0);
        ckw_gguf_hybrid(&g, &gr);
        /* EVIDENCE: gguf-dump of granite-4.0-h-tiny-Q4_0.gguf (quoted in
         * public notes): "GGUF.tensor_count = 666" */
        if (E) {
            assert_int_equal(g.n_tensors, 666);
            /* the fixture's file is this one */
            assert_int_equal(ckw_granite_h_tiny.d, gr.d);
            assert_int_equal(ckw_granite_h_tiny.E, gr.E);
            assert_int_equal(ckw_granite_h_tiny.fe, gr.fe);
            assert_int_equal(ckw_granite_h_tiny.fs, gr.fs);
            assert_int_equal(ckw_granite_h_tiny.H, gr.H);
        }
        params = g.params;
        ckw_gguf_write(&g, path_in(p, sizeof p, granites[i].file));
        const uint64_t di = 2 * d, conv = di + 2 * 128, dh = d / granites[i].n_head;
        const uint64_t attn = 2 * d * granites[i].n_head * dh + 2 * d * granites[i].n_kv * dh;
        const uint64_t mamba = d * (di + conv + H) + 4 * conv + conv + 3 * H + di + di * d;
        const uint64_t ffn = E ? d * E + E * 3 * d * granites[i].f + 3 * d * granites[i].fs
                               : 3 * d * granites[i].fs;
        assert_int_equal(U64(100352) * d + 80 * d + d + 4 * attn + 36 * mamba + 40 * ffn,
                         granites[i].published);
        read_back(granites[i].file, "granitemoehybrid", params, granites[i].published, &m, &inv);
        assert_int_equal(tmem_model_attn_layers_in(&m, 0, 40), 4);
        assert_int_equal(tmem_model_attn_layers_in(&m, 35, 36), 1);
        assert_int_equal(m.ssm_n_head, H);
        assert_int_equal(m.ssm_d_head, 64);
        assert_int_equal(inv.group_params[TMEM_GROUP_SSM], 36 * mamba);
        assert_int_equal(inv.group_params[TMEM_GROUP_ATTENTION], 4 * attn);
    }

    const struct ckw_hybrid falcon = {
        .arch = "falcon-h1", .norm2 = "ffn_norm", .V = 65537, .d = 2048, .L = 24, .n_head = 8,
        .n_kv = 2, .dh = 128, .key_length = 128, .attn_step = 1, .parallel = true,
        .mixer = CKW_MAMBA2, .di = 3072, .N = 256, .d_conv = 4, .H = 48, .G = 1, .ssm_norm = true,
        .ff_key = 4608, .f = 4608};
    ckw_gguf_begin(&g, 3, 0);
    ckw_gguf_hybrid(&g, &falcon);
    assert_int_equal(g.n_tensors, 411); /* FalconH1ForCausalLM's 411 tensors, one for one */
    params = g.params;
    ckw_gguf_write(&g, path_in(p, sizeof p, "falcon-h1-1.5b.gguf"));
    const uint64_t flayer = 2048 * 1024 + 2 * 2048 * 256 + 1024 * 2048 + 2048 * (3072 + 3584 + 48) +
                            3584 * 4 + 3584 + 3 * 48 + 3072 + 3072 * 2048 + 3 * 2048 * 4608 + 2 * 2048;
    assert_int_equal(24 * flayer + 2 * U64(65537) * 2048 + 2048, U64(1554863488));
    read_back("falcon-h1-1.5b.gguf", "falcon_h1", params, U64(1554863488), &m, &inv);
    assert_true(m.hybrid_parallel);
    assert_false(m.ssm_no_norm); /* ssm_norm is in the file */
    assert_int_equal(tmem_model_attn_layers_in(&m, 0, 24), 24);
    assert_int_equal(tmem_model_ssm_layers_in(&m, 0, 24), 24);

    const struct ckw_hybrid qwen = ckw_qwen3_next;
    ckw_gguf_begin(&g, 3, 0);
    ckw_gguf_hybrid(&g, &qwen);
    params = g.params;
    ckw_gguf_write(&g, path_in(p, sizeof p, "qwen3-next.gguf"));
    const uint64_t qattn = 2048 * 8192 + 2 * 2048 * 512 + 4096 * 2048 + 2 * 256;
    const uint64_t qgdn = 2048 * 8192 + 2048 * 4096 + 2048 * 64 + 8192 * 4 + 2 * 32 + 128 + 4096 * 2048;
    const uint64_t qmoe = 2048 * 512 + 2048 + 512 * 3 * U64(2048) * 512 + 3 * 2048 * 512;
    assert_int_equal(2 * U64(151936) * 2048 + 96 * 2048 + 2048 + 12 * qattn + 36 * qgdn + 48 * qmoe,
                     U64(79674391296));
    read_back("qwen3-next.gguf", "qwen3_next", params, U64(79674391296), &m, &inv);
    assert_int_equal(m.attn_layer_step, 4); /* full_attention_interval */
    assert_int_equal(m.attn_layer_offset, 3);
    assert_int_equal(m.ssm_n_head, 32);
    assert_int_equal(m.ssm_n_group, 16);
    assert_int_equal(m.ssm_d_head, 128);
    assert_true(m.qk_norm);
    assert_true(m.shared_expert_gate);
    /* the linear layers' attn_qkv / attn_gate are the SSM mixer's */
    assert_int_equal(inv.group_params[TMEM_GROUP_SSM], 36 * qgdn);
    assert_int_equal(inv.group_params[TMEM_GROUP_ATTENTION], 12 * (qattn - 2 * 256));
}

/* A hybrid's per-layer head_count_kv must cover block_count and name one
 * KV-head count; a family without per-layer mixers refuses the array. */
static void hybrid_gguf_per_layer_keys_are_checked(void **state)
{
    (void)state;
    char p[256];
    struct tmem_model raw;
    struct tmem_error err = {0};
    struct ckw_gguf g;
    static const uint64_t short_kv[3] = {0, 8, 0}, mixed_kv[4] = {0, 8, 0, 4};
    static const struct {
        const char *arch, *file;
        const uint64_t *kv;
        uint64_t n;
        enum tmem_status code;
        const char *msg;
    } cases[] = {
        {"jamba", "short.gguf", short_kv, 3, TMEM_ERR_INCONSISTENT,
         "has 3 per-layer values but block_count is 4"},
        {"jamba", "mixed.gguf", mixed_kv, 4, TMEM_ERR_UNSUPPORTED,
         "layer 3 has 4 KV heads but layer 1 has 8"},
        {"llama", "llama.gguf", mixed_kv, 4, TMEM_ERR_UNSUPPORTED,
         "per-layer values (an array of 4) are not supported"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char k[96];
        ckw_gguf_begin(&g, 3, 0);
        ckw_kv_str(&g, "general.architecture", cases[i].arch);
#define KEY(s) (snprintf(k, sizeof k, "%s.%s", cases[i].arch, s), k)
        ckw_kv_u32(&g, KEY("embedding_length"), 64);
        ckw_kv_u32(&g, KEY("block_count"), 4);
        ckw_kv_u32(&g, KEY("attention.head_count"), 8);
        ckw_kv_i32_list(&g, KEY("attention.head_count_kv"), cases[i].kv, cases[i].n);
        ckw_kv_u32(&g, KEY("ssm.conv_kernel"), 4);
        ckw_kv_u32(&g, KEY("ssm.inner_size"), 128);
        ckw_kv_u32(&g, KEY("ssm.state_size"), 16);
        ckw_kv_u32(&g, KEY("ssm.time_step_rank"), 4);
#undef KEY
        ckw_gguf_write(&g, path_in(p, sizeof p, cases[i].file));
        assert_int_equal(tmem_model_load(p, NULL, &raw, &err), cases[i].code);
        assert_non_null(strstr(err.where, "attention.head_count_kv"));
        if (strstr(err.msg, cases[i].msg) == NULL)
            fail_msg("%s: '%s' lacks '%s'", cases[i].file, err.msg, cases[i].msg);
    }
}

/* ----------------------------------------------------------- malformed */

struct bad {
    const char *what;
    enum tmem_status code;
    const char *field; /* err.where ends with ":<field>" */
    uint64_t offset;
};

static void check_err(const struct bad *b, enum tmem_status st, const struct tmem_error *err)
{
    if (st != b->code)
        fail_msg("%s: expected %s, got %s (%s: %s)", b->what, tmem_status_name(b->code),
                 tmem_status_name(st), err->where, err->msg);
    size_t lw = strlen(err->where), lf = strlen(b->field);
    if (lw <= lf || strcmp(err->where + lw - lf, b->field) != 0 || err->where[lw - lf - 1] != ':')
        fail_msg("%s: where is '%s', want '<file>:%s'", b->what, err->where, b->field);
    if (err->offset != b->offset)
        fail_msg("%s: offset %llu, want %llu (%s)", b->what, (unsigned long long)err->offset,
                 (unsigned long long)b->offset, err->msg);
    char at[48];
    snprintf(at, sizeof at, "at byte %llu: ", (unsigned long long)b->offset);
    if (strncmp(err->msg, at, strlen(at)) != 0)
        fail_msg("%s: message '%s' lacks '%s'", b->what, err->msg, at);
}

/* the bytes as a file (extended to file_bytes) and as an exact buffer */
static void expect_bad(const struct ckw_buf *bytes, uint64_t file_bytes, const struct bad *b)
{
    char p[256];
    path_in(p, sizeof p, "bad.gguf");
    ckw_write_file(p, bytes->p, bytes->len, file_bytes ? file_bytes : bytes->len);
    struct tmem_ckpt c;
    struct tmem_error err = {0};
    check_err(b, tmem_ckpt_open(p, NULL, &c, &err), &err);
    tmem_ckpt_free(&c);
    if (file_bytes == 0 || file_bytes == bytes->len) {
        unsigned char *exact = malloc(bytes->len ? bytes->len : 1);
        memcpy(exact, bytes->p, bytes->len);
        check_err(b, tmem_gguf_parse_buffer(exact, bytes->len, "bad.gguf", NULL, &c, &err), &err);
        tmem_ckpt_free(&c);
        free(exact);
    }
}

/* header: magic, version, tensor_count, kv_count */
static void head(struct ckw_buf *b, uint32_t version, uint64_t n_tensors, uint64_t n_kv)
{
    memset(b, 0, sizeof *b);
    ckw_put(b, "GGUF", 4);
    ckw_u32(b, version);
    ckw_u64(b, n_tensors);
    ckw_u64(b, n_kv);
}

/* one tensor info: name, dims, type, offset */
static void info(struct ckw_buf *b, const char *name, uint32_t n_dims, const uint64_t *ne,
                 uint32_t type, uint64_t offset)
{
    ckw_str(b, name);
    ckw_u32(b, n_dims);
    for (uint32_t i = 0; i < n_dims; i++)
        ckw_u64(b, ne[i]);
    ckw_u32(b, type);
    ckw_u64(b, offset);
}

/* EVIDENCE: llama.cpp tests/test-gguf.cpp handcrafted_file_type: bad magic,
 * bad version, n_tensors/n_kv too large, bad key and value types, bad
 * alignment, n_dims too large, bad ggml type, duplicate keys and names,
 * bad offsets; gguf.cpp's checks of each */
static void malformed_files_name_field_and_offset(void **state)
{
    (void)state;
    struct ckw_buf b;
    unsigned n = 0;
    const uint64_t ne32[1] = {32};

    memset(&b, 0, sizeof b);
    ckw_put(&b, "GGUX", 4);
    ckw_u32(&b, 3);
    expect_bad(&b, 0, &(struct bad){"wrong magic", TMEM_ERR_BAD_MAGIC, "magic", 0});
    ckw_free(&b);
    n++;

    memset(&b, 0, sizeof b);
    ckw_put(&b, "GG", 2);
    expect_bad(&b, 0, &(struct bad){"shorter than the magic", TMEM_ERR_TRUNCATED, "magic", 0});
    ckw_free(&b);
    n++;

    static const uint32_t versions[] = {1, 4, 0x03000000u, 0};
    for (size_t i = 0; i < 4; i++) {
        head(&b, versions[i], 0, 0);
        expect_bad(&b, 0, &(struct bad){"unsupported version", TMEM_ERR_UNSUPPORTED, "version", 4});
        ckw_free(&b);
        n++;
    }

    head(&b, 3, 0, 0);
    b.len = 20; /* kv_count cut short */
    expect_bad(&b, 0, &(struct bad){"header cut short", TMEM_ERR_TRUNCATED, "kv_count", 16});
    ckw_free(&b);
    n++;

    head(&b, 3, UINT64_MAX, 0);
    expect_bad(&b, 0, &(struct bad){"tensor_count over the cap", TMEM_ERR_LIMIT, "tensor_count", 8});
    ckw_free(&b);
    n++;

    head(&b, 3, 1000, 0);
    expect_bad(&b, 0, &(struct bad){"tensor_count larger than the file", TMEM_ERR_TRUNCATED,
                                    "tensor_count", 8});
    ckw_free(&b);
    n++;

    head(&b, 3, 0, UINT64_MAX);
    expect_bad(&b, 0, &(struct bad){"kv_count over the cap", TMEM_ERR_LIMIT, "kv_count", 16});
    ckw_free(&b);
    n++;

    head(&b, 3, 0, 500);
    expect_bad(&b, 0, &(struct bad){"kv_count larger than the file", TMEM_ERR_TRUNCATED,
                                    "kv_count", 16});
    ckw_free(&b);
    n++;

    head(&b, 3, 0, 1);
    ckw_u64(&b, 1000); /* key length */
    ckw_put(&b, "abcde", 5);
    expect_bad(&b, 0, &(struct bad){"key length past the end", TMEM_ERR_TRUNCATED, "kv[0].key", 24});
    ckw_free(&b);
    n++;

    head(&b, 3, 0, 1);
    ckw_u64(&b, 70000);
    for (int i = 0; i < 70000; i++)
        ckw_u8(&b, 'a');
    expect_bad(&b, 0, &(struct bad){"key longer than 65535", TMEM_ERR_LIMIT, "kv[0].key", 24});
    ckw_free(&b);
    n++;

    head(&b, 3, 0, 1);
    ckw_u64(&b, 0);
    ckw_u32(&b, 4);
    ckw_u32(&b, 1);
    expect_bad(&b, 0, &(struct bad){"empty key", TMEM_ERR_SCHEMA, "kv[0].key", 24});
    ckw_free(&b);
    n++;

    head(&b, 3, 0, 1);
    ckw_str(&b, "general.name");
    ckw_u32(&b, 8);
    ckw_u64(&b, 1u << 20);
    ckw_put(&b, "tiny", 4);
    expect_bad(&b, 0, &(struct bad){"string value past the end", TMEM_ERR_TRUNCATED, "general.name",
                                    24 + 8 + 12 + 4});
    ckw_free(&b);
    n++;

    head(&b, 3, 0, 1);
    ckw_str(&b, "x.y");
    ckw_u32(&b, 13);
    ckw_u32(&b, 0);
    expect_bad(&b, 0, &(struct bad){"unknown value type", TMEM_ERR_UNSUPPORTED, "x.y", 24 + 11 + 4});
    ckw_free(&b);
    n++;

    head(&b, 3, 0, 1);
    ckw_str(&b, "x.y");
    ckw_u32(&b, 9);
    ckw_u32(&b, 77);
    ckw_u64(&b, 1);
    expect_bad(&b, 0, &(struct bad){"unknown array element type", TMEM_ERR_UNSUPPORTED, "x.y",
                                    24 + 11 + 4});
    ckw_free(&b);
    n++;

    head(&b, 3, 0, 1);
    ckw_str(&b, "x.y");
    ckw_u32(&b, 9);
    ckw_u32(&b, 8);
    ckw_u64(&b, UINT64_MAX / 4);
    expect_bad(&b, 0, &(struct bad){"array count larger than the file", TMEM_ERR_TRUNCATED, "x.y",
                                    24 + 11 + 4});
    ckw_free(&b);
    n++;

    head(&b, 3, 0, 1);
    ckw_str(&b, "x.y");
    ckw_u32(&b, 9);
    for (int i = 0; i < 9; i++) { /* array of array of ... */
        ckw_u32(&b, 9);
        ckw_u64(&b, 1);
    }
    ckw_u32(&b, 0);
    ckw_u64(&b, 1);
    ckw_u8(&b, 0);
    expect_bad(&b, 0, &(struct bad){"arrays nested too deep", TMEM_ERR_LIMIT, "x.y",
                                    24 + 11 + 4 + 8 * 12});
    ckw_free(&b);
    n++;

    head(&b, 3, 0, 1);
    ckw_str(&b, "x.flag");
    ckw_u32(&b, 7);
    ckw_u8(&b, 2);
    expect_bad(&b, 0, &(struct bad){"bool neither 0 nor 1", TMEM_ERR_SCHEMA, "x.flag", 24 + 14 + 4});
    ckw_free(&b);
    n++;

    head(&b, 3, 0, 2);
    ckw_str(&b, "x.a");
    ckw_u32(&b, 4);
    ckw_u32(&b, 1);
    ckw_str(&b, "x.a");
    ckw_u32(&b, 4);
    ckw_u32(&b, 2);
    expect_bad(&b, 0, &(struct bad){"duplicate key", TMEM_ERR_INCONSISTENT, "x.a", 24 + 19});
    ckw_free(&b);
    n++;

    head(&b, 3, 0, 1);
    ckw_str(&b, "general.alignment");
    ckw_u32(&b, 10);
    ckw_u64(&b, 32);
    expect_bad(&b, 0, &(struct bad){"alignment not uint32", TMEM_ERR_SCHEMA, "general.alignment", 24});
    ckw_free(&b);
    n++;

    head(&b, 3, 0, 1);
    ckw_str(&b, "general.alignment");
    ckw_u32(&b, 4);
    ckw_u32(&b, 48);
    expect_bad(&b, 0, &(struct bad){"alignment not a power of two", TMEM_ERR_INCONSISTENT,
                                    "general.alignment", 24});
    ckw_free(&b);
    n++;

    /* tensor infos: 24 header bytes, then name (8 + len), n_dims, ne, type, offset */
    const uint64_t ne5[5] = {32, 1, 1, 1, 1};
    head(&b, 3, 1, 0);
    info(&b, "t", 5, ne5, 0, 0);
    expect_bad(&b, 0, &(struct bad){"n_dims over 4", TMEM_ERR_LIMIT, "t.n_dims", 24 + 9});
    ckw_free(&b);
    n++;

    const uint64_t huge[2] = {UINT64_MAX, 1};
    head(&b, 3, 1, 0);
    info(&b, "t", 2, huge, 0, 0);
    expect_bad(&b, 0, &(struct bad){"dimension over 2^63 - 1", TMEM_ERR_LIMIT, "t.dims", 24 + 13});
    ckw_free(&b);
    n++;

    const uint64_t big[3] = {1u << 31, 1u << 31, 1u << 31};
    head(&b, 3, 1, 0);
    info(&b, "t", 3, big, 0, 0);
    expect_bad(&b, 0, &(struct bad){"shape product overflows", TMEM_ERR_OVERFLOW, "t.dims",
                                    24 + 13 + 16});
    ckw_free(&b);
    n++;

    head(&b, 3, 1, 0);
    info(&b, "t", 1, ne32, 99, 0);
    expect_bad(&b, 0, &(struct bad){"unknown ggml type", TMEM_ERR_UNSUPPORTED, "t.type", 24 + 21});
    ckw_free(&b);
    n++;

    head(&b, 3, 1, 0);
    info(&b, "t", 1, ne32, 31, 0);
    expect_bad(&b, 0, &(struct bad){"removed ggml type", TMEM_ERR_UNSUPPORTED, "t.type", 24 + 21});
    ckw_free(&b);
    n++;

    const uint64_t ne33[1] = {33};
    head(&b, 3, 1, 0);
    info(&b, "t", 1, ne33, 2, 0); /* Q4_0 rows are blocks of 32 */
    expect_bad(&b, 0, &(struct bad){"row not a whole number of blocks", TMEM_ERR_INCONSISTENT,
                                    "t.type", 24 + 21});
    ckw_free(&b);
    n++;

    head(&b, 3, 1, 0);
    ckw_str(&b, "a_tensor_name_that_is_much_longer_than_the_sixty_four_bytes_allowed_by_gguf");
    expect_bad(&b, 0, &(struct bad){"tensor name over 64 bytes", TMEM_ERR_LIMIT, "tensor[0].name", 24});
    ckw_free(&b);
    n++;

    head(&b, 3, 2, 0);
    info(&b, "t", 1, ne32, 0, 0);
    info(&b, "t", 1, ne32, 0, 128);
    expect_bad(&b, 4096, &(struct bad){"duplicate tensor name", TMEM_ERR_INCONSISTENT, "t", 24 + 33});
    ckw_free(&b);
    n++;

    head(&b, 3, 2, 0);
    info(&b, "a", 1, ne32, 0, 0);   /* 128 bytes */
    info(&b, "b", 1, ne32, 0, 256); /* expected at 128 */
    expect_bad(&b, 4096, &(struct bad){"offsets leave a gap", TMEM_ERR_INCONSISTENT, "b.offset",
                                       24 + 33});
    ckw_free(&b);
    n++;

    head(&b, 3, 2, 0);
    info(&b, "a", 1, ne32, 0, 0);
    info(&b, "b", 1, ne32, 0, 64);
    expect_bad(&b, 4096, &(struct bad){"offsets overlap", TMEM_ERR_INCONSISTENT, "b.offset", 24 + 33});
    ckw_free(&b);
    n++;

    head(&b, 3, 1, 0);
    info(&b, "a", 1, ne32, 0, 0);
    expect_bad(&b, 64 + 100, &(struct bad){"data past the end of the file", TMEM_ERR_TRUNCATED,
                                           "a.offset", 24});
    ckw_free(&b);
    n++;

    head(&b, 3, 1, 0);
    info(&b, "a", 1, ne32, 0, 0);
    b.len -= 4; /* the offset cut short */
    expect_bad(&b, 0, &(struct bad){"tensor info cut short", TMEM_ERR_TRUNCATED, "a.offset", 24 + 25});
    ckw_free(&b);
    n++;
    print_message("  %u malformed GGUF cases: each refused with its field and byte, from a file "
                  "and from an exact buffer\n",
                  n);
}

/* Every prefix of a valid file is refused cleanly, never read past. */
static void every_truncation_is_refused(void **state)
{
    (void)state;
    struct ckw_model m = llama;
    m.V = 8;
    m.L = 1;
    struct ckw_gguf g;
    ckw_gguf_begin(&g, 3, 0);
    ckw_gguf_model(&g, "llama", &m, CKW_Q4_K);
    struct ckw_buf full;
    uint64_t size = ckw_gguf_bytes(&g, &full);
    ckw_free(&g.kv);
    ckw_free(&g.ti);
    size_t header = full.len;
    struct tmem_ckpt c;
    struct tmem_error err;
    unsigned char *whole = calloc(1, (size_t)size);
    memcpy(whole, full.p, header);
    assert_int_equal(tmem_gguf_parse_buffer(whole, (size_t)size, "ok.gguf", NULL, &c, &err), TMEM_OK);
    tmem_ckpt_free(&c);
    free(whole);
    for (size_t cut = 0; cut < header; cut++) {
        unsigned char *p = malloc(cut ? cut : 1);
        memcpy(p, full.p, cut);
        assert_int_not_equal(tmem_gguf_parse_buffer(p, cut, "cut.gguf", NULL, &c, &err), TMEM_OK);
        assert_non_null(strstr(err.msg, "at byte "));
        tmem_ckpt_free(&c);
        free(p);
    }
    ckw_free(&full);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ggml_type_table_matches_ggml),
        cmocka_unit_test(llama_q4_k_v3_metadata_and_tensors),
        cmocka_unit_test(qwen2_gemma_mixtral_deepseek_gpt2),
        cmocka_unit_test(gguf_is_a_model_argument),
        cmocka_unit_test(mamba_mamba2_bert_ggufs_count_their_checkpoints),
        cmocka_unit_test(hybrid_ggufs_count_their_checkpoints),
        cmocka_unit_test(hybrid_gguf_per_layer_keys_are_checked),
        cmocka_unit_test(malformed_files_name_field_and_offset),
        cmocka_unit_test(every_truncation_is_refused),
    };
    return cmocka_run_group_tests_name("reader: GGUF", tests, setup, teardown);
}
