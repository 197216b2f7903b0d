// The lock that keeps two runs of one incremental job apart: flock(2) on STATE.lock beside the
// state file (not on the state file itself, which each commit replaces by a rename), with the
// holder's pid written in it for the message the other run prints.
#pragma once

#include <string>

namespace gpipe {

class StateLock {
 public:
  // Takes the lock at once or throws IoError: "state file 'S' is in use by another gpipe run
  // (pid N)". The lock lasts as long as this object (or the process).
  explicit StateLock(const std::string& state_path);
  ~StateLock();
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace gpipe
