// Matrix multiplication routines shared by the reference kernels of Conv, ConvTranspose, Gemm,
// MatMul and the quantized variants. gemmF32 is a cache-blocked, packed GEMM whose register-tile
// micro-kernel has fixed trip counts, so that GCC vectorises it with plain SSE2 (no -march
// flags); gemmRef is a plain row-accumulating GEMM for the other element types.
#pragma once
#include <cstdint>
#include <type_traits>
#include <vector>

#include "core/graph.h"

namespace nest::ops {

// A strided read-only matrix: element (r, c) is p[r * rowStride + c * colStride].
// A transposed matrix is the same storage with the two strides swapped.
struct MatView {
  const float* p;
  int64_t rowStride;
  int64_t colStride;
};

// C[m x n] (row-major, leading dimension ldc) = A[m x k] * B[k x n], plus the previous contents of
// C when `accumulate` is true.
void gemmF32(int64_t m, int64_t n, int64_t k, MatView a, MatView b, float* c, int64_t ldc, bool accumulate);

// C[m x n] (+)= A[m x k] * B[k x n] for any arithmetic T accumulated in Acc, with strided
// operands and a row-major C; the inner loop runs along a row of B and C (vectorisable when
// bColStride == 1).
template <typename T, typename Acc = T>
void gemmRef(int64_t m, int64_t n, int64_t k, const T* a, int64_t aRowStride, int64_t aColStride, const T* b,
             int64_t bRowStride, int64_t bColStride, Acc* c, int64_t ldc, bool accumulate) {
  for (int64_t i = 0; i < m; ++i) {
    Acc* crow = c + i * ldc;
    if (!accumulate)
      for (int64_t j = 0; j < n; ++j) crow[j] = Acc(0);
    for (int64_t p = 0; p < k; ++p) {
      const Acc av = static_cast<Acc>(a[i * aRowStride + p * aColStride]);
      const T* brow = b + p * bRowStride;
      if (bColStride == 1) {
        for (int64_t j = 0; j < n; ++j) crow[j] += av * static_cast<Acc>(brow[j]);
      } else {
        for (int64_t j = 0; j < n; ++j) crow[j] += av * static_cast<Acc>(brow[j * bColStride]);
      }
    }
  }
}

// Numpy matmul of a [..., m, k] by b [..., k, n] (a 1-D operand gets a unit dimension prepended
// for a, appended for b, removed again from the result); batch dimensions broadcast.
struct MatMulGeom {
  int64_t m = 0, n = 0, k = 0;
  Shape aShape2, bShape2;  // operands as matrices (rank >= 2)
  Shape batch;             // broadcast batch shape
  Shape out;               // result shape
  int64_t batchCount() const;
};
// Checks the operand shapes; throws BadInput naming the node.
MatMulGeom matmulGeometry(const Node& node, const Shape& a, const Shape& b);
// For each batch entry, the index of the a matrix and of the b matrix it multiplies.
void matmulBatchIndices(const MatMulGeom& g, std::vector<int64_t>& aIndex, std::vector<int64_t>& bIndex);

// y = matmul(a, b) for contiguous row-major operands; float uses gemmF32.
template <typename T, typename Acc = T>
void matmulForward(const MatMulGeom& g, const T* a, const T* b, Acc* y) {
  std::vector<int64_t> ai, bi;
  matmulBatchIndices(g, ai, bi);
  const int64_t batches = static_cast<int64_t>(ai.size());
  // Batched a times one shared b: one tall matrix product.
  bool fold = batches > 1;
  for (int64_t i = 0; i < batches && fold; ++i) fold = ai[i] == i && bi[i] == 0;
  const int64_t mm = fold ? g.m * batches : g.m;
  const int64_t runs = fold ? 1 : batches;
  for (int64_t i = 0; i < runs; ++i) {
    const T* ap = a + ai[i] * g.m * g.k;
    const T* bp = b + bi[i] * g.k * g.n;
    Acc* yp = y + i * g.m * g.n;
    if constexpr (std::is_same_v<T, float> && std::is_same_v<Acc, float>)
      gemmF32(mm, g.n, g.k, {ap, g.k, 1}, {bp, g.n, 1}, yp, g.n, false);
    else
      gemmRef<T, Acc>(mm, g.n, g.k, ap, g.k, 1, bp, g.n, 1, yp, g.n, false);
  }
}

}  // namespace nest::ops
