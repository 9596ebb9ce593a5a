#!/usr/bin/env bash
# QDQ export check on the MNIST test set: quantizes mnist-8 (profile on the first 500 test images),
# exports it as QDQ ONNX, runs it in onnxruntime (node) over all 10,000 test images and compares its
# top-1 with our integer interpreter path (nestc run --profile). Target: >= 99.5% agreement.
# Usage: scripts/check-qdq-onnxruntime.sh [nestc quantize options, e.g. --per-channel --schema symmetric]
# Env: BUILD_DIR (default build; nestc in $BUILD_DIR/bin, onnxruntime-node in $BUILD_DIR/ort, installed
# as scripts/check-onnxruntime.sh does when missing), WORK (scratch folder, default a temp dir).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${BUILD_DIR:-$root/build}" && pwd)"
ort="$build/ort"
nestc="$build/bin/nestc"
data="$root/../shared/testdata"
model="$data/models/mnist-8/model.onnx"
work="${WORK:-$(mktemp -d)}"
mkdir -p "$work"
if [ ! -d "$ort/node_modules/onnxruntime-node" ]; then
  echo "installing onnxruntime-node into $ort" >&2
  mkdir -p "$ort"
  ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node --prefix "$ort" >&2
fi
/usr/bin/python3 - "$data/mnist" "$work" <<'PY'
import gzip, sys, numpy as np
src, out = sys.argv[1], sys.argv[2]
with gzip.open(src + "/t10k-images-idx3-ubyte.gz") as f:
    images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28).astype(np.float32)
with gzip.open(src + "/t10k-labels-idx1-ubyte.gz") as f:
    labels = np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)
np.save(out + "/images.npy", images)
np.save(out + "/labels.npy", labels)
PY
"$nestc" profile "$model" --input "$data/mnist/t10k-images-idx3-ubyte.gz" --limit 500 -o "$work/mnist.yaml" 2>/dev/null
"$nestc" quantize "$model" --profile "$work/mnist.yaml" "$@" -o "$work/mnist.qdq.onnx"
"$nestc" run "$model" --profile "$work/mnist.yaml" "$@" --input "$work/images.npy" --output-dir "$work/ours" --format npy
ORT_NODE_DIR="$ort/node_modules/onnxruntime-node" node "$root/scripts/ort_qdq_agreement.js" "$work/mnist.qdq.onnx" \
  "$work/images.npy" "$work/ours/output_0.npy" --labels "$work/labels.npy"
