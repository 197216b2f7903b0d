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
#include "output/output.hpp"

namespace gpipe {

struct Plan {
  BatchStream stream;
  OutputSpec output;
  // A sink that takes records (sqlite, postgres): it gets the stream, and `output` is unused.
  std::unique_ptr<RecordSink> record_sink;
  // --state: a stage holds records until the end of its input (an aggregate, sort, tail), so
  // the state is committed only at the end of the run.
  bool state_at_end_only = false;
};

// Looks every stage up in the table, checks roles and order (a source only first, `to` and
// sinks only last), builds each stage from its arguments and chains them. A pipeline that does
// not start with a source reads standard input. Throws PipelineError; reads no input.
Plan plan_pipeline(const std::vector<StageCall>& calls, Context& ctx);

// Pulls the plan through to its output. Returns the number of records written. Throws IoError,
// BadRecordError or OutputClosed as they surface.
std::uint64_t run_plan(Plan& plan, Context& ctx, bool stdout_is_terminal);

}  // namespace gpipe
