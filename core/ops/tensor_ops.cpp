// Data movement ops: Concat, Split, Slice, Gather, Transpose, Pad, Tile, Expand.
// Kernels only copy elements, so they work on the storage type of every element type
// (dispatchStorageType) or on raw bytes for contiguous runs.
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "core/ops/op_helpers.h"
#include "core/ops/strided_copy.h"
#include "core/ops/register_ops.h"

namespace nest {

namespace {

using namespace ops;

int64_t product(const Shape& s, size_t first, size_t last) {
  int64_t p = 1;
  for (size_t i = first; i < last; ++i) p *= s[i];
  return p;
}

std::string intsToString(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s + "]";
}

// Result type of a data movement op: the operand's element type and per-tensor quantization.
TensorType movedType(const InferContext& ctx, const TensorType& in, Shape shape) {
  if (in.quant && in.quant->perChannel()) ctx.unsupported("per-channel quantized operand is not supported");
  TensorType t(in.elem, std::move(shape));
  t.quant = in.quant;
  return t;
}

using ops::copyStrided;

// ---------------------------------------------------------------------------------------------
// Concat

void inferConcat(InferContext& ctx) {
  const TensorType& first = ctx.input(0);
  const int64_t rank = first.rank();
  if (rank == 0) ctx.fail("cannot concatenate scalars");
  const int64_t axis = normalizeAxis(ctx.attrs().getInt("axis", 1), rank, ctx.node());
  Shape out = first.shape;
  out[axis] = 0;
  for (size_t k = 0; k < ctx.numInputs(); ++k) {
    const TensorType& t = ctx.input(k);
    if (t.elem != first.elem)
      ctx.fail("operand " + std::to_string(k) + " is " + std::string(elemTypeName(t.elem)) + " but operand 0 is " +
               std::string(elemTypeName(first.elem)));
    if (t.quant != first.quant) ctx.unsupported("operands have different quantization");
    if (t.rank() != rank)
      ctx.fail("operand " + std::to_string(k) + " has rank " + std::to_string(t.rank()) + ", operand 0 has rank " +
               std::to_string(rank));
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis && t.shape[d] != first.shape[d])
        ctx.fail("operand " + std::to_string(k) + " has shape " + shapeToString(t.shape) +
                 ", incompatible with " + shapeToString(first.shape) + " for concatenation along axis " +
                 std::to_string(axis));
    out[axis] += t.shape[axis];
  }
  ctx.setOutput(0, movedType(ctx, first, out));
}

void kernelConcat(KernelContext& ctx) {
  Tensor& out = ctx.output(0);
  const int64_t rank = static_cast<int64_t>(out.shape().size());
  const int64_t axis = normalizeAxis(ctx.attrs().getInt("axis", 1), rank, ctx.node());
  const size_t esz = elemSize(out.elem());
  const int64_t outer = product(out.shape(), 0, static_cast<size_t>(axis));
  std::vector<size_t> chunk(ctx.numInputs());
  for (size_t k = 0; k < ctx.numInputs(); ++k)
    chunk[k] = static_cast<size_t>(product(ctx.input(k).shape(), static_cast<size_t>(axis), rank)) * esz;
  auto* dst = static_cast<std::byte*>(out.rawMutable());
  for (int64_t o = 0; o < outer; ++o)
    for (size_t k = 0; k < ctx.numInputs(); ++k) {
      if (chunk[k] == 0) continue;
      std::memcpy(dst, static_cast<const std::byte*>(ctx.input(k).raw()) + o * chunk[k], chunk[k]);
      dst += chunk[k];
    }
}

// ---------------------------------------------------------------------------------------------
// Split

// Sizes of the parts along `axis` (split attribute, or num_outputs / result count equal parts).
std::vector<int64_t> splitSizes(const Attributes& attrs, int64_t dim, size_t numOutputs, const Node& node) {
  auto fail = [&](const std::string& r) { failBadInput(node.describe() + ": " + r); };
  std::vector<int64_t> split = attrs.getInts("split");
  if (!split.empty()) {
    if (split.size() != numOutputs)
      fail("split has " + std::to_string(split.size()) + " values but the node has " + std::to_string(numOutputs) +
           " results");
    int64_t sum = 0;
    for (int64_t s : split) {
      if (s < 0) fail("negative split size " + std::to_string(s));
      sum += s;
    }
    if (sum != dim)
      fail("split sizes " + intsToString(split) + " add up to " + std::to_string(sum) + ", the axis has " +
           std::to_string(dim));
    return split;
  }
  int64_t n = attrs.getInt("num_outputs", static_cast<int64_t>(numOutputs));
  if (n != static_cast<int64_t>(numOutputs))
    fail("num_outputs is " + std::to_string(n) + " but the node has " + std::to_string(numOutputs) + " results");
  if (n <= 0) fail("no results");
  // Equal parts; if the axis does not divide evenly the last part is smaller (opset 18).
  int64_t part = (dim + n - 1) / n;
  std::vector<int64_t> sizes(static_cast<size_t>(n), part);
  int64_t last = dim - part * (n - 1);
  if (last < 0) fail("cannot split an axis of " + std::to_string(dim) + " into " + std::to_string(n) + " parts");
  sizes.back() = last;
  return sizes;
}

void inferSplit(InferContext& ctx) {
  const TensorType& in = ctx.input(0);
  if (in.rank() == 0) ctx.fail("cannot split a scalar");
  const int64_t axis = normalizeAxis(ctx.attrs().getInt("axis", 0), in.rank(), ctx.node());
  std::vector<int64_t> sizes = splitSizes(ctx.attrs(), in.shape[axis], ctx.numOutputs(), ctx.node());
  for (size_t i = 0; i < sizes.size(); ++i) {
    Shape s = in.shape;
    s[axis] = sizes[i];
    ctx.setOutput(i, movedType(ctx, in, s));
  }
}

void kernelSplit(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(in.shape().size());
  const int64_t axis = normalizeAxis(ctx.attrs().getInt("axis", 0), rank, ctx.node());
  std::vector<int64_t> sizes = splitSizes(ctx.attrs(), in.shape()[axis], ctx.numOutputs(), ctx.node());
  const size_t esz = elemSize(in.elem());
  const int64_t outer = product(in.shape(), 0, static_cast<size_t>(axis));
  const size_t inner = static_cast<size_t>(product(in.shape(), static_cast<size_t>(axis) + 1, rank)) * esz;
  const size_t inChunk = static_cast<size_t>(in.shape()[axis]) * inner;
  size_t offset = 0;
  for (size_t k = 0; k < sizes.size(); ++k) {
    Tensor& out = ctx.output(k);
    const size_t chunk = static_cast<size_t>(sizes[k]) * inner;
    if (chunk != 0) {
      auto* dst = static_cast<std::byte*>(out.rawMutable());
      const auto* src = static_cast<const std::byte*>(in.raw()) + offset;
      for (int64_t o = 0; o < outer; ++o) std::memcpy(dst + o * chunk, src + o * inChunk, chunk);
    }
    offset += chunk;
  }
}

// ---------------------------------------------------------------------------------------------
// Slice

struct SliceSpec {
  std::vector<int64_t> start, step, count;  // per dimension of the data
};

SliceSpec sliceSpec(const Attributes& attrs, const Shape& shape, const Node& node) {
  auto fail = [&](const std::string& r) { failBadInput(node.describe() + ": " + r); };
  const int64_t rank = static_cast<int64_t>(shape.size());
  std::vector<int64_t> starts = attrs.getInts("starts"), ends = attrs.getInts("ends");
  if (starts.size() != ends.size())
    fail("starts has " + std::to_string(starts.size()) + " values, ends has " + std::to_string(ends.size()));
  std::vector<int64_t> axes = attrs.getInts("axes");
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  if (axes.size() != starts.size())
    fail("axes has " + std::to_string(axes.size()) + " values, starts has " + std::to_string(starts.size()));
  std::vector<int64_t> steps = attrs.getInts("steps", std::vector<int64_t>(starts.size(), 1));
  if (steps.size() != starts.size())
    fail("steps has " + std::to_string(steps.size()) + " values, starts has " + std::to_string(starts.size()));
  axes = normalizeAxes(axes, rank, node);

  SliceSpec spec;
  spec.start.assign(shape.size(), 0);
  spec.step.assign(shape.size(), 1);
  spec.count = shape;
  std::vector<bool> seen(shape.size(), false);
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t a = axes[i], dim = shape[a], step = steps[i];
    if (seen[a]) fail("axis " + std::to_string(a) + " is sliced twice");
    seen[a] = true;
    if (step == 0) fail("step 0 on axis " + std::to_string(a));
    int64_t start = starts[i], end = ends[i];
    if (start < 0) start += dim;  // no overflow: dim >= 0
    if (end < 0) end += dim;
    int64_t count = 0;
    if (dim == 0) {
      count = 0;
    } else if (step > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
      if (end > start) count = (end - start - 1) / step + 1;
    } else {
      start = std::clamp<int64_t>(start, 0, dim - 1);
      end = std::clamp<int64_t>(end, -1, dim - 1);
      // -step overflows for INT64_MIN; any step of magnitude >= dim takes a single element.
      const int64_t mag = step < -dim ? dim + 1 : -step;
      if (start > end) count = (start - end - 1) / mag + 1;
    }
    if (count == 0) start = 0;
    spec.start[a] = start;
    spec.step[a] = step;
    spec.count[a] = count;
  }
  return spec;
}

void inferSlice(InferContext& ctx) {
  const TensorType& in = ctx.input(0);
  SliceSpec spec = sliceSpec(ctx.attrs(), in.shape, ctx.node());
  ctx.setOutput(0, movedType(ctx, in, spec.count));
}

void kernelSlice(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  SliceSpec spec = sliceSpec(ctx.attrs(), in.shape(), ctx.node());
  std::vector<int64_t> inStrides = stridesOf(in.shape());
  int64_t offset = 0;
  std::vector<int64_t> strides(inStrides.size());
  for (size_t d = 0; d < inStrides.size(); ++d) {
    offset += spec.start[d] * inStrides[d];
    strides[d] = spec.step[d] * inStrides[d];
  }
  Tensor& out = ctx.output(0);
  copyStrided(in.elem(), in.raw(), offset, spec.count, strides, out.rawMutable());
}

// ---------------------------------------------------------------------------------------------
// Gather

void inferGather(InferContext& ctx) {
  const TensorType& data = ctx.input(0);
  const TensorType& indices = ctx.input(1);
  if (data.rank() == 0) ctx.fail("data must have rank >= 1");
  if (indices.elem != ElemType::I32 && indices.elem != ElemType::I64)
    ctx.fail("indices must be i32 or i64, not " + std::string(elemTypeName(indices.elem)));
  const int64_t axis = normalizeAxis(ctx.attrs().getInt("axis", 0), data.rank(), ctx.node());
  Shape out(data.shape.begin(), data.shape.begin() + axis);
  out.insert(out.end(), indices.shape.begin(), indices.shape.end());
  out.insert(out.end(), data.shape.begin() + axis + 1, data.shape.end());
  ctx.setOutput(0, movedType(ctx, data, out));
}

void kernelGather(KernelContext& ctx) {
  const Tensor& data = ctx.input(0);
  const Tensor& indices = ctx.input(1);
  const int64_t rank = static_cast<int64_t>(data.shape().size());
  const int64_t axis = normalizeAxis(ctx.attrs().getInt("axis", 0), rank, ctx.node());
  const int64_t outer = product(data.shape(), 0, static_cast<size_t>(axis));
  const int64_t dim = data.shape()[axis];
  const int64_t inner = product(data.shape(), static_cast<size_t>(axis) + 1, rank);
  const int64_t n = indices.numElements();
  std::vector<int64_t> idx(static_cast<size_t>(n));
  for (int64_t j = 0; j < n; ++j) {
    int64_t v = indices.elem() == ElemType::I32 ? indices.data<int32_t>()[j] : indices.data<int64_t>()[j];
    if (v < -dim || v >= dim)
      ctx.fail("index " + std::to_string(v) + " is out of range for axis " + std::to_string(axis) + " of size " +
               std::to_string(dim));
    idx[j] = v < 0 ? v + dim : v;
  }
  Tensor& out = ctx.output(0);
  dispatchStorageType(data.elem(), [&](auto tag) {
    using T = decltype(tag);
    const T* src = data.data<T>();
    T* dst = out.mutableData<T>();
    for (int64_t o = 0; o < outer; ++o) {
      const T* base = src + o * dim * inner;
      if (inner == 1) {
        for (int64_t j = 0; j < n; ++j) dst[j] = base[idx[j]];
      } else {
        for (int64_t j = 0; j < n; ++j) std::copy_n(base + idx[j] * inner, inner, dst + j * inner);
      }
      dst += n * inner;
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Transpose

std::vector<int64_t> transposePerm(const Attributes& attrs, int64_t rank, const Node& node) {
  std::vector<int64_t> perm = attrs.getInts("perm");
  if (perm.empty()) {
    for (int64_t i = rank - 1; i >= 0; --i) perm.push_back(i);
    return perm;
  }
  if (static_cast<int64_t>(perm.size()) != rank)
    failBadInput(node.describe() + ": perm " + intsToString(perm) + " does not match rank " + std::to_string(rank));
  std::vector<bool> seen(perm.size(), false);
  for (int64_t& p : perm) {
    if (p < 0) p += rank;
    if (p < 0 || p >= rank || seen[p])
      failBadInput(node.describe() + ": perm " + intsToString(attrs.getInts("perm")) + " is not a permutation");
    seen[p] = true;
  }
  return perm;
}

void inferTranspose(InferContext& ctx) {
  const TensorType& in = ctx.input(0);
  std::vector<int64_t> perm = transposePerm(ctx.attrs(), in.rank(), ctx.node());
  TensorType out(in.elem, Shape(perm.size()));
  for (size_t i = 0; i < perm.size(); ++i) out.shape[i] = in.shape[perm[i]];
  out.quant = in.quant;
  if (in.quant && in.quant->perChannel())
    for (size_t i = 0; i < perm.size(); ++i)
      if (perm[i] == *in.quant->axis) out.quant->axis = static_cast<int64_t>(i);
  ctx.setOutput(0, out);
}

void kernelTranspose(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(in.shape().size());
  std::vector<int64_t> perm = transposePerm(ctx.attrs(), rank, ctx.node());
  std::vector<int64_t> inStrides = stridesOf(in.shape());
  Shape shape(perm.size());
  std::vector<int64_t> strides(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    shape[i] = in.shape()[perm[i]];
    strides[i] = inStrides[perm[i]];
  }
  Tensor& out = ctx.output(0);
  copyStrided(in.elem(), in.raw(), 0, shape, strides, out.rawMutable());
}

// ---------------------------------------------------------------------------------------------
// Pad

struct PadSpec {
  std::string mode;
  std::vector<int64_t> begin, end;  // per dimension, may be negative (cropping)
};

PadSpec padSpec(const Attributes& attrs, const Shape& shape, const Node& node) {
  auto fail = [&](const std::string& r) { failBadInput(node.describe() + ": " + r); };
  const int64_t rank = static_cast<int64_t>(shape.size());
  PadSpec spec;
  spec.mode = attrs.getString("mode", "constant");
  if (spec.mode != "constant" && spec.mode != "reflect" && spec.mode != "edge" && spec.mode != "wrap")
    fail("unknown mode '" + spec.mode + "'");
  std::vector<int64_t> pads = attrs.getInts("pads");
  std::vector<int64_t> axes = attrs.getInts("axes");
  if (axes.empty())
    for (int64_t i = 0; i < rank; ++i) axes.push_back(i);
  axes = normalizeAxes(axes, rank, node);
  const size_t n = axes.size();
  if (pads.empty()) pads.assign(2 * n, 0);
  if (pads.size() != 2 * n)
    fail("pads has " + std::to_string(pads.size()) + " values, expected " + std::to_string(2 * n));
  spec.begin.assign(shape.size(), 0);
  spec.end.assign(shape.size(), 0);
  for (size_t i = 0; i < n; ++i) {
    spec.begin[axes[i]] = pads[i];
    spec.end[axes[i]] = pads[i + n];
  }
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] + spec.begin[d] + spec.end[d] < 0)
      fail("pads " + intsToString(pads) + " remove more than the " + std::to_string(shape[d]) + " elements of axis " +
           std::to_string(d));
    bool grows = spec.begin[d] > 0 || spec.end[d] > 0;
    if (spec.mode != "constant" && grows && shape[d] == 0)
      fail("mode " + spec.mode + " cannot pad the empty axis " + std::to_string(d));
  }
  return spec;
}

// The constant that constant mode fills with, as a one-element tensor of `elem`.
Tensor padValue(const Attributes& attrs, ElemType elem) {
  auto it = attrs.all().find("constant_value");
  if (it == attrs.all().end()) it = attrs.all().find("value");
  if (it == attrs.all().end()) return Tensor(TensorType(elem, {}));
  if (const Tensor* t = std::get_if<Tensor>(&it->second)) {
    if (t->numElements() < 1) return Tensor(TensorType(elem, {}));
    return convertTensor(t->reshaped(Shape{t->numElements()}), elem);
  }
  if (const float* f = std::get_if<float>(&it->second)) return convertTensor(Tensor::scalarF32(*f), elem);
  if (const int64_t* i = std::get_if<int64_t>(&it->second))
    return convertTensor(Tensor::fromVector<int64_t>(ElemType::I64, {}, {*i}), elem);
  failBadInput("attribute '" + it->first + "' should be a tensor or a float");
}

void inferPad(InferContext& ctx) {
  const TensorType& in = ctx.input(0);
  PadSpec spec = padSpec(ctx.attrs(), in.shape, ctx.node());
  Shape out = in.shape;
  for (size_t d = 0; d < out.size(); ++d) out[d] += spec.begin[d] + spec.end[d];
  if (const Tensor* t = ctx.attrs().has("constant_value") ? ctx.attrs().getTensor("constant_value") : nullptr)
    if (t->numElements() > 1) ctx.fail("constant_value must have one element");
  ctx.setOutput(0, movedType(ctx, in, out));
}

// Input index read for output index `o` of an axis (-1: the constant).
int64_t padSource(int64_t o, int64_t begin, int64_t n, const std::string& mode) {
  int64_t i = o - begin;
  if (i >= 0 && i < n) return i;
  if (mode == "constant") return -1;
  if (mode == "edge") return i < 0 ? 0 : n - 1;
  if (mode == "wrap") return ((i % n) + n) % n;
  if (n == 1) return 0;  // reflect
  const int64_t period = 2 * (n - 1);
  int64_t k = ((i % period) + period) % period;
  return k < n ? k : period - k;
}

void kernelPad(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  const Shape& inShape = in.shape();
  const Shape& outShape = out.shape();
  const size_t rank = inShape.size();
  if (out.numElements() == 0) return;
  if (rank == 0) {
    std::memcpy(out.rawMutable(), in.raw(), in.byteSize());
    return;
  }
  PadSpec spec = padSpec(ctx.attrs(), inShape, ctx.node());
  Tensor value = padValue(ctx.attrs(), in.elem());
  std::vector<std::vector<int64_t>> src(rank);
  for (size_t d = 0; d < rank; ++d) {
    src[d].resize(static_cast<size_t>(outShape[d]));
    for (int64_t o = 0; o < outShape[d]; ++o) src[d][o] = padSource(o, spec.begin[d], inShape[d], spec.mode);
  }
  std::vector<int64_t> inStrides = stridesOf(inShape);
  const int64_t n = outShape.back();
  // The run [lo, hi) of the last axis copies input elements contiguously.
  const int64_t lo = std::clamp<int64_t>(spec.begin.back(), 0, n);
  const int64_t hi = std::clamp<int64_t>(spec.begin.back() + inShape.back(), lo, n);
  const std::vector<int64_t>& last = src.back();
  dispatchStorageType(in.elem(), [&](auto tag) {
    using T = decltype(tag);
    const T cv = value.data<T>()[0];
    const T* base = in.data<T>();
    T* dst = out.mutableData<T>();
    const int64_t rows = out.numElements() / n;
    std::vector<int64_t> idx(rank, 0);
    for (int64_t r = 0; r < rows; ++r, dst += n) {
      int64_t off = 0;
      bool fill = false;
      for (size_t d = 0; d + 1 < rank; ++d) {
        int64_t s = src[d][idx[d]];
        if (s < 0) {
          fill = true;
          break;
        }
        off += s * inStrides[d];
      }
      if (fill) {
        std::fill_n(dst, n, cv);
      } else {
        const T* row = base + off;
        for (int64_t j = 0; j < lo; ++j) dst[j] = last[j] < 0 ? cv : row[last[j]];
        if (hi > lo) std::copy_n(row + (lo - spec.begin.back()), hi - lo, dst + lo);
        for (int64_t j = hi; j < n; ++j) dst[j] = last[j] < 0 ? cv : row[last[j]];
      }
      for (int64_t d = static_cast<int64_t>(rank) - 2; d >= 0; --d) {
        if (++idx[d] < outShape[d]) break;
        idx[d] = 0;
      }
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Tile

std::vector<int64_t> tileRepeats(const Attributes& attrs, int64_t rank, const Node& node) {
  std::vector<int64_t> reps = attrs.getInts("repeats");
  if (static_cast<int64_t>(reps.size()) != rank)
    failBadInput(node.describe() + ": repeats has " + std::to_string(reps.size()) + " values for rank " +
                 std::to_string(rank));
  for (int64_t r : reps)
    if (r < 0) failBadInput(node.describe() + ": negative repeat " + std::to_string(r));
  return reps;
}

void inferTile(InferContext& ctx) {
  const TensorType& in = ctx.input(0);
  std::vector<int64_t> reps = tileRepeats(ctx.attrs(), in.rank(), ctx.node());
  Shape out = in.shape;
  for (size_t d = 0; d < out.size(); ++d) out[d] *= reps[d];
  ctx.setOutput(0, movedType(ctx, in, out));
}

void kernelTile(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  if (out.numElements() == 0) return;
  const Shape& inShape = in.shape();
  const Shape& outShape = out.shape();
  const size_t rank = inShape.size();
  if (rank == 0) {
    std::memcpy(out.rawMutable(), in.raw(), in.byteSize());
    return;
  }
  std::vector<int64_t> inStrides = stridesOf(inShape);
  const int64_t w = inShape.back(), n = outShape.back();
  dispatchStorageType(in.elem(), [&](auto tag) {
    using T = decltype(tag);
    const T* base = in.data<T>();
    T* dst = out.mutableData<T>();
    const int64_t rows = out.numElements() / n;
    std::vector<int64_t> idx(rank, 0);
    for (int64_t r = 0; r < rows; ++r, dst += n) {
      int64_t off = 0;
      for (size_t d = 0; d + 1 < rank; ++d) off += (idx[d] % inShape[d]) * inStrides[d];
      for (int64_t j = 0; j < n; j += w) std::copy_n(base + off, w, dst + j);
      for (int64_t d = static_cast<int64_t>(rank) - 2; d >= 0; --d) {
        if (++idx[d] < outShape[d]) break;
        idx[d] = 0;
      }
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Expand

void inferExpand(InferContext& ctx) {
  const TensorType& in = ctx.input(0);
  Shape target = ctx.attrs().getInts("shape");
  for (int64_t d : target)
    if (d < 0) ctx.fail("negative dimension in shape " + intsToString(target));
  ctx.setOutput(0, movedType(ctx, in, broadcastShapes({in.shape, target}, ctx.node())));
}

void kernelExpand(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  copyStrided(in.elem(), in.raw(), 0, out.shape(), broadcastStrides(in.shape(), out.shape()), out.rawMutable());
}

}  // namespace

void registerTensorOps(OpTable& t) {
  using K = AttrKind;
  t.add(OpDef{.name = "Concat", .category = "tensor", .minInputs = 1, .maxInputs = -1,
              .attrs = {{"axis", K::Int}}, .params = {}, .infer = inferConcat, .kernel = kernelConcat, .kind = OpKind::DataMovement});
  // Any number of results (maxOutputs has no "variadic" value: -1 is documented for maxInputs only).
  t.add(OpDef{.name = "Split", .category = "tensor", .minInputs = 1, .maxInputs = 1, .minOutputs = 1,
              .maxOutputs = std::numeric_limits<int>::max(), .attrs = {{"axis", K::Int}, {"split", K::Ints}, {"num_outputs", K::Int}},
              .params = {{1, "split", K::Ints}}, .infer = inferSplit, .kernel = kernelSplit, .kind = OpKind::DataMovement});
  t.add(OpDef{.name = "Slice", .category = "tensor", .minInputs = 1, .maxInputs = 1,
              .attrs = {{"starts", K::Ints}, {"ends", K::Ints}, {"axes", K::Ints}, {"steps", K::Ints}},
              .params = {{1, "starts", K::Ints}, {2, "ends", K::Ints}, {3, "axes", K::Ints}, {4, "steps", K::Ints}},
              .infer = inferSlice, .kernel = kernelSlice, .kind = OpKind::DataMovement});
  t.add(OpDef{.name = "Gather", .category = "tensor", .minInputs = 2, .maxInputs = 2,
              .attrs = {{"axis", K::Int}}, .params = {}, .infer = inferGather, .kernel = kernelGather, .kind = OpKind::DataMovement});
  t.add(OpDef{.name = "Transpose", .category = "tensor", .attrs = {{"perm", K::Ints}}, .params = {}, .infer = inferTranspose,
              .kernel = kernelTranspose, .kind = OpKind::DataMovement});
  t.add(OpDef{.name = "Pad", .category = "tensor", .minInputs = 1, .maxInputs = 1,
              .attrs = {{"mode", K::String},
                        {"pads", K::Ints},
                        {"constant_value", K::Tensor},
                        {"value", K::Float},
                        {"axes", K::Ints}},
              .params = {{1, "pads", K::Ints}, {2, "constant_value", K::Tensor}, {3, "axes", K::Ints}},
              .infer = inferPad, .kernel = kernelPad, .kind = OpKind::DataMovement});
  t.add(OpDef{.name = "Tile", .category = "tensor", .minInputs = 1, .maxInputs = 1,
              .attrs = {{"repeats", K::Ints}}, .params = {{1, "repeats", K::Ints}}, .infer = inferTile,
              .kernel = kernelTile, .kind = OpKind::DataMovement});
  t.add(OpDef{.name = "Expand", .category = "tensor", .minInputs = 1, .maxInputs = 1,
              .attrs = {{"shape", K::Ints}}, .params = {{1, "shape", K::Ints}}, .infer = inferExpand,
              .kernel = kernelExpand, .kind = OpKind::DataMovement});
}

}  // namespace nest
