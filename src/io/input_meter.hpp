// What was read of each input file, for --stats, --progress and -v: bytes read from it
// (compressed bytes when it is compressed, so a percentage of its size is true), bytes after
// decompression, and records. Off unless a run asks for it, so that a run without those options
// pays one test of a null pointer per read(2).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gpipe {

struct InputMeter {
  std::string name;         // as records show it in _file ("<stdin>" for "-")
  std::string compression;  // "zstd", "gzip", or "" for none
  // Its size when known before reading (a regular file): bytes read are reported up to it (the
  // -j threads read a little past their ranges' ends, and its first bytes are read twice).
  std::optional<std::uint64_t> size;
  std::atomic<std::uint64_t> read_bytes{0};          // from the file itself
  std::atomic<std::uint64_t> decompressed_bytes{0};  // out of the decompressor
  std::atomic<std::uint64_t> records{0};             // what its source made of it
  std::atomic<bool> done{false};

  std::uint64_t bytes_read() const {
    const std::uint64_t read = read_bytes.load(std::memory_order_relaxed);
    return size ? std::min(read, *size) : read;
  }
  // The bytes of the file's content read so far: decompressed ones when it is compressed.
  std::uint64_t content_bytes() const {
    return compression.empty() ? bytes_read() : decompressed_bytes.load(std::memory_order_relaxed);
  }
};

class InputMeters {
 public:
  // From now on, inputs are metered (before any is opened).
  static void enable();
  static bool enabled();
  // The meter of the input named `name` (its display name), made on first use; null when
  // metering is off. Its address stays valid for the run.
  static InputMeter* find_or_add(const std::string& name);
  // Every meter, in the order the inputs were first opened.
  static std::vector<const InputMeter*> all();
  // The bytes read from every input so far (compressed bytes for compressed ones).
  static std::uint64_t total_read();
};

// What --explain says of an input before anything is read from it: its size on disk, whether
// it is a pipe or a terminal, and its compression by its first bytes (read with pread(2), so a
// regular file on standard input stays whole; nothing is read from a pipe).
struct InputFacts {
  std::string name;
  std::string kind;  // "file", "pipe", "terminal", "other", or the error opening it
  std::optional<std::uint64_t> size;  // a regular file's bytes from where reading will start
  std::string compression;            // "zstd", "gzip", "" for none, "?" when not known (a pipe)
};

InputFacts describe_input(const std::string& path);

}  // namespace gpipe
