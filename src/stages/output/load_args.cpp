#include "stages/output/load_args.hpp"

#include <limits>

namespace gpipe::stages {

db::LoadOptions read_load_args(StageArgs& args, Context& ctx, std::string target,
                               std::uint64_t default_batch_rows) {
  db::LoadOptions options;
  options.target = std::move(target);
  options.batch_rows = default_batch_rows;
  if (const std::optional<Argument> rows = args.option({"--batch"})) {
    options.batch_rows = args.positional_number(*rows, "--batch");
    if (options.batch_rows == 0) args.fail(*rows, "--batch needs at least 1 row");
  }
  std::optional<Argument> mode_arg = args.option({"--mode"});
  if (mode_arg) {
    if (mode_arg->text == "insert") {
      options.mode = db::LoadMode::Insert;
    } else if (mode_arg->text == "replace") {
      options.mode = db::LoadMode::Replace;
    } else if (mode_arg->text == "upsert") {
      options.mode = db::LoadMode::Upsert;
    } else {
      args.fail(*mode_arg,
                "unknown --mode '" + mode_arg->text + "' (expected insert, replace or upsert)");
    }
  }
  std::optional<Argument> first_key;
  while (const std::optional<Argument> key = args.option({"--key"})) {
    if (!first_key) first_key = key;
    std::string_view rest = key->text;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      const std::string_view name = rest.substr(0, comma);
      if (name.empty()) args.fail(*key, "empty column name in --key");
      options.keys.emplace_back(name);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  const bool keyed = options.mode != db::LoadMode::Insert;
  if (keyed && options.keys.empty()) {
    args.fail(*mode_arg, "--mode " + mode_arg->text +
                             " needs --key F (the column(s) that find the row to update)");
  }
  if (!keyed && first_key) args.fail(*first_key, "--key applies to --mode replace or upsert");
  const Argument& table = args.positional("TABLE");
  if (table.text.empty()) args.fail(table, "empty table name");
  options.table = table.text;
  ctx.demand.need_all();
  return options;
}

RecordSinkFactory loader_factory(std::string dialect, db::LoadOptions options, Context& ctx,
                                 std::unique_ptr<db::TransactionalSink> (*make)(db::LoadOptions,
                                                                                ErrorPolicy&)) {
  return [dialect = std::move(dialect), options = std::move(options), errors = &ctx.errors,
          make]() -> std::unique_ptr<RecordSink> {
    std::unique_ptr<db::TransactionalSink> sink = make(options, *errors);
    sink->set_database(dialect, options.target);
    return sink;
  };
}

}  // namespace gpipe::stages
