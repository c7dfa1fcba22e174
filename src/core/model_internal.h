/* model_internal.h — what the library's readers share with the core about
 * models and families beyond the public API: the key lists every family
 * shares, "|"-separated name lists, and setting a model field by its enum
 * (so readers are driven by the descriptors' data). Internal to libtmem. */
#ifndef TMEM_MODEL_INTERNAL_H
#define TMEM_MODEL_INTERNAL_H

#include "tmem/tmem.h"

/* The config keys every family reads first, and those every MoE family reads
 * next (include/tmem/families.h, TMEM_FAMILY_KEYS); each ends with .keys NULL. */
const struct tmem_config_key *tmem__config_keys_common(void);
const struct tmem_config_key *tmem__config_keys_moe(void);

/* Whether name is one of the "|"-separated names of list (NULL: none). */
bool tmem__name_in_list(const char *list, const char *name);

/* Sets field f of *m to v. false when v does not fit the field (a uint32_t,
 * an enum, a list) and *m is unchanged then. */
bool tmem__model_set(struct tmem_model *m, enum tmem_field f, uint64_t v);

#endif /* TMEM_MODEL_INTERNAL_H */
