// Resize, Upsample (nearest / N-D linear / N-D cubic interpolation) and DepthToSpace,
// SpaceToDepth (pure data movement).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "core/ops/op_helpers.h"
#include "core/ops/resize_taps.h"
#include "core/ops/strided_copy.h"
#include "core/ops/register_ops.h"

namespace nest {

namespace {

using namespace ops;

// ---------------------------------------------------------------------------------------------
// Resize plan: output shape and per-axis coordinate mapping parameters

struct ResizePlan {
  Shape out;
  std::vector<double> scale;       // per axis: output / input
  std::vector<double> lenResized;  // per axis: the output length the coordinate formulas use
  std::vector<double> roiStart, roiEnd;
  std::string mode;       // nearest, linear, cubic
  std::string coordMode;  // coordinate_transformation_mode
  std::string nearestMode;
  double cubicA = -0.75;
  bool excludeOutside = false;
  double extrapolation = 0.0;
};

bool oneOf(const std::string& s, std::initializer_list<const char*> options) {
  for (const char* o : options)
    if (s == o) return true;
  return false;
}

ResizePlan resizePlan(const Attributes& attrs, const Shape& in, const Node& node) {
  auto fail = [&](const std::string& r) { failBadInput(node.describe() + ": " + r); };
  const int64_t rank = static_cast<int64_t>(in.size());
  if (rank == 0) fail("cannot resize a scalar");
  ResizePlan p;
  p.mode = attrs.getString("mode", "nearest");
  p.coordMode = attrs.getString("coordinate_transformation_mode", "half_pixel");
  p.nearestMode = attrs.getString("nearest_mode", "round_prefer_floor");
  p.cubicA = attrs.getFloat("cubic_coeff_a", -0.75f);
  p.excludeOutside = attrs.getInt("exclude_outside", 0) != 0;
  p.extrapolation = attrs.getFloat("extrapolation_value", 0.0f);
  if (!oneOf(p.mode, {"nearest", "linear", "cubic"})) fail("unknown mode '" + p.mode + "'");
  if (!oneOf(p.coordMode, {"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
                           "asymmetric", "tf_half_pixel_for_nn", "tf_crop_and_resize"}))
    fail("unknown coordinate_transformation_mode '" + p.coordMode + "'");
  if (!oneOf(p.nearestMode, {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"}))
    fail("unknown nearest_mode '" + p.nearestMode + "'");

  std::vector<int64_t> axes = attrs.getInts("axes");
  if (axes.empty())
    for (int64_t i = 0; i < rank; ++i) axes.push_back(i);
  axes = normalizeAxes(axes, rank, node);
  std::vector<bool> seen(in.size(), false);
  for (int64_t a : axes) {
    if (seen[a]) fail("axis " + std::to_string(a) + " is given twice");
    seen[a] = true;
  }
  const size_t n = axes.size();

  p.out = in;
  p.scale.assign(in.size(), 1.0);
  p.lenResized.assign(in.size(), 0.0);
  for (size_t d = 0; d < in.size(); ++d) p.lenResized[d] = static_cast<double>(in[d]);
  const Floats scales = attrs.getFloats("scales");
  const Ints sizes = attrs.getInts("sizes");
  if (!scales.empty() && !sizes.empty()) fail("only one of scales and sizes may be given");
  if (scales.empty() && sizes.empty()) fail("one of scales and sizes must be given");
  if (!scales.empty()) {
    if (scales.size() != n)
      fail("scales has " + std::to_string(scales.size()) + " values for " + std::to_string(n) + " axes");
    for (size_t i = 0; i < n; ++i) {
      const int64_t a = axes[i];
      const double s = static_cast<double>(scales[i]);
      if (!(s > 0) || !std::isfinite(s)) fail("scale " + std::to_string(scales[i]) + " must be positive");
      p.scale[a] = s;
      p.lenResized[a] = s * static_cast<double>(in[a]);
      p.out[a] = static_cast<int64_t>(std::floor(p.lenResized[a]));
    }
  } else {
    if (sizes.size() != n)
      fail("sizes has " + std::to_string(sizes.size()) + " values for " + std::to_string(n) + " axes");
    for (size_t i = 0; i < n; ++i)
      if (sizes[i] < 0) fail("negative size " + std::to_string(sizes[i]));
    const std::string policy = attrs.getString("keep_aspect_ratio_policy", "stretch");
    if (!oneOf(policy, {"stretch", "not_larger", "not_smaller"}))
      fail("unknown keep_aspect_ratio_policy '" + policy + "'");
    for (size_t i = 0; i < n; ++i)
      if (in[axes[i]] == 0 && sizes[i] != 0) fail("cannot resize the empty axis " + std::to_string(axes[i]));
    if (policy == "stretch") {
      for (size_t i = 0; i < n; ++i) {
        const int64_t a = axes[i];
        p.out[a] = sizes[i];
        p.lenResized[a] = static_cast<double>(sizes[i]);
        p.scale[a] = in[a] ? static_cast<double>(sizes[i]) / static_cast<double>(in[a]) : 1.0;
      }
    } else {
      double s = policy == "not_larger" ? std::numeric_limits<double>::infinity() : 0.0;
      for (size_t i = 0; i < n; ++i) {
        if (in[axes[i]] == 0) continue;
        const double r = static_cast<double>(sizes[i]) / static_cast<double>(in[axes[i]]);
        s = policy == "not_larger" ? std::min(s, r) : std::max(s, r);
      }
      if (!std::isfinite(s) || s <= 0) fail("cannot keep the aspect ratio with sizes given");
      for (size_t i = 0; i < n; ++i) {
        const int64_t a = axes[i];
        p.scale[a] = s;
        p.out[a] = static_cast<int64_t>(std::nearbyint(s * static_cast<double>(in[a])));
        p.lenResized[a] = static_cast<double>(p.out[a]);
      }
    }
  }

  p.roiStart.assign(in.size(), 0.0);
  p.roiEnd.assign(in.size(), 1.0);
  if (p.coordMode == "tf_crop_and_resize") {
    const Floats roi = attrs.getFloats("roi");
    if (!roi.empty()) {
      if (roi.size() != 2 * n)
        fail("roi has " + std::to_string(roi.size()) + " values, expected " + std::to_string(2 * n));
      for (size_t i = 0; i < n; ++i) {
        p.roiStart[axes[i]] = roi[i];
        p.roiEnd[axes[i]] = roi[i + n];
      }
    }
  }
  if (attrs.getInt("antialias", 0) != 0 && p.mode != "nearest")
    for (size_t d = 0; d < in.size(); ++d)
      if (p.scale[d] < 1.0)
        failUnsupported(node.describe() + ": antialiased downsampling is not supported");
  return p;
}

// Source coordinate of output index x along one axis (ONNX coordinate_transformation_mode).
double sourceCoordinate(const ResizePlan& p, size_t axis, int64_t x, int64_t inLen) {
  const double xr = static_cast<double>(x), s = p.scale[axis], len = p.lenResized[axis];
  const double in = static_cast<double>(inLen);
  const std::string& m = p.coordMode;
  if (m == "half_pixel") return (xr + 0.5) / s - 0.5;
  if (m == "pytorch_half_pixel") return len > 1 ? (xr + 0.5) / s - 0.5 : 0.0;
  if (m == "align_corners") return len == 1 ? 0.0 : xr * (in - 1) / (len - 1);
  if (m == "asymmetric") return xr / s;
  if (m == "tf_half_pixel_for_nn") return (xr + 0.5) / s;
  if (m == "half_pixel_symmetric") {
    const double adjustment = static_cast<double>(p.out[axis]) / len;
    const double offset = in / 2 * (1 - adjustment);
    return offset + (xr + 0.5) / s - 0.5;
  }
  // tf_crop_and_resize
  const double a = p.roiStart[axis], b = p.roiEnd[axis];
  if (len > 1) return a * (in - 1) + xr * (b - a) * (in - 1) / (len - 1);
  return 0.5 * (a + b) * (in - 1);
}

// For every output index of one axis: the input indices (clamped) and weights of its taps.
struct AxisTaps {
  int k = 1;
  std::vector<int64_t> idx;      // out * k
  std::vector<double> w;         // out * k
  std::vector<uint8_t> extrap;   // out: the result is extrapolation_value (tf_crop_and_resize)
  bool identity = true;          // every result is the input element at the same index
  bool anyExtrap = false;
};

double cubicWeight(double d, double a) {  // d = |distance|
  if (d <= 1) return ((a + 2) * d - (a + 3)) * d * d + 1;
  if (d < 2) return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a;
  return 0;
}

AxisTaps axisTaps(const ResizePlan& p, size_t axis, int64_t inLen) {
  const int64_t outLen = p.out[axis];
  AxisTaps t;
  t.k = p.mode == "nearest" ? 1 : p.mode == "linear" ? 2 : 4;
  t.idx.assign(static_cast<size_t>(outLen * t.k), 0);
  t.w.assign(static_cast<size_t>(outLen * t.k), 0.0);
  t.extrap.assign(static_cast<size_t>(outLen), 0);
  const bool crop = p.coordMode == "tf_crop_and_resize";
  auto clampIdx = [inLen](int64_t i) { return std::clamp<int64_t>(i, 0, inLen - 1); };
  for (int64_t o = 0; o < outLen; ++o) {
    const double x = sourceCoordinate(p, axis, o, inLen);
    int64_t* idx = &t.idx[o * t.k];
    double* w = &t.w[o * t.k];
    if (crop && (x < 0 || x > static_cast<double>(inLen - 1))) {
      t.extrap[o] = 1;
      t.anyExtrap = true;
      t.identity = false;
      continue;
    }
    const double f = std::floor(x);
    const double r = x - f;
    const auto fi = static_cast<int64_t>(f);
    if (t.k == 1) {
      int64_t i = fi;
      if (r != 0) {
        const std::string& m = p.nearestMode;
        bool up = m == "ceil" || (m == "round_prefer_floor" && r > 0.5) || (m == "round_prefer_ceil" && r >= 0.5);
        if (up) ++i;
      }
      idx[0] = clampIdx(i);
      w[0] = 1.0;
    } else if (t.k == 2) {
      idx[0] = clampIdx(fi);
      idx[1] = clampIdx(fi + 1);
      w[0] = 1 - r;
      w[1] = r;
    } else {
      double sum = 0;
      for (int j = 0; j < 4; ++j) {
        const int64_t raw = fi - 1 + j;
        idx[j] = clampIdx(raw);
        w[j] = cubicWeight(std::abs(r - (j - 1)), p.cubicA);
        if (p.excludeOutside && (raw < 0 || raw >= inLen)) w[j] = 0;
        sum += w[j];
      }
      if (p.excludeOutside && sum != 0)
        for (int j = 0; j < 4; ++j) w[j] /= sum;
    }
    for (int j = 0; j < t.k; ++j)
      if (w[j] != 0 && !(w[j] == 1 && idx[j] == o)) t.identity = false;
  }
  if (outLen != inLen) t.identity = false;
  return t;
}

// Shared kernel of Resize and Upsample.
void runResize(KernelContext& ctx, const ResizePlan& p) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.output(0);
  if (out.numElements() == 0) return;
  const Shape& inShape = in.shape();
  const Shape& outShape = out.shape();
  const size_t rank = inShape.size();
  std::vector<AxisTaps> taps(rank);
  for (size_t d = 0; d < rank; ++d) taps[d] = axisTaps(p, d, inShape[d]);
  bool anyExtrap = false;
  for (const AxisTaps& t : taps) anyExtrap = anyExtrap || t.anyExtrap;
  const Tensor fill = convertTensor(Tensor::scalarF32(static_cast<float>(p.extrapolation)), in.elem());

  if (p.mode == "nearest") {
    // Gather: one input element per output element, located through per-axis index tables.
    std::vector<int64_t> inStrides = stridesOf(inShape);
    const int64_t n = outShape.back();
    const AxisTaps& last = taps.back();
    dispatchStorageType(in.elem(), [&](auto tag) {
      using T = decltype(tag);
      const T* base = in.data<T>();
      const T fv = fill.data<T>()[0];
      T* dst = out.mutableData<T>();
      const int64_t rows = out.numElements() / n;
      std::vector<int64_t> o(rank, 0);
      for (int64_t r = 0; r < rows; ++r, dst += n) {
        int64_t off = 0;
        bool ex = false;
        for (size_t d = 0; d + 1 < rank; ++d) {
          off += taps[d].idx[o[d]] * inStrides[d];
          ex = ex || taps[d].extrap[o[d]];
        }
        const T* row = base + off;
        if (ex) {
          std::fill_n(dst, n, fv);
        } else if (last.identity) {
          std::copy_n(row, n, dst);
        } else {
          for (int64_t j = 0; j < n; ++j) dst[j] = last.extrap[j] ? fv : row[last.idx[j]];
        }
        for (int64_t d = static_cast<int64_t>(rank) - 2; d >= 0; --d) {
          if (++o[d] < outShape[d]) break;
          o[d] = 0;
        }
      }
    });
    return;
  }

  // Linear / cubic: separable, one axis at a time (innermost first), in double.
  std::vector<double> cur(static_cast<size_t>(in.numElements()));
  dispatchNumeric(in.elem(), [&](auto tag) {
    using T = decltype(tag);
    for (int64_t i = 0; i < in.numElements(); ++i) cur[i] = static_cast<double>(Elem<T>::load(in.raw(), i));
  });
  Shape shape = inShape;
  std::vector<double> next;
  for (int64_t d = static_cast<int64_t>(rank) - 1; d >= 0; --d) {
    const AxisTaps& t = taps[d];
    if (t.identity) continue;
    int64_t outer = 1, inner = 1;
    for (int64_t e = 0; e < d; ++e) outer *= shape[e];
    for (size_t e = static_cast<size_t>(d) + 1; e < rank; ++e) inner *= shape[e];
    const int64_t inD = shape[d], outD = outShape[d];
    next.assign(static_cast<size_t>(outer * outD * inner), 0.0);
    for (int64_t o = 0; o < outer; ++o) {
      const double* src = cur.data() + o * inD * inner;
      for (int64_t j = 0; j < outD; ++j) {
        double* dst = next.data() + (o * outD + j) * inner;
        for (int k = 0; k < t.k; ++k) {
          const double w = t.w[j * t.k + k];
          if (w == 0) continue;
          const double* s = src + t.idx[j * t.k + k] * inner;
          for (int64_t i = 0; i < inner; ++i) dst[i] += w * s[i];
        }
      }
    }
    cur.swap(next);
    shape[d] = outD;
  }
  if (anyExtrap) {
    std::vector<int64_t> o(rank, 0);
    for (size_t i = 0; i < cur.size(); ++i) {
      bool ex = false;
      for (size_t d = 0; d < rank; ++d) ex = ex || taps[d].extrap[o[d]];
      if (ex) cur[i] = p.extrapolation;
      for (int64_t d = static_cast<int64_t>(rank) - 1; d >= 0; --d) {
        if (++o[d] < outShape[d]) break;
        o[d] = 0;
      }
    }
  }
  dispatchNumeric(out.elem(), [&](auto tag) {
    using T = decltype(tag);
    using C = ComputeT<T>;
    void* dst = out.rawMutable();
    for (size_t i = 0; i < cur.size(); ++i) {
      double v = cur[i];
      if constexpr (std::is_integral_v<C>) {
        v = std::clamp(std::nearbyint(v), static_cast<double>(std::numeric_limits<C>::lowest()),
                       static_cast<double>(std::numeric_limits<C>::max()));
      }
      Elem<T>::store(dst, static_cast<int64_t>(i), static_cast<C>(v));
    }
  });
}

TensorType resizedType(const InferContext& ctx, const TensorType& in, const ResizePlan& p) {
  if (p.mode != "nearest" && in.elem == ElemType::Bool) ctx.fail(p.mode + " interpolation of bool values");
  if (in.quant && in.quant->perChannel()) ctx.unsupported("per-channel quantized operand is not supported");
  TensorType t(in.elem, p.out);
  t.quant = in.quant;
  return t;
}

// ---------------------------------------------------------------------------------------------
// Resize

void inferResize(InferContext& ctx) {
  const TensorType& in = ctx.input(0);
  ctx.setOutput(0, resizedType(ctx, in, resizePlan(ctx.attrs(), in.shape, ctx.node())));
}

void kernelResize(KernelContext& ctx) { runResize(ctx, resizePlan(ctx.attrs(), ctx.input(0).shape(), ctx.node())); }

// ---------------------------------------------------------------------------------------------
// Upsample (deprecated): asymmetric coordinates, nearest rounds down.

ResizePlan upsamplePlan(const Attributes& attrs, const Shape& in, const Node& node) {
  auto fail = [&](const std::string& r) { failBadInput(node.describe() + ": " + r); };
  std::string mode = attrs.getString("mode", "nearest");
  if (mode == "bilinear") mode = "linear";
  if (mode != "nearest" && mode != "linear") fail("unknown mode '" + mode + "'");
  const Floats scales = attrs.getFloats("scales");
  if (scales.size() != in.size())
    fail("scales has " + std::to_string(scales.size()) + " values for rank " + std::to_string(in.size()));
  Attributes a;
  a.set("mode", mode);
  a.set("coordinate_transformation_mode", std::string("asymmetric"));
  a.set("nearest_mode", std::string("floor"));
  a.set("scales", scales);
  return resizePlan(a, in, node);
}

void inferUpsample(InferContext& ctx) {
  const TensorType& in = ctx.input(0);
  ctx.setOutput(0, resizedType(ctx, in, upsamplePlan(ctx.attrs(), in.shape, ctx.node())));
}

void kernelUpsample(KernelContext& ctx) {
  runResize(ctx, upsamplePlan(ctx.attrs(), ctx.input(0).shape(), ctx.node()));
}

// ---------------------------------------------------------------------------------------------
// DepthToSpace / SpaceToDepth: a reshape, a 6-D transpose and a reshape, done as one strided copy.

// Same helper as in tensor_ops.cpp (kept local: shared helpers belong to op_helpers).
using ops::copyStrided;

int64_t blockSize(const Attributes& attrs, const Node& node) {
  const int64_t b = attrs.getInt("blocksize");
  if (b <= 0) failBadInput(node.describe() + ": blocksize must be positive, not " + std::to_string(b));
  return b;
}

bool depthToSpaceCRD(const Attributes& attrs, const Node& node) {
  const std::string mode = attrs.getString("mode", "DCR");
  if (mode != "DCR" && mode != "CRD") failBadInput(node.describe() + ": unknown mode '" + mode + "'");
  return mode == "CRD";
}

TensorType blockType(const InferContext& ctx, const TensorType& in, Shape shape) {
  if (in.quant && in.quant->perChannel()) ctx.unsupported("per-channel quantized operand is not supported");
  TensorType t(in.elem, std::move(shape));
  t.quant = in.quant;
  return t;
}

void inferDepthToSpace(InferContext& ctx) {
  const TensorType& in = ctx.input(0);
  if (in.rank() != 4) ctx.fail("input must have rank 4 (NCHW), not " + std::to_string(in.rank()));
  const int64_t b = blockSize(ctx.attrs(), ctx.node());
  depthToSpaceCRD(ctx.attrs(), ctx.node());
  if (in.shape[1] % (b * b) != 0)
    ctx.fail(std::to_string(in.shape[1]) + " channels are not divisible by blocksize^2 = " + std::to_string(b * b));
  ctx.setOutput(0, blockType(ctx, in, {in.shape[0], in.shape[1] / (b * b), in.shape[2] * b, in.shape[3] * b}));
}

void kernelDepthToSpace(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const int64_t b = blockSize(ctx.attrs(), ctx.node());
  const bool crd = depthToSpaceCRD(ctx.attrs(), ctx.node());
  const Shape& s = in.shape();
  const int64_t c = s[1] / (b * b);
  const int64_t sC = s[2] * s[3], sN = s[1] * sC, sH = s[3];
  // Output as [N, C', H, b1, W, b2]; input channel = b1*b*C' + b2*C' + c' (DCR) or c'*b*b + b1*b + b2 (CRD).
  const int64_t strideC = crd ? b * b * sC : sC;
  const int64_t strideB1 = crd ? b * sC : b * c * sC;
  const int64_t strideB2 = crd ? sC : c * sC;
  Tensor& out = ctx.output(0);
  copyStrided(in.elem(), in.raw(), 0, {s[0], c, s[2], b, s[3], b}, {sN, strideC, sH, strideB1, 1, strideB2},
              out.rawMutable());
}

void inferSpaceToDepth(InferContext& ctx) {
  const TensorType& in = ctx.input(0);
  if (in.rank() != 4) ctx.fail("input must have rank 4 (NCHW), not " + std::to_string(in.rank()));
  const int64_t b = blockSize(ctx.attrs(), ctx.node());
  if (in.shape[2] % b != 0 || in.shape[3] % b != 0)
    ctx.fail("spatial size " + shapeToString(in.shape) + " is not divisible by blocksize " + std::to_string(b));
  ctx.setOutput(0, blockType(ctx, in, {in.shape[0], in.shape[1] * b * b, in.shape[2] / b, in.shape[3] / b}));
}

void kernelSpaceToDepth(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const int64_t b = blockSize(ctx.attrs(), ctx.node());
  const Shape& s = in.shape();
  const int64_t sH = s[3], sC = s[2] * sH, sN = s[1] * sC;
  // Output as [N, b1, b2, C, H', W'] reading input (n, c, h'*b + b1, w'*b + b2).
  Tensor& out = ctx.output(0);
  copyStrided(in.elem(), in.raw(), 0, {s[0], b, b, s[1], s[2] / b, s[3] / b}, {sN, sH, 1, sC, b * sH, b},
              out.rawMutable());
}

}  // namespace

std::vector<ops::ResizeAxisTaps> ops::resizeAxisTaps(const Node& node, const Shape& in) {
  const ResizePlan p = node.op == "Upsample" ? upsamplePlan(node.attrs, in, node) : resizePlan(node.attrs, in, node);
  std::vector<ResizeAxisTaps> out;
  for (size_t d = 0; d < in.size(); ++d) {
    AxisTaps t = axisTaps(p, d, in[d]);
    out.push_back({t.k, std::move(t.idx), std::move(t.w), t.identity, t.anyExtrap});
  }
  return out;
}

void registerResizeOps(OpTable& t) {
  using K = AttrKind;
  t.add(OpDef{.name = "Resize", .category = "resize", .minInputs = 1, .maxInputs = 1,
              .attrs = {{"mode", K::String},
                        {"coordinate_transformation_mode", K::String},
                        {"nearest_mode", K::String},
                        {"cubic_coeff_a", K::Float},
                        {"exclude_outside", K::Int},
                        {"extrapolation_value", K::Float},
                        {"antialias", K::Int},
                        {"axes", K::Ints},
                        {"keep_aspect_ratio_policy", K::String},
                        {"roi", K::Floats},
                        {"scales", K::Floats},
                        {"sizes", K::Ints}},
              .params = {{1, "roi", K::Floats}, {2, "scales", K::Floats}, {3, "sizes", K::Ints}},
              .infer = inferResize, .kernel = kernelResize, .layoutSensitive = true});
  t.add(OpDef{.name = "Upsample", .category = "resize", .minInputs = 1, .maxInputs = 1,
              .attrs = {{"mode", K::String}, {"scales", K::Floats}}, .params = {{1, "scales", K::Floats}},
              .infer = inferUpsample, .kernel = kernelUpsample, .layoutSensitive = true});
  t.add(OpDef{.name = "DepthToSpace", .category = "tensor", .attrs = {{"blocksize", K::Int}, {"mode", K::String}},
              .params = {}, .infer = inferDepthToSpace, .kernel = kernelDepthToSpace,
              .kind = OpKind::DataMovement, .layoutSensitive = true});
  t.add(OpDef{.name = "SpaceToDepth", .category = "tensor", .attrs = {{"blocksize", K::Int}}, .params = {},
              .infer = inferSpaceToDepth, .kernel = kernelSpaceToDepth,
              .kind = OpKind::DataMovement, .layoutSensitive = true});
}

}  // namespace nest
