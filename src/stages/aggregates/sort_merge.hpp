// The end of `sort`: the merge of its sources (runs on disk, sorted parts of memory) turned into
// batches of records, in order.
//
// The merge (reading and decompressing runs, the heap of keys) can run on a thread of its own:
// it copies each record's bytes, in order, into one of a few buffers, and the consumer's thread
// passes them on as records that view the buffer (OwnedRecord::emit_bytes), so the two halves
// of the work overlap.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "gpipe/owned_record.hpp"
#include "gpipe/record.hpp"
#include "stages/aggregates/sort_runs.hpp"

namespace gpipe::stages {

// The records' bytes of a merge, in order, a buffer at a time.
class MergedRecords {
 public:
  // Merges `sources` (in input order; they must outlive this), on a thread of its own when
  // `on_thread`, else as next() asks.
  MergedRecords(std::vector<MergeSource*> sources, bool on_thread);
  ~MergedRecords();
  MergedRecords(const MergedRecords&) = delete;
  MergedRecords& operator=(const MergedRecords&) = delete;

  // The next records, their OwnedRecord bytes one after the other; empty at the end. Valid
  // until the next call. Rethrows what the merge threw.
  std::string_view next();

 private:
  // Fills `buffer` with the next records' bytes; false when there were none.
  bool fill(Merge& merge, std::string& buffer);
  void run();  // the thread's loop

  std::vector<MergeSource*> sources_;
  std::optional<Merge> merge_;  // inline: started at the first next()
  std::string current_;         // the buffer handed out
  bool holding_ = false;        // threaded: current_ is a buffer to give back

  // Threaded: buffers go from free_ to the thread, back filled into full_, to the consumer,
  // and back to free_.
  std::mutex mutex_;
  std::condition_variable freed_;   // the thread waits for a free buffer
  std::condition_variable filled_;  // the consumer waits for a full one
  std::deque<std::string> free_;
  std::deque<std::string> full_;
  bool stop_ = false;  // the consumer has gone
  bool done_ = false;  // the merge has ended
  std::exception_ptr error_;
  std::thread thread_;
};

// The merge's records, in order, as batches (the first `limit` of them).
BatchStream emit_merged(MergedRecords& merged, const OriginTable& origins, std::uint64_t limit);

}  // namespace gpipe::stages
