// NEST-C's per-op cost tables.
#include "backends/partition/node_costs.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return nest::fuzz::runReader([&] { nest::partition::parseOpCostTable(nest::fuzz::text(data, size), "fuzz.csv"); });
}
