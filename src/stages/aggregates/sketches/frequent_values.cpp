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

// Largest count first, then key bytes ascending.
template <class T>
bool before_in_top(const T& a, const T& b) {
  if (a.count != b.count) return a.count > b.count;
  return a.key < b.key;
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
  if (!slots_.empty()) {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t at = hash & mask; slots_[at] != 0; at = (at + 1) & mask) {
      Counter& counter = counters_[slots_[at] - 1];
      if (counter.hash == hash && counter.key == key) {
        ++counter.count;
        sift_down(counter.heap_position);
        return;
      }
    }
  }
  if (counters_.size() < capacity_) {
    // The counters grow by doubling up to capacity_, no further; the slots stay at least twice
    // as many, so that probes stay short.
    if (counters_.size() == counters_.capacity()) {
      counters_.reserve(std::min(capacity_, std::max(kFirstSlots, 2 * counters_.size())));
    }
    if ((counters_.size() + 1) * 2 > slots_.size()) {
      slots_.assign(std::max(kFirstSlots, 2 * slots_.size()), 0);
      rebuild_index();
    }
    const auto index = static_cast<std::uint32_t>(counters_.size());
    counters_.push_back(Counter{std::string(key), hash, 1, 0, 0});
    slots_[empty_slot_for(hash)] = index + 1;
    heap_.push_back(index);
    counters_[index].heap_position = static_cast<std::uint32_t>(heap_.size() - 1);
    sift_up(heap_.size() - 1);
    return;
  }
  const std::uint32_t smallest = heap_.front();
  erase_slot_of(smallest);
  Counter& counter = counters_[smallest];
  counter.key.assign(key);
  counter.hash = hash;
  counter.error = counter.count;
  ++counter.count;
  slots_[empty_slot_for(hash)] = smallest + 1;
  sift_down(0);
}

std::uint64_t FrequentValues::error_bound() const {
  return counters_.size() == capacity_ ? counters_[heap_.front()].count : 0;
}

const FrequentValues::Counter* FrequentValues::find(std::string_view key,
                                                    std::uint64_t hash) const {
  if (slots_.empty()) return nullptr;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t at = hash & mask; slots_[at] != 0; at = (at + 1) & mask) {
    const Counter& counter = counters_[slots_[at] - 1];
    if (counter.hash == hash && counter.key == key) return &counter;
  }
  return nullptr;
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

// The slots (of the present size) and the heap from counters_ alone.
void FrequentValues::rebuild_index() {
  std::fill(slots_.begin(), slots_.end(), 0);
  heap_.resize(counters_.size());
  for (std::uint32_t i = 0; i < counters_.size(); ++i) {
    slots_[empty_slot_for(counters_[i].hash)] = i + 1;
    place_in_heap(i, i);
  }
  for (std::size_t i = heap_.size() / 2; i-- > 0;) sift_down(i);
}

void FrequentValues::place_in_heap(std::size_t position, std::uint32_t counter) {
  heap_[position] = counter;
  counters_[counter].heap_position = static_cast<std::uint32_t>(position);
}

void FrequentValues::sift_up(std::size_t position) {
  const std::uint32_t moving = heap_[position];
  const std::uint64_t count = counters_[moving].count;
  while (position > 0) {
    const std::size_t parent = (position - 1) / 2;
    if (counters_[heap_[parent]].count <= count) break;
    place_in_heap(position, heap_[parent]);
    position = parent;
  }
  place_in_heap(position, moving);
}

void FrequentValues::sift_down(std::size_t position) {
  const std::uint32_t moving = heap_[position];
  const std::uint64_t count = counters_[moving].count;
  const std::size_t size = heap_.size();
  while (true) {
    std::size_t child = 2 * position + 1;
    if (child >= size) break;
    if (child + 1 < size && counters_[heap_[child + 1]].count < counters_[heap_[child]].count) {
      ++child;
    }
    if (counters_[heap_[child]].count >= count) break;
    place_in_heap(position, heap_[child]);
    position = child;
  }
  place_in_heap(position, moving);
}

void FrequentValues::merge(const FrequentValues& other) {
  if (this == &other) {
    const FrequentValues copy = other;
    merge(copy);
    return;
  }
  const std::uint64_t bound_here = error_bound();
  const std::uint64_t bound_there = other.error_bound();
  std::vector<Counter> merged;
  merged.reserve(counters_.size() + other.counters_.size());
  for (const Counter& counter : counters_) {
    const Counter* there = other.find(counter.key, counter.hash);
    merged.push_back(Counter{counter.key, counter.hash,
                             counter.count + (there != nullptr ? there->count : bound_there),
                             counter.error + (there != nullptr ? there->error : bound_there), 0});
  }
  for (const Counter& counter : other.counters_) {
    if (find(counter.key, counter.hash) != nullptr) continue;
    merged.push_back(Counter{counter.key, counter.hash, counter.count + bound_here,
                             counter.error + bound_here, 0});
  }
  capacity_ = std::min(capacity_, other.capacity_);
  if (merged.size() > capacity_) {
    std::nth_element(merged.begin(), merged.begin() + static_cast<std::ptrdiff_t>(capacity_),
                     merged.end(), before_in_top<Counter>);
    merged.resize(capacity_);
  }
  total_ += other.total_;
  counters_ = std::move(merged);
  slots_.assign(std::max(kFirstSlots, std::bit_ceil(2 * counters_.size())), 0);
  rebuild_index();
}

std::vector<const FrequentValues::Counter*> FrequentValues::in_top_order() const {
  std::vector<const Counter*> order;
  order.reserve(counters_.size());
  for (const Counter& counter : counters_) order.push_back(&counter);
  std::sort(order.begin(), order.end(),
            [](const Counter* a, const Counter* b) { return before_in_top(*a, *b); });
  return order;
}

std::vector<FrequentValues::Entry> FrequentValues::top(std::size_t n) const {
  std::vector<Entry> entries;
  for (const Counter* counter : in_top_order()) {
    if (entries.size() == n) break;
    entries.push_back(Entry{counter->key, counter->count, counter->error});
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
    state_json::append_uint(out, counter->count);
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
  std::uint64_t sum = 0;
  values.counters_.reserve(counters.size());
  values.slots_.assign(std::max(kFirstSlots, std::bit_ceil(2 * counters.size())), 0);
  for (const simdjson::dom::element element : counters) {
    const simdjson::dom::array fields = reader.as_array(element, "a counter");
    if (fields.size() != 3) reader.fail("a counter is not [value, count, max_error]");
    std::string key = reader.as_bytes(fields.at(0).value_unsafe(), "a counter's value");
    const std::uint64_t count = reader.as_uint(fields.at(1).value_unsafe(), "a counter's count");
    const std::uint64_t error =
        reader.as_uint(fields.at(2).value_unsafe(), "a counter's max_error");
    if (count == 0 || error >= count)
      reader.fail("a counter's count is 0 or not above its max_error");
    if (__builtin_add_overflow(sum, count, &sum)) reader.fail("its counts add up beyond 2^64");
    const std::uint64_t hash = hash_of(key);
    if (values.find(key, hash) != nullptr) reader.fail("a value has two counters");
    const auto index = static_cast<std::uint32_t>(values.counters_.size());
    values.counters_.push_back(Counter{std::move(key), hash, count, error, 0});
    values.slots_[values.empty_slot_for(hash)] = index + 1;
  }
  if (sum > values.total_) reader.fail("its counts add up to more than its total");
  values.rebuild_index();
  return values;
}

std::size_t FrequentValues::memory_bytes() const {
  std::size_t bytes = sizeof(*this) + counters_.capacity() * sizeof(Counter) +
                      heap_.capacity() * sizeof(std::uint32_t) +
                      slots_.capacity() * sizeof(std::uint32_t);
  for (const Counter& counter : counters_) {
    if (counter.key.capacity() > 15)
      bytes += counter.key.capacity() + 1;  // beyond the string's own buffer
  }
  return bytes;
}

}  // namespace gpipe::sketches
