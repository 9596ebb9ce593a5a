// The three-module schedule and the cycle model (see simulator.h for the model).
#include "sim_scheduler.h"

#include <algorithm>
#include <array>
#include <deque>

namespace nest::vta {

namespace {

// The four token queues between the modules, each a FIFO of push timestamps.
enum Token { LoadToCompute = 0, ComputeToLoad = 1, ComputeToStore = 2, StoreToCompute = 3 };
constexpr const char* kTokenNames[] = {"load->compute", "compute->load", "compute->store", "store->compute"};
constexpr Module kProducer[] = {Module::Load, Module::Compute, Module::Compute, Module::Store};

bool validOpcode(Opcode op) { return static_cast<uint8_t>(op) <= static_cast<uint8_t>(Opcode::Alu); }
bool validMemory(MemId m) { return static_cast<uint8_t>(m) <= static_cast<uint8_t>(MemId::Out); }
bool validAluOp(AluOp op) { return static_cast<uint8_t>(op) <= static_cast<uint8_t>(AluOp::Mul); }

struct TokenUse {
  std::array<int, 2> pops{-1, -1};
  std::array<int, 2> pushes{-1, -1};
};

// Which token queues `insn` pops and pushes on module `m`; a flag the module does not have is an
// error (the load module has no previous module, the store module no next one).
TokenUse tokenUse(int64_t index, const Instruction& insn, Module m) {
  TokenUse use;
  switch (m) {
    case Module::Load:
      if (insn.popPrev || insn.pushPrev)
        failAt(index, insn, std::string("the load module has no previous module (") + (insn.popPrev ? "pop_prev" : "push_prev") + ")");
      if (insn.popNext) use.pops[0] = ComputeToLoad;
      if (insn.pushNext) use.pushes[0] = LoadToCompute;
      break;
    case Module::Compute:
      if (insn.popPrev) use.pops[0] = LoadToCompute;
      if (insn.popNext) use.pops[1] = StoreToCompute;
      if (insn.pushPrev) use.pushes[0] = ComputeToLoad;
      if (insn.pushNext) use.pushes[1] = ComputeToStore;
      break;
    case Module::Store:
      if (insn.popNext || insn.pushNext)
        failAt(index, insn, std::string("the store module has no next module (") + (insn.popNext ? "pop_next" : "push_next") + ")");
      if (insn.popPrev) use.pops[0] = ComputeToStore;
      if (insn.pushPrev) use.pushes[0] = StoreToCompute;
      break;
  }
  return use;
}

void checkFields(int64_t index, const Instruction& insn) {
  if (!validOpcode(insn.opcode)) failAt(index, insn, "invalid opcode " + std::to_string(static_cast<int>(insn.opcode)));
  if (insn.opcode == Opcode::Load && (!validMemory(insn.memory) || insn.memory == MemId::Out))
    failAt(index, insn, "a LOAD cannot target memory " + std::to_string(static_cast<int>(insn.memory)));
  if (insn.opcode == Opcode::Alu && !validAluOp(insn.aluOp))
    failAt(index, insn, "invalid ALU op " + std::to_string(static_cast<int>(insn.aluOp)));
}

// Exactly one FINISH, the last instruction.
void checkFinish(const std::vector<Instruction>& program) {
  if (program.empty()) throw SimError(-1, "the program is empty (it must end with FINISH)");
  for (size_t i = 0; i + 1 < program.size(); ++i)
    if (program[i].opcode == Opcode::Finish)
      failAt(static_cast<int64_t>(i), program[i], "FINISH before the end of the program (only the last instruction may be FINISH)");
  const Instruction& last = program.back();
  if (last.opcode != Opcode::Finish)
    throw SimError(-1, "missing FINISH: the last instruction (" + std::to_string(program.size() - 1) + ", " + instructionLabel(last) + ") is not FINISH");
}

uint64_t entryBytes(const HwConfig& config, MemId memory) {
  switch (memory) {
    case MemId::Uop: return static_cast<uint64_t>(config.uopBytes());
    case MemId::Wgt: return static_cast<uint64_t>(config.wgtEntryBytes());
    case MemId::Inp: return static_cast<uint64_t>(config.inpEntryBytes());
    case MemId::Acc: return static_cast<uint64_t>(config.accEntryBytes());
    case MemId::Out: return static_cast<uint64_t>(config.outEntryBytes());
  }
  return 0;
}

uint64_t transferBytes(const HwConfig& config, const Instruction& insn) {
  const uint64_t entries = uint64_t{insn.ySize} * insn.xSize;
  return entries * entryBytes(config, insn.opcode == Opcode::Store ? MemId::Out : insn.memory);
}

uint64_t microOpIterations(const Instruction& insn) {
  const uint64_t uops = insn.uopEnd > insn.uopBegin ? insn.uopEnd - insn.uopBegin : 0;
  return uops * insn.iterOut * insn.iterIn;
}

}  // namespace

std::string instructionLabel(const Instruction& insn) {
  if (!validOpcode(insn.opcode)) return "opcode " + std::to_string(static_cast<int>(insn.opcode));
  std::string label = opcodeName(insn.opcode);
  if (insn.opcode == Opcode::Load)
    label += std::string(" ") + (validMemory(insn.memory) ? memIdName(insn.memory) : "?");
  if (insn.opcode == Opcode::Alu) label += std::string(" ") + (validAluOp(insn.aluOp) ? aluOpName(insn.aluOp) : "?");
  return label;
}

void failAt(int64_t index, const Instruction& insn, const std::string& message) {
  throw SimError(index, "instruction " + std::to_string(index) + " (" + instructionLabel(insn) + "): " + message);
}

uint64_t instructionCycles(const HwConfig& config, const Instruction& insn) {
  switch (insn.opcode) {
    case Opcode::Load:
    case Opcode::Store: {
      const uint64_t perCycle = static_cast<uint64_t>(std::max(config.dramBytesPerCycle, 1));
      return static_cast<uint64_t>(std::max(config.dramLatencyCycles, 0)) + (transferBytes(config, insn) + perCycle - 1) / perCycle;
    }
    case Opcode::Gemm:
    case Opcode::Alu: return microOpIterations(insn);
    case Opcode::Finish: return 1;
  }
  return 0;
}

RunStats scheduleProgram(const HwConfig& config, const std::vector<Instruction>& program, InstructionExecutor* executor) {
  for (size_t i = 0; i < program.size(); ++i) checkFields(static_cast<int64_t>(i), program[i]);
  checkFinish(program);

  // Fetch: each module's queue in program order, with its token use resolved once.
  struct Queued {
    uint32_t index;
    TokenUse tokens;
  };
  std::array<std::vector<Queued>, 3> queues;
  for (size_t i = 0; i < program.size(); ++i) {
    const Module m = moduleOf(program[i]);
    queues[static_cast<int>(m)].push_back({static_cast<uint32_t>(i), tokenUse(static_cast<int64_t>(i), program[i], m)});
  }

  std::array<std::deque<uint64_t>, 4> tokens;
  std::array<size_t, 3> head{};
  std::array<uint64_t, 3> freeAt{};
  RunStats stats;
  for (;;) {
    // The module that can start earliest (ties: load, compute, store).
    int best = -1;
    uint64_t bestStart = 0;
    bool remaining = false;
    for (int m = 0; m < 3; ++m) {
      if (head[m] == queues[m].size()) continue;
      remaining = true;
      const Queued& q = queues[m][head[m]];
      uint64_t start = freeAt[m];
      bool ready = true;
      for (int t : q.tokens.pops) {
        if (t < 0) continue;
        if (tokens[t].empty()) {
          ready = false;
          break;
        }
        start = std::max(start, tokens[t].front());
      }
      if (ready && (best < 0 || start < bestStart)) {
        best = m;
        bestStart = start;
      }
    }
    if (!remaining) break;
    if (best < 0) {
      // Every module with work left waits on an empty token queue.
      std::string message = "token deadlock:";
      int64_t first = -1;
      for (int m = 0; m < 3; ++m) {
        if (head[m] == queues[m].size()) continue;
        const Queued& q = queues[m][head[m]];
        for (int t : q.tokens.pops) {
          if (t < 0 || !tokens[t].empty()) continue;
          const int producer = static_cast<int>(kProducer[t]);
          message += std::string(first < 0 ? " " : "; ") + moduleName(static_cast<Module>(m)) + " waits at instruction " +
                     std::to_string(q.index) + " (" + instructionLabel(program[q.index]) + ") for a " + kTokenNames[t] + " token";
          if (head[producer] == queues[producer].size())
            message += std::string(" that nobody pushes (the ") + moduleName(static_cast<Module>(producer)) + " module has no instructions left)";
          if (first < 0 || q.index < first) first = q.index;
          break;
        }
      }
      throw SimError(first, message);
    }

    const Queued& q = queues[best][head[best]++];
    const Instruction& insn = program[q.index];
    for (int t : q.tokens.pops)
      if (t >= 0) tokens[t].pop_front();
    if (executor) executor->execute(q.index, insn);
    const uint64_t cycles = instructionCycles(config, insn);
    const uint64_t end = bestStart + cycles;
    for (int t : q.tokens.pushes)
      if (t >= 0) tokens[t].push_back(end);
    freeAt[best] = end;
    stats.cycles = std::max(stats.cycles, end);

    ModuleStats& module = best == 0 ? stats.load : best == 1 ? stats.compute : stats.store;
    ++module.instructions;
    module.busyCycles += cycles;
    switch (insn.opcode) {
      case Opcode::Load: stats.dramBytesRead += transferBytes(config, insn); break;
      case Opcode::Store: stats.dramBytesWritten += transferBytes(config, insn); break;
      case Opcode::Gemm:
        if (!insn.resetReg) stats.gemmOps += microOpIterations(insn);
        break;
      case Opcode::Alu: stats.aluOps += microOpIterations(insn); break;
      case Opcode::Finish: break;
    }
  }
  stats.macs = stats.gemmOps * static_cast<uint64_t>(config.macsPerCycle());
  return stats;
}

}  // namespace nest::vta
