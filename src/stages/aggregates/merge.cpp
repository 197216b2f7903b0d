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

  BatchStream finish(bool as_partial) {
    if (!state_) co_return;
    std::vector<std::unique_ptr<PartialAggregate>> states;
    states.push_back(std::move(state_));
    // (Two statements: g++ 12 miscompiles a conditional expression inside co_yield.)
    BatchStream merged =
        as_partial ? split_->merge_to_partial(std::move(states)) : split_->merge(std::move(states));
    co_yield elements_of(std::move(merged));
  }

 private:
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
    if (info == nullptr) {
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

BatchStream merge_partials(BatchStream in, Context& ctx, bool as_partial) {
  MergedAggregate merged(ctx);
  for (Batch& batch : in) {
    for (const Record& record : batch.records()) {
      if (is_blank(record.text)) continue;
      try {
        merged.add(record.text);
      } catch (const std::invalid_argument& problem) {
        ctx.errors.report(BadRecord{batch.origin(), record.line, 0, problem.what(), record.text});
      }
    }
  }
  co_yield elements_of(merged.finish(as_partial));
}

BuiltStage build(StageArgs& args, Context& ctx) {
  const bool as_partial = args.flag({"--partial"}) || ctx.options.partial;
  args.finish();
  BuiltStage built;
  built.transform = [&ctx, as_partial](BatchStream in) {
    return merge_partials(std::move(in), ctx, as_partial);
  };
  return built;
}

}  // namespace

const StageInfo kMerge{
    .name = "merge",
    .role = StageRole::Transform,
    .synopsis = "merge [--partial]",
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
        "  read sample-data/access-stats.partial.jsonl | merge\n"
        "  read sample-data/access-stats.partial.jsonl | merge --partial",
    .build = build,
    .memory = MemoryUse::GrowsWithGroups,
    .memory_bound = "the merged state of its aggregate",
};

}  // namespace gpipe::stages
