#!/usr/bin/env python3
"""gen.py — docs/accuracy.md's comparison tables, generated from the row files.

Each tests/accuracy/NAME.tsv is one table: a published figure per row, the
tmem command (run here with --json) and the JSON path of tmem's figure. This
script runs every row, computes the error, writes the table between
  <!-- generated from tests/accuracy/NAME.tsv: make accuracy -->
  <!-- end generated -->
in docs/accuracy.md, and fails a row whose |error| exceeds its tol_pct.
It also checks that every backticked snake_case name the prose cites
(`name_of_a_test`) still exists under tests/, src/ or include/, so a claim
cannot outlive the test (or the code) it names.

usage: gen.py TMEM DOC ROWS_DIR REPO_DIR (--check | --write)
  --check  exit 1 when DOC differs from what the rows generate (nothing written)
  --write  rewrite DOC's generated blocks in place (make accuracy)
Last line: "accuracy: P passed, F failed" (tests/suites.sh reads it).
Standard library only: any python3 runs it.
"""
import json
import os
import re
import shlex
import statistics
import subprocess
import sys

HEADER = ["source", "setting", "published", "unit", "command", "path",
          "scale", "digits", "tol_pct"]
BEGIN = "<!-- generated from tests/accuracy/{}.tsv: make accuracy -->"
END = "<!-- end generated -->"


def fmt(x, digits):
    """1234.5 with digits 1 -> '1,234.5' (thousands separated)."""
    return "{:,.{}f}".format(x, digits)


def lookup(doc, path):
    cur = doc
    for part in path.split("."):
        if isinstance(cur, list):
            cur = cur[int(part)]
        else:
            cur = cur[part]
    if isinstance(cur, bool) or not isinstance(cur, (int, float)):
        raise KeyError("%s is not a number" % path)
    return float(cur)


def read_rows(path):
    rows, header = [], None
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            cells = line.split("\t")
            if header is None:
                if cells != HEADER:
                    raise ValueError("%s:%d: header must be %s" % (path, n, "\\t".join(HEADER)))
                header = cells
                continue
            if len(cells) != len(HEADER):
                raise ValueError("%s:%d: %d cells, want %d" % (path, n, len(cells), len(HEADER)))
            row = dict(zip(HEADER, cells))
            row["line"] = n
            rows.append(row)
    if header is None:
        raise ValueError("%s: no header line" % path)
    return rows


def run_one(tmem, shared, command, path):
    args = shlex.split(command.replace("$SHARED", shared))
    p = subprocess.run([tmem] + args + ["--json"], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("tmem %s: exit %d: %s" % (command, p.returncode, p.stderr.strip()))
    return lookup(json.loads(p.stdout), path)


def run_row(tmem, shared, row):
    """tmem's figure: one command's value, or "A // B": the ratio of two runs'."""
    parts = row["command"].split(" // ")
    if len(parts) > 2:
        raise ValueError("at most one ' // ' in a command")
    value = run_one(tmem, shared, parts[0], row["path"])
    if len(parts) == 2:
        value /= run_one(tmem, shared, parts[1], row["path"])
    return value * float(row["scale"])


def table(name, rows, tmem, shared, failures):
    out = ["| source | setting | published | tmem | error | bound |",
           "|---|---|---|---|---|---|"]
    errs = []
    for r in rows:
        digits = int(r["digits"])
        unit = "" if r["unit"] in ("", "-") else " " + r["unit"]
        pub = float(r["published"])
        try:
            got = run_row(tmem, shared, r)
        except (RuntimeError, KeyError, IndexError, ValueError) as e:
            failures.append("%s.tsv:%d: %s" % (name, r["line"], e))
            got = float("nan")
        err = (got - pub) / pub * 100.0
        errs.append(abs(err))
        bound = r["tol_pct"]
        if bound != "-" and not abs(err) <= float(bound):
            failures.append("%s.tsv:%d: %s: |error| %.1f %% over its bound %s %%"
                            % (name, r["line"], r["setting"], abs(err), bound))
        out.append("| %s | %s | %s%s | %s%s | %+.1f %% | %s |" % (
            r["source"], r["setting"], fmt(pub, digits), unit, fmt(got, digits), unit,
            err, "-" if bound == "-" else "±" + bound + " %"))
    out.append("")
    if errs:
        out.append("%d rows: median |error| %.1f %%, max %.1f %%; each row's tmem command and "
                   "JSON path are in tests/accuracy/%s.tsv."
                   % (len(errs), statistics.median(errs), max(errs), name))
    return out


def main():
    if len(sys.argv) != 6 or sys.argv[5] not in ("--check", "--write"):
        print(__doc__.strip().splitlines()[-4], file=sys.stderr)
        return 2
    tmem, doc_path, rows_dir, repo_dir, mode = sys.argv[1:]
    shared = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(doc_path)), "..", "..", "shared"))
    with open(doc_path, encoding="utf-8") as f:
        doc = f.read().split("\n")
    names = sorted(f[:-4] for f in os.listdir(rows_dir) if f.endswith(".tsv"))
    passed, failures = 0, []
    new = list(doc)
    for name in names:
        begin = BEGIN.format(name)
        if begin not in new:
            failures.append("docs/accuracy.md has no '%s' block" % begin)
            continue
        i = new.index(begin)
        try:
            j = new.index(END, i + 1)
        except ValueError:
            failures.append("%s: no '%s' after it" % (begin, END))
            continue
        if any(l.startswith("<!-- generated from ") for l in new[i + 1:j]):
            failures.append("%s: another generated block starts before its '%s'" % (begin, END))
            continue
        before = len(failures)
        body = table(name, read_rows(os.path.join(rows_dir, name + ".tsv")), tmem, shared, failures)
        new[i + 1:j] = body
        if len(failures) == before:
            passed += 1
    for line in new:
        m = re.match(r"<!-- generated from tests/accuracy/(.*)\.tsv", line)
        if m and m.group(1) not in names:
            failures.append("docs/accuracy.md names %s.tsv, which does not exist" % m.group(1))
    # every backticked snake_case name the prose cites exists under tests/, src/ or include/
    cited = set(re.findall(r"`([a-z][a-z0-9]*(?:_[a-z0-9]+){2,})`", "\n".join(doc)))
    sources = []
    walk = [w for d in ("tests", "src", "include") for w in os.walk(os.path.join(repo_dir, d))]
    for root, _, files in walk:
        for fn in files:
            if fn.endswith((".c", ".h", ".sh", ".py")):
                with open(os.path.join(root, fn), encoding="utf-8", errors="replace") as f:
                    sources.append(f.read())
    corpus = "\n".join(sources)
    missing = sorted(t for t in cited if not re.search(r"\b%s\b" % re.escape(t), corpus))
    for t in missing:
        failures.append("docs/accuracy.md cites `%s`, which nothing under tests/, src/ or include/ names" % t)
    if not missing:
        passed += 1
    if mode == "--write":
        if new != doc:
            tmp = doc_path + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                f.write("\n".join(new))
            os.replace(tmp, doc_path)
    elif new != doc:
        failures.append("docs/accuracy.md differs from what tests/accuracy/*.tsv generate: run make accuracy")
    for m in failures:
        print("FAIL: " + m)
    print("accuracy: %d passed, %d failed" % (passed, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
