// `count [by F…]`: records per group. Memory grows with the number of groups, never with the
// input: one owned key per distinct group, nothing per record.
#include <simdjson.h>

#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "gpipe/field_ref.hpp"
#include "stages/aggregates/aggregates.hpp"
#include "stages/aggregates/partial_state.hpp"
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

// A count's state in a partial line: {"n":COUNT}.
void append_count_state(std::string& line, std::uint64_t count) {
  line += "{\"n\":";
  line += std::to_string(count);
  line += "}}";
}

// The count of a partial line of `stage`, with its key in `arena`.
std::uint64_t read_count_state(PartialLineReader& reader, std::string_view line,
                               std::string_view stage, std::size_t key_width, Arena& arena,
                               std::vector<Value>& key) {
  const PartialLine& partial = reader.read(line, arena);
  if (partial.stage != stage) {
    throw std::invalid_argument("a partial state of '" + std::string(partial.stage) +
                                "' among those of '" + std::string(stage) + "'");
  }
  if (partial.key.size() != key_width) {
    throw std::invalid_argument("a partial state whose key has " +
                                std::to_string(partial.key.size()) + " values, not " +
                                std::to_string(key_width));
  }
  std::uint64_t count = 0;
  if ((*partial.state)["n"].get_uint64().get(count) != simdjson::SUCCESS) {
    throw std::invalid_argument("a count state needs its count 'n'");
  }
  key = partial.key;
  return count;
}

Batch partial_line_batch(std::string_view line) {
  Batch out;
  out.reset(nullptr, RecordKind::Line);
  out.set_format(DataFormat::Json);
  Record record;
  record.text = out.arena().store(line);
  record.whole_json = true;
  out.raw_records().push_back(record);
  return out;
}

// -j: a thread's count, and the sum of them all; and `merge`: the sum of partial lines.
struct PartialTotal final : PartialAggregate {
  explicit PartialTotal(std::shared_ptr<const std::string> stage_text)
      : stage(std::move(stage_text)) {}
  void add(Batch& batch, std::uint64_t /*chunk*/) override { total += record_count(batch); }
  void add_partial_line(std::string_view line) override {
    std::vector<Value> key;
    total += read_count_state(reader, line, *stage, 0, arena, key);
    arena.reset();
  }
  std::shared_ptr<const std::string> stage;
  std::uint64_t total = 0;
  PartialLineReader reader;
  Arena arena;
};

std::uint64_t sum_of_totals(const std::vector<std::unique_ptr<PartialAggregate>>& partials) {
  std::uint64_t total = 0;
  for (const auto& partial : partials) total += static_cast<const PartialTotal&>(*partial).total;
  return total;
}

BatchStream merge_totals(std::vector<std::unique_ptr<PartialAggregate>> partials) {
  Batch out = total_record(sum_of_totals(partials));
  co_yield out;
}

BatchStream merge_totals_to_partial(std::vector<std::unique_ptr<PartialAggregate>> partials) {
  std::string line;
  start_partial_line(line, *static_cast<const PartialTotal&>(*partials.front()).stage, {});
  append_count_state(line, sum_of_totals(partials));
  Batch out = partial_line_batch(line);
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
  GroupCounter(const std::vector<FieldRef>& by, std::shared_ptr<const std::string> stage_text)
      : stage_text_(std::move(stage_text)),
        by_one_position_(by.size() == 1 && by[0].kind() == FieldRef::Kind::Position),
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

  void add_partial_line(std::string_view line) override {
    const std::uint64_t count =
        read_count_state(reader_, line, *stage_text_, groups_.key_width(), arena_, key_);
    groups_.find_or_add(std::span<const Value>(key_)).records += count;
    arena_.reset();
  }

  // The counts as partial lines, one per group.
  BatchStream emit_partial() {
    Batch out;
    std::string line;
    std::vector<Value> key;
    const std::vector<std::uint32_t> order = groups_.first_appearance_order();
    for (std::size_t first = 0; first < order.size();
         first += GroupTable<Counter>::kRecordsPerBatch) {
      out.reset(nullptr, RecordKind::Line);
      out.set_format(DataFormat::Json);
      const std::size_t last =
          std::min(order.size(), first + GroupTable<Counter>::kRecordsPerBatch);
      for (std::size_t group = first; group < last; ++group) {
        key.clear();
        groups_.key_of(order[group], key);
        line.clear();
        start_partial_line(line, *stage_text_, key);
        append_count_state(line, groups_.state_of(order[group]).records);
        Record record;
        record.text = out.arena().store(line);
        record.whole_json = true;
        out.raw_records().push_back(record);
      }
      co_yield out;
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

  std::shared_ptr<const std::string> stage_text_;
  PartialLineReader reader_;  // merge
  Arena arena_;
  std::vector<Value> key_;
  const bool by_one_position_;
  const std::size_t position_;
  const FieldSplitter splitter_;
  GroupTable<Counter> groups_;
};

BatchStream count_groups(BatchStream in, std::vector<FieldRef> by) {
  GroupCounter counter(by, nullptr);
  for (Batch& batch : in) counter.add(batch, 0);
  co_yield elements_of(counter.emit());
}

GroupCounter& merge_counters(std::vector<std::unique_ptr<PartialAggregate>>& partials) {
  auto& merged = static_cast<GroupCounter&>(*partials.front());
  for (std::size_t i = 1; i < partials.size(); ++i) {
    merged.merge(static_cast<GroupCounter&>(*partials[i]));
    partials[i].reset();  // its keys are copied
  }
  return merged;
}

BatchStream merge_group_counts(std::vector<std::unique_ptr<PartialAggregate>> partials) {
  co_yield elements_of(merge_counters(partials).emit());
}

BatchStream merge_group_counts_to_partial(std::vector<std::unique_ptr<PartialAggregate>> partials) {
  co_yield elements_of(merge_counters(partials).emit_partial());
}

BuiltStage build(StageArgs& args, Context& ctx) {
  std::vector<FieldRef> by = group_by_arguments(args, ctx);
  args.finish();
  auto stage_text = std::make_shared<const std::string>(call_text(args.call()));
  BuiltStage built;
  built.record_use = RecordUse{by, /*passes_records_on=*/false};
  auto split = std::make_shared<AggregateSplit>();
  if (by.empty()) {
    built.transform = [](BatchStream in) { return count_all(std::move(in)); };
    split->make_partial = [stage_text] { return std::make_unique<PartialTotal>(stage_text); };
    split->merge = merge_totals;
    split->merge_to_partial = merge_totals_to_partial;
  } else {
    split->make_partial = [by, stage_text] {
      return std::make_unique<GroupCounter>(by, stage_text);
    };
    split->merge = merge_group_counts;
    split->merge_to_partial = merge_group_counts_to_partial;
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
