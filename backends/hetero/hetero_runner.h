// Runs a compiled heterogeneous model in-process: each part on its backend's runner, the stages in
// order, the parts of a parallel group each on a thread of its own.
#pragma once
#include <memory>

#include "backends/hetero/hetero_model.h"

namespace nest::hetero {

// `model` and `graph` must outlive the runner (they belong to the artifact).
std::unique_ptr<Runner> loadHetero(const HeteroModel& model, const Graph& graph);

}  // namespace nest::hetero
