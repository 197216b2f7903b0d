// The Chunker: cuts `read`'s batches into -j's chunks, on the consumer's thread. Apart because it
// is the one part of -j that reads the source: it knows every kind of batch `read` makes (blocks
// of lines, copied or mapped, file ranges, skipped lines) and makes a chunk of each.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>

#include "exec/parallel/chunk.hpp"
#include "gpipe/record.hpp"
#include "gpipe/stage.hpp"

namespace gpipe::parallel {

class ChunkTexts;

// Cuts the source's blocks of lines into chunks of about kChunkBytes of one file each. With a
// framing (csv), the chunk leaves room in front of its lines and says whether it starts its
// file and whether its file goes on after it; its worker cuts it between rows (frame_chunk).
class Chunker {
 public:
  Chunker(BatchStream& source, const ChunkFraming* framing);

  // The next chunk, numbered `seq`, or null when the source is done.
  std::shared_ptr<Chunk> next(std::uint64_t seq);

 private:
  bool take_mapped_block(Chunk& chunk);
  bool take_file_range(Chunk& chunk);
  bool take_skipped_line(Chunk& chunk);
  bool copy_lines(Chunk& chunk);

  BatchStream& source_;
  decltype(std::declval<BatchStream&>().begin()) it_;
  const ChunkFraming* framing_;
  std::shared_ptr<ChunkTexts> texts_;
  const Origin* previous_origin_ = nullptr;
};

}  // namespace gpipe::parallel
