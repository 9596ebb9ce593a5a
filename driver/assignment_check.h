// Validation of a job's per-node assignments against its graph, devices and backends.
#pragma once
#include <string>
#include <vector>

#include "core/graph.h"
#include "driver/job.h"

namespace nest::driver {

// One line per invalid assignment, each with its reason: a key no node of `imported` has, a
// device not in the device list (or whose backend is not registered), a precision the device's
// backend cannot run, an op of `final` (the graph after the passes) the backend does not support.
// Empty when all are valid.
std::vector<std::string> assignmentProblems(const Job& job, const Graph& imported, const Graph& final);

// Throws BadInput "SOURCE: N invalid assignment(s):" with the problems, when there are any.
void requireValidAssignments(const Job& job, const Graph& imported, const Graph& final);

// Whether a node of the final graph carries its key's device assignment. The Quantize and
// Dequantize nodes the quantize pass inserts take the key of the node they serve, but they stay
// wherever the placement puts them: pinning a Conv to an NPU does not pin its input's Quantize.
bool carriesDeviceAssignment(const Node& node, const Graph& imported);

}  // namespace nest::driver
