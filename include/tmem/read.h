/* read.h — loading a model the way the tmem command does: a HuggingFace
 * config.json (text or file), a built-in preset, a model folder or
 * checkpoint (checkpoint.h), the MODEL lookup that tries them in turn, the
 * architecture overrides of the command line's flags, and a DeepSpeed
 * ds_config.json.
 *
 * Unlike the pure core (tmem.h), these functions read files and allocate.
 * Every fallible function returns an enum tmem_status and fills an optional
 * struct tmem_error (NULL allowed) with a code, err->where naming the input
 * ("./config.json:num_attention_heads", "preset llama-2-7b") and one line of
 * text. Outputs are written only on TMEM_OK unless a function says
 * otherwise; nothing is left allocated on an error. A NULL output pointer is
 * TMEM_ERR_INVALID_ARG. Nothing here prints.
 *
 * The model a reader returns is raw: fields the input leaves out stay 0
 * until tmem_model_resolve() derives them, so overrides can be laid over it
 * first. Resolve it before building an inventory or a ledger.
 *
 * Allocation: every function that allocates takes a const struct
 * tmem_allocator * (NULL: malloc and free) and uses it for that call only;
 * the library keeps no process-wide allocator state. See struct
 * tmem_allocator for how jansson's allocations are routed. */
#ifndef TMEM_READ_H
#define TMEM_READ_H

#include "tmem/tmem.h"
#include "tmem/train.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------- allocation */

/* A caller's allocator, in the manner of yyjson's yyjson_alc and cmark's
 * cmark_mem. malloc returns a block of at least n bytes (n > 0) or NULL when
 * out of memory (the function that asked then fails with TMEM_ERR_NOMEM and
 * frees what it had), aligned as malloc's are; free releases a block malloc
 * returned (never NULL). ctx is passed to both. tmem needs no realloc. A
 * NULL allocator, or one whose malloc is NULL, means the C library's malloc
 * and free; otherwise both must be set.
 *
 * The allocator is in force for the duration of the call it is passed to
 * (and, for a checkpoint, is kept in struct tmem_ckpt for its later calls
 * and tmem_ckpt_free()). Different threads may use different allocators at
 * the same time, and an allocator may itself call tmem.
 *
 * jansson, which parses the JSON, has only process-wide allocation hooks:
 * the first tmem call that allocates sets them, once, to two trampolines
 * that forward to the calling thread's allocator of the moment (malloc and
 * free outside a tmem call, jansson's own defaults). A program that sets
 * jansson's hooks itself (json_set_alloc_funcs) must not use tmem with it. */
struct tmem_allocator {
    void *(*malloc)(void *ctx, size_t n);
    void (*free)(void *ctx, void *p);
    void *ctx;
};

/* --------------------------------------------------------- config.json */

#define TMEM_MAX_CONFIG_BYTES (16u << 20) /* a config.json larger than 16 MiB is refused */

/* Parses a HuggingFace config.json held in text[len] (need not be
 * NUL-terminated) into a raw *out. model_type picks the family; the config
 * classes' defaults apply to absent keys. `where` names the input in errors
 * (NULL: "config.json"): malformed JSON reports where "<where>:<line>:<col>",
 * a bad field "<where>:<key>". *out is written only on TMEM_OK. text or out NULL:
 * TMEM_ERR_INVALID_ARG. */
enum tmem_status tmem_hf_config_parse(const char *text, size_t len, const char *where,
                                      const struct tmem_allocator *alc, struct tmem_model *out,
                                      struct tmem_error *err);

/* Reads the config.json file at path (at most TMEM_MAX_CONFIG_BYTES) and
 * parses it as tmem_hf_config_parse does, with path as `where`. An
 * unreadable file is TMEM_ERR_IO (err->msg: the OS's reason). */
enum tmem_status tmem_hf_config_load(const char *path, const struct tmem_allocator *alc,
                                     struct tmem_model *out, struct tmem_error *err);

/* --------------------------------------------------------------- presets */

/* A built-in model: the text of its real HF config.json. Static storage:
 * the pointers stay valid for the life of the program. */
struct tmem_preset {
    const char *name;             /* lowercase key: "llama-2-7b" */
    const char *hf_id;            /* "meta-llama/Llama-2-7b-hf" (also accepted as a name) */
    uint64_t published_params;    /* an independent published total, 0 if none found */
    const char *source;           /* where published_params comes from */
    const char *config_json;      /* the config.json text (NUL-terminated) */
};

size_t tmem_preset_count(void);
/* The i-th preset in listing order; NULL when i >= tmem_preset_count(). */
const struct tmem_preset *tmem_preset_at(size_t i);
/* Case-insensitive match on name or hf_id; NULL if none (or name NULL). */
const struct tmem_preset *tmem_preset_find(const char *name);

/* ------------------------------------------------------------ MODEL lookup */

/* Resolves a MODEL argument in the command line's order: a config.json path,
 * a model folder holding config.json, a folder of weights without one, a
 * .gguf / .safetensors / .safetensors.index.json path (their headers describe
 * the model: tmem_ckpt_model), then a preset name or HF id
 * (case-insensitive). A preset's model is named after the preset. An
 * unknown name is TMEM_ERR_UNSUPPORTED with up to three close preset names
 * in err->msg; arg NULL or "" is TMEM_ERR_INVALID_ARG. *out is raw and
 * written only on TMEM_OK. */
enum tmem_status tmem_model_load(const char *arg, const struct tmem_allocator *alc,
                                 struct tmem_model *out, struct tmem_error *err);
/* The same, and what had to be guessed (a checkpoint without a config.json
 * beside it: the head split, experts per token) as one line into
 * notes[notes_cap] ("" when nothing was; notes may be NULL). A .safetensors
 * file or index takes the config.json beside it, as its folder would. */
enum tmem_status tmem_model_load_noted(const char *arg, const struct tmem_allocator *alc,
                                       struct tmem_model *out, char *notes, size_t notes_cap,
                                       struct tmem_error *err);

/* What a caller may ask of a config's reading, and what it is told back.
 * The family of a config: its model_type when a descriptor names it (or an
 * alias); else the first `architectures` class a descriptor's .hf_class
 * names (as transformers' auto-model mappings pair them: GPT2LMHeadModel →
 * gpt2); else, for a model_type of a kind tmem counts (encoder,
 * encoder-decoder, state-space and vision models are TMEM_ERR_UNSUPPORTED),
 * a best-effort layout from the standard HF keys (hidden_size, ...,
 * rms_norm_eps vs layer_norm_eps, hidden_act, attention_bias, mlp_bias,
 * tie_word_embeddings, num_local_experts) named in a note. */
struct tmem_load_opts {
    const char *family;            /* NULL: as above; a family name (tmem_family_from_name):
                                      the config is counted with that family's layout and
                                      keys (an unknown name: TMEM_ERR_UNSUPPORTED at
                                      "family"); a checkpoint without config.json is then
                                      TMEM_ERR_INVALID_ARG */
    char *notes;                   /* NULL, or notes[notes_cap]: what was assumed, one line
                                      each ('\n'-separated); emptied first, cut to fit */
    size_t notes_cap;
};
/* tmem_hf_config_parse and tmem_model_load with options; o NULL: none. */
enum tmem_status tmem_hf_config_parse_opts(const char *text, size_t len, const char *where,
                                           const struct tmem_load_opts *o,
                                           const struct tmem_allocator *alc,
                                           struct tmem_model *out, struct tmem_error *err);
enum tmem_status tmem_model_load_opts(const char *arg, const struct tmem_load_opts *o,
                                      const struct tmem_allocator *alc, struct tmem_model *out,
                                      struct tmem_error *err);

/* ------------------------------------------------ architecture overrides */

/* One overridden size: applied when set. */
struct tmem_override {
    bool set;
    uint64_t v;
};

enum tmem_tie {
    TMEM_TIE_KEEP = 0,  /* as the config says */
    TMEM_TIE_TIED,      /* lm_head shares the embedding */
    TMEM_TIE_UNTIED,    /* lm_head is its own matrix */
    TMEM_TIE_COUNT
};

/* What the command line's architecture flags (--hidden, --layers, ...) set.
 * A zeroed struct overrides nothing. Field names follow struct tmem_model. */
struct tmem_model_overrides {
    const char *name;             /* display name; NULL: keep */
    struct tmem_override d_model, n_layer, n_head, n_kv_head, d_head, d_ff, n_vocab, n_ctx;
    struct tmem_override n_expert, n_expert_used, d_ff_expert, d_ff_shared;
    struct tmem_override moe_first_layer, moe_layer_step;
    struct tmem_override q_lora_rank, kv_lora_rank, qk_nope_dim, qk_rope_dim, v_head_dim;
    enum tmem_tie tie;
    enum tmem_head head;          /* an encoder's head; TMEM_HEAD_LM: keep (a decoder: refused
                                     unless LM) */
    struct tmem_override n_labels; /* TMEM_HEAD_CLS outputs */
};

/* Lays o over the raw model *m, field by field (no validation: resolve *m
 * afterwards; its errors name the fields as the legend spells them).
 * m or o NULL, or tie out of range: TMEM_ERR_INVALID_ARG, *m untouched. */
enum tmem_status tmem_model_override(struct tmem_model *m, const struct tmem_model_overrides *o,
                                     struct tmem_error *err);

/* A raw model of the family named `family` (an HF model_type or alias; NULL:
 * "llama") with zero sizes, named "custom <family>", for a model described by
 * overrides alone. An unknown family is TMEM_ERR_UNSUPPORTED, err->where
 * "family", err->msg "unknown family '<name>' (closest: a, b, c)"; out NULL
 * is TMEM_ERR_INVALID_ARG. *out is written only on TMEM_OK. */
enum tmem_status tmem_model_from_family(const char *family, struct tmem_model *out,
                                        struct tmem_error *err);

/* ------------------------------------------------------- DeepSpeed config */

/* What a DeepSpeed ds_config.json says about memory. Each has_* (or a
 * non-zero bucket size) marks a field the file sets; "auto" values (HF
 * Trainer's placeholders) count as not set. */
struct tmem_ds_config {
    bool has_zero, has_offload, has_precision, has_micro_batch, has_grad_accum, has_optimizer;
    bool has_fp32_grads;
    uint32_t zero_stage;
    enum tmem_offload offload;       /* offload_param (→ params) wins over offload_optimizer */
    enum tmem_precision precision;   /* bf16.enabled → bf16-mixed, fp16.enabled → fp16-mixed */
    enum tmem_optimizer optimizer;   /* optimizer.type */
    bool fp32_grads;                 /* data_types.grad_accum_dtype "fp32" */
    uint64_t micro_batch;            /* train_micro_batch_size_per_gpu */
    uint64_t grad_accum;             /* gradient_accumulation_steps */
    uint64_t reduce_bucket, allgather_bucket, prefetch_bucket, max_live; /* elements; 0: unset */
};

/* Parses ds_config.json text[len]; `where` (NULL: "ds_config.json") names
 * the input in errors ("ds.json:3:14: ..." for JSON syntax, "ds.json:zero_optimization.
 * stage" for a bad field). *out is written only on TMEM_OK. */
enum tmem_status tmem_ds_config_parse(const char *text, size_t len, const char *where,
                                      const struct tmem_allocator *alc,
                                      struct tmem_ds_config *out, struct tmem_error *err);
/* Reads (at most TMEM_MAX_CONFIG_BYTES) and parses the file at path. */
enum tmem_status tmem_ds_config_load(const char *path, const struct tmem_allocator *alc,
                                     struct tmem_ds_config *out, struct tmem_error *err);

#ifdef __cplusplus
}
#endif

#endif /* TMEM_READ_H */
