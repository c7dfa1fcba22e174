/* reader.h — turning what users have (a config.json, a model folder, a
 * preset name) into a struct tmem_model. Readers own all parsing and every
 * bad-input error; they never print. The model they return is raw: fields a
 * config leaves out stay 0 until tmem_model_resolve() derives them, so
 * command-line overrides can be applied first. */
#ifndef TMEM_READER_H
#define TMEM_READER_H

#include "tmem/tmem.h"

#define TMEM_MAX_CONFIG_BYTES (16u << 20) /* a config.json larger than 16 MiB is refused */

/* Parses a HuggingFace config.json held in text[len]. `where` names the input
 * in errors ("./config.json"); malformed JSON reports "<where>:<line>:<col>",
 * a bad field "<where>:<key>". */
enum tmem_status tmem_hf_config_parse(const char *text, size_t len, const char *where,
                                      struct tmem_model *out, struct tmem_error *err);

/* Opens path read-only as a regular file: a folder, FIFO, device or socket
 * is refused (TMEM_ERR_IO, "<path>: is a FIFO (named pipe), not a regular
 * file") without blocking and, but for a path swapped under it, without
 * being opened. *fd (blocking again) and its *size on TMEM_OK. */
enum tmem_status tmem__open_regular(const char *path, int *fd, uint64_t *size,
                                    struct tmem_error *err);

/* Reads a whole regular file (tmem__open_regular) of at most max_bytes into
 * a NUL-terminated buffer the caller frees with tmem_dealloc(). */
enum tmem_status tmem_read_file(const char *path, size_t max_bytes, char **buf, size_t *len,
                                struct tmem_error *err);

/* Resolves a MODEL argument in the contract's order: a config.json path, a
 * model folder holding config.json, a .gguf path, a preset name or HF id
 * (case-insensitive). Unknown names get an error listing close names. */
enum tmem_status tmem_model_load(const char *arg, struct tmem_model *out, struct tmem_error *err);

/* Up to `max` names from `names[n]` closest to `query` by edit distance
 * (case-insensitive), written as "a, b, c" into buf. Returns how many. */
size_t tmem_close_names(const char *query, const char *const *names, size_t n, size_t max,
                        char *buf, size_t cap);


/* ------------------------------------------------ DeepSpeed config (deepspeed.c) */

#include "tmem/train.h"

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

/* Parses ds_config.json text[len]; `where` names the input in errors
 * ("ds.json:3:14: ..." for JSON syntax, "ds.json:zero_optimization.stage:
 * ..." for a bad field). */
enum tmem_status tmem_ds_config_parse(const char *text, size_t len, const char *where,
                                      struct tmem_ds_config *out, struct tmem_error *err);
/* Reads and parses the file at path. */
enum tmem_status tmem_ds_config_load(const char *path, struct tmem_ds_config *out,
                                     struct tmem_error *err);

#endif /* TMEM_READER_H */
