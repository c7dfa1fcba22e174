/* harness.h — what every unit test includes: cmocka, the public API, and a
 * few helpers for building models and reading shared test data. */
#ifndef TMEM_TEST_HARNESS_H
#define TMEM_TEST_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tmem/read.h"
#include "tmem/tmem.h"

#ifndef TMEM_SHARED_DIR
#define TMEM_SHARED_DIR "../shared"
#endif

/* Parse a config.json text, resolve, and build its inventory; fails the test
 * on any error. */
#define U64(x) ((uint64_t)(x))

static inline void check_group_sum(const struct tmem_inventory *inv)
{
    uint64_t sum = 0;
    for (int g = 0; g < TMEM_GROUP_COUNT; g++)
        sum += inv->group_params[g];
    assert_int_equal(sum, inv->total_params);
    uint64_t tensors = 0;
    for (uint32_t i = 0; i < inv->n_tensors; i++)
        tensors += inv->tensors[i].params;
    assert_int_equal(tensors, inv->total_params);
}


/* Whether `train` models this model: loops over every preset that train
 * leave out the hybrids with Gated DeltaNet (qwen3_next: test_qwen3next_train.c),
 * encoders and encoder–decoders (test_encoders.c, test_encdec.c) by this.
 * Pure Mamba and Mamba-2 train (test_act.c mamba_130m_by_hand,
 * mamba2_2_7b_by_hand), and jamba, granitemoehybrid (test_hybrid.c
 * jamba_trains_by_hand, granite_trains_by_hand) and falcon_h1, attention
 * and Mamba-2 side by side (test_falconh1_train.c). */
static inline bool tmem_test_trainable(const struct tmem_model *m)
{
    bool mamba = m->ssm == TMEM_SSM_MAMBA || m->ssm == TMEM_SSM_MAMBA2;
    return (m->ssm == TMEM_SSM_NONE || mamba) && !m->encoder && !m->encdec &&
           m->n_cross_layer == 0;
}

/* Whether tmem infer (with its default engine) and serve take it: not an
 * encoder (infer serves encoders under --engine hf only, test_encoder_infer.c;
 * serve refuses them, tests/cli/anycfg.sh), nor an encoder–decoder, no
 * cross-attention layers into an image (test_encdec.c, test_vision.c). */
static inline bool tmem_test_servable(const struct tmem_model *m)
{
    return !m->encoder && !m->encdec && m->n_cross_layer == 0;
}

/* A preset (or any MODEL) loaded, resolved and counted; fails the test on
 * any error. */
static inline void tmem_test_load(const char *name, struct tmem_model *m, struct tmem_inventory *inv)
{
    struct tmem_model raw;
    struct tmem_error err = {0};
    if (tmem_model_load(name, NULL, &raw, &err) != TMEM_OK || tmem_model_resolve(&raw, m, &err) != TMEM_OK ||
        tmem_inventory_build(m, inv, &err) != TMEM_OK)
        fail_msg("%s: %s: %s", name, err.where, err.msg);
}

#endif /* TMEM_TEST_HARNESS_H */
