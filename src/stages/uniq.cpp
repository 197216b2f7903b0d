// `uniq [F…] [--sep S]`: drops adjacent repeats.
#include <cstring>

#include "stages/stages.hpp"
#include "stages/transforms.hpp"

namespace gpipe::stages {

namespace {

// Appends one value to a key so that distinct lists of values give distinct keys: its kind
// (null differs from empty) and length go first, so no separator can be confused with data.
void append_key_part(std::string& key, const Value& value) {
  key.push_back(static_cast<char>(value.kind));
  const std::size_t size = value.text.size();
  char size_bytes[sizeof size];
  std::memcpy(size_bytes, &size, sizeof size);
  key.append(size_bytes, sizeof size);
  key.append(value.text);
}

// What makes two records repeats: the selected fields' values; without a selection, a
// record's fields if it has them (what it prints as), else its text.
std::string_view record_key(Batch& batch, const Record& record,
                            std::optional<FieldSelection>& selection, std::vector<Field>& selected,
                            std::string& key) {
  if (!selection && !record.has_fields()) return record.text;
  key.clear();
  if (selection) {
    selection->select(batch, record, selected);
    for (const Field& field : selected) append_key_part(key, field.value);
  } else {
    const Field* const first = batch.fields().data() + record.first_field;
    for (const Field* f = first; f != first + record.field_count; ++f) {
      append_key_part(key, f->value);
    }
  }
  return key;
}

BuiltStage build(StageArgs& args, Context& ctx) {
  FieldSplitter splitter;
  if (const auto separator = args.option({"--sep"})) {
    if (separator->text.empty()) args.fail(*separator, "the separator must not be empty");
    splitter = FieldSplitter(separator->text);
  }
  std::vector<std::string> specs;
  for (const Argument& argument : args.rest()) {
    try {
      const FieldRef ref = FieldRef::parse(argument.text);
      if (ref.kind() == FieldRef::Kind::Name) ctx.demand.need(ref.name());
    } catch (const std::invalid_argument& e) {
      args.fail(argument, e.what());
    }
    specs.push_back(argument.text);
  }
  std::optional<FieldSelection> selection;
  if (!specs.empty()) selection.emplace(specs, splitter);
  BuiltStage built;
  built.transform = [selection](BatchStream in) {
    return drop_adjacent_repeats(std::move(in), selection);
  };
  return built;
}

}  // namespace

BatchStream drop_adjacent_repeats(BatchStream in, std::optional<FieldSelection> selection) {
  // Owned copies that keep their capacity: no allocation per record once warm.
  std::string previous;
  std::string key;
  bool have_previous = false;
  std::vector<Field> selected;
  for (Batch& batch : in) {
    std::vector<Record>& records = batch.records();
    std::size_t kept = 0;
    for (const Record& record : records) {
      const std::string_view this_key = record_key(batch, record, selection, selected, key);
      if (have_previous && this_key == previous) continue;
      previous.assign(this_key);
      have_previous = true;
      records[kept++] = record;
    }
    records.resize(kept);
    if (kept != 0) co_yield batch;
  }
}

const StageInfo kUniq{
    .name = "uniq",
    .role = StageRole::Transform,
    .synopsis = "uniq [F…] [--sep S]",
    .summary = "drops adjacent repeats",
    .details =
        "Drops each record that repeats the one just before it, keeping the first of each run,\n"
        "as Unix uniq does (repeats that are not adjacent stay; `count by F…` counts each value).\n"
        "Records are compared by their text, or, after `field`/`csv`/`json`, by their fields'\n"
        "values. With F… (positions or names, as in `field`; --sep S to split text on S), only\n"
        "those fields are compared, and the whole first record of each run is kept.\n"
        "\n"
        "  read app.log | field 4 | uniq\n"
        "  read app.log | uniq 2 3",
    .build = build,
};

}  // namespace gpipe::stages
