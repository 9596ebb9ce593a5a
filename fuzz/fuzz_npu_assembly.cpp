// The NPU assembly parser; what parses is printed again (the printer must take any parsed program).
#include "backends/npu/vta/assembly.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    std::vector<std::string> comments;
    const auto program = nest::vta::parseProgram(nest::fuzz::text(data, size), &comments);
    nest::vta::formatProgram(program, comments);
  } catch (const nest::vta::AssemblyError&) {
  } catch (const nest::vta::ConfigError&) {
  }
  return 0;
}
