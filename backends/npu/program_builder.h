// Collects one node's VTA program: instructions with their listing comments, micro-op kernels
// (deduplicated; loaded once at program start), and the ALU emission of a requantization plan.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "backends/npu/requant_plan.h"
#include "backends/npu/vta/hw_config.h"
#include "backends/npu/vta/isa.h"

namespace nest::npu {

// Thrown while generating a candidate that does not fit the hardware (micro-op buffer, fields).
struct DoesNotFit {
  std::string why;
};

class ProgramBuilder {
 public:
  ProgramBuilder(const vta::HwConfig& config, std::string nodeName) : config_(config), node_(std::move(nodeName)) {}

  const vta::HwConfig& config() const { return config_; }
  const std::string& node() const { return node_; }
  size_t size() const { return instructions_.size(); }
  vta::Instruction& at(size_t i) { return instructions_.at(i); }
  // Appends; `what` follows the node name in the comment.
  size_t emit(const vta::Instruction& insn, const std::string& what);
  // The micro-op range [begin, end) holding `uops` (shared with identical kernels).
  std::pair<uint32_t, uint32_t> kernel(const std::vector<vta::Uop>& uops);

  const std::vector<vta::Uop>& uops() const { return uops_; }
  std::vector<vta::Instruction>& instructions() { return instructions_; }
  std::vector<std::string>& comments() { return comments_; }

 private:
  const vta::HwConfig& config_;
  std::string node_;
  std::vector<vta::Instruction> instructions_;
  std::vector<std::string> comments_;
  std::vector<vta::Uop> uops_;
  std::map<std::vector<uint32_t>, uint32_t> kernels_;
};

// Where a requantization runs: an accumulator tile of `coBlocks` x `pixels` entries (dense),
// entry (co, p) at sum + co * coStride + p * pixelStride; the Sign twin at sign (same layout);
// plan vector v's entries at vectorBase[v] (+ the tile's first block for per-channel ones).
struct AccTile {
  uint32_t sum = 0, sign = 0;
  uint32_t coBlocks = 1, pixels = 1, coStride = 1, pixelStride = 1;
  uint32_t firstBlock = 0;
};
void emitRequant(ProgramBuilder& b, const RequantPlan& plan, const std::vector<uint32_t>& vectorBase, const AccTile& tile,
                 const std::string& what);

// A GEMM that zeroes `entries` accumulators from `base` on.
void emitReset(ProgramBuilder& b, uint32_t base, uint32_t entries, const std::string& what);

vta::Instruction loadInsn(vta::MemId memory, uint32_t sram, uint64_t dram, uint32_t ySize, uint32_t xSize, uint32_t xStride);
vta::Instruction storeInsn(uint32_t sram, uint64_t dram, uint32_t ySize, uint32_t xSize, uint32_t xStride);

}  // namespace nest::npu
