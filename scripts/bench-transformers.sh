#!/usr/bin/env bash
# Transformer and recurrent models on the CPU backend against onnxruntime (on demand, not ctest):
# for each sequence seed model (make_seed_models.py --family sequence, plus the BERT-style encoder
# at sequence 512), bundle latency (run --repeat N: median and min after a warm-up) and
# onnxruntime-node's on the same inputs (the model's test_data_set_0) with intraOpNumThreads
# THREADS, best of ROUNDS rounds, and the ratios ours / onnxruntime. Then the planned activation
# memory of the encoder at sequence 512 with attention fused (-O1) and unfused (-O1 without
# fuse-attention), and each bundle's ROOFLINE_LAYERS slowest layers.
# Usage: scripts/bench-transformers.sh [MODEL...]
#   (default: vit_b_16 bert_encoder bert_encoder_s512 lstm_lm gru)
# Environment: BUILD_DIR (default build), MODELS_DIR (default $BUILD_DIR/models-sequence; missing
#   models are generated), REPEAT (default 20), ROUNDS (default 3), THREADS (default 1),
#   ROOFLINE_LAYERS (default 4), ORT_DIR (default $BUILD_DIR/ort), OUT_DIR (default $BUILD_DIR/bench-transformers).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${BUILD_DIR:-$root/build}" && pwd)"
models_dir="${MODELS_DIR:-$build/models-sequence}"
out="${OUT_DIR:-$build/bench-transformers}"
ort="${ORT_DIR:-$build/ort}"
repeat="${REPEAT:-20}"
rounds="${ROUNDS:-3}"
threads="${THREADS:-1}"
roofline_layers="${ROOFLINE_LAYERS:-4}"
nestc="$build/bin/nestc"
models=("$@")
[ ${#models[@]} -eq 0 ] && models=(vit_b_16 bert_encoder bert_encoder_s512 lstm_lm gru)

bench_name=bench-transformers
min_repeat=5
# shellcheck source=scripts/bench-common.sh
. "$root/scripts/bench-common.sh"
for m in "${models[@]}"; do
  if [ ! -f "$models_dir/$m/model.onnx" ]; then
    /usr/bin/python3 "$root/scripts/make_seed_models.py" "$models_dir" --models "$m" >&2
  fi
done
mkdir -p "$out"

# The test-data inputs as NAME=FILE.npy (onnxruntime) and FILE.npy (the bundle, in order).
npy_inputs() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import glob, os, sys
import numpy as np
from onnx import TensorProto, numpy_helper
case, dest = sys.argv[1], sys.argv[2]
for pb in sorted(glob.glob(os.path.join(case, "test_data_set_0", "input_*.pb"))):
    t = TensorProto()
    with open(pb, "rb") as f:
        t.ParseFromString(f.read())
    path = os.path.join(dest, t.name + ".npy")
    np.save(path, numpy_helper.to_array(t))
    print(f"{t.name}={path}")
PY
}

rows=()
roofline=""
for m in "${models[@]}"; do
  onnx="$models_dir/$m/model.onnx"
  dir="$out/$m"
  rm -rf "$dir"
  mkdir -p "$dir.inputs"
  echo "== $m" >&2
  mapfile -t named < <(npy_inputs "$models_dir/$m" "$dir.inputs")
  ours_in=(); ort_in=()
  for a in "${named[@]}"; do ours_in+=(--input "${a#*=}"); ort_in+=(--input "$a"); done
  "$nestc" compile "$onnx" --target cpu -o "$dir" >"$out/$m.compile.log" 2>&1 || { echo "bench-transformers: nestc compile failed for $m (see $out/$m.compile.log)" >&2; exit 1; }
  make -C "$dir" >"$out/$m.make.log" 2>&1 || { echo "bench-transformers: make failed for $m (see $out/$m.make.log)" >&2; exit 1; }
  om=""; on=""; tm=""; tn=""
  for ((r = 0; r < rounds; ++r)); do
    ours=$("$dir/run" "${ours_in[@]}" --output-dir "$dir/out" --repeat "$repeat" --threads "$threads" | tail -n 1)
    theirs=$(ORT_NODE_DIR="$ort/node_modules/onnxruntime-node" node "$root/scripts/ort_bench.js" "$onnx" "${ort_in[@]}" \
      --repeat "$repeat" --threads "$threads" | tail -n 1)
    om=$(best "$om" "$(echo "$ours" | field median)"); on=$(best "$on" "$(echo "$ours" | field min)")
    tm=$(best "$tm" "$(echo "$theirs" | field median)"); tn=$(best "$tn" "$(echo "$theirs" | field min)")
  done
  roofline+="
== $m (float32, $threads thread(s)): slowest $roofline_layers layers
$(sed -n "1,$((roofline_layers + 2))p" <<<"$("$dir/run" "${ours_in[@]}" --repeat "$repeat" --threads "$threads" --profile-layers)")"
  rows+=("$(printf '%-18s %10.2f %10.2f %10.2f %10.2f %8.2f %8.2f' "$m" "$om" "$on" "$tm" "$tn" \
    "$(echo "$om / $tm" | bc -l)" "$(echo "$on / $tn" | bc -l)")")
done

echo
echo "CPU bundles against onnxruntime-node, float32, $threads thread(s), best of $rounds rounds of $repeat runs"
printf '%-18s %10s %10s %10s %10s %8s %8s\n' model ours_med ours_min ort_med ort_min med_x min_x
printf '%s\n' "${rows[@]}"

# Peak planned activations of the encoder at sequence 512, attention fused or not.
enc="$models_dir/bert_encoder_s512/model.onnx"
if [ -f "$enc" ]; then
  unfused="eliminate-noops,fold-shape-computations,constant-fold,dce,fuse-hardswish,fuse-swish,fuse-gelu,fuse-layernorm"
  unfused+=",fold-batchnorm,fold-scale-bias,merge-pad,matmul-add-to-gemm,merge-reshapes,cancel-squeeze-unsqueeze"
  unfused+=",eliminate-noops,dce,cse,fuse-activations,dce"
  "$nestc" opt "$enc" --passes "$unfused" -o "$out/unfused512.nir" >/dev/null
  echo
  echo "BERT-style encoder, sequence 512, planned activations:"
  echo "  fused attention:   $("$nestc" compile "$enc" --target cpu -o "$out/fused512" | sed -n 's/.*activations \([0-9.]* MB\) planned.*/\1/p')"
  echo "  unfused attention: $("$nestc" compile "$out/unfused512.nir" -O0 --target cpu -o "$out/unfused512" | sed -n 's/.*activations \([0-9.]* MB\) planned.*/\1/p')"
fi
echo "$roofline"
