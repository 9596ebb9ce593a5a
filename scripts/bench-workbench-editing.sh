#!/bin/sh
# Workbench editing-loop figures: ResNet-50 quantized for the NPU (int8, power-of-two scales
# profiled on the sample images) with the CPU + NPU device configuration; the time from each kind
# of edit to the updated view, and the worst UI stall (10 ms timer probe). Offscreen Qt.
# Pass another project to measure that instead.
set -eu
cd "$(dirname "$0")/.."
cmake --build build --target bench_workbench_editing nestc >/dev/null
/usr/bin/python3 scripts/make_seed_models.py build/models --models resnet50 >/dev/null
mkdir -p build/bench-models
project=build/bench-models/resnet50-npu.nestproj
if [ ! -f build/bench-models/resnet50.profile.yaml ]; then
  build/bin/nestc profile build/models/resnet50/model.onnx --input ../shared/testdata/images \
    --preprocess resize=256x256,crop=224x224,scale=0.00392157,mean=0.485,0.456,0.406,std=0.229,0.224,0.225 \
    -o build/bench-models/resnet50.profile.yaml >/dev/null
fi
cat >"$project" <<JSON
{"format": "nest-project", "version": 1, "model": "../models/resnet50/model.onnx",
 "deviceConfig": "../../resources/devices/cpu-npu.yaml",
 "quantization": {"profile": "resnet50.profile.yaml", "schema": "symmetric_power2"}}
JSON
QT_QPA_PLATFORM=offscreen build/bin/bench_workbench_editing "${1:-$project}"
