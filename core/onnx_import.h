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
  // For each bound input, the operand it fixes, e.g. "Reshape shape" (the first use when several).
  std::map<std::string, std::string> boundUses;
};

ImportResult importOnnxFile(const std::filesystem::path& file, const ImportOptions& options = {});

// The same from a model's bytes (what importOnnxFile reads from the file). `source` names the model
// in messages and the graph when it has no name; external data resolves against `baseDir`, and is
// refused when it is empty.
enum class OnnxFormat { Binary, Text };
ImportResult importOnnxBytes(const std::string& bytes, OnnxFormat format, const std::string& source,
                             const std::filesystem::path& baseDir = {}, const ImportOptions& options = {});

// A graph input as the model declares it (initializers excluded), before any shape is fixed.
struct DeclaredInput {
  std::string name;
  bool hasShape = false;      // false when the model gives no shape at all
  std::vector<int64_t> dims;  // -1 marks a dynamic dimension
};
// The model's graph inputs in order, read without importing the graph. Throws Unsupported for a
// non-tensor input (sequence, map, optional), as the import does.
std::vector<DeclaredInput> declaredOnnxInputs(const std::filesystem::path& file);

// Parses "NAME=1x3x224x224" into (NAME, shape); throws BadInput on a malformed spec.
std::pair<std::string, Shape> parseInputShapeSpec(const std::string& spec);

}  // namespace nest
