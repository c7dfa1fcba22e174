/* fuzz_e2e.c — end-to-end fuzz target: bytes → config.json → model →
 * inventory → inference ledgers under several option sets → every report
 * (text and JSON, params and infer). The first byte picks the options. */
#include "fuzz.h"
#include "reader.h"
#include "report_infer.h"
#include "tmem/infer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t knob = data[0];
    struct tmem_model raw, m;
    static struct tmem_inventory inv;
    static struct tmem_infer_result r;
    struct tmem_error err;
    if (tmem_hf_config_parse((const char *)data + 1, size - 1, "fuzz.json", NULL, &raw, &err) != TMEM_OK ||
        tmem_model_resolve(&raw, &m, &err) != TMEM_OK ||
        tmem_inventory_build(&m, &inv, &err) != TMEM_OK)
        return 0;

    FILE *out = fuzz_sink();
    struct tmem_params_view pv = {.model = &m, .inv = &inv, .n_moe_layer = tmem_model_moe_layers(&m)};
    for (int t = 0; t < TMEM_DTYPE_COUNT; t++)
        tmem_dtype_bytes((enum tmem_dtype)t, inv.total_params, &pv.dtype_bytes[t]);
    struct tmem_report_opts ro = {.si = knob & 1, .explain = true, .tensors = true};
    tmem__report_params_text(out, &pv, &ro);
    tmem__report_params_json(out, &pv);

    struct tmem_infer_opts o;
    tmem_infer_defaults(&o);
    o.gpu = tmem_gpu_at(knob % tmem_gpu_count());
    o.weights = (enum tmem_wformat)((knob >> 2) % TMEM_WF_COUNT);
    o.ggml_type = TMEM_GGML_Q4_0;
    o.kv_dtype = (enum tmem_kv_dtype)((knob >> 4) % TMEM_KV_COUNT);
    o.engine = (knob & 2) ? TMEM_ENGINE_HF : TMEM_ENGINE_VLLM;
    o.tp = (knob & 64) ? 2 : 1;
    o.pp = (knob & 128) && m.n_layer >= 2 ? 2 : 1;
    o.flash = !(knob & 8);
    if (tmem_infer_build(&m, &inv, &o, &r, &err) != TMEM_OK)
        return 0;
    struct tmem_infer_view v = {.model = &m, .opts = &o, .r = &r};
    if (!r.fit.fits && (knob & 32)) {
        tmem_infer_max_batch(&m, &inv, &o, &v.max_batch, &err);
        tmem_infer_max_context(&m, &inv, &o, &v.max_context, &err);
        v.have_limits = true;
    }
    tmem__report_infer_text(out, &v, &ro);
    tmem__report_infer_json(out, &v);
    return 0;
}
