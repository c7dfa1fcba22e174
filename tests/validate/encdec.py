#!/usr/bin/python3
"""encdec.py — tmem's encoder-decoder training ledger against real PyTorch (CPU).

Builds tiny T5-shaped (v1.0 ReLU, tied; v1.1 gated-GELU, untied) and
BART-shaped models in plain torch, mirroring HF transformers' eager modules
(modeling_t5.py T5LayerNorm, T5Attention with compute_bias /
_relative_position_bucket, T5DenseActDense, T5DenseGatedActDense with
gelu_new, T5Stack, T5ForConditionalGeneration's d_model^-0.5 scaling of the
tied head's input; modeling_bart.py BartAttention, Bart{Encoder,Decoder}Layer,
BartLearnedPositionalEmbedding offset 2, layernorm_embedding,
final_logits_bias buffer; CrossEntropyLoss on the logits as they are, no
fp32 upcast), runs one training step and measures, per configuration:
  weights      sum of parameter nbytes (tied tensors once)
  activations  bytes of the tensors autograd saves for backward during the
               model's forward (torch.autograd.graph.saved_tensors_hooks),
               deduplicated by storage, parameters excluded
  loss         the same for the loss (log-softmax + targets)
and compares each with `tmem train --json` on a config.json describing the
same model: the forward phase's activations bucket and its loss item. Fails
beyond 5 %. transformers is not installed: the modules are written out here.
CPU substitutions, as in validate.py: T5LayerNorm's mean as sum / d (torch
1.13's mean saves its d_model-wide fp32 input, later torch does not); dropout by torch.native_dropout (a bool
mask, as CUDA's fused kernel saves; CPU F.dropout saves a float mask); CPU
LayerNorm keeps bf16 statistics for bf16 inputs (fp32 on CUDA): 4 bytes per
token per norm fewer measured.
LoRA / DoRA (tmem train --lora-rank): the base frozen (requires_grad_(False)),
PEFT-style adapters on the named linears of both stacks and the
cross-attention (PEFT matches a module name as a suffix: "q" is every
T5Attention.q), result = base(x) + B(A(dropout(x)))·alpha/r; DoRA (peft
tuners/lora/dora.py DoraLinearLayer): m / ||W + s·B·A|| (the norm detached)
scales base(x) and the adapter's output, which it saves. Measured as well: the
gradients' bytes after backward (the adapters' only).
Run with Debian's /usr/bin/python3 and python3-torch; no other packages.
"""
import json, math, os, subprocess, sys, tempfile, time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from validate import Saved, Tally  # noqa: E402

TOL = 0.05
torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))


def dropout(x, p, training=True):
    if not training or p == 0.0:
        return x
    out, _mask = torch.native_dropout(x, p, True)
    return out


# ---------------------------------------------------------------- T5

class T5LayerNorm(nn.Module):
    def __init__(s, d, eps=1e-6):
        super().__init__()
        s.weight = nn.Parameter(torch.ones(d))
        s.eps = eps

    def forward(s, x):
        # HF: .pow(2).mean(-1, keepdim=True). torch 1.13's mean saves its input
        # (for its numel; later torch saves the sizes only): sum / d, the same
        # value, saves nothing, as mean does on the torch HF runs on
        var = x.to(torch.float32).pow(2).sum(-1, keepdim=True) * (1.0 / x.shape[-1])
        x = x * torch.rsqrt(var + s.eps)
        if s.weight.dtype in (torch.float16, torch.bfloat16):
            x = x.to(s.weight.dtype)
        return s.weight * x


def rel_bucket(rel, bidirectional, num_buckets=32, max_distance=128):
    ret = 0
    if bidirectional:
        num_buckets //= 2
        ret += (rel > 0).to(torch.long) * num_buckets
        rel = torch.abs(rel)
    else:
        rel = -torch.min(rel, torch.zeros_like(rel))
    max_exact = num_buckets // 2
    is_small = rel < max_exact
    large = max_exact + (torch.log(rel.float() / max_exact) / math.log(max_distance / max_exact)
                         * (num_buckets - max_exact)).to(torch.long)
    large = torch.min(large, torch.full_like(large, num_buckets - 1))
    return ret + torch.where(is_small, rel, large)


class T5Attention(nn.Module):
    def __init__(s, d, h, dk, p, has_rel, decoder, buckets):
        super().__init__()
        s.h, s.dk, s.p, s.decoder = h, dk, p, decoder
        inner = h * dk
        s.q = nn.Linear(d, inner, bias=False)
        s.k = nn.Linear(d, inner, bias=False)
        s.v = nn.Linear(d, inner, bias=False)
        s.o = nn.Linear(inner, d, bias=False)
        s.buckets = buckets
        s.ckpt = False
        s.relative_attention_bias = nn.Embedding(buckets, h) if has_rel else None

    def compute_bias(s, sq, sk):
        ctx = torch.arange(sq, dtype=torch.long)[:, None]
        mem = torch.arange(sk, dtype=torch.long)[None, :]
        b = rel_bucket(mem - ctx, not s.decoder, s.buckets)
        return s.relative_attention_bias(b).permute([2, 0, 1]).unsqueeze(0)

    def forward(s, x, kv=None, mask=None, position_bias=None):
        b, sq = x.shape[:2]
        src = x if kv is None else kv
        sk = src.shape[1]
        q = s.q(x).view(b, -1, s.h, s.dk).transpose(1, 2)
        k = s.k(src).view(b, -1, s.h, s.dk).transpose(1, 2)
        v = s.v(src).view(b, -1, s.h, s.dk).transpose(1, 2)
        scores = torch.matmul(q, k.transpose(3, 2))
        if position_bias is None:
            if s.relative_attention_bias is not None:
                position_bias = s.compute_bias(sq, sk)
            else:
                position_bias = torch.zeros((1, s.h, sq, sk), dtype=scores.dtype)
                if s.ckpt:  # HF: requires_grad under gradient checkpointing
                    position_bias.requires_grad = True
            if mask is not None:
                position_bias = position_bias + mask
        scores += position_bias
        w = F.softmax(scores.float(), dim=-1).type_as(scores)
        w = dropout(w, s.p, s.training)
        o = torch.matmul(w, v).transpose(1, 2).contiguous().view(b, -1, s.h * s.dk)
        return s.o(o), position_bias


class T5FF(nn.Module):
    def __init__(s, d, f, p, gated):
        super().__init__()
        s.p, s.gated = p, gated
        s.layer_norm = T5LayerNorm(d)
        if gated:
            s.wi_0 = nn.Linear(d, f, bias=False)
            s.wi_1 = nn.Linear(d, f, bias=False)
        else:
            s.wi = nn.Linear(d, f, bias=False)
        s.wo = nn.Linear(f, d, bias=False)

    def forward(s, x):
        y = s.layer_norm(x)
        if s.gated:
            g = s.wi_0(y)
            g = 0.5 * g * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (g + 0.044715 * torch.pow(g, 3.0))))
            y = g * s.wi_1(y)
        else:
            y = F.relu(s.wi(y))
        y = dropout(y, s.p, s.training)
        y = s.wo(y)
        return x + dropout(y, s.p, s.training)


class T5Block(nn.Module):
    def __init__(s, cfg, first, decoder):
        super().__init__()
        d, h, dk, p = cfg["d_model"], cfg["num_heads"], cfg["d_kv"], cfg["dropout_rate"]
        s.p, s.decoder = p, decoder
        s.sa_norm = T5LayerNorm(d)
        s.sa = T5Attention(d, h, dk, p, first, decoder, cfg["relative_attention_num_buckets"])
        if decoder:
            s.ca_norm = T5LayerNorm(d)
            s.ca = T5Attention(d, h, dk, p, False, True, cfg["relative_attention_num_buckets"])
        s.ff = T5FF(d, cfg["d_ff"], p, cfg["feed_forward_proj"].startswith("gated-"))

    def forward(s, x, mask, pb, enc=None, enc_mask=None, xpb=None):
        a, pb = s.sa(s.sa_norm(x), mask=mask, position_bias=pb)
        x = x + dropout(a, s.p, s.training)
        if s.decoder:
            a, xpb = s.ca(s.ca_norm(x), kv=enc, mask=enc_mask, position_bias=xpb)
            x = x + dropout(a, s.p, s.training)
        return s.ff(x), pb, xpb


class T5Stack(nn.Module):
    def __init__(s, cfg, embed, decoder):
        super().__init__()
        s.embed, s.p, s.decoder = embed, cfg["dropout_rate"], decoder
        n = cfg["num_decoder_layers"] if decoder else cfg["num_layers"]
        s.block = nn.ModuleList(T5Block(cfg, i == 0, decoder) for i in range(n))
        s.final_layer_norm = T5LayerNorm(cfg["d_model"])
        s.ckpt = False

    def forward(s, ids, enc=None):
        b, t = ids.shape
        x = dropout(s.embed(ids), s.p, s.training)
        dt = x.dtype
        if s.decoder:  # the causal extended mask, as get_extended_attention_mask builds it
            causal = torch.ones(t, t).tril().to(dt)
            mask = ((1.0 - causal) * torch.finfo(dt).min)[None, None].expand(b, 1, t, t).contiguous()
            enc_mask = torch.zeros(b, 1, 1, enc.shape[1], dtype=dt)
        else:
            mask = torch.zeros(b, 1, 1, t, dtype=dt)
            enc_mask = None
        pb = xpb = None
        for blk in s.block:
            if s.ckpt:  # HF: a GradientCheckpointingLayer, its tensor arguments positional
                x, pb, xpb = checkpoint(blk, x, mask, pb, enc, enc_mask, xpb, use_reentrant=True)
            else:
                x, pb, xpb = blk(x, mask, pb, enc, enc_mask, xpb)
        return dropout(s.final_layer_norm(x), s.p, s.training)


class T5(nn.Module):
    def __init__(s, cfg):
        super().__init__()
        s.d, s.tied = cfg["d_model"], cfg.get("tie_word_embeddings", True)
        s.shared = nn.Embedding(cfg["vocab_size"], cfg["d_model"])
        s.encoder = T5Stack(cfg, s.shared, False)
        s.decoder = T5Stack(cfg, s.shared, True)
        if not s.tied:
            s.lm_head = nn.Linear(cfg["d_model"], cfg["vocab_size"], bias=False)

    def forward(s, ids, dec_ids):
        enc = s.encoder(ids)
        y = s.decoder(dec_ids, enc)
        if s.tied:
            return F.linear(y * (s.d ** -0.5), s.shared.weight)
        return s.lm_head(y)


# ---------------------------------------------------------------- BART

class BartAttention(nn.Module):
    def __init__(s, d, h, p):
        super().__init__()
        s.h, s.dk, s.p = h, d // h, p
        s.scaling = s.dk ** -0.5
        s.q_proj, s.k_proj, s.v_proj, s.out_proj = (nn.Linear(d, d) for _ in range(4))

    def _shape(s, t, b):
        return t.view(b, -1, s.h, s.dk).transpose(1, 2).contiguous()

    def forward(s, x, kv=None, mask=None):
        b, sq, d = x.shape
        src = x if kv is None else kv
        q = s._shape(s.q_proj(x) * s.scaling, b).view(b * s.h, -1, s.dk)
        k = s._shape(s.k_proj(src), b).view(b * s.h, -1, s.dk)
        v = s._shape(s.v_proj(src), b).view(b * s.h, -1, s.dk)
        sk = k.shape[1]
        w = torch.bmm(q, k.transpose(1, 2))
        if mask is not None:
            w = (w.view(b, s.h, sq, sk) + mask).view(b * s.h, sq, sk)
        w = F.softmax(w, dim=-1)
        w = dropout(w, s.p, s.training)
        o = torch.bmm(w, v).view(b, s.h, sq, s.dk).transpose(1, 2).reshape(b, sq, d)
        return s.out_proj(o)


class BartLayer(nn.Module):
    def __init__(s, cfg, decoder, pre_ln):
        super().__init__()
        d = cfg["d_model"]
        h = cfg["decoder_attention_heads" if decoder else "encoder_attention_heads"]
        f = cfg["decoder_ffn_dim" if decoder else "encoder_ffn_dim"]
        s.p, s.act_p, s.decoder, s.pre = cfg["dropout"], cfg.get("activation_dropout", 0.0), decoder, pre_ln
        s.self_attn = BartAttention(d, h, cfg["attention_dropout"])
        s.self_attn_layer_norm = nn.LayerNorm(d)
        if decoder:
            s.encoder_attn = BartAttention(d, h, cfg["attention_dropout"])
            s.encoder_attn_layer_norm = nn.LayerNorm(d)
        s.fc1, s.fc2 = nn.Linear(d, f), nn.Linear(f, d)
        s.final_layer_norm = nn.LayerNorm(d)

    def sub(s, x, norm, fn):
        r = x
        if s.pre:
            x = norm(x)
        x = r + dropout(fn(x), s.p, s.training)
        return x if s.pre else norm(x)

    def forward(s, x, mask, enc=None, enc_mask=None):
        x = s.sub(x, s.self_attn_layer_norm, lambda y: s.self_attn(y, mask=mask))
        if s.decoder:
            x = s.sub(x, s.encoder_attn_layer_norm, lambda y: s.encoder_attn(y, kv=enc, mask=enc_mask))
        return s.sub(x, s.final_layer_norm,
                     lambda y: s.fc2(dropout(F.gelu(s.fc1(y)), s.act_p, s.training)))


class BartStack(nn.Module):
    def __init__(s, cfg, embed, decoder, pre_ln):
        super().__init__()
        d, s.p, s.decoder = cfg["d_model"], cfg["dropout"], decoder
        s.embed_tokens = embed
        s.embed_positions = nn.Embedding(cfg["max_position_embeddings"] + 2, d)
        s.layernorm_embedding = nn.LayerNorm(d)
        n = cfg["decoder_layers" if decoder else "encoder_layers"]
        s.layers = nn.ModuleList(BartLayer(cfg, decoder, pre_ln) for _ in range(n))
        s.layer_norm = nn.LayerNorm(d) if pre_ln else None
        s.ckpt = False

    def forward(s, ids, enc=None):
        b, t = ids.shape
        x = s.embed_tokens(ids) * 1.0  # embed_scale 1.0 (scale_embedding false)
        x = x + s.embed_positions(torch.arange(t, dtype=torch.long) + 2)
        x = dropout(s.layernorm_embedding(x), s.p, s.training)
        # the 4-D masks _prepare_4d_attention_mask / _prepare_4d_causal_attention_mask
        # build from the attention_mask Seq2SeqTrainer passes: [b, 1, s_q, s_k]
        enc_mask = None
        if s.decoder:
            mask = torch.full((t, t), torch.finfo(x.dtype).min, dtype=x.dtype).triu(1)[None, None]
            mask = mask.expand(b, 1, t, t).contiguous()
            enc_mask = torch.zeros(b, 1, t, enc.shape[1], dtype=x.dtype)
        else:
            mask = torch.zeros(b, 1, t, t, dtype=x.dtype)
        for layer in s.layers:
            if s.ckpt:
                x = checkpoint(layer, x, mask, enc, enc_mask, use_reentrant=True)
            else:
                x = layer(x, mask, enc, enc_mask)
        return s.layer_norm(x) if s.layer_norm is not None else x


class Bart(nn.Module):
    def __init__(s, cfg, pre_ln=False):
        super().__init__()
        s.shared = nn.Embedding(cfg["vocab_size"], cfg["d_model"])
        s.encoder = BartStack(cfg, s.shared, False, pre_ln)
        s.decoder = BartStack(cfg, s.shared, True, pre_ln)
        s.register_buffer("final_logits_bias", torch.zeros((1, cfg["vocab_size"])))

    def forward(s, ids, dec_ids):
        y = s.decoder(dec_ids, s.encoder(ids))
        return F.linear(y, s.shared.weight) + s.final_logits_bias.to(y.dtype)


# ---------------------------------------------------------------- adapters

class LoraLinear(nn.Module):
    def __init__(s, base, r, p, dora):
        super().__init__()
        s.base = base
        s.lora_A = nn.Linear(base.in_features, r, bias=False)
        s.lora_B = nn.Linear(r, base.out_features, bias=False)
        nn.init.normal_(s.lora_B.weight)  # PEFT starts B at 0; any value saves the same
        s.drop = nn.Dropout(p) if p > 0 else nn.Identity()
        s.p = p
        s.scaling = 16 / r
        s.magnitude = nn.Parameter(base.weight.detach().norm(p=2, dim=1).clone()) if dora else None

    def forward(s, x):
        y = s.base(x)
        h = dropout(x, s.p, s.training) if s.p > 0 else x
        lo = s.lora_B(s.lora_A(h))
        if s.magnitude is None:
            return y + lo * s.scaling
        with torch.no_grad():  # get_weight_norm(...).detach()
            wn = (s.base.weight + s.scaling * (s.lora_B.weight @ s.lora_A.weight)).norm(p=2, dim=1)
        mag = (s.magnitude / wn).view(1, -1)
        return y + (mag - 1) * y + mag * lo * s.scaling


def add_lora(model, targets, r, p, dora):
    for mod in list(model.modules()):
        for name in targets:
            lin = getattr(mod, name, None)
            if isinstance(lin, nn.Linear):
                setattr(mod, name, LoraLinear(lin, r, p, dora).to(lin.weight.dtype))


# ---------------------------------------------------------------- measuring

def measure(cfg, dtype, b, s_enc, s_dec, lora=None):
    torch.manual_seed(0)
    mt = cfg["model_type"]
    model = T5(cfg) if mt == "t5" else Bart(cfg, pre_ln=(mt == "mbart"))
    model = model.to(dtype).train()
    if lora is not None:
        model.requires_grad_(False)
        add_lora(model, lora["targets"], lora["r"], lora["p"], lora["dora"])
    params = list(model.parameters())
    ids = torch.randint(0, cfg["vocab_size"], (b, s_enc))
    dec_ids = torch.randint(0, cfg["vocab_size"], (b, s_dec))
    labels = torch.randint(0, cfg["vocab_size"], (b, s_dec))
    act = Saved(params)
    with torch.autograd.graph.saved_tensors_hooks(act.pack, lambda x: x):
        logits = model(ids, dec_ids)
    loss_saved = Saved(params)
    for p in act.seen:
        loss_saved.param_ptrs.add(p)
    with torch.autograd.graph.saved_tensors_hooks(loss_saved.pack, lambda x: x):
        loss = nn.CrossEntropyLoss(ignore_index=-100)(logits.view(-1, logits.size(-1)), labels.view(-1))
    loss.backward()
    uniq = {p.storage().data_ptr(): p for p in params}.values()
    w = sum(p.numel() * p.element_size() for p in uniq)
    g = sum(p.grad.numel() * p.grad.element_size() for p in uniq if p.grad is not None)
    return {"weights": w, "activations": act.total(), "loss": loss_saved.total(), "gradients": g}


class Reruns:
    """--recompute full: the saved tensors of each block's re-run during
    backward (the forward runs the blocks under no_grad and saves nothing
    inside them), one group per re-run, the block's inputs (the checkpoints,
    detached views of them) excluded by storage (not every storage the
    forward saved: the allocator reuses the addresses of those backward has
    freed); a group's tensors are all alive when its re-run ends, before
    the block's backward frees them: the largest group is the re-run's peak"""
    def __init__(s, params):
        s.base = {p.storage().data_ptr() for p in params}
        s.groups = []

    def start(s, _mod, inp):
        if torch.is_grad_enabled():
            g = Saved([])
            g.param_ptrs = s.base | {t.storage().data_ptr() for t in inp if torch.is_tensor(t)}
            s.groups.append(g)

    def pack(s, t):
        if s.groups:
            s.groups[-1].pack(t)
        return t

    def peak(s):
        return max((g.total() for g in s.groups), default=0)


def measure_ckpt(cfg, dtype, b, s_enc, s_dec):
    """HF's gradient checkpointing (use_reentrant=True): the forward's saved
    tensors (the checkpoints and the ends) and the largest block re-run"""
    torch.manual_seed(0)
    mt = cfg["model_type"]
    model = T5(cfg) if mt == "t5" else Bart(cfg, pre_ln=(mt == "mbart"))
    model = model.to(dtype).train()
    blocks = []
    for st in (model.encoder, model.decoder):
        st.ckpt = True
        blocks += list(st.block if mt == "t5" else st.layers)
    for m in model.modules():
        if isinstance(m, T5Attention):
            m.ckpt = True
    params = list(model.parameters())
    ids = torch.randint(0, cfg["vocab_size"], (b, s_enc))
    dec_ids = torch.randint(0, cfg["vocab_size"], (b, s_dec))
    labels = torch.randint(0, cfg["vocab_size"], (b, s_dec))
    act = Saved(params)
    with torch.autograd.graph.saved_tensors_hooks(act.pack, lambda x: x):
        logits = model(ids, dec_ids)
    loss = nn.CrossEntropyLoss(ignore_index=-100)(logits.view(-1, logits.size(-1)), labels.view(-1))
    rr = Reruns(params)
    hooks = [blk.register_forward_pre_hook(rr.start) for blk in blocks]
    with torch.autograd.graph.saved_tensors_hooks(rr.pack, lambda x: x):
        loss.backward()
    for h in hooks:
        h.remove()
    return {"activations": act.total(), "recomputed": rr.peak()}


def tmem(tmem_bin, cfg, prec, b, s_enc, s_dec, tmp, lora=None, recompute=False):
    path = os.path.join(tmp, cfg["model_type"] + "-" + cfg.get("feed_forward_proj", "x"), "config.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(cfg, f)
    args = [tmem_bin, "train", path, "--micro-batch", str(b), "--seq", str(s_enc), "--target-seq", str(s_dec),
            "--precision", prec, "--attention", "naive", "--json"]
    if lora is not None:
        args += ["--lora-rank", str(lora["r"]), "--lora-alpha", "16", "--lora-targets", ",".join(lora["targets"])]
        if lora["p"] > 0:
            args += ["--lora-dropout", str(lora["p"])]
        if lora["dora"]:
            args += ["--dora"]
    if recompute:
        args += ["--recompute", "full"]
    doc = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    opt_phase = doc["phases"]["optimizer"]
    fwd = doc["phases"]["forward"]
    if recompute:
        return {"activations": fwd["activations"], "recomputed": doc["phases"]["backward"]["items"]["recomputed layer"]}
    loss = sum(v for k, v in fwd["items"].items() if k.startswith("loss"))
    return {"weights": opt_phase["weights"], "activations": fwd["activations"], "loss": loss,
            "gradients": opt_phase["gradients"]}


T5_CFG = {"model_type": "t5", "d_model": 64, "d_kv": 16, "d_ff": 256, "num_heads": 4, "num_layers": 2,
          "num_decoder_layers": 2, "vocab_size": 512, "dropout_rate": 0.1, "feed_forward_proj": "relu",
          "relative_attention_num_buckets": 32, "n_positions": 512}
T5_GATED_CFG = dict(T5_CFG, feed_forward_proj="gated-gelu", tie_word_embeddings=False, num_decoder_layers=3)
BART_CFG = {"model_type": "bart", "d_model": 64, "encoder_layers": 2, "decoder_layers": 2,
            "encoder_attention_heads": 4, "decoder_attention_heads": 4, "encoder_ffn_dim": 256,
            "decoder_ffn_dim": 256, "vocab_size": 512, "max_position_embeddings": 256, "dropout": 0.1,
            "attention_dropout": 0.1, "activation_dropout": 0.0, "num_hidden_layers": 2}
MBART_CFG = dict(BART_CFG, model_type="mbart", attention_dropout=0.0)


def lora_cases():
    """(config, adapters): PEFT's default-ish targets, all linears, DoRA, lora dropout"""
    def L(targets, r=8, p=0.0, dora=False):
        return {"targets": targets, "r": r, "p": p, "dora": dora}
    yield T5_CFG, L(["q", "v"])
    yield T5_GATED_CFG, L(["q", "k", "v", "o", "wi_0", "wi_1", "wo"], r=16)
    yield T5_GATED_CFG, L(["q", "v"], dora=True)
    yield T5_CFG, L(["q", "v", "wo"], p=0.1)
    yield T5_CFG, L(["o", "wi"], r=4)
    yield BART_CFG, L(["q_proj", "v_proj"])
    yield BART_CFG, L(["q_proj", "k_proj", "v_proj", "out_proj", "fc1", "fc2"], r=16)
    yield MBART_CFG, L(["q_proj", "v_proj", "out_proj"], dora=True)
    yield MBART_CFG, L(["k_proj", "fc2"], r=4, p=0.05)


def main():
    tmem_bin = sys.argv[1] if len(sys.argv) > 1 else "build/tmem"
    t0 = time.time()
    tally = Tally(TOL)
    print(f"torch {torch.__version__} (CPU); tolerance {TOL:.0%}")
    print(f"{'model':10} {'prec':5} {'b×enc×dec':10} {'what':12} {'measured':>10} {'tmem':>10} {'error':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for cfg in (T5_CFG, T5_GATED_CFG, BART_CFG, MBART_CFG):
            for dt, prec in ((torch.float32, "fp32"), (torch.bfloat16, "bf16")):
                for b, se, sd in ((2, 128, 32), (1, 64, 64)):
                    got = measure(cfg, dt, b, se, sd)
                    want = tmem(tmem_bin, cfg, prec, b, se, sd, tmp)
                    name = cfg["model_type"] + ("-gated" if cfg.get("feed_forward_proj", "").startswith("gated") else "")
                    for k in ("weights", "activations", "loss"):
                        tally.row(f"{name:10} {prec:5} {f'{b}×{se}×{sd}':10} {k:12}", got[k], want[k])
        for cfg, lo in lora_cases():
            for dt, prec in ((torch.float32, "fp32"), (torch.bfloat16, "bf16")):
                b, se, sd = 2, 128, 32
                got = measure(cfg, dt, b, se, sd, lo)
                want = tmem(tmem_bin, cfg, prec, b, se, sd, tmp, lo)
                name = cfg["model_type"] + ("-gated" if cfg.get("feed_forward_proj", "").startswith("gated") else "")
                what = ("dora " if lo["dora"] else "lora ") + f"r{lo['r']} " + ",".join(lo["targets"]) + \
                    (f" drop {lo['p']}" if lo["p"] else "")
                print(f"  {what}")
                for k in ("weights", "gradients", "activations", "loss"):
                    tally.row(f"{name:10} {prec:5} {'lora':10} {k:12}", got[k], want[k])
        for cfg in (T5_CFG, T5_GATED_CFG, BART_CFG, MBART_CFG):
            for dt, prec in ((torch.float32, "fp32"), (torch.bfloat16, "bf16")):
                for b, se, sd in ((2, 128, 32), (1, 64, 64)):
                    got = measure_ckpt(cfg, dt, b, se, sd)
                    want = tmem(tmem_bin, cfg, prec, b, se, sd, tmp, recompute=True)
                    name = cfg["model_type"] + ("-gated" if cfg.get("feed_forward_proj", "").startswith("gated") else "")
                    for k in ("activations", "recomputed"):
                        tally.row(f"{name:10} {prec:5} {f'{b}×{se}×{sd}':10} {'ckpt ' + k[:7]:12}", got[k], want[k])
    return tally.summary("encdec", t0)


if __name__ == "__main__":
    sys.exit(main())
