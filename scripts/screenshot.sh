#!/bin/sh
# Renders the workbench headless to docs/images/workbench.png (the README's screenshot).
# usage: scripts/screenshot.sh [MODEL] [PASS]
set -eu
cd "$(dirname "$0")/.."
model="${1:-../shared/testdata/models/mnist-8/model.onnx}"
mkdir -p docs/images -m 0700 /tmp/nest-xdg-runtime
XDG_RUNTIME_DIR=/tmp/nest-xdg-runtime QT_QPA_PLATFORM=offscreen \
  build/bin/nestc-workbench "$model" ${2:+--pass "$2"} --screenshot docs/images/workbench.png
echo "wrote docs/images/workbench.png"
