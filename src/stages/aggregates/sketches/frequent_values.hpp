// The state of `top N F`: SpaceSaving (Metwally, Agrawal and El Abbadi, "Efficient computation of
// frequent and top-k elements in data streams", 2005) with `capacity` counters, merged as in
// Agarwal et al., "Mergeable summaries" (2012).
//
// Each counter holds a value, a count that overestimates the value's true count, and the most
// it can overestimate by (max_error). error_bound() -- the smallest count once every counter is
// in use, else 0 -- is at most total() / capacity(); every count is within error_bound() of the
// truth, and a value without a counter occurs at most error_bound() times, so every value that
// occurs more often than total() / capacity() has one. While fewer than `capacity` distinct
// values have been seen, every count is exact.
//
// add(): a value with a counter adds 1 to it (no allocation); a new value takes a free counter,
// or else the one with the smallest count m, as count m + 1 with max_error m. Counters are found
// by an open-addressing table of XXH3 hashes, and kept in the paper's Stream-Summary: a list of
// buckets of equal count in ascending order, so that every add takes constant time (a heap would
// take log(capacity) steps for each replaced counter, the common case on data of many values).
//
// merge(): each value of either side counts its count there plus its count on the other side,
// or, where it has none, the other side's error_bound(); the `capacity` largest are kept (the
// smaller capacity of the two when they differ). The bounds above still hold for the union of
// the inputs. Merging is commutative and deterministic, but not associative: different merge
// orders can keep different counters (each within the bounds).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gpipe::sketches {

class FrequentValues {
 public:
  static constexpr std::size_t kMaxCapacity = std::size_t{1} << 28;
  static constexpr std::uint64_t kStateVersion = 1;

  // Counters kept: error <= total / capacity. Throws std::invalid_argument unless 1 to
  // kMaxCapacity.
  explicit FrequentValues(std::size_t capacity);
  // max(1024, 32 n), at most kMaxCapacity: the counts of `top n` within 0.1% of the total (less
  // for larger n), and room for the n values many times over, so that the top n of skewed data
  // are found and ordered exactly.
  static std::size_t capacity_for_top(std::size_t n);

  void add(std::string_view key);  // opaque bytes, count 1
  void merge(const FrequentValues& other);

  struct Entry {
    std::string key;
    std::uint64_t count;      // at least the true count
    std::uint64_t max_error;  // count - max_error is at most the true count
    bool operator==(const Entry&) const = default;
  };
  // The n largest counts, ties broken by key bytes ascending (deterministic).
  std::vector<Entry> top(std::size_t n) const;
  std::uint64_t total() const { return total_; }
  std::size_t capacity() const { return capacity_; }
  std::uint64_t error_bound() const;

  // {"sketch":"top","version":1,"capacity":K,"total":N,"counters":[[KEY,COUNT,MAX_ERROR],...]},
  // the counters in top() order; a KEY is a JSON string when it is valid UTF-8, else
  // {"hex":"..."}, so that any bytes read back exactly.
  void write_json(std::string& out) const;
  // Throws std::invalid_argument, saying what is wrong, on a malformed or other-version state.
  static FrequentValues read_json(std::string_view json);

  std::size_t memory_bytes() const;

 private:
  static constexpr std::uint32_t kNone = 0xffffffff;
  struct Counter {
    std::string key;
    std::uint64_t hash;
    std::uint64_t error;
    std::uint32_t bucket;    // its count is the bucket's
    std::uint32_t previous;  // the other counters of the bucket, a doubly linked list
    std::uint32_t next;
  };
  struct Bucket {
    std::uint64_t count;
    std::uint32_t first;     // counter
    std::uint32_t previous;  // buckets in ascending count; unused ones in a list through next
    std::uint32_t next;
  };
  // A counter as merge and read_json build the summary from.
  struct Tally {
    std::string key;
    std::uint64_t hash;
    std::uint64_t count;
    std::uint64_t error;
  };

  std::uint64_t count_of(const Counter& counter) const { return buckets_[counter.bucket].count; }
  std::uint32_t find(std::string_view key, std::uint64_t hash) const;  // kNone when absent
  std::size_t empty_slot_for(std::uint64_t hash) const;
  void erase_slot_of(std::uint32_t counter);
  void grow_slots();
  void increment(std::uint32_t counter);
  void detach(std::uint32_t counter);
  void attach(std::uint32_t counter, std::uint32_t bucket);
  std::uint32_t new_bucket(std::uint64_t count, std::uint32_t after);
  void release_bucket(std::uint32_t bucket);
  void rebuild(std::vector<Tally> tallies);
  std::vector<const Counter*> in_top_order() const;

  std::size_t capacity_;
  std::uint64_t total_ = 0;
  std::vector<Counter> counters_;
  std::vector<Bucket> buckets_;
  std::uint32_t lowest_ = kNone;        // the bucket of the smallest count
  std::uint32_t free_buckets_ = kNone;  // unused entries of buckets_
  std::vector<std::uint32_t> slots_;    // counter index + 1 at its hash's slot; 0: empty
};

}  // namespace gpipe::sketches
