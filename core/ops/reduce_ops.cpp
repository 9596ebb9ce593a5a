// Reductions: Reduce* over a set of axes (keepdims, noop_with_empty_axes), ArgMax / ArgMin.
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "core/ops/op_helpers.h"
#include "core/ops/register_ops.h"

namespace nest {
namespace {

using ops::ComputeT;
using ops::Elem;

constexpr uint32_t bit(ElemType t) { return 1u << static_cast<unsigned>(t); }
constexpr uint32_t kNumeric = ~bit(ElemType::Bool);

void requireClass(const InferContext& ctx, size_t operand, uint32_t mask) {
  ElemType t = ctx.input(operand).elem;
  if ((bit(t) & mask) == 0)
    ctx.fail("element type " + std::string(elemTypeName(t)) + " of operand " + std::to_string(operand) +
             " is not accepted by " + ctx.node().op);
}

enum class RK { Sum, Mean, Max, Min, Prod, L1, L2, SumSquare, LogSum, LogSumExp };

// Which dimensions are reduced; nullopt when the op is a no-op (empty axes with
// noop_with_empty_axes=1). Empty axes otherwise reduce every dimension.
std::optional<std::vector<bool>> reducedDims(const Attributes& attrs, int64_t rank, const Node& node) {
  const Ints axes = attrs.getInts("axes", {});
  std::vector<bool> red(static_cast<size_t>(rank), axes.empty());
  if (axes.empty()) {
    if (attrs.getInt("noop_with_empty_axes", 0) != 0) return std::nullopt;
    return red;
  }
  for (int64_t a : ops::normalizeAxes(axes, rank, node)) {
    if (red[a]) failBadInput(node.describe() + ": axis " + std::to_string(a) + " is repeated in axes");
    red[a] = true;
  }
  return red;
}

template <RK K>
void inferReduce(InferContext& ctx) {
  requireClass(ctx, 0, kNumeric);
  const TensorType& x = ctx.input(0);
  const std::optional<std::vector<bool>> red = reducedDims(ctx.attrs(), x.rank(), ctx.node());
  if (!red) {
    ctx.setOutput(0, TensorType(x.elem, x.shape));
    return;
  }
  const bool keep = ctx.attrs().getInt("keepdims", 1) != 0;
  Shape out;
  for (int64_t d = 0; d < x.rank(); ++d) {
    if (!(*red)[d]) out.push_back(x.shape[d]);
    else if (keep) out.push_back(1);
  }
  ctx.setOutput(0, TensorType(x.elem, std::move(out)));
}

// Accumulator: double for floats (and LogSumExp), 64-bit integers (wrapping) for integers.
template <RK K, typename C>
using AccT = std::conditional_t<std::is_floating_point_v<C> || K == RK::LogSumExp, double,
                                std::conditional_t<std::is_signed_v<C>, int64_t, uint64_t>>;

template <RK K, typename A>
A reduceInit() {
  if constexpr (K == RK::Prod) return A(1);
  else return A(0);
}

template <RK K, typename A>
inline A reduceStep(A a, A x) {
  if constexpr (std::is_integral_v<A>) {
    using U = std::make_unsigned_t<A>;
    if constexpr (K == RK::Sum || K == RK::Mean || K == RK::LogSum) return static_cast<A>(U(a) + U(x));
    if constexpr (K == RK::Prod) return static_cast<A>(U(a) * U(x));
    if constexpr (K == RK::L1) {
      if constexpr (std::is_signed_v<A>) return static_cast<A>(U(a) + (x < 0 ? U(0) - U(x) : U(x)));
      else return a + x;
    }
    if constexpr (K == RK::L2 || K == RK::SumSquare) return static_cast<A>(U(a) + U(x) * U(x));
  } else {
    if constexpr (K == RK::Sum || K == RK::Mean || K == RK::LogSum) return a + x;
    if constexpr (K == RK::Prod) return a * x;
    if constexpr (K == RK::L1) return a + std::fabs(x);
    if constexpr (K == RK::L2 || K == RK::SumSquare) return a + x * x;
    if constexpr (K == RK::LogSumExp) return a + std::exp(x);
  }
  if constexpr (K == RK::Max) {
    if constexpr (std::is_floating_point_v<A>) return (x > a || x != x) ? x : a;
    else return x > a ? x : a;
  }
  if constexpr (K == RK::Min) {
    if constexpr (std::is_floating_point_v<A>) return (x < a || x != x) ? x : a;
    else return x < a ? x : a;
  }
  return a;
}

// Final value in the compute type C of the element type.
template <RK K, typename C, typename A>
C reduceFinish(A a, int64_t count) {
  if constexpr (K == RK::Mean || K == RK::L2 || K == RK::LogSum || K == RK::LogSumExp) {
    double v = static_cast<double>(a);
    if constexpr (K == RK::Mean) v = count ? v / static_cast<double>(count) : std::nan("");
    if constexpr (K == RK::L2) v = std::sqrt(v);
    if constexpr (K == RK::LogSum || K == RK::LogSumExp) v = std::log(v);
    if constexpr (std::is_floating_point_v<C>) {
      return static_cast<C>(v);
    } else {
      if (std::isnan(v)) return C(0);
      if (v <= static_cast<double>(std::numeric_limits<C>::lowest())) return std::numeric_limits<C>::lowest();
      if (v >= static_cast<double>(std::numeric_limits<C>::max())) return std::numeric_limits<C>::max();
      return static_cast<C>(v);
    }
  } else {
    return static_cast<C>(a);  // integers wrap to the element width
  }
}

template <RK K, typename T>
void reduceTyped(const Tensor& in, Tensor& out, const std::vector<bool>& red) {
  using C = ComputeT<T>;
  using A = AccT<K, C>;
  const Shape& shape = in.shape();
  // Collapse: drop size-1 dims, merge neighbours that are both reduced or both kept.
  std::vector<int64_t> dims;
  std::vector<bool> flag;
  int64_t count = 1;  // elements reduced into each output element
  for (size_t d = 0; d < shape.size(); ++d) {
    if (red[d]) count *= shape[d];
    if (shape[d] == 1) continue;
    if (!dims.empty() && flag.back() == red[d]) {
      dims.back() *= shape[d];
    } else {
      dims.push_back(shape[d]);
      flag.push_back(red[d]);
    }
  }
  if (dims.empty()) {
    dims = {1};
    flag = {false};
  }
  const int64_t r = static_cast<int64_t>(dims.size());
  std::vector<int64_t> ostr(static_cast<size_t>(r), 0);
  int64_t outCount = 1;
  for (int64_t d = r - 1; d >= 0; --d) {
    if (flag[d]) continue;
    ostr[d] = outCount;
    outCount *= dims[d];
  }
  A init = reduceInit<K, A>();
  if constexpr (K == RK::Max) {
    if constexpr (std::is_floating_point_v<C>) init = -std::numeric_limits<A>::infinity();
    else init = static_cast<A>(std::numeric_limits<C>::lowest());
  } else if constexpr (K == RK::Min) {
    if constexpr (std::is_floating_point_v<C>) init = std::numeric_limits<A>::infinity();
    else init = static_cast<A>(std::numeric_limits<C>::max());
  }
  std::vector<A> acc(static_cast<size_t>(outCount), init);

  const void* pi = in.raw();
  const int64_t n = dims[r - 1];
  const bool innerReduced = flag[r - 1];
  int64_t outer = 1;
  for (int64_t d = 0; d + 1 < r; ++d) outer *= dims[d];
  if (n > 0) {
    std::vector<int64_t> idx(static_cast<size_t>(r), 0);
    int64_t oo = 0;
    for (int64_t o = 0; o < outer; ++o) {
      const int64_t base = o * n;
      if (innerReduced) {
        A a = acc[oo];
        for (int64_t j = 0; j < n; ++j) a = reduceStep<K, A>(a, static_cast<A>(Elem<T>::load(pi, base + j)));
        acc[oo] = a;
      } else {
        A* ap = acc.data() + oo;
        for (int64_t j = 0; j < n; ++j) ap[j] = reduceStep<K, A>(ap[j], static_cast<A>(Elem<T>::load(pi, base + j)));
      }
      for (int64_t d = r - 2; d >= 0; --d) {
        if (++idx[d] < dims[d]) {
          oo += ostr[d];
          break;
        }
        oo -= ostr[d] * (dims[d] - 1);
        idx[d] = 0;
      }
    }
  }
  void* po = out.rawMutable();
  for (int64_t i = 0; i < outCount && i < out.numElements(); ++i)
    Elem<T>::store(po, i, reduceFinish<K, C, A>(acc[i], count));
}

template <RK K>
void kernelReduce(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const std::optional<std::vector<bool>> red = reducedDims(ctx.attrs(), static_cast<int64_t>(in.shape().size()), ctx.node());
  if (!red) {
    ctx.setOutput(0, in);
    return;
  }
  Tensor& out = ctx.output(0);
  ops::dispatchNumeric(in.elem(), [&](auto tag) { reduceTyped<K, decltype(tag)>(in, out, *red); });
}

// ---------------------------------------------------------------------------------------------
// ArgMax / ArgMin.

void inferArg(InferContext& ctx) {
  requireClass(ctx, 0, kNumeric);
  const TensorType& x = ctx.input(0);
  if (x.rank() == 0) ctx.fail("input must have rank >= 1");
  const int64_t axis = ops::normalizeAxis(ctx.attrs().getInt("axis", 0), x.rank(), ctx.node());
  if (x.shape[axis] == 0) ctx.fail("cannot take " + ctx.node().op + " over an empty axis");
  const bool keep = ctx.attrs().getInt("keepdims", 1) != 0;
  Shape out;
  for (int64_t d = 0; d < x.rank(); ++d) {
    if (d != axis) out.push_back(x.shape[d]);
    else if (keep) out.push_back(1);
  }
  ctx.setOutput(0, TensorType(ElemType::I64, std::move(out)));
}

template <bool IsMax>
void kernelArg(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(x.shape().size());
  // Plain variables, not a structured binding: the lambdas below capture them, which clang 14 refuses for bindings.
  const ops::AxisSplit split =
      ops::splitAtAxis(x.shape(), ops::normalizeAxis(ctx.attrs().getInt("axis", 0), rank, ctx.node()));
  const int64_t outer = split.outer, n = split.n, inner = split.inner;
  const bool last = ctx.attrs().getInt("select_last_index", 0) != 0;
  int64_t* po = ctx.output(0).mutableData<int64_t>();
  if (n == 0) return;
  ops::dispatchNumeric(x.elem(), [&](auto tag) {
    using T = decltype(tag);
    using C = ComputeT<T>;
    const void* pi = x.raw();
    std::vector<C> best(static_cast<size_t>(inner));
    for (int64_t o = 0; o < outer; ++o) {
      const int64_t base = o * n * inner;
      int64_t* bi = po + o * inner;
      for (int64_t j = 0; j < inner; ++j) {
        best[j] = Elem<T>::load(pi, base + j);
        bi[j] = 0;
      }
      for (int64_t k = 1; k < n; ++k) {
        for (int64_t j = 0; j < inner; ++j) {
          const C v = Elem<T>::load(pi, base + k * inner + j);
          const bool better = IsMax ? (last ? v >= best[j] : v > best[j]) : (last ? v <= best[j] : v < best[j]);
          if (better) {
            best[j] = v;
            bi[j] = k;
          }
        }
      }
    }
  });
}

OpDef reduceDef(const char* name, InferFn infer, KernelFn kernel) {
  OpDef d;
  d.name = name;
  d.category = "reduce";
  d.attrs = {{"axes", AttrKind::Ints}, {"keepdims", AttrKind::Int}, {"noop_with_empty_axes", AttrKind::Int}};
  // ReduceSum-13 (and every Reduce* from opset 18) takes axes as an input.
  d.params = {{1, "axes", AttrKind::Ints}};
  d.infer = infer;
  d.kernel = kernel;
  d.kind = OpKind::Reduction;
  return d;
}

OpDef argDef(const char* name, KernelFn kernel) {
  OpDef d;
  d.name = name;
  d.category = "reduce";
  d.attrs = {{"axis", AttrKind::Int}, {"keepdims", AttrKind::Int}, {"select_last_index", AttrKind::Int}};
  d.infer = inferArg;
  d.kernel = kernel;
  d.kind = OpKind::Reduction;
  return d;
}

}  // namespace

void registerReduceOps(OpTable& t) {
  t.add(reduceDef("ReduceSum", inferReduce<RK::Sum>, kernelReduce<RK::Sum>));
  t.add(reduceDef("ReduceMean", inferReduce<RK::Mean>, kernelReduce<RK::Mean>));
  t.add(reduceDef("ReduceMax", inferReduce<RK::Max>, kernelReduce<RK::Max>));
  t.add(reduceDef("ReduceMin", inferReduce<RK::Min>, kernelReduce<RK::Min>));
  t.add(reduceDef("ReduceProd", inferReduce<RK::Prod>, kernelReduce<RK::Prod>));
  t.add(reduceDef("ReduceL1", inferReduce<RK::L1>, kernelReduce<RK::L1>));
  t.add(reduceDef("ReduceL2", inferReduce<RK::L2>, kernelReduce<RK::L2>));
  t.add(reduceDef("ReduceSumSquare", inferReduce<RK::SumSquare>, kernelReduce<RK::SumSquare>));
  t.add(reduceDef("ReduceLogSum", inferReduce<RK::LogSum>, kernelReduce<RK::LogSum>));
  t.add(reduceDef("ReduceLogSumExp", inferReduce<RK::LogSumExp>, kernelReduce<RK::LogSumExp>));
  t.add(argDef("ArgMax", kernelArg<true>));
  t.add(argDef("ArgMin", kernelArg<false>));
}

}  // namespace nest
