#!/bin/sh
# Set-up, build, then the main job on the bundled sample model.
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
echo
build/bin/nestc info resources/samples/lenet5.onnx
echo
build/bin/nestc print resources/samples/lenet5.onnx
