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

}  // namespace nest::driver
