// FrequentValues against exact counts: each count within [true, true + total / capacity], every
// value above total / capacity present, the exact top N on skewed data, after any split.
#include <gtest/gtest.h>

#include <iostream>
#include <unordered_map>

#include "sketch_test_data.hpp"
#include "stages/aggregates/sketches/frequent_values.hpp"

namespace gpipe::sketches {
namespace {

using test::json_of;
using Counts = std::unordered_map<std::string, std::uint64_t>;

struct Data {
  std::string name;
  std::vector<std::string> keys;
  bool skewed;  // the exact top 10 must come out
};

std::vector<std::string> keys_of(const std::vector<std::uint64_t>& ranks, std::string_view prefix) {
  std::vector<std::string> keys;
  keys.reserve(ranks.size());
  for (const std::uint64_t rank : ranks) keys.push_back(std::string(prefix) + std::to_string(rank));
  return keys;
}

std::vector<Data> data_sets(std::size_t n, std::uint64_t seed) {
  test::Random random(seed);
  std::vector<std::uint64_t> uniform(n);
  for (std::uint64_t& rank : uniform) rank = random.below(100000);
  std::vector<std::uint64_t> pareto;
  for (const double value : test::pareto_values(n, seed + 1)) {
    pareto.push_back(static_cast<std::uint64_t>(value));
  }
  // Moved in one by one: an initializer list would copy every key.
  std::vector<Data> sets;
  sets.push_back(
      {"zipf 1.1 over 100k", keys_of(test::zipf_ranks(n, seed + 2, 100000, 1.1), "z"), true});
  sets.push_back({"pareto 1.1 (whole part)", keys_of(pareto, "p"), true});
  sets.push_back(
      {"discrete (20 values)", keys_of(test::zipf_ranks(n, seed + 3, 20, 1.0), "d"), true});
  sets.push_back({"uniform over 100k", keys_of(uniform, "u"), false});
  return sets;
}

Counts exact_counts(std::span<const std::string> keys) {
  Counts counts;
  for (const std::string& key : keys) ++counts[key];
  return counts;
}

// The exact top n: largest counts, ties by key bytes.
std::vector<std::pair<std::string, std::uint64_t>> exact_top(const Counts& counts, std::size_t n) {
  std::vector<std::pair<std::string, std::uint64_t>> all(counts.begin(), counts.end());
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  all.resize(std::min(n, all.size()));
  return all;
}

FrequentValues summary_of(std::span<const std::string> keys, std::size_t capacity) {
  FrequentValues values(capacity);
  for (const std::string& key : keys) values.add(key);
  return values;
}

// The stated bounds, for every counter; returns the largest overestimate seen.
std::uint64_t check_bounds(const FrequentValues& values, const Counts& truth,
                           const std::string& what) {
  std::uint64_t total = 0;
  for (const auto& [key, count] : truth) total += count;
  EXPECT_EQ(values.total(), total) << what;
  const std::uint64_t allowed = total / values.capacity();
  EXPECT_LE(values.error_bound(), allowed) << what;
  const std::vector<FrequentValues::Entry> entries = values.top(values.capacity());
  std::unordered_map<std::string, const FrequentValues::Entry*> reported;
  std::uint64_t worst = 0;
  for (const FrequentValues::Entry& entry : entries) {
    reported[entry.key] = &entry;
    const auto found = truth.find(entry.key);
    const std::uint64_t true_count = found == truth.end() ? 0 : found->second;
    EXPECT_GE(entry.count, true_count) << what << " " << entry.key;
    EXPECT_LE(entry.count, true_count + allowed) << what << " " << entry.key;
    EXPECT_LE(entry.count - entry.max_error, true_count) << what << " " << entry.key;
    EXPECT_LE(entry.max_error, values.error_bound()) << what << " " << entry.key;
    worst = std::max(worst, entry.count - true_count);
  }
  EXPECT_EQ(reported.size(), entries.size()) << what << ": a value reported twice";
  for (const auto& [key, count] : truth) {
    if (count > allowed) {
      EXPECT_TRUE(reported.contains(key)) << what << " misses " << key;
    }
    if (!reported.contains(key)) {
      EXPECT_LE(count, values.error_bound()) << what << " " << key;
    }
  }
  return worst;
}

void check_exact_top(const FrequentValues& values, const Counts& truth, std::size_t n,
                     const std::string& what) {
  const auto expected = exact_top(truth, n);
  const std::vector<FrequentValues::Entry> got = values.top(n);
  ASSERT_EQ(got.size(), expected.size()) << what;
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].key, expected[i].first) << what << " rank " << i;
  }
}

TEST(FrequentValuesTest, CapacityForTop) {
  EXPECT_EQ(FrequentValues::capacity_for_top(1), 1024u);
  EXPECT_EQ(FrequentValues::capacity_for_top(10), 1024u);
  EXPECT_EQ(FrequentValues::capacity_for_top(100), 3200u);
  EXPECT_EQ(FrequentValues::capacity_for_top(std::size_t{1} << 62), FrequentValues::kMaxCapacity);
  EXPECT_THROW(FrequentValues(0), std::invalid_argument);
  EXPECT_THROW(FrequentValues(FrequentValues::kMaxCapacity + 1), std::invalid_argument);
}

TEST(FrequentValuesTest, ExactWhileTheValuesFit) {
  FrequentValues values(8);
  EXPECT_TRUE(values.top(3).empty());
  for (const char* key : {"b", "a", "c", "b", "a", "d", "b", "e", "e"}) values.add(key);
  using Entry = FrequentValues::Entry;
  EXPECT_EQ(values.top(4),
            (std::vector<Entry>{{"b", 3, 0}, {"a", 2, 0}, {"e", 2, 0}, {"c", 1, 0}}));
  EXPECT_EQ(values.top(100).size(), 5u);
  EXPECT_EQ(values.total(), 9u);
  EXPECT_EQ(values.error_bound(), 0u);
}

TEST(FrequentValuesTest, KeysAreBytes) {
  FrequentValues values(4);
  const std::string nul("a\0b", 3);
  const std::string a_only("a");
  for (int i = 0; i < 3; ++i) values.add(nul);
  values.add(a_only);
  values.add("\xff\xfe");
  const auto top = values.top(3);
  EXPECT_EQ(top[0].key, nul);
  EXPECT_EQ(top[1].key, a_only);
  EXPECT_EQ(top[2].key, "\xff\xfe");
}

TEST(FrequentValuesTest, BoundsAndTheExactTopOnEveryDistribution) {
  for (const std::size_t n : {0u, 1u, 100u, 10000u, 1000000u}) {
    for (const Data& data : data_sets(n, n + 5)) {
      const Counts truth = exact_counts(data.keys);
      const FrequentValues values = summary_of(data.keys, FrequentValues::capacity_for_top(10));
      const std::string what = data.name + " n=" + std::to_string(n);
      const std::uint64_t worst = check_bounds(values, truth, what);
      if (data.skewed) check_exact_top(values, truth, 10, what);
      if (n == 1000000u) {
        std::cout << "[ measured ] top " << what << ": " << truth.size()
                  << " distinct, largest overestimate " << worst << " (bound "
                  << n / values.capacity() << "), " << values.memory_bytes() << " bytes\n";
      }
    }
  }
}

TEST(FrequentValuesTest, SmallCapacitiesKeepTheirBounds) {
  for (const std::size_t capacity : {1u, 2u, 7u, 64u}) {
    for (const Data& data : data_sets(20000, capacity)) {
      const std::string what = data.name + " capacity " + std::to_string(capacity);
      check_bounds(summary_of(data.keys, capacity), exact_counts(data.keys), what);
    }
  }
}

TEST(FrequentValuesTest, EverySplitAndOrderKeepsTheBounds) {
  // The capacity of `top 10` on a million values, and a small one where every counter is
  // replaced many times.
  for (const auto& [capacity, n] :
       {std::pair<std::size_t, std::size_t>{1024, 1000000}, {64, 200000}}) {
    for (const Data& data : data_sets(n, 77 + capacity)) {
      const Counts truth = exact_counts(data.keys);
      for (const test::Split& split : test::splits()) {
        std::vector<FrequentValues> parts;
        for (const auto part : test::split_parts(data.keys, split)) {
          parts.push_back(summary_of(part, capacity));
        }
        for (const test::MergeOrder order : test::kMergeOrders) {
          const std::string what = data.name + " capacity " + std::to_string(capacity) + " " +
                                   split.name + " " + test::name_of(order);
          const FrequentValues merged = test::merge_in_order(parts, order);
          const std::uint64_t worst = check_bounds(merged, truth, what);
          if (data.skewed && capacity == 1024u) check_exact_top(merged, truth, 10, what);
          // The same split in the same order gives the same state.
          EXPECT_EQ(json_of(test::merge_in_order(parts, order)), json_of(merged)) << what;
          if (capacity == 1024u && order == test::MergeOrder::LeftToRight) {
            std::cout << "[ measured ] top " << what << ": " << truth.size()
                      << " distinct, largest overestimate " << worst << " (bound " << n / capacity
                      << ")\n";
          }
        }
      }
    }
  }
}

TEST(FrequentValuesTest, MergeIsCommutative) {
  const std::vector<Data> all = data_sets(100000, 3);
  const std::vector<std::string>& keys = all[0].keys;
  const std::span<const std::string> span(keys);
  const FrequentValues a = summary_of(span.first(30000), 256);
  const FrequentValues b = summary_of(span.subspan(30000), 256);
  FrequentValues ab = a;
  ab.merge(b);
  FrequentValues ba = b;
  ba.merge(a);
  EXPECT_EQ(json_of(ab), json_of(ba));
}

TEST(FrequentValuesTest, DifferentCapacitiesMergeAtTheSmaller) {
  const std::vector<Data> all = data_sets(200000, 4);
  const std::vector<std::string>& keys = all[3].keys;  // uniform: every counter is in use
  const std::span<const std::string> span(keys);
  FrequentValues big = summary_of(span.first(100000), 2048);
  big.merge(summary_of(span.subspan(100000), 512));
  EXPECT_EQ(big.capacity(), 512u);
  check_bounds(big, exact_counts(keys), "2048 with 512");
}

TEST(FrequentValuesTest, SelfMergeDoublesEveryCount) {
  FrequentValues values(4);
  for (const char* key : {"a", "b", "a", "c"}) values.add(key);
  values.merge(values);
  EXPECT_EQ(values.top(1), (std::vector<FrequentValues::Entry>{{"a", 4, 0}}));
  EXPECT_EQ(values.total(), 8u);
}

}  // namespace
}  // namespace gpipe::sketches
