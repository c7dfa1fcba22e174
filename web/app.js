/* app.js — the tmem page (inlined into web/dist/index.html by make web). It
 * runs the command line compiled to WebAssembly (tmem.js, createTmem) in a
 * Web Worker, one main() call per request, and draws what its --json prints:
 * the page computes no memory figure of its own, it only lays the CLI's out
 * (units for display, bar lengths, axes). Dropped files are mounted in the
 * worker with WORKERFS, so the readers read lazy slices: headers only. */
'use strict';

/* ---------- the CLI in a worker ---------- */

/* Runs inside the worker, after the module factory's source. */
function tmemWorkerMain() {
  let ready = null;
  let out = [], err = [];
  const mod = () => ready || (ready = createTmem({
    noInitialRun: true,
    print: (s) => out.push(s),
    printErr: (s) => err.push(s),
  }));
  self.onmessage = async (e) => {
    const { id, argv, files } = e.data;
    const M = await mod();
    out = []; err = [];
    let mounted = false, rc;
    try {
      if (files && files.length) {
        try { M.FS.mkdir('/drop'); } catch (x) { /* exists */ }
        M.FS.mount(M.FS.filesystems.WORKERFS, { files }, '/drop');
        mounted = true;
      }
      rc = M.callMain(argv);
    } catch (x) {
      rc = (x && typeof x.status === 'number') ? x.status : 70;
      err.push('tmem: error: page: ' + String(x && x.message || x));
    } finally {
      if (mounted) M.FS.unmount('/drop');
    }
    self.postMessage({ id, rc, stdout: out.join('\n'), stderr: err.join('\n') });
  };
}

/* Chromium refuses new Worker('file.js') on a file:// page, but not a
 * worker from a blob: URL; the factory's own source text makes that blob
 * (the factory closes over _scriptDir, which a blob has no use for). */
const worker = new Worker(URL.createObjectURL(new Blob([
  'var _scriptDir = undefined;\nvar createTmem = ' + createTmem.toString() + ';\n(' +
  tmemWorkerMain.toString() + ')();\n'], { type: 'text/javascript' })));
const pending = new Map();
let nextId = 1;
worker.onmessage = (e) => { const p = pending.get(e.data.id); pending.delete(e.data.id); p(e.data); };

/* tmem ARGV... → {rc, stdout, stderr}; calls queue in the worker */
function tmem(argv, files) {
  return new Promise((resolve) => {
    const id = nextId++;
    pending.set(id, resolve);
    worker.postMessage({ id, argv, files: files || [] });
  });
}

/* tmem ARGV... --json → the parsed document, or throws the CLI's error line */
async function tmemJson(argv, files) {
  const r = await tmem(argv.concat(['--json']), files);
  if (r.rc !== 0) {
    const e = new Error(r.stderr.split('\n').filter((l) => l.startsWith('tmem: error')).join('\n') ||
                        r.stderr || ('tmem exited ' + r.rc));
    e.stderr = r.stderr;
    throw e;
  }
  return JSON.parse(r.stdout);
}

/* ---------- the forms ---------- */

/* Each field is a CLI flag (its name in the URL query too); empty: the CLI's
 * default (shown as the placeholder, from tmem CMD --help). */
const PRECISIONS = ['fp32', 'amp-bf16', 'amp-fp16', 'bf16-mixed', 'fp16-mixed', 'bf16', 'bf16-fp32-grads'];
const OPTIMIZERS = ['sgd', 'sgd-momentum', 'adam', 'adamw', 'adam8bit', 'adafactor', 'lion'];
const WEIGHTS = ['fp32', 'bf16', 'fp16', 'fp8', 'fp8-channel', 'int8', 'int4', 'gptq', 'nf4', 'nf4-dq',
                 'q4_k_m', 'q5_k_m', 'q4_k_s', 'fp8-block'];
const KV_DTYPES = ['bf16', 'fp16', 'fp8', 'int8', 'fp32'];
const INFER_FIELDS = [
  { flag: 'batch', label: 'batch', type: 'number', ph: '1' },
  { flag: 'prompt', label: 'prompt tokens', type: 'number', ph: '512' },
  { flag: 'gen', label: 'generated tokens', type: 'number', ph: '128' },
  { flag: 'weights', label: 'weights', type: 'select', options: WEIGHTS, ph: 'bf16' },
  { flag: 'kv-dtype', label: 'KV dtype', type: 'select', options: KV_DTYPES, ph: 'bf16' },
  { flag: 'tp', label: 'tensor parallel', type: 'number', ph: '1' },
  { flag: 'pp', label: 'pipeline parallel', type: 'number', ph: '1' },
  { flag: 'engine', label: 'engine', type: 'select', options: ['vllm', 'hf'], ph: 'vllm' },
  { flag: 'gpu-memory-utilization', label: 'GPU memory utilization', type: 'number', ph: '0.9', step: 'any' },
  { flag: 'max-model-len', label: 'max model len', type: 'number', ph: 'prompt + gen' },
];
const FIELDS = {
  params: [],
  train: [
    { flag: 'gpus', label: 'GPUs', type: 'number', ph: 'dp·tp·pp·cp' },
    { flag: 'tp', label: 'tensor parallel', type: 'number', ph: '1' },
    { flag: 'pp', label: 'pipeline parallel', type: 'number', ph: '1' },
    { flag: 'zero', label: 'ZeRO stage', type: 'select', options: ['0', '1', '2', '3'], ph: '0' },
    { flag: 'fsdp', label: 'FSDP', type: 'select', options: ['off', 'full', 'grad-op', 'hybrid', 'no-shard'], ph: 'off' },
    { flag: 'micro-batch', label: 'micro-batch', type: 'text', ph: '1' },
    { flag: 'seq', label: 'sequence', type: 'text', ph: 'n_ctx, ≤ 4096' },
    { flag: 'grad-accum', label: 'grad accumulation', type: 'number', ph: '1' },
    { flag: 'precision', label: 'precision', type: 'select', options: PRECISIONS, ph: 'bf16-mixed' },
    { flag: 'optimizer', label: 'optimizer', type: 'select', options: OPTIMIZERS, ph: 'adamw' },
    { flag: 'recompute', label: 'recompute', type: 'select', options: ['none', 'selective', 'full'], ph: 'none' },
    { flag: 'offload', label: 'offload', type: 'select', options: ['none', 'optimizer', 'params'], ph: 'none' },
    { flag: 'lora-rank', label: 'LoRA rank', type: 'number', ph: '0' },
    { flag: 'base-quant', label: 'base quant', type: 'select', options: ['none', 'nf4', 'nf4-dq', 'int8', 'fp8'], ph: 'none' },
    { flag: 'sequence-parallel', label: 'sequence parallel', type: 'check' },
    { flag: 'distributed-optimizer', label: 'distributed optimizer', type: 'check' },
    { flag: 'fused-ce', label: 'fused cross-entropy', type: 'check' },
  ],
  infer: INFER_FIELDS,
  serve: [
    { flag: 'rate', label: 'rate (req/s)', type: 'number', ph: 'all at t = 0', step: 'any' },
    { flag: 'requests', label: 'requests', type: 'number', ph: '1000' },
    { flag: 'concurrency', label: 'concurrency', type: 'number', ph: 'open loop' },
    { flag: 'prompt-len', label: 'prompt length', type: 'text', ph: 'N | uniform:A:B' },
    { flag: 'output-len', label: 'output length', type: 'text', ph: 'N | uniform:A:B' },
    { flag: 'slo-ttft-ms', label: 'SLO TTFT ms', type: 'number', ph: 'none', step: 'any' },
    { flag: 'slo-tpot-ms', label: 'SLO TPOT ms', type: 'number', ph: 'none', step: 'any' },
    /* page-only: the rates of the latency curve (tmem serve --sweep-rate) */
    { flag: 'sweep', label: 'curve rates A:B:N', type: 'text', ph: '1:20:6', page: true },
  ].concat(INFER_FIELDS.filter((f) => f.flag !== 'batch')),
};
const DEFAULT_GPU = 'h100-sxm';

const $ = (id) => document.getElementById(id);
const el = (tag, attrs, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'text') e.textContent = v; else if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k);
  return e;
};

const state = { cmd: 'train', model: 'llama-2-7b', gpu: DEFAULT_GPU, flags: {} };
const saved = {}; /* the flags of the commands not shown, by command */
let dropped = null; /* {files: [File], arg: '/drop/NAME' or '/drop', label} */
let presets = [], gpus = [];

function readQuery() {
  const q = new URLSearchParams(location.search);
  if (q.has('cmd') && FIELDS[q.get('cmd')]) state.cmd = q.get('cmd');
  if (q.has('model')) state.model = q.get('model');
  if (q.has('gpu')) state.gpu = q.get('gpu');
  state.flags = {};
  for (const [k, v] of q) if (!['cmd', 'model', 'gpu'].includes(k)) state.flags[k] = v;
}

function writeQuery() {
  const q = new URLSearchParams();
  q.set('cmd', state.cmd);
  if (!dropped) q.set('model', state.model);
  if (state.cmd !== 'params') q.set('gpu', state.gpu);
  for (const f of FIELDS[state.cmd]) if (state.flags[f.flag]) q.set(f.flag, state.flags[f.flag]);
  history.replaceState(null, '', '?' + q.toString().replace(/%3A/g, ':').replace(/%2C/g, ','));
}

function buildFields() {
  const box = $('fields');
  box.replaceChildren();
  for (const f of FIELDS[state.cmd]) {
    const v = state.flags[f.flag] || '';
    let input;
    if (f.type === 'select') {
      input = el('select', { name: f.flag });
      input.append(el('option', { value: '', text: f.ph + ' (default)' }));
      for (const o of f.options) input.append(el('option', { value: o, text: o }));
      input.value = v;
    } else if (f.type === 'check') {
      input = el('input', { type: 'checkbox', name: f.flag });
      input.checked = v === '1';
      box.append(el('label', { class: 'check' }, input, f.label));
      continue;
    } else {
      input = el('input', { type: f.type, name: f.flag, placeholder: f.ph, min: f.type === 'number' ? '0' : null,
                            step: f.step || null });
      input.value = v;
    }
    box.append(el('label', {}, f.label, input));
  }
  $('gpu-label').hidden = state.cmd === 'params';
  for (const b of document.querySelectorAll('#tabs button')) b.classList.toggle('on', b.dataset.cmd === state.cmd);
}

function readForm() {
  state.model = $('model').value;
  state.gpu = $('gpu').value;
  state.flags = {};
  for (const f of FIELDS[state.cmd]) {
    const input = $('form').elements[f.flag];
    const v = f.type === 'check' ? (input.checked ? '1' : '') : input.value.trim();
    if (v) state.flags[f.flag] = v;
  }
}

function fillModels() {
  const sel = $('model');
  sel.replaceChildren();
  if (dropped) sel.append(el('option', { value: dropped.arg, text: '⬇ ' + dropped.label + ' (dropped)' }));
  const fams = new Map();
  for (const m of presets) {
    if (!fams.has(m.family)) fams.set(m.family, el('optgroup', { label: m.family }));
    fams.get(m.family).append(el('option', { value: m.name, text: m.name }));
  }
  for (const g of fams.values()) sel.append(g);
  if (!dropped && !presets.some((m) => m.name === state.model))
    sel.prepend(el('option', { value: state.model, text: state.model }));
  sel.value = dropped ? dropped.arg : state.model;
}

function fillGpus() {
  const sel = $('gpu');
  sel.replaceChildren();
  for (const g of gpus)
    sel.append(el('option', { value: g.name, text: `${g.name} — ${fmtBytes(g.memory_bytes)}` }));
  if (!gpus.some((g) => g.name === state.gpu)) sel.prepend(el('option', { value: state.gpu, text: state.gpu }));
  sel.value = state.gpu;
}

/* the command line the page runs, as tmem's argv (without --json) */
function argv(cmd, extra) {
  const a = [cmd || state.cmd, dropped ? dropped.arg : state.model];
  if (a[0] !== 'params') a.push('--gpu', state.gpu);
  for (const f of FIELDS[state.cmd]) {
    const v = state.flags[f.flag];
    if (!v || f.page) continue;
    if (f.type === 'check') a.push('--' + f.flag); else a.push('--' + f.flag, v);
  }
  return setFlags(a, extra || {});
}

/* argv with each flag of `over` set (replaced, or added; null removes it) */
function setFlags(a, over) {
  a = a.slice();
  for (const [k, v] of Object.entries(over)) {
    const i = a.indexOf('--' + k);
    if (i >= 0) a.splice(i, 2);
    if (v !== null) a.push('--' + k, String(v));
  }
  return a;
}

const shellWord = (s) => /^[\w@%+=:,./-]+$/.test(s) ? s : "'" + s.replace(/'/g, "'\\''") + "'";

/* ---------- formatting (display only) ---------- */

const GiB = 1024 ** 3;
function fmtBytes(b) {
  if (b >= GiB) return (b / GiB).toFixed(2) + ' GiB';
  if (b >= 1024 ** 2) return (b / 1024 ** 2).toFixed(1) + ' MiB';
  if (b >= 1024) return (b / 1024).toFixed(1) + ' KiB';
  return b + ' B';
}
const fmtInt = (n) => Number(n).toLocaleString('en-US');
function fmtParams(n) {
  if (n >= 1e9) return (n / 1e9).toFixed(2) + ' B';
  if (n >= 1e6) return (n / 1e6).toFixed(1) + ' M';
  return fmtInt(n);
}
const fmtMs = (x) => x >= 100 ? x.toFixed(0) : x.toFixed(x >= 10 ? 1 : 2);

const BUCKETS = ['weights', 'gradients', 'optimizer_states', 'activations', 'temporary_buffers',
                 'communication_buckets', 'kv_cache', 'framework_overhead'];
const COLORS = {
  weights: '#3b6fd8', gradients: '#e0863a', optimizer_states: '#8d5bd1', activations: '#2ea39b',
  temporary_buffers: '#d6b23a', communication_buckets: '#d35d8f', kv_cache: '#5aa640', framework_overhead: '#8a93a3',
  embedding: '#3b6fd8', attention: '#2ea39b', mlp: '#e0863a', norm: '#d6b23a', lm_head: '#8d5bd1', experts: '#d35d8f',
};
const color = (k, i) => COLORS[k] || ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948'][i % 6];
const human = (k) => k.replace(/_/g, ' ');

/* ---------- SVG ---------- */

const SVGNS = 'http://www.w3.org/2000/svg';
function svg(tag, attrs, text) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/* A "nice" axis maximum and tick step for values up to max */
function ticks(max, n) {
  const raw = max / (n || 5);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  return { step, top: Math.ceil(max / step) * step };
}

/* Horizontal stacked bars: rows [{name, parts: {key: bytes}, peak}], a
 * capacity line at cap bytes (0: none). Units on the axis: GiB. */
function stackedBars(rows, keys, cap, capLabel) {
  const W = 1100, left = 130, right = 30, rowH = 30, top = 10;
  const H = top + rows.length * (rowH + 10) + 34;
  const total = (r) => keys.reduce((s, k) => s + (r.parts[k] || 0), 0);
  const maxB = Math.max(cap || 0, ...rows.map(total)) * 1.04 || 1;
  const { step, top: axisTop } = ticks(maxB / GiB, 8);
  const x = (b) => left + (b / GiB) / axisTop * (W - left - right);
  const s = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: '100%', role: 'img' });
  const axisY = top + rows.length * (rowH + 10);
  for (let t = 0; t <= axisTop + 1e-9; t += step) {
    s.append(svg('line', { class: 'grid', x1: x(t * GiB), x2: x(t * GiB), y1: top - 4, y2: axisY }));
    s.append(svg('text', { x: x(t * GiB), y: axisY + 16, 'text-anchor': 'middle' }, +t.toFixed(2) + ''));
  }
  s.append(svg('text', { x: W - right, y: axisY + 30, 'text-anchor': 'end', class: 'muted' }, 'GiB per GPU'));
  rows.forEach((r, i) => {
    const y = top + i * (rowH + 10);
    s.append(svg('text', { x: left - 8, y: y + rowH / 2 + 4, 'text-anchor': 'end', class: r.peak ? 'peak' : '' },
                 r.name));
    let acc = 0;
    keys.forEach((k, j) => {
      const b = r.parts[k] || 0;
      if (b <= 0) return;
      const rect = svg('rect', { x: x(acc), y, width: Math.max(0.5, x(acc + b) - x(acc)), height: rowH,
                                 fill: color(k, j), rx: 2 });
      rect.append(svg('title', {}, `${human(k)}: ${fmtBytes(b)} (${fmtInt(b)} bytes)`));
      s.append(rect);
      acc += b;
    });
    s.append(svg('text', { x: x(acc) + 6, y: y + rowH / 2 + 4 }, fmtBytes(acc)));
  });
  if (cap) {
    s.append(svg('line', { class: 'cap', x1: x(cap), x2: x(cap), y1: top - 6, y2: axisY }));
    s.append(svg('text', { class: 'capt', x: x(cap) - 4, y: axisY - 4, 'text-anchor': 'end' }, capLabel));
  }
  return s;
}

/* A line chart: series [{name, color, points: [[x, y]]}], x on a log2 or
 * linear axis, a horizontal cap line (0: none); fy formats y ticks. */
function lineChart(series, opt) {
  const W = 520, H = 260, L = 56, R = 14, T = 12, B = 40;
  const pts = series.flatMap((s) => s.points);
  if (!pts.length) return el('div', { class: 'muted', text: opt.empty || 'no points' });
  const xs = pts.map((p) => p[0]);
  const lx = opt.log2 ? Math.log2 : (v) => v;
  const x0 = lx(Math.min(...xs)), x1 = lx(Math.max(...xs));
  const yMax = Math.max(opt.cap || 0, ...pts.map((p) => p[1])) * 1.08 || 1;
  const { step, top } = ticks(yMax / opt.yUnit, 5);
  const X = (v) => L + (x1 === x0 ? 0.5 : (lx(v) - x0) / (x1 - x0)) * (W - L - R);
  const Y = (v) => T + (1 - v / opt.yUnit / top) * (H - T - B);
  const s = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: '100%', role: 'img' });
  for (let t = 0; t <= top + 1e-9; t += step) {
    s.append(svg('line', { class: 'grid', x1: L, x2: W - R, y1: Y(t * opt.yUnit), y2: Y(t * opt.yUnit) }));
    s.append(svg('text', { x: L - 6, y: Y(t * opt.yUnit) + 4, 'text-anchor': 'end' }, +t.toFixed(2) + ''));
  }
  for (const v of [...new Set(xs)].sort((a, b) => a - b))
    s.append(svg('text', { x: X(v), y: H - B + 16, 'text-anchor': 'middle' }, String(+v.toFixed(2))));
  s.append(svg('line', { class: 'axis', x1: L, x2: W - R, y1: H - B, y2: H - B }));
  s.append(svg('text', { x: (L + W - R) / 2, y: H - 6, 'text-anchor': 'middle' }, opt.xLabel));
  s.append(svg('text', { x: 12, y: T + (H - T - B) / 2, transform: `rotate(-90 12 ${T + (H - T - B) / 2})`,
                         'text-anchor': 'middle' }, opt.yLabel));
  if (opt.cap) {
    s.append(svg('line', { class: 'cap', x1: L, x2: W - R, y1: Y(opt.cap), y2: Y(opt.cap) }));
    s.append(svg('text', { class: 'capt', x: W - R, y: Y(opt.cap) - 5, 'text-anchor': 'end' }, opt.capLabel));
  }
  series.forEach((se, i) => {
    const c = se.color || color('', i);
    s.append(svg('polyline', { fill: 'none', stroke: c, 'stroke-width': 2,
                               points: se.points.map((p) => `${X(p[0])},${Y(p[1])}`).join(' ') }));
    for (const p of se.points) {
      const dot = svg('circle', { cx: X(p[0]), cy: Y(p[1]), r: 3.5, fill: c, 'data-x': p[0], 'data-y': p[1],
                                  'data-series': se.name });
      dot.append(svg('title', {}, `${se.name} at ${p[0]}: ${opt.fmt(p[1])}`));
      s.append(dot);
    }
  });
  if (series.length > 1)
    series.forEach((se, i) => {
      s.append(svg('rect', { x: L + 10 + i * 110, y: T + 2, width: 10, height: 10, fill: se.color || color('', i) }));
      s.append(svg('text', { x: L + 24 + i * 110, y: T + 11 }, se.name));
    });
  return s;
}

function legend(keys, present) {
  $('legend').replaceChildren(...keys.filter((k) => present[k] > 0).map((k, j) =>
    el('span', {}, el('i', { style: `background:${color(k, j)}` }), human(k))));
}

/* ---------- rendering one result ---------- */

function showError(msg) {
  $('error').textContent = msg;
  $('error').hidden = false;
  $('result').hidden = true;
}

function setTotal(label, bytes, extra) {
  const t = $('total');
  t.replaceChildren(fmtBytes(bytes), el('small', { text: fmtInt(bytes) + ' bytes' + (extra || '') }));
  t.dataset.bytes = String(bytes);
  delete t.dataset.params;
  $('total-label').textContent = label;
}

function setVerdict(fits, html) {
  const v = $('verdict');
  v.className = fits === null ? '' : (fits ? 'fits' : 'nofit');
  v.dataset.fits = fits === null ? '' : String(fits);
  v.replaceChildren(...html);
}

function entriesTable(entries) {
  const t = el('table', { class: $('show-formulas').checked ? 'formulas' : '' });
  t.append(el('tr', {}, el('th', { text: 'item' }), el('th', { text: 'bucket' }),
              el('th', { class: 'num', text: 'bytes' }), el('th', { class: 'num', text: '' }),
              el('th', { class: 'formula', text: 'formula' })));
  for (const e of entries)
    t.append(el('tr', {}, el('td', { text: e.label }), el('td', { text: human(e.bucket) }),
                el('td', { class: 'num', text: fmtInt(e.bytes) }), el('td', { class: 'num', text: fmtBytes(e.bytes) }),
                el('td', { class: 'formula', text: e.formula || '' })));
  return t;
}

function notes(list) {
  $('notes-card').hidden = !list || !list.length;
  $('notes').replaceChildren(...(list || []).map((n) => el('li', { text: n })));
}

function renderLedger(d) {
  const cap = d.gpu ? d.gpu.memory_bytes : 0;
  const capLabel = d.gpu ? `${d.gpu.name}: ${fmtBytes(cap)}` : '';
  setTotal(d.command === 'train' ? `per GPU, at the peak (${d.peak_phase} phase)` : 'per GPU', d.per_gpu_bytes.total);
  const rows = [];
  if (d.command === 'train') {
    $('bars-title').textContent = 'ledger per GPU, phase by phase';
    for (const [name, ph] of Object.entries(d.phases))
      rows.push({ name: human(name), parts: ph, peak: name === d.peak_phase });
  } else {
    $('bars-title').textContent = 'ledger per GPU';
    rows.push({ name: 'per GPU', parts: d.per_gpu_bytes, peak: true });
  }
  $('bars').replaceChildren(stackedBars(rows, BUCKETS, cap, capLabel));
  legend(BUCKETS, d.per_gpu_bytes);
  $('table').replaceChildren(entriesTable(d.entries));
}

function verdictLedger(d) {
  const used = d.per_gpu_bytes.total, cap = d.gpu.memory_bytes;
  const pct = (100 * used / cap).toFixed(1);
  setVerdict(d.fits, [
    el('b', { text: d.fits ? 'fits' : 'does not fit' }),
    ` on ${d.gpu.name}: ${fmtBytes(used)} of ${fmtBytes(cap)} (${pct} %)`,
  ]);
}

function renderFixes(d) {
  const box = $('fixes');
  box.replaceChildren();
  let any = false;
  if (d.command === 'train' && d.fixes) {
    $('fixes-title').textContent = d.fits ? 'headroom' : 'fixes: one change each, cheapest first';
    for (const [flag, f] of Object.entries(d.fixes)) {
      any = true;
      box.append(el('div', { class: 'fix' }, el('code', { text: flag }),
                    el('span', { class: f.fits ? 'ok' : 'no', text: fmtBytes(f.peak_bytes) + (f.fits ? ' fits' : '') }),
                    el('span', { text: f.cost })));
    }
  }
  if (d.command === 'train' && d.headroom) {
    const h = d.headroom;
    any = true;
    $('fixes-title').textContent = 'headroom';
    box.append(el('p', {}, 'largest micro-batch that fits: ', el('b', { text: String(h.micro_batch) }),
                  ` (${fmtBytes(h.peak_bytes)})` +
                  (h.next_micro_batch ? `; ${h.next_micro_batch} would need ${fmtBytes(h.next_peak_bytes)}` : '')));
  }
  if ((d.command === 'infer' || d.command === 'serve') && d.kv_cache) {
    $('fixes-title').textContent = 'KV cache';
    any = true;
    const k = d.kv_cache;
    const rows = [['KV bytes per token', fmtInt(k.bytes_per_token)], ['KV pool', fmtBytes(k.pool_bytes ?? 0)],
                  ['pool capacity (tokens)', fmtInt(k.capacity_tokens ?? 0)],
                  ['concurrent sequences it holds', fmtInt(k.max_concurrent_sequences ?? 0)]];
    if (d.max_batch !== undefined) rows.push(['largest batch that fits', fmtInt(d.max_batch)]);
    if (d.max_context !== undefined) rows.push(['longest context that fits', fmtInt(d.max_context)]);
    const t = el('table');
    for (const [a, b] of rows) t.append(el('tr', {}, el('td', { text: a }), el('td', { class: 'num', text: b })));
    box.append(t);
  }
  $('fixes-card').hidden = !any;
}

function renderServe(d) {
  const box = $('serve');
  if (d.command !== 'serve' || !d.latency) { $('serve-card').hidden = true; return; }
  $('serve-card').hidden = false;
  const t = el('table');
  t.append(el('tr', {}, el('th', { text: 'ms' }), ...['mean', 'p50', 'p90', 'p99'].map((q) => el('th', { class: 'num', text: q }))));
  for (const [k, v] of Object.entries(d.latency))
    t.append(el('tr', {}, el('td', { text: k.replace(/_ms$/, '').replace(/_/g, ' ').toUpperCase() }),
                ...['mean', 'p50', 'p90', 'p99'].map((q) => el('td', { class: 'num', text: fmtMs(v[q]) }))));
  const tp = d.throughput;
  box.replaceChildren(t, el('p', {}, `throughput ${tp.req_per_s.toFixed(2)} req/s, ${tp.output_tok_per_s.toFixed(0)} output tok/s; ` +
    `goodput ${d.goodput_req_per_s.toFixed(2)} req/s; bottleneck: `, el('b', { text: d.bottleneck }),
    ` — ${d.bottleneck_knob}`));
}

function renderParams(d) {
  setTotal('parameters', d.total_params);
  const t = $('total');
  t.replaceChildren(fmtParams(d.total_params), el('small', { text: fmtInt(d.total_params) + ' parameters' }));
  delete t.dataset.bytes;
  t.dataset.params = String(d.total_params);
  setVerdict(null, [d.active_params !== d.total_params ? `${fmtParams(d.active_params)} active per token; ` : '',
    'weights: ', ...Object.entries(d.bytes).map(([k, b], i) => (i ? ', ' : '') + `${k} ${fmtBytes(b)}`)]);
  $('bars-title').textContent = 'parameters by group';
  const groups = Object.keys(d.groups);
  const s = stackedBars([{ name: 'bf16 weights', parts: Object.fromEntries(groups.map((g) => [g, d.groups[g] * 2])), peak: true }],
                        groups, 0, '');
  /* the bar's lengths are the CLI's group counts; the axis reads bf16 bytes (2 per parameter) */
  $('bars').replaceChildren(s);
  legend(groups, d.groups);
  const tb = el('table', { class: $('show-formulas').checked ? 'formulas' : '' });
  tb.append(el('tr', {}, el('th', { text: 'tensor' }), el('th', { text: 'group' }), el('th', { text: 'shape' }),
                el('th', { class: 'num', text: 'count' }), el('th', { class: 'num', text: 'parameters' }),
                el('th', { class: 'formula', text: 'shape in symbols' })));
  for (const x of d.tensors)
    tb.append(el('tr', {}, el('td', { text: x.name }), el('td', { text: x.group }),
                 el('td', { text: (x.shape || []).join(' × ') }), el('td', { class: 'num', text: fmtInt(x.count) }),
                 el('td', { class: 'num', text: fmtInt(x.params) }), el('td', { class: 'formula', text: x.shape_symbols || '' })));
  $('table').replaceChildren(tb);
  $('fixes-card').hidden = true;
  $('serve-card').hidden = true;
}

/* ---------- curves: several CLI calls ---------- */

const pow2 = (lo, hi) => { const a = []; for (let v = lo; v <= hi; v *= 2) a.push(v); return a; };

async function memCurve(title, knob, values, base, cap, capLabel) {
  const id = 'curve-' + knob;
  const pts = [];
  for (const v of values) {
    try {
      const d = await tmemJson(setFlags(base, { [knob]: v }), dropped && dropped.files);
      pts.push([v, d.per_gpu_bytes.total]);
    } catch (e) { /* past what the CLI accepts (n_ctx, the pool): the curve stops */ }
  }
  return { title, id, chart: lineChart([{ name: 'per GPU', points: pts, color: '#3b6fd8' }],
    { log2: true, xLabel: knob, yLabel: 'GiB per GPU', yUnit: GiB, cap, capLabel, fmt: fmtBytes }) };
}

async function renderCurves(d, token) {
  const box = $('curves');
  box.replaceChildren(el('div', { class: 'muted', text: 'computing curves…' }));
  const base = argv();
  const cap = d.gpu ? d.gpu.memory_bytes : 0, capLabel = d.gpu ? d.gpu.name : '';
  const out = [];
  if (d.command === 'train') {
    out.push(await memCurve('memory vs micro-batch', 'micro-batch', pow2(1, 16), base, cap, capLabel));
    const nctx = Math.min(d.model.n_ctx || 4096, 4096);
    out.push(await memCurve('memory vs sequence', 'seq', pow2(256, nctx), base, cap, capLabel));
  } else if (d.command === 'infer') {
    const nctx = d.model.n_ctx || 4096, gen = d.settings.gen_tokens;
    out.push(await memCurve('memory vs batch', 'batch', pow2(1, 64), base, cap, capLabel));
    const ctx = pow2(256, Math.max(256, nctx - gen));
    if (ctx[ctx.length - 1] < nctx - gen) ctx.push(nctx - gen);
    out.push(await memCurve('memory vs context (prompt tokens)', 'prompt', ctx, setFlags(base, { 'max-model-len': null }), cap, capLabel));
  } else if (d.command === 'serve') {
    const sweep = state.flags.sweep || '1:20:6';
    try {
      const s = await tmemJson(setFlags(base, { rate: null, concurrency: null, 'sweep-rate': sweep }), dropped && dropped.files);
      const ser = (k, q, c) => ({ name: `${k.replace('_ms', '').toUpperCase()} ${q}`, color: c,
                                  points: s.sweep.map((p) => [p.rate_req_per_s, p.latency[k][q]]) });
      const o = { xLabel: 'request rate (req/s)', yLabel: 'ms', yUnit: 1, fmt: (v) => fmtMs(v) + ' ms' };
      out.push({ id: 'curve-ttft', title: 'TTFT vs request rate' + (s.knee_req_per_s ? ` (knee ${s.knee_req_per_s.toFixed(2)} req/s)` : ''),
                 chart: lineChart([ser('ttft_ms', 'p50', '#3b6fd8'), ser('ttft_ms', 'p99', '#c62828')], o) });
      out.push({ id: 'curve-tpot', title: 'TPOT vs request rate',
                 chart: lineChart([ser('tpot_ms', 'p50', '#2ea39b'), ser('tpot_ms', 'p99', '#e0863a')], o) });
    } catch (e) {
      out.push({ title: 'latency vs request rate', chart: el('div', { class: 'error', text: e.message }) });
    }
  }
  if (token !== runToken) return; /* a newer request replaced this one */
  box.replaceChildren(...out.map((c) => el('div', { class: 'curve', 'data-testid': 'curve', id: c.id }, el('h3', { text: c.title }), c.chart)));
  $('curves-card').hidden = out.length === 0;
  document.body.dataset.curves = String(token);
}

/* ---------- one request ---------- */

let runToken = 0;
/* <body data-run=N data-state=running|done|error data-curves=N>: which
 * request the page shows (make test-web waits on them) */
function mark(token, st) {
  document.body.dataset.run = String(token);
  document.body.dataset.state = st;
}

async function update() {
  readForm();
  writeQuery();
  const a = argv();
  $('argv').textContent = 'tmem ' + a.map(shellWord).join(' ') + ' --json';
  const token = ++runToken;
  $('busy').hidden = false;
  mark(token, 'running');
  let d;
  try {
    d = await tmemJson(a, dropped && dropped.files);
  } catch (e) {
    if (token !== runToken) return;
    showError(e.message);
    $('busy').hidden = true;
    mark(token, 'error');
    return;
  }
  if (token !== runToken) return;
  $('error').hidden = true;
  $('result').hidden = false;
  if (d.command === 'params') {
    renderParams(d);
  } else {
    renderLedger(d);
    verdictLedger(d);
    renderFixes(d);
    renderServe(d);
  }
  notes(d.notes);
  $('curves-card').hidden = d.command === 'params';
  mark(token, 'done');
  if (d.command !== 'params') await renderCurves(d, token);
  else document.body.dataset.curves = String(token);
  if (token === runToken) $('busy').hidden = true;
}

let timer = 0;
const later = () => { clearTimeout(timer); timer = setTimeout(update, 250); };

/* ---------- dropped files ---------- */

function onFiles(list) {
  const files = [...list];
  if (!files.length) return;
  /* one file: it is MODEL; several (a config.json beside its shards): their folder */
  dropped = { files, arg: files.length === 1 ? '/drop/' + files[0].name : '/drop',
              label: files.length === 1 ? files[0].name : `${files.length} files` };
  $('dropped').replaceChildren('model: ', el('b', { text: files.map((f) => f.name).join(', ') }),
    ` (${fmtBytes(files.reduce((s, f) => s + f.size, 0))}; headers only are read) `,
    el('a', { href: '#', id: 'undrop', text: 'use a preset instead' }));
  $('undrop').onclick = (e) => { e.preventDefault(); dropped = null; $('dropped').replaceChildren(); fillModels(); update(); };
  fillModels();
  update();
}

/* ---------- start ---------- */

async function start() {
  readQuery();
  buildFields();
  const drop = $('drop');
  for (const ev of ['dragenter', 'dragover']) document.addEventListener(ev, (e) => { e.preventDefault(); drop.classList.add('over'); });
  document.addEventListener('dragleave', (e) => { if (!e.relatedTarget) drop.classList.remove('over'); });
  document.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); onFiles(e.dataTransfer.files); });
  $('file').addEventListener('change', (e) => onFiles(e.target.files));
  $('form').addEventListener('input', later);
  $('form').addEventListener('change', later);
  $('form').addEventListener('submit', (e) => { e.preventDefault(); update(); });
  $('show-formulas').addEventListener('change', () => {
    for (const t of document.querySelectorAll('#table table')) t.classList.toggle('formulas', $('show-formulas').checked);
  });
  for (const b of document.querySelectorAll('#tabs button'))
    b.addEventListener('click', () => {
      readForm();
      saved[state.cmd] = state.flags; /* each command keeps its own settings */
      state.cmd = b.dataset.cmd;
      state.flags = saved[state.cmd] || {};
      buildFields();
      update();
    });
  try {
    const [m, g, v] = await Promise.all([tmemJson(['models']), tmemJson(['gpus']), tmem(['--version'])]);
    presets = m.models;
    gpus = g.gpus;
    $('version').textContent = v.stdout + ' · WebAssembly';
  } catch (e) {
    showError(e.message);
    return;
  }
  fillModels();
  fillGpus();
  document.body.dataset.ready = '1';
  await update();
}

start();
