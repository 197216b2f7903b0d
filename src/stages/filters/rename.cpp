// `rename OLD=NEW…`: renames fields.
#include <memory>

#include "core/field_edit.hpp"
#include "gpipe/errors.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

namespace {

struct Renaming {
  FieldTarget old_field;
  std::string new_name;  // owned by the stage: the renamed fields' names view it
};

// The renaming that applies to field `index` named `name`, or null.
const Renaming* renaming_of(const std::vector<Renaming>& renamings, std::size_t index,
                            std::string_view name) {
  for (const Renaming& r : renamings) {
    if (r.old_field.matches(index, name)) return &r;
  }
  return nullptr;
}

// Renames every field some OLD matches (all at once, so `a=b b=a` swaps), then drops any other
// field that already had one of the new names, so a name stays unique (as mlr rename does).
void rename_in(const std::vector<Renaming>& renamings, std::vector<Field>& fields,
               std::vector<char>& renamed) {
  renamed.assign(fields.size(), 0);
  bool any = false;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (const Renaming* r = renaming_of(renamings, i, fields[i].name)) {
      fields[i].name = r->new_name;
      renamed[i] = 1;
      any = true;
    }
  }
  if (!any) return;
  const auto taken = [&](std::string_view name) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (renamed[i] != 0 && fields[i].name == name) return true;
    }
    return false;
  };
  std::size_t kept = 0;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (renamed[i] != 0 || !taken(fields[i].name)) fields[kept++] = fields[i];
  }
  fields.resize(kept);
}

BatchStream rename_fields(BatchStream in, std::shared_ptr<const std::vector<Renaming>> renamings) {
  bool split_text = false;
  for (const Renaming& r : *renamings) split_text = split_text || r.old_field.is_position;
  FieldEditor editor(split_text);
  std::vector<Field> fields;  // reused for every record: no allocation once warm
  std::vector<char> renamed;
  for (Batch& batch : in) {
    for (Record& record : batch.records()) {
      if (!editor.fields_of(batch, record, fields)) continue;
      rename_in(*renamings, fields, renamed);
      FieldEditor::replace_fields(batch, record, fields);
    }
    co_yield batch;
  }
}

Renaming parse_renaming(StageArgs& args, const Argument& argument) {
  const std::size_t equals = argument.text.find('=');
  if (equals == std::string::npos) args.fail(argument, "expected OLD=NEW");
  const std::string old_text = argument.text.substr(0, equals);
  Renaming renaming{parse_field_target(args, argument, old_text, "renamed"),
                    argument.text.substr(equals + 1)};
  if (renaming.new_name.empty()) args.fail(argument, "missing the new name after '='");
  return renaming;
}

BuiltStage build(StageArgs& args, Context& ctx) {
  auto renamings = std::make_shared<std::vector<Renaming>>();
  for (const Argument& argument : args.one_or_more("OLD=NEW")) {
    renamings->push_back(parse_renaming(args, argument));
  }
  ctx.demand.need_all();  // JSON records must come with every field to keep the others
  BuiltStage built;
  built.transform = [renamings = std::shared_ptr<const std::vector<Renaming>>(renamings)](
                        BatchStream in) { return rename_fields(std::move(in), renamings); };
  return built;
}

}  // namespace

const StageInfo kRename{
    .name = "rename",
    .role = StageRole::Transform,
    .synopsis = "rename OLD=NEW…",
    .summary = "renames fields",
    .details =
        "Renames fields, keeping their values and their order. All renamings apply at once,\n"
        "so `rename a=b b=a` swaps two names. A field that already had a NEW name (and is\n"
        "not renamed itself) is dropped, so names stay unique, as with `mlr rename`.\n"
        "\n"
        "OLD is a 0-based position or a name:\n"
        "  NAME      every top-level field of exactly that name (a CSV column, a JSON key, a kv\n"
        "            key, a parse capture); a JSON path such as a.b is not looked inside\n"
        "  0, 1, …   the n-th field of the record\n"
        "An OLD that is not there is ignored. _file, _line and _offset cannot be renamed.\n"
        "\n"
        "A plain text line has no fields: names leave it as it is, and positions turn it into\n"
        "its awk fields (split on spaces and tabs), named \"0\", \"1\", … except the renamed\n"
        "ones, so a later stage can use the new names.\n"
        "\n"
        "  read sample-data/users.csv | csv | rename 'signup_date=signed up' name=user\n"
        "  read sample-data/app-api.log | rename 0=ts 1=level | where level == \"ERROR\"",
    .build = build,
    .parallel = true,
};

}  // namespace gpipe::stages
