// The byte masks without vector instructions, for CPUs other than x86-64 (and to check the
// others against in tests): eight bytes at a time in a 64-bit word. The same interface as
// sse2.hpp and avx2.hpp.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "simd/bitmask.hpp"

namespace gpipe::simd {

struct Portable {
  // 64 bytes of text, in eight words.
  class Bytes64 {
   public:
    // The 64 bytes at `p`.
    static Bytes64 load(const char* p) {
      Bytes64 bytes;
      std::memcpy(bytes.words_, p, sizeof bytes.words_);
      if constexpr (std::endian::native == std::endian::big) {
        for (std::uint64_t& word : bytes.words_) word = __builtin_bswap64(word);
      }
      return bytes;
    }
    // The `n` bytes at `p` (n < 64) followed by zeros: nothing past p + n is read.
    static Bytes64 load_partial(const char* p, std::size_t n) {
      return load(PaddedWindow(p, n).bytes);
    }
    // Bit i is set where byte i is `byte`.
    std::uint64_t eq(char byte) const {
      std::uint64_t mask = 0;
      for (int i = 0; i < 8; ++i) mask |= equal_bytes_of(words_[i], byte) << (8 * i);
      return mask;
    }

   private:
    // Eight bits, bit i set where byte i of `word` is `byte`. XOR leaves the equal bytes zero;
    // adding 0x7F to the low seven bits of a byte carries into its high bit unless they are
    // all zero, so the high bit ends clear exactly in the zero bytes (no carry crosses bytes).
    // The multiply gathers the eight high bits into the top byte.
    static std::uint64_t equal_bytes_of(std::uint64_t word, char byte) {
      constexpr std::uint64_t kOnes = 0x0101010101010101;
      constexpr std::uint64_t kLow7 = 0x7F7F7F7F7F7F7F7F;
      const std::uint64_t x = word ^ (kOnes * static_cast<unsigned char>(byte));
      const std::uint64_t zero_high = ~(((x & kLow7) + kLow7) | x | kLow7);
      return ((zero_high >> 7) * 0x0102040810204080) >> 56;
    }

    std::uint64_t words_[8];
  };

  // The number of `byte`s in [begin, end). Not std::count: its 64-bit counter keeps the
  // compiler from using byte-wide vector compares, which an 8-bit counter per run of 255 bytes
  // (the most it can count) allows.
  static std::uint64_t count_equal(const char* begin, const char* end, char byte) {
    constexpr std::size_t kRun = 255;
    std::uint64_t count = 0;
    while (begin < end) {
      const char* const run_end = begin + std::min(kRun, static_cast<std::size_t>(end - begin));
      std::uint8_t in_run = 0;
      for (; begin < run_end; ++begin) {
        in_run = static_cast<std::uint8_t>(in_run + (*begin == byte ? 1 : 0));
      }
      count += in_run;
    }
    return count;
  }
};

}  // namespace gpipe::simd
