/* gpu.c — the built-in GPU preset table and its lookups (tmem_gpu_count,
 * tmem_gpu_at, tmem_gpu_find). Pure data plus an ASCII-only, case-insensitive
 * name match; no I/O, no allocation, no mutable state.
 *
 * Conventions, one for every row:
 *   cuda_memory_bytes  the total CUDA reports to a process (cudaMemGetInfo,
 *                 torch.cuda.mem_get_info()[1]): what vLLM sizes its pool from
 *                 and what `tmem infer` uses. A published figure where one was
 *                 found (rows say where); otherwise DERIVED_MIB: the nvidia-smi
 *                 total less 542 MiB, the median gap of the eight rows that
 *                 have both figures (T4 256, 4090 316, 3090 430, H100 SXM 468,
 *                 H200 616, A100-40GB 621, B200 729, A100-80GB 870 MiB), and
 *                 cuda_memory_derived says so.
 *   memory_bytes  the total the driver reports: nvidia-smi "MiB" total on a
 *                 current (R530+) driver, written as MiB * 1048576 so the
 *                 reported figure stays visible. This is NOT the marketing
 *                 figure. The allocator-visible cudaMemGetInfo total (what
 *                 torch prints as "total capacity") is usually 0.3-1 % lower
 *                 and moves with the driver version; rows note it where a
 *                 public figure was found. AMD: the ROCm pool size (rocminfo
 *                 "Pool 1 Size", which torch.cuda total_memory matches).
 *   hbm_bytes_per_s  vendor datasheet peak memory bandwidth (decimal, B/s).
 *   bf16_flops / fp8_flops  vendor datasheet DENSE tensor-core rates, i.e. the
 *                 "with sparsity" figure halved. GeForce rows use the
 *                 "with FP32 accumulate" figure (what bf16 training runs at).
 *                 Pre-Ampere parts have no bf16: their fp16 tensor rate is
 *                 used and the row says so. fp8 is 0 where unsupported.
 *   interconnect_bytes_per_s  ONE DIRECTION per GPU: half of the vendor's
 *                 bidirectional aggregate (NVLink 4 "900 GB/s" -> 450e9;
 *                 "PCIe Gen4 x16: 64 GB/s bidirectional" -> 32e9; Gen3 16e9,
 *                 Gen5 64e9). PCIe cards whose NVLink bridge is optional use
 *                 their PCIe figure.
 * Sources are cited per row; "(unconfirmed: ...)" marks a figure that could
 * not be checked against a primary source.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tmem/tmem.h"

/* A CUDA total as torch/vLLM print it, in hundredths of a GiB (79.19 GiB). */
#define GIB_HUNDREDTHS(h) (UINT64_C(h) * UINT64_C(1073741824) / 100)
/* The rule for rows without a published CUDA figure (see above). */
#define CUDA_GAP_MIB 542
#define DERIVED_MIB(smi_mib) ((UINT64_C(smi_mib) - CUDA_GAP_MIB) * 1048576)

static const struct tmem_gpu gpus[] = {
    /* V100 SXM2 16GB.
     * mem: 16384 MiB on R530+ drivers (many public nvidia-smi pastes, e.g.
     *   "Tesla V100-SXM2-16GB ... 16384MiB"; unconfirmed: no issue URL kept).
     *   Older drivers print 16160 (driver 440.64,
     *   https://github.com/4paradigm/k8s-vgpu-scheduler/issues/7), 16152
     *   (driver 384.81, https://github.com/vantage-sh/ec2instances.info/issues/289).
     * bw 900 GB/s; 125 TFLOPS is the FP16 tensor rate (V100 has no bf16);
     * NVLink 2 300 GB/s aggregate -> 150e9: NVIDIA Tesla V100 datasheet. */
    {.name = "v100-16gb",
     .full_name = "NVIDIA Tesla V100 SXM2 16GB",
     .memory_bytes = UINT64_C(16384) * 1048576,
     .cuda_memory_bytes = DERIVED_MIB(16384),
     .cuda_memory_derived = true,
     .hbm_bytes_per_s = 900e9,
     .bf16_flops = 125e12,
     .fp8_flops = 0.0,
     .interconnect_bytes_per_s = 150e9,
     .interconnect = "NVLink 2"},

    /* V100 SXM2 32GB.
     * mem: 32768 MiB, driver 525.105.17:
     *   https://github.com/Wan-Video/Wan2.1/issues/5 (older drivers: 32510 /
     *   32480, e.g. https://github.com/godweiyang/GrabGPU/issues/5).
     * bw/tensor/NVLink: NVIDIA Tesla V100 datasheet (fp16 tensor, no bf16). */
    {.name = "v100-32gb",
     .full_name = "NVIDIA Tesla V100 SXM2 32GB",
     .memory_bytes = UINT64_C(32768) * 1048576,
     .cuda_memory_bytes = DERIVED_MIB(32768),
     .cuda_memory_derived = true,
     .hbm_bytes_per_s = 900e9,
     .bf16_flops = 125e12,
     .fp8_flops = 0.0,
     .interconnect_bytes_per_s = 150e9,
     .interconnect = "NVLink 2"},

    /* T4 16GB (ECC on by default, which costs 1/16 of the GDDR6).
     * mem: 15360 MiB: https://github.com/modal-labs/modal-client/pull/2797 and
     *   https://thundergolfer.com/blog/nvidia-gpu-memory-capacity; torch shows
     *   ~14.75 GiB (https://github.com/hpcaitech/Open-Sora/issues/697).
     * bw 320 GB/s; 65 TFLOPS FP16/FP32 mixed-precision tensor (Turing: no
     * bf16); PCIe Gen3 x16 32 GB/s bidir -> 16e9: NVIDIA T4 datasheet.
     * cuda: 14.75 GiB, torch total (Open-Sora #697 above).
     */
    {.name = "t4",
     .full_name = "NVIDIA Tesla T4 16GB",
     .memory_bytes = UINT64_C(15360) * 1048576,
     .cuda_memory_bytes = GIB_HUNDREDTHS(1475),
     .cuda_memory_derived = false,
     .hbm_bytes_per_s = 320e9,
     .bf16_flops = 65e12,
     .fp8_flops = 0.0,
     .interconnect_bytes_per_s = 16e9,
     .interconnect = "PCIe 3.0 x16"},

    /* A10G 24GB (AWS G5 variant of A10).
     * mem: 23028 MiB, driver 535.247.01:
     *   https://github.com/NVIDIA/DCGM/issues/232 (also modal PR #2797).
     * bw 600 GB/s: same memory system as A10 (NVIDIA A10 datasheet; Baseten
     *   "NVIDIA A10 vs A10G for ML model inference").
     * bf16 70e12 (unconfirmed: NVIDIA publishes no A10G datasheet; 70 TFLOPS
     *   dense is the third-party figure, the A10 datasheet says 125 dense).
     * PCIe Gen4 x16 -> 32e9. */
    {.name = "a10g",
     .full_name = "NVIDIA A10G 24GB",
     .memory_bytes = UINT64_C(23028) * 1048576,
     .cuda_memory_bytes = DERIVED_MIB(23028),
     .cuda_memory_derived = true,
     .hbm_bytes_per_s = 600e9,
     .bf16_flops = 70e12,
     .fp8_flops = 0.0,
     .interconnect_bytes_per_s = 32e9,
     .interconnect = "PCIe 4.0 x16"},

    /* L4 24GB.
     * mem: 23034 MiB: modal PR #2797 / thundergolfer.com blog (above).
     * bw 300 GB/s; BF16 242* -> 121e12, FP8 485* -> 242.5e12 (* sparse);
     * PCIe Gen4 x16 64 GB/s bidir -> 32e9: NVIDIA L4 datasheet. */
    {.name = "l4",
     .full_name = "NVIDIA L4 24GB",
     .memory_bytes = UINT64_C(23034) * 1048576,
     .cuda_memory_bytes = DERIVED_MIB(23034),
     .cuda_memory_derived = true,
     .hbm_bytes_per_s = 300e9,
     .bf16_flops = 121e12,
     .fp8_flops = 242.5e12,
     .interconnect_bytes_per_s = 32e9,
     .interconnect = "PCIe 4.0 x16"},

    /* L40S 48GB.
     * mem: 46068 MiB, driver 595.71.05:
     *   https://github.com/akash-network/provider-configs/pull/99 (also modal).
     * bw 864 GB/s; BF16 362.05 dense (733*); FP8 733 dense (1,466*); PCIe
     * Gen4 x16 64 GB/s bidir, no NVLink: NVIDIA L40S datasheet. */
    {.name = "l40s",
     .full_name = "NVIDIA L40S 48GB",
     .memory_bytes = UINT64_C(46068) * 1048576,
     .cuda_memory_bytes = DERIVED_MIB(46068),
     .cuda_memory_derived = true,
     .hbm_bytes_per_s = 864e9,
     .bf16_flops = 362.05e12,
     .fp8_flops = 733e12,
     .interconnect_bytes_per_s = 32e9,
     .interconnect = "PCIe 4.0 x16"},

    /* A100 SXM4 40GB.
     * mem: 40960 MiB: modal PR #2797 / thundergolfer.com blog. Driver 470
     *   printed 40536 (https://github.com/nanopool/phoenix-miner/issues/17);
     *   CUDA sees 40339 MiB (42298834944 B, deviceQuery in
     *   https://github.com/bottlerocket-os/bottlerocket/pull/3873).
     * bw 1,555 GB/s; BF16 312 dense (624*); NVLink 3 600 GB/s -> 300e9:
     * NVIDIA A100 datasheet.
     * cuda: 42,298,834,944 B, deviceQuery (bottlerocket PR #3873 above).
     */
    {.name = "a100-40gb",
     .full_name = "NVIDIA A100 SXM4 40GB",
     .memory_bytes = UINT64_C(40960) * 1048576,
     .cuda_memory_bytes = UINT64_C(42298834944),
     .cuda_memory_derived = false,
     .hbm_bytes_per_s = 1555e9,
     .bf16_flops = 312e12,
     .fp8_flops = 0.0,
     .interconnect_bytes_per_s = 300e9,
     .interconnect = "NVLink 3"},

    /* A100 SXM4 80GB.
     * mem: 81920 MiB: modal PR #2797 / thundergolfer.com blog; nvidia-smi -a
     *   in https://github.com/NVIDIA/CUDALibrarySamples/issues/104. torch
     *   reports 79.14-79.33 GiB depending on driver.
     * bw 2,039 GB/s; BF16 312 dense; NVLink 3 600 GB/s -> 300e9: NVIDIA A100
     * datasheet (80GB SXM column).
     * cuda: 79.15 GiB, inside the 79.14-79.33 GiB torch range above (unconfirmed:
     *   the figure vLLM startup logs on 80GB parts print most often; no URL kept).
     */
    {.name = "a100-80gb",
     .full_name = "NVIDIA A100 SXM4 80GB",
     .memory_bytes = UINT64_C(81920) * 1048576,
     .cuda_memory_bytes = GIB_HUNDREDTHS(7915),
     .cuda_memory_derived = false,
     .hbm_bytes_per_s = 2039e9,
     .bf16_flops = 312e12,
     .fp8_flops = 0.0,
     .interconnect_bytes_per_s = 300e9,
     .interconnect = "NVLink 3"},

    /* H100 PCIe 80GB.
     * mem: 81559 MiB, driver 550.127.05 (unconfirmed: a public nvidia-smi
     *   paste found by code search, no issue URL kept; matches the SXM part).
     * bw 2.0 TB/s; BF16 1,513* -> 756.5e12; FP8 3,026* -> 1513e12; PCIe Gen5
     * 128 GB/s bidir -> 64e9 (an optional NVLink bridge gives 600 GB/s):
     * NVIDIA H100 datasheet / H100 PCIe product brief PB-11133-001. */
    {.name = "h100-pcie",
     .full_name = "NVIDIA H100 PCIe 80GB",
     .memory_bytes = UINT64_C(81559) * 1048576,
     .cuda_memory_bytes = DERIVED_MIB(81559),
     .cuda_memory_derived = true,
     .hbm_bytes_per_s = 2.0e12,
     .bf16_flops = 756.5e12,
     .fp8_flops = 1513e12,
     .interconnect_bytes_per_s = 64e9,
     .interconnect = "PCIe 5.0 x16"},

    /* H100 SXM5 80GB.
     * mem: 81559 MiB, driver 550.54.15:
     *   https://github.com/NVIDIA/nccl/issues/1264 (also
     *   https://github.com/wilicc/gpu-burn/issues/114); = 85520809984 B.
     * bw 3.35 TB/s; BF16 989.4 dense (1,979*); FP8 1,978.9 dense (3,958*);
     * NVLink 4 900 GB/s -> 450e9: NVIDIA H100 datasheet; dense figures from
     * the NVIDIA Hopper architecture whitepaper.
     * cuda: 79.19 GiB, torch.cuda.mem_get_info() total on an H100 80GB as
     *   vLLM V1 startup logs print it (issue 10 of this project).
     */
    {.name = "h100-sxm",
     .full_name = "NVIDIA H100 SXM5 80GB",
     .memory_bytes = UINT64_C(81559) * 1048576,
     .cuda_memory_bytes = GIB_HUNDREDTHS(7919),
     .cuda_memory_derived = false,
     .hbm_bytes_per_s = 3.35e12,
     .bf16_flops = 989.4e12,
     .fp8_flops = 1978.9e12,
     .interconnect_bytes_per_s = 450e9,
     .interconnect = "NVLink 4"},

    /* H100 NVL 94GB (PCIe card, paired by NVLink bridge).
     * mem: 95830 MiB, driver 535.183.01:
     *   https://github.com/NVIDIA/gpu-admin-tools/issues/4
     * bw 3.9 TB/s; BF16 1,671* -> 835.5e12; FP8 3,341* -> 1670.5e12; NVLink
     * bridge 600 GB/s -> 300e9: NVIDIA H100 datasheet (H100 NVL column). */
    {.name = "h100-nvl",
     .full_name = "NVIDIA H100 NVL 94GB",
     .memory_bytes = UINT64_C(95830) * 1048576,
     .cuda_memory_bytes = DERIVED_MIB(95830),
     .cuda_memory_derived = true,
     .hbm_bytes_per_s = 3.9e12,
     .bf16_flops = 835.5e12,
     .fp8_flops = 1670.5e12,
     .interconnect_bytes_per_s = 300e9,
     .interconnect = "NVLink 4 bridge"},

    /* H200 SXM 141GB.
     * mem: 143771 MiB, driver 550.144.03:
     *   https://github.com/sgl-project/sglang/issues/3196 (also thundergolfer
     *   blog); torch reports 139.80-139.81 GiB.
     * bw 4.8 TB/s; same Tensor Cores as H100 SXM (989.4 / 1,978.9 dense);
     * NVLink 4 900 GB/s -> 450e9: NVIDIA H200 datasheet.
     * cuda: 139.80 GiB, torch total (above).
     */
    {.name = "h200",
     .full_name = "NVIDIA H200 SXM 141GB",
     .memory_bytes = UINT64_C(143771) * 1048576,
     .cuda_memory_bytes = GIB_HUNDREDTHS(13980),
     .cuda_memory_derived = false,
     .hbm_bytes_per_s = 4.8e12,
     .bf16_flops = 989.4e12,
     .fp8_flops = 1978.9e12,
     .interconnect_bytes_per_s = 450e9,
     .interconnect = "NVLink 4"},

    /* B200 (HGX B200, 1000 W).
     * mem: 183359 MiB, driver 580.95.05:
     *   https://github.com/NVIDIA/TensorRT-LLM/issues/10278; torch reports
     *   178.35 GiB.
     * bw 8 TB/s (HGX B200 datasheet: 64 TB/s per 8 GPUs; a driver-reported
     *   7680-bit bus gives ~7.67 TB/s, https://github.com/pytorch/ao/pull/4002).
     * BF16 2.25 PF dense, FP8 4.5 PF dense (HGX B200 datasheet 36 / 72 PF
     * sparse per 8 GPUs; same in pytorch/ao roofline_utils); NVLink 5
     * 1.8 TB/s -> 900e9.
     * cuda: 178.35 GiB, torch total (TensorRT-LLM #10278 above).
     */
    {.name = "b200",
     .full_name = "NVIDIA B200 SXM 180GB",
     .memory_bytes = UINT64_C(183359) * 1048576,
     .cuda_memory_bytes = GIB_HUNDREDTHS(17835),
     .cuda_memory_derived = false,
     .hbm_bytes_per_s = 8.0e12,
     .bf16_flops = 2250e12,
     .fp8_flops = 4500e12,
     .interconnect_bytes_per_s = 900e9,
     .interconnect = "NVLink 5"},

    /* AMD Instinct MI300X 192GB.
     * mem: 196592 MiB = rocminfo "Pool 1 Size: 201310208(0xbffc000) KB":
     *   https://github.com/ROCm/rocm-examples/issues/187 (also
     *   https://github.com/ROCm/legacy-rocm-build/issues/4414); torch prints
     *   "total capacity of 191.98 GiB", consistent. (Nominal 192 GiB would be
     *   196608 MiB.)
     * bw 5.3 TB/s; BF16 1,307.4 dense; FP8 2,614.9 dense; 7 Infinity Fabric
     * links x 128 GB/s = 896 GB/s bidir -> 448e9: AMD Instinct MI300X data
     * sheet.
     * cuda: the same pool; torch prints 191.98 GiB (above).
     */
    {.name = "mi300x",
     .full_name = "AMD Instinct MI300X 192GB",
     .memory_bytes = UINT64_C(196592) * 1048576,
     .cuda_memory_bytes = UINT64_C(196592) * 1048576,
     .cuda_memory_derived = false,
     .hbm_bytes_per_s = 5.3e12,
     .bf16_flops = 1307.4e12,
     .fp8_flops = 2614.9e12,
     .interconnect_bytes_per_s = 448e9,
     .interconnect = "Infinity Fabric"},

    /* RTX A6000 48GB (ECC off, the workstation default).
     * mem: 49140 MiB, driver 580.173.02:
     *   https://github.com/noonghunna/club-3090/issues/1047 (46068 with ECC on).
     * bw 768 GB/s; 309.7 TFLOPS tensor* -> 154.8e12 dense: NVIDIA RTX A6000
     * datasheet. PCIe Gen4 x16 -> 32e9 (optional 2-way NVLink bridge,
     * 112.5 GB/s bidir, not assumed). */
    {.name = "a6000",
     .full_name = "NVIDIA RTX A6000 48GB",
     .memory_bytes = UINT64_C(49140) * 1048576,
     .cuda_memory_bytes = DERIVED_MIB(49140),
     .cuda_memory_derived = true,
     .hbm_bytes_per_s = 768e9,
     .bf16_flops = 154.8e12,
     .fp8_flops = 0.0,
     .interconnect_bytes_per_s = 32e9,
     .interconnect = "PCIe 4.0 x16"},

    /* GeForce RTX 3090 24GB.
     * mem: 24576 MiB, driver 595.84:
     *   https://github.com/noonghunna/club-3090/issues/1128
     * bw 936 GB/s; BF16 tensor with FP32 accumulate 71 dense (142*): NVIDIA
     * Ampere GA102 GPU architecture whitepaper. PCIe Gen4 x16 -> 32e9
     * (optional NVLink bridge not assumed).
     * cuda: 23.58 GiB, vLLM's "total_gpu_memory (23.58GiB)":
     *   https://github.com/vllm-project/vllm/issues/10517
     */
    {.name = "rtx-3090",
     .full_name = "NVIDIA GeForce RTX 3090 24GB",
     .memory_bytes = UINT64_C(24576) * 1048576,
     .cuda_memory_bytes = GIB_HUNDREDTHS(2358),
     .cuda_memory_derived = false,
     .hbm_bytes_per_s = 936e9,
     .bf16_flops = 71e12,
     .fp8_flops = 0.0,
     .interconnect_bytes_per_s = 32e9,
     .interconnect = "PCIe 4.0 x16"},

    /* GeForce RTX 4090 24GB.
     * mem: 24564 MiB, driver 550.163.01:
     *   https://github.com/RLinf/RLinf/issues/255; torch ~23.68 GiB
     *   (https://github.com/zai-org/CogVideo/issues/36).
     * bw 1,008 GB/s; FP32-accumulate BF16 165.2 dense, FP8 330.3 dense:
     * NVIDIA Ada GPU architecture whitepaper (appendix table). PCIe Gen4 x16.
     * cuda: 23.68 GiB, torch total (CogVideo #36 above).
     */
    {.name = "rtx-4090",
     .full_name = "NVIDIA GeForce RTX 4090 24GB",
     .memory_bytes = UINT64_C(24564) * 1048576,
     .cuda_memory_bytes = GIB_HUNDREDTHS(2368),
     .cuda_memory_derived = false,
     .hbm_bytes_per_s = 1008e9,
     .bf16_flops = 165.2e12,
     .fp8_flops = 330.3e12,
     .interconnect_bytes_per_s = 32e9,
     .interconnect = "PCIe 4.0 x16"},

    /* GeForce RTX 5090 32GB.
     * mem: 32607 MiB, driver 595.71.05:
     *   https://github.com/noonghunna/club-3090/issues/617
     * bw 1,792 GB/s: NVIDIA RTX Blackwell GPU architecture whitepaper.
     * bf16 209.5e12 / fp8 419e12 (unconfirmed: FP32-accumulate dense rates as
     *   recalled from that whitepaper, 838 TFLOPS FP16* with FP16 accumulate
     *   is the headline; measured bf16 GEMMs reach ~235-240 TFLOPS at
     *   above-spec clocks, https://github.com/zzc0721/torch-performance-test-data/issues/96).
     * PCIe Gen5 x16 -> 64e9. */
    {.name = "rtx-5090",
     .full_name = "NVIDIA GeForce RTX 5090 32GB",
     .memory_bytes = UINT64_C(32607) * 1048576,
     .cuda_memory_bytes = DERIVED_MIB(32607),
     .cuda_memory_derived = true,
     .hbm_bytes_per_s = 1792e9,
     .bf16_flops = 209.5e12,
     .fp8_flops = 419e12,
     .interconnect_bytes_per_s = 64e9,
     .interconnect = "PCIe 5.0 x16"},
};

#define N_GPUS (sizeof gpus / sizeof gpus[0])

_Static_assert(sizeof gpus / sizeof gpus[0] >= 16, "the brief's 16 presets must all be present");

/* Extra spellings accepted by tmem_gpu_find; each target is a row name. */
static const struct {
    const char *alias;
    const char *name;
} aliases[] = {
    {"v100", "v100-16gb"},   {"a100", "a100-80gb"},    {"a100-80g", "a100-80gb"},
    {"a100-40g", "a100-40gb"}, {"h100", "h100-sxm"},   {"h100-80gb", "h100-sxm"},
    {"h100-sxm5", "h100-sxm"}, {"h200-sxm", "h200"},   {"b200-sxm", "b200"},
    {"rtx-a6000", "a6000"},  {"3090", "rtx-3090"},     {"rtx3090", "rtx-3090"},
    {"4090", "rtx-4090"},    {"rtx4090", "rtx-4090"},  {"5090", "rtx-5090"},
    {"rtx5090", "rtx-5090"},
};

#define N_ALIASES (sizeof aliases / sizeof aliases[0])

static unsigned char ascii_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

/* Case-insensitive (ASCII only) equality of two NUL-terminated strings. */
static bool name_eq(const char *a, const char *b)
{
    const unsigned char *p = (const unsigned char *)a;
    const unsigned char *q = (const unsigned char *)b;
    while (*p != '\0' && *q != '\0') {
        if (ascii_lower(*p) != ascii_lower(*q))
            return false;
        p++;
        q++;
    }
    return *p == *q;
}

size_t tmem_gpu_count(void)
{
    return N_GPUS;
}

const struct tmem_gpu *tmem_gpu_at(size_t i)
{
    return i < N_GPUS ? &gpus[i] : NULL;
}

const struct tmem_gpu *tmem_gpu_find(const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < N_GPUS; i++)
        if (name_eq(name, gpus[i].name))
            return &gpus[i];
    for (size_t i = 0; i < N_ALIASES; i++) {
        if (!name_eq(name, aliases[i].alias))
            continue;
        for (size_t j = 0; j < N_GPUS; j++)
            if (strcmp(aliases[i].name, gpus[j].name) == 0)
                return &gpus[j];
        return NULL; /* alias to a missing row: a table bug, caught by tests */
    }
    return NULL;
}
