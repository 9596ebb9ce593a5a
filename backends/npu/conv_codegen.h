// Instruction emission for a tiled Conv / Gemm / MatMul: the steps and tiles of the pipeline
// (pipeline.h) with their LOADs, GEMMs, requantization ALU ops and STOREs.
#pragma once
#include <cstdint>
#include <vector>

#include "backends/npu/conv_tiling.h"
#include "backends/npu/program_builder.h"

namespace nest::npu {

// DRAM addresses in entry units of their memories; sram positions of the plan's vectors.
struct MacAddresses {
  uint64_t input = 0, output = 0, weights = 0;
  std::vector<uint32_t> vectors;
};

void generateMacProgram(ProgramBuilder& b, const MacSpec& spec, const MacGeometry& g, const RequantPlan& plan,
                        const MacTiling& t, const MacAddresses& at);

}  // namespace nest::npu
