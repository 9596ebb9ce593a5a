// Elementwise ops: arithmetic (numpy broadcasting, variadic Sum/Mean/Max/Min), comparison,
// logic, Where and unary math.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "core/ops/fused_activation.h"
#include "core/ops/elem_classes.h"
#include "core/ops/op_helpers.h"
#include "core/ops/register_ops.h"

namespace nest {
namespace {

using ops::bit;
using ops::dispatchFloat;
using ops::dispatchSigned;
using ops::kAll;
using ops::kBool;
using ops::kFloats;
using ops::kNumeric;
using ops::kSignedInts;
using ops::kUnsignedInts;
using ops::requireClass;

using ops::ComputeT;
using ops::Elem;
using ops::Half;

// ---------------------------------------------------------------------------------------------
// Binary broadcasting in runs: the output is walked in contiguous runs of the innermost
// (collapsed) dimension; within a run each operand advances by 0 (broadcast) or 1.

struct BinaryPlan {
  std::vector<int64_t> dims, sa, sb;  // collapsed output dims and operand strides, outermost first
};

BinaryPlan planBinary(const Shape& out, const Shape& a, const Shape& b) {
  const std::vector<int64_t> fa = ops::broadcastStrides(a, out), fb = ops::broadcastStrides(b, out);
  BinaryPlan p;
  for (size_t d = 0; d < out.size(); ++d) {
    if (out[d] == 1) continue;
    if (!p.dims.empty()) {
      const size_t l = p.dims.size() - 1;
      if (p.sa[l] == fa[d] * out[d] && p.sb[l] == fb[d] * out[d]) {  // contiguous with the outer dim
        p.dims[l] *= out[d];
        p.sa[l] = fa[d];
        p.sb[l] = fb[d];
        continue;
      }
    }
    p.dims.push_back(out[d]);
    p.sa.push_back(fa[d]);
    p.sb.push_back(fb[d]);
  }
  if (p.dims.empty()) {  // scalar output
    p.dims = {1};
    p.sa = {0};
    p.sb = {0};
  }
  return p;
}

// Calls f(outOffset, aOffset, bOffset, n, aStep, bStep) for each contiguous run.
template <typename F>
void forEachRun(const BinaryPlan& p, F&& f) {
  const int64_t r = static_cast<int64_t>(p.dims.size());
  const int64_t n = p.dims[r - 1], as = p.sa[r - 1], bs = p.sb[r - 1];
  int64_t outer = 1;
  for (int64_t d = 0; d + 1 < r; ++d) outer *= p.dims[d];
  if (outer == 0 || n == 0) return;
  std::vector<int64_t> idx(static_cast<size_t>(r), 0);
  int64_t oa = 0, ob = 0;
  for (int64_t o = 0; o < outer; ++o) {
    f(o * n, oa, ob, n, as, bs);
    for (int64_t d = r - 2; d >= 0; --d) {
      if (++idx[d] < p.dims[d]) {
        oa += p.sa[d];
        ob += p.sb[d];
        break;
      }
      oa -= p.sa[d] * (p.dims[d] - 1);
      ob -= p.sb[d] * (p.dims[d] - 1);
      idx[d] = 0;
    }
  }
}

// out = op(a, b) with a and b broadcast to out's shape. TA/TB/TO are dispatch tags (Half for F16).
// `out` may share storage with `a` when a has out's shape.
template <typename TA, typename TB, typename TO, typename Op>
void binaryKernel(const Tensor& a, const Tensor& b, Tensor& out, Op op) {
  using CO = ComputeT<TO>;
  const void* pa = a.raw();
  const void* pb = b.raw();
  void* po = out.rawMutable();
  const BinaryPlan plan = planBinary(out.shape(), a.shape(), b.shape());
  forEachRun(plan, [&](int64_t o, int64_t ia, int64_t ib, int64_t n, int64_t sa, int64_t sb) {
    if (sa == 1 && sb == 1) {
      for (int64_t j = 0; j < n; ++j)
        Elem<TO>::store(po, o + j, static_cast<CO>(op(Elem<TA>::load(pa, ia + j), Elem<TB>::load(pb, ib + j))));
    } else if (sa == 0 && sb == 1) {
      const auto x = Elem<TA>::load(pa, ia);
      for (int64_t j = 0; j < n; ++j)
        Elem<TO>::store(po, o + j, static_cast<CO>(op(x, Elem<TB>::load(pb, ib + j))));
    } else if (sa == 1 && sb == 0) {
      const auto y = Elem<TB>::load(pb, ib);
      for (int64_t j = 0; j < n; ++j)
        Elem<TO>::store(po, o + j, static_cast<CO>(op(Elem<TA>::load(pa, ia + j), y)));
    } else {
      for (int64_t j = 0; j < n; ++j)
        Elem<TO>::store(po, o + j,
                        static_cast<CO>(op(Elem<TA>::load(pa, ia + j * sa), Elem<TB>::load(pb, ib + j * sb))));
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Scalar operations. Integer arithmetic wraps (two's complement) instead of overflowing.

template <typename C>
using Unsigned = std::make_unsigned_t<std::conditional_t<std::is_integral_v<C>, C, int>>;

struct AddOp {
  template <typename C> C operator()(C a, C b) const {
    if constexpr (std::is_integral_v<C>) return static_cast<C>(static_cast<Unsigned<C>>(a) + static_cast<Unsigned<C>>(b));
    else return a + b;
  }
};
struct SubOp {
  template <typename C> C operator()(C a, C b) const {
    if constexpr (std::is_integral_v<C>) return static_cast<C>(static_cast<Unsigned<C>>(a) - static_cast<Unsigned<C>>(b));
    else return a - b;
  }
};
struct MulOp {
  template <typename C> C operator()(C a, C b) const {
    if constexpr (std::is_integral_v<C>) {
      // Promote small types to unsigned int so the product never overflows a signed int.
      using W = std::conditional_t<(sizeof(C) < sizeof(unsigned)), unsigned, Unsigned<C>>;
      return static_cast<C>(static_cast<W>(static_cast<Unsigned<C>>(a)) * static_cast<W>(static_cast<Unsigned<C>>(b)));
    } else {
      return a * b;
    }
  }
};
struct DivOp {
  template <typename C> C operator()(C a, C b) const {
    if constexpr (std::is_integral_v<C>) {
      if (b == 0) return 0;  // undefined in ONNX; avoid the trap
      if constexpr (std::is_signed_v<C>) {
        if (b == -1) return static_cast<C>(Unsigned<C>(0) - static_cast<Unsigned<C>>(a));  // INT_MIN / -1 wraps
      }
      return static_cast<C>(a / b);  // truncates toward zero like C (ONNX)
    } else {
      return a / b;
    }
  }
};
struct MaxOp {
  template <typename C> C operator()(C a, C b) const {
    if constexpr (std::is_floating_point_v<C>) return (a > b || a != a) ? a : b;  // NaN propagates
    else return a > b ? a : b;
  }
};
struct MinOp {
  template <typename C> C operator()(C a, C b) const {
    if constexpr (std::is_floating_point_v<C>) return (a < b || a != a) ? a : b;
    else return a < b ? a : b;
  }
};
struct EqualOp {
  template <typename C> bool operator()(C a, C b) const { return a == b; }
};
struct LessOp {
  template <typename C> bool operator()(C a, C b) const { return a < b; }
};
struct GreaterOp {
  template <typename C> bool operator()(C a, C b) const { return a > b; }
};
struct LessOrEqualOp {
  template <typename C> bool operator()(C a, C b) const { return a <= b; }
};
struct GreaterOrEqualOp {
  template <typename C> bool operator()(C a, C b) const { return a >= b; }
};
struct AndOp {
  uint8_t operator()(uint8_t a, uint8_t b) const { return (a != 0) & (b != 0); }
};
struct OrOp {
  uint8_t operator()(uint8_t a, uint8_t b) const { return (a != 0) | (b != 0); }
};
struct XorOp {
  uint8_t operator()(uint8_t a, uint8_t b) const { return (a != 0) ^ (b != 0); }
};

// Float -> integer conversion that saturates instead of invoking undefined behaviour.
template <typename I>
I saturatingCast(double v) {
  if (std::isnan(v)) return I{};
  if (v <= static_cast<double>(std::numeric_limits<I>::lowest())) return std::numeric_limits<I>::lowest();
  if (v >= static_cast<double>(std::numeric_limits<I>::max())) return std::numeric_limits<I>::max();
  return static_cast<I>(v);
}

// Pow: the result has the base's type.
struct PowOp {
  template <typename CA, typename CB> CA operator()(CA x, CB y) const {
    if constexpr (std::is_integral_v<CA> && std::is_integral_v<CB>) {
      if constexpr (std::is_signed_v<CB>) {
        if (y < 0) {  // |x| > 1 gives a fraction that truncates to 0
          if (x == 1) return 1;
          if (x == -1) return (y % 2 == 0) ? CA(1) : CA(-1);
          return 0;  // includes 0^negative (undefined)
        }
      }
      using U = Unsigned<CA>;
      using W = std::conditional_t<(sizeof(CA) < sizeof(unsigned)), unsigned, U>;
      W result = 1, base = static_cast<W>(static_cast<U>(x));
      uint64_t e = static_cast<uint64_t>(y);
      while (e) {
        if (e & 1) result = static_cast<W>(result * base);
        base = static_cast<W>(base * base);
        e >>= 1;
      }
      return static_cast<CA>(static_cast<U>(result));
    } else if constexpr (std::is_integral_v<CA>) {
      return saturatingCast<CA>(std::pow(static_cast<double>(x), static_cast<double>(y)));
    } else if constexpr (std::is_same_v<CA, double>) {
      return std::pow(x, static_cast<double>(y));
    } else {
      if constexpr (std::is_floating_point_v<CB>) {
        if (y == CB(2)) return x * x;
      }
      return static_cast<CA>(std::pow(static_cast<double>(x), static_cast<double>(y)));
    }
  }
};

// ---------------------------------------------------------------------------------------------
// Inference.

// Variadic / binary ops whose operands share one element type in `Mask`, broadcast together.
// BoolOut: the result is bool (comparisons).
template <uint32_t Mask, bool BoolOut>
void inferBroadcast(InferContext& ctx) {
  if (ctx.numInputs() < 1) ctx.fail("needs at least one operand");
  std::vector<Shape> shapes;
  for (size_t i = 0; i < ctx.numInputs(); ++i) {
    requireClass(ctx, i, Mask);
    shapes.push_back(ctx.input(i).shape);
  }
  ops::requireSameElem(ctx, 0, ctx.numInputs());
  Shape out = ops::broadcastShapes(shapes, ctx.node());
  ctx.setOutput(0, TensorType(BoolOut ? ElemType::Bool : ctx.input(0).elem, std::move(out)));
}

constexpr uint32_t kPowBase = kFloats | bit(ElemType::I32) | bit(ElemType::I64);
constexpr uint32_t kPowExponent = kNumeric;

void inferPow(InferContext& ctx) {
  requireClass(ctx, 0, kPowBase);
  requireClass(ctx, 1, kPowExponent);
  Shape out = ops::broadcastShapes({ctx.input(0).shape, ctx.input(1).shape}, ctx.node());
  ctx.setOutput(0, TensorType(ctx.input(0).elem, std::move(out)));
}

void inferWhere(InferContext& ctx) {
  if (ctx.input(0).elem != ElemType::Bool)
    ctx.fail("condition must be bool, got " + std::string(elemTypeName(ctx.input(0).elem)));
  ops::requireSameElem(ctx, 1, 3);
  Shape out = ops::broadcastShapes({ctx.input(0).shape, ctx.input(1).shape, ctx.input(2).shape}, ctx.node());
  ctx.setOutput(0, TensorType(ctx.input(1).elem, std::move(out)));
}

template <uint32_t Mask>
void inferUnary(InferContext& ctx) {
  requireClass(ctx, 0, Mask);
  ctx.setOutput(0, TensorType(ctx.input(0).elem, ctx.input(0).shape));
}

// ---------------------------------------------------------------------------------------------
// Kernels.

// Binary op with one operand type, result of the same type (or bool when BoolOut).
template <typename Op, bool BoolOut>
void kernelBinary(KernelContext& ctx) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  Tensor& out = ctx.output(0);
  ops::dispatchNumeric(a.elem(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (BoolOut) binaryKernel<T, T, uint8_t>(a, b, out, Op{});
    else binaryKernel<T, T, T>(a, b, out, Op{});
  });
}

// Add, with its optional fused activation (see core/ops/fused_activation.h).
void inferAdd(InferContext& ctx) {
  inferBroadcast<kNumeric, false>(ctx);
  ops::checkFusedActivation(ctx, ctx.input(0).elem);
}

void kernelAdd(KernelContext& ctx) {
  kernelBinary<AddOp, false>(ctx);
  ops::applyFusedActivation(ctx.node(), ctx.output(0));
}

template <typename Op>
void kernelBool(KernelContext& ctx) {
  binaryKernel<uint8_t, uint8_t, uint8_t>(ctx.input(0), ctx.input(1), ctx.output(0), Op{});
}

// Variadic Sum / Max / Min: accumulate pairwise into the output.
template <typename Op>
void accumulateVariadic(KernelContext& ctx) {
  if (ctx.numInputs() == 1) {
    ctx.setOutput(0, ctx.input(0));
    return;
  }
  Tensor& out = ctx.output(0);
  ops::dispatchNumeric(out.elem(), [&](auto tag) {
    using T = decltype(tag);
    binaryKernel<T, T, T>(ctx.input(0), ctx.input(1), out, Op{});
    const Tensor acc = out;  // shares storage: accumulate in place
    for (size_t k = 2; k < ctx.numInputs(); ++k) binaryKernel<T, T, T>(acc, ctx.input(k), out, Op{});
  });
}

template <typename Op>
void kernelVariadic(KernelContext& ctx) {
  accumulateVariadic<Op>(ctx);
}

void kernelMean(KernelContext& ctx) {
  if (ctx.numInputs() == 1) {
    ctx.setOutput(0, ctx.input(0));
    return;
  }
  accumulateVariadic<AddOp>(ctx);
  Tensor& out = ctx.output(0);
  const int64_t n = out.numElements();
  const double count = static_cast<double>(ctx.numInputs());
  dispatchFloat(out.elem(), [&](auto tag) {
    using T = decltype(tag);
    using C = ComputeT<T>;
    void* p = out.rawMutable();
    const C inv = static_cast<C>(1.0 / count);
    for (int64_t i = 0; i < n; ++i) Elem<T>::store(p, i, Elem<T>::load(p, i) * inv);
  });
}

// Pow: dispatch base and exponent types separately.
template <typename TA>
void powWithBase(const Tensor& a, const Tensor& b, Tensor& out) {
  switch (b.elem()) {
    case ElemType::F32: binaryKernel<TA, float, TA>(a, b, out, PowOp{}); return;
    case ElemType::F16: binaryKernel<TA, Half, TA>(a, b, out, PowOp{}); return;
    case ElemType::F64: binaryKernel<TA, double, TA>(a, b, out, PowOp{}); return;
    case ElemType::I8: binaryKernel<TA, int8_t, TA>(a, b, out, PowOp{}); return;
    case ElemType::U8: binaryKernel<TA, uint8_t, TA>(a, b, out, PowOp{}); return;
    case ElemType::I16: binaryKernel<TA, int16_t, TA>(a, b, out, PowOp{}); return;
    case ElemType::U16: binaryKernel<TA, uint16_t, TA>(a, b, out, PowOp{}); return;
    case ElemType::I32: binaryKernel<TA, int32_t, TA>(a, b, out, PowOp{}); return;
    case ElemType::U32: binaryKernel<TA, uint32_t, TA>(a, b, out, PowOp{}); return;
    case ElemType::I64: binaryKernel<TA, int64_t, TA>(a, b, out, PowOp{}); return;
    case ElemType::U64: binaryKernel<TA, uint64_t, TA>(a, b, out, PowOp{}); return;
    case ElemType::Bool: break;
  }
  failInternal("Pow: unsupported exponent type");
}

void kernelPow(KernelContext& ctx) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  Tensor& out = ctx.output(0);
  switch (a.elem()) {
    case ElemType::F32: powWithBase<float>(a, b, out); return;
    case ElemType::F16: powWithBase<Half>(a, b, out); return;
    case ElemType::F64: powWithBase<double>(a, b, out); return;
    case ElemType::I32: powWithBase<int32_t>(a, b, out); return;
    case ElemType::I64: powWithBase<int64_t>(a, b, out); return;
    default: failInternal("Pow: unsupported base type");
  }
}

void kernelWhere(KernelContext& ctx) {
  const Tensor& cond = ctx.input(0);
  const Tensor& x = ctx.input(1);
  const Tensor& y = ctx.input(2);
  Tensor& out = ctx.output(0);
  dispatchStorageType(out.elem(), [&](auto tag) {
    using T = decltype(tag);
    const uint8_t* c = cond.data<uint8_t>();
    const T* px = x.data<T>();
    const T* py = y.data<T>();
    T* po = out.mutableData<T>();
    ops::forEachBroadcast(out.shape(), {cond.shape(), x.shape(), y.shape()},
                          [&](int64_t i, const std::vector<int64_t>& off) { po[i] = c[off[0]] ? px[off[1]] : py[off[2]]; });
  });
}

// Unary kernels: contiguous loops over the compute type.
template <typename T, typename F>
void mapUnary(const Tensor& in, Tensor& out, F f) {
  const void* pi = in.raw();
  void* po = out.rawMutable();
  const int64_t n = in.numElements();
  using C = ComputeT<T>;
  for (int64_t i = 0; i < n; ++i) Elem<T>::store(po, i, static_cast<C>(f(Elem<T>::load(pi, i))));
}

template <typename F>
void unaryFloat(KernelContext& ctx, F f) {
  dispatchFloat(ctx.input(0).elem(), [&](auto tag) { mapUnary<decltype(tag)>(ctx.input(0), ctx.output(0), f); });
}

void kernelSqrt(KernelContext& ctx) { unaryFloat(ctx, [](auto x) { return std::sqrt(x); }); }
void kernelExp(KernelContext& ctx) { unaryFloat(ctx, [](auto x) { return std::exp(x); }); }
void kernelLog(KernelContext& ctx) { unaryFloat(ctx, [](auto x) { return std::log(x); }); }
void kernelReciprocal(KernelContext& ctx) {
  unaryFloat(ctx, [](auto x) { return decltype(x)(1) / x; });
}
void kernelFloor(KernelContext& ctx) { unaryFloat(ctx, [](auto x) { return std::floor(x); }); }
void kernelCeil(KernelContext& ctx) { unaryFloat(ctx, [](auto x) { return std::ceil(x); }); }
void kernelErf(KernelContext& ctx) { unaryFloat(ctx, [](auto x) { return std::erf(x); }); }

void kernelNeg(KernelContext& ctx) {
  dispatchSigned(ctx.input(0).elem(), [&](auto tag) {
    using T = decltype(tag);
    mapUnary<T>(ctx.input(0), ctx.output(0), [](auto x) {
      using C = decltype(x);
      if constexpr (std::is_integral_v<C>) return SubOp{}(C(0), x);
      else return -x;
    });
  });
}

void kernelAbs(KernelContext& ctx) {
  ops::dispatchNumeric(ctx.input(0).elem(), [&](auto tag) {
    using T = decltype(tag);
    mapUnary<T>(ctx.input(0), ctx.output(0), [](auto x) {
      using C = decltype(x);
      if constexpr (std::is_unsigned_v<C>) return x;
      else if constexpr (std::is_integral_v<C>) return x < 0 ? SubOp{}(C(0), x) : x;
      else return std::fabs(x);
    });
  });
}

void kernelNot(KernelContext& ctx) {
  const uint8_t* in = ctx.input(0).data<uint8_t>();
  uint8_t* out = ctx.output(0).mutableData<uint8_t>();
  const int64_t n = ctx.input(0).numElements();
  for (int64_t i = 0; i < n; ++i) out[i] = in[i] == 0;
}

// ---------------------------------------------------------------------------------------------
// Registration.

OpDef binaryDef(const char* name, InferFn infer, KernelFn kernel) {
  OpDef d;
  d.name = name;
  d.category = "elementwise";
  d.minInputs = 2;
  d.maxInputs = 2;
  d.infer = infer;
  d.kernel = kernel;
  d.kind = OpKind::Elementwise;
  return d;
}

OpDef variadicDef(const char* name, InferFn infer, KernelFn kernel) {
  OpDef d = binaryDef(name, infer, kernel);
  d.minInputs = 1;
  d.maxInputs = -1;
  return d;
}

OpDef unaryDef(const char* name, InferFn infer, KernelFn kernel) {
  OpDef d = binaryDef(name, infer, kernel);
  d.minInputs = 1;
  d.maxInputs = 1;
  d.kind = OpKind::UnaryElementwise;
  return d;
}

}  // namespace

void registerElementwiseOps(OpTable& t) {
  // Arithmetic (numeric types, numpy broadcasting).
  {
    OpDef d = binaryDef("Add", inferAdd, kernelAdd);
    ops::declareFusedActivations(d);
    t.add(std::move(d));
  }
  t.add(binaryDef("Sub", inferBroadcast<kNumeric, false>, kernelBinary<SubOp, false>));
  t.add(binaryDef("Mul", inferBroadcast<kNumeric, false>, kernelBinary<MulOp, false>));
  t.add(binaryDef("Div", inferBroadcast<kNumeric, false>, kernelBinary<DivOp, false>));
  t.add(binaryDef("Pow", inferPow, kernelPow));
  // Variadic.
  t.add(variadicDef("Max", inferBroadcast<kNumeric, false>, kernelVariadic<MaxOp>));
  t.add(variadicDef("Min", inferBroadcast<kNumeric, false>, kernelVariadic<MinOp>));
  t.add(variadicDef("Sum", inferBroadcast<kFloats, false>, kernelVariadic<AddOp>));
  t.add(variadicDef("Mean", inferBroadcast<kFloats, false>, kernelMean));
  // Comparison (bool result).
  t.add(binaryDef("Equal", inferBroadcast<kAll, true>, kernelBinary<EqualOp, true>));
  t.add(binaryDef("Less", inferBroadcast<kNumeric, true>, kernelBinary<LessOp, true>));
  t.add(binaryDef("Greater", inferBroadcast<kNumeric, true>, kernelBinary<GreaterOp, true>));
  t.add(binaryDef("LessOrEqual", inferBroadcast<kNumeric, true>, kernelBinary<LessOrEqualOp, true>));
  t.add(binaryDef("GreaterOrEqual", inferBroadcast<kNumeric, true>, kernelBinary<GreaterOrEqualOp, true>));
  // Logic.
  t.add(binaryDef("And", inferBroadcast<kBool, true>, kernelBool<AndOp>));
  t.add(binaryDef("Or", inferBroadcast<kBool, true>, kernelBool<OrOp>));
  t.add(binaryDef("Xor", inferBroadcast<kBool, true>, kernelBool<XorOp>));
  t.add(unaryDef("Not", inferUnary<kBool>, kernelNot));
  {
    OpDef d = binaryDef("Where", inferWhere, kernelWhere);
    d.minInputs = d.maxInputs = 3;
    t.add(std::move(d));
  }
  // Unary math.
  t.add(unaryDef("Sqrt", inferUnary<kFloats>, kernelSqrt));
  t.add(unaryDef("Exp", inferUnary<kFloats>, kernelExp));
  t.add(unaryDef("Log", inferUnary<kFloats>, kernelLog));
  t.add(unaryDef("Neg", inferUnary<kFloats | kSignedInts>, kernelNeg));
  t.add(unaryDef("Abs", inferUnary<kNumeric>, kernelAbs));
  t.add(unaryDef("Reciprocal", inferUnary<kFloats>, kernelReciprocal));
  t.add(unaryDef("Floor", inferUnary<kFloats>, kernelFloor));
  t.add(unaryDef("Ceil", inferUnary<kFloats>, kernelCeil));
  t.add(unaryDef("Erf", inferUnary<kFloats>, kernelErf));
}

}  // namespace nest
