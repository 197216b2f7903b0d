// Records and batches: what flows between stages.
//
// LIFETIME RULE. A stage receives a `Batch&` from its upstream generator and may read it, change
// it in place (drop records, add fields, store new text in its arena) and yield it on. Everything
// the batch refers to — record text, field views, arena strings — stays valid until the consumer
// advances the upstream generator again. A stage that must keep something past that point copies
// it into storage it owns: a stage that keeps records (tail, uniq, and every later one that does:
// sort, top, dedup, tee, batch, window, sinks) keeps them whole as OwnedRecords
// (gpipe/owned_record.hpp), never as a partial copy of its own; aggregates keep only their state.
//
// Why batches: coroutines switch once per batch (thousands of records), not once per record, and
// a record is a few words of views into the reader's buffer, so nothing is allocated per record.
// A batch never spans two input files, so `_file` is per batch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gpipe/generator.hpp"

namespace gpipe {

struct LinesForThreads;  // src/io/file_range.hpp

// Where records came from: a file name as the user named it ("-" shows as "<stdin>").
struct Origin {
  std::string name;
};

// A field value. `text` is the value as it prints in text output: a string raw (as jq -r does),
// a number as it was written, an object or array as compact JSON, null as empty.
struct Value {
  enum class Kind : std::uint8_t { Null, Bool, Number, String, Json };
  Kind kind = Kind::Null;
  std::string_view text;

  static Value null() { return {}; }
  static Value string(std::string_view s) { return {Kind::String, s}; }
  bool is_null() const { return kind == Kind::Null; }
};

struct Field {
  std::string_view name;  // column, key or path; for positional fields the index as written
  Value value;
};

// What the records of a batch are, which decides the default output format (docs/spec.md §4:
// text in, text out; CSV in, CSV out; JSON in, JSON lines out). Parsers set it; `field` sets Text.
// Table: the results of an aggregate, printed as TSV with a header row.
enum class DataFormat : std::uint8_t { Text, Csv, Json, Table };

// What a record's text is, which decides how sinks print it.
enum class RecordKind : std::uint8_t {
  Line,   // a line of text without its terminator; sinks add "\n"
  Bytes,  // a raw block (chunks); sinks write it as is
};

struct Record {
  static constexpr std::uint32_t kWholeText = UINT32_MAX;

  std::string_view text;     // the raw record: a line without "\n"/"\r\n", a raw block, …
  std::uint64_t line = 0;    // 1-based line number in its file (of the first line of the record)
  std::uint64_t offset = 0;  // byte offset of the record's first byte in its (decompressed) file
  // The record's selected/structured fields: batch.fields()[first_field, first_field+field_count).
  // field_count == kWholeText means the record is its text alone.
  std::uint32_t first_field = 0;
  std::uint32_t field_count = kWholeText;
  // The text is one complete JSON value (from `json` or `items`) and the fields are only the
  // paths later stages asked for: JSON output prints the text untouched. Any stage that reshapes
  // the record (select, set, drop, rename) clears it, and output is then built from the fields.
  bool whole_json = false;

  bool has_fields() const { return field_count != kWholeText; }
};

// Stable storage for strings a stage makes (a formatted number, an unescaped value). Strings
// stay put until reset(), which keeps the blocks for the next batch, so steady state allocates
// nothing.
class Arena {
 public:
  std::string_view store(std::string_view s);
  char* allocate(std::size_t n);
  void reset();

 private:
  static constexpr std::size_t kBlockSize = 64 * 1024;
  struct Block {
    std::unique_ptr<char[]> data;
    std::size_t size = 0;
    std::size_t used = 0;
  };
  std::vector<Block> blocks_;
  std::size_t current_ = 0;
};

class Batch {
 public:
  Batch() = default;
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;
  // Movable, so -j can hand a worker's batches to the consumer; a moved-from batch is reset()
  // before it is used again.
  Batch(Batch&&) = default;
  Batch& operator=(Batch&&) = default;

  const Origin* origin() const { return origin_; }
  RecordKind kind() const { return kind_; }
  DataFormat format() const { return format_; }
  void set_format(DataFormat format) { format_ = format; }

  // The records. If the source left whole lines unsplit (see lines_pending()), this splits them
  // first. Stages may erase, reorder or modify entries.
  std::vector<Record>& records() {
    if (lines_pending_) split_pending_lines();
    return records_;
  }
  std::vector<Field>& fields() { return fields_; }
  const std::vector<Field>& fields() const { return fields_; }
  Arena& arena() { return arena_; }

  // Lazily split lines: a line source may hand over a block of complete lines ("a\nb\n", the
  // last line may lack "\n" at end of input) without splitting it, so a literal search can scan
  // the block and find line ends only around matches. Such a stage reads pending_block(), then
  // calls take_pending_block() and appends the records it keeps.
  bool lines_pending() const { return lines_pending_; }
  // A batch without records: the tick of a waiting source (docs/design.md, "Ticks"), or one a
  // filter emptied. It says time passed, never that a file ended or began, whatever its origin.
  bool is_tick() const { return !lines_pending_ && records_.empty(); }
  std::string_view pending_block() const { return block_; }
  std::uint64_t pending_first_line() const { return block_first_line_; }
  std::uint64_t pending_offset() const { return block_offset_; }
  // What keeps the block's bytes valid beyond this batch (a mapped window), or null.
  const std::shared_ptr<const void>& pending_owner() const { return block_owner_; }
  void take_pending_block() { lines_pending_ = false; }

  // -j, for a stage that keeps state per file (csv: its header): the first and last batches of
  // a chunk cut between records, with its file's prelude (a CSV header) in front. Such a stage
  // starts afresh at the first and finishes after the last, as at the start and end of a file.
  bool starts_chunk() const { return starts_chunk_; }
  void set_starts_chunk() { starts_chunk_ = true; }
  bool ends_chunk() const { return ends_chunk_; }
  void set_ends_chunk() { ends_chunk_ = true; }

  // -j, between `read` and the threads only: lines `read` leaves to them (a file range to read,
  // a line it skipped), in a batch without records; null in every other batch. Its type is
  // src/io's: no stage but `read` makes one, and only src/exec reads one.
  const std::shared_ptr<const LinesForThreads>& for_threads() const { return for_threads_; }
  void set_for_threads(std::shared_ptr<const LinesForThreads> lines) {
    for_threads_ = std::move(lines);
  }

  // `batch N` (a load batch): this is the last batch of one; a sink after it commits here (one
  // transaction, one file, one JSON array). Kept through stages that pass batches on.
  bool closes_load_batch() const { return closes_load_batch_; }
  void set_closes_load_batch(bool closes = true) { closes_load_batch_ = closes; }

  // --state: reading the batch's file again from resume_offset(), whose line is resume_line(),
  // gives every record after this batch's. Set by `read`; kept by stages that pass batches on;
  // a stage that holds back text of the batch (csv, a row still open) moves it back to the
  // start of what it holds. Batches a stage made have none.
  bool has_resume_point() const { return resume_line_ != 0; }
  std::uint64_t resume_offset() const { return resume_offset_; }
  std::uint64_t resume_line() const { return resume_line_; }
  void set_resume_point(std::uint64_t offset, std::uint64_t line) {
    resume_offset_ = offset;
    resume_line_ = line;
  }

  // --- for sources ---
  void reset(const Origin* origin, RecordKind kind);
  void set_pending_lines(std::string_view block, std::uint64_t first_line, std::uint64_t offset,
                         std::shared_ptr<const void> owner = nullptr);
  std::vector<Record>& raw_records() { return records_; }

  // Appends the fields of one record and returns the index of the first one.
  std::uint32_t add_fields(std::span<const Field> fs);

 private:
  void split_pending_lines();

  const Origin* origin_ = nullptr;
  RecordKind kind_ = RecordKind::Line;
  DataFormat format_ = DataFormat::Text;
  std::vector<Record> records_;
  std::vector<Field> fields_;
  Arena arena_;
  std::string_view block_;
  std::uint64_t block_first_line_ = 0;
  std::uint64_t block_offset_ = 0;
  bool closes_load_batch_ = false;
  std::uint64_t resume_offset_ = 0;
  std::uint64_t resume_line_ = 0;  // 0: no resume point
  std::shared_ptr<const void> block_owner_;
  bool lines_pending_ = false;
  bool starts_chunk_ = false;
  bool ends_chunk_ = false;
  std::shared_ptr<const LinesForThreads> for_threads_;
};

// Every stage is a generator of batch references.
using BatchStream = generator<Batch&>;

// Splits a block of complete lines into records ("\r\n" and "\n" endings; the last line of the
// block may lack its terminator). Used by Batch and by tests.
void split_lines(std::string_view block, std::uint64_t first_line, std::uint64_t offset,
                 std::vector<Record>& out);

// Strips a trailing '\r' (CRLF line endings).
inline std::string_view chomp_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace gpipe
