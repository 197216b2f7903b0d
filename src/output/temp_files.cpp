#include "output/temp_files.hpp"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string_view>
#include <utility>

#include "gpipe/errors.hpp"

namespace gpipe {

namespace {

constexpr std::size_t kMaxTempFiles = 16;

// Fixed storage: the handler may only touch memory that needs no allocation and no lock. A slot
// is claimed (so that two threads never take one) before its path is written, and the handler
// unlinks only paths written whole.
enum SlotState : int { kFree, kClaimed, kRegistered };
struct Slot {
  std::atomic<int> state{kFree};
  char path[PATH_MAX] = {};
};
std::array<Slot, kMaxTempFiles> slots;

extern "C" void remove_temp_files_and_die(int signal_number) {
  for (Slot& slot : slots) {
    if (slot.state.load() == kRegistered) ::unlink(slot.path);  // async-signal-safe
  }
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

volatile std::sig_atomic_t stop_asked = 0;

extern "C" void ask_to_stop(int) {
  stop_asked = 1;
  install_temp_file_cleanup();  // only sigaction(2): async-signal-safe
}

}  // namespace

void stop_on_signals() {
  struct sigaction action {};
  action.sa_handler = ask_to_stop;
  sigemptyset(&action.sa_mask);
  // No SA_RESTART: a wait in poll(2) returns at once with EINTR.
  for (int signal_number : {SIGINT, SIGTERM}) ::sigaction(signal_number, &action, nullptr);
}

bool stop_requested() {
  return stop_asked != 0;
}

void install_temp_file_cleanup() {
  struct sigaction action {};
  action.sa_handler = remove_temp_files_and_die;
  sigemptyset(&action.sa_mask);
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(signal_number, &action, nullptr);
}

void register_temp_file(const std::string& path) {
  if (path.size() >= PATH_MAX) return;
  for (Slot& slot : slots) {
    int state = kFree;
    if (!slot.state.compare_exchange_strong(state, kClaimed)) continue;
    std::memcpy(slot.path, path.c_str(), path.size() + 1);
    slot.state.store(kRegistered);
    return;
  }
}

void unregister_temp_file(const std::string& path) {
  for (Slot& slot : slots) {
    if (slot.state.load() == kRegistered && path == slot.path) {
      slot.state.store(kFree);
      return;
    }
  }
}

std::string random_temp_suffix() {
  static constexpr std::string_view kAlphabet =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::random_device random;
  std::string suffix(6, ' ');
  for (char& c : suffix) c = kAlphabet[random() % kAlphabet.size()];
  return suffix;
}

std::string default_temp_directory() {
  const char* const tmpdir = std::getenv("TMPDIR");
  return tmpdir != nullptr && *tmpdir != 0 ? tmpdir : "/tmp";
}

namespace {

// An unnamed file in `directory`, or -1 with errno set.
int open_unnamed(const std::string& directory) {
  const int fd = ::open(directory.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)) return fd;
  // No O_TMPFILE in the kernel or the file system: a named file, unlinked at once, and
  // registered before it exists, so that a signal between its open and its unlink removes it.
  constexpr int kAttempts = 100;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    const std::string path = directory + "/.gpipe-" + random_temp_suffix();
    register_temp_file(path);
    const int named = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (named >= 0) ::unlink(path.c_str());
    const int saved = errno;
    unregister_temp_file(path);
    errno = saved;
    if (named >= 0 || errno != EEXIST) return named;
  }
  return -1;
}

}  // namespace

UnnamedTempFile::UnnamedTempFile(std::string directory)
    : directory_(std::move(directory)), fd_(open_unnamed(directory_)) {
  if (fd_ < 0) {
    throw IoError(errno_message("cannot make a temporary file in", directory_, errno));
  }
}

UnnamedTempFile::~UnnamedTempFile() {
  if (fd_ >= 0) ::close(fd_);
}

void UnnamedTempFile::release() {
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
}

UnnamedTempFile::UnnamedTempFile(UnnamedTempFile&& other) noexcept
    : directory_(std::move(other.directory_)),
      fd_(std::exchange(other.fd_, -1)),
      size_(std::exchange(other.size_, 0)) {}

UnnamedTempFile& UnnamedTempFile::operator=(UnnamedTempFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    directory_ = std::move(other.directory_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void UnnamedTempFile::append(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::pwrite(fd_, bytes.data(), bytes.size(), static_cast<off_t>(size_));
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      throw IoError(errno_message("cannot write a temporary file in", directory_,
                                  written < 0 ? errno : ENOSPC));
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
    size_ += static_cast<std::uint64_t>(written);
  }
}

void UnnamedTempFile::read_at(std::uint64_t offset, char* out, std::size_t size) const {
  while (size != 0) {
    const ssize_t got = ::pread(fd_, out, size, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      throw IoError(
          errno_message("cannot read a temporary file in", directory_, got < 0 ? errno : EIO));
    }
    out += got;
    size -= static_cast<std::size_t>(got);
    offset += static_cast<std::uint64_t>(got);
  }
}

}  // namespace gpipe
