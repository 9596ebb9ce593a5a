// QuantizeLinear, DequantizeLinear (per tensor / per axis), QLinearConv, QLinearMatMul,
// MatMulInteger, ConvInteger. Integer products accumulate in int32 after zero-point shifts.
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <limits>

#include "core/ops/conv_kernels.h"
#include "core/ops/gemm_kernel.h"
#include "core/ops/op_helpers.h"
#include "core/ops/register_ops.h"

namespace nest {

namespace {

const std::initializer_list<ElemType> kQuantTypes = {ElemType::U8, ElemType::I8, ElemType::U16, ElemType::I16};
const std::initializer_list<ElemType> kByteTypes = {ElemType::U8, ElemType::I8};

// Saturating range of a quantized element type.
void quantRange(ElemType e, double& lo, double& hi) {
  switch (e) {
    case ElemType::U8: lo = 0; hi = 255; break;
    case ElemType::I8: lo = -128; hi = 127; break;
    case ElemType::U16: lo = 0; hi = 65535; break;
    case ElemType::I16: lo = -32768; hi = 32767; break;
    case ElemType::I32: lo = std::numeric_limits<int32_t>::min(); hi = std::numeric_limits<int32_t>::max(); break;
    default: failInternal("not a quantized element type");
  }
}

// round half to even, add the zero point, saturate, store as element i of `out` (type e).
void storeQuantized(void* out, ElemType e, int64_t i, double v, double zp, double lo, double hi) {
  double q = std::isnan(v) ? zp : std::nearbyint(v) + zp;
  q = std::min(std::max(q, lo), hi);
  switch (e) {
    case ElemType::U8: static_cast<uint8_t*>(out)[i] = static_cast<uint8_t>(q); break;
    case ElemType::I8: static_cast<int8_t*>(out)[i] = static_cast<int8_t>(q); break;
    case ElemType::U16: static_cast<uint16_t*>(out)[i] = static_cast<uint16_t>(q); break;
    case ElemType::I16: static_cast<int16_t*>(out)[i] = static_cast<int16_t>(q); break;
    case ElemType::I32: static_cast<int32_t*>(out)[i] = static_cast<int32_t>(q); break;
    default: failInternal("not a quantized element type");
  }
}

// Checks a scale / zero-point operand: a scalar or one element (per tensor), or with `perAxis`
// elements, a 1-D tensor (per axis). Returns whether it is per axis.
bool checkQuantParam(InferContext& ctx, size_t operand, int64_t perAxis, const char* what) {
  const TensorType& t = ctx.input(operand);
  if (t.numElements() == 1 && t.rank() <= 1) return false;
  if (t.rank() == 1 && t.shape[0] == perAxis) return true;
  ctx.fail(std::string(what) + " " + shapeToString(t.shape) + " must be a scalar or have shape [" +
           std::to_string(perAxis) + "]");
}

// Element count of one step of `axis` and the number of elements below it: element i belongs to
// channel (i / inner) % dim.
void axisLayout(const Shape& s, int64_t axis, int64_t& dim, int64_t& inner) {
  dim = s[axis];
  inner = 1;
  for (size_t d = static_cast<size_t>(axis) + 1; d < s.size(); ++d) inner *= s[d];
}

// ---- QuantizeLinear / DequantizeLinear ----

int64_t quantAxis(const InferContext& ctx, int64_t rank) {
  return ops::normalizeAxis(ctx.attrs().getInt("axis", 1), rank, ctx.node());
}

int64_t quantAxisOf(const KernelContext& ctx, const Tensor& x) {
  return ops::normalizeAxis(ctx.attrs().getInt("axis", 1), static_cast<int64_t>(x.shape().size()), ctx.node());
}

void inferQuantize(InferContext& ctx) {
  ops::requireElem(ctx, 0, {ElemType::F32, ElemType::F16, ElemType::F64, ElemType::I32});
  ops::requireElem(ctx, 1, {ElemType::F32, ElemType::F16, ElemType::F64});
  const TensorType& x = ctx.input(0);
  ElemType outElem = ElemType::U8;
  bool perAxis = false;
  int64_t dim = 1;
  const bool scalarScale = ctx.input(1).numElements() == 1 && ctx.input(1).rank() <= 1;
  if (!scalarScale) {
    if (x.rank() == 0) ctx.fail("per-axis scale needs a data tensor of rank >= 1");
    dim = x.shape[quantAxis(ctx, x.rank())];
  }
  perAxis = checkQuantParam(ctx, 1, dim, "y_scale");
  if (ctx.hasInput(2)) {
    ops::requireElem(ctx, 2, kQuantTypes);
    outElem = ctx.input(2).elem;
    if (checkQuantParam(ctx, 2, dim, "y_zero_point") != perAxis || ctx.input(2).numElements() != ctx.input(1).numElements())
      ctx.fail("y_zero_point " + shapeToString(ctx.input(2).shape) + " must match y_scale " +
               shapeToString(ctx.input(1).shape));
  }
  ctx.setOutput(0, TensorType(outElem, x.shape));
}

void quantizeKernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const std::vector<double> scale = ctx.input(1).toDoubles();
  const std::vector<int64_t> zp = ctx.hasInput(2) ? ctx.input(2).toInts() : std::vector<int64_t>(scale.size(), 0);
  Tensor& y = ctx.output(0);
  const ElemType e = y.elem();
  double lo, hi;
  quantRange(e, lo, hi);
  int64_t dim = 1, inner = 1;
  if (scale.size() > 1) axisLayout(x.shape(), quantAxisOf(ctx, x), dim, inner);
  const int64_t total = x.numElements();
  const bool f32 = x.elem() == ElemType::F32;
  const float* xf = f32 ? x.data<float>() : nullptr;
  void* out = y.rawMutable();
  for (int64_t i = 0; i < total; ++i) {
    const size_t c = dim > 1 ? static_cast<size_t>((i / inner) % dim) : 0;
    // x / scale in single precision, as the ONNX reference does for float inputs.
    const float xv = f32 ? xf[i] : static_cast<float>(x.getDouble(i));
    const double v = x.elem() == ElemType::F64 ? x.getDouble(i) / scale[c]
                                               : static_cast<double>(xv / static_cast<float>(scale[c]));
    storeQuantized(out, e, i, v, static_cast<double>(zp[c]), lo, hi);
  }
}

void inferDequantize(InferContext& ctx) {
  ops::requireElem(ctx, 0, {ElemType::U8, ElemType::I8, ElemType::U16, ElemType::I16, ElemType::I32});
  ops::requireElem(ctx, 1, {ElemType::F32, ElemType::F16, ElemType::F64});
  const TensorType& x = ctx.input(0);
  int64_t dim = 1;
  const bool scalarScale = ctx.input(1).numElements() == 1 && ctx.input(1).rank() <= 1;
  if (!scalarScale) {
    if (x.rank() == 0) ctx.fail("per-axis scale needs a data tensor of rank >= 1");
    dim = x.shape[quantAxis(ctx, x.rank())];
  }
  const bool perAxis = checkQuantParam(ctx, 1, dim, "x_scale");
  if (ctx.hasInput(2)) {
    if (ctx.input(2).elem != x.elem)
      ctx.fail("x_zero_point is " + std::string(elemTypeName(ctx.input(2).elem)) + " but x is " +
               std::string(elemTypeName(x.elem)));
    if (checkQuantParam(ctx, 2, dim, "x_zero_point") != perAxis || ctx.input(2).numElements() != ctx.input(1).numElements())
      ctx.fail("x_zero_point " + shapeToString(ctx.input(2).shape) + " must match x_scale " +
               shapeToString(ctx.input(1).shape));
  }
  ctx.setOutput(0, TensorType(ctx.input(1).elem, x.shape));
}

void dequantizeKernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const std::vector<double> scale = ctx.input(1).toDoubles();
  const std::vector<int64_t> zp = ctx.hasInput(2) ? ctx.input(2).toInts() : std::vector<int64_t>(scale.size(), 0);
  int64_t dim = 1, inner = 1;
  if (scale.size() > 1) axisLayout(x.shape(), quantAxisOf(ctx, x), dim, inner);
  const int64_t total = x.numElements();
  Tensor& y = ctx.output(0);
  const std::vector<int64_t> xs = x.toInts();
  ops::dispatchNumeric(y.elem(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<ops::ComputeT<T>>) {
      using C = ops::ComputeT<T>;
      void* out = y.rawMutable();
      for (int64_t i = 0; i < total; ++i) {
        const size_t c = dim > 1 ? static_cast<size_t>((i / inner) % dim) : 0;
        ops::Elem<T>::store(out, i, static_cast<C>(static_cast<C>(xs[i] - zp[c]) * static_cast<C>(scale[c])));
      }
    }
  });
}

// ---- shared: int32 operands with zero points subtracted ----

// x - zp as int32, zp per tensor (one element) or broadcast from `zpShape` to x's shape.
std::vector<int32_t> shifted(const Tensor& x, const Tensor* zp, const Shape& zpShape) {
  const std::vector<int64_t> xs = x.toInts();
  std::vector<int32_t> out(xs.size());
  if (!zp || zp->numElements() == 1) {
    const int64_t z = zp ? zp->getInt(0) : 0;
    for (size_t i = 0; i < xs.size(); ++i) out[i] = static_cast<int32_t>(xs[i] - z);
    return out;
  }
  const std::vector<int64_t> zs = zp->toInts();
  ops::forEachBroadcast(x.shape(), {x.shape(), zpShape}, [&](int64_t i, const std::vector<int64_t>& off) {
    out[static_cast<size_t>(i)] = static_cast<int32_t>(xs[static_cast<size_t>(off[0])] - zs[static_cast<size_t>(off[1])]);
  });
  return out;
}

// Weights [M, ...] minus a per-tensor or per-output-channel zero point.
std::vector<int32_t> shiftedPerChannel(const Tensor& w, const Tensor* zp) {
  if (!zp || zp->numElements() == 1) return shifted(w, zp, {});
  Shape zs(w.shape().size(), 1);
  zs[0] = w.shape()[0];
  return shifted(w, zp, zs);
}

void requireScalarOrChannels(InferContext& ctx, size_t operand, int64_t channels, const char* what) {
  if (!ctx.hasInput(operand)) return;
  checkQuantParam(ctx, operand, channels, what);
}

// Zero-point shape of a matmul operand as a broadcastable shape: a 1-D per-row zero point of `a`
// is [m, 1]; others broadcast numpy-style. Fails when it does not broadcast to the operand.
Shape matmulZeroPointShape(InferContext* ctx, const Node& node, const Shape& operand, const Shape& zp, bool isA) {
  if (numElements(zp) == 1) return {};
  Shape s = zp;
  if (isA && zp.size() == 1 && operand.size() >= 2 && zp[0] == operand[operand.size() - 2]) s = {zp[0], 1};
  Shape b = ops::broadcastShapes({operand, s}, node);
  if (b != operand) {
    std::string msg = "zero point " + shapeToString(zp) + " does not fit operand " + shapeToString(operand);
    if (ctx) ctx->fail(msg);
    failBadInput(node.describe() + ": " + msg);
  }
  return s;
}

// ---- MatMulInteger ----

void inferMatMulInteger(InferContext& ctx) {
  ops::requireElem(ctx, 0, kByteTypes);
  ops::requireElem(ctx, 1, kByteTypes);
  const Shape& a = ctx.input(0).shape;
  const Shape& b = ctx.input(1).shape;
  ops::MatMulGeom g = ops::matmulGeometry(ctx.node(), a, b);
  if (ctx.hasInput(2)) {
    if (ctx.input(2).elem != ctx.input(0).elem) ctx.fail("a_zero_point must have the element type of A");
    matmulZeroPointShape(&ctx, ctx.node(), a, ctx.input(2).shape, true);
  }
  if (ctx.hasInput(3)) {
    if (ctx.input(3).elem != ctx.input(1).elem) ctx.fail("b_zero_point must have the element type of B");
    matmulZeroPointShape(&ctx, ctx.node(), b, ctx.input(3).shape, false);
  }
  ctx.setOutput(0, TensorType(ElemType::I32, g.out));
}

// int32 matmul of zero-point shifted operands a (operand ia, zp za) and b (ib, zb).
std::vector<int32_t> integerMatMul(KernelContext& ctx, const ops::MatMulGeom& g, size_t ia, size_t za, size_t ib,
                                   size_t zb) {
  const Tensor& a = ctx.input(ia);
  const Tensor& b = ctx.input(ib);
  const Tensor* azp = ctx.hasInput(za) ? &ctx.input(za) : nullptr;
  const Tensor* bzp = ctx.hasInput(zb) ? &ctx.input(zb) : nullptr;
  std::vector<int32_t> a32 =
      shifted(a, azp, azp ? matmulZeroPointShape(nullptr, ctx.node(), a.shape(), azp->shape(), true) : Shape{});
  std::vector<int32_t> b32 =
      shifted(b, bzp, bzp ? matmulZeroPointShape(nullptr, ctx.node(), b.shape(), bzp->shape(), false) : Shape{});
  std::vector<int32_t> y(static_cast<size_t>(numElements(g.out)));
  ops::matmulForward<int32_t>(g, a32.data(), b32.data(), y.data());
  return y;
}

void matmulIntegerKernel(KernelContext& ctx) {
  ops::MatMulGeom g = ops::matmulGeometry(ctx.node(), ctx.input(0).shape(), ctx.input(1).shape());
  std::vector<int32_t> y = integerMatMul(ctx, g, 0, 2, 1, 3);
  std::copy(y.begin(), y.end(), ctx.output(0).mutableData<int32_t>());
}

int64_t matmulMacsOf(const Node& node, const Shape& a, const Shape& b) {
  ops::MatMulGeom g = ops::matmulGeometry(node, a, b);
  return g.batchCount() * g.m * g.n * g.k;
}

int64_t matmulIntegerMacs(const Node& node, const std::vector<const TensorType*>& in,
                          const std::vector<const TensorType*>&) {
  return matmulMacsOf(node, in.at(0)->shape, in.at(1)->shape);
}

// ---- QLinearMatMul: a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp ----

void inferQLinearMatMul(InferContext& ctx) {
  ops::requireElem(ctx, 0, kByteTypes);
  ops::requireElem(ctx, 3, kByteTypes);
  ops::requireElem(ctx, 7, kByteTypes);
  const Shape& a = ctx.input(0).shape;
  const Shape& b = ctx.input(3).shape;
  ops::MatMulGeom g = ops::matmulGeometry(ctx.node(), a, b);
  for (size_t s : {1, 4, 6}) ops::requireElem(ctx, s, {ElemType::F32});
  checkQuantParam(ctx, 1, g.m, "a_scale");
  checkQuantParam(ctx, 4, g.n, "b_scale");
  checkQuantParam(ctx, 6, 1, "y_scale");
  if (ctx.input(2).elem != ctx.input(0).elem) ctx.fail("a_zero_point must have the element type of a");
  if (ctx.input(5).elem != ctx.input(3).elem) ctx.fail("b_zero_point must have the element type of b");
  matmulZeroPointShape(&ctx, ctx.node(), a, ctx.input(2).shape, true);
  matmulZeroPointShape(&ctx, ctx.node(), b, ctx.input(5).shape, false);
  checkQuantParam(ctx, 7, 1, "y_zero_point");
  ctx.setOutput(0, TensorType(ctx.input(7).elem, g.out));
}

void qlinearMatMulKernel(KernelContext& ctx) {
  ops::MatMulGeom g = ops::matmulGeometry(ctx.node(), ctx.input(0).shape(), ctx.input(3).shape());
  std::vector<int32_t> acc = integerMatMul(ctx, g, 0, 2, 3, 5);
  const std::vector<float> as = [&] {
    std::vector<float> v;
    for (double d : ctx.input(1).toDoubles()) v.push_back(static_cast<float>(d));
    return v;
  }();
  const std::vector<double> bsd = ctx.input(4).toDoubles();
  const float ys = static_cast<float>(ctx.input(6).getDouble(0));
  const double yzp = static_cast<double>(ctx.input(7).getInt(0));
  Tensor& y = ctx.output(0);
  double lo, hi;
  quantRange(y.elem(), lo, hi);
  const int64_t total = static_cast<int64_t>(acc.size());
  for (int64_t i = 0; i < total; ++i) {
    const int64_t col = i % g.n, row = (i / g.n) % g.m;
    const float aScale = as.size() == 1 ? as[0] : as[static_cast<size_t>(row)];
    const float bScale = static_cast<float>(bsd.size() == 1 ? bsd[0] : bsd[static_cast<size_t>(col)]);
    // The multiplier in single precision, the product in double, as the ONNX reference.
    const float mult = aScale * bScale / ys;
    storeQuantized(y.rawMutable(), y.elem(), i, static_cast<double>(acc[i]) * mult, yzp, lo, hi);
  }
}

int64_t qlinearMatMulMacs(const Node& node, const std::vector<const TensorType*>& in,
                          const std::vector<const TensorType*>&) {
  return matmulMacsOf(node, in.at(0)->shape, in.at(3)->shape);
}

// ---- ConvInteger: x, w, x_zp, w_zp ----

const std::vector<AttrSpec> kConvAttrs = {
    {"auto_pad", AttrKind::String}, {"dilations", AttrKind::Ints}, {"group", AttrKind::Int},
    {"kernel_shape", AttrKind::Ints}, {"pads", AttrKind::Ints},    {"strides", AttrKind::Ints},
};

void inferConvInteger(InferContext& ctx) {
  ops::requireElem(ctx, 0, kByteTypes);
  ops::requireElem(ctx, 1, kByteTypes);
  ops::ConvGeom g = ops::convGeometry(ctx.node(), ctx.input(0).shape, ctx.input(1).shape);
  if (ctx.hasInput(2)) {
    if (ctx.input(2).elem != ctx.input(0).elem) ctx.fail("x_zero_point must have the element type of x");
    checkQuantParam(ctx, 2, 1, "x_zero_point");
  }
  if (ctx.hasInput(3)) {
    if (ctx.input(3).elem != ctx.input(1).elem) ctx.fail("w_zero_point must have the element type of w");
    requireScalarOrChannels(ctx, 3, g.outChannels, "w_zero_point");
  }
  ctx.setOutput(0, TensorType(ElemType::I32, g.outShape()));
}

// int32 conv of zero-point shifted x (operand ix, zp zx) and w (iw, zw) with optional int32 bias.
std::vector<int32_t> integerConv(KernelContext& ctx, const ops::ConvGeom& g, size_t ix, size_t zx, size_t iw,
                                 size_t zw, const int32_t* bias) {
  std::vector<int32_t> x32 = shifted(ctx.input(ix), ctx.hasInput(zx) ? &ctx.input(zx) : nullptr, {});
  std::vector<int32_t> w32 = shiftedPerChannel(ctx.input(iw), ctx.hasInput(zw) ? &ctx.input(zw) : nullptr);
  std::vector<int32_t> y(static_cast<size_t>(numElements(g.outShape())));
  ops::convForward<int32_t>(g, x32.data(), w32.data(), bias, y.data());
  return y;
}

void convIntegerKernel(KernelContext& ctx) {
  ops::ConvGeom g = ops::convGeometry(ctx.node(), ctx.input(0).shape(), ctx.input(1).shape());
  std::vector<int32_t> y = integerConv(ctx, g, 0, 2, 1, 3, nullptr);
  std::copy(y.begin(), y.end(), ctx.output(0).mutableData<int32_t>());
}

int64_t convIntegerMacs(const Node& node, const std::vector<const TensorType*>& in,
                        const std::vector<const TensorType*>&) {
  return ops::convGeometry(node, in.at(0)->shape, in.at(1)->shape).macs();
}

// ---- QLinearConv: x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B ----

void inferQLinearConv(InferContext& ctx) {
  ops::requireElem(ctx, 0, kByteTypes);
  ops::requireElem(ctx, 3, kByteTypes);
  ops::requireElem(ctx, 7, kByteTypes);
  ops::ConvGeom g = ops::convGeometry(ctx.node(), ctx.input(0).shape, ctx.input(3).shape);
  for (size_t s : {1, 4, 6}) ops::requireElem(ctx, s, {ElemType::F32});
  checkQuantParam(ctx, 1, 1, "x_scale");
  checkQuantParam(ctx, 4, g.outChannels, "w_scale");
  checkQuantParam(ctx, 6, 1, "y_scale");
  if (ctx.input(2).elem != ctx.input(0).elem) ctx.fail("x_zero_point must have the element type of x");
  if (ctx.input(5).elem != ctx.input(3).elem) ctx.fail("w_zero_point must have the element type of w");
  checkQuantParam(ctx, 2, 1, "x_zero_point");
  checkQuantParam(ctx, 5, g.outChannels, "w_zero_point");
  checkQuantParam(ctx, 7, 1, "y_zero_point");
  if (ctx.hasInput(8)) {
    ops::requireElem(ctx, 8, {ElemType::I32});
    if (ctx.input(8).rank() != 1 || ctx.input(8).shape[0] != g.outChannels)
      ctx.fail("bias " + shapeToString(ctx.input(8).shape) + " must have shape [" + std::to_string(g.outChannels) + "]");
  }
  ctx.setOutput(0, TensorType(ctx.input(7).elem, g.outShape()));
}

void qlinearConvKernel(KernelContext& ctx) {
  ops::ConvGeom g = ops::convGeometry(ctx.node(), ctx.input(0).shape(), ctx.input(3).shape());
  const int32_t* bias = ctx.hasInput(8) ? ctx.input(8).data<int32_t>() : nullptr;
  std::vector<int32_t> acc = integerConv(ctx, g, 0, 2, 3, 5, bias);
  const float xs = static_cast<float>(ctx.input(1).getDouble(0));
  const std::vector<double> ws = ctx.input(4).toDoubles();
  const float ys = static_cast<float>(ctx.input(6).getDouble(0));
  const double yzp = static_cast<double>(ctx.input(7).getInt(0));
  Tensor& y = ctx.output(0);
  double lo, hi;
  quantRange(y.elem(), lo, hi);
  const int64_t outSize = g.outSize(), total = static_cast<int64_t>(acc.size());
  for (int64_t i = 0; i < total; ++i) {
    const int64_t m = (i / outSize) % g.outChannels;
    const float mult = xs * static_cast<float>(ws.size() == 1 ? ws[0] : ws[static_cast<size_t>(m)]) / ys;
    storeQuantized(y.rawMutable(), y.elem(), i, static_cast<double>(acc[i]) * mult, yzp, lo, hi);
  }
}

int64_t qlinearConvMacs(const Node& node, const std::vector<const TensorType*>& in,
                        const std::vector<const TensorType*>&) {
  return ops::convGeometry(node, in.at(0)->shape, in.at(3)->shape).macs();
}

}  // namespace

void registerQuantOps(OpTable& t) {
  {
    OpDef d;
    d.name = "QuantizeLinear";
    d.category = "quant";
    d.minInputs = 2;
    d.maxInputs = 3;
    d.attrs = {{"axis", AttrKind::Int}};
    d.infer = inferQuantize;
    d.kernel = quantizeKernel;
    t.add(std::move(d));
  }
  {
    OpDef d;
    d.name = "DequantizeLinear";
    d.category = "quant";
    d.minInputs = 2;
    d.maxInputs = 3;
    d.attrs = {{"axis", AttrKind::Int}};
    d.infer = inferDequantize;
    d.kernel = dequantizeKernel;
    t.add(std::move(d));
  }
  {
    OpDef d;
    d.name = "MatMulInteger";
    d.category = "quant";
    d.minInputs = 2;
    d.maxInputs = 4;
    d.infer = inferMatMulInteger;
    d.kernel = matmulIntegerKernel;
    d.macs = matmulIntegerMacs;
    t.add(std::move(d));
  }
  {
    OpDef d;
    d.name = "QLinearMatMul";
    d.category = "quant";
    d.minInputs = 8;
    d.maxInputs = 8;
    d.infer = inferQLinearMatMul;
    d.kernel = qlinearMatMulKernel;
    d.macs = qlinearMatMulMacs;
    t.add(std::move(d));
  }
  {
    OpDef d;
    d.name = "ConvInteger";
    d.category = "quant";
    d.minInputs = 2;
    d.maxInputs = 4;
    d.attrs = kConvAttrs;
    d.infer = inferConvInteger;
    d.kernel = convIntegerKernel;
    d.macs = convIntegerMacs;
    d.layoutSensitive = true;
    t.add(std::move(d));
  }
  {
    OpDef d;
    d.name = "QLinearConv";
    d.category = "quant";
    d.minInputs = 8;
    d.maxInputs = 9;
    d.attrs = kConvAttrs;
    d.infer = inferQLinearConv;
    d.kernel = qlinearConvKernel;
    d.macs = qlinearConvMacs;
    d.layoutSensitive = true;
    t.add(std::move(d));
  }
}

}  // namespace nest
