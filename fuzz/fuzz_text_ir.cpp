// The text IR (.nir) parser, then the verifier it runs on the graph.
#include "core/text_ir.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return nest::fuzz::runReader([&] { nest::parseGraph(nest::fuzz::text(data, size)); });
}
