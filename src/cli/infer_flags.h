/* infer_flags.h — the infer command's option rows and their conversion to
 * tmem_infer_opts, shared by tmem infer and tmem serve (every infer option
 * is a serve option). */
#ifndef TMEM_INFER_FLAGS_H
#define TMEM_INFER_FLAGS_H

#include "cli.h"
#include "output.h"
#include "tmem/infer.h"

#define INFER_DEFAULT_GPU "h100-sxm" /* the GPU a plan is checked against without --gpu */

struct infer_flags {
    struct model_flags mf;
    struct u64_opt batch, prompt, gen, tp, pp, block, group, mnbt, mns, mml, ctx_mib, graphs_mib,
        mem_mib;
    struct real_opt util, mfu, mbu, ar_us;
    const char *weights, *kv, *gpu_name, *engine, *attention, *pp_layers, *stage_mem;
    const char *mamba_cache, *mamba_ssm_cache; /* state dtypes (vLLM) */
    bool json, explain, si, all_logits, hf, vllm, long_ctx;
    struct cli_out_flags out;
    struct u64_opt images;
    const char *image_size;
};

enum { N_INFER_ROWS = 35, N_INFER_OWN = N_INFER_ROWS + CLI_OUT_MAX_ROWS };

/* Fills opts[N_INFER_OWN] with infer's own rows, targets in f. */
void tmem__infer_rows(struct infer_flags *f, struct opt *opts);

/* The infer options the parsed rows say (opts[n_opts]: the command's whole
 * table, for the "one of:" lists): *out filled; the GPU is copied into
 * *custom when --gpu-memory-mib overrides its memory. Returns 0, or 2
 * after printing the error. */
int tmem__infer_setup(const struct infer_flags *f, const struct opt *opts, size_t n_opts,
                      struct tmem_infer_opts *out, struct tmem_gpu *custom);

/* The serving format a checkpoint stores (--weights not given, a MODEL
 * path given): fills *stored and points io->stored at it when the
 * checkpoint or its config declares one. 0, or 2 after the error line.
 * The caller frees *stored with tmem_ckpt_weights_free(). */
struct tmem_ckpt_weights;
int tmem__infer_stored_weights(const char *arg, bool weights_given, const struct tmem_model *m,
                               struct tmem_ckpt_weights *stored, struct tmem_infer_opts *io);

#endif /* TMEM_INFER_FLAGS_H */
