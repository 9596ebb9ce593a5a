// ONNX TensorProto .pb tensor files (external data is refused: there is no folder).
#include "core/onnx_tensor.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return nest::fuzz::runReader([&] { nest::parseTensorPb(nest::fuzz::text(data, size), "fuzz.pb"); });
}
