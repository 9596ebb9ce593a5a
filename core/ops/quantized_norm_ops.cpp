// Integer LayerNormalization and Softmax, the quantize pass's int16 forms of them (the arithmetic
// is documented in core/ops/quantized_norm.h and docs/quantization.md, "Integer LayerNorm and
// Softmax"). Every element goes through integer arithmetic only: 64-bit sums, an integer square
// root and 128-bit divisions for LayerNormalization, a table of exponentials and a 128-bit
// division for Softmax; the float work (epsilon in the integer domain, the table, the
// multipliers) is done once per node. Operands and results are i8 / u8 / i16 / u16 per tensor
// (the quantize pass makes them int16 only); anything else fails naming the node.
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/ops/op_helpers.h"
#include "core/ops/quantized_common.h"
#include "core/ops/quantized_norm.h"
#include "core/ops/register_ops.h"
#include "core/quant_math.h"

namespace nest {

uint64_t isqrt64(uint64_t v) {
  // Digit by digit (two bits of v per bit of the root).
  uint64_t root = 0, bit = uint64_t{1} << 62;
  while (bit > v) bit >>= 2;
  while (bit != 0) {
    if (v >= root + bit) {
      v -= root + bit;
      root = (root >> 1) + bit;
    } else {
      root >>= 1;
    }
    bit >>= 2;
  }
  return root;
}

std::vector<uint32_t> softmaxExpTable(float inputScale, int64_t span) {
  std::vector<uint32_t> table;
  for (int64_t k = 0; k <= span; ++k) {
    const double e = std::nearbyint(std::ldexp(std::exp(-static_cast<double>(inputScale) * static_cast<double>(k)), 31));
    if (e < 1) break;  // every later entry is 0 too
    table.push_back(static_cast<uint32_t>(e));
  }
  return table;
}

namespace {

using namespace quantops;
using Int128 = __int128;
using UInt128 = unsigned __int128;

// round(num / den), ties away from zero; den > 0.
Int128 roundDiv(Int128 num, Int128 den) { return num >= 0 ? (num + den / 2) / den : -((-num + den / 2) / den); }

int64_t saturate64(Int128 v) {
  const Int128 hi = std::numeric_limits<int64_t>::max(), lo = std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v > hi ? hi : (v < lo ? lo : v));
}

int bitLength(UInt128 v) {
  int n = 0;
  for (; v != 0; v >>= 1) ++n;
  return n;
}

// Writes the values (final integers, already clamped) into the result tensor.
void store(Tensor& y, const std::vector<int64_t>& values) {
  dispatchStorageType(y.elem(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_integral_v<T>) {
      T* out = y.mutableData<T>();
      for (size_t i = 0; i < values.size(); ++i) out[i] = static_cast<T>(values[i]);
    }
  });
}

// ---- LayerNormalization: X, Scale (quantized per tensor), B (i32 / i64 per tensor) ----

void inferQuantizedLayerNorm(InferContext& ctx) {
  if (ctx.numOutputs() != 1) ctx.fail("an integer LayerNormalization has no Mean / InvStdDev results");
  requireQuantized(ctx, 0, "X");
  requireQuantized(ctx, 1, "Scale");
  if (ctx.hasInput(2)) {
    const TensorType& b = ctx.input(2);
    if ((b.elem != ElemType::I32 && b.elem != ElemType::I64) || !b.quant || b.quant->perChannel())
      ctx.fail("B of an integer LayerNormalization must be i32 or i64 quantized per tensor, got " + typeToString(b));
  }
  if (!(ctx.attrs().getFloat("epsilon", 1e-5f) >= 0)) ctx.fail("an integer LayerNormalization needs epsilon >= 0");
  // Axis, broadcasting of Scale and B, stash_type: the float inference on f32 twins.
  std::vector<TensorType> twins(ctx.numInputs());
  std::vector<const TensorType*> ptrs(ctx.numInputs(), nullptr);
  for (size_t i = 0; i < ctx.numInputs(); ++i) {
    if (!ctx.hasInput(i)) continue;
    twins[i] = TensorType(ElemType::F32, ctx.input(i).shape);
    ptrs[i] = &twins[i];
  }
  InferContext inner(ctx.node(), ptrs);
  OpTable::instance().find("LayerNormalization")->infer(inner);
  ctx.setOutput(0, outQuantType(ctx, ctx.input(0).shape));
}

// Operand i's integers (minus its zero point, through `convert`) broadcast to `shape`.
template <typename F>
std::vector<int64_t> expandedTo(const Shape& shape, const Tensor& t, F&& convert) {
  std::vector<int64_t> v = t.toInts();
  const int64_t zp = t.type().quant->zeroPoints.at(0);
  for (int64_t& e : v) e = convert(e - zp);
  std::vector<int64_t> full(static_cast<size_t>(numElements(shape)));
  ops::forEachBroadcast(shape, {t.shape()}, [&](int64_t k, const std::vector<int64_t>& off) {
    full[static_cast<size_t>(k)] = v[static_cast<size_t>(off[0])];
  });
  return full;
}

void quantizedLayerNormKernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Shape& shape = x.shape();
  const int64_t rank = static_cast<int64_t>(shape.size());
  const int64_t axis = ops::normalizeAxis(ctx.attrs().getInt("axis", -1), rank, ctx.node());
  int64_t rows = 1, cols = 1;
  for (int64_t d = 0; d < rank; ++d) (d < axis ? rows : cols) *= shape[static_cast<size_t>(d)];
  const OutQuant o = outQuantOf(ctx);
  const double sx = x.type().quant->scales.at(0);
  const int64_t zx = x.type().quant->zeroPoints.at(0);
  // z (fixed point, F fraction bits) times Scale's integers: the accumulator's scale.
  const double accScale = std::ldexp(static_cast<double>(ctx.input(1).type().quant->scales.at(0)), -kLayerNormFractionBits);
  const std::vector<int64_t> gamma = expandedTo(shape, ctx.input(1), [](int64_t v) { return v; });
  std::vector<int64_t> beta;
  if (ctx.hasInput(2)) {
    // B in the accumulator's scale: exact (multiplier 1) when the quantize pass made it.
    const Requant rb = quantizeMultiplier(static_cast<double>(ctx.input(2).type().quant->scales.at(0)) / accScale);
    beta = expandedTo(shape, ctx.input(2), [&](int64_t v) { return requantize(v, rb); });
  }
  const Requant ry = quantizeMultiplier(accScale / o.scale);
  // Epsilon in the domain of V = N^2 var / s_x^2.
  const double epsQ = static_cast<double>(cols) * static_cast<double>(cols) *
                      static_cast<double>(ctx.attrs().getFloat("epsilon", 1e-5f)) / (sx * sx);
  const UInt128 eps = epsQ >= 0x1p120 ? UInt128{1} << 120 : static_cast<UInt128>(std::nearbyint(epsQ));

  const std::vector<int64_t> q = x.toInts();
  std::vector<int64_t> y(q.size());
  for (int64_t r = 0; r < rows; ++r) {
    const size_t base = static_cast<size_t>(r * cols);
    int64_t s1 = 0;
    Int128 s2 = 0;
    for (int64_t c = 0; c < cols; ++c) {
      const int64_t d = q[base + static_cast<size_t>(c)] - zx;
      s1 += d;
      s2 += static_cast<Int128>(d) * d;
    }
    const Int128 v = static_cast<Int128>(cols) * s2 - static_cast<Int128>(s1) * s1;  // N^2 var / s_x^2 >= 0
    const UInt128 t = static_cast<UInt128>(v) + eps;
    // sqrt(t) = root / 2^k, root in [2^31, 2^32): t shifted by an even 2k into [2^62, 2^64).
    uint64_t root = 0;
    int k = 0;
    if (t != 0) {
      int shift = 64 - bitLength(t);
      if (shift % 2 != 0) --shift;
      root = isqrt64(static_cast<uint64_t>(shift >= 0 ? t << shift : t >> -shift));
      k = shift / 2;
    }
    const int e = kLayerNormFractionBits + k;
    for (int64_t c = 0; c < cols; ++c) {
      const size_t i = base + static_cast<size_t>(c);
      // z = round(N (d - mean) 2^(F + k) / root) = (d - mean) / sqrt(var + eps) in fixed point.
      Int128 z = 0;
      if (root != 0) {
        const Int128 centred = static_cast<Int128>(cols) * (q[i] - zx) - s1;
        z = e >= 0 ? roundDiv(centred * (Int128{1} << e), root) : roundDiv(centred, static_cast<Int128>(root) << -e);
      }
      Int128 acc = z * gamma[i];
      if (!beta.empty()) acc += beta[i];
      y[i] = std::clamp(o.zp + requantize(saturate64(acc), ry), o.lo, o.hi);
    }
  }
  store(ctx.output(0), y);
}

// ---- Softmax along any axis ----

void inferQuantizedSoftmax(InferContext& ctx) {
  requireQuantized(ctx, 0, "X");
  const TensorType& x = ctx.input(0);
  if (x.rank() == 0) ctx.fail("input must have rank >= 1");
  ops::normalizeAxis(ctx.attrs().getInt("axis", -1), x.rank(), ctx.node());
  ctx.setOutput(0, outQuantType(ctx, x.shape));
}

void quantizedSoftmaxKernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(x.shape().size());
  const ops::AxisSplit split =
      ops::splitAtAxis(x.shape(), ops::normalizeAxis(ctx.attrs().getInt("axis", -1), rank, ctx.node()));
  int64_t qmin, qmax;
  quantizedRange(x.elem(), qmin, qmax);
  const std::vector<uint32_t> table = softmaxExpTable(x.type().quant->scales.at(0), qmax - qmin);
  const OutQuant o = outQuantOf(ctx);
  // M = 1 / s_y with P fraction bits (P <= 32, M < 2^62).
  int p = 32;
  while (p > 0 && std::ldexp(1.0 / o.scale, p) >= 0x1p62) --p;
  const Int128 m = std::llround(std::ldexp(1.0 / o.scale, p));
  const std::vector<int64_t> q = x.toInts();
  std::vector<int64_t> y(q.size());
  std::vector<uint32_t> e(static_cast<size_t>(split.n));
  for (int64_t outer = 0; outer < split.outer; ++outer) {
    for (int64_t j = 0; j < split.inner; ++j) {
      auto at = [&](int64_t k) { return static_cast<size_t>((outer * split.n + k) * split.inner + j); };
      int64_t mx = qmin;
      for (int64_t k = 0; k < split.n; ++k) mx = std::max(mx, q[at(k)]);
      int64_t sum = 0;
      for (int64_t k = 0; k < split.n; ++k) {
        const int64_t d = mx - q[at(k)];  // >= 0
        e[static_cast<size_t>(k)] = d < static_cast<int64_t>(table.size()) ? table[static_cast<size_t>(d)] : 0;
        sum += e[static_cast<size_t>(k)];
      }
      const Int128 den = static_cast<Int128>(sum) << p;  // sum >= 2^31: the maximum's entry
      for (int64_t k = 0; k < split.n; ++k) {
        const Int128 v = (static_cast<Int128>(e[static_cast<size_t>(k)]) * m + den / 2) / den;
        y[at(k)] = std::clamp(o.zp + static_cast<int64_t>(v), o.lo, o.hi);
      }
    }
  }
  store(ctx.output(0), y);
}

}  // namespace

void registerQuantizedNormKernels(OpTable& t) {
  auto extend = [&](const char* op, InferFn infer, KernelFn kernel) {
    OpDef& d = t.mutableDef(op);
    d.quantInfer = infer;
    d.quantKernel = kernel;
    d.attrs.insert(d.attrs.end(), kOutQuantAttrs.begin(), kOutQuantAttrs.end());
  };
  extend("LayerNormalization", inferQuantizedLayerNorm, quantizedLayerNormKernel);
  extend("Softmax", inferQuantizedSoftmax, quantizedSoftmaxKernel);
}

}  // namespace nest
