// Writes a compiled heterogeneous model as one bundle folder: a sub-bundle per partition (NAME_p0,
// NAME_p1, ...: CPU bundle code or NPU host code and programs, each with the CPU bundle API) side
// by side, one weights file, the library entry point NAME.h / NAME.c that stitches the parts
// (cut tensors copied between their slots, stages in order, parallel groups on pthreads, the time
// of each partition: CPU measured, NPU simulated), main.c and a Makefile: `make && ./run`.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "backends/hetero/hetero_model.h"

namespace nest::hetero {

// Returns the files written (relative names). Creates `dir` if needed.
std::vector<std::string> writeHeteroBundle(const HeteroModel& model, const Graph& graph, const std::string& name,
                                           const std::filesystem::path& dir);

}  // namespace nest::hetero
