// The NPU simulator: VTA's three modules (load, compute, store) executing one instruction stream,
// bit-exact, with a cycle model. Standalone C++17; the C driver API (npu_driver.h) wraps it.
//
// Cycle model (docs/npu-isa.md):
//   - the fetch stage splits the program into the three modules' queues in program order; each
//     module runs its queue in order and waits only on the dependency tokens it pops;
//   - a token pushed at the end of cycle t can be popped by an instruction starting at t;
//   - LOAD / STORE: dramLatencyCycles + ceil(DRAM bytes / dramBytesPerCycle); padding is free;
//   - GEMM: one cycle per micro-op iteration (one BATCH x BLOCK_IN x BLOCK_OUT operation, a reset
//     included); ALU: one cycle per micro-op iteration; FINISH: one cycle;
//   - the scheduler repeatedly starts, among the modules whose head instruction has every token
//     it pops, the one with the earliest start = max(module free, popped tokens' timestamps)
//     (ties: load, compute, store); pushes carry the instruction's end;
//   - the program must end with its only FINISH; total cycles = the latest end of any instruction
//     (FINISH's end unless a STORE it does not wait for is still running).
// ALU semantics beyond VTA's: SHR by b >= 32 acts as >> 31 (the sign), by b <= -32 gives 0; ADD
// and MUL wrap (low 32 bits). STORE keeps each int32 lane's low 8 bits.
// Implementation: sim_scheduler.* (fetch, tokens, cycles), sim_datapath.* (buffers and
// execution), sim_gemm_kernel.h (the GEMM inner kernel).
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "hw_config.h"
#include "isa.h"

namespace nest::vta {

// A program error: "instruction 12 (LOAD INP): sram range [2040, 2058) exceeds the input buffer
// (2048 entries)". index is the instruction's position in the program (-1: not tied to one, e.g.
// a missing FINISH).
struct SimError : std::runtime_error {
  SimError(int64_t index, const std::string& what);
  int64_t index;
};

struct ModuleStats {
  uint64_t instructions = 0;
  uint64_t busyCycles = 0;  // cycles spent executing (not waiting on tokens)
};

struct RunStats {
  uint64_t cycles = 0;
  ModuleStats load, compute, store;
  uint64_t gemmOps = 0;   // GEMM micro-op iterations that multiply (resets excluded)
  uint64_t aluOps = 0;    // ALU micro-op iterations
  uint64_t macs = 0;      // gemmOps x BATCH x BLOCK_IN x BLOCK_OUT
  uint64_t dramBytesRead = 0, dramBytesWritten = 0;
  // macs / (cycles x BATCH x BLOCK_IN x BLOCK_OUT); 0 for an empty run.
  double utilization(const HwConfig& config) const;
  double milliseconds(const HwConfig& config) const;  // cycles at the configured clock
  RunStats& operator+=(const RunStats& other);         // sums (for a whole model)
};

class Simulator {
 public:
  // DRAM of `dramBytes` bytes (zeroed). Throws ConfigError when `config` is invalid.
  Simulator(const HwConfig& config, uint64_t dramBytes);

  const HwConfig& config() const { return config_; }
  uint8_t* dram() { return dram_.data(); }
  uint64_t dramSize() const { return dram_.size(); }
  // A region of DRAM, aligned to 256 bytes (every entry size divides it); throws SimError(-1)
  // when DRAM is full. freeAll() releases every region.
  uint64_t allocate(uint64_t bytes);
  void freeAll() { next_ = 0; }

  // Runs `program` until its FINISH. Functional: the buffers and DRAM change as the hardware's
  // would. Throws SimError with the instruction index on a buffer overrun, a DRAM address out of
  // range, a token deadlock (every module waiting), a missing FINISH or an invalid field. The
  // on-chip buffers start zeroed on every run.
  RunStats run(const std::vector<Instruction>& program);

 private:
  HwConfig config_;
  std::vector<uint8_t> dram_;
  uint64_t next_ = 0;
};

// The cycle model alone, without data: what run() would report for `program` (no DRAM range
// checks). The compiler's cost model.
RunStats estimateTiming(const HwConfig& config, const std::vector<Instruction>& program);

}  // namespace nest::vta
