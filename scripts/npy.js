// NumPy .npy reading for the onnxruntime scripts (ort_compare.js, ort_qdq_agreement.js).
'use strict';
const fs = require('fs');

const kArrays = { float32: Float32Array, float64: Float64Array, int32: Int32Array, int64: BigInt64Array,
                  int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array, bool: Uint8Array };
const kNpy = { '<f4': 'float32', '<f8': 'float64', '<i4': 'int32', '<i8': 'int64', '|i1': 'int8', '|u1': 'uint8', '|b1': 'bool' };

// {type (onnxruntime's name), data (typed array), shape} of a C-order .npy file.
function readNpyArray(file) {
  const buf = fs.readFileSync(file);
  if (buf.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(file + ' is not a .npy file');
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map(s => s.trim()).filter(s => s).map(Number);
  if (/'fortran_order':\s*True/.test(header)) throw new Error(file + ': Fortran order is not supported');
  const type = kNpy[descr];
  if (!type) throw new Error(file + ': element type ' + descr + ' is not supported');
  const body = buf.subarray(start + hlen);
  const Arr = kArrays[type];
  return { type, data: new Arr(body.buffer.slice(body.byteOffset, body.byteOffset + body.length)), shape };
}

module.exports = { kArrays, readNpyArray };
