// The Pool of -j (src/exec/parallel/pool.hpp) on its own: the queue of chunks, the reorder buffer
// that gives results back in input order whatever order the workers finish in, batch recycling,
// the hand-offs of line numbers and framed links from chunk to chunk, and the end of a run.
#include "exec/parallel/pool.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <thread>
#include <vector>

namespace gpipe::parallel {
namespace {

using namespace std::chrono_literals;

// Long enough for a thread that is not blocked to get there; a wait that ends early fails.
constexpr auto kBlocked = 100ms;

std::shared_ptr<Chunk> chunk_numbered(std::uint64_t seq) {
  auto chunk = std::make_shared<Chunk>();
  chunk->seq = seq;
  return chunk;
}

// A result that says which chunk it is of (line_count: a tag, not a count).
ChunkResult result_tagged(std::uint64_t tag) {
  ChunkResult result;
  result.line_count = tag;
  return result;
}

TEST(PoolTest, ResultsComeOutInInputOrderWhateverOrderWorkersFinishIn) {
  Pool pool(0);
  constexpr std::uint64_t kChunks = 8;
  const std::uint64_t finish_order[kChunks] = {5, 2, 7, 0, 3, 1, 6, 4};
  std::thread workers([&] {
    for (const std::uint64_t seq : finish_order) {
      std::this_thread::sleep_for(2ms);
      pool.publish(seq, result_tagged(100 + seq));
    }
  });
  for (std::uint64_t seq = 0; seq < kChunks; ++seq) {
    EXPECT_EQ(pool.take(seq).line_count, 100 + seq);
  }
  workers.join();
}

TEST(PoolTest, TakeWaitsForTheResultItAsksFor) {
  Pool pool(0);
  pool.publish(1, result_tagged(11));
  auto first = std::async(std::launch::async, [&] { return pool.take(0).line_count; });
  EXPECT_EQ(first.wait_for(kBlocked), std::future_status::timeout);
  pool.publish(0, result_tagged(10));
  EXPECT_EQ(first.get(), 10u);
  EXPECT_EQ(pool.take(1).line_count, 11u);
}

TEST(PoolTest, ChunksGoToWorkersInInputOrderUntilClosed) {
  Pool pool(0);
  for (std::uint64_t seq = 0; seq < 3; ++seq) pool.submit(chunk_numbered(seq));
  for (std::uint64_t seq = 0; seq < 3; ++seq) EXPECT_EQ(pool.next()->seq, seq);
  auto waiting = std::async(std::launch::async, [&] { return pool.next(); });
  EXPECT_EQ(waiting.wait_for(kBlocked), std::future_status::timeout);
  pool.submit(chunk_numbered(3));
  EXPECT_EQ(waiting.get()->seq, 3u);
  pool.close();
  EXPECT_EQ(pool.next(), nullptr);
}

TEST(PoolTest, RecycledBatchesComeBackWithTheirCapacity) {
  Pool pool(2);
  std::vector<Batch> batches(3);
  std::vector<const Record*> storage;
  for (Batch& batch : batches) {
    batch.raw_records().resize(100);
    storage.push_back(batch.raw_records().data());
  }
  pool.recycle(batches);
  EXPECT_TRUE(batches.empty());
  // Up to the limit are kept, the last one first; then new batches.
  Batch first = pool.spare_batch();
  Batch second = pool.spare_batch();
  Batch third = pool.spare_batch();
  EXPECT_EQ(first.raw_records().data(), storage[1]);
  EXPECT_EQ(second.raw_records().data(), storage[0]);
  EXPECT_GE(first.raw_records().capacity(), 100u);
  EXPECT_EQ(third.raw_records().capacity(), 0u);
}

TEST(PoolTest, RetiredChunksAreLetGoByTheNextWorkerThatAsksForWork) {
  Pool pool(0);
  ChunkResult result;
  auto chunk = chunk_numbered(0);
  const std::weak_ptr<Chunk> watched = chunk;
  result.chunk = std::move(chunk);
  pool.retire(std::move(result));
  EXPECT_FALSE(watched.expired());
  pool.submit(chunk_numbered(1));
  EXPECT_EQ(pool.next()->seq, 1u);
  EXPECT_TRUE(watched.expired());
}

TEST(PoolTest, LineNumbersPassFromChunkToChunk) {
  Pool pool(0);
  // Chunk 2 asks first: it waits for chunk 1, which waits for chunk 0.
  auto third = std::async(std::launch::async, [&] { return pool.number_lines(2, 0, 3); });
  auto second = std::async(std::launch::async, [&] { return pool.number_lines(1, 0, 5); });
  EXPECT_EQ(third.wait_for(kBlocked), std::future_status::timeout);
  EXPECT_EQ(pool.number_lines(0, 1, 10), 1u);
  EXPECT_EQ(second.get(), 11u);
  EXPECT_EQ(third.get(), 16u);
  // A chunk that knows its first line (its file's start) does not wait, and passes its own on.
  EXPECT_EQ(pool.number_lines(3, 1, 4), 1u);
  EXPECT_EQ(pool.number_lines(4, 0, 1), 5u);
}

TEST(PoolTest, FramedLinksPassFromChunkToChunk) {
  Pool pool(0);
  auto second = std::async(std::launch::async, [&] { return pool.take_link(1).carry; });
  EXPECT_EQ(second.wait_for(kBlocked), std::future_status::timeout);
  FramedLink link;
  link.carry = "1,\"open";
  pool.pass_link(0, std::move(link));
  EXPECT_EQ(second.get(), "1,\"open");
}

TEST(PoolTest, FinishEndsEveryWait) {
  Pool pool(0);
  auto number = std::async(std::launch::async, [&] { return pool.number_lines(1, 0, 1); });
  auto link = std::async(std::launch::async, [&] { return pool.take_link(1); });
  auto work = std::async(std::launch::async, [&] { return pool.next(); });
  auto finished = std::async(std::launch::async, [&] { pool.wait_finished(); });
  EXPECT_EQ(finished.wait_for(kBlocked), std::future_status::timeout);
  pool.finish();
  EXPECT_THROW(number.get(), Pool::RunOver);
  EXPECT_THROW(link.get(), Pool::RunOver);
  EXPECT_EQ(work.get(), nullptr);
  finished.get();
}

TEST(PoolTest, WaitsForEveryWorkerToBeDone) {
  Pool pool(0);
  pool.worker_done();
  auto all_done = std::async(std::launch::async, [&] { pool.wait_workers_done(2); });
  EXPECT_EQ(all_done.wait_for(kBlocked), std::future_status::timeout);
  pool.worker_done();
  all_done.get();
}

}  // namespace
}  // namespace gpipe::parallel
