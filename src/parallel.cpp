#include "parallel.hpp"

#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "gpipe/context.hpp"

namespace gpipe {

namespace {

// Big enough that a chunk's fixed costs (a batch, a coroutine switch per stage, a hand-over
// between threads) are noise; small enough that 2N+1 of them in flight stay a few MiB.
constexpr std::size_t kChunkBytes = kMiB;

struct Chunk {
  std::uint64_t seq = 0;
  const Origin* origin = nullptr;
  std::uint64_t first_line = 0;
  std::uint64_t offset = 0;
  std::string text;  // complete lines (the last may lack '\n' at the end of a file)
};

struct Result {
  std::vector<Batch> batches;
  std::shared_ptr<const Chunk> chunk;  // the text the batches view
  std::exception_ptr error;
};

// Chunks to the workers, results back, in one lock (taken a few times per MiB of input).
class Pool {
 public:
  explicit Pool(unsigned workers) : queues_(workers) {}

  void submit(std::shared_ptr<const Chunk> chunk) {
    const std::lock_guard lock(mutex_);
    queues_[chunk->seq % queues_.size()].push_back(std::move(chunk));
    changed_.notify_all();
  }

  // The worker's next chunk, or null when the run is over.
  std::shared_ptr<const Chunk> next(unsigned worker) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return closed_ || !queues_[worker].empty(); });
    if (queues_[worker].empty()) return nullptr;
    std::shared_ptr<const Chunk> chunk = std::move(queues_[worker].front());
    queues_[worker].pop_front();
    return chunk;
  }

  void publish(std::uint64_t seq, Result result) {
    const std::lock_guard lock(mutex_);
    results_.emplace(seq, std::move(result));
    changed_.notify_all();
  }

  Result take(std::uint64_t seq) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return results_.contains(seq); });
    Result result = std::move(results_.at(seq));
    results_.erase(seq);
    return result;
  }

  // No more chunks: workers finish what they have and stop.
  void close() {
    const std::lock_guard lock(mutex_);
    closed_ = true;
    changed_.notify_all();
  }

  // The consumer is done with every batch: workers may destroy their stages.
  void finish() {
    const std::lock_guard lock(mutex_);
    closed_ = finished_ = true;
    changed_.notify_all();
  }

  void wait_finished() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return finished_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::deque<std::shared_ptr<const Chunk>>> queues_;
  std::map<std::uint64_t, Result> results_;
  bool closed_ = false;
  bool finished_ = false;
};

struct WorkerState {
  std::shared_ptr<const Chunk> chunk;  // the chunk being processed
  std::vector<Batch> out;              // what came out of it so far
};

// A worker's source: one batch of pending lines per chunk. When the stages after it ask for
// more, everything that came from the previous chunk has come out (they are per-batch
// stages), so that chunk's result is complete.
BatchStream worker_source(Pool& pool, unsigned worker, WorkerState& state) {
  while ((state.chunk = pool.next(worker)) != nullptr) {
    {
      Batch batch;
      batch.reset(state.chunk->origin, RecordKind::Line);
      batch.set_pending_lines(state.chunk->text, state.chunk->first_line, state.chunk->offset);
      co_yield batch;
    }
    pool.publish(state.chunk->seq, Result{std::move(state.out), state.chunk, nullptr});
    state.out.clear();
  }
}

void work(Pool& pool, unsigned worker, const std::vector<TransformFactory>& prefix) {
  WorkerState state;
  BatchStream stream = worker_source(pool, worker, state);
  try {
    for (const TransformFactory& stage : prefix) stream = stage(std::move(stream));
    for (Batch& batch : stream) state.out.push_back(std::move(batch));
  } catch (...) {
    if (state.chunk)
      pool.publish(state.chunk->seq, Result{{}, state.chunk, std::current_exception()});
  }
  pool.wait_finished();  // `stream` (and the names its stages own) outlives every batch
}

// Appends the source's batch to the chunk if it continues it; false if it starts a new one.
bool append_to_chunk(Batch& batch, Chunk& chunk) {
  if (!batch.lines_pending()) {
    // Not a block of lines (no source but `read` runs in parallel; kept correct anyway).
    if (!chunk.text.empty()) return false;
    chunk.origin = batch.origin();
    for (const Record& record : batch.records()) {
      if (chunk.text.empty()) {
        chunk.first_line = record.line;
        chunk.offset = record.offset;
      }
      chunk.text.append(record.text);
      chunk.text += '\n';
    }
    return true;
  }
  if (!chunk.text.empty() && (batch.origin() != chunk.origin ||
                              batch.pending_offset() != chunk.offset + chunk.text.size())) {
    return false;  // another file, or a gap (an overlong line was skipped)
  }
  if (chunk.text.empty()) {
    chunk.origin = batch.origin();
    chunk.first_line = batch.pending_first_line();
    chunk.offset = batch.pending_offset();
  }
  chunk.text.append(batch.pending_block());
  return true;
}

// Ends the run on every path out of run_parallel (end, exception, the consumer stopping early):
// declared after the workers, so it runs before their threads are joined.
struct FinishOnExit {
  Pool& pool;
  ~FinishOnExit() { pool.finish(); }
};

}  // namespace

BatchStream run_parallel(BatchStream source, std::vector<TransformFactory> prefix,
                         unsigned threads) {
  Pool pool(threads);
  std::vector<std::jthread> workers;
  for (unsigned i = 0; i < threads; ++i) {
    workers.emplace_back([&pool, &prefix, i] { work(pool, i, prefix); });
  }
  const FinishOnExit finish_on_exit{pool};
  const std::uint64_t window = 2 * std::uint64_t{threads} + 1;
  std::uint64_t submitted = 0;
  std::uint64_t taken = 0;
  auto it = source.begin();
  bool source_done = false;
  for (;;) {
    while (!source_done && submitted - taken < window) {
      auto chunk = std::make_shared<Chunk>();
      chunk->seq = submitted;
      chunk->text.reserve(kChunkBytes + 256 * kKiB);
      while (it != source.end() && chunk->text.size() < kChunkBytes &&
             append_to_chunk(*it, *chunk)) {
        ++it;
      }
      if (chunk->text.empty()) {
        source_done = true;
        pool.close();
        break;
      }
      pool.submit(std::move(chunk));
      ++submitted;
    }
    if (taken == submitted) co_return;
    Result result = pool.take(taken++);
    if (result.error) std::rethrow_exception(result.error);
    for (Batch& batch : result.batches) co_yield batch;
  }
}

}  // namespace gpipe
