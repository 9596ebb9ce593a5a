// ONNX import: binary .onnx or protobuf-text .onnxtxt -> Graph IR with static shapes.
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/graph.h"

namespace nest {

struct ImportOptions {
  // Fixes graph input shapes (needed for dynamic dimensions): NAME -> shape.
  std::map<std::string, Shape> inputShapes;
  // Values available for graph inputs. An input whose value selects the computation (a Reshape
  // shape, Slice starts, ...) is bound to its value and becomes a constant; others stay inputs.
  std::map<std::string, Tensor> inputValues;
};

struct ImportResult {
  Graph graph;
  int64_t opset = 0;                     // default-domain opset of the model
  std::vector<std::string> boundInputs;  // graph inputs turned into constants from inputValues
};

ImportResult importOnnxFile(const std::filesystem::path& file, const ImportOptions& options = {});

// Parses "NAME=1x3x224x224" into (NAME, shape); throws BadInput on a malformed spec.
std::pair<std::string, Shape> parseInputShapeSpec(const std::string& spec);

}  // namespace nest
