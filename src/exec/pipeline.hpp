// Planning and running a pipeline: stage calls in, one generator chain and an output out.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "exec/plan_description.hpp"
#include "exec/run_stats.hpp"
#include "gpipe/context.hpp"
#include "gpipe/language.hpp"
#include "gpipe/record.hpp"
#include "gpipe/record_sink.hpp"
#include "gpipe/stage.hpp"
#include "output/output.hpp"

namespace gpipe {

struct Plan {
  // --stats: the counters of its stages; null without. First, so that it outlives the stream
  // (the -j threads count into it until the stream's end joins them).
  std::unique_ptr<RunStats> stats;
  BatchStream stream;
  OutputSpec output;
  // A sink that takes records (sqlite, postgres): it gets the stream, and `output` is unused.
  std::unique_ptr<RecordSink> record_sink;
  PlanDescription description;  // what --explain prints, recorded while planning
  // The records written so far, for --progress (on another thread).
  std::shared_ptr<std::atomic<std::uint64_t>> written =
      std::make_shared<std::atomic<std::uint64_t>>(0);
  // --state: a stage holds records until the end of its input (an aggregate, sort, tail), so
  // the state is committed only at the end of the run.
  bool state_at_end_only = false;
};

struct PlanMode {
  bool stats = false;         // count records, time and bad records per stage (--stats)
  bool explain_only = false;  // --explain: make no record sink (it would open a database)
};

// Looks every stage up in the table, checks roles and order (a source only first, `to` and
// sinks only last), builds each stage from its arguments and chains them. A pipeline that does
// not start with a source reads standard input. Throws PipelineError; reads no input.
Plan plan_pipeline(const std::vector<StageCall>& calls, Context& ctx, PlanMode mode = {});

// A tee's branch (`tee 'where … | write x'`): planned as a pipeline whose records come from
// `source` (the batches the tee sends); it must end in a sink of its own.
Plan plan_branch(const std::vector<StageCall>& calls, Context& ctx, SourceFactory source);

// Pulls the plan through to its output. Returns the number of records written. Throws IoError,
// BadRecordError or OutputClosed as they surface.
std::uint64_t run_plan(Plan& plan, Context& ctx, bool stdout_is_terminal);
// As run_plan, for a branch: no end-of-input hooks (run_plan runs them once for the run).
std::uint64_t run_branch_plan(Plan& plan);

}  // namespace gpipe
