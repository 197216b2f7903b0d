// A chunk of -j's input, as the Chunker cuts it from `read`'s batches, and what a worker makes
// of it: the lines its stages run over. Apart because every other part of -j passes chunks on
// (the Pool), makes them (the Chunker), cuts them between rows (the csv framing) or reads them
// (the worker); the overview is in parallel.hpp.
//
// A Chunk is written by the Chunker, then by the one worker it is handed to (which reads a range
// into it and writes rows in front of its lines), then only read. What the worker works out
// about it goes into ChunkLines, which the worker owns and hands to the consumer with the
// chunk's batches.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gpipe/context.hpp"
#include "gpipe/record.hpp"
#include "io/file_range.hpp"

namespace gpipe::parallel {

// Big enough that a chunk's fixed costs (a batch, a coroutine switch per stage, a hand-over
// between threads) are noise; small enough that 2N+1 of them in flight stay a few MiB.
inline constexpr std::size_t kChunkBytes = 256 * kKiB;

// Framed chunks (csv) leave this much room in front of their lines, where the worker puts the
// file's prelude and the rows carried over from the chunk before (see frame_chunk): a header
// row and a partial row fit, so they join the chunk's lines without a copy of the lines.
inline constexpr std::size_t kFramedFront = 4 * kKiB;

// A line `read` skipped as overlong (a gap) in a file cut into framed chunks. A row open before
// it goes on after it, as in one pass, where the csv stage never sees the line: the row is
// carried across the gap to the chunk that holds its end, which reports the skipped line where
// it falls among its rows. `at`: where the bytes after the gap start in the rows (after the
// prelude); `resume_offset`: their file offset, set once a chunk with them joins the row.
struct Gap {
  std::size_t at = 0;
  std::uint64_t resume_offset = 0;
  std::string reason;
  std::string head;  // the line's first bytes
};

// What a chunk holds, by where its lines come from (ChunkPayload).
// Lines copied out of `read`'s blocks, complete (the last may lack '\n' at the end of a file),
// after `front` spare bytes (framed: the room where the worker writes the prelude and carried
// rows). The text's buffer goes back to the Chunker's ChunkTexts with the chunk.
struct CopiedLines {
  std::string text;
  std::size_t front = 0;
};
// A block of a mapped file (--mmap), not copied: viewed, with the window that holds it.
struct MappedLines {
  std::string_view lines;
  std::shared_ptr<const void> window;
};
// A range of a plain file, read by its worker (read_range) before anything looks at its lines.
struct RangeLines {
  FileRange range;
  LoadedRange loaded;  // empty until then
};
// Or a line `read` skipped as overlong (SkippedLine, src/io/file_range.hpp): a chunk of its own,
// so that its worker reports it in turn (numbering it first, when `read` could not). Framed, it
// is a gap in its file's rows.
using ChunkPayload = std::variant<CopiedLines, MappedLines, RangeLines, SkippedLine>;

struct Chunk {
  std::uint64_t seq = 0;  // its place in the input, from 0
  const Origin* origin = nullptr;
  // The number of its first line; 0 when `read` left the lines unnumbered and the chunk does not
  // start its file: its worker numbers them (numbered_by_worker).
  std::uint64_t first_line = 0;
  std::uint64_t offset = 0;  // in the file, of its first line (a range: of the range's start)
  bool numbered_by_worker = false;
  // Cut between records by a ChunkFraming (csv), by its worker: its batches then start and end
  // a chunk (Batch::starts_chunk). `file_start`: its lines start its file (its prelude is found
  // in them, nothing is carried into it); `file_end`: nothing of its file follows it, so it
  // keeps all its rows, the last one open or not.
  bool framed = false;
  bool file_start = false;
  bool file_end = false;
  ChunkPayload payload;

  const SkippedLine* skipped_line() const { return std::get_if<SkippedLine>(&payload); }
  const RangeLines* range() const { return std::get_if<RangeLines>(&payload); }

  // Its own lines (none for a skipped line; a range's once read) and their file offset.
  std::string_view own_lines() const;
  std::uint64_t own_offset() const;
  // Framed: the spare bytes right before its own lines, and where they end.
  std::size_t room_before_own() const;
  char* own_begin();
  // Framed: the gap right after its own lines, if any: the skipped line it is, or its range's
  // overlong last line; `at` is still to be set.
  std::optional<Gap> own_gap() const;
  // Framed: nothing of its file follows its lines: the file's end, or the file shrinking.
  bool ends_file() const;
};

// What a worker's stages run over, made of a chunk by its worker: the chunk's own lines, or,
// framed, the rows frame_chunk cut, with the file's prelude and the rows carried over from the
// chunk before in front of them. Held with the chunk until the consumer is done with the
// batches that view `text`.
struct ChunkLines {
  std::string_view text;         // text[0, prelude_size) is the file's prelude (see ChunkFraming)
  std::uint64_t offset = 0;      // in the file, of text[prelude_size]
  std::uint64_t first_line = 0;  // of text[prelude_size]; 0 until the worker numbers it
  std::size_t prelude_size = 0;
  std::uint64_t prelude_lines = 0;
  std::vector<Gap> gaps;  // framed: in the body, in order; the chunk reports them among its rows
  std::vector<std::size_t> prelude_breaks;  // framed: see FramedLink
  // Framed: the rows, when prelude and carry outgrow the room in front of the chunk's lines. A
  // buffer of its own, so that `text` stays put when this moves with the chunk's result.
  std::unique_ptr<char[]> joined;

  std::string_view body() const { return text.substr(prelude_size); }
};

// A chunk's lines as they are (not framed): nothing in front of them.
ChunkLines lines_as_they_are(const Chunk& chunk);

}  // namespace gpipe::parallel
