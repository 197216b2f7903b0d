#include "newline_count.hpp"

#include <algorithm>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace gpipe {

std::uint64_t count_newlines(const char* begin, const char* end) {
  std::uint64_t count = 0;
#ifdef __SSE2__
  // 16 bytes per step: each compare gives 0xFF (-1) per newline, subtracted into eight-bit
  // counters that are summed (psadbw) before they can overflow, every 255 steps.
  constexpr std::size_t kStep = 16;
  constexpr std::size_t kStepsPerSum = 255;
  const __m128i newline = _mm_set1_epi8('\n');
  const __m128i zero = _mm_setzero_si128();
  while (static_cast<std::size_t>(end - begin) >= kStep) {
    __m128i counters = zero;
    const std::size_t steps = std::min(kStepsPerSum, static_cast<std::size_t>(end - begin) / kStep);
    for (std::size_t i = 0; i < steps; ++i, begin += kStep) {
      const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(begin));
      counters = _mm_sub_epi8(counters, _mm_cmpeq_epi8(bytes, newline));
    }
    const __m128i sums = _mm_sad_epu8(counters, zero);
    count += static_cast<std::uint64_t>(_mm_cvtsi128_si64(sums)) +
             static_cast<std::uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums)));
  }
#endif
  return count + static_cast<std::uint64_t>(std::count(begin, end, '\n'));
}

}  // namespace gpipe
