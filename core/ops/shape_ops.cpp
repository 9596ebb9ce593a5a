// Shape ops: Reshape, Flatten, Squeeze, Unsqueeze (views of the same bytes), Shape, Size,
// Range, ConstantOfShape (results computed from types and attributes alone).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "core/ops/op_helpers.h"
#include "core/ops/register_ops.h"

namespace nest {

namespace {

using namespace ops;

std::string intsToString(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s + "]";
}

// Result type of a view op: same element type and quantization, another shape.
TensorType viewType(const InferContext& ctx, const TensorType& in, Shape shape) {
  if (in.quant && in.quant->perChannel()) ctx.unsupported("per-channel quantized operand is not supported");
  TensorType t(in.elem, std::move(shape));
  t.quant = in.quant;
  return t;
}

// Kernel of every view op: the same bytes under the inferred shape.
void kernelView(KernelContext& ctx) { ctx.setOutput(0, ctx.input(0).reshaped(ctx.outputType(0).shape)); }

// ---------------------------------------------------------------------------------------------
// Reshape

void inferReshape(InferContext& ctx) {
  const TensorType& in = ctx.input(0);
  const std::vector<int64_t> target = ctx.attrs().getInts("shape");  // absent: empty shape (a scalar)
  const bool allowZero = ctx.attrs().getInt("allowzero", 0) != 0;
  Shape out(target.size());
  int64_t inferred = -1, known = 1;
  for (size_t i = 0; i < target.size(); ++i) {
    int64_t d = target[i];
    if (d == -1) {
      if (inferred >= 0) ctx.fail("shape " + intsToString(target) + " has more than one -1");
      inferred = static_cast<int64_t>(i);
      continue;
    }
    if (d == 0 && !allowZero) {
      if (static_cast<int64_t>(i) >= in.rank())
        ctx.fail("shape " + intsToString(target) + " copies dimension " + std::to_string(i) + " of " +
                 shapeToString(in.shape) + " which does not exist");
      d = in.shape[i];
    }
    if (d < 0) ctx.fail("invalid dimension " + std::to_string(d) + " in shape " + intsToString(target));
    out[i] = d;
    if (__builtin_mul_overflow(known, d, &known))  // a fuzzed model's huge dims must not wrap around
      ctx.fail("shape " + intsToString(target) + " has more elements than a 64-bit count holds");
  }
  const int64_t total = in.numElements();
  if (inferred >= 0) {
    if (allowZero && known == 0 && std::count(target.begin(), target.end(), 0) > 0)
      ctx.fail("shape " + intsToString(target) + " has both 0 and -1 with allowzero=1");
    if (known == 0 || total % known != 0)
      ctx.fail("cannot reshape " + shapeToString(in.shape) + " to " + intsToString(target));
    out[inferred] = total / known;
  }
  if (numElements(out) != total)
    ctx.fail("cannot reshape " + shapeToString(in.shape) + " (" + std::to_string(total) + " elements) to " +
             shapeToString(out));
  ctx.setOutput(0, viewType(ctx, in, out));
}

// ---------------------------------------------------------------------------------------------
// Flatten

void inferFlatten(InferContext& ctx) {
  const TensorType& in = ctx.input(0);
  int64_t axis = ctx.attrs().getInt("axis", 1);
  if (axis < -in.rank() || axis > in.rank())
    ctx.fail("axis " + std::to_string(axis) + " out of range for rank " + std::to_string(in.rank()));
  if (axis < 0) axis += in.rank();
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < in.rank(); ++d) (d < axis ? outer : inner) *= in.shape[d];
  ctx.setOutput(0, viewType(ctx, in, {outer, inner}));
}

// ---------------------------------------------------------------------------------------------
// Squeeze / Unsqueeze

void inferSqueeze(InferContext& ctx) {
  const TensorType& in = ctx.input(0);
  const std::vector<int64_t> given = ctx.attrs().getInts("axes");
  std::vector<bool> drop(in.shape.size(), false);
  if (given.empty()) {
    for (size_t d = 0; d < in.shape.size(); ++d) drop[d] = in.shape[d] == 1;
  } else {
    for (int64_t a : normalizeAxes(given, in.rank(), ctx.node())) {
      if (in.shape[a] != 1)
        ctx.fail("cannot squeeze axis " + std::to_string(a) + " of size " + std::to_string(in.shape[a]) + " in " +
                 shapeToString(in.shape));
      drop[a] = true;
    }
  }
  Shape out;
  for (size_t d = 0; d < in.shape.size(); ++d)
    if (!drop[d]) out.push_back(in.shape[d]);
  ctx.setOutput(0, viewType(ctx, in, out));
}

void inferUnsqueeze(InferContext& ctx) {
  const TensorType& in = ctx.input(0);
  const std::vector<int64_t> given = ctx.attrs().getInts("axes");
  const int64_t outRank = in.rank() + static_cast<int64_t>(given.size());
  std::vector<bool> inserted(static_cast<size_t>(outRank), false);
  for (int64_t a : normalizeAxes(given, outRank, ctx.node())) {
    if (inserted[a]) ctx.fail("axes " + intsToString(given) + " name axis " + std::to_string(a) + " twice");
    inserted[a] = true;
  }
  Shape out;
  size_t next = 0;
  for (int64_t d = 0; d < outRank; ++d) out.push_back(inserted[d] ? 1 : in.shape[next++]);
  ctx.setOutput(0, viewType(ctx, in, out));
}

// ---------------------------------------------------------------------------------------------
// Shape / Size

// [start, end) of the dimensions Shape returns (opset 15: negative from the back, clipped).
std::pair<int64_t, int64_t> shapeRange(const Attributes& attrs, int64_t rank) {
  auto clip = [rank](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank); };
  int64_t start = clip(attrs.getInt("start", 0));
  int64_t end = attrs.has("end") ? clip(attrs.getInt("end")) : rank;
  return {start, std::max(start, end)};
}

void inferShape(InferContext& ctx) {
  auto [start, end] = shapeRange(ctx.attrs(), ctx.input(0).rank());
  ctx.setOutput(0, TensorType(ElemType::I64, {end - start}));
}

void kernelShape(KernelContext& ctx) {
  const Shape& shape = ctx.input(0).shape();
  auto [start, end] = shapeRange(ctx.attrs(), static_cast<int64_t>(shape.size()));
  int64_t* out = ctx.output(0).mutableData<int64_t>();
  for (int64_t d = start; d < end; ++d) out[d - start] = shape[d];
}

void inferSize(InferContext& ctx) {
  ctx.input(0);
  ctx.setOutput(0, TensorType(ElemType::I64, {}));
}

void kernelSize(KernelContext& ctx) { ctx.output(0).mutableData<int64_t>()[0] = ctx.input(0).numElements(); }

// ---------------------------------------------------------------------------------------------
// Range

struct RangeArgs {
  Tensor start, limit, delta;
  int64_t count = 0;
};

RangeArgs rangeArgs(const Attributes& attrs, const Node& node) {
  auto fail = [&](const std::string& r) { failBadInput(node.describe() + ": " + r); };
  auto get = [&](const char* name) {
    const auto& all = attrs.all();
    auto it = all.find(name);
    if (it == all.end()) fail(std::string("'") + name + "' is missing (it must be a constant)");
    if (const Tensor* t = std::get_if<Tensor>(&it->second)) {
      if (t->numElements() != 1) fail(std::string("'") + name + "' must be a scalar");
      return *t;
    }
    if (const float* f = std::get_if<float>(&it->second)) return Tensor::scalarF32(*f);
    if (const int64_t* i = std::get_if<int64_t>(&it->second))
      return Tensor::fromVector<int64_t>(ElemType::I64, {}, {*i});
    failBadInput(node.describe() + ": '" + name + "' should be a tensor");
  };
  RangeArgs r{get("start"), get("limit"), get("delta")};
  const ElemType e = r.start.elem();
  if (r.limit.elem() != e || r.delta.elem() != e)
    fail("start, limit and delta must have the same element type");
  if (e == ElemType::Bool) fail("bool is not a numeric type");
  if (isFloat(e)) {
    const double s = r.start.getDouble(0), l = r.limit.getDouble(0), d = r.delta.getDouble(0);
    if (d == 0 || !std::isfinite(s) || !std::isfinite(l) || !std::isfinite(d))
      fail("delta must be non-zero and start, limit, delta finite");
    r.count = static_cast<int64_t>(std::max(std::ceil((l - s) / d), 0.0));
  } else if (e == ElemType::U64) {
    const uint64_t s = r.start.data<uint64_t>()[0], l = r.limit.data<uint64_t>()[0], d = r.delta.data<uint64_t>()[0];
    if (d == 0) fail("delta must be non-zero");
    r.count = l > s ? static_cast<int64_t>((l - s + d - 1) / d) : 0;
  } else {
    const int64_t s = r.start.getInt(0), l = r.limit.getInt(0), d = r.delta.getInt(0);
    if (d == 0) fail("delta must be non-zero");
    if (d > 0)
      r.count = l > s ? (l - s - 1) / d + 1 : 0;
    else
      r.count = s > l ? (s - l - 1) / -d + 1 : 0;
  }
  return r;
}

void inferRange(InferContext& ctx) {
  RangeArgs r = rangeArgs(ctx.attrs(), ctx.node());
  ctx.setOutput(0, TensorType(r.start.elem(), {r.count}));
}

void kernelRange(KernelContext& ctx) {
  RangeArgs r = rangeArgs(ctx.attrs(), ctx.node());
  Tensor& out = ctx.output(0);
  dispatchNumeric(out.elem(), [&](auto tag) {
    using T = decltype(tag);
    using C = ComputeT<T>;
    void* dst = out.rawMutable();
    if constexpr (std::is_floating_point_v<C>) {
      const double s = r.start.getDouble(0), d = r.delta.getDouble(0);
      for (int64_t i = 0; i < r.count; ++i) Elem<T>::store(dst, i, static_cast<C>(s + static_cast<double>(i) * d));
    } else {
      // Wrapping 64-bit arithmetic: exact for every value that fits the element type.
      const auto s = static_cast<uint64_t>(r.start.getInt(0)), d = static_cast<uint64_t>(r.delta.getInt(0));
      for (int64_t i = 0; i < r.count; ++i) Elem<T>::store(dst, i, static_cast<C>(s + static_cast<uint64_t>(i) * d));
    }
  });
}

// ---------------------------------------------------------------------------------------------
// ConstantOfShape

Tensor constantValue(const Attributes& attrs) {
  if (const Tensor* t = attrs.getTensor("value")) return *t;
  return Tensor::scalarF32(0.0f);
}

void inferConstantOfShape(InferContext& ctx) {
  const std::vector<int64_t> shape = ctx.attrs().getInts("shape");  // absent: empty shape (a scalar)
  for (int64_t d : shape)
    if (d < 0) ctx.fail("negative dimension in shape " + intsToString(shape));
  Tensor value = constantValue(ctx.attrs());
  if (value.numElements() != 1) ctx.fail("value must have exactly one element");
  ctx.setOutput(0, TensorType(value.elem(), shape));
}

void kernelConstantOfShape(KernelContext& ctx) {
  Tensor value = constantValue(ctx.attrs());
  Tensor& out = ctx.output(0);
  dispatchStorageType(out.elem(), [&](auto tag) {
    using T = decltype(tag);
    std::fill_n(out.mutableData<T>(), out.numElements(), value.data<T>()[0]);
  });
}

}  // namespace

void registerShapeOps(OpTable& t) {
  using K = AttrKind;
  t.add(OpDef{.name = "Reshape", .category = "shape", .minInputs = 1, .maxInputs = 1,
              .attrs = {{"shape", K::Ints}, {"allowzero", K::Int}}, .params = {{1, "shape", K::Ints}},
              .infer = inferReshape, .kernel = kernelView, .kind = OpKind::DataMovement, .view = true});
  t.add(OpDef{.name = "Flatten", .category = "shape", .attrs = {{"axis", K::Int}}, .params = {},
              .infer = inferFlatten, .kernel = kernelView, .kind = OpKind::DataMovement, .view = true});
  t.add(OpDef{.name = "Squeeze", .category = "shape", .minInputs = 1, .maxInputs = 1,
              .attrs = {{"axes", K::Ints}}, .params = {{1, "axes", K::Ints}}, .infer = inferSqueeze,
              .kernel = kernelView, .kind = OpKind::DataMovement, .view = true});
  t.add(OpDef{.name = "Unsqueeze", .category = "shape", .minInputs = 1, .maxInputs = 1,
              .attrs = {{"axes", K::Ints}}, .params = {{1, "axes", K::Ints}}, .infer = inferUnsqueeze,
              .kernel = kernelView, .kind = OpKind::DataMovement, .view = true});
  t.add(OpDef{.name = "Shape", .category = "shape", .attrs = {{"start", K::Int}, {"end", K::Int}}, .params = {},
              .infer = inferShape, .kernel = kernelShape});
  t.add(OpDef{.name = "Size", .category = "shape", .attrs = {}, .params = {}, .infer = inferSize,
              .kernel = kernelSize});
  t.add(OpDef{.name = "Range", .category = "shape", .minInputs = 0, .maxInputs = 0,
              .attrs = {{"start", K::Tensor}, {"limit", K::Tensor}, {"delta", K::Tensor}},
              .params = {{0, "start", K::Tensor}, {1, "limit", K::Tensor}, {2, "delta", K::Tensor}},
              .infer = inferRange, .kernel = kernelRange});
  t.add(OpDef{.name = "ConstantOfShape", .category = "shape", .minInputs = 0, .maxInputs = 0,
              .attrs = {{"value", K::Tensor}, {"shape", K::Ints}}, .params = {{0, "shape", K::Ints}},
              .infer = inferConstantOfShape, .kernel = kernelConstantOfShape});
}

}  // namespace nest
