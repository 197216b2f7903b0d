// An aggregate stage made of a Spec (what one group's state is and does) and the machinery every
// aggregate shares: the group table, one pass, the threads of -j (AggregateSplit), and the partial
// lines of --partial and `merge` (docs/spec.md §8).
//
// A Spec has:
//   using State;                      // one group's state; default-constructed when it appears
//   using Input;                      // what one record contributes
//   std::vector<FieldRef> by;         // the group fields
//   std::string stage_text;           // its call as written (partial lines carry it)
//   std::vector<std::string> result_names;
//   ReadResult read(Batch&, const Record&, Input&) const;   // Bad: reported by it, left out
//   void add(State&, const Input&) const;
//   void combine(State& into, const State& from) const;
//   // Appends rows × result_names.size() values; returns the number of rows (0 or more).
//   std::size_t results(const State&, std::vector<Value>&, Arena&) const;
//   void write_state(const State&, std::string&) const;      // one JSON value
//   State read_state(const simdjson::dom::element&) const;   // throws std::invalid_argument
#pragma once

#include <simdjson.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "stages/aggregates/aggregates.hpp"
#include "stages/aggregates/partial_state.hpp"

namespace gpipe::stages {

enum class ReadResult {
  Value,  // the record brings a value
  Empty,  // its group counts it, without a value (null, missing, empty)
  Bad,    // it was reported as a bad record; it is left out, group and all
};

template <class Spec>
class GroupedAggregate final : public PartialAggregate {
 public:
  using State = typename Spec::State;

  explicit GroupedAggregate(std::shared_ptr<const Spec> spec)
      : spec_(std::move(spec)), groups_(spec_->by) {}

  void add(Batch& batch, std::uint64_t chunk) override {
    groups_.start_chunk(chunk);
    typename Spec::Input input{};
    for (const Record& record : batch.records()) {
      const ReadResult read = spec_->read(batch, record, input);
      if (read == ReadResult::Bad) continue;
      State& state = groups_.find_or_add(batch, record);
      if (read == ReadResult::Value) spec_->add(state, input);
    }
  }

  void add_partial_line(std::string_view line) override {
    const PartialLine& partial = reader_.read(line, key_arena_);
    if (partial.stage != spec_->stage_text) {
      throw std::invalid_argument("a partial state of '" + std::string(partial.stage) +
                                  "' among those of '" + spec_->stage_text + "'");
    }
    if (partial.key.size() != groups_.key_width()) {
      throw std::invalid_argument("a partial state whose key has " +
                                  std::to_string(partial.key.size()) + " values, not " +
                                  std::to_string(groups_.key_width()));
    }
    const State state = spec_->read_state(*partial.state);
    spec_->combine(groups_.find_or_add(std::span<const Value>(partial.key)), state);
    key_arena_.reset();
  }

  void merge(GroupedAggregate& other) {
    groups_.merge(other.groups_, [this](State& into, State& from) { spec_->combine(into, from); });
  }

  // The final records: the `by` fields, then the results; an aggregate without `by` always
  // emits its one record, also over no input (a sum of nothing is 0).
  BatchStream emit() {
    Batch out;
    std::vector<Field> fields;
    std::vector<Value> key;
    std::vector<Value> values;
    const State empty{};
    const std::vector<std::uint32_t> order = groups_.first_appearance_order();
    const bool one_empty = order.empty() && spec_->by.empty();
    const std::size_t group_count = one_empty ? 1 : order.size();
    const std::size_t width = spec_->result_names.size();
    std::size_t group = 0;
    while (group < group_count) {
      out.reset(nullptr, RecordKind::Line);
      out.set_format(DataFormat::Table);
      for (std::size_t rows = 0; group < group_count && rows < kRecordsPerBatch; ++group) {
        key.clear();
        values.clear();
        const State& state = one_empty ? empty : groups_.state_of(order[group]);
        if (!one_empty) groups_.key_of(order[group], key);
        const std::size_t row_count = spec_->results(state, values, out.arena());
        for (std::size_t row = 0; row < row_count; ++row) {
          fields.clear();
          for (std::size_t i = 0; i < key.size(); ++i) {
            fields.push_back({spec_->by[i].name(), key[i]});
          }
          for (std::size_t i = 0; i < width; ++i) {
            fields.push_back({spec_->result_names[i], values[row * width + i]});
          }
          Record record;
          record.first_field = out.add_fields(fields);
          record.field_count = static_cast<std::uint32_t>(fields.size());
          out.raw_records().push_back(record);
        }
        rows += row_count;
      }
      co_yield out;
    }
  }

  // The state as partial lines, one JSON line per group. An aggregate without `by` always has
  // its one state, also over no input, as emit() always has its one record: a worker whose
  // part held no record still says so, and `merge` gives the one-pass answer.
  BatchStream emit_partial() {
    Batch out;
    std::string line;
    std::vector<Value> key;
    if (spec_->by.empty() && groups_.size() == 0) {
      start_partial_batch(out);
      add_partial_line(out, key, State{}, line);
      co_yield out;
      co_return;
    }
    const std::vector<std::uint32_t> order = groups_.first_appearance_order();
    for (std::size_t first = 0; first < order.size(); first += kRecordsPerBatch) {
      start_partial_batch(out);
      const std::size_t last = std::min(order.size(), first + kRecordsPerBatch);
      for (std::size_t group = first; group < last; ++group) {
        key.clear();
        groups_.key_of(order[group], key);
        add_partial_line(out, key, groups_.state_of(order[group]), line);
      }
      co_yield out;
    }
  }

 private:
  static constexpr std::size_t kRecordsPerBatch = 4096;

  static void start_partial_batch(Batch& out) {
    out.reset(nullptr, RecordKind::Line);
    out.set_format(DataFormat::Json);
  }
  // Appends the partial line of one group (its key, its state) to `out`; `line` is scratch.
  void add_partial_line(Batch& out, const std::vector<Value>& key, const State& state,
                        std::string& line) const {
    line.clear();
    start_partial_line(line, spec_->stage_text, key);
    spec_->write_state(state, line);
    line += '}';
    Record record;
    record.text = out.arena().store(line);
    record.whole_json = true;
    out.raw_records().push_back(record);
  }

  std::shared_ptr<const Spec> spec_;
  GroupTable<State> groups_;
  PartialLineReader reader_;
  Arena key_arena_;
};

// The merge of the threads' (or merged partial streams') states, as records or partial lines.
template <class Spec>
GroupedAggregate<Spec>& merge_all(std::vector<std::unique_ptr<PartialAggregate>>& partials) {
  auto& merged = static_cast<GroupedAggregate<Spec>&>(*partials.front());
  for (std::size_t i = 1; i < partials.size(); ++i) {
    merged.merge(static_cast<GroupedAggregate<Spec>&>(*partials[i]));
    partials[i].reset();
  }
  return merged;
}

template <class Spec>
BatchStream merge_to_records(std::vector<std::unique_ptr<PartialAggregate>> partials) {
  co_yield elements_of(merge_all<Spec>(partials).emit());
}

template <class Spec>
BatchStream merge_to_partial_lines(std::vector<std::unique_ptr<PartialAggregate>> partials) {
  co_yield elements_of(merge_all<Spec>(partials).emit_partial());
}

template <class Spec>
BatchStream aggregate_in_one_pass(BatchStream in, std::shared_ptr<const Spec> spec) {
  GroupedAggregate<Spec> aggregate(spec);
  for (Batch& batch : in) aggregate.add(batch, 0);
  co_yield elements_of(aggregate.emit());
}

// The rest of an aggregate's call, `F [by G…]`, into `spec` (field, by, stage_text), once its own
// options and arguments are read; nothing may be left over.
template <class Spec>
void read_field_and_groups(StageArgs& args, Context& ctx, Spec& spec) {
  const Argument& field = args.positional("field");
  if (field.text == "by") args.fail(field, "missing the field F before 'by'");
  spec.field = args.needed_field(field, ctx.demand);
  spec.by = group_by_arguments(args, ctx);
  args.finish();
  spec.stage_text = call_text(args.call());
}

// The stage built from its spec: one pass, and the split for -j, --partial and merge.
template <class Spec>
BuiltStage grouped_aggregate_stage(std::shared_ptr<const Spec> spec) {
  BuiltStage built;
  built.record_use = RecordUse{{spec->field}, /*passes_records_on=*/false};
  built.record_use->reads.insert(built.record_use->reads.end(), spec->by.begin(), spec->by.end());
  auto split = std::make_shared<AggregateSplit>();
  split->make_partial = [spec] { return std::make_unique<GroupedAggregate<Spec>>(spec); };
  split->merge = merge_to_records<Spec>;
  split->merge_to_partial = merge_to_partial_lines<Spec>;
  built.split = std::move(split);
  built.transform = [spec](BatchStream in) { return aggregate_in_one_pass(std::move(in), spec); };
  return built;
}

}  // namespace gpipe::stages
