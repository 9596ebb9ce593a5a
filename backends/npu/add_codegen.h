// Elementwise Add of two int8 values in the blocked layout (both operands and the result share
// it): each tile of entries is moved into the accumulators by a GEMM against a resident identity
// weight block, the operand with the smaller scale first and shifted left (SHR by a negative
// amount), the other accumulated on top, then requantized (requant_plan.h) and stored.
#pragma once
#include <cstdint>
#include <vector>

#include "backends/npu/node_analysis.h"
#include "backends/npu/program_builder.h"

namespace nest::npu {

struct AddAddresses {
  uint64_t a = 0, b = 0, output = 0, identity = 0;  // entry units of their memories
  std::vector<uint32_t> vectors;
};

int64_t addEntries(const AddSpec& spec, const vta::HwConfig& config);
// The largest tile (in entries) the buffers hold.
int64_t maxAddTile(const RequantPlan& plan, int64_t accConstEntries, const vta::HwConfig& config);
void generateAddProgram(ProgramBuilder& b, const AddSpec& spec, const RequantPlan& plan, int64_t tileEntries,
                        int64_t accConstEntries, const AddAddresses& at);

}  // namespace nest::npu
