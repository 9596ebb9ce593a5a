// Partition plans (NEST-C's YAML), then the plan's own consistency checks.
#include "core/partition_plan.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return nest::fuzz::runReader([&] { nest::planProblems(nest::parsePlan(nest::fuzz::text(data, size), "fuzz.yaml")); });
}
