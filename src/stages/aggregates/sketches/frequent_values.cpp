#include "stages/aggregates/sketches/frequent_values.hpp"

#include <algorithm>
#include <bit>
#include <stdexcept>

#include "stages/aggregates/sketches/state_json.hpp"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace gpipe::sketches {
namespace {

constexpr std::string_view kSketchName = "top";
constexpr std::size_t kFirstSlots = 16;

std::uint64_t hash_of(std::string_view key) {
  return XXH3_64bits(key.data(), key.size());
}

}  // namespace

FrequentValues::FrequentValues(std::size_t capacity) : capacity_(capacity) {
  if (capacity == 0 || capacity > kMaxCapacity) {
    throw std::invalid_argument("top: the number of counters must be from 1 to " +
                                std::to_string(kMaxCapacity));
  }
}

std::size_t FrequentValues::capacity_for_top(std::size_t n) {
  constexpr std::size_t kLeast = 1024;
  constexpr std::size_t kPerValue = 32;
  if (n > kMaxCapacity / kPerValue) return kMaxCapacity;
  return std::max(kLeast, kPerValue * n);
}

void FrequentValues::add(std::string_view key) {
  ++total_;
  const std::uint64_t hash = hash_of(key);
  if (const std::uint32_t found = find(key, hash); found != kNone) {
    increment(found);
    return;
  }
  if (counters_.size() < capacity_) {
    // The counters grow by doubling up to capacity_, no further; there is always a bucket to
    // spare for increment(), and the slots stay at least twice the counters, for short probes.
    if (counters_.size() == counters_.capacity()) {
      const std::size_t grown = std::min(capacity_, std::max(kFirstSlots, 2 * counters_.size()));
      counters_.reserve(grown);
      buckets_.reserve(grown + 1);
    }
    if ((counters_.size() + 1) * 2 > slots_.size()) grow_slots();
    const auto index = static_cast<std::uint32_t>(counters_.size());
    counters_.push_back(Counter{std::string(key), hash, 0, kNone, kNone, kNone});
    slots_[empty_slot_for(hash)] = index + 1;
    const bool ones_exist = lowest_ != kNone && buckets_[lowest_].count == 1;
    attach(index, ones_exist ? lowest_ : new_bucket(1, kNone));
    return;
  }
  // Replace a value of the smallest count: the first of the lowest bucket.
  const std::uint32_t replaced = buckets_[lowest_].first;
  erase_slot_of(replaced);
  Counter& counter = counters_[replaced];
  counter.key.assign(key);
  counter.hash = hash;
  counter.error = buckets_[lowest_].count;
  slots_[empty_slot_for(hash)] = replaced + 1;
  increment(replaced);
}

std::uint64_t FrequentValues::error_bound() const {
  return counters_.size() == capacity_ ? buckets_[lowest_].count : 0;
}

// Moves the counter to the bucket of its count + 1: the next bucket when it has that count, else
// its own bucket raised in place when it is alone there, else a new bucket.
void FrequentValues::increment(std::uint32_t counter) {
  const std::uint32_t bucket = counters_[counter].bucket;
  const std::uint64_t raised = buckets_[bucket].count + 1;
  const std::uint32_t next = buckets_[bucket].next;
  const bool alone = buckets_[bucket].first == counter && counters_[counter].next == kNone;
  if (next != kNone && buckets_[next].count == raised) {
    detach(counter);
    attach(counter, next);
    if (alone) release_bucket(bucket);
  } else if (alone) {
    buckets_[bucket].count = raised;
  } else {
    detach(counter);
    attach(counter, new_bucket(raised, bucket));
  }
}

void FrequentValues::detach(std::uint32_t counter) {
  const Counter& moving = counters_[counter];
  if (moving.previous != kNone) {
    counters_[moving.previous].next = moving.next;
  } else {
    buckets_[moving.bucket].first = moving.next;
  }
  if (moving.next != kNone) counters_[moving.next].previous = moving.previous;
}

void FrequentValues::attach(std::uint32_t counter, std::uint32_t bucket) {
  Counter& moving = counters_[counter];
  const std::uint32_t first = buckets_[bucket].first;
  moving.bucket = bucket;
  moving.previous = kNone;
  moving.next = first;
  if (first != kNone) counters_[first].previous = counter;
  buckets_[bucket].first = counter;
}

// A bucket of `count` linked after `after` (first when kNone), from the unused ones if any.
std::uint32_t FrequentValues::new_bucket(std::uint64_t count, std::uint32_t after) {
  std::uint32_t bucket = free_buckets_;
  if (bucket != kNone) {
    free_buckets_ = buckets_[bucket].next;
  } else {
    bucket = static_cast<std::uint32_t>(buckets_.size());
    buckets_.emplace_back();
  }
  const std::uint32_t next = after == kNone ? lowest_ : buckets_[after].next;
  buckets_[bucket] = Bucket{count, kNone, after, next};
  if (next != kNone) buckets_[next].previous = bucket;
  if (after != kNone) {
    buckets_[after].next = bucket;
  } else {
    lowest_ = bucket;
  }
  return bucket;
}

void FrequentValues::release_bucket(std::uint32_t bucket) {
  const Bucket& gone = buckets_[bucket];
  if (gone.previous != kNone) {
    buckets_[gone.previous].next = gone.next;
  } else {
    lowest_ = gone.next;
  }
  if (gone.next != kNone) buckets_[gone.next].previous = gone.previous;
  buckets_[bucket].next = free_buckets_;
  free_buckets_ = bucket;
}

std::uint32_t FrequentValues::find(std::string_view key, std::uint64_t hash) const {
  if (slots_.empty()) return kNone;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t at = hash & mask; slots_[at] != 0; at = (at + 1) & mask) {
    const Counter& counter = counters_[slots_[at] - 1];
    if (counter.hash == hash && counter.key == key) return slots_[at] - 1;
  }
  return kNone;
}

std::size_t FrequentValues::empty_slot_for(std::uint64_t hash) const {
  const std::size_t mask = slots_.size() - 1;
  std::size_t at = hash & mask;
  while (slots_[at] != 0) at = (at + 1) & mask;
  return at;
}

// Linear probing's deletion: the entries after the hole that may not stay behind it (their home
// slot is not cyclically within (hole, their slot]) move back into it.
void FrequentValues::erase_slot_of(std::uint32_t counter) {
  const std::size_t mask = slots_.size() - 1;
  std::size_t hole = counters_[counter].hash & mask;
  while (slots_[hole] != counter + 1) hole = (hole + 1) & mask;
  for (std::size_t at = (hole + 1) & mask; slots_[at] != 0; at = (at + 1) & mask) {
    const std::size_t home = counters_[slots_[at] - 1].hash & mask;
    const bool stays = hole <= at ? (home > hole && home <= at) : (home > hole || home <= at);
    if (!stays) {
      slots_[hole] = slots_[at];
      hole = at;
    }
  }
  slots_[hole] = 0;
}

void FrequentValues::grow_slots() {
  slots_.assign(std::max(kFirstSlots, 2 * slots_.size()), 0);
  for (std::uint32_t i = 0; i < counters_.size(); ++i) {
    slots_[empty_slot_for(counters_[i].hash)] = i + 1;
  }
}

// The summary of these counters (distinct keys, count >= 1), buckets built in ascending count.
void FrequentValues::rebuild(std::vector<Tally> tallies) {
  std::sort(tallies.begin(), tallies.end(), [](const Tally& a, const Tally& b) {
    return a.count != b.count ? a.count < b.count : a.key < b.key;
  });
  counters_.clear();
  counters_.reserve(tallies.size());
  buckets_.clear();
  buckets_.reserve(tallies.size() + 1);
  lowest_ = free_buckets_ = kNone;
  std::uint32_t highest = kNone;
  for (Tally& tally : tallies) {
    const auto index = static_cast<std::uint32_t>(counters_.size());
    counters_.push_back(
        Counter{std::move(tally.key), tally.hash, tally.error, kNone, kNone, kNone});
    if (highest == kNone || buckets_[highest].count != tally.count) {
      highest = new_bucket(tally.count, highest);
    }
    attach(index, highest);
  }
  slots_.assign(std::max(kFirstSlots, std::bit_ceil(2 * counters_.size())), 0);
  for (std::uint32_t i = 0; i < counters_.size(); ++i) {
    slots_[empty_slot_for(counters_[i].hash)] = i + 1;
  }
}

void FrequentValues::merge(const FrequentValues& other) {
  if (this == &other) {
    const FrequentValues copy = other;
    merge(copy);
    return;
  }
  const std::uint64_t bound_here = error_bound();
  const std::uint64_t bound_there = other.error_bound();
  std::vector<Tally> merged;
  merged.reserve(counters_.size() + other.counters_.size());
  for (const Counter& counter : counters_) {
    const std::uint32_t there = other.find(counter.key, counter.hash);
    const bool found = there != kNone;
    merged.push_back(
        Tally{counter.key, counter.hash,
              count_of(counter) + (found ? other.count_of(other.counters_[there]) : bound_there),
              counter.error + (found ? other.counters_[there].error : bound_there)});
  }
  for (const Counter& counter : other.counters_) {
    if (find(counter.key, counter.hash) != kNone) continue;
    merged.push_back(Tally{counter.key, counter.hash, other.count_of(counter) + bound_here,
                           counter.error + bound_here});
  }
  capacity_ = std::min(capacity_, other.capacity_);
  if (merged.size() > capacity_) {
    // Keep the largest counts, ties to the smaller key: the same counters whatever the order.
    std::nth_element(merged.begin(), merged.begin() + static_cast<std::ptrdiff_t>(capacity_),
                     merged.end(), [](const Tally& a, const Tally& b) {
                       return a.count != b.count ? a.count > b.count : a.key < b.key;
                     });
    merged.resize(capacity_);
  }
  total_ += other.total_;
  rebuild(std::move(merged));
}

std::vector<const FrequentValues::Counter*> FrequentValues::in_top_order() const {
  std::vector<const Counter*> order;
  order.reserve(counters_.size());
  for (const Counter& counter : counters_) order.push_back(&counter);
  std::sort(order.begin(), order.end(), [&](const Counter* a, const Counter* b) {
    const std::uint64_t count_a = count_of(*a);
    const std::uint64_t count_b = count_of(*b);
    return count_a != count_b ? count_a > count_b : a->key < b->key;
  });
  return order;
}

std::vector<FrequentValues::Entry> FrequentValues::top(std::size_t n) const {
  std::vector<Entry> entries;
  for (const Counter* counter : in_top_order()) {
    if (entries.size() == n) break;
    entries.push_back(Entry{counter->key, count_of(*counter), counter->error});
  }
  return entries;
}

void FrequentValues::write_json(std::string& out) const {
  state_json::open_state(out, kSketchName, kStateVersion);
  state_json::append_key(out, "capacity");
  state_json::append_uint(out, capacity_);
  state_json::append_key(out, "total");
  state_json::append_uint(out, total_);
  state_json::append_key(out, "counters");
  out += '[';
  bool first = true;
  for (const Counter* counter : in_top_order()) {
    if (!first) out += ',';
    first = false;
    out += '[';
    state_json::append_bytes(out, counter->key);
    out += ',';
    state_json::append_uint(out, count_of(*counter));
    out += ',';
    state_json::append_uint(out, counter->error);
    out += ']';
  }
  out += "]}";
}

FrequentValues FrequentValues::read_json(std::string_view json) {
  const state_json::Reader reader(json, kSketchName, kStateVersion);
  const std::uint64_t capacity = reader.uint_field("capacity");
  if (capacity == 0 || capacity > kMaxCapacity) {
    reader.fail("its capacity is not from 1 to ", std::to_string(kMaxCapacity));
  }
  FrequentValues values(capacity);
  values.total_ = reader.uint_field("total");
  const simdjson::dom::array counters = reader.array_field("counters");
  if (counters.size() > capacity) reader.fail("it holds more counters than its capacity");
  std::vector<Tally> tallies;
  tallies.reserve(counters.size());
  std::uint64_t sum = 0;
  for (const simdjson::dom::element element : counters) {
    const simdjson::dom::array fields = reader.as_array(element, "a counter");
    if (fields.size() != 3) reader.fail("a counter is not [value, count, max_error]");
    std::string key = reader.as_bytes(fields.at(0).value_unsafe(), "a counter's value");
    const std::uint64_t count = reader.as_uint(fields.at(1).value_unsafe(), "a counter's count");
    const std::uint64_t error =
        reader.as_uint(fields.at(2).value_unsafe(), "a counter's max_error");
    if (count == 0 || error >= count) {
      reader.fail("a counter's count is 0 or not above its max_error");
    }
    if (__builtin_add_overflow(sum, count, &sum)) reader.fail("its counts add up beyond 2^64");
    const std::uint64_t hash = hash_of(key);
    tallies.push_back(Tally{std::move(key), hash, count, error});
  }
  if (sum > values.total_) reader.fail("its counts add up to more than its total");
  values.rebuild(std::move(tallies));
  if (values.counters_.size() > 1) {
    for (std::uint32_t i = 0; i < values.counters_.size(); ++i) {
      if (values.find(values.counters_[i].key, values.counters_[i].hash) != i) {
        reader.fail("a value has two counters");
      }
    }
  }
  return values;
}

std::size_t FrequentValues::memory_bytes() const {
  std::size_t bytes = sizeof(*this) + counters_.capacity() * sizeof(Counter) +
                      buckets_.capacity() * sizeof(Bucket) +
                      slots_.capacity() * sizeof(std::uint32_t);
  for (const Counter& counter : counters_) {
    // Beyond the string's own buffer (libstdc++ keeps up to 15 bytes inside).
    if (counter.key.capacity() > 15) bytes += counter.key.capacity() + 1;
  }
  return bytes;
}

}  // namespace gpipe::sketches
