// What a graph node asks of the NPU: the checks behind unsupportedReason and, for a supported
// node, its geometry, packed-weight source and requantization (shifts, bias, clamp bounds).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "backends/npu/weight_packing.h"
#include "backends/npu/vta/hw_config.h"
#include "core/graph.h"

namespace nest::npu {

// Conv, Gemm and MatMul: out[n, co, y, x] = sum over ci, ky, kx. Matrix nodes (Gemm, MatMul) use
// the 2-D layout: rows M as n, K as ci, N as co, every spatial size 1.
struct MacSpec {
  bool matrix = false;
  int64_t n = 1, ci = 1, h = 1, w = 1, co = 1;
  int64_t kh = 1, kw = 1, strideH = 1, strideW = 1, padTop = 0, padLeft = 0;
  int64_t oh = 1, ow = 1;
  WeightFn weight;
  std::vector<int> shifts;      // k per output channel (or one for all)
  std::vector<int32_t> bias;    // empty: none
  int64_t lo = -128, hi = 127;  // clamp bounds
  int64_t macs = 0;
};

// Add of two same-shaped int8 values: sum = a * 2^shiftA + b * 2^shiftB (one shift is 0), then
// y = clamp(round_half_away(sum / 2^k), lo, hi) (k < 0: an exact left shift).
struct AddSpec {
  int64_t n = 1, c = 1, h = 1, w = 1;
  int shiftA = 0, shiftB = 0, k = 0;
  int64_t lo = -128, hi = 127;
};

struct NodeSpec {
  enum class Kind { Unsupported, Mac, Add } kind = Kind::Unsupported;
  std::string reason;  // for Unsupported
  MacSpec mac;
  AddSpec add;
};

NodeSpec analyzeNode(const Graph& graph, const Node& node, const vta::HwConfig& config);

}  // namespace nest::npu
