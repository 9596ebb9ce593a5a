// Device configurations (NEST-C's YAML device list).
#include "core/device_config.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return nest::fuzz::runReader([&] { nest::parseDeviceConfigs(nest::fuzz::text(data, size), "fuzz.yaml"); });
}
