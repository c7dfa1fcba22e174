#!/usr/bin/python3
"""vision.py — measures what a LLaVA-style sample with images saves for
backward with real PyTorch and compares it with the "images:" line of
`tmem train DIR --images N --json` (src/core/train_vision.c): a tiny CLIP
vision tower written as HF modeling_clip.py's modules (conv patches without
bias, class token, learned positions, pre_layrnorm, pre-LN layers with
q/k/v/out_proj, eager attention with the softmax in fp32, quick_gelu MLP),
hidden_states[-2] with the class token sliced off, LlavaMultiModalProjector
(linear_1, GELU, linear_2) and masked_scatter into a trainable token
embedding's output. Measured: the tensors autograd saves during that part of
the forward that are still alive when the forward is done (saved-tensor
hooks keeping detached aliases, weak references, deduplicated by storage,
parameters and buffers excluded), the tower frozen (requires_grad False) and trained. bf16 weights
and activations (tmem's default bf16 + fp32 master: c = r = 2 B). On the
CPU LayerNorm keeps its mean and rstd in bf16 (CUDA: fp32, as tmem counts),
so a trained tower measures a few bytes per position under tmem.
Tolerance 5 %. Usage: vision.py path/to/tmem
"""
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import weakref

import torch

nn, F = torch.nn, torch.nn.functional
TOL = 0.05
V = dict(hidden=64, ffn=256, layers=3, heads=4, image=56, patch=14)
T = dict(hidden=128, ffn=256, layers=2, heads=4, vocab=1000)
IMG_TOKEN = 999


class ClipLayer(nn.Module):
    def __init__(s, d, f, h):
        super().__init__()
        s.h = h
        s.ln1, s.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        s.q, s.k, s.v, s.o = (nn.Linear(d, d) for _ in range(4))
        s.fc1, s.fc2 = nn.Linear(d, f), nn.Linear(f, d)

    def forward(s, x):
        b, p, d = x.shape
        y = s.ln1(x)
        q = s.q(y).view(b, p, s.h, d // s.h).transpose(1, 2)
        k = s.k(y).view(b, p, s.h, d // s.h).transpose(1, 2)
        v = s.v(y).view(b, p, s.h, d // s.h).transpose(1, 2)
        w = torch.matmul(q, k.transpose(2, 3)) * (d // s.h) ** -0.5
        w = F.softmax(w, dim=-1, dtype=torch.float32).to(q.dtype)
        a = torch.matmul(w, v).transpose(1, 2).reshape(b, p, d)
        x = x + s.o(a)
        z = s.fc1(s.ln2(x))
        z = z * torch.sigmoid(1.702 * z)  # quick_gelu
        return x + s.fc2(z)


class ClipTower(nn.Module):
    def __init__(s, c):
        super().__init__()
        d, n = c["hidden"], (c["image"] // c["patch"]) ** 2 + 1
        s.patch = nn.Conv2d(3, d, c["patch"], c["patch"], bias=False)
        s.cls = nn.Parameter(torch.randn(d))
        s.pos = nn.Embedding(n, d)
        s.register_buffer("pos_ids", torch.arange(n).expand((1, -1)), persistent=False)
        s.pre = nn.LayerNorm(d)
        s.layers = nn.ModuleList(ClipLayer(d, c["ffn"], c["heads"]) for _ in range(c["layers"]))
        s.post = nn.LayerNorm(d)

    def forward(s, px):
        x = s.patch(px.to(s.patch.weight.dtype)).flatten(2).transpose(1, 2)
        x = torch.cat([s.cls.expand(px.shape[0], 1, -1), x], dim=1) + s.pos(s.pos_ids)
        hs = [s.pre(x)]
        for layer in s.layers:
            hs.append(layer(hs[-1]))
        s.post(hs[-1][:, 0, :])  # pooled output (unused by LLaVA)
        return hs


class Llava(nn.Module):
    def __init__(s):
        super().__init__()
        s.tower = ClipTower(V)
        s.l1, s.l2 = nn.Linear(V["hidden"], T["hidden"]), nn.Linear(T["hidden"], T["hidden"])
        s.embed = nn.Embedding(T["vocab"], T["hidden"])

    def image_part(s, ids, px):
        feats = s.tower(px)[-2][:, 1:]  # vision_feature_layer -2, "default" strategy
        feats = s.l2(F.gelu(s.l1(feats)))
        emb = s.embed(ids)
        mask = (ids == IMG_TOKEN).unsqueeze(-1).expand_as(emb)
        return emb, mask, feats


def measure(train_tower, b, n_img, seq):
    torch.manual_seed(0)
    model = Llava().to(torch.bfloat16).train()
    model.tower.requires_grad_(train_tower)
    tok = (V["image"] // V["patch"]) ** 2
    ids = torch.randint(0, T["vocab"] - 1, (b, seq))
    ids[:, : n_img * tok] = IMG_TOKEN
    px = torch.randn(b * n_img, 3, V["image"], V["image"])
    skip = {t.storage().data_ptr() for t in list(model.parameters()) + list(model.buffers())}
    alive = {}

    def pack(t):
        # keep a detached alias: a saved output returned as itself would hold
        # its own node (a C++ cycle no collector frees) and keep every layer alive
        d = t.detach()
        ptr = d.storage().data_ptr()
        if ptr not in skip:
            alive.setdefault(ptr, []).append((weakref.ref(d), d.storage().nbytes()))
        return d

    emb = model.embed(ids)  # outside the meter: tmem's "embedding + head inputs"
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda x: x):
        feats = model.tower(px)[-2][:, 1:]
        feats = model.l2(F.gelu(model.l1(feats)))
        mask = (ids == IMG_TOKEN).unsqueeze(-1).expand_as(emb)
        x = emb.masked_scatter(mask, feats.reshape(-1, feats.shape[-1]))
    del feats, mask
    gc.collect()
    total = sum(refs[0][1] for refs in alive.values() if any(r() is not None for r, _ in refs))
    x.float().pow(2).mean().backward()  # the graph is whole
    return total


def tmem(tmem_bin, cfgdir, train_tower, b, n_img, seq):
    args = [tmem_bin, "train", cfgdir, "--micro-batch", str(b), "--seq", str(seq), "--images", str(n_img),
            "--attention", "naive", "--json"]
    if train_tower:
        args.append("--train-vision")
    doc = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    found = []

    def walk(o):
        if isinstance(o, dict):
            if str(o.get("label", "")).startswith("images:") and "bytes" in o:
                found.append(o["bytes"])
            for v in o.values():
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)
    walk(doc)
    if not found:
        raise SystemExit("vision.py: no 'images:' ledger line in tmem's JSON")
    return found[0]


def config_dir():
    d = tempfile.mkdtemp(prefix="tmem-vision-")
    cfg = {
        "model_type": "llava", "architectures": ["LlavaForConditionalGeneration"],
        "vision_feature_select_strategy": "default", "vision_feature_layer": -2,
        "image_token_index": IMG_TOKEN,
        "vision_config": {"model_type": "clip_vision_model", "hidden_size": V["hidden"],
                          "intermediate_size": V["ffn"], "num_hidden_layers": V["layers"],
                          "num_attention_heads": V["heads"], "image_size": V["image"],
                          "patch_size": V["patch"], "num_channels": 3},
        "text_config": {"model_type": "llama", "hidden_size": T["hidden"], "intermediate_size": T["ffn"],
                        "num_hidden_layers": T["layers"], "num_attention_heads": T["heads"],
                        "num_key_value_heads": T["heads"], "vocab_size": T["vocab"],
                        "max_position_embeddings": 512},
    }
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f)
    return d


def main():
    tmem_bin = sys.argv[1] if len(sys.argv) > 1 else "build/tmem"
    d = config_dir()
    fails = 0
    try:
        for train_tower in (False, True):
            for b, n_img, seq in ((1, 1, 64), (2, 1, 64), (2, 2, 96)):
                got = measure(train_tower, b, n_img, seq)
                want = tmem(tmem_bin, d, train_tower, b, n_img, seq)
                err = abs(want - got) / got if got else float(want != 0)
                ok = err <= TOL
                fails += not ok
                print(f"  vision {'trained' if train_tower else 'frozen '} tower b {b} images {n_img} "
                      f"seq {seq}: measured {got:>10,} B  tmem {want:>10,} B  {100 * (want - got) / got:+.2f} %"
                      f"  {'ok' if ok else 'FAIL'}")
    finally:
        shutil.rmtree(d)
    if fails:
        print(f"vision.py: {fails} comparisons outside {TOL:.0%}")
        sys.exit(1)


if __name__ == "__main__":
    main()
