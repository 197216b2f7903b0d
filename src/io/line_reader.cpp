#include "io/line_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include "gpipe/errors.hpp"
#include "simd/newline_count.hpp"

namespace gpipe {

namespace {

// The longest line with its '\n'. The read buffer never needs more, and every complete line
// inside that many bytes is within max_line, so blocks need no length check.
std::size_t line_limit(std::size_t max_line) {
  return max_line == std::numeric_limits<std::size_t>::max() ? max_line : max_line + 1;
}

// Windows start at a file offset that is a multiple of 2 MiB (when they are that large): the
// page cache holds a big file in large folios, and the kernel maps a 2 MiB-aligned stretch of
// one with a single page-table entry. A window at any other page cannot be mapped so, and its
// pages cost a trap each on paravirtualised machines, enough to make a mapped scan several
// times slower than an aligned one (see docs/performance.md, "Mapped or copied reads").
constexpr std::size_t kHugeMapping = std::size_t{2} << 20;

std::uint64_t window_base(std::uint64_t offset, std::size_t map_window) {
  const std::size_t alignment = map_window >= kHugeMapping ? kHugeMapping : page_size();
  return offset - offset % alignment;
}

}  // namespace

LineReader::LineReader(ByteSource& source, std::size_t initial_capacity, std::size_t max_line,
                       std::string name, std::size_t map_window)
    : source_(source),
      max_line_(max_line),
      line_limit_(line_limit(max_line)),
      block_limit_(std::clamp<std::size_t>(initial_capacity, 1, line_limit_)),
      name_(std::move(name)),
      map_window_(std::max(map_window, page_size())) {
  if (const std::optional<ByteSource::Mappable> file = source_.mappable();
      file && map_window != 0) {
    file_ = *file;
    mapped_ = try_map();
  }
  if (!mapped_) {
    capacity_ = block_limit_;
    buffer_ = std::make_unique<char[]>(capacity_);
    data_ = buffer_.get();
  }
}

LineReader::Event LineReader::next(Block& block, Overlong& overlong) {
  for (;;) {
    if (skipping_) {
      if (!skip_rest_of_overlong_line()) {
        if (eof_) return Event::End;
        if (!fill()) {
          if (idle_) return idle();
          return Event::End;
        }
        continue;
      }
    }
    const std::size_t pending = end_ - begin_;
    if (pending != 0) {
      const char* const start = data_ + begin_;
      if (const char* const lines_end = complete_lines_end(start, pending)) {
        return hand_out(block, static_cast<std::size_t>(lines_end - start));
      }
      if (pending > max_line_) return report_overlong(overlong);
      if (eof_) {
        if (hold_partial_) return Event::End;
        return hand_out(block, pending);  // the last line, without its newline
      }
    } else if (eof_) {
      return Event::End;
    }
    make_room();
    if (!fill() && idle_) return idle();
  }
}

LineReader::Event LineReader::idle() {
  idle_ = false;
  last_progress_ = std::chrono::steady_clock::now();
  return Event::Idle;
}

// The end of the block to hand out: after the last '\n' within block_limit_ bytes, or, when
// the first line is longer than that, after it (if it ends within the line limit). Null when
// no line ends in time.
const char* LineReader::complete_lines_end(const char* start, std::size_t pending) const {
  const std::size_t look = std::min(pending, block_limit_);
  const void* newline = ::memrchr(start, '\n', look);
  if (newline == nullptr && pending > look) {
    newline = std::memchr(start + look, '\n', std::min(pending, line_limit_) - look);
  }
  return newline == nullptr ? nullptr : static_cast<const char*>(newline) + 1;
}

bool LineReader::fill() {
  return mapped_ ? map_more() : read_more();
}

bool LineReader::read_more() {
  std::size_t got = 0;
  if (idle_tick_.count() == 0) {
    got = source_.read(buffer_.get() + end_, capacity_ - end_);
  } else {
    // Waits no longer than what is left of the tick since lines last went out.
    const auto waited = std::chrono::steady_clock::now() - last_progress_;
    const auto left = idle_tick_ - std::chrono::duration_cast<std::chrono::milliseconds>(waited);
    bool timed_out = left.count() <= 0;
    if (!timed_out) {
      got = source_.read_within(buffer_.get() + end_, capacity_ - end_, left, timed_out);
    }
    if (timed_out) {
      idle_ = true;
      return false;
    }
  }
  if (got == 0) {
    eof_ = true;
    return false;
  }
  end_ += got;
  return true;
}

// The first window, at the start of the file. False when the file cannot be mapped: it is
// read instead (nothing has been consumed).
bool LineReader::try_map() {
  const std::uint64_t base = window_base(file_.begin, map_window_);
  const auto length = static_cast<std::size_t>(
      std::min<std::uint64_t>(map_window_ + (file_.begin - base), file_.size - base));
  window_ = map_file_window(file_.fd, base, length, name_);
  if (window_ == nullptr) return false;
  data_ = window_->data();
  window_offset_ = base;
  begin_ = static_cast<std::size_t>(file_.begin - base);
  end_ = length;
  capacity_ = length;
  return true;
}

// Maps the next window, from the page (or 2 MiB) holding the partial line on, so the line
// stays where it is in the file. A partial line that fills the whole window gets a window
// twice as long.
bool LineReader::map_more() {
  const std::uint64_t unconsumed = window_offset_ + begin_;
  const std::uint64_t mapped_end = window_offset_ + end_;
  if (mapped_end >= file_.size) {
    // A log still being written may have grown since it was opened: read on to its new end.
    file_.size = std::max(file_.size, current_file_size(file_.fd));
    if (mapped_end >= file_.size) {
      eof_ = true;
      return false;
    }
  }
  const std::uint64_t base = window_base(unconsumed, map_window_);
  std::uint64_t length = map_window_;
  while (base + length <= mapped_end) length *= 2;
  length = std::min(length, file_.size - base);
  std::shared_ptr<const MappedRegion> next =
      map_file_window(file_.fd, base, static_cast<std::size_t>(length), name_, !unread_);
  if (next == nullptr) throw IoError(errno_message("cannot read", name_, errno));
  window_ = std::move(next);
  data_ = window_->data();
  window_offset_ = base;
  begin_ = static_cast<std::size_t>(unconsumed - base);
  end_ = static_cast<std::size_t>(length);
  capacity_ = end_;
  return true;
}

void LineReader::grow() {
  const std::size_t doubled = capacity_ > line_limit_ / 2 ? line_limit_ : capacity_ * 2;
  auto bigger = std::make_unique<char[]>(doubled);
  std::memcpy(bigger.get(), buffer_.get() + begin_, end_ - begin_);
  end_ -= begin_;
  begin_ = 0;
  buffer_ = std::move(bigger);
  data_ = buffer_.get();
  capacity_ = doubled;
}

// Frees space after the partial line: move it to the front, or grow for a line longer than the
// buffer. (A full buffer at the size limit never gets here: next() reported it as overlong.)
// A mapped window needs neither: the next one starts at the partial line.
void LineReader::make_room() {
  if (mapped_) return;
  if (begin_ != 0) {
    std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == capacity_) grow();
}

LineReader::Event LineReader::hand_out(Block& block, std::size_t length) {
  if (idle_tick_.count() != 0) last_progress_ = std::chrono::steady_clock::now();
  const char* const start = data_ + begin_;
  block.lines = std::string_view(start, length);
  block.offset = offset_;
  if (mapped_) {
    block.owner = window_;
  } else {
    block.owner.reset();
  }
  if (counting()) {
    block.first_line = line_;
    line_ += count_newlines(start, start + length);  // SIMD: std::count is scalar here
  } else {
    block.first_line = 0;
  }
  offset_ += length;
  begin_ += length;
  return Event::Lines;
}

// The overlong line's first line_limit_ bytes (all of a full read buffer) are dropped here;
// the rest of it is skipped by skip_rest_of_overlong_line().
LineReader::Event LineReader::report_overlong(Overlong& overlong) {
  const std::size_t dropped = std::min(end_ - begin_, line_limit_);
  overlong.line = counting() ? line_ : 0;
  overlong.offset = offset_;
  overlong.head = std::string_view(data_ + begin_, std::min(dropped, kOverlongHeadBytes));
  // The bytes stay in the buffer (head points at them) until the next call reads over them.
  offset_ += dropped;
  begin_ += dropped;
  skipping_ = true;
  return Event::Overlong;
}

// Discards buffered bytes up to and including the overlong line's '\n'. Returns false if the
// buffer ran out first (the buffer is then empty and reading goes on).
bool LineReader::skip_rest_of_overlong_line() {
  const char* const start = data_ + begin_;
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
  begin_ = end_;
  if (!mapped_) begin_ = end_ = 0;
  return false;
}

}  // namespace gpipe
