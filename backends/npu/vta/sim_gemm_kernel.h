// The simulator's GEMM inner kernel (internal): one micro-op iteration,
// acc[b][o] += sum_i inp[b][i] * wgt[o][i], on int16 copies of the int8 inputs and weights.
// The per-entry sum cannot overflow (|sum| <= BLOCK_IN * 2^14); adding it to the accumulator wraps
// as the hardware does. With SSE2 (every x86-64) the dot products use pmaddwd, four outputs at a
// time (about 8x the auto-vectorized loop); elsewhere plain loops.
#pragma once
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace nest::vta::kernel {

inline int32_t wrappingAdd(int32_t a, int32_t b) { return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b)); }

inline void gemmEntryScalar(int32_t* acc, const int16_t* inp, const int16_t* wgt, int batch, int blockIn, int blockOut) {
  for (int b = 0; b < batch; ++b) {
    const int16_t* in = inp + b * blockIn;
    int32_t* out = acc + b * blockOut;
    for (int o = 0; o < blockOut; ++o) {
      const int16_t* w = wgt + o * blockIn;
      int32_t sum = 0;
      for (int i = 0; i < blockIn; ++i) sum += int32_t{in[i]} * int32_t{w[i]};
      out[o] = wrappingAdd(out[o], sum);
    }
  }
}

#if defined(__SSE2__)
inline __m128i load128(const int16_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }

// kBlockIn a multiple of 8 (one pmaddwd per 8 inputs); blockOut a multiple of 4.
template <int kBlockIn>
inline void gemmEntrySse2(int32_t* acc, const int16_t* inp, const int16_t* wgt, int batch, int blockOut) {
  constexpr int kChunks = kBlockIn / 8;
  for (int b = 0; b < batch; ++b) {
    __m128i in[kChunks];
    for (int c = 0; c < kChunks; ++c) in[c] = load128(inp + b * kBlockIn + 8 * c);
    int32_t* out = acc + b * blockOut;
    for (int o = 0; o < blockOut; o += 4) {
      __m128i part[4];  // four int32 partial sums of each of outputs o..o+3
      for (int k = 0; k < 4; ++k) {
        const int16_t* row = wgt + (o + k) * kBlockIn;
        part[k] = _mm_madd_epi16(in[0], load128(row));
        for (int c = 1; c < kChunks; ++c) part[k] = _mm_add_epi32(part[k], _mm_madd_epi16(in[c], load128(row + 8 * c)));
      }
      // Transpose-and-add: lane k of `sum` is the total of part[k].
      const __m128i s01 = _mm_add_epi32(_mm_unpacklo_epi32(part[0], part[1]), _mm_unpackhi_epi32(part[0], part[1]));
      const __m128i s23 = _mm_add_epi32(_mm_unpacklo_epi32(part[2], part[3]), _mm_unpackhi_epi32(part[2], part[3]));
      const __m128i sum = _mm_add_epi32(_mm_unpacklo_epi64(s01, s23), _mm_unpackhi_epi64(s01, s23));
      __m128i* dst = reinterpret_cast<__m128i*>(out + o);
      _mm_storeu_si128(dst, _mm_add_epi32(_mm_loadu_si128(dst), sum));  // paddd wraps
    }
  }
}
#endif

// The kernel for BLOCK_IN = kBlockIn (0: any, given at run time).
template <int kBlockIn>
inline void gemmEntry(int32_t* acc, const int16_t* inp, const int16_t* wgt, int batch, int blockIn, int blockOut) {
#if defined(__SSE2__)
  if constexpr (kBlockIn > 0 && kBlockIn % 8 == 0) {
    if (blockOut % 4 == 0) {
      gemmEntrySse2<kBlockIn>(acc, inp, wgt, batch, blockOut);
      return;
    }
  }
#endif
  gemmEntryScalar(acc, inp, wgt, batch, kBlockIn > 0 ? kBlockIn : blockIn, blockOut);
}

}  // namespace nest::vta::kernel
