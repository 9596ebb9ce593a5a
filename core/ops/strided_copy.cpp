#include "core/ops/strided_copy.h"

#include <algorithm>

#include "core/ops/op_helpers.h"

namespace nest::ops {

void copyStrided(ElemType elem, const void* src, int64_t srcOffset, const Shape& shape,
                 const std::vector<int64_t>& strides, void* dst) {
  Shape s;
  std::vector<int64_t> st;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0) return;
    if (shape[i] == 1) continue;
    if (!s.empty() && st.back() == strides[i] * shape[i]) {
      s.back() *= shape[i];
      st.back() = strides[i];
      continue;
    }
    s.push_back(shape[i]);
    st.push_back(strides[i]);
  }
  if (s.empty()) {
    s.push_back(1);
    st.push_back(1);
  }
  dispatchStorageType(elem, [&](auto tag) {
    using T = decltype(tag);
    const T* in = static_cast<const T*>(src) + srcOffset;
    T* out = static_cast<T*>(dst);
    const int64_t rank = static_cast<int64_t>(s.size());
    const int64_t n = s.back(), step = st.back();
    const int64_t rows = numElements(s) / n;
    // A transpose: the last axis is strided but another axis k is contiguous in the source.
    // Copy tiles of (k, last) so that the cache lines read are reused within the tile.
    int64_t k = -1;
    if (step != 1 && step != 0)
      for (int64_t d = rank - 2; d >= 0; --d)
        if (st[d] == 1) {
          k = d;
          break;
        }
    if (k >= 0) {
      constexpr int64_t B = 32;
      const std::vector<int64_t> outStrides = stridesOf(s);
      const int64_t m = s[k], om = outStrides[k];
      std::vector<int64_t> dims;  // the other axes
      for (int64_t d = 0; d < rank - 1; ++d)
        if (d != k) dims.push_back(d);
      std::vector<int64_t> idx(dims.size(), 0);
      int64_t srcOff = 0, dstOff = 0;
      const int64_t blocks = rows / m;
      for (int64_t b = 0; b < blocks; ++b) {
        const T* p = in + srcOff;
        T* q = out + dstOff;
        for (int64_t i0 = 0; i0 < m; i0 += B)
          for (int64_t j0 = 0; j0 < n; j0 += B) {
            const int64_t i1 = std::min(i0 + B, m), j1 = std::min(j0 + B, n);
            for (int64_t i = i0; i < i1; ++i)
              for (int64_t j = j0; j < j1; ++j) q[i * om + j] = p[i + j * step];
          }
        for (int64_t e = static_cast<int64_t>(dims.size()) - 1; e >= 0; --e) {
          const int64_t d = dims[e];
          srcOff += st[d];
          dstOff += outStrides[d];
          if (++idx[e] < s[d]) break;
          srcOff -= st[d] * s[d];
          dstOff -= outStrides[d] * s[d];
          idx[e] = 0;
        }
      }
      return;
    }
    std::vector<int64_t> idx(s.size(), 0);
    int64_t off = 0;
    for (int64_t r = 0; r < rows; ++r) {
      const T* p = in + off;
      if (step == 1) {
        std::copy_n(p, n, out);
      } else if (step == 0) {
        std::fill_n(out, n, *p);
      } else {
        for (int64_t j = 0; j < n; ++j) out[j] = p[j * step];
      }
      out += n;
      for (int64_t d = rank - 2; d >= 0; --d) {
        off += st[d];
        if (++idx[d] < s[d]) break;
        off -= st[d] * s[d];
        idx[d] = 0;
      }
    }
  });
}

}  // namespace nest::ops
