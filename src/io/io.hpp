// Input: byte sources (plain files, standard input, zstd and gzip streams) and input paths.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "io/read_path.hpp"

namespace gpipe {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to n bytes; returns 0 only at end of input. Throws IoError (with the file name) on
  // a read error or a corrupt or truncated compressed stream.
  virtual std::size_t read(char* buffer, std::size_t n) = 0;
  // As read(), but a source that may wait for input (a pipe, a terminal) waits at most `wait`:
  // then it returns 0 with `timed_out` set. Others wait as read() does (ticks, docs/design.md).
  virtual std::size_t read_within(char* buffer, std::size_t n, std::chrono::milliseconds wait,
                                  bool& timed_out) {
    (void)wait;
    timed_out = false;
    return read(buffer, n);
  }

  // A plain regular file, nothing of it read yet, can be mapped instead of read (see
  // LineReader): its descriptor and the bytes [begin, size) still to come. Pipes, compressed
  // streams and sources that were read from have none.
  struct Mappable {
    int fd = -1;
    std::uint64_t begin = 0;
    std::uint64_t size = 0;
  };
  virtual std::optional<Mappable> mappable() const { return std::nullopt; }
};

// Opens a file ("-" is standard input) and, if its first bytes are the zstd or gzip magic,
// decompresses it as a stream (zstd with windows up to 2 GiB, i.e. `zstd --long=31`; gzip with
// several members). The format is decided by the bytes, never by the name.
// Throws IoError: "cannot open 'x': No such file or directory", "cannot read 'x': Is a directory".
std::unique_ptr<ByteSource> open_input(const std::string& path);

// A plain (uncompressed) file already open as `fd` (owned from now on), read with read(2) from
// `offset` on. Unlike open_input's, it does not treat a file that shrinks as an error: --state and
// read --follow check sizes themselves, to read a truncated file again from its start.
std::unique_ptr<ByteSource> plain_file_source(int fd, std::uint64_t offset, std::string name);

// Whether the regular file at `path` starts with the zstd or gzip magic (an empty file does
// not). False when it cannot be opened.
bool is_compressed_file(const std::string& path);

// Reads and drops the first `count` bytes of `source` (a compressed file resumed by --state).
// Returns how many there were (fewer at the end of input).
std::uint64_t skip_bytes(ByteSource& source, std::uint64_t count);

// Whether open_input(path) would give a mappable source (a plain, uncompressed regular file).
// Reads nothing from standard input (the magic of a file there is read with pread(2)); false
// when the path cannot be opened (the error comes when it is read).
// With `read_path`, a mappable file is also probed for whether mapping or reading it is faster
// (io/read_path.hpp).
bool is_mappable_input(const std::string& path, ReadPathChoice* read_path = nullptr);

// The display name of an input path ("-" is "<stdin>").
std::string display_name(const std::string& path);

// Expands the arguments of `read`/`chunks`: each glob pattern (an argument with * ? or [) is
// replaced by its matches, sorted; "-" stays. A glob that matches nothing throws IoError naming
// it. Plain paths are kept as they are (their errors surface when they are opened).
std::vector<std::string> expand_input_paths(const std::vector<std::string>& patterns);

}  // namespace gpipe
