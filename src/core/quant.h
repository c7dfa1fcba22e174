/* quant.h — how one tensor is stored in a serving weight format: whether
 * it is quantized, which ggml type a llama.cpp mix gives it, and its bytes
 * (payload and scales/zeros apart). Internal to the core. */
#ifndef TMEM_QUANT_H
#define TMEM_QUANT_H

#include "tmem/infer.h"

/* Bytes of one instance of a tensor (after any tensor-parallel split). */
struct tmem_instance_bytes {
    uint64_t payload;   /* the weights themselves */
    uint64_t scales;    /* scales, zero points, g_idx, absmax, code tables */
    uint32_t ggml_type; /* GGUF formats: the type used; else TMEM_GGML_TYPE_COUNT */
    bool quantized;
};

/* Whether f is one of the GGUF formats (a pure ggml type or a mix). */
bool tmem__wf_is_gguf(enum tmem_wformat f);

/* Whether format f quantizes tensor t (HF formats: the 2-D matrices of
 * attention, MLP and experts; GGUF: every 2-D matrix but the router). */
bool tmem__wf_quantizes(const struct tmem_tensor *t, enum tmem_wformat f);

/* The ggml type llama.cpp's quantizer (llama-quant.cpp llama_tensor_get_type)
 * gives tensor t of layer `layer` (of n_layer) under format f with base type
 * `base`; tied: the model has no separate output tensor. */
uint32_t tmem__gguf_type_for(const struct tmem_tensor *t, enum tmem_wformat f, uint32_t base,
                            uint64_t layer, uint64_t n_layer, bool tied);

/* One instance of a rows × cols tensor (rows = input width for matrices)
 * stored as s (the ggml type for GGUF, the group size and bits for int4;
 * group: the opts' --group-size where s leaves it 0). as_stored: s is how
 * a checkpoint holds this very tensor (no rule picks what is quantized, a
 * ggml type is taken as it is); else unquantized tensors are kept in
 * `keep` (GGUF: f32 for vectors). */
enum tmem_status tmem__wf_instance_bytes(const struct tmem_tensor *t, const struct tmem_wstore *s,
                                        bool as_stored, uint64_t group, enum tmem_dtype keep,
                                        uint64_t rows, uint64_t cols,
                                        struct tmem_instance_bytes *out, struct tmem_error *err);

/* The element type of format f's payload: fp32 / bf16 / fp16 for the plain
 * formats, fp8, int8 or int4 for the quantized matrices; GGUF formats
 * (ggml block types instead): TMEM_DTYPE_COUNT. */
enum tmem_dtype tmem__wf_payload_dtype(enum tmem_wformat f);

/* Format f's rule for the scales of one quantized matrix, in words with
 * its constants ("Σ matrices: ceil(in/128) × ceil(out/128) × 4 B"), into
 * buf[cap]; returns buf. */
const char *tmem__wf_scales_rule(enum tmem_wformat f, uint64_t group, char *buf, size_t cap);
/* The same for store s (its bits, zero points, group or per-channel
 * scales, act order), group: the opts' where s leaves it 0. */
const char *tmem__wstore_scales_rule(const struct tmem_wstore *s, uint64_t group, char *buf,
                                     size_t cap);

#endif /* TMEM_QUANT_H */
