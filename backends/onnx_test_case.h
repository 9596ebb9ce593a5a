// Runs ONNX backend test-case folders (model.onnx + test_data_set_N/{input,output}_K.pb).
#pragma once
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/graph.h"
#include "core/tensor_compare.h"

namespace nest {

struct TestCaseResult {
  std::string name;        // folder name
  bool passed = false;
  int dataSets = 0;
  std::string message;     // why it failed (first failure)
  bool unsupported = false;  // failed because the model or an op is not supported
};

// Runs a graph on inputs in graph-input order (the interpreter or any backend).
using GraphRunner = std::function<std::vector<Tensor>(const Graph&, const std::vector<Tensor>&)>;

// Imports the model once per data set (graph inputs that select the computation, such as a
// Reshape shape, are bound from the data set), runs, and compares every output.
TestCaseResult runOnnxTestCase(const std::filesystem::path& dir, const GraphRunner& runner, const Tolerance& tol = {});

// Test-case folders under `path`: `path` itself if it holds model.onnx, else its sorted subfolders that do.
std::vector<std::filesystem::path> findTestCases(const std::filesystem::path& path);

}  // namespace nest
