// Lookup-table activations in the quantize pass (docs/quantization.md, "Lookup-table
// activations"): HardSwish, HardSigmoid, Sigmoid, Tanh (and the fused Swish, Gelu) become one
// integer op each whose kernel is a 256-entry table (core/quant_lut.h).
//
// A Conv / Gemm / Add that carries a fused HardSwish or Sigmoid (fuse-activations) is split again
// before quantizing, so the producer is an ordinary integer op and the activation a table op.
// The value between them was never profiled (it did not exist in the profiled graph), so its
// range is the pre-image of the result's calibrated range under the activation, which loses
// nothing: HardSwish maps every x <= -3 to 0, so [-3, hswish^-1(max)] holds every distinct
// result; Sigmoid is monotone, so [logit(min), logit(max)] holds exactly the results the
// result's own range can represent.
#pragma once
#include <optional>
#include <string>
#include <unordered_map>

#include "core/graph.h"
#include "core/quant_config.h"
#include "core/quant_math.h"
#include "core/quant_profile.h"

namespace nest {

// The real range before activation `op` (HardSwish or Sigmoid) for a result range `y`.
FloatRange preactivationRange(const std::string& op, FloatRange y);

// Splits every node with a fused HardSwish / Sigmoid that the quantize pass may quantize (not
// kept float, result profiled; int8 or int16) into the node without the activation, whose result
// is the new value "<result>_preact", and the activation node "<name>_act" (provenance: the split node)
// reading it. Returns, for each new value, the range it is to be quantized with.
std::unordered_map<std::string, FloatRange> splitLutActivations(Graph& g, const QuantProfile& profile,
                                                                 const QuantConfig& config);

}  // namespace nest
