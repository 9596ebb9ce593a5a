// Times one ONNX model in onnxruntime (node), on --threads intra-op threads (default 1): one warm-up run, then N timed runs
// on a deterministic random input; the last line is "latency_ms median=X min=Y runs=N", the same
// format as a CPU bundle's `run --repeat N`.
// Models with several or non-float inputs (token ids, masks) take them from .npy files instead:
// --input NAME=FILE.npy, once per graph input.
// --profile-layers: onnxruntime's profiler over the timed runs, then one line per node, slowest first:
// the node's mean time over the timed runs in ms, its op type and name (the same figure as a
// bundle's `run --profile-layers`, to find the layers that fall behind; scripts/compare-layers.py
// --ort sets the two side by side).
// Usage: node ort_bench.js MODEL.onnx [--shape 1x3x224x224 | --input NAME=FILE.npy ...] [--repeat 20] [--threads 1]
//                                     [--profile-layers]
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { readNpyArray } = require('./npy.js');

const ortDir = process.env.ORT_NODE_DIR || path.join(__dirname, '..', 'build', 'ort', 'node_modules', 'onnxruntime-node');
const ort = require(ortDir);

function usage(msg) {
  console.error(msg + '\nusage: node ort_bench.js MODEL.onnx [--shape DIMS] [--repeat N] [--threads N] [--profile-layers]');
  process.exit(2);
}

const args = process.argv.slice(2);
let model = null, shape = [1, 3, 224, 224], repeat = 20, threads = 1, profileLayers = false;
const inputFiles = {};
for (let i = 0; i < args.length; ++i) {
  const a = args[i];
  const next = () => (i + 1 < args.length ? args[++i] : usage(a + ' needs a value'));
  if (a === '--shape') shape = next().split('x').map(Number);
  else if (a === '--repeat') repeat = Number(next());
  else if (a === '--threads') threads = Number(next());
  else if (a === '--profile-layers') profileLayers = true;
  else if (a === '--input') {
    const v = next(), eq = v.indexOf('=');
    if (eq <= 0) usage('--input needs NAME=FILE.npy');
    inputFiles[v.slice(0, eq)] = v.slice(eq + 1);
  }
  else if (a.startsWith('--')) usage('unknown option ' + a);
  else if (model === null) model = a;
  else usage('expected one model');
}
if (model === null) usage('expected a model');
if (!(repeat >= 1) || !(threads >= 1) || shape.some((d) => !(d >= 1))) usage('--repeat, --threads and --shape need positive numbers');

// Each node's mean kernel time (ms) over the last `runs` profiled runs (the profile also holds the
// warm-up), slowest first.
function printLayerMeans(profileFile, runs) {
  const events = JSON.parse(fs.readFileSync(profileFile, 'utf8'));
  const times = new Map();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const name = e.name.slice(0, -'_kernel_time'.length);
    if (!times.has(name)) times.set(name, { ms: [], op: (e.args && e.args.op_name) || '?' });
    times.get(name).ms.push(e.dur / 1000);
  }
  const rows = [...times.entries()].map(([name, t]) => {
    const timed = t.ms.slice(-runs);
    return [name, { ms: timed.reduce((a, b) => a + b, 0) / timed.length, op: t.op }];
  }).sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((t, r) => t + r[1].ms, 0);
  console.log(`layers ${rows.length} sum_ms=${total.toFixed(3)}`);
  for (const [name, r] of rows) console.log(`${r.ms.toFixed(3).padStart(9)}  ${r.op.padEnd(22)} ${name}`);
}

async function main() {
  const profileDir = profileLayers ? fs.mkdtempSync(path.join(os.tmpdir(), 'ort-profile-')) : null;
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
    ...(profileLayers ? { enableProfiling: true, profileFilePrefix: path.join(profileDir, 'ort') } : {}),
  });
  const feeds = {};
  if (Object.keys(inputFiles).length) {
    for (const name of session.inputNames) {
      if (!inputFiles[name]) throw new Error(`input '${name}' needs --input ${name}=FILE.npy`);
      const a = readNpyArray(inputFiles[name]);
      feeds[name] = new ort.Tensor(a.type, a.data, a.shape);
    }
  } else {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    let s = 12345;
    for (let i = 0; i < n; ++i) { s = (s * 1103515245 + 12345) >>> 0; data[i] = (s / 4294967296) * 2 - 1; }
    feeds[session.inputNames[0]] = new ort.Tensor('float32', data, shape);
  }
  await session.run(feeds); // warm-up
  const t = [];
  for (let r = 0; r < repeat; ++r) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    t.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  t.sort((a, b) => a - b);
  const median = repeat % 2 ? t[(repeat - 1) / 2] : 0.5 * (t[repeat / 2 - 1] + t[repeat / 2]);
  if (profileLayers) {
    session.endProfiling();
    const files = fs.readdirSync(profileDir).filter((f) => f.endsWith('.json'));
    if (files.length !== 1) throw new Error(`expected one profile in ${profileDir}, found ${files.length}`);
    printLayerMeans(path.join(profileDir, files[0]), repeat);
    fs.rmSync(profileDir, { recursive: true });
  }
  console.log(`latency_ms median=${median.toFixed(3)} min=${t[0].toFixed(3)} runs=${repeat}`);
}
main().catch((e) => { console.error('ort_bench: ' + e.message); process.exit(2); });
