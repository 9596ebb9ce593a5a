// The simulator's public face: errors, statistics, DRAM allocation, run() and estimateTiming().
// The schedule lives in sim_scheduler.cpp, the functional datapath in sim_datapath.cpp.
#include "simulator.h"

#include "sim_datapath.h"
#include "sim_scheduler.h"

namespace nest::vta {

SimError::SimError(int64_t index, const std::string& what) : std::runtime_error(what), index(index) {}

double RunStats::utilization(const HwConfig& config) const {
  if (cycles == 0) return 0;
  return static_cast<double>(macs) / (static_cast<double>(cycles) * static_cast<double>(config.macsPerCycle()));
}

double RunStats::milliseconds(const HwConfig& config) const {
  return config.clockMhz > 0 ? static_cast<double>(cycles) / (config.clockMhz * 1000.0) : 0;
}

RunStats& RunStats::operator+=(const RunStats& other) {
  cycles += other.cycles;
  for (auto [mine, theirs] : {std::pair{&load, &other.load}, std::pair{&compute, &other.compute}, std::pair{&store, &other.store}}) {
    mine->instructions += theirs->instructions;
    mine->busyCycles += theirs->busyCycles;
  }
  gemmOps += other.gemmOps;
  aluOps += other.aluOps;
  macs += other.macs;
  dramBytesRead += other.dramBytesRead;
  dramBytesWritten += other.dramBytesWritten;
  return *this;
}

Simulator::Simulator(const HwConfig& config, uint64_t dramBytes) : config_(config) {
  config_.validate();
  dram_.assign(dramBytes, 0);
}

uint64_t Simulator::allocate(uint64_t bytes) {
  constexpr uint64_t kAlign = 256;
  const uint64_t size = dram_.size();
  if (bytes > size - next_)
    throw SimError(-1, "DRAM full: cannot allocate " + std::to_string(bytes) + " bytes (" + std::to_string(next_) + " of " +
                           std::to_string(size) + " bytes in use)");
  const uint64_t address = next_;
  const uint64_t end = address + bytes;
  next_ = end > size - (kAlign - 1) ? size : (end + kAlign - 1) / kAlign * kAlign;
  return address;
}

RunStats Simulator::run(const std::vector<Instruction>& program) {
  Datapath datapath(config_, dram_);
  return scheduleProgram(config_, program, &datapath);
}

RunStats estimateTiming(const HwConfig& config, const std::vector<Instruction>& program) {
  return scheduleProgram(config, program, nullptr);
}

}  // namespace nest::vta
