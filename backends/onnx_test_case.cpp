#include "backends/onnx_test_case.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include <onnx/onnx_pb.h>

#include "core/error.h"
#include "core/npy.h"
#include "core/onnx_import.h"

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

// Graph input names of the ONNX model in order (initializers excluded), to pair with input_K.pb.
std::vector<std::string> modelInputNames(const fs::path& model) {
  std::ifstream in(model, std::ios::binary);
  onnx::ModelProto proto;
  if (!in || !proto.ParseFromIstream(&in)) failBadInput(model.string() + " is not a valid ONNX model");
  std::set<std::string> inits;
  for (const auto& i : proto.graph().initializer()) inits.insert(i.name());
  std::vector<std::string> names;
  for (const auto& i : proto.graph().input()) {
    if (inits.count(i.name())) continue;
    if (!i.type().has_tensor_type())
      failUnsupported("graph input '" + i.name() + "' is not a tensor (sequence, map and optional inputs are not supported)");
    names.push_back(i.name());
  }
  return names;
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
    std::vector<std::string> inputNames = modelInputNames(model);
    for (const fs::path& set : sets) {
      std::vector<fs::path> inFiles = numberedFiles(set, "input_"), outFiles = numberedFiles(set, "output_");
      if (inFiles.size() != inputNames.size())
        failBadInput(set.string() + ": " + std::to_string(inFiles.size()) + " input files for " +
                     std::to_string(inputNames.size()) + " model inputs");
      ImportOptions opts;
      for (size_t k = 0; k < inFiles.size(); ++k) opts.inputValues[inputNames[k]] = readTensorFile(inFiles[k]);
      ImportResult imported = importOnnxFile(model, opts);
      std::vector<Tensor> inputs;
      for (const std::string& name : imported.graph.inputs) inputs.push_back(opts.inputValues.at(name));
      std::vector<Tensor> outputs = runner(imported.graph, inputs);
      if (outputs.size() < outFiles.size())
        failBadInput("the model gives " + std::to_string(outputs.size()) + " outputs, the reference has " +
                     std::to_string(outFiles.size()));
      for (size_t k = 0; k < outFiles.size(); ++k) {
        Tensor expected = readTensorFile(outFiles[k]);
        if (auto diff = compareTensors(expected, outputs[k], tol)) {
          r.message = set.filename().string() + " output " + std::to_string(k) + " ('" + imported.graph.outputs[k] +
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
