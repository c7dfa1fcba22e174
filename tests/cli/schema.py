#!/usr/bin/python3
"""schema.py — every command's --json validated against its JSON Schema in
docs/schema/<command>.schema.json (draft 2020-12) with Debian's
python3-jsonschema, the reference validator: several real outputs per command
(dense, MoE, MLA, checkpoints read from disk, LoRA, pipeline stages, sweeps),
each document's schema_version the integer 1; then broken documents (a
required key dropped, a type changed, an unknown key added, schema_version a
string) must be rejected, so the check can fail.
Usage: schema.py path/to/tmem path/to/test_ckpt_fixtures"""
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile

try:
    import jsonschema
except ImportError:
    print("  skip: schema (python3-jsonschema is not installed for /usr/bin/python3)")
    print("schema: 0 passed, 0 failed, 1 skipped: python3-jsonschema")
    sys.exit(1 if os.environ.get("CI") == "true" else 0)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TMEM, GEN = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from counts import bad, ok, summary  # noqa: E402


def cases(fx):
    """(command, args) pairs: real outputs of every command"""
    return [
        ("params", ["gpt2"]), ("params", ["llama-2-7b", "--tensors"]), ("params", ["mixtral-8x7b"]),
        ("params", ["deepseek-v2-lite"]), ("params", ["mamba2-2.7b"]), ("params", ["llama-4-scout-17b-16e"]), ("params", [fx + "/llama"]), ("params", [fx + "/llama-v2.gguf"]),
        ("params", ["t5-small", "--tensors"]), ("infer", ["bart-base", "--engine", "hf", "--prompt", "512", "--gen", "64"]), ("params", ["mbart-large-50", "--tensors"]),
        ("params", ["qwen2.5-vl-7b", "--tensors"]), ("infer", ["qwen2.5-vl-7b", "--images", "2", "--image-size", "448x644"]),
        ("params", ["--hidden", "512", "--layers", "4", "--heads", "8", "--vocab", "1000", "--ffn", "1536"]),
        ("train", ["t5-small", "--attention", "naive", "--target-seq", "114", "--gpu", "a100-80gb"]),
        ("train", ["bart-base", "--attention", "naive", "--micro-batch", "4"]),
        ("train", ["llama-2-7b", "--gpu", "a100-80gb"]),
        ("train", ["llama-2-7b", "--gpu", "h100-sxm", "--gpus", "8", "--zero", "3"]),
        ("train", ["mixtral-8x7b", "--gpu", "h100-sxm", "--gpus", "16", "--ep", "8", "--zero", "3"]),
        ("train", ["llama-3-8b", "--lora-rank", "16", "--base-quant", "nf4", "--gpu", "rtx-4090"]),
        ("train", ["llama-2-7b", "--gpu", "a100-80gb", "--micro-batch", "max", "--zero", "3", "--gpus", "8"]),
        ("train", ["llama-2-13b", "--pp", "2", "--gpus", "8", "--per-stage", "--gpu", "a100-80gb"]),
        ("train", ["llama-2-7b", "--deepspeed-estimator", "--gpus", "8"]),
        ("train", [fx + "/llama"]),
        ("train", ["llama-3-8b", "--gpu", "h100-sxm", "--gpus", "8", "--zero", "2", "--tokens", "1000000000",
                   "--gpu-hour-usd", "2.5", "--nodes", "2"]),
        ("train", ["qwen3-30b-a3b", "--gpu", "h100-sxm", "--seq", "max", "--gpus", "8", "--fsdp", "full"]),
        ("train", ["llama-2-7b", "--deepspeed", fx + "/ds_config.json", "--gpus", "4"]),
        ("train", ["qwen2.5-0.5b", "--rl", "grpo", "--micro-batch", "8", "--seq", "1024", "--gpu", "h100-sxm",
                   "--rollout-memory-utilization", "0.3"]),
        ("train", ["qwen2.5-0.5b", "--rl", "ppo", "--reward-model", "same", "--ref-model", "offload",
                   "--gpu", "h100-sxm", "--rollout-memory-utilization", "0.5", "--rollout-sleep"]),
        ("train", ["llama-2-7b", "--dpo", "--seq", "2048"]),
        ("infer", ["mamba-2.8b", "--batch", "4"]), ("infer", ["mamba2-2.7b", "--engine", "hf"]),
        ("infer", ["llama-2-7b"]), ("infer", ["llama-2-7b", "--gpu-memory-mib", "30000", "--pp", "2"]), ("infer", ["mixtral-8x7b", "--tp", "2", "--gpu", "a100-80gb"]),
        ("infer", ["llama-2-70b", "--gpu", "rtx-4090"]), ("infer", ["deepseek-v3", "--tp", "8", "--weights", "fp8"]),
        ("infer", [fx + "/llama-v2.gguf"]), ("infer", ["llama-3-8b", "--engine", "hf", "--batch", "4"]),
        ("serve", ["llama-2-7b", "--requests", "20"]), ("serve", ["qwen3-8b", "--concurrency", "4", "--requests", "12"]),
        ("serve", ["llama-3-8b", "--requests", "30", "--rate", "4", "--slo-ttft-ms", "200"]),
        ("serve", ["llama-2-7b", "--requests", "20", "--sweep-rate", "1:5:3", "--slo-tpot-ms", "50"]),
        # no SLO: no knee to name (knee_req_per_s null)
        ("serve", ["llama-2-7b", "--requests", "20", "--sweep-rate", "1:5:3"]),
        ("serve", ["mixtral-8x7b", "--tp", "2", "--requests", "16", "--gpu", "h100-sxm"]), ("serve", ["mamba-130m", "--requests", "8"]),
        ("plan", ["llama-2-7b", "--gpus", "8", "--gpu", "h100-sxm", "--seq", "4096", "--global-batch", "64"]),
        ("plan", ["mixtral-8x7b", "--gpus", "16", "--gpu", "a100-80gb", "--seq", "2048", "--global-batch", "32"]),
        ("plan", ["llama-2-70b", "--gpus", "2", "--gpu", "t4", "--seq", "4096", "--global-batch", "8"]),
        ("inspect", [fx + "/llama"]), ("inspect", [fx + "/llama", "--tensors"]),
        ("inspect", [fx + "/llama-v2.gguf"]), ("inspect", [fx + "/dsv3-nocfg"]),
        ("inspect", [fx + "/llama", "--no-check"]), ("inspect", [fx + "/llama-sharded"]),
        ("inspect", [fx + "/llama3-8b-q4km.gguf"]), ("inspect", [fx + "/llama3-8b-awq"]),
        ("infer", [fx + "/llama3-8b-q4km.gguf"]), ("infer", [fx + "/llama3-8b-awq", "--gpu", "l4"]),
        ("serve", [fx + "/llama3-8b-fp8", "--requests", "10"]), ("params", [fx + "/dsv3.gguf"]),
        ("serve", ["llama-3-8b", "--compare", fx + "/bench.json", "--calibrate"]),
        ("serve", ["llama-3-8b", "--engine", "trtllm", "--requests", "10"]),
        ("serve", ["llava-1.5-7b", "--images", "2", "--requests", "10"]),
        ("serve", ["qwen2.5-vl-7b", "--images", "1", "--image-size", "448x644", "--requests", "10",
                   "--sweep-rate", "1:3:2", "--slo-ttft-ms", "1000"]),
        ("serve", ["llama-3-8b", "--engine", "sglang", "--requests", "10", "--prefix-cache-hit", "0.5"]),
        ("serve", ["bert-base-uncased", "--requests", "8", "--prompt-len", "128", "--head", "cls:3"]),
        ("serve", ["modernbert-base", "--rate", "50", "--requests", "20", "--prompt-len", "uniform:16:900"]),
        ("lab", []), ("lab", ["--d-model", "4096", "--layers", "32", "--heads", "32"]),
        ("models", []), ("gpus", []),
        ("sweep", ["micro-batch", "1:16:x2", "llama-2-7b", "--gpu", "a100-80gb", "--zero", "3", "--gpus", "8"]),
        ("sweep", ["tp", "1:4:x2", "infer", "llama-2-70b", "--gpu", "a100-80gb"]),
        ("sweep", ["rate", "1:9:4", "llama-2-7b", "--requests", "20"]),
        ("sweep", ["seq", "1024:4096:1024", "train", "mixtral-8x7b"]),
    ]


def validator(command):
    with open(os.path.join(ROOT, "docs", "schema", command + ".schema.json")) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def errors(v, doc):
    return [e.message for e in v.iter_errors(doc)]


def main(tmp):
    fx = os.path.join(tmp, "fx")
    if subprocess.run([GEN, "--write", fx], stdout=subprocess.DEVNULL).returncode != 0:
        bad("the fixture writer failed")
        return
    with open(os.path.join(fx, "bench.json"), "w") as f:  # what vllm bench serve --save-result writes
        json.dump({"backend": "vllm", "model_id": "meta-llama/Meta-Llama-3-8B", "request_rate": 4.0,
                   "burstiness": 1.0, "max_concurrency": None, "completed": 20, "total_input_tokens": 10240,
                   "total_output_tokens": 2560, "request_throughput": 3.9, "output_throughput": 499.0,
                   "mean_ttft_ms": 30.0, "median_ttft_ms": 28.0, "mean_tpot_ms": 7.1, "median_tpot_ms": 7.0}, f)
    with open(os.path.join(fx, "ds_config.json"), "w") as f:
        json.dump({"zero_optimization": {"stage": 2, "offload_optimizer": {"device": "cpu"}}, "bf16": {"enabled": True}}, f)
    docs = {}
    seen = set()
    for command, args in cases(fx):
        p = subprocess.run([TMEM, command] + args + ["--json"], capture_output=True, text=True)
        what = "tmem %s %s --json" % (command, " ".join(a.replace(tmp, "$TMP") for a in args))
        if p.returncode != 0:
            bad("%s: exit %d (%s)" % (what, p.returncode, p.stderr.strip()))
            continue
        doc = json.loads(p.stdout)
        v = validator(command)
        errs = errors(v, doc)
        if errs:
            bad("%s: %s" % (what, "; ".join(errs[:3])))
        else:
            ok()
        if type(doc.get("schema_version")) is int and doc["schema_version"] == 1:
            ok()
        else:
            bad("%s: schema_version is %r, want the integer 1" % (what, doc.get("schema_version")))
        docs.setdefault(command, doc)
        seen.add(command)
    # every command has a schema and was run
    for f in sorted(os.listdir(os.path.join(ROOT, "docs", "schema"))):
        c = f.split(".")[0]
        if c in seen:
            ok()
        else:
            bad("docs/schema/%s has no case here" % f)
    # broken documents are rejected
    for command, doc in sorted(docs.items()):
        v = validator(command)
        key = "total_params" if "total_params" in doc else "per_gpu_bytes" if "per_gpu_bytes" in doc else \
            [k for k in doc if k not in ("schema_version", "tmem_version", "command")][0]
        broken = {
            "without %s" % key: {k: x for k, x in doc.items() if k != key},
            "with an unknown key": dict(doc, surprise=1),
            "schema_version \"1\"": dict(doc, schema_version="1"),
            "%s of another type" % key: dict(doc, **{key: 12 if isinstance(doc[key], str) else "12"}),
        }
        for why, b in broken.items():
            if errors(v, b):
                ok()
            else:
                bad("docs/schema/%s.schema.json accepts a document %s" % (command, why))
    # a nested change: a ledger line whose bytes are not an integer
    for command in ("train", "infer"):
        b = copy.deepcopy(docs[command])
        b["entries"][0]["bytes"] = 1.5
        if errors(validator(command), b):
            ok()
        else:
            bad("%s: a ledger line with bytes 1.5 is accepted" % command)


TMP = tempfile.mkdtemp()
try:
    main(TMP)
finally:
    shutil.rmtree(TMP)
summary("schema")
