#!/bin/sh
# Renders the workbench headless with ResNet-50 grouped by name scope to
# docs/images/workbench-groups.png (the README's picture): layer1, layer2 and layer4 collapsed into
# one box each (op summary and MACs), layer3 expanded into the frames of its six blocks.
set -eu
cd "$(dirname "$0")/.."
mkdir -p docs/images -m 0700 /tmp/nest-xdg-runtime
/usr/bin/python3 scripts/make_seed_models.py build/models --models resnet50 >/dev/null
XDG_RUNTIME_DIR=/tmp/nest-xdg-runtime QT_QPA_PLATFORM=offscreen \
  build/bin/nestc-workbench build/models/resnet50/model.onnx --groups /layer1/,/layer2/,/layer4/ \
  --screenshot docs/images/workbench-groups.png
echo "wrote docs/images/workbench-groups.png"
