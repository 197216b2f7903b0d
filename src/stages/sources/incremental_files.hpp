// Reading files from a position, for --state and read --follow: a file opened at an offset
// (a compressed one decompressed up to it), its whole lines handed out as batches that carry
// their resume point, and a last line without its newline held back until it is complete.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "gpipe/context.hpp"
#include "gpipe/record.hpp"
#include "io/io.hpp"
#include "io/line_reader.hpp"

namespace gpipe::stages {

struct PositionedFile {
  std::string path;
  std::unique_ptr<ByteSource> source;
  std::unique_ptr<LineReader> reader;
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  bool compressed = false;
  int fd = -1;  // a plain file's descriptor (owned by `source`), for its size; else -1
};

// Opens `path` at `offset` (decompressed bytes), whose line number is `line`. A plain file's
// last line without a newline is held back (a writer may be in the middle of it); a compressed
// file is complete, and its last line is handed out. Throws IoError.
PositionedFile open_positioned(const std::string& path, std::uint64_t offset, std::uint64_t line,
                               Context& ctx);

// The file's whole lines from where its reader is, until its end for now; each batch carries
// the resume point just past its lines.
BatchStream positioned_lines(PositionedFile& file, const Origin& origin, Batch& batch,
                             Context& ctx);

// A batch of the file's first line alone, numbered 1 at offset 0 and marked as starting the file
// (csv reads its header from it), without a resume point; for a file resumed past its start when
// the pipeline reads a header (Context::resume_with_first_line). False when there is no line.
bool first_line_batch(const std::string& path, const Origin& origin, Batch& batch,
                      std::string& storage);

}  // namespace gpipe::stages
