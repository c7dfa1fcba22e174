/* cli.h — the subcommands and the model flags they share. The CLI wires
 * readers, core and reports together; it holds no formulas. */
#ifndef TMEM_CLI_H
#define TMEM_CLI_H

#include "args.h"
#include "tmem/tmem.h"

/* Architecture flags: override fields of the MODEL given, or describe a
 * model on their own (family from --family, llama by default). */
struct model_flags {
    const char *family, *name;
    struct u64_opt hidden, layers, heads, kv_heads, head_dim, ffn, vocab, max_pos;
    struct u64_opt experts, experts_per_token, expert_ffn, shared_ffn, moe_first, moe_step;
    struct u64_opt q_lora, kv_lora, qk_nope, qk_rope, v_head;
    bool tied, untied;
};

#define MODEL_FLAG_COUNT 23
/* Fills opts[MODEL_FLAG_COUNT] with the shared architecture flags. */
void model_flag_opts(struct model_flags *f, struct opt *opts);

/* MODEL (may be NULL when flags alone describe it) + flags → a resolved
 * model. Returns 0, or 2 after printing the error. */
int model_from_args(const char *arg, const struct model_flags *f, struct tmem_model *out);

/* The one message for a JSON document that could not be built. */
#define TMEM_JSON_FAILED "could not build the JSON document (out of memory, or a value of 2^63 or more)"

/* Prints a library error as one "tmem: error:" line; returns 2. */
int report_error(const struct tmem_error *err);

/* The whole command line: dispatches argv[1]; returns the exit status.
 * main() calls it; the CLI fuzzer and tests call it in-process. */
int tmem_cli_main(int argc, char **argv);

int cmd_params(int argc, char **argv);
int cmd_lab(int argc, char **argv);
int cmd_models(int argc, char **argv);
int cmd_gpus(int argc, char **argv);
int cmd_train(int argc, char **argv);   /* cmd_train.c */
int cmd_infer(int argc, char **argv);   /* cmd_infer.c */
int cmd_inspect(int argc, char **argv); /* cmd_inspect.c */

#endif /* TMEM_CLI_H */
