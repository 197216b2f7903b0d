// The byte masks and counts of every ISA (simd/dispatch.hpp) against a byte-by-byte reference:
// random text holding every byte value, windows at every offset, whole (64 bytes) and partial
// (the last bytes of a text whose length is not a multiple of 64), compared to every byte value.
// The AVX2 cases run only on a CPU that has it; the baseline ones run everywhere.
#include "simd/dispatch.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace gpipe::simd {
namespace {

// Random bytes of every value, with runs of one byte (as text has runs of spaces) between.
std::string random_text(std::size_t size, std::uint32_t seed) {
  std::mt19937 random(seed);
  std::string text;
  while (text.size() < size) {
    const auto byte = static_cast<char>(random() % 256);
    const std::size_t run = random() % 8 == 0 ? random() % 70 : 1;
    text.append(std::min(run, size - text.size()), byte);
  }
  return text;
}

// Bit i: byte i of the window p[0, n) padded with zeros to 64 bytes is `byte`.
std::uint64_t reference_mask(const char* p, std::size_t n, char byte) {
  std::uint64_t mask = 0;
  for (std::size_t i = 0; i < 64; ++i) {
    const char c = i < n ? p[i] : '\0';
    if (c == byte) mask |= std::uint64_t{1} << i;
  }
  return mask;
}

// Every window of `text` (each start, as long as 64 bytes or what is left) compared to every
// byte value, by Isa's Bytes64: load for whole windows, load_partial for the others.
template <class Isa>
std::vector<std::uint64_t> masks_of_every_window(const std::string& text) {
  return run_as<Isa>([&]<class I>(std::type_identity<I>) {
    using Bytes = typename I::Bytes64;
    std::vector<std::uint64_t> masks;
    for (std::size_t start = 0; start < text.size(); ++start) {
      const std::size_t n = std::min<std::size_t>(64, text.size() - start);
      const Bytes bytes =
          n == 64 ? Bytes::load(text.data() + start) : Bytes::load_partial(text.data() + start, n);
      for (int byte = 0; byte < 256; ++byte) masks.push_back(bytes.eq(static_cast<char>(byte)));
    }
    return masks;
  });
}

std::vector<std::uint64_t> reference_masks_of_every_window(const std::string& text) {
  std::vector<std::uint64_t> masks;
  for (std::size_t start = 0; start < text.size(); ++start) {
    const std::size_t n = std::min<std::size_t>(64, text.size() - start);
    for (int byte = 0; byte < 256; ++byte) {
      masks.push_back(reference_mask(text.data() + start, n, static_cast<char>(byte)));
    }
  }
  return masks;
}

// Lengths around the 64-byte window, each text its own allocation of exactly that size, so
// that a load past its end is one a sanitizer build reports.
template <class Isa>
void expect_masks_as_reference() {
  for (const std::size_t size : {1, 2, 17, 63, 64, 65, 127, 128, 129, 300}) {
    const std::string text = random_text(size, static_cast<std::uint32_t>(size));
    const std::vector<std::uint64_t> masks = masks_of_every_window<Isa>(text);
    const std::vector<std::uint64_t> expected = reference_masks_of_every_window(text);
    ASSERT_EQ(masks.size(), expected.size());
    for (std::size_t i = 0; i < masks.size(); ++i) {
      ASSERT_EQ(masks[i], expected[i])
          << "text of " << size << " bytes, window at " << i / 256 << ", byte " << i % 256;
    }
  }
}

template <class Isa>
std::uint64_t count_by(const char* begin, const char* end, char byte) {
  return run_as<Isa>(
      [&]<class I>(std::type_identity<I>) { return I::count_equal(begin, end, byte); });
}

// Every start and length around the 16- and 32-byte steps, and runs of one byte long enough
// for the eight-bit counters to be summed before they overflow.
template <class Isa>
void expect_counts_as_std_count() {
  const std::string text = random_text(1000, 7);
  for (const char byte : {'\n', '\0', '\xff', 'a'}) {
    for (std::size_t begin = 0; begin < 40; ++begin) {
      for (std::size_t end = begin; end <= text.size(); end += end < begin + 100 ? 1 : 97) {
        const auto expected = static_cast<std::uint64_t>(
            std::count(text.begin() + static_cast<std::ptrdiff_t>(begin),
                       text.begin() + static_cast<std::ptrdiff_t>(end), byte));
        ASSERT_EQ(count_by<Isa>(text.data() + begin, text.data() + end, byte), expected)
            << "byte " << static_cast<int>(byte) << " in " << begin << ".." << end;
      }
    }
  }
  const std::string same(100003, '\n');
  EXPECT_EQ(count_by<Isa>(same.data(), same.data() + same.size(), '\n'), same.size());
  EXPECT_EQ(count_by<Isa>(same.data(), same.data() + same.size(), 'x'), 0u);
}

TEST(SimdDispatchTest, PortableMasksAreTheReference) {
  expect_masks_as_reference<Portable>();
}

TEST(SimdDispatchTest, PortableCountsAsStdCount) {
  expect_counts_as_std_count<Portable>();
}

#ifdef __x86_64__
TEST(SimdDispatchTest, Sse2MasksAreTheReference) {
  expect_masks_as_reference<Sse2>();
}

TEST(SimdDispatchTest, Sse2CountsAsStdCount) {
  expect_counts_as_std_count<Sse2>();
}

TEST(SimdDispatchTest, Avx2MasksAreTheReference) {
  if (!kHaveAvx2) GTEST_SKIP() << "this CPU has no AVX2 (or the build is GPIPE_BASELINE_SIMD)";
  expect_masks_as_reference<Avx2>();
}

TEST(SimdDispatchTest, Avx2CountsAsStdCount) {
  if (!kHaveAvx2) GTEST_SKIP() << "this CPU has no AVX2 (or the build is GPIPE_BASELINE_SIMD)";
  expect_counts_as_std_count<Avx2>();
}
#endif

TEST(SimdDispatchTest, RunsTheWidestIsaTheCpuHas) {
  const std::string ran = dispatch([]<class Isa>(std::type_identity<Isa>) -> std::string {
    if (std::is_same_v<Isa, Baseline>) return "baseline";
#ifdef __x86_64__
    if (std::is_same_v<Isa, Avx2>) return "avx2";
#endif
    return "other";
  });
  EXPECT_EQ(ran, kHaveAvx2 ? "avx2" : "baseline");
}

}  // namespace
}  // namespace gpipe::simd
