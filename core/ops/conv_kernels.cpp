#include "core/ops/conv_kernels.h"

#include <algorithm>
#include <type_traits>

#include "core/error.h"
#include "core/ops/gemm_kernel.h"
#include "core/ops/op_helpers.h"

namespace nest::ops {

namespace {

int64_t product(const std::vector<int64_t>& v) {
  int64_t p = 1;
  for (int64_t x : v) p *= x;
  return p;
}

std::string listToString(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(v[i]);
  }
  s += ']';
  return s;
}

// Reads an Ints attribute of exactly n positive (or, with allowZero, non-negative) values.
std::vector<int64_t> spatialAttr(const Node& node, const char* name, size_t n, int64_t def, int64_t minValue) {
  std::vector<int64_t> v = node.attrs.getInts(name, std::vector<int64_t>(n, def));
  if (v.size() != n)
    failBadInput(node.describe() + ": attribute '" + name + "' has " + std::to_string(v.size()) + " values, expected " +
                 std::to_string(n));
  for (int64_t x : v)
    if (x < minValue)
      failBadInput(node.describe() + ": attribute '" + name + "' has invalid value " + listToString(v));
  return v;
}

// Floor division (rounds towards negative infinity).
int64_t floorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0); }

// For positions o in [0, count) mapped to i = o * stride + offset, the range [lo, hi) of o with
// 0 <= i < limit.
void validRange(int64_t count, int64_t limit, int64_t stride, int64_t offset, int64_t& lo, int64_t& hi) {
  lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  hi = limit - 1 - offset < 0 ? 0 : (limit - 1 - offset) / stride + 1;
  hi = std::min(hi, count);
  lo = std::min(lo, hi);
}

// Advances a row-major multi-index over `dims` (first `n` entries); false after the last one.
bool nextIndex(std::vector<int64_t>& idx, const std::vector<int64_t>& dims, size_t n) {
  for (size_t d = n; d-- > 0;) {
    if (++idx[d] < dims[d]) return true;
    idx[d] = 0;
  }
  return false;
}

// col[(c, k...), (o...)] = x[c, o * stride - padBegin + k * dilation] or 0 outside the input.
template <typename T>
void im2col(const T* x, int64_t channels, const ConvGeom& g, T* col) {
  const size_t nd = g.kernel.size();
  if (nd == 0) return;
  const size_t last = nd - 1;
  const int64_t inSize = g.inSize();
  const int64_t outInner = g.outSpatial[last];
  const std::vector<int64_t> inStrides = stridesOf(g.inSpatial);
  std::vector<int64_t> kidx(nd, 0), oidx(nd, 0);
  T* dst = col;
  for (int64_t c = 0; c < channels; ++c) {
    const T* xc = x + c * inSize;
    std::fill(kidx.begin(), kidx.end(), 0);
    do {
      const int64_t offLast = kidx[last] * g.dilations[last] - g.padBegin[last];
      int64_t lo, hi;
      validRange(outInner, g.inSpatial[last], g.strides[last], offLast, lo, hi);
      const int64_t s = g.strides[last];
      std::fill(oidx.begin(), oidx.end(), 0);
      do {
        bool valid = true;
        int64_t off = offLast;
        for (size_t d = 0; d < last; ++d) {
          const int64_t i = oidx[d] * g.strides[d] - g.padBegin[d] + kidx[d] * g.dilations[d];
          if (i < 0 || i >= g.inSpatial[d]) {
            valid = false;
            break;
          }
          off += i * inStrides[d];
        }
        if (!valid) {
          std::fill(dst, dst + outInner, T(0));
        } else {
          const T* src = xc + off;
          for (int64_t o = 0; o < lo; ++o) dst[o] = T(0);
          if (s == 1) {
            for (int64_t o = lo; o < hi; ++o) dst[o] = src[o];
          } else {
            for (int64_t o = lo; o < hi; ++o) dst[o] = src[o * s];
          }
          for (int64_t o = hi; o < outInner; ++o) dst[o] = T(0);
        }
        dst += outInner;
      } while (nextIndex(oidx, g.outSpatial, last));
    } while (nextIndex(kidx, g.kernel, nd));
  }
}

// y[(o...)] += col[(m, k...), (i...)] scattered to o = i * stride - padBegin + k * dilation.
template <typename T>
void col2im(const T* col, int64_t channels, const ConvGeom& g, T* y) {
  const size_t nd = g.kernel.size();
  if (nd == 0) return;
  const size_t last = nd - 1;
  const int64_t outSize = g.outSize();
  const int64_t inInner = g.inSpatial[last];
  const std::vector<int64_t> outStrides = stridesOf(g.outSpatial);
  std::vector<int64_t> kidx(nd, 0), iidx(nd, 0);
  const T* src = col;
  for (int64_t m = 0; m < channels; ++m) {
    T* ym = y + m * outSize;
    std::fill(kidx.begin(), kidx.end(), 0);
    do {
      const int64_t offLast = kidx[last] * g.dilations[last] - g.padBegin[last];
      int64_t lo, hi;
      validRange(inInner, g.outSpatial[last], g.strides[last], offLast, lo, hi);
      const int64_t s = g.strides[last];
      std::fill(iidx.begin(), iidx.end(), 0);
      do {
        bool valid = true;
        int64_t off = offLast;
        for (size_t d = 0; d < last; ++d) {
          const int64_t o = iidx[d] * g.strides[d] - g.padBegin[d] + kidx[d] * g.dilations[d];
          if (o < 0 || o >= g.outSpatial[d]) {
            valid = false;
            break;
          }
          off += o * outStrides[d];
        }
        if (valid) {
          T* dst = ym + off;
          for (int64_t i = lo; i < hi; ++i) dst[i * s] += src[i];
        }
        src += inInner;
      } while (nextIndex(iidx, g.inSpatial, last));
    } while (nextIndex(kidx, g.kernel, nd));
  }
}

template <typename T>
void gemmAny(int64_t m, int64_t n, int64_t k, const T* a, int64_t ars, int64_t acs, const T* b, int64_t brs, T* c,
             bool accumulate) {
  if constexpr (std::is_same_v<T, float>)
    gemmF32(m, n, k, {a, ars, acs}, {b, brs, 1}, c, n, accumulate);
  else
    gemmRef<T>(m, n, k, a, ars, acs, b, brs, 1, c, n, accumulate);
}

// Direct 2-D depthwise convolution (one input channel per group).
template <typename T>
void depthwise2d(const ConvGeom& g, const T* x, const T* w, const T* bias, T* y) {
  const int64_t C = g.inChannels, M = g.outChannels, mult = M / g.group;
  const int64_t H = g.inSpatial[0], W = g.inSpatial[1], OH = g.outSpatial[0], OW = g.outSpatial[1];
  const int64_t KH = g.kernel[0], KW = g.kernel[1], sh = g.strides[0], sw = g.strides[1];
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t mm = 0; mm < mult; ++mm) {
        const int64_t m = c * mult + mm;
        const T* xp = x + (n * C + c) * H * W;
        T* yp = y + (n * M + m) * OH * OW;
        std::fill(yp, yp + OH * OW, bias ? bias[m] : T(0));
        for (int64_t kh = 0; kh < KH; ++kh)
          for (int64_t kw = 0; kw < KW; ++kw) {
            const T wv = w[(m * KH + kh) * KW + kw];
            const int64_t offW = kw * g.dilations[1] - g.padBegin[1];
            int64_t lo, hi;
            validRange(OW, W, sw, offW, lo, hi);
            for (int64_t oh = 0; oh < OH; ++oh) {
              const int64_t ih = oh * sh - g.padBegin[0] + kh * g.dilations[0];
              if (ih < 0 || ih >= H) continue;
              const T* xr = xp + ih * W + offW;
              T* yr = yp + oh * OW;
              if (sw == 1) {
                for (int64_t ow = lo; ow < hi; ++ow) yr[ow] += wv * xr[ow];
              } else {
                for (int64_t ow = lo; ow < hi; ++ow) yr[ow] += wv * xr[ow * sw];
              }
            }
          }
      }
}

}  // namespace

int64_t ConvGeom::inSize() const { return product(inSpatial); }
int64_t ConvGeom::outSize() const { return product(outSpatial); }
int64_t ConvGeom::kernelSize() const { return product(kernel); }
Shape ConvGeom::outShape() const {
  Shape s{batch, outChannels};
  s.insert(s.end(), outSpatial.begin(), outSpatial.end());
  return s;
}

ConvGeom convGeometry(const Node& node, const Shape& x, const Shape& w) {
  auto fail = [&](const std::string& m) { failBadInput(node.describe() + ": " + m); };
  if (x.size() < 3) fail("data must have rank >= 3 (N, C, spatial...), got " + shapeToString(x));
  if (w.size() != x.size())
    fail("weights " + shapeToString(w) + " must have the rank of the data " + shapeToString(x));
  const size_t nd = x.size() - 2;
  ConvGeom g;
  g.batch = x[0];
  g.inChannels = x[1];
  g.outChannels = w[0];
  g.group = node.attrs.getInt("group", 1);
  if (g.group <= 0) fail("group must be positive, got " + std::to_string(g.group));
  if (g.inChannels % g.group != 0)
    fail("input channels " + std::to_string(g.inChannels) + " not divisible by group " + std::to_string(g.group));
  if (g.outChannels % g.group != 0 || g.outChannels == 0)
    fail("output channels " + std::to_string(g.outChannels) + " not a positive multiple of group " +
         std::to_string(g.group));
  if (w[1] != g.inChannels / g.group)
    fail("weights " + shapeToString(w) + " need " + std::to_string(g.inChannels / g.group) +
         " input channels per group (data " + shapeToString(x) + ", group " + std::to_string(g.group) + ")");
  g.inSpatial.assign(x.begin() + 2, x.end());
  g.kernel.assign(w.begin() + 2, w.end());
  for (int64_t k : g.kernel)
    if (k <= 0) fail("weights " + shapeToString(w) + " have an empty kernel");
  if (node.attrs.has("kernel_shape") && node.attrs.getInts("kernel_shape") != g.kernel)
    fail("kernel_shape " + listToString(node.attrs.getInts("kernel_shape")) + " does not match weights " +
         shapeToString(w));
  g.strides = spatialAttr(node, "strides", nd, 1, 1);
  g.dilations = spatialAttr(node, "dilations", nd, 1, 1);
  std::vector<int64_t> pads = resolvePads(node.attrs, g.inSpatial, g.kernel, g.strides, g.dilations, node);
  for (int64_t p : pads)
    if (p < 0) fail("pads must be non-negative, got " + listToString(pads));
  g.padBegin.assign(pads.begin(), pads.begin() + nd);
  g.padEnd.assign(pads.begin() + nd, pads.end());
  for (size_t i = 0; i < nd; ++i) {
    int64_t o = windowOutputSize(g.inSpatial[i], g.kernel[i], g.strides[i], g.dilations[i], g.padBegin[i],
                                 g.padEnd[i], false);
    if (o <= 0)
      fail("kernel " + listToString(g.kernel) + " (dilations " + listToString(g.dilations) +
           ") does not fit the padded input " + shapeToString(x));
    g.outSpatial.push_back(o);
  }
  return g;
}

ConvGeom convTransposeGeometry(const Node& node, const Shape& x, const Shape& w) {
  auto fail = [&](const std::string& m) { failBadInput(node.describe() + ": " + m); };
  if (x.size() < 3) fail("data must have rank >= 3 (N, C, spatial...), got " + shapeToString(x));
  if (w.size() != x.size())
    fail("weights " + shapeToString(w) + " must have the rank of the data " + shapeToString(x));
  const size_t nd = x.size() - 2;
  ConvGeom g;
  g.batch = x[0];
  g.inChannels = x[1];
  g.group = node.attrs.getInt("group", 1);
  if (g.group <= 0) fail("group must be positive, got " + std::to_string(g.group));
  if (g.inChannels % g.group != 0)
    fail("input channels " + std::to_string(g.inChannels) + " not divisible by group " + std::to_string(g.group));
  if (w[0] != g.inChannels)
    fail("weights " + shapeToString(w) + " must have " + std::to_string(g.inChannels) + " rows (input channels)");
  if (w[1] <= 0) fail("weights " + shapeToString(w) + " have no output channels");
  g.outChannels = w[1] * g.group;
  g.inSpatial.assign(x.begin() + 2, x.end());
  g.kernel.assign(w.begin() + 2, w.end());
  for (int64_t k : g.kernel)
    if (k <= 0) fail("weights " + shapeToString(w) + " have an empty kernel");
  if (node.attrs.has("kernel_shape") && node.attrs.getInts("kernel_shape") != g.kernel)
    fail("kernel_shape " + listToString(node.attrs.getInts("kernel_shape")) + " does not match weights " +
         shapeToString(w));
  g.strides = spatialAttr(node, "strides", nd, 1, 1);
  g.dilations = spatialAttr(node, "dilations", nd, 1, 1);
  const std::vector<int64_t> outPad = spatialAttr(node, "output_padding", nd, 0, 0);
  const std::string autoPad = node.attrs.getString("auto_pad", "NOTSET");
  if (autoPad != "NOTSET" && autoPad != "" && autoPad != "VALID" && autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER")
    fail("unknown auto_pad '" + autoPad + "'");
  // Size of the full (unpadded) transposed result along each dimension.
  std::vector<int64_t> full(nd);
  for (size_t i = 0; i < nd; ++i)
    full[i] = g.strides[i] * (g.inSpatial[i] - 1) + outPad[i] + (g.kernel[i] - 1) * g.dilations[i] + 1;
  g.padBegin.assign(nd, 0);
  g.padEnd.assign(nd, 0);
  g.outSpatial.assign(nd, 0);
  std::vector<int64_t> outShape;
  if (node.attrs.has("output_shape")) {
    outShape = node.attrs.getInts("output_shape");
    if (outShape.size() == nd + 2) outShape.erase(outShape.begin(), outShape.begin() + 2);
    if (outShape.size() != nd)
      fail("output_shape " + listToString(node.attrs.getInts("output_shape")) + " must have " + std::to_string(nd) +
           " values");
  } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    for (size_t i = 0; i < nd; ++i) outShape.push_back(g.inSpatial[i] * g.strides[i]);
  }
  if (!outShape.empty()) {
    for (size_t i = 0; i < nd; ++i) {
      const int64_t total = full[i] - outShape[i];
      const int64_t half = floorDiv(total, 2);
      if (autoPad == "SAME_UPPER") {
        g.padBegin[i] = half;
        g.padEnd[i] = total - half;
      } else {
        g.padBegin[i] = total - half;
        g.padEnd[i] = half;
      }
      g.outSpatial[i] = outShape[i];
    }
  } else {
    std::vector<int64_t> pads(2 * nd, 0);
    if (autoPad != "VALID") pads = node.attrs.getInts("pads", pads);
    if (pads.size() != 2 * nd)
      fail("pads has " + std::to_string(pads.size()) + " values, expected " + std::to_string(2 * nd));
    for (int64_t p : pads)
      if (p < 0) fail("pads must be non-negative, got " + listToString(pads));
    for (size_t i = 0; i < nd; ++i) {
      g.padBegin[i] = pads[i];
      g.padEnd[i] = pads[i + nd];
      g.outSpatial[i] = full[i] - pads[i] - pads[i + nd];
    }
  }
  for (int64_t o : g.outSpatial)
    if (o <= 0) fail("result would be empty (output spatial shape " + listToString(g.outSpatial) + ")");
  return g;
}

template <typename T>
void convForward(const ConvGeom& g, const T* x, const T* w, const T* bias, T* y) {
  const int64_t C = g.inChannels, M = g.outChannels;
  const int64_t Cg = C / g.group, Mg = M / g.group;
  const int64_t inSize = g.inSize(), outSize = g.outSize(), K = Cg * g.kernelSize();
  if (g.spatialRank() == 2 && Cg == 1 && g.group > 1) {
    depthwise2d(g, x, w, bias, y);
    return;
  }
  bool pointwise = true;
  for (size_t i = 0; i < g.kernel.size(); ++i)
    if (g.kernel[i] != 1 || g.strides[i] != 1 || g.padBegin[i] != 0 || g.padEnd[i] != 0) pointwise = false;
  std::vector<T> col(pointwise ? 0 : static_cast<size_t>(K * outSize));
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t gi = 0; gi < g.group; ++gi) {
      const T* xg = x + (n * C + gi * Cg) * inSize;
      const T* wg = w + gi * Mg * K;
      T* yg = y + (n * M + gi * Mg) * outSize;
      if (bias)
        for (int64_t m = 0; m < Mg; ++m) std::fill(yg + m * outSize, yg + (m + 1) * outSize, bias[gi * Mg + m]);
      const T* b = xg;
      if (!pointwise) {
        im2col(xg, Cg, g, col.data());
        b = col.data();
      }
      gemmAny<T>(Mg, outSize, K, wg, K, 1, b, outSize, yg, bias != nullptr);
    }
}

template <typename T>
void convTransposeForward(const ConvGeom& g, const T* x, const T* w, const T* bias, T* y) {
  const int64_t C = g.inChannels, M = g.outChannels;
  const int64_t Cg = C / g.group, Mg = M / g.group;
  const int64_t inSize = g.inSize(), outSize = g.outSize(), rows = Mg * g.kernelSize();
  std::vector<T> col(static_cast<size_t>(rows * inSize));
  for (int64_t n = 0; n < g.batch; ++n) {
    for (int64_t m = 0; m < M; ++m) {
      T* ym = y + (n * M + m) * outSize;
      std::fill(ym, ym + outSize, bias ? bias[m] : T(0));
    }
    for (int64_t gi = 0; gi < g.group; ++gi) {
      const T* xg = x + (n * C + gi * Cg) * inSize;
      const T* wg = w + gi * Cg * rows;
      // col[rows x inSize] = wg^T [rows x Cg] * xg [Cg x inSize]
      gemmAny<T>(rows, inSize, Cg, wg, 1, rows, xg, inSize, col.data(), false);
      col2im(col.data(), Mg, g, y + (n * M + gi * Mg) * outSize);
    }
  }
}

template void convForward<float>(const ConvGeom&, const float*, const float*, const float*, float*);
template void convForward<double>(const ConvGeom&, const double*, const double*, const double*, double*);
template void convForward<int32_t>(const ConvGeom&, const int32_t*, const int32_t*, const int32_t*, int32_t*);
template void convForward<int64_t>(const ConvGeom&, const int64_t*, const int64_t*, const int64_t*, int64_t*);
template void convTransposeForward<float>(const ConvGeom&, const float*, const float*, const float*, float*);
template void convTransposeForward<double>(const ConvGeom&, const double*, const double*, const double*, double*);

}  // namespace nest::ops
