// The counts of DDSketch buckets of one sign, by bucket index, in one vector that spans the
// lowest to the highest index counted (a "dense store"), grown as needed.
//
// Its length is capped at kMaxBuckets: when the indices counted span more than that, the lowest
// ones are folded into the lowest bucket kept, max_index() - kMaxBuckets + 1 (the values of
// smallest magnitude lose their error bound first; collapsed() says whether it happened). The
// fold depends only on the highest index ever counted, so the counts are a function of the
// multiset of indices added, whatever their order or split: merge is exact and order-free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "stages/aggregates/sketches/state_json.hpp"

namespace gpipe::sketches {

class BucketStore {
 public:
  static constexpr std::int32_t kMaxBuckets = 2048;
  // No bucket index of a finite double at any accuracy the sketches use lies beyond this; a state
  // read back that claims one is malformed.
  static constexpr std::int32_t kIndexLimit = 1 << 20;

  void add(std::int32_t index) {
    if (total_ != 0 && index >= min_index_ && index <= max_index_) {
      ++counts_[static_cast<std::size_t>(index - offset_)];
      ++total_;
      return;
    }
    add(index, 1);
  }
  void add(std::int32_t index, std::uint64_t count);
  void merge(const BucketStore& other);

  std::uint64_t total() const { return total_; }
  bool empty() const { return total_ == 0; }
  bool collapsed() const { return collapsed_; }
  // The lowest and highest index with a count (meaningless when empty).
  std::int32_t min_index() const { return min_index_; }
  std::int32_t max_index() const { return max_index_; }
  std::uint64_t count_at(std::int32_t index) const;
  // The index of the bucket that holds the value of 0-based `rank` in ascending index order;
  // rank < total().
  std::int32_t index_of_rank(std::uint64_t rank) const;
  std::size_t memory_bytes() const { return counts_.capacity() * sizeof(std::uint64_t); }

  // {"offset":MIN_INDEX,"counts":[...],"collapsed":BOOL}, the counts from min_index() to
  // max_index().
  void write_json(std::string& out) const;
  static BucketStore read_json(simdjson::dom::element element, const state_json::Reader& reader,
                               std::string_view what);

 private:
  void fold_below(std::int32_t floor);
  void cover(std::int32_t low, std::int32_t high);

  std::vector<std::uint64_t> counts_;  // counts_[i] is the count of bucket offset_ + i
  std::int32_t offset_ = 0;
  std::int32_t min_index_ = 0;
  std::int32_t max_index_ = 0;
  std::uint64_t total_ = 0;
  bool collapsed_ = false;
};

}  // namespace gpipe::sketches
