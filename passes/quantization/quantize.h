// The quantize pass: rewrites a float graph into its integer form from a calibration profile
// (core/quant_profile.h) and a QuantConfig (core/quant_config.h). Representation and formulas:
// docs/quantization.md, "Quantization".
//
// * Nodes with an integer kernel (Conv, Gemm, MatMul, Add, Mul, Concat, Relu, Clip, MaxPool,
//   AveragePool, GlobalAveragePool, Reshape, Flatten, Transpose) whose form the kernel supports
//   become integer nodes unless an override keeps them float. Conv, Gemm, MatMul, Add, Mul and
//   Concat need a profile of their result (its parameters come from it, with the node's schema,
//   calibration and precision); the others keep their operand's parameters and are quantized
//   only when that operand already is.
// * LayerNormalization and Softmax become integer nodes only when their precision is int16
//   (--op-precision, a project's opTypes or nodes entry, or --precision int16); at int8 they stay
//   float (an int8 LayerNorm or Softmax loses too much). Their results get parameters from the
//   profile, a Softmax's range bounded to [0, 1]; LayerNormalization needs constant Scale and B
//   and no Mean / InvStdDev results. The integer kernels (core/ops/quantized_norm.h) run in the
//   interpreter only: the CPU backend has no int16 kernels and QDQ export refuses int16.
// * Weights (constants) are quantized in place of the float ones: Conv per output channel (axis
//   0), Gemm per output column and a MatMul's constant B per column (its last axis) when
//   perChannel is set, else per tensor; Conv's output_scale is
//   folded into the weights first; biases become i32 (i64 with int16) with scale s_in * s_w.
//   LayerNormalization's Scale is quantized per tensor like those weights, its B like a bias
//   whose input is the normalized value (scale 2^-24): i64 with scale s_Scale * 2^-24.
// * Quantize is inserted where a float value enters an integer node, Dequantize where an integer
//   value reaches a float node or a graph output (which keeps its name and stays float): only
//   where precision changes. A quantized node keeps its result name; the float copy a float
//   consumer reads is "<name>_dq".
// * A profile recorded on another graph is refused (requireMatchingProfile).
#pragma once
#include <map>
#include <memory>
#include <string>

#include "core/graph.h"
#include "core/quant_config.h"
#include "core/quant_profile.h"
#include "passes/pass.h"
#include "passes/pass_registry.h"

namespace nest {

// The calibration used for each value whose parameters came from the profile (by value name):
// `auto` resolved to the method it picked; a graph output under KL keeps min/max.
using CalibrationRecord = std::map<std::string, Calibration>;

// Returns true when it changed the graph. `record`, when given, receives the calibration chosen
// per value (quant-report shows it).
bool quantizeGraph(Graph& graph, const QuantProfile& profile, const QuantConfig& config,
                   const std::string& profileSource, CalibrationRecord* record = nullptr);

// Whether the quantize pass has an integer form for nodes of this op (the list above and the
// lookup-table activations); others always stay float.
bool hasIntegerForm(const std::string& op);
// ... at this precision: LayerNormalization and Softmax only at int16, the others at both.
bool hasIntegerForm(const std::string& op, QuantPrecision precision);

// The pass "quantize" bound to a profile and a config, for a pipeline stage (boundPassStage).
PassInfo quantizePass(std::shared_ptr<const QuantProfile> profile, QuantConfig config, std::string profileSource);

// The float pipeline the profile was recorded after (`level`, or an explicit pass list when
// `passes` is non-empty), then the quantize pass.
Pipeline quantizationPipeline(const std::string& level, const std::vector<std::string>& passes,
                              std::shared_ptr<const QuantProfile> profile, QuantConfig config,
                              std::string profileSource);

}  // namespace nest
