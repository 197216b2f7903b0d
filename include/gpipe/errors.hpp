// The three tiers of errors (after simdjson: errors are values inside hot code and become one of
// these at the stage boundary). Stages never print or exit; main maps these to exit codes once.
//
// 1. PipelineError — the pipeline text or a stage's arguments are wrong. Raised while planning,
//    before any input is read. Carries the byte span in the pipeline source for the caret. Exit 2.
// 2. IoError — a file cannot be opened or read, a write failed, a compressed stream is corrupt.
//    Thrown in the stage, rethrown at the consumer. Exit 3.
// 3. BadRecordError — a record could not be parsed (too long a line, invalid JSON, …) and the
//    error policy is `fail`. Raised by ErrorPolicy, never by a stage directly. Exit 4.
// OutputClosed is not an error: the reader of stdout went away (`gpipe … | head`); stop quietly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace gpipe {

enum ExitCode : int {
  kExitOk = 0,
  kExitNoOutput = 1,  // -e and no record came out
  kExitUsage = 2,
  kExitIo = 3,
  kExitBadRecord = 4,
};

struct SourceSpan {
  std::size_t offset = 0;  // byte offset into the pipeline source text
  std::size_t length = 1;
};

class PipelineError : public std::runtime_error {
 public:
  PipelineError(std::string message, SourceSpan span)
      : std::runtime_error(std::move(message)), span_(span) {}
  SourceSpan span() const { return span_; }

 private:
  SourceSpan span_;
};

class IoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class BadRecordError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class OutputClosed : public std::exception {
 public:
  const char* what() const noexcept override { return "output closed"; }
};

// "cannot open 'x': No such file or directory"
std::string errno_message(const std::string& what, const std::string& path, int err);

// "'NAME' shrank while it was being read": a regular file that ended before the size it had
// when opened (read, or read in ranges under -j; the mapped reader's guard writes the same).
std::string shrank_message(const std::string& name);

}  // namespace gpipe
