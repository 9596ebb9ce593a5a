// High-bias absorption (Nagel et al. 2019, "Data-Free Quantization", §4.1.2), part of the quantize
// pass when QuantConfig::absorbHighBias is set; meant for after equalize-cross-layer, which can
// leave large biases. For Conv1 (fused Relu) -> Conv2 where Conv1's result feeds only Conv2, the
// part of each channel that is always on, c_i = the channel's calibration minimum (of the Relu
// result; 0 when the channel is ever 0), moves from Conv1's bias into Conv2's:
//   b1_i -= c_i,   b2_o += s2_o * Σ_{i,k} W2[o, i, k] · c_i   (s2: Conv2's output_scale, else 1).
// Nagel's data-free version takes c_i = max(0, β_i − 3γ_i) from BatchNorm; ours takes the
// calibration statistics (nestc profile --channel-stats), because fold-batchnorm has folded β, γ
// away by the time quantization runs. Exact wherever Conv1's pre-activation stays >= c_i (every
// calibration sample by construction): relu(y − c) = relu(y) − c there. Conv2 must have no
// padding (padded zeros would not be shifted). Conv1's result range in the profile moves down by
// c_i per channel; its histogram is dropped (min/max calibration for it). No Qt.
#pragma once
#include "core/graph.h"
#include "core/quant_profile.h"

namespace nest {

// Returns the number of pairs that absorbed something. `profile` must hold channel statistics
// (channelMins / channelMaxs) of the Conv1 results; pairs without them are left alone.
int absorbHighBiases(Graph& g, QuantProfile& profile);

}  // namespace nest
