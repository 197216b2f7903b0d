// `field F… [--sep S]`: keeps only the listed fields, in that order. `select` is the same stage.
#include "stages/stages.hpp"
#include "stages/transforms.hpp"

namespace gpipe::stages {

BatchStream select_fields(BatchStream in, FieldSelection selection) {
  std::vector<Field> selected;  // reused for every record: no allocation once warm
  for (Batch& batch : in) {
    for (Record& record : batch.records()) {
      selection.select(batch, record, selected);
      record.first_field = batch.add_fields(selected);
      record.field_count = static_cast<std::uint32_t>(selected.size());
    }
    co_yield batch;
  }
}

BuiltStage build_field_selection(StageArgs& args) {
  FieldSplitter splitter;
  if (const auto separator = args.option({"--sep"})) {
    if (separator->text.empty()) args.fail(*separator, "the separator must not be empty");
    splitter = FieldSplitter(separator->text);
  }
  std::vector<std::string> specs{args.positional("field").text};
  for (const Argument& argument : args.rest()) specs.push_back(argument.text);
  BuiltStage built;
  built.transform = [selection = FieldSelection(specs, splitter)](BatchStream in) {
    return select_fields(std::move(in), selection);
  };
  return built;
}

namespace {
BuiltStage build(StageArgs& args, Context&) {
  return build_field_selection(args);
}
}  // namespace

// Shared with select.cpp, which has its own table entry.
const std::string_view kFieldDetails =
    "Replaces each record with the listed fields, in the order given; text output joins them\n"
    "with a tab (`to text --ofs` changes that).\n"
    "\n"
    "F is a 0-based position or a name:\n"
    "  0, 1, …   the n-th field. A text line splits as awk does: on runs of spaces and tabs,\n"
    "            leading and trailing ones ignored; with --sep S, on each occurrence of the\n"
    "            exact string S, so empty fields count (as awk -F or cut -d). A record that\n"
    "            already has fields (CSV, JSON, an earlier field) is indexed by those.\n"
    "  NAME      the field of that name (a CSV column, a JSON key, …), or _file, _line,\n"
    "            _offset, which every record has.\n"
    "A field that is not there is null and prints as empty; it is not an error.\n"
    "\n"
    "  --sep S   split text on S instead of white space\n"
    "\n"
    "  read app.log | field 0 2\n"
    "  read data.txt | field 3 0 --sep ,";

const StageInfo kField{
    .name = "field",
    .role = StageRole::Transform,
    .synopsis = "field F… [--sep S]",
    .summary = "keeps only the listed fields, in that order",
    .details = kFieldDetails,
    .build = build,
};

}  // namespace gpipe::stages
