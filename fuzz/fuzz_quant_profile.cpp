// Calibration profiles (Glow's YAML).
#include "core/quant_profile.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return nest::fuzz::runReader([&] { nest::parseProfileYaml(nest::fuzz::text(data, size), "fuzz.yaml"); });
}
