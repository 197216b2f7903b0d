#include "exec/pipeline.hpp"

#include <algorithm>
#include <optional>
#include <span>
#include <thread>

#include "exec/parallel/parallel.hpp"
#include "gpipe/errors.hpp"
#include "gpipe/stage.hpp"
#include "io/file_range.hpp"
#include "stages/aggregates/partial_state.hpp"
#include "state/input_state.hpp"

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

// Follows what flows between the stages, from the first on: raw byte blocks (`chunks`) or
// records. A stage that needs records where blocks reach it would pass them on untouched (a
// `field` or `to jsonl` that silently did nothing), so it is an error before anything is read.
class RawBlockCheck {
 public:
  void pass(const StageInfo& info, const BuiltStage& built, const StageCall& call) {
    switch (info.raw_blocks) {
      case RawBlocks::Made:
        maker_ = info.name;
        return;
      case RawBlocks::Parsed:
        maker_ = {};
        return;
      case RawBlocks::PassedOn:
        if (!built.needs_records) return;
        break;
      case RawBlocks::Rejected:
        break;
    }
    if (!maker_.empty()) {
      throw PipelineError("'" + call.name + "' needs records, but '" + std::string(maker_) +
                              "' makes raw byte blocks (use 'read' for lines)",
                          call.name_span);
    }
  }

 private:
  std::string_view maker_;  // the stage whose blocks flow here (a table name), or empty
};

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

// -j: the stages after a `read` that may run on several threads (StageInfo::parallel). Returns
// the index just past them (1 when there are none, or the source is not `read`).
// A stage with a ChunkFraming (csv) must be the first of the prefix: its chunks are cut for it.
std::size_t parallel_prefix_end(const std::vector<const StageInfo*>& stages,
                                const std::vector<BuiltStage>& built) {
  if (stages.front()->name != "read") return 1;
  std::size_t end = 1;
  while (end < stages.size() && stages[end]->parallel && !built[end].sequential &&
         (end == 1 || !built[end].framing)) {
    ++end;
  }
  return end;
}

// Whether a stage may read records' line numbers (_line, as a field or in an expression). By
// its text: "last_line" counts too, which costs -j only its late numbering (parallel.hpp).
bool mentions_line_numbers(const StageCall& call) {
  return std::any_of(call.args.begin(), call.args.end(), [](const Argument& arg) {
    return arg.text.find("_line") != std::string::npos ||
           arg.raw.find("_line") != std::string::npos;
  });
}

// Threads for the prefix [1, end): -j N as given. Without -j, over a plain file, every core:
// gpipe reads it at memory speed, and the threads search its chunks side by side, which pays
// even for the cheapest prefix (`grep | field`). A pipe or a decompressed file has a writer that
// needs a core of its own (the process writing the pipe, or gpipe's decompressing thread), and
// its bytes are copied into chunks: there, all cores but one, and only when the prefix does real
// work per record (a parser, an expression). On two cores that is one thread: a second one,
// sharing a core with the writer, made every task slower (an aggregate after the prefix does not
// count as real work either). See docs/performance.md, 'When threads pay'.
unsigned thread_count(const std::vector<const StageInfo*>& stages, std::size_t end,
                      const BuiltStage& source, const Context& ctx) {
  if (ctx.options.threads != 0) return ctx.options.threads;
  // Followed input comes a few lines at a time: threads would hold them back in chunks.
  if (ctx.follows_input) return 1;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  if (source.reads_plain_file) return cores;
  static constexpr std::string_view kCheap[] = {"grep", "field", "select"};
  const bool worth_it = std::any_of(
      stages.begin() + 1, stages.begin() + static_cast<std::ptrdiff_t>(end),
      [](const StageInfo* s) {
        return std::find(std::begin(kCheap), std::end(kCheap), s->name) == std::end(kCheap);
      });
  return worth_it ? std::max(1u, cores - 1) : 1;
}

// --partial: one pass of an aggregate whose merged state comes out as partial lines.
BatchStream partial_states_in_one_pass(BatchStream in,
                                       std::shared_ptr<const AggregateSplit> split) {
  std::vector<std::unique_ptr<PartialAggregate>> partials;
  partials.push_back(split->make_partial());
  for (Batch& batch : in) partials.front()->add(batch, 0);
  co_yield elements_of(split->merge(std::move(partials)));
}

// --partial: the last stage before the output stages must be an aggregate with mergeable states
// (or `merge`, which reads the option itself); it is made to print them, in one pass or on the
// threads.
void print_partial_states(std::vector<BuiltStage>& built,
                          const std::vector<const StageInfo*>& built_infos,
                          const std::vector<StageCall>& calls, bool keyed) {
  std::size_t last = built.size() - 1;
  while (last > 0 && built[last].configure_output) {
    if (built_infos[last]->role == StageRole::Format) {
      std::size_t call = calls.size() - 1;
      while (call > 0 && calls[call].name != built_infos[last]->name) --call;
      throw PipelineError("--partial prints JSON lines for 'merge'; leave out '" +
                              std::string(built_infos[last]->name) + "'",
                          calls[call].name_span);
    }
    --last;
  }
  if (built_infos[last]->name == "merge") return;
  if (built[last].split == nullptr || !built[last].split->merge_to_partial) {
    std::size_t call = calls.size() - 1;
    while (call > 0 && calls[call].name != built_infos[last]->name) --call;
    throw PipelineError(
        "--partial needs a pipeline that ends in an aggregate with mergeable "
        "states (count, sum, avg, min, max, stats, quantile, distinct, top), not '" +
            std::string(built_infos[last]->name) + "'",
        calls[call].name_span);
  }
  auto split = std::make_shared<AggregateSplit>(*built[last].split);
  split->merge = split->merge_to_partial;
  if (keyed) {
    split->merge = [to_partial = split->merge_to_partial](
                       std::vector<std::unique_ptr<PartialAggregate>> partials) {
      return stages::keyed_partial_lines(to_partial(std::move(partials)));
    };
  }
  built[last].split = split;
  built[last].transform = [split](BatchStream in) {
    return partial_states_in_one_pass(std::move(in), split);
  };
}

// `STAGE | head N` where STAGE can do less for its first N records (sort: its N best in memory,
// never spilled): STAGE is given N. Only a head right after it: `sort | skip M | head N` wants
// records N+M deep, and any other stage between may drop or add records.
void pass_head_limits(std::vector<BuiltStage>& built) {
  for (std::size_t i = 0; i + 1 < built.size(); ++i) {
    BuiltStage& stage = built[i];
    const std::optional<std::uint64_t> limit = built[i + 1].passes_at_most;
    if (!stage.transform_first || !limit) continue;
    stage.transform = [first = std::move(stage.transform_first), n = *limit](BatchStream in) {
      return first(std::move(in), n);
    };
  }
}

// --state records, per input file, the offset up to which the output has every record. Mid-run
// commits need each batch to reach the output before the source reads on, carrying its resume
// point: `read` of files, then stages that look at one record at a time and pass batches on
// (those that may run on threads; csv moves the point back to a row still open). A stage whose
// output comes only after all its input (an aggregate, sort, tail) is allowed too, and anything
// after it: the state is then committed only at the end of the run. Any other stage (head,
// uniq, dedup, running, window, batch…) holds records or stops early in ways the state cannot
// follow, and is refused. Returns whether the state may be committed only at the end.
bool check_stages_for_state(const std::vector<const StageInfo*>& infos,
                            const std::vector<BuiltStage>& built,
                            const std::vector<StageCall>& calls, bool implicit_read,
                            const Context& ctx) {
  if (implicit_read || infos.front()->name != "read" || ctx.stdin_taken) {
    throw PipelineError(
        "--state records how far each input file was read: start with 'read FILE…' (not "
        "standard input, 'chunks' or 'seq')",
        calls.front().name_span);
  }
  // `built` has the same stages as `infos` (no implicit read here).
  for (std::size_t i = 1; i < infos.size(); ++i) {
    const StageInfo& info = *infos[i];
    if (info.role == StageRole::Transform && info.parallel) continue;
    if (info.role == StageRole::Sink && info.name != "write") {
      throw PipelineError("'" + std::string(info.name) + "' does not keep a --state yet",
                          calls[i].name_span);
    }
    if (info.role != StageRole::Transform) continue;  // `to`, `write`
    const bool output_at_end = built[i].split != nullptr || info.name == "sort" ||
                               info.name == "tail" || info.name == "merge";
    if (output_at_end) return true;
    throw PipelineError("'" + std::string(info.name) +
                            "' cannot run under --state: the state must say exactly which input "
                            "records the output has, so between 'read' and the output only "
                            "stages that pass each record on at once (grep, where, field, "
                            "select, set, json, csv, kv, parse, …) or whose output comes after "
                            "all their input (aggregates, sort, tail) may come",
                        calls[i].name_span);
  }
  return false;
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
  std::vector<const StageInfo*> built_infos;  // which stage each entry of `built` is
  std::vector<bool> reads_line_numbers;       // and whether it may read _line
  built.reserve(calls.size() + 1);
  RawBlockCheck raw_blocks;
  auto add = [&](const StageInfo& info, const StageCall& call) {
    built.push_back(build(info, call, ctx));
    raw_blocks.pass(info, built.back(), call);
    built_infos.push_back(&info);
    reads_line_numbers.push_back(mentions_line_numbers(call));
  };
  if (infos.front()->role != StageRole::Source) {
    const StageCall read = stdin_read_call();
    if (calls.front().name == "items") {
      add(*find_stage("chunks"), as_chunks_call(read));
    } else {
      add(*find_stage("read"), read);
    }
  }
  for (std::size_t i = 0; i < calls.size(); ++i) {
    if (i == 0 && calls[0].name == "read" && feeds_items(calls, 0)) {
      add(*find_stage("chunks"), as_chunks_call(calls[0]));
      continue;
    }
    add(*infos[i], calls[i]);
  }

  bool state_at_end_only = false;
  if (ctx.input_state != nullptr) {
    state_at_end_only =
        check_stages_for_state(infos, built, calls, infos.front()->role != StageRole::Source, ctx);
  }
  pass_head_limits(built);
  if (ctx.options.partial) {
    print_partial_states(built, built_infos, calls, ctx.options.partial_keyed);
  }

  OutputSpec output;
  std::unique_ptr<RecordSink> record_sink;
  std::optional<BatchStream> stream;
  std::size_t next = 0;
  const std::size_t end = parallel_prefix_end(built_infos, built);
  // An aggregate right after the prefix runs on the threads too (partial states, merged).
  const bool with_aggregate = built_infos.front()->name == "read" && end < built.size() &&
                              built[end].split != nullptr && !built[end].sequential;
  const std::size_t parallel_end = end + (with_aggregate ? 1 : 0);
  if (parallel_end > 1) {
    const unsigned threads = thread_count(built_infos, end, built[0], ctx);
    if (threads > 1) {
      std::vector<TransformFactory> prefix;
      for (std::size_t i = 1; i < end; ++i) prefix.push_back(std::move(built[i].transform));
      std::shared_ptr<const ChunkFraming> framing = end > 1 ? built[1].framing : nullptr;
      // The threads number the lines; they read in the pages of plain chunks, which view the
      // mapped file (framed ones are copies, made on this thread).
      ctx.threads_number_lines = true;
      ctx.threads_read_in_pages = framing == nullptr;
      // Plain files are read by the threads in ranges (--mmap maps them instead); csv ranges
      // (framed: their workers cut them between records) are smaller (src/io/file_range.hpp).
      if (!ctx.options.map_files) {
        ctx.threads_range_bytes = framing == nullptr ? kFileRangeBytes : kFramedRangeBytes;
      }
      // The threads number the lines after processing them, unless a stage needs the numbers.
      const bool number_late =
          std::none_of(reads_line_numbers.begin() + 1,
                       reads_line_numbers.begin() + static_cast<std::ptrdiff_t>(parallel_end),
                       [](bool reads) { return reads; });
      std::shared_ptr<const AggregateSplit> aggregate = with_aggregate ? built[end].split : nullptr;
      stream.emplace(run_parallel(built[0].source(), std::move(prefix), std::move(framing),
                                  std::move(aggregate), threads, number_late, ctx.errors,
                                  ctx.options.max_line));
      next = parallel_end;
    }
  }
  for (BuiltStage& stage : std::span(built).subspan(next)) {
    if (stage.source) {
      stream.emplace(stage.source());
    } else if (stage.transform) {
      BatchStream upstream = std::move(*stream);
      stream.emplace(stage.transform(std::move(upstream)));
    } else if (stage.configure_output) {
      stage.configure_output(output);
    } else if (stage.record_sink) {
      record_sink = stage.record_sink();
    }
  }
  return Plan{std::move(*stream), std::move(output), std::move(record_sink), state_at_end_only};
}

std::uint64_t run_plan(Plan& plan, Context& ctx, bool stdout_is_terminal) {
  if (plan.record_sink) {
    std::uint64_t sent = 0;
    for (Batch& batch : plan.stream) {
      sent += batch.records().size();
      plan.record_sink->consume(batch);
    }
    plan.record_sink->finish();
    ctx.errors.flush();
    return sent;
  }
  const bool to_stdout = plan.output.path.empty();
  InputState* const state = ctx.input_state;
  // --state with write --append: exactly once. The output is cut back to its committed length
  // before anything is written, and each commit makes the output durable before the state.
  const bool append_exactly_once = state != nullptr && !to_stdout && plan.output.append;
  if (append_exactly_once) state->prepare_output(plan.output.path);
  std::unique_ptr<ByteSink> sink =
      to_stdout ? open_stdout_sink() : open_file_sink(plan.output.path, plan.output.append);
  if (append_exactly_once) state->bind_output(plan.output.path);
  OutputBuffer buffer(*sink, (to_stdout && stdout_is_terminal) || ctx.options.line_buffered);
  RecordPrinter printer(plan.output, buffer);
  // A file written under a temporary name shows nothing until it is renamed at the end, so its
  // state is committed only then; standard output and appended files commit as they go.
  const bool commits_as_it_goes =
      state != nullptr && !plan.state_at_end_only && (to_stdout || plan.output.append);
  const auto commit = [&] {
    buffer.flush();
    std::optional<std::uint64_t> length;
    if (append_exactly_once) length = sink->checkpoint();
    state->commit(length);
  };
  // Followed input (or a stage acting on time) must not wait in the buffer for more to come.
  const bool flush_each_batch = ctx.follows_input || ctx.idle_tick.count() != 0;
  std::uint64_t written = 0;
  for (Batch& batch : plan.stream) {
    written += printer.print(batch);
    if (state != nullptr) {
      state->note(batch);
      if (commits_as_it_goes && (batch.closes_load_batch() || state->commit_due())) commit();
    }
    if (flush_each_batch) buffer.flush();
  }
  buffer.flush();
  if (state != nullptr) {
    state->note_end_of_input();
    if (append_exactly_once) {
      commit();
      sink->commit();
    } else {
      sink->commit();
      state->commit(std::nullopt);
    }
  } else {
    sink->commit();
  }
  ctx.errors.flush();
  return written;
}

}  // namespace gpipe
