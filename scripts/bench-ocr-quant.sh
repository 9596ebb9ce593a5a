#!/usr/bin/env bash
# Int8 quantization of the PaddleOCR models, measured (issue 18; on demand, not ctest):
# docs/quantization.md, "PaddleOCR". For each model: calibrate with `nestc profile` on a
# calibration split of rendered text (nest-ocr-lines, seeded), quantize, then on a separate
# evaluation split compare the integer graph (interpreter) with fp32:
#   detector (1x3x128x480 pages): output SQNR and the IoU of the text masks (p > 0.3);
#   recognizer (1x3x48x320 lines): CTC-greedy strings, % characters the same as fp32
#     (1 - edit distance / length, over all lines) and both against the rendered truth;
#   classifier (1x3x48x192 lines, half turned 180 degrees): argmax agreement with fp32, accuracy.
# Also the node counts of the quantized graph (integer / float) and the CPU bundles' latency
# (fp32 vs int8, `run --repeat`, median, single thread).
# Usage: scripts/bench-ocr-quant.sh [nestc quantize options...]   (default: --per-channel)
# Environment: BUILD_DIR (default build), NESTC (default $BUILD_DIR/bin/nestc), OUT_DIR (default
#   $BUILD_DIR/bench-ocr-quant), OCR_MODELS_DIR (default $BUILD_DIR/ocr-models), DATA_DIR (rendered
#   data; default $OUT_DIR/data, made by $BUILD_DIR/bin/nest-ocr-lines), CALIB_PAGES (30),
#   EVAL_PAGES (30), CALIB_LINES (100), EVAL_LINES (200), REPEAT (20, latency runs; 0 skips latency),
#   DET_MIN_SQNR (unset: off): also run `nestc sensitivity --min-sqnr DET_MIN_SQNR $SENS_OPTIONS`
#   on the detector over the first SENS_PAGES (8) calibration pages (never the evaluation split) and
#   evaluate its project (the nodes it keeps wider) on the whole evaluation split, as one more row
#   "det+sens"; SENS_OPTIONS (default "--isolated") e.g. "--isolated --int16"; SENS_PROJECT: a
#   project to start from (an earlier sensitivity result: the search continues from its choice).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${BUILD_DIR:-$root/build}" && pwd)"
nestc="${NESTC:-$build/bin/nestc}"
out="${OUT_DIR:-$build/bench-ocr-quant}"
models="${OCR_MODELS_DIR:-$build/ocr-models}"
data="${DATA_DIR:-$out/data}"
calib_pages="${CALIB_PAGES:-30}" eval_pages="${EVAL_PAGES:-30}"
calib_lines="${CALIB_LINES:-100}" eval_lines="${EVAL_LINES:-200}"
repeat="${REPEAT:-20}"
qopts=("$@")
[ ${#qopts[@]} -eq 0 ] && qopts=(--per-channel)
py=/usr/bin/python3

[ -x "$nestc" ] || { echo "bench-ocr-quant: $nestc not built (cmake --build $build --target nestc)" >&2; exit 2; }
"$root/scripts/fetch-ocr-models.sh" "$models"
mkdir -p "$out"
lines=$((calib_lines + eval_lines)) pages=$((calib_pages + eval_pages))
if [ ! -f "$data/rec.npy" ]; then
  [ -x "$build/bin/nest-ocr-lines" ] || { echo "bench-ocr-quant: $build/bin/nest-ocr-lines not built" >&2; exit 2; }
  "$build/bin/nest-ocr-lines" "$data" --lines "$lines" --pages "$pages" --seed 1 >&2
fi
# The evaluation splits as their own files (nestc run takes whole tensors).
$py - "$data" "$out" "$calib_pages" "$eval_pages" "$calib_lines" "$eval_lines" <<'EOF'
import sys, numpy as np
data, out, cp, ep, cl, el = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:])
for name, skip, n in (('det', cp, ep), ('rec', cl, el), ('cls', cl, el)):
    a = np.load(f'{data}/{name}.npy', mmap_mode='r')
    if len(a) < skip + n: sys.exit(f'bench-ocr-quant: {data}/{name}.npy has {len(a)} samples, needs {skip + n}')
    np.save(f'{out}/{name}_eval.npy', np.ascontiguousarray(a[skip:skip + n]))
EOF

# model key, file, input shape, calibration samples
specs=("det ch_PP-OCRv4_det_infer.onnx 1x3x128x480 $calib_pages"
       ${DET_MIN_SQNR:+"det+sens ch_PP-OCRv4_det_infer.onnx 1x3x128x480 $calib_pages"}
       "rec ch_PP-OCRv4_rec_infer.onnx 1x3x48x320 $calib_lines"
       "cls ch_ppocr_mobile_v2.0_cls_infer.onnx 1x3x48x192 $calib_lines")
median() { sed -n 's/.*median=\([0-9.]*\).*/\1/p' | tail -n 1; }
rows=()
for s in "${specs[@]}"; do
  read -r row file shape ncal <<<"$s"
  key=${row%+sens}
  onnx="$models/$file" shp=(--input-shape "x=$shape") log="$out/$row.log"
  echo "== $row" >&2
  start=$(date +%s)
  "$nestc" profile "$onnx" "${shp[@]}" --input "$data/$key.npy" --limit "$ncal" -o "$out/$key.yaml" >"$log" 2>&1 ||
    { echo "bench-ocr-quant: nestc profile failed for $key (see $log)" >&2; exit 1; }
  qopts_row=("${qopts[@]}")
  if [ "$row" != "$key" ]; then
    # Sensitivity on the first calibration pages (held-out data stays for the evaluation); its
    # project then applies to every quantizing command.
    read -r -a sens_opts <<<"${SENS_OPTIONS:---isolated}"
    [ -n "${SENS_PROJECT:-}" ] && sens_opts+=(--project "$SENS_PROJECT")
    "$nestc" sensitivity "$onnx" "${shp[@]}" --profile "$out/$key.yaml" "${qopts[@]}" --input "$data/$key.npy" \
      --limit "${SENS_PAGES:-8}" --min-sqnr "$DET_MIN_SQNR" "${sens_opts[@]}" -o "$out/$row.nestproj" \
      >"$out/$row.sensitivity.txt" 2>>"$log" ||
      [ -f "$out/$row.nestproj" ] || { echo "bench-ocr-quant: nestc sensitivity failed (see $log)" >&2; exit 1; }
    qopts_row+=(--project "$out/$row.nestproj")
  fi
  counts=$("$nestc" quantize "$onnx" "${shp[@]}" --profile "$out/$key.yaml" "${qopts_row[@]}" -o "$out/$row.q.nir" 2>>"$log" |
           grep 'integer nodes') || { echo "bench-ocr-quant: nestc quantize failed for $key (see $log)" >&2; exit 1; }
  for v in f32 int8; do
    extra=()
    [ "$v" = int8 ] && extra=(--profile "$out/$key.yaml" "${qopts_row[@]}")
    rm -rf "$out/$row.$v"
    "$nestc" run "$onnx" "${shp[@]}" "${extra[@]}" --input "$out/${key}_eval.npy" --output-dir "$out/$row.$v" --format npy \
      >>"$log" 2>&1 || { echo "bench-ocr-quant: nestc run ($v) failed for $key (see $log)" >&2; exit 1; }
  done
  case $key in
    det) score=$($py "$root/scripts/ocr_eval.py" det "$out/$row.f32/output_0.npy" "$out/$row.int8/output_0.npy") ;;
    rec) score=$($py "$root/scripts/ocr_eval.py" rec "$models/ppocr_keys_v1.txt" "$out/rec.f32/output_0.npy" \
                   "$out/rec.int8/output_0.npy" "$data/rec.txt" "$calib_lines") ;;
    cls) score=$($py "$root/scripts/ocr_eval.py" cls "$out/cls.f32/output_0.npy" "$out/cls.int8/output_0.npy" \
                   "$data/cls_labels.npy" "$calib_lines") ;;
  esac
  lat=""
  if [ "$repeat" -gt 0 ]; then
    one="$out/${key}_one.npy"
    $py -c "import sys, numpy as np; np.save(sys.argv[2], np.load(sys.argv[1], mmap_mode='r')[:1])" "$out/${key}_eval.npy" "$one"
    for v in f32 int8; do
      extra=()
      [ "$v" = int8 ] && extra=(--profile "$out/$key.yaml" "${qopts_row[@]}")
      dir="$out/$row.bundle.$v"
      rm -rf "$dir"
      # A model the CPU backend refuses is reported (the first node it names), not fatal.
      if ! "$nestc" compile "$onnx" "${shp[@]}" "${extra[@]}" --target cpu -o "$dir" >"$dir.log" 2>&1; then
        lat+="${v}_ms=n/a ($(grep -m1 "node '" "$dir.log" | sed 's/^ *//')) "
        cat "$dir.log" >>"$log"
        continue
      fi
      make -C "$dir" >>"$log" 2>&1 || { echo "bench-ocr-quant: make failed for the $v bundle of $key (see $log)" >&2; exit 1; }
      ms=$("$dir/run" --input "$one" --output-dir "$dir/out" --repeat "$repeat" | median)
      lat+="${v}_ms=$ms "
    done
  fi
  kept=""
  [ "$row" != "$key" ] && kept="$(grep -o '^kept \(float\|int16\) ([0-9]*)' "$out/$row.sensitivity.txt" | paste -sd, -) | "
  rows+=("$row: $score | $kept$counts | ${lat}| $(($(date +%s) - start)) s")
done
echo
echo "PaddleOCR int8 (${qopts[*]}), calibration: $calib_pages pages / $calib_lines lines, evaluation: $eval_pages pages / $eval_lines lines; $("$nestc" --version | head -n 1)"
for r in "${rows[@]}"; do echo "$r"; done
