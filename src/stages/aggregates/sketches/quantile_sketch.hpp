// The state of `quantile` for one group: every value while the group holds up to kExactLimit of
// them (exact answers), then a DDSketch (Masson, Rim and Lee, "DDSketch: a fast and fully-mergeable
// quantile sketch with relative-error guarantees", VLDB 2019) with relative accuracy
// kRelativeAccuracy.
//
// The sketch maps a value x > 0 to bucket ceil(log_gamma(x)), gamma = (1 + a) / (1 - a), and
// answers with the bucket's representative 2 gamma^i / (gamma + 1), which is within a relative
// error a of every value in the bucket. Negative values count in a store of their own (by |x|),
// zeros apart. Merging adds bucket counts, so it is exact, associative and commutative: the
// state after any split and any merge order is the same as after one pass (the exact values are
// written sorted for the same reason). Each sign's store is capped at BucketStore::kMaxBuckets
// buckets, a ratio of gamma^2048 (about 6e17) between the largest and the smallest magnitude
// of that sign; values smaller than that in magnitude are counted with the smallest bucket kept,
// and only they lose the bound (collapsed() says so).
//
// Memory: 8 bytes a value in exact mode (kExactLimit values at most); in sketch mode 8 bytes for
// each bucket between a sign's smallest and largest (plus growing room), so at most two stores
// of kMaxBuckets counts, whatever the number of values.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "stages/aggregates/sketches/bucket_store.hpp"

namespace gpipe::sketches {

class QuantileSketch {
 public:
  static constexpr std::size_t kExactLimit = 10000;
  static constexpr double kRelativeAccuracy = 0.01;
  static constexpr std::uint64_t kStateVersion = 1;

  // A finite value; the caller drops NaN. Infinities are ignored (not counted): no bucket holds
  // them. -0 counts as 0.
  void add(double value) {
    if (!is_finite(value)) return;
    if (value == 0) value = 0;
    ++count_;
    if (value < min_) min_ = value;
    if (value > max_) max_ = value;
    if (!sketching_ && exact_.size() < kExactLimit) {
      keep_exact(value);
      return;
    }
    if (!sketching_) start_sketching();
    add_to_buckets(value);
  }
  void merge(const QuantileSketch& other);

  std::uint64_t count() const { return count_; }
  bool is_exact() const { return !sketching_; }
  // True when some value's bucket was folded into a higher one (see above): its quantiles may
  // then be further than kRelativeAccuracy from the true ones.
  bool collapsed() const { return positive_.collapsed() || negative_.collapsed(); }

  // q in [0,1]; nullopt when empty or q is not in [0,1]. The value of 0-based rank
  // floor(q * (count - 1)) in sorted order, as DuckDB's quantile_disc (a q * (count - 1) within a
  // few units in the last place of a whole number counts as that number, so that q = 0.29 of 101
  // values is rank 29 although 0.29 * 100 is 28.999999999999996 in binary). Exact in exact mode;
  // in sketch mode within relative error kRelativeAccuracy of that value (unless collapsed()), and
  // exactly the smallest value for rank 0 and the largest for the last rank.
  std::optional<double> quantile(double q) const;
  // The same for several q, sorting the exact values once.
  std::vector<std::optional<double>> quantiles(std::span<const double> qs) const;

  // {"sketch":"quantile","version":1,"exact":[sorted values]} or {"sketch":"quantile",
  // "version":1,"relative_accuracy":0.01,"count":N,"min":X,"max":Y,"zero":Z,"positive":STORE,
  // "negative":STORE} (STORE: BucketStore::write_json).
  void write_json(std::string& out) const;
  // Throws std::invalid_argument, saying what is wrong, on a malformed or other-version state.
  static QuantileSketch read_json(std::string_view json);

  std::size_t memory_bytes() const;

 private:
  static bool is_finite(double value) { return value - value == 0; }
  void keep_exact(double value);
  void start_sketching();
  void add_to_buckets(double value);
  std::optional<double> sketch_value_at(std::uint64_t rank) const;
  std::uint64_t rank_of(double q) const;

  std::uint64_t count_ = 0;
  double min_ = std::numeric_limits<double>::infinity();
  double max_ = -std::numeric_limits<double>::infinity();
  bool sketching_ = false;
  std::vector<double> exact_;  // every value, in the order added, until sketching_
  BucketStore positive_;       // by bucket of the value
  BucketStore negative_;       // by bucket of its magnitude
  std::uint64_t zero_count_ = 0;
};

}  // namespace gpipe::sketches
