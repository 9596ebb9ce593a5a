// QDQ ONNX export of a quantized graph (docs/quantization.md, "QDQ export"): every integer node
// becomes its float op between DequantizeLinear (operands) and QuantizeLinear (result), as
// onnxruntime and TensorRT expect; quantized weights stay integer initializers read through
// DequantizeLinear (per channel with `axis` where the weights are per channel), int32 biases
// likewise (scale s_in·s_w, zero point 0); Quantize / Dequantize become QuantizeLinear /
// DequantizeLinear. Values keep their names: a quantized value becomes the int8 / uint8 output of
// its QuantizeLinear, its float view "<name>_dql". Opset 17 (kExportOpset): int16 values or int64
// biases (the int16 precision) cannot be expressed and are refused (Unsupported).
#pragma once
#include <filesystem>

#include <onnx/onnx_pb.h>

#include "core/graph.h"

namespace nest {

// The QDQ form as a graph of ordinary ops (no quantized types; QuantizeLinear / DequantizeLinear
// with constant scales and zero points), which our interpreter runs as well.
Graph qdqGraph(const Graph& quantized);

// exportOnnxModel(qdqGraph(quantized)).
onnx::ModelProto exportQdqModel(const Graph& quantized);
void exportQdqOnnx(const Graph& quantized, const std::filesystem::path& file);

}  // namespace nest
