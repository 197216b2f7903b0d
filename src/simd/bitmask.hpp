// Bit tricks on the 64-bit masks of byte positions (bit i: byte i of a 64-byte window) that
// every ISA's Bytes64::eq makes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace gpipe::simd {

// The bits of the first `n` positions of a window (n in 0..64): a last window of fewer than 64
// bytes is loaded padded with zeros, whose bits this clears.
constexpr std::uint64_t first_bits(std::size_t n) {
  return n >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
}

// Bit i: the XOR of bits 0..i. Over the bits of quotes: the bytes from an opening quote up to
// its closing quote (the opening one included), the quoted regions, as simdjson and simdcsv
// find strings.
constexpr std::uint64_t prefix_xor(std::uint64_t bits) {
  bits ^= bits << 1;
  bits ^= bits << 2;
  bits ^= bits << 4;
  bits ^= bits << 8;
  bits ^= bits << 16;
  bits ^= bits << 32;
  return bits;
}

// The position of the lowest set bit (`bits` is not 0).
inline unsigned lowest_bit(std::uint64_t bits) {
  return static_cast<unsigned>(__builtin_ctzll(bits));
}

// The position of the highest set bit (`bits` is not 0).
inline unsigned highest_bit(std::uint64_t bits) {
  return static_cast<unsigned>(63 - __builtin_clzll(bits));
}

}  // namespace gpipe::simd
