#include "core/ops/gemm_kernel.h"

#include <algorithm>
#include <vector>

#include "core/error.h"
#include "core/ops/op_helpers.h"

namespace nest::ops {

namespace {

// Register tile (MR x NR accumulators) and cache blocks (KC deep, MC rows of A, NC columns of B).
constexpr int64_t kMR = 6;
constexpr int64_t kNR = 8;
constexpr int64_t kKC = 256;
constexpr int64_t kMC = 72;
constexpr int64_t kNC = 1024;

// Packs rows [0, mc) x depth [0, kc) of `a` into MR-row panels: panel p holds kc steps of MR values.
void packA(MatView a, int64_t mc, int64_t kc, float* dst) {
  for (int64_t i0 = 0; i0 < mc; i0 += kMR) {
    const int64_t mr = std::min(kMR, mc - i0);
    for (int64_t k = 0; k < kc; ++k) {
      const float* src = a.p + i0 * a.rowStride + k * a.colStride;
      int64_t i = 0;
      for (; i < mr; ++i) dst[i] = src[i * a.rowStride];
      for (; i < kMR; ++i) dst[i] = 0.0f;
      dst += kMR;
    }
  }
}

// Packs depth [0, kc) x columns [0, nc) of `b` into NR-column panels.
void packB(MatView b, int64_t kc, int64_t nc, float* dst) {
  for (int64_t j0 = 0; j0 < nc; j0 += kNR) {
    const int64_t nr = std::min(kNR, nc - j0);
    if (nr == kNR && b.colStride == 1) {
      for (int64_t k = 0; k < kc; ++k) {
        const float* src = b.p + k * b.rowStride + j0;
        for (int64_t j = 0; j < kNR; ++j) dst[j] = src[j];
        dst += kNR;
      }
      continue;
    }
    for (int64_t k = 0; k < kc; ++k) {
      const float* src = b.p + k * b.rowStride + j0 * b.colStride;
      int64_t j = 0;
      for (; j < nr; ++j) dst[j] = src[j * b.colStride];
      for (; j < kNR; ++j) dst[j] = 0.0f;
      dst += kNR;
    }
  }
}

// acc = sum over kc steps of (MR column of a) x (NR row of b). One accumulator row per row of the
// tile and fixed trip counts: GCC keeps the accumulators in vector registers (also at -O2).
static_assert(kMR == 6, "microKernel is written for six rows");
inline void microKernel(int64_t kc, const float* __restrict a, const float* __restrict b,
                        float (&acc)[kMR][kNR]) {
  float c0[kNR] = {}, c1[kNR] = {}, c2[kNR] = {}, c3[kNR] = {}, c4[kNR] = {}, c5[kNR] = {};
  for (int64_t k = 0; k < kc; ++k) {
    const float a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3], a4 = a[4], a5 = a[5];
    for (int64_t j = 0; j < kNR; ++j) {
      const float bj = b[j];
      c0[j] += a0 * bj;
      c1[j] += a1 * bj;
      c2[j] += a2 * bj;
      c3[j] += a3 * bj;
      c4[j] += a4 * bj;
      c5[j] += a5 * bj;
    }
    a += kMR;
    b += kNR;
  }
  for (int64_t j = 0; j < kNR; ++j) {
    acc[0][j] = c0[j];
    acc[1][j] = c1[j];
    acc[2][j] = c2[j];
    acc[3][j] = c3[j];
    acc[4][j] = c4[j];
    acc[5][j] = c5[j];
  }
}

void storeTile(const float (&acc)[kMR][kNR], float* c, int64_t ldc, int64_t mr, int64_t nr, bool accumulate) {
  if (mr == kMR && nr == kNR) {
    if (accumulate) {
      for (int64_t i = 0; i < kMR; ++i)
        for (int64_t j = 0; j < kNR; ++j) c[i * ldc + j] += acc[i][j];
    } else {
      for (int64_t i = 0; i < kMR; ++i)
        for (int64_t j = 0; j < kNR; ++j) c[i * ldc + j] = acc[i][j];
    }
    return;
  }
  for (int64_t i = 0; i < mr; ++i)
    for (int64_t j = 0; j < nr; ++j) c[i * ldc + j] = (accumulate ? c[i * ldc + j] : 0.0f) + acc[i][j];
}

}  // namespace

void gemmF32(int64_t m, int64_t n, int64_t k, MatView a, MatView b, float* c, int64_t ldc, bool accumulate) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate)
      for (int64_t i = 0; i < m; ++i) std::fill(c + i * ldc, c + i * ldc + n, 0.0f);
    return;
  }
  thread_local std::vector<float> bufA, bufB;
  const int64_t kcMax = std::min(kKC, k);
  const int64_t ncMax = std::min(kNC, (n + kNR - 1) / kNR * kNR);
  const int64_t mcMax = std::min(kMC, (m + kMR - 1) / kMR * kMR);
  bufA.resize(static_cast<size_t>(mcMax * kcMax));
  bufB.resize(static_cast<size_t>(ncMax * kcMax));
  float acc[kMR][kNR];

  for (int64_t jc = 0; jc < n; jc += kNC) {
    const int64_t nc = std::min(kNC, n - jc);
    for (int64_t pc = 0; pc < k; pc += kKC) {
      const int64_t kc = std::min(kKC, k - pc);
      const bool acc0 = accumulate || pc > 0;
      packB({b.p + pc * b.rowStride + jc * b.colStride, b.rowStride, b.colStride}, kc, nc, bufB.data());
      for (int64_t ic = 0; ic < m; ic += kMC) {
        const int64_t mc = std::min(kMC, m - ic);
        packA({a.p + ic * a.rowStride + pc * a.colStride, a.rowStride, a.colStride}, mc, kc, bufA.data());
        for (int64_t jr = 0; jr < nc; jr += kNR) {
          const int64_t nr = std::min(kNR, nc - jr);
          const float* bp = bufB.data() + jr * kc;
          for (int64_t ir = 0; ir < mc; ir += kMR) {
            const int64_t mr = std::min(kMR, mc - ir);
            microKernel(kc, bufA.data() + ir * kc, bp, acc);
            storeTile(acc, c + (ic + ir) * ldc + jc + jr, ldc, mr, nr, acc0);
          }
        }
      }
    }
  }
}

int64_t MatMulGeom::batchCount() const { return numElements(batch); }

MatMulGeom matmulGeometry(const Node& node, const Shape& a, const Shape& b) {
  if (a.empty() || b.empty())
    failBadInput(node.describe() + ": operands must have rank >= 1, got " + shapeToString(a) + " and " +
                 shapeToString(b));
  MatMulGeom g;
  g.aShape2 = a.size() == 1 ? Shape{1, a[0]} : a;
  g.bShape2 = b.size() == 1 ? Shape{b[0], 1} : b;
  const size_t ra = g.aShape2.size(), rb = g.bShape2.size();
  g.m = g.aShape2[ra - 2];
  g.k = g.aShape2[ra - 1];
  g.n = g.bShape2[rb - 1];
  if (g.bShape2[rb - 2] != g.k)
    failBadInput(node.describe() + ": cannot multiply " + shapeToString(a) + " by " + shapeToString(b) +
                 " (inner dimensions differ)");
  Shape batchA(g.aShape2.begin(), g.aShape2.end() - 2), batchB(g.bShape2.begin(), g.bShape2.end() - 2);
  g.batch = broadcastShapes({batchA, batchB}, node);
  g.out = g.batch;
  if (a.size() > 1) g.out.push_back(g.m);
  if (b.size() > 1) g.out.push_back(g.n);
  return g;
}

void matmulBatchIndices(const MatMulGeom& g, std::vector<int64_t>& aIndex, std::vector<int64_t>& bIndex) {
  Shape batchA(g.aShape2.begin(), g.aShape2.end() - 2), batchB(g.bShape2.begin(), g.bShape2.end() - 2);
  aIndex.clear();
  bIndex.clear();
  forEachBroadcast(g.batch, {batchA, batchB}, [&](int64_t, const std::vector<int64_t>& off) {
    aIndex.push_back(off[0]);
    bIndex.push_back(off[1]);
  });
}

}  // namespace nest::ops
