// run_parallel: the consumer's side of -j (see parallel.hpp). It starts the workers, cuts the
// source into chunks (Chunker) and submits them, takes their results in input order (Pool),
// reports each chunk's bad records and yields its batches to the rest of the pipeline, then, with
// an aggregate, merges the workers' partial states. Apart from the parts it drives because it is
// the only one that runs on the calling thread.
#include "exec/parallel/parallel.hpp"

#include <exception>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "exec/parallel/chunker.hpp"
#include "exec/parallel/pool.hpp"
#include "exec/parallel/worker.hpp"
#include "io/file_range.hpp"

namespace gpipe {

namespace {

using parallel::Chunk;
using parallel::ChunkResult;
using parallel::Pool;

// The consumer's side of late numbering: what to add to the line numbers of the chunk's
// records and bad records. `next_line`: the number after the chunk before's lines.
std::uint64_t line_shift(const ChunkResult& result, std::uint64_t& next_line) {
  if (!result.numbered_late) return 0;
  const std::uint64_t first = result.lines.first_line != 0 ? result.lines.first_line : next_line;
  next_line = first + result.line_count;
  return first - 1;
}

// Late numbering: the batch's lines were numbered from 1 at its chunk's start; `by` makes the
// numbers the file's. (Its pending block's too, which its records split from later.)
void shift_line_numbers(Batch& batch, std::uint64_t by) {
  if (batch.lines_pending()) {
    batch.set_pending_lines(batch.pending_block(), batch.pending_first_line() + by,
                            batch.pending_offset(), batch.pending_owner());
  }
  for (Record& record : batch.raw_records()) record.line += by;
}

// The chunk's error, unless it is the stop at a held bad record (reported, so thrown, already).
void rethrow_unless_held(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const HeldBadRecordStop&) {
  }
}

// Ends the run on every path out of run_parallel (end, exception, the consumer stopping early):
// declared after the workers, so it runs before their threads are joined.
struct FinishOnExit {
  Pool& pool;
  ~FinishOnExit() { pool.finish(); }
};

}  // namespace

BatchStream run_parallel(BatchStream source, std::vector<TransformFactory> prefix,
                         std::shared_ptr<const ChunkFraming> framing,
                         std::shared_ptr<const AggregateSplit> aggregate, unsigned threads,
                         bool number_late, ErrorPolicy& errors, std::size_t max_line) {
  // Chunks in flight: each worker's, one result each waiting for the consumer, and the next
  // one. Framed chunks' batches hold every field of every row, several times the chunk's bytes,
  // so they keep to one per worker and the next: that lowers the peak memory of the csv task at
  // no cost in time (see docs/performance.md, 'Chunks in flight').
  const std::uint64_t window =
      framing != nullptr ? std::uint64_t{threads} + 1 : 2 * std::uint64_t{threads} + 1;
  const std::size_t batches_per_chunk = framing != nullptr ? parallel::kBatchesPerFramedChunk : 1;
  // File ranges are read by the workers into these; framed ones are smaller, with room in front.
  const std::shared_ptr<ReadBufferPool> range_buffers =
      make_range_buffers(threads, framing != nullptr ? kFramedRangeBytes : kFileRangeBytes,
                         framing != nullptr ? parallel::kFramedFront : 0);
  Pool pool(window * batches_per_chunk);
  // One partial state per worker (declared before the workers: they use it until joined).
  std::vector<std::unique_ptr<PartialAggregate>> partials;
  for (unsigned i = 0; aggregate != nullptr && i < threads; ++i) {
    partials.push_back(aggregate->make_partial());
  }
  const parallel::WorkerSetup setup{prefix,   framing.get(),  number_late,
                                    max_line, *range_buffers, errors};
  std::vector<std::jthread> workers;
  for (unsigned i = 0; i < threads; ++i) {
    PartialAggregate* partial = aggregate != nullptr ? partials[i].get() : nullptr;
    workers.emplace_back([&pool, &setup, partial] { parallel::work(pool, setup, partial); });
  }
  const FinishOnExit finish_on_exit{pool};
  std::uint64_t submitted = 0;
  std::uint64_t taken = 0;
  parallel::Chunker chunker(source, framing.get());
  bool source_done = false;
  std::uint64_t next_line = 1;  // late numbering: the number after the last chunk's lines
  for (;;) {
    while (!source_done && submitted - taken < window) {
      std::shared_ptr<Chunk> chunk = chunker.next(submitted);
      if (chunk == nullptr) {
        source_done = true;
        pool.close();
        break;
      }
      pool.submit(std::move(chunk));
      ++submitted;
    }
    if (taken == submitted) break;
    ChunkResult result = pool.take(taken++);
    const std::uint64_t shift = line_shift(result, next_line);
    HeldBadRecords::Mark reported;
    for (std::size_t i = 0; i < result.batches.size(); ++i) {
      result.bad_records.report_to(errors, shift, reported, result.held_before[i]);
      Batch& batch = result.batches[i];
      if (shift != 0) shift_line_numbers(batch, shift);
      co_yield batch;
    }
    result.bad_records.report_to(errors, shift, reported, result.bad_records.mark());
    if (result.error) rethrow_unless_held(result.error);
    pool.recycle(result.batches);  // the consumer asked for more: it is done with them
    pool.retire(std::move(result));
  }
  if (aggregate == nullptr) co_return;
  // Every chunk is in a partial state once the workers are out of their loops (they are: no
  // chunk is left, and none failed, or its error would have been thrown above).
  pool.wait_workers_done(threads);
  co_yield elements_of(aggregate->merge(std::move(partials)));
}

}  // namespace gpipe
