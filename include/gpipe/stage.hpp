// Stages and the one table of them.
//
// Each stage lives in its own file under src/stages/ with its usage text beside its code, and is
// listed once in src/stages/stage_table.cpp. The parser, the planner and `gpipe help` all read
// that table; nothing registers itself.
//
// Roles (after DuckDB): a Source makes batches; a Transform takes its upstream generator by value
// and yields; a Format (`to`) picks the output format; a Sink (`write`) is the push end. With no
// sink, records go to standard output.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gpipe/context.hpp"
#include "gpipe/field_ref.hpp"
#include "gpipe/language.hpp"
#include "gpipe/record.hpp"
#include "gpipe/record_sink.hpp"
#include "output/output.hpp"

namespace gpipe {

// Reads a stage's arguments in the order the builder asks for them, and reports anything wrong
// as a PipelineError pointing at the offending argument. Single-dash clusters of letters (`-vi`)
// are expanded into separate flags.
class StageArgs {
 public:
  explicit StageArgs(const StageCall& call);

  const StageCall& call() const { return call_; }

  // A flag such as "-v" or "--invert" (any of the spellings given). Consumes it.
  bool flag(std::initializer_list<std::string_view> spellings);
  // An option with a value: `--sep=,` or `--sep ,`. Consumes it. Errors if the value is missing.
  std::optional<Argument> option(std::initializer_list<std::string_view> spellings);
  // `--sep S` (or `spelling`, as `to text --ofs S`), read the same way by every stage that has it:
  // `tab` and `\t` (a backslash and a t, as a shell passes it on) mean a tab, as a tab itself does;
  // anything else is taken as it is written. The argument returned holds the separator as its text
  // and points at what was written. Errors if the value is empty.
  std::optional<Argument> separator_option(std::string_view spelling = "--sep");

  // Positional (non-option) arguments, in order.
  bool has_positional() const;
  const Argument& positional(std::string_view what);  // errors "missing WHAT" if none left
  std::optional<Argument> optional_positional();
  std::vector<Argument> rest();  // all remaining positionals
  // All remaining positionals, at least one: errors "missing WHAT" if none (F… of field, drop).
  std::vector<Argument> one_or_more(std::string_view what);

  // Every argument not read yet, options and positionals, in the order written (a cluster such
  // as -rn as its flags), for a stage whose flags apply to the argument after them
  // (`sort -r 1 -n 3`). Consumes them.
  std::vector<Argument> rest_in_order();

  // F, a field reference (a position or a name, gpipe/field_ref.hpp), read from `text`: the
  // text of `arg` or a part of it (rename's OLD in OLD=NEW). Errors, pointing at `arg`, when it
  // is not one.
  FieldRef field_ref(const Argument& arg, std::string_view text) const;
  // F read from `arg`, and asked of the parsers that make fields (FieldDemand::need: a name,
  // that field; a position, all of them): what a stage that reads F uses.
  FieldRef needed_field(const Argument& arg, FieldDemand& demand) const;
  std::vector<FieldRef> needed_fields(std::span<const Argument> args, FieldDemand& demand) const;

  std::size_t positional_number(const Argument& arg, std::string_view what);  // non-negative int
  std::size_t size_argument(const Argument& arg);                             // 64KiB, 1MiB

  // Call after reading everything: errors on any argument left over (unknown option, extra word).
  void finish();

  [[noreturn]] void fail(const Argument& arg, const std::string& message) const;
  [[noreturn]] void fail(const std::string& message) const;  // points at the stage name

 private:
  struct Slot {
    Argument arg;
    bool used = false;
  };
  const StageCall& call_;
  std::vector<Slot> slots_;
};

using SourceFactory = std::function<BatchStream()>;
using TransformFactory = std::function<BatchStream(BatchStream)>;

// How a parser of records that span lines (csv) needs its input cut for -j
// (src/exec/parallel/csv_framing.hpp): chunks end between records, and a chunk that does not start
// its file gets the file's prelude (the CSV header) in front, so that a worker can parse it on its
// own.
class ChunkFraming {
 public:
  virtual ~ChunkFraming() = default;
  // The length of the longest prefix of `text` made of whole records (0: none ends in it).
  // `text` is whole lines of one file from a record start, the file's start if `file_start`.
  // `uncounted`: the positions, in order, of bytes of `text` the stage never sees (a "\r" of a
  // line end before a line `read` skipped): a record's length against --max-line leaves them out.
  virtual std::size_t whole_records(std::string_view text, bool file_start,
                                    std::span<const std::size_t> uncounted) const = 0;
  // The length of the prelude of a file whose first lines are `text` (0: it has none), or
  // nullopt when `text` does not hold all of it yet.
  virtual std::optional<std::size_t> prelude(std::string_view text) const = 0;
};

// -j: an aggregate's state over part of the input, kept by one thread
// (src/exec/parallel/worker.cpp).
class PartialAggregate {
 public:
  virtual ~PartialAggregate() = default;
  // Adds a batch's records. `chunk` numbers the part of the input they come from: a thread is
  // given its chunks in increasing order, and each chunk's records in input order, so that the
  // merge can put the groups in the order in which they first appeared in the whole input.
  virtual void add(Batch& batch, std::uint64_t chunk) = 0;
  // `merge` (docs/spec.md §8): adds one group's state read from a partial line, as `--partial`
  // prints them. Throws std::invalid_argument saying what is wrong with the line.
  virtual void add_partial_line(std::string_view line);
};

// -j: how an aggregate splits its work among the threads (docs/spec.md §8: "aggregates combine
// per-thread partial states"). Each thread makes one partial state and adds its records to it;
// `merge` combines them all, at the end, into the records the aggregate would have emitted
// after one pass over the input, byte for byte.
struct AggregateSplit {
  std::function<std::unique_ptr<PartialAggregate>()> make_partial;
  std::function<BatchStream(std::vector<std::unique_ptr<PartialAggregate>>)> merge;
  // --partial: the same merge, its result printed as partial lines (one JSON line per group)
  // rather than records; null for an aggregate without mergeable states.
  std::function<BatchStream(std::vector<std::unique_ptr<PartialAggregate>>)> merge_to_partial;
};

// What a stage does with the records it is given, for a stage that can say so exactly: the
// fields it looks up, and whether those records go on past it. The planner then lets a parser
// that makes fields (csv) make only the ones the stages after it read (column projection,
// docs/design.md). A stage that does not say may read any field, or print the records.
struct RecordUse {
  std::vector<FieldRef> reads;  // every field it looks up in a record it is given
  // A filter (where): the records it keeps go on to the next stage as they are. Otherwise what
  // it passes on is its own (an aggregate's groups, `select`'s chosen fields), so no stage after
  // it sees a field of its input that is not in `reads`.
  bool passes_records_on = false;
};

// What a builder returns: exactly one of source, transform, configure_output and record_sink is
// set, matching the stage's role.
struct BuiltStage {
  SourceFactory source;
  TransformFactory transform;
  std::function<void(OutputSpec&)> configure_output;  // Format and Sink stages
  // A Sink stage that takes records (sqlite, postgres) rather than printed bytes (write): the
  // planner makes one and run_plan sends it every batch; `to` cannot come before it.
  RecordSinkFactory record_sink;
  // -j: set by a parallel transform that must be first in the parallel prefix and gets its
  // chunks cut by this; `sequential` keeps an instance out of the prefix (its options make it
  // depend on all of a file, as `csv --no-header` on the width of the first row).
  std::shared_ptr<const ChunkFraming> framing;
  bool sequential = false;
  // -j: set by a source whose (first) input is a plain file (not a pipe, not compressed): it
  // reads (or maps) it at memory speed, so it needs no core of its own, and even a cheap prefix
  // (`grep | field`) gains from threads.
  bool reads_plain_file = false;
  // Set by a source that reads files: its inputs, globs expanded ("-": standard input), for
  // --explain, --stats and --progress (their sizes make the percentage).
  std::vector<std::string> inputs;
  // -j: set by an aggregate that may run on the threads, right after the parallel prefix.
  std::shared_ptr<const AggregateSplit> split;
  // `STAGE | head N`: set by head, the most records it passes on; and by a stage that can do
  // less when only its first N records are wanted (sort keeps its N best and never spills), the
  // transform to use then. The planner joins them (src/exec/pipeline.cpp); head stays in the
  // chain.
  std::optional<std::uint64_t> passes_at_most;
  std::function<BatchStream(BatchStream, std::uint64_t)> transform_first;
  // Set by a stage that passes raw blocks on (StageInfo::raw_blocks) when its arguments need
  // records all the same: `to jsonl` has no lines or fields to print of a block.
  bool needs_records = false;
  // Set by a stage that says what it reads of its records (see RecordUse); unset: anything.
  std::optional<RecordUse> record_use;
  // Set by a parser that can make fewer fields (csv): the planner calls it before the run with
  // what every stage after it reads, when each of them says (RecordUse) up to one whose records
  // are its own. Returns what --explain says of it ("" for nothing).
  std::function<std::string(std::span<const FieldRef> reads)> make_only_fields;
};

enum class StageRole { Source, Transform, Format, Sink };

// What a stage's memory grows with (docs/spec.md §8; `gpipe help STAGE` and --explain say it):
// a stage streams, or keeps a bounded amount (by a count, a size or an option), or keeps a state
// per group, whose number only the data decides.
enum class MemoryUse : std::uint8_t {
  Streams,          // one batch at a time, nothing kept between batches beyond a few values
  Bounded,          // at most what `memory_bound` says (N records, --mem, --max)
  GrowsWithGroups,  // a state per distinct group (or key): `memory_bound` says how big a state is
};

// What a stage does with the raw byte blocks `chunks` makes (RecordKind::Bytes): they have no
// lines, fields or values, so a stage that needs those would pass them on untouched and its
// work would silently not be done. The planner rejects it before anything is read.
enum class RawBlocks : std::uint8_t {
  Rejected,  // it needs records (lines, rows, values): an error after `chunks`
  PassedOn,  // it takes blocks whole and passes them on as they are (head, skip, tail, write)
  Made,      // it makes them (chunks)
  Parsed,    // it reads them into records (items)
};

struct StageInfo {
  std::string_view name;
  StageRole role;
  std::string_view synopsis;  // "grep [-v] [-i] [-F] [-w] PATTERN"
  std::string_view summary;   // one line for `gpipe help`
  std::string_view details;   // the rest of `gpipe help STAGE`
  BuiltStage (*build)(StageArgs& args, Context& ctx);
  // A transform that looks at one record at a time and keeps nothing between batches, and whose
  // transform factory may be called once per thread (its shared state is immutable): it can run
  // in the parallel prefix of a pipeline (-j, src/exec/parallel/parallel.hpp).
  bool parallel = false;
  // Set in the table (stage_table.cpp), where the stages that take raw blocks are listed.
  RawBlocks raw_blocks = RawBlocks::Rejected;
  MemoryUse memory = MemoryUse::Streams;
  // What bounds it, or what one group's state holds: "N records", "--mem (default 256MiB)".
  // (A pointer, not a string_view: GCC warns of class members left out of a designated
  // initializer, and most stages leave this out.)
  const char* memory_bound = "";
};

// One sentence for people: "Memory: streams." / "Memory: bounded by N records."
std::string memory_sentence(const StageInfo& stage);

// The table, in the order `gpipe help` lists it.
std::span<const StageInfo> stage_table();
const StageInfo* find_stage(std::string_view name);

}  // namespace gpipe
