// Turns a model file and the input files it is given into a runnable graph: the one way `nestc run`
// and the ONNX test-case runner (`nestc test-data`) bind graph inputs.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "core/onnx_import.h"

namespace nest {

struct BoundModel {
  Graph graph;
  std::vector<Tensor> inputs;            // runtime input values, in graph.inputs order
  std::vector<std::string> boundInputs;  // graph inputs that became constants
  // One line saying what was bound and which shapes came from the files, e.g.
  // "bound: shape=[2,3] (Reshape shape) as a constant; x: dynamic dims from the input file [1,3,224,224]";
  // empty when nothing was.
  std::string note;
};

// Imports `model` (ONNX or text IR) with the inputs given by `specs`: FILE in the model's input
// order, or NAME=FILE (.npy or TensorProto .pb). Every graph input must be given.
//  - An input whose value selects the computation (a Reshape shape, Slice starts, Resize scales,
//    Pad pads, ...) is bound to its value and becomes a constant.
//  - A dynamic dimension takes the input file's size, unless options.inputShapes fixes the input.
//    Static dimensions stay the model's, so a file whose leading dimension is k times the model's
//    runs in k slices (runInSlices) and a wrong file is reported when the graph runs.
BoundModel bindModelInputs(const std::filesystem::path& model, const std::vector<std::string>& specs,
                           ImportOptions options = {});

}  // namespace nest
