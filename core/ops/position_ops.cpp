// Ops over positions along axes, which transformer exports use for position ids and causal
// masks: CumSum (opset 11, 14; running sums with exclusive / reverse, the axis operand an
// attribute) and Trilu (opset 14; the upper or lower triangle of the last two axes from
// diagonal k, the k operand an attribute).
#include <string>
#include <vector>

#include "core/ops/elem_classes.h"
#include "core/ops/op_helpers.h"
#include "core/ops/register_ops.h"

namespace nest {

namespace {

using namespace ops;

// ---------------------------------------------------------------------------------------------
// CumSum

// ONNX's CumSum types: float16/32/64 and 32- and 64-bit integers.
constexpr uint32_t kCumSumTypes =
    kFloats | bit(ElemType::I32) | bit(ElemType::I64) | bit(ElemType::U32) | bit(ElemType::U64);

void inferCumSum(InferContext& ctx) {
  const TensorType& x = ctx.input(0);
  requireClass(ctx, 0, kCumSumTypes);
  if (!ctx.attrs().has("axis")) ctx.fail("the axis operand is missing");
  if (x.rank() == 0) ctx.fail("cannot sum a scalar along an axis");
  normalizeAxis(ctx.attrs().getInt("axis"), x.rank(), ctx.node());
  ctx.setOutput(0, TensorType(x.elem, x.shape));
}

void kernelCumSum(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int64_t axis = normalizeAxis(ctx.attrs().getInt("axis"), static_cast<int64_t>(x.shape().size()), ctx.node());
  const bool exclusive = ctx.attrs().getInt("exclusive", 0) != 0, reverse = ctx.attrs().getInt("reverse", 0) != 0;
  const AxisSplit s = splitAtAxis(x.shape(), axis);
  Tensor& y = ctx.output(0);
  dispatchNumeric(x.elem(), [&](auto tag) {
    using T = decltype(tag);
    using C = ComputeT<T>;
    const void* src = x.raw();
    void* dst = y.rawMutable();
    for (int64_t o = 0; o < s.outer; ++o)
      for (int64_t j = 0; j < s.inner; ++j) {
        C sum = C(0);
        for (int64_t step = 0; step < s.n; ++step) {
          const int64_t k = reverse ? s.n - 1 - step : step;
          const int64_t i = (o * s.n + k) * s.inner + j;
          const C v = Elem<T>::load(src, i);
          if (!exclusive) sum = static_cast<C>(sum + v);
          Elem<T>::store(dst, i, sum);
          if (exclusive) sum = static_cast<C>(sum + v);
        }
      }
  });
}

// ---------------------------------------------------------------------------------------------
// Trilu: for each matrix of the last two axes, element (i, j) is kept when j - i >= k (upper=1)
// or j - i <= k (upper=0), and is zero (false) otherwise.

void inferTrilu(InferContext& ctx) {
  const TensorType& x = ctx.input(0);
  if (x.rank() < 2) ctx.fail("the input must have rank >= 2, got " + shapeToString(x.shape));
  const int64_t upper = ctx.attrs().getInt("upper", 1);
  if (upper != 0 && upper != 1) ctx.fail("upper must be 0 or 1, got " + std::to_string(upper));
  if (x.quant) ctx.unsupported("a quantized input is not supported (its zero is not 0)");
  ctx.setOutput(0, TensorType(x.elem, x.shape));
}

void kernelTrilu(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Shape& s = x.shape();
  const int64_t rows = s[s.size() - 2], cols = s.back();
  const int64_t matrices = rows * cols == 0 ? 0 : x.numElements() / (rows * cols);
  const bool upper = ctx.attrs().getInt("upper", 1) != 0;
  const int64_t k = ctx.attrs().getInt("k", 0);
  Tensor& y = ctx.output(0);  // zeros
  dispatchStorageType(x.elem(), [&](auto tag) {
    using T = decltype(tag);
    const T* src = x.data<T>();
    T* dst = y.mutableData<T>();
    for (int64_t m = 0; m < matrices; ++m)
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < cols; ++j) {
          const int64_t d = j - i;
          const bool keep = upper ? d >= k : d <= k;
          const int64_t at = (m * rows + i) * cols + j;
          if (keep) dst[at] = src[at];
        }
  });
}

}  // namespace

void registerPositionOps(OpTable& t) {
  using K = AttrKind;
  t.add(OpDef{.name = "CumSum", .category = "reduce", .minInputs = 1, .maxInputs = 1,
              .attrs = {{"axis", K::Int}, {"exclusive", K::Int}, {"reverse", K::Int}},
              .params = {{1, "axis", K::Int}}, .infer = inferCumSum, .kernel = kernelCumSum});
  t.add(OpDef{.name = "Trilu", .category = "tensor", .minInputs = 1, .maxInputs = 1,
              .attrs = {{"upper", K::Int}, {"k", K::Int}}, .params = {{1, "k", K::Int}}, .infer = inferTrilu,
              .kernel = kernelTrilu});
}

}  // namespace nest
