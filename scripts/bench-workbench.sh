#!/bin/sh
# Workbench figures: launch to a drawn, navigable graph for mnist-8, ResNet-50 and a generated
# 10,000-node model, the longest UI-thread stall meanwhile (10 ms timer probe), and the app's
# memory with ResNet-50 and all its pass snapshots. Offscreen Qt; pass model paths to override.
set -eu
cd "$(dirname "$0")/.."
cmake --build build >/dev/null
/usr/bin/python3 scripts/make_seed_models.py build/models --models resnet50 >/dev/null
[ -f build/bench-models/big10k/model.onnx ] || /usr/bin/python3 scripts/make_big_model.py build/bench-models/big10k/model.onnx >/dev/null
QT_QPA_PLATFORM=offscreen build/bin/bench_workbench "$@"
