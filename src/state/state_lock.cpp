#include "state/state_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>

#include "gpipe/errors.hpp"

namespace gpipe {

namespace {

// The pid the holder wrote, or "" when it has not written it yet.
std::string holder_pid(int fd) {
  char text[32] = {};
  const ssize_t got = ::pread(fd, text, sizeof text - 1, 0);
  if (got <= 0) return {};
  std::string_view pid(text, static_cast<std::size_t>(got));
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.remove_suffix(1);
  return std::string(pid);
}

}  // namespace

StateLock::StateLock(const std::string& state_path) {
  const std::string lock_path = state_path + ".lock";
  fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd_ < 0) throw IoError(errno_message("cannot lock state file", lock_path, errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    std::string pid = err == EWOULDBLOCK ? holder_pid(fd_) : std::string();
    ::close(fd_);
    fd_ = -1;
    if (err != EWOULDBLOCK) throw IoError(errno_message("cannot lock state file", lock_path, err));
    throw IoError("state file '" + state_path + "' is in use by another gpipe run (pid " +
                  (pid.empty() ? std::string("unknown") : pid) + ", lock '" + lock_path + "')");
  }
  // The file is never removed (a run removing it while another opens it would let a third one
  // in): it keeps the last holder's pid, rewritten here.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
    // The pid is for the message only; the lock holds without it.
  }
}

StateLock::~StateLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace gpipe
