#!/usr/bin/python3
"""kv_cache.py — measures the KV cache a plain PyTorch generation loop with
past keys/values allocates, and compares it with `tmem infer --engine hf
--json` exactly (kv_cache.request_bytes).

The models are small GPT-2-style (multi-head) and Llama-style (grouped-query)
decoders written in plain torch (Debian's python3-torch, no other package):
embedding, per layer attention with a growing K/V cache, MLP, logits,
greedy next token. After a prefill of P tokens and G decode steps the cache
holds P + G tokens per sequence; the measured figure is the sum of nbytes of
every distinct cache storage. Usage: kv_cache.py path/to/tmem
"""
import json
import subprocess
import sys

import torch

TMEM = sys.argv[1] if len(sys.argv) > 1 else "build/tmem"
torch.manual_seed(0)


class Layer(torch.nn.Module):
    def __init__(self, d, heads, kv_heads, ffn):
        super().__init__()
        self.h, self.kvh, self.dh = heads, kv_heads, d // heads
        self.q = torch.nn.Linear(d, heads * self.dh, bias=False)
        self.k = torch.nn.Linear(d, kv_heads * self.dh, bias=False)
        self.v = torch.nn.Linear(d, kv_heads * self.dh, bias=False)
        self.o = torch.nn.Linear(heads * self.dh, d, bias=False)
        self.up = torch.nn.Linear(d, ffn, bias=False)
        self.down = torch.nn.Linear(ffn, d, bias=False)

    def forward(self, x, cache):
        b, s, _ = x.shape
        q = self.q(x).view(b, s, self.h, self.dh).transpose(1, 2)
        k = self.k(x).view(b, s, self.kvh, self.dh).transpose(1, 2)
        v = self.v(x).view(b, s, self.kvh, self.dh).transpose(1, 2)
        k, v = k.to(self.cache_dtype), v.to(self.cache_dtype)
        if cache is not None:  # the cache grows by concatenation, as HF's DynamicCache
            k = torch.cat([cache[0], k], dim=2)
            v = torch.cat([cache[1], v], dim=2)
        rep = self.h // self.kvh
        kk = k.to(x.dtype).repeat_interleave(rep, dim=1)
        vv = v.to(x.dtype).repeat_interleave(rep, dim=1)
        att = (q @ kk.transpose(-1, -2)) / self.dh ** 0.5
        t = kk.shape[2]
        mask = torch.ones(s, t, dtype=torch.bool).tril(t - s)
        att = att.masked_fill(~mask, float("-inf")).softmax(-1)
        y = (att @ vv).transpose(1, 2).reshape(b, s, -1)
        x = x + self.o(y)
        x = x + self.down(torch.nn.functional.gelu(self.up(x)))
        return x, (k, v)


class Decoder(torch.nn.Module):
    def __init__(self, d, layers, heads, kv_heads, ffn, vocab):
        super().__init__()
        self.emb = torch.nn.Embedding(vocab, d)
        self.layers = torch.nn.ModuleList(Layer(d, heads, kv_heads, ffn) for _ in range(layers))
        self.head = torch.nn.Linear(d, vocab, bias=False)

    def forward(self, ids, caches):
        x = self.emb(ids)
        new = []
        for layer, c in zip(self.layers, caches):
            x, c2 = layer(x, c)
            new.append(c2)
        return self.head(x[:, -1]), new


def measured_cache_bytes(d, layers, heads, kv_heads, ffn, vocab, batch, prompt, gen, dtype):
    # CPU torch has no fp16 matmul: fp16 caches are computed in fp32 and stored in fp16
    compute = torch.float32 if dtype == torch.float16 else dtype
    model = Decoder(d, layers, heads, kv_heads, ffn, vocab).to(compute).eval()
    for layer in model.layers:
        layer.cache_dtype = dtype
    ids = torch.randint(0, vocab, (batch, prompt))
    caches = [None] * layers
    with torch.no_grad():
        logits, caches = model(ids, caches)
        for _ in range(gen):  # each step feeds the newest token
            nxt = logits.argmax(-1, keepdim=True)
            logits, caches = model(nxt, caches)
    seen, total = set(), 0
    for k, v in caches:
        for t in (k, v):
            ptr = t.storage().data_ptr()
            if ptr not in seen:
                seen.add(ptr)
                total += t.storage().size() * t.element_size()
    return total


def tmem_cache_bytes(family, d, layers, heads, kv_heads, ffn, vocab, batch, prompt, gen, kv_dtype):
    cmd = [TMEM, "infer", "--family", family, "--hidden", str(d), "--layers", str(layers),
           "--heads", str(heads), "--kv-heads", str(kv_heads), "--ffn", str(ffn),
           "--vocab", str(vocab), "--max-pos", "4096", "--engine", "hf",
           "--batch", str(batch), "--prompt", str(prompt), "--gen", str(gen),
           "--kv-dtype", kv_dtype, "--gpu", "a100-80gb", "--json"]
    doc = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    return doc["kv_cache"]["request_bytes"]


CASES = [
    # family, d, layers, heads, kv_heads, ffn, vocab, batch, prompt, gen, torch dtype, kv dtype
    ("gpt2", 256, 4, 8, 8, 1024, 1000, 2, 64, 16, torch.float32, "fp32"),
    ("gpt2", 256, 4, 8, 8, 1024, 1000, 3, 37, 5, torch.bfloat16, "bf16"),
    ("llama", 256, 4, 8, 2, 512, 1000, 2, 50, 10, torch.float32, "fp32"),
    ("llama", 384, 3, 12, 4, 768, 500, 4, 33, 7, torch.bfloat16, "bf16"),
    ("llama", 256, 2, 8, 1, 512, 500, 1, 100, 20, torch.float16, "fp16"),
]


def main():
    passed = failed = 0
    print(f"{'case':46s} {'torch bytes':>12s} {'tmem bytes':>12s}")
    for c in CASES:
        fam, d, L, h, kvh, ffn, V, b, p, g, tdt, kdt = c
        got = measured_cache_bytes(d, L, h, kvh, ffn, V, b, p, g, tdt)
        want = tmem_cache_bytes(fam, d, L, h, kvh, ffn, V, b, p, g, kdt)
        name = f"{fam} d{d} L{L} h{h}/kv{kvh} b{b} s{p}+{g} {kdt}"
        ok = got == want
        passed += ok
        failed += not ok
        print(f"{name:46s} {got:12d} {want:12d}  {'ok' if ok else 'MISMATCH'}")
    print(f"kv_cache: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
