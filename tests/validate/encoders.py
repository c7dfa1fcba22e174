#!/usr/bin/python3
"""encoders.py — tmem's training ledger for DeBERTa-v2 / v3 against real PyTorch (CPU).

Builds a small DeBERTa-v3-layout encoder in plain torch, written as HF
transformers' modeling_deberta_v2.py writes it (transformers is not
installed): DebertaV2Embeddings (word embeddings, LayerNorm, the attention
mask multiply, dropout; no position table: position_biased_input false; no
token types: type_vocab_size 0), DisentangledSelfAttention with share_att_key
and pos_att_type p2c|c2p over log-bucketed relative positions
(make_log_bucket_position, build_relative_position), the rel_embeddings
LayerNorm (norm_rel_ebd layer_norm), pos_dropout, masked_fill of the inverted
attention mask, softmax without upcast, BERT's output blocks (post-LN), and
the masked-LM head (LegacyDebertaV2LMPredictionHead: dense, GELU, LayerNorm,
tied decoder with its bias) or the classification head (ContextPooler: first
token, dense, GELU; StableDropout; classifier). One training step per
configuration; measured:
  weights      sum of parameter nbytes
  activations  bytes autograd saves during the forward
               (torch.autograd.graph.saved_tensors_hooks), deduplicated by
               storage, parameters excluded
  loss         the same for the cross-entropy of the logits as they are
and compared with `tmem train --json` on a config.json describing the same
model. Fails beyond 5 %. CPU substitutions as in validate.py: dropout via
torch.native_dropout (a bool mask, as CUDA's); LayerNorm statistics follow
the input dtype on CPU (fp32 on CUDA). Run with Debian's /usr/bin/python3.
"""
import json, math, os, subprocess, sys, tempfile, time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from validate import FlashAttn, Saved, Tally, dropout  # noqa: E402

TOL = 0.05


# ------------------------------------------------ DeBERTa-v2 (HF modeling_deberta_v2.py)

def make_log_bucket_position(relative_pos, bucket_size, max_position):
    sign = torch.sign(relative_pos)
    mid = bucket_size // 2
    abs_pos = torch.where((relative_pos < mid) & (relative_pos > -mid),
                          torch.tensor(mid - 1).type_as(relative_pos), torch.abs(relative_pos))
    log_pos = torch.ceil(torch.log(abs_pos / mid) / torch.log(torch.tensor((max_position - 1) / mid)) * (mid - 1)) + mid
    return torch.where(abs_pos <= mid, relative_pos.type_as(log_pos), log_pos * sign)


def build_relative_position(s, bucket_size, max_position):
    ids = torch.arange(s)
    rel = ids[:, None] - ids[None, :]
    if bucket_size > 0 and max_position > 0:
        rel = make_log_bucket_position(rel, bucket_size, max_position)
    return rel.to(torch.long)[:s, :].unsqueeze(0)


def scaled_size_sqrt(x, scale_factor):
    return torch.sqrt(torch.tensor(x.size(-1), dtype=torch.float) * scale_factor)


class DisentangledSelfAttention(nn.Module):
    def __init__(s, cfg, p):
        super().__init__()
        h = cfg["hidden_size"]
        s.a, s.p = cfg["num_attention_heads"], p
        s.query_proj, s.key_proj, s.value_proj = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h)
        s.pos_ebd_size = cfg["position_buckets"]

    def t4s(s, x):
        x = x.view(x.size()[:-1] + (s.a, -1))
        return x.permute(0, 2, 1, 3).contiguous().view(-1, x.size(1), x.size(-1))

    def forward(s, x, mask, relative_pos, rel_embeddings):
        q, k, v = s.t4s(s.query_proj(x)), s.t4s(s.key_proj(x)), s.t4s(s.value_proj(x))
        scale_factor = 3  # 1 + c2p + p2c
        scale = scaled_size_sqrt(q, scale_factor)
        scores = torch.bmm(q, k.transpose(-1, -2) / scale.to(dtype=q.dtype))
        rel_embeddings = dropout(rel_embeddings, s.p, s.training)  # pos_dropout
        scores = scores + s.bias(q, k, relative_pos, rel_embeddings, scale_factor)
        scores = scores.view(-1, s.a, scores.size(-2), scores.size(-1))
        mask = mask.bool()
        scores = scores.masked_fill(~(mask), torch.finfo(q.dtype).min)
        probs = dropout(F.softmax(scores, dim=-1), s.p, s.training)
        ctx = torch.bmm(probs.view(-1, probs.size(-2), probs.size(-1)), v)
        ctx = ctx.view(-1, s.a, ctx.size(-2), ctx.size(-1)).permute(0, 2, 1, 3).contiguous()
        return ctx.view(ctx.size()[:-2] + (-1,))

    def bias(s, q, k, relative_pos, rel_embeddings, scale_factor):
        relative_pos = relative_pos.unsqueeze(1)
        att_span = s.pos_ebd_size
        relative_pos = relative_pos.long()
        rel_embeddings = rel_embeddings[0:att_span * 2, :].unsqueeze(0)
        pos_query = s.t4s(s.query_proj(rel_embeddings)).repeat(q.size(0) // s.a, 1, 1)  # share_att_key
        pos_key = s.t4s(s.key_proj(rel_embeddings)).repeat(q.size(0) // s.a, 1, 1)
        score = 0
        scale = scaled_size_sqrt(pos_key, scale_factor)  # c2p
        c2p = torch.bmm(q, pos_key.transpose(-1, -2))
        c2p_pos = torch.clamp(relative_pos + att_span, 0, att_span * 2 - 1)
        c2p = torch.gather(c2p, dim=-1, index=c2p_pos.squeeze(0).expand([q.size(0), q.size(1), relative_pos.size(-1)]))
        score += c2p / scale.to(dtype=c2p.dtype)
        scale = scaled_size_sqrt(pos_query, scale_factor)  # p2c
        p2c_pos = torch.clamp(-relative_pos + att_span, 0, att_span * 2 - 1)
        p2c = torch.bmm(k, pos_query.transpose(-1, -2))
        p2c = torch.gather(p2c, dim=-1, index=p2c_pos.squeeze(0).expand([q.size(0), k.size(-2), k.size(-2)])).transpose(-1, -2)
        score += p2c / scale.to(dtype=p2c.dtype)
        return score


class DebertaV2Layer(nn.Module):
    def __init__(s, cfg, p):
        super().__init__()
        h, f = cfg["hidden_size"], cfg["intermediate_size"]
        s.p = p
        s.self = DisentangledSelfAttention(cfg, p)
        s.attn_dense, s.attn_norm = nn.Linear(h, h), nn.LayerNorm(h, eps=1e-7)
        s.inter, s.out, s.out_norm = nn.Linear(h, f), nn.Linear(f, h), nn.LayerNorm(h, eps=1e-7)

    def forward(s, x, mask, relative_pos, rel):
        a = s.self(x, mask, relative_pos, rel)
        x = s.attn_norm(dropout(s.attn_dense(a), s.p, s.training) + x)
        return s.out_norm(dropout(s.out(F.gelu(s.inter(x))), s.p, s.training) + x)


class DebertaV2(nn.Module):
    def __init__(s, cfg, p, head):
        super().__init__()
        h, V = cfg["hidden_size"], cfg["vocab_size"]
        s.cfg, s.p, s.head = cfg, p, head
        s.word = nn.Embedding(V, h)
        s.emb_norm = nn.LayerNorm(h, eps=1e-7)
        s.layers = nn.ModuleList(DebertaV2Layer(cfg, p) for _ in range(cfg["num_hidden_layers"]))
        s.rel_embeddings = nn.Embedding(2 * cfg["position_buckets"], h)
        s.rel_norm = nn.LayerNorm(h, eps=1e-7, elementwise_affine=True)
        if head == "mlm":
            s.transform, s.head_norm = nn.Linear(h, h), nn.LayerNorm(h, eps=1e-7)
            s.decoder_bias = nn.Parameter(torch.zeros(V))
        else:
            s.pooler = nn.Linear(h, h)
            s.classifier = nn.Linear(h, cfg["num_labels"])

    def forward(s, idx):
        b, t = idx.shape
        attention_mask = torch.ones(b, t)  # DebertaV2Model: torch.ones(input_shape)
        x = s.emb_norm(s.word(idx))
        mask = attention_mask.unsqueeze(2).to(x.dtype)
        x = dropout(x * mask, s.p, s.training)
        ext = attention_mask.unsqueeze(1).unsqueeze(2)  # DebertaV2Encoder.get_attention_mask
        att_mask = ext * ext.squeeze(-2).unsqueeze(-1)
        relative_pos = build_relative_position(t, s.cfg["position_buckets"], s.cfg["max_position_embeddings"])
        rel = s.rel_norm(s.rel_embeddings.weight)  # get_rel_embedding
        for blk in s.layers:
            x = blk(x, att_mask, relative_pos, rel)
        if s.head == "mlm":
            y = s.head_norm(F.gelu(s.transform(x)))
            return F.linear(y, s.word.weight, s.decoder_bias)
        pooled = F.gelu(s.pooler(x[:, 0]))  # ContextPooler (pooler_dropout 0)
        return s.classifier(dropout(pooled, s.p, s.training))


DEBERTA_CFG = {"model_type": "deberta-v2", "hidden_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
               "intermediate_size": 512, "vocab_size": 512, "max_position_embeddings": 512,
               "relative_attention": True, "position_buckets": 32, "norm_rel_ebd": "layer_norm",
               "share_att_key": True, "pos_att_type": ["p2c", "c2p"], "position_biased_input": False,
               "type_vocab_size": 0, "layer_norm_eps": 1e-7, "hidden_dropout_prob": 0.1,
               "attention_probs_dropout_prob": 0.1, "max_relative_positions": -1}


# ------------------------------------------------ ModernBERT (HF modeling_modernbert.py)

def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


class RotaryUnpad(torch.autograd.Function):
    """Stand-in for flash_attn's ApplyRotaryEmbUnpad: rotates q and k of the
    packed qkv in place and saves the layer's cos / sin caches [s, d/2]."""

    @staticmethod
    def forward(ctx, qkv, cos, sin):
        d2 = cos.shape[-1]
        for j in (0, 1):
            x = qkv[:, :, j]  # (b, s, a, d)
            x1, x2 = x[..., :d2].clone(), x[..., d2:2 * d2].clone()
            c, s_ = cos[None, :, None, :], sin[None, :, None, :]
            x[..., :d2] = x1 * c - x2 * s_
            x[..., d2:2 * d2] = x1 * s_ + x2 * c
        ctx.mark_dirty(qkv)
        ctx.save_for_backward(cos, sin)
        return qkv

    @staticmethod
    def backward(ctx, g):
        return g, None, None  # memory is what is measured


class ModernBertLayer(nn.Module):
    def __init__(s, cfg, layer_id, flash):
        super().__init__()
        h, f, s.a = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_attention_heads"]
        s.flash, s.d = flash, h // s.a
        s.attn_norm = nn.Identity() if layer_id == 0 else nn.LayerNorm(h, eps=1e-5, bias=False) \
            if "bias" in nn.LayerNorm.__init__.__code__.co_varnames else NoBiasLN(h)
        s.Wqkv, s.Wo = nn.Linear(h, 3 * h, bias=False), nn.Linear(h, h, bias=False)
        s.mlp_norm = NoBiasLN(h)
        s.Wi, s.Wo2 = nn.Linear(h, 2 * f, bias=False), nn.Linear(f, h, bias=False)
        local = layer_id % cfg["global_attn_every_n_layers"] != 0
        s.window = cfg["local_attention"] // 2 if local else -1
        s.theta = cfg["local_rope_theta"] if local else cfg["global_rope_theta"]

    def rotary(s, t, dtype):
        inv = 1.0 / (s.theta ** (torch.arange(0, s.d, 2).float() / s.d))
        fr = torch.outer(torch.arange(t).float(), inv)
        return fr, inv

    def attn(s, x):
        b, t, h = x.shape
        qkv = s.Wqkv(x)
        if s.flash:  # flash_attention_2: unpadded (every token real), window-only local layers
            qkv = qkv.view(b, t, 3, s.a, s.d)
            fr, _ = s.rotary(t, qkv.dtype)
            qkv = RotaryUnpad.apply(qkv, fr.cos().to(qkv.dtype), fr.sin().to(qkv.dtype))
            q, k, v = qkv.unbind(dim=2)
            return FlashAttn.apply(q, k, v, 0.0, False).reshape(b, t, h)
        qkv = qkv.view(b, -1, 3, s.a, s.d)
        fr, _ = s.rotary(t, qkv.dtype)
        emb = torch.cat((fr, fr), dim=-1)[None]  # ModernBertRotaryEmbedding: [1, s, d]
        cos, sin = emb.cos().to(qkv.dtype), emb.sin().to(qkv.dtype)
        q, k, v = qkv.transpose(3, 1).unbind(dim=2)
        cos, sin = cos.unsqueeze(1), sin.unsqueeze(1)
        q, k = (q * cos) + (rotate_half(q) * sin), (k * cos) + (rotate_half(k) * sin)
        w = torch.matmul(q, k.transpose(2, 3)) * s.d ** -0.5
        mask = torch.zeros(b, 1, t, t, dtype=x.dtype)  # _prepare_4d_attention_mask of all-ones
        if s.window >= 0:
            rows = torch.arange(t).unsqueeze(0)
            dist = torch.abs(rows - rows.T)
            mask = mask.masked_fill((dist <= s.window).logical_not().view(1, 1, t, t), torch.finfo(x.dtype).min)
        w = F.softmax(w + mask, dim=-1, dtype=torch.float32).to(q.dtype)
        w = F.dropout(w, p=0.0, training=s.training)
        o = torch.matmul(w, v).transpose(1, 2).contiguous()
        return o.view(b, -1, h)

    def forward(s, x):
        x = x + s.Wo(s.attn(s.attn_norm(x)))
        inp, gate = s.Wi(s.mlp_norm(x)).chunk(2, dim=-1)
        return x + s.Wo2(F.gelu(inp) * gate)


class NoBiasLN(nn.Module):
    """nn.LayerNorm(bias=False) (torch ≥ 2.1) on torch 1.13: F.layer_norm
    with a weight and no bias saves the same (input, mean, rstd)."""

    def __init__(s, h):
        super().__init__()
        s.weight = nn.Parameter(torch.ones(h))

    def forward(s, x):
        return F.layer_norm(x, (x.shape[-1],), s.weight, None, 1e-5)


class ModernBert(nn.Module):
    def __init__(s, cfg, flash, head):
        super().__init__()
        h, V = cfg["hidden_size"], cfg["vocab_size"]
        s.head, s.flash = head, flash
        s.tok = nn.Embedding(V, h)
        s.emb_norm = NoBiasLN(h)
        s.layers = nn.ModuleList(ModernBertLayer(cfg, i, flash) for i in range(cfg["num_hidden_layers"]))
        s.final_norm = NoBiasLN(h)
        s.dense, s.head_norm = nn.Linear(h, h, bias=False), NoBiasLN(h)  # ModernBertPredictionHead
        if head == "mlm":
            s.decoder_bias = nn.Parameter(torch.zeros(V))
        else:
            s.classifier = nn.Linear(h, cfg["num_labels"])

    def forward(s, idx):
        b, t = idx.shape
        if s.flash:  # _unpad_modernbert_input under no_grad: flat ids and indices
            with torch.no_grad():
                indices = torch.nonzero(torch.ones(b * t, dtype=torch.int32), as_tuple=False).flatten()
                idx = idx.flatten()[indices]
        x = s.emb_norm(s.tok(idx))
        if s.flash:
            x = x.view(b, t, -1)
        for blk in s.layers:
            x = blk(x)
        x = s.final_norm(x)
        if s.flash:  # _pad_modernbert_output: output[indices] = inputs
            out = torch.zeros(b * t, x.shape[-1], dtype=x.dtype)
            out[indices] = x.reshape(b * t, -1)
            x = out.view(b, t, -1)
        if s.head == "mlm":
            return F.linear(s.head_norm(F.gelu(s.dense(x))), s.tok.weight, s.decoder_bias)
        return s.classifier(s.head_norm(F.gelu(s.dense(x[:, 0]))))  # classifier_pooling "cls"


MODERNBERT_CFG = {"model_type": "modernbert", "hidden_size": 128, "num_hidden_layers": 3, "num_attention_heads": 4,
                  "intermediate_size": 192, "vocab_size": 512, "max_position_embeddings": 512,
                  "global_attn_every_n_layers": 3, "local_attention": 64, "global_rope_theta": 160000.0,
                  "local_rope_theta": 10000.0, "norm_bias": False, "attention_bias": False, "mlp_bias": False,
                  "classifier_bias": False, "decoder_bias": True, "attention_dropout": 0.0, "mlp_dropout": 0.0,
                  "embedding_dropout": 0.0, "norm_eps": 1e-5}


# ---------------------------------------------------------------- measuring

def measure(cfg, head, dtype, drop, b, t, flash=False):
    torch.manual_seed(0)
    if cfg["model_type"] == "modernbert":
        model = ModernBert(cfg, flash, head).to(dtype).train()
    else:
        model = DebertaV2(cfg, 0.1 if drop else 0.0, head).to(dtype).train()
    params = list(model.parameters())
    idx = torch.randint(0, cfg["vocab_size"], (b, t))
    tgt = torch.randint(0, cfg["vocab_size"], (b, t)) if head == "mlm" else torch.randint(0, cfg["num_labels"], (b,))
    act = Saved(params)
    with torch.autograd.graph.saved_tensors_hooks(act.pack, lambda x: x):
        logits = model(idx)
    loss_saved = Saved(params)
    for p in act.seen:
        loss_saved.param_ptrs.add(p)
    with torch.autograd.graph.saved_tensors_hooks(loss_saved.pack, lambda x: x):
        # ModernBERT's masked LM: transformers' ForMaskedLMLoss upcasts; the rest as they are
        lg = logits.float() if cfg["model_type"] == "modernbert" and head == "mlm" else logits
        loss = F.cross_entropy(lg.view(-1, logits.shape[-1]), tgt.view(-1))
    loss.backward()
    uniq = {p.storage().data_ptr(): p for p in params}.values()
    return {"weights": sum(p.numel() * p.element_size() for p in uniq),
            "activations": act.total(), "loss": loss_saved.total()}


def tmem(tmem_bin, cfg, head, prec, drop, b, t, tmp, flash=False):
    path = os.path.join(tmp, cfg["model_type"], "config.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(cfg, f)
    args = [tmem_bin, "train", path, "--micro-batch", str(b), "--seq", str(t), "--precision", prec,
            "--attention", "flash" if flash else "naive", "--dropout", "on" if drop else "off",
            "--head", "mlm" if head == "mlm" else f"cls:{cfg['num_labels']}", "--json"]
    doc = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    fwd = doc["phases"]["forward"]
    loss = sum(v for k, v in fwd["items"].items() if k.startswith("loss"))
    return {"weights": doc["phases"]["optimizer"]["weights"], "activations": fwd["activations"], "loss": loss}


def main():
    tmem_bin = sys.argv[1] if len(sys.argv) > 1 else "build/tmem"
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    t0 = time.time()
    tally = Tally(TOL)
    print(f"torch {torch.__version__} (CPU); tolerance {TOL:.0%}")
    print(f"{'model':12} {'prec':5} {'drop':4} {'b×s':7} {'what':12} {'measured':>10} {'tmem':>10} {'error':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for head, cfg in (("mlm", DEBERTA_CFG), ("cls", dict(DEBERTA_CFG, num_labels=3))):
            for dt, prec in ((torch.float32, "fp32"), (torch.bfloat16, "bf16")):
                for drop in (True, False):
                    for b, t in ((2, 128), (1, 64)):
                        got = measure(cfg, head, dt, drop, b, t)
                        want = tmem(tmem_bin, cfg, head, prec, drop, b, t, tmp)
                        for k in ("weights", "activations", "loss"):
                            tally.row(f"{'deberta-' + head:12} {prec:5} {'on' if drop else 'off':4} "
                                      f"{f'{b}×{t}':7} {k:12}", got[k], want[k])
        for head, cfg in (("mlm", MODERNBERT_CFG), ("cls", dict(MODERNBERT_CFG, num_labels=3))):
            for dt, prec in ((torch.float32, "fp32"), (torch.bfloat16, "bf16")):
                for flash in (False, True):
                    for b, t in ((2, 128), (1, 64)):
                        got = measure(cfg, head, dt, False, b, t, flash)
                        want = tmem(tmem_bin, cfg, head, prec, False, b, t, tmp, flash)
                        for k in ("weights", "activations", "loss"):
                            tally.row(f"{'modernbert-' + head:15} {prec:5} {'flash' if flash else 'naive':5} "
                                      f"{f'{b}×{t}':7} {k:12}", got[k], want[k])
    return tally.summary("encoders", t0)


if __name__ == "__main__":
    sys.exit(main())
