// Conv and ConvTranspose (N-D, grouped, dilated, strided, padded / auto_pad, optional bias).
#include "core/ops/conv_kernels.h"
#include "core/ops/fused_activation.h"
#include "core/ops/op_helpers.h"
#include "core/ops/register_ops.h"

namespace nest {

namespace {

using ops::ConvGeom;

const std::vector<AttrSpec> kConvAttrs = {
    {"auto_pad", AttrKind::String}, {"dilations", AttrKind::Ints}, {"group", AttrKind::Int},
    {"kernel_shape", AttrKind::Ints}, {"pads", AttrKind::Ints},    {"strides", AttrKind::Ints},
};

// Checks X, W (and optional bias of `biasSize` elements) share a float element type.
void checkFloatOperands(InferContext& ctx, int64_t biasSize) {
  ops::requireElem(ctx, 0, {ElemType::F32, ElemType::F16, ElemType::F64});
  ops::requireSameElem(ctx, 0, ctx.numInputs());
  if (ctx.hasInput(2)) {
    const TensorType& b = ctx.input(2);
    if (b.rank() != 1 || b.shape[0] != biasSize)
      ctx.fail("bias " + shapeToString(b.shape) + " must have shape [" + std::to_string(biasSize) + "]");
  }
}

void inferConv(InferContext& ctx) {
  const TensorType& x = ctx.input(0);
  const TensorType& w = ctx.input(1);
  ConvGeom g = ops::convGeometry(ctx.node(), x.shape, w.shape);
  checkFloatOperands(ctx, g.outChannels);
  ops::checkFusedActivation(ctx, x.elem);
  if (ctx.attrs().has("output_scale") &&
      static_cast<int64_t>(ctx.attrs().getFloats("output_scale").size()) != g.outChannels)
    ctx.fail("output_scale has " + std::to_string(ctx.attrs().getFloats("output_scale").size()) +
             " values, expected one per output channel (" + std::to_string(g.outChannels) + ")");
  ctx.setOutput(0, TensorType(x.elem, g.outShape()));
}

void inferConvTranspose(InferContext& ctx) {
  const TensorType& x = ctx.input(0);
  const TensorType& w = ctx.input(1);
  ConvGeom g = ops::convTransposeGeometry(ctx.node(), x.shape, w.shape);
  checkFloatOperands(ctx, g.outChannels);
  ctx.setOutput(0, TensorType(x.elem, g.outShape()));
}

// Runs a float conv-like routine on F32 / F64 directly and on F16 through F32 copies.
template <typename Fn>
void runFloatConv(KernelContext& ctx, const ConvGeom& g, Fn&& fn, bool useBias = true) {
  const Tensor& x = ctx.input(0);
  const bool hasBias = useBias && ctx.hasInput(2);
  if (x.elem() == ElemType::F64) {
    fn(g, x.data<double>(), ctx.input(1).data<double>(), hasBias ? ctx.input(2).data<double>() : nullptr,
       ctx.output(0).mutableData<double>());
    return;
  }
  if (x.elem() == ElemType::F32) {
    fn(g, x.data<float>(), ctx.input(1).data<float>(), hasBias ? ctx.input(2).data<float>() : nullptr,
       ctx.output(0).mutableData<float>());
    return;
  }
  Tensor xf = convertTensor(x, ElemType::F32);
  Tensor wf = convertTensor(ctx.input(1), ElemType::F32);
  Tensor bf = hasBias ? convertTensor(ctx.input(2), ElemType::F32) : Tensor();
  Tensor yf(TensorType(ElemType::F32, ctx.outputType(0).shape));
  fn(g, xf.data<float>(), wf.data<float>(), hasBias ? bf.data<float>() : nullptr, yf.mutableData<float>());
  ctx.setOutput(0, convertTensor(yf, x.elem()));
}

// Conv's `output_scale` (set by fold-batchnorm): y[n, m, ...] = conv(x, W)[n, m, ...] * s[m] + b[m].
// Scaling the result rather than rewriting W keeps the weights shared with earlier snapshots;
// export and code generation fold s into the weights.
void applyOutputScale(KernelContext& ctx) {
  const Floats s = ctx.attrs().getFloats("output_scale");
  Tensor& y = ctx.output(0);
  const int64_t m = static_cast<int64_t>(s.size()), n = y.shape()[0];
  const int64_t spatial = y.numElements() / std::max<int64_t>(1, n * m);
  const Tensor* bias = ctx.hasInput(2) ? &ctx.input(2) : nullptr;
  ops::dispatchNumeric(y.elem(), [&](auto tag) {
    using T = decltype(tag);
    using E = ops::Elem<T>;
    using C = ops::ComputeT<T>;
    if constexpr (std::is_floating_point_v<C>) {
      for (int64_t b = 0; b < n; ++b)
        for (int64_t c = 0; c < m; ++c) {
          const C scale = static_cast<C>(s[c]);
          const C add = bias ? static_cast<C>(bias->getDouble(c)) : C(0);
          const int64_t base = (b * m + c) * spatial;
          for (int64_t i = 0; i < spatial; ++i)
            E::store(y.rawMutable(), base + i, E::load(y.raw(), base + i) * scale + add);
        }
    }
  });
}

void convKernel(KernelContext& ctx) {
  ConvGeom g = ops::convGeometry(ctx.node(), ctx.input(0).shape(), ctx.input(1).shape());
  const bool scaled = ctx.attrs().has("output_scale");
  runFloatConv(
      ctx, g,
      [](const ConvGeom& geom, const auto* x, const auto* w, const auto* b, auto* y) { ops::convForward(geom, x, w, b, y); },
      !scaled);
  if (scaled) applyOutputScale(ctx);
  ops::applyFusedActivation(ctx.node(), ctx.output(0));
}

void convTransposeKernel(KernelContext& ctx) {
  ConvGeom g = ops::convTransposeGeometry(ctx.node(), ctx.input(0).shape(), ctx.input(1).shape());
  runFloatConv(ctx, g, [](const ConvGeom& geom, const auto* x, const auto* w, const auto* b, auto* y) {
    ops::convTransposeForward(geom, x, w, b, y);
  });
}

int64_t convMacs(const Node& node, const std::vector<const TensorType*>& in, const std::vector<const TensorType*>&) {
  return ops::convGeometry(node, in.at(0)->shape, in.at(1)->shape).macs();
}

int64_t convTransposeMacs(const Node& node, const std::vector<const TensorType*>& in,
                          const std::vector<const TensorType*>&) {
  return ops::convTransposeGeometry(node, in.at(0)->shape, in.at(1)->shape).transposedMacs();
}

}  // namespace

void registerConvOps(OpTable& t) {
  {
    OpDef d;
    d.name = "Conv";
    d.category = "conv";
    d.minInputs = 2;
    d.maxInputs = 3;
    d.attrs = kConvAttrs;
    d.attrs.push_back({"output_scale", AttrKind::Floats, true});  // fold-batchnorm
    ops::declareFusedActivations(d);
    d.layoutSensitive = true;
    d.infer = inferConv;
    d.kernel = convKernel;
    d.macs = convMacs;
    t.add(std::move(d));
  }
  {
    OpDef d;
    d.name = "ConvTranspose";
    d.category = "conv";
    d.minInputs = 2;
    d.maxInputs = 3;
    d.attrs = kConvAttrs;
    d.attrs.push_back({"output_padding", AttrKind::Ints});
    d.attrs.push_back({"output_shape", AttrKind::Ints});
    d.infer = inferConvTranspose;
    d.kernel = convTransposeKernel;
    d.macs = convTransposeMacs;
    d.layoutSensitive = true;
    t.add(std::move(d));
  }
}

}  // namespace nest
