// `count [by F…]`: records per group. Memory grows with the number of groups, never with the
// input: one owned key per distinct group, nothing per record.
#include <cstring>
#include <string>
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

// The value of awk field `position` of a text line, as lookup_field gives it.
Value awk_field(const FieldSplitter& splitter, std::string_view text, std::size_t position) {
  std::string_view field;
  return splitter.nth(text, position, field) ? Value::string(field) : Value::null();
}

// `count by N` over a block of unsplit lines: each line is split only up to field N, and no
// records are made.
void count_pending_lines_by_position(const Batch& batch, std::size_t position,
                                     GroupTable<Counter>& groups) {
  const FieldSplitter splitter;
  const std::string_view block = batch.pending_block();
  std::size_t start = 0;
  while (start < block.size()) {
    const void* newline = std::memchr(block.data() + start, '\n', block.size() - start);
    const std::size_t end =
        newline == nullptr
            ? block.size()
            : static_cast<std::size_t>(static_cast<const char*>(newline) - block.data());
    const std::string_view text = chomp_cr(block.substr(start, end - start));
    ++groups.find_or_add(awk_field(splitter, text, position)).records;
    start = end + 1;
  }
}

BatchStream count_groups(BatchStream in, std::vector<FieldRef> by) {
  // One positional field: text records are split right here, without lookup_field.
  const bool by_one_position = by.size() == 1 && by[0].kind() == FieldRef::Kind::Position;
  const std::size_t position = by_one_position ? by[0].position() : 0;
  const FieldSplitter splitter;
  GroupTable<Counter> groups(std::move(by));
  for (Batch& batch : in) {
    if (by_one_position && batch.lines_pending()) {
      count_pending_lines_by_position(batch, position, groups);
      continue;
    }
    for (const Record& record : batch.records()) {
      Counter& counter = by_one_position && !record.has_fields()
                             ? groups.find_or_add(awk_field(splitter, record.text, position))
                             : groups.find_or_add(batch, record);
      ++counter.records;
    }
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
