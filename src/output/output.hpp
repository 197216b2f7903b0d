// Output: where records go and how they are printed.
//
// ByteSink is the byte end (standard output, a file written under a temporary name and renamed
// on success, a zstd or gzip compressor in front of either). RecordPrinter turns batches into
// bytes through one large buffer, so output is a few big write(2) calls, not one per record.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gpipe/record.hpp"

namespace gpipe {

// Auto follows each batch's DataFormat: Text → Text, Csv → Csv, Json → Jsonl.
// JsonArray: the records as elements of JSON arrays, one array per load batch (`batch N`) or
// one of them all, each array on a line of its own.
enum class OutputFormat { Auto, Text, Tsv, Csv, Jsonl, JsonArray };

struct OutputSpec {
  OutputFormat format = OutputFormat::Auto;
  std::string ofs = "\t";  // text: separator between several fields (to text --ofs)
  std::string path;        // empty: standard output
  bool append = false;     // write --append
  int level = 0;           // write --level: compression level, 0: the default
  // write --split-lines / --split-bytes: parts PATH-0001.EXT… of at most this many records, or
  // closed at the first record that takes their (uncompressed) bytes to this many; 0: no split.
  std::uint64_t split_lines = 0;
  std::uint64_t split_bytes = 0;
};

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  // Throws OutputClosed when the reader of a pipe went away (EPIPE), IoError on other failures.
  virtual void write(std::string_view bytes) = 0;
  // Flushes everything and, for files, makes them visible under their real name. A sink
  // destroyed without commit() leaves no file behind under the real name.
  virtual void commit() = 0;
  // --state with write --append: ends what was written so far as a whole (a compressor closes
  // its zstd frame or gzip member; what comes next starts a new one), fsyncs it and returns the
  // file's length, the point a later run truncates back to. Other sinks only write out and
  // return 0.
  virtual std::uint64_t checkpoint() { return 0; }
};

// Standard output. EPIPE becomes OutputClosed.
std::unique_ptr<ByteSink> open_stdout_sink();
// A file: written to a temporary name in the same directory, renamed on commit(). `.zst` and
// `.gz` paths are compressed. With `append`, the file is opened for appending instead (and
// compressed output appends a new frame/member, which zstdcat and zcat read as one stream).
// `level`: the compression level (0: the default; compressing_sinks.hpp).
std::unique_ptr<ByteSink> open_file_sink(const std::string& path, bool append, int level = 0);
// Whether open_file_sink compresses what goes to `path` (.zst, .gz).
bool is_compressed_path(std::string_view path);

// Buffers bytes for a ByteSink; flushes in large writes. With line_flush, flushes after every
// record (output to a terminal, --follow).
class OutputBuffer {
 public:
  static constexpr std::size_t kCapacity = 1 << 20;
  explicit OutputBuffer(ByteSink& sink, bool line_flush = false);
  void append(std::string_view bytes) {
    if (bytes.empty()) return;  // data() may be null, which memcpy must not get
    if (bytes.size() > kCapacity - used_) return append_slow(bytes);
    std::memcpy(data_.get() + used_, bytes.data(), bytes.size());
    used_ += bytes.size();
  }
  void put(char c) {
    if (used_ == kCapacity) flush();
    data_[used_++] = c;
  }
  void end_record() {
    if (line_flush_) flush();
  }
  void flush();
  bool line_flush() const { return line_flush_; }
  // Every byte appended so far, flushed or not (write --split-bytes).
  std::uint64_t total_bytes() const { return flushed_ + used_; }

 private:
  void append_slow(std::string_view bytes);
  ByteSink& sink_;
  std::unique_ptr<char[]> data_;
  std::size_t used_ = 0;
  std::uint64_t flushed_ = 0;
  bool line_flush_;
};

// The header row of CSV and TSV output. Records of one shape (the same field names in the same
// order) share one header; a record of another shape starts a new block: a blank line, then its
// header (as Miller does). A header is printed only for fields with names: fields known only by
// position (`field 0 3`, `csv --no-header`: names "0", "3") and records without fields print
// rows alone, as `cut` would.
class HeaderRow {
 public:
  // True when `fields` (count of them, or Record::kWholeText for a record without fields) have
  // another shape than the record before; then remembers the new shape.
  bool shape_changed(const Field* fields, std::uint32_t count);
  // The current shape has a name that is not a position, so it gets a header row.
  bool named() const { return named_; }
  const std::vector<std::string>& names() const { return names_; }

 private:
  bool known_ = false;
  bool fieldless_ = false;
  bool named_ = false;
  std::size_t count_ = 0;
  std::vector<std::string> names_;  // copied: the batch the names came from is gone by the next
};

// Formats records: text (raw text, or fields joined by ofs), tsv (fields joined by tabs, with
// tab, newline, carriage return and backslash escaped as \t \n \r \\), csv (RFC 4180, quoted
// only where needed), jsonl (one JSON value per line), and raw blocks as they are. TSV and CSV
// print a header row (see HeaderRow). Auto picks the format from each batch's DataFormat.
class RecordPrinter {
 public:
  RecordPrinter(const OutputSpec& spec, OutputBuffer& out);
  // Prints every record of the batch; returns how many. A batch that closes a load batch
  // (`batch N`) ends its JSON array and flushes the buffer: the batch goes out whole, now.
  std::size_t print(Batch& batch);
  // The end of the records: closes an open JSON array (json-array prints [] for no records).
  void finish();
  // Prints records [begin, end) of the batch (write --split): a JSON array stays open.
  std::size_t print_range(Batch& batch, std::size_t begin, std::size_t end);

 private:
  OutputFormat format_for(const Batch& batch) const;
  void print_text(Batch& batch, const Record& r);
  void print_delimited(Batch& batch, const Record& r, OutputFormat format);
  void print_header(OutputFormat format);
  std::size_t print_records(Batch& batch);
  std::size_t print_span(Batch& batch, std::span<const Record> records);
  OutputFormat format_;
  std::string ofs_;
  OutputBuffer& out_;
  HeaderRow header_;
  bool printed_delimited_ = false;  // a CSV/TSV row or header was printed (for the blank line)
  bool array_open_ = false;         // json-array: "[" and elements printed, "]" not yet
  bool array_printed_ = false;      // json-array: an array was printed whole
};

}  // namespace gpipe
