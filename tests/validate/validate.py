#!/usr/bin/python3
"""validate.py — tmem's training ledger against real PyTorch (CPU).

Builds small GPT-2-style, Llama-style and BERT models in plain torch, runs one
training step and measures, per configuration:
  weights      sum of parameter nbytes
  gradients    sum of .grad nbytes after backward
  states       sum of optimizer-state tensor nbytes after step (0-dim 'step' excluded)
  activations  bytes of the tensors autograd saves for backward during the model's
               forward (torch.autograd.graph.saved_tensors_hooks), deduplicated by
               storage, parameters excluded
  loss         the same for the loss (log-softmax + targets)
and compares each with `tmem train --json` run on flags describing the same
model. Fails beyond 5 %.

The models follow tmem's reference kernels (src/core/train_act.c):
  GPT-2 style: nanoGPT / Megatron kernels: fused LayerNorm, fused GELU (tanh),
    softmax in the compute dtype, attention / residual / embedding dropout 0.1.
  Llama style: HF transformers' eager LlamaDecoderLayer: RMSNorm in fp32,
    unfused rotary embedding, repeat_kv, softmax upcast to fp32, SwiGLU.
  BERT: HF modeling_bert.py as modules: post-LN (LayerNorm of each residual
    sum), GELU (erf), bidirectional attention, token types, and the masked-LM
    or sequence-classification head; its loss takes the logits as they are.
Two substitutions, because this is torch 1.13 on a CPU:
  * "flash" attention: torch 1.13 has no F.scaled_dot_product_attention. A
    custom autograd Function stands in for FlashAttention-2: it saves only
    q, k, v (k and v at n_kv_head width), its output and the fp32
    log-sum-exp, and recomputes the rest in backward.
  * dropout: CPU F.dropout saves a float mask; CUDA's fused kernel saves a
    bool mask. torch.native_dropout (bool mask, as on CUDA) is used.
  * LayerNorm statistics are bf16 on CPU for bf16 inputs (fp32 on CUDA):
    a difference of 8 bytes per token per norm, well inside 5 %.
Run with Debian's /usr/bin/python3 and python3-torch; no other packages.
"""
import json, math, os, subprocess, sys, time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint

TOL = 0.05
torch.manual_seed(0)
torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))


# ---------------------------------------------------------------- kernels

def dropout(x, p, training):
    if not training or p == 0.0:
        return x
    out, _mask = torch.native_dropout(x, p, True)
    return out


class FlashAttn(torch.autograd.Function):
    """Stand-in for FlashAttention-2: q (b, s, a, d), k and v (b, s, g, d).
    Saves q, k, v, out and the fp32 logsumexp (b, a, s); dropout (if any) is
    regenerated from a seed in backward, as the real kernel does."""

    @staticmethod
    def _ref(q, k, v, p, seed, causal=True):
        b, s, a, d = q.shape
        g = k.shape[2]
        qh = q.transpose(1, 2).float()
        kh = k.transpose(1, 2).float().repeat_interleave(a // g, dim=1)
        vh = v.transpose(1, 2).float().repeat_interleave(a // g, dim=1)
        att = (qh @ kh.transpose(-2, -1)) / math.sqrt(d)
        if causal:
            mask = torch.ones(s, s, dtype=torch.bool).triu(1)
            att = att.masked_fill(mask, float("-inf"))
        lse = torch.logsumexp(att, dim=-1)
        pr = torch.exp(att - lse.unsqueeze(-1))
        if p > 0:
            gen = torch.Generator().manual_seed(seed)
            keep = (torch.rand(pr.shape, generator=gen) >= p).to(pr.dtype) / (1 - p)
            pr = pr * keep
        out = (pr @ vh).transpose(1, 2).to(q.dtype).contiguous()
        return out, lse

    @staticmethod
    def forward(ctx, q, k, v, p, causal=True):
        seed = int(torch.randint(0, 2**31 - 1, (1,)).item())
        with torch.no_grad():
            out, lse = FlashAttn._ref(q, k, v, p, seed, causal)
        ctx.p, ctx.seed, ctx.causal = p, seed, causal
        ctx.save_for_backward(q, k, v, out, lse)
        return out

    @staticmethod
    def backward(ctx, gout):
        q, k, v, _out, _lse = ctx.saved_tensors
        with torch.enable_grad():
            q2, k2, v2 = (t.detach().requires_grad_() for t in (q, k, v))
            out, _ = FlashAttn._ref(q2, k2, v2, ctx.p, ctx.seed, ctx.causal)
            gq, gk, gv = torch.autograd.grad(out, (q2, k2, v2), gout)
        return gq, gk, gv, None, None


# ---------------------------------------------------------------- GPT-2 style

class GPTBlock(nn.Module):
    def __init__(s, h, a, f, p, flash):
        super().__init__()
        s.h, s.a, s.p, s.flash = h, a, p, flash
        s.ln_1 = nn.LayerNorm(h)
        s.c_attn = nn.Linear(h, 3 * h)
        s.c_proj = nn.Linear(h, h)
        s.ln_2 = nn.LayerNorm(h)
        s.c_fc = nn.Linear(h, f)
        s.mlp_proj = nn.Linear(f, h)

    def attn(s, x, mask):
        b, t, h = x.shape
        a, d = s.a, h // s.a
        q, k, v = s.c_attn(x).split(h, dim=2)
        if s.flash:
            y = FlashAttn.apply(q.view(b, t, a, d), k.view(b, t, a, d), v.view(b, t, a, d),
                                s.p if s.training else 0.0)
            y = y.reshape(b, t, h)
        else:
            q = q.view(b, t, a, d).transpose(1, 2)
            k = k.view(b, t, a, d).transpose(1, 2)
            v = v.view(b, t, a, d).transpose(1, 2)
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(d))
            att = att + mask
            att = F.softmax(att, dim=-1)
            att = dropout(att, s.p, s.training)
            y = (att @ v).transpose(1, 2).contiguous().view(b, t, h)
        return dropout(s.c_proj(y), s.p, s.training)

    def forward(s, x):
        x = x + s.attn(s.ln_1(x), s.mask)
        m = s.mlp_proj(F.gelu(s.c_fc(s.ln_2(x)), approximate="tanh"))
        return x + dropout(m, s.p, s.training)


class GPT(nn.Module):
    def __init__(s, cfg, flash, p, ckpt):
        super().__init__()
        h, s.ckpt, s.p = cfg["hidden"], ckpt, p
        s.wte = nn.Embedding(cfg["vocab"], h)
        s.wpe = nn.Embedding(cfg["max_pos"], h)
        s.blocks = nn.ModuleList(GPTBlock(h, cfg["heads"], 4 * h, p, flash) for _ in range(cfg["layers"]))
        s.ln_f = nn.LayerNorm(h)

    def forward(s, idx):
        b, t = idx.shape
        pos = torch.arange(t, dtype=torch.long)
        x = dropout(s.wte(idx) + s.wpe(pos), s.p, s.training)
        mask = torch.full((t, t), float("-inf"), dtype=x.dtype).triu(1)
        for blk in s.blocks:
            blk.mask = mask  # an attribute, not an argument a checkpoint would save
            x = torch.utils.checkpoint.checkpoint(blk, x) if s.ckpt else blk(x)
        return F.linear(s.ln_f(x), s.wte.weight)  # tied lm_head


# ---------------------------------------------------------------- BERT (HF modeling_bert.py)

class BertLayer(nn.Module):
    """BertSelfAttention (query, key, value), BertSelfOutput (dense, dropout,
    LayerNorm of the residual sum), BertIntermediate (dense, GELU erf),
    BertOutput (dense, dropout, LayerNorm of the residual sum): post-LN,
    bidirectional (no mask: every key visible)."""

    def __init__(s, h, a, f, p, flash):
        super().__init__()
        s.h, s.a, s.p, s.flash = h, a, p, flash
        s.query, s.key, s.value = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h)
        s.attn_dense = nn.Linear(h, h)
        s.attn_norm = nn.LayerNorm(h, eps=1e-12)
        s.inter = nn.Linear(h, f)
        s.out = nn.Linear(f, h)
        s.out_norm = nn.LayerNorm(h, eps=1e-12)

    def forward(s, x):
        b, t, h = x.shape
        a, d = s.a, h // s.a
        q, k, v = s.query(x), s.key(x), s.value(x)
        if s.flash:
            ctx = FlashAttn.apply(q.view(b, t, a, d), k.view(b, t, a, d), v.view(b, t, a, d),
                                  s.p if s.training else 0.0, False).reshape(b, t, h)
        else:
            q = q.view(b, t, a, d).permute(0, 2, 1, 3)
            k = k.view(b, t, a, d).permute(0, 2, 1, 3)
            v = v.view(b, t, a, d).permute(0, 2, 1, 3)
            sc = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d)
            pr = dropout(F.softmax(sc, dim=-1), s.p, s.training)
            ctx = torch.matmul(pr, v).permute(0, 2, 1, 3).contiguous().view(b, t, h)
        x = s.attn_norm(dropout(s.attn_dense(ctx), s.p, s.training) + x)
        return s.out_norm(dropout(s.out(F.gelu(s.inter(x))), s.p, s.training) + x)


class Bert(nn.Module):
    """BertEmbeddings (word + position + token type, LayerNorm, dropout), the
    layers, and a head: BertForMaskedLM's (transform dense, GELU, LayerNorm,
    decoder tied to the word embedding with its own bias) or
    BertForSequenceClassification's (pooler dense + tanh on the first token,
    dropout, classifier)."""

    def __init__(s, cfg, flash, p, ckpt, head):
        super().__init__()
        h, s.ckpt, s.p, s.head = cfg["hidden"], ckpt, p, head
        s.word = nn.Embedding(cfg["vocab"], h)
        s.pos = nn.Embedding(cfg["max_pos"], h)
        s.types = nn.Embedding(2, h)
        s.emb_norm = nn.LayerNorm(h, eps=1e-12)
        s.layers = nn.ModuleList(BertLayer(h, cfg["heads"], 4 * h, p, flash) for _ in range(cfg["layers"]))
        if head == "mlm":
            s.transform = nn.Linear(h, h)
            s.head_norm = nn.LayerNorm(h, eps=1e-12)
            s.decoder_bias = nn.Parameter(torch.zeros(cfg["vocab"]))
        else:
            s.pooler = nn.Linear(h, h)
            s.classifier = nn.Linear(h, cfg["labels"])

    def forward(s, idx):
        b, t = idx.shape
        pos = torch.arange(t, dtype=torch.long).unsqueeze(0)
        types = torch.zeros(b, t, dtype=torch.long)  # the tokenizer's token_type_ids
        x = dropout(s.emb_norm(s.word(idx) + s.types(types) + s.pos(pos)), s.p, s.training)
        for blk in s.layers:
            x = torch.utils.checkpoint.checkpoint(blk, x) if s.ckpt else blk(x)
        if s.head == "mlm":
            y = s.head_norm(F.gelu(s.transform(x)))
            return F.linear(y, s.word.weight, s.decoder_bias)
        pooled = torch.tanh(s.pooler(x[:, 0]))
        return s.classifier(dropout(pooled, s.p, s.training))


# ---------------------------------------------------------------- Llama style (HF eager)

class RMSNorm(nn.Module):
    def __init__(s, h, eps=1e-6):
        super().__init__()
        s.weight = nn.Parameter(torch.ones(h))
        s.eps = eps

    def forward(s, x):
        dt = x.dtype
        x = x.to(torch.float32)
        # HF writes x.pow(2).mean(-1, keepdim=True); torch 1.13's mean saves
        # its input for backward (torch 2 saves only sizes), so: sum / n
        var = x.pow(2).sum(-1, keepdim=True) / x.shape[-1]
        x = x * torch.rsqrt(var + s.eps)
        return s.weight * x.to(dt)


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def repeat_kv(x, n):
    if n == 1:
        return x
    b, g, t, d = x.shape
    return x[:, :, None, :, :].expand(b, g, n, t, d).reshape(b, g * n, t, d)


class LlamaLayer(nn.Module):
    def __init__(s, h, a, g, f, flash):
        super().__init__()
        s.a, s.g, s.d, s.flash = a, g, h // a, flash
        s.input_layernorm = RMSNorm(h)
        s.q_proj = nn.Linear(h, a * s.d, bias=False)
        s.k_proj = nn.Linear(h, g * s.d, bias=False)
        s.v_proj = nn.Linear(h, g * s.d, bias=False)
        s.o_proj = nn.Linear(a * s.d, h, bias=False)
        s.post_attention_layernorm = RMSNorm(h)
        s.gate_proj = nn.Linear(h, f, bias=False)
        s.up_proj = nn.Linear(h, f, bias=False)
        s.down_proj = nn.Linear(f, h, bias=False)

    def forward(s, x, cos, sin):
        b, t, h = x.shape
        mask = s.mask
        r = x
        x = s.input_layernorm(x)
        q = s.q_proj(x).view(b, t, s.a, s.d).transpose(1, 2)
        k = s.k_proj(x).view(b, t, s.g, s.d).transpose(1, 2)
        v = s.v_proj(x).view(b, t, s.g, s.d).transpose(1, 2)
        c, sn = cos.unsqueeze(1), sin.unsqueeze(1)
        q = q * c + rotate_half(q) * sn
        k = k * c + rotate_half(k) * sn
        if s.flash:
            o = FlashAttn.apply(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), 0.0)
            o = o.reshape(b, t, h)
        else:
            kr, vr = repeat_kv(k, s.a // s.g), repeat_kv(v, s.a // s.g)
            att = torch.matmul(q, kr.transpose(2, 3)) * (s.d ** -0.5)
            att = att + mask
            att = F.softmax(att, dim=-1, dtype=torch.float32).to(q.dtype)
            o = torch.matmul(att, vr).transpose(1, 2).contiguous().reshape(b, t, h)
        x = r + s.o_proj(o)
        r = x
        x = s.post_attention_layernorm(x)
        x = s.down_proj(F.silu(s.gate_proj(x)) * s.up_proj(x))
        return r + x


class Llama(nn.Module):
    def __init__(s, cfg, flash, ckpt):
        super().__init__()
        h, s.ckpt = cfg["hidden"], ckpt
        s.d = h // cfg["heads"]
        s.embed_tokens = nn.Embedding(cfg["vocab"], h)
        s.layers = nn.ModuleList(LlamaLayer(h, cfg["heads"], cfg["kv_heads"], cfg["ffn"], flash)
                                 for _ in range(cfg["layers"]))
        s.norm = RMSNorm(h)
        s.lm_head = nn.Linear(h, cfg["vocab"], bias=False)

    def forward(s, idx):
        b, t = idx.shape
        x = s.embed_tokens(idx)
        cos, sin = rope_tables(t, s.d, x.dtype)
        mask = torch.full((t, t), float("-inf"), dtype=x.dtype).triu(1)
        for layer in s.layers:
            layer.mask = mask
            if s.ckpt:
                x = torch.utils.checkpoint.checkpoint(layer, x, cos, sin)
            else:
                x = layer(x, cos, sin)
        return s.lm_head(s.norm(x))


def rope_tables(t, d, dtype):
    """HF's rotary cos and sin tables for t positions, (1, t, d) in dtype"""
    pos = torch.arange(t).float()[None, :]
    inv = 1.0 / (10000 ** (torch.arange(0, d, 2).float() / d))
    fr = pos[..., None] * inv[None, None, :]
    emb = torch.cat((fr, fr), dim=-1)
    return emb.cos().to(dtype), emb.sin().to(dtype)


class Tally:
    """Rows of measured against tmem, each printed with its error; the
    last line counts them (the sibling scripts' shared bookkeeping)"""

    def __init__(s, tol):
        s.tol, s.rows, s.fails, s.worst = tol, 0, 0, 0.0

    def row(s, label, got, want):
        err = (want - got) / got if got else (0.0 if want == 0 else 1.0)
        s.rows += 1
        s.worst = max(s.worst, abs(err))
        bad = abs(err) > s.tol
        s.fails += bad
        print(f"{label} {got:>10} {want:>10} {err:>+7.2%}{'  FAIL' if bad else ''}")

    def summary(s, name, t0):
        print(f"{name}: {s.rows - s.fails} of {s.rows} within {s.tol:.0%} (worst {s.worst:.2%}) "
              f"in {time.time() - t0:.0f} s")
        return 1 if s.fails else 0


# ---------------------------------------------------------------- measuring

class Saved:
    def __init__(s, params):
        s.param_ptrs = {p.storage().data_ptr() for p in params}
        s.seen = {}

    def pack(s, t):
        st = t.storage()
        ptr = st.data_ptr()
        if ptr not in s.param_ptrs and ptr not in s.seen:
            s.seen[ptr] = st.nbytes()
        return t

    def total(s):
        return sum(s.seen.values())


def measure(family, cfg, dtype, optim, flash, drop, ckpt, b, t):
    torch.manual_seed(0)
    if family == "gpt2":
        model = GPT(cfg, flash, 0.1 if drop else 0.0, ckpt)
    elif family == "bert":
        model = Bert(cfg, flash, 0.1 if drop else 0.0, ckpt, cfg["head"])
    else:
        model = Llama(cfg, flash, ckpt)
    model = model.to(dtype).train()
    params = list(model.parameters())
    idx = torch.randint(0, cfg["vocab"], (b, t))
    tgt = torch.randint(0, cfg["vocab"], (b, t))
    if family == "bert" and cfg["head"] == "cls":
        tgt = torch.randint(0, cfg["labels"], (b,))
    act = Saved(params)
    if ckpt:
        x_in = None
    with torch.autograd.graph.saved_tensors_hooks(act.pack, lambda x: x):
        logits = model(idx)
    loss_saved = Saved(params)
    for p in act.seen:  # a tensor saved by the model and again by the loss counts once
        loss_saved.param_ptrs.add(p)
    with torch.autograd.graph.saved_tensors_hooks(loss_saved.pack, lambda x: x):
        # HF's encoder heads take the loss of the logits as they are; the decoders upcast
        lg = logits if family == "bert" else logits.float()
        loss = F.cross_entropy(lg.view(-1, logits.shape[-1]), tgt.view(-1))
    if optim == "sgd":
        opt = torch.optim.SGD(params, lr=1e-3)
    elif optim == "sgd-momentum":
        opt = torch.optim.SGD(params, lr=1e-3, momentum=0.9)
    elif optim == "adam":
        opt = torch.optim.Adam(params, lr=1e-4)
    else:
        opt = torch.optim.AdamW(params, lr=1e-4)
    loss.backward()
    opt.step()
    uniq = {p.storage().data_ptr(): p for p in params}.values()
    w = sum(p.numel() * p.element_size() for p in uniq)
    g = sum(p.grad.numel() * p.grad.element_size() for p in uniq if p.grad is not None)
    st = 0
    for state in opt.state.values():
        for k, v in state.items():
            if torch.is_tensor(v) and v.dim() > 0:
                st += v.numel() * v.element_size()
    return {"weights": w, "gradients": g, "optimizer_states": st,
            "activations": act.total(), "loss": loss_saved.total()}


def tmem(tmem_bin, family, cfg, prec, optim, flash, drop, ckpt, b, t):
    args = [tmem_bin, "train", "--family", family, "--hidden", str(cfg["hidden"]),
            "--layers", str(cfg["layers"]), "--heads", str(cfg["heads"]), "--vocab", str(cfg["vocab"]),
            "--micro-batch", str(b), "--seq", str(t), "--precision", prec, "--optimizer", optim,
            "--attention", "flash" if flash else "naive", "--dropout", "on" if drop else "off",
            "--recompute", "full" if ckpt else "none", "--json"]
    if family == "gpt2":
        args += ["--max-pos", str(cfg["max_pos"])]
    elif family == "bert":
        args += ["--max-pos", str(cfg["max_pos"]),
                 "--head", "mlm" if cfg["head"] == "mlm" else f"cls:{cfg['labels']}"]
    else:
        args += ["--kv-heads", str(cfg["kv_heads"]), "--ffn", str(cfg["ffn"])]
    doc = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    opt_phase = doc["phases"]["optimizer"]
    fwd = doc["phases"]["forward"]
    loss = sum(v for k, v in fwd["items"].items() if k.startswith("loss"))
    return {"weights": opt_phase["weights"], "gradients": opt_phase["gradients"],
            "optimizer_states": opt_phase["optimizer_states"], "activations": fwd["activations"],
            "loss": loss}


GPT_CFG = {"hidden": 128, "layers": 2, "heads": 4, "vocab": 512, "max_pos": 256}
LLAMA_CFG = {"hidden": 128, "layers": 2, "heads": 4, "kv_heads": 4, "ffn": 344, "vocab": 512}
GQA_CFG = dict(LLAMA_CFG, kv_heads=2)
BERT_MLM_CFG = {"hidden": 128, "layers": 2, "heads": 4, "vocab": 512, "max_pos": 256, "head": "mlm"}
BERT_CLS_CFG = dict(BERT_MLM_CFG, head="cls", labels=3)


def cases():
    B, T = 2, 128
    for fam, cfg in (("gpt2", GPT_CFG), ("llama", LLAMA_CFG), ("llama", GQA_CFG),
                     ("bert", BERT_MLM_CFG), ("bert", BERT_CLS_CFG)):
        for dt, prec in ((torch.float32, "fp32"), (torch.bfloat16, "bf16")):
            for flash in (False, True):
                drops = (True, False) if fam in ("gpt2", "bert") else (False,)
                for drop in drops:
                    for ckpt in (False, True):
                        yield fam, cfg, dt, prec, "adamw", flash, drop, ckpt, B, T
    for opt in ("sgd", "sgd-momentum", "adam"):
        yield "llama", LLAMA_CFG, torch.float32, "fp32", opt, True, False, False, 2, 64
    yield "gpt2", GPT_CFG, torch.float32, "fp32", "adamw", False, True, False, 4, 256


def main():
    tmem_bin = sys.argv[1] if len(sys.argv) > 1 else "build/tmem"
    t0 = time.time()
    fails = rows = 0
    worst = 0.0
    print(f"torch {torch.__version__} (CPU); tolerance {TOL:.0%}")
    hdr = f"{'model':8} {'kv':>2} {'prec':5} {'opt':12} {'attn':5} {'drop':4} {'ckpt':4} {'b×s':7} " \
          f"{'what':17} {'measured':>11} {'tmem':>11} {'error':>8}"
    print(hdr)
    for fam, cfg, dt, prec, opt, flash, drop, ckpt, b, t in cases():
        got = measure(fam, cfg, dt, opt, flash, drop, ckpt, b, t)
        want = tmem(tmem_bin, fam, cfg, prec, opt, flash, drop, ckpt, b, t)
        for k in ("weights", "gradients", "optimizer_states", "activations", "loss"):
            if want[k] is None:
                continue
            err = (want[k] - got[k]) / got[k] if got[k] else (0.0 if want[k] == 0 else 1.0)
            rows += 1
            worst = max(worst, abs(err))
            bad = abs(err) > TOL
            fails += bad
            name = f"bert-{cfg['head']}" if fam == "bert" else fam
            print(f"{name:8} {cfg.get('kv_heads', cfg['heads']):>2} {prec:5} {opt:12} "
                  f"{'flash' if flash else 'naive':5} {'on' if drop else 'off':4} "
                  f"{'full' if ckpt else 'none':4} {f'{b}×{t}':7} {k:17} {got[k]:>11} {want[k]:>11} "
                  f"{err:>+7.2%}{'  FAIL' if bad else ''}")
    print(f"validate: {rows - fails} of {rows} within {TOL:.0%} (worst {worst:.2%}) in {time.time() - t0:.0f} s")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
