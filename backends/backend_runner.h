// Picks a backend by name and gives a function that runs a graph on it.
#pragma once
#include <string>
#include <vector>

#include "backends/onnx_test_case.h"

namespace nest {

// Names accepted by --backend.
std::vector<std::string> backendNames();
// Throws BadInput naming the valid backends when `name` is unknown.
GraphRunner runnerForBackend(const std::string& name);

}  // namespace nest
