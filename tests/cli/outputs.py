#!/usr/bin/python3
"""outputs.py — --format csv|markdown|json|text, --svg and tmem sweep, end to
end: the CSV's rows are the JSON's ledger lines byte for byte (parsed with
Python's csv module, so RFC 4180 quoting round-trips), a few lines checked by
hand, the markdown table's cells the same, the SVG's bar heights proportional
to the bytes (parsed with xml.etree), the sweep's rows equal to separate runs
of the command, and the error contract for a bad --format, --json against
--format, and --svg to a path that cannot be written (nothing on stdout, no
file, no temporary left). Usage: outputs.py path/to/tmem"""
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from counts import bad, check, ok, summary  # noqa: E402

TMEM = sys.argv[1]
SVG = "{http://www.w3.org/2000/svg}"


def tmem(*args):
    p = subprocess.run([TMEM] + list(args), capture_output=True)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def expect_error(desc, pattern, *args):
    rc, out, err = tmem(*args)
    lines = err.splitlines()
    check(rc == 2 and out == "" and 1 <= len(lines) <= 2 and lines[0].startswith("tmem: error: ")
          and pattern in lines[0], "%s: rc %d, stdout %r, stderr %r" % (desc, rc, out[:80], err))


def doc(*args):
    rc, out, err = tmem(*args, "--json")
    if rc != 0:
        bad("%s --json: exit %d (%s)" % (" ".join(args), rc, err))
        return None
    return json.loads(out)


TRAIN = ["train", "llama-2-7b", "--gpu", "a100-80gb"]


def csv_checks():
    d = doc(*TRAIN)
    rc, out, err = tmem(*TRAIN, "--format", "csv")
    check(rc == 0 and err == "", "csv: exit %d (%s)" % (rc, err))
    check(out.endswith("\r\n") and "\n" not in out.replace("\r\n", ""), "csv: RFC 4180 lines end in CRLF")
    rows = list(csv.reader(io.StringIO(out, newline="")))
    check(rows[0] == ["bucket", "label", "bytes", "formula"], "csv header: %r" % rows[0])
    want = [[e["bucket"], e["label"], str(e["bytes"]), e["formula"]] for e in d["entries"]]
    check(rows[1:] == want, "csv rows differ from the JSON's entries")
    check(any("," in r[3] for r in rows[1:]), "csv: a formula with a comma is quoted (and parsed back)")
    check(sum(int(r[2]) for r in rows[1:]) == d["per_gpu_bytes"]["total"], "csv bytes sum to per_gpu_bytes.total")
    byname = {r[1]: int(r[2]) for r in rows[1:]}
    # by hand: Llama-2-7B has 6,738,415,616 parameters (the HF checkpoint
    # meta-llama/Llama-2-7b-hf, summed over its safetensors), bf16 weights
    # 2 bytes each; the logits gradient is b·s × n_vocab × (4 + 2) bytes
    # (fp32, then its bf16 cast) = 1 × 4096 × 32000 × 6
    check(byname.get("weights (bf16)") == 6738415616 * 2 == 13476831232, "csv weights: %r" % byname.get("weights (bf16)"))
    check(byname.get("logits gradient") == 4096 * 32000 * 6 == 786432000, "csv logits gradient: %r" % byname.get("logits gradient"))
    # models: the published counts as rows
    rc, out, _ = tmem("models", "--format", "csv")
    m = {r["name"]: r for r in csv.DictReader(io.StringIO(out, newline=""))}
    check(m.get("gpt2", {}).get("total_params") == "124439808", "models csv: gpt2 124,439,808 (HF openai-community/gpt2)")
    # gpus: an A100-80GB has 80 GiB = 80 × 2^30 bytes
    rc, out, _ = tmem("gpus", "--format", "csv")
    g = {r["name"]: r for r in csv.DictReader(io.StringIO(out, newline=""))}
    check(g.get("a100-80gb", {}).get("memory_bytes") == str(80 * 2**30), "gpus csv: a100-80gb memory_bytes")
    # lab (no main table but its ledger lines), params (tensors), plan, inspect-free docs: a header and rows
    for args in (["lab"], ["params", "gpt2"], ["infer", "llama-2-7b"], ["serve", "llama-2-7b", "--requests", "8"],
                 ["plan", "llama-2-7b", "--gpus", "8", "--gpu", "h100-sxm", "--seq", "4096", "--global-batch", "64"]):
        rc, out, err = tmem(*args, "--format", "csv")
        rows = list(csv.reader(io.StringIO(out, newline="")))
        check(rc == 0 and len(rows) >= 2 and all(len(r) == len(rows[0]) for r in rows),
              "%s --format csv: a rectangular table (rc %d, %s)" % (" ".join(args), rc, err))
    rc, out, _ = tmem("params", "gpt2", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    # GPT-2's token embedding is n_vocab × d_model = 50257 × 768 = 38,597,376
    check(rows[0]["params"] == str(50257 * 768), "params csv: wte 50257 × 768")


def unescape_md(cell):
    return cell.replace("\\|", "|")


def markdown_checks():
    d = doc(*TRAIN)
    rc, out, _ = tmem(*TRAIN, "--format", "markdown")
    lines = out.splitlines()
    check(len(lines) == len(d["entries"]) + 2, "markdown: a header, a rule and a row per ledger line")
    check(lines[0] == "| bucket | label | bytes | formula |" and lines[1] == "|---|---|---:|---|",
          "markdown head: %r %r" % tuple(lines[:2]))
    for line, e in zip(lines[2:], d["entries"]):
        cells = [unescape_md(c.strip()) for c in line.strip("|").split(" | ")]
        if cells != [e["bucket"], e["label"], str(e["bytes"]), e["formula"]]:
            bad("markdown row %r" % line)
            break
    else:
        ok()


def svg_checks(tmp):
    for args in (TRAIN, ["train", "mixtral-8x7b", "--gpu", "h100-sxm", "--gpus", "8", "--zero", "3"],
                 ["infer", "llama-2-70b", "--gpu", "a100-80gb", "--tp", "2"], ["serve", "llama-2-7b", "--requests", "8"]):
        d = doc(*args)
        path = os.path.join(tmp, "chart.svg")
        rc, out, err = tmem(*args, "--svg", path)
        text = tmem(*args)[1]
        check(rc == 0 and out == text, "%s --svg: stdout is the text report (rc %d, %s)" % (args[1], rc, err))
        raw = open(path).read()
        check("href" not in raw and "url(" not in raw and "@import" not in raw, "svg: no external references")
        root = ET.fromstring(raw)
        rects = [r for r in root.iter(SVG + "rect") if r.get("class") == "bucket"]
        by_bucket = {r.get("data-bucket"): int(r.get("data-bytes")) for r in rects}
        want = {k: v for k, v in d["per_gpu_bytes"].items() if k != "total" and v > 0}
        check(by_bucket == want, "svg %s: one segment per non-zero bucket with its bytes" % args[1])
        top = max(d["per_gpu_bytes"]["total"], d["gpu"]["memory_bytes"])
        scale = 400.0 / top  # the plot is 400 px tall; its top is the larger of the total and the GPU
        worst = max(abs(float(r.get("height")) - int(r.get("data-bytes")) * scale) for r in rects)
        check(worst < 0.002, "svg %s: heights ∝ bytes (off by %.4f px)" % (args[1], worst))
        # the segments stack without gaps from the bottom (y = 470)
        ys = sorted((float(r.get("y")), float(r.get("height"))) for r in rects)
        check(abs(ys[-1][0] + ys[-1][1] - 470) < 0.002 and
              all(abs(a[0] + a[1] - b[0]) < 0.002 for a, b in zip(ys, ys[1:])), "svg %s: stacked" % args[1])
        line = [l for l in root.iter(SVG + "line") if l.get("class") == "gpu-memory"]
        check(len(line) == 1 and int(line[0].get("data-bytes")) == d["gpu"]["memory_bytes"] and
              abs(float(line[0].get("y1")) - (470 - d["gpu"]["memory_bytes"] * scale)) < 0.002,
              "svg %s: the GPU's memory line at its height" % args[1])
        labels = " ".join(t.text or "" for t in root.iter(SVG + "text"))
        check("weights 12.55 GiB" in labels if args is TRAIN else "weights" in labels,
              "svg %s: buckets labelled with bytes and units" % args[1])
    # --per-stage: a bar per pipeline stage at its total, on the same scale
    args = ["train", "llama-2-13b", "--pp", "4", "--gpus", "8", "--per-stage", "--gpu", "a100-80gb"]
    d = doc(*args)
    path = os.path.join(tmp, "stages.svg")
    rc, _, _ = tmem(*args, "--svg", path)
    root = ET.parse(path).getroot()
    st = {r.get("data-stage"): (int(r.get("data-bytes")), float(r.get("height")))
          for r in root.iter(SVG + "rect") if r.get("class") == "stage"}
    scale = 400.0 / max(list(d["stages"].values()) + [d["gpu"]["memory_bytes"], d["per_gpu_bytes"]["total"]])
    check(rc == 0 and {k: b for k, (b, h) in st.items()} == d["stages"] and
          all(abs(h - b * scale) < 0.002 for b, h in st.values()), "svg: a bar per stage at its total")
    # params: its groups as one bar of parameters (GPT-2: 124,439,808 in all)
    path = os.path.join(tmp, "params.svg")
    rc, _, _ = tmem("params", "gpt2", "--svg", path, "--format", "json")
    root = ET.parse(path).getroot()
    n = sum(int(r.get("data-params")) for r in root.iter(SVG + "rect") if r.get("class") == "bucket")
    check(rc == 0 and n == 124439808, "params svg: groups sum to 124,439,808 (got %d)" % n)


def error_checks(tmp):
    expect_error("--format xml", "--format: unknown format 'xml' (one of: text, json, csv, markdown)",
                 *TRAIN, "--format", "xml")
    expect_error("--json with --format csv", "--json: contradicts --format", *TRAIN, "--json", "--format", "csv")
    expect_error("sweep --format yaml", "unknown format", "sweep", "micro-batch", "1:2", "llama-2-7b", "--format", "yaml")
    blocker = os.path.join(tmp, "a-file")
    open(blocker, "w").close()
    expect_error("--svg under a file", "--svg: " + blocker + "/x.svg: Not a directory",
                 *TRAIN, "--svg", blocker + "/x.svg")
    expect_error("--svg in a missing folder", "No such file or directory", *TRAIN, "--svg", tmp + "/none/x.svg")
    folder = os.path.join(tmp, "a-folder")
    os.mkdir(folder)
    expect_error("--svg onto a folder", "--svg: " + folder, *TRAIN, "--svg", folder)
    check(not [f for f in os.listdir(tmp) if f.startswith(".tmem-")],
          "no temporary file left beside a failed --svg: %r" % os.listdir(tmp))
    # an existing chart is replaced whole, or left as it was on error
    keep = os.path.join(tmp, "keep.svg")
    open(keep, "w").write("old")
    expect_error("a bad model with --svg", "unknown model", "train", "no-such-model", "--svg", keep)
    check(open(keep).read() == "old", "a failed run leaves the old chart")
    expect_error("--svg ''", "--svg: needs a file name", *TRAIN, "--svg", "")
    # --format json is --json
    check(tmem(*TRAIN, "--format", "json")[1] == tmem(*TRAIN, "--json")[1], "--format json prints what --json does")


def sweep_checks(tmp):
    base = ["llama-2-7b", "--gpu", "a100-80gb", "--zero", "3", "--gpus", "8"]
    d = doc("sweep", "micro-batch", "1:16:x2", "train", *base)
    values = [r["value"] for r in d["rows"]]
    check(values == [1, 2, 4, 8, 16], "sweep 1:16:x2: %r" % values)
    first = None
    for i, r in enumerate(d["rows"]):
        t = doc("train", *base, "--micro-batch", str(r["value"]))
        check(r["per_gpu_bytes"] == t["per_gpu_bytes"]["total"] and r["fits"] == t["fits"] and
              r["step_s"] == t["timing"]["step_s"] and r["tokens_per_s"] == t["timing"]["tokens_per_s"],
              "sweep row %d is tmem train --micro-batch %d's figures" % (i, r["value"]))
        if first is None and r["per_gpu_bytes"] > 80 * 2**30:
            first = i
    check(d["first_unfit"] == first and first is not None, "first_unfit %r, want %r" % (d["first_unfit"], first))
    rc, out, _ = tmem("sweep", "micro-batch", "1:16:x2", *base)  # the command word is optional here
    marked = [l for l in out.splitlines() if l.endswith("<- stops fitting")]
    check(rc == 0 and len(marked) == 1 and marked[0].split()[0] == str(values[first]), "sweep text marks the first unfit row")
    rc, out, _ = tmem("sweep", "micro-batch", "1:16:x2", *base, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    check([int(r["per_gpu_bytes"]) for r in rows] == [r["per_gpu_bytes"] for r in d["rows"]], "sweep csv = json")
    path = os.path.join(tmp, "sweep.svg")
    rc, _, _ = tmem("sweep", "micro-batch", "1:16:x2", *base, "--svg", path)
    root = ET.parse(path).getroot()
    pts = [c for c in root.iter(SVG + "circle") if c.get("data-key") == "per_gpu_bytes"]
    check(rc == 0 and [float(c.get("data-y")) for c in pts] == [float(r["per_gpu_bytes"]) for r in d["rows"]],
          "sweep svg: a point per row at its bytes")
    check(["over" in c.get("class") for c in pts] == [not r["fits"] for r in d["rows"]], "sweep svg: unfit points marked")
    hi = max(max(r["per_gpu_bytes"] for r in d["rows"]), 80 * 2**30)
    worst = max(abs((float(c.get("cy")) - 280.0) + float(c.get("data-y")) * 200.0 / hi) for c in pts)
    check(worst < 0.002, "sweep svg: point heights ∝ bytes (off by %.4f px)" % worst)
    # infer and serve knobs
    d = doc("sweep", "batch", "1:64:x4", "llama-2-7b", "--gpu", "l4")
    check([r["value"] for r in d["rows"]] == [1, 4, 16, 64] and d["swept"] == "infer", "sweep batch (infer)")
    t = doc("infer", "llama-2-7b", "--gpu", "l4", "--batch", "16")
    check(d["rows"][2]["decode_tokens_per_s"] == t["timing"]["decode_tokens_per_s"], "sweep infer row = tmem infer --batch 16")
    d = doc("sweep", "rate", "2:6:2", "llama-2-7b", "--requests", "16")
    t = doc("serve", "llama-2-7b", "--requests", "16", "--rate", "4")
    check([r["value"] for r in d["rows"]] == [2.0, 4.0, 6.0] and d["rows"][1]["ttft_ms_p50"] == t["latency"]["ttft_ms"]["p50"],
          "sweep rate (serve) row = tmem serve --rate 4")
    expect_error("unknown knob", "KNOB: unknown knob 'lr'", "sweep", "lr", "1:2", "llama-2-7b")
    expect_error("bad range", "RANGE: must be A:B", "sweep", "seq", "1024", "llama-2-7b")
    expect_error("backwards range", "RANGE: must be whole numbers with 0 <= A <= B", "sweep", "seq", "9:3", "llama-2-7b")
    expect_error("too many values", "more than 64 values", "sweep", "micro-batch", "1:1000", "llama-2-7b")
    expect_error("tp needs the command", "tp is a knob of train and infer", "sweep", "tp", "1:2", "llama-2-7b")
    expect_error("knob of another command", "rate is not a knob of train", "sweep", "rate", "1:2", "train", "llama-2-7b")
    expect_error("the knob's flag again", "--micro-batch: is set by tmem sweep", "sweep", "micro-batch", "1:2",
                 "llama-2-7b", "--micro-batch", "4")
    expect_error("a value the command refuses", "tp", "sweep", "tp", "3:3", "train", "llama-2-7b")


with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as tmp2:
    csv_checks()
    markdown_checks()
    svg_checks(tmp)
    error_checks(tmp2)
    sweep_checks(tmp)
summary("outputs")
