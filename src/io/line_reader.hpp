// LineReader: complete lines out of a byte stream, in the manner of ripgrep's LineBuffer.
//
// One buffer, reused: each fill hands out the block of complete lines it holds; the partial
// last line is moved to the front and completed by the next read. A line longer than the buffer
// doubles it, up to max_line; a line longer than that is reported as an overlong record (its
// location and first bytes) and skipped up to its newline, so memory stays bounded whatever the
// input. Offsets and line numbers are absolute in the (decompressed) stream.
//
// A plain regular file (ByteSource::mappable) can be mapped instead (map_window != 0; `read`
// does so under --mmap only), a window of `map_window` bytes at a time, and blocks view the
// window: no read(2) copy. Where page faults are cheap that copy is a large part of
// `read | grep`; where they are not (virtual machines with shadow page tables), reading wins,
// which is why mapping is not the default (see docs/performance.md, "Mapped or copied reads").
// The next window starts at the page (2 MiB, for large windows: see window_base) holding the
// partial line, so nothing is moved either. Blocks are still at most `initial_capacity` bytes
// (or one line), so the passes over a block stay in cache, and the window (at most two, while a
// line crosses) bounds memory as the buffer does.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "io/io.hpp"
#include "io/mapped_file.hpp"

namespace gpipe {

class LineReader {
 public:
  // Mapping and unmapping a window has a fixed cost (system calls, page-table work); over 4 MiB
  // of lines it is noise.
  static constexpr std::size_t kMapWindow = std::size_t{4} << 20;
  // How much of an overlong line is kept for its error message (which shows less anyway).
  static constexpr std::size_t kOverlongHeadBytes = 1024;

  struct Block {
    // Complete lines, each ending in '\n' except possibly the last one at end of input.
    std::string_view lines;
    // 1-based number of the first line in `lines`; 0 when lines are not counted (see
    // hand_over_blocks).
    std::uint64_t first_line = 0;
    std::uint64_t offset = 0;  // byte offset of lines[0] in the stream
    // When the block views a mapped window: holding this keeps `lines` valid after the next
    // call (-j hands blocks to other threads without copying them). Null otherwise.
    std::shared_ptr<const void> owner;
  };
  struct Overlong {
    std::uint64_t line = 0;  // 0 when lines are not counted
    std::uint64_t offset = 0;
    std::string_view head;  // the first bytes of the line
  };
  // Idle: no complete line came within the idle tick (set_idle_tick); nothing was consumed.
  enum class Event { Lines, Overlong, End, Idle };

  // `name` is the input's name for the truncation guard (see mapped_file.hpp).
  LineReader(ByteSource& source, std::size_t initial_capacity, std::size_t max_line,
             std::string name = {}, std::size_t map_window = kMapWindow);

  // Reads on. On Event::Lines `block` holds at least one line; on Event::Overlong `overlong`
  // describes a skipped line. Views are valid until the next call.
  Event next(Block& block, Overlong& overlong);

  // Ticks (docs/design.md): when `tick` is not 0, next() returns Event::Idle whenever that long
  // passed without a line handed out, if the source can wait with a limit (a pipe or terminal:
  // ByteSource::read_within); otherwise it waits for input as always.
  void set_idle_tick(std::chrono::milliseconds tick) {
    idle_tick_ = tick;
    last_progress_ = std::chrono::steady_clock::now();
  }
  // --state: the stream was opened at `offset` (the source skipped what came before), whose
  // line is `line`. Before the first next().
  void start_at(std::uint64_t offset, std::uint64_t line) {
    offset_ = offset;
    line_ = line;
  }
  // --state: a last line without its newline is not handed out at the end of input (a writer
  // may be in the middle of it); it stays buffered, and read_on() may complete it.
  void hold_partial_last_line() { hold_partial_ = true; }
  // read --follow: after Event::End, reads on from where the input ended (it may have grown).
  void read_on() { eof_ = false; }
  // The offset and line number just past the lines handed out so far.
  std::uint64_t next_offset() const { return offset_; }
  std::uint64_t next_line() const { return line_; }

  // Whether the file is mapped (blocks then carry their window as `owner`).
  bool mapped() const { return mapped_; }
  // Leaves the blocks of a mapped file to whoever takes them (-j: the worker threads): lines
  // are not counted (blocks and overlong lines say line 0), and with `unread` the pages of
  // windows mapped from now on are not read in with the mapping (read_in_pages). That spares
  // the reading thread a pass over every byte and the page-table work, which were its largest
  // costs. Read input is always counted.
  void hand_over_blocks(bool on, bool unread) {
    hand_over_ = on;
    unread_ = on && unread;
  }

 private:
  bool fill();  // reads or maps more; false at end of input
  bool read_more();
  bool map_more();
  bool try_map();
  void grow();
  void make_room();
  const char* complete_lines_end(const char* start, std::size_t pending) const;
  Event hand_out(Block& block, std::size_t length);
  Event report_overlong(Overlong& overlong);
  bool skip_rest_of_overlong_line();
  bool counting() const { return !hand_over_ || !mapped_; }
  Event idle();

  ByteSource& source_;
  std::size_t max_line_;
  std::size_t line_limit_;  // max_line_ + 1 for its '\n', without overflowing
  std::size_t block_limit_;
  std::string name_;

  // Reading: one owned buffer. Mapping: the window, data_ at its start.
  std::unique_ptr<char[]> buffer_;
  std::shared_ptr<const MappedRegion> window_;
  ByteSource::Mappable file_{};
  std::uint64_t window_offset_ = 0;  // file offset of data_[0] when mapped
  std::size_t map_window_;
  bool mapped_ = false;
  bool hand_over_ = false;
  bool unread_ = false;

  const char* data_ = nullptr;
  std::size_t capacity_ = 0;
  std::size_t begin_ = 0;  // start of unconsumed bytes
  std::size_t end_ = 0;    // end of valid bytes
  std::uint64_t line_ = 1;
  std::uint64_t offset_ = 0;  // stream offset of data_[begin_]
  bool eof_ = false;
  bool skipping_ = false;  // inside an overlong line, discarding up to its newline
  bool idle_ = false;      // the last fill() timed out (a tick is due)
  std::chrono::milliseconds idle_tick_{0};
  std::chrono::steady_clock::time_point last_progress_{};
  bool hold_partial_ = false;
};

}  // namespace gpipe
