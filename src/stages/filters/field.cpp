// `field F… [--sep S]`: keeps only the listed fields, in that order, as values (text output).
// `select` is the same stage keeping names (output format follows the input).
#include "core/field_edit.hpp"
#include "stages/filters/transforms.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

BatchStream select_fields(BatchStream in, FieldSelection selection, SelectionOutput output) {
  std::vector<Field> selected;  // reused for every record: no allocation once warm
  for (Batch& batch : in) {
    for (Record& record : batch.records()) {
      selection.select(batch, record, selected);
      FieldEditor::replace_fields(batch, record, selected);
    }
    if (output == SelectionOutput::Values) batch.set_format(DataFormat::Text);
    co_yield batch;
  }
}

BuiltStage build_field_selection(StageArgs& args, Context& ctx, SelectionOutput output) {
  FieldSplitter splitter;
  if (const auto separator = args.separator_option()) splitter = FieldSplitter(separator->text);
  std::vector<FieldRef> refs = args.needed_fields(args.one_or_more("field"), ctx.demand);
  BuiltStage built;
  // The records it passes on hold only these fields (their text is kept as it was).
  built.record_use = RecordUse{refs, /*passes_records_on=*/false};
  FieldSelection selection(std::move(refs), splitter);
  built.transform = [selection = std::move(selection), output](BatchStream in) {
    return select_fields(std::move(in), selection, output);
  };
  return built;
}

namespace {
BuiltStage build(StageArgs& args, Context& ctx) {
  return build_field_selection(args, ctx, SelectionOutput::Values);
}
}  // namespace

// Shared with select.cpp, which has its own table entry.
const std::string_view kFieldDetails =
    "Replaces each record with the listed fields, in the order given. `field` makes values:\n"
    "the output is text, the fields joined by a tab (`to text --ofs` changes that), as jq -r\n"
    "or cut would print them. `select` keeps the names, and the output format follows the\n"
    "input: JSON in, JSON objects out; CSV in, CSV with a header out.\n"
    "\n"
    "F is a 0-based position or a name:\n"
    "  0, 1, …   the n-th field. A text line splits as awk does: on runs of spaces and tabs,\n"
    "            leading and trailing ones ignored; with --sep S, on each occurrence of the\n"
    "            exact string S, so empty fields count (as awk -F or cut -d). A record that\n"
    "            already has fields is indexed by those, in order: CSV columns, kv pairs,\n"
    "            parse captures, a JSON object's top-level keys as written (`select`\n"
    "            keeps their names).\n"
    "  -1, -2, … the same counted from the end: -1 is the last field (awk's $NF).\n"
    "  NAME      the field of that name (a CSV column, a kv key, …), a JSON path\n"
    "            (user.screen_name, entities.hashtags[0].text, .\"user name\"), or _file,\n"
    "            _line, _offset, which every record has.\n"
    "A field that is not there is null and prints as empty; it is not an error.\n"
    "\n"
    "  --sep S   split text on S instead of white space (tab or \\t: a tab)\n"
    "\n"
    "  read sample-data/app-api.log | field 0 -1\n"
    "  read sample-data/users.csv | field 1 0 --sep ,\n"
    "  read sample-data/tweets.jsonl | json | select user.screen_name retweet_count";

const StageInfo kField{
    .name = "field",
    .role = StageRole::Transform,
    .synopsis = "field F… [--sep S]",
    .summary = "keeps only the listed fields, in that order",
    .details = kFieldDetails,
    .build = build,
    .parallel = true,
};

}  // namespace gpipe::stages
