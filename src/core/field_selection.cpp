#include "core/field_selection.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

namespace gpipe {

namespace {

// Where a positional reference falls among a record's fields, if it has fields and it is there.
std::optional<std::size_t> field_index(const Record& record, const FieldRef& ref) {
  if (!record.has_fields()) return std::nullopt;
  const std::size_t count = record.field_count;
  if (ref.kind() == FieldRef::Kind::Position && ref.position() < count) return ref.position();
  if (ref.kind() == FieldRef::Kind::PositionFromEnd && ref.position() <= count) {
    return count - ref.position();
  }
  return std::nullopt;
}

}  // namespace

FieldSelection::FieldSelection(std::vector<FieldRef> refs, FieldSplitter splitter)
    : refs_(std::move(refs)), splitter_(std::move(splitter)) {
  bool from_end = false;
  for (const FieldRef& ref : refs_) {
    if (ref.kind() == FieldRef::Kind::Position) {
      split_limit_ = std::max(split_limit_, ref.position() + 1);
      split_text_ = true;
    }
    from_end = from_end || ref.kind() == FieldRef::Kind::PositionFromEnd;
  }
  // Counting from the end needs every field of the line.
  if (from_end) {
    split_limit_ = 0;
    split_text_ = true;
  }
}

void FieldSelection::select(Batch& batch, const Record& record, std::vector<Field>& out) {
  out.clear();
  // Split a text record once for all positions, rather than once per position.
  const bool split = !record.has_fields() && split_text_;
  if (split) splitter_.split(record.text, split_, split_limit_);
  for (const FieldRef& ref : refs_) {
    Field field{ref.name(), Value::null()};
    if (split && ref.kind() == FieldRef::Kind::Position) {
      if (ref.position() < split_.size()) field.value = Value::string(split_[ref.position()]);
    } else if (split && ref.kind() == FieldRef::Kind::PositionFromEnd) {
      const std::size_t from_end = ref.position();
      if (from_end <= split_.size()) field.value = Value::string(split_[split_.size() - from_end]);
    } else if (const std::optional<std::size_t> index = field_index(record, ref)) {
      // A position picks a named field (a CSV column, a JSON key): it keeps its name.
      field = batch.fields()[record.first_field + *index];
    } else {
      field.value = lookup_field(batch, record, ref, splitter_);
    }
    out.push_back(field);
  }
}

std::string_view FieldSelection::key(Batch& batch, const Record& record, std::string& key) {
  key.clear();
  select(batch, record, selected_);
  for (const Field& field : selected_) append_value_key(key, field.value);
  return key;
}

void append_value_key(std::string& key, const Value& value) {
  key.push_back(static_cast<char>(value.kind));
  const std::size_t size = value.text.size();
  char size_bytes[sizeof size];
  std::memcpy(size_bytes, &size, sizeof size);
  key.append(size_bytes, sizeof size);
  key.append(value.text);
}

}  // namespace gpipe
