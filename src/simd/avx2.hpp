// The byte masks with AVX2: 32 bytes a compare, so half the loads and compares of SSE2. Not
// every x86-64 CPU has it: dispatch.hpp runs this code only where cpu_features.hpp found it,
// inside a function compiled for AVX2 (every member here is, and is inlined into it).
// The same interface as sse2.hpp and portable.hpp.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "simd/bitmask.hpp"
#include "simd/sse2.hpp"

namespace gpipe::simd {

struct Avx2 {
  // 64 bytes of text, in two 32-byte registers.
  class Bytes64 {
   public:
    // The 64 bytes at `p`.
    [[gnu::target("avx2")]] static Bytes64 load(const char* p) {
      Bytes64 bytes;
      bytes.low_ = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
      bytes.high_ = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
      return bytes;
    }
    // The `n` bytes at `p` (n < 64) followed by zeros: nothing past p + n is read.
    [[gnu::target("avx2")]] static Bytes64 load_partial(const char* p, std::size_t n) {
      return load(PaddedWindow(p, n).bytes);
    }
    // Bit i is set where byte i is `byte`.
    [[gnu::target("avx2")]] std::uint64_t eq(char byte) const {
      const __m256i wanted = _mm256_set1_epi8(byte);
      const auto low =
          static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(low_, wanted)));
      const auto high =
          static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(high_, wanted)));
      return std::uint64_t{low} | std::uint64_t{high} << 32;
    }

   private:
    __m256i low_;
    __m256i high_;
  };

  // The number of `byte`s in [begin, end): as Sse2::count_equal, 32 bytes a step, and what is
  // left under a step by Sse2's.
  [[gnu::target("avx2")]] static std::uint64_t count_equal(const char* begin, const char* end,
                                                           char byte) {
    constexpr std::size_t kStep = 32;
    constexpr std::size_t kStepsPerSum = 255;
    const __m256i wanted = _mm256_set1_epi8(byte);
    const __m256i zero = _mm256_setzero_si256();
    std::uint64_t count = 0;
    while (static_cast<std::size_t>(end - begin) >= kStep) {
      __m256i counters = zero;
      const std::size_t steps =
          std::min(kStepsPerSum, static_cast<std::size_t>(end - begin) / kStep);
      for (std::size_t i = 0; i < steps; ++i, begin += kStep) {
        const __m256i bytes = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(begin));
        counters = _mm256_sub_epi8(counters, _mm256_cmpeq_epi8(bytes, wanted));
      }
      const __m256i sums = _mm256_sad_epu8(counters, zero);
      count += static_cast<std::uint64_t>(_mm256_extract_epi64(sums, 0)) +
               static_cast<std::uint64_t>(_mm256_extract_epi64(sums, 1)) +
               static_cast<std::uint64_t>(_mm256_extract_epi64(sums, 2)) +
               static_cast<std::uint64_t>(_mm256_extract_epi64(sums, 3));
    }
    return count + Sse2::count_equal(begin, end, byte);
  }
};

}  // namespace gpipe::simd
