// MaxPool (with optional Indices), AveragePool, GlobalAveragePool, GlobalMaxPool; N-D.
#include <algorithm>
#include <limits>

#include "core/ops/op_helpers.h"
#include "core/ops/register_ops.h"

namespace nest {

namespace {

using ops::Elem;

struct PoolGeom {
  int64_t batch = 0, channels = 0;
  std::vector<int64_t> in, out, kernel, strides, dilations, padBegin, padEnd;
};

std::string listToString(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(v[i]);
  }
  s += ']';
  return s;
}

std::vector<int64_t> spatialAttr(const Node& node, const char* name, size_t n, int64_t def) {
  std::vector<int64_t> v = node.attrs.getInts(name, std::vector<int64_t>(n, def));
  if (v.size() != n)
    failBadInput(node.describe() + ": attribute '" + name + "' has " + std::to_string(v.size()) + " values, expected " +
                 std::to_string(n));
  for (int64_t x : v)
    if (x < 1) failBadInput(node.describe() + ": attribute '" + name + "' has invalid value " + listToString(v));
  return v;
}

PoolGeom poolGeometry(const Node& node, const Shape& x) {
  auto fail = [&](const std::string& m) { failBadInput(node.describe() + ": " + m); };
  if (x.size() < 3) fail("data must have rank >= 3 (N, C, spatial...), got " + shapeToString(x));
  const size_t nd = x.size() - 2;
  PoolGeom g;
  g.batch = x[0];
  g.channels = x[1];
  g.in.assign(x.begin() + 2, x.end());
  if (!node.attrs.has("kernel_shape")) fail("attribute 'kernel_shape' is required");
  g.kernel = spatialAttr(node, "kernel_shape", nd, 1);
  g.strides = spatialAttr(node, "strides", nd, 1);
  g.dilations = spatialAttr(node, "dilations", nd, 1);
  const int64_t ceilMode = node.attrs.getInt("ceil_mode", 0);
  if (ceilMode != 0 && ceilMode != 1) fail("ceil_mode must be 0 or 1");
  std::vector<int64_t> pads = ops::resolvePads(node.attrs, g.in, g.kernel, g.strides, g.dilations, node);
  for (int64_t p : pads)
    if (p < 0) fail("pads must be non-negative, got " + listToString(pads));
  g.padBegin.assign(pads.begin(), pads.begin() + nd);
  g.padEnd.assign(pads.begin() + nd, pads.end());
  const std::string autoPad = node.attrs.getString("auto_pad", "NOTSET");
  const bool same = autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER";
  for (size_t i = 0; i < nd; ++i) {
    int64_t o = ops::windowOutputSize(g.in[i], g.kernel[i], g.strides[i], g.dilations[i], g.padBegin[i], g.padEnd[i],
                                      ceilMode != 0 && !same);
    if (o <= 0)
      fail("kernel " + listToString(g.kernel) + " does not fit the padded input " + shapeToString(x));
    g.out.push_back(o);
  }
  return g;
}

Shape outShapeOf(const PoolGeom& g) {
  Shape s{g.batch, g.channels};
  s.insert(s.end(), g.out.begin(), g.out.end());
  return s;
}

bool nextIndex(std::vector<int64_t>& idx, const std::vector<int64_t>& lo, const std::vector<int64_t>& hi) {
  for (size_t d = idx.size(); d-- > 0;) {
    if (++idx[d] < hi[d]) return true;
    idx[d] = lo[d];
  }
  return false;
}

// Calls f(plane, outIndex, window) for every output element, where window lists, per spatial
// dimension, the valid kernel range [kLo, kHi), the first input coordinate and the count of
// window positions inside the padded input.
struct Window {
  std::vector<int64_t> kLo, kHi, start;
  int64_t paddedCount = 1;
};

template <typename F>
void forEachWindow(const PoolGeom& g, F&& f) {
  const size_t nd = g.kernel.size();
  const int64_t outSize = numElements(g.out);
  std::vector<int64_t> o(nd, 0), zeros(nd, 0);
  Window w;
  w.kLo.resize(nd);
  w.kHi.resize(nd);
  w.start.resize(nd);
  for (int64_t i = 0; i < outSize; ++i) {
    w.paddedCount = 1;
    for (size_t d = 0; d < nd; ++d) {
      const int64_t s = o[d] * g.strides[d] - g.padBegin[d], dil = g.dilations[d];
      w.start[d] = s;
      // k valid when 0 <= s + k * dil < in
      int64_t lo = s >= 0 ? 0 : (-s + dil - 1) / dil;
      int64_t hi = g.in[d] - 1 - s < 0 ? 0 : (g.in[d] - 1 - s) / dil + 1;
      hi = std::min(hi, g.kernel[d]);
      w.kLo[d] = std::min(lo, hi);
      w.kHi[d] = hi;
      // window positions inside [-padBegin, in + padEnd)
      const int64_t pe = g.in[d] + g.padEnd[d] - 1 - s;
      const int64_t padded = pe < 0 ? 0 : std::min(g.kernel[d], pe / dil + 1);
      w.paddedCount *= padded;
    }
    f(i, w);
    nextIndex(o, zeros, g.out);
  }
}

// ---- MaxPool ----

void inferMaxPool(InferContext& ctx) {
  ops::requireElem(ctx, 0, {ElemType::F32, ElemType::F16, ElemType::F64, ElemType::I8, ElemType::U8});
  const TensorType& x = ctx.input(0);
  PoolGeom g = poolGeometry(ctx.node(), x.shape);
  const int64_t order = ctx.attrs().getInt("storage_order", 0);
  if (order != 0 && order != 1) ctx.fail("storage_order must be 0 or 1");
  ctx.setOutput(0, TensorType(x.elem, outShapeOf(g)));
  if (ctx.numOutputs() > 1) ctx.setOutput(1, TensorType(ElemType::I64, outShapeOf(g)));
}

template <typename T>
void maxPoolTyped(KernelContext& ctx, const PoolGeom& g) {
  using C = ops::ComputeT<T>;
  const Tensor& xt = ctx.input(0);
  const void* x = xt.raw();
  void* y = ctx.output(0).rawMutable();
  const bool wantIndices = ctx.numOutputs() > 1 && !ctx.node().outputs[1].empty();
  int64_t* ind = wantIndices ? ctx.output(1).mutableData<int64_t>() : nullptr;
  const bool colMajor = ctx.attrs().getInt("storage_order", 0) == 1;
  const size_t nd = g.kernel.size();
  const std::vector<int64_t> inStrides = ops::stridesOf(g.in);
  // Index strides of the Indices result: row-major or column-major over the spatial dims.
  std::vector<int64_t> idxStrides(nd, 1);
  if (colMajor)
    for (size_t d = 1; d < nd; ++d) idxStrides[d] = idxStrides[d - 1] * g.in[d - 1];
  else
    idxStrides = inStrides;
  const int64_t inSize = numElements(g.in), outSize = numElements(g.out);
  const C lowest = std::numeric_limits<C>::has_infinity ? -std::numeric_limits<C>::infinity()
                                                        : std::numeric_limits<C>::lowest();
  std::vector<int64_t> k(nd);
  for (int64_t plane = 0; plane < g.batch * g.channels; ++plane) {
    const int64_t inBase = plane * inSize, outBase = plane * outSize;
    forEachWindow(g, [&](int64_t i, const Window& w) {
      C best = lowest;
      int64_t bestIdx = -1;
      bool empty = false;
      for (size_t d = 0; d < nd; ++d) {
        k[d] = w.kLo[d];
        if (w.kLo[d] >= w.kHi[d]) empty = true;
      }
      if (!empty) {
        const int64_t innerStep = g.dilations[nd - 1];
        do {
          int64_t off = 0, idx = 0;
          for (size_t d = 0; d + 1 < nd; ++d) {
            const int64_t p = w.start[d] + k[d] * g.dilations[d];
            off += p * inStrides[d];
            idx += p * idxStrides[d];
          }
          const int64_t p0 = w.start[nd - 1] + w.kLo[nd - 1] * innerStep;
          for (int64_t kk = w.kLo[nd - 1], p = p0; kk < w.kHi[nd - 1]; ++kk, p += innerStep) {
            const C v = Elem<T>::load(x, inBase + off + p);
            if (v > best || bestIdx < 0) {
              best = v;
              bestIdx = idx + p * idxStrides[nd - 1];
            }
          }
          k[nd - 1] = w.kHi[nd - 1] - 1;  // the innermost dimension is done
        } while (nextIndex(k, w.kLo, w.kHi));
      }
      Elem<T>::store(y, outBase + i, best);
      if (ind) ind[outBase + i] = bestIdx < 0 ? -1 : plane * inSize + bestIdx;
    });
  }
}

void maxPoolKernel(KernelContext& ctx) {
  PoolGeom g = poolGeometry(ctx.node(), ctx.input(0).shape());
  ops::dispatchNumeric(ctx.input(0).elem(), [&](auto tag) {
    using T = decltype(tag);
    maxPoolTyped<T>(ctx, g);
  });
}

// ---- AveragePool ----

void inferAveragePool(InferContext& ctx) {
  ops::requireElem(ctx, 0, {ElemType::F32, ElemType::F16, ElemType::F64});
  const TensorType& x = ctx.input(0);
  PoolGeom g = poolGeometry(ctx.node(), x.shape);
  const int64_t cip = ctx.attrs().getInt("count_include_pad", 0);
  if (cip != 0 && cip != 1) ctx.fail("count_include_pad must be 0 or 1");
  ctx.setOutput(0, TensorType(x.elem, outShapeOf(g)));
}

template <typename T>
void averagePoolTyped(KernelContext& ctx, const PoolGeom& g) {
  const void* x = ctx.input(0).raw();
  void* y = ctx.output(0).rawMutable();
  const bool includePad = ctx.attrs().getInt("count_include_pad", 0) == 1;
  const size_t nd = g.kernel.size();
  const std::vector<int64_t> inStrides = ops::stridesOf(g.in);
  const int64_t inSize = numElements(g.in), outSize = numElements(g.out);
  std::vector<int64_t> k(nd);
  for (int64_t plane = 0; plane < g.batch * g.channels; ++plane) {
    const int64_t inBase = plane * inSize, outBase = plane * outSize;
    forEachWindow(g, [&](int64_t i, const Window& w) {
      double sum = 0;
      int64_t count = 1;
      bool empty = false;
      for (size_t d = 0; d < nd; ++d) {
        k[d] = w.kLo[d];
        count *= w.kHi[d] - w.kLo[d];
        if (w.kLo[d] >= w.kHi[d]) empty = true;
      }
      if (!empty) {
        const int64_t innerStep = g.dilations[nd - 1];
        do {
          int64_t off = inBase;
          for (size_t d = 0; d + 1 < nd; ++d) off += (w.start[d] + k[d] * g.dilations[d]) * inStrides[d];
          const int64_t p0 = w.start[nd - 1] + w.kLo[nd - 1] * innerStep;
          for (int64_t kk = w.kLo[nd - 1], p = p0; kk < w.kHi[nd - 1]; ++kk, p += innerStep)
            sum += static_cast<double>(Elem<T>::load(x, off + p));
          k[nd - 1] = w.kHi[nd - 1] - 1;
        } while (nextIndex(k, w.kLo, w.kHi));
      }
      const int64_t divisor = includePad ? w.paddedCount : count;
      Elem<T>::store(y, outBase + i, static_cast<ops::ComputeT<T>>(divisor > 0 ? sum / divisor : 0.0));
    });
  }
}

void averagePoolKernel(KernelContext& ctx) {
  PoolGeom g = poolGeometry(ctx.node(), ctx.input(0).shape());
  switch (ctx.input(0).elem()) {
    case ElemType::F32: averagePoolTyped<float>(ctx, g); break;
    case ElemType::F64: averagePoolTyped<double>(ctx, g); break;
    case ElemType::F16: averagePoolTyped<ops::Half>(ctx, g); break;
    default: ctx.fail("unsupported element type");
  }
}

// ---- GlobalAveragePool, GlobalMaxPool ----

void inferGlobalPool(InferContext& ctx) {
  ops::requireElem(ctx, 0, {ElemType::F32, ElemType::F16, ElemType::F64});
  const TensorType& x = ctx.input(0);
  if (x.rank() < 3) ctx.fail("data must have rank >= 3 (N, C, spatial...), got " + shapeToString(x.shape));
  Shape out = x.shape;
  std::fill(out.begin() + 2, out.end(), 1);
  ctx.setOutput(0, TensorType(x.elem, out));
}

template <typename T, bool IsMax>
void globalPoolTyped(KernelContext& ctx) {
  const Tensor& xt = ctx.input(0);
  const void* x = xt.raw();
  void* y = ctx.output(0).rawMutable();
  const int64_t planes = xt.shape()[0] * xt.shape()[1];
  const int64_t size = xt.numElements() / std::max<int64_t>(planes, 1);
  for (int64_t p = 0; p < planes; ++p) {
    const int64_t base = p * size;
    if constexpr (IsMax) {
      auto best = Elem<T>::load(x, base);
      for (int64_t i = 1; i < size; ++i) best = std::max(best, Elem<T>::load(x, base + i));
      Elem<T>::store(y, p, best);
    } else {
      double sum = 0;
      for (int64_t i = 0; i < size; ++i) sum += static_cast<double>(Elem<T>::load(x, base + i));
      Elem<T>::store(y, p, static_cast<ops::ComputeT<T>>(size > 0 ? sum / size : 0.0));
    }
  }
}

template <bool IsMax>
void globalPoolKernel(KernelContext& ctx) {
  switch (ctx.input(0).elem()) {
    case ElemType::F32: globalPoolTyped<float, IsMax>(ctx); break;
    case ElemType::F64: globalPoolTyped<double, IsMax>(ctx); break;
    case ElemType::F16: globalPoolTyped<ops::Half, IsMax>(ctx); break;
    default: ctx.fail("unsupported element type");
  }
}

// ---- integer variants (quantized operands, docs/quantization.md) ----
// The result keeps the operand's (per-tensor) quantization parameters; an average is
// zp + round_half_away(sum(q - zp) / count), padding counting as real 0 (q = zp). Integer only.

void inferQuantizedPool(InferContext& ctx, InferFn plain) {
  const TensorType& x = ctx.input(0);
  if (!x.quant || x.quant->perChannel())
    ctx.fail("a quantized pooling operand must be quantized per tensor, got " + typeToString(x));
  TensorType plainType = x;
  plainType.quant.reset();
  plainType.elem = ElemType::F32;  // the float inference checks the geometry on an f32 twin
  InferContext inner(ctx.node(), {&plainType});
  plain(inner);
  for (size_t i = 0; i < inner.outputs().size(); ++i) {
    TensorType t = inner.outputs()[i];
    if (i == 0) {
      t.elem = x.elem;
      t.quant = x.quant;
    }
    ctx.setOutput(i, t);
  }
}

void inferQuantizedMaxPool(InferContext& ctx) { inferQuantizedPool(ctx, inferMaxPool); }
void inferQuantizedAveragePool(InferContext& ctx) { inferQuantizedPool(ctx, inferAveragePool); }
void inferQuantizedGlobalPool(InferContext& ctx) { inferQuantizedPool(ctx, inferGlobalPool); }

int64_t roundedDivide(int64_t sum, int64_t count) {
  if (count <= 0) return 0;
  return sum >= 0 ? (sum + count / 2) / count : -((-sum + count / 2) / count);
}

template <typename T>
void averagePoolQuantizedTyped(KernelContext& ctx, const PoolGeom& g) {
  const T* x = ctx.input(0).data<T>();
  T* y = ctx.output(0).mutableData<T>();
  const int64_t zp = ctx.input(0).type().quant->zeroPoints.at(0);
  const bool includePad = ctx.attrs().getInt("count_include_pad", 0) == 1;
  const size_t nd = g.kernel.size();
  const std::vector<int64_t> inStrides = ops::stridesOf(g.in);
  const int64_t inSize = numElements(g.in), outSize = numElements(g.out);
  std::vector<int64_t> k(nd);
  for (int64_t plane = 0; plane < g.batch * g.channels; ++plane) {
    const int64_t inBase = plane * inSize, outBase = plane * outSize;
    forEachWindow(g, [&](int64_t i, const Window& w) {
      int64_t sum = 0, count = 1;
      bool empty = false;
      for (size_t d = 0; d < nd; ++d) {
        k[d] = w.kLo[d];
        count *= w.kHi[d] - w.kLo[d];
        if (w.kLo[d] >= w.kHi[d]) empty = true;
      }
      if (!empty) {
        do {
          int64_t off = inBase;
          for (size_t d = 0; d + 1 < nd; ++d) off += (w.start[d] + k[d] * g.dilations[d]) * inStrides[d];
          for (int64_t kk = w.kLo[nd - 1]; kk < w.kHi[nd - 1]; ++kk)
            sum += static_cast<int64_t>(x[off + w.start[nd - 1] + kk * g.dilations[nd - 1]]) - zp;
          k[nd - 1] = w.kHi[nd - 1] - 1;
        } while (nextIndex(k, w.kLo, w.kHi));
      }
      const int64_t v = zp + roundedDivide(sum, includePad ? w.paddedCount : count);
      y[outBase + i] = static_cast<T>(std::clamp<int64_t>(v, std::numeric_limits<T>::min(), std::numeric_limits<T>::max()));
    });
  }
}

template <typename T>
void globalAveragePoolQuantizedTyped(KernelContext& ctx) {
  const Tensor& xt = ctx.input(0);
  const T* x = xt.data<T>();
  T* y = ctx.output(0).mutableData<T>();
  const int64_t zp = xt.type().quant->zeroPoints.at(0);
  const int64_t planes = xt.shape()[0] * xt.shape()[1];
  const int64_t size = xt.numElements() / std::max<int64_t>(planes, 1);
  for (int64_t p = 0; p < planes; ++p) {
    int64_t sum = 0;
    for (int64_t i = 0; i < size; ++i) sum += static_cast<int64_t>(x[p * size + i]) - zp;
    y[p] = static_cast<T>(std::clamp<int64_t>(zp + roundedDivide(sum, size), std::numeric_limits<T>::min(),
                                              std::numeric_limits<T>::max()));
  }
}

template <typename F>
void dispatchQuantizedStorage(const KernelContext& ctx, F&& f) {
  switch (ctx.input(0).elem()) {
    case ElemType::I8: f(int8_t{}); break;
    case ElemType::U8: f(uint8_t{}); break;
    case ElemType::I16: f(int16_t{}); break;
    case ElemType::U16: f(uint16_t{}); break;
    default: ctx.fail("unsupported quantized element type " + std::string(elemTypeName(ctx.input(0).elem())));
  }
}

void averagePoolQuantizedKernel(KernelContext& ctx) {
  PoolGeom g = poolGeometry(ctx.node(), ctx.input(0).shape());
  dispatchQuantizedStorage(ctx, [&](auto tag) { averagePoolQuantizedTyped<decltype(tag)>(ctx, g); });
}

void globalAveragePoolQuantizedKernel(KernelContext& ctx) {
  dispatchQuantizedStorage(ctx, [&](auto tag) { globalAveragePoolQuantizedTyped<decltype(tag)>(ctx); });
}

}  // namespace

void registerPoolOps(OpTable& t) {
  const std::vector<AttrSpec> windowAttrs = {
      {"auto_pad", AttrKind::String}, {"ceil_mode", AttrKind::Int}, {"dilations", AttrKind::Ints},
      {"kernel_shape", AttrKind::Ints}, {"pads", AttrKind::Ints},   {"strides", AttrKind::Ints},
  };
  {
    OpDef d;
    d.name = "MaxPool";
    d.category = "pool";
    d.maxOutputs = 2;
    d.attrs = windowAttrs;
    d.attrs.push_back({"storage_order", AttrKind::Int});
    d.infer = inferMaxPool;
    d.kernel = maxPoolKernel;
    d.quantInfer = inferQuantizedMaxPool;  // the plain kernel compares the integers directly
    d.layoutSensitive = true;  // windows over axes 2..
    t.add(std::move(d));
  }
  {
    OpDef d;
    d.name = "AveragePool";
    d.category = "pool";
    d.attrs = windowAttrs;
    d.attrs.push_back({"count_include_pad", AttrKind::Int});
    d.infer = inferAveragePool;
    d.kernel = averagePoolKernel;
    d.quantInfer = inferQuantizedAveragePool;
    d.quantKernel = averagePoolQuantizedKernel;
    d.layoutSensitive = true;  // windows over axes 2..
    t.add(std::move(d));
  }
  {
    OpDef d;
    d.name = "GlobalAveragePool";
    d.category = "pool";
    d.infer = inferGlobalPool;
    d.kernel = globalPoolKernel<false>;
    d.quantInfer = inferQuantizedGlobalPool;
    d.quantKernel = globalAveragePoolQuantizedKernel;
    d.kind = OpKind::Reduction;  // over axes 2..
    d.layoutSensitive = true;
    t.add(std::move(d));
  }
  {
    OpDef d;
    d.name = "GlobalMaxPool";
    d.category = "pool";
    d.infer = inferGlobalPool;
    d.kernel = globalPoolKernel<true>;
    d.kind = OpKind::Reduction;  // over axes 2..
    d.layoutSensitive = true;
    t.add(std::move(d));
  }
}

}  // namespace nest
