/* presets.h — built-in model presets: real HF config.json texts. */
#ifndef TMEM_PRESETS_H
#define TMEM_PRESETS_H
#include <stddef.h>
#include <stdint.h>
struct tmem_preset {
    const char *name;             /* lowercase key: "llama-2-7b" */
    const char *hf_id;            /* "meta-llama/Llama-2-7b-hf" (also accepted as a name) */
    uint64_t published_params;    /* an independent published total, 0 if none found */
    const char *source;           /* where published_params comes from (model card table, HF safetensors metadata "total" parameter count, paper) */
    const char *config_json;      /* the config.json text */
};
size_t tmem_preset_count(void);
const struct tmem_preset *tmem_preset_at(size_t i);      /* NULL past the end */
const struct tmem_preset *tmem_preset_find(const char *name); /* case-insensitive match on name or hf_id; NULL if none */
#endif
