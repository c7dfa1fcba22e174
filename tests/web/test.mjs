// test.mjs — make test-web: web/dist/index.html (the CLI compiled to
// WebAssembly) loaded from file:// in Debian's headless Chromium, driven by
// playwright-core through its URL, its forms and dropped files. The figure
// each number is checked against is the native CLI's --json for the same
// arguments (BUILD/tmem, itself tested against published counts and hand
// calculations by make test): per-GPU totals to the byte, the verdict, curve
// points, the serve sweep, formulas; dropped files (a config.json, a 4.9 GB
// sparse GGUF of which only the header can be read, a folder of 13 GB of
// safetensors shards) give the CLI's figures on the same files; a bad file
// shows the CLI's one error line. Screenshots go to BUILD/web/screenshots.
// Last line: "test-web: N passed, N failed, N skipped" (CI=true: a skip fails).
//   node tests/web/test.mjs BUILD_DIR
import { chromium } from "playwright-core";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../..");
const BUILD = resolve(ROOT, process.argv[2] || "build");
const TMEM = join(BUILD, "tmem");
const PAGE = pathToFileURL(join(ROOT, "web/dist/index.html")).href;
const SHOTS = join(BUILD, "web/screenshots");
const SHARED = resolve(ROOT, "../shared/data/models");

let passed = 0, failed = 0, skipped = 0;
const skips = [];
const ok = (msg) => { passed++; console.log(`  ok: ${msg}`); };
const bad = (msg) => { failed++; console.log(`FAIL: ${msg}`); };
const skip = (name, why) => {
  if (process.env.CI === "true") return bad(`${name} skipped under CI=true: ${why}`);
  skipped++; skips.push(name); console.log(`  skip: ${name} (${why})`);
};
const same = (desc, got, want) =>
  String(got) === String(want) ? ok(`${desc}: ${got}`) : bad(`${desc}: page '${got}', CLI '${want}'`);
function finish() {
  console.log(`test-web: ${passed} passed, ${failed} failed, ${skipped} skipped${skipped ? ": " + skips.join(", ") : ""}`);
  process.exit(failed ? 1 : 0);
}

/* the native CLI: tmem ARGV... --json → {rc, json, stderr} */
function native(argv) {
  const r = spawnSync(TMEM, argv.concat(["--json"]), { encoding: "utf8", maxBuffer: 64 << 20 });
  return { rc: r.status, json: r.status === 0 ? JSON.parse(r.stdout) : null, stderr: r.stderr, stdout: r.stdout };
}
const total = (d) => (d.command === "params" ? d.total_params : d.per_gpu_bytes.total);

for (const [what, path] of [["build/tmem", TMEM], ["web/dist/index.html (make web)", fileURLToPath(PAGE)],
                            ["Chromium", "/usr/bin/chromium"]])
  if (!existsSync(path)) { bad(`${what} is missing: ${path}`); finish(); }
mkdirSync(SHOTS, { recursive: true });
const TMP = mkdtempSync(join(tmpdir(), "tmem-web-"));
process.on("exit", () => rmSync(TMP, { recursive: true, force: true }));

let browser;
try {
browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true });
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
page.on("pageerror", (e) => bad(`page error: ${e.message}`));
page.setDefaultTimeout(90000);

/* waits until the page shows a request newer than `after` (its curves too) */
async function settled(after) {
  await page.waitForFunction((n) => {
    const b = document.body.dataset;
    return Number(b.run || 0) > n && (b.state === "error" || (b.state === "done" && b.curves === b.run));
  }, after);
  return page.evaluate(() => ({ run: Number(document.body.dataset.run), state: document.body.dataset.state }));
}
/* after several edits (each restarts the page's 250 ms debounce): waits
 * until the page shows, finished, the request for ARGV */
async function settledFor(argv) {
  const want = `tmem ${argv.join(" ")} --json`;
  await page.waitForFunction((w) => {
    const b = document.body.dataset;
    return document.getElementById("argv").textContent === w && b.state === "done" && b.curves === b.run;
  }, want);
  return page.evaluate(() => Number(document.body.dataset.run));
}
const shown = async () => ({
  bytes: await page.getAttribute("[data-testid=total-bytes]", "data-bytes"),
  params: await page.getAttribute("[data-testid=total-bytes]", "data-params"),
  fits: await page.getAttribute("[data-testid=verdict]", "data-fits"),
  argv: await page.textContent("[data-testid=argv]"),
});

/* the page's figures for the request it shows against tmem ARGV --json */
async function compare(name, argv, opts = {}) {
  const n = native(argv);
  if (n.rc !== 0) return bad(`${name}: native tmem ${argv.join(" ")} failed: ${n.stderr}`);
  const s = await shown();
  if (!opts.anyArgv) same(`${name}: the page runs`, s.argv, `tmem ${argv.join(" ")} --json`);
  if (n.json.command === "params") same(`${name}: total_params`, s.params, n.json.total_params);
  else {
    same(`${name}: per-GPU total bytes`, s.bytes, n.json.per_gpu_bytes.total);
    same(`${name}: verdict fits`, s.fits, n.json.fits);
  }
  return n.json;
}

/* a point (x) of the curve with id, against tmem ARGV with FLAG x */
async function curvePoint(name, id, flag, x, argv, series) {
  const sel = `#${id} circle[data-x="${x}"]` + (series ? `[data-series="${series}"]` : "");
  const y = await page.getAttribute(sel, "data-y").catch(() => null);
  const a = argv.slice();
  const i = a.indexOf(flag);
  if (i >= 0) a.splice(i, 2);
  a.push(flag, String(x));
  const n = native(a);
  if (n.rc !== 0) return bad(`${name}: native ${a.join(" ")}: ${n.stderr}`);
  same(`${name}: curve ${id} at ${x}`, y, total(n.json));
}

// --- 1. form state from the URL: each case's figures equal the CLI's --------------------
const CASES = [
  { name: "train-zero3", q: "cmd=train&model=llama-2-7b&gpus=8&zero=3&seq=4096",
    argv: ["train", "llama-2-7b", "--gpu", "h100-sxm", "--gpus", "8", "--zero", "3", "--seq", "4096"],
    curve: ["curve-micro-batch", "--micro-batch", 4] },
  { name: "train-3d", q: "cmd=train&model=mistral-7b&gpu=a100-80gb&gpus=16&tp=2&pp=2&micro-batch=2&recompute=selective&sequence-parallel=1",
    argv: ["train", "mistral-7b", "--gpu", "a100-80gb", "--gpus", "16", "--tp", "2", "--pp", "2", "--micro-batch", "2",
           "--recompute", "selective", "--sequence-parallel"],
    curve: ["curve-seq", "--seq", 1024] },
  { name: "train-qlora", q: "cmd=train&model=llama-2-13b&gpu=rtx-4090&lora-rank=16&base-quant=nf4",
    argv: ["train", "llama-2-13b", "--gpu", "rtx-4090", "--lora-rank", "16", "--base-quant", "nf4"] },
  { name: "infer-tp2", q: "cmd=infer&model=llama-2-13b&gpu=a100-40gb&tp=2",
    argv: ["infer", "llama-2-13b", "--gpu", "a100-40gb", "--tp", "2"], curve: ["curve-batch", "--batch", 8] },
  { name: "infer-int4", q: "cmd=infer&model=llama-2-70b&gpu=h100-sxm&batch=8&prompt=2048&weights=int4&kv-dtype=fp8",
    argv: ["infer", "llama-2-70b", "--gpu", "h100-sxm", "--batch", "8", "--prompt", "2048", "--weights", "int4",
           "--kv-dtype", "fp8"], curve: ["curve-prompt", "--prompt", 1024] },
  { name: "params-moe", q: "cmd=params&model=mixtral-8x7b", argv: ["params", "mixtral-8x7b"] },
  { name: "serve", q: "cmd=serve&model=llama-2-7b&rate=5&requests=200&sweep=2:18:5",
    argv: ["serve", "llama-2-7b", "--gpu", "h100-sxm", "--rate", "5", "--requests", "200"] },
];
for (const c of CASES) {
  await page.goto(`${PAGE}?${c.q}`);
  const st = await settled(0);
  if (st.state !== "done") { bad(`${c.name}: the page shows an error: ${await page.textContent("[data-testid=error]")}`); continue; }
  await compare(c.name, c.argv);
  const url = new URL(page.url()).searchParams;
  const lost = [...new URLSearchParams(c.q)].filter(([k, v]) => url.get(k) !== v);
  lost.length ? bad(`${c.name}: URL lost ${lost.map((p) => p.join("=")).join("&")}: ${page.url()}`)
              : ok(`${c.name}: form state restored from and kept in the URL`);
  if (c.curve) await curvePoint(c.name, c.curve[0], c.curve[1], c.curve[2], c.argv);
  if (c.name === "serve") {
    // latency vs rate: the page's sweep points are tmem serve --sweep-rate's
    const n = native(c.argv.filter((a, i) => a !== "--rate" && c.argv[i - 1] !== "--rate").concat(["--sweep-rate", "2:18:5"]));
    for (const p of n.json.sweep) {
      const y = await page.getAttribute(`#curve-ttft circle[data-x="${p.rate_req_per_s}"][data-series="TTFT p99"]`, "data-y")
        .catch(() => null);
      same(`serve: TTFT p99 at ${p.rate_req_per_s} req/s (ms)`, y, p.latency.ttft_ms.p99);
    }
  }
  await page.screenshot({ path: join(SHOTS, `${c.name}.png`), fullPage: true });
}

// --- 2. the forms, in one page: repeated main() calls in one module -----------------------
await page.goto(`${PAGE}?cmd=train&model=llama-2-7b`);
let run = (await settled(0)).run;
/* edits [selector, value] (a <select>'s option or an input's text), then
 * the figures of the request for argv against the CLI's */
async function edit(name, edits, argv) {
  for (const [sel, v] of edits)
    if (sel.startsWith("select") || sel === "#model") await page.selectOption(sel, v); else await page.fill(sel, v);
  run = await settledFor(argv);
  return compare(name, argv);
}
const zero2 = ["train", "llama-2-7b", "--gpu", "a100-40gb", "--gpus", "8", "--zero", "2"];
await edit("form train zero 2", [["select[name=zero]", "2"], ["input[name=gpus]", "8"], ["select[name=gpu]", "a100-40gb"]],
           zero2);
const u = new URL(page.url()).searchParams;
same("form train: the URL", `${u.get("cmd")} ${u.get("model")} ${u.get("gpu")} ${u.get("gpus")} ${u.get("zero")}`,
     "train llama-2-7b a100-40gb 8 2");
if (await page.locator("td.formula").first().isVisible()) bad("formulas shown before they are asked for");
else ok("formulas hidden until asked for");
await page.check("#show-formulas");
const nz = native(zero2).json;
same("formula on demand (first entry)", await page.locator("td.formula").first().textContent(), nz.entries[0].formula);
const fixes = await page.locator(".fix code").allTextContents();
same("fixes: the CLI's, in its order", fixes.join(" | "), Object.keys(nz.fixes || {}).join(" | "));
await page.click("#tabs button[data-cmd=infer]");
run = (await settled(run)).run;
await edit("form infer", [["#model", "qwen2.5-7b"], ["input[name=batch]", "16"], ["input[name=prompt]", "1000"]],
           ["infer", "qwen2.5-7b", "--gpu", "a100-40gb", "--batch", "16", "--prompt", "1000"]);
await page.click("#tabs button[data-cmd=params]");
run = (await settled(run)).run;
await compare("form params", ["params", "qwen2.5-7b"]);
await page.click("#tabs button[data-cmd=train]");
run = (await settled(run)).run;
await compare("form train again, after other commands in the same module",
              ["train", "qwen2.5-7b", "--gpu", "a100-40gb", "--gpus", "8", "--zero", "2"]);

// --- 3. dropped files -------------------------------------------------------------------
const fxGen = join(BUILD, "tests/test_ckpt_fixtures");
const FX = join(TMP, "fx");
const haveFx = existsSync(fxGen) && spawnSync(fxGen, ["--write", FX]).status === 0;
if (!haveFx) bad(`fixture writer ${fxGen} (make test-web builds it) failed`);

// a config.json dropped on the page (a drop event with a File made from its bytes)
const cfg = join(SHARED, "Qwen__Qwen2.5-0.5B/config.json");
if (!existsSync(cfg)) skip("dropped config.json", `${cfg} is missing`);
else {
  await page.goto(`${PAGE}?cmd=infer&gpu=l4&batch=4`);
  run = (await settled(0)).run;
  await page.evaluate((text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], "config.json", { type: "application/json" }));
    document.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, readFileSync(cfg, "utf8"));
  run = (await settled(run)).run;
  await compare("dropped config.json (Qwen2.5-0.5B)", ["infer", cfg, "--gpu", "l4", "--batch", "4"], { anyArgv: true });
  same("dropped config.json: the page runs", await page.textContent("[data-testid=argv]"),
       "tmem infer /drop/config.json --gpu l4 --batch 4 --json");
  await page.screenshot({ path: join(SHOTS, "dropped-config.png"), fullPage: true });
}

if (haveFx) {
  // a 4.9 GB GGUF (sparse: a real header, no weights): only its header can be read
  const gguf = join(FX, "llama3-8b-q4km.gguf");
  await page.goto(`${PAGE}?cmd=infer&gpu=rtx-4090`);
  run = (await settled(0)).run;
  const t0 = Date.now();
  await page.setInputFiles("#file", gguf);
  run = (await settled(run)).run;
  await compare("dropped 4.9 GB GGUF (Q4_K_M as stored)", ["infer", gguf, "--gpu", "rtx-4090"], { anyArgv: true });
  console.log(`  (the GGUF's ledger and curves took ${Date.now() - t0} ms)`);
  await page.screenshot({ path: join(SHOTS, "dropped-gguf.png"), fullPage: true });

  // a small GGUF's parameter count
  await page.goto(`${PAGE}?cmd=params`);
  run = (await settled(0)).run;
  await page.setInputFiles("#file", join(FX, "llama.gguf"));
  run = (await settled(run)).run;
  await compare("dropped small GGUF: params", ["params", join(FX, "llama.gguf")], { anyArgv: true });

  // a model folder: config.json, the index and two shards (13 GB, sparse)
  const dir = join(FX, "Llama-2-7b-hf");
  const files = ["config.json", "model.safetensors.index.json", "model-00001-of-00002.safetensors",
                 "model-00002-of-00002.safetensors"].map((f) => join(dir, f));
  await page.goto(`${PAGE}?cmd=train&gpus=8&zero=3`);
  run = (await settled(0)).run;
  await page.setInputFiles("#file", files);
  run = (await settled(run)).run;
  await compare("dropped folder (config + index + 13 GB of shards)",
                ["train", dir, "--gpu", "h100-sxm", "--gpus", "8", "--zero", "3"], { anyArgv: true });

  // the index and shards without config.json: the model the headers describe
  await page.goto(`${PAGE}?cmd=params`);
  run = (await settled(0)).run;
  await page.setInputFiles("#file", files.slice(1));
  run = (await settled(run)).run;
  const bare = join(TMP, "bare");
  mkdirSync(bare);
  for (const f of files.slice(1)) spawnSync("ln", ["-s", f, join(bare, basename(f))]);
  await compare("dropped index + shards, no config", ["params", bare], { anyArgv: true });

  // bad files: the CLI's one error line, shown, and no stale result
  const badCfg = join(TMP, "config.json");
  writeFileSync(badCfg, '{"model_type": "llama", "hidden_size": 4096,');
  for (const [cmd, file] of [["infer", join(FX, "bad/magic.gguf")], ["train", join(FX, "bad/truncated.safetensors")],
                             ["params", badCfg]]) {
    await page.goto(`${PAGE}?cmd=${cmd}`);
    run = (await settled(0)).run;
    await page.setInputFiles("#file", file);
    const st = await settled(run);
    run = st.run;
    const n = native(cmd === "params" ? [cmd, file] : [cmd, file, "--gpu", "h100-sxm"]);
    const want = n.stderr.split("\n").filter((l) => l.startsWith("tmem: error")).join("\n")
      .split(file).join("/drop/" + basename(file));
    const errBox = page.locator("[data-testid=error]");
    if (st.state !== "error" || !(await errBox.isVisible())) bad(`bad ${basename(file)}: no error shown`);
    else same(`bad ${basename(file)}: the error shown`, await errBox.textContent(), want);
    if (await page.locator("#result").isVisible()) bad(`bad ${basename(file)}: a result is still shown`);
    else ok(`bad ${basename(file)}: no result shown`);
    if (n.rc !== 2 || n.stdout !== "") bad(`bad ${basename(file)}: native exit ${n.rc}`);
    await page.screenshot({ path: join(SHOTS, `bad-${basename(file)}.png`), fullPage: true });
  }
}

// --- 4. the README's picture ------------------------------------------------------------
await page.setViewportSize({ width: 1280, height: 1540 });
await page.goto(`${PAGE}?cmd=train&model=llama-2-7b&gpu=a100-40gb&gpus=8&zero=3&seq=4096`);
await settled(0);
await page.screenshot({ path: join(SHOTS, "web.png") });
console.log(`  screenshots: ${SHOTS}`);
} catch (e) {
  // a page that never answers (a timeout) or a browser that did not start: one failure, then the count
  bad(`the run stopped: ${e.message.split("\n")[0]}`);
}
if (browser) await browser.close();
finish();
