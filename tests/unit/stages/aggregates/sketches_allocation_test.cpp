// add() is on the hot path, once per record: once a state is warm, adding a value it has seen
// (or, for the sketches, any value in the range it covers) must not allocate. Counted by
// replacing the global operator new in a test binary of their own, gpipe_allocation_tests (not
// under AddressSanitizer or valgrind, which bring their own).
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>
#include <string_view>

#include "sketch_test_data.hpp"
#include "stages/aggregates/sketches/distinct_sketch.hpp"
#include "stages/aggregates/sketches/frequent_values.hpp"
#include "stages/aggregates/sketches/quantile_sketch.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define GPIPE_COUNT_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GPIPE_COUNT_ALLOCATIONS 0
#endif
#endif
#ifndef GPIPE_COUNT_ALLOCATIONS
#define GPIPE_COUNT_ALLOCATIONS 1
#endif

namespace {
std::size_t allocations = 0;
}  // namespace

#if GPIPE_COUNT_ALLOCATIONS
void* operator new(std::size_t size) {
  ++allocations;
  if (void* memory = std::malloc(size == 0 ? 1 : size)) return memory;
  throw std::bad_alloc();
}
void operator delete(void* memory) noexcept {
  std::free(memory);
}
void operator delete(void* memory, std::size_t) noexcept {
  std::free(memory);
}
#endif

namespace gpipe::sketches {
namespace {

// The allocations that `run` makes.
template <class Run>
std::size_t allocations_of(Run run) {
  const std::size_t before = allocations;
  run();
  return allocations - before;
}

class SketchAllocationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!GPIPE_COUNT_ALLOCATIONS) GTEST_SKIP() << "allocations are not counted under ASan";
    const char* preload = std::getenv("LD_PRELOAD");
    if (preload != nullptr &&
        std::string_view(preload).find("vgpreload") != std::string_view::npos) {
      GTEST_SKIP() << "allocations are not counted under valgrind";
    }
    // Check that counting works at all, so that the zeros below mean something.
    ASSERT_GT(allocations_of([] {
                int* escaping = new int(1);
                asm volatile("" : : "g"(escaping) : "memory");  // not optimised away
                delete escaping;
              }),
              0u);
  }
};

TEST_F(SketchAllocationTest, FrequentValuesAddOfACountedKey) {
  std::vector<std::string> keys;
  for (const std::uint64_t rank : test::zipf_ranks(200000, 1, 100000, 1.1)) {
    keys.push_back("value-" + std::to_string(rank));
  }
  FrequentValues values(FrequentValues::capacity_for_top(10));
  for (const std::string& key : keys) values.add(key);
  const std::vector<FrequentValues::Entry> counted = values.top(values.capacity());
  EXPECT_EQ(allocations_of([&] {
              for (int round = 0; round < 20; ++round) {
                for (const FrequentValues::Entry& entry : counted) values.add(entry.key);
              }
            }),
            0u);
  // Full, a new key takes over a counter; a short one fits the string it replaces.
  EXPECT_EQ(allocations_of([&] {
              for (const std::string& key : keys) values.add(key);
            }),
            0u);
}

TEST_F(SketchAllocationTest, DistinctSketchAdd) {
  DistinctSketch sparse;
  for (std::uint64_t i = 1; i <= 1000; ++i) sparse.add(i * 0x9e3779b97f4a7c15);
  EXPECT_EQ(allocations_of([&] {
              for (std::uint64_t i = 1; i <= 1000; ++i) sparse.add(i * 0x9e3779b97f4a7c15);
            }),
            0u);
  DistinctSketch dense;
  for (std::uint64_t i = 1; i <= 5000; ++i) dense.add(i * 0x9e3779b97f4a7c15);
  ASSERT_FALSE(dense.is_exact());
  EXPECT_EQ(allocations_of([&] {
              for (std::uint64_t i = 1; i <= 100000; ++i) dense.add(i * 0xc2b2ae3d27d4eb4f);
            }),
            0u);
}

TEST_F(SketchAllocationTest, QuantileSketchAddWithinTheRangeSeen) {
  QuantileSketch sketch;
  for (const double value : test::signed_values(20000, 1)) sketch.add(value);
  const std::vector<double> more = test::signed_values(100000, 2);
  EXPECT_EQ(allocations_of([&] {
              for (const double value : more) sketch.add(value * 0.99);
            }),
            0u);
}

}  // namespace
}  // namespace gpipe::sketches
