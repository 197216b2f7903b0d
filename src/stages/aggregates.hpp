// What the aggregate stages share: `by F…` arguments, and a table of groups keyed by the values
// of those fields, each with its own state, emitted at the end as records (SPEC 4: the `by`
// fields, then the results).
//
// Memory grows with the number of distinct groups, never with the input: a group's key is
// copied once, when the group first appears; every other record only looks its group up, with
// a key built in a reused buffer (no allocation per record).
#pragma once

#include <charconv>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "gpipe/context.hpp"
#include "gpipe/field_ref.hpp"
#include "gpipe/record.hpp"
#include "gpipe/stage.hpp"

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
    key_.clear();
    for (const FieldRef& ref : by_) append_to_key(lookup_field(batch, record, ref));
    return find_or_add_key();
  }

  // The same for a group of one field whose value the caller found itself (a fast path that
  // splits text lines without making records).
  State& find_or_add(const Value& value) {
    key_.clear();
    append_to_key(value);
    return find_or_add_key();
  }

  std::size_t size() const { return groups_.size(); }

  // The groups as records, in the order they first appeared: the `by` fields (named as written),
  // then what `results(state, values, arena)` appends to `values`, named `result_names`.
  template <class Results>
  BatchStream emit(std::vector<std::string> result_names, Results results) {
    Batch out;
    std::vector<Field> fields;
    std::vector<Value> values;
    for (std::size_t first = 0; first < groups_.size(); first += kRecordsPerBatch) {
      out.reset(nullptr, RecordKind::Line);
      out.set_format(DataFormat::Table);
      const std::size_t last = std::min(groups_.size(), first + kRecordsPerBatch);
      for (std::size_t g = first; g < last; ++g) {
        fields.clear();
        values.clear();
        decode_key(groups_[g].key, values);
        for (std::size_t i = 0; i < by_.size(); ++i) fields.push_back({by_[i].name(), values[i]});
        values.clear();
        results(groups_[g].state, values, out.arena());
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
  struct Group {
    std::string key;
    std::uint64_t hash;
    State state;
  };
  static constexpr std::uint32_t kEmptySlot = UINT32_MAX;

  // The group of key_: the last one found (runs of equal keys are common in logs), else a probe
  // of an open-addressing table of group indexes (linear probing, at most half full).
  State& find_or_add_key() {
    if (last_ < groups_.size() && groups_[last_].key == key_) return groups_[last_].state;
    const std::uint64_t hash = hash_key(key_);
    std::size_t slot = static_cast<std::size_t>(hash) & mask_;
    while (slots_[slot] != kEmptySlot) {
      const Group& group = groups_[slots_[slot]];
      if (group.hash == hash && group.key == key_) {
        last_ = slots_[slot];
        return groups_[last_].state;
      }
      slot = (slot + 1) & mask_;
    }
    last_ = groups_.size();
    slots_[slot] = static_cast<std::uint32_t>(last_);
    groups_.push_back(Group{key_, hash, State{}});
    if (groups_.size() * 2 > slots_.size()) grow();
    return groups_[last_].state;
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
};

}  // namespace gpipe::stages
