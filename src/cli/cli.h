/* cli.h — the subcommands and the model flags they share. The CLI wires
 * readers, core and reports together; it holds no formulas. */
#ifndef TMEM_CLI_H
#define TMEM_CLI_H

#include "args.h"
#include "tmem/read.h"
#include "tmem/tmem.h"

/* Architecture flags: override fields of the MODEL given, or describe a
 * model on their own (family from --family, llama by default). */
struct model_flags {
    const char *family, *name;
    struct u64_opt hidden, layers, heads, kv_heads, head_dim, ffn, vocab, max_pos;
    struct u64_opt experts, experts_per_token, expert_ffn, shared_ffn, moe_first, moe_step;
    struct u64_opt q_lora, kv_lora, qk_nope, qk_rope, v_head;
    bool tied, untied;
    const char *head;             /* --head none|pooler|mlm|cls:N (encoders) */
    /* out: what the reader assumed ("unknown model_type ...: counted as ..."),
     * one note a line; model_from_args prints each as "tmem: note:" on
     * stderr and commands put them in their JSON "notes" */
    char notes[1024];
};

#define MODEL_FLAG_COUNT 24
/* Fills opts[MODEL_FLAG_COUNT] with the shared architecture flags. */
void model_flag_opts(struct model_flags *f, struct opt *opts);

/* MODEL (may be NULL when flags alone describe it) + flags → a resolved
 * model; --family with a MODEL forces that family's layout on its config.
 * Returns 0 (f->notes filled), or 2 after printing the error. */
int model_from_args(const char *arg, struct model_flags *f, struct tmem_model *out);
/* f->notes as a list: up to max pointers into buf (a copy), returns how many */
size_t model_notes_list(const struct model_flags *f, char *buf, size_t cap, const char **list,
                        size_t max);

/* model_from_args, then its tensor inventory (tmem_inventory_build).
 * Returns 0, or 2 after printing the error. */
int tmem__model_inventory_from_args(const char *arg, struct model_flags *f,
                                    struct tmem_model *m, struct tmem_inventory *inv);

/* The one message for a JSON document that could not be built. */
#define TMEM_JSON_FAILED "could not build the JSON document (out of memory, or a value of 2^63 or more)"

/* Prints a library error as one "tmem: error:" line; returns 2. */
int report_error(const struct tmem_error *err);

/* The whole command line: dispatches argv[1]; returns the exit status.
 * main() calls it; the CLI fuzzer and tests call it in-process. */
int tmem_cli_main(int argc, char **argv);
/* The same, with every allocation of the run (the CLI's own, the library's
 * and jansson's) made by alc (NULL: malloc/free): the allocation-failure
 * tests pass one that fails the N-th. */
int tmem_cli_run(int argc, char **argv, const struct tmem_allocator *alc);
/* The allocator of the run in progress, which the CLI passes to every
 * library call that takes one. */
const struct tmem_allocator *cli_allocator(void);

/* The named values of options, from the core's name tables (choices.c). */
const char *tmem__choice_precision(size_t i);
const char *tmem__choice_optimizer(size_t i);
const char *tmem__choice_recompute(size_t i);
const char *tmem__choice_attention(size_t i);
const char *tmem__choice_kernels(size_t i);
const char *tmem__choice_framework(size_t i);
const char *tmem__choice_fsdp(size_t i);
const char *tmem__choice_offload(size_t i);
const char *tmem__choice_rl(size_t i);
const char *tmem__choice_ref_model(size_t i);
const char *tmem__choice_same_none(size_t i);
const char *tmem__choice_base_quant(size_t i);
const char *tmem__choice_kv_dtype(size_t i);
const char *tmem__choice_state_dtype(size_t i); /* auto, float32, bfloat16, float16 */
const char *tmem__choice_engine(size_t i);
const char *tmem__choice_schedule(size_t i);
const char *tmem__choice_family(size_t i);
const char *tmem__choice_gpu(size_t i);
const char *tmem__choice_wformat(size_t i);
const char *tmem__choice_ggml_type(size_t i);
const char *tmem__choice_on_off(size_t i);
const char *tmem__choice_format(size_t i); /* --format: the report's format name table */
/* The index of name among fn's names, or -1. */
int tmem__choice_index(opt_choice_fn fn, const char *name);
/* "did you mean X?" over o's named values (choice, then also_choice) for
 * val, into buf; NULL when none is close (or o is NULL). */
const char *tmem__choice_hint(const struct opt *o, const char *val, char *buf, size_t cap);
/* found when it is below count, else -1 after an error line naming flag's
 * values ("unknown <what> 'val' (one of: ...)"). */
int tmem__pick(const struct opt *opts, size_t n, const char *flag, const char *val, const char *what,
               int found, int count);
/* The GPU named by --gpu into *out: 0, or 2 after an error naming the
 * closest names. */
int tmem__gpu_arg(const char *name, const struct tmem_gpu **out);
/* --efficiency, --fp8-efficiency, --attn-efficiency, --inter-node-gbps and
 * --float8 over to (whose gpu is set): 0, or 2 after an error line
 * (time_flags.c). */
struct tmem_train_time_opts;
struct tmem__time_flag_vals {
    struct real_opt efficiency, fp8_efficiency, attn_efficiency, inter_gbps;
    bool float8, tp_overlap;
};
int tmem__time_flags(const struct tmem__time_flag_vals *f, struct tmem_train_time_opts *to);
/* The option rows of those flags but --inter-node-gbps (5 rows), for the
 * tables of tmem train (PRE "step time: ") and tmem plan (PRE ""); V is
 * the struct tmem__time_flag_vals they set. */
#define TMEM__TIME_OPT_ROWS(PRE, V)                                                                             \
    {OPT_ROW("--efficiency", OPT_REAL, "F",                                                                      \
             PRE "matmuls' achieved fraction of the GPU's dense bf16 peak (default 0.40 with fp8, 0.60 without)", \
             &(V)->efficiency)},                                                                                 \
        {OPT_ROW("--fp8-efficiency", OPT_REAL, "F", PRE "Float8 linears' achieved fraction of the fp8 peak",     \
                 &(V)->fp8_efficiency),                                                                          \
         .def = OPT_DEFAULT_REAL(TMEM_TRAIN_FP8_EFFICIENCY)},                                                    \
        {OPT_ROW("--attn-efficiency", OPT_REAL, "F",                                                             \
                 PRE "flash attention's achieved fraction of the bf16 peak (default 0.35 with fp8, 0.50 without)", \
                 &(V)->attn_efficiency)},                                                                        \
        {OPT_ROW("--float8", OPT_FLAG, NULL, PRE "Float8 linears: matmuls at the GPU's fp8 rate", &(V)->float8)}, \
        {OPT_ROW("--tp-overlap", OPT_FLAG, NULL,                                                                 \
                 PRE "TP collectives pipelined with the GEMMs (Megatron --tp-comm-overlap, AsyncTP)",            \
                 &(V)->tp_overlap)}

/* A command's documentation: builds its option table (on the caller's
 * stack) and hands the doc to sink, which must not keep it. --help and the
 * man page (tmem __man, man.c) print from it. */
typedef void (*cmd_doc_sink)(const struct cmd_doc *d, void *ctx);
void tmem__params_doc(cmd_doc_sink sink, void *ctx);
void tmem__train_doc(cmd_doc_sink sink, void *ctx);
void tmem__infer_doc(cmd_doc_sink sink, void *ctx);
void tmem__serve_doc(cmd_doc_sink sink, void *ctx);
void tmem__inspect_doc(cmd_doc_sink sink, void *ctx);
void tmem__lab_doc(cmd_doc_sink sink, void *ctx);
void tmem__models_doc(cmd_doc_sink sink, void *ctx);
void tmem__gpus_doc(cmd_doc_sink sink, void *ctx);
void tmem__plan_doc(cmd_doc_sink sink, void *ctx);
void tmem__sweep_doc(cmd_doc_sink sink, void *ctx);
void tmem__completion_doc(cmd_doc_sink sink, void *ctx);

/* The subcommands, in the order tmem --help and the man page list them. */
struct tmem__cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    void (*doc)(cmd_doc_sink sink, void *ctx);
};
const struct tmem__cli_command *tmem__cli_commands(size_t *n);

/* tmem __man: the whole man page, tmem.1 (man.c). */
int tmem__cmd_man(int argc, char **argv);

int cmd_params(int argc, char **argv);
int cmd_lab(int argc, char **argv);
int cmd_models(int argc, char **argv);
int cmd_gpus(int argc, char **argv);
int cmd_train(int argc, char **argv);   /* cmd_train.c */
int cmd_infer(int argc, char **argv);   /* cmd_infer.c */
int cmd_serve(int argc, char **argv);   /* cmd_serve.c */
int cmd_inspect(int argc, char **argv); /* cmd_inspect.c */
int cmd_plan(int argc, char **argv);    /* cmd_plan.c */
int cmd_sweep(int argc, char **argv);   /* cmd_sweep.c */
int cmd_completion(int argc, char **argv); /* cmd_completion.c */

#endif /* TMEM_CLI_H */
