// `merge [--partial]`: combines the partial states that `--partial` prints (docs/spec.md §8),
// from any number of workers, in any order, into the aggregate's final records, or (--partial)
// into partial states again, for a combiner.
#include <optional>
#include <stdexcept>

#include "gpipe/context.hpp"
#include "gpipe/language.hpp"
#include "stages/aggregates/partial_state.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

namespace {

// The aggregate the partial lines come from, rebuilt from the call they carry.
class MergedAggregate {
 public:
  explicit MergedAggregate(Context& ctx) : ctx_(ctx) {}

  // Adds one line; throws std::invalid_argument saying what is wrong with it.
  void add(std::string_view line) {
    if (!state_) start(line);
    state_->add_partial_line(line);
  }

  bool started() const { return state_ != nullptr; }

  // --sorted: the groups so far are done; the next line starts afresh.
  BatchStream finish_groups(bool as_partial) {
    std::vector<std::unique_ptr<PartialAggregate>> states;
    states.push_back(std::move(state_));
    state_ = split_->make_partial();
    return merged_records(std::move(states), as_partial);
  }

  BatchStream finish(bool as_partial) {
    if (!state_) co_return;
    std::vector<std::unique_ptr<PartialAggregate>> states;
    states.push_back(std::move(state_));
    co_yield elements_of(merged_records(std::move(states), as_partial));
  }

 private:
  BatchStream merged_records(std::vector<std::unique_ptr<PartialAggregate>> states,
                             bool as_partial) {
    // (Two statements: g++ 12 miscompiles a conditional expression inside co_yield.)
    BatchStream merged =
        as_partial ? split_->merge_to_partial(std::move(states)) : split_->merge(std::move(states));
    co_yield elements_of(std::move(merged));
  }

  void start(std::string_view line) {
    const std::string stage(reader_.read(line, arena_).stage);
    arena_.reset();
    std::vector<StageCall> calls;
    try {
      calls = parse_pipeline(stage, {});
    } catch (const PipelineError& error) {
      throw std::invalid_argument("a partial state of '" + stage +
                                  "', which is not a stage call: " + error.what());
    }
    const StageInfo* info = calls.size() == 1 ? find_stage(calls[0].name) : nullptr;
    if (info == nullptr || info->role != StageRole::Transform) {
      throw std::invalid_argument("a partial state of '" + stage + "', which is not an aggregate");
    }
    BuiltStage built;
    try {
      StageArgs args(calls[0]);
      built = info->build(args, ctx_);
    } catch (const PipelineError& error) {
      throw std::invalid_argument("a partial state of '" + stage + "': " + error.what());
    }
    if (built.split == nullptr || !built.split->merge_to_partial) {
      throw std::invalid_argument("a partial state of '" + stage +
                                  "', which has no mergeable states");
    }
    split_ = built.split;
    state_ = split_->make_partial();
  }

  Context& ctx_;
  PartialLineReader reader_;
  Arena arena_;
  std::shared_ptr<const AggregateSplit> split_;
  std::unique_ptr<PartialAggregate> state_;
};

bool is_blank(std::string_view text) {
  return text.find_first_not_of(" \t\r") == std::string_view::npos;
}

// A partial line without the `KEY<tab>` that --keyed puts before it, and that key (empty when
// there is none).
std::string_view without_key(std::string_view line, std::string_view& key) {
  key = {};
  if (line.starts_with('{')) return line;
  const std::size_t tab = line.find('\t');
  if (tab == std::string_view::npos) return line;
  key = line.substr(0, tab);
  return line.substr(tab + 1);
}

// The lines with their key in front (--keyed), or as they are. (A function, not a conditional
// expression inside co_yield, which g++ 12 miscompiles.)
BatchStream keyed_if(bool keyed, BatchStream lines) {
  if (keyed) return keyed_partial_lines(std::move(lines));
  return lines;
}

struct MergeOptions {
  bool as_partial = false;
  bool keyed = false;   // print partial lines with their key in front
  bool sorted = false;  // the input comes sorted by key: finish each group when its key changes
};

BatchStream merge_partials(BatchStream in, Context& ctx, MergeOptions options) {
  MergedAggregate merged(ctx);
  std::string previous_key;  // --sorted
  for (Batch& batch : in) {
    for (const Record& record : batch.records()) {
      if (is_blank(record.text)) continue;
      std::string_view key;
      const std::string_view line = without_key(record.text, key);
      if (options.sorted && merged.started() && key != previous_key) {
        co_yield elements_of(keyed_if(options.keyed, merged.finish_groups(options.as_partial)));
      }
      if (options.sorted) previous_key = key;
      try {
        merged.add(line);
      } catch (const std::exception& problem) {  // a malformed state, of any kind
        ctx.errors.report(BadRecord{batch.origin(), record.line, 0, problem.what(), record.text});
      }
    }
  }
  co_yield elements_of(keyed_if(options.keyed, merged.finish(options.as_partial)));
}

BuiltStage build(StageArgs& args, Context& ctx) {
  MergeOptions options;
  options.as_partial = args.flag({"--partial"}) || ctx.options.partial;
  options.keyed = options.as_partial && ctx.options.partial_keyed;
  options.sorted = args.flag({"--sorted"});
  args.finish();
  BuiltStage built;
  built.transform = [&ctx, options](BatchStream in) {
    return merge_partials(std::move(in), ctx, options);
  };
  return built;
}

}  // namespace

const StageInfo kMerge{
    .name = "merge",
    .role = StageRole::Transform,
    .synopsis = "merge [--partial] [--sorted]",
    .summary = "combines partial aggregate states (--partial) into the final records",
    .details =
        "Reads the partial states that `gpipe --partial` prints (one JSON line per group, each\n"
        "with its aggregate's call, its key and its state) from any number of workers, in any\n"
        "order, and prints what the aggregate would have printed after one pass over all of\n"
        "their input: exactly so for count, sum, avg, min, max and stats of integers and\n"
        "decimals, and within the stated bound for quantile, distinct and top. Groups come out\n"
        "in the order they first appear in merge's input (with `parallel --keep-order`, the\n"
        "order of one pass). With --partial (its own or gpipe's) it prints the merged partial\n"
        "states instead: a combiner. A line that is not a partial state, or one of another\n"
        "aggregate than the first line's, is a bad record.\n"
        "\n"
        "A line may start with its key and a tab (`gpipe --partial --keyed`), as Hadoop\n"
        "Streaming wants it. --sorted says the lines come sorted by that key (Hadoop's reduce\n"
        "phase, `sort`): each group is finished and printed when the key changes, so memory\n"
        "holds one group, whatever their number.\n"
        "\n"
        "  read sample-data/access-stats.partial.jsonl | merge\n"
        "  read sample-data/access-stats.partial.jsonl | merge --partial",
    .build = build,
    .memory = MemoryUse::GrowsWithGroups,
    .memory_bound = "the merged state of its aggregate",
};

}  // namespace gpipe::stages
