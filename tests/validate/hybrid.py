#!/usr/bin/python3
"""hybrid.py — `tmem train` of the hybrid attention + state-space families
jamba, granitemoehybrid and falcon_h1 measured with real PyTorch (CPU), the modules
written as HF transformers writes them (no transformers package here):

Jamba (modeling_jamba.py): JambaAttentionDecoderLayer / JambaMambaDecoderLayer
= input_layernorm → mixer → residual add → pre_ff_layernorm → JambaMLP or
JambaSparseMoeBlock (Mixtral's: softmax in fp32, top-k, a loop over experts)
→ residual add; JambaRMSNorm eager; no rotary. The Mamba mixer is
JambaMambaMixer.cuda_kernels_forward: its dt/B/C RMSNorms keep mamba_inner_fn
out, so it calls causal_conv1d_fn and selective_scan_fn one by one. Both are
CUDA-only; the autograd Functions below save what theirs save:
  CausalConv1dFn (causal_conv1d_interface.py): x = x.contiguous() only when
    neither stride(1) nor stride(2) is 1 (here stride(1) == 1: the view of the
    in_proj output is saved as it is); ctx.save_for_backward(x, weight, bias,
    seq_idx, initial_states)
  SelectiveScanFn (mamba_ssm selective_scan_interface.py): .contiguous() of
    u, delta, B, C, z when stride(-1) != 1; B, C rearranged to b 1 N l;
    ctx.save_for_backward(u, delta, A, B, C, D, z, delta_bias, x, out), x the
    chunk states torch::empty({b, d, ceil(l / 2048), 2·N}, A's dtype)
Granite-4.0-H (modeling_granitemoehybrid.py): GraniteMoeHybridDecoderLayer =
input_layernorm → Mamba-2 mixer (BambaMixer in training: mamba_split_conv1d_
scan_combined; mamba.py's Mamba2CombinedFn stand-in) or attention → residual
+ out · residual_multiplier → post_attention_layernorm → GraniteMoeHybridMoE
(top-k of the fp32 logits, then softmax of the k; experts by sorted index
through ParallelExperts) + shared_mlp → residual. Attention: the
FlashAttention-2 stand-in of validate.py (saves q, k, v, out, lse).
Falcon-H1 (modeling_falcon_h1.py): FalconH1DecoderLayer = input_layernorm →
mamba(y) · ssm_out_multiplier + self_attn(y · attention_in_multiplier) ·
attention_out_multiplier (both mixers in every layer, side by side) →
residual → pre_ff_layernorm → FalconH1MLP (down(up(x) · silu(gate(x) ·
gate_multiplier)) · down_multiplier) → residual. FalconH1Mixer in training
(cuda_kernels_forward, no cache): in_proj(x · ssm_in_multiplier) ·
mup_vector (a buffer) → mamba_split_conv1d_scan_combined (mamba.py's
Mamba2CombinedFn, gated RMSNorm: mamba_rms_norm true). FalconH1Attention:
k_proj(x) · key_multiplier, HF rotary (q·cos + rotate_half(q)·sin), the
FlashAttention-2 stand-in. Embedding · embedding_multiplier, logits ·
lm_head_multiplier. Every multiplier a Python float, as FalconH1Config holds
them.

Measured: the bytes autograd saves in the forward (validate.py's meter:
deduplicated by storage, parameters excluded), against `tmem train CONFIG
--json` phases.forward.activations; tolerance 5 %.
Usage: hybrid.py path/to/tmem
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import validate as V  # noqa: E402
import mamba as M  # noqa: E402  (Mixer2: the Mamba-2 combined Function stand-in)

nn, F = torch.nn, torch.nn.functional
TOL = 0.05
CHUNK = 2048
torch.set_num_threads(1)


def conv_ref(x, w, b):
    L = x.shape[-1]
    return F.silu(F.conv1d(x, w.unsqueeze(1), b, padding=w.shape[-1] - 1, groups=w.shape[0])[..., :L])


class CausalConv1dFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w, b):
        if x.stride(2) != 1 and x.stride(1) != 1:
            x = x.contiguous()
        with torch.no_grad():
            out = conv_ref(x, w, b).contiguous()
        ctx.save_for_backward(x, w, b)
        return out

    @staticmethod
    def backward(ctx, g):
        x, w, b = ctx.saved_tensors
        with torch.enable_grad():
            leaves = [t.detach().requires_grad_(True) for t in (x, w, b)]
            return torch.autograd.grad(conv_ref(*leaves), leaves, g)


def scan_ref(u, delta, A, B, C, D, z, delta_bias):
    """selective_scan_ref: u, delta, z (b d l); B, C (b 1 N l)"""
    b, d, L = u.shape
    delta = F.softplus(delta.float() + delta_bias[None, :, None])
    Bm, Cm = B[:, 0].float(), C[:, 0].float()  # b N l
    dA = torch.exp(delta[..., None] * A[None, :, None, :])
    dBu = delta[..., None] * Bm.transpose(1, 2)[:, None] * u.float()[..., None]
    h = torch.zeros(b, d, A.shape[1])
    ys = []
    dA_l, dBu_l, C_l = dA.unbind(2), dBu.unbind(2), Cm.unbind(2)
    for i in range(L):
        h = dA_l[i] * h + dBu_l[i]
        ys.append((h * C_l[i][:, None, :]).sum(-1))
    y = torch.stack(ys, dim=-1) + u.float() * D[None, :, None]
    out = y.to(u.dtype)
    return out * F.silu(z), out


class SelectiveScanFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, u, delta, A, B, C, D, z, delta_bias):
        u = u if u.stride(-1) == 1 else u.contiguous()
        delta = delta if delta.stride(-1) == 1 else delta.contiguous()
        B = B if B.stride(-1) == 1 else B.contiguous()
        C = C if C.stride(-1) == 1 else C.contiguous()
        z = z if z.stride(-1) == 1 else z.contiguous()
        B, C = B.unsqueeze(1), C.unsqueeze(1)  # rearrange "b dstate l -> b 1 dstate l": views
        with torch.no_grad():
            out_z, out = scan_ref(u, delta, A, B, C, D, z, delta_bias)
            b, d, L = u.shape
            x = torch.zeros(b, d, (L + CHUNK - 1) // CHUNK, 2 * A.shape[1], dtype=A.dtype)
        ctx.save_for_backward(u, delta, A, B, C, D, z, delta_bias, x, out)
        return out_z

    @staticmethod
    def backward(ctx, g):
        u, delta, A, B, C, D, z, delta_bias, _x, _out = ctx.saved_tensors
        ins = (u, delta, A, B, C, D, z, delta_bias)
        with torch.enable_grad():
            leaves = [t.detach().requires_grad_(True) for t in ins]
            grads = torch.autograd.grad(scan_ref(*leaves)[0], leaves, g, allow_unused=True)
        return tuple(grads[:3]) + (grads[3].squeeze(1) if grads[3] is not None else None,
                                   grads[4].squeeze(1) if grads[4] is not None else None) + tuple(grads[5:])


class JambaMixer(nn.Module):
    def __init__(s, h, di, N, R, k):
        super().__init__()
        s.di, s.N, s.R = di, N, R
        s.in_proj = nn.Linear(h, 2 * di, bias=False)
        s.conv1d = nn.Conv1d(di, di, k, groups=di, padding=k - 1, bias=True)
        s.x_proj = nn.Linear(di, R + 2 * N, bias=False)
        s.dt_proj = nn.Linear(R, di, bias=True)
        s.A_log = nn.Parameter(torch.log(torch.arange(1, N + 1, dtype=torch.float32)).repeat(di, 1))
        s.D = nn.Parameter(torch.ones(di))
        s.out_proj = nn.Linear(di, h, bias=False)
        s.dt_layernorm, s.b_layernorm, s.c_layernorm = V.RMSNorm(R), V.RMSNorm(N), V.RMSNorm(N)

    def forward(s, x):
        projected = s.in_proj(x).transpose(1, 2)
        hs, gate = projected.chunk(2, dim=1)
        w = s.conv1d.weight.view(s.conv1d.weight.size(0), s.conv1d.weight.size(2))
        hs = CausalConv1dFn.apply(hs, w, s.conv1d.bias)
        p = s.x_proj(hs.transpose(1, 2))
        dt, B, C = torch.split(p, [s.R, s.N, s.N], dim=-1)
        dt, B, C = s.dt_layernorm(dt), s.b_layernorm(B), s.c_layernorm(C)
        delta = F.linear(dt, s.dt_proj.weight).transpose(1, 2)  # the bias zeroed around the call
        A = -torch.exp(s.A_log.float())
        out_z = SelectiveScanFn.apply(hs, delta, A, B.transpose(1, 2), C.transpose(1, 2), s.D.float(), gate,
                                      s.dt_proj.bias.float())
        return s.out_proj(out_z.transpose(1, 2))


class Attention(nn.Module):
    def __init__(s, h, a, g):
        super().__init__()
        s.a, s.g, s.d = a, g, h // a
        s.q_proj = nn.Linear(h, a * s.d, bias=False)
        s.k_proj = nn.Linear(h, g * s.d, bias=False)
        s.v_proj = nn.Linear(h, g * s.d, bias=False)
        s.o_proj = nn.Linear(a * s.d, h, bias=False)

    def forward(s, x):
        b, t, h = x.shape
        q = s.q_proj(x).view(b, t, s.a, s.d)
        k = s.k_proj(x).view(b, t, s.g, s.d)
        v = s.v_proj(x).view(b, t, s.g, s.d)
        return s.o_proj(V.FlashAttn.apply(q, k, v, 0.0).reshape(b, t, s.a * s.d))


class MLP(nn.Module):  # JambaMLP
    def __init__(s, h, f):
        super().__init__()
        s.gate_proj, s.up_proj = nn.Linear(h, f, bias=False), nn.Linear(h, f, bias=False)
        s.down_proj = nn.Linear(f, h, bias=False)

    def forward(s, x):
        return s.down_proj(F.silu(s.gate_proj(x)) * s.up_proj(x))


class SparseMoe(nn.Module):  # JambaSparseMoeBlock (Mixtral's)
    def __init__(s, h, f, E, k):
        super().__init__()
        s.k, s.E = k, E
        s.router = nn.Linear(h, E, bias=False)
        s.experts = nn.ModuleList(MLP(h, f) for _ in range(E))

    def forward(s, x):
        b, t, h = x.shape
        x = x.view(-1, h)
        rw = F.softmax(s.router(x), dim=1, dtype=torch.float)
        rw, sel = torch.topk(rw, s.k, dim=-1)
        rw = rw.to(x.dtype)
        out = torch.zeros((b * t, h), dtype=x.dtype)
        mask = F.one_hot(sel, num_classes=s.E).permute(2, 1, 0)
        for e in range(s.E):
            idx, top_x = torch.where(mask[e])
            if top_x.shape[0] == 0:
                continue
            cur = x[None, top_x].reshape(-1, h)
            y = s.experts[e](cur) * rw[top_x, idx, None]
            out.index_add_(0, top_x, y.to(x.dtype))
        return out.view(b, t, h)


class ParallelExperts(nn.Module):
    def __init__(s, E, i, o):
        super().__init__()
        s.weight = nn.Parameter(torch.randn(E, o, i) * 0.02)

    def forward(s, x, sizes):
        return torch.cat([F.linear(p, s.weight[e]) for e, p in enumerate(x.split(sizes, dim=0))], dim=0)


class GraniteMoe(nn.Module):  # GraniteMoeHybridMoE with its TopKGating
    def __init__(s, h, f, E, k):
        super().__init__()
        s.k, s.E = k, E
        s.layer = nn.Linear(h, E, bias=False)
        s.input_linear, s.output_linear = ParallelExperts(E, h, 2 * f), ParallelExperts(E, f, h)

    def forward(s, x):
        b, t, h = x.shape
        x = x.reshape(-1, h)
        logits = s.layer(x).float()
        tkl, tki = logits.topk(s.k, dim=1)
        tkg = torch.softmax(tkl, dim=1).type_as(x)
        gates = torch.zeros([tkg.size(0), s.E], dtype=tkg.dtype).scatter(1, tki, 1)
        sizes = gates.long().sum(0).tolist()
        _, sorted_idx = tki.flatten().sort(0)
        batch_index = sorted_idx.div(s.k, rounding_mode="trunc")
        batch_gates = tkg.flatten()[sorted_idx]
        hs = s.input_linear(x[batch_index], sizes)
        c = hs.chunk(2, dim=-1)
        hs = F.silu(c[0]) * c[1]
        y = s.output_linear(hs, sizes) * batch_gates[:, None]
        return torch.zeros((b * t, h), dtype=y.dtype).index_add(0, batch_index, y).view(b, t, h)


class SharedMLP(nn.Module):  # GraniteMoeHybridMLP
    def __init__(s, h, f):
        super().__init__()
        s.input_linear, s.output_linear = nn.Linear(h, 2 * f, bias=False), nn.Linear(f, h, bias=False)

    def forward(s, x):
        c = s.input_linear(x).chunk(2, dim=-1)
        return s.output_linear(F.silu(c[0]) * c[1])


class Layer(nn.Module):
    def __init__(s, cfg, i):
        super().__init__()
        h = cfg["hidden_size"]
        s.input_layernorm, s.post_norm = V.RMSNorm(h), V.RMSNorm(h)
        s.mult = cfg.get("residual_multiplier", 1.0)
        if cfg["model_type"] == "jamba":
            attn = i % cfg["attn_layer_period"] == cfg["attn_layer_offset"]
            moe = i % cfg["expert_layer_period"] == cfg["expert_layer_offset"]
            di = cfg["mamba_expand"] * h
            s.mixer = Attention(h, cfg["num_attention_heads"], cfg["num_key_value_heads"]) if attn else \
                JambaMixer(h, di, cfg["mamba_d_state"], cfg["mamba_dt_rank"], cfg["mamba_d_conv"])
            s.ff = SparseMoe(h, cfg["intermediate_size"], cfg["num_experts"], cfg["num_experts_per_tok"]) \
                if moe else MLP(h, cfg["intermediate_size"])
            s.shared = None
        else:
            attn = cfg["layer_types"][i] == "attention"
            s.mixer = Attention(h, cfg["num_attention_heads"], cfg["num_key_value_heads"]) if attn else \
                M.Mixer2(h, cfg["mamba_n_heads"], cfg["mamba_d_head"], cfg["mamba_d_state"],
                         cfg["mamba_n_groups"], cfg["mamba_d_conv"])
            s.ff = GraniteMoe(h, cfg["intermediate_size"], cfg["num_local_experts"], cfg["num_experts_per_tok"])
            s.shared = SharedMLP(h, cfg["shared_intermediate_size"])

    def forward(s, x):
        r = x
        x = r + s.mixer(s.input_layernorm(x)) * s.mult
        r = x
        y = s.post_norm(x)
        out = s.ff(y)
        if s.shared is not None:
            out = out + s.shared(y)
        return r + out * s.mult


class FalconMixer(M.Mixer2):  # FalconH1Mixer: Mamba2Mixer's parameters and the muP scalings
    def __init__(s, cfg):
        h = cfg["hidden_size"]
        super().__init__(h, cfg["mamba_n_heads"], cfg["mamba_d_head"], cfg["mamba_d_state"], cfg["mamba_n_groups"],
                         cfg["mamba_d_conv"])
        di, gn = cfg["mamba_n_heads"] * cfg["mamba_d_head"], cfg["mamba_n_groups"] * cfg["mamba_d_state"]
        m = cfg["ssm_multipliers"]  # compute_mup_vector: one factor per zxbcdt section
        mup = torch.cat([torch.full((n,), f) for n, f in zip((di, di, gn, gn, cfg["mamba_n_heads"]), m)])
        s.register_buffer("mup_vector", mup.view(1, 1, -1), persistent=False)
        s.in_mult = cfg["ssm_in_multiplier"]

    def forward(s, x):
        projected = s.in_proj(x * s.in_mult) * s.mup_vector
        A = -torch.exp(s.A_log.float())
        return M.Mamba2CombinedFn.apply(projected, s.conv1d.weight.squeeze(1), s.conv1d.bias, s.dt_bias, A, s.D,
                                        s.norm_weight, s.out_proj.weight, s.nh, s.ng)


class FalconAttention(nn.Module):  # FalconH1Attention, flash_attention_2
    def __init__(s, cfg):
        super().__init__()
        h = cfg["hidden_size"]
        s.a, s.g, s.d = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
        s.q_proj = nn.Linear(h, s.a * s.d, bias=False)
        s.k_proj = nn.Linear(h, s.g * s.d, bias=False)
        s.v_proj = nn.Linear(h, s.g * s.d, bias=False)
        s.o_proj = nn.Linear(s.a * s.d, h, bias=False)
        s.key_mult = cfg["key_multiplier"]

    def forward(s, x, cos, sin):
        b, t, _ = x.shape
        q = s.q_proj(x).view(b, t, s.a, s.d).transpose(1, 2)
        k = s.k_proj(x).view(b, t, s.g, s.d).transpose(1, 2) * s.key_mult
        v = s.v_proj(x).view(b, t, s.g, s.d).transpose(1, 2)
        c, sn = cos.unsqueeze(1), sin.unsqueeze(1)
        q = q * c + V.rotate_half(q) * sn
        k = k * c + V.rotate_half(k) * sn
        o = V.FlashAttn.apply(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), 0.0)
        return s.o_proj(o.reshape(b, t, s.a * s.d).contiguous())


class FalconLayer(nn.Module):  # FalconH1DecoderLayer
    def __init__(s, cfg):
        super().__init__()
        h, f = cfg["hidden_size"], cfg["intermediate_size"]
        s.input_layernorm, s.pre_ff_layernorm = V.RMSNorm(h), V.RMSNorm(h)
        s.mamba, s.self_attn = FalconMixer(cfg), FalconAttention(cfg)
        s.gate_proj, s.up_proj = nn.Linear(h, f, bias=False), nn.Linear(h, f, bias=False)
        s.down_proj = nn.Linear(f, h, bias=False)
        s.ssm_out, s.attn_in, s.attn_out = cfg["ssm_out_multiplier"], cfg["attention_in_multiplier"], \
            cfg["attention_out_multiplier"]
        s.gate_mult, s.down_mult = cfg["mlp_multipliers"]

    def forward(s, x, cos, sin):
        r = x
        y = s.input_layernorm(x)
        m = s.mamba(y) * s.ssm_out
        a = s.self_attn(y * s.attn_in, cos, sin) * s.attn_out
        x = r + (m + a)
        r = x
        x = s.pre_ff_layernorm(x)
        x = s.down_proj(s.up_proj(x) * F.silu(s.gate_proj(x) * s.gate_mult)) * s.down_mult
        return r + x


class FalconModel(nn.Module):  # FalconH1ForCausalLM
    def __init__(s, cfg):
        super().__init__()
        h = cfg["hidden_size"]
        s.d = cfg["head_dim"]
        s.embed_tokens = nn.Embedding(cfg["vocab_size"], h)
        s.layers = nn.ModuleList(FalconLayer(cfg) for _ in range(cfg["num_hidden_layers"]))
        s.final_layernorm = V.RMSNorm(h)
        s.lm_head = nn.Linear(h, cfg["vocab_size"], bias=False)
        s.emb_mult, s.head_mult = cfg["embedding_multiplier"], cfg["lm_head_multiplier"]

    def forward(s, idx):
        x = s.embed_tokens(idx) * s.emb_mult
        cos, sin = V.rope_tables(idx.shape[1], s.d, x.dtype)
        for layer in s.layers:
            x = layer(x, cos, sin)
        return s.lm_head(s.final_layernorm(x)) * s.head_mult


class Model(nn.Module):
    def __init__(s, cfg):
        super().__init__()
        h = cfg["hidden_size"]
        s.embed = nn.Embedding(cfg["vocab_size"], h)
        s.layers = nn.ModuleList(Layer(cfg, i) for i in range(cfg["num_hidden_layers"]))
        s.norm = V.RMSNorm(h)
        s.lm_head = nn.Linear(h, cfg["vocab_size"], bias=False)

    def forward(s, idx):
        x = s.embed(idx)
        for layer in s.layers:
            x = layer(x)
        return s.lm_head(s.norm(x))


def measure(cfg, dtype, b, t):
    torch.manual_seed(0)
    model = (FalconModel(cfg) if cfg["model_type"] == "falcon_h1" else Model(cfg)).to(dtype).train()
    params = list(model.parameters())
    idx = torch.randint(0, cfg["vocab_size"], (b, t))
    tgt = torch.randint(0, cfg["vocab_size"], (b, t))
    act = V.Saved(params)
    with torch.autograd.graph.saved_tensors_hooks(act.pack, lambda x: x):
        logits = model(idx)
    loss = F.cross_entropy(logits.float().view(-1, logits.shape[-1]), tgt.view(-1))
    opt = torch.optim.AdamW(params, lr=1e-4)
    loss.backward()  # one real step: the stand-ins' backwards run
    opt.step()
    return act.total()


def tmem(tmem_bin, cfg, prec, b, t):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "config.json")
        with open(path, "w") as f:
            json.dump(cfg, f)
        args = [tmem_bin, "train", path, "--micro-batch", str(b), "--seq", str(t), "--precision", prec,
                "--optimizer", "adamw", "--kernels", "eager", "--attention", "flash", "--json"]
        doc = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    return doc["phases"]["forward"]["activations"]


JAMBA = {"model_type": "jamba", "vocab_size": 256, "hidden_size": 64, "intermediate_size": 128,
         "num_hidden_layers": 4, "num_attention_heads": 4, "num_key_value_heads": 2, "attn_layer_period": 4,
         "attn_layer_offset": 1, "expert_layer_period": 2, "expert_layer_offset": 0, "num_experts": 4,
         "num_experts_per_tok": 2, "mamba_d_state": 16, "mamba_d_conv": 4, "mamba_expand": 2,
         "mamba_dt_rank": 8, "attention_dropout": 0.0, "tie_word_embeddings": False}
GRANITE = {"model_type": "granitemoehybrid", "vocab_size": 256, "hidden_size": 64, "num_hidden_layers": 4,
           "num_attention_heads": 4, "num_key_value_heads": 2, "num_local_experts": 4, "num_experts_per_tok": 2,
           "intermediate_size": 32, "shared_intermediate_size": 64, "mamba_n_heads": 4, "mamba_d_head": 32,
           "mamba_n_groups": 1, "mamba_d_state": 16, "mamba_d_conv": 4, "mamba_expand": 2,
           "attention_dropout": 0.0, "residual_multiplier": 0.22, "tie_word_embeddings": False,
           "layer_types": ["mamba", "attention", "mamba", "mamba"]}

# a small Falcon-H1 (tests/unit/test_falconh1_train.c falcon_h1_small_by_hand writes its layer
# out by hand); the multipliers are Falcon-H1-1.5B's orders of magnitude, none 1
FALCON = {"model_type": "falcon_h1", "vocab_size": 256, "hidden_size": 64, "intermediate_size": 128,
          "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16,
          "mamba_d_ssm": 128, "mamba_n_heads": 4, "mamba_d_head": 32, "mamba_n_groups": 1, "mamba_d_state": 16,
          "mamba_d_conv": 4, "mamba_expand": 2, "mamba_conv_bias": True, "mamba_proj_bias": False,
          "mamba_rms_norm": True, "attention_bias": False, "mlp_bias": False, "attention_dropout": 0.0,
          "tie_word_embeddings": False, "attention_in_multiplier": 1.25, "attention_out_multiplier": 0.94,
          "key_multiplier": 0.39, "ssm_in_multiplier": 1.25, "ssm_out_multiplier": 0.23,
          "ssm_multipliers": [0.35, 0.25, 0.51, 0.49, 0.24], "mlp_multipliers": [0.88, 0.59],
          "embedding_multiplier": 5.66, "lm_head_multiplier": 0.039}

CASES = ((JAMBA, torch.bfloat16, "bf16", 1, 512), (JAMBA, torch.float32, "fp32", 2, 256),
         (GRANITE, torch.bfloat16, "bf16", 1, 512), (GRANITE, torch.float32, "fp32", 2, 256),
         (FALCON, torch.bfloat16, "bf16", 1, 512), (FALCON, torch.float32, "fp32", 2, 256))


def main():
    tmem_bin = sys.argv[1] if len(sys.argv) > 1 else "build/tmem"
    t0 = time.time()
    tally = V.Tally(TOL)
    print(f"hybrid: torch {torch.__version__} (CPU); causal_conv1d / selective_scan / Mamba-2 combined and "
          f"FlashAttention-2 stand-ins; tolerance {TOL:.0%}")
    for cfg, dt, prec, b, t in CASES:
        got = measure(cfg, dt, b, t)
        want = tmem(tmem_bin, cfg, prec, b, t)
        tally.row(f"{cfg['model_type']:16} {cfg['num_hidden_layers']} layers {prec:4} b {b} s {t:4} activations", got, want)
    return tally.summary("hybrid", t0)


if __name__ == "__main__":
    sys.exit(main())
