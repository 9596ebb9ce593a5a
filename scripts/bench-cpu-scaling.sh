#!/usr/bin/env bash
# Thread scaling of the CPU bundles against onnxruntime-node (on demand, not ctest), with the state
# of the machine next to each figure. Every round measures the cross-core round trip of a cache
# line (build/bin/core-roundtrip) right after the bundle at 1 and at THREADS_B threads and
# onnxruntime at the same counts (run --repeat / ort_bench.js --repeat, medians), alternating which
# count runs first. One row per round, then the median of each column.
# Why the round trip: on a virtual machine the hypervisor places the vCPUs, and the placement
# changes. On the 2-vCPU machine the runtime was tuned on, the round trip moved between about 100
# and 550 ns within minutes, and ResNet-50's speed-up on 2 threads between about 1.9x and 1.55x
# with it, since each layer reads activations that the other core wrote in the layer before.
# Why the bound: the vCPUs need not be equally fast (on that machine ResNet-50 on one thread took
# 41 ms pinned to one and 43-46 ms pinned to the other). When the machine has exactly THREADS_B
# CPUs, each round also times the bundle on one thread pinned to each of them (taskset) and
# prints the speed-up that perfect sharing between threads of those speeds would give:
# ours_1 x the sum over the CPUs of 1 / (pinned time). It is measured within the round, so it is
# as noisy as the other figures and a round can beat it.
# Usage: scripts/bench-cpu-scaling.sh [MODEL...]   (default: resnet50)
# Environment: BUILD_DIR (default build; needs bin/nestc and bin/core-roundtrip), MODELS_DIR
#   (default $BUILD_DIR/models), REPEAT (default 15), ROUNDS (default 10), THREADS_B (default 2),
#   ORT_DIR (default $BUILD_DIR/ort), OUT_DIR (default $BUILD_DIR/bench-cpu-scaling).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${BUILD_DIR:-$root/build}" && pwd)"
models_dir="${MODELS_DIR:-$build/models}"
out="${OUT_DIR:-$build/bench-cpu-scaling}"
ort="${ORT_DIR:-$build/ort}"
repeat="${REPEAT:-15}"
rounds="${ROUNDS:-10}"
threads_b="${THREADS_B:-2}"
nestc="$build/bin/nestc"
roundtrip="$build/bin/core-roundtrip"
models=("$@")
[ ${#models[@]} -eq 0 ] && models=(resnet50)
if [ ! -x "$roundtrip" ]; then echo "bench-cpu-scaling: $roundtrip not built (cmake --build $build --target core-roundtrip)" >&2; exit 2; fi
if ! [ "$threads_b" -ge 2 ] 2>/dev/null; then echo "bench-cpu-scaling: THREADS_B must be a number >= 2" >&2; exit 2; fi

bench_name=bench-cpu-scaling
# shellcheck source=scripts/bench-cpu-common.sh
. "$root/scripts/bench-cpu-common.sh"
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# $1: threads; $2 (optional): the CPU to pin the run to
ours_ms() {
  local pin=()
  [ $# -gt 1 ] && pin=(taskset -c "$2")
  "${pin[@]}" "$dir/run" --input "$input" --repeat "$repeat" --threads "$1" | tail -n 1 | field median
}
# the CPUs this script may run on, one per line
mapfile -t cpus < <(taskset -pc $$ | sed 's/.*: //' | tr ',' '\n' |
  awk -F- '{ if (NF == 2) for (i = $1; i <= $2; ++i) print i; else print $1 }')
# $1: ours on one thread; prints the bound described above, or - without THREADS_B CPUs
pinned_bound() {
  if [ "${#cpus[@]}" -ne "$threads_b" ]; then echo -; return; fi
  local sum=0 c t
  for c in "${cpus[@]}"; do
    t=$(ours_ms 1 "$c")
    sum=$(echo "$sum + 1 / $t" | bc -l)
  done
  printf '%.2f' "$(echo "$1 * $sum" | bc -l)"
}
ort_ms() {
  ORT_NODE_DIR="$ort/node_modules/onnxruntime-node" node "$root/scripts/ort_bench.js" "$onnx" --repeat "$repeat" \
    --threads "$1" | tail -n 1 | field median
}

for m in "${models[@]}"; do
  onnx="$models_dir/$m/model.onnx"
  dir="$out/$m"
  rm -rf "$dir"
  echo "== $m" >&2
  "$nestc" compile "$onnx" --target cpu -o "$dir" >"$out/$m.compile.log" 2>&1 || { echo "bench-cpu-scaling: nestc compile failed for $m (see $out/$m.compile.log)" >&2; exit 1; }
  make -C "$dir" >"$out/$m.make.log" 2>&1 || { echo "bench-cpu-scaling: make failed for $m (see $out/$m.make.log)" >&2; exit 1; }
  rts=(); o1=(); ob=(); so=(); bd=(); t1=(); tb=(); st=(); rows=()
  for ((r = 0; r < rounds; ++r)); do
    echo "   round $((r + 1))/$rounds" >&2
    if ((r % 2 == 0)); then a=$(ours_ms 1); b=$(ours_ms "$threads_b"); c=$(ort_ms 1); d=$(ort_ms "$threads_b")
    else b=$(ours_ms "$threads_b"); a=$(ours_ms 1); d=$(ort_ms "$threads_b"); c=$(ort_ms 1); fi
    # the placement the round just ran on (it can change within minutes)
    rt=$("$roundtrip" 100000 | sed -n 's/.*: \([0-9]*\) ns.*/\1/p')
    bound=$(pinned_bound "$a")
    rts+=("$rt"); o1+=("$a"); ob+=("$b"); t1+=("$c"); tb+=("$d"); bd+=("$bound")
    so+=("$(echo "$a / $b" | bc -l)"); st+=("$(echo "$c / $d" | bc -l)")
    rows+=("$(printf '%5d %12s %9.2f %9.2f %8.2f %8s %9.2f %9.2f %8.2f' "$((r + 1))" "$rt" "$a" "$b" "${so[-1]}" "$bound" "$c" "$d" "${st[-1]}")")
  done
  echo
  echo "$m: speed-up from 1 to $threads_b threads, ours and onnxruntime-node, $repeat runs a figure, medians in ms ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))"
  printf '%5s %12s %9s %9s %8s %8s %9s %9s %8s\n' round roundtrip_ns ours_1 "ours_$threads_b" speedup bound ort_1 \
    "ort_$threads_b" speedup
  for row in "${rows[@]}"; do echo "$row"; done
  bound_median=-
  [ "${bd[0]}" != - ] && bound_median=$(printf '%.2f' "$(median "${bd[@]}")")
  printf '%5s %12s %9.2f %9.2f %8.2f %8s %9.2f %9.2f %8.2f\n' median "$(median "${rts[@]}")" "$(median "${o1[@]}")" \
    "$(median "${ob[@]}")" "$(median "${so[@]}")" "$bound_median" "$(median "${t1[@]}")" "$(median "${tb[@]}")" \
    "$(median "${st[@]}")"
done
