#!/bin/sh
# Set-up, build, then the whole test suite (ctest: unit, conformance, models, CLI).
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
mkdir -p -m 0700 /tmp/nest-xdg-runtime
export XDG_RUNTIME_DIR=/tmp/nest-xdg-runtime QT_QPA_PLATFORM=offscreen
cd build
# One test per core: the suite takes about half the time of a serial run (tests share no files).
ctest --output-on-failure --timeout 900 -j "$(nproc)" "$@"
