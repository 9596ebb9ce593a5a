#!/usr/bin/env bash
# CPU backend figures (on demand, not ctest): for each seed model at 1x3x224x224, `nestc compile`
# time, bundle build time (make), bundle latency (run --repeat N: median and min after a warm-up
# run, on THREADS threads), onnxruntime-node latency with intraOpNumThreads THREADS (same warm-up
# and repeats), bundle size (weights file and run binary), and the ratio ours/onnxruntime of
# medians and of minimums (the minimum is the figure least disturbed by other load on the
# machine). Then the roofline report: each bundle's ROOFLINE_LAYERS slowest layers (run
# --profile-layers: ms, GFLOP/s and the share of this core's measured float32 peak).
# Usage: scripts/bench-cpu.sh [MODEL...]
#   (default: squeezenet1_1 resnet18 resnet50 mobilenet_v2 googlenet resnext50_32x4d)
# Environment: BUILD_DIR (default build; needs bin/nestc), MODELS_DIR (default $BUILD_DIR/models,
#   generated with scripts/make_seed_models.py when missing), REPEAT (default 20),
#   ROUNDS (default 3), THREADS (default 1), ROOFLINE_LAYERS (default 6),
#   ORT_DIR (default $BUILD_DIR/ort; onnxruntime-node is installed there when missing),
#   OUT_DIR (default $BUILD_DIR/bench-cpu).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${BUILD_DIR:-$root/build}" && pwd)"
models_dir="${MODELS_DIR:-$build/models}"
out="${OUT_DIR:-$build/bench-cpu}"
ort="${ORT_DIR:-$build/ort}"
repeat="${REPEAT:-20}"
rounds="${ROUNDS:-3}"
threads="${THREADS:-1}"
roofline_layers="${ROOFLINE_LAYERS:-6}"
nestc="$build/bin/nestc"
models=("$@")
[ ${#models[@]} -eq 0 ] && models=(squeezenet1_1 resnet18 resnet50 mobilenet_v2 googlenet resnext50_32x4d)

bench_name=bench-cpu
# shellcheck source=scripts/bench-cpu-common.sh
. "$root/scripts/bench-cpu-common.sh"
ms() { echo $(( ($2 - $1) / 1000000 )); }
rows=()
roofline=""
for m in "${models[@]}"; do
  onnx="$models_dir/$m/model.onnx"
  dir="$out/$m"
  rm -rf "$dir"
  echo "== $m" >&2
  t0=$(date +%s%N)
  "$nestc" compile "$onnx" --target cpu -o "$dir" >"$out/$m.compile.log" 2>&1 || { echo "bench-cpu: nestc compile failed for $m (see $out/$m.compile.log)" >&2; exit 1; }
  t1=$(date +%s%N)
  make -C "$dir" >"$out/$m.make.log" 2>&1 || { echo "bench-cpu: make failed for $m (see $out/$m.make.log)" >&2; exit 1; }
  t2=$(date +%s%N)
  om=""; on=""; tm=""; tn=""
  for ((r = 0; r < rounds; ++r)); do
    ours=$("$dir/run" --input "$input" --output-dir "$dir/out" --repeat "$repeat" --threads "$threads" | tail -n 1)
    theirs=$(ORT_NODE_DIR="$ort/node_modules/onnxruntime-node" node "$root/scripts/ort_bench.js" "$onnx" --repeat "$repeat" \
      --threads "$threads" | tail -n 1)
    om=$(best "$om" "$(echo "$ours" | field median)"); on=$(best "$on" "$(echo "$ours" | field min)")
    tm=$(best "$tm" "$(echo "$theirs" | field median)"); tn=$(best "$tn" "$(echo "$theirs" | field min)")
  done
  roofline+="
== $m (float32, $threads thread(s)): slowest $roofline_layers layers
$(sed -n "1,$((roofline_layers + 2))p" <<<"$("$dir/run" --input "$input" --repeat "$repeat" --threads "$threads" --profile-layers)")"
  weights=$(find "$dir" -maxdepth 1 -name '*.weights.bin' -printf '%s\n' | head -n 1)
  binary=$(stat -c %s "$dir/run")
  rows+=("$(printf '%-14s %9s %7s %10.2f %10.2f %10.2f %10.2f %8.2f %8.2f %9.1f %8.1f' "$m" "$(ms "$t0" "$t1")" \
    "$(ms "$t1" "$t2")" "$om" "$on" "$tm" "$tn" "$(echo "$om / $tm" | bc -l)" "$(echo "$on / $tn" | bc -l)" \
    "$(echo "${weights:-0} / 1048576" | bc -l)" "$(echo "$binary / 1024" | bc -l)")")
done
echo "$roofline"
echo
echo "CPU bundle vs onnxruntime-node, $threads thread(s), $repeat runs after a warm-up, best of $rounds rounds ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))"
printf '%-14s %9s %7s %10s %10s %10s %10s %8s %8s %9s %8s\n' model compile_ms make_ms ours_med ours_min ort_med ort_min \
  ratio_med ratio_min weights_MB run_KB
for r in "${rows[@]}"; do echo "$r"; done
