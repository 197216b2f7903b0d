// `count [by F…]`: records per group. Memory grows with the number of groups, never with the
// input: one owned key per distinct group, nothing per record.
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "gpipe/field_ref.hpp"
#include "stages/aggregates/aggregates.hpp"
#include "stages/filters/transforms.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

namespace {

struct Counter {
  std::uint64_t records = 0;
};

Batch total_record(std::uint64_t total) {
  Batch out;
  out.reset(nullptr, RecordKind::Line);
  out.set_format(DataFormat::Table);
  const Field field{"count", number_value(out.arena(), total)};
  Record record;
  record.first_field = out.add_fields({&field, 1});
  record.field_count = 1;
  out.raw_records().push_back(record);
  return out;
}

BatchStream count_all(BatchStream in) {
  std::uint64_t total = 0;
  for (Batch& batch : in) total += record_count(batch);
  Batch out = total_record(total);
  co_yield out;
}

// -j: a thread's count, and the sum of them all.
struct PartialTotal final : PartialAggregate {
  void add(Batch& batch, std::uint64_t /*chunk*/) override { total += record_count(batch); }
  std::uint64_t total = 0;
};

BatchStream merge_totals(std::vector<std::unique_ptr<PartialAggregate>> partials) {
  std::uint64_t total = 0;
  for (const auto& partial : partials) total += static_cast<const PartialTotal&>(*partial).total;
  Batch out = total_record(total);
  co_yield out;
}

// The value of awk field `position` of a text line, as lookup_field gives it.
Value awk_field(const FieldSplitter& splitter, std::string_view text, std::size_t position) {
  std::string_view field;
  return splitter.nth(text, position, field) ? Value::string(field) : Value::null();
}

// Records per group: of one pass over the input, or (-j) of one thread's chunks.
class GroupCounter final : public PartialAggregate {
 public:
  explicit GroupCounter(const std::vector<FieldRef>& by)
      : by_one_position_(by.size() == 1 && by[0].kind() == FieldRef::Kind::Position),
        position_(by_one_position_ ? by[0].position() : 0),
        groups_(by) {}

  void add(Batch& batch, std::uint64_t chunk) override {
    groups_.start_chunk(chunk);
    if (by_one_position_ && batch.lines_pending()) {
      count_pending_lines(batch);
      return;
    }
    for (const Record& record : batch.records()) {
      // One positional field: text records are split right here, without lookup_field.
      Counter& counter = by_one_position_ && !record.has_fields()
                             ? groups_.find_or_add(awk_field(splitter_, record.text, position_))
                             : groups_.find_or_add(batch, record);
      ++counter.records;
    }
  }

  // Adds the other thread's counts to these.
  void merge(GroupCounter& other) {
    groups_.merge(other.groups_,
                  [](Counter& into, const Counter& from) { into.records += from.records; });
  }

  BatchStream emit() {
    // (A named vector: g++ 12 rejects a braced list as a coroutine call's argument here.)
    std::vector<std::string> result_names{std::string("count")};
    auto results = [](const Counter& c, std::vector<Value>& values, Arena& arena) {
      values.push_back(number_value(arena, c.records));
    };
    return groups_.emit(std::move(result_names), results);
  }

 private:
  // `count by N` over a block of unsplit lines: each line is split only up to field N, and no
  // records are made.
  void count_pending_lines(const Batch& batch) {
    const std::string_view block = batch.pending_block();
    std::size_t start = 0;
    while (start < block.size()) {
      const void* newline = std::memchr(block.data() + start, '\n', block.size() - start);
      const std::size_t end =
          newline == nullptr
              ? block.size()
              : static_cast<std::size_t>(static_cast<const char*>(newline) - block.data());
      const std::string_view text = chomp_cr(block.substr(start, end - start));
      ++groups_.find_or_add(awk_field(splitter_, text, position_)).records;
      start = end + 1;
    }
  }

  const bool by_one_position_;
  const std::size_t position_;
  const FieldSplitter splitter_;
  GroupTable<Counter> groups_;
};

BatchStream count_groups(BatchStream in, std::vector<FieldRef> by) {
  GroupCounter counter(by);
  for (Batch& batch : in) counter.add(batch, 0);
  co_yield elements_of(counter.emit());
}

BatchStream merge_group_counts(std::vector<std::unique_ptr<PartialAggregate>> partials) {
  auto& merged = static_cast<GroupCounter&>(*partials.front());
  for (std::size_t i = 1; i < partials.size(); ++i) {
    merged.merge(static_cast<GroupCounter&>(*partials[i]));
    partials[i].reset();  // its keys are copied
  }
  co_yield elements_of(merged.emit());
}

BuiltStage build(StageArgs& args, Context& ctx) {
  std::vector<FieldRef> by = group_by_arguments(args, ctx);
  BuiltStage built;
  auto split = std::make_shared<AggregateSplit>();
  if (by.empty()) {
    built.transform = [](BatchStream in) { return count_all(std::move(in)); };
    split->make_partial = [] { return std::make_unique<PartialTotal>(); };
    split->merge = merge_totals;
  } else {
    split->make_partial = [by] { return std::make_unique<GroupCounter>(by); };
    split->merge = merge_group_counts;
    built.transform = [by = std::move(by)](BatchStream in) {
      return count_groups(std::move(in), by);
    };
  }
  built.split = std::move(split);
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
        "with the input. Under -j, right after `read` and its stateless stages, each thread\n"
        "counts its own chunks and the counts are merged, in the same order as one pass.\n"
        "\n"
        "  read sample-data/app-*.log | grep ERROR | count\n"
        "  read sample-data/app-api.log | count by 1\n"
        "  read sample-data/access.log | count by 8 0",
    .build = build,
    .memory = MemoryUse::GrowsWithGroups,
    .memory_bound = "its key and a count",
};

}  // namespace gpipe::stages
