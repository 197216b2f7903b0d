// Run-wide settings and the one bad-record policy (SPEC 6), shared by every stage of a run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gpipe/record.hpp"

namespace gpipe {

inline constexpr std::size_t kKiB = 1024;
inline constexpr std::size_t kMiB = 1024 * kKiB;

struct RunOptions {
  std::size_t max_line = 64 * kMiB;      // --max-line: longer lines are bad records
  std::size_t read_buffer = 256 * kKiB;  // initial line-buffer size (tests use tiny ones)
  bool quiet = false;                    // -q
};

// One bad record, as a stage sees it. `column` is 0 when unknown.
struct BadRecord {
  const Origin* origin = nullptr;
  std::uint64_t line = 0;
  std::uint64_t column = 0;
  std::string_view reason;
  std::string_view raw;  // the record's raw text (possibly truncated by the stage)
};

// "app.log:12:5: invalid JSON: ..." — file, line, column where known, reason.
std::string describe(const BadRecord& bad);

// The single place bad records go. Under `fail` (the default) report() throws BadRecordError;
// under `skip` it counts and remembers the first few messages; under `dead-letter` it also writes
// the raw record with its location and reason to a file.
class ErrorPolicy {
 public:
  enum class Mode { Fail, Skip, DeadLetter };
  static constexpr std::size_t kKeptMessages = 5;

  ErrorPolicy() = default;
  ErrorPolicy(Mode mode, std::string dead_letter_path);
  ~ErrorPolicy();
  ErrorPolicy(const ErrorPolicy&) = delete;
  ErrorPolicy& operator=(const ErrorPolicy&) = delete;

  void report(const BadRecord& bad);

  Mode mode() const { return mode_; }
  std::uint64_t count() const { return count_; }
  const std::vector<std::string>& first_messages() const { return first_messages_; }
  void flush();  // dead-letter file

 private:
  Mode mode_ = Mode::Fail;
  std::string dead_letter_path_;
  std::FILE* dead_letter_ = nullptr;
  std::uint64_t count_ = 0;
  std::vector<std::string> first_messages_;
};

// Parses "64MiB", "1MiB", "512KiB", "4k", "1G", "100" (bytes). KiB/K/k = 1024, KB = 1000.
// Returns false when the text is not a size.
bool parse_size(std::string_view text, std::size_t& out);

struct Context {
  RunOptions options;
  ErrorPolicy errors;
  bool stdin_taken = false;  // only one stage may read standard input
};

}  // namespace gpipe
