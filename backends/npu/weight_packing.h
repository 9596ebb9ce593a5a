// Compile-time constants in VTA's on-chip entry layouts: weights as [CO/BLOCK_OUT][CI/BLOCK_IN]
// [KH][KW] entries of BLOCK_OUT x BLOCK_IN int8 (row = output channel), accumulator vectors as
// BATCH x BLOCK_OUT int32 entries (replicated over the batch), zero-padded.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "backends/npu/requant_plan.h"
#include "backends/npu/vta/hw_config.h"
#include "backends/npu/vta/isa.h"

namespace nest::npu {

// weight(co, ci, ky, kx) of the real (unpadded) channels.
using WeightFn = std::function<int8_t(int64_t co, int64_t ci, int64_t ky, int64_t kx)>;
std::vector<uint8_t> packWeights(const WeightFn& weight, int64_t co, int64_t ci, int64_t kh, int64_t kw,
                                 const vta::HwConfig& config);
// One BLOCK_OUT x BLOCK_IN identity entry (BLOCK_IN == BLOCK_OUT).
std::vector<uint8_t> identityWeights(const vta::HwConfig& config);

// Entries of a vector: one per output-channel block, or one for a uniform vector.
int64_t accVectorEntries(const AccVector& v, const vta::HwConfig& config);
void appendAccVector(const AccVector& v, const vta::HwConfig& config, std::vector<uint8_t>& out);

std::vector<uint8_t> packUops(const std::vector<vta::Uop>& uops, const vta::HwConfig& config);

}  // namespace nest::npu
