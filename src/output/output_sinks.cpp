// Byte sinks on file descriptors: standard output, a file written under a temporary name and
// renamed into place on commit, and a file opened for appending. Compression by extension is a
// decorator put in front (compressing_sinks.hpp).
//
// Durability: commit() flushes the file's data to the disk (fsync) before it renames it, and
// the directory after the rename, so once gpipe reports success the file survives a crash of
// the machine under its real name, whole, and before that moment only the old file (or none)
// is there. A crash or SIGKILL of gpipe mid-run leaves its temporary file (.NAME.gpipe-XXXXXX)
// beside the target, which nothing can remove for it; a signal gpipe can catch removes it.
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <utility>

#include "gpipe/errors.hpp"
#include "output/compressing_sinks.hpp"
#include "output/output.hpp"
#include "output/temp_files.hpp"

namespace gpipe {

namespace {

// Owns one file descriptor; close() reports the error that a deferred write may surface as.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  // Closes now; returns 0 or the errno of close(2). The descriptor is gone either way.
  int close() {
    const int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0 ? 0 : errno;
  }

 private:
  int fd_ = -1;
};

// Waits until a non-blocking descriptor (a stdout some parent left O_NONBLOCK) takes bytes again.
void wait_until_writable(int fd) {
  pollfd waiting{fd, POLLOUT, 0};
  while (::poll(&waiting, 1, -1) < 0 && errno == EINTR) {
  }
}

// Writes all of `bytes`, through interrupted and partial writes. Returns 0 or the errno.
int write_fully(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(written));
    } else if (written < 0 && errno == EINTR) {
      continue;
    } else if (written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      wait_until_writable(fd);
    } else {
      return written < 0 ? errno : EIO;  // write(2) taking nothing is not progress
    }
  }
  return 0;
}

// fsync(2) of what was written; 0 or the errno. A descriptor that cannot be synced (a FIFO,
// /dev/null, a terminal: EINVAL, EROFS) has nothing to keep, so that is not an error.
int sync_data(int fd) {
  while (::fsync(fd) != 0) {
    if (errno == EINTR) continue;
    return errno == EINVAL || errno == EROFS ? 0 : errno;
  }
  return 0;
}

// fsync(2) of the directory holding `path`, which makes a rename into it durable.
int sync_directory_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  const std::string directory =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  const int err = sync_data(fd);
  ::close(fd);
  return err;
}

// The reader of a pipe went away: not an error (SIGPIPE is ignored by the CLI, so it is EPIPE).
[[noreturn]] void throw_write_error(int err, const std::string& description) {
  if (err == EPIPE) throw OutputClosed();
  throw IoError(description + ": " + std::strerror(err));
}

// A pipe holds 64 KiB unless asked for more, so each 1 MiB write of the output buffer blocked
// 16 times, waking its reader each time, while the workers waited for the consumer. Grown to
// the buffer's size (the limit an unprivileged process may set is 1 MiB by default), a write
// goes through at once (see docs/performance.md, "The output pipe").
// Only grown: a pipe the user made larger stays so. F_GETPIPE_SZ fails on anything that is not a
// pipe; a failure to grow (the user's pipe quota used up) leaves the pipe as it was.
void grow_stdout_pipe() {
  const int size = ::fcntl(STDOUT_FILENO, F_GETPIPE_SZ);
  const auto wanted = static_cast<int>(OutputBuffer::kCapacity);
  if (size >= 0 && size < wanted) ::fcntl(STDOUT_FILENO, F_SETPIPE_SZ, wanted);
}

class StdoutSink final : public ByteSink {
 public:
  StdoutSink() { grow_stdout_pipe(); }
  void write(std::string_view bytes) override {
    if (const int err = write_fully(STDOUT_FILENO, bytes); err != 0) {
      throw_write_error(err, "cannot write to standard output");
    }
  }
  void commit() override {}
};

// Writes straight to an open file: appending, or a device or FIFO that cannot be replaced.
class DirectFileSink final : public ByteSink {
 public:
  DirectFileSink(UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}

  void write(std::string_view bytes) override {
    if (const int err = write_fully(fd_.get(), bytes); err != 0) {
      throw_write_error(err, "cannot write '" + path_ + "'");
    }
  }
  void commit() override {
    if (const int err = sync_data(fd_.get()); err != 0) {
      throw_write_error(err, "cannot write '" + path_ + "'");
    }
    if (const int err = fd_.close(); err != 0)
      throw_write_error(err, "cannot write '" + path_ + "'");
  }
  std::uint64_t checkpoint() override {
    struct stat status {};
    if (::fsync(fd_.get()) != 0 || ::fstat(fd_.get(), &status) != 0) {
      throw_write_error(errno, "cannot write '" + path_ + "'");
    }
    return static_cast<std::uint64_t>(status.st_size);
  }

 private:
  UniqueFd fd_;
  std::string path_;
};

// Writes to a temporary file beside the target and renames it over the target on commit, so
// readers see the old file or the whole new one, never a half. Destroyed without commit, it
// removes the temporary file.
class ReplacingFileSink final : public ByteSink {
 public:
  ReplacingFileSink(UniqueFd fd, std::string temp_path, std::string path, std::string display_path)
      : fd_(std::move(fd)),
        temp_path_(std::move(temp_path)),
        path_(std::move(path)),
        display_path_(std::move(display_path)) {
    register_temp_file(temp_path_);
  }
  ~ReplacingFileSink() override {
    if (!committed_) ::unlink(temp_path_.c_str());
    unregister_temp_file(temp_path_);
  }
  ReplacingFileSink(const ReplacingFileSink&) = delete;
  ReplacingFileSink& operator=(const ReplacingFileSink&) = delete;

  void write(std::string_view bytes) override {
    if (const int err = write_fully(fd_.get(), bytes); err != 0) fail(err);
  }

  // Data on the disk, then the name: a crash after the rename finds the whole file.
  void commit() override {
    if (const int err = sync_data(fd_.get()); err != 0) fail(err);
    if (const int err = fd_.close(); err != 0) fail(err);
    if (::rename(temp_path_.c_str(), path_.c_str()) != 0) fail(errno);
    committed_ = true;
    unregister_temp_file(temp_path_);
    if (const int err = sync_directory_of(path_); err != 0) fail(err);
  }

 private:
  [[noreturn]] void fail(int err) const {
    throw IoError(errno_message("cannot write", display_path_, err));
  }

  UniqueFd fd_;
  std::string temp_path_;
  std::string path_;          // where the file goes (symbolic links resolved)
  std::string display_path_;  // as the user wrote it
  bool committed_ = false;
};

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// Writing through a symbolic link replaces the file it points to, not the link.
std::string resolve_symlink(const std::string& path) {
  struct stat link_status {};
  if (::lstat(path.c_str(), &link_status) != 0 || !S_ISLNK(link_status.st_mode)) return path;
  char* resolved = ::realpath(path.c_str(), nullptr);
  if (resolved == nullptr) return path;  // a dangling link: the link itself is replaced
  std::string result(resolved);
  std::free(resolved);
  return result;
}

// Creates ".NAME.gpipe-XXXXXX" beside `path`. Not mkstemp: that makes the file 0600, while
// open(2) with 0666 lets the kernel apply the umask, as for any file a program creates.
UniqueFd create_temp_beside(const std::string& path, const std::string& display_path,
                            std::string& temp_path) {
  const std::size_t slash = path.rfind('/');
  const std::string directory = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  // Keep the temporary name within NAME_MAX however long the real name is.
  constexpr std::size_t kExtraLength = sizeof(".") - 1 + sizeof(".gpipe-XXXXXX") - 1;
  if (name.size() + kExtraLength > NAME_MAX) name.resize(NAME_MAX - kExtraLength);
  constexpr int kAttempts = 100;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    temp_path = directory + "." + name + ".gpipe-" + random_temp_suffix();
    const int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) return UniqueFd(fd);
    if (errno != EEXIST) break;
  }
  throw IoError(errno_message("cannot write", display_path, errno));
}

std::unique_ptr<ByteSink> open_raw_file_sink(const std::string& display_path, bool append) {
  if (append) {
    const int fd = ::open(display_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) throw IoError(errno_message("cannot write", display_path, errno));
    return std::make_unique<DirectFileSink>(UniqueFd(fd), display_path);
  }
  const std::string path = resolve_symlink(display_path);
  struct stat existing {};
  const bool exists = ::stat(path.c_str(), &existing) == 0;
  if (exists && !S_ISREG(existing.st_mode)) {
    // /dev/null, a FIFO, a terminal: there is nothing to replace, write to it directly (a
    // directory fails here with "Is a directory").
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) throw IoError(errno_message("cannot write", display_path, errno));
    return std::make_unique<DirectFileSink>(UniqueFd(fd), display_path);
  }
  std::string temp_path;
  UniqueFd fd = create_temp_beside(path, display_path, temp_path);
  // Replacing a file keeps its permissions, as `>` would (the owner becomes whoever runs gpipe).
  if (exists) ::fchmod(fd.get(), existing.st_mode & 07777);
  return std::make_unique<ReplacingFileSink>(std::move(fd), std::move(temp_path), path,
                                             display_path);
}

}  // namespace

std::unique_ptr<ByteSink> open_stdout_sink() {
  return std::make_unique<StdoutSink>();
}

bool is_compressed_path(std::string_view path) {
  return ends_with(path, ".zst") || ends_with(path, ".gz");
}

std::unique_ptr<ByteSink> open_file_sink(const std::string& path, bool append, int level) {
  std::unique_ptr<ByteSink> file = open_raw_file_sink(path, append);
  if (ends_with(path, ".zst")) return make_zstd_sink(std::move(file), path, level);
  if (ends_with(path, ".gz")) return make_gzip_sink(std::move(file), path, level);
  return file;
}

}  // namespace gpipe
