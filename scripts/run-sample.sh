#!/bin/sh
# Set-up, build, then the main job on the bundled sample model: the workbench when a display is
# available, otherwise nestc showing the sample (info, then the optimization pass by pass).
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
sample=resources/samples/lenet5.onnx
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec build/bin/nestc-workbench "$sample"
fi
echo "(no display: showing the sample with nestc; run build/bin/nestc-workbench $sample on a desktop)"
echo
build/bin/nestc info "$sample"
echo
build/bin/nestc opt "$sample"
