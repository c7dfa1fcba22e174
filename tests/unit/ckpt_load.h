/* ckpt_load.h — test helper: a resolved model and its inventory from a
 * checkpoint alone (a GGUF, or safetensors without config.json), failing
 * the test with the reader's error. Include after harness.h. */
#ifndef TMEM_TEST_CKPT_LOAD_H
#define TMEM_TEST_CKPT_LOAD_H

#include "tmem/checkpoint.h"

static inline void ckl_load_model(const char *path, struct tmem_model *m, struct tmem_inventory *inv)
{
    struct tmem_ckpt c;
    struct tmem_model raw;
    struct tmem_error err = {0};
    char notes[400];
    if (tmem_ckpt_open(path, NULL, &c, &err) != TMEM_OK ||
        tmem_ckpt_model(&c, &raw, notes, sizeof notes, &err) != TMEM_OK)
        fail_msg("%s: %s: %s", path, err.where, err.msg);
    tmem_ckpt_free(&c);
    if (tmem_model_resolve(&raw, m, &err) != TMEM_OK || tmem_inventory_build(m, inv, &err) != TMEM_OK)
        fail_msg("%s: %s", err.where, err.msg);
}

#endif
