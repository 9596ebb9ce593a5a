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
void runFloatConv(KernelContext& ctx, const ConvGeom& g, Fn&& fn) {
  const Tensor& x = ctx.input(0);
  const bool hasBias = ctx.hasInput(2);
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

void convKernel(KernelContext& ctx) {
  ConvGeom g = ops::convGeometry(ctx.node(), ctx.input(0).shape(), ctx.input(1).shape());
  runFloatConv(ctx, g, [](const ConvGeom& geom, const auto* x, const auto* w, const auto* b, auto* y) {
    ops::convForward(geom, x, w, b, y);
  });
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
    d.attrs.insert(d.attrs.end(), ops::fusedActivationAttrs().begin(), ops::fusedActivationAttrs().end());
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
    t.add(std::move(d));
  }
}

}  // namespace nest
