/* fuzz_hf_config.c — fuzz target: bytes as a config.json → model → resolve
 * → inventory. Any input must end in TMEM_OK or a clean error. */
#include "fuzz.h"
#include "reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tmem_model raw, m;
    struct tmem_inventory inv;
    struct tmem_error err;
    if (tmem_hf_config_parse((const char *)data, size, "fuzz.json", NULL, &raw, &err) != TMEM_OK)
        return 0;
    if (tmem_model_resolve(&raw, &m, &err) != TMEM_OK)
        return 0;
    tmem_inventory_build(&m, &inv, &err);
    return 0;
}
