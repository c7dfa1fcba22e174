#!/usr/bin/python3
"""kernels.py — the kernel stacks of `tmem train --kernels eager|fused|liger|te`
measured with real PyTorch (CPU): a Llama-style decoder (validate.py's HF eager
modules, FlashAttention stand-in) whose RMSNorm, SwiGLU and loss are swapped for
autograd Functions that save exactly what the real kernels save:

  fused  FusedRMSNorm: the input and the fp32 rstd (y rebuilt in the backward).
         apex normalization/fused_layer_norm.py FusedRMSNormAffineFunction:
         ctx.save_for_backward(input_, weight_, invvar); Liger
         src/liger_kernel/ops/rms_norm.py LigerRMSNormFunction:
         ctx.save_for_backward(X, W, RSTD), RSTD torch.float32 in the llama and
         gemma casting modes.
  liger  fused RMSNorm as above; LigerSiLUMulFunction (src/liger_kernel/ops/
         swiglu.py: ctx.save_for_backward(a, b), silu recomputed in the
         backward); LigerFusedLinearCrossEntropyFunction (ops/
         fused_linear_cross_entropy.py: chunks of next_power_of_2(cdiv(BT,
         cdiv(V, H))) tokens, the loss gradient written into the logits chunk,
         grad_input and grad_weight = zeros_like(weight) filled in the forward,
         ctx.save_for_backward(grad_input, grad_weight, grad_bias)).
  te     Transformer Engine LayerNormLinear (norm + qkv: saves inputmat,
         rsigma, ln_out) and LayerNormMLP (transformer_engine/pytorch/module/
         layernorm_mlp.py _LayerNormMLP: ctx.save_for_backward(inputmat,
         ln_weight, mu, rsigma, ln_out, fc1_out, gelu_out, ...), fc1 = gate and
         up concatenated, swiglu activation).
  eager  validate.py's HF eager modules as they are.

Each Function's backward recomputes from what it saved with autograd (as
FlashAttn in validate.py does), so one real training step runs. Measured: the
bytes autograd saves in the forward (saved-tensor hooks, deduplicated by
storage, parameters excluded), the loss's saved tensors (eager loss: fp32
log-softmax and targets; Liger: grad_input and grad_weight), Liger's logits
chunk. Compared with `tmem train --kernels K --json`; tolerance 5 %.
MHA, GQA and MQA shapes, fp32 and bf16.
Usage: kernels.py path/to/tmem
"""
import json
import os
import subprocess
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import validate as V  # noqa: E402  (the eager modules, FlashAttn and the saved-tensor meter)

nn, F = torch.nn, torch.nn.functional
TOL = 0.05
EPS = 1e-6


def rms_ref(x, w):
    """HF's RMSNorm arithmetic, used to recompute in the backward"""
    xf = x.float()
    y = xf * torch.rsqrt(xf.pow(2).sum(-1, keepdim=True) / x.shape[-1] + EPS)
    return w * y.to(x.dtype)


def rstd_of(x):
    xf = x.float()
    return torch.rsqrt(xf.pow(2).sum(-1) / x.shape[-1] + EPS)  # fp32, one per row


class FusedRMSNormFn(torch.autograd.Function):
    """apex FusedRMSNorm / Liger RMSNorm: saves the input and the fp32 rstd"""

    @staticmethod
    def forward(ctx, x, w):
        with torch.no_grad():
            rstd = rstd_of(x)
            y = w * (x.float() * rstd.unsqueeze(-1)).to(x.dtype)
        ctx.save_for_backward(x, w, rstd)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, w, _rstd = ctx.saved_tensors
        with torch.enable_grad():
            x2, w2 = x.detach().requires_grad_(), w.detach().requires_grad_(w.requires_grad)
            y = rms_ref(x2, w2)
            ins = (x2, w2) if w.requires_grad else (x2,)
            g = torch.autograd.grad(y, ins, gy)
        return g[0], (g[1] if w.requires_grad else None)


class FusedNorm(nn.Module):
    def __init__(s, h):
        super().__init__()
        s.weight = nn.Parameter(torch.ones(h))

    def forward(s, x):
        return FusedRMSNormFn.apply(x, s.weight)


class SiLUMulFn(torch.autograd.Function):
    """Liger's LigerSiLUMulFunction: saves a (gate) and b (up)"""

    @staticmethod
    def forward(ctx, a, b):
        with torch.no_grad():
            c = F.silu(a) * b
        ctx.save_for_backward(a, b)
        return c

    @staticmethod
    def backward(ctx, gc):
        a, b = ctx.saved_tensors
        with torch.enable_grad():
            a2, b2 = a.detach().requires_grad_(), b.detach().requires_grad_()
            ga, gb = torch.autograd.grad(F.silu(a2) * b2, (a2, b2), gc)
        return ga, gb


class TELayerNormLinearFn(torch.autograd.Function):
    """TE LayerNormLinear (RMSNorm): saves inputmat, rsigma, ln_out"""

    @staticmethod
    def forward(ctx, x, ln_w, w):
        with torch.no_grad():
            rsigma = rstd_of(x)
            ln_out = ln_w * (x.float() * rsigma.unsqueeze(-1)).to(x.dtype)
            out = F.linear(ln_out, w)
        ctx.save_for_backward(x, ln_w, rsigma, ln_out, w)
        return out

    @staticmethod
    def backward(ctx, gout):
        x, ln_w, _rs, _ln_out, w = ctx.saved_tensors
        with torch.enable_grad():
            x2, l2, w2 = (t.detach().requires_grad_() for t in (x, ln_w, w))
            gx, gl, gw = torch.autograd.grad(F.linear(rms_ref(x2, l2), w2), (x2, l2, w2), gout)
        return gx, gl, gw


class TELayerNormMLPFn(torch.autograd.Function):
    """TE LayerNormMLP, swiglu: saves inputmat, rsigma, ln_out, fc1_out (gate
    and up), gelu_out (the activation's output, fc2's input)"""

    @staticmethod
    def _ref(x, ln_w, fc1, fc2):
        fc1_out = F.linear(rms_ref(x, ln_w), fc1)
        g, u = fc1_out.chunk(2, dim=-1)
        return F.linear(F.silu(g) * u, fc2)

    @staticmethod
    def forward(ctx, x, ln_w, fc1, fc2):
        with torch.no_grad():
            rsigma = rstd_of(x)
            ln_out = ln_w * (x.float() * rsigma.unsqueeze(-1)).to(x.dtype)
            fc1_out = F.linear(ln_out, fc1)
            g, u = fc1_out.chunk(2, dim=-1)
            act_out = F.silu(g) * u
            out = F.linear(act_out, fc2)
        ctx.save_for_backward(x, ln_w, rsigma, ln_out, fc1_out, act_out, fc1, fc2)
        return out

    @staticmethod
    def backward(ctx, gout):
        x, ln_w, _rs, _lo, _f1, _ao, fc1, fc2 = ctx.saved_tensors
        with torch.enable_grad():
            ins = tuple(t.detach().requires_grad_() for t in (x, ln_w, fc1, fc2))
            return torch.autograd.grad(TELayerNormMLPFn._ref(*ins), ins, gout)


class FusedLinearCEFn(torch.autograd.Function):
    """Liger's fused linear cross-entropy (mean over tokens)"""
    max_chunk_bytes = 0

    @staticmethod
    def forward(ctx, x, w, target):
        bt, h = x.shape
        v = w.shape[0]
        inc = -(-v // h)
        want = -(-bt // inc)
        chunk = 1
        while chunk < want:
            chunk <<= 1
        grad_input = torch.zeros_like(x)
        grad_weight = torch.zeros_like(w) if w.requires_grad else None
        loss = torch.zeros((), dtype=torch.float32)
        with torch.no_grad():
            for s in range(0, bt, chunk):
                xc = x[s:s + chunk]
                logits = xc @ w.t()  # (chunk, V) in the compute dtype
                FusedLinearCEFn.max_chunk_bytes = max(FusedLinearCEFn.max_chunk_bytes,
                                                      logits.numel() * logits.element_size())
                lf = logits.float()
                tc = target[s:s + chunk]
                loss += F.cross_entropy(lf, tc, reduction="sum")
                gl = torch.softmax(lf, dim=-1)
                gl[torch.arange(tc.shape[0]), tc] -= 1.0
                logits.copy_(gl / bt)  # the gradient, in place in the chunk
                grad_input[s:s + chunk] = logits @ w
                if grad_weight is not None:
                    grad_weight += logits.t() @ xc
        ctx.save_for_backward(grad_input, grad_weight)
        return loss / bt

    @staticmethod
    def backward(ctx, gl):
        gi, gw = ctx.saved_tensors
        return gi * gl, (gw * gl if gw is not None else None), None


class Layer(nn.Module):
    def __init__(s, h, a, g, f, stack):
        super().__init__()
        s.a, s.g, s.d, s.f, s.stack = a, g, h // a, f, stack
        d = s.d
        if stack == "te":
            s.ln1 = nn.Parameter(torch.ones(h))
            s.qkv = nn.Parameter(torch.randn((a + 2 * g) * d, h) * 0.02)
            s.ln2 = nn.Parameter(torch.ones(h))
            s.fc1 = nn.Parameter(torch.randn(2 * f, h) * 0.02)
            s.fc2 = nn.Parameter(torch.randn(h, f) * 0.02)
        else:
            norm = V.RMSNorm if stack == "eager" else FusedNorm
            s.input_layernorm, s.post_attention_layernorm = norm(h), norm(h)
            s.q_proj = nn.Linear(h, a * d, bias=False)
            s.k_proj = nn.Linear(h, g * d, bias=False)
            s.v_proj = nn.Linear(h, g * d, bias=False)
            s.gate_proj = nn.Linear(h, f, bias=False)
            s.up_proj = nn.Linear(h, f, bias=False)
            s.down_proj = nn.Linear(f, h, bias=False)
        s.o_proj = nn.Linear(a * d, h, bias=False)

    def forward(s, x, cos, sin):
        b, t, h = x.shape
        a, g, d = s.a, s.g, s.d
        r = x
        if s.stack == "te":
            q, k, v = TELayerNormLinearFn.apply(x, s.ln1, s.qkv).split((a * d, g * d, g * d), dim=-1)
        else:
            xn = s.input_layernorm(x)
            q, k, v = s.q_proj(xn), s.k_proj(xn), s.v_proj(xn)
        q = q.view(b, t, a, d).transpose(1, 2)
        k = k.view(b, t, g, d).transpose(1, 2)
        v = v.view(b, t, g, d).transpose(1, 2)
        c, sn = cos.unsqueeze(1), sin.unsqueeze(1)
        q = q * c + V.rotate_half(q) * sn
        k = k * c + V.rotate_half(k) * sn
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
        if s.stack == "te":
            # TE's FlashAttention backend copies q, k, v out of the fused qkv
            # output (transformer_engine/pytorch/attention.py: "x.transpose(0,
            # 1).contiguous() for x in (query_layer, key_layer, value_layer)"),
            # as Megatron's core_attention_flash path does: v holds its own
            # storage, not a view that would keep the whole qkv output alive
            q, k, v = q.contiguous(), k.contiguous(), v.contiguous()
        o = V.FlashAttn.apply(q, k, v, 0.0).reshape(b, t, h)
        x = r + s.o_proj(o)
        if s.stack == "te":
            return x + TELayerNormMLPFn.apply(x, s.ln2, s.fc1, s.fc2)
        xn = s.post_attention_layernorm(x)
        gate, up = s.gate_proj(xn), s.up_proj(xn)
        act = F.silu(gate) * up if s.stack in ("eager", "fused") else SiLUMulFn.apply(gate, up)
        return x + s.down_proj(act)


class Model(nn.Module):
    def __init__(s, cfg, stack):
        super().__init__()
        h = cfg["hidden"]
        s.d, s.stack = h // cfg["heads"], stack
        s.embed_tokens = nn.Embedding(cfg["vocab"], h)
        s.layers = nn.ModuleList(Layer(h, cfg["heads"], cfg["kv_heads"], cfg["ffn"], stack)
                                 for _ in range(cfg["layers"]))
        s.norm = V.RMSNorm(h) if stack == "eager" else FusedNorm(h)
        s.lm_head = nn.Linear(h, cfg["vocab"], bias=False)

    def forward(s, idx):
        b, t = idx.shape
        x = s.embed_tokens(idx)
        cos, sin = V.rope_tables(t, s.d, x.dtype)
        for layer in s.layers:
            x = layer(x, cos, sin)
        x = s.norm(x)
        return x if s.stack == "liger" else s.lm_head(x)  # Liger: the hidden states go to the fused loss


def measure(cfg, dtype, stack, b, t):
    torch.manual_seed(0)
    model = Model(cfg, stack).to(dtype).train()
    params = list(model.parameters())
    idx = torch.randint(0, cfg["vocab"], (b, t))
    tgt = torch.randint(0, cfg["vocab"], (b, t))
    act = V.Saved(params)
    with torch.autograd.graph.saved_tensors_hooks(act.pack, lambda x: x):
        out = model(idx)
    loss_saved = V.Saved(params)
    for p in act.seen:
        loss_saved.param_ptrs.add(p)
    FusedLinearCEFn.max_chunk_bytes = 0
    with torch.autograd.graph.saved_tensors_hooks(loss_saved.pack, lambda x: x):
        if stack == "liger":
            loss = FusedLinearCEFn.apply(out.view(b * t, -1), model.lm_head.weight, tgt.view(-1))
        else:
            loss = F.cross_entropy(out.float().view(-1, out.shape[-1]), tgt.view(-1))
    opt = torch.optim.AdamW(params, lr=1e-4)
    loss.backward()  # one real step: the Functions' backwards run
    opt.step()
    got = {"activations": act.total()}
    if stack == "liger":
        # grad_input takes the place of the lm_head input among the saved
        # activations; grad_weight is the lm_head gradient made in the forward
        h = cfg["hidden"]
        gi = b * t * h * torch.tensor([], dtype=dtype).element_size()
        got["activations"] += gi
        got["lm_head grad"] = loss_saved.total() - gi
        got["logits chunk"] = FusedLinearCEFn.max_chunk_bytes
    else:
        got["loss"] = loss_saved.total()
    return got


def tmem(tmem_bin, cfg, prec, stack, b, t):
    args = [tmem_bin, "train", "--family", "llama", "--hidden", str(cfg["hidden"]),
            "--layers", str(cfg["layers"]), "--heads", str(cfg["heads"]), "--kv-heads", str(cfg["kv_heads"]),
            "--ffn", str(cfg["ffn"]), "--vocab", str(cfg["vocab"]), "--micro-batch", str(b), "--seq", str(t),
            "--precision", prec, "--optimizer", "adamw", "--attention", "flash", "--dropout", "off",
            "--kernels", stack, "--json"]
    doc = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    fwd = doc["phases"]["forward"]
    items = fwd["items"]
    want = {"activations": fwd["activations"]}
    if stack == "liger":
        want["lm_head grad"] = items.get("lm_head grad (Liger)", 0)
        want["logits chunk"] = sum(v for k, v in items.items() if k.startswith("logits chunk"))
    else:
        want["loss"] = sum(v for k, v in items.items() if k.startswith("loss"))
    return want


CFG = {"hidden": 128, "layers": 2, "heads": 4, "kv_heads": 4, "ffn": 344, "vocab": 512}
SHAPES = (("MHA", CFG), ("GQA", dict(CFG, kv_heads=2)), ("MQA", dict(CFG, kv_heads=1)),
          ("GQA wide", dict(CFG, hidden=256, heads=8, kv_heads=2, ffn=688, layers=3)))


def cases():
    for name, cfg in SHAPES:
        for dt, prec in ((torch.float32, "fp32"), (torch.bfloat16, "bf16")):
            for stack in ("eager", "fused", "liger", "te"):
                yield name, cfg, dt, prec, stack


def main():
    tmem_bin = sys.argv[1] if len(sys.argv) > 1 else "build/tmem"
    t0 = time.time()
    tally = V.Tally(TOL)
    B, T = 2, 128
    print(f"kernels: torch {torch.__version__} (CPU); tolerance {TOL:.0%}")
    for name, cfg, dt, prec, stack in cases():
        got = measure(cfg, dt, stack, B, T)
        want = tmem(tmem_bin, cfg, prec, stack, B, T)
        for k in got:
            tally.row(f"{name:8} kv {cfg['kv_heads']} {prec:4} {stack:5} {k:13}", got[k], want[k])
    # the contrast the stacks exist for: tmem's HF-eager inventory held
    # against a fused-norm model's measured saved tensors (not a check)
    for name, cfg in SHAPES[:3]:
        eager = tmem(tmem_bin, cfg, "bf16", "eager", B, T)["activations"]
        fused = measure(cfg, torch.bfloat16, "fused", B, T)["activations"]
        print(f"info: {name} bf16: --kernels eager against the fused-RMSNorm measurement "
              f"{(eager - fused) / fused:+.1%}")
    return tally.summary("kernels", t0)


if __name__ == "__main__":
    sys.exit(main())
