// Deterministic test data for the sketches (uniform, heavy-tailed, discrete), the splits the
// done-when of issue 26 names (4-way, 16-way, uneven 1%/9%/90%), and merging the parts' states in
// different orders.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace gpipe::sketches::test {

// std::mt19937_64's sequence is fixed by the standard; the conversions below are ours, so the
// data is the same with any standard library.
class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}
  std::uint64_t bits() { return engine_(); }
  double unit() { return static_cast<double>(engine_() >> 11) * 0x1p-53; }  // [0, 1)
  std::uint64_t below(std::uint64_t n) { return engine_() % n; }

 private:
  std::mt19937_64 engine_;
};

inline std::vector<double> uniform_values(std::size_t n, std::uint64_t seed, double low = 0,
                                          double high = 1000) {
  Random random(seed);
  std::vector<double> values(n);
  for (double& value : values) value = low + (high - low) * random.unit();
  return values;
}

// Pareto with shape `alpha` (1.1: a heavy tail, the mean barely finite) and scale 1.
inline std::vector<double> pareto_values(std::size_t n, std::uint64_t seed, double alpha = 1.1) {
  Random random(seed);
  std::vector<double> values(n);
  for (double& value : values) value = 1 / std::pow(1 - random.unit(), 1 / alpha);
  return values;
}

// Ranks 1..universe drawn with Zipf weights 1/k^s (k = 1 the most frequent).
inline std::vector<std::uint64_t> zipf_ranks(std::size_t n, std::uint64_t seed,
                                             std::uint64_t universe, double s) {
  std::vector<double> cumulative(universe);
  double sum = 0;
  for (std::uint64_t k = 0; k < universe; ++k) {
    sum += 1 / std::pow(static_cast<double>(k + 1), s);
    cumulative[k] = sum;
  }
  Random random(seed);
  std::vector<std::uint64_t> ranks(n);
  for (std::uint64_t& rank : ranks) {
    const double target = random.unit() * sum;
    rank =
        static_cast<std::uint64_t>(std::upper_bound(cumulative.begin(), cumulative.end(), target) -
                                   cumulative.begin()) +
        1;
    rank = std::min(rank, universe);
  }
  return ranks;
}

// 20 distinct values (2.5, 5, ... 50) with Zipf weights: many ties.
inline std::vector<double> discrete_values(std::size_t n, std::uint64_t seed) {
  std::vector<double> values;
  values.reserve(n);
  for (const std::uint64_t rank : zipf_ranks(n, seed, 20, 1.0)) {
    values.push_back(2.5 * static_cast<double>(rank));
  }
  return values;
}

// Both signs and zeros: uniform in [-1000, 1000), one in 20 replaced by 0.
inline std::vector<double> signed_values(std::size_t n, std::uint64_t seed) {
  std::vector<double> values = uniform_values(n, seed, -1000, 1000);
  for (std::size_t i = 0; i < n; i += 20) values[i] = 0;
  return values;
}

struct Split {
  std::string name;
  std::vector<double> fractions;  // of the input, in order
};

inline std::vector<Split> splits() {
  return {{"4-way", std::vector<double>(4, 0.25)},
          {"16-way", std::vector<double>(16, 1.0 / 16)},
          {"uneven 1/9/90", {0.01, 0.09, 0.90}}};
}

// Consecutive pieces of `values` in the split's proportions (the last takes the rest).
template <class T>
std::vector<std::span<const T>> split_parts(const std::vector<T>& values, const Split& split) {
  std::vector<std::span<const T>> parts;
  std::size_t begin = 0;
  for (std::size_t i = 0; i < split.fractions.size(); ++i) {
    const std::size_t end =
        i + 1 == split.fractions.size()
            ? values.size()
            : std::min(values.size(),
                       begin + static_cast<std::size_t>(split.fractions[i] *
                                                        static_cast<double>(values.size())));
    parts.emplace_back(values.data() + begin, end - begin);
    begin = end;
  }
  return parts;
}

enum class MergeOrder { LeftToRight, RightToLeft, Tree };
inline const char* name_of(MergeOrder order) {
  switch (order) {
    case MergeOrder::LeftToRight:
      return "left to right";
    case MergeOrder::RightToLeft:
      return "right to left";
    case MergeOrder::Tree:
      return "pairwise tree";
  }
  return "";
}
constexpr MergeOrder kMergeOrders[] = {MergeOrder::LeftToRight, MergeOrder::RightToLeft,
                                       MergeOrder::Tree};

// The parts' states merged in `order`: ((a b) c) d, a (b (c d)) (merged into the later part),
// or (a b) (c d).
template <class Sketch>
Sketch merge_in_order(std::vector<Sketch> states, MergeOrder order) {
  switch (order) {
    case MergeOrder::LeftToRight:
      for (std::size_t i = 1; i < states.size(); ++i) states[0].merge(states[i]);
      return states[0];
    case MergeOrder::RightToLeft:
      for (std::size_t i = states.size() - 1; i-- > 0;) states.back().merge(states[i]);
      return states.back();
    case MergeOrder::Tree:
      while (states.size() > 1) {
        std::vector<Sketch> next;
        for (std::size_t i = 0; i + 1 < states.size(); i += 2) {
          states[i].merge(states[i + 1]);
          next.push_back(std::move(states[i]));
        }
        if (states.size() % 2 == 1) next.push_back(std::move(states.back()));
        states = std::move(next);
      }
      return states[0];
  }
  return states[0];
}

template <class Sketch>
std::string json_of(const Sketch& sketch) {
  std::string out;
  sketch.write_json(out);
  return out;
}

}  // namespace gpipe::sketches::test
