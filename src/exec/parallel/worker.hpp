// A -j worker: runs its own instance of the parallel prefix's stages, for the whole run, over the
// chunks the Pool gives it, and publishes what comes out of each. Apart because it is what one
// thread does with one chunk: read a range, frame it (csv), number its lines, cut it into
// batches, report its skipped lines, keep or aggregate what comes out.
#pragma once

#include <cstddef>
#include <vector>

#include "exec/parallel/pool.hpp"
#include "gpipe/context.hpp"
#include "gpipe/stage.hpp"
#include "io/read_buffer_pool.hpp"

namespace gpipe::parallel {

// The batches a framed chunk makes at most: its 512 KiB (a range, or two 256 KiB blocks copied;
// and a little over, to the end of a row) in 64 KiB pieces (see chunk_batches).
inline constexpr std::size_t kFramedPieceBytes = 64 * kKiB;
inline constexpr std::size_t kBatchesPerFramedChunk = kFramedRangeBytes / kFramedPieceBytes + 2;

// What every worker of a run works with.
struct WorkerSetup {
  const std::vector<TransformFactory>& prefix;
  const ChunkFraming* framing;  // the first stage's (csv), or null: chunks end at any line end
  // No stage of the prefix reads _line: a chunk's lines are numbered after its stages ran.
  bool number_late;
  std::size_t max_line;           // --max-line, for the file ranges
  ReadBufferPool& range_buffers;  // what file ranges are read into
  ErrorPolicy& errors;            // where the workers' bad records go (held until reported)
};

// A worker's whole run. `aggregate`: where it adds what comes out of its chunks, when an
// aggregate follows the prefix (else it publishes the batches for the consumer). Returns once
// the Pool is finished.
void work(Pool& pool, const WorkerSetup& setup, PartialAggregate* aggregate);

}  // namespace gpipe::parallel
