// `drop F…`: removes the named fields (or positions) from each record.
#include <algorithm>

#include "core/field_edit.hpp"
#include "gpipe/errors.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

namespace {

bool dropped(const std::vector<FieldTarget>& targets, std::size_t index, std::string_view name) {
  return std::any_of(targets.begin(), targets.end(),
                     [&](const FieldTarget& t) { return t.matches(index, name); });
}

BatchStream drop_fields(BatchStream in, std::vector<FieldTarget> targets) {
  FieldEditor editor(has_position(targets));
  std::vector<Field> fields;  // reused for every record: no allocation once warm
  for (Batch& batch : in) {
    for (Record& record : batch.records()) {
      if (!editor.fields_of(batch, record, fields)) continue;
      std::size_t kept = 0;
      for (std::size_t i = 0; i < fields.size(); ++i) {
        if (!dropped(targets, i, fields[i].name)) fields[kept++] = fields[i];
      }
      fields.resize(kept);
      FieldEditor::replace_fields(batch, record, fields);
    }
    co_yield batch;
  }
}

BuiltStage build(StageArgs& args, Context& ctx) {
  std::vector<FieldTarget> targets;
  for (const Argument& argument : args.one_or_more("field")) {
    targets.push_back(parse_field_target(args, argument, argument.text, "dropped"));
  }
  ctx.demand.need_all();  // JSON records must come with every field to keep the others
  BuiltStage built;
  built.transform = [targets](BatchStream in) { return drop_fields(std::move(in), targets); };
  return built;
}

}  // namespace

const StageInfo kDrop{
    .name = "drop",
    .role = StageRole::Transform,
    .synopsis = "drop F…",
    .summary = "removes fields",
    .details =
        "Removes the listed fields from each record and keeps the others, in their order.\n"
        "\n"
        "F is a 0-based position or a name:\n"
        "  NAME      every top-level field of exactly that name (a CSV column, a JSON key, a kv\n"
        "            key, a parse capture); a JSON path such as a.b is not looked inside\n"
        "  0, 1, …   the n-th field of the record as it comes in\n"
        "A field that is not there is ignored. _file, _line and _offset cannot be dropped.\n"
        "\n"
        "A plain text line has no fields: names leave it as it is, and positions turn it into\n"
        "its awk fields (split on spaces and tabs) less the dropped ones, printed joined by a\n"
        "tab, as `awk` with a field removed would.\n"
        "\n"
        "  read sample-data/users.csv | csv | drop email notes\n"
        "  read sample-data/tweets.jsonl | json | drop entities user\n"
        "  read sample-data/app-api.log | drop 0",
    .build = build,
    .parallel = true,
};

}  // namespace gpipe::stages
