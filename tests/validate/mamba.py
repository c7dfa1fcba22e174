#!/usr/bin/python3
"""mamba.py — `tmem train` of a Mamba-1 model (the mamba family) measured with
real PyTorch (CPU). HF transformers' MambaForCausalLM (modeling_mamba.py) as it
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

Measured: the bytes autograd saves in the forward (validate.py's saved-tensor
meter: deduplicated by storage, parameters excluded). Compared with
`tmem train CONFIG --json` phases.forward.activations (the layers' items and
the embedding + head inputs); tolerance 5 %. mamba-130m's widths (d_model 768,
d_inner 1536, d_state 16, dt_rank 48, d_conv 4), 2 layers, vocab 1024.
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
    for i in range(L):
        h = dA[:, :, i] * h + dBu[:, :, i]
        ys.append((h * Cm[:, None, i, :]).sum(-1))
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
        s.mixer = Mixer(h, cfg["intermediate_size"], cfg["state_size"], cfg["time_step_rank"], cfg["conv_kernel"])

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


CFG = {"model_type": "mamba", "vocab_size": 1024, "hidden_size": 768, "intermediate_size": 1536,
       "num_hidden_layers": 2, "state_size": 16, "conv_kernel": 4, "expand": 2, "time_step_rank": 48,
       "use_bias": False, "use_conv_bias": True, "tie_word_embeddings": True, "residual_in_fp32": True}

CASES = ((torch.bfloat16, "bf16", "eager", 1, 2048), (torch.float32, "fp32", "eager", 1, 1024),
         (torch.bfloat16, "bf16", "fused", 1, 1024), (torch.bfloat16, "bf16", "eager", 2, 512),
         (torch.bfloat16, "bf16", "eager", 1, 2304))  # the last: two scan chunks


def main():
    tmem_bin = sys.argv[1] if len(sys.argv) > 1 else "build/tmem"
    t0 = time.time()
    tally = V.Tally(TOL)
    print(f"mamba: torch {torch.__version__} (CPU); MambaInnerFn (checkpoint_lvl 1) stand-in; tolerance {TOL:.0%}")
    for dt, prec, kernels, b, t in CASES:
        got = measure(CFG, dt, kernels, b, t)
        want = tmem(tmem_bin, CFG, prec, kernels, b, t)
        tally.row(f"mamba-130m widths, 2 layers, {prec:4} {kernels:5} b {b} s {t:4} activations", got, want)
    return tally.summary("mamba", t0)


if __name__ == "__main__":
    sys.exit(main())
