// Quantized graphs (docs/quantization.md): the internal Quantize / Dequantize ops and the integer
// variants of the ops the quantize pass rewrites. An integer op is the same op on operands whose
// types carry quantization parameters; ops whose result gets new parameters (Conv, Gemm, MatMul,
// Add, Mul, Concat, and the lookup-table activations; LayerNormalization and Softmax in
// quantized_norm_ops.cpp) carry them as attributes out_type / out_scale / out_zero_point, which their
// inference turns into the result type. Relu, Clip, MaxPool, AveragePool, GlobalAveragePool,
// Reshape, Flatten and Transpose keep their operand's parameters.
//
// Integer path: operands minus zero points, products accumulated in int32 (int64 when an operand
// is 16-bit), bias added in the accumulator, then requantize() (core/quant_math.h) with one
// integer multiplier/shift per output channel, the zero point added and the result clamped to
// the element range (narrowed by a fused Relu / Clip). Multipliers are computed once per node;
// no element goes through float arithmetic.
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/ops/conv_kernels.h"
#include "core/ops/fused_activation.h"
#include "core/ops/gemm_kernel.h"
#include "core/ops/op_helpers.h"
#include "core/ops/quantized_common.h"
#include "core/ops/register_ops.h"
#include "core/quant_lut.h"
#include "core/quant_math.h"

namespace nest {

namespace quantops {

const std::vector<AttrSpec> kOutQuantAttrs = {
    {"out_type", AttrKind::String, true}, {"out_scale", AttrKind::Float, true}, {"out_zero_point", AttrKind::Int, true}};

bool isActivationElem(ElemType e) {
  return e == ElemType::I8 || e == ElemType::U8 || e == ElemType::I16 || e == ElemType::U16;
}

TensorType outQuantType(InferContext& ctx, Shape shape) {
  const Attributes& a = ctx.attrs();
  if (!a.has("out_type") || !a.has("out_scale") || !a.has("out_zero_point"))
    ctx.fail("a quantized node needs the attributes out_type, out_scale and out_zero_point");
  const std::string name = a.getString("out_type", "");
  std::optional<ElemType> e = parseElemType(name);
  if (!e || !isActivationElem(*e)) ctx.fail("out_type '" + name + "' must be i8, u8, i16 or u16");
  const float scale = a.getFloat("out_scale", 0);
  if (!(scale > 0) || !std::isfinite(scale)) ctx.fail("out_scale must be a positive number");
  int64_t qmin, qmax;
  quantizedRange(*e, qmin, qmax);
  const int64_t zp = a.getInt("out_zero_point");
  if (zp < qmin || zp > qmax) ctx.fail("out_zero_point " + std::to_string(zp) + " is outside the range of " + name);
  TensorType t(*e, std::move(shape));
  t.quant = QuantParams{{scale}, {zp}, std::nullopt};
  return t;
}

const QuantParams& requireQuantized(InferContext& ctx, size_t i, const char* what,
                                    std::optional<int64_t> perChannelAxis) {
  const TensorType& t = ctx.input(i);
  if (!t.quant || !isInteger(t.elem))
    ctx.fail(std::string(what) + " must be quantized, got " + typeToString(t) +
             " (an integer op takes only quantized operands)");
  if (!isActivationElem(t.elem)) ctx.fail(std::string(what) + " must be i8, u8, i16 or u16, got " + typeToString(t));
  if (t.quant->perChannel() && (!perChannelAxis || *t.quant->axis != *perChannelAxis))
    ctx.fail(std::string(what) + " " + typeToString(t) + " may only be quantized per tensor" +
             (perChannelAxis ? " or per channel along axis " + std::to_string(*perChannelAxis) : std::string()));
  return *t.quant;
}

OutQuant outQuantOf(const KernelContext& ctx, size_t result) {
  const TensorType& t = ctx.outputType(result);
  OutQuant o{t.elem, t.quant->scales.at(0), t.quant->zeroPoints.at(0), 0, 0};
  quantizedRange(t.elem, o.lo, o.hi);
  if (auto act = ops::fusedActivationOf(ctx.node())) {
    if (act->kind == ops::FusedActivationKind::Relu) {
      o.lo = std::max(o.lo, o.zp);
    } else if (act->kind == ops::FusedActivationKind::Clip) {
      o.lo = std::max(o.lo, quantizeValue(act->params.at(0), o.scale, o.zp, o.elem));
      o.hi = std::min(o.hi, quantizeValue(act->params.at(1), o.scale, o.zp, o.elem));
    }
  }
  return o;
}

}  // namespace quantops

namespace {

using namespace quantops;

// Bias of an integer Conv / Gemm: i32 (i64 with 16-bit operands), `n` elements.
void checkIntegerBias(InferContext& ctx, size_t i, int64_t n) {
  if (!ctx.hasInput(i)) return;
  const TensorType& b = ctx.input(i);
  if (b.elem != ElemType::I32 && b.elem != ElemType::I64)
    ctx.fail("the bias of an integer op must be i32 or i64, got " + typeToString(b));
  if (b.numElements() != n) ctx.fail("bias " + typeToString(b) + " must have " + std::to_string(n) + " elements");
}

// Only Relu and Clip fuse into an integer op (they become the clamp bounds).
void checkIntegerActivation(InferContext& ctx) {
  auto act = ops::fusedActivationOf(ctx.node());
  if (act && act->kind != ops::FusedActivationKind::Relu && act->kind != ops::FusedActivationKind::Clip)
    ctx.fail("only Relu and Clip can be fused into an integer op, not " + ctx.attrs().getString("activation", ""));
}

// Channel of element i along `axis` of `shape` (0 when `axis` is empty).
struct Channels {
  int64_t dim = 1, inner = 1;
  Channels(const Shape& shape, std::optional<int64_t> axis) {
    if (!axis) return;
    dim = shape.at(static_cast<size_t>(*axis));
    for (size_t d = static_cast<size_t>(*axis) + 1; d < shape.size(); ++d) inner *= shape[d];
  }
  size_t operator()(int64_t i) const { return dim == 1 ? 0 : static_cast<size_t>((i / inner) % dim); }
};

// q - zp (per tensor or per channel) as A (int32_t or int64_t).
template <typename A>
std::vector<A> shifted(const Tensor& t) {
  const QuantParams& q = *t.type().quant;
  Channels ch(t.shape(), q.axis);
  std::vector<A> out(static_cast<size_t>(t.numElements()));
  dispatchStorageType(t.elem(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_integral_v<T>) {
      const T* p = t.data<T>();
      for (size_t i = 0; i < out.size(); ++i)
        out[i] = static_cast<A>(static_cast<int64_t>(p[i]) - q.zeroPoints[ch(static_cast<int64_t>(i))]);
    }
  });
  return out;
}

template <typename A>
std::vector<A> biasValues(const KernelContext& ctx, size_t i, size_t n) {
  std::vector<A> b(n, 0);
  if (!ctx.hasInput(i)) return b;
  const std::vector<int64_t> v = ctx.input(i).toInts();
  for (size_t k = 0; k < n; ++k) b[k] = static_cast<A>(v[k]);
  return b;
}

bool wideOperands(std::initializer_list<const Tensor*> ts) {
  for (const Tensor* t : ts)
    if (elemSize(t->elem()) > 1) return true;
  return false;
}

// Writes zp + requantize(acc[i], r[channel(i)]) clamped to [lo, hi] into y.
template <typename A, typename ChannelFn>
void writeRequantized(Tensor& y, const std::vector<A>& acc, const std::vector<Requant>& r, const OutQuant& o,
                      ChannelFn&& channel) {
  dispatchStorageType(y.elem(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_integral_v<T>) {
      T* out = y.mutableData<T>();
      for (size_t i = 0; i < acc.size(); ++i) {
        const int64_t v = o.zp + requantize(static_cast<int64_t>(acc[i]), r[channel(static_cast<int64_t>(i))]);
        out[i] = static_cast<T>(std::clamp(v, o.lo, o.hi));
      }
    }
  });
}

// Per-channel multipliers s_x * s_w[c] / s_y.
std::vector<Requant> productMultipliers(const QuantParams& x, const QuantParams& w, float outScale) {
  std::vector<Requant> r;
  for (float sw : w.scales)
    r.push_back(quantizeMultiplier(static_cast<double>(x.scales.at(0)) * sw / outScale));
  return r;
}

// ---- Quantize / Dequantize ----

void inferQuantize(InferContext& ctx) {
  ops::requireElem(ctx, 0, {ElemType::F32});
  ctx.setOutput(0, outQuantType(ctx, ctx.input(0).shape));
}

void quantizeKernel(KernelContext& ctx) {
  ctx.setOutput(0, quantizeTensor(ctx.input(0), ctx.outputType(0).elem, *ctx.outputType(0).quant));
}

void inferDequantize(InferContext& ctx) {
  requireQuantized(ctx, 0, "the operand", ctx.input(0).quant ? ctx.input(0).quant->axis : std::nullopt);
  ctx.setOutput(0, TensorType(ElemType::F32, ctx.input(0).shape));
}

void dequantizeKernel(KernelContext& ctx) { ctx.setOutput(0, dequantizeTensor(ctx.input(0))); }

// ---- Conv ----

void inferQuantizedConv(InferContext& ctx) {
  ops::ConvGeom g = ops::convGeometry(ctx.node(), ctx.input(0).shape, ctx.input(1).shape);
  requireQuantized(ctx, 0, "X");
  const QuantParams& w = requireQuantized(ctx, 1, "W", 0);
  if (w.perChannel() && static_cast<int64_t>(w.scales.size()) != g.outChannels)
    ctx.fail("W has " + std::to_string(w.scales.size()) + " channel scales for " + std::to_string(g.outChannels) +
             " output channels");
  checkIntegerBias(ctx, 2, g.outChannels);
  if (ctx.attrs().has("output_scale"))
    ctx.fail("an integer Conv cannot carry output_scale: fold it into the weights before quantizing");
  checkIntegerActivation(ctx);
  ctx.setOutput(0, outQuantType(ctx, g.outShape()));
}

template <typename A>
std::vector<A> convAccumulate(const KernelContext& ctx, const ops::ConvGeom& g) {
  const std::vector<A> x = shifted<A>(ctx.input(0)), w = shifted<A>(ctx.input(1));
  const std::vector<A> b = biasValues<A>(ctx, 2, static_cast<size_t>(g.outChannels));
  std::vector<A> acc(static_cast<size_t>(numElements(g.outShape())));
  ops::convForward<A>(g, x.data(), w.data(), b.data(), acc.data());
  return acc;
}

void quantizedConvKernel(KernelContext& ctx) {
  ops::ConvGeom g = ops::convGeometry(ctx.node(), ctx.input(0).shape(), ctx.input(1).shape());
  const OutQuant o = outQuantOf(ctx);
  std::vector<Requant> r = productMultipliers(*ctx.input(0).type().quant, *ctx.input(1).type().quant, o.scale);
  const int64_t outSize = g.outSize();
  auto channel = [&](int64_t i) { return r.size() == 1 ? 0 : static_cast<size_t>((i / outSize) % g.outChannels); };
  if (wideOperands({&ctx.input(0), &ctx.input(1)}))
    writeRequantized(ctx.output(0), convAccumulate<int64_t>(ctx, g), r, o, channel);
  else
    writeRequantized(ctx.output(0), convAccumulate<int32_t>(ctx, g), r, o, channel);
}

// ---- Gemm: A [m, k] (no transA), B constant [k, n] or [n, k] (transB), C [n] ----

void inferQuantizedGemm(InferContext& ctx) {
  const Shape& a = ctx.input(0).shape;
  const Shape& b = ctx.input(1).shape;
  if (a.size() != 2 || b.size() != 2) ctx.fail("operands must be matrices");
  if (ctx.attrs().getInt("transA", 0) != 0) ctx.fail("an integer Gemm does not take transA");
  if (ctx.attrs().getFloat("alpha", 1) != 1 || ctx.attrs().getFloat("beta", 1) != 1)
    ctx.fail("an integer Gemm needs alpha = beta = 1");
  const bool transB = ctx.attrs().getInt("transB", 0) != 0;
  const int64_t k = transB ? b[1] : b[0], n = transB ? b[0] : b[1];
  if (a[1] != k) ctx.fail("cannot multiply " + shapeToString(a) + " by " + shapeToString(b) + (transB ? "^T" : ""));
  requireQuantized(ctx, 0, "A");
  const QuantParams& w = requireQuantized(ctx, 1, "B", transB ? 0 : 1);
  if (w.perChannel() && static_cast<int64_t>(w.scales.size()) != n) ctx.fail("B's channel scales must number " + std::to_string(n));
  checkIntegerBias(ctx, 2, n);
  checkIntegerActivation(ctx);
  ctx.setOutput(0, outQuantType(ctx, {a[0], n}));
}

template <typename A>
std::vector<A> gemmAccumulate(const KernelContext& ctx, int64_t m, int64_t n, int64_t k, bool transB) {
  const std::vector<A> a = shifted<A>(ctx.input(0)), b = shifted<A>(ctx.input(1));
  const std::vector<A> bias = biasValues<A>(ctx, 2, static_cast<size_t>(n));
  std::vector<A> acc(static_cast<size_t>(m * n));
  ops::gemmRef<A, A>(m, n, k, a.data(), k, 1, b.data(), transB ? 1 : n, transB ? k : 1, acc.data(), n, false);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) acc[static_cast<size_t>(i * n + j)] += bias[static_cast<size_t>(j)];
  return acc;
}

void quantizedGemmKernel(KernelContext& ctx) {
  const bool transB = ctx.attrs().getInt("transB", 0) != 0;
  const Shape& bs = ctx.input(1).shape();
  const int64_t m = ctx.input(0).shape()[0], k = ctx.input(0).shape()[1], n = transB ? bs[0] : bs[1];
  const OutQuant o = outQuantOf(ctx);
  std::vector<Requant> r = productMultipliers(*ctx.input(0).type().quant, *ctx.input(1).type().quant, o.scale);
  auto channel = [&](int64_t i) { return r.size() == 1 ? 0 : static_cast<size_t>(i % n); };
  if (wideOperands({&ctx.input(0), &ctx.input(1)}))
    writeRequantized(ctx.output(0), gemmAccumulate<int64_t>(ctx, m, n, k, transB), r, o, channel);
  else
    writeRequantized(ctx.output(0), gemmAccumulate<int32_t>(ctx, m, n, k, transB), r, o, channel);
}

// ---- MatMul (A per tensor; B per tensor or per column: per channel along its last axis) ----

void inferQuantizedMatMul(InferContext& ctx) {
  ops::MatMulGeom g = ops::matmulGeometry(ctx.node(), ctx.input(0).shape, ctx.input(1).shape);
  requireQuantized(ctx, 0, "A");
  const int64_t lastAxis = static_cast<int64_t>(ctx.input(1).shape.size()) - 1;
  const QuantParams& b = requireQuantized(ctx, 1, "B", lastAxis);
  if (b.perChannel() && static_cast<int64_t>(b.scales.size()) != g.n)
    ctx.fail("B's channel scales must number " + std::to_string(g.n));
  ctx.setOutput(0, outQuantType(ctx, g.out));
}

void quantizedMatMulKernel(KernelContext& ctx) {
  ops::MatMulGeom g = ops::matmulGeometry(ctx.node(), ctx.input(0).shape(), ctx.input(1).shape());
  const OutQuant o = outQuantOf(ctx);
  std::vector<Requant> r = productMultipliers(*ctx.input(0).type().quant, *ctx.input(1).type().quant, o.scale);
  auto run = [&](auto tag) {
    using A = decltype(tag);
    const std::vector<A> a = shifted<A>(ctx.input(0)), b = shifted<A>(ctx.input(1));
    std::vector<A> acc(static_cast<size_t>(numElements(g.out)));
    ops::matmulForward<A, A>(g, a.data(), b.data(), acc.data());
    const int64_t n = g.n;
    writeRequantized(ctx.output(0), acc, r, o,
                     [&](int64_t i) { return r.size() == 1 ? size_t{0} : static_cast<size_t>(i % n); });
  };
  if (wideOperands({&ctx.input(0), &ctx.input(1)})) run(int64_t{});
  else run(int32_t{});
}

// ---- Add, Mul (broadcasting, per tensor) ----

void inferQuantizedBinary(InferContext& ctx) {
  requireQuantized(ctx, 0, "A");
  requireQuantized(ctx, 1, "B");
  if (ctx.node().op == "Add") checkIntegerActivation(ctx);
  ctx.setOutput(0, outQuantType(ctx, ops::broadcastShapes({ctx.input(0).shape, ctx.input(1).shape}, ctx.node())));
}

// Add: both operands shifted left by kAddLeftShift, each rescaled to half the larger input scale,
// summed, and the sum rescaled to the output (TFLite's scheme, in 64-bit).
constexpr int kAddLeftShift = 20;

void quantizedBinaryKernel(KernelContext& ctx) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  const float sa = a.type().quant->scales[0], sb = b.type().quant->scales[0];
  const OutQuant o = outQuantOf(ctx);
  const std::vector<int64_t> qa = shifted<int64_t>(a), qb = shifted<int64_t>(b);
  const Shape& outShape = ctx.outputType(0).shape;
  std::vector<int64_t> result(static_cast<size_t>(numElements(outShape)));
  if (ctx.node().op == "Add") {
    const double twiceMax = 2.0 * std::max(sa, sb);
    const Requant ra = quantizeMultiplier(sa / twiceMax), rb = quantizeMultiplier(sb / twiceMax);
    const Requant ro = quantizeMultiplier(twiceMax / (static_cast<double>(1LL << kAddLeftShift) * o.scale));
    ops::forEachBroadcast(outShape, {a.shape(), b.shape()}, [&](int64_t i, const std::vector<int64_t>& off) {
      const int64_t x = requantize(qa[static_cast<size_t>(off[0])] * (1LL << kAddLeftShift), ra);
      const int64_t y = requantize(qb[static_cast<size_t>(off[1])] * (1LL << kAddLeftShift), rb);
      result[static_cast<size_t>(i)] = requantize(x + y, ro);
    });
  } else {
    const Requant r = quantizeMultiplier(static_cast<double>(sa) * sb / o.scale);
    ops::forEachBroadcast(outShape, {a.shape(), b.shape()}, [&](int64_t i, const std::vector<int64_t>& off) {
      result[static_cast<size_t>(i)] = requantize(qa[static_cast<size_t>(off[0])] * qb[static_cast<size_t>(off[1])], r);
    });
  }
  std::vector<Requant> one = {Requant{1 << 30, 1}};  // exactly 1.0: the values are final already
  writeRequantized(ctx.output(0), result, one, o, [](int64_t) { return size_t{0}; });
}

// ---- Relu, Clip (keep the operand's parameters) ----

void inferQuantizedUnary(InferContext& ctx) {
  requireQuantized(ctx, 0, "X");
  ctx.setOutput(0, ctx.input(0));
}

// A Clip bound in real units: a float attribute (Clip-6) or a one-element tensor (Clip-11+).
std::optional<float> realClipBound(const Attributes& attrs, const std::string& name) {
  auto it = attrs.all().find(name);
  if (it == attrs.all().end()) return std::nullopt;
  if (const Tensor* t = std::get_if<Tensor>(&it->second)) {
    if (t->type().quant) return dequantizeValue(t->getInt(0), t->type().quant->scales[0], t->type().quant->zeroPoints[0]);
    return static_cast<float>(t->getDouble(0));
  }
  if (const float* f = std::get_if<float>(&it->second)) return *f;
  failBadInput("Clip " + name + " must be a tensor or a float");
}

void quantizedUnaryKernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const QuantParams& q = *x.type().quant;
  int64_t lo, hi;
  quantizedRange(x.elem(), lo, hi);
  if (ctx.node().op == "Relu") {
    lo = std::max(lo, q.zeroPoints[0]);
  } else {
    if (auto mn = realClipBound(ctx.attrs(), "min")) lo = std::max(lo, quantizeValue(*mn, q.scales[0], q.zeroPoints[0], x.elem()));
    if (auto mx = realClipBound(ctx.attrs(), "max")) hi = std::min(hi, quantizeValue(*mx, q.scales[0], q.zeroPoints[0], x.elem()));
  }
  Tensor& y = ctx.output(0);
  dispatchStorageType(x.elem(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_integral_v<T>) {
      const T* in = x.data<T>();
      T* out = y.mutableData<T>();
      for (int64_t i = 0; i < x.numElements(); ++i)
        out[i] = static_cast<T>(std::clamp<int64_t>(in[i], lo, hi));
    }
  });
}

// ---- Lookup-table activations (HardSwish, HardSigmoid, Sigmoid, Tanh, Swish, Gelu) ----
// One table of results, one per operand value (core/quant_lut.h); the result gets its own
// parameters (out_*). 8-bit operands give 256 entries, 16-bit ones (int16 precision) 65,536.

void inferQuantizedLut(InferContext& ctx) {
  // requireQuantized and outQuantType take exactly the element types a table has (isLutElem).
  requireQuantized(ctx, 0, "X");
  ctx.setOutput(0, outQuantType(ctx, ctx.input(0).shape));
}

void quantizedLutKernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const std::vector<int64_t> lut = activationLut(ctx.node(), x.type(), ctx.outputType(0));
  int64_t qmin, qmax;
  quantizedRange(x.elem(), qmin, qmax);
  Tensor& y = ctx.output(0);
  dispatchStorageType(x.elem(), [&](auto xin) {
    using X = decltype(xin);
    if constexpr (std::is_integral_v<X>) {
      const X* in = x.data<X>();
      dispatchStorageType(y.elem(), [&](auto yout) {
        using Y = decltype(yout);
        if constexpr (std::is_integral_v<Y>) {
          Y* out = y.mutableData<Y>();
          for (int64_t i = 0; i < x.numElements(); ++i)
            out[i] = static_cast<Y>(lut[static_cast<size_t>(static_cast<int64_t>(in[i]) - qmin)]);
        }
      });
    }
  });
}

// ---- Reshape, Flatten, Transpose: the plain inference on an f32 twin, parameters kept ----

template <const char* Op>
void inferQuantizedMove(InferContext& ctx) {
  const TensorType& x = ctx.input(0);
  requireQuantized(ctx, 0, "the data operand");
  TensorType twin = x;
  twin.elem = ElemType::F32;
  twin.quant.reset();
  InferContext inner(ctx.node(), {&twin});
  OpTable::instance().find(Op)->infer(inner);
  TensorType t = inner.outputs().at(0);
  t.elem = x.elem;
  t.quant = x.quant;
  ctx.setOutput(0, t);
}
constexpr char kReshape[] = "Reshape";
constexpr char kFlatten[] = "Flatten";
constexpr char kTranspose[] = "Transpose";

// ---- Concat: every input requantized to the output parameters ----

void inferQuantizedConcat(InferContext& ctx) {
  std::vector<TensorType> twins;
  twins.reserve(ctx.numInputs());
  for (size_t i = 0; i < ctx.numInputs(); ++i) {
    requireQuantized(ctx, i, ("input " + std::to_string(i)).c_str());
    twins.push_back(ctx.input(i));
    twins.back().elem = ElemType::F32;
    twins.back().quant.reset();
  }
  std::vector<const TensorType*> ptrs;
  for (const TensorType& t : twins) ptrs.push_back(&t);
  InferContext inner(ctx.node(), ptrs);
  OpTable::instance().find("Concat")->infer(inner);
  ctx.setOutput(0, outQuantType(ctx, inner.outputs().at(0).shape));
}

void quantizedConcatKernel(KernelContext& ctx) {
  const OutQuant o = outQuantOf(ctx);
  std::vector<Tensor> parts;
  for (size_t i = 0; i < ctx.numInputs(); ++i) {
    const Tensor& x = ctx.input(i);
    const float s = x.type().quant->scales[0];
    TensorType t(o.elem, x.shape());
    t.quant = ctx.outputType(0).quant;
    Tensor part(t);
    const std::vector<int64_t> q = shifted<int64_t>(x);
    writeRequantized(part, q, {quantizeMultiplier(static_cast<double>(s) / o.scale)}, o, [](int64_t) { return size_t{0}; });
    parts.push_back(std::move(part));
  }
  std::vector<const Tensor*> ptrs;
  for (const Tensor& p : parts) ptrs.push_back(&p);
  KernelContext inner(ctx.node(), ptrs, {ctx.outputType(0)});
  OpTable::instance().find("Concat")->kernel(inner);  // the plain kernel moves the bytes
  ctx.setOutput(0, inner.takeOutputs().at(0));
}

}  // namespace

void registerQuantizedKernels(OpTable& t) {
  {
    OpDef d;
    d.name = "Quantize";
    d.category = "quant";
    d.attrs = kOutQuantAttrs;
    d.infer = inferQuantize;
    d.kernel = quantizeKernel;
    t.add(std::move(d));
  }
  {
    OpDef d;
    d.name = "Dequantize";
    d.category = "quant";
    d.infer = inferDequantize;
    d.kernel = dequantizeKernel;
    t.add(std::move(d));
  }
  auto extend = [&](const char* op, InferFn infer, KernelFn kernel, bool outAttrs) {
    OpDef& d = t.mutableDef(op);
    d.quantInfer = infer;
    d.quantKernel = kernel;
    if (outAttrs) d.attrs.insert(d.attrs.end(), kOutQuantAttrs.begin(), kOutQuantAttrs.end());
  };
  extend("Conv", inferQuantizedConv, quantizedConvKernel, true);
  extend("Gemm", inferQuantizedGemm, quantizedGemmKernel, true);
  extend("MatMul", inferQuantizedMatMul, quantizedMatMulKernel, true);
  extend("Add", inferQuantizedBinary, quantizedBinaryKernel, true);
  extend("Mul", inferQuantizedBinary, quantizedBinaryKernel, true);
  extend("Concat", inferQuantizedConcat, quantizedConcatKernel, true);
  extend("Relu", inferQuantizedUnary, quantizedUnaryKernel, false);
  extend("Clip", inferQuantizedUnary, quantizedUnaryKernel, false);
  for (const char* op : {"HardSwish", "HardSigmoid", "Sigmoid", "Tanh", "Swish", "Gelu"}) extend(op, inferQuantizedLut, quantizedLutKernel, true);
  extend("Reshape", inferQuantizedMove<kReshape>, nullptr, false);
  extend("Flatten", inferQuantizedMove<kFlatten>, nullptr, false);
  extend("Transpose", inferQuantizedMove<kTranspose>, nullptr, false);
  // MaxPool, AveragePool, GlobalAveragePool: pool_ops.cpp (they need its window geometry).
  registerQuantizedNormKernels(t);  // LayerNormalization, Softmax (int16 precision): quantized_norm_ops.cpp
}

}  // namespace nest
