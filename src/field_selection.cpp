#include "field_selection.hpp"

#include <algorithm>

namespace gpipe {

FieldSelection::FieldSelection(const std::vector<std::string>& specs, FieldSplitter splitter)
    : splitter_(std::move(splitter)) {
  refs_.reserve(specs.size());
  bool from_end = false;
  for (const std::string& spec : specs) {
    refs_.push_back(FieldRef::parse(spec));
    if (refs_.back().kind() == FieldRef::Kind::Position) {
      split_limit_ = std::max(split_limit_, refs_.back().position() + 1);
      split_text_ = true;
    }
    from_end = from_end || refs_.back().kind() == FieldRef::Kind::PositionFromEnd;
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
    Value value;
    if (split && ref.kind() == FieldRef::Kind::Position) {
      if (ref.position() < split_.size()) value = Value::string(split_[ref.position()]);
    } else if (split && ref.kind() == FieldRef::Kind::PositionFromEnd) {
      const std::size_t from_end = ref.position();
      if (from_end <= split_.size()) value = Value::string(split_[split_.size() - from_end]);
    } else {
      value = lookup_field(batch, record, ref, splitter_);
    }
    out.push_back(Field{ref.name(), value});
  }
}

}  // namespace gpipe
