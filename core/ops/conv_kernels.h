// Geometry and compute routines shared by the convolution-like reference kernels (Conv,
// ConvTranspose, ConvInteger, QLinearConv). Float convolutions go through im2col (or the input
// itself for 1x1 kernels) and the packed GEMM of gemm_kernel.h; other element types use a plain
// row-accumulating GEMM. Depthwise 2-D convolutions have a direct path.
#pragma once
#include <cstdint>
#include <vector>

#include "core/graph.h"
#include "core/ops/gemm_kernel.h"

namespace nest::ops {

// Sizes of one N-D convolution. For ConvTranspose "in" is the operand X and "out" the result Y
// (padBegin may then be negative: the result extends beyond the full transposed output).
struct ConvGeom {
  int64_t batch = 0;
  int64_t inChannels = 0;   // C
  int64_t outChannels = 0;  // M
  int64_t group = 1;
  std::vector<int64_t> inSpatial, outSpatial, kernel, strides, dilations, padBegin, padEnd;

  int64_t spatialRank() const { return static_cast<int64_t>(kernel.size()); }
  int64_t inSize() const;      // elements of one input channel
  int64_t outSize() const;     // elements of one output channel
  int64_t kernelSize() const;  // elements of one kernel window
  Shape outShape() const;      // [N, M, out...]
  // Multiply-accumulates of one run.
  int64_t macs() const { return batch * outChannels * outSize() * (inChannels / group) * kernelSize(); }
  int64_t transposedMacs() const { return batch * inChannels * inSize() * (outChannels / group) * kernelSize(); }
};

// Conv-style attributes (kernel_shape, strides, dilations, pads, auto_pad, group) of `node` for data
// x = [N, C, D1..Dn] and weights w = [M, C/group, k1..kn]. Checks every shape and attribute and
// throws BadInput naming the node on violation.
ConvGeom convGeometry(const Node& node, const Shape& x, const Shape& w);
// ConvTranspose attributes (also output_padding, output_shape) for x = [N, C, D1..Dn] and
// w = [C, M/group, k1..kn].
ConvGeom convTransposeGeometry(const Node& node, const Shape& x, const Shape& w);

// y[N, M, out...] = conv(x[N, C, in...], w[M, C/group, k...]) + bias[M] (bias may be null).
// Instantiated for float, double, int32_t and int64_t (integer operands already zero-point shifted;
// padding contributes zero).
template <typename T>
void convForward(const ConvGeom& g, const T* x, const T* w, const T* bias, T* y);

// y[N, M, out...] = convTranspose(x[N, C, in...], w[C, M/group, k...]) + bias[M] (bias may be
// null). Instantiated for float and double.
template <typename T>
void convTransposeForward(const ConvGeom& g, const T* x, const T* w, const T* bias, T* y);

}  // namespace nest::ops
