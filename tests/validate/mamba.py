#!/usr/bin/python3
"""mamba.py — `tmem train` of Mamba-1 and Mamba-2 models (the mamba and mamba2
families) measured with real PyTorch (CPU). HF transformers' MambaForCausalLM (modeling_mamba.py) as it
trains on a GPU with mamba_ssm installed: MambaBlock = MambaRMSNorm (eager, or
kernels.py's fused RMSNorm for --kernels fused) → MambaMixer.cuda_kernels_forward
→ residual add with residual_in_fp32; the mixer is in_proj, then mamba_ssm's
mamba_inner_fn. mamba_ssm is CUDA-only, so MambaInnerFn below is an
autograd.Function that saves exactly what MambaInnerFn.forward saves
(mamba_ssm/ops/selective_scan_interface.py, checkpoint_lvl=1):

  ctx.save_for_backward(xz, conv1d_weight, conv1d_bias, x_dbl, x_proj_weight,
      delta_proj_weight, out_proj_weight, conv1d_out=None, delta=None,
      A, B, C, D, delta_bias, scan_intermediates, ..., out)

with xz the .contiguous() copy of in_proj(x).transpose(1, 2), B and C the
rearranged "(b l) dstate -> b 1 dstate l" .contiguous() copies of x_dbl's
columns, out the scan output before the z gate (u's dtype) and
scan_intermediates selective_scan_cuda's x: torch::empty({batch, dim,
n_chunks = (seqlen + 2047) / 2048, dstate * 2}, weight_type) (csrc/
selective_scan/selective_scan.cpp), fp32 (A = -exp(A_log.float())). Its
backward rebuilds conv1d_out, delta and out_z from those and differentiates a
sequential reference scan, so one real AdamW step runs.

Mamba-2: HF Mamba2Block = norm → Mamba2Mixer.cuda_kernels_forward (training:
mamba_ssm's mamba_split_conv1d_scan_combined, the gated RMSNorm and out_proj
inside) → residual add (residual_in_fp32). Mamba2CombinedFn below saves what
MambaSplitConv1dScanCombinedFn.forward saves (ops/triton/ssd_combined.py):

  ctx.save_for_backward(zxbcdt, conv1d_weight, conv1d_bias, out_x, A, D,
      dt_bias, initial_states=None, seq_idx=None, rmsnorm_weight, rstd,
      outproj_weight, outproj_bias)

zxbcdt the in_proj output itself, out_x the scan output before the gate
(empty_like(x): the compute dtype), rstd the grouped RMSNorm's fp32 statistic
[n_group, b·s]; the chunked scan's dt, dA_cumsum and chunk states are not kept.

Measured: the bytes autograd saves in the forward (validate.py's saved-tensor
meter: deduplicated by storage, parameters excluded). Compared with
`tmem train CONFIG --json` phases.forward.activations (the layers' items and
the embedding + head inputs); tolerance 5 %. mamba-130m's proportions at a
sixth of its width (Debian's CPU torch runs a 2048 × 768 × 3072 matmul in
tens of seconds): d_model 128, d_inner 2·128, d_state 16, dt_rank 128/16,
d_conv 4, 2 layers, vocab 1024; Mamba-2: 8 heads of 32, d_state 16, 2 groups.
Usage: mamba.py path/to/tmem
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import validate as V  # noqa: E402  (HF eager RMSNorm, the saved-tensor meter, the tally)
import kernels as K  # noqa: E402  (the fused RMSNorm Function)

nn, F = torch.nn, torch.nn.functional
TOL = 0.05
CHUNK = 2048  # selective_scan_cuda's chunk of the sequence
EPS = 1e-6
torch.set_num_threads(1)


def mixer_ref(xz, conv_w, conv_b, x_proj_w, dt_proj_w, out_proj_w, A, D, delta_bias):
    """mamba_inner_ref's arithmetic (selective_scan_interface.py), differentiable"""
    b, _, L = xz.shape
    di, N, R = conv_w.shape[0], A.shape[1], dt_proj_w.shape[1]
    x, z = xz.chunk(2, dim=1)
    u = F.silu(F.conv1d(x, conv_w, conv_b, padding=conv_w.shape[-1] - 1, groups=di)[..., :L])
    x_dbl = F.linear(u.transpose(1, 2).reshape(b * L, di), x_proj_w)
    dt, Bm, Cm = x_dbl.split([R, N, N], dim=-1)
    delta = (dt @ dt_proj_w.t()).view(b, L, di).transpose(1, 2)
    delta = F.softplus(delta.float() + delta_bias[None, :, None])
    Bm, Cm = Bm.view(b, L, N).float(), Cm.view(b, L, N).float()
    dA = torch.exp(delta[..., None] * A[None, :, None, :])  # b d l N
    dBu = delta[..., None] * Bm[:, None, :, :] * u.float()[..., None]
    h = torch.zeros(b, di, N)
    ys, last = [], []
    # unbind once: a slice per step would make its backward zero-fill the whole tensor each step
    dA_l, dBu_l, C_l = dA.unbind(2), dBu.unbind(2), Cm.unbind(1)
    for i in range(L):
        h = dA_l[i] * h + dBu_l[i]
        ys.append((h * C_l[i][:, None, :]).sum(-1))
        if (i + 1) % CHUNK == 0 or i + 1 == L:
            last.append(h)
    y = torch.stack(ys, dim=-1) + u.float() * D[None, :, None]
    out = y.to(u.dtype)
    out_z = out * F.silu(z)
    return F.linear(out_z.transpose(1, 2), out_proj_w), x_dbl, out, last


class MambaInnerFn(torch.autograd.Function):
    """mamba_ssm's MambaInnerFn, checkpoint_lvl=1: saves what it saves"""

    @staticmethod
    def forward(ctx, xz, conv_w, conv_b, x_proj_w, dt_proj_w, out_proj_w, A, D, delta_bias):
        with torch.no_grad():
            xz = xz.contiguous()  # the in_proj output transposed: a copy
            b, _, L = xz.shape
            N, R = A.shape[1], dt_proj_w.shape[1]
            y, x_dbl, out, last = mixer_ref(xz, conv_w, conv_b, x_proj_w, dt_proj_w, out_proj_w, A, D, delta_bias)
            B = x_dbl[:, R:R + N].reshape(b, L, N).permute(0, 2, 1).unsqueeze(1).contiguous()  # b 1 dstate l
            C = x_dbl[:, R + N:].reshape(b, L, N).permute(0, 2, 1).unsqueeze(1).contiguous()
            n_chunks = (L + CHUNK - 1) // CHUNK
            states = torch.zeros(b, A.shape[0], n_chunks, 2 * N, dtype=A.dtype)  # scan_intermediates
            for k, h in enumerate(last):
                states[:, :, k, 1::2] = h
        ctx.save_for_backward(xz, conv_w, conv_b, x_dbl, x_proj_w, dt_proj_w, out_proj_w,
                              A, B, C, D, delta_bias, states, out)
        return y

    @staticmethod
    def backward(ctx, gy):
        xz, conv_w, conv_b, _x_dbl, x_proj_w, dt_proj_w, out_proj_w, A, _B, _C, D, delta_bias, _st, _out = \
            ctx.saved_tensors
        ins = [xz, conv_w, conv_b, x_proj_w, dt_proj_w, out_proj_w, A, D, delta_bias]
        with torch.enable_grad():
            leaves = [t.detach().requires_grad_(t.requires_grad or i == 0) for i, t in enumerate(ins)]
            y = mixer_ref(*leaves)[0]
            want = [t for t in leaves if t.requires_grad]
            g = iter(torch.autograd.grad(y, want, gy, allow_unused=True))
        return tuple(next(g) if t.requires_grad else None for t in leaves)


def mixer2_ref(zxbcdt, conv_w, conv_b, dt_bias, A, D, norm_w, out_proj_w, nh, ng):
    """the arithmetic of mamba_split_conv1d_scan_combined (norm_before_gate=False), differentiable"""
    b, L, _ = zxbcdt.shape
    conv_dim = conv_w.shape[0]
    di = norm_w.shape[0]
    N = (conv_dim - di) // ng // 2
    hd = di // nh
    z, xBC, dt = zxbcdt.split([di, conv_dim, nh], dim=-1)
    xBC = F.silu(F.conv1d(xBC.transpose(1, 2), conv_w.unsqueeze(1), conv_b, padding=conv_w.shape[-1] - 1,
                          groups=conv_dim)[..., :L]).transpose(1, 2)
    x, B, C = xBC.split([di, ng * N, ng * N], dim=-1)
    x = x.reshape(b, L, nh, hd)
    rep = nh // ng
    B = B.reshape(b, L, ng, N).float().repeat_interleave(rep, dim=2)  # b l h N
    C = C.reshape(b, L, ng, N).float().repeat_interleave(rep, dim=2)
    dt = F.softplus(dt.float() + dt_bias.float())  # b l h
    dA = torch.exp(dt * A)  # b l h
    xf = x.float()
    h = torch.zeros(b, nh, hd, N)
    ys = []
    dA_l, u_l = dA.unbind(1), (dt[..., None] * xf).unbind(1)  # (see mixer_ref)
    B_l, C_l = B.unbind(1), C.unbind(1)
    for i in range(L):
        h = dA_l[i][:, :, None, None] * h + u_l[i][..., None] * B_l[i][:, :, None, :]
        ys.append((h * C_l[i][:, :, None, :]).sum(-1))
    y = torch.stack(ys, dim=1) + xf * D.float()[:, None]
    out_x = y.to(x.dtype)  # b l h p
    g = out_x.reshape(b * L, di).float() * F.silu(z.reshape(b * L, di).float())
    gg = g.view(b * L, ng, di // ng)
    rstd = torch.rsqrt(gg.pow(2).sum(-1) / gg.shape[-1] + EPS)  # (b l) g
    out = (gg * rstd[..., None]).view(b * L, di) * norm_w.float()
    out = out.to(zxbcdt.dtype).view(b, L, di)
    return F.linear(out, out_proj_w), out_x, rstd.t().contiguous()


class Mamba2CombinedFn(torch.autograd.Function):
    """mamba_ssm's MambaSplitConv1dScanCombinedFn: saves what it saves"""

    @staticmethod
    def forward(ctx, zxbcdt, conv_w, conv_b, dt_bias, A, D, norm_w, out_proj_w, nh, ng):
        with torch.no_grad():
            y, out_x, rstd = mixer2_ref(zxbcdt, conv_w, conv_b, dt_bias, A, D, norm_w, out_proj_w, nh, ng)
        ctx.nh, ctx.ng = nh, ng
        ctx.save_for_backward(zxbcdt, conv_w, conv_b, out_x, A, D, dt_bias, norm_w, rstd, out_proj_w)
        return y

    @staticmethod
    def backward(ctx, gy):
        zxbcdt, conv_w, conv_b, _out_x, A, D, dt_bias, norm_w, _rstd, out_proj_w = ctx.saved_tensors
        ins = [zxbcdt, conv_w, conv_b, dt_bias, A, D, norm_w, out_proj_w]
        with torch.enable_grad():
            leaves = [t.detach().requires_grad_(t.requires_grad or i == 0) for i, t in enumerate(ins)]
            y = mixer2_ref(*leaves, ctx.nh, ctx.ng)[0]
            want = [t for t in leaves if t.requires_grad]
            g = iter(torch.autograd.grad(y, want, gy, allow_unused=True))
        return tuple(next(g) if t.requires_grad else None for t in leaves) + (None, None)


class Mixer2(nn.Module):
    """HF Mamba2Mixer's parameters; training forward = cuda_kernels_forward"""

    def __init__(s, h, nh, hd, N, ng, k):
        super().__init__()
        di = nh * hd
        conv_dim = di + 2 * ng * N
        s.nh, s.ng = nh, ng
        s.in_proj = nn.Linear(h, di + conv_dim + nh, bias=False)
        s.conv1d = nn.Conv1d(conv_dim, conv_dim, k, groups=conv_dim, padding=k - 1, bias=True)
        s.dt_bias = nn.Parameter(torch.ones(nh))
        s.A_log = nn.Parameter(torch.log(torch.arange(1, nh + 1, dtype=torch.float32)))
        s.D = nn.Parameter(torch.ones(nh))
        s.norm_weight = nn.Parameter(torch.ones(di))  # MambaRMSNormGated
        s.out_proj = nn.Linear(di, h, bias=False)

    def forward(s, x):
        projected = s.in_proj(x)
        A = -torch.exp(s.A_log.float())
        return Mamba2CombinedFn.apply(projected, s.conv1d.weight.squeeze(1), s.conv1d.bias, s.dt_bias, A, s.D,
                                      s.norm_weight, s.out_proj.weight, s.nh, s.ng)


class Mixer(nn.Module):
    """HF MambaMixer's parameters; training forward = cuda_kernels_forward"""

    def __init__(s, h, di, N, R, k):
        super().__init__()
        s.in_proj = nn.Linear(h, 2 * di, bias=False)
        s.conv1d = nn.Conv1d(di, di, k, groups=di, padding=k - 1, bias=True)
        s.x_proj = nn.Linear(di, R + 2 * N, bias=False)
        s.dt_proj = nn.Linear(R, di, bias=True)
        s.A_log = nn.Parameter(torch.log(torch.arange(1, N + 1, dtype=torch.float32)).repeat(di, 1))
        s.D = nn.Parameter(torch.ones(di))
        s.out_proj = nn.Linear(di, h, bias=False)

    def forward(s, x):
        projected = s.in_proj(x).transpose(1, 2)
        A = -torch.exp(s.A_log.float())
        return MambaInnerFn.apply(projected, s.conv1d.weight, s.conv1d.bias, s.x_proj.weight,
                                  s.dt_proj.weight, s.out_proj.weight, A, s.D.float(), s.dt_proj.bias.float())


class Block(nn.Module):
    def __init__(s, cfg, kernels):
        super().__init__()
        h = cfg["hidden_size"]
        s.norm = V.RMSNorm(h) if kernels == "eager" else K.FusedNorm(h)
        if cfg["model_type"] == "mamba2":
            s.mixer = Mixer2(h, cfg["num_heads"], cfg["head_dim"], cfg["state_size"], cfg["n_groups"],
                             cfg["conv_kernel"])
        else:
            s.mixer = Mixer(h, cfg["intermediate_size"], cfg["state_size"], cfg["time_step_rank"],
                            cfg["conv_kernel"])

    def forward(s, x):
        residual = x
        x = s.norm(x.to(dtype=s.norm.weight.dtype))
        residual = residual.to(torch.float32)  # residual_in_fp32
        return residual + s.mixer(x)


class Model(nn.Module):
    def __init__(s, cfg, kernels):
        super().__init__()
        h = cfg["hidden_size"]
        s.embeddings = nn.Embedding(cfg["vocab_size"], h)
        s.layers = nn.ModuleList(Block(cfg, kernels) for _ in range(cfg["num_hidden_layers"]))
        s.norm_f = V.RMSNorm(h) if kernels == "eager" else K.FusedNorm(h)
        s.lm_head = nn.Linear(h, cfg["vocab_size"], bias=False)
        s.lm_head.weight = s.embeddings.weight  # tied

    def forward(s, idx):
        x = s.embeddings(idx)
        for layer in s.layers:
            x = layer(x)
        x = s.norm_f(x)  # MambaModel: the fp32 residual as it is
        return s.lm_head(x.to(s.lm_head.weight.dtype))  # MambaForCausalLM casts


def measure(cfg, dtype, kernels, b, t):
    torch.manual_seed(0)
    model = Model(cfg, kernels).to(dtype).train()
    params = list(model.parameters())
    idx = torch.randint(0, cfg["vocab_size"], (b, t))
    tgt = torch.randint(0, cfg["vocab_size"], (b, t))
    act = V.Saved(params)
    with torch.autograd.graph.saved_tensors_hooks(act.pack, lambda x: x):
        logits = model(idx)
    loss = F.cross_entropy(logits.float().view(-1, logits.shape[-1]), tgt.view(-1))
    opt = torch.optim.AdamW(params, lr=1e-4)
    loss.backward()  # one real step: MambaInnerFn's backward runs
    opt.step()
    return act.total()


def tmem(tmem_bin, cfg, prec, kernels, b, t):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "config.json")
        with open(path, "w") as f:
            json.dump(cfg, f)
        args = [tmem_bin, "train", path, "--micro-batch", str(b), "--seq", str(t), "--precision", prec,
                "--optimizer", "adamw", "--kernels", kernels, "--json"]
        doc = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    return doc["phases"]["forward"]["activations"]


CFG = {"model_type": "mamba", "vocab_size": 1024, "hidden_size": 128, "intermediate_size": 256,
       "num_hidden_layers": 2, "state_size": 16, "conv_kernel": 4, "expand": 2, "time_step_rank": 8,
       "use_bias": False, "use_conv_bias": True, "tie_word_embeddings": True, "residual_in_fp32": True}
CFG2 = {"model_type": "mamba2", "vocab_size": 1024, "hidden_size": 128, "num_hidden_layers": 2, "num_heads": 8,
        "head_dim": 32, "state_size": 16, "n_groups": 2, "conv_kernel": 4, "expand": 2, "use_bias": False,
        "use_conv_bias": True, "tie_word_embeddings": True, "residual_in_fp32": True}

CASES = ((CFG, torch.bfloat16, "bf16", "eager", 1, 2048), (CFG, torch.float32, "fp32", "eager", 1, 1024),
         (CFG, torch.bfloat16, "bf16", "fused", 1, 1024), (CFG, torch.bfloat16, "bf16", "eager", 2, 512),
         (CFG, torch.bfloat16, "bf16", "eager", 1, 2304),  # two scan chunks
         (CFG2, torch.bfloat16, "bf16", "eager", 1, 1024), (CFG2, torch.float32, "fp32", "eager", 1, 1024),
         (CFG2, torch.bfloat16, "bf16", "fused", 2, 512))


def main():
    tmem_bin = sys.argv[1] if len(sys.argv) > 1 else "build/tmem"
    t0 = time.time()
    tally = V.Tally(TOL)
    print(f"mamba: torch {torch.__version__} (CPU); MambaInnerFn (checkpoint_lvl 1) and "
          f"MambaSplitConv1dScanCombinedFn stand-ins; tolerance {TOL:.0%}")
    for cfg, dt, prec, kernels, b, t in CASES:
        got = measure(cfg, dt, kernels, b, t)
        want = tmem(tmem_bin, cfg, prec, kernels, b, t)
        tally.row(f"{cfg['model_type']:6} 2 layers {prec:4} {kernels:5} b {b} s {t:4} activations", got, want)
    return tally.summary("mamba", t0)


if __name__ == "__main__":
    sys.exit(main())
