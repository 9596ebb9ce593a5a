#!/bin/sh
# Partitioning figures (issue 12): for SqueezeNet, ResNet-18, ResNet-50, MobileNetV2 and GoogLeNet
# (seed models, int8 power-of-two profiled on the three sample images) on NEST-C's shared CPU+VTA
# device file: every strategy's estimated latency and partition count (nestc partition), then the
# measured (CPU parts) + simulated (NPU parts) end-to-end time of each (nestc run --backend hetero
# --stats, averaged over 4 runs of the same image: a part's first call pays for touching its
# buffers), and the partitioning time.
#   scripts/bench-partition.sh [BUILD_DIR] [DEVICES.yaml]
set -eu
cd "$(dirname "$0")/.."
BUILD=${1:-build}
DEVICES=${2:-../shared/testdata/nestc-interop/devices/cpu-vta.yaml}
NESTC="$BUILD/bin/nestc"
PRE="resize=256x256,crop=224x224,scale=0.00392157,mean=0.485,0.456,0.406,std=0.229,0.224,0.225"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
for m in squeezenet1_1 resnet18 resnet50 mobilenet_v2 googlenet; do
  model="$BUILD/models/$m/model.onnx"
  [ -f "$model" ] || /usr/bin/python3 scripts/make_seed_models.py "$BUILD/models" --models "$m"
  "$NESTC" profile "$model" --input ../shared/testdata/images --preprocess "$PRE" -o "$TMP/$m.yaml" >/dev/null 2>&1
  Q="--profile $TMP/$m.yaml --schema symmetric_power2"
  /usr/bin/python3 -c "import sys, numpy as np, onnx; from onnx import numpy_helper; t = onnx.TensorProto(); \
t.ParseFromString(open(sys.argv[1], 'rb').read()); a = numpy_helper.to_array(t); np.save(sys.argv[2], np.concatenate([a] * 4))" \
    "$BUILD/models/$m/test_data_set_0/input_0.pb" "$TMP/$m.x4.npy"
  echo "== $m"
  "$NESTC" partition "$model" --devices "$DEVICES" $Q | sed -n '1p;/^strategy/,$p'
  for s in cpu greedy nestc-dp auto; do
    printf '%-9s measured/simulated: ' "$s"
    "$NESTC" run "$model" --backend hetero --devices "$DEVICES" --strategy "$s" $Q \
      --input "$TMP/$m.x4.npy" --output-dir "$TMP/out" --stats | grep 'total_ms'
  done
done
