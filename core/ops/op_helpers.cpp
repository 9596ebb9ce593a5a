#include "core/ops/op_helpers.h"

#include <algorithm>

namespace nest::ops {

int64_t normalizeAxis(int64_t axis, int64_t rank, const Node& node) {
  if (axis < -rank || axis >= std::max<int64_t>(rank, 1))
    failBadInput(node.describe() + ": axis " + std::to_string(axis) + " out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

AxisSplit splitAtAxis(const Shape& shape, int64_t axis) {
  AxisSplit s;
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d)
    (d < axis ? s.outer : d == axis ? s.n : s.inner) *= shape[static_cast<size_t>(d)];
  return s;
}

std::vector<int64_t> normalizeAxes(const std::vector<int64_t>& axes, int64_t rank, const Node& node) {
  std::vector<int64_t> out;
  for (int64_t a : axes) {
    if (a < -rank || a >= rank)
      failBadInput(node.describe() + ": axis " + std::to_string(a) + " out of range for rank " + std::to_string(rank));
    out.push_back(a < 0 ? a + rank : a);
  }
  return out;
}

std::vector<int64_t> stridesOf(const Shape& shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

Shape broadcastShapes(const std::vector<Shape>& shapes, const Node& node) {
  size_t rank = 0;
  for (const Shape& s : shapes) rank = std::max(rank, s.size());
  Shape out(rank, 1);
  for (const Shape& s : shapes) {
    size_t off = rank - s.size();
    for (size_t i = 0; i < s.size(); ++i) {
      int64_t& o = out[off + i];
      if (s[i] == o || s[i] == 1) continue;
      if (o == 1) {
        o = s[i];
        continue;
      }
      std::string msg = node.describe() + ": shapes cannot be broadcast together:";
      for (const Shape& t : shapes) msg += " " + shapeToString(t);
      failBadInput(msg);
    }
  }
  return out;
}

std::vector<int64_t> broadcastStrides(const Shape& inShape, const Shape& outShape) {
  std::vector<int64_t> s(outShape.size(), 0);
  std::vector<int64_t> inStrides = stridesOf(inShape);
  size_t off = outShape.size() - inShape.size();
  for (size_t i = 0; i < inShape.size(); ++i) s[off + i] = inShape[i] == 1 ? 0 : inStrides[i];
  return s;
}

void requireSameElem(const InferContext& ctx, size_t first, size_t last) {
  for (size_t i = first; i < last; ++i)
    if (ctx.hasInput(i) && ctx.input(i).elem != ctx.input(first).elem)
      ctx.fail("operand " + std::to_string(i) + " is " + std::string(elemTypeName(ctx.input(i).elem)) +
               " but operand " + std::to_string(first) + " is " + std::string(elemTypeName(ctx.input(first).elem)));
}

void requireElem(const InferContext& ctx, size_t operand, std::initializer_list<ElemType> allowed) {
  ElemType t = ctx.input(operand).elem;
  for (ElemType a : allowed)
    if (a == t) return;
  ctx.unsupported("element type " + std::string(elemTypeName(t)) + " of operand " + std::to_string(operand) +
                  " is not supported");
}

int64_t windowOutputSize(int64_t in, int64_t kernel, int64_t stride, int64_t dilation, int64_t padBegin,
                         int64_t padEnd, bool ceilMode) {
  int64_t effective = (kernel - 1) * dilation + 1;
  int64_t span = in + padBegin + padEnd - effective;
  if (span < 0) return 0;
  int64_t out = ceilMode ? (span + stride - 1) / stride + 1 : span / stride + 1;
  // With ceil mode the last window must start inside the input or its begin padding.
  if (ceilMode && (out - 1) * stride >= in + padBegin) --out;
  return out;
}

std::vector<int64_t> resolvePads(const Attributes& attrs, const Shape& spatialIn, const std::vector<int64_t>& kernel,
                                 const std::vector<int64_t>& strides, const std::vector<int64_t>& dilations,
                                 const Node& node) {
  const size_t n = spatialIn.size();
  std::string autoPad = attrs.getString("auto_pad", "NOTSET");
  std::vector<int64_t> pads = attrs.getInts("pads", std::vector<int64_t>(2 * n, 0));
  if (pads.size() != 2 * n)
    failBadInput(node.describe() + ": pads has " + std::to_string(pads.size()) + " values, expected " +
                 std::to_string(2 * n));
  if (autoPad == "NOTSET" || autoPad.empty()) return pads;
  if (autoPad == "VALID") return std::vector<int64_t>(2 * n, 0);
  if (autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER")
    failBadInput(node.describe() + ": unknown auto_pad '" + autoPad + "'");
  for (size_t i = 0; i < n; ++i) {
    int64_t out = (spatialIn[i] + strides[i] - 1) / strides[i];
    int64_t total = std::max<int64_t>(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - spatialIn[i]);
    int64_t small = total / 2, big = total - small;
    pads[i] = autoPad == "SAME_UPPER" ? small : big;
    pads[i + n] = autoPad == "SAME_UPPER" ? big : small;
  }
  return pads;
}

}  // namespace nest::ops
