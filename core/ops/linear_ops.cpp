// Gemm and MatMul. Float products use the packed GEMM of gemm_kernel.h.
#include <type_traits>

#include "core/ops/fused_activation.h"
#include "core/ops/gemm_kernel.h"
#include "core/ops/op_helpers.h"
#include "core/ops/register_ops.h"

namespace nest {

namespace {

const std::initializer_list<ElemType> kLinearTypes = {ElemType::F32, ElemType::F16, ElemType::F64, ElemType::I32,
                                                      ElemType::I64, ElemType::U32, ElemType::U64};

// ---- Gemm ----

struct GemmDims {
  int64_t m, n, k;
  bool transA, transB;
};

GemmDims gemmDims(const Node& node, const Shape& a, const Shape& b) {
  if (a.size() != 2 || b.size() != 2)
    failBadInput(node.describe() + ": operands must be matrices, got " + shapeToString(a) + " and " + shapeToString(b));
  GemmDims d;
  d.transA = node.attrs.getInt("transA", 0) != 0;
  d.transB = node.attrs.getInt("transB", 0) != 0;
  d.m = d.transA ? a[1] : a[0];
  d.k = d.transA ? a[0] : a[1];
  const int64_t kb = d.transB ? b[1] : b[0];
  d.n = d.transB ? b[0] : b[1];
  if (kb != d.k)
    failBadInput(node.describe() + ": cannot multiply " + shapeToString(a) + (d.transA ? "^T" : "") + " by " +
                 shapeToString(b) + (d.transB ? "^T" : ""));
  return d;
}

void inferGemm(InferContext& ctx) {
  ops::requireElem(ctx, 0, kLinearTypes);
  ops::requireSameElem(ctx, 0, ctx.numInputs());
  GemmDims d = gemmDims(ctx.node(), ctx.input(0).shape, ctx.input(1).shape);
  if (ctx.hasInput(2)) {
    const Shape& c = ctx.input(2).shape;
    const Shape out{d.m, d.n};
    bool ok = c.size() <= 2;
    for (size_t i = 0; ok && i < c.size(); ++i) {
      const int64_t o = out[2 - c.size() + i];
      ok = c[i] == o || c[i] == 1;
    }
    if (!ok) ctx.fail("C " + shapeToString(c) + " cannot be broadcast to the result " + shapeToString(out));
  }
  ops::checkFusedActivation(ctx, ctx.input(0).elem);
  ctx.setOutput(0, TensorType(ctx.input(0).elem, {d.m, d.n}));
}

// y = alpha * y + beta * c (c broadcast to y's [m, n]).
template <typename T>
void gemmEpilogue(T* y, const GemmDims& d, float alpha, float beta, const Tensor* c) {
  const int64_t total = d.m * d.n;
  if (alpha != 1.0f)
    for (int64_t i = 0; i < total; ++i) y[i] = static_cast<T>(static_cast<double>(y[i]) * alpha);
  if (!c || beta == 0.0f) return;
  const Shape& cs = c->shape();
  const T* cp = c->data<T>();
  const int64_t rows = cs.size() == 2 ? cs[0] : 1;
  const int64_t cols = cs.empty() ? 1 : cs.back();
  for (int64_t i = 0; i < d.m; ++i) {
    const T* crow = cp + (rows == 1 ? 0 : i) * cols;
    T* yrow = y + i * d.n;
    if (beta == 1.0f) {
      if (cols == 1)
        for (int64_t j = 0; j < d.n; ++j) yrow[j] += crow[0];
      else
        for (int64_t j = 0; j < d.n; ++j) yrow[j] += crow[j];
    } else {
      for (int64_t j = 0; j < d.n; ++j)
        yrow[j] = static_cast<T>(static_cast<double>(yrow[j]) + static_cast<double>(beta) * crow[cols == 1 ? 0 : j]);
    }
  }
}

template <typename T>
void gemmTyped(const GemmDims& d, const T* a, const T* b, T* y) {
  const int64_t ars = d.transA ? 1 : d.k, acs = d.transA ? d.m : 1;
  const int64_t brs = d.transB ? 1 : d.n, bcs = d.transB ? d.k : 1;
  if constexpr (std::is_same_v<T, float>) {
    ops::gemmF32(d.m, d.n, d.k, {a, ars, acs}, {b, brs, bcs}, y, d.n, false);
  } else {
    ops::gemmRef<T>(d.m, d.n, d.k, a, ars, acs, b, brs, bcs, y, d.n, false);
  }
}

void gemmKernel(KernelContext& ctx) {
  GemmDims d = gemmDims(ctx.node(), ctx.input(0).shape(), ctx.input(1).shape());
  const float alpha = ctx.attrs().getFloat("alpha", 1.0f), beta = ctx.attrs().getFloat("beta", 1.0f);
  const ElemType e = ctx.input(0).elem();
  if (e == ElemType::F16) {
    Tensor a = convertTensor(ctx.input(0), ElemType::F32), b = convertTensor(ctx.input(1), ElemType::F32);
    Tensor c = ctx.hasInput(2) ? convertTensor(ctx.input(2), ElemType::F32) : Tensor();
    Tensor y(TensorType(ElemType::F32, {d.m, d.n}));
    gemmTyped<float>(d, a.data<float>(), b.data<float>(), y.mutableData<float>());
    gemmEpilogue<float>(y.mutableData<float>(), d, alpha, beta, ctx.hasInput(2) ? &c : nullptr);
    ctx.setOutput(0, convertTensor(y, ElemType::F16));
    ops::applyFusedActivation(ctx.node(), ctx.output(0));
    return;
  }
  auto run = [&](auto tag) {
    using T = decltype(tag);
    T* y = ctx.output(0).mutableData<T>();
    gemmTyped<T>(d, ctx.input(0).data<T>(), ctx.input(1).data<T>(), y);
    gemmEpilogue<T>(y, d, alpha, beta, ctx.hasInput(2) ? &ctx.input(2) : nullptr);
  };
  switch (e) {
    case ElemType::F32: run(float{}); break;
    case ElemType::F64: run(double{}); break;
    case ElemType::I32: run(int32_t{}); break;
    case ElemType::I64: run(int64_t{}); break;
    case ElemType::U32: run(uint32_t{}); break;
    case ElemType::U64: run(uint64_t{}); break;
    default: ctx.fail("unsupported element type");
  }
  ops::applyFusedActivation(ctx.node(), ctx.output(0));
}

int64_t gemmMacs(const Node& node, const std::vector<const TensorType*>& in, const std::vector<const TensorType*>&) {
  GemmDims d = gemmDims(node, in.at(0)->shape, in.at(1)->shape);
  return d.m * d.n * d.k;
}

// ---- MatMul ----

void inferMatMul(InferContext& ctx) {
  ops::requireElem(ctx, 0, kLinearTypes);
  ops::requireSameElem(ctx, 0, 2);
  ops::MatMulGeom g = ops::matmulGeometry(ctx.node(), ctx.input(0).shape, ctx.input(1).shape);
  ctx.setOutput(0, TensorType(ctx.input(0).elem, g.out));
}

void matmulKernel(KernelContext& ctx) {
  ops::MatMulGeom g = ops::matmulGeometry(ctx.node(), ctx.input(0).shape(), ctx.input(1).shape());
  const ElemType e = ctx.input(0).elem();
  if (e == ElemType::F16) {
    Tensor a = convertTensor(ctx.input(0), ElemType::F32), b = convertTensor(ctx.input(1), ElemType::F32);
    Tensor y(TensorType(ElemType::F32, g.out));
    ops::matmulForward<float>(g, a.data<float>(), b.data<float>(), y.mutableData<float>());
    ctx.setOutput(0, convertTensor(y, ElemType::F16));
    return;
  }
  auto run = [&](auto tag) {
    using T = decltype(tag);
    ops::matmulForward<T>(g, ctx.input(0).data<T>(), ctx.input(1).data<T>(), ctx.output(0).mutableData<T>());
  };
  switch (e) {
    case ElemType::F32: run(float{}); break;
    case ElemType::F64: run(double{}); break;
    case ElemType::I32: run(int32_t{}); break;
    case ElemType::I64: run(int64_t{}); break;
    case ElemType::U32: run(uint32_t{}); break;
    case ElemType::U64: run(uint64_t{}); break;
    default: ctx.fail("unsupported element type");
  }
}

int64_t matmulMacs(const Node& node, const std::vector<const TensorType*>& in, const std::vector<const TensorType*>&) {
  ops::MatMulGeom g = ops::matmulGeometry(node, in.at(0)->shape, in.at(1)->shape);
  return g.batchCount() * g.m * g.n * g.k;
}

}  // namespace

void registerLinearOps(OpTable& t) {
  {
    OpDef d;
    d.name = "Gemm";
    d.category = "linear";
    d.minInputs = 2;
    d.maxInputs = 3;
    d.attrs = {{"alpha", AttrKind::Float}, {"beta", AttrKind::Float}, {"transA", AttrKind::Int}, {"transB", AttrKind::Int}};
    ops::declareFusedActivations(d);
    d.infer = inferGemm;
    d.kernel = gemmKernel;
    d.macs = gemmMacs;
    t.add(std::move(d));
  }
  {
    OpDef d;
    d.name = "MatMul";
    d.category = "linear";
    d.minInputs = 2;
    d.maxInputs = 2;
    d.infer = inferMatMul;
    d.kernel = matmulKernel;
    d.macs = matmulMacs;
    t.add(std::move(d));
  }
}

}  // namespace nest
