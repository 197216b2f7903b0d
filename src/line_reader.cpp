#include "gpipe/line_reader.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "newline_count.hpp"

namespace gpipe {

namespace {

// How much of an overlong line is kept for its error message (which shows less anyway).
constexpr std::size_t kOverlongHeadBytes = 1024;

// The buffer never needs more than one longest allowed line plus its '\n'. Capping it there
// also means every complete line inside it is within max_line, so blocks need no length check.
std::size_t capacity_limit(std::size_t max_line) {
  return max_line == std::numeric_limits<std::size_t>::max() ? max_line : max_line + 1;
}

}  // namespace

LineReader::LineReader(ByteSource& source, std::size_t initial_capacity, std::size_t max_line)
    : source_(source),
      max_line_(max_line),
      capacity_(std::clamp<std::size_t>(initial_capacity, 1, capacity_limit(max_line))) {
  buffer_ = std::make_unique<char[]>(capacity_);
}

LineReader::Event LineReader::next(Block& block, Overlong& overlong) {
  for (;;) {
    if (skipping_) {
      if (!skip_rest_of_overlong_line()) {
        if (eof_ || !fill()) return Event::End;
        continue;
      }
    }
    const std::size_t pending = end_ - begin_;
    if (pending != 0) {
      const char* const start = buffer_.get() + begin_;
      if (const void* last_newline = ::memrchr(start, '\n', pending)) {
        return hand_out(
            block, static_cast<std::size_t>(static_cast<const char*>(last_newline) - start) + 1);
      }
      if (pending > max_line_) return report_overlong(overlong);
      if (eof_) return hand_out(block, pending);  // the last line, without its newline
    } else if (eof_) {
      return Event::End;
    }
    make_room();
    fill();
  }
}

bool LineReader::fill() {
  const std::size_t got = source_.read(buffer_.get() + end_, capacity_ - end_);
  if (got == 0) {
    eof_ = true;
    return false;
  }
  end_ += got;
  return true;
}

void LineReader::grow() {
  const std::size_t limit = capacity_limit(max_line_);
  const std::size_t doubled = capacity_ > limit / 2 ? limit : capacity_ * 2;
  auto bigger = std::make_unique<char[]>(doubled);
  std::memcpy(bigger.get(), buffer_.get() + begin_, end_ - begin_);
  end_ -= begin_;
  begin_ = 0;
  buffer_ = std::move(bigger);
  capacity_ = doubled;
}

// Frees space after the partial line: move it to the front, or grow for a line longer than the
// buffer. (A full buffer at the size limit never gets here: next() reported it as overlong.)
void LineReader::make_room() {
  if (begin_ != 0) {
    std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == capacity_) grow();
}

LineReader::Event LineReader::hand_out(Block& block, std::size_t length) {
  const char* const start = buffer_.get() + begin_;
  block.lines = std::string_view(start, length);
  block.first_line = line_;
  block.offset = offset_;
  line_ += count_newlines(start, start + length);  // SIMD: std::count is scalar here
  offset_ += length;
  begin_ += length;
  return Event::Lines;
}

LineReader::Event LineReader::report_overlong(Overlong& overlong) {
  const std::size_t pending = end_ - begin_;
  overlong.line = line_;
  overlong.offset = offset_;
  overlong.head = std::string_view(buffer_.get() + begin_, std::min(pending, kOverlongHeadBytes));
  // The bytes stay in the buffer (head points at them) until the next call reads over them.
  offset_ += pending;
  begin_ = end_;
  skipping_ = true;
  return Event::Overlong;
}

// Discards buffered bytes up to and including the overlong line's '\n'. Returns false if the
// buffer ran out first (the buffer is then empty and reading goes on).
bool LineReader::skip_rest_of_overlong_line() {
  const char* const start = buffer_.get() + begin_;
  const std::size_t pending = end_ - begin_;
  if (const void* newline = std::memchr(start, '\n', pending)) {
    const auto length = static_cast<std::size_t>(static_cast<const char*>(newline) - start) + 1;
    offset_ += length;
    begin_ += length;
    ++line_;
    skipping_ = false;
    return true;
  }
  offset_ += pending;
  begin_ = end_ = 0;
  return false;
}

}  // namespace gpipe
