#!/bin/bash
# The sanitizer suite: builds the tests listed in tests/sanitizer_tests.txt (and the nestc /
# nestc-workbench binaries they run) with AddressSanitizer + UndefinedBehaviorSanitizer (clang-14,
# -O1, build-asan/, shared with scripts/fuzz.sh) and runs them. Any sanitizer report fails its test
# (halt_on_error, abort_on_error, leaks included). Tests left out for time are listed, with the
# reason, in the same file.
# usage: [NEST_SEED_MODELS=build/models] scripts/sanitize.sh [-jN]
#   NEST_SEED_MODELS: seed models generated already (scripts/make_seed_models.py); linked into the
#   sanitizer build instead of generating them again, and so is the models-sequence folder next to
#   it (--family sequence) when it is there.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${1:--j2}
build=build-asan
start=$(date +%s)

if [ -n "${NEST_SEED_MODELS:-}" ] && [ ! -d "$NEST_SEED_MODELS" ]; then
  echo "NEST_SEED_MODELS=$NEST_SEED_MODELS is not a folder" >&2
  exit 2
fi
mapfile -t tests < <(sed -e 's/#.*//' -e 's/[[:space:]]*$//' tests/sanitizer_tests.txt | grep -v '^$')
targets=(nestc)
for t in "${tests[@]}"; do
  case $t in
    cpu_kernels_*) targets+=("cpu_kernels_test_${t#cpu_kernels_}") ;;  # the C kernels' own test programs
    test_atomic_file | test_workbench*) targets+=("$t" nestc-workbench) ;;
    *) targets+=("$t") ;;
  esac
done

scripts/configure-asan.sh "$build"
cmake --build "$build" "$jobs" --target $(printf '%s\n' "${targets[@]}" | sort -u)
built=$(date +%s)

fixture_args=()
if [ -n "${NEST_SEED_MODELS:-}" ]; then
  rm -rf "$build/models"
  ln -s "$(realpath "$NEST_SEED_MODELS")" "$build/models"
  fixture_args=(-FS seed_models)  # the models are there: skip generating them
  sequence="$(dirname "$NEST_SEED_MODELS")/models-sequence"
  if [ -d "$sequence" ]; then
    rm -rf "$build/models-sequence"
    ln -s "$(realpath "$sequence")" "$build/models-sequence"
    fixture_args=(-FS "^(seed_models|sequence_models)$")
  fi
fi

mkdir -p -m 0700 /tmp/nest-xdg-runtime
export XDG_RUNTIME_DIR=/tmp/nest-xdg-runtime QT_QPA_PLATFORM=offscreen
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan_suppressions.txt:print_suppressions=0
# QtTest's per-function watchdog (milliseconds; 5 minutes by default) is too short under the sanitizers.
export QTEST_FUNCTION_TIMEOUT=1800000
regex="^($(IFS='|'; echo "${tests[*]}"))\$"
rc=0
ctest --test-dir "$build" "$jobs" --output-on-failure -R "$regex" "${fixture_args[@]}" || rc=$?
end=$(date +%s)
echo "sanitizer suite: ${#tests[@]} tests, build $((built - start)) s, tests $((end - built)) s, exit $rc"
exit $rc
