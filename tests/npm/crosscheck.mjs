// crosscheck.mjs — compares `tmem inspect --json --tensors` of a GGUF file
// with what @huggingface/gguf (an independent parser) reads from it: the
// header counts, every metadata key with its type and value (arrays: element
// type and length), the tensor data offset, and every tensor's name, shape,
// ggml type and absolute offset. Prints one line; exits 1 on any mismatch.
//   node crosscheck.mjs FILE.gguf TMEM.json
import { gguf } from "@huggingface/gguf";
import { readFileSync } from "node:fs";

const [file, tmemJson] = process.argv.slice(2);
const t = JSON.parse(readFileSync(tmemJson, "utf8"));
const { typedMetadata, tensorInfos, tensorDataOffset } = await gguf(file, {
  allowLocalFile: true,
  typedMetadata: true,
});

// GGUFValueType → tmem's names
const TYPES = ["uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "bool",
  "string", "array", "uint64", "int64", "float64"];
const bad = [];
const same = (a, b) => (typeof a === "bigint" ? Number(a) : a) === b;

const g = t.gguf;
if (!same(typedMetadata.version.value, g.version)) bad.push(`version ${typedMetadata.version.value} vs ${g.version}`);
if (!same(typedMetadata.tensor_count.value, t.tensor_count)) bad.push("tensor_count");
if (!same(typedMetadata.kv_count.value, g.kv_count)) bad.push("kv_count");
if (!same(tensorDataOffset, g.data_offset)) bad.push(`data offset ${tensorDataOffset} vs ${g.data_offset}`);

const keys = Object.keys(typedMetadata).filter((k) => !["version", "tensor_count", "kv_count"].includes(k));
const tmemKeys = Object.keys(g.metadata);
if (keys.length !== tmemKeys.length) bad.push(`${keys.length} keys vs ${tmemKeys.length}`);
for (const k of keys) {
  const { value, type, subType } = typedMetadata[k];
  const mine = g.metadata[k];
  if (mine === undefined) { bad.push(`key ${k} missing`); continue; }
  if (TYPES[type] === "array") {
    if (mine.type !== "array" || mine.elem_type !== TYPES[subType] || mine.length !== value.length)
      bad.push(`${k}: array ${TYPES[subType]}[${value.length}] vs ${JSON.stringify(mine)}`);
  } else if (TYPES[type] === "float32" || TYPES[type] === "float64") {
    if (Math.abs(value - mine) > 1e-12 * Math.max(1, Math.abs(value))) bad.push(`${k}: ${value} vs ${mine}`);
  } else if (!same(value, mine)) {
    bad.push(`${k}: ${value} vs ${mine}`);
  }
}

if (tensorInfos.length !== t.tensors.length) bad.push(`${tensorInfos.length} tensors vs ${t.tensors.length}`);
tensorInfos.forEach((ti, i) => {
  const mine = t.tensors[i];
  if (!mine) return;
  const shape = ti.shape.map(Number);
  if (ti.name !== mine.name || ti.dtype !== mine.ggml_type ||
      JSON.stringify(shape) !== JSON.stringify(mine.shape) ||
      Number(ti.offset + tensorDataOffset) !== mine.offset)
    bad.push(`tensor ${i}: ${ti.name} ${shape} type ${ti.dtype} @${ti.offset} vs ` +
             `${mine.name} ${mine.shape} type ${mine.ggml_type} @${mine.offset}`);
});

if (bad.length) {
  console.log(`MISMATCH ${file}: ${bad.slice(0, 5).join("; ")}`);
  process.exit(1);
}
console.log(`agree: ${keys.length} metadata keys, ${tensorInfos.length} tensors, data at byte ${tensorDataOffset}`);
