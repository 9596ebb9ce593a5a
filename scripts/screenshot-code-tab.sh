#!/bin/sh
# Renders the Code tab (mnist-8 compiled for the NPU, the assembly of Times212 highlighted after
# selecting the node) to docs/images/workbench-code-tab.png: the window as test_workbench_code's
# cross-link test leaves it.
set -eu
cd "$(dirname "$0")/.."
mkdir -p docs/images -m 0700 /tmp/nest-xdg-runtime
NEST_TEST_GRABS="$PWD/docs/images" XDG_RUNTIME_DIR=/tmp/nest-xdg-runtime QT_QPA_PLATFORM=offscreen \
  build/bin/test_workbench_code npuRunEqualsNestcAndCrossLinks >/dev/null
echo "wrote docs/images/workbench-code-tab.png"
