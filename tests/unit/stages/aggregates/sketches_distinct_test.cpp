// DistinctSketch against exact distinct counts: exact up to kSparseLimit, within three standard
// errors beyond (0 to a million), unbiased in the small and mid ranges where HyperLogLog's raw
// estimate is not, and the same state whatever the split and merge order.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <unordered_set>

#include "sketch_test_data.hpp"
#include "stages/aggregates/sketches/distinct_sketch.hpp"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace gpipe::sketches {
namespace {

using test::json_of;

// The hash the stage gives a value: XXH3 of its bytes. `stream` keeps the values of different
// runs apart.
std::uint64_t hash_of(std::uint64_t value, std::uint64_t stream = 0) {
  const std::uint64_t bytes[2] = {value, stream};
  return XXH3_64bits(bytes, sizeof bytes);
}

double relative_error(std::uint64_t estimate, std::uint64_t truth) {
  return std::abs(static_cast<double>(estimate) - static_cast<double>(truth)) /
         static_cast<double>(truth);
}

constexpr double kThreeSigma = 3 * DistinctSketch::kStandardError;

TEST(DistinctSketchTest, ExactUpToTheSparseLimit) {
  DistinctSketch sketch;
  EXPECT_EQ(sketch.estimate(), 0u);
  for (std::uint64_t i = 0; i < DistinctSketch::kSparseLimit; ++i) {
    sketch.add(hash_of(i));
    sketch.add(hash_of(i / 2));  // a repeat
    ASSERT_EQ(sketch.estimate(), i + 1);
    ASSERT_TRUE(sketch.is_exact());
  }
  EXPECT_LE(sketch.memory_bytes(), DistinctSketch::kRegisterCount + sizeof(DistinctSketch));
  sketch.add(hash_of(DistinctSketch::kSparseLimit));
  EXPECT_FALSE(sketch.is_exact());
  EXPECT_GT(sketch.estimate(), DistinctSketch::kSparseLimit);
  EXPECT_LE(relative_error(sketch.estimate(), DistinctSketch::kSparseLimit + 1), kThreeSigma);
}

TEST(DistinctSketchTest, TheHashZeroCountsOnce) {
  DistinctSketch sketch;
  sketch.add(0);
  sketch.add(0);
  sketch.add(1);
  EXPECT_EQ(sketch.estimate(), 2u);
  EXPECT_EQ(json_of(DistinctSketch::read_json(json_of(sketch))), json_of(sketch));
}

// Cardinalities from 0 to a million, about 10% apart, on three independent streams.
TEST(DistinctSketchTest, WithinThreeStandardErrorsFromZeroToAMillion) {
  double worst = 0;
  double sum_of_squares = 0;
  std::size_t checks = 0;
  for (std::uint64_t stream = 1; stream <= 3; ++stream) {
    DistinctSketch sketch;
    std::uint64_t next_check = 1;
    for (std::uint64_t n = 1; n <= 1000000; ++n) {
      sketch.add(hash_of(n, stream));
      if (n != next_check && n != 1000000) continue;
      next_check = std::max(next_check + 1, next_check * 11 / 10);
      if (n <= DistinctSketch::kSparseLimit) {
        ASSERT_EQ(sketch.estimate(), n);
        continue;
      }
      const double error = relative_error(sketch.estimate(), n);
      EXPECT_LE(error, kThreeSigma)
          << "n=" << n << " stream " << stream << " estimate " << sketch.estimate();
      worst = std::max(worst, error);
      sum_of_squares += error * error;
      ++checks;
    }
    EXPECT_LE(sketch.memory_bytes(), DistinctSketch::kRegisterCount + sizeof(DistinctSketch) + 64);
  }
  std::cout << "[ measured ] distinct over " << checks << " checks from 1537 to 1e6: largest "
            << "relative error " << worst << ", root mean square "
            << std::sqrt(sum_of_squares / static_cast<double>(checks)) << "\n";
}

// Where HyperLogLog's raw estimate is biased (below about 5 m) and where the original switches
// from linear counting (about 2.5 m), the mean over 40 streams is within 3 standard errors of
// the mean (0.81% / sqrt(40)) of the truth, and the spread is the stated standard error.
TEST(DistinctSketchTest, UnbiasedInTheSmallAndMidRanges) {
  const std::vector<std::uint64_t> checkpoints{2000,  5000,  10000, 20000, 30000,
                                               40000, 50000, 60000, 80000, 160000};
  constexpr int kStreams = 40;
  std::vector<double> sum(checkpoints.size(), 0);
  std::vector<double> sum_of_squares(checkpoints.size(), 0);
  for (int stream = 0; stream < kStreams; ++stream) {
    DistinctSketch sketch;
    std::size_t at = 0;
    for (std::uint64_t n = 1; at < checkpoints.size(); ++n) {
      sketch.add(hash_of(n, 1000 + static_cast<std::uint64_t>(stream)));
      if (n != checkpoints[at]) continue;
      const double error = (static_cast<double>(sketch.estimate()) - static_cast<double>(n)) /
                           static_cast<double>(n);
      sum[at] += error;
      sum_of_squares[at] += error * error;
      ++at;
    }
  }
  for (std::size_t i = 0; i < checkpoints.size(); ++i) {
    const double mean = sum[i] / kStreams;
    const double spread = std::sqrt(sum_of_squares[i] / kStreams);
    std::cout << "[ measured ] distinct n=" << checkpoints[i] << " over " << kStreams
              << " streams: mean relative error " << mean << ", root mean square " << spread
              << "\n";
    EXPECT_LE(std::abs(mean), 3 * DistinctSketch::kStandardError / std::sqrt(kStreams))
        << checkpoints[i];
    EXPECT_LE(spread, 1.4 * DistinctSketch::kStandardError) << checkpoints[i];
  }
}

// Values drawn with repeats, so the parts overlap; also parts that are each exact but whose union
// is not, and a union that stays exact.
TEST(DistinctSketchTest, EverySplitAndOrderGivesTheStateOfOnePass) {
  struct Case {
    std::size_t n;
    std::uint64_t universe;
  };
  for (const Case c : {Case{1000, 600}, Case{5000, 4000}, Case{1000000, 300000}}) {
    test::Random random(c.n);
    std::vector<std::uint64_t> hashes(c.n);
    std::unordered_set<std::uint64_t> distinct;
    for (std::uint64_t& hash : hashes) {
      hash = hash_of(random.below(c.universe));
      distinct.insert(hash);
    }
    DistinctSketch whole;
    for (const std::uint64_t hash : hashes) whole.add(hash);
    const std::string expected = json_of(whole);
    EXPECT_EQ(whole.is_exact(), distinct.size() <= DistinctSketch::kSparseLimit);
    EXPECT_LE(relative_error(whole.estimate(), distinct.size()), kThreeSigma);
    for (const test::Split& split : test::splits()) {
      std::vector<DistinctSketch> parts;
      for (const auto part : test::split_parts(hashes, split)) {
        parts.emplace_back();
        for (const std::uint64_t hash : part) parts.back().add(hash);
      }
      for (const test::MergeOrder order : test::kMergeOrders) {
        const DistinctSketch merged = test::merge_in_order(parts, order);
        EXPECT_EQ(json_of(merged), expected)
            << "n=" << c.n << " " << split.name << " " << test::name_of(order);
        EXPECT_EQ(merged.estimate(), whole.estimate());
      }
    }
  }
}

TEST(DistinctSketchTest, MergeIsIdempotent) {
  DistinctSketch sketch;
  for (std::uint64_t i = 0; i < 50000; ++i) sketch.add(hash_of(i));
  const std::string before = json_of(sketch);
  sketch.merge(sketch);
  const DistinctSketch copy = sketch;
  sketch.merge(copy);
  EXPECT_EQ(json_of(sketch), before);
}

}  // namespace
}  // namespace gpipe::sketches
