// Binary ONNX models (ModelProto bytes) through the whole import: parse, checks, shape inference.
#include "core/onnx_import.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return nest::fuzz::runReader([&] { nest::importOnnxBytes(nest::fuzz::text(data, size), nest::OnnxFormat::Binary, "fuzz.onnx"); });
}
