#!/usr/bin/env bash
# Int8 CPU bundle figures (on demand, not ctest): for each seed model at 1x3x224x224, profile it on
# the ImageNet sample images (ImageNet preprocessing), quantize per channel and compile an int8
# bundle (`nestc compile --profile P --per-channel`) and a float32 one, build both (make) and time
# them (run --repeat N: median and min after a warm-up run, on THREADS threads) against
# onnxruntime-node on our QDQ export of the same quantization (`nestc quantize ... -o M.qdq.onnx`)
# with THREADS intra-op threads (same warm-up and repeats). Best median / min over ROUNDS rounds,
# the runs interleaved so machine load hits all alike. Ratios: ours int8 / onnxruntime int8 and
# ours int8 / ours float32 (of medians). Also checks that the int8 bundle's output equals the
# interpreter's integer graph bit for bit, and prints each int8 bundle's slowest layers
# (run --profile-layers: GOP/s against this core's measured int8 peak).
# Usage: scripts/bench-cpu-int8.sh [MODEL...]
#   (default: squeezenet1_1 resnet18 resnet50 mobilenet_v2 googlenet resnext50_32x4d)
# Environment: as scripts/bench-cpu.sh (BUILD_DIR, MODELS_DIR, REPEAT >= 15, ROUNDS, THREADS,
#   ORT_DIR, ROOFLINE_LAYERS, OUT_DIR default $BUILD_DIR/bench-cpu-int8).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${BUILD_DIR:-$root/build}" && pwd)"
models_dir="${MODELS_DIR:-$build/models}"
out="${OUT_DIR:-$build/bench-cpu-int8}"
ort="${ORT_DIR:-$build/ort}"
repeat="${REPEAT:-20}"
rounds="${ROUNDS:-3}"
threads="${THREADS:-1}"
roofline_layers="${ROOFLINE_LAYERS:-6}"
nestc="$build/bin/nestc"
images="$root/../shared/testdata/images"
preprocess="resize=256x256,crop=224x224,scale=0.00392157,mean=0.485,0.456,0.406,std=0.229,0.224,0.225"
models=("$@")
[ ${#models[@]} -eq 0 ] && models=(squeezenet1_1 resnet18 resnet50 mobilenet_v2 googlenet resnext50_32x4d)

bench_name=bench-cpu-int8
# shellcheck source=scripts/bench-cpu-common.sh
. "$root/scripts/bench-cpu-common.sh"
rows=()
roofline=""
for m in "${models[@]}"; do
  onnx="$models_dir/$m/model.onnx"
  dir="$out/$m"
  fdir="$out/$m.f32"
  rm -rf "$dir" "$fdir" "$out/$m.interp"
  echo "== $m" >&2
  "$nestc" profile "$onnx" --input "$images" --preprocess "$preprocess" -o "$out/$m.yaml" >"$out/$m.profile.log" 2>&1 ||
    { echo "bench-cpu-int8: nestc profile failed for $m (see $out/$m.profile.log)" >&2; exit 1; }
  "$nestc" compile "$onnx" --target cpu --profile "$out/$m.yaml" --per-channel -o "$dir" >"$out/$m.compile.log" 2>&1 ||
    { echo "bench-cpu-int8: nestc compile failed for $m (see $out/$m.compile.log)" >&2; exit 1; }
  "$nestc" compile "$onnx" --target cpu -o "$fdir" >"$out/$m.f32.compile.log" 2>&1 ||
    { echo "bench-cpu-int8: nestc compile (float32) failed for $m (see $out/$m.f32.compile.log)" >&2; exit 1; }
  "$nestc" quantize "$onnx" --profile "$out/$m.yaml" --per-channel -o "$out/$m.qdq.onnx" >"$out/$m.qdq.log" 2>&1 ||
    { echo "bench-cpu-int8: QDQ export failed for $m (see $out/$m.qdq.log)" >&2; exit 1; }
  for d in "$dir" "$fdir"; do
    make -C "$d" >"$d.make.log" 2>&1 || { echo "bench-cpu-int8: make failed in $d (see $d.make.log)" >&2; exit 1; }
  done
  qm=""; qn=""; fm=""; tm=""; tn=""
  for ((r = 0; r < rounds; ++r)); do
    ours=$("$dir/run" --input "$input" --output-dir "$dir/out" --repeat "$repeat" --threads "$threads" | tail -n 1)
    f32=$("$fdir/run" --input "$input" --repeat "$repeat" --threads "$threads" | tail -n 1)
    theirs=$(ORT_NODE_DIR="$ort/node_modules/onnxruntime-node" node "$root/scripts/ort_bench.js" "$out/$m.qdq.onnx" \
      --repeat "$repeat" --threads "$threads" | tail -n 1)
    qm=$(best "$qm" "$(echo "$ours" | field median)"); qn=$(best "$qn" "$(echo "$ours" | field min)")
    fm=$(best "$fm" "$(echo "$f32" | field median)")
    tm=$(best "$tm" "$(echo "$theirs" | field median)"); tn=$(best "$tn" "$(echo "$theirs" | field min)")
  done
  "$nestc" run "$onnx" --profile "$out/$m.yaml" --per-channel --input "$input" --output-dir "$out/$m.interp" --format npy \
    >"$out/$m.interp.log" 2>&1 || { echo "bench-cpu-int8: interpreter run failed for $m" >&2; exit 1; }
  same=$(/usr/bin/python3 -c "import numpy as np, sys; print('yes' if np.array_equal(np.load(sys.argv[1]), np.load(sys.argv[2])) else 'NO')" \
    "$dir/out/output_0.npy" "$out/$m.interp/output_0.npy")
  rows+=("$(printf '%-16s %9.2f %9.2f %9.2f %9.2f %9.2f %12.2f %11.2f %6s' "$m" "$qm" "$qn" "$fm" "$tm" "$tn" \
    "$(echo "$qm / $tm" | bc -l)" "$(echo "$qm / $fm" | bc -l)" "$same")")
  roofline+="
== $m (int8, $threads thread(s)): slowest $roofline_layers layers
$(sed -n "1,$((roofline_layers + 2))p" <<<"$("$dir/run" --input "$input" --repeat "$repeat" --threads "$threads" --profile-layers)")"
done
echo "$roofline"
echo
echo "Int8 CPU bundle (per-channel) vs onnxruntime-node on its QDQ export and vs our float32 bundle, $threads thread(s), $repeat runs after a warm-up, best of $rounds rounds ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))"
printf '%-16s %9s %9s %9s %9s %9s %12s %11s %6s\n' model int8_med int8_min f32_med ort_q_med ort_q_min int8/ort_int8 int8/f32 exact
for r in "${rows[@]}"; do echo "$r"; done
