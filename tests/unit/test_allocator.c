/* test_allocator.c — the per-call allocator (struct tmem_allocator): every
 * block a call takes comes from the allocator it was given and goes back to
 * it; two threads with their own allocators do not see each other's blocks
 * (no process-wide allocator state); an allocator that itself calls tmem
 * unwinds correctly; a checkpoint's later calls and its free use the
 * allocator it was opened with; an allocator that refuses gives
 * TMEM_ERR_NOMEM, not a crash. */
#include "harness.h"
#include "tmem/checkpoint.h"
#include "tmem/read.h"

#include <threads.h>

struct tally {
    long live, total;
    int nested;        /* malloc calls tmem once (the re-entrancy test) */
    int refuse;        /* every malloc fails */
};

static void *t_malloc(void *ctx, size_t n)
{
    struct tally *t = ctx;
    if (t->refuse)
        return NULL;
    if (t->nested == 1) {
        t->nested = 2; /* an allocator that uses tmem itself, with the C library's allocator */
        struct tmem_model m;
        assert_int_equal(tmem_model_load("gpt2", NULL, &m, NULL), TMEM_OK);
    }
    t->live++;
    t->total++;
    return malloc(n);
}

static void t_free(void *ctx, void *p)
{
    struct tally *t = ctx;
    t->live--;
    free(p);
}

/* allocations one tmem_model_load(name) makes */
static long load_count(const char *name)
{
    struct tally t = {0};
    struct tmem_allocator a = {t_malloc, t_free, &t};
    struct tmem_model m;
    assert_int_equal(tmem_model_load(name, &a, &m, NULL), TMEM_OK);
    assert_int_equal(t.live, 0);
    assert_true(t.total > 0);
    return t.total;
}

struct job {
    const char *name;
    int rounds;
    struct tally t;
    int failures;
};

static int worker(void *arg)
{
    struct job *j = arg;
    struct tmem_allocator a = {t_malloc, t_free, &j->t};
    for (int i = 0; i < j->rounds; i++) {
        struct tmem_model m;
        if (tmem_model_load(j->name, &a, &m, NULL) != TMEM_OK)
            j->failures++;
    }
    return 0;
}

static void two_threads_keep_their_own_allocators(void **state)
{
    (void)state;
    long per_mixtral = load_count("mixtral-8x7b"), per_gpt2 = load_count("gpt2");
    struct job a = {"mixtral-8x7b", 300, {0}, 0}, b = {"gpt2", 300, {0}, 0};
    thrd_t ta, tb;
    assert_int_equal(thrd_create(&ta, worker, &a), thrd_success);
    assert_int_equal(thrd_create(&tb, worker, &b), thrd_success);
    thrd_join(ta, NULL);
    thrd_join(tb, NULL);
    assert_int_equal(a.failures + b.failures, 0);
    /* each allocator saw exactly its own thread's blocks, and got them back */
    assert_int_equal(a.t.total, 300 * per_mixtral);
    assert_int_equal(b.t.total, 300 * per_gpt2);
    assert_int_equal(a.t.live, 0);
    assert_int_equal(b.t.live, 0);
}

static void an_allocator_may_call_tmem(void **state)
{
    (void)state;
    long plain = load_count("llama-2-7b");
    struct tally t = {.nested = 1};
    struct tmem_allocator a = {t_malloc, t_free, &t};
    struct tmem_model m;
    assert_int_equal(tmem_model_load("llama-2-7b", &a, &m, NULL), TMEM_OK);
    assert_int_equal(t.nested, 2);
    assert_int_equal(t.total, plain); /* the nested call's blocks were not counted here */
    assert_int_equal(t.live, 0);
}

static void a_checkpoint_keeps_its_allocator(void **state)
{
    (void)state;
    /* one F32 tensor of 2 elements: u64 header length, the JSON, 8 data bytes */
    static const char hdr[] = "{\"model.embed_tokens.weight\":{\"dtype\":\"F32\",\"shape\":[2],"
                              "\"data_offsets\":[0,8]}}";
    unsigned char buf[256] = {0};
    size_t n = sizeof hdr - 1;
    for (int i = 0; i < 8; i++)
        buf[i] = (unsigned char)(n >> (8 * i));
    memcpy(buf + 8, hdr, n);
    struct tally t = {0};
    struct tmem_allocator a = {t_malloc, t_free, &t};
    struct tmem_ckpt c;
    struct tmem_error err;
    assert_int_equal(tmem_safetensors_parse_buffer(buf, 8 + n + 8, "one.safetensors", &a, &c, &err),
                     TMEM_OK);
    assert_int_equal(c.n_tensors, 1);
    long after_open = t.total;
    assert_true(after_open > 0 && t.live > 0);
    assert_int_equal(tmem_ckpt_find(&c, "model.embed_tokens.weight"), 0);
    assert_int_equal(tmem_ckpt_find(&c, "lm_head.weight"), -1);
    /* no allocator passed here: the check's per-layer tables come from the
     * checkpoint's, and go back to it */
    struct tmem_model raw, m;
    assert_int_equal(tmem_model_load("llama-2-7b", NULL, &raw, &err), TMEM_OK);
    assert_int_equal(tmem_model_resolve(&raw, &m, &err), TMEM_OK);
    assert_int_equal(t.total, after_open);
    static struct tmem_ckpt_summary s;
    static struct tmem_ckpt_check k;
    assert_int_equal(tmem_ckpt_summarize(&c, &s, &err), TMEM_OK);
    assert_int_equal(tmem_ckpt_check(&c, &s, &m, "llama-2-7b", &k, &err), TMEM_OK);
    assert_false(k.matches); /* 2 params against 6,738,415,616 */
    assert_true(t.total > after_open);
    tmem_ckpt_free(&c);
    assert_int_equal(t.live, 0);
}

static void a_refusing_allocator_gives_nomem(void **state)
{
    (void)state;
    struct tally t = {.refuse = 1};
    struct tmem_allocator a = {t_malloc, t_free, &t};
    struct tmem_model m;
    struct tmem_error err;
    assert_int_equal(tmem_model_load("llama-2-7b", &a, &m, &err), TMEM_ERR_NOMEM);
    struct tmem_ds_config ds;
    const char *cfg = "{\"zero_optimization\": {\"stage\": 3}}";
    assert_int_equal(tmem_ds_config_parse(cfg, strlen(cfg), "ds.json", &a, &ds, &err),
                     TMEM_ERR_NOMEM);
    assert_int_equal(t.live, 0);
    /* NULL arguments are refused with an error, not dereferenced */
    assert_int_equal(tmem_model_load("llama-2-7b", NULL, NULL, &err), TMEM_ERR_INVALID_ARG);
    assert_int_equal(tmem_hf_config_parse(NULL, 0, "x.json", NULL, &m, &err), TMEM_ERR_INVALID_ARG);
    assert_int_equal(tmem_ckpt_open("x", NULL, NULL, &err), TMEM_ERR_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_threads_keep_their_own_allocators),
        cmocka_unit_test(an_allocator_may_call_tmem),
        cmocka_unit_test(a_checkpoint_keeps_its_allocator),
        cmocka_unit_test(a_refusing_allocator_gives_nomem),
    };
    return cmocka_run_group_tests_name("per-call allocator", tests, NULL, NULL);
}
