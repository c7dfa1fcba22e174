/* fuzz_ds_config.c — fuzz target: bytes as a DeepSpeed ds_config.json →
 * the training-plan fields it sets. Any input must end in TMEM_OK or a clean
 * error. */
#include "fuzz.h"
#include "reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tmem_ds_config ds;
    struct tmem_error err;
    tmem_ds_config_parse((const char *)data, size, "fuzz.json", NULL, &ds, &err);
    return 0;
}
