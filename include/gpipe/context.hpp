// Run-wide settings and the one bad-record policy (docs/spec.md §6), shared by every stage of a
// run.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gpipe/record.hpp"

namespace gpipe {

class FieldRef;
class InputState;  // src/state/input_state.hpp

inline constexpr std::size_t kKiB = 1024;
inline constexpr std::size_t kMiB = 1024 * kKiB;

struct RunOptions {
  std::size_t max_line = 64 * kMiB;      // --max-line: longer lines are bad records
  std::size_t read_buffer = 256 * kKiB;  // initial line-buffer size (tests use tiny ones)
  // Map regular files instead of reading them (see LineReader). Neither is always faster: on
  // virtual machines with shadow page tables the first touch of a newly mapped page traps to
  // the hypervisor, and how much that costs depends on how the pages came into the page cache;
  // see docs/performance.md, "Mapped or copied reads".
  bool map_files = false;
  // --mmap / --no-mmap force a path; by default `read` probes its first file and sets map_files
  // (io/read_path.hpp).
  enum class ReadPath : std::uint8_t { Probe, Map, Copy };
  ReadPath read_path = ReadPath::Probe;
  std::string read_path_why;  // what chose it, for --explain and -v
  // -j: threads for the stateless prefix of a pipeline and for sort; 0: automatic
  unsigned threads = 1;
  bool quiet = false;  // -q
  // --line-buffered: output is written out after every record (a pipe read as it comes).
  bool line_buffered = false;
  // --partial: the final aggregate prints its mergeable state (docs/spec.md §8), not records.
  bool partial = false;
  // --keyed: each partial line starts with its key (JSON) and a tab, for Hadoop Streaming.
  bool partial_keyed = false;
};

// One bad record, as a stage sees it. `column` is 0 when unknown.
struct BadRecord {
  const Origin* origin = nullptr;
  std::uint64_t line = 0;
  std::uint64_t column = 0;
  std::string_view reason;
  std::string_view raw;  // the record's raw text, or its first bytes (raw_cut)
  // `raw` is only the record's first bytes (a line over --max-line is never read whole): a
  // dead-letter entry says so, with the record's whole length when it is known (not 0).
  bool raw_cut = false;
  std::uint64_t raw_length = 0;
};

// "app.log:12:5: invalid JSON: ..." — file, line, column where known, reason.
std::string describe(const BadRecord& bad);

class ErrorPolicy;

// Bad records held back to be reported later (-j: by the consumer, in input order, once their
// line numbers are known), with copies of what BadRecord views. In a few buffers, not an
// allocation or two each: a chunk of garbage under --on-error=skip is 100,000 bad records.
class HeldBadRecords {
 public:
  // Holds `bad` with `raw` as its raw text (ErrorPolicy::report keeps only what it will need).
  // A raw text inside `stable` (set_stable) is not copied: it is viewed where it is.
  void hold(const BadRecord& bad, std::string_view raw);
  // Bytes that outlive these held records (-j: the chunk, kept with them): a dead-letter file
  // of a chunk of garbage costs no second copy of it.
  void set_stable(std::string_view stable) { stable_ = stable; }
  // One more bad record of which only the count is needed.
  void count_one() { ++counted_only_; }
  std::size_t held() const { return entries_.size(); }
  // How many are held so far, to report up to there (-j: the bad records found before a batch
  // came out of the worker are reported before the consumer gets that batch).
  struct Mark {
    std::size_t entries = 0;
    std::uint64_t counted = 0;
  };
  Mark mark() const { return {entries_.size(), counted_only_}; }
  // Reports them to `errors`, in the order they were held, with `line_shift` added to their
  // line numbers: all, or those from `from` up to `to` (and then `from` moves to `to`).
  void report_to(ErrorPolicy& errors, std::uint64_t line_shift) const;
  void report_to(ErrorPolicy& errors, std::uint64_t line_shift, Mark& from, Mark to) const;

 private:
  // 32 bytes: a chunk of garbage holds tens of thousands. (Sizes past the fields' range are
  // cut: a column past 4 Gi, a reason past 64 KiB, a raw text past 2 GiB.)
  struct Entry {
    std::uint64_t line = 0;
    std::uint64_t raw_begin = 0;  // in stable_ (raw_size & kStable) or raw_
    std::uint32_t raw_size = 0;
    std::uint32_t column = 0;
    std::uint32_t reason_begin = 0;  // in reasons_
    std::uint16_t reason_size = 0;
    std::uint16_t origin = 0;  // 1 + its index in origins_, or 0: none
  };
  static constexpr std::uint32_t kStable = 1U << 31;
  std::uint16_t origin_index(const Origin* origin);
  std::vector<Entry> entries_;
  std::string_view stable_;
  std::string raw_;
  std::string reasons_;  // a reason the same as the last one held is not stored again
  // Copies, one per origin seen: a stage's own origin (csv's) is gone when an error unwound it.
  // (A vector: none is looked at by address until report_to, when no more are added. A deque
  // allocated even when empty, once per chunk.)
  struct CopiedOrigin {
    const Origin* from;
    Origin copy;
  };
  std::vector<CopiedOrigin> origins_;
  // The entries whose raw text is only the record's first bytes, in order (rare: lines over
  // --max-line), so that the report says so as a report made at once would.
  struct Cut {
    std::size_t entry = 0;
    std::uint64_t length = 0;  // the whole record's, or 0 when not known
  };
  std::vector<Cut> cuts_;
  std::uint64_t counted_only_ = 0;
};

// Thrown by ErrorPolicy::report under `fail` on a thread that holds its reports: the run stops
// at this record, and the BadRecordError comes when the held report is made.
struct HeldBadRecordStop {};

// --stats: counts bad records by reason for the stage whose code runs on this thread (the
// planner marks it around each resume of a stage, src/exec/run_stats.hpp).
class BadRecordTally {
 public:
  virtual void count_bad(std::string_view reason) = 0;

 protected:
  ~BadRecordTally() = default;
};

// The single place bad records go. Under `fail` (the default) report() throws BadRecordError;
// under `skip` it counts and remembers the first few messages; under `dead-letter` it also writes
// the raw record with its location and reason to a file.
class ErrorPolicy {
 public:
  enum class Mode { Fail, Skip, DeadLetter };
  static constexpr std::size_t kKeptMessages = 5;

  ErrorPolicy() = default;
  ErrorPolicy(Mode mode, std::string dead_letter_path);
  ~ErrorPolicy();
  ErrorPolicy(const ErrorPolicy&) = delete;
  ErrorPolicy& operator=(const ErrorPolicy&) = delete;

  void report(const BadRecord& bad);

  // -j: from now on, report() on the calling thread keeps the bad records in `held` (null: it
  // reports them again), to be reported in input order by the thread that owns the output.
  // Under `fail` it then throws HeldBadRecordStop.
  static void hold_on_this_thread(HeldBadRecords* held);
  // --stats: from now on, report() on the calling thread counts each bad record in `tally`
  // (null: nowhere), once, where it is found (a report made again from held ones is not
  // counted again). Returns the tally before.
  static BadRecordTally* tally_on_this_thread(BadRecordTally* tally);
  // `n` more bad records, known only by their count (skip: past the messages kept).
  void count_more(std::uint64_t n) {
    const std::lock_guard lock(mutex_);
    count_ += n;
  }
  // Records a parser made successfully (parsers call this once per batch). With count() it is
  // the denominator of --max-error-rate.
  void count_good(std::uint64_t n) {
    const std::lock_guard lock(mutex_);
    good_ += n;
  }
  std::uint64_t good() const { return good_; }

  Mode mode() const { return mode_; }
  std::uint64_t count() const { return count_; }
  const std::vector<std::string>& first_messages() const { return first_messages_; }
  void flush();  // dead-letter file

  // --max-error-rate (docs/spec.md §6): the fraction 0..1 of records that may be bad before the run
  // exits 4 at its end. Unset: no limit.
  void set_max_rate(double rate) { max_rate_ = rate; }
  std::optional<double> max_rate() const { return max_rate_; }
  // The error message when more than max_rate() of the records were bad, or "" when not (or
  // when no limit is set). The records are the bad ones plus the good ones: those the parsers
  // counted (count_good), or `records_out`, the records that reached the output, when that is
  // more (a pipeline without a parser, such as `read | grep`, counts no good records itself).
  std::string rate_exceeded(std::uint64_t records_out) const;

 private:
  Mode mode_ = Mode::Fail;
  std::string dead_letter_path_;
  std::FILE* dead_letter_ = nullptr;
  std::uint64_t count_ = 0;
  std::uint64_t good_ = 0;
  std::vector<std::string> first_messages_;
  std::optional<double> max_rate_;
  std::mutex mutex_;  // -j: stages on several threads report through this one policy
};

// Parses a --max-error-rate: a fraction "0.05" or a percentage "5%", from 0 to 1 (100%).
// Returns false when the text is neither.
bool parse_rate(std::string_view text, double& out);

// Parses "64MiB", "1MiB", "512KiB", "4k", "1G", "100" (bytes). KiB/K/k = 1024, KB = 1000.
// Returns false when the text is not a size.
bool parse_size(std::string_view text, std::size_t& out);

// Which fields the stages of a pipeline refer to, gathered while planning, so a parser can make
// only those (the `json` stage parses just these paths). A stage that needs every field of a
// record (set, drop, rename, CSV output of JSON) asks for all of them. Parsers read this when
// their generator starts, after every stage has been built.
struct FieldDemand {
  std::vector<std::string> names;  // FieldRef::name() of each named reference, no duplicates
  bool all = false;

  void need(std::string_view name);
  void need_all() { all = true; }
  // What a reference needs: a name, that field; a position, every field in order (a JSON
  // object's positions index its top-level keys, so all of them must be made).
  void need(const FieldRef& ref);
};

struct Context {
  RunOptions options;
  FieldDemand demand;
  // The names of the inputs, owned here so they outlive the sources that made them: a stage may
  // report a bad record at the end of input (an unterminated CSV quote), or keep a record
  // (tail, sort), after its source has finished. A name per input file is small.
  std::deque<Origin> origins;
  ErrorPolicy errors;
  bool stdin_taken = false;  // only one stage may read standard input
  // -j: `read` hands the blocks of mapped files over unnumbered, and with threads_read_in_pages
  // not read in; the threads number them and read them in (LineReader::hand_over_blocks).
  bool threads_number_lines = false;
  bool threads_read_in_pages = false;
  // -j: `read` cuts plain files into ranges of this many bytes that the threads read
  // (src/io/file_range.hpp); 0: it reads them itself.
  std::size_t threads_range_bytes = 0;
  // Ticks (docs/design.md): 0: never; a stage that acts on time (`batch --every`) sets it at
  // build time to the smallest interval it needs. A source that may wait for input (a pipe, a
  // terminal) then yields an empty batch, a tick, whenever that long passed without a line, so
  // the stages after it run even while the input is silent.
  std::chrono::milliseconds idle_tick{0};
  // Called by run_plan, the last added first, after the last batch reached the sink and before
  // the sink commits; not called when the run fails. A stage whose work outlives its stream (tee's
  // branch) finishes here even when a stage after it stopped pulling early (head).
  std::vector<std::function<void()>> at_end_of_input;
  // --state: the state of the incremental job, which `read` plans its inputs with and the
  // runner commits; null without --state.
  InputState* input_state = nullptr;
  // read --follow: set by `read`; the runner then writes its output out after every batch.
  bool follows_input = false;
  // --state: a stage reads each file's first line as a header (csv): a file resumed past its
  // start is given its first line first.
  bool resume_with_first_line = false;
};

}  // namespace gpipe
