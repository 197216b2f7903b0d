#include "exec/pipeline.hpp"

#include <algorithm>
#include <optional>
#include <span>
#include <thread>

#include "exec/parallel/parallel.hpp"
#include "exec/run_stats.hpp"
#include "exec/stage_hints.hpp"
#include "gpipe/errors.hpp"
#include "gpipe/stage.hpp"
#include "io/file_range.hpp"
#include "io/input_meter.hpp"
#include "output/db/load_options.hpp"
#include "output/split_output.hpp"
#include "stages/aggregates/partial_state.hpp"
#include "state/database_state.hpp"
#include "state/input_state.hpp"

namespace gpipe {

namespace {

const StageInfo& resolve(const StageCall& call) {
  if (const StageInfo* info = find_stage(call.name)) return *info;
  throw PipelineError("unknown stage '" + call.name + "' (" + unknown_stage_hint(call.name) + ")",
                      call.name_span);
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

// A sink that takes records (sqlite, postgres) stores fields, not printed lines: a `to` before
// it would choose a format nothing prints. And with `batch N` before it, each load batch is one
// of its transactions.
void check_record_sink(const std::vector<BuiltStage>& built,
                       const std::vector<const StageInfo*>& built_infos,
                       const std::vector<StageCall>& calls) {
  if (!built.back().record_sink) return;
  for (std::size_t i = 0; i < built_infos.size(); ++i) {
    if (built_infos[i]->role != StageRole::Format) continue;
    const auto call = std::find_if(calls.begin(), calls.end(), [&](const StageCall& c) {
      return c.name == built_infos[i]->name;
    });
    throw PipelineError("'" + std::string(built_infos[i]->name) +
                            "' sets how records are printed, but '" +
                            std::string(built_infos.back()->name) +
                            "' stores their fields, not printed lines: leave out '" +
                            std::string(built_infos[i]->name) + "'",
                        call == calls.end() ? SourceSpan{} : call->name_span);
  }
}

bool loads_in_batches(const std::vector<const StageInfo*>& built_infos) {
  return std::any_of(built_infos.begin(), built_infos.end(),
                     [](const StageInfo* info) { return info->name == "batch"; });
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

// Another tool's idiom among the arguments of a stage that rejected them (`uniq -c`): the
// error says which gpipe stage does that.
std::string other_tool_hint(const StageCall& call) {
  for (const Argument& arg : call.args) {
    if (arg.kind != Argument::Kind::Option) continue;
    if (std::string hint = other_tool_option_hint(call.name, arg.text); !hint.empty()) return hint;
  }
  return "";
}

BuiltStage build(const StageInfo& info, const StageCall& call, Context& ctx) {
  try {
    StageArgs args(call);
    BuiltStage built = info.build(args, ctx);
    args.finish();
    return built;
  } catch (const PipelineError& e) {
    const std::string hint = other_tool_hint(call);
    if (hint.empty()) throw;
    throw PipelineError(std::string(e.what()) + " (" + hint + ")", e.span());
  }
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
struct ThreadChoice {
  unsigned threads;
  std::string reason;  // for --explain
};

ThreadChoice thread_count(const std::vector<const StageInfo*>& stages, std::size_t end,
                          const BuiltStage& source, const Context& ctx) {
  if (ctx.options.threads != 0) {
    return {ctx.options.threads, "-j " + std::to_string(ctx.options.threads) + " as given"};
  }
  // Followed input comes a few lines at a time: threads would hold them back in chunks.
  if (ctx.follows_input) return {1, "read --follow: followed input comes a few lines at a time"};
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  if (source.reads_plain_file) {
    return {cores, "default: every core (" + std::to_string(cores) +
                       "), as the input is a plain file the threads read themselves"};
  }
  static constexpr std::string_view kCheap[] = {"grep", "field", "select"};
  const bool worth_it = std::any_of(
      stages.begin() + 1, stages.begin() + static_cast<std::ptrdiff_t>(end),
      [](const StageInfo* s) {
        return std::find(std::begin(kCheap), std::end(kCheap), s->name) == std::end(kCheap);
      });
  if (!worth_it) {
    return {1,
            "default: the input is a pipe or compressed, whose writer needs a core, and the "
            "stages that could run on threads (grep, field, select) are too cheap to pay"};
  }
  const unsigned threads = std::max(1u, cores - 1);
  return {threads, "default: every core but one (" + std::to_string(threads) +
                       "), as the input is a pipe or compressed and its writer needs a core"};
}

// Why no stage runs on threads, when none does (for --explain).
std::string why_no_threads(const std::vector<const StageInfo*>& stages,
                           const std::vector<BuiltStage>& built) {
  if (stages.front()->name != "read") {
    return "only stages after 'read' run on threads, and the source is '" +
           std::string(stages.front()->name) + "'";
  }
  if (stages.size() < 2 || built[1].configure_output || built[1].record_sink) {
    return "no stage after 'read' to run on them";
  }
  const std::string next(stages[1]->name);
  if (built[1].sequential) return "'" + next + "' needs its files whole with these options";
  return "'" + next + "' keeps state between records, so it runs on one thread";
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
void pass_head_limits(std::vector<BuiltStage>& built, PlanDescription& description) {
  for (std::size_t i = 0; i + 1 < built.size(); ++i) {
    BuiltStage& stage = built[i];
    const std::optional<std::uint64_t> limit = built[i + 1].passes_at_most;
    if (!stage.transform_first || !limit) continue;
    description.stages[i].fused.push_back("keeps only its first " + std::to_string(*limit) +
                                          " (the head after it), in memory");
    stage.transform = [first = std::move(stage.transform_first), n = *limit](BatchStream in) {
      return first(std::move(in), n);
    };
  }
}

// The fields the stages after `parser` read of its records, when every one of them says
// (RecordUse) up to one whose output is its own; nullopt when one may read any field, or the
// records reach the output, a sink or a format stage, which print every field.
std::optional<std::vector<FieldRef>> fields_read_after(const std::vector<BuiltStage>& built,
                                                       std::size_t parser) {
  std::vector<FieldRef> reads;
  for (std::size_t i = parser + 1; i < built.size(); ++i) {
    const std::optional<RecordUse>& use = built[i].record_use;
    if (!use) return std::nullopt;
    reads.insert(reads.end(), use->reads.begin(), use->reads.end());
    if (!use->passes_records_on) return reads;
  }
  return std::nullopt;
}

// Column projection: a parser that can make fewer fields (csv) makes only those read after it.
void make_only_fields_read(std::vector<BuiltStage>& built, PlanDescription& description) {
  for (std::size_t i = 0; i < built.size(); ++i) {
    if (!built[i].make_only_fields) continue;
    const std::optional<std::vector<FieldRef>> reads = fields_read_after(built, i);
    if (!reads) continue;
    std::string said = built[i].make_only_fields(*reads);
    if (!said.empty()) description.stages[i].fused.push_back(std::move(said));
  }
}

std::string call_text(const StageCall& call) {
  std::string out = call.name;
  for (const Argument& arg : call.args) {
    out += ' ';
    if (!arg.raw.empty()) {
      out += arg.raw;
    } else if (arg.text.find_first_of(" \t'\"|") != std::string::npos || arg.text.empty()) {
      out += "'" + arg.text + "'";
    } else {
      out += arg.text;
    }
  }
  return out;
}

std::string_view role_name(StageRole role) {
  switch (role) {
    case StageRole::Source:
      return "source";
    case StageRole::Transform:
      return "transform";
    case StageRole::Format:
      return "format";
    case StageRole::Sink:
      return "sink";
  }
  return "";
}

std::string_view memory_name(MemoryUse memory) {
  switch (memory) {
    case MemoryUse::Streams:
      return "streams";
    case MemoryUse::Bounded:
      return "bounded";
    case MemoryUse::GrowsWithGroups:
      return "grows with groups";
  }
  return "";
}

StageDescription describe_stage(const StageInfo& info, const StageCall& call,
                                std::string planned_as) {
  StageDescription stage;
  stage.name = info.name;
  stage.call = call_text(call);
  stage.role = role_name(info.role);
  stage.planned_as = std::move(planned_as);
  stage.memory = memory_name(info.memory);
  stage.memory_text = memory_sentence(info);
  return stage;
}

std::string output_text(const OutputSpec& output) {
  std::string format;
  switch (output.format) {
    case OutputFormat::Auto:
      format = "in the input's format (text stays text, CSV stays CSV, JSON as written)";
      break;
    case OutputFormat::Text:
      format = "as text";
      break;
    case OutputFormat::Tsv:
      format = "as TSV";
      break;
    case OutputFormat::Csv:
      format = "as CSV";
      break;
    case OutputFormat::Jsonl:
      format = "as JSON lines";
      break;
    case OutputFormat::JsonArray:
      format = "as JSON arrays (one per load batch)";
      break;
  }
  if (output.path.empty()) return "standard output, " + format;
  return std::string(output.append ? "appended to " : "written to ") + output.path +
         (output.append ? ", " : " (under a temporary name, renamed at the end), ") + format;
}

// --stats: the edges between the stages (src/exec/run_stats.hpp). Under -j, each thread's
// prefix counts its own edges; the last one leads to the aggregate on the threads, if any.
std::vector<TransformFactory> metered_prefix(std::vector<TransformFactory> prefix, RunStats& stats,
                                             bool with_aggregate) {
  if (prefix.empty()) {
    // `read | count`: only the edge from the source into the aggregate, on each thread.
    if (with_aggregate) {
      prefix.push_back([&stats](BatchStream in) {
        return stats.edge(std::move(in), &stats.stage(0), &stats.stage(1),
                          EdgeCounts{true, true, true, false});
      });
    }
    return prefix;
  }
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    const bool last = i + 1 == prefix.size();
    prefix[i] = [f = std::move(prefix[i]), &stats, index = i + 1, last,
                 with_aggregate](BatchStream in) {
      BatchStream out = f(stats.edge(std::move(in), &stats.stage(index - 1), &stats.stage(index)));
      if (!last) return out;
      // The last stage's time, on its thread; its records are counted by the consumer, or here
      // when they go into the aggregate (whose own time is its adds': RunStats::timed_split).
      return stats.edge(std::move(out), &stats.stage(index),
                        with_aggregate ? &stats.stage(index + 1) : nullptr,
                        EdgeCounts{with_aggregate, with_aggregate, true, false});
    };
  }
  return prefix;
}

// --state records, per input file, the offset up to which the output has every record. Mid-run
// commits need each batch to reach the output before the source reads on, carrying its resume
// point: `read` of files, then stages that look at one record at a time and pass batches on
// (those that may run on threads; csv moves the point back to a row still open). A stage whose
// output comes only after all its input (an aggregate, sort, tail) is allowed too, and anything
// after it: the state is then committed only at the end of the run. Before `sqlite` and
// `postgres`, `batch` may come too (each load batch is a transaction, whose last records carry
// their resume point), but not after such a stage: its whole output goes in one transaction.
// Any other stage (head, uniq, dedup, running, window…) holds records or stops early in ways
// the state cannot follow, and is refused. Returns whether the state may be committed only at
// the end.
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
  const std::string_view last = infos.back()->name;
  const bool into_database = last == "sqlite" || last == "postgres";
  // `built` has the same stages as `infos` (no implicit read here).
  for (std::size_t i = 1; i < infos.size(); ++i) {
    const StageInfo& info = *infos[i];
    if (info.role == StageRole::Transform && info.parallel) continue;
    if (info.role == StageRole::Sink && info.name != "write" && !into_database) {
      throw PipelineError("'" + std::string(info.name) + "' does not keep a --state",
                          calls[i].name_span);
    }
    if (info.role != StageRole::Transform) continue;  // `to`, `write`, sinks
    if (info.name == "batch" && into_database) continue;
    const bool output_at_end = built[i].split != nullptr || info.name == "sort" ||
                               info.name == "tail" || info.name == "merge";
    if (!output_at_end) {
      throw PipelineError(
          "'" + std::string(info.name) +
              "' cannot run under --state: the state must say exactly which input records the "
              "output has, so between 'read' and the output only stages that pass each record "
              "on at once (grep, where, field, select, set, json, csv, kv, parse, …), 'batch' "
              "before sqlite or postgres, or stages whose output comes after all their input "
              "(aggregates, sort, tail) may come",
          calls[i].name_span);
    }
    for (std::size_t j = i + 1; j < infos.size(); ++j) {
      if (infos[j]->name == "batch" && into_database) {
        throw PipelineError("'batch' after '" + std::string(info.name) +
                                "' under --state: the output of '" + std::string(info.name) +
                                "' comes after all its input and is loaded in one transaction, "
                                "with the state",
                            calls[j].name_span);
      }
    }
    return true;
  }
  return false;
}

}  // namespace

namespace {

// The stand-in for the source of a branch (tee), whose batches are sent in.
const StageInfo kSentBatches{.name = "(sent batches)",
                             .role = StageRole::Source,
                             .synopsis = "",
                             .summary = "",
                             .details = "",
                             .build = nullptr};

// Checks that a branch takes the stream (no source) and ends in a sink of its own: its output
// must not mix with the main pipeline's.
void check_branch(const std::vector<StageCall>& calls, const std::vector<const StageInfo*>& infos) {
  if (infos.front()->role == StageRole::Source) {
    throw PipelineError(
        "'" + calls.front().name + "' is a source: a tee branch takes the records passing the tee",
        calls.front().name_span);
  }
  if (infos.back()->role != StageRole::Sink) {
    throw PipelineError("a tee branch must end in a sink of its own, such as 'write PATH'",
                        calls.back().span);
  }
}

// Plans `calls`; `branch_source`, when given, is where the batches come from (a tee branch).
Plan plan_calls(const std::vector<StageCall>& calls, Context& ctx, PlanMode mode,
                const SourceFactory* branch_source) {
  if (calls.empty()) throw PipelineError("empty pipeline", {});
  std::vector<const StageInfo*> infos;
  infos.reserve(calls.size());
  for (const StageCall& call : calls) infos.push_back(&resolve(call));
  for (std::size_t i = 0; i < calls.size(); ++i) check_position(*infos[i], calls[i], i, infos);
  if (branch_source != nullptr) check_branch(calls, infos);

  // Build every stage (checking all arguments) before chaining any, so a bad argument anywhere
  // is reported before a file is opened.
  std::vector<BuiltStage> built;
  std::vector<const StageInfo*> built_infos;  // which stage each entry of `built` is
  std::vector<bool> reads_line_numbers;       // and whether it may read _line
  PlanDescription description;                // and how --explain describes it
  built.reserve(calls.size() + 1);
  RawBlockCheck raw_blocks;
  auto add = [&](const StageInfo& info, const StageCall& call, std::string planned_as = {}) {
    built.push_back(build(info, call, ctx));
    raw_blocks.pass(info, built.back(), call);
    built_infos.push_back(&info);
    reads_line_numbers.push_back(mentions_line_numbers(call));
    description.stages.push_back(describe_stage(info, call, std::move(planned_as)));
  };
  if (branch_source != nullptr) {
    built.emplace_back().source = *branch_source;
    built_infos.push_back(&kSentBatches);
    reads_line_numbers.push_back(false);
    StageCall sent;
    sent.name = std::string(kSentBatches.name);
    description.stages.push_back(describe_stage(kSentBatches, sent, "the records the tee sends"));
  } else if (infos.front()->role != StageRole::Source) {
    const StageCall read = stdin_read_call();
    if (calls.front().name == "items") {
      add(*find_stage("chunks"), as_chunks_call(read),
          "implicit: the pipeline starts with a filter; raw blocks for 'items'");
    } else {
      add(*find_stage("read"), read, "implicit: the pipeline starts with a filter");
    }
  }
  for (std::size_t i = 0; i < calls.size(); ++i) {
    if (i == 0 && calls[0].name == "read" && feeds_items(calls, 0)) {
      add(*find_stage("chunks"), as_chunks_call(calls[0]),
          "'read' planned as raw blocks for 'items', which splits a document longer than a line");
      continue;
    }
    add(*infos[i], calls[i]);
  }
  // Every stage has said which fields it needs: the parsers make only those.
  for (StageDescription& stage : description.stages) {
    if (stage.name != "json" && stage.name != "items") continue;
    stage.extracts_all = ctx.demand.all;
    stage.json_paths = ctx.demand.names;
    if (ctx.demand.all) {
      stage.fused.push_back("extracts every field (a later stage needs them all)");
    } else if (ctx.demand.names.empty()) {
      stage.fused.push_back("extracts no field (no later stage reads one): only checks each value");
    } else {
      std::string paths;
      for (const std::string& name : ctx.demand.names) paths += (paths.empty() ? "" : ", ") + name;
      stage.fused.push_back("extracts only the paths later stages read: " + paths);
    }
  }

  make_only_fields_read(built, description);

  bool state_at_end_only = false;
  if (ctx.input_state != nullptr && branch_source == nullptr) {
    state_at_end_only =
        check_stages_for_state(infos, built, calls, infos.front()->role != StageRole::Source, ctx);
  }
  pass_head_limits(built, description);
  check_record_sink(built, built_infos, calls);
  if (ctx.options.partial && branch_source == nullptr) {
    print_partial_states(built, built_infos, calls, ctx.options.partial_keyed);
  }

  std::unique_ptr<RunStats> stats = mode.stats ? std::make_unique<RunStats>(built.size()) : nullptr;
  if (stats) stats->stage(0).is_source = true;
  OutputSpec output;
  std::unique_ptr<RecordSink> record_sink;
  std::string record_sink_call;
  std::optional<BatchStream> stream;
  std::size_t next = 0;
  std::size_t upstream = 0;  // --stats: the stage whose output `stream` is
  EdgeCounts next_counts{};  // and what the edge after it counts (less under -j)
  const std::size_t end = parallel_prefix_end(built_infos, built);
  // An aggregate right after the prefix runs on the threads too (partial states, merged).
  const bool with_aggregate = built_infos.front()->name == "read" && end < built.size() &&
                              built[end].split != nullptr && !built[end].sequential;
  const std::size_t parallel_end = end + (with_aggregate ? 1 : 0);
  description.threads_reason = why_no_threads(built_infos, built);
  // Ticks (a stage that acts on time) come from the source through every stage in turn; the
  // threads of -j hand batches over as they fill, not as time passes, so ticks run without them.
  if (parallel_end > 1 && ctx.idle_tick.count() == 0) {
    const ThreadChoice choice = thread_count(built_infos, end, built[0], ctx);
    const unsigned threads = choice.threads;
    description.threads_reason = choice.reason;
    if (threads > 1) {
      description.threads = threads;
      description.parallel_begin = 1;
      description.parallel_end = parallel_end;
      for (std::size_t i = 1; i < parallel_end; ++i) description.stages[i].on_threads = true;
      if (with_aggregate) {
        description.stages[end].fused.push_back(
            "a partial state on each thread, merged at the end");
      }
      std::vector<TransformFactory> prefix;
      for (std::size_t i = 1; i < end; ++i) prefix.push_back(std::move(built[i].transform));
      std::shared_ptr<const ChunkFraming> framing = end > 1 ? built[1].framing : nullptr;
      // The threads number the lines; they read in the pages of plain chunks, which view the
      // mapped file (framed ones are copies, made on this thread).
      ctx.threads_number_lines = true;
      ctx.threads_read_in_pages = framing == nullptr;
      // Plain files are read by the threads in ranges (--mmap maps them instead); csv ranges
      // (framed: their workers cut them between records) are smaller (src/io/file_range.hpp).
      // A framed chunk cannot view a mapping: mapped blocks would be copied into chunks on this
      // one thread (docs/performance.md, "csv: ranges, whatever the probe found"), so a
      // mapping the probe chose gives way to ranges there; one --mmap asked for does not.
      const bool ranges_for_framing =
          framing != nullptr && ctx.options.read_path == RunOptions::ReadPath::Probe;
      if (!ctx.options.map_files || ranges_for_framing) {
        ctx.threads_range_bytes = framing == nullptr ? kFileRangeBytes : kFramedRangeBytes;
      }
      // The threads number the lines after processing them, unless a stage needs the numbers.
      const bool number_late =
          std::none_of(reads_line_numbers.begin() + 1,
                       reads_line_numbers.begin() + static_cast<std::ptrdiff_t>(parallel_end),
                       [](bool reads) { return reads; });
      std::shared_ptr<const AggregateSplit> aggregate = with_aggregate ? built[end].split : nullptr;
      BatchStream source = built[0].source();
      if (stats) {
        prefix = metered_prefix(std::move(prefix), *stats, with_aggregate);
        if (aggregate) aggregate = stats->timed_split(std::move(aggregate), stats->stage(end));
        // This thread's time reading; the threads count the records.
        source = stats->edge(std::move(source), &stats->stage(0), nullptr,
                             EdgeCounts{false, false, true, false});
        // The threads' last stage's time is counted on the threads; here, the wait for them
        // is its downstream's.
        next_counts = EdgeCounts{.time_up = false};
      }
      stream.emplace(run_parallel(std::move(source), std::move(prefix), std::move(framing),
                                  std::move(aggregate), threads, number_late, ctx.errors,
                                  ctx.options.max_line));
      next = parallel_end;
      upstream = parallel_end - 1;
    }
  }
  for (std::size_t i = next; i < built.size(); ++i) {
    BuiltStage& stage = built[i];
    if (stage.source) {
      stream.emplace(stage.source());
      upstream = i;
    } else if (stage.transform) {
      BatchStream in = std::move(*stream);
      if (stats) {
        in = stats->edge(std::move(in), &stats->stage(upstream), &stats->stage(i), next_counts);
        next_counts = {};
      }
      stream.emplace(stage.transform(std::move(in)));
      upstream = i;
    } else if (stage.configure_output) {
      stage.configure_output(output);
    } else if (stage.record_sink) {
      record_sink_call = description.stages[i].call;
      // A sink is made (a database opened) only for a run.
      if (!mode.explain_only) {
        record_sink = stage.record_sink();
        auto* loader = dynamic_cast<db::TransactionalSink*>(record_sink.get());
        // Under --state, the output of an aggregate (sort, tail) is one transaction.
        if (loader != nullptr && (loads_in_batches(built_infos) || state_at_end_only)) {
          loader->follow_load_batches();
        }
      }
    }
  }
  if (stats) {
    stream.emplace(stats->edge(std::move(*stream), &stats->stage(upstream),
                               &stats->stage(stats->output_index()), next_counts));
  }

  description.output =
      record_sink_call.empty() ? output_text(output) : "records sent to '" + record_sink_call + "'";
  std::string pipeline;
  for (const StageDescription& stage : description.stages) {
    pipeline += (pipeline.empty() ? "" : " | ") + stage.call;
  }
  description.pipeline = pipeline;
  for (const std::string& path : built[0].inputs) {
    description.inputs.push_back(describe_input(path));
    if (InputMeter* meter = InputMeters::find_or_add(description.inputs.back().name)) {
      meter->size = description.inputs.back().size;
    }
  }
  Plan plan{std::move(stats), std::move(*stream), std::move(output), std::move(record_sink),
            std::move(description)};
  plan.state_at_end_only = state_at_end_only;
  return plan;
}

// --stats: the bytes written.
class CountingSink final : public ByteSink {
 public:
  CountingSink(std::unique_ptr<ByteSink> inner, std::atomic<std::uint64_t>& bytes)
      : inner_(std::move(inner)), bytes_(bytes) {}
  void write(std::string_view bytes) override {
    inner_->write(bytes);
    bytes_.fetch_add(bytes.size(), std::memory_order_relaxed);
  }
  void commit() override { inner_->commit(); }
  std::uint64_t checkpoint() override { return inner_->checkpoint(); }

 private:
  std::unique_ptr<ByteSink> inner_;
  std::atomic<std::uint64_t>& bytes_;
};

// Runs the hooks of stages whose work outlives the stream, the last registered first: a tee
// inside a branch is registered before the tee whose branch it is in, and the outer branch,
// finishing, may still send the inner one records (an aggregate's results).
void run_end_of_input_hooks(const std::vector<std::function<void()>>* hooks) {
  if (hooks == nullptr) return;
  for (auto at_end = hooks->rbegin(); at_end != hooks->rend(); ++at_end) (*at_end)();
}

std::uint64_t deliver(Plan& plan, bool stdout_is_terminal, Context* ctx) {
  const std::vector<std::function<void()>>* at_end_of_input =
      ctx != nullptr ? &ctx->at_end_of_input : nullptr;
  InputState* const state = ctx != nullptr ? ctx->input_state : nullptr;
  if (plan.record_sink) {
    // --state into sqlite or postgres: the state commits in the sink's transactions.
    std::optional<DatabaseState> database_state;
    if (state != nullptr) {
      auto& loader = dynamic_cast<db::TransactionalSink&>(*plan.record_sink);
      database_state.emplace(*state, loader, plan.state_at_end_only);
      loader.set_commit_hook(&*database_state);
    }
    std::uint64_t sent = 0;
    for (Batch& batch : plan.stream) {
      sent += batch.records().size();
      plan.written->store(sent, std::memory_order_relaxed);
      plan.record_sink->consume(batch);
      if (database_state) database_state->note(batch);
    }
    run_end_of_input_hooks(at_end_of_input);
    plan.record_sink->finish();
    if (database_state) database_state->finish();
    return sent;
  }
  if (plan.output.split_lines != 0 || plan.output.split_bytes != 0) {
    // --state: parts are committed as they fill, but the state only at the end (at least once).
    SplitOutput parts(plan.output);
    std::uint64_t written = 0;
    for (Batch& batch : plan.stream) {
      written += parts.print(batch);
      plan.written->store(written, std::memory_order_relaxed);
      if (state != nullptr) state->note(batch);
    }
    parts.finish_records();
    run_end_of_input_hooks(at_end_of_input);
    parts.commit();
    if (state != nullptr) {
      state->note_end_of_input();
      state->commit(std::nullopt);
    }
    return written;
  }
  const bool to_stdout = plan.output.path.empty();
  // --state with write --append: exactly once. The output is cut back to its committed length
  // before anything is written, and each commit makes the output durable before the state.
  const bool append_exactly_once = state != nullptr && !to_stdout && plan.output.append;
  if (append_exactly_once) state->prepare_output(plan.output.path);
  std::unique_ptr<ByteSink> sink =
      to_stdout ? open_stdout_sink()
                : open_file_sink(plan.output.path, plan.output.append, plan.output.level);
  if (append_exactly_once) state->bind_output(plan.output.path);
  if (plan.stats) sink = std::make_unique<CountingSink>(std::move(sink), plan.stats->output_bytes);
  const bool line_buffered = ctx != nullptr && ctx->options.line_buffered;
  OutputBuffer buffer(*sink, (to_stdout && stdout_is_terminal) || line_buffered);
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
  const bool flush_each_batch =
      ctx != nullptr && (ctx->follows_input || ctx->idle_tick.count() != 0);
  std::uint64_t written = 0;
  for (Batch& batch : plan.stream) {
    written += printer.print(batch);
    plan.written->store(written, std::memory_order_relaxed);
    if (state != nullptr) {
      state->note(batch);
      if (commits_as_it_goes && (batch.closes_load_batch() || state->commit_due())) commit();
    }
    if (flush_each_batch) buffer.flush();
  }
  printer.finish();
  run_end_of_input_hooks(at_end_of_input);
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
  return written;
}

}  // namespace

Plan plan_pipeline(const std::vector<StageCall>& calls, Context& ctx, PlanMode mode) {
  return plan_calls(calls, ctx, mode, nullptr);
}

Plan plan_branch(const std::vector<StageCall>& calls, Context& ctx, SourceFactory source) {
  return plan_calls(calls, ctx, PlanMode{}, &source);
}

std::uint64_t run_plan(Plan& plan, Context& ctx, bool stdout_is_terminal) {
  const std::uint64_t written = deliver(plan, stdout_is_terminal, &ctx);
  ctx.errors.flush();
  return written;
}

std::uint64_t run_branch_plan(Plan& plan) {
  return deliver(plan, /*stdout_is_terminal=*/false, nullptr);
}

}  // namespace gpipe
