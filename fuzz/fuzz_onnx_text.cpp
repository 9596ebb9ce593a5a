// ONNX models in protobuf text format (.onnxtxt) through the whole import.
#include "core/onnx_import.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return nest::fuzz::runReader([&] { nest::importOnnxBytes(nest::fuzz::text(data, size), nest::OnnxFormat::Text, "fuzz.onnxtxt"); });
}
