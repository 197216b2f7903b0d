// Windows of 64 bytes, and bit tricks on the 64-bit masks of their positions (bit i: byte i of
// the window) that every ISA's Bytes64::eq makes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace gpipe::simd {

// The last window of a text, fewer than 64 bytes, copied out and padded with zeros, so that a
// 64-byte load reads nothing past the text's end (Bytes64::load_partial).
struct PaddedWindow {
  char bytes[64] = {};
  PaddedWindow(const char* p, std::size_t n) { std::memcpy(bytes, p, n); }
};

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
