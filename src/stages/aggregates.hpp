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
#include <unordered_map>
#include <vector>

#include "gpipe/context.hpp"
#include "gpipe/field_ref.hpp"
#include "gpipe/record.hpp"
#include "gpipe/stage.hpp"

namespace gpipe::stages {

// Reads an optional `by F…` from the remaining arguments: `count by 1 level`. Demands the named
// fields. Errors on `by` without fields, or fields without `by`.
std::vector<FieldRef> group_by_arguments(StageArgs& args, Context& ctx);

// A number as a Value whose text lives in `arena`.
Value number_value(Arena& arena, std::uint64_t number);

template <class State>
class GroupTable {
 public:
  static constexpr std::size_t kRecordsPerBatch = 4096;

  explicit GroupTable(std::vector<FieldRef> by) : by_(std::move(by)) {}

  State& find_or_add(Batch& batch, const Record& record) {
    key_.clear();
    for (const FieldRef& ref : by_) append_to_key(lookup_field(batch, record, ref));
    auto it = index_.find(std::string_view(key_));
    if (it == index_.end()) {
      it = index_.emplace(key_, groups_.size()).first;
      groups_.push_back(Group{&it->first, State{}});
    }
    return groups_[it->second].state;
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
        decode_key(*groups_[g].key, values);
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
    const std::string* key;  // the key in index_ (node-based: it never moves)
    State state;
  };
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const {
      return std::hash<std::string_view>{}(key);
    }
  };

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
  std::unordered_map<std::string, std::size_t, KeyHash, std::equal_to<>> index_;
  std::vector<Group> groups_;
  std::string key_;  // reused for every record
};

}  // namespace gpipe::stages
