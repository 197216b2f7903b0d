// The byte masks of the x86-64 baseline, SSE2: every x86-64 CPU has it, so it needs no check.
// The same interface as avx2.hpp and portable.hpp; dispatch.hpp says how they are chosen.
#pragma once

#include <emmintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "simd/bitmask.hpp"

namespace gpipe::simd {

struct Sse2 {
  // 64 bytes of text, in four 16-byte registers.
  class Bytes64 {
   public:
    // The 64 bytes at `p`.
    static Bytes64 load(const char* p) {
      Bytes64 bytes;
      for (int i = 0; i < 4; ++i) {
        bytes.parts_[i] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
      }
      return bytes;
    }
    // The `n` bytes at `p` (n < 64) followed by zeros: nothing past p + n is read.
    static Bytes64 load_partial(const char* p, std::size_t n) {
      return load(PaddedWindow(p, n).bytes);
    }
    // Bit i is set where byte i is `byte`.
    std::uint64_t eq(char byte) const {
      const __m128i wanted = _mm_set1_epi8(byte);
      std::uint64_t mask = 0;
      for (int i = 0; i < 4; ++i) {
        const auto bits =
            static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(parts_[i], wanted)));
        mask |= std::uint64_t{bits} << (16 * i);
      }
      return mask;
    }

   private:
    __m128i parts_[4];
  };

  // The number of `byte`s in [begin, end). 16 bytes a step: each compare gives 0xFF (-1) per
  // match, subtracted into eight-bit counters that are summed (psadbw) before they can
  // overflow, every 255 steps. Faster than a popcount of each 64-byte mask, for a whole block.
  static std::uint64_t count_equal(const char* begin, const char* end, char byte) {
    constexpr std::size_t kStep = 16;
    constexpr std::size_t kStepsPerSum = 255;
    const __m128i wanted = _mm_set1_epi8(byte);
    const __m128i zero = _mm_setzero_si128();
    std::uint64_t count = 0;
    while (static_cast<std::size_t>(end - begin) >= kStep) {
      __m128i counters = zero;
      const std::size_t steps =
          std::min(kStepsPerSum, static_cast<std::size_t>(end - begin) / kStep);
      for (std::size_t i = 0; i < steps; ++i, begin += kStep) {
        const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(begin));
        counters = _mm_sub_epi8(counters, _mm_cmpeq_epi8(bytes, wanted));
      }
      const __m128i sums = _mm_sad_epu8(counters, zero);
      count += static_cast<std::uint64_t>(_mm_cvtsi128_si64(sums)) +
               static_cast<std::uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums)));
    }
    return count + static_cast<std::uint64_t>(std::count(begin, end, byte));
  }
};

}  // namespace gpipe::simd
