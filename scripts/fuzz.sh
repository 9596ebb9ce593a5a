#!/bin/bash
# Runs every libFuzzer target (fuzz/) for SECONDS each (default 20) on its seed corpus
# (scripts/fuzz_seeds.sh) and prints executions, coverage and crashes per target. Configures and
# builds the fuzz build (clang-14, ASan+UBSan, NEST_FUZZ) first where needed; NEST_FUZZ_BUILD_DIR
# names its folder (default build-asan, shared with scripts/sanitize.sh). Exits 1 when any target
# crashed (an escaped exception, a sanitizer report, a leak, a timeout over 10 s or more than
# 2 GiB); the crashing input's path is printed: check it into tests/fuzz_regressions (README.md,
# "Fuzzing and sanitizers").
# usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
build=${NEST_FUZZ_BUILD_DIR:-build-asan}
targets=(onnx_import onnx_text text_ir quant_profile device_config partition_plan op_costs project_file npy
         tensor_pb npu_assembly npu_decode)

scripts/configure-asan.sh "$build"
cmake --build "$build" --target "${targets[@]/#/fuzz_}"
scripts/fuzz_seeds.sh "$build" > /dev/null

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
logs=$build/fuzz-logs
crashes=$build/fuzz-crashes
mkdir -p "$logs" "$crashes"
failed=()
rows=()
for t in "${targets[@]}"; do
  log=$logs/$t.log
  rc=0
  "$build/bin/fuzz_$t" "$build/fuzz-corpus/$t" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$crashes/$t-" > "$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  # The last status line ("#N DONE cov: C ft: F ..." or the last progress line before a crash).
  status=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(echo "$status" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
  ft=$(echo "$status" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
  artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
  ncrash=0
  if [ "$rc" -ne 0 ]; then
    ncrash=1
    failed+=("$t: exit $rc, input ${artifact:-(none written)}, log $log")
  fi
  rows+=("$(printf '%-16s %12s %8s %9s %8s' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$ncrash")")
done

printf '%-16s %12s %8s %9s %8s\n' target execs cov features crashes
printf '%s\n' "${rows[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "CRASHES (${#failed[@]}):"
  printf '  %s\n' "${failed[@]}"
  exit 1
fi
echo "no crashes (${#targets[@]} targets, ${seconds} s each)"
