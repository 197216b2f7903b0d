// `tee PATH` / `tee 'PIPELINE'`: the records go on unchanged, and a copy of each batch to a
// file or through a branch pipeline that ends in a sink of its own.
#include <cctype>
#include <memory>
#include <string>

#include "exec/pipeline.hpp"
#include "gpipe/consumer.hpp"
#include "stages/loads/branch_thread.hpp"
#include "stages/stages.hpp"

namespace gpipe::stages {

namespace {

// A copy of `from` in `to` that shares its text (views) but has vectors of its own: the branch
// edits records and fields in place, and the main path must get them unchanged. Pending lines
// stay unsplit.
void copy_views(Batch& from, Batch& to) {
  to.reset(from.origin(), from.kind());
  to.set_format(from.format());
  to.set_closes_load_batch(from.closes_load_batch());
  if (from.lines_pending()) {
    to.set_pending_lines(from.pending_block(), from.pending_first_line(), from.pending_offset(),
                         from.pending_owner());
  } else {
    to.raw_records() = from.raw_records();
  }
  to.fields() = from.fields();
}

// `tee PATH`: the records printed to PATH in their own format, as `write PATH` would.
consumer<Batch> write_to_file(std::string path) {
  const std::unique_ptr<ByteSink> sink = open_file_sink(path, /*append=*/false);
  OutputBuffer buffer(*sink);
  const OutputSpec spec;
  RecordPrinter printer(spec, buffer);
  while (Batch* batch = co_await next_sent) printer.print(*batch);
  printer.finish();
  buffer.flush();
  sink->commit();
}

// `tee 'PIPELINE'`: each batch handed to the branch's thread, which runs it to its sink.
consumer<Batch> run_branch(std::shared_ptr<BranchThread> branch) {
  while (Batch* batch = co_await next_sent) branch->hand(*batch);
  branch->finish();
}

// What the tee sends to, shared by its generator and its end-of-input hook (run_plan calls it
// when a stage after the tee stopped early, so the branch still gets its end and commits).
class TeeTarget {
 public:
  explicit TeeTarget(consumer<Batch> target) : target_(std::move(target)) {}
  void send(Batch& batch) {
    copy_views(batch, copy_);
    target_.send(copy_);
  }
  void finish() {
    if (finished_) return;
    finished_ = true;
    target_.finish();
  }

 private:
  consumer<Batch> target_;
  Batch copy_;  // reused: its vectors keep their capacity
  bool finished_ = false;
};

BatchStream tee_stream(BatchStream in, std::shared_ptr<TeeTarget> target) {
  for (Batch& batch : in) {
    target->send(batch);
    co_yield batch;
  }
  target->finish();
}

// A pipeline is an argument with a '|', or with a space and a stage's name as its first word;
// anything else is a path (`tee ./count` writes a file named count). A misspelt stage in a
// pipeline is then an error, not a file with a strange name.
bool is_pipeline(const std::string& text) {
  if (text.find('|') != std::string::npos) return true;
  if (text.find_first_of(" \t\n") == std::string::npos) return false;
  std::size_t begin = 0;
  while (begin < text.size() && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  std::size_t end = begin;
  while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) &&
         text[end] != '|') {
    ++end;
  }
  return find_stage(std::string_view(text).substr(begin, end - begin)) != nullptr;
}

std::shared_ptr<BranchThread> plan_branch_thread(StageArgs& args, const Argument& arg,
                                                 Context& ctx) {
  auto branch = std::make_shared<BranchThread>();
  try {
    const std::vector<StageCall> calls = parse_pipeline(arg.text, {});
    // The thread outlives nothing it points to: `branch` owns the plan, the plan its stages.
    branch->set_plan(plan_branch(calls, ctx, [raw = branch.get()] { return raw->sent_batches(); }));
  } catch (const PipelineError& error) {
    // Positions point into the branch's text: shifted to the pipeline's when the argument is
    // quoted without escapes (its text is then its raw form less the quotes).
    if (arg.raw.size() == arg.text.size() + 2) {
      const SourceSpan inner = error.span();
      throw PipelineError(std::string("in the tee branch: ") + error.what(),
                          SourceSpan{arg.span.offset + 1 + inner.offset, inner.length});
    }
    args.fail(arg, std::string("in the tee branch: ") + error.what());
  }
  return branch;
}

BuiltStage build(StageArgs& args, Context& ctx) {
  const Argument& arg = args.positional("PATH or 'PIPELINE'");
  if (arg.text.empty()) args.fail(arg, "empty file name");
  std::function<consumer<Batch>()> make_target;
  if (is_pipeline(arg.text)) {
    std::shared_ptr<BranchThread> branch = plan_branch_thread(args, arg, ctx);
    make_target = [branch] { return run_branch(branch); };
  } else {
    make_target = [path = arg.text] { return write_to_file(path); };
  }
  // One target per run: the hook finishes it if the tee's stream was dropped before its end.
  auto target = std::make_shared<std::shared_ptr<TeeTarget>>();
  ctx.at_end_of_input.emplace_back([target] {
    if (*target) (*target)->finish();
  });
  BuiltStage built;
  built.transform = [make_target, target](BatchStream in) {
    *target = std::make_shared<TeeTarget>(make_target());
    return tee_stream(std::move(in), *target);
  };
  return built;
}

}  // namespace

const StageInfo kTee{
    .name = "tee",
    .role = StageRole::Transform,
    .synopsis = "tee PATH|'PIPELINE'",
    .summary = "copies the records to a file or through a branch pipeline",
    .details =
        "Passes every record on unchanged and also sends it to PATH or through PIPELINE.\n"
        "\n"
        "tee PATH writes the records to PATH in their own format, as `write PATH` with no `to`\n"
        "would (CSV stays CSV, JSON lines as written): under a temporary name, renamed into\n"
        "place when the run succeeds; .zst and .gz compress.\n"
        "\n"
        "tee 'PIPELINE' runs a branch pipeline over the same records: it takes them as they\n"
        "pass (no source) and must end in a sink of its own (`write PATH`, `write -` for\n"
        "standard output). The branch sees a copy of each batch, so what it changes (where,\n"
        "set, select) does not reach the main pipeline. It works batch by batch in step with\n"
        "the tee, never buffering the stream: a slow branch slows the run, and memory stays\n"
        "what its stages need. A branch that fails fails the run with its error; its files\n"
        "are committed only when the whole run succeeds.\n"
        "\n"
        "An argument with a |, or with a space and a stage's name as its first word, is a\n"
        "PIPELINE; any other is a PATH (`tee count` writes a file named count). When a stage "
        "after\n"
        "tee stops early (head), the branch gets the records that passed and ends there.\n"
        "\n"
        "  read sample-data/app-api.log | tee all.log | grep ERROR\n"
        "  read sample-data/users.csv | csv | tee 'count | write counts.tsv' | head 2",
    .build = build,
};

}  // namespace gpipe::stages
