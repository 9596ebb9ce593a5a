// Runs a (QDQ) ONNX model in onnxruntime over every row of an input .npy and compares its top-1
// (argmax of the first output per row) with reference outputs, e.g. our integer interpreter's.
// Usage: node ort_qdq_agreement.js MODEL.onnx INPUTS.npy REFERENCE.npy [--labels LABELS.npy] [--min PERCENT]
//   INPUTS: k*B x ... for a model input of B x ...; REFERENCE: the k*B rows of outputs to agree with.
// Prints the agreement (and both accuracies with --labels); exit 0 when agreement >= --min
// (default 99.5), 1 below it, 2 on usage/runtime errors.
'use strict';
const path = require('path');
const { readNpyArray } = require('./npy.js');

const ortDir = process.env.ORT_NODE_DIR || path.join(__dirname, '..', 'build', 'ort', 'node_modules', 'onnxruntime-node');
const ort = require(ortDir);

function usage(msg) {
  console.error(msg + '\nusage: node ort_qdq_agreement.js MODEL.onnx INPUTS.npy REFERENCE.npy [--labels LABELS.npy] [--min PERCENT]');
  process.exit(2);
}

const args = process.argv.slice(2);
const files = [];
let labelsFile = null, minAgreement = 99.5;
for (let i = 0; i < args.length; ++i) {
  const next = () => (i + 1 < args.length ? args[++i] : usage(args[i] + ' needs a value'));
  if (args[i] === '--labels') labelsFile = next();
  else if (args[i] === '--min') minAgreement = Number(next());
  else if (args[i].startsWith('--')) usage('unknown option ' + args[i]);
  else files.push(args[i]);
}
if (files.length !== 3) usage('expected MODEL, INPUTS and REFERENCE');

function argmax(data, offset, width) {
  let best = 0;
  for (let j = 1; j < width; ++j) if (Number(data[offset + j]) > Number(data[offset + best])) best = j;
  return best;
}

async function main() {
  const session = await ort.InferenceSession.create(files[0]);
  const inputs = readNpyArray(files[1]), reference = readNpyArray(files[2]);
  const labels = labelsFile ? readNpyArray(labelsFile) : null;
  const meta = session.inputMetadata[0];
  const batch = meta.shape && typeof meta.shape[0] === 'number' && meta.shape[0] > 0 ? meta.shape[0] : 1;
  const rows = inputs.shape[0];
  if (rows % batch) usage(`${files[1]} has ${rows} rows, not a multiple of the model's batch ${batch}`);
  const rowSize = inputs.data.length / rows;
  const width = reference.data.length / reference.shape[0];
  if (reference.shape[0] !== rows) usage(`${files[2]} has ${reference.shape[0]} rows, the inputs ${rows}`);
  let agree = 0, ortCorrect = 0, refCorrect = 0;
  for (let r = 0; r < rows; r += batch) {
    const slice = inputs.data.subarray(r * rowSize, (r + batch) * rowSize);
    const feeds = { [session.inputNames[0]]: new ort.Tensor(inputs.type, slice, [batch, ...inputs.shape.slice(1)]) };
    const out = (await session.run(feeds))[session.outputNames[0]];
    for (let b = 0; b < batch; ++b) {
      const mine = argmax(out.data, b * width, width), theirs = argmax(reference.data, (r + b) * width, width);
      agree += mine === theirs;
      if (labels) {
        const label = Number(labels.data[r + b]);
        ortCorrect += mine === label;
        refCorrect += theirs === label;
      }
    }
  }
  const pct = x => (100 * x / rows).toFixed(2) + '%';
  console.log(`top-1 agreement onnxruntime vs reference: ${pct(agree)} (${agree} of ${rows}, ${rows - agree} differ)`);
  if (labels) console.log(`accuracy: onnxruntime ${pct(ortCorrect)}, reference ${pct(refCorrect)}`);
  const ok = 100 * agree / rows >= minAgreement;
  console.log(ok ? `PASS (>= ${minAgreement}%)` : `FAIL (< ${minAgreement}%)`);
  process.exit(ok ? 0 : 1);
}

main().catch(e => { console.error('error: ' + e.message); process.exit(2); });
