// NumPy .npy tensor files.
#include "core/npy.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return nest::fuzz::runReader([&] { nest::parseNpy(nest::fuzz::text(data, size), "fuzz.npy"); });
}
