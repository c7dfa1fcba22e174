/* checkpoint.h — what a checkpoint's headers say, read without touching
 * tensor data: HuggingFace safetensors (one file, or shards plus
 * model.safetensors.index.json) and llama.cpp GGUF v2/v3.
 *
 * On-disk formats (both little-endian):
 *   safetensors  u64 N | N bytes of UTF-8 JSON {name: {dtype, shape,
 *                data_offsets: [begin, end]}, "__metadata__": {str: str}} |
 *                tensor data; offsets are relative to byte 8 + N, contiguous,
 *                and the last one ends at the end of the file.
 *   GGUF         "GGUF" | u32 version | u64 tensor_count | u64 kv_count |
 *                kv_count × (string key, u32 type, value) |
 *                tensor_count × (string name, u32 n_dims, u64 ne[n_dims],
 *                u32 ggml type, u64 offset) | padding to general.alignment |
 *                tensor data (offsets relative to its start, each aligned).
 *                A string is a u64 length and that many bytes, no NUL.
 *
 * Every declared count and length is checked against the bytes that remain
 * in the file and against a named TMEM_MAX_* cap before anything is
 * allocated from it, and every size product is overflow-checked. Errors put
 * "<file>:<field>" in err->where, the byte offset of the field in
 * err->offset, and start err->msg with "at byte N: ".
 *
 * Readers allocate, with the struct tmem_allocator given to tmem_ckpt_open
 * or a *_parse_buffer (NULL: malloc/free; see tmem/read.h). The checkpoint
 * keeps a copy of it: every later call on it that allocates (tmem_ckpt_find
 * builds a name index, tmem_ckpt_model, tmem_ckpt_check) and
 * tmem_ckpt_free() use that allocator, so its ctx must stay valid until
 * tmem_ckpt_free(). Everything a struct tmem_ckpt points to lives until
 * tmem_ckpt_free(). Nothing here prints. Error behaviour is that of
 * tmem/read.h unless a function says otherwise; pointer arguments must not
 * be NULL unless a function says what NULL does. */
#ifndef TMEM_CHECKPOINT_H
#define TMEM_CHECKPOINT_H

#include "tmem/infer.h"
#include "tmem/read.h"
#include "tmem/tmem.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ limits */

#define TMEM_MAX_SAFETENSORS_HEADER 100000000u   /* bytes: safetensors' MAX_HEADER_SIZE */
#define TMEM_MAX_SAFETENSORS_INDEX (256u << 20)  /* an index json larger than this is refused */
#define TMEM_MAX_SHARDS 65536u                   /* files named by one index */
#define TMEM_MAX_CKPT_TENSORS (1u << 24)         /* tensors across all files */
#define TMEM_MAX_CKPT_DIMS 8u                    /* dimensions of one tensor */
#define TMEM_MAX_GGUF_TENSORS (1u << 24)         /* header tensor_count */
#define TMEM_MAX_GGUF_KV (1u << 20)              /* header metadata_kv_count */
#define TMEM_MAX_GGUF_KEY 65535u                 /* spec: a key is at most 2^16 - 1 bytes */
#define TMEM_MAX_GGUF_NAME 64u                   /* spec: a tensor name is at most 64 bytes */
#define TMEM_MAX_GGUF_STRING (16u << 20)         /* one string value */
#define TMEM_MAX_GGUF_DIMS 4u                    /* spec: n_dimensions is at most 4 */
#define TMEM_MAX_GGUF_ARRAY_DEPTH 8u             /* arrays of arrays of ... */
#define TMEM_MAX_GGUF_ARRAY_KEPT 4096u           /* a top-level array of fixed-size values
                                                    up to this length keeps its elements
                                                    (per-layer values such as head_count_kv) */
#define TMEM_GGUF_DEFAULT_ALIGNMENT 32u          /* spec: when general.alignment is absent */
#define TMEM_MAX_CKPT_DTYPES 64u                 /* distinct element types in one summary */

/* ------------------------------------------------------------ element types */

enum tmem_ckpt_format {
    TMEM_CKPT_SAFETENSORS = 0,
    TMEM_CKPT_GGUF,
    TMEM_CKPT_FORMAT_COUNT
};

/* safetensors dtypes (tensor.rs Dtype); ids are tmem's, names the format's. */
enum tmem_st_dtype {
    TMEM_ST_F64 = 0, TMEM_ST_F32, TMEM_ST_F16, TMEM_ST_BF16, TMEM_ST_F8_E4M3, TMEM_ST_F8_E5M2,
    TMEM_ST_I64, TMEM_ST_I32, TMEM_ST_I16, TMEM_ST_I8,
    TMEM_ST_U64, TMEM_ST_U32, TMEM_ST_U16, TMEM_ST_U8, TMEM_ST_BOOL,
    TMEM_ST_DTYPE_COUNT
};

/* ggml types (enum tmem_ggml_type) and their block sizes live in the core:
 * tmem/infer.h, src/core/ggml_type.c. */

/* The type `id` of a format; NULL when unknown (or, for ggml, removed). */
const struct tmem_block_type *tmem_ckpt_type_info(enum tmem_ckpt_format f, uint32_t id);
/* Why a ggml type id is not readable: "removed from GGUF files" or
 * "unknown"; NULL when it is readable. */
const char *tmem_ggml_type_problem(uint32_t id);
/* safetensors dtype by its exact name ("BF16"); TMEM_ST_DTYPE_COUNT if none. */
enum tmem_st_dtype tmem_st_dtype_from_name(const char *name);

/* GGUF metadata value types (spec enum gguf_metadata_value_type). */
enum tmem_gguf_type {
    TMEM_GGUF_UINT8 = 0, TMEM_GGUF_INT8, TMEM_GGUF_UINT16, TMEM_GGUF_INT16,
    TMEM_GGUF_UINT32, TMEM_GGUF_INT32, TMEM_GGUF_FLOAT32, TMEM_GGUF_BOOL,
    TMEM_GGUF_STRING, TMEM_GGUF_ARRAY, TMEM_GGUF_UINT64, TMEM_GGUF_INT64,
    TMEM_GGUF_FLOAT64,
    TMEM_GGUF_TYPE_COUNT
};
const char *tmem_gguf_type_name(uint32_t t); /* "uint32", ...; "?" if unknown */

/* ------------------------------------------------------------- checkpoint */

/* Tensor groups: tmem_group's values plus one for what the formula does not
 * count (buffers, vision towers, quantization scales, unknown names). */
#define TMEM_CKPT_GROUP_OTHER ((unsigned)TMEM_GROUP_COUNT)
#define TMEM_CKPT_GROUP_COUNT ((unsigned)TMEM_GROUP_COUNT + 1u)
const char *tmem_ckpt_group_name(unsigned g); /* tmem_group_name, or "other" */

/* Why a tensor is in "other". */
enum tmem_ckpt_reason {
    TMEM_CKPT_REASON_NONE = 0,     /* a parameter of one of the groups */
    TMEM_CKPT_REASON_ROTARY,       /* rotary inv_freq buffer / rope frequency factors */
    TMEM_CKPT_REASON_MASK,         /* causal-mask buffer (GPT-2 attn.bias, NeoX attention.bias) */
    TMEM_CKPT_REASON_VISION,       /* vision / audio tower or projector */
    TMEM_CKPT_REASON_QUANT,        /* quantization scales and zero points */
    TMEM_CKPT_REASON_UNKNOWN,      /* no naming pattern matched */
    TMEM_CKPT_REASON_COUNT
};
const char *tmem_ckpt_reason_text(enum tmem_ckpt_reason r);

struct tmem_ckpt_tensor {
    const char *name;              /* NUL-terminated */
    uint64_t dims[TMEM_MAX_CKPT_DIMS]; /* safetensors: shape, outermost first;
                                        * GGUF: ne[], innermost (row) first */
    uint64_t n_elems;              /* product of dims (1 for no dims) */
    uint64_t n_params;             /* logical parameters: n_elems, unpacked where one element
                                    * packs several weights (GPTQ/AWQ int32 qweight, bnb and
                                    * mxfp4 bytes); 0 for quantization overhead (scales, zero
                                    * points, g_idx, absmax) */
    uint64_t n_bytes;
    uint64_t offset;               /* absolute byte offset of the data in its file */
    uint64_t info_offset;          /* where the tensor is described in the header */
    uint32_t file;                 /* index into files[] */
    uint32_t type;                 /* enum tmem_st_dtype or enum tmem_ggml_type */
    int32_t layer;                 /* layers.N / h.N / blk.N, or -1 */
    uint8_t n_dims;
    uint8_t group;                 /* tmem_group value or TMEM_CKPT_GROUP_OTHER */
    uint8_t reason;                /* enum tmem_ckpt_reason */
};

struct tmem_ckpt_file {
    const char *path;
    uint64_t file_bytes;
    uint64_t header_bytes;         /* bytes before the tensor data */
    uint32_t n_tensors;
};

/* One metadata entry: a GGUF key/value, or a safetensors __metadata__ pair
 * (always a string). Arrays keep their element type and length; a top-level
 * array of at most TMEM_MAX_GGUF_ARRAY_KEPT fixed-size values also its
 * elements' little-endian bytes (elems; read them with
 * tmem_ckpt_kv_elem_u64). */
struct tmem_ckpt_kv {
    const char *key;
    uint32_t type;                 /* enum tmem_gguf_type */
    uint32_t elem_type;            /* arrays: element type */
    uint64_t n_elems;              /* arrays: length */
    uint64_t offset;               /* byte offset of the key in the file */
    union {
        uint64_t u;
        int64_t i;
        double f;
        bool b;
    } v;
    const char *str;               /* strings: NUL-terminated copy (may hold NULs) */
    uint64_t str_len;
    const unsigned char *elems;    /* kept arrays (see above): n_elems values, else NULL */
};

struct tmem_arena; /* chunked string storage, internal */
struct tmem_name_map;

struct tmem_ckpt {
    enum tmem_ckpt_format format;
    const char *path;              /* as given */
    const char *dir;               /* folder of the files ("." if none) */
    const char *index_path;        /* safetensors index json, or NULL */
    uint64_t index_total_bytes;    /* its metadata.total_size (0: absent) */
    bool has_index_total;

    uint32_t n_files;
    struct tmem_ckpt_file *files;
    uint32_t n_tensors;
    struct tmem_ckpt_tensor *tensors; /* file by file; safetensors: data order */
    uint32_t n_kv;
    struct tmem_ckpt_kv *kv;

    uint32_t gguf_version;
    uint64_t gguf_alignment;
    uint64_t gguf_data_offset;     /* absolute start of the tensor data */

    /* internal: not to be read or written by callers */
    struct tmem_allocator alc;     /* what the checkpoint allocates with */
    uint32_t cap_files, cap_tensors, cap_kv;
    struct tmem_arena *arena;
    struct tmem_name_map *names;   /* tensor name → index, built on demand */
    bool jansson_only;             /* skip the scanner (st_scan.c): its differential test */
};

/* Opens PATH and reads its headers: a .safetensors file, a
 * *.safetensors.index.json, a .gguf file, or a folder (its
 * model.safetensors.index.json, else model.safetensors, else every
 * *.safetensors, else its single .gguf). *out is zeroed first and must be
 * freed with tmem_ckpt_free() whatever the result (on an error it may hold
 * what was read so far). Tensors are classified into groups. out NULL:
 * TMEM_ERR_INVALID_ARG, nothing written. */
enum tmem_status tmem_ckpt_open(const char *path, const struct tmem_allocator *alc,
                                struct tmem_ckpt *out, struct tmem_error *err);

/* Parsers over a memory image of a whole file (tests and fuzzing): `where`
 * names it in errors. *out is zeroed first; free it with tmem_ckpt_free()
 * whatever the result. The tensors' data is not read; buf may be freed after
 * the call. */
enum tmem_status tmem_safetensors_parse_buffer(const void *buf, size_t len, const char *where,
                                               const struct tmem_allocator *alc,
                                               struct tmem_ckpt *out, struct tmem_error *err);
enum tmem_status tmem_gguf_parse_buffer(const void *buf, size_t len, const char *where,
                                        const struct tmem_allocator *alc, struct tmem_ckpt *out,
                                        struct tmem_error *err);

/* Frees everything *c owns (with its allocator) and zeroes it; NULL and a
 * zeroed struct are fine. */
void tmem_ckpt_free(struct tmem_ckpt *c);

/* Tensor index by exact name, or -1 (also when c or name is NULL, or the
 * name index could not be built: out of memory, duplicate names). */
int64_t tmem_ckpt_find(struct tmem_ckpt *c, const char *name);
/* GGUF metadata entry by key, or NULL (also when c or key is NULL). */
const struct tmem_ckpt_kv *tmem_ckpt_kv_find(const struct tmem_ckpt *c, const char *key);
/* Element i of a kept array of integers (or bools) as a non-negative value:
 * false when the array was not kept, i is past its end, its elements are
 * not integers, or the element is negative. */
bool tmem_ckpt_kv_elem_u64(const struct tmem_ckpt_kv *kv, uint64_t i, uint64_t *out);
/* A scalar integer entry as a non-negative value: false when kv is NULL, an
 * array, not an integer, or negative. */
bool tmem_ckpt_kv_u64(const struct tmem_ckpt_kv *kv, uint64_t *out);

/* Group (and reason, for "other") of a tensor name, by HF and GGUF naming. */
unsigned tmem_ckpt_classify(const char *name, enum tmem_ckpt_reason *reason);
/* The layer index in a name (model.layers.12., h.3., blk.7.), or -1. */
int32_t tmem_ckpt_layer_of(const char *name);

/* ---------------------------------------------------------------- summary */

struct tmem_ckpt_dtype_sum {
    uint32_t type;
    uint32_t n_tensors;
    uint64_t params, bytes;
};

struct tmem_ckpt_summary {
    uint64_t total_params, total_bytes;      /* every tensor (params: logical, n_params) */
    uint64_t quant_bytes;                    /* quantization overhead: scales, zeros, g_idx, ... */
    uint32_t quant_tensors;
    uint64_t file_bytes, header_bytes;       /* all files */
    uint64_t group_params[TMEM_CKPT_GROUP_COUNT];
    uint64_t group_bytes[TMEM_CKPT_GROUP_COUNT];
    uint32_t group_tensors[TMEM_CKPT_GROUP_COUNT];
    uint32_t n_dtypes;                       /* ordered by bytes, largest first */
    struct tmem_ckpt_dtype_sum dtypes[TMEM_MAX_CKPT_DTYPES];
    double bits_per_weight;                  /* 8 · total_bytes / total_params */
};

/* Totals over every tensor of c: per group, per element type. Allocates
 * nothing; TMEM_ERR_CAPACITY past TMEM_MAX_CKPT_DTYPES types, TMEM_ERR_OVERFLOW
 * when a sum does not fit. *s is zeroed first (partial on an error). */
enum tmem_status tmem_ckpt_summarize(const struct tmem_ckpt *c, struct tmem_ckpt_summary *s,
                                     struct tmem_error *err);

/* ------------------------------------------------- checkpoint → model */

/* A model description from the checkpoint alone: a GGUF's general.architecture
 * and <arch>.* keys (plus which tensors exist), or, for safetensors without a
 * config.json, the tensor names and shapes of the HF layouts tmem knows
 * (Llama-style incl. MoE and MLA, GPT-2, GPT-NeoX). Raw, like
 * tmem_hf_config_parse's result. `notes` (may be NULL) receives one line on
 * what had to be guessed ("" when nothing). *out is written only on TMEM_OK. */
enum tmem_status tmem_ckpt_model(struct tmem_ckpt *c, struct tmem_model *out, char *notes,
                                 size_t notes_cap, struct tmem_error *err);

/* ------------------------------------- weights as stored (ckpt_weights.c) */

/* How a checkpoint stores the weights of its model: `w` for
 * tmem_infer_opts.stored, its store_of pointing into `table`. */
struct tmem_ckpt_weights {
    struct tmem_weights_stored w;
    uint8_t *table;                 /* TMEM_TENSOR_KIND_COUNT × n_layer */
    struct tmem_allocator alc;      /* what `table` was allocated with */
};

/* From the checkpoint's tensors (GGUF types; safetensors dtypes with the
 * quantization_config of the config.json at config_path, may be NULL) for
 * model m (resolved), allocating with c's allocator. Errors: an unknown or
 * contradictory quantization_config, a quantized tensor no config
 * explains. Free *out with tmem_ckpt_weights_free() (it is empty on error). */
enum tmem_status tmem_ckpt_weights(struct tmem_ckpt *c, const char *config_path,
                                   const struct tmem_model *m, struct tmem_ckpt_weights *out,
                                   struct tmem_error *err);
/* From a config.json alone: its quantization_config applied to the
 * matrices transformers' quantizers convert; out->w.n_stores == 0 when it
 * declares none. alc NULL: malloc / free. */
enum tmem_status tmem_config_weights(const char *config_path, const struct tmem_allocator *alc,
                                     const struct tmem_model *m, struct tmem_ckpt_weights *out,
                                     struct tmem_error *err);
/* For the MODEL argument `arg` (a path or a preset name): the checkpoint
 * it names or holds (with the config.json beside it), else the config it
 * names. out->w.n_stores == 0: nothing stored or declared (a preset). */
enum tmem_status tmem_weights_for_model(const char *arg, const struct tmem_allocator *alc,
                                        const struct tmem_model *m,
                                        struct tmem_ckpt_weights *out, struct tmem_error *err);
/* Frees what *w owns with the allocator it was made with; NULL is a no-op. */
void tmem_ckpt_weights_free(struct tmem_ckpt_weights *w);

/* ------------------------------------------- checkpoint vs formula check */

#define TMEM_CHECK_MAX_LINES 48
#define TMEM_CHECK_LINE_LEN 240

enum tmem_check_status {
    TMEM_CHECK_OK = 0,   /* agrees */
    TMEM_CHECK_DIFF,     /* disagrees */
    TMEM_CHECK_NOTE,     /* neither: explained extra tensors, guesses */
};

struct tmem_check_line {
    enum tmem_check_status status;
    char text[TMEM_CHECK_LINE_LEN];
};

struct tmem_ckpt_check {
    char against[TMEM_ERROR_WHERE_LEN]; /* "config.json", a --config path, "the GGUF metadata" */
    struct tmem_model model;        /* resolved */
    struct tmem_inventory inv;
    uint64_t formula_params;        /* inv.total_params */
    uint64_t compared_params;       /* checkpoint params minus explained extras */
    bool matches;                   /* no DIFF line */
    bool tied;                      /* no lm_head tensor: the embedding is the head */
    uint32_t n_lines;
    struct tmem_check_line lines[TMEM_CHECK_MAX_LINES];
};

/* Compares the checkpoint with the formula inventory of model `m` (resolved):
 * totals, each group, tied embeddings, layer coverage, and the tensors the
 * formula does not count, one line each. `against` (may be NULL) names what
 * the model came from. TMEM_ERR_NOMEM when the per-layer tables cannot be
 * allocated (c's allocator). *out is zeroed first (partial on an error). */
enum tmem_status tmem_ckpt_check(const struct tmem_ckpt *c, const struct tmem_ckpt_summary *s,
                                 const struct tmem_model *m, const char *against,
                                 struct tmem_ckpt_check *out, struct tmem_error *err);

#ifdef __cplusplus
}
#endif

#endif /* TMEM_CHECKPOINT_H */
