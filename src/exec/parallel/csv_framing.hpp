// -j over csv (rows that span lines, a header per file): cutting chunks between rows. Apart
// because it is the one part of -j that knows of rows, preludes and skipped lines among them, and
// it runs alone, chunk after chunk, so it can be tested without threads.
//
// The workers cut framed chunks one after the other in input order: a worker takes what the
// chunk before passed on (a FramedLink), joins the file's prelude, the carried rows and the
// chunk's own lines, finds the last row end in them with the framing's scan, and passes the rows
// after it on before it parses the rest, so that the next worker's scan overlaps this one's
// parse. (The reading thread did the scan once, and joined every chunk: that held the csv task
// on two threads to the speed of one; see docs/performance.md, 'Framing on the
// workers'.) Every chunk of a file but its first starts with the file's header row, so each
// stands alone. A row longer than the chunk is carried whole; the framing's --max-line rule
// ends it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "exec/parallel/chunk.hpp"
#include "gpipe/stage.hpp"

namespace gpipe::parallel {

// What a framed chunk passes on to the next: the file's prelude, once found, and the rows after
// its last row end, which end in a later chunk.
struct FramedLink {
  std::string prelude;
  std::uint64_t prelude_lines = 0;
  // Where gaps fell inside the prelude (a header row across a skipped line): the stage must see
  // its lines apart there, so that it joins them with "\n" as one pass did, not as written
  // ("x\r\r\n" is "x\r" then "\n" in one pass; as contiguous text, "x\r" then "\r\n").
  std::vector<std::size_t> prelude_breaks;
  // The rows after the last row end, and the file offset of their first byte; after a gap, the
  // next chunk's lines continue them.
  std::string carry;
  std::uint64_t carry_offset = 0;
  std::vector<Gap> gaps;           // in the carry, or at its end
  bool carry_starts_file = false;  // the carry is its file's start (its prelude not found yet)
  std::size_t carry_scanned = 0;   // how much of the carry was scanned and found to hold no end
};

// Cuts `chunk` (framed; a range already read) between rows: `in` is what the chunk before it in
// input order passed on (nothing for the first chunk). Returns the chunk's rows, with the prelude
// in front (they may be written into the chunk's room in front of its lines), and sets `out` to
// what this chunk passes on. `max_line`: --max-line, past which a row can end.
ChunkLines frame_chunk(const ChunkFraming& framing, Chunk& chunk, FramedLink in,
                       std::size_t max_line, FramedLink& out);

}  // namespace gpipe::parallel
