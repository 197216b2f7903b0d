#include "stages/aggregates/sort_buffer.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>
#include <string>

#include "core/varint.hpp"
#include "gpipe/errors.hpp"

namespace gpipe::stages {

namespace {

// Blocks of units are about a sixteenth of the limit, at most a huge page (sort_memory.hpp).
constexpr std::size_t kLargestBlockBytes = 2 * 1024 * 1024;

}  // namespace

// The entries have room for as many as the limit could hold (and an entry's index can count):
// mapped, pages that are never used take no memory, and the array never moves.
std::size_t RunBuffer::entry_room(std::size_t limit) {
  return std::min<std::size_t>(limit / sizeof(Entry) + 1, UINT32_MAX);
}

MappedArea RunBuffer::entry_area(std::size_t limit) {
  try {
    return MappedArea(entry_room(limit) * sizeof(Entry));
  } catch (const std::bad_alloc&) {
    throw IoError("sort: cannot reserve the address space --mem asks for (" +
                  std::to_string(limit) +
                  " bytes of records): a smaller --mem, or a larger "
                  "ulimit -v");
  }
}

RunBuffer::RunBuffer(std::size_t limit)
    : limit_(limit),
      block_size_(std::clamp<std::size_t>(limit / 16, 4 * 1024, kLargestBlockBytes)),
      entry_area_(entry_area(limit)),
      entry_capacity_(entry_room(limit)) {}

std::size_t RunBuffer::bytes() const {
  const std::size_t blocks_in_use = std::min(block_ + 1, blocks_.size());
  return blocks_in_use * block_size_ + large_bytes_ + entry_count_ * sizeof(Entry);
}

std::size_t RunBuffer::resident_bytes() const {
  return blocks_.size() * block_size_ + large_bytes_ + entries_touched_;
}

// Blocks and entry pages are kept from run to run, so that a run like the one before faults
// no page. A run of another shape (long records after short ones, or the other way) would keep
// the last run's blocks and its own entries, or the reverse, beyond the limit: what it holds
// and does not use yet goes back once the two outgrow the limit by a sixteenth. (The margin
// keeps runs of about the same shape, whose sizes differ a little, from giving back what they
// are about to use.)
bool RunBuffer::over_limit() const {
  return resident_bytes() > limit_ + limit_ / 16;
}

void RunBuffer::give_back_spare_blocks() {
  while (over_limit() && blocks_.size() > block_ + 1) blocks_.pop_back();
}

void RunBuffer::give_back_spare_entries() {
  if (!over_limit()) return;
  const std::size_t in_use = entry_count_ * sizeof(Entry);
  entry_area_.release_from(in_use);
  entries_touched_ = std::min(entries_touched_, in_use);
}

char* RunBuffer::allocate(std::size_t size) {
  if (size > block_size_) {
    // From the heap: one mapping per record would be a system call per record at a small
    // --mem, and such units are freed at the end of their run anyway.
    large_.push_back(std::make_unique_for_overwrite<char[]>(size));
    large_bytes_ += size;
    return large_.back().get();
  }
  if (block_ >= blocks_.size() || block_used_ + size > block_size_) {
    if (block_ < blocks_.size()) ++block_;
    if (block_ == blocks_.size()) {
      blocks_.emplace_back(block_size_);
      give_back_spare_entries();
    }
    block_used_ = 0;
  }
  char* const at = blocks_[block_].data() + block_used_;
  block_used_ += size;
  return at;
}

void RunBuffer::add_entry(const char* unit, std::size_t size, std::size_t key_offset,
                          std::string_view key) {
  Entry& entry = *new (entries() + entry_count_) Entry;
  entry.unit = unit;
  entry.unit_size = static_cast<std::uint32_t>(size);
  entry.key_offset = static_cast<std::uint32_t>(key_offset);
  entry.key_size = static_cast<std::uint32_t>(key.size());
  set_prefixes(entry, key);
  entry.index = static_cast<std::uint32_t>(entry_count_);
  ++entry_count_;
  if (entry_count_ * sizeof(Entry) > entries_touched_) {
    entries_touched_ = entry_count_ * sizeof(Entry);
    give_back_spare_blocks();
  }
  if (bytes() >= limit_ || entry_count_ == entry_capacity_) full_ = true;
}

namespace {

// The size of a unit, checked against what an entry can hold.
std::size_t checked_unit_size(std::size_t size) {
  if (size > UINT32_MAX) throw IoError("sort: a record is larger than 4 GiB");
  return size;
}

}  // namespace

void RunBuffer::add(Batch& batch, const Record& record, const std::shared_ptr<const Origin>& origin,
                    SortKeyMaker& keys, OriginTable& origins) {
  // The record's bytes are written once, straight into the unit, which is sized first.
  const bool key_is_text = keys.key_is_text(record);
  if (!key_is_text) {
    key_.clear();
    keys.append_key(batch, record, key_);
  }
  const std::uint32_t origin_index = origins.index_of(origin);
  const std::size_t record_size = OwnedRecord::record_size(batch, record, origin_index);
  const std::size_t key_bytes = key_is_text ? 1 : varint_size(key_.size() + 1) + key_.size();
  const std::size_t size = checked_unit_size(key_bytes + varint_size(record_size) + record_size);
  char* const unit = allocate(size);
  char* at = unit;
  if (key_is_text) {
    *at++ = 0;
  } else {
    at = put_varint(at, key_.size() + 1);
    std::memcpy(at, key_.data(), key_.size());
    at += key_.size();
  }
  at = put_varint(at, record_size);
  const std::size_t text_at = OwnedRecord::write_record(batch, record, origin_index, at);
  if (key_is_text) {
    const std::size_t text_offset = static_cast<std::size_t>(at - unit) + text_at;
    add_entry(unit, size, text_offset, {unit + text_offset, record.text.size()});
  } else {
    add_entry(unit, size, varint_size(key_.size() + 1), key_);
  }
}

void RunBuffer::add(const OwnedRecord& record, std::string_view key, bool key_is_text,
                    OriginTable& origins) {
  scratch_.clear();
  record.write_to(scratch_, origins);
  const std::string_view bytes = scratch_;
  if (key_is_text) key = *OwnedRecord::text_in(bytes);
  const std::size_t size = checked_unit_size(unit_size(key, key_is_text, bytes));
  char* const unit = allocate(size);
  write_unit(unit, key, key_is_text, bytes);
  // A text key lies in the record's bytes, after the unit's two varints; another key after the
  // first varint.
  add_entry(unit, size,
            key_is_text ? 1 + varint_size(bytes.size()) + (key.data() - bytes.data())
                        : varint_size(key.size() + 1),
            key);
}

namespace {

// Past this many bytes of equal keys, a group of entries is sorted by comparing whole keys:
// keys that share more are few, and the recursion stays shallow.
constexpr std::size_t kPrefixDepthLimit = 64;

}  // namespace

// Entries [first, last) whose keys share their first `depth` bytes, and whose prefixes hold
// their next 16 bytes, sorted: by the prefixes, then keys that end within those 16 bytes
// (shortest first) before keys that go on, then in input order. Then each group of keys that go
// on with the same 16 bytes is sorted by its next 16, and so on: each key's bytes are read once
// per 16, from wherever the unit lies, rather than once per comparison.
void RunBuffer::sort_from(Entry* first, Entry* last, std::size_t depth) {
  const auto key_of = [](const Entry& e) {
    return std::string_view(e.unit + e.key_offset, e.key_size);
  };
  if (depth >= kPrefixDepthLimit) {
    std::sort(first, last, [&](const Entry& a, const Entry& b) {
      const int order = compare_keys(key_of(a), key_of(b));
      return order != 0 ? order < 0 : a.index < b.index;
    });
    return;
  }
  // The key's size where it ends within the prefixes; past them, one value for all that go on.
  const std::size_t goes_on = depth + 2 * 8 + 1;
  const auto end_of = [goes_on](const Entry& e) {
    return std::min<std::size_t>(e.key_size, goes_on);
  };
  const auto same_bytes = [](const Entry& a, const Entry& b) {
    return a.prefix == b.prefix && a.next_prefix == b.next_prefix;
  };
  std::sort(first, last, [&](const Entry& a, const Entry& b) {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    if (a.next_prefix != b.next_prefix) return a.next_prefix < b.next_prefix;
    const std::size_t end_a = end_of(a), end_b = end_of(b);
    return end_a != end_b ? end_a < end_b : a.index < b.index;
  });
  for (Entry* group = first; group != last;) {
    Entry* end = group + 1;
    while (end != last && same_bytes(*end, *group) && end_of(*end) == end_of(*group)) ++end;
    if (end - group > 1 && end_of(*group) == goes_on) {
      for (Entry* e = group; e != end; ++e) {
        if (end - e > 8) __builtin_prefetch(e[8].unit + e[8].key_offset + depth + 2 * 8);
        set_prefixes(*e, key_of(*e).substr(depth + 2 * 8));
      }
      sort_from(group, end, depth + 2 * 8);
    }
    group = end;
  }
}

void RunBuffer::set_prefixes(Entry& entry, std::string_view key) {
  entry.prefix = key_prefix(key);
  entry.next_prefix = key.size() > 8 ? key_prefix(key.substr(8)) : 0;
}

void RunBuffer::sort(std::size_t first, std::size_t last) {
  sort_from(entries() + first, entries() + last, 0);
}

void RunBuffer::prefetch(std::size_t i, std::size_t last) const {
  // Sorted, the units lie all over the buffer: each one read in order is a cache miss, unless
  // it is asked for a few units ahead.
  constexpr std::size_t kAhead = 8;
  if (i + kAhead >= last) return;
  const Entry& ahead = entries()[i + kAhead];
  __builtin_prefetch(ahead.unit);
  __builtin_prefetch(ahead.unit + ahead.unit_size - 1);
}

Unit RunBuffer::unit(std::size_t i, std::size_t last) const {
  prefetch(i, last);
  const Entry& entry = entries()[i];
  return read_unit({entry.unit, entry.unit_size});
}

void RunBuffer::write_to(RunWriter& writer, std::size_t first, std::size_t last) const {
  for (std::size_t i = first; i < last; ++i) {
    prefetch(i, last);
    writer.add({entries()[i].unit, entries()[i].unit_size});
  }
}

void RunBuffer::clear() {
  entry_count_ = 0;
  block_ = 0;
  block_used_ = 0;
  large_.clear();
  large_bytes_ = 0;
  full_ = false;
}

bool BufferSource::next() {
  if (next_ >= last_) return false;
  set(buffer_.unit(next_++, last_));
  return true;
}

}  // namespace gpipe::stages
