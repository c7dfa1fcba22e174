#!/usr/bin/python3
"""lora.py — measures what LoRA fine-tuning holds with real PyTorch and compares
it with `tmem train --lora-rank ... --json`: a Llama-style decoder (the HF eager
modules of validate.py) whose base is frozen, with PEFT-style adapters written
here (result = base(x) + B(A(dropout(x))) · alpha/r, lora_A [r, d_in], lora_B
[d_out, r]) on the targeted linears. Measured: the bytes of every weight (base
and adapters), of the gradients and the AdamW states after one step (the
adapters' only), and the tensors autograd saves in the forward (saved-tensor
hooks, deduplicated by storage, parameters excluded). Tolerance 5 %.
Usage: lora.py path/to/tmem
"""
import json
import os
import subprocess
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import validate as V  # noqa: E402  (the models and the saved-tensor meter)

nn, F = torch.nn, torch.nn.functional
TOL = 0.05
NAMES = {"q": "q_proj", "k": "k_proj", "v": "v_proj", "o": "o_proj", "gate": "gate_proj",
         "up": "up_proj", "down": "down_proj"}


class LoraLinear(nn.Module):
    def __init__(s, base, r, p):
        super().__init__()
        s.base = base
        s.lora_A = nn.Linear(base.in_features, r, bias=False)
        s.lora_B = nn.Linear(r, base.out_features, bias=False)
        nn.init.normal_(s.lora_B.weight)  # PEFT starts B at 0; any value saves the same
        s.drop = nn.Dropout(p) if p > 0 else nn.Identity()
        s.scaling = 16 / r

    def forward(s, x):
        return s.base(x) + s.lora_B(s.lora_A(s.drop(x))) * s.scaling


def measure(cfg, dtype, targets, r, p, b, t):
    torch.manual_seed(0)
    model = V.Llama(cfg, True, False).to(dtype).train()
    model.requires_grad_(False)
    for layer in model.layers:
        for name in targets:
            setattr(layer, NAMES[name], LoraLinear(getattr(layer, NAMES[name]), r, p).to(dtype))
    params = list(model.parameters())
    train = [q for q in params if q.requires_grad]
    idx = torch.randint(0, cfg["vocab"], (b, t))
    tgt = torch.randint(0, cfg["vocab"], (b, t))
    act = V.Saved(params)
    with torch.autograd.graph.saved_tensors_hooks(act.pack, lambda x: x):
        logits = model(idx)
    loss = F.cross_entropy(logits.float().view(-1, logits.shape[-1]), tgt.view(-1))
    opt = torch.optim.AdamW(train, lr=1e-4)
    loss.backward()
    opt.step()
    w = sum(q.numel() * q.element_size() for q in params)
    g = sum(q.grad.numel() * q.grad.element_size() for q in params if q.grad is not None)
    st = sum(v.numel() * v.element_size() for s_ in opt.state.values() for v in s_.values()
             if torch.is_tensor(v) and v.dim() > 0)
    return {"weights": w, "gradients": g, "optimizer_states": st, "activations": act.total()}


def tmem(tmem_bin, cfg, prec, targets, r, p, b, t):
    args = [tmem_bin, "train", "--family", "llama", "--hidden", str(cfg["hidden"]),
            "--layers", str(cfg["layers"]), "--heads", str(cfg["heads"]), "--kv-heads", str(cfg["kv_heads"]),
            "--ffn", str(cfg["ffn"]), "--vocab", str(cfg["vocab"]), "--micro-batch", str(b), "--seq", str(t),
            "--precision", prec, "--optimizer", "adamw", "--attention", "flash", "--lora-rank", str(r),
            "--lora-targets", ",".join(targets), "--lora-alpha", "16", "--json"]
    if p > 0:
        args += ["--lora-dropout", str(p)]
    doc = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    opt_phase, fwd = doc["phases"]["optimizer"], doc["phases"]["forward"]
    return {"weights": opt_phase["weights"], "gradients": opt_phase["gradients"],
            "optimizer_states": opt_phase["optimizer_states"], "activations": fwd["activations"]}


CFG = {"hidden": 128, "layers": 8, "heads": 4, "kv_heads": 4, "ffn": 344, "vocab": 512}
GQA = dict(CFG, kv_heads=2)
ALL = ["q", "k", "v", "o", "gate", "up", "down"]


def cases():
    for cfg in (CFG, GQA):
        for dt, prec in ((torch.float32, "fp32"), (torch.bfloat16, "bf16")):
            yield cfg, dt, prec, ["q", "v"], 8, 0.0
            yield cfg, dt, prec, ALL, 16, 0.0
            yield cfg, dt, prec, ["q", "v"], 8, 0.1
    yield CFG, torch.float32, "fp32", ["o", "down"], 4, 0.05


def main():
    tmem_bin = sys.argv[1] if len(sys.argv) > 1 else "build/tmem"
    t0 = time.time()
    tally = V.Tally(TOL)
    B, T = 2, 128
    print(f"lora: torch {torch.__version__} (CPU); tolerance {TOL:.0%}")
    for cfg, dt, prec, targets, r, p in cases():
        got = measure(cfg, dt, targets, r, p, B, T)
        want = tmem(tmem_bin, cfg, prec, targets, r, p, B, T)
        for k in ("weights", "gradients", "optimizer_states", "activations"):
            tally.row(f"kv {cfg['kv_heads']} {prec:4} r {r:2} {','.join(targets):22} drop {p:<4} {k:17}",
                      got[k], want[k])
    return tally.summary("lora", t0)


if __name__ == "__main__":
    sys.exit(main())
