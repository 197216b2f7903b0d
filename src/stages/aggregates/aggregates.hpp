// What the aggregate stages share: `by F…` arguments, and a table of groups keyed by the values
// of those fields, each with its own state, emitted at the end as records (docs/spec.md §4: the
// `by` fields, then the results).
//
// Memory grows with the number of distinct groups, never with the input: a group's key is
// copied once, when the group first appears; every other record only looks its group up, with
// a key built in a reused buffer (no allocation per record).
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <functional>
#include <numeric>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gpipe/context.hpp"
#include "gpipe/field_ref.hpp"
#include "gpipe/record.hpp"
#include "gpipe/stage.hpp"
#include "simd/equal_bytes.hpp"

namespace gpipe::stages {

// Reads an optional `by F…` from the remaining arguments: `count by 1 level`. Demands the named
// fields. Errors on `by` without fields, or fields without `by`.
std::vector<FieldRef> group_by_arguments(StageArgs& args, Context& ctx);

template <class State>
class GroupTable {
 public:
  static constexpr std::size_t kRecordsPerBatch = 4096;

  explicit GroupTable(std::vector<FieldRef> by) : by_(std::move(by)) {}

  State& find_or_add(Batch& batch, const Record& record) {
    if (by_.size() == 1) return find_or_add(lookup_field(batch, record, by_.front()));
    key_.clear();
    for (const FieldRef& ref : by_) append_to_key(lookup_field(batch, record, ref));
    return find_or_add_key();
  }

  // The same for a group of one field whose value the caller found itself (a fast path that
  // splits text lines without making records).
  State& find_or_add(const Value& value) {
    // The group found last, compared with the value as it is: no key built for a run of one
    // group (a log's level, a sorted input).
    if (last_ < groups_.size() && is_key_of(groups_[last_].key, value)) {
      return groups_[last_].state;
    }
    key_.clear();
    append_to_key(value);
    last_ = index_of(key_, hash_key(key_));
    return groups_[last_].state;
  }

  // The group of a key given as its values (`merge` reads them from partial states).
  State& find_or_add(std::span<const Value> key_values) {
    key_.clear();
    for (const Value& value : key_values) append_to_key(value);
    return find_or_add_key();
  }

  std::size_t size() const { return groups_.size(); }
  std::size_t key_width() const { return by_.size(); }

  // Group by group, in the order they first appeared: indexes for key_of and state_of.
  std::vector<std::uint32_t> first_appearance_order() const {
    std::vector<std::uint32_t> order(groups_.size());
    std::iota(order.begin(), order.end(), 0u);
    if (merged_) {
      std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
        return groups_[a].first < groups_[b].first;
      });
    }
    return order;
  }
  // Appends the values of group `index`'s key (they view the table).
  void key_of(std::uint32_t index, std::vector<Value>& values) const {
    decode_key(groups_[index].key, values);
  }
  const State& state_of(std::uint32_t index) const { return groups_[index].state; }

  // -j: the chunk of the input that the records to come belong to (PartialAggregate::add).
  void start_chunk(std::uint64_t chunk) { chunk_ = chunk; }

  // -j: adds another thread's groups (of the same `by` fields) to these, with
  // `combine(State& into, State& from)` for a group both have. A group's first appearance is
  // the earlier of the two, so that emit() keeps the order of one pass over the input.
  template <class Combine>
  void merge(GroupTable& other, Combine combine) {
    for (Group& from : other.groups_) {
      const std::size_t count_before = groups_.size();
      Group& into = groups_[index_of(from.key, from.hash)];
      if (groups_.size() > count_before) {
        into.first = from.first;
        into.state = std::move(from.state);
      } else {
        into.first = std::min(into.first, from.first);
        combine(into.state, from.state);
      }
    }
    merged_ = true;
  }

  // The groups as records, in the order they first appeared: the `by` fields (named as written),
  // then what `results(state, values, arena)` appends to `values`, named `result_names`.
  template <class Results>
  BatchStream emit(std::vector<std::string> result_names, Results results) {
    Batch out;
    std::vector<Field> fields;
    std::vector<Value> values;
    const std::vector<std::uint32_t> order = first_appearance_order();
    for (std::size_t first = 0; first < groups_.size(); first += kRecordsPerBatch) {
      out.reset(nullptr, RecordKind::Line);
      out.set_format(DataFormat::Table);
      const std::size_t last = std::min(groups_.size(), first + kRecordsPerBatch);
      for (std::size_t g = first; g < last; ++g) {
        const Group& group = groups_[order[g]];
        fields.clear();
        values.clear();
        decode_key(group.key, values);
        for (std::size_t i = 0; i < by_.size(); ++i) fields.push_back({by_[i].name(), values[i]});
        values.clear();
        results(group.state, values, out.arena());
        for (std::size_t i = 0; i < values.size(); ++i) {
          fields.push_back({result_names[i], values[i]});
        }
        Record record;
        record.first_field = out.add_fields(fields);
        record.field_count = static_cast<std::uint32_t>(fields.size());
        out.raw_records().push_back(record);
      }
      co_yield out;
    }
  }

 private:
  // Where a group first appeared: in which chunk (-j), and how many groups its table had then.
  // Groups first seen in the same chunk were seen by the same thread, in one table, so the
  // count orders them as they came.
  struct FirstAppearance {
    std::uint64_t chunk = 0;
    std::uint64_t ordinal = 0;
    auto operator<=>(const FirstAppearance&) const = default;
  };
  struct Group {
    std::string key;
    std::uint64_t hash;
    FirstAppearance first;
    State state;
  };
  static constexpr std::uint32_t kEmptySlot = UINT32_MAX;

  // The group of key_: the last one found (runs of equal keys are common in logs), else a probe
  // of an open-addressing table of group indexes (linear probing, at most half full).
  State& find_or_add_key() {
    if (last_ < groups_.size() && equal_bytes(groups_[last_].key, key_)) {
      return groups_[last_].state;
    }
    last_ = index_of(key_, hash_key(key_));
    return groups_[last_].state;
  }

  // The index of the group of `key`, added if it is new.
  std::size_t index_of(std::string_view key, std::uint64_t hash) {
    std::size_t slot = static_cast<std::size_t>(hash) & mask_;
    while (slots_[slot] != kEmptySlot) {
      const Group& group = groups_[slots_[slot]];
      if (group.hash == hash && equal_bytes(group.key, key)) return slots_[slot];
      slot = (slot + 1) & mask_;
    }
    const std::size_t index = groups_.size();
    slots_[slot] = static_cast<std::uint32_t>(index);
    groups_.push_back(Group{std::string(key), hash, FirstAppearance{chunk_, index}, State{}});
    if (groups_.size() * 2 > slots_.size()) grow();
    return index;
  }

  void grow() {
    slots_.assign(slots_.size() * 2, kEmptySlot);
    mask_ = slots_.size() - 1;
    for (std::size_t g = 0; g < groups_.size(); ++g) {
      std::size_t slot = static_cast<std::size_t>(groups_[g].hash) & mask_;
      while (slots_[slot] != kEmptySlot) slot = (slot + 1) & mask_;
      slots_[slot] = static_cast<std::uint32_t>(g);
    }
  }

  // A wyhash-style hash: 8 bytes at a time, each folded in with a 64x64->128 multiply. Keys are
  // short (a log level, a status code), so this beats std::hash's byte loop by a wide margin.
  static std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
    __extension__ using U128 = unsigned __int128;
    const U128 product = static_cast<U128>(a) * b;
    return static_cast<std::uint64_t>(product) ^ static_cast<std::uint64_t>(product >> 64);
  }
  static std::uint64_t hash_key(std::string_view key) {
    constexpr std::uint64_t kSeed = 0xa0761d6478bd642fULL;
    constexpr std::uint64_t kPrime = 0xe7037ed1a0b428dbULL;
    std::uint64_t h = kSeed ^ key.size();
    const char* p = key.data();
    std::size_t left = key.size();
    for (; left >= 8; left -= 8, p += 8) {
      std::uint64_t word;
      std::memcpy(&word, p, 8);
      h = mix(h ^ word, kPrime);
    }
    std::uint64_t tail = 0;
    std::memcpy(&tail, p, left);
    return mix(h ^ tail, kPrime ^ left);
  }

  // Each value: its kind (one byte), its length (as size_t bytes), its text. Exact for any bytes,
  // and a null stays apart from an empty string.
  void append_to_key(const Value& value) {
    key_ += static_cast<char>(value.kind);
    const std::size_t size = value.text.size();
    key_.append(reinterpret_cast<const char*>(&size), sizeof size);
    key_.append(value.text);
  }

  // Whether `key` is the key of the one value `value` (as append_to_key would make it).
  static bool is_key_of(std::string_view key, const Value& value) {
    constexpr std::size_t kHeader = 1 + sizeof(std::size_t);
    return key.size() == kHeader + value.text.size() && key[0] == static_cast<char>(value.kind) &&
           equal_bytes(key.substr(kHeader), value.text);
  }

  static void decode_key(std::string_view key, std::vector<Value>& values) {
    while (!key.empty()) {
      const auto kind = static_cast<Value::Kind>(key[0]);
      std::size_t size = 0;
      std::memcpy(&size, key.data() + 1, sizeof size);
      values.push_back(Value{kind, key.substr(1 + sizeof size, size)});
      key.remove_prefix(1 + sizeof size + size);
    }
  }

  std::vector<FieldRef> by_;
  std::vector<Group> groups_;  // in the order they first appeared
  std::vector<std::uint32_t> slots_ = std::vector<std::uint32_t>(16, kEmptySlot);
  std::size_t mask_ = 15;
  std::size_t last_ = SIZE_MAX;  // the group found last
  std::string key_;              // reused for every record
  std::uint64_t chunk_ = 0;      // -j: of the records being added
  bool merged_ = false;          // -j: holds other tables' groups, not in first-appearance order
};

}  // namespace gpipe::stages
