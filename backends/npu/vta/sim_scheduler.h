// The simulator's fetch and scheduling (internal): splits a program into the load, compute and
// store queues, runs them against the four dependency-token queues, and counts cycles. Shared by
// Simulator::run (with a datapath that executes each instruction) and estimateTiming (without).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "hw_config.h"
#include "isa.h"
#include "simulator.h"

namespace nest::vta {

// Executes one instruction functionally when the scheduler starts it.
class InstructionExecutor {
 public:
  virtual ~InstructionExecutor() = default;
  virtual void execute(int64_t index, const Instruction& insn) = 0;
};

// "LOAD INP", "STORE", "GEMM", "ALU ADD", "FINISH" (safe for out-of-range enum values).
std::string instructionLabel(const Instruction& insn);
// "instruction 12 (LOAD INP): " + message, as a SimError for that index.
[[noreturn]] void failAt(int64_t index, const Instruction& insn, const std::string& message);

// Cycles `insn` keeps its module busy under the cycle model (simulator.h).
uint64_t instructionCycles(const HwConfig& config, const Instruction& insn);

// Runs the schedule; `executor` may be null (timing only). Throws SimError for a missing or
// misplaced FINISH, a token flag the module does not have, an invalid field and a token deadlock;
// the executor's own SimErrors pass through.
RunStats scheduleProgram(const HwConfig& config, const std::vector<Instruction>& program, InstructionExecutor* executor);

}  // namespace nest::vta
