// -j over a plain file: `read` cuts it into ranges without reading a byte, and each worker
// reads its own range with pread(2). The copy out of the page cache is then spread over the
// threads; done by the reading thread it was a large part of that thread's work, and what held
// `read | grep` on two threads to the speed of one (see docs/performance.md,
// 'File ranges').
//
// A range holds the lines that start in it: the worker skips the end of the line before it,
// and reads past its end to the end of its last line. A last line longer than --max-line is
// skipped and reported, as `read` does; only the last can be (ranges are used only when
// --max-line is at least a range).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "io/read_buffer_pool.hpp"

namespace gpipe {

struct InputMeter;

// Ranges of lines; csv ranges (framed: src/exec/parallel/csv_framing.hpp) are smaller, since the
// batches of a csv range hold every field of every row, three times its bytes, until they are
// printed: smaller ranges keep the peak memory down and cost no time (see
// docs/performance.md, 'File ranges').
inline constexpr std::size_t kFileRangeBytes = std::size_t{1} << 20;
inline constexpr std::size_t kFramedRangeBytes = std::size_t{1} << 19;

// The file the ranges are read from, open until the last range is done with.
class RangedFile {
 public:
  // `fd` is duplicated. `begin`: the file offset of the stream's first byte; `size`: the
  // stream's length when the file was opened (reading past it is fine: the file grew; ending
  // before it is an error: it shrank).
  RangedFile(int fd, std::string name, std::uint64_t begin, std::uint64_t size,
             std::string overlong_reason);
  ~RangedFile();
  RangedFile(const RangedFile&) = delete;
  RangedFile& operator=(const RangedFile&) = delete;

  // Reads up to `length` bytes at stream offset `offset`; fewer only at the end of the file.
  std::size_t read_at(char* into, std::size_t length, std::uint64_t offset) const;
  const std::string& name() const { return name_; }
  std::uint64_t size() const { return size_; }
  const std::string& overlong_reason() const { return overlong_reason_; }

 private:
  int fd_;
  std::string name_;
  InputMeter* meter_;  // --stats, --progress: where the bytes read are counted, or null
  std::uint64_t begin_;
  std::uint64_t size_;
  std::string overlong_reason_;  // "line longer than --max-line (64 MiB)"
};

struct FileRange {
  std::shared_ptr<const RangedFile> file;
  std::uint64_t begin = 0;  // stream offsets: the lines that start in [begin, end)
  std::uint64_t end = 0;
};

struct LoadedRange {
  std::shared_ptr<char> buffer;  // holds `lines`
  // The complete lines that start in the range (the last may lack '\n' at the end of the
  // file), or none.
  std::string_view lines;
  std::uint64_t offset = 0;  // the stream offset of lines[0]
  // A last line longer than --max-line, skipped: where it starts and its first bytes.
  bool overlong = false;
  std::uint64_t overlong_offset = 0;
  std::string overlong_head;
  // The file ended before the range did, or before the size it had when opened: `lines` holds
  // the complete lines read before that end, and then the run stops with "'NAME' shrank while
  // it was being read", as a one-pass read does.
  bool shrank = false;
};

// A line over --max-line that `read` skipped under -j: its number (0 when the threads number the
// lines, as those of a mapped file), offset and first bytes, and why it is bad. -j reports it in
// input order, after the bad records its threads found in the lines before.
struct SkippedLine {
  std::uint64_t line = 0;
  std::uint64_t offset = 0;
  std::string head;
  std::string reason;
};

// What `read` leaves to -j's threads in place of a block of lines, in a batch without records
// (Batch::for_threads): a range of a plain file for a worker to read, or a line it skipped, for a
// worker to report in turn. Only src/io and src/exec look inside.
struct LinesForThreads {
  std::variant<FileRange, SkippedLine> lines;

  const FileRange* range() const { return std::get_if<FileRange>(&lines); }
  const SkippedLine* skipped_line() const { return std::get_if<SkippedLine>(&lines); }
};

// Whether a --max-line of `max_line` lets ranges of `range_bytes` be used (see above).
inline bool file_ranges_fit(std::size_t max_line, std::size_t range_bytes) {
  return max_line >= range_bytes;
}

// The pool the buffers of loaded ranges come from, for `threads` threads, for ranges of
// `range_bytes` with `front` spare bytes before them.
std::shared_ptr<ReadBufferPool> make_range_buffers(unsigned threads, std::size_t range_bytes,
                                                   std::size_t front);

// Reads the range's lines, leaving at least `front` spare bytes before them in the buffer (where
// a csv worker joins the rows carried over from the range before). Throws IoError when the file
// cannot be read.
LoadedRange load_file_range(const FileRange& range, std::size_t max_line, ReadBufferPool& buffers,
                            std::size_t front = 0);

}  // namespace gpipe
