// Indexed reads and writes: GatherElements (opset 11, 13), GatherND (11, 12 with batch_dims, 13)
// and ScatterND (11, 13, 16 with reduction add / mul; max / min of opset 18 too). Indices are
// i32 or i64, negative ones count from the end of their axis, and an index out of range fails
// naming the node. The data kernels copy storage elements, so every element type works.
#include <algorithm>
#include <string>
#include <vector>

#include "core/ops/elem_classes.h"
#include "core/ops/op_helpers.h"
#include "core/ops/register_ops.h"

namespace nest {

namespace {

using namespace ops;

void requireIndices(const InferContext& ctx, size_t operand) {
  const ElemType e = ctx.input(operand).elem;
  if (e != ElemType::I32 && e != ElemType::I64)
    ctx.fail("indices must be i32 or i64, not " + std::string(elemTypeName(e)));
}

// The result type of an op that moves elements of `data`: its element type and per-tensor
// quantization.
TensorType movedType(const InferContext& ctx, const TensorType& data, Shape shape) {
  if (data.quant && data.quant->perChannel()) ctx.unsupported("per-channel quantized data is not supported");
  TensorType t(data.elem, std::move(shape));
  t.quant = data.quant;
  return t;
}

// Index j of `indices` normalized into [0, dim), or a failure naming the axis.
int64_t indexAt(const KernelContext& ctx, const Tensor& indices, int64_t j, int64_t dim, int64_t axis) {
  const int64_t v = indices.elem() == ElemType::I32 ? indices.data<int32_t>()[j] : indices.data<int64_t>()[j];
  if (v < -dim || v >= dim)
    ctx.fail("index " + std::to_string(v) + " is out of range for axis " + std::to_string(axis) + " of size " +
             std::to_string(dim));
  return v < 0 ? v + dim : v;
}

// ---------------------------------------------------------------------------------------------
// GatherElements: out[p] = data[p with p[axis] = indices[p]]; the result has the indices' shape.

void inferGatherElements(InferContext& ctx) {
  const TensorType& data = ctx.input(0);
  const TensorType& indices = ctx.input(1);
  requireIndices(ctx, 1);
  if (data.rank() == 0) ctx.fail("data must have rank >= 1");
  if (indices.rank() != data.rank())
    ctx.fail("indices " + shapeToString(indices.shape) + " must have the rank of data " + shapeToString(data.shape));
  const int64_t axis = normalizeAxis(ctx.attrs().getInt("axis", 0), data.rank(), ctx.node());
  for (int64_t d = 0; d < data.rank(); ++d)
    if (d != axis && indices.shape[d] > data.shape[d])
      ctx.fail("indices " + shapeToString(indices.shape) + " exceed data " + shapeToString(data.shape) + " on axis " +
               std::to_string(d) + " (only axis " + std::to_string(axis) + " is indexed)");
  ctx.setOutput(0, movedType(ctx, data, indices.shape));
}

void kernelGatherElements(KernelContext& ctx) {
  const Tensor& data = ctx.input(0);
  const Tensor& indices = ctx.input(1);
  const int64_t rank = static_cast<int64_t>(data.shape().size());
  const int64_t axis = normalizeAxis(ctx.attrs().getInt("axis", 0), rank, ctx.node());
  const std::vector<int64_t> dataStrides = stridesOf(data.shape());
  const Shape& outShape = indices.shape();
  const int64_t total = indices.numElements();
  const int64_t dim = data.shape()[axis];
  Tensor& out = ctx.output(0);
  dispatchStorageType(data.elem(), [&](auto tag) {
    using T = decltype(tag);
    const T* src = data.data<T>();
    T* dst = out.mutableData<T>();
    std::vector<int64_t> idx(static_cast<size_t>(rank), 0);
    int64_t base = 0;  // offset of idx in data without the axis term
    for (int64_t i = 0; i < total; ++i) {
      dst[i] = src[base + indexAt(ctx, indices, i, dim, axis) * dataStrides[axis]];
      for (int64_t d = rank - 1; d >= 0; --d) {
        if (++idx[d] < outShape[d]) {
          if (d != axis) base += dataStrides[d];
          break;
        }
        if (d != axis) base -= dataStrides[d] * (outShape[d] - 1);
        idx[d] = 0;
      }
    }
  });
}

// ---------------------------------------------------------------------------------------------
// GatherND: indices [..., m] address slices data[b..., i0, ..., i(m-1), :] after batch_dims b.

struct GatherNdGeom {
  int64_t batchDims = 0, m = 0;
  int64_t batch = 1;       // product of the batch dimensions
  int64_t tuples = 1;      // index tuples per batch
  int64_t slice = 1;       // elements per gathered slice
  Shape out;
};

GatherNdGeom gatherNdGeometry(const Node& node, const Shape& data, const Shape& indices) {
  auto fail = [&](const std::string& r) { failBadInput(node.describe() + ": " + r); };
  GatherNdGeom g;
  const int64_t r = static_cast<int64_t>(data.size()), q = static_cast<int64_t>(indices.size());
  g.batchDims = node.attrs.getInt("batch_dims", 0);
  if (r < 1 || q < 1)
    fail("data and indices must have rank >= 1, got " + shapeToString(data) + " and " + shapeToString(indices));
  if (g.batchDims < 0 || g.batchDims >= std::min(r, q))
    fail("batch_dims " + std::to_string(g.batchDims) + " must be in [0, " + std::to_string(std::min(r, q) - 1) +
         "] for data " + shapeToString(data) + " and indices " + shapeToString(indices));
  for (int64_t d = 0; d < g.batchDims; ++d)
    if (data[d] != indices[d])
      fail("the first " + std::to_string(g.batchDims) + " dimensions of data " + shapeToString(data) + " and indices " +
           shapeToString(indices) + " must be equal (batch_dims)");
  g.m = indices[q - 1];
  if (g.m < 1 || g.m > r - g.batchDims)
    fail("the last dimension of indices " + shapeToString(indices) + " must be in [1, " + std::to_string(r - g.batchDims) +
         "] for data " + shapeToString(data) + " with batch_dims " + std::to_string(g.batchDims));
  for (int64_t d = 0; d < g.batchDims; ++d) g.batch *= data[d];
  for (int64_t d = g.batchDims; d < q - 1; ++d) g.tuples *= indices[d];
  for (int64_t d = g.batchDims + g.m; d < r; ++d) g.slice *= data[d];
  g.out.assign(indices.begin(), indices.end() - 1);
  g.out.insert(g.out.end(), data.begin() + g.batchDims + g.m, data.end());
  return g;
}

void inferGatherND(InferContext& ctx) {
  requireIndices(ctx, 1);
  GatherNdGeom g = gatherNdGeometry(ctx.node(), ctx.input(0).shape, ctx.input(1).shape);
  ctx.setOutput(0, movedType(ctx, ctx.input(0), g.out));
}

// The element offset in data (from the start of its batch) of index tuple t.
int64_t tupleOffset(const KernelContext& ctx, const Tensor& indices, int64_t t, int64_t m, const Shape& data,
                    const std::vector<int64_t>& strides, int64_t firstAxis) {
  int64_t off = 0;
  for (int64_t k = 0; k < m; ++k)
    off += indexAt(ctx, indices, t * m + k, data[firstAxis + k], firstAxis + k) * strides[firstAxis + k];
  return off;
}

void kernelGatherND(KernelContext& ctx) {
  const Tensor& data = ctx.input(0);
  const Tensor& indices = ctx.input(1);
  GatherNdGeom g = gatherNdGeometry(ctx.node(), data.shape(), indices.shape());
  const std::vector<int64_t> strides = stridesOf(data.shape());
  const int64_t batchStride = g.batchDims > 0 ? strides[g.batchDims - 1] : 0;
  Tensor& out = ctx.output(0);
  dispatchStorageType(data.elem(), [&](auto tag) {
    using T = decltype(tag);
    const T* src = data.data<T>();
    T* dst = out.mutableData<T>();
    for (int64_t b = 0; b < g.batch; ++b)
      for (int64_t t = 0; t < g.tuples; ++t) {
        const int64_t off = b * batchStride + tupleOffset(ctx, indices, b * g.tuples + t, g.m, data.shape(), strides, g.batchDims);
        std::copy_n(src + off, g.slice, dst);
        dst += g.slice;
      }
  });
}

// ---------------------------------------------------------------------------------------------
// ScatterND: a copy of data with updates written (or combined by `reduction`) at the slices that
// indices [..., k] address; updates has shape indices.shape[:-1] + data.shape[k:].

void inferScatterND(InferContext& ctx) {
  const TensorType& data = ctx.input(0);
  const TensorType& indices = ctx.input(1);
  const TensorType& updates = ctx.input(2);
  requireIndices(ctx, 1);
  const std::string reduction = ctx.attrs().getString("reduction", "none");
  if (reduction != "none" && reduction != "add" && reduction != "mul" && reduction != "max" && reduction != "min")
    ctx.fail("reduction must be \"none\", \"add\", \"mul\", \"max\" or \"min\", got \"" + reduction + "\"");
  if (reduction != "none" && data.elem == ElemType::Bool)
    ctx.fail("reduction \"" + reduction + "\" is not defined on bool");
  if (updates.elem != data.elem || updates.quant != data.quant)
    ctx.fail("updates are " + typeToString(updates) + " but data is " + typeToString(data));
  if (data.quant && reduction != "none") ctx.unsupported("reduction on quantized data is not supported");
  const int64_t r = data.rank(), q = indices.rank();
  if (r < 1 || q < 1)
    ctx.fail("data and indices must have rank >= 1, got " + shapeToString(data.shape) + " and " +
             shapeToString(indices.shape));
  const int64_t k = indices.shape[q - 1];
  if (k < 1 || k > r)
    ctx.fail("the last dimension of indices " + shapeToString(indices.shape) + " must be in [1, " + std::to_string(r) +
             "] for data " + shapeToString(data.shape));
  Shape expected(indices.shape.begin(), indices.shape.end() - 1);
  expected.insert(expected.end(), data.shape.begin() + k, data.shape.end());
  if (updates.shape != expected)
    ctx.fail("updates " + shapeToString(updates.shape) + " must have shape " + shapeToString(expected) +
             " (indices.shape[:-1] + data.shape[" + std::to_string(k) + ":])");
  ctx.setOutput(0, movedType(ctx, data, data.shape));
}

template <typename C>
C combine(const std::string& reduction, C a, C b) {
  if (reduction == "add") return static_cast<C>(a + b);
  if (reduction == "mul") return static_cast<C>(a * b);
  if (reduction == "max") return a < b ? b : a;
  return b < a ? b : a;  // min
}

void kernelScatterND(KernelContext& ctx) {
  const Tensor& data = ctx.input(0);
  const Tensor& indices = ctx.input(1);
  const Tensor& updates = ctx.input(2);
  const std::string reduction = ctx.attrs().getString("reduction", "none");
  const int64_t k = indices.shape().back();
  const int64_t tuples = k > 0 ? indices.numElements() / k : 0;
  int64_t slice = 1;
  for (size_t d = static_cast<size_t>(k); d < data.shape().size(); ++d) slice *= data.shape()[d];
  const std::vector<int64_t> strides = stridesOf(data.shape());
  Tensor out(data.type(), data.raw());
  if (reduction == "none") {
    dispatchStorageType(data.elem(), [&](auto tag) {
      using T = decltype(tag);
      T* dst = out.mutableData<T>();
      const T* src = updates.data<T>();
      for (int64_t t = 0; t < tuples; ++t)
        std::copy_n(src + t * slice, slice, dst + tupleOffset(ctx, indices, t, k, data.shape(), strides, 0));
    });
  } else {
    dispatchNumeric(data.elem(), [&](auto tag) {
      using T = decltype(tag);
      void* dst = out.rawMutable();
      const void* src = updates.raw();
      for (int64_t t = 0; t < tuples; ++t) {
        const int64_t off = tupleOffset(ctx, indices, t, k, data.shape(), strides, 0);
        for (int64_t j = 0; j < slice; ++j)
          Elem<T>::store(dst, off + j, combine(reduction, Elem<T>::load(dst, off + j), Elem<T>::load(src, t * slice + j)));
      }
    });
  }
  ctx.setOutput(0, std::move(out));
}

}  // namespace

void registerGatherScatterOps(OpTable& t) {
  using K = AttrKind;
  t.add(OpDef{.name = "GatherElements", .category = "tensor", .minInputs = 2, .maxInputs = 2,
              .attrs = {{"axis", K::Int}}, .params = {}, .infer = inferGatherElements, .kernel = kernelGatherElements});
  t.add(OpDef{.name = "GatherND", .category = "tensor", .minInputs = 2, .maxInputs = 2,
              .attrs = {{"batch_dims", K::Int}}, .params = {}, .infer = inferGatherND, .kernel = kernelGatherND});
  t.add(OpDef{.name = "ScatterND", .category = "tensor", .minInputs = 3, .maxInputs = 3,
              .attrs = {{"reduction", K::String}}, .params = {}, .infer = inferScatterND, .kernel = kernelScatterND});
}

}  // namespace nest
