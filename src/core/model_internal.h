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
/* The keys a best-effort layout reads after the shared ones (a config of
 * a model_type no descriptor names). */
const struct tmem_config_key *tmem__config_keys_generic(void);

/* The family whose descriptor is closest to a plain rotary decoder with
 * this norm, MLP and MoE-ness (the MLP weighs most, then MoE, then the
 * norm; the first of equals): the layout a config of an unknown
 * model_type is counted by. */
/* An encoder's head from its config's architectures class (BertForMaskedLM:
 * TMEM_HEAD_MLM, *ForSequenceClassification: TMEM_HEAD_CLS); dflt otherwise. */
enum tmem_head tmem__head_from_class(const char *architecture, enum tmem_head dflt);
enum tmem_family tmem__family_like(enum tmem_norm_kind norm, enum tmem_mlp_kind mlp, bool moe);

/* Whether name is one of the "|"-separated names of list (NULL: none). */
bool tmem__name_in_list(const char *list, const char *name);

/* Sets field f of *m to v. false when v does not fit the field (a uint32_t,
 * an enum, a list) and *m is unchanged then. */
bool tmem__model_set(struct tmem_model *m, enum tmem_field f, uint64_t v);

/* A resolved SSM model's mixer widths: in_proj's output columns (Mamba
 * 2·d_inner: x, z; Mamba-2 2·d_inner + 2·n_group·d_state + n_ssm_head: z,
 * x, B, C, dt) and conv1d's channels (Mamba d_inner; Mamba-2 d_inner +
 * 2·n_group·d_state). Both 0 for a model without SSM layers. */
void tmem__ssm_widths(const struct tmem_model *m, uint64_t *in_cols, uint64_t *conv_channels);
/* Seeds a vision tower's defaults (3 channels, temporal patch 1, merge 1,
 * d_text from the text model) and checks its sizes (vision.c). */
enum tmem_status tmem__vision_resolve(struct tmem_vision *v, uint64_t d_text,
                                      struct tmem_error *err);
/* The positions the tower's encoders run for `patches` positions of one
 * image: Mllama pads each tile to a multiple of 8 (1601 → 1608); the others
 * run them as they are (vision.c). */
uint64_t tmem__vision_tower_patches(const struct tmem_vision *v, uint64_t patches);

#endif /* TMEM_MODEL_INTERNAL_H */
