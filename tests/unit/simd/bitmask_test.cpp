// The bit helpers over 64-bit position masks, against bit-by-bit definitions.
#include "simd/bitmask.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>

namespace gpipe::simd {
namespace {

TEST(BitmaskTest, FirstBitsKeepsExactlyTheFirstN) {
  for (std::size_t n = 0; n <= 64; ++n) {
    const std::uint64_t bits = first_bits(n);
    for (std::size_t i = 0; i < 64; ++i)
      EXPECT_EQ((bits >> i) & 1, i < n ? 1u : 0u) << n << " " << i;
  }
}

TEST(BitmaskTest, PrefixXorIsTheRunningParity) {
  std::mt19937_64 random(5);
  for (int round = 0; round < 1000; ++round) {
    const std::uint64_t bits = random() & random();  // sparser, as quotes are
    const std::uint64_t xored = prefix_xor(bits);
    std::uint64_t parity = 0;
    for (unsigned i = 0; i < 64; ++i) {
      parity ^= (bits >> i) & 1;
      ASSERT_EQ((xored >> i) & 1, parity) << std::hex << bits << " bit " << std::dec << i;
    }
  }
}

TEST(BitmaskTest, LowestAndHighestBit) {
  for (unsigned low = 0; low < 64; ++low) {
    for (unsigned high = low; high < 64; ++high) {
      const std::uint64_t bits = std::uint64_t{1} << low | std::uint64_t{1} << high;
      EXPECT_EQ(lowest_bit(bits), low);
      EXPECT_EQ(highest_bit(bits), high);
    }
  }
}

}  // namespace
}  // namespace gpipe::simd
