// Runs a compiled model on the CPU in-process: writes its sources into a temporary folder,
// builds a shared library with the system C compiler ($CC, default cc; -O3 -march=native),
// dlopens it and calls the entry function. Built models are cached by graph content for the
// life of the process (the conformance suite imports each model once per data set); the runtime
// objects are built once per runtime version and compiler flags and shared between processes.
#pragma once
#include <memory>
#include <vector>

#include "backends/backend.h"
#include "backends/cpu/cpu_backend.h"

namespace nest::cpu {

std::unique_ptr<Runner> loadOnCpu(const CompiledModel& compiled);

// Compiles `graph` as it is (no graph passes) and runs it once, on `threads` threads.
std::vector<Tensor> runOnCpu(const Graph& graph, const std::vector<Tensor>& inputs, int threads = 1);

}  // namespace nest::cpu
