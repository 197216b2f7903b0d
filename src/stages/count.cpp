// `count [by F…]`: records per group. Memory grows with the number of groups, never with the
// input: one owned key per distinct group, nothing per record.
#include <string>
#include <unordered_map>
#include <vector>

#include "gpipe/field_ref.hpp"
#include "stages/aggregates.hpp"
#include "stages/stages.hpp"
#include "stages/transforms.hpp"

namespace gpipe::stages {

namespace {

struct Counter {
  std::uint64_t records = 0;
};

BatchStream count_all(BatchStream in) {
  std::uint64_t total = 0;
  for (Batch& batch : in) {
    // A block of unsplit lines is counted without splitting it.
    total += batch.lines_pending() ? pending_line_count(batch) : batch.records().size();
  }
  Batch out;
  out.reset(nullptr, RecordKind::Line);
  out.set_format(DataFormat::Table);
  const Field field{"count", number_value(out.arena(), total)};
  Record record;
  record.first_field = out.add_fields({&field, 1});
  record.field_count = 1;
  out.raw_records().push_back(record);
  co_yield out;
}

BatchStream count_groups(BatchStream in, std::vector<FieldRef> by) {
  GroupTable<Counter> groups(std::move(by));
  for (Batch& batch : in) {
    for (const Record& record : batch.records()) ++groups.find_or_add(batch, record).records;
  }
  // (A named vector: g++ 12 rejects a braced list as a coroutine call's argument here.)
  std::vector<std::string> result_names{std::string("count")};
  auto results = [](const Counter& c, std::vector<Value>& values, Arena& arena) {
    values.push_back(number_value(arena, c.records));
  };
  co_yield elements_of(groups.emit(std::move(result_names), results));
}

BuiltStage build(StageArgs& args, Context& ctx) {
  std::vector<FieldRef> by = group_by_arguments(args, ctx);
  BuiltStage built;
  if (by.empty()) {
    built.transform = [](BatchStream in) { return count_all(std::move(in)); };
  } else {
    built.transform = [by = std::move(by)](BatchStream in) {
      return count_groups(std::move(in), by);
    };
  }
  return built;
}

}  // namespace

const StageInfo kCount{
    .name = "count",
    .role = StageRole::Transform,
    .synopsis = "count [by F…]",
    .summary = "records per group",
    .details =
        "Counts records: in all (one record, `count`), or per group of the values of the `by`\n"
        "fields (one record per group, in the order the groups first appeared: the `by` fields,\n"
        "then `count`). F is a position or a name, as for `field`. Output is TSV with a header\n"
        "row unless a `to` stage says otherwise. Memory grows with the number of groups, never\n"
        "with the input.\n"
        "\n"
        "  read app.log | grep ERROR | count\n"
        "  read app.log | count by 1\n"
        "  read access.log | count by 8 0",
    .build = build,
};

}  // namespace gpipe::stages
