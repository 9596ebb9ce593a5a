// Bias correction (Nagel et al. 2019, "Data-Free Quantization", §4.2), part of the quantize pass
// when QuantConfig::biasCorrection is set: quantizing a Conv's or Gemm's weights shifts the
// expected value of each output channel by E[(W_q - W) x] = Σ (W_q - W)[o, i, k] · E[x_i]; the
// bias absorbs that shift, with E[x_i] the per-channel means the profile recorded for the node's
// input (nestc profile --channel-stats). No Qt.
#pragma once
#include <optional>
#include <vector>

#include "core/graph.h"
#include "core/tensor.h"

namespace nest {

// The corrected float bias of Conv / Gemm `n` (its bias, or zeros without one) given its float
// weights as quantized (`wFloat`, output_scale folded in), their quantized form `wQuant` and the
// input's per-channel means; nullopt when the means do not match the weights' input channels.
std::optional<Tensor> correctedBias(const Graph& g, const Node& n, const Tensor& wFloat, const Tensor& wQuant,
                                    const std::vector<double>& inputMeans);

}  // namespace nest
