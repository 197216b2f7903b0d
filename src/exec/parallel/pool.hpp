// The Pool: what -j's threads share. Chunks go from the consumer (which cuts them) to the
// workers in one queue, and their results come back through a reorder buffer that gives them to
// the consumer in input order, whatever order the workers finish in. Between workers, chunk by
// chunk in input order, go the line numbers (late numbering: the number after a chunk's lines)
// and the framed links (csv: the rows a chunk carries on). Batches the consumer is done with
// come back for the workers to fill again, and chunks it is done with are let go by the workers.
// Apart because it is the one place where threads meet: all its state is under one lock, and
// every wait is here.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "exec/parallel/chunk.hpp"
#include "exec/parallel/csv_framing.hpp"
#include "gpipe/context.hpp"
#include "gpipe/record.hpp"

namespace gpipe::parallel {

// What came out of a chunk's worker, for the consumer.
struct ChunkResult {
  std::vector<Batch> batches;
  // What the batches view: the chunk's text, and the lines its worker made of it.
  std::shared_ptr<const Chunk> chunk;
  ChunkLines lines;
  std::exception_ptr error;
  HeldBadRecords bad_records;  // for the consumer to report, in input order
  // By batch: the bad records held when it came out of the worker (the consumer reports those
  // before it gets the batch, as one pass reports a stage's bad records before its batch goes
  // on: a stage after the prefix that stops early, such as head, has seen them all). One per
  // batch: the worker records one for each batch it keeps.
  std::vector<HeldBadRecords::Mark> held_before;
  // Numbered late: the chunk's lines were numbered from 1 (its records and bad records); the
  // consumer, which knows where the chunk before ended, shifts them. line_count: the chunk's.
  bool numbered_late = false;
  std::uint64_t line_count = 0;
};

// Chunks to the workers, results back, in one lock (taken a few times per MiB of input).
class Pool {
 public:
  // `spare_batches`: as many as are in flight at once, kept for reuse (a new batch is new
  // pages, slow to touch first in a virtual machine: see ChunkTexts).
  explicit Pool(std::size_t spare_batches) : spare_batches_limit_(spare_batches) {}

  // --- the consumer's side ---
  void submit(std::shared_ptr<Chunk> chunk);
  // The result of chunk `seq`, once its worker published it.
  ChunkResult take(std::uint64_t seq);
  // Batches the consumer is done with, for the workers to fill again (up to `spare_batches`
  // are kept); `batches` is left empty.
  void recycle(std::vector<Batch>& batches);
  // A chunk's result the consumer is done with (its batches recycled). The last chunk of a
  // mapped window unmaps it when it is let go, which is kernel work: the workers let it go, not
  // the reading thread (see docs/performance.md, 'Letting chunks go').
  void retire(ChunkResult result);
  // No more chunks: workers finish what they have and stop.
  void close();
  // The consumer is done with every batch: workers may destroy their stages, and any worker
  // still waiting for a line number or a link gets RunOver.
  void finish();
  // -j with an aggregate: waits until `workers` workers are out of their loops.
  void wait_workers_done(unsigned workers);

  // --- the workers' side ---
  // The worker's next chunk, or null when the run is over. First the worker lets go of the
  // chunks the consumer retired, outside the lock and before it waits, so that no window
  // stays mapped while it is idle. The chunk is the worker's alone until it publishes it.
  std::shared_ptr<Chunk> next();
  void publish(std::uint64_t seq, ChunkResult result);
  // A batch for a worker to fill: one the consumer is done with (its vectors and arena keep
  // their capacity, so a chunk's fields cost no allocation and no page faults), or a new one.
  Batch spare_batch();
  // The number of the first line of chunk `seq`: `first_line` if known (not 0), else the number
  // after the lines of chunk seq - 1, once its worker has passed it on (waits until then).
  // Passes on the number after this chunk's `count` lines.
  std::uint64_t number_lines(std::uint64_t seq, std::uint64_t first_line, std::uint64_t count);
  // Framed chunks: what the chunk before chunk `seq` passed on, once it has (see frame_chunk).
  FramedLink take_link(std::uint64_t seq);
  void pass_link(std::uint64_t seq, FramedLink link);
  // A worker is out of its loop (with an aggregate: its partial state is complete).
  void worker_done();
  // Until finish(): `stream` (and the names its stages own) outlives every batch.
  void wait_finished();

  // Thrown to a worker waiting for a line number or a link that will not come: the run ended
  // (an error).
  struct RunOver {};

 private:
  void release_retired();

  const std::size_t spare_batches_limit_;
  std::mutex mutex_;
  // One condition per kind of waiter, each woken only for what it waits for: a wake-up is
  // costly in a virtual machine (see docs/performance.md, 'Wake-ups'), and one
  // condition for all woke every thread for every change.
  std::condition_variable work_changed_;     // workers: a chunk queued, or the run closing
  std::condition_variable result_ready_;     // the consumer: the result it waits for
  std::condition_variable numbers_changed_;  // workers: a chunk's line numbers passed on
  std::condition_variable links_changed_;    // workers: a framed chunk's link passed on
  // Workers done early (an error) wait here, not on work_changed_, so that a chunk's one
  // wake-up never goes to a worker that will not take it.
  std::condition_variable run_finished_;
  std::condition_variable workers_changed_;  // the consumer: a worker done (worker_done)
  unsigned workers_done_ = 0;
  std::uint64_t awaited_ = 0;  // the result the consumer waits for
  // One queue for all workers, taken in input order by whichever is free: a fixed
  // chunk-to-worker split left the worker that shares a core with the reading thread behind
  // (see docs/performance.md, 'One queue').
  std::deque<std::shared_ptr<Chunk>> queue_;
  std::map<std::uint64_t, ChunkResult> results_;  // the reorder buffer
  std::vector<ChunkResult> retired_;
  std::vector<Batch> spare_batches_;
  std::map<std::uint64_t, std::uint64_t> line_after_;  // by chunk: the number after its lines
  std::map<std::uint64_t, FramedLink> links_;          // by chunk: what it passed on
  bool closed_ = false;
  bool finished_ = false;
};

}  // namespace gpipe::parallel
