#!/usr/bin/env bash
# Int8 ViT-B/16 (on demand, not ctest): the issue's figures for quantized transformers.
#  1. Random N(0,1) images: CALIB calibration inputs (seed 1) and VALIDATE held-out ones (seed 2026).
#  2. nestc profile on the calibration inputs; int8 bundle with per-column linear layers and the
#     residual Adds in float (--per-channel --op-precision Add=fp32; LayerNorm and attention stay
#     float), float32 bundle; both built (make).
#  3. Latency (run --repeat REPEAT, best median / min of ROUNDS interleaved rounds, THREADS threads)
#     of both bundles and of onnxruntime-node on our QDQ export of the same quantization.
#  4. Top-1 agreement of the int8 bundle with the float32 one over the VALIDATE inputs (nestc run
#     --backend cpu, the same bundles' code) and the output SQNR; the QDQ export's agreement in
#     onnxruntime with float32 too.
# Usage: scripts/bench-vit-int8.sh
# Environment: BUILD_DIR (default build), MODELS_DIR (default $BUILD_DIR/models-sequence), CALIB (16),
#   VALIDATE (500), REPEAT (10), ROUNDS (3), THREADS (1), ORT_DIR (default $BUILD_DIR/ort),
#   OUT_DIR (default $BUILD_DIR/bench-vit-int8).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${BUILD_DIR:-$root/build}" && pwd)"
models_dir="${MODELS_DIR:-$build/models-sequence}"
out="${OUT_DIR:-$build/bench-vit-int8}"
ort="${ORT_DIR:-$build/ort}"
calib="${CALIB:-16}"
validate="${VALIDATE:-500}"
repeat="${REPEAT:-10}"
rounds="${ROUNDS:-3}"
threads="${THREADS:-1}"
nestc="$build/bin/nestc"
bench_name=bench-vit-int8
min_repeat=3
# shellcheck source=scripts/bench-common.sh
. "$root/scripts/bench-common.sh"
onnx="$models_dir/vit_b_16/model.onnx"
[ -f "$onnx" ] || /usr/bin/python3 "$root/scripts/make_seed_models.py" "$models_dir" --models vit_b_16 >&2
mkdir -p "$out"
quant=(--profile "$out/vit.yaml" --per-channel --op-precision Add=fp32)

/usr/bin/python3 - "$out" "$calib" "$validate" <<'PY'
import sys
import numpy as np
out, calib, validate = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
np.save(f"{out}/calib.npy", np.random.default_rng(1).standard_normal((calib, 3, 224, 224)).astype(np.float32))
np.save(f"{out}/validate.npy", np.random.default_rng(2026).standard_normal((validate, 3, 224, 224)).astype(np.float32))
np.save(f"{out}/one.npy", np.load(f"{out}/validate.npy", mmap_mode="r")[:1])
PY
echo "== profile ($calib inputs)" >&2
"$nestc" profile "$onnx" --input "$out/calib.npy" -o "$out/vit.yaml" >"$out/profile.log" 2>&1 ||
  { echo "$bench_name: nestc profile failed (see $out/profile.log)" >&2; exit 1; }
echo "== bundles" >&2
rm -rf "$out/int8" "$out/f32"
"$nestc" compile "$onnx" --target cpu "${quant[@]}" -o "$out/int8" >"$out/int8.compile.log" 2>&1 &&
  "$nestc" compile "$onnx" --target cpu -o "$out/f32" >"$out/f32.compile.log" 2>&1 &&
  "$nestc" quantize "$onnx" "${quant[@]}" -o "$out/vit.qdq.onnx" >"$out/qdq.log" 2>&1 ||
  { echo "$bench_name: nestc compile / quantize failed (see $out/*.log)" >&2; exit 1; }
make -C "$out/int8" >"$out/int8.make.log" 2>&1 && make -C "$out/f32" >"$out/f32.make.log" 2>&1 ||
  { echo "$bench_name: make failed (see $out/*.make.log)" >&2; exit 1; }

echo "== latency" >&2
im=""; in_=""; fm=""; fn=""; om=""; on=""
for ((r = 0; r < rounds; ++r)); do
  i8=$("$out/int8/run" --input "$out/one.npy" --repeat "$repeat" --threads "$threads" | tail -n 1)
  f32=$("$out/f32/run" --input "$out/one.npy" --repeat "$repeat" --threads "$threads" | tail -n 1)
  q=$(ORT_NODE_DIR="$ort/node_modules/onnxruntime-node" node "$root/scripts/ort_bench.js" "$out/vit.qdq.onnx" \
    --repeat "$repeat" --threads "$threads" | tail -n 1)
  im=$(best "$im" "$(echo "$i8" | field median)"); in_=$(best "$in_" "$(echo "$i8" | field min)")
  fm=$(best "$fm" "$(echo "$f32" | field median)"); fn=$(best "$fn" "$(echo "$f32" | field min)")
  om=$(best "$om" "$(echo "$q" | field median)"); on=$(best "$on" "$(echo "$q" | field min)")
done

echo "== agreement ($validate inputs)" >&2
"$nestc" run "$onnx" --backend cpu --input "$out/validate.npy" --output-dir "$out/f32.out" --format npy >"$out/f32.run.log" 2>&1
"$nestc" run "$onnx" --backend cpu "${quant[@]}" --input "$out/validate.npy" --output-dir "$out/int8.out" --format npy \
  >"$out/int8.run.log" 2>&1
ort_agree=$(ORT_NODE_DIR="$ort/node_modules/onnxruntime-node" node "$root/scripts/ort_qdq_agreement.js" \
  "$out/vit.qdq.onnx" "$out/validate.npy" "$out/f32.out/output_0.npy" --min 0 | grep -o '[0-9.]*% ([0-9]* of [0-9]*' || true)

echo
echo "ViT-B/16, $threads thread(s), best of $rounds rounds of $repeat runs (ms)"
printf '%-34s %10s %10s\n' "" median min
printf '%-34s %10.1f %10.1f\n' "float32 bundle" "$fm" "$fn"
printf '%-34s %10.1f %10.1f\n' "int8 bundle" "$im" "$in_"
printf '%-34s %10.1f %10.1f\n' "onnxruntime on our QDQ export" "$om" "$on"
echo "int8 speed-up over float32 (medians): $(printf '%.2f' "$(echo "$fm / $im" | bc -l)")x;" \
  "int8 / onnxruntime int8: $(printf '%.2f' "$(echo "$im / $om" | bc -l)")"
/usr/bin/python3 - "$out" <<'PY'
import sys
import numpy as np
out = sys.argv[1]
f = np.load(f"{out}/f32.out/output_0.npy")
q = np.load(f"{out}/int8.out/output_0.npy")
agree = int((f.argmax(1) == q.argmax(1)).sum())
sqnr = 10 * np.log10((f.astype(np.float64) ** 2).sum() / ((f.astype(np.float64) - q) ** 2).sum())
print(f"int8 bundle top-1 agreement with float32: {agree} of {len(f)} ({100.0 * agree / len(f):.1f}%), output SQNR {sqnr:.2f} dB")
PY
echo "onnxruntime on the QDQ export, top-1 agreement with our float32: ${ort_agree:-?}"
