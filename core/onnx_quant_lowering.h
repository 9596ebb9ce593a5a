// Maps imported ONNX quantization ops with constant scales and zero points onto the internal
// quantized forms (docs/quantization.md): QuantizeLinear -> Quantize, DequantizeLinear ->
// Dequantize, QLinearConv -> integer Conv, QLinearMatMul -> integer MatMul, the parameters moving
// into the value types (a per-axis DequantizeLinear of constant weights too). Only where the
// meaning is kept exactly: per-tensor activations, a
// quantized value read only by these four ops (an ONNX op on raw integers, e.g. Relu on uint8,
// would change meaning on a quantized value), and operands whose type already carries the
// parameters the op names. Everything else stays the ONNX op with its own kernel (so the ONNX
// conformance tests, whose parameters are graph inputs, are unaffected).
#pragma once
#include "core/graph.h"

namespace nest {

// Rewrites `g` in place and re-infers every node's result types. Returns the number of nodes mapped.
int lowerOnnxQuantOps(Graph& g);

}  // namespace nest
