// Byte sources: plain descriptors, and zstd/gzip streams recognised by their magic bytes.
#include "io/io.hpp"

#include <fcntl.h>
#include <glob.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <span>
#include <string_view>

#include "gpipe/errors.hpp"
#include "io/input_meter.hpp"
#include "io/read_ahead.hpp"

namespace gpipe {

namespace {

constexpr std::size_t kMagicBytes = 4;
constexpr std::array<unsigned char, 4> kZstdMagic = {0x28, 0xB5, 0x2F, 0xFD};
// Skippable zstd frames: 0x184D2A50..0x184D2A5F, little-endian. A stream may start with one.
constexpr std::array<unsigned char, 3> kZstdSkippableTail = {0x2A, 0x4D, 0x18};
constexpr std::array<unsigned char, 2> kGzipMagic = {0x1F, 0x8B};
// Compressed input is read in large pieces so that decompression, not read(2), dominates.
constexpr std::size_t kGzipInputBuffer = 256 * 1024;

// A file descriptor, with the magic bytes peeked at open time handed back before the rest, so
// that standard input (a pipe, which cannot seek) works like a file.
class FdSource final : public ByteSource {
 public:
  FdSource(int fd, std::string name, bool owns_fd)
      : fd_(fd), name_(std::move(name)), owns_fd_(owns_fd) {}
  ~FdSource() override {
    if (owns_fd_) ::close(fd_);
  }
  FdSource(const FdSource&) = delete;
  FdSource& operator=(const FdSource&) = delete;

  std::size_t read(char* buffer, std::size_t n) override {
    was_read_ = true;
    if (peeked_pos_ < peeked_.size()) {
      const std::size_t take = std::min(n, peeked_.size() - peeked_pos_);
      std::memcpy(buffer, peeked_.data() + peeked_pos_, take);
      peeked_pos_ += take;
      // A regular file never makes read(2) wait, so top up rather than hand out a 4-byte read;
      // a pipe or terminal gets the peeked bytes alone, to stay interactive.
      if (take == n || !regular_file_) return take;
      return take + read_fd(buffer + take, n - take);
    }
    return read_fd(buffer, n);
  }

  std::size_t read_within(char* buffer, std::size_t n, std::chrono::milliseconds wait,
                          bool& timed_out) override {
    timed_out = false;
    if (regular_file_ || peeked_pos_ < peeked_.size()) return read(buffer, n);
    pollfd waiting{fd_, POLLIN, 0};
    for (;;) {
      const int ready = ::poll(&waiting, 1, static_cast<int>(wait.count()));
      if (ready > 0) return read(buffer, n);  // data, end of input or an error: read says which
      if (ready == 0) {
        timed_out = true;
        return 0;
      }
      if (errno != EINTR) return read(buffer, n);
    }
  }

  // Reads the first bytes, stopping early as soon as they cannot be a known magic, so that an
  // interactive pipe is not kept waiting for bytes that only decide the format.
  std::span<const unsigned char> peek_magic() {
    std::size_t got = 0;
    while (got < kMagicBytes && could_be_magic(std::span(magic_.data(), got))) {
      const std::size_t n =
          read_fd(reinterpret_cast<char*>(magic_.data()) + got, kMagicBytes - got);
      if (n == 0) break;
      got += n;
    }
    peeked_ = std::span(magic_.data(), got);
    return peeked_;
  }

  const std::string& name() const { return name_; }

  // --stats, --progress: where the bytes read from the file are counted (null: not counted).
  void set_meter(InputMeter* meter) { meter_ = meter; }

  // For a regular file: the part of it to read (see mappable_rest), taken before the magic is
  // peeked at.
  void set_regular_file(std::optional<Mappable> rest) {
    regular_file_ = true;
    rest_ = rest;
  }

  std::optional<Mappable> mappable() const override {
    if (!rest_ || was_read_) return std::nullopt;
    return rest_;
  }

 private:
  // True while `prefix` is a strict prefix of a magic number, so more bytes would decide.
  static bool could_be_magic(std::span<const unsigned char> prefix) {
    const auto strict_prefix_of = [&](std::span<const unsigned char> magic) {
      return prefix.size() < magic.size() &&
             std::equal(prefix.begin(), prefix.end(), magic.begin());
    };
    if (strict_prefix_of(kZstdMagic) || strict_prefix_of(kGzipMagic)) return true;
    if (prefix.empty() || (prefix[0] & 0xF0) != 0x50) return false;
    return prefix.size() < kMagicBytes &&
           std::equal(prefix.begin() + 1, prefix.end(), kZstdSkippableTail.begin());
  }

  std::size_t read_fd(char* buffer, std::size_t n) {
    for (;;) {
      const ssize_t got = ::read(fd_, buffer, n);
      if (got == 0 && n != 0) check_not_shrunk();
      if (got > 0 && meter_ != nullptr) {
        meter_->read_bytes.fetch_add(static_cast<std::uint64_t>(got), std::memory_order_relaxed);
      }
      if (got >= 0) return static_cast<std::size_t>(got);
      if (errno != EINTR) throw IoError(errno_message("cannot read", name_, errno));
    }
  }

  // At the end of a regular file: ending before the size it had when opened means the file was
  // cut short under us (a log truncated by its rotation). The rest of it is lost, so that is an
  // input error, as the mapped reader's truncation guard makes it, not a quiet end.
  void check_not_shrunk() const {
    if (!rest_) return;
    const off_t at = ::lseek(fd_, 0, SEEK_CUR);
    if (at >= 0 && static_cast<std::uint64_t>(at) < rest_->size) {
      throw IoError(shrank_message(name_));
    }
  }

  int fd_;
  std::string name_;
  bool owns_fd_;
  InputMeter* meter_ = nullptr;
  bool regular_file_ = false;
  bool was_read_ = false;
  std::optional<Mappable> rest_;
  std::array<unsigned char, kMagicBytes> magic_{};
  std::span<const unsigned char> peeked_;
  std::size_t peeked_pos_ = 0;
};

// Counts the bytes a decompressor hands out, for --stats.
class DecompressedMeter final : public ByteSource {
 public:
  DecompressedMeter(std::unique_ptr<ByteSource> inner, InputMeter& meter)
      : inner_(std::move(inner)), meter_(meter) {}
  std::size_t read(char* buffer, std::size_t n) override {
    const std::size_t got = inner_->read(buffer, n);
    meter_.decompressed_bytes.fetch_add(got, std::memory_order_relaxed);
    return got;
  }

 private:
  std::unique_ptr<ByteSource> inner_;
  InputMeter& meter_;
};

bool starts_with(std::span<const unsigned char> bytes, std::span<const unsigned char> magic) {
  return bytes.size() >= magic.size() && std::equal(magic.begin(), magic.end(), bytes.begin());
}

bool is_zstd(std::span<const unsigned char> bytes) {
  if (starts_with(bytes, kZstdMagic)) return true;
  return bytes.size() == kMagicBytes && (bytes[0] & 0xF0) == 0x50 &&
         starts_with(bytes.subspan(1), kZstdSkippableTail);
}

class ZstdSource final : public ByteSource {
 public:
  explicit ZstdSource(std::unique_ptr<FdSource> input)
      : input_(std::move(input)),
        dctx_(ZSTD_createDCtx()),
        buffer_(std::make_unique<char[]>(ZSTD_DStreamInSize())),
        capacity_(ZSTD_DStreamInSize()) {
    if (dctx_ == nullptr) throw IoError("'" + input_->name() + "': cannot create zstd decoder");
    // Accept frames written with `zstd --long=31`; the default limit (27) would reject them.
    check(ZSTD_DCtx_setParameter(dctx_, ZSTD_d_windowLogMax, 31));
  }
  ~ZstdSource() override { ZSTD_freeDCtx(dctx_); }
  ZstdSource(const ZstdSource&) = delete;
  ZstdSource& operator=(const ZstdSource&) = delete;

  std::size_t read(char* out_buffer, std::size_t n) override {
    if (n == 0) return 0;
    for (;;) {
      if (in_.pos == in_.size && !output_pending_) {
        if (!refill()) {
          // A non-zero hint means the decoder is inside a frame that the input did not finish.
          if (frame_hint_ != 0) throw IoError("'" + input_->name() + "': truncated zstd stream");
          return 0;
        }
      }
      ZSTD_outBuffer out{out_buffer, n, 0};
      const std::size_t in_before = in_.pos;
      const std::size_t hint = check(ZSTD_decompressStream(dctx_, &out, &in_));
      // A call that did nothing says nothing about frame completion (after a frame ends, the
      // decoder asks for the next frame's header even when there is none), so keep the old hint.
      if (in_.pos != in_before || out.pos != 0) frame_hint_ = hint;
      // A full output buffer may leave decoded bytes inside the decoder: call again even
      // without new input.
      output_pending_ = out.pos == n;
      if (out.pos != 0) return out.pos;
    }
  }

 private:
  bool refill() {
    const std::size_t got = input_->read(buffer_.get(), capacity_);
    in_ = ZSTD_inBuffer{buffer_.get(), got, 0};
    return got != 0;
  }
  std::size_t check(std::size_t result) const {
    if (ZSTD_isError(result)) {
      throw IoError("'" + input_->name() + "': " + ZSTD_getErrorName(result));
    }
    return result;
  }

  std::unique_ptr<FdSource> input_;
  ZSTD_DCtx* dctx_;
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_;
  ZSTD_inBuffer in_{nullptr, 0, 0};
  std::size_t frame_hint_ = 1;  // nothing decoded yet: an input that ends now is truncated
  bool output_pending_ = false;
};

class GzipSource final : public ByteSource {
 public:
  explicit GzipSource(std::unique_ptr<FdSource> input)
      : input_(std::move(input)), buffer_(std::make_unique<char[]>(kGzipInputBuffer)) {
    // 15 + 32: the largest window, and detect the gzip (or zlib) header automatically.
    if (inflateInit2(&stream_, 15 + 32) != Z_OK) {
      throw IoError("'" + input_->name() + "': cannot create gzip decoder");
    }
  }
  ~GzipSource() override { inflateEnd(&stream_); }
  GzipSource(const GzipSource&) = delete;
  GzipSource& operator=(const GzipSource&) = delete;

  std::size_t read(char* out_buffer, std::size_t n) override {
    const auto capacity = static_cast<uInt>(std::min<std::size_t>(n, UINT_MAX));
    if (capacity == 0) return 0;
    for (;;) {
      if (stream_.avail_in == 0 && !output_pending_) {
        if (!refill()) {
          if (member_open_) throw IoError("'" + input_->name() + "': truncated gzip stream");
          return 0;
        }
      }
      stream_.next_out = reinterpret_cast<Bytef*>(out_buffer);
      stream_.avail_out = capacity;
      const int status = inflate(&stream_, Z_NO_FLUSH);
      const std::size_t produced = capacity - stream_.avail_out;
      switch (status) {
        case Z_STREAM_END:
          // One member done; a following one (concatenated .gz files) starts afresh.
          inflateReset(&stream_);
          member_open_ = false;
          output_pending_ = false;
          break;
        case Z_OK:
          member_open_ = true;
          output_pending_ = stream_.avail_out == 0;
          break;
        case Z_BUF_ERROR:
          // No progress possible: zlib needs more input. With input left that cannot happen
          // unless the data is broken, and looping would never end.
          if (stream_.avail_in != 0) throw corrupt();
          output_pending_ = false;
          break;
        default:
          throw corrupt();
      }
      if (produced != 0) return produced;
    }
  }

 private:
  bool refill() {
    const std::size_t got = input_->read(buffer_.get(), kGzipInputBuffer);
    stream_.next_in = reinterpret_cast<Bytef*>(buffer_.get());
    stream_.avail_in = static_cast<uInt>(got);
    return got != 0;
  }
  IoError corrupt() const {
    const char* reason = stream_.msg != nullptr ? stream_.msg : "invalid data";
    return IoError("'" + input_->name() + "': corrupt gzip data: " + reason);
  }

  std::unique_ptr<FdSource> input_;
  std::unique_ptr<char[]> buffer_;
  z_stream stream_{};
  bool member_open_ = true;  // the magic was seen, so a member has begun
  bool output_pending_ = false;
};

bool is_compressed(std::span<const unsigned char> magic) {
  return is_zstd(magic) || starts_with(magic, kGzipMagic);
}

// The part of the regular file `fd` still to read, from its offset (standard input may be a
// file another reader started on) to its size; none when nothing is left. An empty file may
// be a /proc or /sys file whose size says nothing: it is read, not mapped.
std::optional<ByteSource::Mappable> mappable_rest(int fd, const struct stat& info) {
  const off_t start = ::lseek(fd, 0, SEEK_CUR);
  if (start < 0 || info.st_size <= start) return std::nullopt;
  return ByteSource::Mappable{fd, static_cast<std::uint64_t>(start),
                              static_cast<std::uint64_t>(info.st_size)};
}

bool has_glob_characters(std::string_view path) {
  return path.find_first_of("*?[") != std::string_view::npos;
}

}  // namespace

std::string display_name(const std::string& path) {
  return path == "-" ? "<stdin>" : path;
}

std::unique_ptr<ByteSource> open_input(const std::string& path) {
  const std::string name = display_name(path);
  std::unique_ptr<FdSource> file;
  int fd = STDIN_FILENO;
  if (path == "-") {
    file = std::make_unique<FdSource>(fd, name, /*owns_fd=*/false);
  } else {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw IoError(errno_message("cannot open", name, errno));
    file = std::make_unique<FdSource>(fd, name, /*owns_fd=*/true);
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0) throw IoError(errno_message("cannot read", name, errno));
  if (S_ISREG(info.st_mode)) {
    spdlog::debug("{}: opened, {} bytes", name, info.st_size);
  } else {
    spdlog::debug("{}: opened, {}", name, S_ISFIFO(info.st_mode) ? "a pipe" : "not a file");
  }
  // open(2) accepts a directory; read(2) would fail later with a less clear EISDIR.
  if (S_ISDIR(info.st_mode)) throw IoError(errno_message("cannot read", name, EISDIR));
  if (S_ISREG(info.st_mode)) file->set_regular_file(mappable_rest(fd, info));
  InputMeter* const meter = InputMeters::find_or_add(name);
  file->set_meter(meter);
  const std::span<const unsigned char> magic = file->peek_magic();
  // A compressed file is decompressed on a thread of its own, beside the parsing, so that
  // decompressing and parsing overlap instead of adding up (see docs/performance.md,
  // "Decompression on its own thread"). Not a pipe: its reads may wait on the writer
  // indefinitely, and a reader that stops early (`head`) would wait for them.
  const bool beside = S_ISREG(info.st_mode);
  const auto decompressing = [&](std::unique_ptr<ByteSource> decoder,
                                 const char* format) -> std::unique_ptr<ByteSource> {
    spdlog::debug("{}: decompressing {}{}", name, format, beside ? " on a thread of its own" : "");
    std::unique_ptr<ByteSource> out = beside ? read_ahead(std::move(decoder)) : std::move(decoder);
    if (meter == nullptr) return out;
    meter->compression = format;
    return std::make_unique<DecompressedMeter>(std::move(out), *meter);
  };
  if (is_zstd(magic)) return decompressing(std::make_unique<ZstdSource>(std::move(file)), "zstd");
  if (starts_with(magic, kGzipMagic)) {
    return decompressing(std::make_unique<GzipSource>(std::move(file)), "gzip");
  }
  return file;
}

namespace {

class PlainFileSource final : public ByteSource {
 public:
  PlainFileSource(int fd, std::uint64_t offset, std::string name)
      : fd_(fd), offset_(offset), name_(std::move(name)) {}
  ~PlainFileSource() override { ::close(fd_); }
  PlainFileSource(const PlainFileSource&) = delete;
  PlainFileSource& operator=(const PlainFileSource&) = delete;

  std::size_t read(char* buffer, std::size_t n) override {
    for (;;) {
      const ssize_t got = ::pread(fd_, buffer, n, static_cast<off_t>(offset_));
      if (got >= 0) {
        offset_ += static_cast<std::uint64_t>(got);
        return static_cast<std::size_t>(got);
      }
      if (errno != EINTR) throw IoError(errno_message("cannot read", name_, errno));
    }
  }

 private:
  int fd_;
  std::uint64_t offset_;
  std::string name_;
};

}  // namespace

std::unique_ptr<ByteSource> plain_file_source(int fd, std::uint64_t offset, std::string name) {
  return std::make_unique<PlainFileSource>(fd, offset, std::move(name));
}

bool is_compressed_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::array<unsigned char, kMagicBytes> magic{};
  const ssize_t got = ::pread(fd, magic.data(), magic.size(), 0);
  ::close(fd);
  if (got <= 0) return false;
  const std::span<const unsigned char> bytes(magic.data(), static_cast<std::size_t>(got));
  return is_zstd(bytes) || starts_with(bytes, kGzipMagic);
}

std::uint64_t skip_bytes(ByteSource& source, std::uint64_t count) {
  std::array<char, 64 * 1024> scratch{};
  std::uint64_t skipped = 0;
  while (skipped < count) {
    const std::size_t n =
        source.read(scratch.data(), std::min<std::uint64_t>(scratch.size(), count - skipped));
    if (n == 0) break;
    skipped += n;
  }
  return skipped;
}

namespace {

// Whether `path` names a pipe (a FIFO or a socket), found without opening it: opening a FIFO to
// look at it waits for its writer, and closing it again may leave the writer with no reader,
// which loses what it writes in between (SIGPIPE). Only the read itself opens a pipe.
bool names_pipe(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && (S_ISFIFO(info.st_mode) || S_ISSOCK(info.st_mode));
}

}  // namespace

bool is_mappable_input(const std::string& path, ReadPathChoice* read_path) {
  const bool is_stdin = path == "-";
  if (!is_stdin && names_pipe(path)) return false;
  const int fd = is_stdin ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat info {};
  std::optional<ByteSource::Mappable> rest;
  if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode)) rest = mappable_rest(fd, info);
  bool mappable = rest.has_value();
  if (mappable) {
    // pread(2): the magic is looked at without moving the offset (standard input stays whole).
    std::array<unsigned char, kMagicBytes> magic{};
    const ssize_t got = ::pread(fd, magic.data(), magic.size(), static_cast<off_t>(rest->begin));
    mappable = got >= 0 && !is_compressed(std::span(magic.data(), static_cast<std::size_t>(got)));
  }
  if (mappable && read_path != nullptr) *read_path = probe_read_path(fd, rest->begin, rest->size);
  if (!is_stdin) ::close(fd);
  return mappable;
}

InputFacts describe_input(const std::string& path) {
  InputFacts facts{display_name(path), "file", std::nullopt, ""};
  const bool is_stdin = path == "-";
  if (!is_stdin && names_pipe(path)) {
    facts.kind.assign("pipe");
    facts.compression.assign(1, '?');
    return facts;
  }
  const int fd = is_stdin ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    facts.kind.assign(std::strerror(errno));
    facts.compression.assign(1, '?');
    return facts;
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    const std::string_view kind = S_ISFIFO(info.st_mode) ? "pipe"
                                  : ::isatty(fd) != 0    ? "terminal"
                                                         : "other";
    facts.kind.assign(kind.data(), kind.size());
    facts.compression.assign(1, '?');
  } else {
    const off_t start = is_stdin ? ::lseek(fd, 0, SEEK_CUR) : 0;
    const std::uint64_t from = start > 0 ? static_cast<std::uint64_t>(start) : 0;
    const auto size = static_cast<std::uint64_t>(info.st_size);
    facts.size = size > from ? size - from : 0;
    std::array<unsigned char, kMagicBytes> magic{};
    const ssize_t got = ::pread(fd, magic.data(), magic.size(), static_cast<off_t>(from));
    const std::span bytes(magic.data(), got > 0 ? static_cast<std::size_t>(got) : 0);
    const std::string_view compression = is_zstd(bytes)                   ? "zstd"
                                         : starts_with(bytes, kGzipMagic) ? "gzip"
                                                                          : "";
    facts.compression.assign(compression.data(), compression.size());
  }
  if (!is_stdin) ::close(fd);
  return facts;
}

std::vector<std::string> expand_input_paths(const std::vector<std::string>& patterns) {
  std::vector<std::string> paths;
  for (const std::string& pattern : patterns) {
    if (pattern == "-" || !has_glob_characters(pattern)) {
      paths.push_back(pattern);
      continue;
    }
    glob_t matches{};
    const int status = ::glob(pattern.c_str(), 0, nullptr, &matches);
    if (status == 0) {
      // glob(3) sorts its matches unless GLOB_NOSORT is given.
      for (std::size_t i = 0; i < matches.gl_pathc; ++i) paths.emplace_back(matches.gl_pathv[i]);
    }
    ::globfree(&matches);
    if (status == GLOB_NOMATCH) throw IoError("no file matches '" + pattern + "'");
    if (status != 0) throw IoError("cannot expand '" + pattern + "': read error");
  }
  return paths;
}

}  // namespace gpipe
