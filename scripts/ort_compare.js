// Runs two ONNX models (a model and its exported version) in onnxruntime on the same input and
// prints the largest absolute and relative difference of every output (matched by position).
// Usage: node ort_compare.js REFERENCE.onnx OTHER.onnx [--shape NAME=1x3x224x224] [--input NAME=FILE.npy]
//                            [--seed N] [--rtol 1e-4] [--atol 1e-5]
// Exit status: 0 equal within tolerance (|a-b| <= atol + rtol*|a|), 1 mismatch, 2 usage/runtime error.
'use strict';
const path = require('path');

const ortDir = process.env.ORT_NODE_DIR || path.join(__dirname, '..', 'build', 'ort', 'node_modules', 'onnxruntime-node');
const ort = require(ortDir);

function usage(msg) {
  console.error(msg + '\nusage: node ort_compare.js REFERENCE.onnx OTHER.onnx [--shape NAME=DIMS] [--input NAME=FILE.npy] [--seed N] [--rtol R] [--atol A]');
  process.exit(2);
}

const args = process.argv.slice(2);
const models = [];
const shapes = {}, files = {};
let seed = 1, rtol = 1e-4, atol = 1e-5;
for (let i = 0; i < args.length; ++i) {
  const a = args[i];
  const next = () => (i + 1 < args.length ? args[++i] : usage(a + ' needs a value'));
  if (a === '--shape') { const [n, d] = next().split('='); shapes[n] = d.split('x').map(Number); }
  else if (a === '--input') { const [n, f] = next().split('='); files[n] = f; }
  else if (a === '--seed') seed = Number(next());
  else if (a === '--rtol') rtol = Number(next());
  else if (a === '--atol') atol = Number(next());
  else if (a.startsWith('--')) usage('unknown option ' + a);
  else models.push(a);
}
if (models.length !== 2) usage('expected two models');

// Small deterministic generator (mulberry32) so runs are repeatable.
function rng(s) {
  return () => {
    s |= 0; s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const { kArrays, readNpyArray } = require('./npy.js');

function readNpy(file) {
  const { type, data, shape } = readNpyArray(file);
  return new ort.Tensor(type, type === 'bool' ? Array.from(data, Boolean) : data, shape);
}

async function main() {
  const opts = { graphOptimizationLevel: 'disabled' };
  const ref = await ort.InferenceSession.create(models[0], opts);
  const other = await ort.InferenceSession.create(models[1], opts);
  const rand = rng(seed);
  const feeds = {};
  for (const meta of ref.inputMetadata) {
    const name = meta.name;
    if (files[name]) { feeds[name] = readNpy(files[name]); continue; }
    const shape = shapes[name] || meta.shape;
    if (shape.some(d => typeof d !== 'number' || d < 0))
      usage(`input '${name}' has a dynamic shape [${shape}]; give --shape ${name}=DIMS`);
    const n = shape.reduce((a, b) => a * b, 1);
    const Arr = kArrays[meta.type];
    if (!Arr) usage(`input '${name}' has type ${meta.type}; give --input ${name}=FILE.npy`);
    const data = new Arr(n);
    for (let i = 0; i < n; ++i) {
      const v = rand() * 2 - 1;
      data[i] = meta.type === 'int64' ? BigInt(Math.floor(v * 4)) : meta.type.startsWith('float') ? v : Math.floor(v * 4);
    }
    feeds[name] = new ort.Tensor(meta.type, data, shape);
  }
  const otherFeeds = {};
  other.inputNames.forEach((n, i) => { otherFeeds[n] = feeds[n] || feeds[ref.inputNames[i]]; });
  const a = await ref.run(feeds);
  const b = await other.run(otherFeeds);
  if (ref.outputNames.length !== other.outputNames.length) {
    console.log(`output counts differ: ${ref.outputNames.length} vs ${other.outputNames.length}`);
    process.exit(1);
  }
  let ok = true;
  ref.outputNames.forEach((name, k) => {
    const x = a[name], y = b[other.outputNames[k]];
    if (x.dims.join('x') !== y.dims.join('x')) {
      console.log(`${name}: shapes differ ${x.dims.join('x')} vs ${y.dims.join('x')}`);
      ok = false;
      return;
    }
    let maxAbs = 0, maxRel = 0, bad = 0;
    for (let i = 0; i < x.data.length; ++i) {
      const u = Number(x.data[i]), v = Number(y.data[i]);
      if (Number.isNaN(u) && Number.isNaN(v)) continue;
      const d = Math.abs(u - v);
      maxAbs = Math.max(maxAbs, d);
      if (u !== 0) maxRel = Math.max(maxRel, d / Math.abs(u));
      if (!(d <= atol + rtol * Math.abs(u))) ++bad;
    }
    console.log(`${name} [${x.dims.join('x')}]: max abs diff ${maxAbs.toExponential(3)}, max rel diff ` +
                `${maxRel.toExponential(3)}, ${bad} of ${x.data.length} beyond rtol ${rtol} / atol ${atol}`);
    if (bad) ok = false;
  });
  console.log(ok ? 'MATCH' : 'MISMATCH');
  process.exit(ok ? 0 : 1);
}

main().catch(e => { console.error('error: ' + e.message); process.exit(2); });
