// Runs a graph on the CPU backend in-process: compiles it to a bundle in a temporary folder,
// builds a shared library with the system C compiler ($CC, default cc; -O3 -march=native),
// dlopens it and calls the entry function. Built models are cached by graph content for the
// life of the process (the conformance suite imports each model once per data set); the runtime
// objects are built once per runtime version and compiler flags and shared between processes.
#pragma once
#include <vector>

#include "core/graph.h"

namespace nest::cpu {

std::vector<Tensor> runOnCpu(const Graph& graph, const std::vector<Tensor>& inputs);

}  // namespace nest::cpu
