// Project files (.nestproj JSON), with the per-node assignments and quantization settings they hold.
#include "core/assignment.h"
#include "core/project_file.h"
#include "core/quant_config.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return nest::fuzz::runReader([&] {
    const nest::ProjectFile p = nest::parseProjectFile(nest::fuzz::text(data, size), "fuzz.nestproj");
    nest::assignmentsOf(p, "fuzz.nestproj");
    nest::quantConfigOf(p, "fuzz.nestproj");
  });
}
