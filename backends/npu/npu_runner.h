// Runs a compiled NPU model in-process: NPU steps on the simulator (the same library bundles link
// as their driver), fallback steps on the CPU backend's runner, values moved between host (NCHW)
// and NPU DRAM (blocked layout) only where they cross.
#pragma once
#include <memory>

#include "backends/backend.h"
#include "backends/npu/npu_backend.h"

namespace nest::npu {

// `model` and `graph` must outlive the runner (they belong to the artifact).
std::unique_ptr<Runner> loadOnNpu(const NpuModel& model, const Graph& graph);

// The simulated cycles of the NPU programs in the last run of a runner loadOnNpu made (0 before
// the first run; the CPU fallback steps are not counted). BadInput for another kind of runner.
uint64_t npuCyclesOfLastRun(const Runner& runner);

}  // namespace nest::npu
