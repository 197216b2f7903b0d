#include "core/field_edit.hpp"

#include <algorithm>

#include "gpipe/field_ref.hpp"

namespace gpipe {

FieldTarget parse_field_target(StageArgs& args, const Argument& arg, std::string_view text,
                               std::string_view verb) {
  const FieldRef ref = args.field_ref(arg, text);
  FieldTarget target;
  switch (ref.kind()) {
    case FieldRef::Kind::Position:
      target.is_position = true;
      target.position = ref.position();
      break;
    case FieldRef::Kind::Name:
      target.name = ref.name();
      break;
    case FieldRef::Kind::PositionFromEnd:
      args.fail(arg, "a position from the end (" + ref.name() + ") cannot be " + std::string(verb));
    default:
      args.fail(arg, "every record has " + ref.name() + "; it cannot be " + std::string(verb));
  }
  return target;
}

std::string_view PositionNames::name(std::size_t position) {
  while (names_.size() <= position) names_.push_back(std::to_string(names_.size()));
  return names_[position];
}

bool FieldEditor::fields_of(Batch& batch, const Record& record, std::vector<Field>& out) {
  out.clear();
  if (record.has_fields()) {
    const Field* const first = batch.fields().data() + record.first_field;
    out.assign(first, first + record.field_count);
    return true;
  }
  if (!split_text_) return false;
  splitter_.split(record.text, words_);
  for (std::size_t i = 0; i < words_.size(); ++i) {
    out.push_back({names_.name(i), Value::string(words_[i])});
  }
  return true;
}

void FieldEditor::replace_fields(Batch& batch, Record& record, const std::vector<Field>& fields) {
  record.first_field = batch.add_fields(fields);
  record.field_count = static_cast<std::uint32_t>(fields.size());
  record.whole_json = false;
}

void set_named_field(std::vector<Field>& fields, std::string_view name, Value value) {
  for (Field& field : fields) {
    if (field.name == name) {
      field.value = value;
      return;
    }
  }
  fields.push_back(Field{name, value});
}

bool has_position(const std::vector<FieldTarget>& targets) {
  return std::any_of(targets.begin(), targets.end(),
                     [](const FieldTarget& t) { return t.is_position; });
}

}  // namespace gpipe
