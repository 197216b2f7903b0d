#include "gpipe/pipeline.hpp"

#include <optional>

#include "gpipe/errors.hpp"
#include "gpipe/stage.hpp"

namespace gpipe {

namespace {

std::string closest_stage_name(std::string_view name) {
  std::string best;
  std::size_t best_distance = 3;  // suggest only names within two edits
  for (const StageInfo& info : stage_table()) {
    const std::size_t d = edit_distance(name, info.name);
    if (d < best_distance) {
      best_distance = d;
      best = info.name;
    }
  }
  return best;
}

const StageInfo& resolve(const StageCall& call) {
  if (const StageInfo* info = find_stage(call.name)) return *info;
  std::string message = "unknown stage '" + call.name + "'";
  if (const std::string suggestion = closest_stage_name(call.name); !suggestion.empty()) {
    message += " (did you mean '" + suggestion + "'?)";
  } else {
    message += " (gpipe help lists the stages)";
  }
  throw PipelineError(message, call.name_span);
}

void check_position(const StageInfo& info, const StageCall& call, std::size_t index,
                    const std::vector<const StageInfo*>& infos) {
  const bool last = index + 1 == infos.size();
  switch (info.role) {
    case StageRole::Source:
      if (index != 0) {
        throw PipelineError("'" + call.name + "' is a source: it can only be the first stage",
                            call.name_span);
      }
      break;
    case StageRole::Format:
      if (!last && !(index + 2 == infos.size() && infos.back()->role == StageRole::Sink)) {
        throw PipelineError("'" + call.name +
                                "' sets the output format: it must come last (or "
                                "just before a sink such as 'write')",
                            call.name_span);
      }
      break;
    case StageRole::Sink:
      if (!last) {
        throw PipelineError("'" + call.name + "' is a sink: it must be the last stage",
                            call.name_span);
      }
      break;
    case StageRole::Transform:
      break;
  }
}

BuiltStage build(const StageInfo& info, const StageCall& call, Context& ctx) {
  StageArgs args(call);
  BuiltStage built = info.build(args, ctx);
  args.finish();
  return built;
}

// The implicit source of a pipeline that starts with a filter: `read -`.
StageCall stdin_read_call() {
  StageCall call;
  call.name = "read";
  call.args.push_back(Argument{Argument::Kind::Word, "-", {}});
  return call;
}

// `items` splits one JSON document that may be far larger than --max-line, so it needs raw byte
// blocks, not lines: a `read P…` (or the implicit read of standard input) feeding `items` is
// planned as `chunks 1MiB P…`.
bool feeds_items(const std::vector<StageCall>& calls, std::size_t source_index) {
  const std::size_t next = source_index + 1;
  return next < calls.size() && calls[next].name == "items";
}

StageCall as_chunks_call(StageCall read) {
  read.name = "chunks";
  read.args.insert(read.args.begin(), Argument{Argument::Kind::Word, "1MiB", read.name_span});
  return read;
}

}  // namespace

Plan plan_pipeline(const std::vector<StageCall>& calls, Context& ctx) {
  if (calls.empty()) throw PipelineError("empty pipeline", {});
  std::vector<const StageInfo*> infos;
  infos.reserve(calls.size());
  for (const StageCall& call : calls) infos.push_back(&resolve(call));
  for (std::size_t i = 0; i < calls.size(); ++i) check_position(*infos[i], calls[i], i, infos);

  // Build every stage (checking all arguments) before chaining any, so a bad argument anywhere
  // is reported before a file is opened.
  std::vector<BuiltStage> built;
  built.reserve(calls.size() + 1);
  if (infos.front()->role != StageRole::Source) {
    const StageCall read = stdin_read_call();
    if (calls.front().name == "items") {
      built.push_back(build(*find_stage("chunks"), as_chunks_call(read), ctx));
    } else {
      built.push_back(build(*find_stage("read"), read, ctx));
    }
  }
  for (std::size_t i = 0; i < calls.size(); ++i) {
    if (i == 0 && calls[0].name == "read" && feeds_items(calls, 0)) {
      built.push_back(build(*find_stage("chunks"), as_chunks_call(calls[0]), ctx));
      continue;
    }
    built.push_back(build(*infos[i], calls[i], ctx));
  }

  OutputSpec output;
  std::optional<BatchStream> stream;
  for (BuiltStage& stage : built) {
    if (stage.source) {
      stream.emplace(stage.source());
    } else if (stage.transform) {
      BatchStream upstream = std::move(*stream);
      stream.emplace(stage.transform(std::move(upstream)));
    } else if (stage.configure_output) {
      stage.configure_output(output);
    }
  }
  return Plan{std::move(*stream), std::move(output)};
}

std::uint64_t run_plan(Plan& plan, Context& ctx, bool stdout_is_terminal) {
  const bool to_stdout = plan.output.path.empty();
  std::unique_ptr<ByteSink> sink =
      to_stdout ? open_stdout_sink() : open_file_sink(plan.output.path, plan.output.append);
  OutputBuffer buffer(*sink, to_stdout && stdout_is_terminal);
  RecordPrinter printer(plan.output, buffer);
  std::uint64_t written = 0;
  for (Batch& batch : plan.stream) written += printer.print(batch);
  buffer.flush();
  sink->commit();
  ctx.errors.flush();
  return written;
}

}  // namespace gpipe
