// QuantileSketch against sorted values: exact answers up to kExactLimit values, relative error
// within kRelativeAccuracy beyond, and the same state whatever the split and merge order.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <iostream>
#include <limits>

#include "sketch_test_data.hpp"
#include "stages/aggregates/sketches/quantile_sketch.hpp"

namespace gpipe::sketches {
namespace {

using test::json_of;

struct Data {
  std::string name;
  std::vector<double> values;
};

std::vector<Data> data_sets(std::size_t n, std::uint64_t seed) {
  std::vector<Data> sets;  // moved in: an initializer list would copy the values
  sets.push_back({"uniform", test::uniform_values(n, seed)});
  sets.push_back({"pareto", test::pareto_values(n, seed + 1)});
  sets.push_back({"discrete", test::discrete_values(n, seed + 2)});
  sets.push_back({"signed", test::signed_values(n, seed + 3)});
  return sets;
}

QuantileSketch sketch_of(std::span<const double> values) {
  QuantileSketch sketch;
  for (const double value : values) sketch.add(value);
  return sketch;
}

// The q asked: every permille (q = k / 1000, as the stage computes it from `quantile F 99.9`-like
// arguments) and a few extreme ones. The exact rank comes from integer arithmetic, so it does not
// share the sketch's rounding of q * (n - 1).
struct Ask {
  double q;
  std::uint64_t numerator;
  std::uint64_t denominator;
};

std::vector<Ask> asks() {
  std::vector<Ask> out;
  for (std::uint64_t k = 0; k <= 1000; ++k) out.push_back({static_cast<double>(k) / 1000, k, 1000});
  out.push_back({9999 / 10000.0, 9999, 10000});
  out.push_back({99999 / 100000.0, 99999, 100000});
  return out;
}

double exact_quantile(const std::vector<double>& sorted, const Ask& ask) {
  const std::uint64_t rank = ask.numerator * (sorted.size() - 1) / ask.denominator;
  return sorted[rank];
}

std::vector<double> sorted_copy(std::span<const double> values) {
  std::vector<double> sorted(values.begin(), values.end());
  std::sort(sorted.begin(), sorted.end());
  return sorted;
}

// The largest relative error of the sketch's answers over asks(), failing on any above the bound.
double check_within_bound(const QuantileSketch& sketch, const std::vector<double>& sorted,
                          const std::string& what) {
  // Rounding in log and exp may move a value at a bucket boundary by an ulp or so.
  const double bound = QuantileSketch::kRelativeAccuracy * (1 + 1e-9);
  double worst = 0;
  for (const Ask& ask : asks()) {
    const double truth = exact_quantile(sorted, ask);
    const std::optional<double> answer = sketch.quantile(ask.q);
    EXPECT_TRUE(answer.has_value()) << what << " q=" << ask.q;
    if (!answer) continue;
    const double error =
        truth == 0 ? std::abs(*answer) : std::abs(*answer - truth) / std::abs(truth);
    EXPECT_LE(error, bound) << what << " q=" << ask.q << " true " << truth << " got " << *answer;
    worst = std::max(worst, error);
  }
  EXPECT_EQ(sketch.quantile(0), sorted.front()) << what;
  EXPECT_EQ(sketch.quantile(1), sorted.back()) << what;
  return worst;
}

TEST(QuantileSketchTest, EmptyHasNoQuantiles) {
  const QuantileSketch sketch;
  EXPECT_EQ(sketch.count(), 0u);
  EXPECT_TRUE(sketch.is_exact());
  EXPECT_FALSE(sketch.quantile(0.5).has_value());
  EXPECT_FALSE(sketch.quantile(0).has_value());
  QuantileSketch merged;
  merged.merge(sketch);
  EXPECT_EQ(merged.count(), 0u);
  EXPECT_EQ(json_of(merged), json_of(sketch));
}

TEST(QuantileSketchTest, OneValueIsEveryQuantile) {
  QuantileSketch sketch;
  sketch.add(-3.25);
  for (const double q : {0.0, 0.01, 0.5, 0.999, 1.0}) EXPECT_EQ(sketch.quantile(q), -3.25);
  EXPECT_FALSE(sketch.quantile(1.5).has_value());
  EXPECT_FALSE(sketch.quantile(-0.1).has_value());
  EXPECT_FALSE(sketch.quantile(std::nan("")).has_value());
}

TEST(QuantileSketchTest, ExactUpToTheLimitOnEveryDistribution) {
  for (const std::size_t n : {2u, 3u, 10u, 101u, 1000u, 9999u, 10000u}) {
    for (const Data& data : data_sets(n, n)) {
      const QuantileSketch sketch = sketch_of(data.values);
      ASSERT_TRUE(sketch.is_exact()) << data.name << " n=" << n;
      EXPECT_EQ(sketch.count(), n);
      const std::vector<double> sorted = sorted_copy(data.values);
      const std::vector<Ask> all = asks();
      std::vector<double> qs;
      for (const Ask& ask : all) qs.push_back(ask.q);
      const std::vector<std::optional<double>> answers = sketch.quantiles(qs);
      for (std::size_t i = 0; i < qs.size(); ++i) {
        EXPECT_EQ(answers[i], exact_quantile(sorted, all[i]))
            << data.name << " n=" << n << " q=" << qs[i];
      }
      EXPECT_EQ(sketch.quantile(0.37), exact_quantile(sorted, {0.37, 37, 100}));
    }
  }
}

TEST(QuantileSketchTest, RankOfAWholeProductDespiteBinaryRounding) {
  ASSERT_EQ(std::floor(0.29 * 100), 28);  // the rounding the definition has to see through
  std::vector<double> values;
  for (int i = 100; i >= 0; --i) values.push_back(i);
  const QuantileSketch sketch = sketch_of(values);
  EXPECT_EQ(sketch.quantile(0.29), 29);
  EXPECT_EQ(sketch.quantile(0.57), 57);
  EXPECT_EQ(sketch.quantile(0.295), 29);  // floor, not round
  const std::vector<std::optional<double>> several =
      sketch.quantiles(std::vector<double>{0.5, 0.29, 2, 1});
  EXPECT_EQ(several, (std::vector<std::optional<double>>{50, 29, std::nullopt, 100}));
}

TEST(QuantileSketchTest, SketchWithinRelativeAccuracyOnEveryDistribution) {
  for (const std::size_t n : {10001u, 100000u, 1000000u}) {
    for (const Data& data : data_sets(n, 7 * n)) {
      const QuantileSketch sketch = sketch_of(data.values);
      ASSERT_FALSE(sketch.is_exact()) << data.name;
      ASSERT_FALSE(sketch.collapsed()) << data.name;
      EXPECT_EQ(sketch.count(), n);
      const std::string what = data.name + " n=" + std::to_string(n);
      const double worst = check_within_bound(sketch, sorted_copy(data.values), what);
      std::cout << "[ measured ] quantile " << what << ": largest relative error " << worst << ", "
                << sketch.memory_bytes() << " bytes\n";
    }
  }
}

TEST(QuantileSketchTest, AroundTheExactLimit) {
  const std::vector<double> values = test::pareto_values(QuantileSketch::kExactLimit + 2, 3);
  QuantileSketch sketch;
  for (std::size_t i = 0; i < values.size(); ++i) {
    sketch.add(values[i]);
    EXPECT_EQ(sketch.is_exact(), i + 1 <= QuantileSketch::kExactLimit) << i;
  }
  check_within_bound(sketch, sorted_copy(values), "limit + 2");
  // Two exact halves whose union is over the limit merge into a sketch; under it, they stay exact.
  const std::span<const double> all(values);
  QuantileSketch low = sketch_of(all.first(5001));
  low.merge(sketch_of(all.subspan(5001, 5000)));
  EXPECT_FALSE(low.is_exact());
  EXPECT_EQ(json_of(low), json_of(sketch_of(all.first(10001))));
  QuantileSketch under = sketch_of(all.first(5000));
  under.merge(sketch_of(all.subspan(5000, 5000)));
  EXPECT_TRUE(under.is_exact());
  EXPECT_EQ(under.quantile(0.5), sorted_copy(all.first(10000))[4999]);
}

// Bucket counts add exactly, so every split and merge order gives the state of one pass (and so
// the same answers); exact parts whose union passes the limit included.
TEST(QuantileSketchTest, EverySplitAndOrderGivesTheStateOfOnePass) {
  for (const std::size_t n : {10000u, 20000u, 1000000u}) {
    for (const Data& data : data_sets(n, 11 * n)) {
      const QuantileSketch whole = sketch_of(data.values);
      const std::string expected = json_of(whole);
      const std::vector<double> sorted = sorted_copy(data.values);
      for (const test::Split& split : test::splits()) {
        std::vector<QuantileSketch> parts;
        for (const auto part : test::split_parts(data.values, split))
          parts.push_back(sketch_of(part));
        for (const test::MergeOrder order : test::kMergeOrders) {
          const std::string what =
              data.name + " n=" + std::to_string(n) + " " + split.name + " " + test::name_of(order);
          const QuantileSketch merged = test::merge_in_order(parts, order);
          EXPECT_EQ(merged.count(), n) << what;
          EXPECT_EQ(merged.is_exact(), n <= QuantileSketch::kExactLimit) << what;
          EXPECT_EQ(json_of(merged), expected) << what;
          if (n == 1000000u && split.name == "uneven 1/9/90")
            check_within_bound(merged, sorted, what);
        }
      }
    }
  }
}

TEST(QuantileSketchTest, SelfMergeDoublesEveryCount) {
  QuantileSketch sketch = sketch_of(test::uniform_values(6000, 5));
  QuantileSketch doubled = sketch;
  doubled.merge(doubled);
  QuantileSketch expected = sketch;
  expected.merge(QuantileSketch(sketch));
  EXPECT_EQ(doubled.count(), 12000u);
  EXPECT_EQ(json_of(doubled), json_of(expected));
}

// Magnitudes over 600 orders of magnitude: more than the 2048 buckets span, so the lowest fold;
// memory stays bounded, the high quantiles keep the bound, and merging stays order-free.
TEST(QuantileSketchTest, BucketsCollapseAtTheLowEndOnly) {
  test::Random random(17);
  std::vector<double> values(100000);
  for (double& value : values) value = std::pow(10.0, -300 + 600 * random.unit());
  const QuantileSketch sketch = sketch_of(values);
  EXPECT_TRUE(sketch.collapsed());
  EXPECT_LE(sketch.memory_bytes(), sizeof(QuantileSketch) + 2 * 2048 * sizeof(std::uint64_t));
  const std::vector<double> sorted = sorted_copy(values);
  for (const double q : {0.99, 0.995, 0.999, 0.9999}) {
    const double truth =
        sorted[static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1))];
    EXPECT_LE(std::abs(*sketch.quantile(q) - truth), 0.01 * (1 + 1e-9) * truth) << q;
  }
  // A folded value is answered with a larger one, never a smaller, and within [min, max].
  const double median = *sketch.quantile(0.5);
  EXPECT_GE(median, sorted[sorted.size() / 2 - 1]);
  EXPECT_LE(median, sorted.back());
  for (const test::Split& split : test::splits()) {
    std::vector<QuantileSketch> parts;
    for (const auto part : test::split_parts(values, split)) parts.push_back(sketch_of(part));
    for (const test::MergeOrder order : test::kMergeOrders) {
      EXPECT_EQ(json_of(test::merge_in_order(parts, order)), json_of(sketch)) << split.name;
    }
  }
  // 17 orders of magnitude still fit.
  std::vector<double> narrower(20000);
  for (double& value : narrower) value = std::pow(10.0, -8 + 17 * random.unit());
  const QuantileSketch fits = sketch_of(narrower);
  EXPECT_FALSE(fits.collapsed());
  check_within_bound(fits, sorted_copy(narrower), "17 orders of magnitude");
}

TEST(QuantileSketchTest, ExtremeDoublesAndSpecialValues) {
  std::vector<double> values = test::signed_values(20000, 23);
  values.insert(values.end(), {DBL_MAX, -DBL_MAX, DBL_MIN, -DBL_MIN,
                               std::numeric_limits<double>::denorm_min(), 1e308, -1e-310});
  QuantileSketch sketch = sketch_of(values);
  const std::uint64_t count = sketch.count();
  sketch.add(std::numeric_limits<double>::infinity());
  sketch.add(-std::numeric_limits<double>::infinity());
  EXPECT_EQ(sketch.count(), count);  // infinities are not counted
  EXPECT_EQ(sketch.quantile(0), -DBL_MAX);
  EXPECT_EQ(sketch.quantile(1), DBL_MAX);
  for (const Ask& ask : asks()) EXPECT_TRUE(std::isfinite(*sketch.quantile(ask.q))) << ask.q;
}

TEST(QuantileSketchTest, NegativeZeroIsZero) {
  QuantileSketch negative;
  negative.add(-0.0);
  negative.add(1);
  QuantileSketch positive;
  positive.add(0.0);
  positive.add(1);
  EXPECT_FALSE(std::signbit(*negative.quantile(0)));
  EXPECT_EQ(json_of(negative), json_of(positive));
}

TEST(QuantileSketchTest, MemoryPerGroupIsBounded) {
  for (const Data& data : data_sets(1000000, 99)) {
    const QuantileSketch sketch = sketch_of(data.values);
    EXPECT_LE(sketch.memory_bytes(), 2 * 2048 * sizeof(std::uint64_t) + sizeof(QuantileSketch))
        << data.name;
  }
  const QuantileSketch exact = sketch_of(test::uniform_values(QuantileSketch::kExactLimit, 1));
  EXPECT_LE(exact.memory_bytes(),
            QuantileSketch::kExactLimit * sizeof(double) + sizeof(QuantileSketch));
  std::cout << "[ measured ] quantile exact state of " << QuantileSketch::kExactLimit
            << " values: " << exact.memory_bytes() << " bytes\n";
}

}  // namespace
}  // namespace gpipe::sketches
