#!/usr/bin/python3
"""qwen3next.py — `tmem train` of a Qwen3-Next (qwen3_next) Gated DeltaNet layer
measured with real PyTorch (CPU). HF transformers' Qwen3NextGatedDeltaNet
(modeling_qwen3_next.py) as it trains on a GPU with flash-linear-attention and
causal-conv1d installed, after Qwen3NextRMSNorm (input_layernorm, eager:
norm(x.float()) * (1.0 + weight.float()), then .type_as(x)):

  in_proj_qkvz, in_proj_ba -> fix_query_key_value_ordering (HF's views and
  reshapes) -> torch.cat((q, k, v)) -> causal_conv1d_fn (silu inside;
  CausalConv1dFn saves x, weight, bias) -> split -> repeat_interleave to the
  value heads -> beta = b.sigmoid(); g = -A_log.float().exp() *
  softplus(a.float() + dt_bias) -> fla chunk_gated_delta_rule(...,
  use_qk_l2norm_in_kernel=True) -> FusedRMSNormGated(o, z) -> out_proj.

fla and causal-conv1d are CUDA/Triton-only, so the Functions below save exactly
what theirs save:
  ChunkGatedDeltaRuleFunction.forward (fla/ops/gated_delta_rule/chunk.py,
  @input_guard: inputs made contiguous): q, q_rstd = l2norm_fwd(q) (k
  likewise); g = chunk_local_cumsum(g, 64); A = solve_tril(...) [B, T, H, 64]
  in k's dtype; ctx.save_for_backward(q, q_rstd, k, k_rstd, v, g, beta, A,
  initial_state=None, cu_seqlens=None).
  LayerNormGatedFunction.forward (fla/modules/fused_norm_gate.py, is_rms_norm):
  ctx.save_for_backward(residual_out = x, g, weight, bias, mean=None, rstd).
Their backwards recompute from what they saved (a sequential reference of the
gated delta rule, differentiated by autograd; l2norm_bwd from the normalized
tensor and its rstd), so one real AdamW step runs.

The gated attention layer likewise: HF Qwen3NextAttention with a FlashAttention-2
stand-in (validate.py's FlashAttn), q_proj's output gate (attn_output *
torch.sigmoid(gate) before o_proj), per-head q_norm / k_norm, partial rotary.

Measured: the bytes autograd saves in the forward of the norm + mixer
(validate.py's saved-tensor meter: deduplicated by storage, parameters and the
rotary tables excluded). Compared with the sum of `tmem train CONFIG --json`'s
activation_tensors of the mixer part named norm.* and gdn.* (the Gated DeltaNet
layer), attn_norm.*, q_norm.*, k_norm.*, attn.* (the attention layer) whose
state is "saved"; tolerance 5 %. bf16 only (fla asserts q.dtype !=
float32). n_v = n_k and n_v = 2 n_k (repeat_interleave copies).
LoRA r 16 on all-linear (PEFT: every nn.Linear but lm_head; tmem train --lora-rank 16
--lora-targets all-linear): the Gated DeltaNet's in_proj_qkvz, in_proj_ba and out_proj
and the attention layer's q, k, v, o_proj each get PEFT's adapter (base(x) +
B(A(x)) * alpha/r, dropout 0), every other weight frozen (A_log, dt_bias and the norms
too); tmem's lora.* tensors of that layer kind join the sum.
Usage: qwen3next.py path/to/tmem
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import validate as V  # noqa: E402  (the saved-tensor meter, the tally)

nn, F = torch.nn, torch.nn.functional
TOL = 0.05
EPS = 1e-6
BT = 64  # fla's chunk
torch.set_num_threads(1)


class Qwen3NextRMSNorm(nn.Module):
    """HF Qwen3NextRMSNorm: zero-centred weight, the scale applied in fp32"""

    def __init__(s, h):
        super().__init__()
        s.weight = nn.Parameter(torch.zeros(h))

    def forward(s, x):
        xf = x.float()
        # sum / n: torch 1.13's mean backward keeps its whole input (a
        # measuring artefact validate.py's RMSNorm avoids the same way)
        out = xf * torch.rsqrt(xf.pow(2).sum(-1, keepdim=True) / x.shape[-1] + EPS)
        out = out * (1.0 + s.weight.float())
        return out.type_as(x)


def conv_ref(x, w, b):
    """causal_conv1d_fn's arithmetic: depthwise causal conv, silu; x [b, c, s]"""
    L = x.shape[-1]
    return F.silu(F.conv1d(x, w.unsqueeze(1), b, padding=w.shape[-1] - 1, groups=x.shape[1])[..., :L])


class CausalConv1dFn(torch.autograd.Function):
    """causal-conv1d's CausalConv1dFn: ctx.save_for_backward(x, weight, bias, seq_idx, initial_states)"""

    @staticmethod
    def forward(ctx, x, w, b):
        if x.stride(2) != 1 and x.stride(1) != 1:
            x = x.contiguous()
        with torch.no_grad():
            y = conv_ref(x, w, b)
        ctx.save_for_backward(x, w, b)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, w, b = ctx.saved_tensors
        with torch.enable_grad():
            lv = [t.detach().requires_grad_() for t in (x, w)]
            y = conv_ref(*lv, b)
            return torch.autograd.grad(y, lv, gy) + (None,)


def l2norm_fwd(x):
    xf = x.float()
    rstd = torch.rsqrt(xf.pow(2).sum(-1) + EPS)  # fp32 [B, T, H]
    return (xf * rstd[..., None]).to(x.dtype), rstd


def l2norm_bwd(y, rstd, dy):
    yf, dyf = y.float(), dy.float()
    return ((dyf - yf * (dyf * yf).sum(-1, keepdim=True)) * rstd[..., None]).to(y.dtype)


def local_cumsum(g):
    B, T, H = g.shape
    n = (T + BT - 1) // BT
    gp = F.pad(g, (0, 0, 0, n * BT - T)).view(B, n, BT, H)
    return gp.cumsum(2).view(B, n * BT, H)[:, :T].contiguous()


def local_uncumsum(gc):
    g = gc.clone()
    g[:, 1:] -= gc[:, :-1]
    g[:, ::BT] = gc[:, ::BT]
    return g


def delta_rule_ref(q, k, v, g, beta, scale):
    """fla's naive recurrent gated delta rule, fp32 inside; q, k [B, T, H, K], v [B, T, H, V]"""
    B, T, H, K = q.shape
    Vd = v.shape[-1]
    qf, kf, vf, bf = q.float() * scale, k.float(), v.float(), beta.float()
    S = torch.zeros(B, H, K, Vd)
    o = []
    q_l, k_l, v_l, g_l, b_l = qf.unbind(1), kf.unbind(1), vf.unbind(1), g.float().unbind(1), bf.unbind(1)
    for t in range(T):
        S = S * g_l[t].exp()[..., None, None]
        kv = (S * k_l[t][..., None]).sum(-2)  # B H V
        u = (v_l[t] - kv) * b_l[t][..., None]
        S = S + k_l[t][..., None] * u[..., None, :]
        o.append((S * q_l[t][..., None]).sum(-2))
    return torch.stack(o, 1).to(v.dtype)


def solve_tril_A(k, gc, beta):
    """A = (I + strictly-lower(beta k k^T exp(g_i - g_j)))^-1 per chunk, [B, T, H, BT] in k's dtype"""
    B, T, H, K = k.shape
    A = torch.zeros(B, T, H, BT, dtype=k.dtype)
    for c0 in range(0, T, BT):
        c1 = min(c0 + BT, T)
        kc = k[:, c0:c1].float().transpose(1, 2)  # B H n K
        gcc = gc[:, c0:c1].transpose(1, 2)  # B H n
        bc = beta[:, c0:c1].float().transpose(1, 2)
        m = (kc @ kc.transpose(-1, -2)) * bc[..., None] * (gcc[..., :, None] - gcc[..., None, :]).exp()
        m = torch.tril(m, -1)
        n = c1 - c0
        inv = torch.linalg.inv(torch.eye(n) + m)
        A[:, c0:c1, :, :n] = inv.transpose(1, 2).to(k.dtype)
    return A


class ChunkGatedDeltaRuleFn(torch.autograd.Function):
    """fla's ChunkGatedDeltaRuleFunction (use_qk_l2norm_in_kernel=True): saves what it saves"""

    @staticmethod
    def forward(ctx, q, k, v, g, beta, scale):
        q, k, v, g, beta = (t.contiguous() for t in (q, k, v, g, beta))  # @input_guard
        with torch.no_grad():
            q, q_rstd = l2norm_fwd(q)
            k, k_rstd = l2norm_fwd(k)
            g = local_cumsum(g)  # a new fp32 tensor
            A = solve_tril_A(k, g, beta)
            o = delta_rule_ref(q, k, v, local_uncumsum(g), beta, scale)
        ctx.scale = scale
        ctx.save_for_backward(q, q_rstd, k, k_rstd, v, g, beta, A)
        return o

    @staticmethod
    def backward(ctx, do):
        q, q_rstd, k, k_rstd, v, gc, beta, _A = ctx.saved_tensors
        with torch.enable_grad():
            lv = [t.detach().requires_grad_() for t in (q, k, v)]
            g = local_uncumsum(gc).detach().requires_grad_()
            b = beta.detach().requires_grad_()
            o = delta_rule_ref(*lv, g, b, ctx.scale)
            dq, dk, dv, dg, db = torch.autograd.grad(o, lv + [g, b], do)
        # d(raw g) = reverse local cumsum of d(cumsum g): the cumsum is linear,
        # and autograd above differentiated w.r.t. the raw g already
        return l2norm_bwd(q, q_rstd, dq), l2norm_bwd(k, k_rstd, dk), dv, dg, db.to(beta.dtype), None


def gated_norm_ref(x, z, w):
    xf = x.float()
    rstd = torch.rsqrt(xf.pow(2).mean(-1) + EPS)
    y = xf * rstd[..., None] * w.float() * F.silu(z.float())
    return y.to(x.dtype), rstd


class RMSNormGatedFn(torch.autograd.Function):
    """fla's LayerNormGatedFunction (is_rms_norm, swish): saves x, g, weight, rstd"""

    @staticmethod
    def forward(ctx, x, z, w):
        x, z = x.contiguous(), z.contiguous()  # @input_guard
        with torch.no_grad():
            y, rstd = gated_norm_ref(x, z, w)
        ctx.save_for_backward(x, z, w, rstd)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, z, w, _rstd = ctx.saved_tensors
        with torch.enable_grad():
            lv = [t.detach().requires_grad_() for t in (x, z, w)]
            y = gated_norm_ref(*lv)[0]
            return torch.autograd.grad(y, lv, gy)


class GatedDeltaNet(nn.Module):
    """HF Qwen3NextGatedDeltaNet's parameters and its training forward"""

    def __init__(s, h, nv, nk, dk, dv, kconv):
        super().__init__()
        s.nv, s.nk, s.dk, s.dv = nv, nk, dk, dv
        s.key_dim, s.value_dim = nk * dk, nv * dv
        conv_dim = 2 * s.key_dim + s.value_dim
        s.conv1d = nn.Conv1d(conv_dim, conv_dim, kconv, groups=conv_dim, padding=kconv - 1, bias=False)
        s.in_proj_qkvz = nn.Linear(h, 2 * s.key_dim + 2 * s.value_dim, bias=False)
        s.in_proj_ba = nn.Linear(h, 2 * nv, bias=False)
        s.dt_bias = nn.Parameter(torch.ones(nv))
        s.A_log = nn.Parameter(torch.log(torch.empty(nv).uniform_(1, 16)))
        s.norm_weight = nn.Parameter(torch.ones(dv))
        s.out_proj = nn.Linear(s.value_dim, h, bias=False)

    def fix_query_key_value_ordering(s, qkvz, ba):
        r = s.nv // s.nk
        qkvz = qkvz.view(*qkvz.shape[:-1], s.nk, 2 * s.dk + 2 * s.dv * r)
        ba = ba.view(*ba.shape[:-1], s.nk, 2 * r)
        q, k, v, z = torch.split(qkvz, [s.dk, s.dk, r * s.dv, r * s.dv], dim=3)
        b, a = torch.split(ba, [r, r], dim=3)
        v = v.reshape(v.size(0), v.size(1), -1, s.dv)
        z = z.reshape(z.size(0), z.size(1), -1, s.dv)
        b = b.reshape(b.size(0), b.size(1), s.nv)
        a = a.reshape(a.size(0), a.size(1), s.nv)
        return q, k, v, z, b, a

    def forward(s, x):
        q, k, v, z, b, a = s.fix_query_key_value_ordering(s.in_proj_qkvz(x), s.in_proj_ba(x))
        q, k, v = (t.reshape(t.shape[0], t.shape[1], -1) for t in (q, k, v))
        mixed = torch.cat((q, k, v), dim=-1).transpose(1, 2)
        mixed = CausalConv1dFn.apply(mixed, s.conv1d.weight.squeeze(1), s.conv1d.bias).transpose(1, 2)
        q, k, v = torch.split(mixed, [s.key_dim, s.key_dim, s.value_dim], dim=-1)
        q = q.reshape(q.shape[0], q.shape[1], -1, s.dk)
        k = k.reshape(k.shape[0], k.shape[1], -1, s.dk)
        v = v.reshape(v.shape[0], v.shape[1], -1, s.dv)
        beta = b.sigmoid()
        g = -s.A_log.float().exp() * F.softplus(a.float() + s.dt_bias)
        if s.nv // s.nk > 1:
            q = q.repeat_interleave(s.nv // s.nk, dim=2)
            k = k.repeat_interleave(s.nv // s.nk, dim=2)
        o = ChunkGatedDeltaRuleFn.apply(q, k, v, g, beta, s.dk ** -0.5)
        zs = z.shape
        o = RMSNormGatedFn.apply(o.reshape(-1, o.shape[-1]), z.reshape(-1, z.shape[-1]), s.norm_weight)
        o = o.reshape(zs).reshape(zs[0], zs[1], -1)
        return s.out_proj(o)


class Block(nn.Module):
    def __init__(s, cfg):
        super().__init__()
        h = cfg["hidden_size"]
        s.input_layernorm = Qwen3NextRMSNorm(h)
        s.linear_attn = GatedDeltaNet(h, cfg["linear_num_value_heads"], cfg["linear_num_key_heads"],
                                      cfg["linear_key_head_dim"], cfg["linear_value_head_dim"],
                                      cfg["linear_conv_kernel_dim"])

    def forward(s, x):
        return x + s.linear_attn(s.input_layernorm(x))


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


class GatedAttention(nn.Module):
    """HF Qwen3NextAttention (flash): q_proj yields the query and a sigmoid output gate,
    q_norm / k_norm (Qwen3NextRMSNorm per head), partial rotary, o_proj of the gated output"""

    def __init__(s, h, a, g, d):
        super().__init__()
        s.a, s.g, s.d = a, g, d
        s.q_proj = nn.Linear(h, a * d * 2, bias=False)
        s.k_proj = nn.Linear(h, g * d, bias=False)
        s.v_proj = nn.Linear(h, g * d, bias=False)
        s.o_proj = nn.Linear(a * d, h, bias=False)
        s.q_norm, s.k_norm = Qwen3NextRMSNorm(d), Qwen3NextRMSNorm(d)

    def forward(s, x, cos, sin):
        shp = x.shape[:-1]
        hs = (*shp, -1, s.d)
        q, gate = torch.chunk(s.q_proj(x).view(*shp, -1, s.d * 2), 2, dim=-1)
        gate = gate.reshape(*shp, -1)
        q = s.q_norm(q.view(hs)).transpose(1, 2)
        k = s.k_norm(s.k_proj(x).view(hs)).transpose(1, 2)
        v = s.v_proj(x).view(hs).transpose(1, 2)
        c, sn = cos.unsqueeze(1), sin.unsqueeze(1)
        rd = c.shape[-1]
        q = torch.cat([q[..., :rd] * c + rotate_half(q[..., :rd]) * sn, q[..., rd:]], dim=-1)
        k = torch.cat([k[..., :rd] * c + rotate_half(k[..., :rd]) * sn, k[..., rd:]], dim=-1)
        o = V.FlashAttn.apply(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), 0.0)
        o = o.reshape(*shp, -1).contiguous()
        o = o * torch.sigmoid(gate)
        return s.o_proj(o)


class AttnBlock(nn.Module):
    def __init__(s, cfg):
        super().__init__()
        h = cfg["hidden_size"]
        s.input_layernorm = Qwen3NextRMSNorm(h)
        s.self_attn = GatedAttention(h, cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"])

    def forward(s, x, cos, sin):
        return x + s.self_attn(s.input_layernorm(x), cos, sin)


class LoraLinear(nn.Module):
    """PEFT's LoRA Linear (tuners/lora/layer.py): result = base(x) + B(A(dropout(x))) * alpha/r,
    the base frozen; dropout 0 (nn.Identity), the adapters in the model's dtype (lora.py's)"""

    def __init__(s, base, r):
        super().__init__()
        s.base = base
        s.lora_A = nn.Linear(base.in_features, r, bias=False)
        s.lora_B = nn.Linear(r, base.out_features, bias=False)
        nn.init.normal_(s.lora_B.weight)  # PEFT starts B at 0; any value saves the same
        s.scaling = 16 / r

    def forward(s, x):
        return s.base(x) + s.lora_B(s.lora_A(x)) * s.scaling


def add_lora(module, names, r):
    """PEFT's get_peft_model: every weight frozen, an adapter on each named linear"""
    module.requires_grad_(False)
    for n in names:
        setattr(module, n, LoraLinear(getattr(module, n), r))


GDN_LINEARS = ("in_proj_qkvz", "in_proj_ba", "out_proj")  # all-linear's, in the Gated DeltaNet
ATTN_LINEARS = ("q_proj", "k_proj", "v_proj", "o_proj")


def measure_attn(cfg, dtype, b, t, lora_r=0):
    torch.manual_seed(0)
    block = AttnBlock(cfg).to(dtype).train()
    if lora_r:
        add_lora(block, (), lora_r)
        add_lora(block.self_attn, ATTN_LINEARS, lora_r)
        block.to(dtype)
    params = list(block.parameters())
    x = (torch.randn(b, t, cfg["hidden_size"]) * 0.5).to(dtype).requires_grad_()
    rd = int(cfg["head_dim"] * cfg.get("partial_rotary_factor", 0.25))
    cos, sin = V.rope_tables(t, rd, dtype)
    act = V.Saved(params)
    act.param_ptrs |= {cos.storage().data_ptr(), sin.storage().data_ptr()}  # tables: counted with the embedding
    with torch.autograd.graph.saved_tensors_hooks(act.pack, lambda y: y):
        out = block(x, cos, sin)
    loss = out.float().pow(2).mean()
    opt = torch.optim.AdamW([q for q in params if q.requires_grad], lr=1e-4)
    loss.backward()
    opt.step()
    return act.total()


def measure(cfg, dtype, b, t, lora_r=0):
    torch.manual_seed(0)
    block = Block(cfg).to(dtype).train()
    if lora_r:
        add_lora(block, (), lora_r)
        add_lora(block.linear_attn, GDN_LINEARS, lora_r)
        block.to(dtype)
    params = list(block.parameters())
    x = (torch.randn(b, t, cfg["hidden_size"]) * 0.5).to(dtype).requires_grad_()  # the layer input
    act = V.Saved(params)
    with torch.autograd.graph.saved_tensors_hooks(act.pack, lambda y: y):
        out = block(x)
    loss = out.float().pow(2).mean()
    opt = torch.optim.AdamW([q for q in params if q.requires_grad], lr=1e-4)
    loss.backward()  # one real step: every Function's backward runs
    opt.step()
    return act.total()


def tmem(tmem_bin, cfg, prec, b, t, prefixes=("norm.", "gdn."), lora=None, layer_kind="ssm"):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "config.json")
        with open(path, "w") as f:
            json.dump(cfg, f)
        args = [tmem_bin, "train", path, "--micro-batch", str(b), "--seq", str(t), "--precision", prec,
                "--optimizer", "adamw", "--kernels", "eager", "--json"]
        if lora:
            args += ["--lora-rank", str(lora[0]), "--lora-targets", lora[1], "--lora-dropout", "0"]
        doc = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    tensors = doc["activation_tensors"]
    if lora:  # the adapters' tensors of this layer kind (the attention layer's q_proj ones, the mixer's)
        prefixes = prefixes + ("lora.",)
    mixer = [x for x in tensors if x["name"].startswith(prefixes) and x["part"] == "attention"
             and x["layer_kind"] == layer_kind]
    if not any(x["name"].startswith(prefixes[-1]) for x in mixer):
        raise SystemExit(f"qwen3next: tmem's activation_tensors list no {prefixes[-1]}* tensor")
    return sum(x["micro_batch_bytes"] for x in mixer if x["state"] == "saved")


CFG = {"model_type": "qwen3_next", "vocab_size": 512, "hidden_size": 128, "intermediate_size": 256,
       "num_hidden_layers": 4, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 32,
       "full_attention_interval": 4, "linear_conv_kernel_dim": 4, "linear_key_head_dim": 32,
       "linear_num_key_heads": 2, "linear_num_value_heads": 4, "linear_value_head_dim": 32,
       "num_experts": 4, "num_experts_per_tok": 2, "moe_intermediate_size": 64,
       "shared_expert_intermediate_size": 64, "decoder_sparse_step": 1, "mlp_only_layers": [],
       "attention_bias": False, "tie_word_embeddings": False, "torch_dtype": "bfloat16"}
CFG_EQ = dict(CFG, linear_num_key_heads=4)  # n_v = n_k: no repeat_interleave copies
CFG_WIDE = dict(CFG, hidden_size=192, linear_key_head_dim=48, linear_value_head_dim=64, linear_num_value_heads=6,
                linear_num_key_heads=3)

CASES = (("n_v 2·n_k", CFG, 1, 256), ("n_v 2·n_k", CFG, 2, 128), ("n_v = n_k", CFG_EQ, 1, 256),
         ("wide", CFG_WIDE, 1, 200))  # 200: a partial last chunk


def main():
    tmem_bin = sys.argv[1] if len(sys.argv) > 1 else "build/tmem"
    t0 = time.time()
    tally = V.Tally(TOL)
    print(f"qwen3next: torch {torch.__version__} (CPU); ChunkGatedDeltaRuleFunction, CausalConv1dFn and "
          f"FusedRMSNormGated stand-ins; tolerance {TOL:.0%}")
    for name, cfg, b, t in CASES:
        got = measure(cfg, torch.bfloat16, b, t)
        want = tmem(tmem_bin, cfg, "bf16", b, t)
        tally.row(f"gated deltanet {name:9} bf16 b {b} s {t:3} norm + mixer", got, want)
    for name, cfg, b, t in CASES:
        got = measure_attn(cfg, torch.bfloat16, b, t)
        want = tmem(tmem_bin, cfg, "bf16", b, t, ("attn_norm.", "q_norm.", "k_norm.", "attn."), layer_kind="attention")
        tally.row(f"gated attention {name:8} bf16 b {b} s {t:3} norm + attention", got, want)
    # LoRA r 16 on all-linear (PEFT: every nn.Linear but lm_head): the Gated DeltaNet's
    # in_proj_qkvz, in_proj_ba and out_proj; the attention layer's q, k, v, o
    for name, cfg, b, t in CASES[:3]:
        got = measure(cfg, torch.bfloat16, b, t, 16)
        want = tmem(tmem_bin, cfg, "bf16", b, t, lora=(16, "all-linear"))
        tally.row(f"gated deltanet {name:9} bf16 b {b} s {t:3} LoRA r 16 all-linear", got, want)
    for name, cfg, b, t in CASES[:3]:
        got = measure_attn(cfg, torch.bfloat16, b, t, 16)
        want = tmem(tmem_bin, cfg, "bf16", b, t, ("attn_norm.", "q_norm.", "k_norm.", "attn."),
                    lora=(16, "all-linear"), layer_kind="attention")
        tally.row(f"gated attention {name:8} bf16 b {b} s {t:3} LoRA r 16 all-linear", got, want)
    return tally.summary("qwen3next", t0)


if __name__ == "__main__":
    sys.exit(main())
