// The simulator's datapath (internal): the on-chip buffers and the functional execution of LOAD,
// STORE, GEMM and ALU against DRAM, each instruction's whole extent bounds-checked first.
#pragma once
#include <cstdint>
#include <vector>

#include "hw_config.h"
#include "isa.h"
#include "sim_scheduler.h"

namespace nest::vta {

class Datapath final : public InstructionExecutor {
 public:
  // Zeroed buffers for `config`; `dram` is read and written in place.
  Datapath(const HwConfig& config, std::vector<uint8_t>& dram);
  void execute(int64_t index, const Instruction& insn) override;

 private:
  void load(int64_t index, const Instruction& insn);
  void store(int64_t index, const Instruction& insn);
  void gemm(int64_t index, const Instruction& insn);
  void alu(int64_t index, const Instruction& insn);
  // Throws unless DRAM bytes of the 2-D transfer (ySize rows of xSize entries of `entryBytes`)
  // lie inside DRAM.
  void checkDram(int64_t index, const Instruction& insn, uint64_t entryBytes) const;
  // Throws unless the micro-op range lies inside the micro-op buffer.
  void checkUopRange(int64_t index, const Instruction& insn) const;

  const HwConfig& config_;
  std::vector<uint8_t>& dram_;
  int batch_, blockIn_, blockOut_;
  std::vector<Uop> uop_;
  // Inputs and weights are kept widened to int16 (same values) so the GEMM kernel vectorizes.
  std::vector<int16_t> inp_;  // [inpDepth][BATCH][BLOCK_IN]
  std::vector<int16_t> wgt_;  // [wgtDepth][BLOCK_OUT][BLOCK_IN]
  std::vector<int32_t> acc_;  // [accDepth][BATCH][BLOCK_OUT]
};

}  // namespace nest::vta
