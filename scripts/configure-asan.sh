#!/bin/bash
# Configures the sanitizer + fuzzer build (clang-14, ASan + UBSan, -O1) shared by scripts/sanitize.sh
# and scripts/fuzz.sh, once. ccache speeds rebuilds when it is installed; it is not required.
# usage: scripts/configure-asan.sh BUILD_DIR
set -euo pipefail
build=$1
if [ -f "$build/CMakeCache.txt" ] && grep -q '^NEST_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" &&
   grep -q '^NEST_FUZZ:BOOL=ON' "$build/CMakeCache.txt"; then
  exit 0
fi
launcher=()
if command -v ccache > /dev/null; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
  -DNEST_SANITIZE=ON -DNEST_FUZZ=ON "${launcher[@]}" > /dev/null
