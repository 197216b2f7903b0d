// Temporary output files that must not outlive a killed gpipe. `write` makes its file under a
// temporary name and renames it on success; if SIGINT, SIGTERM or SIGHUP ends the run first, the
// handler installed here removes every temporary file still registered, then dies of the same
// signal (so the shell sees the usual status, 130 for Ctrl-C).
//
// Files that only gpipe itself reads back (the runs `sort` spills) have no name at all: see
// UnnamedTempFile.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gpipe {

// Installs the signal handlers. Called once by the CLI before the pipeline runs.
void install_temp_file_cleanup();

// read --follow: from now on the first SIGINT or SIGTERM only asks the run to stop (the source
// sees stop_requested(), ends, and the run commits its output and state as at the end of its
// input); a second one is handled as above.
void stop_on_signals();
bool stop_requested();

// Registers / unregisters a temporary file. At most kMaxTempFiles are tracked at once (gpipe
// writes one or two); beyond that a file is not removed on a signal, which the caller cannot
// change, so registration never fails.
void register_temp_file(const std::string& path);
void unregister_temp_file(const std::string& path);

// Six random letters and digits, for the name of a temporary file.
std::string random_temp_suffix();

// Where temporary files go when the user names no directory: $TMPDIR, else /tmp.
std::string default_temp_directory();

// A temporary file that no exit path can leave behind: its name is removed as it is made
// (O_TMPFILE where the file system has it; else mkstemp, registered above until its unlink a few
// instructions later), so an error, SIGINT, SIGTERM, even SIGKILL leave nothing, and the kernel
// frees its space when it is closed. Written once from the start, then read back at any offset.
class UnnamedTempFile {
 public:
  // Makes one in `directory`. Throws IoError naming the directory when it cannot.
  explicit UnnamedTempFile(std::string directory);
  ~UnnamedTempFile();
  UnnamedTempFile(UnnamedTempFile&& other) noexcept;
  UnnamedTempFile& operator=(UnnamedTempFile&& other) noexcept;
  UnnamedTempFile(const UnnamedTempFile&) = delete;
  UnnamedTempFile& operator=(const UnnamedTempFile&) = delete;

  // Appends `bytes`. Throws IoError (a full disk).
  void append(std::string_view bytes);
  // Reads `size` bytes at `offset` into `out`, all of which append() wrote. Throws IoError.
  void read_at(std::uint64_t offset, char* out, std::size_t size) const;
  std::uint64_t size() const { return size_; }
  // Closes the file now, which gives its disk space and cached pages back (the last reader of
  // a file need not wait for its owner to go). Nothing can be read after; size() stays.
  void release();

 private:
  std::string directory_;  // for messages
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

}  // namespace gpipe
