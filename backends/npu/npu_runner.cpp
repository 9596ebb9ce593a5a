#include "backends/npu/npu_runner.h"

#include <chrono>
#include <cstdio>
#include <map>
#include <set>

#include "backends/cpu/cpu_backend_entry.h"
#include "backends/npu/vta/npu_driver.h"
#include "backends/npu/vta/simulator.h"
#include "core/error.h"

namespace nest::npu {

namespace {

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

class NpuRunner final : public Runner {
 public:
  NpuRunner(const NpuModel& model, const Graph& graph)
      : model_(model), graph_(graph), sim_(model.config, model.dramBytes), stats_(model.steps.size()) {
    static const cpu::CpuBackend cpu;
    for (const NpuStep& step : model.steps) {
      if (step.device == "cpu") {
        cpuRunners_.push_back(cpu.load(*step.cpu));
        continue;
      }
      cpuRunners_.push_back(nullptr);
      const std::vector<uint8_t>& c = step.program.constants;
      if (!c.empty()) std::copy(c.begin(), c.end(), sim_.dram() + step.program.constantsAddress);
    }
  }

  std::vector<Tensor> run(const std::vector<Tensor>& inputs) override {
    host_.clear();
    onDevice_.clear();
    lastCycles_ = 0;
    for (size_t k = 0; k < graph_.inputs.size() && k < inputs.size(); ++k) host_[graph_.inputs[k]] = inputs[k];
    for (size_t i = 0; i < model_.steps.size(); ++i) {
      const NpuStep& step = model_.steps[i];
      if (step.device == "cpu") {
        std::vector<Tensor> args;
        for (const std::string& v : step.inputs) args.push_back(onHost(v));
        std::vector<Tensor> results = cpuRunners_[i]->run(args);
        for (size_t k = 0; k < step.outputs.size(); ++k) host_[step.outputs[k]] = std::move(results[k]);
        continue;
      }
      for (const std::string& v : step.inputs) toDevice(v);
      const auto t0 = std::chrono::steady_clock::now();
      try {
        const vta::RunStats s = sim_.run(step.program.instructions);
        lastCycles_ += s.cycles;
        stats_[i] += s;
      } catch (const vta::SimError& e) {
        failUnsupported("NPU program of " + step.node + " failed: " + e.what());
      }
      simMs_ += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      onDevice_.insert(step.outputs[0]);
      host_.erase(step.outputs[0]);
    }
    ++runs_;
    std::vector<Tensor> outputs;
    for (const std::string& v : graph_.outputs) outputs.push_back(onHost(v));
    return outputs;
  }

  std::vector<std::string> statistics() const override;
  uint64_t lastCycles() const { return lastCycles_; }

 private:
  const Tensor& onHost(const std::string& value) {
    auto it = host_.find(value);
    if (it != host_.end()) return it->second;
    if (!onDevice_.count(value)) failBadInput("value '" + value + "' was not computed before it is read");
    const TensorType& type = graph_.typeOf(value);
    const BlockedShape s = blockedShapeOf(type);
    Tensor t(type);
    const vta::HwConfig& c = model_.config;
    nest_npu_unpack(reinterpret_cast<const int8_t*>(sim_.dram() + model_.dramAddressOf.at(value)),
                    t.mutableData<int8_t>(), s.n, s.c, s.h, s.w, c.batch(), c.blockOut());
    return host_[value] = std::move(t);
  }

  void toDevice(const std::string& value) {
    if (onDevice_.count(value)) return;
    const Tensor& t = onHost(value);
    if (t.elem() != ElemType::I8) failBadInput("NPU operand '" + value + "' is " + typeToString(t.type()) + ", not int8");
    const BlockedShape s = blockedShapeOf(t.type());
    const vta::HwConfig& c = model_.config;
    nest_npu_pack(t.data<int8_t>(), reinterpret_cast<int8_t*>(sim_.dram() + model_.dramAddressOf.at(value)), s.n, s.c,
                  s.h, s.w, c.batch(), c.blockIn());
    onDevice_.insert(value);
  }

  const NpuModel& model_;
  const Graph& graph_;
  vta::Simulator sim_;
  std::vector<std::unique_ptr<Runner>> cpuRunners_;
  std::vector<vta::RunStats> stats_;  // summed over runs
  std::map<std::string, Tensor> host_;
  std::set<std::string> onDevice_;
  int runs_ = 0;
  double simMs_ = 0;
  uint64_t lastCycles_ = 0;
};

std::vector<std::string> NpuRunner::statistics() const {
  const vta::HwConfig& c = model_.config;
  std::vector<std::string> lines;
  if (runs_ == 0) return lines;
  const double runs = runs_;
  uint64_t cycles = 0, macs = 0, hwMacs = 0, read = 0, written = 0;
  for (size_t i = 0; i < model_.steps.size(); ++i) {
    const NpuStep& step = model_.steps[i];
    if (step.device != "npu") continue;
    const vta::RunStats& s = stats_[i];
    const uint64_t stepCycles = s.cycles / runs_;
    const uint64_t stepMacs = static_cast<uint64_t>(step.program.macs);
    cycles += stepCycles;
    macs += stepMacs;
    hwMacs += s.macs / runs_;
    read += s.dramBytesRead / runs_;
    written += s.dramBytesWritten / runs_;
    const double util = stepCycles ? 100.0 * stepMacs / (static_cast<double>(stepCycles) * c.macsPerCycle()) : 0;
    lines.push_back(step.node + ": cycles=" + std::to_string(stepCycles) + " utilization=" + fixed(util, 1) +
                    "% macs=" + std::to_string(stepMacs) + " dram_read=" + std::to_string(s.dramBytesRead / runs_) +
                    " dram_written=" + std::to_string(s.dramBytesWritten / runs_) + "  [" + step.program.plan + "]");
  }
  const double util = cycles ? 100.0 * macs / (static_cast<double>(cycles) * c.macsPerCycle()) : 0;
  const double simSeconds = simMs_ / 1000.0;
  lines.push_back("npu: simulated " + fixed(static_cast<double>(hwMacs) * runs / 1e6, 1) + " M hardware MACs in " +
                  fixed(simMs_, 1) + " ms wall (" + fixed(simSeconds > 0 ? hwMacs * runs / simSeconds / 1e9 : 0, 2) +
                  " G MAC/s); DRAM read " + std::to_string(read) + " B, written " + std::to_string(written) + " B per run" +
                  (runs_ > 1 ? "; figures per run, averaged over " + std::to_string(runs_) + " runs" : ""));
  lines.push_back("npu: cycles=" + std::to_string(cycles) + " time_ms=" + fixed(cycles / (c.clockMhz * 1000.0), 3) +
                  " macs=" + std::to_string(macs) + " utilization=" + fixed(util, 1) + "%");
  return lines;
}

}  // namespace

uint64_t npuCyclesOfLastRun(const Runner& runner) {
  const auto* npu = dynamic_cast<const NpuRunner*>(&runner);
  if (!npu) failBadInput("npuCyclesOfLastRun: not a runner of the NPU backend");
  return npu->lastCycles();
}

std::unique_ptr<Runner> loadOnNpu(const NpuModel& model, const Graph& graph) {
  return std::make_unique<NpuRunner>(model, graph);
}

}  // namespace nest::npu
