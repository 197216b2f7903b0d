#include "field_selection.hpp"

#include <algorithm>

namespace gpipe {

FieldSelection::FieldSelection(const std::vector<std::string>& specs, FieldSplitter splitter)
    : splitter_(std::move(splitter)) {
  refs_.reserve(specs.size());
  for (const std::string& spec : specs) {
    refs_.push_back(FieldRef::parse(spec));
    if (refs_.back().kind() == FieldRef::Kind::Position) {
      split_limit_ = std::max(split_limit_, refs_.back().position() + 1);
    }
  }
}

void FieldSelection::select(Batch& batch, const Record& record, std::vector<Field>& out) {
  out.clear();
  // Split a text record once for all positions, rather than once per position.
  const bool split = !record.has_fields() && split_limit_ != 0;
  if (split) splitter_.split(record.text, split_, split_limit_);
  for (const FieldRef& ref : refs_) {
    Field field{ref.name(), Value::null()};
    if (split && ref.kind() == FieldRef::Kind::Position) {
      if (ref.position() < split_.size()) field.value = Value::string(split_[ref.position()]);
    } else if (ref.kind() == FieldRef::Kind::Position && record.has_fields()) {
      // A position picks a named field (a CSV column, a JSON key): it keeps its name.
      if (ref.position() < record.field_count) {
        field = batch.fields()[record.first_field + ref.position()];
      }
    } else {
      field.value = lookup_field(batch, record, ref, splitter_);
    }
    out.push_back(field);
  }
}

}  // namespace gpipe
