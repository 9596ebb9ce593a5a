#!/bin/sh
# Workbench figures: launch to a drawn, navigable graph for mnist-8, ResNet-50 and generated
# 10,000- and 50,000-node models (named by scope), the longest UI-thread stall meanwhile (10 ms
# timer probe), expanding and collapsing all groups, and the app's memory with ResNet-50 and all
# its pass snapshots. Offscreen Qt; pass model paths to override.
set -eu
cd "$(dirname "$0")/.."
cmake --build build >/dev/null
/usr/bin/python3 scripts/make_seed_models.py build/models --models resnet50 >/dev/null
for n in 10 50; do
  [ -f build/bench-models/big${n}k/scoped ] && continue
  /usr/bin/python3 scripts/make_big_model.py build/bench-models/big${n}k/model.onnx --nodes ${n}000 --scoped >/dev/null
  touch build/bench-models/big${n}k/scoped
done
QT_QPA_PLATFORM=offscreen build/bin/bench_workbench "$@"
