// LineReader: complete lines out of a byte stream, in the manner of ripgrep's LineBuffer.
//
// One buffer, reused: each fill hands out the block of complete lines it holds; the partial
// last line is moved to the front and completed by the next read. A line longer than the buffer
// doubles it, up to max_line; a line longer than that is reported as an overlong record (its
// location and first bytes) and skipped up to its newline, so memory stays bounded whatever the
// input. Offsets and line numbers are absolute in the (decompressed) stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "gpipe/io.hpp"

namespace gpipe {

class LineReader {
 public:
  struct Block {
    // Complete lines, each ending in '\n' except possibly the last one at end of input.
    std::string_view lines;
    std::uint64_t first_line = 0;  // 1-based number of the first line in `lines`
    std::uint64_t offset = 0;      // byte offset of lines[0] in the stream
  };
  struct Overlong {
    std::uint64_t line = 0;
    std::uint64_t offset = 0;
    std::string_view head;  // the first bytes of the line
  };
  enum class Event { Lines, Overlong, End };

  LineReader(ByteSource& source, std::size_t initial_capacity, std::size_t max_line);

  // Reads on. On Event::Lines `block` holds at least one line; on Event::Overlong `overlong`
  // describes a skipped line. Views are valid until the next call.
  Event next(Block& block, Overlong& overlong);

 private:
  bool fill();  // reads more into the buffer; false at end of input
  void grow();
  void make_room();
  Event hand_out(Block& block, std::size_t length);
  Event report_overlong(Overlong& overlong);
  bool skip_rest_of_overlong_line();

  ByteSource& source_;
  std::size_t max_line_;
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_;
  std::size_t begin_ = 0;  // start of unconsumed bytes
  std::size_t end_ = 0;    // end of valid bytes
  std::uint64_t line_ = 1;
  std::uint64_t offset_ = 0;  // stream offset of buffer_[begin_]
  bool eof_ = false;
  bool skipping_ = false;  // inside an overlong line, discarding up to its newline
};

}  // namespace gpipe
