// One node's finished program: the constants blob ([weights][accumulator vectors][micro-ops],
// each section aligned to its entry size) and the prefix that loads micro-ops and vectors on chip
// before the generated instructions.
#pragma once
#include <cstdint>
#include <vector>

#include "backends/npu/npu_lowering.h"
#include "backends/npu/program_builder.h"
#include "backends/npu/requant_plan.h"

namespace nest::npu {

struct NodeConstants {
  std::vector<uint8_t> weights;  // packed entries
  std::vector<AccVector> vectors;
};

// Alignment of the blob's start (every entry size divides it).
uint64_t constantAlignment(const vta::HwConfig& config);
uint64_t vectorsOffset(const NodeConstants& c, const vta::HwConfig& config);
// Accumulator-buffer positions of the vectors (loaded to [0, total) at program start).
std::vector<uint32_t> vectorPositions(const NodeConstants& c, const vta::HwConfig& config);
uint64_t constantBytes(const NodeConstants& c, size_t uops, const vta::HwConfig& config);

// `base`: the blob's byte address (aligned). The builder's instructions end with FINISH.
NodeProgram assembleProgram(ProgramBuilder& b, const NodeConstants& c, uint64_t base);

// Checks that every instruction encodes under the configuration (throws DoesNotFit otherwise).
void checkEncodable(const std::vector<vta::Instruction>& program, const vta::HwConfig& config);

// The program with its prefix, for costing candidates (constants at address 0).
std::vector<vta::Instruction> withPrefix(ProgramBuilder& b, const NodeConstants& c, uint64_t base);

}  // namespace nest::npu
