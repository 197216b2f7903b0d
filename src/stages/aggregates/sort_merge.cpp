#include "stages/aggregates/sort_merge.hpp"

#include "gpipe/errors.hpp"

namespace gpipe::stages {

namespace {

// Record bytes a buffer holds before it is handed over, and how many buffers there are: the
// merge may run that many buffers ahead of the consumer.
constexpr std::size_t kBufferBytes = 256 * 1024;
constexpr std::size_t kBuffers = 4;

}  // namespace

MergedRecords::MergedRecords(std::vector<MergeSource*> sources, bool on_thread)
    : sources_(std::move(sources)) {
  if (!on_thread) return;
  free_.resize(kBuffers);
  thread_ = std::thread([this] { run(); });
}

MergedRecords::~MergedRecords() {
  if (!thread_.joinable()) return;
  {
    const std::lock_guard lock(mutex_);
    stop_ = true;
  }
  freed_.notify_one();
  thread_.join();
}

bool MergedRecords::fill(Merge& merge, std::string& buffer) {
  buffer.clear();
  while (!merge.done() && buffer.size() < kBufferBytes) {
    buffer.append(merge.top().unit().record);
    merge.advance();
  }
  return !buffer.empty();
}

void MergedRecords::run() {
  try {
    Merge merge(sources_);
    while (true) {
      std::string buffer;
      {
        std::unique_lock lock(mutex_);
        freed_.wait(lock, [&] { return stop_ || !free_.empty(); });
        if (stop_) return;
        buffer = std::move(free_.front());
        free_.pop_front();
      }
      const bool filled = fill(merge, buffer);
      const bool done = !filled || merge.done();
      {
        const std::lock_guard lock(mutex_);
        if (filled) full_.push_back(std::move(buffer));
        done_ = done;
      }
      filled_.notify_one();
      if (done) return;
    }
  } catch (...) {
    {
      const std::lock_guard lock(mutex_);
      error_ = std::current_exception();
      done_ = true;
    }
    filled_.notify_one();
  }
}

std::string_view MergedRecords::next() {
  if (!thread_.joinable()) {
    if (!merge_) merge_.emplace(sources_);
    fill(*merge_, current_);
    return current_;
  }
  std::unique_lock lock(mutex_);
  if (holding_) {
    free_.push_back(std::move(current_));
    holding_ = false;
    freed_.notify_one();
  }
  filled_.wait(lock, [&] { return !full_.empty() || done_; });
  if (!full_.empty()) {
    current_ = std::move(full_.front());
    full_.pop_front();
    holding_ = true;
    return current_;
  }
  if (error_) std::rethrow_exception(error_);
  return {};
}

BatchStream emit_merged(MergedRecords& merged, const OriginTable& origins, std::uint64_t limit) {
  // Each buffer's records are emitted where they lie: the buffer stays as it is until next().
  for (std::string_view records = merged.next(); !records.empty() && limit != 0;
       records = merged.next()) {
    co_yield elements_of(OwnedRecord::emit_bytes(records, origins, limit));
  }
}

}  // namespace gpipe::stages
