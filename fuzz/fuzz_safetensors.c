/* fuzz_safetensors.c — fuzz target: bytes as a .safetensors file → header
 * (jansson), layout → summary → model from its tensor names → resolve →
 * inventory → check → both inspect reports. Any input must end in TMEM_OK
 * or a clean error, never a read outside the input. */
#include "alloc.h"
#include "fuzz.h"
#include "inspect.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tmem_ckpt c;
    struct tmem_ckpt_summary s;
    struct tmem_ckpt_check *k = tmem__alloc(sizeof *k);
    struct tmem_error err;
    if (k != NULL &&
        tmem_safetensors_parse_buffer(data, size, "fuzz.safetensors", NULL, &c, &err) == TMEM_OK &&
        tmem_ckpt_summarize(&c, &s, &err) == TMEM_OK) {
        struct tmem_model raw, m;
        char notes[256];
        bool checked = tmem_ckpt_model(&c, &raw, notes, sizeof notes, &err) == TMEM_OK &&
                       tmem_model_resolve(&raw, &m, &err) == TMEM_OK &&
                       tmem_ckpt_check(&c, &s, &m, "the tensor names", k, &err) == TMEM_OK;
        struct tmem_inspect_view v = {.ckpt = &c, .sum = &s, .check = checked ? k : NULL,
                                      .no_check = "fuzz", .notes = notes, .tensors = true};
        struct tmem_report_opts o = {0};
        tmem__report_inspect_text(fuzz_sink(), &v, &o);
        tmem__report_inspect_json(fuzz_sink(), &v);
    }
    tmem_ckpt_free(&c);
    tmem__dealloc(k);
    return 0;
}
