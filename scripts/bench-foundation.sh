#!/bin/sh
# Foundation figures: import and interpreter latency of the seed models, `nestc info` end to end
# on ResNet-50, and the conformance pass count. Single-threaded; medians.
set -eu
cd "$(dirname "$0")/.."
cmake --build build >/dev/null
/usr/bin/python3 scripts/make_seed_models.py build/models >/dev/null
echo "== import and reference interpreter (median of ${RUNS:-5} runs)"
build/bin/bench_foundation build/models "${RUNS:-5}"
echo
echo "== nestc info on ResNet-50, end to end (median of 5 runs)"
for i in 1 2 3 4 5 6; do
  s=$(date +%s%N); build/bin/nestc info build/models/resnet50/model.onnx >/dev/null; e=$(date +%s%N)
  [ "$i" -gt 1 ] && echo $(( (e - s) / 1000000 ))
done | sort -n | sed -n 3p | sed 's/$/ ms/'
echo
echo "== conformance"
build/bin/nestc test-data ../shared/testdata/onnx-node ../shared/testdata/onnx-pytorch-converted | tail -n 1 || true
