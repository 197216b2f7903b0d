#include "io/file_range.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "gpipe/errors.hpp"
#include "io/input_meter.hpp"
#include "io/line_reader.hpp"

namespace gpipe {

namespace {

// How much more is read at a time past the range's end, for its last line.
constexpr std::size_t kReadOnBytes = 64 * 1024;

// The buffer of a range whose last line runs on: `used` bytes kept, room for `needed`.
std::shared_ptr<char> grown(std::shared_ptr<char> buffer, std::size_t& capacity, std::size_t used,
                            std::size_t needed, ReadBufferPool& buffers) {
  if (needed <= capacity) return buffer;
  const std::size_t size = std::max(needed, 2 * capacity);
  std::shared_ptr<char> bigger = buffers.take(size);
  std::memcpy(bigger.get(), buffer.get(), used);
  capacity = size;
  return bigger;
}

}  // namespace

RangedFile::RangedFile(int fd, std::string name, std::uint64_t begin, std::uint64_t size,
                       std::string overlong_reason)
    : fd_(::dup(fd)),
      name_(std::move(name)),
      meter_(InputMeters::find_or_add(name_)),
      begin_(begin),
      size_(size),
      overlong_reason_(std::move(overlong_reason)) {
  if (fd_ < 0) throw IoError(errno_message("cannot read", name_, errno));
}

RangedFile::~RangedFile() {
  ::close(fd_);
}

std::size_t RangedFile::read_at(char* into, std::size_t length, std::uint64_t offset) const {
  std::size_t done = 0;
  while (done < length) {
    const ssize_t got =
        ::pread(fd_, into + done, length - done, static_cast<off_t>(begin_ + offset + done));
    if (got == 0) break;
    if (got < 0) {
      if (errno == EINTR) continue;
      throw IoError(errno_message("cannot read", name_, errno));
    }
    done += static_cast<std::size_t>(got);
  }
  if (meter_ != nullptr) meter_->read_bytes.fetch_add(done, std::memory_order_relaxed);
  return done;
}

std::shared_ptr<ReadBufferPool> make_range_buffers(unsigned threads, std::size_t range_bytes,
                                                   std::size_t front) {
  // The front, the range, the byte before it, and one read past its end; as many as can be in
  // flight (-j: 2N+1 chunks, and the one each thread reads into).
  return std::make_shared<ReadBufferPool>(front + range_bytes + 1 + kReadOnBytes,
                                          3 * std::size_t{threads} + 1);
}

namespace {

// The complete lines of [start, used): up to after the last '\n' (for a file that shrank).
std::size_t end_of_complete_lines(const char* buffer, std::size_t start, std::size_t used) {
  const void* newline = start < used ? ::memrchr(buffer + start, '\n', used - start) : nullptr;
  return newline == nullptr
             ? start
             : static_cast<std::size_t>(static_cast<const char*>(newline) - buffer) + 1;
}

}  // namespace

LoadedRange load_file_range(const FileRange& range, std::size_t max_line, ReadBufferPool& buffers,
                            std::size_t front) {
  LoadedRange loaded;
  loaded.offset = range.end;
  // From the byte before the range: whether a line starts at its first byte. buffer[i] holds
  // the stream's byte at_file(i); the `front` bytes before the read are left spare.
  const std::uint64_t read_from = range.begin == 0 ? 0 : range.begin - 1;
  const auto at_file = [&](std::size_t i) { return read_from + i - front; };
  const auto wanted = static_cast<std::size_t>(range.end - read_from);
  std::size_t capacity = std::max(front + wanted + kReadOnBytes, buffers.size());
  std::shared_ptr<char> buffer = buffers.take(capacity);
  std::size_t used = front + range.file->read_at(buffer.get() + front, wanted, read_from);
  loaded.shrank = used - front < wanted;

  std::size_t start = front;
  if (range.begin != 0) {
    const void* newline = std::memchr(buffer.get() + front, '\n', used - front);
    if (newline == nullptr) return loaded;  // inside a line that started before the range
    start = static_cast<std::size_t>(static_cast<const char*>(newline) - buffer.get()) + 1;
  }
  if (start == used) return loaded;  // the line at the range's end is the next range's
  loaded.offset = at_file(start);

  std::size_t end = used;  // after the last line's '\n', or at the end of the file
  if (loaded.shrank) {
    end = end_of_complete_lines(buffer.get(), start, used);
  } else if (buffer.get()[used - 1] != '\n') {
    const void* before_last = ::memrchr(buffer.get() + start, '\n', used - start);
    const std::size_t last_start =
        before_last == nullptr
            ? start
            : static_cast<std::size_t>(static_cast<const char*>(before_last) - buffer.get()) + 1;
    // Read on to the end of the last line: its '\n', the end of the file, or --max-line.
    bool found_newline = false;
    bool at_end = false;
    while (!found_newline && !at_end && used - last_start <= max_line) {
      buffer = grown(std::move(buffer), capacity, used, used + kReadOnBytes, buffers);
      const std::size_t got = range.file->read_at(buffer.get() + used, kReadOnBytes, at_file(used));
      const void* newline = std::memchr(buffer.get() + used, '\n', got);
      found_newline = newline != nullptr;
      at_end = got == 0;
      used = found_newline
                 ? static_cast<std::size_t>(static_cast<const char*>(newline) - buffer.get()) + 1
                 : used + got;
    }
    const std::size_t line_length = used - last_start - (found_newline ? 1 : 0);
    if (at_end && at_file(used) < range.file->size()) {  // it ended early
      loaded.shrank = true;
      end = last_start;
    } else if (line_length > max_line) {  // skipped and reported after the range's lines
      loaded.overlong = true;
      loaded.overlong_offset = at_file(last_start);
      loaded.overlong_head.assign(buffer.get() + last_start,
                                  std::min(used - last_start, LineReader::kOverlongHeadBytes));
      end = last_start;
    } else {
      end = used;  // after its '\n', or at the end of the file without one
    }
  }
  loaded.lines = std::string_view(buffer.get() + start, end - start);
  loaded.buffer = std::move(buffer);
  return loaded;
}

}  // namespace gpipe
