#include "stages/aggregates/sketches/bucket_store.hpp"

#include <algorithm>

namespace gpipe::sketches {

void BucketStore::add(std::int32_t index, std::uint64_t count) {
  if (count == 0) return;
  if (total_ == 0) {
    min_index_ = max_index_ = index;
    cover(index, index);
  } else {
    if (index > max_index_) {
      const std::int32_t floor = index - kMaxBuckets + 1;
      if (floor > min_index_) fold_below(floor);
      max_index_ = index;
    }
    const std::int32_t floor = max_index_ - kMaxBuckets + 1;
    if (index < floor) {
      index = floor;
      collapsed_ = true;
    }
    min_index_ = std::min(min_index_, index);
    cover(min_index_, max_index_);
  }
  counts_[static_cast<std::size_t>(index - offset_)] += count;
  total_ += count;
}

void BucketStore::merge(const BucketStore& other) {
  if (other.total_ == 0) return;
  // The highest index first, so that this store folds (if it must) once, not per bucket.
  add(other.max_index_, other.count_at(other.max_index_));
  for (std::int32_t index = other.min_index_; index < other.max_index_; ++index) {
    add(index, other.count_at(index));
  }
  collapsed_ = collapsed_ || other.collapsed_;
}

std::uint64_t BucketStore::count_at(std::int32_t index) const {
  if (total_ == 0 || index < offset_ ||
      index >= offset_ + static_cast<std::int32_t>(counts_.size())) {
    return 0;
  }
  return counts_[static_cast<std::size_t>(index - offset_)];
}

std::int32_t BucketStore::index_of_rank(std::uint64_t rank) const {
  std::uint64_t below = 0;
  for (std::int32_t index = min_index_; index < max_index_; ++index) {
    below += counts_[static_cast<std::size_t>(index - offset_)];
    if (below > rank) return index;
  }
  return max_index_;
}

// Moves the counts of every index below `floor` to `floor`, which becomes the lowest index.
void BucketStore::fold_below(std::int32_t floor) {
  std::uint64_t moved = 0;
  const std::int32_t last = std::min(floor - 1, max_index_);
  for (std::int32_t index = min_index_; index <= last; ++index) {
    std::uint64_t& count = counts_[static_cast<std::size_t>(index - offset_)];
    moved += count;
    count = 0;
  }
  min_index_ = floor;
  max_index_ = std::max(max_index_, floor);
  cover(min_index_, max_index_);
  counts_[static_cast<std::size_t>(floor - offset_)] += moved;
  collapsed_ = collapsed_ || moved != 0;
}

// Makes the vector span [low, high] (at most kMaxBuckets long) with half as much again to grow
// into the way it just grew, so that it is reallocated a logarithmic number of times and is never
// much longer than the span of the values.
void BucketStore::cover(std::int32_t low, std::int32_t high) {
  const auto length = static_cast<std::int32_t>(counts_.size());
  if (low >= offset_ && high < offset_ + length) return;
  constexpr std::int32_t kFirstLength = 32;
  const std::int32_t needed = high - low + 1;
  const std::int32_t new_length =
      std::max(needed, std::min(kMaxBuckets, std::max(kFirstLength, needed + needed / 2)));
  const std::int32_t new_offset = high >= offset_ + length ? low : high - new_length + 1;
  std::vector<std::uint64_t> grown(static_cast<std::size_t>(new_length), 0);
  const std::int32_t copy_from = std::max(offset_, new_offset);
  const std::int32_t copy_to = std::min(offset_ + length, new_offset + new_length);
  for (std::int32_t index = copy_from; index < copy_to; ++index) {
    grown[static_cast<std::size_t>(index - new_offset)] =
        counts_[static_cast<std::size_t>(index - offset_)];
  }
  counts_ = std::move(grown);
  offset_ = new_offset;
}

void BucketStore::write_json(std::string& out) const {
  out += "{\"offset\":";
  out += std::to_string(total_ == 0 ? 0 : min_index_);
  out += ",\"counts\":[";
  if (total_ != 0) {
    for (std::int32_t index = min_index_; index <= max_index_; ++index) {
      if (index != min_index_) out += ',';
      state_json::append_uint(out, counts_[static_cast<std::size_t>(index - offset_)]);
    }
  }
  out += "],\"collapsed\":";
  out += collapsed_ ? "true" : "false";
  out += '}';
}

BucketStore BucketStore::read_json(simdjson::dom::element element, const state_json::Reader& reader,
                                   std::string_view what) {
  const std::string name(what);
  const simdjson::dom::object object = reader.as_object(element, name);
  simdjson::dom::element offset_element;
  simdjson::dom::element counts_element;
  simdjson::dom::element collapsed_element;
  bool collapsed = false;
  if (object["offset"].get(offset_element) || object["counts"].get(counts_element) ||
      object["collapsed"].get(collapsed_element) || collapsed_element.get_bool().get(collapsed)) {
    reader.fail(name, " needs \"offset\", \"counts\" and \"collapsed\" (true or false)");
  }
  const std::int64_t offset = reader.as_int(offset_element, name + " offset");
  const simdjson::dom::array counts = reader.as_array(counts_element, name + " counts");
  const auto length = static_cast<std::int64_t>(counts.size());
  if (length > kMaxBuckets)
    reader.fail(name, " has more than ", std::to_string(kMaxBuckets), " counts");
  if (offset < -kIndexLimit || offset + length - 1 > kIndexLimit) {
    reader.fail(name, " offset is out of range");
  }
  BucketStore store;
  std::int32_t index = static_cast<std::int32_t>(offset);
  for (const simdjson::dom::element count_element : counts) {
    const std::uint64_t count = reader.as_uint(count_element, name + " count");
    const bool at_an_end = index == offset || index == offset + length - 1;
    if (at_an_end && count == 0)
      reader.fail(name, " counts must start and end with a non-zero count");
    if (store.total_ + count < store.total_) reader.fail(name, " counts add up beyond 2^64");
    store.add(index, count);
    ++index;
  }
  if (store.total_ == 0 && collapsed) reader.fail(name, " is empty but says it collapsed");
  store.collapsed_ = collapsed;
  return store;
}

}  // namespace gpipe::sketches
