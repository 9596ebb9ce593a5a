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

}  // namespace nest::npu
