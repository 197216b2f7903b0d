// Planning and running a pipeline: stage calls in, one generator chain and an output out.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gpipe/context.hpp"
#include "gpipe/language.hpp"
#include "gpipe/record.hpp"
#include "gpipe/record_sink.hpp"
#include "gpipe/stage.hpp"
#include "output/output.hpp"

namespace gpipe {

struct Plan {
  BatchStream stream;
  OutputSpec output;
  // A sink that takes records (sqlite, postgres): it gets the stream, and `output` is unused.
  std::unique_ptr<RecordSink> record_sink;
};

// Looks every stage up in the table, checks roles and order (a source only first, `to` and
// sinks only last), builds each stage from its arguments and chains them. A pipeline that does
// not start with a source reads standard input. Throws PipelineError; reads no input.
Plan plan_pipeline(const std::vector<StageCall>& calls, Context& ctx);

// A branch of `tee`: the calls (no source; ending in a sink) over the batches `source` yields.
// Throws PipelineError as plan_pipeline does.
Plan plan_branch(const std::vector<StageCall>& calls, Context& ctx, SourceFactory source);

// Pulls the plan through to its output. Returns the number of records written. Throws IoError,
// BadRecordError or OutputClosed as they surface.
std::uint64_t run_plan(Plan& plan, Context& ctx, bool stdout_is_terminal);
// As run_plan, for a branch: no end-of-input hooks (run_plan runs them once for the run).
std::uint64_t run_branch_plan(Plan& plan);

}  // namespace gpipe
