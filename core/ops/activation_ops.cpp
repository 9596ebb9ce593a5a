// Activation ops: Relu and friends, Softmax / LogSoftmax / Hardmax (opset 13 semantics), Clip.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

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

// Contiguous elementwise map in the compute type (float for F16).
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

// ---------------------------------------------------------------------------------------------
// Inference.

template <uint32_t Mask>
void inferUnary(InferContext& ctx) {
  requireClass(ctx, 0, Mask);
  ctx.setOutput(0, TensorType(ctx.input(0).elem, ctx.input(0).shape));
}

void inferPRelu(InferContext& ctx) {
  requireClass(ctx, 0, kFloats | kSignedInts | kUnsignedInts);
  ops::requireSameElem(ctx, 0, 2);
  const Shape& x = ctx.input(0).shape;
  const Shape& slope = ctx.input(1).shape;
  // Unidirectional broadcast: slope must broadcast to X's shape.
  if (slope.size() > x.size() || ops::broadcastShapes({x, slope}, ctx.node()) != x)
    ctx.fail("slope of shape " + shapeToString(slope) + " does not broadcast to X of shape " + shapeToString(x));
  ctx.setOutput(0, TensorType(ctx.input(0).elem, x));
}

void inferSoftmax(InferContext& ctx) {
  requireClass(ctx, 0, kFloats);
  const TensorType& x = ctx.input(0);
  if (x.rank() == 0) ctx.fail("input must have rank >= 1");
  ops::normalizeAxis(ctx.attrs().getInt("axis", -1), x.rank(), ctx.node());
  ctx.setOutput(0, TensorType(x.elem, x.shape));
}

// Clip bound: a Tensor (Clip-11+ parameter input) or a float (Clip-6 attribute).
std::optional<double> clipBound(const Attributes& attrs, const std::string& name, bool integer) {
  auto it = attrs.all().find(name);
  if (it == attrs.all().end()) return std::nullopt;
  if (const Tensor* t = std::get_if<Tensor>(&it->second)) {
    if (t->numElements() != 1) failBadInput("Clip " + name + " must have exactly one element");
    return integer ? static_cast<double>(t->getInt(0)) : t->getDouble(0);
  }
  if (const float* f = std::get_if<float>(&it->second)) return *f;
  if (const int64_t* i = std::get_if<int64_t>(&it->second)) return static_cast<double>(*i);
  failBadInput("Clip " + name + " must be a tensor or a float");
}

void inferClip(InferContext& ctx) {
  requireClass(ctx, 0, kNumeric);
  const TensorType& x = ctx.input(0);
  for (const char* name : {"min", "max"}) {
    auto it = ctx.attrs().all().find(name);
    if (it == ctx.attrs().all().end()) continue;
    if (const Tensor* t = std::get_if<Tensor>(&it->second)) {
      if (t->numElements() != 1)
        ctx.fail(std::string(name) + " must be a scalar, got shape " + shapeToString(t->shape()));
      if (t->elem() != x.elem)
        ctx.fail(std::string(name) + " is " + std::string(elemTypeName(t->elem())) + " but the input is " +
                 std::string(elemTypeName(x.elem)));
    } else if (!std::holds_alternative<float>(it->second) && !std::holds_alternative<int64_t>(it->second)) {
      ctx.fail(std::string(name) + " must be a tensor or a float");
    }
  }
  ctx.setOutput(0, TensorType(x.elem, x.shape));
}

// ---------------------------------------------------------------------------------------------
// Kernels.

void kernelRelu(KernelContext& ctx) {
  dispatchSigned(ctx.input(0).elem(), [&](auto tag) {
    mapUnary<decltype(tag)>(ctx.input(0), ctx.output(0), [](auto x) { return x > decltype(x)(0) ? x : decltype(x)(0); });
  });
}

void kernelLeakyRelu(KernelContext& ctx) {
  const double alpha = ctx.attrs().getFloat("alpha", 0.01f);
  unaryFloat(ctx, [alpha](auto x) {
    using C = decltype(x);
    return x < C(0) ? static_cast<C>(alpha) * x : x;
  });
}

void kernelElu(KernelContext& ctx) {
  const double alpha = ctx.attrs().getFloat("alpha", 1.0f);
  unaryFloat(ctx, [alpha](auto x) {
    using C = decltype(x);
    return x < C(0) ? static_cast<C>(alpha) * std::expm1(x) : x;
  });
}

void kernelSelu(KernelContext& ctx) {
  const double alpha = ctx.attrs().getFloat("alpha", 1.67326319217681884765625f);
  const double gamma = ctx.attrs().getFloat("gamma", 1.05070102214813232421875f);
  unaryFloat(ctx, [alpha, gamma](auto x) {
    using C = decltype(x);
    return static_cast<C>(gamma) * (x > C(0) ? x : static_cast<C>(alpha) * std::expm1(x));
  });
}

void kernelSigmoid(KernelContext& ctx) {
  unaryFloat(ctx, [](auto x) {
    using C = decltype(x);
    if (x >= C(0)) return C(1) / (C(1) + std::exp(-x));
    const C e = std::exp(x);
    return e / (C(1) + e);
  });
}

void kernelTanh(KernelContext& ctx) { unaryFloat(ctx, [](auto x) { return std::tanh(x); }); }

void kernelHardSigmoid(KernelContext& ctx) {
  const double alpha = ctx.attrs().getFloat("alpha", 0.2f);
  const double beta = ctx.attrs().getFloat("beta", 0.5f);
  unaryFloat(ctx, [alpha, beta](auto x) {
    using C = decltype(x);
    return std::clamp(static_cast<C>(alpha) * x + static_cast<C>(beta), C(0), C(1));
  });
}

void kernelHardSwish(KernelContext& ctx) {
  unaryFloat(ctx, [](auto x) {
    using C = decltype(x);
    return x * std::clamp(x / C(6) + C(0.5), C(0), C(1));
  });
}

// Swish: x * sigmoid(alpha x) (alpha 1: SiLU), the sigmoid computed as kernelSigmoid does.
// Internal op made by fuse-swish (ONNX has none at opset 17; the ONNX exporter writes Mul,
// Sigmoid and Mul).
void kernelSwish(KernelContext& ctx) {
  const float alpha = ctx.attrs().getFloat("alpha", 1.0f);
  unaryFloat(ctx, [alpha](auto x) {
    using C = decltype(x);
    const C z = static_cast<C>(alpha) * x;  // exact for alpha = 1
    if (z >= C(0)) return x * (C(1) / (C(1) + std::exp(-z)));
    const C e = std::exp(z);
    return x * (e / (C(1) + e));
  });
}

// Gelu's `approximate` is "none" (default) or "tanh"; anything else is refused at inference.
void inferGelu(InferContext& ctx) {
  const std::string approx = ctx.attrs().getString("approximate", "none");
  if (approx != "none" && approx != "tanh") ctx.fail("approximate must be \"none\" or \"tanh\", got \"" + approx + "\"");
  inferUnary<kFloats>(ctx);
}

// Gelu (ONNX opset 20): approximate "none" 0.5 x (1 + erf(x / sqrt 2)), "tanh"
// 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))).
void kernelGelu(KernelContext& ctx) {
  const std::string approx = ctx.attrs().getString("approximate", "none");
  if (approx != "none" && approx != "tanh") ctx.fail("approximate must be \"none\" or \"tanh\", got \"" + approx + "\"");
  if (approx == "none") {
    unaryFloat(ctx, [](auto x) {
      using C = decltype(x);
      return C(0.5) * x * (C(1) + std::erf(x * static_cast<C>(0.70710678118654752440)));
    });
  } else {
    unaryFloat(ctx, [](auto x) {
      using C = decltype(x);
      return C(0.5) * x * (C(1) + std::tanh(static_cast<C>(0.79788456080286535588) * (x + C(0.044715) * x * x * x)));
    });
  }
}

void kernelSoftplus(KernelContext& ctx) {
  unaryFloat(ctx, [](auto x) {
    using C = decltype(x);
    // log(1 + e^x) without overflow: max(x, 0) + log1p(e^-|x|)
    return (x > C(0) ? x : C(0)) + std::log1p(std::exp(-std::fabs(x)));
  });
}

void kernelPRelu(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& slope = ctx.input(1);
  Tensor& out = ctx.output(0);
  ops::dispatchNumeric(x.elem(), [&](auto tag) {
    using T = decltype(tag);
    using C = ComputeT<T>;
    const void* px = x.raw();
    const void* ps = slope.raw();
    void* po = out.rawMutable();
    if (slope.numElements() == 1) {
      const C s = Elem<T>::load(ps, 0);
      const int64_t n = x.numElements();
      for (int64_t i = 0; i < n; ++i) {
        const C v = Elem<T>::load(px, i);
        Elem<T>::store(po, i, static_cast<C>(v < C(0) ? s * v : v));
      }
      return;
    }
    ops::forEachBroadcast(x.shape(), {x.shape(), slope.shape()}, [&](int64_t i, const std::vector<int64_t>& off) {
      const C v = Elem<T>::load(px, i);
      Elem<T>::store(po, i, static_cast<C>(v < C(0) ? Elem<T>::load(ps, off[1]) * v : v));
    });
  });
}

// Softmax / LogSoftmax along one axis, numerically stable (subtract the max).
template <bool Log>
void kernelSoftmax(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  Tensor& out = ctx.output(0);
  const int64_t rank = static_cast<int64_t>(x.shape().size());
  // Plain variables, not a structured binding: the lambdas below capture them, which clang 14 refuses for bindings.
  const ops::AxisSplit split =
      ops::splitAtAxis(x.shape(), ops::normalizeAxis(ctx.attrs().getInt("axis", -1), rank, ctx.node()));
  const int64_t outer = split.outer, n = split.n, inner = split.inner;
  if (outer * n * inner == 0) return;
  dispatchFloat(x.elem(), [&](auto tag) {
    using T = decltype(tag);
    using C = ComputeT<T>;
    const void* pi = x.raw();
    void* po = out.rawMutable();
    std::vector<C> buf(static_cast<size_t>(n * inner));
    std::vector<C> mx(static_cast<size_t>(inner));
    std::vector<double> sum(static_cast<size_t>(inner));
    for (int64_t o = 0; o < outer; ++o) {
      const int64_t base = o * n * inner;
      for (int64_t i = 0; i < n * inner; ++i) buf[i] = Elem<T>::load(pi, base + i);
      std::fill(mx.begin(), mx.end(), -std::numeric_limits<C>::infinity());
      for (int64_t k = 0; k < n; ++k)
        for (int64_t j = 0; j < inner; ++j) mx[j] = std::max(mx[j], buf[k * inner + j]);
      std::fill(sum.begin(), sum.end(), 0.0);
      for (int64_t k = 0; k < n; ++k) {
        for (int64_t j = 0; j < inner; ++j) {
          C& v = buf[k * inner + j];
          v -= mx[j];
          const C e = std::exp(v);
          sum[j] += e;
          if constexpr (!Log) v = e;
        }
      }
      if constexpr (Log) {
        for (int64_t j = 0; j < inner; ++j) mx[j] = static_cast<C>(std::log(sum[j]));
        for (int64_t k = 0; k < n; ++k)
          for (int64_t j = 0; j < inner; ++j) Elem<T>::store(po, base + k * inner + j, buf[k * inner + j] - mx[j]);
      } else {
        for (int64_t j = 0; j < inner; ++j) mx[j] = static_cast<C>(1.0 / sum[j]);
        for (int64_t k = 0; k < n; ++k)
          for (int64_t j = 0; j < inner; ++j) Elem<T>::store(po, base + k * inner + j, buf[k * inner + j] * mx[j]);
      }
    }
  });
}

// Hardmax along one axis: 1 at the first largest element of each slice, 0 elsewhere.
void kernelHardmax(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  Tensor& out = ctx.output(0);
  const int64_t rank = static_cast<int64_t>(x.shape().size());
  // Plain variables, not a structured binding: the lambdas below capture them, which clang 14 refuses for bindings.
  const ops::AxisSplit split =
      ops::splitAtAxis(x.shape(), ops::normalizeAxis(ctx.attrs().getInt("axis", -1), rank, ctx.node()));
  const int64_t outer = split.outer, n = split.n, inner = split.inner;
  dispatchFloat(x.elem(), [&](auto tag) {
    using T = decltype(tag);
    const void* pi = x.raw();
    void* po = out.rawMutable();
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t j = 0; j < inner; ++j) {
        const int64_t base = o * n * inner + j;
        int64_t best = 0;
        for (int64_t k = 1; k < n; ++k)
          if (Elem<T>::load(pi, base + k * inner) > Elem<T>::load(pi, base + best * inner)) best = k;
        for (int64_t k = 0; k < n; ++k) Elem<T>::store(po, base + k * inner, k == best ? 1.0f : 0.0f);
      }
  });
}

template <typename C>
C boundValue(std::optional<double> b, bool isMin) {
  if (!b) {
    if constexpr (std::is_floating_point_v<C>)
      return isMin ? -std::numeric_limits<C>::infinity() : std::numeric_limits<C>::infinity();
    else
      return isMin ? std::numeric_limits<C>::lowest() : std::numeric_limits<C>::max();
  }
  if constexpr (std::is_floating_point_v<C>) {
    return static_cast<C>(*b);
  } else {
    if (std::isnan(*b)) return isMin ? std::numeric_limits<C>::lowest() : std::numeric_limits<C>::max();
    if (*b <= static_cast<double>(std::numeric_limits<C>::lowest())) return std::numeric_limits<C>::lowest();
    if (*b >= static_cast<double>(std::numeric_limits<C>::max())) return std::numeric_limits<C>::max();
    return static_cast<C>(*b);
  }
}

void kernelClip(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const bool integer = isInteger(x.elem());
  const std::optional<double> lo = clipBound(ctx.attrs(), "min", integer);
  const std::optional<double> hi = clipBound(ctx.attrs(), "max", integer);
  ops::dispatchNumeric(x.elem(), [&](auto tag) {
    using T = decltype(tag);
    using C = ComputeT<T>;
    const C l = boundValue<C>(lo, true), h = boundValue<C>(hi, false);
    // min(max(x, lo), hi): when lo > hi every value becomes hi (numpy.clip); NaN stays NaN.
    mapUnary<T>(x, ctx.output(0), [l, h](C v) {
      const C a = v < l ? l : v;
      return h < a ? h : a;
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Registration.

OpDef unaryDef(const char* name, InferFn infer, KernelFn kernel, std::vector<AttrSpec> attrs = {}) {
  OpDef d;
  d.name = name;
  d.category = "activation";
  d.attrs = std::move(attrs);
  d.infer = infer;
  d.kernel = kernel;
  d.kind = OpKind::UnaryElementwise;
  return d;
}

}  // namespace

void registerActivationOps(OpTable& t) {
  t.add(unaryDef("Relu", inferUnary<kFloats | kSignedInts>, kernelRelu));
  t.add(unaryDef("LeakyRelu", inferUnary<kFloats>, kernelLeakyRelu, {{"alpha", AttrKind::Float}}));
  {
    OpDef d = unaryDef("PRelu", inferPRelu, kernelPRelu);
    d.minInputs = d.maxInputs = 2;
    d.kind = OpKind::Elementwise;  // the slope broadcasts (unidirectionally) by position
    t.add(std::move(d));
  }
  t.add(unaryDef("Elu", inferUnary<kFloats>, kernelElu, {{"alpha", AttrKind::Float}}));
  t.add(unaryDef("Selu", inferUnary<kFloats>, kernelSelu, {{"alpha", AttrKind::Float}, {"gamma", AttrKind::Float}}));
  t.add(unaryDef("Sigmoid", inferUnary<kFloats>, kernelSigmoid));
  t.add(unaryDef("Tanh", inferUnary<kFloats>, kernelTanh));
  t.add(unaryDef("HardSigmoid", inferUnary<kFloats>, kernelHardSigmoid,
                 {{"alpha", AttrKind::Float}, {"beta", AttrKind::Float}}));
  t.add(unaryDef("HardSwish", inferUnary<kFloats>, kernelHardSwish));
  t.add(unaryDef("Swish", inferUnary<kFloats>, kernelSwish, {{"alpha", AttrKind::Float}}));
  t.add(unaryDef("Gelu", inferGelu, kernelGelu, {{"approximate", AttrKind::String}}));
  t.add(unaryDef("Softplus", inferUnary<kFloats>, kernelSoftplus));
  // Normalized along an axis: not elementwise.
  for (const char* name : {"Softmax", "LogSoftmax", "Hardmax"}) {
    const std::string op = name;
    OpDef d = unaryDef(name, inferSoftmax,
                       op == "Softmax" ? kernelSoftmax<false> : op == "LogSoftmax" ? kernelSoftmax<true> : kernelHardmax,
                       {{"axis", AttrKind::Int}});
    d.kind = OpKind::Other;
    t.add(std::move(d));
  }
  {
    // Clip-11+: min/max are parameter inputs (tensors of X's type); Clip-6: float attributes.
    OpDef d = unaryDef("Clip", inferClip, kernelClip, {{"min", AttrKind::Float}, {"max", AttrKind::Float}});
    d.params = {{1, "min", AttrKind::Tensor, true}, {2, "max", AttrKind::Tensor, true}};
    t.add(std::move(d));
  }
}

}  // namespace nest
