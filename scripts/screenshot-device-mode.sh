#!/bin/sh
# Renders the workbench headless in device mode to docs/images/workbench-device-mode.png (the
# README's picture of the editing loop): ResNet-18 quantized for the NPU (int8, power-of-two
# scales profiled on the sample images) on the CPU + NPU device configuration, with layer2 and
# layer3 pinned to the NPU; the partition table and timeline below the graph.
set -eu
cd "$(dirname "$0")/.."
mkdir -p docs/images build/bench-models -m 0700 /tmp/nest-xdg-runtime
out=build/bench-models
/usr/bin/python3 scripts/make_seed_models.py build/models --models resnet18 >/dev/null
[ -f $out/resnet18.profile.yaml ] || build/bin/nestc profile build/models/resnet18/model.onnx \
  --input ../shared/testdata/images \
  --preprocess resize=256x256,crop=224x224,scale=0.00392157,mean=0.485,0.456,0.406,std=0.229,0.224,0.225 \
  -o $out/resnet18.profile.yaml >/dev/null
# The pins: every Conv and Add of layer2 and layer3 (keys as the project format names nodes).
/usr/bin/python3 - "$out/resnet18-npu.nestproj" <<'PY'
import json, sys
keys = [f"/layer{l}/layer{l}.{b}/{n}" for l in (2, 3) for b in (0, 1) for n in ("conv1/Conv", "conv2/Conv", "Add")]
keys += [f"/layer{l}/layer{l}.0/downsample/downsample.0/Conv" for l in (2, 3)]
project = {"format": "nest-project", "version": 1, "model": "../models/resnet18/model.onnx",
           "deviceConfig": "../../resources/devices/cpu-npu.yaml",
           "quantization": {"profile": "resnet18.profile.yaml", "schema": "symmetric_power2"},
           "nodes": {k: {"device": "NPU1"} for k in keys}}
json.dump(project, open(sys.argv[1], "w"), indent=2)
PY
XDG_RUNTIME_DIR=/tmp/nest-xdg-runtime QT_QPA_PLATFORM=offscreen \
  build/bin/nestc-workbench --project $out/resnet18-npu.nestproj --overlay device \
  --screenshot docs/images/workbench-device-mode.png
echo "wrote docs/images/workbench-device-mode.png"
