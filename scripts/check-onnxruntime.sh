#!/usr/bin/env bash
# Checks an exported model against its original in onnxruntime (from node).
# Usage: scripts/check-onnxruntime.sh ORIGINAL.onnx EXPORTED.onnx [ort_compare.js options...]
#   e.g. scripts/check-onnxruntime.sh model.onnx model.opt.onnx --seed 3
# Installs onnxruntime-node into $BUILD_DIR/ort (default build/ort) when it is missing. Prints
# the max abs/rel difference of each output; exits 1 on a mismatch beyond rtol 1e-4 (atol 1e-5).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
ort="$build/ort"
if [ $# -lt 2 ]; then
  sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
if [ ! -d "$ort/node_modules/onnxruntime-node" ]; then
  echo "installing onnxruntime-node into $ort" >&2
  mkdir -p "$ort"
  ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node --prefix "$ort" >&2
fi
ORT_NODE_DIR="$ort/node_modules/onnxruntime-node" exec node "$root/scripts/ort_compare.js" "$@"
