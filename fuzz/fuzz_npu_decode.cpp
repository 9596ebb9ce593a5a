// The NPU instruction decoder on 16-byte words (and the micro-op decoder on 4-byte words), under
// the default hardware configuration; a decoded program must encode again.
#include "backends/npu/vta/isa.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const nest::vta::HwConfig config;
  try {
    const auto program = nest::vta::decodeProgram(data, size - size % 16, config);
    nest::vta::encodeProgram(program, config);
  } catch (const nest::vta::ConfigError&) {
  }
  try {
    nest::vta::decodeUops(data, size - size % 4, config);
  } catch (const nest::vta::ConfigError&) {
  }
  return 0;
}
