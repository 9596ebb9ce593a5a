// BatchNormalization (inference and training mode), InstanceNormalization, LRN,
// LayerNormalization (opset 17).
#include <algorithm>
#include <cmath>
#include <type_traits>

#include "core/onnx_tensor.h"
#include "core/ops/op_helpers.h"
#include "core/ops/register_ops.h"

namespace nest {

namespace {

using ops::Elem;

const std::initializer_list<ElemType> kFloatTypes = {ElemType::F32, ElemType::F16, ElemType::F64};

// Checks that operands [first, last) are float vectors of `channels` elements.
void requireChannelVectors(InferContext& ctx, size_t first, size_t last, int64_t channels) {
  for (size_t i = first; i < last; ++i) {
    ops::requireElem(ctx, i, kFloatTypes);
    const TensorType& t = ctx.input(i);
    if (t.rank() != 1 || t.shape[0] != channels)
      ctx.fail("operand " + std::to_string(i) + " " + shapeToString(t.shape) + " must have shape [" +
               std::to_string(channels) + "]");
  }
}

// Applies y = x * mul[c] + add[c] over a [N, C, rest] tensor.
template <typename T>
void applyAffine(const Tensor& xt, Tensor& yt, const std::vector<double>& mul, const std::vector<double>& add) {
  const Shape& s = xt.shape();
  const int64_t n = s[0], c = s[1];
  const int64_t inner = xt.numElements() / std::max<int64_t>(n * c, 1);
  const void* x = xt.raw();
  void* y = yt.rawMutable();
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch) {
      const int64_t base = (b * c + ch) * inner;
      if constexpr (std::is_same_v<T, float>) {
        const float m = static_cast<float>(mul[ch]), a = static_cast<float>(add[ch]);
        const float* xp = static_cast<const float*>(x) + base;
        float* yp = static_cast<float*>(y) + base;
        for (int64_t i = 0; i < inner; ++i) yp[i] = xp[i] * m + a;
      } else {
        using C = ops::ComputeT<T>;
        const C m = static_cast<C>(mul[ch]), a = static_cast<C>(add[ch]);
        for (int64_t i = 0; i < inner; ++i) Elem<T>::store(y, base + i, Elem<T>::load(x, base + i) * m + a);
      }
    }
}

void applyAffineAny(const Tensor& x, Tensor& y, const std::vector<double>& mul, const std::vector<double>& add) {
  switch (x.elem()) {
    case ElemType::F32: applyAffine<float>(x, y, mul, add); break;
    case ElemType::F64: applyAffine<double>(x, y, mul, add); break;
    case ElemType::F16: applyAffine<ops::Half>(x, y, mul, add); break;
    default: failInternal("normalization of a non-float tensor");
  }
}

// Per-channel (over N and the spatial dims, or per (n, c) plane when perPlane) mean and biased
// variance, accumulated in double.
void moments(const Tensor& xt, bool perPlane, std::vector<double>& mean, std::vector<double>& var) {
  const Shape& s = xt.shape();
  const int64_t n = s[0], c = s[1];
  const int64_t inner = xt.numElements() / std::max<int64_t>(n * c, 1);
  const std::vector<double> x = xt.toDoubles();
  const size_t groups = static_cast<size_t>(perPlane ? n * c : c);
  mean.assign(groups, 0.0);
  var.assign(groups, 0.0);
  std::vector<int64_t> count(groups, 0);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch) {
      const size_t gi = static_cast<size_t>(perPlane ? b * c + ch : ch);
      const double* xp = x.data() + (b * c + ch) * inner;
      for (int64_t i = 0; i < inner; ++i) mean[gi] += xp[i];
      count[gi] += inner;
    }
  for (size_t gi = 0; gi < groups; ++gi) mean[gi] /= std::max<int64_t>(count[gi], 1);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch) {
      const size_t gi = static_cast<size_t>(perPlane ? b * c + ch : ch);
      const double* xp = x.data() + (b * c + ch) * inner;
      for (int64_t i = 0; i < inner; ++i) var[gi] += (xp[i] - mean[gi]) * (xp[i] - mean[gi]);
    }
  for (size_t gi = 0; gi < groups; ++gi) var[gi] /= std::max<int64_t>(count[gi], 1);
}

Tensor vectorOf(ElemType e, const std::vector<double>& v) {
  return convertTensor(Tensor::fromVector<double>(ElemType::F64, {static_cast<int64_t>(v.size())}, v), e);
}

// ---- BatchNormalization ----

void inferBatchNorm(InferContext& ctx) {
  ops::requireElem(ctx, 0, kFloatTypes);
  const TensorType& x = ctx.input(0);
  if (x.rank() < 2) ctx.fail("data must have rank >= 2 (N, C, ...), got " + shapeToString(x.shape));
  const int64_t c = x.shape[1];
  requireChannelVectors(ctx, 1, 5, c);
  const int64_t training = ctx.attrs().getInt("training_mode", 0);
  if (training != 0 && training != 1) ctx.fail("training_mode must be 0 or 1");
  ctx.setOutput(0, TensorType(x.elem, x.shape));
  for (size_t i = 1; i < ctx.numOutputs(); ++i)
    ctx.setOutput(i, TensorType(ctx.input(i <= 2 ? 3 + (i - 1) : 3 + (i - 3)).elem, {c}));
}

void batchNormKernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int64_t c = x.shape()[1];
  const double eps = ctx.attrs().getFloat("epsilon", 1e-5f);
  const double momentum = ctx.attrs().getFloat("momentum", 0.9f);
  const bool training = ctx.attrs().getInt("training_mode", 0) == 1;
  const std::vector<double> scale = ctx.input(1).toDoubles(), bias = ctx.input(2).toDoubles();
  const std::vector<double> inMean = ctx.input(3).toDoubles(), inVar = ctx.input(4).toDoubles();
  std::vector<double> mean = inMean, var = inVar;
  if (training) moments(x, false, mean, var);
  std::vector<double> mul(static_cast<size_t>(c)), add(static_cast<size_t>(c));
  for (int64_t i = 0; i < c; ++i) {
    mul[i] = scale[i] / std::sqrt(var[i] + eps);
    add[i] = bias[i] - mean[i] * mul[i];
  }
  applyAffineAny(x, ctx.output(0), mul, add);
  if (ctx.numOutputs() > 1) {
    std::vector<double> runMean(inMean), runVar(inVar);
    if (training)
      for (int64_t i = 0; i < c; ++i) {
        runMean[i] = inMean[i] * momentum + mean[i] * (1 - momentum);
        runVar[i] = inVar[i] * momentum + var[i] * (1 - momentum);
      }
    ctx.setOutput(1, vectorOf(ctx.outputType(1).elem, runMean));
    if (ctx.numOutputs() > 2) ctx.setOutput(2, vectorOf(ctx.outputType(2).elem, runVar));
    if (ctx.numOutputs() > 3) ctx.setOutput(3, vectorOf(ctx.outputType(3).elem, mean));
    if (ctx.numOutputs() > 4) ctx.setOutput(4, vectorOf(ctx.outputType(4).elem, var));
  }
}

// ---- InstanceNormalization ----

void inferInstanceNorm(InferContext& ctx) {
  ops::requireElem(ctx, 0, kFloatTypes);
  const TensorType& x = ctx.input(0);
  if (x.rank() < 3) ctx.fail("data must have rank >= 3 (N, C, spatial...), got " + shapeToString(x.shape));
  requireChannelVectors(ctx, 1, 3, x.shape[1]);
  ops::requireSameElem(ctx, 0, 3);
  ctx.setOutput(0, TensorType(x.elem, x.shape));
}

void instanceNormKernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int64_t n = x.shape()[0], c = x.shape()[1];
  const double eps = ctx.attrs().getFloat("epsilon", 1e-5f);
  const std::vector<double> scale = ctx.input(1).toDoubles(), bias = ctx.input(2).toDoubles();
  std::vector<double> mean, var;
  moments(x, true, mean, var);
  // Treat every (n, c) plane as its own channel of a [1, N*C, rest] tensor.
  std::vector<double> mul(static_cast<size_t>(n * c)), add(static_cast<size_t>(n * c));
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch) {
      const int64_t i = b * c + ch;
      mul[i] = scale[ch] / std::sqrt(var[i] + eps);
      add[i] = bias[ch] - mean[i] * mul[i];
    }
  Tensor x1 = x.reshaped({1, n * c, x.numElements() / std::max<int64_t>(n * c, 1)});
  Tensor y1(TensorType(x.elem(), x1.shape()));
  applyAffineAny(x1, y1, mul, add);
  ctx.setOutput(0, y1.reshaped(x.shape()));
}

// ---- LRN ----

void inferLRN(InferContext& ctx) {
  ops::requireElem(ctx, 0, kFloatTypes);
  const TensorType& x = ctx.input(0);
  if (x.rank() < 2) ctx.fail("data must have rank >= 2 (N, C, ...), got " + shapeToString(x.shape));
  if (!ctx.attrs().has("size")) ctx.fail("attribute 'size' is required");
  if (ctx.attrs().getInt("size") <= 0) ctx.fail("size must be positive");
  ctx.setOutput(0, TensorType(x.elem, x.shape));
}

template <typename T>
void lrnTyped(KernelContext& ctx) {
  const Tensor& xt = ctx.input(0);
  const void* x = xt.raw();
  void* y = ctx.output(0).rawMutable();
  const int64_t size = ctx.attrs().getInt("size");
  const double alpha = ctx.attrs().getFloat("alpha", 1e-4f), beta = ctx.attrs().getFloat("beta", 0.75f);
  const double bias = ctx.attrs().getFloat("bias", 1.0f);
  const int64_t n = xt.shape()[0], c = xt.shape()[1];
  const int64_t inner = xt.numElements() / std::max<int64_t>(n * c, 1);
  const int64_t before = (size - 1) / 2, after = size - 1 - before;
  std::vector<double> sq(static_cast<size_t>(inner));
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch) {
      std::fill(sq.begin(), sq.end(), 0.0);
      const int64_t lo = std::max<int64_t>(0, ch - before), hi = std::min<int64_t>(c - 1, ch + after);
      for (int64_t k = lo; k <= hi; ++k) {
        const int64_t base = (b * c + k) * inner;
        for (int64_t i = 0; i < inner; ++i) {
          const double v = static_cast<double>(Elem<T>::load(x, base + i));
          sq[i] += v * v;
        }
      }
      const int64_t base = (b * c + ch) * inner;
      for (int64_t i = 0; i < inner; ++i) {
        const double v = static_cast<double>(Elem<T>::load(x, base + i));
        Elem<T>::store(y, base + i,
                       static_cast<ops::ComputeT<T>>(v / std::pow(bias + alpha / size * sq[i], beta)));
      }
    }
}

void lrnKernel(KernelContext& ctx) {
  switch (ctx.input(0).elem()) {
    case ElemType::F32: lrnTyped<float>(ctx); break;
    case ElemType::F64: lrnTyped<double>(ctx); break;
    case ElemType::F16: lrnTyped<ops::Half>(ctx); break;
    default: ctx.fail("unsupported element type");
  }
}

// ---- LayerNormalization ----
// Normalizes over the axes from `axis` (default -1) to the last: Y = (X - mean) * InvStdDev *
// Scale + B, InvStdDev = 1 / sqrt(var + epsilon) with the biased variance. Scale and B broadcast
// (numpy, unidirectionally) to X. The optional results Mean and InvStdDev have X's shape with 1
// on the normalized axes, in the stash_type precision (ONNX data type number; default 1, float).

ElemType layerNormStashType(const InferContext& ctx) {
  const int64_t stash = ctx.attrs().getInt("stash_type", 1);
  const std::optional<ElemType> e = elemTypeFromOnnx(static_cast<int>(stash));
  if (!e || (*e != ElemType::F32 && *e != ElemType::F64 && *e != ElemType::F16))
    ctx.fail("stash_type must be a float type (1 float, 10 float16 or 11 double), got " + std::to_string(stash));
  return *e;
}

void inferLayerNorm(InferContext& ctx) {
  ops::requireElem(ctx, 0, kFloatTypes);
  ops::requireSameElem(ctx, 0, 3);
  const TensorType& x = ctx.input(0);
  if (x.rank() == 0) ctx.fail("X must have rank >= 1");
  const int64_t axis = ops::normalizeAxis(ctx.attrs().getInt("axis", -1), x.rank(), ctx.node());
  for (size_t i = 1; i < 3; ++i) {
    if (!ctx.hasInput(i)) continue;
    const Shape& s = ctx.input(i).shape;
    const char* name = i == 1 ? "Scale" : "B";
    bool fits = s.size() <= x.shape.size();
    for (size_t d = 0; fits && d < s.size(); ++d) {
      const int64_t xd = x.shape[x.shape.size() - s.size() + d];
      fits = s[d] == xd || s[d] == 1;
    }
    if (!fits)
      ctx.fail(std::string(name) + " " + shapeToString(s) + " does not broadcast to X " + shapeToString(x.shape));
  }
  const ElemType stash = layerNormStashType(ctx);
  ctx.setOutput(0, TensorType(x.elem, x.shape));
  Shape stat = x.shape;
  for (int64_t d = axis; d < x.rank(); ++d) stat[d] = 1;
  for (size_t i = 1; i < ctx.numOutputs(); ++i) ctx.setOutput(i, TensorType(stash, stat));
}

void layerNormKernel(KernelContext& ctx) {
  const Tensor& xt = ctx.input(0);
  const Shape& shape = xt.shape();
  const int64_t rank = static_cast<int64_t>(shape.size());
  const int64_t axis = ops::normalizeAxis(ctx.attrs().getInt("axis", -1), rank, ctx.node());
  const double eps = ctx.attrs().getFloat("epsilon", 1e-5f);
  int64_t rows = 1, cols = 1;
  for (int64_t d = 0; d < rank; ++d) (d < axis ? rows : cols) *= shape[d];
  const std::vector<double> x = xt.toDoubles();
  // Scale and B expanded to X's shape (offsets of the broadcast operand per element of X).
  auto expanded = [&](size_t i) {
    std::vector<double> full;
    if (!ctx.hasInput(i)) return full;
    const std::vector<double> v = ctx.input(i).toDoubles();
    full.resize(x.size());
    ops::forEachBroadcast(shape, {ctx.input(i).shape()},
                          [&](int64_t k, const std::vector<int64_t>& off) { full[k] = v[off[0]]; });
    return full;
  };
  const std::vector<double> scale = expanded(1), bias = expanded(2);
  std::vector<double> y(x.size()), mean(static_cast<size_t>(rows)), inv(static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) {
    const double* xr = x.data() + r * cols;
    // Sums in 8 interleaved partial sums (element c into lane c % 8), the order the CPU backend's
    // vectorized kernel uses (nest_layernorm_f32), so both give the same bytes.
    double lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    auto laneSum = [&] { return ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7])); };
    for (int64_t c = 0; c < cols; ++c) lane[c % 8] += xr[c];
    double m = laneSum() / static_cast<double>(std::max<int64_t>(cols, 1));
    std::fill(std::begin(lane), std::end(lane), 0.0);
    for (int64_t c = 0; c < cols; ++c) lane[c % 8] += (xr[c] - m) * (xr[c] - m);
    const double var = laneSum() / static_cast<double>(std::max<int64_t>(cols, 1));
    const double is = 1.0 / std::sqrt(var + eps);
    mean[r] = m;
    inv[r] = is;
    for (int64_t c = 0; c < cols; ++c) {
      const int64_t k = r * cols + c;
      double v = (xr[c] - m) * is;
      if (!scale.empty()) v *= scale[k];
      if (!bias.empty()) v += bias[k];
      y[k] = v;
    }
  }
  ctx.setOutput(0, convertTensor(Tensor::fromVector<double>(ElemType::F64, shape, y), xt.elem()));
  for (size_t i = 1; i < ctx.numOutputs(); ++i) {
    const TensorType& t = ctx.outputType(i);
    ctx.setOutput(i, convertTensor(Tensor::fromVector<double>(ElemType::F64, t.shape, i == 1 ? mean : inv), t.elem));
  }
}

}  // namespace

void registerNormOps(OpTable& t) {
  {
    OpDef d;
    d.name = "BatchNormalization";
    d.category = "norm";
    d.minInputs = 5;
    d.maxInputs = 5;
    d.maxOutputs = 5;
    d.attrs = {{"epsilon", AttrKind::Float}, {"momentum", AttrKind::Float}, {"training_mode", AttrKind::Int}};
    d.infer = inferBatchNorm;
    d.kernel = batchNormKernel;
    d.layoutSensitive = true;  // channels are axis 1
    t.add(std::move(d));
  }
  {
    OpDef d;
    d.name = "InstanceNormalization";
    d.category = "norm";
    d.minInputs = 3;
    d.maxInputs = 3;
    d.attrs = {{"epsilon", AttrKind::Float}};
    d.infer = inferInstanceNorm;
    d.kernel = instanceNormKernel;
    d.layoutSensitive = true;  // channels are axis 1
    t.add(std::move(d));
  }
  {
    OpDef d;
    d.name = "LayerNormalization";
    d.category = "norm";
    d.minInputs = 2;  // X, Scale and the optional B
    d.maxInputs = 3;
    d.maxOutputs = 3;  // Y and the optional Mean and InvStdDev
    d.attrs = {{"axis", AttrKind::Int}, {"epsilon", AttrKind::Float}, {"stash_type", AttrKind::Int}};
    d.infer = inferLayerNorm;
    d.kernel = layerNormKernel;
    t.add(std::move(d));
  }
  {
    OpDef d;
    d.name = "LRN";
    d.category = "norm";
    d.attrs = {{"alpha", AttrKind::Float}, {"beta", AttrKind::Float}, {"bias", AttrKind::Float}, {"size", AttrKind::Int}};
    d.infer = inferLRN;
    d.kernel = lrnKernel;
    d.layoutSensitive = true;  // channels are axis 1
    t.add(std::move(d));
  }
}

}  // namespace nest
