#!/bin/sh
# NPU figures for ResNet-18 and ResNet-50 (seed models, random weights, power-of-two int8):
# per-layer utilization, the first layer, 3x3 convs with >= 64 channels, overall; simulated
# latency at 300 MHz with VTA's default sizes; simulator speed; compile time.
#   scripts/bench-npu.sh [BUILD_DIR]
set -eu
cd "$(dirname "$0")/.."
BUILD=${1:-build}
[ -f "$BUILD/models/resnet50/model.onnx" ] || /usr/bin/python3 scripts/make_seed_models.py "$BUILD/models" --models resnet18,resnet50
for m in resnet18 resnet50; do
  echo "== $m"
  "$BUILD/bin/bench_npu" "$BUILD/models/$m/model.onnx"
done
