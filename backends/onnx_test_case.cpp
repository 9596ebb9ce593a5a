#include "backends/onnx_test_case.h"

#include <algorithm>

#include "backends/input_binding.h"
#include "backends/interpreter/interpreter.h"
#include "core/error.h"
#include "core/npy.h"

namespace nest {

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> numberedFiles(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> files;
  for (int k = 0;; ++k) {
    fs::path f = dir / (prefix + std::to_string(k) + ".pb");
    if (!fs::exists(f)) break;
    files.push_back(f);
  }
  return files;
}

}  // namespace

std::vector<fs::path> findTestCases(const fs::path& path) {
  if (!fs::exists(path)) failBadInput("test folder " + path.string() + " does not exist");
  if (fs::exists(path / "model.onnx")) return {path};
  std::vector<fs::path> cases;
  for (const auto& e : fs::directory_iterator(path))
    if (e.is_directory() && fs::exists(e.path() / "model.onnx")) cases.push_back(e.path());
  std::sort(cases.begin(), cases.end());
  if (cases.empty()) failBadInput(path.string() + " holds no ONNX test case (model.onnx + test_data_set_*)");
  return cases;
}

TestCaseResult runOnnxTestCase(const fs::path& dir, const GraphRunner& runner, const Tolerance& tol) {
  TestCaseResult r;
  r.name = dir.filename().string();
  try {
    fs::path model = dir / "model.onnx";
    std::vector<fs::path> sets;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_directory() && e.path().filename().string().rfind("test_data_set_", 0) == 0) sets.push_back(e.path());
    std::sort(sets.begin(), sets.end());
    if (sets.empty()) failBadInput(dir.string() + " has no test_data_set_* folder");
    const size_t inputCount = declaredOnnxInputs(model).size();
    for (const fs::path& set : sets) {
      std::vector<fs::path> inFiles = numberedFiles(set, "input_"), outFiles = numberedFiles(set, "output_");
      if (inFiles.size() != inputCount)
        failBadInput(set.string() + ": " + std::to_string(inFiles.size()) + " input files for " +
                     std::to_string(inputCount) + " model inputs");
      // Exactly as `nestc run MODEL --input input_0.pb ...` binds and runs.
      std::vector<std::string> specs;
      for (const fs::path& f : inFiles) specs.push_back(f.string());
      BoundModel bound = bindModelInputs(model, specs);
      const Graph& g = bound.graph;
      std::vector<Tensor> outputs = runInSlices(g, bound.inputs, [&](const std::vector<Tensor>& in) { return runner(g, in); });
      if (outputs.size() < outFiles.size())
        failBadInput("the model gives " + std::to_string(outputs.size()) + " outputs, the reference has " +
                     std::to_string(outFiles.size()));
      for (size_t k = 0; k < outFiles.size(); ++k) {
        Tensor expected = readTensorFile(outFiles[k]);
        if (auto diff = compareTensors(expected, outputs[k], tol)) {
          r.message = set.filename().string() + " output " + std::to_string(k) + " ('" + g.outputs[k] +
                      "'): " + *diff;
          return r;
        }
      }
      ++r.dataSets;
    }
    r.passed = true;
  } catch (const Error& e) {
    r.message = e.what();
    r.unsupported = e.kind() == ErrorKind::Unsupported;
  } catch (const std::exception& e) {
    r.message = std::string("internal error: ") + e.what();
  }
  return r;
}

}  // namespace nest
