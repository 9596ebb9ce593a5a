#!/bin/bash
# Seed corpora for the fuzz targets (fuzz/): BUILD/fuzz-corpus/TARGET, from ../shared/testdata (ONNX
# models and .pb tensors, NEST-C's YAML/CSV files), the checked-in regression inputs
# (tests/fuzz_regressions), seed models (NEST_SEED_MODELS, when given), text IR printed by nestc and
# NPU assembly compiled by nestc from mnist-8. Only small files (<= 64 KiB): each execution reads
# the whole input, and big models would only slow the fuzzers down.
# usage: scripts/fuzz_seeds.sh [BUILD_DIR]   (default build-asan)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-asan}
data=../shared/testdata
out=$build/fuzz-corpus
max=65536
mkdir -p "$out"

# add TARGET FILE...: copies each small file, named after its path (unique, readable).
add() {
  local target=$1 f
  shift
  mkdir -p "$out/$target"
  for f in "$@"; do
    [ -f "$f" ] || continue
    [ "$(stat -c %s "$f")" -le $max ] || continue
    cp "$f" "$out/$target/$(echo "$f" | sed 's|^\.\./shared/testdata/||; s|[^A-Za-z0-9._-]|_|g')"
  done
}

mapfile -t onnx < <(find "$data" -name '*.onnx' -size -65k | sort)
add onnx_import "${onnx[@]}"
mapfile -t onnxtxt < <(find "$data" \( -name '*.onnxtxt' -o -name '*.pbtxt' \) -size -65k | sort)
add onnx_text "${onnxtxt[@]}" tests/fuzz_regressions/*.onnxtxt
mapfile -t pb < <(find "$data" -name '*.pb' -size -65k | sort)
add tensor_pb "${pb[@]}" tests/fuzz_regressions/*.pb
mapfile -t npy < <(find "$data" -name '*.npy' -size -65k | sort)
add npy "${npy[@]}" tests/fuzz_regressions/*.npy
add quant_profile "$data"/nestc-interop/quant-profiles/*.yaml tests/fuzz_regressions/*.yaml
add device_config "$data"/nestc-interop/devices/*.yaml
add partition_plan "$data"/nestc-interop/plans/*.yaml
add op_costs "$data"/nestc-interop/op-costs/*
add text_ir tests/fuzz_regressions/*.nir
add project_file tests/fuzz_regressions/*.nestproj
if [ -n "${NEST_SEED_MODELS:-}" ] && [ -d "$NEST_SEED_MODELS" ]; then
  mapfile -t seeds < <(find "$NEST_SEED_MODELS" -name '*.onnx' -size -65k | sort)
  add onnx_import "${seeds[@]}"
fi

# A project file as the workbench writes it (the regression inputs hold only broken ones).
cat > "$out/project_file/sample.nestproj" <<'JSON'
{
  "format": "nest-project",
  "version": 1,
  "model": "model.onnx",
  "pipeline": "O1",
  "inputShapes": {"data": [1, 3, 224, 224]},
  "defaultDevice": "cpu0",
  "nodes": {"conv1": {"device": "npu0", "precision": "int8", "name": "conv1"}},
  "opTypes": {"Relu": {"precision": "float"}},
  "quantization": {"schema": "symmetric", "calibration": "minmax"}
}
JSON

# Text IR and NPU assembly from nestc, when it is built (any build folder).
nestc=""
for b in "$build" build; do
  [ -x "$b/bin/nestc" ] && { nestc=$b/bin/nestc; break; }
done
if [ -n "$nestc" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$out/text_ir" "$out/npu_assembly" "$out/npu_decode"
  for m in "$data"/models/mnist-8/model.onnx "$data"/onnx-node/test_conv_with_strides_padding/model.onnx \
           "$data"/onnx-node/test_gemm_default_no_bias/model.onnx "$data"/onnx-node/test_if/model.onnx; do
    [ -f "$m" ] || continue
    name=$(basename "$(dirname "$m")")
    "$nestc" print "$m" > "$out/text_ir/$name.nir" 2>/dev/null || rm -f "$out/text_ir/$name.nir"
  done
  m=$data/models/mnist-8
  if "$nestc" profile "$m/model.onnx" --input "$m/test_data_set_0/input_0.pb" -o "$tmp/p.yaml" > /dev/null 2>&1 &&
     "$nestc" compile "$m/model.onnx" --target npu --profile "$tmp/p.yaml" -o "$tmp/npu" > /dev/null 2>&1; then
    cp "$tmp/npu/model.npu.s" "$out/npu_assembly/mnist-8.npu.s"
    # The first 4 KiB pieces of the bundle's DRAM image (instructions, micro-ops, weights).
    split -b 4096 -a 2 "$tmp/npu/model.weights.bin" "$out/npu_decode/mnist-8.dram."
    cp "$tmp/p.yaml" "$out/quant_profile/mnist-8.yaml"
  fi
fi
for d in "$out"/*/; do echo "$(basename "$d"): $(find "$d" -type f | wc -l) seeds"; done
