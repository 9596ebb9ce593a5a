// ONNX export: Graph IR -> a standard ONNX model (opset 17, IR version 8).
//
// The reverse of core/onnx_import.cpp. What the importer turned into attributes comes back as
// operands: parameter attributes (OpDef::params: Reshape's shape, Slice's starts, Clip's bounds,
// Resize's scales, ...) become initializers with fresh names at their opset-17 operand positions
// ("" for skipped optional ones), old-opset attribute forms (Pad-2 `value`, Clip-6 `min`/`max`,
// Split-2 `split`, Squeeze-1 `axes`, Dropout-7 `ratio`) are written in their opset-17 operand
// form, Upsample becomes Resize (asymmetric coordinates, floor rounding for nearest), and a fused
// activation (`activation` / `activation_params` on Conv, Gemm, Add) becomes the op followed by
// the standard activation node. Constants become initializers; graph inputs, outputs and every
// intermediate value get value_info types. Node names are kept ("node_<id>" when empty). If and
// Loop decided at run time are written with their bodies as GraphProtos: a body's captured inputs
// become references to the outer values (and leave the node's operands and the body's inputs),
// and a body result that no node of the body produces goes through an Identity.
// Quantized types (TensorType::quant) are refused with an Unsupported error.
#pragma once
#include <filesystem>

#include <onnx/onnx_pb.h>

#include "core/graph.h"

namespace nest {

constexpr int64_t kExportOpset = 17;
constexpr int64_t kExportIrVersion = 8;

// Builds the ONNX model for `graph` (throws nest::Error when something cannot be expressed).
onnx::ModelProto exportOnnxModel(const Graph& graph);

// Writes exportOnnxModel(graph) as a binary .onnx file.
void exportOnnx(const Graph& graph, const std::filesystem::path& file);

}  // namespace nest
