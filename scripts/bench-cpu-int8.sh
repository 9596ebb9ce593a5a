#!/usr/bin/env bash
# Int8 CPU bundle figures (issue 5; on demand, not ctest): for each seed model at 1x3x224x224,
# profile it on the ImageNet sample images (ImageNet preprocessing), quantize per channel and
# compile an int8 bundle (`nestc compile --profile P --per-channel`), build it (make) and time it
# (run --repeat N: median and min after a warm-up run, single thread) against onnxruntime-node
# float32 with intraOpNumThreads 1 (same warm-up and repeats). Best median / min over ROUNDS
# rounds, the two runs interleaved so machine load hits both alike; ratio = ours int8 / ORT f32.
# Also checks that the bundle's output equals the interpreter's integer graph bit for bit.
# Usage: scripts/bench-cpu-int8.sh [MODEL...]      (default: resnet18 resnet50)
# Environment: as scripts/bench-cpu.sh (BUILD_DIR, MODELS_DIR, REPEAT >= 15, ROUNDS, ORT_DIR,
#   OUT_DIR default $BUILD_DIR/bench-cpu-int8).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${BUILD_DIR:-$root/build}" && pwd)"
models_dir="${MODELS_DIR:-$build/models}"
out="${OUT_DIR:-$build/bench-cpu-int8}"
ort="${ORT_DIR:-$build/ort}"
repeat="${REPEAT:-20}"
rounds="${ROUNDS:-3}"
nestc="$build/bin/nestc"
images="$root/../shared/testdata/images"
preprocess="resize=256x256,crop=224x224,scale=0.00392157,mean=0.485,0.456,0.406,std=0.229,0.224,0.225"
models=("$@")
[ ${#models[@]} -eq 0 ] && models=(resnet18 resnet50)

bench_name=bench-cpu-int8
# shellcheck source=scripts/bench-cpu-common.sh
. "$root/scripts/bench-cpu-common.sh"
rows=()
for m in "${models[@]}"; do
  onnx="$models_dir/$m/model.onnx"
  dir="$out/$m"
  rm -rf "$dir" "$out/$m.interp"
  echo "== $m" >&2
  "$nestc" profile "$onnx" --input "$images" --preprocess "$preprocess" -o "$out/$m.yaml" >"$out/$m.profile.log" 2>&1 ||
    { echo "bench-cpu-int8: nestc profile failed for $m (see $out/$m.profile.log)" >&2; exit 1; }
  "$nestc" compile "$onnx" --target cpu --profile "$out/$m.yaml" --per-channel -o "$dir" >"$out/$m.compile.log" 2>&1 ||
    { echo "bench-cpu-int8: nestc compile failed for $m (see $out/$m.compile.log)" >&2; exit 1; }
  make -C "$dir" >"$out/$m.make.log" 2>&1 || { echo "bench-cpu-int8: make failed for $m (see $out/$m.make.log)" >&2; exit 1; }
  om=""; on=""; tm=""; tn=""
  for ((r = 0; r < rounds; ++r)); do
    ours=$("$dir/run" --input "$input" --output-dir "$dir/out" --repeat "$repeat" | tail -n 1)
    theirs=$(ORT_NODE_DIR="$ort/node_modules/onnxruntime-node" node "$root/scripts/ort_bench.js" "$onnx" --repeat "$repeat" | tail -n 1)
    om=$(best "$om" "$(echo "$ours" | field median)"); on=$(best "$on" "$(echo "$ours" | field min)")
    tm=$(best "$tm" "$(echo "$theirs" | field median)"); tn=$(best "$tn" "$(echo "$theirs" | field min)")
  done
  "$nestc" run "$onnx" --profile "$out/$m.yaml" --per-channel --input "$input" --output-dir "$out/$m.interp" --format npy \
    >"$out/$m.interp.log" 2>&1 || { echo "bench-cpu-int8: interpreter run failed for $m" >&2; exit 1; }
  same=$(/usr/bin/python3 -c "import numpy as np, sys; print('yes' if np.array_equal(np.load(sys.argv[1]), np.load(sys.argv[2])) else 'NO')" \
    "$dir/out/output_0.npy" "$out/$m.interp/output_0.npy")
  weights=$(find "$dir" -maxdepth 1 -name '*.weights.bin' -printf '%s\n' | head -n 1)
  rows+=("$(printf '%-10s %12.2f %12.2f %10.2f %10.2f %8.2f %8.2f %10.1f %9s' "$m" "$om" "$on" "$tm" "$tn" \
    "$(echo "$om / $tm" | bc -l)" "$(echo "$on / $tn" | bc -l)" "$(echo "${weights:-0} / 1048576" | bc -l)" "$same")")
done
echo
echo "Int8 CPU bundle (per-channel) vs onnxruntime-node float32, single thread, $repeat runs after a warm-up, best of $rounds rounds ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))"
printf '%-10s %12s %12s %10s %10s %8s %8s %10s %9s\n' model int8_med_ms int8_min_ms ort_med ort_min ratio_med ratio_min \
  weights_MB exact
for r in "${rows[@]}"; do echo "$r"; done
